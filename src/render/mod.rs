//! The only place that formats output. Every renderer takes the result model (or a plan)
//! and returns text; the CLI decides where it goes.

pub mod diff;
pub mod document;
pub mod gate;
pub mod html;
pub mod human;
pub mod json;
pub mod markdown;
pub mod timeline;

/// `1 plan`, `2 plans`.
pub fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// How human output is styled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    pub color: bool,
}

impl Style {
    pub fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }
}

/// Characters that change how text around them reads without showing themselves:
/// bidirectional overrides, isolates and marks, zero-width spaces and joiners that split a
/// word, line and paragraph separators, and the byte-order mark. Repository text shows them
/// escaped (or drops them, in Markdown).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{061c}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{2060}'..='\u{2064}'
            | '\u{feff}'
    )
}

/// Text from the repository, made safe for a terminal and a CI log: control characters
/// (ESC sequences that rewrite the screen, carriage returns that hide a line) and
/// bidirectional overrides are shown escaped (`\u{1b}`), and a line that would start with
/// `::` (a GitHub Actions workflow command) starts with `: :` instead.
pub fn visible(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\n' | '\t' => out.push(c),
            c if c.is_control() || is_invisible(c) => out.extend(c.escape_unicode()),
            c => out.push(c),
        }
    }
    // The runner's older syntax, `##[error]…`, is read anywhere in a line.
    let out = out.replace("##[", "# #[");
    if !out.contains("::") {
        return out;
    }
    out.split('\n')
        .map(|line| {
            let indent = line.len() - line.trim_start().len();
            match line[indent..].strip_prefix("::") {
                Some(rest) => format!("{}: :{rest}", &line[..indent]),
                None => line.to_owned(),
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// [`visible`] for one line (a path, a name): a line break shows as `␤`, so a file named
/// with a newline cannot start a line of its own.
pub fn one_line(s: &str) -> String {
    visible(&s.replace('\n', "␤"))
}

/// Text for an XML attribute or element: markup escaped, line breaks as character
/// references (so no data starts a line of output), other control characters (not allowed
/// in XML 1.0) shown escaped, and `##[` (a workflow command anywhere in a line) broken.
pub fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if c.is_control() => out.extend(c.escape_unicode()),
            // Bidirectional overrides stay what they are, as references a terminal shows.
            c if is_invisible(c) => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
    out.replace("##[", "#&#35;[")
}

#[cfg(test)]
mod tests {
    use super::visible;

    #[test]
    fn control_characters_and_workflow_commands_are_defused() {
        assert_eq!(visible("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(visible("bob\n::error title=x::forged"), "bob\n: :error title=x::forged");
        assert_eq!(visible("  ::warning::x"), "  : :warning::x");
        assert_eq!(visible("a\rb"), "a\\u{d}b");
        assert_eq!(visible("ok: a::b"), "ok: a::b");
        assert_eq!(visible("x ##[error]y"), "x # #[error]y");
        assert_eq!(super::one_line("a\n::b"), "a␤::b");
    }
}
