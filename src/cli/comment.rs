//! `plan comment`: the pull request's plan summary as one sticky comment. The local result
//! (diff and check) is computed first and always printed or written to the step summary;
//! posting is best effort: a read-only token falls back to the step summary and
//! annotations (exit 0), other GitHub failures exit 3.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use supportplan::comment::{self, GITHUB_COMMENT_LIMIT, Summary};
use supportplan::git::Repo;
use supportplan::github::client::Client;
use supportplan::github::context::{self, Context};
use supportplan::github::sticky::{self, OnNoChange, Request};
use supportplan::report::{DiffReport, RevLabel};
use supportplan::{check, render, snapshot};

use super::{Global, emit, today};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ModeArg {
    Update,
    New,
    DeleteAndNew,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum NoChangeArg {
    Skip,
    Update,
    Delete,
}

#[derive(Args, Debug)]
pub struct CommentArgs {
    /// OWNER/NAME (default: GITHUB_REPOSITORY, or the event payload).
    #[arg(long)]
    pub repo: Option<String>,
    /// Pull request number (default: from the event payload).
    #[arg(long)]
    pub pr: Option<u64>,
    /// Base commit (default: the pull request's base).
    #[arg(long)]
    pub base: Option<String>,
    /// Head commit (default: the pull request's head).
    #[arg(long)]
    pub head: Option<String>,
    #[arg(long, value_enum, default_value_t = ModeArg::Update)]
    pub mode: ModeArg,
    /// When no plan changed: create nothing (and turn an existing comment into "no plan
    /// changes"), always update, or delete our comment.
    #[arg(long, value_enum, default_value_t = NoChangeArg::Skip)]
    pub on_no_change: NoChangeArg,
    /// Tells comments apart when several workflows comment on one pull request.
    #[arg(long, default_value = "default")]
    pub key: String,
    /// The login the token posts as (default: asked from GitHub, else github-actions[bot]).
    #[arg(long)]
    pub bot_login: Option<String>,
    /// Print the body and the API calls it would make. With a token it reads the pull
    /// request's comments to say what it would do; it writes nothing: no comment, no step
    /// summary.
    #[arg(long)]
    pub dry_run: bool,
    /// Add a release gate preview on head (evidence from --evidence-dir).
    #[arg(long)]
    pub gate: bool,
    /// The version the gate preview evaluates (default 0.0.0-pr.N).
    #[arg(long, value_name = "V")]
    pub gate_version: Option<String>,
    /// Where the gate preview finds evidence (default: the repository root).
    #[arg(long, value_name = "DIR")]
    pub evidence_dir: Option<std::path::PathBuf>,
    /// Date for the date rules of the check (YYYY-MM-DD).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

pub fn run(g: &Global, args: &CommentArgs) -> anyhow::Result<ExitCode> {
    let mut ctx = Context::default();
    if let (Some(name), Some(path)) = (env("GITHUB_EVENT_NAME"), env("GITHUB_EVENT_PATH")) {
        let shown = supportplan::render::one_line(&path);
        // Read at most the cap (plus one byte to tell): the path may be a FIFO or /dev/zero.
        let mut bytes = Vec::new();
        std::fs::File::open(&path)
            .and_then(|f| {
                std::io::Read::read_to_end(&mut std::io::Read::take(f, context::MAX_PAYLOAD_BYTES + 1), &mut bytes)
            })
            .with_context(|| format!("reading GITHUB_EVENT_PATH {shown}"))?;
        anyhow::ensure!(
            bytes.len() as u64 <= context::MAX_PAYLOAD_BYTES,
            "GITHUB_EVENT_PATH {shown} is over the {} bytes GitHub sends at most; it was not read",
            context::MAX_PAYLOAD_BYTES
        );
        let payload = String::from_utf8(bytes)
            .with_context(|| format!("reading GITHUB_EVENT_PATH {shown}: the payload is not UTF-8"))?;
        ctx = context::from_event(&name, &payload)
            .with_context(|| format!("GITHUB_EVENT_PATH {shown} ({} event)", supportplan::render::one_line(&name)))?;
    }
    let repo_name = args.repo.clone().or_else(|| env("GITHUB_REPOSITORY")).or(ctx.repo.clone());
    let repo_name = repo_name.context("no repository: pass --repo OWNER/NAME (or run in GitHub Actions)")?;
    let (owner, name) = context::check_repo(&repo_name)?;
    let pr = args.pr.or(ctx.pr).context("no pull request: pass --pr N (or run on a pull_request event)")?;
    let base_spec = args.base.clone().or(ctx.base_sha.clone()).context("no base commit: pass --base REV")?;
    let head_spec = args.head.clone().or(ctx.head_sha.clone()).unwrap_or_else(|| "HEAD".into());

    // The local result: diff merge-base → head, and the rules on head.
    let repo = Repo::discover(&g.root()?)?;
    let head = repo.resolve(&head_spec).with_context(|| {
        format!(
            "the pull request's head {} is not in this clone; under pull_request_target fetch it first: git fetch --no-tags origin +refs/pull/{pr}/head:refs/remotes/pull/{pr}/head",
            render::one_line(&head_spec)
        )
    })?;
    let base = repo.resolve(&format!("{base_spec}...{}", head.id))?;
    let head_side = snapshot::Endpoint::Commit(head.clone());
    // Settled, as in `plan diff`: each changed plan is diffed as it is read.
    let candidates = snapshot::candidates_for(&repo, &base, &head_side, None, true)?;
    eprint!("{}", render::human::load_failures(snapshot::failures(&candidates), g.style()));
    let mut plans = snapshot::compare_candidates(&candidates, "the base", &head_spec, None);
    let records = snapshot::RecordPaths::of_candidates(&candidates);
    drop(candidates);
    plans.extend(snapshot::record_changes(&repo, &base, &head_side, &records)?);
    let diff = DiffReport {
        base: RevLabel { spec: format!("merge-base of {base_spec}"), commit: Some(base.id.to_string()) },
        head: RevLabel { spec: head_spec.clone(), commit: Some(head.id.to_string()) },
        plans,
        notices: vec![],
    };
    let (plans, _) = snapshot::plans_at(&repo, &head)?;
    let now = today(args.now.as_deref())?;
    let config = snapshot::config_at(&repo, &head)?;
    let report = check::check_all(&plans, now, Some(head.describe()), &config);
    let gate_reports = if args.gate {
        // Under pull_request_target the work tree is the base: nothing in it was produced from
        // the head, and the job holds a write token. The preview belongs in the test job.
        anyhow::ensure!(
            env("GITHUB_EVENT_NAME").as_deref() != Some("pull_request_target"),
            "--gate cannot run under pull_request_target: the work tree is the base branch, so no evidence in it comes from the pull request; run the preview in the pull_request job that runs the tests"
        );
        supportplan::gate::run::check_work_tree(&repo, &head, true)?;
        let root = repo.work_dir().context("the gate preview reads evidence from a work tree")?;
        // Relative to -C DIR when it is given, like git's -C.
        let evidence_dir = match &args.evidence_dir {
            Some(d) => g.root()?.join(d),
            None => root.clone(),
        };
        supportplan::evidence::check_dir(&root, &evidence_dir)?;
        let loaded: Vec<_> = plans.iter().filter_map(|p| p.as_ref().ok()).cloned().collect();
        let version = args.gate_version.clone().unwrap_or_else(|| format!("0.0.0-pr.{pr}"));
        let run = supportplan::gate::run::GateRun {
            repo: &repo,
            rev: &head,
            config: &config,
            tag: None,
            evidence_dir: &evidence_dir,
            now,
            instant: super::instant(args.now.as_deref(), now),
            verify_approvers: false,
            write_results: None,
            record_note: None,
            results: Default::default(),
            // The head's plan is the pull request's: its commands never run here.
            mode: supportplan::gate::run::Mode::Preview,
            env_ticket: None,
        };
        Some(run.evaluate(&loaded, |_| Ok(version.clone()))?)
    } else {
        None
    };
    let server = env("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    let summary = Summary {
        key: &args.key,
        diff: &diff,
        check: Some(&report),
        gate: gate_reports.as_deref(),
        blob_base: Some(format!("{server}/{owner}/{name}/blob/{}/", head.id)),
    };
    let body = comment::render(&summary, GITHUB_COMMENT_LIMIT);
    let head_hex = head.id.to_string();
    let no_change = comment::no_changes(&args.key, &head_hex);
    if !args.dry_run {
        super::step_summary(&body)?;
    }
    let request = Request {
        owner,
        repo: name,
        pr,
        key: &args.key,
        head_sha: &head_hex,
        body: &body,
        no_change_body: &no_change,
        plans_changed: !diff.plans.is_empty(),
        mode: match args.mode {
            ModeArg::Update => sticky::Mode::Update,
            ModeArg::New => sticky::Mode::New,
            ModeArg::DeleteAndNew => sticky::Mode::DeleteAndNew,
        },
        on_no_change: match args.on_no_change {
            NoChangeArg::Skip => OnNoChange::Skip,
            NoChangeArg::Update => OnNoChange::Update,
            NoChangeArg::Delete => OnNoChange::Delete,
        },
        bot_login: args.bot_login.as_deref(),
        dry_run: args.dry_run,
    };
    // A token pasted with a trailing newline is still the token.
    let Some(token) = env("GITHUB_TOKEN").map(|t| t.trim().to_owned()) else {
        if args.dry_run {
            emit(&format!(
                "{body}\n---\nwould list the comments of {owner}/{name}#{pr}, then create or update ours (no GITHUB_TOKEN, so nothing was read)\n"
            ))?;
            return Ok(ExitCode::SUCCESS);
        }
        emit(&body)?;
        anyhow::bail!("GITHUB_TOKEN is not set (or empty); the summary above was not posted");
    };
    let api = env("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into());
    let client = match Client::new(&api, &token) {
        Ok(c) => c,
        Err(e) => {
            emit(&body)?;
            eprintln!("error: {}", e.to_string().replace(&token, "***"));
            return Ok(ExitCode::from(3));
        }
    };
    let token_free = |s: String| s.replace(&token, "***");
    match sticky::publish(&client, &request) {
        Ok(outcome) => {
            if args.dry_run {
                emit(&format!("{body}\n---\n{}\n", outcome.actions.join("\n")))?;
            } else if !g.quiet {
                for a in &outcome.actions {
                    eprintln!("{}", supportplan::render::one_line(&token_free(a.clone())));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(e) if e.is_read_only() => {
            // Fork pull requests and read-only tokens: the summary and annotations still work.
            emit(&body)?;
            emit(&render::diff::github_read_only(&diff))?;
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            emit(&body)?;
            // The API's answer is untrusted text: one line, control characters shown.
            eprintln!(
                "error: posting the comment to {owner}/{name}#{pr}: {}",
                supportplan::render::one_line(&token_free(e.to_string()))
            );
            Ok(ExitCode::from(3))
        }
    }
}
