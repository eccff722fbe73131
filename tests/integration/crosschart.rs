//! Cross-chart facts: restore order, tiers, the DR plan, coverage counts and
//! the orchestration targets run by real make.

use crate::common::fixture::Fixture;
use crate::common::project_with;
use chartgen::crosschart::{coverage, dr_plan, restore_order, tiers};
use chartgen::model::chart_model;
use chartgen::spec::{self, SpecFile};
use std::path::Path;
use std::process::Command;

/// A chart of the graph: `deps` first, its full restore taking `restore`.
fn fixture(name: &str, deps: &[&str], restore: &str) -> Fixture {
    Fixture::new(name)
        .depends_on(deps)
        .restore_duration(restore)
}

fn parsed(name: &str, deps: &[&str], restore: &str) -> SpecFile {
    spec::parse(
        &format!("specs/{name}.yaml"),
        fixture(name, deps, restore).yaml().as_bytes(),
    )
    .unwrap()
}

/// app -> (db, cache); cache -> db; web -> app; solo alone.
fn graph() -> Vec<SpecFile> {
    vec![
        parsed("web", &["app"], "10m"),
        parsed("app", &["db", "cache"], "20m"),
        parsed("cache", &["db"], "5m"),
        parsed("db", &[], "45m"),
        parsed("solo", &[], "50m"),
    ]
}

#[test]
fn restore_order_puts_dependencies_first() {
    let files = graph();
    let specs: Vec<&spec::Spec> = files.iter().map(|f| &f.spec).collect();
    assert_eq!(restore_order(&specs), ["db", "solo", "cache", "app", "web"]);
    let t = tiers(&specs);
    assert_eq!(
        (t["db"], t["solo"], t["cache"], t["app"], t["web"]),
        (1, 1, 2, 3, 4)
    );
}

#[test]
fn dr_plan_times_tiers_in_parallel_and_in_sequence() {
    let models: Vec<_> = graph().iter().map(chart_model).collect();
    let plan = dr_plan(&models);
    // Tier maxima: 50m + 5m + 20m + 10m = 85m; all in a row: 130m.
    assert_eq!(plan.parallel_total, "1 hour 25 minutes");
    assert_eq!(plan.sequential_total, "2 hours 10 minutes");
    assert_eq!(plan.slowest_rto, "1 hour");
    assert!(!plan.parallel_within_slowest_rto);
    assert_eq!(plan.tiers[0].charts, ["db", "solo"]);
    assert_eq!(plan.charts[0].full_restore_anchor, "todo-full-restore");
    assert_eq!(plan.charts[0].last_drill, "never");
}

/// The project at `root`, loaded without chart facts, and its outputs.
fn generated(root: &std::path::Path) -> (chartgen::project::Project, chartgen::output::Outputs) {
    let (project, _) = crate::common::load(root);
    let (outputs, _) = chartgen::project::generate(&project, &Default::default()).unwrap();
    (project, outputs)
}

#[test]
fn coverage_counts_what_is_really_there() {
    let dir = project_with(&graph_sources());
    let (project, outputs) = generated(dir.path());
    let models: Vec<_> = project.specs.iter().map(chart_model).collect();
    let cov = coverage(&models, &outputs);
    assert_eq!(cov.total, 5);
    // The scaffold documents no backup/upgrade values and has 16 targets.
    let enhanced = &cov.totals[0];
    assert_eq!((enhanced.1, enhanced.2), (0, 0));
    let values = cov
        .totals
        .iter()
        .find(|t| t.0 == "Values documentation")
        .unwrap();
    assert_eq!(values.1, 0);
    let guides = cov.totals.iter().find(|t| t.0 == "Backup guide").unwrap();
    assert_eq!((guides.1, guides.2), (5, 100));
    assert!(cov.rows.iter().all(|r| r.targets == 16 && r.enough_targets));
    // Every chart has a row in "Drilled procedures", also "solo", which has
    // no drill record at all: its procedures count as not drilled.
    let mut drilled: Vec<&str> = cov.drills.iter().map(|d| d.name.as_str()).collect();
    drilled.sort_unstable();
    assert_eq!(drilled, ["app", "cache", "db", "solo", "web"]);
    for d in &cov.drills {
        assert_eq!((d.drilled, d.partly), (0, 0), "{d:?}");
        assert_eq!(d.cannot + d.not_drilled, d.procedures, "{d:?}");
    }
    let page = String::from_utf8(outputs.files["docs/coverage.md"].clone()).unwrap();
    let solo = cov.drills.iter().find(|d| d.name == "solo").unwrap();
    assert!(solo.not_drilled > 0, "{solo:?}");
    let row = format!(
        "| solo | {} | 0 | 0 | {} | {} |",
        solo.procedures, solo.cannot, solo.not_drilled
    );
    assert!(page.contains(&row), "{page}");

    // Document one backup and one upgrade value in "db": it becomes enhanced.
    let db = fixture("db", &[], "45m")
        .value("backup.enabled", false.into(), "Run backups")
        .value("upgrade.backupFirst", true.into(), "Back up first");
    std::fs::write(dir.path().join("specs/db.yaml"), db.yaml()).unwrap();
    let (project, outputs) = generated(dir.path());
    let models: Vec<_> = project.specs.iter().map(chart_model).collect();
    let cov = coverage(&models, &outputs);
    assert_eq!((cov.totals[0].1, cov.totals[0].2), (1, 20));
    let page = String::from_utf8(outputs.files["docs/coverage.md"].clone()).unwrap();
    assert!(
        page.contains("| Enhanced (every part below) | 1/5 | 20% |"),
        "{page}"
    );
}

fn graph_sources() -> Vec<(String, String)> {
    [
        ("web", vec!["app"], "10m"),
        ("app", vec!["db", "cache"], "20m"),
        ("cache", vec!["db"], "5m"),
        ("db", vec![], "45m"),
        ("solo", vec![], "50m"),
    ]
    .into_iter()
    .map(|(n, d, r)| {
        let mut spec = fixture(n, &d, r);
        if n == "solo" {
            // One chart that records no drill at all.
            spec = spec.with(|s| {
                s.backup.components.iter_mut().for_each(|c| c.drill = None);
                s.restore.iter_mut().for_each(|r| r.drill = None);
            });
        }
        (n.to_string(), spec.yaml())
    })
    .collect()
}

/// The graph's project, built by the real `gen build`.
fn built_graph() -> tempfile::TempDir {
    built(&graph_sources())
}

/// A project of `sources`, built by the real `gen build`.
fn built(sources: &[(String, String)]) -> tempfile::TempDir {
    let dir = project_with(sources);
    let o = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(dir.path())
        .arg("build")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

/// Runs real make in `dir`: its standard output (see [`make_output`]).
fn make(dir: &Path, args: &[&str]) -> String {
    String::from_utf8(make_output(dir, args).stdout).unwrap()
}

#[test]
fn orchestration_targets_follow_the_graph_under_real_make() {
    let dir = built_graph();

    let plan = make(
        dir.path(),
        &["--no-print-directory", "restore-all", "DRY_RUN=1"],
    );
    let order: Vec<&str> = plan
        .lines()
        .map(|l| l.trim_start_matches("would run: make "))
        .collect();
    assert_eq!(
        order,
        [
            "db-restore",
            "solo-restore",
            "cache-restore",
            "app-restore",
            "web-restore"
        ],
        "{plan}"
    );

    let one = make(
        dir.path(),
        &["--no-print-directory", "restore-web", "DRY_RUN=1"],
    );
    let order: Vec<&str> = one
        .lines()
        .map(|l| l.trim_start_matches("would run: make "))
        .collect();
    assert_eq!(
        order,
        ["db-restore", "cache-restore", "app-restore", "web-restore"],
        "{one}"
    );

    let backups = make(
        dir.path(),
        &["--no-print-directory", "backup-all", "DRY_RUN=1"],
    );
    assert_eq!(backups.lines().count(), 5);

    // Without DRY_RUN the chart targets run (the scaffold's commands only
    // echo), each with its own variables.
    let ran = make(
        dir.path(),
        &[
            "--no-print-directory",
            "restore-cache",
            "db.FILE=db.tar",
            "cache.FILE=cache.tar",
        ],
    );
    let restored: Vec<&str> = ran
        .lines()
        .filter(|l| l.contains("TODO restore from"))
        .collect();
    assert_eq!(
        restored,
        ["TODO restore from db.tar", "TODO restore from cache.tar"],
        "{ran}"
    );

    let help = make(dir.path(), &["--no-print-directory", "help"]);
    assert!(help.contains("restore-<chart> [DRY_RUN=1]"));
    assert!(
        help.contains("backup-all | backup-<chart> | restore-all"),
        "{help}"
    );
    assert!(help.contains("db-backup"));
}

/// A value reaches the chart's targets as the same value typed on the
/// chart's own command line: `$$` is one `$` both ways (the chart's make
/// expanded it a second time, so `db.FILE='a$$b'` restored from `a`), and
/// the plan prints it as typed (it printed two spaces as one).
#[test]
fn cross_chart_values_reach_the_chart_as_typed() {
    let dir = built_graph();
    for typed in ["a$$b c.tar", "it's,#1.tar", "two  spaces.tar"] {
        let direct = make(
            dir.path(),
            &[
                "--no-print-directory",
                "db-restore",
                &format!("FILE={typed}"),
            ],
        );
        let cross = make(
            dir.path(),
            &[
                "--no-print-directory",
                "restore-db",
                &format!("db.FILE={typed}"),
            ],
        );
        assert_eq!(cross, direct, "db.FILE={typed}");
        assert!(
            direct.contains(&format!("TODO restore from {}", typed.replace("$$", "$"))),
            "{direct}"
        );
        let plan = make(
            dir.path(),
            &[
                "--no-print-directory",
                "restore-db",
                "DRY_RUN=1",
                &format!("db.FILE={typed}"),
            ],
        );
        let quoted = typed.replace('\'', r"'\''");
        assert_eq!(
            plan,
            format!("would run: make db-restore FILE='{quoted}'\n")
        );
    }
}

/// Runs real make in `dir`: its output, failing the test if make failed.
fn make_output(dir: &Path, args: &[&str]) -> std::process::Output {
    let o = Command::new("make")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("GNU make is installed (scripts/test installs it)");
    assert!(
        o.status.success(),
        "make {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// A cross-chart target's chart runs are recursive makes: `make -j4`
/// shares its job slots with them (without `+` each one warned "jobserver
/// unavailable" and ran serially), and `make -n` shows the charts' own
/// commands instead of only the `make <chart>-restore` lines.
#[test]
fn cross_chart_runs_are_recursive_makes() {
    let dir = built_graph();
    let files: Vec<String> = ["web", "app", "cache", "db", "solo"]
        .iter()
        .map(|c| format!("{c}.FILE={c}.tar"))
        .collect();
    let mut args = vec!["--no-print-directory", "-j4", "restore-all"];
    args.extend(files.iter().map(String::as_str));
    let o = make_output(dir.path(), &args);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!err.contains("jobserver"), "{err}");
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("TODO restore from"))
            .count(),
        5,
        "{out}"
    );

    let o = make_output(
        dir.path(),
        &["--no-print-directory", "-n", "restore-db", "db.FILE=db.tar"],
    );
    let out = String::from_utf8_lossy(&o.stdout);
    // Printed, not run: the chart's make got -n too.
    assert!(
        out.contains("TODO restore from") && !out.contains("TODO restore from db.tar"),
        "{out}"
    );
}

/// `PF_WAIT`, the port-forward snippet's timeout, is read by charts that
/// do not declare it (loki's, mimir's backups): it applies to every chart
/// like `NAMESPACE`, and `<chart>.PF_WAIT` gives one chart its own instead
/// of stopping as a variable the chart does not have.
#[test]
fn pf_wait_applies_to_every_chart_or_to_one() {
    let sources: Vec<(String, String)> = [("db", vec![]), ("cache", vec!["db"])]
        .into_iter()
        .map(|(n, d)| {
            let spec = fixture(n, &d, "5m").with(|s| {
                for op in s.operations.iter_mut().filter(|o| o.target == "restore") {
                    op.run = "echo \"TODO restore from $FILE within ${PF_WAIT:-30} s\"\n".into();
                }
            });
            (n.to_string(), spec.yaml())
        })
        .collect();
    let dir = built(&sources);
    let ran = make(
        dir.path(),
        &[
            "--no-print-directory",
            "restore-cache",
            "PF_WAIT=90",
            "cache.PF_WAIT=120",
            "db.FILE=db.tar",
            "cache.FILE=cache.tar",
        ],
    );
    assert_eq!(
        ran,
        "TODO restore from db.tar within 90 s\nTODO restore from cache.tar within 120 s\n"
    );
}

/// The DR plan's tier by tier commands, run in order under real make,
/// restore every chart once: a dependency restored again after a later
/// tier's chart came up on it (postgresql's restore drops and recreates
/// every database with `dropdb --force`) undoes that chart's restore.
#[test]
fn the_dr_plan_restores_each_chart_once() {
    let dir = built_graph();
    let charts = ["web", "app", "cache", "db", "solo"];
    for c in charts {
        let backups = dir.path().join("backups").join(c);
        std::fs::create_dir_all(&backups).unwrap();
        std::fs::write(backups.join(format!("{c}.tar")), "x").unwrap();
    }
    let plan = std::fs::read_to_string(dir.path().join("docs/disaster-recovery.md")).unwrap();
    let steps: Vec<&str> = plan
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("- Tier "))
        .filter_map(|l| l.split('`').nth(1))
        .collect();
    assert_eq!(steps.len(), charts.len(), "{plan}");
    let mut restored = Vec::new();
    for step in steps {
        let args: Vec<&str> = step.strip_prefix("make ").unwrap().split(' ').collect();
        let out = make(dir.path(), &args);
        restored.extend(
            out.lines()
                .filter_map(|l| l.strip_prefix("TODO restore from backups/"))
                .map(|l| l.split('/').next().unwrap().to_string()),
        );
    }
    let mut once = restored.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), restored.len(), "restored again: {restored:?}");
    assert_eq!(restored, ["db", "solo", "cache", "app", "web"]);
}

/// The graph with `run` as each chart's restore (`{c}` its name).
fn built_with_restore(run: impl Fn(&str) -> String) -> tempfile::TempDir {
    let sources: Vec<(String, String)> = graph_sources()
        .into_iter()
        .map(|(n, _)| {
            let (deps, time) = match n.as_str() {
                "web" => (vec!["app"], "10m"),
                "app" => (vec!["db", "cache"], "20m"),
                "cache" => (vec!["db"], "5m"),
                "db" => (vec![], "45m"),
                _ => (vec![], "50m"),
            };
            let spec = fixture(&n, &deps, time).with(|s| {
                for op in s.operations.iter_mut().filter(|o| o.target == "restore") {
                    op.run = run(&n);
                }
            });
            (n, spec.yaml())
        })
        .collect();
    built(&sources)
}

/// A restore that prints a line, then waits (30 s at most) until `other`'s
/// restore has printed its first, then prints another: run in parallel,
/// both first lines come before either second one, unless make holds each
/// target's output until it ends.
fn rendezvous(chart: &str, other: &str) -> String {
    format!(
        "echo \"{chart}: started\"; touch {chart}.started\n\
         i=0; until [ -e {other}.started ]; do\n  \
           i=$((i + 1)); [ $i -le 300 ] || {{ echo \"{other} never started\"; exit 1; }}; sleep 0.1\n\
         done\necho \"{chart}: done\"\n"
    )
}

/// `make -j4 restore-all` prints each chart's lines together (the
/// Makefile sets `--output-sync` for cross-chart targets): db and solo run
/// at the same time, each waiting for the other to start, and yet each
/// one's two lines come out one after the other. A chart's own targets
/// keep printing as they go: the same two, run as `make -j4 db-restore
/// solo-restore`, interleave, which also shows the first check can fail.
#[test]
fn parallel_cross_chart_output_is_grouped_by_chart() {
    let dir = built_with_restore(|c| match c {
        "db" => rendezvous("db", "solo"),
        "solo" => rendezvous("solo", "db"),
        c => format!("echo \"{c}: started\"; echo \"{c}: done\"\n"),
    });
    let run = |args: &[&str]| -> Vec<String> {
        for c in ["db", "solo"] {
            let _ = std::fs::remove_file(dir.path().join(format!("{c}.started")));
        }
        make(dir.path(), args)
            .lines()
            .filter(|l| l.ends_with(": started") || l.ends_with(": done"))
            .map(str::to_string)
            .collect()
    };
    let lines = run(&["--no-print-directory", "-j4", "restore-all"]);
    assert_eq!(lines.len(), 10, "{lines:?}");
    for pair in lines.chunks(2) {
        let chart = pair[0].strip_suffix(": started").unwrap_or_else(|| {
            panic!("a chart's first line is not followed by its second: {lines:?}")
        });
        assert_eq!(pair[1], format!("{chart}: done"), "{lines:?}");
    }
    let own = run(&["--no-print-directory", "-j4", "db-restore", "solo-restore"]);
    assert_eq!(own.len(), 4, "{own:?}");
    assert!(
        own[..2].iter().all(|l| l.ends_with(": started")),
        "a chart's own targets print as they go: {own:?}"
    );
}

/// Under `make -j`, a chart's own target that asks a question shows it
/// before it waits for the answer: `--output-sync` is only for the
/// cross-chart targets. An operator with `MAKEFLAGS=-j4` in the shell
/// runs the target; the prompt must arrive while make still waits.
#[test]
fn a_prompt_under_make_j_shows_before_the_answer() {
    use std::io::{BufRead, Write};
    let dir = built_with_restore(|c| {
        format!(
            "printf '%s\\n' \"{c}: type yes to restore\"; read -r a\n\
             [ \"$a\" = yes ] && echo \"{c}: restored\"\n"
        )
    });
    let mut child = Command::new("make")
        .current_dir(dir.path())
        .args(["--no-print-directory", "db-restore"])
        .env("MAKEFLAGS", "-j4")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("GNU make is installed (scripts/test installs it)");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let mut stdin = child.stdin.take().unwrap();
    // No answer yet: the prompt must come while make waits for one.
    let prompt = rx.recv_timeout(std::time::Duration::from_secs(30));
    if prompt.is_err() {
        let _ = child.kill();
    }
    assert_eq!(prompt.as_deref(), Ok("db: type yes to restore"));
    writeln!(stdin, "yes").unwrap();
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
    let rest: Vec<String> = rx.try_iter().collect();
    assert_eq!(rest, ["db: restored"]);
}
