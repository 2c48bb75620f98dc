//! Git notes on a dedicated ref (`refs/notes/support-plan`): the results of a release gate,
//! recorded on the released commit, read back by the next release as its baseline. Written
//! with gix: one blob, one tree, one commit on the notes ref.

use anyhow::Context as _;
use gix::ObjectId;

use super::Repo;

impl Repo {
    /// The note on `target` under `notes_ref`, if there is one (flat or fanned-out trees).
    pub fn note(&self, notes_ref: &str, target: ObjectId) -> anyhow::Result<Option<Vec<u8>>> {
        let Some(tip) = self.notes_tip(notes_ref)? else { return Ok(None) };
        let hex = target.to_string();
        let mut tree = self.tree_of(tip)?;
        // Fan-out: `ab/cdef…` levels, as git writes once there are many notes.
        let mut rest = hex.as_str();
        loop {
            let entries = self.entries(tree)?;
            if let Some((_, _, id)) = entries.iter().find(|(m, n, _)| m.is_blob() && n.as_slice() == rest.as_bytes()) {
                let blob = self.inner.find_blob(*id).with_context(|| format!("reading the note on {hex}"))?;
                return Ok(Some(blob.data.clone()));
            }
            let Some((_, _, sub)) =
                entries.iter().find(|(m, n, _)| m.is_tree() && n.len() == 2 && rest.as_bytes().starts_with(n))
            else {
                return Ok(None);
            };
            tree = *sub;
            rest = &rest[2..];
        }
    }

    /// Adds (or replaces) the note on `target`, as a new commit on `notes_ref` by
    /// `supportplan` at `time` (Unix seconds).
    pub fn add_note(&self, notes_ref: &str, target: ObjectId, text: &[u8], time: i64) -> anyhow::Result<ObjectId> {
        use gix::objs::tree::{Entry, EntryKind};
        let parent = self.notes_tip(notes_ref)?;
        let hex = target.to_string();
        let mut entries: Vec<Entry> = match parent {
            Some(tip) => self
                .entries(self.tree_of(tip)?)?
                .into_iter()
                .filter(|(_, name, _)| name.as_slice() != hex.as_bytes())
                .map(|(mode, filename, oid)| Entry { mode, filename: filename.into(), oid })
                .collect(),
            None => Vec::new(),
        };
        let blob = self.inner.write_blob(text).context("writing the note")?.detach();
        entries.push(Entry { mode: EntryKind::Blob.into(), filename: hex.as_str().into(), oid: blob });
        entries.sort();
        let tree = self.inner.write_object(&gix::objs::Tree { entries }).context("writing the notes tree")?.detach();
        let who = gix::actor::Signature {
            name: "supportplan".into(),
            email: "supportplan@localhost".into(),
            time: gix::date::Time::new(time, 0),
        };
        let (mut a, mut b) = (gix::date::parse::TimeBuf::default(), gix::date::parse::TimeBuf::default());
        let id = self
            .inner
            .commit_as(
                who.to_ref(&mut a),
                who.to_ref(&mut b),
                notes_ref,
                format!("Notes added by 'plan gate' for {}", &hex[..12]),
                tree,
                parent,
            )
            .with_context(|| format!("writing {notes_ref}"))?
            .detach();
        Ok(id)
    }

    fn notes_tip(&self, notes_ref: &str) -> anyhow::Result<Option<ObjectId>> {
        match self.inner.try_find_reference(notes_ref).with_context(|| format!("reading {notes_ref}"))? {
            Some(mut r) => {
                let id = r.peel_to_id().with_context(|| format!("reading {notes_ref}"))?.detach();
                let kind = self.inner.find_header(id).with_context(|| format!("reading {notes_ref} ({id})"))?.kind();
                anyhow::ensure!(
                    kind == gix::object::Kind::Commit,
                    "{notes_ref} points at a {kind} ({id}), not at a commit of notes: it was not written by git notes or plan gate; delete it (git update-ref -d {notes_ref}) or fetch it again"
                );
                Ok(Some(id))
            }
            None => Ok(None),
        }
    }
}
