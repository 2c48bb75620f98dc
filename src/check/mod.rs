//! Static rules over one plan: each has a stable id (`area/name`), a default severity, a
//! summary and a function that returns hits with key paths. The runner turns hits into
//! findings with locations. Pure: the current date is an argument.

pub mod cache;
mod rules;

use std::collections::BTreeMap;

use crate::plan::values::Date;
use crate::plan::{LoadFailure, LoadedPlan, Plan, SpanIndex, Stage};
use crate::report::{CheckReport, CheckedPlan, Finding, Location, Severity};

/// What a rule sees.
pub struct Context<'a> {
    pub plan: &'a Plan,
    pub index: &'a SpanIndex,
    pub now: Date,
}

impl Context<'_> {
    /// `Error` from general availability on, `Warning` before.
    pub fn error_at_ga(&self) -> Severity {
        if self.plan.plan.stage.is_ga_or_later() { Severity::Error } else { Severity::Warning }
    }

    pub fn stage(&self) -> Stage {
        self.plan.plan.stage
    }

    pub fn is_placeholder(&self, path: &[String]) -> bool {
        self.index.is_placeholder_at(path)
    }
}

/// One rule hit, before it is located in the file.
#[derive(Debug, Clone)]
pub struct Hit {
    pub path: Vec<String>,
    pub message: String,
    pub help: Option<String>,
    pub severity: Option<Severity>,
}

impl Hit {
    pub fn new(path: &[&str], message: impl Into<String>) -> Self {
        Hit { path: path.iter().map(|s| s.to_string()).collect(), message: message.into(), help: None, severity: None }
    }
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
    pub fn severity(mut self, severity: Severity) -> Self {
        self.severity = Some(severity);
        self
    }
}

/// A static rule.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// Template section the rule looks at (`2.2.7`).
    pub section: &'static str,
    pub summary: &'static str,
    pub run: fn(&Context) -> Vec<Hit>,
}

/// Every static rule, in catalogue order.
pub fn catalogue() -> &'static [Rule] {
    rules::CATALOGUE
}

/// Runs every rule over a loaded plan.
pub fn check_plan(loaded: &LoadedPlan, now: Date) -> Vec<Finding> {
    let ctx = Context { plan: &loaded.plan, index: &loaded.index, now };
    let mut out = Vec::new();
    for rule in catalogue() {
        for hit in (rule.run)(&ctx) {
            // A placeholder is reported once, by plan/placeholders; rules that trip over
            // its dummy value (1970-01-01, "<email>") stay quiet until it is filled.
            if rule.id != "plan/placeholders" && loaded.index.is_placeholder_at(&hit.path) {
                continue;
            }
            let span = loaded.index.span_of(&hit.path);
            out.push(finding(
                rule.id,
                hit.severity.unwrap_or(rule.severity),
                hit.message,
                hit.help,
                Some(loaded.plan.plan.product.clone()),
                Some(hit.path.join(".")),
                locate(&loaded.source, span).or_else(|| Some(file_start(&loaded.source))),
                false,
                &loaded.source.path,
            ));
        }
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn finding(
    rule: &str,
    severity: Severity,
    message: String,
    help: Option<String>,
    plan: Option<String>,
    path: Option<String>,
    location: Option<Location>,
    invalid: bool,
    file: &str,
) -> Finding {
    let fingerprint = Finding::fingerprint_of(rule, file, path.as_deref().unwrap_or(""), &message);
    Finding {
        rule: rule.into(),
        severity,
        message,
        help,
        plan,
        path,
        location,
        invalid,
        fingerprint,
        severity_source: None,
        suppressed: None,
    }
}

/// Turns a byte span into a location.
pub fn locate(source: &crate::plan::Source, span: Option<std::ops::Range<usize>>) -> Option<Location> {
    let span = span?;
    let start = source.line_col(span.start);
    let end = source.line_col(span.end.max(span.start));
    Some(Location {
        file: source.path.clone(),
        rev: source.rev.clone(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
        line_text: source.line_text(start.line).to_owned(),
    })
}

/// A location for a finding about something the file lacks: the file itself, no snippet.
fn file_start(source: &crate::plan::Source) -> Location {
    Location {
        file: source.path.clone(),
        rev: source.rev.clone(),
        line: 1,
        column: 1,
        end_line: 1,
        end_column: 1,
        line_text: String::new(),
    }
}

/// The findings of a plan that did not load: each is invalid (exit 2).
pub fn load_findings(failure: &LoadFailure) -> Vec<Finding> {
    failure
        .diagnostics
        .iter()
        .map(|d| {
            let location = locate(&failure.source, d.span.clone()).or_else(|| Some(file_start(&failure.source)));
            finding(
                d.rule,
                Severity::Error,
                d.message.clone(),
                d.help.clone(),
                None,
                None,
                location,
                true,
                &failure.source.path,
            )
        })
        .collect()
}

/// One plan's part of a check: what its own rules found (or why it did not load), before the
/// rules across plans. A function of the plan's bytes, path, revision and the date alone, so
/// `plan check --rev` can keep it between runs (see [`cache`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PlanCheck {
    pub file: String,
    /// The product id, when the plan loaded.
    pub product: Option<String>,
    /// Where the plan names its product, for a finding that another plan uses it too.
    pub product_at: Option<Location>,
    pub findings: Vec<Finding>,
    /// Findings the plan suppresses inline.
    pub suppressed: Vec<Finding>,
    /// The file's size.
    pub bytes: usize,
    /// Taken from the check cache rather than made by this run.
    pub cached: bool,
}

/// Runs one plan's own rules, or reports why it did not load.
pub fn check_one(plan: &Result<LoadedPlan, LoadFailure>, now: Date) -> PlanCheck {
    match plan {
        Ok(loaded) => {
            let (findings, suppressed) = suppress(loaded, check_plan(loaded, now), now);
            let span = loaded.index.span_of(&["plan".into(), "product".into()]);
            PlanCheck {
                file: loaded.source.path.clone(),
                product: Some(loaded.plan.plan.product.clone()),
                product_at: locate(&loaded.source, span),
                findings,
                suppressed,
                bytes: loaded.source.text.len(),
                cached: false,
            }
        }
        Err(failure) => PlanCheck {
            file: failure.source.path.clone(),
            product: None,
            product_at: None,
            findings: load_findings(failure),
            suppressed: Vec::new(),
            bytes: failure.source.text.len(),
            cached: false,
        },
    }
}

/// Checks a set of plans (one repository), including rules across plans.
pub fn check_all(
    plans: &[Result<LoadedPlan, LoadFailure>],
    now: Date,
    rev: Option<String>,
    config: &crate::config::Config,
) -> CheckReport {
    // Each plan's own rules on all cores; the rules across plans in `assemble`, in order.
    assemble(crate::par::map(plans, |p| check_one(p, now)), now, rev, config)
}

/// The report of plans checked one by one ([`check_one`]), in path order: the rules across
/// plans, then the repository's `[rules]`.
pub fn assemble(plans: Vec<PlanCheck>, now: Date, rev: Option<String>, config: &crate::config::Config) -> CheckReport {
    let mut findings = Vec::new();
    let mut suppressed = Vec::new();
    let mut checked = Vec::new();
    let mut products: BTreeMap<String, String> = BTreeMap::new();
    for p in plans {
        findings.extend(p.findings);
        suppressed.extend(p.suppressed);
        if let Some(product) = &p.product
            && let Some(first) = products.insert(product.clone(), p.file.clone())
        {
            findings.push(finding(
                "refs/duplicate-id",
                Severity::Error,
                format!("product id `{product}` is also used by {first}"),
                Some("every plan needs its own `plan.product`: diffs pair plans across revisions by it".into()),
                Some(product.clone()),
                Some("plan.product".into()),
                p.product_at,
                true,
                &p.file,
            ));
        }
        checked.push(CheckedPlan { file: p.file, product: p.product });
    }
    let before = findings.len();
    findings = tune(findings, config);
    let off = before - findings.len();
    findings.sort_by(|a, b| {
        let key = |f: &Finding| f.location.as_ref().map(|l| (l.file.clone(), l.line, l.column));
        key(a).cmp(&key(b)).then_with(|| a.rule.cmp(&b.rule))
    });
    CheckReport { now: now.to_string(), rev, plans: checked, findings, suppressed, off }
}

/// The plan's inline suppressions: findings of a suppressed rule (at the suppression's path,
/// if it names one) move out of the count until the suppression's `until`. A suppression
/// that keeps nothing quiet is reported. The suppression rules themselves cannot be
/// suppressed.
fn suppress(loaded: &LoadedPlan, findings: Vec<Finding>, now: Date) -> (Vec<Finding>, Vec<Finding>) {
    let plan = &loaded.plan;
    let mut used = std::collections::BTreeSet::new();
    let (mut kept, mut quiet) = (Vec::new(), Vec::new());
    for mut f in findings {
        let applies = plan.suppress.get(&f.rule).filter(|s| {
            !f.invalid
                && !f.rule.starts_with("suppress/")
                && s.until >= now
                && !s.reason.trim().is_empty()
                && s.at
                    .as_ref()
                    .is_none_or(|at| f.path.as_ref().is_some_and(|p| p == at || p.starts_with(&format!("{at}."))))
        });
        match applies {
            Some(s) => {
                used.insert(f.rule.clone());
                f.suppressed = Some(crate::report::Suppressed { reason: s.reason.clone(), until: s.until.to_string() });
                quiet.push(f);
            }
            None => kept.push(f),
        }
    }
    for (id, s) in &plan.suppress {
        let known = catalogue().iter().any(|r| r.id == id);
        if used.contains(id) || !known || s.until < now || id.starts_with("suppress/") {
            continue;
        }
        let path = ["suppress".to_string(), id.clone()];
        let where_ = s.at.as_ref().map(|a| format!(" at `{a}`")).unwrap_or_default();
        kept.push(finding(
            "suppress/unused",
            Severity::Warning,
            format!("suppression of `{id}`{where_} keeps nothing quiet: the rule finds nothing there now"),
            Some("remove the suppression".into()),
            Some(plan.plan.product.clone()),
            Some(path.join(".")),
            locate(&loaded.source, loaded.index.span_of(&path)).or_else(|| Some(file_start(&loaded.source))),
            false,
            &loaded.source.path,
        ));
    }
    (kept, quiet)
}

/// The repository's `[rules]`: a rule turned `off` drops its findings; another severity
/// replaces the rule's, and the finding says where it came from. Findings that mean the plan
/// could not be evaluated keep theirs.
fn tune(findings: Vec<Finding>, config: &crate::config::Config) -> Vec<Finding> {
    findings
        .into_iter()
        .filter_map(|mut f| {
            let Some(o) = config.rules.get(&f.rule).filter(|_| !f.invalid) else { return Some(f) };
            let severity = o.severity.severity()?;
            f.severity = severity;
            f.severity_source = Some(format!("{}: {}", crate::config::CONFIG_PATH, o.reason));
            Some(f)
        })
        .collect()
}
