//! The only place that formats output. Every renderer takes the result model (or a plan)
//! and returns text; the CLI decides where it goes.

pub mod diff;
pub mod document;
pub mod gate;
pub mod human;
pub mod json;
pub mod markdown;

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
