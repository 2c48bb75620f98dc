//! The semantic diff of two arbitrary plans: a plan against itself has no change, and the
//! diff one way mirrors the diff the other way (same paths, added ⇄ removed, old ⇄ new).
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportplan::diff::{ChangeKind, diff_plans};
use supportplan_fuzz::{halves, plan};

fuzz_target!(|data: &[u8]| {
    let (a, b) = halves(data);
    let Some(a) = plan(a) else { return };
    assert!(diff_plans(&a, &a).is_empty(), "a plan differs from itself: {:#?}", diff_plans(&a, &a));
    let Some(b) = plan(b) else { return };
    let forth = diff_plans(&a, &b);
    let back = diff_plans(&b, &a);
    let swap = |k: ChangeKind| match k {
        ChangeKind::Added => ChangeKind::Removed,
        ChangeKind::Removed => ChangeKind::Added,
        k => k,
    };
    let mut f: Vec<_> = forth.iter().map(|c| (c.path.clone(), swap(c.kind), c.new.clone(), c.old.clone())).collect();
    let mut r: Vec<_> = back.iter().map(|c| (c.path.clone(), c.kind, c.old.clone(), c.new.clone())).collect();
    f.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
    r.sort_by(|x, y| format!("{x:?}").cmp(&format!("{y:?}")));
    assert_eq!(f, r, "diff(a, b) does not mirror diff(b, a)");
    assert_eq!(forth.is_empty(), diff_plans(&b, &a).is_empty());
});
