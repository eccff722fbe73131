//! The rules the checks (`crate::checks`) and the rest of gen share: what
//! a chart name, version and label value may be, the limits that keep the
//! guides within 80 columns, and every step list of a spec.

use super::types::*;

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

/// Longest line in a `run` block: the guides indent code by 3 or 4 columns
/// and markdownlint allows 80.
pub const MAX_RUN_LINE: usize = 76;

/// Longest line gen writes into a command (a snippet's, a shared step's):
/// with the 3 columns a guide's numbered step indents it by, the guides'
/// 76, so what gen writes never needs the slack left to hand-written lines.
pub const MAX_WRITTEN_LINE: usize = MAX_RUN_LINE - 3;

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

pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

/// First line of every spec: editors with the YAML language server then
/// complete and validate it against specs/schema.json.
pub const MODELINE: &str = "# yaml-language-server: $schema=schema.json";

/// Longest inline code span in prose: wrapping cannot break inside one, and
/// the guides keep lines within 80 columns.
pub const MAX_CODE_SPAN: usize = 70;

/// The warning for a TODO left in a spec (the CLI sums them up per spec).
pub const TODO_LEFT: &str = "the spec still has a TODO";

/// Cross-chart orchestration (`backup-all`, `restore-<chart>`) runs these.
pub const REQUIRED_TARGETS: &[(&str, &str)] = &[
    ("backup", "writes a backup into $BACKUP_DIR, unattended"),
    (
        "restore",
        "restores from ${FILE:-the newest backup in $BACKUP_DIR}, unattended",
    ),
];

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
