//! A plan file's text, where it came from, and an index from key paths to byte spans, so
//! that every finding can point at a line. Also finds the placeholders a template left.

use std::borrow::Cow;
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
        line_starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1));
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
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: Range<usize>,
    pub value: Range<usize>,
    /// The value is a string, number, boolean or datetime: its span is its whole text.
    pub scalar: bool,
}

/// An entry found by [`SpanIndex::entries_within`], with the value's text when it is a string
/// (for narrowing error spans).
#[derive(Debug, Clone)]
pub struct Located {
    pub path: Vec<String>,
    pub entry: Entry,
    pub string: Option<String>,
}

/// A value the author still has to fill in.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholder {
    pub path: Vec<String>,
    pub text: String,
    pub span: Range<usize>,
}

/// Key path -> spans, for every key and array element in a plan, built in the one walk the
/// loader makes anyway. Paths are kept as 64-bit hashes (no string per key: a plan has
/// hundreds), sorted for binary search; placeholders are found in the same walk.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SpanIndex {
    slots: Vec<Slot>,
    pub placeholders: Vec<Placeholder>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Slot {
    path: u64,
    key: (u32, u32),
    value: (u32, u32),
    scalar: bool,
}

/// The hash of a path one component longer than `parent`'s (the root's is 0): SipHash with
/// keys drawn once per process, so a plan cannot be written to make two of its paths collide
/// (a finding would then point at another key's line). A reader of a value from a span still
/// checks what it finds (see `diff::value::Written`).
fn hash_child(parent: u64, component: &[u8]) -> u64 {
    use std::hash::{BuildHasher as _, Hasher as _};
    static KEYS: std::sync::OnceLock<std::hash::RandomState> = std::sync::OnceLock::new();
    let mut h = KEYS.get_or_init(std::hash::RandomState::new).build_hasher();
    h.write_u64(parent);
    h.write_usize(component.len());
    h.write(component);
    h.finish()
}

fn hash_path(path: &[String]) -> u64 {
    path.iter().fold(0, |h, c| hash_child(h, c.as_bytes()))
}

/// An array element's path component: its index in decimal, without allocating.
fn index_component(i: usize, buf: &mut [u8; 20]) -> &[u8] {
    let mut n = i;
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[at..];
        }
    }
}

/// What the span index reads of a parsed value, from `toml`'s tree or the fast path's
/// ([`crate::plan::quick`]): both must index a plan the same way.
pub(crate) trait Tree {
    fn span(&self) -> Range<usize>;
    /// A table's entries as (key, key span) and value, or an array's elements (no key), in
    /// the tree's order; nothing for a scalar.
    fn children<'s>(&'s self, visit: &mut dyn FnMut(Option<(&'s str, Range<usize>)>, &'s Self));
    fn is_scalar(&self) -> bool;
    fn as_str(&self) -> Option<&str>;
    fn as_datetime(&self) -> Option<&toml::value::Datetime>;
}

impl Tree for Spanned<DeValue<'_>> {
    fn span(&self) -> Range<usize> {
        Spanned::span(self)
    }

    fn children<'s>(&'s self, visit: &mut dyn FnMut(Option<(&'s str, Range<usize>)>, &'s Self)) {
        match self.get_ref() {
            DeValue::Table(t) => t.iter().for_each(|(k, v)| visit(Some((k.get_ref(), k.span())), v)),
            DeValue::Array(items) => items.iter().for_each(|v| visit(None, v)),
            _ => {}
        }
    }

    fn is_scalar(&self) -> bool {
        !matches!(self.get_ref(), DeValue::Table(_) | DeValue::Array(_))
    }

    fn as_str(&self) -> Option<&str> {
        self.get_ref().as_str()
    }

    fn as_datetime(&self) -> Option<&toml::value::Datetime> {
        self.get_ref().as_datetime()
    }
}

/// Visits every value under `node`, depth first in the tree's order, with its path's hash and
/// the key's span (an array element's "key" is the element itself).
fn visit_hashed<N: Tree>(node: &N, key: Range<usize>, path: u64, visit: &mut dyn FnMut(u64, Range<usize>, &N)) {
    visit(path, key, node);
    let mut buf = [0; 20];
    let mut i = 0;
    node.children(&mut |k, child| {
        let (hash, key) = match k {
            Some((name, span)) => (hash_child(path, name.as_bytes()), span),
            None => {
                i += 1;
                (hash_child(path, index_component(i - 1, &mut buf)), child.span())
            }
        };
        visit_hashed(child, key, hash, visit);
    });
}

type VisitPath<'v, N> = dyn FnMut(&[Cow<'_, str>], Range<usize>, &N) + 'v;

/// [`visit_hashed`] with the path spelled out (for the rare callers that need the keys).
fn visit_value<'t, N: Tree>(
    node: &'t N,
    key: Range<usize>,
    path: &mut Vec<Cow<'t, str>>,
    visit: &mut VisitPath<'_, N>,
) {
    visit(path, key, node);
    let mut i = 0;
    node.children(&mut |k, child| {
        let key = match k {
            Some((name, span)) => {
                path.push(Cow::Borrowed(name));
                span
            }
            None => {
                path.push(Cow::Owned(i.to_string()));
                i += 1;
                child.span()
            }
        };
        visit_value(child, key, path, visit);
        path.pop();
    });
}

fn placeholder_of<N: Tree>(value: &N) -> Option<String> {
    if let Some(text) = value.as_str() {
        return is_placeholder(text).then(|| text.to_owned());
    }
    let dt = value.as_datetime()?;
    dt.date.is_some_and(|d| d.year == 1970 && d.month == 1 && d.day == 1).then(|| dt.to_string())
}

fn narrow(r: Range<usize>) -> (u32, u32) {
    (r.start as u32, r.end as u32)
}

impl SpanIndex {
    /// Indexes a plan parsed by `toml` (at most [`super::MAX_PLAN_BYTES`], so offsets fit in
    /// 32 bits).
    pub fn build(root: &Spanned<DeTable<'_>>) -> Self {
        Self::of_entries(root.get_ref().len() * 16, |visit| {
            for (k, v) in root.get_ref().iter() {
                visit(k.get_ref(), k.span(), v);
            }
        })
    }

    /// Indexes a plan the fast path parsed: the same index `build` makes of `toml`'s tree.
    pub(crate) fn of_doc(doc: &super::quick::Doc<'_>, text_len: usize) -> Self {
        Self::of_entries(text_len / 20, |visit| {
            for (k, v) in &doc.root.entries {
                visit(&k.name, k.span.clone(), v);
            }
        })
    }

    /// Indexes the root table whose entries `root` hands over.
    fn of_entries<'r, N: Tree + 'r>(
        capacity: usize,
        root: impl FnOnce(&mut dyn FnMut(&'r str, Range<usize>, &'r N)),
    ) -> Self {
        // About one key or element per 20 bytes of a filled plan: grown once or not at all.
        let mut slots = Vec::with_capacity(capacity);
        let mut found = false;
        let mut tops: Vec<(&'r str, Range<usize>, &'r N)> = Vec::new();
        root(&mut |name, span, value| tops.push((name, span, value)));
        for (name, span, value) in &tops {
            visit_hashed(*value, span.clone(), hash_child(0, name.as_bytes()), &mut |path, key, value: &N| {
                let scalar = value.is_scalar();
                slots.push(Slot { path, key: narrow(key), value: narrow(value.span()), scalar });
                found |= scalar && placeholder_of(value).is_some();
            });
        }
        slots.sort_unstable_by_key(|s| s.path);
        // Placeholders are rare: their paths are spelled out in a second walk only when any.
        let mut placeholders = Vec::new();
        if found {
            for (name, span, value) in &tops {
                let mut path = vec![Cow::Borrowed(*name)];
                visit_value(*value, span.clone(), &mut path, &mut |path, _key, value: &N| {
                    if let Some(text) = placeholder_of(value) {
                        let path = path.iter().map(|s| s.to_string()).collect();
                        placeholders.push(Placeholder { path, text, span: value.span() });
                    }
                });
            }
        }
        SpanIndex { slots, placeholders }
    }

    pub fn get(&self, path: &[String]) -> Option<Entry> {
        let h = hash_path(path);
        let i = self.slots.binary_search_by_key(&h, |s| s.path).ok()?;
        let s = self.slots[i];
        let range = |(a, b): (u32, u32)| a as usize..b as usize;
        Some(Entry { key: range(s.key), value: range(s.value), scalar: s.scalar })
    }

    /// The best span for a path: the value if known, else the nearest ancestor's key.
    pub fn span_of(&self, path: &[String]) -> Option<Range<usize>> {
        if let Some(e) = self.get(path) {
            return Some(e.value);
        }
        (1..path.len()).rev().find_map(|n| self.get(&path[..n]).map(|e| e.key))
    }

    /// Entries of `text` (in file order) whose key span starts inside `within`, with their
    /// paths spelled out: the text is parsed again, so this is for error messages only.
    pub fn entries_within(text: &str, within: &Range<usize>) -> Vec<Located> {
        let Ok(root) = DeTable::parse(text) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for (k, v) in root.get_ref().iter() {
            let mut path = vec![Cow::Borrowed(k.get_ref().as_ref())];
            visit_value(v, k.span(), &mut path, &mut |path, key, value| {
                if key.start >= within.start && key.start < within.end.max(within.start + 1) {
                    out.push(Located {
                        path: path.iter().map(|s| s.to_string()).collect(),
                        entry: Entry { key, value: Tree::span(value), scalar: value.is_scalar() },
                        string: value.as_str().map(str::to_owned),
                    });
                }
            });
        }
        out
    }

    pub fn is_placeholder_at(&self, path: &[String]) -> bool {
        self.placeholders.iter().any(|p| p.path == path)
    }
}

/// A value the author must still replace: `"<team id>"`, or one that says TODO, TBD or FIXME.
pub fn is_placeholder(text: &str) -> bool {
    let t = text.trim();
    // Most values are neither: no `<…>`, and no capital T, F or X to start a marker word.
    if !t.starts_with('<') && memchr::memchr3(b'T', b'F', b'X', t.as_bytes()).is_none() {
        return false;
    }
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
