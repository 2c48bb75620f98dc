//! `plan fmt`: one canonical layout for plan files, keeping every comment. Top-level sections
//! follow the template's order (a section's tables keep their order within it), strings and
//! keys take one quoting style, `key = value` has single spaces, blank lines inside a table
//! collapse to one, and exactly one blank line separates tables. Values never change: the
//! result is checked to parse to the same document before it is returned.

use toml_edit::{Decor, DocumentMut, Item, RawString, Table, Value};

/// The template's order of top-level sections.
pub const SECTION_ORDER: &[&str] = &[
    "schema_version",
    "plan",
    "scope",
    "audience",
    "objectives",
    "assumptions",
    "strategy",
    "release_process",
    "acceptance",
    "environment",
    "contacts",
    "problem_referral",
    "escalation",
    "hours",
    "responsibilities",
    "sla",
    "dependencies",
    "monitoring",
    "regression",
    "resources",
    "evidence",
    "gate",
    "suppress",
];

/// Why a file could not be formatted: it is not TOML (with the line), or formatting would
/// have changed a value (a bug, reported rather than written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FmtError {
    pub line: Option<usize>,
    pub message: String,
}

/// The canonical form of a plan's text.
pub fn format(text: &str) -> Result<String, FmtError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| FmtError {
        line: e.span().map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1),
        message: e.message().trim().to_owned(),
    })?;
    order_sections(&mut doc);
    let first_table = first_table_position(&doc);
    let has_root_values = doc.as_table().iter().any(|(_, item)| item.is_value());
    let root = doc.as_table_mut();
    normalize_values(root, true);
    for (key, item) in root.iter_mut() {
        normalize_key(key);
        normalize_item(item, first_table, has_root_values);
    }
    let mut out = doc.to_string();
    // One newline at the end; the trailing comments of the file stay.
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('\n');
    let out = out.trim_start_matches('\n').to_owned();
    // Formatting never changes a value.
    let before: toml::Table = toml::from_str(text).map_err(|e| FmtError { line: None, message: e.to_string() })?;
    let after: toml::Table = toml::from_str(&out).map_err(|e| FmtError {
        line: None,
        message: format!("formatting produced invalid TOML ({e}); nothing was written"),
    })?;
    if before != after {
        return Err(FmtError { line: None, message: "formatting would change a value; nothing was written".into() });
    }
    Ok(out)
}

/// Renumbers the document positions of every table so top-level sections come in the
/// template's order; tables of one section keep their relative order.
fn order_sections(doc: &mut DocumentMut) {
    let mut keys = Vec::new();
    for (i, (name, item)) in doc.as_table().iter().enumerate() {
        let rank = SECTION_ORDER.iter().position(|s| *s == name).unwrap_or(SECTION_ORDER.len() + i);
        visit_tables(item, &mut |t| {
            if let Some(pos) = t.position() {
                keys.push((rank, pos));
            }
        });
    }
    let mut sorted = keys.clone();
    sorted.sort();
    let mut next = keys.iter().map(|k| sorted.iter().position(|s| s == k).unwrap_or(0) as isize);
    for (_, item) in doc.as_table_mut().iter_mut() {
        visit_tables_mut(item, &mut |t| {
            if t.position().is_some() {
                t.set_position(next.next());
            }
        });
    }
}

fn visit_tables(item: &Item, f: &mut dyn FnMut(&Table)) {
    match item {
        Item::Table(t) => {
            f(t);
            for (_, child) in t.iter() {
                visit_tables(child, f);
            }
        }
        Item::ArrayOfTables(a) => {
            for t in a.iter() {
                f(t);
                for (_, child) in t.iter() {
                    visit_tables(child, f);
                }
            }
        }
        _ => {}
    }
}

fn visit_tables_mut(item: &mut Item, f: &mut dyn FnMut(&mut Table)) {
    match item {
        Item::Table(t) => {
            f(t);
            for (_, child) in t.iter_mut() {
                visit_tables_mut(child, f);
            }
        }
        Item::ArrayOfTables(a) => {
            for t in a.iter_mut() {
                f(t);
                for (_, child) in t.iter_mut() {
                    visit_tables_mut(child, f);
                }
            }
        }
        _ => {}
    }
}

fn first_table_position(doc: &DocumentMut) -> Option<isize> {
    let mut first: Option<isize> = None;
    for (_, item) in doc.as_table().iter() {
        visit_tables(item, &mut |t| {
            if !t.is_implicit()
                && let Some(p) = t.position()
            {
                first = Some(first.map_or(p, |f| f.min(p)));
            }
        });
    }
    first
}

fn normalize_item(item: &mut Item, first_table: Option<isize>, has_root_values: bool) {
    match item {
        Item::Table(t) => normalize_table(t, first_table, has_root_values),
        Item::ArrayOfTables(a) => {
            for t in a.iter_mut() {
                normalize_table(t, first_table, has_root_values);
            }
        }
        _ => {}
    }
}

fn normalize_table(t: &mut Table, first_table: Option<isize>, has_root_values: bool) {
    if !t.is_implicit() && !t.is_dotted() {
        let leads = t.position() == first_table && !has_root_values;
        let prefix = comment_block(t.decor().prefix(), false);
        let prefix = if leads { prefix } else { format!("\n{prefix}") };
        let suffix = trailing_comment(t.decor().suffix());
        *t.decor_mut() = Decor::new(prefix, suffix);
    }
    normalize_values(t, false);
    for (key, item) in t.iter_mut() {
        normalize_key(key);
        normalize_item(item, first_table, has_root_values);
    }
}

/// Key–value pairs of a table: their comments stay, indentation goes, blank lines between
/// pairs collapse to one (none before the first), `key = value` with single spaces.
fn normalize_values(t: &mut Table, root: bool) {
    let mut first = true;
    for (mut key, item) in t.iter_mut() {
        let Item::Value(value) = item else { continue };
        let prefix = comment_block(key.leaf_decor().prefix(), !first);
        let prefix = if first && root { prefix.trim_start_matches('\n').to_owned() } else { prefix };
        key.leaf_decor_mut().set_prefix(prefix);
        key.leaf_decor_mut().set_suffix(" ");
        normalize_value(value);
        let suffix = trailing_comment(value.decor().suffix());
        value.decor_mut().set_prefix(" ");
        value.decor_mut().set_suffix(suffix);
        first = false;
    }
}

/// One quoting style for a key (bare where it can be), keeping its comments.
fn normalize_key(mut key: toml_edit::KeyMut<'_>) {
    let leaf = key.leaf_decor().clone();
    let dotted = key.dotted_decor().clone();
    key.fmt();
    *key.leaf_decor_mut() = leaf;
    *key.dotted_decor_mut() = dotted;
}

/// Strings take their default quoting; inside arrays and inline tables too. Multi-line
/// arrays keep their layout and comments.
fn normalize_value(value: &mut Value) {
    match value {
        Value::String(s) => {
            let decor = s.decor().clone();
            s.fmt();
            *s.decor_mut() = decor;
        }
        Value::Array(a) => {
            for v in a.iter_mut() {
                normalize_value(v);
            }
        }
        Value::InlineTable(t) => {
            let one_line = !t.to_string().contains('\n');
            for (_, v) in t.iter_mut() {
                normalize_value(v);
            }
            if one_line {
                let decor = t.decor().clone();
                t.fmt();
                *t.decor_mut() = decor;
            }
        }
        _ => {}
    }
}

/// The comment lines of a decor prefix, unindented, with runs of blank lines collapsed to
/// one (`keep_blank`) or dropped, ending in a newline when there are any.
fn comment_block(prefix: Option<&RawString>, keep_blank: bool) -> String {
    let text = prefix.and_then(|p| p.as_str()).unwrap_or("");
    let mut out = String::new();
    let mut blank = false;
    for line in text.split('\n') {
        let line = line.trim();
        if line.is_empty() {
            blank = true;
            continue;
        }
        if blank && keep_blank {
            out.push('\n');
        }
        blank = false;
        out.push_str(line);
        out.push('\n');
    }
    if blank && keep_blank && text.contains('\n') {
        out.push('\n');
    }
    out
}

/// What follows a value or a header on its line: a comment, after the spaces its author
/// put before it (comments aligned in a column stay aligned), at least one.
fn trailing_comment(suffix: Option<&RawString>) -> String {
    let text = suffix.and_then(|s| s.as_str()).unwrap_or("").trim_end();
    let comment = text.trim_start();
    if comment.is_empty() {
        return String::new();
    }
    let gap = text.len() - comment.len();
    let spaces = text[..gap].chars().filter(|c| *c == ' ').count().max(1);
    format!("{}{comment}", " ".repeat(spaces))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_follow_the_template_and_comments_stay() {
        let text = "# owners\n[contacts.people.a]   # the lead\nname='A'   # first\n\n\n\n  email = \"a@example.com\"\n[plan]\nproduct = \"x\"\nschema_version = 1\n";
        let out = format(text).unwrap();
        assert_eq!(
            out,
            "[plan]\nproduct = \"x\"\nschema_version = 1\n\n# owners\n[contacts.people.a]   # the lead\nname = \"A\"   # first\n\nemail = \"a@example.com\"\n"
        );
        assert_eq!(format(&out).unwrap(), out);
    }

    #[test]
    fn not_toml_names_the_line() {
        let e = format("a = 1\nb = \n").unwrap_err();
        assert_eq!(e.line, Some(2), "{e:?}");
    }
}
