//! 2.2 support environment: software, hardware, databases, data exchange, licenses and
//! security and privacy.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Keyed, Ref};
use crate::plan::values::{Date, Money, Na, Period, Quantity};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// Prose: the technical environment and its special requirements.
    #[serde(default)]
    pub description: Option<String>,
    /// Development, evaluation, production… environments.
    #[serde(default)]
    pub stages: Keyed<EnvStage>,
    /// 2.2.1 software: platform, vendor, version, URL, end of life.
    pub software: Keyed<Software>,
    /// 2.2.2 hardware.
    pub hardware: Na<Keyed<Hardware>>,
    /// 2.2.3 databases.
    pub databases: Na<Keyed<Database>>,
    /// 2.2.4 data exchange.
    pub data_exchange: Na<Keyed<DataExchange>>,
    /// 2.2.7 licensing, data rights, and expiration of licenses.
    pub licenses: Na<Keyed<License>>,
    /// 2.2.8 security and privacy concerns.
    pub security: Security,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvStage {
    pub purpose: String,
    #[serde(default)]
    pub url: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum SoftwareKind {
    Vendor,
    OpenSource,
    Internal,
}

/// 2.2.1 a piece of software the product runs on.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Software {
    pub platform: String,
    pub vendor: String,
    pub version: String,
    #[serde(default)]
    pub url: Option<String>,
    pub kind: SoftwareKind,
    /// End of life or end of vendor support.
    #[serde(default)]
    pub eol: Option<Date>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Provider {
    Aws,
    Gcp,
    Azure,
    OnPrem,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
pub enum Redundancy {
    N,
    #[serde(rename = "N+1")]
    NPlus1,
    #[serde(rename = "N+2")]
    NPlus2,
}

/// 2.2.2 hardware or hosting.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Hardware {
    pub provider: Provider,
    pub description: String,
    #[serde(default = "redundancy_n")]
    pub redundancy: Redundancy,
    /// Planned replacement or renewal date.
    #[serde(default)]
    pub replace_by: Option<Date>,
}

fn redundancy_n() -> Redundancy {
    Redundancy::N
}

/// 2.2.3 a database.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// Database software (environment.software).
    pub engine: Ref,
    #[serde(default)]
    pub size: Option<Quantity>,
    /// Administrator (contacts).
    pub dba: Ref,
    #[serde(default)]
    pub data_class: Option<DataClass>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Inbound,
    Outbound,
    Bidirectional,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum DataClass {
    Public,
    Internal,
    Confidential,
    Restricted,
}

/// 2.2.4 an interface that exchanges data with another system.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataExchange {
    pub direction: Direction,
    pub counterparty: String,
    pub protocol: String,
    pub format: String,
    #[serde(default)]
    pub schedule: Option<String>,
    /// Who to call about it (contacts).
    #[serde(default)]
    pub contact: Option<Ref>,
    #[serde(default)]
    pub data_class: Option<DataClass>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Renewal {
    Auto,
    Manual,
    None,
}

/// 2.2.7 a license or data right, with expiry and renewal.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct License {
    pub vendor: String,
    pub product: String,
    #[serde(default)]
    pub quantity: Option<u32>,
    /// Absent for perpetual licenses.
    #[serde(default)]
    pub expires: Option<Date>,
    pub renewal: Renewal,
    /// Who renews it (contacts).
    #[serde(default)]
    pub renewal_owner: Option<Ref>,
    /// Renewal must start this long before expiry.
    #[serde(default)]
    pub notice_period: Option<Period>,
    #[serde(default)]
    pub cost: Option<Money>,
    /// Data rights, or where the license text lives.
    #[serde(default)]
    pub terms: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum AccessMethod {
    Sso,
    BreakGlass,
    ServiceAccount,
    Public,
}

/// 2.2.8 security and privacy: classification and access restrictions.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Security {
    pub data_classification: DataClass,
    pub personal_data: bool,
    #[serde(default)]
    pub access_review_interval: Option<Period>,
    #[serde(default)]
    pub last_access_review: Option<Date>,
    /// Access restrictions for viewing, updating, administering.
    #[serde(default)]
    pub access: Keyed<Access>,
    #[serde(default)]
    pub notes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Access {
    pub description: String,
    pub roles: Vec<String>,
    pub method: AccessMethod,
    #[serde(default)]
    pub logging: bool,
}
