//! What the fuzz targets share: turning bytes into plans, and the invariants every output
//! must keep whatever the input says.

use supportplan::plan::{LoadedPlan, load_bytes};

/// The day the rules run on (fixed, so a finding never depends on the clock).
pub fn today() -> supportplan::plan::values::Date {
    supportplan::plan::values::Date::new(2026, 11, 26).expect("a real date")
}

/// Loads bytes as a plan file; `None` when they do not load (that is an answer, not a bug).
pub fn plan(bytes: &[u8]) -> Option<LoadedPlan> {
    load_bytes("fuzz.support-plan.toml", None, bytes).ok()
}

/// Splits an input in two at the point its first two bytes name.
pub fn halves(data: &[u8]) -> (&[u8], &[u8]) {
    let Some((head, rest)) = data.split_first_chunk::<2>() else { return (data, &[]) };
    let at = usize::from(u16::from_le_bytes(*head)) % (rest.len() + 1);
    rest.split_at(at)
}

/// Human output for a terminal and a CI log: no control character but line breaks and tabs,
/// no bidirectional override, and no line a GitHub runner reads as a workflow command.
pub fn assert_terminal_safe(what: &str, out: &str) {
    for c in out.chars() {
        assert!(
            !(c.is_control() && c != '\n' && c != '\t'),
            "{what}: raw control character U+{:04X} in:\n{out}",
            c as u32
        );
        assert!(!matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'), "{what}: raw bidi override in:\n{out}");
    }
    assert_no_workflow_command(what, out);
}

/// No line starts a workflow command (`::set-output`, `::add-mask`, …) and nothing holds
/// the runner's older `##[command]` syntax.
pub fn assert_no_workflow_command(what: &str, out: &str) {
    for line in out.split(['\n', '\r']) {
        assert!(!line.trim_start().starts_with("::"), "{what}: a line starts a workflow command: {line:?}");
    }
    assert!(!out.contains("##["), "{what}: `##[` in:\n{out}");
}

/// Valid JSON, whatever went into it.
pub fn assert_json(what: &str, out: &str) {
    if let Err(e) = serde_json::from_str::<serde_json::Value>(out) {
        panic!("{what}: not valid JSON ({e}):\n{out}");
    }
}

/// Well-formed XML: every element closed, every reference known, nothing raw.
pub fn assert_xml(what: &str, out: &str) {
    let mut reader = quick_xml::Reader::from_str(out);
    let mut depth = 0i64;
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Start(_)) => depth += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Text(t)) => {
                if let Err(e) = t.decode() {
                    panic!("{what}: text that does not decode ({e}):\n{out}");
                }
            }
            Ok(_) => {}
            Err(e) => panic!("{what}: not well-formed XML ({e}):\n{out}"),
        }
    }
    assert_eq!(depth, 0, "{what}: unbalanced XML:\n{out}");
}

/// Markdown for GitHub: nobody mentioned (an `@` is always followed by a word joiner).
pub fn assert_no_mention(what: &str, out: &str) {
    for (i, _) in out.match_indices('@') {
        let next = out[i + 1..].chars().next();
        assert!(
            !next.is_some_and(|c| c.is_ascii_alphanumeric()),
            "{what}: a raw mention at byte {i}: {:?}",
            &out[i..out.len().min(i + 40)]
        );
    }
}
