//! The only module that talks to git, through gix (no checkout, no `git` subprocess):
//! discovering the repository, resolving revisions, listing and reading plan files in a
//! tree, diffing trees, walking history. Knows about shallow and partial clones and says
//! exactly what to fetch when an object is missing.

mod graph;
mod history;
pub mod notes;
mod packs;
mod refs;
pub mod rev;
pub mod tree;

use std::path::{Path, PathBuf};

pub use gix::ObjectId;

pub use history::{Chain, CommitInfo, PathFollower, Walk};
pub use tree::{FileChange, TreeFile};

/// A repository to open on other threads: see [`Repo::shared`].
pub struct SharedRepo(gix::ThreadSafeRepository, Caches);

impl SharedRepo {
    /// This thread's handle on the repository (with the caches of the one shared).
    pub fn local(&self) -> Repo {
        Repo::configured(self.0.to_thread_local(), self.1.clone())
    }
}

/// What a handle caches: inflated objects (its own); and trees read from the packs with the
/// delta bases resolved on the way (see [`packs`]), whose bases every handle opened from the
/// same one shares.
#[derive(Clone, Default)]
struct Caches {
    objects: usize,
    bases: Option<std::sync::Arc<std::sync::Mutex<packs::Bases>>>,
    packs: Option<std::sync::Arc<packs::Packs>>,
}

/// Refuses a pack that is not the one its index was written for, as git does ("packfile …
/// does not match index"): an index ends with the checksum of its pack, and a pack ends with
/// its own. Objects would otherwise be read from the wrong places, or from a damaged file,
/// without a word. An index whose pack is gone is left alone (git skips it too).
fn check_packs(dir: &Path, hash_len: usize) -> anyhow::Result<()> {
    use std::io::{Read as _, Seek as _};
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    let tail = |path: &Path, from_end: usize| -> Option<Vec<u8>> {
        let mut f = std::fs::File::open(path).ok()?;
        f.seek(std::io::SeekFrom::End(-(from_end as i64))).ok()?;
        let mut out = vec![0; hash_len];
        f.read_exact(&mut out).ok()?;
        Some(out)
    };
    for idx in entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.extension().is_some_and(|x| x == "idx")) {
        let pack = idx.with_extension("pack");
        if !pack.exists() {
            continue;
        }
        let (named, own) = (tail(&idx, 2 * hash_len), tail(&pack, hash_len));
        if named.is_none() || named != own {
            anyhow::bail!(
                "the pack {} does not match its index {} (the pack's checksum is not the one the index names): \
                 the repository is damaged; `git fsck` says more, and a fresh clone is the fix",
                pack.display(),
                idx.display()
            );
        }
    }
    Ok(())
}

/// A repository opened for reading.
pub struct Repo {
    pub(crate) inner: gix::Repository,
    caches: Caches,
    /// The commit-graph, read (and checked) once.
    graph: std::cell::OnceCell<Option<std::sync::Arc<graph::CommitGraph>>>,
    /// The files that differ between the last two commits [`Repo::each_changed_file`] walked,
    /// and what the walk found the same on both sides.
    last_walk: std::cell::RefCell<Option<Walked>>,
    /// The trees read from the packs by this diff of two commits and the one before it.
    recent: std::cell::RefCell<Recent>,
    /// The object folders loose objects are looked for in: the repository's own, then its
    /// alternates'.
    object_dirs: std::cell::OnceCell<Vec<PathBuf>>,
}

/// Trees by id, as read by the diff of two commits under way (`now`) and by the one before
/// it (`before`). Walking history, each version of a tree is read as one commit's and again
/// as its neighbour's (the parent of one is the child's other side).
#[derive(Default)]
struct Recent {
    now: std::collections::HashMap<ObjectId, packs::Data>,
    before: std::collections::HashMap<ObjectId, packs::Data>,
}

/// Two commits, the files that differ between them, and what is the same in both.
type Walked = ((ObjectId, ObjectId), Vec<FileChange>, Vec<tree::Same>);

impl Repo {
    /// Finds the repository containing `dir` (walking up like git), bare ones included.
    pub fn discover(dir: &Path) -> anyhow::Result<Repo> {
        let inner = gix::discover(dir).map_err(|e| {
            let e = anyhow::Error::new(e);
            match gix::discover::upwards(dir) {
                Ok((found, _)) => {
                    let (git_dir, _) = found.into_repository_and_work_tree_directories();
                    e.context(format!("the git repository at {} could not be opened", git_dir.display()))
                }
                Err(_) => {
                    e.context(format!("{} is not inside a git repository (nor is any parent folder)", dir.display()))
                }
            }
        })?;
        // gix reads refs from files; a reftable repository would look empty (no HEAD, no tags).
        let refs = inner.config_snapshot().string("extensions.refStorage");
        if refs.is_some_and(|r| !r.eq_ignore_ascii_case(b"files")) {
            anyhow::bail!(
                "the git repository at {} keeps its refs in the reftable format, which plan cannot read; `git refs migrate --ref-format=files` converts it",
                inner.git_dir().display()
            );
        }
        check_packs(&inner.objects.store_ref().path().join("pack"), inner.object_hash().len_in_bytes())?;
        // No object cache: most reads are one pass (see `cache_objects`).
        Ok(Repo::configured(inner, Caches::default()))
    }

    /// Keeps up to 8 MiB of inflated objects: a history walk reads most trees twice (as a
    /// commit's and as its child's parent's). And reads trees from the repository's packs
    /// keeping every delta base resolved on the way, as git does, up to
    /// `core.deltaBaseCacheLimit` (or 48 MiB), shared by the handles on other threads: gix
    /// keeps only the objects asked for, and resolves a chain of up to 50 deltas from its
    /// base each time. Not when replace refs swap objects (gix's reads apply them).
    pub fn cache_objects(&mut self) {
        self.caches.objects = 8 * 1024 * 1024;
        self.inner.object_cache_size(self.caches.objects);
        if !self.replaces_objects() {
            let limit = self.inner.config_snapshot().integer("core.deltaBaseCacheLimit");
            self.caches.bases = Some(packs::Bases::new(limit.and_then(|l| usize::try_from(l).ok()).filter(|l| *l > 0)));
            self.caches.packs = self.open_packs();
        }
    }

    /// The packs, mapped anew, with the bases kept so far.
    fn open_packs(&self) -> Option<std::sync::Arc<packs::Packs>> {
        let bases = self.caches.bases.clone()?;
        let objects = self.inner.objects.store_ref().path().to_owned();
        Some(std::sync::Arc::new(packs::Packs::open(&objects, self.inner.object_hash(), bases)))
    }

    /// The packs trees are read from with their delta bases kept, when this handle does.
    fn packs(&self) -> Option<&packs::Packs> {
        self.caches.packs.as_deref()
    }

    /// A handle other threads can open the repository from (each with its own object cache;
    /// the packs are mapped anew for them, and unmapped when the last of them is dropped).
    pub fn shared(&self) -> SharedRepo {
        let caches = Caches { packs: self.open_packs(), ..self.caches.clone() };
        SharedRepo(self.inner.clone().into_sync(), caches)
    }

    fn configured(mut inner: gix::Repository, caches: Caches) -> Repo {
        inner.object_cache_size(caches.objects);
        // Without a delta-base cache every tree read re-inflates its whole delta chain;
        // gix only installs one with its `max-performance` feature, which we leave off.
        inner
            .objects
            .set_pack_cache(|| Box::new(gix::odb::pack::cache::lru::MemoryCappedHashmap::new(24 * 1024 * 1024)));
        Repo {
            inner,
            caches,
            graph: Default::default(),
            last_walk: Default::default(),
            recent: Default::default(),
            object_dirs: Default::default(),
        }
    }

    /// The work tree's root, or `None` for a bare repository.
    pub fn work_dir(&self) -> Option<PathBuf> {
        self.inner.workdir().map(Path::to_path_buf)
    }

    /// The git directory shared by every work tree of the repository.
    pub fn common_dir(&self) -> PathBuf {
        self.inner.common_dir().to_path_buf()
    }

    /// `sha1` or `sha256`.
    pub fn object_format(&self) -> &'static str {
        match self.inner.object_hash() {
            gix::hash::Kind::Sha1 => "sha1",
            _ => "sha256",
        }
    }

    /// The commit-graph, when the repository has one and git would use it: `core.commitGraph`
    /// is not false, and no replace refs or grafts rewrite what commits' parents are.
    /// A graph that does not add up is not used, by us or by gix.
    pub(crate) fn commit_graph(&self) -> Option<std::sync::Arc<graph::CommitGraph>> {
        self.graph
            .get_or_init(|| {
                if !self.inner.config_snapshot().boolean("core.commitGraph").unwrap_or(true) {
                    return None;
                }
                let common = self.inner.common_dir();
                if common.join("info/grafts").exists() || self.has_replace_refs() {
                    return None;
                }
                graph::CommitGraph::open(&common.join("objects")).map(std::sync::Arc::new)
            })
            .clone()
    }

    fn has_replace_refs(&self) -> bool {
        let Ok(refs) = self.inner.references() else { return true };
        refs.prefixed("refs/replace/").map_or(true, |mut r| r.next().is_some())
    }

    pub fn is_shallow(&self) -> bool {
        self.inner.is_shallow().unwrap_or(false)
    }

    fn is_partial(&self) -> bool {
        let config = self.inner.config_snapshot();
        config.boolean("remote.origin.promisor").unwrap_or(false) || config.string("extensions.partialClone").is_some()
    }

    /// What to tell the user when an object cannot be read: shallow or partial clone, and the fix.
    pub fn missing_object_hint(&self) -> String {
        if self.is_shallow() {
            "this is a shallow clone, so older commits and tags are missing; fetch the history with \
             `git fetch --unshallow --tags` (in GitHub Actions: actions/checkout with `fetch-depth: 0`)"
                .into()
        } else if self.is_partial() {
            "this is a partial clone (objects are fetched on demand, which plan does not do); fetch them \
             with `git fetch --refetch origin` or clone without `--filter`"
                .into()
        } else {
            "objects are missing or damaged in the repository; `git fsck` says which".into()
        }
    }
}

/// Feeds a `git fast-import` stream (ending in `done`) to the repository in `dir`, for a
/// unit test: it packs what it imports, each version a delta of the one before.
#[cfg(test)]
pub(crate) fn test_fast_import(dir: &Path, stream: &str) {
    use std::io::Write as _;
    let mut import = std::process::Command::new("git")
        .args(["fast-import", "--quiet", "--done"])
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("git runs");
    import.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    assert!(import.wait().unwrap().success(), "git fast-import failed");
}

/// Runs git in `dir` for a unit test: pinned identities (and dates, when given), no system
/// or user config. Its stdout; a failure fails the test.
#[cfg(test)]
pub(crate) fn test_git(dir: &Path, args: &[&str], date: Option<&str>) -> String {
    let mut git = std::process::Command::new("git");
    git.args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "A")
        .env("GIT_AUTHOR_EMAIL", "a@example.com")
        .env("GIT_COMMITTER_NAME", "A")
        .env("GIT_COMMITTER_EMAIL", "a@example.com")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir);
    if let Some(date) = date {
        git.env("GIT_AUTHOR_DATE", date).env("GIT_COMMITTER_DATE", date);
    }
    let out = git.output().expect("git runs");
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}
