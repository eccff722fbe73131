//! Real Helm on every chart in charts/: `helm lint`, and the charts rendered
//! by Helm with rbac.create and serviceAccount.create true and false, every
//! manifest validated against the Kubernetes JSON schemas. Helm is v4, the
//! helm-sdkpy wheel's libhelm_sdkpy.so, driven by scripts/helm.py;
//! scripts/test installs it and kubernetes-validate under .tools/.
//!
//! GEN_HELM_ROOT points these tests at another project (e.g. a temporary
//! `gen --root DIR build`) instead of this repository.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

use crate::common;
use crate::common::repo;
use crate::common::text;
use common::{helm_finished as finished, helm_py};

const LIB: &str = ".tools/helm/helm_sdkpy/_lib/linux-amd64/libhelm_sdkpy.so";
const VALIDATOR: &str = ".tools/py/kubernetes_validate";
const NAMESPACE: &str = "gen-helm-test";
const RELEASE: &str = "rel";
const RBAC_KINDS: [&str; 4] = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];

/// The project whose charts are checked.
fn project() -> PathBuf {
    std::env::var_os("GEN_HELM_ROOT").map_or_else(repo, PathBuf::from)
}

/// Helm and the schema validator are there. Under CI=true a missing
/// component fails the test; elsewhere the test is skipped with a message.
fn components() -> bool {
    let python = Command::new("python3")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    let missing: Vec<String> = [
        (!python).then(|| "python3 on PATH".to_string()),
        (!repo().join(LIB).is_file()).then(|| format!("Helm library {LIB}")),
        (!repo().join(VALIDATOR).is_dir()).then(|| format!("kubernetes-validate {VALIDATOR}")),
    ]
    .into_iter()
    .flatten()
    .collect();
    if missing.is_empty() {
        return true;
    }
    crate::common::skip_or_fail(&format!("missing {}", missing.join(", ")));
    false
}

/// Every chart directory under charts/ (one with a Chart.yaml), sorted.
fn charts(root: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(root.join("charts")) else {
        return Vec::new();
    };
    let mut out: Vec<PathBuf> = entries
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Chart.yaml").is_file())
        .collect();
    out.sort();
    out
}

/// The charts, after checking that every spec's chart is among them.
fn all_charts() -> Vec<PathBuf> {
    let root = project();
    let charts = charts(&root);
    let names: BTreeSet<String> = charts.iter().map(|p| file_name(p)).collect();
    let specs: Vec<String> = std::fs::read_dir(root.join("specs"))
        .map(|rd| {
            rd.map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
                .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    let missing: Vec<&String> = specs.iter().filter(|s| !names.contains(*s)).collect();
    assert!(
        missing.is_empty(),
        "specs without a chart under {}/charts (run `cargo run -- build`): {missing:?}",
        root.display()
    );
    assert!(
        !charts.is_empty(),
        "no chart under {}/charts",
        root.display()
    );
    charts
}

fn file_name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// The spec's rbac.scope, when the chart has a spec.
fn spec_scope(chart: &str) -> Option<String> {
    let text = std::fs::read_to_string(project().join(format!("specs/{chart}.yaml"))).ok()?;
    let spec: serde_yaml::Value = serde_yaml::from_str(&text).ok()?;
    Some(spec.get("rbac")?.get("scope")?.as_str()?.to_string())
}

fn lint(charts: &[PathBuf]) -> Option<Output> {
    let o = helm_py(&["lint", "--min-severity", "2"], charts)
        .output()
        .unwrap();
    finished(o, "helm.py lint")
}

#[test]
fn every_chart_passes_helm_lint() {
    if !components() {
        return;
    }
    let charts = all_charts();
    let start = std::time::Instant::now();
    let Some(o) = lint(&charts) else { return };
    let out = text(&o);
    let errors: Vec<&str> = out.lines().filter(|l| l.contains(": ERROR: ")).collect();
    assert!(
        o.status.success() && errors.is_empty(),
        "helm lint failed (chart: ERROR: path, then what Helm says):\n{}",
        out
    );
    assert!(
        out.contains(&format!("linted {} chart(s), 0 error(s)", charts.len())),
        "{out}"
    );
    eprintln!(
        "helm lint: {} charts, 0 errors, {:.1} s",
        charts.len(),
        start.elapsed().as_secs_f64()
    );
}

/// One rendering of every chart, as `helm.py template --json --validate`
/// reports it: per chart, an error or the objects with their schema errors.
struct Rendering {
    rbac: bool,
    sa: bool,
    charts: Vec<Value>,
}

fn render_all(charts: &[PathBuf]) -> Option<Vec<Rendering>> {
    // The four combinations run at once, one Helm process each.
    let mut jobs = Vec::new();
    for rbac in [true, false] {
        for sa in [true, false] {
            let mut sets = vec![
                format!("rbac.create={rbac}"),
                format!("serviceAccount.create={sa}"),
            ];
            if !sa {
                // An existing ServiceAccount, which the binding must name.
                sets.push("serviceAccount.name=preexisting-sa".into());
            }
            let mut args = vec![
                "template",
                "--json",
                "--validate",
                "--name",
                RELEASE,
                "--namespace",
                NAMESPACE,
            ];
            for s in &sets {
                args.extend(["--set", s]);
            }
            let child = helm_py(&args, charts)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            jobs.push((rbac, sa, child));
        }
    }
    jobs.into_iter()
        .map(|(rbac, sa, child)| {
            let o = finished(child.wait_with_output().unwrap(), "helm.py template")?;
            let charts: Vec<Value> = String::from_utf8(o.stdout.clone())
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            Some(Rendering { rbac, sa, charts })
        })
        .collect()
}

fn s<'a>(v: &'a Value, path: &[&str]) -> &'a str {
    path.iter()
        .fold(v, |v, k| &v[*k])
        .as_str()
        .unwrap_or_default()
}

#[test]
fn rbac_renders_and_validates_for_every_combination() {
    if !components() {
        return;
    }
    let charts = all_charts();
    let start = std::time::Instant::now();
    let Some(renderings) = render_all(&charts) else {
        return;
    };
    let mut problems = Vec::new();
    let mut manifests = 0;
    let mut scopes = BTreeSet::new();
    for r in &renderings {
        let case = format!("rbac.create={} serviceAccount.create={}", r.rbac, r.sa);
        assert_eq!(r.charts.len(), charts.len(), "{case}: one result per chart");
        for c in &r.charts {
            let chart = file_name(Path::new(s(c, &["chart"])));
            let mut fail = |m: String| problems.push(format!("{chart} ({case}): {m}"));
            if !s(c, &["error"]).is_empty() {
                fail(format!("helm: {}", s(c, &["error"])));
                continue;
            }
            let objects = c["objects"].as_array().unwrap();
            manifests += objects.len();
            for o in objects {
                for e in o["schema_errors"].as_array().unwrap() {
                    fail(format!(
                        "{} {}/{}: {}",
                        s(o, &["source"]),
                        s(o, &["object", "kind"]),
                        s(o, &["object", "metadata", "name"]),
                        e.as_str().unwrap()
                    ));
                }
                for e in metadata_errors(&o["object"]) {
                    fail(format!("{} {e}", s(o, &["source"])));
                }
            }
            let of_kind = |k: &str| -> Vec<&Value> {
                objects
                    .iter()
                    .map(|o| &o["object"])
                    .filter(|o| o["kind"] == k)
                    .collect()
            };
            // The ServiceAccount exactly when serviceAccount.create.
            let sas = of_kind("ServiceAccount");
            if sas.len() != usize::from(r.sa) {
                fail(format!("{} ServiceAccount(s)", sas.len()));
            }
            for sa in &sas {
                if s(sa, &["metadata", "namespace"]) != NAMESPACE {
                    fail("ServiceAccount outside the release namespace".into());
                }
            }
            if !r.rbac {
                for k in RBAC_KINDS {
                    if !of_kind(k).is_empty() {
                        fail(format!("a {k} although rbac.create=false"));
                    }
                }
                continue;
            }
            // rbac.create: one role and one binding, of the chart's scope.
            let (role, binding) = match (
                of_kind("Role").as_slice(),
                of_kind("RoleBinding").as_slice(),
                of_kind("ClusterRole").as_slice(),
                of_kind("ClusterRoleBinding").as_slice(),
            ) {
                ([role], [binding], [], []) => (*role, *binding),
                ([], [], [role], [binding]) => (*role, *binding),
                _ => {
                    fail(
                        "not exactly one Role+RoleBinding or ClusterRole+ClusterRoleBinding".into(),
                    );
                    continue;
                }
            };
            let scope = if role["kind"] == "Role" {
                "namespace"
            } else {
                "cluster"
            };
            scopes.insert(scope);
            if let Some(want) = spec_scope(&chart) {
                if want != scope {
                    fail(format!(
                        "spec says scope {want}, Helm rendered a {}",
                        role["kind"]
                    ));
                }
            }
            let ns_want = if scope == "namespace" { NAMESPACE } else { "" };
            for o in [role, binding] {
                if s(o, &["metadata", "namespace"]) != ns_want {
                    fail(format!(
                        "{} in namespace {:?}",
                        o["kind"], o["metadata"]["namespace"]
                    ));
                }
            }
            if binding["roleRef"]["kind"] != role["kind"]
                || binding["roleRef"]["name"] != role["metadata"]["name"]
                || s(binding, &["roleRef", "apiGroup"]) != "rbac.authorization.k8s.io"
            {
                fail(format!(
                    "roleRef {} does not name the role",
                    binding["roleRef"]
                ));
            }
            let want_sa = match sas.first() {
                Some(sa) => s(sa, &["metadata", "name"]),
                None => "preexisting-sa",
            };
            let subjects = binding["subjects"].as_array().cloned().unwrap_or_default();
            if subjects.len() != 1
                || s(&subjects[0], &["kind"]) != "ServiceAccount"
                || s(&subjects[0], &["name"]) != want_sa
                || s(&subjects[0], &["namespace"]) != NAMESPACE
            {
                fail(format!(
                    "subjects {} are not the ServiceAccount {want_sa} in {NAMESPACE}",
                    binding["subjects"]
                ));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problem(s):\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert_eq!(
        scopes,
        BTreeSet::from(["cluster", "namespace"]),
        "the charts cover both RBAC scopes"
    );
    eprintln!(
        "helm template: {} charts x 4 value sets, {manifests} manifests valid against the Kubernetes schemas, {:.1} s",
        charts.len(),
        start.elapsed().as_secs_f64()
    );
}

/// What the API server checks beyond the schemas and would reject: the
/// name's syntax (a DNS subdomain, or a path segment for RBAC objects) and
/// the labels' keys and values.
fn metadata_errors(o: &Value) -> Vec<String> {
    fn dns_subdomain(s: &str) -> bool {
        (1..=253).contains(&s.len())
            && s.split('.').all(|l| {
                !l.is_empty()
                    && l.bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                    && !l.starts_with('-')
                    && !l.ends_with('-')
            })
    }
    fn label_name(s: &str) -> bool {
        s.len() <= 63
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
            && s.bytes().next().is_none_or(|b| b.is_ascii_alphanumeric())
            && s.bytes().last().is_none_or(|b| b.is_ascii_alphanumeric())
    }
    let kind = s(o, &["kind"]);
    let name = s(o, &["metadata", "name"]);
    let mut errors = Vec::new();
    let name_ok = if RBAC_KINDS.contains(&kind) {
        !name.is_empty() && name != "." && name != ".." && !name.contains(['/', '%'])
    } else {
        dns_subdomain(name)
    };
    if !name_ok {
        errors.push(format!("{kind} name {name:?} is not valid"));
    }
    if let Some(labels) = o["metadata"]["labels"].as_object() {
        for (k, v) in labels {
            let (prefix, key) = k.rsplit_once('/').unwrap_or(("", k));
            let key_ok =
                !key.is_empty() && label_name(key) && (prefix.is_empty() || dns_subdomain(prefix));
            if !key_ok || !v.as_str().is_some_and(label_name) {
                errors.push(format!("{kind}/{name}: label {k}: {v} is not valid"));
            }
        }
    }
    errors
}

/// A chart made by `gen new` and `gen build` in a temporary project.
fn fresh_chart() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    for args in [&["new", "demo"][..], &["build"]] {
        let o = Command::new(env!("CARGO_BIN_EXE_gen"))
            .arg("--root")
            .arg(dir.path())
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "gen {args:?}: {}", text(&o));
    }
    let chart = dir.path().join("charts/demo");
    (dir, chart)
}

#[test]
fn lint_fails_on_a_broken_chart() {
    if !components() {
        return;
    }
    let (_dir, chart) = fresh_chart();
    let lint = |chart: &PathBuf| lint(std::slice::from_ref(chart));
    let Some(o) = lint(&chart) else { return };
    assert!(
        o.status.success(),
        "a fresh chart lints clean:\n{}",
        text(&o)
    );

    let write = |rel: &str, body: &str| std::fs::write(chart.join(rel), body).unwrap();
    let original = std::fs::read_to_string(chart.join("Chart.yaml")).unwrap();

    // A template that does not parse.
    write("templates/broken.yaml", "{{ if }}\nkind: ConfigMap\n");
    let o = lint(&chart).unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(": ERROR: templates/"), "{out}");
    assert!(
        out.contains("templates/broken.yaml:1"),
        "Helm's text: {out}"
    );
    std::fs::remove_file(chart.join("templates/broken.yaml")).unwrap();

    // A Chart.yaml whose version is not SemVer.
    let bad: Vec<String> = original
        .lines()
        .map(|l| {
            if l.starts_with("version:") {
                "version: not-semver".to_string()
            } else {
                l.to_string()
            }
        })
        .collect();
    write("Chart.yaml", &bad.join("\n"));
    let o = lint(&chart).unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains(": ERROR: Chart.yaml"), "{out}");
    assert!(out.contains("not-semver"), "Helm's text: {out}");
    write("Chart.yaml", &original);

    // A values.yaml that is not YAML.
    write("values.yaml", "rbac: [unclosed\n");
    let o = lint(&chart).unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
}

#[test]
fn schema_validation_fails_on_an_invalid_manifest() {
    if !components() {
        return;
    }
    let (_dir, chart) = fresh_chart();
    std::fs::write(
        chart.join("templates/invalid.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: bad\n\
         rules:\n  - apiGroups: [\"\"]\n    resources: [pods]\n    verbs: get\n\
         ---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: bad\nautomount: true\n",
    )
    .unwrap();
    let o = helm_py(
        &["template", "--json", "--validate"],
        std::slice::from_ref(&chart),
    )
    .output()
    .unwrap();
    let Some(o) = finished(o, "helm.py template") else {
        return;
    };
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    let r: Value = serde_json::from_slice(&o.stdout).unwrap();
    let errors: Vec<String> = r["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| s(o, &["source"]) == "demo/templates/invalid.yaml")
        .flat_map(|o| o["schema_errors"].as_array().unwrap().clone())
        .map(|e| e.as_str().unwrap().to_string())
        .collect();
    assert!(
        errors.iter().any(|e| e.contains("rules/0/verbs")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("'automount' was unexpected")),
        "{errors:?}"
    );
    // gen's own templates in the same rendering are valid.
    let others = r["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| s(o, &["source"]) != "demo/templates/invalid.yaml")
        .filter(|o| !o["schema_errors"].as_array().unwrap().is_empty())
        .count();
    assert_eq!(others, 0, "{}", r["objects"]);
}

/// vaultwarden's chart prints `workloadType` verbatim as the workload's
/// `kind:` (its values.yaml comment offers `deployment` and
/// `statefulset`), and renders the data volume only for the capitalized
/// kinds: real Helm on the collection's chart shows both, which the
/// spec's troubleshooting entry quotes the API server's error for. The
/// day the chart maps the value, this fails and the entry can go.
#[test]
fn vaultwarden_prints_a_lowercase_workload_type_as_its_kind() {
    let Some(collection) = common::collection() else {
        return;
    };
    let Some(helm) = common::real_helm() else {
        common::skip_or_fail("real Helm (python3 and the helm-sdkpy library under .tools/)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let chart = dir.path().join("vaultwarden");
    common::copy_tree(&collection.join("charts/vaultwarden"), &chart);
    for (value, claim) in [
        ("Deployment", true),
        ("deployment", false),
        ("statefulset", false),
    ] {
        let o = Command::new(&helm)
            .args(["template", "rel"])
            .arg(&chart)
            .args(["--set", &format!("workloadType={value}")])
            .output()
            .unwrap();
        assert!(o.status.success(), "{value}: {}", text(&o));
        let manifest = String::from_utf8(o.stdout).unwrap();
        let workload = manifest
            .split("\n---")
            .find(|d| d.contains("# Source: vaultwarden/templates/deployment.yaml"))
            .unwrap_or_else(|| panic!("{value}: {manifest}"));
        assert!(
            workload.lines().any(|l| l == format!("kind: {value}")),
            "{value}: {workload}"
        );
        let mounted = workload.contains("claimName:") || workload.contains("volumeClaimTemplates:");
        assert_eq!(mounted, claim, "{value}: {workload}");
    }
    let spec = std::fs::read_to_string(repo().join("specs/vaultwarden.yaml")).unwrap();
    assert!(
        spec.contains("no kind \"deployment\" is registered for version \"apps/v1\""),
        "the troubleshooting entry"
    );
}
