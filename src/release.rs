//! Gathers what the release gate reads from the repository at the release revision:
//! approval and attestation records, waivers, the previous release and the plan's changes
//! since it, release branches, the recorded baseline, the tag's annotation.

use std::collections::BTreeMap;

use anyhow::Context as _;

use crate::config::Config;
use crate::gate::records::{self, ApprovalRecord, Attestation, WaiverFile};
use crate::gate::{DEFAULT_APPROVAL_RECORD, RepoFacts, approval_path};
use crate::git::Repo;
use crate::git::rev::Resolved;
use crate::plan::values::Date;
use crate::plan::{LoadedPlan, Measure, ReleaseStep};
use crate::snapshot::{self, Endpoint};

/// Extracts the version from a tag with a pattern such as `v{version}`.
pub fn version_from_tag(pattern: &str, tag: &str) -> Option<String> {
    let (prefix, suffix) = pattern.split_once("{version}")?;
    let v = tag.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!v.is_empty()).then(|| v.to_owned())
}

/// A release of one plan's product: a tag whose name is a version under the plan's tag
/// pattern, and the day it was made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub tag: String,
    pub version: String,
    pub date: Date,
}

impl Release {
    /// `X.0.0` with X ≥ 1 and no pre-release part: a new major version.
    pub fn is_major(&self) -> bool {
        semver::Version::parse(&self.version)
            .is_ok_and(|v| v.major >= 1 && v.minor == 0 && v.patch == 0 && v.pre.is_empty())
    }
}

/// The tags of the repository that `from` contains, dated by [`Repo::dated_release_tags`],
/// oldest first: read once and shared by every plan with [`releases_of_plan`], which keeps
/// the tags under each plan's own tag pattern. None without a commit to start from.
pub fn dated_tags(repo: &Repo, from: Option<&Resolved>) -> anyhow::Result<Vec<crate::git::rev::DatedTag>> {
    let Some(from) = from else { return Ok(Vec::new()) };
    let every = globset::Glob::new("*").context("the match-all glob")?.compile_matcher();
    repo.dated_release_tags(&every, from.id)
}

/// The tags that are versions under the plan's tag pattern (a version starts with a digit).
pub fn releases_of_plan(tags: &[crate::git::rev::DatedTag], tag_pattern: &str) -> Vec<Release> {
    tags.iter()
        .filter_map(|t| {
            let version = version_from_tag(tag_pattern, &t.name)?;
            version.starts_with(|c: char| c.is_ascii_digit()).then(|| Release {
                tag: t.name.clone(),
                version,
                date: Date::from_unix_seconds(t.time),
            })
        })
        .collect()
}

fn read_text(repo: &Repo, rev: &Resolved, path: &str) -> anyhow::Result<Option<String>> {
    match repo.read_path(rev.id, path, 1024 * 1024)? {
        Some(bytes) => {
            Ok(Some(String::from_utf8(bytes).with_context(|| format!("{path} at {} is not UTF-8", rev.spec))?))
        }
        None => Ok(None),
    }
}

/// Approval records (default path and each approval step's) and attestations.
#[allow(clippy::type_complexity)]
pub fn records(
    repo: &Repo,
    rev: &Resolved,
    plan: &LoadedPlan,
    version: &str,
) -> anyhow::Result<(
    BTreeMap<String, Option<Result<ApprovalRecord, String>>>,
    BTreeMap<String, Option<Result<Attestation, String>>>,
)> {
    let p = &plan.plan;
    let mut approval_paths = vec![approval_path(DEFAULT_APPROVAL_RECORD, version)];
    let mut attestation_paths = Vec::new();
    for step in p.release_process.steps.values() {
        match step {
            ReleaseStep::Approval { record, .. } => approval_paths.push(approval_path(record, version)),
            ReleaseStep::Attestation { record, .. } => attestation_paths.push(approval_path(record, version)),
            _ => {}
        }
    }
    for c in p.acceptance.criteria.values() {
        if let Measure::Attestation { record, .. } = &c.measure {
            attestation_paths.push(approval_path(record, version));
        }
    }
    let mut approvals = BTreeMap::new();
    for path in approval_paths {
        let describe = format!("{path} at {}", rev.spec);
        let rec = read_text(repo, rev, &path)?.map(|t| records::parse::<ApprovalRecord>(&t, &describe));
        approvals.insert(path, rec);
    }
    let mut attestations = BTreeMap::new();
    for path in attestation_paths {
        let describe = format!("{path} at {}", rev.spec);
        let rec = read_text(repo, rev, &path)?.map(|t| records::parse::<Attestation>(&t, &describe));
        attestations.insert(path, rec);
    }
    Ok((approvals, attestations))
}

/// The waiver file, or an empty one when there is none.
pub fn waivers(repo: &Repo, rev: &Resolved, plan: &LoadedPlan) -> anyhow::Result<Result<WaiverFile, String>> {
    let path = &plan.plan.gate.waiver_file;
    let describe = format!("{path} at {}", rev.spec);
    Ok(match read_text(repo, rev, path)? {
        Some(text) => records::parse::<WaiverFile>(&text, &describe),
        None => Ok(WaiverFile::default()),
    })
}

/// What every plan of one gate run shares, computed once: the earlier release tags (newest
/// first), the plans that changed since the newest, the first-parent chain.
pub struct Shared {
    pub previous: Vec<Resolved>,
    /// The plans that changed since an earlier release, by the release's commit.
    candidates: std::cell::RefCell<BTreeMap<crate::git::ObjectId, std::rc::Rc<snapshot::Candidates>>>,
    pub chain: crate::git::Chain,
    /// When each waiver was introduced, by waiver file path.
    waivers: std::cell::RefCell<BTreeMap<String, BTreeMap<String, Date>>>,
}

/// How many earlier tags (matching the repository's tag pattern) the searches look through.
const BASELINE_TAGS: usize = 200;

impl Shared {
    pub fn new(repo: &Repo, rev: &Resolved, config: &Config) -> anyhow::Result<Shared> {
        let glob = globset::Glob::new(&config.release.tag_pattern)
            .with_context(|| format!("release.tag_pattern `{}`", config.release.tag_pattern))?
            .compile_matcher();
        let previous = repo.release_tags_before(rev.id, &glob, BASELINE_TAGS)?;
        // In a shallow clone "no earlier release" may only mean "not fetched": the plan-change
        // approval and the baselines would then pass unjudged. The gate cannot evaluate.
        anyhow::ensure!(
            !(previous.is_empty() && repo.is_shallow()),
            "this is a shallow clone and no earlier release tag is in it, so the plan cannot be compared with the previous release; fetch the history and tags first (actions/checkout with `fetch-depth: 0`, or `git fetch --unshallow --tags`)"
        );
        let (chain, _) = repo.first_parent_chain(rev.id, None)?;
        Ok(Shared { previous, candidates: Default::default(), chain, waivers: Default::default() })
    }

    /// The earlier releases of a plan, newest first: tags whose name is a version under the
    /// plan's `tag_pattern` (a `vnext` or `nightly` tag is no release).
    pub fn releases_of<'s>(&'s self, plan: &crate::plan::Plan) -> impl Iterator<Item = &'s Resolved> + 's {
        let pattern = plan.strategy.release.tag_pattern.clone();
        self.previous.iter().filter(move |t| {
            version_from_tag(&pattern, &t.spec).is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
        })
    }

    fn candidates(
        &self,
        repo: &Repo,
        prev: &Resolved,
        rev: &Resolved,
    ) -> anyhow::Result<std::rc::Rc<snapshot::Candidates>> {
        if let Some(c) = self.candidates.borrow().get(&prev.id) {
            return Ok(c.clone());
        }
        let c = std::rc::Rc::new(snapshot::candidates(repo, prev, &Endpoint::Commit(rev.clone()))?);
        self.candidates.borrow_mut().insert(prev.id, c.clone());
        Ok(c)
    }
}

/// Facts from git for one plan.
#[allow(clippy::too_many_arguments)]
pub fn facts(
    repo: &Repo,
    rev: &Resolved,
    tag: Option<&str>,
    plan: &LoadedPlan,
    verify_approvers: bool,
    version: &str,
    shared: &Shared,
) -> anyhow::Result<RepoFacts> {
    let p = &plan.plan;
    let mut facts =
        RepoFacts { committed: Some(Date::from_unix_seconds(repo.commit_info(rev.id)?.time)), ..RepoFacts::default() };
    if !p.strategy.release.release_branches.is_empty() {
        let mut b = globset::GlobSetBuilder::new();
        for g in &p.strategy.release.release_branches {
            b.add(globset::Glob::new(g).with_context(|| format!("release_branches `{g}`"))?);
        }
        let (matching, containing) = repo.release_branches(rev.id, &b.build()?)?;
        facts.matching_branches = matching;
        facts.containing_branches = containing;
    }
    let releases: Vec<&Resolved> = shared.releases_of(p).collect();
    if let Some(prev) = releases.first() {
        let c = shared.candidates(repo, prev, rev)?;
        // Paired as `plan diff` pairs them: a file of this product that does not load, or a
        // second file naming it, is a breaking change, never silently left out.
        let (old, new): (Vec<_>, Vec<_>) = (c.old.iter().collect(), c.new.iter().collect());
        let changes = snapshot::compare_plan_refs(&old, &new, &prev.spec, &rev.spec, Some(&p.plan.product));
        facts.baseline = baseline(repo, plan, &releases)?;
        facts.previous = Some((prev.spec.clone(), changes));
    }
    let chain = &shared.chain;
    if let Some(i) = repo.newest_change(chain, &plan.source.path)? {
        facts.last_plan_change = Some(Date::from_unix_seconds(repo.commit_info(chain[i].0)?.time));
    }
    let cached = shared.waivers.borrow().get(&p.gate.waiver_file).cloned();
    facts.waivers_introduced = match cached {
        Some(w) => w,
        None => {
            let w = waiver_introductions(repo, chain, &p.gate.waiver_file)?;
            shared.waivers.borrow_mut().insert(p.gate.waiver_file.clone(), w.clone());
            w
        }
    };
    if let Some(t) = tag {
        facts.tag_message = repo.tag_message(t)?;
    }
    if verify_approvers {
        let path = approval_path(DEFAULT_APPROVAL_RECORD, version);
        let emails = repo.path_authors(rev.id, &path)?;
        facts.verified_approvers = Some(
            p.contacts
                .people
                .iter()
                .filter(|(_, person)| emails.contains(&person.email.to_lowercase()))
                .map(|(id, _)| id.clone())
                .collect(),
        );
    }
    Ok(facts)
}

/// The date of the commit that introduced each waiver still in the file at the chain's tip:
/// the oldest version, in the unbroken run of versions up to the tip, that has its id.
fn waiver_introductions(
    repo: &Repo,
    chain: &[(crate::git::ObjectId, Option<crate::git::ObjectId>)],
    path: &str,
) -> anyhow::Result<BTreeMap<String, Date>> {
    let mut out: BTreeMap<String, Date> = BTreeMap::new();
    let mut alive: Option<Vec<String>> = None;
    for (i, change) in repo.path_changes(chain, path)? {
        let Some(blob) = change.new else { break };
        let text = match repo.read_blob(blob, &format!("{path} at {}", chain[i].0), 1024 * 1024)? {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(_) => break,
        };
        let Ok(file) = records::parse::<WaiverFile>(&text, path) else { break };
        let ids = alive.get_or_insert_with(|| file.waivers.keys().cloned().collect());
        ids.retain(|id| file.waivers.contains_key(id));
        if ids.is_empty() {
            break;
        }
        let date = Date::from_unix_seconds(repo.commit_info(chain[i].0)?.time);
        for id in ids.iter() {
            out.insert(id.clone(), date);
        }
    }
    Ok(out)
}

/// The newest earlier release that recorded results for this plan: its git note, else its
/// committed results file. A release that recorded none (blocked, never gated, or gated for
/// other plans) is passed over, and the answer names the release it came from. The search
/// stops at a release where the plan did not exist yet. A note that is not a results note is
/// an error, not a reason to look further.
fn baseline(repo: &Repo, plan: &LoadedPlan, previous: &[&Resolved]) -> anyhow::Result<Option<crate::gate::Baseline>> {
    let p = &plan.plan;
    for &prev in previous {
        let prev_version =
            version_from_tag(&p.strategy.release.tag_pattern, &prev.spec).unwrap_or_else(|| prev.spec.clone());
        if let Some(bytes) = repo.note(crate::gate::run::NOTES_REF, prev.id)? {
            match note_results(&bytes, &p.plan.product) {
                Some(Ok(r)) => return Ok(Some((prev.spec.clone(), Ok(r)))),
                Some(Err(e)) => {
                    let e = format!("{} note on {}: {e}", crate::gate::run::NOTES_REF, prev.spec);
                    return Ok(Some((prev.spec.clone(), Err(e))));
                }
                None => {}
            }
        }
        let results = format!("{}/{prev_version}.json", p.gate.results_dir);
        if let Some(text) = read_text(repo, prev, &results)? {
            let parsed = parse_results(&text).map_err(|e| format!("{results} at {}: {e}", prev.spec));
            return Ok(Some((prev.spec.clone(), parsed)));
        }
    }
    Ok(None)
}

/// A results note larger than this is refused unread (one plan's metrics are a few hundred
/// bytes; a note for every plan of a large monorepo stays far below).
pub const MAX_NOTE_BYTES: usize = 4 * 1024 * 1024;

/// One plan's results in a gate note (`{ "plans": { "<product>": { "metrics": … } } }`), if
/// the note has that plan.
fn note_results(bytes: &[u8], product: &str) -> Option<Result<BTreeMap<String, f64>, String>> {
    if bytes.len() > MAX_NOTE_BYTES {
        return Some(Err(format!("{} bytes, over the {MAX_NOTE_BYTES}-byte limit for a results note", bytes.len())));
    }
    let v: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Some(Err(format!("not valid JSON: {e}"))),
    };
    if v.get("schema").and_then(|s| s.as_str()) != Some("supportplan/results/v1") {
        return Some(Err("not a supportplan results note (no \"schema\": \"supportplan/results/v1\")".into()));
    }
    match v.pointer(&format!("/plans/{}", product.replace('~', "~0").replace('/', "~1"))) {
        Some(plan) if plan.get("product").and_then(|p| p.as_str()).is_some_and(|p| p != product) => {
            Some(Err(format!("the note's entry for `{product}` says it is for another product")))
        }
        Some(plan) => Some(parse_results(&plan.to_string())),
        // That release recorded results for other plans only.
        None => None,
    }
}

/// A results file: `{ "version": "1.2.0", "metrics": { "<metric id>": value } }`.
pub fn parse_results(text: &str) -> Result<BTreeMap<String, f64>, String> {
    let v: serde_json::Value = serde_json::from_str(text).map_err(|e| format!("not valid JSON: {e}"))?;
    let metrics = v.get("metrics").and_then(|m| m.as_object()).ok_or("no `metrics` object")?;
    metrics
        .iter()
        .map(|(k, v)| {
            v.as_f64()
                .filter(|n| n.is_finite() && n.abs() < 1e15)
                .map(|n| (k.clone(), n))
                .ok_or_else(|| format!("metric `{k}` is not a finite number below 1e15"))
        })
        .collect()
}
