//! `plan fmt`: the canonical layout, `--check` with a unified diff, comments kept, and a
//! formatted plan that the semantic diff cannot tell from the original.

use crate::support::*;

#[test]
fn fmt_check_prints_a_diff_and_fmt_rewrites_keeping_comments() {
    let d = Dir::git();
    // The gate settings written before the evidence section, indented, single-quoted.
    let plan = example().replacen(
        "[evidence.",
        "[gate]\n   fail_on='warning'    # stricter than the default\n\n\n[evidence.",
        1,
    );
    d.write("support-plan.toml", &plan);
    d.commit("messy plan", 1);
    let check = d.plan(&["fmt", "--check"]);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert!(check.stdout.starts_with("--- a/support-plan.toml\n+++ b/support-plan.toml\n@@"), "{}", check.stdout);
    assert!(check.stdout.contains("-   fail_on='warning'    # stricter than the default\n"), "{}", check.stdout);
    assert!(check.stdout.contains("+fail_on = \"warning\"    # stricter than the default\n"), "{}", check.stdout);
    assert!(check.stderr.contains("1 plan file would be reformatted: support-plan.toml"), "{}", check.stderr);
    assert_eq!(d.read("support-plan.toml"), plan, "--check changes nothing");
    let out = d.plan(&["fmt"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let formatted = d.read("support-plan.toml");
    // The gate section now follows the evidence, as in the template; the comment stayed.
    let (gate, evidence) = (formatted.find("\n[gate]").unwrap(), formatted.rfind("\n[evidence.").unwrap());
    assert!(gate > evidence, "{formatted}");
    assert!(formatted.contains("\n[gate]\nfail_on = \"warning\"    # stricter than the default\n"), "{formatted}");
    assert_eq!(d.plan(&["fmt", "--check"]).code, 0, "idempotent");
    // The diff of the committed plan against the formatted work tree sees nothing.
    let diff = d.plan(&["diff", "HEAD", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&diff.stdout).unwrap_or_else(|e| panic!("{e}: {}", diff.stderr));
    assert_eq!(v["summary"]["changes"], 0, "{v:#}");
}

#[test]
fn fmt_refuses_what_is_not_toml_naming_the_line_and_keeps_line_endings() {
    let d = Dir::new();
    d.write("a.support-plan.toml", "schema_version = 1\n[plan]\ntitle = \"x\n");
    let out = d.plan(&["fmt", "--check", "a.support-plan.toml"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("error: a.support-plan.toml:3:"), "{}", out.stderr);
    // CRLF files stay CRLF.
    d.write("b.support-plan.toml", example().replace('\n', "\r\n").replacen("end_of_support = ", "end_of_support=", 1));
    let out = d.plan(&["fmt", "b.support-plan.toml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let text = d.read("b.support-plan.toml");
    assert!(text.contains("end_of_support = 2028-12-31\r\n"), "CRLF kept");
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());
}

#[test]
fn the_templates_are_canonical() {
    for t in ["example", "standard", "library", "web-service"] {
        let path = format!("{}/plan-templates/{t}.toml", env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(supportplan::fmt::format(&text).unwrap(), text, "{t}: run `plan fmt plan-templates/{t}.toml`");
    }
}
