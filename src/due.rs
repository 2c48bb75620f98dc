//! Dated obligations: every date a plan commits to that passes silently between pull
//! requests — end of support and of each platform, the plan review, license renewals (expiry
//! minus notice), waivers and suppressions, restore tests, growth reviews and budgets, access
//! reviews, assumptions, hardware replacement — each with its owner, its source line and its
//! state as of a day. Derived from the plan, never typed twice.

use serde::Serialize;

use crate::gate::records::WaiverFile;
use crate::plan::values::{Date, Period};
use crate::plan::{LoadedPlan, Plan};
use crate::release::Release;

/// Where an obligation stands on the day asked about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Its date has passed.
    Overdue,
    /// Due within the window.
    Due,
    /// Later than the window.
    Later,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Overdue => "overdue",
            State::Due => "due",
            State::Later => "later",
        }
    }
}

/// Who answers for an obligation, resolved from the plan's contacts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Owner {
    /// The id the plan names (`finops`, `team-billing`).
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// A GitHub handle, when the contact has one (`@alice`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

/// One dated obligation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Obligation {
    pub product: String,
    /// `end-of-support`, `platform-eol`, `plan-review`, `license-renewal`, `waiver-expiry`,
    /// `suppression-expiry`, `restore-test`, `growth-review`, `budget-end`, `access-review`,
    /// `assumption-revisit`, `hardware-replacement`.
    pub kind: &'static str,
    /// What is due, in words.
    pub what: String,
    #[serde(serialize_with = "date_text")]
    pub due: Date,
    pub state: State,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owner: Option<Owner>,
    /// The file and line the date comes from.
    pub file: String,
    pub line: usize,
    /// The key path of the date.
    pub path: String,
    /// A stable id for this obligation (kind, product and key path), for calendars and
    /// checklists that must update rather than duplicate.
    pub uid: String,
}

/// When the plan is next due for review: `last_review` + `review_interval`, or earlier at the
/// first major release after the last review when the plan lists the `major-release` trigger
/// (that release is returned with the day).
pub fn review_due<'a>(life: &crate::plan::Lifetime, releases: &'a [Release]) -> (Date, Option<&'a Release>) {
    let by_interval = life.review_interval.after(life.last_review);
    if !life.review_triggers.contains(&crate::plan::ReviewTrigger::MajorRelease) {
        return (by_interval, None);
    }
    match releases.iter().filter(|r| r.is_major() && r.date > life.last_review).min_by_key(|r| r.date) {
        Some(r) if r.date < by_interval => (r.date, Some(r)),
        _ => (by_interval, None),
    }
}

/// Every dated obligation of a plan (and of its waiver file, when given), as of `now`, with
/// `within` as the window of "due". Sorted by date, then product and kind.
pub fn obligations(
    loaded: &LoadedPlan,
    waivers: Option<(&str, &str, &WaiverFile)>,
    releases: &[Release],
    now: Date,
    within: Period,
) -> Vec<Obligation> {
    let p = &loaded.plan;
    let mut out = Vec::new();
    let mut add = |kind: &'static str, what: String, due: Date, owner: Option<&str>, path: &[&str]| {
        let path: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        // A date the template left for the author (1970-01-01) is no obligation yet;
        // `plan check` lists it as a placeholder.
        if loaded.index.is_placeholder_at(&path) {
            return;
        }
        let line = loaded.index.span_of(&path).map(|s| loaded.source.line_col(s.start).line).unwrap_or(1);
        out.push(obligation(p, kind, what, due, owner, &loaded.source.path, line, &path, now, within));
    };
    let owner = Some(p.plan.owner.as_str());
    let life = &p.strategy.lifetime;
    add(
        "end-of-support",
        "support ends".into(),
        life.end_of_support,
        owner,
        &["strategy", "lifetime", "end_of_support"],
    );
    let (review, major) = review_due(life, releases);
    let what = match major {
        Some(r) => format!("plan review: {} is a major release since the last review ({})", r.tag, life.last_review),
        None => format!("plan review (last {}, every {})", life.last_review, life.review_interval),
    };
    add("plan-review", what, review, owner, &["strategy", "lifetime", "last_review"]);
    for (id, s) in &p.environment.software {
        if let Some(eol) = s.eol {
            add(
                "platform-eol",
                format!("{} {} reaches end of life", s.platform, s.version),
                eol,
                owner,
                &["environment", "software", id, "eol"],
            );
        }
    }
    if let Some(hardware) = p.environment.hardware.get() {
        for (id, h) in hardware {
            if let Some(by) = h.replace_by {
                add(
                    "hardware-replacement",
                    format!("replace {}", h.description),
                    by,
                    owner,
                    &["environment", "hardware", id, "replace_by"],
                );
            }
        }
    }
    if let Some(licenses) = p.environment.licenses.get() {
        for (id, l) in licenses {
            let Some(expires) = l.expires else { continue };
            let (due, what) = match l.notice_period {
                Some(n) => (
                    n.before(expires),
                    format!(
                        "start renewing the {} license from {} (expires {expires}, notice {n})",
                        l.product, l.vendor
                    ),
                ),
                None => (expires, format!("the {} license from {} expires", l.product, l.vendor)),
            };
            let who = l.renewal_owner.as_deref().or(owner);
            add("license-renewal", what, due, who, &["environment", "licenses", id, "expires"]);
        }
    }
    let security = &p.environment.security;
    if let (Some(interval), Some(last)) = (security.access_review_interval, security.last_access_review) {
        add(
            "access-review",
            format!("access review (last {last}, every {interval})"),
            interval.after(last),
            owner,
            &["environment", "security", "last_access_review"],
        );
    }
    if let Some(backup) = p.responsibilities.backup.get() {
        add(
            "restore-test",
            format!("restore test (last {}, every {})", backup.last_restore_test, backup.restore_test_interval),
            backup.restore_test_interval.after(backup.last_restore_test),
            Some(backup.owner.as_str()),
            &["responsibilities", "backup", "last_restore_test"],
        );
    }
    if let Some(g) = &p.resources.growth_review {
        add(
            "growth-review",
            format!("growth review against actuals (last {}, every {})", g.last, g.interval),
            g.interval.after(g.last),
            owner,
            &["resources", "growth_review", "last"],
        );
    }
    if let Some(budgets) = p.resources.budgets.get() {
        for (id, b) in budgets {
            // A budget that the next one continues is no deadline.
            if budgets.values().any(|n| n.from > b.from && n.from <= b.to.add_days(1)) {
                continue;
            }
            add(
                "budget-end",
                format!("budget `{id}` ends: the next one is needed"),
                b.to,
                owner,
                &["resources", "budgets", id, "to"],
            );
        }
    }
    for (id, a) in &p.assumptions {
        if let Some(by) = a.revisit_by {
            add(
                "assumption-revisit",
                format!("revisit assumption `{id}`"),
                by,
                owner,
                &["assumptions", id, "revisit_by"],
            );
        }
    }
    for (rule, s) in &p.suppress {
        add(
            "suppression-expiry",
            format!("suppression of `{rule}` ends: {}", s.reason),
            s.until,
            owner,
            &["suppress", rule, "until"],
        );
    }
    if let Some((file, text, w)) = waivers {
        for (id, waiver) in &w.waivers {
            let line = waiver_line(text, id);
            let path = vec!["waivers".to_string(), id.clone(), "expires".into()];
            let mut o = obligation(
                p,
                "waiver-expiry",
                format!("waiver `{id}` for `{}` expires", waiver.check),
                waiver.expires,
                owner,
                file,
                line,
                &path,
                now,
                within,
            );
            // One waiver file may serve several plans: its waivers' ids are the file's.
            o.uid = format!("waiver-expiry.{file}.{id}@supportplan");
            out.push(o);
        }
    }
    out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.product.cmp(&b.product)).then_with(|| a.kind.cmp(b.kind)));
    out
}

#[allow(clippy::too_many_arguments)]
fn obligation(
    p: &Plan,
    kind: &'static str,
    what: String,
    due: Date,
    owner: Option<&str>,
    file: &str,
    line: usize,
    path: &[String],
    now: Date,
    within: Period,
) -> Obligation {
    let state = if due < now {
        State::Overdue
    } else if due <= within.after(now) {
        State::Due
    } else {
        State::Later
    };
    let path = path.join(".");
    Obligation {
        product: p.plan.product.clone(),
        kind,
        what,
        due,
        state,
        owner: owner.map(|id| contact(p, id)),
        file: file.to_owned(),
        line,
        uid: format!("{kind}.{}.{path}@supportplan", p.plan.product),
        path,
    }
}

/// The obligations as an RFC 5545 calendar: one all-day event per obligation on its date,
/// with a UID stable across runs (a re-import updates instead of duplicating), the reason,
/// owner and source line in the description, and DTSTAMP at `now`.
pub fn ics(all: &[Obligation], now: Date) -> String {
    use icalendar::{Calendar, Component, EventLike};
    // Years before 1 cannot be written in iCalendar: such a date (a renewal notice longer
    // than history) is on the first day there is, long overdue either way.
    let day = |d: Date| {
        let d = if d.0.year() >= 1 { d } else { Date::new(1, 1, 1).unwrap_or(d) };
        chrono::NaiveDate::from_ymd_opt(i32::from(d.0.year()), d.0.month() as u32, d.0.day() as u32)
    };
    // Text from the plan, without control characters (a CR would end a content line for a
    // lenient reader and start a forged one) or bidirectional overrides (text that reads
    // otherwise than it is).
    let clean = |s: &str| -> String {
        s.chars().filter(|c| !crate::render::is_invisible(*c)).map(|c| if c.is_control() { ' ' } else { c }).collect()
    };
    let stamp = format!("{:04}{:02}{:02}T000000Z", now.0.year(), now.0.month(), now.0.day());
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"));
    cal.append_property(("PRODID", concat!("-//supportplan//plan due ", env!("CARGO_PKG_VERSION"), "//EN")));
    cal.append_property(("CALSCALE", "GREGORIAN"));
    cal.name("Support plan obligations");
    for o in all {
        let Some(date) = day(o.due) else { continue };
        let owner = o
            .owner
            .as_ref()
            .map(|w| match (&w.name, &w.email) {
                (Some(n), Some(e)) => format!("{n} <{e}>"),
                (Some(n), None) => n.clone(),
                _ => w.id.clone(),
            })
            .unwrap_or_else(|| "no owner".into());
        // An all-day event ends (exclusively) the next day.
        let end = date.succ_opt().unwrap_or(date);
        let event = icalendar::Event::new()
            .uid(&clean(&o.uid))
            .starts(date)
            .ends(end)
            .summary(&clean(&format!("{}: {}", o.product, o.what)))
            .description(&format!(
                "{}\nOwner: {}\nSource: {}:{} ({})",
                clean(&o.what),
                clean(&owner),
                clean(&o.file),
                o.line,
                clean(&o.path)
            ))
            .add_property("DTSTAMP", &stamp)
            .add_property("CATEGORIES", o.kind)
            .done();
        cal.push(event);
    }
    cal.done().to_string()
}

/// Dates as `YYYY-MM-DD` in JSON.
fn date_text<S: serde::Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&d.to_string())
}

/// A contact id resolved to a person or a team of the plan.
fn contact(p: &Plan, id: &str) -> Owner {
    let id = id.trim_start_matches('@');
    if let Some(person) = p.contacts.people.get(id) {
        return Owner {
            id: id.to_owned(),
            name: Some(person.name.clone()),
            email: Some(person.email.clone()),
            handle: person.handle.clone(),
        };
    }
    if let Some(team) = p.contacts.teams.get(id) {
        // A team is reached through its members' handles.
        let handles: Vec<String> = team
            .members
            .iter()
            .filter_map(|m| p.contacts.people.get(m.trim_start_matches('@'))?.handle.clone())
            .collect();
        let handle = (!handles.is_empty()).then(|| handles.join(" "));
        return Owner { id: id.to_owned(), name: Some(team.name.clone()), email: Some(team.email.clone()), handle };
    }
    if let Some(ext) = p.contacts.external.get(id) {
        return Owner { id: id.to_owned(), name: Some(ext.name.clone()), email: ext.email.clone(), handle: None };
    }
    // A handle named directly (`@alice`), or an id the contacts do not list.
    let by_handle = p.contacts.people.iter().find(|(_, person)| {
        person.handle.as_deref().is_some_and(|h| h.trim_start_matches('@').eq_ignore_ascii_case(id))
    });
    match by_handle {
        Some((pid, person)) => Owner {
            id: pid.clone(),
            name: Some(person.name.clone()),
            email: Some(person.email.clone()),
            handle: person.handle.clone(),
        },
        None => Owner { id: id.to_owned(), name: None, email: None, handle: None },
    }
}

/// The line of the waiver's `expires` in the waiver file (its `[waivers.<id>]` header when
/// the key is not found below it; 1 when neither is).
fn waiver_line(text: &str, id: &str) -> usize {
    let headers = [format!("[waivers.{id}]"), format!("[waivers.\"{id}\"]")];
    let lines: Vec<&str> = text.lines().collect();
    let Some(header) = lines.iter().position(|l| headers.iter().any(|h| l.trim() == h)) else { return 1 };
    let expires = lines[header + 1..]
        .iter()
        .take_while(|l| !l.trim_start().starts_with('['))
        .position(|l| l.trim_start().starts_with("expires"));
    header + 1 + expires.map_or(0, |i| i + 1)
}
