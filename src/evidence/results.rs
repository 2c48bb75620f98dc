//! Test results other than JUnit: `go test -json` events and Visual Studio TRX. Both become
//! the same test cases as JUnit, with the same rules: the last attempt of a test decides,
//! a pass after earlier attempts is flaky, and anything that started but never finished is
//! an error.

use std::collections::HashMap;

use quick_xml::Reader;
use quick_xml::events::Event;

use crate::render;

use super::junit::{CaseStatus, Report, Seen, TestCase, add_attempt};

fn attempt(report: &mut Report, seen: &mut Seen, name: String, short_at: usize, s: CaseStatus) {
    add_attempt(&mut report.cases, seen, name, short_at, s, false, 0);
}

fn widen(written: &mut Option<(i64, i64)>, t: Option<i64>) {
    if let Some(t) = t {
        *written = Some(written.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
    }
}

/// `go test -json` (one JSON event per line). A package that fails without a failing test
/// (a panic in TestMain, `os.Exit`, a build failure) is one errored test named after it; a
/// test that started and never ended (the binary crashed or timed out) is errored.
pub fn go_test_json(bytes: &[u8]) -> Result<Report, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not go test -json output: the file is not UTF-8".to_string())?;
    let mut report = Report::default();
    let mut seen = Seen::default();
    let mut running: HashMap<String, usize> = HashMap::new();
    let mut failing_packages: Vec<String> = Vec::new();
    let mut events = 0usize;
    let mut package_failed: Vec<String> = Vec::new();
    let (mut tested_packages, mut ended_packages) =
        (std::collections::BTreeSet::<String>::new(), std::collections::BTreeSet::<String>::new());
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if !line.starts_with('{') {
            // Go before 1.24 reports build failures as plain text between the events.
            if let Some(rest) = line.strip_prefix("FAIL\t")
                && rest.contains("[build failed]")
            {
                package_failed.push(rest.split('\t').next().unwrap_or(rest).trim().to_owned());
            }
            continue;
        }
        let event = super::strict_json(line.as_bytes())
            .map_err(|e| format!("line {}: not a go test -json event: {e}", n + 1))?;
        events += 1;
        let get = |k: &str| event.get(k).and_then(|v| v.as_str()).unwrap_or("");
        let time = event.get("Time").map(|t| t.as_str().unwrap_or("(not a string)"));
        widen(&mut report.written, super::instant("Time", time).map_err(|e| format!("line {}: {e}", n + 1))?);
        let (action, package, test) = (get("Action"), get("Package"), get("Test"));
        let name = format!("{package}::{test}");
        if test.is_empty() {
            if matches!(action, "pass" | "fail" | "skip") {
                ended_packages.insert(package.to_owned());
            }
        } else {
            tested_packages.insert(package.to_owned());
        }
        match (action, test.is_empty()) {
            ("run", false) => {
                running.insert(name, package.len() + 2);
            }
            ("pass" | "fail" | "skip", false) => {
                running.remove(&name);
                let status = match action {
                    "pass" => CaseStatus::Passed,
                    "fail" => {
                        failing_packages.push(package.to_owned());
                        CaseStatus::Failed
                    }
                    _ => CaseStatus::Skipped,
                };
                attempt(&mut report, &mut seen, name, package.len() + 2, status);
            }
            ("fail", true) | ("build-fail", _) => package_failed.push(package.to_owned()),
            _ => {}
        }
    }
    if events == 0 {
        return Err("not go test -json output: no JSON events".into());
    }
    // Every package that ran tests ends with its own pass, fail or skip: without it the
    // output was cut (the run was killed, the file truncated).
    if let Some(p) = tested_packages.iter().find(|p| !ended_packages.contains(*p)) {
        return Err(format!(
            "package {} never ends (no package-level pass or fail event): the output was cut off",
            crate::render::one_line(p)
        ));
    }
    for (name, short_at) in running {
        attempt(&mut report, &mut seen, name, short_at, CaseStatus::Errored);
    }
    for package in package_failed {
        if !failing_packages.contains(&package) && !report.cases.iter().any(|c| c.name == package) {
            attempt(&mut report, &mut seen, package.clone(), 0, CaseStatus::Errored);
        }
    }
    report.cases.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(report)
}

/// Visual Studio TRX (`dotnet test --logger trx`): one `<UnitTestResult>` per test (a
/// data-driven parent counts once, its `<InnerResults>` not again). Passed is passed;
/// NotExecuted, Inconclusive, Pending, Disconnected and Warning are skipped; Failed is
/// failed; every other outcome (Error, Timeout, Aborted, NotRunnable, …) is an error.
pub fn trx(bytes: &[u8]) -> Result<Report, String> {
    let mut xml = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut report = Report::default();
    let mut seen = Seen::default();
    let (mut root, mut depth, mut inner) = (false, 0usize, 0usize);
    // Failing results at every level (data rows included), and what the summary declares.
    let (mut failing, mut declared_failing, mut run_outcome) = (0u64, 0u64, None::<String>);
    // Results at every level, and the total the summary declares.
    let (mut results, mut declared_total) = (0u64, None::<u64>);
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| format!("not valid TRX XML at byte {}: {e}", xml.buffer_position()))?;
        super::xml::check(&event)?;
        let (e, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                if e.local_name().as_ref() == b"InnerResults" {
                    inner = inner.saturating_sub(1);
                }
                (None, false)
            }
            Event::Eof => break,
            _ => (None, false),
        };
        if let Some(e) = e {
            if !empty {
                depth += 1;
            }
            let get = |k: &[u8]| {
                e.attributes()
                    .flatten()
                    .find(|a| a.key.local_name().as_ref() == k)
                    .and_then(|a| a.unescape_value().ok())
                    .map(|v| v.into_owned())
            };
            if e.local_name().as_ref() == b"UnitTestResult" {
                results += 1;
            }
            match e.local_name().as_ref() {
                b"TestRun" => root = true,
                b"Times" => {
                    for k in [&b"start"[..], b"finish", b"creation"] {
                        let field = format!("<Times {}>", String::from_utf8_lossy(k));
                        widen(&mut report.written, super::instant(&field, get(k).as_deref())?);
                    }
                }
                b"InnerResults" if !empty => inner += 1,
                b"ResultSummary" => run_outcome = get(b"outcome"),
                b"Counters" => {
                    // Every counter is a count, or the summary cannot be believed.
                    for a in e.attributes().flatten() {
                        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
                        let value = String::from_utf8_lossy(&a.value).into_owned();
                        let n = value.trim().parse::<u64>().map_err(|_| {
                            format!(
                                "<Counters {}=\"{}\"> is not a count",
                                render::one_line(&key),
                                render::one_line(&value)
                            )
                        })?;
                        if matches!(key.as_str(), "failed" | "error" | "timeout" | "aborted") {
                            declared_failing = declared_failing.saturating_add(n);
                        }
                        if key == "total" {
                            declared_total = Some(n);
                        }
                    }
                }
                b"UnitTestResult"
                    if inner > 0
                        && !matches!(
                            get(b"outcome").as_deref(),
                            Some("Passed" | "NotExecuted" | "Inconclusive" | "Pending" | "Disconnected" | "Warning")
                        ) =>
                {
                    failing += 1;
                }
                b"UnitTestResult" if inner > 0 => {}
                b"UnitTestResult" => {
                    let name = get(b"testName").unwrap_or_default();
                    let status = match get(b"outcome").as_deref() {
                        Some("Passed") => CaseStatus::Passed,
                        Some("Failed") => CaseStatus::Failed,
                        Some("NotExecuted" | "Inconclusive" | "Pending" | "Disconnected" | "Warning") => {
                            CaseStatus::Skipped
                        }
                        _ => CaseStatus::Errored,
                    };
                    if matches!(status, CaseStatus::Failed | CaseStatus::Errored) {
                        failing += 1;
                    }
                    let id = get(b"testId").unwrap_or_default();
                    // Attempts of one test share its id and name; data rows differ by name.
                    let key = format!("{name}\u{1f}{id}");
                    attempt(&mut report, &mut seen, key, 0, status);
                }
                _ => {}
            }
        }
        buf.clear();
    }
    if !root {
        return Err("not TRX: no <TestRun> element".into());
    }
    if depth != 0 {
        return Err(format!("truncated TRX: {depth} element(s) never closed (was the file cut off?)"));
    }
    if let Some(total) = declared_total.filter(|t| *t > results) {
        return Err(format!(
            "the run's counters declare {total} result(s) but the file holds {results}: the evidence contradicts itself (was it cut?)"
        ));
    }
    if declared_failing > failing {
        return Err(format!(
            "the run's counters declare {declared_failing} failed, errored, timed-out or aborted result(s) but its results show {failing}: the evidence contradicts itself"
        ));
    }
    if let Some(outcome) = run_outcome.filter(|o| matches!(o.as_str(), "Failed" | "Error" | "Timeout" | "Aborted"))
        && failing == 0
    {
        return Err(format!(
            "the run's outcome is {outcome}, but no result failed: the run did not finish as its results claim"
        ));
    }
    for c in &mut report.cases {
        if let Some((name, _)) = c.name.split_once('\u{1f}') {
            *c = TestCase::new(name.to_owned(), 0, c.status, c.flaky);
        }
    }
    Ok(report)
}
