//! Every renderer fed arbitrary plan text: JSON stays JSON, SVG stays XML, the comment (and
//! the diff's Markdown, which goes to job summaries) keeps its budget and exactly one marker
//! and mentions nobody, human text carries no control character, and nothing from a plan
//! starts a workflow command.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportplan::comment::{self, Summary};
use supportplan::diff::{Side, diff_pair};
use supportplan::render::{self, Style, timeline};
use supportplan::report::{DiffReport, RevLabel};
use supportplan_fuzz::*;

fuzz_target!(|data: &[u8]| {
    let (a, b) = halves(data);
    let Some(new) = plan(b) else { return };
    let old = plan(a);
    let old_side = old.as_ref().map(|p| Side { path: "old.support-plan.toml", plan: p });
    let change = diff_pair(old_side, Some(Side { path: &new.source.path, plan: &new }));
    let diff = DiffReport {
        base: RevLabel { spec: "v1.0.0".into(), commit: None },
        head: RevLabel { spec: "HEAD".into(), commit: None },
        plans: change.into_iter().collect(),
        notices: vec![],
    };
    assert_json("diff --format json", &render::diff::json(&diff));
    assert_terminal_safe("diff (human)", &render::diff::human(&diff, Style { color: false }, 100));
    assert_no_mention("diff --format markdown", &render::diff::markdown(&diff));
    // The annotations are workflow commands by design: each is one line, and no data ends one.
    for line in render::diff::github_read_only(&diff).lines() {
        assert!(line.starts_with("::notice ") || line.starts_with("::warning "), "annotation line {line:?}");
    }

    let plans = vec![Ok(new.clone())];
    let check = supportplan::check::check_all(&plans, today(), None, &Default::default());
    let limit = 2_000 + usize::from(data.first().copied().unwrap_or(0)) * 250;
    let summary = Summary { key: "fuzz", diff: &diff, check: Some(&check), gate: None, blob_base: None };
    let body = comment::render(&summary, limit);
    assert!(body.chars().count() <= limit, "comment of {} characters over its budget {limit}", body.chars().count());
    assert!(comment::parse_marker(&body).is_some(), "comment without its marker");
    assert_eq!(body.matches("<!-- supportplan:comment:v1").count(), 1, "not exactly one marker:\n{body}");
    assert_no_mention("comment", &body);
    assert_no_workflow_command("comment", &body);

    let t = timeline::Timeline { releases: vec![], waivers: vec![], today: Some(today()) };
    // The document shows the plan's own handles and addresses (it is published, never
    // posted where a mention notifies): no mention check here, unlike the comment.
    let markdown = render::document::render_with(&new.plan, &t);
    assert_no_workflow_command("render (markdown)", &markdown);
    let chart = timeline::chart(&new.plan, &t);
    assert_xml("timeline svg", &timeline::svg(&chart));
    let gantt = timeline::gantt(&chart);
    assert_eq!(gantt.matches("```").count(), 2, "the Mermaid block was broken out of:\n{gantt}");
    let doc = render::html::Doc { product: new.plan.plan.product.clone(), markdown, chart };
    let html = render::html::page(&[doc], "2026-11-26");
    assert!(!html.to_ascii_lowercase().contains("<script"), "a script in the page");
});
