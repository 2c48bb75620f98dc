//! Repositories as people really have them: linked worktrees, bare clones, submodules, refs
//! only in packed-refs, thousands of tags, no commit yet, a plan over the size limit,
//! case-only renames, `core.autocrlf`, and `.git` as a file. Each is built with the git CLI.

use crate::support::*;

fn tagged() -> Dir {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    d.run_git(&["tag", "-a", "v1.0.0", "-m", "1.0.0"]);
    d.edit("support-plan.toml", "restore = \"4h\"", "restore = \"8h\"");
    d.commit("slower restore", 2);
    d.run_git(&["tag", "-a", "v1.1.0", "-m", "1.1.0"]);
    d
}

/// The diff shows the restore time of `tagged` lengthened `from` → `to`, a breaking change.
fn restore_changed(out: &Output, from_to: &str) {
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let line = out.stdout.lines().find(|l| l.contains("responsibilities.response.p1.restore"));
    assert!(
        line.is_some_and(|l| l.contains(from_to) && l.contains("breaking: restore time lengthened")),
        "{}",
        out.stdout
    );
}

fn restore_weakened(out: &Output) {
    restore_changed(out, "4h → 8h");
}

#[test]
fn a_linked_worktree_reads_its_own_files_and_the_shared_history() {
    let d = tagged();
    let wt = Dir::new();
    let path = wt.path().join("wt");
    d.run_git(&["worktree", "add", "-q", "-b", "feature", path.to_str().unwrap(), "v1.0.0"]);
    let text = std::fs::read_to_string(path.join("support-plan.toml")).unwrap();
    std::fs::write(path.join("support-plan.toml"), replace_once(&text, "restore = \"4h\"", "restore = \"6h\""))
        .unwrap();
    // The work-tree side is the worktree's file, not the main checkout's.
    restore_changed(&run_plan(&path, &["diff", "v1.0.0"]), "4h → 6h");
    restore_weakened(&run_plan(&path, &["diff", "v1.0.0", "v1.1.0"]));
    let out = run_plan(&path, &["log"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("plan"), "{}", out.stdout);
    assert!(!out.stdout.contains("8h"), "the worktree's branch does not hold v1.1.0:\n{}", out.stdout);
}

#[test]
fn a_bare_clone_answers_everything_that_needs_no_work_tree() {
    let src = tagged();
    let bare = Dir::new();
    bare.run_git(&["clone", "-q", "--bare", src.path().to_str().unwrap(), "."]);
    restore_weakened(&bare.plan(&["diff", "v1.0.0", "v1.1.0"]));
    let out = bare.plan(&["check", "--rev", "v1.1.0", "--now", NOW]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let out = bare.plan(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()["commits"].as_array().unwrap().len(), 2);
    let out = bare.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(format!("{}{}", out.stdout, out.stderr).contains("bare repository"), "{}{}", out.stdout, out.stderr);
}

#[test]
fn a_real_submodule_is_skipped_and_its_plan_is_not_read_as_ours() {
    let lib = Dir::git();
    lib.write("support-plan.toml", example().replace("acme-billing", "vendored-lib"));
    lib.commit("lib plan", 1);
    let d = tagged();
    d.run_git(&[
        "-c",
        "protocol.file.allow=always",
        "submodule",
        "add",
        "-q",
        lib.path().to_str().unwrap(),
        "vendor/lib",
    ]);
    d.commit("vendor the lib", 3);
    let out = d.plan(&["check", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let products: Vec<&str> = v["plans"].as_array().unwrap().iter().filter_map(|p| p["product"].as_str()).collect();
    assert_eq!(products, ["acme-billing"], "{}", out.stdout);
    let out = d.plan(&["diff", "v1.1.0", "HEAD"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(!out.stdout.contains("vendored-lib"), "{}", out.stdout);
}

#[test]
fn refs_only_in_packed_refs_resolve() {
    let d = tagged();
    d.run_git(&["pack-refs", "--all", "--prune"]);
    d.run_git(&["gc", "-q"]);
    assert!(!d.path().join(".git/refs/tags/v1.0.0").exists());
    restore_weakened(&d.plan(&["diff", "v1.0.0", "v1.1.0"]));
    restore_weakened(&d.plan(&["diff", "refs/tags/v1.0.0", "main"]));
    // HEAD is v1.1.0 itself: the release before it is the base.
    let out = d.plan(&["diff", "--since-release", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["base"]["spec"], "v1.0.0", "{}", out.stdout);
}

#[test]
fn ten_thousand_tags_and_the_newest_release_is_still_the_one() {
    let d = tagged();
    let head = d.run_git(&["rev-parse", "HEAD~1"]).trim().to_owned();
    // Lightweight tags as a busy repository has them: release candidates (of v1.0.0, on its
    // commit), nightlies and other products' tags that are no release of this one, all in
    // packed-refs.
    let script: String = (0..10_000)
        .map(|i| match i % 3 {
            0 => format!("create refs/tags/v1.0.0-rc.{i} {head}\n"),
            1 => format!("create refs/tags/nightly-{i:05} {head}\n"),
            _ => format!("create refs/tags/other/v9.{i}.0 {head}\n"),
        })
        .collect();
    let script_path = d.write(".git/tags.txt", script);
    let stdin = std::fs::File::open(&script_path).unwrap();
    let status = std::process::Command::new("git")
        .args(["update-ref", "--stdin"])
        .current_dir(d.path())
        .stdin(stdin)
        .status()
        .unwrap();
    assert!(status.success());
    d.run_git(&["pack-refs", "--all", "--prune"]);
    assert_eq!(d.run_git(&["tag"]).lines().count(), 10_002);
    let out = d.plan(&["diff", "--since-release", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    // 3,334 release candidates share v1.0.0's commit: the release wins over its candidates.
    assert_eq!(v["base"]["spec"], "v1.0.0", "{}", out.stdout);
    restore_weakened(&d.plan(&["diff", "v1.0.0", "v1.1.0"]));
}

#[test]
fn an_unborn_head_checks_the_work_tree_and_refuses_what_needs_a_commit() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    for args in [&["diff"][..], &["log"], &["check", "--rev", "HEAD", "--now", NOW], &["diff", "--since-release"]] {
        let out = d.plan(args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        assert!(out.stderr.contains("no commits yet") || out.stderr.contains("HEAD"), "{args:?}: {}", out.stderr);
    }
}

#[test]
fn a_committed_plan_over_the_size_limit_does_not_load_at_that_revision() {
    let d = tagged();
    let mut big = example();
    while big.len() <= 1024 * 1024 {
        big.push_str("# padding padding padding padding padding padding padding padding padding padding\n");
    }
    d.write("support-plan.toml", &big);
    d.commit("a plan over the limit", 3);
    let out = d.plan(&["check", "--rev", "HEAD", "--now", NOW]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("plans are limited to 1048576 bytes"), "{}", out.stdout);
    assert!(out.stdout.contains("support-plan.toml"), "{}", out.stdout);
    let out = d.plan(&["diff", "v1.1.0", "HEAD", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
    assert_eq!(v["plans"][0]["status"], "does-not-load", "{}", out.stdout);
}

#[test]
fn a_case_only_rename_is_a_move_not_a_new_plan() {
    let d = tagged();
    d.run_git(&["mv", "support-plan.toml", "Billing.support-plan.toml"]);
    d.commit("rename", 3);
    d.run_git(&["mv", "Billing.support-plan.toml", "billing.support-plan.toml"]);
    d.commit("case-only rename", 4);
    let out = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["plans"][0]["status"], "moved", "{}", out.stdout);
    assert_eq!(v["plans"][0]["old_path"], "Billing.support-plan.toml");
    assert_eq!(v["plans"][0]["new_path"], "billing.support-plan.toml");
    assert_eq!(v["plans"].as_array().unwrap().len(), 1, "{}", out.stdout);
}

#[test]
fn crlf_in_the_work_tree_under_autocrlf_is_no_change() {
    let d = tagged();
    d.run_git(&["config", "core.autocrlf", "true"]);
    std::fs::remove_file(d.path().join("support-plan.toml")).unwrap();
    d.run_git(&["checkout", "--", "support-plan.toml"]);
    assert!(d.read("support-plan.toml").contains("\r\n"), "git wrote CRLF");
    let out = d.plan(&["diff", "HEAD", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["plans"].as_array().unwrap().len(), 0, "line endings are no semantic change:\n{}", out.stdout);
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // A real change under CRLF is still found, at the right line.
    d.edit("support-plan.toml", "restore = \"8h\"", "restore = \"12h\"");
    restore_changed(&d.plan(&["diff", "HEAD"]), "8h → 12h");
}

#[test]
fn dot_git_as_a_file_pointing_elsewhere() {
    let d = Dir::new();
    let gitdir = Dir::new();
    d.run_git(&["init", "-q", "-b", "main", "--separate-git-dir", gitdir.path().join("repo.git").to_str().unwrap()]);
    assert!(d.path().join(".git").is_file());
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    d.run_git(&["tag", "v1.0.0"]);
    d.edit("support-plan.toml", "restore = \"4h\"", "restore = \"8h\"");
    d.commit("slower restore", 2);
    restore_weakened(&d.plan(&["diff", "v1.0.0", "HEAD"]));
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // From a subfolder, as git does.
    std::fs::create_dir_all(d.path().join("docs")).unwrap();
    restore_weakened(&run_plan(&d.path().join("docs"), &["diff", "v1.0.0", "HEAD"]));
}

#[test]
fn a_folder_whose_name_is_not_utf8_is_named_not_silently_passed_over() {
    use std::os::unix::ffi::OsStrExt;
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let odd = d.path().join(std::ffi::OsStr::from_bytes(b"svc\xff"));
    std::fs::create_dir(&odd).unwrap();
    std::fs::write(odd.join("support-plan.toml"), example().replace("acme-billing", "svc-b")).unwrap();
    d.commit("two plans", 1);
    let out = d.plan(&["check", "--now", NOW]);
    assert!(out.stderr.contains("note: skipped svc\u{fffd}: it has a name that is not UTF-8"), "{}", out.stderr);
    // At a revision git reads it.
    let out = d.plan(&["check", "--rev", "HEAD", "--now", NOW, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["plans"].as_array().unwrap().len(), 2, "{}", out.stdout);
    // `plan log --plan` cannot follow a path it knows only with the bytes replaced: it says
    // so (exit 2) instead of listing nothing; the log of every plan lists the commit.
    let out = d.plan(&["log", "--plan", "svc-b"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("a path that is not UTF-8: `--plan` cannot follow it"), "{}", out.stderr);
    let out = d.plan(&["log"]);
    assert!(out.stdout.contains("svc-b: plan added svc\u{fffd}/support-plan.toml"), "{}", out.stdout);
}

/// gix reads refs from files only: a reftable repository would look empty (no HEAD, no
/// tags), so every command that reads history says why instead; the work tree is still
/// checked.
#[test]
fn a_reftable_repository_is_named_as_such_not_taken_for_an_empty_one() {
    let d = Dir::new();
    d.run_git(&["init", "-q", "-b", "main", "--ref-format=reftable"]);
    d.write("support-plan.toml", example());
    d.run_git(&["add", "-A"]);
    d.commit("plan", 1);
    d.run_git(&["tag", "v1.0.0"]);
    for args in [
        vec!["check", "--rev", "HEAD", "--now", NOW],
        vec!["diff", "v1.0.0", "HEAD"],
        vec!["log"],
        vec!["gate", "--tag", "v1.0.0", "--now", NOW],
    ] {
        let out = d.plan(&args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("keeps its refs in the reftable format"), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("git refs migrate --ref-format=files"), "{}", out.stderr);
    }
    assert_eq!(d.plan(&["check", "--now", NOW]).code, 0);
}

/// An alternates file naming the repository's own objects (git ignores it; gix refuses the
/// cycle): the repository is said to be there and unreadable, not missing.
#[test]
fn a_repository_gix_cannot_open_is_not_called_missing() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.run_git(&["add", "-A"]);
    d.commit("plan", 1);
    let objects = d.path().join(".git/objects");
    d.write(".git/objects/info/alternates", format!("{}\n", objects.display()));
    let out = d.plan(&["check", "--rev", "HEAD", "--now", NOW]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("could not be opened"), "{}", out.stderr);
    assert!(!out.stderr.contains("is not inside a git repository"), "{}", out.stderr);
}
