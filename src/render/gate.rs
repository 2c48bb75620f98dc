//! `plan gate` output: a terminal table, versioned JSON, JUnit (each check a test case),
//! SARIF (results at the plan's lines), Markdown, and GitHub workflow commands.

use std::fmt::Write;

use comfy_table::{Cell, ContentArrangement, Table, presets};
use serde_json::json;

use super::Style;
use super::markdown::cell;
use crate::gate::{GateFinding, GateReport, Status};

const ORDER: [Status; 6] = [Status::Error, Status::Fail, Status::Warn, Status::Waived, Status::Na, Status::Pass];

/// `38 checks: 31 passed, 3 warnings, 1 failed, 1 error, 2 waived, 1 n/a`.
pub fn tally(reports: &[GateReport]) -> String {
    let count = |s: Status| reports.iter().map(|r| r.count(s)).sum::<usize>();
    let total: usize = reports.iter().map(|r| r.findings.len()).sum();
    let pending = match count(Status::AtRelease) {
        0 => String::new(),
        n => format!(", {n} at release"),
    };
    format!(
        "{}: {} passed, {}, {} failed, {}, {} waived, {} n/a{pending}",
        super::plural(total, "check", "checks"),
        count(Status::Pass),
        super::plural(count(Status::Warn), "warning", "warnings"),
        count(Status::Fail),
        super::plural(count(Status::Error), "error", "errors"),
        count(Status::Waived),
        count(Status::Na)
    )
}

fn sorted(r: &GateReport) -> Vec<&GateFinding> {
    let mut v: Vec<&GateFinding> = r.findings.iter().collect();
    v.sort_by_key(|f| (ORDER.iter().position(|s| *s == f.status), f.section, f.check.clone()));
    v
}

fn detail(f: &GateFinding) -> String {
    let mut s = f.message.clone();
    if let (Some(o), Some(e)) = (&f.observed, &f.expected)
        && !f.message.contains(o.as_str())
    {
        let _ = write!(s, " (observed {o}; expected {e})");
    }
    if let Some(w) = &f.waiver {
        let _ = write!(
            s,
            " — waived by `{}` until {}: {} (approved by {})",
            w.id,
            w.expires,
            w.reason,
            w.approved_by.join(", ")
        );
    }
    if let Some(l) = &f.location {
        let _ = write!(s, " [{}:{}]", l.file, l.line);
    }
    s
}

pub fn human(reports: &[GateReport], blocked: bool, style: Style, width: u16) -> String {
    let mut out = String::new();
    for r in reports {
        let tag = r.tag.as_ref().map(|t| format!(" (tag {t})")).unwrap_or_default();
        let _ = writeln!(out, "{}", super::one_line(&format!("gate {} {}{tag} — {}", r.product, r.version, r.file)));
        let mut t = Table::new();
        t.load_style(presets::UTF8_BORDERS_ONLY).set_content_arrangement(ContentArrangement::Dynamic).set_width(width);
        if !style.color {
            t.force_no_tty();
        }
        t.set_header(vec!["status", "check", "section", "result"]);
        for f in sorted(r) {
            let mut c = Cell::new(f.status.as_str().to_uppercase());
            if style.color {
                c = c.fg(match f.status {
                    Status::Error | Status::Fail => comfy_table::Color::Red,
                    Status::Warn => comfy_table::Color::Yellow,
                    Status::Waived | Status::Na | Status::AtRelease => comfy_table::Color::DarkGrey,
                    Status::Pass => comfy_table::Color::Green,
                });
            }
            t.add_row(vec![
                c,
                Cell::new(super::visible(&f.check)),
                Cell::new(f.section),
                Cell::new(super::visible(&detail(f))),
            ]);
        }
        let _ = writeln!(out, "{t}\n");
    }
    let _ = writeln!(out, "{}", tally(reports));
    let verdict = style.paint(if blocked { "1;31" } else { "1;32" }, verdict(reports, blocked));
    let _ = writeln!(out, "{verdict}");
    out
}

pub fn json(reports: &[GateReport], blocked: bool, now: &str) -> String {
    let count = |s: Status| reports.iter().map(|r| r.count(s)).sum::<usize>();
    let value = json!({
        "schema": "supportplan/gate/v1",
        "now": now,
        "verdict": if blocked { "blocked" } else { "pass" },
        "counts": {
            "pass": count(Status::Pass), "warn": count(Status::Warn), "fail": count(Status::Fail),
            "error": count(Status::Error), "waived": count(Status::Waived), "n/a": count(Status::Na),
            "at-release": count(Status::AtRelease),
        },
        "plans": reports,
    });
    super::json::pretty(&value)
}

pub fn junit(reports: &[GateReport]) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let total: usize = reports.iter().map(|r| r.findings.len()).sum();
    let failures: usize = reports.iter().map(|r| r.count(Status::Fail)).sum();
    let errors: usize = reports.iter().map(|r| r.count(Status::Error)).sum();
    let _ =
        writeln!(out, "<testsuites name=\"plan gate\" tests=\"{total}\" failures=\"{failures}\" errors=\"{errors}\">");
    for r in reports {
        let skipped = r.count(Status::Waived) + r.count(Status::Na);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{} {}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"{skipped}\">",
            super::xml(&r.product),
            super::xml(&r.version),
            r.findings.len(),
            r.count(Status::Fail),
            r.count(Status::Error)
        );
        for f in &r.findings {
            let _ = write!(
                out,
                "    <testcase classname=\"{}.{}\" name=\"{}\"",
                super::xml(&r.product),
                f.section,
                super::xml(&f.check)
            );
            let msg = super::xml(&detail(f));
            match f.status {
                Status::Pass => out.push_str("/>\n"),
                Status::Fail => {
                    let _ = writeln!(out, ">\n      <failure message=\"{msg}\" type=\"fail\"/>\n    </testcase>");
                }
                Status::Error => {
                    let _ = writeln!(out, ">\n      <error message=\"{msg}\" type=\"error\"/>\n    </testcase>");
                }
                Status::Waived => {
                    let _ = writeln!(out, ">\n      <skipped message=\"waived: {msg}\"/>\n    </testcase>");
                }
                Status::Na => {
                    let _ = writeln!(out, ">\n      <skipped message=\"n/a: {msg}\"/>\n    </testcase>");
                }
                Status::AtRelease => {
                    let _ = writeln!(out, ">\n      <skipped message=\"at release: {msg}\"/>\n    </testcase>");
                }
                Status::Warn => {
                    let _ = writeln!(out, ">\n      <system-out>warning: {msg}</system-out>\n    </testcase>");
                }
            }
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}

pub fn sarif(reports: &[GateReport]) -> String {
    let mut results = Vec::new();
    let mut rules: Vec<String> = Vec::new();
    for r in reports {
        for f in &r.findings {
            let level = match f.status {
                Status::Fail | Status::Error => "error",
                Status::Warn => "warning",
                _ => continue,
            };
            if !rules.contains(&f.check) {
                rules.push(f.check.clone());
            }
            let location = f.location.as_ref().map_or_else(
                || json!({ "physicalLocation": { "artifactLocation": { "uri": r.file } } }),
                |l| json!({ "physicalLocation": {
                    "artifactLocation": { "uri": l.file },
                    "region": { "startLine": l.line, "startColumn": l.column, "endLine": l.end_line, "endColumn": l.end_column }
                } }),
            );
            results.push(json!({
                "ruleId": f.check,
                "level": level,
                "message": { "text": detail(f) },
                "locations": [location],
            }));
        }
    }
    let value = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "plan gate",
                "informationUri": "https://github.com/supportplan/supportplan",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules.iter().map(|id| json!({ "id": id })).collect::<Vec<_>>(),
            } },
            "results": results,
        }],
    });
    super::json::pretty(&value)
}

/// The verdict in words: a release that may proceed or is blocked, a preview that is ready
/// or would block, or a gate that could not evaluate.
pub fn verdict(reports: &[GateReport], blocked: bool) -> &'static str {
    let invalid = reports.iter().any(|r| r.findings.iter().any(|f| f.invalid));
    let preview = reports.iter().any(|r| r.preview);
    match (invalid, preview, blocked) {
        (true, _, _) => "could not evaluate — release BLOCKED",
        (false, true, true) => "preview: would block",
        (false, true, false) => "preview: ready",
        (false, false, true) => "release BLOCKED",
        (false, false, false) => "release may proceed",
    }
}

pub fn markdown(reports: &[GateReport], blocked: bool) -> String {
    let mut out = String::new();
    let verdict = format!("{} **{}**", if blocked { "❌" } else { "✅" }, verdict(reports, blocked));
    let _ = writeln!(out, "### Release gate: {verdict}\n\n{}\n", tally(reports));
    for r in reports {
        let _ = writeln!(out, "#### {} {}\n", super::markdown::code(&r.product), cell(&r.version));
        out.push_str("| Status | Check | Result |\n|---|---|---|\n");
        for f in sorted(r) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                f.status.as_str(),
                super::markdown::code(&f.check),
                super::markdown::message(&detail(f))
            );
        }
        out.push('\n');
    }
    out
}

/// Escapes workflow-command data (`%`, `\r`, `\n`) and properties (also `:` and `,`).
pub fn escape_data(s: &str) -> String {
    let encoded = s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A");
    // What is left of control characters (ESC sequences) is shown, not sent to the log.
    super::visible(&encoded)
}

pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// GitHub annotations: GitHub shows at most 10 errors and 10 warnings per step, so the
/// worst come first and the rest are summed up in a notice.
pub fn github(reports: &[GateReport], blocked: bool) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings, mut dropped) = (0, 0, 0);
    for r in reports {
        for f in sorted(r) {
            let (cmd, n) = match f.status {
                Status::Fail | Status::Error => ("error", &mut errors),
                Status::Warn => ("warning", &mut warnings),
                _ => continue,
            };
            if *n >= 10 {
                dropped += 1;
                continue;
            }
            *n += 1;
            let mut props = vec![format!("title={}", escape_property(&format!("{} {}", r.product, f.check)))];
            if let Some(l) = &f.location {
                props.insert(0, format!("file={},line={},col={}", escape_property(&l.file), l.line, l.column));
            }
            let _ = writeln!(out, "::{cmd} {}::{}", props.join(","), escape_data(&detail(f)));
        }
    }
    if dropped > 0 {
        let _ = writeln!(
            out,
            "::notice::{dropped} more gate findings than GitHub shows per step; see the job log or --format json"
        );
    }
    let _ = writeln!(out, "{} — {}", tally(reports), verdict(reports, blocked));
    out
}
