//! `plan remind`: keeps one reminder issue in the repository current with what is due.

use std::process::ExitCode;

use clap::Args;
use supportplan::due::{Obligation, State};
use supportplan::github::client::Client;
use supportplan::github::{context, remind};
use supportplan::plan::values::Period;
use supportplan::workspace;

use super::{Global, emit, today};

#[derive(Args, Debug)]
pub struct RemindArgs {
    /// OWNER/NAME (default: GITHUB_REPOSITORY).
    #[arg(long, value_name = "O/R")]
    pub repo: Option<String>,
    /// What counts as due (default: [remind] within in .support-plan/config.toml, else 30d).
    #[arg(long, value_name = "PERIOD")]
    pub within: Option<String>,
    /// The day to judge from (YYYY-MM-DD; default today, UTC).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    /// The login the token writes as (default: asked from GitHub, else github-actions[bot]).
    #[arg(long, value_name = "LOGIN")]
    pub bot_login: Option<String>,
    /// Print the issue body and the API calls it would make; with a token it reads the
    /// issues to say so, and writes nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// The body's size budget (GitHub refuses bodies over 65,536 characters).
const BUDGET: usize = 60_000;

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub fn run(g: &Global, args: &RemindArgs) -> anyhow::Result<ExitCode> {
    let root = g.root()?;
    let config = workspace::read_config(&root)?;
    let now = today(args.now.as_deref())?;
    let within_text = args.within.clone().unwrap_or_else(|| config.remind.within.clone());
    let within = Period::parse(&within_text).map_err(|e| anyhow::anyhow!("--within: {e}"))?;
    let repo_name = args.repo.clone().or_else(|| env("GITHUB_REPOSITORY"));
    let repo_name =
        anyhow::Context::context(repo_name, "no repository: pass --repo OWNER/NAME (or run in GitHub Actions)")?;
    let (owner, name) = context::check_repo(&repo_name)?;
    let (all, broken) = super::due::collect(g, &root, now, within, None)?;
    if broken {
        // A plan that does not load has deadlines nobody can see: the issue is left as it
        // is (never closed or shortened on a partial list), and the run fails.
        eprintln!("error: a plan does not load (above), so the reminder issue was left unchanged");
        return Ok(ExitCode::from(2));
    }
    let due = all.iter().any(|o| o.state != State::Later);
    let body = body(&all, &within_text, config.remind.mention_owners);
    let request = remind::Request {
        owner,
        repo: name,
        label: &config.remind.label,
        title: "Support plan: obligations due",
        body: &body,
        due,
        bot_login: args.bot_login.as_deref(),
        dry_run: args.dry_run,
    };
    let Some(token) = env("GITHUB_TOKEN").map(|t| t.trim().to_owned()) else {
        if args.dry_run {
            emit(&format!(
                "{body}\n---\nwould find the reminder issue of {owner}/{name} and bring it up to date (no GITHUB_TOKEN, so nothing was read)\n"
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        emit(&body)?;
        anyhow::bail!("GITHUB_TOKEN is not set (or empty); the reminder above was not posted");
    };
    let api = env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
    let client = match Client::new(&api, &token) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {}", e.to_string().replace(&token, "***"));
            return Ok(ExitCode::from(3));
        }
    };
    let token_free = |s: String| s.replace(&token, "***");
    match remind::sync(&client, &request) {
        Ok(outcome) => {
            if args.dry_run {
                emit(&format!("{body}\n---\n{}\n", outcome.actions.join("\n")))?;
            } else {
                for a in &outcome.actions {
                    g.warn(|| supportplan::render::one_line(&token_free(a.clone())));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            emit(&body)?;
            eprintln!(
                "error: updating the reminder issue of {owner}/{name}: {}",
                supportplan::render::one_line(&token_free(e.to_string()))
            );
            Ok(ExitCode::from(3))
        }
    }
}

/// The issue body: the marker, the checklist by state, and (only when the repository asks
/// for it) the owners' handles as mentions.
fn body(all: &[Obligation], within: &str, mention: bool) -> String {
    let mut text = format!("{}\n{}", remind::MARKER, super::due::markdown_as_of(all, None, within));
    if text.len() > BUDGET {
        let cut = text[..BUDGET].rfind("\n- [ ]").unwrap_or(BUDGET);
        text.truncate(cut);
        text.push_str("\n\n_More obligations than fit in one issue: run `plan due` for all of them._\n");
    }
    if mention {
        let mut handles: Vec<String> = all
            .iter()
            .filter(|o| o.state != State::Later)
            .filter_map(|o| o.owner.as_ref()?.handle.clone())
            // A team's handle is its members' handles, space-separated; a person's is one.
            // Only what GitHub reads as one handle is mentioned (`plan check` reports the
            // rest): `@alice x` mentions nobody, not `@x`.
            .flat_map(|h| {
                let words: Vec<&str> = h.split(' ').collect();
                let each_valid = words.iter().all(|w| supportplan::plan::github_handle(w).is_some());
                if each_valid { words.iter().map(|w| w.to_string()).collect() } else { Vec::new() }
            })
            .map(|h| h.trim_start_matches('@').to_owned())
            .collect();
        handles.sort();
        handles.dedup();
        if !handles.is_empty() {
            let list: Vec<String> = handles.iter().map(|h| format!("@{h}")).collect();
            text.push_str(&format!("\nOwners: {}\n", list.join(" ")));
        }
    }
    text
}
