//! Rules over the introduction, 1 (objectives, assumptions) and 2.1 (lifetime, release
//! strategy, release process, acceptance criteria).

use crate::check::{Context, Hit};
use crate::plan::model::*;
use crate::report::Severity;

pub fn placeholders(ctx: &Context) -> Vec<Hit> {
    ctx.index
        .placeholders
        .iter()
        .map(|p| Hit {
            path: p.path.clone(),
            message: format!("`{}` is a placeholder: fill in {}", p.text, p.path.join(".")),
            help: Some("replace it with the real value; `plan check` lists every one left".into()),
            severity: None,
        })
        .collect()
}

pub fn review_overdue(ctx: &Context) -> Vec<Hit> {
    let l = &ctx.plan.strategy.lifetime;
    let at = ["strategy", "lifetime", "last_review"];
    super::overdue(&at, "plan review", l.last_review, l.review_interval, ctx.now)
        .map(|h| {
            h.help("review the plan with its owners, then set last_review to the review date")
                .severity(ctx.error_at_ga())
        })
        .into_iter()
        .collect()
}

pub fn lifetime_ended(ctx: &Context) -> Vec<Hit> {
    let l = &ctx.plan.strategy.lifetime;
    if l.end_of_support < ctx.now && ctx.stage() != Stage::Retired {
        vec![
            Hit::new(&["strategy", "lifetime", "end_of_support"], format!("support ended on {}", l.end_of_support))
                .help("extend end_of_support with a new support decision, or set plan.stage = \"retired\""),
        ]
    } else {
        vec![]
    }
}

pub fn lifetime_ending_soon(ctx: &Context) -> Vec<Hit> {
    let l = &ctx.plan.strategy.lifetime;
    let days = ctx.now.days_until(l.end_of_support);
    if (0..=90).contains(&days) && ctx.stage() != Stage::Retired {
        vec![
            Hit::new(
                &["strategy", "lifetime", "end_of_support"],
                format!("support ends in {days} days, on {}", l.end_of_support),
            )
            .help("decide on an extension or plan the retirement"),
        ]
    } else {
        vec![]
    }
}

pub fn lifetime_dates(ctx: &Context) -> Vec<Hit> {
    let l = &ctx.plan.strategy.lifetime;
    if l.supported_from > l.end_of_support {
        vec![Hit::new(
            &["strategy", "lifetime", "end_of_support"],
            format!("support ends ({}) before it starts ({})", l.end_of_support, l.supported_from),
        )]
    } else {
        vec![]
    }
}

pub fn objectives_measured(ctx: &Context) -> Vec<Hit> {
    ctx.plan
        .objectives
        .iter()
        .filter(|(_, o)| o.measured_by.is_empty())
        .map(|(id, _)| {
            Hit::new(&["objectives", id], format!("objective `{id}` is not measured by any acceptance criterion"))
                .help("add measured_by = [\"<criterion id>\"]")
                .severity(ctx.error_at_ga())
        })
        .collect()
}

pub fn assumptions_revisit(ctx: &Context) -> Vec<Hit> {
    ctx.plan
        .assumptions
        .iter()
        .filter_map(|(id, a)| {
            let by = a.revisit_by?;
            (by < ctx.now && a.validated_by.is_empty()).then(|| {
                Hit::new(&["assumptions", id, "revisit_by"], format!("assumption `{id}` was due for a revisit on {by}"))
                    .help("revisit it and move revisit_by, or link criteria in validated_by")
            })
        })
        .collect()
}

pub fn steps_declared(ctx: &Context) -> Vec<Hit> {
    let rp = &ctx.plan.release_process;
    let required: Vec<&ReleaseStep> = rp.required_steps.iter().filter_map(|id| rp.steps.get(id)).collect();
    let na = |k| rp.not_applicable.get(&k).is_some_and(|reason| !reason.trim().is_empty());
    let kinds = [
        ("QA (a step with kind = \"tests\")", required.iter().any(|s| matches!(s, ReleaseStep::Tests { .. }))),
        (
            "review board (kind = \"approval\")",
            na(StepKindNa::ReviewBoard) || required.iter().any(|s| matches!(s, ReleaseStep::Approval { .. })),
        ),
        (
            "change management (kind = \"change_ticket\")",
            na(StepKindNa::ChangeManagement) || required.iter().any(|s| matches!(s, ReleaseStep::ChangeTicket { .. })),
        ),
    ];
    let mut hits: Vec<Hit> = kinds
        .iter()
        .filter(|(_, present)| !present)
        .map(|(what, _)| {
            Hit::new(&["release_process", "required_steps"], format!("the release process requires no {what} step"))
                .help("declare the step under [release_process.steps.<id>] and list its id in required_steps, or (review board, change management) give the reason it does not apply under [release_process.not_applicable]")
        })
        .collect();
    for id in rp.steps.keys().filter(|id| !rp.required_steps.contains(id)) {
        hits.push(
            Hit::new(
                &["release_process", "steps", id],
                format!("release step `{id}` is declared but not in required_steps"),
            )
            .help("add it to required_steps, or remove it")
            .severity(Severity::Warning),
        );
    }
    hits
}

pub fn tag_pattern(ctx: &Context) -> Vec<Hit> {
    let p = &ctx.plan.strategy.release.tag_pattern;
    if p.contains("{version}") {
        vec![]
    } else {
        vec![
            Hit::new(&["strategy", "release", "tag_pattern"], format!("tag pattern `{p}` has no {{version}}"))
                .help("write it like \"v{version}\""),
        ]
    }
}

pub fn freeze_windows(ctx: &Context) -> Vec<Hit> {
    ctx.plan
        .strategy
        .release
        .freeze_windows
        .iter()
        .filter(|(_, w)| w.from > w.to)
        .map(|(id, w)| {
            Hit::new(
                &["strategy", "release", "freeze_windows", id, "to"],
                format!("freeze window `{id}` ends ({}) before it starts ({})", w.to, w.from),
            )
        })
        .collect()
}

pub fn categories_covered(ctx: &Context) -> Vec<Hit> {
    let a = &ctx.plan.acceptance;
    a.categories_required
        .iter()
        .filter(|c| !a.not_applicable.contains_key(c) && !a.criteria.values().any(|cr| cr.category == **c))
        .map(|c| {
            Hit::new(
                &["acceptance", "categories_required"],
                format!("acceptance category `{}` has no criterion", c.as_str()),
            )
            .help(format!("add a criterion with category = \"{0}\", or not_applicable.{0} = \"reason\"", c.as_str()))
            .severity(ctx.error_at_ga())
        })
        .collect()
}

pub fn measurable(ctx: &Context) -> Vec<Hit> {
    ctx.plan
        .acceptance
        .criteria
        .iter()
        .filter(|(_, c)| matches!(c.measure, Measure::Prose { .. }))
        .map(|(id, _)| {
            Hit::new(
                &["acceptance", "criteria", id, "kind"],
                format!("criterion `{id}` is prose only, so nothing can check it"),
            )
            .help("make it a threshold (metric op target), a tests selection, a baseline, or an attestation")
            .severity(ctx.error_at_ga())
        })
        .collect()
}

pub fn warn_band(ctx: &Context) -> Vec<Hit> {
    use crate::plan::values::Target;
    let mut hits = vec![];
    for (id, c) in &ctx.plan.acceptance.criteria {
        let Measure::Threshold { op, target: Target::Quantity(t), warn_at: Some(Target::Quantity(w)), .. } = &c.measure
        else {
            continue;
        };
        let ok = match op {
            Op::Le | Op::Lt => w.base() <= t.base(),
            Op::Ge | Op::Gt => w.base() >= t.base(),
            Op::Eq | Op::Ne => true,
        };
        if !ok {
            hits.push(
                Hit::new(
                    &["acceptance", "criteria", id, "warn_at"],
                    format!("warn_at {w} lies beyond target {t}, so `{} {t}` fails before it warns", op.as_str()),
                )
                .help("put warn_at on the passing side of the target, e.g. target 250ms, warn_at 220ms for <="),
            );
        }
    }
    hits
}

pub fn evidence_freshness(ctx: &Context) -> Vec<Hit> {
    ctx.plan
        .evidence
        .iter()
        .filter(|(_, e)| e.required && e.max_age.is_none())
        .map(|(id, _)| {
            Hit::new(&["evidence", id], format!("evidence `{id}` has no max_age, so a stale file would be accepted"))
                .help("add max_age = \"24h\" (or what your pipeline needs)")
                .severity(if ctx.stage().is_ga_or_later() { Severity::Warning } else { Severity::Info })
        })
        .collect()
}
