//! `plan gate`: the release gate on the plan as committed at the release revision, with
//! evidence from the work tree. Exit 0: the release may proceed; 1: blocked; 2: could not
//! evaluate.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use supportplan::gate::run::{GateRun, Mode};
use supportplan::git::Repo;
use supportplan::{release, render, snapshot};

use super::{Global, emit, today};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Junit,
    Sarif,
    Markdown,
    Github,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Verify {
    None,
    Git,
}

#[derive(Args, Debug)]
#[command(group = clap::ArgGroup::new("release").required(true).args(["tag", "release_version", "preview"]))]
pub struct GateArgs {
    /// The release tag; the version is read from it with the plan's tag_pattern.
    #[arg(long)]
    pub tag: Option<String>,
    /// The version to release (with --rev).
    #[arg(long = "version", id = "release_version", value_name = "V")]
    pub version: Option<String>,
    /// The revision whose plan is gated (default HEAD; with --tag, the tag).
    #[arg(long, conflicts_with = "tag")]
    pub rev: Option<String>,
    /// Gate even when HEAD is not the tag's commit or tracked files differ from it (as
    /// `cargo publish --allow-dirty`): the evidence may then not belong to the release.
    #[arg(long)]
    pub allow_dirty: bool,
    /// A preview, as on a pull request: criteria, tests and rules are judged; checks that can
    /// only hold at release (release branch, approvals, attestations, change tickets,
    /// commands) are listed as "at release" and never block; no plan command is run.
    #[arg(long, conflicts_with = "tag")]
    pub preview: bool,
    /// Where evidence paths are resolved (default: the repository root).
    #[arg(long, value_name = "DIR")]
    pub evidence_dir: Option<PathBuf>,
    /// The release date for date checks (YYYY-MM-DD; default today, UTC).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Only the plan with this product id.
    #[arg(long, value_name = "ID")]
    pub plan: Option<String>,
    /// Require each approver's approval to be committed by their own git identity.
    #[arg(long, value_enum, default_value_t = Verify::None)]
    pub verify_approvers: Verify,
    /// Write the measured metrics to <results_dir>/<version>.json, the next release's
    /// baseline, when the release may proceed.
    #[arg(long, conflicts_with = "preview")]
    pub write_results: bool,
    /// Record the measured metrics on the tag's commit as a git note (refs/notes/support-plan),
    /// the next release's baseline, when the release may proceed; push it with
    /// `git push origin refs/notes/support-plan`.
    #[arg(long, requires = "tag", conflicts_with_all = ["preview", "allow_dirty", "release_version"])]
    pub record_note: bool,
}

/// In GitHub Actions a gate that refuses or cannot evaluate leaves a record too: the job
/// summary says why, and an error annotation points at it.
pub fn run(g: &Global, args: &GateArgs) -> anyhow::Result<ExitCode> {
    let result = gate(g, args);
    if let Err(err) = &result {
        record_refusal(&format!("{err:#}"))?;
    }
    result
}

fn in_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
}

fn record_refusal(message: &str) -> anyhow::Result<()> {
    if !in_actions() {
        return Ok(());
    }
    super::step_summary(&format!(
        "## Release gate: could not evaluate\n\nThe release is blocked: the gate did not run.\n\n{}\n",
        render::markdown::text(message.trim_end()).replace('\n', "  \n")
    ))?;
    eprintln!("::error title=plan gate::{}", render::gate::escape_data(&format!("could not evaluate: {message}")));
    Ok(())
}

fn gate(g: &Global, args: &GateArgs) -> anyhow::Result<ExitCode> {
    let repo = Repo::discover(&g.root()?)?;
    let root = repo.work_dir().context("the gate reads evidence from a work tree; this is a bare repository")?;
    let now = today(args.now.as_deref())?;
    if let Some(tag) = &args.tag {
        anyhow::ensure!(
            repo.has_tag(tag)?,
            "no tag named `{}` in this repository (--tag takes a tag name; for another revision use --rev REV --version V)",
            render::one_line(tag)
        );
    }
    // Like git's -C, paths on the command line are relative to -C DIR when it is given.
    let given_dir = args.evidence_dir.as_ref().map(|d| g.root().map(|r| r.join(d))).transpose()?;
    if let Some(dir) = &given_dir {
        anyhow::ensure!(
            dir.is_dir(),
            "--evidence-dir {}: not a directory; the step that downloads or writes the evidence must run first",
            render::one_line(&args.evidence_dir.as_ref().map(|d| d.display().to_string()).unwrap_or_default())
        );
    }
    let rev = repo.resolve(args.tag.as_deref().or(args.rev.as_deref()).unwrap_or("HEAD"))?;
    // Evidence in the work tree belongs to the gated commit only if the work tree is that
    // commit (in a preview, or the merge commit CI made of it), with no tracked file changed.
    if !args.allow_dirty {
        supportplan::gate::run::check_work_tree(&repo, &rev, args.preview)?;
    }
    let config = snapshot::config_at(&repo, &rev)?;
    let (plans, skipped) = snapshot::plans_at(&repo, &rev)?;
    for s in skipped {
        g.warn(|| format!("note: skipped {} at {}: it {}", s.path, rev.spec, s.why));
    }
    let invalid = render::human::load_failures(plans.iter().filter_map(|p| p.as_ref().err()), g.style());
    if !invalid.is_empty() {
        eprint!("{invalid}");
        let message = format!("cannot gate: a plan at {} does not load", rev.describe());
        eprintln!("error: {message}");
        let plain =
            render::human::load_failures(plans.iter().filter_map(|p| p.as_ref().err()), render::Style { color: false });
        record_refusal(&format!("{message}\n\n{plain}"))?;
        if args.format == Format::Json
            && let Some(failure) = plans.iter().find_map(|p| p.as_ref().err())
        {
            let line =
                failure.diagnostics.first().and_then(|d| d.span.clone()).map(|s| failure.source.line_col(s.start).line);
            let info = supportplan::error::ErrorInfo::new("plan", format!("{message}\n{plain}"))
                .file(failure.source.path.clone(), line)
                .revision(rev.describe());
            emit(&info.to_json())?;
        }
        return Ok(ExitCode::from(2));
    }
    let plans: Vec<_> = plans.into_iter().filter_map(Result::ok).collect();
    // One product, one plan: with two, either could carry the commitments the release is
    // judged by.
    for (i, p) in plans.iter().enumerate() {
        if let Some(other) = plans[..i].iter().find(|o| o.plan.plan.product == p.plan.plan.product) {
            anyhow::bail!(
                "cannot gate: {} and {} at {} both name product `{}`; one product, one plan",
                render::one_line(&other.source.path),
                render::one_line(&p.source.path),
                rev.describe(),
                render::one_line(&p.plan.plan.product)
            );
        }
    }
    if let Some(id) = &args.plan
        && !plans.iter().any(|p| &p.plan.plan.product == id)
    {
        let known = plans.iter().map(|p| p.plan.plan.product.as_str());
        return Err(super::unknown_plan(id, &format!("at {}", rev.describe()), known));
    }
    let plans: Vec<_> =
        plans.into_iter().filter(|p| args.plan.as_ref().is_none_or(|id| &p.plan.plan.product == id)).collect();
    anyhow::ensure!(
        !plans.is_empty(),
        "no plan to gate at {}{}",
        rev.describe(),
        args.plan.as_ref().map(|p| format!(" with id `{p}`")).unwrap_or_default()
    );
    let evidence_dir = given_dir.unwrap_or_else(|| root.clone());
    supportplan::evidence::check_dir(&root, &evidence_dir)?;
    let version_of = |p: &supportplan::plan::Plan| -> anyhow::Result<String> {
        match (&args.version, &args.tag) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(t)) => release::version_from_tag(&p.strategy.release.tag_pattern, t).with_context(|| {
                format!(
                    "tag `{t}` does not match the plan's tag_pattern `{}`; pass --version",
                    p.strategy.release.tag_pattern
                )
            }),
            (None, None) if args.preview => Ok("0.0.0-preview".into()),
            (None, None) => anyhow::bail!("give --tag TAG or --version V (or --preview)"),
        }
    };
    let run = GateRun {
        env_ticket: std::env::var("PLAN_CHANGE_TICKET").ok().filter(|t| !t.trim().is_empty()),
        repo: &repo,
        rev: &rev,
        config: &config,
        tag: args.tag.as_deref(),
        evidence_dir: &evidence_dir,
        now,
        instant: super::instant(args.now.as_deref(), now),
        verify_approvers: args.verify_approvers == Verify::Git,
        write_results: args.write_results.then_some(root.as_path()),
        record_note: args.record_note.then(|| jiff::Timestamp::now().as_second()),
        results: Default::default(),
        mode: if args.preview { Mode::Preview } else { Mode::Release },
    };
    g.note(|| format!("gating {} = {} with evidence from {}", rev.spec, rev.id, evidence_dir.display()));
    let reports = run.evaluate(&plans, version_of)?;
    for r in &reports {
        for f in r.findings.iter().filter(|f| !f.evidence.is_empty()) {
            g.note(|| format!("{}: read {}", f.check, f.evidence.join(", ")));
        }
    }
    // The stricter of the plan's and the repository's settings wins.
    let fail_on_warning = config.gate.fail_on == Some(supportplan::plan::FailOn::Warning)
        || plans.iter().any(|p| p.plan.gate.fail_on == supportplan::plan::FailOn::Warning);
    let blocked = reports.iter().any(|r| r.blocked(fail_on_warning));
    let invalid = reports.iter().any(|r| r.findings.iter().any(|f| f.invalid));
    let text = match args.format {
        Format::Human => {
            let width = if std::io::stdout().is_terminal() { 120 } else { 110 };
            if g.quiet {
                // Errors only: what blocks, and nothing when nothing does.
                let blocking: Vec<_> = reports
                    .iter()
                    .cloned()
                    .map(|mut r| {
                        r.findings.retain(|f| {
                            use supportplan::gate::Status;
                            matches!(f.status, Status::Fail | Status::Error)
                                || (fail_on_warning && f.status == Status::Warn)
                        });
                        r
                    })
                    .filter(|r| !r.findings.is_empty())
                    .collect();
                if blocking.is_empty() {
                    String::new()
                } else {
                    render::gate::human(&blocking, blocked, g.style(), width)
                }
            } else {
                render::gate::human(&reports, blocked, g.style(), width)
            }
        }
        Format::Json => render::gate::json(&reports, blocked, &now.to_string()),
        Format::Junit => render::gate::junit(&reports),
        Format::Sarif => render::gate::sarif(&reports),
        Format::Markdown => render::gate::markdown(&reports, blocked),
        Format::Github => render::gate::github(&reports, blocked),
    };
    emit(&text)?;
    // In GitHub Actions every gate run leaves a record without extra flags: the job summary,
    // and annotations (on stderr, unless they are the chosen output).
    super::step_summary(&render::gate::markdown(&reports, blocked))?;
    let in_actions = in_actions();
    if in_actions && args.format != Format::Github {
        eprint!("{}", render::gate::github(&reports, blocked));
    }
    if args.format != Format::Human && !g.quiet && !in_actions {
        eprintln!("{} — {}", render::gate::tally(&reports), render::gate::verdict(&reports, blocked));
    }
    // The report is out; a recording that fails is said on stderr and in the job summary.
    if let Err(e) = run.record_if_passed(&reports) {
        eprintln!("error: {e:#}");
        record_refusal(&format!("{e:#}"))?;
        return Ok(ExitCode::from(2));
    }
    Ok(if invalid {
        ExitCode::from(2)
    } else if blocked {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
