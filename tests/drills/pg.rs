//! The PostgreSQL server of a drill world, built once for every drill that
//! needs one (tests/drills/postgresql.rs, tests/drills/profile.rs):
//! Debian's server binaries from their version folder, a data folder and a
//! socket folder the `postgres` user owns, `initdb` as the image's
//! entrypoint runs it, and the stand-in's start and stop commands (see
//! tests/drills/kubectl): the server runs as `postgres`, its output goes to
//! the pod's log, and it counts as started once `pg_isready` answers on the
//! world's own socket.

use crate::harness::{as_user, find, need, set_mode, World};

/// The tools every PostgreSQL world runs; a drill names the others its
/// steps use.
const TOOLS: &[&str] = &[
    "postgres",
    "initdb",
    "psql",
    "pg_isready",
    "pg_verifybackup",
];

/// Where the world's server keeps its files, and the binaries it runs.
pub struct Pg {
    /// Debian's version folder: /usr/bin has only wrappers of the client
    /// tools, and none of the server's.
    pub bindir: String,
    pub data: String,
    /// The socket folder: the default one is shared by every network
    /// namespace.
    pub sock: String,
    pub log: String,
    pid: String,
}

/// A world for `chart` with a PostgreSQL server's folders, or `None` when
/// a tool is missing (see [`need`]); `tools` are those the drill's steps
/// use besides [`TOOLS`].
pub fn world(chart: &str, tools: &[&str]) -> Option<(World, Pg)> {
    let all: Vec<&str> = TOOLS.iter().chain(tools).copied().collect();
    if !need(&all) {
        return None;
    }
    let bindir = find("pg_verifybackup").unwrap();
    let bindir = bindir.parent().unwrap().display().to_string();
    let w = World::new(chart);
    let data = w.owned_dir("data", "postgres");
    set_mode(&data, 0o700);
    let sock = w.owned_dir("sock", "postgres");
    let state = w.state.display().to_string();
    let pg = Pg {
        bindir,
        data: data.display().to_string(),
        sock: sock.display().to_string(),
        log: format!("{state}/postgres.log"),
        pid: format!("{state}/postgres.pid"),
    };
    Some((w, pg))
}

impl Pg {
    /// The `initdb` command line that makes a cluster in `data` with
    /// superuser `postgres`, UTF-8, and `args` (authentication, password).
    pub fn initdb_command(&self, data: &str, args: &str) -> String {
        format!(
            "{}/initdb -D {data} -U postgres {args} -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null",
            self.bindir
        )
    }

    /// Makes the world's cluster, as `postgres`.
    pub fn initdb(&self, w: &World, args: &str) {
        w.ok(&format!(
            "{} {}",
            as_user("postgres"),
            self.initdb_command(&self.data, args)
        ));
    }

    /// The server's command line for cluster `data` with `args` (`-c`
    /// settings).
    pub fn postgres(&self, data: &str, args: &str) -> String {
        format!("{}/postgres -D {data} {args}", self.bindir)
    }

    /// Makes the world's workload this server, started with `args`: its
    /// user, its binaries first on the pod's PATH, its log, and the start
    /// and stop commands the stand-in runs.
    pub fn serve(&self, world: &mut serde_json::Value, args: &str) {
        let (bindir, pid, log) = (&self.bindir, &self.pid, &self.log);
        world["user"] = "postgres".into();
        world["path_prefix"] = format!("{bindir}:").into();
        world["log"] = log.as_str().into();
        // The container's output is a new log per pod: the server's stderr
        // until a logging collector takes over.
        world["start"] = format!(
            "{} {} > {log} 2>&1 & echo $! > {pid}; \
             for i in $(seq 600); do {bindir}/pg_isready -q -h {} && exit 0; \
             kill -0 $(cat {pid}) 2>/dev/null || exit 1; sleep 0.1; done; exit 1",
            as_user("postgres"),
            self.postgres(&self.data, args),
            self.sock,
        )
        .into();
        // The image stops with SIGINT: a fast shutdown.
        world["stop"] = format!(
            "P=$(cat {pid}) && kill -INT $P && while kill -0 $P 2>/dev/null; do sleep 0.1; done"
        )
        .into();
    }
}

/// SQL that makes role `role` with password `pw` and its database `db`.
pub fn role_and_database(role: &str, pw: &str, db: &str) -> String {
    format!("CREATE ROLE {role} LOGIN PASSWORD '{pw}';\nCREATE DATABASE {db} OWNER {role};")
}
