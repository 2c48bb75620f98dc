//! JSON evidence: RFC 6901 pointers, SARIF result counts and hyperfine's export.

use std::collections::BTreeMap;

/// The number at `pointer` in a JSON document, read as a stream: only the value the pointer
/// lands on is kept (everything else is skipped unbuilt), so memory stays small whatever the
/// file's size. A key on the pointer's path written twice in one object is an error: readers
/// disagree on which one counts.
pub fn pointer_in(bytes: &[u8], pointer: &str) -> Result<f64, String> {
    use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!("`{pointer}` is not a JSON pointer (RFC 6901 pointers start with `/`)"));
    }
    let tokens: Vec<String> = pointer.split('/').skip(1).map(|t| t.replace("~1", "/").replace("~0", "~")).collect();
    struct Walk<'p>(&'p [String]);
    impl<'de> DeserializeSeed<'de> for Walk<'_> {
        type Value = Option<serde_json::Value>;
        fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
            match self.0 {
                [] => serde::Deserialize::deserialize(d).map(Some),
                _ => d.deserialize_any(self),
            }
        }
    }
    impl<'de> Visitor<'de> for Walk<'_> {
        type Value = Option<serde_json::Value>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON value")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let (first, rest) = (&self.0[0], &self.0[1..]);
            let mut found = None;
            let mut seen = false;
            while let Some(key) = map.next_key::<String>()? {
                if key == *first {
                    if seen {
                        return Err(A::Error::custom(format!(
                            "the key `{}` is written twice in one object",
                            crate::render::one_line(&key)
                        )));
                    }
                    seen = true;
                    found = map.next_value_seed(Walk(rest))?;
                } else {
                    map.next_value::<IgnoredAny>()?;
                }
            }
            Ok(found)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
            let (first, rest) = (&self.0[0], &self.0[1..]);
            // RFC 6901: an index is digits without a leading zero.
            let index = first.parse::<usize>().ok().filter(|_| first == "0" || !first.starts_with('0'));
            let mut found = None;
            let mut i = 0usize;
            loop {
                if Some(i) == index {
                    match seq.next_element_seed(Walk(rest))? {
                        Some(v) => found = v,
                        None => break,
                    }
                } else if seq.next_element::<IgnoredAny>()?.is_none() {
                    break;
                }
                i += 1;
            }
            Ok(found)
        }
        fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_unit<E>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let found = Walk(&tokens).deserialize(&mut de).map_err(|e| format!("not valid JSON: {e}"))?;
    de.end().map_err(|e| format!("not valid JSON: {e}"))?;
    number(found.as_ref(), pointer)
}

/// The number at `pointer`; anything else (missing, a string, an object) is an error.
pub fn pointer(doc: &serde_json::Value, pointer: &str) -> Result<f64, String> {
    if !pointer.is_empty() && !pointer.starts_with('/') {
        return Err(format!("`{pointer}` is not a JSON pointer (RFC 6901 pointers start with `/`)"));
    }
    number(doc.pointer(pointer), pointer)
}

/// The value a pointer found, as a number.
fn number(found: Option<&serde_json::Value>, pointer: &str) -> Result<f64, String> {
    match found {
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
    use serde::Deserialize;
    // Only what is counted is kept; the rest of each result (messages, locations, code flows,
    // often most of a large file) is skipped unbuilt. A field written twice is an error.
    #[derive(Deserialize)]
    struct Log {
        version: Option<serde_json::Value>,
        runs: Option<Vec<Run>>,
    }
    #[derive(Deserialize)]
    struct Run {
        tool: Option<Tool>,
        #[serde(default, deserialize_with = "present")]
        results: Option<Option<Vec<Res>>>,
        #[serde(default)]
        invocations: Vec<Invocation>,
    }
    #[derive(Deserialize)]
    struct Tool {
        driver: Option<Driver>,
        // CodeQL puts the rules of query packs here, not in the driver.
        #[serde(default)]
        extensions: Vec<Driver>,
    }
    #[derive(Deserialize)]
    struct Driver {
        name: Option<String>,
        #[serde(default)]
        rules: Vec<Rule>,
    }
    #[derive(Deserialize)]
    struct RuleRef {
        id: Option<String>,
        index: Option<u64>,
        #[serde(rename = "toolComponent")]
        tool_component: Option<ComponentRef>,
    }
    #[derive(Deserialize)]
    struct ComponentRef {
        name: Option<String>,
        index: Option<u64>,
    }
    #[derive(Deserialize)]
    struct Rule {
        id: Option<String>,
        #[serde(rename = "defaultConfiguration")]
        default_configuration: Option<Configuration>,
    }
    #[derive(Deserialize)]
    struct Configuration {
        level: Option<String>,
    }
    #[derive(Deserialize)]
    struct Res {
        kind: Option<String>,
        level: Option<String>,
        #[serde(rename = "ruleIndex")]
        rule_index: Option<u64>,
        #[serde(rename = "ruleId")]
        rule_id: Option<String>,
        rule: Option<RuleRef>,
    }
    #[derive(Deserialize)]
    struct Invocation {
        #[serde(rename = "executionSuccessful")]
        execution_successful: Option<bool>,
        #[serde(rename = "endTimeUtc")]
        end_time_utc: Option<String>,
    }
    /// Tells an absent field (`None`) from one that is `null` (`Some(None)`).
    fn present<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(d).map(Some)
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let log = Log::deserialize(&mut de)
        .map_err(|e| if e.is_data() { format!("not SARIF: {e}") } else { format!("not valid JSON: {e}") })?;
    de.end().map_err(|e| format!("not valid JSON: {e}"))?;
    match log.version.as_ref().map(|v| v.as_str()) {
        Some(Some("2.1.0")) => {}
        Some(Some(v)) => return Err(format!("SARIF version {}: only 2.1.0 is read", crate::render::one_line(v))),
        Some(None) => return Err("not SARIF: `version` is not a string".into()),
        None => return Err("not SARIF: no `version`".into()),
    }
    let runs = log.runs.ok_or("not SARIF: no `runs` array")?;
    if runs.is_empty() {
        return Err("SARIF with no run: the analysis did not run".into());
    }
    let mut out: BTreeMap<String, f64> =
        ["error", "warning", "note", "none", "results"].iter().map(|l| (l.to_string(), 0.0)).collect();
    let mut written: Option<super::Written> = None;
    for (r, run) in runs.iter().enumerate() {
        let driver = run.tool.as_ref().and_then(|t| t.driver.as_ref());
        let extensions: &[Driver] = run.tool.as_ref().map_or(&[], |t| &t.extensions);
        // A result's rule (SARIF 3.27.7): `rule` (with the component it lives in) or
        // `ruleIndex`/`ruleId`, in the driver unless a tool component is named; by id, any
        // component that defines it.
        let default_level = |result: &Res| -> Option<String> {
            let component = match result.rule.as_ref().and_then(|r| r.tool_component.as_ref()) {
                Some(c) => match (c.index, c.name.as_deref()) {
                    (Some(i), _) => extensions.get(usize::try_from(i).ok()?),
                    (None, Some(name)) => extensions.iter().chain(driver).find(|e| e.name.as_deref() == Some(name)),
                    (None, None) => driver,
                },
                None => driver,
            };
            let index = result.rule.as_ref().and_then(|r| r.index).or(result.rule_index);
            let id = result.rule.as_ref().and_then(|r| r.id.as_deref()).or(result.rule_id.as_deref());
            let by_index = index.and_then(|i| component?.rules.get(usize::try_from(i).ok()?));
            let by_id = || {
                let id = id?;
                let has = |r: &&Rule| r.id.as_deref() == Some(id);
                component
                    .and_then(|c| c.rules.iter().find(has))
                    .or_else(|| driver.into_iter().chain(extensions).flat_map(|c| c.rules.iter()).find(has))
            };
            let rule = by_index.or_else(by_id)?;
            rule.default_configuration.as_ref()?.level.clone()
        };
        // SARIF 3.14.23: absent or null results mean the tool did not produce results, which
        // is not the same as finding nothing.
        let Some(Some(results)) = &run.results else {
            return Err(format!("runs[{r}] has no results: the analysis did not complete"));
        };
        if run.invocations.iter().any(|inv| inv.execution_successful == Some(false)) {
            return Err(format!("runs[{r}]: the tool reports executionSuccessful = false"));
        }
        for result in results {
            let kind = result.kind.as_deref().unwrap_or("fail");
            if !["pass", "open", "informational", "notApplicable", "review", "fail"].contains(&kind) {
                return Err(format!("not SARIF: a result of runs[{r}] has kind `{}`", crate::render::one_line(kind)));
            }
            let level = if kind != "fail" {
                "none".to_owned()
            } else {
                result.level.clone().or_else(|| default_level(result)).unwrap_or_else(|| "warning".into())
            };
            if !["error", "warning", "note", "none"].contains(&level.as_str()) {
                return Err(format!(
                    "not SARIF: a result of runs[{r}] has level `{}`",
                    crate::render::one_line(&level)
                ));
            }
            *out.entry(level).or_default() += 1.0;
            *out.entry("results".into()).or_default() += 1.0;
        }
        for inv in &run.invocations {
            if let Some(t) = super::instant(&format!("runs[{r}] endTimeUtc"), inv.end_time_utc.as_deref())? {
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
    let get = |k: &str| out.get(k).copied();
    if let (Some(min), Some(max)) = (get("min"), get("max")) {
        for k in ["mean", "median"] {
            if let Some(v) = get(k).filter(|v| *v < min - 1e-12 || *v > max + 1e-12) {
                return Err(format!(
                    "results[0]: {k} {v} s lies outside min {min} s .. max {max} s: the export contradicts itself"
                ));
            }
        }
        if min > max {
            return Err(format!("results[0]: min {min} s is above max {max} s: the export contradicts itself"));
        }
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
