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

use crate::harness::{as_user, assert_steps, find, need, World, NAMESPACE};
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

/// A postgres server command line for data `data`, socket folder `sock`.
fn server(bindir: &str, data: &str, sock: &str, tcp: &str) -> String {
    format!(
        "{bindir}/postgres -D {data} -c listen_addresses='{tcp}' -c port=5432 \
         -c unix_socket_directories={sock} -c fsync=off"
    )
}

fn world(case: &Case) -> Option<World> {
    let tools = [
        "postgres",
        "initdb",
        "psql",
        "pg_isready",
        "pg_dump",
        "pg_restore",
        "createdb",
        "pg_verifybackup",
    ];
    if !need(&tools) {
        return None;
    }
    // Debian's version folder, as the postgresql drills find it: /usr/bin
    // has only wrappers of the client tools.
    let bindir = find("pg_verifybackup").unwrap();
    let bindir = bindir.parent().unwrap().display().to_string();
    let mut w = World::new(case.chart);
    let data = w.owned_dir("data", "postgres");
    crate::harness::set_mode(&data, 0o700);
    let sock = w.owned_dir("sock", "postgres");
    let scratch = w.owned_dir("scratch", "postgres");
    let scratch_sock = w.owned_dir("scratch-sock", "postgres");
    let state = w.state.display().to_string();
    let su = as_user("postgres");
    let (data, sock) = (data.display().to_string(), sock.display().to_string());
    w.ok(&format!(
        "{su} {bindir}/initdb -D {data} -U postgres --auth-local=trust \
         --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null"
    ));
    let pid = format!("{state}/postgres.pid");
    let log = format!("{state}/postgres.log");
    // The image's entrypoint: a fresh cluster with POSTGRES_PASSWORD,
    // local connections as postgres, on a socket of its own.
    let (scratch, scratch_sock) = (scratch.display(), scratch_sock.display());
    let scratch_start = format!(
        "rm -rf {scratch}/pg && {bindir}/initdb -D {scratch}/pg -U postgres \
         --auth-local=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null && \
         exec {}",
        server(
            &bindir,
            &format!("{scratch}/pg"),
            &scratch_sock.to_string(),
            ""
        )
    );
    w.world = json!({
        "namespace": NAMESPACE,
        "workload": { "kind": case.kind, "name": case.workload, "pod": case.pod,
                      "container": case.chart, "replicas": 1 },
        "user": "postgres",
        "path_prefix": format!("{bindir}:"),
        "paths": {},
        "env": {},
        "images": { "postgres:16.11": {
            "user": "postgres",
            "env": { "PGHOST": scratch_sock.to_string() },
            "paths": {},
            "start": scratch_start,
        } },
        "log": log,
        "start": format!(
            "{su} {} > {log} 2>&1 & echo $! > {pid}; \
             for i in $(seq 600); do {bindir}/pg_isready -q -h {sock} && exit 0; \
             kill -0 $(cat {pid}) 2>/dev/null || exit 1; sleep 0.1; done; exit 1",
            server(&bindir, &data, &sock, "127.0.0.1")
        ),
        "stop": format!(
            "P=$(cat {pid}) && kill -INT $P && while kill -0 $P 2>/dev/null; do sleep 0.1; done"
        ),
        "secrets": { case.secret: { case.key: case.value.replace("{pw}", APP_PW) } },
    });
    // Only the password connection reads the host from the variables.
    w.var("DB_HOST", "127.0.0.1");
    w.var("PGSOCK", &sock);
    Some(w)
}

/// SQL in database `db` as the superuser, over the server's socket.
fn sql(w: &World, db: &str, sql: &str) -> String {
    w.ok(&format!(
        "{} psql -XAtq -v ON_ERROR_STOP=1 -h \"$PGSOCK\" -U postgres -d {db} <<'SQL'\n{sql}\nSQL",
        as_user("postgres")
    ))
    .trim()
    .to_string()
}

/// Every table of schema public with its owner and row count.
fn state(w: &World, db: &str) -> String {
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

/// Backup (dump and its table of contents), the scratch restore of the
/// verification, then the restore step of the full restore after the data
/// is damaged and a table a newer version would add appears: the database
/// is as it was at the dump, owned by the chart's role, and a wrong secret
/// fails the step without touching the data.
fn drill(case: &Case) {
    let Some(mut w) = world(case) else { return };
    w.start();
    let (db, chart) = (case.db, case.chart);
    sql(
        &w,
        "postgres",
        &format!("CREATE ROLE {db} LOGIN PASSWORD '{APP_PW}';\nCREATE DATABASE {db} OWNER {db};"),
    );
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
        &[(dump_file.as_str(), "a file name, checked below")],
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
    let full: Vec<String> = crate::harness::procedures(chart)
        .into_iter()
        .find(|p| p.id == "restore.full")
        .unwrap()
        .commands()
        // As `run_part` counts: the steps a drill can run (the others
        // record why none can).
        .filter(|s| s.drill.as_ref().is_none_or(|d| d.none.is_none()))
        .map(|s| s.title.clone())
        .collect();
    let at = full
        .iter()
        .position(|t| t == "Empty the database and restore the dump")
        .expect("the profile's step is in the full restore");
    let runs = w.run_part("restore.full", at..at + 1, &[]);
    assert_steps(&runs, 1, &[]);
    assert_eq!(state(&w, db), before, "as at the dump, without `newer`");

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

#[test]
fn postgresql_profile_drill() {
    drill(&KEYCLOAK);
}

#[test]
fn postgresql_profile_url_drill() {
    drill(&AIRFLOW);
}
