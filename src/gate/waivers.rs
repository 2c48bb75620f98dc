//! Waivers: temporary, approved, bounded exceptions. They never hide a finding: a waived
//! finding keeps its message and gains the waiver's reason and expiry. Expired, unused,
//! malformed or over-long waivers are reported themselves.

use crate::plan::Op;
use crate::plan::values::Target;

use super::{AppliedWaiver, GateFinding, GateInput, Status, group_members, person_id};

const S: &str = "2.1.3";

pub fn apply(input: &GateInput, findings: &mut Vec<GateFinding>) {
    let plan = &input.plan.plan;
    let file = match &input.waivers {
        Ok(f) => f,
        Err(e) => {
            let mut f = GateFinding::new("waiver/file", S, Status::Error, e.clone());
            f.invalid = true;
            findings.push(f);
            return;
        }
    };
    let settings = &plan.gate;
    let group = group_members(plan, &plan.plan.approvers_group);
    let mut extra = Vec::new();
    for (id, w) in &file.waivers {
        let check = format!("waiver/{id}");
        let invalid = |m: String| {
            let mut f = GateFinding::new(check.clone(), S, Status::Error, m);
            f.invalid = true;
            f
        };
        if !findings.iter().any(|f| f.check == w.check) {
            extra.push(invalid(format!("waiver `{id}` covers `{}`, which is not a check of this gate", w.check)));
            continue;
        }
        // A waiver cannot be dated after the commit that introduced it: re-dating `created`
        // must not renew it. So its horizon, counted from `created`, counts from no later
        // than that commit.
        let latest = input.latest_record_date();
        if let Some(introduced) = input.facts.waivers_introduced.get(id).filter(|d| w.created > **d && **d <= latest) {
            extra.push(invalid(format!(
                "waiver `{id}` says it was created {}, but it was first committed on {introduced}: re-dating a waiver does not renew it; add a new waiver (a new id) with its own approval",
                w.created
            )));
            continue;
        }
        if w.created > latest {
            extra.push(invalid(format!(
                "waiver `{id}` was created {}, after {latest} (today or the gated commit): a waiver cannot come from the future",
                w.created
            )));
            continue;
        }
        if w.expires < w.created {
            extra.push(invalid(format!("waiver `{id}` expires ({}) before it was created ({})", w.expires, w.created)));
            continue;
        }
        // The plan's horizon, capped by the repository's.
        let (max, source) = match input.max_waiver_horizon {
            Some(repo) if repo < settings.waiver_max_horizon => {
                (repo, ".support-plan/config.toml gate.waiver_max_horizon")
            }
            _ => (settings.waiver_max_horizon, "gate.waiver_max_horizon"),
        };
        if w.created.days_until(w.expires) > max.as_days_ceil() {
            extra.push(invalid(format!(
                "waiver `{id}` runs {} days, longer than {source} ({max})",
                w.created.days_until(w.expires)
            )));
            continue;
        }
        let outsiders: Vec<&String> =
            w.approved_by.iter().filter(|a| person_id(plan, a).is_none_or(|p| !group.contains(&p))).collect();
        if w.approved_by.is_empty() || !outsiders.is_empty() {
            let who = outsiders.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
            extra.push(invalid(format!(
                "waiver `{id}` needs approval from `{}`; not members: {who}",
                plan.plan.approvers_group
            )));
            continue;
        }
        if let Some(ceiling) = &w.ceiling
            && let Some(problem) = ceiling_problem(plan, &w.check, ceiling)
        {
            extra.push(invalid(format!("waiver `{id}`: {problem}")));
            continue;
        }
        // In a preview the release version is not known: a version-scoped waiver may or may
        // not cover the release, so what it would cover is decided at release.
        let mut scoped_in_preview = None;
        if let Some(req) = &w.versions {
            match (semver::VersionReq::parse(req), semver::Version::parse(&input.version)) {
                (Err(e), _) => {
                    extra.push(invalid(format!("waiver `{id}`: versions `{req}` is not a version requirement: {e}")));
                    continue;
                }
                // Unless no version after the newest release can match: then it never will.
                (Ok(r), _) if input.preview && !could_cover_next(input, &r) => continue,
                (Ok(_), _) if input.preview => scoped_in_preview = Some(req),
                (Ok(r), Ok(v)) if !r.matches(&v) => continue,
                _ => {}
            }
        }
        if w.expires < input.today {
            extra.push(GateFinding::new(
                check,
                S,
                Status::Warn,
                format!("waiver `{id}` for `{}` expired on {}; it no longer covers it", w.check, w.expires),
            ));
            continue;
        }
        let Some(target) = findings.iter_mut().find(|f| f.check == w.check) else { continue };
        if target.status == Status::Error {
            // Only a measured failure can be waived; the check could not be evaluated.
            extra.push(GateFinding::new(
                check,
                S,
                Status::Warn,
                format!(
                    "waiver `{id}` covers `{}`, which could not be evaluated (its evidence is missing or invalid); a waiver never covers an error",
                    w.check
                ),
            ));
            continue;
        }
        if !matches!(target.status, Status::Fail | Status::Warn) {
            extra.push(GateFinding::new(
                check,
                S,
                Status::Warn,
                format!("waiver `{id}` covers `{}`, which passes now; remove the waiver", w.check),
            ));
            continue;
        }
        // The bound lies on the side the criterion fails towards: an upper bound for `<`/`<=`
        // (covered up to it), a lower one for `>`/`>=` (covered down to it).
        if let Some(ceiling) = &w.ceiling {
            let higher_is_better = matches!(criterion_op(plan, &w.check), Some(Op::Gt | Op::Ge));
            let beyond = match target.measured {
                Some(m) if higher_is_better => m < ceiling.base() - 1e-12,
                Some(m) => m > ceiling.base() + 1e-12,
                // A ceiling covers measured values only.
                None => true,
            };
            if beyond {
                let (bound, side) = if higher_is_better { ("down to", "below") } else { ("up to", "above") };
                extra.push(GateFinding::new(
                    check,
                    S,
                    Status::Warn,
                    format!("waiver `{id}` covers `{}` {bound} {ceiling} only; the measurement is {side} it", w.check),
                ));
                continue;
            }
        }
        if let Some(req) = scoped_in_preview {
            target.status = Status::AtRelease;
            target.message = format!(
                "at release: {} (waiver `{id}` covers it for versions `{req}` only; whether the release is one is known at release)",
                target.message
            );
            continue;
        }
        target.status = Status::Waived;
        target.waiver = Some(AppliedWaiver {
            id: id.clone(),
            reason: w.reason.clone(),
            approved_by: w.approved_by.clone(),
            expires: w.expires.to_string(),
            ticket: w.ticket.clone(),
        });
        let left = input.today.days_until(w.expires);
        if left <= settings.waiver_runway.as_days_ceil() {
            extra.push(GateFinding::new(
                check,
                S,
                Status::Warn,
                format!("waiver `{id}` expires in {left} day(s), on {}", w.expires),
            ));
        }
    }
    findings.extend(extra);
}

/// Whether a version requirement matches any of the next versions after the newest release
/// (its next patch, minor or major, and their pre-releases); true when there is no release
/// yet or its version is not semver.
fn could_cover_next(input: &GateInput, req: &semver::VersionReq) -> bool {
    let Some((tag, _)) = &input.facts.previous else { return true };
    let pattern = &input.plan.plan.strategy.release.tag_pattern;
    let Some(v) = crate::release::version_from_tag(pattern, tag).and_then(|v| semver::Version::parse(&v).ok()) else {
        return true;
    };
    let next = [
        semver::Version::new(v.major, v.minor, v.patch.saturating_add(1)),
        semver::Version::new(v.major, v.minor.saturating_add(1), 0),
        semver::Version::new(v.major.saturating_add(1), 0, 0),
    ];
    next.iter().any(|n| {
        let mut pre = n.clone();
        pre.pre = semver::Prerelease::new("rc.1").unwrap_or(semver::Prerelease::EMPTY);
        req.matches(n) || req.matches(&pre)
    })
}

/// The comparison of the threshold criterion a check names.
fn criterion_op(plan: &crate::plan::Plan, check: &str) -> Option<Op> {
    let criterion = check.strip_prefix("criterion:").and_then(|id| plan.acceptance.criteria.get(id))?;
    match &criterion.measure {
        crate::plan::Measure::Threshold { op, .. } => Some(*op),
        _ => None,
    }
}

/// A ceiling must be comparable with what the covered check measures: only threshold
/// criteria with an order (`<`, `<=`, `>`, `>=`) measure a value it can bound, and the
/// ceiling must be in their metric's dimension.
fn ceiling_problem(plan: &crate::plan::Plan, check: &str, ceiling: &Target) -> Option<String> {
    let criterion = check.strip_prefix("criterion:").and_then(|id| plan.acceptance.criteria.get(id));
    let Some(crate::plan::Measure::Threshold { metric, op, .. }) = criterion.map(|c| &c.measure) else {
        return Some(format!("a ceiling applies to threshold criteria only, and `{check}` is not one"));
    };
    if matches!(op, Op::Eq | Op::Ne) {
        return Some(format!("a ceiling bounds an order, and `{check}` compares with `{}`", op.as_str()));
    }
    let (ev_id, name) = metric.split_once('.')?;
    let unit = crate::evidence::metric_unit(plan.evidence.get(ev_id)?, name)?;
    crate::plan::unit_mismatch("ceiling", metric, &unit, ceiling)
}
