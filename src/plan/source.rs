//! A plan file's text, where it came from, and an index from key paths to byte spans, so
//! that every finding can point at a line. Also finds the placeholders a template left.

use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// One plan file: its repository-relative path, the revision it was read at, and its text.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: String,
    /// `None` for the work tree.
    pub rev: Option<String>,
    pub text: String,
    line_starts: Vec<usize>,
}

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl Source {
    pub fn new(path: impl Into<String>, rev: Option<String>, text: String) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Source { path: path.into(), rev, text, line_starts }
    }

    /// `support-plan.toml` or `support-plan.toml at v1.2.0`.
    pub fn describe(&self) -> String {
        match &self.rev {
            Some(rev) => format!("{} at {rev}", self.path),
            None => self.path.clone(),
        }
    }

    pub fn line_col(&self, offset: usize) -> LineCol {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset).max(1);
        let start = self.line_starts[line - 1];
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        LineCol { line, column }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let Some(&start) = self.line_starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = self.line_starts.get(line).map_or(self.text.len(), |&e| e);
        self.text.get(start..end).unwrap_or("").trim_end_matches(['\n', '\r'])
    }
}

/// Spans of one key and its value.
#[derive(Debug, Clone)]
pub struct Entry {
    pub key: Range<usize>,
    pub value: Range<usize>,
    /// The value's text when it is a string (for narrowing error spans).
    pub string: Option<String>,
}

/// A value the author still has to fill in.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholder {
    pub path: Vec<String>,
    pub text: String,
    pub span: Range<usize>,
}

/// Key path -> spans, for every key and array element in a plan. Built on first use (most
/// plans are located only when something is wrong); placeholders are found eagerly.
#[derive(Debug, Default, Clone)]
pub struct SpanIndex {
    text: String,
    built: std::sync::OnceLock<Built>,
    pub placeholders: Vec<Placeholder>,
}

#[derive(Debug, Default, Clone)]
struct Built {
    entries: HashMap<String, Entry>,
    order: Vec<String>,
}

const SEP: char = '\u{1f}';

fn join(path: &[String]) -> String {
    path.join(&SEP.to_string())
}

type Visit<'v> = dyn FnMut(&[Cow<'_, str>], Range<usize>, &Spanned<DeValue<'_>>) + 'v;

/// Visits every value under a table, depth first in file order, with its key path and the
/// key's span (an array element's "key" is the element itself).
fn walk<'t>(table: &'t DeTable<'_>, path: &mut Vec<Cow<'t, str>>, visit: &mut Visit<'_>) {
    for (key, value) in table.iter() {
        path.push(Cow::Borrowed(key.get_ref().as_ref()));
        visit_value(value, key.span(), path, visit);
        path.pop();
    }
}

fn visit_value<'t>(
    value: &'t Spanned<DeValue<'_>>,
    key: Range<usize>,
    path: &mut Vec<Cow<'t, str>>,
    visit: &mut Visit<'_>,
) {
    visit(path, key, value);
    match value.get_ref() {
        DeValue::Table(t) => walk(t, path, visit),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                path.push(Cow::Owned(i.to_string()));
                visit_value(item, item.span(), path, visit);
                path.pop();
            }
        }
        _ => {}
    }
}

fn placeholder_of(value: &DeValue<'_>) -> Option<String> {
    if let Some(text) = value.as_str() {
        return is_placeholder(text).then(|| text.to_owned());
    }
    let dt = value.as_datetime()?;
    dt.date.is_some_and(|d| d.year == 1970 && d.month == 1 && d.day == 1).then(|| dt.to_string())
}

impl SpanIndex {
    pub fn build(root: &Spanned<DeTable<'_>>, text: &str) -> Self {
        let mut placeholders = Vec::new();
        let mut path = Vec::new();
        walk(root.get_ref(), &mut path, &mut |path, _key, value| {
            if let Some(text) = placeholder_of(value.get_ref()) {
                let path = path.iter().map(|s| s.to_string()).collect();
                placeholders.push(Placeholder { path, text, span: value.span() });
            }
        });
        SpanIndex { text: text.to_owned(), built: std::sync::OnceLock::new(), placeholders }
    }

    fn built(&self) -> &Built {
        self.built.get_or_init(|| {
            let mut b = Built::default();
            let Ok(root) = DeTable::parse(&self.text) else {
                return b;
            };
            let mut path = Vec::new();
            walk(root.get_ref(), &mut path, &mut |path, key, value| {
                let joined = path.join(&SEP.to_string());
                let string = value.get_ref().as_str().map(str::to_owned);
                b.order.push(joined.clone());
                b.entries.insert(joined, Entry { key, value: value.span(), string });
            });
            b
        })
    }

    pub fn get(&self, path: &[String]) -> Option<&Entry> {
        self.built().entries.get(&join(path))
    }

    /// The best span for a path: the value if known, else the nearest ancestor's key.
    pub fn span_of(&self, path: &[String]) -> Option<Range<usize>> {
        if let Some(e) = self.get(path) {
            return Some(e.value.clone());
        }
        (1..path.len()).rev().find_map(|n| self.get(&path[..n]).map(|e| e.key.clone()))
    }

    /// Entries (in file order) whose key span starts inside `within`.
    pub fn entries_within(&self, within: &Range<usize>) -> impl Iterator<Item = (Vec<String>, &Entry)> {
        let b = self.built();
        b.order.iter().filter_map(move |p| {
            let e = &b.entries[p];
            (e.key.start >= within.start && e.key.start < within.end.max(within.start + 1))
                .then(|| (p.split(SEP).map(str::to_owned).collect(), e))
        })
    }

    pub fn is_placeholder_at(&self, path: &[String]) -> bool {
        self.placeholders.iter().any(|p| p.path == path)
    }
}

/// A value the author must still replace: `"<team id>"`, or one that says TODO, TBD or FIXME.
pub fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with('<') && t.ends_with('>') && t.len() > 2 && !t[1..t.len() - 1].contains(['<', '>']))
        || t.split(|c: char| !c.is_ascii_alphanumeric()).any(|w| matches!(w, "TODO" | "TBD" | "FIXME" | "XXX"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let s = Source::new("p.toml", None, "a = 1\nb = \"é€x\"\n".into());
        assert_eq!(s.line_col(0), LineCol { line: 1, column: 1 });
        let x = s.text.find('x').unwrap();
        assert_eq!(s.line_col(x), LineCol { line: 2, column: 8 });
        assert_eq!(s.line_text(2), "b = \"é€x\"");
    }

    #[test]
    fn placeholders_are_angle_brackets_or_todo() {
        assert!(is_placeholder("<team id>"));
        assert!(is_placeholder("TODO: write the purpose"));
        assert!(!is_placeholder("Restore within <4h> is fine <ok>"));
        assert!(!is_placeholder("Todos are fine in prose"));
    }
}
