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
    /// Where each line starts, found the first time a line is asked for (most plans a diff
    /// reads never are). Offsets are `u32`: a plan is at most a few MiB even when invalid
    /// UTF-8 is replaced (and a larger offset saturates rather than wraps).
    line_starts: std::sync::OnceLock<Box<[u32]>>,
}

/// A 1-based line and column (columns count characters).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LineCol {
    pub line: usize,
    pub column: usize,
}

impl Source {
    pub fn new(path: impl Into<String>, rev: Option<String>, text: String) -> Self {
        Source { path: path.into(), rev, text, line_starts: Default::default() }
    }

    fn line_starts(&self) -> &[u32] {
        self.line_starts.get_or_init(|| {
            // Counted first, so the vector is allocated once at its size.
            let lines = memchr::memchr_iter(b'\n', self.text.as_bytes()).count() + 1;
            let mut starts = Vec::with_capacity(lines);
            starts.push(0);
            starts.extend(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| narrow_offset(i + 1)));
            starts.into_boxed_slice()
        })
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
        let starts = self.line_starts();
        let line = starts.partition_point(|&s| s as usize <= offset).max(1);
        let start = (starts[line - 1] as usize).min(offset);
        let column = self.text.get(start..offset).map_or(offset - start, |s| s.chars().count()) + 1;
        LineCol { line, column }
    }

    /// The text of a 1-based line, without its line break.
    pub fn line_text(&self, line: usize) -> &str {
        let starts = self.line_starts();
        let Some(&start) = starts.get(line.wrapping_sub(1)) else {
            return "";
        };
        let end = starts.get(line).map_or(self.text.len(), |&e| e as usize);
        let start = start as usize;
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
/// loader makes anyway. The index is the plan's tree itself, flat: the children of a table or
/// array sit side by side in `nodes`, keys in one string, so building it hashes, sorts and
/// allocates nothing per key; a path is found by walking down (tables are small). Placeholders
/// are found in the same walk.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct SpanIndex {
    /// The root table's entries are `nodes[..top]`.
    nodes: Vec<Slot>,
    top: u32,
    /// Every key's text, one after another.
    names: String,
    pub placeholders: Vec<Placeholder>,
}

/// One key or array element: 32 bytes, ranges as `u32` pairs, with [`NONE`] marking what
/// is absent (a diff holds hundreds of plans' indexes at once).
#[derive(Debug, Default, Clone, Copy, PartialEq)]
struct Slot {
    /// The key's range in `names`; starts at [`NONE`] for an array element (found by its
    /// index).
    name: (u32, u32),
    key: (u32, u32),
    value: (u32, u32),
    /// The children's range in `nodes`; starts at [`NONE`] for a scalar, which has none.
    children: (u32, u32),
}

/// The start of a range that is not there.
const NONE: u32 = u32::MAX;

impl Slot {
    fn name(&self) -> Option<(u32, u32)> {
        (self.name.0 != NONE).then_some(self.name)
    }

    fn is_scalar(&self) -> bool {
        self.children.0 == NONE
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

type VisitPath<'v, N> = dyn FnMut(&[Cow<'_, str>], Range<usize>, &N) + 'v;

/// Visits every value under `node`, depth first in the tree's order, with its path and the
/// key's span (an array element's "key" is the element itself).
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
    (narrow_offset(r.start), narrow_offset(r.end))
}

/// An offset into a plan's text as `u32` (plans are at most a few MiB; a larger offset
/// saturates, short of [`NONE`], rather than wrapping).
fn narrow_offset(offset: usize) -> u32 {
    u32::try_from(offset).unwrap_or(NONE - 1).min(NONE - 1)
}

/// How many keys and elements are under `node`, all the way down; adds their keys' lengths
/// to `name_bytes`.
fn count_named<N: Tree>(node: &N, name_bytes: &mut usize) -> usize {
    let mut n = 0;
    node.children(&mut |k, child| {
        *name_bytes += k.map_or(0, |(name, _)| name.len());
        n += 1 + count_named(child, name_bytes);
    });
    n
}

impl SpanIndex {
    /// Indexes a plan parsed by `toml` (at most [`super::MAX_PLAN_BYTES`], so offsets fit in
    /// 32 bits).
    pub fn build(root: &Spanned<DeTable<'_>>) -> Self {
        Self::of_entries(|visit| {
            for (k, v) in root.get_ref().iter() {
                visit(k.get_ref(), k.span(), v);
            }
        })
    }

    /// Indexes a plan the fast path parsed: the same index `build` makes of `toml`'s tree.
    pub(crate) fn of_doc(doc: &super::quick::Doc<'_>) -> Self {
        Self::of_entries(|visit| {
            for (k, v) in &doc.root.entries {
                visit(&k.name, k.span.clone(), v);
            }
        })
    }

    /// Indexes the root table whose entries `root` hands over.
    fn of_entries<'r, N: Tree + 'r>(root: impl FnOnce(&mut dyn FnMut(&'r str, Range<usize>, &'r N))) -> Self {
        let mut tops: Vec<(&'r str, Range<usize>, &'r N)> = Vec::new();
        root(&mut |name, span, value| tops.push((name, span, value)));
        // Counted first: the slots and key names are allocated once, at their size.
        let (mut slots, mut name_bytes) = (tops.len(), 0);
        for (name, _, value) in &tops {
            name_bytes += name.len();
            slots += count_named(*value, &mut name_bytes);
        }
        let mut index = SpanIndex {
            nodes: Vec::with_capacity(slots),
            top: tops.len() as u32,
            names: String::with_capacity(name_bytes),
            ..Default::default()
        };
        index.nodes.resize(tops.len(), Slot::default());
        let mut found = false;
        for (i, (name, span, value)) in tops.iter().enumerate() {
            found |= index.fill(i, Some(name), span.clone(), *value);
        }
        // Placeholders are rare: their paths are spelled out in a second walk only when any.
        if found {
            for (name, span, value) in &tops {
                let mut path = vec![Cow::Borrowed(*name)];
                visit_value(*value, span.clone(), &mut path, &mut |path, _key, value: &N| {
                    if let Some(text) = placeholder_of(value) {
                        let path = path.iter().map(|s| s.to_string()).collect();
                        index.placeholders.push(Placeholder { path, text, span: value.span() });
                    }
                });
            }
        }
        index
    }

    /// Fills `nodes[at]` for `node` (and, after the blocks already laid out, a block for its
    /// children, recursively); true when a placeholder is under it.
    fn fill<N: Tree>(&mut self, at: usize, name: Option<&str>, key: Range<usize>, node: &N) -> bool {
        let name = name.map_or((NONE, NONE), |n| {
            let start = narrow_offset(self.names.len());
            self.names.push_str(n);
            (start, narrow_offset(self.names.len()))
        });
        let scalar = node.is_scalar();
        let mut found = scalar && placeholder_of(node).is_some();
        let mut count = 0;
        node.children(&mut |_, _| count += 1);
        let first = self.nodes.len();
        self.nodes.resize(first + count, Slot::default());
        let mut i = first;
        node.children(&mut |k, child| {
            let (name, key) = match k {
                Some((name, span)) => (Some(name), span),
                None => (None, child.span()),
            };
            found |= self.fill(i, name, key, child);
            i += 1;
        });
        let children = if scalar { (NONE, NONE) } else { (narrow_offset(first), narrow_offset(first + count)) };
        self.nodes[at] = Slot { name, key: narrow(key), value: narrow(node.span()), children };
        found
    }

    pub fn get(&self, path: &[String]) -> Option<Entry> {
        let mut block = 0..self.top as usize;
        let mut found = None;
        for component in path {
            let siblings = self.nodes.get(block)?;
            let slot = match siblings.first()?.name() {
                // An array's element: its index, written as a plain decimal.
                None => siblings.get(component.parse::<usize>().ok().filter(|i| i.to_string() == *component)?)?,
                Some(_) => siblings.iter().find(|s| {
                    s.name().is_some_and(|(a, b)| self.names.get(a as usize..b as usize) == Some(component.as_str()))
                })?,
            };
            block = if slot.is_scalar() { 0..0 } else { slot.children.0 as usize..slot.children.1 as usize };
            found = Some(slot);
        }
        let range = |(a, b): (u32, u32)| a as usize..b as usize;
        found.map(|s| Entry { key: range(s.key), value: range(s.value), scalar: s.is_scalar() })
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
    fn paths_find_keys_and_elements_and_nothing_else() {
        let text = "a = 1\n[t]\nx = [10, { y = \"<who>\" }]\n\"0\" = 2\n[[list]]\nk = 3\n[[list]]\nk = 4\n";
        let root = DeTable::parse(text).unwrap();
        let index = SpanIndex::build(&root);
        let at = |path: &[&str]| {
            let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
            index.get(&path).map(|e| &text[e.value])
        };
        assert_eq!(at(&["a"]), Some("1"));
        assert_eq!(at(&["t", "x", "0"]), Some("10"));
        assert_eq!(at(&["t", "x", "1", "y"]), Some("\"<who>\""));
        assert_eq!(at(&["t", "0"]), Some("2"), "a key that looks like an index is a key");
        assert_eq!(at(&["list", "1", "k"]), Some("4"));
        for missing in
            [&["t", "x", "01"][..], &["t", "x", "2"], &["t", "x", "+1"], &["a", "b"], &["list", "k"], &[], &["b"]]
        {
            assert_eq!(at(missing), None, "{missing:?}");
        }
        let entry = index.get(&["t".to_owned(), "x".to_owned()]).unwrap();
        assert!(!entry.scalar);
        assert_eq!(&text[entry.key], "x");
        let p = &index.placeholders;
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].path, ["t", "x", "1", "y"]);
        assert_eq!(p[0].text, "<who>");
    }

    #[test]
    fn placeholders_are_angle_brackets_or_todo() {
        assert!(is_placeholder("<team id>"));
        assert!(is_placeholder("TODO: write the purpose"));
        assert!(!is_placeholder("Restore within <4h> is fine <ok>"));
        assert!(!is_placeholder("Todos are fine in prose"));
    }
}
