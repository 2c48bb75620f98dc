//! What weakens the gate is part of the diff: waivers, approval and attestation records and
//! the repository config appear in `plan diff`, `plan log` and the PR comment with a reason.

use crate::support::*;

const WAIVER: &str = "[waivers.p95-cache]\ncheck = \"criterion:p95-latency\"\nreason = \"Cache layer lands in 1.1\"\napproved_by = [\"@alice\", \"dave\"]\ncreated = 2026-11-10\nexpires = 2027-01-15\nceiling = \"300ms\"\n";

fn repo() -> Dir {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.write(".support-plan/config.toml", "[gate]\nfail_on = \"warning\"\nwaiver_max_horizon = \"30d\"\n");
    d.commit("plan", 1);
    d.run_git(&["tag", "v1.0.0"]);
    d
}

fn changes(d: &Dir, base: &str, head: &str) -> Vec<serde_json::Value> {
    let out = d.plan(&["diff", base, head, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    v["plans"].as_array().unwrap().clone()
}

fn change<'a>(plans: &'a [serde_json::Value], file: &str, path: &str) -> &'a serde_json::Value {
    plans
        .iter()
        .filter(|p| p["product"] == file)
        .flat_map(|p| p["changes"].as_array().unwrap())
        .find(|c| c["path"] == path)
        .unwrap_or_else(|| panic!("no {path} in {file}: {plans:#?}"))
}

#[test]
fn waivers_records_and_config_are_diffed_with_their_impact() {
    let d = repo();
    d.write(".support-plan/waivers.toml", WAIVER);
    d.write(".support-plan/config.toml", "[gate]\nfail_on = \"error\"\nwaiver_max_horizon = \"90d\"\n");
    d.write(
        ".support-plan/approvals/1.1.0.toml",
        "version = \"1.1.0\"\n\n[steps.review-board]\ndecision = \"approved\"\napproved_by = [\"dave\"]\ndate = 2026-11-24\n",
    );
    d.commit("Waive p95, relax the gate", 2);
    let plans = changes(&d, "v1.0.0", "HEAD");
    let waiver = change(&plans, ".support-plan/waivers.toml", "waivers.p95-cache");
    assert_eq!(waiver["impact"], "breaking");
    assert!(waiver["reason"].as_str().unwrap().contains("waiver added"), "{waiver:#}");
    let fail_on = change(&plans, ".support-plan/config.toml", "config.gate.fail_on");
    assert_eq!(
        (fail_on["impact"].as_str(), fail_on["reason"].as_str()),
        (Some("breaking"), Some("warnings no longer block a release"))
    );
    let horizon = change(&plans, ".support-plan/config.toml", "config.gate.waiver_max_horizon");
    assert_eq!(horizon["impact"], "breaking");
    assert_eq!((horizon["old"].as_str(), horizon["new"].as_str()), (Some("30d"), Some("90d")), "shown as written");
    let approval = plans.iter().find(|p| p["product"] == ".support-plan/approvals/1.1.0.toml").unwrap();
    assert_eq!((approval["role"].as_str(), approval["status"].as_str()), (Some("approval"), Some("added")));
    assert!(approval["changes"].as_array().unwrap().iter().all(|c| c["impact"] != "breaking"), "{approval:#}");
    assert_eq!(d.plan(&["diff", "v1.0.0", "HEAD", "--fail-on", "breaking"]).code, 1);

    // Extending a waiver and raising its ceiling loosen it; removing it does not.
    d.run_git(&["tag", "v1.1.0"]);
    d.edit(".support-plan/waivers.toml", "expires = 2027-01-15", "expires = 2027-02-01");
    d.edit(".support-plan/waivers.toml", "ceiling = \"300ms\"", "ceiling = \"0.4s\"");
    d.commit("Extend the waiver", 3);
    let plans = changes(&d, "v1.1.0", "HEAD");
    let expires = change(&plans, ".support-plan/waivers.toml", "waivers.p95-cache.expires");
    assert_eq!((expires["impact"].as_str(), expires["reason"].as_str()), (Some("breaking"), Some("waiver extended")));
    let ceiling = change(&plans, ".support-plan/waivers.toml", "waivers.p95-cache.ceiling");
    assert_eq!((ceiling["impact"].as_str(), ceiling["new"].as_str()), (Some("breaking"), Some("0.4s")));
    std::fs::remove_file(d.path().join(".support-plan/waivers.toml")).unwrap();
    d.commit("Drop the waiver", 4);
    let plans = changes(&d, "HEAD~1", "HEAD");
    let removed = change(&plans, ".support-plan/waivers.toml", "waivers.p95-cache");
    assert_eq!(removed["impact"], "notable");

    // In the work tree, in the human output, and in plan log.
    d.write(".support-plan/waivers.toml", WAIVER);
    let out = d.plan(&["diff"]);
    assert!(out.stdout.contains(".support-plan/waivers.toml (waivers, added)"), "{}", out.stdout);
    assert!(out.stdout.contains("breaking: waiver added"), "{}", out.stdout);
    let log = d.plan(&["log"]);
    assert!(log.stdout.contains("Drop the waiver") && log.stdout.contains("Extend the waiver"), "{}", log.stdout);
    assert!(log.stdout.contains("waivers.p95-cache.ceiling 300ms → 0.4s (breaking) (+1 more)"), "{}", log.stdout);
    assert!(
        !log.stdout.contains("config.discovery"),
        "an added config with no excludes loosens nothing:\n{}",
        log.stdout
    );
}

#[test]
fn a_record_that_does_not_parse_is_reported_with_file_and_line() {
    let d = repo();
    d.write(".support-plan/waivers.toml", "[waivers.x]\ncheck = \"step:qa\"\nexpires = \"soon\"\n");
    d.commit("Broken waiver", 2);
    let out = d.plan(&["diff", "v1.0.0", "HEAD"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stdout.contains("does not load at HEAD ("), "{}", out.stdout);
    assert!(
        out.stdout.contains(".support-plan/waivers.toml at HEAD (") && out.stdout.contains(":3: invalid type"),
        "{}",
        out.stdout
    );
}

/// A plan broken on the pull request's head is "does not load" in the comment, never
/// "plan removed".
#[cfg(feature = "github")]
#[test]
fn the_comment_says_a_broken_plan_does_not_load() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.edit("support-plan.toml", "restore = \"4h\"", "restore = \"4 hours\"");
    let head = d.commit("Break the plan", 2);
    let body = crate::comment::dry_body_with(&d, &base, &head, &[]);
    assert!(body.contains("does not load"), "{body}");
    assert!(body.contains("4 hours") && body.contains("is not a duration"), "{body}");
    assert!(!body.contains("removed"), "{body}");
}

/// A waiver file wherever a plan points (`gate.waiver_file`) is found by what it holds, even
/// when the plan itself did not change; other TOML files stay out of the diff.
#[test]
fn a_waiver_file_elsewhere_is_diffed_and_other_toml_is_not() {
    let d = Dir::git();
    d.write("support-plan.toml", format!("{}\n[gate]\nwaiver_file = \"ops/exceptions.toml\"\n", example()));
    d.write("Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n");
    d.commit("plan", 1);
    d.write("ops/exceptions.toml", WAIVER);
    d.write("Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.2.0\"\n");
    d.commit("Waive p95 in ops/", 2);
    let plans = changes(&d, "HEAD~1", "HEAD");
    assert_eq!(plans.len(), 1, "{plans:#?}");
    let w = change(&plans, "ops/exceptions.toml", "waivers.p95-cache");
    assert_eq!(w["impact"], "breaking");
    let out = d.plan(&["diff", "HEAD~1"]);
    assert!(out.stdout.contains("ops/exceptions.toml (waivers, added)"), "{}", out.stdout);
}

/// The plan names where its waiver file lives; when the plan changes in the same comparison,
/// that file is still judged as the waiver file it is, even when what it holds would not be
/// recognised as one (a waiver without `expires`).
#[test]
fn a_waiver_file_a_changed_plan_names_is_judged_by_its_place() {
    let d = Dir::git();
    d.write("support-plan.toml", format!("{}\n[gate]\nwaiver_file = \"ops/exceptions.toml\"\n", example()));
    d.commit("plan", 1);
    d.edit("support-plan.toml", "retention = \"35d\"", "retention = \"30d\"");
    d.write("ops/exceptions.toml", WAIVER.replace("expires = 2027-01-15\n", ""));
    d.commit("Shorter retention, and a waiver without an expiry", 2);
    let plans = changes(&d, "HEAD~1", "HEAD");
    let waivers: Vec<_> = plans.iter().filter(|p| p["product"] == "ops/exceptions.toml").collect();
    assert_eq!(waivers.len(), 1, "{plans:#?}");
    assert_eq!(waivers[0]["role"], "waivers", "{plans:#?}");
    assert!(plans.iter().any(|p| p["product"] == "acme-billing"), "{plans:#?}");
}

/// A new approval record is the normal release step: notable, never "approvers added to a
/// recorded approval". `--plan` keeps the gate's files (they judge every plan). A config that
/// does not load is reported, in JSON too, and plan log still lists its commit.
#[test]
fn new_records_plan_filter_and_a_broken_config() {
    let d = repo();
    d.write(
        ".support-plan/approvals/1.1.0.toml",
        "version = \"1.1.0\"\n\n[plan_change]\ndecision = \"approved\"\napproved_by = [\"dave\"]\ndate = 2026-11-24\n",
    );
    d.write(".support-plan/waivers.toml", WAIVER);
    d.commit("Records for 1.1.0", 2);
    let plans = changes(&d, "v1.0.0", "HEAD");
    let approval = plans.iter().find(|p| p["product"] == ".support-plan/approvals/1.1.0.toml").unwrap();
    assert!(approval["changes"].as_array().unwrap().iter().all(|c| c["impact"] == "notable"), "{approval:#}");
    let out = d.plan(&["diff", "v1.0.0", "HEAD", "--plan", "acme-billing", "--fail-on", "breaking"]);
    assert_eq!(out.code, 1, "a waiver added must not hide behind --plan:\n{}", out.stdout);
    assert!(out.stdout.contains("0 plans and 2 gate files changed"), "{}", out.stdout);

    d.write(".support-plan/config.toml", "[gate]\nwaiver_max_horizon = \"1q\"\n");
    d.commit("Break the config", 3);
    let out = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(out.code, 2);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["plans"][0]["status"], "does-not-load", "{v:#}");
    assert!(
        v["plans"][0]["changes"][0]["reason"].as_str().unwrap().contains(".support-plan/config.toml at HEAD"),
        "{v:#}"
    );
    let log = d.plan(&["log", "-n", "1"]);
    assert_eq!(log.code, 0, "{}", log.stderr);
    assert!(log.stdout.contains("Break the config") && log.stdout.contains("does not load"), "{}", log.stdout);
}
