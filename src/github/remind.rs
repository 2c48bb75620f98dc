//! The reminder issue: one issue in the repository that keeps itself current with what is
//! due. Found by its label, a hidden marker and our own identity (an issue a person wrote
//! that quotes the marker is never touched); created when something is due, updated in
//! place (no write when nothing changed), closed when nothing is due, reopened when
//! something falls due again.

use serde::Deserialize;

use super::client::{ApiError, Client, User};

/// The hidden marker the reminder issue's body starts with.
pub const MARKER: &str = "<!-- supportplan:remind:v1 -->";

#[derive(Debug, Clone, Deserialize)]
struct Issue {
    number: u64,
    state: String,
    body: Option<String>,
    user: Option<User>,
    /// Present on pull requests, which the issues API lists too.
    pull_request: Option<serde_json::Value>,
}

pub struct Request<'a> {
    pub owner: &'a str,
    pub repo: &'a str,
    pub label: &'a str,
    pub title: &'a str,
    /// The whole body, starting with [`MARKER`].
    pub body: &'a str,
    /// Whether anything is overdue or due: the issue should be open.
    pub due: bool,
    /// The login we write as (default: asked from GitHub, else `github-actions[bot]`).
    pub bot_login: Option<&'a str>,
    /// Read, never write.
    pub dry_run: bool,
}

/// What was done (or, in a dry run, would be), as API calls.
#[derive(Debug, Default)]
pub struct Outcome {
    pub actions: Vec<String>,
    /// The issue's number, when there is one.
    pub number: Option<u64>,
}

/// Brings the reminder issue to the state the obligations ask for.
pub fn sync(client: &Client, req: &Request) -> Result<Outcome, ApiError> {
    let mut out = Outcome::default();
    // Who we are. An Actions or App token cannot read /user: then any bot's issue with our
    // marker is ours (people are never bots).
    let login: Option<String> = match req.bot_login {
        Some(l) => Some(l.to_owned()),
        None => {
            out.actions.push("GET /user".into());
            match client.get_json::<User>("/user") {
                Ok(u) => Some(u.login),
                Err(e) if matches!(e.status, 401 | 403 | 404) => None,
                Err(e) => return Err(e),
            }
        }
    };
    let is_us = |author: &str| match &login {
        Some(l) => author == l,
        None => author.ends_with("[bot]"),
    };
    let base = format!("/repos/{}/{}", req.owner, req.repo);
    let list = format!("{base}/issues?state=all&labels={}&per_page=100", encode(req.label));
    out.actions.push(format!("GET {list} (every page)"));
    let issues: Vec<Issue> = client.get_all(&list)?;
    // Ours: an issue (not a pull request) we wrote, whose body starts with the marker. The
    // oldest wins; the rest are left alone (a person may have copied the body).
    let ours = issues
        .into_iter()
        .filter(|i| i.pull_request.is_none())
        .filter(|i| i.user.as_ref().is_some_and(|u| is_us(&u.login)))
        .filter(|i| i.body.as_deref().is_some_and(|b| b.trim_start().starts_with(MARKER)))
        .min_by_key(|i| i.number);
    let write = |out: &mut Outcome, method: &str, uri: String, body: serde_json::Value| -> Result<(), ApiError> {
        out.actions.push(format!("{method} {uri}"));
        if req.dry_run {
            return Ok(());
        }
        match method {
            "POST" => client.post(&uri, &body).map(|_| ()),
            _ => client.patch(&uri, &body).map(|_| ()),
        }
    };
    match (ours, req.due) {
        (None, false) => {}
        (None, true) => {
            let created = serde_json::json!({ "title": req.title, "body": req.body, "labels": [req.label] });
            write(&mut out, "POST", format!("{base}/issues"), created)?;
        }
        (Some(issue), due) => {
            out.number = Some(issue.number);
            let uri = format!("{base}/issues/{}", issue.number);
            let open = issue.state == "open";
            let same = issue.body.as_deref() == Some(req.body);
            match (open, due) {
                (true, true) if same => {}
                (true, true) => write(&mut out, "PATCH", uri, serde_json::json!({ "body": req.body }))?,
                (false, true) => {
                    write(&mut out, "PATCH", uri, serde_json::json!({ "state": "open", "body": req.body }))?
                }
                (true, false) => write(
                    &mut out,
                    "PATCH",
                    uri,
                    serde_json::json!({ "state": "closed", "state_reason": "completed", "body": req.body }),
                )?,
                (false, false) if same => {}
                (false, false) => write(&mut out, "PATCH", uri, serde_json::json!({ "body": req.body }))?,
            }
        }
    }
    Ok(out)
}

/// A label in a query string.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
