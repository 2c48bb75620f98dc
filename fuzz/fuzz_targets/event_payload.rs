//! The GitHub event payload reader: any payload under any event name gives a context or an
//! error, and the repository it names passes the OWNER/NAME check or is refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use supportplan::github::context::{check_repo, from_event};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else { return };
    let Ok(payload) = std::str::from_utf8(rest) else { return };
    let events = ["pull_request", "pull_request_target", "merge_group", "workflow_run", "push", "issue_comment"];
    let name = events[usize::from(which) % events.len()];
    if let Ok(ctx) = from_event(name, payload)
        && let Some(repo) = &ctx.repo
        && let Ok((owner, name)) = check_repo(repo)
    {
        for part in [owner, name] {
            assert!(part != "." && part != ".." && !part.contains('/'), "{repo:?} passed as a repository");
        }
    }
});
