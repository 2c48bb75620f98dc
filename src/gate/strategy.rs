//! 2.1.2 release strategy: version and tag, freeze windows, support lifetime, release
//! branch, and approval of breaking plan changes since the previous release.

use super::records::Decision;
use super::{DEFAULT_APPROVAL_RECORD, GateFinding, GateInput, Status, approval_path, group_members, person_id};
use crate::diff::Impact;
use crate::plan::Versioning;

const S: &str = "2.1.2";

fn calver_ok(v: &str) -> bool {
    let parts: Vec<&str> = v.split('.').collect();
    parts.len() >= 2
        && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        && parts[0].len() == 4
        && parts[1].parse::<u32>().is_ok_and(|m| (1..=12).contains(&m))
}

pub fn evaluate(input: &GateInput) -> Vec<GateFinding> {
    let plan = &input.plan.plan;
    let rel = &plan.strategy.release;
    let mut out = Vec::new();
    let v = &input.version;
    let version_ok = match rel.versioning {
        Versioning::Semver => semver::Version::parse(v).map_err(|e| e.to_string()),
        Versioning::Calver => {
            if calver_ok(v) {
                Ok(semver::Version::new(0, 0, 0))
            } else {
                Err("expected YYYY.MM[.DD][.N]".into())
            }
        }
    };
    out.push(
        match version_ok {
            Ok(_) => GateFinding::new(
                "strategy/version",
                S,
                Status::Pass,
                format!("{v} is a valid {:?} version", rel.versioning).to_lowercase(),
            ),
            Err(e) => GateFinding::new(
                "strategy/version",
                S,
                Status::Fail,
                format!("version `{v}` is not valid under {:?}: {e}", rel.versioning).to_lowercase(),
            ),
        }
        .at(&["strategy", "release", "versioning"]),
    );
    if let Some(tag) = &input.tag {
        let expected = rel.tag_pattern.replace("{version}", v);
        let status = if *tag == expected { Status::Pass } else { Status::Fail };
        out.push(
            GateFinding::new("strategy/tag-pattern", S, status, format!("tag `{tag}` for version {v}"))
                .observed(tag.clone(), expected)
                .at(&["strategy", "release", "tag_pattern"]),
        );
    }
    let today = input.today;
    let frozen: Vec<(&String, &crate::plan::FreezeWindow)> =
        rel.freeze_windows.iter().filter(|(_, w)| w.from <= today && today <= w.to).collect();
    out.push(match frozen.first() {
        Some((id, w)) => GateFinding::new(
            "strategy/freeze-window",
            S,
            Status::Fail,
            format!("{today} is inside freeze window `{id}` ({} to {}: {})", w.from, w.to, w.reason),
        )
        .at(&["strategy", "release", "freeze_windows", id]),
        None => GateFinding::new(
            "strategy/freeze-window",
            S,
            Status::Pass,
            format!("{today} is outside every freeze window"),
        ),
    });
    let l = &plan.strategy.lifetime;
    let inside = l.supported_from <= today && today <= l.end_of_support;
    out.push(
        GateFinding::new(
            "strategy/support-lifetime",
            S,
            if inside { Status::Pass } else { Status::Fail },
            if inside {
                format!("{today} is inside the support lifetime ({} to {})", l.supported_from, l.end_of_support)
            } else {
                format!("{today} is outside the support lifetime ({} to {})", l.supported_from, l.end_of_support)
            },
        )
        .at(&["strategy", "lifetime", "end_of_support"]),
    );
    if !rel.release_branches.is_empty() {
        let f = &input.facts;
        let globs = rel.release_branches.join(", ");
        out.push(
            if let Some(b) = f.containing_branches.first() {
                GateFinding::new("strategy/release-branch", S, Status::Pass, format!("the release commit is on release branch `{b}`"))
            } else if f.matching_branches.is_empty() {
                GateFinding::new(
                    "strategy/release-branch",
                    S,
                    Status::Fail,
                    format!("no branch matching {globs} exists here; fetch the release branches (actions/checkout with fetch-depth: 0)"),
                )
            } else {
                GateFinding::new(
                    "strategy/release-branch",
                    S,
                    Status::Fail,
                    format!("the release commit is not reachable from any release branch ({})", f.matching_branches.join(", ")),
                )
            }
            .at(&["strategy", "release", "release_branches"]),
        );
    }
    out.push(plan_change(input));
    out
}

/// A plan cannot quietly weaken itself between releases.
fn plan_change(input: &GateInput) -> GateFinding {
    let plan = &input.plan.plan;
    let path = approval_path(DEFAULT_APPROVAL_RECORD, &input.version);
    let approval = input
        .approvals
        .get(&path)
        .and_then(|r| r.as_ref())
        .and_then(|r| r.as_ref().ok())
        .and_then(|r| r.plan_change.as_ref());
    // A recorded approval is checked whether or not it is needed: a date from the future is
    // a forged or mistaken record.
    let latest = input.latest_record_date();
    if let Some(a) = approval
        && a.date > latest
    {
        let mut f = GateFinding::new(
            "strategy/plan-change-approved",
            S,
            Status::Error,
            format!(
                "{path}: [plan_change] is dated {}, after {latest} (today or the gated commit): an approval cannot come from the future",
                a.date
            ),
        );
        f.invalid = true;
        return f;
    }
    let Some((prev, changes)) = &input.facts.previous else {
        return GateFinding::new(
            "strategy/plan-change-approved",
            S,
            Status::Na,
            "no previous release tag to compare the plan with",
        );
    };
    if changes.iter().any(|p| p.status == crate::diff::PlanStatus::Added) {
        return GateFinding::new(
            "strategy/plan-change-approved",
            S,
            Status::Na,
            format!("the plan did not exist at {prev}: nothing to compare it with"),
        );
    }
    let breaking: Vec<String> = changes
        .iter()
        .flat_map(|p| p.changes.iter())
        .filter(|c| c.impact == Impact::Breaking)
        .map(crate::diff::describe)
        .collect();
    if breaking.is_empty() {
        return GateFinding::new(
            "strategy/plan-change-approved",
            S,
            Status::Pass,
            format!("no breaking plan change since {prev}"),
        );
    }
    let group = group_members(plan, &plan.plan.approvers_group);
    if let (Some(a), Some(changed)) = (approval, input.facts.last_plan_change)
        && a.date < changed
    {
        return GateFinding::new(
            "strategy/plan-change-approved",
            S,
            Status::Fail,
            format!(
                "[plan_change] in {path} was approved on {}, but the plan changed after that, on {changed}; approve the changes again",
                a.date
            ),
        )
        .at(&["plan", "approvers_group"]);
    }
    let approvers: Vec<String> = approval
        .filter(|a| a.decision != Decision::Rejected)
        .map(|a| a.approved_by.iter().filter_map(|w| person_id(plan, w)).filter(|p| group.contains(p)).collect())
        .unwrap_or_default();
    let summary = breaking.join("; ");
    if approvers.is_empty() {
        GateFinding::new(
            "strategy/plan-change-approved",
            S,
            Status::Fail,
            format!(
                "{} breaking plan change(s) since {prev} without an approval from `{}`: {summary}",
                breaking.len(),
                plan.plan.approvers_group
            ),
        )
        .observed(
            "no [plan_change] approval",
            format!("[plan_change] in {path}, approved by a member of {}", plan.plan.approvers_group),
        )
        .at(&["plan", "approvers_group"])
    } else {
        GateFinding::new(
            "strategy/plan-change-approved",
            S,
            Status::Pass,
            format!(
                "{} breaking plan change(s) since {prev}, approved by {}: {summary}",
                breaking.len(),
                approvers.join(", ")
            ),
        )
    }
}
