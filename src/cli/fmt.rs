//! `plan fmt`: rewrites plan files in the canonical layout, keeping comments; `--check`
//! changes nothing and prints what would change.

use std::process::ExitCode;

use clap::Args;
use supportplan::{render, workspace};

use super::{Global, emit};

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Plan files to format (default: every plan in the work tree).
    pub files: Vec<String>,
    /// Change nothing: print a unified diff of what formatting would change, and exit 1 when
    /// anything would.
    #[arg(long)]
    pub check: bool,
}

pub fn run(g: &Global, args: &FmtArgs) -> anyhow::Result<ExitCode> {
    let root = g.root()?;
    let files = if args.files.is_empty() {
        let config = workspace::read_config(&root)?;
        let (files, _) = workspace::discover(&root, &config)?;
        anyhow::ensure!(!files.is_empty(), "no plan files found under {}; create one with `plan init`", root.display());
        files
    } else {
        args.files.clone()
    };
    let (mut changed, mut invalid) = (Vec::new(), false);
    let mut diffs = String::new();
    for rel in &files {
        let raw = workspace::read_file(&root, rel)?;
        let shown = render::one_line(rel);
        let Ok(bytes) = raw.bytes else {
            eprintln!("error: {shown}: over the plan size limit; it was not formatted");
            invalid = true;
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            eprintln!("error: {shown}: not UTF-8; it was not formatted");
            invalid = true;
            continue;
        };
        let formatted = match supportplan::fmt::format(&text) {
            Ok(f) => with_line_endings_of(&text, f),
            Err(e) => {
                let line = e.line.map(|l| format!(":{l}")).unwrap_or_default();
                eprintln!("error: {shown}{line}: {}", render::visible(&e.message));
                invalid = true;
                continue;
            }
        };
        if formatted == text {
            continue;
        }
        changed.push(shown.clone());
        if args.check {
            let diff = similar::TextDiff::from_lines(&text, &formatted);
            diffs.push_str(
                &diff.unified_diff().context_radius(3).header(&format!("a/{shown}"), &format!("b/{shown}")).to_string(),
            );
        } else {
            std::fs::write(root.join(rel), &formatted).map_err(|e| anyhow::anyhow!("writing {shown}: {e}"))?;
        }
    }
    if args.check {
        emit(&render::visible(&diffs))?;
    }
    if !g.quiet {
        let n = changed.len();
        let what = match (args.check, n) {
            (_, 0) => format!("{} already formatted", render::plural(files.len(), "plan file", "plan files")),
            (true, _) => {
                format!("{} would be reformatted: {}", render::plural(n, "plan file", "plan files"), changed.join(", "))
            }
            (false, _) => format!("formatted {}: {}", render::plural(n, "plan file", "plan files"), changed.join(", ")),
        };
        eprintln!("{what}");
    }
    Ok(if invalid {
        ExitCode::from(2)
    } else if args.check && !changed.is_empty() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// A file written with CRLF line endings keeps them.
fn with_line_endings_of(original: &str, formatted: String) -> String {
    let crlf = original.matches("\r\n").count();
    if crlf > 0 && crlf * 2 >= original.matches('\n').count() { formatted.replace('\n', "\r\n") } else { formatted }
}
