//! The plan as a timeline: releases dated as git dates them, `plan due` and the chart agreeing
//! on the next review, and `plan render --format html` as one self-contained page — checked
//! as text here and, in `chromium_*` (run by `.ci/run`), in a real headless Chromium.

use crate::support::*;

/// The gantt block of a rendered document.
fn gantt(markdown: &str) -> String {
    let start = markdown.find("```mermaid\ngantt\n").expect("a gantt block");
    markdown[start..start + markdown[start..].find("\n```\n").unwrap()].to_owned()
}

fn review_due(d: &Dir) -> serde_json::Value {
    let out = d.plan(&["due", "--now", NOW, "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    v["obligations"].as_array().unwrap().iter().find(|o| o["kind"] == "plan-review").unwrap().clone()
}

/// A release is dated when it was tagged (an annotated tag's tagger date; a lightweight tag's
/// committer date), not when its commit was first written; a tag on a branch that was never
/// merged is no release of this line; and a major release brings the next review forward in
/// `plan due` and in the chart alike.
#[test]
fn releases_are_dated_by_their_tags_and_only_merged_ones_count() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    d.commit_at("plan", "2026-10-05T12:00:00Z");
    // Written in January, committed (cherry-picked) in October, tagged in November.
    d.write("app.txt", "1.1\n");
    d.run_git_at(&["add", "-A"], "2026-10-20T12:00:00Z");
    d.run_git_at(&["commit", "-q", "-m", "fix", "--date", "2026-01-10T12:00:00Z"], "2026-10-20T12:00:00Z");
    d.run_git_at(&["tag", "-a", "v1.1.0", "-m", "release 1.1.0"], "2026-11-03T12:00:00Z");
    d.run_git_at(&["tag", "v1.1.1"], "2026-11-04T12:00:00Z");
    // A major version tagged on a branch main never merged.
    d.run_git(&["checkout", "-q", "-b", "experiment"]);
    d.write("app.txt", "2.0\n");
    d.commit_at("rewrite", "2026-10-25T12:00:00Z");
    d.run_git_at(&["tag", "-a", "v2.0.0", "-m", "unmerged"], "2026-10-26T12:00:00Z");
    d.run_git(&["checkout", "-q", "-"]);

    let out = d.plan(&["render", "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let block = gantt(&out.stdout);
    assert!(block.contains("    v1.1.0 : milestone, 2026-11-03, 0d"), "the tagger's date:\n{block}");
    assert!(block.contains("    v1.1.1 : milestone, 2026-10-20, 0d"), "the committer's date:\n{block}");
    assert!(!block.contains("v2.0.0"), "a tag main does not contain:\n{block}");
    assert!(block.contains("    Next plan review : milestone, 2027-04-01, 0d"), "{block}");
    let review = review_due(&d);
    assert_eq!(review["due"], "2027-04-01", "an unmerged major release brings no review: {review:#}");

    // Merged and tagged 2.0.0 on main: the review is due at that release, in both.
    d.run_git_at(&["merge", "-q", "--no-ff", "-m", "merge experiment", "experiment"], "2026-11-10T12:00:00Z");
    d.run_git_at(&["tag", "-a", "v2.0.0-main", "-m", "a pre-release is no major release"], "2026-11-10T12:00:00Z");
    d.run_git_at(&["tag", "-d", "v2.0.0"], "2026-11-10T12:00:00Z");
    d.run_git_at(&["tag", "-a", "v2.0.0", "-m", "2.0.0"], "2026-11-12T12:00:00Z");
    let review = review_due(&d);
    assert_eq!(review["due"], "2026-11-12", "{review:#}");
    assert!(review["what"].as_str().unwrap().contains("v2.0.0 is a major release"), "{review:#}");
    let block = gantt(&d.plan(&["render", "--now", NOW]).stdout);
    assert!(block.contains("    Next plan review : milestone, 2026-11-12, 0d"), "{block}");
    assert!(block.contains("    v2.0.0 : milestone, 2026-11-12, 0d"), "{block}");
    // `--rev` draws the releases that revision contains.
    let block = gantt(&d.plan(&["render", "--now", NOW, "--rev", "v1.1.1"]).stdout);
    assert!(block.contains("v1.1.0") && block.contains("v1.1.1") && !block.contains("v2.0.0"), "{block}");
}

/// A plan whose text tries to become markup, scripts, links or styles.
pub fn hostile_plan() -> String {
    example()
        .replacen(
            "title = \"Acme Billing Service\"",
            "title = \"Acme </title><script>alert(1)</script> & Billing\"",
            1,
        )
        .replacen(
            "purpose = \"Guide the support of Acme Billing, which issues, sends and reconciles customer invoices.\"",
            "purpose = \"<img src=x onerror=alert(2)> [click](javascript:alert(3)) ![i](http://evil.example/x.png) <style>body{display:none}</style> </svg></figure><iframe src=//evil.example>\"",
            1,
        )
        .replacen("name = \"Billing team\"", "name = \"</text></svg><script>x</script>\"", 1)
}

/// The hostile plan committed and released as v1.0.0, rendered as HTML.
fn hostile_page() -> (Dir, Output) {
    let d = Dir::git();
    d.write("support-plan.toml", hostile_plan());
    d.commit_at("plan", "2026-10-05T12:00:00Z");
    d.run_git_at(&["tag", "-a", "v1.0.0", "-m", "1.0.0"], "2026-10-06T12:00:00Z");
    let out = d.plan(&["render", "--format", "html", "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    (d, out)
}

/// The HTML page is one self-contained document: every numbered section of the template as a
/// heading, the timeline as inline SVG, nothing loaded from anywhere, and plan text that
/// stays text.
#[test]
fn the_html_page_is_self_contained_and_plan_text_stays_text() {
    let (_repo, out) = hostile_page();
    let html = &out.stdout;
    assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"), "{}", &html[..80]);
    for number in SECTIONS {
        assert!(html.contains(&format!("data-section=\"{number}\"")), "section {number} is a heading of the page");
    }
    let svg = &html[html.find("<svg class=\"timeline\"").expect("an inline SVG timeline")..];
    let svg = &svg[..svg.find("</svg>").unwrap()];
    assert!(svg.contains("<rect") && svg.contains("<polygon"), "bars and milestones: {svg}");
    assert!(svg.contains(">v1.0.0</text>") && svg.contains(">2026-10-06</text>"), "the release, dated: {svg}");
    assert!(svg.contains("<g class=\"today\"><title>today, 2026-11-26</title>"), "{svg}");
    // Nothing runs or loads: no script, image, frame or style element from plan text, no
    // external address in an attribute, and a policy that would block one anyway.
    let lower = html.to_ascii_lowercase();
    for tag in ["<script", "<img", "<iframe", "<link", "<object", "<embed", "</svg></figure><iframe"] {
        assert!(!lower.contains(tag), "{tag} in the page");
    }
    assert_eq!(lower.matches("<style").count(), 1, "only the page's own style");
    assert_eq!(lower.matches("</svg>").count(), 1, "plan text closes no SVG");
    assert!(html.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""));
    for href in html.split("href=\"").skip(1) {
        assert!(href.starts_with('#'), "only links within the page: {}", &href[..40.min(href.len())]);
    }
    assert!(!lower.contains("javascript:alert(3)\"") && !lower.contains("src=\"http"), "no live link or source");
    // The words are still there, as text.
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "the title keeps its words");
    assert!(html.contains("<title>Production Support Plan: Acme &lt;/title&gt;"), "{}", &html[..600]);
}

/// Every numbered section of the template's document.
pub const SECTIONS: [&str; 30] = [
    "1", "1.1", "1.2", "2", "2.1", "2.1.1", "2.1.2", "2.1.3", "2.1.4", "2.2", "2.2.1", "2.2.2", "2.2.3", "2.2.4",
    "2.2.5", "2.2.6", "2.2.7", "2.2.8", "3", "3.1", "3.2", "3.3", "3.4", "3.5", "4", "4.1", "4.2", "5", "5.1", "5.2",
];

/// Several plans: one page, one article each, ids that do not collide.
#[test]
fn several_plans_make_one_page_with_an_article_each() {
    let d = Dir::git();
    d.write("billing/support-plan.toml", example());
    d.write(
        "ledger/support-plan.toml",
        example().replacen("product = \"acme-billing\"", "product = \"acme-ledger\"", 1),
    );
    d.commit("plans", 1);
    let out = d.plan(&["render", "--format", "html", "--now", NOW]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let html = &out.stdout;
    assert!(html.contains("<title>Production Support Plans</title>"));
    assert!(html.contains("<article id=\"acme-billing\">") && html.contains("<article id=\"acme-ledger\">"));
    let ids: Vec<&str> = html.split(" id=\"").skip(1).map(|s| &s[..s.find('"').unwrap()]).collect();
    let unique: std::collections::BTreeSet<&&str> = ids.iter().collect();
    assert_eq!(ids.len(), unique.len(), "every id once: {ids:?}");
    assert_eq!(html.matches("<svg class=\"timeline\"").count(), 2);
    // One plan with `--plan`.
    let one = d.plan(&["render", "--format", "html", "--now", NOW, "--plan", "acme-ledger"]);
    assert_eq!(one.stdout.matches("<article").count(), 1);
}

/// The browser that `.ci/run` installs (Debian's `chromium`), or `CHROMIUM` when set.
fn chromium() -> String {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return path;
    }
    for name in ["chromium", "chromium-browser", "google-chrome"] {
        if std::process::Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success()) {
            return name.to_owned();
        }
    }
    panic!("no Chromium: `apt-get install chromium` (`.ci/run` does), or set CHROMIUM to the browser");
}

/// Runs headless Chromium on the page with `args` (`--dump-dom`, `--screenshot=…`).
fn headless(page: &std::path::Path, profile: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = std::process::Command::new(chromium())
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "chromium {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// The page in a real browser: the DOM Chromium builds has every numbered section as a
/// heading element and the timeline as an SVG with its bars; plan text made no element; the
/// screenshot shows the page and the timeline drawn in its colours.
#[test]
#[ignore = "needs Chromium; .ci/run installs it and runs `-- --ignored chromium`"]
fn chromium_renders_every_section_and_the_timeline() {
    let (d, out) = hostile_page();
    let page = d.write("out/plan.html", &out.stdout);
    let profile = d.path().join("out/profile");

    let dom = String::from_utf8(headless(&page, &profile, &["--dump-dom"]).stdout).unwrap();
    let heading = regex::Regex::new(r#"<h([1-4]) id="[a-z0-9-]+" data-section="([0-9.]+)">"#).unwrap();
    let found: Vec<String> = heading.captures_iter(&dom).map(|c| c[2].to_owned()).collect();
    assert_eq!(found, SECTIONS.to_vec(), "the numbered sections, in order, as heading elements");
    let svg = &dom[dom.find("<svg class=\"timeline\"").expect("the timeline in the DOM")..];
    let svg = &svg[..svg.find("</svg>").expect("the SVG ends")];
    assert!(svg.matches("<rect").count() >= 2 && svg.matches("<polygon").count() >= 3, "{svg}");
    let lower = dom.to_ascii_lowercase();
    for tag in ["<script", "<img", "<iframe"] {
        assert!(!lower.contains(tag), "plan text became an element: {tag}");
    }

    // A tall screenshot: the page is drawn, and the timeline is, in its own colours.
    let shot = d.path().join("out/shot.png");
    headless(&page, &profile, &["--window-size=1100,4000", &format!("--screenshot={}", shot.display())]);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buf[..info.buffer_size()].chunks(channels).collect();
    let ink = pixels.iter().filter(|p| p[..3].iter().any(|&c| c < 200)).count();
    assert!(ink * 100 > pixels.len(), "more than 1% of the page is drawn: {ink} of {}", pixels.len());
    let near = |p: &[u8], rgb: [u8; 3]| p.iter().zip(rgb).all(|(&a, b)| a.abs_diff(b) <= 12);
    let support = pixels.iter().filter(|p| near(p, [0x2f, 0x6f, 0xb0])).count();
    let today = pixels.iter().filter(|p| near(p, [0xdd, 0x00, 0x00])).count();
    assert!(support > 5000, "the support lifetime bar is drawn: {support} pixels");
    assert!(today > 100, "the today line is drawn: {today} pixels");
}

/// Names the timeline draws: a name that is a Mermaid statement becomes a task, a release
/// list is capped, the template's placeholder dates are not drawn, SVG labels keep the name's
/// own characters, and "today" at the right edge stays readable.
#[test]
fn the_timeline_draws_odd_names_many_releases_and_placeholders() {
    let d = Dir::git();
    d.write(
        "support-plan.toml",
        example().replacen("[environment.licenses.datadog]", "[environment.licenses.click]", 1).replacen(
            "tag_pattern = \"v{version}\"",
            "tag_pattern = \"{version}\"",
            1,
        ),
    );
    d.commit_at("plan", "2026-10-05T12:00:00Z");
    for i in 0..45 {
        d.run_git(&["tag", &format!("1.{i}.0")]);
    }
    d.run_git(&["tag", "2026-01-01+build.5"]);
    let md = d.plan(&["render", "--now", NOW]);
    assert_eq!(md.code, 0, "{}", md.stderr);
    let block = &md.stdout[md.stdout.find("```mermaid").unwrap()..];
    let block = &block[..block[3..].find("```").unwrap() + 3];
    assert!(block.contains("    license click expires : milestone, 2027-09-30, 0d"), "{block}");
    assert!(block.contains("    section Releases (the last 40 of 46)"), "{block}");
    assert!(block.contains("    release 2026-01-01+build.5 : milestone"), "a date is no task name: {block}");
    let releases = block.split("    section Releases").nth(1).unwrap().split("    section ").next().unwrap();
    assert_eq!(releases.lines().filter(|l| l.contains(": milestone")).count(), 40, "{releases}");
    assert!(!releases.contains("1.5.0 :") && releases.contains("1.44.0 :"), "the newest: {releases}");
    let html = d.plan(&["render", "--format", "html", "--now", "2040-06-01"]).stdout;
    assert!(html.contains(">2026-01-01+build.5</text>"), "the SVG label keeps the tag as it is");
    assert!(html.contains("text-anchor=\"end\" fill=\"#d00\">today</text>"), "today at the right edge");

    // A fresh template: its 1970-01-01 placeholders are not drawn.
    let fresh = Dir::git();
    assert_eq!(fresh.plan(&["init"]).code, 0);
    let out = fresh.plan(&["render", "--now", NOW]);
    let block = &out.stdout[out.stdout.find("```mermaid").expect("a timeline")..];
    let block = &block[..block[3..].find("```").unwrap() + 3];
    assert!(!block.contains("1970"), "{block}");
    assert!(block.contains("    Today : milestone, 2026-11-26, 0d"), "{block}");
}
