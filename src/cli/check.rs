//! `plan check`: load the plans, run the rules, print findings.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
use supportplan::report::Severity;
use supportplan::{check, render, workspace};

use super::{Global, emit, exit_code, today};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Error,
    Warning,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Plan files to check (default: every plan in the work tree).
    pub files: Vec<String>,
    /// Check the plans as committed at this revision instead of the work tree.
    #[arg(long, value_name = "REV", conflicts_with = "files")]
    pub rev: Option<String>,
    /// Evaluate date rules as of this date (YYYY-MM-DD), for reproducible results.
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Lowest severity that fails the check (exit 1).
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    pub fail_on: FailOn,
    /// Only the plan with this product id.
    #[arg(long, value_name = "ID")]
    pub plan: Option<String>,
    /// List the rule catalogue and exit.
    #[arg(long)]
    pub list_rules: bool,
    /// With --rev: neither read nor write the results kept in the git directory
    /// (`supportplan/check-cache.json`); parse every plan.
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run(g: &Global, args: &CheckArgs) -> anyhow::Result<ExitCode> {
    let root = g.root()?;
    if args.list_rules {
        let config = match &args.rev {
            Some(spec) => {
                let repo = supportplan::git::Repo::discover(&root)?;
                supportplan::snapshot::config_at(&repo, &repo.resolve(spec)?)?
            }
            None => workspace::read_config(&root)?,
        };
        emit(&list_rules(&config, args.format))?;
        return Ok(ExitCode::SUCCESS);
    }
    let now = today(args.now.as_deref())?;
    let mut cache = None;
    let (mut plans, rev, config) = match &args.rev {
        Some(spec) => {
            let repo = supportplan::git::Repo::discover(&root)?;
            let resolved = repo.resolve(spec)?;
            let config = supportplan::snapshot::config_at(&repo, &resolved)?;
            let (plans, skipped, kept) = checks_at(g, &repo, &resolved, now, !args.no_cache)?;
            cache = kept;
            for s in skipped {
                g.warn(|| format!("note: skipped {} at {}: it {}", s.path, resolved.spec, s.why));
            }
            anyhow::ensure!(!plans.is_empty(), "no plan files at {}", resolved.describe());
            (plans, Some(resolved.describe()), config)
        }
        None => {
            let config = workspace::read_config(&root)?;
            let files = if args.files.is_empty() {
                let (files, skipped) = workspace::discover(&root, &config)?;
                for s in skipped {
                    g.warn(|| format!("note: skipped {}: it {}", supportplan::render::one_line(&s.path), s.why));
                }
                files
            } else {
                args.files.clone()
            };
            if files.is_empty() {
                // In a bare repository there is no work tree to look in.
                if supportplan::git::Repo::discover(&root).is_ok_and(|r| r.work_dir().is_none()) {
                    anyhow::bail!(
                        "{} is a bare repository: it has no work tree; check the plans of a revision with --rev REV",
                        root.display()
                    );
                }
                anyhow::bail!(
                    "no plan files found under {} (looking for support-plan.toml and *.support-plan.toml); create one with `plan init`",
                    root.display()
                );
            }
            let loaded = workspace::load_files(&root, &files)?;
            (supportplan::par::map(&loaded, |p| check::check_one(p, now)), None, config)
        }
    };
    if let Some(id) = &args.plan {
        if !plans.iter().any(|p| p.product.as_ref() == Some(id)) {
            let known = plans.iter().filter_map(|p| p.product.as_deref());
            return Err(super::unknown_plan(id, "here", known));
        }
        plans.retain(|p| p.product.as_ref().is_none_or(|product| product == id));
    }
    let at = args.rev.as_ref().map(|spec| format!(" at {spec}")).unwrap_or_default();
    for p in &plans {
        let how = if p.cached { "kept result of" } else { "read" };
        // A path from a tree may hold control characters: none reaches the terminal.
        g.note(|| render::one_line(&format!("{how} {}{at} ({} bytes)", p.file, p.bytes)));
    }
    let report = check::assemble(plans, now, rev, &config);
    let fail_on = match args.fail_on {
        FailOn::Error => Severity::Error,
        FailOn::Warning => Severity::Warning,
    };
    match args.format {
        Format::Human => emit(&render::human::check(&report, g.style(), g.quiet))?,
        Format::Json => emit(&render::json::check(&report, fail_on))?,
    }
    // After the report: a cache that cannot be written never costs the answer.
    if let Some(Err(e)) = cache.map(check::cache::Cache::save) {
        g.note(|| format!("the check cache was not written: {e}"));
    }
    Ok(exit_code(report.outcome(fail_on)))
}

/// Each plan at a revision checked on its own, in path order, with what discovery skipped:
/// the result kept from an earlier run where the cache has one for the same blob and path
/// (and date and binary), else read, parsed and checked; with the cache to write once the
/// report is out, holding this run's new results.
fn checks_at(
    g: &Global,
    repo: &supportplan::git::Repo,
    rev: &supportplan::git::rev::Resolved,
    now: supportplan::plan::values::Date,
    use_cache: bool,
) -> anyhow::Result<(Vec<check::PlanCheck>, Vec<supportplan::git::tree::Skipped>, Option<check::cache::Cache>)> {
    use supportplan::check::cache::Cache;
    // A replace ref swaps what a blob id reads as; the results are kept by id.
    let use_cache = use_cache && !repo.replaces_objects();
    let cache = use_cache.then(|| {
        let (cache, why) = Cache::open(&repo.common_dir(), now);
        if let Some(why) = why {
            g.note(|| format!("the check cache is not used: {why}"));
        }
        cache
    });
    let (done, skipped) = supportplan::snapshot::each_plan_at(repo, rev, |r, f| {
        // The blob is read whether or not a result is kept for it, so a repository that lost
        // or damaged it says so either way; what a kept result saves is the parse and rules.
        let raw = supportplan::snapshot::read_blob(r, &f.path, f.id, &rev.spec)?;
        if let Some(kept) = cache.as_ref().and_then(|c| c.get(&f.id.to_string(), &f.path, &rev.spec, &raw.source())) {
            return Ok((kept, None));
        }
        Ok((check::check_one(&supportplan::plan::load_one(&raw), now), Some(f.id)))
    })?;
    let cache = cache.map(|mut cache| {
        let kept = done.iter().filter(|(_, id)| id.is_none()).count();
        g.note(|| format!("{kept} of {} plans' results from the check cache", done.len()));
        for (c, id) in &done {
            if let Some(id) = id {
                cache.keep(&id.to_string(), c);
            }
        }
        cache
    });
    Ok((done.into_iter().map(|(c, _)| c).collect(), skipped, cache))
}

/// The rule catalogue with each rule's effective severity in this repository: the rule's
/// own, or the one `.support-plan/config.toml` `[rules]` gives it (and why).
fn list_rules(config: &supportplan::config::Config, format: Format) -> String {
    let rows: Vec<_> = check::catalogue()
        .iter()
        .map(|r| {
            let tuned = config.rules.get(r.id);
            let effective = tuned.map_or(r.severity.as_str(), |o| o.severity.as_str());
            (r, effective, tuned)
        })
        .collect();
    match format {
        Format::Json => {
            let rules: Vec<_> = rows
                .iter()
                .map(|(r, effective, tuned)| {
                    serde_json::json!({
                        "id": r.id,
                        "section": r.section,
                        "summary": r.summary,
                        "default": r.severity.as_str(),
                        "severity": effective,
                        "source": if tuned.is_some() { supportplan::config::CONFIG_PATH } else { "default" },
                        "reason": tuned.map(|o| o.reason.as_str()),
                    })
                })
                .collect();
            render::json::pretty(&serde_json::json!({ "schema": "supportplan/rules/v1", "rules": rules }))
        }
        Format::Human => {
            let mut out = format!("{:<30} {:<8} {:<8} {:<6} {}\n", "rule", "default", "severity", "section", "summary");
            for (r, effective, tuned) in &rows {
                out.push_str(&format!(
                    "{:<30} {:<8} {:<8} {:<6} {}\n",
                    r.id,
                    r.severity.as_str(),
                    effective,
                    r.section,
                    r.summary
                ));
                if let Some(o) = tuned {
                    out.push_str(&format!(
                        "{:<30} set by {}: {}\n",
                        "",
                        supportplan::config::CONFIG_PATH,
                        render::one_line(&o.reason)
                    ));
                }
            }
            out
        }
    }
}
