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
                    docs.push(render::document::render(&p.plan));
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
