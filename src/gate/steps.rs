//! 2.1.3 release process: each declared step checked by its kind. Steps not listed in
//! `required_steps` still run, but their failures only warn.

use super::records::Decision;
use super::{
    CommandOutcome, DEFAULT_APPROVAL_RECORD, GateFinding, GateInput, Status, approval_path, group_members, person_id,
};
use crate::evidence::{CaseStatus, TestCase};
use crate::plan::{FlakyPolicy, ReleaseStep, TicketSource};

const S: &str = "2.1.3";

/// Test cases of several evidence ids, or the first evidence problem.
pub fn cases<'a>(input: &'a GateInput, ids: &[String]) -> Result<(Vec<&'a TestCase>, Vec<String>), String> {
    let mut out = Vec::new();
    let mut files = Vec::new();
    for id in ids {
        let Some(c) = input.evidence.get(id) else { return Err(format!("evidence `{id}` was not collected")) };
        if let Some(p) = &c.problem {
            return Err(format!("evidence `{id}`: {p}"));
        }
        out.extend(c.cases.iter());
        files.extend(c.files.iter().cloned());
    }
    Ok((out, files))
}

/// The cases a selection kept, the patterns that matched none, and those whose every match
/// was skipped.
pub struct Selection<'a> {
    pub cases: Vec<&'a TestCase>,
    pub unmatched: Vec<String>,
    pub only_skipped: Vec<String>,
}

impl Selection<'_> {
    /// "selected tests not found" when a pattern matched nothing, "selected tests did not run"
    /// when it matched only skipped cases: a deleted or disabled test module must not pass as
    /// "17 of 17".
    pub fn not_found(&self) -> Option<String> {
        let list = |v: &[String]| v.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if !self.unmatched.is_empty() {
            parts.push(format!(
                "selected tests not found: {} matches no test case in the evidence",
                list(&self.unmatched)
            ));
        }
        if !self.only_skipped.is_empty() {
            parts.push(format!(
                "selected tests did not run: every test case {} matches was skipped",
                list(&self.only_skipped)
            ));
        }
        (!parts.is_empty()).then(|| parts.join("; "))
    }
}

/// Keeps the cases whose name matches one of the globs (all, when there are none).
pub fn select<'a>(cases: Vec<&'a TestCase>, globs: &[String]) -> Result<Selection<'a>, String> {
    if globs.is_empty() {
        return Ok(Selection { cases, unmatched: vec![], only_skipped: vec![] });
    }
    let mut b = globset::GlobSetBuilder::new();
    for g in globs {
        b.add(globset::Glob::new(g).map_err(|e| format!("invalid test selection `{g}`: {e}"))?);
    }
    let set = b.build().map_err(|e| e.to_string())?;
    // Per pattern: matched anything, matched a case that ran.
    let mut hit = vec![(false, false); globs.len()];
    let mut kept = Vec::new();
    for c in cases {
        let mut matched = set.matches(&c.name);
        if matched.is_empty() && c.short() != c.name {
            matched = set.matches(c.short());
        }
        if !matched.is_empty() {
            for &i in &matched {
                hit[i].0 = true;
                hit[i].1 |= c.status != CaseStatus::Skipped;
            }
            kept.push(c);
        }
    }
    let pick = |want: fn(&(bool, bool)) -> bool| -> Vec<String> {
        globs.iter().zip(&hit).filter(|(_, h)| want(h)).map(|(g, _)| g.clone()).collect()
    };
    Ok(Selection { cases: kept, unmatched: pick(|h| !h.0), only_skipped: pick(|h| h.0 && !h.1) })
}

pub fn evaluate(input: &GateInput) -> Vec<GateFinding> {
    let rp = &input.plan.plan.release_process;
    let mut out = Vec::new();
    for (id, step) in &rp.steps {
        let mut f = one(input, id, step);
        f.path = vec!["release_process".into(), "steps".into(), id.clone()];
        if !rp.required_steps.contains(id) && matches!(f.status, Status::Fail | Status::Error) {
            f.status = Status::Warn;
            f.message = format!("{} (step not in required_steps, so it only warns)", f.message);
        }
        out.push(f);
    }
    out
}

fn one(input: &GateInput, id: &str, step: &ReleaseStep) -> GateFinding {
    let check = format!("step:{id}");
    let fail = |msg: String| GateFinding::new(check.clone(), S, Status::Fail, msg);
    let plan = &input.plan.plan;
    match step {
        ReleaseStep::Tests { evidence, max_failed, max_skipped, min_cases, select: globs, flaky_policy, .. } => {
            let (all, files) = match cases(input, evidence) {
                Ok(c) => c,
                Err(e) => return GateFinding::new(check, S, Status::Error, e),
            };
            let chosen = match select(all, globs) {
                Ok(c) => c,
                Err(e) => return GateFinding::new(check, S, Status::Error, e),
            };
            if let Some(missing) = chosen.not_found() {
                let mut f = fail(missing);
                f.evidence = files;
                return f;
            }
            let chosen = chosen.cases;
            let count = |s: CaseStatus| chosen.iter().filter(|c| c.status == s).count() as u32;
            let failed = count(CaseStatus::Failed) + count(CaseStatus::Errored);
            let skipped = count(CaseStatus::Skipped);
            let flaky: Vec<&str> = chosen.iter().filter(|c| c.flaky).map(|c| c.name.as_str()).collect();
            let total = chosen.len() as u32;
            let observed = format!("{total} cases, {failed} failed, {skipped} skipped, {} flaky", flaky.len());
            let expected = format!(
                "≥ {min_cases} cases, ≤ {max_failed} failed{}",
                max_skipped.map(|m| format!(", ≤ {m} skipped")).unwrap_or_default()
            );
            let mut problems = Vec::new();
            if failed > *max_failed {
                let names: Vec<&str> = chosen
                    .iter()
                    .filter(|c| matches!(c.status, CaseStatus::Failed | CaseStatus::Errored))
                    .take(5)
                    .map(|c| c.name.as_str())
                    .collect();
                problems.push(format!("{failed} failed (at most {max_failed}): {}", names.join(", ")));
            }
            if let Some(m) = max_skipped
                && skipped > *m
            {
                problems.push(format!("{skipped} skipped (at most {m})"));
            }
            if total < *min_cases {
                problems.push(format!("only {total} cases (at least {min_cases})"));
            }
            let mut status = if problems.is_empty() { Status::Pass } else { Status::Fail };
            if !flaky.is_empty() && *flaky_policy != FlakyPolicy::Allow {
                problems.push(format!("flaky: {}", flaky.iter().take(5).copied().collect::<Vec<_>>().join(", ")));
                if status == Status::Pass {
                    status = if *flaky_policy == FlakyPolicy::Fail { Status::Fail } else { Status::Warn };
                }
            }
            let msg = if problems.is_empty() { format!("QA tests pass: {observed}") } else { problems.join("; ") };
            let mut f = GateFinding::new(check, S, status, msg).observed(observed, expected);
            f.evidence = files;
            f
        }
        ReleaseStep::Approval { group, min_approvals, record, must_postdate_plan_change, .. } => {
            let path = approval_path(record, &input.version);
            let rec = match input.approvals.get(&path) {
                Some(Some(Ok(r))) => r,
                Some(Some(Err(e))) => return GateFinding::new(check, S, Status::Error, e.clone()),
                _ => return fail(format!("no approval record at {path} for version {}", input.version)),
            };
            if rec.version != input.version {
                return fail(format!("{path} approves version {}, not {}", rec.version, input.version));
            }
            let Some(a) = rec.steps.get(id) else {
                return fail(format!("{path} has no [steps.{id}] approval"));
            };
            if a.decision == Decision::Rejected {
                return fail(format!("the release was rejected on {} by {}", a.date, a.approved_by.join(", ")));
            }
            let latest = input.latest_record_date();
            if a.date > latest {
                let mut f = GateFinding::new(
                    check,
                    S,
                    Status::Error,
                    format!(
                        "{path}: [steps.{id}] is dated {}, after {latest} (today or the gated commit): an approval cannot come from the future",
                        a.date
                    ),
                );
                f.invalid = true;
                return f;
            }
            let members = group_members(plan, group);
            let mut valid = Vec::new();
            let mut outsiders = Vec::new();
            for who in &a.approved_by {
                match person_id(plan, who) {
                    Some(p) if members.contains(&p) => valid.push(p),
                    _ => outsiders.push(who.clone()),
                }
            }
            valid.sort();
            valid.dedup();
            let observed = format!("{} approval(s): {}", valid.len(), valid.join(", "));
            let expected = format!("≥ {min_approvals} from {group}");
            if !outsiders.is_empty() {
                return fail(format!(
                    "approved by {} who {} not in group `{group}`",
                    outsiders.join(", "),
                    if outsiders.len() == 1 { "is" } else { "are" }
                ))
                .observed(observed, expected);
            }
            if (valid.len() as u32) < *min_approvals {
                return fail(format!("{} of {min_approvals} required approvals from `{group}`", valid.len()))
                    .observed(observed, expected);
            }
            if *must_postdate_plan_change
                && let Some(changed) = input.facts.last_plan_change
                && a.date < changed
            {
                return fail(format!(
                    "approved on {}, but the plan changed after that, on {changed}; approve again",
                    a.date
                ));
            }
            if let Some(verified) = &input.facts.verified_approvers {
                let unverified: Vec<&String> = valid.iter().filter(|p| !verified.contains(p)).collect();
                if !unverified.is_empty() {
                    let names: Vec<&str> = unverified.iter().map(|s| s.as_str()).collect();
                    return fail(format!(
                        "no commit to {path} by the git identity of {} (--verify-approvers git)",
                        names.join(", ")
                    ));
                }
            }
            let conditions = if a.conditions.is_empty() {
                String::new()
            } else {
                format!(" with conditions: {}", a.conditions.join("; "))
            };
            GateFinding::new(
                check,
                S,
                Status::Pass,
                format!("approved on {} by {}{conditions}", a.date, valid.join(", ")),
            )
            .observed(observed, expected)
        }
        ReleaseStep::ChangeTicket { id_pattern, source, min_lead_time, .. } => {
            let re = match regex::Regex::new(id_pattern) {
                Ok(r) => r,
                Err(e) => {
                    return GateFinding::new(
                        check,
                        S,
                        Status::Error,
                        format!("id_pattern is not a valid regular expression: {e}"),
                    );
                }
            };
            let path = approval_path(DEFAULT_APPROVAL_RECORD, &input.version);
            let (ticket, opened) = match source {
                TicketSource::ApprovalRecord => match input.approvals.get(&path) {
                    Some(Some(Ok(r))) => match &r.change_ticket {
                        Some(t) => (Some(t.id.clone()), Some(t.opened)),
                        None => (None, None),
                    },
                    Some(Some(Err(e))) => return GateFinding::new(check, S, Status::Error, e.clone()),
                    _ => (None, None),
                },
                TicketSource::TagAnnotation => {
                    let found =
                        input.facts.tag_message.as_deref().and_then(|m| re.find(m)).map(|m| m.as_str().to_owned());
                    (found, None)
                }
                TicketSource::Env => (input.facts.env_ticket.clone(), None),
            };
            let Some(ticket) = ticket else {
                let place = match source {
                    TicketSource::ApprovalRecord => format!("change_ticket in {path}"),
                    TicketSource::TagAnnotation => "the tag's annotation".into(),
                    TicketSource::Env => "PLAN_CHANGE_TICKET".into(),
                };
                return fail(format!("no change ticket found in {place}"));
            };
            if !re.is_match(&ticket) {
                return fail(format!("change ticket `{ticket}` does not match {id_pattern}"));
            }
            let latest = input.latest_record_date();
            if let Some(opened) = opened
                && opened > latest
            {
                let mut f = GateFinding::new(
                    check,
                    S,
                    Status::Error,
                    format!(
                        "change ticket {ticket} is recorded as opened on {opened}, after {latest} (today or the gated commit): a record cannot come from the future"
                    ),
                );
                f.invalid = true;
                return f;
            }
            if let (Some(lead), Some(opened)) = (min_lead_time, opened) {
                let ready = opened.add_days(lead.as_days_ceil());
                if ready > input.today {
                    return fail(format!(
                        "change ticket {ticket} was opened on {opened}; the {lead} lead time ends on {ready}"
                    ));
                }
            }
            GateFinding::new(check, S, Status::Pass, format!("change ticket {ticket}"))
        }
        ReleaseStep::Attestation { group, record, valid_for, .. } => {
            attestation(input, &check, S, group, record, *valid_for)
        }
        ReleaseStep::Command { run, timeout, expect_exit, output, .. } => {
            let shown = run.join(" ");
            match input.commands.get(id) {
                Some(CommandOutcome::Exited { code, stdout }) if code != expect_exit => {
                    let tail: String = stdout.trim().lines().last().unwrap_or("").chars().take(200).collect();
                    let tail = if tail.is_empty() { String::new() } else { format!(": {tail}") };
                    fail(format!("`{shown}` exited {code}, expected {expect_exit}{tail}"))
                }
                Some(CommandOutcome::Exited { code, stdout }) => match output {
                    None => GateFinding::new(check, S, Status::Pass, format!("`{shown}` exited {code}")),
                    Some(o) => {
                        let value = serde_json::from_str::<serde_json::Value>(stdout)
                            .map_err(|e| format!("`{shown}` did not print JSON: {e}"))
                            .and_then(|doc| crate::evidence::json_number(&doc, &o.pointer));
                        match value {
                            Err(e) => GateFinding::new(check, S, Status::Error, e),
                            Ok(v) => {
                                let ok = super::criteria::holds(o.op, v, o.target);
                                let status = if ok { Status::Pass } else { Status::Fail };
                                GateFinding::new(
                                    check,
                                    S,
                                    status,
                                    format!(
                                        "`{shown}` printed {} = {v}, expected {} {}",
                                        o.pointer,
                                        o.op.as_str(),
                                        o.target
                                    ),
                                )
                                .observed(v.to_string(), format!("{} {}", o.op.as_str(), o.target))
                            }
                        }
                    }
                },
                Some(CommandOutcome::TimedOut) => {
                    fail(format!("`{shown}` did not finish within {timeout}; it was killed"))
                }
                Some(CommandOutcome::FailedToStart(e)) => {
                    GateFinding::new(check, S, Status::Error, format!("`{shown}` could not start: {e}"))
                }
                Some(CommandOutcome::AtRelease) => GateFinding::new(
                    check,
                    S,
                    Status::AtRelease,
                    format!("`{shown}` runs at release: a preview never executes plan commands"),
                ),
                Some(CommandOutcome::Refused(why)) => {
                    let mut f = GateFinding::new(check, S, Status::Error, why.clone());
                    f.invalid = true;
                    f
                }
                None => GateFinding::new(check, S, Status::Error, "the command was not run".to_string()),
            }
        }
    }
}

/// An attestation record by a member of `group`, not older than `valid_for`.
pub fn attestation(
    input: &GateInput,
    check: &str,
    section: &'static str,
    group: &str,
    record: &str,
    valid_for: crate::plan::values::Period,
) -> GateFinding {
    let plan = &input.plan.plan;
    let path = approval_path(record, &input.version);
    let fail = |m: String| GateFinding::new(check, section, Status::Fail, m);
    let a = match input.attestations.get(&path) {
        Some(Some(Ok(a))) => a,
        Some(Some(Err(e))) => return GateFinding::new(check, section, Status::Error, e.clone()),
        _ => return fail(format!("no attestation at {path}")),
    };
    let members = group_members(plan, group);
    match person_id(plan, &a.by) {
        Some(p) if members.contains(&p) => {}
        _ => return fail(format!("attested by {}, who is not in group `{group}`", a.by)),
    }
    let latest = input.latest_record_date();
    if a.date > latest {
        let mut f = GateFinding::new(
            check.to_owned(),
            section,
            Status::Error,
            format!(
                "attestation dated {} is after {latest} (today or the gated commit): it cannot come from the future",
                a.date
            ),
        );
        f.invalid = true;
        return f;
    }
    let until = valid_for.after(a.date);
    if until < input.today {
        return fail(format!("attestation by {} on {} expired on {until} (valid for {valid_for})", a.by, a.date));
    }
    GateFinding::new(check, section, Status::Pass, format!("attested by {} on {}: {}", a.by, a.date, a.statement))
        .observed(format!("{} on {}", a.by, a.date), format!("a member of {group}, within {valid_for}"))
}
