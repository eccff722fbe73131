//! The PostgreSQL server of a drill world, built once for every drill that
//! needs one (tests/drills/postgresql.rs, tests/drills/profile.rs):
//! Debian's server binaries from their version folder, a data folder and a
//! socket folder the `postgres` user owns, `initdb` as the image's
//! entrypoint runs it, and the stand-in's start and stop commands (see
//! tests/drills/kubectl): the server runs as `postgres`, its output goes to
//! the pod's log, and it counts as started once `pg_isready` answers on the
//! world's own socket.

use crate::harness::{as_user, find, set_mode, Server, World};

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
}

/// A world for `chart` with a PostgreSQL server's folders, or `None` when
/// a tool is missing (see [`need`]); `tools` are those the drill's steps
/// use besides [`TOOLS`].
pub fn world(chart: &str, tools: &[&str]) -> Option<(World, Pg)> {
    let all: Vec<&str> = TOOLS.iter().chain(tools).copied().collect();
    let w = World::needing(chart, &all)?;
    let bindir = find("pg_verifybackup").unwrap();
    let bindir = bindir.parent().unwrap().display().to_string();
    let data = w.owned_dir("data", "postgres");
    set_mode(&data, 0o700);
    let sock = w.owned_dir("sock", "postgres");
    let pg = Pg {
        bindir,
        data: data.display().to_string(),
        sock: sock.display().to_string(),
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

    /// Makes the world's workload this server, started with `args`, as
    /// `postgres`, its binaries first on the pod's PATH; it counts as
    /// started once `pg_isready` answers on the world's own socket. Its
    /// log is the server's stderr until a logging collector takes over,
    /// a new one per pod, as a container's output is.
    pub fn serve(&self, w: &mut World, args: &str) {
        w.describe(serde_json::json!({ "path_prefix": format!("{}:", self.bindir) }));
        w.serve(Server {
            name: "postgres",
            user: "postgres",
            command: self.postgres(&self.data, args),
            ready: format!("{}/pg_isready -q -h {}", self.bindir, self.sock),
            // The image stops with SIGINT: a fast shutdown.
            signal: "INT",
        });
    }
}

/// SQL that makes role `role` with password `pw` and its database `db`.
pub fn role_and_database(role: &str, pw: &str, db: &str) -> String {
    format!("CREATE ROLE {role} LOGIN PASSWORD '{pw}';\nCREATE DATABASE {db} OWNER {role};")
}
