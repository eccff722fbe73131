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

const WORDPRESS: App = App {
    chart: "wordpress",
    pod: "rel-wordpress-7f6b5-2xq9d",
    secret: "rel-wordpress-secret",
    key: "WORDPRESS_DB_PASSWORD",
    user: "wordpress",
    db: "wordpress",
    paths: &[
        ("/var/www/html", "html", "www-data"),
        ("/tmp", "podtmp", "root"),
    ],
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
        user: "root",
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
    // The operator's temporary folders (`mktemp -d`) inside the world.
    let tmp = w.path("operator-tmp");
    std::fs::create_dir_all(&tmp).unwrap();
    w.var("TMPDIR", &tmp.display().to_string());
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

    // The same dump cut off after pma__userconfig is recreated, before its
    // rows (the gzip stream ends there, without its trailer): gunzip would
    // hand mysql the DROP and CREATE of that table, emptying it. The target
    // loads nothing and the storage stays as it is.
    w.ok(&format!(
        "gunzip -c '{}/{dump}' | sed '/^INSERT INTO `pma__userconfig`/,$d' \
         | gzip | head -c -8 > cut.sql.gz",
        w.backup_dir.display()
    ));
    let r = w.sh("make phpmyadmin-restore FILE=cut.sql.gz");
    assert_ne!(r.status, 0, "{}", r.output);
    assert_eq!(pmadb_state(&w), before, "nothing loaded from a cut dump");

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

// ---------------------------------------------------------------- WordPress

/// MySQL 8.4's `mysqldump` as far as MariaDB's stands in for it: MariaDB's
/// has no `--set-gtid-purged`; with `OFF`, MySQL's writes no GTID
/// statement, which MariaDB's never does, so this drops exactly that flag
/// (and fails on any other value).
fn image_mysqldump(w: &World) {
    let f = w.path("image-bin/mysqldump");
    std::fs::write(
        &f,
        "#!/bin/sh\nfor a; do\n  shift\n  case \"$a\" in\n    --set-gtid-purged=OFF) ;;\n    \
         --set-gtid-purged*) echo \"mysqldump: stand-in: $a\" >&2; exit 2 ;;\n    \
         *) set -- \"$@\" \"$a\" ;;\n  esac\ndone\nexec /usr/bin/mysqldump \"$@\"\n",
    )
    .unwrap();
    crate::harness::set_mode(&f, 0o755);
}

/// Posts and options as WordPress's user writes them.
const WP_DB: &str = "CREATE TABLE wp_posts (ID bigint PRIMARY KEY, post_title text, guid varchar(255)) ENGINE=InnoDB;\n\
     INSERT INTO wp_posts SELECT seq, CONCAT('Post ', seq), CONCAT('/wp-content/uploads/2025/0', seq % 2 + 1, '/p', seq, '.jpg') FROM seq_1_to_40;\n\
     CREATE TABLE wp_options (option_name varchar(191) PRIMARY KEY, option_value longtext) ENGINE=InnoDB;\n\
     INSERT INTO wp_options VALUES ('siteurl', 'https://blog.example'), ('db_version', '58975');";

fn wp_state(w: &World) -> String {
    sql(
        w,
        "SELECT COUNT(*), MAX(post_title), \
         (SELECT option_value FROM wordpress.wp_options WHERE option_name = 'db_version'), \
         (SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = 'wordpress') \
         FROM wordpress.wp_posts",
    )
}

/// The document root: core, config, uploads of two months, a plugin and
/// a page cache the backup skips, owned by www-data.
fn wp_files(w: &World) {
    let html = w.path("html");
    let files = [
        ("wp-config.php", "<?php define('DB_NAME', 'wordpress');\n"),
        (
            "wp-includes/version.php",
            "<?php\n$wp_version = '6.8.1';\n$wp_db_version = 58975;\n",
        ),
        (".htaccess", "# BEGIN WordPress\n"),
        ("wp-content/uploads/2025/01/p2.jpg", "jpeg 2"),
        ("wp-content/uploads/2025/02/p1.jpg", "jpeg 1"),
        (
            "wp-content/plugins/akismet/akismet.php",
            "<?php /* Akismet 5.3 */\n",
        ),
        ("wp-content/cache/page.html", "<html>cached</html>"),
    ];
    for (rel, text) in files {
        let p = html.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    crate::harness::chown(&html, "www-data");
}

/// The database and document-root backups as the guide runs them, one
/// after the other in one session, into the encrypted archive; then the
/// partial restore of a year of uploads and of a broken plugin into the
/// running pod; then the full restore's database and document-root steps
/// (check, maintenance mode, load, files) after posts and core files are
/// lost.
#[test]
fn wordpress_drill() {
    let Some(mut w) = world(&WORDPRESS) else {
        return;
    };
    if !crate::harness::need(&["age", "age-keygen"]) {
        return;
    }
    image_mysqldump(&w);
    let key = w.path("age.key");
    w.ok(&format!("age-keygen -o {} 2>/dev/null", key.display()));
    let recipient = w.ok(&format!("age-keygen -y {}", key.display()));
    w.var("AGE_RECIPIENT", recipient.trim());
    wp_files(&w);
    w.start();
    sql(&w, &format!("USE wordpress;\n{WP_DB}"));
    let before = wp_state(&w);
    assert_eq!(before, "40\tPost 9\t58975\t2");

    let runs = w.run("backup.database", &[]);
    assert_steps(
        &runs,
        2,
        &[("8.4.x", "MariaDB answers its own version, checked below")],
    );
    assert!(runs[0].output.contains("MariaDB"), "{}", runs[0].output);
    let runs = w.run("backup.docroot", &[]);
    assert_steps(
        &runs,
        3,
        &[(
            "wordpress-<timestamp>.tar.age",
            "a file name, checked below",
        )],
    );
    let tar = w.newest_with("wordpress-", ".tar");
    assert!(w.backup_dir.join(format!("{tar}.age")).is_file());
    let listing = w.ok(&format!(
        "tar -xOf '{}/{tar}' files.tar.gz | tar -tzf -",
        w.backup_dir.display()
    ));
    assert!(
        listing.contains("./wp-content/uploads/2025/02/p1.jpg"),
        "{listing}"
    );
    assert!(
        !listing.contains("cache/page.html"),
        "the cache is skipped: {listing}"
    );

    // Lost: a year of uploads; broken: the plugin.
    let html = w.path("html");
    std::fs::remove_dir_all(html.join("wp-content/uploads/2025")).unwrap();
    let plugin = html.join("wp-content/plugins/akismet/akismet.php");
    std::fs::write(&plugin, "<?php fatal(;\n").unwrap();
    let runs = w.run("restore.uploads", &[]);
    assert_steps(&runs, 3, &[]);
    assert!(runs[0].output.contains("01\n02"), "{}", runs[0].output);
    let upload = html.join("wp-content/uploads/2025/02/p1.jpg");
    assert_eq!(std::fs::read_to_string(&upload).unwrap(), "jpeg 1");
    let owner = w.ok(&format!("stat -c %U {}", upload.display()));
    assert_eq!(owner.trim(), "www-data", "owned by the web server's user");
    assert_eq!(
        std::fs::read_to_string(&plugin).unwrap(),
        "<?php /* Akismet 5.3 */\n"
    );
    let kept = w.ok("ls podtmp");
    assert!(
        kept.starts_with("akismet.broken-"),
        "the broken copy is kept: {kept}"
    );

    // Lost: posts and a core file; a plugin's table appeared since.
    sql(
        &w,
        "DELETE FROM wordpress.wp_posts WHERE ID > 3; \
         CREATE TABLE wordpress.wp_newplugin (x int);",
    );
    std::fs::remove_file(html.join("wp-config.php")).unwrap();
    let id = "restore.full";
    let at = |title| step("wordpress", id, title);
    let first = at("Make sure the database server answers");
    let maintenance = at("Put WordPress in maintenance mode");
    let last = at("Restore the document root");
    assert_eq!(
        (maintenance - first, last - maintenance),
        (2, 2),
        "five steps in a row"
    );
    // The maintenance step alone: WordPress's own notice.
    let runs = w.run_part(id, maintenance..=maintenance, &[]);
    assert_steps(&runs, 1, &[]);
    let notice = std::fs::read_to_string(html.join(".maintenance")).unwrap();
    assert!(notice.contains("$upgrading = time();"), "{notice}");
    // The whole procedure in one shell, as the operator runs it: the
    // archive is unpacked and checked before the site goes down.
    let runs = w.run_part(id, first..=last, &[]);
    assert_steps(
        &runs,
        5,
        &[
            ("$DB_HOST", "a variable's name"),
            ("mysql", "a tool's name: the step prints nothing"),
        ],
    );
    assert!(!html.join(".maintenance").exists(), "the site is back");
    assert!(html.join("wp-config.php").is_file());
    assert_eq!(
        wp_state(&w),
        "40\tPost 9\t58975\t3",
        "every post back; the plugin's newer table stays"
    );

    // A wrong password in the Secret fails the dump step, though the pipe
    // into gzip succeeds.
    w.world["secrets"]["rel-wordpress-secret"]["WORDPRESS_DB_PASSWORD"] = "wrong".into();
    std::fs::write(
        w.state.join("world.json"),
        serde_json::to_string_pretty(&w.world).unwrap(),
    )
    .unwrap();
    let runs = w.run("backup.database", &[]);
    assert_eq!(runs.len(), 1, "the check fails first");
    assert!(
        runs[0].output.contains("Access denied"),
        "{}",
        runs[0].output
    );
    let dump = step(
        "wordpress",
        "backup.database",
        "Dump with WordPress's credentials",
    );
    let runs = w.run_part("backup.database", dump..dump + 1, &[]);
    assert_ne!(runs[0].status, 0, "{}", runs[0].output);
}
