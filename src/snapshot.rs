//! Plans as of a side of a comparison: a commit (read from git objects, no checkout) or the
//! work tree. Loads only what a comparison needs and pairs plans by product id.

use std::collections::BTreeMap;

use anyhow::Context as _;

use crate::config::{CONFIG_PATH, Config, is_plan_path};
use crate::diff::{FileRole, PlanChange, Side, diff_pair};
use crate::git::{FileChange, ObjectId, Repo, rev::Resolved, tree::Skipped};
use crate::plan::{LoadFailure, LoadedPlan, MAX_PLAN_BYTES, RawPlan, load_many, load_one};
use crate::workspace;

pub type Loaded = Result<LoadedPlan, LoadFailure>;

/// The repository config as committed at a revision (an old tag is judged by its own rules).
pub fn config_at(repo: &Repo, rev: &Resolved) -> anyhow::Result<Config> {
    match repo.read_path(rev.id, CONFIG_PATH, 256 * 1024)? {
        Some(bytes) => {
            let text =
                String::from_utf8(bytes).with_context(|| format!("{CONFIG_PATH} at {} is not UTF-8", rev.spec))?;
            Config::parse(&text, &format!("{CONFIG_PATH} at {}", rev.spec))
        }
        None => Ok(Config::default()),
    }
}

/// The config for finding plans in a comparison: a config that does not load there is itself
/// reported (it is one of the gate's files, see [`record_changes`]), and discovery falls back
/// to the defaults, so every plan is still compared.
pub fn discovery_config(repo: &Repo, rev: &Resolved) -> Config {
    config_at(repo, rev).unwrap_or_default()
}

/// Reads one plan blob (not yet parsed).
pub fn read_blob(repo: &Repo, path: &str, id: ObjectId, rev: &str) -> anyhow::Result<RawPlan> {
    let bytes = repo.read_blob(id, &format!("{path} at {rev}"), MAX_PLAN_BYTES)?;
    Ok(RawPlan { path: path.to_owned(), rev: Some(rev.to_owned()), bytes })
}

/// Reads and loads one plan blob.
pub fn load_blob(repo: &Repo, path: &str, id: ObjectId, rev: &str) -> anyhow::Result<Loaded> {
    load_many(vec![read_blob(repo, path, id, rev)?]).pop().context("loading a plan returned nothing")
}

/// Every plan at a revision, in path order, with what discovery skipped. The tree walk (here)
/// hands each plan file over as it finds it; the other cores read and parse them meanwhile.
pub fn plans_at(repo: &Repo, rev: &Resolved) -> anyhow::Result<(Vec<Loaded>, Vec<Skipped>)> {
    each_plan_at(repo, rev, |r, f| read_blob(r, &f.path, f.id, &rev.spec).map(|raw| load_one(&raw)))
}

/// `each` of every plan file at a revision, in path order, with what discovery skipped: the
/// tree walk hands each file over as it finds it, and the other cores run `each` meanwhile
/// (with a repository handle of their own). The first error, in path order, is the answer.
pub fn each_plan_at<R: Send>(
    repo: &Repo,
    rev: &Resolved,
    each: impl Fn(&mut Repo, &crate::git::TreeFile) -> anyhow::Result<R> + Sync,
) -> anyhow::Result<(Vec<R>, Vec<Skipped>)> {
    let config = config_at(repo, rev)?;
    let mut skipped = Vec::new();
    let produce = |give: &mut dyn FnMut(crate::git::TreeFile)| {
        skipped = repo.each_file_where(rev.id, &config.excludes(), &is_plan_path, give)?;
        anyhow::Ok(())
    };
    let shared = repo.shared();
    let read = |r: &mut Repo, f: crate::git::TreeFile| {
        let done = each(r, &f);
        (f.path, done)
    };
    let mut done = crate::par::map_produced_init(produce, || shared.local(), read)?;
    // In path order, as reading the sorted list of files gave them (and its first error).
    done.sort_by(|a, b| a.0.cmp(&b.0));
    let done = done.into_iter().map(|(_, d)| d).collect::<anyhow::Result<Vec<_>>>()?;
    Ok((done, skipped))
}

/// The path of the plan whose product is `id` at a revision (one that loads), found without
/// parsing the plans that plainly name another product.
pub fn path_of(repo: &Repo, rev: &Resolved, id: &str) -> anyhow::Result<Option<String>> {
    let config = config_at(repo, rev)?;
    let (files, _) = repo.plan_files(rev.id, &config.excludes())?;
    // Read and scanned on all cores.
    let shared = repo.shared();
    let maybe = crate::par::map_init(
        &files,
        || shared.local(),
        |r, f| {
            let raw = read_blob(r, &f.path, f.id, &rev.spec)?;
            anyhow::Ok(raw.bytes.as_deref().ok().and_then(quick_product).is_none_or(|p| p == id).then_some(raw))
        },
    );
    let maybe: Vec<RawPlan> = maybe.into_iter().filter_map(anyhow::Result::transpose).collect::<anyhow::Result<_>>()?;
    let paths: Vec<String> = load_many(maybe)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|p| p.plan.plan.product == id)
        .map(|p| p.source.path)
        .collect();
    anyhow::ensure!(
        paths.len() < 2,
        "`{id}` is the product of {} at {}: one product, one plan (`plan check --rev {}` shows it)",
        paths.join(" and "),
        rev.describe(),
        rev.spec
    );
    Ok(paths.into_iter().next())
}

/// The product id a plan file names, by its `product` line or the parts of it that parse,
/// read as UTF-8 with invalid bytes replaced (a plan broken by its encoding still names its
/// product): for following a plan, never for judging one.
pub fn product_named(bytes: &[u8]) -> Option<String> {
    let text = String::from_utf8_lossy(bytes);
    quick_product(text.as_bytes()).map(str::to_owned).or_else(|| salvage_product(text.as_bytes()))
}

/// The path of the one plan file at a revision that names the product `id` though it does
/// not load (by its `product` line, or the parts of it that parse): where a broken plan is.
pub fn path_naming(repo: &Repo, rev: &Resolved, id: &str) -> anyhow::Result<Option<String>> {
    let config = config_at(repo, rev)?;
    let (files, _) = repo.plan_files(rev.id, &config.excludes())?;
    let mut found = Vec::new();
    for f in files {
        let raw = read_blob(repo, &f.path, f.id, &rev.spec)?;
        let Ok(bytes) = raw.bytes.as_deref() else { continue };
        if product_named(bytes).is_some_and(|p| p == id) {
            found.push(f.path);
        }
    }
    Ok(if found.len() == 1 { found.pop() } else { None })
}

/// The product ids of the plans that load on one side.
pub fn products_at(repo: &Repo, side: &Endpoint) -> anyhow::Result<Vec<String>> {
    let loaded = match side {
        Endpoint::Commit(rev) => {
            // Most plans name their product plainly: only the others are parsed.
            let config = config_at(repo, rev)?;
            let (files, _) = repo.plan_files(rev.id, &config.excludes())?;
            let mut products = Vec::new();
            let mut unclear = Vec::new();
            for f in &files {
                let raw = read_blob(repo, &f.path, f.id, &rev.spec)?;
                match raw.bytes.as_deref().ok().and_then(quick_product) {
                    Some(p) => products.push(p.to_owned()),
                    None => unclear.push(raw),
                }
            }
            let parsed = load_many(unclear).into_iter().filter_map(Result::ok).map(|p| p.plan.plan.product);
            products.extend(parsed);
            return Ok(products);
        }
        Endpoint::WorkTree => {
            let root = repo.work_dir().context("a bare repository has no work tree")?;
            let config = workspace::read_config(&root)?;
            workspace::load_files(&root, &workspace::discover(&root, &config)?.0)?
        }
    };
    Ok(loaded.into_iter().filter_map(Result::ok).map(|p| p.plan.plan.product).collect())
}

/// One side of a comparison.
pub enum Endpoint {
    Commit(Resolved),
    WorkTree,
}

impl Endpoint {
    pub fn label(&self) -> String {
        match self {
            Endpoint::Commit(r) => r.describe(),
            Endpoint::WorkTree => "work tree".into(),
        }
    }
}

/// Plans that may differ between the two sides, both loaded (or failed to load).
#[derive(Default)]
pub struct Candidates {
    pub old: Vec<Loaded>,
    pub new: Vec<Loaded>,
    pub skipped: Vec<Skipped>,
    /// Changed files already diffed as they were read ([`candidates_for`] with `settle`):
    /// they are on both sides, in neither `old` nor `new`.
    pub settled: Vec<Settled>,
    /// How many of `old` and `new` are changed files; the rest are their namesakes.
    changed: [usize; 2],
}

/// A changed plan file that loaded on both sides naming the same product, diffed as soon as
/// both sides were read, so that its two parsed plans need not be held: a diff of every plan
/// holds the changes, not hundreds of plans.
pub struct Settled {
    pub path: String,
    pub product: String,
    /// What changed, if anything did.
    pub change: Option<PlanChange>,
    /// The gate's files each side's plan names, for [`RecordPaths`].
    records: [Vec<(String, FileRole)>; 2],
}

impl Settled {
    fn of(path: String, old: &LoadedPlan, new: &LoadedPlan) -> Settled {
        let side = |p| Side { path: &path, plan: p };
        let change = diff_pair(Some(side(old)), Some(side(new))).filter(|c| !c.changes.is_empty());
        let records = [RecordPaths::templates(&old.plan), RecordPaths::templates(&new.plan)];
        Settled { product: new.plan.plan.product.clone(), path, change, records }
    }
}

/// A changed file as read: its sides, or settled. Moved once, from a worker to the result
/// list, so the plans' size is not worth a box each.
#[allow(clippy::large_enum_variant)]
enum Read {
    Sides(Option<Loaded>, Option<Loaded>),
    Settled(Settled),
}

/// A file of one side of [`Candidates`]: loaded (or not), or settled.
#[derive(Clone, Copy)]
pub enum SideFile<'a> {
    Loaded(&'a Loaded),
    Settled(&'a Settled),
}

impl<'a> SideFile<'a> {
    fn path(&self) -> &'a str {
        match *self {
            SideFile::Loaded(Ok(p)) => &p.source.path,
            SideFile::Loaded(Err(f)) => &f.source.path,
            SideFile::Settled(s) => &s.path,
        }
    }

    fn loaded(&self) -> Option<&'a Loaded> {
        match *self {
            SideFile::Loaded(p) => Some(p),
            SideFile::Settled(_) => None,
        }
    }

    /// The file's product, when it takes part in the pairing (it loaded).
    fn product(&self) -> Option<&'a str> {
        match *self {
            SideFile::Loaded(Ok(p)) => Some(&p.plan.plan.product),
            SideFile::Loaded(Err(_)) => None,
            SideFile::Settled(s) => Some(&s.product),
        }
    }
}

impl Candidates {
    /// One side's files in the order they were read: the changed files by path, settled ones
    /// among them, then the namesakes.
    pub fn side(&self, new: bool) -> Vec<SideFile<'_>> {
        let (set, changed) = if new { (&self.new, self.changed[1]) } else { (&self.old, self.changed[0]) };
        let mut files: Vec<SideFile> = set[..changed.min(set.len())].iter().map(SideFile::Loaded).collect();
        if !self.settled.is_empty() {
            files.extend(self.settled.iter().map(SideFile::Settled));
            files.sort_by(|a, b| a.path().cmp(b.path()));
        }
        files.extend(set[changed.min(set.len())..].iter().map(SideFile::Loaded));
        files
    }

    /// How many files each side holds (settled ones included).
    pub fn counts(&self) -> [usize; 2] {
        [self.old.len() + self.settled.len(), self.new.len() + self.settled.len()]
    }
}

/// The product id a plan file names, found without parsing it: the `product = "…"` line of
/// its `[plan]` table, written the plain way (a basic string without escapes). `None` when
/// the file says it any other way (or not at all): then only parsing can tell.
pub fn quick_product(bytes: &[u8]) -> Option<&str> {
    use memchr::memmem;
    let text = std::str::from_utf8(bytes).ok()?;
    // In a multi-line string a line is no statement: only the parser can tell.
    if memmem::find(bytes, b"\"\"\"").is_some() || memmem::find(bytes, b"\'\'\'").is_some() {
        return None;
    }
    // The line around a byte offset, as (start, end) offsets.
    let line_at = |at: usize| {
        let from = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
        (from, memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i))
    };
    // Table headers (lines that start with `[`), in order: where each starts, and whether it
    // opens `[plan]`.
    let headers: Vec<(usize, bool)> = memchr::memchr_iter(b'[', bytes)
        .filter_map(|at| {
            let (from, to) = line_at(at);
            text[from..at].trim().is_empty().then(|| (from, text[from..to].trim() == "[plan]"))
        })
        .collect();
    let mut found = None;
    let mut seen = None;
    // Only the lines where the word occurs (a few in a file) can say it.
    for at in memmem::find_iter(bytes, b"product") {
        let (from, to) = line_at(at);
        if seen.replace(from) == Some(from) {
            continue;
        }
        let line = text[from..to].trim();
        if line.starts_with('[') {
            continue;
        }
        let before = headers.partition_point(|(h, _)| *h < from);
        let in_plan = before > 0 && headers[before - 1].1;
        // The key of a `key = value` line (a line of a multi-line array has none that counts).
        let Some((key, value)) = line.split_once('=') else { continue };
        let key = key.trim();
        if !key.contains("product") {
            continue;
        }
        // `plan.product = …` at the top, `"product" = …`, a key that merely contains the word:
        // the parser decides.
        if !in_plan || key != "product" {
            if in_plan || key.starts_with("plan") {
                return None;
            }
            continue;
        }
        let value = value.trim_start().strip_prefix('"')?;
        let end = value.find('"')?;
        let (id, after) = (&value[..end], value[end + 1..].trim_start());
        if id.contains('\\') || !(after.is_empty() || after.starts_with('#')) || found.is_some() {
            return None;
        }
        found = Some(id);
    }
    found
}

/// The product id a plan file that does not load names, read from the parts of it that do:
/// each table (from its header to the next) is parsed on its own, and a `plan.product`
/// found in exactly one way is the answer. For following a plan across a move made while it
/// was broken; `None` when nothing, or more than one id, can be read.
pub fn salvage_product(bytes: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(bytes).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut starts = vec![0];
    let mut at = 0;
    for line in text.split_inclusive('\n') {
        if at > 0 && line.trim_start().starts_with('[') {
            starts.push(at);
        }
        at += line.len();
    }
    starts.push(text.len());
    let mut found: Vec<String> = starts
        .windows(2)
        .filter_map(|w| toml::from_str::<toml::Table>(&text[w[0]..w[1]]).ok())
        .filter_map(|t| t.get("plan")?.get("product")?.as_str().map(str::to_owned))
        .collect();
    found.dedup();
    (found.len() == 1).then(|| found.remove(0))
}

/// Loads the plans that can differ between `base` and `head`: for two commits, only the
/// plan files whose blobs differ; against the work tree, files whose bytes differ.
pub fn candidates(repo: &Repo, base: &Resolved, head: &Endpoint) -> anyhow::Result<Candidates> {
    candidates_for(repo, base, head, None, false)
}

/// [`candidates`], for one product id when `only` is given: a changed file is read, and parsed
/// only when either side of it may be that plan ([`quick_product`] says so, or cannot tell),
/// so `--plan` costs one plan's parse, not every changed plan's. With `settle`, a changed
/// file between two commits that loads on both sides naming the same product is diffed as it
/// is read and kept as [`Settled`] (for [`compare_candidates`]), not as two plans.
pub fn candidates_for(
    repo: &Repo,
    base: &Resolved,
    head: &Endpoint,
    only: Option<&str>,
    settle: bool,
) -> anyhow::Result<Candidates> {
    let may_be = |raw: &RawPlan| match (&raw.bytes, only) {
        (_, None) => true,
        (Ok(bytes), Some(id)) => quick_product(bytes).is_none_or(|p| p == id),
        (Err(_), Some(_)) => true,
    };
    match head {
        Endpoint::Commit(h) => {
            // A side whose config does not load finds plans by the other side's rules (the
            // broken config is reported itself, and invents no added or removed plan).
            let (base_config, config) = match (config_at(repo, base), config_at(repo, h)) {
                (Ok(a), Ok(b)) => (a, b),
                (Ok(a), Err(_)) => (a.clone(), a),
                (Err(_), Ok(b)) => (b.clone(), b),
                (Err(_), Err(_)) => Default::default(),
            };
            let excludes = config.excludes();
            let same_rules = base_config.discovery.exclude == config.discovery.exclude;
            if same_rules && only.is_none() {
                // Every changed plan: the tree walk (here) hands each changed plan file over as
                // it finds it, and the other cores read and parse both sides meanwhile.
                let mut changes = Vec::new();
                let produce = |give: &mut dyn FnMut(FileChange)| {
                    repo.each_changed_file(base.id, h.id, &mut |ch| {
                        if is_plan_path(&ch.path) && !crate::git::tree::excluded_at(&excludes, &ch.path) {
                            changes.push(ch.clone());
                            give(ch.clone());
                        }
                    })
                };
                let shared = repo.shared();
                let read = |r: &mut Repo, ch: FileChange| {
                    let side = |id: Option<ObjectId>, rev: &str| {
                        id.map(|id| read_blob(r, &ch.path, id, rev).map(|raw| load_one(&raw))).transpose()
                    };
                    let sides = side(ch.old, &base.spec).and_then(|old| Ok((old, side(ch.new, &h.spec)?)));
                    let sides = sides.map(|sides| match sides {
                        (Some(Ok(a)), Some(Ok(b))) if settle && a.plan.plan.product == b.plan.plan.product => {
                            // Both parsed plans are dropped here, on this core.
                            Read::Settled(Settled::of(ch.path.clone(), &a, &b))
                        }
                        (a, b) => Read::Sides(a, b),
                    });
                    (ch.path, sides)
                };
                let mut loaded = crate::par::map_produced_init(produce, || shared.local(), read)?;
                // In path order, as a walk of the sorted changes would have read them.
                loaded.sort_by(|a, b| a.0.cmp(&b.0));
                changes.sort_by(|a, b| a.path.cmp(&b.path));
                let mut c = Candidates::default();
                for (_, sides) in loaded {
                    match sides? {
                        Read::Sides(a, b) => {
                            c.old.extend(a);
                            c.new.extend(b);
                        }
                        Read::Settled(settled) => c.settled.push(settled),
                    }
                }
                return c.with_namesakes(|keep| {
                    unchanged_in(repo, (Some(base.id), h.id), (&base.spec, &h.spec), &excludes, &changes, keep)
                });
            }
            let changes = if same_rules {
                // By the walk the namesakes' search reuses (what both trees share).
                let mut changes = Vec::new();
                repo.each_changed_file(base.id, h.id, &mut |ch| {
                    if is_plan_path(&ch.path) && !crate::git::tree::excluded_at(&excludes, &ch.path) {
                        changes.push(ch.clone());
                    }
                })?;
                changes.sort_by(|a, b| a.path.cmp(&b.path));
                changes
            } else {
                // The sides find plans by different rules: each side's plans by its own, so a
                // file a side starts or stops excluding is added or removed there.
                let (a, _) = repo.plan_files(base.id, &base_config.excludes())?;
                let (b, _) = repo.plan_files(h.id, &excludes)?;
                let mut by_path: BTreeMap<String, (Option<ObjectId>, Option<ObjectId>)> = BTreeMap::new();
                for f in a {
                    by_path.entry(f.path).or_default().0 = Some(f.id);
                }
                for f in b {
                    by_path.entry(f.path).or_default().1 = Some(f.id);
                }
                by_path
                    .into_iter()
                    .filter(|(_, (old, new))| old != new)
                    .map(|(path, (old, new))| crate::git::FileChange { path, old, new })
                    .collect()
            };
            if only.is_none() {
                let produce = |give: &mut dyn FnMut((bool, RawPlan))| -> anyhow::Result<()> {
                    for ch in &changes {
                        if let Some(id) = ch.old {
                            give((false, read_blob(repo, &ch.path, id, &base.spec)?));
                        }
                        if let Some(id) = ch.new {
                            give((true, read_blob(repo, &ch.path, id, &h.spec)?));
                        }
                    }
                    Ok(())
                };
                let loaded = crate::par::map_produced(produce, |(is_new, raw)| (is_new, load_one(&raw)))?;
                let (new, old): (Vec<_>, Vec<_>) = loaded.into_iter().partition(|(is_new, _)| *is_new);
                let strip = |v: Vec<(bool, Loaded)>| v.into_iter().map(|(_, l)| l).collect();
                let c = Candidates { old: strip(old), new: strip(new), ..Default::default() };
                return c.with_namesakes(|keep| {
                    unchanged_in(repo, (Some(base.id), h.id), (&base.spec, &h.spec), &excludes, &changes, keep)
                });
            }
            let (mut old, mut new) = (Vec::new(), Vec::new());
            for ch in &changes {
                let a = ch.old.map(|id| read_blob(repo, &ch.path, id, &base.spec)).transpose()?;
                let b = ch.new.map(|id| read_blob(repo, &ch.path, id, &h.spec)).transpose()?;
                if a.iter().chain(b.iter()).any(may_be) {
                    old.extend(a);
                    new.extend(b);
                }
            }
            let n = old.len();
            let mut all = load_many(old.into_iter().chain(new).collect());
            let new = all.split_off(n);
            let c = Candidates { old: all, new, ..Default::default() };
            c.with_namesakes(|keep| {
                unchanged_in(repo, (Some(base.id), h.id), (&base.spec, &h.spec), &excludes, &changes, keep)
            })
        }
        Endpoint::WorkTree => {
            let root = repo
                .work_dir()
                .context("this is a bare repository: there is no work tree to compare; give two revisions")?;
            let config = workspace::read_config(&root).unwrap_or_default();
            let base_config = discovery_config(repo, base);
            let (files, mut skipped) = repo.plan_files(base.id, &base_config.excludes())?;
            let (on_disk, links) = workspace::discover(&root, &config)?;
            skipped.extend(links);
            let mut base_raw: BTreeMap<String, RawPlan> = BTreeMap::new();
            for f in &files {
                base_raw.insert(f.path.clone(), read_blob(repo, &f.path, f.id, &base.spec)?);
            }
            let mut new = Vec::new();
            let mut unchanged = Vec::new();
            for path in &on_disk {
                let disk = workspace::read_file(&root, path)?;
                let same =
                    matches!((&disk.bytes, base_raw.get(path).map(|r| &r.bytes)), (Ok(d), Some(Ok(b))) if d == b);
                if same {
                    base_raw.remove(path);
                    unchanged.push(disk);
                } else {
                    new.push(disk);
                }
            }
            let mut old: Vec<RawPlan> = base_raw.into_values().collect();
            if only.is_some() {
                // A path stays when either side of it may be the plan asked for.
                let keep: std::collections::BTreeSet<String> =
                    old.iter().chain(new.iter()).filter(|r| may_be(r)).map(|r| r.path.clone()).collect();
                old.retain(|r| keep.contains(&r.path));
                new.retain(|r| keep.contains(&r.path));
            }
            let n = old.len();
            let mut all = load_many(old.into_iter().chain(new).collect());
            let new = all.split_off(n);
            Candidates { old: all, new, skipped, ..Default::default() }.with_namesakes(|keep| {
                Ok(unchanged.into_iter().filter(|r| keep(r)).map(|r| both_sides(r, &base.spec)).collect())
            })
        }
    }
}

/// A file's two sides, as read: (old, new).
pub type RawPair = (Option<RawPlan>, Option<RawPlan>);

/// The plan files at `commit` that a comparison with `changes` leaves unchanged and that
/// `keep` accepts, as (old copy labelled `old_rev`, copy labelled `rev`). They are read and
/// judged on all cores. Given the commit compared with (`base`), only the subtrees the two
/// share are walked (the rest is known from their diff).
pub fn unchanged_in(
    repo: &Repo,
    (base, commit): (Option<ObjectId>, ObjectId),
    (old_rev, rev): (&str, &str),
    excludes: &globset::GlobSet,
    changes: &[crate::git::FileChange],
    keep: &(dyn Fn(&RawPlan) -> bool + Sync),
) -> anyhow::Result<Vec<RawPair>> {
    let changed: std::collections::HashSet<&str> = changes.iter().map(|c| c.path.as_str()).collect();
    let files = match base {
        Some(base) => repo.unchanged_plan_files(base, commit, excludes)?,
        None => repo.plan_files(commit, excludes)?.0,
    };
    let files: Vec<_> = files.into_iter().filter(|f| !changed.contains(f.path.as_str())).collect();
    let shared = repo.shared();
    let read = crate::par::map_init(
        &files,
        || shared.local(),
        |r, f| Ok(Some(read_blob(r, &f.path, f.id, rev)?).filter(|raw| keep(raw)).map(|raw| both_sides(raw, old_rev))),
    );
    read.into_iter().filter_map(anyhow::Result::transpose).collect()
}

/// An unchanged file on both sides: the old copy labelled `old_rev`.
pub fn both_sides(raw: RawPlan, old_rev: &str) -> RawPair {
    let old = RawPlan { path: raw.path.clone(), rev: Some(old_rev.to_owned()), bytes: raw.bytes.clone() };
    (Some(old), Some(raw))
}

/// A file left unchanged can still name the product of a changed one: a second file added for
/// a product, or a file's product renamed to another's. A side then holds two files for it,
/// which [`compare_plan_refs`] reports as not loading, provided both are compared. So this
/// loads the other files that name a product a changed file names (`old` or `new`), to join
/// the candidates of their sides. `others` reads the other files (as [`unchanged_in`] does)
/// and keeps those where the test it is given accepts a side: a scan with [`quick_product`],
/// or a parse where the scan cannot tell. Nothing is read when no changed plan loads.
pub fn namesakes<'p>(
    old: impl IntoIterator<Item = &'p Loaded>,
    new: impl IntoIterator<Item = &'p Loaded>,
    others: impl FnOnce(&(dyn Fn(&RawPlan) -> bool + Sync)) -> anyhow::Result<Vec<RawPair>>,
) -> anyhow::Result<Vec<(Option<Loaded>, Option<Loaded>)>> {
    let products = old.into_iter().chain(new).filter_map(|p| p.as_ref().ok()).map(|p| p.plan.plan.product.as_str());
    namesakes_of(products.collect(), others)
}

/// [`namesakes`] of the products given.
fn namesakes_of(
    products: std::collections::HashSet<&str>,
    others: impl FnOnce(&(dyn Fn(&RawPlan) -> bool + Sync)) -> anyhow::Result<Vec<RawPair>>,
) -> anyhow::Result<Vec<(Option<Loaded>, Option<Loaded>)>> {
    if products.is_empty() {
        return Ok(Vec::new());
    }
    let names = |raw: &RawPlan| match raw.bytes.as_deref().ok().and_then(quick_product) {
        Some(p) => products.contains(p),
        None => load_one(raw).is_ok_and(|p| products.contains(p.plan.plan.product.as_str())),
    };
    let found = others(&names)?;
    Ok(found.into_iter().map(|(a, b)| (a.as_ref().map(load_one), b.as_ref().map(load_one))).collect())
}

impl Candidates {
    /// Adds the [`namesakes`] to their sides (of the settled files' products too).
    fn with_namesakes(
        mut self,
        others: impl FnOnce(&(dyn Fn(&RawPlan) -> bool + Sync)) -> anyhow::Result<Vec<RawPair>>,
    ) -> anyhow::Result<Candidates> {
        self.changed = [self.old.len(), self.new.len()];
        let loaded = self.old.iter().chain(&self.new).filter_map(|p| p.as_ref().ok()).map(|p| &p.plan.plan.product);
        let products = loaded.chain(self.settled.iter().map(|s| &s.product)).map(String::as_str).collect();
        let found = namesakes_of(products, others)?;
        for (old, new) in found {
            self.old.extend(old);
            self.new.extend(new);
        }
        Ok(self)
    }
}

/// Plans that failed to load on either side.
pub fn failures(c: &Candidates) -> Vec<&LoadFailure> {
    c.old.iter().chain(c.new.iter()).filter_map(|p| p.as_ref().err()).collect()
}

/// Pairs a side's files by product id and diffs each pair (a settled file brings its diff);
/// unchanged pairs are dropped. Each product has at most one file on a side here.
fn pair<'a>(old: &[Named<'a>], new: &[Named<'a>]) -> Vec<PlanChange> {
    let mut products: Vec<&str> = old.iter().chain(new.iter()).map(|f| f.0).collect();
    products.sort();
    products.dedup();
    // By product id, the first file that names it (as a search from the start would find).
    let by_id = |set: &[Named<'a>]| {
        let mut map: BTreeMap<&'a str, SideFile<'a>> = BTreeMap::new();
        for (product, _, file) in set.iter().rev() {
            map.insert(*product, *file);
        }
        map
    };
    let (old, new) = (by_id(old), by_id(new));
    crate::par::map(&products, |id| {
        let (a, b) = (old.get(id).copied(), new.get(id).copied());
        if let (Some(SideFile::Settled(s)), _) | (_, Some(SideFile::Settled(s))) = (a, b) {
            // A settled file is on both sides, and the only file of its product on either
            // (a second one would have made the product appear twice).
            debug_assert!(matches!((a, b), (Some(SideFile::Settled(_)), Some(SideFile::Settled(_)))));
            return s.change.clone();
        }
        let side = |f: Option<SideFile<'a>>| match f {
            Some(SideFile::Loaded(Ok(p))) => Some(Side { path: &p.source.path, plan: p }),
            _ => None,
        };
        diff_pair(side(a), side(b))
    })
    .into_iter()
    .flatten()
    .filter(|c| !c.changes.is_empty())
    .collect()
}

/// A file of a side that takes part in the pairing: (product, path, file).
type Named<'a> = (&'a str, &'a str, SideFile<'a>);

/// Plans of both sides paired and diffed, with a plan that does not load on a side reported
/// as such (never as removed or added: its path is left out of the pairing on both sides).
/// `only` keeps one product id. The plans are borrowed (a cache of parsed plans shared by
/// many commits).
pub fn compare_plan_refs(
    old: &[&Loaded],
    new: &[&Loaded],
    old_label: &str,
    new_label: &str,
    only: Option<&str>,
) -> Vec<PlanChange> {
    let old: Vec<SideFile> = old.iter().map(|p| SideFile::Loaded(p)).collect();
    let new: Vec<SideFile> = new.iter().map(|p| SideFile::Loaded(p)).collect();
    compare_files(&old, &new, old_label, new_label, only)
}

/// [`compare_plan_refs`] of [`Candidates`], settled files included.
pub fn compare_candidates(c: &Candidates, old_label: &str, new_label: &str, only: Option<&str>) -> Vec<PlanChange> {
    compare_files(&c.side(false), &c.side(true), old_label, new_label, only)
}

fn compare_files<'a>(
    old: &[SideFile<'a>],
    new: &[SideFile<'a>],
    old_label: &str,
    new_label: &str,
    only: Option<&str>,
) -> Vec<PlanChange> {
    let loaded_old: Vec<&Loaded> = old.iter().filter_map(SideFile::loaded).collect();
    let loaded_new: Vec<&Loaded> = new.iter().filter_map(SideFile::loaded).collect();
    let failed: Vec<&str> = loaded_old
        .iter()
        .chain(loaded_new.iter())
        .filter_map(|p| p.as_ref().err())
        .map(|f| f.source.path.as_str())
        .collect();
    let named = |set: &[SideFile<'a>]| -> Vec<Named<'a>> {
        let named = set.iter().filter_map(|f| Some((f.product()?, f.path(), *f)));
        named.filter(|(product, path, _)| !failed.contains(path) && only.is_none_or(|id| *product == id)).collect()
    };
    let (a, b) = (named(old), named(new));
    // Two files naming one product on a side cannot be paired: whichever were taken, the
    // other could hide a weakened commitment. Both are reported as not loading (breaking),
    // and the product is left out of the pairing.
    let mut twice = Vec::new();
    for (set, label) in [(&a, old_label), (&b, new_label)] {
        let mut by_product: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (product, path, _) in set.iter() {
            by_product.entry(product).or_default().push(path);
        }
        for (product, paths) in by_product.into_iter().filter(|(_, paths)| paths.len() > 1) {
            for path in &paths {
                let others: Vec<&str> = paths.iter().filter(|p| *p != path).copied().collect();
                let error = format!(
                    "{path}: product `{product}` is also the product of {}: one product, one plan",
                    others.join(", ")
                );
                twice.push((product.to_owned(), crate::diff::unreadable(FileRole::Plan, path, label, vec![error])));
            }
        }
    }
    let paired = |f: &Named| !twice.iter().any(|(id, _)| id == f.0);
    let a: Vec<Named> = a.into_iter().filter(paired).collect();
    let b: Vec<Named> = b.into_iter().filter(paired).collect();
    let mut out = pair(&a, &b);
    out.extend(twice.into_iter().map(|(_, change)| change));
    // With `--plan`, a file that does not load counts when the other side's plan there is it.
    let concerns = |path: &str| {
        only.is_none_or(|id| old.iter().chain(new.iter()).any(|f| f.path() == path && f.product() == Some(id)))
    };
    for (set, label) in [(&loaded_old, old_label), (&loaded_new, new_label)] {
        for f in set.iter().filter_map(|p| p.as_ref().err()).filter(|f| concerns(&f.source.path)) {
            out.push(crate::diff::does_not_load(f, label));
        }
    }
    out
}

/// Where the gate's own files live, by role: the repository config, the default waiver file
/// and record folders under `.support-plan/`, and the waiver file and record templates of the
/// plans given (`{version}` stands for any version).
pub struct RecordPaths {
    /// One set for every place (hundreds of plans share a few templates), matched in one
    /// pass; `roles[i]` is the role of the set's i-th glob.
    set: globset::GlobSet,
    roles: Vec<FileRole>,
    /// What every path a glob of the set matches starts with (each glob's text up to its
    /// first special character); `None` when a glob starts with one.
    prefixes: Option<Vec<String>>,
}

impl RecordPaths {
    pub fn of<'a>(plans: impl IntoIterator<Item = &'a LoadedPlan>) -> RecordPaths {
        Self::of_templates(plans.into_iter().flat_map(|p| Self::templates(&p.plan)))
    }

    /// Of the files of both sides of [`Candidates`] (settled ones included), old side first.
    pub fn of_candidates(c: &Candidates) -> RecordPaths {
        let side = |new: bool| {
            c.side(new).into_iter().flat_map(move |f| match f {
                SideFile::Loaded(Ok(p)) => Self::templates(&p.plan),
                SideFile::Loaded(Err(_)) => Vec::new(),
                SideFile::Settled(s) => s.records[usize::from(new)].clone(),
            })
        };
        Self::of_templates(side(false).chain(side(true)))
    }

    /// The gate's files one plan names: its waiver file and record templates.
    fn templates(p: &crate::plan::Plan) -> Vec<(String, FileRole)> {
        use crate::plan::{Measure, ReleaseStep};
        let mut paths = vec![(p.gate.waiver_file.clone(), FileRole::Waivers)];
        for step in p.release_process.steps.values() {
            match step {
                ReleaseStep::Approval { record, .. } => paths.push((record.clone(), FileRole::Approval)),
                ReleaseStep::Attestation { record, .. } => paths.push((record.clone(), FileRole::Attestation)),
                _ => {}
            }
        }
        for c in p.acceptance.criteria.values() {
            if let Measure::Attestation { record, .. } = &c.measure {
                paths.push((record.clone(), FileRole::Attestation));
            }
        }
        paths
    }

    fn of_templates(templates: impl IntoIterator<Item = (String, FileRole)>) -> RecordPaths {
        use crate::gate::DEFAULT_APPROVAL_RECORD;
        let mut paths: Vec<(String, FileRole)> = vec![
            (CONFIG_PATH.into(), FileRole::Config),
            (".support-plan/waivers.toml".into(), FileRole::Waivers),
            (DEFAULT_APPROVAL_RECORD.into(), FileRole::Approval),
            (".support-plan/approvals/**".into(), FileRole::Approval),
            (".support-plan/attestations/**".into(), FileRole::Attestation),
        ];
        paths.extend(templates);
        let mut seen = std::collections::HashSet::new();
        paths.retain(|p| seen.insert(p.clone()));
        let mut builder = globset::GlobSetBuilder::new();
        let mut roles = Vec::new();
        let mut prefixes = Some(Vec::new());
        for (template, role) in paths {
            let glob = if template.ends_with("/**") {
                template
            } else {
                template.split("{version}").map(globset::escape).collect::<Vec<_>>().join("*")
            };
            if let Ok(g) = globset::GlobBuilder::new(&glob).literal_separator(true).build() {
                builder.add(g);
                roles.push(role);
                let literal = &glob[..glob.find(['*', '?', '[', ']', '{', '}', '\\']).unwrap_or(glob.len())];
                if literal.is_empty() {
                    prefixes = None;
                } else if let Some(p) = &mut prefixes {
                    p.push(literal.to_owned());
                }
            }
        }
        let set = builder.build().unwrap_or_else(|_| globset::GlobSet::empty());
        let roles = if set.is_empty() { Vec::new() } else { roles };
        RecordPaths { set, roles, prefixes }
    }

    /// The role of a repository path, if it is one of the gate's files (never a plan): the
    /// first place listed that matches.
    pub fn role(&self, path: &str) -> Option<FileRole> {
        if is_plan_path(path) {
            return None;
        }
        self.set.matches(path).into_iter().min().and_then(|i| self.roles.get(i).copied())
    }

    /// Whether a changed file may be one of the gate's files: a known place, or any other TOML
    /// file (a record can live wherever a plan's `record` or `waiver_file` points, and that
    /// plan need not have changed).
    pub fn wants(&self, path: &str) -> bool {
        // As `role(path).is_some()`, without listing which places match (this runs on every
        // file that differs between two commits).
        let may_match =
            |path: &str| self.prefixes.as_ref().is_none_or(|p| p.iter().any(|p| path.starts_with(p.as_str())));
        !is_plan_path(path) && (path.ends_with(".toml") || (may_match(path) && self.set.is_match(path)))
    }

    /// The role of a changed file: by its place, else by what it holds (either side).
    pub fn role_of(&self, path: &str, texts: [Option<&str>; 2]) -> Option<FileRole> {
        self.role(path).or_else(|| texts.into_iter().flatten().find_map(sniff))
    }
}

/// What a TOML file elsewhere in the tree is, by its top-level keys: a waiver file
/// (`[waivers.<id>]` with `check` and `expires`), an approval record (`version` with `steps`
/// or `plan_change`), an attestation (`by`, `date`, `statement`).
fn sniff(text: &str) -> Option<FileRole> {
    let doc: toml::Table = toml::from_str(text).ok()?;
    let waiver_like =
        |v: &toml::Value| v.as_table().is_some_and(|t| t.contains_key("check") && t.contains_key("expires"));
    if doc.get("waivers").and_then(|w| w.as_table()).is_some_and(|w| !w.is_empty() && w.values().all(waiver_like)) {
        return Some(FileRole::Waivers);
    }
    if doc.contains_key("version") && (doc.contains_key("steps") || doc.contains_key("plan_change")) {
        return Some(FileRole::Approval);
    }
    (doc.len() == 3 && ["by", "date", "statement"].iter().all(|k| doc.contains_key(*k)))
        .then_some(FileRole::Attestation)
}

/// Diffs one record file between two sides, typed by its role; a side that does not parse is
/// reported as "does not load" with the file and line.
pub fn diff_record_file(
    role: FileRole,
    path: &str,
    old: Option<(&str, &str)>,
    new: Option<(&str, &str)>,
) -> Option<PlanChange> {
    use crate::gate::records::{ApprovalRecord, Attestation, WaiverFile, parse};
    fn typed<T: for<'de> serde::Deserialize<'de> + serde::Serialize>(
        role: FileRole,
        path: &str,
        old: Option<(&str, &str)>,
        new: Option<(&str, &str)>,
        absent: Option<T>,
    ) -> Option<PlanChange> {
        let read = |side: Option<(&str, &str)>| -> Result<Option<(T, String)>, (String, String)> {
            match side {
                None => Ok(None),
                Some((text, label)) => parse::<T>(text, &format!("{path} at {label}"))
                    .map(|t| Some((t, text.to_owned())))
                    .map_err(|e| (label.to_owned(), e)),
            }
        };
        match (read(old), read(new)) {
            (Ok(a), Ok(b)) => crate::diff::diff_record(
                role,
                path,
                a.as_ref().map(|(t, text)| (t, text.as_str())),
                b.as_ref().map(|(t, text)| (t, text.as_str())),
                absent.as_ref(),
            ),
            (_, Err((label, e))) | (Err((label, e)), _) => Some(crate::diff::unreadable(role, path, &label, vec![e])),
        }
    }
    match role {
        FileRole::Waivers => typed::<WaiverFile>(role, path, old, new, None),
        FileRole::Approval => typed::<ApprovalRecord>(role, path, old, new, None),
        FileRole::Attestation => typed::<Attestation>(role, path, old, new, None),
        // No config file means the defaults.
        FileRole::Config => typed(role, path, old, new, Some(Config::default())),
        FileRole::Plan => None,
    }
}

/// The gate's own files that differ between `base` and `head`, diffed by role. A side that
/// cannot be read (over the size limit) is reported as "does not load".
pub fn record_changes(
    repo: &Repo,
    base: &Resolved,
    head: &Endpoint,
    paths: &RecordPaths,
) -> anyhow::Result<Vec<PlanChange>> {
    type Text = Option<Result<String, String>>;
    let wanted = |p: &str| paths.wants(p);
    let none = globset::GlobSet::empty();
    let limit = MAX_PLAN_BYTES;
    let read_blob = |id: ObjectId, path: &str, spec: &str| -> anyhow::Result<Text> {
        Ok(Some(match repo.read_blob(id, &format!("{path} at {spec}"), limit)? {
            Ok(bytes) => Ok(String::from_utf8_lossy(&bytes).into_owned()),
            Err(size) => Err(format!("{path} at {spec} is {size} bytes, over the {limit}-byte limit")),
        }))
    };
    let read_disk = |root: &std::path::Path, path: &str| -> Text {
        workspace::read_text(root, path, limit).map_err(|e| format!("{e:#}")).transpose()
    };
    let mut pairs: Vec<(String, Text, Text)> = Vec::new();
    let head_label = head.label();
    match head {
        Endpoint::Commit(h) => {
            // The plans' walk of the same two commits (if there was one) is not repeated.
            let mut changed = Vec::new();
            repo.each_changed_file(base.id, h.id, &mut |ch| {
                if wanted(&ch.path) {
                    changed.push(ch.clone());
                }
            })?;
            changed.sort_by(|a, b| a.path.cmp(&b.path));
            for ch in changed {
                let old = ch.old.map(|id| read_blob(id, &ch.path, &base.spec)).transpose()?.flatten();
                let new = ch.new.map(|id| read_blob(id, &ch.path, &h.spec)).transpose()?.flatten();
                pairs.push((ch.path, old, new));
            }
        }
        Endpoint::WorkTree => {
            let root = repo.work_dir().context("a bare repository has no work tree")?;
            let (at_base, _) = repo.files_where(base.id, &none, &wanted)?;
            let mut on_disk = workspace::files_where(&root, &wanted)?;
            for f in &at_base {
                let old = read_blob(f.id, &f.path, &base.spec)?;
                let new = read_disk(&root, &f.path);
                on_disk.retain(|p| p != &f.path);
                if old != new {
                    pairs.push((f.path.clone(), old, new));
                }
            }
            for p in on_disk {
                let new = read_disk(&root, &p);
                pairs.push((p, None, new));
            }
        }
    }
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    fn text(t: &Option<Result<String, String>>) -> Option<&str> {
        t.as_ref().and_then(|r| r.as_ref().ok()).map(String::as_str)
    }
    let mut out = Vec::new();
    for (path, old, new) in pairs {
        let Some(role) = paths.role_of(&path, [text(&old), text(&new)]) else { continue };
        match (&old, &new) {
            (Some(Err(e)), _) => out.push(crate::diff::unreadable(role, &path, &base.spec, vec![e.clone()])),
            (_, Some(Err(e))) => out.push(crate::diff::unreadable(role, &path, &head_label, vec![e.clone()])),
            _ => out.extend(diff_record_file(
                role,
                &path,
                text(&old).map(|t| (t, base.spec.as_str())),
                text(&new).map(|t| (t, head_label.as_str())),
            )),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod quick_product_tests {
    use super::quick_product;

    /// A broken plan's product is read from the tables that parse, in any TOML spelling; two
    /// answers, or none, give none.
    #[test]
    fn salvages_the_product_of_a_broken_plan_from_the_parts_that_parse() {
        use super::salvage_product;
        let broken = "\n[contacts]\nname = \n";
        for plan in [
            "[plan]\nproduct = 'svc-a'\n",
            "[ plan ]\n\"product\" = \"svc-\\u0061\"\n",
            "plan.product = \"svc-a\"\n",
            "plan = { product = \"svc-a\" }\n",
            "\u{feff}[plan]\r\nproduct = \"svc-a\" # c\r\n",
        ] {
            assert_eq!(salvage_product(format!("{plan}{broken}").as_bytes()).as_deref(), Some("svc-a"), "{plan}");
            // After a table, a top-level key belongs to that table (and a BOM is no BOM).
            let after = salvage_product(format!("{broken}{plan}").as_bytes());
            let expected = (plan.contains('[') && !plan.starts_with('\u{feff}')).then_some("svc-a");
            assert_eq!(after.as_deref(), expected, "{plan}");
        }
        assert_eq!(salvage_product(b"[plan]\nproduct = \"a\"\n[plan]\nproduct = \"b\"\n"), None);
        assert_eq!(salvage_product(b"[plan]\nproduct = \n"), None);
        assert_eq!(salvage_product(b"[other]\nproduct = \"a\"\n"), None);
    }

    #[test]
    fn reads_the_plain_line_and_gives_up_on_anything_else() {
        let q = |s: &str| quick_product(s.as_bytes()).map(str::to_owned);
        assert_eq!(
            q("schema_version = 1\n[plan]\nproduct = \"svc-042\"  # the id\ntitle = \"x\"\n"),
            Some("svc-042".into())
        );
        assert_eq!(q("[plan]\n  product=\"a\"\n[scope]\nproduct = \"b\"\n"), Some("a".into()), "only [plan]'s");
        // Ways only the parser can read: it decides.
        for text in [
            "plan.product = \"a\"\n",
            "plan = { product = \"a\" }\n",
            "[plan]\nproduct = 'a'\n",
            "[plan]\nproduct = \"a\\u0062\"\n",
            "[plan]\nproduct = \"a\" \"b\"\n",
            "[plan]\nproduct = \"a\"\nproduct = \"b\"\n",
            "[plan]\ntitle = \"x\"\n",
            "[ plan ]\nproduct = \"a\"\n",
            "[x]\nnote = \"\"\"\n[plan]\nproduct = \"fake\"\n\"\"\"\n[plan]\n\"product\" = \"real\"\n",
            "[plan]\nproduct_line = \"a\"\nproduct = \"b\"\n",
        ] {
            assert_eq!(q(text), None, "{text}");
        }
        assert_eq!(quick_product(b"[plan]\nproduct = \"\xff\"\n"), None);
    }

    /// The line-by-line reading it replaced, kept as the reference.
    fn every_line(text: &str) -> Option<&str> {
        if text.contains("\"\"\"") || text.contains("'''") {
            return None;
        }
        let (mut in_plan, mut found) = (false, None);
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_plan = line == "[plan]";
                continue;
            }
            let Some((key, value)) = line.split_once('=') else { continue };
            let key = key.trim();
            if !key.contains("product") {
                continue;
            }
            if !in_plan || key != "product" {
                if in_plan || key.starts_with("plan") {
                    return None;
                }
                continue;
            }
            let value = value.trim_start().strip_prefix('"')?;
            let end = value.find('"')?;
            let (id, after) = (&value[..end], value[end + 1..].trim_start());
            if id.contains('\\') || !(after.is_empty() || after.starts_with('#')) || found.is_some() {
                return None;
            }
            found = Some(id);
        }
        found
    }

    #[test]
    fn agrees_with_reading_every_line() {
        use proptest::prelude::*;
        let lines = prop::sample::select(vec![
            "[plan]",
            "[scope]",
            "product = \"a\"",
            "product = \"b\" # x",
            "  product=\"c\"",
            "product_line = 1",
            "plan.product = \"d\"",
            "x = \"product\"",
            "[ plan ]",
            "title = \"t\"",
            "  [1, 2],",
            "",
            "\r",
            "\"product\" = \"e\"",
            "product = 'f'",
            "notes = \"\"\"",
            "productproduct = 2",
            "product",
        ]);
        let texts = prop::collection::vec(lines, 0..12).prop_map(|l| l.join("\n"));
        proptest!(ProptestConfig::with_cases(4000), |(text in texts)| {
            prop_assert_eq!(quick_product(text.as_bytes()), every_line(&text));
        });
        for t in ["example", "library", "standard", "web-service"] {
            let text =
                std::fs::read_to_string(format!("{}/plan-templates/{t}.toml", env!("CARGO_MANIFEST_DIR"))).unwrap();
            assert_eq!(quick_product(text.as_bytes()), every_line(&text), "{t}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FileRole, RecordPaths, is_plan_path};

    /// `wants` (run on every changed file, its cheap literal-prefix test first) says yes
    /// exactly where a place's role or any other TOML file does, whatever the places' globs
    /// start with.
    #[test]
    fn a_changed_file_is_wanted_exactly_where_a_place_or_toml_says_so() {
        let paths = [
            ".support-plan/approvals/v1.2.0.toml",
            ".support-plan/approvals/notes.md",
            ".support-plan/attestations/deep/x.json",
            "records/rel-1.2.json",
            "records/rel-.json",
            "records/other.json",
            "x/records/rel-1.json",
            "ops/sign-off/any/thing.txt",
            "ops/sign-off",
            "src/main.rs",
            "services/a/support-plan.toml",
            "services/a/notes.toml",
            "README.md",
            "deep/x/audit/y.txt",
        ];
        let named = [("records/rel-{version}.json", FileRole::Approval), ("ops/sign-off/**", FileRole::Attestation)];
        let anywhere = [("**/audit/**", FileRole::Attestation)];
        for templates in [named.to_vec(), [&named[..], &anywhere[..]].concat()] {
            let places = RecordPaths::of_templates(templates.iter().map(|(t, r)| (t.to_string(), *r)));
            let wanted: Vec<&str> = paths.iter().copied().filter(|p| places.wants(p)).collect();
            let expected: Vec<&str> = paths
                .iter()
                .copied()
                .filter(|p| places.role(p).is_some() || (p.ends_with(".toml") && !is_plan_path(p)))
                .collect();
            assert_eq!(wanted, expected, "{templates:?}");
            assert!(wanted.contains(&"records/rel-1.2.json") && wanted.contains(&"ops/sign-off/any/thing.txt"));
            assert!(!wanted.contains(&"records/other.json") && !wanted.contains(&"src/main.rs"));
            assert_eq!(wanted.contains(&"deep/x/audit/y.txt"), templates.len() == 3, "{templates:?}");
        }
    }
}
