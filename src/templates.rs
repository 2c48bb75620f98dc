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
