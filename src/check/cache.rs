//! `plan check --rev` keeps each plan's result ([`PlanCheck`]) between runs, in the
//! repository's git directory, keyed by what the result is a function of: the blob id (the
//! file's bytes) and its path, under a stamp of the date the rules ran as of and this very
//! binary. The revision's name appears in a result only as each finding's `rev`, which is
//! left out when kept and filled in with the name of the revision being checked. Checking a
//! revision again, or another one where most plans are the same blobs at the same paths,
//! then reads their results instead of parsing the plans.
//!
//! Trust: the file sits beside the objects, refs and hooks, so whoever can write it can
//! already change what a revision contains. Nothing else reads it: `gate`, `diff`, `comment`
//! and `check` of the work tree always parse the plans. A stamp that does not match, a file
//! that does not parse, is not a regular file or is larger than [`MAX_BYTES`], and an entry
//! whose blob the repository no longer has are all treated as absent; a symbolic link where
//! the cache's folder or file should be is never followed (one at the file is replaced by
//! the file written). `--no-cache` neither reads nor writes.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::PlanCheck;
use crate::plan::Source;
use crate::plan::values::Date;
use crate::report::{Finding, Location};

/// Where in the git directory (the common one, shared by linked work trees).
pub const FILE: &str = "supportplan/check-cache.json";

/// A cache file larger than this is not read (one plan's entry is a few hundred bytes).
pub const MAX_BYTES: u64 = 64 * 1024 * 1024;

/// More entries than this and only the current run's are kept (a day's entries are the
/// plan versions checked that day; one is a few hundred bytes, read on every run).
const MAX_ENTRIES: usize = 20_000;

/// Bumped when what an entry holds changes.
const FORMAT: u32 = 1;

/// The results one earlier run left, and this run's new ones.
pub struct Cache {
    path: PathBuf,
    stamp: String,
    entries: HashMap<String, Entry>,
    /// The keys of the entries this run made.
    fresh: std::collections::HashSet<String>,
}

#[derive(Serialize, Deserialize)]
struct File {
    format: u32,
    stamp: String,
    plans: HashMap<String, Entry>,
}

/// A [`PlanCheck`] as stored; the file is the key's. A location's line text (the human
/// report's snippet) is not kept, only whether it has one: it is the line of the blob, which
/// is read on every run anyway (a finding per value of a long one-line table would otherwise
/// keep that line once per finding).
#[derive(Serialize, Deserialize)]
struct Entry {
    product: Option<String>,
    product_at: Option<(Location, bool)>,
    findings: Vec<Finding>,
    /// Whether each finding's location quotes its line.
    quoted: Vec<bool>,
    suppressed: Vec<Finding>,
    suppressed_quoted: Vec<bool>,
    bytes: usize,
}

impl Cache {
    /// The cache in `git_dir` for a run as of `now`. Anything unreadable is an empty cache;
    /// the second value says why, for `--verbose`.
    pub fn open(git_dir: &Path, now: Date) -> (Cache, Option<String>) {
        let path = git_dir.join(FILE);
        let Some(stamp) = stamp(now) else {
            let why = "this binary's path and time could not be read".to_owned();
            return (
                Cache { path, stamp: String::new(), entries: HashMap::new(), fresh: Default::default() },
                Some(why),
            );
        };
        let (entries, why) = match read(&path, &stamp) {
            Ok(entries) => (entries, None),
            Err(why) => (HashMap::new(), Some(why)),
        };
        (Cache { path, stamp, entries, fresh: Default::default() }, why)
    }

    /// The result kept for the blob `id` at `path`, as found in revision `rev`, whose text
    /// (`source`, read in this run) gives each location its line. An entry whose locations
    /// do not fit that text is not an answer.
    pub fn get(&self, id: &str, path: &str, rev: &str, source: &Source) -> Option<PlanCheck> {
        let e = self.entries.get(&key(id, path))?;
        let lines = source.text.bytes().filter(|&b| b == b'\n').count() + 1;
        let placed = |mut l: Location, quoted: bool| {
            let fits = |line: usize, column: usize| {
                (1..=lines).contains(&line) && (1..=source.text.len() + 1).contains(&column)
            };
            let ordered = (l.line, l.column) <= (l.end_line, l.end_column);
            if !fits(l.line, l.column) || !fits(l.end_line, l.end_column) || !ordered || l.file != path {
                return None;
            }
            l.rev = Some(rev.to_owned());
            l.line_text = if quoted { source.line_text(l.line).to_owned() } else { String::new() };
            Some(l)
        };
        let findings = |findings: &[Finding], quoted: &[bool]| {
            if findings.len() != quoted.len() {
                return None;
            }
            findings
                .iter()
                .zip(quoted)
                .map(|(f, &q)| {
                    let mut f = f.clone();
                    f.location = match f.location.take() {
                        Some(l) => Some(placed(l, q)?),
                        None => None,
                    };
                    Some(f)
                })
                .collect::<Option<Vec<_>>>()
        };
        Some(PlanCheck {
            file: path.to_owned(),
            product: e.product.clone(),
            product_at: match e.product_at.clone() {
                Some((l, q)) => Some(placed(l, q)?),
                None => None,
            },
            findings: findings(&e.findings, &e.quoted)?,
            suppressed: findings(&e.suppressed, &e.suppressed_quoted)?,
            bytes: e.bytes,
            cached: true,
        })
    }

    /// Keeps `c`, the result this run made for blob `id`, to be written by [`Cache::save`].
    /// Its line texts are not copied.
    pub fn keep(&mut self, id: &str, c: &PlanCheck) {
        let unplaced = |l: &Location| {
            let kept = Location { rev: None, line_text: String::new(), file: l.file.clone(), ..*l };
            (kept, !l.line_text.is_empty())
        };
        let split = |findings: &[Finding]| -> (Vec<Finding>, Vec<bool>) {
            findings
                .iter()
                .map(|f| {
                    let (location, quoted) = f.location.as_ref().map(unplaced).unzip();
                    let kept = Finding {
                        rule: f.rule.clone(),
                        severity: f.severity,
                        message: f.message.clone(),
                        help: f.help.clone(),
                        plan: f.plan.clone(),
                        path: f.path.clone(),
                        location,
                        invalid: f.invalid,
                        fingerprint: f.fingerprint.clone(),
                        severity_source: f.severity_source.clone(),
                        suppressed: f.suppressed.clone(),
                    };
                    (kept, quoted.unwrap_or(false))
                })
                .unzip()
        };
        let (findings, quoted) = split(&c.findings);
        let (suppressed, suppressed_quoted) = split(&c.suppressed);
        let entry = Entry {
            product: c.product.clone(),
            product_at: c.product_at.as_ref().map(unplaced),
            findings,
            quoted,
            suppressed,
            suppressed_quoted,
            bytes: c.bytes,
        };
        let key = key(id, &c.file);
        self.entries.insert(key.clone(), entry);
        self.fresh.insert(key);
    }

    /// Writes the results kept, replacing the file in one rename; more than [`MAX_ENTRIES`]
    /// and only this run's new ones are. Nothing when this run made none, when the stamp
    /// could not be made, or when the file would be over [`MAX_BYTES`].
    pub fn save(mut self) -> std::io::Result<()> {
        if self.stamp.is_empty() || self.fresh.is_empty() {
            return Ok(());
        }
        if self.entries.len() > MAX_ENTRIES {
            self.entries.retain(|k, _| self.fresh.contains(k));
        }
        let file = File { format: FORMAT, stamp: self.stamp, plans: self.entries };
        let bytes = serde_json::to_vec(&file).map_err(std::io::Error::other)?;
        if bytes.len() as u64 > MAX_BYTES {
            return Err(std::io::Error::other(format!("it would be {} bytes, over {MAX_BYTES}", bytes.len())));
        }
        let dir = self.path.parent().unwrap_or(Path::new("."));
        if !is_folder(dir)? {
            std::fs::create_dir(dir)?;
        }
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
        let temp = dir.join(format!(".check-cache.{}.{nanos}.tmp", std::process::id()));
        let written = (|| {
            let mut out = std::fs::OpenOptions::new().write(true).create_new(true).open(&temp)?;
            out.write_all(&bytes)?;
            std::fs::rename(&temp, &self.path)
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temp);
        }
        written
    }
}

/// Whether `dir` is there, as a folder of its own: a symbolic link (to a folder or not) or
/// another file there is an error.
fn is_folder(dir: &Path) -> std::io::Result<bool> {
    match std::fs::symlink_metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(true),
        Ok(_) => Err(std::io::Error::other(format!("{} is not a folder", dir.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(std::io::Error::new(e.kind(), format!("{}: {e}", dir.display()))),
    }
}

fn key(id: &str, path: &str) -> String {
    format!("{id}\0{path}")
}

/// What a result depends on besides its key: the date, and the binary that made it (its
/// version, path, file, size, and modification and change times: a rebuild, or another
/// binary copied over it, is another stamp).
fn stamp(now: Date) -> Option<String> {
    use std::os::unix::fs::MetadataExt as _;
    let exe = std::env::current_exe().ok()?;
    let m = std::fs::metadata(&exe).ok()?;
    // The change time, which no one can set (`cp -p` and `touch -r` keep the modification
    // time of another build), and the file itself (device and inode).
    let file = format!(
        "{} {} {} {}.{} {}.{}",
        m.dev(),
        m.ino(),
        m.size(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    );
    Some(format!("{FORMAT} {} {now} {} {file}", env!("CARGO_PKG_VERSION"), exe.display()))
}

fn read(path: &Path, stamp: &str) -> Result<HashMap<String, Entry>, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    if !is_folder(dir).map_err(|e| e.to_string())? {
        return Ok(HashMap::new());
    }
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HashMap::new()),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    if !meta.is_file() || meta.len() > MAX_BYTES {
        return Err(format!("{}: not a regular file of at most {MAX_BYTES} bytes", path.display()));
    }
    // Not through a link put there since it was looked at.
    let bytes = (|| {
        use std::io::Read as _;
        use std::os::unix::fs::OpenOptionsExt as _;
        let file = std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NOFOLLOW).open(path)?;
        let mut bytes = Vec::new();
        file.take(MAX_BYTES + 1).read_to_end(&mut bytes)?;
        Ok::<_, std::io::Error>(bytes)
    })()
    .map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() as u64 > MAX_BYTES {
        return Err(format!("{}: over {MAX_BYTES} bytes", path.display()));
    }
    let file: File = serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    if file.format != FORMAT || file.stamp != stamp {
        return Ok(HashMap::new());
    }
    Ok(file.plans)
}
