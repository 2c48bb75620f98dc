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

/// Reads an event payload. Unknown events give an empty context (flags must fill it in).
pub fn from_event(event_name: &str, payload: &str) -> anyhow::Result<Context> {
    let v: Value = serde_json::from_str(payload).context("the GitHub event payload is not JSON")?;
    let s = |p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_owned);
    let repo = s("/repository/full_name");
    Ok(match event_name {
        "pull_request" | "pull_request_target" => {
            let pr = v
                .pointer("/pull_request/number")
                .and_then(Value::as_u64)
                .or_else(|| v.get("number").and_then(Value::as_u64));
            let base_repo = v.pointer("/pull_request/base/repo/id").and_then(Value::as_u64);
            let head_repo = v.pointer("/pull_request/head/repo/id").and_then(Value::as_u64);
            Context {
                repo,
                pr,
                base_sha: s("/pull_request/base/sha"),
                head_sha: s("/pull_request/head/sha"),
                fork: event_name == "pull_request" && base_repo.is_some() && head_repo != base_repo,
            }
        }
        "merge_group" => Context {
            repo,
            pr: s("/merge_group/head_ref").and_then(|r| pr_from_merge_queue_ref(&r)),
            base_sha: s("/merge_group/base_sha"),
            head_sha: s("/merge_group/head_sha"),
            fork: false,
        },
        "push" => Context {
            repo,
            pr: None,
            base_sha: s("/before").filter(|b| !b.chars().all(|c| c == '0')),
            head_sha: s("/after"),
            fork: false,
        },
        "workflow_run" => {
            let pr = v.pointer("/workflow_run/pull_requests/0/number").and_then(Value::as_u64);
            Context {
                repo,
                pr,
                base_sha: s("/workflow_run/pull_requests/0/base/sha"),
                head_sha: s("/workflow_run/head_sha"),
                fork: v.pointer("/workflow_run/head_repository/id") != v.pointer("/workflow_run/repository/id"),
            }
        }
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
        _ => bail!("`{repo}` is not a repository; write it as OWNER/NAME"),
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
        assert_eq!((c.base_sha.as_deref(), c.head_sha.as_deref()), (Some("BASE_SHA"), Some("HEAD_SHA")));
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
