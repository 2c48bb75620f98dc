//! Loading a plan: size and encoding checks, TOML syntax, schema version, typed
//! deserialization, then reference resolution. Every error carries a span and, where one is
//! known, the fix.

use std::ops::Range;

use toml::de::DeTable;

use super::model::{Plan, SCHEMA_VERSION};
use super::source::{SpanIndex, is_placeholder};
use super::{Diagnostic, LoadFailure, LoadedPlan, Source, refs};

/// Plans larger than this are refused before parsing (a support plan is a few dozen KiB).
pub const MAX_PLAN_BYTES: usize = 1024 * 1024;

/// Loads a plan from raw bytes, refusing oversized and non-UTF-8 input.
pub fn load_bytes(path: &str, rev: Option<String>, bytes: &[u8]) -> Result<LoadedPlan, LoadFailure> {
    if bytes.len() > MAX_PLAN_BYTES {
        return Err(oversized(path, rev, bytes.len() as u64));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => load(Source::new(path, rev, text.to_owned())),
        Err(e) => {
            let good = e.valid_up_to();
            let source = Source::new(path, rev, String::from_utf8_lossy(bytes).into_owned());
            let line = bytes[..good].iter().filter(|&&b| b == b'\n').count() + 1;
            let offset = String::from_utf8_lossy(&bytes[..good]).len();
            let end = (offset + 1).min(source.text.len());
            fail_with(
                source,
                diag(
                    "schema/valid",
                    format!("the file is not valid UTF-8 (byte {good}, line {line}); plans are UTF-8 TOML text"),
                    Some("save the file as UTF-8; if it is binary, it is not a plan"),
                    Some(offset..end),
                ),
            )
        }
    }
}

/// The failure for a file over [`MAX_PLAN_BYTES`]; callers check the size before reading.
pub fn oversized(path: &str, rev: Option<String>, size: u64) -> LoadFailure {
    let source = Source::new(path, rev, String::new());
    fail(
        source,
        diag(
            "schema/valid",
            format!("the file is {size} bytes; plans are limited to {MAX_PLAN_BYTES} bytes (1 MiB)"),
            Some("split the plan per service (`*.support-plan.toml`), or check that this is really a plan file"),
            None,
        ),
    )
}

fn fail_with(source: Source, d: Diagnostic) -> Result<LoadedPlan, LoadFailure> {
    Err(fail(source, d))
}

fn fail(source: Source, d: Diagnostic) -> LoadFailure {
    LoadFailure { source, diagnostics: vec![d] }
}

fn diag(rule: &'static str, message: String, help: Option<&str>, span: Option<Range<usize>>) -> Diagnostic {
    Diagnostic { rule, message, help: help.map(str::to_owned), span }
}

/// Loads a plan from text.
pub fn load(source: Source) -> Result<LoadedPlan, LoadFailure> {
    if let Some((plan, index)) = load_quickly(&source.text) {
        let diagnostics = refs::resolve(&plan, &index);
        if !diagnostics.is_empty() {
            return Err(LoadFailure { source, diagnostics });
        }
        return Ok(LoadedPlan { source, plan, index });
    }
    let root = match DeTable::parse(&source.text) {
        Ok(root) => root,
        Err(e) => {
            let message = format!("TOML syntax: {}", e.message().trim_end());
            let d = diag("schema/valid", message, None, e.span());
            return fail_with(source, d);
        }
    };
    if root.get_ref().is_empty() {
        return fail_with(
            source,
            diag(
                "schema/valid",
                "the plan is empty".into(),
                Some("start from a template: `plan init --list` shows them"),
                Some(0..0),
            ),
        );
    }
    if let Err(d) = check_schema_version(&root) {
        return fail_with(source, d);
    }
    if let Some((text, span)) = non_finite(root.get_ref()) {
        let d = diag(
            "schema/valid",
            format!("`{text}` is not a number a plan can commit to"),
            Some("write a finite number (TOML's inf and nan would make a target pass or fail whatever is measured)"),
            Some(span),
        );
        return fail_with(source, d);
    }
    let index = SpanIndex::build(&root);
    let plan: Plan = match serde::Deserialize::deserialize(toml::de::Deserializer::from(root)) {
        Ok(plan) => plan,
        Err(e) => {
            let d = typed_error(e.message(), e.span(), &source.text);
            return fail_with(source, d);
        }
    };
    let diagnostics = refs::resolve(&plan, &index);
    if !diagnostics.is_empty() {
        return Err(LoadFailure { source, diagnostics });
    }
    Ok(LoadedPlan { source, plan, index })
}

/// The typed plan and span index by the fast path ([`super::quick`]), when it reads the
/// whole text and the model takes it with the schema version this build reads; `None`
/// leaves every verdict and message to `toml`.
fn load_quickly(text: &str) -> Option<(Plan, SpanIndex)> {
    let doc = super::quick::parse(text)?;
    let version = doc.root.entries.iter().find(|(k, _)| k.name == "schema_version");
    if !matches!(version, Some((_, super::quick::Node { value: super::quick::Value::Integer(SCHEMA_VERSION), .. }))) {
        return None;
    }
    let index = SpanIndex::of_doc(&doc);
    Some((super::quick::plan(doc)?, index))
}

/// The first `inf` or `nan` float in the document, with its span.
fn non_finite(table: &DeTable<'_>) -> Option<(String, Range<usize>)> {
    use toml::de::DeValue;
    fn walk(v: &toml::Spanned<DeValue<'_>>) -> Option<(String, Range<usize>)> {
        match v.get_ref() {
            DeValue::Float(f) if f.as_str().contains("inf") || f.as_str().contains("nan") => {
                Some((f.as_str().to_owned(), v.span()))
            }
            DeValue::Table(t) => t.values().find_map(walk),
            DeValue::Array(a) => a.iter().find_map(walk),
            _ => None,
        }
    }
    table.values().find_map(walk)
}

fn check_schema_version(root: &toml::Spanned<DeTable<'_>>) -> Result<(), Diagnostic> {
    let Some(value) = root.get_ref().get("schema_version") else {
        return Err(diag(
            "schema/valid",
            "missing `schema_version`".into(),
            Some("add `schema_version = 1` as the first line of the plan"),
            Some(0..0),
        ));
    };
    let span = Some(value.span());
    match value.get_ref().as_integer().and_then(|i| i64::from_str_radix(i.as_str(), i.radix()).ok()) {
        Some(SCHEMA_VERSION) => Ok(()),
        Some(other) => Err(diag(
            "schema/valid",
            format!("unknown schema_version {other}; this build of plan reads schema_version {SCHEMA_VERSION}"),
            Some("if the plan was written for a newer plan, upgrade plan; otherwise set `schema_version = 1`"),
            span,
        )),
        None => Err(diag(
            "schema/valid",
            format!("`schema_version` must be the integer {SCHEMA_VERSION}"),
            Some("write `schema_version = 1` (a number, not a string)"),
            span,
        )),
    }
}

/// Turns a serde error into a diagnostic whose span points at the offending key or value,
/// with a "did you mean" where the error lists what was expected.
fn typed_error(message: &str, span: Option<Range<usize>>, text: &str) -> Diagnostic {
    let message = message.trim_end().to_owned();
    let first_tick = backticked(&message).into_iter().next();
    let mut narrowed = span.clone().map(|s| s.start..line_end(text, s.start));
    let mut help = None;
    // Serde reports some errors at the enclosing table's header; search that table's body.
    let span = span.map(|s| s.start..table_end(text, s.end));
    if let Some(within) = &span {
        let entries = SpanIndex::entries_within(text, within);
        if let Some(field) = message.strip_prefix("unknown field ").and(first_tick.as_deref()) {
            if let Some(e) = entries.iter().find(|e| e.path.last().is_some_and(|k| k == field)) {
                narrowed = Some(e.entry.key.clone());
            }
            help = suggest(field, &message).map(|s| format!("did you mean `{s}`?"));
        } else if message.starts_with("missing field") {
            // Point at the table header rather than its whole body…
            narrowed = Some(within.start..line_end(text, within.start));
            if let Some(f) = &first_tick {
                help = Some(format!("add `{f} = …` to this table"));
                // …unless a key of this table is a near miss of the missing one: a typo.
                let typo = entries.iter().find(|e| {
                    e.path.last().is_some_and(|k| {
                        k != f && strsim::jaro_winkler(k, f) > 0.85 && !k.chars().all(|c| c.is_ascii_digit())
                    })
                });
                if let Some(e) = typo {
                    let key = e.path.last().cloned().unwrap_or_default();
                    narrowed = Some(e.entry.key.clone());
                    help = Some(format!("`{key}` is not a known key here; did you mean `{f}`?"));
                }
            }
        } else if let Some(value) = quoted_value(&message) {
            if let Some(e) = entries.iter().find(|e| e.string.as_deref() == Some(value.as_str())) {
                narrowed = Some(e.entry.value.clone());
            }
            if message.starts_with("unknown variant") {
                help = suggest(&value, &message).map(|s| format!("did you mean `{s}`?"));
            }
        }
    }
    if message.contains("placeholder") || quoted_value(&message).is_some_and(|v| is_placeholder(&v)) {
        help = Some("replace the placeholder with a real value".into());
    }
    Diagnostic { rule: "schema/valid", message, help, span: narrowed }
}

/// Where the table that contains `from` ends: the next line that opens a table.
fn table_end(text: &str, from: usize) -> usize {
    let mut pos = line_end(text, from);
    while pos < text.len() {
        let next = pos + 1;
        if text[next..].trim_start_matches([' ', '\t']).starts_with('[') {
            return next;
        }
        pos = line_end(text, next);
    }
    text.len()
}

fn line_end(text: &str, from: usize) -> usize {
    text.get(from..).and_then(|t| t.find('\n')).map_or(text.len(), |i| from + i)
}

fn backticked(message: &str) -> Vec<String> {
    message.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

/// The offending value named in a message: the first backticked token, or `string "x"`.
fn quoted_value(message: &str) -> Option<String> {
    if let Some(rest) = message.split("string \"").nth(1) {
        return rest.split('"').next().map(str::to_owned);
    }
    backticked(message).into_iter().next()
}

/// The closest expected name listed in a serde message ("expected one of `a`, `b`").
fn suggest(got: &str, message: &str) -> Option<String> {
    let expected = message.split("expected").nth(1)?;
    let candidates = backticked(expected);
    super::closest(got, candidates.iter().map(String::as_str), 0.7).map(str::to_owned)
}

/// A plan file's raw bytes (or its size, when over the limit) and where it came from.
pub struct RawPlan {
    pub path: String,
    pub rev: Option<String>,
    pub bytes: Result<Vec<u8>, u64>,
}

impl RawPlan {
    /// The text the plan's findings quote, as loading it makes it: the file as UTF-8 (invalid
    /// bytes replaced), empty when it is over the limit and was not read.
    pub fn source(&self) -> Source {
        let text = self.bytes.as_ref().map_or(String::new(), |b| String::from_utf8_lossy(b).into_owned());
        Source::new(&self.path, self.rev.clone(), text)
    }
}

/// Loads one plan file read elsewhere (a size over the limit is the failure it names).
pub fn load_one(r: &RawPlan) -> Result<LoadedPlan, LoadFailure> {
    match &r.bytes {
        Ok(bytes) => load_bytes(&r.path, r.rev.clone(), bytes),
        Err(size) => Err(oversized(&r.path, r.rev.clone(), *size)),
    }
}

/// Loads many plans on all cores; results keep the input order.
pub fn load_many(raw: Vec<RawPlan>) -> Vec<Result<LoadedPlan, LoadFailure>> {
    crate::par::map(&raw, load_one)
}
