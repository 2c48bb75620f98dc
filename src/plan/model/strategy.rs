//! 2.1 support strategy: lifetime (2.1.1), release strategy (2.1.2), release process (2.1.3)
//! and acceptance criteria (2.1.4).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Keyed, Ref, Stage};
use crate::plan::values::{Date, Duration, Percent, Period, Target};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    /// Prose: how long the plan exists, how it is revised.
    #[serde(default)]
    pub description: Option<String>,
    pub lifetime: Lifetime,
    pub release: ReleaseStrategy,
}

/// 2.1.1 support lifetime and review triggers.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifetime {
    pub supported_from: Date,
    pub end_of_support: Date,
    /// How often the plan is reviewed (`"6mo"`).
    pub review_interval: Period,
    pub last_review: Date,
    /// Events that force a review before the interval is up.
    #[serde(default)]
    pub review_triggers: Vec<ReviewTrigger>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewTrigger {
    MajorRelease,
    DependencyEol,
    SlaBreach,
    SecurityIncident,
    OrgChange,
    ArchitectureChange,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Versioning {
    Semver,
    Calver,
}

/// 2.1.2 how and when a new version is released.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseStrategy {
    /// Prose: how the team decides to release.
    #[serde(default)]
    pub description: Option<String>,
    pub versioning: Versioning,
    /// Tag name for a version; `{version}` is replaced (`"v{version}"`).
    #[serde(default = "default_tag_pattern")]
    pub tag_pattern: String,
    /// Regular release interval (`"2w"`), or absent for on-demand releases.
    #[serde(default)]
    pub cadence: Option<Period>,
    /// Branches a release may be tagged from (globs).
    #[serde(default)]
    pub release_branches: Vec<String>,
    /// How many release lines are supported at once.
    #[serde(default = "one")]
    pub supported_versions: u32,
    #[serde(default)]
    pub hotfix_max_lead_time: Option<Duration>,
    /// Dates when no release may ship.
    #[serde(default)]
    pub freeze_windows: Keyed<FreezeWindow>,
}

fn default_tag_pattern() -> String {
    "v{version}".into()
}
fn one() -> u32 {
    1
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FreezeWindow {
    pub from: Date,
    pub to: Date,
    pub reason: String,
}

/// 2.1.3 the steps taken before a release.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseProcess {
    #[serde(default)]
    pub description: Option<String>,
    /// Steps every release must pass (release_process.steps).
    pub required_steps: Vec<Ref>,
    pub steps: Keyed<ReleaseStep>,
    /// Kinds of step the template expects that this product does not have, with the reason
    /// (`change_management = "…"`): a library has no change board. QA never is.
    #[serde(default)]
    pub not_applicable: std::collections::BTreeMap<StepKindNa, String>,
}

/// The release-process kinds a plan may declare not applicable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKindNa {
    /// A review board's approval (`kind = "approval"`).
    ReviewBoard,
    /// A change ticket (`kind = "change_ticket"`).
    ChangeManagement,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum FlakyPolicy {
    Fail,
    Warn,
    Allow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TicketSource {
    ApprovalRecord,
    TagAnnotation,
    Env,
}

/// One release step, checked by its kind.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ReleaseStep {
    /// Quality assurance: JUnit results.
    Tests {
        #[serde(default)]
        description: Option<String>,
        /// Evidence ids (evidence) holding JUnit XML.
        evidence: Vec<Ref>,
        #[serde(default)]
        max_failed: u32,
        #[serde(default)]
        max_skipped: Option<u32>,
        #[serde(default)]
        min_cases: u32,
        /// Test-name globs; empty means every case.
        #[serde(default)]
        select: Vec<String>,
        #[serde(default = "flaky_fail")]
        flaky_policy: FlakyPolicy,
    },
    /// Review board: an approval record per release.
    Approval {
        #[serde(default)]
        description: Option<String>,
        /// Group whose members may approve (contacts.groups).
        group: Ref,
        min_approvals: u32,
        /// Record path; `{version}` is replaced.
        #[serde(default = "approval_record")]
        record: String,
        #[serde(default = "yes")]
        must_postdate_plan_change: bool,
    },
    /// Change management: a change ticket.
    ChangeTicket {
        #[serde(default)]
        description: Option<String>,
        /// Regular expression the ticket id must match.
        id_pattern: String,
        #[serde(default = "ticket_source")]
        source: TicketSource,
        #[serde(default)]
        min_lead_time: Option<Duration>,
    },
    /// A signed statement by a group member.
    Attestation {
        #[serde(default)]
        description: Option<String>,
        group: Ref,
        record: String,
        valid_for: Period,
    },
    /// A command the gate runs.
    Command {
        #[serde(default)]
        description: Option<String>,
        /// Program and arguments, not passed through a shell.
        run: Vec<String>,
        #[serde(default = "command_timeout")]
        timeout: Duration,
        #[serde(default)]
        expect_exit: i32,
        /// Environment variables to pass besides the fixed allowlist (PATH, HOME, LANG, CI,
        /// non-secret GitHub context); each must be allowed by name in the repository config's
        /// `gate.command_env`, and secret-looking names never pass.
        #[serde(default)]
        env: Vec<String>,
        /// A check on the command's JSON output (stdout).
        #[serde(default)]
        output: Option<OutputCheck>,
    },
}

/// `output = { pointer = "/failed", op = "==", target = 0 }`: the number at an RFC 6901
/// pointer in a command's JSON output, compared with a target.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputCheck {
    pub pointer: String,
    pub op: Op,
    pub target: f64,
}

fn flaky_fail() -> FlakyPolicy {
    FlakyPolicy::Fail
}
fn approval_record() -> String {
    ".support-plan/approvals/{version}.toml".into()
}
fn yes() -> bool {
    true
}
fn ticket_source() -> TicketSource {
    TicketSource::ApprovalRecord
}
fn command_timeout() -> Duration {
    Duration { millis: 600_000 }
}

/// The ten acceptance categories the template lists (2.1.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    MajorFunctions,
    ProductionReadinessReview,
    Personnel,
    Performance,
    Capacity,
    Accuracy,
    Availability,
    Reliability,
    OperationalCost,
    Security,
}

impl Category {
    pub const ALL: [Category; 10] = [
        Category::MajorFunctions,
        Category::ProductionReadinessReview,
        Category::Personnel,
        Category::Performance,
        Category::Capacity,
        Category::Accuracy,
        Category::Availability,
        Category::Reliability,
        Category::OperationalCost,
        Category::Security,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Category::MajorFunctions => "major_functions",
            Category::ProductionReadinessReview => "production_readiness_review",
            Category::Personnel => "personnel",
            Category::Performance => "performance",
            Category::Capacity => "capacity",
            Category::Accuracy => "accuracy",
            Category::Availability => "availability",
            Category::Reliability => "reliability",
            Category::OperationalCost => "operational_cost",
            Category::Security => "security",
        }
    }
}

/// 2.1.4 acceptance criteria.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acceptance {
    /// Categories that need at least one criterion or an `na` reason; all ten by default.
    #[serde(default = "all_categories")]
    pub categories_required: Vec<Category>,
    /// Categories that do not apply, with the reason.
    #[serde(default)]
    pub not_applicable: std::collections::BTreeMap<Category, String>,
    pub criteria: Keyed<Criterion>,
}

fn all_categories() -> Vec<Category> {
    Category::ALL.to_vec()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum CriterionSeverity {
    Error,
    Warn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
pub enum Op {
    #[serde(rename = "<")]
    Lt,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = ">")]
    Gt,
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "==")]
    Eq,
    #[serde(rename = "!=")]
    Ne,
}

impl Op {
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Eq => "==",
            Op::Ne => "!=",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Aggregate {
    Max,
    Min,
    Median,
    Mean,
    Last,
    All,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum BaselineSource {
    PreviousTag,
}

/// An acceptance criterion, measurable by construction. Unknown keys are rejected by the
/// `kind`-specific part (`Measure`), since serde cannot deny them on a struct with `flatten`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
pub struct Criterion {
    pub category: Category,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default = "sev_error")]
    pub severity: CriterionSeverity,
    /// Not enforced before this stage.
    #[serde(default)]
    pub since_stage: Option<Stage>,
    /// How the criterion is measured.
    #[serde(flatten)]
    pub measure: Measure,
}

fn sev_error() -> CriterionSeverity {
    CriterionSeverity::Error
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum TestRequirement {
    AllPass,
    MinPassPct,
}

/// The measurement behind a criterion, chosen by `kind`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Measure {
    /// `metric op target` over evidence.
    Threshold {
        /// Metric id: `<evidence id>.<metric>`.
        metric: Ref,
        op: Op,
        target: Target,
        #[serde(default)]
        warn_at: Option<Target>,
        /// How several values (files, matrix jobs) become one; by default the worst for the
        /// comparison: the minimum for `>`/`>=`, the maximum for `<`/`<=`, every value for
        /// `==`/`!=`.
        #[serde(default)]
        aggregate: Option<Aggregate>,
        #[serde(default)]
        min_samples: Option<u32>,
    },
    /// A selection of JUnit test cases.
    Tests {
        evidence: Ref,
        #[serde(default)]
        select: Vec<String>,
        #[serde(default = "all_pass")]
        require: TestRequirement,
        #[serde(default)]
        min_pass_pct: Option<Percent>,
        #[serde(default)]
        min_cases: u32,
    },
    /// A comparison with the previous release's recorded result.
    Baseline {
        metric: Ref,
        max_regression_pct: Percent,
        #[serde(default = "previous_tag")]
        baseline: BaselineSource,
    },
    /// A signed statement by a group member that expires.
    Attestation { by_group: Ref, record: String, valid_for: Period },
    /// Prose only: not measurable; an error from stage `ga` on.
    Prose { text: String },
}

fn all_pass() -> TestRequirement {
    TestRequirement::AllPass
}
fn previous_tag() -> BaselineSource {
    BaselineSource::PreviousTag
}
