//! The GitHub Actions context: repository, pull request, base and head commits, read from
//! the event payload (`pull_request`, `pull_request_target`, `merge_group`, `push`,
//! `workflow_run`). Pure: the caller reads the environment and the file.

use anyhow::{Context as _, bail};
use serde_json::Value;

/// What `plan comment` needs to know about the run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// `owner/name`.
    pub repo: Option<String>,
    pub pr: Option<u64>,
    pub base_sha: Option<String>,
    pub head_sha: Option<String>,
    /// The pull request comes from a fork (its token is read-only).
    pub fork: bool,
}

/// The largest event payload read: GitHub caps webhook payloads at 25 MB.
pub const MAX_PAYLOAD_BYTES: u64 = 25 * 1024 * 1024;

/// Reads an event payload. Unknown events give an empty context (flags must fill it in). A
/// field the event must have, or one that is there with the wrong type (a commit that is not
/// a full hex id, a pull request number that is not a positive integer), is an error naming
/// the field: a payload is never half-read.
pub fn from_event(event_name: &str, payload: &str) -> anyhow::Result<Context> {
    let v: Value = serde_json::from_str(payload).context("the event payload is not JSON")?;
    if !v.is_object() {
        bail!("the event payload is not a JSON object");
    }
    let field = |p: &str, what: &str| -> anyhow::Result<Option<&Value>> {
        match v.pointer(p) {
            None | Some(Value::Null) => Ok(None),
            Some(x) if what == "string" && !x.is_string() => bail!("`{p}` in the event payload is not a string"),
            Some(x) => Ok(Some(x)),
        }
    };
    let sha = |p: &str| -> anyhow::Result<Option<String>> {
        let Some(x) = field(p, "string")? else { return Ok(None) };
        let text = x.as_str().unwrap_or_default();
        let hex = text.chars().all(|c| c.is_ascii_hexdigit());
        if !hex || !(text.len() == 40 || text.len() == 64) {
            bail!("`{p}` in the event payload is not a full commit id: {}", crate::render::one_line(text));
        }
        Ok(Some(text.to_ascii_lowercase()))
    };
    let number = |p: &str| -> anyhow::Result<Option<u64>> {
        let Some(x) = field(p, "number")? else { return Ok(None) };
        match x.as_u64() {
            Some(n) if n > 0 => Ok(Some(n)),
            _ => bail!(
                "`{p}` in the event payload is not a pull request number: {}",
                crate::render::one_line(&x.to_string())
            ),
        }
    };
    let repo = match field("/repository/full_name", "string")? {
        Some(r) => {
            let r = r.as_str().unwrap_or_default();
            check_repo(r)?;
            Some(r.to_owned())
        }
        None => None,
    };
    let required = |x: Option<String>, p: &str| -> anyhow::Result<Option<String>> {
        if x.is_none() {
            bail!("the {event_name} event payload has no `{p}`");
        }
        Ok(x)
    };
    Ok(match event_name {
        "pull_request" | "pull_request_target" => {
            let pr = match number("/pull_request/number")? {
                Some(n) => Some(n),
                None => number("/number")?,
            };
            if pr.is_none() {
                bail!("the {event_name} event payload has no `/pull_request/number`");
            }
            let base_repo = v.pointer("/pull_request/base/repo/id").and_then(Value::as_u64);
            let head_repo = v.pointer("/pull_request/head/repo/id").and_then(Value::as_u64);
            Context {
                repo: required(repo, "/repository/full_name")?,
                pr,
                base_sha: required(sha("/pull_request/base/sha")?, "/pull_request/base/sha")?,
                head_sha: required(sha("/pull_request/head/sha")?, "/pull_request/head/sha")?,
                fork: event_name == "pull_request" && base_repo.is_some() && head_repo != base_repo,
            }
        }
        "merge_group" => Context {
            repo,
            pr: field("/merge_group/head_ref", "string")?
                .and_then(Value::as_str)
                .and_then(pr_from_merge_queue_ref)
                .filter(|n| *n > 0),
            base_sha: sha("/merge_group/base_sha")?,
            head_sha: sha("/merge_group/head_sha")?,
            fork: false,
        },
        "push" => Context {
            repo,
            pr: None,
            base_sha: sha("/before")?.filter(|b| !b.chars().all(|c| c == '0')),
            head_sha: sha("/after")?,
            fork: false,
        },
        "workflow_run" => Context {
            repo,
            pr: number("/workflow_run/pull_requests/0/number")?,
            base_sha: sha("/workflow_run/pull_requests/0/base/sha")?,
            head_sha: sha("/workflow_run/head_sha")?,
            fork: v.pointer("/workflow_run/head_repository/id") != v.pointer("/workflow_run/repository/id"),
        },
        _ => Context { repo, ..Context::default() },
    })
}

/// `refs/heads/gh-readonly-queue/main/pr-123-<sha>` → 123.
fn pr_from_merge_queue_ref(r: &str) -> Option<u64> {
    let part = r.rsplit('/').next()?;
    part.strip_prefix("pr-")?.split('-').next()?.parse().ok()
}

/// Checks `owner/name`.
pub fn check_repo(repo: &str) -> anyhow::Result<(&str, &str)> {
    // GitHub owners and names: letters, digits, `-`, `_`, `.`; never `.` or `..` alone
    // (they would walk the API's paths).
    let ok = |s: &str| {
        !s.is_empty()
            && s != "."
            && s != ".."
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    match repo.split_once('/') {
        Some((o, n)) if ok(o) && ok(n) => Ok((o, n)),
        _ => bail!("`{}` is not a repository; write it as OWNER/NAME", crate::render::one_line(repo)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn merge_queue_refs() {
        assert_eq!(super::pr_from_merge_queue_ref("refs/heads/gh-readonly-queue/main/pr-42-abc123"), Some(42));
    }
}

#[cfg(test)]
mod payloads {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!("{}/tests/fixtures/github/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
    }

    #[test]
    fn pull_request_synchronize() {
        let c = from_event("pull_request", &fixture("pull_request.synchronize.json")).unwrap();
        assert_eq!((c.repo.as_deref(), c.pr, c.fork), (Some("acme/billing"), Some(42), false));
        assert_eq!(
            (c.base_sha.as_deref(), c.head_sha.as_deref()),
            (Some("0f1e2d3c4b5a69788796a5b4c3d2e1f001122334"), Some("5a8c1f0e2b3d4c6e7f8091a2b3c4d5e6f7081920"))
        );
    }

    #[test]
    fn pull_request_target_from_a_fork() {
        let c = from_event("pull_request_target", &fixture("pull_request_target.opened.json")).unwrap();
        assert_eq!(c.pr, Some(77));
        assert_eq!(c.head_sha.as_deref(), Some("abcdefabcdefabcdefabcdefabcdefabcdefabcd"));
        // pull_request_target runs with the base repository's token: not read-only.
        assert!(!c.fork);
        let c = from_event("pull_request", &fixture("pull_request_target.opened.json")).unwrap();
        assert!(c.fork, "the same pull request under `pull_request` comes from a fork");
    }

    #[test]
    fn merge_group() {
        let c = from_event("merge_group", &fixture("merge_group.checks_requested.json")).unwrap();
        assert_eq!(c.pr, Some(42));
        assert_eq!(c.head_sha.as_deref(), Some("fedcba9876543210fedcba9876543210fedcba98"));
        assert_eq!(c.base_sha.as_deref(), Some("0123456789012345678901234567890123456789"));
    }

    #[test]
    fn not_json_is_an_error() {
        assert!(from_event("pull_request", "nope").unwrap_err().to_string().contains("not JSON"));
    }
}
