//! Drills: the backup guides' procedures run, exactly as generated, against
//! real servers from Debian standing in for the chart's pod (see
//! tests/drills/harness.rs and the kubectl stand-in tests/drills/kubectl).
//! Each drill creates data, backs it up, destroys it, restores it, checks
//! the data and each step's own "Expected:" text. Redis's drills are here,
//! the other charts' in tests/drills/<chart>.rs. A spec's `drill` fields
//! name the test here that runs each procedure; `every_drill_reference_
//! names_a_test_here` keeps both sides honest.

#[path = "drills/alertmanager.rs"]
mod alertmanager;
mod common;
#[path = "drills/harness.rs"]
mod harness;
#[path = "drills/jobs.rs"]
mod jobs;
#[path = "drills/memcached.rs"]
mod memcached;
#[path = "drills/mlflow.rs"]
mod mlflow;
#[path = "drills/mysql.rs"]
mod mysql;
#[path = "drills/mysql_apps.rs"]
mod mysql_apps;
#[path = "drills/pg.rs"]
mod pg;
#[path = "drills/postgresql.rs"]
mod postgresql;
#[path = "drills/profile.rs"]
mod profile;
#[path = "drills/prometheus.rs"]
mod prometheus;
#[path = "drills/pushgateway.rs"]
mod pushgateway;
#[path = "drills/rabbitmq.rs"]
mod rabbitmq;

use harness::{assert_steps, Server, World};
use serde_json::json;

// ---------------------------------------------------------------- specs

/// Every `drill.test` in a spec names a test function of this file that
/// exists, and every drill here is referenced by some spec.
#[test]
fn every_drill_reference_names_a_test_here() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let project = common::shipped();
    // This file and the drill modules under tests/drills/.
    let mut source = std::fs::read_to_string(root.join("tests/drills.rs")).unwrap();
    for e in std::fs::read_dir(root.join("tests/drills")).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "rs") {
            source.push_str(&std::fs::read_to_string(p).unwrap());
        }
    }
    let mut referenced = std::collections::BTreeSet::new();
    for f in &project.specs {
        for p in chartgen::procedures::procedures(&f.spec) {
            for t in p.tests() {
                let (file, func) = t.split_once("::").unwrap();
                assert_eq!(file, "tests/drills.rs", "{}: {t}", f.rel);
                assert!(
                    source.contains(&format!("fn {func}()")),
                    "{}: {} names {t}, which does not exist",
                    f.rel,
                    p.id
                );
                referenced.insert(func.to_string());
            }
        }
    }
    for line in source.lines() {
        if let Some(name) = line
            .strip_prefix("fn ")
            .and_then(|l| l.strip_suffix("() {"))
        {
            if name.ends_with("_drill") {
                assert!(
                    referenced.contains(name),
                    "drill {name} is named by no spec's `drill`"
                );
            }
        }
    }
    assert!(!referenced.is_empty(), "no spec names a drill");
}

// ---------------------------------------------------------------- Redis

const REDIS_PW: &str = "drill-pass";

/// Debian's Redis as pod `rel-redis-0` of StatefulSet `rel-redis`, with
/// the guide's AOF settings (`appendonly yes`, `aof-timestamp-enabled
/// yes`) and a password, as `redis.password` sets it; in the foreground
/// and logging to its output, as in the image.
fn redis_world() -> Option<World> {
    let tools = [
        "redis-server",
        "redis-cli",
        "redis-check-rdb",
        "redis-check-aof",
    ];
    let mut w = World::needing("redis", &tools)?;
    let data = w.owned_dir("data", "redis");
    let conf = w.path("redis.conf");
    std::fs::write(
        &conf,
        format!(
            "bind 127.0.0.1\nport 6379\ndir {}\nrequirepass {REDIS_PW}\n\
             appendonly yes\naof-timestamp-enabled yes\nappendfsync everysec\n\
             save 900 1\nsave 300 10\nsave 60 10000\n",
            data.display()
        ),
    )
    .unwrap();
    w.describe(json!({
        "workload": { "kind": "StatefulSet", "name": "rel-redis", "pod": "rel-redis-0",
                      "container": "redis", "replicas": 1 },
        "paths": { "/data": data, "/tmp": w.owned_dir("podtmp", "redis") },
        "env": { "REDIS_PASSWORD": REDIS_PW },
        "secrets": { "rel-redis": { "redis-password": REDIS_PW } },
        // A client that writes to Redis, which the full restore stops and
        // starts again with the replicas it had.
        "others": [ { "kind": "Deployment", "name": "worker", "replicas": 2,
                      "labels": { "app.kubernetes.io/instance": "worker" } } ],
    }));
    w.var("CLIENT_DEPLOYMENT", "worker");
    w.serve(Server {
        name: "redis",
        user: "redis",
        command: format!("redis-server {}", conf.display()),
        ready: format!("redis-cli -a {REDIS_PW} --no-auth-warning ping 2>/dev/null | grep -q PONG"),
        signal: "TERM",
    });
    w.var("REDIS_IMAGE", "redis:7.4.1");
    Some(w)
}

fn redis(w: &World, cmd: &str) -> String {
    w.ok(&format!("redis-cli -a {REDIS_PW} --no-auth-warning {cmd}"))
}

/// 500 strings, a hash and a key with a TTL.
fn redis_fill(w: &World) {
    redis(
        w,
        "EVAL \"for i=1,500 do redis.call('SET','key:'..i,i) end \
         redis.call('HSET','user:1','name','ada','lang','en') \
         redis.call('SET','session:1','x','EX',86400) return 1\" 0",
    );
    assert_eq!(redis(w, "DBSIZE").trim(), "502");
}

fn redis_check(w: &World) {
    assert_eq!(redis(w, "DBSIZE").trim(), "502", "every key is back");
    assert_eq!(redis(w, "GET key:250").trim(), "250");
    assert_eq!(redis(w, "HGET user:1 name").trim(), "ada");
    let ttl: i64 = redis(w, "TTL session:1").trim().parse().unwrap();
    assert!(ttl > 86000, "the TTL survived: {ttl}");
}

/// Redis's generated backup jobs, rendered by real Helm and run as their
/// pods run them (see tests/drills/jobs.rs): the RDB CronJob three times
/// with `keep` 2, a wrong password that publishes nothing, the pre-upgrade
/// hook, the verification job loading the newest RDB into a throwaway
/// server; then the guide's full restore from the job's own file after a
/// FLUSHALL, and a truncated RDB that fails the verification.
#[test]
fn redis_backup_jobs_run() {
    let Some(mut w) = redis_world() else { return };
    let Some(docs) = jobs::render(
        "redis",
        &[
            "backup.enabled=true",
            "backup.existingClaim=redis-backup",
            "backup.rdb.keep=2",
            "backup.verify.enabled=true",
            "upgrade.backupJob.enabled=true",
        ],
    ) else {
        return;
    };
    let backup = w.owned_dir("backup", "redis");
    w.world["paths"]["/backup"] = backup.display().to_string().into();
    w.start();
    redis_fill(&w);
    // The Service's name stands for its address: the world has no DNS.
    let dns = [("REDIS_HOST", "127.0.0.1")];
    let cron = jobs::object(&docs, "CronJob", "rel-redis-backup-rdb");
    assert_eq!(cron["spec"]["schedule"], "0 * * * *");
    let rdb = backup.join("rdb");
    let done = jobs::three_runs_keep_two(
        &w,
        cron,
        "redis",
        &dns,
        &rdb,
        &["Transfer finished with success", "RDB looks OK"],
    );

    w.world["secrets"]["rel-redis"]["redis-password"] = "wrong".into();
    let r = jobs::run(&w, cron, "redis", &dns);
    assert_ne!(r.status, 0, "{}", r.output);
    assert_eq!(jobs::sets(&rdb).0, done, "no set from a failed run");
    w.world["secrets"]["rel-redis"]["redis-password"] = REDIS_PW.into();

    let hook = jobs::object(&docs, "Job", "rel-redis-pre-upgrade-backup");
    assert_eq!(
        hook["metadata"]["annotations"]["helm.sh/hook"],
        "pre-upgrade"
    );
    let r = jobs::run(&w, hook, "redis", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    let (after, partial) = jobs::sets(&rdb);
    assert_eq!(after.len(), 2);
    assert!(
        partial.is_empty(),
        "the hook removed the failed run's folder"
    );

    let verify = jobs::object(&docs, "CronJob", "rel-redis-backup-verify");
    let r = jobs::run(&w, verify, "redis", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(
        harness::matches("db0:keys=502,expires=1", &r.output),
        "{}",
        r.output
    );

    // Lost: every key. The operator copies the job's newest RDB off the
    // claim, and the guide's full restore loads it.
    redis(&w, "FLUSHALL");
    let set = &after[1];
    let name = format!("redis-{set}.rdb");
    std::fs::copy(rdb.join(set).join("dump.rdb"), w.backup_dir.join(&name)).unwrap();
    redis_full_restore(&w, &name);

    let f = rdb.join(set).join("dump.rdb");
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
    let r = jobs::run(&w, verify, "redis", &dns);
    assert_ne!(r.status, 0, "a truncated RDB must fail:\n{}", r.output);
}

/// Redis's generated jobs with the S3 destination (see
/// postgresql_backup_jobs_s3_run): the RDB CronJob twice with `keep` 1
/// leaves one set in the bucket, the verification downloads it and loads
/// it into a throwaway server, the RDB fetched from the bucket restores
/// every key after a FLUSHALL, and a truncated RDB in the bucket fails the
/// verification.
/// The guide's full restore from `$BACKUP_DIR/<name>`, its steps checked,
/// then the data.
fn redis_full_restore(w: &World, name: &str) {
    let runs = w.run("restore.full", &[("redis-<timestamp>.rdb", name)]);
    let worker =
        || w.ok("kubectl -n \"$NAMESPACE\" get deploy worker -o jsonpath='{.spec.replicas}'");
    assert!(
        runs.iter().any(|r| r
            .output
            .contains("replicas before the stop: deployment/worker=2")),
        "the stop records the client's 2 replicas"
    );
    assert_eq!(
        worker().trim(),
        "2",
        "the client starts with the 2 it had, not 1"
    );
    assert_steps(
        &runs,
        4,
        &[
            ("redis-check-rdb", "the tool's name"),
            (
                "DB loaded from base file appendonly.aof.1.base.rdb",
                "in the server log",
            ),
            ("DB loaded from disk", "the alternative when AOF is off"),
            ("state=online", "a standalone release has no replicas"),
        ],
    );
    redis_check(w);
}

#[test]
fn redis_backup_jobs_s3_run() {
    use jobs::{aws, bucket_sets, S3_ENDPOINT, S3_KEY, S3_SECRET};
    let Some(server) = jobs::s3_server() else {
        return;
    };
    let Some(mut w) = redis_world() else { return };
    let Some(docs) = jobs::render(
        "redis",
        &[
            "backup.enabled=true",
            "backup.rdb.keep=1",
            "backup.verify.enabled=true",
            "backup.s3.bucket=redis-backups",
            &format!("backup.s3.endpoint={S3_ENDPOINT}"),
            "backup.s3.existingSecret=s3-keys",
            "backup.s3.accessKeyIdKey=id",
            "backup.s3.secretAccessKeyKey=secret",
        ],
    ) else {
        return;
    };
    w.world["secrets"]["s3-keys"] = json!({ "id": S3_KEY, "secret": S3_SECRET });
    w.start();
    jobs::start_s3(&w, &server, "redis-backups");
    redis_fill(&w);
    let dns = [("REDIS_HOST", "127.0.0.1")];
    let cron = jobs::object(&docs, "CronJob", "rel-redis-backup-rdb");
    let url = "s3://redis-backups/rel-redis/rdb";
    for run in 1..=2 {
        let r = jobs::run(&w, cron, "redis", &dns);
        assert_eq!(r.status, 0, "run {run}:\n{}", r.output);
        assert!(r.output.contains("RDB looks OK"), "{}", r.output);
        assert!(
            harness::matches(&format!("uploaded {url}/N-N/"), &r.output),
            "{}",
            r.output
        );
        jobs::next_second();
    }
    let sets = bucket_sets(&w, url);
    assert_eq!(sets.len(), 1, "keep 1 in the bucket: {sets:?}");

    let verify = jobs::object(&docs, "CronJob", "rel-redis-backup-verify");
    let r = jobs::run(&w, verify, "redis", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(
        harness::matches("db0:keys=502,expires=1", &r.output),
        "{}",
        r.output
    );

    // Lost: every key. The RDB comes back from the bucket, and the guide's
    // full restore loads it.
    redis(&w, "FLUSHALL");
    let name = format!("redis-{}.rdb", sets[0]);
    let local = w.backup_dir.join(&name);
    let r = aws(
        &w,
        &format!(
            "s3 cp --no-progress {url}/{}/dump.rdb {}",
            sets[0],
            local.display()
        ),
    );
    assert_eq!(r.status, 0, "{}", r.output);
    redis_full_restore(&w, &name);

    let bytes = std::fs::read(&local).unwrap();
    let cut = w.path("cut.rdb");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let r = aws(
        &w,
        &format!("s3 cp {} {url}/{}/dump.rdb", cut.display(), sets[0]),
    );
    assert_eq!(r.status, 0, "{}", r.output);
    let r = jobs::run(&w, verify, "redis", &dns);
    assert_ne!(r.status, 0, "a truncated RDB must fail:\n{}", r.output);
}

/// The RDB backup, its check and verification, `make redis-backup`, then a
/// full restore through `make redis-restore` after a FLUSHALL, with AOF on
/// (the RDB becomes the base of a new AOF).
#[test]
fn redis_rdb_full_restore_drill() {
    let Some(mut w) = redis_world() else { return };
    w.start();
    redis_fill(&w);
    let runs = w.run("backup.rdb", &[]);
    assert_steps(
        &runs,
        3,
        &[("writing N bytes", "the message without diskless sync")],
    );
    let runs = w.run("verification", &[]);
    assert_steps(&runs, 1, &[("db0:keys=...,expires=...", "checked below")]);
    assert!(harness::matches("db0:keys=502,expires=1", &runs[0].output));
    w.ok("make redis-backup");
    let rdb = w.newest("redis-2");

    redis(&w, "FLUSHALL");
    let runs = w.run("restore.full", &[("redis-<timestamp>.rdb", &rdb)]);
    assert_steps(
        &runs,
        4,
        &[
            ("redis-check-rdb", "the tool's name"),
            (
                "DB loaded from base file appendonly.aof.1.base.rdb",
                "in the server log, checked below",
            ),
            ("DB loaded from disk", "the alternative when AOF is off"),
            ("state=online", "a standalone release has no replicas"),
        ],
    );
    redis_check(&w);
    let log = std::fs::read_to_string(w.state.join("redis.log")).unwrap();
    assert!(log.contains("DB loaded from base file appendonly.aof.1.base.rdb"));
    // The old files are kept beside the new ones, under names of their own.
    let kept = w.ok("ls data");
    assert!(kept.contains("appendonlydir.before-"), "{kept}");
}

/// A FLUSHALL undone from the AOF copy: the guide finds the second before
/// it and truncates the AOF there.
#[test]
fn redis_aof_pitr_drill() {
    let Some(mut w) = redis_world() else { return };
    w.start();
    redis_fill(&w);
    // The bad command comes a few seconds after the last good write.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    redis(&w, "FLUSHALL");
    let runs = w.run("backup.aof", &[]);
    assert_steps(
        &runs,
        2,
        &[
            ("appendfsync everysec", "checked by its parts below"),
            ("redis-aof-<ts>.tar.gz", "the file's name"),
            ("appendonlydir/", "checked below"),
        ],
    );
    assert!(harness::matches("appendonly yes", &runs[0].output));
    assert!(harness::matches(
        "aof-timestamp-enabled yes",
        &runs[0].output
    ));
    assert!(runs[1]
        .output
        .contains("appendonlydir/appendonly.aof.manifest"));
    let tar = w.newest("redis-aof-");
    let runs = w.run("restore.aof-pitr", &[("redis-aof-<ts>.tar.gz", &tar)]);
    assert_steps(
        &runs,
        4,
        &[(
            "DB loaded from incr file appendonly.aof.N.incr.aof",
            "in the server log, checked below",
        )],
    );
    redis_check(&w);
    let log = std::fs::read_to_string(w.state.join("redis.log")).unwrap();
    assert!(harness::matches(
        "DB loaded from incr file appendonly.aof.N.incr.aof",
        &log
    ));
}

/// Selected keys copied back from an RDB through a scratch server with
/// MIGRATE, while the live server keeps its other keys.
#[test]
fn redis_keys_drill() {
    let Some(mut w) = redis_world() else { return };
    w.var("KEY_PATTERN", "key:1*");
    w.start();
    redis_fill(&w);
    w.ok("make redis-backup");
    let rdb = w.newest("redis-2");
    redis(
        &w,
        "EVAL \"for i=1,500 do redis.call('DEL','key:'..i) end return 1\" 0",
    );
    redis(&w, "SET keep me");
    let runs = w.run("restore.keys", &[("redis-<timestamp>.rdb", &rdb)]);
    assert_steps(
        &runs,
        3,
        &[("NOKEY", "only for keys that expired meanwhile")],
    );
    // key:1, key:10-19, key:100-199: 111 keys.
    assert!(runs[1].output.contains("111 OK"), "{}", runs[1].output);
    assert_eq!(redis(&w, "GET key:150").trim(), "150");
    assert_eq!(redis(&w, "EXISTS key:250").trim(), "0");
    assert_eq!(redis(&w, "GET keep").trim(), "me");
}
