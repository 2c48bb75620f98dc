//! The release gate: the plan's release strategy (2.1.2), release process (2.1.3) and
//! acceptance criteria (2.1.4), evaluated against evidence and records, then waivers.
//! Pure: every input (evidence read, records, facts from git, command results) is handed
//! in; nothing unknown, missing or unparseable turns into a pass.

pub mod command;
mod criteria;
pub mod records;
pub mod run;
mod steps;
mod strategy;
mod waivers;

use std::collections::BTreeMap;

use serde::Serialize;

use crate::diff::PlanChange;
use crate::evidence::Collected;
use crate::plan::values::Date;
use crate::plan::{LoadedPlan, Plan};
use records::{ApprovalRecord, Attestation, WaiverFile};

/// The verdict of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Could not be evaluated: blocks like a failure.
    Error,
    Fail,
    Warn,
    Waived,
    #[serde(rename = "n/a")]
    Na,
    /// A preview: the check can only hold at release time (release branch, version-scoped
    /// records, change ticket, commands); listed, never blocking.
    #[serde(rename = "at-release")]
    AtRelease,
    Pass,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Error => "error",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Waived => "waived",
            Status::Na => "n/a",
            Status::AtRelease => "at release",
            Status::Pass => "pass",
        }
    }
}

/// The waiver that covers a finding.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AppliedWaiver {
    pub id: String,
    pub reason: String,
    pub approved_by: Vec<String>,
    pub expires: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ticket: Option<String>,
}

/// One gate check's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateFinding {
    /// `criterion:p95-latency`, `step:qa`, `strategy/freeze-window`, `waiver/<id>`…
    pub check: String,
    /// Template section: 2.1.2, 2.1.3 or 2.1.4.
    pub section: &'static str,
    pub status: Status,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
    /// Evidence files read.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
    /// Key path in the plan, for locations.
    #[serde(skip)]
    pub path: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<crate::report::Location>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiver: Option<AppliedWaiver>,
    /// The measured value in the target's base unit, for waiver ceilings.
    #[serde(skip)]
    pub measured: Option<f64>,
    /// A configuration problem (a bad waiver): the gate could not be evaluated (exit 2).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub invalid: bool,
}

impl GateFinding {
    pub fn new(check: impl Into<String>, section: &'static str, status: Status, message: impl Into<String>) -> Self {
        GateFinding {
            check: check.into(),
            section,
            status,
            message: message.into(),
            observed: None,
            expected: None,
            evidence: vec![],
            path: vec![],
            location: None,
            waiver: None,
            measured: None,
            invalid: false,
        }
    }
    pub fn at(mut self, path: &[&str]) -> Self {
        self.path = path.iter().map(|s| s.to_string()).collect();
        self
    }
    pub fn observed(mut self, observed: impl Into<String>, expected: impl Into<String>) -> Self {
        self.observed = Some(observed.into());
        self.expected = Some(expected.into());
        self
    }
}

/// Facts about the repository the gate needs, gathered by the caller from git.
#[derive(Debug, Clone, Default)]
pub struct RepoFacts {
    /// Release branches (matching the plan's globs) that contain the release commit, and
    /// whether any branch matched at all.
    pub containing_branches: Vec<String>,
    pub matching_branches: Vec<String>,
    /// The previous release tag and the plan's changes since it.
    pub previous: Option<(String, Vec<PlanChange>)>,
    /// When the plan file last changed (commit date).
    pub last_plan_change: Option<Date>,
    /// Metric values recorded by the newest earlier release that recorded any (baseline),
    /// with that release's tag.
    pub baseline: Option<Baseline>,
    /// Tag annotation message, for change tickets read from it.
    pub tag_message: Option<String>,
    /// Change ticket from the environment (`PLAN_CHANGE_TICKET`), for `source = "env"`.
    pub env_ticket: Option<String>,
    /// Approver ids whose approval was committed by their own git identity (when verified).
    pub verified_approvers: Option<Vec<String>>,
    /// The commit date of the gated revision: no record committed there can be dated later.
    pub committed: Option<Date>,
    /// When each waiver was committed first (its horizon counts from there).
    pub waivers_introduced: BTreeMap<String, Date>,
}

impl GateInput<'_> {
    /// The latest date a record (approval, attestation, waiver) may carry: today, or the
    /// gated commit's date when that is earlier. A record dated later is invalid.
    pub fn latest_record_date(&self) -> Date {
        self.facts.committed.map_or(self.today, |c| c.min(self.today))
    }
}

/// The result of a `command` step, run by the caller.
#[derive(Debug, Clone, PartialEq)]
pub enum CommandOutcome {
    Exited {
        code: i32,
        stdout: String,
    },
    TimedOut,
    FailedToStart(String),
    /// A preview (pull request): plan commands run only in a release gate.
    AtRelease,
    /// The step asks for environment variables the repository config does not allow.
    Refused(String),
}

/// Everything a gate evaluation reads.
pub struct GateInput<'a> {
    pub plan: &'a LoadedPlan,
    pub version: String,
    pub tag: Option<String>,
    /// The release date (today, or `--now`).
    pub today: Date,
    pub evidence: &'a BTreeMap<String, Collected>,
    /// Approval records by path (`None`: no file at that path).
    pub approvals: BTreeMap<String, Option<Result<ApprovalRecord, String>>>,
    /// Record path -> attestation.
    pub attestations: BTreeMap<String, Option<Result<Attestation, String>>>,
    pub waivers: Result<WaiverFile, String>,
    pub facts: RepoFacts,
    pub commands: BTreeMap<String, CommandOutcome>,
    /// The repository's cap on waiver length (`.support-plan/config.toml`), if any.
    pub max_waiver_horizon: Option<crate::plan::values::Duration>,
    /// A preview (a pull request): the release version is not known yet, so a waiver scoped
    /// to versions can neither apply nor be ruled out.
    pub preview: bool,
}

/// A baseline: the release tag that recorded it, and its metrics (or why they cannot be read).
pub type Baseline = (String, Result<BTreeMap<String, f64>, String>);

/// The gate's answer for one plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateReport {
    pub product: String,
    pub file: String,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// A preview (a pull request): checks only a release can decide are "at release".
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    pub findings: Vec<GateFinding>,
}

impl GateReport {
    pub fn count(&self, status: Status) -> usize {
        self.findings.iter().filter(|f| f.status == status).count()
    }

    /// Blocked when anything failed or could not be evaluated (or warned, with
    /// `fail_on = "warning"`).
    pub fn blocked(&self, fail_on_warning: bool) -> bool {
        self.findings
            .iter()
            .any(|f| matches!(f.status, Status::Fail | Status::Error) || (fail_on_warning && f.status == Status::Warn))
    }
}

/// The default approval record path for a version.
pub fn approval_path(template: &str, version: &str) -> String {
    template.replace("{version}", version)
}

pub const DEFAULT_APPROVAL_RECORD: &str = ".support-plan/approvals/{version}.toml";

/// Resolves approver names (ids or handles) to person ids.
pub fn person_id(plan: &Plan, who: &str) -> Option<String> {
    let c = &plan.contacts;
    if c.people.contains_key(who) {
        return Some(who.to_owned());
    }
    c.people.iter().find(|(_, p)| p.handle.as_deref() == Some(who)).map(|(id, _)| id.clone())
}

/// The people in a group, following `includes`.
pub fn group_members(plan: &Plan, group: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![group.to_owned()];
    let mut seen = Vec::new();
    while let Some(g) = stack.pop() {
        if seen.contains(&g) {
            continue;
        }
        seen.push(g.clone());
        if let Some(grp) = plan.contacts.groups.get(&g) {
            out.extend(grp.members.iter().cloned());
            stack.extend(grp.includes.iter().cloned());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// Runs the gate.
pub fn evaluate(input: &GateInput) -> GateReport {
    let plan = &input.plan.plan;
    let mut findings = Vec::new();
    findings.extend(strategy::evaluate(input));
    findings.extend(steps::evaluate(input));
    findings.extend(criteria::evaluate(input));
    waivers::apply(input, &mut findings);
    for f in &mut findings {
        if f.location.is_none() && !f.path.is_empty() {
            let span = input.plan.index.span_of(&f.path);
            f.location = crate::check::locate(&input.plan.source, span);
        }
    }
    GateReport {
        product: plan.plan.product.clone(),
        file: input.plan.source.path.clone(),
        version: input.version.clone(),
        tag: input.tag.clone(),
        preview: input.preview,
        findings,
    }
}

/// The values of a metric in base units (for results files).
pub fn metric_values(input: &GateInput, metric: &str) -> Result<Vec<f64>, String> {
    criteria::samples(input, metric).map(|(v, _, _)| v)
}
