//! JUnit XML, read as its writers mean it: cargo-nextest, pytest (with pytest-rerunfailures),
//! Maven Surefire, Jest, GoogleTest, go-junit-report and gotestsum. Streamed: a file is never
//! held whole, and each test keeps only its name, status and a flaky bit.
//!
//! - `<failure>` and `<error>` outrank `<skipped>`; an error outranks a failure.
//! - `status="disabled"`/`"notrun"` or `result="skipped"` (GoogleTest) is skipped.
//! - `<flakyFailure>`/`<flakyError>` (Surefire, nextest): passed on a retry, so flaky;
//!   `<rerunFailure>`/`<rerunError>` without a final success: failed.
//! - Repeated `<testcase>` elements with the same identity (gotestsum `--rerun-fails`,
//!   pytest-rerunfailures) are attempts of one test: the last decides, and a test whose last
//!   attempt passed after a failed one is flaky. (pytest-rerunfailures writes its failed
//!   attempts as bare `<testcase/>` elements, so its flakiness cannot be seen in the XML.)
//! - A suite that declares more tests, or more failures and errors, than its test cases
//!   show was cut or rewritten: the file is invalid, never a pass.

use std::collections::HashMap;
use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    Passed,
    Failed,
    Errored,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// `classname::name` (the suite's name when there is no classname), else `name`.
    pub name: String,
    /// Where the `name` attribute starts in `name`.
    short_at: u32,
    pub status: CaseStatus,
    /// Passed only after a retry (or failed once, then passed).
    pub flaky: bool,
}

impl TestCase {
    pub fn new(name: String, short_at: usize, status: CaseStatus, flaky: bool) -> TestCase {
        TestCase { short_at: short_at.min(name.len()) as u32, name, status, flaky }
    }

    /// The `name` attribute alone.
    pub fn short(&self) -> &str {
        self.name.get(self.short_at as usize..).unwrap_or(&self.name)
    }
}

/// What a JUnit file says: its tests (attempts merged) and the time it was written.
#[derive(Debug, Clone, Default)]
pub struct Report {
    pub cases: Vec<TestCase>,
    /// The earliest and latest `timestamp` of its suites and cases (Unix seconds).
    pub written: Option<(i64, i64)>,
    /// Every commit a `<property>` names (`commit`, `git_commit`, `git.commit`,
    /// `GITHUB_SHA`, `sha`, in any case; as a `value` or as the element's text): the
    /// commits the tests say they ran on.
    pub commits: Vec<String>,
}

fn attr(e: &BytesStart, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
}

/// A declared count: absent, or a whole number; anything else makes the file invalid.
fn count_attr(e: &BytesStart, key: &[u8]) -> Result<Option<u64>, String> {
    match attr(e, key) {
        None => Ok(None),
        Some(v) => {
            v.trim().parse().map(Some).map_err(|_| format!("{}=\"{v}\" is not a count", String::from_utf8_lossy(key)))
        }
    }
}

/// A suite being read: what it declares, and what its cases (nested suites included) show.
struct Suite {
    /// Which suite of the file this is (the 1st, 2nd, …): attempts merge only within one.
    ordinal: u32,
    name: String,
    declared_tests: Option<u64>,
    declared_failing: Option<u64>,
    cases: u64,
    failing: u64,
}

/// One `<testcase>` element being read.
struct Attempt {
    name: String,
    short_at: usize,
    failed: bool,
    errored: bool,
    skipped: bool,
    flaky: bool,
    rerun_failed: bool,
}

impl Attempt {
    fn status(&self) -> CaseStatus {
        if self.errored {
            CaseStatus::Errored
        } else if self.failed || self.rerun_failed {
            CaseStatus::Failed
        } else if self.skipped {
            CaseStatus::Skipped
        } else {
            CaseStatus::Passed
        }
    }
}

/// The largest element (or text: a test's captured output) read.
const MAX_ELEMENT_BYTES: usize = 32 * 1024 * 1024;

/// Parses JUnit XML; a truncated, malformed or self-contradicting file is an error that says
/// where and why.
pub fn parse_junit<R: BufRead>(reader: R) -> Result<Report, String> {
    let mut xml = Reader::from_reader(reader);
    xml.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut report = Report::default();
    let mut seen = Seen::default();
    let mut suites: Vec<Suite> = Vec::new();
    let mut root_seen = false;
    let mut depth = 0usize;
    let mut current: Option<Attempt> = None;
    let mut commit_text: Option<String> = None;
    // The text of a commit property that also has a `value` may be empty.
    let mut text_optional = false;
    loop {
        let at = xml.buffer_position();
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| format!("not valid JUnit XML at byte {}: {e}", xml.buffer_position()))?;
        // No test report has an element (or a text) this large; copies of it would not fit.
        let size = match &event {
            Event::Start(e) | Event::Empty(e) => e.len(),
            Event::Text(t) => t.len(),
            Event::CData(t) => t.len(),
            Event::Comment(t) => t.len(),
            _ => 0,
        };
        if size > MAX_ELEMENT_BYTES {
            return Err(format!(
                "an element of {size} bytes at byte {at}, over the {MAX_ELEMENT_BYTES} bytes a JUnit element is read up to"
            ));
        }
        super::xml::check(&event)?;
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            if !empty {
                depth += 1;
            }
            stamp(e, &mut report.written)?;
            match e.name().as_ref() {
                b"property" => {
                    let name = attr(e, b"name").unwrap_or_default().to_ascii_lowercase();
                    if matches!(name.as_str(), "commit" | "git_commit" | "git.commit" | "github_sha" | "sha") {
                        match attr(e, b"value") {
                            // A text as well names a second commit: both must be the gated one.
                            Some(v) if !empty => {
                                report.commits.push(v.trim().to_owned());
                                commit_text = Some(String::new());
                                text_optional = true;
                            }
                            Some(v) => report.commits.push(v.trim().to_owned()),
                            // `<property name="commit">sha</property>`: the text is the value.
                            None if !empty => {
                                commit_text = Some(String::new());
                                text_optional = false;
                            }
                            None => report.commits.push(String::new()),
                        }
                    }
                }
                b"testsuites" | b"testsuite" => {
                    root_seen = true;
                    let failing = match (count_attr(e, b"failures")?, count_attr(e, b"errors")?) {
                        (None, None) => None,
                        (f, er) => Some(f.unwrap_or(0) + er.unwrap_or(0)),
                    };
                    seen.suites += 1;
                    suites.push(Suite {
                        ordinal: seen.suites,
                        name: attr(e, b"name").unwrap_or_default(),
                        declared_tests: count_attr(e, b"tests")?,
                        declared_failing: failing,
                        cases: 0,
                        failing: 0,
                    });
                    if empty {
                        close_suite(&mut suites, at)?;
                    }
                }
                b"testcase" => {
                    let short = attr(e, b"name").unwrap_or_default();
                    let scope = attr(e, b"classname")
                        .filter(|c| !c.is_empty())
                        .or_else(|| suites.last().map(|s| s.name.clone()).filter(|n| !n.is_empty()));
                    let (name, short_at) = match scope {
                        Some(scope) => (format!("{scope}::{short}"), scope.len() + 2),
                        None => (short, 0),
                    };
                    let status = attr(e, b"status").unwrap_or_default();
                    let skipped = matches!(status.as_str(), "disabled" | "notrun" | "skipped")
                        || attr(e, b"result").as_deref() == Some("skipped");
                    current = Some(Attempt {
                        name,
                        short_at,
                        failed: false,
                        errored: false,
                        skipped,
                        flaky: false,
                        rerun_failed: false,
                    });
                    if empty {
                        finish(&mut current, &mut suites, &mut report.cases, &mut seen);
                    }
                }
                other => {
                    if let Some(c) = current.as_mut() {
                        match other {
                            b"failure" => c.failed = true,
                            b"error" => c.errored = true,
                            b"skipped" => c.skipped = true,
                            b"flakyFailure" | b"flakyError" => c.flaky = true,
                            b"rerunFailure" | b"rerunError" => c.rerun_failed = true,
                            _ => {}
                        }
                    }
                }
            }
        }
        match event {
            Event::Text(ref t) if commit_text.is_some() => {
                let text = t.xml_content().map_err(|e| format!("not valid JUnit XML: {e}"))?;
                if let Some(c) = commit_text.as_mut() {
                    c.push_str(&text);
                }
            }
            Event::End(ref e) => {
                depth = depth.saturating_sub(1);
                match e.name().as_ref() {
                    b"property" => {
                        if let Some(c) = commit_text.take()
                            && !(text_optional && c.trim().is_empty())
                        {
                            report.commits.push(c.trim().to_owned());
                        }
                    }
                    b"testcase" => finish(&mut current, &mut suites, &mut report.cases, &mut seen),
                    b"testsuites" | b"testsuite" => close_suite(&mut suites, at)?,
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !root_seen {
        return Err("not JUnit XML: no <testsuites> or <testsuite> element".into());
    }
    if depth != 0 {
        return Err(format!("truncated JUnit XML: {depth} element(s) never closed (was the file cut off?)"));
    }
    Ok(report)
}

/// Records a finished `<testcase>`: a new test, or another attempt of one already seen.
fn finish(current: &mut Option<Attempt>, suites: &mut [Suite], cases: &mut Vec<TestCase>, seen: &mut Seen) {
    let Some(a) = current.take() else { return };
    let status = a.status();
    for s in suites.iter_mut() {
        s.cases += 1;
        if matches!(status, CaseStatus::Failed | CaseStatus::Errored) {
            s.failing += 1;
        }
    }
    // A test of the same name in another suite (another file: jest-junit writes one suite a
    // file) is another test, not a retry of this one.
    let suite = suites.last().map_or(0, |s| s.ordinal);
    add_attempt(cases, seen, a.name, a.short_at, status, a.flaky, suite);
}

/// Adds one attempt of a test: a new test, or the next attempt of one seen before. The last
/// attempt decides; passing after a failed attempt (or with a flaky marker) is flaky.
/// Repeats that all pass are a stress run or duplicate names, not flakiness.
pub(super) fn add_attempt(
    cases: &mut Vec<TestCase>,
    seen: &mut Seen,
    name: String,
    short_at: usize,
    status: CaseStatus,
    flaky_marker: bool,
    suite: u32,
) {
    match seen.find(cases, &name, suite) {
        Some(i) => {
            let earlier = &mut cases[i];
            let failed_before = matches!(earlier.status, CaseStatus::Failed | CaseStatus::Errored) || earlier.flaky;
            earlier.flaky = status == CaseStatus::Passed && (failed_before || flaky_marker);
            earlier.status = status;
        }
        None => {
            seen.insert(&name, suite, cases.len());
            cases.push(TestCase::new(name, short_at, status, flaky_marker && status == CaseStatus::Passed));
        }
    }
}

/// Which tests were seen, by a hash of the name (the names themselves live once, in the
/// cases): memory grows by 12 bytes a test, not by a second copy of every name.
#[derive(Default)]
pub(super) struct Seen {
    by_hash: HashMap<u64, u32>,
    /// The suite each case was first seen in (by index of the case).
    suite_of: Vec<u32>,
    /// Names whose hash another name already took (practically never used).
    collided: HashMap<(u32, String), usize>,
    /// Suites opened so far.
    suites: u32,
}

impl Seen {
    fn hash(name: &str, suite: u32) -> u64 {
        use std::hash::{BuildHasher, BuildHasherDefault};
        BuildHasherDefault::<std::collections::hash_map::DefaultHasher>::default().hash_one((suite, name))
    }

    fn find(&self, cases: &[TestCase], name: &str, suite: u32) -> Option<usize> {
        match self.by_hash.get(&Self::hash(name, suite)) {
            Some(&i) if cases[i as usize].name == name && self.suite_of[i as usize] == suite => Some(i as usize),
            Some(_) => self.collided.get(&(suite, name.to_owned())).copied(),
            None => None,
        }
    }

    fn insert(&mut self, name: &str, suite: u32, index: usize) {
        let h = Self::hash(name, suite);
        if self.suite_of.len() <= index {
            self.suite_of.resize(index + 1, 0);
        }
        self.suite_of[index] = suite;
        match self.by_hash.entry(h) {
            std::collections::hash_map::Entry::Occupied(_) => {
                self.collided.insert((suite, name.to_owned()), index);
            }
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(index as u32);
            }
        }
    }
}

fn close_suite(suites: &mut Vec<Suite>, at: u64) -> Result<(), String> {
    let Some(s) = suites.pop() else { return Ok(()) };
    let name = if s.name.is_empty() { String::new() } else { format!(" `{}`", s.name) };
    if let Some(declared) = s.declared_tests
        && declared > s.cases
    {
        return Err(format!(
            "suite{name} (ending at byte {at}) declares tests=\"{declared}\" but holds {} test case(s): the file was cut or rewritten",
            s.cases
        ));
    }
    if let Some(declared) = s.declared_failing
        && declared > s.failing
    {
        return Err(format!(
            "suite{name} (ending at byte {at}) declares {declared} failure(s) and error(s) but its test cases show {}: the evidence contradicts itself",
            s.failing
        ));
    }
    Ok(())
}

/// Widens `written` with an element's `timestamp` attribute, when it has one. A timestamp
/// that is not a date-time is refused: falling back to the file's modification time would let
/// a copied old file pass as fresh.
fn stamp(e: &BytesStart, written: &mut Option<(i64, i64)>) -> Result<(), String> {
    let Some(text) = attr(e, b"timestamp") else { return Ok(()) };
    let t = super::parse_instant(&text).ok_or_else(|| {
        format!("timestamp=\"{text}\" is not a date-time (write ISO 8601, e.g. 2026-11-26T09:12:33Z)")
    })?;
    *written = Some(written.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
    Ok(())
}

/// Built-in JUnit metrics of one file.
pub fn totals(cases: &[TestCase]) -> Vec<(&'static str, f64)> {
    let count = |s: CaseStatus| cases.iter().filter(|c| c.status == s).count() as f64;
    let total = cases.len() as f64;
    let passed = count(CaseStatus::Passed);
    let run = total - count(CaseStatus::Skipped);
    vec![
        ("tests", total),
        ("passed", passed),
        ("failed", count(CaseStatus::Failed)),
        ("errors", count(CaseStatus::Errored)),
        ("skipped", count(CaseStatus::Skipped)),
        ("flaky", cases.iter().filter(|c| c.flaky).count() as f64),
        ("pass_rate", if run > 0.0 { passed / run } else { 0.0 }),
    ]
}
