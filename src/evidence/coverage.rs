//! Coverage reports: LCOV (`LF`/`LH`/`BRF`/`BRH` records), Cobertura XML (`line-rate`
//! and `branch-rate` on the root element), JaCoCo XML (report-level counters) and Go cover
//! profiles. Ratios from 0 to 1.

use std::collections::BTreeMap;

pub fn lcov(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not LCOV: the file is not UTF-8 text".to_string())?;
    // Per record. The DA and BRDA lines are the measurement; the LF/LH and BRF/BRH summaries
    // are used only where a writer left the lines out, and must not claim more than they
    // count.
    #[derive(Default)]
    struct Record {
        lf: Option<f64>,
        lh: Option<f64>,
        brf: Option<f64>,
        brh: Option<f64>,
        da: std::collections::BTreeMap<u64, bool>,
        brda: Option<(f64, f64)>,
        open: bool,
    }
    let (mut lines, mut branches, mut records) = ((0f64, 0f64), (0f64, 0f64), 0);
    let mut rec = Record::default();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim();
        let bad = |what: &str| format!("not LCOV: line {}: {what} in `{line}`", n + 1);
        let num = |prefix: &str| -> Result<Option<f64>, String> {
            match line.strip_prefix(prefix) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<f64>() {
                    Ok(x) if x >= 0.0 && x.is_finite() => Ok(Some(x)),
                    _ => Err(bad("a count that is not a non-negative number")),
                },
            }
        };
        if !line.is_empty() && line != "end_of_record" {
            rec.open = true;
        }
        if let Some(v) = num("LF:")? {
            rec.lf = Some(v);
        } else if let Some(v) = num("LH:")? {
            rec.lh = Some(v);
        } else if let Some(v) = num("BRF:")? {
            rec.brf = Some(v);
        } else if let Some(v) = num("BRH:")? {
            rec.brh = Some(v);
        } else if let Some(da) = line.strip_prefix("DA:") {
            let mut parts = da.split(',');
            let l: u64 = parts.next().and_then(|l| l.trim().parse().ok()).ok_or_else(|| bad("no line number"))?;
            let count: f64 = parts
                .next()
                .and_then(|c| c.trim().parse().ok())
                .filter(|c: &f64| *c >= 0.0)
                .ok_or_else(|| bad("a hit count that is not a non-negative number"))?;
            *rec.da.entry(l).or_insert(false) |= count > 0.0;
        } else if let Some(brda) = line.strip_prefix("BRDA:") {
            let taken = brda.rsplit(',').next().unwrap_or("-").trim();
            let hit = match taken {
                "-" => false,
                t => {
                    t.parse::<f64>()
                        .ok()
                        .filter(|t| *t >= 0.0)
                        .ok_or_else(|| bad("a taken count that is not a number"))?
                        > 0.0
                }
            };
            let b = rec.brda.get_or_insert((0.0, 0.0));
            b.0 += 1.0;
            b.1 += f64::from(u8::from(hit));
        } else if line == "end_of_record" {
            let r = std::mem::take(&mut rec);
            for (found, hit, what) in [(r.lf, r.lh, "LH"), (r.brf, r.brh, "BRH")] {
                if let (Some(f), Some(h)) = (found, hit)
                    && h > f
                {
                    return Err(bad(&format!("{what} ({h}) above what was found ({f})")));
                }
            }
            let (found, hit) = if r.da.is_empty() {
                (r.lf.unwrap_or(0.0), r.lh.unwrap_or(0.0))
            } else {
                (r.da.len() as f64, r.da.values().filter(|h| **h).count() as f64)
            };
            lines.0 += found;
            lines.1 += hit;
            let (bf, bh) = r.brda.unwrap_or((r.brf.unwrap_or(0.0), r.brh.unwrap_or(0.0)));
            branches.0 += bf;
            branches.1 += bh;
            records += 1;
        }
    }
    if records == 0 {
        return Err("not LCOV: no end_of_record".into());
    }
    if rec.open {
        return Err("truncated LCOV: the last record has no end_of_record (was the file cut off?)".into());
    }
    let mut out = BTreeMap::new();
    out.insert("lines".to_owned(), if lines.0 > 0.0 { lines.1 / lines.0 } else { 0.0 });
    if branches.0 > 0.0 {
        out.insert("branches".to_owned(), branches.1 / branches.0);
    }
    Ok(out)
}

pub fn cobertura(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    use quick_xml::events::Event;
    let mut xml = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut found = BTreeMap::new();
    let mut depth = 0usize;
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| format!("not valid XML at byte {}: {e}", xml.buffer_position()))?;
        super::xml::check(&event)?;
        match &event {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"coverage" => {
                if !found.is_empty() {
                    return Err("Cobertura XML with two <coverage> elements: which one counts?".into());
                }
                let get = |key: &[u8]| -> Result<Option<f64>, String> {
                    let Some(a) = e.attributes().flatten().find(|a| a.key.as_ref() == key) else { return Ok(None) };
                    let text = String::from_utf8_lossy(&a.value).into_owned();
                    match text.trim().parse::<f64>() {
                        Ok(v) if v.is_finite() && v >= 0.0 => Ok(Some(v)),
                        _ => Err(format!(
                            "<coverage {}=\"{}\"> is not a non-negative number",
                            String::from_utf8_lossy(key),
                            crate::render::one_line(&text)
                        )),
                    }
                };
                let lines = get(b"line-rate")?.ok_or("Cobertura <coverage> has no line-rate")?;
                found.insert("lines".to_owned(), lines);
                let branches = get(b"branch-rate")?;
                if let Some(b) = branches {
                    found.insert("branches".to_owned(), b);
                }
                // The line rate is rounded from the line counts: they must agree (to the
                // rounding). Branch counts are left alone: writers count conditions and
                // branches differently (coverage.py's condition coverage).
                if let (Some(covered), Some(valid)) = (get(b"lines-covered")?, get(b"lines-valid")?) {
                    if covered > valid {
                        return Err(format!(
                            "Cobertura <coverage> says {covered} lines covered of {valid}: the evidence contradicts itself"
                        ));
                    }
                    if valid == 0.0 && lines > 0.0 {
                        return Err(format!(
                            "Cobertura <coverage> line-rate {lines} but no line to cover (lines-valid=\"0\"): it measured nothing"
                        ));
                    }
                    if valid > 0.0 && (covered / valid - lines).abs() > 0.0051 {
                        return Err(format!(
                            "Cobertura <coverage> line-rate {lines} but {covered} of {valid} lines covered: the evidence contradicts itself"
                        ));
                    }
                }
            }
            _ => {}
        }
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            // The rest is read too: a file that is not well-formed is not trusted.
            Event::Eof if found.is_empty() => return Err("not Cobertura XML: no <coverage> element".into()),
            Event::Eof if depth != 0 => {
                return Err(format!(
                    "truncated Cobertura XML: {depth} element(s) never closed (was the file cut off?)"
                ));
            }
            Event::Eof => return Ok(found),
            _ => {}
        }
        buf.clear();
    }
}

/// JaCoCo XML: the report-level `<counter>` elements (direct children of `<report>`), as
/// covered / (covered + missed): `lines`, `branches`, `instructions`, `methods`. A report
/// without counters measured nothing and is refused.
pub fn jacoco(bytes: &[u8]) -> Result<(BTreeMap<String, f64>, Option<i64>), String> {
    let mut xml = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let (mut depth, mut root, mut written) = (0usize, false, None);
    let mut out = BTreeMap::new();
    loop {
        let event = xml
            .read_event_into(&mut buf)
            .map_err(|e| format!("not valid JaCoCo XML at byte {}: {e}", xml.buffer_position()))?;
        super::xml::check(&event)?;
        let (e, empty) = match &event {
            quick_xml::events::Event::Start(e) => (Some(e), false),
            quick_xml::events::Event::Empty(e) => (Some(e), true),
            quick_xml::events::Event::End(_) => {
                depth = depth.saturating_sub(1);
                (None, false)
            }
            quick_xml::events::Event::Eof => break,
            _ => (None, false),
        };
        if let Some(e) = e {
            let get = |key: &[u8]| -> Option<String> {
                e.attributes()
                    .flatten()
                    .find(|a| a.key.as_ref() == key)
                    .map(|a| String::from_utf8_lossy(&a.value).into_owned())
            };
            match (e.name().as_ref(), depth) {
                (b"report", 0) if root => return Err("JaCoCo XML with two <report> elements: which one counts?".into()),
                (b"report", 0) => root = true,
                (b"sessioninfo", 1) => {
                    // `dump` is when the coverage was written, in milliseconds; one that does
                    // not read refuses the file (never "use the modification time instead").
                    if let Some(d) = get(b"dump") {
                        let ms = d.trim().parse::<i64>().ok().filter(|m| (0..=253_402_300_799_000).contains(m));
                        let ms = ms.ok_or_else(|| {
                            format!(
                                "<sessioninfo dump=\"{}\"> is not a time (milliseconds since 1970)",
                                crate::render::one_line(&d)
                            )
                        })?;
                        written = written.max(Some(ms / 1000));
                    }
                }
                (b"counter", 1) => {
                    let name = match get(b"type").as_deref() {
                        Some("LINE") => "lines",
                        Some("BRANCH") => "branches",
                        Some("INSTRUCTION") => "instructions",
                        Some("METHOD") => "methods",
                        _ => "",
                    };
                    // JaCoCo counts are Java ints.
                    let num = |k: &[u8]| get(k).and_then(|v| v.parse::<u64>().ok()).filter(|n| *n <= i32::MAX as u64);
                    if !name.is_empty() {
                        let (Some(missed), Some(covered)) = (num(b"missed"), num(b"covered")) else {
                            return Err(format!(
                                "JaCoCo counter {name}: missed and covered must be whole non-negative numbers"
                            ));
                        };
                        let total = missed as f64 + covered as f64;
                        if out.insert(name.to_owned(), if total > 0.0 { covered as f64 / total } else { 0.0 }).is_some()
                        {
                            return Err(format!("JaCoCo <report> has two {} counters: which one counts?", name));
                        }
                    }
                }
                _ => {}
            }
            if !empty {
                depth += 1;
            }
        }
        buf.clear();
    }
    if !root {
        return Err("not JaCoCo XML: no <report> element".into());
    }
    if depth != 0 {
        return Err("truncated JaCoCo XML (was the file cut off?)".into());
    }
    if out.is_empty() {
        return Err("JaCoCo <report> has no counters: it measured nothing".into());
    }
    Ok((out, written))
}

/// `go test -coverprofile`: `mode:` then `file:l.c,l.c statements count` per block. A block
/// listed more than once (several packages, `-coverpkg`) counts once, covered if any listing
/// has a count above zero. `statements` = covered statements / statements.
pub fn go_cover(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not a Go cover profile: the file is not UTF-8".to_string())?;
    let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, first)) if matches!(first.trim(), "mode: set" | "mode: count" | "mode: atomic") => {}
        _ => return Err("not a Go cover profile: the first line is not `mode: set|count|atomic`".into()),
    }
    let mut blocks: std::collections::HashMap<&str, (u64, bool)> = std::collections::HashMap::new();
    for (n, line) in lines {
        if line.starts_with("mode: ") {
            continue;
        }
        let bad = || format!("line {}: `{line}` is not `file:l.c,l.c statements count`", n + 1);
        let mut parts = line.rsplitn(3, ' ');
        let (Some(count), Some(stmts), Some(block)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let count: u64 = count.parse().map_err(|_| bad())?;
        let stmts: u64 = stmts.parse().map_err(|_| bad())?;
        if !block.contains(':') {
            return Err(bad());
        }
        let entry = blocks.entry(block).or_insert((stmts, false));
        // `go tool cover` refuses this too ("inconsistent NumStmt").
        if entry.0 != stmts {
            return Err(format!(
                "line {}: block {block} is listed with {} and with {stmts} statements: the profile contradicts itself",
                n + 1,
                entry.0
            ));
        }
        entry.1 |= count > 0;
    }
    // Summed as floats: counts near u64::MAX must not overflow (or wrap to 100%).
    let total: f64 = blocks.values().map(|(s, _)| *s as f64).sum();
    let covered: f64 = blocks.values().filter(|(_, c)| *c).map(|(s, _)| *s as f64).sum();
    let mut out = BTreeMap::new();
    out.insert("statements".to_owned(), if total > 0.0 { covered / total } else { 0.0 });
    Ok(out)
}
