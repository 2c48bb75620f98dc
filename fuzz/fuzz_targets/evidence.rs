//! Every evidence adapter on arbitrary bytes: a number comes out finite or the file is
//! refused with a reason; nothing panics, hangs or blows up.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportplan::evidence::{json_number, measure_bytes};
use supportplan::plan::EvidenceKind::*;

fuzz_target!(|data: &[u8]| {
    let Some((&which, bytes)) = data.split_first() else { return };
    let kinds = [Junit, GoTestJson, Trx, Json, Lcov, Cobertura, Jacoco, GoCover, Sarif, K6Summary, Criterion, Hyperfine];
    let kind = kinds[usize::from(which) % kinds.len()];
    match measure_bytes(bytes, kind) {
        Ok(metrics) => {
            for (name, v) in &metrics {
                assert!(v.is_finite(), "{kind:?}: metric {name} = {v}");
            }
        }
        Err(reason) => assert!(!reason.trim().is_empty(), "{kind:?}: refused without a reason"),
    }
    // The JSON-pointer adapters (json, k6-summary, a declared metric of any JSON evidence).
    if let Ok(doc) = serde_json::from_slice::<serde_json::Value>(bytes) {
        for pointer in ["/metrics/http_req_duration/values/p(95)", "/a/0/b", "", "/"] {
            if let Ok(v) = json_number(&doc, pointer) {
                assert!(v.is_finite(), "{pointer}: {v}");
            }
        }
    }
});
