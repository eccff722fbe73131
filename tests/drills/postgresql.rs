//! PostgreSQL drills: Debian's PostgreSQL as pod `rel-postgresql-0` of
//! StatefulSet `rel-postgresql`, configured as the chart's ConfigMap renders
//! it with the guide's `backup-values.yaml` (WAL archiving to `/backup/wal`,
//! replication enabled), its data volume at `/var/lib/postgresql/data` and
//! the backup volume at `/backup`.

use crate::harness::{assert_steps, matches, World, NAMESPACE};
use crate::pg;
use serde_json::json;

const POD: &str = "rel-postgresql-0";
const PW: &str = "drill-pass";
const REPL_PW: &str = "drill-repl";

/// The `postgresql.config` entries of the guide's `backup-values.yaml`
/// (step "Enable WAL archiving on the release"), as the chart appends them
/// to postgresql.conf: `key = value`.
fn archiving_settings(w: &World) -> String {
    let text = w.step_text("backup.wal", "Enable WAL archiving on the release");
    let start = text.find("<<EOF\n").expect("the values heredoc") + 6;
    let end = start + text[start..].find("\nEOF\n").expect("its end");
    let values: serde_yaml::Value = serde_yaml::from_str(&text[start..end]).unwrap();
    let config = values["postgresql"]["config"]
        .as_mapping()
        .expect("postgresql.config in backup-values.yaml");
    let mut out = String::new();
    for (k, v) in config {
        let v = match v {
            serde_yaml::Value::String(s) => s.clone(),
            other => serde_yaml::to_string(other).unwrap().trim().to_string(),
        };
        out.push_str(&format!("{} = {v}\n", k.as_str().unwrap()));
    }
    out
}

/// The world (see tests/drills/pg.rs): initdb as the image's entrypoint
/// runs it, the chart's postgresql.conf and pg_hba.conf (mounted at
/// /etc/postgresql) with the guide's archiving settings, the socket in the
/// world's own folder, and the Secret and environment the chart gives the
/// pod with replication enabled. `fsync = off`: the drill's disk is not
/// under test, and the machine's is shared and slow.
pub fn world() -> Option<World> {
    let tools = [
        "pg_dump",
        "pg_dumpall",
        "pg_restore",
        "pg_basebackup",
        "pg_archivecleanup",
        "vacuumdb",
    ];
    let (mut w, pg) = pg::world("postgresql", &tools)?;
    let backup = w.owned_dir("backup", "postgres");
    let etc = w.path("etc");
    std::fs::create_dir_all(&etc).unwrap();
    let pwfile = w.path("pwfile");
    std::fs::write(&pwfile, PW).unwrap();
    crate::harness::chown(&pwfile, "postgres");
    pg.initdb(&w, &format!("--pwfile={}", pwfile.display()));
    let archiving = archiving_settings(&w).replace("/backup/", &format!("{}/", backup.display()));
    std::fs::write(
        etc.join("postgresql.conf"),
        format!(
            "listen_addresses = '*'\nport = 5432\nmax_connections = 100\n\
             shared_buffers = 128MB\nwal_level = replica\nmax_wal_senders = 10\n\
             max_replication_slots = 10\nlogging_collector = on\n\
             log_directory = 'log'\nlog_filename = 'postgresql-%Y-%m-%d_%H%M%S.log'\n\
             unix_socket_directories = '{}'\nfsync = off\n{archiving}",
            pg.sock
        ),
    )
    .unwrap();
    std::fs::write(
        etc.join("pg_hba.conf"),
        "local all all trust\nhost all all 127.0.0.1/32 trust\n\
         host all all ::1/128 trust\nhost all all 0.0.0.0/0 md5\n\
         host replication replicator 0.0.0.0/0 md5\n",
    )
    .unwrap();
    w.describe(json!({
        "workload": { "kind": "StatefulSet", "name": "rel-postgresql", "pod": POD,
                      "container": "postgresql", "replicas": 1, "image": "postgres:16.11",
                      "volumes": [
                          { "name": "config", "configMap": { "name": "rel-postgresql-config" } },
                          { "name": "backup",
                            "persistentVolumeClaim": { "claimName": "postgresql-backup" } } ] },
        "uids": { "999": "postgres" },
        "paths": { "/var/lib/postgresql/data": pg.data, "/backup": backup,
                   "/etc/postgresql": etc },
        "env": { "POSTGRES_PASSWORD": PW, "POSTGRES_USER": "postgres",
                 "POSTGRES_DB": "postgres", "PGDATA": "/var/lib/postgresql/data",
                 "POSTGRES_REPLICATION_USER": "replicator",
                 "POSTGRES_REPLICATION_PASSWORD": REPL_PW,
                 "PGHOST": pg.sock },
        // Two client releases of the database, and a release that does
        // not use it and must keep running.
        "others": [ { "kind": "Deployment", "name": "app", "replicas": 3,
                      "labels": { "app.kubernetes.io/instance": "app" } },
                    { "kind": "StatefulSet", "name": "worker", "replicas": 2,
                      "labels": { "app.kubernetes.io/instance": "worker" } },
                    { "kind": "Deployment", "name": "bystander", "replicas": 4,
                      "labels": { "app.kubernetes.io/instance": "bystander" } } ],
        // pg-backup reaches the server over its Service, and mounts the
        // backup claim, which is ReadWriteMany, while the server runs.
        "services": { "rel-postgresql": "127.0.0.1" },
        "rwx_claims": [ "postgresql-backup" ],
        "secrets": { "rel-postgresql-secret": { "postgres-password": PW,
                                               "replication-password": REPL_PW } },
    }));
    let etc = etc.display();
    pg.serve(
        &mut w,
        &format!("-c config_file={etc}/postgresql.conf -c hba_file={etc}/pg_hba.conf"),
    );
    w.var("BACKUP_PVC", "postgresql-backup");
    w.var("DB", "app");
    w.var("APP_RELEASE", "app,worker");
    Some(w)
}

/// Runs SQL in database `db` through the pod, as the superuser.
pub fn sql(w: &World, db: &str, sql: &str) -> String {
    w.ok(&format!(
        "kubectl -n {NAMESPACE} exec -i {POD} -c postgresql -- \
         psql -XAtq -v ON_ERROR_STOP=1 -U postgres -d {db} <<'SQL'\n{sql}\nSQL"
    ))
    .trim()
    .to_string()
}

/// A role, its database `app` and 1000 orders in it.
fn fill(w: &World) {
    sql(
        w,
        "postgres",
        &pg::role_and_database("app_owner", "app-pass", "app"),
    );
    sql(
        w,
        "app",
        "CREATE TABLE orders (id int PRIMARY KEY, item text NOT NULL);\n\
         ALTER TABLE orders OWNER TO app_owner;\n\
         INSERT INTO orders SELECT g, 'item ' || g FROM generate_series(1, 1000) g;",
    );
}

/// The guide's single-database restore of `app` from dump set `set`, its
/// seven steps checked, the dump's own header among them; `make_target` says
/// why the alternative target step is not run here.
fn restore_single_db(w: &World, set: &str, make_target: &str) -> Vec<crate::harness::StepRun> {
    let runs = w.run("restore.single-db", &[("20251120-020000", set)]);
    assert_steps(
        &runs,
        7,
        &[
            ("dbname: ...", "checked below"),
            (
                "Dumped from database version: 16.x",
                "Debian runs 15, checked below",
            ),
            ("make postgresql-restore-db DB=... FILE=...", make_target),
        ],
    );
    assert!(runs[0].output.contains("dbname: app"), "{}", runs[0].output);
    runs
}

fn orders(w: &World) -> String {
    sql(w, "app", "SELECT count(*) || ' ' || max(id) FROM orders")
}

/// WAL archiving, a base backup, the verification and a full restore after
/// the data files are lost: every order, also those written after the base
/// backup and only in the archive or the old pg_wal, comes back.
#[test]
fn postgresql_full_restore_drill() {
    let Some(mut w) = world() else { return };
    w.start();
    let runs = w.run("backup.wal", &[]);
    assert_steps(
        &runs,
        4,
        &[
            ("backup-values.yaml", "a file name"),
            ("test ! -f ... && cp ... && mv ...", "checked below"),
            ("pg_switch_wal()", "the function the step calls"),
            ("last_archived_time", "checked below"),
            ("failed_count", "psql -At prints values only"),
            (".ready", "a file name"),
        ],
    );
    assert!(runs[0].output.contains("CREATE ROLE"), "{}", runs[0].output);
    assert!(matches(
        "archive_command | test ! -f ... && cp ... && mv ...",
        &runs[1].output
    ));
    assert!(
        matches("failed_count | 0", &runs[2].output),
        "{}",
        runs[2].output
    );
    assert!(matches(
        "last_archived_wal | 0000000100000000000000",
        &runs[2].output
    ));
    assert!(
        runs[3].output.starts_with("0|"),
        "no archiver failures: {}",
        runs[3].output
    );
    fill(&w);

    let runs = w.run("backup.basebackup", &[]);
    assert_steps(
        &runs,
        4,
        &[
            ("LABEL: base-20251120-010000", "an example, checked below"),
            (
                "STOP TIME: 2025-11-20 01:04:12 GMT",
                "an example, checked below",
            ),
            ("pg_archivecleanup", "a tool's name"),
            ("-n", "an option"),
            ("-d", "an option"),
        ],
    );
    assert!(
        matches("LABEL: base-N-N", &runs[2].output),
        "{}",
        runs[2].output
    );
    assert!(matches("STOP TIME: N-N-N N:N:N GMT", &runs[2].output));

    // Written after the base backup: 500 rows archived, 500 more only in
    // pg_wal when the disk fails.
    sql(
        &w,
        "app",
        "INSERT INTO orders SELECT g, 'late ' || g FROM generate_series(1001, 1500) g",
    );
    sql(&w, "postgres", "SELECT pg_switch_wal()");
    sql(
        &w,
        "app",
        "INSERT INTO orders SELECT g, 'last ' || g FROM generate_series(1501, 2000) g",
    );

    let runs = w.run("backup.dumps", &[]);
    assert_steps(
        &runs,
        3,
        &[
            (".dump", "checked below"),
            ("globals.sql", "checked below"),
            ("$BACKUP_DIR", "a variable"),
        ],
    );
    assert!(runs[0].output.contains("app.dump") && runs[0].output.contains("globals.sql"));
    assert!(
        matches("wrote ...postgresql-N-N.tar", &runs[1].output),
        "{}",
        runs[1].output
    );
    let runs = w.run("backup.config", &[]);
    assert_steps(&runs, 1, &[]);
    let settings = std::fs::read_to_string(w.backup_dir.join("settings.txt")).unwrap();
    assert!(settings.contains("archive_command") && settings.contains("replication"));

    let runs = w.run("verification", &[]);
    assert_steps(
        &runs,
        4,
        &[
            ("$DB", "a variable"),
            ("failed_count", "the row is shown by name, checked below"),
            ("since_last_archive", "a column, shown"),
            ("segments_waiting", "a column, shown"),
            (
                "pg_restore: error:",
                "what a cut dump prints, drilled below",
            ),
        ],
    );
    assert!(
        matches("failed_count | 0", &runs[0].output),
        "{}",
        runs[0].output
    );
    assert_eq!(runs[1].output.trim(), "1", "one table with data in app");
    assert!(
        runs[2].output.lines().any(|l| l == "1"),
        "{}",
        runs[2].output
    );
    // A dump cut in its data keeps its table of contents: `--list` alone
    // still counts its table, the step reads it to its end and fails.
    let cut = format!("backup/dump/{}/app.dump", newest_in(&w, "backup/dump"));
    let whole = std::fs::read(w.path(&cut)).unwrap();
    std::fs::write(w.path(&cut), &whole[..whole.len() / 2]).unwrap();
    let listed = w.ok(&format!("pg_restore --list {cut} | grep -c 'TABLE DATA'"));
    assert_eq!(listed.trim(), "1", "the premise: --list passes a cut dump");
    let runs = w.run_part("verification", 1..2, &[]);
    assert_ne!(
        runs[0].status, 0,
        "a cut dump must fail:\n{}",
        runs[0].output
    );
    assert!(
        runs[0].output.contains("pg_restore: error:"),
        "{}",
        runs[0].output
    );
    std::fs::write(w.path(&cut), &whole).unwrap();

    // The disk fails: PostgreSQL is stopped and its files are gone but for
    // pg_wal.
    let runs = w.run_part("restore.full", ..1, &[]);
    assert_steps(&runs, 1, &[]);
    w.ok("rm -rf data/base data/global data/pg_xact");
    let runs = w.run_part("restore.full", 1.., &[]);
    assert_steps(
        &runs,
        5,
        &[
            (
                "cp: cannot stat ... .history",
                "normal when no later timeline exists",
            ),
            ("$PGDATA/.old-*", "a path"),
        ],
    );
    assert_eq!(orders(&w), "2000 2000", "every order is back");
    assert_eq!(field(&runs[4].output, "pg_is_in_recovery"), "f");
    assert_eq!(field(&runs[4].output, "timeline_id"), "2", "one higher");
    let tli = sql(
        &w,
        "postgres",
        "SELECT substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8)",
    );
    assert_eq!(tli, "00000002", "a new timeline");
}

/// The value under `column` in the first row of psql's aligned output.
fn field(output: &str, column: &str) -> String {
    let lines: Vec<&str> = output.lines().collect();
    for (i, l) in lines.iter().enumerate() {
        let cells: Vec<&str> = l.split('|').map(str::trim).collect();
        if let Some(k) = cells.iter().position(|c| *c == column) {
            if let Some(row) = lines.get(i + 2) {
                return row.split('|').nth(k).unwrap_or("").trim().to_string();
            }
        }
    }
    panic!("no column {column} in:\n{output}")
}

/// The newest entry of a folder of the world, e.g. `backup/base`.
fn newest_in(w: &World, dir: &str) -> String {
    w.ok(&format!("ls -1 {dir} | tail -n 1")).trim().to_string()
}

/// A DROP TABLE undone: recovery pauses just before its commit, the data
/// is checked read-only, and resuming promotes a cluster that has every
/// order written before the target.
#[test]
fn postgresql_pitr_drill() {
    let Some(mut w) = world() else { return };
    w.start();
    assert_steps(&w.run_part("backup.wal", ..1, &[]), 1, &[]);
    fill(&w);
    let runs = w.run_part("backup.basebackup", ..2, &[]);
    assert_steps(&runs, 2, &[]);
    let base = newest_in(&w, "backup/base");
    sql(
        &w,
        "app",
        "INSERT INTO orders SELECT g, 'good ' || g FROM generate_series(1001, 1200) g",
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let target = sql(&w, "postgres", "SELECT now()::text");
    std::thread::sleep(std::time::Duration::from_millis(1100));
    sql(&w, "app", "DROP TABLE orders");

    let fill = [
        ("20251120-010000", base.as_str()),
        ("2025-11-20 14:29:00+00", target.as_str()),
    ];
    let runs = w.run_part("restore.pitr", ..2, &fill);
    assert_steps(&runs, 2, &[("BASE", "a variable")]);
    assert!(runs[0].output.contains(&format!("LABEL: base-{base}")));
    // "Apply exactly the pg-restore manifest of step 3 of the full restore."
    let runs = w.run_part("restore.full", 1..2, &[]);
    assert_steps(&runs, 1, &[]);
    let runs = w.run_part("restore.pitr", 2..5, &[]);
    assert_steps(
        &runs,
        3,
        &[
            ("paused", "the pause state, checked below"),
            ("SET lock_timeout = '5s'", "advice, followed below"),
        ],
    );
    assert_eq!(
        field(&runs[2].output, "pg_get_wal_replay_pause_state"),
        "paused"
    );
    // The table the DROP TABLE held locked while recovery waits before
    // its commit: the pitfall's lock timeout.
    let locked = w.sh(&format!(
        "kubectl -n {NAMESPACE} exec {POD} -c postgresql -- psql -XAt -U postgres -d app \
         -c \"SET lock_timeout = '1s'\" -c 'SELECT count(*) FROM orders'"
    ));
    assert!(locked.output.contains("lock timeout"), "{}", locked.output);
    let runs = w.run_part("restore.pitr", 5.., &[]);
    assert_steps(
        &runs,
        2,
        &[(
            "archive recovery complete",
            "in the server log, checked below",
        )],
    );
    assert_eq!(field(&runs[0].output, "pg_is_in_recovery"), "f");
    assert_eq!(orders(&w), "1200 1200", "the orders of the target time");
    let log = w.ok("cat \"$(ls -1t data/log/*.log | head -n 1)\"");
    assert!(log.contains("archive recovery complete"), "{log}");
}

/// One database back from last night's dump while the others keep
/// running, through the guide's steps and through `make
/// postgresql-restore-db`; then every database from the tar of `make
/// postgresql-backup` through `make postgresql-restore`.
#[test]
fn postgresql_single_db_drill() {
    let Some(mut w) = world() else { return };
    w.start();
    fill(&w);
    sql(&w, "postgres", "CREATE DATABASE other");
    sql(
        &w,
        "other",
        "CREATE TABLE t (x int); INSERT INTO t VALUES (7)",
    );
    let runs = w.run_part("backup.dumps", ..1, &[]);
    assert_steps(
        &runs,
        1,
        &[
            (".dump", "app.dump, checked below"),
            ("globals.sql", "checked below"),
        ],
    );
    assert!(runs[0].output.contains("app.dump") && runs[0].output.contains("globals.sql"));
    let out = w
        .ok("make postgresql-dump-db && make postgresql-dumpall-globals && make postgresql-backup");
    assert!(matches("wrote ...app-N-N.dump", &out), "{out}");
    assert!(
        out.contains("(contains password hashes: encrypt it)"),
        "{out}"
    );
    let out = w.ok("make postgresql-verify-backup");
    assert!(
        out.contains("app.dump: 1 tables") && out.contains("is readable"),
        "{out}"
    );

    // Last night's dump set is restored after a bad change to app; other
    // keeps its newer row.
    sql(&w, "app", "DELETE FROM orders WHERE id > 10");
    sql(&w, "other", "INSERT INTO t VALUES (8)");
    let set = newest_in(&w, "backup/dump");
    let runs = restore_single_db(&w, &set, "another way, drilled below");
    assert!(runs[0].output.contains("Dumped from database version: 15."));
    assert_eq!(runs[2].output.matches("ALTER DATABASE").count(), 2);
    assert_eq!(field(&runs[2].output, "count"), "0", "no session to end");
    assert_eq!(orders(&w), "1000 1000");
    assert_eq!(sql(&w, "other", "SELECT count(*) FROM t"), "2");
    // Both client releases of APP_RELEASE, and only they, were stopped
    // and start again with the counts they had, not 1.
    let stop = &runs[1].output;
    assert!(
        stop.contains("replicas before the stop: deployment/app=3 statefulset/worker=2")
            && stop.contains("deployment.apps/app scaled")
            && stop.contains("statefulset.apps/worker scaled")
            && !stop.contains("bystander"),
        "{stop}"
    );
    for (workload, count) in [
        ("deploy app", "3"),
        ("sts worker", "2"),
        ("deploy bystander", "4"),
    ] {
        assert_eq!(
            w.ok(&format!(
                "kubectl -n \"$NAMESPACE\" get {workload} -o jsonpath='{{.spec.replicas}}'"
            )),
            count,
            "{workload}"
        );
    }
    let left = sql(
        &w,
        "postgres",
        "SELECT string_agg(datname, ',' ORDER BY datname) FROM pg_database",
    );
    assert_eq!(
        left, "app,other,postgres,template0,template1",
        "the old copy is dropped"
    );

    // From the operator's machine: one database, then everything.
    sql(&w, "app", "DELETE FROM orders");
    let out = w.ok("make postgresql-restore-db");
    assert!(out.contains("kept the previous app as app_pre_"), "{out}");
    assert_eq!(orders(&w), "1000 1000");
    sql(&w, "other", "DROP TABLE t");
    let out = w.ok("make postgresql-restore");
    assert!(out.contains("restoring database other"), "{out}");
    assert_eq!(
        sql(&w, "other", "SELECT count(*) FROM t"),
        "1",
        "other as at the backup"
    );
    assert_eq!(orders(&w), "1000 1000");

    // A set whose app.dump lost its last bytes: the table of contents
    // still lists, but the restore stops before it drops any database.
    sql(&w, "other", "INSERT INTO t VALUES (9)");
    w.ok(
        "f=$(ls -1 \"$BACKUP_DIR\"/postgresql-*.tar | tail -n 1) && d=$(mktemp -d) \
          && tar -xf \"$f\" -C \"$d\" && s=$(stat -c %s \"$d/app.dump\") \
          && truncate -s $((s - 64)) \"$d/app.dump\" \
          && pg_restore --list \"$d/app.dump\" >/dev/null \
          && tar -cf cut.tar -C \"$d\" . && rm -rf \"$d\"",
    );
    let r = w.sh("make postgresql-restore FILE=cut.tar");
    assert_ne!(r.status, 0, "{}", r.output);
    assert!(
        r.output
            .contains("app.dump in cut.tar does not read to its end")
            && !r.output.contains("restoring"),
        "{}",
        r.output
    );
    let r = w.sh("make postgresql-verify-backup FILE=cut.tar");
    assert_ne!(r.status, 0, "{}", r.output);
    assert_eq!(
        sql(&w, "other", "SELECT count(*) FROM t"),
        "2",
        "other untouched"
    );
    assert_eq!(orders(&w), "1000 1000");
}

/// The generated backup CronJob, verification CronJob and pre-upgrade hook,
/// rendered by real Helm and run as their pods run them: the dump job
/// connects over TCP with the Secret's password (pg_hba.conf asks for it
/// on loopback here, as the chart's does for pod addresses), keeps the
/// newest two sets, leaves nothing half-written when it fails, and the
/// guide's single-database restore brings the data back from its output.
#[test]
fn postgresql_backup_jobs_run() {
    use crate::jobs;
    let Some(mut w) = world() else { return };
    let Some(docs) = jobs::render(
        "postgresql",
        &[
            "backup.enabled=true",
            "backup.existingClaim=postgresql-backup",
            "backup.dumps.keep=2",
            "backup.verify.enabled=true",
            "upgrade.backupJob.enabled=true",
        ],
    ) else {
        return;
    };
    crate::common::edit(
        &w.path("etc/pg_hba.conf"),
        &[(
            "host all all 127.0.0.1/32 trust",
            "host all all 127.0.0.1/32 md5",
        )],
    );
    let dns = [("PGHOSTADDR", "127.0.0.1")];
    jobs::install_cronjobs(&mut w, &docs, "postgres", &dns);
    w.start();
    fill(&w);
    let cron = jobs::object(&docs, "CronJob", "rel-postgresql-backup-dumps");
    assert_eq!(cron["spec"]["schedule"], "0 2 * * *");
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    let dumps = w.path("backup/dump");
    jobs::three_runs_keep_two(
        &w,
        cron,
        "postgres",
        &dns,
        &dumps,
        &["dumping app", "backup set .../dump/N-N complete"],
    );

    // `make postgresql-backup-jobs` starts a Job from the CronJob and waits
    // for its Complete condition.
    crate::jobs::next_second();
    let out = w.ok("make postgresql-backup-jobs");
    assert!(
        matches("job.batch/rel-postgresql-backup-dumps-now-N created", &out),
        "{out}"
    );
    assert!(
        matches("rel-postgresql-backup-dumps-now-N complete", &out),
        "{out}"
    );
    let (done, _) = jobs::sets(&dumps);
    assert_eq!(done.len(), 2, "keep 2: {done:?}");
    crate::jobs::next_second();

    // A wrong password fails the job and publishes nothing.
    let good = w.world["secrets"]["rel-postgresql-secret"]["postgres-password"].clone();
    w.world["secrets"]["rel-postgresql-secret"]["postgres-password"] = "wrong".into();
    let r = jobs::run(&w, cron, "postgres", &dns);
    assert_ne!(r.status, 0, "{}", r.output);
    assert!(
        r.output.contains("password authentication failed"),
        "{}",
        r.output
    );
    assert_eq!(jobs::sets(&dumps).0, done, "no set from a failed run");
    w.world["secrets"]["rel-postgresql-secret"]["postgres-password"] = good;

    // The pre-upgrade hook runs the same backup (and clears the leftover).
    let hook = jobs::object(&docs, "Job", "rel-postgresql-pre-upgrade-backup");
    assert_eq!(
        hook["metadata"]["annotations"]["helm.sh/hook"],
        "pre-upgrade"
    );
    let r = jobs::run(&w, hook, "postgres", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    let (after, partial) = jobs::sets(&dumps);
    assert_eq!(after.len(), 2);
    assert!(
        partial.is_empty(),
        "the hook removed the failed run's folder"
    );
    assert_eq!(after[0], done[1], "the oldest set went");

    let verify = jobs::object(&docs, "CronJob", "rel-postgresql-backup-verify");
    let r = jobs::run(&w, verify, "postgres", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(
        r.output.contains("app.dump: readable, 1 tables with data"),
        "{}",
        r.output
    );

    // Lost: the guide's single-database restore from the hook's set.
    sql(&w, "app", "DROP TABLE orders");
    let set = newest_in(&w, "backup/dump");
    assert_eq!(set, after[1]);
    restore_single_db(&w, &set, "another way, drilled elsewhere");
    assert_eq!(orders(&w), "1000 1000");

    // A truncated dump fails the verification job.
    let f = dumps.join(&set).join("app.dump");
    let bytes = std::fs::read(&f).unwrap();
    std::fs::write(&f, &bytes[..bytes.len() / 2]).unwrap();
    let r = jobs::run(&w, verify, "postgres", &dns);
    assert_ne!(r.status, 0, "a truncated dump must fail:\n{}", r.output);
}

/// The generated jobs with `backup.s3.*` set, against a real S3 server
/// (s3s-fs, standing in for MinIO) with Debian's aws CLI (v2, as the
/// jobs' image): the dump runs as the init container, the generated
/// upload copies the set to the bucket and keeps the newest two there,
/// wrong credentials fail the job and change nothing, the verification
/// downloads the newest set and reads it, and the guide's commands fetch
/// a set from the bucket for the single-database restore, which brings the
/// data back. A truncated dump in the bucket fails the verification.
#[test]
fn postgresql_backup_jobs_s3_run() {
    use crate::jobs;
    use crate::jobs::{aws, bucket_sets, S3_ENDPOINT, S3_SECRET};
    let Some(server) = jobs::s3_server() else {
        return;
    };
    let Some(mut w) = world() else { return };
    let Some(docs) = jobs::render(
        "postgresql",
        &[
            "backup.enabled=true",
            "backup.dumps.keep=2",
            "backup.verify.enabled=true",
            "upgrade.backupJob.enabled=true",
            "backup.s3.bucket=pg-backups",
            "backup.s3.prefix=nightly",
            &format!("backup.s3.endpoint={S3_ENDPOINT}"),
            &format!("backup.s3.existingSecret={}", jobs::S3_SECRET_NAME),
        ],
    ) else {
        return;
    };
    jobs::give_s3_secret(&mut w);
    let dns = [("PGHOSTADDR", "127.0.0.1")];
    w.start();
    jobs::start_s3(&w, &server, "pg-backups");
    fill(&w);

    let cron = jobs::object(&docs, "CronJob", "rel-postgresql-backup-dumps");
    assert_eq!(
        jobs::container_names(cron),
        ["backup", "upload"],
        "the dump, then the upload"
    );
    let url = "s3://pg-backups/nightly/rel-postgresql/dump";
    let third = jobs::three_runs(
        &w,
        cron,
        "postgres",
        &dns,
        &["dumping app", &format!("uploaded {url}/N-N/")],
    );
    assert!(
        matches(&format!("retention: removing {url}/N-N/"), &third),
        "{third}"
    );
    let done = bucket_sets(&w, url);
    assert_eq!(done.len(), 2, "keep 2 in the bucket: {done:?}");
    let r = aws(&w, &format!("s3 ls {url}/{}/", done[1]));
    assert!(r.output.contains("app.dump"), "{}", r.output);
    assert!(r.output.contains("globals.sql"), "{}", r.output);

    // Wrong credentials: the upload fails, the job fails, the bucket keeps
    // what it had.
    w.world["secrets"][jobs::S3_SECRET_NAME]["root-password"] = "wrong".into();
    let r = jobs::run(&w, cron, "postgres", &dns);
    assert_ne!(r.status, 0, "{}", r.output);
    assert!(
        r.output.contains("--- container upload ---"),
        "{}",
        r.output
    );
    assert_eq!(bucket_sets(&w, url), done, "no set from a failed upload");
    w.world["secrets"][jobs::S3_SECRET_NAME]["root-password"] = S3_SECRET.into();
    crate::jobs::next_second();

    // The pre-upgrade hook uploads a set as well.
    let hook = jobs::object(&docs, "Job", "rel-postgresql-pre-upgrade-backup");
    let r = jobs::run(&w, hook, "postgres", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    let after = bucket_sets(&w, url);
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0], done[1], "the oldest set went");

    // The verification downloads the newest set, then reads it.
    let verify = jobs::object(&docs, "CronJob", "rel-postgresql-backup-verify");
    let r = jobs::run(&w, verify, "postgres", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(
        r.output.contains(&format!(
            "downloading s3://pg-backups/nightly/rel-postgresql/dump/{}/",
            after[1]
        )),
        "{}",
        r.output
    );
    assert!(
        r.output.contains("app.dump: readable, 1 tables with data"),
        "{}",
        r.output
    );

    // Lost: the guide's commands fetch the newest set from the bucket into
    // the pod's /backup, then the single-database restore reads it.
    sql(&w, "app", "DROP TABLE orders");
    let project = crate::common::shipped();
    let spec = &project
        .specs
        .iter()
        .find(|f| f.spec.name == "postgresql")
        .unwrap()
        .spec;
    let view = chartgen::spec::jobs::view(spec).unwrap();
    let fetch = &view.backups[0].s3_fetch;
    let guide = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/postgresql/backup-guide.md"),
    )
    .unwrap();
    assert!(guide.contains(fetch.as_str()), "the guide shows:\n{fetch}");
    let r = w.sh(&format!(
        "export {env} \
         S3_URL=s3://pg-backups/nightly/rel-postgresql SET={set} POD={POD}\n\
         PATH={bin}:/usr/bin:$PATH\n{fetch}",
        env = jobs::s3_env(&w),
        bin = w.path("bin").display(),
        set = after[1],
    ));
    assert_eq!(r.status, 0, "{}", r.output);
    assert!(
        r.output.contains(&format!("PRE {}/", after[1])),
        "{}",
        r.output
    );
    restore_single_db(&w, &after[1], "another way, drilled elsewhere");
    assert_eq!(orders(&w), "1000 1000");

    // A truncated dump in the bucket fails the verification job.
    let f = w.path(&format!("backup/dump/{}/app.dump", after[1]));
    let bytes = std::fs::read(&f).unwrap();
    let cut = w.path("cut.dump");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    let r = aws(
        &w,
        &format!("s3 cp {} {url}/{}/app.dump", cut.display(), after[1]),
    );
    assert_eq!(r.status, 0, "{}", r.output);
    let r = jobs::run(&w, verify, "postgres", &dns);
    assert_ne!(r.status, 0, "a truncated dump must fail:\n{}", r.output);
    assert!(
        r.output.contains("--- container verify ---"),
        "{}",
        r.output
    );
}
