//! Every generated Makefile target, run by real make with a fake `kubectl`
//! and `helm` on PATH that record their arguments. The commands must be well
//! formed for the release they are pointed at: the namespace and release
//! given on the make command line, the workload's labels, its container.
//!
//! Each make runs in a process group of its own, and the whole group is
//! killed when the target is over its time, and after it anyway: a recipe
//! shell that loops (`until kubectl get pod ...; do sleep 5; done`) must not
//! outlive the test or write into the next target's log. Each target keeps
//! its own logs (make's output, the recorded calls) in the temporary folder,
//! which a failing test keeps and names.

use crate::common::repo as root;
use crate::common::stderr;
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const NS: &str = "ns-test";
const REL: &str = "rel-test";
const FAKE_POD: &str = "fake-pod-0";
/// A target still running after this long has hung: the fake tools answer
/// at once, and the slowest real target takes well under a second.
const TARGET_LIMIT: Duration = Duration::from_secs(10);

/// Targets allowed to hang under the fake tools, each with the reason. Any
/// other hang fails the test, and so does an entry here that no longer
/// hangs, so that the list stays exact. Empty: the fake kubectl answers
/// every wait loop of the shipped targets (keycloak-realm-export's wait
/// for the export pod's exit code hung until it did).
const ALLOWED_HANGS: &[(&str, &str)] = &[];

/// Writes fake tools into `bin`: kubectl and helm log their argv (one call
/// per line, arguments separated by US characters) into `log` (a fixed
/// path: some recipes run them with an emptied environment) and print just
/// enough for the commands to go on; sleep returns at once.
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
             case \"$*\" in *jsonpath*metadata.name*|*-o\\ name*|*-oname*) echo \"$P\";; esac\n\
             case \"$*\" in *jsonpath*terminated.exitCode*) echo 0;; esac\n\
             case \"$*\" in *jsonpath*status.conditions*) echo Complete;; esac"
        ),
    );
    logger("helm", "");
    logger("sleep", "");
}

/// Writes `make` into `bin`, before the real one on PATH: it appends the
/// chain of targets that led to it (`a-x -> a-y`: the targets of each
/// make above it, which it passes down in `GEN_MAKE_CHAIN`) to `log`, and
/// stops with exit 3 and "make stopped at depth N" where the chain is
/// deeper than `depth`, else runs the real make. GNU make has no depth
/// limit of its own: a recipe that calls make in a cycle runs one more
/// make and shell at each level until the machine gives out.
fn make_shim(bin: &Path, log: &Path, depth: usize) {
    std::fs::create_dir_all(bin).unwrap();
    let real = crate::common::tool("make").expect("GNU make (scripts/test installs it)");
    let script = format!(
        "#!/bin/sh\nt=\nfor a in \"$@\"; do\n  case $a in -* | *=*) ;; *) t=\"$t${{t:+ }}$a\" ;; esac\ndone\n\
         GEN_MAKE_CHAIN=\"${{GEN_MAKE_CHAIN:+$GEN_MAKE_CHAIN -> }}$t\"\nexport GEN_MAKE_CHAIN\n\
         printf '%s\\n' \"$GEN_MAKE_CHAIN\" >> '{}'\n\
         if [ \"${{MAKELEVEL:-0}}\" -ge {depth} ]; then\n  echo \"make stopped at depth {depth}\" >&2; exit 3\nfi\n\
         exec '{}' \"$@\"\n",
        log.display(),
        real.display()
    );
    let path = bin.join("make");
    std::fs::write(&path, script).unwrap();
    Command::new("chmod").arg("+x").arg(&path).status().unwrap();
}

/// The targets the recipe of `target` (of the Makefile in `dir`) calls
/// with `make`, as real make runs it: `make -n` prints the recipe with
/// make's variables expanded and runs nothing (the recipe calls plain
/// `make`, which `-n` does not run), the shell's own printf decodes the
/// command gen encodes in it (`eval "$(printf '%b' '...')"`), and a `make`
/// counts where it is a command, not a word of a string or a comment.
fn recipe_calls(dir: &Path, target: &str) -> Vec<String> {
    let o = Command::new("make")
        .args(["-n", "-s", "--no-print-directory", target])
        .current_dir(dir)
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(o.status.success(), "make -n {target}: {}", stderr(&o));
    let recipe = String::from_utf8(o.stdout).unwrap();
    let text = match recipe.find("eval \"$(printf '%b' '") {
        Some(at) => {
            let printf = recipe[at + "eval \"$(".len()..]
                .trim_end()
                .strip_suffix(")\"")
                .unwrap_or_else(|| panic!("{target}: the eval ends the recipe: {recipe}"));
            let o = Command::new("sh").args(["-c", printf]).output().unwrap();
            assert!(o.status.success(), "{target}: {printf}");
            format!(
                "{}\n{}",
                &recipe[..at],
                String::from_utf8(o.stdout).unwrap()
            )
        }
        None => recipe,
    };
    chartgen::spec::shell::commands(&text)
        .into_iter()
        .flat_map(|c| {
            let mut words = c.words.into_iter().map(|w| w.text).skip_while(|w| {
                w.split_once('=')
                    .is_some_and(|(n, _)| !n.is_empty() && !n.contains(['-', '$', '"']))
            });
            match words.next().as_deref() {
                Some("make") => words
                    .filter(|w| !w.starts_with('-') && !w.contains('='))
                    .collect(),
                _ => Vec::new(),
            }
        })
        .collect()
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

/// How one target's run ended.
struct Run {
    /// It ended by itself within [`TARGET_LIMIT`].
    finished: bool,
    /// Processes of its group still there after the group was killed.
    survivors: bool,
}

/// Sends `signal` to every process of the group `pgid`; whether any was
/// there.
fn signal_group(pgid: u32, signal: i32) -> bool {
    // SAFETY: kill(2) with a negative pid only sends a signal.
    unsafe { libc::kill(-(pgid as i32), signal) == 0 }
}

/// Runs one target as `make` in a process group of its own, with its output
/// in `logs/<target>.log` and the calls the fake tools record in `calls`
/// moved to `logs/<target>.calls`; kills the whole group when it is over
/// [`TARGET_LIMIT`], and after it in any case (a recipe's background jobs),
/// so nothing writes into the next target's calls.
fn run_target(
    dir: &Path,
    path_env: &str,
    calls: &Path,
    logs: &Path,
    target: &str,
    extra: &[String],
) -> Run {
    let log = std::fs::File::create(logs.join(format!("{target}.log"))).unwrap();
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
        .args(extra)
        .env("PATH", path_env)
        .env("HOME", dir)
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .unwrap();
    let pgid = child.id();
    let start = Instant::now();
    let mut finished = false;
    while start.elapsed() < TARGET_LIMIT {
        if child.try_wait().unwrap().is_some() {
            finished = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    signal_group(pgid, libc::SIGKILL);
    let _ = child.wait();
    // The killed processes are gone once their new parent reaps them.
    let gone_by = Instant::now() + Duration::from_secs(5);
    while signal_group(pgid, 0) && Instant::now() < gone_by {
        std::thread::sleep(Duration::from_millis(10));
    }
    let survivors = signal_group(pgid, 0);
    let kept = logs.join(format!("{target}.calls"));
    if std::fs::rename(calls, &kept).is_err() {
        // No call recorded.
        std::fs::write(&kept, "").unwrap();
    }
    Run {
        finished,
        survivors,
    }
}

#[test]
fn every_target_calls_kubectl_and_helm_for_the_right_release() {
    let project = shipped_project();
    let TargetsWork {
        work,
        bin,
        logs,
        calls_log,
    } = targets_work();
    // Real make behind a shim that logs each make, a target's own and any
    // its recipe runs, with the chain of targets that led to it: a target
    // that came back to itself would show in its chain.
    let make_log = work.path().join("make.log");
    make_shim(&bin, &make_log, 8);
    let path_env = path_with(&bin);

    let mut problems: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let (mut targets, mut kubectl_calls, mut hangs) = (0, 0, Vec::new());
    for f in &project.specs {
        let m = chartgen::model::chart_model(f);
        let deps: Vec<&str> = f.spec.depends_on.iter().map(|d| d.chart.as_str()).collect();
        for op in &m.operations {
            targets += 1;
            let run = run_target(
                work.path(),
                &path_env,
                &calls_log,
                &logs,
                &op.full_target,
                &[],
            );
            if run.survivors {
                problems
                    .entry(op.full_target.clone())
                    .or_default()
                    .push("processes of its group survived SIGKILL".into());
            }
            if !run.finished {
                hangs.push(op.full_target.clone());
            }
            let recorded = calls(&logs.join(format!("{}.calls", op.full_target)));
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
    let chains = std::fs::read_to_string(&make_log).unwrap_or_default();
    let (nested, top): (Vec<&str>, Vec<&str>) = chains.lines().partition(|c| c.contains(" -> "));
    assert_eq!(
        top.len(),
        targets,
        "the make shim saw every target:\n{chains}"
    );
    for chain in &nested {
        let names: Vec<&str> = chain.split(" -> ").collect();
        let first = names[0].to_string();
        let repeats = names
            .iter()
            .enumerate()
            .any(|(i, n)| names[..i].contains(n));
        if repeats {
            problems
                .entry(first)
                .or_default()
                .push(format!("make ran a target inside itself: {chain}"));
        }
    }
    eprintln!(
        "ran {targets} targets, {kubectl_calls} kubectl calls recorded, {} hung: {hangs:?}; \
         {} make calls from a recipe: {nested:?}",
        hangs.len(),
        nested.len()
    );
    for hang in &hangs {
        if !ALLOWED_HANGS.iter().any(|(t, _)| t == hang) {
            problems.entry(hang.clone()).or_default().push(format!(
                "still running after {TARGET_LIMIT:?}; fix the target or the fake tools, \
                 or add it to ALLOWED_HANGS with the reason"
            ));
        }
    }
    for (allowed, why) in ALLOWED_HANGS {
        if !hangs.iter().any(|h| h == allowed) {
            problems
                .entry(allowed.to_string())
                .or_default()
                .push(format!(
                    "in ALLOWED_HANGS ({why}) but it no longer hangs: remove it"
                ));
        }
    }
    let report: Vec<String> = problems
        .iter()
        .map(|(t, p)| format!("{t}:\n    {}", p.join("\n    ")))
        .collect();
    let kept = if problems.is_empty() {
        None
    } else {
        Some(work.keep())
    };
    assert!(targets >= 39 * 15, "only {targets} targets");
    assert!(
        kubectl_calls > targets,
        "the fake kubectl was hardly called ({kubectl_calls})"
    );
    assert!(
        problems.is_empty(),
        "{} target(s) with problems (logs per target kept in {}):\n{}",
        problems.len(),
        kept.unwrap_or_default().join("logs").display(),
        report.join("\n")
    );
}

/// kubectl verbs that change the cluster; a restore may run them only once
/// its archive has proved whole.
const CHANGING_VERBS: &[&str] = &[
    "scale", "exec", "delete", "apply", "run", "patch", "rollout", "create", "annotate", "cp",
];

/// Every restore target that streams a `.tar.gz` into a volume (`tar -xzf
/// -`), given a truncated archive (FILE=, and BLOBS= for harbor's blobs;
/// the age-encrypted ones fail to decrypt it), stops before its first call
/// that changes the cluster: before it stops the app, starts a helper pod
/// or clears the volume. `test -s` alone let a cut-off archive through, and
/// the target removed the data it could not restore.
#[test]
fn a_restore_target_given_a_truncated_archive_changes_nothing() {
    let project = shipped_project();
    let TargetsWork {
        work,
        bin,
        logs,
        calls_log,
    } = targets_work();
    let path_env = path_with(&bin);
    // A real gzip stream of a tar, cut after its first 40 bytes.
    let whole = work.path().join("whole.tar.gz");
    let made = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "cd '{}' && printf x > db && tar -czf '{}' db",
            work.path().display(),
            whole.display()
        ))
        .status()
        .unwrap();
    assert!(made.success());
    let cut = work.path().join("cut.tar.gz");
    std::fs::write(&cut, &std::fs::read(&whole).unwrap()[..40]).unwrap();
    let extra = [
        format!("FILE={}", cut.display()),
        format!("BLOBS={}", cut.display()),
        format!("BACKUP_DIR={}", work.path().join("backups").display()),
        format!("AGE_KEY_FILE={}", work.path().join("no-key").display()),
        "DB_HOST=db.example.test".to_string(),
    ];
    let (mut checked, mut problems) = (Vec::new(), Vec::new());
    for f in &project.specs {
        for op in &chartgen::model::chart_model(f).operations {
            if !op.command.contains("-xzf -") {
                continue;
            }
            checked.push(op.full_target.clone());
            run_target(
                work.path(),
                &path_env,
                &calls_log,
                &logs,
                &op.full_target,
                &extra,
            );
            for c in calls(&logs.join(format!("{}.calls", op.full_target))) {
                let v = verb(&c.args).unwrap_or_default();
                if c.tool == "helm" || CHANGING_VERBS.contains(&v) {
                    problems.push(format!(
                        "{}: {} {}",
                        op.full_target,
                        c.tool,
                        c.args.join(" ")
                    ));
                }
            }
        }
    }
    assert!(checked.len() >= 15, "only {checked:?}");
    assert!(
        problems.is_empty(),
        "changed the cluster with a truncated archive:\n{}",
        problems.join("\n")
    );
}

/// A recipe that loops in a shell of its own, as keycloak-realm-export's
/// wait did, ends with its whole group when the target is over its time;
/// before, only make was killed and the loop went on after the test.
#[test]
fn a_hung_target_is_killed_with_its_whole_process_group() {
    let work = tempfile::tempdir().unwrap();
    let logs = work.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let bin = work.path().join(".fakebin");
    let calls = work.path().join("calls.log");
    fake_tools(&bin, &calls);
    let marker = work.path().join("still-looping");
    std::fs::write(
        work.path().join("Makefile"),
        format!(
            "loop:\n\t@echo started; sh -c 'until false; do touch {m}; /bin/sleep 0.1; done' & \\\n\t until false; do /bin/sleep 0.1; done\n",
            m = marker.display()
        ),
    )
    .unwrap();
    let path_env = path_with(&bin);
    let start = Instant::now();
    let run = run_target(work.path(), &path_env, &calls, &logs, "loop", &[]);
    assert!(!run.finished);
    assert!(!run.survivors, "processes of the group survived");
    assert!(start.elapsed() < TARGET_LIMIT + Duration::from_secs(6));
    // Nothing touches the marker any more.
    std::thread::sleep(Duration::from_millis(200));
    let _ = std::fs::remove_file(&marker);
    std::thread::sleep(Duration::from_millis(500));
    assert!(!marker.exists(), "a recipe process outlived the kill");
    let log = std::fs::read_to_string(logs.join("loop.log")).unwrap();
    assert_eq!(log, "started\n");
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

/// Most guide steps call the chart's targets as plain `make <chart>-<target>`
/// (or `{{make}}` with neither `NAMESPACE=` nor `RELEASE=` given again): they
/// rely on the guide's "Before you start" block exporting both, since make
/// hands a recipe only exported variables. For every chart, the block with
/// the operator's namespace and release, run by bash, then a plain `make
/// <chart>-status` under real make: the recipe asks kubectl for that
/// namespace and release. The control, the same block with the two only
/// assigned, reaches the Makefile's defaults instead.
#[test]
fn a_plain_call_after_the_guides_block_targets_the_guides_release() {
    let project = shipped_project();
    let shell = GuideShell::new();
    // The `-n` and the release label of the status target's kubectl call.
    let status = |chart: &str, block: &str| {
        let (o, recorded) = shell.run(block, &format!("{chart}-status"));
        assert!(o.status.success(), "{chart}: {}", stderr(&o));
        let get = recorded
            .iter()
            .rfind(|c| c.tool == "kubectl" && verb(&c.args) == Some("get"))
            .unwrap_or_else(|| panic!("{chart}-status called no kubectl get"));
        let release = get
            .args
            .iter()
            .find_map(|a| a.split("app.kubernetes.io/instance=").nth(1))
            .map(|r| r.split(',').next().unwrap().to_string());
        (namespace(&get.args), release)
    };
    let mut checked = 0;
    for f in &project.specs {
        let chart = &f.spec.name;
        let block = chartgen::model::chart_model(f).env_block;
        let edited = block
            .replacen(
                "export NAMESPACE=default\n",
                &format!("export NAMESPACE={NS}\n"),
                1,
            )
            .replacen(
                &format!("export RELEASE={chart}\n"),
                &format!("export RELEASE={REL}\n"),
                1,
            );
        assert_ne!(
            edited, block,
            "{chart}: the block sets NAMESPACE and RELEASE"
        );
        assert_eq!(
            status(chart, &edited),
            (Some(NS.to_string()), Some(REL.to_string())),
            "{chart}"
        );
        if checked == 0 {
            // The block's marker of its release only assigned too: exported,
            // it would stop a call of the Makefile's default release.
            let assigned = edited
                .replacen("export NAMESPACE=", "NAMESPACE=", 1)
                .replacen("export RELEASE=", "RELEASE=", 1)
                .replacen("export GEN_FOR_RELEASE=", "GEN_FOR_RELEASE=", 1);
            assert_eq!(
                status(chart, &assigned),
                (Some("default".to_string()), Some(chart.to_string())),
                "{chart}: only assigned, make does not see them"
            );
        }
        checked += 1;
    }
    assert!(checked >= 30, "{checked}");
}

/// A guide step that points a chart's target at another release (a staging
/// copy, the new release of a side-by-side upgrade, a drill) runs after the
/// guide's block, which exports the operator's release's `FULLNAME`. The
/// target must act on the other release's objects, never the operator's:
/// `make jenkins-restore RELEASE="$RELEASE-staging"` once scaled the
/// operator's Jenkins to zero and emptied its home. Every such call of the
/// rendered guides, after the block with the operator's release, under real
/// make: no recorded kubectl or helm argument names the operator's full name,
/// and the target's prelude gives no variable that follows from the release
/// (`FULLNAME`, a spec's `DB_SECRET` of `$FULLNAME-secret`) the operator's
/// value, even where the target stops before it uses one.
#[test]
fn a_call_of_another_release_leaves_the_operators_objects_alone() {
    let project = shipped_project();
    let shell = GuideShell::new();
    let (mut ran, mut acted, mut derived_seen) = (0, 0, 0);
    for f in &project.specs {
        let chart = &f.spec.name;
        let block = guide_block(f);
        let operators = format!("{REL}-{chart}");
        // What the prelude gives them: for the operator's release, then
        // for each call's.
        let derived = release_derived(f);
        let probe = |args: &str| shell.probe(chart, &derived, &block, args);
        let own = probe("");
        for call in other_release_calls(&root().join("docs").join(chart), chart) {
            let (target, vars) = call.split_once(' ').unwrap();
            assert!(target.starts_with(&format!("{chart}-")), "{call}");
            for ((name, theirs), (_, mine)) in probe(vars).iter().zip(&own) {
                assert_ne!(
                    theirs, mine,
                    "`make {call}` after the guide's block: its {name} is the operator's"
                );
                derived_seen += usize::from(name != "FULLNAME");
            }
            let (o, recorded) = shell.run(&block, &call);
            let err = stderr(&o);
            assert!(
                !err.contains(STOPPED),
                "`make {call}` after the guide's block stopped: {err}"
            );
            ran += 1;
            acted += usize::from(!recorded.is_empty());
            for c in recorded {
                assert!(
                    !c.args.iter().any(|a| a.contains(&operators)),
                    "`make {call}` after the guide's block: {} {:?} names the operator's \
                     release's `{operators}`",
                    c.tool,
                    c.args
                );
            }
        }
    }
    // Jenkins' staging restore, pushgateway's new release, the drills;
    // immich's, nextcloud's and wordpress's drills with their DB_SECRET.
    assert!(ran >= 15 && acted >= 10, "{ran} calls, {acted} ran a tool");
    assert!(
        derived_seen >= 3,
        "{derived_seen} derived variables checked"
    );
}

/// What a chart's prelude says when it stops a call of another release
/// than the guide's block's.
const STOPPED: &str = "the guide's block derived";

/// The guide's "before you start" block of `f`'s chart, for the operator's
/// release `REL`.
fn guide_block(f: &chartgen::spec::SpecFile) -> String {
    let chart = &f.spec.name;
    chartgen::model::chart_model(f).env_block.replacen(
        &format!("export RELEASE={chart}\n"),
        &format!("export RELEASE={REL}\n"),
        1,
    )
}

/// An operator who ran a guide's block and then types a target by hand
/// for another release (`make jenkins-restore RELEASE=jenkins-staging`)
/// would act with the block's `FULLNAME`, the operator's release's. Under
/// real bash and make, for every chart: that call stops before any
/// kubectl or helm, with one line that names both releases and what to
/// pass; passing that runs it for the other release and names none of the
/// operator's objects; the block's own release runs, with a `FULLNAME` set
/// by hand in the block kept; and without a block (CI, cron) another
/// release runs as before.
#[test]
fn a_hand_typed_call_of_another_release_after_the_block_stops() {
    let project = shipped_project();
    let shell = GuideShell::new();
    let args = |c: &[Call]| c.iter().map(|c| c.args.join(" ")).collect::<Vec<_>>();
    for f in &project.specs {
        let chart = &f.spec.name;
        let block = guide_block(f);
        // The block's own calls (it looks up the pod), which every run records.
        let (o, own_calls) = shell.run(&block, "--version");
        assert!(o.status.success(), "{chart}: {}", stderr(&o));
        let status = format!("{chart}-status");
        let other = format!("other-{chart}");

        let (o, recorded) = shell.run(&block, &format!("{status} RELEASE={other}"));
        let err = stderr(&o);
        assert!(
            !o.status.success(),
            "{chart}: `make {status} RELEASE={other}` ran"
        );
        assert_eq!(
            args(&recorded),
            args(&own_calls),
            "{chart}: `make {status} RELEASE={other}` ran a tool: {err}"
        );
        let said = format!("{chart}: {STOPPED} FULLNAME");
        let releases = format!("for release {REL}, not {other}: run it again with RELEASE={other}");
        assert!(
            err.contains(&said) && err.contains(&releases) && err.trim_end().lines().count() == 2,
            "{chart}: the stop does not say what happened in one line:\n{err}"
        );
        // Its advice: pass what it names, and the call is the other release's.
        let pass = err
            .split_once(", or pass ")
            .and_then(|(_, rest)| rest.split_once(" to make"))
            .map(|(vars, _)| vars.to_string())
            .unwrap_or_else(|| panic!("{chart}: no `or pass ... to make` in:\n{err}"));
        assert!(pass.contains("GEN_FOR_RELEASE="), "{chart}: {pass}");
        let (o, recorded) = shell.run(&block, &format!("{status} RELEASE={other} {pass}"));
        assert!(o.status.success(), "{chart}: {}", stderr(&o));
        let theirs = &recorded[own_calls.len()..];
        assert!(
            !theirs.is_empty()
                && theirs.iter().all(|c| {
                    let a = c.args.join(" ");
                    a.contains(&format!("instance={other}")) && !a.contains(REL)
                }),
            "{chart}: `make {status} RELEASE={other} {pass}` ran {:?}",
            args(theirs)
        );

        // The block's own release, given or not, runs.
        for own in [String::new(), format!(" RELEASE={REL}")] {
            let (o, recorded) = shell.run(&block, &format!("{status}{own}"));
            assert!(o.status.success(), "{chart}{own}: {}", stderr(&o));
            assert!(
                recorded.len() > own_calls.len(),
                "{chart}{own}: ran no tool"
            );
        }
        // A FULLNAME the operator set by hand in the block, for a renamed
        // release, holds for that release.
        let renamed = block.replacen(
            "export FULLNAME\n",
            "FULLNAME=renamed-x\nexport FULLNAME\n",
            1,
        );
        assert_ne!(renamed, block, "{chart}: no `export FULLNAME` in the block");
        let names = ["FULLNAME".to_string()];
        assert_eq!(
            shell.probe(chart, &names, &renamed, ""),
            [("FULLNAME".to_string(), "renamed-x".to_string())]
        );
        // No block: another release runs as it always did.
        let (o, recorded) = shell.run("", &format!("{status} RELEASE={other}"));
        assert!(
            o.status.success(),
            "{chart} without the block: {}",
            stderr(&o)
        );
        assert!(
            !recorded.is_empty(),
            "{chart} without the block: ran no tool"
        );
    }
}

/// An operation that calls another of the chart's targets with `{{make}}`
/// runs it under real make, and `make -n` runs neither: the recipe calls
/// plain `make`, not `$(MAKE)`, which would make `make -n` run the whole
/// one-line recipe (GNU make runs a line that names `$(MAKE)` even then).
#[test]
fn an_operation_calling_another_target_runs_it_and_a_dry_run_runs_nothing() {
    let dir = crate::common::project();
    let spec = dir.path().join("specs/alpha.yaml");
    let text = std::fs::read_to_string(&spec).unwrap();
    let relay =
        "  - target: relay\n    group: backup\n    help: Back up into a folder of its own\n    \
                 run: |\n      {{make backup BACKUP_DIR=\"$BACKUP_DIR/relay\"}}\n";
    let text = text.replacen(
        "  - target: restore\n",
        &format!("{relay}  - target: restore\n"),
        1,
    );
    std::fs::write(&spec, text).unwrap();
    let o = crate::common::gen(dir.path(), &["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mk = std::fs::read_to_string(dir.path().join("make/alpha.mk")).unwrap();
    assert!(!mk.contains("$(MAKE)"), "{mk}");
    let make = |args: &[&str]| {
        let o = Command::new("make")
            .args(args)
            .current_dir(dir.path())
            .env_remove("MAKEFLAGS")
            .env_remove("BACKUP_DIR")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    };
    let made = dir.path().join("backups/alpha/relay");
    make(&["-n", "alpha-relay"]);
    assert!(!made.exists(), "make -n ran the recipe");
    make(&["-s", "alpha-relay"]);
    assert!(made.is_dir(), "alpha-relay did not run alpha-backup");
}

/// Two operations that call each other: `gen check` names the cycle at
/// the first one's call and `gen build` writes nothing. The Makefile gen
/// would render for them, under real make, recurses along the cycle,
/// ping, pong, ping, ..., until a `make` on PATH stops it at depth 12
/// ([`make_shim`]; without it nothing would).
#[test]
fn a_call_cycle_is_an_error_and_would_recurse_under_real_make() {
    const DEPTH: usize = 12;
    let dir = crate::common::project();
    let spec = dir.path().join("specs/alpha.yaml");
    let acyclic = std::fs::read_to_string(&spec).unwrap();
    let ops = "  - { target: ping, group: backup, help: Ping, run: '{{make pong}}' }\n  \
               - { target: pong, group: backup, help: Pong, run: 'make alpha-ping' }\n";
    let cyclic = acyclic.replacen(
        "  - target: restore\n",
        &format!("{ops}  - target: restore\n"),
        1,
    );
    std::fs::write(&spec, &cyclic).unwrap();
    let mk = dir.path().join("make/alpha.mk");
    let built = std::fs::read(&mk).unwrap();
    let line = cyclic
        .lines()
        .position(|l| l.contains("{{make pong}}"))
        .unwrap()
        + 1;
    for command in ["check", "build"] {
        let o = crate::common::gen(dir.path(), &[command]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{command}: {err}");
        assert!(
            err.contains(
                "error[make.cycle]: `make alpha-ping` calls itself: alpha-ping -> alpha-pong \
                 -> alpha-ping; make would run them one inside the other, without end"
            ) && err.contains(&format!("specs/alpha.yaml:{line}:")),
            "{command}: {err}"
        );
    }
    assert_eq!(std::fs::read(&mk).unwrap(), built, "gen build wrote");

    // The Makefile gen would write were it not for the check: the project
    // as it loads, with the cyclic spec parsed in place of its own.
    std::fs::write(&spec, &acyclic).unwrap();
    let (mut project, _) = crate::common::load(dir.path());
    let alpha = project
        .specs
        .iter()
        .position(|f| f.spec.name == "alpha")
        .unwrap();
    project.specs[alpha] = chartgen::spec::parse("specs/alpha.yaml", cyclic.as_bytes()).unwrap();
    let (outputs, _) = chartgen::project::generate(&project, &Default::default()).expect("renders");
    std::fs::write(&mk, &outputs.files["make/alpha.mk"]).unwrap();
    // What the recipes call, read from the Makefile as real make runs it
    // (as the shipped Makefiles are read below).
    let calls: BTreeMap<String, Vec<String>> = ["alpha-ping", "alpha-pong", "alpha-backup"]
        .map(|t| (t.to_string(), recipe_calls(dir.path(), t)))
        .into();
    assert_eq!(calls["alpha-ping"], ["alpha-pong"]);
    assert_eq!(
        first_cycle(&calls).as_deref(),
        Some("alpha-ping -> alpha-pong -> alpha-ping")
    );

    let bin = dir.path().join(".shim");
    let log = dir.path().join("make.log");
    make_shim(&bin, &log, DEPTH);
    let path_env = path_with(&bin);
    let mut child = Command::new(bin.join("make"))
        .args(["-s", "alpha-ping"])
        .current_dir(dir.path())
        .env("PATH", &path_env)
        .env_remove("MAKEFLAGS")
        .env_remove("MAKELEVEL")
        .env_remove("GEN_MAKE_CHAIN")
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pgid = child.id();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    signal_group(pgid, libc::SIGKILL);
    let o = child.wait_with_output().unwrap();
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(
        err.contains(&format!("make stopped at depth {DEPTH}")),
        "{err}"
    );
    let chains = std::fs::read_to_string(&log).unwrap();
    let expected: Vec<String> = (1..=DEPTH + 1)
        .map(|n| {
            (0..n)
                .map(|k| ["alpha-ping", "alpha-pong"][k % 2])
                .collect::<Vec<_>>()
                .join(" -> ")
        })
        .collect();
    assert_eq!(chains.lines().collect::<Vec<_>>(), expected, "{err}");
    eprintln!(
        "real make recursed along the cycle to depth {DEPTH} in {:?}",
        start.elapsed()
    );
}

/// No recipe of the shipped Makefiles calls, through any path of its
/// shell, a target that leads back to it: every chart target's recipe as
/// real make runs it ([`recipe_calls`]), the calls a graph, walked for a
/// cycle. The run of every target above shows what the fake tools reach;
/// this reads every branch.
#[test]
fn the_shipped_makefiles_call_no_target_in_a_cycle() {
    let mut targets: Vec<String> = Vec::new();
    for mk in std::fs::read_dir(root().join("make")).unwrap() {
        let text = std::fs::read_to_string(mk.unwrap().path()).unwrap();
        let phony = text
            .lines()
            .find_map(|l| l.strip_prefix(".PHONY: "))
            .unwrap();
        targets.extend(
            phony
                .split(' ')
                .filter(|t| !t.starts_with("help-"))
                .map(String::from),
        );
    }
    targets.sort();
    assert!(targets.len() >= 39 * 15, "only {} targets", targets.len());
    let calls: BTreeMap<String, Vec<String>> = std::thread::scope(|s| {
        let halves: Vec<_> = targets
            .chunks(targets.len().div_ceil(2))
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|t| (t.clone(), recipe_calls(&root(), t)))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves.into_iter().flat_map(|h| h.join().unwrap()).collect()
    });
    let edges: Vec<(&String, &String)> = calls
        .iter()
        .flat_map(|(from, to)| {
            to.iter()
                .filter(|t| calls.contains_key(*t))
                .map(move |t| (from, t))
        })
        .collect();
    assert_eq!(
        first_cycle(&calls),
        None,
        "a cycle of make calls in the shipped Makefiles"
    );
    eprintln!(
        "{} targets' recipes read under make -n, {} calls of a target: {edges:?}",
        calls.len(),
        edges.len()
    );
}

/// The first cycle of `calls` (target -> the targets its recipe calls),
/// as `a -> b -> a`: depth first from each target in order, a target met
/// again on the way closes one.
fn first_cycle(calls: &BTreeMap<String, Vec<String>>) -> Option<String> {
    fn walk<'a>(
        calls: &'a BTreeMap<String, Vec<String>>,
        path: &mut Vec<&'a str>,
        done: &mut std::collections::BTreeSet<&'a str>,
    ) -> Option<String> {
        let at = *path.last().expect("a start");
        for next in calls.get(at).into_iter().flatten() {
            if let Some(i) = path.iter().position(|p| p == next) {
                return Some(format!("{} -> {next}", path[i..].join(" -> ")));
            }
            if calls.contains_key(next) && !done.contains(next.as_str()) {
                path.push(next);
                if let Some(c) = walk(calls, path, done) {
                    return Some(c);
                }
                path.pop();
            }
        }
        done.insert(at);
        None
    }
    let mut done = std::collections::BTreeSet::new();
    calls
        .keys()
        .find_map(|t| walk(calls, &mut vec![t.as_str()], &mut done))
}

/// `FULLNAME`, then the spec's variables whose default reads the release
/// or a variable before them in this list: what the guide's block exports
/// for the operator's release.
fn release_derived(f: &chartgen::spec::SpecFile) -> Vec<String> {
    let mut out = vec!["FULLNAME".to_string()];
    let reads = |d: &str, out: &[String]| {
        std::iter::once("RELEASE")
            .chain(out.iter().map(String::as_str))
            .any(|n| d.contains(&format!("${n}")) || d.contains(&format!("${{{n}}}")))
    };
    while let Some(v) = f
        .spec
        .variables
        .iter()
        .find(|v| !out.contains(&v.name) && reads(&v.default, &out))
    {
        out.push(v.name.clone());
    }
    out
}

/// The `make <chart>-...` calls of a chart's rendered guides that pass a
/// `RELEASE=` other than the operator's, without `make` and cut before a
/// pipe of the line's, their continuation lines joined.
fn other_release_calls(docs: &Path, chart: &str) -> Vec<String> {
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir(docs) else {
        return out;
    };
    let start = format!("make {chart}-");
    for page in dir.flatten() {
        let text = std::fs::read_to_string(page.path()).unwrap();
        let mut lines = text.lines().map(str::trim);
        while let Some(line) = lines.next() {
            let Some(at) = line.find(&start) else {
                continue;
            };
            let mut call = line[at + "make ".len()..].to_string();
            while call.ends_with('\\') {
                call.pop();
                call.push_str(lines.next().unwrap_or(""));
            }
            // A pipe of the line's, not of a `$(...)` in a value.
            let pipe = call
                .match_indices(" | ")
                .map(|(i, _)| i)
                .find(|&i| call[..i].matches('(').count() == call[..i].matches(')').count());
            let call = call[..pipe.unwrap_or(call.len())].to_string();
            if call.contains(" RELEASE=") && !call.contains(" RELEASE=\"$RELEASE\"") {
                out.push(call);
            }
        }
    }
    out
}

/// The root Makefile's cross-chart targets run several charts' targets:
/// `restore-immich` restores postgresql and redis first. A value meant for
/// one chart must reach no other, or `make restore-immich RELEASE=photos`
/// would restore PostgreSQL into release `photos`, and a guide block's
/// exported `FULLNAME` would point every chart at the block's objects.
/// Under real make, with the fake tools:
/// - a plain chart variable (`RELEASE=`) stops the run before any tool, and
///   says how to give it to one chart (`immich.RELEASE=`);
/// - after a guide's block, the run stops before any tool;
/// - an unknown `<chart>.VAR` stops it;
/// - the plan gives each chart, dependencies first, only its own values;
/// - every chart's `backup-<chart>`, run for real with a stale `RELEASE`
///   and `FULLNAME` in the environment, names only its own release.
#[test]
fn cross_chart_targets_give_each_chart_only_its_own_values() {
    let project = shipped_project();
    let shell = GuideShell::new();
    for f in &project.specs {
        let chart = &f.spec.name;
        let deps: Vec<&str> = f.spec.depends_on.iter().map(|d| d.chart.as_str()).collect();

        let (o, recorded) = shell.run("", &format!("restore-{chart} RELEASE={REL}"));
        let err = stderr(&o);
        assert!(
            !o.status.success() && recorded.is_empty(),
            "{chart}: `make restore-{chart} RELEASE={REL}` ran: {err}"
        );
        assert!(
            err.contains(&format!("e.g. {chart}.RELEASE='{REL}'")),
            "{chart}: the stop does not say how to give the release: {err}"
        );

        let block = guide_block(f);
        let (_, own_calls) = shell.run(&block, "--version");
        let (o, recorded) = shell.run(&block, &format!("restore-{chart}"));
        let err = stderr(&o);
        assert!(
            !o.status.success() && recorded.len() == own_calls.len(),
            "{chart}: `make restore-{chart}` after the guide's block ran: {err}"
        );
        assert!(
            err.contains(&format!("guide's block for release {REL}"))
                && err.contains(&format!("{chart}.RELEASE='{REL}'")),
            "{chart}: {err}"
        );

        let (o, recorded) = shell.run("", &format!("restore-{chart} {chart}.RELESE={REL}"));
        assert!(
            !o.status.success()
                && recorded.is_empty()
                && stderr(&o).contains(&format!("{chart}.RELESE: not a variable")),
            "{chart}: a misspelt variable ran: {}",
            stderr(&o)
        );

        // The plan: every dependency (restored first) with its own release.
        let given: String = deps
            .iter()
            .map(|d| format!(" {d}.RELEASE=rel-{d}"))
            .collect();
        let (o, recorded) = shell.run(
            "export RELEASE=stale-rel FULLNAME=stale-full DRY_RUN=yes NAMESPACE=env-ns",
            &format!("restore-{chart} {chart}.RELEASE={REL} {chart}.FILE=f.tar{given}"),
        );
        let plan = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success() && recorded.is_empty(),
            "{chart}: {}",
            stderr(&o)
        );
        let last = plan.lines().last().unwrap_or_default();
        assert_eq!(
            last,
            format!("would run: make {chart}-restore RELEASE='{REL}' FILE='f.tar'"),
            "{chart}: {plan}"
        );
        for d in &deps {
            let line = format!("would run: make {d}-restore RELEASE='rel-{d}'");
            assert!(
                plan.lines().any(|l| l == line),
                "{chart}: no `{line}` in the plan:\n{plan}"
            );
        }
        // What came from the environment is said: the chart variables it
        // ignores, a shared one it applies to all, and that a DRY_RUN from
        // there only prints the plan.
        let err = stderr(&o);
        assert!(
            err.contains("ignoring FULLNAME RELEASE from the environment")
                && err.contains("NAMESPACE='env-ns' from the environment apply to every chart")
                && err.contains("DRY_RUN='yes' from the environment: only the plan is printed"),
            "{chart}: {err}"
        );

        // For real: the chart's own release, none of the stale values.
        let (_, recorded) = shell.run(
            "export RELEASE=stale-rel FULLNAME=stale-full",
            &format!("backup-{chart} {chart}.RELEASE={REL} NAMESPACE={NS} AGE_RECIPIENT=age1test"),
        );
        let args: Vec<String> = recorded.iter().map(|c| c.args.join(" ")).collect();
        assert!(
            args.iter().any(|a| a.contains(REL)) && !args.iter().any(|a| a.contains("stale")),
            "{chart}: `make backup-{chart} {chart}.RELEASE={REL}` ran {args:?}"
        );
    }
}

/// A temporary copy of what make needs to run every target (the Makefile,
/// the chart fragments, the charts), the fake tools in `bin` logging into
/// `calls_log`, and an empty folder for each target's logs.
struct TargetsWork {
    work: tempfile::TempDir,
    bin: std::path::PathBuf,
    logs: std::path::PathBuf,
    calls_log: std::path::PathBuf,
}

/// `PATH` with the fake tools of `bin` first, for real make and its recipes.
fn path_with(bin: &std::path::Path) -> String {
    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap())
}

fn targets_work() -> TargetsWork {
    let work = tempfile::tempdir().unwrap();
    for dir in ["make", "charts"] {
        copy_dir(&root().join(dir), &work.path().join(dir));
    }
    std::fs::copy(root().join("Makefile"), work.path().join("Makefile")).unwrap();
    let bin = work.path().join(".fakebin");
    let logs = work.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let calls_log = work.path().join("calls.log");
    fake_tools(&bin, &calls_log);
    TargetsWork {
        work,
        bin,
        logs,
        calls_log,
    }
}

/// The shipped specs.
fn shipped_project() -> chartgen::project::Project {
    crate::common::shipped()
}

/// An operator's shell: a copy of the Makefiles, with the fake kubectl and
/// helm first on PATH and none of the guide's variables set.
struct GuideShell {
    work: tempfile::TempDir,
    log: std::path::PathBuf,
    path_env: String,
}

impl GuideShell {
    fn new() -> GuideShell {
        let work = tempfile::tempdir().unwrap();
        copy_dir(&root().join("make"), &work.path().join("make"));
        std::fs::copy(root().join("Makefile"), work.path().join("Makefile")).unwrap();
        let bin = work.path().join(".fakebin");
        let log = work.path().join("calls.log");
        fake_tools(&bin, &log);
        let path_env = path_with(&bin);
        GuideShell {
            work,
            log,
            path_env,
        }
    }

    /// The values the chart's prelude gives `names` after the guide's
    /// `block`, under real make with the command line's `vars`: a target
    /// of its own that prints them, in a makefile next to the Makefile.
    fn probe(
        &self,
        chart: &str,
        names: &[String],
        block: &str,
        vars: &str,
    ) -> Vec<(String, String)> {
        let printed: Vec<String> = names.iter().map(|n| format!("{n}=$${n}")).collect();
        let mk = format!(
            "include Makefile\nprobe-{chart}:\n\t@$({chart}_env) printf '%s\\n' {}\n",
            printed
                .iter()
                .map(|p| format!("\"{p}\""))
                .collect::<Vec<_>>()
                .join(" ")
        );
        let file = self.work.path().join("probe.mk");
        std::fs::write(&file, mk).unwrap();
        let (o, _) = self.run(block, &format!("-f probe.mk probe-{chart} {vars}"));
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            o.status.success(),
            "{chart} probe {vars}: {out}{}",
            stderr(&o)
        );
        let got: Vec<(String, String)> = out
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let got_names: Vec<&String> = got.iter().map(|(n, _)| n).collect();
        assert_eq!(got_names, names.iter().collect::<Vec<_>>(), "{out}");
        got
    }

    /// Runs a guide's `block`, then `make ARGS` under real make (stopped
    /// after 10 s): bash's output and the tools' calls.
    fn run(&self, block: &str, args: &str) -> (std::process::Output, Vec<Call>) {
        let _ = std::fs::remove_file(&self.log);
        let script = format!("set -e\n{block}\ntimeout 10 make --no-print-directory -s {args}\n");
        let o = Command::new("bash")
            .args(["-c", &script])
            .current_dir(self.work.path())
            .env("PATH", &self.path_env)
            .env("HOME", self.work.path())
            .env_remove("NAMESPACE")
            .env_remove("RELEASE")
            .env_remove("FULLNAME")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        (o, calls(&self.log))
    }
}

/// The opentelemetry-collector chart renders a Deployment for `mode:
/// deployment` and a DaemonSet, of the same name, for `mode: daemonset`:
/// the targets that name the workload take its kind from the release's
/// `mode` (`helm get values -a`), never a fixed `deployment`.
#[test]
fn collector_targets_name_the_workload_by_the_releases_mode() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&root().join("make"), &work.path().join("make"));
    std::fs::copy(root().join("Makefile"), work.path().join("Makefile")).unwrap();
    let bin = work.path().join(".fakebin");
    let log = work.path().join("calls.log");
    fake_tools(&bin, &log);
    // The fake helm answers the release's values with MODE.
    std::fs::write(
        bin.join("helm"),
        "#!/bin/sh\ncase \"$*\" in *' get values '*) printf '{\"mode\":\"%s\"}\\n' \"$MODE\" ;; esac\n",
    )
    .unwrap();
    let path_env = path_with(&bin);
    for mode in ["deployment", "daemonset"] {
        let _ = std::fs::remove_file(&log);
        let o = Command::new("make")
            .args([
                "--no-print-directory",
                "-s",
                "opentelemetry-collector-k8sattributes-check",
                &format!("NAMESPACE={NS}"),
                &format!("RELEASE={REL}"),
            ])
            .current_dir(work.path())
            .env("PATH", &path_env)
            .env("HOME", work.path())
            .env("MODE", mode)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{mode}: {}", stderr(&o));
        let named: Vec<String> = calls(&log)
            .into_iter()
            .filter(|c| c.tool == "kubectl" && c.args.iter().any(|a| a == "get"))
            .flat_map(|c| c.args)
            .filter(|a| a.ends_with("-opentelemetry-collector") && a.contains('/'))
            .collect();
        assert!(
            !named.is_empty() && named.iter().all(|a| a.starts_with(&format!("{mode}/"))),
            "{mode}: {named:?}"
        );
    }
}

/// A cluster of Deployments kept in files, behind a kubectl that scales,
/// annotates and answers the jsonpaths of the recorded stop and start
/// (`cluster_kubectl.sh`): `(dir, name)` at `count`, matching the label
/// selectors `sel` as written (and the release's own).
fn fake_cluster(workloads: &[(&str, &str, &[&str])]) -> (tempfile::TempDir, String) {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&root().join("make"), &work.path().join("make"));
    std::fs::copy(root().join("Makefile"), work.path().join("Makefile")).unwrap();
    let bin = work.path().join(".fakebin");
    fake_tools(&bin, &work.path().join("other-calls.log"));
    let kubectl = bin.join("kubectl");
    std::fs::write(&kubectl, include_str!("cluster_kubectl.sh")).unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(&kubectl)
        .status()
        .unwrap();
    let state = work.path().join("cluster");
    for (name, count, sel) in workloads {
        let w = state.join(format!("Deployment_{name}"));
        std::fs::create_dir_all(&w).unwrap();
        std::fs::write(w.join("count"), format!("{count}\n")).unwrap();
        let mut lines: Vec<String> = sel.iter().map(|s| s.to_string()).collect();
        lines.push(format!("app.kubernetes.io/instance={REL}"));
        std::fs::write(w.join("sel"), lines.join("\n") + "\n").unwrap();
    }
    let path_env = path_with(&bin);
    (work, path_env)
}

/// Each workload's `name count [records]` in the fake cluster.
fn cluster_state(work: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(work.join("cluster")).unwrap() {
        let p = e.unwrap().path();
        if !p.is_dir() {
            continue;
        }
        let name = p.file_name().unwrap().to_string_lossy();
        let count = std::fs::read_to_string(p.join("count")).unwrap();
        let mut line = format!("{} {}", name.split_once('_').unwrap().1, count.trim());
        let mut records: Vec<String> = std::fs::read_dir(&p)
            .unwrap()
            .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|f| f.strip_prefix("a_").map(str::to_string))
            .collect();
        records.sort();
        for r in records {
            let v = std::fs::read_to_string(p.join(format!("a_{r}"))).unwrap();
            line.push_str(&format!(" {r}={}", v.trim()));
        }
        out.push(line);
    }
    out.sort();
    out
}

/// `make target` of the test release in `work` (its Makefile and make/),
/// quiet, with no stdin, and killed after 60 s.
fn make_in(work: &Path, target: &str) -> Command {
    let mut c = Command::new("timeout");
    c.args(["60", "make", "--no-print-directory", "-s", target])
        .arg(format!("NAMESPACE={NS}"))
        .arg(format!("RELEASE={REL}"))
        .current_dir(work)
        .env("HOME", work)
        .stdin(Stdio::null());
    c
}

/// Runs `make target` with `vars` in the fake cluster: its output.
fn cluster_make(work: &Path, path_env: &str, target: &str, vars: &[&str]) -> String {
    let o = make_in(work, target)
        .args(vars)
        .env("PATH", path_env)
        .env("STATE", work.join("cluster"))
        .output()
        .unwrap();
    let out = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
    assert!(o.status.success(), "make {target} {vars:?}: {out}");
    out
}

/// `make harbor-restore` started core and the registry with `REPLICAS`
/// (1) whatever they ran before. Now it starts each at the count it had;
/// `REPLICAS=0` (the guide's blob step, the rollback) keeps them stopped
/// and the record, also through a second run, for the guide's start;
/// `REPLICAS=N` still sets N. Jobservice, outside the stop's selector,
/// is left alone.
#[test]
fn harbor_restore_starts_core_and_registry_at_their_recorded_counts() {
    let both = "app.kubernetes.io/instance=rel-test,app.kubernetes.io/component in (core,registry)";
    let (work, path_env) = fake_cluster(&[
        ("rel-test-harbor-core", "2", &[both]),
        ("rel-test-harbor-registry", "3", &[both]),
        ("rel-test-harbor-jobservice", "1", &[]),
    ]);
    let dump = work.path().join("harbor-db-1.dump");
    std::fs::write(&dump, "dump").unwrap();
    let file = format!("FILE={}", dump.display());
    let vars = [file.as_str(), "SKIP_DB=1", "SKIP_BLOBS=1"];
    let out = cluster_make(work.path(), &path_env, "harbor-restore", &vars);
    let running = [
        "rel-test-harbor-core 2",
        "rel-test-harbor-jobservice 1",
        "rel-test-harbor-registry 3",
    ];
    assert_eq!(cluster_state(work.path()), running);
    let put = "replicas to put back: deployment/rel-test-harbor-core=2 \
deployment/rel-test-harbor-registry=3 ";
    assert!(out.contains(put), "{out}");
    let stopped = [
        "rel-test-harbor-core 0 HARBOR_REPLICAS=2",
        "rel-test-harbor-jobservice 1",
        "rel-test-harbor-registry 0 HARBOR_REPLICAS=3",
    ];
    for _ in 0..2 {
        cluster_make(
            work.path(),
            &path_env,
            "harbor-restore",
            &[&vars[..], &["REPLICAS=0"]].concat(),
        );
        assert_eq!(cluster_state(work.path()), stopped);
    }
    cluster_make(work.path(), &path_env, "harbor-restore", &vars);
    assert_eq!(cluster_state(work.path()), running);
    cluster_make(
        work.path(),
        &path_env,
        "harbor-restore",
        &[&vars[..], &["REPLICAS=4"]].concat(),
    );
    assert_eq!(
        cluster_state(work.path()),
        [
            "rel-test-harbor-core 4",
            "rel-test-harbor-jobservice 1",
            "rel-test-harbor-registry 4",
        ]
    );
}

/// `make keycloak-restore` started `KC_REPLICAS` (1) nodes whatever ran
/// before. Now it starts the node count its stop recorded; `KC_REPLICAS=0`
/// (the rollback) keeps Keycloak stopped and the record, also through a
/// second run; `KC_REPLICAS=N` sets N, also when nothing was recorded.
#[test]
fn keycloak_restore_starts_the_recorded_node_count() {
    let (work, path_env) = fake_cluster(&[("rel-test-keycloak", "3", &[])]);
    let cluster = work.path().join("cluster");
    std::fs::rename(
        cluster.join("Deployment_rel-test-keycloak"),
        cluster.join("StatefulSet_rel-test-keycloak"),
    )
    .unwrap();
    let dump = work.path().join("keycloak-db-1.dump");
    std::fs::write(&dump, "dump").unwrap();
    let file = format!("FILE={}", dump.display());
    let vars = [file.as_str(), "DB_HOST=db"];
    let restore = |extra: &[&str]| {
        let out = cluster_make(
            work.path(),
            &path_env,
            "keycloak-restore",
            &[&vars[..], extra].concat(),
        );
        (out, cluster_state(work.path()))
    };
    let (out, state) = restore(&[]);
    assert_eq!(state, ["rel-test-keycloak 3"]);
    let put = "replicas to put back: statefulset/rel-test-keycloak=3 ";
    assert!(out.contains(put), "{out}");
    for _ in 0..2 {
        let (_, state) = restore(&["KC_REPLICAS=0"]);
        assert_eq!(state, ["rel-test-keycloak 0 KC_NODES=3"]);
    }
    assert_eq!(restore(&[]).1, ["rel-test-keycloak 3"]);
    assert_eq!(restore(&["KC_REPLICAS=2"]).1, ["rel-test-keycloak 2"]);
    let (_, state) = restore(&["KC_REPLICAS=0"]);
    assert_eq!(state, ["rel-test-keycloak 0 KC_NODES=2"]);
    std::fs::remove_file(cluster.join("StatefulSet_rel-test-keycloak/a_KC_NODES")).unwrap();
    let (out, state) = restore(&["KC_REPLICAS=1"]);
    assert!(out.contains("replicas to put back: none recorded"), "{out}");
    assert_eq!(state, ["rel-test-keycloak 1"]);
}

/// keycloak's upgrade records the node count on the StatefulSet when it
/// stops the nodes (`gen.helm/KC_NODES`), and its scale-out removes the
/// record. An upgrade that failed in between (Helm had applied its one
/// node) left the record, and the rollback kept it: `make keycloak-restore
/// KC_REPLICAS=0` keeps a record, and `helm rollback` starts the old count
/// around it, so a later restore of a stopped Keycloak started that old
/// count. The guide's upgrade stop and rollback steps, each in a new shell,
/// with real make for the restore and a helm that rolls back to the
/// revision's replica count: after the failed upgrade the rollback ends
/// with the old count running and no record; after a completed upgrade it
/// goes back past the upgrade's two revisions, finds no record and keeps
/// Helm's count.
#[test]
fn keycloak_rollback_after_a_failed_upgrade_leaves_no_node_record() {
    let (work, path_env) = fake_cluster(&[("rel-test-keycloak", "3", &[])]);
    let cluster = work.path().join("cluster");
    let sts = cluster.join("StatefulSet_rel-test-keycloak");
    std::fs::rename(cluster.join("Deployment_rel-test-keycloak"), &sts).unwrap();
    let backups = work.path().join("backups");
    std::fs::create_dir(&backups).unwrap();
    std::fs::write(backups.join("keycloak-db-<pre-upgrade-ts>.dump"), "dump").unwrap();
    let project = shipped_project();
    let kc = &project
        .specs
        .iter()
        .find(|f| f.spec.name == "keycloak")
        .unwrap()
        .spec;
    let stop = kc
        .upgrade
        .strategies
        .iter()
        .flat_map(|s| &s.steps)
        .filter_map(|s| s.run.as_deref())
        .find(|r| r.contains("gen.helm/KC_NODES=") && r.contains("--replicas=0"))
        .expect("an upgrade step stops the nodes with a record");
    let rollback: Vec<&str> = kc
        .upgrade
        .rollback
        .iter()
        .filter_map(|s| s.run.as_deref())
        .collect();
    // Revisions as `tag/replicas`, the deployed one last; a rollback
    // applies the revision's count to the StatefulSet and, as Helm's
    // three-way merge does, leaves its other annotations alone.
    let helm = r#"helm() {
  case "$*" in
  *' history '*) n=0; sep=; printf '['
    for v in $REVS; do n=$((n + 1))
      printf '%s{"revision":%s,"app_version":"26.4.2"}' "$sep" "$n"; sep=,
    done
    echo ']' ;;
  *' get values '*) r=${*##*--revision }; r=${r%% *}
    v=$(echo "$REVS" | cut -d ' ' -f "$r")
    printf '{"image":{"tag":"%s"},"replicaCount":%s}\n' "${v%/*}" "${v#*/}" ;;
  *' rollback '*) v=$(echo "$REVS" | cut -d ' ' -f "$5")
    echo "${v#*/}" > "$STATE/StatefulSet_$RELEASE-keycloak/count"; echo "ROLLBACK $5" ;;
  *) echo "helm $*?" >&2; return 1 ;;
  esac
}
"#;
    let step = |revs: &str, script: &str| {
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!("set -eu\n{helm}{script}"))
            .current_dir(work.path())
            .env("PATH", &path_env)
            .env("HOME", work.path())
            .env("STATE", &cluster)
            .env("NAMESPACE", NS)
            .env("RELEASE", REL)
            .env("FULLNAME", "rel-test-keycloak")
            .env("BACKUP_DIR", &backups)
            .env("DB_HOST", "db")
            .env("REVS", revs)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(o.status.success(), "{script}\n{out}{}", stderr(&o));
        out
    };
    assert!(step("", stop).contains("replicas before the stop: statefulset/rel-test-keycloak=3"));
    assert_eq!(
        cluster_state(work.path()),
        ["rel-test-keycloak 0 KC_NODES=3"]
    );
    // The upgrade to one node failed: revision 2 runs the new image.
    std::fs::write(sts.join("count"), "1\n").unwrap();
    let failed = "26.0.6/3 26.4.2/1";
    let out: String = rollback.iter().map(|r| step(failed, r)).collect();
    assert!(out.contains("ROLLBACK 1\n"), "{out}");
    assert_eq!(cluster_state(work.path()), ["rel-test-keycloak 3"], "{out}");
    // A completed upgrade: one node, then the recorded count, no record.
    let done = "26.0.6/3 26.4.2/1 26.4.2/3";
    let out: String = rollback.iter().map(|r| step(done, r)).collect();
    assert!(out.contains("ROLLBACK 1\n"), "{out}");
    assert!(out.contains("replicas to put back: none recorded"), "{out}");
    assert_eq!(cluster_state(work.path()), ["rel-test-keycloak 3"], "{out}");
}

/// `make immich-restore-files` scaled the server to 0 and left it there.
/// Run alone it now leaves Immich as it found it: server and machine
/// learning at their counts, no record left behind.
#[test]
fn immich_restore_files_leaves_immich_running_at_its_counts() {
    let (work, path_env) = fake_cluster(&[
        ("rel-test-immich-server", "2", &[]),
        ("rel-test-immich-machine-learning", "1", &[]),
    ]);
    let files = work.path().join("files");
    std::fs::create_dir_all(files.join("library")).unwrap();
    std::fs::write(files.join("library/a.jpg"), "x").unwrap();
    let made = Command::new("sh")
        .arg("-c")
        .arg("tar -czf files.tar.gz library && tar -cf ../immich-20260101-000000.tar files.tar.gz")
        .current_dir(&files)
        .status()
        .unwrap();
    assert!(made.success());
    let file = format!(
        "FILE={}",
        work.path().join("immich-20260101-000000.tar").display()
    );
    let out = cluster_make(work.path(), &path_env, "immich-restore-files", &[&file]);
    assert_eq!(
        cluster_state(work.path()),
        [
            "rel-test-immich-machine-learning 1",
            "rel-test-immich-server 2"
        ]
    );
    assert!(out.contains("replicas before the stop: "), "{out}");
    let calls = std::fs::read_to_string(work.path().join("cluster/calls")).unwrap();
    let stop = calls.find("--replicas=0").expect(&calls);
    let unpack = calls.find("exec -i").expect(&calls);
    assert!(stop < unpack, "the files went in before the stop:\n{calls}");
}

/// kafka's rebuild stopped the forward MirrorMaker 2 and no later step
/// started it. Its steps, each in a new shell as an operator may run
/// them: the first stops and records the forward flow, a later one starts
/// the reverse flow, and the last stops that, deletes the forward flow's
/// read positions (offsets of the lost primary) on the backup cluster and
/// starts the forward flow at the count it had.
#[test]
fn kafka_rebuild_starts_the_forward_mirrormaker_again() {
    let (work, path_env) = fake_cluster(&[("mm2", "2", &[]), ("mm2-back", "0", &[])]);
    let project = shipped_project();
    let kafka = project
        .specs
        .iter()
        .find(|f| f.spec.name == "kafka")
        .unwrap();
    let rebuild = kafka
        .spec
        .restore
        .iter()
        .find(|r| r.id == "rebuild")
        .unwrap();
    let runs: Vec<&str> = rebuild
        .steps
        .iter()
        .filter_map(|s| s.run.as_deref())
        .collect();
    let step = |script: &str| {
        let o = Command::new("sh")
            .arg("-c")
            .arg(format!("set -eu\n{script}"))
            .current_dir(work.path())
            .env("PATH", &path_env)
            .env("STATE", work.path().join("cluster"))
            .env("NAMESPACE", NS)
            .env("MM2_DEPLOYMENT", "mm2")
            .env("MM2_REVERSE_DEPLOYMENT", "mm2-back")
            .env("FULLNAME", "rel-test-kafka")
            .env("SELECTOR", "app=kafka")
            .env("KAFKA_BIN", "/k/bin")
            .env("BACKUP_BOOTSTRAP", "backup:9092")
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(o.status.success(), "{script}\n{out}{}", stderr(&o));
        cluster_state(work.path())
    };
    assert_eq!(step(runs[0]), ["mm2 0 MM2_REPLICAS=2", "mm2-back 0"]);
    let reverse = runs
        .iter()
        .position(|r| r.contains("scale deployment \"$MM2_REVERSE_DEPLOYMENT\" \\\n  --replicas=1"))
        .expect("a step starts the reverse flow");
    assert_eq!(step(runs[reverse]), ["mm2 0 MM2_REPLICAS=2", "mm2-back 1"]);
    assert_eq!(step(runs.last().unwrap()), ["mm2 2", "mm2-back 0"]);
    // Neither flow starts before the other's pods, found by the labels
    // its Deployment selects, were waited for.
    let calls = std::fs::read_to_string(work.path().join("cluster/calls")).unwrap();
    let at = |call: &str| {
        calls
            .lines()
            .position(|l| l.contains(call))
            .unwrap_or_else(|| panic!("no call {call:?} in:\n{calls}"))
    };
    let gone = |d: &str| {
        at(&format!(
            "wait --for=delete pod --timeout=180s -l app={d},flow=mm2 "
        ))
    };
    assert!(gone("mm2") < at("scale deployment mm2-back --replicas=1"));
    assert!(gone("mm2-back") < at("scale deployment/mm2 --replicas=2"));
    // The forward flow's read positions, offsets of the lost primary, go
    // while neither flow runs, before the forward flow starts.
    let forget = at(
        "exec pod-0 -c kafka -- /k/bin/kafka-topics.sh --bootstrap-server \
backup:9092 --delete --topic mm2-offsets.primary.internal",
    );
    assert!(gone("mm2-back") < forget && forget < at("scale deployment/mm2 --replicas=2"));
}

/// vaultwarden's chart runs a StatefulSet or, in Deployment mode, a
/// Deployment (`workload.other_kinds`): `make vaultwarden-restart` asks
/// real kubectl, against the stub API of `scripts/helm.py`, to restart
/// both kinds by the release's labels. kubectl resolves both through the
/// API's discovery (a kind it does not know is an error before any list)
/// and lists each with the selector; the stub serves no lists, so the run
/// ends at the lists, which name what a cluster would have restarted.
#[test]
fn vaultwarden_restart_restarts_the_statefulset_or_the_deployment() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&root().join("make"), &work.path().join("make"));
    std::fs::copy(root().join("Makefile"), work.path().join("Makefile")).unwrap();
    let kubeconfig = work.path().join("kubeconfig");
    let stub = crate::common::StubApi::start(&kubeconfig, None);
    let o = make_in(work.path(), "vaultwarden-restart")
        .arg(format!(
            "KUBECTL=kubectl --kubeconfig {}",
            kubeconfig.display()
        ))
        .output()
        .unwrap();
    drop(stub);
    let said = stderr(&o);
    let sel = format!("app.kubernetes.io/name=vaultwarden,app.kubernetes.io/instance={REL}");
    for resource in ["statefulsets", "deployments"] {
        let listed = format!(
            "Unable to find \"apps/v1, Resource={resource}\" that match label selector \"{sel}\""
        );
        assert!(
            said.contains(&listed) && said.contains(&format!("/namespaces/{NS}/{resource}")),
            "{resource}: {said}"
        );
    }
    assert!(!said.contains("doesn't have a resource type"), "{said}");
}

/// `make jellyfin-backup` against a kubectl that answers its lookups:
/// `CLAIM` is the claim the Deployment mounts at /config, `TAR=ok` makes
/// the helper pod's tar stream an archive holding `data/jellyfin.db`.
/// Each step fails on its own line with what went wrong; a failure before
/// the stop stops nothing, one after it still deletes the helper pod and
/// scales Jellyfin back to its count.
#[test]
fn jellyfin_backup_fails_at_the_step_that_failed_and_starts_jellyfin_again() {
    let work = tempfile::tempdir().unwrap();
    copy_dir(&root().join("make"), &work.path().join("make"));
    std::fs::copy(root().join("Makefile"), work.path().join("Makefile")).unwrap();
    let bin = work.path().join(".fakebin");
    std::fs::create_dir_all(&bin).unwrap();
    let calls = work.path().join("calls");
    std::fs::write(
        bin.join("kubectl"),
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\ncase \"$*\" in\n\
             *'get deploy -l'*) echo deployment.apps/{REL}-jellyfin ;;\n\
             *volumeMounts*) echo config ;;\n\
             *claimName*) printf '%s' \"$CLAIM\" ;;\n\
             *'{{.spec.replicas}}'*) echo 2 ;;\n\
             *' exec '*) [ \"$TAR\" = ok ] || {{ echo 'tar: write error' >&2; exit 1; }}\n\
               d=$(mktemp -d); mkdir \"$d/data\"; : > \"$d/data/jellyfin.db\"\n\
               tar -czf - -C \"$d\" ./data; rm -rf \"$d\" ;;\n\
             *' apply '*) cat > /dev/null ;;\n\
             esac\nexit 0\n",
            calls.display()
        ),
    )
    .unwrap();
    Command::new("chmod")
        .arg("+x")
        .arg(bin.join("kubectl"))
        .status()
        .unwrap();
    let run = |claim: &str, tar: &str| {
        let _ = std::fs::remove_file(&calls);
        let o = make_in(work.path(), "jellyfin-backup")
            .env("PATH", path_with(&bin))
            .env("CLAIM", claim)
            .env("TAR", tar)
            .output()
            .unwrap();
        let said = format!("{}{}", String::from_utf8_lossy(&o.stdout), stderr(&o));
        let log = std::fs::read_to_string(&calls).unwrap_or_default();
        let scales: Vec<String> = log
            .lines()
            .filter(|l| l.contains(" scale ") || l.contains(" delete pod "))
            .map(|l| l.replace(&format!("-n {NS} "), ""))
            .collect();
        (o.status.success(), said, scales)
    };
    let dep = format!("deployment.apps/{REL}-jellyfin");
    let stop_and_start = vec![
        format!("scale {dep} --replicas=0"),
        format!("delete pod {REL}-backup --ignore-not-found --wait=true"),
        format!("scale {dep} --replicas=2"),
    ];

    // No claim at /config: said so, and Jellyfin never stopped.
    let (ok, said, scales) = run("", "ok");
    assert!(!ok, "{said}");
    assert!(
        said.contains(&format!("{dep} mounts no claim at /config")),
        "{said}"
    );
    assert!(scales.is_empty(), "{scales:?}");

    // The copy fails: said so, the partial file kept, Jellyfin started.
    let (ok, said, scales) = run("jellyfin-config", "no");
    assert!(!ok, "{said}");
    assert!(said.contains("tar: write error"), "{said}");
    assert!(
        said.contains("backup failed, kept backups/jellyfin/jellyfin-"),
        "{said}"
    );
    assert_eq!(scales, stop_and_start, "{said}");

    // It works: the archive under its own name, Jellyfin at its count.
    let (ok, said, scales) = run("jellyfin-config", "ok");
    assert!(ok, "{said}");
    assert_eq!(scales, stop_and_start, "{said}");
    let wrote = said
        .lines()
        .find_map(|l| l.strip_prefix("wrote "))
        .unwrap_or_else(|| panic!("{said}"));
    let listed = Command::new("tar")
        .arg("-tzf")
        .arg(work.path().join(wrote))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&listed.stdout).contains("./data/jellyfin.db"),
        "{said}"
    );
    assert!(!std::path::Path::new(&format!("{}.part", work.path().join(wrote).display())).exists());
}
