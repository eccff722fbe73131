//! Semantic checks that types alone cannot express. Every check reports all
//! it finds, located in the spec, with a fix.

use super::types::*;
use super::{cron, SpecFile};
use crate::diagnostics::{did_you_mean, Diagnostic};
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Targets gen adds to every chart (see `model::shared_operations`).
pub const SHARED_TARGETS: &[&str] = &[
    "status",
    "logs",
    "shell",
    "port-forward",
    "restart",
    "describe",
    "events",
    "top",
    "rbac-check",
    "helm-lint",
    "helm-template",
    "helm-status",
    "helm-history",
    "helm-values",
    "helm-rollback",
];

/// Variables every command may use; specs cannot redefine them.
pub const RESERVED_VARIABLES: &[&str] = &[
    "NAMESPACE",
    "RELEASE",
    "FULLNAME",
    "POD",
    "BACKUP_DIR",
    "KUBECTL",
    "SELECTOR",
];

/// Languages a step's `run` may declare.
pub const LANGUAGES: &[&str] = &[
    "bash",
    "sh",
    "console",
    "yaml",
    "json",
    "sql",
    "toml",
    "ini",
    "makefile",
    "text",
    "xml",
    "python",
    "promql",
    "logql",
    "traceql",
    "go-template",
    "php",
    "javascript",
    "properties",
    "dockerfile",
    "nginx",
    "hcl",
];

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

/// Longest line in a `run` block: the guides indent code by 3 or 4 columns
/// and markdownlint allows 80.
pub const MAX_RUN_LINE: usize = 76;

/// SemVer 2: MAJOR.MINOR.PATCH with optional -prerelease and +build.
pub fn is_semver(v: &str) -> bool {
    let (core, rest) = match v.find(['-', '+']) {
        Some(i) => (&v[..i], &v[i..]),
        None => (v, ""),
    };
    let nums: Vec<&str> = core.split('.').collect();
    let num_ok = |n: &&str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && (n.len() == 1 || !n.starts_with('0'))
    };
    nums.len() == 3
        && nums.iter().all(num_ok)
        && rest
            .split(['-', '+', '.'])
            .skip(1)
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// A Kubernetes label value (the app version becomes one).
pub fn is_label_value(v: &str) -> bool {
    v.len() <= 63
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        && v.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
        && v.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric())
}

/// Longest heading text the guides can carry: headings cannot wrap and
/// markdownlint allows 80 columns.
pub const MAX_HEADING: usize = 72;

fn check_heading_lengths(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let mut headings: Vec<(String, String)> = Vec::new();
    for (i, c) in s.backup.components.iter().enumerate() {
        headings.push((format!("backup.components[{i}].title"), c.title.clone()));
    }
    for (i, r) in s.restore.iter().enumerate() {
        headings.push((format!("restore[{i}].title"), r.title.clone()));
    }
    for (i, st) in s.upgrade.strategies.iter().enumerate() {
        headings.push((format!("upgrade.strategies[{i}].name"), st.name.clone()));
    }
    for (i, n) in s.upgrade.notes.iter().enumerate() {
        headings.push((
            format!("upgrade.notes[{i}]"),
            format!("From {} to {}", n.from, n.to),
        ));
    }
    for (path, text) in headings {
        let n = text.chars().count();
        if n > MAX_HEADING {
            out.push(
                file.warning_at(
                    &path,
                    format!("heading \"{text}\" is {n} characters; headings cannot wrap"),
                )
                .help(format!(
                    "keep it to {MAX_HEADING} characters and say the rest in the text"
                )),
            );
        }
    }
}

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

fn is_target_name(s: &str) -> bool {
    is_dns_label(s)
}

fn is_var_name(s: &str) -> bool {
    let mut b = s.bytes();
    matches!(b.next(), Some(c) if c.is_ascii_uppercase() || c == b'_')
        && b.all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_')
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && (1..=12).contains(&s[5..7].parse::<u8>().unwrap_or(0))
        && (1..=31).contains(&s[8..10].parse::<u8>().unwrap_or(0))
}

/// Checks one spec on its own.
pub fn validate(file: &SpecFile) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let s = &file.spec;
    for (path, message, help) in super::profile::problems(s) {
        out.push(file.error_at(&path, message).help(help));
    }

    // Identity.
    if !is_dns_label(&s.name) {
        out.push(
            file.error_at(
                "name",
                format!("chart name {:?} is not a DNS-1123 label", s.name),
            )
            .help("use lower-case letters, digits and '-', at most 63 characters, e.g. `my-chart`"),
        );
    }
    let stem = file
        .rel
        .rsplit('/')
        .next()
        .and_then(|f| f.strip_suffix(".yaml").or_else(|| f.strip_suffix(".yml")))
        .unwrap_or("");
    if stem != s.name {
        out.push(
            file.error_at(
                "name",
                format!("spec file is named {stem:?} but declares name {:?}", s.name),
            )
            .help(format!(
                "rename the file to specs/{}.yaml, or set `name: {stem}`",
                s.name
            )),
        );
    }
    for (path, text) in [
        ("title", &s.title),
        ("summary", &s.summary),
        ("app_version", &s.app_version),
    ] {
        if text.trim().is_empty() {
            out.push(
                file.error_at(path, format!("`{path}` is empty"))
                    .help("write it out"),
            );
        }
    }
    for (path, v) in [
        ("chart_version.from", &s.chart_version.from),
        ("chart_version.to", &s.chart_version.to),
    ] {
        if !is_semver(v) {
            out.push(file.error_at(path, format!("chart version {v:?} is not SemVer 2"))
                .help("Helm requires MAJOR.MINOR.PATCH, e.g. \"0.4.0\" (quote it so YAML keeps it a string)"));
        }
    }
    if !is_label_value(&s.app_version) {
        out.push(file.error_at("app_version", format!("app_version {:?} cannot be a Kubernetes label value", s.app_version))
            .help("it becomes the app.kubernetes.io/version label: at most 63 characters of A-Z, a-z, 0-9, '-', '_', '.', starting and ending alphanumeric"));
    }
    check_heading_lengths(file, &mut out);
    if let Some(d) = &s.last_drill {
        if !is_date(d) {
            out.push(
                file.error_at("last_drill", format!("last_drill {d:?} is not a date"))
                    .help("write it as YYYY-MM-DD, e.g. \"2026-03-14\""),
            );
        }
    }
    if s.depends_on.iter().any(|d| d.chart == s.name) {
        out.push(
            file.error_at("depends_on", "a chart cannot depend on itself")
                .help("remove the entry"),
        );
    }

    check_backup(file, &mut out);
    check_restore(file, &mut out);
    check_rbac(file, &mut out);
    check_operations(file, &mut out);
    check_required_targets(file, &mut out);
    check_variables(file, &mut out);
    check_values(file, &mut out);
    super::jobs::validate(file, &mut out);
    check_value_types(file, &mut out);
    check_changes(file, &mut out);
    check_steps(file, &mut out);
    check_drills(file, &mut out);
    check_troubleshooting(file, &mut out);
    check_todos(file, &mut out);
    check_code_spans(file, &mut out);
    super::runbook::check(file, &mut out);
    if file.source.lines().next().map(str::trim) != Some(MODELINE) {
        out.push(
            Diagnostic::warning(&file.rel, "the first line is not the schema modeline")
                .at(1, 1)
                .help(format!(
                    "start the file with `{MODELINE}` so editors complete and validate it"
                ))
                .with_source(&file.source),
        );
    }
    out
}

/// First line of every spec: editors with the YAML language server then
/// complete and validate it against specs/schema.json.
pub const MODELINE: &str = "# yaml-language-server: $schema=schema.json";

/// Longest inline code span in prose: wrapping cannot break inside one, and
/// the guides keep lines within 80 columns.
pub const MAX_CODE_SPAN: usize = 70;

/// Warns about long inline code in prose fields; such text belongs in a
/// step's `run`, where it is shown as a code block.
fn check_code_spans(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    fn walk(v: &serde_json::Value, path: String, found: &mut Vec<(String, usize)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if k != "run" && k != "url" {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        walk(v, p, found);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{path}[{i}]"), found);
                }
            }
            serde_json::Value::String(s) => {
                let longest = s
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(|c| c.chars().count())
                    .max();
                if let Some(n) = longest.filter(|n| *n > MAX_CODE_SPAN) {
                    found.push((path, n));
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Ok(v) = serde_json::to_value(&file.spec) {
        walk(&v, String::new(), &mut found);
    }
    for (path, n) in found {
        out.push(
            file.warning_at(
                &path,
                format!("inline code of {n} characters cannot wrap within the guides' 80 columns"),
            )
            .help(format!(
                "shorten it to {MAX_CODE_SPAN} or fewer, or move it into a step's `run`"
            )),
        );
    }
}

/// The warning for a TODO left in a spec (the CLI sums them up per spec).
pub const TODO_LEFT: &str = "the spec still has a TODO";

/// `gen new` leaves TODOs; they must not reach a release unnoticed.
fn check_todos(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, line) in file.source.lines().enumerate() {
        let code = match line.find(" #") {
            Some(j) => &line[..j],
            None if line.trim_start().starts_with('#') => "",
            None => line,
        };
        if let Some(col) = code.find("TODO") {
            out.push(
                Diagnostic::warning(&file.rel, TODO_LEFT)
                    .at(i + 1, code[..col].chars().count() + 1)
                    .help("write the real content; `gen check --strict` fails while TODOs remain")
                    .with_source(&file.source),
            );
        }
    }
}

fn check_backup(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let rpo = s.objectives.rpo;
    let mut seen = HashSet::new();
    // Best achievable data loss window, and where it comes from.
    let mut best: Option<(u64, String)> = None;
    // A data component whose frequency is already reported as broken: the
    // RPO check would only repeat that error.
    let mut unknown_frequency = false;
    if s.backup.components.is_empty() {
        out.push(
            file.error_at("backup.components", "no backup components")
                .help("even a stateless chart backs up its configuration (Helm values, ConfigMaps, Secrets)"),
        );
    }
    for (i, c) in s.backup.components.iter().enumerate() {
        let at = format!("backup.components[{i}]");
        if !is_dns_label(&c.id) {
            out.push(
                file.error_at(
                    &format!("{at}.id"),
                    format!("component id {:?} is not a lower-case identifier", c.id),
                )
                .help("use lower-case letters, digits and '-'"),
            );
        }
        if !seen.insert(c.id.as_str()) {
            out.push(
                file.error_at(
                    &format!("{at}.id"),
                    format!("duplicate component id {:?}", c.id),
                )
                .help("give each component its own id"),
            );
        }
        let gap = match c.method {
            Method::Continuous => match c.interval {
                Some(iv) => Some(iv.secs()),
                None => {
                    out.push(file.error_at(&at, format!("continuous component {:?} has no `interval`", c.id))
                        .help("add `interval:` with the longest gap between shipped increments, e.g. `interval: 5m`"));
                    None
                }
            },
            Method::Scheduled => {
                match &c.schedule {
                    Some(expr) => match cron::max_gap_secs(expr) {
                        Ok(g) => Some(g),
                        Err(why) => {
                            out.push(file.error_at(&format!("{at}.schedule"), format!("bad cron schedule {expr:?}: {why}"))
                            .help("write five numeric fields, e.g. \"0 2 * * *\" for 02:00 every day"));
                            None
                        }
                    },
                    None => {
                        out.push(
                            file.error_at(
                                &at,
                                format!("scheduled component {:?} has no `schedule`", c.id),
                            )
                            .help("add a cron `schedule:`, e.g. \"0 2 * * *\""),
                        );
                        None
                    }
                }
            }
            Method::OnChange => None,
        };
        if c.covers == Covers::Data && gap.is_none() && c.method != Method::OnChange {
            unknown_frequency = true;
        }
        if c.covers == Covers::Data {
            if let Some(g) = gap {
                if best.as_ref().is_none_or(|(b, _)| g < *b) {
                    best = Some((g, at.clone()));
                }
            }
        }
        if rpo.is_zero() && c.covers == Covers::Data {
            out.push(file.error_at(&format!("{at}.covers"), format!(
                "RPO is 0 but component {:?} covers data: no backup interval can meet an RPO of 0", c.id))
                .help("an RPO of 0 means the chart keeps no data of its own; mark configuration components `covers: configuration`, or set a real RPO"));
        }
    }
    if !rpo.is_zero() && !unknown_frequency {
        match best {
            None => out.push(file.error_at("objectives.rpo", format!(
                "RPO is {rpo} but no component with `covers: data` has an interval or schedule"))
                .help("add a scheduled or continuous data backup that runs at least every RPO")),
            Some((gap, at)) if gap > rpo.secs() => out.push(file.error_at("objectives.rpo", format!(
                "RPO of {rpo} cannot be met: the most frequent data backup ({at}) leaves gaps of up to {}",
                super::Duration::from_secs(gap)))
                .help("run that backup more often, add a continuous method, or raise the RPO")),
            _ => {}
        }
    }
    if s.backup.not_covered.is_empty() {
        out.push(
            file.error_at("backup.not_covered", "`not_covered` is empty")
                .help(
                    "say what these backups do not cover, so nobody counts on it during an outage",
                ),
        );
    }
    if s.backup.verification.is_empty() {
        out.push(
            file.error_at("backup.verification", "no verification steps")
                .help(
                    "a backup that was never restored is a hope; describe how to prove it restores",
                ),
        );
    }
}

fn check_restore(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let ids: Vec<&str> = s.backup.components.iter().map(|c| c.id.as_str()).collect();
    let mut restored = HashSet::new();
    let mut seen = HashSet::new();
    for (i, r) in s.restore.iter().enumerate() {
        let at = format!("restore[{i}]");
        if !is_dns_label(&r.id) {
            out.push(
                file.error_at(
                    &format!("{at}.id"),
                    format!("restore id {:?} is not a lower-case identifier", r.id),
                )
                .help("use lower-case letters, digits and '-'"),
            );
        }
        if !seen.insert(r.id.as_str()) {
            out.push(
                file.error_at(
                    &format!("{at}.id"),
                    format!("duplicate restore id {:?}", r.id),
                )
                .help("give each procedure its own id"),
            );
        }
        for (j, id) in r.restores.iter().enumerate() {
            if ids.contains(&id.as_str()) {
                restored.insert(id.as_str());
            } else {
                let mut d = file.error_at(
                    &format!("{at}.restores[{j}]"),
                    format!("restore {:?} names unknown component {id:?}", r.id),
                );
                d = match did_you_mean(id, ids.iter().copied()) {
                    Some(m) => d.help(format!("did you mean `{m}`?")),
                    None => d.help(format!("components are: {}", ids.join(", "))),
                };
                out.push(d);
            }
        }
        if r.duration > s.objectives.rto {
            out.push(file.error_at(&format!("{at}.duration"), format!(
                "restore {:?} takes {} but the RTO is {}", r.id, r.duration, s.objectives.rto))
                .help("make the procedure faster, or raise objectives.rto to what a restore really takes"));
        }
        if r.steps.is_empty() {
            out.push(
                file.error_at(&at, format!("restore {:?} has no steps", r.id))
                    .help("list the steps"),
            );
        }
    }
    if !s.restore.iter().any(|r| r.kind == RestoreKind::Full) {
        out.push(
            file.error_at("restore", "no full restore procedure")
                .help("add a procedure with `kind: full` that rebuilds the chart from its backups"),
        );
    }
    for (i, c) in s.backup.components.iter().enumerate() {
        if !restored.contains(c.id.as_str()) {
            out.push(
                file.error_at(
                    &format!("backup.components[{i}]"),
                    format!(
                        "backup component {:?} has no restore path: no restore procedure lists it",
                        c.id
                    ),
                )
                .help(format!(
                    "add `{}` to the `restores:` of the procedure that restores it",
                    c.id
                )),
            );
        }
    }
}

fn check_rbac(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let rbac = &file.spec.rbac;
    let mut lists_or_watches = false;
    for (i, r) in rbac.rules.iter().enumerate() {
        let at = format!("rbac.rules[{i}]");
        for (field, items) in [
            ("verbs", &r.verbs),
            ("resources", &r.resources),
            ("api_groups", &r.api_groups),
        ] {
            if items.iter().any(|v| v.contains('*')) {
                out.push(
                    file.error_at(&format!("{at}.{field}"), format!("wildcard in {field}"))
                        .help(format!("list the exact {field} the product needs")),
                );
            }
        }
        if r.verbs.is_empty() || r.resources.is_empty() {
            out.push(
                file.error_at(
                    &at,
                    "rule grants nothing: verbs and resources must not be empty",
                )
                .help("remove the rule or fill it in"),
            );
        }
        if r.why.trim().is_empty() {
            out.push(
                file.error_at(&format!("{at}.why"), "rule has no reason")
                    .help("say why the product needs this access"),
            );
        }
        lists_or_watches |= r.verbs.iter().any(|v| v == "list" || v == "watch");
        let secrets =
            r.resources.iter().any(|x| x == "secrets") && r.api_groups.iter().any(|g| g.is_empty());
        if secrets {
            if let Some(v) = r.verbs.iter().find(|v| WRITE_VERBS.contains(&v.as_str())) {
                out.push(file.error_at(&format!("{at}.verbs"), format!("write access (`{v}`) to secrets"))
                    .help("secrets are managed by Helm or the operator, not by the workload; grant get on named secrets at most"));
            }
            if r.verbs.iter().any(|v| v == "list" || v == "watch") {
                out.push(file.warning_at(&format!("{at}.verbs"), "`list`/`watch` on secrets reads every secret in scope")
                    .help("use `get` with `resource_names`; if the product truly needs list/watch, say why in `why` and accept the warning"));
            }
        }
        for v in &r.verbs {
            if ![
                "get",
                "list",
                "watch",
                "create",
                "update",
                "patch",
                "delete",
                "deletecollection",
            ]
            .contains(&v.as_str())
            {
                out.push(
                    file.warning_at(&format!("{at}.verbs"), format!("unusual verb `{v}`"))
                        .help("check it is a Kubernetes API verb the product needs"),
                );
            }
        }
    }
    if rbac.scope == Scope::Cluster && !lists_or_watches {
        out.push(file.warning_at("rbac.scope", "cluster scope without any list/watch rule")
            .help("a ClusterRole is for cluster-wide discovery; namespace scope would do for these rules"));
    }
    if rbac.summary.trim().is_empty() {
        out.push(
            file.error_at("rbac.summary", "`rbac.summary` is empty")
                .help("say why the workload needs the API, or that it does not"),
        );
    }
}

fn check_operations(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    for (i, op) in s.operations.iter().enumerate() {
        let at = format!("operations[{i}]");
        if !is_target_name(&op.target) {
            out.push(
                file.error_at(
                    &format!("{at}.target"),
                    format!("target name {:?} is not valid", op.target),
                )
                .help("use lower-case letters, digits and '-', e.g. `wal-status`"),
            );
        }
        if SHARED_TARGETS.contains(&op.target.as_str()) {
            out.push(
                file.error_at(
                    &format!("{at}.target"),
                    format!(
                        "duplicate Makefile target {:?}: gen adds it to every chart",
                        op.target
                    ),
                )
                .help("pick another name; `gen docs spec-format` lists the shared targets"),
            );
        } else if let Some(first) = seen.insert(&op.target, i) {
            out.push(
                file.error_at(
                    &format!("{at}.target"),
                    format!(
                        "duplicate Makefile target {:?} (first defined at operations[{first}])",
                        op.target
                    ),
                )
                .help("give each target its own name"),
            );
        }
        if op.help.trim().is_empty() || op.help.contains('\n') {
            out.push(
                file.error_at(&format!("{at}.help"), "help must be one non-empty line")
                    .help("`make help` shows it on one line"),
            );
        }
        if op.run.trim().is_empty() {
            out.push(
                file.error_at(&format!("{at}.run"), "empty command")
                    .help("write the shell command"),
            );
        }
        if op.runs_in == RunsIn::Pod && op.run.split_whitespace().any(|w| w == "kubectl") {
            out.push(file.error_at(&format!("{at}.run"), "`runs_in: pod` runs the command inside the container, where there is no kubectl")
                .help("drop `runs_in: pod` and write the full kubectl command, or remove kubectl from the command"));
        }
    }
}

/// Cross-chart orchestration (`backup-all`, `restore-<chart>`) runs these.
pub const REQUIRED_TARGETS: &[(&str, &str)] = &[
    ("backup", "writes a backup into $BACKUP_DIR, unattended"),
    (
        "restore",
        "restores from ${FILE:-the newest backup in $BACKUP_DIR}, unattended",
    ),
];

fn check_required_targets(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (target, what) in REQUIRED_TARGETS {
        if !file.spec.operations.iter().any(|o| o.target == *target) {
            out.push(file.error_at("operations", format!("no `{target}` operation"))
                .help(format!("add an operation with `target: {target}` that {what}; `make backup-all` and `make restore-<chart>` run it")));
        }
    }
}

fn check_variables(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, v) in file.spec.variables.iter().enumerate() {
        let at = format!("variables[{i}].name");
        if !is_var_name(&v.name) {
            out.push(
                file.error_at(
                    &at,
                    format!("variable name {:?} is not an upper-case shell name", v.name),
                )
                .help("use A-Z, 0-9 and _, e.g. PGUSER"),
            );
        } else if RESERVED_VARIABLES.contains(&v.name.as_str()) {
            out.push(file.error_at(&at, format!("variable {} is provided by gen", v.name))
                .help("remove it; NAMESPACE, RELEASE, FULLNAME, POD, BACKUP_DIR, KUBECTL and SELECTOR are always set"));
        }
        if !seen.insert(v.name.as_str()) {
            out.push(
                file.error_at(&at, format!("duplicate variable {}", v.name))
                    .help("define each variable once"),
            );
        }
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

fn check_values(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let mut leaves: BTreeSet<&str> = BTreeSet::new();
    for (i, v) in file.spec.values.iter().enumerate() {
        let at = format!("values[{i}].key");
        let ok_root = v.key.starts_with("backup.") || v.key.starts_with("upgrade.");
        let ok_parts = v.key.split('.').all(|p| {
            !p.is_empty()
                && p.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
                && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        });
        if !ok_root || !ok_parts {
            out.push(
                file.error_at(
                    &at,
                    format!(
                        "value key {:?} is not a documented backup/upgrade key",
                        v.key
                    ),
                )
                .help("write a dotted key under `backup.` or `upgrade.`, e.g. `backup.schedule`"),
            );
        }
        if !leaves.insert(v.key.as_str()) {
            out.push(
                file.error_at(&at, format!("duplicate value key {:?}", v.key))
                    .help("document each key once"),
            );
        }
        if matches!(v.default, serde_json::Value::Object(_)) {
            out.push(
                file.error_at(
                    &format!("values[{i}].default"),
                    "an object default cannot carry per-key docs",
                )
                .help("document each nested key as its own dotted entry"),
            );
        }
        if v.description.trim().is_empty() {
            out.push(
                file.error_at(&format!("values[{i}].description"), "empty description")
                    .help("say what the value does"),
            );
        }
    }
    for k in &leaves {
        let prefix = format!("{k}.");
        if leaves.iter().any(|o| o.starts_with(&prefix)) {
            let i = file
                .spec
                .values
                .iter()
                .position(|v| v.key == *k)
                .unwrap_or(0);
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

/// `type` and `items` of documented values: they must agree with the
/// default, and a list needs an item type values.schema.json can state.
fn check_value_types(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, v) in file.spec.values.iter().enumerate() {
        let found = json_type_name(&v.default);
        if let Some(t) = v.value_type {
            let fits = match t {
                ValueType::String => found == "string",
                ValueType::Integer => found == "integer",
                ValueType::Number => found == "integer" || found == "number",
                ValueType::Boolean => found == "boolean",
                ValueType::Array => found == "array",
                ValueType::IntOrString => found == "integer" || found == "string",
            };
            if !fits {
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
        let is_list = matches!(v.default, serde_json::Value::Array(_));
        match (&v.default, v.items) {
            (serde_json::Value::Array(items), None) if items.is_empty() => out.push(
                file.error_at(
                    &format!("values[{i}].default"),
                    "an empty list default does not say what its items are",
                )
                .help("add `items: string` (or integer, number, boolean, object) so values.schema.json can check them"),
            ),
            (serde_json::Value::Array(items), Some(t)) => {
                let want = match t {
                    ItemType::String => "string",
                    ItemType::Integer => "integer",
                    ItemType::Number => "number",
                    ItemType::Boolean => "boolean",
                    ItemType::Object => "object",
                };
                if let Some(bad) = items.iter().map(json_type_name).find(|f| {
                    *f != want && !(want == "number" && *f == "integer")
                }) {
                    out.push(
                        file.error_at(
                            &format!("values[{i}].items"),
                            format!("items: {want}, but the default has an item that is {bad}"),
                        )
                        .help("make every item of the default that type"),
                    );
                }
            }
            (_, Some(_)) if !is_list => out.push(
                file.error_at(&format!("values[{i}].items"), "`items` is only for list defaults")
                    .help("remove it, or make the default a list"),
            ),
            _ => {}
        }
    }
}

/// The Artifact Hub changelog of the chart version.
fn check_changes(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.upgrade.changes.iter().enumerate() {
        let at = format!("upgrade.changes[{i}]");
        if let Some(d) = c.replaces {
            if let Some(j) = file.spec.upgrade.changes[..i]
                .iter()
                .position(|o| o.replaces == Some(d))
            {
                out.push(
                    file.error_at(
                        &format!("{at}.replaces"),
                        format!("upgrade.changes[{j}] already replaces this derived entry"),
                    )
                    .help("one entry replaces each derived one: merge the two, or drop `replaces` from one to add it after the derived entries"),
                );
            }
        }
        if c.description.trim().is_empty() {
            out.push(
                file.error_at(&format!("{at}.description"), "empty change description")
                    .help("say in one sentence what changed in the chart"),
            );
        }
        for (j, l) in c.links.iter().enumerate() {
            if l.name.trim().is_empty() {
                out.push(
                    file.error_at(&format!("{at}.links[{j}].name"), "empty link name")
                        .help("name the page, e.g. \"Backup guide\""),
                );
            }
            let scheme_ok = l
                .url
                .strip_prefix("https://")
                .or_else(|| l.url.strip_prefix("http://"))
                .is_some_and(|rest| !rest.is_empty());
            if !scheme_ok || l.url.chars().any(char::is_whitespace) {
                out.push(
                    file.error_at(
                        &format!("{at}.links[{j}].url"),
                        format!("link {:?} is not an absolute http(s) URL", l.url),
                    )
                    .help("Artifact Hub shows the link on the chart's page, where relative paths lead nowhere: write https://..."),
                );
            }
        }
    }
}

/// Every step list in the spec, with its path.
pub fn all_steps(s: &Spec) -> Vec<(String, &Step)> {
    let mut v = Vec::new();
    for (i, c) in s.backup.components.iter().enumerate() {
        for (j, st) in c.steps.iter().enumerate() {
            v.push((format!("backup.components[{i}].steps[{j}]"), st));
        }
    }
    for (j, st) in s.backup.verification.iter().enumerate() {
        v.push((format!("backup.verification[{j}]"), st));
    }
    for (i, r) in s.restore.iter().enumerate() {
        for (j, st) in r.steps.iter().enumerate() {
            v.push((format!("restore[{i}].steps[{j}]"), st));
        }
    }
    for (i, st) in s.upgrade.strategies.iter().enumerate() {
        for (j, step) in st.steps.iter().enumerate() {
            v.push((format!("upgrade.strategies[{i}].steps[{j}]"), step));
        }
    }
    for (name, list) in [
        ("upgrade.pre_checks", &s.upgrade.pre_checks),
        ("upgrade.rollback", &s.upgrade.rollback),
        ("upgrade.validation", &s.upgrade.validation),
    ] {
        for (j, st) in list.iter().enumerate() {
            v.push((format!("{name}[{j}]"), st));
        }
    }
    v
}

fn check_steps(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, step) in all_steps(&file.spec) {
        if step.title.trim().is_empty() {
            out.push(
                file.error_at(&format!("{path}.title"), "step has no title")
                    .help("say what to do"),
            );
        }
        if let Some(lang) = &step.lang {
            if !LANGUAGES.contains(&lang.as_str()) {
                let mut d = file.error_at(
                    &format!("{path}.lang"),
                    format!("unknown language {lang:?}"),
                );
                d = match did_you_mean(lang, LANGUAGES.iter().copied()) {
                    Some(m) => d.help(format!("did you mean `{m}`?")),
                    None => d.help(format!("use one of {}", LANGUAGES.join(", "))),
                };
                out.push(d);
            }
        }
        if let Some(run) = &step.run {
            check_run_lines(file, &format!("{path}.run"), run, out);
        }
    }
    for (i, op) in file.spec.operations.iter().enumerate() {
        check_run_lines(file, &format!("operations[{i}].run"), &op.run, out);
    }
}

/// Every `drill` names a test function or says why none can, not both.
fn check_drills(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let mut drills: Vec<(String, &Drill)> = Vec::new();
    for (i, c) in s.backup.components.iter().enumerate() {
        drills.extend(
            c.drill
                .as_ref()
                .map(|d| (format!("backup.components[{i}].drill"), d)),
        );
    }
    for (i, r) in s.restore.iter().enumerate() {
        drills.extend(r.drill.as_ref().map(|d| (format!("restore[{i}].drill"), d)));
    }
    for (path, st) in all_steps(s) {
        drills.extend(st.drill.as_ref().map(|d| (format!("{path}.drill"), d)));
    }
    for (path, d) in drills {
        match (&d.test, &d.none) {
            (Some(t), None) if !crate::spec::is_test_ref(t) => out.push(
                file.error_at(&format!("{path}.test"), format!("drill test {t:?} does not name a test function"))
                    .help("write it as tests/<file>.rs::<function>, e.g. tests/drills.rs::redis_full_restore"),
            ),
            (Some(_), None) => {}
            (None, Some(why)) if why.trim().is_empty() => out.push(
                file.error_at(&format!("{path}.none"), "`none` is empty")
                    .help("say why no drill can run it, e.g. \"needs a cluster: helm upgrade\""),
            ),
            (None, Some(_)) if d.caveat.is_some() => out.push(
                file.error_at(&format!("{path}.caveat"), "a caveat needs a drill test")
                    .help("remove `caveat`, or name the drill with `test`"),
            ),
            (None, Some(_)) => {}
            _ => out.push(
                file.error_at(&path, "a drill needs exactly one of `test` and `none`")
                    .help("name the test that runs it (`test: tests/drills.rs::<function>`) or say why none can (`none: ...`)"),
            ),
        }
    }
    // A procedure with a command that records no drill: a warning, so that
    // new specs keep saying how each procedure is proven.
    for p in crate::spec::procedures::procedures(s) {
        if p.status() != crate::spec::procedures::DrillStatus::NotDrilled {
            continue;
        }
        let steps: Vec<String> = p
            .commands()
            .filter(|st| st.drill.is_none())
            .map(|st| format!("{:?}", st.title))
            .collect();
        out.push(
            file.warning_at(&p.path, format!("`{}` records no drill for its steps {}", p.id, steps.join(", ")))
                .help("add `drill: { test: tests/drills.rs::<function> }` if a drill runs it, else `drill: { none: \"<why no local drill can>\" }` (on the procedure or the step)"),
        );
    }
}

/// Fewest troubleshooting entries a chart has.
pub const MIN_TROUBLES: usize = 3;

/// Every guide gets a Troubleshooting section of real errors.
fn check_troubleshooting(file: &SpecFile, out: &mut Vec<Diagnostic>) {
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
    for guide in [Guide::Backup, Guide::Upgrade] {
        if !list.is_empty() && !list.iter().any(|t| t.guide.is_none_or(|g| g == guide)) {
            let name = if guide == Guide::Backup {
                "backup"
            } else {
                "upgrade"
            };
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
    for (i, t) in list.iter().enumerate() {
        let at = format!("troubleshooting[{i}]");
        for (field, text) in [("error", &t.error), ("cause", &t.cause), ("fix", &t.fix)] {
            if text.trim().is_empty() {
                out.push(
                    file.error_at(&format!("{at}.{field}"), format!("empty `{field}`"))
                        .help("write it out"),
                );
            }
        }
        check_run_lines(file, &format!("{at}.error"), &t.error, out);
        if let Some(run) = &t.run {
            check_run_lines(file, &format!("{at}.run"), run, out);
        }
    }
}

fn check_run_lines(file: &SpecFile, path: &str, run: &str, out: &mut Vec<Diagnostic>) {
    let Some((n, line)) = run
        .lines()
        .enumerate()
        .find(|(_, l)| l.chars().count() > MAX_RUN_LINE)
    else {
        return;
    };
    let width = line.chars().count();
    let warning = match block_line(file, path, n, line) {
        // In a `run: |` block the command's line is a line of the file:
        // point at the first column past the limit.
        Some((at, indent)) => Diagnostic::warning(
            &file.rel,
            format!("this command line is {width} columns; the guides allow {MAX_RUN_LINE}"),
        )
        .at(at, indent + MAX_RUN_LINE + 1)
        .with_source(&file.source),
        None => file.warning_at(
            path,
            format!(
                "line {} of this command is {width} columns; the guides allow {MAX_RUN_LINE}",
                n + 1
            ),
        ),
    };
    out.push(warning.help("break it with a trailing backslash"));
}

/// The file line (1-based) and indentation of line `n` of the literal block
/// scalar (`key: |`) at `path`, when the file shows it there.
fn block_line(file: &SpecFile, path: &str, n: usize, text: &str) -> Option<(usize, usize)> {
    let (key_line, _) = file.positions.get(path);
    let lines: Vec<&str> = file.source.lines().collect();
    let head = lines.get(key_line.checked_sub(1)?)?;
    let after = head.split_once(':')?.1.trim_start();
    if !after.starts_with('|') {
        return None;
    }
    let shown = lines.get(key_line + n)?;
    let own = text.len() - text.trim_start().len();
    let block_indent = (shown.len() - shown.trim_start().len()).checked_sub(own)?;
    (shown.get(block_indent..) == Some(text)).then_some((key_line + n + 1, block_indent))
}

/// Checks across all specs: unknown dependencies and cycles.
pub fn validate_graph(files: &[SpecFile]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let names: Vec<&str> = files.iter().map(|f| f.spec.name.as_str()).collect();
    for f in files {
        for (i, d) in f.spec.depends_on.iter().enumerate() {
            if !names.contains(&d.chart.as_str()) {
                let mut e = f.error_at(
                    &format!("depends_on[{i}].chart"),
                    format!("unknown chart {:?} in depends_on", d.chart),
                );
                e = match did_you_mean(&d.chart, names.iter().copied()) {
                    Some(m) => e.help(format!("did you mean `{m}`?")),
                    None => e.help("depends_on names charts that have a spec in specs/"),
                };
                out.push(e);
            }
        }
    }
    if let Some(cycle) = find_cycle(files) {
        let first = files
            .iter()
            .find(|f| f.spec.name == cycle[0])
            .expect("cycle names a spec");
        out.push(first.error_at("depends_on", format!("dependency cycle: {}", cycle.join(" -> ")))
            .help("restore order needs a graph without cycles; remove one of these depends_on entries"));
    }
    out
}

/// One dependency cycle, as chart names with the first repeated at the end.
pub fn find_cycle(files: &[SpecFile]) -> Option<Vec<String>> {
    let deps: BTreeMap<&str, Vec<&str>> = files
        .iter()
        .map(|f| {
            (
                f.spec.name.as_str(),
                f.spec.depends_on.iter().map(|d| d.chart.as_str()).collect(),
            )
        })
        .collect();
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state: BTreeMap<&str, u8> = deps.keys().map(|k| (*k, 0)).collect();
    fn visit<'a>(
        n: &'a str,
        deps: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(n, 1);
        stack.push(n);
        for &m in deps.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            match state.get(m).copied() {
                Some(1) => {
                    let start = stack.iter().position(|x| *x == m).unwrap_or(0);
                    let mut c: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
                    c.push(m.to_string());
                    return Some(c);
                }
                Some(0) => {
                    if let Some(c) = visit(m, deps, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    let keys: Vec<&str> = deps.keys().copied().collect();
    for k in keys {
        if state[k] == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(k, &deps, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn semver_and_label_values() {
        for ok in ["0.4.0", "1.10.2", "1.0.0-rc.1", "1.0.0+build.5"] {
            assert!(is_semver(ok), "{ok}");
        }
        for bad in ["1.0", "latest", "01.2.3", "1.2.3-", "1.2.3.4", ""] {
            assert!(!is_semver(bad), "{bad}");
        }
        assert!(
            is_label_value("16.11")
                && is_label_value("RELEASE.2025-10-15T17-29-55Z")
                && is_label_value("v1.122.3")
        );
        assert!(
            !is_label_value("1.0+build")
                && !is_label_value("-x")
                && !is_label_value(&"a".repeat(64))
        );
    }
}
