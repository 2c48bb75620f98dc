//! History: the commits that changed plan files, newest first.

use anyhow::Context as _;
use gix::ObjectId;

use super::{FileChange, Repo};

/// A first-parent chain, newest first: (commit, its first parent).
pub type Chain = Vec<(ObjectId, Option<ObjectId>)>;

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

    /// The parents of a commit.
    pub fn parents(&self, id: ObjectId) -> anyhow::Result<Vec<ObjectId>> {
        let c = self.inner.find_commit(id).with_context(|| format!("reading commit {}", id.to_hex_with_len(12)))?;
        Ok(c.parent_ids().map(|p| p.detach()).collect())
    }

    /// The first-parent chain from `tip` down to (not including) `hide`, newest first, as
    /// (commit, parent) pairs; `true` when it stops at a shallow-clone boundary.
    pub fn first_parent_chain(&self, tip: ObjectId, hide: Option<ObjectId>) -> anyhow::Result<(Chain, bool)> {
        // A shallow boundary's parents are missing: on the first-parent line it is the end.
        self.history(tip, hide, true).map(|(chain, cut)| (chain, cut.is_some()))
    }

    /// The history from `tip` down to (not including) `hide`, newest first by commit time, as
    /// (commit, first parent) pairs: every commit reachable (as `git log` lists them), or
    /// only the first-parent chain. With the shallow-clone boundary commit where history is
    /// cut, if it is.
    pub fn history(
        &self,
        tip: ObjectId,
        hide: Option<ObjectId>,
        first_parent: bool,
    ) -> anyhow::Result<(Chain, Option<ObjectId>)> {
        let mut platform =
            self.inner.rev_walk([tip]).sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()));
        if first_parent {
            platform = platform.first_parent_only();
        }
        if let Some(h) = hide {
            platform = platform.with_hidden([h]);
        }
        let walk = platform.all().context("walking history")?;
        let shallow: Vec<ObjectId> =
            self.inner.shallow_commits().ok().flatten().map(|c| c.iter().copied().collect()).unwrap_or_default();
        let mut chain = Vec::new();
        let mut cut = None;
        for info in walk {
            let info = info.with_context(|| format!("walking history ({})", self.missing_object_hint()))?;
            if shallow.contains(&info.id) {
                // Its parents are missing: what it changed is unknown.
                cut.get_or_insert(info.id);
                continue;
            }
            chain.push((info.id, info.parent_ids().next().map(|p| p.detach())));
        }
        Ok((chain, cut))
    }

    /// For a merge commit: drops the changes it brought from another parent (the side
    /// branch's commits report them), keeping what the merge itself changed.
    pub fn own_changes(&self, id: ObjectId, changes: Vec<FileChange>) -> anyhow::Result<Vec<FileChange>> {
        let parents = self.parents(id)?;
        if parents.len() < 2 {
            return Ok(changes);
        }
        let mut out = Vec::new();
        for c in changes {
            let mut follower = PathFollower::new(&c.path);
            let mut from_side = false;
            for p in &parents[1..] {
                if follower.blob_at(self, *p)? == c.new {
                    from_side = true;
                    break;
                }
            }
            if !from_side {
                out.push(c);
            }
        }
        Ok(out)
    }

    /// The newest commit of a first-parent chain (newest first) that changed `path`, as its
    /// index: reads from the tip and stops at the first change.
    pub fn newest_change(&self, chain: &[(ObjectId, Option<ObjectId>)], path: &str) -> anyhow::Result<Option<usize>> {
        let mut follower = PathFollower::new(path);
        for (i, (id, parent)) in chain.iter().enumerate() {
            let now = follower.blob_at(self, *id)?;
            let before = match parent {
                Some(p) => follower.blob_at(self, *p)?,
                None => None,
            };
            if now != before {
                return Ok(Some(i));
            }
        }
        Ok(None)
    }

    /// The changes to `path` along a first-parent chain (newest first), as (index in the
    /// chain, change). Trees are read oldest first: packs usually store newer versions as
    /// deltas of older ones, and gix caches resolved objects, not intermediate bases.
    pub fn path_changes(
        &self,
        chain: &[(ObjectId, Option<ObjectId>)],
        path: &str,
    ) -> anyhow::Result<Vec<(usize, FileChange)>> {
        let mut follower = PathFollower::new(path);
        let mut out = Vec::new();
        // A commit whose changed-path filter rules the path out is skipped unread.
        let filters = self.bloom_filters();
        for (i, (id, parent)) in chain.iter().enumerate().rev() {
            if let (Some(f), Some(_)) = (&filters, parent)
                && f.may_change(id, path) == Some(false)
            {
                continue;
            }
            let before = match parent {
                Some(p) => follower.blob_at(self, *p)?,
                None => None,
            };
            let now = follower.blob_at(self, *id)?;
            if now != before {
                out.push((i, FileChange { path: path.to_owned(), old: before, new: now }));
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The plan files each commit of a chain changed, as (index, changes), newest first;
    /// computed oldest first for the same reason as [`Repo::path_changes`].
    pub fn chain_plan_changes(
        &self,
        chain: &[(ObjectId, Option<ObjectId>)],
        excludes: &globset::GlobSet,
        wanted: &dyn Fn(&str) -> bool,
    ) -> anyhow::Result<Vec<(usize, Vec<FileChange>)>> {
        let mut out = Vec::new();
        for (i, (id, parent)) in chain.iter().enumerate().rev() {
            let changes = self.changes_of(*id, *parent, excludes, wanted)?;
            if !changes.is_empty() {
                out.push((i, changes));
            }
        }
        out.reverse();
        Ok(out)
    }

    /// The plan files a commit changed relative to its first parent (all of them at a root).
    pub fn plan_changes_of(
        &self,
        id: ObjectId,
        parent: Option<ObjectId>,
        excludes: &globset::GlobSet,
    ) -> anyhow::Result<Vec<FileChange>> {
        self.changes_of(id, parent, excludes, &crate::config::is_plan_path)
    }

    /// The files `wanted` accepts that a commit changed relative to its first parent.
    pub fn changes_of(
        &self,
        id: ObjectId,
        parent: Option<ObjectId>,
        excludes: &globset::GlobSet,
        wanted: &dyn Fn(&str) -> bool,
    ) -> anyhow::Result<Vec<FileChange>> {
        match parent {
            Some(p) => self.changed_files_where(p, id, excludes, wanted),
            None => {
                let (files, _) = self.files_where(id, excludes, wanted)?;
                Ok(files.into_iter().map(|f| FileChange { path: f.path, old: None, new: Some(f.id) }).collect())
            }
        }
    }

    /// The ids along `parts` from `tree`: one per level found, the last one a blob. With a
    /// `reference` chain (of a neighbouring commit), stops as soon as a level's id matches:
    /// everything below it is the same.
    fn chain(
        &self,
        tree: ObjectId,
        parts: &[Vec<u8>],
        reference: Option<&[ObjectId]>,
    ) -> anyhow::Result<Vec<ObjectId>> {
        let mut ids = vec![tree];
        let mut current = tree;
        for (level, part) in parts.iter().enumerate() {
            if let Some(r) = reference
                && r.get(level) == Some(&current)
            {
                ids.extend_from_slice(&r[level + 1..]);
                return Ok(ids);
            }
            let t = self.inner.find_tree(current).with_context(|| {
                format!("reading tree {} ({})", current.to_hex_with_len(12), self.missing_object_hint())
            })?;
            let mut found = None;
            for e in t.iter() {
                let e = e.context("decoding a tree entry")?;
                if e.filename() == part.as_slice() {
                    found = Some((e.mode(), e.object_id()));
                    break;
                }
            }
            let last = level + 1 == parts.len();
            match found {
                Some((mode, id)) if (last && mode.is_blob()) || (!last && mode.is_tree()) => {
                    ids.push(id);
                    current = id;
                }
                _ => return Ok(ids),
            }
        }
        Ok(ids)
    }
}

/// Follows one path through history cheaply: each commit's lookup stops at the first tree
/// that equals the one of the commit looked up before (usually its child).
pub struct PathFollower {
    parts: Vec<Vec<u8>>,
    last: Option<(ObjectId, Vec<ObjectId>)>,
}

impl PathFollower {
    pub fn new(path: &str) -> Self {
        PathFollower { parts: path.split('/').map(|p| p.as_bytes().to_vec()).collect(), last: None }
    }

    /// The blob at the path in `commit`, if it is a regular file there.
    pub fn blob_at(&mut self, repo: &Repo, commit: ObjectId) -> anyhow::Result<Option<ObjectId>> {
        if let Some((c, chain)) = &self.last
            && *c == commit
        {
            return Ok(self.blob_of(chain));
        }
        let tree = repo.tree_of(commit)?;
        let reference = self.last.as_ref().map(|(_, chain)| chain.as_slice());
        let chain = repo.chain(tree, &self.parts, reference)?;
        let blob = self.blob_of(&chain);
        self.last = Some((commit, chain));
        Ok(blob)
    }

    fn blob_of(&self, chain: &[ObjectId]) -> Option<ObjectId> {
        (chain.len() == self.parts.len() + 1).then(|| chain[chain.len() - 1])
    }
}
