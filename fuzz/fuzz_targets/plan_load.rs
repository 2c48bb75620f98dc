//! The plan loader and the rules: any bytes either load or fail with diagnostics that point
//! inside the file; the rules never panic; the report renders as safe text and valid JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportplan::plan::load_bytes;
use supportplan::render::Style;
use supportplan_fuzz::{assert_json, assert_terminal_safe, today};

fuzz_target!(|data: &[u8]| {
    let loaded = load_bytes("fuzz.support-plan.toml", None, data);
    if let Err(failure) = &loaded {
        assert!(!failure.diagnostics.is_empty(), "a failure without a diagnostic");
        for d in &failure.diagnostics {
            if let Some(span) = &d.span {
                assert!(span.start <= span.end && span.end <= failure.source.text.len(), "span {span:?} outside the file");
                assert!(failure.source.text.is_char_boundary(span.start), "span {span:?} splits a character");
            }
        }
    }
    let plans = vec![loaded];
    let report = supportplan::check::check_all(&plans, today(), None, &Default::default());
    let human = supportplan::render::human::check(&report, Style { color: false }, false);
    assert_terminal_safe("check (human)", &human);
    let json = supportplan::render::json::check(&report, supportplan::report::Severity::Error);
    assert_json("check --format json", &json);
});
