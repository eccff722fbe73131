//! What gen runs for the chart: the backup CronJobs (`jobs`) and the
//! database profile (`backup.database`).

use crate::diagnostics::Diagnostic;
use crate::spec::jobs::{self, Jobs, MOUNT};
use crate::spec::{cron, profile, Method, SpecFile};

pub fn database_profile(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, message, help) in profile::problems(&file.spec) {
        out.push(file.error_at(&path, message).help(help));
    }
}

/// Environment variables gen sets in every job's container.
const GEN_ENV: &[&str] = &["OUT", "KEEP", "HOME"];

/// Every job script, with its path.
pub(super) fn scripts(j: &Jobs) -> Vec<(String, &str)> {
    let mut v: Vec<(String, &str)> = j
        .backups
        .iter()
        .enumerate()
        .map(|(i, b)| (format!("jobs.backups[{i}].script"), b.script.as_str()))
        .collect();
    if let Some(ver) = &j.verification {
        v.push(("jobs.verification.script".into(), &ver.script));
    }
    v
}

pub fn values_not_documented_twice(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    if s.jobs.is_none() {
        return;
    }
    let generated = jobs::values(s);
    for (i, v) in s.values.iter().enumerate() {
        let clash = generated.iter().find(|g| {
            g.key == v.key
                || g.key.starts_with(&format!("{}.", v.key))
                || v.key.starts_with(&format!("{}.", g.key))
        });
        if let Some(g) = clash {
            out.push(
                file.error_at(&format!("values[{i}].key"), format!("{:?} clashes with {:?}, which gen documents from `jobs`", v.key, g.key))
                    .help("remove this entry: with `jobs`, gen writes the backup values from the jobs themselves"),
            );
        }
    }
}

pub fn not_root(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    if file.spec.jobs.as_ref().is_some_and(|j| j.run_as_user == 0) {
        out.push(
            file.error_at("jobs.run_as_user", "the jobs must not run as root")
                .help("use the image's service user, e.g. 999 for postgres"),
        );
    }
}

fn env(file: &SpecFile) -> &[jobs::JobEnv] {
    file.spec.jobs.as_ref().map_or(&[], |j| &j.env)
}

pub fn env_names(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, e) in env(file).iter().enumerate() {
        let ok_name = e
            .name
            .bytes()
            .next()
            .is_some_and(|c| c.is_ascii_uppercase())
            && e.name
                .bytes()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == b'_');
        if !ok_name {
            out.push(
                file.error_at(
                    &format!("jobs.env[{i}].name"),
                    format!("{:?} is not an environment variable name", e.name),
                )
                .help("use upper case letters, digits and _"),
            );
        }
    }
}

pub fn env_not_gens(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, e) in env(file).iter().enumerate() {
        if GEN_ENV.contains(&e.name.as_str()) {
            out.push(
                file.error_at(
                    &format!("jobs.env[{i}].name"),
                    format!("gen sets {} itself", e.name),
                )
                .help("pick another name"),
            );
        }
    }
}

pub fn env_one_source(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, e) in env(file).iter().enumerate() {
        let sources = [e.value.is_some(), e.secret.is_some(), e.values.is_some()];
        if sources.iter().filter(|k| **k).count() != 1 {
            out.push(
                file.error_at(&format!("jobs.env[{i}]"), "an env entry needs exactly one of `value`, `secret` and `values`")
                    .help("e.g. `value: $FULLNAME`, `secret: { name: $FULLNAME-secret, key: password }` or `values: postgresql.external.host`"),
            );
        }
    }
}

pub fn env_values_key(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, e) in env(file).iter().enumerate() {
        let Some(k) = &e.values else { continue };
        let well_formed = !k.is_empty()
            && k.split('.').all(|p| {
                p.bytes().next().is_some_and(|c| c.is_ascii_alphabetic())
                    && p.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
            });
        if !well_formed {
            out.push(
                file.error_at(
                    &format!("jobs.env[{i}].values"),
                    format!("{k:?} is not a values key"),
                )
                .help("dotted names of letters, digits and _, e.g. `postgresql.external.host`"),
            );
        }
    }
}

pub fn env_plain(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, e) in env(file).iter().enumerate() {
        for (field, text) in [
            ("value", e.value.as_deref()),
            ("secret.name", e.secret.as_ref().map(|s| s.name.as_str())),
        ] {
            if text.is_some_and(|t| t.contains("{{") || t.contains('"') || t.contains('\\')) {
                out.push(
                    file.error_at(
                        &format!("jobs.env[{i}].{field}"),
                        "Helm template syntax, quotes and backslashes are not allowed here",
                    )
                    .help("name objects with $FULLNAME or $RELEASE"),
                );
            }
        }
    }
}

fn backups(file: &SpecFile) -> &[jobs::BackupJob] {
    file.spec.jobs.as_ref().map_or(&[], |j| &j.backups)
}

pub fn known_components(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    for (i, b) in backups(file).iter().enumerate() {
        if !s.backup.components.iter().any(|c| c.id == b.component) {
            out.push(
                file.error_at(
                    &format!("jobs.backups[{i}].component"),
                    format!("no backup component {:?}", b.component),
                )
                .help(format!(
                    "components: {}",
                    s.backup
                        .components
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
        }
    }
}

pub fn scheduled_components(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    for (i, b) in backups(file).iter().enumerate() {
        let c = s.backup.components.iter().find(|c| c.id == b.component);
        if c.is_some_and(|c| c.method != Method::Scheduled || c.schedule.is_none()) {
            out.push(
                file.error_at(
                    &format!("jobs.backups[{i}].component"),
                    format!("component {:?} is not scheduled", b.component),
                )
                .help("only a `method: scheduled` component with a `schedule` runs as a CronJob"),
            );
        }
    }
}

pub fn one_job_per_component(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let all = backups(file);
    for (i, b) in all.iter().enumerate() {
        if all.iter().filter(|x| x.component == b.component).count() > 1 {
            out.push(
                file.error_at(
                    &format!("jobs.backups[{i}].component"),
                    format!("component {:?} has two jobs", b.component),
                )
                .help("one CronJob per component"),
            );
        }
    }
}

pub fn dirs_under_mount(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, b) in backups(file).iter().enumerate() {
        let dir_ok = b.dir.starts_with(&format!("{MOUNT}/"))
            && b.dir[MOUNT.len() + 1..].split('/').all(|p| {
                !p.is_empty()
                    && p != ".."
                    && p != "."
                    && p.bytes()
                        .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c))
            });
        if !dir_ok {
            out.push(
                file.error_at(
                    &format!("jobs.backups[{i}].dir"),
                    format!("{:?} is not a folder under {MOUNT}", b.dir),
                )
                .help("e.g. `/backup/dump`: the jobs mount the destination at /backup"),
            );
        }
    }
}

pub fn keeps_a_set(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, b) in backups(file).iter().enumerate() {
        if b.keep == 0 {
            out.push(
                file.error_at(
                    &format!("jobs.backups[{i}].keep"),
                    "keep 0 would delete the set the job just wrote",
                )
                .help("keep at least 1"),
            );
        }
    }
}

pub fn writes_out(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (i, b) in backups(file).iter().enumerate() {
        if !b.script.contains("$OUT") {
            out.push(
                file.error_at(&format!("jobs.backups[{i}].script"), "the script never writes to `$OUT`")
                    .help("write the backup set into the folder `$OUT`; gen publishes it under its timestamp"),
            );
        }
    }
}

pub fn scripts_not_templates(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let Some(j) = &file.spec.jobs else { return };
    for (at, script) in scripts(j) {
        if let Some(n) = script
            .lines()
            .position(|l| l.contains("{{") || l.contains("}}"))
        {
            out.push(
                file.error_in_text(
                    &at,
                    n,
                    "`{{` or `}}` in a job script would be read by Helm as a template",
                )
                .help("write it another way, e.g. `{ {` in a shell brace group"),
            );
        }
    }
}

pub fn scripts_without_tabs(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let Some(j) = &file.spec.jobs else { return };
    for (at, script) in scripts(j) {
        if let Some(n) = script.lines().position(|l| l.contains('\t')) {
            out.push(
                file.error_in_text(
                    &at,
                    n,
                    "a tab in a job script breaks the YAML block it is rendered into",
                )
                .help("indent with spaces"),
            );
        }
    }
}

pub fn pre_upgrade_is_a_job(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let Some(j) = &file.spec.jobs else { return };
    let ids: Vec<&str> = j.backups.iter().map(|b| b.component.as_str()).collect();
    if let Some(p) = &j.pre_upgrade {
        if !ids.contains(&p.as_str()) {
            out.push(
                file.error_at(
                    "jobs.pre_upgrade",
                    format!("{p:?} is not a component of `jobs.backups`"),
                )
                .help(format!("one of: {}", ids.join(", "))),
            );
        }
    }
}

pub fn verification_schedule(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let Some(v) = file
        .spec
        .jobs
        .as_ref()
        .and_then(|j| j.verification.as_ref())
    else {
        return;
    };
    if let Err(e) = cron::max_gap_secs(&v.schedule) {
        out.push(
            file.error_at("jobs.verification.schedule", e)
                .help("e.g. \"0 5 * * *\""),
        );
    }
}
