//! `plan due`: every dated obligation, derived from the plan, judged as of `--now`.

use crate::support::*;

fn due(d: &Dir, args: &[&str]) -> (i32, serde_json::Value) {
    let mut all = vec!["due", "--format", "json"];
    all.extend_from_slice(args);
    let out = d.plan(&all);
    let v = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    (out.code, v)
}

fn find<'a>(v: &'a serde_json::Value, kind: &str, path: &str) -> &'a serde_json::Value {
    v["obligations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind && o["path"] == path)
        .unwrap_or_else(|| panic!("no {kind} at {path}: {v:#}"))
}

#[test]
fn every_kind_of_obligation_with_its_date_owner_and_line() {
    let d = Dir::git();
    d.write(
        "support-plan.toml",
        format!(
            "{}\n[suppress.\"contacts/links\"]\nreason = \"internal http until the proxy moves\"\nuntil = 2026-12-01\n",
            example()
        ),
    );
    d.write(
        ".support-plan/waivers.toml",
        "[waivers.p95-cache]\ncheck = \"criterion:p95-latency\"\nreason = \"Cache layer lands in 1.1\"\napproved_by = [\"@alice\", \"dave\"]\ncreated = 2026-11-10\nexpires = 2026-12-10\n",
    );
    d.commit("plan", 1);
    let (code, v) = due(&d, &["--now", NOW]);
    assert_eq!(code, 0);
    let expect = [
        ("end-of-support", "strategy.lifetime.end_of_support", "2028-12-31", "later"),
        ("plan-review", "strategy.lifetime.last_review", "2027-04-01", "later"),
        ("platform-eol", "environment.software.postgres.eol", "2028-11-09", "later"),
        ("license-renewal", "environment.licenses.datadog.expires", "2027-08-01", "later"),
        ("access-review", "environment.security.last_access_review", "2027-01-20", "later"),
        ("restore-test", "responsibilities.backup.last_restore_test", "2027-04-15", "later"),
        ("growth-review", "resources.growth_review.last", "2027-01-10", "later"),
        ("budget-end", "resources.budgets.fy2026-27.to", "2027-06-30", "later"),
        ("assumption-revisit", "assumptions.peak-load.revisit_by", "2027-03-31", "later"),
        ("suppression-expiry", "suppress.contacts/links.until", "2026-12-01", "due"),
        ("waiver-expiry", "waivers.p95-cache.expires", "2026-12-10", "due"),
    ];
    for (kind, path, date, state) in expect {
        let o = find(&v, kind, path);
        assert_eq!((o["due"].as_str().unwrap(), o["state"].as_str().unwrap()), (date, state), "{kind}: {o:#}");
        assert!(o["line"].as_u64().unwrap() > 1, "{kind} names its line: {o:#}");
        assert!(!o["uid"].as_str().unwrap().is_empty());
    }
    // The license renewal is the renewal owner's, resolved from the contacts.
    let license = find(&v, "license-renewal", "environment.licenses.datadog.expires");
    assert_eq!(license["owner"]["id"], "finops", "{license:#}");
    assert!(license["owner"]["name"].is_string(), "{license:#}");
    assert_eq!(find(&v, "waiver-expiry", "waivers.p95-cache.expires")["file"], ".support-plan/waivers.toml");
    // Sorted by date.
    let dates: Vec<&str> = v["obligations"].as_array().unwrap().iter().map(|o| o["due"].as_str().unwrap()).collect();
    assert!(dates.windows(2).all(|w| w[0] <= w[1]), "{dates:?}");
    // Later, things fall due and pass.
    let (code, v) = due(&d, &["--now", "2027-01-15", "--fail-on", "overdue"]);
    assert_eq!(code, 1, "something is overdue");
    assert_eq!(find(&v, "growth-review", "resources.growth_review.last")["state"], "overdue");
    assert_eq!(find(&v, "access-review", "environment.security.last_access_review")["state"], "due");
    assert_eq!(find(&v, "waiver-expiry", "waivers.p95-cache.expires")["state"], "overdue");
    let (_, v) = due(&d, &["--now", "2027-01-15", "--within", "3mo"]);
    assert_eq!(find(&v, "assumption-revisit", "assumptions.peak-load.revisit_by")["state"], "due");
}

/// A major release since the last review makes the plan review due at once, where the plan
/// lists the `major-release` trigger.
#[test]
fn a_major_release_since_the_last_review_makes_the_review_due() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit_at("plan", "2026-11-01T12:00:00Z");
    d.run_git(&["tag", "v2.0.0"]);
    let (_, v) = due(&d, &["--now", NOW]);
    let review = find(&v, "plan-review", "strategy.lifetime.last_review");
    assert_eq!((review["due"].as_str().unwrap(), review["state"].as_str().unwrap()), ("2026-11-01", "overdue"));
    assert!(review["what"].as_str().unwrap().contains("v2.0.0 is a major release"), "{review:#}");
    let human = d.plan(&["due", "--now", NOW]);
    assert!(
        human.stdout.lines().next().unwrap().starts_with("overdue  2026-11-01  acme-billing  plan review"),
        "{}",
        human.stdout
    );
    let md = d.plan(&["due", "--now", NOW, "--format", "markdown"]);
    assert!(
        md.stdout.contains("#### Overdue (1)\n\n- [ ] **2026-11-01** `acme-billing`: plan review"),
        "{}",
        md.stdout
    );
}

/// The calendar feed: RFC 5545, read back by an independent parser (the `ical` crate), one
/// all-day event per obligation with a stable UID.
#[test]
fn the_calendar_feed_parses_and_keeps_its_uids() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("plan", 1);
    let first = d.plan(&["due", "--now", NOW, "--format", "ics"]);
    assert_eq!(first.code, 0, "{}", first.stderr);
    assert!(first.stdout.starts_with("BEGIN:VCALENDAR\r\n"), "{}", &first.stdout[..60]);
    let reader = ical::IcalParser::new(std::io::BufReader::new(first.stdout.as_bytes()));
    let calendars: Vec<_> = reader.collect::<Result<_, _>>().expect("a valid iCalendar");
    assert_eq!(calendars.len(), 1);
    let events = &calendars[0].events;
    let json =
        serde_json::from_str::<serde_json::Value>(&d.plan(&["due", "--now", NOW, "--format", "json"]).stdout).unwrap();
    assert_eq!(events.len(), json["obligations"].as_array().unwrap().len());
    let prop = |e: &ical::parser::ical::component::IcalEvent, name: &str| {
        e.properties.iter().find(|p| p.name == name).and_then(|p| p.value.clone()).unwrap_or_default()
    };
    let eos = events
        .iter()
        .find(|e| prop(e, "UID") == "end-of-support.acme-billing.strategy.lifetime.end_of_support@supportplan")
        .unwrap();
    assert_eq!(prop(eos, "DTSTART"), "20281231");
    assert!(prop(eos, "DESCRIPTION").contains("support-plan.toml:52"), "{}", prop(eos, "DESCRIPTION"));
    // Another day, the same UIDs: a re-import updates the events.
    let later = d.plan(&["due", "--now", "2027-02-01", "--format", "ics"]);
    let uids =
        |text: &str| -> Vec<String> { text.lines().filter(|l| l.starts_with("UID:")).map(str::to_owned).collect() };
    assert_eq!(uids(&first.stdout), uids(&later.stdout));
}

/// `plan render` carries the plan's timeline as a Mermaid gantt block: the support lifetime,
/// release tags from git, freeze windows, license and waiver expiries, today. Names from the
/// plan cannot break a task line or the fence.
#[test]
fn render_draws_the_timeline_as_a_gantt_chart() {
    let d = Dir::git();
    d.write(
        "support-plan.toml",
        example().replacen(
            "[strategy.release.freeze_windows.year-end]",
            "[strategy.release.freeze_windows.dateformat]",
            1,
        ),
    );
    d.write(
        ".support-plan/waivers.toml",
        "[waivers.p95-cache]\ncheck = \"criterion:p95-latency\"\nreason = \"r\"\napproved_by = [\"@alice\", \"dave\"]\ncreated = 2026-11-10\nexpires = 2026-12-10\n",
    );
    d.commit_at("plan", "2026-10-05T12:00:00Z");
    d.run_git(&["tag", "v1.0.0"]);
    d.run_git(&["tag", "nightly"]);
    let out = d.plan(&["render", "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let start = out.stdout.find("```mermaid\ngantt\n").expect("a gantt block");
    let block = &out.stdout[start..start + out.stdout[start..].find("\n```\n").unwrap()];
    for line in [
        "    Supported : 2025-01-15, 2028-12-31",
        "    section Releases\n    v1.0.0 : milestone, 2026-10-05, 0d",
        "    freeze dateformat : 2026-12-20, 2027-01-05",
        "    inclusiveEndDates\n",
        "    datadog expires : milestone, 2027-09-30, 0d",
        "    waiver p95-cache expires : milestone, 2026-12-10, 0d",
        "    Today : milestone, 2026-11-26, 0d",
    ] {
        assert!(block.contains(line), "{line:?} in\n{block}");
    }
    assert!(!block.contains("nightly"), "a tag that is no version is no release");
    assert_eq!(block.matches("```").count(), 1, "only the opening fence inside: {block}");
    // Every task line is `name : spec`, one colon.
    for l in block.lines().filter(|l| l.starts_with("    ") && l.contains(" : ")) {
        assert_eq!(l.matches(':').count(), 1, "{l}");
    }
}

/// What an attack on `plan due` found: all-day events that end the next day, plan text that
/// cannot forge calendar lines, placeholders that are no deadlines, duplicate products,
/// broken plans, continued budgets, external owners, endless periods, bad labels.
#[test]
fn due_holds_against_odd_and_hostile_plans() {
    let d = Dir::git();
    let plan = example()
        .replacen("vendor = \"Datadog\"", "vendor = \"D\\rEND:VEVENT\\rBEGIN:VEVENT\\rUID:evil\\rSUMMARY:injected\"", 1)
        .replacen("review_interval = \"6mo\"", "review_interval = \"99999999y\"", 1)
        .replacen("[responsibilities.backup]\nowner = \"platform-team\"", "[responsibilities.backup]\nowner = \"erp-support\"", 1)
        .replacen("[resources.budgets.fy2026-27]", "[resources.budgets.fy2027-28]\nfrom = 2027-07-01\nto = 2028-06-30\namount = { amount = 1, currency = \"EUR\", per = \"once\" }\n\n[resources.budgets.fy2026-27]", 1);
    d.write("support-plan.toml", &plan);
    d.commit("plan", 1);
    let ics = d.plan(&["due", "--now", NOW, "--format", "ics"]);
    assert_eq!(ics.code, 0, "{}", ics.stderr);
    let lines: Vec<&str> = ics.stdout.split(['\r', '\n']).filter(|l| !l.is_empty()).collect();
    assert!(!lines.iter().any(|l| *l == "UID:evil" || *l == "SUMMARY:injected"), "a forged event");
    let starts: Vec<&&str> = lines.iter().filter(|l| l.starts_with("DTSTART")).collect();
    let ends: Vec<&&str> = lines.iter().filter(|l| l.starts_with("DTEND")).collect();
    assert_eq!(starts.len(), ends.len());
    assert!(
        ics.stdout.contains("DTSTART;VALUE=DATE:20281231\r\nDTEND;VALUE=DATE:20290101") || {
            let s = ics.stdout.find("DTSTART;VALUE=DATE:20281231").unwrap();
            ics.stdout[s.saturating_sub(300)..s + 300].contains("DTEND;VALUE=DATE:20290101")
        },
        "an all-day event ends the next day"
    );
    let (_, v) = due(&d, &["--now", NOW]);
    let review = find(&v, "plan-review", "strategy.lifetime.last_review");
    assert_eq!(review["state"], "later", "an endless interval is never due: {review:#}");
    assert_eq!(find(&v, "restore-test", "responsibilities.backup.last_restore_test")["owner"]["name"], "Finance IT");
    assert!(
        !v["obligations"].as_array().unwrap().iter().any(|o| o["path"] == "resources.budgets.fy2026-27.to"),
        "a budget the next one continues is no deadline: {v:#}"
    );
    // Placeholders of a fresh template are no deadlines.
    let fresh = Dir::git();
    assert_eq!(fresh.plan(&["init"]).code, 0);
    let (_, v) = due(&fresh, &["--now", NOW]);
    assert!(
        !v["obligations"].as_array().unwrap().iter().any(|o| o["due"].as_str().unwrap().starts_with("1970")),
        "{v:#}"
    );
    // The same product twice: refused. A plan that does not load: the others, then exit 2.
    d.write("other/support-plan.toml", &plan);
    let out = d.plan(&["due", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("product id `acme-billing` is used by"), "{}", out.stderr);
    d.write("other/support-plan.toml", "schema_version = 1\n[plan\n");
    let out = d.plan(&["due", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).expect("the other plans' obligations");
    assert!(!v["obligations"].as_array().unwrap().is_empty());
    // A reminder label GitHub would split.
    d.write(".support-plan/config.toml", "[remind]\nlabel = \"support plan,urgent\"\n");
    let out = d.plan(&["due", "--now", NOW]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("remind.label"), "{}", out.stderr);
}

/// What a second attack found: a plan's own tag pattern counts (not only the repository's
/// `v*`), a shallow clone cannot judge a review due at a major release, a calendar is never
/// written with deadlines missing, JSON says when its list is incomplete, a symlinked waiver
/// file is refused, and the calendar names its maker and drops bidirectional overrides.
#[test]
fn due_holds_against_tag_patterns_shallow_clones_and_partial_lists() {
    let d = Dir::git();
    d.write(
        "support-plan.toml",
        example().replacen("tag_pattern = \"v{version}\"", "tag_pattern = \"release-{version}\"", 1).replacen(
            "vendor = \"Datadog\"",
            "vendor = \"Data\u{202e}dog\"",
            1,
        ),
    );
    d.commit_at("plan", "2026-10-05T12:00:00Z");
    d.write("app.txt", "2\n");
    d.commit_at("two", "2026-11-02T12:00:00Z");
    d.run_git_at(&["tag", "-a", "release-2.0.0", "-m", "2.0.0"], "2026-11-02T12:00:00Z");
    let (code, v) = due(&d, &["--now", NOW]);
    assert_eq!(code, 0);
    assert_eq!(v["complete"], true);
    let review = find(&v, "plan-review", "strategy.lifetime.last_review");
    assert_eq!(review["due"], "2026-11-02", "the plan's own tag pattern: {review:#}");
    let block = d.plan(&["render", "--now", NOW]).stdout;
    assert!(block.contains("    release-2.0.0 : milestone, 2026-11-02, 0d"), "{block}");
    assert!(block.contains("    Next plan review : milestone, 2026-11-02, 0d"), "{block}");
    let ics = d.plan(&["due", "--now", NOW, "--format", "ics"]).stdout;
    assert!(ics.contains("PRODID:-//supportplan//plan due "), "{}", &ics[..200]);
    assert!(!ics.contains('\u{202e}') && ics.contains("Datadog"), "no bidirectional override");

    // A shallow clone of it: the release may be beyond the boundary.
    let shallow = Dir::new();
    let url = format!("file://{}", d.path().display());
    let out = std::process::Command::new("git")
        .args(["clone", "-q", "--depth", "1", &url, "."])
        .current_dir(shallow.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let out = shallow.plan(&["due", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("shallow clone") && out.stderr.contains("fetch-depth: 0"), "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["complete"], false);

    // A plan that does not load: JSON says so, and no calendar is written.
    d.write("other/support-plan.toml", "schema_version = 1\n[plan\n");
    let (code, v) = due(&d, &["--now", NOW]);
    assert_eq!((code, &v["complete"]), (2, &serde_json::json!(false)));
    let ics = d.plan(&["due", "--now", NOW, "--format", "ics"]);
    assert_eq!(ics.code, 2);
    assert_eq!(ics.stdout, "", "no calendar with deadlines missing");
    assert!(ics.stderr.contains("the calendar was not written"), "{}", ics.stderr);
    std::fs::remove_dir_all(d.path().join("other")).unwrap();

    // A waiver file that is a symbolic link (here to a file outside the repository).
    let outside = Dir::new();
    outside.write("waivers.toml", "[waivers.x]\ncheck = \"criterion:p95-latency\"\nreason = \"r\"\napproved_by = [\"@alice\", \"dave\"]\ncreated = 2026-11-10\nexpires = 2026-12-10\n");
    std::fs::create_dir_all(d.path().join(".support-plan")).unwrap();
    std::os::unix::fs::symlink(outside.path().join("waivers.toml"), d.path().join(".support-plan/waivers.toml"))
        .unwrap();
    for args in [&["due", "--now", NOW][..], &["render", "--now", NOW][..]] {
        let out = d.plan(args);
        assert_eq!(out.code, 2, "{args:?}: {}", out.stderr);
        assert!(out.stderr.contains(".support-plan/waivers.toml is a symbolic link"), "{args:?}: {}", out.stderr);
    }
}
