//! The one result model shared by check, diff, gate and comment: findings with a rule id,
//! severity, message, remedy and a location in a plan file.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// Where a finding points: file, revision and 1-based line/column range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    /// The text of `line`, for snippets.
    #[serde(skip)]
    pub line_text: String,
}

/// One result of a rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable rule id (`contacts/format`); the same string in docs, JSON and waivers.
    pub rule: String,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The plan's product id, when the plan loaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan: Option<String>,
    /// Dotted key path in the plan (`acceptance.criteria.p95-latency.target`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// True when the plan could not be evaluated (exit code 2).
    pub invalid: bool,
    /// Stable across line moves: hash of rule, file, path and message.
    pub fingerprint: String,
    /// Where the severity comes from when it is not the rule's own: the repository's
    /// `.support-plan/config.toml` `[rules]`, with its reason.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub severity_source: Option<String>,
    /// The plan's suppression that keeps this finding out of the count.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppressed: Option<Suppressed>,
}

/// A suppression applied to a finding.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suppressed {
    pub reason: String,
    pub until: String,
}

impl Finding {
    pub fn fingerprint_of(rule: &str, file: &str, path: &str, message: &str) -> String {
        let mut h = Sha256::new();
        for part in [rule, file, path, message] {
            h.update(part.as_bytes());
            h.update([0]);
        }
        h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
    }
}

/// A plan that was checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckedPlan {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
}

/// What `plan check` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    pub now: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rev: Option<String>,
    pub plans: Vec<CheckedPlan>,
    pub findings: Vec<Finding>,
    /// Findings the plans suppress inline (not counted).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressed: Vec<Finding>,
    /// Findings of rules the repository turned off (not shown, counted here).
    #[serde(skip_serializing_if = "is_zero")]
    pub off: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// The answer of a command, mapped to the exit codes of DESIGN.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// 0: nothing at or above the threshold.
    Pass,
    /// 1: the answer is no.
    Fail,
    /// 2: could not evaluate.
    Invalid,
}

impl CheckReport {
    pub fn count(&self, severity: Severity) -> usize {
        self.findings.iter().filter(|f| f.severity == severity).count()
    }

    pub fn outcome(&self, fail_on: Severity) -> Outcome {
        if self.findings.iter().any(|f| f.invalid) {
            Outcome::Invalid
        } else if self.findings.iter().any(|f| f.severity <= fail_on) {
            Outcome::Fail
        } else {
            Outcome::Pass
        }
    }
}

/// A revision as shown in reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RevLabel {
    /// What the user named (`v1.2.0`, `HEAD`, `work tree`).
    pub spec: String,
    /// The full commit id, absent for the work tree.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<String>,
}

impl RevLabel {
    pub fn describe(&self) -> String {
        match &self.commit {
            Some(c) if !c.starts_with(&self.spec) => format!("{} ({})", self.spec, &c[..12.min(c.len())]),
            Some(c) => c[..12.min(c.len())].to_string(),
            None => self.spec.clone(),
        }
    }
}

/// What `plan diff` found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DiffReport {
    pub base: RevLabel,
    pub head: RevLabel,
    pub plans: Vec<crate::diff::PlanChange>,
    /// Things the user should know (skipped symlinks, …).
    pub notices: Vec<String>,
}

/// The lowest impact that fails `plan diff` (`--fail-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFailOn {
    Breaking,
    Notable,
    Any,
    Never,
}

impl DiffReport {
    pub fn count(&self, impact: crate::diff::Impact) -> usize {
        self.plans.iter().map(|p| p.count(impact)).sum()
    }

    /// How many plans changed (the gate's own files not counted).
    pub fn plans_changed(&self) -> usize {
        self.plans.iter().filter(|p| p.role == crate::diff::FileRole::Plan).count()
    }

    /// How many of the gate's own files (waivers, records, config) changed.
    pub fn gate_files_changed(&self) -> usize {
        self.plans.len() - self.plans_changed()
    }

    pub fn changes(&self) -> usize {
        self.plans.iter().map(|p| p.changes.len()).sum()
    }

    pub fn outcome(&self, fail_on: DiffFailOn) -> Outcome {
        use crate::diff::Impact;
        if self.plans.iter().any(|p| p.status == crate::diff::PlanStatus::DoesNotLoad) {
            return Outcome::Invalid;
        }
        let worst = self.plans.iter().filter_map(|p| p.worst()).min();
        let fails = match (fail_on, worst) {
            (DiffFailOn::Never, _) | (_, None) => false,
            (DiffFailOn::Any, Some(_)) => true,
            (DiffFailOn::Notable, Some(w)) => w <= Impact::Notable,
            (DiffFailOn::Breaking, Some(w)) => w == Impact::Breaking,
        };
        if fails { Outcome::Fail } else { Outcome::Pass }
    }
}
