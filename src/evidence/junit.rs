//! JUnit XML, as cargo-nextest, pytest, Maven Surefire and Jest write it: `<testsuites>` or
//! `<testsuite>` roots, `<failure>`/`<error>`/`<skipped>` children, and Surefire/nextest
//! rerun elements (`<flakyFailure>`, `<rerunFailure>`…). Streamed: a file is never held whole.

use std::io::BufRead;

use quick_xml::Reader;
use quick_xml::events::Event;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseStatus {
    Passed,
    Failed,
    Errored,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestCase {
    /// `classname::name` when a classname is given, else `name`.
    pub name: String,
    /// The `name` attribute alone.
    pub short: String,
    pub status: CaseStatus,
    /// Passed only after a retry (or failed once, then passed).
    pub flaky: bool,
}

fn attr(e: &quick_xml::events::BytesStart, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.unescape_value().ok())
        .map(|v| v.into_owned())
}

/// Parses JUnit XML; a truncated or malformed file is an error naming the byte offset.
pub fn parse_junit<R: BufRead>(reader: R) -> Result<Vec<TestCase>, String> {
    let mut xml = Reader::from_reader(reader);
    xml.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut cases = Vec::new();
    let mut depth = 0usize;
    let mut root_seen = false;
    let mut current: Option<TestCase> = None;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| format!("not valid JUnit XML at byte {}: {e}", xml.buffer_position()))?;
        match event {
            Event::Start(ref e) => {
                depth += 1;
                handle_open(e, &mut current, &mut root_seen);
            }
            Event::Empty(ref e) => {
                handle_open(e, &mut current, &mut root_seen);
                if e.name().as_ref() == b"testcase"
                    && let Some(c) = current.take()
                {
                    cases.push(c);
                }
            }
            Event::End(ref e) => {
                depth = depth.saturating_sub(1);
                if e.name().as_ref() == b"testcase"
                    && let Some(c) = current.take()
                {
                    cases.push(c);
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
    Ok(cases)
}

fn handle_open(e: &quick_xml::events::BytesStart, current: &mut Option<TestCase>, root_seen: &mut bool) {
    match e.name().as_ref() {
        b"testsuites" | b"testsuite" => *root_seen = true,
        b"testcase" => {
            let short = attr(e, b"name").unwrap_or_default();
            let name = match attr(e, b"classname").filter(|c| !c.is_empty()) {
                Some(class) => format!("{class}::{short}"),
                None => short.clone(),
            };
            *current = Some(TestCase { name, short, status: CaseStatus::Passed, flaky: false });
        }
        b"failure" => set(current, CaseStatus::Failed),
        b"error" => set(current, CaseStatus::Errored),
        b"skipped" => set(current, CaseStatus::Skipped),
        b"flakyFailure" | b"flakyError" | b"rerunFailure" | b"rerunError" => {
            if let Some(c) = current {
                c.flaky = true;
            }
        }
        _ => {}
    }
}

fn set(current: &mut Option<TestCase>, status: CaseStatus) {
    if let Some(c) = current
        && (c.status == CaseStatus::Passed || status == CaseStatus::Errored)
    {
        c.status = status;
    }
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
        ("pass_rate", if run > 0.0 { passed / run } else { 0.0 }),
    ]
}
