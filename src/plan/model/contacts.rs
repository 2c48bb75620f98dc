//! 2.2.5 contact information, 2.2.6 problem referral (escalation chain) and support hours.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Keyed, Ref};
use crate::plan::values::{Duration, TimeOfDay};

/// 2.2.5 everyone the plan names. Ids are unique across people, teams, external contacts
/// and groups, so a bare id always names one contact.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contacts {
    #[serde(default)]
    pub people: Keyed<Person>,
    #[serde(default)]
    pub teams: Keyed<Team>,
    /// Vendors and other organisations.
    #[serde(default)]
    pub external: Keyed<External>,
    /// Allow-lists for approvals and waivers.
    #[serde(default)]
    pub groups: Keyed<Group>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    pub name: String,
    pub role: String,
    pub email: String,
    #[serde(default)]
    pub phone: Option<String>,
    /// VCS handle (`@alice`).
    #[serde(default)]
    pub handle: Option<String>,
    #[serde(default)]
    pub oncall_trained: bool,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Team {
    pub name: String,
    pub role: String,
    pub email: String,
    #[serde(default)]
    pub chat: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// People (contacts.people).
    #[serde(default)]
    pub members: Vec<Ref>,
    #[serde(default)]
    pub oncall: Option<OnCall>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OnCall {
    pub provider: String,
    pub schedule: String,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct External {
    pub name: String,
    pub role: String,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// Contract or account number to quote.
    #[serde(default)]
    pub contract: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Group {
    #[serde(default)]
    pub description: Option<String>,
    /// People (contacts.people).
    #[serde(default)]
    pub members: Vec<Ref>,
    /// Other groups whose members belong to this one (contacts.groups).
    #[serde(default)]
    pub includes: Vec<Ref>,
}

/// 2.2.6 one level of the escalation chain.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EscalationLevel {
    /// Position in the chain, from 1.
    pub order: u32,
    /// Who is called (contacts).
    pub contact: Ref,
    /// When they are reachable (hours).
    #[serde(default)]
    pub hours: Option<Ref>,
    /// Escalate to the next level after this long without progress.
    #[serde(default)]
    pub escalate_after: Option<Duration>,
}

/// 2.2.6 a kind of client-reported problem and who it is referred to.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Referral {
    pub problem: String,
    /// Who handles it (contacts).
    pub refer_to: Ref,
    #[serde(default)]
    pub hours: Option<Ref>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// Support hours: `always = true`, or days with start and end times.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hours {
    #[serde(default)]
    pub always: bool,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub days: Vec<Weekday>,
    #[serde(default)]
    pub start: Option<TimeOfDay>,
    #[serde(default)]
    pub end: Option<TimeOfDay>,
    /// Holiday calendar id (informational).
    #[serde(default)]
    pub holidays: Option<String>,
}
