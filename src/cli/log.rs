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

use super::Global;

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

/// Where the log goes as it is found: each commit is written (and flushed) when its summary is
/// ready, so the first line appears at once, `-n` stops the walk, and memory does not grow
/// with history. The JSON is the same document a whole-log serialisation would give.
struct Sink {
    format: Format,
    quiet: bool,
    out: std::io::BufWriter<std::io::Stdout>,
    written: usize,
    /// At most this many commits are written (`-n`).
    limit: usize,
}

impl Sink {
    fn start(&mut self, range: &str, cut: Option<ObjectId>) -> anyhow::Result<()> {
        if self.format == Format::Json {
            let head = json!({ "schema": "supportplan/log/v1", "range": range, "truncated": cut.is_some(), "cut_at": cut.map(|c| c.to_string()) });
            let head = serde_json::to_string_pretty(&head)?;
            // `{ … }` without its closing brace, then the commits array.
            let open = head.strip_suffix("\n}").unwrap_or(&head);
            self.write(&format!("{open},\n  \"commits\": ["))?;
        }
        Ok(())
    }

    /// Writes one commit's entry ([`render`]ed); `None` is a commit `-q` leaves out, which
    /// still counts towards `-n`.
    fn entry(&mut self, text: Option<&str>) -> anyhow::Result<()> {
        if let Some(text) = text {
            match self.format {
                Format::Human => self.write(text)?,
                Format::Json => {
                    let sep = if self.written == 0 { "\n" } else { ",\n" };
                    self.write(&format!("{sep}{text}"))?;
                }
            }
        }
        self.written += 1;
        Ok(())
    }

    fn finish(&mut self, repo: &Repo, cut: Option<ObjectId>) -> anyhow::Result<()> {
        match self.format {
            Format::Human => {
                let mut out = String::new();
                if let Some(c) = cut.filter(|_| !self.quiet) {
                    let when = repo.commit_info(c).map(|i| format!(" ({})", date(i.time))).unwrap_or_default();
                    out.push_str(&format!(
                        "note: history is cut at {}{when}, a shallow-clone boundary: older changes are not listed; {}\n",
                        &c.to_string()[..12],
                        repo.missing_object_hint()
                    ));
                }
                // (`-n 0` asked for nothing: it is told nothing, as by `git log -n 0`.)
                if self.written == 0 && !self.quiet && self.limit > 0 {
                    out.push_str("no commit changed a plan\n");
                }
                self.write(&out)?;
            }
            Format::Json => self.write(if self.written == 0 { "]\n}\n" } else { "\n  ]\n}\n" })?,
        }
        use std::io::Write as _;
        super::to_stdout(self.out.flush())
    }

    /// Ends a log an error stopped: JSON closes its document with an `error` member (the
    /// object an error document would hold), and the error is marked as printed there.
    fn fail(&mut self, e: anyhow::Error) -> anyhow::Result<anyhow::Error> {
        if self.format != Format::Json {
            return Ok(e);
        }
        let info = serde_json::to_string_pretty(&supportplan::error::describe(&e))?;
        let info: Vec<String> = info.lines().map(|l| format!("  {l}")).collect();
        let close = if self.written == 0 { "],\n" } else { "\n  ],\n" };
        self.write(&format!("{close}  \"error\": {}\n}}\n", info.join("\n").trim_start()))?;
        Ok(e.context(supportplan::error::InDocument))
    }

    fn write(&mut self, text: &str) -> anyhow::Result<()> {
        use std::io::Write as _;
        let text = if self.format == Format::Json {
            supportplan::render::json::defuse(text.to_owned())
        } else {
            text.to_owned()
        };
        // A reader sees each commit as it is found.
        super::to_stdout(self.out.write_all(text.as_bytes()).and_then(|()| self.out.flush()))
    }
}

/// One commit's entry as [`Sink::entry`] writes it: its lines, or (JSON) its object indented
/// as a member of the commits array. `None` when `-q` leaves it out.
fn render(format: Format, quiet: bool, e: &Entry) -> anyhow::Result<Option<String>> {
    Ok(match format {
        Format::Human => {
            if quiet && e.problems.is_empty() {
                return Ok(None);
            }
            let c = &e.commit;
            let line = format!("{}  {}  {}  {}", &c.id.to_string()[..12], date(c.time), c.author, c.subject);
            let mut out = format!("{}\n", supportplan::render::one_line(&line));
            for p in e.plans.iter().filter(|_| !quiet) {
                out.push_str(&format!("    {}\n", visible(&p.summary())));
            }
            for p in &e.problems {
                out.push_str(&format!("    {}\n", visible(p)));
            }
            Some(out)
        }
        Format::Json => {
            let value = json!({
                "id": e.commit.id.to_string(),
                "author": e.commit.author,
                "email": e.commit.email,
                "date": date(e.commit.time),
                "time": e.commit.time,
                "subject": e.commit.subject,
                "summary": e.plans.iter().map(|p| p.summary()).collect::<Vec<_>>(),
                "plans": e.plans,
                "problems": e.problems,
            });
            let text = serde_json::to_string_pretty(&value)?;
            let indented: Vec<String> = text.lines().map(|l| format!("    {l}")).collect();
            Some(indented.join("\n"))
        }
    })
}

/// Commits whose trees are diffed, and whose plans are parsed (on all cores), together.
const BATCH: usize = 256;

/// Batches after which the packs trees are read from are mapped anew (see `Repo::shared`).
/// Every 4 and every 16 took the same time on the benchmark repository; every 4 kept the
/// whole log's peak RSS 10 MiB lower (284 against 294 MiB; `git log -p`: 287 MiB).
const REMAP: usize = 4;

/// A stretch of history, newest first, with the plan changes of its commits (by index in
/// `chain`) when they are known already.
/// The commits of a batch that changed plans (by index in its chain), with those changes.
type Touched = Vec<(usize, Vec<FileChange>)>;

struct Batch {
    chain: supportplan::git::Chain,
    touched: Option<Vec<(usize, Vec<FileChange>)>>,
    /// What stopped the history there: raised once the batch's entries are written.
    after: Option<anyhow::Error>,
}

/// The walk in batches of [`BATCH`] commits, each taken from the walk when it is needed. A
/// commit the walk cannot read ends the batch before it, and the error comes next: the log
/// still shows every commit before it.
fn batches_of<'r>(mut walk: supportplan::git::Walk<'r>) -> impl Iterator<Item = anyhow::Result<Batch>> + 'r {
    let mut failed = None;
    let mut done = false;
    std::iter::from_fn(move || {
        if let Some(e) = failed.take() {
            return Some(Err(e));
        }
        if done {
            return None;
        }
        let (chain, error) = walk.take_readable(BATCH);
        done = error.is_some();
        if chain.is_empty() {
            return error.map(Err);
        }
        failed = error;
        Some(Ok(Batch { chain, touched: None, after: None }))
    })
}
/// Neighbouring commits one thread diffs in a row: each one's tree is the next one's parent
/// tree, already in that thread's object cache, and each version of a tree is usually stored
/// as a delta of the one before or after it (see `Repo::newer_are_deltas`).
const RUN: usize = 64;

pub fn run(g: &Global, args: &LogArgs) -> anyhow::Result<ExitCode> {
    let mut repo = Repo::discover(&g.root()?)?;
    // The every-plan log reads every tree of every commit: each thread keeps objects, and the
    // trees' delta bases are kept (see `Repo::cache_objects`). Following one plan reads few
    // commits' trees and the tip's once, where keeping bases only costs.
    if args.plan.is_none() {
        repo.cache_objects();
    }
    let range = args.range.as_deref().unwrap_or("HEAD");
    let (hide, tip) = match range.split_once("..") {
        Some((a, b)) if b.starts_with('.') => {
            return Err(supportplan::error::revision(
                range,
                format!(
                    "`{range}` (the commits on either side but not on both) is not supported by plan log: \
                     write `{a}..{b}` and `{b}..{a}`",
                    b = &b[1..]
                ),
            ));
        }
        Some((a, b)) => {
            let side = |s: &str| repo.resolve(if s.is_empty() { "HEAD" } else { s });
            (Some(side(a)?), side(b)?)
        }
        None => (None, repo.resolve(range)?),
    };
    let config = snapshot::discovery_config(&repo, &tip);
    let excludes = config.excludes();
    let hide = hide.map(|h| h.id);
    // Without --plan, commits that changed only the gate's own files (waivers, records,
    // config) are listed too.
    let records = snapshot::RecordPaths::of([]);
    let wanted = |p: &str| supportplan::config::is_plan_path(p) || records.wants(p);
    let limit = args.max_count.unwrap_or(usize::MAX);
    // The history is walked as the log is written, a batch at a time, except where the
    // whole of it is needed first: to follow one plan (its commits are found on all cores,
    // stretch by stretch), and in a shallow clone (the log's head says where history is cut).
    let (ready, cut): (Option<Vec<Batch>>, _) = match &args.plan {
        // `--plan` is checked before anything is written: an unknown id is an error, not a log.
        // An object that cannot be read ends the log there, after the commits before it.
        Some(id) => {
            let mut walk = repo.walk(tip.id, hide, args.first_parent)?;
            let (chain, after) = walk.take_readable(usize::MAX);
            let cut = walk.cut();
            drop(walk);
            let partial = hide.is_some() || cut.is_some();
            let (touched, failed) = follow_plan(&repo, &tip, &chain, partial, id, &excludes)?;
            let after = failed.or(after);
            (Some(vec![Batch { chain, touched: Some(touched), after }]), cut)
        }
        None if repo.is_shallow() => {
            let mut walk = repo.walk(tip.id, hide, args.first_parent)?;
            let (chain, mut after) = walk.take_readable(usize::MAX);
            let cut = walk.cut();
            drop(walk);
            if chain.is_empty()
                && let Some(e) = after
            {
                return Err(e);
            }
            let mut batches: Vec<Batch> =
                chain.chunks(BATCH).map(|c| Batch { chain: c.to_vec(), touched: None, after: None }).collect();
            if let Some(last) = batches.last_mut() {
                last.after = after.take();
            }
            (Some(batches), cut)
        }
        None => (None, None),
    };
    let mut sink = Sink {
        format: args.format,
        quiet: g.quiet,
        out: std::io::BufWriter::new(std::io::stdout()),
        written: 0,
        limit,
    };
    let mut shared = repo.shared();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let batches: Box<dyn Iterator<Item = anyhow::Result<Batch>>> = match ready {
            Some(batches) => Box::new(batches.into_iter().map(Ok)),
            // The history is walked on a thread of its own, a batch ahead of the one being
            // diffed, so the walk does not keep the other cores waiting. A walk that cannot
            // start is an error before the log starts.
            None => match walk_ahead(scope, repo.shared(), tip.id, hide, args.first_parent)? {
                Some(batches) => Box::new(batches),
                // No thread to spare (a limit on processes): the walk is taken on this one.
                None => Box::new(batches_of(repo.walk(tip.id, hide, args.first_parent)?)),
            },
        };
        sink.start(range, cut)?;
        // An error once the log has started (an object missing in the middle of history) ends
        // the document it is part of: JSON gets an `error` member, so stdout stays one document.
        let (format, quiet) = (sink.format, sink.quiet);
        let walk = || -> anyhow::Result<()> {
            let mut parsed = Parsed::default();
            // Each thread's handle on the repository, kept from batch to batch with what its
            // caches hold (the trees and blobs the next, older commits are stored as deltas of).
            let pool = supportplan::par::Pool::default();
            'walk: for (n, batch) in batches.enumerate() {
                if sink.written >= sink.limit {
                    break;
                }
                let Batch { chain, touched, after: mut stop } = batch?;
                // The batch's commits are diffed and summarised on all cores, each thread with
                // its own handle on the repository; entries are written in history order. The
                // packs are mapped anew now and then, so the pages read long ago do not stay
                // mapped.
                if n > 0 && n % REMAP == 0 {
                    shared = repo.shared();
                    pool.clear();
                }
                let touched = match touched {
                    Some(touched) => touched,
                    None => {
                        let all: Vec<usize> = (0..chain.len()).collect();
                        let found = pool.map_runs(
                            &all,
                            RUN,
                            || shared.local(),
                            |r, run| r.newer_are_deltas(run.iter().map(|i| chain[*i].0)),
                            |r, i| {
                                let (id, parent) = chain[*i];
                                let changes = r.changes_of(id, parent, &excludes, &wanted)?;
                                if changes.is_empty() {
                                    return Ok(None);
                                }
                                let changes = if args.first_parent { changes } else { r.own_changes(id, changes)? };
                                anyhow::Ok((!changes.is_empty()).then_some((*i, changes)))
                            },
                        );
                        // A commit that cannot be diffed ends the log there: the ones before it
                        // are written first (unless `-n` is reached before it).
                        let mut touched = Vec::new();
                        for f in found {
                            match f {
                                Ok(t) => touched.extend(t),
                                Err(e) => {
                                    stop = Some(e);
                                    break;
                                }
                            }
                        }
                        touched
                    }
                };
                parsed.load(&pool, &shared, &chain, &touched);
                // Each entry is written out on the core that summarised it; only the writing
                // is left to this thread.
                let texts = pool.map(
                    &touched,
                    || shared.local(),
                    |r, (i, changes)| {
                        let (id, parent) = chain[*i];
                        // `--plan` found its changes against the first parent: of a merge, only
                        // what it changed itself is kept, as in the log of every plan.
                        let own = match &args.plan {
                            Some(_) if !args.first_parent => Some(r.own_changes(id, changes.clone())?),
                            _ => None,
                        };
                        let changes = own.as_deref().unwrap_or(changes);
                        if changes.is_empty() {
                            return Ok(None);
                        }
                        let (plans, problems) = summarize(r, id, parent, changes, &records, &parsed, &excludes)?;
                        let plans = if args.first_parent { plans } else { own_plan_changes(r, id, plans)? };
                        let plans: Vec<PlanChange> = plans
                            .into_iter()
                            .filter(|p| args.plan.as_ref().is_none_or(|id| &p.product == id))
                            .collect();
                        if plans.is_empty() && problems.is_empty() {
                            return Ok(None);
                        }
                        let entry = Entry { commit: r.commit_info(id)?, plans, problems };
                        anyhow::Ok(Some(render(format, quiet, &entry)?))
                    },
                );
                for text in texts {
                    if sink.written >= sink.limit {
                        break 'walk;
                    }
                    if let Some(text) = text? {
                        sink.entry(text.as_deref())?;
                    }
                }
                if let Some(e) = stop.filter(|_| sink.written < sink.limit) {
                    return Err(e);
                }
                parsed.keep_oldest(&touched);
            }
            Ok(())
        };
        if let Err(e) = walk() {
            return Err(sink.fail(e)?);
        }
        Ok(())
    })?;
    sink.finish(&repo, cut)?;
    Ok(ExitCode::SUCCESS)
}

/// The walk from `tip` in batches of [`BATCH`] commits, taken on a thread of its own with its
/// own handle on the repository, at most one batch ahead of the one taken last. The thread
/// stops when the batches stop being taken. `None` when the system refuses the thread.
fn walk_ahead<'scope>(
    scope: &'scope std::thread::Scope<'scope, '_>,
    shared: supportplan::git::SharedRepo,
    tip: ObjectId,
    hide: Option<ObjectId>,
    first_parent: bool,
) -> anyhow::Result<Option<impl Iterator<Item = anyhow::Result<Batch>> + 'scope>> {
    let (started, start) = std::sync::mpsc::sync_channel::<anyhow::Result<()>>(1);
    let (send, batches) = std::sync::mpsc::sync_channel::<anyhow::Result<Batch>>(1);
    let walker = move || {
        let repo = shared.local();
        let walk = match repo.walk(tip, hide, first_parent) {
            Ok(walk) => walk,
            Err(e) => {
                let _ = started.send(Err(e));
                return;
            }
        };
        let _ = started.send(Ok(()));
        for batch in batches_of(walk) {
            // The receiver is gone once the log has stopped taking batches (`-n`, an error).
            if send.send(batch).is_err() {
                return;
            }
        }
    };
    if std::thread::Builder::new().spawn_scoped(scope, walker).is_err() {
        return Ok(None);
    }
    // The walker sends before it can stop: a closed channel is a panic there, raised again
    // when the scope ends.
    if let Ok(started) = start.recv() {
        started?;
    }
    Ok(Some(batches.into_iter()))
}

/// Plan blobs parsed for a batch of commits, by blob id and the revision label they are read
/// at. A plan's version is usually the old side of one commit and the new side of an older
/// one: what the oldest commit of a batch had before it stays for the next batch, so each
/// version is parsed about once, and at most one version per plan file is kept between
/// batches (memory does not grow with history).
#[derive(Default)]
struct Parsed {
    by_blob: std::collections::HashMap<ObjectId, snapshot::Loaded>,
}

impl Parsed {
    /// Parses (on all cores) every plan blob the batch's commits need that is not here yet.
    fn load(
        &mut self,
        pool: &supportplan::par::Pool<Repo>,
        shared: &supportplan::git::SharedRepo,
        chain: &supportplan::git::Chain,
        touched: &[(usize, Vec<FileChange>)],
    ) {
        let mut wanted = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (i, changes) in touched {
            let (id, parent) = chain[*i];
            for ch in changes.iter().filter(|c| supportplan::config::is_plan_path(&c.path)) {
                for (blob, at) in [(ch.old, parent), (ch.new, Some(id))] {
                    let (Some(blob), Some(at)) = (blob, at) else { continue };
                    if !self.by_blob.contains_key(&blob) && seen.insert(blob) {
                        wanted.push((blob, ch.path.as_str(), at));
                    }
                }
            }
        }
        // Read and parsed on all cores.
        let loaded = pool.map(
            &wanted,
            || shared.local(),
            |r, (blob, path, at)| {
                let raw = snapshot::read_blob(r, path, *blob, &at.to_hex_with_len(12).to_string())?;
                anyhow::Ok((*blob, supportplan::plan::load_one(&raw)))
            },
        );
        // A blob that cannot be read is not kept: the commit that needs it reads it again and
        // reports the error in its place in the log.
        for (blob, loaded) in loaded.into_iter().flatten() {
            self.by_blob.insert(blob, loaded);
        }
    }

    /// The plan at `blob` as read at `path` and revision `rev`. A plan that loads is the same
    /// whichever commit names it (only its path is shown); one that does not is reported
    /// with the revision, so it is read again when the label differs (rare).
    fn get(
        &self,
        repo: &Repo,
        path: &str,
        blob: ObjectId,
        rev: &str,
    ) -> anyhow::Result<std::borrow::Cow<'_, snapshot::Loaded>> {
        match self.by_blob.get(&blob) {
            Some(l @ Ok(p)) if p.source.path == path => Ok(std::borrow::Cow::Borrowed(l)),
            Some(l @ Err(f)) if f.source.path == path && f.source.rev.as_deref() == Some(rev) => {
                Ok(std::borrow::Cow::Borrowed(l))
            }
            _ => Ok(std::borrow::Cow::Owned(snapshot::load_blob(repo, path, blob, rev)?)),
        }
    }

    /// Keeps only the versions the next (older) batch may need: the old side of each plan
    /// file's oldest change in this batch.
    fn keep_oldest(&mut self, touched: &[(usize, Vec<FileChange>)]) {
        let mut keep: std::collections::HashMap<&str, ObjectId> = std::collections::HashMap::new();
        for (_, changes) in touched {
            for ch in changes.iter().filter(|c| supportplan::config::is_plan_path(&c.path)) {
                match ch.old {
                    Some(old) => {
                        keep.insert(ch.path.as_str(), old);
                    }
                    None => {
                        keep.remove(ch.path.as_str());
                    }
                }
            }
        }
        let keep: std::collections::HashSet<ObjectId> = keep.into_values().collect();
        self.by_blob.retain(|blob, _| keep.contains(blob));
    }
}

/// The commits of `chain` that changed the plan `id`, by every path it had: its file at the
/// tip is traced through the whole history, and each commit found is summarised whole; every
/// path the plan had there (moved from or to, a second file naming it) and, in a merge, the
/// path where another parent keeps it, is then traced through the whole history too. Each
/// commit found carries all the plan files it changed, so that it is summarised as in the
/// log of every plan; those that changed another product only are left out when the log is
/// written. When the chain does not reach the root (`partial`: a range, a shallow clone),
/// a side branch may have moved the plan before the range starts: every merge's other
/// parents are then looked at for where they keep it.
fn follow_plan(
    repo: &Repo,
    tip: &supportplan::git::rev::Resolved,
    chain: &[(ObjectId, Option<ObjectId>)],
    partial: bool,
    id: &str,
    excludes: &globset::GlobSet,
) -> anyhow::Result<(Touched, Option<anyhow::Error>)> {
    // A plan that does not load at the tip is followed by the file that names it.
    let path = match snapshot::path_of(repo, tip, id)? {
        Some(path) => Some(path),
        None => snapshot::path_naming(repo, tip, id)?,
    };
    // A path that is not UTF-8 is known here only with its invalid bytes replaced, which
    // names no file in history: refused rather than followed to an empty log.
    if let Some(path) = path.as_ref().filter(|p| p.contains(char::REPLACEMENT_CHARACTER)) {
        return Err(supportplan::error::ErrorInfo::new(
            "plan",
            format!(
                "the plan `{id}` is at {}, a path that is not UTF-8: `--plan` cannot follow it; \
                 `plan log` without `--plan` lists its commits",
                supportplan::render::one_line(path)
            ),
        )
        .into());
    }
    let Some(path) = path else {
        let (plans, _) = snapshot::plans_at(repo, tip)?;
        let known = plans.iter().filter_map(|p| p.as_ref().ok()).map(|p| p.plan.plan.product.as_str());
        let place = format!(
            "at {}, where `--plan` starts (a plan removed before it is listed by `plan log` without `--plan`)",
            tip.describe()
        );
        return Err(super::unknown_plan(id, &place, known));
    };
    let mut paths = vec![path];
    // By index in the chain, so newest first when collected: all the plan files each changed.
    let mut found: std::collections::BTreeMap<usize, Vec<FileChange>> = std::collections::BTreeMap::new();
    // The newest commit that cannot be read: the commits before it are listed, then the error.
    let mut broken: Option<(usize, anyhow::Error)> = None;
    let mut next = 0;
    loop {
        while let Some(path) = paths.get(next).cloned() {
            next += 1;
            let (hits, failed) = repo.path_changes_until(chain, &path);
            if let Some((i, e)) = failed
                && broken.as_ref().is_none_or(|(b, _)| i < *b)
            {
                broken = Some((i, e));
            }
            for (i, change) in hits {
                // A commit found by another path: this path's change is summarised with it.
                if let Some(changes) = found.get_mut(&i) {
                    if !changes.iter().any(|c| c.path == change.path) {
                        changes.push(change);
                    }
                    continue;
                }
                // A commit that cannot be read for this ends the log there, as in the log of
                // every plan: the commits before it are written, then the error.
                match discover(repo, chain[i], change, &paths, id, excludes) {
                    Ok((all, more)) => {
                        add_paths(&mut paths, more);
                        found.insert(i, all);
                    }
                    Err(e) => {
                        if broken.as_ref().is_none_or(|(b, _)| i < *b) {
                            broken = Some((i, e));
                        }
                    }
                }
            }
        }
        if !partial {
            break;
        }
        // The merges no path followed so far led to.
        let before = paths.len();
        for (i, (commit, _)) in chain.iter().enumerate() {
            if found.contains_key(&i) || broken.as_ref().is_some_and(|(b, _)| i >= *b) {
                continue;
            }
            // (Only commits newer than `broken` get here.)
            match elsewhere_in_sides(repo, *commit, &paths, id) {
                Ok(more) => add_paths(&mut paths, more),
                Err(e) => broken = Some((i, e)),
            }
        }
        if paths.len() == before {
            break;
        }
    }
    if let Some((b, _)) = &broken {
        found.retain(|i, _| i < b);
    }
    Ok((found.into_iter().collect(), broken.map(|(_, e)| e)))
}

/// For a commit of the chain that changed a file the plan `id` had: all the plan files it
/// changed, and the other paths the plan had there. An edit of the file that keeps its
/// product moves nothing: it is taken alone (the commit's other plan files are not diffed,
/// so a second file added beside it in the same commit is not seen). A file added or
/// removed, or one whose product changed, is summarised with every plan file the commit
/// changed, for the paths the plan had on either side; in a merge, also where each other
/// parent keeps it.
fn discover(
    repo: &Repo,
    (commit, parent): (ObjectId, Option<ObjectId>),
    change: FileChange,
    paths: &[String],
    id: &str,
    excludes: &globset::GlobSet,
) -> anyhow::Result<(Vec<FileChange>, Vec<String>)> {
    let rev = commit.to_hex_with_len(12).to_string();
    let product_of = |path: &str, blob: ObjectId| -> anyhow::Result<Option<String>> {
        let raw = snapshot::read_blob(repo, path, blob, &rev)?;
        Ok(snapshot::product_named(raw.bytes.as_deref().unwrap_or_default()))
    };
    let alone = match (change.old, change.new) {
        // In a root commit nothing moved.
        _ if parent.is_none() => true,
        (Some(old), Some(new)) => {
            product_of(&change.path, old)?.is_some_and(|p| p == id)
                && product_of(&change.path, new)?.is_some_and(|p| p == id)
        }
        _ => false,
    };
    let mut more = elsewhere_in_sides(repo, commit, paths, id)?;
    if alone {
        return Ok((vec![change], more));
    }
    let all = repo.plan_changes_of(commit, parent, excludes)?;
    let (pairs, _) =
        summarize(repo, commit, parent, &all, &snapshot::RecordPaths::of([]), &Parsed::default(), excludes)?;
    for p in pairs.iter().filter(|p| p.product == id) {
        more.extend(p.old_path.iter().chain(p.new_path.iter()).cloned());
    }
    // Every other file of the commit that names the product on either side: where a move
    // whose sides do not both load came from or went to, or a second file for the product
    // (which makes both not load).
    for c in all.iter().filter(|c| !paths.contains(&c.path)) {
        for blob in [c.new, c.old].into_iter().flatten() {
            if product_of(&c.path, blob)?.is_some_and(|p| p == id) {
                more.push(c.path.clone());
                break;
            }
        }
    }
    Ok((all, more))
}

/// Adds the paths not yet followed, in order.
fn add_paths(paths: &mut Vec<String>, more: Vec<String>) {
    for p in more {
        if !paths.contains(&p) {
            paths.push(p);
        }
    }
}

/// For a merge: the paths where its other parents keep the plan `id`, for each that has it
/// at none of `paths` (that parent's branch moved it).
fn elsewhere_in_sides(repo: &Repo, commit: ObjectId, paths: &[String], id: &str) -> anyhow::Result<Vec<String>> {
    let mut out = Vec::new();
    for side in repo.parents(commit)?.into_iter().skip(1) {
        // Kept at a path followed: a file there that names the product (another product's
        // plan may hold the path on that branch).
        let mut here = false;
        for known in paths {
            if let Some(blob) = supportplan::git::PathFollower::new(known).blob_at(repo, side)? {
                let raw = snapshot::read_blob(repo, known, blob, &side.to_hex_with_len(12).to_string())?;
                if snapshot::product_named(raw.bytes.as_deref().unwrap_or_default()).is_some_and(|p| p == id) {
                    here = true;
                    break;
                }
            }
        }
        if !here {
            let rev = supportplan::git::rev::Resolved { spec: side.to_hex_with_len(12).to_string(), id: side };
            out.extend(snapshot::path_of(repo, &rev, id).ok().flatten());
        }
    }
    Ok(out)
}

/// For a merge: keeps only the changes the merge made itself, as `git diff --cc` does by line
/// but by key: a change to a key whose new value some other parent already had came with
/// that parent (its own commit reports it). A plan that is not in the other parent, or
/// does not load there, keeps its changes.
fn own_plan_changes(repo: &Repo, id: ObjectId, plans: Vec<PlanChange>) -> anyhow::Result<Vec<PlanChange>> {
    let parents = repo.parents(id)?;
    if parents.len() < 2 {
        return Ok(plans);
    }
    // A version that is not a plan file there (a symbolic link, a submodule, too large) is
    // not compared: the merge's change is kept.
    let load = |commit: ObjectId, path: &str| -> anyhow::Result<Option<supportplan::plan::LoadedPlan>> {
        let rev = commit.to_hex_with_len(12).to_string();
        let bytes = repo.read_regular_file(commit, path, supportplan::plan::MAX_PLAN_BYTES)?;
        Ok(bytes.and_then(|b| {
            supportplan::plan::load_one(&supportplan::plan::RawPlan {
                path: path.to_owned(),
                rev: Some(rev),
                bytes: Ok(b),
            })
            .ok()
        }))
    };
    let mut out = Vec::new();
    for mut p in plans {
        let merged_path =
            p.new_path.clone().filter(|_| p.role == supportplan::diff::FileRole::Plan && p.old_path.is_some());
        let merged = match &merged_path {
            Some(path) => load(id, path)?,
            None => None,
        };
        if let (Some(path), Some(merged)) = (&merged_path, &merged) {
            for side in &parents[1..] {
                // The other parent may keep the plan at another path (one side moved it): it is
                // found there by its product.
                let theirs = match load(*side, path)?.filter(|t| t.plan.plan.product == p.product) {
                    Some(theirs) => Some((path.clone(), theirs)),
                    None => {
                        let rev =
                            supportplan::git::rev::Resolved { spec: side.to_hex_with_len(12).to_string(), id: *side };
                        match snapshot::path_of(repo, &rev, &p.product).ok().flatten() {
                            Some(there) => load(*side, &there)?.map(|t| (there, t)),
                            None => None,
                        }
                    }
                };
                let Some((their_path, theirs)) = theirs else { continue };
                let side = supportplan::diff::Side { path: &their_path, plan: &theirs };
                let differs =
                    supportplan::diff::diff_pair(Some(side), Some(supportplan::diff::Side { path, plan: merged }))
                        .map(|c| c.changes.into_iter().map(|c| c.path).collect::<std::collections::HashSet<String>>())
                        .unwrap_or_default();
                p.changes.retain(|c| differs.contains(&c.path));
            }
            if p.changes.is_empty() {
                continue;
            }
        }
        out.push(p);
    }
    Ok(out)
}

fn summarize(
    repo: &Repo,
    id: ObjectId,
    parent: Option<ObjectId>,
    changes: &[FileChange],
    records: &snapshot::RecordPaths,
    parsed: &Parsed,
    excludes: &globset::GlobSet,
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
    // Whether a file added, removed, fixed, broken or given another product may now share
    // its product with a file this commit left alone.
    let mut may_pair_anew = false;
    for ch in changes.iter().filter(|c| supportplan::config::is_plan_path(&c.path)) {
        let a = ch.old.map(|o| parsed.get(repo, &ch.path, o, &before)).transpose()?;
        let b = ch.new.map(|n| parsed.get(repo, &ch.path, n, &commit)).transpose()?;
        let product = |l: &Option<std::borrow::Cow<'_, snapshot::Loaded>>| {
            l.as_deref().and_then(|l| l.as_ref().ok()).map(|p| p.plan.plan.product.clone())
        };
        may_pair_anew |= product(&a).is_none() || product(&a) != product(&b);
        old.extend(a);
        new.extend(b);
    }
    if may_pair_anew {
        // The other files: unchanged ones, and (following one plan) the ones changed beside it.
        let others = |keep: &(dyn Fn(&supportplan::plan::RawPlan) -> bool + Sync)| {
            let all = repo.plan_changes_of(id, parent, excludes)?;
            let mut out = snapshot::unchanged_in(repo, (parent, id), (&before, &commit), excludes, &all, keep)?;
            let beside: Vec<&FileChange> = all.iter().filter(|a| !changes.iter().any(|c| c.path == a.path)).collect();
            let shared = repo.shared();
            let read = supportplan::par::map_init(
                &beside,
                || shared.local(),
                |r, ch| {
                    let a = ch.old.map(|o| snapshot::read_blob(r, &ch.path, o, &before)).transpose()?;
                    let b = ch.new.map(|n| snapshot::read_blob(r, &ch.path, n, &commit)).transpose()?;
                    anyhow::Ok(a.iter().chain(b.iter()).any(keep).then_some((a, b)))
                },
            );
            for pair in read {
                out.extend(pair?);
            }
            anyhow::Ok(out)
        };
        let found = snapshot::namesakes(old.iter().map(|c| c.as_ref()), new.iter().map(|c| c.as_ref()), others)?;
        for (a, b) in found {
            old.extend(a.map(std::borrow::Cow::Owned));
            new.extend(b.map(std::borrow::Cow::Owned));
        }
    }
    let (old, new): (Vec<&snapshot::Loaded>, Vec<&snapshot::Loaded>) =
        (old.iter().map(|c| c.as_ref()).collect(), new.iter().map(|c| c.as_ref()).collect());
    // A plan that does not load at some commit is reported, not skipped.
    let mut problems: Vec<String> = old
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
    let mut plans = snapshot::compare_plan_refs(&old, &new, &before, &commit, None);
    // Files that load but cannot be paired (two naming one product) are problems too.
    let failed: Vec<&str> =
        old.iter().chain(new.iter()).filter_map(|p| p.as_ref().err()).map(|f| f.source.path.as_str()).collect();
    for p in plans.iter().filter(|p| p.status == supportplan::diff::PlanStatus::DoesNotLoad) {
        if !p.new_path.as_deref().is_some_and(|path| failed.contains(&path)) {
            problems.extend(p.changes.iter().filter_map(|c| c.reason.as_ref()).map(|r| format!("{}: {r}", p.product)));
        }
    }
    plans.retain(|p| p.status != supportplan::diff::PlanStatus::DoesNotLoad);
    plans.extend(out);
    Ok((plans, problems))
}
