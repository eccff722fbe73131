//! Dependency profiles: a chart whose data lives in a PostgreSQL database
//! it connects to states that database in a few lines (`backup.database`),
//! and gets its dump, the dump's check, the restore into a scratch server
//! and the restore into the real one from one shared procedure, written
//! once here and drilled once per connection (`tests/drills.rs::
//! postgresql_profile_drill` with the password, `..._url_drill` with a URL).
//!
//! [`expand`] turns the profile into ordinary spec content when the spec
//! is parsed, so validation, the runbook lint, the guides, the make
//! targets and `gen procedures` see it like any other: the component goes
//! first in `backup.components`, the scratch restore first in
//! `backup.verification`, the restore step into the restore procedures the
//! profile names, and the `DB_*` variables its commands use after the
//! spec's own. The chart facts check (`facts::check`) proves the
//! Secret and key against what the chart renders.
//!
//! A spec without `jobs` of its own also gets them from the profile
//! (`jobs` below): the same dump as a backup CronJob and a pre-upgrade hook,
//! and the scratch restore as the verification CronJob, connected from
//! the chart's values and Secret (drilled by `tests/drills.rs::
//! postgresql_profile_backup_jobs_run` and `..._url_backup_jobs_run`).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::jobs::{BackupJob, JobEnv, JobImage, Jobs, SecretKey, VerifyJob};
use super::types::{Component, Covers, Drill, Method, Spec, Step};
use super::{Positions, Variable};

/// The database engines a profile exists for.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// A PostgreSQL server (the collection's postgresql chart or any other).
    Postgresql,
}

/// The database a chart keeps its data in, and how it reaches it: the
/// shared procedure dumps, checks and restores it as this user, with the
/// password read from this Secret and key, never from a command line.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DatabaseProfile {
    pub engine: Engine,
    /// What the Secret's `key` holds: the password (default) or a URL.
    #[serde(default)]
    pub connection: Connection,
    /// The database the chart uses (default of `DB_NAME`).
    pub database: String,
    /// The role the chart connects as (default of `DB_USER`); a URL
    /// names it itself.
    #[serde(default)]
    pub user: Option<String>,
    /// The Secret holding that role's password, as the chart renders it,
    /// e.g. `$FULLNAME-secret` (default of `DB_SECRET`).
    pub secret: String,
    /// The key of the password (or URL) in that Secret (default of
    /// `DB_SECRET_KEY`).
    pub key: String,
    /// The server's host, when the chart has a usual one (default of
    /// `DB_HOST`; empty: the operator must set it); not with a URL.
    #[serde(default)]
    pub host: String,
    /// Where each value comes from in the chart's values, for the
    /// variables' help, e.g. `postgresql.external`.
    pub values: String,
    /// Component id restore procedures name in `restores` (default `database`).
    #[serde(default)]
    pub id: Option<String>,
    /// The spec's own component the dump follows in the guide (default:
    /// the dump comes first).
    #[serde(default)]
    pub after: Option<String>,
    /// Default "Logical dump of the <chart> database".
    #[serde(default)]
    pub title: Option<String>,
    /// What the database holds, for the component's "what".
    pub what: String,
    /// Cron schedule of the dump.
    pub schedule: String,
    pub retention: String,
    /// Default: `$BACKUP_DIR`, copied to an off-cluster bucket.
    #[serde(default)]
    pub storage: Option<String>,
    /// Steps before the dump (switch the application to read-only, say).
    #[serde(default)]
    pub before: Vec<Step>,
    /// What can go wrong, besides the built-in pitfall about roles.
    #[serde(default)]
    pub pitfalls: Vec<String>,
    /// SQL queries the scratch restore runs to show the data is there,
    /// e.g. `select name from realm`.
    pub verify: Vec<String>,
    /// What that query prints when the dump is good.
    pub verify_expect: String,
    /// Where the restore step goes: procedure id and the index of the
    /// step it is inserted before.
    #[serde(default)]
    pub restore: Vec<RestoreAt>,
    /// How many dumps the generated backup CronJob keeps (default 7; the
    /// value `backup.<id>.keep` overrides it).
    #[serde(default)]
    pub keep: Option<u32>,
    /// Cron schedule of the generated verification CronJob (default
    /// "30 5 * * *"; the value `backup.verify.schedule` overrides it).
    #[serde(default)]
    pub verify_schedule: Option<String>,
}

/// One place the shared restore step goes.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RestoreAt {
    /// The restore procedure's id, e.g. `full`.
    pub procedure: String,
    /// Index of the procedure's own step it goes before (0 = first).
    pub before: usize,
}

/// Component id of the profile's dump when the spec gives none.
pub const DATABASE_ID: &str = "database";

/// The tests that drill the shared procedure, one per connection.
const DRILLS: [(Connection, &str); 2] = [
    (
        Connection::Password,
        "tests/drills.rs::postgresql_profile_drill",
    ),
    (
        Connection::Url,
        "tests/drills.rs::postgresql_profile_url_drill",
    ),
];

/// The client image: its `pg_dump` must not be older than the server
/// (the collection's postgresql chart runs 16.11).
const IMAGE: &str = "postgres:16.11";
/// [`IMAGE`] in parts, for the generated jobs, and its `postgres` uid.
const IMAGE_REPOSITORY: &str = "postgres";
const IMAGE_TAG: &str = "16.11";
const IMAGE_UID: u32 = 999;

/// The dump in the custom format, to stdout: the command the guide's
/// client pod and the generated CronJob both run.
const PG_DUMP: &str = "pg_dump -Fc";

/// Reads a custom-format dump (the file after it, else stdin) to its end
/// without restoring it: fails on a dump cut anywhere, where `pg_restore
/// --list` reads the table of contents only and passes one cut in its
/// data. The restore step runs it before it drops anything, the dump's
/// check before it counts the tables.
pub const READS_WHOLE: &str = "pg_restore -f /dev/null";

/// How the chart's Secret lets a client in.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Connection {
    /// `key` holds the password of `user`; host, port and database are
    /// the `DB_*` variables.
    #[default]
    Password,
    /// `key` holds a whole `postgresql://user:password@host:port/db` URL,
    /// as SQLAlchemy applications keep it.
    Url,
}

/// What differs between the two connections, in the shell and the prose.
struct Conn {
    /// The shell variable the Secret's value goes into.
    var: &'static str,
    /// The client pod's flags and the first line of its script.
    pod: &'static str,
    /// The connection argument of `pg_dump`, `psql` and `pg_restore`.
    db: &'static str,
    /// Who the client connects as, in prose.
    who: &'static str,
    /// How it authenticates, in prose.
    how: &'static str,
}

const PASSWORD: Conn = Conn {
    var: "PW",
    pod: r#"  --env=PGHOST="${DB_HOST:?set DB_HOST}" --env=PGPORT="$DB_PORT" \
  --env=PGUSER="$DB_USER" --env=PGDATABASE="$DB_NAME" --command -- \
  sh -c 'read -r PGPASSWORD; export PGPASSWORD
"#,
    db: r#"-d "$PGDATABASE""#,
    who: "`$DB_USER`",
    how: "as `$DB_USER`, and reads the password from the Secret `$DB_SECRET` on stdin",
};

const URL: Conn = Conn {
    var: "U",
    pod: r#"  --command -- \
  sh -c 'read -r U
"#,
    db: r#"-d "$U""#,
    who: "the URL's user",
    how: "with the URL the application uses, user and password included, which it reads \
from the Secret `$DB_SECRET` on stdin",
};

fn conn(c: Connection) -> &'static Conn {
    match c {
        Connection::Password => &PASSWORD,
        Connection::Url => &URL,
    }
}

/// Reads the Secret's value into the connection's variable.
fn read(c: &Conn) -> String {
    format!(
        "{}=$(kubectl -n \"$NAMESPACE\" get secret \"$DB_SECRET\" \\\n  -o jsonpath=\"{{.data.$DB_SECRET_KEY}}\" | base64 -d)\n",
        c.var
    )
}

/// A one-off client pod named `$FULLNAME-<name>` that connects as the
/// chart does, reading the secret value as its first stdin line.
fn client(c: &Conn, name: &str) -> String {
    format!(
        "  | kubectl -n \"$NAMESPACE\" run \"$FULLNAME-{name}\" \\\n  -i --rm --quiet --restart=Never --image={IMAGE} \\\n{}",
        c.pod
    )
}

/// The newest dump into `F`.
fn newest(chart: &str) -> String {
    format!("F=$(ls -1t \"$BACKUP_DIR\"/{chart}-db-*.dump | head -n1)\n")
}

/// Where a client pod's connection value (password or URL) comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Value<'a> {
    /// Read from the Secret `$DB_SECRET`, key `$DB_SECRET_KEY`.
    Secret,
    /// A shell word that holds it already, e.g. `"$U"`.
    Word(&'a str),
}

/// The start of a command that runs `psql`, `pg_dump` or `pg_restore` in
/// a one-off client pod named `$FULLNAME-<name>`, connected as the profile
/// connects (`connection`): the connection value goes first on its stdin,
/// then the bytes of `input` (a shell word naming a file), if any. The
/// `pg-client` snippet (see [`super::snippets`]); the lines after it are
/// the client's script, ending with `'`.
pub(super) fn client_start(
    connection: Connection,
    value: Value,
    name: &str,
    input: Option<&str>,
) -> String {
    let c = conn(connection);
    let (read, word) = match value {
        Value::Secret => (read(c), format!("\"${}\"", c.var)),
        Value::Word(w) => (String::new(), w.to_string()),
    };
    let feed = match input {
        None => format!("printf '%s\\n' {word} \\\n"),
        Some(f) => format!("{{ printf '%s\\n' {word}; cat {f}; }} \\\n"),
    };
    format!("{read}{feed}{}", client(c, name))
}

/// [`client_start`] with the password connection, for the tests.
#[cfg(test)]
pub(super) fn password_client(name: &str) -> String {
    client_start(Connection::Password, Value::Secret, name, None)
}

/// The profile's restore into the real database from `file` (a shell
/// word): schema `public` dropped and recreated, then the dump restored
/// with every object owned by the connecting role. The guide's restore
/// step and the `pg-restore` snippet both run this text. Nothing is
/// dropped unless a whole custom-format dump arrives: the client pod
/// keeps its stdin after the password in a file of its `/tmp` and reads
/// it to its end first ([`READS_WHOLE`]). A missing file (`cat` failing,
/// stdin empty), a cut one, or a full `/tmp` stops the step there.
pub(super) fn restore_command(connection: Connection, value: Value, file: &str) -> String {
    let c = conn(connection);
    let psql_db = if c.var == "PW" {
        String::new()
    } else {
        format!(" {}", c.db)
    };
    format!(
        "{}  D=$(mktemp) && cat > \"$D\" && {READS_WHOLE} \"$D\" ||\n  {{ echo \"dump missing or cut short: nothing dropped\" >&2; exit 1; }}\n  psql -X -v ON_ERROR_STOP=1{psql_db} \\\n  -c \"DROP SCHEMA public CASCADE\" -c \"CREATE SCHEMA public\" &&\n  pg_restore --no-owner --no-acl --exit-on-error {} \\\n  \"$D\"'\n",
        client_start(connection, value, "db-restore", Some(file)),
        c.db,
    )
}

fn dump_run(chart: &str, connection: Connection) -> String {
    let c = conn(connection);
    // With the password, PGDATABASE names the database already.
    let db = if c.var == "PW" {
        String::new()
    } else {
        format!(" {}", c.db)
    };
    format!(
        "mkdir -p \"$BACKUP_DIR\"; TS=$(date +%Y%m%d-%H%M%S)\n{}  exec {PG_DUMP}{db}' \\\n  > \"$BACKUP_DIR/{chart}-db-$TS.dump\"\n",
        client_start(connection, Value::Secret, "db-dump", None)
    )
}

fn list_run(chart: &str) -> String {
    format!(
        "{}kubectl -n \"$NAMESPACE\" run \"$FULLNAME-db-list\" -i --rm --quiet \\\n  --restart=Never --image={IMAGE} --command -- sh -c \\\n  'D=$(mktemp) && cat > \"$D\" && {READS_WHOLE} \"$D\" &&\n  pg_restore -l \"$D\"' < \"$F\" | grep -c 'TABLE DATA'\n",
        newest(chart)
    )
}

fn verify_run(chart: &str, queries: &[String]) -> String {
    let db = format!("{}_verify", chart.replace('-', "_"));
    let queries: String = queries
        .iter()
        .map(|q| format!(" \\\n  -c \"{}\"", q.replace('"', "\\\"")))
        .collect();
    format!(
        r#"{newest}kubectl -n "$NAMESPACE" run "$FULLNAME-db-verify" --restart=Never \
  --image={IMAGE} --env=POSTGRES_PASSWORD=verify
kubectl -n "$NAMESPACE" wait --for=condition=Ready \
  "pod/$FULLNAME-db-verify" --timeout=180s; sleep 10
kubectl -n "$NAMESPACE" exec -i "$FULLNAME-db-verify" -- sh -c \
  'createdb -U postgres {db} &&
  pg_restore -U postgres --no-owner -d {db} &&
  psql -U postgres -d {db} -At{queries}' < "$F"
kubectl -n "$NAMESPACE" delete pod "$FULLNAME-db-verify"
"#,
        newest = newest(chart),
    )
}

/// The restore takes `FILE=` when it is set, as the `restore` targets
/// do, so a target composed of this step restores the same dump.
fn restore_run(chart: &str, connection: Connection) -> String {
    format!(
        "{}{}",
        super::snippets::newest(&format!("{chart}-db-*.dump"), "F"),
        restore_command(connection, Value::Secret, "\"$F\"")
    )
}

fn drilled(c: Connection) -> Option<Drill> {
    Some(Drill {
        test: DRILLS.iter().find(|d| d.0 == c).map(|d| d.1.into()),
        none: None,
        caveat: None,
    })
}

/// The profile's backup component.
fn component(chart: &str, title: &str, p: &DatabaseProfile) -> Component {
    let c = conn(p.connection);
    let dump = Step {
        title: "Dump the database through a one-off client pod".into(),
        why: Some(format!(
            "The application image has no PostgreSQL client. A `{IMAGE}` pod connects \
as the application does, {}, so it never appears in a command line or pod spec. The \
custom format is compressed, restores in parallel and lets `pg_restore` list or pick \
single tables; the client's `pg_dump` 16 must not be older than the server.",
            c.how
        )),
        run: Some(dump_run(chart, p.connection)),
        lang: None,
        expect: Some(format!(
            "A non-empty `{chart}-db-<timestamp>.dump`; no output."
        )),
        drill: drilled(p.connection),
        ..Default::default()
    };
    let list = Step {
        title: "Read the dump's table of contents".into(),
        why: Some(
            "A truncated dump is otherwise only noticed at restore time. `pg_restore -l` \
reads the table of contents only, which a dump cut short in its data still has: the pod \
keeps the dump in its `/tmp` and reads it to its end first."
                .into(),
        ),
        run: Some(list_run(chart)),
        lang: None,
        expect: Some(
            "A count of the tables with data, not 0; a cut dump prints a `pg_restore: error:` \
line and 0, and the command fails."
                .into(),
        ),
        drill: drilled(p.connection),
        ..Default::default()
    };
    let mut pitfalls = p.pitfalls.clone();
    pitfalls.push(format!(
        "Roles are cluster-wide and not in a one-database dump: the role of {} must \
exist before a restore (the postgresql chart's `pg_dumpall --globals-only` backup has it).",
        c.who
    ));
    Component {
        id: p.id.clone().unwrap_or_else(|| DATABASE_ID.into()),
        title: p
            .title
            .clone()
            .unwrap_or_else(|| format!("Logical dump of the {title} database")),
        covers: Covers::Data,
        what: p.what.clone(),
        method: Method::Scheduled,
        tool: "pg_dump -Fc in a one-off client pod".into(),
        interval: None,
        schedule: Some(p.schedule.clone()),
        retention: p.retention.clone(),
        storage: p.storage.clone().unwrap_or_else(|| {
            "`$BACKUP_DIR`, copied to an off-cluster bucket of your choice.".into()
        }),
        steps: p.before.iter().cloned().chain([dump, list]).collect(),
        pitfalls,
        // Per step: the spec's own `before` steps are not the profile's,
        // and its drill does not run them.
        drill: None,
    }
}

fn verification(chart: &str, p: &DatabaseProfile) -> Step {
    Step {
        title: "Restore the newest dump into a scratch database".into(),
        why: Some(format!(
            "Proves the dump is complete without touching production: it is restored \
into a throwaway `{IMAGE}` pod, not into the shared server."
        )),
        run: Some(verify_run(chart, &p.verify)),
        lang: None,
        expect: Some(format!("`pg_restore` exits 0. {}", p.verify_expect)),
        drill: drilled(p.connection),
        ..Default::default()
    }
}

fn restore_step(chart: &str, p: &DatabaseProfile, job: bool) -> Step {
    let c = conn(p.connection);
    let superuser = match p.connection {
        Connection::Password => {
            "set `DB_USER`, `DB_SECRET` and `DB_SECRET_KEY` to the server's superuser (the \
postgresql chart's Secret `<fullname>-secret`, key `postgres-password`)"
        }
        Connection::Url => {
            "point `DB_SECRET` and `DB_SECRET_KEY` at a URL of the server's superuser"
        }
    };
    Step {
        title: "Empty the database and restore the dump".into(),
        why: Some(format!(
            "Dropping and recreating schema `public` removes tables a newer version may \
have added, which `pg_restore --clean` would leave behind; `--no-owner --no-acl` hands \
every object to {who}, which runs the restore. The client pod reads the {what}, then \
the dump, on stdin, keeps the dump in its `/tmp` (on the node's container storage, which \
needs room for one more copy of the dump; `--rm` deletes it with the pod) and reads it to \
its end before it drops anything: a dump cut short or a full `/tmp` stops the step with \
`nothing dropped`. It restores `FILE` when set, else the newest dump, and stops before \
the client pod starts when there is none. Dropping the schema needs {who} to own the database: if it does \
not, {superuser} for this step.{job}",
            job = if job {
                format!(
                    " A set of the backup CronJob (`{}/<timestamp>/` on the claim) holds the \
same `{chart}-db-<timestamp>.dump`: copy the folder off the claim and point `BACKUP_DIR` \
at it.",
                    job_dir(p.id.as_deref().unwrap_or(DATABASE_ID))
                )
            } else {
                String::new()
            },
            who = c.who,
            what = if c.var == "PW" { "password" } else { "URL" },
        )),
        run: Some(restore_run(chart, p.connection)),
        lang: None,
        expect: Some("`DROP SCHEMA`, `CREATE SCHEMA`, then exit code 0.".into()),
        drill: drilled(p.connection),
        ..Default::default()
    }
}

/// The variables `spec`'s database profile adds, if it has one: what
/// [`expand`] appends to its `variables`, for what reads them before it.
pub fn added_variables(spec: &Spec) -> Vec<Variable> {
    spec.backup
        .database
        .as_ref()
        .map(variables)
        .unwrap_or_default()
}

/// The `DB_*` variables of the profile, with its values as defaults: a
/// URL holds host, port and user itself.
fn variables(p: &DatabaseProfile) -> Vec<Variable> {
    let v = |name: &str, default: &str, help: String| Variable {
        name: name.into(),
        default: default.into(),
        help,
    };
    let at = &p.values;
    let mut out = Vec::new();
    if p.connection == Connection::Password {
        out.push(v(
            "DB_HOST",
            &p.host,
            format!("PostgreSQL host the chart uses ({at}.host)"),
        ));
        out.push(v("DB_PORT", "5432", format!("PostgreSQL port ({at}.port)")));
    }
    out.push(v(
        "DB_NAME",
        &p.database,
        format!("Database ({at}.database)"),
    ));
    if p.connection == Connection::Password {
        out.push(v(
            "DB_USER",
            p.user.as_deref().unwrap_or_default(),
            format!("Role the chart connects as ({at}.username)"),
        ));
    }
    let (secret, key) = match p.connection {
        Connection::Password => (
            "Secret with the database password (or the existingSecret's name)",
            "Key of the password in DB_SECRET",
        ),
        Connection::Url => (
            "Secret with the database URL the chart renders",
            "Key of the URL (postgresql://user:password@host:port/db) in DB_SECRET",
        ),
    };
    out.push(v("DB_SECRET", &p.secret, secret.into()));
    out.push(v("DB_SECRET_KEY", &p.key, key.into()));
    out
}

/// The folder under the claim the generated backup CronJob writes to.
fn job_dir(id: &str) -> String {
    format!("{}/{id}", super::jobs::MOUNT)
}

/// The in-container script of the generated backup CronJob: the guide's
/// dump ([`PG_DUMP`]) into the set folder, under the name the guide's
/// restore looks for, read to its end ([`READS_WHOLE`]: a dump cut in its
/// data fails the job), then its table of contents counted, as the guide's
/// second step does. `$ts` is the set's timestamp (see `jobs::container_script`).
fn job_dump_script(chart: &str, c: Connection) -> String {
    let db = match c {
        Connection::Password => "",
        Connection::Url => " -d \"$DB_URL\"",
    };
    format!(
        "f=\"$OUT/{chart}-db-$ts.dump\"\n\
         {PG_DUMP}{db} > \"$f\"\n\
         {READS_WHOLE} \"$f\" ||\n\
         \x20 {{ echo \"$(basename \"$f\") does not read to its end\" >&2; exit 1; }}\n\
         n=$(pg_restore -l \"$f\" | grep -c 'TABLE DATA') ||\n\
         \x20 {{ echo \"the dump holds no table data\" >&2; exit 1; }}\n\
         echo \"$(basename \"$f\"): $n tables with data\"\n"
    )
}

/// The verification CronJob's script: the newest dump restored into a
/// scratch server the job starts in its own `/tmp`, never the chart's
/// database, and the profile's queries run on it.
fn job_verify_script(id: &str, queries: &[String]) -> String {
    let queries: String = queries
        .iter()
        .map(|q| format!(" \\\n  -c \"{}\"", q.replace('"', "\\\"")))
        .collect();
    format!(
        "set_dir=$(ls -1d {dir}/* | tail -n 1)\n\
         f=$(ls -1 \"$set_dir\"/*.dump | tail -n 1)\n\
         echo \"verifying $f\"\n\
         # A scratch server in the job's /tmp: forget the chart's database.\n\
         unset PGHOSTADDR PGHOST PGPORT PGUSER PGPASSWORD PGDATABASE\n\
         export PGHOST=/tmp PGUSER=postgres\n\
         initdb -D /tmp/scratch -U postgres --auth=trust -E UTF8 --locale=C >/dev/null\n\
         trap 'pg_ctl -D /tmp/scratch -m immediate stop >/dev/null 2>&1 || true' EXIT\n\
         pg_ctl -D /tmp/scratch -o \"-c listen_addresses='' -k /tmp\" \\\n\
         \x20 -l /tmp/scratch.log -w start >/dev/null\n\
         createdb verify\n\
         pg_restore --no-owner --no-acl --exit-on-error -d verify \"$f\"\n\
         psql -XAt -v ON_ERROR_STOP=1 -d verify{queries}\n",
        dir = job_dir(id),
    )
}

/// The jobs the profile gives a chart that has none of its own: the dump
/// as a CronJob and a pre-upgrade hook, the scratch restore as the
/// verification CronJob, connected as the chart is, from its values and
/// its Secret.
fn jobs(chart: &str, p: &DatabaseProfile) -> Jobs {
    let id = p.id.clone().unwrap_or_else(|| DATABASE_ID.into());
    let values = |name: &str, key: &str| JobEnv {
        name: name.into(),
        value: None,
        secret: None,
        values: Some(format!("{}.{key}", p.values)),
    };
    let secret = |name: &str| JobEnv {
        name: name.into(),
        value: None,
        secret: Some(SecretKey {
            name: p.secret.clone(),
            key: p.key.clone(),
        }),
        values: None,
    };
    let env = match p.connection {
        Connection::Password => vec![
            values("PGHOST", "host"),
            values("PGPORT", "port"),
            values("PGDATABASE", "database"),
            values("PGUSER", "username"),
            secret("PGPASSWORD"),
        ],
        Connection::Url => vec![secret("DB_URL")],
    };
    Jobs {
        image: JobImage {
            values: "backup.image".into(),
            repository: IMAGE_REPOSITORY.into(),
            tag: Some(IMAGE_TAG.into()),
        },
        run_as_user: IMAGE_UID,
        env,
        backups: vec![BackupJob {
            component: id.clone(),
            dir: job_dir(&id),
            keep: p.keep.unwrap_or(7),
            script: job_dump_script(chart, p.connection),
        }],
        pre_upgrade: Some(id.clone()),
        restore_reads: Default::default(),
        verification: Some(VerifyJob {
            schedule: p
                .verify_schedule
                .clone()
                .unwrap_or_else(|| "30 5 * * *".into()),
            what: format!(
                "Restores the newest dump into a scratch PostgreSQL server the job \
starts in its own /tmp, never the chart's database, and runs `{}` on it; a \
truncated dump or a missing table fails it.",
                p.verify.join("`, `")
            ),
            script: job_verify_script(&id, &p.verify),
        }),
    }
}

/// Expands `backup.database` into ordinary spec content (see the module
/// documentation); errors in what it adds point at `backup.database`.
pub fn expand(spec: &mut Spec, positions: &mut Positions) {
    let Some(p) = spec.backup.database.clone() else {
        return;
    };
    let chart = spec.name.clone();
    let from = "backup.database";
    // A spec's own `jobs` win: the profile adds none beside them.
    let adds_jobs = spec.jobs.is_none();
    let c = p
        .after
        .as_ref()
        .and_then(|a| spec.backup.components.iter().position(|c| &c.id == a))
        .map_or(0, |i| i + 1);
    let at = format!("backup.components[{c}]");
    positions.shift("backup.components", c);
    spec.backup
        .components
        .insert(c, component(&chart, &spec.title, &p));
    positions.alias_exact(&at, from);
    for key in [
        "id",
        "title",
        "what",
        "schedule",
        "retention",
        "storage",
        "pitfalls",
    ] {
        positions.alias(&format!("{at}.{key}"), &format!("{from}.{key}"));
    }
    positions.alias_exact(&format!("{at}.steps"), from);
    for j in 0..p.before.len() {
        positions.alias(&format!("{at}.steps[{j}]"), &format!("{from}.before[{j}]"));
    }
    for j in p.before.len()..p.before.len() + 2 {
        positions.alias_exact(&format!("{at}.steps[{j}]"), from);
    }
    positions.shift("backup.verification", 0);
    spec.backup.verification.insert(0, verification(&chart, &p));
    positions.alias_exact("backup.verification[0]", &format!("{from}.verify"));
    for (k, at) in p.restore.iter().enumerate() {
        let Some(i) = spec.restore.iter().position(|r| r.id == at.procedure) else {
            continue; // validation names the unknown procedure
        };
        let steps = &mut spec.restore[i].steps;
        let j = at.before.min(steps.len());
        let list = format!("restore[{i}].steps");
        positions.shift(&list, j);
        steps.insert(j, restore_step(&chart, &p, adds_jobs));
        positions.alias_exact(&format!("{list}[{j}]"), &format!("{from}.restore[{k}]"));
    }
    for v in variables(&p) {
        spec.variables.push(v);
    }
    if adds_jobs {
        spec.jobs = Some(jobs(&chart, &p));
        positions.alias("jobs", from);
        let (secret, key) = (format!("{from}.secret"), format!("{from}.key"));
        let n = spec.jobs.as_ref().map_or(0, |j| j.env.len());
        for i in 0..n {
            positions.alias_exact(&format!("jobs.env[{i}].secret.name"), &secret);
            positions.alias_exact(&format!("jobs.env[{i}].secret.key"), &key);
            positions.alias_exact(&format!("jobs.env[{i}].values"), &format!("{from}.values"));
        }
        positions.alias_exact("jobs", from);
        positions.alias_exact("jobs.backups[0].keep", &format!("{from}.keep"));
        positions.alias_exact(
            "jobs.verification.schedule",
            &format!("{from}.verify_schedule"),
        );
    }
}

/// The profile's own mistakes, which serde cannot see: a restore place
/// that names no procedure or lies past its last step.
pub fn problems(spec: &Spec) -> Vec<(String, String, String)> {
    let Some(p) = &spec.backup.database else {
        return Vec::new();
    };
    let mut out = Vec::new();
    match (p.connection, &p.user, p.host.is_empty()) {
        (Connection::Password, None, _) => out.push((
            "backup.database".into(),
            "the profile needs `user`, the role the chart connects as".into(),
            "add `user: <role>`, or `connection: url` when the Secret holds a whole URL".into(),
        )),
        (Connection::Url, Some(_), _) | (Connection::Url, _, false) => out.push((
            "backup.database.connection".into(),
            "with `connection: url` the URL names user and host".into(),
            "remove `user` and `host`".into(),
        )),
        _ => {}
    }
    if let Some(a) = &p.after {
        if !spec.backup.components.iter().any(|c| &c.id == a) {
            out.push((
                "backup.database.after".into(),
                format!("no backup component {a:?}"),
                format!(
                    "use one of {}",
                    spec.backup
                        .components
                        .iter()
                        .map(|c| c.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    for (k, q) in p.verify.iter().enumerate() {
        if q.contains('\'') {
            out.push((
                format!("backup.database.verify[{k}]"),
                "a verify query must not contain a single quote".into(),
                "the query runs inside `sh -c '...'`: use a dollar-quoted string ($$text$$)".into(),
            ));
        }
    }
    for (k, at) in p.restore.iter().enumerate() {
        let path = format!("backup.database.restore[{k}]");
        match spec.restore.iter().find(|r| r.id == at.procedure) {
            None => out.push((
                format!("{path}.procedure"),
                format!("no restore procedure {:?}", at.procedure),
                format!(
                    "use one of {}",
                    spec.restore
                        .iter()
                        .map(|r| r.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
            // After expansion the procedure holds the inserted step too.
            Some(r) if at.before + 1 > r.steps.len() => out.push((
                format!("{path}.before"),
                format!(
                    "restore {:?} has {} steps of its own; `before` is at most {}",
                    r.id,
                    r.steps.len() - 1,
                    r.steps.len() - 1
                ),
                "give the index of the step the restore goes before".into(),
            )),
            Some(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::spec::parse;
    use crate::spec::testkit::edited;

    const PROFILE: &str = "  database:
    engine: postgresql
    database: demo
    user: demo
    secret: $FULLNAME-secret
    key: db-password
    values: postgresql.external
    what: Everything.
    schedule: \"0 * * * *\"
    retention: 24 hourly
    verify: [select 1]
    verify_expect: '`1`.'
    restore:
      - { procedure: full, before: 1 }
";

    #[test]
    fn profile_expands_into_component_verification_restore_and_variables() {
        let src = edited(
            &crate::scaffold::new_spec("demo"),
            &[("backup:\n", &format!("backup:\n{PROFILE}"))],
        );
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let s = &f.spec;
        assert_eq!(s.backup.components[0].id, "database");
        let dump = s.backup.components[0].steps[0].run.as_deref().unwrap();
        assert!(
            dump.contains("> \"$BACKUP_DIR/demo-db-$TS.dump\""),
            "{dump}"
        );
        assert!(s.backup.verification[0]
            .run
            .as_deref()
            .unwrap()
            .contains("select 1"));
        let full = s.restore.iter().find(|r| r.id == "full").unwrap();
        assert_eq!(
            full.steps[1].title,
            "Empty the database and restore the dump"
        );
        let var = |n: &str| {
            s.variables
                .iter()
                .find(|v| v.name == n)
                .unwrap()
                .default
                .clone()
        };
        assert_eq!(var("DB_SECRET"), "$FULLNAME-secret");
        assert_eq!(var("DB_SECRET_KEY"), "db-password");
        // What the profile adds points at it; the spec's own text keeps its place.
        let line = |p: &str| f.positions.get(p).0;
        let key = src.lines().position(|l| l.contains("  database:")).unwrap() + 1;
        assert_eq!(line("backup.components[0].steps[1].run"), key);
        let own = src
            .lines()
            .position(|l| l.contains(&format!("- id: {}", s.backup.components[1].id)))
            .unwrap()
            + 1;
        assert_eq!(line("backup.components[1]"), own);
        assert!(super::problems(s).is_empty());
    }

    #[test]
    fn the_profile_gives_backup_jobs_that_connect_as_the_chart_does() {
        let src = edited(
            &crate::scaffold::new_spec("demo"),
            &[("backup:\n", &format!("backup:\n{PROFILE}"))],
        );
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let j = f.spec.jobs.as_ref().expect("the profile adds jobs");
        assert_eq!(
            format!("{}:{}", j.image.repository, j.image.tag.as_deref().unwrap()),
            super::IMAGE
        );
        let env: Vec<String> = j
            .env
            .iter()
            .map(|e| {
                let from = e
                    .values
                    .clone()
                    .or(e.secret.as_ref().map(|s| s.key.clone()));
                format!("{}={}", e.name, from.unwrap())
            })
            .collect();
        assert_eq!(
            env,
            [
                "PGHOST=postgresql.external.host",
                "PGPORT=postgresql.external.port",
                "PGDATABASE=postgresql.external.database",
                "PGUSER=postgresql.external.username",
                "PGPASSWORD=db-password"
            ]
        );
        let b = &j.backups[0];
        assert_eq!(
            (b.component.as_str(), b.dir.as_str()),
            ("database", "/backup/database")
        );
        // The guide's dump command, into the name the guide's restore reads.
        assert!(b.script.contains(&format!("{} > \"$f\"", super::PG_DUMP)));
        assert!(b.script.contains("f=\"$OUT/demo-db-$ts.dump\""));
        assert_eq!(j.pre_upgrade.as_deref(), Some("database"));
        let v = j.verification.as_ref().unwrap();
        assert!(v.script.contains("-c \"select 1\""), "{}", v.script);
        // The restore step tells where the job's dumps are.
        let full = f.spec.restore.iter().find(|r| r.id == "full").unwrap();
        assert!(full.steps[1]
            .why
            .as_deref()
            .unwrap()
            .contains("/backup/database/<timestamp>/"));
    }

    #[test]
    fn a_url_connection_reads_the_url_and_declares_no_host_or_user() {
        let profile = edited(
            PROFILE,
            &[
                ("    user: demo\n", "    connection: url\n"),
                ("key: db-password", "key: db-url"),
            ],
        );
        let src = edited(
            &crate::scaffold::new_spec("demo"),
            &[("backup:\n", &format!("backup:\n{profile}"))],
        );
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let s = &f.spec;
        let dump = s.backup.components[0].steps[0].run.as_deref().unwrap();
        assert!(
            dump.contains("exec pg_dump -Fc -d \"$U\"'") && !dump.contains("PGHOST"),
            "{dump}"
        );
        let names: Vec<&str> = s.variables.iter().map(|v| v.name.as_str()).collect();
        assert!(
            names.contains(&"DB_SECRET_KEY")
                && !names.contains(&"DB_HOST")
                && !names.contains(&"DB_USER")
        );
        let test = s.backup.components[0].steps[0]
            .drill
            .as_ref()
            .unwrap()
            .test
            .as_deref();
        assert_eq!(test, Some("tests/drills.rs::postgresql_profile_url_drill"));
        assert!(super::problems(s).is_empty());
        // A URL names its user: `user` beside it is a mistake.
        let src = edited(
            &src,
            &[(
                "    connection: url\n",
                "    connection: url\n    user: demo\n",
            )],
        );
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        assert_eq!(super::problems(&f.spec).len(), 1);
    }

    #[test]
    fn a_restore_place_must_name_a_procedure() {
        let profile = edited(PROFILE, &[("procedure: full", "procedure: fulll")]);
        let src = edited(
            &crate::scaffold::new_spec("demo"),
            &[("backup:\n", &format!("backup:\n{profile}"))],
        );
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let p = super::problems(&f.spec);
        assert_eq!(p.len(), 1, "{p:?}");
        assert!(p[0].1.contains("no restore procedure \"fulll\""));
    }
}
