//! Plans as of a side of a comparison: a commit (read from git objects, no checkout) or the
//! work tree. Loads only what a comparison needs and pairs plans by product id.

use std::collections::BTreeMap;

use anyhow::Context as _;

use crate::config::{CONFIG_PATH, Config};
use crate::diff::{PlanChange, Side, diff_pair};
use crate::git::{ObjectId, Repo, rev::Resolved, tree::Skipped};
use crate::plan::{LoadFailure, LoadedPlan, MAX_PLAN_BYTES, RawPlan, load_many};
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

/// Reads one plan blob (not yet parsed).
pub fn read_blob(repo: &Repo, path: &str, id: ObjectId, rev: &str) -> anyhow::Result<RawPlan> {
    let bytes = repo.read_blob(id, &format!("{path} at {rev}"), MAX_PLAN_BYTES)?;
    Ok(RawPlan { path: path.to_owned(), rev: Some(rev.to_owned()), bytes })
}

/// Reads and loads one plan blob.
pub fn load_blob(repo: &Repo, path: &str, id: ObjectId, rev: &str) -> anyhow::Result<Loaded> {
    load_many(vec![read_blob(repo, path, id, rev)?]).pop().context("loading a plan returned nothing")
}

/// Every plan at a revision, with what discovery skipped.
pub fn plans_at(repo: &Repo, rev: &Resolved) -> anyhow::Result<(Vec<Loaded>, Vec<Skipped>)> {
    let config = config_at(repo, rev)?;
    let (files, skipped) = repo.plan_files(rev.id, &config.excludes())?;
    let raw = files.iter().map(|f| read_blob(repo, &f.path, f.id, &rev.spec)).collect::<anyhow::Result<Vec<_>>>()?;
    Ok((load_many(raw), skipped))
}

/// The product ids of the plans that load on one side.
pub fn products_at(repo: &Repo, side: &Endpoint) -> anyhow::Result<Vec<String>> {
    let loaded = match side {
        Endpoint::Commit(rev) => plans_at(repo, rev)?.0,
        Endpoint::WorkTree => {
            let root = repo.work_dir().context("a bare repository has no work tree")?;
            let config = workspace::read_config(&root)?;
            workspace::load_files(&root, &workspace::discover(&root, &config)?)?
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
pub struct Candidates {
    pub old: Vec<Loaded>,
    pub new: Vec<Loaded>,
    pub skipped: Vec<Skipped>,
}

/// Loads the plans that can differ between `base` and `head`: for two commits, only the
/// plan files whose blobs differ; against the work tree, files whose bytes differ.
pub fn candidates(repo: &Repo, base: &Resolved, head: &Endpoint) -> anyhow::Result<Candidates> {
    match head {
        Endpoint::Commit(h) => {
            let config = config_at(repo, h)?;
            let changes = repo.changed_plan_files(base.id, h.id, &config.excludes())?;
            let (mut old, mut new) = (Vec::new(), Vec::new());
            for ch in changes {
                if let Some(id) = ch.old {
                    old.push(read_blob(repo, &ch.path, id, &base.spec)?);
                }
                if let Some(id) = ch.new {
                    new.push(read_blob(repo, &ch.path, id, &h.spec)?);
                }
            }
            let n = old.len();
            let mut all = load_many(old.into_iter().chain(new).collect());
            let new = all.split_off(n);
            Ok(Candidates { old: all, new, skipped: vec![] })
        }
        Endpoint::WorkTree => {
            let root = repo
                .work_dir()
                .context("this is a bare repository: there is no work tree to compare; give two revisions")?;
            let config = workspace::read_config(&root)?;
            let base_config = config_at(repo, base)?;
            let (files, skipped) = repo.plan_files(base.id, &base_config.excludes())?;
            let on_disk = workspace::discover(&root, &config)?;
            let mut base_raw: BTreeMap<String, RawPlan> = BTreeMap::new();
            for f in &files {
                base_raw.insert(f.path.clone(), read_blob(repo, &f.path, f.id, &base.spec)?);
            }
            let mut new = Vec::new();
            for path in &on_disk {
                let disk = workspace::read_file(&root, path)?;
                let same =
                    matches!((&disk.bytes, base_raw.get(path).map(|r| &r.bytes)), (Ok(d), Some(Ok(b))) if d == b);
                if same {
                    base_raw.remove(path);
                } else {
                    new.push(disk);
                }
            }
            let old: Vec<RawPlan> = base_raw.into_values().collect();
            let n = old.len();
            let mut all = load_many(old.into_iter().chain(new).collect());
            let new = all.split_off(n);
            Ok(Candidates { old: all, new, skipped })
        }
    }
}

/// Plans that failed to load on either side.
pub fn failures(c: &Candidates) -> Vec<&LoadFailure> {
    c.old.iter().chain(c.new.iter()).filter_map(|p| p.as_ref().err()).collect()
}

/// Pairs loaded plans by product id and diffs each pair; unchanged pairs are dropped.
pub fn pair<'a>(old: &[&'a LoadedPlan], new: &[&'a LoadedPlan]) -> Vec<PlanChange> {
    let mut products: Vec<&str> = old.iter().chain(new.iter()).map(|p| p.plan.plan.product.as_str()).collect();
    products.sort();
    products.dedup();
    let side = |set: &[&'a LoadedPlan], id: &str| -> Option<Side<'a>> {
        set.iter().find(|p| p.plan.plan.product == id).map(|p| Side { path: &p.source.path, plan: p })
    };
    crate::par::map(&products, |id| diff_pair(side(old, id), side(new, id)))
        .into_iter()
        .flatten()
        .filter(|c| !c.changes.is_empty())
        .collect()
}
