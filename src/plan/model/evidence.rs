//! Evidence the release gate reads, and the gate's settings.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::values::{Currency, Dimension, Duration, Unit};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum EvidenceKind {
    /// JUnit XML (nextest, pytest, Surefire, Jest, GoogleTest, gotestsum, …).
    Junit,
    /// `go test -json` events.
    GoTestJson,
    /// Visual Studio / `dotnet test` TRX.
    Trx,
    Json,
    Lcov,
    Cobertura,
    /// JaCoCo XML (JVM coverage).
    Jacoco,
    /// `go test -coverprofile` output.
    GoCover,
    Sarif,
    K6Summary,
    Criterion,
    Hyperfine,
}

const TEST_METRICS: &[(&str, Dimension)] = &[
    ("tests", Dimension::Count),
    ("passed", Dimension::Count),
    ("failed", Dimension::Count),
    ("errors", Dimension::Count),
    ("skipped", Dimension::Count),
    ("flaky", Dimension::Count),
    ("pass_rate", Dimension::Ratio),
];

impl EvidenceKind {
    /// Whether the evidence holds test cases (tests steps and criteria read these).
    pub fn has_cases(self) -> bool {
        matches!(self, EvidenceKind::Junit | EvidenceKind::GoTestJson | EvidenceKind::Trx)
    }

    /// Metrics an adapter provides without declaration, with their unit dimension.
    pub fn builtin_metrics(self) -> &'static [(&'static str, Dimension)] {
        match self {
            EvidenceKind::Junit | EvidenceKind::GoTestJson | EvidenceKind::Trx => TEST_METRICS,
            EvidenceKind::Lcov | EvidenceKind::Cobertura => {
                &[("lines", Dimension::Ratio), ("branches", Dimension::Ratio)]
            }
            EvidenceKind::Jacoco => &[
                ("lines", Dimension::Ratio),
                ("branches", Dimension::Ratio),
                ("instructions", Dimension::Ratio),
                ("methods", Dimension::Ratio),
            ],
            EvidenceKind::GoCover => &[("statements", Dimension::Ratio)],
            EvidenceKind::Sarif => &[
                ("error", Dimension::Count),
                ("warning", Dimension::Count),
                ("note", Dimension::Count),
                ("none", Dimension::Count),
                ("results", Dimension::Count),
            ],
            EvidenceKind::Hyperfine => &[
                ("mean", Dimension::Time),
                ("median", Dimension::Time),
                ("min", Dimension::Time),
                ("max", Dimension::Time),
                ("stddev", Dimension::Time),
            ],
            EvidenceKind::Criterion => &[("mean", Dimension::Time), ("median", Dimension::Time)],
            EvidenceKind::Json | EvidenceKind::K6Summary => &[],
        }
    }
}

/// An evidence file (or glob) produced by CI.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    pub kind: EvidenceKind,
    /// Path or glob, relative to the evidence directory.
    pub path: String,
    #[serde(default = "yes")]
    pub required: bool,
    /// Evidence older than this fails.
    #[serde(default)]
    pub max_age: Option<Duration>,
    /// Declared metrics: name -> where to read it.
    #[serde(default)]
    pub metrics: BTreeMap<String, MetricSource>,
}

fn yes() -> bool {
    true
}

/// Where a declared metric is read: an RFC 6901 JSON pointer and the value's unit.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricSource {
    pub pointer: String,
    pub unit: MetricUnit,
}

/// A metric's unit: a physical unit, or a currency code for costs.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricUnit {
    Unit(Unit),
    Currency(Currency),
}

impl MetricUnit {
    pub fn parse(text: &str) -> Result<Self, String> {
        Unit::parse(text)
            .map(MetricUnit::Unit)
            .or_else(|e| Currency::parse(text).map(MetricUnit::Currency).map_err(|_| e))
    }
}

impl std::fmt::Display for MetricUnit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            MetricUnit::Unit(u) => u.fmt(f),
            MetricUnit::Currency(c) => c.fmt(f),
        }
    }
}

impl<'de> Deserialize<'de> for MetricUnit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        MetricUnit::parse(&String::deserialize(deserializer)?).map_err(serde::de::Error::custom)
    }
}

impl Serialize for MetricUnit {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl JsonSchema for MetricUnit {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MetricUnit".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A unit (ns, us, ms, s, min, h, d, B … TiB, rps, rpm, ops, %, ratio, count) or an ISO 4217 currency code",
            "type": "string"
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FailOn {
    Error,
    Warning,
}

/// Release gate settings.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateSettings {
    #[serde(default = "fail_on_error")]
    pub fail_on: FailOn,
    #[serde(default = "waiver_file")]
    pub waiver_file: String,
    #[serde(default = "horizon")]
    pub waiver_max_horizon: Duration,
    #[serde(default = "runway")]
    pub waiver_runway: Duration,
    /// Where per-release results are committed (baselines for the next release).
    #[serde(default = "results_dir")]
    pub results_dir: String,
}

impl Default for GateSettings {
    fn default() -> Self {
        GateSettings {
            fail_on: fail_on_error(),
            waiver_file: waiver_file(),
            waiver_max_horizon: horizon(),
            waiver_runway: runway(),
            results_dir: results_dir(),
        }
    }
}

fn fail_on_error() -> FailOn {
    FailOn::Error
}
fn waiver_file() -> String {
    ".support-plan/waivers.toml".into()
}
fn horizon() -> Duration {
    Duration { millis: 90 * 86_400_000 }
}
fn runway() -> Duration {
    Duration { millis: 14 * 86_400_000 }
}
fn results_dir() -> String {
    ".support-plan/results".into()
}
