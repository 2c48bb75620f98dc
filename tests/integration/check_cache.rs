//! `plan check --rev` keeps each plan's result in the git directory: a second run reads them
//! instead of parsing, and must say exactly what a run without the cache says; a result is
//! never taken for another date, revision, binary or a blob the repository lost.

use crate::support::*;

const CACHE: &str = ".git/supportplan/check-cache.json";

/// Plans that fail, suppress, do not load, and share a product id; a config that tunes a rule.
fn repo_of_every_kind_of_result() -> Dir {
    let d = Dir::git();
    let broken = replace_once(&example(), "last_review = 2026-10-01", "last_review = 2025-01-01");
    let broken = replace_once(&broken, "last = 2026-10-10", "last = 2026-01-01");
    d.write("support-plan.toml", replace_once(&broken, "email = \"bob@acme.example.com\"", "email = \"bob at acme\""));
    let api = replace_once(&example(), "product = \"acme-billing\"", "product = \"acme-api\"");
    let api = replace_once(&api, "email = \"bob@acme.example.com\"", "email = \"bob at acme\"");
    d.write(
        "svc/a/support-plan.toml",
        format!("{api}\n[suppress.\"contacts/format\"]\nreason = \"Bob's mail moves\"\nuntil = 2027-01-01\n"),
    );
    d.write("svc/b/support-plan.toml", replace_once(&example(), "schema_version = 1", "schema_version = = 1"));
    d.write("svc/c/support-plan.toml", &api);
    d.write(
        ".support-plan/config.toml",
        "[rules.\"budget/growth-review\"]\nseverity = \"info\"\nreason = \"growth is reviewed quarterly elsewhere\"\n",
    );
    d.run_git(&["add", "-A"]);
    d.commit("plans", 1);
    d
}

/// A repository with `plan` as its one plan, committed.
fn committed(plan: &str) -> Dir {
    let d = Dir::git();
    d.write("support-plan.toml", plan);
    d.run_git(&["add", "-A"]);
    d.commit("plan", 1);
    d
}

fn cache_json(d: &Dir) -> serde_json::Value {
    serde_json::from_str(&d.read(CACHE)).expect("the cache is JSON")
}

/// The repository's cache with every finding taken out, this binary's stamp kept: what a
/// forger with write access to the git directory would write.
fn passing(d: &Dir) -> String {
    let mut forged = cache_json(d);
    for entry in forged["plans"].as_object_mut().unwrap().values_mut() {
        entry["findings"] = serde_json::json!([]);
        entry["quoted"] = serde_json::json!([]);
    }
    forged.to_string()
}

#[test]
fn a_revision_checked_again_reads_the_kept_results_and_says_the_same() {
    let d = repo_of_every_kind_of_result();
    for format in ["human", "json"] {
        let args = ["check", "--rev", "HEAD", "--now", NOW, "--format", format];
        let parsed = d.plan(&[&args[..], &["--no-cache"]].concat());
        assert!(!d.path().join(CACHE).exists(), "--no-cache writes nothing");
        assert_eq!(parsed.code, 2, "a plan does not load: {}{}", parsed.stdout, parsed.stderr);
        let first = d.plan(&args);
        assert!(d.path().join(CACHE).is_file(), "the first run keeps its results");
        let second = d.plan(&[&args[..], &["-v"]].concat());
        assert!(second.stderr.contains("4 of 4 plans' results from the check cache"), "{}", second.stderr);
        assert!(second.stderr.contains("kept result of svc/b/support-plan.toml at HEAD ("), "{}", second.stderr);
        for run in [&first, &second] {
            assert_eq!((run.code, &run.stdout), (parsed.code, &parsed.stdout), "{format}");
        }
        std::fs::remove_file(d.path().join(CACHE)).unwrap();
    }
    // What the report holds, so the comparison above compares something.
    let json = d.plan(&["check", "--rev", "HEAD", "--now", NOW, "--format", "json"]);
    let (_, report) = (json.code, serde_json::from_str::<serde_json::Value>(&json.stdout).unwrap());
    let rules = rules_of(&report);
    for rule in ["plan/review-overdue", "contacts/format", "schema/valid", "refs/duplicate-id", "budget/growth-review"]
    {
        assert!(rules.iter().any(|r| r == rule), "{rule} in {rules:?}");
    }
    assert_eq!(report["suppressed"][0]["rule"], "contacts/format");
    let tuned = report["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "budget/growth-review").unwrap();
    assert_eq!((&tuned["severity"], tuned["severity_source"].is_string()), (&"info".into(), true), "{tuned}");
    let human = d.plan(&["check", "--rev", "HEAD", "--now", NOW]);
    assert!(human.stdout.contains("email = \"bob at acme\""), "snippets come back from the cache: {}", human.stdout);
}

/// Hundreds of findings on one long line (every person of the plan in one inline table, each
/// with a bad address): the cache keeps each finding, not the line once per finding, and the
/// snippets come back from the blob.
#[test]
fn findings_on_one_long_line_keep_the_cache_small_and_their_snippets() {
    let people: Vec<String> = ["alice", "bob", "carol", "dave"]
        .into_iter()
        .map(|id| format!("{id} = {{ name = \"{id}\", role = \"r\", email = \"{id}@acme.example.com\" }}"))
        .chain((0..400).map(|i| format!("x{i} = {{ name = \"X {i}\", role = \"r\", email = \"not an address {i}\" }}")))
        .collect();
    let plan = cut(&example(), "[contacts.people.alice]", "[contacts.teams.team-billing]");
    let plan = replace_once(
        &plan,
        "[contacts.teams.team-billing]",
        &format!("[contacts]\npeople = {{ {} }}\n\n[contacts.teams.team-billing]", people.join(", ")),
    );
    let d = committed(&plan);
    for format in ["human", "json"] {
        let args = ["check", "--rev", "HEAD", "--now", NOW, "--format", format];
        let parsed = d.plan(&[&args[..], &["--no-cache"]].concat());
        assert_eq!(parsed.code, 1, "{}{}", parsed.stdout, parsed.stderr);
        assert_eq!(parsed.stdout.matches("is not an email address").count(), 400, "{}", parsed.stderr);
        d.plan(&args);
        let cached = d.plan(&[&args[..], &["-v"]].concat());
        assert!(cached.stderr.contains("1 of 1 plans' results from the check cache"), "{}", cached.stderr);
        assert_eq!((cached.code, &cached.stdout), (parsed.code, &parsed.stdout), "{format}");
    }
    let line = plan.lines().find(|l| l.starts_with("people = ")).unwrap().len();
    let cache = std::fs::metadata(d.path().join(CACHE)).unwrap().len();
    assert!(cache < 400 * 1024 && (cache as usize) < 20 * line, "{cache} bytes for a {line}-byte line");
}

#[test]
fn a_result_is_kept_for_the_date_and_the_revision_it_was_made_for() {
    let d = committed(&example());
    d.run_git(&["tag", "v1.0.0"]);
    let out = d.plan(&["check", "--rev", "HEAD", "--now", NOW]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    // Due 2027-04-01: the same blob, checked later, is overdue.
    let later = d.plan(&["check", "--rev", "HEAD", "--now", "2027-06-01", "--format", "json"]);
    assert_eq!(later.code, 1, "{}", later.stdout);
    let report: serde_json::Value = serde_json::from_str(&later.stdout).unwrap();
    assert!(rules_of(&report).contains(&"plan/review-overdue".to_owned()), "{}", later.stdout);
    // The same blob through another name: its kept result, naming that revision.
    for format in ["json", "human"] {
        let args = ["check", "--rev", "v1.0.0", "--now", "2027-06-01", "--format", format, "-v"];
        let tagged = d.plan(&args);
        assert!(tagged.stderr.contains("1 of 1 plans' results from the check cache"), "{}", tagged.stderr);
        let parsed = d.plan(&[&args[..], &["--no-cache"]].concat());
        assert_eq!((tagged.code, &tagged.stdout), (parsed.code, &parsed.stdout));
        assert!(tagged.stdout.contains("v1.0.0"), "{}", tagged.stdout);
    }
    // A new commit that changes the plan is checked, not answered by the old blob's result.
    d.edit("support-plan.toml", "email = \"bob@acme.example.com\"", "email = \"bob at acme\"");
    d.run_git(&["commit", "-qam", "typo"]);
    let out = d.plan(&["check", "--rev", "HEAD", "--now", NOW, "-v"]);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stdout.contains("`bob at acme` is not an email address"), "{}", out.stdout);
    assert!(out.stderr.contains("0 of 1 plans' results from the check cache"), "{}", out.stderr);
}

#[test]
fn a_cache_from_another_binary_or_a_damaged_one_is_not_believed() {
    let d = committed(&replace_once(&example(), "last_review = 2026-10-01", "last_review = 2025-01-01"));
    let args = ["check", "--rev", "HEAD", "--now", NOW, "--format", "json"];
    assert_eq!(d.plan(&args).code, 1);
    let forged = |stamp: Option<&str>| {
        let mut cache: serde_json::Value = serde_json::from_str(&passing(&d)).unwrap();
        if let Some(stamp) = stamp {
            cache["stamp"] = stamp.into();
        }
        cache.to_string()
    };
    // Written by another build of plan: the stamp differs, so nothing of it is read.
    let stamp = cache_json(&d)["stamp"].as_str().unwrap().to_owned();
    let other = format!("{stamp}0");
    d.write(CACHE, forged(Some(&other)));
    let out = d.plan(&args);
    assert_eq!(out.code, 1, "{}", out.stdout);
    // Damaged, truncated, or not a file at all: as if there were none, and said with -v.
    for damage in ["{\"format\":1,\"stamp\":", "\u{0}\u{1}binary", ""] {
        d.write(CACHE, damage);
        let out = d.plan(&[&args[..], &["-v"]].concat());
        assert_eq!(out.code, 1, "{damage:?}: {}", out.stdout);
        assert!(out.stderr.contains("the check cache is not used"), "{}", out.stderr);
        assert!(cache_json(&d)["plans"].as_object().is_some_and(|p| p.len() == 1), "rewritten whole");
    }
    std::fs::remove_file(d.path().join(CACHE)).unwrap();
    std::fs::create_dir(d.path().join(CACHE)).unwrap();
    let out = d.plan(&[&args[..], &["-v"]].concat());
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("the check cache was not written"), "{}", out.stderr);
    std::fs::remove_dir(d.path().join(CACHE)).unwrap();
    // Locations that do not fit the plan (a caret 2^63 columns long, an end before the
    // start) are not believed either.
    for (field, value) in [("end_column", serde_json::json!(i64::MAX)), ("end_line", serde_json::json!(1))] {
        assert_eq!(d.plan(&args).code, 1);
        let mut cache = cache_json(&d);
        for entry in cache["plans"].as_object_mut().unwrap().values_mut() {
            for f in entry["findings"].as_array_mut().unwrap() {
                f["location"][field] = value.clone();
            }
        }
        d.write(CACHE, cache.to_string());
        let human = d.plan(&["check", "--rev", "HEAD", "--now", NOW, "-v"]);
        assert_eq!(human.code, 1, "{field}: {}{}", human.stdout, human.stderr);
        assert!(human.stderr.contains("0 of 1 plans' results from the check cache"), "{field}: {}", human.stderr);
        assert_eq!(human.stdout, d.plan(&["check", "--rev", "HEAD", "--now", NOW, "--no-cache"]).stdout);
        std::fs::remove_file(d.path().join(CACHE)).unwrap();
    }
    // The trust boundary, as SECURITY.md states it: the cache is as trusted as the git
    // directory it is in (whoever writes there can move refs or install hooks). A forged
    // entry with this binary's stamp is believed by `check --rev`, and by nothing else.
    assert_eq!(d.plan(&args).code, 1);
    d.write(CACHE, forged(None));
    assert_eq!(d.plan(&args).code, 0, "the forged entry is what --rev reads");
    assert_eq!(d.plan(&[&args[..], &["--no-cache"]].concat()).code, 1, "--no-cache parses the plan");
    assert_eq!(d.plan(&["check", "--now", NOW]).code, 1, "the work tree is always parsed");
}

#[test]
fn symbolic_links_where_the_cache_goes_are_never_followed() {
    let d = committed(&replace_once(&example(), "last_review = 2026-10-01", "last_review = 2025-01-01"));
    let args = ["check", "--rev", "HEAD", "--now", NOW, "-v"];
    let outside = Dir::new();
    // The folder a link to another: nothing is written through it.
    std::os::unix::fs::symlink(outside.path(), d.path().join(".git/supportplan")).unwrap();
    let out = d.plan(&args);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("the check cache was not written"), "{}", out.stderr);
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0, "nothing written outside the repository");
    std::fs::remove_file(d.path().join(".git/supportplan")).unwrap();
    // Nor read through it: a cache that passes the plan, with this binary's stamp, planted in
    // the folder the link names.
    assert_eq!(d.plan(&args).code, 1);
    let forged = passing(&d);
    std::fs::remove_dir_all(d.path().join(".git/supportplan")).unwrap();
    outside.write("check-cache.json", &forged);
    std::os::unix::fs::symlink(outside.path(), d.path().join(".git/supportplan")).unwrap();
    let out = d.plan(&args);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("the check cache is not used"), "{}", out.stderr);
    std::fs::remove_file(d.path().join(".git/supportplan")).unwrap();
    std::fs::remove_file(outside.path().join("check-cache.json")).unwrap();
    // The file a link to one that passes the plan: not read, and the link is replaced by the
    // file written in its place, never written through.
    assert_eq!(d.plan(&args).code, 1);
    let forged = passing(&d);
    let target = outside.write("cache.json", &forged);
    std::fs::remove_file(d.path().join(CACHE)).unwrap();
    std::os::unix::fs::symlink(&target, d.path().join(CACHE)).unwrap();
    let out = d.plan(&args);
    assert_eq!(out.code, 1, "{}", out.stdout);
    assert!(out.stderr.contains("the check cache is not used"), "{}", out.stderr);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), forged, "the link's target is untouched");
    assert!(!d.path().join(CACHE).is_symlink(), "the link was replaced by the cache file");
}

#[test]
fn a_kept_result_for_a_blob_the_repository_lost_or_damaged_is_not_an_answer() {
    let d = committed(&example());
    let blob = d.run_git(&["rev-parse", "HEAD:support-plan.toml"]);
    let object = d.path().join(".git/objects").join(&blob[..2]).join(blob.trim().get(2..).unwrap());
    let pristine = std::fs::read(&object).unwrap();
    let args = ["check", "--rev", "HEAD", "--now", NOW];
    // Emptied (what a crash leaves), or another object's bytes: damaged, as without the cache.
    let other = d.run_git(&["hash-object", "-w", "--stdin"]);
    let other = std::fs::read(d.path().join(".git/objects").join(&other[..2]).join(other.trim().get(2..).unwrap()));
    for damage in [Vec::new(), other.unwrap()] {
        assert_eq!(d.plan(&args).code, 0);
        std::fs::remove_file(&object).unwrap();
        std::fs::write(&object, &damage).unwrap();
        for no_cache in [false, true] {
            let out = d.plan(&[&args[..], if no_cache { &["--no-cache"][..] } else { &[][..] }].concat());
            assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
            assert!(out.stderr.contains("it is damaged"), "{}", out.stderr);
        }
        std::fs::remove_file(&object).unwrap();
        std::fs::write(&object, &pristine).unwrap();
    }
    // Gone.
    assert_eq!(d.plan(&args).code, 0);
    std::fs::remove_file(&object).unwrap();
    let out = d.plan(&args);
    assert_eq!(out.code, 2, "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains(&format!("object {} is missing", &blob[..12])), "{}", out.stderr);
}

/// Runs `args` with and without the cache: both must exit 2 calling the object damaged.
fn both_say_damaged(dir: &std::path::Path, args: &[&str]) {
    for no_cache in [&[][..], &["--no-cache"][..]] {
        let out = run_plan(dir, &[args, no_cache].concat());
        assert_eq!(out.code, 2, "{no_cache:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("it is damaged"), "{}", out.stderr);
    }
}

#[test]
fn a_plan_damaged_in_a_pack_or_an_alternate_is_damaged_with_or_without_the_cache() {
    let origin = committed(&example());
    let args = ["check", "--rev", "HEAD", "--now", NOW];
    // Borrowing its objects from `origin` (`git clone --shared`), whose loose plan blob is
    // then swapped for another object's file.
    let d = Dir::new();
    let clone = d.path().join("c");
    d.run_git(&["clone", "-q", "--shared", origin.path().to_str().unwrap(), clone.to_str().unwrap()]);
    assert_eq!(run_plan(&clone, &args).code, 0);
    let blob = origin.run_git(&["rev-parse", "HEAD:support-plan.toml"]);
    let object = origin.path().join(".git/objects").join(&blob[..2]).join(blob.trim().get(2..).unwrap());
    let empty = origin.run_git(&["hash-object", "-w", "--stdin"]);
    let empty =
        std::fs::read(origin.path().join(".git/objects").join(&empty[..2]).join(empty.trim().get(2..).unwrap()));
    std::fs::remove_file(&object).unwrap();
    std::fs::write(&object, empty.unwrap()).unwrap();
    both_say_damaged(&clone, &args);
    // Packed, with bytes of its compressed data overwritten.
    let d = committed(&example());
    d.run_git(&["gc", "-q"]);
    assert_eq!(d.plan(&args).code, 0);
    let blob = d.run_git(&["rev-parse", "HEAD:support-plan.toml"]);
    let pack_dir = d.path().join(".git/objects/pack");
    let idx = std::fs::read_dir(&pack_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    let listing = d.run_git(&["verify-pack", "-v", idx.to_str().unwrap()]);
    let line = listing.lines().find(|l| l.starts_with(blob.trim())).expect("the blob is in the pack");
    let offset: u64 = line.split_whitespace().nth(4).unwrap().parse().unwrap();
    let pack = idx.with_extension("pack");
    let mut bytes = std::fs::read(&pack).unwrap();
    for b in &mut bytes[offset as usize + 40..offset as usize + 44] {
        *b ^= 0x5a;
    }
    std::fs::remove_file(&pack).unwrap();
    std::fs::write(&pack, bytes).unwrap();
    both_say_damaged(d.path(), &args);
}

#[test]
fn a_replaced_plan_is_read_as_git_shows_it_and_never_from_the_cache() {
    let d = committed(&example());
    let args = ["check", "--rev", "HEAD", "--now", NOW, "-v"];
    assert_eq!(d.plan(&args).code, 0);
    let failing = d
        .write("failing.toml", replace_once(&example(), "email = \"bob@acme.example.com\"", "email = \"bob at acme\""));
    let replacement = d.run_git(&["hash-object", "-w", failing.to_str().unwrap()]);
    let original = d.run_git(&["rev-parse", "HEAD:support-plan.toml"]);
    d.run_git(&["replace", original.trim(), replacement.trim()]);
    assert!(d.run_git(&["show", "HEAD:support-plan.toml"]).contains("bob at acme"), "git shows the replacement");
    for extra in [&[][..], &["--no-cache"][..]] {
        let out = d.plan(&[&args[..], extra].concat());
        assert_eq!(out.code, 1, "{}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("`bob at acme` is not an email address"), "{}", out.stdout);
        assert!(!out.stderr.contains("kept result"), "{}", out.stderr);
    }
}

#[test]
fn another_binary_copied_over_this_one_keeping_its_time_and_size_does_not_reuse_its_results() {
    let d = committed(&example());
    let bin = Dir::new();
    let plan = bin.path().join("plan");
    std::fs::copy(env!("CARGO_BIN_EXE_plan"), &plan).unwrap();
    let run = || {
        let out = std::process::Command::new(&plan)
            .args(["check", "--rev", "HEAD", "--now", NOW, "-v"])
            .current_dir(d.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    assert!(run().contains("0 of 1 plans' results from the check cache"));
    assert!(run().contains("1 of 1 plans' results from the check cache"));
    // The same bytes stand in for another build: what `cp -p` or `install -p` of one leaves
    // (same path, size and modification time).
    let modified = std::fs::metadata(&plan).unwrap().modified().unwrap();
    let copy = bin.path().join("plan.new");
    std::fs::copy(&plan, &copy).unwrap();
    std::fs::File::options().write(true).open(&copy).unwrap().set_modified(modified).unwrap();
    std::fs::rename(&copy, &plan).unwrap();
    let stderr = run();
    assert!(stderr.contains("0 of 1 plans' results from the check cache"), "{stderr}");
}

/// `-v` names each plan it read or took a kept result for: a path from the tree that holds an
/// escape sequence or a line break reaches the terminal as visible text.
#[test]
fn verbose_notes_show_hostile_paths_as_text() {
    let d = Dir::git();
    d.write("evil\u{1b}[31m\nred/support-plan.toml", example());
    d.run_git(&["add", "-A"]);
    d.commit("plan", 1);
    for run in ["parsed", "kept"] {
        let out = d.plan(&["check", "--rev", "HEAD", "--now", NOW, "-v"]);
        assert_eq!(out.code, 0, "{run}: {}{}", out.stdout, out.stderr);
        assert!(!out.stderr.contains('\u{1b}'), "{run}: {:?}", out.stderr);
        let note = out.stderr.lines().find(|l| l.contains("support-plan.toml at HEAD")).unwrap_or_default();
        assert!(note.contains("evil") && note.contains("red/support-plan.toml"), "{run}: {:?}", out.stderr);
    }
}
