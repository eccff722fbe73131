//! MLflow's backend-store dump: the chart keeps the backend-store URL only
//! in the tracking server's command, so the guide reads it from the
//! Deployment. The Deployment here is the collection's chart as real Helm
//! renders it with `postgresql.external.*` set, its container exactly as
//! rendered, so the drill proves the guide's JSONPath (the eighth element,
//! behind the newline the chart's helper leaves) against the chart, not
//! against a copy of the guide's assumption. Debian's PostgreSQL is the
//! external server, reached over TCP with password authentication as the
//! chart's role; the client pods (`kubectl run -i --rm`) run Debian's
//! client tools.

use crate::harness::{assert_steps, World};
use crate::{jobs, pg, profile};
use serde_json::json;

const PW: &str = "ml-drill-pass";

/// The world: the external server, and the Deployment `rel-mlflow` of the
/// collection's chart rendered with the server's address and the role's
/// password (`pw`).
fn world(pw: &str) -> Option<World> {
    let (mut w, pg) = pg::world("mlflow", &["pg_dump", "pg_restore"])?;
    let collection = crate::common::collection()?;
    let chart = w.path("chart");
    crate::common::copy_tree(&collection.join("charts/mlflow"), &chart);
    let docs = jobs::render_dir(
        &chart,
        &[
            "postgresql.external.enabled=true",
            "postgresql.external.host=127.0.0.1",
            &format!("postgresql.external.password={pw}"),
        ],
    )?;
    let deploy = jobs::object(&docs, "Deployment", "rel-mlflow");
    let container = jobs::containers(deploy)
        .into_iter()
        .find(|c| c["name"] == "mlflow")
        .expect("the chart's mlflow container");
    let spec: serde_json::Value = serde_json::to_value(container).unwrap();
    pg.initdb(&w, "--auth-local=trust --auth-host=scram-sha-256");
    w.describe(json!({
        "workload": { "kind": "Deployment", "name": "rel-mlflow",
                      "pod": "rel-mlflow-6c9f8-q7t2n", "container": "mlflow",
                      "replicas": 1, "container_spec": spec },
        "paths": {},
        "env": {},
    }));
    pg.serve(
        &mut w,
        &format!(
            "-c listen_addresses=127.0.0.1 -c port=5432 -c unix_socket_directories={} -c fsync=off",
            pg.sock
        ),
    );
    w.var("PGSOCK", &pg.sock);
    Some(w)
}

/// Tables an MLflow schema has, with rows: the revision, experiments and
/// their runs' metrics.
const FILL: &str = "CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY);\n\
     INSERT INTO alembic_version VALUES ('acf3f17fdcc7');\n\
     CREATE TABLE experiments (experiment_id int PRIMARY KEY, name text UNIQUE);\n\
     INSERT INTO experiments VALUES (0, 'Default'), (1, 'churn');\n\
     CREATE TABLE runs (run_uuid varchar(32) PRIMARY KEY, experiment_id int REFERENCES experiments);\n\
     INSERT INTO runs SELECT md5(g::text), 1 FROM generate_series(1, 50) g;\n\
     CREATE TABLE metrics (run_uuid varchar(32) REFERENCES runs, step int, value float);\n\
     INSERT INTO metrics SELECT md5((g % 50 + 1)::text), g, g / 7.0 FROM generate_series(1, 5000) g;";

/// The backend-store dump as the guide renders it, with the URL the
/// rendered Deployment carries; then the full restore's database step
/// from that dump after runs are lost and a table appears: the database is
/// as it was at the dump, owned by the chart's role. A Deployment whose
/// URL holds a wrong password fails the dump.
#[test]
fn mlflow_backend_store_drill() {
    let Some(mut w) = world(PW) else { return };
    w.start();
    profile::sql(
        &w,
        "postgres",
        &pg::role_and_database("mlflow", PW, "mlflow"),
    );
    profile::sql(&w, "mlflow", &format!("SET ROLE mlflow;\n{FILL}"));
    let before = profile::state(&w, "mlflow");
    assert_eq!(before.matches(":mlflow:").count(), 4, "{before}");

    let runs = w.run("backup.backend-store", &[]);
    assert_steps(
        &runs,
        1,
        &[("mlflow-db-<timestamp>.dump", "a file name, checked below")],
    );
    let dump = w.newest_with("mlflow-db-", ".dump");
    let file = w.backup_dir.join(&dump);
    assert!(std::fs::metadata(&file).unwrap().len() > 0, "empty dump");
    let toc = w.ok(&format!("pg_restore -l {}", file.display()));
    assert!(toc.contains("TABLE DATA public metrics"), "{toc}");

    // Runs are deleted by hand; a newer version's table appears.
    profile::sql(
        &w,
        "mlflow",
        "SET ROLE mlflow; DELETE FROM metrics; DELETE FROM runs; CREATE TABLE newer (x int);",
    );
    assert_ne!(profile::state(&w, "mlflow"), before);
    let at = profile::restore_step("mlflow");
    let runs = w.run_part("restore.full", at..at + 1, &[]);
    assert_steps(&runs, 1, &[]);
    assert_eq!(profile::state(&w, "mlflow"), before, "as at the dump");
}

/// The chart renders the password into the command: a release whose
/// values hold a stale one dumps nothing, and the step fails instead of
/// leaving an empty file behind a zero exit.
#[test]
fn mlflow_backend_store_stale_password_fails() {
    let Some(mut w) = world("stale") else { return };
    w.start();
    profile::sql(
        &w,
        "postgres",
        &pg::role_and_database("mlflow", PW, "mlflow"),
    );
    let runs = w.run("backup.backend-store", &[]);
    assert_eq!(runs.len(), 1);
    assert_ne!(runs[0].status, 0, "{}", runs[0].output);
    assert!(
        runs[0].output.contains("password authentication failed"),
        "{}",
        runs[0].output
    );
}
