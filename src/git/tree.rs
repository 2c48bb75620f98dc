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

type EntryRef<'d> = gix::objs::tree::EntryRef<'d>;
/// An entry of the first tree and of the second, by name (`None` on the side without it).
type Pair<'d> = (Option<EntryRef<'d>>, Option<EntryRef<'d>>);

/// The entries of two trees that are not the same on both sides, paired by name (`None` on
/// the side without it), in git's order. Trees as git writes them are sorted and two versions
/// of one mostly share their bytes: runs of identical entries are stepped over by comparing
/// bytes, and only entries that differ are decoded. `None` when either tree's entries are out
/// of git's order (a tree git would not write), for the caller to pair them by sorting.
fn differing_entries<'d>(
    left: &'d [u8],
    right: &'d [u8],
    hash: gix::hash::Kind,
) -> anyhow::Result<Option<Vec<Pair<'d>>>> {
    let hash_len = hash.len_in_bytes();
    // Where the entry starting at `at` ends: `<mode> <name>\0<id>`.
    let end_of = |data: &[u8], at: usize| -> anyhow::Result<usize> {
        let end = data[at..].find_byte(0).map(|nul| at + nul + 1 + hash_len);
        end.filter(|end| *end <= data.len()).context("decoding a tree entry: it is cut short")
    };
    let entry = |data: &'d [u8], at: usize| -> anyhow::Result<(EntryRef<'d>, usize)> {
        let end = end_of(data, at)?;
        let e = gix::objs::TreeRefIter::from_bytes(&data[at..end], hash).next();
        Ok((e.context("decoding a tree entry: it is empty")?.context("decoding a tree entry")?, end))
    };
    let mut pairs = Vec::new();
    let (mut i, mut j) = (0, 0);
    // The last entry decoded on each side, by where it starts, to check the order.
    let mut last: [Option<(usize, EntryRef<'d>)>; 2] = [None, None];
    let mut in_order = |side: usize, at: usize, e: &EntryRef<'d>| {
        let ok = match &last[side] {
            Some((was, _)) if *was == at => true,
            Some((_, before)) => before < e,
            None => true,
        };
        last[side] = Some((at, *e));
        ok
    };
    loop {
        // Entries the same on both sides, byte for byte, are stepped over whole.
        let common = common_prefix(&left[i..], &right[j..]);
        if i + common == left.len() && j + common == right.len() {
            break;
        }
        let mut skip = 0;
        while i + skip < left.len() {
            let end = end_of(left, i + skip)?;
            if end - i > common {
                break;
            }
            skip = end - i;
        }
        (i, j) = (i + skip, j + skip);
        let l = (i < left.len()).then(|| entry(left, i)).transpose()?;
        let r = (j < right.len()).then(|| entry(right, j)).transpose()?;
        if l.as_ref().is_some_and(|(e, _)| !in_order(0, i, e)) || r.as_ref().is_some_and(|(e, _)| !in_order(1, j, e)) {
            return Ok(None);
        }
        let order = match (&l, &r) {
            (Some((l, _)), Some((r, _))) => l.cmp(r),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => break,
        };
        let (l, r) = match order {
            std::cmp::Ordering::Less => (l, None),
            std::cmp::Ordering::Greater => (None, r),
            std::cmp::Ordering::Equal => (l, r),
        };
        if let Some((_, end)) = l {
            i = end;
        }
        if let Some((_, end)) = r {
            j = end;
        }
        pairs.push((l.map(|(e, _)| e), r.map(|(e, _)| e)));
    }
    Ok(Some(pairs))
}

/// How many bytes `a` and `b` start with in common.
fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 16;
    let n = a.len().min(b.len());
    let mut k = 0;
    while k + CHUNK <= n && a[k..k + CHUNK] == b[k..k + CHUNK] {
        k += CHUNK;
    }
    while k < n && a[k] == b[k] {
        k += 1;
    }
    k
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
        let tree = c.tree_id().map_err(|_| {
            anyhow::anyhow!(
                "reading commit {}: it is damaged, its tree cannot be read from it ({})",
                commit.to_hex_with_len(12),
                self.missing_object_hint()
            )
        })?;
        Ok(tree.detach())
    }

    pub(super) fn entries(
        &self,
        tree: ObjectId,
    ) -> anyhow::Result<Vec<(gix::objs::tree::EntryMode, Vec<u8>, ObjectId)>> {
        let data = self.tree_data(tree)?;
        self.entry_refs(&data)?.into_iter().map(|e| Ok((e.mode, e.filename.to_vec(), e.oid.to_owned()))).collect()
    }

    /// A tree object's bytes.
    fn tree_data(&self, tree: ObjectId) -> anyhow::Result<super::packs::Data> {
        if let Some(packs) = self.packs() {
            let mut recent = self.recent.borrow_mut();
            let kept = recent.now.get(&tree).or_else(|| recent.before.get(&tree)).cloned();
            if let Some(data) = kept.or_else(|| packs.tree(&tree)) {
                recent.now.insert(tree, data.clone());
                return Ok(data);
            }
        }
        let mut t = self
            .inner
            .find_tree(tree)
            .with_context(|| format!("reading tree {} ({})", tree.to_hex_with_len(12), self.missing_object_hint()))?;
        Ok(std::sync::Arc::new(t.take_data()))
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
        // and the pack is checked against its index when the repository is opened. Where a
        // replace ref (`git replace`) swaps the object, gix reads the replacement, whose id
        // it is checked against.
        let read = self.replaced(id);
        if self.is_loose(&read)
            && gix::objs::compute_hash(self.inner.object_hash(), gix::objs::Kind::Blob, &data).ok() != Some(read)
        {
            anyhow::bail!(
                "reading {what}: object {} is in the repository but its content does not match its id: it is damaged (`git fsck` says more; a fresh clone is the fix)",
                id.to_hex_with_len(12)
            );
        }
        Ok(Ok(data))
    }

    /// The object reads of `id` give: its replacement, when a replace ref names one.
    pub fn replaced(&self, id: ObjectId) -> ObjectId {
        let mut replacements = self.inner.objects.store_ref().replacements();
        replacements.find(|(from, _)| *from == id).map_or(id, |(_, to)| to)
    }

    /// Whether a replace ref (`refs/replace/`) swaps any object for another.
    pub fn replaces_objects(&self) -> bool {
        self.inner.objects.store_ref().replacements().next().is_some()
    }

    /// Whether object `id` is stored loose, in the repository's own objects folder or an
    /// alternate's (whose loose objects are as open to damage).
    fn is_loose(&self, id: &ObjectId) -> bool {
        let hex = id.to_string();
        let dirs = self.object_dirs.get_or_init(|| {
            let store = self.inner.objects.store_ref();
            let mut dirs = vec![store.path().to_owned()];
            dirs.extend(store.alternate_db_paths().unwrap_or_default());
            dirs
        });
        dirs.iter().any(|d| d.join(&hex[..2]).join(&hex[2..]).is_file())
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
        let Some((mode, id)) = self.entry_at(commit, path)? else { return Ok(None) };
        if mode.is_link() {
            bail!(
                "{path} is a symbolic link at {}; it must be a regular file in the repository",
                commit.to_hex_with_len(12)
            );
        }
        if !mode.is_blob() {
            return Ok(None);
        }
        match self.read_blob(id, path, limit)? {
            Ok(bytes) => Ok(Some(bytes)),
            Err(size) => bail!("{path} is {size} bytes, over the {limit}-byte limit"),
        }
    }

    /// The regular file at `path` in `commit`, within `limit` bytes; `None` when there is
    /// none (nothing there, a symbolic link, a submodule, a folder) or it is larger.
    pub fn read_regular_file(&self, commit: ObjectId, path: &str, limit: usize) -> anyhow::Result<Option<Vec<u8>>> {
        match self.entry_at(commit, path)? {
            Some((mode, id)) if mode.is_blob() => Ok(self.read_blob(id, path, limit)?.ok()),
            _ => Ok(None),
        }
    }

    /// The mode and id of the entry at `path` in `commit`, if there is one.
    fn entry_at(&self, commit: ObjectId, path: &str) -> anyhow::Result<Option<(gix::objs::tree::EntryMode, ObjectId)>> {
        let mut tree = self.tree_of(commit)?;
        let parts: Vec<&str> = path.split('/').collect();
        for (i, part) in parts.iter().enumerate() {
            let Some((mode, _, id)) = self.entries(tree)?.into_iter().find(|(_, n, _)| n.as_slice() == part.as_bytes())
            else {
                return Ok(None);
            };
            if i + 1 == parts.len() {
                return Ok(Some((mode, id)));
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
        {
            let mut recent = self.recent.borrow_mut();
            recent.before = std::mem::take(&mut recent.now);
        }
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
        // What is the same on both sides need not even be decoded, unless it is asked for.
        if walk.same.is_none()
            && let Some(pairs) = differing_entries(&left_data, &right_data, self.inner.object_hash())?
        {
            for (l, r) in pairs {
                self.diff_entry(l.as_ref(), r.as_ref(), prefix, walk, out)?;
            }
            return Ok(());
        }
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
            self.diff_entry(l, r, prefix, walk, out)?;
        }
        Ok(())
    }

    /// One name of two trees being diffed: the entry on each side (`None` where there is
    /// none), descended into or reported.
    fn diff_entry(
        &self,
        l: Option<&EntryRef<'_>>,
        r: Option<&EntryRef<'_>>,
        prefix: &str,
        walk: &mut Walk,
        out: &mut dyn FnMut(FileChange),
    ) -> anyhow::Result<()> {
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
            return Ok(());
        }
        let name = l.or(r).map(|e| e.filename.as_bytes()).unwrap_or_default();
        let path = join(prefix, name);
        if walk.excluded(&path) {
            return Ok(());
        }
        let tree_id = |e: Option<&EntryRef>| e.filter(|e| e.mode.is_tree()).map(|e| e.oid.to_owned());
        let blob_id = |e: Option<&EntryRef>| e.filter(|e| e.mode.is_blob()).map(|e| e.oid.to_owned());
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

    /// The diff of two trees that steps over the bytes both share is the diff git makes: for
    /// files changed first, last and in the middle of a large folder, added and removed
    /// between others, a file and a folder of one name (whose places in git's order differ),
    /// names that sort differently with a `/` after them, modes changed, symbolic links, and
    /// one side empty. A tree whose entries are out of order (which git does not write) is
    /// paired by name all the same.
    #[test]
    fn the_diff_of_two_trees_is_the_one_git_makes() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let git = |args: &[&str]| crate::git::test_git(d, args, Some("@1700000000 +0000"));
        git(&["init", "-q", "-b", "main"]);
        let file =
            |mode: &str, path: &str, text: &str| format!("M {mode} inline {path}\ndata {}\n{text}\n", text.len());
        let mut commits = vec![String::new()];
        for name in ["a", "a-b", "a.b", "a0", "top.txt"] {
            commits[0] += &file("100644", name, name);
        }
        for i in 0..200 {
            commits[0] += &file("100644", &format!("big/f{i:03}"), &format!("{i}"));
        }
        commits.push(["big/f000", "big/f100", "big/f199"].map(|p| file("100644", p, "changed")).concat());
        commits.push(file("100644", "big/f0995", "between") + "D big/f050\n");
        commits.push("D a\n".to_owned() + &file("100644", "a/inner.txt", "a folder named a"));
        // `a-b` and `a.b` sort before the folder `a` (as `a/`), but after it by name alone.
        commits.push("D a-b\nD a.b\n".to_owned() + &file("100644", "a/inner.txt", "changed"));
        commits.push("D a\n".to_owned() + &file("100644", "a", "a file again"));
        commits.push(file("100755", "big/f010", "10") + &file("120000", "big/f020", "f021"));
        commits.push("D big\n".to_owned() + &file("100644", "big", "one file where the folder was"));
        commits.push("deleteall\n".to_owned() + &file("100644", "a", "alone"));
        commits.push("deleteall\n".to_owned());
        let mut stream = String::new();
        for (i, changes) in commits.iter().enumerate() {
            let n = i + 1;
            stream += &format!(
                "commit refs/heads/main\nmark :{n}\ncommitter A <a@example.com> {} +0000\ndata 2\nc\n",
                1_700_000_000 + n
            );
            if n > 1 {
                stream += &format!("from :{}\n", n - 1);
            }
            stream += changes;
        }
        crate::git::test_fast_import(d, &(stream + "done\n"));
        let repo = Repo::discover(d).unwrap();
        let id = |rev: &str| gix::ObjectId::from_hex(git(&["rev-parse", rev]).trim().as_bytes()).unwrap();
        let none = globset::GlobSet::empty();
        let ours = |old: gix::ObjectId, new: gix::ObjectId| {
            let changes = repo.changed_files_where(old, new, &none, &|_| true).unwrap();
            changes.into_iter().map(|c| (c.path, c.old, c.new)).collect::<Vec<_>>()
        };
        // git's own: the regular files whose content differs, or that are one only on one side.
        let theirs = |old: gix::ObjectId, new: gix::ObjectId| {
            let raw = git(&["diff-tree", "-r", "--no-renames", "--raw", &old.to_string(), &new.to_string()]);
            let mut files = Vec::new();
            for line in raw.lines() {
                let (fields, path) = line.split_once('\t').unwrap();
                let f: Vec<&str> = fields.trim_start_matches(':').split(' ').collect();
                let blob = |mode: &str, id: &str| {
                    mode.starts_with("100").then(|| gix::ObjectId::from_hex(id.as_bytes()).unwrap())
                };
                let (a, b) = (blob(f[0], f[2]), blob(f[1], f[3]));
                if a != b {
                    files.push((path.to_owned(), a, b));
                }
            }
            files.sort();
            files
        };
        let n = commits.len();
        let mut pairs: Vec<(usize, usize)> = (1..n).map(|i| (i, i + 1)).collect();
        pairs.extend([(1, n - 1), (n - 1, 1), (2, 5), (5, 2), (1, 1), (3, 7)]);
        for (a, b) in pairs {
            let (old, new) = (id(&format!("main~{}", n - a)), id(&format!("main~{}", n - b)));
            let expected = theirs(old, new);
            assert!(a == b || !expected.is_empty(), "commits {a} and {b} differ");
            assert_eq!(ours(old, new), expected, "commits {a} and {b}");
        }
        // Trees written out of order by hand: `b` then `a` against `a` then a changed `b`.
        let blob = |text: &str| {
            std::fs::write(d.join("blob"), text).unwrap();
            gix::ObjectId::from_hex(git(&["hash-object", "-w", "blob"]).trim().as_bytes()).unwrap()
        };
        let (a, b1, b2) = (blob("a"), blob("b1"), blob("b2"));
        let tree = |entries: &[(&str, gix::ObjectId)]| {
            let mut raw = Vec::new();
            for (name, id) in entries {
                raw.extend_from_slice(format!("100644 {name}\0").as_bytes());
                raw.extend_from_slice(id.as_bytes());
            }
            std::fs::write(d.join("tree"), raw).unwrap();
            let tree = git(&["hash-object", "-w", "-t", "tree", "--literally", "tree"]);
            let commit = git(&["commit-tree", "-m", "by hand", tree.trim()]);
            gix::ObjectId::from_hex(commit.trim().as_bytes()).unwrap()
        };
        let (unsorted, sorted) = (tree(&[("b", b1), ("a", a)]), tree(&[("a", a), ("b", b2)]));
        assert_eq!(ours(unsorted, sorted), [("b".to_owned(), Some(b1), Some(b2))]);
        assert_eq!(ours(sorted, unsorted), [("b".to_owned(), Some(b2), Some(b1))]);
        // Ids that differ in their last byte only (a tree's entries are not read here).
        let mut last = b1.as_bytes().to_vec();
        *last.last_mut().unwrap() ^= 1;
        let near = gix::ObjectId::from_bytes_or_panic(&last);
        let (one, other) = (tree(&[("a", a), ("b", b1), ("c", a)]), tree(&[("a", a), ("b", near), ("c", a)]));
        assert_eq!(ours(one, other), [("b".to_owned(), Some(b1), Some(near))]);
    }
}
