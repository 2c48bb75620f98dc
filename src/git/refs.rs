//! Facts about refs the release gate needs: which release branches contain a commit, a
//! tag's annotation, and who committed changes to a file.

use anyhow::Context as _;
use gix::ObjectId;

use super::Repo;

impl Repo {
    /// Whether `refs/tags/<name>` exists.
    pub fn has_tag(&self, name: &str) -> anyhow::Result<bool> {
        let full = format!("refs/tags/{name}");
        if gix::refs::FullName::try_from(full.as_str()).is_err() {
            return Ok(false);
        }
        Ok(self.inner.try_find_reference(full.as_str()).with_context(|| format!("reading {full}"))?.is_some())
    }

    /// Branches (local and remote-tracking) whose short names match `globs` — with and
    /// without the remote prefix — and which of them contain `commit`.
    pub fn release_branches(
        &self,
        commit: ObjectId,
        globs: &globset::GlobSet,
    ) -> anyhow::Result<(Vec<String>, Vec<String>)> {
        let refs = self.inner.references().context("listing branches")?;
        let mut matching = Vec::new();
        let mut containing = Vec::new();
        let iters =
            [refs.local_branches().context("listing branches")?, refs.remote_branches().context("listing branches")?];
        for iter in iters {
            for r in iter {
                let Ok(mut r) = r else { continue };
                let name = r.name().shorten().to_string();
                let bare = name.split_once('/').map(|(_, b)| b.to_owned());
                if !(globs.is_match(&name) || bare.as_deref().is_some_and(|b| globs.is_match(b)))
                    || name.ends_with("/HEAD")
                {
                    continue;
                }
                let Ok(tip) = r.peel_to_id() else { continue };
                matching.push(name.clone());
                let tip = tip.detach();
                let contains = tip == commit
                    || self.inner.merge_base(commit, tip).ok().flatten().is_some_and(|b| b.detach() == commit);
                if contains {
                    containing.push(name);
                }
            }
        }
        Ok((matching, containing))
    }

    /// The message of an annotated tag, `None` for a lightweight one.
    pub fn tag_message(&self, name: &str) -> anyhow::Result<Option<String>> {
        let Ok(r) = self.inner.find_reference(format!("refs/tags/{name}").as_str()) else { return Ok(None) };
        let target = match r.target().try_id() {
            Some(id) => id.to_owned(),
            None => return Ok(None),
        };
        let obj = self.inner.find_object(target).context("reading the tag object")?;
        if obj.kind != gix::object::Kind::Tag {
            return Ok(None);
        }
        let tag = obj.try_to_tag_ref().context("decoding the tag")?;
        Ok(Some(tag.message.to_string()))
    }

    /// The author emails of every non-merge commit reachable from `tip` that changed `path`.
    pub fn path_authors(&self, tip: ObjectId, path: &str) -> anyhow::Result<Vec<String>> {
        let walk = self.inner.rev_walk([tip]).all().context("walking history")?;
        let mut out = Vec::new();
        for info in walk {
            let info = info.with_context(|| format!("walking history ({})", self.missing_object_hint()))?;
            let parents: Vec<ObjectId> = info.parent_ids().map(|p| p.detach()).collect();
            if parents.len() > 1 {
                continue;
            }
            let now = self.read_path_id(info.id, path)?;
            let before = match parents.first() {
                Some(p) if self.inner.has_object(p) => self.read_path_id(*p, path)?,
                _ => None,
            };
            if now != before && now.is_some() {
                out.push(self.commit_info(info.id)?.email.to_lowercase());
            }
        }
        out.sort();
        out.dedup();
        Ok(out)
    }

    fn read_path_id(&self, commit: ObjectId, path: &str) -> anyhow::Result<Option<ObjectId>> {
        super::PathFollower::new(path).blob_at(self, commit)
    }
}
