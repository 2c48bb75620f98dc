//! The plan: its typed model, value types, the loader that keeps spans, and reference
//! resolution. Pure: takes text, returns a plan or diagnostics; never touches disk or git.

mod load;
pub mod model;
mod quick;
mod refs;
pub mod source;
pub mod values;

use std::ops::Range;

pub use load::{MAX_PLAN_BYTES, RawPlan, load, load_bytes, load_many, load_one, oversized};
pub use model::*;
pub use refs::unit_mismatch;
pub use source::{LineCol, Source, SpanIndex};

/// A GitHub handle as GitHub spells one: `@login` (letters, digits and single hyphens, not at
/// either end, at most 39 characters) or `@org/team` (a team slug: letters, digits, `-`,
/// `_`). Returns it without the `@`.
pub fn github_handle(s: &str) -> Option<&str> {
    let rest = s.strip_prefix('@')?;
    let login = |l: &str| {
        !l.is_empty()
            && l.len() <= 39
            && !l.starts_with('-')
            && !l.ends_with('-')
            && !l.contains("--")
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    };
    let ok = match rest.split_once('/') {
        Some((org, team)) => {
            login(org)
                && !team.is_empty()
                && team.len() <= 100
                && team.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        }
        None => login(rest),
    };
    ok.then_some(rest)
}

/// The known name closest to `value` (Jaro-Winkler above `threshold`), for "did you mean".
pub fn closest<'a>(value: &str, known: impl IntoIterator<Item = &'a str>, threshold: f64) -> Option<&'a str> {
    known
        .into_iter()
        .map(|k| (strsim::jaro_winkler(value, k), k))
        .filter(|(s, _)| *s > threshold)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// A problem that makes a plan invalid: it cannot be evaluated until fixed.
#[derive(Debug, Clone, PartialEq)]
pub struct Diagnostic {
    /// Rule id, e.g. `schema/valid` or `refs/resolve`.
    pub rule: &'static str,
    pub message: String,
    pub help: Option<String>,
    pub span: Option<Range<usize>>,
}

/// A plan that loaded: its source, model and span index.
#[derive(Debug, Clone)]
pub struct LoadedPlan {
    pub source: Source,
    pub plan: Plan,
    pub index: SpanIndex,
}

/// A plan that did not load, with every diagnostic found.
#[derive(Debug, Clone)]
pub struct LoadFailure {
    pub source: Source,
    pub diagnostics: Vec<Diagnostic>,
}
