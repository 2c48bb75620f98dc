//! Rules over 2.2 support environment: software, licenses, data exchange, security.

use crate::check::{Context, Hit};
use crate::plan::model::*;
use crate::report::Severity;

pub fn software_eol(ctx: &Context) -> Vec<Hit> {
    let mut hits = vec![];
    for (id, s) in &ctx.plan.environment.software {
        let Some(eol) = s.eol else { continue };
        let days = ctx.now.days_until(eol);
        if days < 0 {
            hits.push(
                Hit::new(
                    &["environment", "software", id, "eol"],
                    format!("{} {} reached end of life on {eol}", s.platform, s.version),
                )
                .help("upgrade to a supported version, then update version and eol"),
            );
        } else if days <= 180 {
            hits.push(
                Hit::new(
                    &["environment", "software", id, "eol"],
                    format!("{} {} reaches end of life in {days} days, on {eol}", s.platform, s.version),
                )
                .help("plan the upgrade now")
                .severity(Severity::Warning),
            );
        }
    }
    hits
}

pub fn software_eol_unknown(ctx: &Context) -> Vec<Hit> {
    ctx.plan
        .environment
        .software
        .iter()
        .filter(|(_, s)| s.kind == SoftwareKind::Vendor && s.eol.is_none())
        .map(|(id, s)| {
            Hit::new(
                &["environment", "software", id],
                format!("vendor software {} declares no end of life", s.platform),
            )
            .help("add eol = YYYY-MM-DD from the vendor's lifecycle page")
            .severity(ctx.error_at_ga())
        })
        .collect()
}

pub fn license_expired(ctx: &Context) -> Vec<Hit> {
    let Some(licenses) = ctx.plan.environment.licenses.get() else {
        return vec![];
    };
    licenses
        .iter()
        .filter_map(|(id, l)| {
            let exp = l.expires?;
            (exp < ctx.now).then(|| {
                Hit::new(
                    &["environment", "licenses", id, "expires"],
                    format!("license `{id}` ({} {}) expired on {exp}", l.vendor, l.product),
                )
                .help("renew it and update expires")
            })
        })
        .collect()
}

pub fn license_notice(ctx: &Context) -> Vec<Hit> {
    let Some(licenses) = ctx.plan.environment.licenses.get() else {
        return vec![];
    };
    licenses
        .iter()
        .filter_map(|(id, l)| {
            let exp = l.expires?;
            let notice = l.notice_period?;
            let days = ctx.now.days_until(exp);
            let window = ctx.now.days_until(notice.after(ctx.now));
            (exp >= ctx.now && days <= window).then(|| {
                Hit::new(
                    &["environment", "licenses", id, "expires"],
                    format!("license `{id}` expires in {days} days ({exp}), inside its {notice} notice period"),
                )
                .help("start the renewal now")
            })
        })
        .collect()
}

pub fn license_renewal_owner(ctx: &Context) -> Vec<Hit> {
    let Some(licenses) = ctx.plan.environment.licenses.get() else {
        return vec![];
    };
    licenses
        .iter()
        .filter(|(_, l)| l.renewal == Renewal::Manual && l.renewal_owner.is_none())
        .map(|(id, _)| {
            Hit::new(
                &["environment", "licenses", id, "renewal"],
                format!("license `{id}` renews manually but names nobody to renew it"),
            )
            .help("add renewal_owner = \"<contact id>\"")
        })
        .collect()
}

pub fn data_exchange(ctx: &Context) -> Vec<Hit> {
    let Some(x) = ctx.plan.environment.data_exchange.get() else {
        return vec![];
    };
    let mut hits = vec![];
    for (id, d) in x {
        if d.contact.is_none() {
            hits.push(
                Hit::new(
                    &["environment", "data_exchange", id],
                    format!("data exchange `{id}` with {} names no contact", d.counterparty),
                )
                .help("add contact = \"<contact id>\" for whoever runs the other side"),
            );
        }
        if d.data_class.is_none() {
            hits.push(
                Hit::new(
                    &["environment", "data_exchange", id],
                    format!("data exchange `{id}` does not classify its data"),
                )
                .help("add data_class = \"public\" | \"internal\" | \"confidential\" | \"restricted\""),
            );
        }
    }
    hits
}

fn sensitive(s: &Security) -> bool {
    s.personal_data || s.data_classification >= DataClass::Confidential
}

pub fn access_restrictions(ctx: &Context) -> Vec<Hit> {
    let s = &ctx.plan.environment.security;
    if sensitive(s) && s.access.is_empty() {
        vec![
            Hit::new(
                &["environment", "security"],
                "sensitive data (confidential, restricted or personal) but no access restrictions are declared",
            )
            .help("add [environment.security.access.<id>] with roles and method"),
        ]
    } else {
        vec![]
    }
}

pub fn access_review(ctx: &Context) -> Vec<Hit> {
    let s = &ctx.plan.environment.security;
    if !sensitive(s) {
        return vec![];
    }
    match (s.access_review_interval, s.last_access_review) {
        (Some(interval), Some(last)) => {
            let at = ["environment", "security", "last_access_review"];
            super::overdue(&at, "access review", last, interval, ctx.now)
                .map(|h| h.help("review who has access, then update last_access_review").severity(ctx.error_at_ga()))
                .into_iter()
                .collect()
        }
        _ => vec![
            Hit::new(&["environment", "security"], "sensitive data without a scheduled access review")
                .help("add access_review_interval and last_access_review")
                .severity(ctx.error_at_ga()),
        ],
    }
}
