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
                serde_json::Value::String(s) => format!("the string \"{s}\""),
                serde_json::Value::Bool(b) => format!("the boolean {b}"),
                serde_json::Value::Null => "null".into(),
                serde_json::Value::Array(_) => "an array".into(),
                _ => "an object".into(),
            };
            Err(format!("JSON pointer `{pointer}` lands on {kind}, not a number"))
        }
    }
}

/// SARIF: results counted by level (`error`, `warning`, `note`; default `warning`).
pub fn sarif(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let runs = doc.get("runs").and_then(|r| r.as_array()).ok_or("not SARIF: no `runs` array")?;
    let mut out: BTreeMap<String, f64> = ["error", "warning", "note"].iter().map(|l| (l.to_string(), 0.0)).collect();
    for run in runs {
        for result in run.get("results").and_then(|r| r.as_array()).into_iter().flatten() {
            let level = result.get("level").and_then(|l| l.as_str()).unwrap_or("warning");
            *out.entry(level.to_owned()).or_default() += 1.0;
        }
    }
    Ok(out)
}

/// hyperfine `--export-json`: the first command's mean, median, min and max, in seconds
/// (hyperfine 1.x writes seconds as plain numbers).
pub fn hyperfine(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
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
    Ok(out)
}

/// criterion's `estimates.json`: mean and median point estimates, converted from ns to s.
pub fn criterion(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let doc: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| format!("not valid JSON: {e}"))?;
    let mut out = BTreeMap::new();
    for key in ["mean", "median"] {
        if let Some(ns) = doc.pointer(&format!("/{key}/point_estimate")).and_then(|v| v.as_f64()) {
            out.insert(key.to_owned(), ns / 1e9);
        }
    }
    if out.is_empty() {
        return Err("not a criterion estimates.json: no mean.point_estimate".into());
    }
    Ok(out)
}
