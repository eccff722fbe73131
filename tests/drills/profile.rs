//! The PostgreSQL dependency profile (`backup.database`, src/spec/profile.rs)
//! drilled as two charts' guides render it: Keycloak's, whose Secret holds
//! the password of its role, and Airflow's, whose Secret holds a whole
//! connection URL. Debian's PostgreSQL is the external server the chart
//! connects to, reached over TCP with password authentication as the
//! chart's role, whose password (or URL) is in the Secret the chart
//! renders. The client pods the steps start (`kubectl run -i --rm
//! --image=postgres:16.11`) run Debian's client tools with the environment
//! the steps give them; the scratch server of the verification is a
//! second, throwaway PostgreSQL. The world's workload start command is that
//! external server: the drill runs the profile's steps only, none that
//! scales the application itself.
//! The WAL component's archiver check runs against the same server, made
//! to archive its WAL as the postgresql chart's does.

use crate::harness::{as_user, assert_steps, World};
use crate::pg;
use serde_json::json;

const APP_PW: &str = "app-drill-pass";

/// A chart the profile is drilled for: its pod, the Secret the profile
/// reads, its database and role, the data the verification queries find,
/// and what they print.
struct Case {
    chart: &'static str,
    /// The profile's component id.
    component: &'static str,
    kind: &'static str,
    workload: &'static str,
    pod: &'static str,
    secret: &'static str,
    key: &'static str,
    /// The Secret's value, `{pw}` standing for the role's password.
    value: &'static str,
    db: &'static str,
    /// Tables and rows, created as the chart's role.
    fill: &'static str,
    /// What the scratch restore prints for that data.
    verify_prints: &'static [&'static str],
}

const KEYCLOAK: Case = Case {
    chart: "keycloak",
    component: "database",
    kind: "StatefulSet",
    workload: "rel-keycloak",
    pod: "rel-keycloak-0",
    secret: "rel-keycloak",
    key: "db-password",
    value: "{pw}",
    db: "keycloak",
    fill: "CREATE TABLE realm (id text PRIMARY KEY, name text NOT NULL);\n\
           INSERT INTO realm VALUES ('r1', 'master'), ('r2', 'acme');\n\
           CREATE TABLE event_entity (id int PRIMARY KEY, realm_id text REFERENCES realm);\n\
           INSERT INTO event_entity SELECT g, 'r2' FROM generate_series(1, 1000) g;",
    verify_prints: &["master", "acme"],
};

const AIRFLOW: Case = Case {
    chart: "airflow",
    component: "metadata-db",
    kind: "Deployment",
    workload: "rel-airflow-webserver",
    pod: "rel-airflow-webserver-5d8f7-x2x4z",
    secret: "rel-airflow-secret",
    key: "postgresql-url",
    value: "postgresql://airflow:{pw}@127.0.0.1:5432/airflow",
    db: "airflow",
    fill: "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);\n\
           INSERT INTO alembic_version VALUES ('88344c1d9134');\n\
           CREATE TABLE dag_run (id int PRIMARY KEY, execution_date timestamptz);\n\
           INSERT INTO dag_run SELECT g, timestamptz '2026-01-01' + g * interval '1 hour' \
           FROM generate_series(1, 1000) g;",
    verify_prints: &["88344c1d9134", "1000|2026-02-11 16:00:00"],
};

/// The `-c` settings of a server on socket folder `sock`, listening on
/// `tcp` (none when empty).
fn settings(sock: &str, tcp: &str) -> String {
    format!(
        "-c listen_addresses='{tcp}' -c port=5432 -c unix_socket_directories={sock} -c fsync=off"
    )
}

/// The world (see tests/drills/pg.rs): the external server with password
/// authentication over TCP, and the client image's scratch server.
fn world(case: &Case) -> Option<World> {
    world_with(case, false)
}

/// [`world`], whose server archives each finished WAL segment into the
/// world's `wal-archive` folder when `archive` is set, as the postgresql
/// chart's server does.
fn world_with(case: &Case, archive: bool) -> Option<World> {
    let (mut w, pg) = pg::world(case.chart, &["pg_dump", "pg_restore", "createdb"])?;
    let scratch = w.owned_dir("scratch", "postgres");
    let scratch_sock = w.owned_dir("scratch-sock", "postgres");
    // The client pods' own /tmp, where the dump checks keep the dump.
    let pod_tmp = w.owned_dir("pod-tmp", "postgres");
    pg.initdb(&w, "--auth-local=trust --auth-host=scram-sha-256");
    // The image's entrypoint: a fresh cluster with POSTGRES_PASSWORD,
    // local connections as postgres, on a socket of its own.
    let (scratch, scratch_sock) = (
        scratch.display().to_string(),
        scratch_sock.display().to_string(),
    );
    let scratch_data = format!("{scratch}/pg");
    let scratch_start = format!(
        "rm -rf {scratch_data} && {} && exec {}",
        pg.initdb_command(&scratch_data, "--auth-local=trust"),
        pg.postgres(&scratch_data, &settings(&scratch_sock, ""))
    );
    w.describe(json!({
        "workload": { "kind": case.kind, "name": case.workload, "pod": case.pod,
                      "container": case.chart, "replicas": 1 },
        "paths": {},
        "env": { "TMPDIR": pod_tmp },
        "images": { "postgres:16.11": {
            "user": "postgres",
            "env": { "PGHOST": scratch_sock },
            "paths": {},
            "start": scratch_start,
        } },
        "secrets": { case.secret: { case.key: case.value.replace("{pw}", APP_PW) } },
    }));
    let mut args = settings(&pg.sock, "127.0.0.1");
    if archive {
        let dir = w.owned_dir("wal-archive", "postgres");
        args.push_str(&format!(
            " -c wal_level=replica -c archive_mode=on \
             -c archive_command='test ! -f {d}/%f && cp %p {d}/%f'",
            d = dir.display()
        ));
    }
    pg.serve(&mut w, &args);
    // Only the password connection reads the host from the variables.
    w.var("DB_HOST", "127.0.0.1");
    w.var("PGSOCK", &pg.sock);
    Some(w)
}

/// SQL in database `db` as the superuser, over the server's socket.
pub fn sql(w: &World, db: &str, sql: &str) -> String {
    w.ok(&format!(
        "{} psql -XAtq -v ON_ERROR_STOP=1 -h \"$PGSOCK\" -U postgres -d {db} <<'SQL'\n{sql}\nSQL",
        as_user("postgres")
    ))
    .trim()
    .to_string()
}

/// Every table of schema public with its owner and row count.
pub fn state(w: &World, db: &str) -> String {
    let tables = sql(
        w,
        db,
        "SELECT tablename || ':' || tableowner FROM pg_tables \
         WHERE schemaname = 'public' ORDER BY tablename",
    );
    tables
        .lines()
        .map(|t| {
            let name = t.split(':').next().unwrap();
            format!(
                "{t}:{}",
                sql(w, db, &format!("SELECT count(*) FROM {name}"))
            )
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Where the profile's restore step is in `chart`'s full restore, counted
/// as `run_part` counts: among the steps a drill can run (the others
/// record why none can).
pub fn restore_step(chart: &str) -> usize {
    crate::harness::procedures(chart)
        .into_iter()
        .find(|p| p.id == "restore.full")
        .unwrap()
        .commands()
        .filter(|s| s.drill.as_ref().is_none_or(|d| d.none.is_none()))
        .position(|s| s.title == "Empty the database and restore the dump")
        .expect("the profile's step is in the full restore")
}

/// Backup (dump and its table of contents), the scratch restore of the
/// verification, then the restore step of the full restore after the data
/// is damaged and a table a newer version would add appears: the database
/// is as it was at the dump, owned by the chart's role, and a wrong secret
/// fails the step without touching the data.
fn drill(case: &Case) {
    let Some(mut w) = world(case) else { return };
    w.start();
    let (db, chart) = (case.db, case.chart);
    sql(&w, "postgres", &pg::role_and_database(db, APP_PW, db));
    sql(&w, db, &format!("SET ROLE {db};\n{}", case.fill));
    let before = state(&w, db);
    assert_eq!(before.matches(&format!(":{db}:")).count(), 2, "{before}");

    // The profile's steps; a `before` step of the chart's own says that
    // no drill runs it.
    let runs = w.run(&format!("backup.{}", case.component), &[]);
    let dump_file = format!("{chart}-db-<timestamp>.dump");
    assert_steps(
        &runs,
        2,
        &[
            (dump_file.as_str(), "a file name, checked below"),
            ("pg_restore: error:", "a cut dump's, checked below"),
        ],
    );
    let dump = w.newest(&format!("{chart}-db-"));
    assert!(dump.ends_with(".dump"), "{dump}");
    assert!(
        std::fs::metadata(w.backup_dir.join(&dump)).unwrap().len() > 0,
        "the dump is empty"
    );
    assert_eq!(runs[1].output.trim(), "2", "two tables with data");

    let runs = w.run_part("verification", ..1, &[]);
    assert_steps(&runs, 1, &[("pg_restore", "a tool's name; it exits 0")]);
    for p in case.verify_prints {
        assert!(runs[0].output.contains(p), "{p:?} in: {}", runs[0].output);
    }

    // A bad script empties a table; a newer version's table appears.
    let first = before.split(':').next().unwrap().to_string();
    sql(
        &w,
        db,
        &format!("SET ROLE {db}; TRUNCATE {first} CASCADE; CREATE TABLE newer (x int);"),
    );
    assert_ne!(state(&w, db), before);
    let at = restore_step(chart);
    let runs = w.run_part("restore.full", at..at + 1, &[]);
    assert_steps(&runs, 1, &[]);
    assert_eq!(state(&w, db), before, "as at the dump, without `newer`");

    // No dump where the step looks (a wrong BACKUP_DIR): the step stops
    // before any client pod starts, and says how to name one.
    let none = format!("{chart}-db-none-*.dump");
    let runs = w.run_part(
        "restore.full",
        at..at + 1,
        &[(&format!("{chart}-db-*.dump"), &none)],
    );
    assert_ne!(runs[0].status, 0, "{}", runs[0].output);
    assert!(
        runs[0].output.contains("no backup file: set FILE="),
        "{}",
        runs[0].output
    );
    assert_eq!(state(&w, db), before, "the schema is still there");

    // A dump cut short (a transfer that stopped, a full disk): just after
    // its table of contents, in the middle of its data, 64 bytes before
    // its end. Its header and table of contents read, so only reading it
    // to its end finds the cut. The backup's check fails on it; the
    // restore step fails and drops nothing.
    let whole = std::fs::read(w.backup_dir.join(&dump)).unwrap();
    let toc = toc_end(&whole);
    assert!(toc + 64 < whole.len(), "data after the table of contents");
    let cuts = [
        ("toc", toc),
        ("data", (toc + whole.len()) / 2),
        ("end", whole.len() - 64),
    ];
    for (place, cut) in cuts {
        let name = format!("{chart}-db-cut-{place}.dump");
        std::fs::write(w.backup_dir.join(&name), &whole[..cut]).unwrap();
        // The backup's check of the newest dump fails on it.
        let runs = w.run_part(
            &format!("backup.{}", case.component),
            1..2,
            &[(&format!("{chart}-db-*.dump"), &name)],
        );
        assert_ne!(runs[0].status, 0, "{name}: {}", runs[0].output);
        assert!(
            runs[0].output.contains("pg_restore: error:"),
            "{name}: {}",
            runs[0].output
        );
        let runs = w.run_part(
            "restore.full",
            at..at + 1,
            &[(&format!("{chart}-db-*.dump"), &name)],
        );
        assert_ne!(runs[0].status, 0, "{name}: {}", runs[0].output);
        assert_eq!(state(&w, db), before, "{name}: every table and row kept");
        assert!(
            runs[0]
                .output
                .contains("missing or cut short: nothing dropped"),
            "{name}: {}",
            runs[0].output
        );
        std::fs::remove_file(w.backup_dir.join(&name)).unwrap();
    }

    // A wrong password fails the step instead of restoring anything.
    let wrong = case.value.replace("{pw}", "wrong");
    w.world["secrets"][case.secret][case.key] = json!(wrong);
    std::fs::write(
        w.state.join("world.json"),
        serde_json::to_string_pretty(&w.world).unwrap(),
    )
    .unwrap();
    let runs = w.run_part("restore.full", at..at + 1, &[]);
    assert_eq!(state(&w, db), before);
    assert_ne!(runs[0].status, 0, "{}", runs[0].output);
    assert!(
        runs[0].output.contains("password authentication failed"),
        "{}",
        runs[0].output
    );
}

/// The length of `dump`'s shortest prefix whose table of contents
/// `pg_restore --list` reads: where its data starts.
fn toc_end(dump: &[u8]) -> usize {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let lists = |n: usize| {
        let mut p = Command::new("pg_restore")
            .arg("--list")
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("pg_restore runs");
        // A prefix it rejects early may close the pipe before all is written.
        let _ = p.stdin.take().unwrap().write_all(&dump[..n]);
        p.wait().unwrap().success()
    };
    assert!(lists(dump.len()), "the whole dump lists");
    let (mut lo, mut hi) = (0, dump.len());
    while hi - lo > 1 {
        let mid = (lo + hi) / 2;
        if lists(mid) {
            hi = mid
        } else {
            lo = mid
        }
    }
    hi
}

#[test]
fn postgresql_profile_drill() {
    drill(&KEYCLOAK);
}

#[test]
fn postgresql_profile_url_drill() {
    drill(&AIRFLOW);
}

/// The WAL component's check, as `case.chart`'s guide renders it: the
/// chart's role reads `pg_stat_archiver` through the client pod. On a
/// server that archives, it prints when the last segment was archived and
/// no failure; once `archive_command` fails, the same query shows the
/// failures climbing, which is what the step's "flat `failed_count`"
/// catches.
fn wal_drill(case: &Case) {
    let Some(mut w) = world_with(case, true) else {
        return;
    };
    let archive = w.path("wal-archive");
    w.start();
    let db = case.db;
    sql(&w, "postgres", &pg::role_and_database(db, APP_PW, db));
    sql(&w, db, &format!("SET ROLE {db};\n{}", case.fill));
    // A segment full of the data, archived by the server's command.
    sql(&w, "postgres", "SELECT pg_switch_wal()");
    wait_archiver(&w, "archived_count > 0");
    let id = "backup.wal";
    let runs = w.run(id, &[]);
    let spans = [
        (
            "last_archived_time",
            "a column's name; its value is checked below",
        ),
        (
            "failed_count",
            "a column's name; its value is checked below",
        ),
    ];
    assert_steps(&runs, 1, &spans);
    let (when, failed) = archiver_row(&runs[0].output);
    assert!(!when.is_empty(), "a last_archived_time: {}", runs[0].output);
    assert_eq!(failed, 0, "{}", runs[0].output);
    assert!(
        std::fs::read_dir(&archive).unwrap().count() > 0,
        "the segment is in the archive"
    );

    // The archive's volume is gone: the next segments cannot be archived.
    std::fs::rename(&archive, w.path("wal-archive.gone")).unwrap();
    sql(
        &w,
        db,
        &format!("SET ROLE {db}; CREATE TABLE after (x int);"),
    );
    sql(&w, "postgres", "SELECT pg_switch_wal()");
    wait_archiver(&w, "failed_count > 0");
    let runs = w.run(id, &[]);
    assert_steps(&runs, 1, &spans);
    let (_, failed) = archiver_row(&runs[0].output);
    assert!(failed > 0, "the failures show: {}", runs[0].output);
}

/// Polls (as the superuser) until `pg_stat_archiver` satisfies `cond`.
fn wait_archiver(w: &World, cond: &str) {
    for _ in 0..100 {
        if sql(
            w,
            "postgres",
            &format!("SELECT {cond} FROM pg_stat_archiver"),
        ) == "t"
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    panic!("pg_stat_archiver never had {cond}");
}

/// `last_archived_time|failed_count` as the step's `psql -XAt` prints it.
fn archiver_row(output: &str) -> (String, u64) {
    let line = output
        .lines()
        .find(|l| l.matches('|').count() == 1)
        .unwrap_or_else(|| panic!("no archiver row in: {output}"));
    let (when, failed) = line.split_once('|').unwrap();
    (when.to_string(), failed.trim().parse().unwrap())
}

#[test]
fn postgresql_wal_check_drill() {
    wal_drill(&KEYCLOAK);
}

#[test]
fn postgresql_wal_check_url_drill() {
    wal_drill(&AIRFLOW);
}

/// The generated backup jobs of a profile chart (`backup.database`): the
/// chart's `templates/backup-jobs.yaml` rendered by real Helm with
/// `sets`, each container run here as its pod would run it (see
/// tests/drills/jobs.rs) against the external server of [`world`]. The
/// CronJob's dump, twice over its `keep`; `make <chart>-backup-jobs`; the
/// pre-upgrade hook; the verification CronJob's scratch restore; then the
/// guide's restore step from the set the job wrote, after the data is
/// damaged; a truncated dump fails the verification and a wrong password
/// the backup, which then publishes nothing.
fn jobs_drill(case: &Case, sets: &[&str], dns: &[(&str, &str)]) {
    use crate::jobs;
    let Some(mut w) = world(case) else { return };
    let mut all = vec![
        "backup.enabled=true",
        "backup.existingClaim=db-backup",
        "backup.verify.enabled=true",
        "upgrade.backupJob.enabled=true",
    ];
    let keep = format!("backup.{}.keep=2", case.component);
    all.push(&keep);
    all.extend_from_slice(sets);
    let Some(docs) = jobs::render(case.chart, &all) else {
        return;
    };
    let backup = w.owned_dir("backup", "postgres");
    w.world["paths"]["/backup"] = backup.display().to_string().into();
    jobs::install_cronjobs(&mut w, &docs, "postgres", dns);
    w.start();
    let (db, chart) = (case.db, case.chart);
    sql(&w, "postgres", &pg::role_and_database(db, APP_PW, db));
    sql(&w, db, &format!("SET ROLE {db};\n{}", case.fill));
    let before = state(&w, db);

    let name = |suffix: &str| format!("rel-{chart}-{suffix}");
    let cron = jobs::object(
        &docs,
        "CronJob",
        &name(&format!("backup-{}", case.component)),
    );
    assert_eq!(cron["spec"]["concurrencyPolicy"], "Forbid");
    let image = &jobs::pod_spec(cron)["containers"][0]["image"];
    assert_eq!(image, "postgres:16.11", "the pinned client image");
    let sets_dir = backup.join(case.component);
    jobs::three_runs_keep_two(
        &w,
        cron,
        "postgres",
        dns,
        &sets_dir,
        &[&format!("{chart}-db-N-N.dump: 2 tables with data")],
    );

    // `make <chart>-backup-jobs` runs the CronJob as a Job and waits.
    let out = w.ok(&format!("make {chart}-backup-jobs"));
    assert!(out.contains("complete"), "{out}");
    crate::jobs::next_second();

    // The pre-upgrade hook runs the same dump.
    let hook = jobs::object(&docs, "Job", &name("pre-upgrade-backup"));
    assert_eq!(
        hook["metadata"]["annotations"]["helm.sh/hook"],
        "pre-upgrade"
    );
    let r = jobs::run(&w, hook, "postgres", dns);
    assert_eq!(r.status, 0, "{}", r.output);
    let (done, _) = jobs::sets(&sets_dir);
    assert_eq!(done.len(), 2, "keep 2: {done:?}");

    // The verification CronJob restores the newest dump into a scratch
    // server of its own, in a fresh /tmp as a new pod gets.
    let verify = jobs::object(&docs, "CronJob", &name("backup-verify"));
    let tmp = w.path("emptydir-tmp");
    let fresh_tmp = || {
        let _ = std::fs::remove_dir_all(&tmp);
    };
    fresh_tmp();
    let r = jobs::run(&w, verify, "postgres", dns);
    assert_eq!(r.status, 0, "{}", r.output);
    for p in case.verify_prints {
        assert!(r.output.contains(p), "{p:?} in: {}", r.output);
    }

    // Damage, then the guide's restore step from the job's newest set.
    let first = before.split(':').next().unwrap().to_string();
    sql(
        &w,
        db,
        &format!("SET ROLE {db}; TRUNCATE {first} CASCADE; CREATE TABLE newer (x int);"),
    );
    assert_ne!(state(&w, db), before);
    let newest = sets_dir.join(done.last().unwrap());
    w.var("BACKUP_DIR", &newest.display().to_string());
    let at = restore_step(chart);
    let runs = w.run_part("restore.full", at..at + 1, &[]);
    assert_steps(&runs, 1, &[]);
    assert_eq!(state(&w, db), before, "restored from the job's set");

    // A truncated dump fails the verification.
    let dump = std::fs::read_dir(&newest)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|x| x == "dump"))
        .unwrap();
    let bytes = std::fs::read(&dump).unwrap();
    std::fs::write(&dump, &bytes[..bytes.len() / 2]).unwrap();
    fresh_tmp();
    let r = jobs::run(&w, verify, "postgres", dns);
    assert_ne!(r.status, 0, "a truncated dump must fail:\n{}", r.output);

    // A wrong password fails the backup, which publishes nothing.
    let good = w.world["secrets"][case.secret][case.key].clone();
    w.world["secrets"][case.secret][case.key] = json!(case.value.replace("{pw}", "wrong"));
    let r = jobs::run(&w, cron, "postgres", dns);
    assert_ne!(r.status, 0, "{}", r.output);
    assert!(
        r.output.contains("password authentication failed"),
        "{}",
        r.output
    );
    assert_eq!(jobs::sets(&sets_dir).0, done, "no set from a failed run");
    w.world["secrets"][case.secret][case.key] = good;
}

/// Keycloak's jobs connect with host, port, database and role from the
/// chart's values; the Service name stands for the server's address
/// through libpq's `PGHOSTADDR` (the world has no DNS).
#[test]
fn postgresql_profile_backup_jobs_run() {
    jobs_drill(
        &KEYCLOAK,
        &[
            "postgresql.external.host=keycloak-postgresql",
            "postgresql.external.port=5432",
            "postgresql.external.database=keycloak",
            "postgresql.external.username=keycloak",
        ],
        &[("PGHOSTADDR", "127.0.0.1")],
    );
}

/// Airflow's jobs connect with the URL of the chart's Secret alone.
#[test]
fn postgresql_profile_url_backup_jobs_run() {
    jobs_drill(&AIRFLOW, &[], &[]);
}
