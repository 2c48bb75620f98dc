//! The evidence corpus: real files written by other projects' tools (or generated here with
//! the real tool), each with the figures its source project expects, in
//! `tests/fixtures/corpus/<family>/expected.toml`; sources in each `SOURCES.md`. Every
//! adapter must agree with every figure, and refuse every file marked `invalid`.

use std::path::Path;

use supportplan::plan::EvidenceKind;

fn kind(name: &str) -> EvidenceKind {
    serde_json::from_value(serde_json::Value::String(name.into())).unwrap_or_else(|e| panic!("kind `{name}`: {e}"))
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-6 * a.abs().max(b.abs()).max(1.0)
}

/// Checks one family; returns (files checked, disagreements).
fn family(dir: &Path) -> (usize, Vec<String>) {
    let expected: toml::Table = toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
    let k = kind(expected["kind"].as_str().unwrap());
    let mut problems = Vec::new();
    let files = expected["files"].as_table().unwrap();
    for (name, want) in files {
        let path = dir.join(name);
        assert!(path.is_file(), "{} lists {name}, which is not there", dir.display());
        let got = supportplan::evidence::measure(&path, k);
        let family = dir.file_name().unwrap().to_string_lossy();
        match (want.get("invalid"), got) {
            (Some(why), Ok(m)) => problems.push(format!("{family}/{name}: accepted ({m:?}), expected refusal: {why}")),
            (Some(_), Err(_)) => {}
            (None, Err(e)) => problems.push(format!("{family}/{name}: refused: {e}")),
            (None, Ok(m)) => {
                for (key, value) in want.as_table().unwrap() {
                    let figure = match value {
                        toml::Value::Integer(i) => *i as f64,
                        toml::Value::Float(f) => *f,
                        _ => continue,
                    };
                    match m.get(key.as_str()) {
                        Some(v) if close(*v, figure) => {}
                        other => problems.push(format!("{family}/{name}: {key} = {other:?}, expected {figure}")),
                    }
                }
                if let Some(pointers) = want.get("pointers").and_then(|p| p.as_table()) {
                    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                    for (pointer, figure) in pointers {
                        let figure = figure.as_float().or(figure.as_integer().map(|i| i as f64)).unwrap();
                        match supportplan::evidence::json_number(&doc, pointer) {
                            Ok(v) if close(v, figure) => {}
                            other => {
                                problems.push(format!("{family}/{name}: {pointer} = {other:?}, expected {figure}"))
                            }
                        }
                    }
                }
            }
        }
    }
    (files.len(), problems)
}

#[test]
fn every_adapter_agrees_with_the_corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let mut total = 0;
    let mut problems = Vec::new();
    let mut per_kind = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir(&root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.join("expected.toml").is_file() {
            continue;
        }
        assert!(dir.join("SOURCES.md").is_file(), "{} has no SOURCES.md", dir.display());
        let (n, p) = family(&dir);
        let expected: toml::Table =
            toml::from_str(&std::fs::read_to_string(dir.join("expected.toml")).unwrap()).unwrap();
        *per_kind.entry(expected["kind"].as_str().unwrap().to_owned()).or_insert(0) += n;
        total += n;
        problems.extend(p);
    }
    assert!(problems.is_empty(), "{} disagreement(s):\n{}", problems.len(), problems.join("\n"));
    assert!(total >= 60, "the corpus has {total} files: {per_kind:?}");
    for k in [
        "junit",
        "lcov",
        "cobertura",
        "jacoco",
        "go-cover",
        "go-test-json",
        "trx",
        "sarif",
        "k6-summary",
        "hyperfine",
        "criterion",
    ] {
        assert!(per_kind.get(k).is_some_and(|n| *n >= 3), "too few {k} files: {per_kind:?}");
    }
}
