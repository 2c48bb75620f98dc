//! The rule catalogue. Each file holds the rules of one part of the template.

mod contacts;
mod environment;
mod operations;
mod strategy;

use super::{Hit, Rule};
use crate::plan::values::{Date, Period};
use crate::report::Severity::{Error, Warning};

macro_rules! rule {
    ($id:literal, $sev:expr, $section:literal, $summary:literal, $run:path) => {
        Rule { id: $id, severity: $sev, section: $section, summary: $summary, run: $run }
    };
}

pub static CATALOGUE: &[Rule] = &[
    rule!(
        "plan/placeholders",
        Error,
        "all",
        "values a template marked for the author are filled in",
        strategy::placeholders
    ),
    rule!(
        "plan/review-overdue",
        Warning,
        "2.1.1",
        "the plan was reviewed within its review interval (error from ga)",
        strategy::review_overdue
    ),
    rule!("lifetime/ended", Error, "2.1.1", "the support lifetime has not ended", strategy::lifetime_ended),
    rule!(
        "lifetime/ending-soon",
        Warning,
        "2.1.1",
        "the support lifetime does not end within 90 days",
        strategy::lifetime_ending_soon
    ),
    rule!("lifetime/dates", Error, "2.1.1", "support starts before it ends", strategy::lifetime_dates),
    rule!(
        "objectives/measured",
        Warning,
        "1.1",
        "every objective is measured by an acceptance criterion (error from ga)",
        strategy::objectives_measured
    ),
    rule!(
        "assumptions/revisit",
        Warning,
        "1.2",
        "assumptions past their revisit date are validated or revisited",
        strategy::assumptions_revisit
    ),
    rule!(
        "release/steps-declared",
        Error,
        "2.1.3",
        "the release process has QA (tests), review board (approval) and change management (change ticket) steps, all required",
        strategy::steps_declared
    ),
    rule!("release/tag-pattern", Error, "2.1.2", "the tag pattern contains {version}", strategy::tag_pattern),
    rule!("release/freeze-windows", Error, "2.1.2", "freeze windows start before they end", strategy::freeze_windows),
    rule!(
        "criteria/categories-covered",
        Warning,
        "2.1.4",
        "every required acceptance category has a criterion or an n/a reason (error from ga)",
        strategy::categories_covered
    ),
    rule!(
        "criteria/measurable",
        Warning,
        "2.1.4",
        "acceptance criteria are measurable, not prose (error from ga)",
        strategy::measurable
    ),
    rule!(
        "criteria/warn-band",
        Error,
        "2.1.4",
        "a criterion's warn_at lies on the passing side of its target",
        strategy::warn_band
    ),
    rule!(
        "evidence/freshness",
        Warning,
        "2.1.4",
        "required evidence declares a max_age, so stale files are caught",
        strategy::evidence_freshness
    ),
    rule!(
        "env/software-eol",
        Error,
        "2.2.1",
        "no software is past its end of life (warning within 180 days)",
        environment::software_eol
    ),
    rule!(
        "env/software-eol-unknown",
        Warning,
        "2.2.1",
        "vendor software declares its end of life",
        environment::software_eol_unknown
    ),
    rule!("env/license-expired", Error, "2.2.7", "no license has expired", environment::license_expired),
    rule!(
        "env/license-notice",
        Warning,
        "2.2.7",
        "no license is inside its renewal notice period",
        environment::license_notice
    ),
    rule!(
        "env/license-renewal-owner",
        Error,
        "2.2.7",
        "manually renewed licenses name who renews them",
        environment::license_renewal_owner
    ),
    rule!(
        "env/data-exchange",
        Warning,
        "2.2.4",
        "every data exchange names a contact and a data class",
        environment::data_exchange
    ),
    rule!(
        "security/access-restrictions",
        Error,
        "2.2.8",
        "confidential, restricted or personal data has access restrictions",
        environment::access_restrictions
    ),
    rule!(
        "security/access-review",
        Warning,
        "2.2.8",
        "access to sensitive data is reviewed on schedule (error from ga)",
        environment::access_review
    ),
    rule!(
        "contacts/format",
        Error,
        "2.2.5",
        "emails, phone numbers, handles and chat links are well-formed",
        contacts::format
    ),
    rule!("contacts/links", Error, "all", "links are absolute https URLs", contacts::links),
    rule!("owner/defined", Error, "2.2.5", "the owning team has at least two members", contacts::owner_defined),
    rule!(
        "escalation/chain",
        Error,
        "2.2.6",
        "the escalation chain exists and its order runs 1, 2, 3… without gaps",
        contacts::escalation_chain
    ),
    rule!(
        "escalation/24x7",
        Error,
        "2.2.6",
        "a 24x7 response target has a 24x7 escalation level",
        contacts::escalation_24x7
    ),
    rule!(
        "referral/declared",
        Warning,
        "2.2.6",
        "client-reported problems have somewhere to go",
        contacts::referral_declared
    ),
    rule!(
        "hours/valid",
        Error,
        "3.3",
        "support hours are always-on or have days, start and end",
        contacts::hours_valid
    ),
    rule!("resp/response-times", Error, "3.3", "acknowledge ≤ restore, and p1 ≤ p2 ≤ p3", operations::response_times),
    rule!(
        "resp/oncall",
        Error,
        "3.3",
        "paging alerts and 24x7 escalation go to a team with an on-call schedule",
        operations::oncall
    ),
    rule!(
        "sla/consistency",
        Error,
        "3.3",
        "internal SLOs are at least the SLA, and the SLA is achievable given hard dependencies",
        operations::sla_consistency
    ),
    rule!(
        "backup/restore-test",
        Warning,
        "3.3",
        "backups were restored within the restore-test interval (error from ga)",
        operations::restore_test
    ),
    rule!(
        "backup/frequency-vs-rpo",
        Error,
        "3.3",
        "backups run at least as often as the RPO allows",
        operations::frequency_vs_rpo
    ),
    rule!(
        "deps/hard-dependency",
        Warning,
        "3.5",
        "hard dependencies have a contact and a fallback (error from ga)",
        operations::hard_dependency
    ),
    rule!("monitoring/alert-runbook", Error, "4.1", "every alert links a runbook", operations::alert_runbook),
    rule!(
        "monitoring/declared",
        Warning,
        "4.1",
        "the product is monitored: SLOs, alerts or manual checks exist (error from ga)",
        operations::monitoring_declared
    ),
    rule!(
        "regression/suites",
        Warning,
        "4.2",
        "regression suites exist and point at evidence (error from ga)",
        operations::regression_suites
    ),
    rule!(
        "budget/current",
        Warning,
        "5.1",
        "a budget covers today, and budgets start before they end",
        operations::budget_current
    ),
    rule!(
        "budget/growth-review",
        Warning,
        "5.1",
        "growth estimates were reviewed against actuals on schedule",
        operations::growth_review
    ),
    rule!(
        "suppress/valid",
        Error,
        "all",
        "every suppression names a rule of this catalogue and says why",
        suppress_valid
    ),
    rule!(
        "suppress/expired",
        Warning,
        "all",
        "suppressions are renewed or removed when their `until` passes",
        suppress_expired
    ),
    rule!(
        "suppress/unused",
        Warning,
        "all",
        "every suppression keeps a finding quiet (checked after the other rules)",
        no_hits
    ),
];

/// For rules whose findings the runner makes itself (they need the other rules' findings).
fn no_hits(_: &super::Context) -> Vec<Hit> {
    Vec::new()
}

fn suppress_valid(ctx: &super::Context) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (id, s) in &ctx.plan.suppress {
        let at = ["suppress", id.as_str()];
        if id.starts_with("suppress/") {
            hits.push(
                Hit::new(&at, format!("`{id}` cannot be suppressed"))
                    .help("renew or remove the suppression it is about"),
            );
        } else if !CATALOGUE.iter().any(|r| r.id == id) {
            let hint = crate::plan::closest(id, CATALOGUE.iter().map(|r| r.id), 0.8)
                .map(|k| format!("did you mean `{k}`?"))
                .unwrap_or_else(|| "`plan check --list-rules` lists the rule ids".into());
            hits.push(Hit::new(&at, format!("no rule has the id `{id}`")).help(hint));
        }
        if s.reason.trim().is_empty() {
            hits.push(
                Hit::new(&["suppress", id.as_str(), "reason"], format!("the suppression of `{id}` gives no reason"))
                    .help("say why the finding does not apply to this plan"),
            );
        }
    }
    hits
}

fn suppress_expired(ctx: &super::Context) -> Vec<Hit> {
    ctx.plan
        .suppress
        .iter()
        .filter(|(_, s)| s.until < ctx.now)
        .map(|(id, s)| {
            Hit::new(
                &["suppress", id.as_str(), "until"],
                format!("the suppression of `{id}` ended on {}; its findings count again", s.until),
            )
            .help("fix what the rule finds, or renew the suppression with a new `until` and reason")
        })
        .collect()
}

/// Builds an owned key path.
fn path(parts: &[&str]) -> Vec<String> {
    parts.iter().map(|s| s.to_string()).collect()
}

/// A hit when something done every `every`, last on `last`, is past due, or when `last` is
/// after today (a date in the future would keep it from ever coming due).
fn overdue(path: &[&str], what: &str, last: Date, every: Period, now: Date) -> Option<Hit> {
    if last > now {
        return Some(Hit::new(
            path,
            format!(
                "{what} dated {last}, after today ({now}): a date that has not come yet keeps it from ever coming due"
            ),
        ));
    }
    let due = every.after(last);
    (due < now).then(|| Hit::new(path, format!("{what} overdue: last {last}, every {every}, so due {due}")))
}
