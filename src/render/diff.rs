//! `plan diff` output: a table per plan for the terminal (comfy-table), GitHub Markdown, and
//! versioned JSON.

use std::fmt::Write;

use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets};
use serde_json::json;

use super::markdown::{cell, code, one_line, text};
use super::{Style, visible};
use crate::diff::{Change, ChangeKind, FileRole, Impact, PlanChange, PlanStatus, inline};
use crate::report::DiffReport;

fn value(v: &Option<serde_json::Value>) -> String {
    v.as_ref().map(crate::diff::short_value).unwrap_or_default()
}

/// What changed, in words: `99.9 → 99.5`, `[-2nd-]{+3rd+}`, `added: …`.
fn what(c: &Change) -> String {
    match c.kind {
        ChangeKind::Added => format!("added {}", value(&c.new)),
        ChangeKind::Removed => format!("removed {}", value(&c.old)),
        ChangeKind::Moved => format!("{} → {}", value(&c.old), value(&c.new)),
        ChangeKind::Changed => match (&c.text_diff, &c.unified) {
            (Some(segments), _) => inline(segments),
            (None, Some(u)) => {
                u.lines().filter(|l| !l.starts_with("---") && !l.starts_with("+++")).collect::<Vec<_>>().join("\n")
            }
            (None, None) if c.old.is_none() && c.new.is_none() => "does not load".into(),
            (None, None) => format!("{} → {}", value(&c.old), value(&c.new)),
        },
    }
}

fn status(p: &PlanChange) -> String {
    let from = |p: &PlanChange| p.old_path.clone().unwrap_or_default();
    match p.status {
        PlanStatus::Added => "added".into(),
        PlanStatus::Removed => "removed".into(),
        PlanStatus::Moved => format!("moved from {}", from(p)),
        PlanStatus::Modified => "modified".into(),
        PlanStatus::Unchanged => "unchanged".into(),
        PlanStatus::DoesNotLoad => "does not load".into(),
    }
}

/// `services/api/support-plan.toml, modified`; for the gate's own files, their role.
fn heading(p: &PlanChange) -> String {
    let path = p.new_path.as_deref().or(p.old_path.as_deref()).unwrap_or("");
    match p.role {
        FileRole::Plan if path == p.product => status(p),
        FileRole::Plan => format!("{path}, {}", status(p)),
        role => format!("{}, {}", role.as_str(), status(p)),
    }
}

fn summary(r: &DiffReport) -> String {
    let files = match r.gate_files_changed() {
        0 => String::new(),
        n => format!(" and {}", super::plural(n, "gate file", "gate files")),
    };
    format!(
        "{}{files} changed: {} ({} breaking, {} notable, {} cosmetic)",
        super::plural(r.plans_changed(), "plan", "plans"),
        super::plural(r.changes(), "change", "changes"),
        r.count(Impact::Breaking),
        r.count(Impact::Notable),
        r.count(Impact::Cosmetic)
    )
}

/// Terminal output. `width` fixes the table width when stdout is not a terminal.
pub fn human(r: &DiffReport, style: Style, width: u16) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "plan diff {} → {}", visible(&r.base.describe()), visible(&r.head.describe()));
    for n in &r.notices {
        let _ = writeln!(out, "note: {}", visible(n));
    }
    for p in &r.plans {
        let _ =
            writeln!(out, "\n{} ({})", style.paint("1", &super::one_line(&p.product)), super::one_line(&heading(p)));
        let mut t = Table::new();
        t.load_style(presets::UTF8_BORDERS_ONLY).set_content_arrangement(ContentArrangement::Dynamic).set_width(width);
        if !style.color {
            t.force_no_tty();
        }
        t.set_header(vec!["", "path", "change", "impact"]);
        for c in &p.changes {
            let impact = match (&c.reason, c.impact) {
                (Some(r), Impact::Breaking) => format!("breaking: {}", visible(r)),
                (_, i) => i.as_str().to_string(),
            };
            let mut impact_cell = Cell::new(impact);
            if style.color {
                impact_cell = impact_cell.fg(match c.impact {
                    Impact::Breaking => comfy_table::Color::Red,
                    Impact::Notable => comfy_table::Color::Yellow,
                    Impact::Cosmetic => comfy_table::Color::DarkGrey,
                });
            }
            t.add_row(vec![
                Cell::new(c.kind.marker()).set_alignment(CellAlignment::Center),
                Cell::new(visible(&c.path)),
                Cell::new(visible(&what(c))),
                impact_cell,
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    if r.plans.is_empty() {
        let _ = writeln!(out, "\nno plan changed");
    } else {
        let _ = writeln!(out, "\n{}", summary(r));
    }
    out
}

/// GitHub-flavoured Markdown; plan text is escaped.
pub fn markdown(r: &DiffReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "### Support plan diff: {} → {}\n", code(&r.base.describe()), code(&r.head.describe()));
    if r.plans.is_empty() {
        out.push_str("No plan changed.\n");
        return out;
    }
    let _ = writeln!(out, "{}\n", summary(r));
    for p in &r.plans {
        let path = p.new_path.as_deref().or(p.old_path.as_deref()).unwrap_or("");
        let place = if p.role == FileRole::Plan { path } else { p.role.as_str() };
        let _ = writeln!(out, "#### {} — {} ({})\n", code(&p.product), one_line(place), one_line(&status(p)));
        out.push_str("| | Path | Change | Impact |\n|---|---|---|---|\n");
        for c in &p.changes {
            let change = match (&c.text_diff, c.kind) {
                (Some(segs), ChangeKind::Changed) => segs
                    .iter()
                    .map(|s| {
                        let t = text(&s.text).replace('\n', "<br>");
                        match s.op {
                            "delete" if !t.trim().is_empty() => format!("~~{}~~", t.trim()),
                            "insert" if !t.trim().is_empty() => format!("**{}**", t.trim()),
                            _ => t,
                        }
                    })
                    .collect(),
                _ => cell(&what(c)),
            };
            let impact = match (&c.reason, c.impact) {
                (Some(reason), Impact::Breaking) => format!("**breaking**: {}", cell(reason)),
                (_, i) => i.as_str().to_string(),
            };
            let change = if c.unified.is_some() { "reworded, see below".to_string() } else { change };
            let _ = writeln!(out, "| {} | {} | {} | {} |", c.kind.marker(), code(&c.path), change, impact);
        }
        out.push('\n');
        for c in p.changes.iter().filter(|c| c.unified.is_some()) {
            let _ = writeln!(out, "<details><summary><code>{}</code></summary>\n", text(&c.path));
            out.push_str(&crate::diff::fenced(c.unified.as_deref().unwrap_or(""), "diff"));
            out.push_str("\n</details>\n\n");
        }
    }
    out
}

/// For a token that cannot comment: a notice, and an annotation per breaking change.
pub fn github_read_only(r: &DiffReport) -> String {
    use super::gate::{escape_data, escape_property};
    let mut out = String::from(
        "::notice title=supportplan::This token cannot comment on the pull request (fork or read-only permissions); \
         the plan summary is in the job summary. Give the workflow `pull-requests: write` to get a comment.\n",
    );
    for p in &r.plans {
        for c in p.changes.iter().filter(|c| c.impact == Impact::Breaking) {
            let title = escape_property(&format!("{} breaking plan change", p.product));
            let _ = writeln!(out, "::warning title={title}::{}", escape_data(&crate::diff::describe(c)));
        }
    }
    out
}

pub fn json(r: &DiffReport) -> String {
    let value = json!({
        "schema": "supportplan/diff/v1",
        "base": r.base,
        "head": r.head,
        "summary": {
            "plans_changed": r.plans_changed(),
            "gate_files_changed": r.gate_files_changed(),
            "changes": r.changes(),
            "breaking": r.count(Impact::Breaking),
            "notable": r.count(Impact::Notable),
            "cosmetic": r.count(Impact::Cosmetic),
        },
        "plans": r.plans,
        "notices": r.notices,
    });
    super::json::pretty(&value)
}
