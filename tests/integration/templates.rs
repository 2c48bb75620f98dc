//! The embedded templates, `plan init`, and the committed JSON Schema.

use crate::support::*;

const TEMPLATES: [&str; 4] = ["standard", "web-service", "library", "example"];

#[test]
fn init_lists_the_templates() {
    let d = Dir::new();
    let out = d.plan(&["init", "--list"]);
    assert_eq!(out.code, 0);
    for t in TEMPLATES {
        assert!(out.stdout.lines().any(|l| l.starts_with(t)), "{}", out.stdout);
    }
}

#[test]
fn init_then_check_lists_every_placeholder_with_its_line() {
    let d = Dir::git();
    let out = d.plan(&["init"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("wrote support-plan.toml from the `standard` template"));
    let text = d.read("support-plan.toml");
    let out = d.plan(&["check", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let placeholders: Vec<&serde_json::Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == "plan/placeholders").collect();
    // Every value written like "<…>" and every 1970-01-01 (outside comments) is listed once.
    let expected: usize = text
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.split(" #").next().unwrap())
        .map(|l| {
            let opened =
                l.match_indices("\"<").filter(|(i, _)| l[i + 2..].starts_with(|c: char| c.is_alphanumeric())).count();
            opened + l.matches("1970-01-01").count()
        })
        .sum();
    assert_eq!(placeholders.len(), expected);
    for f in placeholders {
        let line = f["location"]["line"].as_u64().unwrap() as usize;
        let src = text.lines().nth(line - 1).unwrap();
        assert!(src.contains("\"<") || src.contains("1970-01-01"), "line {line} `{src}` for {f}");
        assert!(src.contains(f["message"].as_str().unwrap().split('`').nth(1).unwrap()), "{f}");
    }
    // Nothing but placeholders is wrong with a fresh template.
    let others: Vec<String> = rules_of(&report).into_iter().filter(|r| r != "plan/placeholders").collect();
    assert!(others.iter().all(|r| r != "refs/resolve"), "{others:?}");
}

#[test]
fn init_never_overwrites_without_force() {
    let d = Dir::new();
    d.write("support-plan.toml", "mine");
    let out = d.plan(&["init"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("support-plan.toml already exists; pass --force to overwrite it"));
    assert_eq!(d.read("support-plan.toml"), "mine");
    assert_eq!(d.plan(&["init", "--force", "--template", "library"]).code, 0);
    assert!(d.read("support-plan.toml").contains("library or command-line tool"));
}

#[test]
fn init_rejects_an_unknown_template() {
    let out = Dir::new().plan(&["init", "--template", "enterprise"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown template `enterprise`; available: standard, web-service, library, example"));
}

#[test]
fn every_template_loads_and_only_the_example_is_complete() {
    for t in TEMPLATES {
        let d = Dir::new();
        assert_eq!(d.plan(&["init", "--template", t]).code, 0);
        let out = d.plan(&["check", "--now", NOW, "--format", "json"]);
        let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_ne!(report["summary"]["outcome"], "invalid", "{t}: {report:#}");
        let has_placeholders = rules_of(&report).iter().any(|r| r == "plan/placeholders");
        assert_eq!(has_placeholders, t != "example", "{t}");
        assert!(d.read("support-plan.toml").starts_with("#:schema ./.support-plan/support-plan.schema.json\n"), "{t}");
        let schema: serde_json::Value =
            serde_json::from_str(&d.read(".support-plan/support-plan.schema.json")).unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    }
}

#[test]
fn the_committed_schema_matches_the_types() {
    let out = run_plan(std::path::Path::new("."), &["schema"]);
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/plan-templates/support-plan.schema.json"))
            .unwrap();
    assert!(
        out.stdout == committed,
        "plan-templates/support-plan.schema.json is stale: run `cargo run -- schema > plan-templates/support-plan.schema.json`"
    );
    let schema: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(schema["additionalProperties"], false);
    assert!(schema["required"].as_array().unwrap().iter().any(|r| r == "schema_version"));
}

#[test]
fn the_repository_dogfoods_its_own_plan() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = run_plan(root, &["check", "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.starts_with("checked 1 plan"), "fixtures must stay excluded: {}", out.stdout);
}

#[test]
fn render_numbers_sections_like_the_template() {
    let d = Dir::new();
    d.write("support-plan.toml", example());
    let out = d.plan(&["render"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let headings: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('#')).collect();
    insta::assert_snapshot!("render_headings", headings.join("\n"));
    assert!(out.stdout.contains("| Platform | Vendor Version | URL | End of life |"));
    assert!(out.stdout.contains("| Name | Role | Contact Information | Email Address |"));
    assert!(out.stdout.contains("| Client Reported Problems | Refer To | Contact Info |"));
    assert!(out.stdout.contains("| Datadog Infrastructure Pro | 2027-09-30 | manual | Finance operations | 60d |"));
}
