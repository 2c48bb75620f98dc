//! Impact classification: the catalogue (`catalogue.rs`) says how each field compares and
//! which way is weaker; this applies it to one change. Values compare typed: dates as
//! dates, times of day as times, durations, periods and quantities by magnitude within a
//! dimension, money within a currency. Where two values cannot be compared, the change is
//! called breaking: a reviewer should look.

use toml::Value;

use super::catalogue::{Compare, lookup};
use super::value::RawChange;
use super::{ChangeKind, Impact};
use crate::plan::values::{Dimension, Duration, Period, Quantity};

fn seconds_of_day(t: toml::value::Time) -> f64 {
    f64::from(t.hour) * 3600.0 + f64::from(t.minute) * 60.0 + f64::from(t.second.unwrap_or(0))
}

/// A number for ordering: plain numbers, dates, times of day, durations, periods,
/// quantities (in base units), money (with its currency, which must match).
fn magnitude(v: &Value) -> Option<(f64, String)> {
    match v {
        Value::Integer(i) => Some((*i as f64, String::new())),
        Value::Float(f) => Some((*f, String::new())),
        Value::Boolean(b) => Some((if *b { 1.0 } else { 0.0 }, String::new())),
        Value::Datetime(d) => match (d.date, d.time) {
            (Some(date), _) => {
                let date = crate::plan::values::Date::new(date.year as i16, date.month as i8, date.day as i8)?;
                let days = crate::plan::values::Date::new(1970, 1, 1)?.days_until(date) as f64;
                let secs = d.time.map_or(0.0, seconds_of_day);
                Some((days * 86_400.0 + secs, "date".into()))
            }
            (None, Some(t)) => Some((seconds_of_day(t), "time of day".into())),
            (None, None) => None,
        },
        // Durations, periods and time quantities are all seconds, so "220ms", "0.2s" and
        // "1h" compare with each other.
        Value::String(s) => Duration::parse(s)
            .map(|d| (d.millis as f64 / 1000.0, format!("{:?}", Dimension::Time)))
            .ok()
            .or_else(|| Period::parse(s).ok().map(|p| (p.approx_days() * 86_400.0, format!("{:?}", Dimension::Time))))
            .or_else(|| Quantity::parse(s).ok().map(|q| (q.base(), format!("{:?}", q.unit.dimension)))),
        Value::Table(t) => {
            let (amount, _) = magnitude(t.get("amount")?)?;
            let per = t.get("per").and_then(Value::as_str).unwrap_or("once");
            let currency = t.get("currency").and_then(Value::as_str).unwrap_or("");
            Some((amount, format!("{currency}/{per}")))
        }
        Value::Array(_) => None,
    }
}

/// Whether `new` is weaker than `old` when a higher value is stronger (`Some(true)`), or
/// `None` when the two cannot be compared.
fn lower_than(old: &Value, new: &Value) -> Option<bool> {
    let ((o, od), (n, nd)) = (magnitude(old)?, magnitude(new)?);
    // Bare numbers compare with quantities of any unit only when both are bare.
    (od == nd).then_some(n < o)
}

fn lookup_value<'a>(root: &'a Value, path: &[String]) -> Option<&'a Value> {
    path.iter().try_fold(root, |v, k| v.get(k.as_str()))
}

fn is_na(v: &Option<Value>) -> bool {
    v.as_ref().and_then(Value::as_table).is_some_and(|t| t.len() == 1 && t.contains_key("na"))
}

const INCOMPARABLE: &str = "changed to a value that cannot be compared with the old one";

/// Hours a week a `[hours.<id>]` table covers: 168 when `always`, else its days times the
/// span from `start` to `end`.
fn weekly_hours(h: &Value) -> Option<f64> {
    if h.get("always").and_then(Value::as_bool) == Some(true) {
        return Some(168.0);
    }
    let time = |k: &str| match h.get(k)? {
        Value::Datetime(d) => d.time.map(seconds_of_day),
        _ => None,
    };
    let days = h.get("days")?.as_array()?.len() as f64;
    let span = (time("end")? - time("start")?).max(0.0) / 3600.0;
    Some(days * span)
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

/// A repository's `[rules]` setting added, removed or changed: compares the rule's
/// effective severity before and after (no setting: the rule's own severity).
fn rule_level(c: &RawChange) -> Option<(Impact, Option<String>)> {
    const ORDER: [&str; 4] = ["error", "warning", "info", "off"];
    let (id, table) = match c.path.as_slice() {
        [root, rules, id] if root == "config" && rules == "rules" => (id, true),
        [root, rules, id, field] if root == "config" && rules == "rules" && field == "severity" => (id, false),
        _ => return None,
    };
    let default = crate::check::catalogue().iter().find(|r| r.id == id).map_or("warning", |r| r.severity.as_str());
    fn level<'a>(v: &'a Option<Value>, table: bool, default: &'a str) -> &'a str {
        let v = if table { v.as_ref().and_then(|t| t.get("severity")) } else { v.as_ref() };
        v.and_then(Value::as_str).unwrap_or(default)
    }
    let (old, new) = (level(&c.old, table, default), level(&c.new, table, default));
    let rank = |l: &str| ORDER.iter().position(|o| *o == l).unwrap_or(0);
    Some(if rank(new) > rank(old) {
        (Impact::Breaking, Some(format!("rule `{id}` counts less: {old} → {new}")))
    } else {
        (Impact::Notable, None)
    })
}

/// Classifies a change, with the reason when it is breaking.
pub fn classify(c: &RawChange, old_root: &Value, new_root: &Value) -> (Impact, Option<String>) {
    if c.kind == ChangeKind::Changed && !is_na(&c.old) && is_na(&c.new) {
        return (Impact::Breaking, Some("section switched to n/a".into()));
    }
    if let Some(answer) = rule_level(c) {
        return answer;
    }
    let Some(entry) = lookup(&c.path) else {
        // The completeness test keeps this from happening for any model field.
        return (Impact::Notable, None);
    };
    let breaking = |why: &str| (Impact::Breaking, Some(why.to_owned()));
    let quiet = if entry.compare == Compare::Prose { Impact::Cosmetic } else { Impact::Notable };
    let (old, new) = match (c.kind, &c.old, &c.new) {
        (ChangeKind::Added, ..) => return entry.added.map_or((quiet, None), breaking),
        (ChangeKind::Removed, ..) => {
            return match (entry.removed, entry.compare) {
                (Some(why), Compare::Members | Compare::Notable | Compare::Prose) => breaking(why),
                (Some(why), _) => (Impact::Breaking, Some(format!("{why} (no longer stated)"))),
                (None, _) => (quiet, None),
            };
        }
        (ChangeKind::Changed, Some(old), Some(new)) => (old, new),
        _ => return (Impact::Notable, None),
    };
    match entry.compare {
        Compare::Higher(why) => match lower_than(old, new) {
            Some(true) => breaking(why),
            Some(false) => (Impact::Notable, None),
            None => (Impact::Breaking, Some(format!("{INCOMPARABLE} ({why}?)"))),
        },
        Compare::Lower(why) => match lower_than(new, old) {
            Some(true) => breaking(why),
            Some(false) => (Impact::Notable, None),
            None => (Impact::Breaking, Some(format!("{INCOMPARABLE} ({why}?)"))),
        },
        Compare::Flag(why) if old.as_bool() == Some(true) => breaking(why),
        Compare::Rank(order, why) => {
            let rank = |v: &Value| v.as_str().and_then(|s| order.iter().position(|o| *o == s));
            match (rank(old), rank(new)) {
                (Some(o), Some(n)) if n > o => breaking(why),
                (Some(_), Some(_)) => (Impact::Notable, None),
                _ => (Impact::Breaking, Some(format!("{INCOMPARABLE} ({why}?)"))),
            }
        }
        Compare::Exact(why) => breaking(why),
        Compare::Threshold(why) => {
            let mut op_path = c.path.clone();
            op_path.pop();
            op_path.push("op".into());
            let op =
                lookup_value(new_root, &op_path).or_else(|| lookup_value(old_root, &op_path)).and_then(Value::as_str);
            let loosened = match op {
                Some("<" | "<=") => lower_than(new, old),
                Some(">" | ">=") => lower_than(old, new),
                _ => return (Impact::Breaking, Some(format!("{why}: an exact target changed"))),
            };
            match loosened {
                Some(true) => breaking(why),
                Some(false) => (Impact::Notable, None),
                None => (Impact::Breaking, Some(format!("{INCOMPARABLE} ({why}?)"))),
            }
        }
        Compare::HoursRef(why) => {
            let weekly =
                |root: &Value, v: &Value| v.as_str().and_then(|id| root.get("hours")?.get(id)).and_then(weekly_hours);
            match (weekly(old_root, old), weekly(new_root, new)) {
                (Some(o), Some(n)) if n < o - 1e-9 => {
                    (Impact::Breaking, Some(format!("{why}: {} → {} hours a week", round1(o), round1(n))))
                }
                (Some(_), Some(_)) => (Impact::Notable, None),
                _ => (Impact::Breaking, Some(format!("{INCOMPARABLE} ({why}?)"))),
            }
        }
        Compare::Prose if old.is_str() && new.is_str() => (Impact::Cosmetic, None),
        Compare::Flag(_) | Compare::RuleLevel(_) | Compare::Members | Compare::Notable | Compare::Prose => {
            (Impact::Notable, None)
        }
    }
}
