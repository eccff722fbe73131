//! Chart facts with real Helm (`scripts/helm`, the helm-sdkpy library) on a
//! chart of the real collection, copied to a temporary folder: what gen
//! reads, the cache that keeps no-op builds from running Helm, the spec
//! checked against the chart, and the errors without Helm or with a broken
//! chart.

use crate::common;
use common::fixture::Fixture;
use common::{gen, stderr};

use chartgen::spec::WorkloadKind;

use std::path::{Path, PathBuf};

/// A project holding the collection's postgresql chart and a spec for it
/// (the `gen new` scaffold with the workload filled in), and a `helm` that
/// logs each run to `helm.log` before running `scripts/helm`. None when a
/// real component is missing (a failure under CI=true).
fn project() -> Option<(tempfile::TempDir, PathBuf)> {
    project_with_helm("")
}

/// [`project`], with `prelude` run first by the logging `helm`.
fn project_with_helm(prelude: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let collection = common::collection()?;
    let Some(helm) = common::real_helm() else {
        common::skip_or_fail("real Helm (python3 and the helm-sdkpy library under .tools/)");
        return None;
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    common::copy_tree(
        &collection.join("charts/postgresql"),
        &root.join("charts/postgresql"),
    );
    std::fs::create_dir_all(root.join("specs")).unwrap();
    std::fs::write(root.join("specs/postgresql.yaml"), spec().yaml()).unwrap();
    let logged = root.join("logged-helm");
    std::fs::write(
        &logged,
        format!(
            "#!/bin/sh\n{prelude}\necho \"$*\" >> '{}'\nexec '{}' \"$@\"\n",
            root.join("helm.log").display(),
            helm.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&logged, std::fs::Permissions::from_mode(0o755)).unwrap();
    Some((dir, logged))
}

/// The scaffold as a spec of the collection's postgresql chart.
fn spec() -> Fixture {
    Fixture::new("postgresql")
        .app_version("16.11")
        .chart_version("0.4.0", "0.4.1")
        .workload(WorkloadKind::StatefulSet, Some(5432))
}

fn helm_runs(root: &Path) -> usize {
    std::fs::read_to_string(root.join("helm.log")).map_or(0, |t| t.lines().count())
}

#[test]
fn facts_of_a_real_chart_are_read_through_helm_and_cached() {
    let Some((dir, helm)) = project() else { return };
    let root = dir.path();
    let helm = helm.to_str().unwrap();
    let o = gen(root, &["--helm", helm, "facts", "postgresql", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let f: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(f["chart"]["version"], "0.4.0");
    assert_eq!(f["chart"]["app_version"], "16.11");
    assert_eq!(
        f["fullname"],
        serde_json::json!({"rule": "contains-or-suffix", "name": "postgresql"})
    );
    let sts = &f["workloads"][0];
    assert_eq!(
        (sts["kind"].as_str(), sts["name"].as_str()),
        (Some("StatefulSet"), Some("rel-postgresql"))
    );
    assert_eq!(sts["pod_labels"]["app.kubernetes.io/instance"], "rel");
    let c = &sts["containers"][0];
    assert_eq!(c["name"], "postgresql");
    assert_eq!(c["ports"][0]["port"], 5432);
    let env = |name: &str| {
        c["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .cloned()
            .unwrap()
    };
    assert_eq!(env("PGDATA")["value"], "/var/lib/postgresql/data");
    assert_eq!(
        env("POSTGRES_PASSWORD")["secret"],
        serde_json::json!({"name": "rel-postgresql-secret", "key": "postgres-password"})
    );
    let data = c["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["path"] == "/var/lib/postgresql/data")
        .unwrap();
    assert_eq!(
        data["source"],
        serde_json::json!({"type": "claim-template", "template": "data", "pvc": "data-rel-postgresql-0"})
    );
    // Secrets by their keys, never their values.
    assert_eq!(
        f["secrets"],
        serde_json::json!([{"name": "rel-postgresql-secret", "keys": ["postgres-password"]}])
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(
        !text.contains("\"data\": {") && !text.contains("stringData"),
        "{text}"
    );
    assert!(f["helpers"]
        .as_array()
        .unwrap()
        .iter()
        .any(|h| h == "postgresql.fullname"));
    assert!(f["values_keys"]
        .as_array()
        .unwrap()
        .iter()
        .any(|k| k == "persistence.size"));
    assert!(f["objects"]
        .as_array()
        .unwrap()
        .iter()
        .any(|o| o["hook"] == "test"));
    // Two renders (release rel and release postgresql) in one batch, then
    // the cache.
    assert_eq!(helm_runs(root), 1);
    let o = gen(root, &["--helm", helm, "facts", "postgresql"]);
    assert!(String::from_utf8_lossy(&o.stdout).contains("StatefulSet rel-postgresql"));
    let o = gen(root, &["--helm", helm, "check"]);
    assert!(
        !stderr(&o).contains("chart facts need Helm"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        helm_runs(root),
        1,
        "a chart that did not change is not rendered again"
    );
    // Any change to the chart renders it again.
    let values = root.join("charts/postgresql/values.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    std::fs::write(&values, format!("{text}# a comment\n")).unwrap();
    gen(root, &["--helm", helm, "facts", "postgresql"]);
    assert_eq!(helm_runs(root), 2);
}

#[test]
fn a_copied_project_keeps_its_facts_cache() {
    // The cache key once held the values files' full paths: every copy of
    // a collection whose spec names a values file rendered it again, and
    // two copies' caches differed.
    let Some((dir, helm)) = project() else { return };
    let a = dir.path();
    let helm = helm.to_str().unwrap();
    std::fs::write(
        a.join("charts/postgresql/values-small.yaml"),
        "persistence:\n  size: 2Gi\n",
    )
    .unwrap();
    let src = spec()
        .with(|s| {
            s.chart = Some(chartgen::spec::ChartSource {
                values_files: vec!["values-small.yaml".into()],
            })
        })
        .yaml();
    std::fs::write(a.join("specs/postgresql.yaml"), src).unwrap();
    let o = gen(a, &["--helm", helm, "facts", "postgresql"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(helm_runs(a), 1);
    let copy = tempfile::tempdir().unwrap();
    let b = copy.path();
    common::copy_tree(a, b);
    let o = gen(b, &["--helm", helm, "facts", "postgresql"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(helm_runs(a), 1, "the copy's facts come from its cache");
    let cached =
        |root: &Path| std::fs::read(root.join(".gen/cache/facts/postgresql.json")).unwrap();
    assert!(cached(a) == cached(b), "the two caches differ");
}

#[test]
fn a_helm_without_template_batch_renders_chart_by_chart() {
    // Real Helm has no `template-batch`: gen falls back to `helm template`.
    let reject = "[ \"$1\" = template-batch ] && { echo 'Error: unknown command \"template-batch\" for \"helm\"' >&2; exit 1; }";
    let Some((dir, helm)) = project_with_helm(reject) else {
        return;
    };
    let root = dir.path();
    let o = gen(
        root,
        &["--helm", helm.to_str().unwrap(), "facts", "postgresql"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("FULLNAME = rel-postgresql"));
    let log = std::fs::read_to_string(root.join("helm.log")).unwrap();
    let mut runs: Vec<&str> = log.lines().collect();
    runs.sort();
    assert_eq!(runs.len(), 2, "{log}");
    let chart = root.join("charts/postgresql");
    assert_eq!(
        runs[0],
        format!("template postgresql {} --namespace ns", chart.display())
    );
    assert_eq!(
        runs[1],
        format!("template rel {} --namespace ns", chart.display())
    );
}

#[test]
fn the_spec_is_checked_against_what_helm_renders() {
    let Some((dir, helm)) = project() else { return };
    let root = dir.path();
    let helm = helm.to_str().unwrap();
    // A data path, a Secret and a value the chart does not have.
    let src = spec()
        .with(|s| {
            s.workload.data_path = Some("/var/lib/postgresql/data/pgdata".into());
            let backup = s.operations.iter_mut().find(|o| o.target == "backup");
            backup.expect("the scaffold has a backup target").run = concat!(
                "mkdir -p \"$BACKUP_DIR\"\n",
                "kubectl -n \"$NAMESPACE\" get secret \"$RELEASE-secret\" \\\n",
                "  -o jsonpath='{.data.password}'\n",
                "helm upgrade \"$RELEASE\" c --set image.tga=16.12\n",
            )
            .into();
        })
        .yaml();
    std::fs::write(root.join("specs/postgresql.yaml"), &src).unwrap();
    let before = common::file_tree(root);
    let o = gen(root, &["--helm", helm, "build"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    let at = |needle: &str, col_of: &str| {
        let (i, l) = src
            .lines()
            .enumerate()
            .find(|(_, l)| l.contains(needle))
            .unwrap();
        format!(
            "specs/postgresql.yaml:{}:{}",
            i + 1,
            l.find(col_of).unwrap() + 1
        )
    };
    for (message, location, help) in [
        (
            "data_path is /var/lib/postgresql/data/pgdata, but container postgresql sets PGDATA=/var/lib/postgresql/data",
            at("data_path:", "data_path"),
            "did you mean `/var/lib/postgresql/data`?",
        ),
        (
            "the chart renders no Secret \"$RELEASE-secret\" (rel-secret for release rel)",
            at("get secret", "$RELEASE-secret"),
            "did you mean `$FULLNAME-secret`?",
        ),
        (
            "\"image.tga\" is not a value of the chart",
            at("image.tga", "image.tga"),
            "did you mean `image.tag`?",
        ),
    ] {
        let block = err
            .split("error[")
            .filter_map(|b| b.split_once("]: ").map(|(_id, rest)| rest))
            .find(|b| b.starts_with(message))
            .unwrap_or_else(|| panic!("no error {message:?} in:\n{err}"));
        assert!(block.contains(&format!("--> {location}\n")), "{block}");
        assert!(block.contains(help), "{block}");
    }
    // Invalid input changes nothing but gen's cache.
    let mut after = common::file_tree(root);
    after.retain(|p, _| !p.starts_with(root.join(".gen")));
    let mut before = before;
    before.retain(|p, _| !p.ends_with("helm.log"));
    after.retain(|p, _| !p.ends_with("helm.log"));
    assert_eq!(before, after);
}

/// A name a shared `use:` step's lines give is located at its `use:`
/// line (not the step's first key), saying the shared text holds it.
#[test]
fn a_name_in_a_shared_steps_lines_is_located_at_its_use_line() {
    let Some((dir, helm)) = project() else { return };
    let root = dir.path();
    let src = common::edited(
        &spec().yaml(),
        &[(
            "  rollback:\n  - title: TODO how to roll back\n",
            "  rollback:\n  - title: Start it again\n    use: scale-up\n    \
with: { name: \"$RELEASE-nope\", replicas: \"1\" }\n",
        )],
    );
    std::fs::write(root.join("specs/postgresql.yaml"), &src).unwrap();
    let o = gen(root, &["--helm", helm.to_str().unwrap(), "check"]);
    let err = stderr(&o);
    let line = src
        .lines()
        .position(|l| l.contains("use: scale-up"))
        .unwrap()
        + 1;
    let block = err
        .split("error[")
        .find(|b| b.contains("renders no StatefulSet \"$RELEASE-nope\""))
        .unwrap_or_else(|| panic!("no finding in:\n{err}"));
    assert!(
        block.contains("(in the shared lines that `use: scale-up` expands)"),
        "{block}"
    );
    assert!(
        block.contains(&format!("--> specs/postgresql.yaml:{line}:5\n")),
        "{block}"
    );
}

#[test]
fn a_chart_helm_cannot_render_is_an_error_with_helms_message() {
    let Some((dir, helm)) = project() else { return };
    let root = dir.path();
    std::fs::write(
        root.join("charts/postgresql/templates/broken.yaml"),
        "a: {{ .Values.no.such.key }}\n",
    )
    .unwrap();
    let o = gen(root, &["--helm", helm.to_str().unwrap(), "check"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: `helm template` of charts/postgresql failed: "),
        "{err}"
    );
    assert!(err.contains("nil pointer"), "{err}");
}

#[test]
fn without_helm_a_real_chart_is_an_error_that_says_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("charts/demo/templates")).unwrap();
    std::fs::write(
        root.join("charts/demo/Chart.yaml"),
        "apiVersion: v2\nname: demo\nversion: 0.1.0\n",
    )
    .unwrap();
    std::fs::write(
        root.join("charts/demo/templates/cm.yaml"),
        "kind: ConfigMap\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("specs")).unwrap();
    std::fs::write(
        root.join("specs/demo.yaml"),
        chartgen::scaffold::new_spec("demo"),
    )
    .unwrap();
    let before = common::file_tree(root);
    let o = gen(root, &["--helm", "/nonexistent/helm", "build"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: chart facts need Helm, and the Helm gen was told to use, /nonexistent/helm, does not exist: 1 chart has hand-written templates (demo)"),
        "{err}"
    );
    assert!(
        err.contains("= help: install Helm")
            && err.contains("`--no-facts` or `facts = false` in gen.toml"),
        "{err}"
    );
    assert_eq!(before, common::file_tree(root), "nothing written");
    // Without facts it builds, and says so.
    let o = gen(
        root,
        &["--helm", "/nonexistent/helm", "--no-facts", "build"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("chart facts off: 1 charts with hand-written templates not checked"),
        "{}",
        stderr(&o)
    );
    // gen.toml says the same.
    std::fs::write(
        root.join("gen.toml"),
        "facts = false\nhelm = \"no-such-helm\"\n",
    )
    .unwrap();
    assert!(gen(root, &["check"]).status.success());
}

#[test]
fn charts_gen_scaffolds_need_no_helm() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("specs")).unwrap();
    std::fs::write(
        root.join("specs/demo.yaml"),
        chartgen::scaffold::new_spec("demo"),
    )
    .unwrap();
    for _ in 0..2 {
        let o = gen(root, &["--helm", "/nonexistent/helm", "build"]);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("chart facts: no chart has hand-written templates"),
            "{}",
            stderr(&o)
        );
    }
    assert!(!root.join(".gen").exists());
}
