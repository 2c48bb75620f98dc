//! `plan remind` against a local HTTP server standing in for GitHub (wiremock): the
//! reminder issue's lifecycle (create → update → no-op → close → reopen), pagination, an
//! issue a person wrote that quotes the marker, 403 and 422, and mentions only when asked.

use serde_json::{Value, json};
use wiremock::matchers::{body_string_contains, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::support::*;

const TOKEN: &str = "ghs_remindTOKEN0123456789abcdef";
const BOT: &str = "github-actions[bot]";
const MARKER: &str = "<!-- supportplan:remind:v1 -->";

fn issue(number: u64, login: &str, state: &str, body: &str) -> Value {
    json!({
        "number": number, "state": state, "title": "Support plan: obligations due", "body": body,
        "user": { "login": login, "id": 41898282 },
        "labels": [{ "name": "support-plan" }],
        "created_at": "2026-11-01T10:00:00Z"
    })
}

fn repo() -> Dir {
    let d = Dir::git();
    // The restore test is bob's (a person with a GitHub handle).
    d.write("support-plan.toml", example());
    d.edit("support-plan.toml", "owner = \"platform-team\"\nfrequency", "owner = \"bob\"\nfrequency");
    d.commit("plan", 1);
    d
}

async fn run(d: &Dir, api: String, now: &str) -> Output {
    let dir = d.path().to_path_buf();
    let now = now.to_owned();
    tokio::task::spawn_blocking(move || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_plan"))
            .args(["remind", "--repo", "acme/billing", "--now", &now])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .env("GITHUB_TOKEN", TOKEN)
            .env("GITHUB_API_URL", api)
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

async fn user_is_forbidden(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/user"))
        .respond_with(
            ResponseTemplate::new(403).set_body_json(json!({"message": "Resource not accessible by integration"})),
        )
        .mount(server)
        .await;
}

/// The issue list, in two pages joined by `Link`.
async fn issues(server: &MockServer, page1: Vec<Value>, page2: Vec<Value>) {
    let next = format!(
        "<{}/repos/acme/billing/issues?state=all&labels=support-plan&per_page=100&page=2>; rel=\"next\"",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/repos/acme/billing/issues"))
        .and(query_param("page", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page2))
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/repos/acme/billing/issues"))
        .and(query_param("labels", "support-plan"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page1).insert_header("link", next.as_str()))
        .mount(server)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reminder_issue_lifecycle() {
    let d = repo();
    let server = MockServer::start().await;
    // 1. Something is overdue, no issue yet (a pull request and a person's issue that quotes
    // the marker are not ours): created, with the label, the marker and the checklist.
    user_is_forbidden(&server).await;
    let pr =
        json!({"number": 3, "state": "open", "body": MARKER, "user": {"login": BOT}, "pull_request": {"url": "x"}});
    let human = issue(4, "alice", "open", &format!("{MARKER}\nquoted by a person"));
    issues(&server, vec![pr.clone(), human.clone()], vec![]).await;
    Mock::given(method("POST"))
        .and(path("/repos/acme/billing/issues"))
        .and(body_string_contains(MARKER))
        .and(body_string_contains("#### Overdue"))
        .and(body_string_contains("\"labels\":[\"support-plan\"]"))
        .respond_with(ResponseTemplate::new(201).set_body_json(issue(7, BOT, "open", MARKER)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    let out = run(&d, server.uri(), "2027-01-15").await;
    assert_eq!(out.code, 0, "{}", out.stderr);
    server.verify().await;
    let created: Vec<_> =
        server.received_requests().await.unwrap().into_iter().filter(|r| r.method.as_str() == "POST").collect();
    let body: Value = serde_json::from_slice(&created[0].body).unwrap();
    let text = body["body"].as_str().unwrap().to_owned();
    assert!(!text.contains("@bob"), "no mention unless the repository asks: {text}");

    // 2. The issue exists with an older body: updated in place.
    server.reset().await;
    user_is_forbidden(&server).await;
    issues(&server, vec![issue(7, BOT, "open", &format!("{MARKER}\nold"))], vec![]).await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/billing/issues/7"))
        .and(body_string_contains("growth review"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue(7, BOT, "open", MARKER)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201)).expect(0).mount(&server).await;
    assert_eq!(run(&d, server.uri(), "2027-01-15").await.code, 0);
    server.verify().await;

    // 3. Unchanged: no write at all.
    server.reset().await;
    user_is_forbidden(&server).await;
    issues(&server, vec![issue(7, BOT, "open", &text)], vec![]).await;
    Mock::given(method("PATCH")).respond_with(ResponseTemplate::new(200)).expect(0).mount(&server).await;
    Mock::given(method("POST")).respond_with(ResponseTemplate::new(201)).expect(0).mount(&server).await;
    assert_eq!(run(&d, server.uri(), "2027-01-15").await.code, 0);
    server.verify().await;

    // 4. Nothing due: closed.
    server.reset().await;
    user_is_forbidden(&server).await;
    issues(&server, vec![], vec![issue(7, BOT, "open", &text)]).await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/billing/issues/7"))
        .and(body_string_contains("\"state\":\"closed\""))
        .and(body_string_contains("Nothing is due"))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue(7, BOT, "closed", MARKER)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(run(&d, server.uri(), NOW).await.code, 0);
    server.verify().await;

    // 5. Something falls due again: reopened.
    server.reset().await;
    user_is_forbidden(&server).await;
    issues_with_ours_closed(&server, &text).await;
    Mock::given(method("PATCH"))
        .and(path("/repos/acme/billing/issues/9"))
        .and(body_string_contains("\"state\":\"open\""))
        .respond_with(ResponseTemplate::new(200).set_body_json(issue(9, BOT, "open", MARKER)))
        .expect(1)
        .mount(&server)
        .await;
    assert_eq!(run(&d, server.uri(), "2027-01-15").await.code, 0);
    server.verify().await;
}

async fn issues_with_ours_closed(server: &MockServer, text: &str) {
    Mock::given(method("GET"))
        .and(path("/repos/acme/billing/issues"))
        .and(query_param("labels", "support-plan"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![issue(9, BOT, "closed", text)]))
        .with_priority(1)
        .mount(server)
        .await;
}

/// 403 and 422 on the write: exit 3, the reminder printed, the token nowhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_writes_exit_3() {
    let d = repo();
    for status in [403u16, 422] {
        let server = MockServer::start().await;
        user_is_forbidden(&server).await;
        issues(&server, vec![], vec![]).await;
        Mock::given(method("POST"))
            .respond_with(ResponseTemplate::new(status).set_body_json(json!({"message": format!("refused {status}")})))
            .mount(&server)
            .await;
        let out = run(&d, server.uri(), "2027-01-15").await;
        assert_eq!(out.code, 3, "{status}: {}", out.stderr);
        assert!(out.stdout.starts_with(MARKER), "{status}: the reminder is printed");
        assert!(out.stderr.contains(&format!("GitHub answered {status}")), "{}", out.stderr);
    }
}

/// Owners are mentioned only when `.support-plan/config.toml` says `[remind]
/// mention_owners = true`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owners_are_mentioned_only_when_asked() {
    let d = repo();
    d.write(".support-plan/config.toml", "[remind]\nmention_owners = true\n");
    let out = d.plan(&["remind", "--repo", "acme/billing", "--now", "2027-05-01", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    // bob owns the restore test; the billing team's members own the rest.
    let owners = out.stdout.lines().find(|l| l.starts_with("Owners: ")).expect("an owners line");
    assert_eq!(owners, "Owners: @alice @bob @carol", "{}", out.stdout);
    d.write(".support-plan/config.toml", "");
    let out = d.plan(&["remind", "--repo", "acme/billing", "--now", "2027-05-01", "--dry-run"]);
    assert!(!out.stdout.contains("Owners:") && !out.stdout.contains(" @bob"), "{}", out.stdout);
}

/// A plan that does not load leaves the reminder issue as it is: no read, no write (a partial
/// list would close or shorten it), exit 2 — with `--dry-run` too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plan_that_does_not_load_changes_no_issue() {
    let server = MockServer::start().await;
    // Any request at all fails the test when the server is dropped.
    Mock::given(wiremock::matchers::any()).respond_with(ResponseTemplate::new(500)).expect(0).mount(&server).await;
    let d = repo();
    d.edit("support-plan.toml", "renewal_owner = \"finops\"", "renewal_owner = \"nobody\"");
    let out = run(&d, server.uri(), "2027-05-01").await;
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("the reminder issue was left unchanged"), "{}", out.stderr);
    assert!(out.stderr.contains("nobody"), "the plan's error is shown: {}", out.stderr);
    let dry = d.plan(&["remind", "--repo", "acme/billing", "--now", "2027-05-01", "--dry-run"]);
    assert_eq!(dry.code, 2, "{}", dry.stderr);
    assert!(!dry.stdout.contains("Nothing is due"), "{}", dry.stdout);
}

/// Only handles GitHub reads as one are mentioned: `@alice x` mentions nobody (not `@x`), a
/// handle without `@` nobody, a team handle `@org/team` the team.
#[test]
fn only_valid_handles_are_mentioned() {
    let d = repo();
    d.write(".support-plan/config.toml", "[remind]\nmention_owners = true\n");
    d.edit("support-plan.toml", "handle = \"@bob\"", "handle = \"@acme/dba-team\"");
    d.edit("support-plan.toml", "handle = \"@alice\"", "handle = \"@alice x\"");
    d.edit("support-plan.toml", "handle = \"@carol\"", "handle = \"mallory\"");
    let out = d.plan(&["remind", "--repo", "acme/billing", "--now", "2027-05-01", "--dry-run"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let owners = out.stdout.lines().find(|l| l.starts_with("Owners: ")).expect("an owners line");
    assert_eq!(owners, "Owners: @acme/dba-team", "{}", out.stdout);
    // `plan check` reports the two it did not mention.
    let check = d.plan(&["check", "--now", NOW, "--format", "json"]);
    assert!(
        check.stdout.contains("contacts.people.alice.handle") && check.stdout.contains("contacts.people.carol.handle")
    );
}
