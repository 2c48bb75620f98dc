//! `plan gate`: the release gate on the plan as committed at the release revision, with
//! evidence from the work tree. Exit 0: the release may proceed; 1: blocked; 2: could not
//! evaluate.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use supportplan::gate::{self, CommandOutcome, GateInput};
use supportplan::git::Repo;
use supportplan::plan::{Measure, ReleaseStep};
use supportplan::{evidence, release, render, snapshot};

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
#[command(group = clap::ArgGroup::new("release").required(true).args(["tag", "release_version"]))]
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
    /// Write the measured metrics to <results_dir>/<version>.json, the next release's baseline.
    #[arg(long)]
    pub write_results: bool,
}

pub fn run(g: &Global, args: &GateArgs) -> anyhow::Result<ExitCode> {
    let repo = Repo::discover(&g.root()?)?;
    let root = repo.work_dir().context("the gate reads evidence from a work tree; this is a bare repository")?;
    let now = today(args.now.as_deref())?;
    let rev = repo.resolve(args.tag.as_deref().or(args.rev.as_deref()).unwrap_or("HEAD"))?;
    let config = snapshot::config_at(&repo, &rev)?;
    let (plans, skipped) = snapshot::plans_at(&repo, &rev)?;
    for s in skipped {
        eprintln!("note: skipped {} at {}: it {}", s.path, rev.spec, s.why);
    }
    let invalid = render::human::load_failures(plans.iter().filter_map(|p| p.as_ref().err()), g.style());
    if !invalid.is_empty() {
        eprint!("{invalid}");
        eprintln!("error: cannot gate: a plan at {} does not load", rev.describe());
        return Ok(ExitCode::from(2));
    }
    let plans: Vec<_> = plans.into_iter().filter_map(Result::ok).collect();
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
    let evidence_dir = args.evidence_dir.clone().unwrap_or_else(|| root.clone());
    let version_of = |p: &supportplan::plan::Plan| -> anyhow::Result<String> {
        match (&args.version, &args.tag) {
            (Some(v), _) => Ok(v.clone()),
            (None, Some(t)) => release::version_from_tag(&p.strategy.release.tag_pattern, t).with_context(|| {
                format!(
                    "tag `{t}` does not match the plan's tag_pattern `{}`; pass --version",
                    p.strategy.release.tag_pattern
                )
            }),
            (None, None) => anyhow::bail!("give --tag TAG or --version V"),
        }
    };
    let run = GateRun {
        repo: &repo,
        rev: &rev,
        config: &config,
        tag: args.tag.as_deref(),
        evidence_dir: &evidence_dir,
        now,
        instant: super::instant(args.now.as_deref(), now),
        verify_approvers: args.verify_approvers == Verify::Git,
        write_results: args.write_results.then_some(root.as_path()),
        run_commands: true,
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
            render::gate::human(&reports, blocked, g.style(), width)
        }
        Format::Json => render::gate::json(&reports, blocked, &now.to_string()),
        Format::Junit => render::gate::junit(&reports),
        Format::Sarif => render::gate::sarif(&reports),
        Format::Markdown => render::gate::markdown(&reports, blocked),
        Format::Github => render::gate::github(&reports, blocked),
    };
    emit(&text)?;
    if args.format != Format::Human && !g.quiet {
        eprintln!(
            "{}{}",
            render::gate::tally(&reports),
            if blocked { " — release BLOCKED" } else { " — release may proceed" }
        );
    }
    Ok(if invalid {
        ExitCode::from(2)
    } else if blocked {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Writes the measured metrics to `<results_dir>/<version>.json` (commit it with the release).
fn write_results(root: &std::path::Path, input: &GateInput) -> anyhow::Result<()> {
    let p = &input.plan.plan;
    let mut metrics = serde_json::Map::new();
    for c in p.acceptance.criteria.values() {
        let metric = match &c.measure {
            Measure::Threshold { metric, .. } | Measure::Baseline { metric, .. } => metric,
            _ => continue,
        };
        if let Ok(values) = gate::metric_values(input, metric)
            && let Some(max) = values.into_iter().reduce(f64::max)
        {
            metrics.insert(metric.clone(), max.into());
        }
    }
    let path = root.join(&p.gate.results_dir).join(format!("{}.json", input.version));
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let body = serde_json::json!({ "version": input.version, "product": p.plan.product, "metrics": metrics });
    std::fs::write(&path, render::json::pretty(&body)).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// Everything one gate run shares across the plans it evaluates.
pub struct GateRun<'a> {
    pub repo: &'a Repo,
    pub rev: &'a supportplan::git::rev::Resolved,
    pub config: &'a supportplan::config::Config,
    pub tag: Option<&'a str>,
    pub evidence_dir: &'a std::path::Path,
    pub now: supportplan::plan::values::Date,
    /// What evidence freshness is measured from (Unix seconds).
    pub instant: i64,
    pub verify_approvers: bool,
    /// Where to write results files, when asked to.
    pub write_results: Option<&'a std::path::Path>,
    /// A release gate runs the plan's commands; a preview never does.
    pub run_commands: bool,
}

impl GateRun<'_> {
    /// Gathers each plan's inputs (evidence, records, facts from git, commands) and evaluates.
    pub fn evaluate(
        &self,
        plans: &[supportplan::plan::LoadedPlan],
        version_of: impl Fn(&supportplan::plan::Plan) -> anyhow::Result<String>,
    ) -> anyhow::Result<Vec<gate::GateReport>> {
        let mut reports = Vec::new();
        for loaded in plans {
            let p = &loaded.plan;
            let version = version_of(p)?;
            let collected = evidence::collect(self.evidence_dir, &p.evidence, self.instant);
            let (approvals, attestations) = release::records(self.repo, self.rev, loaded, &version)?;
            let waivers = release::waivers(self.repo, self.rev, loaded)?;
            let mut facts =
                release::facts(self.repo, self.rev, self.tag, loaded, self.config, self.verify_approvers, &version)?;
            facts.env_ticket = std::env::var("PLAN_CHANGE_TICKET").ok().filter(|t| !t.trim().is_empty());
            let mut commands = BTreeMap::new();
            for (id, step) in &p.release_process.steps {
                if let ReleaseStep::Command { run, timeout, env, .. } = step {
                    let denied: Vec<&String> = env
                        .iter()
                        .filter(|n| !self.config.gate.command_env.contains(n) || gate::command::is_secret_name(n))
                        .collect();
                    let outcome = if !self.run_commands {
                        CommandOutcome::AtRelease
                    } else if !denied.is_empty() {
                        let names = denied.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ");
                        CommandOutcome::Refused(format!(
                            "the step asks for {names}, which .support-plan/config.toml gate.command_env does not allow (secret-looking names never pass)"
                        ))
                    } else {
                        let timeout = std::time::Duration::from_millis(timeout.millis);
                        gate::command::run(run, timeout, self.evidence_dir, env)
                    };
                    commands.insert(id.clone(), outcome);
                }
            }
            let input = GateInput {
                plan: loaded,
                version: version.clone(),
                tag: self.tag.map(str::to_owned),
                today: self.now,
                evidence: &collected,
                approvals,
                attestations,
                waivers,
                facts,
                commands,
                max_waiver_horizon: self.config.gate.waiver_max_horizon,
            };
            reports.push(gate::evaluate(&input));
            if let Some(root) = self.write_results {
                write_results(root, &input)?;
            }
        }
        Ok(reports)
    }
}
