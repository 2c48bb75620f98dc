//! Sections 3–5: support responsibilities, SLA, dependencies, monitoring, regression tests
//! and resources.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Keyed, Ref};
use crate::plan::values::{Date, Duration, Money, Na, Percent, Period};

/// 3.1–3.4 who does what, and 3.3's response targets and backups.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Responsibilities {
    /// 3.1 software maintenance.
    pub software_maintenance: Role,
    /// 3.2 system administration.
    pub sysadmin: Na<Role>,
    /// 3.3 operational and user support.
    pub user_support: Role,
    /// 3.4 database administration.
    pub dba: Na<Role>,
    /// 3.3 response and restore targets, keyed by priority (`p1`, `p2`, …).
    #[serde(default)]
    pub response: Keyed<ResponseTarget>,
    /// 3.3 backup and disaster recovery.
    pub backup: Na<Backup>,
}

/// A responsibility: who holds it and how to reach them.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Who (contacts).
    pub owner: Ref,
    /// When (hours).
    #[serde(default)]
    pub hours: Option<Ref>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// 3.3 how fast a priority is acknowledged and service restored.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseTarget {
    #[serde(default)]
    pub description: Option<String>,
    pub acknowledge: Duration,
    pub restore: Duration,
    /// When the clock runs (hours).
    pub hours: Ref,
}

/// 3.3 backup and disaster recovery objectives.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// Who (contacts).
    pub owner: Ref,
    pub frequency: Duration,
    pub retention: Period,
    /// Recovery point objective: data loss tolerated.
    pub rpo: Duration,
    /// Recovery time objective: downtime tolerated.
    pub rto: Duration,
    pub last_restore_test: Date,
    pub restore_test_interval: Period,
    #[serde(default)]
    pub dr_runbook: Option<String>,
}

/// 3.3 the service level agreement (or MOU) with users.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sla {
    pub availability_pct: Percent,
    pub window: Period,
    /// The internal SLO that measures it (monitoring.slos).
    #[serde(default)]
    pub measured_by: Option<Ref>,
    #[serde(default)]
    pub exclusions: Vec<String>,
    #[serde(default)]
    pub document: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DependencyDirection {
    /// This product depends on it.
    Upstream,
    /// It depends on this product.
    Downstream,
    /// Data flows both ways.
    Exchange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Criticality {
    Hard,
    Soft,
}

/// 3.5 a system this product depends on, or that depends on it.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    pub system: String,
    pub direction: DependencyDirection,
    pub criticality: Criticality,
    /// The dependency's own availability commitment.
    #[serde(default)]
    pub slo_pct: Option<Percent>,
    /// Who to call (contacts).
    #[serde(default)]
    pub contact: Option<Ref>,
    /// What this product does while it is down.
    #[serde(default)]
    pub fallback: Option<String>,
    #[serde(default)]
    pub runbook: Option<String>,
    /// The interface used (environment.data_exchange).
    #[serde(default)]
    pub interface: Option<Ref>,
}

/// 4.1 monitoring and control.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Monitoring {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub dashboards: Keyed<Dashboard>,
    #[serde(default)]
    pub slos: Keyed<Slo>,
    #[serde(default)]
    pub alerts: Keyed<Alert>,
    /// Manual checks people perform.
    #[serde(default)]
    pub manual_checks: Keyed<ManualCheck>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dashboard {
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
}

/// An internal service level objective.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    pub objective_pct: Percent,
    pub window: Period,
    #[serde(default)]
    pub description: Option<String>,
    /// An OpenSLO or Sloth file that defines it.
    #[serde(default)]
    pub spec: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AlertSeverity {
    Page,
    Ticket,
    Info,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alert {
    /// What fires it.
    pub signal: String,
    /// Who receives it (contacts).
    pub route: Ref,
    pub severity: AlertSeverity,
    #[serde(default)]
    pub runbook: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ManualCheck {
    pub description: String,
    pub frequency: Period,
    /// Who performs it (contacts).
    pub owner: Ref,
}

/// 4.2 regression tests always run on a change.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regression {
    #[serde(default)]
    pub suites: Keyed<Suite>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    pub description: String,
    /// JUnit evidence that holds its results (evidence).
    #[serde(default)]
    pub evidence: Option<Ref>,
    /// Test-name globs.
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub min_cases: u32,
    /// Where the test cases are written down.
    #[serde(default)]
    pub cases_url: Option<String>,
}

/// 5 support resources.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    /// 5.1 cost estimates over time.
    #[serde(default)]
    pub budgets: Na<Keyed<Budget>>,
    /// 5.1 schedule to review growth estimates against actuals.
    #[serde(default)]
    pub growth_review: Option<GrowthReview>,
    /// 5.2 other resources.
    #[serde(default)]
    pub other: Keyed<OtherResource>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Budget {
    pub from: Date,
    pub to: Date,
    pub amount: Money,
    /// What it pays for: operations, licenses, hardware replacement, upgrades…
    #[serde(default)]
    pub covers: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrowthReview {
    pub interval: Period,
    pub last: Date,
    #[serde(default)]
    pub metrics: Vec<String>,
    #[serde(default)]
    pub headroom_pct: Option<Percent>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OtherResource {
    pub description: String,
    #[serde(default)]
    pub owner: Option<Ref>,
    #[serde(default)]
    pub url: Option<String>,
}
