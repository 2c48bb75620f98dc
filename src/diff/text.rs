//! Word-level diffs of prose, via `similar`: one-line text word by word, multi-line text
//! line by line.

use serde::Serialize;
use similar::{ChangeTag, TextDiff};

/// A run of text that is equal, removed or added.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub op: &'static str,
    pub text: String,
}

pub fn word_diff(old: &str, new: &str) -> Vec<Segment> {
    let diff = if old.contains('\n') || new.contains('\n') {
        TextDiff::from_lines(old, new)
    } else {
        TextDiff::from_words(old, new)
    };
    let mut out: Vec<Segment> = Vec::new();
    for change in diff.iter_all_changes() {
        let op = match change.tag() {
            ChangeTag::Equal => "equal",
            ChangeTag::Delete => "delete",
            ChangeTag::Insert => "insert",
        };
        let text = change.value().to_string();
        match out.last_mut() {
            Some(last) if last.op == op => last.text.push_str(&text),
            _ => out.push(Segment { op, text }),
        }
    }
    out
}

/// A unified line diff with two lines of context, for multi-line prose.
pub fn unified(old: &str, new: &str) -> String {
    let mut old = old.to_owned();
    let mut new = new.to_owned();
    for t in [&mut old, &mut new] {
        if !t.ends_with('\n') {
            t.push('\n');
        }
    }
    TextDiff::from_lines(&old, &new).unified_diff().context_radius(2).to_string()
}

/// A Markdown code fence long enough that nothing inside can close it. Its lines are shown
/// literally, and may end up in a CI log: a line that would start (after spaces) with `::`,
/// or hold `##[`, a GitHub Actions workflow command, gets a word joiner between the two
/// characters (invisible, and the runner no longer sees a command).
pub fn fenced(content: &str, lang: &str) -> String {
    let longest = content.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let mut body: String = content
        .split('\n')
        .map(|line| {
            let line = line.replace("##[", "#\u{2060}#[");
            let indent = line.len() - line.trim_start().len();
            if line[indent..].starts_with("::") {
                format!("{}:\u{2060}{}", &line[..indent], &line[indent + 1..])
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    if !body.ends_with('\n') {
        body.push('\n');
    }
    format!("{fence}{lang}\n{body}{fence}\n")
}

/// Inline rendering: `[-removed-]{+added+}` (readable without colour).
pub fn inline(segments: &[Segment]) -> String {
    segments
        .iter()
        .map(|s| match s.op {
            "delete" => format!("[-{}-]", s.text),
            "insert" => format!("{{+{}+}}", s.text),
            _ => s.text.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_content() {
        assert_eq!(fenced("a ``` b", "diff"), "````diff\na ``` b\n````\n");
        assert_eq!(fenced("plain", ""), "```\nplain\n```\n");
    }

    #[test]
    fn unified_keeps_two_lines_of_context() {
        let old = "1\n2\n3\n4\n5\n6\n7\n";
        let new = "1\n2\n3\n4 changed\n5\n6\n7\n";
        let u = unified(old, new);
        assert!(u.contains("-4\n+4 changed\n"), "{u}");
        assert!(!u.contains(" 1\n"), "{u}");
        assert!(u.contains(" 2\n") && u.contains(" 6\n"), "{u}");
    }

    #[test]
    fn words_change_in_place() {
        let d = word_diff("Invoices are issued by the 2nd business day", "Invoices are issued by the 3rd business day");
        assert_eq!(inline(&d), "Invoices are issued by the [-2nd-]{+3rd+} business day");
    }
}
