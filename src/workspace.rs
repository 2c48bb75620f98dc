//! The work tree: finds plan files on disk and reads them with the size limit. (Plans at a
//! revision come from `git`.)

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::config::{CONFIG_PATH, Config, is_plan_path, is_skipped_dir};
use crate::git::tree::Skipped;
use crate::plan::{LoadFailure, LoadedPlan, MAX_PLAN_BYTES, RawPlan, load_many};

/// Reads `.support-plan/config.toml` from the work tree, or the defaults.
/// A config that is a symbolic link out of the repository, or over 256 KiB, is refused.
pub fn read_config(root: &Path) -> anyhow::Result<Config> {
    if let Some(why) = outside_link(root, CONFIG_PATH) {
        anyhow::bail!("{CONFIG_PATH} {why}");
    }
    match read_text(root, CONFIG_PATH, 256 * 1024)? {
        Some(text) => Config::parse(&text, CONFIG_PATH),
        None => Ok(Config::default()),
    }
}

/// Every plan file under `root`, as sorted `/`-separated relative paths. A plan that is a
/// symbolic link is skipped and reported, never read (a link to `/etc/passwd` or
/// `/proc/self/environ` is not even followed far enough to echo it).
pub fn discover(root: &Path, config: &Config) -> anyhow::Result<(Vec<String>, Vec<Skipped>)> {
    let excludes = config.excludes();
    let mut unreadable_names = Vec::new();
    let found = walk(
        root,
        &excludes,
        &|path, kind| (kind.is_file() || kind.is_symlink()) && is_plan_path(path),
        &mut unreadable_names,
    )?;
    let (mut files, mut skipped) = (Vec::new(), Vec::new());
    // A folder or file whose name is not UTF-8 may hold a plan: said, never silently passed.
    skipped.extend(unreadable_names.into_iter().map(|path| Skipped {
        path,
        why: "has a name that is not UTF-8; nothing in it was read (git reads it at a revision: use --rev)",
    }));
    for f in found {
        let link = std::fs::symlink_metadata(root.join(&f)).is_ok_and(|m| m.file_type().is_symlink());
        match outside_link(root, &f) {
            Some(why) => skipped.push(Skipped { path: f, why }),
            // As at a revision (git stores the link, not the file): a clean work tree then
            // holds the same plans as the commit it is checked out from.
            None if link => skipped.push(Skipped {
                path: f,
                why: "is a symbolic link; plans must be regular files (a revision skips it too)",
            }),
            None => files.push(f),
        }
    }
    Ok((files, skipped))
}

/// Why `rel` may not be read, when it is a symbolic link that leaves `root` (or dangles).
fn outside_link(root: &Path, rel: &str) -> Option<&'static str> {
    let path = root.join(rel);
    if !std::fs::symlink_metadata(&path).is_ok_and(|m| m.file_type().is_symlink()) {
        return None;
    }
    match (path.canonicalize(), root.canonicalize()) {
        (Ok(target), Ok(root)) if target.starts_with(&root) && target.is_file() => None,
        (Ok(_), Ok(_)) => Some("is a symbolic link to something outside the repository; it was not read"),
        _ => Some("is a symbolic link that leads nowhere; it was not read"),
    }
}

/// Files under `root` that `accept` takes, as sorted relative paths; never enters `.git`,
/// `target`, `node_modules` or an excluded path.
fn walk(
    root: &Path,
    excludes: &globset::GlobSet,
    accept: &dyn Fn(&str, &std::fs::FileType) -> bool,
    not_utf8: &mut Vec<String>,
) -> anyhow::Result<Vec<String>> {
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let entries = std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else {
                let shown = rel.join(name.to_string_lossy().as_ref()).to_string_lossy().into_owned();
                let dir = entry.file_type().is_ok_and(|t| t.is_dir());
                if dir || is_plan_path(&shown) {
                    not_utf8.push(shown);
                }
                continue;
            };
            let child = rel.join(name);
            let rel_str = child.to_string_lossy().replace('\\', "/");
            if excludes.is_match(&rel_str) {
                continue;
            }
            let kind = entry.file_type().with_context(|| format!("reading {}", entry.path().display()))?;
            if kind.is_dir() {
                // A folder holding `.git` is another repository (a submodule's checkout, a
                // nested clone): its plans are its own, as they are at a revision, where a
                // submodule is skipped.
                if !is_skipped_dir(name) && !entry.path().join(".git").exists() {
                    stack.push(child);
                }
            } else if accept(&rel_str, &kind) {
                found.push(rel_str);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Reads one plan file from disk, refusing files over the size limit without reading them
/// whole.
pub fn read_file(root: &Path, rel: &str) -> anyhow::Result<RawPlan> {
    if let Some(why) = outside_link(root, rel) {
        anyhow::bail!("{rel} {why}");
    }
    let path = root.join(rel);
    // A plan is a regular file inside the repository, however it is reached (a symlinked
    // folder, an absolute argument): nothing outside is read or echoed, and a FIFO or a
    // device is never opened.
    let (real, top) = (path.canonicalize(), root.canonicalize());
    match (&real, &top) {
        (Ok(real), Ok(top)) if !real.starts_with(top) => {
            anyhow::bail!(
                "{rel} is outside the repository ({}); run plan in the repository it belongs to",
                top.display()
            )
        }
        (Ok(real), _) if !real.is_file() => anyhow::bail!("{rel} is not a regular file; it was not read"),
        _ => {}
    }
    let file = std::fs::File::open(&path).with_context(|| format!("opening {rel}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_PLAN_BYTES as u64 + 1).read_to_end(&mut bytes).with_context(|| format!("reading {rel}"))?;
    let bytes = if bytes.len() > MAX_PLAN_BYTES {
        Err(std::fs::metadata(&path).map_or(bytes.len() as u64, |m| m.len()))
    } else {
        Ok(bytes)
    };
    Ok(RawPlan { path: rel.to_owned(), rev: None, bytes })
}

/// Reads and loads one plan file from disk.
pub fn load_file(root: &Path, rel: &str) -> anyhow::Result<Result<LoadedPlan, LoadFailure>> {
    load_many(vec![read_file(root, rel)?]).pop().context("loading a plan returned nothing")
}

/// Loads many plan files; results keep the order of `files`.
pub fn load_files(root: &Path, files: &[String]) -> anyhow::Result<Vec<Result<LoadedPlan, LoadFailure>>> {
    let raw = files.iter().map(|f| read_file(root, f)).collect::<anyhow::Result<Vec<_>>>()?;
    Ok(load_many(raw))
}

/// Every regular file under `root` that `wanted` accepts (symbolic links are not followed),
/// as sorted relative paths.
pub fn files_where(root: &Path, wanted: &dyn Fn(&str) -> bool) -> anyhow::Result<Vec<String>> {
    walk(root, &globset::GlobSet::empty(), &|path, kind| kind.is_file() && wanted(path), &mut Vec::new())
}

/// A small text file of the work tree (a record, the waivers or the config), or `None` when
/// it is absent. Files over `limit` bytes, symbolic links (which could name a file outside
/// the repository, or one git stores as a path) and anything but a regular file are refused:
/// never silently taken as absent.
pub fn read_text(root: &Path, rel: &str, limit: usize) -> anyhow::Result<Option<String>> {
    let path = root.join(rel);
    match std::fs::symlink_metadata(&path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e).with_context(|| format!("reading {rel}")),
        Ok(m) if m.file_type().is_symlink() => {
            anyhow::bail!("{rel} is a symbolic link; it must be a regular file in the repository")
        }
        Ok(m) if !m.is_file() => anyhow::bail!("{rel} is not a regular file"),
        Ok(m) if m.len() > limit as u64 => anyhow::bail!("{rel} is {} bytes, over the {limit}-byte limit", m.len()),
        Ok(_) => {}
    }
    let bytes = std::fs::read(&path).with_context(|| format!("reading {rel}"))?;
    Ok(Some(String::from_utf8_lossy(&bytes).into_owned()))
}
