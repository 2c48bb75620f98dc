//! Repository settings in `.support-plan/config.toml`: which files discovery skips, the
//! release tag pattern, gate defaults. Read at the same revision as the plans.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::plan::values::Duration;

pub const CONFIG_PATH: &str = ".support-plan/config.toml";

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default)]
    pub discovery: Discovery,
    #[serde(default)]
    pub release: ReleaseConfig,
    #[serde(default)]
    pub gate: GateConfig,
    /// Per rule id (`release/steps-declared`): the severity this repository gives the rule,
    /// and why.
    #[serde(default)]
    pub rules: std::collections::BTreeMap<String, RuleOverride>,
    #[serde(default)]
    pub remind: RemindConfig,
}

/// `plan remind`: the reminder issue.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RemindConfig {
    /// Mention the owners' GitHub handles in the reminder issue (they are notified). Off
    /// unless set: a reminder never pings anyone by accident.
    #[serde(default)]
    pub mention_owners: bool,
    /// The label that marks the reminder issue.
    #[serde(default = "remind_label")]
    pub label: String,
    /// What counts as due ("30d").
    #[serde(default = "remind_within")]
    pub within: String,
}

impl Default for RemindConfig {
    fn default() -> Self {
        RemindConfig { mention_owners: false, label: remind_label(), within: remind_within() }
    }
}

fn remind_label() -> String {
    "support-plan".into()
}

fn remind_within() -> String {
    "30d".into()
}

/// A repository's setting for one rule.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleOverride {
    /// `off` drops the rule's findings; otherwise every finding of the rule gets this severity.
    pub severity: RuleLevel,
    /// Why the repository tunes the rule (shown wherever the override applies).
    pub reason: String,
}

/// A rule's severity as a repository sets it, strongest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum RuleLevel {
    Error,
    Warning,
    Info,
    Off,
}

impl RuleLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            RuleLevel::Error => "error",
            RuleLevel::Warning => "warning",
            RuleLevel::Info => "info",
            RuleLevel::Off => "off",
        }
    }

    /// The severity findings get, or `None` for `off`.
    pub fn severity(self) -> Option<crate::report::Severity> {
        use crate::report::Severity;
        match self {
            RuleLevel::Error => Some(Severity::Error),
            RuleLevel::Warning => Some(Severity::Warning),
            RuleLevel::Info => Some(Severity::Info),
            RuleLevel::Off => None,
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Discovery {
    /// Globs of paths never treated as plans (test fixtures, vendored code).
    #[serde(default)]
    pub exclude: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseConfig {
    /// Glob that release tags match (`v*`).
    #[serde(default = "tag_glob")]
    pub tag_pattern: String,
}

impl Default for ReleaseConfig {
    fn default() -> Self {
        ReleaseConfig { tag_pattern: tag_glob() }
    }
}

fn tag_glob() -> String {
    "v*".into()
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GateConfig {
    /// Repository-wide floor for every plan's `gate.fail_on`: `warning` makes warnings block.
    #[serde(default)]
    pub fail_on: Option<crate::plan::FailOn>,
    /// Repository-wide cap on every plan's `gate.waiver_max_horizon`.
    #[serde(default)]
    pub waiver_max_horizon: Option<Duration>,
    /// Environment variables a plan's `command` steps may ask for by name (`env = [...]`).
    #[serde(default)]
    pub command_env: Vec<String>,
}

impl Config {
    /// Parses the config; the error names the file and line.
    pub fn parse(text: &str, describe: &str) -> anyhow::Result<Config> {
        let bad = |line: Option<usize>, message: String| {
            anyhow::Error::new(crate::error::ErrorInfo::new("config", message).file(CONFIG_PATH, line))
        };
        let config: Config = toml::from_str(text).map_err(|e| {
            let line = e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            bad(line, format!("invalid {describe}: {e}"))
        })?;
        for glob in &config.discovery.exclude {
            globset::Glob::new(glob).map_err(|e| {
                bad(line_no(text, glob), format!("invalid {describe}: discovery.exclude `{glob}`: {e}"))
            })?;
        }
        let label = &config.remind.label;
        if label.trim().is_empty() || label.contains(',') || label.len() > 50 {
            return Err(bad(
                line_no(text, "label"),
                format!(
                    "invalid {describe}: remind.label `{label}`: a GitHub label of 1 to 50 characters without commas"
                ),
            ));
        }
        if let Err(e) = crate::plan::values::Period::parse(&config.remind.within) {
            return Err(bad(line_no(text, "within"), format!("invalid {describe}: remind.within: {e}")));
        }
        for (id, o) in &config.rules {
            if !crate::check::catalogue().iter().any(|r| r.id == id) {
                let known = crate::check::catalogue().iter().map(|r| r.id);
                let hint = crate::plan::closest(id, known, 0.8)
                    .map(|k| format!("; did you mean `{k}`?"))
                    .unwrap_or_else(|| "; `plan check --list-rules` lists them".into());
                return Err(bad(
                    line_no(text, id),
                    format!("invalid {describe}{}: rules.\"{id}\": no rule has this id{hint}", line_of(text, id)),
                ));
            }
            if o.reason.trim().is_empty() {
                return Err(bad(
                    line_no(text, id),
                    format!(
                        "invalid {describe}{}: rules.\"{id}\": the reason is empty; say why the repository tunes this rule",
                        line_of(text, id)
                    ),
                ));
            }
        }
        Ok(config)
    }

    /// A matcher for `discovery.exclude`.
    pub fn excludes(&self) -> globset::GlobSet {
        let mut b = globset::GlobSetBuilder::new();
        for g in &self.discovery.exclude {
            if let Ok(glob) = globset::Glob::new(g) {
                b.add(glob);
            }
        }
        b.build().unwrap_or_else(|_| globset::GlobSet::empty())
    }
}

/// The first line that names `key`, for messages about a key serde accepted.
fn line_no(text: &str, key: &str) -> Option<usize> {
    text.lines().position(|l| l.contains(key)).map(|i| i + 1)
}

/// `, line N` of [`line_no`].
fn line_of(text: &str, key: &str) -> String {
    line_no(text, key).map(|n| format!(", line {n}")).unwrap_or_default()
}

/// Whether a repository path names a plan file.
pub fn is_plan_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "support-plan.toml" || (name.ends_with(".support-plan.toml") && name.len() > ".support-plan.toml".len())
}

/// Directories discovery never enters.
pub fn is_skipped_dir(name: &str) -> bool {
    matches!(name, ".git" | "target" | "node_modules")
}
