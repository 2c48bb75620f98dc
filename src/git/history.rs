//! History: the commits that changed plan files, newest first.

use anyhow::Context as _;
use gix::ObjectId;

use super::graph::{CommitGraph, Key};
use super::{FileChange, Repo};

/// A first-parent chain, newest first: (commit, its first parent).
pub type Chain = Vec<(ObjectId, Option<ObjectId>)>;

/// Changes by index in a chain, up to the commit (its index, and why) that could not be read.
pub type ChangesUntil = (Vec<(usize, FileChange)>, Option<(usize, anyhow::Error)>);

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
        let what = || format!("reading commit {}", id.to_hex_with_len(12));
        let c = self.inner.find_commit(id).with_context(what)?;
        // Decoded whole: a damaged commit is an error, not a commit without parents.
        let decoded = c.decode().with_context(what)?;
        Ok(decoded.parents().collect())
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
        let mut walk = self.walk(tip, hide, first_parent)?;
        let chain = walk.by_ref().collect::<anyhow::Result<Chain>>()?;
        Ok((chain, walk.cut()))
    }

    /// [`Repo::history`] as it is found: each commit is read when the one before it has been
    /// taken, so the first comes at once and stopping early reads no more.
    pub fn walk(&self, tip: ObjectId, hide: Option<ObjectId>, first_parent: bool) -> anyhow::Result<Walk<'_>> {
        // With a commit-graph, the same walk reads no commit objects (the graph is consistent
        // or not used at all).
        if hide.is_none()
            && !self.is_shallow()
            && let Some(graph) = self.commit_graph()
            && let Some(walk) = GraphWalk::start(self, graph, tip, first_parent)?
        {
            return Ok(Walk { repo: self, how: How::Graph(Box::new(walk)), shallow: Vec::new(), cut: None });
        }
        // gix reads the commit-graph too, but without the checks of `commit_graph`.
        let mut platform = self
            .inner
            .rev_walk([tip])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
            .use_commit_graph(self.commit_graph().is_some());
        if first_parent {
            platform = platform.first_parent_only();
        }
        if let Some(h) = hide {
            platform = platform.with_hidden([h]);
        }
        let walk = platform.all().context("walking history")?;
        let shallow: Vec<ObjectId> =
            self.inner.shallow_commits().ok().flatten().map(|c| c.iter().copied().collect()).unwrap_or_default();
        Ok(Walk { repo: self, how: How::Objects(walk), shallow, cut: None })
    }
}

/// The commits of a history, newest first, as [`Repo::walk`] finds them.
pub struct Walk<'r> {
    repo: &'r Repo,
    how: How<'r>,
    shallow: Vec<ObjectId>,
    cut: Option<ObjectId>,
}

enum How<'r> {
    Graph(Box<GraphWalk<'r>>),
    Objects(gix::revision::Walk<'r>),
}

impl Walk<'_> {
    /// The shallow-clone boundary commit where the history walked so far is cut, if it is
    /// (known for the whole history once the walk has ended).
    pub fn cut(&self) -> Option<ObjectId> {
        self.cut
    }

    /// Up to `n` more commits, stopping before one that cannot be read: the commits taken,
    /// and why the walk stopped there (the walk is not to be taken from after an error).
    pub fn take_readable(&mut self, n: usize) -> (Chain, Option<anyhow::Error>) {
        let mut chain = Chain::new();
        for commit in self.take(n) {
            match commit {
                Ok(commit) => chain.push(commit),
                Err(e) => return (chain, Some(e)),
            }
        }
        (chain, None)
    }
}

impl Iterator for Walk<'_> {
    type Item = anyhow::Result<(ObjectId, Option<ObjectId>)>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.how {
            How::Graph(g) => g.next().transpose(),
            How::Objects(walk) => loop {
                let info = match walk.next()? {
                    Ok(info) => info,
                    Err(e) => {
                        let hint = self.repo.missing_object_hint();
                        return Some(Err(anyhow::Error::new(e).context(format!("walking history ({hint})"))));
                    }
                };
                if self.shallow.contains(&info.id) {
                    // Its parents are missing: what it changed is unknown.
                    self.cut.get_or_insert(info.id);
                    continue;
                }
                return Some(Ok((info.id, info.parent_ids().next().map(|p| p.detach()))));
            },
        }
    }
}

/// A commit: by graph position, or by id (one the graph does not have).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Ref {
    At(u32),
    Id(ObjectId),
}

/// A commit queued, with the parents of one read from its object.
type Queued = (i64, std::cmp::Reverse<u64>, Ref, Vec<ObjectId>);

/// [`Repo::walk`] (no hidden commits, no shallow boundary) in git's default order: newest
/// commit time first, equal times in the order they were reached. Commits the graph has are
/// read from it by position; newer ones from their objects.
struct GraphWalk<'r> {
    repo: &'r Repo,
    graph: std::sync::Arc<CommitGraph>,
    first_parent: bool,
    seen_at: Vec<u64>,
    seen: std::collections::HashSet<ObjectId>,
    queue: std::collections::BinaryHeap<Queued>,
    order: u64,
}

impl<'r> GraphWalk<'r> {
    /// `None` when the graph does not have what the tip needs (then the object walk answers).
    fn start(
        repo: &'r Repo,
        graph: std::sync::Arc<CommitGraph>,
        tip: ObjectId,
        first_parent: bool,
    ) -> anyhow::Result<Option<Self>> {
        let mut walk = GraphWalk {
            repo,
            seen_at: vec![0u64; graph.total().div_ceil(64)],
            graph,
            first_parent,
            seen: Default::default(),
            queue: Default::default(),
            order: 0,
        };
        Ok(walk.push(Ref::Id(tip))?.map(|()| walk))
    }

    /// Queues a commit not seen yet; `None` when the graph does not add up.
    fn push(&mut self, r: Ref) -> anyhow::Result<Option<()>> {
        let r = match r {
            Ref::Id(id) => self.graph.position(&id).map_or(r, Ref::At),
            at => at,
        };
        let (time, parents) = match r {
            Ref::At(at) => {
                let Some(word) = self.seen_at.get_mut(at as usize / 64) else { return Ok(None) };
                if *word & (1 << (at % 64)) != 0 {
                    return Ok(Some(()));
                }
                *word |= 1 << (at % 64);
                let Some(time) = self.graph.time(at) else { return Ok(None) };
                (time, Vec::new())
            }
            Ref::Id(id) => {
                if !self.seen.insert(id) {
                    return Ok(Some(()));
                }
                let c = self.repo.inner.find_commit(id).with_context(|| {
                    format!(
                        "walking history: reading commit {} ({})",
                        id.to_hex_with_len(12),
                        self.repo.missing_object_hint()
                    )
                })?;
                let time = c.committer().context("reading the commit's committer")?.time()?.seconds;
                (time, c.parent_ids().map(|p| p.detach()).collect())
            }
        };
        self.order += 1;
        self.queue.push((time, std::cmp::Reverse(self.order), r, parents));
        Ok(Some(()))
    }

    /// The next commit, `Ok(None)` at the end. The graph was checked when it was opened
    /// (every parent position points into it); should it still not add up half-way, the
    /// walk stops with an error rather than list a history it cannot vouch for.
    fn next(&mut self) -> anyhow::Result<Option<(ObjectId, Option<ObjectId>)>> {
        let broken = || {
            anyhow::anyhow!(
                "walking history: the commit-graph in {} does not add up; \
                 rewrite it with `git commit-graph write --reachable`",
                self.repo.inner.common_dir().join("objects/info").display()
            )
        };
        let Some((_, _, r, parents)) = self.queue.pop() else { return Ok(None) };
        let (id, parents): (ObjectId, Vec<Ref>) = match r {
            Ref::At(at) => {
                let (Some(id), Some(c)) = (self.graph.id(at), self.graph.commit(at)) else { return Err(broken()) };
                (id, c.parents.into_iter().map(Ref::At).collect())
            }
            Ref::Id(id) => (id, parents.into_iter().map(Ref::Id).collect()),
        };
        let first = match parents.first() {
            Some(Ref::Id(p)) => Some(*p),
            Some(Ref::At(at)) => Some(self.graph.id(*at).ok_or_else(broken)?),
            None => None,
        };
        for p in parents.into_iter().take(if self.first_parent { 1 } else { usize::MAX }) {
            if self.push(p)?.is_none() {
                return Err(broken());
            }
        }
        Ok(Some((id, first)))
    }
}

impl Repo {
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
    /// chain, change). A long chain is cut into stretches (four per core, so a slow one
    /// does not hold the others up), each followed on its own. Within a stretch trees are read oldest first: packs usually store newer
    /// versions as deltas of older ones, and gix caches resolved objects, not intermediate bases.
    pub fn path_changes(
        &self,
        chain: &[(ObjectId, Option<ObjectId>)],
        path: &str,
    ) -> anyhow::Result<Vec<(usize, FileChange)>> {
        match self.path_changes_until(chain, path) {
            (changes, None) => Ok(changes),
            (_, Some((_, e))) => Err(e),
        }
    }

    /// [`Repo::path_changes`] up to the newest commit that cannot be read: the changes of the
    /// commits before it (newer, lower indices), and its index with the error.
    pub fn path_changes_until(&self, chain: &[(ObjectId, Option<ObjectId>)], path: &str) -> ChangesUntil {
        let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
        let stretch = if chain.len() < 4096 { chain.len() } else { chain.len().div_ceil(threads * 4) };
        self.path_changes_by(chain, path, stretch)
    }

    /// [`Repo::path_changes_until`] in stretches of `stretch` commits.
    fn path_changes_by(&self, chain: &[(ObjectId, Option<ObjectId>)], path: &str, stretch: usize) -> ChangesUntil {
        // A commit whose changed-path filter rules the path out is skipped unread.
        let filters = self.commit_graph().filter(|g| g.has_filters());
        let key = Key::new(path);
        let stretch = stretch.max(1);
        let starts: Vec<usize> = (0..chain.len()).step_by(stretch).collect();
        let shared = self.shared();
        let found = crate::par::map_init(
            &starts,
            || shared.local(),
            |repo, &start| {
                let mut follower = PathFollower::new(path);
                let mut out = Vec::new();
                // The newest commit of the stretch that could not be read (the walk goes on
                // past one, so the commits newer than it are still followed).
                let mut failed = None;
                let end = (start + stretch).min(chain.len());
                for (i, (id, parent)) in chain[start..end].iter().enumerate().rev() {
                    if let (Some(f), Some(_)) = (&filters, parent)
                        && f.may_change(id, &key) == Some(false)
                    {
                        continue;
                    }
                    let mut sides = || -> anyhow::Result<_> {
                        let before = match parent {
                            Some(p) => follower.blob_at(repo, *p)?,
                            None => None,
                        };
                        Ok((before, follower.blob_at(repo, *id)?))
                    };
                    match sides() {
                        Ok((before, now)) if now != before => {
                            out.push((start + i, FileChange { path: path.to_owned(), old: before, new: now }))
                        }
                        Ok(_) => {}
                        Err(e) => failed = Some((start + i, e)),
                    }
                }
                out.reverse();
                (out, failed)
            },
        );
        let mut out = Vec::new();
        let mut failed: Option<(usize, anyhow::Error)> = None;
        for (changes, stretch_failed) in found {
            out.extend(changes);
            if let Some((i, e)) = stretch_failed
                && failed.as_ref().is_none_or(|(newest, _)| i < *newest)
            {
                failed = Some((i, e));
            }
        }
        if let Some((newest, _)) = &failed {
            out.retain(|(i, _)| i < newest);
        }
        (out, failed)
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

    /// Whether the trees of these commits (newest first) are stored as deltas of their older
    /// versions, rather than the other way round. gix caches the object a delta chain
    /// resolves to, not the bases on the way: versions read in the order their deltas were
    /// made resolve one delta each, the other order the whole chain (up to 50) every time.
    /// `git fast-import`, and a `git gc` that keeps its deltas, store newer versions as deltas
    /// of older ones; `git repack -f` and most servers the other way round. Told by up to 8
    /// neighbouring pairs, see [`Repo::newer_is_delta`]; a tie reads newest first.
    pub fn newer_are_deltas(&self, commits: impl Iterator<Item = ObjectId>) -> bool {
        let commits: Vec<ObjectId> = commits.take(9).collect();
        let (mut newer, mut older) = (0, 0);
        for pair in commits.windows(2) {
            match self.newer_is_delta(pair[0], pair[1]) {
                Some(true) => newer += 1,
                Some(false) => older += 1,
                None => {}
            }
        }
        newer > older
    }

    /// Whether the tree of commit `newer` is stored as a delta of its parent `older`'s
    /// (`Some(false)`: the other way round): a tree one delta deeper than the other is a delta
    /// of it. A tree too small to be stored as a delta (a root with a few entries) tells
    /// nothing, so the first subtree that differs is asked, down to four levels. What is not
    /// packed or not there tells nothing (`None`).
    fn newer_is_delta(&self, newer: ObjectId, older: ObjectId) -> Option<bool> {
        let depth = |tree| self.inner.try_find_header(tree).ok().flatten()?.num_deltas();
        let (mut a, mut b) = (self.tree_of(newer).ok()?, self.tree_of(older).ok()?);
        for _ in 0..4 {
            if a == b {
                return None;
            }
            let (da, db) = (depth(a)?, depth(b)?);
            if da == db + 1 {
                return Some(true);
            }
            if db == da + 1 {
                return Some(false);
            }
            let (ea, eb) = (self.entries(a).ok()?, self.entries(b).ok()?);
            (a, b) = ea.iter().find_map(|(mode, name, id)| {
                let (_, _, other) = eb.iter().find(|(m, n, _)| m.is_tree() && n == name)?;
                (mode.is_tree() && other != id).then_some((*id, *other))
            })?;
        }
        None
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

#[cfg(test)]
mod tests {
    use super::Repo;

    fn git(dir: &std::path::Path, args: &[&str], date: &str) -> String {
        crate::git::test_git(dir, args, Some(date))
    }

    /// The walk over the commit-graph lists what `git rev-list` lists, in git's order, for a
    /// history with merges, an octopus merge (its parents in the `EDGE` chunk), equal commit
    /// times, a clock that went backwards and commits newer than the graph; with a single
    /// graph file, a split chain, and none.
    #[test]
    fn the_graph_walk_lists_what_git_lists_in_gits_order() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let at = |t: i64| format!("@{} +0000", 1_700_000_000 + t);
        let commit = |name: &str, t: i64| {
            std::fs::write(d.join(name), format!("{name} {t}\n")).unwrap();
            git(d, &["add", "-A"], &at(t));
            git(d, &["commit", "-q", "-m", name], &at(t));
        };
        git(d, &["init", "-q", "-b", "main"], &at(0));
        for i in 0..20 {
            // Every fourth commit shares its time with the one before; one goes back in time.
            let t = if i == 13 { 2 } else { i / 4 * 4 + 10 * (i % 4).min(1) };
            commit(&format!("m{i}"), t);
        }
        for side in ["a", "b", "c"] {
            git(d, &["checkout", "-q", "-b", side, "main~5"], &at(0));
            for i in 0..4 {
                commit(&format!("{side}{i}"), 40 + i);
            }
        }
        git(d, &["checkout", "-q", "main"], &at(0));
        git(d, &["merge", "-q", "--no-ff", "-m", "octopus", "a", "b", "c"], &at(45));
        commit("m20", 45);
        let check = |what: &str| {
            let repo = Repo::discover(d).unwrap();
            let tip = gix::ObjectId::from_hex(git(d, &["rev-parse", "HEAD"], &at(0)).trim().as_bytes()).unwrap();
            for (first_parent, args) in
                [(false, &["rev-list", "HEAD"][..]), (true, &["rev-list", "--first-parent", "HEAD"])]
            {
                let (chain, cut) = repo.history(tip, None, first_parent).unwrap();
                assert_eq!(cut, None);
                let ours: Vec<String> = chain.iter().map(|(id, _)| id.to_string()).collect();
                let theirs: Vec<String> = git(d, args, &at(0)).lines().map(str::to_owned).collect();
                assert_eq!(ours, theirs, "{what}, first parent only: {first_parent}");
                for (id, parent) in &chain {
                    let parents = git(d, &["log", "-1", "--format=%P", &id.to_string()], &at(0));
                    assert_eq!(parent.map(|p| p.to_string()).as_deref(), parents.split_whitespace().next());
                }
            }
        };
        check("no graph");
        git(d, &["commit-graph", "write", "--reachable"], &at(0));
        assert!(Repo::discover(d).unwrap().commit_graph().is_some());
        check("single graph file");
        commit("m21", 50);
        commit("m22", 50);
        check("commits newer than the graph");
        std::fs::remove_file(d.join(".git/objects/info/commit-graph")).unwrap();
        git(d, &["commit-graph", "write", "--reachable", "--split=no-merge", "--size-multiple=100"], &at(0));
        commit("m23", 51);
        git(d, &["commit-graph", "write", "--reachable", "--split=no-merge", "--size-multiple=100"], &at(0));
        let chain = std::fs::read_to_string(d.join(".git/objects/info/commit-graphs/commit-graph-chain")).unwrap();
        assert_eq!(chain.lines().count(), 2, "{chain}");
        check("a split chain of two layers");
        // Followed in stretches of any length, a path's changes are the same.
        let repo = Repo::discover(d).unwrap();
        let tip = gix::ObjectId::from_hex(git(d, &["rev-parse", "HEAD"], &at(0)).trim().as_bytes()).unwrap();
        let (chain, _) = repo.history(tip, None, false).unwrap();
        let by = |path: &str, stretch: usize| {
            let (changes, failed) = repo.path_changes_by(&chain, path, stretch);
            assert!(failed.is_none(), "{failed:?}");
            changes
        };
        let whole = by("m3", chain.len());
        assert_eq!(whole.len(), 1, "{whole:?}");
        for path in ["m3", "a2", "m22"] {
            let whole = by(path, chain.len());
            for stretch in [1, 2, 3, 7] {
                assert_eq!(by(path, stretch), whole, "{path} by {stretch}");
            }
        }
    }

    /// A log reads a stretch of commits in the order their trees' deltas were made. After
    /// `git fast-import` each tree is stored as a delta of its parent commit's (newer of
    /// older); `git repack -adf` stores older trees as deltas of newer ones; loose objects
    /// have no deltas at all. With the files in a folder, the root tree (one entry) is too
    /// small to be a delta and the folder's tree tells.
    #[test]
    fn the_direction_of_tree_deltas_is_read_from_the_pack() {
        for folder in ["", "services/"] {
            let dir = tempfile::tempdir().unwrap();
            let d = dir.path();
            git(d, &["init", "-q", "-b", "main"], "@1700000000 +0000");
            // 30 commits, the first adding 40 files, each later one changing one of them: the
            // trees differ by one entry from commit to commit.
            let mut stream = String::new();
            for i in 1..=30u32 {
                stream += &format!(
                    "commit refs/heads/main\nmark :{i}\ncommitter A <a@example.com> {} +0000\ndata 2\nc\n",
                    1_700_000_000 + i
                );
                if i > 1 {
                    stream += &format!("from :{}\n", i - 1);
                }
                let files: Vec<u32> = if i == 1 { (0..40).collect() } else { vec![i % 40] };
                for f in files {
                    let text = format!("file {f} at commit {i}\n");
                    stream += &format!(
                        "M 100644 inline {folder}file-with-a-long-name-{f:02}.txt\ndata {}\n{text}\n",
                        text.len()
                    );
                }
            }
            crate::git::test_fast_import(d, &(stream + "done\n"));
            let commits: Vec<gix::ObjectId> =
                git(d, &["rev-list", "main"], "@1700000000 +0000").lines().map(|l| l.parse().unwrap()).collect();
            assert_eq!(commits.len(), 30);
            let repo = Repo::discover(d).unwrap();
            assert!(repo.newer_are_deltas(commits.iter().copied()), "{folder:?} fast-import: newer trees are deltas");
            // Any stretch of neighbours tells, not only the newest.
            assert!(repo.newer_are_deltas(commits[10..20].iter().copied()), "{folder:?}");
            git(d, &["repack", "-adfq"], "@1700000000 +0000");
            let repo = Repo::discover(d).unwrap();
            assert!(!repo.newer_are_deltas(commits.iter().copied()), "{folder:?} repack -f: older trees are deltas");
            assert!(!repo.newer_are_deltas(commits[10..20].iter().copied()), "{folder:?}");
        }
        // Loose objects only: no delta either way.
        let loose = tempfile::tempdir().unwrap();
        let l = loose.path();
        git(l, &["init", "-q", "-b", "main"], "@1700000000 +0000");
        for i in 0..5 {
            std::fs::write(l.join(format!("f{i}")), "x\n").unwrap();
            git(l, &["add", "-A"], "@1700000000 +0000");
            git(l, &["commit", "-q", "-m", "c"], "@1700000000 +0000");
        }
        let repo = Repo::discover(l).unwrap();
        let commits = git(l, &["rev-list", "main"], "@1700000000 +0000");
        assert!(!repo.newer_are_deltas(commits.lines().map(|c| c.parse().unwrap())));
    }
}
