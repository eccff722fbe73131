//! Every generated Makefile target, run by real make with a fake `kubectl`
//! and `helm` on PATH that record their arguments. The commands must be well
//! formed for the release they are pointed at: the namespace and release
//! given on the make command line, the workload's labels, its container.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NS: &str = "ns-test";
const REL: &str = "rel-test";
const FAKE_POD: &str = "fake-pod-0";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Writes fake tools into `bin`: kubectl and helm log their argv (one call
/// per line, arguments separated by US characters) and print just enough
/// for the commands to go on; sleep returns at once.
fn fake_tools(bin: &Path, log: &Path) {
    std::fs::create_dir_all(bin).unwrap();
    let logger = |name: &str, reply: &str| {
        let script = format!(
            "#!/bin/sh\nline={name}\nfor a in \"$@\"; do line=\"$line$(printf '\\037')$a\"; done\nprintf '%s\\n' \"$line\" >> '{}'\n{reply}\nexit 0\n",
            log.display()
        );
        let path = bin.join(name);
        std::fs::write(&path, script).unwrap();
        Command::new("chmod").arg("+x").arg(&path).status().unwrap();
    };
    logger(
        "kubectl",
        &format!(
            // The release's own pods are fake-pod-0; a dependency's (another
            // release, e.g. the database) are dep-pod-0.
            "case \"$*\" in *instance={REL}*) P={FAKE_POD};; *) P=dep-pod-0;; esac\n\
             case \"$*\" in *jsonpath*metadata.name*|*-o\\ name*|*-oname*) echo \"$P\";; esac"
        ),
    );
    logger("helm", "");
    logger("sleep", "");
}

struct Call {
    tool: String,
    args: Vec<String>,
}

fn calls(log: &Path) -> Vec<Call> {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let mut parts = l.split('\u{1f}').map(str::to_string);
            Call {
                tool: parts.next().unwrap_or_default(),
                args: parts.collect(),
            }
        })
        .collect()
}

/// The value of `-n`/`--namespace` in `args`, if any.
fn namespace(args: &[String]) -> Option<String> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-n" || a == "--namespace" {
            return it.next().cloned();
        }
        if let Some(v) = a
            .strip_prefix("--namespace=")
            .or_else(|| a.strip_prefix("-n="))
        {
            return Some(v.to_string());
        }
    }
    None
}

/// The kubectl verb: the first argument that is neither a flag nor a flag's value.
fn verb(args: &[String]) -> Option<&str> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "-n" || a == "--namespace" || a == "--context" || a == "--kubeconfig" {
            it.next();
        } else if !a.starts_with('-') {
            return Some(a);
        }
    }
    None
}

/// Problems with one recorded call, for a chart whose main container is `container`.
fn check_call(call: &Call, container: &str, deps: &[&str]) -> Vec<String> {
    let mut problems = Vec::new();
    let a = &call.args;
    let joined = a.join(" ");
    if let Some(ns) = namespace(a) {
        if ns != NS {
            problems.push(format!("namespace {ns:?} instead of {NS:?}"));
        }
    }
    // Selectors name this release, or a dependency's release by its chart
    // name (the default release of a chart it depends on).
    for s in a
        .iter()
        .filter(|s| s.contains("app.kubernetes.io/instance="))
    {
        let instance = s
            .split("app.kubernetes.io/instance=")
            .nth(1)
            .and_then(|r| r.split(',').next())
            .unwrap_or("");
        if instance != REL && !deps.contains(&instance) {
            problems.push(format!(
                "selector {s:?} is neither for release {REL:?} nor a dependency"
            ));
        }
    }
    // API paths name their namespace themselves.
    let raw_ns = a.iter().find_map(|x| {
        x.split("/namespaces/")
            .nth(1)
            .map(|r| r.split('/').next().unwrap_or("").to_string())
    });
    if let Some(ns) = &raw_ns {
        if ns != NS {
            problems.push(format!("API path for namespace {ns:?} instead of {NS:?}"));
        }
    }
    if call.tool == "kubectl" {
        let cluster_wide = raw_ns.is_some()
            || a.iter().any(|x| x == "-A" || x == "--all-namespaces")
            || [
                "version",
                "api-resources",
                "api-versions",
                "cluster-info",
                "config",
                "auth",
                "explain",
            ]
            .contains(&verb(a).unwrap_or(""))
            || a.iter().any(|x| {
                [
                    "nodes",
                    "node",
                    "namespaces",
                    "namespace",
                    "ns",
                    "pv",
                    "persistentvolumes",
                    "storageclass",
                    "storageclasses",
                    "crd",
                    "crds",
                    "clusterrole",
                    "clusterroles",
                    "clusterrolebinding",
                    "clusterrolebindings",
                ]
                .contains(&x.as_str())
                    || x.starts_with("node/")
                    || x.starts_with("nodes/")
                    || x.starts_with("namespace/")
                    || x.starts_with("clusterrole")
            });
        if namespace(a).is_none() && !cluster_wide && !a.is_empty() {
            problems.push("no namespace (-n)".into());
        }
        if verb(a) == Some("exec") && a.iter().any(|x| x == FAKE_POD) {
            let c = a
                .iter()
                .position(|x| x == "-c" || x == "--container")
                .and_then(|i| a.get(i + 1))
                .cloned()
                .or_else(|| {
                    a.iter().find_map(|x| {
                        x.strip_prefix("--container=")
                            .or_else(|| x.strip_prefix("-c="))
                            .map(str::to_string)
                    })
                });
            match c {
                Some(c) if c == container => {}
                Some(c) => problems.push(format!(
                    "exec into container {c:?}, the workload's is {container:?}"
                )),
                None => problems.push(format!("exec into the workload pod without -c {container}")),
            }
        }
    }
    if call.tool == "helm"
        && a.first().is_some_and(|v| {
            [
                "upgrade",
                "install",
                "rollback",
                "status",
                "history",
                "get",
                "uninstall",
            ]
            .contains(&v.as_str())
        })
    {
        if namespace(a).is_none() {
            problems.push("helm without -n".into());
        }
        if !a
            .iter()
            .any(|x| x == REL || x.starts_with(&format!("{REL}-")))
            && a.first().is_some_and(|v| v != "get" || a.len() > 2)
        {
            problems.push(format!("helm {} not for release {REL:?}", a[0]));
        }
    }
    problems
        .into_iter()
        .map(|p| {
            format!(
                "{}: {p}\n      {}",
                call.tool,
                joined.chars().take(200).collect::<String>()
            )
        })
        .collect()
}

/// Runs one target with a deadline; returns whether it ended by itself.
fn run_target(dir: &Path, path_env: &str, target: &str) -> bool {
    let mut child = Command::new("make")
        .current_dir(dir)
        .args([
            "--no-print-directory",
            "-s",
            target,
            &format!("NAMESPACE={NS}"),
            &format!("RELEASE={REL}"),
            "TARGET=http://example.test",
            "QUERY=up",
        ])
        .env("PATH", path_env)
        .env("HOME", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(5) {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = child.kill();
    let _ = child.wait();
    false
}

#[test]
fn every_target_calls_kubectl_and_helm_for_the_right_release() {
    let (project, _) = chartgen::project::load(&root()).expect("shipped specs load");
    let work = tempfile::tempdir().unwrap();
    // A copy of what make needs: the Makefile, the fragments, the charts.
    for dir in ["make", "charts"] {
        copy_dir(&root().join(dir), &work.path().join(dir));
    }
    std::fs::copy(root().join("Makefile"), work.path().join("Makefile")).unwrap();
    let bin = work.path().join(".fakebin");
    let log = work.path().join("calls.log");
    fake_tools(&bin, &log);
    let path_env = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());

    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut targets, mut kubectl_calls, mut timeouts) = (0, 0, Vec::new());
    for f in &project.specs {
        let m = chartgen::model::chart_model(f);
        let deps: Vec<&str> = f.spec.depends_on.iter().map(|d| d.chart.as_str()).collect();
        for op in &m.operations {
            let _ = std::fs::remove_file(&log);
            targets += 1;
            if !run_target(work.path(), &path_env, &op.full_target) {
                timeouts.push(op.full_target.clone());
            }
            let recorded = calls(&log);
            kubectl_calls += recorded.iter().filter(|c| c.tool == "kubectl").count();
            let found: Vec<String> = recorded
                .iter()
                .flat_map(|c| check_call(c, &f.spec.workload.container, &deps))
                .collect();
            if !found.is_empty() {
                problems.insert(op.full_target.clone(), found);
            }
        }
    }
    eprintln!(
        "ran {targets} targets, {kubectl_calls} kubectl calls recorded, {} timed out",
        timeouts.len()
    );
    assert!(targets >= 39 * 15, "only {targets} targets");
    assert!(
        kubectl_calls > targets,
        "the fake kubectl was hardly called ({kubectl_calls})"
    );
    let report: Vec<String> = problems
        .iter()
        .map(|(t, p)| format!("{t}:\n    {}", p.join("\n    ")))
        .collect();
    assert!(
        problems.is_empty(),
        "{} target(s) with malformed calls:\n{}",
        problems.len(),
        report.join("\n")
    );
    assert!(
        timeouts.len() <= targets / 20,
        "too many targets hung: {timeouts:?}"
    );
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

#[test]
fn the_checker_catches_wrong_namespaces_and_containers() {
    let call = |tool: &str, args: &[&str]| Call {
        tool: tool.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
    };
    assert!(check_call(
        &call("kubectl", &["-n", NS, "logs", FAKE_POD, "-c", "db"]),
        "db",
        &[]
    )
    .is_empty());
    assert!(!check_call(
        &call("kubectl", &["-n", "default", "get", "pods"]),
        "db",
        &[]
    )
    .is_empty());
    assert!(!check_call(&call("kubectl", &["get", "pods"]), "db", &[]).is_empty());
    assert!(!check_call(
        &call("kubectl", &["-n", NS, "exec", FAKE_POD, "--", "sh"]),
        "db",
        &[]
    )
    .is_empty());
    assert!(!check_call(
        &call(
            "kubectl",
            &["-n", NS, "exec", FAKE_POD, "-c", "other", "--", "sh"]
        ),
        "db",
        &[]
    )
    .is_empty());
    assert!(!check_call(
        &call(
            "kubectl",
            &[
                "-n",
                NS,
                "get",
                "pod",
                "-l",
                "app.kubernetes.io/instance=prod"
            ]
        ),
        "db",
        &[]
    )
    .is_empty());
    assert!(!check_call(
        &call("helm", &["upgrade", "other", "charts/x", "-n", NS]),
        "db",
        &[]
    )
    .is_empty());
    assert!(check_call(
        &call("helm", &["upgrade", REL, "charts/x", "-n", NS]),
        "db",
        &[]
    )
    .is_empty());
    assert!(check_call(
        &call(
            "kubectl",
            &[
                "-n",
                NS,
                "get",
                "pod",
                "-l",
                "app.kubernetes.io/instance=postgresql"
            ]
        ),
        "db",
        &["postgresql"]
    )
    .is_empty());
    assert!(!check_call(
        &call(
            "kubectl",
            &["get", "--raw", "/api/v1/namespaces/default/pods"]
        ),
        "db",
        &[]
    )
    .is_empty());
}
