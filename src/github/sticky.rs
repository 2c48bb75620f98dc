//! One sticky comment per pull request: found by our hidden marker (every page scanned),
//! written only by our own identity (a human's comment quoting the marker is never touched),
//! updated in place, left alone when unchanged, never written by a run whose head is no
//! longer the pull request's live head (checked before every write), and duplicates from
//! races removed (the oldest kept; a duplicate another run deleted first is fine).

use serde::Deserialize;

use super::client::{ApiError, Client, Comment};
use crate::comment::parse_marker;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Update,
    New,
    DeleteAndNew,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnNoChange {
    Skip,
    Update,
    Delete,
}

pub struct Request<'a> {
    pub owner: &'a str,
    pub repo: &'a str,
    pub pr: u64,
    pub key: &'a str,
    pub head_sha: &'a str,
    pub body: &'a str,
    /// The body when no plan changed (used to clear an existing comment).
    pub no_change_body: &'a str,
    pub plans_changed: bool,
    pub mode: Mode,
    pub on_no_change: OnNoChange,
    /// The login we post as; found with `GET /user` when not given.
    pub bot_login: Option<&'a str>,
    pub dry_run: bool,
}

/// What happened (or, with `--dry-run`, would happen).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// One line per API call or decision, in order.
    pub actions: Vec<String>,
    pub comment_id: Option<u64>,
}

#[derive(Deserialize)]
struct Pull {
    head: PullHead,
}

#[derive(Deserialize)]
struct PullHead {
    sha: String,
}

/// The login the token acts as; GitHub Actions' token cannot read `/user`.
fn login(client: &Client, req: &Request, out: &mut Outcome) -> Result<String, ApiError> {
    if let Some(l) = req.bot_login {
        return Ok(l.to_owned());
    }
    out.actions.push("GET /user".into());
    match client.get_json::<super::client::User>("/user") {
        Ok(u) => Ok(u.login),
        Err(e) if e.status == 403 || e.status == 401 || e.status == 404 => Ok("github-actions[bot]".into()),
        Err(e) => Err(e),
    }
}

fn ours(comments: &[Comment], login: &str, key: &str) -> Vec<Comment> {
    let mut v: Vec<Comment> = comments
        .iter()
        .filter(|c| c.user.as_ref().is_some_and(|u| u.login == login))
        .filter(|c| c.body.as_deref().and_then(parse_marker).is_some_and(|(k, _)| k == key))
        .cloned()
        .collect();
    v.sort_by_key(|c| c.id);
    v
}

/// Creates, updates or deletes our comment as the request says.
pub fn publish(client: &Client, req: &Request) -> Result<Outcome, ApiError> {
    let mut out = Outcome { actions: vec![], comment_id: None };
    let me = login(client, req, &mut out)?;
    let list = format!("/repos/{}/{}/issues/{}/comments?per_page=100", req.owner, req.repo, req.pr);
    out.actions.push(format!("GET {list} (every page)"));
    let comments: Vec<Comment> = client.get_all(&list)?;
    let mine = ours(&comments, &me, req.key);

    let body = if req.plans_changed { req.body } else { req.no_change_body };
    if !req.plans_changed {
        match req.on_no_change {
            OnNoChange::Skip if mine.is_empty() => {
                out.actions.push("skip: no plan changed and there is no comment to update".into());
                return Ok(out);
            }
            OnNoChange::Delete => {
                for c in &mine {
                    if !delete(client, req, c.id, &mut out)? {
                        return Ok(out);
                    }
                }
                if mine.is_empty() {
                    out.actions.push("skip: no plan changed".into());
                }
                return Ok(out);
            }
            _ => {}
        }
    }
    // Every write below checks the pull request's live head first and stops when it moved:
    // a body built for an older head is never written (a newer run owns the comment).
    match req.mode {
        Mode::New => {
            create(client, req, body, &mut out)?;
        }
        Mode::DeleteAndNew => {
            for c in &mine {
                if !delete(client, req, c.id, &mut out)? {
                    return Ok(out);
                }
            }
            create(client, req, body, &mut out)?;
        }
        Mode::Update => match mine.first() {
            Some(first) => {
                if update(client, req, first, body, &mut out)? {
                    for extra in &mine[1..] {
                        if !delete(client, req, extra.id, &mut out)? {
                            break;
                        }
                    }
                }
            }
            None => {
                if create(client, req, body, &mut out)? && !req.dry_run {
                    // Another run may have created one at the same time: re-read, keep the
                    // oldest, remove the rest.
                    let again: Vec<Comment> = client.get_all(&list)?;
                    let mine = ours(&again, &me, req.key);
                    if mine.len() > 1 {
                        out.actions.push(format!(
                            "reconcile: {} comments of ours after create; keeping the oldest",
                            mine.len()
                        ));
                        if update(client, req, &mine[0], body, &mut out)? {
                            for extra in &mine[1..] {
                                if !delete(client, req, extra.id, &mut out)? {
                                    break;
                                }
                            }
                        }
                    }
                }
            }
        },
    }
    Ok(out)
}

/// Whether this run's head is still the pull request's head; a run for an older head
/// writes nothing. (A dry run reads nothing here: it says it would check.)
fn head_is_live(client: &Client, req: &Request, out: &mut Outcome) -> Result<bool, ApiError> {
    let pull = format!("/repos/{}/{}/pulls/{}", req.owner, req.repo, req.pr);
    if req.dry_run {
        out.actions.push(format!("would GET {pull} (the live head) before writing"));
        return Ok(true);
    }
    out.actions.push(format!("GET {pull} (the live head)"));
    let live: Pull = client.get_json(&pull)?;
    if live.head.sha != req.head_sha {
        out.actions.push(format!(
            "skip: the pull request's head is {}, this run is for {}; a newer run owns the comment",
            short(&live.head.sha),
            short(req.head_sha)
        ));
        return Ok(false);
    }
    Ok(true)
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

/// Each write returns whether the run may go on (false: the head moved; stop writing).
fn create(client: &Client, req: &Request, body: &str, out: &mut Outcome) -> Result<bool, ApiError> {
    if !head_is_live(client, req, out)? {
        return Ok(false);
    }
    let uri = format!("/repos/{}/{}/issues/{}/comments", req.owner, req.repo, req.pr);
    if req.dry_run {
        out.actions.push(format!("would POST {uri} (create the comment)"));
        return Ok(true);
    }
    out.actions.push(format!("POST {uri}"));
    let text = client.post(&uri, &serde_json::json!({ "body": body }))?;
    out.comment_id = serde_json::from_str::<Comment>(&text).ok().map(|c| c.id);
    Ok(true)
}

fn update(client: &Client, req: &Request, existing: &Comment, body: &str, out: &mut Outcome) -> Result<bool, ApiError> {
    out.comment_id = Some(existing.id);
    if existing.body.as_deref() == Some(body) {
        out.actions.push(format!("unchanged: comment {} already says this; no write", existing.id));
        return Ok(true);
    }
    if !head_is_live(client, req, out)? {
        return Ok(false);
    }
    let uri = format!("/repos/{}/{}/issues/comments/{}", req.owner, req.repo, existing.id);
    if req.dry_run {
        out.actions.push(format!("would PATCH {uri} (update the comment)"));
        return Ok(true);
    }
    out.actions.push(format!("PATCH {uri}"));
    client.patch(&uri, &serde_json::json!({ "body": body }))?;
    Ok(true)
}

fn delete(client: &Client, req: &Request, id: u64, out: &mut Outcome) -> Result<bool, ApiError> {
    if !head_is_live(client, req, out)? {
        return Ok(false);
    }
    let uri = format!("/repos/{}/{}/issues/comments/{id}", req.owner, req.repo);
    if req.dry_run {
        out.actions.push(format!("would DELETE {uri}"));
        return Ok(true);
    }
    out.actions.push(format!("DELETE {uri}"));
    match client.delete(&uri) {
        // Another run removed it first: the end state is what this run wanted.
        Err(e) if e.status == 404 => {
            out.actions.push(format!("comment {id} was already gone"));
            Ok(true)
        }
        other => other.map(|()| true),
    }
}
