//! Plans as of a side of a comparison: a commit (read from git objects, no checkout) or the
//! work tree. Loads only what a comparison needs and pairs plans by product id.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::Context as _;

use crate::config::{CONFIG_PATH, Config};
use crate::diff::{PlanChange, Side, diff_pair};
use crate::git::{ObjectId, Repo, rev::Resolved, tree::Skipped};
use crate::plan::{LoadFailure, LoadedPlan, MAX_PLAN_BYTES, load_bytes, oversized};
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

/// Loads one plan blob.
pub fn load_blob(repo: &Repo, path: &str, id: ObjectId, rev: &str) -> anyhow::Result<Loaded> {
    Ok(match repo.read_blob(id, &format!("{path} at {rev}"), MAX_PLAN_BYTES)? {
        Ok(bytes) => load_bytes(path, Some(rev.to_owned()), &bytes),
        Err(size) => Err(oversized(path, Some(rev.to_owned()), size)),
    })
}

/// Every plan at a revision, with what discovery skipped.
pub fn plans_at(repo: &Repo, rev: &Resolved) -> anyhow::Result<(Vec<Loaded>, Vec<Skipped>)> {
    let config = config_at(repo, rev)?;
    let (files, skipped) = repo.plan_files(rev.id, &config.excludes())?;
    let plans = files.iter().map(|f| load_blob(repo, &f.path, f.id, &rev.spec)).collect::<anyhow::Result<Vec<_>>>()?;
    Ok((plans, skipped))
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
            let mut c = Candidates { old: vec![], new: vec![], skipped: vec![] };
            for ch in changes {
                if let Some(id) = ch.old {
                    c.old.push(load_blob(repo, &ch.path, id, &base.spec)?);
                }
                if let Some(id) = ch.new {
                    c.new.push(load_blob(repo, &ch.path, id, &h.spec)?);
                }
            }
            Ok(c)
        }
        Endpoint::WorkTree => {
            let root = repo
                .work_dir()
                .context("this is a bare repository: there is no work tree to compare; give two revisions")?;
            let config = workspace::read_config(&root)?;
            let base_config = config_at(repo, base)?;
            let (files, skipped) = repo.plan_files(base.id, &base_config.excludes())?;
            let on_disk = workspace::discover(&root, &config)?;
            let mut c = Candidates { old: vec![], new: vec![], skipped };
            let mut base_bytes: BTreeMap<&str, Vec<u8>> = BTreeMap::new();
            for f in &files {
                if let Ok(bytes) = repo.read_blob(f.id, &f.path, MAX_PLAN_BYTES)? {
                    base_bytes.insert(f.path.as_str(), bytes);
                }
            }
            for f in &files {
                let same = base_bytes.get(f.path.as_str()).is_some_and(|b| disk_equals(&root, &f.path, b));
                if !same {
                    c.old.push(load_blob(repo, &f.path, f.id, &base.spec)?);
                }
            }
            for path in &on_disk {
                let same = base_bytes.get(path.as_str()).is_some_and(|b| disk_equals(&root, path, b));
                if !same {
                    c.new.push(workspace::load_file(&root, path)?);
                }
            }
            Ok(c)
        }
    }
}

fn disk_equals(root: &Path, path: &str, bytes: &[u8]) -> bool {
    std::fs::read(root.join(path)).is_ok_and(|d| d == bytes)
}

/// Plans that failed to load on either side.
pub fn failures(c: &Candidates) -> Vec<&LoadFailure> {
    c.old.iter().chain(c.new.iter()).filter_map(|p| p.as_ref().err()).collect()
}

/// Pairs loaded plans by product id and diffs each pair; unchanged pairs are dropped.
pub fn pair(old: &[&LoadedPlan], new: &[&LoadedPlan]) -> Vec<PlanChange> {
    let mut products: Vec<&str> = old.iter().chain(new.iter()).map(|p| p.plan.plan.product.as_str()).collect();
    products.sort();
    products.dedup();
    let side = |set: &[&LoadedPlan], id: &str| -> Option<(String, crate::plan::Plan)> {
        set.iter().find(|p| p.plan.plan.product == id).map(|p| (p.source.path.clone(), p.plan.clone()))
    };
    let mut out = Vec::new();
    for id in products {
        let (o, n) = (side(old, id), side(new, id));
        let change = diff_pair(
            o.as_ref().map(|(path, plan)| Side { path, plan }),
            n.as_ref().map(|(path, plan)| Side { path, plan }),
        );
        if let Some(c) = change.filter(|c| !c.changes.is_empty()) {
            out.push(c);
        }
    }
    out
}
