//! Human output for the terminal: findings as source snippets (file:line:col, the line,
//! an underline, the fix), then a summary. Readable without colour.

use std::fmt::Write;

use super::{Style, one_line, plural, visible};
use crate::report::{CheckReport, Finding, Severity};

/// Renders one finding as a snippet.
pub fn finding(f: &Finding, style: Style) -> String {
    let mut out = String::new();
    let code = match f.severity {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;34",
    };
    let head = style.paint(code, &format!("{}[{}]", f.severity.as_str(), f.rule));
    let _ = writeln!(out, "{head}: {}", visible(&f.message));
    if let Some(loc) = &f.location {
        let gutter = loc.line.to_string().len();
        let pad = " ".repeat(gutter);
        let at = match &loc.rev {
            Some(rev) => format!("{}:{}:{} (at {})", one_line(&loc.file), loc.line, loc.column, one_line(rev)),
            None => format!("{}:{}:{}", one_line(&loc.file), loc.line, loc.column),
        };
        let _ = writeln!(out, "{pad}--> {at}");
        if !loc.line_text.is_empty() {
            let line_chars = loc.line_text.chars().count();
            let start = loc.column.saturating_sub(1).min(line_chars);
            let end = if loc.end_line == loc.line { loc.end_column.saturating_sub(1) } else { line_chars };
            let width = end.saturating_sub(start).max(1);
            let _ = writeln!(out, "{pad} |");
            let _ = writeln!(out, "{} | {}", loc.line, visible(&loc.line_text));
            let marks = style.paint(code, &"^".repeat(width));
            let _ = writeln!(out, "{pad} | {}{marks}", " ".repeat(start));
        }
        if let Some(help) = &f.help {
            let _ = writeln!(out, "{pad} = help: {}", visible(help));
        }
        if let Some(source) = &f.severity_source {
            let _ = writeln!(out, "{pad} = note: {} as set in {}", f.severity.as_str(), visible(source));
        }
    } else if let Some(help) = &f.help {
        let _ = writeln!(out, "  = help: {}", visible(help));
    }
    out
}

/// Every diagnostic of plans that did not load, as snippets.
pub fn load_failures<'a>(failures: impl IntoIterator<Item = &'a crate::plan::LoadFailure>, style: Style) -> String {
    failures.into_iter().flat_map(crate::check::load_findings).map(|f| finding(&f, style)).collect()
}

/// Renders a check report.
pub fn check(report: &CheckReport, style: Style, quiet: bool) -> String {
    let mut out = String::new();
    for f in &report.findings {
        if quiet && f.severity != Severity::Error {
            continue;
        }
        out.push_str(&finding(f, style));
        out.push('\n');
    }
    let at = report.rev.as_ref().map(|r| format!(" at {r}")).unwrap_or_default();
    let errors = report.count(Severity::Error);
    let warnings = report.count(Severity::Warning);
    let info = report.count(Severity::Info);
    let mut summary = format!(
        "checked {}{at} (as of {}): {}, {}",
        plural(report.plans.len(), "plan", "plans"),
        report.now,
        plural(errors, "error", "errors"),
        plural(warnings, "warning", "warnings"),
    );
    if info > 0 {
        let _ = write!(summary, ", {info} info");
    }
    if !report.suppressed.is_empty() {
        let _ = write!(summary, ", {} suppressed by the plan", report.suppressed.len());
    }
    if report.off > 0 {
        let _ = write!(summary, ", {} off by .support-plan/config.toml", report.off);
    }
    if !quiet {
        let _ = writeln!(out, "{summary}");
    }
    out
}
