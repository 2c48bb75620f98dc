//! Evidence files produced by CI, read for the release gate: located by path or glob under
//! the evidence directory, refused above a size limit, checked for freshness, and parsed by
//! the adapter their `kind` names. Anything missing, stale or unparseable is a problem
//! recorded on the evidence, which fails every check that needs it.

mod coverage;
mod json;
mod junit;
mod results;
mod xml;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use json::pointer as json_number;
pub use junit::{CaseStatus, Report, TestCase, parse_junit};

use crate::plan::values::Dimension;
use crate::plan::{Evidence, EvidenceKind, MetricUnit};

/// Evidence files larger than this are refused unread (JUnit is streamed below it).
pub const MAX_EVIDENCE_BYTES: u64 = 256 * 1024 * 1024;

/// Formats other than JUnit are read whole (and LCOV, go cover profiles, TRX and `go test
/// -json` build a record per line or result): up to this size, so that a gate stays within a
/// few hundred MiB of memory.
pub const MAX_WHOLE_BYTES: u64 = 64 * 1024 * 1024;

/// hyperfine and criterion exports, and each `go test -json` event, are read as value trees,
/// up to this size (they are kilobytes when real).
pub const MAX_TREE_JSON_BYTES: usize = 8 * 1024 * 1024;

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
    /// Every commit the evidence says it was produced from (none when it does not say).
    pub commits: Vec<String>,
}

/// The earliest and latest instants a file says it was written at (Unix seconds).
pub type Written = (i64, i64);

/// Evidence written more than this after `now` is from the future (clock skew allowance).
const FUTURE_SKEW_SECONDS: i64 = 300;

/// The evidence manifest a CI step may write next to the evidence: `{"commit": "<sha>"}`,
/// the commit the evidence was produced from.
pub const MANIFEST: &str = "supportplan-evidence.json";

/// Refuses an evidence directory inside the repository that a symbolic link (committed by
/// anyone) leads out of it. A directory named outside the repository on purpose (such as
/// `$RUNNER_TEMP/reports`) is the user's choice.
pub fn check_dir(repo_root: &Path, dir: &Path) -> anyhow::Result<()> {
    let (Ok(root), Ok(real)) = (repo_root.canonicalize(), dir.canonicalize()) else { return Ok(()) };
    let lexical = if dir.is_absolute() { dir.to_path_buf() } else { repo_root.join(dir) };
    let inside = lexical.starts_with(repo_root) || lexical.starts_with(&root);
    anyhow::ensure!(
        !inside || real.starts_with(&root),
        "the evidence directory {} is a link that leads out of the repository ({}); evidence is read inside it only",
        dir.display(),
        real.display()
    );
    Ok(())
}

/// Reads every declared evidence; `now` (Unix seconds) is what `max_age` is measured from.
/// Evidence that names the commit it was produced from (a JUnit property, or the manifest)
/// must name one of `commits` (the gated one; in a pull-request preview also the merge
/// commit CI checked out); with no `commits`, the commit is not checked.
pub fn collect(
    dir: &Path,
    evidence: &BTreeMap<String, Evidence>,
    now: i64,
    commits: &[String],
) -> BTreeMap<String, Collected> {
    let manifest = read_manifest(dir);
    evidence
        .iter()
        .map(|(id, e)| {
            let mut c = collect_one(dir, e, now);
            if c.problem.is_none()
                && let Some(problem) = foreign(commits, manifest.as_ref(), &c.commits)
            {
                let files = c.files.iter().map(|f| crate::render::one_line(f)).collect::<Vec<_>>().join(", ");
                c.problem = Some(format!("{files}: {problem}"));
            }
            (id.clone(), c)
        })
        .collect()
}

/// The manifest, if the directory has one: a regular file inside the directory, at most
/// 64 KiB, `{"commit": "<sha>"}` with the key once.
fn read_manifest(dir: &Path) -> Option<Result<String, String>> {
    #[derive(serde::Deserialize)]
    struct Manifest {
        commit: String,
    }
    let path = dir.join(MANIFEST);
    let meta = std::fs::symlink_metadata(&path).ok()?;
    let inside = match (path.canonicalize(), dir.canonicalize()) {
        (Ok(real), Ok(root)) => real.starts_with(root),
        _ => false,
    };
    let real = std::fs::metadata(&path).ok();
    if !inside || !real.as_ref().is_some_and(|m| m.is_file()) {
        return Some(Err(format!("{MANIFEST} is not a regular file inside the evidence directory; it was not read")));
    }
    if meta.len() > 64 * 1024 || real.is_some_and(|m| m.len() > 64 * 1024) {
        return Some(Err(format!("{MANIFEST} is over 64 KiB; it was not read")));
    }
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => return Some(Err(format!("{MANIFEST} cannot be read: {e}"))),
    };
    Some(
        serde_json::from_slice::<Manifest>(&bytes)
            .map_err(|e| format!("{MANIFEST} is not {{\"commit\": \"<sha>\"}}: {e}"))
            .map(|m| m.commit.trim().to_owned())
            .and_then(
                |c| {
                    if c.is_empty() { Err(format!("{MANIFEST} is not {{\"commit\": \"<sha>\"}}")) } else { Ok(c) }
                },
            ),
    )
}

/// Why evidence does not belong to the gated commit, if it says it does not. Every commit it
/// names must be an accepted one.
fn foreign(accepted: &[String], manifest: Option<&Result<String, String>>, own: &[String]) -> Option<String> {
    if accepted.is_empty() {
        return None;
    }
    if let Some(Err(e)) = manifest {
        return Some(e.clone());
    }
    let named: Vec<&str> = if own.is_empty() {
        manifest.and_then(|m| m.as_ref().ok()).map(String::as_str).into_iter().collect()
    } else {
        own.iter().map(String::as_str).collect()
    };
    for named in named {
        if named.trim().is_empty() {
            return Some(
                "names its commit as empty: say which commit it was produced from, or leave the property out".into(),
            );
        }
        let matches =
            |gated: &String| named.len() >= 7 && gated.to_ascii_lowercase().starts_with(&named.to_ascii_lowercase());
        if !accepted.iter().any(matches) {
            return Some(format!(
                "produced from commit {}, not the gated commit {}: evidence from another commit is not evidence",
                named.escape_debug(),
                &accepted[0][..12.min(accepted[0].len())]
            ));
        }
    }
    None
}

/// A time stamp a file declares in `field`: absent, or a readable instant; a stamp that is
/// there and does not read is an error (never "use the file's modification time instead").
pub(crate) fn instant(field: &str, text: Option<&str>) -> Result<Option<i64>, String> {
    match text {
        None => Ok(None),
        Some(t) => parse_instant(t).map(Some).ok_or_else(|| {
            format!(
                "{field} \"{}\" is not a date-time (write ISO 8601, e.g. 2026-11-26T09:12:33Z)",
                crate::render::one_line(t)
            )
        }),
    }
}

/// JSON evidence as a value tree, refusing a key written twice in one object: readers
/// disagree on which one counts (the last here, the first elsewhere), so a second `"runs"`
/// or `"value"` could hide what the first one says.
pub(crate) fn strict_json(bytes: &[u8]) -> Result<serde_json::Value, String> {
    // A value tree takes up to ~40 times the text (`[0,0,…]`): formats read as a tree are
    // small by nature (hyperfine, criterion, one go test event), and are capped to keep a
    // gate within a few hundred MiB. SARIF and JSON pointers are read as streams instead.
    if bytes.len() > MAX_TREE_JSON_BYTES {
        return Err(format!(
            "{} bytes of JSON, over the {MAX_TREE_JSON_BYTES} bytes this format is read up to",
            bytes.len()
        ));
    }
    use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
    use serde_json::Value;
    struct Strict(Value);
    struct Reader;
    impl<'de> Deserialize<'de> for Strict {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            d.deserialize_any(Reader).map(Strict)
        }
    }
    impl<'de> Visitor<'de> for Reader {
        type Value = Value;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
            Ok(Value::Bool(v))
        }
        fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
            Ok(Value::from(v))
        }
        fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
            Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
        }
        fn visit_str<E>(self, v: &str) -> Result<Value, E> {
            Ok(Value::String(v.to_owned()))
        }
        fn visit_string<E>(self, v: String) -> Result<Value, E> {
            Ok(Value::String(v))
        }
        fn visit_unit<E>(self) -> Result<Value, E> {
            Ok(Value::Null)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
            let mut out = Vec::new();
            while let Some(Strict(v)) = seq.next_element()? {
                out.push(v);
            }
            Ok(Value::Array(out))
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
            let mut out = serde_json::Map::new();
            while let Some(key) = map.next_key::<String>()? {
                let Strict(v) = map.next_value()?;
                if out.contains_key(&key) {
                    return Err(A::Error::custom(format!(
                        "the key `{}` is written twice in one object",
                        crate::render::one_line(&key)
                    )));
                }
                out.insert(key, v);
            }
            Ok(Value::Object(out))
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let Strict(v) = Strict::deserialize(&mut de).map_err(|e| format!("not valid JSON: {e}"))?;
    de.end().map_err(|e| format!("not valid JSON: {e}"))?;
    Ok(v)
}

/// An instant written by a tool: RFC 3339 with an offset, a date-time without one (read as
/// UTC, as JUnit writers mean it), or milliseconds since the epoch. Unix seconds.
pub fn parse_instant(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts.as_second());
    }
    // "Sat, 03 Dec 2022 23:10:07 GMT" (RFC 2822, as some JUnit writers use).
    if let Ok(ts) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(t) {
        return Some(ts.as_second());
    }
    // "2021-03-07T10:36:56 UTC" (Maven Surefire on some JVMs).
    let t = t.strip_suffix(" UTC").or_else(|| t.strip_suffix(" GMT")).unwrap_or(t);
    if let Ok(dt) = t.parse::<jiff::civil::DateTime>() {
        return jiff::tz::Offset::UTC.to_timestamp(dt).ok().map(|t| t.as_second());
    }
    if t.len() == 13 && t.bytes().all(|b| b.is_ascii_digit()) {
        return t.parse::<i64>().ok().map(|ms| ms / 1000);
    }
    None
}

fn show_instant(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).map_or_else(|_| seconds.to_string(), |t| t.to_string())
}

fn collect_one(dir: &Path, e: &Evidence, now: i64) -> Collected {
    let mut c = Collected::default();
    let files = match expand(dir, &e.path) {
        Ok(f) => f,
        Err(problem) => {
            c.problem = Some(problem);
            return c;
        }
    };
    if files.is_empty() {
        let folders = in_artifact_folders(dir, &e.path);
        c.problem = Some(match folders.as_slice() {
            [folder] => format!(
                "no file matches `{path}` in the evidence directory, but `{folder}/{path}` does: the artifact was downloaded into a folder of its own name; download it with `merge-multiple: true`, or write the path as `{folder}/{path}`",
                path = e.path
            ),
            [first, second, ..] => format!(
                "no file matches `{path}` in the evidence directory, but `{first}/{path}`, `{second}/{path}`{more} do: each artifact was downloaded into a folder of its own name; write the path as `*/{path}` to read them all (merging them would overwrite one file with another)",
                path = e.path,
                more = if folders.len() > 2 { " and more" } else { "" }
            ),
            [] => format!(
                "no file matches `{}` in the evidence directory; the step that writes it must run before the gate in the same job, or upload it as an artifact that the gate job downloads into --evidence-dir",
                e.path
            ),
        });
        return c;
    }
    // After symbolic links are resolved, every file must still be inside the directory.
    let Ok(root) = dir.canonicalize() else {
        c.problem = Some(format!("the evidence directory {} cannot be read", dir.display()));
        return c;
    };
    for (rel, path) in files {
        match path.canonicalize() {
            Ok(real) if real.starts_with(&root) => {}
            _ => {
                c.problem = Some(format!("{rel} resolves outside the evidence directory; it was not read"));
                return c;
            }
        }
        if let Err(problem) = read_one(&path, &rel, e, now, &mut c) {
            c.problem = Some(format!("{rel}: {problem}"));
            return c;
        }
        c.files.push(rel);
    }
    c
}

fn read_one(path: &Path, rel: &str, e: &Evidence, now: i64, c: &mut Collected) -> Result<(), String> {
    let meta = std::fs::metadata(path).map_err(|err| format!("cannot read it: {err}"))?;
    if meta.len() > MAX_EVIDENCE_BYTES {
        return Err(format!(
            "{} bytes, over the {MAX_EVIDENCE_BYTES}-byte evidence limit; it was not read",
            meta.len()
        ));
    }
    if e.kind != EvidenceKind::Junit && meta.len() > MAX_WHOLE_BYTES {
        return Err(format!(
            "{} bytes, over the {MAX_WHOLE_BYTES}-byte limit of evidence read whole (only JUnit is streamed, up to {MAX_EVIDENCE_BYTES}); it was not read",
            meta.len()
        ));
    }
    let (report, mut metrics, written) = parse(path, e)?;
    // The file's own timestamps where the format has them, its modification time otherwise.
    let (oldest, newest, source) = match written {
        Some((lo, hi)) => (lo, hi, "its own timestamp"),
        None => {
            let modified = meta
                .modified()
                .ok()
                .and_then(|m| m.duration_since(std::time::UNIX_EPOCH).ok())
                .map_or(0, |d| d.as_secs() as i64);
            (modified, modified, "its modification time")
        }
    };
    if newest > now + FUTURE_SKEW_SECONDS {
        return Err(format!(
            "written {} by {source}, after the gate's now ({}); evidence from the future is not evidence",
            show_instant(newest),
            show_instant(now)
        ));
    }
    if let Some(max) = e.max_age {
        let age = now.saturating_sub(oldest).max(0) as u64;
        if u128::from(age) * 1000 > u128::from(max.millis) {
            return Err(format!(
                "stale: written {} ({}h before the gate's now, by {source}), older than max_age {max}",
                show_instant(oldest),
                age / 3600
            ));
        }
    }
    if let Some(report) = report {
        metrics.extend(junit::totals(&report.cases).into_iter().map(|(k, v)| (k.to_owned(), v)));
        c.commits.extend(report.commits);
        c.cases.extend(report.cases);
    }
    for (name, value) in metrics {
        if let Some(unit) = metric_unit(e, &name) {
            plausible(&name, value, &unit)?;
        }
        c.samples.entry(name).or_default().push(Sample { value, file: rel.into() });
    }
    Ok(())
}

/// A value no measurement can have makes the evidence invalid: not a finite number, a
/// negative time, size or rate, a ratio outside 0–100 %.
fn plausible(name: &str, value: f64, unit: &MetricUnit) -> Result<(), String> {
    if !value.is_finite() {
        return Err(format!("`{name}` is {value}, not a finite number"));
    }
    let MetricUnit::Unit(u) = unit else { return Ok(()) };
    let base = value * u.factor;
    match u.dimension {
        Dimension::Time | Dimension::Bytes | Dimension::Rate if base < 0.0 => {
            Err(format!("`{name}` is {value}{}: {} cannot be negative", u.name, u.dimension))
        }
        Dimension::Ratio if !(0.0..=1.0 + 1e-9).contains(&base) => {
            Err(format!("`{name}` is {value}{}: a ratio lies between 0 and 100%", u.name))
        }
        _ => Ok(()),
    }
}

/// Every built-in metric of one evidence file of `kind`, test totals included: what the gate
/// would read from it.
pub fn measure(path: &Path, kind: EvidenceKind) -> Result<BTreeMap<String, f64>, String> {
    let e = Evidence { kind, path: String::new(), required: true, max_age: None, metrics: BTreeMap::new() };
    measured(parse(path, &e)?, &e)
}

/// [`measure`] on bytes already read (the fuzz targets feed every adapter this way).
pub fn measure_bytes(bytes: &[u8], kind: EvidenceKind) -> Result<BTreeMap<String, f64>, String> {
    let e = Evidence { kind, path: String::new(), required: true, max_age: None, metrics: BTreeMap::new() };
    measured(parse_bytes(bytes, &e)?, &e)
}

fn measured(parsed: Parsed, e: &Evidence) -> Result<BTreeMap<String, f64>, String> {
    let (report, mut metrics, _) = parsed;
    if let Some(report) = report {
        metrics.extend(junit::totals(&report.cases).into_iter().map(|(k, v)| (k.to_owned(), v)));
    }
    for (name, value) in &metrics {
        if let Some(unit) = metric_unit(e, name) {
            plausible(name, *value, &unit)?;
        }
    }
    Ok(metrics)
}

type Parsed = (Option<Report>, BTreeMap<String, f64>, Option<(i64, i64)>);

/// Reads one file with the adapter its kind names.
fn parse(path: &Path, e: &Evidence) -> Result<Parsed, String> {
    if e.kind == EvidenceKind::Junit {
        use std::io::BufRead as _;
        let file = std::fs::File::open(path).map_err(|err| format!("cannot open it: {err}"))?;
        let mut reader = std::io::BufReader::new(file);
        not_text(reader.fill_buf().map_err(|err| format!("cannot read it: {err}"))?)?;
        let report = parse_junit(reader)?;
        let written = report.written;
        return Ok((Some(report), BTreeMap::new(), written));
    }
    let bytes = std::fs::read(path).map_err(|err| format!("cannot read it: {err}"))?;
    parse_bytes(&bytes, e)
}

/// Reads bytes with the adapter the evidence's kind names (JUnit from a file streams instead).
fn parse_bytes(bytes: &[u8], e: &Evidence) -> Result<Parsed, String> {
    not_text(bytes)?;
    let at = |t: Option<i64>| t.map(|t| (t, t));
    let (report, mut metrics, written) = match e.kind {
        EvidenceKind::Junit => {
            let report = parse_junit(bytes)?;
            let written = report.written;
            (Some(report), BTreeMap::new(), written)
        }
        EvidenceKind::GoTestJson | EvidenceKind::Trx => {
            let report = if e.kind == EvidenceKind::Trx { results::trx(bytes)? } else { results::go_test_json(bytes)? };
            let written = report.written;
            (Some(report), BTreeMap::new(), written)
        }
        EvidenceKind::Lcov => (None, coverage::lcov(bytes)?, None),
        EvidenceKind::Cobertura => (None, coverage::cobertura(bytes)?, None),
        EvidenceKind::Jacoco => {
            let (m, t) = coverage::jacoco(bytes)?;
            (None, m, at(t))
        }
        EvidenceKind::GoCover => (None, coverage::go_cover(bytes)?, None),
        EvidenceKind::Sarif => {
            let (m, t) = json::sarif(bytes)?;
            (None, m, t)
        }
        EvidenceKind::Hyperfine => (None, json::hyperfine(bytes)?, None),
        EvidenceKind::Criterion => (None, json::criterion(bytes)?, None),
        EvidenceKind::Json | EvidenceKind::K6Summary => (None, BTreeMap::new(), None),
    };
    if !e.metrics.is_empty() {
        // One streaming pass per metric: the document is never held as a tree.
        for (name, src) in &e.metrics {
            metrics.insert(name.clone(), json::pointer_in(bytes, &src.pointer)?);
        }
    }
    Ok((report, metrics, written))
}

/// Every evidence format is UTF-8 text: UTF-16 (what some Windows tools write) or binary is
/// named as such, not reported as whatever the first odd byte breaks.
fn not_text(head: &[u8]) -> Result<(), String> {
    let head = &head[..head.len().min(512)];
    if head.starts_with(&[0xff, 0xfe]) || head.starts_with(&[0xfe, 0xff]) {
        return Err(
            "the file is UTF-16; evidence is read as UTF-8 text (convert it, e.g. iconv -f UTF-16 -t UTF-8)".into()
        );
    }
    if head.contains(&0) {
        return Err("the file holds NUL bytes: it is binary (or UTF-16), not UTF-8 text".into());
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
/// The folders directly below `dir` where `pattern` does match: where
/// `actions/download-artifact` puts each artifact without `merge-multiple`.
fn in_artifact_folders(dir: &Path, pattern: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Vec::new() };
    let mut folders: Vec<String> = entries
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|name| !name.starts_with('.') && name != "target" && name != "node_modules")
        .collect();
    folders.sort();
    folders.retain(|f| expand(&dir.join(f), pattern).is_ok_and(|files| !files.is_empty()));
    folders
}

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

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{}/tests/fixtures/evidence/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    fn count(cases: &[TestCase], s: CaseStatus) -> usize {
        cases.iter().filter(|c| c.status == s).count()
    }

    #[test]
    fn junit_from_cargo_nextest() {
        let cases = parse_junit(&fixture("nextest-fail.xml")[..]).unwrap().cases;
        assert_eq!(cases.len(), 5);
        assert_eq!(count(&cases, CaseStatus::Failed), 1);
        let failed = cases.iter().find(|c| c.status == CaseStatus::Failed).unwrap();
        assert_eq!(failed.name, "shop::invoice::generate_credit_note");
        assert_eq!(failed.short(), "invoice::generate_credit_note");
    }

    #[test]
    fn junit_from_pytest() {
        let cases = parse_junit(&fixture("pytest-fail.xml")[..]).unwrap().cases;
        assert_eq!((cases.len(), count(&cases, CaseStatus::Passed), count(&cases, CaseStatus::Skipped)), (4, 2, 1));
        assert_eq!(
            cases.iter().find(|c| c.status == CaseStatus::Failed).unwrap().name,
            "tests.test_checkout::test_rounding"
        );
    }

    #[test]
    fn junit_single_testsuite_root_with_surefire_reruns() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<testsuite name="com.acme.BillingTest" tests="3" failures="0" errors="1" skipped="0" timestamp="2026-11-20T10:00:00">
  <testcase name="invoices" classname="com.acme.BillingTest" time="0.01">
    <flakyFailure message="timeout" type="java.lang.AssertionError"/>
  </testcase>
  <testcase name="credits" classname="com.acme.BillingTest" time="0.02"/>
  <testcase name="refunds" classname="com.acme.BillingTest" time="0.02"><error message="NPE" type="java.lang.NullPointerException">trace</error></testcase>
</testsuite>"#;
        let report = parse_junit(&xml[..]).unwrap();
        assert_eq!(report.written, Some((1_795_168_800, 1_795_168_800)), "a timestamp without offset is UTC");
        let cases = report.cases;
        assert_eq!(cases.len(), 3);
        assert!(cases[0].flaky && cases[0].status == CaseStatus::Passed);
        assert_eq!(cases[2].status, CaseStatus::Errored);
    }

    #[test]
    fn truncated_or_foreign_xml_is_an_error() {
        let xml = fixture("nextest-pass.xml");
        let err = parse_junit(&xml[..xml.len() - 40]).unwrap_err();
        assert!(err.contains("truncated") || err.contains("not valid JUnit XML"), "{err}");
        assert!(parse_junit(&b"<html><body/></html>"[..]).unwrap_err().contains("no <testsuites> or <testsuite>"));
    }

    #[test]
    fn coverage_from_coverage_py() {
        let lcov = coverage::lcov(&fixture("coverage.lcov")).unwrap();
        let cobertura = coverage::cobertura(&fixture("cobertura.xml")).unwrap();
        assert!((lcov["lines"] - 15.0 / 17.0).abs() < 1e-9, "{lcov:?}");
        assert!((cobertura["lines"] - 0.8824).abs() < 1e-9);
        assert!((cobertura["branches"] - 0.5).abs() < 1e-9);
    }

    #[test]
    fn hyperfine_sarif_and_pointers() {
        let h = json::hyperfine(&fixture("hyperfine.json")).unwrap();
        assert!(h["mean"] > 0.05 && h["mean"] < 0.06, "{h:?}");
        let (s, _) = json::sarif(&fixture("scan.sarif")).unwrap();
        assert_eq!((s["error"], s["warning"]), (0.0, 1.0));
        let k6: serde_json::Value = serde_json::from_slice(&fixture("k6-summary.json")).unwrap();
        assert_eq!(json::pointer(&k6, "/metrics/http_req_duration/p(95)").unwrap(), 236.8);
        assert!(json::pointer(&k6, "/metrics/nope").unwrap_err().contains("finds nothing"));
        assert!(json::pointer(&k6, "metrics").unwrap_err().contains("start with `/`"));
    }
}
