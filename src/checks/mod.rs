//! Every check gen runs on the specs, in one table: [`CHECKS`].
//!
//! A check has a stable id (printed in each diagnostic it finds, e.g.
//! `error[restore.unknown-component]: ...`), a severity, a one-line help
//! (`gen checks <id>` prints it) and a `run` function. The severity is the
//! table's: the runner stamps it and the id on what `run` reports, so a
//! check body only says where and what. `--strict` fails on warnings.
//!
//! Four kinds of input ([`Run`]), one table: most checks read one spec on
//! its own; the runbook lint reads a spec with what its procedures' shell
//! does, read once for its three checks; the graph checks read all specs
//! together (dependencies); and the facts checks read a spec with what Helm
//! renders of its chart, which exists only for charts with templates
//! (`project::load` gathers it after the specs parsed). The files group the
//! checks by concern:
//!
//! - [`identity`]: the chart's name, file, versions and the file's own form;
//! - [`backup`]: backup components, restore procedures, objectives, drills;
//! - [`fragments`]: the spec's own named shell fragments;
//! - [`semantics`]: RBAC, operations, variables, values, changelog, steps,
//!   troubleshooting;
//! - [`jobs`]: the backup CronJobs and the database profile;
//! - `crate::spec::runbook`: the runbook lint of each procedure's shell;
//! - [`shell_rules`]: defects found in shipped guides, one detector each,
//!   which the shipped-output tests run on the generated files too;
//! - [`layout`]: what would not fit the guides' 80 columns;
//! - [`graph`]: dependencies between charts;
//! - [`make`]: the `make <chart>-<target>` calls of every command;
//! - `crate::facts::check` and `crate::facts::jobs`: the spec against the
//!   chart Helm renders.

mod backup;
mod fragments;
mod graph;
mod identity;
mod jobs;
mod layout;
mod make;
mod semantics;
pub mod shell_rules;
mod tools;

use crate::diagnostics::{Diagnostic, Severity};
use crate::facts::{check as facts, ChartFacts};
use crate::spec::runbook;
use crate::spec::SpecFile;

/// What a check reads, and its function.
#[derive(Clone, Copy)]
pub enum Run {
    /// One spec on its own.
    Spec(fn(&SpecFile, &mut Vec<Diagnostic>)),
    /// One spec with what its procedures' shell does, read once for all
    /// these checks (the runbook lint).
    Runbook(fn(&SpecFile, &runbook::Read, &mut Vec<Diagnostic>)),
    /// All specs of the project together.
    Graph(fn(&[SpecFile], &mut Vec<Diagnostic>)),
    /// One spec against its chart's facts.
    Facts(fn(&SpecFile, &ChartFacts, &mut Vec<Diagnostic>)),
}

pub struct Check {
    /// Stable: tooling and people grep for it. `<concern>.<problem>`.
    pub id: &'static str,
    pub severity: Severity,
    /// How to fix what it finds, in one line.
    pub help: &'static str,
    pub run: Run,
}

const fn check(id: &'static str, severity: Severity, run: Run, help: &'static str) -> Check {
    Check {
        id,
        severity,
        help,
        run,
    }
}

use Run::{Facts, Graph, Runbook, Spec};
use Severity::{Error, Warning};

/// Every check, in the order they run.
#[rustfmt::skip]
pub static CHECKS: &[Check] = &[
    // Identity.
    check("spec.database-profile", Error, Spec(jobs::database_profile), "fix `backup.database` as the message says: it names the user, components and procedures of this spec"),
    check("spec.name-not-dns-label", Error, Spec(identity::name_is_dns_label), "use lower-case letters, digits and '-', at most 63 characters"),
    check("spec.file-name-mismatch", Error, Spec(identity::file_matches_name), "name the file specs/<name>.yaml after the chart it declares"),
    check("spec.empty-field", Error, Spec(identity::texts_not_empty), "write out `title`, `summary` and `app_version`"),
    check("spec.version-not-semver", Error, Spec(identity::versions_are_semver), "write chart versions as quoted MAJOR.MINOR.PATCH, e.g. \"0.4.0\""),
    check("spec.app-version-not-label", Error, Spec(identity::app_version_is_label), "keep app_version to 63 characters of A-Z, a-z, 0-9, '-', '_', '.'"),
    check("layout.long-heading", Warning, Spec(layout::heading_lengths), "keep titles that become headings to 72 characters"),
    check("spec.last-drill-not-date", Error, Spec(identity::last_drill_is_date), "write last_drill as YYYY-MM-DD"),
    check("spec.self-dependency", Error, Spec(identity::no_self_dependency), "remove the chart's own name from depends_on"),
    // Backup, restore, drills.
    check("backup.no-components", Error, Spec(backup::has_components), "add a backup component; a stateless chart backs up its configuration"),
    check("backup.bad-component-id", Error, Spec(backup::component_ids_are_labels), "use lower-case letters, digits and '-' for component ids"),
    check("backup.duplicate-component", Error, Spec(backup::component_ids_unique), "give each backup component its own id"),
    check("backup.no-interval", Error, Spec(backup::continuous_has_interval), "give a continuous component its `interval`"),
    check("backup.bad-schedule", Error, Spec(backup::schedules_parse), "write a five-field numeric cron schedule, e.g. \"0 2 * * *\""),
    check("backup.no-schedule", Error, Spec(backup::scheduled_has_schedule), "give a scheduled component its cron `schedule`"),
    check("backup.rpo-zero-with-data", Error, Spec(backup::zero_rpo_has_no_data), "an RPO of 0 is for charts without data: set a real RPO or mark the component `covers: configuration`"),
    check("backup.rpo-unmet", Error, Spec(backup::rpo_is_met), "back data up at least every RPO, or raise objectives.rpo"),
    check("backup.no-not-covered", Error, Spec(backup::says_not_covered), "list in `backup.not_covered` what the backups miss"),
    check("backup.no-verification", Error, Spec(backup::has_verification), "add `backup.verification` steps that prove a backup restores"),
    check("backup.extra-secrets-undefined", Error, Spec(backup::extra_secrets_defined), "define the variable `extra_secrets` names, its default the Secrets' names"),
    check("restore.bad-id", Error, Spec(backup::restore_ids_are_labels), "use lower-case letters, digits and '-' for restore ids"),
    check("restore.duplicate-id", Error, Spec(backup::restore_ids_unique), "give each restore procedure its own id"),
    check("restore.unknown-component", Error, Spec(backup::restores_known_components), "list in `restores` only ids of backup.components"),
    check("restore.exceeds-rto", Error, Spec(backup::restore_within_rto), "make the restore faster or raise objectives.rto"),
    check("restore.no-steps", Error, Spec(backup::restore_has_steps), "list the restore procedure's steps"),
    check("restore.no-full", Error, Spec(backup::has_full_restore), "add a restore procedure with `kind: full`"),
    check("restore.unrestored-component", Error, Spec(backup::every_component_restored), "name each backup component in the `restores` of a procedure"),
    check("restore.config-export-unwritten", Error, Spec(backup::config_export_written), "write the export the restore reads: `{{use config-export}}` in the backup target, or a config-backup target"),
    // RBAC.
    check("rbac.wildcard", Error, Spec(semantics::rbac_no_wildcards), "list exact verbs, resources and API groups instead of '*'"),
    check("rbac.empty-rule", Error, Spec(semantics::rbac_rules_grant), "fill in the rule's verbs and resources, or remove it"),
    check("rbac.no-reason", Error, Spec(semantics::rbac_rules_say_why), "say in `why` what the product needs the access for"),
    check("rbac.secret-write", Error, Spec(semantics::rbac_no_secret_writes), "grant at most `get` on named Secrets"),
    check("rbac.secret-list", Warning, Spec(semantics::rbac_secret_list), "use `get` with `resource_names`, or say in `why` why list/watch is needed"),
    check("rbac.unusual-verb", Warning, Spec(semantics::rbac_usual_verbs), "use a Kubernetes API verb the product needs"),
    check("rbac.cluster-without-list", Warning, Spec(semantics::rbac_cluster_scope_lists), "use `scope: namespace` unless the product lists or watches across namespaces"),
    check("rbac.no-summary", Error, Spec(semantics::rbac_has_summary), "say in `rbac.summary` why the workload needs the API, or that it does not"),
    check("rbac.was-names-without-was", Error, Spec(semantics::rbac_was_names_with_was), "record the chart's own Role's rules in `rbac.was` beside its names"),
    // Operations (Makefile targets).
    check("ops.bad-target", Error, Spec(semantics::targets_are_labels), "use lower-case letters, digits and '-' for target names"),
    check("ops.duplicate-target", Error, Spec(semantics::targets_unique), "give each operation its own target name"),
    check("ops.shared-target", Error, Spec(semantics::targets_not_shared), "pick a target name gen does not add to every chart"),
    check("ops.bad-help", Error, Spec(semantics::op_help_one_line), "write the operation's `help` on one non-empty line"),
    check("ops.empty-run", Error, Spec(semantics::op_run_not_empty), "write the operation's shell command, or name the guide steps it runs"),
    check("ops.kubectl-in-pod", Error, Spec(semantics::no_kubectl_in_pod), "drop `runs_in: pod` to run kubectl locally"),
    check("ops.set-e-redundant", Warning, Spec(semantics::no_redundant_set_e), "remove the `set -e` line: every target's prelude already runs `set -eu` in the same shell"),
    check("ops.missing-required", Error, Spec(semantics::required_targets), "add the `backup` and `restore` operations that cross-chart orchestration runs"),
    // Variables.
    check("vars.bad-name", Error, Spec(semantics::var_names), "name variables with A-Z, 0-9 and _"),
    check("vars.reserved", Error, Spec(semantics::vars_not_reserved), "remove variables gen sets for every chart (`gen docs spec-format` lists them)"),
    check("vars.duplicate", Error, Spec(semantics::vars_unique), "define each variable once"),
    check("vars.multiline-default", Error, Spec(semantics::var_defaults_one_line), "keep a variable's default on one line"),
    // Documented values.
    check("values.bad-key", Error, Spec(semantics::value_keys), "document dotted keys under `backup.` or `upgrade.`"),
    check("values.duplicate-key", Error, Spec(semantics::value_keys_unique), "document each values key once"),
    check("values.object-default", Error, Spec(semantics::value_not_object), "document each nested key as its own dotted entry"),
    check("values.no-description", Error, Spec(semantics::value_described), "say what the value does in `description`"),
    check("values.leaf-and-parent", Error, Spec(semantics::value_leaves_only), "document only leaf keys"),
    // Backup jobs (CronJobs gen renders into the chart).
    check("jobs.value-clash", Error, Spec(jobs::values_not_documented_twice), "drop `values` entries that gen documents from `jobs`"),
    check("jobs.root-user", Error, Spec(jobs::not_root), "run the jobs as the image's service user, not 0"),
    check("jobs.env-bad-name", Error, Spec(jobs::env_names), "name job environment variables with A-Z, 0-9 and _"),
    check("jobs.env-reserved", Error, Spec(jobs::env_not_gens), "pick a name other than OUT, KEEP and HOME, which gen sets"),
    check("jobs.env-one-source", Error, Spec(jobs::env_one_source), "give each env entry exactly one of `value`, `secret` and `values`"),
    check("jobs.env-bad-values-key", Error, Spec(jobs::env_values_key), "name a chart value in job env as a dotted key, e.g. `postgresql.external.host`"),
    check("jobs.unknown-component", Error, Spec(jobs::known_components), "name in `jobs.backups` only ids of backup.components"),
    check("jobs.unscheduled-component", Error, Spec(jobs::scheduled_components), "run as a job only a `method: scheduled` component with a `schedule`"),
    check("jobs.duplicate-component", Error, Spec(jobs::one_job_per_component), "give each component one job"),
    check("jobs.bad-dir", Error, Spec(jobs::dirs_under_mount), "write each job's `dir` as a folder under /backup"),
    check("jobs.keep-zero", Error, Spec(jobs::keeps_a_set), "keep at least one backup set"),
    check("jobs.script-template", Error, Spec(jobs::scripts_not_templates), "write job scripts without `{{` or `}}`"),
    check("jobs.script-tab", Error, Spec(jobs::scripts_without_tabs), "indent job scripts with spaces"),
    check("jobs.no-out", Error, Spec(jobs::writes_out), "write the backup set into `$OUT`"),
    check("jobs.pre-upgrade-unknown", Error, Spec(jobs::pre_upgrade_is_a_job), "name in `jobs.pre_upgrade` a component of `jobs.backups`"),
    check("jobs.bad-verify-schedule", Error, Spec(jobs::verification_schedule), "write the verification schedule as five cron fields"),
    check("jobs.env-template-syntax", Error, Spec(jobs::env_plain), "name objects in job env with $FULLNAME or $RELEASE, without quotes, backslashes or `{{`"),
    check("values.type-mismatch", Error, Spec(semantics::value_type_fits), "make the value's `type` and its default agree"),
    check("values.untyped-empty-list", Error, Spec(semantics::empty_list_has_items), "give an empty list default its `items` type"),
    check("values.item-type-mismatch", Error, Spec(semantics::list_items_fit), "make every item of the default the `items` type"),
    check("values.items-not-list", Error, Spec(semantics::items_only_for_lists), "remove `items`, or make the default a list"),
    // Changelog.
    check("changes.duplicate-replaces", Error, Spec(semantics::change_replaces_once), "let one entry replace each derived change"),
    check("changes.no-description", Error, Spec(semantics::change_described), "say in one sentence what changed"),
    check("changes.was-without-rbac", Error, Spec(semantics::change_was_for_rbac), "give `was` only to the `replaces: rbac` entry, which gen describes"),
    check("changes.link-no-name", Error, Spec(semantics::change_links_named), "name each change link's page"),
    check("changes.link-not-absolute", Error, Spec(semantics::change_links_absolute), "write change links as absolute https:// URLs"),
    // Steps.
    check("steps.no-title", Error, Spec(semantics::steps_titled), "give each step a title that says what to do"),
    check("steps.unknown-language", Error, Spec(semantics::step_languages), "use a language gen highlights (`gen docs spec-format` lists them)"),
    check("layout.long-run-line", Warning, Spec(layout::run_lines), "break command lines longer than 76 columns with a trailing backslash"),
    check("drills.bad-test", Error, Spec(backup::drill_tests_named), "name the drill as tests/<file>.rs::<function>"),
    check("drills.empty-none", Error, Spec(backup::drill_none_says_why), "say in `none` why no drill can run it"),
    check("drills.caveat-without-test", Error, Spec(backup::drill_caveat_has_test), "give a caveat only to a drill with a `test`"),
    check("drills.test-xor-none", Error, Spec(backup::drill_test_or_none), "give a drill exactly one of `test` and `none`"),
    check("drills.undrilled", Warning, Spec(backup::procedures_record_drills), "record a drill (`test` or `none`) for each procedure's commands"),
    // Troubleshooting.
    check("troubles.too-few", Error, Spec(semantics::enough_troubles), "list at least three real errors operators meet"),
    check("troubles.guide-uncovered", Error, Spec(semantics::troubles_per_guide), "give each guide at least one troubleshooting entry"),
    check("troubles.known-derived", Warning, Spec(semantics::troubles_not_derived), "remove the `use:` line: gen adds that known error itself where its condition holds (see spec-format)"),
    check("troubles.empty-field", Error, Spec(semantics::troubles_filled), "write out each entry's `error`, `cause` and `fix`"),
    // Form of the file and prose.
    check("spec.todo", Warning, Spec(identity::no_todos), "replace each TODO with the real content"),
    check("layout.long-code-span", Warning, Spec(layout::code_spans), "shorten inline code to 70 characters or move it into a step's `run`"),
    // The spec's own fragments.
    check("fragments.bad-name", Error, Spec(fragments::names_are_labels), "name fragments with lower-case letters, digits and '-'"),
    check("fragments.shadows-snippet", Error, Spec(fragments::not_shadowing), "rename the fragment: a built-in snippet has its name"),
    check("fragments.empty", Error, Spec(fragments::not_empty), "write the fragment's shell, or remove it and its `{{use}}` lines"),
    check("fragments.unused", Warning, Spec(fragments::used), "use the fragment as `{{use NAME}}` in a `run` block, or remove it"),
    check("fragments.cycle", Error, Spec(fragments::no_cycle), "break the cycle: a fragment may not use itself, directly or through others"),
    // Runbook lint: what each procedure's shell does, in order.
    check("runbook.exec-stopped", Error, Runbook(runbook::stopped), "exec into a pod before scaling its workload to 0, or use a helper pod"),
    check("runbook.stale-pod", Error, Runbook(runbook::stale_pod), "after a step replaced the pod, find `$POD` again (`{{use find-pod}}`) or wait for it; else `# stale-pod: REASON`"),
    check("runbook.set-aside-fixed-name", Warning, Runbook(runbook::set_aside), "set data aside under a name unique per run (a timestamp or mktemp -d)"),
    check("runbook.rollback-order", Error, Runbook(runbook::rollback), "after a migrating upgrade: stop the workload, restore, then roll back"),
    check("runbook.and-list-unchecked", Error, Spec(runbook::and_list::check), "put a check left of `&&` on its own line or make it an `if`: `set -e` ignores it there; else `# and-list: REASON`"),
    check("runbook.helm-restarts-stopped", Error, Runbook(runbook::helm_restarts), "keep a stopped workload at 0 through helm upgrade/rollback (`--set` its replicas to 0); else `# helm-restarts: REASON`"),
    check("runbook.file-unwritten", Error, Runbook(runbook::file_unwritten), "write the file in an earlier step or name it by a variable; one the operator brings: `# file-unwritten: REASON`"),
    check("runbook.secret-in-set", Error, Spec(shell_rules::secret_in_set), "pass a secret with `--set-file KEY=FILE` or a values file: `--set` splits it at commas and backslashes"),
    check("runbook.pod-from-release", Error, Spec(shell_rules::pod_from_release), "find the pod by its labels, or name it after the fullname; else say why: `# pod-from-release: REASON`"),
    check("runbook.local-http-unforwarded", Error, Spec(shell_rules::local_http_unforwarded), "port-forward first (`{{use port-forward}}`), or call from inside the pod; else `# local-http: REASON`"),
    check("runbook.rollout-on-delete", Error, Spec(shell_rules::rollout_on_delete), "wait for the pods with `kubectl wait --for=condition=Ready pod/...`, not `rollout status`, under OnDelete"),
    check("runbook.all-clear-unwritten", Error, Spec(shell_rules::all_clear_unwritten), "write the file the grep reads in an earlier step, or fail when it is missing; else `# all-clear: REASON`"),
    check("runbook.dump-toc-only", Error, Spec(shell_rules::dump_toc_only), "read the whole dump first (`pg_restore -f /dev/null DUMP`): a cut dump still lists its tables"),
    check("tools.unknown", Warning, Spec(tools::unknown), "add the program to `TOOLS` in src/spec/tools.rs with what to install, or to `NOT_LISTED` if every workstation has it"),
    check("spec.no-modeline", Warning, Spec(identity::has_modeline), "start the spec with the schema modeline"),
    // Across specs.
    check("graph.unknown-dependency", Error, Graph(graph::known_dependencies), "name in depends_on only charts with a spec in specs/"),
    check("graph.cycle", Error, Graph(graph::no_cycle), "remove one depends_on entry of the cycle"),
    check("graph.duplicate-chart", Error, Graph(graph::one_spec_per_chart), "declare each chart in exactly one spec"),
    check("make.unknown-target", Error, Graph(make::targets_exist), "call and name only targets the chart's Makefile has: its spec's operations and the targets gen adds to every chart"),
    check("make.unread-variable", Error, Graph(make::variables_read), "pass a make call only variables its target reads"),
    check("make.other-release", Error, Graph(make::other_release), "call another release's target with {{make}}: it blanks FULLNAME and what follows from it"),
    check("make.cycle", Error, Graph(make::no_cycle), "let no target call itself, directly or through the targets it calls: write the commands instead"),
    // Against the chart's facts (what Helm renders).
    check("facts.chart-version", Error, Facts(facts::versions), "set chart_version.from and app_version to the chart's Chart.yaml"),
    check("facts.workload", Error, Facts(facts::workload), "make `workload` pick exactly one workload of the chart, of its kind"),
    check("facts.container", Error, Facts(facts::main_container), "name a container, port and data_path the main workload has"),
    check("facts.values", Error, Facts(facts::spec_values), "document only values keys the chart's templates read"),
    check("facts.database-secret", Error, Facts(facts::database_profile), "name the Secret and key the application reads its database password from"),
    check("facts.commands", Error, Facts(facts::commands), "name in commands only objects, containers, paths and keys the chart renders"),
    check("facts.jobs", Error, Facts(crate::facts::jobs::check), "point the backup jobs at Secrets, keys and claims the chart renders"),
    check("facts.multi-attach-strategy", Error, Facts(facts::multi_attach_strategy), "give `multi-attach` the update strategy the chart renders for the main Deployment"),
    check("facts.rbac-scope", Error, Facts(facts::rbac_scope), "set `rbac.scope` to the kind of Role the chart renders of its own (cluster for a ClusterRole)"),
    check("facts.rbac-was", Error, Facts(facts::rbac_was), "record in `was` the rules of the Role the chart renders of its own"),
    check("facts.chart-role-unrecorded", Warning, Facts(facts::chart_role_recorded), "record the Role the chart renders of its own in `rbac.was`"),
    check("facts.rbac-was-missing", Warning, Facts(facts::rbac_was_recorded), "record the chart's own Role in `was` before `gen adopt` replaces it"),
];

/// The check with id `id`.
pub fn find(id: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.id == id)
}

/// Runs `f` for each check whose input `pick` accepts, and stamps its id and
/// severity on what it found.
fn run_all(mut f: impl FnMut(&Run, &mut Vec<Diagnostic>) -> bool) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    for c in CHECKS {
        let from = out.len();
        if f(&c.run, &mut out) {
            for d in &mut out[from..] {
                d.code = Some(&c.id);
                d.severity = c.severity;
            }
        }
    }
    out
}

/// Every check of one spec on its own.
pub fn spec(file: &SpecFile) -> Vec<Diagnostic> {
    spec_with(file, None)
}

/// [`spec`], with the facts of the spec's chart where it has them, which
/// the runbook lint reads (which values keys set the replicas).
pub fn spec_with(file: &SpecFile, facts: Option<&ChartFacts>) -> Vec<Diagnostic> {
    let keys: Option<std::collections::BTreeSet<String>> = facts
        .map(|f| {
            f.workloads
                .iter()
                .filter_map(|w| w.replicas_value.clone())
                .collect::<std::collections::BTreeSet<_>>()
        })
        .filter(|k| !k.is_empty());
    let mut read = None;
    run_all(|run, out| match run {
        Run::Spec(f) => {
            f(file, out);
            true
        }
        Run::Runbook(f) => {
            f(
                file,
                read.get_or_insert_with(|| runbook::read_with(file, keys.as_ref())),
                out,
            );
            true
        }
        _ => false,
    })
}

/// Every check across all specs.
pub fn graph(files: &[SpecFile]) -> Vec<Diagnostic> {
    run_all(|run, out| match run {
        Run::Graph(f) => {
            f(files, out);
            true
        }
        _ => false,
    })
}

/// Every check of a spec against its chart's facts. Two checks that find
/// the same problem at the same place report it once.
pub fn facts(file: &SpecFile, chart: &ChartFacts) -> Vec<Diagnostic> {
    let mut out = run_all(|run, out| match run {
        Run::Facts(f) => {
            f(file, chart, out);
            true
        }
        _ => false,
    });
    facts::dedup(&mut out);
    out
}

/// `gen checks`: the table, one check a line; with an id, that check.
pub fn explain(id: Option<&str>) -> Result<String, String> {
    let line = |c: &Check| {
        let sev = match c.severity {
            Error => "error",
            Warning => "warning",
        };
        format!("{:<30} {sev:<7}  {}\n", c.id, c.help)
    };
    match id {
        None => Ok(CHECKS.iter().map(line).collect()),
        Some(id) => match find(id) {
            Some(c) => Ok(line(c)),
            None => {
                let hint = crate::diagnostics::did_you_mean(id, CHECKS.iter().map(|c| c.id))
                    .map(|m| format!("; did you mean `{m}`?"))
                    .unwrap_or_else(|| "; `gen checks` lists them all".into());
                Err(format!("no check {id:?}{hint}"))
            }
        },
    }
}
