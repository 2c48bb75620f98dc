//! Files the gate reads from the repository at the release revision: approval records
//! (`.support-plan/approvals/<version>.toml`), attestations and waivers
//! (`.support-plan/waivers.toml`). Each kept apart so CODEOWNERS can protect it.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::values::{Date, Target};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Approved,
    ApprovedWithConditions,
    Rejected,
}

/// One approval: who, when, what they decided.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    pub decision: Decision,
    /// Person ids or handles (`alice`, `@alice`).
    pub approved_by: Vec<String>,
    pub date: Date,
    #[serde(default)]
    pub conditions: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ticket {
    pub id: String,
    pub opened: Date,
}

/// `.support-plan/approvals/<version>.toml`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRecord {
    pub version: String,
    #[serde(default)]
    pub change_ticket: Option<Ticket>,
    /// Approvals per release step id.
    #[serde(default)]
    pub steps: BTreeMap<String, Approval>,
    /// Approval of breaking plan changes since the previous release.
    #[serde(default)]
    pub plan_change: Option<Approval>,
}

/// An attestation record: a group member's signed statement.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Attestation {
    pub by: String,
    pub date: Date,
    pub statement: String,
}

/// A temporary, approved exception for one gate check.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Waiver {
    /// The check it covers: `criterion:<id>`, `step:<id>` or a strategy check id.
    pub check: String,
    pub reason: String,
    pub approved_by: Vec<String>,
    pub created: Date,
    pub expires: Date,
    /// Semver requirement on the release version (`>=1.3.0, <1.4.0`).
    #[serde(default)]
    pub versions: Option<String>,
    /// Covers measurements up to this value only, in a unit of the criterion's metric
    /// (a bare number for count metrics).
    #[serde(default)]
    pub ceiling: Option<Target>,
    #[serde(default)]
    pub ticket: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WaiverFile {
    #[serde(default)]
    pub waivers: BTreeMap<String, Waiver>,
}

/// Parses a record file; the error names the file and line.
pub fn parse<T: for<'de> Deserialize<'de>>(text: &str, describe: &str) -> Result<T, String> {
    toml::from_str(text).map_err(|e| {
        let at = e.span().map(|s| {
            let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
            format!(":{line}")
        });
        format!("{describe}{}: {}", at.unwrap_or_default(), e.message().trim())
    })
}
