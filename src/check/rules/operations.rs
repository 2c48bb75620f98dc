//! Rules over sections 3–5: response times, on-call, SLA, backups, dependencies,
//! monitoring, regression tests, budgets.

use crate::check::{Context, Hit};
use crate::plan::model::*;
use crate::report::Severity;

pub fn response_times(ctx: &Context) -> Vec<Hit> {
    let resp = &ctx.plan.responsibilities.response;
    let mut hits = vec![];
    for (id, t) in resp {
        if t.acknowledge > t.restore {
            hits.push(Hit::new(
                &["responsibilities", "response", id, "acknowledge"],
                format!(
                    "`{id}` acknowledges in {} but restores in {}: acknowledging cannot take longer than restoring",
                    t.acknowledge, t.restore
                ),
            ));
        }
    }
    // Priorities sort by id (p1, p2, p3…): a more urgent priority must not be slower.
    let ordered: Vec<(&String, &ResponseTarget)> = resp.iter().collect();
    for pair in ordered.windows(2) {
        let ((a, ta), (b, tb)) = (pair[0], pair[1]);
        for (field, x, y) in [("acknowledge", ta.acknowledge, tb.acknowledge), ("restore", ta.restore, tb.restore)] {
            if x > y {
                hits.push(
                    Hit::new(&["responsibilities", "response", a, field], format!(
                        "`{a}` {field} ({x}) is slower than `{b}` ({y}); more urgent priorities must be at least as fast"
                    ))
                    .help("priorities are ordered by id (p1 before p2); swap or fix the targets"),
                );
            }
        }
    }
    hits
}

fn has_oncall(plan: &Plan, contact: &str) -> bool {
    plan.contacts.teams.get(contact).is_some_and(|t| t.oncall.is_some())
        || plan.contacts.people.get(contact).is_some_and(|p| p.oncall_trained)
        || plan.contacts.external.contains_key(contact)
}

pub fn oncall(ctx: &Context) -> Vec<Hit> {
    let plan = ctx.plan;
    let mut hits = vec![];
    for (id, a) in &plan.monitoring.alerts {
        if a.severity == AlertSeverity::Page && !has_oncall(plan, &a.route) {
            hits.push(
                Hit::new(
                    &["monitoring", "alerts", id, "route"],
                    format!("alert `{id}` pages `{}`, which has no on-call schedule", a.route),
                )
                .help("route paging alerts to a team with an [oncall] schedule"),
            );
        }
    }
    for (id, l) in &plan.escalation {
        let always = l.hours.as_ref().and_then(|h| plan.hours.get(h)).is_some_and(|h| h.always);
        if always && !has_oncall(plan, &l.contact) {
            hits.push(
                Hit::new(
                    &["escalation", id, "contact"],
                    format!("escalation level `{id}` is 24x7 but `{}` has no on-call schedule", l.contact),
                )
                .help("give the team an oncall = { provider, schedule }"),
            );
        }
    }
    hits
}

pub fn sla_consistency(ctx: &Context) -> Vec<Hit> {
    let plan = ctx.plan;
    let Some(sla) = plan.sla.get() else {
        return vec![];
    };
    let mut hits = vec![];
    if sla.availability_pct.0 >= 100.0 || sla.availability_pct.0 <= 0.0 {
        hits.push(Hit::new(
            &["sla", "availability_pct"],
            format!("an SLA of {} cannot be met or means nothing", sla.availability_pct),
        ));
    }
    if let Some(slo) = sla.measured_by.as_ref().and_then(|id| plan.monitoring.slos.get(id))
        && slo.objective_pct < sla.availability_pct
    {
        hits.push(
            Hit::new(
                &["sla", "availability_pct"],
                format!(
                    "the SLA promises {} but the internal SLO `{}` only aims for {}",
                    sla.availability_pct,
                    sla.measured_by.as_deref().unwrap_or(""),
                    slo.objective_pct
                ),
            )
            .help("the internal SLO must be at least as strict as the SLA"),
        );
    }
    if let Some(deps) = plan.dependencies.get() {
        let hard: Vec<(&String, f64)> = deps
            .iter()
            .filter(|(_, d)| d.criticality == Criticality::Hard && d.direction != DependencyDirection::Downstream)
            .filter_map(|(id, d)| d.slo_pct.map(|p| (id, p.0)))
            .collect();
        let ceiling = hard.iter().fold(100.0, |acc, (_, p)| acc * p / 100.0);
        if !hard.is_empty() && sla.availability_pct.0 > ceiling + 1e-9 {
            let names: Vec<String> = hard.iter().map(|(id, p)| format!("{id} {p}%")).collect();
            hits.push(
                Hit::new(
                    &["sla", "availability_pct"],
                    format!(
                        "the SLA promises {} but hard dependencies ({}) allow at most {:.3}%",
                        sla.availability_pct,
                        names.join(", "),
                        ceiling
                    ),
                )
                .help("lower the SLA, add fallbacks and make the dependencies soft, or get stronger dependency SLOs"),
            );
        }
    }
    hits
}

pub fn restore_test(ctx: &Context) -> Vec<Hit> {
    let Some(b) = ctx.plan.responsibilities.backup.get() else {
        return vec![];
    };
    let at = ["responsibilities", "backup", "last_restore_test"];
    super::overdue(&at, "restore test", b.last_restore_test, b.restore_test_interval, ctx.now)
        .map(|h| {
            h.help("restore a backup into a scratch environment, then update last_restore_test")
                .severity(ctx.error_at_ga())
        })
        .into_iter()
        .collect()
}

pub fn frequency_vs_rpo(ctx: &Context) -> Vec<Hit> {
    let Some(b) = ctx.plan.responsibilities.backup.get() else {
        return vec![];
    };
    if b.frequency > b.rpo {
        vec![
            Hit::new(
                &["responsibilities", "backup", "frequency"],
                format!("backups run every {} but the RPO allows losing only {}", b.frequency, b.rpo),
            )
            .help("back up at least as often as the RPO, or relax the RPO"),
        ]
    } else {
        vec![]
    }
}

pub fn hard_dependency(ctx: &Context) -> Vec<Hit> {
    let Some(deps) = ctx.plan.dependencies.get() else {
        return vec![];
    };
    let mut hits = vec![];
    for (id, d) in deps
        .iter()
        .filter(|(_, d)| d.criticality == Criticality::Hard && d.direction != DependencyDirection::Downstream)
    {
        for (missing, what) in [(d.contact.is_none(), "contact"), (d.fallback.is_none(), "fallback")] {
            if missing {
                hits.push(
                    Hit::new(&["dependencies", id], format!("hard dependency `{id}` ({}) has no {what}", d.system))
                        .help(format!("add {what} = …"))
                        .severity(ctx.error_at_ga()),
                );
            }
        }
    }
    hits
}

pub fn alert_runbook(ctx: &Context) -> Vec<Hit> {
    ctx.plan
        .monitoring
        .alerts
        .iter()
        .filter(|(_, a)| a.runbook.is_none() && a.severity != AlertSeverity::Info)
        .map(|(id, _)| {
            Hit::new(&["monitoring", "alerts", id], format!("alert `{id}` has no runbook"))
                .help("add runbook = \"https://…\": whoever is paged needs to know what to do")
        })
        .collect()
}

pub fn monitoring_declared(ctx: &Context) -> Vec<Hit> {
    let m = &ctx.plan.monitoring;
    if m.slos.is_empty() && m.alerts.is_empty() && m.manual_checks.is_empty() {
        vec![
            Hit::new(&["monitoring"], "nothing monitors the product: no SLOs, alerts or manual checks")
                .help("declare [monitoring.alerts.<id>] or [monitoring.manual_checks.<id>]")
                .severity(ctx.error_at_ga()),
        ]
    } else {
        vec![]
    }
}

pub fn regression_suites(ctx: &Context) -> Vec<Hit> {
    let suites = &ctx.plan.regression.suites;
    if suites.is_empty() {
        return vec![
            Hit::new(&["regression"], "no regression suites: nothing is always run before a change")
                .help("add [regression.suites.<id>] with a description and the JUnit evidence holding its results")
                .severity(ctx.error_at_ga()),
        ];
    }
    suites
        .iter()
        .filter(|(_, s)| s.evidence.is_none() && s.cases_url.is_none())
        .map(|(id, _)| {
            Hit::new(
                &["regression", "suites", id],
                format!("regression suite `{id}` links neither evidence nor its test cases"),
            )
            .help("add evidence = \"<junit evidence id>\" or cases_url")
            .severity(Severity::Warning)
        })
        .collect()
}

pub fn budget_current(ctx: &Context) -> Vec<Hit> {
    let Some(budgets) = ctx.plan.resources.budgets.get() else {
        return vec![];
    };
    let mut hits: Vec<Hit> = budgets
        .iter()
        .filter(|(_, b)| b.from > b.to)
        .map(|(id, b)| {
            Hit::new(
                &["resources", "budgets", id, "to"],
                format!("budget `{id}` ends ({}) before it starts ({})", b.to, b.from),
            )
            .severity(Severity::Error)
        })
        .collect();
    let unfilled = budgets
        .keys()
        .any(|id| ["from", "to"].iter().any(|f| ctx.is_placeholder(&super::path(&["resources", "budgets", id, f]))));
    if !unfilled && !budgets.values().any(|b| b.from <= ctx.now && ctx.now <= b.to) {
        hits.push(
            Hit::new(&["resources", "budgets"], format!("no support budget covers today ({})", ctx.now))
                .help("add the budget for the current period"),
        );
    }
    hits
}

pub fn growth_review(ctx: &Context) -> Vec<Hit> {
    // Growth is reviewed against a budget; a plan without one has nothing to review.
    if ctx.plan.resources.budgets.get().is_none() {
        return vec![];
    }
    let Some(g) = &ctx.plan.resources.growth_review else {
        return vec![
            Hit::new(&["resources"], "no growth review scheduled to compare estimates with actuals")
                .help("add [resources.growth_review] with interval and last")
                .severity(Severity::Info),
        ];
    };
    super::overdue(&["resources", "growth_review", "last"], "growth review", g.last, g.interval, ctx.now)
        .into_iter()
        .collect()
}
