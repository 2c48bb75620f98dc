//! `plan gate` end to end: real repositories with tags, evidence written by the real tools
//! (cargo-nextest, pytest, coverage.py, hyperfine; k6 and SARIF in their documented
//! shapes), approval and attestation records, waivers.

use crate::support::*;

pub fn fixture(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/fixtures/evidence/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// The example plan with evidence paths pointing at this test's files.
pub fn gate_plan() -> String {
    let t = example();
    let t = replace_once(&t, "path = \"target/nextest/ci/junit.xml\"", "path = \"evidence/unit.xml\"");
    let t = replace_once(&t, "path = \"perf/summary.json\"", "path = \"evidence/k6-summary.json\"");
    let t = replace_once(&t, "warn_at = \"220ms\"", "warn_at = \"240ms\"");
    let t = replace_once(&t, "min_cases = 300", "min_cases = 5");
    t.replace("path = \"reports/", "path = \"evidence/")
}

/// A repository ready to release 1.0.0: plan, records, evidence; tagged v1.0.0.
pub fn release_repo() -> Dir {
    release_repo_with(&gate_plan())
}

/// [`release_repo`] with another plan.
pub fn release_repo_with(plan: &str) -> Dir {
    let d = Dir::git();
    d.write("support-plan.toml", plan);
    // Evidence is what CI leaves in the work tree, never committed.
    d.write(".gitignore", "evidence/\ne2e/\nartifacts/\n");
    d.write(
        ".support-plan/approvals/1.0.0.toml",
        "version = \"1.0.0\"\nchange_ticket = { id = \"CHG0012345\", opened = 2026-11-20 }\n\n[steps.review-board]\ndecision = \"approved\"\napproved_by = [\"@alice\", \"dave\"]\ndate = 2026-11-24\n",
    );
    attest(&d, "prr-1.0.0", "2026-11-23");
    attest(&d, "oncall-1.0.0", "2026-11-23");
    commit(&d, "Plan and records for 1.0.0", 20);
    d.run_git(&["tag", "-a", "v1.0.0", "-m", "Release 1.0.0"]);
    evidence(&d);
    d
}

/// Release commits come no earlier than the records they carry (dated up to 2026-11-24) and
/// no later than the gate's now (2026-11-26).
pub fn commit(d: &Dir, message: &str, day: u32) -> String {
    d.commit_at(message, &format!("2026-11-{:02}T12:00:00Z", day.clamp(24, 26)))
}

pub fn attest(d: &Dir, name: &str, date: &str) {
    d.write(
        &format!(".support-plan/attestations/{name}.toml"),
        format!("by = \"carol\"\ndate = {date}\nstatement = \"Reviewed and signed.\"\n"),
    );
}

/// Evidence in the work tree, as CI leaves it (not committed).
pub fn evidence(d: &Dir) {
    d.write("evidence/unit.xml", fixture("nextest-pass.xml"));
    d.write("e2e/results/run-1.xml", fixture("nextest-pass.xml"));
    d.write("evidence/k6-summary.json", fixture("k6-summary.json"));
    d.write("evidence/scan.sarif", fixture("scan.sarif"));
    d.write("evidence/reconciliation.json", r#"{"mismatch_ratio": 0.00005, "invoices": 120400}"#);
    d.write("evidence/synthetic-7d.json", r#"{"availability": 0.9995, "errors_per_10k": 3.1}"#);
    d.write("evidence/invoice-dry-run.json", r#"{"duration_seconds": 14400}"#);
    d.write("evidence/infracost.json", r#"{"totalMonthlyCost": 3100.5, "currency": "EUR"}"#);
}

pub fn gate(d: &Dir, extra: &[&str]) -> (Output, serde_json::Value) {
    let mut args = vec!["gate", "--tag", "v1.0.0", "--format", "json"];
    args.extend_from_slice(extra);
    if !extra.contains(&"--now") {
        args.extend_from_slice(&["--now", NOW]);
    }
    let out = d.plan(&args);
    let v = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}\n{}\n{}", out.stdout, out.stderr));
    (out, v)
}

pub fn status<'a>(v: &'a serde_json::Value, check: &str) -> &'a serde_json::Value {
    v["plans"][0]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["check"] == check)
        .unwrap_or_else(|| panic!("no {check} in {v:#}"))
}

/// Re-releases from a commit with `edit` applied to the committed files.
pub fn retag(d: &Dir, edit: impl FnOnce(&Dir)) {
    edit(d);
    commit(d, "change", 25);
    d.run_git(&["tag", "-f", "-a", "v1.0.0", "-m", "Release 1.0.0"]);
}

#[test]
fn a_release_that_passes() {
    let d = release_repo();
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 0, "{v:#}");
    assert_eq!(v["schema"], "supportplan/gate/v1");
    assert_eq!(v["verdict"], "pass");
    assert_eq!(status(&v, "step:qa")["status"], "pass");
    assert_eq!(status(&v, "criterion:p95-latency")["observed"], "236.8ms");
    assert_eq!(status(&v, "criterion:error-rate")["status"], "warn", "no baseline yet is a warning");
    assert!(out.stderr.contains("release may proceed"), "{}", out.stderr);
}

#[test]
fn every_output_format() {
    let d = release_repo();
    d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
    for (format, name) in [
        ("human", "gate_human"),
        ("json", "gate_json"),
        ("junit", "gate_junit"),
        ("sarif", "gate_sarif"),
        ("markdown", "gate_markdown"),
        ("github", "gate_github"),
    ] {
        let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--format", format]);
        assert_eq!(out.code, 1, "{format}: {}", out.stderr);
        insta::assert_snapshot!(name, out.stdout);
    }
}

#[test]
fn blocked_by_failing_tests() {
    let d = release_repo();
    d.write("evidence/unit.xml", fixture("nextest-fail.xml"));
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let qa = status(&v, "step:qa");
    assert_eq!(qa["status"], "fail");
    assert!(
        qa["message"].as_str().unwrap().contains("1 failed (at most 0): shop::invoice::generate_credit_note"),
        "{qa}"
    );
    assert_eq!(qa["evidence"][0], "evidence/unit.xml");
}

#[test]
fn pytest_junit_is_read_too() {
    let d = release_repo();
    d.write("evidence/unit.xml", fixture("pytest-fail.xml"));
    let (_, v) = gate(&d, &[]);
    let qa = status(&v, "step:qa");
    assert_eq!(qa["status"], "fail");
    assert!(qa["observed"].as_str().unwrap().starts_with("9 cases, 1 failed, 1 skipped"), "{qa}");
    assert!(qa["message"].as_str().unwrap().contains("tests.test_checkout::test_rounding"), "{qa}");
}

#[test]
fn blocked_by_each_step_kind() {
    // Approval from someone outside the group.
    let d = release_repo();
    retag(&d, |d| d.edit(".support-plan/approvals/1.0.0.toml", "[\"@alice\", \"dave\"]", "[\"@alice\", \"bob\"]"));
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    assert_eq!(status(&v, "step:review-board")["message"], "approved by bob who is not in group `review-board`");
    // Too few approvals.
    retag(&d, |d| d.edit(".support-plan/approvals/1.0.0.toml", "[\"@alice\", \"bob\"]", "[\"@alice\"]"));
    let (_, v) = gate(&d, &[]);
    assert_eq!(status(&v, "step:review-board")["message"], "1 of 2 required approvals from `review-board`");
    // A change ticket that does not match, then one opened too late.
    retag(&d, |d| d.edit(".support-plan/approvals/1.0.0.toml", "id = \"CHG0012345\"", "id = \"TICKET-9\""));
    let (_, v) = gate(&d, &[]);
    assert_eq!(
        status(&v, "step:change-management")["message"],
        "change ticket `TICKET-9` does not match ^CHG[0-9]{7}$"
    );
    retag(&d, |d| {
        d.edit(
            ".support-plan/approvals/1.0.0.toml",
            "id = \"TICKET-9\", opened = 2026-11-20",
            "id = \"CHG0012345\", opened = 2026-11-25",
        )
    });
    let (_, v) = gate(&d, &[]);
    assert_eq!(
        status(&v, "step:change-management")["message"],
        "change ticket CHG0012345 was opened on 2026-11-25; the 3d lead time ends on 2026-11-28"
    );
}

#[test]
fn an_approval_older_than_the_last_plan_change_does_not_count() {
    let d = release_repo();
    retag(&d, |d| {
        d.edit(".support-plan/approvals/1.0.0.toml", "date = 2026-11-24", "date = 2026-10-01");
    });
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let msg = status(&v, "step:review-board")["message"].as_str().unwrap().to_owned();
    assert!(msg.starts_with("approved on 2026-10-01, but the plan changed after that, on 2026-11-24"), "{msg}");
}

#[test]
fn command_steps_exit_codes_and_timeouts() {
    let d = release_repo();
    retag(&d, |d| {
        let t = d.read("support-plan.toml").replace(
            "required_steps = [\"qa\", \"review-board\", \"change-management\"]",
            "required_steps = [\"qa\", \"review-board\", \"change-management\", \"smoke\", \"hang\", \"report\", \"audit\"]",
        );
        d.write(
            "support-plan.toml",
            format!("{t}\n[release_process.steps.smoke]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"echo smoke failed; exit 3\"]\n\n[release_process.steps.hang]\nkind = \"command\"\nrun = [\"sleep\", \"30\"]\ntimeout = \"1s\"\n\n[release_process.steps.report]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"echo '{{\\\"failed\\\": 2, \\\"ok\\\": 98}}'\"]\noutput = {{ pointer = \"/failed\", op = \"==\", target = 0 }}\n\n[release_process.steps.audit]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"echo not json\"]\noutput = {{ pointer = \"/vulnerabilities\", op = \"==\", target = 0 }}\n"),
        );
    });
    let started = std::time::Instant::now();
    let (out, v) = gate(&d, &[]);
    assert!(started.elapsed().as_secs() < 20, "the hanging command was not killed");
    assert_eq!(out.code, 1);
    assert_eq!(
        status(&v, "step:smoke")["message"],
        "`sh -c echo smoke failed; exit 3` exited 3, expected 0: smoke failed"
    );
    assert_eq!(status(&v, "step:hang")["message"], "`sleep 30` did not finish within 1s; it was killed");
    assert_eq!(
        status(&v, "step:report")["message"],
        "`sh -c echo '{\"failed\": 2, \"ok\": 98}'` printed /failed = 2, expected == 0"
    );
    assert_eq!(status(&v, "step:audit")["status"], "error");
    assert!(status(&v, "step:audit")["message"].as_str().unwrap().contains("did not print JSON"));
}

#[test]
fn blocked_by_each_criterion_kind() {
    let d = release_repo();
    // threshold
    d.edit(
        "evidence/k6-summary.json",
        "\"http_reqs\": { \"count\": 31020, \"rate\": 516.9 }",
        "\"http_reqs\": { \"count\": 24612, \"rate\": 410.2 }",
    );
    // tests selection
    d.write("e2e/results/run-1.xml", fixture("nextest-fail.xml"));
    // attestation: expired
    retag(&d, |d| attest(d, "prr-1.0.0", "2026-06-01"));
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    assert_eq!(status(&v, "criterion:capacity-500rps")["message"], "`k6.rps` is 410.2rps, target >= 500rps");
    let e2e = status(&v, "criterion:checkout-e2e");
    assert_eq!(e2e["status"], "fail");
    assert!(e2e["message"].as_str().unwrap().contains("failing: shop::invoice::generate_credit_note"), "{e2e}");
    assert_eq!(
        status(&v, "criterion:prr-signed")["message"],
        "attestation by carol on 2026-06-01 expired on 2026-08-30 (valid for 90d)"
    );
}

#[test]
fn baseline_against_the_previous_release() {
    let d = release_repo();
    d.write(
        ".support-plan/results/1.0.0.json",
        r#"{"version": "1.0.0", "metrics": {"synthetic.errors_per_10k": 2.0}}"#,
    );
    commit(&d, "Record 1.0.0 results", 21);
    d.run_git(&["tag", "-f", "-a", "v1.0.0", "-m", "Release 1.0.0"]);
    d.write(
        ".support-plan/approvals/1.1.0.toml",
        d.read(".support-plan/approvals/1.0.0.toml").replace("1.0.0", "1.1.0"),
    );
    attest(&d, "prr-1.1.0", "2026-11-23");
    attest(&d, "oncall-1.1.0", "2026-11-23");
    commit(&d, "Records for 1.1.0", 22);
    d.run_git(&["tag", "-a", "v1.1.0", "-m", "Release 1.1.0"]);
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = status(&v, "criterion:error-rate");
    assert_eq!(f["status"], "fail", "{f}");
    assert_eq!(f["observed"], "2 → 3.1 (+55.0%)");
    assert_eq!(out.code, 1);
    // --write-results records this release's values for the next one, only when it may
    // proceed: a blocked release is no baseline.
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--write-results", "-q"]);
    assert_eq!(out.code, 1);
    assert!(!d.path().join(".support-plan/results/1.1.0.json").exists(), "a blocked release wrote results");
    d.write("evidence/synthetic-7d.json", r#"{"availability": 0.9995, "errors_per_10k": 2.1}"#);
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--write-results", "-q"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    let written: serde_json::Value = serde_json::from_str(&d.read(".support-plan/results/1.1.0.json")).unwrap();
    assert_eq!(written["metrics"]["synthetic.errors_per_10k"], 2.1);
}

fn waiver(d: &Dir, body: &str) {
    retag(d, |d| {
        d.write(".support-plan/waivers.toml", body);
    });
}

const P95_WAIVER: &str = "[waivers.p95-cache]\ncheck = \"criterion:p95-latency\"\nreason = \"Cache layer lands in 1.1\"\napproved_by = [\"@alice\", \"dave\"]\ncreated = 2026-11-10\nexpires = 2027-01-15\nceiling = \"300ms\"\nticket = \"BILL-123\"\n";

#[test]
fn a_valid_waiver_saves_the_release_and_stays_visible() {
    let d = release_repo();
    d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
    waiver(&d, P95_WAIVER);
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 0, "{v:#}");
    let f = status(&v, "criterion:p95-latency");
    assert_eq!(f["status"], "waived");
    assert_eq!(f["message"], "`k6.p95` is 262.5ms, target <= 250ms");
    assert_eq!(f["waiver"]["reason"], "Cache layer lands in 1.1");
    assert_eq!(f["waiver"]["expires"], "2027-01-15");
    // Above the ceiling, the waiver does not cover it.
    d.edit("evidence/k6-summary.json", "\"p(95)\": 262.5", "\"p(95)\": 900.1");
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    assert_eq!(status(&v, "criterion:p95-latency")["status"], "fail");
    assert!(status(&v, "waiver/p95-cache")["message"].as_str().unwrap().contains("up to 300ms only"));
}

#[test]
fn an_expired_waiver_does_not_save_the_release() {
    let d = release_repo();
    d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
    waiver(
        &d,
        &P95_WAIVER.replace("created = 2026-11-10\nexpires = 2027-01-15", "created = 2026-09-01\nexpires = 2026-11-01"),
    );
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    assert_eq!(status(&v, "criterion:p95-latency")["status"], "fail");
    assert_eq!(
        status(&v, "waiver/p95-cache")["message"],
        "waiver `p95-cache` for `criterion:p95-latency` expired on 2026-11-01; it no longer covers it"
    );
}

#[test]
fn bad_waivers_cannot_be_evaluated() {
    for (body, expected) in [
        (
            P95_WAIVER.replace("criterion:p95-latency", "criterion:p99"),
            "covers `criterion:p99`, which is not a check of this gate",
        ),
        (
            P95_WAIVER.replace("expires = 2027-01-15", "expires = 2026-11-01"),
            "expires (2026-11-01) before it was created (2026-11-10)",
        ),
        (
            P95_WAIVER.replace("expires = 2027-01-15", "expires = 2027-06-15"),
            "runs 217 days, longer than gate.waiver_max_horizon (90d)",
        ),
        (
            P95_WAIVER.replace("[\"@alice\", \"dave\"]", "[\"@bob\"]"),
            "needs approval from `review-board`; not members: @bob",
        ),
        ("[waivers.x]\ncheck = \"step:qa\"\n".to_string(), "missing field `reason`"),
    ] {
        let d = release_repo();
        waiver(&d, &body);
        let (out, v) = gate(&d, &[]);
        assert_eq!(out.code, 2, "{body}\n{}", out.stdout);
        let messages: Vec<&str> = v["plans"][0]["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["invalid"] == true)
            .map(|f| f["message"].as_str().unwrap())
            .collect();
        assert!(messages.iter().any(|m| m.contains(expected)), "{expected}\n{messages:?}");
    }
}

#[test]
fn an_unapproved_breaking_plan_change_since_the_previous_tag_blocks() {
    let d = release_repo();
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.0");
    d.write(
        ".support-plan/approvals/1.1.0.toml",
        d.read(".support-plan/approvals/1.0.0.toml").replace("1.0.0", "1.1.0").replace("2026-11-24", "2026-11-25"),
    );
    attest(&d, "prr-1.1.0", "2026-11-23");
    attest(&d, "oncall-1.1.0", "2026-11-23");
    commit(&d, "Lower the SLA", 25);
    d.run_git(&["tag", "-a", "v1.1.0", "-m", "Release 1.1.0"]);
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 1);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = status(&v, "strategy/plan-change-approved");
    assert_eq!(
        f["message"],
        "1 breaking plan change(s) since v1.0.0 without an approval from `review-board`: sla.availability_pct 99.5 → 99.0 (breaking)"
    );
    // With the board's approval of the plan change, it passes.
    let rec = d.read(".support-plan/approvals/1.1.0.toml");
    d.write(
        ".support-plan/approvals/1.1.0.toml",
        format!("{rec}\n[plan_change]\ndecision = \"approved\"\napproved_by = [\"dave\"]\ndate = 2026-11-25\n"),
    );
    commit(&d, "Approve the SLA change", 26);
    d.run_git(&["tag", "-f", "-a", "v1.1.0", "-m", "Release 1.1.0"]);
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(status(&v, "strategy/plan-change-approved")["status"], "pass");
    assert_eq!(out.code, 0, "{v:#}");
}

#[test]
fn release_strategy_checks() {
    let d = release_repo();
    let (_, v) = gate(&d, &["--now", "2026-12-24"]);
    assert_eq!(
        status(&v, "strategy/freeze-window")["message"],
        "2026-12-24 is inside freeze window `year-end` (2026-12-20 to 2027-01-05: Year-end financial close)"
    );
    // A version that is not semver, and a tag that does not follow the pattern.
    d.run_git(&["tag", "release-7"]);
    let out = d.plan(&["gate", "--tag", "release-7", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("tag `release-7` does not match the plan's tag_pattern `v{version}`; pass --version"),
        "{}",
        out.stderr
    );
    let out = d.plan(&["gate", "--version", "1.0", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(status(&v, "strategy/version")["status"], "fail");
    // Released from a branch that is not a release branch.
    d.run_git(&["checkout", "-q", "-b", "experiment"]);
    d.write("NOTES.md", "experiment\n");
    commit(&d, "experiment", 27);
    d.run_git(&["tag", "-a", "v1.0.1", "-m", "1.0.1"]);
    let out = d.plan(&["gate", "--tag", "v1.0.1", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(status(&v, "strategy/release-branch")["status"], "fail");
}

#[test]
fn missing_stale_truncated_and_wrong_evidence_fails_closed() {
    let d = release_repo();
    std::fs::remove_file(d.path().join("evidence/scan.sarif")).unwrap();
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    assert_eq!(status(&v, "criterion:no-critical-findings")["status"], "error");
    assert!(
        status(&v, "criterion:no-critical-findings")["message"]
            .as_str()
            .unwrap()
            .contains("no file matches `evidence/scan.sarif`")
    );
    d.write("evidence/scan.sarif", fixture("scan.sarif"));
    // Truncated JUnit.
    let junit = fixture("nextest-pass.xml");
    d.write("evidence/unit.xml", &junit[..junit.len() / 2]);
    let (_, v) = gate(&d, &[]);
    let qa = status(&v, "step:qa")["message"].as_str().unwrap().to_owned();
    assert!(qa.contains("evidence/unit.xml") && (qa.contains("truncated") || qa.contains("not valid JUnit")), "{qa}");
    d.write("evidence/unit.xml", &junit);
    // A pointer that lands on a string.
    d.write("evidence/infracost.json", r#"{"totalMonthlyCost": "3100.5"}"#);
    let (_, v) = gate(&d, &[]);
    assert!(
        status(&v, "criterion:cost")["message"]
            .as_str()
            .unwrap()
            .contains("JSON pointer `/totalMonthlyCost` lands on the string \"3100.5\", not a number")
    );
    d.write("evidence/infracost.json", r#"{"totalMonthlyCost": 3100.5}"#);
    // Stale: older than max_age.
    pin_mtime(&d.path().join("evidence/invoice-dry-run.json"), 30 * 86_400);
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let stale = status(&v, "criterion:invoice-run-duration")["message"].as_str().unwrap().to_owned();
    assert!(
        stale.contains("stale: written") && stale.contains("by its modification time") && stale.contains("max_age 1w"),
        "{stale}"
    );
    // A 500 MB evidence file is refused unread.
    d.write("evidence/invoice-dry-run.json", r#"{"duration_seconds": 14400}"#);
    let big = std::fs::File::create(d.path().join("evidence/reconciliation.json")).unwrap();
    big.set_len(500 * 1024 * 1024).unwrap();
    let (_, v) = gate(&d, &[]);
    assert!(
        status(&v, "criterion:invoice-accuracy")["message"]
            .as_str()
            .unwrap()
            .contains("524288000 bytes, over the 268435456-byte evidence limit; it was not read")
    );
}

#[test]
fn verify_approvers_against_git_identities() {
    let d = release_repo();
    // Alice committed the record; Dave never did.
    let (out, v) = gate(&d, &["--verify-approvers", "git"]);
    assert_eq!(out.code, 1);
    assert_eq!(
        status(&v, "step:review-board")["message"],
        "no commit to .support-plan/approvals/1.0.0.toml by the git identity of dave (--verify-approvers git)"
    );
}

#[test]
fn repository_config_tightens_the_gate() {
    // `fail_on = "warning"`: the baseline warning now blocks.
    let d = release_repo();
    retag(&d, |d| {
        d.write(".support-plan/config.toml", "[gate]\nfail_on = \"warning\"\n");
    });
    let (out, v) = gate(&d, &[]);
    assert_eq!(status(&v, "criterion:error-rate")["status"], "warn");
    assert_eq!(out.code, 1, "{v:#}");
    // A repository cap on waiver length below the plan's 90 days.
    let d = release_repo();
    d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
    retag(&d, |d| {
        d.write(".support-plan/config.toml", "[gate]\nwaiver_max_horizon = \"30d\"\n");
        d.write(".support-plan/waivers.toml", P95_WAIVER);
    });
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 2);
    assert_eq!(
        status(&v, "waiver/p95-cache")["message"],
        "waiver `p95-cache` runs 66 days, longer than .support-plan/config.toml gate.waiver_max_horizon (30d)"
    );
}

#[test]
fn several_files_are_judged_by_the_worst_one() {
    let d = release_repo();
    retag(&d, |d| {
        d.edit("support-plan.toml", "path = \"evidence/synthetic-7d.json\"", "path = \"evidence/synthetic-*.json\"");
    });
    // One region is fine, the other is not: `>=` takes the minimum, so the bad one decides.
    d.write("evidence/synthetic-eu.json", r#"{"availability": 0.9995, "errors_per_10k": 3.1}"#);
    d.write("evidence/synthetic-us.json", r#"{"availability": 0.981, "errors_per_10k": 3.1}"#);
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1, "{v:#}");
    let f = status(&v, "criterion:availability");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(f["message"].as_str().unwrap().contains("98.1%"), "{f:#}");
    // An explicit aggregate still wins.
    retag(&d, |d| {
        d.edit(
            "support-plan.toml",
            "op = \">=\"\ntarget = \"99.9%\"",
            "op = \">=\"\ntarget = \"99.9%\"\naggregate = \"max\"",
        );
    });
    let (_, v) = gate(&d, &[]);
    assert_eq!(status(&v, "criterion:availability")["status"], "pass");
}

#[test]
fn a_selection_that_matches_no_test_blocks() {
    let d = release_repo();
    retag(&d, |d| {
        d.edit(
            "support-plan.toml",
            "select = [\"checkout::*\", \"invoice::generate*\"]",
            "select = [\"checkout::*\", \"invoice::generate*\", \"refunds::*\"]",
        );
    });
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let f = status(&v, "criterion:checkout-e2e");
    assert_eq!(f["status"], "fail");
    assert!(f["message"].as_str().unwrap().contains("selected tests not found: `refunds::*`"), "{f:#}");
}

#[test]
fn evidence_from_the_future_or_older_than_its_own_timestamp_allows_is_refused() {
    let d = release_repo();
    // JUnit carries its own timestamp: a run dated after --now is not evidence.
    let future = fixture("nextest-pass.xml").replace("2026-11-26T", "2027-03-01T");
    assert_ne!(future, fixture("nextest-pass.xml"));
    d.write("evidence/unit.xml", &future);
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let qa = status(&v, "step:qa")["message"].as_str().unwrap().to_owned();
    assert!(qa.contains("from the future") && qa.contains("its own timestamp"), "{qa}");
    // The same file is stale when the gate's now is far after it (max_age 24h), even
    // though the file on disk was just written: the run's own timestamp counts.
    d.write("evidence/unit.xml", fixture("nextest-pass.xml"));
    let (out, v) = gate(&d, &["--now", "2026-12-20"]);
    assert_eq!(out.code, 1);
    let qa = status(&v, "step:qa")["message"].as_str().unwrap().to_owned();
    assert!(qa.contains("stale") && qa.contains("its own timestamp"), "{qa}");
}

#[test]
fn a_waiver_ceiling_in_the_wrong_unit_cannot_be_evaluated() {
    for (ceiling, code, expected) in [
        ("\"300MB\"", 2, "ceiling 300MB is a size in bytes, but metric `k6.p95` is a time in ms"),
        ("300", 2, "ceiling 300 has no unit"),
        ("\"0.3s\"", 0, ""),
    ] {
        let d = release_repo();
        d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
        waiver(&d, &P95_WAIVER.replace("ceiling = \"300ms\"", &format!("ceiling = {ceiling}")));
        let (out, v) = gate(&d, &[]);
        assert_eq!(out.code, code, "{ceiling}: {v:#}");
        if code == 2 {
            let f = status(&v, "waiver/p95-cache");
            assert!(f["message"].as_str().unwrap().contains(expected), "{f:#}");
        }
    }
}

#[test]
fn records_dated_in_the_future_cannot_be_evaluated() {
    // An approval dated after the gated commit (and after today) must not count as
    // "approved after the last plan change".
    let d = release_repo();
    retag(&d, |d| d.edit(".support-plan/approvals/1.0.0.toml", "date = 2026-11-24", "date = 2027-01-05"));
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 2, "{v:#}");
    let f = status(&v, "step:review-board");
    assert_eq!(f["invalid"], true);
    assert!(f["message"].as_str().unwrap().contains("dated 2027-01-05, after 2026-11-25"), "{f:#}");
    // An attestation, likewise.
    let d = release_repo();
    retag(&d, |d| attest(d, "prr-1.0.0", "2026-12-01"));
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 2);
    assert!(status(&v, "criterion:prr-signed")["message"].as_str().unwrap().contains("cannot come from the future"));
    // A waiver created in the future.
    let d = release_repo();
    d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
    waiver(&d, &P95_WAIVER.replace("created = 2026-11-10", "created = 2026-12-24"));
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 2);
    assert!(status(&v, "waiver/p95-cache")["message"].as_str().unwrap().contains("created 2026-12-24"));
    assert_eq!(status(&v, "criterion:p95-latency")["status"], "fail");
}

#[test]
fn a_plan_change_approval_from_the_future_or_from_before_the_change_does_not_count() {
    let d = release_repo();
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.0");
    let rec = d.read(".support-plan/approvals/1.0.0.toml").replace("1.0.0", "1.1.0");
    attest(&d, "prr-1.1.0", "2026-11-23");
    attest(&d, "oncall-1.1.0", "2026-11-23");
    for (date, code, expected) in [
        ("2026-12-24", 2, "[plan_change] is dated 2026-12-24, after 2026-11-25"),
        ("2020-01-01", 1, "approved on 2020-01-01, but the plan changed after that, on 2026-11-25"),
    ] {
        d.write(
            ".support-plan/approvals/1.1.0.toml",
            format!("{rec}\n[plan_change]\ndecision = \"approved\"\napproved_by = [\"dave\"]\ndate = {date}\n"),
        );
        commit(&d, "Lower the SLA, approve it", 25);
        d.run_git(&["tag", "-f", "-a", "v1.1.0", "-m", "Release 1.1.0"]);
        let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--format", "json"]);
        assert_eq!(out.code, code, "{date}: {}", out.stdout);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let f = status(&v, "strategy/plan-change-approved");
        assert!(f["message"].as_str().unwrap().contains(expected), "{f:#}");
    }
}

#[test]
fn a_selection_whose_tests_were_all_skipped_blocks() {
    let d = release_repo();
    d.write(
        "e2e/results/run-1.xml",
        r#"<testsuites><testsuite name="e2e"><testcase name="checkout::pays" classname="shop"/><testcase name="invoice::generate_a" classname="shop"><skipped/></testcase><testcase name="invoice::generate_b" classname="shop"><skipped/></testcase></testsuite></testsuites>"#,
    );
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let f = status(&v, "criterion:checkout-e2e");
    assert_eq!(f["status"], "fail");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("selected tests did not run: every test case `invoice::generate*` matches was skipped"),
        "{f:#}"
    );
}

#[test]
fn impossible_measurements_are_invalid_evidence() {
    for (file, content, check, expected) in [
        (
            "evidence/k6-summary.json",
            fixture("k6-summary.json").replace("\"p(95)\": 236.8", "\"p(95)\": -1"),
            "criterion:p95-latency",
            "cannot be negative",
        ),
        (
            "evidence/synthetic-7d.json",
            r#"{"availability": 5, "errors_per_10k": 3.1}"#.to_string(),
            "criterion:availability",
            "a ratio lies between 0 and 100%",
        ),
    ] {
        let d = release_repo();
        d.write(file, content);
        let (out, v) = gate(&d, &[]);
        assert_eq!(out.code, 1, "{file}");
        let f = status(&v, check);
        assert_eq!(f["status"], "error", "{f:#}");
        assert!(f["message"].as_str().unwrap().contains(expected), "{f:#}");
    }
}

/// Re-dating `created` does not renew a waiver: its horizon counts from the commit that
/// introduced it.
#[test]
fn a_waiver_horizon_counts_from_the_commit_that_introduced_it() {
    let d = release_repo();
    d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
    let first =
        P95_WAIVER.replace("created = 2026-11-10\nexpires = 2027-01-15", "created = 2026-10-01\nexpires = 2026-12-20");
    d.write(".support-plan/waivers.toml", &first);
    d.commit_at("Waive p95", "2026-10-01T12:00:00Z");
    let renewed =
        P95_WAIVER.replace("created = 2026-11-10\nexpires = 2027-01-15", "created = 2026-11-20\nexpires = 2027-02-15");
    waiver(&d, &renewed);
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 2, "{v:#}");
    let f = status(&v, "waiver/p95-cache");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("says it was created 2026-11-20, but it was first committed on 2026-10-01"),
        "{f:#}"
    );
    // A waiver dated after the commit that introduced it is refused too.
    let d = release_repo();
    d.write(".support-plan/waivers.toml", P95_WAIVER.replace("created = 2026-11-10", "created = 2026-11-25"));
    d.commit_at("Waive p95", "2026-11-12T12:00:00Z");
    d.run_git(&["tag", "-f", "-a", "v1.0.0", "-m", "Release 1.0.0"]);
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 2, "{v:#}");
    assert!(
        status(&v, "waiver/p95-cache")["message"]
            .as_str()
            .unwrap()
            .contains("created 2026-11-25, but it was first committed on 2026-11-12")
    );
}

/// `plan gate --preview`: every release-only check is pending ("at release"), never
/// blocking, and no command runs; what the evidence already decides keeps its verdict.
#[test]
fn a_preview_lists_release_only_checks_as_pending() {
    let d = Dir::git();
    d.write("support-plan.toml", gate_plan());
    d.write(
        "support-plan.toml",
        format!(
            "{}\n[release_process.steps.smoke]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"touch ran\"]\n",
            gate_plan()
        ),
    );
    commit(&d, "plan", 20);
    d.run_git(&["tag", "v0.9.0"]);
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.0");
    commit(&d, "Lower the SLA", 21);
    evidence(&d);
    let out = d.plan(&["gate", "--preview", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    assert!(!d.path().join("ran").exists(), "a preview ran a command");
    for check in ["step:review-board", "step:change-management", "step:smoke", "criterion:prr-signed"] {
        assert_eq!(status(&v, check)["status"], "at-release", "{check}: {v:#}");
    }
    let weakened = status(&v, "strategy/plan-change-approved");
    assert_eq!(weakened["status"], "at-release");
    assert!(
        weakened["message"].as_str().unwrap().contains("will need an approval before the next release"),
        "{weakened:#}"
    );
    assert_eq!(status(&v, "step:qa")["status"], "pass");
    assert_eq!(out.code, 0, "nothing the pull request can decide fails: {v:#}");
    assert_eq!(v["counts"]["at-release"], 6);
    // The same plan with a failing test blocks the preview.
    d.write("evidence/unit.xml", fixture("nextest-fail.xml"));
    let out = d.plan(&["gate", "--preview", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 1);
}

/// Evidence belongs to the gated commit: a release gate refuses a work tree whose HEAD is not
/// the tag's commit, or whose tracked files differ from it, unless --allow-dirty.
#[test]
fn a_release_gate_refuses_a_work_tree_that_is_not_the_tag() {
    let d = release_repo();
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.9");
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("tracked files differ from v1.0.0 in the work tree (support-plan.toml)"),
        "{}",
        out.stderr
    );
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--allow-dirty"]).code, 0);
    commit(&d, "after the release", 26);
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("not the gated commit v1.0.0"), "{}", out.stderr);
    // Untracked evidence is what the gate reads; it never makes the tree dirty.
    d.run_git(&["checkout", "-q", "v1.0.0"]);
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]).code, 0);
    // Staged but not committed is not the release either: a new file, or a removal from the
    // index while the work tree still has the file.
    d.write("hotfix.sh", "echo patched\n");
    d.run_git(&["add", "hotfix.sh"]);
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("(hotfix.sh (staged))"), "{}", out.stderr);
    d.run_git(&["rm", "-q", "--cached", "hotfix.sh"]);
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]).code, 0, "back to an untracked file");
    d.run_git(&["rm", "-q", "--cached", "support-plan.toml"]);
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("(support-plan.toml (staged))"), "{}", out.stderr);
}

/// A gate that refuses to evaluate still leaves its record in Actions: the job summary says
/// the release is blocked and why, and an error annotation carries the reason.
#[test]
fn in_actions_a_refused_gate_leaves_a_job_summary_too() {
    let d = release_repo();
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.9");
    let summary = d.path().join("summary.md");
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
            .args(args)
            .current_dir(d.path())
            .env("GITHUB_ACTIONS", "true")
            .env("GITHUB_STEP_SUMMARY", &summary)
            .output()
            .unwrap()
    };
    let out = run(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().any(|l| l.starts_with("::error title=plan gate::could not evaluate: tracked files differ")),
        "{stderr}"
    );
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("could not evaluate") && md.contains("tracked files differ from v1.0.0"), "{md}");
    // A plan that does not load at the tag: the summary names the file and line.
    std::fs::remove_file(&summary).unwrap();
    d.write("support-plan.toml", "schema_version = 1\n[plan\n");
    commit(&d, "break the plan", 26);
    d.run_git(&["tag", "v1.0.1"]);
    let out = run(&["gate", "--tag", "v1.0.1", "--now", NOW, "--allow-dirty"]);
    assert_eq!(out.status.code(), Some(2));
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("does not load") && md.contains("support-plan.toml:2"), "{md}");
}

/// In a preview the release version is unknown: a waiver scoped to versions can neither
/// save nor fail the pull request; what it covers is listed as decided at release.
#[test]
fn a_preview_leaves_version_scoped_waivers_to_the_release() {
    let d = release_repo();
    d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
    waiver(&d, &format!("{P95_WAIVER}versions = \"~1.0\"\n"));
    let out = d.plan(&["gate", "--preview", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let f = status(&v, "criterion:p95-latency");
    assert_eq!(f["status"], "at-release", "{f:#}");
    assert!(f["message"].as_str().unwrap().contains("covers it for versions `~1.0` only"), "{f:#}");
    assert_eq!(out.code, 0, "{v:#}");
    // At release the scope decides: 1.0.0 is covered.
    let (out, v) = gate(&d, &[]);
    assert_eq!(status(&v, "criterion:p95-latency")["status"], "waived", "{v:#}");
    assert_eq!(out.code, 0);
    // Without a waiver, the same measurement fails the preview: the PR's evidence decides.
    d.write(".support-plan/waivers.toml", "");
    d.run_git(&["commit", "-qam", "no waiver"]);
    let out = d.plan(&["gate", "--preview", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
}

/// A notes ref that is not a commit of notes (pointing at a blob) is named as such.
#[test]
fn a_notes_ref_that_is_not_a_commit_is_an_error_that_says_so() {
    let d = release_repo();
    let blob = d.run_git(&["hash-object", "-w", "support-plan.toml"]).trim().to_owned();
    d.run_git(&["update-ref", "refs/notes/support-plan", &blob]);
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("refs/notes/support-plan points at a blob") && !out.stderr.contains("missing"),
        "{}",
        out.stderr
    );
}

/// In GitHub Actions, every gate run leaves the job summary and annotations, whatever the
/// output format.
#[test]
fn in_actions_a_gate_leaves_a_job_summary_and_annotations() {
    let d = release_repo();
    d.write("evidence/unit.xml", fixture("nextest-fail.xml"));
    let summary = d.path().join("summary.md");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["gate", "--tag", "v1.0.0", "--now", NOW, "--format", "json"])
        .current_dir(d.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    serde_json::from_slice::<serde_json::Value>(&out.stdout).expect("stdout stays the chosen format");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.lines().any(|l| l.starts_with("::error ") && l.contains("step%3Aqa")), "{stderr}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("step:qa") && md.contains("fail"), "{md}");
}

/// Baselines that survive tag releases: each release gate records its results as a git note
/// on the released commit; the next release reads the previous tag's note. Three tags.
#[test]
fn baselines_travel_as_git_notes_across_three_releases() {
    let d = release_repo();
    let errors = |d: &Dir, n: f64| {
        d.write("evidence/synthetic-7d.json", format!(r#"{{"availability": 0.9995, "errors_per_10k": {n}}}"#));
    };
    errors(&d, 3.1);
    d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note", "-q"]);
    let note = d.run_git(&["notes", "--ref", "support-plan", "show", "v1.0.0^{commit}"]);
    assert!(note.contains("supportplan/results/v1") && note.contains("3.1"), "git reads the note: {note}");
    for (version, value, expected, day) in [("1.1.0", 3.0, "pass", 25), ("1.2.0", 4.0, "fail", 26)] {
        d.write(
            &format!(".support-plan/approvals/{version}.toml"),
            d.read(".support-plan/approvals/1.0.0.toml").replace("1.0.0", version),
        );
        attest(&d, &format!("prr-{version}"), "2026-11-23");
        attest(&d, &format!("oncall-{version}"), "2026-11-23");
        commit(&d, &format!("Records for {version}"), day);
        d.run_git(&["tag", "-a", &format!("v{version}"), "-m", version]);
        errors(&d, value);
        let out = d.plan(&["gate", "--tag", &format!("v{version}"), "--now", NOW, "--format", "json", "--record-note"]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
        let f = status(&v, "criterion:error-rate");
        assert_eq!(f["status"], expected, "{version}: {f:#}");
    }
    let f_note = d.run_git(&["notes", "--ref", "support-plan", "show", "v1.1.0^{commit}"]);
    assert!(f_note.contains("\"synthetic.errors_per_10k\": 3.0"), "{f_note}");
}

/// A waiver for a criterion whose evidence is missing never calls it "passing".
#[test]
fn a_waiver_on_a_criterion_without_evidence_says_it_cannot_cover_an_error() {
    let d = release_repo();
    std::fs::remove_file(d.path().join("evidence/k6-summary.json")).unwrap();
    waiver(&d, P95_WAIVER);
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let p95 = status(&v, "criterion:p95-latency");
    assert_eq!(p95["status"], "error");
    assert!(p95["message"].as_str().unwrap().contains("upload it as an artifact"), "{p95:#}");
    let w = status(&v, "waiver/p95-cache")["message"].as_str().unwrap().to_owned();
    assert!(w.contains("could not be evaluated") && !w.contains("passes now"), "{w}");
}

/// Evidence that names another commit than the gated one is invalid: a JUnit property, or
/// the manifest a CI step writes next to the evidence.
#[test]
fn evidence_from_another_commit_is_refused() {
    let d = release_repo();
    let tagged = d.run_git(&["rev-parse", "v1.0.0^{commit}"]).trim().to_owned();
    let with_commit = |sha: &str| {
        fixture("nextest-pass.xml").replacen(
            "<testsuite ",
            &format!("<testsuite ><properties><property name=\"commit\" value=\"{sha}\"/></properties></testsuite><testsuite "),
            1,
        )
    };
    d.write("evidence/unit.xml", with_commit("0123456789abcdef0123456789abcdef01234567"));
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    let qa = status(&v, "step:qa")["message"].as_str().unwrap().to_owned();
    assert!(qa.contains("produced from commit 0123456789abcdef") && qa.contains("not the gated commit"), "{qa}");
    d.write("evidence/unit.xml", with_commit(&tagged));
    let (_, v) = gate(&d, &[]);
    assert_eq!(status(&v, "step:qa")["status"], "pass", "{v:#}");
    // The manifest speaks for every evidence file that does not name its own commit.
    d.write("evidence/unit.xml", fixture("nextest-pass.xml"));
    d.write("supportplan-evidence.json", r#"{"commit": "0123456"}"#);
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    assert!(status(&v, "criterion:p95-latency")["message"].as_str().unwrap().contains("produced from commit 0123456"));
    d.write("supportplan-evidence.json", format!(r#"{{"commit": "{tagged}"}}"#));
    let (out, _) = gate(&d, &[]);
    assert_eq!(out.code, 0);
}

/// Only a release that may proceed records its results, once; a preview never does; a note
/// that is not a results note is an error, not "no baseline"; a mode change is a change.
#[test]
fn results_notes_are_recorded_only_by_a_passing_release_and_read_strictly() {
    let d = release_repo();
    let preview = d.plan(&["gate", "--preview", "--record-note", "--now", NOW]);
    assert_eq!(preview.code, 2, "{}", preview.stderr);
    d.write("evidence/unit.xml", fixture("nextest-fail.xml"));
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note"]).code, 1);
    let notes = std::process::Command::new("git")
        .args(["notes", "--ref", "support-plan", "list"])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(notes.stdout.is_empty(), "a blocked release recorded a note");
    d.write("evidence/unit.xml", fixture("nextest-pass.xml"));
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note"]).code, 0);
    let first = d.run_git(&["notes", "--ref", "support-plan", "show", "v1.0.0^{commit}"]);
    // A re-run of the release job (other measurements) passes and keeps the first recording.
    d.write("evidence/synthetic-7d.json", r#"{"availability": 0.9995, "errors_per_10k": 1.5}"#);
    let again = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note"]);
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert!(
        again.stderr.contains("already records results for `acme-billing` on v1.0.0; the first recording is kept"),
        "{}",
        again.stderr
    );
    assert_eq!(d.run_git(&["notes", "--ref", "support-plan", "show", "v1.0.0^{commit}"]), first);
    // Recording needs the tag itself, clean: not --allow-dirty, not --version.
    for args in [&["--allow-dirty"][..], &["--version", "1.0.0"][..]] {
        let mut all = vec!["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note"];
        all.extend_from_slice(args);
        let out = d.plan(&all);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("cannot be used with"), "{args:?}: {}", out.stderr);
    }
    // A foreign note on the previous release: the baseline is an error, not a warning.
    d.run_git(&["notes", "--ref", "support-plan", "add", "-f", "-m", "{}", "v1.0.0^{commit}"]);
    d.write(
        ".support-plan/approvals/1.1.0.toml",
        d.read(".support-plan/approvals/1.0.0.toml").replace("1.0.0", "1.1.0"),
    );
    attest(&d, "prr-1.1.0", "2026-11-23");
    attest(&d, "oncall-1.1.0", "2026-11-23");
    commit(&d, "Records for 1.1.0", 25);
    d.run_git(&["tag", "-a", "v1.1.0", "-m", "1.1.0"]);
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = status(&v, "criterion:error-rate");
    assert_eq!(f["status"], "error", "{f:#}");
    assert!(f["message"].as_str().unwrap().contains("not a supportplan results note"), "{f:#}");
    // chmod +x on a tracked file is a change of the tree.
    std::process::Command::new("chmod")
        .args(["+x", d.path().join("support-plan.toml").to_str().unwrap()])
        .status()
        .unwrap();
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("tracked files differ"), "{}", out.stderr);
}

/// The gate in its own job: each evidence artifact is downloaded into --evidence-dir, and the
/// plan's paths are relative to it. With `merge-multiple`, the files of every artifact land
/// directly in the directory; without it, each artifact gets a folder of its own name, and
/// the gate says so instead of only "missing".
#[test]
fn evidence_downloaded_from_artifacts_is_read_from_the_evidence_dir() {
    let d = release_repo_with(&gate_plan().replace("path = \"evidence/", "path = \"").replace("e2e/results/", "e2e/"));
    let files = [
        ("evidence-unit", "unit.xml", fixture("nextest-pass.xml")),
        ("evidence-e2e", "e2e/run-1.xml", fixture("nextest-pass.xml")),
        ("evidence-perf", "k6-summary.json", fixture("k6-summary.json")),
        ("evidence-scan", "scan.sarif", fixture("scan.sarif")),
        ("evidence-ops", "reconciliation.json", r#"{"mismatch_ratio": 0.00005, "invoices": 120400}"#.into()),
        ("evidence-ops", "synthetic-7d.json", r#"{"availability": 0.9995, "errors_per_10k": 3.1}"#.into()),
        ("evidence-ops", "invoice-dry-run.json", r#"{"duration_seconds": 14400}"#.into()),
        ("evidence-ops", "infracost.json", r#"{"totalMonthlyCost": 3100.5, "currency": "EUR"}"#.into()),
    ];
    // download-artifact with merge-multiple: true.
    for (_, path, body) in &files {
        d.write(&format!("artifacts/merged/{path}"), body);
    }
    let (out, v) = gate(&d, &["--evidence-dir", "artifacts/merged"]);
    assert_eq!(out.code, 0, "{v:#}");
    assert_eq!(status(&v, "step:qa")["evidence"][0], "unit.xml", "{v:#}");
    // Without merge-multiple: artifacts/split/<artifact name>/<files>.
    for (artifact, path, body) in &files {
        d.write(&format!("artifacts/split/{artifact}/{path}"), body);
    }
    let (out, v) = gate(&d, &["--evidence-dir", "artifacts/split"]);
    assert_eq!(out.code, 1);
    let qa = status(&v, "step:qa")["message"].as_str().unwrap().to_owned();
    assert!(
        qa.contains("but `evidence-unit/unit.xml` does: the artifact was downloaded into a folder of its own name")
            && qa.contains("merge-multiple: true"),
        "{qa}"
    );
    // A file in no folder at all keeps the plain advice.
    std::fs::remove_dir_all(d.path().join("artifacts/split/evidence-unit")).unwrap();
    let (_, v) = gate(&d, &["--evidence-dir", "artifacts/split"]);
    let qa = status(&v, "step:qa")["message"].as_str().unwrap().to_owned();
    assert!(qa.contains("upload it as an artifact that the gate job downloads into --evidence-dir"), "{qa}");
}
