//! Markdown escaping for untrusted plan text: nothing a plan says can ping people, inject
//! HTML, break a table or forge our comment marker.

/// Escapes inline text: Markdown punctuation, HTML, and `@mentions` (a zero-width joiner
/// after `@` keeps GitHub from notifying anyone).
pub fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '@' => out.push_str("@\u{2060}"),
            '\r' => {}
            c if c.is_control() && c != '\n' => {}
            // Bidirectional overrides can make text read differently than it is.
            c if super::is_invisible(c) => {}
            c => out.push(c),
        }
    }
    // Markdown printed to a CI log (a step summary echoed, `plan render`) must not start a
    // line with `::`, a workflow command; `\:` renders as `:`.
    if out.contains("\n") && out.contains("::") {
        out = out
            .split('\n')
            .map(|line| {
                let indent = line.len() - line.trim_start().len();
                if line[indent..].starts_with("::") {
                    format!("{}\\{}", &line[..indent], &line[indent..])
                } else {
                    line.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
    }
    if out.starts_with("::") {
        out.insert(0, '\\');
    }
    out
}

/// [`text`] for one line (a path in a heading or a link label): a line break shows as `␤`.
pub fn one_line(s: &str) -> String {
    text(&s.replace('\n', "␤"))
}

/// Escapes text for a table cell: like [`text`], with line breaks as `<br>`.
pub fn cell(s: &str) -> String {
    text(s.trim()).replace('\n', "<br>")
}

/// Text from the repository as an inline code span: backticks become `'`, line breaks and
/// control characters go (a path may hold a newline that would end the span and start a
/// line of Markdown), and `|` is escaped so a table cell stays one cell.
pub fn code(s: &str) -> String {
    let inner: String = s
        .chars()
        .map(|c| if c == '`' { '\'' } else { c })
        .filter(|c| !c.is_control() && !super::is_invisible(*c))
        .collect();
    // An HTML comment opener is literal inside a code span, but a word joiner keeps anything
    // that scans the body for our marker from finding a second one.
    format!(
        "`{}`",
        inner
            .replace('|', "\\|")
            .replace("<!--", "<\u{2060}!--")
            .replace('@', "@\u{2060}")
            .replace("##[", "#\u{2060}#[")
    )
}

/// A message of ours, which marks names with backticks (``category `capacity` has no
/// criterion``): each backtick pair becomes a code span (its content made safe by [`code`]),
/// everything else is escaped as [`text`]. An unpaired backtick is text. Line breaks become
/// spaces (a message is one line of a list or a table cell).
pub fn message(s: &str) -> String {
    let s = s.replace(['\r', '\n'], " ");
    let parts: Vec<&str> = s.split('`').collect();
    let mut out = String::with_capacity(s.len() + 8);
    let pairs = (parts.len() - 1) / 2;
    for (i, part) in parts.iter().enumerate() {
        let in_span = i % 2 == 1 && i / 2 < pairs;
        if in_span {
            out.push_str(&code(part));
        } else if i % 2 == 1 {
            // The last, unpaired backtick: literal.
            out.push_str(&text(&format!("`{part}")));
        } else {
            out.push_str(&text(part));
        }
    }
    out
}

/// A repository path inside a link target: every byte but unreserved characters and `/` is
/// percent-encoded, so `)`, spaces, `<` or a newline cannot end the link or start Markdown.
pub fn link_path(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// A GFM table.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n|{}\n", headers.join(" | "), "---|".repeat(headers.len()));
    for row in rows {
        out.push_str("| ");
        out.push_str(&row.join(" | "));
        out.push_str(" |\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_line_of_text_starts_a_workflow_command() {
        assert_eq!(text("bob\n  ::error::x"), "bob\n  \\::error::x");
        assert_eq!(text("::warning::y"), "\\::warning::y");
    }

    #[test]
    fn neutralises_mentions_html_and_pipes() {
        let s = cell("@alice <!-- x --> a|b\nnext");
        assert!(!s.contains("@a"), "{s}");
        assert!(!s.contains("<!--"));
        assert!(s.contains("a\\|b<br>next"));
    }
}
