//! Rules a team can tune: the repository's `[rules]` in `.support-plan/config.toml`, a
//! plan's inline `[suppress."<rule>"]`, templates that do not force process a product lacks,
//! and the diff that calls loosening breaking.

use crate::support::*;

const BAD_EMAIL: (&str, &str) = ("email = \"bob@acme.example.com\"", "email = \"bob at acme\"");

fn plan_with_bad_email() -> String {
    replace_once(&example(), BAD_EMAIL.0, BAD_EMAIL.1)
}

fn check(d: &Dir) -> (i32, serde_json::Value) {
    let out = d.plan(&["check", "--now", NOW, "--format", "json"]);
    let v = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}\n{}", out.stdout, out.stderr));
    (out.code, v)
}

fn finding<'a>(v: &'a serde_json::Value, rule: &str) -> Option<&'a serde_json::Value> {
    v["findings"].as_array().unwrap().iter().find(|f| f["rule"] == rule)
}

#[test]
fn the_repository_retunes_a_rule_with_a_reason() {
    let d = Dir::new();
    d.write("support-plan.toml", plan_with_bad_email());
    let (code, v) = check(&d);
    assert_eq!((code, &finding(&v, "contacts/format").unwrap()["severity"]), (1, &"error".into()));
    d.write(
        ".support-plan/config.toml",
        "[rules.\"contacts/format\"]\nseverity = \"warning\"\nreason = \"Addresses move to the new domain in Q1\"\n",
    );
    let (code, v) = check(&d);
    let f = finding(&v, "contacts/format").unwrap();
    assert_eq!(code, 0, "{v:#}");
    assert_eq!(f["severity"], "warning");
    assert_eq!(f["severity_source"], ".support-plan/config.toml: Addresses move to the new domain in Q1");
    let human = d.plan(&["check", "--now", NOW]);
    assert!(
        human
            .stdout
            .contains("= note: warning as set in .support-plan/config.toml: Addresses move to the new domain in Q1"),
        "{}",
        human.stdout
    );
    // Off: the finding is gone and counted as off.
    d.write(
        ".support-plan/config.toml",
        "[rules.\"contacts/format\"]\nseverity = \"off\"\nreason = \"Checked by the directory sync instead\"\n",
    );
    let (code, v) = check(&d);
    assert_eq!(code, 0);
    assert!(finding(&v, "contacts/format").is_none(), "{v:#}");
    assert_eq!(v["summary"]["off"], 1);
    let human = d.plan(&["check", "--now", NOW]);
    assert!(human.stdout.contains("1 off by .support-plan/config.toml"), "{}", human.stdout);
    // --list-rules shows the effective severity and where it comes from.
    let list = d.plan(&["check", "--list-rules"]);
    let line = list.stdout.lines().find(|l| l.starts_with("contacts/format ")).unwrap();
    assert!(line.split_whitespace().take(3).eq(["contacts/format", "error", "off"]), "{line}");
    assert!(list.stdout.contains("set by .support-plan/config.toml: Checked by the directory sync instead"));
    let json: serde_json::Value =
        serde_json::from_str(&d.plan(&["check", "--list-rules", "--format", "json"]).stdout).unwrap();
    let rule = json["rules"].as_array().unwrap().iter().find(|r| r["id"] == "contacts/format").unwrap();
    assert_eq!(
        (&rule["default"], &rule["severity"], &rule["source"]),
        (&"error".into(), &"off".into(), &".support-plan/config.toml".into())
    );
}

#[test]
fn a_bad_rules_setting_does_not_load() {
    let d = Dir::new();
    d.write("support-plan.toml", example());
    for (config, expected) in [
        (
            "# tuned\n[rules.\"contacts/formats\"]\nseverity = \"off\"\nreason = \"x\"\n",
            "invalid .support-plan/config.toml, line 2: rules.\"contacts/formats\": no rule has this id; did you mean `contacts/format`?",
        ),
        (
            "[rules.\"contacts/format\"]\nseverity = \"off\"\nreason = \"  \"\n",
            "rules.\"contacts/format\": the reason is empty",
        ),
        ("[rules.\"contacts/format\"]\nseverity = \"off\"\n", "missing field `reason`"),
        ("[rules.\"contacts/format\"]\nseverity = \"silent\"\nreason = \"x\"\n", "unknown variant `silent`"),
    ] {
        d.write(".support-plan/config.toml", config);
        let out = d.plan(&["check", "--now", NOW]);
        assert_eq!(out.code, 2, "{config}: {}", out.stderr);
        assert!(out.stderr.contains(expected), "{config}: {}", out.stderr);
    }
}

#[test]
fn a_plan_suppresses_one_finding_with_a_reason_until_a_date() {
    let d = Dir::new();
    let suppress = |until: &str, at: &str| {
        format!(
            "{}\n[suppress.\"contacts/format\"]\nreason = \"Bob's address is being migrated\"\nuntil = {until}\n{at}",
            plan_with_bad_email()
        )
    };
    d.write("support-plan.toml", suppress("2027-01-31", ""));
    let (code, v) = check(&d);
    assert_eq!(code, 0, "{v:#}");
    assert!(finding(&v, "contacts/format").is_none());
    assert_eq!(v["summary"]["suppressed"], 1);
    let quiet = &v["suppressed"][0];
    assert_eq!(quiet["rule"], "contacts/format");
    assert_eq!(quiet["suppressed"]["reason"], "Bob's address is being migrated");
    assert_eq!(quiet["suppressed"]["until"], "2027-01-31");
    // Narrowed to a path: only findings there.
    d.write("support-plan.toml", suppress("2027-01-31", "at = \"contacts.people.bob\"\n"));
    assert_eq!(check(&d).0, 0);
    d.write("support-plan.toml", suppress("2027-01-31", "at = \"contacts.people.alice\"\n"));
    let (code, v) = check(&d);
    assert_eq!(code, 1);
    assert!(finding(&v, "contacts/format").is_some());
    let unused = finding(&v, "suppress/unused").expect("a suppression that keeps nothing quiet is reported");
    assert!(
        unused["message"].as_str().unwrap().contains("at `contacts.people.alice` keeps nothing quiet"),
        "{unused:#}"
    );
    // Expired: the finding is back, and the suppression says so.
    d.write("support-plan.toml", suppress("2026-11-25", ""));
    let (code, v) = check(&d);
    assert_eq!(code, 1);
    assert_eq!(finding(&v, "contacts/format").unwrap()["severity"], "error");
    let expired = finding(&v, "suppress/expired").unwrap();
    assert_eq!(expired["severity"], "warning");
    assert!(expired["message"].as_str().unwrap().contains("ended on 2026-11-25"), "{expired:#}");
    assert!(expired["location"]["line"].as_u64().unwrap() > 1);
    // The last day still holds.
    d.write("support-plan.toml", suppress(NOW, ""));
    assert_eq!(check(&d).0, 0);
}

#[test]
fn a_suppression_must_name_a_rule_and_cannot_silence_its_own_rules() {
    let d = Dir::new();
    d.write(
        "support-plan.toml",
        format!("{}\n[suppress.\"contact/format\"]\nreason = \"typo\"\nuntil = 2027-01-31\n", example()),
    );
    let (code, v) = check(&d);
    assert_eq!(code, 1);
    let f = finding(&v, "suppress/valid").unwrap();
    assert_eq!(f["message"], "no rule has the id `contact/format`");
    assert_eq!(f["help"], "did you mean `contacts/format`?");
    d.write(
        "support-plan.toml",
        format!(
            "{}\n[suppress.\"suppress/expired\"]\nreason = \"never remind me\"\nuntil = 2027-01-31\n[suppress.\"contacts/format\"]\nreason = \"x\"\nuntil = 2026-01-01\n",
            plan_with_bad_email()
        ),
    );
    let (_, v) = check(&d);
    assert!(finding(&v, "suppress/expired").is_some(), "{v:#}");
    assert_eq!(finding(&v, "suppress/valid").unwrap()["message"], "`suppress/expired` cannot be suppressed");
}

/// The templates do not force process their audience lacks: the library template declares
/// change management not applicable (with a reason) instead of inventing a ticket step, and
/// a plan without a budget hears nothing about budget reviews.
#[test]
fn templates_do_not_force_process_their_audience_lacks() {
    let d = Dir::new();
    let out = d.plan(&["init", "--template", "library"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let (_, v) = check(&d);
    let rules = rules_of(&v);
    assert!(!rules.contains(&"release/steps-declared".to_string()), "{v:#}");
    assert!(!rules.contains(&"budget/growth-review".to_string()), "{v:#}");
    assert_eq!(v["summary"]["info"], 0, "{v:#}");
    // Without the reason, the rule asks for the step again.
    d.edit(
        "support-plan.toml",
        "[release_process.not_applicable]\nchange_management = ",
        "[release_process.not_applicable_x]\nchange_management = ",
    );
    let out = d.plan(&["check", "--now", NOW]);
    assert_eq!(out.code, 2, "an unknown table does not load: {}", out.stdout);
}

/// Loosening the rules is breaking in a diff, as a waiver is; tightening is not.
#[test]
fn loosening_rules_or_adding_suppressions_is_breaking_in_a_diff() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.write(
        ".support-plan/config.toml",
        "[rules.\"plan/review-overdue\"]\nseverity = \"error\"\nreason = \"We review on time\"\n",
    );
    d.commit("base", 1);
    let diff = |d: &Dir| {
        d.commit("change", 2);
        let out = d.plan(&["diff", "HEAD~1", "HEAD", "--format", "json"]);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stderr));
        v["plans"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|p| p["changes"].as_array().unwrap().clone())
            .map(|c| {
                (
                    c["path"].as_str().unwrap_or("").to_owned(),
                    c["impact"].as_str().unwrap().to_owned(),
                    c["reason"].as_str().unwrap_or("").to_owned(),
                )
            })
            .collect::<Vec<_>>()
    };
    // error → warning (the rule's own): removing a tightening setting loosens.
    d.write(".support-plan/config.toml", "");
    let changes = diff(&d);
    assert!(
        changes
            .iter()
            .any(|(_, i, r)| i == "breaking" && r == "rule `plan/review-overdue` counts less: error → warning"),
        "{changes:?}"
    );
    // warning → info by a new setting: breaking; info → error: not.
    d.write(
        ".support-plan/config.toml",
        "[rules.\"lifetime/ending-soon\"]\nseverity = \"info\"\nreason = \"We plan the end separately\"\n",
    );
    let changes = diff(&d);
    assert!(
        changes.iter().any(|(_, i, r)| i == "breaking" && r.contains("counts less: warning → info")),
        "{changes:?}"
    );
    d.write(
        ".support-plan/config.toml",
        "[rules.\"lifetime/ending-soon\"]\nseverity = \"error\"\nreason = \"Plan ahead\"\n",
    );
    let changes = diff(&d);
    assert!(changes.iter().all(|(_, i, _)| i != "breaking"), "{changes:?}");
    // A suppression added, extended or widened: breaking.
    d.write(
        "support-plan.toml",
        format!(
            "{}\n[suppress.\"contacts/format\"]\nreason = \"x\"\nuntil = 2027-01-31\nat = \"contacts.people.bob\"\n",
            example()
        ),
    );
    let changes = diff(&d);
    assert!(
        changes.iter().any(|(_, i, r)| i == "breaking" && r.contains("a finding of `plan check` suppressed")),
        "{changes:?}"
    );
    d.edit("support-plan.toml", "until = 2027-01-31\nat = \"contacts.people.bob\"\n", "until = 2027-03-31\n");
    let changes = diff(&d);
    assert!(changes.iter().any(|(_, i, r)| i == "breaking" && r.contains("suppression extended")), "{changes:?}");
    assert!(changes.iter().any(|(_, i, r)| i == "breaking" && r.contains("widened to every finding")), "{changes:?}");
}
