//! Rules over 2.2.5 contacts, 2.2.6 problem referral and support hours, and links.

use crate::check::{Context, Hit};
use crate::plan::model::*;
use crate::plan::source::is_placeholder;

fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
}

fn valid_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    s.starts_with('+') && digits >= 6 && s[1..].chars().all(|c| c.is_ascii_digit() || c == ' ' || c == '-')
}

fn valid_handle(s: &str) -> bool {
    crate::plan::github_handle(s).is_some()
}

/// `None` when fine, else what is wrong.
pub(crate) fn url_problem(s: &str) -> Option<&'static str> {
    if let Some(rest) = s.strip_prefix("https://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        if host.is_empty() || host.contains(char::is_whitespace) || s.contains(char::is_whitespace) {
            return Some("is not a valid URL");
        }
        return None;
    }
    if s.starts_with("http://") {
        return Some("uses http; links must be https");
    }
    Some("is not an absolute https URL")
}

pub fn format(ctx: &Context) -> Vec<Hit> {
    let mut hits = vec![];
    let mut field = |path: &[&str], value: &str, ok: fn(&str) -> bool, what: &str, example: &str| {
        if !is_placeholder(value) && !ok(value) {
            hits.push(Hit::new(path, format!("`{value}` is not {what}")).help(format!("write it like {example}")));
        }
    };
    let c = &ctx.plan.contacts;
    for (id, p) in &c.people {
        field(&["contacts", "people", id, "email"], &p.email, valid_email, "an email address", "alice@example.com");
        if let Some(ph) = &p.phone {
            field(
                &["contacts", "people", id, "phone"],
                ph,
                valid_phone,
                "an international phone number",
                "+49 30 1234567",
            );
        }
        if let Some(h) = &p.handle {
            field(&["contacts", "people", id, "handle"], h, valid_handle, "a handle", "@alice");
        }
    }
    for (id, t) in &c.teams {
        field(&["contacts", "teams", id, "email"], &t.email, valid_email, "an email address", "team@example.com");
        if let Some(ph) = &t.phone {
            field(
                &["contacts", "teams", id, "phone"],
                ph,
                valid_phone,
                "an international phone number",
                "+49 30 1234567",
            );
        }
    }
    for (id, e) in &c.external {
        if let Some(em) = &e.email {
            field(
                &["contacts", "external", id, "email"],
                em,
                valid_email,
                "an email address",
                "support@vendor.example",
            );
        }
        if let Some(ph) = &e.phone {
            field(
                &["contacts", "external", id, "phone"],
                ph,
                valid_phone,
                "an international phone number",
                "+1 555 0100",
            );
        }
    }
    for (id, e) in &c.external {
        if e.email.is_none() && e.phone.is_none() && e.url.is_none() {
            hits.push(
                Hit::new(&["contacts", "external", id], format!("external contact `{id}` has no email, phone or url"))
                    .help("add at least one way to reach them"),
            );
        }
    }
    hits
}

/// Every URL in the plan, with its key path.
fn add<'a>(out: &mut Vec<(Vec<String>, &'a str)>, path: &[&str], v: Option<&'a String>) {
    if let Some(v) = v {
        out.push((path.iter().map(|s| s.to_string()).collect(), v.as_str()));
    }
}

fn urls(plan: &Plan) -> Vec<(Vec<String>, &str)> {
    let mut out: Vec<(Vec<String>, &str)> = vec![];
    add(&mut out, &["plan", "url"], plan.plan.url.as_ref());
    for (id, s) in &plan.environment.stages {
        add(&mut out, &["environment", "stages", id, "url"], s.url.as_ref());
    }
    for (id, s) in &plan.environment.software {
        add(&mut out, &["environment", "software", id, "url"], s.url.as_ref());
    }
    for (id, t) in &plan.contacts.teams {
        add(&mut out, &["contacts", "teams", id, "chat"], t.chat.as_ref());
        add(&mut out, &["contacts", "teams", id, "oncall", "schedule"], t.oncall.as_ref().map(|o| &o.schedule));
    }
    for (id, e) in &plan.contacts.external {
        add(&mut out, &["contacts", "external", id, "url"], e.url.as_ref());
    }
    let r = &plan.responsibilities;
    add(&mut out, &["responsibilities", "software_maintenance", "url"], r.software_maintenance.url.as_ref());
    add(&mut out, &["responsibilities", "user_support", "url"], r.user_support.url.as_ref());
    add(&mut out, &["responsibilities", "sysadmin", "url"], r.sysadmin.get().and_then(|x| x.url.as_ref()));
    add(&mut out, &["responsibilities", "dba", "url"], r.dba.get().and_then(|x| x.url.as_ref()));
    add(&mut out, &["responsibilities", "backup", "dr_runbook"], r.backup.get().and_then(|b| b.dr_runbook.as_ref()));
    add(&mut out, &["sla", "document"], plan.sla.get().and_then(|s| s.document.as_ref()));
    if let Some(deps) = plan.dependencies.get() {
        for (id, d) in deps {
            add(&mut out, &["dependencies", id, "runbook"], d.runbook.as_ref());
        }
    }
    for (id, d) in &plan.monitoring.dashboards {
        add(&mut out, &["monitoring", "dashboards", id, "url"], Some(&d.url));
    }
    for (id, a) in &plan.monitoring.alerts {
        add(&mut out, &["monitoring", "alerts", id, "runbook"], a.runbook.as_ref());
    }
    for (id, s) in &plan.regression.suites {
        add(&mut out, &["regression", "suites", id, "cases_url"], s.cases_url.as_ref());
    }
    for (id, o) in &plan.resources.other {
        add(&mut out, &["resources", "other", id, "url"], o.url.as_ref());
    }
    out
}

pub fn links(ctx: &Context) -> Vec<Hit> {
    urls(ctx.plan)
        .into_iter()
        .filter(|(_, v)| !is_placeholder(v))
        .filter_map(|(path, v)| {
            url_problem(v).map(|why| Hit {
                path,
                message: format!("`{v}` {why}"),
                help: Some("write an absolute https URL, e.g. https://runbooks.example.com/x".into()),
                severity: None,
            })
        })
        .collect()
}

pub fn owner_defined(ctx: &Context) -> Vec<Hit> {
    let owner = &ctx.plan.plan.owner;
    match ctx.plan.contacts.teams.get(owner) {
        Some(t) if t.members.len() < 2 => vec![
            Hit::new(
                &["plan", "owner"],
                format!(
                    "owning team `{owner}` has {} member(s); a plan needs at least two people who can support it",
                    t.members.len()
                ),
            )
            .help("add members to the team"),
        ],
        _ => vec![],
    }
}

pub fn escalation_chain(ctx: &Context) -> Vec<Hit> {
    let chain = &ctx.plan.escalation;
    if chain.is_empty() {
        return vec![
            Hit::new(&["escalation"], "no escalation chain: nobody to call when first-line support is stuck")
                .help("add [escalation.l1] with order = 1 and a contact, then l2, …"),
        ];
    }
    let mut orders: Vec<(u32, &String)> = chain.iter().map(|(id, l)| (l.order, id)).collect();
    orders.sort();
    let mut hits = vec![];
    for (i, (order, id)) in orders.iter().enumerate() {
        let expected = i as u32 + 1;
        if *order != expected {
            hits.push(
                Hit::new(&["escalation", id, "order"], format!(
                    "escalation level `{id}` has order {order}, expected {expected}: the chain must run 1, 2, 3… without gaps or repeats"
                ))
                .help("renumber the levels"),
            );
            break;
        }
    }
    hits
}

fn always(plan: &Plan, hours: Option<&String>) -> bool {
    hours.and_then(|h| plan.hours.get(h)).is_some_and(|h| h.always)
}

pub fn escalation_24x7(ctx: &Context) -> Vec<Hit> {
    let plan = ctx.plan;
    let needs = plan.responsibilities.response.iter().find(|(_, t)| always(plan, Some(&t.hours)));
    let Some((prio, _)) = needs else {
        return vec![];
    };
    let has = plan.escalation.values().any(|l| always(plan, l.hours.as_ref()));
    if has || plan.escalation.is_empty() {
        return vec![];
    }
    vec![
        Hit::new(
            &["escalation"],
            format!("response target `{prio}` runs around the clock, but no escalation level is reachable 24x7"),
        )
        .help("give one escalation level hours = \"<24x7 hours id>\""),
    ]
}

pub fn referral_declared(ctx: &Context) -> Vec<Hit> {
    if ctx.plan.problem_referral.is_empty() {
        vec![
            Hit::new(&["problem_referral"], "no problem referral: client-reported problems have nowhere to go")
                .help("add [problem_referral.<id>] with problem = \"…\" and refer_to = \"<contact id>\""),
        ]
    } else {
        vec![]
    }
}

pub fn hours_valid(ctx: &Context) -> Vec<Hit> {
    let mut hits = vec![];
    for (id, h) in &ctx.plan.hours {
        if h.always {
            if !h.days.is_empty() || h.start.is_some() || h.end.is_some() {
                hits.push(
                    Hit::new(
                        &["hours", id, "always"],
                        format!("hours `{id}` are always-on and also list days or times"),
                    )
                    .help("remove days/start/end, or remove always"),
                );
            }
            continue;
        }
        match (h.start, h.end) {
            (Some(s), Some(e)) if s < e && !h.days.is_empty() => {}
            (Some(s), Some(e)) if s >= e => {
                hits.push(Hit::new(&["hours", id, "end"], format!("hours `{id}` end ({e}) before they start ({s})")))
            }
            _ => hits.push(
                Hit::new(&["hours", id], format!("hours `{id}` need days, start and end (or always = true)")).help(
                    "e.g. days = [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\"], start = 08:00:00, end = 18:00:00",
                ),
            ),
        }
    }
    hits
}
