//! What the spec says must make sense: RBAC rules, Makefile operations,
//! variables, documented values, the changelog, steps and troubleshooting.

use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::spec::share::Derived;
use crate::spec::types::Origin;
use crate::spec::validate::{all_steps, is_dns_label, LANGUAGES, REQUIRED_TARGETS};
use crate::spec::{Guide, RunsIn, Scope, SpecFile, ValueType};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Verbs of the Kubernetes API a workload's Role grants, in the order the
/// RBAC sentences name them.
use crate::spec::rbac_change::VERBS as USUAL_VERBS;

/// Verbs that change objects (or grant more access).
const WRITE_VERBS: &[&str] = &[
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
    "escalate",
    "bind",
    "impersonate",
];

/// The model's name of an enum value, as the spec writes it.
fn serde_name(v: impl serde::Serialize) -> String {
    match serde_json::to_value(v) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}

pub fn rbac_no_wildcards(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, r) in file.spec.rbac.rules.iter().enumerate() {
        for (field, items) in [
            ("verbs", &r.verbs),
            ("resources", &r.resources),
            ("api_groups", &r.api_groups),
        ] {
            if items.iter().any(|v| v.contains('*')) {
                out.push(
                    file.error_at(
                        &format!("rbac.rules[{i}].{field}"),
                        format!("wildcard in {field}"),
                    )
                    .help(format!("list the exact {field} the product needs")),
                );
            }
        }
    }
}

pub fn rbac_rules_grant(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, r) in file.spec.rbac.rules.iter().enumerate() {
        if r.verbs.is_empty() || r.resources.is_empty() {
            out.push(
                file.error_at(
                    &format!("rbac.rules[{i}]"),
                    "rule grants nothing: verbs and resources must not be empty",
                )
                .help("remove the rule or fill it in"),
            );
        }
    }
}

pub fn rbac_rules_say_why(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, r) in file.spec.rbac.rules.iter().enumerate() {
        if r.why.trim().is_empty() {
            out.push(
                file.error_at(&format!("rbac.rules[{i}].why"), "rule has no reason")
                    .help("say why the product needs this access"),
            );
        }
    }
}

/// The rules that reach core Secrets, with their index.
fn secret_rules(file: &SpecFile) -> impl Iterator<Item = (usize, &crate::spec::Rule)> {
    file.spec.rbac.rules.iter().enumerate().filter(|(_, r)| {
        r.resources.iter().any(|x| x == "secrets") && r.api_groups.iter().any(|g| g.is_empty())
    })
}

pub fn rbac_no_secret_writes(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, r) in secret_rules(file) {
        if let Some(v) = r.verbs.iter().find(|v| WRITE_VERBS.contains(&v.as_str())) {
            out.push(file.error_at(&format!("rbac.rules[{i}].verbs"), format!("write access (`{v}`) to secrets"))
                .help("secrets are managed by Helm or the operator, not by the workload; grant get on named secrets at most"));
        }
    }
}

pub fn rbac_secret_list(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, r) in secret_rules(file) {
        if r.verbs.iter().any(|v| v == "list" || v == "watch") {
            out.push(file.warning_at(&format!("rbac.rules[{i}].verbs"), "`list`/`watch` on secrets reads every secret in scope")
                .help("use `get` with `resource_names`; if the product truly needs list/watch, say why in `why` and accept the warning"));
        }
    }
}

pub fn rbac_usual_verbs(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, r) in file.spec.rbac.rules.iter().enumerate() {
        for v in &r.verbs {
            if !USUAL_VERBS.contains(&v.as_str()) {
                out.push(
                    file.warning_at(
                        &format!("rbac.rules[{i}].verbs"),
                        format!("unusual verb `{v}`"),
                    )
                    .help("check it is a Kubernetes API verb the product needs"),
                );
            }
        }
    }
}

pub fn rbac_cluster_scope_lists(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let rbac = &file.spec.rbac;
    let lists_or_watches = rbac
        .rules
        .iter()
        .any(|r| r.verbs.iter().any(|v| v == "list" || v == "watch"));
    if rbac.scope == Scope::Cluster && !lists_or_watches {
        out.push(file.warning_at("rbac.scope", "cluster scope without any list/watch rule")
            .help("a ClusterRole is for cluster-wide discovery; namespace scope would do for these rules"));
    }
}

pub fn rbac_has_summary(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    if file.spec.rbac.summary.trim().is_empty() {
        out.push(
            file.error_at("rbac.summary", "`rbac.summary` is empty")
                .help("say why the workload needs the API, or that it does not"),
        );
    }
}

/// `was_names` names the Role `was` records; alone it describes nothing.
pub fn rbac_was_names_with_was(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    if file.spec.rbac.was_names.is_some() && file.spec.rbac.was.is_empty() {
        out.push(
            file.error_at("rbac.was_names", "`was_names` without `was`")
                .help(
                    "record the rules of the chart's own Role in `rbac.was`, or remove `was_names`",
                ),
        );
    }
}

pub fn targets_are_labels(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, op) in file.spec.operations.iter().enumerate() {
        if !is_dns_label(&op.target) {
            out.push(
                file.error_at(
                    &format!("operations[{i}].target"),
                    format!("target name {:?} is not valid", op.target),
                )
                .help("use lower-case letters, digits and '-', e.g. `wal-status`"),
            );
        }
    }
}

pub fn targets_not_shared(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let shared = crate::model::shared_targets(&file.spec);
    for (i, op) in file.spec.operations.iter().enumerate() {
        if shared.contains(&op.target) {
            out.push(
                file.error_at(
                    &format!("operations[{i}].target"),
                    format!(
                        "duplicate Makefile target {:?}: gen adds it to every chart",
                        op.target
                    ),
                )
                .help("pick another name; `gen docs spec-format` lists the shared targets"),
            );
        }
    }
}

pub fn targets_unique(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let shared = crate::model::shared_targets(&file.spec);
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, op) in file.spec.operations.iter().enumerate() {
        // A shared name is reported once, as shared.
        if shared.contains(&op.target) {
            continue;
        }
        if let Some(first) = seen.insert(&op.target, i) {
            out.push(
                file.error_at(
                    &format!("operations[{i}].target"),
                    format!(
                        "duplicate Makefile target {:?} (first defined at operations[{first}])",
                        op.target
                    ),
                )
                .help("give each target its own name"),
            );
        }
    }
}

pub fn op_help_one_line(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, op) in file.spec.operations.iter().enumerate() {
        if op.help.trim().is_empty() || op.help.contains('\n') {
            out.push(
                file.error_at(
                    &format!("operations[{i}].help"),
                    "help must be one non-empty line",
                )
                .help("`make help` shows it on one line"),
            );
        }
    }
}

pub fn op_run_not_empty(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, op) in file.spec.operations.iter().enumerate() {
        if op.run.trim().is_empty() {
            out.push(
                file.error_at(&format!("operations[{i}].run"), "empty command: the operation has neither `run:` nor `steps:`")
                    .help("give the command as `run:`, or name the guide's steps it runs as `steps: [restore.full/2]`"),
            );
        }
    }
}

pub fn no_kubectl_in_pod(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, op) in file.spec.operations.iter().enumerate() {
        if op.runs_in == RunsIn::Pod && op.run.split_whitespace().any(|w| w == "kubectl") {
            out.push(file.error_at(&format!("operations[{i}].run"), "`runs_in: pod` runs the command inside the container, where there is no kubectl")
                .help("drop `runs_in: pod` and write the full kubectl command, or remove kubectl from the command"));
        }
    }
}

/// The `set` lines a make target's own `run:` need not start with: the
/// target runs after `<chart>_env`, whose first command is `set -eu`, in
/// the same shell (`eval` keeps it), so they change nothing.
const PRELUDE_SETS: &[&str] = &["set -e", "set -u", "set -eu", "set -ue"];

/// An operation whose `run:` starts with `set -e` (or `-eu`) on the
/// operator's machine. Not `runs_in: pod`, whose command runs in the
/// container's `sh -c`, without the prelude; not `steps:`, whose text is
/// the guide's, where a reader runs it in their own shell. Only the first
/// line: a later one may follow a `set +e` or sit in a quoted script that
/// another shell runs.
pub fn no_redundant_set_e(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, op) in file.spec.operations.iter().enumerate() {
        if op.runs_in != RunsIn::Local || !op.steps.is_empty() {
            continue;
        }
        let Some((n, line)) = op
            .run
            .lines()
            .enumerate()
            .find(|(_, l)| !l.trim().is_empty())
        else {
            continue;
        };
        let line = line.trim();
        if PRELUDE_SETS.contains(&line) {
            out.push(
                file.error_in_text(&format!("operations[{i}].run"), n, format!("`{line}` is redundant: the target already runs with `set -eu`"))
                    .help(format!("remove the line: `make {}-{}` runs the command after the chart's prelude, which starts with `set -eu`, in the same shell", file.spec.name, op.target)),
            );
        }
    }
}

pub fn required_targets(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (target, what) in REQUIRED_TARGETS {
        if !file.spec.operations.iter().any(|o| o.target == *target) {
            out.push(file.error_at("operations", format!("no `{target}` operation"))
                .help(format!("add an operation with `target: {target}` that {what}; `make backup-all` and `make restore-<chart>` run it")));
        }
    }
}

fn is_var_name(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_uppercase() || c == b'_')
        && b.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

pub fn var_names(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.variables.iter().enumerate() {
        if !is_var_name(&v.name) {
            out.push(
                file.error_at(
                    &format!("variables[{i}].name"),
                    format!("variable name {:?} is not an upper-case shell name", v.name),
                )
                .help("use A-Z, 0-9 and _, e.g. PGUSER"),
            );
        }
    }
}

pub fn vars_not_reserved(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.variables.iter().enumerate() {
        if crate::model::is_given_variable(&v.name) {
            out.push(
                file.error_at(
                    &format!("variables[{i}].name"),
                    format!("variable {} is provided by gen", v.name),
                )
                .help(format!(
                    "remove it; {} are always set",
                    and_list(
                        &crate::model::GIVEN_VARIABLES
                            .iter()
                            .map(|g| g.name)
                            .chain([crate::model::RELEASE_MARKER])
                            .collect::<Vec<_>>()
                    )
                )),
            );
        }
    }
}

/// `a, b and c`.
fn and_list(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

pub fn vars_unique(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, v) in file.spec.variables.iter().enumerate() {
        if !seen.insert(v.name.as_str()) {
            out.push(
                file.error_at(
                    &format!("variables[{i}].name"),
                    format!("duplicate variable {}", v.name),
                )
                .help("define each variable once"),
            );
        }
    }
}

pub fn var_defaults_one_line(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.variables.iter().enumerate() {
        if v.default.contains(['\n', '\r']) {
            out.push(
                file.error_at(
                    &format!("variables[{i}].default"),
                    "a variable default must be one line",
                )
                .help("make targets set it on one line; put longer text in the command itself"),
            );
        }
    }
}

pub fn value_keys(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.values.iter().enumerate() {
        let ok_root = v.key.starts_with("backup.") || v.key.starts_with("upgrade.");
        let ok_parts = v.key.split('.').all(|p| {
            !p.is_empty()
                && p.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
                && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        });
        if !ok_root || !ok_parts {
            out.push(
                file.error_at(
                    &format!("values[{i}].key"),
                    format!(
                        "value key {:?} is not a documented backup/upgrade key",
                        v.key
                    ),
                )
                .help("write a dotted key under `backup.` or `upgrade.`, e.g. `backup.schedule`"),
            );
        }
    }
}

pub fn value_keys_unique(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, v) in file.spec.values.iter().enumerate() {
        if !seen.insert(v.key.as_str()) {
            out.push(
                file.error_at(
                    &format!("values[{i}].key"),
                    format!("duplicate value key {:?}", v.key),
                )
                .help("document each key once"),
            );
        }
    }
}

pub fn value_not_object(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.values.iter().enumerate() {
        if matches!(v.default, serde_json::Value::Object(_)) {
            out.push(
                file.error_at(
                    &format!("values[{i}].default"),
                    "an object default cannot carry per-key docs",
                )
                .help("document each nested key as its own dotted entry"),
            );
        }
    }
}

pub fn value_described(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.values.iter().enumerate() {
        if v.description.trim().is_empty() {
            out.push(
                file.error_at(&format!("values[{i}].description"), "empty description")
                    .help("say what the value does"),
            );
        }
    }
}

pub fn value_leaves_only(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let values = &file.spec.values;
    let leaves: BTreeSet<&str> = values.iter().map(|v| v.key.as_str()).collect();
    for k in &leaves {
        let prefix = format!("{k}.");
        if leaves.iter().any(|o| o.starts_with(&prefix)) {
            let i = values.iter().position(|v| v.key == *k).unwrap_or(0);
            out.push(
                file.error_at(
                    &format!("values[{i}].key"),
                    format!("{k:?} is both a value and a parent of other values"),
                )
                .help("document only the leaves"),
            );
        }
    }
}

/// The JSON type name of a value, as values.schema.json would say it.
fn json_type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    }
}

/// Whether a value of JSON type `found` is one of type `want` (both named
/// as JSON Schema names them; an integer is a number).
fn fits(found: &str, want: &str) -> bool {
    found == want || (want == "number" && found == "integer")
}

pub fn value_type_fits(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.values.iter().enumerate() {
        let Some(t) = v.value_type else { continue };
        let found = json_type_name(&v.default);
        let ok = match t {
            ValueType::IntOrString => found == "integer" || found == "string",
            _ => fits(found, &serde_name(t)),
        };
        if !ok {
            out.push(
                file.error_at(
                    &format!("values[{i}].type"),
                    format!(
                        "type {} does not fit the default, which is {found}",
                        serde_json::to_value(t).unwrap_or_default()
                    ),
                )
                .help("change the default or the type, so Helm accepts the chart's own values"),
            );
        }
    }
}

pub fn empty_list_has_items(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.values.iter().enumerate() {
        if v.items.is_none() && v.default.as_array().is_some_and(Vec::is_empty) {
            out.push(
                file.error_at(
                    &format!("values[{i}].default"),
                    "an empty list default does not say what its items are",
                )
                .help("add `items: string` (or integer, number, boolean, object) so values.schema.json can check them"),
            );
        }
    }
}

pub fn list_items_fit(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.values.iter().enumerate() {
        let (Some(items), Some(t)) = (v.default.as_array(), v.items) else {
            continue;
        };
        let want = serde_name(t);
        if let Some(bad) = items.iter().map(json_type_name).find(|f| !fits(f, &want)) {
            out.push(
                file.error_at(
                    &format!("values[{i}].items"),
                    format!("items: {want}, but the default has an item that is {bad}"),
                )
                .help("make every item of the default that type"),
            );
        }
    }
}

pub fn items_only_for_lists(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.values.iter().enumerate() {
        if v.items.is_some() && !v.default.is_array() {
            out.push(
                file.error_at(
                    &format!("values[{i}].items"),
                    "`items` is only for list defaults",
                )
                .help("remove it, or make the default a list"),
            );
        }
    }
}

pub fn change_replaces_once(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let changes = &file.spec.upgrade.changes;
    for (i, c) in changes.iter().enumerate() {
        let Some(d) = c.replaces else { continue };
        if let Some(j) = changes[..i].iter().position(|o| o.replaces == Some(d)) {
            out.push(
                file.error_at(
                    &format!("upgrade.changes[{i}].replaces"),
                    format!("upgrade.changes[{j}] already replaces this derived entry"),
                )
                .help("one entry replaces each derived one: merge the two, or drop `replaces` from one to add it after the derived entries"),
            );
        }
    }
}

pub fn change_described(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.upgrade.changes.iter().enumerate() {
        // gen describes the RBAC change (see `spec::rbac_change`).
        if c.description.trim().is_empty() && c.replaces != Some(Derived::Rbac) {
            out.push(
                file.error_at(
                    &format!("upgrade.changes[{i}].description"),
                    "empty change description",
                )
                .help("say in one sentence what changed in the chart"),
            );
        }
    }
}

pub fn change_was_for_rbac(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.upgrade.changes.iter().enumerate() {
        let described = !c.description.trim().is_empty();
        if !c.was.is_empty() && (c.replaces != Some(Derived::Rbac) || described) {
            out.push(
                file.error_at(
                    &format!("upgrade.changes[{i}].was"),
                    "`was` on an entry gen does not describe",
                )
                .help(
                    "`was` records the previous Role for the note gen writes for \
`replaces: rbac` without a `description`: remove `was`, or the description",
                ),
            );
        }
    }
}

pub fn change_links_named(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.upgrade.changes.iter().enumerate() {
        for (j, l) in c.links.iter().enumerate() {
            if l.name.trim().is_empty() {
                out.push(
                    file.error_at(
                        &format!("upgrade.changes[{i}].links[{j}].name"),
                        "empty link name",
                    )
                    .help("name the page, e.g. \"Backup guide\""),
                );
            }
        }
    }
}

pub fn change_links_absolute(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.upgrade.changes.iter().enumerate() {
        for (j, l) in c.links.iter().enumerate() {
            let scheme_ok = l
                .url
                .strip_prefix("https://")
                .or_else(|| l.url.strip_prefix("http://"))
                .is_some_and(|rest| !rest.is_empty());
            if !scheme_ok || l.url.chars().any(char::is_whitespace) {
                out.push(
                    file.error_at(
                        &format!("upgrade.changes[{i}].links[{j}].url"),
                        format!("link {:?} is not an absolute http(s) URL", l.url),
                    )
                    .help("Artifact Hub shows the link on the chart's page, where relative paths lead nowhere: write https://..."),
                );
            }
        }
    }
}

pub fn steps_titled(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, step) in all_steps(&file.spec) {
        if step.title.trim().is_empty() {
            out.push(
                file.error_at(&format!("{path}.title"), "step has no title")
                    .help("say what to do"),
            );
        }
    }
}

pub fn step_languages(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, step) in all_steps(&file.spec) {
        let Some(lang) = &step.lang else { continue };
        if LANGUAGES.contains(&lang.as_str()) {
            continue;
        }
        let d = file.error_at(
            &format!("{path}.lang"),
            format!("unknown language {lang:?}"),
        );
        out.push(match did_you_mean(lang, LANGUAGES.iter().copied()) {
            Some(m) => d.help(format!("did you mean `{m}`?")),
            None => d.help(format!("use one of {}", LANGUAGES.join(", "))),
        });
    }
}

/// Fewest troubleshooting entries a chart has.
pub const MIN_TROUBLES: usize = 3;

pub fn enough_troubles(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let list = &file.spec.troubleshooting;
    if list.len() < MIN_TROUBLES {
        out.push(
            file.error_at(
                "troubleshooting",
                format!(
                    "{} troubleshooting entries; the guides need at least {MIN_TROUBLES}",
                    list.len()
                ),
            )
            .help("add the errors operators meet with this product: `error` exactly as printed, its `cause` and the `fix`"),
        );
    }
}

pub fn troubles_per_guide(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let list = &file.spec.troubleshooting;
    for guide in [Guide::Backup, Guide::Upgrade] {
        if !list.is_empty() && !list.iter().any(|t| t.guide.is_none_or(|g| g == guide)) {
            let name = serde_name(guide);
            out.push(
                file.error_at(
                    "troubleshooting",
                    format!("no troubleshooting entry for the {name} guide"),
                )
                .help(format!(
                    "add one with `guide: {name}`, or leave `guide` out so both guides list it"
                )),
            );
        }
    }
}

/// A plain `use:` of a known error gen adds to this chart anyway.
pub fn troubles_not_derived(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, t) in file.spec.troubleshooting.iter().enumerate() {
        let Origin::Used {
            name, plain: true, ..
        } = &t.origin
        else {
            continue;
        };
        if let Some(c) = crate::spec::known_errors::derived(name, &file.spec) {
            out.push(
                file.error_at(
                    &format!("troubleshooting[{i}].use"),
                    format!("`use: {name}` says what gen adds to this chart's guides anyway"),
                )
                .help(format!(
                    "remove the entry: gen adds `{name}` to every chart whose {}",
                    c.says
                )),
            );
        }
    }
}

pub fn troubles_filled(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, t) in file.spec.troubleshooting.iter().enumerate() {
        for (field, text) in [("error", &t.error), ("cause", &t.cause), ("fix", &t.fix)] {
            if text.trim().is_empty() {
                out.push(
                    file.error_at(
                        &format!("troubleshooting[{i}].{field}"),
                        format!("empty `{field}`"),
                    )
                    .help("write it out, or make the entry a known error with `use: NAME` (`gen docs spec-format` lists them)"),
                );
            }
        }
    }
}
