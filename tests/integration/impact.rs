//! The impact catalogue as a user meets it: one edit of the example plan at a time, the
//! impact and reason `plan diff` gives, and values shown as the plan wrote them.

use supportplan::diff::{Impact, diff_plans};
use supportplan::plan::{LoadedPlan, Source, load};

use crate::support::*;

fn loaded(text: &str) -> LoadedPlan {
    load(Source::new("support-plan.toml", None, text.to_owned())).unwrap_or_else(|f| panic!("{:?}", f.diagnostics))
}

/// (from, to, changed path, impact, words the reason must contain)
const CASES: &[(&str, &str, &str, Impact, &str)] = &[
    // Dates compare as dates: earlier end of support, later start, earlier license expiry.
    (
        "end_of_support = 2028-12-31",
        "end_of_support = 2028-06-30",
        "strategy.lifetime.end_of_support",
        Impact::Breaking,
        "end of support moved earlier",
    ),
    (
        "end_of_support = 2028-12-31",
        "end_of_support = 2029-06-30",
        "strategy.lifetime.end_of_support",
        Impact::Notable,
        "",
    ),
    (
        "supported_from = 2025-01-15",
        "supported_from = 2025-03-01",
        "strategy.lifetime.supported_from",
        Impact::Breaking,
        "support starts later",
    ),
    (
        "expires = 2027-09-30",
        "expires = 2027-03-31",
        "environment.licenses.datadog.expires",
        Impact::Breaking,
        "license expires earlier",
    ),
    // Times of day: business hours shortened at either end.
    ("start = 08:00:00", "start = 09:30:00", "hours.business.start", Impact::Breaking, "start later"),
    ("end = 18:00:00", "end = 17:00:00", "hours.business.end", Impact::Breaking, "end earlier"),
    ("end = 18:00:00", "end = 20:00:00", "hours.business.end", Impact::Notable, ""),
    (
        "days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"]",
        "days = [\"mon\", \"tue\", \"wed\", \"thu\"]",
        "hours.business.days",
        Impact::Breaking,
        "fewer support days",
    ),
    // A reference to narrower support hours, seconds of a time of day, another time zone.
    (
        "restore = \"4h\"\nhours = \"always\"",
        "restore = \"4h\"\nhours = \"business\"",
        "responsibilities.response.p1.hours",
        Impact::Breaking,
        "support hours shortened: 168 → 50 hours a week",
    ),
    ("start = 08:00:00", "start = 08:00:59", "hours.business.start", Impact::Breaking, "start later"),
    (
        "timezone = \"Europe/Berlin\"\ndays",
        "timezone = \"Pacific/Kiritimati\"\ndays",
        "hours.business.timezone",
        Impact::Breaking,
        "another time zone",
    ),
    // Thresholds in other units of the same dimension; warn_at removed; an explicit aggregate.
    ("warn_at = \"220ms\"", "warn_at = \"0.2s\"", "warn_at", Impact::Notable, ""),
    ("warn_at = \"220ms\"", "warn_at = \"0.23s\"", "warn_at", Impact::Breaking, "warning threshold loosened"),
    ("warn_at = \"220ms\"\n", "", "warn_at", Impact::Breaking, "warning threshold removed"),
    ("target = \"250ms\"", "target = \"0.3s\"", "p95-latency.target", Impact::Breaking, "threshold loosened"),
    (
        "op = \">=\"\ntarget = \"500rps\"",
        "op = \">=\"\ntarget = \"500rps\"\naggregate = \"max\"",
        "aggregate",
        Impact::Breaking,
        "replaces the worst case",
    ),
    // Periods and durations.
    (
        "review_interval = \"6mo\"",
        "review_interval = \"1y\"",
        "strategy.lifetime.review_interval",
        Impact::Breaking,
        "review interval lengthened",
    ),
    (
        "review_interval = \"6mo\"",
        "review_interval = \"90d\"",
        "strategy.lifetime.review_interval",
        Impact::Notable,
        "",
    ),
    (
        "retention = \"35d\"",
        "retention = \"4w\"",
        "responsibilities.backup.retention",
        Impact::Breaking,
        "retention shortened",
    ),
    (
        "escalate_after = \"30min\"",
        "escalate_after = \"1h\"",
        "escalation",
        Impact::Breaking,
        "escalation waits longer",
    ),
    // Ranked enumerations.
    ("redundancy = \"N+1\"", "redundancy = \"N\"", "environment.hardware", Impact::Breaking, "less redundancy"),
    (
        "renewal = \"manual\"",
        "renewal = \"none\"",
        "environment.licenses.datadog.renewal",
        Impact::Breaking,
        "renewal weakened",
    ),
    ("severity = \"page\"", "severity = \"ticket\"", "monitoring.alerts", Impact::Breaking, "no longer pages"),
    ("flaky_policy = \"fail\"", "flaky_policy = \"allow\"", "flaky_policy", Impact::Breaking, "flaky tests tolerated"),
    ("stage = \"ga\"", "stage = \"beta\"", "plan.stage", Impact::Breaking, "fewer rules apply"),
    // Percentages and freshness.
    ("objective_pct = 99.9", "objective_pct = 99.5", "objective_pct", Impact::Breaking, "SLO lowered"),
    ("slo_pct = 99.99", "slo_pct = 99.9", "slo_pct", Impact::Breaking, "dependency SLO lowered"),
    ("max_age = \"24h\"", "max_age = \"3d\"", "max_age", Impact::Breaking, "older evidence accepted"),
    (
        "access_review_interval = \"3mo\"",
        "access_review_interval = \"6mo\"",
        "access_review_interval",
        Impact::Breaking,
        "less frequent",
    ),
];

#[test]
fn every_kind_of_field_is_compared_by_its_type_and_direction() {
    let base = loaded(&example());
    let mut failures = Vec::new();
    for (from, to, path, impact, reason) in CASES {
        assert!(example().contains(from), "the example has no `{from}`");
        let edited = loaded(&example().replacen(from, to, 1));
        let changes = diff_plans(&base, &edited);
        let Some(change) = changes.iter().find(|c| c.path.contains(path)) else {
            failures.push(format!("{from} → {to}: no change at {path} in {changes:#?}"));
            continue;
        };
        let why = change.reason.clone().unwrap_or_default();
        if change.impact != *impact || !why.contains(reason) {
            failures.push(format!("{from} → {to}: {:?} ({why}), expected {impact:?} ({reason})", change.impact));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_section_switched_to_na_is_breaking() {
    let text = example();
    let start = text.find("[responsibilities.backup]").unwrap();
    let end = start + text[start..][1..].find("\n[").unwrap() + 1;
    let edited = format!("{}[responsibilities.backup]\nna = \"stateless\"\n{}", &text[..start], &text[end..]);
    let changes = diff_plans(&loaded(&text), &loaded(&edited));
    let c = changes.iter().find(|c| c.path == "responsibilities.backup").expect("a change at the section");
    assert_eq!((c.impact, c.reason.as_deref()), (Impact::Breaking, Some("section switched to n/a")));
}

/// Dates never leak the serializer's private key, and values show as written.
#[test]
fn dates_and_durations_show_as_the_plan_wrote_them_in_every_output() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit("Plan", 1);
    d.run_git(&["tag", "v1.0.0"]);
    d.edit("support-plan.toml", "end_of_support = 2028-12-31", "end_of_support = 2028-06-30");
    d.edit("support-plan.toml", "retention = \"35d\"", "retention = \"34d\"");
    d.edit("support-plan.toml", "end = 18:00:00", "end = 17:30:00");
    d.commit("Shorten support", 2);
    for format in ["human", "markdown", "json"] {
        let out = d.plan(&["diff", "v1.0.0", "HEAD", "--format", format]);
        assert_eq!(out.code, 0, "{}", out.stderr);
        assert!(!out.stdout.contains("$__toml"), "{format} leaks a private name:\n{}", out.stdout);
        assert!(out.stdout.contains("2028-06-30"), "{format}:\n{}", out.stdout);
        assert!(out.stdout.contains("35d") && out.stdout.contains("34d"), "{format} re-normalised:\n{}", out.stdout);
        assert!(!out.stdout.contains("5w"), "{format} shows 35d as 5w:\n{}", out.stdout);
        assert!(out.stdout.contains("17:30"), "{format}:\n{}", out.stdout);
    }
    let json: serde_json::Value =
        serde_json::from_str(&d.plan(&["diff", "v1.0.0", "HEAD", "--format", "json"]).stdout).unwrap();
    let changes = json["plans"][0]["changes"].as_array().unwrap();
    let eos = changes.iter().find(|c| c["path"] == "strategy.lifetime.end_of_support").unwrap();
    assert_eq!((eos["old"].as_str(), eos["new"].as_str()), (Some("2028-12-31"), Some("2028-06-30")));
    assert_eq!(eos["impact"], "breaking");
    let log = d.plan(&["log", "--format", "json"]);
    assert!(!log.stdout.contains("$__toml"), "{}", log.stdout);
    assert!(log.stdout.contains("end of support moved earlier"), "{}", log.stdout);
    let human = d.plan(&["log"]);
    assert!(human.stdout.contains("hours.business.end 18:00:00 → 17:30:00 (breaking) (+2 more)"), "{}", human.stdout);
}

/// The README's impact table is the catalogue's.
#[test]
fn readme_impact_table_matches_the_catalogue() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = supportplan::diff::catalogue::markdown_table();
    assert!(readme.contains(&table), "README.md's impact table is out of date; replace it with:\n{table}");
}
