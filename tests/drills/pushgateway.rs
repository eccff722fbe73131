//! Pushgateway drill: Debian's Pushgateway 1.5.1 as pod
//! `rel-pushgateway-...` of Deployment `rel-pushgateway`, as Debian's
//! `prometheus` user standing for the chart's non-root 65534, with its
//! persistence file at `/data/metrics.db` on the release's volume. The image is busybox-based: the pod's `ls` is
//! busybox's, which (unlike GNU's) the world puts first on the pod's PATH.
//! The drill's interval is 1 s instead of the guide's 5m, so the file is
//! written while the drill waits.

use crate::harness::{assert_steps, find, is_root, Server, World};
use serde_json::json;

const POD: &str = "rel-pushgateway-7d9c4-hx2lw";

fn world() -> Option<World> {
    let mut w = World::needing(
        "pushgateway",
        &["prometheus-pushgateway", "busybox", "curl"],
    )?;
    let data = w.owned_dir("data", "prometheus");
    // The image's own tools: busybox's applets.
    let image_bin = w.path("image-bin");
    std::fs::create_dir_all(&image_bin).unwrap();
    std::os::unix::fs::symlink(find("busybox").unwrap(), image_bin.join("ls")).unwrap();
    w.describe(json!({
        "workload": { "kind": "Deployment", "name": "rel-pushgateway", "pod": POD,
                      "container": "pushgateway", "replicas": 1 },
        "paths": { "/data": data },
        "env": {},
        "path_prefix": format!("{}:", image_bin.display()),
    }));
    w.serve(Server {
        name: "pushgateway",
        user: "prometheus",
        command: format!(
            "prometheus-pushgateway --web.listen-address=127.0.0.1:9091 \
             --persistence.file={}/metrics.db --persistence.interval=1s",
            data.display()
        ),
        ready: "curl -fsS -o /dev/null http://127.0.0.1:9091/-/ready".into(),
        signal: "TERM",
    });
    Some(w)
}

/// Pushes `value` as `backup_last_success` of group `job="nightly"`.
fn push(w: &World, value: u32) {
    w.ok(&format!(
        "printf 'backup_last_success {value}\\n' \
         | curl -fsS --data-binary @- http://127.0.0.1:9091/metrics/job/nightly"
    ));
}

/// Waits (up to 10 s) until the server's log has `line`.
fn wait_log(w: &World, line: &str, count: usize) {
    let log = w.state.join("pushgateway.log");
    for _ in 0..100 {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.matches(line).count() >= count {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("no {line:?} in the log");
}

/// Expected spans of the check that name no output line.
const SPANS: &[(&str, &str)] = &[(
    "error persisting metrics",
    "what must not appear; checked below",
)];

/// The persistence check after a push: the file, its time, and the log's
/// last persistence line, `metrics persisted`. Idle for longer than the
/// interval, the file keeps its time and the check still shows success
/// (an old file alone is no failure). A restarted pod reads the group
/// back from the file. Then the volume turns read-only: after the next
/// push the check shows `error persisting metrics` and a file older than
/// that push.
#[test]
fn pushgateway_persistence_drill() {
    if !is_root() {
        crate::common::skip_or_fail(
            "the drill makes the volume read-only for the server's user: needs root",
        );
        return;
    }
    let Some(mut w) = world() else { return };
    w.start();
    push(&w, 1);
    wait_log(&w, "metrics persisted", 1);
    let runs = w.run("backup.persistence-file", &[]);
    assert_steps(&runs, 1, SPANS);
    let out = &runs[0].output;
    assert!(out.contains("/data/metrics.db"), "{out}");
    assert_eq!(last_line(out), "metrics persisted", "{out}");
    let first = file_time(out);

    // Idle: nothing to write, and nothing wrong.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    let runs = w.run("backup.persistence-file", &[]);
    assert_steps(&runs, 1, SPANS);
    assert_eq!(
        file_time(&runs[0].output),
        first,
        "an idle gateway keeps the file"
    );
    assert_eq!(last_line(&runs[0].output), "metrics persisted");

    // A new pod reads the group back from the file.
    w.ok("kubectl -n drill scale deploy rel-pushgateway --replicas=0");
    w.ok("kubectl -n drill scale deploy rel-pushgateway --replicas=1");
    let metrics = w.ok("curl -fsS http://127.0.0.1:9091/metrics");
    assert!(
        metrics.contains("backup_last_success{instance=\"\",job=\"nightly\"} 1"),
        "{metrics}"
    );

    // The old pod wrote the file on its way out.
    // A new pod logs no persistence line until something is pushed.
    let runs = w.run("backup.persistence-file", &[]);
    let quiet = [
        SPANS[0],
        (
            "metrics persisted",
            "none since the pod started: nothing pushed",
        ),
    ];
    assert_steps(&runs, 1, &quiet);
    assert!(!runs[0].output.contains("persist"), "{}", runs[0].output);
    let restarted = file_time(&runs[0].output);

    // The volume turns read-only: the next push cannot be persisted.
    crate::harness::set_mode(&w.path("data"), 0o555);
    push(&w, 2);
    wait_log(&w, "error persisting metrics", 1);
    let runs = w.run("backup.persistence-file", &[]);
    assert_eq!(runs[0].status, 0, "{}", runs[0].output);
    assert_eq!(
        last_line(&runs[0].output),
        "error persisting metrics",
        "the check shows the failure: {}",
        runs[0].output
    );
    assert_eq!(
        file_time(&runs[0].output),
        restarted,
        "the file fell behind the push"
    );
}

/// The log's last persistence message, as the check prints it.
fn last_line(out: &str) -> &'static str {
    let line = out
        .lines()
        .rfind(|l| l.contains("persist"))
        .unwrap_or_else(|| panic!("no persistence line in: {out}"));
    ["error persisting metrics", "metrics persisted"]
        .into_iter()
        .find(|m| line.contains(m))
        .unwrap()
}

/// The time `ls -l --full-time` shows for the file.
fn file_time(out: &str) -> String {
    let line = out
        .lines()
        .find(|l| l.ends_with("/data/metrics.db"))
        .unwrap_or_else(|| panic!("no file line in: {out}"));
    let f: Vec<&str> = line.split_whitespace().collect();
    f[f.len() - 4..f.len() - 1].join(" ")
}
