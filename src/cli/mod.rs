//! clap definitions and one small function per command that wires the pipeline.

mod check;
#[cfg(feature = "github")]
mod comment;
mod diff;
mod due;
mod fmt;
mod gate;
mod init;
mod log;
#[cfg(feature = "github")]
mod remind;
mod render;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};
use supportplan::render::Style;
use supportplan::report::Outcome;

/// Keep a product's Production Support Plan as TOML in git, and make it do work.
#[derive(Parser, Debug)]
#[command(name = "plan", version, about, propagate_version = true, max_term_width = 100)]
#[command(
    after_help = "Exit codes: 0 done; 1 the answer is no (check or gate failed); 2 could not evaluate; 3 a remote failed."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug)]
pub struct Global {
    /// Run as if started in DIR.
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    /// When to colour output (NO_COLOR is honoured with auto).
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Print only errors.
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Say on stderr what is read: plan files, revisions, evidence.
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write support-plan.toml from a template.
    Init(init::InitArgs),
    /// Validate plans and run the static rules.
    Check(check::CheckArgs),
    /// Rewrite plans in one canonical layout, keeping comments (--check: only report).
    Fmt(fmt::FmtArgs),
    /// Every dated obligation of the plans (reviews, renewals, expiries, tests), as of a day.
    Due(due::DueArgs),
    /// Keep one reminder issue in the repository current with what is due (in GitHub Actions).
    #[cfg(feature = "github")]
    Remind(remind::RemindArgs),
    /// Semantic diff of the plans between two revisions (or a revision and the work tree).
    Diff(diff::DiffArgs),
    /// The release gate: sections 2.1.2–2.1.4 against evidence; exit 1 blocks the release.
    #[command(disable_version_flag = true)]
    Gate(gate::GateArgs),
    /// The pull request's plan summary as one sticky comment (in GitHub Actions).
    #[cfg(feature = "github")]
    Comment(comment::CommentArgs),
    /// The commits that changed plans, newest first, with a semantic summary each.
    Log(log::LogArgs),
    /// Print a plan as a document numbered like the template, with its timeline: Markdown, or one
    /// self-contained HTML page.
    Render(render::RenderArgs),
    /// Print the JSON Schema of the plan format (draft-07, for taplo and editors).
    Schema,
    /// Print shell completions.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page.
    Man,
}

impl Cli {
    /// Whether the command was asked for JSON: then even a failure prints one JSON document.
    pub fn json_requested(&self) -> bool {
        match &self.command {
            Command::Check(a) => a.format == check::Format::Json,
            Command::Diff(a) => a.format == diff::Format::Json,
            Command::Gate(a) => a.format == gate::Format::Json,
            Command::Log(a) => a.format == log::Format::Json,
            Command::Due(a) => a.format == due::Format::Json,
            _ => false,
        }
    }
}

/// `--format json` (or `--format=json`) among raw arguments, for errors before parsing ends.
pub fn json_in_args(args: &[String]) -> bool {
    args.windows(2).any(|w| w[0] == "--format" && w[1] == "json") || args.iter().any(|a| a == "--format=json")
}

impl Global {
    pub fn root(&self) -> anyhow::Result<PathBuf> {
        let dir = match &self.dir {
            Some(d) => d.clone(),
            None => std::env::current_dir().context("reading the current directory")?,
        };
        anyhow::ensure!(dir.is_dir(), "-C {}: not a directory", dir.display());
        Ok(dir)
    }

    /// A note or warning on stderr, unless `--quiet` (errors only).
    pub fn warn(&self, message: impl FnOnce() -> String) {
        if !self.quiet {
            eprintln!("{}", message());
        }
    }

    /// A line on stderr with `--verbose`.
    pub fn note(&self, message: impl FnOnce() -> String) {
        if self.verbose {
            eprintln!("plan: {}", message());
        }
    }

    pub fn style(&self) -> Style {
        let color = match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        };
        Style { color }
    }
}

/// What a streamed write to standard output gave, with the reader gone (`plan log | head`)
/// told apart from every other failure as [`StdoutClosed`].
pub fn to_stdout(written: std::io::Result<()>) -> anyhow::Result<()> {
    match written {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(StdoutClosed.into()),
        written => Ok(written?),
    }
}

/// The reader of standard output stopped reading. Only a command with no verdict (the log)
/// ends on it, and with exit 0: any other broken pipe (to GitHub, say) is an error.
#[derive(Debug)]
pub struct StdoutClosed;

impl std::fmt::Display for StdoutClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("standard output was closed")
    }
}

impl std::error::Error for StdoutClosed {}

/// Writes to stdout through one locked handle.
pub fn emit(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        // The reader stopped reading (`plan check | head`): the answer is still the exit
        // code, which must not turn a failing check into a pass.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => Ok(written?),
    }
}

/// Appends Markdown to the job summary when GitHub Actions gives one (`GITHUB_STEP_SUMMARY`),
/// kept within GitHub's 1 MiB per step (cut at a line, with a note).
pub fn step_summary(markdown: &str) -> anyhow::Result<()> {
    const LIMIT: u64 = 1024 * 1024 - 1024;
    let Some(path) = std::env::var("GITHUB_STEP_SUMMARY").ok().filter(|p| !p.trim().is_empty()) else {
        return Ok(());
    };
    // The summary is a record, not the verdict: a summary that cannot be written is a
    // warning, never a changed exit code.
    if let Err(e) = append_summary(&path, markdown, LIMIT) {
        eprintln!("warning: the job summary was not written: {e:#}");
    }
    Ok(())
}

/// Appends to the job summary file, keeping the whole file within `limit` bytes (other
/// steps of the job may have written to it already).
fn append_summary(path: &str, markdown: &str, limit: u64) -> anyhow::Result<()> {
    let used = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let room = limit.saturating_sub(used) as usize;
    let text = if markdown.len() + 1 > room {
        let note = "\n\n_The rest is cut to fit the job summary's 1 MiB; run the command for all of it._\n";
        let keep = room.saturating_sub(note.len() + 1);
        let mut cut = keep.min(markdown.len());
        while !markdown.is_char_boundary(cut) {
            cut -= 1;
        }
        let cut = markdown[..cut].rfind('\n').unwrap_or(0);
        format!("{}{note}", &markdown[..cut])
    } else {
        markdown.to_owned()
    };
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening GITHUB_STEP_SUMMARY {path}"))?;
    writeln!(f, "{text}").with_context(|| format!("writing GITHUB_STEP_SUMMARY {path}"))
}

pub fn exit_code(outcome: Outcome) -> ExitCode {
    match outcome {
        Outcome::Pass => ExitCode::SUCCESS,
        Outcome::Fail => ExitCode::from(1),
        Outcome::Invalid => ExitCode::from(2),
    }
}

/// Today's date in UTC, unless `--now` says otherwise.
pub fn today(now: Option<&str>) -> anyhow::Result<supportplan::plan::values::Date> {
    use supportplan::plan::values::Date;
    match now {
        Some(text) => Date::parse(text).map_err(|e| anyhow::anyhow!("--now: {e}")),
        None => Ok(Date::from_unix_seconds(jiff::Timestamp::now().as_second())),
    }
}

/// "no plan with product id `x` …; did you mean `y`?": `--plan` that matches nothing is a
/// usage error (exit 2), never an empty, passing answer.
pub fn unknown_plan<'a>(id: &str, place: &str, known: impl IntoIterator<Item = &'a str>) -> anyhow::Error {
    let known: Vec<&str> = known.into_iter().collect();
    let best = supportplan::plan::closest(id, known.iter().copied(), 0.75);
    let hint = match best {
        Some(b) => format!("; did you mean `{b}`?"),
        None if known.is_empty() => "; there are no plans there".into(),
        None => format!("; plans there: {}", known.join(", ")),
    };
    anyhow::Error::new(supportplan::error::ErrorInfo::new(
        "plan",
        format!("no plan with product id `{id}` {place}{hint}"),
    ))
}

/// The instant evidence freshness is measured from: the wall clock, or with `--now DATE` the
/// end of that day (UTC), so that nothing written on that day counts as from the future.
pub fn instant(now: Option<&str>, day: supportplan::plan::values::Date) -> i64 {
    match now {
        Some(_) => supportplan::plan::values::Date::from_unix_seconds(0).days_until(day) * 86_400 + 86_399,
        None => jiff::Timestamp::now().as_second(),
    }
}

pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let g = &cli.global;
    match &cli.command {
        Command::Init(args) => init::run(g, args),
        Command::Check(args) => check::run(g, args),
        Command::Fmt(args) => fmt::run(g, args),
        Command::Due(args) => due::run(g, args),
        #[cfg(feature = "github")]
        Command::Remind(args) => remind::run(g, args),
        Command::Render(args) => render::run(g, args),
        Command::Diff(args) => diff::run(g, args),
        Command::Log(args) => log::run(g, args),
        Command::Gate(args) => gate::run(g, args),
        #[cfg(feature = "github")]
        Command::Comment(args) => comment::run(g, args),
        Command::Schema => {
            emit(&supportplan::schema::plan_schema_text())?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Completions { shell } => {
            let mut buf = Vec::new();
            clap_complete::generate(*shell, &mut Cli::command(), "plan", &mut buf);
            emit(&String::from_utf8_lossy(&buf))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Man => {
            let mut buf = Vec::new();
            clap_mangen::Man::new(Cli::command()).render(&mut buf)?;
            emit(&String::from_utf8_lossy(&buf))?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
    }
}
