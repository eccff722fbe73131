//! The chart's identity (name, file, versions) and the form of the file.

use crate::diagnostics::Diagnostic;
use crate::spec::validate::{is_dns_label, is_label_value, is_semver, MODELINE, TODO_LEFT};
use crate::spec::SpecFile;

pub fn name_is_dns_label(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    if !is_dns_label(&s.name) {
        out.push(
            file.error_at(
                "name",
                format!("chart name {:?} is not a DNS-1123 label", s.name),
            )
            .help("use lower-case letters, digits and '-', at most 63 characters, e.g. `my-chart`"),
        );
    }
}

pub fn file_matches_name(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
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
}

pub fn texts_not_empty(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
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
}

pub fn versions_are_semver(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    for (path, v) in [
        ("chart_version.from", &s.chart_version.from),
        ("chart_version.to", &s.chart_version.to),
    ] {
        if !is_semver(v) {
            out.push(file.error_at(path, format!("chart version {v:?} is not SemVer 2"))
                .help("Helm requires MAJOR.MINOR.PATCH, e.g. \"0.4.0\" (quote it so YAML keeps it a string)"));
        }
    }
}

pub fn app_version_is_label(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    if !is_label_value(&s.app_version) {
        out.push(file.error_at("app_version", format!("app_version {:?} cannot be a Kubernetes label value", s.app_version))
            .help("it becomes the app.kubernetes.io/version label: at most 63 characters of A-Z, a-z, 0-9, '-', '_', '.', starting and ending alphanumeric"));
    }
}

pub fn last_drill_is_date(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    if let Some(d) = &file.spec.last_drill {
        if !is_date(d) {
            out.push(
                file.error_at("last_drill", format!("last_drill {d:?} is not a date"))
                    .help("write it as YYYY-MM-DD, e.g. \"2026-03-14\""),
            );
        }
    }
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

pub fn no_self_dependency(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    if s.depends_on.iter().any(|d| d.chart == s.name) {
        out.push(
            file.error_at("depends_on", "a chart cannot depend on itself")
                .help("remove the entry"),
        );
    }
}

/// `gen new` leaves TODOs; they must not reach a release unnoticed.
pub fn no_todos(file: &SpecFile, out: &mut Vec<Diagnostic>) {
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

pub fn has_modeline(file: &SpecFile, out: &mut Vec<Diagnostic>) {
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
}
