//! Charts whose data is in an external MySQL (phpMyAdmin's configuration
//! storage, WordPress's database) reached from one-off `mysql:8.4.3`
//! client pods (`kubectl run -i --rm`, the password on stdin). Debian's
//! MariaDB 10.11 is that server, on the world's 127.0.0.1:3306 (see
//! tests/drills/mysql.rs), and its clients stand in for the image's MySQL
//! 8.4 clients. The chart's own pod is a placeholder process with the
//! chart's folders: the steps reach it only through `kubectl exec`, which
//! runs their commands here on those folders.

use crate::harness::{as_user, assert_steps, Server, World};
use crate::mysql;
use serde_json::json;

/// An application chart of the world: its workload and the Secret that
/// holds the password of the account its steps log in as.
struct App {
    chart: &'static str,
    pod: &'static str,
    secret: &'static str,
    key: &'static str,
    /// The account: `root`, or a user of the application's database only.
    user: &'static str,
    db: &'static str,
    /// The pod's folders: pod path, local folder name, owner.
    paths: &'static [(&'static str, &'static str, &'static str)],
}

const PW: &str = "app-drill-pass";

const PHPMYADMIN: App = App {
    chart: "phpmyadmin",
    pod: "rel-phpmyadmin-5c7d9-m4kz8",
    secret: "mysql-secret",
    key: "mysql-root-password",
    user: "root",
    db: "phpmyadmin",
    paths: &[("/sessions", "sessions", "www-data")],
};

/// The world of `app`: MariaDB with the application's account and empty
/// database, the chart's pod (a placeholder process as `www-data`), and
/// the Secret with the account's password.
fn world(app: &App) -> Option<World> {
    let mut tools = mysql::TOOLS.to_vec();
    tools.push("mysqldump");
    let mut w = World::needing(app.chart, &tools)?;
    let db = mysql::install(&w);
    let mut paths = serde_json::Map::new();
    for (pod_path, local, owner) in app.paths {
        paths.insert(
            pod_path.to_string(),
            w.owned_dir(local, owner).display().to_string().into(),
        );
    }
    // The client image's tools first on every pod's PATH (see
    // `image_mysqldump`).
    let image_bin = w.path("image-bin");
    std::fs::create_dir_all(&image_bin).unwrap();
    w.describe(json!({
        "workload": { "kind": "Deployment", "name": format!("rel-{}", app.chart),
                      "pod": app.pod, "container": app.chart, "replicas": 1 },
        "paths": paths,
        "env": {},
        "path_prefix": format!("{}:", image_bin.display()),
        "secrets": { app.secret: { app.key: PW } },
    }));
    w.serve(Server {
        name: app.chart,
        user: "www-data",
        command: "sleep 3600".into(),
        ready: "true".into(),
        signal: "TERM",
    });
    w.background(
        "mysqld",
        &format!("{} {}", as_user("mysql"), db.command()),
        &db.ready(),
    );
    let sock = format!("{}/mysqld.sock", db.sock.display());
    w.var("MYSQL_SOCK", &sock);
    let (user, name) = (app.user, app.db);
    let grant = if user == "root" {
        // The install's passwordless root@127.0.0.1 would match first.
        format!(
            "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1';\n\
             CREATE USER 'root'@'%' IDENTIFIED BY '{PW}';\n\
             GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
        )
    } else {
        format!("CREATE USER '{user}'@'%' IDENTIFIED BY '{PW}';\nGRANT ALL ON {name}.* TO '{user}'@'%';")
    };
    sql(&w, &format!("CREATE DATABASE {name};\n{grant}"));
    // The Service's name stands for its address: the world has no DNS.
    w.var("DB_HOST", "127.0.0.1");
    Some(w)
}

/// SQL as the server's root, over its socket.
fn sql(w: &World, q: &str) -> String {
    w.ok(&format!(
        "mariadb --socket=\"$MYSQL_SOCK\" -uroot -N -B <<'SQL'\n{q}\nSQL"
    ))
    .trim()
    .to_string()
}

/// Where step `title` of procedure `id` is among those `run_part` counts.
fn step(chart: &str, id: &str, title: &str) -> usize {
    crate::harness::procedures(chart)
        .into_iter()
        .find(|p| p.id == id)
        .unwrap()
        .commands()
        .filter(|s| s.drill.as_ref().is_none_or(|d| d.none.is_none()))
        .position(|s| s.title == title)
        .unwrap_or_else(|| panic!("{chart}: no step {title:?} in {id}"))
}

// ---------------------------------------------------------------- phpMyAdmin

/// Configuration storage tables with rows: a bookmark, a relation and a
/// user's settings.
const PMADB: &str = "USE phpmyadmin;\n\
     CREATE TABLE pma__bookmark (id int PRIMARY KEY, dbase varchar(255), label varchar(255), query text) ENGINE=InnoDB;\n\
     INSERT INTO pma__bookmark VALUES (1, 'shop', 'open orders', 'SELECT * FROM orders WHERE open');\n\
     CREATE TABLE pma__relation (master_db varchar(64), master_table varchar(64), foreign_table varchar(64)) ENGINE=InnoDB;\n\
     INSERT INTO pma__relation VALUES ('shop', 'orders', 'customers');\n\
     CREATE TABLE pma__userconfig (username varchar(64) PRIMARY KEY, config_data text) ENGINE=InnoDB;\n\
     INSERT INTO pma__userconfig VALUES ('ada', '{\"ThemeDefault\":\"original\"}');";

fn pmadb_state(w: &World) -> String {
    sql(
        w,
        "SELECT (SELECT label FROM phpmyadmin.pma__bookmark WHERE id = 1), \
         (SELECT COUNT(*) FROM phpmyadmin.pma__relation), \
         (SELECT config_data FROM phpmyadmin.pma__userconfig WHERE username = 'ada')",
    )
}

/// The pmadb dump as root with the mysql chart's password; the storage
/// tables are lost; `make phpmyadmin-restore` (the pmadb restore's first
/// step) brings them back from the dump and restarts phpMyAdmin.
#[test]
fn phpmyadmin_pmadb_drill() {
    let Some(mut w) = world(&PHPMYADMIN) else {
        return;
    };
    w.start();
    sql(&w, PMADB);
    let before = pmadb_state(&w);
    assert!(before.starts_with("open orders\t1\t"), "{before}");

    let runs = w.run("backup.pmadb", &[]);
    let spans = [(
        "CREATE TABLE ... pma__bookmark",
        "in the gzip file, checked below",
    )];
    assert_steps(&runs, 1, &spans);
    let dump = w.newest_with("phpmyadmin-pmadb-", ".sql.gz");
    let text = w.ok(&format!("gunzip -c '{}/{dump}'", w.backup_dir.display()));
    for t in ["pma__bookmark", "pma__relation", "pma__userconfig"] {
        assert!(text.contains(&format!("CREATE TABLE `{t}`")), "{t}: {text}");
    }
    assert!(text.contains("-- Dump completed on"), "{text}");

    // Lost: the storage tables.
    sql(
        &w,
        "DROP TABLE phpmyadmin.pma__bookmark, phpmyadmin.pma__userconfig;",
    );
    let at = step(
        "phpmyadmin",
        "restore.pmadb",
        "Restore the newest pmadb dump into MySQL",
    );
    let runs = w.run_part("restore.pmadb", at..at + 1, &[]);
    assert_steps(&runs, 1, &[]);
    assert!(
        runs[0]
            .output
            .contains("deployment.apps/rel-phpmyadmin restarted"),
        "{}",
        runs[0].output
    );
    assert_eq!(pmadb_state(&w), before, "the storage is as at the dump");

    // A wrong password in the Secret fails the dump, though the pipe into
    // gzip succeeds.
    w.world["secrets"]["mysql-secret"]["mysql-root-password"] = "wrong".into();
    std::fs::write(
        w.state.join("world.json"),
        serde_json::to_string_pretty(&w.world).unwrap(),
    )
    .unwrap();
    let runs = w.run("backup.pmadb", &[]);
    assert_ne!(runs[0].status, 0, "{}", runs[0].output);
    assert!(
        runs[0].output.contains("Access denied"),
        "{}",
        runs[0].output
    );
}
