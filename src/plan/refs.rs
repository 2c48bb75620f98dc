//! Reference resolution: every id a plan names must exist, in the namespace its field
//! takes; ids are well-formed and unique across contacts; group inclusion has no cycles;
//! a criterion's target has the unit dimension of its metric.

use std::collections::{BTreeMap, BTreeSet};

use super::Diagnostic;
use super::model::*;
use super::source::{SpanIndex, is_placeholder};
use super::values::{Dimension, Target};

struct Resolver<'a> {
    index: &'a SpanIndex,
    out: Vec<Diagnostic>,
}

type Path<'a> = &'a [&'a str];

fn owned(path: Path) -> Vec<String> {
    path.iter().map(|s| s.to_string()).collect()
}

impl Resolver<'_> {
    fn push(&mut self, rule: &'static str, path: &[String], message: String, help: Option<String>) {
        let span = self.index.span_of(path);
        self.out.push(Diagnostic { rule, message, help, span });
    }

    /// Checks that `value` (at `path`) is one of `known`, the ids of `what`.
    fn expect<'k>(
        &mut self,
        path: &[String],
        value: &str,
        what: &str,
        known: impl IntoIterator<Item = &'k str> + Clone,
    ) {
        if is_placeholder(value) || known.clone().into_iter().any(|k| k == value) {
            return;
        }
        let names: Vec<&str> = known.into_iter().collect();
        let best = super::closest(value, names.iter().copied(), 0.75);
        let help = match (best, names.is_empty()) {
            (Some(b), _) => Some(format!("did you mean `{b}`?")),
            (None, true) => Some(format!("this plan declares no {what}; add one, or remove the reference")),
            (None, false) => Some(format!(
                "known {what}: {}",
                names.iter().take(12).map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            )),
        };
        self.push("refs/resolve", path, format!("unknown {what} `{value}`"), help);
    }

    fn expect_at(&mut self, path: Path, value: &str, what: &str, known: &BTreeSet<&str>) {
        // Nearly every reference resolves: the path is spelled out only for one that does not.
        if !known.contains(value) {
            self.expect(&owned(path), value, what, known.iter().copied());
        }
    }

    fn expect_list(&mut self, path: Path, values: &[String], what: &str, known: &BTreeSet<&str>) {
        for (i, v) in values.iter().enumerate().filter(|(_, v)| !known.contains(v.as_str())) {
            let mut p = owned(path);
            p.push(i.to_string());
            self.expect(&p, v, what, known.iter().copied());
        }
    }
}

/// The ids of a keyed table (borrowed: resolving a plan copies none of them).
fn keys<T>(map: &Keyed<T>) -> BTreeSet<&str> {
    map.keys().map(String::as_str).collect()
}

fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        && id.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Resolves every reference in a plan; returns the problems found.
pub fn resolve(plan: &Plan, index: &SpanIndex) -> Vec<Diagnostic> {
    let mut r = Resolver { index, out: Vec::new() };
    check_ids(plan, &mut r);
    check_paths(plan, &mut r);

    let c = &plan.contacts;
    let people = keys(&c.people);
    let teams = keys(&c.teams);
    let groups = keys(&c.groups);
    let mut contacts = people.clone();
    contacts.extend(teams.iter().copied());
    contacts.extend(c.external.keys().map(String::as_str));
    let hours = keys(&plan.hours);
    let steps = keys(&plan.release_process.steps);
    let criteria = keys(&plan.acceptance.criteria);
    let evidence = keys(&plan.evidence);
    let software = keys(&plan.environment.software);
    let slos = keys(&plan.monitoring.slos);
    let interfaces = plan.environment.data_exchange.get().map(keys).unwrap_or_default();

    r.expect_at(&["plan", "owner"], &plan.plan.owner, "team", &teams);
    r.expect_at(&["plan", "approvers_group"], &plan.plan.approvers_group, "group", &groups);
    for (id, o) in &plan.objectives {
        r.expect_list(&["objectives", id, "measured_by"], &o.measured_by, "acceptance criterion", &criteria);
    }
    for (id, a) in &plan.assumptions {
        r.expect_list(&["assumptions", id, "validated_by"], &a.validated_by, "acceptance criterion", &criteria);
    }
    r.expect_list(&["release_process", "required_steps"], &plan.release_process.required_steps, "release step", &steps);
    for (id, step) in &plan.release_process.steps {
        let base = ["release_process", "steps", id.as_str()];
        match step {
            ReleaseStep::Tests { evidence: ev, .. } => {
                r.expect_list(&[&base[..], &["evidence"]].concat(), ev, "evidence", &evidence);
                for (i, e) in ev.iter().enumerate() {
                    junit_only(&mut r, plan, &[&base[..], &["evidence", &i.to_string()]].concat(), e);
                }
            }
            ReleaseStep::Approval { group, .. } | ReleaseStep::Attestation { group, .. } => {
                r.expect_at(&[&base[..], &["group"]].concat(), group, "group", &groups);
            }
            // The gate matches ticket ids with it at release: a pattern that does not compile
            // is found now, not then.
            ReleaseStep::ChangeTicket { id_pattern, .. } => {
                if let Some(first) = pattern_error(id_pattern) {
                    r.push(
                        "schema/valid",
                        &owned(&[&base[..], &["id_pattern"]].concat()),
                        format!("`id_pattern` is not a valid regular expression: {first}"),
                        Some("write a regular expression, e.g. \"^CHG[0-9]{7}$\"".into()),
                    );
                }
            }
            ReleaseStep::Command { .. } => {}
        }
    }
    for (id, crit) in &plan.acceptance.criteria {
        let base = ["acceptance", "criteria", id.as_str()];
        match &crit.measure {
            Measure::Threshold { metric, target, warn_at, .. } => {
                if let Some(unit) = metric_unit(&mut r, plan, &[&base[..], &["metric"]].concat(), metric) {
                    compatible(&mut r, &[&base[..], &["target"]].concat(), metric, &unit, target);
                    if let Some(w) = warn_at {
                        compatible(&mut r, &[&base[..], &["warn_at"]].concat(), metric, &unit, w);
                    }
                }
            }
            Measure::Baseline { metric, .. } => {
                metric_unit(&mut r, plan, &[&base[..], &["metric"]].concat(), metric);
            }
            Measure::Tests { evidence: ev, .. } => {
                r.expect_at(&[&base[..], &["evidence"]].concat(), ev, "evidence", &evidence);
                junit_only(&mut r, plan, &[&base[..], &["evidence"]].concat(), ev);
            }
            Measure::Attestation { by_group, .. } => {
                r.expect_at(&[&base[..], &["by_group"]].concat(), by_group, "group", &groups);
            }
            Measure::Prose { .. } => {}
        }
    }
    let env = &plan.environment;
    if let Some(dbs) = env.databases.get() {
        for (id, db) in dbs {
            r.expect_at(&["environment", "databases", id, "engine"], &db.engine, "software", &software);
            r.expect_at(&["environment", "databases", id, "dba"], &db.dba, "contact", &contacts);
        }
    }
    if let Some(x) = env.data_exchange.get() {
        for (id, d) in x {
            if let Some(c) = &d.contact {
                r.expect_at(&["environment", "data_exchange", id, "contact"], c, "contact", &contacts);
            }
        }
    }
    if let Some(ls) = env.licenses.get() {
        for (id, l) in ls {
            if let Some(o) = &l.renewal_owner {
                r.expect_at(&["environment", "licenses", id, "renewal_owner"], o, "contact", &contacts);
            }
        }
    }
    for (id, t) in &c.teams {
        r.expect_list(&["contacts", "teams", id, "members"], &t.members, "person", &people);
    }
    for (id, g) in &c.groups {
        r.expect_list(&["contacts", "groups", id, "members"], &g.members, "person", &people);
        r.expect_list(&["contacts", "groups", id, "includes"], &g.includes, "group", &groups);
    }
    for (id, e) in &plan.escalation {
        r.expect_at(&["escalation", id, "contact"], &e.contact, "contact", &contacts);
        if let Some(h) = &e.hours {
            r.expect_at(&["escalation", id, "hours"], h, "support hours", &hours);
        }
    }
    for (id, p) in &plan.problem_referral {
        r.expect_at(&["problem_referral", id, "refer_to"], &p.refer_to, "contact", &contacts);
        if let Some(h) = &p.hours {
            r.expect_at(&["problem_referral", id, "hours"], h, "support hours", &hours);
        }
    }
    let resp = &plan.responsibilities;
    let roles = [
        ("software_maintenance", Some(&resp.software_maintenance)),
        ("sysadmin", resp.sysadmin.get()),
        ("user_support", Some(&resp.user_support)),
        ("dba", resp.dba.get()),
    ];
    for (name, role) in roles {
        if let Some(role) = role {
            r.expect_at(&["responsibilities", name, "owner"], &role.owner, "contact", &contacts);
            if let Some(h) = &role.hours {
                r.expect_at(&["responsibilities", name, "hours"], h, "support hours", &hours);
            }
        }
    }
    for (id, t) in &resp.response {
        r.expect_at(&["responsibilities", "response", id, "hours"], &t.hours, "support hours", &hours);
    }
    if let Some(b) = resp.backup.get() {
        r.expect_at(&["responsibilities", "backup", "owner"], &b.owner, "contact", &contacts);
    }
    if let Some(sla) = plan.sla.get()
        && let Some(m) = &sla.measured_by
    {
        r.expect_at(&["sla", "measured_by"], m, "SLO", &slos);
    }
    if let Some(deps) = plan.dependencies.get() {
        for (id, d) in deps {
            if let Some(c) = &d.contact {
                r.expect_at(&["dependencies", id, "contact"], c, "contact", &contacts);
            }
            if let Some(i) = &d.interface {
                r.expect_at(&["dependencies", id, "interface"], i, "data exchange interface", &interfaces);
            }
        }
    }
    for (id, a) in &plan.monitoring.alerts {
        r.expect_at(&["monitoring", "alerts", id, "route"], &a.route, "contact", &contacts);
    }
    for (id, m) in &plan.monitoring.manual_checks {
        r.expect_at(&["monitoring", "manual_checks", id, "owner"], &m.owner, "contact", &contacts);
    }
    for (id, s) in &plan.regression.suites {
        if let Some(e) = &s.evidence {
            r.expect_at(&["regression", "suites", id, "evidence"], e, "evidence", &evidence);
        }
    }
    for (id, o) in &plan.resources.other {
        if let Some(owner) = &o.owner {
            r.expect_at(&["resources", "other", id, "owner"], owner, "contact", &contacts);
        }
    }
    group_cycles(plan, &mut r);
    r.out
}

/// Why a path named by the plan could leave its directory, if it could: absolute, `~`,
/// `..`, a backslash or a drive letter. Evidence, records, waivers and results stay inside
/// the evidence directory or the repository.
pub fn escaping_path(path: &str) -> Option<&'static str> {
    if path.starts_with('/') || path.starts_with('~') {
        Some("is absolute")
    } else if path.contains('\\') || path.get(1..2) == Some(":") {
        Some("uses a Windows path form")
    } else if path.split('/').any(|part| part == "..") {
        Some("climbs out with `..`")
    } else if path.chars().any(char::is_control) {
        Some("holds a control character")
    } else {
        None
    }
}

fn check_paths(plan: &Plan, r: &mut Resolver) {
    use super::model::{Measure, ReleaseStep};
    let mut named: Vec<(Vec<String>, &str)> = Vec::new();
    for (id, e) in &plan.evidence {
        named.push((owned(&["evidence", id, "path"]), &e.path));
    }
    for (id, step) in &plan.release_process.steps {
        if let ReleaseStep::Approval { record, .. } | ReleaseStep::Attestation { record, .. } = step {
            named.push((owned(&["release_process", "steps", id, "record"]), record));
        }
    }
    for (id, c) in &plan.acceptance.criteria {
        if let Measure::Attestation { record, .. } = &c.measure {
            named.push((owned(&["acceptance", "criteria", id, "record"]), record));
        }
    }
    named.push((owned(&["gate", "waiver_file"]), &plan.gate.waiver_file));
    named.push((owned(&["gate", "results_dir"]), &plan.gate.results_dir));
    for (path, value) in named {
        if let Some(why) = escaping_path(value) {
            r.push(
                "refs/path",
                &path,
                format!("`{}` {why}: paths the plan names stay inside the repository (evidence: inside the evidence directory)", value.escape_debug()),
                Some("give a path relative to the repository root (for evidence, to the evidence directory)".into()),
            );
        }
    }
}

/// Keyed-table ids must be well-formed, and contact ids unique across people, teams,
/// external contacts and groups (a bare id must name exactly one).
fn check_ids(plan: &Plan, r: &mut Resolver) {
    let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
    let c = &plan.contacts;
    let sections: [(&str, Vec<&String>); 4] = [
        ("people", c.people.keys().collect()),
        ("teams", c.teams.keys().collect()),
        ("external", c.external.keys().collect()),
        ("groups", c.groups.keys().collect()),
    ];
    for (section, ids) in &sections {
        for id in ids {
            if let Some(first) = seen.insert(id.as_str(), section) {
                r.push(
                    "refs/duplicate-id",
                    &["contacts".into(), section.to_string(), id.to_string()],
                    format!("duplicate id `{id}`: already used in contacts.{first}"),
                    Some("contact ids are shared by people, teams, external contacts and groups; rename one".into()),
                );
            }
        }
    }
    let mut check = |path: &[&str], ids: Vec<&String>| {
        for id in ids {
            if !valid_id(id) {
                let mut p = owned(path);
                p.push(id.clone());
                let span = r.index.get(&p).map(|e| e.key.clone()).or_else(|| r.index.span_of(&p));
                r.out.push(Diagnostic {
                    rule: "schema/valid",
                    message: format!("`{id}` is not a valid id"),
                    help: Some("ids are lower-case letters, digits, `-` and `_`, starting with a letter or digit, at most 63 characters".into()),
                    span,
                });
            }
        }
    };
    for (section, ids) in sections {
        check(&["contacts", section], ids);
    }
    check(&["objectives"], plan.objectives.keys().collect());
    check(&["assumptions"], plan.assumptions.keys().collect());
    check(&["release_process", "steps"], plan.release_process.steps.keys().collect());
    check(&["acceptance", "criteria"], plan.acceptance.criteria.keys().collect());
    check(&["escalation"], plan.escalation.keys().collect());
    check(&["hours"], plan.hours.keys().collect());
    check(&["evidence"], plan.evidence.keys().collect());
    check(&["environment", "software"], plan.environment.software.keys().collect());
    // Ids that dated obligations, calendar UIDs and the timeline carry.
    check(&["strategy", "release", "freeze_windows"], plan.strategy.release.freeze_windows.keys().collect());
    if let Some(licenses) = plan.environment.licenses.get() {
        check(&["environment", "licenses"], licenses.keys().collect());
    }
    if let Some(budgets) = plan.resources.budgets.get() {
        check(&["resources", "budgets"], budgets.keys().collect());
    }
}

fn junit_only(r: &mut Resolver, plan: &Plan, path: &[&str], id: &str) {
    if let Some(e) = plan.evidence.get(id)
        && !e.kind.has_cases()
    {
        r.push(
            "refs/resolve",
            &owned(path),
            format!("evidence `{id}` is {:?}, but test results must come from test-result evidence", e.kind)
                .to_lowercase(),
            Some("point at evidence with kind = \"junit\", \"go-test-json\" or \"trx\"".into()),
        );
    }
}

/// The unit of a metric id `<evidence>.<metric>`, or a diagnostic when it does not resolve.
fn metric_unit(r: &mut Resolver, plan: &Plan, path: &[&str], metric: &str) -> Option<MetricUnit> {
    if is_placeholder(metric) {
        return None;
    }
    let Some((ev_id, name)) = metric.split_once('.') else {
        r.push(
            "refs/resolve",
            &owned(path),
            format!("metric `{metric}` does not name its evidence"),
            Some("write metric ids as `<evidence id>.<metric>`, e.g. `k6.p95`".into()),
        );
        return None;
    };
    let Some(ev) = plan.evidence.get(ev_id) else {
        r.expect(&owned(path), ev_id, "evidence", plan.evidence.keys().map(String::as_str));
        return None;
    };
    if let Some(src) = ev.metrics.get(name) {
        return Some(src.unit.clone());
    }
    if let Some((_, dim)) = ev.kind.builtin_metrics().iter().find(|(n, _)| *n == name) {
        let unit = match dim {
            Dimension::Ratio => "ratio",
            Dimension::Time => "s",
            _ => "count",
        };
        return super::values::Unit::parse(unit).ok().map(MetricUnit::Unit);
    }
    let mut known: BTreeSet<String> = ev.metrics.keys().cloned().collect();
    known.extend(ev.kind.builtin_metrics().iter().map(|(n, _)| n.to_string()));
    let prefixed: BTreeSet<String> = known.iter().map(|k| format!("{ev_id}.{k}")).collect();
    r.expect(&owned(path), metric, &format!("metric of evidence `{ev_id}`"), prefixed.iter().map(String::as_str));
    None
}

fn compatible(r: &mut Resolver, path: &[&str], metric: &str, unit: &MetricUnit, target: &Target) {
    if let Some(message) = unit_mismatch("target", metric, unit, target) {
        r.push(
            "refs/unit-mismatch",
            &owned(path),
            message,
            Some(
                "give the target in a unit of the metric's dimension, or declare the metric with the right unit".into(),
            ),
        );
    }
}

/// Why `value` (a target, `warn_at` or a waiver's `ceiling`) cannot be compared with metric
/// `metric` measured in `unit`, if it cannot. A bare number fits count metrics only.
pub fn unit_mismatch(what: &str, metric: &str, unit: &MetricUnit, value: &Target) -> Option<String> {
    match (unit, value) {
        (MetricUnit::Unit(u), Target::Quantity(q)) if u.dimension == q.unit.dimension => None,
        (MetricUnit::Unit(u), Target::Quantity(q))
            if q.unit.dimension == Dimension::Count && u.dimension != Dimension::Count =>
        {
            Some(format!("{what} {q} has no unit, but metric `{metric}` is {} in {u}", u.dimension))
        }
        (MetricUnit::Unit(u), Target::Quantity(q)) => {
            Some(format!("{what} {q} is {}, but metric `{metric}` is {} in {u}", q.unit.dimension, u.dimension))
        }
        (MetricUnit::Currency(c), Target::Money(m)) if *c == m.currency => None,
        (MetricUnit::Currency(c), Target::Money(m)) => Some(format!(
            "{what} is in {}, but metric `{metric}` is in {c}; currencies are never converted",
            m.currency
        )),
        (MetricUnit::Currency(c), Target::Quantity(q)) => {
            Some(format!("{what} {q} is not money, but metric `{metric}` is in {c}"))
        }
        (MetricUnit::Unit(u), Target::Money(m)) => {
            Some(format!("{what} is money ({m}), but metric `{metric}` is in {u}"))
        }
    }
}

fn group_cycles(plan: &Plan, r: &mut Resolver) {
    let groups = &plan.contacts.groups;
    let mut reported = BTreeSet::new();
    for start in groups.keys() {
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        while let Some((at, trail)) = stack.pop() {
            let Some(g) = groups.get(&at) else { continue };
            for (i, next) in g.includes.iter().enumerate() {
                if next == start {
                    let mut cycle = trail.clone();
                    cycle.push(start.clone());
                    let key: BTreeSet<String> = cycle.iter().cloned().collect();
                    if reported.insert(key.into_iter().collect::<Vec<_>>()) {
                        r.push(
                            "refs/cycle",
                            &["contacts".into(), "groups".into(), at.clone(), "includes".into(), i.to_string()],
                            format!("groups include each other in a cycle: {}", cycle.join(" → ")),
                            Some("remove one of the `includes` so membership has a start".into()),
                        );
                    }
                } else if !trail.contains(next) {
                    let mut t = trail.clone();
                    t.push(next.clone());
                    stack.push((next.clone(), t));
                }
            }
        }
    }
}

/// Why a ticket-id pattern does not compile (the last line of regex's message), or `None`.
/// Remembered per pattern for the process: hundreds of plans share a few patterns, and
/// compiling one costs more than parsing the rest of its plan.
fn pattern_error(pattern: &str) -> Option<String> {
    use std::collections::HashMap;
    use std::sync::Mutex;
    static SEEN: Mutex<Option<HashMap<String, Option<String>>>> = Mutex::new(None);
    let compile =
        || regex::Regex::new(pattern).err().map(|e| e.to_string().lines().last().unwrap_or_default().trim().to_owned());
    let Ok(mut seen) = SEEN.lock() else {
        return compile();
    };
    let seen = seen.get_or_insert_with(HashMap::new);
    if let Some(known) = seen.get(pattern) {
        return known.clone();
    }
    let verdict = compile();
    // A bound on what a hostile set of plans can make it hold.
    if seen.len() < 256 {
        seen.insert(pattern.to_owned(), verdict.clone());
    }
    verdict
}
