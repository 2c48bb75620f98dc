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
    /// `supportplan` at `time` (Unix seconds). The note goes where git keeps it: at the path
    /// of an existing note on `target` (flat or fanned out as `ab/cdef…`), else fanned out
    /// when the tree already is. The ref moves only from the tip this was built on (a
    /// concurrent writer makes it fail, to be retried), never over another writer's note.
    pub fn add_note(&self, notes_ref: &str, target: ObjectId, text: &[u8], time: i64) -> anyhow::Result<ObjectId> {
        use gix::refs::transaction::PreviousValue;
        let parent = self.notes_tip(notes_ref)?;
        let hex = target.to_string();
        let root = parent.map(|tip| self.tree_of(tip)).transpose()?;
        let path = match root {
            Some(tree) => self.note_path(tree, &hex)?,
            None => vec![hex.clone()],
        };
        let blob = self.inner.write_blob(text).context("writing the note")?.detach();
        let tree = self.upsert(root, &path, blob)?;
        let who = gix::actor::Signature {
            name: "supportplan".into(),
            email: "supportplan@localhost".into(),
            time: gix::date::Time::new(time, 0),
        };
        let commit = gix::objs::Commit {
            tree,
            parents: parent.into_iter().collect(),
            author: who.clone(),
            committer: who,
            encoding: None,
            message: format!("Notes added by 'plan gate' for {}\n", &hex[..12]).into(),
            extra_headers: Vec::new(),
        };
        let id = self.inner.write_object(&commit).context("writing the notes commit")?.detach();
        let expected = match parent {
            Some(p) => PreviousValue::MustExistAndMatch(gix::refs::Target::Object(p)),
            None => PreviousValue::MustNotExist,
        };
        self.inner
            .reference(notes_ref, id, expected, "notes: added by plan gate")
            .with_context(|| format!("moving {notes_ref}: another writer moved it (conflict); run again"))?;
        Ok(id)
    }

    /// Where the note on `hex` lives or belongs in the notes tree `root`, as path parts.
    fn note_path(&self, root: ObjectId, hex: &str) -> anyhow::Result<Vec<String>> {
        let mut parts = Vec::new();
        let mut tree = root;
        let mut rest = hex;
        loop {
            let entries = self.entries(tree)?;
            if entries.iter().any(|(m, n, _)| m.is_blob() && n.as_slice() == rest.as_bytes()) {
                parts.push(rest.to_owned());
                return Ok(parts);
            }
            match entries.iter().find(|(m, n, _)| m.is_tree() && n.len() == 2 && rest.as_bytes().starts_with(n)) {
                Some((_, _, sub)) => {
                    parts.push(rest[..2].to_owned());
                    tree = *sub;
                    rest = &rest[2..];
                }
                None => {
                    // Not there: fanned out like its neighbours at this level, if they are.
                    if entries.iter().any(|(m, n, _)| m.is_tree() && n.len() == 2) && rest.len() > 2 {
                        parts.push(rest[..2].to_owned());
                        parts.push(rest[2..].to_owned());
                    } else {
                        parts.push(rest.to_owned());
                    }
                    return Ok(parts);
                }
            }
        }
    }

    /// `tree` (or an empty tree) with the blob at `path`, written; the new tree's id.
    fn upsert(&self, tree: Option<ObjectId>, path: &[String], blob: ObjectId) -> anyhow::Result<ObjectId> {
        use gix::objs::tree::{Entry, EntryKind};
        let (first, rest) = path.split_first().context("an empty note path")?;
        let mut entries: Vec<Entry> = match tree {
            Some(t) => self
                .entries(t)?
                .into_iter()
                .map(|(mode, filename, oid)| Entry { mode, filename: filename.into(), oid })
                .collect(),
            None => Vec::new(),
        };
        let existing = entries.iter().position(|e| e.filename.as_slice() == first.as_bytes());
        let entry = if rest.is_empty() {
            Entry { mode: EntryKind::Blob.into(), filename: first.as_str().into(), oid: blob }
        } else {
            let sub = existing.map(|i| &entries[i]).filter(|e| e.mode.is_tree()).map(|e| e.oid);
            let oid = self.upsert(sub, rest, blob)?;
            Entry { mode: EntryKind::Tree.into(), filename: first.as_str().into(), oid }
        };
        match existing {
            Some(i) => entries[i] = entry,
            None => entries.push(entry),
        }
        entries.sort();
        Ok(self.inner.write_object(&gix::objs::Tree { entries }).context("writing the notes tree")?.detach())
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
