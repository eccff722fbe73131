//! Alertmanager drills: Debian's Alertmanager as pod `rel-alertmanager-0`
//! of StatefulSet `rel-alertmanager`, run with the chart's arguments, its
//! state on the claim `storage-rel-alertmanager-0` at `/alertmanager` and
//! its configuration at `/etc/alertmanager`. The gossip mesh, on by
//! default, advertises 127.0.0.1 (a pod has a private IP; the drill's
//! network namespace only a loopback).

use crate::harness::{assert_steps, Server, World, NAMESPACE};
use serde_json::json;

const POD: &str = "rel-alertmanager-0";
const CONFIG: &str = "route:\n  receiver: 'null'\n  group_by: ['alertname']\n\
receivers:\n  - name: 'null'\n";
const AMTOOL: &str = "amtool --alertmanager.url=http://127.0.0.1:9093";

pub fn world() -> Option<World> {
    let tools = ["prometheus-alertmanager", "amtool", "jq", "wget", "yq"];
    let mut w = World::needing("alertmanager", &tools)?;
    let data = w.owned_dir("data", "prometheus");
    let etc = w.path("etc");
    std::fs::create_dir_all(&etc).unwrap();
    std::fs::write(etc.join("alertmanager.yml"), CONFIG).unwrap();
    // The operator's copy in git, which the backup validates.
    std::fs::write(w.path("alertmanager.yml"), CONFIG).unwrap();
    w.describe(json!({
        "workload": { "kind": "StatefulSet", "name": "rel-alertmanager", "pod": POD,
                      "container": "alertmanager", "replicas": 1,
                      "image": "quay.io/prometheus/alertmanager:v0.29.0" },
        "uids": { "65534": "prometheus" },
        "paths": { "/alertmanager": data, "/etc/alertmanager": etc },
        "pvcs": ["storage-rel-alertmanager-0"],
    }));
    w.serve(Server {
        name: "am",
        user: "prometheus",
        command: format!(
            "prometheus-alertmanager --config.file={e}/alertmanager.yml \
             --storage.path={d} --data.retention=120h --web.listen-address=:9093 \
             --cluster.advertise-address=127.0.0.1:9094",
            e = etc.display(),
            d = data.display(),
        ),
        ready: "wget -qO- http://127.0.0.1:9093/-/ready >/dev/null 2>&1".into(),
        signal: "TERM",
    });
    Some(w)
}

/// What amtool and Alertmanager print for the collection chart's default
/// route, the error of the guides' troubleshooting entry.
const ROUTE_ERROR: &str =
    "yaml: unmarshal errors:\n  line 5: field groupBy not found in type config.plain";

/// The guide's configuration check on the collection's chart, rendered by
/// real Helm (scripts/helm) at `$CHART` (./charts/alertmanager, a copy):
/// with the chart's default route it fails with the troubleshooting
/// entry's error, and Alertmanager refuses to start on that file (the
/// pod crash-loops); with the values of the guide's step "Give the route
/// the keys Alertmanager reads" amtool says `SUCCESS` and Alertmanager
/// starts and gets ready. `yq` is Debian's (a jq wrapper), as installed:
/// the guides pass `-r`, which prints the string raw there as in
/// mikefarah/yq v4. Nothing when the chart collection is missing (a skip,
/// a failure under CI=true).
fn chart_config(w: &World) {
    let Some(shared) = crate::common::shared_dir() else {
        return;
    };
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(w.path("charts")).unwrap();
    w.ok(&format!(
        "cp -r '{}' charts/alertmanager",
        shared.join("collection/charts/alertmanager").display()
    ));
    std::os::unix::fs::symlink(root.join("scripts/helm"), w.path("bin/helm")).unwrap();
    let guide = String::from_utf8_lossy(
        &crate::harness::project().1.files["docs/alertmanager/backup-guide.md"],
    );
    let shown = ROUTE_ERROR.replace('\n', "\n  ");
    assert!(guide.contains(&shown), "the guide's entry is not {shown:?}");

    // The operator's values.yaml without a route of its own.
    std::fs::write(w.path("values.yaml"), "replicaCount: 1\n").unwrap();
    let runs = w.run("backup.config", &[]);
    let last = runs.last().unwrap();
    assert_eq!(last.title, "Validate before committing");
    assert_ne!(last.status, 0, "{}", last.output);
    assert!(last.output.contains(ROUTE_ERROR), "{}", last.output);
    let start = starts(w);
    assert!(start.contains(&ROUTE_ERROR.replace('\n', "\\n")), "{start}");

    let fix = w.step_text(
        "backup.config",
        "Give the route the keys Alertmanager reads",
    );
    std::fs::write(w.path("values.yaml"), fix).unwrap();
    let runs = w.run("backup.config", &[]);
    assert_steps(&runs, 1, &[]);
    assert!(runs[0].output.contains("SUCCESS"), "{}", runs[0].output);
    assert!(
        !w.path("alertmanager.yml").exists(),
        "the check leaves its file"
    );
    let start = starts(w);
    assert!(start.ends_with("ready\n"), "{start}");
}

/// Alertmanager started on the chart's `alertmanager.yml` as rendered
/// from values.yaml, on a port of its own, until it is ready (`ready`)
/// or exits (its log).
fn starts(w: &World) -> String {
    w.ok("set -eo pipefail
helm template \"$RELEASE\" ./charts/alertmanager -f values.yaml \\
  | yq -r 'select(.kind == \"ConfigMap\") | .data.\"alertmanager.yml\"' > am-start.yml
rm -rf am-start && mkdir am-start
prometheus-alertmanager --config.file=am-start.yml --storage.path=am-start \\
  --web.listen-address=127.0.0.1:19193 --cluster.listen-address= > am-start.log 2>&1 &
p=$! i=0
until wget -qO- http://127.0.0.1:19193/-/ready >/dev/null 2>&1; do
  if ! kill -0 \"$p\" 2>/dev/null; then cat am-start.log; exit 0; fi
  i=$((i + 1)); [ \"$i\" -lt 300 ] || { kill \"$p\"; cat am-start.log; exit 1; }
  sleep 0.1
done
kill \"$p\"; wait \"$p\" || :
echo ready")
}

fn amtool(w: &World, args: &str) -> String {
    w.ok(&format!("{AMTOOL} {args}"))
}

/// Two active silences and one that already ended.
fn fill(w: &World) {
    amtool(
        w,
        "silence add alertname=Watchdog --duration=2h --comment=drill -a drill",
    );
    amtool(
        w,
        "silence add severity=info team=db --duration=24h --comment=maintenance -a drill",
    );
    let old = amtool(
        w,
        "silence add alertname=Old --duration=1h --comment=old -a drill",
    );
    amtool(w, &format!("silence expire {}", old.trim()));
}

/// Alertmanager stopped, its data folder emptied (a new volume) and
/// started again.
fn lose_data(w: &World) {
    w.ok(&format!(
        "kubectl -n {NAMESPACE} scale sts rel-alertmanager --replicas=0 && rm -rf data/* && \
         kubectl -n {NAMESPACE} scale sts rel-alertmanager --replicas=1"
    ));
}

fn active(w: &World) -> usize {
    amtool(w, "silence query -q").lines().count()
}

/// The silences export, the state snapshot and the configuration check;
/// the full restore of the snapshot after the volume is lost; then the
/// re-import of the export into a running Alertmanager that lost them.
#[test]
fn alertmanager_drill() {
    let Some(mut w) = world() else { return };
    w.start();
    fill(&w);
    let runs = w.run("backup.silences", &[]);
    assert_steps(&runs, 2, &[("jq length", "a command")]);
    assert_eq!(runs[1].output.lines().count(), 2, "{}", runs[1].output);
    // A new volume has no snapshot files until the first maintenance run
    // (15 minutes) or stop: the copy fails and leaves no archive behind.
    let runs = w.run("backup.state", &[]);
    assert_eq!(runs[0].status, 1);
    assert!(
        runs[0].output.contains("silences: Cannot stat"),
        "{}",
        runs[0].output
    );
    assert!(std::fs::read_dir(&w.backup_dir).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with("state-")));
    // Once it has stopped and started again, as a running release has.
    w.ok(&format!(
        "kubectl -n {NAMESPACE} scale sts rel-alertmanager --replicas=0 && \
         kubectl -n {NAMESPACE} scale sts rel-alertmanager --replicas=1"
    ));
    let runs = w.run("backup.state", &[]);
    assert_steps(&runs, 1, &[]);
    chart_config(&w);
    let runs = w.run("verification", &[]);
    assert_steps(&runs, 1, &[]);

    // The volume is lost while Alertmanager is stopped.
    let runs = w.run_part("restore.full", ..1, &[]);
    assert_steps(&runs, 1, &[]);
    w.ok("rm -rf data/*");
    let runs = w.run_part("restore.full", 1.., &[]);
    assert_steps(
        &runs,
        4,
        &[
            (
                "\"status\": \"ready\"",
                "settling right after the start, checked below",
            ),
            ("settling", "what it says right after the start"),
        ],
    );
    assert_eq!(active(&w), 2, "the silences are back");
    let settled = w.ok(
        "for i in $(seq 60); do wget -qO- http://127.0.0.1:9093/api/v2/status \
         | jq -r .cluster.status | grep -x ready && exit 0; sleep 1; done; exit 1",
    );
    assert_eq!(settled.trim(), "ready");

    // A new volume, empty: the silences come back from the export.
    lose_data(&w);
    assert_eq!(active(&w), 0);
    let runs = w.run("restore.silences", &[]);
    assert_steps(
        &runs,
        4,
        &[("silence query", "a command"), ("--expired", "an option")],
    );
    let (from, kept) = runs[0].output.trim().split_once('\n').unwrap();
    assert!(from.starts_with("importing silences from "), "{from}");
    assert_eq!(kept, "2", "the ended silence is left out");
    assert_eq!(runs[2].output.lines().count(), 2, "one ID per silence");
    assert_eq!(active(&w), 2, "the silences are back");

    // The same through make, after another loss; run twice, it imports
    // nothing the second time.
    lose_data(&w);
    let out = w.ok("make alertmanager-restore");
    assert!(out.contains("2 silences to import"), "{out}");
    let out = w.ok("make alertmanager-restore");
    assert!(out.contains("0 silences to import"), "{out}");
    assert_eq!(active(&w), 2, "the silences are back");
}

/// The generated jobs of `templates/backup-jobs.yaml`, rendered by real
/// Helm and run here as their pods would run them (as uid 65534's stand-in,
/// the image's `alertmanager` being Debian's `prometheus-alertmanager`):
/// the hourly export keeps the newest two sets, a wrong URL fails the job
/// and publishes nothing, the pre-upgrade hook writes a set, the
/// verification imports the newest export into its own throwaway
/// Alertmanager; after the silences are lost (a fresh data folder), the
/// guide's procedure brings them back from the job's set; an export cut
/// short fails the verification.
#[test]
fn alertmanager_backup_jobs_run() {
    use crate::jobs;
    let Some(mut w) = world() else { return };
    let Some(docs) = jobs::render(
        "alertmanager",
        &[
            "backup.enabled=true",
            "backup.existingClaim=am-backup",
            "backup.silences.keep=2",
            "backup.verify.enabled=true",
            "upgrade.backupJob.enabled=true",
            // The collection's chart sets it (values.yaml `service.port`);
            // the repository's charts hold only gen's values.
            "service.port=9093",
        ],
    ) else {
        return;
    };
    let backup = w.owned_dir("backup", "prometheus");
    w.world["paths"]["/backup"] = backup.display().to_string().into();
    w.world["rwx_claims"] = json!(["am-backup"]);
    // The image's `alertmanager` binary, for the verification's own server.
    let bin = w.path("image-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink("/usr/bin/prometheus-alertmanager", bin.join("alertmanager"))
        .unwrap();
    w.world["path_prefix"] = format!("{}:", bin.display()).into();
    w.vars.insert("BACKUP_CLAIM".into(), "am-backup".into());
    w.start();
    fill(&w);
    // The Service's name stands for its address: the world has no DNS.
    let dns = [("ALERTMANAGER_HOST", "127.0.0.1")];
    let cron = jobs::object(&docs, "CronJob", "rel-alertmanager-backup-silences");
    assert_eq!(cron["spec"]["schedule"], "0 * * * *");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    let pod = jobs::pod_spec(cron);
    assert_eq!(pod["securityContext"]["runAsUser"].as_u64(), Some(65534));
    let dir = backup.join("silences");
    let done =
        jobs::three_runs_keep_two(&w, cron, "prometheus", &dns, &dir, &["exported 2 silences"]);

    // Nothing listens there: the job fails and publishes nothing.
    let wrong = [
        ("ALERTMANAGER_HOST", "127.0.0.1"),
        ("ALERTMANAGER_PORT", "9099"),
    ];
    let r = jobs::run(&w, cron, "prometheus", &wrong);
    assert_ne!(r.status, 0, "{}", r.output);
    assert!(r.output.contains("connection refused"), "{}", r.output);
    assert_eq!(jobs::sets(&dir).0, done, "no set from a failed run");
    crate::jobs::next_second();

    // A silence that ends between the export and the verification: amtool
    // refuses it there, which the verification allows.
    amtool(
        &w,
        "silence add short=lived --duration=2s --comment=short -a drill",
    );
    let hook = jobs::object(&docs, "Job", "rel-alertmanager-pre-upgrade-backup");
    assert_eq!(
        hook["metadata"]["annotations"]["helm.sh/hook"],
        "pre-upgrade"
    );
    let r = jobs::run(&w, hook, "prometheus", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(r.output.contains("exported 3 silences"), "{}", r.output);
    std::thread::sleep(std::time::Duration::from_secs(3));
    let (after, partial) = jobs::sets(&dir);
    assert_eq!(after.len(), 2);
    assert_eq!(after[0], done[1], "the oldest set went");
    assert!(
        partial.is_empty(),
        "the hook removed the failed run's folder"
    );

    let verify = jobs::object(&docs, "CronJob", "rel-alertmanager-backup-verify");
    let r = jobs::run(&w, verify, "prometheus", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(
        r.output
            .contains("2 silences imported and read back, 1 ended since the export"),
        "{}",
        r.output
    );

    // Lost: Alertmanager comes back on a fresh data folder.
    lose_data(&w);
    assert_eq!(active(&w), 0);
    let set = &after[1];
    let runs = w.run("restore.silences-job", &[("20251120-020000", set)]);
    assert_steps(&runs, 4, &[]);
    assert_eq!(
        runs[0].output.lines().last(),
        Some(set.as_str()),
        "{}",
        runs[0].output
    );
    assert_eq!(active(&w), 2, "the silences are back");

    // An export cut short fails the verification.
    let f = dir.join(set).join("silences.json");
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
    let r = jobs::run(&w, verify, "prometheus", &dns);
    assert_ne!(r.status, 0, "a cut export must fail:\n{}", r.output);
    assert!(r.output.contains("couldn't unmarshal"), "{}", r.output);
}

/// The same jobs with `backup.s3.*` set, against a real S3 server (s3s-fs
/// for MinIO) with Debian's aws CLI: the export runs as the init
/// container, the upload keeps the newest two sets in the bucket, the
/// verification downloads the newest and imports it into its own
/// Alertmanager; after the silences are lost, the guide's commands fetch
/// the set from the bucket into `$BACKUP_DIR` and the procedure's import
/// steps bring the silences back.
#[test]
fn alertmanager_backup_jobs_s3_run() {
    use crate::jobs;
    use crate::jobs::{aws, bucket_sets, S3_ENDPOINT};
    let Some(server) = jobs::s3_server() else {
        return;
    };
    let Some(mut w) = world() else { return };
    let Some(docs) = jobs::render(
        "alertmanager",
        &[
            "backup.enabled=true",
            "backup.silences.keep=2",
            "backup.verify.enabled=true",
            "backup.s3.bucket=am-backups",
            &format!("backup.s3.endpoint={S3_ENDPOINT}"),
            &format!("backup.s3.existingSecret={}", jobs::S3_SECRET_NAME),
            // The collection's chart sets it (values.yaml `service.port`).
            "service.port=9093",
        ],
    ) else {
        return;
    };
    jobs::give_s3_secret(&mut w);
    let bin = w.path("image-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink("/usr/bin/prometheus-alertmanager", bin.join("alertmanager"))
        .unwrap();
    w.world["path_prefix"] = format!("{}:", bin.display()).into();
    let dns = [("ALERTMANAGER_HOST", "127.0.0.1")];
    w.start();
    jobs::start_s3(&w, &server, "am-backups");
    fill(&w);

    let cron = jobs::object(&docs, "CronJob", "rel-alertmanager-backup-silences");
    assert_eq!(
        jobs::container_names(cron),
        ["backup", "upload"],
        "the export, then the upload"
    );
    let url = "s3://am-backups/rel-alertmanager/silences";
    jobs::three_runs(
        &w,
        cron,
        "prometheus",
        &dns,
        &["exported 2 silences", &format!("uploaded {url}/N-N/")],
    );
    let sets = bucket_sets(&w, url);
    assert_eq!(sets.len(), 2, "keep 2 in the bucket: {sets:?}");
    let set = &sets[1];

    let verify = jobs::object(&docs, "CronJob", "rel-alertmanager-backup-verify");
    let r = jobs::run(&w, verify, "prometheus", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(
        r.output.contains(&format!("downloading {url}/{set}/")),
        "{}",
        r.output
    );
    assert!(
        r.output.contains("2 silences imported and read back"),
        "{}",
        r.output
    );

    // Lost; the guide's commands fetch the set into $BACKUP_DIR, and the
    // procedure's import steps read it there.
    lose_data(&w);
    assert_eq!(active(&w), 0);
    let project = crate::common::shipped();
    let spec = &project
        .specs
        .iter()
        .find(|f| f.spec.name == "alertmanager")
        .unwrap()
        .spec;
    let fetch = chartgen::spec::jobs::view(spec).unwrap().backups[0]
        .s3_fetch
        .clone();
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/alertmanager/backup-guide.md"),
    )
    .unwrap();
    assert!(guide.contains(fetch.as_str()), "the guide shows:\n{fetch}");
    let r = w.sh(&format!(
        "export {env} \
         S3_URL=s3://am-backups/rel-alertmanager SET={set} BACKUP_DIR={backups}\n{fetch}",
        env = jobs::s3_env(&w),
        backups = w.backup_dir.display(),
    ));
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(r.output.contains(&format!("PRE {set}/")), "{}", r.output);
    w.vars.insert("SET".into(), set.clone());
    let runs = w.run_part("restore.silences-job", 2.., &[]);
    assert_steps(&runs, 2, &[]);
    assert_eq!(active(&w), 2, "the silences are back");

    // An export cut short in the bucket fails the verification.
    let cut = w.path("cut.json");
    let whole = std::fs::read(w.backup_dir.join(format!("silences/{set}/silences.json"))).unwrap();
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let r = aws(
        &w,
        &format!("s3 cp {} {url}/{set}/silences.json", cut.display()),
    );
    assert_eq!(r.status, 0, "{}", r.output);
    let r = jobs::run(&w, verify, "prometheus", &dns);
    assert_ne!(r.status, 0, "a cut export must fail:\n{}", r.output);
    assert!(r.output.contains("couldn't unmarshal"), "{}", r.output);
}

/// A pod that outlives the scale to zero (stuck terminating): the full
/// restore stops at the step that stops Alertmanager, when its wait ends,
/// before any helper pod mounts the volume or a file is replaced.
#[test]
fn alertmanager_restore_stops_while_a_pod_is_alive() {
    let Some(mut w) = world() else { return };
    w.world["workload"]["keep_alive"] = true.into();
    w.start();
    fill(&w);
    w.ok(&format!(
        "kubectl -n {NAMESPACE} scale sts rel-alertmanager --replicas=0; \
         kubectl -n {NAMESPACE} get pod {POD}"
    ));
    let before = w.ok("ls -l data");
    let runs = w.run("restore.full", &[]);
    assert_eq!(runs.len(), 1, "nothing runs after the stop step");
    assert!(
        runs[0].title.contains("stop Alertmanager"),
        "{}",
        runs[0].title
    );
    assert_ne!(runs[0].status, 0, "{}", runs[0].output);
    assert!(
        runs[0]
            .output
            .contains("timed out waiting for the condition"),
        "{}",
        runs[0].output
    );
    assert_eq!(w.ok("ls -l data"), before, "the volume is untouched");
    assert_eq!(
        w.ok("ls state/helpers | wc -l").trim(),
        "0",
        "no helper pod"
    );
    assert_eq!(active(&w), 2, "Alertmanager still runs with its silences");
}
