//! Prometheus drills: Debian's Prometheus as pod `rel-prometheus-0` of
//! StatefulSet `rel-prometheus`, run with the chart's arguments and the
//! admin API on (the guide's first step), its TSDB at `/prometheus` and its
//! configuration and rules mounted from ConfigMaps at `/etc/prometheus` and
//! `/etc/prometheus/rules` (with the kubelet's `..data` links). The TSDB
//! holds a block of history from three days ago, written with `promtool
//! tsdb create-blocks-from`, and what the server scrapes from itself.

use crate::harness::{as_user, assert_steps, matches, Server, World, NAMESPACE};
use serde_json::json;
use std::path::Path;

const POD: &str = "rel-prometheus-0";

/// The chart's prometheus.yml with one rule file pattern; `rule_files` is
/// relative, so the same file works at the pod's path and the local one.
const CONFIG: &str = "global:\n  scrape_interval: 15s\n  evaluation_interval: 15s\n  \
external_labels:\n    cluster: kubernetes\n\nrule_files:\n  - rules/*.yml\n\n\
scrape_configs:\n  - job_name: 'prometheus'\n    static_configs:\n      \
- targets: ['localhost:9090']\n";

const RULES: &str = "groups:\n  - name: drill\n    rules:\n      \
- record: job:up:sum\n        expr: sum by (job) (up)\n      \
- alert: TargetDown\n        expr: up == 0\n        for: 5m\n";

/// A folder as the kubelet mounts a ConfigMap: the files in a timestamped
/// folder, `..data` pointing to it, and a link per file.
fn configmap_dir(dir: &Path, files: &[(&str, &str)]) {
    let stamp = "..2025_11_20_01_00_00.000000001";
    std::fs::create_dir_all(dir.join(stamp)).unwrap();
    for (name, text) in files {
        std::fs::write(dir.join(stamp).join(name), text).unwrap();
        std::os::unix::fs::symlink(format!("..data/{name}"), dir.join(name)).unwrap();
    }
    std::os::unix::fs::symlink(stamp, dir.join("..data")).unwrap();
}

/// OpenMetrics for `up` of an old target, every minute for four hours
/// around three days ago.
fn history() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let start = now - 3 * 86400 - 2 * 3600;
    let mut out = String::from("# TYPE up gauge\n");
    for t in (start..start + 4 * 3600).step_by(60) {
        out.push_str(&format!(
            "up{{instance=\"old:9090\",job=\"prometheus\"}} 1 {t}\n"
        ));
    }
    out.push_str("# EOF\n");
    out
}

pub fn world() -> Option<World> {
    let mut w = World::needing("prometheus", &["prometheus", "promtool", "wget", "age"])?;
    let data = w.owned_dir("data", "prometheus");
    let etc = w.path("etc");
    configmap_dir(&etc, &[("prometheus.yml", CONFIG)]);
    configmap_dir(&etc.join("rules"), &[("alerts.yml", RULES)]);
    std::fs::write(w.path("history.om"), history()).unwrap();
    w.ok(&format!(
        "{} promtool tsdb create-blocks-from openmetrics history.om {} >/dev/null",
        as_user("prometheus"),
        data.display()
    ));
    let cm = |data: &str| json!({ "data": { "x": data } });
    let mut config_cm = cm(CONFIG);
    config_cm["data"] = json!({ "prometheus.yml": CONFIG });
    config_cm["metadata"] = json!({ "annotations": {
        "meta.helm.sh/release-name": "rel", "meta.helm.sh/release-namespace": NAMESPACE } });
    let mut rules_cm = cm(RULES);
    rules_cm["data"] = json!({ "alerts.yml": RULES });
    w.describe(json!({
        "workload": { "kind": "StatefulSet", "name": "rel-prometheus", "pod": POD,
                      "container": "prometheus", "replicas": 1,
                      "image": "prom/prometheus:v3.7.3",
                      "volumes": [
                          { "name": "config", "configMap": { "name": "rel-prometheus-config" } },
                          { "name": "rules", "configMap": { "name": "prometheus-rules" } },
                          { "name": "remote-write",
                            "secret": { "secretName": "prometheus-remote-write" } } ] },
        "uids": { "65534": "prometheus" },
        "paths": { "/prometheus": data, "/etc/prometheus": etc,
                   "/tmp": w.owned_dir("podtmp", "prometheus") },
        "image_paths": { "/prometheus": {}, "/tmp": {},
                         "/etc/prometheus": { "prometheus.yml": CONFIG } },
        "configmaps": { "rel-prometheus-config": config_cm, "prometheus-rules": rules_cm },
        "pvcs": ["data-rel-prometheus-0"],
        "secrets": { "prometheus-remote-write": { "password": "drill-secret" } },
    }));
    w.serve(Server {
        name: "prometheus",
        user: "prometheus",
        command: format!(
            "prometheus --config.file={e}/prometheus.yml --storage.tsdb.path={d} \
             --storage.tsdb.retention.time=15d --storage.tsdb.retention.size=0 \
             --web.console.libraries=/usr/share/prometheus/console_libraries \
             --web.console.templates=/usr/share/prometheus/consoles \
             --web.enable-lifecycle --web.enable-admin-api",
            e = etc.display(),
            d = data.display(),
        ),
        ready: "wget -qO- http://localhost:9090/-/ready >/dev/null 2>&1".into(),
        signal: "TERM",
    });
    w.var("CHART", "./charts/prometheus");
    Some(w)
}

/// An instant query through the pod's promtool.
fn query(w: &World, q: &str) -> String {
    w.ok(&format!(
        "kubectl -n {NAMESPACE} exec {POD} -c prometheus -- \
         promtool query instant http://localhost:9090 '{q}'"
    ))
}

/// The snapshot, configuration and rules backups and every verification
/// step; a full restore of the TSDB after the volume is emptied (the
/// history of three days ago comes back); the configuration and rules
/// restore after the rules ConfigMap was overwritten; then the same full
/// restore through `make prometheus-restore`.
#[test]
fn prometheus_snapshot_drill() {
    let Some(mut w) = world() else { return };
    let key = w.ok("age-keygen -o key.txt 2>&1 | sed -n 's/^Public key: //p'");
    w.var("AGE_RECIPIENT", key.trim());
    w.start();
    // The live server's first scrape of itself and its rule group's first
    // evaluation, which the backups below print (`up` in the snapshot,
    // `"health":"ok"`): polled, they come within one 15 s interval of the
    // start, at an offset Prometheus derives from the target and group.
    let live = format!(
        "for i in $(seq 120); do \
         R=$(kubectl -n {NAMESPACE} exec {POD} -c prometheus -- \
         wget -qO- http://localhost:9090/api/v1/rules); \
         case $R in *'\"health\":\"unknown\"'*|*'\"health\":\"err'*) ;; \
         *'\"health\":\"ok\"'*) kubectl -n {NAMESPACE} exec {POD} -c prometheus -- \
         promtool query instant http://localhost:9090 up | grep -q ' => 1 @' \
         && exit 0 ;; esac; sleep 0.5; done; exit 1"
    );
    w.ok(&live);
    let runs = w.run("backup.tsdb", &[]);
    assert_steps(
        &runs,
        3,
        &[(
            "20251126T010203Z-2be650b6d019eb54",
            "an example, checked below",
        )],
    );
    let snap = runs[0].output.trim();
    assert!(
        snap.len() == 33 && snap.as_bytes()[15] == b'Z',
        "a snapshot name: {snap}"
    );
    assert!(
        runs[1].output.trim().parse::<u32>().unwrap() >= 1,
        "a block"
    );
    assert!(
        runs[2].output.trim().is_empty(),
        "no snapshot left: {}",
        runs[2].output
    );
    // The rules go first: the configuration's last step packs both.
    let runs = w.run("backup.rules", &[]);
    assert_steps(
        &runs,
        3,
        &[
            ("\"health\":\"ok\"", "checked below"),
            ("unknown", "only for groups not evaluated yet"),
        ],
    );
    assert!(
        runs[0].output.contains("./alerts.yml"),
        "{}",
        runs[0].output
    );
    assert!(
        matches("N \"health\":\"ok\"", &runs[1].output),
        "{}",
        runs[1].output
    );
    let runs = w.run("backup.config", &[]);
    assert_steps(
        &runs,
        4,
        &[
            ("cm-<release>-config.yaml", "checked below"),
            ("SUCCESS", "checked below"),
        ],
    );
    assert!(runs[0].output.contains("cm-rel-prometheus-config.yaml"));
    assert!(runs[0].output.contains("cm-prometheus-rules.yaml"));
    assert!(
        runs[1].output.contains("SUCCESS: 2 rules found"),
        "{}",
        runs[1].output
    );
    let secrets = w.newest("prometheus-secrets-");
    let back = w.ok(&format!("age -d -i key.txt backups/{secrets}"));
    assert!(
        back.contains("name: prometheus-remote-write") && !back.contains("uid:"),
        "{back}"
    );
    let runs = w.run("verification", &[]);
    let example = r#"{__name__="up", instance="...", job="..."} 1 1764118923000"#;
    assert_steps(
        &runs,
        4,
        &[
            (example, "an example timestamp, checked below"),
            ("values.yaml", "written by the Helm step no drill runs"),
            ("release.yaml", "written by the Helm step no drill runs"),
            ("cm-*.yaml", "a glob, checked below"),
        ],
    );
    assert!(runs[1].output.contains("NUM SAMPLES"), "{}", runs[1].output);
    assert!(matches(
        r#"{__name__="up", instance="...", job="..."} 1 N"#,
        &runs[2].output
    ));
    assert!(
        runs[3].output.contains("./etc-prometheus.tar") && runs[3].output.contains("./rules.tar")
    );

    // The volume is lost while Prometheus is stopped.
    let runs = w.run_part("restore.full", ..3, &[]);
    assert_steps(&runs, 3, &[]);
    w.ok("rm -rf data/* data/.[!.]*");
    let runs = w.run_part("restore.full", 3.., &[]);
    assert_steps(
        &runs,
        4,
        &[
            ("data-<sts>-0", "the claim's name"),
            ("ok", "unknown until the first evaluation, checked below"),
            ("unknown", "what it says right after the start"),
            ("evaluation_interval", "a setting"),
            ("scrape_interval", "a setting"),
        ],
    );
    assert!(runs[1].output.contains("NUM SAMPLES"));
    // Empty until the first scrape after the start, as the step says.
    let age = "(time() - prometheus_tsdb_lowest_timestamp_seconds) / 86400";
    let mut out = runs[3].output.clone();
    for _ in 0..30 {
        if matches("} => 3.N @", &out) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
        out = query(&w, age);
    }
    assert!(matches("} => 3.N @", &out), "three days of history: {out}");
    assert!(
        query(&w, "count(up offset 3d)").contains("=> 1 @"),
        "the history is back"
    );
    // `ok` once each group has been evaluated.
    let health = w.ok(&format!(
        "for i in $(seq 60); do kubectl -n {NAMESPACE} exec {POD} -c prometheus -- \
         wget -qO- http://localhost:9090/api/v1/rules | grep -q '\"health\":\"unknown\"' \
         || exit 0; sleep 1; done; exit 1"
    ));
    assert!(health.is_empty(), "{health}");

    // The rules ConfigMap is overwritten with a wrong group; after the
    // steps that need a cluster (apply the ConfigMaps, helm upgrade) the
    // drill refreshes the mounted files from the archive as the kubelet
    // does: a new timestamped folder, then `..data` swapped to it.
    let stamp = "..2025_11_20_01_00_00.000000001";
    std::fs::write(
        w.path(&format!("etc/rules/{stamp}/alerts.yml")),
        "groups:\n  - name: wrong\n    rules: []\n",
    )
    .unwrap();
    w.ok("wget -qO- --post-data '' http://localhost:9090/-/reload");
    let cfg = w.newest_with("prometheus-config-", ".tar.gz");
    let runs = w.run_part("restore.config", ..3, &[]);
    assert_steps(&runs, 3, &[]);
    let fresh = "..2025_11_21_01_00_00.000000002";
    w.ok(&format!(
        "mkdir -p restored/rules && tar -xzf backups/{cfg} -C restored ./rules.tar && \
         tar -xf restored/rules.tar -C restored/rules && mkdir etc/rules/{fresh} && \
         cp -L restored/rules/alerts.yml etc/rules/{fresh}/ && \
         ln -s {fresh} etc/rules/..data_tmp && mv -T etc/rules/..data_tmp etc/rules/..data"
    ));
    let runs = w.run_part("restore.config", 3.., &[]);
    assert_steps(
        &runs,
        2,
        &[
            (
                "ok",
                "or `unknown` until the first evaluation after the reload",
            ),
            ("unknown", "or `ok` once the groups were evaluated"),
        ],
    );
    let health = runs[1].output.lines().next().unwrap_or("");
    assert!(
        matches("N \"health\":\"ok\"", health) || matches("N \"health\":\"unknown\"", health),
        "{}",
        runs[1].output
    );
    assert!(
        runs[1].output.contains("same rules as backup"),
        "{}",
        runs[1].output
    );

    // The make targets: a snapshot left in the pod and cleaned up, and the
    // TSDB restore through a helper pod.
    let out = w.ok("make prometheus-snapshot && make prometheus-snapshots-clean");
    assert!(
        out.contains(r#""status":"success""#) && out.contains("/prometheus/snapshots/"),
        "{out}"
    );
    let out = w.ok("make prometheus-restore");
    assert!(matches("prometheus_tsdb_blocks_loaded N", &out), "{out}");
    assert!(query(&w, "count(up offset 3d)").contains("=> 1 @"));
}

/// A server that lost its history gets the snapshot's blocks merged in
/// while it runs: after the block reload, three days ago answers again.
#[test]
fn prometheus_merge_drill() {
    let Some(mut w) = world() else { return };
    w.start();
    let runs = w.run("backup.tsdb", &[]);
    assert_steps(
        &runs,
        3,
        &[("20251126T010203Z-2be650b6d019eb54", "an example")],
    );
    w.ok(&format!(
        "kubectl -n {NAMESPACE} scale sts rel-prometheus --replicas=0 && rm -rf data/* && \
         kubectl -n {NAMESPACE} scale sts rel-prometheus --replicas=1"
    ));
    assert!(
        !query(&w, "count(up offset 3d)").contains("=>"),
        "no history left"
    );
    let runs = w.run("restore.merge", &[]);
    assert_steps(
        &runs,
        5,
        &[
            ("added", "checked below"),
            ("skip", "for blocks the server has; it has none"),
        ],
    );
    assert_eq!(
        runs[2].output.matches("added ").count(),
        3,
        "{}",
        runs[2].output
    );
    assert!(matches(
        "prometheus_tsdb_blocks_loaded{...} => 3 @",
        &runs[3].output
    ));
    assert!(
        query(&w, "count(up offset 3d)").contains("=> 1 @"),
        "the history is back"
    );
}
