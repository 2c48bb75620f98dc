//! Evidence written to make a gate pass what it must block: each file must be refused (or
//! read as failing), with a message that says why. Found by attacking the gate from its
//! README; each case is a regression test.

use supportplan::plan::EvidenceKind;

fn measure(kind: EvidenceKind, name: &str, content: &str) -> Result<std::collections::BTreeMap<String, f64>, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    supportplan::evidence::measure(&path, kind)
}

#[test]
fn evidence_that_must_be_refused() {
    use EvidenceKind::*;
    let cases: &[(EvidenceKind, &str, &str, &str)] = &[
        // LCOV summaries that claim more than the lines show, negative counts, a cut record.
        (Lcov, "lh.info", "SF:a.rs\nDA:1,0\nLF:1\nLH:5\nend_of_record\n", "LH (5) above what was found (1)"),
        (Lcov, "neg.info", "SF:a.rs\nDA:1,-5\nLF:1\nLH:1\nend_of_record\n", "non-negative"),
        (Lcov, "cut.info", "SF:a.rs\nDA:1,1\nLF:1\nLH:1\nend_of_record\nSF:b.rs\nDA:1,0\n", "truncated LCOV"),
        // JaCoCo counters that no run can produce.
        (
            Jacoco,
            "neg.xml",
            r#"<report name="x"><counter type="LINE" missed="-1" covered="9"/></report>"#,
            "whole non-negative",
        ),
        (
            Jacoco,
            "inf.xml",
            r#"<report name="x"><counter type="LINE" missed="0" covered="inf"/></report>"#,
            "whole non-negative",
        ),
        // SARIF from a tool that did not run, or did not finish.
        (
            Sarif,
            "null.sarif",
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":null}]}"#,
            "did not complete",
        ),
        (Sarif, "absent.sarif", r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}}}]}"#, "did not complete"),
        (Sarif, "norun.sarif", r#"{"version":"2.1.0","runs":[]}"#, "did not run"),
        (Sarif, "v1.sarif", r#"{"version":"1.0.0","runs":[{"results":[]}]}"#, "only 2.1.0"),
        (
            Sarif,
            "failed.sarif",
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[],"invocations":[{"executionSuccessful":false}]}]}"#,
            "executionSuccessful = false",
        ),
        // TRX whose summary says the run failed while its results pass.
        (
            Trx,
            "outcome.trx",
            r#"<TestRun><Results><UnitTestResult testId="1" testName="a" outcome="Passed"/></Results><ResultSummary outcome="Failed"><Counters total="1" passed="1"/></ResultSummary></TestRun>"#,
            "no result failed",
        ),
        (
            Trx,
            "counters.trx",
            r#"<TestRun><Results><UnitTestResult testId="1" testName="a" outcome="Passed"/></Results><ResultSummary outcome="Completed"><Counters total="10" passed="2" failed="8"/></ResultSummary></TestRun>"#,
            "contradicts itself",
        ),
        // JUnit counts and timestamps that cannot be read.
        (
            Junit,
            "tests.xml",
            r#"<testsuite tests="99999999999999999999999"><testcase name="a"/></testsuite>"#,
            "is not a count",
        ),
        (
            Junit,
            "stamp.xml",
            r#"<testsuite timestamp="yesterday"><testcase name="a"/></testsuite>"#,
            "is not a date-time",
        ),
        // Impossible measurements.
        (
            Criterion,
            "neg.json",
            r#"{"mean":{"point_estimate":-5e9},"median":{"point_estimate":1},"std_dev":{"point_estimate":1}}"#,
            "cannot be negative",
        ),
        (
            Criterion,
            "both.json",
            r#"{"mean":{"point_estimate":1000},"Mean":{"point_estimate":1e9},"std_dev":{"point_estimate":1}}"#,
            "which one was measured",
        ),
        (GoCover, "mode.out", "mode: bogus\na.go:1.1,2.2 1 1\n", "mode: set|count|atomic"),
    ];
    let mut failures = Vec::new();
    for (kind, name, content, expected) in cases {
        match measure(*kind, name, content) {
            Err(e) if e.contains(expected) => {}
            other => failures.push(format!("{name}: {other:?}, expected an error with `{expected}`")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn lcov_lines_come_from_the_line_records_not_the_summary() {
    let m = measure(
        EvidenceKind::Lcov,
        "summary.info",
        "SF:b.rs\nDA:1,0\nDA:2,0\nDA:3,0\nDA:4,0\nLF:1\nLH:1\nend_of_record\n",
    )
    .unwrap();
    assert_eq!(m["lines"], 0.0, "{m:?}");
}

/// Found by attacking the hardened gate (issue 14): each of these passed (or panicked).
#[test]
fn contradictions_and_overflows_found_by_the_second_attack() {
    use EvidenceKind::*;
    let big = "9223372036854775808";
    let cases: &[(EvidenceKind, &str, String, &str)] = &[
        // Counts near u64::MAX panicked ("attempt to add with overflow"), or wrapped to 100%.
        (GoCover, "huge.out", format!("mode: set\na.go:1.1,2.2 {big} 0\na.go:3.1,4.2 {big} 0\na.go:5.1,6.2 5 1\n"), ""),
        (
            Jacoco,
            "max.xml",
            r#"<report name="r"><counter type="LINE" missed="1" covered="18446744073709551615"/></report>"#.into(),
            "whole non-negative",
        ),
        // One block listed with two statement counts: `go tool cover` refuses it too.
        (GoCover, "numstmt.out", "mode: set\na.go:1.1,2.2 100 1\na.go:1.1,2.2 1 0\n".into(), "contradicts itself"),
        (
            Jacoco,
            "two-lines.xml",
            r#"<report name="r"><counter type="LINE" missed="9" covered="1"/><counter type="LINE" missed="0" covered="10"/></report>"#.into(),
            "two lines counters",
        ),
        (
            Jacoco,
            "two-reports.xml",
            r#"<report name="a"><counter type="LINE" missed="9" covered="1"/></report><report name="b"><counter type="LINE" missed="0" covered="1"/></report>"#.into(),
            "two <report> elements",
        ),
        (
            Jacoco,
            "dump.xml",
            r#"<report name="r"><sessioninfo id="x" start="1" dump="soon"/><counter type="LINE" missed="0" covered="1"/></report>"#.into(),
            "is not a time",
        ),
        (
            Cobertura,
            "none.xml",
            r#"<coverage line-rate="1" lines-covered="0" lines-valid="0"></coverage>"#.into(),
            "measured nothing",
        ),
        (
            Hyperfine,
            "minmax.json",
            r#"{"results":[{"command":"x","mean":0.1,"median":0.1,"min":5,"max":0.05,"times":[0.1],"exit_codes":[0]}]}"#.into(),
            "contradicts itself",
        ),
        (
            Trx,
            "total.trx",
            r#"<TestRun><Results><UnitTestResult testId="1" testName="a" outcome="Passed"/></Results><ResultSummary outcome="Completed"><Counters total="500" passed="1"/></ResultSummary></TestRun>"#.into(),
            "declare 500 result(s) but the file holds 1",
        ),
        (
            GoTestJson,
            "cut.json",
            "{\"Action\":\"run\",\"Package\":\"p\",\"Test\":\"TestA\"}\n{\"Action\":\"pass\",\"Package\":\"p\",\"Test\":\"TestA\"}\n".into(),
            "never ends",
        ),
        (
            Sarif,
            "kind.sarif",
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[{"kind":"FAIL","level":"error","message":{"text":"m"}}]}]}"#.into(),
            "has kind `FAIL`",
        ),
        (
            Sarif,
            "scalars.sarif",
            r#"{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"x"}},"results":[1,"error",null]}]}"#.into(),
            "not SARIF",
        ),
    ];
    let mut failures = Vec::new();
    for (kind, name, content, expected) in cases {
        match measure(*kind, name, content) {
            // The go cover case must not panic; counts that large are its own business.
            Ok(m) if expected.is_empty() => assert!(m.values().all(|v| v.is_finite() && *v < 1.0), "{name}: {m:?}"),
            Err(e) if !expected.is_empty() && e.contains(expected) => {}
            other => failures.push(format!("{name}: {other:?}, expected an error with `{expected}`")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// CodeQL puts the rules of its query packs under `tool.extensions`, and a result names its
/// rule with `rule.toolComponent`: an error-level alert without a level of its own is an
/// error, not the default warning.
#[test]
fn codeql_rules_in_tool_extensions_keep_their_level() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/evidence/codeql-extensions.sarif");
    let m = supportplan::evidence::measure(std::path::Path::new(path), EvidenceKind::Sarif).unwrap();
    assert_eq!((m["error"], m["warning"]), (1.0, 0.0), "{m:?}");
}

/// jest-junit writes one suite a test file: two files each with a test titled "renders
/// correctly" are two tests, and the failing one is not a passing retry of the other.
#[test]
fn the_same_title_in_two_suites_is_two_tests() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/evidence/jest-same-title.xml");
    let m = supportplan::evidence::measure(std::path::Path::new(path), EvidenceKind::Junit).unwrap();
    assert_eq!((m["tests"], m["failed"], m["flaky"]), (2.0, 1.0, 0.0), "{m:?}");
}
