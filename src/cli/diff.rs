//! `plan diff [BASE [HEAD]]`: semantic diff of the plans between two revisions, or a
//! revision and the work tree.

use std::io::IsTerminal;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use supportplan::git::Repo;
use supportplan::render;
use supportplan::report::{DiffFailOn, DiffReport, RevLabel};
use supportplan::snapshot::{self, Endpoint};

use super::{Global, emit, exit_code};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Markdown,
    Json,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Breaking,
    Notable,
    Any,
    Never,
}

#[derive(Args, Debug)]
pub struct DiffArgs {
    /// Base revision (default: HEAD). Tags, branches, SHAs, HEAD~n, A...B (merge-base).
    pub base: Option<String>,
    /// Head revision (default: the work tree).
    pub head: Option<String>,
    /// Compare the newest release tag reachable from HEAD with HEAD.
    #[arg(long, conflicts_with_all = ["base", "head"])]
    pub since_release: bool,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Exit 1 when a change at or above this impact is found.
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub fail_on: FailOn,
    /// Exit 1 when anything changed (like `git diff --exit-code`).
    #[arg(long)]
    pub exit_code: bool,
    /// Only the plan with this product id.
    #[arg(long, value_name = "ID")]
    pub plan: Option<String>,
}

fn label(e: &Endpoint) -> RevLabel {
    match e {
        Endpoint::Commit(r) => RevLabel { spec: r.spec.clone(), commit: Some(r.id.to_string()) },
        Endpoint::WorkTree => RevLabel { spec: "work tree".into(), commit: None },
    }
}

pub fn run(g: &Global, args: &DiffArgs) -> anyhow::Result<ExitCode> {
    let repo = Repo::discover(&g.root()?)?;
    let (base, head) = if args.since_release {
        let head = repo.head()?;
        let config = snapshot::config_at(&repo, &head)?;
        let glob = globset::Glob::new(&config.release.tag_pattern)
            .with_context(|| format!("release.tag_pattern `{}`", config.release.tag_pattern))?
            .compile_matcher();
        let base = repo.newest_release_tag(head.id, &glob, true)?.with_context(|| {
            let mut msg = format!("no release tag matching `{}` is reachable from HEAD", config.release.tag_pattern);
            if repo.is_shallow() {
                msg.push_str(&format!("; {}", repo.missing_object_hint()));
            }
            msg
        })?;
        (base, Endpoint::Commit(head))
    } else {
        let base = repo.resolve(args.base.as_deref().unwrap_or("HEAD"))?;
        let head = match &args.head {
            Some(h) => Endpoint::Commit(repo.resolve(h)?),
            None => Endpoint::WorkTree,
        };
        (base, head)
    };
    g.note(|| format!("base {} = {}", base.spec, base.id));
    if let Endpoint::Commit(h) = &head {
        g.note(|| format!("head {} = {}", h.spec, h.id));
    }
    // Settled: each changed plan is diffed as it is read, not held until all are.
    let candidates = snapshot::candidates_for(&repo, &base, &head, args.plan.as_deref(), true)?;
    g.note(|| {
        let [old, new] = candidates.counts();
        format!("{old} plan file(s) differ on the base side, {new} on the head side")
    });
    if let Some(id) = &args.plan {
        let products = |set: &[snapshot::Loaded]| -> Vec<String> {
            set.iter().filter_map(|p| p.as_ref().ok()).map(|p| p.plan.plan.product.clone()).collect()
        };
        let mut known = products(&candidates.old);
        known.extend(products(&candidates.new));
        known.extend(candidates.settled.iter().map(|s| s.product.clone()));
        if !known.contains(id) {
            // Not among the changed plans: it must at least exist on one side.
            known.extend(snapshot::products_at(&repo, &Endpoint::Commit(base.clone()))?);
            known.extend(snapshot::products_at(&repo, &head)?);
            known.sort();
            known.dedup();
            if !known.contains(id) {
                let place = format!("at {} or {}", base.describe(), head.label());
                return Err(super::unknown_plan(id, &place, known.iter().map(String::as_str)));
            }
        }
    }
    // The errors as snippets on stderr; the report says "does not load" in every format.
    eprint!("{}", render::human::load_failures(snapshot::failures(&candidates), g.style()));
    let mut plans = snapshot::compare_candidates(&candidates, &base.spec, &head.label(), args.plan.as_deref());
    // The gate's own files (waivers, records, config) judge every plan, `--plan` or not.
    let paths = snapshot::RecordPaths::of_candidates(&candidates);
    plans.extend(snapshot::record_changes(&repo, &base, &head, &paths)?);
    let notices = candidates.skipped.iter().map(|s| format!("skipped {}: it {}", s.path, s.why)).collect();
    let report = DiffReport { base: label(&Endpoint::Commit(base)), head: label(&head), plans, notices };
    match args.format {
        // -q: errors only; the exit code carries the answer (as `git diff --quiet`).
        Format::Human if g.quiet => {}
        Format::Human => {
            let width = if std::io::stdout().is_terminal() { terminal_width() } else { 100 };
            emit(&render::diff::human(&report, g.style(), width))?
        }
        Format::Markdown => emit(&render::diff::markdown(&report))?,
        Format::Json => emit(&render::diff::json(&report))?,
    }
    let fail_on = match (args.exit_code, args.fail_on) {
        (true, _) | (_, FailOn::Any) => DiffFailOn::Any,
        (_, FailOn::Breaking) => DiffFailOn::Breaking,
        (_, FailOn::Notable) => DiffFailOn::Notable,
        (_, FailOn::Never) => DiffFailOn::Never,
    };
    // The process ends here: freeing hundreds of parsed plans one by one would only delay it.
    std::mem::forget(candidates);
    Ok(exit_code(report.outcome(fail_on)))
}

fn terminal_width() -> u16 {
    std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok()).unwrap_or(120)
}
