//! Evidence files produced by CI, read for the release gate: located by path or glob under
//! the evidence directory, refused above a size limit, checked for freshness, and parsed by
//! the adapter their `kind` names. Anything missing, stale or unparseable is a problem
//! recorded on the evidence, which fails every check that needs it.

mod json;
mod junit;
mod text;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

pub use junit::{CaseStatus, TestCase, parse_junit};

use crate::plan::{Evidence, EvidenceKind, MetricUnit};

/// Evidence files larger than this are refused unread (JUnit is streamed below it).
pub const MAX_EVIDENCE_BYTES: u64 = 256 * 1024 * 1024;

/// One value of a metric, in the unit the metric declares.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub value: f64,
    pub file: String,
}

/// What one `[evidence.<id>]` yielded.
#[derive(Debug, Clone, Default)]
pub struct Collected {
    /// Files read, relative to the evidence directory.
    pub files: Vec<String>,
    /// Why the evidence cannot be trusted (missing, stale, unreadable…), if so.
    pub problem: Option<String>,
    pub cases: Vec<TestCase>,
    /// metric name -> samples (one per file).
    pub samples: BTreeMap<String, Vec<Sample>>,
}

/// Reads every declared evidence; `now` is the wall clock used for `max_age`.
pub fn collect(dir: &Path, evidence: &BTreeMap<String, Evidence>, now: SystemTime) -> BTreeMap<String, Collected> {
    evidence.iter().map(|(id, e)| (id.clone(), collect_one(dir, e, now))).collect()
}

fn collect_one(dir: &Path, e: &Evidence, now: SystemTime) -> Collected {
    let mut c = Collected::default();
    let files = match expand(dir, &e.path) {
        Ok(f) => f,
        Err(problem) => {
            c.problem = Some(problem);
            return c;
        }
    };
    if files.is_empty() {
        c.problem = Some(format!("no file matches `{}` under {}", e.path, dir.display()));
        return c;
    }
    for (rel, path) in files {
        if let Err(problem) = read_one(&path, &rel, e, now, &mut c) {
            c.problem = Some(format!("{rel}: {problem}"));
            return c;
        }
        c.files.push(rel);
    }
    c
}

fn read_one(path: &Path, rel: &str, e: &Evidence, now: SystemTime, c: &mut Collected) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|err| format!("cannot read it: {err}"))?;
    if meta.len() > MAX_EVIDENCE_BYTES {
        return Err(format!(
            "{} bytes, over the {MAX_EVIDENCE_BYTES}-byte evidence limit; it was not read",
            meta.len()
        ));
    }
    if let (Some(max), Ok(modified)) = (e.max_age, meta.modified()) {
        let age = now.duration_since(modified).unwrap_or_default();
        if age.as_millis() > u128::from(max.millis) {
            let hours = age.as_secs() / 3600;
            return Err(format!("stale: written {hours}h ago, older than max_age {max}"));
        }
    }
    match e.kind {
        EvidenceKind::Junit => {
            let file = std::fs::File::open(path).map_err(|err| format!("cannot open it: {err}"))?;
            let cases = parse_junit(std::io::BufReader::new(file))?;
            let totals = junit::totals(&cases);
            for (name, value) in totals {
                c.samples.entry(name.into()).or_default().push(Sample { value, file: rel.into() });
            }
            c.cases.extend(cases);
        }
        kind => {
            let bytes = std::fs::read(path).map_err(|err| format!("cannot read it: {err}"))?;
            let builtin = match kind {
                EvidenceKind::Lcov => text::lcov(&bytes)?,
                EvidenceKind::Cobertura => text::cobertura(&bytes)?,
                EvidenceKind::Sarif => json::sarif(&bytes)?,
                EvidenceKind::Hyperfine => json::hyperfine(&bytes)?,
                EvidenceKind::Criterion => json::criterion(&bytes)?,
                _ => BTreeMap::new(),
            };
            for (name, value) in builtin {
                c.samples.entry(name).or_default().push(Sample { value, file: rel.into() });
            }
            if !e.metrics.is_empty() {
                let doc: serde_json::Value =
                    serde_json::from_slice(&bytes).map_err(|err| format!("not valid JSON: {err}"))?;
                for (name, src) in &e.metrics {
                    let value = json::pointer(&doc, &src.pointer)?;
                    c.samples.entry(name.clone()).or_default().push(Sample { value, file: rel.into() });
                }
            }
        }
    }
    Ok(())
}

/// The unit of a metric of this evidence: declared, or the adapter's own.
pub fn metric_unit(e: &Evidence, name: &str) -> Option<MetricUnit> {
    if let Some(src) = e.metrics.get(name) {
        return Some(src.unit.clone());
    }
    let (_, dim) = e.kind.builtin_metrics().iter().find(|(n, _)| *n == name)?;
    let unit = match dim {
        crate::plan::values::Dimension::Ratio => "ratio",
        crate::plan::values::Dimension::Time => "s",
        _ => "count",
    };
    crate::plan::values::Unit::parse(unit).ok().map(MetricUnit::Unit)
}

/// Expands a path or a glob (`e2e/results/*.xml`) under `dir`, sorted.
fn expand(dir: &Path, pattern: &str) -> Result<Vec<(String, PathBuf)>, String> {
    if !pattern.contains(['*', '?', '[', '{']) {
        let p = dir.join(pattern);
        return Ok(if p.is_file() { vec![(pattern.to_owned(), p)] } else { vec![] });
    }
    let glob = globset::GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|e| format!("invalid glob `{pattern}`: {e}"))?
        .compile_matcher();
    // Walk only below the pattern's literal prefix.
    let literal: Vec<&str> = pattern.split('/').take_while(|p| !p.contains(['*', '?', '[', '{'])).collect();
    let base = literal.join("/");
    let mut out = Vec::new();
    let mut stack = vec![base.clone()];
    while let Some(rel) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(dir.join(&rel)) else { continue };
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(child),
                Ok(_) if glob.is_match(&child) => out.push((child.clone(), dir.join(&child))),
                _ => {}
            }
        }
    }
    out.sort();
    Ok(out)
}
