//! `plan diff` on real repositories built with the git CLI.

use crate::support::*;

/// A repository with a release history:
/// v1.0.0 (annotated) → v1.1.0 (lightweight: plan moved, SLA lowered, latency loosened,
/// objective reworded, a contact added) → main (another service's plan added).
fn history() -> Dir {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.write("src/main.rs", "fn main() {}\n");
    d.commit("Add the billing support plan", 1);
    d.run_git(&["tag", "-a", "v1.0.0", "-m", "Release 1.0.0"]);
    let text = d.read("support-plan.toml");
    std::fs::remove_file(d.path().join("support-plan.toml")).unwrap();
    let text = replace_once(&text, "availability_pct = 99.5", "availability_pct = 99.0");
    let text = replace_once(&text, "target = \"250ms\"", "target = \"300ms\"");
    let text = replace_once(&text, "issued by the 2nd business day", "issued by the 3rd business day");
    let text = text.replacen(
        "[contacts.teams.team-billing]",
        "[contacts.people.erin]\nname = \"Erin Mills\"\nrole = \"Billing engineer\"\nemail = \"erin@acme.example.com\"\n\n[contacts.teams.team-billing]",
        1,
    );
    d.write("services/billing/billing.support-plan.toml", text);
    d.commit("Move the billing plan; loosen latency and SLA", 2);
    d.run_git(&["tag", "v1.1.0"]);
    let api = example().replace("product = \"acme-billing\"", "product = \"acme-api\"");
    d.write("services/api/support-plan.toml", api);
    d.commit("Add the API plan", 3);
    d
}

#[test]
fn between_tags_human() {
    let d = history();
    let out = d.plan(&["diff", "v1.0.0", "v1.1.0"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("diff_tags_human", out.stdout);
}

#[test]
fn between_tags_markdown() {
    let d = history();
    let out = d.plan(&["diff", "v1.0.0", "v1.1.0", "--format", "markdown"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("diff_tags_markdown", out.stdout);
}

#[test]
fn between_tags_json() {
    let d = history();
    let out = d.plan(&["diff", "v1.0.0", "main", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    insta::assert_snapshot!("diff_tags_json", out.stdout);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["schema"], "supportplan/diff/v1");
    let products: Vec<&str> = v["plans"].as_array().unwrap().iter().map(|p| p["product"].as_str().unwrap()).collect();
    assert_eq!(products, ["acme-api", "acme-billing"], "added plans are first-class, order is deterministic");
    assert_eq!(v["plans"][0]["status"], "added");
    assert_eq!(v["plans"][1]["status"], "moved");
}

#[test]
fn fail_on_and_exit_code() {
    let d = history();
    assert_eq!(d.plan(&["diff", "v1.0.0", "v1.1.0", "--fail-on", "breaking"]).code, 1);
    assert_eq!(d.plan(&["diff", "v1.0.0", "v1.1.0", "--fail-on", "never"]).code, 0);
    assert_eq!(d.plan(&["diff", "v1.1.0", "main", "--fail-on", "breaking"]).code, 0, "adding a plan is not breaking");
    assert_eq!(d.plan(&["diff", "v1.1.0", "main", "--fail-on", "notable"]).code, 1);
    assert_eq!(d.plan(&["diff", "v1.1.0", "main", "--exit-code"]).code, 1);
    assert_eq!(d.plan(&["diff", "main", "main", "--exit-code"]).code, 0);
}

#[test]
fn plan_filter_narrows_to_one_product() {
    let d = history();
    let out = d.plan(&["diff", "v1.0.0", "main", "--plan", "acme-api", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["plans"].as_array().unwrap().len(), 1);
    assert_eq!(v["plans"][0]["product"], "acme-api");
}

#[test]
fn no_argument_compares_head_with_the_work_tree() {
    let d = history();
    assert!(d.plan(&["diff"]).stdout.contains("no plan changed"));
    d.edit("services/api/support-plan.toml", "restore = \"4h\"", "restore = \"6h\"");
    let out = d.plan(&["diff"]);
    assert!(out.stdout.starts_with("plan diff HEAD ("), "{}", out.stdout);
    assert!(out.stdout.contains("→ work tree"), "{}", out.stdout);
    assert!(out.stdout.contains("4h → 6h"), "{}", out.stdout);
    assert!(out.stdout.contains("breaking: restore time lengthened"), "{}", out.stdout);
    // One argument: that revision against the work tree.
    let out = d.plan(&["diff", "v1.1.0", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["head"]["spec"], "work tree");
    assert_eq!(v["plans"][0]["product"], "acme-api");
    assert_eq!(v["plans"][0]["status"], "added");
}

#[test]
fn since_release_compares_the_previous_tag_with_head() {
    let d = history();
    let out = d.plan(&["diff", "--since-release", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["base"]["spec"], "v1.1.0");
    assert_eq!(v["head"]["spec"], "HEAD");
    // On the tagged commit itself, the previous release is the one before.
    d.run_git(&["checkout", "-q", "v1.1.0"]);
    let out = d.plan(&["diff", "--since-release", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["base"]["spec"], "v1.0.0", "detached HEAD on a tag works");
}

#[test]
fn revisions_of_every_kind_resolve() {
    let d = history();
    let full = d.run_git(&["rev-parse", "v1.0.0^{commit}"]).trim().to_owned();
    for spec in [&full[..], &full[..8], "v1.0.0", "HEAD~2", "main~2", "refs/tags/v1.0.0"] {
        let out = d.plan(&["diff", spec, "v1.1.0", "--format", "json"]);
        assert_eq!(out.code, 0, "{spec}: {}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(v["base"]["commit"], full.as_str(), "{spec}");
    }
    // A remote-tracking branch.
    let clone = Dir::new();
    clone.run_git(&["clone", "-q", d.path().to_str().unwrap(), "."]);
    assert_eq!(clone.plan(&["diff", "origin/main~1", "origin/main"]).code, 0);
}

#[test]
fn merge_base_with_three_dots() {
    let d = history();
    d.run_git(&["checkout", "-q", "-b", "feature", "v1.1.0"]);
    d.edit("services/billing/billing.support-plan.toml", "rpo = \"1h\"", "rpo = \"2h\"");
    d.commit("Relax the RPO", 4);
    // main...feature is the fork point (v1.1.0): only the feature's change shows.
    let out = d.plan(&["diff", "main...feature", "feature", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["plans"].as_array().unwrap().len(), 1);
    assert_eq!(v["plans"][0]["changes"][0]["path"], "responsibilities.backup.rpo");
    assert_eq!(v["plans"][0]["changes"][0]["reason"], "RPO lengthened");
}

#[test]
fn formatting_comments_and_equal_values_make_no_difference() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    // Comments, blank lines, a reordered section, inline vs dotted keys, "60min" for "1h".
    let text = d.read("support-plan.toml");
    let text = text.replace("# ── 2.1 Support strategy", "# reviewed by the board\n\n# ── 2.1 Support strategy");
    let text = replace_once(&text, "acknowledge = \"1h\"", "acknowledge = \"60min\"");
    let text = replace_once(&text, "[hours.always]\nalways = true\n", "");
    let text = replace_once(&text, "[hours.business]", "[hours.always]\nalways = true\n\n[hours.business]");
    let text = replace_once(
        &text,
        "cost = { amount = 24000, currency = \"USD\", per = \"year\" }",
        "cost.amount = 24000\ncost.currency = \"USD\"\ncost.per = \"year\"",
    );
    d.write("support-plan.toml", text);
    d.commit("reformat", 2);
    let out = d.plan(&["diff", "HEAD~1", "HEAD", "--exit-code"]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.contains("no plan changed"), "{}", out.stdout);
}

#[test]
fn a_shallow_clone_says_what_to_fetch() {
    let d = history();
    let shallow = Dir::new();
    let url = format!("file://{}", d.path().display());
    shallow.run_git(&["clone", "-q", "--depth", "1", &url, "."]);
    let out = shallow.plan(&["diff", "v1.0.0", "HEAD"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown revision `v1.0.0`"), "{}", out.stderr);
    assert!(out.stderr.contains("shallow clone"), "{}", out.stderr);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
    let out = shallow.plan(&["diff", "--since-release"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
}

#[test]
fn bad_revisions() {
    let d = history();
    let out = d.plan(&["diff", "v9.9.9"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("unknown revision `v9.9.9`"), "{}", out.stderr);
    let out = d.plan(&["diff", "--", "--output=/tmp/x"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("revision `--output=/tmp/x` starts with `-`"), "{}", out.stderr);
}

#[test]
fn a_plan_broken_at_the_old_revision_is_named_with_revision_path_and_line() {
    let d = Dir::git();
    d.write("support-plan.toml", replace_once(&example(), "restore = \"4h\"", "restore = \"4 hours\""));
    d.commit("broken plan", 1);
    d.run_git(&["tag", "v0.9.0"]);
    d.write("support-plan.toml", example());
    d.commit("fixed plan", 2);
    let out = d.plan(&["diff", "v0.9.0", "HEAD"]);
    assert_eq!(out.code, 2);
    let line = example().lines().position(|l| l == "restore = \"4h\"").unwrap() + 1;
    assert!(out.stderr.contains(&format!("--> support-plan.toml:{line}:11 (at v0.9.0)")), "{}", out.stderr);
    assert!(out.stderr.contains("`4 hours` is not a duration"), "{}", out.stderr);
    // Never "plan added" for the side that loads: the report says the plan does not load,
    // with file and line, in every format.
    for format in ["human", "markdown", "json"] {
        let out = d.plan(&["diff", "v0.9.0", "HEAD", "--format", format]);
        assert_eq!(out.code, 2, "{format}");
        assert!(out.stdout.contains("does not load"), "{format}:\n{}", out.stdout);
        assert!(out.stdout.contains(&format!("support-plan.toml:{line}")), "{format}:\n{}", out.stdout);
        assert!(!out.stdout.contains("a new plan") && !out.stdout.contains("added"), "{format}:\n{}", out.stdout);
    }
    let json: serde_json::Value =
        serde_json::from_str(&d.plan(&["diff", "v0.9.0", "HEAD", "--format", "json"]).stdout).unwrap();
    assert_eq!(json["plans"][0]["status"], "does-not-load");
}

#[test]
fn symlinks_and_submodules_in_the_tree_are_skipped_with_a_note() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    std::os::unix::fs::symlink("support-plan.toml", d.path().join("link.support-plan.toml")).unwrap();
    let head = d.run_git(&["rev-parse", "HEAD"]).trim().to_owned();
    d.run_git(&["add", "-A"]);
    d.run_git(&["update-index", "--add", "--cacheinfo", &format!("160000,{head},vendor/support-plan.toml")]);
    d.run_git(&["commit", "-q", "-m", "symlink and submodule"]);
    let out = d.plan(&["check", "--rev", "HEAD", "--now", NOW]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("skipped link.support-plan.toml at HEAD: it is a symbolic link"), "{}", out.stderr);
    assert!(out.stderr.contains("skipped vendor/support-plan.toml at HEAD: it is a submodule"), "{}", out.stderr);
}

#[test]
fn non_utf8_paths_do_not_break_anything() {
    use std::os::unix::ffi::OsStrExt;
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    let name = std::ffi::OsStr::from_bytes(b"caf\xe9.support-plan.toml");
    std::fs::write(d.path().join(name), example().replace("acme-billing", "acme-cafe")).unwrap();
    d.commit("latin-1 file name", 2);
    let out = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["plans"][0]["product"], "acme-cafe");
    assert_eq!(v["plans"][0]["new_path"], "caf\u{fffd}.support-plan.toml");
}

#[test]
fn an_empty_repository_and_a_bare_one() {
    let d = Dir::git();
    let out = d.plan(&["diff"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("the repository has no commits yet"), "{}", out.stderr);
    let src = history();
    let bare = Dir::new();
    bare.run_git(&["clone", "-q", "--bare", src.path().to_str().unwrap(), "."]);
    let out = bare.plan(&["diff", "v1.0.0", "v1.1.0", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let out = bare.plan(&["diff", "v1.0.0"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("bare repository"), "{}", out.stderr);
}

#[test]
fn not_a_repository() {
    let d = Dir::new();
    let out = d.plan(&["diff"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("is not inside a git repository"), "{}", out.stderr);
}

#[test]
fn sha256_repositories() {
    let d = Dir::git_sha256();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    d.edit("support-plan.toml", "restore = \"4h\"", "restore = \"8h\"");
    d.commit("slower restore", 2);
    let out = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["head"]["commit"].as_str().unwrap().len(), 64);
    assert_eq!(v["plans"][0]["changes"][0]["impact"], "breaking");
    let log = d.plan(&["log"]);
    assert!(log.stdout.contains("responsibilities.response.p1.restore 4h → 8h (breaking)"), "{}", log.stdout);
}

#[test]
fn check_and_render_at_a_revision() {
    let d = history();
    let out = d.plan(&["check", "--rev", "v1.0.0", "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stdout);
    assert!(out.stdout.starts_with("checked 1 plan at v1.0.0 ("), "{}", out.stdout);
    let out = d.plan(&["render", "--rev", "v1.0.0"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.contains("Service level agreement: 99.5% availability"), "{}", out.stdout);
}

#[test]
fn a_partial_clone_says_what_to_fetch() {
    let src = Dir::git();
    src.run_git(&["config", "uploadpack.allowfilter", "true"]);
    src.write("support-plan.toml", example());
    src.commit("plan", 1);
    src.run_git(&["tag", "v1.0.0"]);
    src.edit("support-plan.toml", "restore = \"4h\"", "restore = \"8h\"");
    src.commit("slower restore", 2);
    let partial = Dir::new();
    partial.run_git(&["clone", "-q", "--filter=blob:none", &format!("file://{}", src.path().display()), "."]);
    let out = partial.plan(&["diff", "v1.0.0", "HEAD"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(out.stderr.contains("reading support-plan.toml at v1.0.0: object"), "{}", out.stderr);
    assert!(out.stderr.contains("this is a partial clone"), "{}", out.stderr);
    assert!(out.stderr.contains("git fetch --refetch origin"), "{}", out.stderr);
}

#[test]
fn multi_line_prose_gets_a_line_diff_with_context_in_a_sized_fence() {
    let d = Dir::git();
    let long = "description = \"\"\"\nStep 1: page the on-call.\nStep 2: check the dashboard.\nStep 3: restart the worker.\nStep 4: tell the desk.\nStep 5: write it up.\nStep 6: close the ticket.\n\"\"\"";
    d.write(
        "support-plan.toml",
        replace_once(&example(), "description = \"QA, review board and change management, in that order.\"", long),
    );
    d.commit("runbook prose", 1);
    d.edit("support-plan.toml", "Step 4: tell the desk.", "Step 4: tell the desk ```and``` the board.");
    d.commit("reword", 2);
    let md = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "markdown"]).stdout;
    assert!(md.contains("| ~ | `release_process.description` | reworded, see below | cosmetic |"), "{md}");
    assert!(md.contains("````diff\n"), "the fence outgrows the backticks inside: {md}");
    assert!(md.contains("-Step 4: tell the desk.\n+Step 4: tell the desk ```and``` the board.\n"), "{md}");
    assert!(
        md.contains(" Step 3: restart the worker.\n") && !md.contains(" Step 1: page the on-call.\n"),
        "two lines of context: {md}"
    );
    let human = d.plan(&["diff", "HEAD~1", "HEAD"]).stdout;
    assert!(human.contains("+Step 4: tell the desk ```and``` the board."), "{human}");
    let json: serde_json::Value =
        serde_json::from_str(&d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]).stdout).unwrap();
    assert!(json["plans"][0]["changes"][0]["unified"].as_str().unwrap().starts_with("@@ "), "{json:#}");
}

#[test]
fn verbose_says_what_was_read_and_quiet_by_default() {
    let d = history();
    let full = d.run_git(&["rev-parse", "v1.0.0^{commit}"]).trim().to_owned();
    let out = d.plan(&["-v", "diff", "v1.0.0", "v1.1.0"]);
    assert!(out.stderr.contains(&format!("plan: base v1.0.0 = {full}")), "{}", out.stderr);
    assert!(out.stderr.contains("plan: 1 plan file(s) differ on the base side, 1 on the head side"), "{}", out.stderr);
    assert_eq!(d.plan(&["diff", "v1.0.0", "v1.1.0"]).stderr, "");
    let out = d.plan(&["-v", "check", "--now", NOW]);
    assert!(out.stderr.contains("plan: read services/api/support-plan.toml ("), "{}", out.stderr);
}

/// A misspelt `--plan` must not turn `--fail-on breaking` into a silent pass.
#[test]
fn an_unknown_plan_id_is_a_usage_error_with_a_suggestion() {
    let d = history();
    for args in [
        &["diff", "v1.0.0", "v1.1.0", "--plan", "acme-biling", "--fail-on", "breaking"][..],
        &["log", "--plan", "acme-biling"][..],
        &["check", "--plan", "acme-biling", "--now", NOW][..],
    ] {
        let out = d.plan(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert!(out.stderr.contains("no plan with product id `acme-biling`"), "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains("did you mean `acme-billing`?"), "{args:?}: {}", out.stderr);
    }
    // A plan that exists but did not change is no error: nothing to show.
    let out = d.plan(&["diff", "v1.1.0", "main", "--plan", "acme-billing", "--fail-on", "breaking"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("no plan changed"), "{}", out.stdout);
}

/// `--plan` reads only the changed plans that may be the one asked for, however its file
/// spells the product id: the answer is the full diff's entry for that plan.
#[test]
fn plan_filter_matches_the_full_diff_however_the_product_is_written() {
    let d = Dir::git();
    let spelled = [
        ("a/support-plan.toml", "product = \"svc-a\""),
        ("b/support-plan.toml", "\"product\" = \"svc-b\""),
        ("c/support-plan.toml", "product = 'svc-c'"),
        ("d/support-plan.toml", "product = \"svc-\\u0064\""),
    ];
    for (path, line) in spelled {
        d.write(path, example().replacen("product = \"acme-billing\"", line, 1));
    }
    d.commit("plans", 1);
    for (path, _) in spelled {
        d.edit(path, "availability_pct = 99.5", "availability_pct = 99.0");
    }
    d.commit("weaker", 2);
    let full = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    let full: serde_json::Value = serde_json::from_str(&full.stdout).unwrap();
    assert_eq!(full["plans"].as_array().unwrap().len(), 4, "{full:#}");
    for id in ["svc-a", "svc-b", "svc-c", "svc-d"] {
        let one = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json", "--plan", id]);
        assert_eq!(one.code, 0, "{}", one.stderr);
        let one: serde_json::Value = serde_json::from_str(&one.stdout).unwrap();
        let expected: Vec<&serde_json::Value> =
            full["plans"].as_array().unwrap().iter().filter(|p| p["product"] == id).collect();
        assert_eq!(one["plans"].as_array().unwrap().iter().collect::<Vec<_>>(), expected, "{id}");
    }
}

/// The statuses of a JSON diff, by path (the new path, else the old one).
fn statuses(out: &Output) -> Vec<(String, String)> {
    let v: serde_json::Value =
        serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", out.stdout, out.stderr));
    let mut s: Vec<(String, String)> = v["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let path = p["new_path"].as_str().or(p["old_path"].as_str()).unwrap_or_default();
            (path.to_owned(), p["status"].as_str().unwrap().to_owned())
        })
        .collect();
    s.sort();
    s
}

/// A second file for a product, added beside a plan file that stays unchanged, is no plan
/// "added": the side holding both cannot pair them, so both do not load there (exit 2), in
/// every kind of comparison and with `--plan`, however the unchanged file writes its product.
/// Removing the second file again is no plan "removed" either.
#[test]
fn a_second_file_for_a_product_beside_an_unchanged_plan_does_not_load() {
    let both = vec![
        ("d/support-plan.toml".to_owned(), "does-not-load".to_owned()),
        ("support-plan.toml".to_owned(), "does-not-load".to_owned()),
    ];
    for spelled in ["product = \"acme-billing\"", "product = 'acme-billing'", "\"product\" = \"acme-billing\""] {
        let d = Dir::git();
        d.write("support-plan.toml", example().replacen("product = \"acme-billing\"", spelled, 1));
        d.commit("Add the billing plan", 1);
        d.run_git(&["tag", "a"]);
        d.write("d/support-plan.toml", example().replacen("retention = \"35d\"", "retention = \"30d\"", 1));
        // Against the work tree first, then committed.
        let out = d.plan(&["diff", "--format", "json"]);
        assert_eq!(out.code, 2, "{spelled}: {}", out.stdout);
        assert_eq!(statuses(&out), both, "{spelled}");
        d.commit("Copy the plan", 2);
        d.run_git(&["tag", "b"]);
        for args in [&["diff", "a", "b"][..], &["diff", "a", "b", "--plan", "acme-billing"], &["diff", "b", "a"]] {
            let out = d.plan(&[args, &["--format", "json"]].concat());
            assert_eq!(out.code, 2, "{spelled} {args:?}: {}", out.stdout);
            assert_eq!(statuses(&out), both, "{spelled} {args:?}");
            assert!(
                out.stdout
                    .contains("d/support-plan.toml: product `acme-billing` is also the product of support-plan.toml"),
                "{spelled} {args:?}: {}",
                out.stdout
            );
        }
        let out = d.plan(&["diff", "a", "b"]);
        assert!(out.stdout.contains("does not load at b ("), "{}", out.stdout);
        assert!(!out.stdout.contains("added"), "{}", out.stdout);
        // Removed from the work tree again.
        std::fs::remove_file(d.path().join("d/support-plan.toml")).unwrap();
        let out = d.plan(&["diff", "--format", "json"]);
        assert_eq!(out.code, 2, "{spelled}: {}", out.stdout);
        assert_eq!(statuses(&out), both, "{spelled}");
    }
}

/// A plan edited in place (its product unchanged, so it is diffed as it is read) is still
/// counted among its side's files: a second file added for its product, or one that was
/// already there and stays unchanged, makes both files not load, never "changed".
#[test]
fn an_edited_plan_beside_a_second_file_for_its_product_does_not_load() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Add the billing plan", 1);
    d.run_git(&["tag", "a"]);
    d.edit("support-plan.toml", "retention = \"35d\"", "retention = \"30d\"");
    d.write("d/support-plan.toml", example());
    d.commit("Edit the plan and copy it", 2);
    d.run_git(&["tag", "b"]);
    let both = vec![
        ("d/support-plan.toml".to_owned(), "does-not-load".to_owned()),
        ("support-plan.toml".to_owned(), "does-not-load".to_owned()),
    ];
    for args in [["diff", "a", "b"], ["diff", "b", "a"]] {
        let out = d.plan(&[&args[..], &["--format", "json"]].concat());
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert_eq!(statuses(&out), both, "{args:?}");
    }
    // Edited again beside the unchanged copy: both sides hold two files for the product.
    d.edit("support-plan.toml", "retention = \"30d\"", "retention = \"20d\"");
    d.commit("Edit the plan again", 3);
    let out = d.plan(&["diff", "b", "HEAD", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let mut twice = both.clone();
    twice.extend(both.clone());
    twice.sort();
    assert_eq!(statuses(&out), twice, "{}", out.stdout);
    assert!(
        out.stdout.contains("support-plan.toml: product `acme-billing` is also the product of d/support-plan.toml")
    );
    // Without the copy the edit is a plain change.
    d.run_git(&["rm", "-q", "d/support-plan.toml"]);
    d.commit("Drop the copy", 4);
    let out = d.plan(&["diff", "a", "HEAD", "--format", "json"]);
    assert_eq!(statuses(&out), [("support-plan.toml".to_owned(), "modified".to_owned())], "{}", out.stdout);
    assert!(out.stdout.contains("\"35d\"") && out.stdout.contains("\"20d\""), "{}", out.stdout);
}

/// A plan whose product is renamed to the product of a plan left unchanged: two files name it.
#[test]
fn a_product_renamed_to_an_unchanged_plans_product_does_not_load() {
    let d = Dir::git();
    d.write("x/support-plan.toml", example().replacen("product = \"acme-billing\"", "product = \"svc-x\"", 1));
    d.write("y/support-plan.toml", example().replacen("product = \"acme-billing\"", "product = \"svc-y\"", 1));
    d.commit("Two plans", 1);
    d.edit("y/support-plan.toml", "product = \"svc-y\"", "product = \"svc-x\"");
    d.commit("Rename svc-y to svc-x", 2);
    let out = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    let st = statuses(&out);
    assert!(st.contains(&("x/support-plan.toml".into(), "does-not-load".into())), "{st:?}");
    assert!(st.contains(&("y/support-plan.toml".into(), "does-not-load".into())), "{st:?}");
    assert!(!out.stdout.contains("\"moved\""), "{}", out.stdout);
}

/// A plan committed as a symbolic link (inside the repository) is skipped in the work tree
/// as at a revision: a clean checkout is no change, and no "second file" for the product.
#[test]
fn a_committed_symlink_plan_is_skipped_in_the_work_tree_too() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Add the plan", 1);
    std::fs::create_dir_all(d.path().join("svc")).unwrap();
    std::os::unix::fs::symlink("../support-plan.toml", d.path().join("svc/support-plan.toml")).unwrap();
    d.commit("Link the plan", 2);
    assert_eq!(d.run_git(&["status", "--porcelain"]), "");
    let out = d.plan(&["diff"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(out.stdout.contains("no plan changed"), "{}", out.stdout);
    let all = format!("{}{}", out.stdout, out.stderr);
    assert!(all.contains("skipped svc/support-plan.toml: it is a symbolic link; plans must be regular files"), "{all}");
    let out = d.plan(&["check"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
}

/// A config change that starts (or stops) excluding a folder adds (or removes) its plans on
/// that side, between two revisions as against the work tree.
#[test]
fn a_config_that_stops_excluding_a_folder_brings_its_plans_in() {
    let d = Dir::git();
    d.write(".support-plan/config.toml", "[discovery]\nexclude = [\"fixtures/**\"]\n");
    d.write("support-plan.toml", example());
    d.write("fixtures/support-plan.toml", example());
    d.write("other/support-plan.toml", example().replacen("product = \"acme-billing\"", "product = \"acme-other\"", 1));
    d.write(".support-plan/config.toml", "[discovery]\nexclude = [\"fixtures/**\", \"other/**\"]\n");
    d.commit("Plans, the fixtures and other excluded", 1);
    d.run_git(&["tag", "a"]);
    d.write(".support-plan/config.toml", "[discovery]\nexclude = [\"fixtures/**\"]\n");
    d.commit("Stop excluding other", 2);
    d.run_git(&["tag", "b"]);
    d.write(".support-plan/config.toml", "[discovery]\nexclude = []\n");
    d.commit("Stop excluding the fixtures", 3);
    d.run_git(&["tag", "c"]);
    let out = d.plan(&["diff", "a", "b", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert!(statuses(&out).contains(&("other/support-plan.toml".into(), "added".into())), "{}", out.stdout);
    let out = d.plan(&["diff", "b", "a", "--format", "json"]);
    assert!(statuses(&out).contains(&("other/support-plan.toml".into(), "removed".into())), "{}", out.stdout);
    for args in [&["diff", "b", "c"][..], &["diff", "b"]] {
        let out = d.plan(&[args, &["--format", "json"]].concat());
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        let st = statuses(&out);
        for path in ["fixtures/support-plan.toml", "support-plan.toml"] {
            assert!(st.contains(&(path.into(), "does-not-load".into())), "{args:?}: {st:?}");
        }
    }
}

/// Plans under excluded folders stay out of a diff between two commits, whether the pattern
/// names the files under a folder (`fixtures/**`) or the folder itself (`vendor`), and however
/// they changed (here: broken, which would otherwise make the diff exit 2).
#[test]
fn excluded_folders_stay_out_of_a_diff_between_two_commits() {
    let d = Dir::git();
    d.write(".support-plan/config.toml", "[discovery]\nexclude = [\"fixtures/**\", \"vendor\"]\n");
    d.write("support-plan.toml", example());
    d.write("fixtures/a/support-plan.toml", example());
    d.write("vendor/lib/support-plan.toml", example());
    d.commit("Plan, a fixture and a vendored plan", 1);
    d.write("support-plan.toml", example().replacen("personal_data = true", "personal_data = false", 1));
    d.write("fixtures/a/support-plan.toml", "this is not a plan");
    d.write("vendor/lib/support-plan.toml", "nor is this");
    d.write("vendor/new/support-plan.toml", "[broken");
    d.commit("Edit the plan, break the excluded ones", 2);
    let out = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    assert_eq!(statuses(&out), [("support-plan.toml".to_owned(), "modified".to_owned())], "{}", out.stdout);
}

/// A config that does not load on one side is reported itself; it does not change which
/// plans that side has (its excluded folders stay excluded), so no plan is "added".
#[test]
fn a_broken_config_invents_no_added_or_removed_plan() {
    let d = Dir::git();
    d.write(".support-plan/config.toml", "[discovery]\nexclude = [\"fixtures/**\"]\n");
    d.write("support-plan.toml", example());
    d.write("fixtures/support-plan.toml", example().replacen("product = \"acme-billing\"", "product = \"fixture\"", 1));
    d.commit("Plan and a fixture", 1);
    d.write(".support-plan/config.toml", "[discovery\nexclude = [\"fixtures/**\"]\n");
    d.commit("Break the config", 2);
    for args in [&["diff", "HEAD~1", "HEAD"][..], &["diff", "HEAD", "HEAD~1"]] {
        let out = d.plan(&[args, &["--format", "json"]].concat());
        assert_eq!(out.code, 2, "{args:?}: {}", out.stdout);
        assert_eq!(statuses(&out), [(".support-plan/config.toml".to_owned(), "does-not-load".to_owned())], "{args:?}");
    }
}

/// A config committed as a symbolic link is refused at a revision, as in the work tree: read
/// as absent, it would drop the repository's stricter settings unseen.
#[test]
fn a_symlinked_config_is_refused_at_a_revision_too() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.write("shared/config.toml", "[gate]\nfail_on = \"warning\"\n");
    std::fs::create_dir_all(d.path().join(".support-plan")).unwrap();
    std::os::unix::fs::symlink("../shared/config.toml", d.path().join(".support-plan/config.toml")).unwrap();
    d.commit("Linked config", 1);
    let out = d.plan(&["check"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    let out = d.plan(&["check", "--rev", "HEAD"]);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains(".support-plan/config.toml is a symbolic link at "), "{}", out.stderr);
}
