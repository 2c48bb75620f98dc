//! `plan log` on real repositories.

use crate::support::*;

/// The subjects of a JSON log's commits, newest first.
fn subjects(log: &serde_json::Value) -> Vec<&str> {
    log["commits"].as_array().unwrap().iter().map(|c| c["subject"].as_str().unwrap()).collect()
}

/// A JSON log entry's problems.
fn problems(commit: &serde_json::Value) -> Vec<&str> {
    commit["problems"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect()
}

fn history() -> Dir {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Add the billing plan", 1);
    d.write("README.md", "unrelated\n");
    d.commit("Unrelated change", 2);
    d.edit("support-plan.toml", "target = \"250ms\"", "target = \"200ms\"");
    d.commit("Tighten latency", 3);
    let text = d.read("support-plan.toml");
    std::fs::remove_file(d.path().join("support-plan.toml")).unwrap();
    d.write("billing/billing.support-plan.toml", replace_once(&text, "target = \"200ms\"", "target = \"250ms\""));
    d.commit("Move the plan and loosen latency again", 4);
    let api = example().replace("product = \"acme-billing\"", "product = \"acme-api\"");
    d.write("api/support-plan.toml", api);
    d.commit("Add the API plan", 5);
    d
}

#[test]
fn log_human() {
    let d = history();
    let out = d.plan(&["log"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("log_human", out.stdout);
}

#[test]
fn log_follows_one_plan_across_moves() {
    let d = history();
    let out = d.plan(&["log", "--plan", "acme-billing", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["schema"], "supportplan/log/v1");
    let subjects = subjects(&v);
    assert_eq!(subjects, ["Move the plan and loosen latency again", "Tighten latency", "Add the billing plan"]);
    let summary = v["commits"][0]["summary"][0].as_str().unwrap();
    assert_eq!(summary, "acme-billing: acceptance.criteria.p95-latency.target 200ms → 250ms (breaking) (+1 more)");
    assert_eq!(v["commits"][0]["author"], "Alice Smith");
    assert_eq!(v["commits"][0]["date"], "2026-10-04");
}

#[test]
fn log_of_a_range() {
    let d = history();
    let out = d.plan(&["log", "HEAD~3..HEAD~1"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let lines: Vec<&str> = out.stdout.lines().filter(|l| !l.starts_with(' ')).collect();
    assert_eq!(lines.len(), 2, "{}", out.stdout);
    assert!(lines[0].ends_with("Move the plan and loosen latency again"));
    assert!(lines[1].ends_with("Tighten latency"));
}

#[test]
fn log_in_a_shallow_clone_says_history_is_cut() {
    let d = history();
    let shallow = Dir::new();
    shallow.run_git(&["clone", "-q", "--depth", "2", &format!("file://{}", d.path().display()), "."]);
    let out = shallow.plan(&["log"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("Add the API plan"), "{}", out.stdout);
    assert!(!out.stdout.contains("Tighten latency"), "{}", out.stdout);
    assert!(out.stdout.contains("note: history is cut at "), "{}", out.stdout);
}

#[test]
fn log_of_an_unknown_plan() {
    let d = history();
    let out = d.plan(&["log", "--plan", "nope"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("no plan with product id `nope`"), "{}", out.stderr);
    // A plan removed since: the error says where its history is.
    d.run_git(&["rm", "-q", "billing/billing.support-plan.toml"]);
    d.commit("Retire the plan", 9);
    let out = d.plan(&["log", "--plan", "acme-billing"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("a plan removed before it is listed by `plan log` without `--plan`"), "{}", out.stderr);
    let every = d.plan(&["log"]);
    assert!(every.stdout.contains("acme-billing: plan removed billing/billing.support-plan.toml"), "{}", every.stdout);
}

/// With a commit-graph holding changed-path Bloom filters, `plan log --plan` skips the commits
/// they rule out — and lists exactly what it lists without them.
#[test]
fn changed_path_filters_change_nothing_in_the_log() {
    let d = Dir::git();
    d.write("svc/support-plan.toml", example());
    d.commit("plan", 1);
    let mut hours = 4;
    for day in 2..20 {
        if day % 3 == 0 {
            d.edit(
                "svc/support-plan.toml",
                &format!("restore = \"{hours}h\""),
                &format!("restore = \"{}h\"", hours + 1),
            );
            hours += 1;
        }
        d.write("src/lib.rs", format!("// {day}\n"));
        d.commit(&format!("change {day}"), day);
    }
    let without = d.plan(&["log", "--plan", "acme-billing", "--format", "json"]);
    d.run_git(&["commit-graph", "write", "--reachable", "--changed-paths"]);
    assert!(d.path().join(".git/objects/info/commit-graph").is_file());
    let with = d.plan(&["log", "--plan", "acme-billing", "--format", "json"]);
    assert_eq!(with.code, 0, "{}", with.stderr);
    assert_eq!(with.stdout, without.stdout);
    let v: serde_json::Value = serde_json::from_str(&with.stdout).unwrap();
    assert_eq!(v["commits"].as_array().unwrap().len(), 7, "{}", with.stdout);
}

/// A commit that edits a plan and adds a second file naming the same product is listed, with
/// both files as problems (the two cannot be paired, so neither is believed); `--plan` on a
/// tip where two files name the product refuses instead of following one of them.
#[test]
fn a_commit_that_adds_a_second_file_for_a_product_is_listed_with_both_as_problems() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Add the billing plan", 1);
    d.edit("support-plan.toml", "target = \"250ms\"", "target = \"200ms\"");
    d.write("d/support-plan.toml", example());
    d.commit("Edit and copy", 2);
    let out = d.plan(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let first = &v["commits"][0];
    assert_eq!(first["subject"], "Edit and copy", "{}", out.stdout);
    let problems = problems(first);
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert!(problems[0].starts_with("d/support-plan.toml: does not load at "), "{problems:?}");
    assert!(
        problems[0].ends_with("product `acme-billing` is also the product of support-plan.toml: one product, one plan")
    );
    assert!(problems[1].starts_with("support-plan.toml: does not load at "), "{problems:?}");
    let out = d.plan(&["log", "--plan", "acme-billing"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("`acme-billing` is the product of d/support-plan.toml and support-plan.toml at HEAD"),
        "{}",
        out.stderr
    );
}

/// An object missing in the middle of history, once the JSON log has started: stdout is still
/// one JSON document (the commits so far, then `error`), the exit code 2, and stderr says which
/// object, with the fix.
#[test]
fn a_missing_object_mid_log_closes_the_json_document_with_the_error() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Add the billing plan", 1);
    d.edit("support-plan.toml", "target = \"250ms\"", "target = \"200ms\"");
    d.commit("Tighten latency", 2);
    // Loose objects: delete the first version of the plan.
    let blob = d.run_git(&["rev-parse", "HEAD~1:support-plan.toml"]).trim().to_owned();
    std::fs::remove_file(d.path().join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    for args in [&["log", "--format", "json"][..], &["log", "--plan", "acme-billing", "--format", "json"][..]] {
        let out = d.plan(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        let v: serde_json::Value = serde_json::from_str(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON document ({e}): {}", out.stdout));
        assert_eq!(v["schema"], "supportplan/log/v1");
        assert!(v["commits"].is_array());
        let message = v["error"]["message"].as_str().unwrap();
        assert!(message.contains(&format!("object {} is missing", &blob[..12])), "{message}");
        assert!(out.stderr.contains("git fsck"), "{}", out.stderr);
    }
}

/// The log is written as history is walked. With `-n`, the walk stops once enough commits
/// are found: a commit object missing 600 commits down is never read. Without it, the
/// commits found before the gap are written, then the error closes the document.
#[test]
fn the_log_is_written_as_history_is_walked_and_n_stops_the_walk() {
    let d = Dir::git();
    let plan = example();
    let tight = replace_once(&plan, "target = \"250ms\"", "target = \"200ms\"");
    let mut stream = String::new();
    for i in 1..=600u32 {
        stream += &format!(
            "commit refs/heads/main\nmark :{i}\nauthor Alice <a@example.com> {t} +0000\n\
             committer Alice <a@example.com> {t} +0000\ndata 7\nc{i:05}\n\n",
            t = 1_790_000_000 + i * 60
        );
        if i > 1 {
            stream += &format!("from :{}\n", i - 1);
        }
        let (path, text) = match i {
            1 => ("support-plan.toml", plan.clone()),
            600 => ("support-plan.toml", tight.clone()),
            _ => ("notes.txt", format!("{i}\n")),
        };
        stream += &format!("M 100644 inline {path}\ndata {}\n{text}\n", text.len());
    }
    d.fast_import(&(stream + "done\n"));
    let root = d.run_git(&["rev-list", "--max-parents=0", "main"]).trim().to_owned();
    std::fs::remove_file(d.path().join(".git/objects").join(&root[..2]).join(&root[2..])).unwrap();
    let out = d.plan(&["log", "-n", "1", "--format", "json", "main"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(subjects(&v), ["c00600"]);
    assert!(v["commits"][0]["summary"][0].as_str().unwrap().contains("latency"), "{}", out.stdout);
    let out = d.plan(&["log", "-n", "1", "main"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.lines().next().unwrap().ends_with("c00600"), "{}", out.stdout);
    let out = d.plan(&["log", "--plan", "acme-billing", "-n", "1", "--format", "json", "main"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(subjects(&v), ["c00600"]);
    // The whole log reaches the gap: what came before it is written, then the error.
    let out = d.plan(&["log", "--format", "json", "main"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(subjects(&v), ["c00600"]);
    // The error names the commit that is gone.
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains(&root[..12]), "{message}");
    assert!(out.stderr.contains("git fsck"), "{}", out.stderr);
}

/// A commit that only adds a second file for a product, leaving the first file alone, is no
/// plan "added": both files are problems at that commit. Removing it again is no "removed".
#[test]
fn a_second_file_added_beside_an_unchanged_plan_is_listed_as_a_problem() {
    let d = Dir::git();
    d.write("support-plan.toml", example().replacen("product = \"acme-billing\"", "product = 'acme-billing'", 1));
    d.commit("Add the billing plan", 1);
    d.write("d/support-plan.toml", example());
    d.commit("Copy the plan", 2);
    std::fs::remove_file(d.path().join("d/support-plan.toml")).unwrap();
    d.commit("Remove the copy", 3);
    let out = d.plan(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let commits = v["commits"].as_array().unwrap();
    assert_eq!(commits.len(), 3, "{}", out.stdout);
    for (c, subject) in commits[..2].iter().zip(["Remove the copy", "Copy the plan"]) {
        assert_eq!(c["subject"], subject);
        assert_eq!(c["plans"], serde_json::json!([]), "{}", out.stdout);
        let problems = problems(c);
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems[0].starts_with("d/support-plan.toml: does not load at ")
                && problems[0].ends_with(
                    "product `acme-billing` is also the product of support-plan.toml: one product, one plan"
                ),
            "{problems:?}"
        );
    }
}

/// `--plan` follows a file moved while it does not load (the pair cannot be matched by
/// product then): the commits before the move are still in its history, however the broken
/// file writes its product.
#[test]
fn plan_history_goes_on_across_a_move_made_while_the_plan_does_not_load() {
    let spellings = [
        ("product = \"acme-billing\"", "[plan]"),
        ("product = 'acme-billing'", "[plan]"),
        ("\"product\" = \"acme-\\u0062illing\"", "[plan]"),
        ("product = \"acme-billing\"", "[ plan ]"),
    ];
    for (line, header) in spellings {
        let plan = example().replacen("product = \"acme-billing\"", line, 1).replacen("[plan]", header, 1);
        let d = Dir::git();
        d.write("a/support-plan.toml", &plan);
        d.commit("1 add", 1);
        let tightened = plan.replacen("target = \"250ms\"", "target = \"200ms\"", 1);
        d.write("a/support-plan.toml", &tightened);
        d.commit("2 tighten", 2);
        d.write("a/support-plan.toml", format!("{tightened}garbage\n"));
        d.commit("3 break", 3);
        d.write("b/support-plan.toml", d.read("a/support-plan.toml"));
        std::fs::remove_file(d.path().join("a/support-plan.toml")).unwrap();
        d.commit("4 move while broken", 4);
        d.write("b/support-plan.toml", &tightened);
        d.commit("5 fix", 5);
        d.write("src/lib.rs", "// unrelated\n");
        d.commit("6 unrelated", 6);
        let out = d.plan(&["log", "--plan", "acme-billing", "--format", "json"]);
        assert_eq!(out.code, 0, "{line}: {}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let subjects = subjects(&v);
        assert_eq!(subjects, ["5 fix", "4 move while broken", "3 break", "2 tighten", "1 add"], "{line} {header}");
    }
}

/// Following one plan: a commit that adds its file together with a second file for the same
/// product lists both as problems at that commit (and claims nothing about its parent).
#[test]
fn following_a_plan_sees_a_second_file_added_beside_it() {
    let d = Dir::git();
    d.write("README.md", "x\n");
    d.commit("Start", 1);
    d.write("a/support-plan.toml", example());
    d.write("b/support-plan.toml", example().replacen("target = \"250ms\"", "target = \"900ms\"", 1));
    d.commit("Add the plan twice", 2);
    std::fs::remove_file(d.path().join("b/support-plan.toml")).unwrap();
    d.commit("Remove the copy", 3);
    let out = d.plan(&["log", "--plan", "acme-billing", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let commits = v["commits"].as_array().unwrap();
    let added = commits.iter().find(|c| c["subject"] == "Add the plan twice").expect(&out.stdout);
    let sha = added["id"].as_str().unwrap();
    let problems = problems(added);
    assert_eq!(problems.len(), 2, "{problems:?}");
    for p in &problems {
        assert!(p.contains(&format!("does not load at {}", &sha[..12])), "{p}");
        assert!(p.contains("is also the product of"), "{p}");
    }
    assert_eq!(added["plans"], serde_json::json!([]), "{}", out.stdout);
}

/// A clean merge of a branch that edited the plan while the main line edited other keys of
/// it made no change of its own: only the two commits are listed. A merge that settles a key
/// on a value neither side had is listed, with that key only.
#[test]
fn a_merge_reports_only_the_keys_it_changed_itself() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Add the plan", 1);
    d.run_git(&["checkout", "-q", "-b", "side"]);
    d.edit("support-plan.toml", "target = \"250ms\"", "target = \"300ms\"");
    d.commit("Loosen latency on the side", 2);
    d.run_git(&["checkout", "-q", "main"]);
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.9");
    d.commit("Raise the SLA on main", 3);
    d.run_git(&["merge", "-q", "--no-edit", "side", "-m", "Merge side"]);
    let out = d.plan(&["log", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(subjects(&v), ["Raise the SLA on main", "Loosen latency on the side", "Add the plan"], "{}", out.stdout);
    // The merge settles latency on a third value: that key is its own change, the SLA is not.
    d.run_git(&["reset", "-q", "--hard", "HEAD~1"]);
    d.run_git(&["merge", "-q", "--no-commit", "side"]);
    d.edit("support-plan.toml", "target = \"300ms\"", "target = \"280ms\"");
    d.run_git(&["commit", "-q", "-am", "Merge side, latency settled"]);
    let out = d.plan(&["log", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let merge = &v["commits"][0];
    assert_eq!(merge["subject"], "Merge side, latency settled", "{}", out.stdout);
    let paths: Vec<&str> =
        merge["plans"][0]["changes"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["acceptance.criteria.p95-latency.target"], "{}", out.stdout);
}

/// A merge whose other parent has the plan's path as a symbolic link (which the log never
/// reads as a plan) keeps the change the merge made: it is listed, and the log goes on.
#[test]
fn a_merge_beside_a_symlinked_plan_is_listed_and_the_log_goes_on() {
    let d = Dir::git();
    d.write("x.support-plan.toml", example());
    d.write("y.support-plan.toml", example().replace("acme-billing", "acme-y"));
    d.commit("Two plans", 1);
    d.run_git(&["checkout", "-q", "-b", "side"]);
    std::fs::remove_file(d.path().join("x.support-plan.toml")).unwrap();
    std::os::unix::fs::symlink("y.support-plan.toml", d.path().join("x.support-plan.toml")).unwrap();
    d.commit("x becomes a link", 2);
    d.run_git(&["checkout", "-q", "main"]);
    d.edit("y.support-plan.toml", "target = \"250ms\"", "target = \"300ms\"");
    d.commit("Loosen y", 3);
    d.run_git(&["merge", "-q", "--no-commit", "-s", "ours", "side"]);
    d.edit("x.support-plan.toml", "target = \"250ms\"", "target = \"280ms\"");
    d.run_git(&["commit", "-q", "-am", "Merge side, x loosened"]);
    let out = d.plan(&["log", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(subjects(&v)[0], "Merge side, x loosened", "{}", out.stdout);
    assert!(subjects(&v).contains(&"Two plans"), "{}", out.stdout);
    let merge = &v["commits"][0];
    assert_eq!(merge["plans"][0]["product"], "acme-billing", "{}", out.stdout);
    let paths: Vec<&str> =
        merge["plans"][0]["changes"].as_array().unwrap().iter().map(|c| c["path"].as_str().unwrap()).collect();
    assert_eq!(paths, ["acceptance.criteria.p95-latency.target"], "{}", out.stdout);
}

/// A merge that takes the side branch's plan where the main line had something else at its
/// path (a symbolic link, a file over the size limit) made no change of its own: the side's
/// commit reports the edit, with `--plan` as without it, and the merge is not listed as
/// adding the plan.
#[test]
fn a_merge_taking_the_plan_over_a_symlink_on_the_main_line_adds_nothing() {
    for main_line in ["link", "oversized"] {
        let d = Dir::git();
        d.write("x.support-plan.toml", example());
        d.write("README.md", "readme\n");
        d.commit("Plan", 1);
        d.run_git(&["checkout", "-q", "-b", "side"]);
        d.edit("x.support-plan.toml", "target = \"250ms\"", "target = \"280ms\"");
        d.commit("Loosen on the side", 2);
        d.run_git(&["checkout", "-q", "main"]);
        std::fs::remove_file(d.path().join("x.support-plan.toml")).unwrap();
        match main_line {
            "link" => std::os::unix::fs::symlink("README.md", d.path().join("x.support-plan.toml")).unwrap(),
            _ => drop(d.write("x.support-plan.toml", "# padding\n".repeat(120_000))),
        }
        d.commit("Plan replaced", 3);
        // The merge takes the side's tree whole: its plan file, byte for byte.
        d.run_git(&["merge", "-q", "--no-commit", "-s", "ours", "side"]);
        d.run_git(&["read-tree", "-u", "--reset", "side"]);
        d.run_git(&["commit", "-q", "-m", "Merge side"]);
        let side_blob = d.run_git(&["rev-parse", "side:x.support-plan.toml"]);
        assert_eq!(d.run_git(&["rev-parse", "HEAD:x.support-plan.toml"]), side_blob);
        for args in [&["log", "--format", "json"][..], &["log", "--plan", "acme-billing", "--format", "json"]] {
            let out = d.plan(args);
            assert_eq!(out.code, 0, "{main_line} {args:?}: {}{}", out.stdout, out.stderr);
            let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
            assert_eq!(
                subjects(&v),
                ["Plan replaced", "Loosen on the side", "Plan"],
                "{main_line} {args:?}: {}",
                out.stdout
            );
        }
        // `--first-parent` follows the main line: there the merge does bring the plan back.
        let out = d.plan(&["log", "--plan", "acme-billing", "--first-parent", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(subjects(&v)[0], "Merge side", "{main_line}: {}", out.stdout);
    }
}

/// One side moves the plan while the other edits it: `--plan` lists the edits made at the
/// old path on the other branch (they are not older than the move), and the merge, which
/// made no change of its own, is listed by neither log. Either way round.
#[test]
fn a_plan_moved_on_one_branch_and_edited_on_the_other_is_followed_on_both() {
    for moved_on_side in [true, false] {
        let d = Dir::git();
        d.write("support-plan.toml", example());
        d.commit("Plan", 1);
        let (mover, editor) = if moved_on_side { ("side", "main") } else { ("main", "side") };
        d.run_git(&["branch", "side"]);
        d.run_git(&["checkout", "-q", mover]);
        d.run_git(&["mv", "support-plan.toml", "acme.support-plan.toml"]);
        d.commit("Move the plan", 2);
        d.run_git(&["checkout", "-q", editor]);
        d.edit("support-plan.toml", "stage = \"ga\"", "stage = \"beta\"");
        d.commit("Back to beta", 3);
        d.edit("support-plan.toml", "target = \"250ms\"", "target = \"300ms\"");
        d.commit("Loosen latency", 4);
        d.run_git(&["checkout", "-q", "main"]);
        d.run_git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
        assert!(d.path().join("acme.support-plan.toml").exists());
        let every = d.plan(&["log", "--format", "json"]);
        let one = d.plan(&["log", "--plan", "acme-billing", "--format", "json"]);
        assert_eq!((every.code, one.code), (0, 0), "{}{}", every.stderr, one.stderr);
        let parse = |out: &Output| serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap();
        let (every, one) = (parse(&every), parse(&one));
        let expected = ["Loosen latency", "Back to beta", "Move the plan", "Plan"];
        assert_eq!(subjects(&one), expected, "moved on side {moved_on_side}: {one:#}");
        assert_eq!(subjects(&every), expected, "moved on side {moved_on_side}: {every:#}");
        assert_eq!(one["commits"], every["commits"], "moved on side {moved_on_side}");
    }
}

/// `plan log --plan acme-billing` and the log of every plan, with the same arguments, list the
/// same commits for that product with the same changes: the subjects, newest first.
fn agreeing_logs(d: &Dir, args: &[&str]) -> Vec<String> {
    let run = |plan: bool| {
        let mut all = vec!["log", "--format", "json"];
        if plan {
            all.extend(["--plan", "acme-billing"]);
        }
        all.extend(args);
        let out = d.plan(&all);
        assert_eq!(out.code, 0, "{all:?}: {}{}", out.stdout, out.stderr);
        serde_json::from_str::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (one, every) = (run(true), run(false));
    let of_product = |v: &serde_json::Value| -> Vec<(String, serde_json::Value)> {
        v["commits"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| {
                let plans: Vec<_> =
                    c["plans"].as_array().unwrap().iter().filter(|p| p["product"] == "acme-billing").cloned().collect();
                (!plans.is_empty()).then(|| (c["subject"].as_str().unwrap().to_owned(), serde_json::json!(plans)))
            })
            .collect()
    };
    assert_eq!(of_product(&one), of_product(&every), "{args:?}\n--plan: {one:#}\nevery plan: {every:#}");
    of_product(&one).into_iter().map(|(s, _)| s).collect()
}

/// Moves `--plan` must see through, each checked against the log of every plan: a range
/// starting after a move the side branch did not have; both branches moving the plan to
/// different paths; the plan moved onto a path another product held; a plan that does not
/// load at the tip.
#[test]
fn plan_follows_moves_the_way_the_log_of_every_plan_sees_them() {
    // A range after the main line's move: the side's edit at the old path is in it.
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Plan", 1);
    d.run_git(&["checkout", "-q", "-b", "side"]);
    d.edit("support-plan.toml", "stage = \"ga\"", "stage = \"beta\"");
    d.commit("Side: back to beta", 2);
    d.run_git(&["checkout", "-q", "main"]);
    d.run_git(&["mv", "support-plan.toml", "svc.support-plan.toml"]);
    d.commit("Main: move", 3);
    d.run_git(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"]);
    assert_eq!(agreeing_logs(&d, &["main~1..main"]), ["Side: back to beta"]);
    assert_eq!(agreeing_logs(&d, &[]), ["Main: move", "Side: back to beta", "Plan"]);

    // Both branches move it, to different paths; the merge keeps the main line's path and
    // the side's edit made after its own move.
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Plan", 1);
    d.run_git(&["checkout", "-q", "-b", "side"]);
    d.run_git(&["mv", "support-plan.toml", "s.support-plan.toml"]);
    d.commit("Side: move", 2);
    d.edit("s.support-plan.toml", "stage = \"ga\"", "stage = \"beta\"");
    d.commit("Side: back to beta", 3);
    d.run_git(&["checkout", "-q", "main"]);
    d.run_git(&["mv", "support-plan.toml", "m.support-plan.toml"]);
    d.commit("Main: move", 4);
    d.run_git(&["merge", "-q", "--no-commit", "-s", "ours", "side"]);
    d.write("m.support-plan.toml", d.read("m.support-plan.toml").replace("stage = \"ga\"", "stage = \"beta\""));
    d.run_git(&["add", "-A"]);
    d.run_git(&["commit", "-q", "-m", "Merge side"]);
    assert_eq!(agreeing_logs(&d, &[]), ["Main: move", "Side: back to beta", "Side: move", "Plan"]);

    // Moved onto the path another product held (which moved away in the same commit).
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Plan", 1);
    d.edit("support-plan.toml", "stage = \"ga\"", "stage = \"beta\"");
    d.commit("Back to beta", 2);
    d.write("other.support-plan.toml", example().replace("acme-billing", "acme-other"));
    d.commit("Other plan", 3);
    d.run_git(&["mv", "other.support-plan.toml", "elsewhere.support-plan.toml"]);
    d.run_git(&["mv", "support-plan.toml", "other.support-plan.toml"]);
    d.commit("Swap paths", 4);
    d.edit("other.support-plan.toml", "target = \"250ms\"", "target = \"300ms\"");
    d.commit("Loosen latency", 5);
    assert_eq!(agreeing_logs(&d, &[]), ["Loosen latency", "Swap paths", "Back to beta", "Plan"]);

    // The root commit adds both plans; the plan later moves onto the other's path. The root
    // is found by both paths and summarised with both.
    let d1 = Dir::git();
    d1.write("p1/support-plan.toml", example());
    d1.write("o/support-plan.toml", example().replace("acme-billing", "acme-other"));
    d1.commit("Both plans", 1);
    d1.run_git(&["mv", "o/support-plan.toml", "o2.support-plan.toml"]);
    d1.run_git(&["mv", "p1/support-plan.toml", "o/support-plan.toml"]);
    d1.commit("Swap paths", 2);
    assert_eq!(agreeing_logs(&d1, &[]), ["Swap paths", "Both plans"]);

    // A range: on the merged branch the tip's path holds another product's plan, and the
    // plan is elsewhere there. Also a plan whose bytes are not UTF-8 moved while broken.
    let d2 = Dir::git();
    d2.write("o/support-plan.toml", example().replace("acme-billing", "acme-other"));
    d2.commit("Other plan", 1);
    d2.write("p1/support-plan.toml", example());
    d2.commit("Plan", 2);
    d2.run_git(&["checkout", "-q", "-b", "side"]);
    d2.run_git(&["mv", "p1/support-plan.toml", "p2.support-plan.toml"]);
    d2.commit("Side: move", 3);
    d2.edit("p2.support-plan.toml", "stage = \"ga\"", "stage = \"beta\"");
    d2.commit("Side: back to beta", 4);
    d2.run_git(&["checkout", "-q", "main"]);
    d2.run_git(&["mv", "o/support-plan.toml", "o2.support-plan.toml"]);
    d2.run_git(&["mv", "p1/support-plan.toml", "o/support-plan.toml"]);
    d2.commit("Main: swap", 5);
    d2.run_git(&["merge", "-q", "--no-commit", "-s", "ours", "side"]);
    d2.edit("o/support-plan.toml", "stage = \"ga\"", "stage = \"beta\"");
    d2.run_git(&["commit", "-q", "-am", "Merge side"]);
    assert_eq!(agreeing_logs(&d2, &["side~1..main"]), ["Main: swap", "Side: back to beta"]);
    let mut bytes = d2.read("o/support-plan.toml").into_bytes();
    bytes.extend(b"# \xff\n");
    std::fs::write(d2.path().join("o/support-plan.toml"), bytes).unwrap();
    d2.commit("Break its encoding", 6);
    d2.run_git(&["mv", "o/support-plan.toml", "final.support-plan.toml"]);
    d2.commit("Move while broken", 7);
    d2.write("final.support-plan.toml", d2.read("o2.support-plan.toml").replace("acme-other", "acme-billing"));
    d2.commit("Mend it", 8);
    let names = agreeing_logs(&d2, &[]);
    assert_eq!(names.last().map(String::as_str), Some("Plan"), "{names:?}");

    // At the tip the plan does not load: it is followed by the file that names it.
    d.write("other.support-plan.toml", d.read("other.support-plan.toml") + "zz = = 1\n");
    d.commit("Break it", 6);
    let out = d.plan(&["log", "--plan", "acme-billing", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(subjects(&v), ["Break it", "Loosen latency", "Swap paths", "Back to beta", "Plan"], "{}", out.stdout);
}

/// An object missing in the middle of history ends the log exactly there: every commit
/// before it is written (not only those of earlier batches of 256), and `-n` that stops
/// before it succeeds.
#[test]
fn a_missing_tree_ends_the_log_where_it_is_and_n_before_it_succeeds() {
    let d = Dir::git();
    let plan = example();
    let mut stream = String::new();
    for i in 1..=400u32 {
        stream += &format!(
            "commit refs/heads/main\nmark :{i}\ncommitter Alice <a@example.com> {} +0000\ndata 6\nc{i:04}\n",
            1_790_000_000 + i * 60
        );
        if i > 1 {
            stream += &format!("from :{}\n", i - 1);
        }
        let text = replace_once(&plan, "target = \"250ms\"", &format!("target = \"{}ms\"", 100 + i));
        stream += &format!("M 100644 inline support-plan.toml\ndata {}\n{text}\n", text.len());
    }
    d.fast_import(&(stream + "done\n"));
    // Every object loose, then the tree of commit 100 (main~300) deleted.
    let pack_dir = d.path().join(".git/objects/pack");
    for entry in std::fs::read_dir(&pack_dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "pack") {
            let moved = d.path().join("moved.pack");
            std::fs::rename(&path, &moved).unwrap();
            let unpacked = std::process::Command::new("git")
                .arg("unpack-objects")
                .arg("-q")
                .current_dir(d.path())
                .stdin(std::fs::File::open(&moved).unwrap())
                .status()
                .unwrap();
            assert!(unpacked.success());
        }
    }
    for entry in std::fs::read_dir(&pack_dir).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    let tree = d.run_git(&["rev-parse", "main~300^{tree}"]).trim().to_owned();
    std::fs::remove_file(d.path().join(".git/objects").join(&tree[..2]).join(&tree[2..])).unwrap();
    let json = |args: &[&str]| {
        let out = d.plan(&[&["log", "--format", "json"], args].concat());
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
        (out.code, v)
    };
    for n in ["256", "257", "299"] {
        let (code, v) = json(&["-n", n]);
        assert_eq!(code, 0, "-n {n}: {v}");
        assert_eq!(v["commits"].as_array().unwrap().len(), n.parse::<usize>().unwrap(), "-n {n}");
        assert!(v.get("error").is_none(), "-n {n}: {v}");
    }
    // Commit 101 (main~299) is diffed against the missing tree: the log ends before it.
    let (code, v) = json(&[]);
    assert_eq!(code, 2, "{v}");
    let listed = subjects(&v);
    assert_eq!(listed.len(), 299, "{listed:?}");
    assert_eq!((listed[0], listed[298]), ("c0400", "c0102"));
    let message = v["error"]["message"].as_str().unwrap();
    assert!(message.contains(&tree[..12]), "{message}");
    let (code, v) = json(&["-n", "300"]);
    assert_eq!((code, subjects(&v).len()), (2, 299), "{v}");
    // Following the plan, the same: what comes before the gap, then the error.
    let (code, v) = json(&["--plan", "acme-billing", "-n", "1"]);
    assert_eq!((code, subjects(&v)), (0, vec!["c0400"]), "{v}");
    let (code, v) = json(&["--plan", "acme-billing"]);
    assert_eq!((code, subjects(&v).len()), (2, 299), "{v}");
    assert!(v["error"]["message"].as_str().unwrap().contains(&tree[..12]), "{v}");
}

/// A pack that is not the one its index was written for (its last bytes changed, or cut
/// off) is refused as git refuses it, whatever the command: objects would otherwise be read
/// from the wrong places. A packed plan whose data is damaged is "damaged", not "missing".
#[test]
fn a_pack_that_does_not_match_its_index_is_refused_and_damage_is_called_damage() {
    let d = history();
    d.run_git(&["gc", "-q"]);
    let pack = std::fs::read_dir(d.path().join(".git/objects/pack"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "pack"))
        .unwrap();
    let good = std::fs::read(&pack).unwrap();
    assert_eq!(d.plan(&["log", "-n", "1"]).code, 0);
    let mut flipped = good.clone();
    *flipped.last_mut().unwrap() ^= 1;
    for (what, bytes) in [("last byte flipped", flipped), ("checksum cut off", good[..good.len() - 20].to_vec())] {
        std::fs::write(&pack, &bytes).unwrap();
        for args in [&["log"][..], &["check", "--rev", "HEAD"], &["diff", "HEAD~1", "HEAD"]] {
            let out = d.plan(args);
            assert_eq!(out.code, 2, "{what} {args:?}: {}{}", out.stdout, out.stderr);
            assert!(out.stderr.contains("does not match its index"), "{what} {args:?}: {}", out.stderr);
            assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
        }
    }
    // The plan's first version, damaged in the middle of its compressed data.
    std::fs::write(&pack, &good).unwrap();
    let blob = d.run_git(&["rev-parse", "HEAD~4:support-plan.toml"]).trim().to_owned();
    let idx = pack.with_extension("idx");
    let listing = d.run_git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let line = listing.lines().find(|l| l.starts_with(&blob)).unwrap();
    // id type size size-in-pack offset [depth base]
    let fields: Vec<&str> = line.split_whitespace().collect();
    let (in_pack, offset): (usize, usize) = (fields[3].parse().unwrap(), fields[4].parse().unwrap());
    let mut damaged = good.clone();
    for b in &mut damaged[offset + in_pack / 2..offset + in_pack / 2 + 4] {
        *b ^= 0x55;
    }
    std::fs::write(&pack, &damaged).unwrap();
    let out = d.plan(&["log", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    // The first plan read through the damage says so: that blob, or a later version stored
    // as a delta of it.
    assert!(out.stderr.contains("is in the repository but cannot be read: it is damaged"), "{}", out.stderr);
    assert!(!out.stderr.contains("is missing"), "{}", out.stderr);
}

/// HEAD naming a commit whose object is gone is not "a repository with no commits yet".
/// `-n 0` asks for nothing and is told nothing.
#[test]
fn an_unreadable_head_is_named_and_n_0_prints_nothing() {
    let d = history();
    let out = d.plan(&["log", "-n", "0"]);
    assert_eq!((out.code, out.stdout.as_str()), (0, ""), "{}", out.stderr);
    let out = d.plan(&["log", "-n", "0", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["commits"], serde_json::json!([]));
    let head = d.run_git(&["rev-parse", "HEAD"]).trim().to_owned();
    std::fs::remove_file(d.path().join(".git/objects").join(&head[..2]).join(&head[2..])).unwrap();
    let out = d.plan(&["log"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains(&format!("HEAD is commit {}, and its object is missing or damaged", &head[..12])),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("no commits yet"), "{}", out.stderr);
}

/// A loose plan blob damaged on disk inflates to other bytes without an error from the git
/// library: it is checked against its id and called damaged, not read as the user's file.
#[test]
fn a_damaged_loose_plan_is_damaged_not_the_users_plan() {
    let d = history();
    let blob = d.run_git(&["rev-parse", "HEAD:api/support-plan.toml"]).trim().to_owned();
    let path = d.path().join(".git/objects").join(&blob[..2]).join(&blob[2..]);
    // Re-compress the object with one byte of its content changed: valid zlib, wrong content.
    let raw = d.run_git(&["cat-file", "blob", &blob]);
    let changed = raw.replacen("acme-api", "acme-apj", 1);
    let object = format!("blob {}\0{changed}", changed.len());
    // A zlib stream of stored (uncompressed) blocks, as RFC 1950/1951 describe it.
    let data = object.as_bytes();
    let mut z = vec![0x78, 0x01];
    let chunks: Vec<&[u8]> = data.chunks(65_535).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        z.push(u8::from(i + 1 == chunks.len()));
        let len = chunk.len() as u16;
        z.extend(len.to_le_bytes());
        z.extend((!len).to_le_bytes());
        z.extend_from_slice(chunk);
    }
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65_521;
        b = (b + a) % 65_521;
    }
    z.extend(((b << 16) | a).to_be_bytes());
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    std::fs::write(&path, z).unwrap();
    for args in [&["log", "--format", "json"][..], &["check", "--rev", "HEAD"], &["diff", "HEAD~1", "HEAD"]] {
        let out = d.plan(args);
        assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "object {} is in the repository but its content does not match its id",
                &blob[..12]
            )),
            "{args:?}: {}",
            out.stderr
        );
    }
}
