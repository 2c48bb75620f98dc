//! JSON evidence: RFC 6901 pointers, SARIF result counts and hyperfine's export.

use std::collections::BTreeMap;

/// The number at `pointer`; anything else (missing, a string, an object) is an error.
pub fn pointer(doc: &serde_json::Value, pointer: &str) -> Result<f64, String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!("`{pointer}` is not a JSON pointer (RFC 6901 pointers start with `/`)"));
    }
    match doc.pointer(pointer) {
        None => Err(format!("JSON pointer `{pointer}` finds nothing")),
        Some(serde_json::Value::Number(n)) => n.as_f64().ok_or_else(|| format!("`{pointer}` is not a finite number")),
        Some(other) => {
            let kind = match other {
                // Evidence is untrusted: quote a bounded, escaped prefix, never the whole value.
                serde_json::Value::String(s) => {
                    let shown: String = s.chars().take(40).collect::<String>().escape_debug().to_string();
                    let more = if s.chars().count() > 40 { "…" } else { "" };
                    format!("the string \"{shown}{more}\"")
                }
                serde_json::Value::Bool(b) => format!("the boolean {b}"),
                serde_json::Value::Null => "null".into(),
                serde_json::Value::Array(_) => "an array".into(),
                _ => "an object".into(),
            };
            Err(format!("JSON pointer `{pointer}` lands on {kind}, not a number"))
        }
    }
}

/// SARIF: results counted by their effective level (`error`, `warning`, `note`, `none`)
/// and in all (`results`). A result's level is its own, else its rule's
/// `defaultConfiguration.level`, else `warning`; a result whose `kind` is not `fail` (pass,
/// open, review, informational, notApplicable) is `none`. The latest invocation end time is
/// when it was written.
pub fn sarif(bytes: &[u8]) -> Result<(BTreeMap<String, f64>, Option<super::Written>), String> {
    let doc = super::strict_json(bytes)?;
    match doc.get("version").and_then(|v| v.as_str()) {
        Some("2.1.0") => {}
        Some(v) => return Err(format!("SARIF version {v}: only 2.1.0 is read")),
        None => return Err("not SARIF: no `version`".into()),
    }
    let runs = doc.get("runs").and_then(|r| r.as_array()).ok_or("not SARIF: no `runs` array")?;
    if runs.is_empty() {
        return Err("SARIF with no run: the analysis did not run".into());
    }
    let mut out: BTreeMap<String, f64> =
        ["error", "warning", "note", "none", "results"].iter().map(|l| (l.to_string(), 0.0)).collect();
    let mut written: Option<super::Written> = None;
    for (r, run) in runs.iter().enumerate() {
        let rules = run.pointer("/tool/driver/rules").and_then(|r| r.as_array());
        let default_level = |result: &serde_json::Value| -> Option<String> {
            let rules = rules?;
            let rule = match result.get("ruleIndex").and_then(|i| i.as_u64()) {
                Some(i) => rules.get(i as usize),
                None => {
                    let id = result.get("ruleId").and_then(|i| i.as_str())?;
                    rules.iter().find(|r| r.get("id").and_then(|x| x.as_str()) == Some(id))
                }
            }?;
            rule.pointer("/defaultConfiguration/level").and_then(|l| l.as_str()).map(str::to_owned)
        };
        // SARIF 3.14.23: absent or null results mean the tool did not produce results, which
        // is not the same as finding nothing.
        let results = match run.get("results") {
            Some(serde_json::Value::Array(a)) => a.as_slice(),
            None | Some(serde_json::Value::Null) => {
                return Err(format!("runs[{r}] has no results: the analysis did not complete"));
            }
            Some(_) => return Err(format!("not SARIF: runs[{r}].results is not an array")),
        };
        for inv in run.get("invocations").and_then(|i| i.as_array()).into_iter().flatten() {
            if inv.get("executionSuccessful").and_then(|e| e.as_bool()) == Some(false) {
                return Err(format!("runs[{r}]: the tool reports executionSuccessful = false"));
            }
        }
        for result in results {
            let kind = result.get("kind").and_then(|k| k.as_str()).unwrap_or("fail");
            let level = if kind != "fail" {
                "none".to_owned()
            } else {
                result
                    .get("level")
                    .and_then(|l| l.as_str())
                    .map(str::to_owned)
                    .or_else(|| default_level(result))
                    .unwrap_or_else(|| "warning".into())
            };
            if !["error", "warning", "note", "none"].contains(&level.as_str()) {
                return Err(format!("not SARIF: a result of runs[{r}] has level `{level}`"));
            }
            *out.entry(level).or_default() += 1.0;
            *out.entry("results".into()).or_default() += 1.0;
        }
        for inv in run.get("invocations").and_then(|i| i.as_array()).into_iter().flatten() {
            let end = inv.get("endTimeUtc").map(|t| t.as_str().unwrap_or("(not a string)"));
            if let Some(t) = super::instant(&format!("runs[{r}] endTimeUtc"), end)? {
                written = Some(written.map_or((t, t), |(lo, hi)| (lo.min(t), hi.max(t))));
            }
        }
    }
    Ok((out, written))
}

/// hyperfine `--export-json`: the first command's mean, median, min and max, in seconds
/// (hyperfine 1.x writes seconds as plain numbers).
pub fn hyperfine(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let doc = super::strict_json(bytes)?;
    let first = doc.pointer("/results/0").ok_or("not a hyperfine export: no results")?;
    let mut out = BTreeMap::new();
    for key in ["mean", "median", "min", "max", "stddev"] {
        if let Some(v) = first.get(key).and_then(|v| v.as_f64()) {
            out.insert(key.to_owned(), v);
        }
    }
    if !out.contains_key("mean") {
        return Err("not a hyperfine export: results[0] has no mean".into());
    }
    // `--ignore-failure` records runs whose command failed: their time measures a failure.
    if let Some(codes) = first.get("exit_codes").and_then(|c| c.as_array()) {
        let failed: Vec<String> = codes.iter().filter(|c| c.as_i64() != Some(0)).map(|c| c.to_string()).collect();
        if !failed.is_empty() {
            return Err(format!(
                "results[0]: the command failed in {} of {} runs (exit codes {}): the time of a failing command is no measurement",
                failed.len(),
                codes.len(),
                failed.join(", ")
            ));
        }
    }
    Ok(out)
}

/// criterion's `estimates.json`: mean and median point estimates, converted from ns to s.
/// Criterion before 0.3.4 wrote the keys capitalised (`Mean`, `Median`).
pub fn criterion(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let doc = super::strict_json(bytes)?;
    if doc.get("std_dev").is_none() && doc.get("StdDev").is_none() {
        return Err("not a criterion estimates.json (no std_dev): change/estimates.json holds relative changes, not times; point at new/estimates.json".into());
    }
    let mut out = BTreeMap::new();
    for (key, old) in [("mean", "Mean"), ("median", "Median")] {
        let estimate = |k: &str| doc.pointer(&format!("/{k}/point_estimate")).and_then(|v| v.as_f64());
        if estimate(key).is_some() && estimate(old).is_some() {
            return Err(format!("both `{key}` and `{old}` estimates: which one was measured?"));
        }
        if let Some(ns) = estimate(key).or_else(|| estimate(old)) {
            out.insert(key.to_owned(), ns / 1e9);
        }
    }
    if out.is_empty() {
        return Err("not a criterion estimates.json: no mean.point_estimate".into());
    }
    Ok(out)
}
