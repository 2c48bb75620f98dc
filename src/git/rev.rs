//! Revisions: tags (annotated and lightweight), branches, remote branches, SHAs, `HEAD~n`,
//! `A...B` (merge-base). Parsed by gix, never handed to a shell.

use anyhow::{Context as _, bail};
use gix::ObjectId;

use super::Repo;

/// A revision the user named, resolved to a commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// What the user wrote (`v1.2.0`).
    pub spec: String,
    pub id: ObjectId,
}

impl Resolved {
    pub fn short(&self) -> String {
        self.id.to_hex_with_len(12).to_string()
    }

    /// `v1.2.0 (0a1b2c3d4e5f)`.
    pub fn describe(&self) -> String {
        if self.spec.starts_with(&self.short()) { self.short() } else { format!("{} ({})", self.spec, self.short()) }
    }
}

/// A release tag with the commit it names and when it was made (seconds since the epoch).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedTag {
    pub name: String,
    pub commit: ObjectId,
    pub time: i64,
}

impl Repo {
    /// Resolves a revision to a commit. `A...B` is the merge-base of A and B. Errors are of
    /// kind `revision` and name it.
    pub fn resolve(&self, spec: &str) -> anyhow::Result<Resolved> {
        self.resolve_spec(spec).map_err(|e| {
            if e.chain().any(|c| c.downcast_ref::<crate::error::ErrorInfo>().is_some()) {
                e
            } else {
                crate::error::revision(spec, format!("{e:#}"))
            }
        })
    }

    /// gix's revision parser, shielded: it panics on a range whose second side uses `^-`
    /// (`HEAD..HEAD^-`, found by fuzzing), which is refused first; any other panic in it is
    /// caught and becomes an error (never a crash of the gate).
    fn parse_single(&self, spec: &str) -> anyhow::Result<gix::Id<'_>> {
        if spec.split_once("..").is_some_and(|(_, b)| b.contains("^-")) {
            bail!("`{spec}` combines a range with `^-`, which names a range itself");
        }
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let parsed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.inner.rev_parse_single(spec)));
        std::panic::set_hook(previous);
        match parsed {
            Ok(Ok(id)) => Ok(id),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => bail!("`{spec}` cannot be parsed as a revision"),
        }
    }

    fn resolve_spec(&self, spec: &str) -> anyhow::Result<Resolved> {
        if spec.starts_with('-') {
            bail!("revision `{spec}` starts with `-`; revisions are never options (did you mean a flag?)");
        }
        if spec.trim().is_empty() {
            bail!("an empty revision was given");
        }
        // gix reads `X^!` as X; it is git's range of X alone.
        if let Some(one) = spec.strip_suffix("^!") {
            bail!(
                "`{spec}` is a range (the commit without its parents), not one revision: for what that commit changed, \
                 write `plan diff {one}^ {one}` or `plan log {one}^..{one}`"
            );
        }
        if let Some((a, b)) = spec.split_once("..").filter(|_| !spec.contains("..."))
            && !a.is_empty()
            && !b.is_empty()
            && self.parse_single(spec).is_err()
        {
            bail!("`{spec}` is a range; plan takes two revisions: write `{a} {b}`");
        }
        if let Some((a, b)) = spec.split_once("...") {
            let a = self.resolve_spec(if a.is_empty() { "HEAD" } else { a })?;
            let b = self.resolve_spec(if b.is_empty() { "HEAD" } else { b })?;
            let base = self
                .inner
                .merge_base(a.id, b.id)
                .with_context(|| format!("finding the merge-base of {} and {}", a.spec, b.spec))?
                .with_context(|| format!("{} and {} have no common ancestor", a.spec, b.spec))?;
            return Ok(Resolved { spec: spec.to_owned(), id: base.detach() });
        }
        let id = match self.parse_single(spec) {
            Ok(id) => id,
            Err(_) if self.loose_prefix(spec).is_some() => {
                let id = self.loose_prefix(spec).unwrap_or_else(|| self.inner.object_hash().null());
                return self.resolve_spec(&id.to_string());
            }
            Err(e) => {
                let hint =
                    if self.is_shallow() { format!("\n  note: {}", self.missing_object_hint()) } else { String::new() };
                if spec.starts_with("HEAD") && self.inner.head_id().is_err() {
                    // HEAD names a commit that cannot be read, or none at all.
                    match self.inner.head().ok().and_then(|h| h.id()) {
                        Some(id) => bail!(
                            "revision `{spec}` cannot be read: HEAD is commit {}, and its object is missing or damaged \
                             (`git fsck` says which; {})",
                            id.to_hex_with_len(12),
                            self.missing_object_hint()
                        ),
                        None => bail!("revision `{spec}` does not exist: the repository has no commits yet"),
                    }
                }
                let detail = e.to_string();
                // A navigation (`~n`, `^n`) the parser could not follow is retraced commit by
                // commit, to say in the user's terms where it broke.
                if let Some(trace) = self.trace_ancestry(spec) {
                    match trace {
                        Trace::Unreadable(..) if self.is_shallow() => bail!(
                            "revision `{spec}` does not exist: this clone's history is cut there (a shallow clone: \
                             `git fetch --deepen=N` or `git fetch --unshallow` brings more)"
                        ),
                        Trace::Unreadable(at, on_the_way) => bail!(
                            "revision `{spec}` cannot be reached: commit {at}{on_the_way} is missing or damaged ({})",
                            self.missing_object_hint()
                        ),
                        Trace::Missing(id) => return Err(self.names_missing(spec, id)),
                        Trace::Root(at) => {
                            bail!(
                                "revision `{spec}` does not exist: {at} is a root commit, the history does not go back further"
                            )
                        }
                        Trace::FewerParents(at, count, n) => bail!(
                            "revision `{spec}` does not exist: {at} has {count} parent{}, so it has no parent {n}",
                            if count == 1 { "" } else { "s" }
                        ),
                    }
                }
                let base = spec.split(['~', '^']).next().unwrap_or(spec);
                if base.len() == self.inner.object_hash().len_in_hex() && base.bytes().all(|b| b.is_ascii_hexdigit()) {
                    let why = if self.is_shallow() || self.is_partial() {
                        self.missing_object_hint()
                    } else {
                        "is it from another repository? `git fsck` says whether objects are missing here".to_owned()
                    };
                    bail!("revision `{spec}`: no object {base} is in this repository ({why})");
                }
                if detail.contains("NthAncestor") || detail.contains("traverse") || detail.contains("Ancestor") {
                    bail!("revision `{spec}` does not exist: the history does not go back that far");
                }
                let detail = match in_user_terms(&detail) {
                    Some(said) => format!(" ({said})"),
                    None if detail.contains("couldn't parse") || detail.contains("Message {") => String::new(),
                    // The parser's own words (`delegate.…`) mean nothing to the user.
                    None if detail.to_lowercase().contains("delegate") || detail.contains("input=") => String::new(),
                    None => format!(" ({detail})"),
                };
                bail!(
                    "unknown revision `{spec}`{detail}: name a tag, branch, remote branch, commit id or HEAD~n (`git tag --list` shows the tags){hint}"
                );
            }
        };
        let commit = id.object().map_err(|_| self.names_missing(spec, id.detach()))?.peel_to_commit().map_err(|e| {
            let e = e.to_string();
            match ["tree", "blob", "tag"].into_iter().find(|kind| e.contains(&format!(" was {kind} "))) {
                Some(kind) => anyhow::anyhow!("revision `{spec}` names a {kind}, not a commit"),
                None => anyhow::anyhow!(
                    "revision `{spec}` does not lead to a commit: an object on the way is missing or damaged ({})",
                    self.missing_object_hint()
                ),
            }
        })?;
        Ok(Resolved { spec: spec.to_owned(), id: commit.id })
    }

    /// The error for a revision naming an object that cannot be read.
    fn names_missing(&self, spec: &str, id: ObjectId) -> anyhow::Error {
        anyhow::anyhow!(
            "revision `{spec}` cannot be read: it names object {}, which is missing or damaged ({})",
            id.to_hex_with_len(12),
            self.missing_object_hint()
        )
    }

    /// For a revision `BASE~n^m…` that git's parser could not follow: where retracing it
    /// commit by commit breaks, or `None` when it does not (or the spec is of another form).
    fn trace_ancestry(&self, spec: &str) -> Option<Trace> {
        let at = spec.find(['~', '^'])?;
        let (base, ops) = spec.split_at(at);
        // A peel at the end (`^{tree}`) does not move through history: the commits before it
        // are traced. `^{}` and `^{commit}` on the way peel to the commit in hand.
        let ops = match ops.rfind("^{") {
            Some(i) if ops.ends_with('}') && !ops[i + 2..ops.len() - 1].contains(['{', '}', '~', '^']) => &ops[..i],
            _ => ops,
        };
        let ops = ops.replace("^{commit}", "").replace("^{}", "");
        let mut ops = ops.as_str();
        if !ops.bytes().all(|b| b == b'~' || b == b'^' || b.is_ascii_digit()) {
            return None;
        }
        // An annotated tag names the commit it points at.
        let named = self.parse_single(if base.is_empty() { "HEAD" } else { base }).ok()?;
        let Ok(object) = named.object() else {
            return Some(Trace::Missing(named.detach()));
        };
        let mut id = object.peel_to_commit().ok()?.id;
        // How the commit in hand was reached, with runs of first parents as one `~n`.
        let mut reached = base.to_owned();
        let mut back = 0u64;
        let name = |id: ObjectId, reached: &str, back: u64| {
            let how = if back > 0 { format!("{reached}~{back}") } else { reached.to_owned() };
            format!("{} ({how})", id.to_hex_with_len(12))
        };
        while let Some(op) = ops.chars().next() {
            let digits = ops[1..].bytes().take_while(u8::is_ascii_digit).count();
            let n: u64 = if digits == 0 { 1 } else { ops[1..=digits].parse().ok()? };
            ops = &ops[1 + digits..];
            // `~n` is n first parents; `^n` is the n-th parent (`^0` the commit itself).
            let (nth, times) = match op {
                '~' => (1, n),
                '^' if n == 0 => continue,
                '^' => (n, 1),
                _ => return None,
            };
            for _ in 0..times {
                let Ok(parents) = self.parents(id) else {
                    return Some(Trace::Unreadable(name(id, &reached, back), " on the way"));
                };
                let Some(&parent) = usize::try_from(nth - 1).ok().and_then(|i| parents.get(i)) else {
                    let at = name(id, &reached, back);
                    return Some(if parents.is_empty() {
                        Trace::Root(at)
                    } else {
                        Trace::FewerParents(at, parents.len(), nth)
                    });
                };
                if nth == 1 {
                    back += 1;
                } else {
                    reached = format!("{}^{n}", if back > 0 { format!("{reached}~{back}") } else { reached });
                    back = 0;
                }
                id = parent;
            }
        }
        // The commit reached is the one that cannot be read.
        self.parents(id).is_err().then(|| Trace::Unreadable(name(id, &reached, back), ""))
    }

    /// The one loose object whose id starts with `prefix` (hex, at least 4 digits): gix does
    /// not look up abbreviated ids among loose objects of SHA-256 repositories, git does.
    fn loose_prefix(&self, prefix: &str) -> Option<ObjectId> {
        if prefix.len() < 4
            || prefix.len() >= self.inner.object_hash().len_in_hex()
            || !prefix.bytes().all(|b| b.is_ascii_hexdigit())
        {
            return None;
        }
        let prefix = prefix.to_ascii_lowercase();
        let dir = self.inner.objects.store_ref().path().join(&prefix[..2]);
        let mut found = None;
        for entry in std::fs::read_dir(dir).ok()?.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&prefix[2..]) {
                if found.is_some() {
                    return None; // ambiguous: git's own message is clearer than a guess
                }
                found = ObjectId::from_hex(format!("{}{name}", &prefix[..2]).as_bytes()).ok();
            }
        }
        found
    }

    /// Resolves `HEAD`, or explains that the repository is empty.
    pub fn head(&self) -> anyhow::Result<Resolved> {
        self.resolve("HEAD")
    }

    /// Release tags matching `glob`, pointing at commits: (tag name, commit id).
    pub fn release_tags(&self, glob: &globset::GlobMatcher) -> anyhow::Result<Vec<(String, ObjectId)>> {
        let refs = self.inner.references().context("listing references")?;
        let mut out = Vec::new();
        for r in refs.tags().context("listing tags")? {
            let Ok(mut r) = r else { continue };
            let name = r.name().shorten().to_string();
            if !glob.is_match(&name) {
                continue;
            }
            let Ok(id) = r.peel_to_id() else { continue };
            let Ok(obj) = id.object() else { continue };
            if let Ok(c) = obj.peel_to_commit() {
                out.push((name, c.id));
            }
        }
        Ok(out)
    }

    /// Release tags matching `glob` whose commits `from` contains (a tag on an unmerged branch
    /// is no release of this line), each with the day it was made: an annotated tag's tagger
    /// date, else its commit's committer date (when the commit landed, not when it was
    /// written). Oldest first.
    pub fn dated_release_tags(&self, glob: &globset::GlobMatcher, from: ObjectId) -> anyhow::Result<Vec<DatedTag>> {
        let mut wanted: std::collections::HashMap<ObjectId, Vec<String>> = std::collections::HashMap::new();
        for (name, id) in self.release_tags(glob)? {
            wanted.entry(id).or_default().push(name);
        }
        let mut out = Vec::new();
        if wanted.is_empty() {
            return Ok(out);
        }
        let walk = self.inner.rev_walk([from]).all().context("walking history to date the release tags")?;
        for info in walk {
            let info = info.with_context(|| format!("walking history ({})", self.missing_object_hint()))?;
            let Some(names) = wanted.remove(&info.id) else { continue };
            for name in names {
                let time = self.tag_time(&name).or_else(|| {
                    let c = self.inner.find_commit(info.id).ok()?;
                    c.committer().ok()?.time().ok().map(|t| t.seconds)
                });
                out.push(DatedTag { name, commit: info.id, time: time.unwrap_or(0) });
            }
            if wanted.is_empty() {
                break;
            }
        }
        out.sort_by(|a, b| a.time.cmp(&b.time).then_with(|| version_order(&a.name, &b.name)));
        Ok(out)
    }

    /// The tagger's time of an annotated tag; `None` for a lightweight tag.
    fn tag_time(&self, name: &str) -> Option<i64> {
        let r = self.inner.find_reference(&format!("refs/tags/{name}")).ok()?;
        let target = r.target().try_id()?.to_owned();
        let tag = self.inner.find_object(target).ok()?.try_into_tag().ok()?;
        let tagger = tag.decode().ok()?.tagger().ok()??;
        tagger.time().ok().map(|t| t.seconds)
    }

    /// Release tags on commits before `head` (not `head` itself), newest first by commit
    /// time, at most `limit`; several tags on one commit count once (the highest version).
    pub fn release_tags_before(
        &self,
        head: ObjectId,
        glob: &globset::GlobMatcher,
        limit: usize,
    ) -> anyhow::Result<Vec<Resolved>> {
        let mut tags: std::collections::HashMap<ObjectId, Vec<String>> = std::collections::HashMap::new();
        for (name, id) in self.release_tags(glob)? {
            tags.entry(id).or_default().push(name);
        }
        let mut out = Vec::new();
        if tags.is_empty() {
            return Ok(out);
        }
        let walk = self
            .inner
            .rev_walk([head])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
            .all()
            .context("walking history to find the previous release tags")?;
        for info in walk {
            let info = info.with_context(|| format!("walking history ({})", self.missing_object_hint()))?;
            if info.id == head {
                continue;
            }
            if let Some(here) = tags.get_mut(&info.id) {
                here.sort_by(|a, b| version_order(a, b));
                let name = here.last().cloned().unwrap_or_default();
                out.push(Resolved { spec: name, id: info.id });
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// The newest release tag reachable from `head` (by commit order, first-parent and merged
    /// history alike), excluding tags on `head` itself when `exclude_head`.
    pub fn newest_release_tag(
        &self,
        head: ObjectId,
        glob: &globset::GlobMatcher,
        exclude_head: bool,
    ) -> anyhow::Result<Option<Resolved>> {
        let tags = self.release_tags(glob)?;
        if tags.is_empty() {
            return Ok(None);
        }
        let walk = self
            .inner
            .rev_walk([head])
            .sorting(gix::revision::walk::Sorting::ByCommitTime(Default::default()))
            .all()
            .context("walking history to find the previous release tag")?;
        for info in walk {
            let info = info.with_context(|| format!("walking history ({})", self.missing_object_hint()))?;
            if exclude_head && info.id == head {
                continue;
            }
            let mut here: Vec<&String> = tags.iter().filter(|(_, id)| *id == info.id).map(|(n, _)| n).collect();
            if !here.is_empty() {
                // Several tags on one commit: the highest version wins.
                here.sort_by(|a, b| version_order(a, b));
                let name = here.last().map(|s| s.to_string()).unwrap_or_default();
                return Ok(Some(Resolved { spec: name, id: info.id }));
            }
        }
        Ok(None)
    }
}

/// Orders tag names by the numbers in them (`v1.10.0` after `v1.9.0`).
/// Two semantic versions (after a prefix such as `v`) compare as semver does: a prerelease
/// (`v1.0.0-rc.2`) comes before its release.
pub fn version_order(a: &str, b: &str) -> std::cmp::Ordering {
    let semantic = |s: &str| semver::Version::parse(s.trim_start_matches(|c: char| !c.is_ascii_digit())).ok();
    if let (Some(x), Some(y)) = (semantic(a), semantic(b)) {
        return x.cmp(&y).then_with(|| a.cmp(b));
    }
    let nums =
        |s: &str| -> Vec<u64> { s.split(|c: char| !c.is_ascii_digit()).filter_map(|p| p.parse().ok()).collect() };
    nums(a).cmp(&nums(b)).then_with(|| a.cmp(b))
}

/// What gix's revision parser says, in the user's terms, for the forms it names by its own
/// internals (`delegate.reflog(Entry(99)) failed`).
fn in_user_terms(detail: &str) -> Option<String> {
    const SAID: [(&str, &str); 7] = [
        ("nth_checked_out_branch", "no branch was checked out that many switches ago"),
        ("reflog(", "the reflog has no such entry"),
        ("sibling_branch(Upstream)", "the branch has no upstream configured"),
        ("sibling_branch(Push)", "the branch has no push destination configured"),
        ("couldn't find", "no commit message matches"),
        ("did not resolve to a single object", "it names several commits, not one"),
        ("could not parse number", "a number in it is too large"),
    ];
    if let Some(kind) = detail.split("peel_until(ObjectKind(").nth(1).and_then(|k| k.split(')').next()) {
        return Some(format!("it does not lead to a {}", kind.to_lowercase()));
    }
    SAID.iter().find(|(internal, _)| detail.contains(internal)).map(|(_, said)| (*said).to_owned())
}

/// Where retracing a revision's ancestry broke (see `Repo::trace_ancestry`); each names the
/// commit as `id (how it was reached)`.
enum Trace {
    /// The commit cannot be read (" on the way" when it is not the one the revision names).
    Unreadable(String, &'static str),
    /// The object the revision starts from cannot be read.
    Missing(ObjectId),
    /// A first parent was asked of a root commit.
    Root(String),
    /// `^n` beyond the commit's parents: (commit, its parent count, n).
    FewerParents(String, usize, u64),
}
