//! The pull-request summary: what changed in the plans (merge-base → head), what the rules
//! found on head, and optionally a gate preview, as one Markdown body with a hidden,
//! versioned marker. Plan text is untrusted and escaped; the body always fits GitHub's
//! comment limit by shrinking in steps (collapse, then truncate per plan, then summary only),
//! never cutting through a fence, a table row or a character.

use std::fmt::Write;

use crate::diff::{Change, ChangeKind, Impact, PlanChange};
use crate::gate::{GateReport, Status};
use crate::render::markdown::{cell, code, link_path, one_line, text};
use crate::render::plural;
use crate::report::{CheckReport, DiffReport, Severity};

/// GitHub's limit on an issue comment body, in characters.
pub const GITHUB_COMMENT_LIMIT: usize = 65_536;

const MARKER: &str = "<!-- supportplan:comment:v1";

/// The hidden marker that identifies our comment: its key and the head commit it describes.
pub fn marker(key: &str, head: &str) -> String {
    format!("{MARKER} key={} head={} -->", sanitize(key), sanitize(head))
}

fn sanitize(s: &str) -> String {
    s.chars().filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')).collect()
}

/// The key and head of our marker, if the body starts with one.
pub fn parse_marker(body: &str) -> Option<(String, String)> {
    let line = body.lines().next()?.trim();
    let rest = line.strip_prefix(MARKER)?.strip_suffix("-->")?;
    let mut key = None;
    let mut head = None;
    for part in rest.split_whitespace() {
        if let Some(k) = part.strip_prefix("key=") {
            key = Some(k.to_owned());
        } else if let Some(h) = part.strip_prefix("head=") {
            head = Some(h.to_owned());
        }
    }
    Some((key?, head?))
}

/// Everything the summary shows.
pub struct Summary<'a> {
    pub key: &'a str,
    pub diff: &'a DiffReport,
    pub check: Option<&'a CheckReport>,
    pub gate: Option<&'a [GateReport]>,
    /// `https://github.com/OWNER/REPO/blob/<head sha>/` for links to plan lines.
    pub blob_base: Option<String>,
}

/// How much detail a rendering keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Detail {
    Full,
    Collapsed,
    Truncated(usize),
    SummaryOnly,
}

/// Renders the body within `limit` characters.
pub fn render(s: &Summary, limit: usize) -> String {
    for detail in [Detail::Full, Detail::Collapsed, Detail::Truncated(20), Detail::Truncated(5), Detail::SummaryOnly] {
        let body = render_at(s, detail);
        if body.chars().count() <= limit {
            return body;
        }
    }
    // Even the summary table is too long (thousands of plans): the header and counts only.
    let mut body = header(s);
    let _ = writeln!(
        body,
        "\n_The full summary is too long for a comment; see the job summary or `plan diff --format markdown`._"
    );
    body.chars().take(limit).collect()
}

fn header(s: &Summary) -> String {
    let d = s.diff;
    let mut out = marker(s.key, d.head.commit.as_deref().unwrap_or(""));
    out.push('\n');
    let breaking = d.count(Impact::Breaking);
    let failures = s.check.map_or(0, |c| c.count(Severity::Error));
    let icon = if breaking > 0 || failures > 0 { "⚠️" } else { "✅" };
    let _ = writeln!(out, "### {icon} Support plan summary\n");
    let mut parts = vec![plural(d.plans_changed(), "plan changed", "plans changed")];
    if d.gate_files_changed() > 0 {
        parts.push(plural(d.gate_files_changed(), "gate file changed", "gate files changed"));
    }
    parts.extend([plural(breaking, "breaking change", "breaking changes")]);
    if s.check.is_some() {
        parts.push(plural(failures, "failing check", "failing checks"));
    }
    if let Some(g) = s.gate {
        let blocked = g.iter().any(|r| r.blocked(false));
        let pending: usize = g.iter().map(|r| r.count(Status::AtRelease)).sum();
        let verdict = if blocked { "gate preview: **would block**" } else { "gate preview: ready" };
        parts.push(format!("{verdict} · at release: {pending}"));
    }
    let _ = writeln!(out, "{}", parts.join(" · "));
    let _ = writeln!(out, "\n<sub>{} → {}</sub>", code(&d.base.describe()), code(&d.head.describe()));
    out
}

fn change_row(c: &Change) -> String {
    let what = match (&c.text_diff, c.kind) {
        _ if c.unified.is_some() => format!("{} reworded, see below", cell(&c.path)),
        (Some(segs), ChangeKind::Changed) => segs
            .iter()
            .map(|seg| {
                let t = cell(&seg.text);
                match seg.op {
                    "delete" if !t.trim().is_empty() => format!("~~{}~~ ", t.trim()),
                    "insert" if !t.trim().is_empty() => format!("**{}** ", t.trim()),
                    _ => t,
                }
            })
            .collect::<String>(),
        _ => cell(crate::diff::describe(c).trim_end_matches(&format!(" ({})", c.impact.as_str()))),
    };
    let impact = match (&c.reason, c.impact) {
        (Some(r), Impact::Breaking) => format!("🔴 breaking: {}", cell(r)),
        (_, Impact::Notable) => "notable".into(),
        (_, i) => i.as_str().into(),
    };
    format!("| {} | {} | {} |", c.kind.marker(), what, impact)
}

fn plan_section(s: &Summary, p: &PlanChange, detail: Detail) -> String {
    let mut out = String::new();
    let path = p.new_path.as_deref().or(p.old_path.as_deref()).unwrap_or("");
    let link = match &s.blob_base {
        Some(base) if p.new_path.is_some() => format!("[{}]({base}{})", one_line(path), link_path(path)),
        _ => one_line(path),
    };
    let _ = writeln!(out, "#### {} — {link}\n", code(&p.product));
    let mut changes: Vec<&Change> = p.changes.iter().collect();
    changes.sort_by_key(|c| c.impact);
    let shown = match detail {
        Detail::Truncated(n) => n.min(changes.len()),
        _ => changes.len(),
    };
    let collapse = detail != Detail::Full || changes.len() > 10;
    if collapse {
        let _ = writeln!(
            out,
            "<details><summary>{} ({} breaking)</summary>\n",
            plural(changes.len(), "change", "changes"),
            p.count(Impact::Breaking)
        );
    }
    out.push_str("| | Change | Impact |\n|---|---|---|\n");
    for c in &changes[..shown] {
        out.push_str(&change_row(c));
        out.push('\n');
    }
    if !matches!(detail, Detail::Truncated(_)) {
        for c in changes.iter().filter(|c| c.unified.is_some()) {
            let _ = writeln!(out, "\n<details><summary><code>{}</code></summary>\n", text(&c.path));
            out.push_str(&crate::diff::fenced(c.unified.as_deref().unwrap_or(""), "diff"));
            out.push_str("\n</details>\n");
        }
    }
    if shown < changes.len() {
        let _ =
            writeln!(out, "\n_… {} more changes not shown; run `plan diff` for all of them._", changes.len() - shown);
    }
    if collapse {
        out.push_str("\n</details>\n");
    }
    if let Some(c) = s.check {
        let findings: Vec<_> = c
            .findings
            .iter()
            .filter(|f| f.plan.as_deref() == Some(p.product.as_str()) && f.severity == Severity::Error)
            .collect();
        if !findings.is_empty() {
            let _ = writeln!(out, "\n**Failing checks on head** ({}):\n", findings.len());
            for f in findings.iter().take(if matches!(detail, Detail::Truncated(_)) { 5 } else { 50 }) {
                let line = match (&f.location, &s.blob_base) {
                    (Some(l), Some(base)) => {
                        format!(" ([line {}]({base}{}#L{}))", l.line, link_path(&l.file), l.line)
                    }
                    (Some(l), None) => format!(" (line {})", l.line),
                    _ => String::new(),
                };
                let _ = writeln!(out, "- {}{line}: {}", code(&f.rule), crate::render::markdown::message(&f.message));
            }
        }
    }
    out.push('\n');
    out
}

fn render_at(s: &Summary, detail: Detail) -> String {
    let mut out = header(s);
    out.push('\n');
    let d = s.diff;
    if d.plans.is_empty() {
        out.push_str("No plan changed.\n");
    } else if detail == Detail::SummaryOnly {
        out.push_str("| Plan | Status | Breaking | Notable | Cosmetic |\n|---|---|---|---|---|\n");
        for p in &d.plans {
            let _ = writeln!(
                out,
                "| {} | {:?} | {} | {} | {} |",
                code(&p.product),
                p.status,
                p.count(Impact::Breaking),
                p.count(Impact::Notable),
                p.count(Impact::Cosmetic)
            );
        }
        out.push_str("\n_Details left out to fit GitHub's comment limit; run `plan diff` for all changes._\n");
    } else {
        for p in &d.plans {
            out.push_str(&plan_section(s, p, detail));
        }
    }
    if let Some(g) = s.gate {
        out.push_str("\n<details><summary>Release gate preview</summary>\n\n| Plan | Check | Status | Result |\n|---|---|---|---|\n");
        for r in g {
            for f in r.findings.iter().filter(|f| {
                matches!(f.status, Status::Fail | Status::Error | Status::Warn | Status::Waived | Status::AtRelease)
            }) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    code(&r.product),
                    code(&f.check),
                    f.status.as_str(),
                    crate::render::markdown::message(&f.message)
                );
            }
        }
        out.push_str("\n</details>\n");
    }
    out
}

/// The body for "no plan changes", used to turn an existing comment into a clean one.
pub fn no_changes(key: &str, head: &str) -> String {
    format!("{}\n### ✅ Support plan summary\n\nNo plan changes in this pull request.\n", marker(key, head))
}
