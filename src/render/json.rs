//! Versioned JSON output: `"schema": "supportplan/<kind>/v1"`, deterministic order.

use serde_json::{Value, json};

use crate::report::{CheckReport, Outcome, Severity};

pub fn check(report: &CheckReport, fail_on: Severity) -> String {
    let outcome = match report.outcome(fail_on) {
        Outcome::Pass => "pass",
        Outcome::Fail => "fail",
        Outcome::Invalid => "invalid",
    };
    let value = json!({
        "schema": "supportplan/check/v1",
        "now": report.now,
        "rev": report.rev,
        "summary": {
            "outcome": outcome,
            "plans": report.plans.len(),
            "errors": report.count(Severity::Error),
            "warnings": report.count(Severity::Warning),
            "info": report.count(Severity::Info),
            "suppressed": report.suppressed.len(),
            "off": report.off,
        },
        "plans": report.plans,
        "findings": report.findings,
        "suppressed": report.suppressed,
    });
    pretty(&value)
}

pub fn pretty(value: &Value) -> String {
    let mut s = serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    defuse(s)
}

/// JSON printed to a CI log must not carry a runner command: `##[` is read anywhere in a
/// line. Inside a JSON string, `\u0023` is the same `#` to any JSON reader. (Pretty JSON
/// never starts a line with `::`.)
pub fn defuse(json: String) -> String {
    if json.contains("##[") { json.replace("##[", "#\\u0023[") } else { json }
}
