//! Properties of the semantic diff, over random edits and reformattings of the example.

use proptest::prelude::*;
use supportplan::diff::{ChangeKind, diff_plans};
use supportplan::plan::{LoadedPlan, Source, load};

use crate::support::example;

fn plan(text: &str) -> LoadedPlan {
    match load(Source::new("support-plan.toml", None, text.to_owned())) {
        Ok(p) => p,
        Err(f) => panic!("{:?}\n{text}", f.diagnostics),
    }
}

/// Edits that keep the plan valid.
const EDITS: &[(&str, &str)] = &[
    ("availability_pct = 99.5", "availability_pct = 99.9"),
    ("target = \"250ms\"", "target = \"300ms\""),
    ("restore = \"4h\"", "restore = \"2h\""),
    ("members = [\"alice\", \"bob\", \"carol\"]", "members = [\"alice\", \"carol\", \"dave\"]"),
    ("text = \"Customers pay without noticeable delay.\"", "text = \"Customers pay without any delay.\""),
    ("end_of_support = 2028-12-31", "end_of_support = 2028-06-30"),
    ("[monitoring.alerts.invoice-run-late]", "[monitoring.alerts.invoice-late]"),
    ("[hardware.prod-cluster]", "[hardware.prod-cluster]"),
    ("kind = \"open-source\"", "kind = \"internal\""),
    ("min_approvals = 2", "min_approvals = 1"),
];

fn apply(text: &str, picks: &[bool]) -> String {
    EDITS.iter().zip(picks).filter(|(_, on)| **on).fold(text.to_owned(), |t, ((from, to), _)| t.replacen(from, to, 1))
}

/// Splits a plan into its `[table]` sections (the preamble stays first).
fn sections(text: &str) -> (String, Vec<String>) {
    let mut parts = text.split("\n[");
    let head = parts.next().unwrap_or("").to_owned();
    (head, parts.map(|p| format!("[{p}")).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn a_plan_never_differs_from_itself(picks in proptest::collection::vec(any::<bool>(), EDITS.len())) {
        let p = plan(&apply(&example(), &picks));
        prop_assert!(diff_plans(&p, &p).is_empty());
    }

    #[test]
    fn diff_b_a_mirrors_diff_a_b(a in proptest::collection::vec(any::<bool>(), EDITS.len()),
                                 b in proptest::collection::vec(any::<bool>(), EDITS.len())) {
        let (pa, pb) = (plan(&apply(&example(), &a)), plan(&apply(&example(), &b)));
        let forward = diff_plans(&pa, &pb);
        let backward = diff_plans(&pb, &pa);
        prop_assert_eq!(forward.len(), backward.len());
        for f in &forward {
            let mirror = match f.kind {
                ChangeKind::Added => ChangeKind::Removed,
                ChangeKind::Removed => ChangeKind::Added,
                k => k,
            };
            let found = backward.iter().any(|b| b.path == f.path && b.kind == mirror && b.old == f.new && b.new == f.old);
            prop_assert!(found, "no mirror for {:?}", f);
        }
    }

    #[test]
    fn reformatting_gives_an_empty_diff(order in Just(()).prop_perturb(|_, mut rng| {
            let (_, s) = sections(&example());
            let mut idx: Vec<usize> = (0..s.len()).collect();
            for i in (1..idx.len()).rev() { idx.swap(i, rng.random_range(0..=i)); }
            idx
        }),
        comment_every in 1usize..7) {
        let (head, parts) = sections(&example());
        let mut text = head;
        for (n, i) in order.iter().enumerate() {
            text.push('\n');
            if n % comment_every == 0 {
                text.push_str("# a comment the diff must not see\n\n");
            }
            text.push_str(&parts[*i]);
        }
        let original = plan(&example());
        let reordered = plan(&text);
        prop_assert!(diff_plans(&original, &reordered).is_empty());
        // Another table style altogether: everything re-serialized by the toml crate.
        let restyled = toml::to_string(&toml::from_str::<toml::Value>(&text).unwrap()).unwrap();
        prop_assert!(diff_plans(&original, &plan(&restyled)).is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// No input makes the loader or the rules panic: cut the example anywhere, drop or
    /// repeat a line, or feed random bytes.
    #[test]
    fn no_input_panics(cut in 0usize..30_000, drop in 0usize..520, dup in 0usize..520, noise in proptest::collection::vec(any::<u8>(), 0..200)) {
        let text = example();
        let lines: Vec<&str> = text.lines().collect();
        let mut variants = vec![text.chars().take(cut).collect::<String>()];
        let mut dropped = lines.clone();
        if drop < dropped.len() { dropped.remove(drop); }
        variants.push(dropped.join("\n"));
        let mut doubled = lines.clone();
        if dup < doubled.len() { doubled.insert(dup, lines[dup]); }
        variants.push(doubled.join("\n"));
        for v in variants {
            if let Ok(p) = load(Source::new("support-plan.toml", None, v)) {
                let _ = supportplan::check::check_plan(&p, supportplan::plan::values::Date::new(2026, 11, 26).unwrap());
            }
        }
        let _ = supportplan::plan::load_bytes("support-plan.toml", None, &noise);
    }
}
