//! The impact catalogue: for every leaf and keyed table of the plan model, how two values
//! compare and which way is weaker. One table, so a reviewer can read in one place what
//! `plan diff` calls breaking; a test fails when a model field has no entry, and the
//! README's table is generated from this one.

/// How two values of a field compare, and which direction weakens a commitment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// A larger value is the stronger commitment (dates: later; durations: longer).
    Higher(&'static str),
    /// A smaller value is the stronger commitment.
    Lower(&'static str),
    /// `true` is the stronger commitment.
    Flag(&'static str),
    /// Values from the strongest to the weakest.
    Rank(&'static [&'static str], &'static str),
    /// Any change alters what is measured or enforced.
    Exact(&'static str),
    /// A threshold: the direction comes from the sibling `op` (`<=` may not grow, `>=` may
    /// not shrink, `==` may not change).
    Threshold(&'static str),
    /// A reference to support hours (`hours.<id>`): weaker when the referenced hours cover
    /// fewer hours a week (both sides resolved in their own plan).
    HoursRef(&'static str),
    /// A repository's setting for a rule (`config.rules.<id>`): weaker when the rule's
    /// effective severity drops (error → warning → info → off), counting a missing setting
    /// as the rule's own severity.
    RuleLevel(&'static str),
    /// A list or keyed table: see the entry's `added` and `removed`.
    Members,
    /// Meaningful, without a direction.
    Notable,
    /// Wording.
    Prose,
}

/// One catalogue entry: a key path (`*` stands for one key of a keyed table, a leading
/// `**.` for any prefix) and how it compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub path: &'static str,
    pub compare: Compare,
    /// Why adding the value (or a member) weakens the plan, when it does.
    pub added: Option<&'static str>,
    /// Why removing the value (or a member) weakens the plan, when it does.
    pub removed: Option<&'static str>,
}

impl Entry {
    const fn new(path: &'static str, compare: Compare) -> Entry {
        // A stated limit that disappears is a limit no longer kept.
        let removed = match compare {
            Compare::Higher(why)
            | Compare::Lower(why)
            | Compare::Flag(why)
            | Compare::Rank(_, why)
            | Compare::Exact(why)
            | Compare::Threshold(why)
            | Compare::HoursRef(why) => Some(why),
            _ => None,
        };
        Entry { path, compare, added: None, removed }
    }

    const fn added(mut self, why: &'static str) -> Entry {
        self.added = Some(why);
        self
    }

    const fn removed(mut self, why: &'static str) -> Entry {
        self.removed = Some(why);
        self
    }

    /// Removing the value is not a weakening (an optional fact, not a limit).
    const fn removal_ok(mut self) -> Entry {
        self.removed = None;
        self
    }

    /// Whether `path` (key by key) is this entry's.
    pub fn matches(&self, path: &[String]) -> bool {
        matches(self.path, path)
    }

    /// "which way is weaker", in words, for the README.
    pub fn weaker_when(&self) -> String {
        if self.path == "**.na" {
            return "a section switched to `{ na = \"…\" }` (section switched to n/a); the reason's wording is cosmetic"
                .into();
        }
        let mut parts = Vec::new();
        match self.compare {
            Compare::Higher(why) => parts.push(format!("lower or earlier ({why})")),
            Compare::Lower(why) => parts.push(format!("higher, longer or later ({why})")),
            Compare::Flag(why) => parts.push(format!("turned off ({why})")),
            Compare::Rank(order, why) => parts.push(format!("moves right in {} ({why})", order.join(" → "))),
            Compare::Exact(why) => parts.push(format!("any change ({why})")),
            Compare::Threshold(why) => parts.push(format!("loosened by its `op` ({why})")),
            Compare::HoursRef(why) => parts.push(format!("names hours covering fewer hours a week ({why})")),
            Compare::RuleLevel(why) => parts.push(format!(
                "the rule's severity drops in error → warning → info → off, a missing setting counting as the rule's own ({why})"
            )),
            Compare::Members | Compare::Notable | Compare::Prose => {}
        }
        let is_limit = matches!(self.compare, Compare::Members | Compare::Notable | Compare::Prose);
        if let Some(why) = self.added {
            parts.push(format!("added ({why})"));
        }
        match self.removed {
            Some(why) if is_limit => parts.push(format!("removed ({why})")),
            Some(_) => parts.push("removed".into()),
            None => {}
        }
        if parts.is_empty() {
            return match self.compare {
                Compare::Prose => "never: wording (cosmetic)".into(),
                _ => "never: shown as notable".into(),
            };
        }
        parts.join("; ")
    }
}

fn matches(pattern: &str, path: &[String]) -> bool {
    if let Some(suffix) = pattern.strip_prefix("**.") {
        let parts: Vec<&str> = suffix.split('.').collect();
        return path.len() > parts.len()
            && parts.iter().zip(&path[path.len() - parts.len()..]).all(|(p, k)| *p == "*" || p == k);
    }
    let mut parts = pattern.split('.');
    let mut keys = path.iter();
    loop {
        match (parts.next(), keys.next()) {
            (None, None) => return true,
            (Some(p), Some(k)) if p == "*" || p == k => {}
            _ => return false,
        }
    }
}

/// The catalogue as the README's Markdown table.
pub fn markdown_table() -> String {
    let mut out = String::from("| field | weaker when |\n|---|---|\n");
    for e in CATALOGUE {
        out.push_str(&format!("| `{}` | {} |\n", e.path, e.weaker_when().replace('|', "\\|")));
    }
    out
}

/// The entry for a key path, if the catalogue has one.
pub fn lookup(path: &[String]) -> Option<&'static Entry> {
    CATALOGUE.iter().find(|e| e.matches(path))
}

use Compare::*;

const STAGE_STRICTNESS: &[&str] = &["ga", "maintenance", "beta", "experiment", "retired"];
const STAGE_ORDER: &[&str] = &["experiment", "beta", "ga", "maintenance", "retired"];

const fn e(path: &'static str, compare: Compare) -> Entry {
    Entry::new(path, compare)
}

const fn list(path: &'static str) -> Entry {
    Entry::new(path, Members)
}

/// Every field of the plan model, then the gate's own files (waivers, approval and
/// attestation records, repository config), whose paths start with their file's role.
pub static CATALOGUE: &[Entry] = &[
    // A section switched to `{ na = "…" }` is breaking wherever it happens (see classify);
    // the reason's wording is prose.
    e("**.na", Prose),
    e("schema_version", Notable),
    // Introduction.
    e("plan.product", Notable),
    e("plan.title", Prose),
    e("plan.url", Notable),
    e("plan.purpose", Prose),
    e("plan.stage", Rank(STAGE_STRICTNESS, "stage moved back: fewer rules apply")),
    e("plan.owner", Notable),
    e("plan.timezone", Notable),
    e("plan.approvers_group", Exact("a different group approves releases and waivers")),
    list("scope.covered").removed("scope narrowed"),
    list("scope.excluded").added("more excluded from scope"),
    list("audience.primary"),
    list("audience.secondary"),
    // 1.1, 1.2.
    list("objectives.*").removed("support objective removed"),
    e("objectives.*.text", Prose),
    list("objectives.*.measured_by").removed("objective measured by fewer criteria"),
    list("assumptions.*"),
    e("assumptions.*.text", Prose),
    list("assumptions.*.validated_by"),
    e("assumptions.*.revisit_by", Lower("assumption revisited later")),
    // 2.1.1 lifetime, 2.1.2 release strategy.
    e("strategy.description", Prose),
    e("strategy.lifetime.supported_from", Lower("support starts later")),
    e("strategy.lifetime.end_of_support", Higher("end of support moved earlier")),
    e("strategy.lifetime.review_interval", Lower("review interval lengthened")),
    e("strategy.lifetime.last_review", Notable),
    list("strategy.lifetime.review_triggers").removed("review trigger removed"),
    e("strategy.release.description", Prose),
    e("strategy.release.versioning", Notable),
    e("strategy.release.cadence", Lower("releases less frequent")).removal_ok(),
    list("strategy.release.release_branches").added("releases allowed from more branches"),
    e("strategy.release.supported_versions", Higher("fewer versions supported")),
    e("strategy.release.hotfix_max_lead_time", Lower("hotfix lead time lengthened")),
    e("strategy.release.tag_pattern", Exact("release tags match differently")),
    list("strategy.release.freeze_windows.*").removed("freeze window removed"),
    e("strategy.release.freeze_windows.*.from", Lower("freeze starts later")),
    e("strategy.release.freeze_windows.*.to", Higher("freeze ends earlier")),
    e("strategy.release.freeze_windows.*.reason", Prose),
    // 2.1.3 release process.
    e("release_process.description", Prose),
    list("release_process.required_steps").removed("release step no longer required"),
    list("release_process.steps.*").removed("release step removed"),
    e("release_process.steps.*.kind", Exact("the step checks something else now")),
    e("release_process.steps.*.description", Prose),
    e("release_process.steps.*.evidence", Exact("the step reads other evidence")),
    e("release_process.steps.*.select", Exact("test selection changed")),
    e("release_process.steps.*.max_failed", Lower("more test failures allowed")),
    e("release_process.steps.*.max_skipped", Lower("more skipped tests allowed")),
    e("release_process.steps.*.min_cases", Higher("fewer test cases required")),
    e("release_process.steps.*.flaky_policy", Rank(&["fail", "warn", "allow"], "flaky tests tolerated more")),
    e("release_process.steps.*.group", Exact("a different group approves")),
    e("release_process.steps.*.min_approvals", Higher("fewer approvals required")),
    e("release_process.steps.*.record", Exact("the record is read from another file")),
    e("release_process.steps.*.must_postdate_plan_change", Flag("must_postdate_plan_change turned off")),
    e("release_process.steps.*.id_pattern", Exact("ticket ids checked differently")),
    e("release_process.steps.*.source", Notable),
    e("release_process.steps.*.min_lead_time", Higher("change lead time shortened")),
    e("release_process.steps.*.valid_for", Lower("attestations valid longer")),
    e("release_process.steps.*.run", Exact("the command changed")),
    e("release_process.steps.*.timeout", Notable),
    e("release_process.steps.*.expect_exit", Exact("a different exit code passes")),
    list("release_process.steps.*.env").added("the command gets more of the environment"),
    e("release_process.steps.*.output", Members).removed("output check removed"),
    e("release_process.steps.*.output.pointer", Exact("the output check reads another value")),
    e("release_process.steps.*.output.op", Exact("the output check compares differently")),
    e("release_process.steps.*.output.target", Threshold("output threshold loosened")),
    // 2.1.4 acceptance criteria.
    list("acceptance.categories_required").removed("acceptance category no longer required"),
    list("acceptance.not_applicable.*").added("acceptance category switched to n/a"),
    list("release_process.not_applicable.*").added("a release step kind switched to n/a"),
    list("acceptance.criteria.*").removed("acceptance criterion removed"),
    e("acceptance.criteria.*.category", Notable),
    e("acceptance.criteria.*.description", Prose),
    e("acceptance.criteria.*.severity", Rank(&["error", "warn"], "criterion no longer blocks a release")),
    e("acceptance.criteria.*.since_stage", Rank(STAGE_ORDER, "criterion applies from a later stage"))
        .added("criterion applies only from a later stage")
        .removal_ok(),
    e("acceptance.criteria.*.kind", Exact("the criterion measures something else now")),
    e("acceptance.criteria.*.metric", Exact("the criterion measures something else now")),
    e("acceptance.criteria.*.op", Exact("the criterion compares differently")),
    e("acceptance.criteria.*.target", Threshold("threshold loosened")),
    e("acceptance.criteria.*.warn_at", Threshold("warning threshold loosened")).removed("warning threshold removed"),
    e("acceptance.criteria.*.aggregate", Exact("a different value decides when there are several"))
        .added("an explicit aggregate replaces the worst case"),
    e("acceptance.criteria.*.min_samples", Higher("fewer samples required")),
    e("acceptance.criteria.*.select", Exact("test selection changed")),
    e("acceptance.criteria.*.require", Rank(&["all-pass", "min-pass-pct"], "failing tests accepted")),
    e("acceptance.criteria.*.min_pass_pct", Higher("lower pass rate accepted")),
    e("acceptance.criteria.*.min_cases", Higher("fewer test cases required")),
    e("acceptance.criteria.*.evidence", Exact("the criterion reads other evidence")),
    e("acceptance.criteria.*.baseline", Notable),
    e("acceptance.criteria.*.max_regression_pct", Lower("larger regression allowed")),
    e("acceptance.criteria.*.by_group", Exact("a different group attests")),
    e("acceptance.criteria.*.record", Exact("the record is read from another file")),
    e("acceptance.criteria.*.valid_for", Lower("attestations valid longer")),
    e("acceptance.criteria.*.text", Prose),
    // 2.2 support environment.
    e("environment.description", Prose),
    list("environment.stages.*"),
    e("environment.stages.*.purpose", Prose),
    e("environment.stages.*.url", Notable),
    list("environment.software.*"),
    e("environment.software.*.kind", Notable),
    e("environment.software.*.vendor", Notable),
    e("environment.software.*.version", Notable),
    e("environment.software.*.platform", Notable),
    e("environment.software.*.url", Notable),
    e("environment.software.*.eol", Higher("software reaches end of life earlier")).removal_ok(),
    list("environment.hardware.*"),
    e("environment.hardware.*.description", Prose),
    e("environment.hardware.*.provider", Notable),
    e("environment.hardware.*.redundancy", Rank(&["N+2", "N+1", "N"], "less redundancy")),
    e("environment.hardware.*.replace_by", Notable),
    list("environment.databases.*"),
    e("environment.databases.*.engine", Notable),
    e("environment.databases.*.size", Notable),
    e("environment.databases.*.dba", Notable),
    e("environment.databases.*.data_class", Notable),
    list("environment.data_exchange.*"),
    e("environment.data_exchange.*.counterparty", Notable),
    e("environment.data_exchange.*.direction", Notable),
    e("environment.data_exchange.*.protocol", Notable),
    e("environment.data_exchange.*.format", Notable),
    e("environment.data_exchange.*.schedule", Notable),
    e("environment.data_exchange.*.contact", Notable),
    e("environment.data_exchange.*.data_class", Notable),
    list("environment.licenses.*"),
    e("environment.licenses.*.product", Notable),
    e("environment.licenses.*.vendor", Notable),
    e("environment.licenses.*.quantity", Higher("fewer licenses")),
    e("environment.licenses.*.expires", Higher("license expires earlier")).removal_ok(),
    e("environment.licenses.*.renewal", Rank(&["auto", "manual", "none"], "license renewal weakened")),
    e("environment.licenses.*.renewal_owner", Notable),
    e("environment.licenses.*.notice_period", Notable),
    e("environment.licenses.*.cost", Notable),
    e("environment.licenses.*.terms", Prose),
    e("environment.security.data_classification", Notable),
    e("environment.security.personal_data", Notable),
    e("environment.security.access_review_interval", Lower("access reviews less frequent")),
    e("environment.security.last_access_review", Notable),
    e("environment.security.notes", Prose),
    list("environment.security.access.*"),
    e("environment.security.access.*.description", Prose),
    list("environment.security.access.*.roles"),
    e("environment.security.access.*.method", Notable),
    e("environment.security.access.*.logging", Flag("access no longer logged")),
    // 2.2.5 contacts, 2.2.6 problem referral, hours.
    list("contacts.people.*"),
    e("contacts.people.*.name", Notable),
    e("contacts.people.*.email", Notable),
    e("contacts.people.*.phone", Notable),
    e("contacts.people.*.handle", Notable),
    e("contacts.people.*.role", Notable),
    e("contacts.people.*.oncall_trained", Flag("no longer trained for on-call")),
    list("contacts.teams.*"),
    e("contacts.teams.*.name", Notable),
    e("contacts.teams.*.email", Notable),
    e("contacts.teams.*.chat", Notable),
    e("contacts.teams.*.phone", Notable),
    e("contacts.teams.*.role", Notable),
    list("contacts.teams.*.members"),
    e("contacts.teams.*.oncall", Members).removed("on-call rotation removed"),
    e("contacts.teams.*.oncall.provider", Notable),
    e("contacts.teams.*.oncall.schedule", Notable),
    list("contacts.external.*"),
    e("contacts.external.*.name", Notable),
    e("contacts.external.*.role", Notable),
    e("contacts.external.*.email", Notable),
    e("contacts.external.*.phone", Notable),
    e("contacts.external.*.url", Notable),
    e("contacts.external.*.contract", Notable),
    list("contacts.groups.*"),
    e("contacts.groups.*.description", Prose),
    list("contacts.groups.*.members"),
    list("contacts.groups.*.includes"),
    list("escalation.*").removed("escalation level removed"),
    e("escalation.*.order", Notable),
    e("escalation.*.contact", Notable),
    e("escalation.*.hours", HoursRef("support hours shortened")).removal_ok(),
    e("escalation.*.escalate_after", Lower("escalation waits longer")),
    list("problem_referral.*"),
    e("problem_referral.*.problem", Prose),
    e("problem_referral.*.refer_to", Notable),
    e("problem_referral.*.hours", HoursRef("support hours shortened")).removal_ok(),
    list("hours.*"),
    e("hours.*.always", Flag("support no longer around the clock")),
    e("hours.*.timezone", Exact("support hours moved to another time zone")).removal_ok(),
    list("hours.*.days").removed("fewer support days"),
    e("hours.*.start", Lower("support hours start later")),
    e("hours.*.end", Higher("support hours end earlier")),
    e("hours.*.holidays", Notable),
    // 3.1–3.5 responsibilities, SLA, dependencies.
    e("responsibilities.software_maintenance.owner", Notable),
    e("responsibilities.software_maintenance.hours", HoursRef("support hours shortened")).removal_ok(),
    e("responsibilities.software_maintenance.url", Notable),
    e("responsibilities.software_maintenance.notes", Prose),
    e("responsibilities.sysadmin.owner", Notable),
    e("responsibilities.sysadmin.hours", HoursRef("support hours shortened")).removal_ok(),
    e("responsibilities.sysadmin.url", Notable),
    e("responsibilities.sysadmin.notes", Prose),
    e("responsibilities.user_support.owner", Notable),
    e("responsibilities.user_support.hours", HoursRef("support hours shortened")).removal_ok(),
    e("responsibilities.user_support.url", Notable),
    e("responsibilities.user_support.notes", Prose),
    e("responsibilities.dba.owner", Notable),
    e("responsibilities.dba.hours", HoursRef("support hours shortened")).removal_ok(),
    e("responsibilities.dba.url", Notable),
    e("responsibilities.dba.notes", Prose),
    list("responsibilities.response.*").removed("response target removed"),
    e("responsibilities.response.*.description", Prose),
    e("responsibilities.response.*.acknowledge", Lower("response time lengthened")),
    e("responsibilities.response.*.restore", Lower("restore time lengthened")),
    e("responsibilities.response.*.hours", HoursRef("support hours shortened")).removal_ok(),
    e("responsibilities.backup.owner", Notable),
    e("responsibilities.backup.frequency", Lower("backups less frequent")),
    e("responsibilities.backup.retention", Higher("retention shortened")),
    e("responsibilities.backup.rpo", Lower("RPO lengthened")),
    e("responsibilities.backup.rto", Lower("RTO lengthened")),
    e("responsibilities.backup.last_restore_test", Notable),
    e("responsibilities.backup.restore_test_interval", Lower("restore tests less frequent")),
    e("responsibilities.backup.dr_runbook", Notable).removed("DR runbook removed"),
    e("sla.availability_pct", Higher("SLA lowered")),
    e("sla.window", Notable),
    e("sla.measured_by", Notable),
    list("sla.exclusions").added("more excluded from the SLA"),
    e("sla.document", Notable),
    list("dependencies.*"),
    e("dependencies.*.system", Notable),
    e("dependencies.*.direction", Notable),
    e("dependencies.*.criticality", Notable),
    e("dependencies.*.slo_pct", Higher("dependency SLO lowered")),
    e("dependencies.*.contact", Notable),
    e("dependencies.*.fallback", Notable).removed("fallback removed"),
    e("dependencies.*.runbook", Notable),
    e("dependencies.*.interface", Notable),
    // 4.1 monitoring, 4.2 regression.
    e("monitoring.description", Prose),
    list("monitoring.dashboards.*"),
    e("monitoring.dashboards.*.url", Notable),
    e("monitoring.dashboards.*.description", Prose),
    list("monitoring.slos.*").removed("SLO removed"),
    e("monitoring.slos.*.description", Prose),
    e("monitoring.slos.*.objective_pct", Higher("SLO lowered")),
    e("monitoring.slos.*.window", Notable),
    e("monitoring.slos.*.spec", Notable),
    list("monitoring.alerts.*").removed("alert removed"),
    e("monitoring.alerts.*.signal", Prose),
    e("monitoring.alerts.*.route", Notable),
    e("monitoring.alerts.*.severity", Rank(&["page", "ticket", "info"], "alert no longer pages")),
    e("monitoring.alerts.*.runbook", Notable),
    list("monitoring.manual_checks.*").removed("manual check removed"),
    e("monitoring.manual_checks.*.description", Prose),
    e("monitoring.manual_checks.*.frequency", Lower("manual checks less frequent")),
    e("monitoring.manual_checks.*.owner", Notable),
    list("regression.suites.*").removed("regression suite removed"),
    e("regression.suites.*.description", Prose),
    e("regression.suites.*.evidence", Exact("the suite reads other evidence")),
    e("regression.suites.*.select", Exact("test selection changed")),
    e("regression.suites.*.min_cases", Higher("fewer test cases required")),
    e("regression.suites.*.cases_url", Notable),
    // 5.1, 5.2 resources.
    list("resources.budgets.*").removed("budget removed"),
    e("resources.budgets.*.covers", Prose),
    e("resources.budgets.*.amount", Higher("budget cut")),
    e("resources.budgets.*.from", Notable),
    e("resources.budgets.*.to", Higher("budget ends earlier")),
    e("resources.growth_review", Members).removed("growth review removed"),
    e("resources.growth_review.interval", Lower("growth reviews less frequent")),
    e("resources.growth_review.last", Notable),
    list("resources.growth_review.metrics"),
    e("resources.growth_review.headroom_pct", Higher("less headroom required")),
    list("resources.other.*"),
    e("resources.other.*.description", Prose),
    e("resources.other.*.owner", Notable),
    e("resources.other.*.url", Notable),
    // Evidence and gate settings.
    list("evidence.*"),
    e("evidence.*.kind", Exact("the evidence is read as another format")),
    e("evidence.*.path", Exact("the evidence is read from other files")),
    e("evidence.*.required", Flag("required turned off")),
    e("evidence.*.max_age", Lower("older evidence accepted")).removed("evidence freshness no longer checked"),
    list("evidence.*.metrics.*"),
    e("evidence.*.metrics.*.pointer", Exact("the metric reads another value")),
    e("evidence.*.metrics.*.unit", Exact("the metric's unit changed")),
    e("gate.fail_on", Rank(&["warning", "error"], "warnings no longer block a release")),
    e("gate.results_dir", Exact("baselines are read from elsewhere")),
    e("gate.waiver_file", Exact("waivers are read from another file")),
    e("gate.waiver_max_horizon", Lower("waivers may last longer")),
    e("gate.waiver_runway", Notable),
    list("suppress.*").added("a finding of `plan check` suppressed"),
    e("suppress.*.reason", Prose),
    e("suppress.*.until", Lower("suppression extended")),
    e("suppress.*.at", Exact("the suppression covers other findings"))
        .removed("the suppression widened to every finding of the rule"),
    // The gate's own files: waivers, records, repository config.
    list("waivers.*").added("waiver added: a check may fail and the release still ships"),
    e("waivers.*.check", Exact("the waiver covers another check")),
    e("waivers.*.reason", Prose),
    list("waivers.*.approved_by"),
    e("waivers.*.created", Notable),
    e("waivers.*.expires", Lower("waiver extended")),
    e("waivers.*.versions", Exact("the waiver covers other versions")).added("the waiver's version scope changed"),
    e("waivers.*.ceiling", Lower("waiver ceiling raised")),
    e("waivers.*.ticket", Notable),
    e("approval.version", Exact("the record approves another version")),
    e("approval.change_ticket", Notable),
    e("approval.change_ticket.id", Exact("a recorded change ticket was altered")),
    e("approval.change_ticket.opened", Exact("a recorded change ticket was altered")),
    list("approval.steps.*"),
    e(
        "approval.steps.*.decision",
        Rank(&["rejected", "approved-with-conditions", "approved"], "decision altered after it was recorded"),
    ),
    list("approval.steps.*.approved_by").added("approvers added to a recorded approval"),
    e("approval.steps.*.date", Exact("a recorded approval was re-dated")),
    list("approval.steps.*.conditions").removed("a condition of the approval removed"),
    e("approval.plan_change", Members),
    e(
        "approval.plan_change.decision",
        Rank(&["rejected", "approved-with-conditions", "approved"], "decision altered after it was recorded"),
    ),
    list("approval.plan_change.approved_by").added("approvers added to a recorded approval"),
    e("approval.plan_change.date", Exact("a recorded approval was re-dated")),
    list("approval.plan_change.conditions").removed("a condition of the approval removed"),
    e("attestation.by", Exact("a recorded attestation was altered")),
    e("attestation.date", Exact("a recorded attestation was re-dated")),
    e("attestation.statement", Prose),
    list("config.discovery.exclude").added("fewer files are checked as plans"),
    e("config.release.tag_pattern", Exact("release tags match differently")),
    e("config.gate.fail_on", Rank(&["warning", "error"], "warnings no longer block a release")),
    e("config.gate.waiver_max_horizon", Lower("waivers may last longer")),
    list("config.gate.command_env").added("plan commands may get more of the environment"),
    e("config.rules.*", RuleLevel("a rule counts less")).removal_ok(),
    e("config.rules.*.severity", RuleLevel("a rule counts less")).removal_ok(),
    e("config.rules.*.reason", Prose),
    e("config.remind.mention_owners", Notable),
    e("config.remind.label", Notable),
    e("config.remind.within", Higher("reminders come later")).removal_ok(),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Leaf and keyed-table paths of a JSON Schema (`*` for a keyed table's key).
    fn paths(schema: &serde_json::Value, prefix: &str) -> Vec<String> {
        let defs = schema.get("definitions").or_else(|| schema.get("$defs")).cloned().unwrap_or_default();
        let mut out = Vec::new();
        walk(schema, &defs, &mut Vec::new(), &mut out, 0);
        out.into_iter().map(|p| if prefix.is_empty() { p } else { format!("{prefix}.{p}") }).collect()
    }

    fn resolve<'a>(mut node: &'a serde_json::Value, defs: &'a serde_json::Value) -> &'a serde_json::Value {
        while let Some(r) = node.get("$ref").and_then(|r| r.as_str()) {
            node = &defs[r.rsplit('/').next().unwrap_or(r)];
        }
        node
    }

    fn walk(
        node: &serde_json::Value,
        defs: &serde_json::Value,
        path: &mut Vec<String>,
        out: &mut Vec<String>,
        depth: usize,
    ) {
        assert!(depth < 40, "schema recursion at {path:?}");
        let node = resolve(node, defs);
        let props = node.get("properties").and_then(|p| p.as_object());
        // Money is one value.
        if props.is_some_and(|p| p.contains_key("amount") && p.contains_key("currency")) {
            out.push(path.join("."));
            return;
        }
        let mut container = false;
        let optional = ["anyOf", "oneOf"].iter().any(|k| {
            node.get(*k)
                .and_then(|a| a.as_array())
                .is_some_and(|alts| alts.iter().any(|a| a.get("type").and_then(|t| t.as_str()) == Some("null")))
        });
        for key in ["anyOf", "oneOf", "allOf"] {
            for alt in node.get(key).and_then(|a| a.as_array()).into_iter().flatten() {
                let alt = resolve(alt, defs);
                if alt.get("properties").is_some() || alt.get("additionalProperties").is_some_and(|a| a.is_object()) {
                    container = true;
                }
                walk(alt, defs, path, out, depth + 1);
            }
        }
        if let Some(props) = props {
            container = true;
            for (k, v) in props {
                path.push(k.clone());
                walk(v, defs, path, out, depth + 1);
                path.pop();
            }
        }
        if let Some(extra) = node.get("additionalProperties").filter(|a| a.is_object()) {
            container = true;
            path.push("*".into());
            out.push(path.join("."));
            walk(extra, defs, path, out, depth + 1);
            path.pop();
        }
        if !container && !path.is_empty() && node.get("type").and_then(|t| t.as_str()) != Some("null") {
            out.push(path.join("."));
        } else if container && optional {
            // Optional sub-tables (`output`, `oncall`, `growth_review`) can be added and removed.
            out.push(path.join("."));
        }
    }

    fn keyed(path: &str) -> Vec<String> {
        path.split('.').map(String::from).collect()
    }

    /// Every field of every model the diff reads has an entry.
    #[test]
    fn every_model_field_has_an_entry() {
        let mut all = paths(&serde_json::to_value(schemars::schema_for!(crate::plan::Plan)).unwrap(), "");
        let records = [
            ("waivers", serde_json::to_value(schemars::schema_for!(crate::gate::records::WaiverFile)).unwrap()),
            ("approval", serde_json::to_value(schemars::schema_for!(crate::gate::records::ApprovalRecord)).unwrap()),
            ("attestation", serde_json::to_value(schemars::schema_for!(crate::gate::records::Attestation)).unwrap()),
            ("config", serde_json::to_value(schemars::schema_for!(crate::config::Config)).unwrap()),
        ];
        for (role, schema) in &records {
            let found = paths(schema, role);
            // The waiver file's root table is `waivers`, so its paths already start there.
            all.extend(found.into_iter().map(|p| p.replacen("waivers.waivers.", "waivers.", 1)));
        }
        all.sort();
        all.dedup();
        let missing: Vec<&String> =
            all.iter().filter(|p| lookup(&keyed(p)).is_none_or(|e| e.path == "**.na" && !p.ends_with(".na"))).collect();
        assert!(missing.is_empty(), "fields without an impact entry: {missing:#?}");
        assert!(all.len() > 250, "the schema walk found only {} paths", all.len());
    }

    /// No entry is dead: each matches a field of some model.
    #[test]
    fn every_entry_names_a_field() {
        let plan = paths(&serde_json::to_value(schemars::schema_for!(crate::plan::Plan)).unwrap(), "");
        for entry in CATALOGUE.iter().filter(|e| !e.path.starts_with("**")) {
            let root = entry.path.split('.').next().unwrap_or("");
            if ["waivers", "approval", "attestation", "config"].contains(&root) {
                continue;
            }
            assert!(plan.iter().any(|p| entry.matches(&keyed(p))), "catalogue entry `{}` matches no field", entry.path);
        }
    }

    #[test]
    fn the_first_matching_entry_wins_and_patterns_are_exact() {
        assert_eq!(lookup(&keyed("acceptance.criteria.p95.target")).unwrap().path, "acceptance.criteria.*.target");
        assert_eq!(lookup(&keyed("sla.na")).unwrap().path, "**.na");
        assert!(lookup(&keyed("acceptance.criteria.p95.target.extra")).is_none());
        assert!(lookup(&keyed("no.such.field")).is_none());
    }
}
