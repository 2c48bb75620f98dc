//! One gate run: for each plan, gathers what the gate reads (evidence from the work tree,
//! records, waivers and facts from git at the gated revision, command results) and evaluates
//! it. `plan gate` (a release) and `plan comment --gate` (a preview) differ only in [`Mode`].

use std::collections::BTreeMap;

use anyhow::Context as _;

use super::{CommandOutcome, GateInput, GateReport};
use crate::git::Repo;
use crate::plan::{LoadedPlan, Measure, Plan, ReleaseStep};
use crate::{evidence, release};

/// A release gate runs the plan's commands; a preview (a pull request) never does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Release,
    Preview,
}

/// Everything one gate run shares across the plans it evaluates.
pub struct GateRun<'a> {
    pub repo: &'a Repo,
    pub rev: &'a crate::git::rev::Resolved,
    pub config: &'a crate::config::Config,
    pub tag: Option<&'a str>,
    pub evidence_dir: &'a std::path::Path,
    pub now: crate::plan::values::Date,
    /// What evidence freshness is measured from (Unix seconds).
    pub instant: i64,
    pub verify_approvers: bool,
    /// Where to write results files, when asked to.
    pub write_results: Option<&'a std::path::Path>,
    /// Record the results on the gated commit as a git note ([`NOTES_REF`]), at this time
    /// (Unix seconds), when asked to.
    pub record_note: Option<i64>,
    pub mode: Mode,
    /// A change ticket given by the environment (`PLAN_CHANGE_TICKET`), for `source = "env"`.
    pub env_ticket: Option<String>,
    /// The measured results of the last evaluation, by product (for [`Self::record_if_passed`]).
    pub results: std::cell::RefCell<serde_json::Map<String, serde_json::Value>>,
}

impl GateRun<'_> {
    /// Gathers each plan's inputs (evidence, records, facts from git, commands) and evaluates.
    pub fn evaluate(
        &self,
        plans: &[LoadedPlan],
        version_of: impl Fn(&Plan) -> anyhow::Result<String>,
    ) -> anyhow::Result<Vec<GateReport>> {
        let mut reports = Vec::new();
        let mut recorded = serde_json::Map::new();
        let accepted = self.accepted_commits();
        let shared = release::Shared::new(self.repo, self.rev, self.config)?;
        for loaded in plans {
            let p = &loaded.plan;
            let version = version_of(p)?;
            let collected = evidence::collect(self.evidence_dir, &p.evidence, self.instant, &accepted);
            let (approvals, attestations) = release::records(self.repo, self.rev, loaded, &version)?;
            let waivers = release::waivers(self.repo, self.rev, loaded)?;
            let mut facts =
                release::facts(self.repo, self.rev, self.tag, loaded, self.verify_approvers, &version, &shared)?;
            facts.env_ticket = self.env_ticket.clone();
            let input = GateInput {
                plan: loaded,
                version: version.clone(),
                tag: self.tag.map(str::to_owned),
                today: self.now,
                evidence: &collected,
                approvals,
                attestations,
                waivers,
                facts,
                commands: self.commands(p),
                max_waiver_horizon: self.config.gate.waiver_max_horizon,
                preview: self.mode == Mode::Preview,
            };
            let mut report = super::evaluate(&input);
            if self.mode == Mode::Preview {
                pending_at_release(p, &mut report);
            }
            let passed_here = !report.blocked(false) && !report.findings.iter().any(|f| f.invalid);
            reports.push(report);
            if let (Some(root), true, Mode::Release) = (self.write_results, passed_here, self.mode) {
                write_results(root, &input)?;
            }
            recorded.insert(p.plan.product.clone(), results(&input));
        }
        *self.results.borrow_mut() = recorded;
        Ok(reports)
    }

    /// After the report is out: records the results as a note, when asked to and only for a
    /// release that may proceed (the next one's baseline; a recorded baseline is never
    /// silently replaced).
    pub fn record_if_passed(&self, reports: &[GateReport]) -> anyhow::Result<()> {
        let passed = !reports.iter().any(|r| r.blocked(false) || r.findings.iter().any(|f| f.invalid));
        if let (Some(time), true, Mode::Release) = (self.record_note, passed, self.mode) {
            self.record(self.results.take(), time)?;
        }
        Ok(())
    }

    /// Adds these plans' results to the note on the gated commit. A plan the note already
    /// records keeps its first recording (a re-run of the release job changes nothing); other
    /// plans' results stay. A note that is not a results note is an error. A concurrent
    /// writer moving the notes ref is retried.
    fn record(&self, recorded: serde_json::Map<String, serde_json::Value>, time: i64) -> anyhow::Result<()> {
        for _ in 0..3 {
            let mut plans = match self.repo.note(NOTES_REF, self.rev.id)? {
                None => serde_json::Map::new(),
                Some(bytes) => {
                    let v: serde_json::Value = serde_json::from_slice(&bytes).ok().unwrap_or_default();
                    match (v.get("schema").and_then(|s| s.as_str()), v.get("plans").and_then(|p| p.as_object())) {
                        (Some("supportplan/results/v1"), Some(plans)) => plans.clone(),
                        _ => anyhow::bail!(
                            "{NOTES_REF} has a note on {} that is not a supportplan results note; remove it (git notes --ref support-plan remove {}) to record",
                            self.rev.spec,
                            self.rev.id
                        ),
                    }
                }
            };
            let (kept, added): (Vec<_>, Vec<_>) = recorded.keys().partition(|k| plans.contains_key(*k));
            if !kept.is_empty() {
                let names: Vec<String> = kept.iter().map(|k| format!("`{k}`")).collect();
                eprintln!(
                    "note: {NOTES_REF} already records results for {} on {}; the first recording is kept",
                    names.join(", "),
                    self.rev.spec
                );
            }
            if added.is_empty() {
                return Ok(());
            }
            for k in &added {
                plans.insert((*k).clone(), recorded[*k].clone());
            }
            let note = serde_json::json!({ "schema": "supportplan/results/v1", "plans": plans });
            match self.repo.add_note(NOTES_REF, self.rev.id, crate::render::json::pretty(&note).as_bytes(), time) {
                Ok(_) => {
                    eprintln!(
                        "note: recorded the results of {} on {} in {NOTES_REF}; push it with `git push origin {NOTES_REF}`",
                        added.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", "),
                        self.rev.spec
                    );
                    return Ok(());
                }
                Err(e) if format!("{e:#}").contains("onflict") || format!("{e:#}").contains("lock") => continue,
                Err(e) => return Err(e),
            }
        }
        anyhow::bail!("{NOTES_REF} kept changing while the results were recorded; run the gate again")
    }

    /// The commits evidence may say it was produced from: the gated one, and in a preview
    /// the merge commit a `pull_request` run checks out (the work tree's HEAD, when the
    /// gated head is one of its parents).
    fn accepted_commits(&self) -> Vec<String> {
        let mut out = vec![self.rev.id.to_string()];
        if self.mode == Mode::Preview
            && let Ok(head) = self.repo.head()
            && head.id != self.rev.id
            && self.repo.parents(head.id).is_ok_and(|p| p.len() > 1 && p.contains(&self.rev.id))
        {
            out.push(head.id.to_string());
        }
        out
    }

    /// The outcome of each `command` step: run in a release, "at release" in a preview,
    /// refused when it asks for environment the repository config does not allow.
    fn commands(&self, p: &Plan) -> BTreeMap<String, CommandOutcome> {
        let mut out = BTreeMap::new();
        for (id, step) in &p.release_process.steps {
            let ReleaseStep::Command { run, timeout, env, .. } = step else { continue };
            let denied: Vec<&String> = env
                .iter()
                .filter(|n| !self.config.gate.command_env.contains(n) || super::command::is_secret_name(n))
                .collect();
            let outcome = if self.mode == Mode::Preview {
                CommandOutcome::AtRelease
            } else if !denied.is_empty() {
                let names = denied.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                CommandOutcome::Refused(format!(
                    "the step asks for {names}, which .support-plan/config.toml gate.command_env does not allow (secret-looking names never pass)"
                ))
            } else {
                // Commands run at the repository's root, whatever --evidence-dir says.
                let timeout = std::time::Duration::from_millis(timeout.millis);
                let root = self.repo.work_dir().unwrap_or_else(|| self.evidence_dir.to_path_buf());
                super::command::run(run, timeout, &root, env)
            };
            out.insert(id.clone(), outcome);
        }
        out
    }
}

/// In a preview, the checks that can only hold at release time are listed as *at release*
/// (never blocking): the release branch and tag, version-scoped approvals, attestations and
/// change tickets, commands, and the approval a weakened plan will need. What a pull request
/// can decide now (criteria against its evidence, tests, the rules) keeps its verdict.
fn pending_at_release(plan: &Plan, report: &mut GateReport) {
    use super::Status;
    for f in &mut report.findings {
        let release_only = match f.check.split_once(':') {
            Some(("step", id)) => plan.release_process.steps.get(id).is_some_and(|s| {
                matches!(
                    s,
                    ReleaseStep::Approval { .. }
                        | ReleaseStep::ChangeTicket { .. }
                        | ReleaseStep::Attestation { .. }
                        | ReleaseStep::Command { .. }
                )
            }),
            Some(("criterion", id)) => {
                plan.acceptance.criteria.get(id).is_some_and(|c| matches!(c.measure, Measure::Attestation { .. }))
            }
            // The version is only known at release: a stand-in cannot be judged.
            _ if f.check == "strategy/version" => report.version.starts_with("0.0.0-"),
            _ => matches!(
                f.check.as_str(),
                "strategy/release-branch" | "strategy/tag-pattern" | "strategy/plan-change-approved"
            ),
        };
        if !release_only || matches!(f.status, Status::Pass | Status::Na) {
            continue;
        }
        // A preview's stand-in version (`0.0.0-preview`, `0.0.0-pr.N`) names no real record.
        let message = if report.version.starts_with("0.0.0-") {
            f.message.replace(&report.version, "<version>")
        } else {
            f.message.clone()
        };
        f.message = if f.check == "strategy/plan-change-approved" {
            format!("this change weakens the plan and will need an approval before the next release: {message}")
        } else {
            format!("at release: {message}")
        };
        f.status = Status::AtRelease;
        f.invalid = false;
    }
}

/// Writes the measured metrics to `<results_dir>/<version>.json` (commit it with the release).
/// The measured metrics of one plan: `{ "version", "product", "metrics": { id: value } }`.
fn results(input: &GateInput) -> serde_json::Value {
    let p = &input.plan.plan;
    let mut metrics = serde_json::Map::new();
    for c in p.acceptance.criteria.values() {
        let metric = match &c.measure {
            Measure::Threshold { metric, .. } | Measure::Baseline { metric, .. } => metric,
            _ => continue,
        };
        if let Ok(values) = super::metric_values(input, metric)
            && let Some(max) = values.into_iter().reduce(f64::max)
        {
            metrics.insert(metric.clone(), max.into());
        }
    }
    serde_json::json!({ "version": input.version, "product": p.plan.product, "metrics": metrics })
}

/// Writes the measured metrics to `<results_dir>/<version>.json` (commit it with the release).
fn write_results(root: &std::path::Path, input: &GateInput) -> anyhow::Result<()> {
    let p = &input.plan.plan;
    let path = root.join(&p.gate.results_dir).join(format!("{}.json", input.version));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let body = results(input);
    std::fs::write(&path, crate::render::json::pretty(&body)).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Refuses a work tree whose evidence cannot belong to `rev`: HEAD must be `rev` (in a
/// preview, or a merge commit with `rev` as a parent, as `pull_request` runs check out), and
/// no tracked file may differ from HEAD.
pub fn check_work_tree(repo: &Repo, rev: &crate::git::rev::Resolved, preview: bool) -> anyhow::Result<()> {
    let head = repo.head()?;
    let merge_of_rev = preview && head.id != rev.id && {
        let parents = repo.parents(head.id)?;
        parents.len() > 1 && parents.contains(&rev.id)
    };
    anyhow::ensure!(
        head.id == rev.id || merge_of_rev,
        "HEAD is {}, not the gated commit {} ({}): the evidence in this work tree was not produced from it; check it out, or pass --allow-dirty",
        head.short(),
        rev.spec,
        rev.short()
    );
    let changed = repo.changed_in_work_tree(head.id, 11)?;
    if !changed.is_empty() {
        let shown: Vec<String> = changed.iter().take(10).map(|p| crate::render::one_line(p)).collect();
        let more = if changed.len() > 10 { ", …" } else { "" };
        anyhow::bail!(
            "tracked files differ from {} in the work tree ({}{more}): the evidence may not belong to it; commit or restore them, or pass --allow-dirty",
            rev.spec,
            shown.join(", ")
        );
    }
    Ok(())
}

/// The notes ref a release gate records its results on (`git push origin refs/notes/support-plan`).
pub const NOTES_REF: &str = "refs/notes/support-plan";
