//! The plan format, schema v1, as typed Rust: one struct per section of the support-plan
//! template. Keyed tables (`BTreeMap<id, _>`) give everything a diff must track an identity;
//! values are typed (see `values`); unknown keys are rejected everywhere.

mod contacts;
mod environment;
mod evidence;
mod strategy;
mod support;

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use contacts::*;
pub use environment::*;
pub use evidence::*;
pub use strategy::*;
pub use support::*;

use super::values::{Date, Na};

/// A reference to another part of the plan, by id (`"team-billing"`). Which kind of thing
/// it names depends on the field; the loader resolves every reference.
pub type Ref = String;

/// Keyed tables: the key is the item's stable id.
pub type Keyed<T> = BTreeMap<String, T>;

/// The only schema version this build reads.
pub const SCHEMA_VERSION: i64 = 1;

/// A Production Support Plan.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "supportplan plan, schema v1")]
pub struct Plan {
    /// Version of the plan format; this build reads 1.
    pub schema_version: i64,
    /// Introduction: what the plan supports, for whom.
    pub plan: Header,
    /// Introduction: scope covered and excluded.
    pub scope: Scope,
    /// Introduction: intended audience.
    pub audience: Audience,
    /// 1.1 support objectives.
    #[serde(default)]
    pub objectives: Keyed<Objective>,
    /// 1.2 support assumptions.
    #[serde(default)]
    pub assumptions: Keyed<Assumption>,
    /// 2.1.1 support lifetime and 2.1.2 release strategy.
    pub strategy: Strategy,
    /// 2.1.3 release process.
    pub release_process: ReleaseProcess,
    /// 2.1.4 acceptance criteria.
    pub acceptance: Acceptance,
    /// 2.2.1–2.2.4, 2.2.7, 2.2.8 support environment.
    pub environment: Environment,
    /// 2.2.5 contact information.
    pub contacts: Contacts,
    /// 2.2.6 problem referral: the escalation chain.
    #[serde(default)]
    pub escalation: Keyed<EscalationLevel>,
    /// 2.2.6 problem referral: which problem goes to whom.
    #[serde(default)]
    pub problem_referral: Keyed<Referral>,
    /// Support hours referenced by responsibilities and escalation.
    #[serde(default)]
    pub hours: Keyed<Hours>,
    /// 3.1–3.4 support responsibilities.
    pub responsibilities: Responsibilities,
    /// 3.3 service level agreement.
    #[serde(default = "sla_default")]
    pub sla: Na<Sla>,
    /// 3.5 system dependencies.
    #[serde(default)]
    pub dependencies: Na<Keyed<Dependency>>,
    /// 4.1 monitoring and control.
    #[serde(default)]
    pub monitoring: Monitoring,
    /// 4.2 regression test cases.
    #[serde(default)]
    pub regression: Regression,
    /// 5.1 budgets and 5.2 other resources.
    #[serde(default)]
    pub resources: Resources,
    /// Evidence files the release gate reads.
    #[serde(default)]
    pub evidence: Keyed<Evidence>,
    /// Release gate settings.
    #[serde(default)]
    pub gate: GateSettings,
    /// `plan check` findings this plan opts out of, per rule id, each with a reason and an
    /// expiry: `[suppress."release/steps-declared"]`.
    #[serde(default)]
    pub suppress: Keyed<Suppression>,
}

/// An inline opt-out of one rule's findings in this plan.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suppression {
    /// Why the finding does not apply here.
    pub reason: String,
    /// The last day it holds; after it the findings are back and the suppression is itself
    /// a warning.
    pub until: Date,
    /// Only findings at this key path or below (`contacts.people.bob`); default: every
    /// finding of the rule in this plan.
    #[serde(default)]
    pub at: Option<String>,
}

fn sla_default() -> Na<Sla> {
    Na::NotApplicable("no SLA declared".into())
}

/// Lifecycle stage of the product; drives which rules are errors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Experiment,
    Beta,
    Ga,
    Maintenance,
    Retired,
}

impl Stage {
    /// General availability and after: the strict requirement set applies.
    pub fn is_ga_or_later(self) -> bool {
        matches!(self, Stage::Ga | Stage::Maintenance)
    }
}

/// Introduction: the product, its URL and the plan's purpose.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// Stable id of the product; pairs plans across revisions even when the file moves.
    pub product: String,
    /// Human name of the product or service.
    pub title: String,
    /// Where users reach the product or service.
    #[serde(default)]
    pub url: Option<String>,
    /// Why this plan exists: what it guides the support of.
    pub purpose: String,
    pub stage: Stage,
    /// Owning team (contacts.teams).
    pub owner: Ref,
    /// IANA time zone the plan's dates and hours are read in.
    #[serde(default = "utc")]
    pub timezone: String,
    /// Who may approve plan changes, releases and waivers (contacts.groups).
    pub approvers_group: Ref,
}

fn utc() -> String {
    "UTC".into()
}

/// Introduction: what the plan covers and what it does not.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Scope {
    pub covered: Vec<String>,
    #[serde(default)]
    pub excluded: Vec<String>,
}

/// Introduction: who uses this document to support the product.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Audience {
    pub primary: Vec<String>,
    #[serde(default)]
    pub secondary: Vec<String>,
}

/// 1.1 a support objective, measured by acceptance criteria.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Objective {
    pub text: String,
    /// Acceptance criteria that measure it (acceptance.criteria).
    #[serde(default)]
    pub measured_by: Vec<Ref>,
}

/// 1.2 a support assumption, validated by criteria or revisited by a date.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assumption {
    pub text: String,
    #[serde(default)]
    pub validated_by: Vec<Ref>,
    #[serde(default)]
    pub revisit_by: Option<Date>,
}
