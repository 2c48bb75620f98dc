//! The pre-commit hooks, run by the real `pre-commit` (from PyPI) against a temporary
//! repository that uses this checkout as its hook repository. pre-commit builds `plan` with
//! `cargo install` (language: rust), which takes minutes, so the default test command skips
//! this test and `.ci/run` runs it: `cargo test --test integration -- --ignored pre_commit`.

use crate::support::*;

fn pre_commit(d: &Dir, args: &[&str]) -> std::process::Output {
    let checkout = env!("CARGO_MANIFEST_DIR");
    std::process::Command::new("pre-commit")
        .args(args)
        .current_dir(d.path())
        // One shared build, cheap settings: the hooks' behaviour does not depend on them.
        .env("CARGO_TARGET_DIR", format!("{checkout}/target/pre-commit"))
        .env("CARGO_PROFILE_RELEASE_LTO", "false")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "0")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "256")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("PRE_COMMIT_HOME", format!("{checkout}/target/pre-commit-home"))
        .env("NO_COLOR", "1")
        .output()
        .expect("pre-commit is installed (python3 -m pip install pre-commit)")
}

#[test]
#[ignore = "pre-commit builds plan with cargo (minutes); .ci/run runs it"]
fn pre_commit_hooks_check_and_format_plans() {
    let checkout = env!("CARGO_MANIFEST_DIR");
    let rev = std::process::Command::new("git").args(["rev-parse", "HEAD"]).current_dir(checkout).output().unwrap();
    let rev = String::from_utf8_lossy(&rev.stdout).trim().to_owned();
    let d = Dir::git();
    d.write(
        ".pre-commit-config.yaml",
        format!("repos:\n  - repo: {checkout}\n    rev: {rev}\n    hooks:\n      - id: plan-check\n        args: [--now, \"2026-11-26\"]\n      - id: plan-fmt\n"),
    );
    // A plan that checks clean but is not formatted.
    d.write("support-plan.toml", example().replacen("availability_pct = 99.5", "availability_pct=99.5", 1));
    d.run_git(&["add", "-A"]);
    let first = pre_commit(&d, &["run", "--all-files"]);
    let log = format!("{}{}", String::from_utf8_lossy(&first.stdout), String::from_utf8_lossy(&first.stderr));
    assert_eq!(first.status.code(), Some(1), "plan-fmt rewrote the file, so the run fails: {log}");
    assert!(log.contains("plan check") && log.contains("Passed"), "{log}");
    assert!(log.contains("plan fmt") && log.contains("files were modified by this hook"), "{log}");
    assert!(d.read("support-plan.toml").contains("availability_pct = 99.5"));
    d.run_git(&["add", "-A"]);
    let second = pre_commit(&d, &["run", "--all-files"]);
    assert_eq!(second.status.code(), Some(0), "{}", String::from_utf8_lossy(&second.stdout));
    // A plan with an error fails plan-check.
    d.edit("support-plan.toml", "email = \"bob@acme.example.com\"", "email = \"bob at acme\"");
    d.run_git(&["add", "-A"]);
    let third = pre_commit(&d, &["run", "--all-files"]);
    let log = String::from_utf8_lossy(&third.stdout);
    assert_eq!(third.status.code(), Some(1));
    assert!(log.contains("error[contacts/format]"), "{log}");
}
