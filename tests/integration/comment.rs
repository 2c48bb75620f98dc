//! `plan comment` against a local HTTP server standing in for GitHub (wiremock), with
//! GitHub's documented behaviour: `Link` pagination, 403 for read-only tokens, 5xx, and
//! secondary rate limits with `retry-after`.

use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const TOKEN: &str = "ghs_secretTOKEN0123456789abcdef";
const BOT: &str = "github-actions[bot]";

/// A repository with a pull request: main, and a branch that loosens the latency target.
fn pull_request() -> (Dir, String, String) {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.run_git(&["checkout", "-q", "-b", "loosen-latency"]);
    d.edit("support-plan.toml", "target = \"250ms\"", "target = \"300ms\"");
    d.edit("support-plan.toml", "email = \"bob@acme.example.com\"", "email = \"bob at acme\"");
    let head = d.commit("Loosen latency", 2);
    (d, base, head)
}

fn comment(id: u64, login: &str, body: &str) -> Value {
    json!({
        "id": id, "node_id": format!("IC_{id}"),
        "url": format!("https://api.github.com/repos/acme/billing/issues/comments/{id}"),
        "html_url": format!("https://github.com/acme/billing/pull/42#issuecomment-{id}"),
        "body": body, "user": { "login": login, "id": 41898282, "type": if login.ends_with("[bot]") { "Bot" } else { "User" } },
        "created_at": "2026-11-20T10:00:00Z", "updated_at": "2026-11-20T10:00:00Z",
        "author_association": "NONE"
    })
}

/// Runs `plan comment` in `d` against the mock server (at `api`).
async fn run(d: &Dir, api: String, base: &str, head: &str, extra: &[&str]) -> Output {
    let dir = d.path().to_path_buf();
    let summary = dir.join("step-summary.md");
    let mut args: Vec<String> =
        ["comment", "--repo", "acme/billing", "--pr", "42", "--base", base, "--head", head, "--now", NOW]
            .iter()
            .map(|s| s.to_string())
            .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
            .args(&args)
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", api)
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env_remove("GITHUB_EVENT_PATH")
            .env_remove("GITHUB_EVENT_NAME")
            .output()
            .unwrap();
        let o = Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        assert!(!o.stdout.contains(TOKEN) && !o.stderr.contains(TOKEN), "the token leaked");
        o
    })
    .await
    .unwrap()
}

async fn user_is_forbidden(server: &MockServer, prefix: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{prefix}/user")))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"message": "Resource not accessible by integration"})),
        )
        .mount(server)
        .await;
}

/// Our own comment (marker with `head`), as GitHub lists it.
fn ours(id: u64, head: &str, text: &str) -> Value {
    comment(id, BOT, &format!("<!-- supportplan:comment:v1 key=default head={head} -->\n{text}"))
}

/// A server where `/user` is forbidden (as for Actions' token) and the PR has `existing` comments.
async fn github(existing: Vec<Value>) -> MockServer {
    let server = MockServer::start().await;
    user_is_forbidden(&server, "").await;
    comments(&server, "", existing).await;
    server
}

fn list_path(prefix: &str) -> String {
    format!("{prefix}/repos/acme/billing/issues/42/comments")
}

async fn comments(server: &MockServer, prefix: &str, all: Vec<Value>) {
    Mock::given(method("GET"))
        .and(path(list_path(prefix)))
        .respond_with(ResponseTemplate::new(200).set_body_json(all))
        .mount(server)
        .await;
}

async fn created(server: &MockServer, prefix: &str, expect: u64) {
    Mock::given(method("POST"))
        .and(path(list_path(prefix)))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(body_string_contains("supportplan:comment:v1"))
        .respond_with(ResponseTemplate::new(201).set_body_json(comment(9001, BOT, "created")))
        .expect(expect)
        .mount(server)
        .await;
}

/// The pull request's live head, as `GET /pulls/42` answers it.
async fn live_head(server: &MockServer, prefix: &str, sha: &str) {
    Mock::given(method("GET"))
        .and(path(format!("{prefix}/repos/acme/billing/pulls/42")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"number": 42, "head": {"sha": sha, "ref": "loosen-latency"}})),
        )
        .mount(server)
        .await;
}

async fn no_patch_or_delete(server: &MockServer) {
    Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(500)).expect(0).mount(server).await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(500)).expect(0).mount(server).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_one_comment_and_leaves_a_human_quoting_the_marker_alone() {
    let (d, base, head) = pull_request();
    let server = MockServer::start().await;
    live_head(&server, "", &head).await;
    user_is_forbidden(&server, "").await;
    let quote = format!("<!-- supportplan:comment:v1 key=default head={head} -->\nI copied the bot's marker");
    comments(&server, "", vec![comment(1, "alice", &quote)]).await;
    created(&server, "", 1).await;
    no_patch_or_delete(&server).await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("POST /repos/acme/billing/issues/42/comments"), "{}", out.stderr);
    let step = d.read("step-summary.md");
    assert!(step.contains("acceptance.criteria.p95-latency.target"), "{step}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_ours_on_page_two_of_more_than_100_and_updates_it() {
    let (d, base, head) = pull_request();
    let server = MockServer::start().await;
    live_head(&server, "", &head).await;
    user_is_forbidden(&server, "").await;
    let page1: Vec<Value> = (1..=100).map(|i| comment(i, "someone", "LGTM")).collect();
    let next = format!("{}/repositories/700100/issues/42/comments?per_page=100&page=2", server.uri());
    Mock::given(method("GET"))
        .and(path(list_path("")))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(page1)
                .insert_header("link", format!("<{next}>; rel=\"next\", <{next}>; rel=\"last\"").as_str()),
        )
        .mount(&server)
        .await;
    let ours = ours(150, &head, "old summary");
    Mock::given(method("GET"))
        .and(path("/repositories/700100/issues/42/comments"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![ours]))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/billing/issues/comments/150"))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment(150, BOT, "new")))
        .expect(1)
        .mount(&server)
        .await;
    created(&server, "", 0).await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_body_makes_no_write() {
    let (d, base, head) = pull_request();
    // The body this run renders, as a dry run prints it.
    let dry = run(&d, "http://127.0.0.1:9".into(), &base, &head, &["--dry-run", "--bot-login", BOT]).await;
    let body = dry.stdout.split("\n---\n").next().unwrap().to_owned();
    let server = MockServer::start().await;
    live_head(&server, "", &head).await;
    comments(&server, "", vec![comment(7, BOT, &body)]).await;
    created(&server, "", 0).await;
    no_patch_or_delete(&server).await;
    let out = run(&d, server.uri(), &base, &head, &["--bot-login", BOT]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("unchanged: comment 7 already says this; no write"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_token_falls_back_to_the_step_summary() {
    let (d, base, head) = pull_request();
    let server = github(vec![]).await;
    live_head(&server, "", &head).await;
    Mock::given(method("POST"))
        .and(path(list_path("")))
        .respond_with(ResponseTemplate::new(403).set_body_json(json!({"message": "Resource not accessible by integration", "documentation_url": "https://docs.github.com/rest/issues/comments#create-an-issue-comment"})))
        .expect(1)
        .mount(&server)
        .await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("::notice title=supportplan::This token cannot comment"), "{}", out.stdout);
    assert!(out.stdout.contains("::warning title=acme-billing breaking plan change::acceptance.criteria.p95-latency.target 250ms → 300ms (breaking)"), "{}", out.stdout);
    assert!(d.read("step-summary.md").contains("Support plan summary"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retries_a_502_and_a_secondary_rate_limit() {
    let (d, base, head) = pull_request();
    let server = MockServer::start().await;
    live_head(&server, "", &head).await;
    user_is_forbidden(&server, "").await;
    Mock::given(method("GET"))
        .and(path(list_path("")))
        .respond_with(ResponseTemplate::new(502).set_body_string("<html>Bad Gateway</html>"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    comments(&server, "", vec![]).await;
    Mock::given(method("POST"))
        .and(path(list_path("")))
        .respond_with(
            ResponseTemplate::new(403)
                .insert_header("retry-after", "1")
                .set_body_json(json!({"message": "You have exceeded a secondary rate limit. Please wait a few minutes before you try again."})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    created(&server, "", 1).await;
    let started = std::time::Instant::now();
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(started.elapsed() >= std::time::Duration::from_secs(1), "retry-after was not honoured");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn github_enterprise_under_api_v3() {
    let (d, base, head) = pull_request();
    let server = MockServer::start().await;
    live_head(&server, "/api/v3", &head).await;
    user_is_forbidden(&server, "/api/v3").await;
    comments(&server, "/api/v3", vec![]).await;
    created(&server, "/api/v3", 1).await;
    let out = run(&d, format!("{}/api/v3", server.uri()), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_older_run_never_overwrites_a_newer_one_and_duplicates_are_cleaned() {
    let (d, base, head) = pull_request();
    let newer = "9999999999999999999999999999999999999999";
    // A comment for a newer head exists, and the PR's head is that newer commit: skip.
    let server = github(vec![ours(5, newer, "newer")]).await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/billing/pulls/42"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"number": 42, "head": {"sha": newer, "ref": "loosen-latency"}})),
        )
        .mount(&server)
        .await;
    created(&server, "", 0).await;
    no_patch_or_delete(&server).await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("a newer run owns the comment"), "{}", out.stderr);
    // Two of ours (a race): the oldest is updated, the other deleted.
    let server = MockServer::start().await;
    live_head(&server, "", &head).await;
    user_is_forbidden(&server, "").await;
    let old = |id| ours(id, &head, "old");
    comments(&server, "", vec![old(11), old(12)]).await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/billing/issues/comments/11"))
        .respond_with(ResponseTemplate::new(200).set_body_json(old(11)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/repos/acme/billing/issues/comments/12"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_failures_exit_3_after_printing_the_summary() {
    let (d, base, head) = pull_request();
    let server = MockServer::start().await;
    live_head(&server, "", &head).await;
    user_is_forbidden(&server, "").await;
    Mock::given(method("GET"))
        .and(path(list_path("")))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .mount(&server)
        .await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    assert!(out.stdout.contains("Support plan summary"), "{}", out.stdout);
    assert!(out.stderr.contains("GitHub answered 404: Not Found"), "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_plan_change_creates_nothing() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.write("src.rs", "fn main() {}\n");
    let head = d.commit("code only", 2);
    let server = github(vec![]).await;
    live_head(&server, "", &head).await;
    created(&server, "", 0).await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("skip: no plan changed and there is no comment to update"), "{}", out.stderr);
}

/// The body `plan comment --dry-run` prints (no token: nothing is read or written).
fn dry_body(d: &Dir, base: &str, head: &str) -> String {
    dry_body_with(d, base, head, &[])
}

pub fn dry_body_with(d: &Dir, base: &str, head: &str, extra: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args([
            "comment",
            "--repo",
            "acme/billing",
            "--pr",
            "42",
            "--base",
            base,
            "--head",
            head,
            "--now",
            NOW,
            "--dry-run",
        ])
        .args(extra)
        .current_dir(d.path())
        .env("NO_COLOR", "1")
        .env("GITHUB_TOKEN", "")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("would list the comments of acme/billing#42"), "{stdout}");
    stdout.split("\n---\n").next().unwrap().to_owned()
}

#[test]
fn markdown_no_plan_change() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.write("src.rs", "fn main() {}\n");
    let head = d.commit("code", 2);
    insta::assert_snapshot!("comment_no_change", dry_body(&d, &base, &head));
}

#[test]
fn markdown_small_change_with_untrusted_text() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.edit(
        "support-plan.toml",
        "text = \"Customers pay without noticeable delay.\"",
        "text = \"Customers pay fast | ping @acme/oncall <!-- supportplan:comment:v1 key=default head=x --> <b>now</b>\"",
    );
    let head = d.commit("reword", 2);
    let body = dry_body(&d, &base, &head);
    assert!(!body.contains("@acme"), "mentions are neutralised: {body}");
    assert_eq!(body.matches("<!-- supportplan").count(), 1, "only our own marker: {body}");
    assert!(!body.contains("<b>"), "{body}");
    insta::assert_snapshot!("comment_small_change", body);
}

#[test]
fn markdown_breaking_change_with_failing_check() {
    let (d, base, head) = pull_request();
    insta::assert_snapshot!("comment_breaking_with_failing_check", dry_body(&d, &base, &head));
}

#[test]
fn markdown_of_500_changed_plans_is_shrunk_to_fit() {
    use supportplan::comment::{GITHUB_COMMENT_LIMIT, Summary, render};
    use supportplan::diff::{Side, diff_pair};
    use supportplan::plan::{Source, load};
    use supportplan::report::{DiffReport, RevLabel};
    let text = example();
    let before = load(Source::new("a", None, text.clone())).unwrap();
    let after = load(Source::new("a", None, {
        let t = replace_once(&text, "availability_pct = 99.5", "availability_pct = 99.0");
        let t = replace_once(&t, "restore = \"4h\"", "restore = \"8h\"");
        replace_once(&t, "issued by the 2nd business day", "issued by the 3rd business day")
    }))
    .unwrap();
    let mut plans = Vec::new();
    for i in 0..500 {
        let (mut b, mut a) = (before.clone(), after.clone());
        b.plan.plan.product = format!("service-{i:03}");
        a.plan.plan.product = b.plan.plan.product.clone();
        let path = format!("services/service-{i:03}/support-plan.toml");
        plans.push(diff_pair(Some(Side { path: &path, plan: &b }), Some(Side { path: &path, plan: &a })).unwrap());
    }
    let diff = DiffReport {
        base: RevLabel { spec: "main".into(), commit: Some("1".repeat(40)) },
        head: RevLabel { spec: "feature".into(), commit: Some("2".repeat(40)) },
        plans,
        notices: vec![],
    };
    let body = render(
        &Summary { key: "default", diff: &diff, check: None, gate: None, blob_base: None },
        GITHUB_COMMENT_LIMIT,
    );
    assert!(body.chars().count() <= GITHUB_COMMENT_LIMIT, "{}", body.chars().count());
    assert!(body.contains("500 plans changed · 1000 breaking changes"), "{}", &body[..400]);
    assert_eq!(body.matches("<details>").count(), body.matches("</details>").count(), "no cut through a <details>");
    insta::assert_snapshot!("comment_500_plans", body);
}

#[test]
fn a_gate_preview_on_head() {
    let (d, base, head) = pull_request();
    let body = dry_body_with(&d, &base, &head, &["--gate"]);
    // What the pull request can decide blocks; what only a release can show is pending.
    assert!(body.contains("gate preview: **would block** · at release: 5"), "{body}");
    assert!(body.contains("| `acme-billing` | `step:qa` | error | evidence `unit`: no file matches"), "{body}");
    assert!(body.contains("| `acme-billing` | `step:review-board` | at release | at release: no approval record at .support-plan/approvals/&lt;version&gt;.toml"), "{body}");
    assert!(body.contains("| `acme-billing` | `strategy/release-branch` | at release |"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_plan_change_turns_an_existing_comment_into_no_changes() {
    let d = Dir::git();
    d.write("support-plan.toml", example());
    let base = d.commit("plan", 1);
    d.write("src.rs", "fn main() {}\n");
    let head = d.commit("code only", 2);
    let server = MockServer::start().await;
    live_head(&server, "", &head).await;
    user_is_forbidden(&server, "").await;
    let old = ours(31, &head, "old summary");
    comments(&server, "", vec![old]).await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/billing/issues/comments/31"))
        .and(body_string_contains("No plan changes in this pull request."))
        .respond_with(ResponseTemplate::new(200).set_body_json(comment(31, BOT, "x")))
        .expect(1)
        .mount(&server)
        .await;
    created(&server, "", 0).await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // --on-no-change delete removes it instead.
    let server = github(vec![ours(31, &head, "old")]).await;
    live_head(&server, "", &head).await;
    Mock::given(method("DELETE"))
        .and(path("/repos/acme/billing/issues/comments/31"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    let out = run(&d, server.uri(), &base, &head, &["--on-no-change", "delete"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn modes_new_and_delete_and_new() {
    let (d, base, head) = pull_request();
    let ours = ours(40, &head, "old");
    // new: always a new comment, the old one stays.
    let server = github(vec![ours.clone()]).await;
    live_head(&server, "", &head).await;
    created(&server, "", 1).await;
    no_patch_or_delete(&server).await;
    let out = run(&d, server.uri(), &base, &head, &["--mode", "new"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    // delete-and-new: the old one goes, a new one comes.
    let server = github(vec![ours]).await;
    live_head(&server, "", &head).await;
    Mock::given(method("DELETE"))
        .and(path("/repos/acme/billing/issues/comments/40"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    created(&server, "", 1).await;
    let out = run(&d, server.uri(), &base, &head, &["--mode", "delete-and-new"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
}

/// An API answer is untrusted: its message reaches the log as one line, with control
/// characters shown and no workflow command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hostile_api_error_message_cannot_forge_log_lines() {
    let (d, base, head) = pull_request();
    let server = MockServer::start().await;
    live_head(&server, "", &head).await;
    user_is_forbidden(&server, "").await;
    Mock::given(method("GET"))
        .and(path(list_path("")))
        .respond_with(ResponseTemplate::new(422).set_body_json(
            json!({"message": "bad\n::error::forged-from-api\n##[error]legacy \u{1b}[2J\u{1b}]0;t\u{7}"}),
        ))
        .mount(&server)
        .await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 3, "{}", out.stderr);
    for line in out.stderr.lines().chain(out.stdout.lines()) {
        assert!(!line.trim_start().starts_with("::"), "a forged command: {line}");
        assert!(!line.contains("##[") && !line.contains('\u{1b}') && !line.contains('\u{7}'), "{line:?}");
    }
    assert!(out.stderr.contains("GitHub answered 422: bad␤::error::forged-from-api"), "{}", out.stderr);
}

/// The three races of concurrent runs, against a GitHub whose live head moves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_runs_end_with_one_comment_for_the_newest_head() {
    let (d, base, head) = pull_request();
    let newer = "9999999999999999999999999999999999999999";
    let old = |id| ours(id, &head, "old");

    // 1. The loser's clean-up: our duplicate was deleted by the other run first (404).
    let server = MockServer::start().await;
    user_is_forbidden(&server, "").await;
    live_head(&server, "", &head).await;
    comments(&server, "", vec![old(11), old(12)]).await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/billing/issues/comments/11"))
        .respond_with(ResponseTemplate::new(200).set_body_json(old(11)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/repos/acme/billing/issues/comments/12"))
        .respond_with(ResponseTemplate::new(404).set_body_json(json!({"message": "Not Found"})))
        .expect(1)
        .mount(&server)
        .await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "a 404 on our own duplicate is success: {}", out.stderr);
    assert!(out.stderr.contains("comment 12 was already gone"), "{}", out.stderr);

    // 2. The head moves between two writes: after the update, the clean-up is left to the
    // newer run; nothing built for the old head is written after that.
    let server = MockServer::start().await;
    user_is_forbidden(&server, "").await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/billing/pulls/42"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"number": 42, "head": {"sha": head}})))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    live_head(&server, "", newer).await;
    comments(&server, "", vec![old(11), old(12)]).await;
    Mock::given(method("PATCH"))
        .respond_with(ResponseTemplate::new(200).set_body_json(old(11)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE")).respond_with(ResponseTemplate::new(204)).expect(0).mount(&server).await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("a newer run owns the comment"), "{}", out.stderr);

    // 3. A late run for an older head, when the newer head changes no plan: it creates
    // nothing (and the newer run's "no plan changes" stands).
    let server = MockServer::start().await;
    user_is_forbidden(&server, "").await;
    live_head(&server, "", newer).await;
    comments(&server, "", vec![]).await;
    created(&server, "", 0).await;
    no_patch_or_delete(&server).await;
    let out = run(&d, server.uri(), &base, &head, &[]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stderr.contains("a newer run owns the comment"), "{}", out.stderr);
}

/// `--dry-run` writes nothing, not even the step summary, and with a token it only reads.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_writes_nothing() {
    let (d, base, head) = pull_request();
    let server = MockServer::start().await;
    user_is_forbidden(&server, "").await;
    comments(&server, "", vec![ours(11, &head, "old")]).await;
    created(&server, "", 0).await;
    no_patch_or_delete(&server).await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/billing/pulls/42"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let out = run(&d, server.uri(), &base, &head, &["--dry-run"]).await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.contains("would PATCH /repos/acme/billing/issues/comments/11"), "{}", out.stdout);
    assert!(!d.path().join("step-summary.md").exists(), "a dry run wrote the step summary");
}

/// The fork-friendly job: under `pull_request_target` the clone has the base checked out
/// and the head only as `refs/pull/N/head` (fetched, never checked out). `plan comment`
/// diffs merge-base → head from git objects, and runs nothing of the head's.
#[test]
fn pull_request_target_reads_the_fork_head_from_objects_only() {
    // The fork: a commit that loosens the plan, and tries to run a command.
    let upstream = Dir::git();
    upstream.write("support-plan.toml", example());
    let base = upstream.commit("plan", 1);
    upstream.run_git(&["checkout", "-q", "-b", "fork"]);
    upstream.edit("support-plan.toml", "target = \"250ms\"", "target = \"300ms\"");
    let head = upstream.commit("Loosen latency from a fork", 2);
    upstream.run_git(&["update-ref", "refs/pull/7/head", &head]);
    upstream.run_git(&["checkout", "-q", "main"]);
    upstream.run_git(&["branch", "-D", "fork"]);
    // The workflow's clone: the base checked out, then the pull request's head fetched.
    let clone = Dir::new();
    let url = format!("file://{}", upstream.path().display());
    clone.run_git(&["clone", "-q", "--branch", "main", &url, "."]);
    clone.run_git(&["fetch", "-q", "origin", "+refs/pull/7/head:refs/remotes/pull/7/head"]);
    assert_eq!(clone.read("support-plan.toml"), example(), "the head's files are not checked out");
    let payload = clone.write(
        "event.json",
        serde_json::json!({
            "number": 7,
            "pull_request": {
                "number": 7,
                "head": { "sha": head, "ref": "typo", "repo": { "id": 2, "full_name": "outsider/billing", "fork": true } },
                "base": { "sha": base, "ref": "main", "repo": { "id": 1, "full_name": "acme/billing", "fork": false } }
            },
            "repository": { "id": 1, "full_name": "acme/billing" }
        })
        .to_string(),
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
        .args(["comment", "--now", NOW, "--dry-run"])
        .current_dir(clone.path())
        .env("GITHUB_EVENT_NAME", "pull_request_target")
        .env("GITHUB_EVENT_PATH", &payload)
        .env("GITHUB_REPOSITORY", "acme/billing")
        .env("GITHUB_TOKEN", "")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .unwrap();
    let body = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(body.contains("acceptance.criteria.p95-latency.target 250ms → 300ms"), "{body}");
    assert!(body.contains("breaking: threshold loosened"), "{body}");
}
