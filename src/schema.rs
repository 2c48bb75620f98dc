//! The JSON Schema (draft-07, which taplo and Even Better TOML read) of the plan format,
//! generated from the Rust types. A committed copy lives in `plan-templates/`.

use crate::plan::Plan;

/// Where the committed copy lives, relative to the repository root.
pub const SCHEMA_FILE: &str = "plan-templates/support-plan.schema.json";

pub fn plan_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let mut schema = generator.into_root_schema_for::<Plan>();
    schema.insert(
        "$id".into(),
        "https://github.com/supportplan/supportplan/blob/main/plan-templates/support-plan.schema.json".into(),
    );
    schema.to_value()
}

/// The schema as committed: pretty JSON with a trailing newline.
pub fn plan_schema_text() -> String {
    let mut text = serde_json::to_string_pretty(&plan_schema()).unwrap_or_default();
    text.push('\n');
    text
}
