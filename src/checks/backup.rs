//! Backup components, restore procedures, the objectives they meet, and the
//! drill that proves each procedure.

use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::spec::procedures::{procedures, DrillStatus};
use crate::spec::share;
use crate::spec::validate::{all_steps, is_dns_label};
use crate::spec::{cron, Covers, Drill, Duration, Method, RestoreKind, SpecFile};
use std::collections::HashSet;

pub fn has_components(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    if file.spec.backup.components.is_empty() {
        out.push(
            file.error_at("backup.components", "no backup components")
                .help("even a stateless chart backs up its configuration (Helm values, ConfigMaps, Secrets)"),
        );
    }
}

/// `backup.config_export.extra_secrets` names a variable of the spec.
pub fn extra_secrets_defined(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let Some(var) = file
        .spec
        .backup
        .config_export
        .as_ref()
        .and_then(|c| c.extra_secrets.as_deref())
    else {
        return;
    };
    if !file.spec.variables.iter().any(|v| v.name == var) {
        out.push(
            file.error_at(
                "backup.config_export.extra_secrets",
                format!("`extra_secrets: {var}` names no variable of the spec"),
            )
            .help(format!(
                "add `{var}` to `variables` with the unlabelled Secrets' names as its default, \
or write the variable's name as it is defined"
            )),
        );
    }
}

pub fn component_ids_are_labels(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.backup.components.iter().enumerate() {
        if !is_dns_label(&c.id) {
            out.push(
                file.error_at(
                    &format!("backup.components[{i}].id"),
                    format!("component id {:?} is not a lower-case identifier", c.id),
                )
                .help("use lower-case letters, digits and '-'"),
            );
        }
    }
}

pub fn component_ids_unique(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, c) in file.spec.backup.components.iter().enumerate() {
        if !seen.insert(c.id.as_str()) {
            out.push(
                file.error_at(
                    &format!("backup.components[{i}].id"),
                    format!("duplicate component id {:?}", c.id),
                )
                .help("give each component its own id"),
            );
        }
    }
}

pub fn continuous_has_interval(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.backup.components.iter().enumerate() {
        if c.method == Method::Continuous && c.interval.is_none() {
            out.push(file.error_at(&format!("backup.components[{i}]"), format!("continuous component {:?} has no `interval`", c.id))
                .help("add `interval:` with the longest gap between shipped increments, e.g. `interval: 5m`"));
        }
    }
}

pub fn schedules_parse(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.backup.components.iter().enumerate() {
        if c.method != Method::Scheduled {
            continue;
        }
        if let Some(expr) = &c.schedule {
            if let Err(why) = cron::max_gap_secs(expr) {
                out.push(
                    file.error_at(
                        &format!("backup.components[{i}].schedule"),
                        format!("bad cron schedule {expr:?}: {why}"),
                    )
                    .help("write five numeric fields, e.g. \"0 2 * * *\" for 02:00 every day"),
                );
            }
        }
    }
}

pub fn scheduled_has_schedule(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, c) in file.spec.backup.components.iter().enumerate() {
        if c.method == Method::Scheduled && c.schedule.is_none() {
            out.push(
                file.error_at(
                    &format!("backup.components[{i}]"),
                    format!("scheduled component {:?} has no `schedule`", c.id),
                )
                .help("add a cron `schedule:`, e.g. \"0 2 * * *\""),
            );
        }
    }
}

pub fn zero_rpo_has_no_data(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    if !s.objectives.rpo.is_zero() {
        return;
    }
    for (i, c) in s.backup.components.iter().enumerate() {
        if c.covers == Covers::Data {
            out.push(file.error_at(&format!("backup.components[{i}].covers"), format!(
                "RPO is 0 but component {:?} covers data: no backup interval can meet an RPO of 0", c.id))
                .help("an RPO of 0 means the chart keeps no data of its own; mark configuration components `covers: configuration`, or set a real RPO"));
        }
    }
}

/// The longest gap between two backups of a component; None when it runs
/// on change, or when its interval or schedule is missing or broken (which
/// other checks report).
fn gap(c: &crate::spec::Component) -> Option<u64> {
    match c.method {
        Method::Continuous => c.interval.map(|iv| iv.secs()),
        Method::Scheduled => c
            .schedule
            .as_deref()
            .and_then(|e| cron::max_gap_secs(e).ok()),
        Method::OnChange => None,
    }
}

pub fn rpo_is_met(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let rpo = s.objectives.rpo;
    let data = || {
        s.backup
            .components
            .iter()
            .enumerate()
            .filter(|(_, c)| c.covers == Covers::Data)
    };
    // A data component whose frequency is already reported as broken: this
    // check would only repeat that error.
    let unknown_frequency = data().any(|(_, c)| c.method != Method::OnChange && gap(c).is_none());
    if rpo.is_zero() || unknown_frequency {
        return;
    }
    // Best achievable data loss window, and where it comes from: the first
    // of the most frequent.
    let mut best: Option<(u64, String)> = None;
    for (i, c) in data() {
        if let Some(g) = gap(c) {
            if best.as_ref().is_none_or(|(b, _)| g < *b) {
                best = Some((g, format!("backup.components[{i}]")));
            }
        }
    }
    match best {
        None => out.push(file.error_at("objectives.rpo", format!(
            "RPO is {rpo} but no component with `covers: data` has an interval or schedule"))
            .help("add a scheduled or continuous data backup that runs at least every RPO")),
        Some((gap, at)) if gap > rpo.secs() => out.push(file.error_at("objectives.rpo", format!(
            "RPO of {rpo} cannot be met: the most frequent data backup ({at}) leaves gaps of up to {}",
            Duration::from_secs(gap)))
            .help("run that backup more often, add a continuous method, or raise the RPO")),
        _ => {}
    }
}

pub fn says_not_covered(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    if file.spec.backup.not_covered.is_empty() {
        out.push(
            file.error_at("backup.not_covered", "`not_covered` is empty")
                .help(
                    "say what these backups do not cover, so nobody counts on it during an outage",
                ),
        );
    }
}

pub fn has_verification(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    if file.spec.backup.verification.is_empty() {
        out.push(
            file.error_at("backup.verification", "no verification steps")
                .help(
                    "a backup that was never restored is a hope; describe how to prove it restores",
                ),
        );
    }
}

pub fn restore_ids_are_labels(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, r) in file.spec.restore.iter().enumerate() {
        if !is_dns_label(&r.id) {
            out.push(
                file.error_at(
                    &format!("restore[{i}].id"),
                    format!("restore id {:?} is not a lower-case identifier", r.id),
                )
                .help("use lower-case letters, digits and '-'"),
            );
        }
    }
}

pub fn restore_ids_unique(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, r) in file.spec.restore.iter().enumerate() {
        if !seen.insert(r.id.as_str()) {
            out.push(
                file.error_at(
                    &format!("restore[{i}].id"),
                    format!("duplicate restore id {:?}", r.id),
                )
                .help("give each procedure its own id"),
            );
        }
    }
}

fn component_ids(file: &SpecFile) -> Vec<&str> {
    file.spec
        .backup
        .components
        .iter()
        .map(|c| c.id.as_str())
        .collect()
}

pub fn restores_known_components(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let ids = component_ids(file);
    for (i, r) in file.spec.restore.iter().enumerate() {
        for (j, id) in r.restores.iter().enumerate() {
            if ids.contains(&id.as_str()) {
                continue;
            }
            let d = file.error_at(
                &format!("restore[{i}].restores[{j}]"),
                format!("restore {:?} names unknown component {id:?}", r.id),
            );
            out.push(match did_you_mean(id, ids.iter().copied()) {
                Some(m) => d.help(format!("did you mean `{m}`?")),
                None => d.help(format!("components are: {}", ids.join(", "))),
            });
        }
    }
}

pub fn restore_within_rto(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    for (i, r) in s.restore.iter().enumerate() {
        if r.duration > s.objectives.rto {
            out.push(file.error_at(&format!("restore[{i}].duration"), format!(
                "restore {:?} takes {} but the RTO is {}", r.id, r.duration, s.objectives.rto))
                .help("make the procedure faster, or raise objectives.rto to what a restore really takes"));
        }
    }
}

pub fn restore_has_steps(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, r) in file.spec.restore.iter().enumerate() {
        if r.steps.is_empty() {
            out.push(
                file.error_at(
                    &format!("restore[{i}]"),
                    format!("restore {:?} has no steps", r.id),
                )
                .help("list the steps"),
            );
        }
    }
}

pub fn has_full_restore(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    if !file
        .spec
        .restore
        .iter()
        .any(|r| r.kind == RestoreKind::Full)
    {
        out.push(
            file.error_at("restore", "no full restore procedure")
                .help("add a procedure with `kind: full` that rebuilds the chart from its backups"),
        );
    }
}

pub fn every_component_restored(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    for (i, c) in s.backup.components.iter().enumerate() {
        if !s.restore.iter().any(|r| r.restores.contains(&c.id)) {
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

/// Every `drill` of the spec, with its path.
fn drills(file: &SpecFile) -> Vec<(String, &Drill)> {
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
    drills
}

pub fn drill_tests_named(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, d) in drills(file) {
        if let (Some(t), None) = (&d.test, &d.none) {
            if !crate::spec::is_test_ref(t) {
                out.push(
                    file.error_at(&format!("{path}.test"), format!("drill test {t:?} does not name a test function"))
                        .help("write it as tests/<file>.rs::<function>, e.g. tests/drills.rs::redis_full_restore"),
                );
            }
        }
    }
}

pub fn drill_none_says_why(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, d) in drills(file) {
        if let (None, Some(why)) = (&d.test, &d.none) {
            if why.trim().is_empty() {
                out.push(
                    file.error_at(&format!("{path}.none"), "`none` is empty")
                        .help(
                            "say why no drill can run it, e.g. \"needs a cluster: helm upgrade\"",
                        ),
                );
            }
        }
    }
}

pub fn drill_caveat_has_test(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, d) in drills(file) {
        if let (None, Some(why)) = (&d.test, &d.none) {
            if !why.trim().is_empty() && d.caveat.is_some() {
                out.push(
                    file.error_at(&format!("{path}.caveat"), "a caveat needs a drill test")
                        .help("remove `caveat`, or name the drill with `test`"),
                );
            }
        }
    }
}

pub fn drill_test_or_none(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, d) in drills(file) {
        if d.test.is_some() == d.none.is_some() {
            out.push(
                file.error_at(&path, "a drill needs exactly one of `test` and `none`")
                    .help("name the test that runs it (`test: tests/drills.rs::<function>`) or say why none can (`none: ...`)"),
            );
        }
    }
}

/// A procedure with a command that records no drill: a warning, so that
/// new specs keep saying how each procedure is proven.
pub fn procedures_record_drills(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for p in procedures(&file.spec) {
        if p.status() != DrillStatus::NotDrilled {
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

/// A restore that reads the files of the configuration export
/// (`<chart>-k8s-*.json.age`, `<chart>-values-*`) needs a make target
/// that writes them: otherwise an operator who ran every backup target
/// finds nothing to restore in an outage.
pub fn config_export_written(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let Some(c) = &s.backup.config_export else {
        return;
    };
    if s.operations
        .iter()
        .any(|o| share::writes_export(&s.name, &o.run))
    {
        return;
    }
    let reads = |run: &Option<String>| {
        run.as_deref()
            .is_some_and(|r| share::reads_export(&s.name, r))
    };
    let mut readers: Vec<(String, String)> = s
        .restore
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            let j = r.steps.iter().position(|st| reads(&st.run))?;
            Some((
                format!("restore[{i}].steps[{j}]"),
                format!("restore {:?}", r.id),
            ))
        })
        .collect();
    readers.extend(
        s.operations
            .iter()
            .enumerate()
            .filter(|(_, o)| share::reads_export(&s.name, &o.run))
            .map(|(i, o)| {
                (
                    format!("operations[{i}]"),
                    format!("target `{}-{}`", s.name, o.target),
                )
            }),
    );
    let id = c.component_id();
    for (path, what) in readers {
        out.push(
            file.error_at(
                &path,
                format!(
                    "{what} reads the configuration export (`{0}-k8s-*.json.age`, \
`{0}-values-*`) but no make target writes it",
                    s.name
                ),
            )
            .help(format!(
                "add `{{{{use config-export}}}}` to the `backup` target, or, when `backup` runs \
unattended without AGE_RECIPIENT, a `config-backup` target with `steps: [backup.{id}]`"
            )),
        );
    }
}
