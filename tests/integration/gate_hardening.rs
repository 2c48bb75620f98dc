//! The release gate against the ways a first attack broke it: baselines across ungated
//! tags, what "clean" means to git, names that are not tags, evidence stamps in every
//! spelling, manifests that are not files, previews that knew more than they said.

use crate::gate::{attest, commit, fixture, gate, release_repo, status};
use crate::support::*;

fn next_release(d: &Dir, version: &str, day: u32) {
    d.write(
        &format!(".support-plan/approvals/{version}.toml"),
        d.read(".support-plan/approvals/1.0.0.toml").replace("1.0.0", version),
    );
    attest(d, &format!("prr-{version}"), "2026-11-23");
    attest(d, &format!("oncall-{version}"), "2026-11-23");
    commit(d, &format!("Records for {version}"), day);
    d.run_git(&["tag", "-a", &format!("v{version}"), "-m", version]);
}

fn errors(d: &Dir, n: f64) {
    d.write("evidence/synthetic-7d.json", format!(r#"{{"availability": 0.9995, "errors_per_10k": {n}}}"#));
}

/// A release that recorded nothing (blocked, or never gated) does not switch the baseline
/// off: the newest release that recorded results is the baseline, and is named.
#[test]
fn the_baseline_skips_releases_that_recorded_nothing() {
    let d = release_repo();
    errors(&d, 3.0);
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note", "-q"]).code, 0);
    next_release(&d, "1.1.0", 25); // tagged, never gated
    next_release(&d, "1.2.0", 26);
    errors(&d, 4.0);
    let out = d.plan(&["gate", "--tag", "v1.2.0", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let f = status(&v, "criterion:error-rate");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(f["message"].as_str().unwrap().ends_with("against v1.0.0"), "{f:#}");
    assert_eq!(out.code, 1);
}

/// A note for other plans (a monorepo gated plan by plan) is no baseline error for this one,
/// and recording adds this plan's results beside the others'.
#[test]
fn a_note_without_this_plan_is_not_an_error_and_recording_adds_to_it() {
    let d = release_repo();
    let other = serde_json::json!({
        "schema": "supportplan/results/v1",
        "plans": { "acme-search": { "version": "1.0.0", "product": "acme-search", "metrics": { "x.y": 1.0 } } }
    });
    d.run_git(&["notes", "--ref", "support-plan", "add", "-m", &other.to_string(), "v1.0.0^{commit}"]);
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note", "-q"]).code, 0);
    let note: serde_json::Value =
        serde_json::from_str(&d.run_git(&["notes", "--ref", "support-plan", "show", "v1.0.0^{commit}"])).unwrap();
    assert_eq!(note["plans"]["acme-search"]["metrics"]["x.y"], 1.0);
    assert_eq!(note["plans"]["acme-billing"]["metrics"]["synthetic.errors_per_10k"], 3.1);
    // A note entry that claims to be another product's is refused.
    let forged = serde_json::json!({
        "schema": "supportplan/results/v1",
        "plans": { "acme-billing": { "version": "9.9.9", "product": "acme-search", "metrics": { "synthetic.errors_per_10k": 99.0 } } }
    });
    d.run_git(&["notes", "--ref", "support-plan", "add", "-f", "-m", &forged.to_string(), "v1.0.0^{commit}"]);
    next_release(&d, "1.1.0", 25);
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let f = status(&v, "criterion:error-rate");
    assert_eq!(f["status"], "error");
    assert!(f["message"].as_str().unwrap().contains("says it is for another product"), "{f:#}");
}

#[test]
fn tag_must_name_a_tag() {
    let d = release_repo();
    d.run_git(&["branch", "v9.0.0"]);
    for name in ["v9.0.0", "v1.0.0~0", "HEAD"] {
        let out = d.plan(&["gate", "--tag", name, "--now", NOW]);
        assert_eq!(out.code, 2, "{name}");
        assert!(out.stderr.contains(&format!("no tag named `{name}`")), "{}", out.stderr);
    }
}

/// "Clean" is what git says: a checkout with eol attributes is clean; a submodule moved to
/// another commit is not.
#[test]
fn the_clean_tree_check_is_gits() {
    let d = release_repo();
    d.write(".gitattributes", "*.bat text eol=crlf\n");
    d.write("run.bat", "echo one\necho two\n");
    commit(&d, "a Windows script", 26);
    d.run_git(&["tag", "-f", "-a", "v1.0.0", "-m", "Release 1.0.0"]);
    std::fs::remove_file(d.path().join("run.bat")).unwrap();
    d.run_git(&["checkout", "--", "run.bat"]);
    assert!(d.read("run.bat").contains("\r\n"), "git wrote CRLF");
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_ne!(out.code, 2, "{}", out.stderr);
    // A submodule at another commit than the tag records.
    let sub = Dir::git();
    sub.write("lib.txt", "one\n");
    sub.commit("one", 1);
    d.run_git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        sub.path().to_str().unwrap(),
        "vendor/lib",
    ]);
    commit(&d, "vendor lib", 26);
    d.run_git(&["tag", "-f", "-a", "v1.0.0", "-m", "Release 1.0.0"]);
    assert_ne!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]).code, 2);
    std::fs::write(d.path().join("vendor/lib/lib.txt"), "two\n").unwrap();
    let git = |args: &[&str]| {
        std::process::Command::new("git").args(args).current_dir(d.path().join("vendor/lib")).output().unwrap()
    };
    git(&["-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qam", "two"]);
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("tracked files differ from v1.0.0 in the work tree (vendor/lib)"), "{}", out.stderr);
}

/// Every commit a JUnit file names must be the gated one, in any spelling; a manifest names
/// one commit, once, in a small regular file.
#[test]
fn evidence_stamps_in_every_spelling_and_manifests_that_are_not_files() {
    let d = release_repo();
    let tagged = d.run_git(&["rev-parse", "v1.0.0^{commit}"]).trim().to_owned();
    let other = "0123456789abcdef0123456789abcdef01234567";
    let with = |props: &str| {
        fixture("nextest-pass.xml").replacen(
            "<testsuite ",
            &format!("<testsuite ><properties>{props}</properties></testsuite><testsuite "),
            1,
        )
    };
    for props in [
        format!(r#"<property name="GITHUB_SHA" value="{other}"/><property name="commit" value="{tagged}"/>"#),
        format!(r#"<property name="commit">{other}</property>"#),
        format!(r#"<property name="COMMIT" value="{other}"/>"#),
        format!(r#"<property name="github_sha" value="{other}"/>"#),
    ] {
        d.write("evidence/unit.xml", with(&props));
        let (out, v) = gate(&d, &[]);
        assert_eq!(out.code, 1, "{props}");
        assert!(
            status(&v, "step:qa")["message"].as_str().unwrap().contains("produced from commit 0123456789abcdef"),
            "{props}"
        );
    }
    d.write("evidence/unit.xml", with(&format!(r#"<property name="commit">{tagged}</property>"#)));
    assert_eq!(gate(&d, &[]).0.code, 0);
    // Manifests: duplicate keys, a link to a device, a FIFO.
    d.write("evidence/unit.xml", fixture("nextest-pass.xml"));
    d.write("supportplan-evidence.json", format!(r#"{{"commit": "{other}", "commit": "{tagged}"}}"#));
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    assert!(status(&v, "step:qa")["message"].as_str().unwrap().contains("duplicate field `commit`"), "{v:#}");
    std::fs::remove_file(d.path().join("supportplan-evidence.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", d.path().join("supportplan-evidence.json")).unwrap();
    let (out, v) = gate(&d, &[]);
    assert_eq!(out.code, 1);
    assert!(
        status(&v, "step:qa")["message"]
            .as_str()
            .unwrap()
            .contains("is not a regular file inside the evidence directory")
    );
    std::fs::remove_file(d.path().join("supportplan-evidence.json")).unwrap();
    let fifo = std::process::Command::new("mkfifo").arg(d.path().join("supportplan-evidence.json")).status().unwrap();
    assert!(fifo.success());
    let (out, _) = gate(&d, &[]);
    assert_eq!(out.code, 1, "a FIFO is refused, never waited on");
}

/// What a pull request can already know, a preview says: a waiver for versions before the
/// newest release never applies again; a calendar version is only known at release.
#[test]
fn a_preview_decides_what_it_can_and_leaves_the_rest() {
    let d = release_repo();
    d.edit("evidence/k6-summary.json", "\"p(95)\": 236.8", "\"p(95)\": 262.5");
    d.write(
        ".support-plan/waivers.toml",
        "[waivers.old]\ncheck = \"criterion:p95-latency\"\nreason = \"Only the old line\"\napproved_by = [\"@alice\", \"dave\"]\ncreated = 2026-11-10\nexpires = 2027-01-15\nversions = \"<1.0.0\"\n",
    );
    commit(&d, "a waiver for old versions", 26);
    let out = d.plan(&["gate", "--preview", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    assert_eq!(status(&v, "criterion:p95-latency")["status"], "fail", "{v:#}");
    assert_eq!(out.code, 1);
    let human = d.plan(&["gate", "--preview", "--now", NOW]);
    assert!(human.stdout.contains("preview: would block"), "{}", human.stdout);
    // calver: the stand-in version is not judged.
    d.edit("support-plan.toml", "versioning = \"semver\"", "versioning = \"calver\"");
    commit(&d, "calver", 26);
    let out = d.plan(&["gate", "--preview", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(status(&v, "strategy/version")["status"], "at-release", "{v:#}");
}

/// Under `pull_request`, CI checks out the merge commit, so evidence stamped by CI names it;
/// the preview of the head accepts the merge commit whose parent the head is.
#[test]
fn a_preview_accepts_evidence_stamped_with_the_merge_commit() {
    let d = release_repo();
    d.run_git(&["checkout", "-q", "-b", "feature"]);
    d.write("notes.txt", "feature\n");
    let head = commit(&d, "feature work", 26);
    d.run_git(&["checkout", "-q", "main"]);
    d.write("other.txt", "main moved on\n");
    commit(&d, "main work", 26);
    d.run_git(&["merge", "-q", "--no-ff", "-m", "merge", "feature"]);
    let merge = d.run_git(&["rev-parse", "HEAD"]).trim().to_owned();
    d.write("supportplan-evidence.json", format!(r#"{{"commit": "{merge}"}}"#));
    let out = d.plan(&["gate", "--preview", "--rev", &head, "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    assert_eq!(status(&v, "step:qa")["status"], "pass", "{v:#}");
    // A commit that is not that merge is still foreign.
    d.write("supportplan-evidence.json", r#"{"commit": "0123456789abcdef"}"#);
    let out = d.plan(&["gate", "--preview", "--rev", &head, "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(status(&v, "step:qa")["status"], "error", "{v:#}");
}

/// Commands run at the repository root, whatever --evidence-dir is; a job summary that
/// cannot be written is a warning, not a different verdict; a missing evidence directory
/// is named.
#[test]
fn commands_summaries_and_evidence_dirs() {
    let plan = format!(
        "{}\n[release_process.steps.smoke]\nkind = \"command\"\nrun = [\"sh\", \"-c\", \"test -f support-plan.toml\"]\n",
        crate::gate::gate_plan()
    );
    let plan = plan.replacen("required_steps = [\"qa\",", "required_steps = [\"smoke\", \"qa\",", 1);
    let d2 = crate::gate::release_repo_with(&plan);
    std::fs::create_dir_all(d2.path().join("elsewhere/evidence")).unwrap();
    for entry in std::fs::read_dir(d2.path().join("evidence")).unwrap() {
        let entry = entry.unwrap();
        let copy = d2.path().join("elsewhere/evidence").join(entry.file_name());
        std::fs::copy(entry.path(), &copy).unwrap();
        pin_mtime(&copy, 0);
    }
    std::fs::create_dir_all(d2.path().join("elsewhere/e2e/results")).unwrap();
    std::fs::copy(d2.path().join("e2e/results/run-1.xml"), d2.path().join("elsewhere/e2e/results/run-1.xml")).unwrap();
    pin_mtime(&d2.path().join("elsewhere/e2e/results/run-1.xml"), 0);
    let out = d2.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--evidence-dir", "elsewhere", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    assert_eq!(status(&v, "step:smoke")["status"], "pass", "{v:#}");
    // An unwritable summary.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["gate", "--tag", "v1.0.0", "--now", NOW])
        .current_dir(d2.path())
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", "/nonexistent/dir/summary.md")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: the job summary was not written"));
    let out = d2.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--evidence-dir", "nope"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("--evidence-dir nope: not a directory"), "{}", out.stderr);
}

/// Matrix artifacts, each downloaded into its own folder: the advice is a glob that reads
/// them all, never a merge that would overwrite one with another.
#[test]
fn several_artifact_folders_get_glob_advice() {
    let d = release_repo();
    std::fs::remove_file(d.path().join("evidence/unit.xml")).unwrap();
    d.write("evidence/evidence-linux/evidence/unit.xml", fixture("nextest-pass.xml"));
    d.write("evidence/evidence-macos/evidence/unit.xml", fixture("nextest-fail.xml"));
    evidence_dir_advice(&d);
}

fn evidence_dir_advice(d: &Dir) {
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--format", "json", "--evidence-dir", "evidence"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let qa = status(&v, "step:qa")["message"].as_str().unwrap().to_owned();
    assert!(qa.contains("`evidence-linux/evidence/unit.xml`, `evidence-macos/evidence/unit.xml` do"), "{qa}");
    assert!(qa.contains("write the path as `*/evidence/unit.xml`"), "{qa}");
}

/// In a notes tree git has fanned out (`ab/cdef…`, as it does past a few hundred notes), a
/// recording goes where the note on that commit lives: one note per commit, always.
#[test]
fn recording_into_a_fanned_out_notes_tree_keeps_one_note_per_commit() {
    let d = release_repo();
    // 300 notes on 300 blobs make git fan the tree out.
    let ids: Vec<String> = (0..300)
        .map(|i| {
            let path = d.write(&format!("notes-src/{i}.txt"), format!("{i}\n"));
            d.run_git(&["hash-object", "-w", path.to_str().unwrap()]).trim().to_owned()
        })
        .collect();
    std::fs::remove_dir_all(d.path().join("notes-src")).unwrap();
    for id in &ids {
        d.run_git(&["notes", "--ref", "support-plan", "add", "-m", "x", id]);
    }
    let tagged = d.run_git(&["rev-parse", "v1.0.0^{commit}"]).trim().to_owned();
    let other = serde_json::json!({
        "schema": "supportplan/results/v1",
        "plans": { "acme-search": { "version": "1.0.0", "product": "acme-search", "metrics": { "x.y": 1.0 } } }
    });
    d.run_git(&["notes", "--ref", "support-plan", "add", "-m", &other.to_string(), &tagged]);
    let tree = d.run_git(&["ls-tree", "-r", "--name-only", "refs/notes/support-plan"]);
    assert!(tree.lines().any(|l| l.len() == 41 && l.as_bytes()[2] == b'/'), "git fanned the notes out");
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note", "-q"]).code, 0);
    let tree = d.run_git(&["ls-tree", "-r", "--name-only", "refs/notes/support-plan"]);
    let entries = tree.lines().filter(|l| l.replace('/', "") == tagged).count();
    assert_eq!(entries, 1, "{tree}");
    let note: serde_json::Value =
        serde_json::from_str(&d.run_git(&["notes", "--ref", "support-plan", "show", &tagged])).unwrap();
    assert!(note["plans"]["acme-search"].is_object() && note["plans"]["acme-billing"].is_object(), "{note:#}");
}

/// Only tags that are versions under the plan's tag_pattern are releases: a `vnext` tag
/// neither resets the "since the previous release" window nor hides a baseline.
#[test]
fn a_tag_that_is_no_version_is_no_release() {
    let d = release_repo();
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note", "-q"]).code, 0);
    d.edit("support-plan.toml", "target = \"250ms\"", "target = \"400ms\"");
    commit(&d, "loosen the latency target", 24);
    d.run_git(&["tag", "vnext"]);
    next_release(&d, "1.1.0", 25);
    let out = d.plan(&["gate", "--tag", "v1.1.0", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let f = status(&v, "strategy/plan-change-approved");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(f["message"].as_str().unwrap().contains("since v1.0.0"), "{f:#}");
}

/// A plan that moved keeps its baseline across a release that recorded nothing.
#[test]
fn a_moved_plan_keeps_its_baseline() {
    let d = release_repo();
    assert_eq!(d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note", "-q"]).code, 0);
    next_release(&d, "1.1.0", 25);
    d.run_git(&["mv", "support-plan.toml", "billing.support-plan.toml"]);
    next_release(&d, "1.2.0", 26);
    errors(&d, 9.9);
    let out = d.plan(&["gate", "--tag", "v1.2.0", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let f = status(&v, "criterion:error-rate");
    assert_eq!(f["status"], "fail", "{f:#}");
    assert!(f["message"].as_str().unwrap().ends_with("against v1.0.0"), "{f:#}");
}

/// Every mode checks that the work tree is the gated commit: --version with --rev, and a
/// preview (which also accepts the merge commit of a pull_request run); the comment's preview
/// refuses pull_request_target, where the work tree is the base.
#[test]
fn every_mode_checks_the_work_tree() {
    let d = release_repo();
    let tagged = d.run_git(&["rev-parse", "v1.0.0^{commit}"]).trim().to_owned();
    d.write("later.txt", "later\n");
    commit(&d, "later", 26);
    for args in [
        vec!["gate", "--version", "1.0.0", "--rev", "v1.0.0", "--now", NOW],
        vec!["gate", "--preview", "--rev", &tagged, "--now", NOW],
    ] {
        let out = d.plan(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert!(out.stderr.contains("not the gated commit"), "{args:?}: {}", out.stderr);
    }
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.9");
    let out = d.plan(&["gate", "--version", "1.0.1", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("tracked files differ"), "{}", out.stderr);
    let (base, head) = (d.run_git(&["rev-parse", "HEAD~1"]), d.run_git(&["rev-parse", "HEAD"]));
    let event = d.write(
        "event.json",
        format!(
            r#"{{"pull_request": {{"number": 7, "base": {{"sha": "{}"}}, "head": {{"sha": "{}"}}}}, "repository": {{"full_name": "acme/billing"}}}}"#,
            base.trim(),
            head.trim()
        ),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["comment", "--gate", "--dry-run", "--now", NOW])
        .current_dir(d.path())
        .env("GITHUB_EVENT_NAME", "pull_request_target")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", "acme/billing")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--gate cannot run under pull_request_target"));
}

/// An evidence directory that a committed link leads out of the repository is refused.
#[test]
fn an_evidence_dir_linked_out_of_the_repository_is_refused() {
    let d = release_repo();
    let outside = Dir::new();
    outside.write("k6-summary.json", fixture("k6-summary.json"));
    std::os::unix::fs::symlink(outside.path(), d.path().join("reports")).unwrap();
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--allow-dirty", "--evidence-dir", "reports"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("is a link that leads out of the repository"), "{}", out.stderr);
}

/// A note that cannot be recorded fails the run after the report is out.
#[test]
fn a_failed_recording_comes_after_the_report() {
    let d = release_repo();
    d.run_git(&["notes", "--ref", "support-plan", "add", "-m", "not json", "v1.0.0^{commit}"]);
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--record-note", "--format", "json"]);
    assert_eq!(out.code, 2);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("the report is printed first");
    assert_eq!(v["verdict"], "pass", "{v:#}");
    assert!(out.stderr.contains("not a supportplan results note"), "{}", out.stderr);
}

/// The bad-input corpus's gate plan with one criterion `t` (`ev.lines >= 80%`, LCOV), its
/// release record, and `extra` files; tagged v1.0.0.
fn coverage_release(extra: &[(&str, &str)]) -> Dir {
    let base =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/bad/gate-plan.toml")).unwrap();
    let d = Dir::git();
    d.write(
        "support-plan.toml",
        format!(
            "{base}\n[acceptance.criteria.t]\ncategory = \"performance\"\nkind = \"threshold\"\nmetric = \"ev.lines\"\nop = \">=\"\ntarget = \"80%\"\n\n[evidence.ev]\nkind = \"lcov\"\npath = \"cov.info\"\nmax_age = \"7d\"\n"
        ),
    );
    d.write(
        ".support-plan/approvals/1.0.0.toml",
        "version = \"1.0.0\"\nchange_ticket = { id = \"CHG0012345\", opened = 2026-11-10 }\n\n[steps.review-board]\ndecision = \"approved\"\napproved_by = [\"@alice\", \"dave\"]\ndate = 2026-11-20\n",
    );
    for (path, text) in extra {
        d.write(path, text);
    }
    d.write(".gitignore", "cov.info\n");
    d.commit_at("plan and records", "2026-11-20T10:00:00Z");
    d.run_git(&["tag", "v1.0.0"]);
    d
}

fn coverage(d: &Dir, percent: usize) {
    let lines: String = (1..=100).map(|i| format!("DA:{i},{}\n", usize::from(i <= percent))).collect();
    d.write("cov.info", format!("SF:a.c\n{lines}end_of_record\n"));
}

/// A waiver's bound lies on the side the criterion fails towards: for coverage >= 80% with
/// `ceiling = "75%"` it covers 78% (down to 75%), never 0%. It had worked backwards.
#[test]
fn a_waiver_bound_on_a_floor_criterion_is_a_floor() {
    let waiver = "[waivers.w1]\ncheck = \"criterion:t\"\nreason = \"coverage dips while the parser is rewritten; never below 75%\"\napproved_by = [\"alice\", \"dave\"]\ncreated = 2026-11-15\nexpires = 2026-12-15\nceiling = \"75%\"\n";
    let d = coverage_release(&[(".support-plan/waivers.toml", waiver)]);
    coverage(&d, 78);
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    coverage(&d, 0);
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(
        out.stdout.contains("covers `criterion:t` down to 75% only; the measurement is below it"),
        "{}",
        out.stdout
    );
}

/// Two files naming one product: the copy of the old plan would have hidden the weakened one.
/// `plan diff` reports both as breaking; the gate cannot evaluate.
#[test]
fn a_second_file_naming_the_product_hides_nothing() {
    let d = coverage_release(&[]);
    d.run_git(&["tag", "-d", "v1.0.0"]);
    d.run_git(&["tag", "v0.9.0"]);
    let plan = d.read("support-plan.toml");
    d.write("a/support-plan.toml", &plan);
    d.write("support-plan.toml", replace_once(&plan, "availability_pct = 99.5", "availability_pct = 10.0"));
    d.commit_at("weaken the SLA, keep a copy", "2026-11-20T11:00:00Z");
    d.run_git(&["tag", "v1.0.0"]);
    coverage(&d, 90);
    let out = d.plan(&["diff", "v0.9.0", "v1.0.0", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    let text = v.to_string();
    assert!(text.contains("is also the product of a/support-plan.toml: one product, one plan"), "{text}");
    assert!(v["plans"].as_array().unwrap().iter().all(|p| p["status"] != "moved"), "{text}");
    let out = d.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("both name product `acme-billing`"), "{}", out.stderr);
}

/// In a shallow clone (actions/checkout's default depth) no earlier release is in sight: the
/// plan-change approval would pass unjudged, so the gate cannot evaluate.
#[test]
fn a_shallow_clone_cannot_judge_the_plan_change() {
    let d = coverage_release(&[]);
    d.run_git(&["tag", "-d", "v1.0.0"]);
    d.run_git(&["tag", "v0.9.0"]);
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 90.0");
    d.commit_at("lower the SLA", "2026-11-20T11:00:00Z");
    d.run_git(&["tag", "v1.0.0"]);
    let shallow = Dir::new();
    let url = format!("file://{}", d.path().display());
    shallow.run_git(&["clone", "-q", "--depth", "1", "--branch", "v1.0.0", &url, "."]);
    coverage(&shallow, 90);
    let out = shallow.plan(&["gate", "--tag", "v1.0.0", "--now", NOW]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("this is a shallow clone") && out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
}
