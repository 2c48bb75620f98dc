//! The plan: its typed model, value types, the loader that keeps spans, and reference
//! resolution. Pure: takes text, returns a plan or diagnostics; never touches disk or git.

mod load;
pub mod model;
mod refs;
pub mod source;
pub mod values;

use std::ops::Range;

pub use load::{MAX_PLAN_BYTES, RawPlan, load, load_bytes, load_many, oversized};
pub use model::*;
pub use refs::unit_mismatch;
pub use source::{LineCol, Source, SpanIndex};

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
