//! Every rule of the catalogue, with a failing case (a small edit of the passing example
//! plan) and the passing case (the example itself).

use crate::support::*;

type Edit = fn(&str) -> String;

/// (rule id, edit of the example that must trigger it)
fn cases() -> Vec<(&'static str, Edit)> {
    vec![
        ("plan/placeholders", |t| replace_once(t, "title = \"Acme Billing Service\"", "title = \"<Product name>\"")),
        ("plan/review-overdue", |t| replace_once(t, "last_review = 2026-10-01", "last_review = 2025-01-01")),
        ("lifetime/ended", |t| replace_once(t, "end_of_support = 2028-12-31", "end_of_support = 2026-01-01")),
        ("lifetime/ending-soon", |t| replace_once(t, "end_of_support = 2028-12-31", "end_of_support = 2027-01-15")),
        ("lifetime/dates", |t| replace_once(t, "supported_from = 2025-01-15", "supported_from = 2029-01-01")),
        ("objectives/measured", |t| replace_once(t, "measured_by = [\"invoice-run-duration\"]", "measured_by = []")),
        ("assumptions/revisit", |t| replace_once(t, "revisit_by = 2027-06-30", "revisit_by = 2026-01-01")),
        ("release/steps-declared", |t| {
            replace_once(
                t,
                "required_steps = [\"qa\", \"review-board\", \"change-management\"]",
                "required_steps = [\"qa\", \"review-board\"]",
            )
        }),
        ("release/tag-pattern", |t| replace_once(t, "tag_pattern = \"v{version}\"", "tag_pattern = \"release\"")),
        ("release/freeze-windows", |t| replace_once(t, "from = 2026-12-20", "from = 2027-02-01")),
        ("criteria/categories-covered", |t| replace_once(t, "category = \"security\"", "category = \"reliability\"")),
        ("criteria/measurable", |t| {
            format!(
                "{t}\n[acceptance.criteria.vibes]\ncategory = \"accuracy\"\nkind = \"prose\"\ntext = \"Invoices look right\"\n"
            )
        }),
        ("criteria/warn-band", |t| replace_once(t, "warn_at = \"220ms\"", "warn_at = \"280ms\"")),
        ("evidence/freshness", |t| {
            replace_once(t, "path = \"reports/scan.sarif\"\nmax_age = \"24h\"", "path = \"reports/scan.sarif\"")
        }),
        ("env/software-eol", |t| replace_once(t, "eol = 2027-07-29", "eol = 2026-06-01")),
        ("env/software-eol-unknown", |t| replace_once(t, "eol = 2027-07-29\n", "")),
        ("env/license-expired", |t| replace_once(t, "expires = 2027-09-30", "expires = 2026-09-30")),
        ("env/license-notice", |t| replace_once(t, "expires = 2027-09-30", "expires = 2026-12-15")),
        ("env/license-renewal-owner", |t| replace_once(t, "renewal_owner = \"finops\"\n", "")),
        ("env/data-exchange", |t| {
            replace_once(
                t,
                "schedule = \"daily at 02:00\"\ncontact = \"erp-support\"\n",
                "schedule = \"daily at 02:00\"\n",
            )
        }),
        ("security/access-restrictions", |t| cut(t, "[environment.security.access.prod-db]", "# ── 2.2.5")),
        ("security/access-review", |t| {
            replace_once(t, "last_access_review = 2026-10-20", "last_access_review = 2025-01-01")
        }),
        ("contacts/format", |t| replace_once(t, "email = \"bob@acme.example.com\"", "email = \"bob at acme\"")),
        ("contacts/links", |t| {
            replace_once(t, "url = \"https://www.postgresql.org/\"", "url = \"http://www.postgresql.org/\"")
        }),
        ("owner/defined", |t| replace_once(t, "members = [\"alice\", \"bob\", \"carol\"]", "members = [\"alice\"]")),
        ("escalation/chain", |t| replace_once(t, "order = 3", "order = 4")),
        ("escalation/24x7", |t| {
            let t = replace_once(
                t,
                "hours = \"always\"\nescalate_after = \"1h\"",
                "hours = \"business\"\nescalate_after = \"1h\"",
            );
            replace_once(
                &t,
                "contact = \"platform-team\"\nhours = \"always\"",
                "contact = \"platform-team\"\nhours = \"business\"",
            )
        }),
        ("referral/declared", |t| cut(t, "[problem_referral.login]", "[escalation.l1]")),
        ("hours/valid", |t| replace_once(t, "end = 18:00:00", "end = 07:00:00")),
        ("resp/response-times", |t| replace_once(t, "acknowledge = \"1h\"", "acknowledge = \"2d\"")),
        ("resp/oncall", |t| {
            replace_once(
                t,
                "oncall = { provider = \"pagerduty\", schedule = \"https://acme.pagerduty.com/schedules/PABC123\" }\n",
                "",
            )
        }),
        ("sla/consistency", |t| replace_once(t, "availability_pct = 99.5", "availability_pct = 99.95")),
        ("backup/restore-test", |t| {
            replace_once(t, "last_restore_test = 2026-10-15", "last_restore_test = 2025-10-15")
        }),
        ("backup/frequency-vs-rpo", |t| replace_once(t, "frequency = \"1h\"", "frequency = \"6h\"")),
        ("deps/hard-dependency", |t| replace_once(t, "fallback = \"Queue payments and retry for 24 hours\"\n", "")),
        ("monitoring/alert-runbook", |t| {
            replace_once(t, "runbook = \"https://runbooks.acme.example.com/billing/invoice-run\"\n", "")
        }),
        ("monitoring/declared", |t| {
            let t = cut(t, "[monitoring.slos.checkout-availability]", "[regression.suites.core]");
            replace_once(&t, "measured_by = \"checkout-availability\"\n", "")
        }),
        ("regression/suites", |t| cut(t, "[regression.suites.core]", "# ── 5.")),
        ("budget/current", |t| replace_once(t, "from = 2026-07-01", "from = 2027-01-01")),
        ("budget/growth-review", |t| replace_once(t, "last = 2026-10-10", "last = 2026-01-01")),
        ("suppress/valid", |t| format!("{t}\n[suppress.\"contacts/formats\"]\nreason = \"x\"\nuntil = 2027-01-01\n")),
        ("suppress/expired", |t| {
            format!("{t}\n[suppress.\"contacts/format\"]\nreason = \"Bob's mail moves\"\nuntil = 2026-11-01\n")
        }),
        ("suppress/unused", |t| {
            format!("{t}\n[suppress.\"contacts/format\"]\nreason = \"Bob's mail moves\"\nuntil = 2027-01-01\n")
        }),
    ]
}

#[test]
fn the_example_passes_every_rule() {
    let (code, report) = check_json(&example());
    assert_eq!(rules_of(&report), Vec::<String>::new(), "{report:#}");
    assert_eq!(code, 0);
    assert_eq!(report["summary"]["outcome"], "pass");
}

#[test]
fn every_rule_fails_on_its_case_and_points_at_a_line() {
    let mut missing = vec![];
    for (rule, edit) in cases() {
        let (code, report) = check_json(&edit(&example()));
        let hits: Vec<&serde_json::Value> =
            report["findings"].as_array().unwrap().iter().filter(|f| f["rule"] == rule).collect();
        if hits.is_empty() {
            missing.push(format!("{rule}: got {:?}", rules_of(&report)));
            continue;
        }
        let f = hits[0];
        assert!(f["location"]["line"].as_u64().is_some_and(|l| l >= 1), "{rule}: {f:#}");
        assert!(!f["message"].as_str().unwrap().is_empty());
        assert!(f["fingerprint"].as_str().unwrap().len() == 16);
        assert_ne!(report["summary"]["outcome"], "invalid", "{rule}: the edit made the plan invalid: {report:#}");
        if f["severity"] == "error" {
            assert_eq!(code, 1, "{rule}: an error finding exits 1");
        }
    }
    assert!(missing.is_empty(), "rules that did not fire:\n{}", missing.join("\n"));
}

#[test]
fn every_rule_in_the_catalogue_has_a_case() {
    let out = run_plan(std::path::Path::new("."), &["check", "--list-rules", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    let listed: Vec<&str> = v["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(listed.len() >= 25, "the catalogue has {} rules", listed.len());
    let covered: Vec<&str> = cases().iter().map(|(r, _)| *r).collect();
    for rule in &listed {
        assert!(covered.contains(rule), "rule {rule} has no test case");
    }
}

#[test]
fn warnings_fail_only_with_fail_on_warning() {
    let plan = replace_once(&example(), "last = 2026-10-10", "last = 2026-01-01");
    let d = Dir::new();
    d.write("support-plan.toml", &plan);
    assert_eq!(d.plan(&["check", "--now", NOW]).code, 0);
    assert_eq!(d.plan(&["check", "--now", NOW, "--fail-on", "warning"]).code, 1);
}

#[test]
fn date_rules_follow_now() {
    let d = Dir::new();
    d.write("support-plan.toml", example());
    let later = d.plan(&["check", "--now", "2029-03-01"]);
    assert_eq!(later.code, 1, "{}", later.stdout);
    assert!(later.stdout.contains("error[lifetime/ended]: support ended on 2028-12-31"), "{}", later.stdout);
    assert!(later.stdout.contains("(as of 2029-03-01)"));
}
