//! `plan check --rev` keeps each plan's result ([`PlanCheck`]) between runs, in the
//! repository's git directory, keyed by what the result is a function of: the blob id (the
//! file's bytes), its path, the revision as written, and a stamp of the date the rules ran
//! as of and this very binary. Checking a revision again, or another revision where most
//! plans are the same blobs, then reads the results instead of parsing the plans.
//!
//! Trust: the file sits beside the objects, refs and hooks, so whoever can write it can
//! already change what a revision contains. Nothing else reads it: `gate`, `diff`, `comment`
//! and `check` of the work tree always parse the plans. A stamp that does not match, a file
//! that does not parse or is larger than [`MAX_BYTES`], and an entry whose blob the
//! repository no longer has are all treated as absent. `--no-cache` neither reads nor writes.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PlanCheck;
use crate::plan::values::Date;
use crate::report::{Finding, Location};

/// Where in the git directory (the common one, shared by linked work trees).
pub const FILE: &str = "supportplan/check-cache.json";

/// A cache file larger than this is not read (one plan's entry is a few hundred bytes).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// More entries than this and only the current run's are kept.
const MAX_ENTRIES: usize = 50_000;

/// Bumped when what an entry holds changes.
const FORMAT: u32 = 1;

/// The results one earlier run left, and this run's new ones.
pub struct Cache {
    path: PathBuf,
    stamp: String,
    entries: HashMap<String, Entry>,
}

#[derive(Serialize, Deserialize)]
struct File {
    format: u32,
    stamp: String,
    plans: HashMap<String, Entry>,
}

/// A [`PlanCheck`] as stored; the file is the key's. Each location's line text (which the
/// JSON report leaves out) is kept beside it, for the human report's snippets.
#[derive(Clone, Serialize, Deserialize)]
struct Entry {
    product: Option<String>,
    product_at: Option<(Location, String)>,
    findings: Vec<(Finding, Option<String>)>,
    suppressed: Vec<(Finding, Option<String>)>,
    bytes: usize,
}

impl Cache {
    /// The cache in `git_dir` for a run as of `now`. Anything unreadable is an empty cache;
    /// the second value says why, for `--verbose`.
    pub fn open(git_dir: &Path, now: Date) -> (Cache, Option<String>) {
        let path = git_dir.join(FILE);
        let Some(stamp) = stamp(now) else {
            let why = "this binary's path and time could not be read".to_owned();
            return (Cache { path, stamp: String::new(), entries: HashMap::new() }, Some(why));
        };
        let (entries, why) = match read(&path, &stamp) {
            Ok(entries) => (entries, None),
            Err(why) => (HashMap::new(), Some(why)),
        };
        (Cache { path, stamp, entries }, why)
    }

    /// The result kept for the blob `id` at `path` in revision `rev`.
    pub fn get(&self, id: &str, path: &str, rev: &str) -> Option<PlanCheck> {
        let e = self.entries.get(&key(id, path, rev))?;
        let with_line = |(mut f, line): (Finding, Option<String>)| {
            if let (Some(l), Some(text)) = (f.location.as_mut(), line) {
                l.line_text = text;
            }
            f
        };
        Some(PlanCheck {
            file: path.to_owned(),
            product: e.product.clone(),
            product_at: e.product_at.clone().map(|(mut l, text)| {
                l.line_text = text;
                l
            }),
            findings: e.findings.iter().cloned().map(with_line).collect(),
            suppressed: e.suppressed.iter().cloned().map(with_line).collect(),
            bytes: e.bytes,
            cached: true,
        })
    }

    /// Writes the kept results and `fresh` ones (blob id, revision, result) back, replacing
    /// the file in one rename. Does nothing when the stamp could not be made.
    pub fn save(mut self, fresh: Vec<(String, String, PlanCheck)>) -> std::io::Result<()> {
        if self.stamp.is_empty() || fresh.is_empty() {
            return Ok(());
        }
        if self.entries.len() + fresh.len() > MAX_ENTRIES {
            self.entries.clear();
        }
        for (id, rev, c) in fresh {
            let line = |f: Finding| {
                let text = f.location.as_ref().map(|l| l.line_text.clone());
                (f, text)
            };
            let entry = Entry {
                product: c.product,
                product_at: c.product_at.map(|l| {
                    let text = l.line_text.clone();
                    (l, text)
                }),
                findings: c.findings.into_iter().map(line).collect(),
                suppressed: c.suppressed.into_iter().map(line).collect(),
                bytes: c.bytes,
            };
            self.entries.insert(key(&id, &c.file, &rev), entry);
        }
        let file = File { format: FORMAT, stamp: self.stamp, plans: self.entries };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let temp = dir.join(format!(".check-cache.{}.{nanos}.tmp", std::process::id()));
        let written = (|| {
            let mut out = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
            out.write_all(&serde_json::to_vec(&file).map_err(std::io::Error::other)?)?;
            std::fs::rename(&temp, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }
}

fn key(id: &str, path: &str, rev: &str) -> String {
    format!("{id}\0{rev}\0{path}")
}

/// What a result depends on besides its key: the date, and the binary that made it (its
/// version, path, size and modification time: a rebuild is another stamp).
fn stamp(now: Date) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let meta = std::fs::metadata(&exe).ok()?;
    let modified = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    Some(format!("{FORMAT} {} {now} {} {} {modified}", env!("CARGO_PKG_VERSION"), exe.display(), meta.len()))
}

fn read(path: &Path, stamp: &str) -> Result<HashMap<String, Entry>, String> {
    let meta = match std::fs::metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(format!("{}: not a file of at most {MAX_BYTES} bytes", path.display()));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: File = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if file.format != FORMAT || file.stamp != stamp {
        return Ok(HashMap::new());
    }
    Ok(file.plans)
}
