//! Daily use: errors as data, messages in the user's terms, `-q`, `plan render --rev`,
//! `plan log` across side branches, Markdown code spans, paths relative to `-C`.

use crate::support::*;

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: stdout {:?}\nstderr {}", out.stdout, out.stderr))
}

fn repo_with_plan() -> Dir {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    d
}

/// With --format json every run prints one JSON document on stdout, whatever its exit code:
/// an error object where the command cannot do its work, the human message on stderr.
#[test]
fn every_failure_is_one_json_document_with_format_json() {
    let d = repo_with_plan();
    let cases: Vec<(Vec<&str>, &str, Option<&str>)> = vec![
        (vec!["diff", "v9.9.9", "HEAD", "--format", "json"], "revision", Some("v9.9.9")),
        (vec!["log", "nope..HEAD", "--format", "json"], "revision", Some("nope")),
        (vec!["check", "--rev", "deadbeef", "--format", "json"], "revision", Some("deadbeef")),
        (vec!["gate", "--tag", "v1.0.0", "--format", "json"], "error", None),
        (vec!["diff", "HEAD", "--plan", "acme-biling", "--format", "json"], "plan", None),
        (vec!["gate", "--format", "json"], "usage", None),
        (vec!["check", "--format=json", "--no-such-flag"], "usage", None),
    ];
    for (args, kind, revision) in cases {
        let out = d.plan(&args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        let v = json(&out);
        assert_eq!(v["error"]["kind"], kind, "{args:?}: {v:#}");
        assert!(!v["error"]["message"].as_str().unwrap().is_empty());
        if let Some(r) = revision {
            assert_eq!(v["error"]["revision"], r, "{args:?}");
        }
        assert!(out.stderr.contains("error"), "{args:?}: the human message stays on stderr: {}", out.stderr);
    }
    // A bad configuration names its file and line.
    d.write(".support-plan/config.toml", "[discovery]\nexclude = [\"tests/**\"]\n[gate]\nfail_on = \"never\"\n");
    let out = d.plan(&["check", "--format", "json"]);
    assert_eq!(out.code, 2);
    let v = json(&out);
    assert_eq!(v["error"]["kind"], "config");
    assert_eq!(v["error"]["file"], ".support-plan/config.toml");
    assert_eq!(v["error"]["line"], 4, "{v:#}");
    // Without --format json, stdout stays empty on an error.
    let out = d.plan(&["diff", "v9.9.9", "HEAD"]);
    assert_eq!((out.code, out.stdout.as_str()), (2, ""));
}

/// Messages speak of revisions and history, not of the library.
#[test]
fn messages_in_the_users_terms() {
    let d = repo_with_plan();
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.0");
    d.commit("lower", 2);
    let out = d.plan(&["diff", "HEAD~1..HEAD"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("`HEAD~1..HEAD` is a range; plan takes two revisions: write `HEAD~1 HEAD`"),
        "{}",
        out.stderr
    );
    // A shallow clone: the history is cut, said so.
    let shallow = Dir::new();
    let status = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &format!("file://{}", d.path().display()), "."])
        .current_dir(shallow.path())
        .status()
        .unwrap();
    assert!(status.success());
    let out = shallow.plan(&["diff", "HEAD~1", "HEAD"]);
    assert_eq!(out.code, 2);
    assert!(!out.stderr.contains("NthAncestor") && !out.stderr.contains("delegate"), "{}", out.stderr);
    assert!(out.stderr.contains("this clone's history is cut there (a shallow clone"), "{}", out.stderr);
    let out = shallow.plan(&["log", "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["truncated"], true);
    assert_eq!(v["cut_at"].as_str().unwrap().len(), 40);
    let human = shallow.plan(&["log"]);
    assert!(human.stdout.contains("note: history is cut at "), "{}", human.stdout);
}

/// A revision that walks back through history (`~n`, `^n`) and cannot be followed says
/// where it broke: a commit missing on the way, a root commit, a commit with fewer parents.
#[test]
fn a_revision_that_cannot_be_followed_says_where_it_breaks() {
    let d = repo_with_plan();
    for day in 2..=6 {
        d.write("notes.txt", format!("day {day}\n"));
        d.commit(&format!("day {day}"), day);
    }
    // HEAD~5 is the root: there is no HEAD~6.
    let out = d.plan(&["diff", "HEAD~6", "HEAD"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let root = d.run_git(&["rev-parse", "--short=12", "HEAD~5"]);
    assert!(
        out.stderr.contains(&format!("revision `HEAD~6` does not exist: {} (HEAD~5) is a root commit", root.trim())),
        "{}",
        out.stderr
    );
    let out = d.plan(&["diff", "HEAD~1^2", "HEAD"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("(HEAD~1) has 1 parent, so it has no parent 2"), "{}", out.stderr);
    // The commit HEAD~2 removed from the object store: a revision past it, or it, cannot be
    // reached, and the message names it instead of saying history is shorter.
    d.run_git(&["branch", "broken", "HEAD~2"]);
    let missing = d.run_git(&["rev-parse", "HEAD~2"]);
    let missing = missing.trim();
    std::fs::remove_file(d.path().join(format!(".git/objects/{}/{}", &missing[..2], &missing[2..]))).unwrap();
    for (spec, how, on_the_way) in [("HEAD~4", "HEAD~2", " on the way"), ("HEAD~1^1~2", "HEAD~2", " on the way")] {
        let out = d.plan(&["diff", spec, "HEAD"]);
        assert_eq!(out.code, 2, "{spec}: {}", out.stderr);
        let expected = format!(
            "revision `{spec}` cannot be reached: commit {} ({how}){on_the_way} is missing or damaged",
            &missing[..12]
        );
        assert!(out.stderr.contains(&expected), "{spec}: {}", out.stderr);
        assert!(!out.stderr.contains("go back"), "{spec}: {}", out.stderr);
        assert!(
            out.stderr.contains("objects are missing or damaged in the repository; `git fsck` says which"),
            "{}",
            out.stderr
        );
    }
    // The missing commit by its id, and a branch left pointing at it.
    let out = d.plan(&["diff", missing, "HEAD"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(&format!("no object {missing} is in this repository")), "{}", out.stderr);
    for spec in ["broken", "broken^{commit}"] {
        let out = d.plan(&["check", "--rev", spec]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        let expected =
            format!("revision `{spec}` cannot be read: it names object {}, which is missing", &missing[..12]);
        assert!(out.stderr.contains(&expected), "{}", out.stderr);
    }
    // The missing commit itself.
    let out = d.plan(&["diff", "HEAD^^", "HEAD"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let expected =
        format!("revision `HEAD^^` cannot be read: it names object {}, which is missing or damaged", &missing[..12]);
    assert!(out.stderr.contains(&expected), "{}", out.stderr);
    let out = d.plan(&["log", "HEAD~4..HEAD"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!("commit {} (HEAD~2) on the way is missing", &missing[..12])),
        "{}",
        out.stderr
    );
}

/// Revisions through annotated tags and peels are traced like any other; a damaged commit is
/// named as damaged, not taken for a root; ranges where one revision is expected are refused,
/// and the parser's internals never reach the user.
#[test]
fn revisions_through_tags_peels_and_damage_are_named_in_the_users_terms() {
    let d = repo_with_plan();
    for day in 2..=5 {
        d.write("notes.txt", format!("day {day}\n"));
        d.commit(&format!("day {day}"), day);
    }
    d.run_git(&["tag", "-a", "-m", "release", "v2.0", "HEAD~1"]);
    d.run_git(&["tag", "tree-tag", "HEAD^{tree}"]);
    let commit = |rev: &str| d.run_git(&["rev-parse", "--short=12", rev]).trim().to_owned();
    let cases = [
        ("v2.0^2", format!("revision `v2.0^2` does not exist: {} (v2.0) has 1 parent, so it has no parent 2", commit("v2.0^{commit}"))),
        ("v2.0~4", format!("revision `v2.0~4` does not exist: {} (v2.0~3) is a root commit", commit("HEAD~4"))),
        ("HEAD^{commit}^2", "(HEAD) has 1 parent, so it has no parent 2".to_owned()),
        ("v2.0^{}~9", "(v2.0~3) is a root commit".to_owned()),
        ("tree-tag", "revision `tree-tag` names a tree, not a commit".to_owned()),
        ("HEAD:support-plan.toml", "names a blob, not a commit".to_owned()),
        ("HEAD^!", "`HEAD^!` is a range (the commit without its parents), not one revision: for what that commit changed, write `plan diff HEAD^ HEAD` or `plan log HEAD^..HEAD`".to_owned()),
        ("HEAD^@", "(it names several commits, not one)".to_owned()),
        ("@{-1}", "(no branch was checked out that many switches ago)".to_owned()),
        ("HEAD@{99}", "(the reflog has no such entry)".to_owned()),
        (":/no such message", "(no commit message matches)".to_owned()),
        ("HEAD~99999999999999999999", "(a number in it is too large)".to_owned()),
    ];
    for (spec, expected) in &cases {
        for args in [vec!["check", "--rev", spec], vec!["diff", spec, "HEAD"]] {
            let out = d.plan(&args);
            assert_eq!(out.code, 2, "{args:?}: {}{}", out.stdout, out.stderr);
            assert!(out.stderr.contains(expected.as_str()), "{args:?}: {}", out.stderr);
            for jargon in ["delegate", "Delegate", "NthAncestor", "input=", "Last encountered", "peel_until"] {
                assert!(!out.stderr.contains(jargon), "{args:?}: {}", out.stderr);
            }
        }
    }
    // plan log: `..B` is `HEAD..B` as in git; `A...B` (git's symmetric difference) is refused.
    let out = d.plan(&["log", "..HEAD~2", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(json(&out)["commits"].as_array().unwrap().len(), 0, "{}", out.stdout);
    let out = d.plan(&["log", "HEAD~2...HEAD", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert_eq!(json(&out)["error"]["kind"], "revision", "{}", out.stdout);
    assert!(
        out.stderr.contains("is not supported by plan log: write `HEAD~2..HEAD` and `HEAD..HEAD~2`"),
        "{}",
        out.stderr
    );
    // A commit object that inflates but is not a commit: damaged, never a root commit.
    let damaged = d.run_git(&["rev-parse", "HEAD~2"]).trim().to_owned();
    let path = d.path().join(format!(".git/objects/{}/{}", &damaged[..2], &damaged[2..]));
    let mut perms = std::fs::metadata(&path).unwrap().permissions();
    #[allow(clippy::permissions_set_readonly_false)]
    perms.set_readonly(false);
    std::fs::set_permissions(&path, perms).unwrap();
    let deflated = std::process::Command::new("python3")
        .args(["-c", "import sys, zlib; sys.stdout.buffer.write(zlib.compress(b'commit 11\\0hello world'))"])
        .output()
        .unwrap();
    assert!(deflated.status.success());
    std::fs::write(&path, deflated.stdout).unwrap();
    let out = d.plan(&["check", "--rev", "HEAD~3"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(
        out.stderr.contains(&format!(
            "cannot be reached: commit {} (HEAD~2) on the way is missing or damaged",
            &damaged[..12]
        )),
        "{}",
        out.stderr
    );
    let out = d.plan(&["check", "--rev", &damaged]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(&format!("reading commit {}: it is damaged", &damaged[..12])), "{}", out.stderr);
    let out = d.plan(&["log"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains(&format!("reading commit {}: it is damaged", &damaged[..12])), "{}", out.stderr);
}

/// -q: errors only, for every command.
#[test]
fn quiet_means_errors_only() {
    let d = repo_with_plan();
    for args in [vec!["check", "-q"], vec!["diff", "HEAD", "-q"], vec!["log", "-q"], vec!["fmt", "--check", "-q"]] {
        let out = d.plan(&args);
        assert_eq!(out.code, 0, "{args:?}: {}", out.stderr);
        assert_eq!((out.stdout.as_str(), out.stderr.as_str()), ("", ""), "{args:?}");
    }
    d.edit("support-plan.toml", "email = \"bob@acme.example.com\"", "email = \"bob at acme\"");
    let out = d.plan(&["check", "-q"]);
    assert_eq!(out.code, 1);
    assert!(out.stdout.starts_with("error[contacts/format]"), "{}", out.stdout);
    assert!(!out.stdout.contains("checked 1 plan"), "{}", out.stdout);
}

/// `plan render --rev REV` renders the plan as committed there, refuses a revision that does
/// not exist, and writes emails and handles as they are (the joiner that stops a mention
/// belongs in pull-request comments only).
#[test]
fn render_rev_renders_that_revision_without_invisible_characters() {
    let d = repo_with_plan();
    d.edit("support-plan.toml", "title = \"Acme Billing Service\"", "title = \"Acme Billing (work tree)\"");
    let at_head = d.plan(&["render", "--rev", "HEAD"]);
    assert_eq!(at_head.code, 0, "{}", at_head.stderr);
    assert!(at_head.stdout.contains("# Production Support Plan: Acme Billing Service"), "{}", &at_head.stdout[..200]);
    let work = d.plan(&["render"]);
    assert!(work.stdout.contains("Acme Billing (work tree)"));
    let missing = d.plan(&["render", "--rev", "v9.9.9"]);
    assert_eq!(missing.code, 2);
    assert!(missing.stderr.contains("unknown revision `v9.9.9`"), "{}", missing.stderr);
    assert!(!at_head.stdout.contains('\u{2060}'), "no word joiner in a rendered document");
    assert!(at_head.stdout.contains("bob@acme.example.com"));
}

/// `plan log` lists changes made on side branches once (by the commit that made them), and
/// a merge only for what the merge itself changed; --first-parent keeps the main line.
#[test]
fn log_sees_side_branches_and_reports_each_change_once() {
    let d = repo_with_plan();
    d.run_git(&["checkout", "-q", "-b", "side"]);
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.0");
    let side = d.commit("Lower the SLA on a side branch", 2);
    d.run_git(&["checkout", "-q", "main"]);
    d.write("README.md", "code\n");
    d.commit("Unrelated work on main", 3);
    d.run_git_at(&["merge", "-q", "--no-ff", "-m", "Merge side", "side"], "2026-10-04T12:00:00Z");
    let out = d.plan(&["log", "--format", "json"]);
    let v = json(&out);
    let subjects: Vec<&str> = v["commits"].as_array().unwrap().iter().map(|c| c["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["Lower the SLA on a side branch", "plan"], "{v:#}");
    assert_eq!(v["commits"][0]["id"], side);
    let first_parent = json(&d.plan(&["log", "--first-parent", "--format", "json"]));
    let subjects: Vec<&str> =
        first_parent["commits"].as_array().unwrap().iter().map(|c| c["subject"].as_str().unwrap()).collect();
    assert_eq!(subjects, ["Merge side", "plan"], "{first_parent:#}");
}

/// A rule message's names render as code in Markdown, with plan text inside kept escaped.
#[test]
fn rule_messages_render_code_spans_in_markdown() {
    let md = supportplan::render::markdown::message("acceptance category `operational_cost` has no criterion");
    assert_eq!(md, "acceptance category `operational_cost` has no criterion");
    let hostile = supportplan::render::markdown::message("id `<b>@alice|x</b>` and *stars* and a stray `tick");
    assert_eq!(hostile, "id `<b>@\u{2060}alice\\|x</b>` and \\*stars\\* and a stray \\`tick");
}

/// Paths on the command line are relative to -C DIR, like git's -C.
#[test]
fn command_line_paths_are_relative_to_dash_c() {
    let outer = Dir::new();
    let d = repo_with_plan();
    std::fs::rename(d.path(), outer.path().join("repo")).unwrap_or_else(|_| {
        // Different file systems: copy instead.
        let status = std::process::Command::new("cp")
            .args(["-r", d.path().to_str().unwrap(), outer.path().join("repo").to_str().unwrap()])
            .status()
            .unwrap();
        assert!(status.success());
    });
    let out = outer.plan(&["-C", "repo", "check", "support-plan.toml", "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = outer.plan(&["-C", "repo", "fmt", "--check", "support-plan.toml"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// SHA-256 repositories: a short id of a loose object resolves.
#[test]
fn sha256_short_ids_of_loose_objects_resolve() {
    let d = Dir::git_sha256();
    d.write("support-plan.toml", example());
    let id = d.commit("plan", 1);
    let out = d.plan(&["check", "--rev", &id[..12], "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = d.plan(&["diff", &id[..10], "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// hyperfine and criterion evidence give `mean`, `median`, … without a declared pointer, in
/// seconds, compared with targets in any time unit.
#[test]
fn hyperfine_and_criterion_metrics_need_no_pointer() {
    let d = Dir::git();
    let plan = format!(
        "{}\n[evidence.hf]\nkind = \"hyperfine\"\npath = \"bench/hyperfine.json\"\n\n[evidence.cr]\nkind = \"criterion\"\npath = \"bench/estimates.json\"\n\n[acceptance.criteria.hf-speed]\ncategory = \"performance\"\nkind = \"threshold\"\nmetric = \"hf.median\"\nop = \"<=\"\ntarget = \"50ms\"\n\n[acceptance.criteria.cr-speed]\ncategory = \"performance\"\nkind = \"threshold\"\nmetric = \"cr.mean\"\nop = \"<=\"\ntarget = \"2us\"\n",
        example()
    );
    d.write("support-plan.toml", plan);
    d.write(".gitignore", "bench/\n");
    d.commit("plan", 1);
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures");
    std::fs::create_dir_all(d.path().join("bench")).unwrap();
    std::fs::copy(format!("{fixtures}/evidence/hyperfine.json"), d.path().join("bench/hyperfine.json")).unwrap();
    std::fs::copy(
        format!("{fixtures}/corpus/criterion/track-Monitoring_Change-new-estimates.json"),
        d.path().join("bench/estimates.json"),
    )
    .unwrap();
    pin_mtime(&d.path().join("bench/hyperfine.json"), 0);
    pin_mtime(&d.path().join("bench/estimates.json"), 0);
    let out = d.plan(&["gate", "--preview", "--now", NOW, "--format", "json"]);
    let v = json(&out);
    let find = |check: &str| {
        v["plans"][0]["findings"].as_array().unwrap().iter().find(|f| f["check"] == check).cloned().unwrap()
    };
    let hf = find("criterion:hf-speed");
    assert_eq!(hf["status"], "fail", "the fixture's median is 51.3 ms: {hf:#}");
    assert!(hf["message"].as_str().unwrap().contains("51.340614ms"), "{hf:#}");
    assert_eq!(find("criterion:cr-speed")["status"], "pass");
}

/// `--since-release` on a tagged commit shows what that release changed: the tag on HEAD
/// itself is not "the newest release" to compare with.
#[test]
fn since_release_on_a_release_commit_shows_that_release() {
    let d = repo_with_plan();
    d.run_git(&["tag", "v1.0.0"]);
    d.edit("support-plan.toml", "availability_pct = 99.5", "availability_pct = 99.0");
    d.commit("lower", 2);
    d.run_git(&["tag", "v1.1.0"]);
    let out = d.plan(&["diff", "--since-release", "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["base"]["spec"], "v1.0.0", "{v:#}");
    assert_eq!(v["summary"]["breaking"], 1, "{v:#}");
}

/// The binary allocates with mimalloc, except in a process started under a limit on its
/// address space (`ulimit -v`) or data (`ulimit -d`): there mimalloc's large reservations
/// ran out of room where glibc's malloc did not (a gate over 2,000,000 JUnit cases aborted at
/// 512 MiB). mimalloc's own statistics at exit (`MIMALLOC_SHOW_STATS`) tell which one ran: its
/// page table is printed only when it handed out memory.
#[test]
fn a_limit_on_address_space_or_data_keeps_the_system_allocator() {
    let run = |limit: &str| {
        let out = std::process::Command::new("sh")
            .args(["-c", &format!("{limit} exec \"$0\" --version"), env!("CARGO_BIN_EXE_plan")])
            .env("MIMALLOC_SHOW_STATS", "1")
            .output()
            .unwrap();
        assert!(out.status.success(), "{limit}: {out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), format!("plan {}\n", env!("CARGO_PKG_VERSION")));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let fast = run("");
    assert!(fast.contains("pages") && fast.contains("peak commit"), "mimalloc without a limit: {fast}");
    for limit in ["ulimit -v 4000000;", "ulimit -d 4000000;"] {
        let stats = run(limit);
        assert!(!stats.contains("pages") && !stats.contains("peak commit"), "{limit} keeps glibc's malloc: {stats}");
    }
}
