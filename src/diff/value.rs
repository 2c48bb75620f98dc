//! The plan as a canonical value tree (typed values serialize canonically, so `"60min"`
//! and `"1h"` become the same string) and a structural diff over it.

use toml::Value;
use toml::de::{DeTable, DeValue};

use super::ChangeKind;
use crate::plan::SpanIndex;
use crate::plan::model::Plan;
use crate::plan::values::{Duration, Period, Quantity};

/// A change found by the structural diff, before classification.
#[derive(Debug, Clone)]
pub struct RawChange {
    pub path: Vec<String>,
    pub kind: ChangeKind,
    pub old: Option<Value>,
    pub new: Option<Value>,
}

/// The plan (or a record file) as a value tree, with dates and times as TOML datetimes.
pub fn tree<T: serde::Serialize>(model: &T) -> Value {
    let mut v = Value::try_from(model).unwrap_or(Value::Table(Default::default()));
    restore_datetimes(&mut v);
    v
}

/// The value trees of two versions of a plan, holding only the top-level sections that differ
/// as typed values, and `hours` (a change of a support-hours reference is judged by the hours
/// it names). A section equal as typed serializes equally and has nothing to find: leaving it
/// out saves most of a diff's serializing, as an edit touches one or two of 25 sections.
pub fn plan_trees(a: &Plan, b: &Plan) -> (Value, Value) {
    sections(a, b, &|name, differ| differ || name == "hours")
}

/// Both plans' trees with the sections `keep(name, differ)` keeps.
fn sections(a: &Plan, b: &Plan, keep: &dyn Fn(&str, bool) -> bool) -> (Value, Value) {
    let (mut ta, mut tb) = (toml::Table::new(), toml::Table::new());
    // A section that does not serialize (an absent optional one) is left out, as the
    // serializer leaves it out of the whole plan.
    let mut add = |name: &str, x: Option<Value>, y: Option<Value>| {
        if let Some(x) = x {
            ta.insert(name.to_owned(), x);
        }
        if let Some(y) = y {
            tb.insert(name.to_owned(), y);
        }
    };
    macro_rules! each_section {
        ($($field:ident),* $(,)?) => {
            // Every field named: a new section of the model fails to compile until listed here.
            let Plan { $($field: _),* } = a;
            $(
                if keep(stringify!($field), a.$field != b.$field) {
                    add(stringify!($field), section(&a.$field), section(&b.$field));
                }
            )*
        };
    }
    each_section!(
        schema_version,
        plan,
        scope,
        audience,
        objectives,
        assumptions,
        strategy,
        release_process,
        acceptance,
        environment,
        contacts,
        escalation,
        problem_referral,
        hours,
        responsibilities,
        sla,
        dependencies,
        monitoring,
        regression,
        resources,
        evidence,
        gate,
        suppress,
    );
    (Value::Table(ta), Value::Table(tb))
}

/// One section of a plan as a value tree, `None` when it does not serialize.
fn section<T: serde::Serialize>(v: &T) -> Option<Value> {
    let mut v = Value::try_from(v).ok()?;
    restore_datetimes(&mut v);
    Some(v)
}

/// The serializer hands dates over as a private one-key table; turn them back into
/// datetimes so that they compare as dates and never show the private key.
fn restore_datetimes(v: &mut Value) {
    const PRIVATE: &str = "$__toml_private_datetime";
    match v {
        Value::Table(t) => {
            if t.len() == 1
                && let Some(dt) = t.get(PRIVATE).and_then(Value::as_str).and_then(|s| s.parse().ok())
            {
                *v = Value::Datetime(dt);
                return;
            }
            t.iter_mut().for_each(|(_, v)| restore_datetimes(v));
        }
        Value::Array(a) => a.iter_mut().for_each(restore_datetimes),
        _ => {}
    }
}

/// Money (`{ amount, currency, per }`) is one value, compared whole.
fn is_money(v: &Value) -> bool {
    v.as_table().is_some_and(|t| t.contains_key("amount") && t.contains_key("currency"))
}

fn is_na(v: &Value) -> bool {
    v.as_table().is_some_and(|t| t.len() == 1 && t.contains_key("na"))
}

/// Equal as typed values: numbers by value, quantities and durations by magnitude.
pub fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Integer(x), Value::Float(y)) | (Value::Float(y), Value::Integer(x)) => (*x as f64 - y).abs() < 1e-12,
        (Value::String(x), Value::String(y)) if x != y => {
            if let (Ok(p), Ok(q)) = (Duration::parse(x), Duration::parse(y)) {
                return p == q;
            }
            if let (Ok(p), Ok(q)) = (Period::parse(x), Period::parse(y)) {
                return p == q;
            }
            if let (Ok(p), Ok(q)) = (Quantity::parse(x), Quantity::parse(y)) {
                return p.unit.dimension == q.unit.dimension
                    && (p.base() - q.base()).abs() <= 1e-12 * p.base().abs().max(1.0);
            }
            false
        }
        (Value::Table(x), Value::Table(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

fn scalar(v: &Value) -> bool {
    !matches!(v, Value::Table(_) | Value::Array(_))
}

/// Diffs two values at `path`, appending changes.
pub fn diff(path: &mut Vec<String>, a: Option<&Value>, b: Option<&Value>, out: &mut Vec<RawChange>) {
    let change = |path: &Vec<String>, kind, old: Option<&Value>, new: Option<&Value>| RawChange {
        path: path.clone(),
        kind,
        old: old.cloned(),
        new: new.cloned(),
    };
    match (a, b) {
        (None, None) => {}
        // Equal as written is equal as typed: most of two versions of a plan is the same.
        (Some(a), Some(b)) if a == b => {}
        (None, Some(b)) => out.push(change(path, ChangeKind::Added, None, Some(b))),
        (Some(a), None) => out.push(change(path, ChangeKind::Removed, Some(a), None)),
        (Some(a), Some(b)) if is_na(a) != is_na(b) || is_money(a) || is_money(b) => {
            if !same(a, b) {
                out.push(change(path, ChangeKind::Changed, Some(a), Some(b)))
            }
        }
        (Some(Value::Table(x)), Some(Value::Table(y))) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                path.push(k.clone());
                diff(path, x.get(k), y.get(k), out);
                path.pop();
            }
        }
        (Some(Value::Array(x)), Some(Value::Array(y))) if x.iter().chain(y.iter()).all(scalar) => {
            // Lists of names or globs: report elements removed and added; a pure reorder
            // changes nothing a reader relies on.
            let within = |v: &Value, set: &[Value]| set.contains(v) || set.iter().any(|w| same(v, w));
            for v in x.iter().filter(|v| !within(v, y)) {
                out.push(change(path, ChangeKind::Removed, Some(v), None));
            }
            for v in y.iter().filter(|v| !within(v, x)) {
                out.push(change(path, ChangeKind::Added, None, Some(v)));
            }
        }
        (Some(a), Some(b)) => {
            if !same(a, b) {
                out.push(change(path, ChangeKind::Changed, Some(a), Some(b)));
            }
        }
    }
}

/// A value for output as the file wrote it (`"35d"` stays `"35d"`), found at `path` in the
/// file's own parse; the compared value where the shapes differ (an element of a list).
pub fn as_written(compared: &Value, found: Option<&Value>) -> serde_json::Value {
    match found {
        Some(w) if std::mem::discriminant(w) == std::mem::discriminant(compared) || (scalar(w) && scalar(compared)) => {
            to_json(w)
        }
        _ => to_json(compared),
    }
}

/// Where a diff reads values as the file wrote them: a plan's span index over its text (a
/// changed scalar is parsed alone, from its span), else the text parsed once, on first use.
pub struct Written<'a> {
    text: &'a str,
    index: Option<&'a SpanIndex>,
    doc: std::cell::OnceCell<Option<toml::Spanned<DeTable<'a>>>>,
}

impl<'a> Written<'a> {
    pub fn plan(text: &'a str, index: &'a SpanIndex) -> Self {
        Written { text, index: Some(index), doc: Default::default() }
    }

    pub fn text(text: &'a str) -> Self {
        Written { text, index: None, doc: Default::default() }
    }

    /// The value at `path` (a key path; array elements by index), as written, for a change
    /// whose compared value is `compared`. A scalar read from its span is taken only when it
    /// equals `compared` as typed: a path hash that collided cannot show another key's value.
    pub fn at(&self, path: &[String], compared: &Value) -> Option<Value> {
        if let Some(index) = self.index {
            let entry = index.get(path);
            if let Some(entry) = entry.as_ref().filter(|e| e.scalar)
                && let Some(v) =
                    self.text.get(entry.value.clone()).and_then(|t| DeValue::parse(t).ok()).and_then(value_of)
                && same(&v, compared)
            {
                return Some(v);
            }
        }
        let doc = self.doc.get_or_init(|| DeTable::parse(self.text).ok());
        written_at(doc.as_ref()?.get_ref(), path)
    }
}

fn value_of(v: toml::Spanned<DeValue<'_>>) -> Option<Value> {
    use serde::Deserialize as _;
    Value::deserialize(toml::de::ValueDeserializer::from(v)).ok()
}

/// The value at `path` in a parsed document, built only for that value.
fn written_at(doc: &DeTable<'_>, path: &[String]) -> Option<Value> {
    let (first, rest) = path.split_first()?;
    let mut current = doc.get(first.as_str())?;
    for k in rest {
        current = match current.get_ref() {
            DeValue::Table(t) => t.get(k.as_str())?,
            DeValue::Array(items) => items.get(k.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    value_of(current.clone())
}

/// JSON for output: dates as strings, tables as objects.
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::String(s) => s.clone().into(),
        Value::Integer(i) => (*i).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f).map_or(serde_json::Value::Null, serde_json::Value::Number),
        Value::Boolean(b) => (*b).into(),
        Value::Datetime(d) => d.to_string().into(),
        Value::Array(a) => a.iter().map(to_json).collect(),
        Value::Table(t) => t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect::<serde_json::Map<_, _>>().into(),
    }
}

/// A short, single-line rendering of a value for summaries and tables.
pub fn short(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => {
            let one_line = s.split_whitespace().collect::<Vec<_>>().join(" ");
            if one_line.chars().count() > 60 {
                format!("\"{}…\"", one_line.chars().take(57).collect::<String>())
            } else if s.contains(' ') || s.is_empty() {
                format!("\"{one_line}\"")
            } else {
                one_line
            }
        }
        serde_json::Value::Object(m) if m.len() == 1 && m.contains_key("na") => {
            format!("n/a ({})", short(&m["na"]))
        }
        serde_json::Value::Object(m) => {
            if let (Some(a), Some(c)) = (m.get("amount"), m.get("currency")) {
                let per = m
                    .get("per")
                    .and_then(|p| p.as_str())
                    .filter(|p| *p != "once")
                    .map(|p| format!("/{p}"))
                    .unwrap_or_default();
                return format!("{a} {}{per}", c.as_str().unwrap_or(""));
            }
            match ["name", "title", "system", "problem", "platform", "text", "description", "purpose"]
                .iter()
                .find_map(|k| m.get(*k))
            {
                Some(serde_json::Value::String(label)) => short(&serde_json::Value::String(label.clone())),
                _ => format!("{{{} fields}}", m.len()),
            }
        }
        serde_json::Value::Array(a) => format!("[{}]", a.iter().map(short).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn template(name: &str) -> Plan {
        let text =
            std::fs::read_to_string(format!("{}/plan-templates/{name}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let loaded = crate::plan::load(crate::plan::Source::new(format!("{name}.toml"), None, text));
        loaded.unwrap_or_else(|f| panic!("{name}: {:?}", f.diagnostics)).plan
    }

    /// Kept whole, the sections make the tree of the whole plan: none is missing from the
    /// list or serialized differently on its own (an optional section left out, dates).
    #[test]
    fn all_sections_make_the_whole_tree() {
        let plans = ["example", "library", "standard", "web-service"].map(template);
        for a in &plans {
            for b in &plans {
                let (x, y) = sections(a, b, &|_, _| true);
                assert_eq!(x, tree(a));
                assert_eq!(y, tree(b));
            }
        }
    }

    /// Only the sections that differ are kept, and `hours`, which references are judged by.
    #[test]
    fn plan_trees_keep_the_sections_that_differ_and_hours() {
        let a = template("example");
        let mut b = a.clone();
        b.sla = crate::plan::values::Na::NotApplicable("no SLA yet".into());
        let names = |v: &Value| v.as_table().unwrap().keys().cloned().collect::<Vec<_>>();
        let (x, y) = plan_trees(&a, &a);
        assert_eq!((names(&x), names(&y)), (vec!["hours".to_owned()], vec!["hours".to_owned()]));
        let (x, y) = plan_trees(&a, &b);
        assert_eq!(names(&x), ["hours", "sla"]);
        assert_eq!(x.get("sla"), tree(&a).get("sla"));
        assert_eq!(y.get("sla"), tree(&b).get("sla"));
        assert_ne!(x.get("sla"), y.get("sla"));
    }

    /// Every value of every template, read from its span, is what a full parse finds there.
    #[test]
    fn values_read_from_spans_are_the_values_of_a_full_parse() {
        let odd = "schema_version = 1\n[plan]\nproduct = 'a'\nx = \"\"\"\nline\\\n  two\"\"\"\n\
                   \"quoted key\".y = 1e3\nd = 1979-05-27T07:32:00-08:00\nl = [1, { a = 'b' }, [2]]\n\
                   [[t]]\nk = 0x1f\n[[t]]\nk = +inf\n";
        let templates = ["example", "library", "standard", "web-service"].map(|t| {
            std::fs::read_to_string(format!("{}/plan-templates/{t}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap()
        });
        let mut compared = 0;
        for text in templates.iter().map(String::as_str).chain([odd]) {
            let root = DeTable::parse(text).unwrap();
            let index = SpanIndex::build(&root);
            let fast = Written::plan(text, &index);
            for e in SpanIndex::entries_within(text, &(0..text.len())) {
                let full = written_at(root.get_ref(), &e.path);
                let typed = full.clone().unwrap();
                assert_eq!(fast.at(&e.path, &typed), full, "{:?}", e.path);
                // Not the value compared (a path hash that collided): the full parse decides.
                assert_eq!(fast.at(&e.path, &Value::Boolean(full != Some(Value::Boolean(true)))), full, "{:?}", e.path);
                assert_eq!(index.get(&e.path), Some(e.entry.clone()), "{:?}", e.path);
                compared += 1;
            }
            assert_eq!(fast.at(&["no".into(), "such".into()], &Value::Integer(1)), None);
        }
        assert!(compared > 1000, "{compared}");
    }
}
