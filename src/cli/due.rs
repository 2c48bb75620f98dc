//! `plan due`: every dated obligation across the repository's plans, as of a day.

use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Args, ValueEnum};
use supportplan::due::{self, Obligation, State};
use supportplan::git::rev::DatedTag;
use supportplan::plan::LoadedPlan;
use supportplan::plan::values::Period;
use supportplan::{render, workspace};

use super::{Global, emit, today};

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Markdown,
    /// An RFC 5545 calendar: one all-day event per obligation, stable UIDs.
    Ics,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq, Eq)]
pub enum FailOn {
    Overdue,
    Never,
}

#[derive(Args, Debug)]
pub struct DueArgs {
    /// What counts as due: obligations within this period from now ("30d", "3mo").
    #[arg(long, value_name = "PERIOD", default_value = "30d")]
    pub within: String,
    /// The day to judge from (YYYY-MM-DD; default today, UTC).
    #[arg(long, value_name = "DATE")]
    pub now: Option<String>,
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Only the plan with this product id.
    #[arg(long, value_name = "ID")]
    pub plan: Option<String>,
    /// Exit 1 when something is overdue.
    #[arg(long, value_enum, default_value_t = FailOn::Never)]
    pub fail_on: FailOn,
}

pub fn run(g: &Global, args: &DueArgs) -> anyhow::Result<ExitCode> {
    let root = g.root()?;
    let now = today(args.now.as_deref())?;
    let within = Period::parse(&args.within).map_err(|e| anyhow::anyhow!("--within: {e}"))?;
    let (all, broken) = collect(g, &root, now, within, args.plan.as_deref())?;
    if broken && args.format == Format::Ics {
        // A calendar others subscribe to is never published with deadlines missing.
        eprintln!("error: the calendar was not written: it would miss the deadlines named above");
        return Ok(ExitCode::from(2));
    }
    let text = match args.format {
        Format::Human => human(&all, g.quiet),
        Format::Json => json(&all, now, &args.within, !broken),
        Format::Markdown => markdown(&all, now, &args.within),
        Format::Ics => supportplan::due::ics(&all, now),
    };
    emit(&text)?;
    let overdue = all.iter().any(|o| o.state == State::Overdue);
    Ok(if broken {
        ExitCode::from(2)
    } else if args.fail_on == FailOn::Overdue && overdue {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Every obligation of the work tree's plans (one plan with `plan`), sorted by date, and
/// whether a plan did not load (its errors are on stderr; the others are listed, then exit 2).
pub fn collect(
    g: &Global,
    root: &std::path::Path,
    now: supportplan::plan::values::Date,
    within: Period,
    plan: Option<&str>,
) -> anyhow::Result<(Vec<Obligation>, bool)> {
    let config = workspace::read_config(root)?;
    let (files, _) = workspace::discover(root, &config)?;
    anyhow::ensure!(!files.is_empty(), "no plan files found under {}; create one with `plan init`", root.display());
    let plans = workspace::load_files(root, &files)?;
    let failures: Vec<_> = plans.iter().filter_map(|p| p.as_ref().err()).collect();
    let broken = !failures.is_empty();
    if broken {
        // The other plans' deadlines still count; the run ends with exit 2.
        eprint!("{}", render::human::load_failures(failures, g.style()));
        g.warn(|| "note: a plan does not load, so its dates are not listed".into());
    }
    let mut loaded: Vec<_> = plans.into_iter().filter_map(Result::ok).collect();
    // The same product twice would give two obligations one id (and one calendar UID).
    loaded
        .sort_by(|a, b| a.plan.plan.product.cmp(&b.plan.plan.product).then_with(|| a.source.path.cmp(&b.source.path)));
    if let Some(w) = loaded.windows(2).find(|w| w[0].plan.plan.product == w[1].plan.plan.product) {
        anyhow::bail!(
            "product id `{}` is used by {} and {}; every plan needs its own (`plan check` reports it)",
            w[0].plan.plan.product,
            w[0].source.path,
            w[1].source.path
        );
    }
    if let Some(id) = plan
        && !loaded.iter().any(|p| p.plan.plan.product == id)
    {
        return Err(super::unknown_plan(id, "here", loaded.iter().map(|p| p.plan.plan.product.as_str())));
    }
    let chosen: Vec<&LoadedPlan> = loaded.iter().filter(|p| plan.is_none_or(|id| p.plan.plan.product == id)).collect();
    let (tags, cut) = dated_tags(root, &chosen)?;
    let mut all: Vec<Obligation> = Vec::new();
    let mut seen_waivers = std::collections::BTreeSet::new();
    for p in chosen {
        let path = p.plan.gate.waiver_file.clone();
        let text = workspace::read_text(root, &path, 1024 * 1024)?;
        let waivers = match &text {
            // One waiver file serves every plan that names it: list its waivers once.
            Some(t) if seen_waivers.insert(path.clone()) => Some(
                supportplan::gate::records::parse::<supportplan::gate::records::WaiverFile>(t, &path)
                    .map_err(|e| anyhow::anyhow!(e))
                    .with_context(|| format!("reading {path}"))?,
            ),
            _ => None,
        };
        let w = waivers.as_ref().map(|w| (path.as_str(), text.as_deref().unwrap_or(""), w));
        let releases = supportplan::release::releases_of_plan(&tags, &p.plan.strategy.release.tag_pattern);
        all.extend(due::obligations(p, w, &releases, now, within));
    }
    all.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.product.cmp(&b.product)).then_with(|| a.kind.cmp(b.kind)));
    Ok((all, broken || cut))
}

/// The repository's tags as of HEAD, with their dates: a major release can bring a plan
/// review forward. Outside a repository, or before the first commit, there are none. A
/// shallow clone may lack the release that matters: with a plan that reviews at major
/// releases, that is an error (the list is still printed).
fn dated_tags(root: &std::path::Path, plans: &[&LoadedPlan]) -> anyhow::Result<(Vec<DatedTag>, bool)> {
    let Ok(repo) = supportplan::git::Repo::discover(root) else { return Ok((Vec::new(), false)) };
    let head = repo.head().ok();
    let tags = supportplan::release::dated_tags(&repo, head.as_ref())?;
    let reviews_at_majors = plans
        .iter()
        .any(|p| p.plan.strategy.lifetime.review_triggers.contains(&supportplan::plan::ReviewTrigger::MajorRelease));
    let cut = reviews_at_majors && repo.is_shallow();
    if cut {
        eprintln!(
            "error: this is a shallow clone, so a major release before its boundary may be missing and a plan \
             review due at it not listed; fetch the whole history (`git fetch --unshallow --tags`, or \
             actions/checkout with `fetch-depth: 0`)"
        );
    }
    Ok((tags, cut))
}

fn owner_text(o: &Obligation) -> String {
    match &o.owner {
        Some(w) => match (&w.name, &w.email) {
            (Some(n), Some(e)) => format!("{n} <{e}>"),
            (Some(n), None) => n.clone(),
            _ => w.id.clone(),
        },
        None => "no owner".into(),
    }
}

fn human(all: &[Obligation], quiet: bool) -> String {
    let mut out = String::new();
    for o in all.iter().filter(|o| !quiet || o.state == State::Overdue) {
        out.push_str(&render::visible(&format!(
            "{:<8} {}  {}  {} — {}  ({}:{})\n",
            o.state.as_str(),
            o.due,
            o.product,
            render::one_line(&o.what),
            owner_text(o),
            render::one_line(&o.file),
            o.line
        )));
    }
    if !quiet {
        let count = |s: State| all.iter().filter(|o| o.state == s).count();
        out.push_str(&format!(
            "{} overdue, {} due, {} later\n",
            count(State::Overdue),
            count(State::Due),
            count(State::Later)
        ));
    }
    out
}

/// `complete` is false when a plan did not load (or a release may be missing): the list
/// lacks deadlines, and the run exits 2.
fn json(all: &[Obligation], now: supportplan::plan::values::Date, within: &str, complete: bool) -> String {
    let count = |s: State| all.iter().filter(|o| o.state == s).count();
    render::json::pretty(&serde_json::json!({
        "schema": "supportplan/due/v1",
        "now": now.to_string(),
        "within": within,
        "complete": complete,
        "counts": { "overdue": count(State::Overdue), "due": count(State::Due), "later": count(State::Later) },
        "obligations": all,
    }))
}

/// A checklist grouped by state (overdue, due within the window; later ones are counted).
pub fn markdown(all: &[Obligation], now: supportplan::plan::values::Date, within: &str) -> String {
    markdown_as_of(all, Some(now), within)
}

/// [`markdown`]; without `now` the heading names no day, so the same obligations give the
/// same text on any day (the reminder issue is written only when it changes).
pub fn markdown_as_of(all: &[Obligation], now: Option<supportplan::plan::values::Date>, within: &str) -> String {
    use supportplan::render::markdown::{code, one_line as text};
    let day = now.map(|d| format!(" as of {d}")).unwrap_or_default();
    let mut out = format!("### Support plan obligations{day} (due within {})\n\n", text(within));
    for (state, title) in [(State::Overdue, "Overdue"), (State::Due, "Due soon")] {
        let items: Vec<&Obligation> = all.iter().filter(|o| o.state == state).collect();
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("#### {title} ({})\n\n", items.len()));
        for o in items {
            out.push_str(&format!(
                "- [ ] **{}** {}: {} — {} ({})\n",
                o.due,
                code(&o.product),
                supportplan::render::markdown::message(&o.what),
                text(&owner_text(o)),
                code(&format!("{}:{}", o.file, o.line))
            ));
        }
        out.push('\n');
    }
    let later = all.iter().filter(|o| o.state == State::Later).count();
    if all.iter().all(|o| o.state == State::Later) {
        out.push_str("Nothing is due.\n\n");
    }
    out.push_str(&format!("{later} later obligation(s) not listed.\n"));
    out
}
