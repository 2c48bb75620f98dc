//! Semantic diff of plans between two revisions. Plans pair by `plan.product`, so a moved
//! file is a move; keyed tables match by key; values compare by type (`"60min"` equals
//! `"1h"`); formatting, comments and key order make no difference. Each change carries an
//! impact: `breaking` when a commitment got weaker.

pub mod catalogue;
mod impact;
mod text;
mod value;

use serde::Serialize;
use sha2::{Digest, Sha256};

pub use text::{Segment, fenced, inline, unified, word_diff};

use crate::plan::LoadedPlan;

/// How much a change matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Impact {
    /// A commitment got weaker.
    Breaking,
    /// Any other meaningful change.
    Notable,
    /// Wording or whitespace in prose.
    Cosmetic,
}

impl Impact {
    pub fn as_str(self) -> &'static str {
        match self {
            Impact::Breaking => "breaking",
            Impact::Notable => "notable",
            Impact::Cosmetic => "cosmetic",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Removed,
    Changed,
    Moved,
}

impl ChangeKind {
    pub fn marker(self) -> &'static str {
        match self {
            ChangeKind::Added => "+",
            ChangeKind::Removed => "-",
            ChangeKind::Changed => "~",
            ChangeKind::Moved => ">",
        }
    }
}

/// One change inside a plan.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    /// Dotted key path (`acceptance.criteria.p95-latency.target`).
    pub path: String,
    pub kind: ChangeKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new: Option<serde_json::Value>,
    pub impact: Impact,
    /// Why the impact is what it is (`target loosened`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Word-level diff of prose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_diff: Option<Vec<Segment>>,
    /// Line diff with context, for multi-line prose.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unified: Option<String>,
    pub fingerprint: String,
}

/// What happened to one plan between the revisions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PlanStatus {
    Added,
    Removed,
    Modified,
    Moved,
    Unchanged,
    /// The file does not load on one side: its errors are the changes.
    #[serde(rename = "does-not-load")]
    DoesNotLoad,
}

/// What a compared file is: a plan, or one of the gate's own files.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileRole {
    Plan,
    /// `.support-plan/waivers.toml` (or a plan's `gate.waiver_file`).
    Waivers,
    /// `.support-plan/approvals/<version>.toml` (or an approval step's `record`).
    Approval,
    /// An attestation record named by a step or criterion.
    Attestation,
    /// `.support-plan/config.toml`.
    Config,
}

impl FileRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::Plan => "plan",
            FileRole::Waivers => "waivers",
            FileRole::Approval => "approval",
            FileRole::Attestation => "attestation",
            FileRole::Config => "config",
        }
    }

    fn is_plan(&self) -> bool {
        *self == FileRole::Plan
    }
}

/// The diff of one plan (paired by product id).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanChange {
    /// The plan's product id; for the gate's own files and for a plan that does not load,
    /// the file's path.
    pub product: String,
    /// `plan`, or which of the gate's files this is.
    #[serde(skip_serializing_if = "FileRole::is_plan")]
    pub role: FileRole,
    pub status: PlanStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_path: Option<String>,
    pub changes: Vec<Change>,
}

impl PlanChange {
    /// The highest impact of the plan's changes (added/removed plans count too).
    pub fn worst(&self) -> Option<Impact> {
        self.changes.iter().map(|c| c.impact).min()
    }

    pub fn count(&self, impact: Impact) -> usize {
        self.changes.iter().filter(|c| c.impact == impact).count()
    }

    /// A one-line summary: the most important change, and how many more.
    pub fn summary(&self) -> String {
        let mut sorted: Vec<&Change> = self.changes.iter().collect();
        sorted.sort_by_key(|c| c.impact);
        let Some(first) = sorted.first() else {
            return format!("{}: no semantic change", self.product);
        };
        let more = if sorted.len() > 1 { format!(" (+{} more)", sorted.len() - 1) } else { String::new() };
        format!("{}: {}{more}", self.product, describe(first))
    }
}

/// `p95-latency target 200ms → 250ms (breaking)`-style text for one change.
/// A short one-line rendering of a value.
pub fn short_value(v: &serde_json::Value) -> String {
    value::short(v)
}

pub fn describe(c: &Change) -> String {
    let show = |v: &Option<serde_json::Value>| v.as_ref().map(value::short).unwrap_or_default();
    let what = match c.kind {
        // A member of a list is named: `hours.business.days removed fri`.
        ChangeKind::Added => match c.new.as_ref().filter(|v| !v.is_object()) {
            Some(v) => format!("{} added {}", c.path, value::short(v)),
            None => format!("{} added", c.path),
        },
        ChangeKind::Removed => match c.old.as_ref().filter(|v| !v.is_object()) {
            Some(v) => format!("{} removed {}", c.path, value::short(v)),
            None => format!("{} removed", c.path),
        },
        ChangeKind::Moved => format!("moved {} → {}", show(&c.old), show(&c.new)),
        ChangeKind::Changed if c.text_diff.is_some() || c.unified.is_some() => format!("{} reworded", c.path),
        ChangeKind::Changed if c.old.is_none() && c.new.is_none() => format!("{} does not load", c.path),
        ChangeKind::Changed => format!("{} {} → {}", c.path, show(&c.old), show(&c.new)),
    };
    format!("{what} ({})", c.impact.as_str())
}

/// Diffs two versions of one plan.
pub fn diff_plans(old: &LoadedPlan, new: &LoadedPlan) -> Vec<Change> {
    let (a, b) = value::plan_trees(&old.plan, &new.plan);
    let (wa, wb) =
        (value::Written::plan(&old.source.text, &old.index), value::Written::plan(&new.source.text, &new.index));
    diff_trees(&new.plan.plan.product, (&a, wa), (&b, wb), None)
}

/// Diffs two value trees, each with the text it was read from (values are shown as written
/// there). `role` wraps record files (`approval`, `attestation`, `config`) so that their
/// paths meet their catalogue entries.
fn diff_trees(
    key: &str,
    old: (&toml::Value, value::Written),
    new: (&toml::Value, value::Written),
    role: Option<&str>,
) -> Vec<Change> {
    fn wrap<'v>(v: &'v toml::Value, role: Option<&str>) -> std::borrow::Cow<'v, toml::Value> {
        match role {
            Some(r) => std::borrow::Cow::Owned(toml::Value::Table(toml::Table::from_iter([(r.to_owned(), v.clone())]))),
            None => std::borrow::Cow::Borrowed(v),
        }
    }
    let (a, b) = (wrap(old.0, role), wrap(new.0, role));
    let (a, b) = (a.as_ref(), b.as_ref());
    let mut raw = Vec::new();
    value::diff(&mut Vec::new(), Some(a), Some(b), &mut raw);
    if raw.is_empty() {
        return Vec::new();
    }
    // As written: only the changed values are read from the text.
    let at = |written: &value::Written, path: &[String], compared: &toml::Value| -> Option<toml::Value> {
        let path = match role {
            Some(_) => path.get(1..)?,
            None => path,
        };
        written.at(path, compared)
    };
    raw.into_iter()
        .map(|r| {
            let (impact, reason) = impact::classify(&r, a, b);
            let (text_diff, unified) = match (&r.old, &r.new, r.kind) {
                (Some(toml::Value::String(o)), Some(toml::Value::String(n)), ChangeKind::Changed)
                    if o.contains('\n') || n.contains('\n') =>
                {
                    (None, Some(text::unified(o, n)))
                }
                (Some(toml::Value::String(o)), Some(toml::Value::String(n)), ChangeKind::Changed)
                    if impact == Impact::Cosmetic =>
                {
                    (Some(word_diff(o, n)), None)
                }
                _ => (None, None),
            };
            let path = r.path.join(".");
            let old_v = r.old.as_ref().map(|v| value::as_written(v, at(&old.1, &r.path, v).as_ref()));
            let new_v = r.new.as_ref().map(|v| value::as_written(v, at(&new.1, &r.path, v).as_ref()));
            let fingerprint = fingerprint(&[key, &path, &format!("{old_v:?}"), &format!("{new_v:?}")]);
            Change { path, kind: r.kind, old: old_v, new: new_v, impact, reason, text_diff, unified, fingerprint }
        })
        .collect()
}

pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0]);
    }
    h.finalize().iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// One side of a plan pairing: where the plan was and what it says.
pub struct Side<'a> {
    pub path: &'a str,
    pub plan: &'a LoadedPlan,
}

/// Diffs one pairing: added, removed, moved and/or modified.
pub fn diff_pair(old: Option<Side>, new: Option<Side>) -> Option<PlanChange> {
    match (old, new) {
        (None, None) => None,
        (None, Some(n)) => Some(PlanChange {
            product: n.plan.plan.plan.product.clone(),
            role: FileRole::Plan,
            status: PlanStatus::Added,
            old_path: None,
            new_path: Some(n.path.to_owned()),
            changes: vec![whole(&n.plan.plan.plan.product, ChangeKind::Added, n.path, Impact::Notable, "a new plan")],
        }),
        (Some(o), None) => Some(PlanChange {
            product: o.plan.plan.plan.product.clone(),
            role: FileRole::Plan,
            status: PlanStatus::Removed,
            old_path: Some(o.path.to_owned()),
            new_path: None,
            changes: vec![whole(
                &o.plan.plan.plan.product,
                ChangeKind::Removed,
                o.path,
                Impact::Breaking,
                "every commitment of the plan is gone",
            )],
        }),
        (Some(o), Some(n)) => {
            // The plan's own changes, the move (if any) put first: no second vector to fill.
            let mut changes = diff_plans(o.plan, n.plan);
            let moved = o.path != n.path;
            if moved {
                let (old, new) = (serde_json::Value::from(o.path), serde_json::Value::from(n.path));
                changes.insert(
                    0,
                    Change {
                        path: "file".into(),
                        kind: ChangeKind::Moved,
                        fingerprint: fingerprint(&[&n.plan.plan.plan.product, "file", o.path, n.path]),
                        old: Some(old),
                        new: Some(new),
                        impact: Impact::Notable,
                        reason: Some("the plan file moved; it is the same plan".into()),
                        text_diff: None,
                        unified: None,
                    },
                );
            }
            let status = if moved {
                PlanStatus::Moved
            } else if changes.is_empty() {
                PlanStatus::Unchanged
            } else {
                PlanStatus::Modified
            };
            Some(PlanChange {
                product: n.plan.plan.plan.product.clone(),
                role: FileRole::Plan,
                status,
                old_path: Some(o.path.to_owned()),
                new_path: Some(n.path.to_owned()),
                changes,
            })
        }
    }
}

/// A plan that does not load on one side (`side` is the revision's label): each of its
/// errors, with file and line, is a breaking change, since nothing it promises can be read.
pub fn does_not_load(failure: &crate::plan::LoadFailure, side: &str) -> PlanChange {
    let src = &failure.source;
    let errors = failure
        .diagnostics
        .iter()
        .map(|d| {
            let line = d.span.as_ref().map_or(1, |s| src.line_col(s.start).line);
            format!("{}:{line}: {}", src.path, d.message)
        })
        .collect();
    unreadable(FileRole::Plan, &src.path, side, errors)
}

/// A file that cannot be read on one side, with its errors (each naming file and line).
pub fn unreadable(role: FileRole, path: &str, side: &str, errors: Vec<String>) -> PlanChange {
    let changes = errors
        .into_iter()
        .map(|e| {
            let reason = format!("does not load at {side}: {e}");
            Change {
                path: role.as_str().into(),
                kind: ChangeKind::Changed,
                fingerprint: fingerprint(&[path, side, &reason]),
                old: None,
                new: None,
                impact: Impact::Breaking,
                reason: Some(reason),
                text_diff: None,
                unified: None,
            }
        })
        .collect();
    PlanChange {
        product: path.to_owned(),
        role,
        status: PlanStatus::DoesNotLoad,
        old_path: None,
        new_path: Some(path.to_owned()),
        changes,
    }
}

/// Diffs two versions of one of the gate's own files (waivers, a record, the repository
/// config), each typed and with the text it was read from; `None` where the file is absent.
/// `absent` is what a missing file means (the repository config's defaults), if anything.
pub fn diff_record<T: Serialize>(
    role: FileRole,
    path: &str,
    old: Option<(&T, &str)>,
    new: Option<(&T, &str)>,
    absent: Option<&T>,
) -> Option<PlanChange> {
    // An absent file is its present twin's outer tables, empty: entries added or removed
    // then meet their own catalogue entries (`waivers.<id>`), not one "file added".
    let skeleton = |other: Option<(&T, &str)>| {
        if let Some(d) = absent {
            return value::tree(d);
        }
        let mut t = toml::Table::new();
        // Only the waiver file is a keyed table of its own entries; a new record is one thing.
        if let (FileRole::Waivers, Some(toml::Value::Table(o))) = (role, other.map(|(m, _)| value::tree(m))) {
            for (k, v) in o {
                if v.is_table() {
                    t.insert(k, toml::Value::Table(Default::default()));
                }
            }
        }
        toml::Value::Table(t)
    };
    let (a, at) = old.map_or_else(|| (skeleton(new), ""), |(t, text)| (value::tree(t), text));
    let (b, bt) = new.map_or_else(|| (skeleton(old), ""), |(t, text)| (value::tree(t), text));
    let wrap = match role {
        FileRole::Approval | FileRole::Attestation | FileRole::Config => Some(role.as_str()),
        FileRole::Plan | FileRole::Waivers => None,
    };
    let changes = diff_trees(path, (&a, value::Written::text(at)), (&b, value::Written::text(bt)), wrap);
    let status = match (old.is_some(), new.is_some()) {
        (false, true) => PlanStatus::Added,
        (true, false) => PlanStatus::Removed,
        _ => PlanStatus::Modified,
    };
    (!changes.is_empty()).then(|| PlanChange {
        product: path.to_owned(),
        role,
        status,
        old_path: old.map(|_| path.to_owned()),
        new_path: new.map(|_| path.to_owned()),
        changes,
    })
}

fn whole(product: &str, kind: ChangeKind, path: &str, impact: Impact, reason: &str) -> Change {
    let file = serde_json::Value::from(path);
    let (old, new) = if kind == ChangeKind::Added { (None, Some(file)) } else { (Some(file), None) };
    Change {
        path: "plan".into(),
        kind,
        fingerprint: fingerprint(&[product, "plan", kind.marker(), path]),
        old,
        new,
        impact,
        reason: Some(reason.into()),
        text_diff: None,
        unified: None,
    }
}
