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
        let config: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!("invalid {describe}: {e}"))?;
        for glob in &config.discovery.exclude {
            globset::Glob::new(glob)
                .map_err(|e| anyhow::anyhow!("invalid {describe}: discovery.exclude `{glob}`: {e}"))?;
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

/// Whether a repository path names a plan file.
pub fn is_plan_path(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name == "support-plan.toml" || (name.ends_with(".support-plan.toml") && name.len() > ".support-plan.toml".len())
}

/// Directories discovery never enters.
pub fn is_skipped_dir(name: &str) -> bool {
    matches!(name, ".git" | "target" | "node_modules")
}
