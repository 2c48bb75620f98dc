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

/// The example, scrambled as people write TOML: sections in any order, indentation, runs of
/// blank lines, `key=value` without spaces, literal strings, comments.
fn scrambled(order: &[usize], indent: usize, blanks: usize, literal_every: usize) -> String {
    let (head, parts) = sections(&example());
    let mut text = head;
    for (n, i) in order.iter().enumerate() {
        text.push_str(&"\n".repeat(blanks));
        if n % 3 == 0 {
            text.push_str("  # a comment that must survive\n");
        }
        for (k, line) in parts[*i].lines().enumerate() {
            let mut line = line.to_owned();
            if k > 0 && !line.starts_with('#') {
                line = format!("{}{}", " ".repeat(indent), line.replacen(" = ", "=", 1));
            }
            // A basic string without escapes or quotes inside, as a literal string.
            if k % literal_every == 0
                && let Some((key, value)) = line.split_once("= \"").or_else(|| line.split_once("=\""))
                && value.ends_with('"')
                && !value[..value.len() - 1].contains(['"', '\\', '\''])
            {
                line = format!("{key}= '{}'", &value[..value.len() - 1]);
            }
            text.push_str(&line);
            text.push('\n');
        }
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// `plan fmt` is idempotent, puts the sections in the template's order whatever order
    /// they came in, keeps comments, and changes nothing the diff can see.
    #[test]
    fn fmt_is_idempotent_and_invisible_to_the_diff(order in Just(()).prop_perturb(|_, mut rng| {
            let (_, s) = sections(&example());
            let mut idx: Vec<usize> = (0..s.len()).collect();
            for i in (1..idx.len()).rev() { idx.swap(i, rng.random_range(0..=i)); }
            idx
        }),
        indent in 0usize..4, blanks in 1usize..4, literal_every in 1usize..5) {
        let text = scrambled(&order, indent, blanks, literal_every);
        let once = supportplan::fmt::format(&text).map_err(|e| TestCaseError::fail(format!("{e:?}\n{text}")))?;
        let twice = supportplan::fmt::format(&once).unwrap();
        prop_assert_eq!(&twice, &once);
        prop_assert!(diff_plans(&plan(&text), &plan(&once)).is_empty());
        prop_assert_eq!(once.matches("# a comment that must survive").count(), text.matches("# a comment that must survive").count());
        prop_assert!(!once.contains("\n\n\n"), "at most one blank line:\n{}", once);
        // The template's order: each top-level section starts after the one before it.
        let starts: Vec<usize> = supportplan::fmt::SECTION_ORDER
            .iter()
            .filter_map(|s| once.find(&format!("\n[{s}")).or_else(|| once.find(&format!("\n[{s}."))))
            .collect();
        prop_assert!(starts.windows(2).all(|w| w[0] < w[1]), "sections out of order:\n{}", once);
        // And the example itself, as the template writes it, is already canonical.
        prop_assert_eq!(supportplan::fmt::format(&example()).unwrap(), example());
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

/// Hostile text: control characters, bidi overrides, workflow commands, Markdown and HTML
/// punctuation, mentions, our own marker, line breaks.
fn hostile() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "\u{1b}[2J",
        "\u{1b}]0;x\u{7}",
        "\r",
        "\n",
        "\u{202e}",
        "\u{2066}",
        "::error title=f::x",
        "\n::warning::y",
        "`",
        "```",
        "<!--",
        "<!-- supportplan:comment:v1 key=default head=x -->",
        "@octocat",
        "|",
        "<b>",
        "&",
        "%",
        "\u{85}",
        "\u{0}",
        "plain",
        " ",
        "é",
        "🙂",
    ]);
    prop::collection::vec(pieces, 1..12).prop_map(|v| v.concat())
}

/// Markdown outside fenced code blocks (inside a fence, GitHub shows text literally: no
/// mention, no HTML).
fn outside_fences(md: &str) -> String {
    let mut fence: Option<String> = None;
    let mut out = String::new();
    for line in md.lines() {
        let ticks: String = line.trim_start().chars().take_while(|c| *c == '`').collect();
        match &fence {
            Some(f) if line.trim() == f => fence = None,
            Some(_) => {}
            None if ticks.len() >= 3 => fence = Some(ticks),
            None => {
                out.push_str(line);
                out.push('\n');
            }
        }
    }
    out
}

/// The runner reads `::` commands at the start of a line (after spaces), and the older
/// `##[` commands anywhere in it.
fn no_workflow_command(out: &str) -> bool {
    out.lines().all(|l| !l.trim_start().starts_with("::") && !l.contains("##["))
}

fn no_raw_control(out: &str) -> bool {
    !out.chars().any(|c| c.is_control() && c != '\n' || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Whatever a plan or a finding says, every renderer keeps its invariants.
    #[test]
    fn renderers_keep_their_invariants(text in hostile()) {
        use supportplan::diff::{Side, diff_pair};
        use supportplan::gate::{GateFinding, GateReport, Status};
        use supportplan::render::{self, Style};
        use supportplan::report::{DiffReport, RevLabel};
        let quoted = toml::Value::String(text.clone()).to_string();
        let base = plan(&example());
        let head = plan(&example().replacen(
            "text = \"Customers pay without noticeable delay.\"",
            &format!("text = {quoted}"),
            1,
        ));
        let path = "support-plan.toml";
        let change = diff_pair(Some(Side { path, plan: &base }), Some(Side { path, plan: &head })).unwrap();
        let report = DiffReport {
            base: RevLabel { spec: text.clone(), commit: Some("1".repeat(40)) },
            head: RevLabel { spec: "head".into(), commit: Some("2".repeat(40)) },
            plans: vec![change],
            notices: vec![text.clone()],
        };
        let human = render::diff::human(&report, Style { color: false }, 100);
        prop_assert!(no_raw_control(&human), "{human:?}");
        prop_assert!(no_workflow_command(&human), "{human}");
        let json: serde_json::Value = serde_json::from_str(&render::diff::json(&report)).unwrap();
        prop_assert_eq!(json["schema"].as_str(), Some("supportplan/diff/v1"));
        let markdown = outside_fences(&render::diff::markdown(&report));
        prop_assert!(!markdown.contains("@octocat") && !markdown.contains("<!--"), "{markdown}");
        prop_assert!(no_workflow_command(&markdown), "{markdown}");

        let summary = supportplan::comment::Summary {
            key: "default", diff: &report, check: None, gate: None, blob_base: None,
        };
        let full = supportplan::comment::render(&summary, supportplan::comment::GITHUB_COMMENT_LIMIT);
        prop_assert!(full.chars().count() <= supportplan::comment::GITHUB_COMMENT_LIMIT);
        let body = outside_fences(&full);
        prop_assert_eq!(body.matches("<!-- supportplan:comment:v1").count(), 1, "{}", body);
        prop_assert!(!body.contains("@octocat"), "{}", body);
        prop_assert!(no_workflow_command(&full), "{}", full);

        let mut finding = GateFinding::new(format!("criterion:{text}"), "2.1.4", Status::Fail, text.clone());
        finding.observed = Some(text.clone());
        let gate = vec![GateReport {
            product: text.clone(), file: text.clone(), version: "1.0.0".into(), tag: None, preview: false, findings: vec![finding],
        }];
        // JSON and SARIF printed to a CI log carry no runner command either.
        for out in [render::gate::json(&gate, true, "2026-11-26"), render::gate::sarif(&gate)] {
            prop_assert!(no_workflow_command(&out), "{out}");
            serde_json::from_str::<serde_json::Value>(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out}")))?;
        }
        let human = render::gate::human(&gate, true, Style { color: false }, 100);
        prop_assert!(no_raw_control(&human) && no_workflow_command(&human), "{human:?}");
        let github = render::gate::github(&gate, true);
        prop_assert!(no_raw_control(&github) && !github.contains("##["), "{github:?}");
        prop_assert!(
            github.lines().all(|l| ["::error ", "::warning ", "::notice "].iter().any(|c| l.starts_with(c)) || !l.starts_with(':')),
            "{github}"
        );
        serde_json::from_str::<serde_json::Value>(&render::gate::json(&gate, true, "2026-11-26")).unwrap();
        serde_json::from_str::<serde_json::Value>(&render::gate::sarif(&gate)).unwrap();
        let junit = render::gate::junit(&gate);
        prop_assert!(no_workflow_command(&junit) && no_raw_control(&junit.replace('\n', "")), "{junit:?}");
        let mut reader = quick_xml::Reader::from_str(&junit);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => prop_assert!(false, "JUnit is not XML: {e}\n{junit}"),
            }
        }
        let md = render::gate::markdown(&gate, true);
        prop_assert!(!md.contains("@octocat") && !md.contains("<!--") && no_workflow_command(&md), "{md}");
    }
}
