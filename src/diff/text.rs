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
    fn words_change_in_place() {
        let d = word_diff("Invoices are issued by the 2nd business day", "Invoices are issued by the 3rd business day");
        assert_eq!(inline(&d), "Invoices are issued by the [-2nd-]{+3rd+} business day");
    }
}
