//! History: the commits that changed plan files, newest first.

use anyhow::Context as _;
use gix::ObjectId;

use super::{FileChange, Repo};

/// What `plan log` shows of a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitInfo {
    pub id: ObjectId,
    pub author: String,
    pub email: String,
    /// Seconds since the epoch (author time).
    pub time: i64,
    pub subject: String,
}

/// A commit and the plan files it changed relative to its first parent.
#[derive(Debug, Clone)]
pub struct PlanCommit {
    pub commit: CommitInfo,
    pub parent: Option<ObjectId>,
    pub changes: Vec<FileChange>,
}

impl Repo {
    pub fn commit_info(&self, id: ObjectId) -> anyhow::Result<CommitInfo> {
        let c = self
            .inner
            .find_commit(id)
            .with_context(|| format!("reading commit {} ({})", id.to_hex_with_len(12), self.missing_object_hint()))?;
        let author = c.author().context("reading the commit's author")?;
        let time = author.time().map(|t| t.seconds).unwrap_or(0);
        let (name, email) = (author.name.to_string(), author.email.to_string());
        let message = c.message_raw_sloppy().to_string();
        let subject = message.lines().next().unwrap_or("").trim().to_owned();
        Ok(CommitInfo { id, author: name, email, time, subject })
    }

    /// First parent of a commit, `None` at a root or at a shallow boundary.
    pub fn first_parent(&self, id: ObjectId) -> anyhow::Result<Option<ObjectId>> {
        let c = self.inner.find_commit(id).with_context(|| format!("reading commit {}", id.to_hex_with_len(12)))?;
        let parent = c.parent_ids().next().map(|p| p.detach());
        Ok(parent.filter(|p| self.inner.has_object(p)))
    }

    /// Commits reachable from `tip` but not from `hide`, newest first (by commit time),
    /// following first parents so merges count once; `touches` decides which to keep, given
    /// the commit and its parent.
    pub fn walk_plan_history(
        &self,
        tip: ObjectId,
        hide: Option<ObjectId>,
        mut changes_of: impl FnMut(&Repo, ObjectId, Option<ObjectId>) -> anyhow::Result<Vec<FileChange>>,
    ) -> anyhow::Result<(Vec<PlanCommit>, bool)> {
        let mut platform = self
            .inner
            .rev_walk([tip])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
            .first_parent_only();
        if let Some(h) = hide {
            platform = platform.with_hidden([h]);
        }
        let walk = platform.all().context("walking history")?;
        let shallow: Vec<ObjectId> =
            self.inner.shallow_commits().ok().flatten().map(|c| c.iter().copied().collect()).unwrap_or_default();
        let mut out = Vec::new();
        let mut truncated = false;
        for info in walk {
            let info = info.with_context(|| format!("walking history ({})", self.missing_object_hint()))?;
            let id = info.id;
            let parent = info.parent_ids().next().map(|p| p.detach());
            if shallow.contains(&id) {
                // The boundary of a shallow clone: its parent is missing, so what it
                // "changed" is unknown. Say so instead of claiming it added every plan.
                truncated = true;
                break;
            }
            let changes = changes_of(self, id, parent)?;
            if !changes.is_empty() {
                out.push(PlanCommit { commit: self.commit_info(id)?, parent, changes });
            }
        }
        Ok((out, truncated))
    }

    /// The plan files a commit changed relative to its first parent (all of them at a root).
    pub fn plan_changes_of(
        &self,
        id: ObjectId,
        parent: Option<ObjectId>,
        excludes: &globset::GlobSet,
    ) -> anyhow::Result<Vec<FileChange>> {
        match parent {
            Some(p) => self.changed_plan_files(p, id, excludes),
            None => {
                let (files, _) = self.plan_files(id, excludes)?;
                Ok(files.into_iter().map(|f| FileChange { path: f.path, old: None, new: Some(f.id) }).collect())
            }
        }
    }

    /// The blob id at `path` in `commit`, if it is a regular file.
    pub fn blob_id_at(&self, commit: ObjectId, path: &str) -> anyhow::Result<Option<ObjectId>> {
        let mut tree = self.tree_of(commit)?;
        let parts: Vec<&str> = path.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            let t = self.inner.find_tree(tree).context("reading a tree")?;
            let mut found = None;
            for e in t.iter() {
                let e = e.context("decoding a tree entry")?;
                if e.filename() == part.as_bytes() {
                    found = Some((e.mode(), e.object_id()));
                    break;
                }
            }
            let Some((mode, id)) = found else { return Ok(None) };
            if i + 1 == parts.len() {
                return Ok(mode.is_blob().then_some(id));
            }
            if !mode.is_tree() {
                return Ok(None);
            }
            tree = id;
        }
        Ok(None)
    }
}
