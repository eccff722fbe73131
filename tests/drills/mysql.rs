//! MySQL drill: Debian's MariaDB 10.11 as pod `rel-mysql-0` of StatefulSet
//! `rel-mysql`, with binary logging as MySQL 8.4 has it by default
//! (`binlog.NNNNNN` in `/var/lib/mysql`, row format), the root password of
//! the chart's Secret, and the socket at `/var/run/mysqld`. MariaDB stands
//! in for the client side only: the guide's `mysqldump` flags
//! (`--source-data`, `--set-gtid-purged`) and `@@gtid_mode` are MySQL's, so
//! the dump this drill restores is written by `mariadb-dump`.

use crate::harness::{as_user, assert_steps, Server, World, NAMESPACE};
use serde_json::json;

const POD: &str = "rel-mysql-0";
const ROOT_PW: &str = "drill-root";

/// The tools a MariaDB world runs.
pub const TOOLS: [&str; 6] = [
    "mariadbd",
    "mariadb-install-db",
    "mariadb",
    "mariadb-admin",
    "mariadb-dump",
    "mysqlbinlog",
];

/// A MariaDB server's files in world `w`: its data folder, its socket
/// folder, and its option file (`my.cnf`), the system tables installed.
pub struct Mariadb {
    pub data: std::path::PathBuf,
    pub sock: std::path::PathBuf,
    pub cnf: std::path::PathBuf,
}

impl Mariadb {
    /// The server in the foreground, as `mysql` (see `as_user`).
    pub fn command(&self) -> String {
        format!("mariadbd --defaults-file={}", self.cnf.display())
    }

    /// Shell that succeeds once the server answers on its socket.
    pub fn ready(&self) -> String {
        format!(
            "mariadb-admin --socket={}/mysqld.sock ping >/dev/null 2>&1",
            self.sock.display()
        )
    }
}

/// Installs a MariaDB server in `w`: binary logging as MySQL 8.4 has it,
/// TCP on 127.0.0.1:3306, and a tmpdir of its own.
pub fn install(w: &World) -> Mariadb {
    let data = w.owned_dir("data", "mysql");
    let sock = w.owned_dir("run", "mysql");
    // A server removes the `#sql*` files it finds in its tmpdir at start:
    // drills running at once must not share /tmp.
    let tmp = w.owned_dir("tmp", "mysql");
    let cnf = w.path("my.cnf");
    // The server's own pid file; the stand-in keeps its own (mysqld.pid).
    let pid = w.state_file("mariadbd.pid");
    std::fs::write(
        &cnf,
        format!(
            "[mysqld]\ndatadir={d}\nsocket={s}/mysqld.sock\npid-file={pid}\nport=3306\n\
             bind-address=127.0.0.1\nlog_bin={d}/binlog\nbinlog_format=ROW\nserver_id=1\n\
             binlog_expire_logs_seconds=2592000\nskip-name-resolve\ntmpdir={t}\n",
            d = data.display(),
            s = sock.display(),
            t = tmp.display()
        ),
    )
    .unwrap();
    w.ok(&format!(
        "{} mariadb-install-db --defaults-file={} --auth-root-authentication-method=normal \
         --skip-test-db >/dev/null",
        as_user("mysql"),
        cnf.display()
    ));
    Mariadb { data, sock, cnf }
}

pub fn world() -> Option<World> {
    let mut w = World::needing("mysql", &TOOLS)?;
    let db = install(&w);
    let (data, sock) = (db.data.clone(), db.sock.clone());
    // The image's clients find the server's socket by default; here an
    // option file in MYSQL_HOME (read after Debian's) points them to it.
    let home = w.path("client");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::write(
        home.join("my.cnf"),
        format!("[client]\nsocket={}/mysqld.sock\n", sock.display()),
    )
    .unwrap();
    w.describe(json!({
        "workload": { "kind": "StatefulSet", "name": "rel-mysql", "pod": POD,
                      "container": "mysql", "replicas": 1, "image": "mysql:8.4.3" },
        "paths": { "/var/lib/mysql": data, "/var/run/mysqld": sock,
                   "/etc/mysql-home": home, "/tmp": w.owned_dir("podtmp", "mysql") },
        "env": { "MYSQL_ROOT_PASSWORD": ROOT_PW, "MYSQL_HOME": "/etc/mysql-home" },
        "others": [ { "kind": "Deployment", "name": "shop", "replicas": 2,
                      "labels": { "app.kubernetes.io/name": "wordpress" } } ],
        "secrets": { "rel-mysql": { "mysql-root-password": ROOT_PW } },
    }));
    w.serve(Server {
        name: "mysqld",
        user: "mysql",
        command: db.command(),
        ready: db.ready(),
        signal: "TERM",
    });
    w.var("APP_DEPLOYMENT", "shop");
    w.var("DATABASE", "shop");
    Some(w)
}

/// SQL through the pod's client, as root with the Secret's password.
fn sql(w: &World, q: &str) -> String {
    w.ok(&format!(
        "kubectl -n {NAMESPACE} exec -i {POD} -c mysql -- \
         mariadb -uroot -p{ROOT_PW} -N -B -D mysql <<'SQL'\n{q}\nSQL"
    ))
    .trim()
    .to_string()
}

fn orders(w: &World) -> String {
    sql(w, "SELECT COUNT(*), MAX(id) FROM shop.orders")
}

/// Binary log archiving, the gap check and a point-in-time restore that
/// stops just before a DROP TABLE; then one database replayed from the
/// full dump with `make mysql-restore-database`.
#[test]
fn mysql_binlog_drill() {
    let Some(mut w) = world() else { return };
    w.start();
    w.ok(&format!(
        "mariadb-admin --socket=run/mysqld.sock -uroot password {ROOT_PW}"
    ));
    sql(
        &w,
        "CREATE DATABASE shop; CREATE DATABASE blog;\n\
         CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(20));\n\
         CREATE TABLE blog.posts (id INT PRIMARY KEY);\n\
         INSERT INTO shop.orders SELECT seq, CONCAT('item ', seq) FROM seq_1_to_100;\n\
         INSERT INTO blog.posts SELECT seq FROM seq_1_to_10;",
    );
    // The nightly dump, by mariadb-dump (see the module's note).
    w.ok(&format!(
        "kubectl -n {NAMESPACE} exec {POD} -c mysql -- sh -c \
         'exec mariadb-dump -uroot -p\"$MYSQL_ROOT_PASSWORD\" --all-databases \
         --single-transaction --master-data=2 --flush-logs --routines --events \
         --triggers --hex-blob' | gzip > backups/mysql-20251120-020000.sql.gz"
    ));
    let head = w.ok("gunzip -c backups/mysql-20251120-020000.sql.gz | head -n 40");
    let (file, pos) = head
        .lines()
        .find_map(|l| {
            let f = l.split("MASTER_LOG_FILE='").nth(1)?.split('\'').next()?;
            let p = l.split("MASTER_LOG_POS=").nth(1)?.split(';').next()?;
            Some((f.to_string(), p.to_string()))
        })
        .expect("the dump's binlog coordinates");

    sql(
        &w,
        "INSERT INTO shop.orders SELECT seq, 'good' FROM seq_101_to_150",
    );
    let runs = w.run("backup.binlog", &[]);
    assert_steps(
        &runs,
        1,
        &[
            ("binlog.NNNNNN", "checked below"),
            ("mysql-bin.NNNNNN", "with replication enabled"),
            ("$BACKUP_DIR/binlog/", "the folder"),
        ],
    );
    assert!(w.ok("ls backups/binlog").contains("binlog.000001"));
    sql(
        &w,
        "INSERT INTO shop.orders SELECT seq, 'good' FROM seq_151_to_160",
    );
    sql(&w, "DROP TABLE shop.orders");
    sql(&w, "INSERT INTO blog.posts VALUES (11)");
    let runs = w.run("verification", &[]);
    assert_steps(&runs, 1, &[]);
    assert!(
        runs[0].output.trim().is_empty(),
        "no gap: {}",
        runs[0].output
    );

    // The point-in-time restore: the binlog holding the DROP TABLE, and the
    // position of the event before it.
    let runs = w.run_part("restore.pitr", ..1, &[]);
    assert_steps(&runs, 1, &[]);
    let bad = w
        .ok("grep -l 'DROP TABLE' backups/binlog/binlog.[0-9]* | head -n 1")
        .trim()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let runs = w.run_part("restore.pitr", 1..2, &[("binlog.000043", &bad)]);
    assert_steps(
        &runs,
        1,
        &[
            ("# at 91234", "an example position, read below"),
            (
                "#251120 10:14:03 server id 1 end_log_pos ...",
                "an example, checked below",
            ),
        ],
    );
    let stop = runs[0]
        .output
        .lines()
        .rev()
        .find_map(|l| l.split_once("-# at ").map(|(_, p)| p.trim().to_string()))
        .expect("a # at line before the DROP TABLE");
    assert!(runs[0].output.contains("server id 1"), "{}", runs[0].output);
    let fill = [
        ("mysql-<timestamp>.sql.gz", "mysql-20251120-020000.sql.gz"),
        ("binlog.000042", file.as_str()),
        ("binlog.000043", bad.as_str()),
        ("--start-position=158", &format!("--start-position={pos}")),
        ("--stop-position=91234", &format!("--stop-position={stop}")),
    ];
    let runs = w.run_part("restore.pitr", 2..3, &fill);
    assert_steps(&runs, 1, &[]);
    assert_eq!(orders(&w), "100\t100", "the dump's orders");
    let runs = w.run_part("restore.pitr", 3..4, &fill);
    assert_steps(&runs, 1, &[]);
    assert_eq!(
        orders(&w),
        "160\t160",
        "every order written before the DROP TABLE"
    );

    // One database from the full dump while the other keeps its new row.
    sql(
        &w,
        "DELETE FROM shop.orders; INSERT INTO blog.posts VALUES (12)",
    );
    let runs = w.run("restore.database", &fill);
    assert_steps(&runs, 4, &[("SHOW TABLES FROM <db>", "a query, run below")]);
    assert_eq!(orders(&w), "100\t100");
    assert_eq!(sql(&w, "SELECT COUNT(*) FROM blog.posts"), "11");
    assert_eq!(sql(&w, "SHOW TABLES FROM shop"), "orders");
    let replicas =
        || w.ok("kubectl -n \"$NAMESPACE\" get deploy shop -o jsonpath='{.spec.replicas}'");
    assert_eq!(
        replicas(),
        "2",
        "the application starts at its 2 replicas, not 1"
    );

    // The full restore's load and checks, into the running server (a new
    // volume needs a cluster).
    sql(&w, "DROP DATABASE shop");
    let runs = w.run("restore.full", &fill);
    assert_steps(
        &runs,
        4,
        &[(
            "caching_sha2_password",
            "MySQL 8.4's; MariaDB's accounts use others",
        )],
    );
    assert_eq!(orders(&w), "100\t100");
    assert!(runs[2].output.contains("shop") && runs[2].output.contains("root"));
    assert!(
        runs[0]
            .output
            .contains("replicas before the stop: deployment/shop=2"),
        "{}",
        runs[0].output
    );
    assert_eq!(
        replicas(),
        "2",
        "the writers start at their 2 replicas, not 1"
    );
}

/// MySQL's generated backup jobs, rendered by real Helm and run as their
/// pods run them, with MariaDB's `mysqldump` and `gzip` standing in for
/// the image's: the dump CronJob three times with `keep` 2, a wrong
/// password that publishes nothing, the pre-upgrade hook, the
/// verification; then one database replayed from the job's own dump with
/// `make mysql-restore-database`, and a cut-off dump that fails the
/// verification. The image's root account is `root@'%'`; here it is
/// created for the loopback address the job connects from.
#[test]
fn mysql_backup_jobs_run() {
    use crate::jobs;
    let Some(mut w) = world() else { return };
    let Some(docs) = jobs::render(
        "mysql",
        &[
            "backup.enabled=true",
            "backup.existingClaim=mysql-backup",
            "backup.dump.keep=2",
            "backup.verify.enabled=true",
            "upgrade.backupJob.enabled=true",
        ],
    ) else {
        return;
    };
    let backup = w.owned_dir("backup", "mysql");
    w.world["paths"]["/backup"] = backup.display().to_string().into();
    w.world["secrets"]["rel-mysql-secret"] = json!({ "mysql-root-password": ROOT_PW });
    w.start();
    w.ok(&format!(
        "mariadb-admin --socket=run/mysqld.sock -uroot password {ROOT_PW}"
    ));
    sql(
        &w,
        &format!(
            "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';\n\
             ALTER USER 'root'@'127.0.0.1' IDENTIFIED BY '{ROOT_PW}';\n\
             GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;\n\
             CREATE DATABASE shop;\n\
             CREATE TABLE shop.orders (id INT PRIMARY KEY, item VARCHAR(20));\n\
             INSERT INTO shop.orders SELECT seq, CONCAT('item ', seq) FROM seq_1_to_100;"
        ),
    );
    // The Service's name stands for its address: the world has no DNS.
    let dns = [("MYSQL_HOST", "127.0.0.1")];
    let cron = jobs::object(&docs, "CronJob", "rel-mysql-backup-dump");
    let dumps = backup.join("dump");
    let done = jobs::three_runs_keep_two(&w, cron, "mysql", &dns, &dumps, &["-- Dump completed"]);

    w.world["secrets"]["rel-mysql-secret"]["mysql-root-password"] = "wrong".into();
    let r = jobs::run(&w, cron, "mysql", &dns);
    assert_ne!(r.status, 0, "{}", r.output);
    assert!(r.output.contains("Access denied"), "{}", r.output);
    assert_eq!(jobs::sets(&dumps).0, done, "no set from a failed run");
    w.world["secrets"]["rel-mysql-secret"]["mysql-root-password"] = ROOT_PW.into();

    let hook = jobs::object(&docs, "Job", "rel-mysql-pre-upgrade-backup");
    let r = jobs::run(&w, hook, "mysql", &dns);
    assert_eq!(r.status, 0, "{}", r.output);
    let (after, partial) = jobs::sets(&dumps);
    assert_eq!(after.len(), 2);
    assert!(
        partial.is_empty(),
        "the hook removed the failed run's folder"
    );

    let verify = jobs::object(&docs, "CronJob", "rel-mysql-backup-verify");
    let r = jobs::run(&w, verify, "mysql", &dns);
    assert_eq!(r.status, 0, "{}", r.output);

    // Lost: shop's table. The operator copies the job's newest dump off
    // the claim and replays shop from it.
    sql(&w, "DROP TABLE shop.orders");
    let set = &after[1];
    let file = w.backup_dir.join(format!("mysql-{set}.sql.gz"));
    std::fs::copy(dumps.join(set).join("all.sql.gz"), &file).unwrap();
    w.ok(&format!(
        "make mysql-restore-database DATABASE=shop FILE={}",
        file.display()
    ));
    assert_eq!(orders(&w), "100\t100");

    // A dump cut off before its trailer fails the verification.
    let f = dumps.join(set).join("all.sql.gz");
    w.ok(&format!(
        "gunzip -c {f} | head -n 20 | gzip > {f}.cut && mv {f}.cut {f}",
        f = f.display()
    ));
    let r = jobs::run(&w, verify, "mysql", &dns);
    assert_ne!(r.status, 0, "a cut-off dump must fail:\n{}", r.output);
}
