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
