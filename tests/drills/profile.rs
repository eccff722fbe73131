//! The PostgreSQL dependency profile (`backup.database`, src/spec/profile.rs)
//! drilled as Keycloak's guide renders it: Debian's PostgreSQL is the
//! external server Keycloak connects to, reached over TCP with password
//! authentication as the role `keycloak`, whose password is in the Secret
//! the chart renders (`rel-keycloak`, key `db-password`). The client pods
//! the steps start (`kubectl run -i --rm --image=postgres:16.11`) run
//! Debian's client tools with the environment the steps give them; the
//! scratch server of the verification is a second, throwaway PostgreSQL.
//! The world's workload start command is that external server: the drill
//! runs the profile's steps only, none that scales Keycloak itself.

use crate::harness::{as_user, assert_steps, find, need, World, NAMESPACE};
use serde_json::json;

const APP_PW: &str = "kc-drill-pass";

/// A postgres server command line for data `data`, socket folder `sock`.
fn server(bindir: &str, data: &str, sock: &str, tcp: &str) -> String {
    format!(
        "{bindir}/postgres -D {data} -c listen_addresses='{tcp}' -c port=5432 \
         -c unix_socket_directories={sock} -c fsync=off"
    )
}

fn world() -> Option<World> {
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
    let mut w = World::new("keycloak");
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
        "workload": { "kind": "StatefulSet", "name": "rel-keycloak", "pod": "rel-keycloak-0",
                      "container": "keycloak", "replicas": 1 },
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
        "secrets": { "rel-keycloak": { "db-password": APP_PW, "db-username": "keycloak",
                                       "db-database": "keycloak" } },
    });
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

/// Keycloak's database as the chart's user owns it: two realms and a
/// thousand events.
fn fill(w: &World) {
    sql(
        w,
        "postgres",
        &format!(
            "CREATE ROLE keycloak LOGIN PASSWORD '{APP_PW}';\n\
             CREATE DATABASE keycloak OWNER keycloak;"
        ),
    );
    sql(
        w,
        "keycloak",
        "SET ROLE keycloak;\n\
         CREATE TABLE realm (id text PRIMARY KEY, name text NOT NULL);\n\
         INSERT INTO realm VALUES ('r1', 'master'), ('r2', 'acme');\n\
         CREATE TABLE event_entity (id int PRIMARY KEY, realm_id text REFERENCES realm);\n\
         INSERT INTO event_entity SELECT g, 'r2' FROM generate_series(1, 1000) g;",
    );
}

fn state(w: &World) -> String {
    sql(
        w,
        "keycloak",
        "SELECT string_agg(name, ',' ORDER BY name) || ' ' || \
         (SELECT count(*) FROM event_entity) || ' ' || \
         (SELECT string_agg(tablename || ':' || tableowner, ',' ORDER BY tablename) \
          FROM pg_tables WHERE schemaname = 'public') FROM realm",
    )
}

/// Backup (dump and its table of contents), the scratch restore of the
/// verification, then the restore step of the full restore after the
/// data is damaged and a table a newer version would add appears: the
/// database is as it was at the dump, owned by the chart's role, and the
/// password never needed more than the Secret.
#[test]
fn postgresql_profile_drill() {
    let Some(mut w) = world() else { return };
    w.start();
    fill(&w);
    let before = state(&w);
    assert_eq!(
        before,
        "acme,master 1000 event_entity:keycloak,realm:keycloak"
    );

    let runs = w.run("backup.database", &[]);
    assert_steps(
        &runs,
        2,
        &[("keycloak-db-<timestamp>.dump", "a file name, checked below")],
    );
    let dump = w.newest("keycloak-db-");
    assert!(dump.ends_with(".dump"), "{dump}");
    assert!(
        std::fs::metadata(w.backup_dir.join(&dump)).unwrap().len() > 0,
        "the dump is empty"
    );
    assert_eq!(runs[1].output.trim(), "2", "two tables with data");

    let runs = w.run_part("verification", ..1, &[]);
    assert_steps(&runs, 1, &[("pg_restore", "a tool's name; it exits 0")]);
    let out = &runs[0].output;
    assert!(
        out.contains("master") && out.contains("acme"),
        "every realm: {out}"
    );

    // A bad script deletes a realm's events and the realm; a newer
    // version's table appears beside them.
    sql(
        &w,
        "keycloak",
        "SET ROLE keycloak; DELETE FROM event_entity; DELETE FROM realm WHERE name = 'acme';\n\
         CREATE TABLE newer (x int);",
    );
    assert_ne!(state(&w), before);
    let full: Vec<String> = crate::harness::procedures("keycloak")
        .into_iter()
        .find(|p| p.id == "restore.full")
        .unwrap()
        .commands()
        .map(|s| s.title.clone())
        .collect();
    let at = full
        .iter()
        .position(|t| t == "Empty the database and restore the dump")
        .expect("the profile's step is in the full restore");
    let runs = w.run_part("restore.full", at..at + 1, &[]);
    assert_steps(&runs, 1, &[]);
    assert_eq!(state(&w), before, "as at the dump, without `newer`");

    // A wrong password fails the step instead of restoring anything.
    let runs = {
        let mut w2 = w;
        w2.world["secrets"]["rel-keycloak"]["db-password"] = json!("wrong");
        std::fs::write(
            w2.state.join("world.json"),
            serde_json::to_string_pretty(&w2.world).unwrap(),
        )
        .unwrap();
        let runs = w2.run_part("restore.full", at..at + 1, &[]);
        assert_eq!(state(&w2), before);
        runs
    };
    assert_ne!(runs[0].status, 0, "{}", runs[0].output);
    assert!(
        runs[0].output.contains("password authentication failed"),
        "{}",
        runs[0].output
    );
}
