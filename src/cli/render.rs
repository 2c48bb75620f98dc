//! `plan render`: a plan as a Markdown document.

use std::process::ExitCode;

use clap::Args;
use supportplan::{render, workspace};

use super::{Global, emit};

#[derive(Args, Debug)]
pub struct RenderArgs {
    /// Plan file (default: the plans in the work tree).
    pub file: Option<String>,
    /// Only the plan with this product id.
    #[arg(long, value_name = "ID")]
    pub plan: Option<String>,
    /// Render the plans as committed at this revision.
    #[arg(long, value_name = "REV", conflicts_with = "file")]
    pub rev: Option<String>,
    /// The day the timeline marks as today (YYYY-MM-DD; default today, UTC).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
}

pub fn run(g: &Global, args: &RenderArgs) -> anyhow::Result<ExitCode> {
    let root = g.root()?;
    let loaded = match &args.rev {
        // The plans as committed at the revision, read from git objects.
        Some(spec) => {
            let repo = supportplan::git::Repo::discover(&root)?;
            let rev = repo.resolve(spec)?;
            let (plans, skipped) = supportplan::snapshot::plans_at(&repo, &rev)?;
            for s in skipped {
                g.warn(|| format!("note: skipped {} at {}: it {}", render::one_line(&s.path), rev.spec, s.why));
            }
            anyhow::ensure!(!plans.is_empty(), "no plan files at {}", rev.describe());
            plans
        }
        None => {
            let config = workspace::read_config(&root)?;
            let files = match &args.file {
                Some(f) => vec![f.clone()],
                None => {
                    let (files, skipped) = workspace::discover(&root, &config)?;
                    for s in skipped {
                        g.warn(|| format!("note: skipped {}: it {}", render::one_line(&s.path), s.why));
                    }
                    files
                }
            };
            anyhow::ensure!(!files.is_empty(), "no plan files found under {}", root.display());
            workspace::load_files(&root, &files)?
        }
    };
    let mut docs = Vec::new();
    for p in &loaded {
        match p {
            Ok(p) => {
                if args.plan.as_ref().is_none_or(|id| *id == p.plan.plan.product) {
                    let timeline = timeline(&root, args, &p.plan)?;
                    docs.push(render::document::render_with(&p.plan, &timeline));
                }
            }
            Err(failure) => {
                eprint!("{}", render::human::load_failures([failure], g.style()));
                return Ok(ExitCode::from(2));
            }
        }
    }
    if docs.is_empty() {
        let known = loaded.iter().filter_map(|p| p.as_ref().ok()).map(|p| p.plan.plan.product.as_str());
        return Err(super::unknown_plan(args.plan.as_deref().unwrap_or(""), "here", known));
    }
    emit(&docs.join("\n---\n\n"))?;
    Ok(ExitCode::SUCCESS)
}

/// What the timeline adds from the repository: release tags that are versions under the
/// plan's tag pattern (dated by their commits), the waivers' expiries, today.
fn timeline(
    root: &std::path::Path,
    args: &RenderArgs,
    plan: &supportplan::plan::Plan,
) -> anyhow::Result<render::document::Timeline> {
    use supportplan::plan::values::Date;
    let today = super::today(args.now.as_deref())?;
    let mut t = render::document::Timeline { today: Some(today), ..Default::default() };
    let Ok(repo) = supportplan::git::Repo::discover(root) else { return Ok(t) };
    let rev = match &args.rev {
        Some(spec) => Some(repo.resolve(spec)?),
        None => repo.head().ok(),
    };
    let config = match &rev {
        Some(r) => supportplan::snapshot::config_at(&repo, r)?,
        None => workspace::read_config(root)?,
    };
    if let Ok(glob) = globset::Glob::new(&config.release.tag_pattern) {
        for (name, id) in repo.release_tags(&glob.compile_matcher()).unwrap_or_default() {
            if supportplan::release::version_from_tag(&plan.strategy.release.tag_pattern, &name)
                .is_some_and(|v| v.starts_with(|c: char| c.is_ascii_digit()))
                && let Ok(info) = repo.commit_info(id)
            {
                t.releases.push((name, Date::from_unix_seconds(info.time)));
            }
        }
    }
    t.releases.sort_by(|a, b| a.1.cmp(&b.1).then_with(|| a.0.cmp(&b.0)));
    let waiver_text = match (&args.rev, &rev) {
        (Some(_), Some(r)) => {
            repo.read_path(r.id, &plan.gate.waiver_file, 1024 * 1024)?.map(|b| String::from_utf8_lossy(&b).into_owned())
        }
        _ => workspace::read_text(root, &plan.gate.waiver_file, 1024 * 1024)?,
    };
    if let Some(text) = waiver_text
        && let Ok(file) =
            supportplan::gate::records::parse::<supportplan::gate::records::WaiverFile>(&text, &plan.gate.waiver_file)
    {
        t.waivers = file.waivers.iter().map(|(id, w)| (id.clone(), w.expires)).collect();
    }
    Ok(t)
}
