//! `plan render`: a plan as the classic support-plan document, in Markdown, numbered like
//! the template (Introduction, 1, 1.1 … 5.2).

use std::fmt::Write;

use super::markdown::{cell, table, text};
pub use super::timeline::Timeline;
use crate::plan::model::*;
use crate::plan::values::Na;

/// The name an enum value has in the plan file (`break-glass`, `ga`).
fn label<T: serde::Serialize>(v: &T) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(cell).unwrap_or_default()
}

fn list(out: &mut String, items: &[String]) {
    for i in items {
        let _ = writeln!(out, "- {}", text(i));
    }
    if items.is_empty() {
        out.push_str("_None listed._\n");
    }
}

fn prose(out: &mut String, p: &Option<String>) {
    if let Some(p) = p {
        let _ = writeln!(out, "{}\n", text(p.trim()));
    }
}

fn na_or<T>(out: &mut String, section: &Na<T>, body: impl FnOnce(&mut String, &T)) {
    match section {
        Na::NotApplicable(reason) => {
            let _ = writeln!(out, "_Not applicable: {}_\n", text(reason));
        }
        Na::Applies(t) => body(out, t),
    }
}

/// Contact column text: how to reach a contact by id.
fn reach(plan: &Plan, id: &str) -> (String, String) {
    let c = &plan.contacts;
    if let Some(p) = c.people.get(id) {
        return (
            p.name.clone(),
            [Some(p.email.clone()), p.phone.clone()].into_iter().flatten().collect::<Vec<_>>().join(", "),
        );
    }
    if let Some(t) = c.teams.get(id) {
        let mut how = vec![t.email.clone()];
        how.extend(t.phone.clone());
        how.extend(t.chat.clone());
        if let Some(o) = &t.oncall {
            how.push(format!("on-call: {} {}", o.provider, o.schedule));
        }
        return (t.name.clone(), how.join(", "));
    }
    if let Some(e) = c.external.get(id) {
        return (
            e.name.clone(),
            [e.email.clone(), e.phone.clone(), e.url.clone()].into_iter().flatten().collect::<Vec<_>>().join(", "),
        );
    }
    (id.to_owned(), String::new())
}

fn hours_text(plan: &Plan, id: &Option<String>) -> String {
    let Some(id) = id else { return String::new() };
    match plan.hours.get(id) {
        Some(h) if h.always => "24x7".into(),
        Some(h) => {
            let days: Vec<String> = h.days.iter().map(label).collect();
            let span = match (h.start, h.end) {
                (Some(s), Some(e)) => format!(" {s}–{e}"),
                _ => String::new(),
            };
            format!("{}{span}{}", days.join(" "), h.timezone.as_ref().map(|t| format!(" {t}")).unwrap_or_default())
        }
        None => id.clone(),
    }
}

fn role(out: &mut String, plan: &Plan, r: &Role) {
    let (name, how) = reach(plan, &r.owner);
    let _ = writeln!(out, "- **Provided by:** {} ({})", text(&name), text(&how));
    if r.hours.is_some() {
        let _ = writeln!(out, "- **Hours:** {}", text(&hours_text(plan, &r.hours)));
    }
    if let Some(u) = &r.url {
        let _ = writeln!(out, "- **URL:** {}", text(u));
    }
    if let Some(n) = &r.notes {
        let _ = writeln!(out, "- {}", text(n));
    }
    out.push('\n');
}

fn measure(m: &Measure) -> String {
    match m {
        Measure::Threshold { metric, op, target, warn_at, aggregate, .. } => {
            let warn = warn_at.as_ref().map(|w| format!(", warn at {w}")).unwrap_or_default();
            format!("{metric} ({}) {} {target}{warn}", label(aggregate), op.as_str())
        }
        Measure::Tests { evidence, select, .. } if select.is_empty() => format!("all tests in {evidence} pass"),
        Measure::Tests { evidence, select, .. } => format!("tests {} in {evidence} pass", select.join(", ")),
        Measure::Baseline { metric, max_regression_pct, .. } => {
            format!("{metric} within +{max_regression_pct} of the previous release")
        }
        Measure::Attestation { by_group, valid_for, .. } => format!("attested by {by_group}, valid {valid_for}"),
        Measure::Prose { text } => text.clone(),
    }
}

fn step(s: &ReleaseStep) -> (&'static str, String) {
    match s {
        ReleaseStep::Tests { evidence, max_failed, min_cases, .. } => (
            "QA tests",
            format!("JUnit {}: at most {max_failed} failed, at least {min_cases} cases", evidence.join(", ")),
        ),
        ReleaseStep::Approval { group, min_approvals, .. } => {
            ("review board", format!("{min_approvals} approvals from {group}"))
        }
        ReleaseStep::ChangeTicket { id_pattern, min_lead_time, .. } => (
            "change management",
            format!(
                "ticket matching {id_pattern}{}",
                min_lead_time.map(|l| format!(", opened {l} ahead")).unwrap_or_default()
            ),
        ),
        ReleaseStep::Attestation { group, valid_for, .. } => ("attestation", format!("by {group}, valid {valid_for}")),
        ReleaseStep::Command { run, timeout, .. } => ("command", format!("`{}` within {timeout}", run.join(" "))),
    }
}

fn step_description(s: &ReleaseStep) -> &Option<String> {
    match s {
        ReleaseStep::Tests { description, .. }
        | ReleaseStep::Approval { description, .. }
        | ReleaseStep::ChangeTicket { description, .. }
        | ReleaseStep::Attestation { description, .. }
        | ReleaseStep::Command { description, .. } => description,
    }
}

/// Renders the plan as a Markdown document.
pub fn render(plan: &Plan) -> String {
    render_with(plan, &Timeline::default())
}

/// Renders the plan as a Markdown document, with the timeline as a Mermaid `gantt` block
/// (GitHub renders it) before the release strategy.
pub fn render_with(plan: &Plan, timeline: &Timeline) -> String {
    let mut o = String::new();
    for section in [intro, objectives, strategy, environment, responsibilities, approach, resources] {
        section(&mut o, plan);
    }
    if let Some(at) = o.find("#### 2.1.2. Release Strategy") {
        o.insert_str(at, &super::timeline::gantt(&super::timeline::chart(plan, timeline)));
    }
    // A document is no pull-request comment: nobody is notified by it, so emails and
    // handles are written as they are, without the joiner that stops a mention.
    o.replace("@\u{2060}", "@")
}

/// Title and introduction: purpose, scope, audience.
fn intro(o: &mut String, plan: &Plan) {
    let h = &plan.plan;
    let _ = writeln!(o, "# Production Support Plan: {}\n", text(&h.title));
    let _ =
        writeln!(o, "Product `{}` · stage {} · owner {}\n", h.product, label(&h.stage), text(&reach(plan, &h.owner).0));
    o.push_str("## Introduction\n\n### Purpose\n\n");
    let _ = writeln!(o, "{}\n", text(&h.purpose));
    if let Some(u) = &h.url {
        let _ = writeln!(o, "The product is reached at {}.\n", text(u));
    }
    o.push_str("The scope of this support plan includes support for:\n\n");
    list(o, &plan.scope.covered);
    if !plan.scope.excluded.is_empty() {
        o.push_str("\nNot covered:\n\n");
        list(o, &plan.scope.excluded);
    }
    o.push_str("\n### Intended Audience\n\nPrimary:\n\n");
    list(o, &plan.audience.primary);
    o.push_str("\nSecondary:\n\n");
    list(o, &plan.audience.secondary);
}

/// 1 support objectives and assumptions.
fn objectives(o: &mut String, plan: &Plan) {
    o.push_str("\n## 1. Support Objectives and Assumptions\n\n### 1.1. Support Objective\n\n");
    for (id, obj) in &plan.objectives {
        let by = if obj.measured_by.is_empty() {
            String::new()
        } else {
            format!(" (measured by {})", obj.measured_by.join(", "))
        };
        let _ = writeln!(o, "- **{id}**: {}{}", text(&obj.text), text(&by));
    }
    o.push_str("\n### 1.2. Support Assumptions\n\n");
    for (id, a) in &plan.assumptions {
        let when = a.revisit_by.map(|d| format!(" (revisit by {d})")).unwrap_or_default();
        let _ = writeln!(o, "- **{id}**: {}{when}", text(&a.text));
    }
}

/// 2.1 support strategy: lifetime, release strategy, release process, acceptance criteria.
fn strategy(o: &mut String, plan: &Plan) {
    let s = &plan.strategy;
    o.push_str("\n## 2. Support Strategy and Environment\n\n### 2.1. Support Strategy\n\n");
    prose(o, &s.description);
    let l = &s.lifetime;
    o.push_str("#### 2.1.1. Support Lifetime\n\n");
    let _ = writeln!(
        o,
        "Supported from {} until {}. Reviewed every {} (last review {}).\n",
        l.supported_from, l.end_of_support, l.review_interval, l.last_review
    );
    if !l.review_triggers.is_empty() {
        let t: Vec<String> = l.review_triggers.iter().map(label).collect();
        let _ = writeln!(o, "A review is also triggered by: {}.\n", t.join(", "));
    }
    let r = &s.release;
    o.push_str("#### 2.1.2. Release Strategy\n\n");
    prose(o, &r.description);
    let cadence = r.cadence.map(|c| format!("every {c}")).unwrap_or_else(|| "on demand".into());
    let _ = writeln!(
        o,
        "Versioning {}, tags `{}`, released {cadence}; {} release line(s) supported.\n",
        label(&r.versioning),
        r.tag_pattern,
        r.supported_versions
    );
    if !r.freeze_windows.is_empty() {
        let rows: Vec<Vec<String>> = r
            .freeze_windows
            .iter()
            .map(|(id, w)| vec![cell(id), w.from.to_string(), w.to.to_string(), cell(&w.reason)])
            .collect();
        o.push_str(&table(&["Freeze", "From", "To", "Reason"], &rows));
        o.push('\n');
    }
    let rp = &plan.release_process;
    o.push_str("#### 2.1.3. Release Process\n\n");
    prose(o, &rp.description);
    let rows: Vec<Vec<String>> = rp
        .steps
        .iter()
        .map(|(id, st)| {
            let (kind, what) = step(st);
            let req = if rp.required_steps.contains(id) { "yes" } else { "no" };
            vec![cell(id), kind.into(), cell(&what), opt(step_description(st)), req.into()]
        })
        .collect();
    o.push_str(&table(&["Step", "Kind", "Check", "Description", "Required"], &rows));
    o.push_str("\n#### 2.1.4. Acceptance Criteria\n\n");
    let rows: Vec<Vec<String>> = plan
        .acceptance
        .criteria
        .iter()
        .map(|(id, c)| {
            vec![cell(id), c.category.as_str().replace('_', " "), cell(&measure(&c.measure)), opt(&c.description)]
        })
        .collect();
    o.push_str(&table(&["Criterion", "Category", "Measure", "Description"], &rows));
    for (cat, why) in &plan.acceptance.not_applicable {
        let _ = writeln!(o, "\n_{}: not applicable — {}_", cat.as_str().replace('_', " "), text(why));
    }
}

/// 2.2 support environment, contacts, problem referral, licenses, security.
fn environment(o: &mut String, plan: &Plan) {
    let e = &plan.environment;
    o.push_str("\n### 2.2. Support Environment\n\n");
    prose(o, &e.description);
    for (id, st) in &e.stages {
        let _ = writeln!(
            o,
            "- **{id}**: {}{}",
            text(&st.purpose),
            st.url.as_ref().map(|u| format!(" ({})", text(u))).unwrap_or_default()
        );
    }
    o.push_str("\n#### 2.2.1. Software\n\n");
    let rows: Vec<Vec<String>> = e
        .software
        .values()
        .map(|sw| {
            vec![
                cell(&sw.platform),
                cell(&format!("{} {}", sw.vendor, sw.version)),
                opt(&sw.url),
                sw.eol.map(|d| d.to_string()).unwrap_or_default(),
            ]
        })
        .collect();
    o.push_str(&table(&["Platform", "Vendor Version", "URL", "End of life"], &rows));
    o.push_str("\n#### 2.2.2. Hardware\n\n");
    na_or(o, &e.hardware, |o, hw| {
        let rows: Vec<Vec<String>> = hw
            .iter()
            .map(|(id, x)| vec![cell(id), label(&x.provider), cell(&x.description), label(&x.redundancy)])
            .collect();
        o.push_str(&table(&["Id", "Provider", "Description", "Redundancy"], &rows));
    });
    o.push_str("\n#### 2.2.3. Databases\n\n");
    na_or(o, &e.databases, |o, dbs| {
        let rows: Vec<Vec<String>> = dbs
            .iter()
            .map(|(id, d)| {
                vec![
                    cell(id),
                    cell(&d.engine),
                    d.size.map(|s| s.to_string()).unwrap_or_default(),
                    cell(&reach(plan, &d.dba).0),
                ]
            })
            .collect();
        o.push_str(&table(&["Database", "Engine", "Size", "DBA"], &rows));
    });
    o.push_str("\n#### 2.2.4. Data Exchange\n\n");
    na_or(o, &e.data_exchange, |o, x| {
        let rows: Vec<Vec<String>> = x
            .iter()
            .map(|(id, d)| {
                vec![
                    cell(id),
                    label(&d.direction),
                    cell(&d.counterparty),
                    cell(&format!("{} / {}", d.protocol, d.format)),
                    opt(&d.schedule),
                ]
            })
            .collect();
        o.push_str(&table(&["Interface", "Direction", "Counterparty", "Protocol / format", "Schedule"], &rows));
    });
    o.push_str("\n#### 2.2.5. Contact Information\n\n");
    let c = &plan.contacts;
    let mut rows: Vec<Vec<String>> = Vec::new();
    for p in c.people.values() {
        rows.push(vec![
            cell(&p.name),
            cell(&p.role),
            cell(&[p.phone.clone(), p.handle.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ")),
            cell(&p.email),
        ]);
    }
    for t in c.teams.values() {
        rows.push(vec![
            cell(&t.name),
            cell(&t.role),
            cell(&[t.phone.clone(), t.chat.clone()].into_iter().flatten().collect::<Vec<_>>().join(", ")),
            cell(&t.email),
        ]);
    }
    for x in c.external.values() {
        rows.push(vec![
            cell(&x.name),
            cell(&x.role),
            cell(
                &[x.phone.clone(), x.url.clone(), x.contract.clone()]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
            opt(&x.email),
        ]);
    }
    o.push_str(&table(&["Name", "Role", "Contact Information", "Email Address"], &rows));
    o.push_str("\n#### 2.2.6. Problem Referral Contacts\n\n");
    let rows: Vec<Vec<String>> = plan
        .problem_referral
        .values()
        .map(|p| {
            let (name, how) = reach(plan, &p.refer_to);
            vec![cell(&p.problem), cell(&name), cell(&how)]
        })
        .collect();
    o.push_str(&table(&["Client Reported Problems", "Refer To", "Contact Info"], &rows));
    if !plan.escalation.is_empty() {
        let mut levels: Vec<&EscalationLevel> = plan.escalation.values().collect();
        levels.sort_by_key(|l| l.order);
        o.push_str("\nEscalation chain:\n\n");
        let rows: Vec<Vec<String>> = levels
            .iter()
            .map(|l| {
                let (name, how) = reach(plan, &l.contact);
                vec![
                    l.order.to_string(),
                    cell(&name),
                    cell(&how),
                    cell(&hours_text(plan, &l.hours)),
                    l.escalate_after.map(|d| d.to_string()).unwrap_or_default(),
                ]
            })
            .collect();
        o.push_str(&table(&["Level", "Contact", "Contact Info", "Hours", "Escalate after"], &rows));
    }
    o.push_str("\n#### 2.2.7. Licensing, data rights, and expiration of licenses\n\n");
    na_or(o, &e.licenses, |o, ls| {
        let rows: Vec<Vec<String>> = ls
            .values()
            .map(|l| {
                let owner = l.renewal_owner.as_ref().map(|r| reach(plan, r).0).unwrap_or_default();
                vec![
                    cell(&format!("{} {}", l.vendor, l.product)),
                    l.expires.map(|d| d.to_string()).unwrap_or_else(|| "perpetual".into()),
                    label(&l.renewal),
                    cell(&owner),
                    l.notice_period.map(|p| p.to_string()).unwrap_or_default(),
                    opt(&l.terms),
                ]
            })
            .collect();
        o.push_str(&table(&["License", "Expires", "Renewal", "Renewal owner", "Notice", "Terms"], &rows));
    });
    let sec = &e.security;
    o.push_str("\n#### 2.2.8. Security and Privacy Concerns\n\n");
    let _ = writeln!(
        o,
        "Data classification: {}; personal data: {}.\n",
        label(&sec.data_classification),
        if sec.personal_data { "yes" } else { "no" }
    );
    prose(o, &sec.notes);
    let rows: Vec<Vec<String>> = sec
        .access
        .iter()
        .map(|(id, a)| vec![cell(id), cell(&a.description), cell(&a.roles.join(", ")), label(&a.method)])
        .collect();
    if !rows.is_empty() {
        o.push_str(&table(&["Access", "Restriction", "Roles", "Method"], &rows));
    }
}

/// 3 support responsibilities.
fn responsibilities(o: &mut String, plan: &Plan) {
    let rs = &plan.responsibilities;
    o.push_str("\n## 3. Support Responsibilities\n\n### 3.1. Software Maintenance\n\n");
    role(o, plan, &rs.software_maintenance);
    o.push_str("### 3.2. System Administration\n\n");
    na_or(o, &rs.sysadmin, |o, r| role(o, plan, r));
    o.push_str("### 3.3. Operational and user support\n\n");
    role(o, plan, &rs.user_support);
    if !rs.response.is_empty() {
        let rows: Vec<Vec<String>> = rs
            .response
            .iter()
            .map(|(id, t)| {
                vec![
                    cell(id),
                    opt(&t.description),
                    t.acknowledge.to_string(),
                    t.restore.to_string(),
                    cell(&hours_text(plan, &Some(t.hours.clone()))),
                ]
            })
            .collect();
        o.push_str(&table(&["Priority", "Meaning", "Acknowledge", "Restore", "Hours"], &rows));
        o.push('\n');
    }
    na_or(o, &plan.sla, |o, sla| {
        let _ = writeln!(
            o,
            "Service level agreement: {} availability per {}.{}\n",
            sla.availability_pct,
            sla.window,
            sla.document.as_ref().map(|d| format!(" See {}.", text(d))).unwrap_or_default()
        );
    });
    na_or(o, &rs.backup, |o, b| {
        let _ = writeln!(
            o,
            "Backup and disaster recovery: every {}, kept {}, RPO {}, RTO {}; last restore test {} (every {}).\n",
            b.frequency, b.retention, b.rpo, b.rto, b.last_restore_test, b.restore_test_interval
        );
    });
    o.push_str("### 3.4. Database Administration\n\n");
    na_or(o, &rs.dba, |o, r| role(o, plan, r));
    o.push_str("### 3.5. Data Exchange/System Dependencies\n\n");
    na_or(o, &plan.dependencies, |o, deps| {
        let rows: Vec<Vec<String>> = deps
            .iter()
            .map(|(id, d)| {
                vec![
                    cell(id),
                    cell(&d.system),
                    label(&d.direction),
                    label(&d.criticality),
                    d.slo_pct.map(|p| p.to_string()).unwrap_or_default(),
                    opt(&d.fallback),
                ]
            })
            .collect();
        o.push_str(&table(&["Dependency", "System", "Direction", "Criticality", "SLO", "Fallback"], &rows));
    });
}

/// 4 support approach: monitoring and regression tests.
fn approach(o: &mut String, plan: &Plan) {
    let m = &plan.monitoring;
    o.push_str("\n## 4. Support Approach\n\n### 4.1. Monitoring and Control\n\n");
    prose(o, &m.description);
    for (id, s) in &m.slos {
        let _ = writeln!(o, "- SLO **{id}**: {} over {}", s.objective_pct, s.window);
    }
    for (id, a) in &m.alerts {
        let _ = writeln!(
            o,
            "- Alert **{id}** ({}): {} → {}",
            label(&a.severity),
            text(&a.signal),
            text(&reach(plan, &a.route).0)
        );
    }
    for (id, mc) in &m.manual_checks {
        let _ = writeln!(o, "- Manual check **{id}** every {}: {}", mc.frequency, text(&mc.description));
    }
    o.push_str("\n### 4.2. Regression Test Case\n\n");
    for (id, s) in &plan.regression.suites {
        let _ = writeln!(
            o,
            "- **{id}**: {}{}",
            text(&s.description),
            s.cases_url.as_ref().map(|u| format!(" ({})", text(u))).unwrap_or_default()
        );
    }
}

/// 5 support resources.
fn resources(o: &mut String, plan: &Plan) {
    let res = &plan.resources;
    o.push_str("\n## 5. Support Resources\n\n### 5.1. Support Budgets\n\n");
    na_or(o, &res.budgets, |o, budgets| {
        let rows: Vec<Vec<String>> = budgets
            .iter()
            .map(|(id, b)| {
                vec![cell(id), b.from.to_string(), b.to.to_string(), b.amount.to_string(), cell(&b.covers.join(", "))]
            })
            .collect();
        o.push_str(&table(&["Budget", "From", "To", "Amount", "Covers"], &rows));
    });
    if let Some(g) = &res.growth_review {
        let _ = writeln!(o, "\nGrowth estimates are reviewed against actuals every {} (last {}).", g.interval, g.last);
    }
    o.push_str("\n### 5.2. Other Resources\n\n");
    for (id, r) in &res.other {
        let _ = writeln!(o, "- **{id}**: {}", text(&r.description));
    }
    if res.other.is_empty() {
        o.push_str("_None listed._\n");
    }
}
