//! 2.1.4 acceptance criteria: thresholds over metrics (units converted, warn bands,
//! aggregation, minimum samples), test selections, baselines from the previous release,
//! attestations; categories marked not applicable are reported as n/a.

use super::steps::{attestation, cases, select};
use super::{GateFinding, GateInput, Status};
use crate::evidence::{CaseStatus, Sample, metric_unit};
use crate::plan::values::Target;
use crate::plan::{Aggregate, Criterion, CriterionSeverity, Measure, MetricUnit, Op, Stage, TestRequirement};

const S: &str = "2.1.4";

pub fn evaluate(input: &GateInput) -> Vec<GateFinding> {
    let plan = &input.plan.plan;
    let mut out = Vec::new();
    for (cat, reason) in &plan.acceptance.not_applicable {
        out.push(
            GateFinding::new(format!("category:{}", cat.as_str()), S, Status::Na, format!("not applicable: {reason}"))
                .at(&["acceptance", "not_applicable", cat.as_str()]),
        );
    }
    // Criteria are independent; test selections over large JUnit files dominate the cost.
    let criteria: Vec<(&String, &Criterion)> = plan.acceptance.criteria.iter().collect();
    out.extend(crate::par::map(&criteria, |(id, c)| {
        let mut f = one(input, id, c);
        f.path = vec!["acceptance".into(), "criteria".into(), (*id).clone()];
        if c.severity == CriterionSeverity::Warn && f.status == Status::Fail {
            f.status = Status::Warn;
        }
        f
    }));
    out
}

/// Samples of a metric id `<evidence>.<name>`, converted to base units, with the files.
pub fn samples(input: &GateInput, metric: &str) -> Result<(Vec<f64>, Vec<String>, MetricUnit), String> {
    let (ev_id, name) = metric.split_once('.').ok_or_else(|| format!("metric `{metric}` names no evidence"))?;
    let declared = input.plan.plan.evidence.get(ev_id).ok_or_else(|| format!("no evidence `{ev_id}`"))?;
    let unit = metric_unit(declared, name).ok_or_else(|| format!("evidence `{ev_id}` has no metric `{name}`"))?;
    let c = input.evidence.get(ev_id).ok_or_else(|| format!("evidence `{ev_id}` was not collected"))?;
    if let Some(p) = &c.problem {
        return Err(format!("evidence `{ev_id}`: {p}"));
    }
    let raw: &[Sample] = c.samples.get(name).map(Vec::as_slice).unwrap_or_default();
    if raw.is_empty() {
        let files = c.files.iter().map(|f| crate::render::one_line(f)).collect::<Vec<_>>().join(", ");
        return Err(format!("evidence `{ev_id}` ({files}) holds no value for `{name}`"));
    }
    let factor = match &unit {
        MetricUnit::Unit(u) => u.factor,
        MetricUnit::Currency(_) => 1.0,
    };
    Ok((raw.iter().map(|s| s.value * factor).collect(), raw.iter().map(|s| s.file.clone()).collect(), unit))
}

/// Shows a base value in the target's unit.
fn show(value: f64, t: &Target) -> String {
    match t {
        Target::Quantity(q) if q.unit.name == "count" => format!("{}", round(value)),
        Target::Quantity(q) => format!("{}{}", round(value / q.unit.factor), q.unit.name),
        Target::Money(m) => format!("{} {}", round(value), m.currency),
    }
}

fn round(v: f64) -> f64 {
    (v * 1e6).round() / 1e6
}

pub(super) fn holds(op: Op, value: f64, target: f64) -> bool {
    let eps = 1e-9 * target.abs().max(1e-12);
    match op {
        Op::Lt => value < target,
        Op::Le => value <= target + eps,
        Op::Gt => value > target,
        Op::Ge => value >= target - eps,
        Op::Eq => (value - target).abs() <= eps,
        Op::Ne => (value - target).abs() > eps,
    }
}

fn aggregate(values: &[f64], how: Aggregate) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    match how {
        Aggregate::Max | Aggregate::All => v[v.len() - 1],
        Aggregate::Min => v[0],
        Aggregate::Mean => v.iter().sum::<f64>() / v.len() as f64,
        Aggregate::Median if v.len() % 2 == 1 => v[v.len() / 2],
        Aggregate::Median => (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0,
        Aggregate::Last => values[values.len() - 1],
    }
}

fn one(input: &GateInput, id: &str, c: &Criterion) -> GateFinding {
    let check = format!("criterion:{id}");
    let stage = input.plan.plan.plan.stage;
    if let Some(since) = c.since_stage
        && stage < since
    {
        return GateFinding::new(
            check,
            S,
            Status::Na,
            format!("not enforced before stage {since:?} (the plan is at {stage:?})").to_lowercase(),
        );
    }
    let error = |m: String| GateFinding::new(check.clone(), S, Status::Error, m);
    match &c.measure {
        Measure::Threshold { metric, op, target, warn_at, aggregate: how, min_samples } => {
            let (values, files, _) = match samples(input, metric) {
                Ok(s) => s,
                Err(e) => return error(e),
            };
            if let Some(min) = min_samples
                && (values.len() as u32) < *min
            {
                let mut f = GateFinding::new(
                    check,
                    S,
                    Status::Fail,
                    format!("{} sample(s) of `{metric}`, {min} required", values.len()),
                );
                f.evidence = files;
                return f;
            }
            let t = target.base();
            let how = how.unwrap_or(match op {
                Op::Gt | Op::Ge => Aggregate::Min,
                Op::Lt | Op::Le => Aggregate::Max,
                Op::Eq | Op::Ne => Aggregate::All,
            });
            let (ok, value) = if how == Aggregate::All {
                let worst = values.iter().copied().find(|v| !holds(*op, *v, t));
                (worst.is_none(), worst.unwrap_or_else(|| aggregate(&values, how)))
            } else {
                let v = aggregate(&values, how);
                (holds(*op, v, t), v)
            };
            let observed = show(value, target);
            let expected = format!("{} {target}", op.as_str());
            let (status, msg) = if !ok {
                (Status::Fail, format!("`{metric}` is {observed}, target {} {target}", op.as_str()))
            } else if let Some(w) = warn_at
                && !holds(*op, value, w.base())
            {
                (
                    Status::Warn,
                    format!("`{metric}` is {observed}: passes {} {target} but crossed warn_at {w}", op.as_str()),
                )
            } else {
                (Status::Pass, format!("`{metric}` is {observed} ({} {target})", op.as_str()))
            };
            let mut f = GateFinding::new(check, S, status, msg).observed(observed, expected);
            f.evidence = files;
            f.measured = Some(value);
            f
        }
        Measure::Tests { evidence, select: globs, require, min_pass_pct, min_cases } => {
            let (all, files) = match cases(input, std::slice::from_ref(evidence)) {
                Ok(c) => c,
                Err(e) => return error(e),
            };
            let chosen = match select(all, globs) {
                Ok(c) => c,
                Err(e) => return error(e),
            };
            if let Some(missing) = chosen.not_found() {
                let mut f = GateFinding::new(check, S, Status::Fail, missing);
                f.evidence = files;
                return f;
            }
            let chosen = chosen.cases;
            let run: Vec<_> = chosen.iter().filter(|c| c.status != CaseStatus::Skipped).collect();
            let passed = run.iter().filter(|c| c.status == CaseStatus::Passed).count();
            let flaky = run.iter().filter(|c| c.flaky).count();
            let observed = match flaky {
                0 => format!("{passed} of {} selected cases passed", run.len()),
                n => format!("{passed} of {} selected cases passed ({n} only on a retry)", run.len()),
            };
            let mut f = if run.is_empty() || (run.len() as u32) < (*min_cases).max(1) {
                GateFinding::new(
                    check,
                    S,
                    Status::Fail,
                    format!(
                        "{} test case(s) ran{}; at least {} needed",
                        run.len(),
                        if globs.is_empty() {
                            String::new()
                        } else {
                            format!(" among those matching {}", globs.join(", "))
                        },
                        (*min_cases).max(1)
                    ),
                )
            } else {
                let pct = passed as f64 * 100.0 / run.len() as f64;
                let ok = match require {
                    TestRequirement::AllPass => passed == run.len(),
                    TestRequirement::MinPassPct => pct >= min_pass_pct.map_or(100.0, |p| p.0),
                };
                if ok {
                    GateFinding::new(check, S, Status::Pass, observed.clone())
                } else {
                    let failing: Vec<&str> = run
                        .iter()
                        .filter(|c| c.status != CaseStatus::Passed)
                        .take(5)
                        .map(|c| c.name.as_str())
                        .collect();
                    GateFinding::new(check, S, Status::Fail, format!("{observed}; failing: {}", failing.join(", ")))
                }
            };
            f.observed = Some(observed);
            f.expected = Some(match require {
                TestRequirement::AllPass => "all pass".into(),
                TestRequirement::MinPassPct => format!("≥ {}% pass", min_pass_pct.map_or(100.0, |p| p.0)),
            });
            f.evidence = files;
            f
        }
        Measure::Baseline { metric, max_regression_pct, .. } => {
            let (values, files, _) = match samples(input, metric) {
                Ok(s) => s,
                Err(e) => return error(e),
            };
            let now = aggregate(&values, Aggregate::Max);
            let mut f = match &input.facts.baseline {
                None => GateFinding::new(
                    check,
                    S,
                    Status::Warn,
                    format!("no baseline: no previous release recorded results for `{metric}`"),
                ),
                Some((_, Err(e))) => error(e.clone()),
                Some((tag, Ok(map))) => match map.get(metric.as_str()) {
                    None => GateFinding::new(
                        check,
                        S,
                        Status::Warn,
                        format!("the previous release ({tag}) recorded no value for `{metric}`"),
                    ),
                    Some(before) if *before < 0.0 => error(format!(
                        "the baseline of `{metric}` recorded at {tag} is negative ({before}): a regression in percent needs a baseline of 0 or more"
                    )),
                    Some(before) => {
                        let change = if *before == 0.0 {
                            if now > 0.0 { f64::INFINITY } else { 0.0 }
                        } else {
                            (now - before) / before.abs() * 100.0
                        };
                        let observed = format!("{} → {} ({:+.1}%)", round(*before), round(now), change);
                        let status = if change <= max_regression_pct.0 { Status::Pass } else { Status::Fail };
                        GateFinding::new(check, S, status, format!("`{metric}` {observed} against {tag}"))
                            .observed(observed, format!("≤ +{max_regression_pct}"))
                    }
                },
            };
            f.evidence = files;
            f
        }
        Measure::Attestation { by_group, record, valid_for } => {
            attestation(input, &check, S, by_group, record, *valid_for)
        }
        Measure::Prose { text } => {
            let status = if stage >= Stage::Ga { Status::Fail } else { Status::Warn };
            GateFinding::new(check, S, status, format!("not measurable, so it cannot pass a gate: \"{text}\""))
        }
    }
}
