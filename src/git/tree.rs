//! Trees at a revision: listing plan files, reading blobs, and a pruned tree-to-tree diff
//! that only descends into subtrees whose ids differ.

use anyhow::{Context as _, bail};
use gix::ObjectId;
use gix::bstr::ByteSlice;

use super::Repo;
use crate::config::{is_plan_path, is_skipped_dir};

/// A file in a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TreeFile {
    pub path: String,
    pub id: ObjectId,
}

/// A plan file that differs between two trees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub path: String,
    pub old: Option<ObjectId>,
    pub new: Option<ObjectId>,
}

/// Something in a tree that looks like a plan but cannot be read as one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: String,
    pub why: &'static str,
}

struct Walk<'a> {
    excludes: &'a globset::GlobSet,
    /// Which files the walk is after (plan files, or the gate's record files).
    wanted: &'a dyn Fn(&str) -> bool,
    skipped: Vec<Skipped>,
    /// A diff of two trees notes here what it found the same on both sides (when `Some`).
    same: Option<Vec<Same>>,
}

/// Something a diff of two trees found the same on both sides, and so did not descend into
/// or report: a subtree, or a plan file (a regular file, its mode perhaps changed).
#[derive(Debug, Clone)]
pub(super) enum Same {
    Tree(String, ObjectId),
    Plan(TreeFile),
}

impl Walk<'_> {
    fn excluded(&self, path: &str) -> bool {
        // Asked of every entry walked: nothing to match when there are no excludes.
        !self.excludes.is_empty() && self.excludes.is_match(path)
    }
}

/// Whether a walk that skips what `excludes` matches would skip `path`: the path or a folder
/// above it matches.
pub fn excluded_at(excludes: &globset::GlobSet, path: &str) -> bool {
    !excludes.is_empty()
        && (path.match_indices('/').any(|(i, _)| excludes.is_match(&path[..i])) || excludes.is_match(path))
}

fn join(prefix: &str, name: &[u8]) -> String {
    let name = name.to_str_lossy();
    if prefix.is_empty() {
        return name.into_owned();
    }
    // Once, at its size (this runs for every file that differs between two commits).
    let mut path = String::with_capacity(prefix.len() + 1 + name.len());
    path.push_str(prefix);
    path.push('/');
    path.push_str(&name);
    path
}

impl Repo {
    /// The root tree of a commit.
    pub fn tree_of(&self, commit: ObjectId) -> anyhow::Result<ObjectId> {
        let c = self.inner.find_commit(commit).with_context(|| {
            format!("reading commit {} ({})", commit.to_hex_with_len(12), self.missing_object_hint())
        })?;
        Ok(c.tree_id().context("reading the commit's tree")?.detach())
    }

    pub(super) fn entries(
        &self,
        tree: ObjectId,
    ) -> anyhow::Result<Vec<(gix::objs::tree::EntryMode, Vec<u8>, ObjectId)>> {
        let data = self.tree_data(tree)?;
        self.entry_refs(&data)?.into_iter().map(|e| Ok((e.mode, e.filename.to_vec(), e.oid.to_owned()))).collect()
    }

    /// A tree object's bytes.
    fn tree_data(&self, tree: ObjectId) -> anyhow::Result<std::sync::Arc<[u8]>> {
        if let Some(data) = self.packs().and_then(|p| p.tree(&tree)) {
            return Ok(data);
        }
        let mut t = self
            .inner
            .find_tree(tree)
            .with_context(|| format!("reading tree {} ({})", tree.to_hex_with_len(12), self.missing_object_hint()))?;
        Ok(t.take_data().into())
    }

    /// The entries of a tree object's bytes, borrowed from them (no allocation per entry).
    fn entry_refs<'d>(&self, data: &'d [u8]) -> anyhow::Result<Vec<gix::objs::tree::EntryRef<'d>>> {
        gix::objs::TreeRefIter::from_bytes(data, self.inner.object_hash())
            .map(|e| e.context("decoding a tree entry"))
            .collect()
    }

    /// Every plan file in the tree of `commit`, sorted by path; plans that are symlinks or
    /// submodules are reported in `skipped`, not read.
    pub fn plan_files(
        &self,
        commit: ObjectId,
        excludes: &globset::GlobSet,
    ) -> anyhow::Result<(Vec<TreeFile>, Vec<Skipped>)> {
        self.files_where(commit, excludes, &is_plan_path)
    }

    /// Every regular file in the tree of `commit` that `wanted` accepts, sorted by path;
    /// symbolic links and submodules are reported in `skipped`, not read.
    pub fn files_where(
        &self,
        commit: ObjectId,
        excludes: &globset::GlobSet,
        wanted: &dyn Fn(&str) -> bool,
    ) -> anyhow::Result<(Vec<TreeFile>, Vec<Skipped>)> {
        let mut files = Vec::new();
        let skipped = self.each_file_where(commit, excludes, wanted, &mut |f| files.push(f))?;
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok((files, skipped))
    }

    /// [`Repo::files_where`], each file handed to `each` as the walk finds it (not in path
    /// order); returns what was skipped.
    pub fn each_file_where(
        &self,
        commit: ObjectId,
        excludes: &globset::GlobSet,
        wanted: &dyn Fn(&str) -> bool,
        each: &mut dyn FnMut(TreeFile),
    ) -> anyhow::Result<Vec<Skipped>> {
        let root = self.tree_of(commit)?;
        let mut walk = Walk { excludes, wanted, skipped: Vec::new(), same: None };
        self.collect(root, "", &mut walk, each)?;
        Ok(walk.skipped)
    }

    fn collect(
        &self,
        tree: ObjectId,
        prefix: &str,
        walk: &mut Walk,
        out: &mut dyn FnMut(TreeFile),
    ) -> anyhow::Result<()> {
        let data = self.tree_data(tree)?;
        // One buffer for the entries' paths (a tree of thousands of files allocates none).
        let mut path = String::with_capacity(prefix.len() + 64);
        for e in self.entry_refs(&data)? {
            let (mode, name, id) = (e.mode, e.filename.as_bytes(), e.oid.to_owned());
            path.clear();
            if !prefix.is_empty() {
                path.push_str(prefix);
                path.push('/');
            }
            path.push_str(&name.to_str_lossy());
            if walk.excluded(&path) {
                continue;
            }
            if mode.is_tree() {
                if !is_skipped_dir(&name.to_str_lossy()) {
                    self.collect(id, &path, walk, out)?;
                }
            } else if (walk.wanted)(&path) {
                let path = path.clone();
                if mode.is_link() {
                    walk.skipped
                        .push(Skipped { path, why: "is a symbolic link in the tree; plans must be regular files" });
                } else if mode.is_commit() {
                    walk.skipped.push(Skipped { path, why: "is a submodule; its plans belong to that repository" });
                } else {
                    out(TreeFile { path, id });
                }
            }
        }
        Ok(())
    }

    /// Reads a blob, refusing objects over `limit` bytes without loading them.
    pub fn read_blob(&self, id: ObjectId, what: &str, limit: usize) -> anyhow::Result<Result<Vec<u8>, u64>> {
        let header = self.inner.find_header(id).map_err(|e| self.unreadable(what, id, e))?;
        if header.size() > limit as u64 {
            return Ok(Err(header.size()));
        }
        let mut blob = self.inner.find_blob(id).map_err(|e| self.unreadable(what, id, e))?;
        let data = blob.take_data();
        // A loose object is checked against its id, as `git fsck` would: gix reads one as
        // whatever it inflates to (a byte flipped inside one read as other bytes, without an
        // error). A packed object's stream is inflated to its end, zlib's checksum included,
        // and the pack is checked against its index when the repository is opened.
        if self.is_loose(&id)
            && gix::objs::compute_hash(self.inner.object_hash(), gix::objs::Kind::Blob, &data).ok() != Some(id)
        {
            anyhow::bail!(
                "reading {what}: object {} is in the repository but its content does not match its id: it is damaged (`git fsck` says more; a fresh clone is the fix)",
                id.to_hex_with_len(12)
            );
        }
        Ok(Ok(data))
    }

    /// Whether object `id` is stored loose in the repository's own objects folder.
    fn is_loose(&self, id: &ObjectId) -> bool {
        let hex = id.to_string();
        self.inner.objects.store_ref().path().join(&hex[..2]).join(&hex[2..]).is_file()
    }

    /// Why object `id` could not be read: missing (with the fix for a shallow or partial
    /// clone), there but damaged, or, when gix says so, memory ran out (under `ulimit -v`,
    /// say), which `git fsck` would not explain.
    fn unreadable(&self, what: &str, id: ObjectId, e: impl std::error::Error + Send + Sync + 'static) -> anyhow::Error {
        let e = anyhow::Error::new(e);
        let hex = id.to_hex_with_len(12);
        let message = if e.chain().any(|c| c.to_string().contains("memory allocation failed")) {
            format!(
                "reading {what}: object {hex} could not be read: memory ran out (is the process's memory limited, as by `ulimit -v`?)"
            )
        } else if self.inner.has_object(id) {
            format!(
                "reading {what}: object {hex} is in the repository but cannot be read: it is damaged (`git fsck` says more; a fresh clone is the fix)"
            )
        } else {
            format!("reading {what}: object {hex} is missing ({})", self.missing_object_hint())
        };
        e.context(message)
    }

    /// The blob at `path` in `commit`, if there is a regular file there. A symbolic link
    /// there is refused, as in the work tree: read as "no file", a linked config would drop
    /// the repository's settings unseen.
    pub fn read_path(&self, commit: ObjectId, path: &str, limit: usize) -> anyhow::Result<Option<Vec<u8>>> {
        let mut tree = self.tree_of(commit)?;
        let parts: Vec<&str> = path.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            let Some((mode, _, id)) = self.entries(tree)?.into_iter().find(|(_, n, _)| n.as_slice() == part.as_bytes())
            else {
                return Ok(None);
            };
            if i + 1 == parts.len() {
                if mode.is_link() {
                    bail!(
                        "{path} is a symbolic link at {}; it must be a regular file in the repository",
                        commit.to_hex_with_len(12)
                    );
                }
                if !mode.is_blob() {
                    return Ok(None);
                }
                return match self.read_blob(id, path, limit)? {
                    Ok(bytes) => Ok(Some(bytes)),
                    Err(size) => bail!("{path} is {size} bytes, over the {limit}-byte limit"),
                };
            }
            if !mode.is_tree() {
                return Ok(None);
            }
            tree = id;
        }
        Ok(None)
    }

    /// The files `wanted` accepts that differ between two commits (added, removed, modified),
    /// found by comparing tree ids and descending only where they differ.
    pub fn changed_files_where(
        &self,
        old: ObjectId,
        new: ObjectId,
        excludes: &globset::GlobSet,
        wanted: &dyn Fn(&str) -> bool,
    ) -> anyhow::Result<Vec<FileChange>> {
        let (a, b) = (self.tree_of(old)?, self.tree_of(new)?);
        let mut walk = Walk { excludes, wanted, skipped: Vec::new(), same: None };
        let mut out = Vec::new();
        self.diff_trees(Some(a), Some(b), "", &mut walk, &mut |ch| out.push(ch))?;
        out.sort_by(|x, y| x.path.cmp(&y.path));
        Ok(out)
    }

    /// Every file that differs between two commits, handed to `each` as the walk finds it
    /// (not in path order), for a caller that sorts several kinds of file out of one walk. The
    /// last walk's files are kept, so a second caller for the same two commits (the gate's
    /// record files after the plans, [`Repo::unchanged_plan_files`]) is answered without
    /// walking again.
    pub fn each_changed_file(
        &self,
        old: ObjectId,
        new: ObjectId,
        each: &mut dyn FnMut(&FileChange),
    ) -> anyhow::Result<()> {
        if let Some((key, files, _)) = &*self.last_walk.borrow()
            && *key == (old, new)
        {
            files.iter().for_each(each);
            return Ok(());
        }
        let (a, b) = (self.tree_of(old)?, self.tree_of(new)?);
        let none = globset::GlobSet::empty();
        let mut walk = Walk { excludes: &none, wanted: &|_| true, skipped: Vec::new(), same: Some(Vec::new()) };
        let mut files = Vec::new();
        self.diff_trees(Some(a), Some(b), "", &mut walk, &mut |ch| {
            each(&ch);
            files.push(ch);
        })?;
        *self.last_walk.borrow_mut() = Some(((old, new), files, walk.same.unwrap_or_default()));
        Ok(())
    }

    /// The plan files of `new` that are the same in `old` (content and path; the mode may
    /// differ), outside `excludes`, sorted by path: [`Repo::plan_files`] of `new` less the
    /// plan files that changed. Only the subtrees the two commits share are walked; the rest
    /// is what the diff of the two (kept from [`Repo::each_changed_file`]) found.
    pub fn unchanged_plan_files(
        &self,
        old: ObjectId,
        new: ObjectId,
        excludes: &globset::GlobSet,
    ) -> anyhow::Result<Vec<TreeFile>> {
        self.each_changed_file(old, new, &mut |_| {})?;
        let same = match &*self.last_walk.borrow() {
            Some((key, _, same)) if *key == (old, new) => same.clone(),
            _ => bail!("the walk of {} against {} was not kept", new.to_hex_with_len(12), old.to_hex_with_len(12)),
        };
        let mut files = Vec::new();
        let mut walk = Walk { excludes, wanted: &is_plan_path, skipped: Vec::new(), same: None };
        for s in same {
            match s {
                Same::Plan(f) if !excluded_at(excludes, &f.path) => files.push(f),
                Same::Tree(path, id) => {
                    let name = path.rsplit('/').next().unwrap_or(&path);
                    if !is_skipped_dir(name) && !excluded_at(excludes, &path) {
                        self.collect(id, &path, &mut walk, &mut |f| files.push(f))?;
                    }
                }
                Same::Plan(_) => {}
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(files)
    }

    fn diff_trees(
        &self,
        a: Option<ObjectId>,
        b: Option<ObjectId>,
        prefix: &str,
        walk: &mut Walk,
        out: &mut dyn FnMut(FileChange),
    ) -> anyhow::Result<()> {
        if a == b {
            if let (Some(same), Some(id)) = (&mut walk.same, b) {
                same.push(Same::Tree(prefix.to_owned(), id));
            }
            return Ok(());
        }
        let data = |t: Option<ObjectId>| t.map(|t| self.tree_data(t)).transpose().map(Option::unwrap_or_default);
        let (left_data, right_data) = (data(a)?, data(b)?);
        // Entries borrowed from the objects' bytes, by name (git's order is by name with a
        // tree's name ending in `/`: nearly sorted already).
        let mut left = self.entry_refs(&left_data)?;
        let mut right = self.entry_refs(&right_data)?;
        left.sort_by(|x, y| x.filename.cmp(y.filename));
        right.sort_by(|x, y| x.filename.cmp(y.filename));
        // Merge join over the two sorted entry lists.
        let (mut i, mut j) = (0, 0);
        while i < left.len() || j < right.len() {
            let order = match (left.get(i), right.get(j)) {
                (Some(l), Some(r)) => l.filename.cmp(r.filename),
                (Some(_), None) => std::cmp::Ordering::Less,
                _ => std::cmp::Ordering::Greater,
            };
            let (l, r) = match order {
                std::cmp::Ordering::Less => (left.get(i), None),
                std::cmp::Ordering::Greater => (None, right.get(j)),
                std::cmp::Ordering::Equal => (left.get(i), right.get(j)),
            };
            if order != std::cmp::Ordering::Greater {
                i += 1;
            }
            if order != std::cmp::Ordering::Less {
                j += 1;
            }
            if let (Some(l), Some(r)) = (l, r)
                && l.mode == r.mode
                && l.oid == r.oid
            {
                if let Some(same) = &mut walk.same {
                    let name = r.filename.as_bytes();
                    if r.mode.is_tree() {
                        same.push(Same::Tree(join(prefix, name), r.oid.to_owned()));
                    } else if r.mode.is_blob() && is_plan_path(&name.to_str_lossy()) {
                        same.push(Same::Plan(TreeFile { path: join(prefix, name), id: r.oid.to_owned() }));
                    }
                }
                continue;
            }
            let name = l.or(r).map(|e| e.filename.as_bytes()).unwrap_or_default();
            let path = join(prefix, name);
            if walk.excluded(&path) {
                continue;
            }
            type E<'d> = gix::objs::tree::EntryRef<'d>;
            let tree_id = |e: Option<&E>| e.filter(|e| e.mode.is_tree()).map(|e| e.oid.to_owned());
            let blob_id = |e: Option<&E>| e.filter(|e| e.mode.is_blob()).map(|e| e.oid.to_owned());
            let (lt, rt) = (tree_id(l), tree_id(r));
            if (lt.is_some() || rt.is_some()) && !is_skipped_dir(&name.to_str_lossy()) {
                self.diff_trees(lt, rt, &path, walk, out)?;
            }
            let (lb, rb) = (blob_id(l), blob_id(r));
            if lb != rb {
                if (walk.wanted)(&path) {
                    out(FileChange { path, old: lb, new: rb });
                }
            } else if let (Some(same), Some(id)) = (&mut walk.same, rb)
                && is_plan_path(&path)
            {
                // The same content under another mode (made executable, say).
                same.push(Same::Plan(TreeFile { path, id }));
            }
        }
        Ok(())
    }
}

impl Repo {
    /// Tracked files of `commit` whose content in the work tree differs from it (changed,
    /// missing, or no longer a regular file), up to `limit`, sorted. Untracked files (the
    /// evidence CI leaves) do not count. Content is compared as git would hash it, without
    /// filters, when git itself cannot be run (then a checkout with `core.autocrlf` reads as changed).
    pub fn changed_in_work_tree(&self, commit: ObjectId, limit: usize) -> anyhow::Result<Vec<String>> {
        let root = self.work_dir().context("a bare repository has no work tree")?;
        // git itself knows what "clean" means here: attributes (eol, ident), clean filters
        // and LFS, core.fileMode, sparse checkouts, submodules. Without git, compare contents.
        if let Some(changed) = git_status(&root, limit)? {
            return Ok(changed);
        }
        let mut files = Vec::new();
        self.collect_all(self.tree_of(commit)?, "", &mut files)?;
        let mut out = Vec::new();
        for f in &files {
            if out.len() >= limit {
                break;
            }
            let path = root.join(&f.path);
            let same = match std::fs::symlink_metadata(&path) {
                Ok(m) if m.is_file() && executable(&m) == f.executable => {
                    std::fs::read(&path).ok().and_then(|data| {
                        gix::objs::compute_hash(self.inner.object_hash(), gix::objs::Kind::Blob, &data).ok()
                    }) == Some(f.id)
                }
                _ => false,
            };
            if !same {
                out.push(f.path.clone());
            }
        }
        // Staged but not committed: a file added to, changed in or removed from the index
        // (`git add`, `git rm --cached`) is not the commit either, whatever the work tree says.
        if out.len() < limit {
            for path in self.staged_against(&files)? {
                if out.len() >= limit {
                    break;
                }
                if !out.contains(&path) {
                    out.push(format!("{path} (staged)"));
                }
            }
        }
        Ok(out)
    }

    /// Paths whose index entry differs from `files` (the commit's regular files): added,
    /// changed, removed, or in conflict. No index file (nothing was ever staged): none.
    fn staged_against(&self, files: &[TrackedFile]) -> anyhow::Result<Vec<String>> {
        use gix::index::entry::{Mode, Stage};
        if !self.inner.index_path().exists() {
            return Ok(Vec::new());
        }
        let index = self.inner.open_index().context("reading the index (.git/index)")?;
        let committed: std::collections::HashMap<&str, ObjectId> =
            files.iter().map(|f| (f.path.as_str(), f.id)).collect();
        let mut seen = std::collections::HashSet::new();
        let mut out = Vec::new();
        for entry in index.entries() {
            let path = entry.path(&index).to_str_lossy().into_owned();
            // Submodules and links are not compared in the work tree either.
            if !matches!(entry.mode, Mode::FILE | Mode::FILE_EXECUTABLE) {
                seen.insert(path);
                continue;
            }
            let differs = entry.stage() != Stage::Unconflicted || committed.get(path.as_str()) != Some(&entry.id);
            if differs && !out.contains(&path) {
                out.push(path.clone());
            }
            seen.insert(path);
        }
        out.extend(files.iter().filter(|f| !seen.contains(&f.path)).map(|f| f.path.clone()));
        out.sort();
        Ok(out)
    }

    /// Every regular file of a tree, with its executable bit (submodules and links skipped).
    fn collect_all(&self, tree: ObjectId, prefix: &str, out: &mut Vec<TrackedFile>) -> anyhow::Result<()> {
        for (mode, name, id) in self.entries(tree)? {
            let path = join(prefix, &name);
            if mode.is_tree() {
                self.collect_all(id, &path, out)?;
            } else if mode.is_blob() {
                out.push(TrackedFile { path, id, executable: mode.is_executable() });
            }
        }
        Ok(())
    }
}

/// `git status` of the tracked files (index and work tree against HEAD, submodules
/// included), as paths (`(staged)` when only the index differs); `None` when git cannot be
/// run. The caller has checked that HEAD is the gated commit.
fn git_status(root: &std::path::Path, limit: usize) -> anyhow::Result<Option<Vec<String>>> {
    let out = std::process::Command::new("git")
        .args(["-c", "core.fsmonitor=false", "-c", "core.quotePath=false", "status", "--porcelain=v1", "-z"])
        .args(["--untracked-files=no", "--ignore-submodules=none", "--no-renames"])
        .current_dir(root)
        .env("GIT_OPTIONAL_LOCKS", "0")
        .stdin(std::process::Stdio::null())
        .output();
    let out = match out {
        Ok(o) => o,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).context("running git status"),
    };
    anyhow::ensure!(
        out.status.success(),
        "git status failed in {}: {}",
        root.display(),
        String::from_utf8_lossy(&out.stderr).trim()
    );
    let mut changed = Vec::new();
    for entry in out.stdout.split(|b| *b == 0).filter(|e| e.len() > 3) {
        if changed.len() >= limit {
            break;
        }
        let (x, y) = (entry[0], entry[1]);
        let path = String::from_utf8_lossy(&entry[3..]).into_owned();
        changed.push(if y == b' ' && x != b' ' { format!("{path} (staged)") } else { path });
    }
    Ok(Some(changed))
}

/// A regular file of a commit, as the work tree should have it.
struct TrackedFile {
    path: String,
    id: ObjectId,
    executable: bool,
}

#[cfg(unix)]
fn executable(m: &std::fs::Metadata) -> bool {
    std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0
}

#[cfg(not(unix))]
fn executable(_: &std::fs::Metadata) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::Repo;
    use crate::config::is_plan_path;

    /// An object gix could not inflate for want of memory is not called missing: `git fsck`
    /// would find nothing, and the user's limit on memory is what to look at.
    #[test]
    fn memory_running_out_is_not_reported_as_a_missing_object() {
        #[derive(Debug)]
        struct Gix(&'static str);
        impl std::fmt::Display for Gix {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.0)
            }
        }
        impl std::error::Error for Gix {}
        let dir = tempfile::tempdir().unwrap();
        crate::git::test_git(dir.path(), &["init", "-q", "-b", "main"], None);
        let repo = Repo::discover(dir.path()).unwrap();
        let id = gix::ObjectId::empty_blob(gix::hash::Kind::Sha1);
        let oom = Gix(
            "Entry too large to fit in memory: memory allocation failed because the memory allocator returned an error",
        );
        let message = format!("{:#}", repo.unreadable("a.toml", id, oom));
        assert!(
            message.starts_with("reading a.toml: object e69de29bb2d1 could not be read: memory ran out"),
            "{message}"
        );
        assert!(!message.contains("missing") && !message.contains("fsck"), "{message}");
        let message =
            format!("{:#}", repo.unreadable("a.toml", id, Gix("An object with id e69de29 could not be found")));
        assert!(message.starts_with("reading a.toml: object e69de29bb2d1 is missing"), "{message}");
        assert!(message.contains("git fsck"), "{message}");
    }

    /// The unchanged plan files the diff of two commits leaves to walk are exactly the plan
    /// files of the newer commit less the ones that changed: in subtrees both share (found
    /// without descending in the diff), beside changed files, after a mode change; never in
    /// an excluded or skipped folder, never a symbolic link.
    #[test]
    fn unchanged_plan_files_are_the_plan_files_less_the_changed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let git = |args: &[&str]| crate::git::test_git(d, args, Some("@1700000000 +0000"));
        let write = |path: &str, text: &str| {
            let path = d.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        git(&["init", "-q", "-b", "main"]);
        for path in [
            "support-plan.toml",
            "shared/support-plan.toml",
            "shared/deep/x.support-plan.toml",
            "b/x/support-plan.toml",
            "c/support-plan.toml",
            "d/support-plan.toml",
            "e/support-plan.toml",
            "node_modules/support-plan.toml",
            "vendor/support-plan.toml",
            "g/skip.support-plan.toml",
            "h/notes.md",
        ] {
            write(path, &format!("# {path}\n"));
        }
        std::os::unix::fs::symlink("../shared/support-plan.toml", d.join("g/support-plan.toml")).unwrap();
        git(&["add", "-A"]);
        git(&["commit", "-q", "-m", "one"]);
        write("b/other.txt", "b changes beside its unchanged subtree\n");
        write("d/support-plan.toml", "# edited\n");
        std::fs::remove_file(d.join("e/support-plan.toml")).unwrap();
        write("f/support-plan.toml", "# added\n");
        write("h/notes.md", "# the root changes\n");
        git(&["add", "-A"]);
        git(&["update-index", "--chmod=+x", "c/support-plan.toml"]);
        git(&["commit", "-q", "-m", "two"]);
        let repo = Repo::discover(d).unwrap();
        let id = |rev: &str| gix::ObjectId::from_hex(git(&["rev-parse", rev]).trim().as_bytes()).unwrap();
        let (one, two) = (id("HEAD~1"), id("HEAD"));
        let mut b = globset::GlobSetBuilder::new();
        b.add(globset::Glob::new("vendor").unwrap());
        b.add(globset::Glob::new("**/skip.support-plan.toml").unwrap());
        let excludes = b.build().unwrap();
        let paths = |files: Vec<super::TreeFile>| files.into_iter().map(|f| f.path).collect::<Vec<_>>();
        let expected = |old, new| {
            let changed = paths(repo.plan_files(new, &excludes).unwrap().0).into_iter().filter(|p| {
                !repo.changed_files_where(old, new, &excludes, &is_plan_path).unwrap().iter().any(|c| &c.path == p)
            });
            changed.collect::<Vec<_>>()
        };
        let unchanged = paths(repo.unchanged_plan_files(one, two, &excludes).unwrap());
        assert_eq!(
            unchanged,
            [
                "b/x/support-plan.toml",
                "c/support-plan.toml",
                "shared/deep/x.support-plan.toml",
                "shared/support-plan.toml",
                "support-plan.toml"
            ]
        );
        assert_eq!(unchanged, expected(one, two));
        // The other way round, after a walk of other commits was kept; and a commit with itself.
        repo.each_changed_file(two, two, &mut |_| {}).unwrap();
        assert_eq!(paths(repo.unchanged_plan_files(two, one, &excludes).unwrap()), expected(two, one));
        assert_eq!(paths(repo.unchanged_plan_files(two, two, &excludes).unwrap()), expected(two, two));
        assert_eq!(paths(repo.unchanged_plan_files(two, two, &excludes).unwrap()).len(), 7);
    }
}
