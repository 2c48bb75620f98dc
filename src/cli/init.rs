//! `plan init`: write support-plan.toml from an embedded template.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use supportplan::templates;

use super::{Global, emit};

#[derive(Args, Debug)]
pub struct InitArgs {
    /// Template to start from (see --list).
    #[arg(long, short, default_value = "standard")]
    pub template: String,
    /// List the templates and exit.
    #[arg(long)]
    pub list: bool,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
    /// Where to write, relative to the directory.
    #[arg(long, short, default_value = "support-plan.toml")]
    pub output: String,
}

pub fn run(g: &Global, args: &InitArgs) -> anyhow::Result<ExitCode> {
    if args.list {
        let mut out = String::new();
        for t in templates::TEMPLATES {
            out.push_str(&format!("{:<12} {}\n", t.name, t.summary));
        }
        emit(&out)?;
        return Ok(ExitCode::SUCCESS);
    }
    let Some(template) = templates::find(&args.template) else {
        let names: Vec<&str> = templates::TEMPLATES.iter().map(|t| t.name).collect();
        anyhow::bail!("unknown template `{}`; available: {}", args.template, names.join(", "));
    };
    let root = g.root()?;
    let path = root.join(&args.output);
    if path.exists() && !args.force {
        anyhow::bail!("{} already exists; pass --force to overwrite it", args.output);
    }
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    }
    let text = templates::instantiate(template, &args.output);
    std::fs::write(&path, text).with_context(|| format!("writing {}", args.output))?;
    // Editors (taplo, Even Better TOML) validate against the schema the plan points at.
    let schema = root.join(templates::SCHEMA_IN_REPO);
    if let Some(dir) = schema.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    std::fs::write(&schema, supportplan::schema::plan_schema_text())
        .with_context(|| format!("writing {}", templates::SCHEMA_IN_REPO))?;
    if !g.quiet {
        eprintln!(
            "wrote {} from the `{}` template (and {} for editors); fill in the placeholders, then run `plan check`",
            args.output,
            template.name,
            templates::SCHEMA_IN_REPO
        );
    }
    Ok(ExitCode::SUCCESS)
}
