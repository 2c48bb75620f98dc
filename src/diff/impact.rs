//! Impact classification: which changes weaken a commitment (`breaking`), which are
//! wording only (`cosmetic`), and the rest (`notable`).

use toml::Value;

use super::value::RawChange;
use super::{ChangeKind, Impact};
use crate::plan::values::{Duration, Period, Quantity};

/// Which direction makes a value a stronger commitment.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stronger {
    Higher,
    Lower,
}

/// Paths (with `*` for one key) whose numeric value is a commitment.
const DIRECTED: &[(&str, Stronger, &str)] = &[
    ("sla.availability_pct", Stronger::Higher, "SLA lowered"),
    ("monitoring.slos.*.objective_pct", Stronger::Higher, "SLO lowered"),
    ("responsibilities.response.*.acknowledge", Stronger::Lower, "response time lengthened"),
    ("responsibilities.response.*.restore", Stronger::Lower, "restore time lengthened"),
    ("responsibilities.backup.frequency", Stronger::Lower, "backups less frequent"),
    ("responsibilities.backup.rpo", Stronger::Lower, "RPO lengthened"),
    ("responsibilities.backup.rto", Stronger::Lower, "RTO lengthened"),
    ("responsibilities.backup.retention", Stronger::Higher, "retention shortened"),
    ("responsibilities.backup.restore_test_interval", Stronger::Lower, "restore tests less frequent"),
    ("strategy.lifetime.end_of_support", Stronger::Higher, "end of support moved earlier"),
    ("strategy.lifetime.review_interval", Stronger::Lower, "review interval lengthened"),
    ("strategy.release.supported_versions", Stronger::Higher, "fewer versions supported"),
    ("strategy.release.hotfix_max_lead_time", Stronger::Lower, "hotfix lead time lengthened"),
    ("release_process.steps.*.max_failed", Stronger::Lower, "more test failures allowed"),
    ("release_process.steps.*.max_skipped", Stronger::Lower, "more skipped tests allowed"),
    ("release_process.steps.*.min_cases", Stronger::Higher, "fewer test cases required"),
    ("release_process.steps.*.min_approvals", Stronger::Higher, "fewer approvals required"),
    ("release_process.steps.*.min_lead_time", Stronger::Higher, "change lead time shortened"),
    ("release_process.steps.*.valid_for", Stronger::Lower, "attestations valid longer"),
    ("acceptance.criteria.*.max_regression_pct", Stronger::Lower, "larger regression allowed"),
    ("acceptance.criteria.*.min_samples", Stronger::Higher, "fewer samples required"),
    ("acceptance.criteria.*.min_cases", Stronger::Higher, "fewer test cases required"),
    ("acceptance.criteria.*.min_pass_pct", Stronger::Higher, "lower pass rate accepted"),
    ("acceptance.criteria.*.valid_for", Stronger::Lower, "attestations valid longer"),
    ("evidence.*.max_age", Stronger::Lower, "older evidence accepted"),
    ("gate.waiver_max_horizon", Stronger::Lower, "waivers may last longer"),
    ("environment.security.access_review_interval", Stronger::Lower, "access reviews less frequent"),
    ("resources.growth_review.interval", Stronger::Lower, "growth reviews less frequent"),
    ("monitoring.manual_checks.*.frequency", Stronger::Lower, "manual checks less frequent"),
    ("dependencies.*.slo_pct", Stronger::Higher, "dependency SLO lowered"),
];

/// Keyed entries whose removal drops a commitment.
const REMOVAL_BREAKS: &[(&str, &str)] = &[
    ("acceptance.criteria.*", "acceptance criterion removed"),
    ("acceptance.categories_required", "acceptance category no longer required"),
    ("release_process.steps.*", "release step removed"),
    ("release_process.required_steps", "release step no longer required"),
    ("responsibilities.response.*", "response target removed"),
    ("escalation.*", "escalation level removed"),
    ("monitoring.slos.*", "SLO removed"),
    ("monitoring.alerts.*", "alert removed"),
    ("regression.suites.*", "regression suite removed"),
    ("strategy.lifetime.review_triggers", "review trigger removed"),
    ("evidence.*.max_age", "evidence freshness no longer checked"),
    ("sla", "SLA removed"),
];

/// Keys whose values are prose: wording changes are cosmetic.
const PROSE: &[&str] = &["description", "text", "purpose", "notes", "reason", "problem", "signal", "terms", "title"];

fn matches(pattern: &str, path: &[String]) -> bool {
    let parts: Vec<&str> = pattern.split('.').collect();
    parts.len() == path.len() && parts.iter().zip(path).all(|(p, k)| *p == "*" || p == k)
}

/// A number for ordering: plain numbers, dates, durations, periods, quantities, money.
fn magnitude(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        Value::Boolean(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Datetime(d) => d.date.map(|d| d.year as f64 * 372.0 + d.month as f64 * 31.0 + d.day as f64),
        Value::String(s) => Duration::parse(s)
            .map(|d| d.millis as f64)
            .ok()
            .or_else(|| Period::parse(s).ok().map(|p| p.approx_days() * 86_400_000.0))
            .or_else(|| Quantity::parse(s).ok().map(|q| q.base())),
        Value::Table(t) => t.get("amount").and_then(magnitude),
        Value::Array(_) => None,
    }
}

fn lookup<'a>(root: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(root, |v, k| v.get(k.as_str()))
}

fn weaker(old: &Value, new: &Value, stronger: Stronger) -> Option<bool> {
    let (o, n) = (magnitude(old)?, magnitude(new)?);
    Some(match stronger {
        Stronger::Higher => n < o,
        Stronger::Lower => n > o,
    })
}

/// Classifies a change, with the reason when it is breaking.
pub fn classify(c: &RawChange, old_root: &Value, new_root: &Value) -> (Impact, Option<String>) {
    let path = &c.path;
    let last = path.last().map(String::as_str).unwrap_or("");
    let na =
        |v: &Option<Value>| v.as_ref().and_then(Value::as_table).is_some_and(|t| t.len() == 1 && t.contains_key("na"));
    if c.kind == ChangeKind::Changed && !na(&c.old) && na(&c.new) {
        return (Impact::Breaking, Some("section switched to n/a".into()));
    }
    if path.len() == 3 && path[0] == "acceptance" && path[1] == "not_applicable" && c.kind == ChangeKind::Added {
        return (Impact::Breaking, Some(format!("acceptance category {} switched to n/a", path[2])));
    }
    if c.kind == ChangeKind::Removed {
        if let Some((_, why)) = REMOVAL_BREAKS.iter().find(|(p, _)| matches(p, path)) {
            return (Impact::Breaking, Some((*why).into()));
        }
        if let Some((_, _, why)) = DIRECTED.iter().find(|(p, _, _)| matches(p, path)) {
            return (Impact::Breaking, Some(format!("{why} (limit removed)")));
        }
    }
    if let (ChangeKind::Changed, Some(old), Some(new)) = (c.kind, &c.old, &c.new) {
        if let Some((_, stronger, why)) = DIRECTED.iter().find(|(p, _, _)| matches(p, path)) {
            return match weaker(old, new, *stronger) {
                Some(true) => (Impact::Breaking, Some((*why).into())),
                _ => (Impact::Notable, None),
            };
        }
        if matches("acceptance.criteria.*.target", path) || matches("acceptance.criteria.*.warn_at", path) {
            let op_path = [&path[..3], &["op".to_string()]].concat();
            let op =
                lookup(new_root, &op_path).or_else(|| lookup(old_root, &op_path)).and_then(Value::as_str).unwrap_or("");
            let stronger = match op {
                "<" | "<=" => Some(Stronger::Lower),
                ">" | ">=" => Some(Stronger::Higher),
                _ => None,
            };
            if last == "target"
                && let Some(s) = stronger
                && weaker(old, new, s) == Some(true)
            {
                return (Impact::Breaking, Some("threshold loosened".into()));
            }
            if last == "target" && stronger.is_none() {
                return (Impact::Breaking, Some("exact target changed".into()));
            }
            return (Impact::Notable, None);
        }
        if matches("acceptance.criteria.*.severity", path) && old.as_str() == Some("error") {
            return (Impact::Breaking, Some("criterion no longer blocks a release".into()));
        }
        if matches("acceptance.criteria.*.op", path) || matches("acceptance.criteria.*.metric", path) {
            return (Impact::Breaking, Some("the criterion measures something else now".into()));
        }
        if matches("release_process.steps.*.flaky_policy", path) {
            let rank = |v: &Value| match v.as_str() {
                Some("fail") => 2,
                Some("warn") => 1,
                _ => 0,
            };
            if rank(new) < rank(old) {
                return (Impact::Breaking, Some("flaky tests tolerated more".into()));
            }
        }
        if (matches("release_process.steps.*.must_postdate_plan_change", path) || matches("evidence.*.required", path))
            && old.as_bool() == Some(true)
        {
            return (Impact::Breaking, Some(format!("{last} turned off")));
        }
        if matches("hours.*.always", path) && old.as_bool() == Some(true) {
            return (Impact::Breaking, Some("support no longer around the clock".into()));
        }
        if matches("gate.fail_on", path) && old.as_str() == Some("warning") {
            return (Impact::Breaking, Some("warnings no longer block a release".into()));
        }
        if matches("plan.stage", path) {
            return (Impact::Notable, Some("stage changed; rules that apply from ga may change".into()));
        }
        if PROSE.contains(&last) && old.is_str() && new.is_str() {
            return (Impact::Cosmetic, None);
        }
    }
    if PROSE.contains(&last) && c.kind != ChangeKind::Changed && path.len() > 1 {
        // An optional description added or removed.
        return (Impact::Cosmetic, None);
    }
    (Impact::Notable, None)
}
