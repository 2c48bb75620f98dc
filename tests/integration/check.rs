//! `plan check` as a user sees it: discovery, snapshots of human and JSON output.

use crate::support::*;

fn broken_plan() -> String {
    let t = replace_once(&example(), "last_review = 2026-10-01", "last_review = 2025-01-01");
    let t = replace_once(&t, "email = \"bob@acme.example.com\"", "email = \"bob at acme\"");
    replace_once(&t, "last = 2026-10-10", "last = 2026-01-01")
}

#[test]
fn human_output_snapshot() {
    let d = Dir::new();
    d.write("support-plan.toml", broken_plan());
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("check_human", out.stdout);
}

#[test]
fn json_output_snapshot() {
    let d = Dir::new();
    d.write("support-plan.toml", broken_plan());
    let out = d.plan(&["check", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 1);
    insta::assert_snapshot!("check_json", out.stdout);
}

#[test]
fn invalid_plan_snapshot() {
    let d = Dir::new();
    d.write("support-plan.toml", replace_once(&example(), "restore = \"4h\"", "restore = \"4 hours\""));
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2);
    insta::assert_snapshot!("check_invalid", out.stdout);
}

#[test]
fn discovers_plans_at_any_depth_and_honours_excludes() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let api = example().replace("product = \"acme-billing\"", "product = \"acme-api\"");
    d.write("services/api/api.support-plan.toml", &api);
    d.write("node_modules/x/support-plan.toml", "not a plan");
    d.write("target/support-plan.toml", "not a plan");
    d.write("tests/fixtures/broken/support-plan.toml", "not a plan");
    d.write("docs/support-plan.toml.bak", "not a plan");
    d.write(".support-plan/config.toml", "[discovery]\nexclude = [\"tests/fixtures/**\"]\n");
    let out = d.plan(&["check", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let report: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let files: Vec<&str> = report["plans"].as_array().unwrap().iter().map(|p| p["file"].as_str().unwrap()).collect();
    assert_eq!(files, ["services/api/api.support-plan.toml", "support-plan.toml"]);
    // From a subfolder with -C, and narrowed with --plan.
    let out = run_plan(
        &d.path().join("services"),
        &["-C", d.path().to_str().unwrap(), "check", "--now", NOW, "--plan", "acme-api"],
    );
    assert_eq!(out.code, 0);
    assert!(out.stdout.starts_with("checked 1 plan"), "{}", out.stdout);
}

#[test]
fn two_plans_with_one_product_id() {
    let d = Dir::new();
    d.write("a/support-plan.toml", example());
    d.write("b/support-plan.toml", example());
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(
        out.stdout.contains("error[refs/duplicate-id]: product id `acme-billing` is also used by a/support-plan.toml"),
        "{}",
        out.stdout
    );
}

#[test]
fn no_plans_is_an_error_with_the_fix() {
    let d = Dir::new();
    let out = d.plan(&["check"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no plan files found"), "{}", out.stderr);
    assert!(out.stderr.contains("plan init"));
}

#[test]
fn bad_config_names_the_file_and_line() {
    let d = Dir::new();
    d.write("support-plan.toml", example());
    d.write(".support-plan/config.toml", "[discovery]\nexclud = []\n");
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("invalid .support-plan/config.toml"), "{}", out.stderr);
    assert!(out.stderr.contains("line 2"), "{}", out.stderr);
}

#[test]
fn colour_only_when_asked() {
    let d = Dir::new();
    d.write("support-plan.toml", broken_plan());
    assert!(!d.plan(&["check", "--now", NOW]).stdout.contains('\x1b'));
    assert!(d.plan(&["check", "--now", NOW, "--color", "always"]).stdout.contains("\x1b[1;31merror"));
}

#[test]
fn a_bad_now_is_a_usage_error() {
    let d = Dir::new();
    d.write("support-plan.toml", example());
    let out = d.plan(&["check", "--now", "2026-02-30"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--now: 2026-02-30 does not exist in the calendar"), "{}", out.stderr);
}

#[test]
fn completions_man_page_and_help() {
    let d = Dir::new();
    let out = d.plan(&["completions", "bash"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("_plan()"), "{}", &out.stdout[..200.min(out.stdout.len())]);
    let out = d.plan(&["man"]);
    assert!(out.stdout.contains(".TH plan"), "{}", &out.stdout[..200.min(out.stdout.len())]);
    let out = d.plan(&["--help"]);
    for cmd in ["init", "check", "diff", "log", "gate", "render", "schema"] {
        assert!(out.stdout.contains(&format!("  {cmd}")), "{cmd}: {}", out.stdout);
    }
    assert!(out.stdout.contains("Exit codes: 0 done; 1 the answer is no"), "{}", out.stdout);
}
