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

/// Facts from git for one plan.
pub fn facts(
    repo: &Repo,
    rev: &Resolved,
    tag: Option<&str>,
    plan: &LoadedPlan,
    config: &Config,
    verify_approvers: bool,
    version: &str,
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
    let glob = globset::Glob::new(&config.release.tag_pattern)
        .with_context(|| format!("release.tag_pattern `{}`", config.release.tag_pattern))?
        .compile_matcher();
    if let Some(prev) = repo.newest_release_tag(rev.id, &glob, true)? {
        let c = snapshot::candidates(repo, &prev, &Endpoint::Commit(rev.clone()))?;
        let keep = |l: &&LoadedPlan| l.plan.plan.product == p.plan.product;
        let old: Vec<&LoadedPlan> = c.old.iter().filter_map(|x| x.as_ref().ok()).filter(keep).collect();
        let new: Vec<&LoadedPlan> = c.new.iter().filter_map(|x| x.as_ref().ok()).filter(keep).collect();
        let changes = snapshot::pair(&old, &new);
        // Baseline: the previous release's recorded results.
        let prev_version =
            version_from_tag(&p.strategy.release.tag_pattern, &prev.spec).unwrap_or_else(|| prev.spec.clone());
        // The previous release's results: its git note first, then a committed results file.
        let noted = match repo.note(crate::gate::run::NOTES_REF, prev.id)? {
            Some(bytes) => note_results(&bytes, &p.plan.product)
                .map(|r| r.map_err(|e| format!("{} note on {}: {e}", crate::gate::run::NOTES_REF, prev.spec))),
            None => None,
        };
        let results = format!("{}/{prev_version}.json", p.gate.results_dir);
        facts.baseline = match noted {
            Some(found) => Some(found),
            None => read_text(repo, &prev, &results)?
                .map(|text| parse_results(&text).map_err(|e| format!("{results} at {}: {e}", prev.spec))),
        };
        facts.previous = Some((prev.spec.clone(), changes));
    }
    let (chain, _) = repo.first_parent_chain(rev.id, None)?;
    if let Some((i, _)) = repo.path_changes(&chain, &plan.source.path)?.first() {
        facts.last_plan_change = Some(Date::from_unix_seconds(repo.commit_info(chain[*i].0)?.time));
    }
    facts.waivers_introduced = waiver_introductions(repo, &chain, &p.gate.waiver_file)?;
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

/// One plan's results in a gate note (`{ "plans": { "<product>": { "metrics": … } } }`), if
/// the note has that plan.
fn note_results(bytes: &[u8], product: &str) -> Option<Result<BTreeMap<String, f64>, String>> {
    let v: serde_json::Value = match serde_json::from_slice(bytes) {
        Ok(v) => v,
        Err(e) => return Some(Err(format!("not valid JSON: {e}"))),
    };
    if v.get("schema").and_then(|s| s.as_str()) != Some("supportplan/results/v1") {
        return Some(Err("not a supportplan results note (no \"schema\": \"supportplan/results/v1\")".into()));
    }
    match v.pointer(&format!("/plans/{}", product.replace('~', "~0").replace('/', "~1"))) {
        Some(plan) => Some(parse_results(&plan.to_string())),
        None => Some(Err(format!("the note records no results for `{product}`"))),
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
                .filter(|n| n.is_finite())
                .map(|n| (k.clone(), n))
                .ok_or_else(|| format!("metric `{k}` is not a finite number"))
        })
        .collect()
}
