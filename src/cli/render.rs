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
    let config = workspace::read_config(&root)?;
    let files = match &args.file {
        Some(f) => vec![f.clone()],
        None => {
            let (files, skipped) = workspace::discover(&root, &config)?;
            for s in skipped {
                eprintln!("note: skipped {}: it {}", supportplan::render::one_line(&s.path), s.why);
            }
            files
        }
    };
    anyhow::ensure!(!files.is_empty(), "no plan files found under {}", root.display());
    let mut docs = Vec::new();
    for f in &files {
        match workspace::load_file(&root, f)? {
            Ok(p) => {
                if args.plan.as_ref().is_none_or(|id| *id == p.plan.plan.product) {
                    docs.push(render::document::render(&p.plan));
                }
            }
            Err(failure) => {
                eprint!("{}", render::human::load_failures([&failure], g.style()));
                return Ok(ExitCode::from(2));
            }
        }
    }
    anyhow::ensure!(!docs.is_empty(), "no plan with product id `{}`", args.plan.as_deref().unwrap_or(""));
    emit(&docs.join("\n---\n\n"))?;
    Ok(ExitCode::SUCCESS)
}
