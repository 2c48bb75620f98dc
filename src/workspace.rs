//! The work tree: finds plan files on disk and reads them with the size limit. (Plans at a
//! revision come from `git`.)

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::config::{CONFIG_PATH, Config, is_plan_path, is_skipped_dir};
use crate::plan::{LoadFailure, LoadedPlan, MAX_PLAN_BYTES, load_bytes, oversized};

/// Reads `.support-plan/config.toml` from the work tree, or the defaults.
pub fn read_config(root: &Path) -> anyhow::Result<Config> {
    let path = root.join(CONFIG_PATH);
    match std::fs::read_to_string(&path) {
        Ok(text) => Config::parse(&text, CONFIG_PATH),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Config::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

/// Every plan file under `root`, as sorted `/`-separated relative paths.
pub fn discover(root: &Path, config: &Config) -> anyhow::Result<Vec<String>> {
    let excludes = config.excludes();
    let mut found = Vec::new();
    let mut stack: Vec<PathBuf> = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let entries = std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
        for entry in entries {
            let entry = entry.with_context(|| format!("listing {}", dir.display()))?;
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let child = rel.join(name);
            let rel_str = child.to_string_lossy().replace('\\', "/");
            if excludes.is_match(&rel_str) {
                continue;
            }
            let kind = entry.file_type().with_context(|| format!("reading {}", entry.path().display()))?;
            if kind.is_dir() {
                if !is_skipped_dir(name) {
                    stack.push(child);
                }
            } else if (kind.is_file() || kind.is_symlink()) && is_plan_path(&rel_str) {
                found.push(rel_str);
            }
        }
    }
    found.sort();
    Ok(found)
}

/// Reads and loads one plan file from disk, refusing files over the size limit without
/// reading them whole.
pub fn load_file(root: &Path, rel: &str) -> anyhow::Result<Result<LoadedPlan, LoadFailure>> {
    let path = root.join(rel);
    let file = std::fs::File::open(&path).with_context(|| format!("opening {rel}"))?;
    let mut bytes = Vec::new();
    file.take(MAX_PLAN_BYTES as u64 + 1).read_to_end(&mut bytes).with_context(|| format!("reading {rel}"))?;
    if bytes.len() > MAX_PLAN_BYTES {
        let size = std::fs::metadata(&path).map_or(bytes.len() as u64, |m| m.len());
        return Ok(Err(oversized(rel, None, size)));
    }
    Ok(load_bytes(rel, None, &bytes))
}

/// Loads many plan files, on all cores; results keep the order of `files`.
pub fn load_files(root: &Path, files: &[String]) -> anyhow::Result<Vec<Result<LoadedPlan, LoadFailure>>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let chunk = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().map(|f| load_file(root, f)).collect::<anyhow::Result<Vec<_>>>())
            })
            .collect();
        let mut out = Vec::with_capacity(files.len());
        for h in handles {
            out.extend(h.join().map_err(|_| anyhow::anyhow!("a plan loader thread panicked"))??);
        }
        Ok(out)
    })
}
