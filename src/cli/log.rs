//! `plan log [RANGE]`: the commits that changed plans, newest first, each with a one-line
//! semantic summary.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use serde_json::json;
use supportplan::diff::PlanChange;
use supportplan::git::{FileChange, ObjectId, Repo};
use supportplan::plan::values::Date;
use supportplan::render::visible;
use supportplan::snapshot;

use super::{Global, emit};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Args, Debug)]
pub struct LogArgs {
    /// Revision or range (`A..B`); default HEAD.
    pub range: Option<String>,
    /// Only commits that changed the plan with this product id (followed across moves).
    #[arg(long, value_name = "ID")]
    pub plan: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Show at most N commits.
    #[arg(short = 'n', long, value_name = "N")]
    pub max_count: Option<usize>,
    /// Follow only the first parent of merges (the main line); by default every commit of
    /// the range is listed, side branches too, and a change reached through a merge is
    /// reported once, by the commit that made it.
    #[arg(long)]
    pub first_parent: bool,
}

struct Entry {
    commit: supportplan::git::CommitInfo,
    plans: Vec<PlanChange>,
    problems: Vec<String>,
}

fn date(seconds: i64) -> String {
    Date::from_unix_seconds(seconds).to_string()
}

pub fn run(g: &Global, args: &LogArgs) -> anyhow::Result<ExitCode> {
    let repo = Repo::discover(&g.root()?)?;
    let range = args.range.as_deref().unwrap_or("HEAD");
    let (hide, tip) = match range.split_once("..") {
        Some((a, b)) if !b.starts_with('.') => {
            (Some(repo.resolve(a)?), repo.resolve(if b.is_empty() { "HEAD" } else { b })?)
        }
        _ => (None, repo.resolve(range)?),
    };
    let config = snapshot::discovery_config(&repo, &tip);
    let excludes = config.excludes();
    let (chain, cut) = repo.history(tip.id, hide.map(|h| h.id), args.first_parent)?;
    // Without --plan, commits that changed only the gate's own files (waivers, records,
    // config) are listed too.
    let records = snapshot::RecordPaths::of([]);
    let wanted = |p: &str| supportplan::config::is_plan_path(p) || records.wants(p);
    // (index in the chain, plan files changed there)
    let touched: Vec<(usize, Vec<FileChange>)> = match &args.plan {
        None => repo.chain_plan_changes(&chain, &excludes, &wanted)?,
        Some(id) => follow_plan(&repo, &tip, &chain, id, &excludes)?,
    };
    let limit = args.max_count.unwrap_or(usize::MAX);
    let mut entries: Vec<Entry> = Vec::new();
    for (i, changes) in touched {
        if entries.len() >= limit {
            break;
        }
        let (id, parent) = chain[i];
        let changes = if args.first_parent { changes } else { repo.own_changes(id, changes)? };
        if changes.is_empty() {
            continue;
        }
        let (plans, problems) = summarize(&repo, id, parent, &changes, &records)?;
        let plans: Vec<PlanChange> =
            plans.into_iter().filter(|p| args.plan.as_ref().is_none_or(|id| &p.product == id)).collect();
        if !plans.is_empty() || !problems.is_empty() {
            entries.push(Entry { commit: repo.commit_info(id)?, plans, problems });
        }
    }
    match args.format {
        Format::Human => {
            let mut out = String::new();
            for e in entries.iter().filter(|e| !g.quiet || !e.problems.is_empty()) {
                let c = &e.commit;
                let line = format!("{}  {}  {}  {}", &c.id.to_string()[..12], date(c.time), c.author, c.subject);
                out.push_str(&format!("{}\n", supportplan::render::one_line(&line)));
                for p in e.plans.iter().filter(|_| !g.quiet) {
                    out.push_str(&format!("    {}\n", visible(&p.summary())));
                }
                for p in &e.problems {
                    out.push_str(&format!("    {}\n", visible(p)));
                }
            }
            if let Some(c) = cut.filter(|_| !g.quiet) {
                let when = repo.commit_info(c).map(|i| format!(" ({})", date(i.time))).unwrap_or_default();
                out.push_str(&format!(
                    "note: history is cut at {}{when}, a shallow-clone boundary: older changes are not listed; {}\n",
                    &c.to_string()[..12],
                    repo.missing_object_hint()
                ));
            }
            if entries.is_empty() && !g.quiet {
                out.push_str("no commit changed a plan\n");
            }
            emit(&out)?;
        }
        Format::Json => {
            let commits: Vec<serde_json::Value> = entries
                .iter()
                .map(|e| {
                    json!({
                        "id": e.commit.id.to_string(),
                        "author": e.commit.author,
                        "email": e.commit.email,
                        "date": date(e.commit.time),
                        "time": e.commit.time,
                        "subject": e.commit.subject,
                        "summary": e.plans.iter().map(|p| p.summary()).collect::<Vec<_>>(),
                        "plans": e.plans,
                        "problems": e.problems,
                    })
                })
                .collect();
            let value = json!({ "schema": "supportplan/log/v1", "range": range, "truncated": cut.is_some(), "cut_at": cut.map(|c| c.to_string()), "commits": commits });
            emit(&supportplan::render::json::pretty(&value))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The commits of `chain` that changed the plan `id`, followed across moves: its file at
/// the tip is traced back; where it appears, the commit is checked for a move from another
/// path, which is then traced further back.
fn follow_plan(
    repo: &Repo,
    tip: &supportplan::git::rev::Resolved,
    chain: &[(ObjectId, Option<ObjectId>)],
    id: &str,
    excludes: &globset::GlobSet,
) -> anyhow::Result<Vec<(usize, Vec<FileChange>)>> {
    let (plans, _) = snapshot::plans_at(repo, tip)?;
    let Some(mut path) =
        plans.iter().filter_map(|p| p.as_ref().ok()).find(|p| p.plan.plan.product == id).map(|p| p.source.path.clone())
    else {
        let known = plans.iter().filter_map(|p| p.as_ref().ok()).map(|p| p.plan.plan.product.as_str());
        return Err(super::unknown_plan(id, &format!("at {}", tip.describe()), known));
    };
    let mut out = Vec::new();
    // Older commits have higher indices; after a move, trace the old path from there on.
    let mut start = 0;
    loop {
        let hits: Vec<(usize, FileChange)> =
            repo.path_changes(&chain[start..], &path)?.into_iter().map(|(i, c)| (i + start, c)).collect();
        let appeared = hits.last().filter(|(i, c)| c.old.is_none() && chain[*i].1.is_some()).map(|(i, _)| *i);
        out.extend(hits.into_iter().map(|(i, c)| (i, vec![c])));
        let Some(i) = appeared else { break };
        // Where the file appeared: a move if a plan with the same id left another path.
        let (commit, parent) = chain[i];
        let all = repo.plan_changes_of(commit, parent, excludes)?;
        let (pairs, _) = summarize(repo, commit, parent, &all, &snapshot::RecordPaths::of([]))?;
        let moved_from =
            pairs.iter().find(|p| p.product == id).and_then(|p| p.old_path.clone()).filter(|old| *old != path);
        match moved_from {
            Some(old) => {
                if let Some(last) = out.last_mut() {
                    last.1 = all;
                }
                path = old;
                start = i + 1;
            }
            None => break,
        }
    }
    Ok(out)
}

fn summarize(
    repo: &Repo,
    id: ObjectId,
    parent: Option<ObjectId>,
    changes: &[FileChange],
    records: &snapshot::RecordPaths,
) -> anyhow::Result<(Vec<PlanChange>, Vec<String>)> {
    let (commit, before) =
        (id.to_hex_with_len(12).to_string(), parent.map(|p| p.to_hex_with_len(12).to_string()).unwrap_or_default());
    let mut old = Vec::new();
    let mut new = Vec::new();
    let mut out = Vec::new();
    for ch in changes.iter().filter(|c| !supportplan::config::is_plan_path(&c.path)) {
        let text = |blob: Option<ObjectId>, rev: &str| -> anyhow::Result<Option<String>> {
            let Some(blob) = blob else { return Ok(None) };
            Ok(match repo.read_blob(blob, &format!("{} at {rev}", ch.path), supportplan::plan::MAX_PLAN_BYTES)? {
                Ok(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
                Err(size) => Some(format!("# {size} bytes, over the size limit")),
            })
        };
        let (a, b) = (text(ch.old, &before)?, text(ch.new, &commit)?);
        if let Some(role) = records.role_of(&ch.path, [a.as_deref(), b.as_deref()]) {
            out.extend(snapshot::diff_record_file(
                role,
                &ch.path,
                a.as_deref().map(|t| (t, before.as_str())),
                b.as_deref().map(|t| (t, commit.as_str())),
            ));
        }
    }
    for ch in changes.iter().filter(|c| supportplan::config::is_plan_path(&c.path)) {
        if let Some(o) = ch.old {
            old.push(snapshot::load_blob(repo, &ch.path, o, &before)?);
        }
        if let Some(n) = ch.new {
            new.push(snapshot::load_blob(repo, &ch.path, n, &commit)?);
        }
    }
    // A plan that does not load at some commit is reported, not skipped.
    let problems: Vec<String> = old
        .iter()
        .chain(new.iter())
        .filter_map(|p| p.as_ref().err())
        .map(|f| {
            let d = f.diagnostics.first();
            let line = d.and_then(|d| d.span.clone()).map_or(1, |s| f.source.line_col(s.start).line);
            format!(
                "{}:{line} does not load: {}",
                f.source.describe(),
                d.map(|d| d.message.as_str()).unwrap_or("invalid")
            )
        })
        .collect();
    // A file that does not load on one side is not "removed" or "added" on the other.
    let mut plans = snapshot::compare_plans(&old, &new, &before, &commit, None);
    plans.retain(|p| p.status != supportplan::diff::PlanStatus::DoesNotLoad);
    plans.extend(out);
    Ok((plans, problems))
}
