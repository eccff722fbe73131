//! Text many specs share, written once in gen: known troubleshooting
//! errors (`use:` in `troubleshooting`), shared upgrade steps and the RBAC
//! change note gen derives. Each through the built gen, as a user runs it.

use crate::common::{edited, gen, gen_ok, project_with, stderr};
use chartgen::scaffold::new_spec;

/// The scaffold's spec with its first troubleshooting entries preceded by
/// `entries`.
fn spec_with_entries(entries: &str) -> String {
    edited(
        &new_spec("demo"),
        &[("troubleshooting:", &format!("troubleshooting:\n{entries}"))],
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

/// The RBAC change line of `chart`'s Chart.yaml (its Artifact Hub changes).
fn rbac_note(root: &std::path::Path, chart: &str) -> String {
    let y = std::fs::read_to_string(root.join(format!("charts/{chart}/Chart.yaml"))).unwrap();
    y.lines()
        .find(|l| l.contains("description: \"RBAC"))
        .unwrap_or_else(|| panic!("no RBAC change in {y}"))
        .trim()
        .to_string()
}

/// The collection's redis chart and the repository's spec for it, the
/// spec's `was:` line edited by `was`. None when a real component is
/// missing (a failure under CI=true).
fn redis_project(was: impl Fn(&str) -> String) -> Option<tempfile::TempDir> {
    let collection = crate::common::collection()?;
    if crate::common::real_helm().is_none() {
        crate::common::skip_or_fail("real Helm (python3 and the helm-sdkpy library under .tools/)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    crate::common::copy_tree(
        &collection.join("charts/redis"),
        &dir.path().join("charts/redis"),
    );
    let spec = std::fs::read_to_string(crate::common::repo().join("specs/redis.yaml")).unwrap();
    let line = spec
        .lines()
        .find(|l| l.trim_start().starts_with("was: "))
        .expect("specs/redis.yaml records the chart's Role in `was:`")
        .to_string();
    let mut text = edited(&spec, &[(&line, &was(&line))]);
    // No record: the names of the Role it records (if written, not the
    // default) go with it, and the changelog asks for the note with an
    // entry of its own, which the record otherwise makes needless.
    let names = spec
        .lines()
        .find(|l| l.trim_start().starts_with("was_names: "));
    if let (true, Some(names)) = (was(&line).is_empty(), names) {
        text = edited(&text, &[(&format!("{names}\n"), "")]);
    }
    if was(&line).is_empty() {
        text = edited(
            &text,
            &[(
                "\nvariables:\n",
                "\n  changes:\n    - kind: changed\n      replaces: rbac\nvariables:\n",
            )],
        );
    }
    crate::common::write(dir.path(), "specs/redis.yaml", &text);
    Some(dir)
}

const LOSES: &str = "loses its read access to configmaps, secrets, pods, endpoints and \
persistentvolumeclaims, since no pod of the chart calls the Kubernetes API";

/// With facts the note comes from the chart's own Role, and a spec without
/// `was:` is warned that adoption replaces that Role; the record keeps the
/// note after adoption and without facts.
#[test]
fn the_rbac_note_is_derived_from_the_charts_role() {
    use crate::common::gen_helm;
    // No record: derived from the chart's Role while it renders one.
    let Some(dir) = redis_project(|_| String::new()) else {
        return;
    };
    let o = gen_helm(dir.path(), &["adopt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        rbac_note(dir.path(), "redis").contains(LOSES),
        "{}",
        rbac_note(dir.path(), "redis")
    );
    let err = stderr(&o);
    assert!(err.contains("warning[facts.rbac-was-missing]"), "{err}");
    assert!(
        err.contains("`was: [{ resources: [configmaps, secrets, pods, endpoints, persistentvolumeclaims], verbs: [get, list, watch] }]`"),
        "the line to record: {err}"
    );
    // After adoption the Role is gen's: without the record gen says what
    // it grants, and claims nothing about before.
    gen_ok(
        dir.path(),
        &[
            "--helm",
            crate::common::repo().join("scripts/helm").to_str().unwrap(),
            "build",
        ],
    );
    let after = rbac_note(dir.path(), "redis");
    assert!(after.contains("the Role grants nothing"), "{after}");

    // The record: the same note after adoption, with and without facts.
    let Some(dir) = redis_project(|l| l.to_string()) else {
        return;
    };
    let o = gen_helm(dir.path(), &["adopt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("rbac-was"), "{}", stderr(&o));
    let adopted = rbac_note(dir.path(), "redis");
    assert!(adopted.contains(LOSES), "{adopted}");
    // The README's sentence on the chart's Role comes from the same
    // record, and says that gen's objects keep the chart's names.
    let readme = std::fs::read_to_string(dir.path().join("charts/redis/README.md")).unwrap();
    let readme = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        readme.contains(
            "The chart's own Role `$FULLNAME-role` (bound by the RoleBinding \
`$FULLNAME-rolebinding`) grants `get`, `list` and `watch` on `configmaps`, `secrets`, \
`pods`, `endpoints` and `persistentvolumeclaims`. gen's Role and RoleBinding keep these \
names; the Role drops all of it. The chart's `get`, `list` and `watch` on `secrets` \
would expose every Secret of the namespace"
        ),
        "{readme}"
    );
    // And so they do: the adopted chart renders gen's empty Role and its
    // binding under the chart's names.
    let helm = crate::common::real_helm().unwrap();
    let o = std::process::Command::new(helm)
        .args(["template", "rel"])
        .arg(dir.path().join("charts/redis"))
        .args(["--namespace", "ns"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let rendered = String::from_utf8_lossy(&o.stdout);
    for (kind, name) in [
        ("Role", "rel-redis-role"),
        ("RoleBinding", "rel-redis-rolebinding"),
    ] {
        assert!(
            rendered.contains(&format!("kind: {kind}\nmetadata:\n  name: {name}\n")),
            "{kind} {name}: {rendered}"
        );
    }
    assert!(rendered.contains("rules: []"), "{rendered}");
    gen_ok(dir.path(), &["--no-facts", "build"]);
    assert_eq!(rbac_note(dir.path(), "redis"), adopted);
    let o = gen_helm(dir.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));

    // A record that is not the chart's Role is an error at its line.
    let Some(dir) = redis_project(|l| l.replace("endpoints, ", "")) else {
        return;
    };
    let o = gen_helm(dir.path(), &["adopt"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("error[facts.rbac-was]"), "{err}");
    assert!(
        err.contains("`was` is not the Role the chart renders"),
        "{err}"
    );
    let spec = std::fs::read_to_string(dir.path().join("specs/redis.yaml")).unwrap();
    let line = spec.lines().position(|l| l.contains("was: ")).unwrap() + 1;
    assert!(err.contains(&format!("specs/redis.yaml:{line}:")), "{err}");

    // So are names that are not the chart's Role and binding, written
    // (as the default is) or left to the default.
    const NAMES: &str = "  was_names: { role: $FULLNAME-role, binding: $FULLNAME-rolebinding }\n";
    for (from, to, message, help, written) in [
        (
            "role: $FULLNAME-role,",
            "role: $FULLNAME-rol,",
            "the chart renders no Role \"$FULLNAME-rol\"",
            "the chart's Role: `$FULLNAME-role`",
            true,
        ),
        (
            "binding: $FULLNAME-rolebinding",
            "binding: $FULLNAME",
            "no RoleBinding \"$FULLNAME\" binds the Role \"$FULLNAME-role\"",
            "the chart's bindings of it: `$FULLNAME-rolebinding`",
            true,
        ),
        (
            "printf \"%s-role\"",
            "printf \"%s-r\"",
            "the chart renders no Role \"$FULLNAME-role\"",
            "the chart's Role: `$FULLNAME-r`; `was_names` left out means \
`{ role: $FULLNAME-role, binding: $FULLNAME-rolebinding }`: write the chart's in `rbac.was_names`",
            false,
        ),
    ] {
        let Some(dir) = redis_project(|l| l.to_string()) else {
            return;
        };
        let path = dir.path().join("specs/redis.yaml");
        let spec = std::fs::read_to_string(&path).unwrap();
        assert!(
            !spec.contains("was_names: "),
            "redis's Role has the default names: {spec}"
        );
        // After the record (redis's Role is its `was:` and no rules).
        let was = spec.find("\n  was: ").unwrap() + 1;
        let at = was + spec[was..].find('\n').unwrap() + 1;
        let spec = match written {
            true => format!("{}{NAMES}{}", &spec[..at], &spec[at..]),
            false => spec,
        };
        // Written names are edited in the spec; the default ones are
        // checked against a chart whose Role is named otherwise.
        let target = match written {
            true => dir.path().join("specs/redis.yaml"),
            false => dir.path().join("charts/redis/templates/_helpers.tpl"),
        };
        std::fs::write(&path, &spec).unwrap();
        crate::common::edit(&target, &[(from, to)]);
        let o = gen_helm(dir.path(), &["adopt"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("error[facts.rbac-was]"), "{err}");
        assert!(err.contains(message), "{err}");
        assert!(err.contains(help), "{err}");
        let key = if written { "was_names: " } else { "was: " };
        let line = spec.lines().position(|l| l.contains(key)).unwrap() + 1;
        assert!(err.contains(&format!("specs/redis.yaml:{line}:")), "{err}");
    }
}
