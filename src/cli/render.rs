//! `plan render`: a plan as a Markdown document, or one self-contained HTML page.

use std::process::ExitCode;

use clap::{Args, ValueEnum};
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
    /// markdown (GitHub renders its timeline), or html: one self-contained page with the
    /// timeline as an image, for an intranet, a wiki or a printer.
    #[arg(long, value_enum, default_value_t = RenderFormat::Markdown)]
    pub format: RenderFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderFormat {
    Markdown,
    Html,
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
    let today = super::today(args.now.as_deref())?;
    let history = History::read(g, &root, args.rev.as_deref())?;
    let mut docs = Vec::new();
    for p in &loaded {
        match p {
            Ok(p) => {
                if args.plan.as_ref().is_none_or(|id| *id == p.plan.plan.product) {
                    let timeline = history.timeline(g, &root, &p.plan, today)?;
                    docs.push(render::html::Doc {
                        product: p.plan.plan.product.clone(),
                        markdown: render::document::render_with(&p.plan, &timeline),
                        chart: render::timeline::chart(&p.plan, &timeline),
                    });
                }
            }
            Err(failure) => {
                eprint!("{}", render::human::load_failures([failure], g.style()));
                return Ok(ExitCode::from(2));
            }
        }
    }
    let mut products: Vec<&str> = docs.iter().map(|d| d.product.as_str()).collect();
    products.sort_unstable();
    if let Some(w) = products.windows(2).find(|w| w[0] == w[1]) {
        anyhow::bail!("product id `{}` is used by two plans; every plan needs its own (`plan check` reports it)", w[0]);
    }
    if docs.is_empty() {
        let known = loaded.iter().filter_map(|p| p.as_ref().ok()).map(|p| p.plan.plan.product.as_str());
        return Err(super::unknown_plan(args.plan.as_deref().unwrap_or(""), "here", known));
    }
    match args.format {
        RenderFormat::Markdown => {
            emit(&docs.iter().map(|d| d.markdown.as_str()).collect::<Vec<_>>().join("\n---\n\n"))?
        }
        RenderFormat::Html => emit(&render::html::page(&docs, &today.to_string()))?,
    }
    Ok(ExitCode::SUCCESS)
}

/// What the timeline reads from the repository once for every plan: the release tags the
/// rendered revision contains (dated), and the revision the waivers are read at.
struct History {
    repo: Option<supportplan::git::Repo>,
    /// The revision asked for with `--rev`; the work tree otherwise.
    rev: Option<supportplan::git::rev::Resolved>,
    tags: Vec<supportplan::git::rev::DatedTag>,
}

impl History {
    fn read(g: &Global, root: &std::path::Path, rev: Option<&str>) -> anyhow::Result<History> {
        let Ok(repo) = supportplan::git::Repo::discover(root) else {
            return Ok(History { repo: None, rev: None, tags: Vec::new() });
        };
        let rev = rev.map(|spec| repo.resolve(spec)).transpose()?;
        // Releases are the tags the rendered commit contains: HEAD's for the work tree.
        let from = match &rev {
            Some(r) => Some(r.clone()),
            None => repo.head().ok(),
        };
        let tags = supportplan::release::dated_tags(&repo, from.as_ref())?;
        if repo.is_shallow() {
            g.warn(|| "note: this is a shallow clone: the timeline shows only the releases it holds".into());
        }
        Ok(History { repo: Some(repo), rev, tags })
    }

    /// The plan's releases (tags that are versions under its tag pattern), its waivers'
    /// expiries, today.
    fn timeline(
        &self,
        g: &Global,
        root: &std::path::Path,
        plan: &supportplan::plan::Plan,
        today: supportplan::plan::values::Date,
    ) -> anyhow::Result<render::timeline::Timeline> {
        let releases = supportplan::release::releases_of_plan(&self.tags, &plan.strategy.release.tag_pattern);
        let path = &plan.gate.waiver_file;
        let text = match (&self.repo, &self.rev) {
            (Some(repo), Some(rev)) => {
                repo.read_path(rev.id, path, 1024 * 1024)?.map(|b| String::from_utf8_lossy(&b).into_owned())
            }
            _ => workspace::read_text(root, path, 1024 * 1024)?,
        };
        let parsed =
            text.map(|t| supportplan::gate::records::parse::<supportplan::gate::records::WaiverFile>(&t, path));
        let waivers = match parsed {
            Some(Ok(f)) => f.waivers.iter().map(|(id, w)| (id.clone(), w.expires)).collect(),
            Some(Err(e)) => {
                g.warn(|| format!("note: the timeline shows no waivers: {}", render::one_line(&e)));
                Vec::new()
            }
            None => Vec::new(),
        };
        Ok(render::timeline::Timeline { releases, waivers, today: Some(today) })
    }
}
