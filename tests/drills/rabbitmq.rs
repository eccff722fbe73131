//! RabbitMQ drills: Debian's RabbitMQ as the pod of Deployment
//! `rel-rabbitmq`, node `rabbit@localhost` with its data directory at
//! `/var/lib/rabbitmq` and the chart's `rabbitmq.conf` and
//! `enabled_plugins` at `/etc/rabbitmq`; a throwaway broker stands in for
//! `kubectl run --image=$RABBITMQ_IMAGE`.

use crate::harness::{as_user, assert_steps, need, Server, World, NAMESPACE};
use serde_json::json;

const IMAGE: &str = "rabbitmq:3.13.1-management";
const PLUGINS: &str = "[rabbitmq_management,rabbitmq_management_agent,rabbitmq_prometheus].\n";
const BIN: &str = "/usr/lib/rabbitmq/bin";

/// The chart's default `rabbitmq.conf` (its `rabbitmq.conf` value), with
/// the listeners' ports as given.
fn conf(amqp: u16, management: u16, prometheus: u16) -> String {
    format!(
        "listeners.tcp.default = {amqp}\nmanagement.tcp.port = {management}\n\
         management.tcp.ip = 0.0.0.0\nprometheus.tcp.port = {prometheus}\n\
         vm_memory_high_watermark.relative = 0.6\ndisk_free_limit.absolute = 2GB\n\
         default_vhost = /\ndefault_user = guest\ndefault_pass = guest\n\
         default_permissions.configure = .*\ndefault_permissions.read = .*\n\
         default_permissions.write = .*\nlog.console = true\nlog.console.level = info\n\
         log.file = false\nqueue_master_locator = min-masters\nheartbeat = 60\n\
         cluster_partition_handling = autoheal\n"
    )
}

/// The environment the image and the chart give a node whose home (data
/// volume) and configuration are at the pod's usual paths.
fn node_env(node: &str) -> serde_json::Value {
    json!({
        "HOME": "/var/lib/rabbitmq",
        "RABBITMQ_NODENAME": node,
        "RABBITMQ_MNESIA_BASE": "/var/lib/rabbitmq/mnesia",
        "RABBITMQ_CONFIG_FILE": "/etc/rabbitmq/rabbitmq.conf",
        "RABBITMQ_ENABLED_PLUGINS_FILE": "/etc/rabbitmq/enabled_plugins",
        "RABBITMQ_DEFAULT_USER": "guest",
        "RABBITMQ_DEFAULT_PASS": "guest",
    })
}

pub fn world() -> Option<World> {
    let tools = ["rabbitmq-server", "rabbitmqctl", "jq", "age", "curl"];
    let mut w = World::needing("rabbitmq", &tools)?;
    let data = w.owned_dir("data", "rabbitmq");
    let etc = w.owned_dir("etc", "rabbitmq");
    std::fs::write(etc.join("rabbitmq.conf"), conf(5672, 15672, 15692)).unwrap();
    std::fs::write(etc.join("enabled_plugins"), PLUGINS).unwrap();
    // The throwaway broker of `kubectl run --image`: a pod of its own, so
    // its node, ports and folders differ from the release's.
    let vdata = w.owned_dir("verify-data", "rabbitmq");
    let vetc = w.owned_dir("verify-etc", "rabbitmq");
    std::fs::write(vetc.join("rabbitmq.conf"), conf(5673, 15673, 15693)).unwrap();
    std::fs::write(vetc.join("enabled_plugins"), "[rabbitmq_management].\n").unwrap();
    // The cookie the image generates on a new volume; here before the
    // first start, so no CLI call races the server to create it.
    for (dir, cookie) in [(&data, "DRILLCOOKIEMAIN"), (&vdata, "DRILLCOOKIEVERIFY")] {
        let f = dir.join(".erlang.cookie");
        std::fs::write(&f, cookie).unwrap();
        crate::harness::chown(&f, "rabbitmq");
        crate::harness::set_mode(&f, 0o400);
    }
    let mut verify_env = node_env("verify@localhost");
    verify_env["RABBITMQ_DIST_PORT"] = json!("25673");
    let env = |d: &std::path::Path, e: &std::path::Path| {
        format!(
            "env HOME={d} RABBITMQ_NODENAME=rabbit@localhost RABBITMQ_MNESIA_BASE={d}/mnesia \
             RABBITMQ_CONFIG_FILE={e}/rabbitmq.conf RABBITMQ_ENABLED_PLUGINS_FILE={e}/enabled_plugins \
             RABBITMQ_DEFAULT_USER=guest RABBITMQ_DEFAULT_PASS=guest",
            d = d.display(),
            e = e.display()
        )
    };
    let node = env(&data, &etc);
    w.describe(json!({
        "workload": { "kind": "Deployment", "name": "rel-rabbitmq", "pod": "rel-rabbitmq-7c9d-x2x4z",
                      "container": "rabbitmq", "replicas": 1, "image": IMAGE },
        "uids": { "999": "rabbitmq" },
        "path_prefix": format!("{BIN}:"),
        "paths": { "/var/lib/rabbitmq": data, "/etc/rabbitmq": etc,
                   "/tmp": w.owned_dir("podtmp", "rabbitmq") },
        "env": node_env("rabbit@localhost"),
        "images": { IMAGE: {
            "user": "rabbitmq",
            "env": verify_env,
            "paths": { "/var/lib/rabbitmq": vdata, "/etc/rabbitmq": vetc },
            "start": "exec rabbitmq-server",
        } },
        "secrets": { "rel-rabbitmq": { "username": "guest", "password": "guest" } },
    }));
    // `rabbitmqctl wait` waits for the node's boot to finish.
    w.serve(Server {
        name: "rabbitmq",
        user: "rabbitmq",
        command: format!("{node} {BIN}/rabbitmq-server"),
        ready: format!(
            "{} {node} {BIN}/rabbitmqctl wait --pid $(cat {}) --timeout 120 >/dev/null",
            as_user("rabbitmq"),
            w.state_file("rabbitmq.pid")
        ),
        signal: "TERM",
    });
    w.var("RABBITMQ_IMAGE", IMAGE);
    Some(w)
}

/// The management API of the release's broker, as guest from localhost.
fn api(w: &World, method: &str, path: &str, body: &str) -> String {
    w.ok(&format!(
        "curl -sSf -u guest:guest -X {method} -H 'content-type: application/json' \
         http://127.0.0.1:15672/api/{path} -d '{body}'"
    ))
}

/// Vhosts `/` and `orders`, a user, a policy, a topic exchange bound to a
/// quorum queue, a classic queue, and persistent messages in both.
fn fill(w: &World) {
    w.ok(&format!(
        "kubectl -n {NAMESPACE} exec deploy/rel-rabbitmq -c rabbitmq -- sh -c \
         'rabbitmqctl -q add_vhost orders && rabbitmqctl -q add_user app app-pass && \
         rabbitmqctl -q set_permissions -p orders app \".*\" \".*\" \".*\" && \
         rabbitmqctl -q set_permissions -p orders guest \".*\" \".*\" \".*\" && \
         rabbitmqctl -q set_policy -p orders expiry \"^tmp\\.\" \"{{\\\"expires\\\":60000}}\" \
         --apply-to queues'"
    ));
    api(
        w,
        "PUT",
        "exchanges/orders/events",
        r#"{"type":"topic","durable":true}"#,
    );
    api(
        w,
        "PUT",
        "queues/orders/new-orders",
        r#"{"durable":true,"arguments":{"x-queue-type":"quorum"}}"#,
    );
    api(
        w,
        "POST",
        "bindings/orders/e/events/q/new-orders",
        r#"{"routing_key":"order.*"}"#,
    );
    api(w, "PUT", "queues/%2F/jobs", r#"{"durable":true}"#);
    for i in 0..20 {
        api(
            w,
            "POST",
            "exchanges/%2F/amq.default/publish",
            &format!(
                r#"{{"properties":{{"delivery_mode":2}},"routing_key":"jobs","payload":"job {i}","payload_encoding":"string"}}"#
            ),
        );
        api(
            w,
            "POST",
            "exchanges/orders/events/publish",
            &format!(
                r#"{{"properties":{{"delivery_mode":2}},"routing_key":"order.new","payload":"order {i}","payload_encoding":"string"}}"#
            ),
        );
    }
}

/// `name type messages` of every queue of `vhost`.
fn queues(w: &World, vhost: &str) -> String {
    w.ok(&format!(
        "kubectl -n {NAMESPACE} exec deploy/rel-rabbitmq -c rabbitmq -- \
         rabbitmqctl -q list_queues -p {vhost} name type messages --no-table-headers | sort"
    ))
}

/// The definitions export, its check and encryption, the throwaway-broker
/// verification, then one vhost and the whole broker's topology back from
/// the export after they are deleted.
#[test]
fn rabbitmq_definitions_drill() {
    let Some(mut w) = world() else { return };
    let key = w.ok("age-keygen -o key.txt 2>&1 | sed -n 's/^Public key: //p'");
    w.var("AGE_RECIPIENT", key.trim());
    w.var("AGE_KEY_FILE", "key.txt");
    w.start();
    fill(&w);
    let runs = w.run("backup.definitions", &[]);
    assert_steps(
        &runs,
        3,
        &[
            ("rabbit_version", "a key, checked below"),
            ("users", "a key, checked below"),
            ("vhosts", "a key, checked below"),
            ("queues", "a key, checked below"),
            ("exchanges", "a key, checked below"),
            ("bindings", "a key, checked below"),
            ("policies", "a key, checked below"),
            ("make rabbitmq-list-queues", "another command"),
        ],
    );
    let file = w.newest_with("rabbitmq-definitions-", ".json");
    let keys = w.ok(&format!("jq -r 'keys[]' {}/{file}", w.backup_dir.display()));
    for k in [
        "rabbit_version",
        "users",
        "vhosts",
        "queues",
        "exchanges",
        "bindings",
        "policies",
    ] {
        assert!(keys.lines().any(|l| l == k), "{k} in {keys}");
    }
    let counts: serde_json::Value = serde_json::from_str(&runs[1].output).unwrap();
    assert_eq!(
        counts,
        json!({"vhosts": 2, "users": 2, "queues": 2, "policies": 1})
    );
    let back = w.ok(&format!(
        "age -d -i key.txt {}/{file}.age | jq -c .vhosts",
        w.backup_dir.display()
    ));
    assert!(back.contains("orders"), "{back}");

    let runs = w.run("verification", &[]);
    assert_steps(&runs, 1, &[]);
    assert!(runs[0].output.contains("orders"), "{}", runs[0].output);

    // A queue of the default vhost deleted by mistake: restore.vhost with
    // the default VHOST=/.
    api(&w, "DELETE", "queues/%2F/jobs", "");
    let runs = w.run("restore.vhost", &[]);
    assert_steps(&runs, 3, &[]);
    assert!(
        queues(&w, "/").contains("jobs\tclassic\t0"),
        "the queue, not its messages"
    );

    // The whole topology of a vhost and the user, gone.
    w.ok(&format!(
        "kubectl -n {NAMESPACE} exec deploy/rel-rabbitmq -c rabbitmq -- sh -c \
         'rabbitmqctl -q delete_vhost orders && rabbitmqctl -q delete_user app'"
    ));
    let path = format!("{}/{file}", w.backup_dir.display());
    let runs = w.run(
        "restore.definitions",
        &[("$BACKUP_DIR/rabbitmq-definitions-<ts>.json", &path)],
    );
    assert_steps(
        &runs,
        3,
        &[("rabbitmq_shovel", "an example; the chart enables no Shovel")],
    );
    assert!(queues(&w, "orders").contains("new-orders\tquorum\t0"));
    let users = w.ok(&format!(
        "kubectl -n {NAMESPACE} exec deploy/rel-rabbitmq -c rabbitmq -- rabbitmqctl -q list_users"
    ));
    assert!(users.contains("app"), "{users}");
}

/// A cold copy of the data directory with `make rabbitmq-data-backup`,
/// then, after the queues are purged, the restore of that directory brings
/// the persistent messages back.
#[test]
fn rabbitmq_data_dir_drill() {
    let Some(mut w) = world() else { return };
    w.start();
    fill(&w);
    let runs = w.run("backup.messages", &[]);
    assert_steps(
        &runs,
        2,
        &[("rabbitmq-data-<ts>.tar.gz", "the file, checked below")],
    );
    let tar = w.newest("rabbitmq-data-");
    w.ok(&format!(
        "kubectl -n {NAMESPACE} exec deploy/rel-rabbitmq -c rabbitmq -- sh -c \
         'rabbitmqctl -q purge_queue jobs && rabbitmqctl -q purge_queue -p orders new-orders'"
    ));
    let path = format!("{}/{tar}", w.backup_dir.display());
    let runs = w.run(
        "restore.data-dir",
        &[("$BACKUP_DIR/rabbitmq-data-<ts>.tar.gz", &path)],
    );
    assert_steps(&runs, 5, &[]);
    assert!(
        queues(&w, "/").contains("jobs\tclassic\t20"),
        "{}",
        queues(&w, "/")
    );
    // The quorum queue counts its messages once its Raft member recovered.
    let mut orders = queues(&w, "orders");
    for _ in 0..60 {
        if orders.contains("new-orders\tquorum\t20") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_secs(1));
        orders = queues(&w, "orders");
    }
    assert!(orders.contains("new-orders\tquorum\t20"), "{orders}");
    let kept = w.ok("ls -a data");
    assert!(kept.contains("mnesia.before-restore-"), "{kept}");
}

/// RabbitMQ's generated backup jobs, rendered by real Helm and run as their
/// pods run them (Debian's `rabbitmqadmin` standing in for the image's):
/// the definitions CronJob three times with `keep` 2, a wrong password
/// that publishes nothing, the pre-upgrade hook and the verification; then
/// the guide's vhost restore from the job's own export after a queue is
/// deleted, and an export cut short that fails the verification.
#[test]
fn rabbitmq_backup_jobs_run() {
    use crate::jobs;
    let Some(mut w) = world() else { return };
    if !need(&["rabbitmqadmin", "python3"]) {
        return;
    }
    let Some(docs) = jobs::render(
        "rabbitmq",
        &[
            "backup.enabled=true",
            "backup.existingClaim=rabbitmq-backup",
            "backup.definitions.keep=2",
            "backup.verify.enabled=true",
            "upgrade.backupJob.enabled=true",
        ],
    ) else {
        return;
    };
    let backup = w.owned_dir("backup", "rabbitmq");
    w.world["paths"]["/backup"] = backup.display().to_string().into();
    // The chart's Secret holds the broker's default user.
    w.world["secrets"]["rel-rabbitmq"] = json!({ "username": "guest", "password": "guest" });
    w.start();
    fill(&w);
    // The Service's name stands for its address: the world has no DNS.
    let dns = [("RABBITMQ_HOST", "127.0.0.1")];
    let cron = jobs::object(&docs, "CronJob", "rel-rabbitmq-backup-definitions");
    let dir = backup.join("definitions");
    let done = jobs::three_runs_keep_two(
        &w,
        cron,
        "rabbitmq",
        &dns,
        &dir,
        &["Exported definitions", "'vhosts': 2"],
    );

    w.world["secrets"]["rel-rabbitmq"]["password"] = "wrong".into();
    let r = jobs::run(&w, cron, "rabbitmq", &dns);
    assert_ne!(r.status, 0, "{}", r.output);
    assert_eq!(jobs::sets(&dir).0, done, "no set from a failed run");
    w.world["secrets"]["rel-rabbitmq"]["password"] = "guest".into();

    let hook = jobs::object(&docs, "Job", "rel-rabbitmq-pre-upgrade-backup");
    let r = jobs::run(&w, hook, "rabbitmq", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    let (after, partial) = jobs::sets(&dir);
    assert_eq!(after.len(), 2);
    assert!(
        partial.is_empty(),
        "the hook removed the failed run's folder"
    );

    let verify = jobs::object(&docs, "CronJob", "rel-rabbitmq-backup-verify");
    let r = jobs::run(&w, verify, "rabbitmq", &dns);
    assert_eq!(r.status, 0, "{}", r.output);

    // Lost: a queue of the default vhost. The operator copies the job's
    // newest export off the claim; the guide's vhost restore reads it.
    api(&w, "DELETE", "queues/%2F/jobs", "");
    let set = &after[1];
    std::fs::copy(
        dir.join(set).join("definitions.json"),
        w.backup_dir
            .join(format!("rabbitmq-definitions-{set}.json")),
    )
    .unwrap();
    let runs = w.run("restore.vhost", &[]);
    assert_steps(&runs, 3, &[]);
    assert!(
        queues(&w, "/").contains("jobs\tclassic\t0"),
        "the queue, not its messages"
    );

    let f = dir.join(set).join("definitions.json");
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
    let r = jobs::run(&w, verify, "rabbitmq", &dns);
    assert_ne!(r.status, 0, "a cut export must fail:\n{}", r.output);
}
