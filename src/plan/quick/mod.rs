//! The loader's fast path: a parser for the plain TOML plans are written in, and a serde
//! deserializer over what it builds. Loading 600 plans for a release-to-release diff spent
//! most of its time in `toml`'s general parser and the tree it builds; this reads the same
//! text in one pass into a small document whose tables are vectors.
//!
//! It never decides that a plan is invalid. It accepts a strict subset of TOML — bare or
//! simply quoted keys, dotted keys into tables they create, `[table]` and `[[array]]`
//! headers, one-line strings with the common escapes, decimal integers and floats, booleans,
//! datetimes, arrays and one-line inline tables — and gives up (`None`) on anything else:
//! multi-line strings, other escapes, hex or underscored numbers, control characters, any
//! redefinition or other table conflict, a typed value the model refuses. The loader then
//! parses the text with `toml`, which gives the verdict and every error message. What it does
//! accept, `toml` accepts as the same tree with the same spans (the differential tests in
//! `tests.rs` hold it to that, on every template and thousands of edits of them).

mod de;
mod parse;
#[cfg(test)]
mod tests;

use std::borrow::Cow;
use std::ops::Range;

pub use de::plan;
pub use parse::parse;

/// A parsed document: the root table's entries.
#[derive(Debug, PartialEq)]
pub struct Doc<'i> {
    pub root: Table<'i>,
}

/// A table's entries, sorted by key once the document is read (the order `toml` keeps them in,
/// so serde sees keys in the same order on both paths).
#[derive(Debug, Default, PartialEq)]
pub struct Table<'i> {
    pub entries: Vec<(Key<'i>, Node<'i>)>,
    pub(crate) origin: Origin,
}

/// How a table came to be, for TOML's rules on which tables may be extended or reopened.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// By a `[header]` (or the root).
    #[default]
    Header,
    /// As the parent of a header's table (`[a.b]` makes `a`): may be opened by `[a]` later.
    Implicit,
    /// By a dotted key (`a.b = 1` makes `a`): may be extended by more dotted keys only.
    Dotted,
    /// By `{ … }`: closed.
    Inline,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Key<'i> {
    pub name: Cow<'i, str>,
    pub span: Range<usize>,
}

#[derive(Debug, PartialEq)]
pub struct Node<'i> {
    pub span: Range<usize>,
    pub value: Value<'i>,
}

#[derive(Debug, PartialEq)]
pub enum Value<'i> {
    String(Cow<'i, str>),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime(toml::value::Datetime),
    /// Elements, and whether `[[headers]]` made it (then only more headers may extend it).
    Array(Vec<Node<'i>>, bool),
    Table(Table<'i>),
}

impl<'i> Table<'i> {
    fn new(origin: Origin) -> Self {
        Table { entries: Vec::new(), origin }
    }

    fn position(&self, name: &str) -> Option<usize> {
        self.entries.iter().position(|(k, _)| k.name == name)
    }

    /// Sorts every table by key, depth first (done once, when the document is complete).
    fn sort(&mut self) {
        self.entries.sort_unstable_by(|a, b| a.0.name.cmp(&b.0.name));
        for (_, node) in &mut self.entries {
            node.value.sort();
        }
    }
}

impl Value<'_> {
    fn sort(&mut self) {
        match self {
            Value::Table(t) => t.sort(),
            Value::Array(items, _) => items.iter_mut().for_each(|n| n.value.sort()),
            _ => {}
        }
    }
}

impl super::source::Tree for Node<'_> {
    fn span(&self) -> Range<usize> {
        self.span.clone()
    }

    fn children<'s>(&'s self, visit: &mut dyn FnMut(Option<(&'s str, Range<usize>)>, &'s Self)) {
        match &self.value {
            Value::Table(t) => t.entries.iter().for_each(|(k, v)| visit(Some((&k.name, k.span.clone())), v)),
            Value::Array(items, _) => items.iter().for_each(|v| visit(None, v)),
            _ => {}
        }
    }

    fn is_scalar(&self) -> bool {
        !matches!(self.value, Value::Table(_) | Value::Array(..))
    }

    fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    fn as_datetime(&self) -> Option<&toml::value::Datetime> {
        match &self.value {
            Value::Datetime(d) => Some(d),
            _ => None,
        }
    }
}
