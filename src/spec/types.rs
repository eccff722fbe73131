//! The chart spec: one YAML file per chart in `specs/`.
//!
//! Every struct denies unknown fields, so a typo is an error with a
//! did-you-mean instead of a silently ignored key. The JSON Schema written by
//! `gen schema` is derived from these types, so the doc comments below are what
//! editors show when a maintainer hovers a key.
//!
//! Conventions for text fields:
//! - prose fields are Markdown (inline code, emphasis, links); gen wraps them
//!   and escapes raw HTML, so `<tag>` renders literally;
//! - `run` fields are POSIX shell, exactly what an operator types. They may use
//!   `$NAMESPACE`, `$RELEASE`, `$POD` (the first running pod of the workload),
//!   `$BACKUP_DIR` and the spec's own `variables`. The guides show them as they
//!   are; the Makefile targets run them with those variables set.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::duration::Duration;

/// One chart of the collection and everything gen generates for it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Chart name: a DNS-1123 label equal to the spec's file name and the
    /// folder under `charts/`.
    pub name: String,
    /// Product name as people write it, e.g. "PostgreSQL".
    pub title: String,
    pub category: Category,
    /// One or two sentences: what the product is and what state it keeps.
    pub summary: String,
    /// Version of the product the guides are written for, e.g. "16.11".
    pub app_version: String,
    pub chart_version: ChartVersion,
    /// Where the chart stands in the roadmap.
    pub roadmap: Roadmap,
    pub workload: Workload,
    /// How gen renders the chart to read its facts (see `gen facts`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chart: Option<ChartSource>,
    /// Charts of the collection this one needs at runtime; they are restored first.
    #[serde(default)]
    pub depends_on: Vec<Dependency>,
    pub objectives: Objectives,
    pub rbac: Rbac,
    pub backup: Backup,
    /// Restore procedures: at least a full restore, plus partial and
    /// point-in-time restores where the product supports them.
    pub restore: Vec<Restore>,
    pub upgrade: Upgrade,
    /// Variables the commands use besides NAMESPACE, RELEASE, POD and BACKUP_DIR.
    #[serde(default)]
    pub variables: Vec<Variable>,
    /// Shell said more than once in this spec, by name: a `run` line that
    /// is only `{{use NAME}}` is replaced by the fragment's lines, indented
    /// like the line, as a built-in snippet is. A fragment may use snippets
    /// and other fragments; it takes no parameters.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub fragments: BTreeMap<String, String>,
    /// Makefile targets particular to this chart. The shared ones (status, logs,
    /// shell, port-forward, restart, describe, events, helm-*) are added by gen.
    #[serde(default)]
    pub operations: Vec<Operation>,
    /// Documented values under `backup.` and `upgrade.` for values.yaml
    /// (`rbac.` and `serviceAccount.` are generated from the RBAC section).
    #[serde(default)]
    pub values: Vec<ValueDoc>,
    /// Errors operators meet with this product, each with its cause and
    /// fix: the guides' Troubleshooting sections. At least three, and at
    /// least one for each guide.
    #[serde(default)]
    pub troubleshooting: Vec<Trouble>,
    /// Upstream documentation the guides cite.
    #[serde(default)]
    pub references: Vec<Reference>,
    /// Date (YYYY-MM-DD) of the last disaster-recovery drill of this chart.
    #[serde(default)]
    pub last_drill: Option<String>,
    /// The drill record of every procedure that has none of its own: each
    /// backup component, each restore and each verification step with a
    /// command. For a chart whose procedures share one drill test (and
    /// caveat) or one reason none can run; a procedure's or step's own
    /// `drill` overrides it, and the configuration export has its own
    /// default (see `backup.config_export.drill`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drill: Option<Drill>,
    /// Backups that run: CronJobs, a pre-upgrade hook and a verification
    /// job gen renders into the chart (see `src/spec/jobs.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jobs: Option<super::jobs::Jobs>,
}

#[derive(
    Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
#[serde(rename_all = "lowercase")]
pub enum Category {
    Application,
    Infrastructure,
}

#[derive(
    Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord,
)]
pub enum Roadmap {
    #[serde(rename = "v1.2")]
    V12,
    #[serde(rename = "v1.3")]
    V13,
    P1,
    P2,
    P3,
    #[serde(rename = "later")]
    Later,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartVersion {
    /// Chart version before this enhancement, e.g. "0.3.0".
    pub from: String,
    /// Chart version that ships it, e.g. "0.4.0".
    pub to: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    pub kind: WorkloadKind,
    /// The main container's name, used by `kubectl exec -c` and `logs -c`.
    pub container: String,
    /// Extra pod labels that pick the main workload's pods, besides
    /// `app.kubernetes.io/name=<chart>` and `app.kubernetes.io/instance=$RELEASE`.
    #[serde(default)]
    pub selector: BTreeMap<String, String>,
    /// Container port for `port-forward`.
    #[serde(default)]
    pub port: Option<u16>,
    /// Shell inside the container for the `shell` target (default `sh`).
    #[serde(default)]
    pub shell: Option<String>,
    /// Where the product keeps its data inside the container, e.g. /var/lib/postgresql/data.
    #[serde(default)]
    pub data_path: Option<String>,
    /// The kinds the chart renders the main workload as instead under
    /// other values (vaultwarden's `workloadType: Deployment`): gen's
    /// `restart` target restarts whichever of `kind` and these the
    /// release runs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub other_kinds: Vec<WorkloadKind>,
}

/// How gen renders the chart with `helm template` to read its facts.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartSource {
    /// Values files rendered on top of the chart's defaults, relative to
    /// the chart's folder, e.g. `values-prod.yaml`: for a spec written
    /// against a configuration the defaults do not render.
    #[serde(default)]
    pub values_files: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
pub enum WorkloadKind {
    StatefulSet,
    Deployment,
    DaemonSet,
}

impl WorkloadKind {
    /// The resource kubectl names this kind by (`kubectl scale statefulset`).
    pub fn resource(self) -> &'static str {
        match self {
            WorkloadKind::StatefulSet => "statefulset",
            WorkloadKind::Deployment => "deployment",
            WorkloadKind::DaemonSet => "daemonset",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dependency {
    /// Name of another chart of the collection.
    pub chart: String,
    /// What this chart uses it for.
    pub why: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Objectives {
    /// Recovery time objective: longest acceptable outage, e.g. "1h".
    pub rto: Duration,
    /// Recovery point objective: most data that may be lost, e.g. "15m".
    /// "0" means the chart keeps no data of its own (a cache or a stateless service).
    pub rpo: Duration,
    /// Why these objectives fit the product (required when the roadmap gives none).
    pub rationale: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rbac {
    /// `namespace` (left out) or `cluster`, which only a chart that
    /// discovers objects cluster-wide needs.
    #[serde(default)]
    pub scope: Scope,
    /// Why the workload needs the Kubernetes API at all (or why it does not).
    pub summary: String,
    /// The rules of the Role (or ClusterRole) the chart rendered of its
    /// own before gen's replaced it, e.g. `[{ resources: [pods], verbs:
    /// [get, list, watch] }]`. gen writes from it, `was_names` and `rules`
    /// the section's sentence on that Role (what it granted, what gen keeps,
    /// adds and drops, what its read access to Secrets exposes) and the
    /// note of a `replaces: rbac` change without its own `was`. While the
    /// chart renders its own Role the record is checked against it
    /// (`facts.rbac-was`). Leave it out when the chart renders none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub was: Vec<super::rbac_change::PastRule>,
    /// The names of the chart's own Role and its binding (with `was`);
    /// left out, `{ role: $FULLNAME-role, binding: $FULLNAME-rolebinding }`
    /// (`-clusterrole`, `-clusterrolebinding` for a ClusterRole).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub was_names: Option<super::rbac_change::WasNames>,
    /// Least-privilege rules; each says why it is needed. Empty when the
    /// workload never calls the API.
    #[serde(default)]
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// Role + RoleBinding in the release namespace.
    #[default]
    Namespace,
    /// ClusterRole + ClusterRoleBinding, for cluster-wide discovery only.
    Cluster,
}

impl Scope {
    /// The kind of the Role of this scope: `Role` or `ClusterRole`.
    pub fn role_kind(self) -> &'static str {
        match self {
            Scope::Namespace => "Role",
            Scope::Cluster => "ClusterRole",
        }
    }

    /// The kind of its binding: `RoleBinding` or `ClusterRoleBinding`.
    pub fn binding_kind(self) -> &'static str {
        match self {
            Scope::Namespace => "RoleBinding",
            Scope::Cluster => "ClusterRoleBinding",
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// API groups; "" is the core group.
    #[serde(default = "core_group")]
    pub api_groups: Vec<String>,
    pub resources: Vec<String>,
    /// Restrict the rule to these object names.
    #[serde(default)]
    pub resource_names: Vec<String>,
    pub verbs: Vec<String>,
    /// Why the product needs this access.
    pub why: String,
}

fn core_group() -> Vec<String> {
    vec![String::new()]
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Backup {
    /// The backup strategy in a paragraph or two: what is backed up how, and why.
    pub strategy: String,
    pub components: Vec<Component>,
    /// The built-in component that exports the Helm values, ConfigMaps and
    /// Secrets (encrypted with age): `config_export: {}` adds it last to
    /// `components`, with id `config` unless it says otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_export: Option<super::share::ConfigExport>,
    /// The database the chart keeps its data in: gen adds its dump (first
    /// in `components`), its scratch restore (first in `verification`) and
    /// its restore step from one shared, drilled procedure (see
    /// [`super::profile`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub database: Option<super::profile::DatabaseProfile>,
    /// How to prove a backup can be restored.
    pub verification: Vec<Step>,
    /// What these backups do not cover, so nobody counts on it during an outage.
    pub not_covered: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// Short identifier, referenced by restore procedures, e.g. "wal".
    pub id: String,
    pub title: String,
    /// Whether the component protects data (counts for the RPO) or configuration.
    pub covers: Covers,
    /// What exactly it captures.
    pub what: String,
    pub method: Method,
    /// Tool that takes the backup, e.g. "pg_dump" or "mc mirror".
    pub tool: String,
    /// For continuous methods: the longest gap between two shipped increments.
    #[serde(default)]
    pub interval: Option<Duration>,
    /// For scheduled methods: a five-field cron expression, e.g. "0 2 * * *".
    #[serde(default)]
    pub schedule: Option<String>,
    /// How long backups are kept, e.g. "7 daily, 4 weekly".
    pub retention: String,
    /// Where the backups are stored.
    pub storage: String,
    pub steps: Vec<Step>,
    /// What can go wrong with this component.
    #[serde(default)]
    pub pitfalls: Vec<String>,
    /// The drill that runs these steps against a real server, or why none can.
    #[serde(default)]
    pub drill: Option<Drill>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Covers {
    Data,
    Configuration,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Shipped continuously (WAL, binlog, oplog, AOF, replication); needs `interval`.
    Continuous,
    /// Taken on a cron schedule; needs `schedule`.
    Scheduled,
    /// Taken whenever it changes (configuration kept in git, Helm values).
    OnChange,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Restore {
    /// Short identifier, e.g. "full" or "pitr".
    pub id: String,
    pub title: String,
    pub kind: RestoreKind,
    /// Component ids this procedure restores from.
    pub restores: Vec<String>,
    /// When to use this procedure.
    pub when: String,
    /// Estimated duration for a typical data size; checked against the RTO.
    pub duration: Duration,
    pub steps: Vec<Step>,
    #[serde(default)]
    pub pitfalls: Vec<String>,
    /// The drill that runs these steps against a real server, or why none can.
    #[serde(default)]
    pub drill: Option<Drill>,
}

/// How the test suite proves a procedure: the drill that runs it, exactly
/// as generated, against a real server, or why no drill can. A step's own
/// `drill` overrides its procedure's.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Drill {
    /// The test that runs it: `tests/<file>.rs::<function>`, e.g.
    /// `tests/drills.rs::redis_full_restore`.
    #[serde(default)]
    pub test: Option<String>,
    /// Why no local drill can run it, e.g. "needs a cluster: helm upgrade".
    #[serde(default)]
    pub none: Option<String>,
    /// What the drill cannot vouch for, e.g. when the server it runs on is
    /// another version than the chart's.
    #[serde(default)]
    pub caveat: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RestoreKind {
    Full,
    Partial,
    PointInTime,
}

/// One step of a procedure.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What to do, as an imperative sentence (a step that `use`s a whole-step
    /// snippet may leave it to the snippet).
    #[serde(default)]
    pub title: String,
    /// A named snippet this step is (`chart-available`) or whose command
    /// comes before the step's own `run` (`helper-pod`, `port-forward`...),
    /// with its parameters in `with`. gen expands it when it reads the
    /// spec; `gen docs spec-format` lists the snippets.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub snippet: Option<String>,
    /// The parameters of the snippet in `use`, e.g. `{ ports: "8080:8080" }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub with: BTreeMap<String, serde_json::Value>,
    /// Why the step matters, or what goes wrong without it.
    #[serde(default)]
    pub why: Option<String>,
    /// The command or file content to use.
    #[serde(default)]
    pub run: Option<String>,
    /// Language of `run` for highlighting: bash (default), yaml, sql, json, toml, ...
    #[serde(default)]
    pub lang: Option<String>,
    /// What a good result looks like.
    #[serde(default)]
    pub expect: Option<String>,
    /// The drill that runs this step, or why none can; overrides the
    /// procedure's `drill` (backup verification steps have only this one).
    #[serde(default)]
    pub drill: Option<Drill>,
}

/// One error an operator meets, as the product or tool prints it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Trouble {
    /// A known error this entry is (`helm-pending`, `multi-attach`...),
    /// with its parameters in `with`: gen fills in the error, guide,
    /// cause, fix and command, and the entry may override all but `error`.
    /// `gen docs spec-format` lists them.
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub known: Option<String>,
    /// The parameters of the known error in `use`, e.g. `{ store: MinIO }`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub with: BTreeMap<String, serde_json::Value>,
    /// The message exactly as printed (shown as text, not wrapped), e.g.
    /// `FATAL: password authentication failed for user "app"`. Required
    /// unless `use` gives it.
    #[serde(default)]
    pub error: String,
    /// The guide that lists it; both when omitted.
    #[serde(default)]
    pub guide: Option<Guide>,
    /// Why it happens (required unless `use` gives it).
    #[serde(default)]
    pub cause: String,
    /// What to do about it (required unless `use` gives it).
    #[serde(default)]
    pub fix: String,
    /// A command that checks or fixes it (POSIX shell, like a step's `run`).
    #[serde(default)]
    pub run: Option<String>,
    /// Where the entry comes from; not a key of the spec.
    #[serde(skip)]
    pub origin: Origin,
}

/// Where a troubleshooting entry comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Origin {
    /// Written out in the spec.
    #[default]
    Written,
    /// `use: NAME` in the spec; `plain` when the entry has no `with` and
    /// overrides nothing; `with` its parameters as given.
    Used {
        name: String,
        plain: bool,
        with: BTreeMap<String, String>,
    },
    /// Added by gen: the chart is what the known error `NAME` needs
    /// (`known_errors::derive`).
    Derived(&'static str),
}

/// One of a chart's two guides.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Guide {
    Backup,
    Upgrade,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Upgrade {
    /// How upgrades of this product work in general.
    pub overview: String,
    pub strategies: Vec<Strategy>,
    /// Checks before any upgrade.
    pub pre_checks: Vec<Step>,
    /// Notes for specific version jumps.
    #[serde(default)]
    pub notes: Vec<VersionNote>,
    pub rollback: Vec<Step>,
    /// The new version rewrites the stored data on its first start (schema
    /// migrations, a new on-disk format) and the old version cannot use the
    /// result. gen then checks the rollback: it restores the pre-upgrade data
    /// with the workload stopped, before `helm rollback` starts the old
    /// version.
    #[serde(default)]
    pub migrates_data: bool,
    /// How to validate the upgraded release.
    pub validation: Vec<Step>,
    /// What chart version `chart_version.to` changes, for Artifact Hub, that
    /// gen cannot derive: gen writes its own entries for the two guides,
    /// RBAC, the targets and the values, then these, as the
    /// `artifacthub.io/changes` annotation of the chart's Chart.yaml. An
    /// entry with `replaces` stands in for one derived entry. Describe the
    /// chart's changes, not the product's (those are `notes`).
    #[serde(default)]
    pub changes: Vec<ChartChange>,
}

/// One entry of the chart's changelog on Artifact Hub.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChartChange {
    pub kind: ChangeKind,
    /// One sentence, e.g. "Backup and recovery guide with point-in-time restore".
    /// An entry with `replaces: rbac` may leave it out: gen writes which
    /// access the Role keeps, gains and loses (see `was`).
    #[serde(default)]
    pub description: String,
    /// For `replaces: rbac` without a description: the rules of the Role the
    /// previous chart version rendered, e.g. `[{ resources: [pods],
    /// verbs: [get, list, watch] }]`. gen reads them from the chart's facts
    /// while the chart renders its own Role, and checks this record against
    /// them; builds without facts, and after `gen adopt`, use the record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub was: Vec<super::rbac_change::PastRule>,
    /// Pages that explain the change (absolute http(s) URLs).
    #[serde(default)]
    pub links: Vec<ChangeLink>,
    /// The entry gen derives that this one takes the place of (gen derives
    /// `backup-guide`, `upgrade-guide`, `rbac`, `targets` and `values` from
    /// the spec); without it the entry is added after the derived ones.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<super::share::Derived>,
}

/// The kinds Artifact Hub knows.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Changed,
    Deprecated,
    Removed,
    Fixed,
    Security,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeLink {
    pub name: String,
    /// Absolute http(s) URL.
    pub url: String,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Strategy {
    pub name: String,
    /// When this strategy is the right one, as the guide's "When to use it:"
    /// line finishes it, e.g. "Patch and minor upgrades within 2.x."
    pub when: String,
    /// Expected downtime, e.g. "none" or "5-15 minutes".
    pub downtime: String,
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionNote {
    pub from: String,
    pub to: String,
    pub items: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(try_from = "VariableSource")]
pub struct Variable {
    pub name: String,
    pub default: String,
    pub help: String,
}

/// A variable as the spec writes it: one gen knows the meaning of
/// (`REPLICAS`) may leave out `default` and `help`, which gen gives.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VariableSource {
    /// Shell variable name, upper case, e.g. PGUSER.
    pub name: String,
    /// Required, unless gen knows the variable (`REPLICAS`: `"1"`).
    #[serde(default)]
    pub default: Option<String>,
    /// One line for the guides and `make help`; required unless gen
    /// knows the variable.
    #[serde(default)]
    pub help: Option<String>,
}

impl TryFrom<VariableSource> for Variable {
    type Error = String;

    fn try_from(v: VariableSource) -> Result<Self, String> {
        let known = super::share::STANDARD_VARIABLES
            .iter()
            .find(|(name, _, _)| *name == v.name);
        let field = |given: Option<String>, key: &str, standard: Option<&str>| {
            given
                .or_else(|| standard.map(str::to_string))
                .ok_or_else(|| {
                    format!(
                        "variable `{}` needs a `{key}`: only one gen knows ({}) may leave it out",
                        v.name,
                        super::share::STANDARD_VARIABLES.map(|k| k.0).join(", ")
                    )
                })
        };
        Ok(Variable {
            default: field(v.default, "default", known.map(|k| k.1))?,
            help: field(v.help, "help", known.map(|k| k.2))?,
            name: v.name,
        })
    }
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(try_from = "OperationSource")]
pub struct Operation {
    pub target: String,
    pub group: Group,
    pub help: String,
    pub run: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<String>,
    pub runs_in: RunsIn,
}

/// An operation as the spec writes it: `group` may be left out when the
/// target is named like a group (`backup`, `restore`), which it then is in.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationSource {
    /// Target name without the chart prefix, e.g. "backup" gives `make postgresql-backup`.
    pub target: String,
    /// Where `make help` lists the target. Left out, the group the target
    /// is named like (`backup`, `restore`); any other target needs one.
    #[serde(default)]
    pub group: Option<Group>,
    /// One line for `make help`.
    pub help: String,
    /// POSIX shell command. Give this or `steps`.
    #[serde(default)]
    pub run: String,
    /// The guide's own steps this target runs, instead of `run`: each
    /// `<procedure>` (every step with a command) or `<procedure>/<n>` or
    /// `<procedure>/<n>-<m>` (steps numbered as in the guide, from 1), where
    /// the procedure is `backup.<component id>`, `verification`,
    /// `restore.<id>`, `upgrade.pre_checks`, `upgrade.rollback` or
    /// `upgrade.validation`, e.g. `[restore.full/3]`.
    #[serde(default)]
    pub steps: Vec<String>,
    /// `local` runs `run` on the operator's machine; `pod` runs it inside the
    /// main container with `kubectl exec`.
    #[serde(default)]
    pub runs_in: RunsIn,
}

impl TryFrom<OperationSource> for Operation {
    type Error = String;

    fn try_from(o: OperationSource) -> Result<Self, String> {
        let group = match o.group.or_else(|| Group::named(&o.target)) {
            Some(g) => g,
            None => {
                return Err(format!(
                    "operation `{}` needs a `group` ({}): only a target named like a group \
                     (`backup`, `restore`) may leave it out",
                    o.target,
                    Group::ALL.map(Group::name).join(", ")
                ))
            }
        };
        Ok(Operation {
            target: o.target,
            group,
            help: o.help,
            run: o.run,
            steps: o.steps,
            runs_in: o.runs_in,
        })
    }
}

#[derive(
    Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq, PartialOrd, Ord, Hash,
)]
#[serde(rename_all = "lowercase")]
pub enum Group {
    Backup,
    Restore,
    Upgrade,
    Data,
    Cluster,
    Diagnostics,
    Maintenance,
    Helm,
}

impl Group {
    /// Every group, in the order `make help` lists them.
    pub const ALL: [Group; 8] = [
        Group::Backup,
        Group::Restore,
        Group::Upgrade,
        Group::Data,
        Group::Cluster,
        Group::Diagnostics,
        Group::Maintenance,
        Group::Helm,
    ];

    /// The group's name as a spec writes it.
    pub fn name(self) -> &'static str {
        match self {
            Group::Backup => "backup",
            Group::Restore => "restore",
            Group::Upgrade => "upgrade",
            Group::Data => "data",
            Group::Cluster => "cluster",
            Group::Diagnostics => "diagnostics",
            Group::Maintenance => "maintenance",
            Group::Helm => "helm",
        }
    }

    /// The group a target named like it belongs to: `backup`, `restore`.
    pub fn named(target: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == target)
    }
}

#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum RunsIn {
    #[default]
    Local,
    Pod,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ValueDoc {
    /// Dotted key under `backup.` or `upgrade.`, e.g. "backup.schedule".
    pub key: String,
    /// Default value (a scalar or a list).
    pub default: serde_json::Value,
    /// Shown as the helm-docs `# --` comment.
    pub description: String,
    /// Type in values.schema.json when the default's own type is too
    /// narrow, e.g. `int-or-string` for a Kubernetes IntOrString such as
    /// `maxUnavailable` (1 or "25%"), or `number` for an integer default
    /// that may be fractional. Default: the type of `default`.
    #[serde(default, rename = "type")]
    pub value_type: Option<ValueType>,
    /// Type of a list's items in values.schema.json. Default: the type of
    /// the default's items; required when the default is an empty list.
    #[serde(default)]
    pub items: Option<ItemType>,
    /// Values this one has an effect only with (the flag that turns the
    /// jobs on, the claim they need), set on both sides when
    /// `tests/integration/values_effect.rs` toggles it. gen fills it for the
    /// values it adds itself; the spec's own values have none.
    #[serde(skip)]
    #[schemars(skip)]
    pub needs: Vec<(String, serde_json::Value)>,
}

/// A value's type in the chart's values.schema.json.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum ValueType {
    String,
    Integer,
    Number,
    Boolean,
    Array,
    /// An integer or a string, like Kubernetes' IntOrString ("25%" or 1).
    IntOrString,
}

/// The type of a list's items in the chart's values.schema.json.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    String,
    Integer,
    Number,
    Boolean,
    Object,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    pub title: String,
    pub url: String,
}

/// Whether `t` names a test function: `tests/<file>.rs::<function>`.
pub fn is_test_ref(t: &str) -> bool {
    let Some((file, func)) = t.split_once("::") else {
        return false;
    };
    let stem = file
        .strip_prefix("tests/")
        .and_then(|f| f.strip_suffix(".rs"));
    let ident = |x: &str| {
        !x.is_empty()
            && !x.starts_with(|c: char| c.is_ascii_digit())
            && x.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    stem.is_some_and(ident) && ident(func)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_refs() {
        assert!(is_test_ref("tests/drills.rs::redis_full"));
        for bad in [
            "drills.rs::redis",
            "tests/drills.rs",
            "tests/drills.rs::",
            "tests/a/b.rs::x",
            "tests/drills.rs::redis full",
            "tests/drills.rs::1x",
        ] {
            assert!(!is_test_ref(bad), "{bad}");
        }
    }
}
