//! Coverage reports: LCOV (`LF`/`LH`/`BRF`/`BRH` records) and Cobertura XML (`line-rate`
//! and `branch-rate` on the root element). Ratios from 0 to 1.

use std::collections::BTreeMap;

pub fn lcov(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let text = std::str::from_utf8(bytes).map_err(|_| "not LCOV: the file is not UTF-8 text".to_string())?;
    let (mut lf, mut lh, mut brf, mut brh, mut records) = (0f64, 0f64, 0f64, 0f64, 0);
    for line in text.lines() {
        let num = |prefix: &str| line.strip_prefix(prefix).and_then(|v| v.trim().parse::<f64>().ok());
        if let Some(v) = num("LF:") {
            lf += v;
        } else if let Some(v) = num("LH:") {
            lh += v;
        } else if let Some(v) = num("BRF:") {
            brf += v;
        } else if let Some(v) = num("BRH:") {
            brh += v;
        } else if line.trim() == "end_of_record" {
            records += 1;
        }
    }
    if records == 0 {
        return Err("not LCOV: no end_of_record".into());
    }
    let mut out = BTreeMap::new();
    out.insert("lines".to_owned(), if lf > 0.0 { lh / lf } else { 0.0 });
    out.insert("branches".to_owned(), if brf > 0.0 { brh / brf } else { 0.0 });
    Ok(out)
}

pub fn cobertura(bytes: &[u8]) -> Result<BTreeMap<String, f64>, String> {
    let mut xml = quick_xml::Reader::from_reader(bytes);
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(quick_xml::events::Event::Start(e)) | Ok(quick_xml::events::Event::Empty(e))
                if e.name().as_ref() == b"coverage" =>
            {
                let get = |key: &[u8]| -> Option<f64> {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == key)
                        .and_then(|a| String::from_utf8_lossy(&a.value).parse().ok())
                };
                let lines = get(b"line-rate").ok_or("Cobertura <coverage> has no line-rate")?;
                let mut out = BTreeMap::new();
                out.insert("lines".to_owned(), lines);
                out.insert("branches".to_owned(), get(b"branch-rate").unwrap_or(0.0));
                return Ok(out);
            }
            Ok(quick_xml::events::Event::Eof) => return Err("not Cobertura XML: no <coverage> element".into()),
            Err(e) => return Err(format!("not valid XML at byte {}: {e}", xml.buffer_position())),
            _ => {}
        }
        buf.clear();
    }
}
