//! Bad input: each gets a clear error naming the file and line, and exit code 2, never a
//! panic.

use crate::support::*;

/// Checks a plan that must be invalid; returns the human output (stdout + stderr).
fn invalid(content: impl AsRef<[u8]>) -> String {
    let d = Dir::new();
    d.write("support-plan.toml", content);
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2, "stdout:\n{}\nstderr:\n{}", out.stdout, out.stderr);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    format!("{}{}", out.stdout, out.stderr)
}

fn example_with(from: &str, to: &str) -> String {
    replace_once(&example(), from, to)
}

#[test]
fn empty_file() {
    let out = invalid("");
    assert!(out.contains("error[schema/valid]: the plan is empty"), "{out}");
    assert!(out.contains("--> support-plan.toml:1:1"), "{out}");
    assert!(out.contains("plan init --list"), "{out}");
}

#[test]
fn text_that_is_not_toml() {
    let out = invalid("This is the support plan.\nIt lives in Word.\n");
    assert!(out.contains("error[schema/valid]: TOML syntax"), "{out}");
    assert!(out.contains("--> support-plan.toml:1:"), "{out}");
}

#[test]
fn binary_bytes() {
    let mut bytes = b"schema_version = 1\n".to_vec();
    bytes.extend([0xff, 0xfe, 0x00, 0x89, 0x50]);
    let out = invalid(bytes);
    assert!(out.contains("not valid UTF-8 (byte 19, line 2)"), "{out}");
    assert!(out.contains("--> support-plan.toml:2:1"), "{out}");
}

#[test]
fn a_50_mb_file_is_refused_unread() {
    let d = Dir::new();
    let f = std::fs::File::create(d.path().join("support-plan.toml")).unwrap();
    f.set_len(50 * 1024 * 1024).unwrap();
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("the file is 52428800 bytes; plans are limited to 1048576 bytes"), "{}", out.stdout);
}

#[test]
fn duplicate_keys() {
    let out = invalid(example_with(
        "title = \"Acme Billing Service\"",
        "title = \"Acme Billing Service\"\ntitle = \"Again\"",
    ));
    assert!(out.contains("duplicate key"), "{out}");
    assert!(out.contains("support-plan.toml:9:"), "{out}");
}

#[test]
fn wrong_type() {
    let out = invalid(example_with("min_approvals = 2", "min_approvals = \"two\""));
    assert!(out.contains("invalid type: string \"two\", expected u32"), "{out}");
    assert!(out.contains("min_approvals = \"two\""), "{out}");
}

#[test]
fn unknown_schema_version() {
    let out = invalid(example_with("schema_version = 1", "schema_version = 2"));
    assert!(out.contains("unknown schema_version 2; this build of plan reads schema_version 1"), "{out}");
    assert!(out.contains("support-plan.toml:3:18"), "{out}");
}

#[test]
fn a_date_that_does_not_exist() {
    let out = invalid(example_with("last_review = 2026-10-01", "last_review = 2026-02-30"));
    assert!(out.contains("2026-02-30"), "{out}");
    assert!(out.contains("support-plan.toml:"), "{out}");
}

#[test]
fn a_duration_in_words() {
    let out = invalid(example_with("acknowledge = \"15min\"", "acknowledge = \"15 minutes\""));
    assert!(out.contains("`15 minutes` is not a duration"), "{out}");
    assert!(out.contains("(\"15min\", \"4h\", \"1h30min\")"), "{out}");
    let line = example().lines().position(|l| l == "acknowledge = \"15min\"").unwrap() + 1;
    assert!(out.contains(&format!("support-plan.toml:{line}:15")), "{out}");
}

#[test]
fn a_percentage_of_150() {
    let out = invalid(example_with("availability_pct = 99.5", "availability_pct = 150"));
    assert!(out.contains("150 is not a percentage; use a number from 0 to 100"), "{out}");
}

#[test]
fn a_reference_to_a_contact_that_does_not_exist() {
    let out = invalid(example_with("refer_to = \"service-desk\"", "refer_to = \"service-dsk\""));
    assert!(out.contains("error[refs/resolve]: unknown contact `service-dsk`"), "{out}");
    assert!(out.contains("help: did you mean `service-desk`?"), "{out}");
    assert!(out.contains("refer_to = \"service-dsk\""), "{out}");
}

#[test]
fn a_reference_cycle() {
    let plan =
        example_with("[contacts.groups.review-board]\n", "[contacts.groups.review-board]\nincludes = [\"sre\"]\n");
    let out = invalid(plan);
    assert!(out.contains("error[refs/cycle]: groups include each other in a cycle"), "{out}");
}

#[test]
fn duplicate_ids_across_contacts() {
    let plan = format!(
        "{}\n[contacts.external.alice]\nname = \"Alice Ltd\"\nrole = \"Vendor\"\nemail = \"x@alice.example\"\n",
        example()
    );
    let out = invalid(plan);
    assert!(out.contains("error[refs/duplicate-id]: duplicate id `alice`: already used in contacts.people"), "{out}");
}

#[test]
fn unknown_key_with_a_suggestion() {
    let out = invalid(example_with("renewal_owner = \"finops\"", "renewal_ownr = \"finops\""));
    assert!(out.contains("unknown field `renewal_ownr`"), "{out}");
    assert!(out.contains("help: did you mean `renewal_owner`?"), "{out}");
    let line = example().lines().position(|l| l == "renewal_owner = \"finops\"").unwrap() + 1;
    assert!(out.contains(&format!("support-plan.toml:{line}:1")), "{out}");
}

#[test]
fn a_unit_mismatch_between_target_and_evidence() {
    let out = invalid(example_with(
        "metrics.monthly = { pointer = \"/totalMonthlyCost\", unit = \"EUR\" }",
        "metrics.monthly = { pointer = \"/totalMonthlyCost\", unit = \"USD\" }",
    ));
    assert!(out.contains("target is in EUR, but metric `infracost.monthly` is in USD"), "{out}");
    let out = invalid(example_with("target = \"500rps\"", "target = \"500ms\""));
    assert!(out.contains("target 500ms is a time, but metric `k6.rps` is a rate in rps"), "{out}");
}

#[test]
fn an_unknown_enum_value_suggests_the_closest() {
    let out = invalid(example_with("stage = \"ga\"", "stage = \"gaa\""));
    assert!(out.contains("unknown variant `gaa`"), "{out}");
    assert!(out.contains("did you mean `ga`?"), "{out}");
}

#[test]
fn an_na_section_takes_a_reason_only() {
    let plan = example().replacen(
        "[environment.hardware.prod-cluster]\n",
        "[environment.hardware]\nna = \"cloud\"\n[environment.hardware.prod-cluster]\n",
        1,
    );
    let out = invalid(plan);
    assert!(out.contains("a section marked `na` takes no other keys"), "{out}");
}

#[test]
fn one_bad_plan_does_not_hide_the_others() {
    let d = Dir::new();
    d.write("support-plan.toml", example());
    d.write("services/api/api.support-plan.toml", "schema_version = 1\n[plan]\nproduct = 3\n");
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.contains("services/api/api.support-plan.toml:"), "{}", out.stdout);
    assert!(out.stdout.contains("checked 2 plans"), "{}", out.stdout);
}

#[test]
fn a_misspelt_required_key_is_pointed_at() {
    let out = invalid(example_with("category = \"accuracy\"", "categroy = \"accuracy\""));
    assert!(out.contains("missing field `category`"), "{out}");
    assert!(out.contains("help: `categroy` is not a known key here; did you mean `category`?"), "{out}");
    let line = example().lines().position(|l| l == "category = \"accuracy\"").unwrap() + 1;
    assert!(out.contains(&format!("support-plan.toml:{line}:1")), "{out}");
}

/// Runs `plan ARGS` in `dir` with standard output going to `stdout`, for its exit code and
/// standard error.
fn plan_with_stdout(dir: &std::path::Path, args: &[&str], stdout: std::process::Stdio) -> (i32, String) {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .stdout(stdout)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // A pipe's reader that stops at once (`plan check | head -c 0`).
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stderr).into_owned())
}

/// The exit code is the answer, whoever reads the output: a reader that stops early
/// (`plan check | head` under `set -o pipefail`) must not see a failing plan pass, and a
/// full disk is an error (exit 2), not a panic.
#[test]
fn a_closed_or_full_standard_output_never_changes_the_answer() {
    let d = Dir::git();
    d.write("support-plan.toml", example_with("email = \"bob@acme.example.com\"", "email = \"bob at acme\""));
    d.write("svc/support-plan.toml", example().replace("product = \"acme-billing\"", "product = \"acme-api\""));
    d.run_git(&["add", "-A"]);
    d.commit("plans", 1);
    for format in ["human", "json"] {
        for (args, code) in [
            (vec!["check", "--rev", "HEAD", "--now", NOW, "--format", format], 1),
            (vec!["check", "--now", NOW, "--format", format], 1),
            (vec!["check", "--now", NOW, "--format", format, "--plan", "acme-api"], 0),
        ] {
            let (got, stderr) = plan_with_stdout(d.path(), &args, std::process::Stdio::piped());
            assert_eq!(got, code, "{args:?} with the reader gone: {stderr}");
            let full = std::fs::File::create("/dev/full").unwrap();
            let (got, stderr) = plan_with_stdout(d.path(), &args, full.into());
            assert_eq!(got, 2, "{args:?} to a full disk: {stderr}");
            assert!(stderr.contains("No space left on device") && !stderr.contains("panicked"), "{stderr}");
        }
    }
    // The log has no verdict: a reader that has seen enough ends it quietly.
    let (got, stderr) = plan_with_stdout(d.path(), &["log"], std::process::Stdio::piped());
    assert_eq!((got, stderr.as_str()), (0, ""));
}
