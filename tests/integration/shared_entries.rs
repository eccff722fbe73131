//! Text many specs share, written once in gen: known troubleshooting
//! errors (`use:` in `troubleshooting`), shared upgrade steps and the RBAC
//! change note gen derives. Each through the built gen, as a user runs it.

use crate::common::{gen, gen_ok, project_with, stderr};
use chartgen::scaffold::new_spec;

/// The scaffold's spec with its first troubleshooting entries preceded by
/// `entries`.
fn spec_with_entries(entries: &str) -> String {
    let s = new_spec("demo");
    assert!(
        s.contains("troubleshooting:"),
        "the scaffold changed: update the test"
    );
    s.replacen(
        "troubleshooting:",
        &format!("troubleshooting:\n{entries}"),
        1,
    )
}

#[test]
fn a_known_error_renders_in_its_guide() {
    let dir = project_with(&[(
        "demo",
        spec_with_entries("  - use: helm-pending\n  - use: no-such-bucket\n    with: { store: MinIO }\n    fix: Create the bucket with `mc mb` first.\n"),
    )]);
    gen_ok(dir.path(), &["build"]);
    let upgrade = std::fs::read_to_string(dir.path().join("docs/demo/upgrade-guide.md")).unwrap();
    let backup = std::fs::read_to_string(dir.path().join("docs/demo/backup-guide.md")).unwrap();
    let pending = "another operation (install/upgrade/rollback) is in progress";
    assert!(upgrade.contains(pending), "{upgrade}");
    assert!(
        upgrade.contains("helm -n \"$NAMESPACE\" history \"$RELEASE\" --max 5"),
        "the entry's command: {upgrade}"
    );
    assert!(
        !backup.contains(pending),
        "helm-pending is the upgrade guide's"
    );
    assert!(backup.contains("NoSuchBucket: The specified bucket does not exist"));
    assert!(backup.contains("rebuilt MinIO"), "the parameter: {backup}");
    assert!(
        backup.contains("Create the bucket with `mc mb` first."),
        "the spec's own fix overrides the library's: {backup}"
    );
    assert!(!backup.contains("restore it with the mirror"), "{backup}");
}

/// Validation counts `use:` entries like written ones: three known
/// errors cover both guides; two that leave one out do not.
#[test]
fn known_errors_count_for_each_guide() {
    let only = |entries: &str| {
        let s = new_spec("demo");
        let at = s.find("troubleshooting:").unwrap();
        let end = s.find("\noperations:").unwrap();
        let src = format!("{}troubleshooting:\n{entries}{}", &s[..at], &s[end + 1..]);
        let f = chartgen::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
        chartgen::checks::spec(&f)
            .into_iter()
            .filter(|d| d.code.is_some_and(|c| c.starts_with("troubles.")))
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
    };
    let three = only("  - use: helm-pending\n  - use: age-no-identity\n  - use: multi-attach\n");
    assert!(three.is_empty(), "{three:?}");
    let upgrade_only = only(
        "  - use: helm-pending\n  - use: statefulset-forbidden\n  - use: helm-values-schema\n",
    );
    assert_eq!(upgrade_only.len(), 1, "{upgrade_only:?}");
    assert!(upgrade_only[0].contains("no troubleshooting entry for the backup guide"));
    let two = only("  - use: helm-pending\n  - use: multi-attach\n");
    assert!(
        two.iter().any(|d| d.contains("2 troubleshooting entries")),
        "{two:?}"
    );
}

#[test]
fn an_unknown_known_error_is_located_with_a_did_you_mean() {
    let src = spec_with_entries("  - use: multi-atach\n");
    let dir = project_with(&[("demo", &src)]);
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let line = src.lines().position(|l| l.contains("multi-atach")).unwrap() + 1;
    let err = stderr(&o);
    assert!(
        err.contains(&format!("specs/demo.yaml:{line}:")),
        "file:line:col of the `use:`: {err}"
    );
    assert!(err.contains("unknown known error `multi-atach`"), "{err}");
    assert!(err.contains("did you mean `multi-attach`?"), "{err}");
    assert!(
        !dir.path().join("docs").exists(),
        "nothing written on bad input"
    );
}
