//! The plan templates of `plan-templates/`, embedded in the binary for `plan init`.

pub struct Template {
    pub name: &'static str,
    pub summary: &'static str,
    pub text: &'static str,
}

pub static TEMPLATES: &[Template] = &[
    Template {
        name: "standard",
        summary: "the full template: every section, guidance comments, placeholders to fill",
        text: include_str!("../plan-templates/standard.toml"),
    },
    Template {
        name: "web-service",
        summary: "a web service with an SLA, on-call, database, load-test and latency criteria",
        text: include_str!("../plan-templates/web-service.toml"),
    },
    Template {
        name: "library",
        summary: "a library or CLI without servers: hosting sections marked n/a",
        text: include_str!("../plan-templates/library.toml"),
    },
    Template {
        name: "example",
        summary: "a filled, realistic plan (Acme Billing) that passes every check",
        text: include_str!("../plan-templates/example.toml"),
    },
];

pub fn find(name: &str) -> Option<&'static Template> {
    TEMPLATES.iter().find(|t| t.name == name)
}

/// Where `plan init` writes the JSON Schema in a user's repository.
pub const SCHEMA_IN_REPO: &str = ".support-plan/support-plan.schema.json";

/// A template's text as written into a repository at `output` (a `/`-separated path): the
/// `#:schema` line points at [`SCHEMA_IN_REPO`] relative to the plan.
pub fn instantiate(template: &Template, output: &str) -> String {
    let depth = output.split('/').filter(|p| !p.is_empty() && *p != ".").count().saturating_sub(1);
    let schema = format!("#:schema ./{}{SCHEMA_IN_REPO}", "../".repeat(depth));
    match template.text.split_once('\n') {
        Some((first, rest)) if first.starts_with("#:schema") => format!("{schema}\n{rest}"),
        _ => format!("{schema}\n{}", template.text),
    }
}
