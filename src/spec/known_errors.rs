//! Known errors: troubleshooting entries that many charts share, written
//! once here (like the snippets in [`super::snippets`]).
//!
//! A `troubleshooting` entry with `use: NAME` (parameters in `with:`) gets
//! the library entry's error text, guide, cause, fix and command; it may
//! override `guide`, `cause`, `fix` and `run`, never `error`, which is the
//! message as the tool prints it. [`expand`] runs with the snippets, when
//! the spec is parsed, so validation (at least three entries, one per
//! guide), the runbook lint and the guides see ordinary entries.
//!
//! Some known errors follow from what the chart is: every chart whose
//! upgrade guide runs `helm upgrade` can meet `helm-pending`. Those have a
//! [`Condition`], and [`derive`] adds them to every spec it holds for,
//! after the spec's own entries, once the spec is fully expanded; a spec
//! that lists one with a plain `use:` says it twice
//! (`troubles.known-derived`, a warning), one with overrides or `with:`
//! replaces the derived entry.

use super::positions::Shared;
use super::shell;
use super::snippets::Param;
use super::types::{Guide, Origin, Spec, Step, Trouble, WorkloadKind};
use super::SpecFile;
use crate::diagnostics::{did_you_mean, Diagnostic};
use std::collections::BTreeMap;

/// The parameters of one use, defaults filled in.
type Args = BTreeMap<String, String>;

/// What a known error says for one chart: cause, fix and command.
struct Text {
    cause: String,
    fix: String,
    run: Option<String>,
}

/// One known error.
pub struct KnownError {
    pub name: &'static str,
    /// One line for `gen docs spec-format` and for error messages.
    pub help: &'static str,
    /// The message exactly as the tool prints it; `{user}` stands for the
    /// parameter `user` (see [`message`]).
    pub error: &'static str,
    /// The guide that lists it; both when `None`.
    pub guide: Option<Guide>,
    pub params: &'static [Param],
    text: fn(&Args, &Spec) -> Text,
    /// When gen adds it to a chart's guides without a `use:`; `None`: only
    /// where a spec uses it.
    pub when: Option<Condition>,
}

/// When a known error holds for a chart, from what its spec says.
pub struct Condition {
    /// The condition in words, after "every chart whose": for the docs
    /// and the redundancy warning's help.
    pub says: &'static str,
    pub holds: fn(&Spec) -> bool,
}

/// The commands of the steps' `run` blocks, each as its words.
fn commands<'a>(steps: impl IntoIterator<Item = &'a Step>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for run in steps.into_iter().filter_map(|s| s.run.as_deref()) {
        read(run, 0, &mut out);
    }
    out
}

/// Adds the commands of `src` to `out`, with those of each `sh -c
/// SCRIPT` (run locally or in a pod) read too.
fn read(src: &str, depth: usize, out: &mut Vec<Vec<String>>) {
    for c in shell::commands(src) {
        let words: Vec<String> = c.words.into_iter().map(|w| w.text).collect();
        if depth < 3 {
            for w in words.windows(3) {
                if shell::is_shell(&w[0]) && w[1] == "-c" {
                    read(&w[2], depth + 1, out);
                }
            }
        }
        out.push(words);
    }
}

/// The program a command runs (after `exec` or `command`), by its base name.
fn program(words: &[String]) -> &str {
    let mut w = words.iter().map(String::as_str);
    let mut first = w.next().unwrap_or("");
    if matches!(first, "exec" | "command") {
        first = w.next().unwrap_or("");
    }
    first.rsplit('/').next().unwrap_or(first)
}

/// The steps of the upgrade guide: pre-checks, each strategy, the
/// rollback and the validation.
fn upgrade_steps(s: &Spec) -> impl Iterator<Item = &Step> {
    let u = &s.upgrade;
    u.pre_checks
        .iter()
        .chain(u.strategies.iter().flat_map(|x| &x.steps))
        .chain(&u.rollback)
        .chain(&u.validation)
}

/// The steps of the backup guide: each component, the verification and
/// each restore.
fn backup_steps(s: &Spec) -> impl Iterator<Item = &Step> {
    s.backup
        .components
        .iter()
        .flat_map(|c| &c.steps)
        .chain(&s.backup.verification)
        .chain(s.restore.iter().flat_map(|r| &r.steps))
}

/// Whether the upgrade guide runs `helm upgrade` or `helm rollback` of
/// the chart's release (`$RELEASE`).
fn helm_upgrades(s: &Spec) -> bool {
    commands(upgrade_steps(s)).iter().any(|w| {
        if program(w) != "helm" {
            return false;
        }
        let mut k = 1;
        while k < w.len() && w[k].starts_with('-') {
            k += match w[k].as_str() {
                "-n" | "--namespace" | "--kube-context" => 2,
                _ => 1,
            };
        }
        let sub = w.get(k).map(String::as_str);
        let release = w.iter().skip(k + 1).find(|a| !a.starts_with('-'));
        matches!(sub, Some("upgrade" | "rollback"))
            && release.is_some_and(|r| matches!(r.as_str(), "$RELEASE" | "${RELEASE}"))
    })
}

/// Whether the guides or the chart's targets connect with a PostgreSQL
/// client (`psql`, `pg_dump`, `pg_dumpall`, `pg_restore`, run locally or
/// after `--` of `kubectl exec`/`run`) and read the password from the
/// Secret `$DB_SECRET` (key `$DB_SECRET_KEY`), as the targets of a
/// PostgreSQL database profile do.
fn pg_secret_login(s: &Spec) -> bool {
    let mut all = commands(backup_steps(s).chain(upgrade_steps(s)));
    for o in &s.operations {
        read(&o.run, 0, &mut all);
    }
    let pg = |w: &str| {
        let p = w.rsplit('/').next().unwrap_or(w);
        matches!(p, "psql" | "pg_dump" | "pg_dumpall" | "pg_restore")
    };
    let client = all
        .iter()
        .any(|w| pg(program(w)) || w.windows(2).any(|p| p[0] == "--" && pg(&p[1])));
    let secret = all.iter().any(|w| {
        program(w) == "kubectl"
            && w.iter().any(|a| a == "secret")
            && w.iter().any(|a| a == "$DB_SECRET")
            && w.iter().any(|a| a.contains("$DB_SECRET_KEY"))
    });
    client && secret
}

/// Whether the backup guide runs `age`: it encrypts backups for
/// `AGE_RECIPIENT`, which its restores, or the operator reading a file
/// the guide says `age -d -i "$AGE_KEY_FILE"` opens, decrypt.
fn age_encrypts(s: &Spec) -> bool {
    commands(backup_steps(s))
        .iter()
        .any(|w| program(w) == "age")
}

fn arg<'a>(a: &'a Args, k: &str) -> &'a str {
    a.get(k).map_or("", String::as_str)
}

fn kind(k: WorkloadKind) -> &'static str {
    match k {
        WorkloadKind::StatefulSet => "StatefulSet",
        WorkloadKind::Deployment => "Deployment",
        WorkloadKind::DaemonSet => "DaemonSet",
    }
}

/// `multi-attach` for one chart. A Deployment that rolls its update
/// starts the new pod while the old one still holds the volume. One that
/// recreates its pods, and a StatefulSet (at most one pod per identity),
/// start it once the old pod is gone; the volume then detaches from the
/// old node a little later, which clears by itself, and a pod that never
/// goes (its node is down) holds it on. A Deployment also replaces a pod
/// deleted by hand or evicted at once, whatever its strategy (Kubernetes'
/// Deployment docs, "Recreate Deployment").
fn multi_attach(a: &Args, s: &Spec) -> Text {
    let k = kind(s.workload.kind);
    let stop = format!("scale the {k} to 0 and wait for its pods to go");
    let head = "The pod event goes on: the volume is already exclusively attached to one node.";
    let rolls = s.workload.kind == WorkloadKind::Deployment && arg(a, "strategy") != "Recreate";
    // Workloads that share one ReadWriteOnce volume must share a node.
    let (shared_cause, shared_fix) = match arg(a, "shared") {
        "" => (String::new(), String::new()),
        w => (
            format!(" The volume is mounted by {w}, so all their pods must run on one node."),
            format!(
                " Keep {w} on one node (the same `nodeSelector` for each), or give the volume \
a ReadWriteMany storage class."
            ),
        ),
    };
    if rolls {
        return Text {
            cause: format!(
                "{head} A ReadWriteOnce volume is still in use by a pod on another node: the old \
pod of a rolling update, or the workload while a helper pod mounts its volume.{shared_cause}"
            ),
            fix: format!(
                "Stop the pod that holds the volume first ({stop}), or schedule the helper pod \
on the same node.{shared_fix}"
            ),
            run: None,
        };
    }
    let (how, deleted) = match s.workload.kind {
        WorkloadKind::Deployment => (
            "With the `Recreate` strategy the Deployment",
            " a pod deleted by hand or evicted, whose replacement starts at once;",
        ),
        _ => ("The {k}", ""),
    };
    let how = how.replace("{k}", k);
    Text {
        cause: format!(
            "{head} {how} starts a new pod only once the old one is gone, but the volume \
detaches from the old pod's node a little later: on another node the new pod waits, and the \
event clears by itself. It stays while a pod still holds the volume: a helper pod that mounts \
it while the {k} runs;{deleted} or a pod on a node that is down, which never \
finishes.{shared_cause}"
        ),
        fix: format!(
            "Give the detach a minute. If the event stays, stop the pod that holds the volume \
(`kubectl get pod -o wide` shows its node): delete the helper pod, or {stop}. For a node that \
is down, bring it back or, once it is surely off, taint it \
`node.kubernetes.io/out-of-service=nodeshutdown:NoExecute` (Kubernetes 1.28 and later): its \
pods are deleted and their volumes detached at once, where a forced pod delete alone leaves the \
volume attached for up to 6 minutes.{shared_fix}"
        ),
        run: None,
    }
}

/// Every known error, by name.
pub const KNOWN_ERRORS: &[KnownError] = &[
    KnownError {
        name: "helm-pending",
        help: "Helm refuses to act on a release an interrupted upgrade or rollback left pending",
        error: "another operation (install/upgrade/rollback) is in progress",
        guide: Some(Guide::Upgrade),
        params: &[],
        text: |_, _| Text {
            cause: "An interrupted `helm upgrade` or `helm rollback` left the release in a \
`pending-*` state."
                .into(),
            fix: "Find the last `deployed` revision in the history and roll back to it, then \
run the upgrade again."
                .into(),
            run: Some("helm -n \"$NAMESPACE\" history \"$RELEASE\" --max 5\n".into()),
        },
        when: Some(Condition {
            says: "upgrade guide runs `helm upgrade` or `helm rollback` of `$RELEASE`",
            holds: helm_upgrades,
        }),
    },
    KnownError {
        name: "helm-values-schema",
        help: "Helm rejects values that the chart's values.schema.json does not allow",
        error: "Error: UPGRADE FAILED: values don't meet the specifications of the schema(s)",
        guide: Some(Guide::Upgrade),
        params: &[],
        text: |_, s| Text {
            cause: "A value does not fit the chart's `values.schema.json`, which Helm checks on \
every install, upgrade, template and lint: for example a string or number where the schema \
wants a boolean, such as `rbac.create: \"true\"`."
                .into(),
            fix: format!(
                "Read the lines after the message: each names a failing key and the type the \
schema wants. Fix that value in the values file (or `--set`) and run the upgrade again; \
`helm lint charts/{} -f <values file>` shows the same errors before an upgrade.",
                s.name
            ),
            run: None,
        },
        // gen writes a values.schema.json that types `rbac` and
        // `serviceAccount` into every chart (`kinds::CHART`).
        when: Some(Condition {
            says: "upgrade guide runs `helm upgrade` or `helm rollback` of `$RELEASE` (gen \
writes a `values.schema.json` into every chart)",
            holds: helm_upgrades,
        }),
    },
    KnownError {
        name: "age-no-identity",
        help: "age cannot decrypt a backup with the identity it was given",
        error: "age: error: no identity matched any of the recipients",
        guide: Some(Guide::Backup),
        params: &[],
        text: |_, _| Text {
            cause: "The file was encrypted for a different age recipient than the identity \
given to `age -d`."
                .into(),
            fix: "Decrypt with the identity that belongs to the `AGE_RECIPIENT` used when the \
backup was taken; keep that key outside the cluster it protects."
                .into(),
            run: None,
        },
        when: Some(Condition {
            says: "backup guide encrypts or decrypts with `age`",
            holds: age_encrypts,
        }),
    },
    KnownError {
        name: "statefulset-forbidden",
        help: "an upgrade changes a StatefulSet field Kubernetes keeps fixed",
        error: "spec: Forbidden: updates to statefulset spec for fields other than",
        guide: Some(Guide::Upgrade),
        params: &[],
        text: |_, _| Text {
            cause: "The new chart version changes a StatefulSet field Kubernetes does not let \
change in place, such as `volumeClaimTemplates`, `selector` or `serviceName`."
                .into(),
            fix: "Delete the StatefulSet but keep its pods and volumes (`kubectl delete \
statefulset NAME --cascade=orphan`), then run the upgrade again; the new StatefulSet adopts \
the pods and their claims."
                .into(),
            run: None,
        },
        when: Some(Condition {
            says: "`workload.kind` is `StatefulSet` and whose upgrade guide runs `helm upgrade` \
or `helm rollback` of `$RELEASE`",
            holds: |s| s.workload.kind == WorkloadKind::StatefulSet && helm_upgrades(s),
        }),
    },
    KnownError {
        name: "multi-attach",
        help: "a ReadWriteOnce volume is still attached to a pod on another node",
        error: "Multi-Attach error for volume \"pvc-...\"",
        guide: None,
        params: &[
            Param {
                name: "strategy",
                default: Some("RollingUpdate"),
                help: "the Deployment's update strategy as `gen facts` shows it: \
`RollingUpdate` (also where the chart sets none) or `Recreate`",
            },
            Param {
                name: "shared",
                default: Some(""),
                help: "the workloads of the chart that mount the same ReadWriteOnce volume, \
e.g. the server and machine-learning Deployments",
            },
        ],
        text: multi_attach,
        when: None,
    },
    KnownError {
        name: "pg-public-schema",
        help: "a PostgreSQL 15+ restore runs as a user that does not own the database",
        error: "ERROR:  must be owner of schema public",
        guide: Some(Guide::Backup),
        params: &[],
        text: |_, _| Text {
            cause: "Since PostgreSQL 15 schema `public` belongs to the database owner, and the \
restore runs as `$DB_USER`, which does not own the database."
                .into(),
            fix: "Run the restore step as the database owner or the server's superuser (set \
`DB_USER`, `DB_SECRET` and `DB_SECRET_KEY` for that step), or make `$DB_USER` the owner with \
`ALTER DATABASE ... OWNER TO`."
                .into(),
            run: None,
        },
        when: None,
    },
    KnownError {
        name: "no-such-bucket",
        help: "the product or its restore points at an object-store bucket that is not there",
        error: "NoSuchBucket: The specified bucket does not exist",
        guide: Some(Guide::Backup),
        params: &[Param {
            name: "store",
            default: Some("object store"),
            help: "the object store, e.g. MinIO",
        }],
        text: |a, s| Text {
            cause: format!(
                "{}, or the restore, points at a bucket that is not there, for example on a \
rebuilt {}.",
                s.title,
                arg(a, "store")
            ),
            fix: format!(
                "Create the missing bucket, or restore it with the mirror, before starting {}.",
                s.title
            ),
            run: None,
        },
        when: None,
    },
    KnownError {
        name: "pg-dump-version",
        help: "pg_dump refuses a server of a newer PostgreSQL major than its own",
        error: "pg_dump: error: aborting because of server version mismatch",
        guide: Some(Guide::Backup),
        params: &[],
        text: |_, _| Text {
            cause: "The client image is an older PostgreSQL major than the server; pg_dump \
refuses to dump a newer server."
                .into(),
            fix: "Run the dump from a client image of the server's major version or newer \
(`--image=postgres:<major>`), as the dump step does."
                .into(),
            run: None,
        },
        when: None,
    },
    KnownError {
        name: "pg-password",
        help:
            "PostgreSQL refuses the chart's role: the Secret's password is not the role's any more",
        error: "FATAL:  password authentication failed for user \"{user}\"",
        guide: None,
        params: &[
            Param {
                name: "user",
                default: Some(""),
                help: "the role in the message; empty: `backup.database.user`, else the \
`DB_USER` variable's default, else the chart's name",
            },
            Param {
                name: "password",
                default: Some("the Secret `$DB_SECRET` (key `$DB_SECRET_KEY`)"),
                help: "where the chart keeps the role's password, as the guides read it, \
e.g. the Helm value that the chart writes into a connection URL",
            },
        ],
        text: |a, _| Text {
            cause: format!(
                "The password in {} is not the role's any more: it was restored from another \
time or written anew by `helm upgrade`, or the role's password was changed on the server.",
                arg(a, "password")
            ),
            fix: "Make them agree: restore it from the configuration backup taken with the \
database, or set the role's password to its value with `ALTER ROLE ... PASSWORD`, then restart \
the pods."
                .into(),
            run: None,
        },
        when: Some(Condition {
            says: "guides or targets run a PostgreSQL client (`psql`, `pg_dump`, `pg_dumpall`, \
`pg_restore`) and read its password from the Secret `$DB_SECRET` (key `$DB_SECRET_KEY`), as a \
PostgreSQL `backup.database` profile does",
            holds: pg_secret_login,
        }),
    },
];

/// The role `pg-password` names when `user` is not given: the one the
/// database profile connects as, else `DB_USER`'s default, else the
/// chart's name (a URL connection names the role in its URL, which these
/// charts render as the chart's name).
fn db_user(s: &Spec) -> String {
    s.backup
        .database
        .as_ref()
        .and_then(|d| d.user.clone())
        .or_else(|| {
            s.variables
                .iter()
                .find(|v| v.name == "DB_USER" && !v.default.is_empty())
                .map(|v| v.default.clone())
        })
        .unwrap_or_else(|| s.name.clone())
}

/// The message of `k` for one use: its `{user}` filled in.
fn message(k: &KnownError, a: &Args, s: &Spec) -> String {
    if !k.error.contains("{user}") {
        return k.error.into();
    }
    let user = match arg(a, "user") {
        "" => db_user(s),
        u => u.to_string(),
    };
    k.error.replace("{user}", &user)
}

fn find(name: &str) -> Result<&'static KnownError, String> {
    KNOWN_ERRORS.iter().find(|k| k.name == name).ok_or_else(|| {
        let names = KNOWN_ERRORS.iter().map(|k| k.name);
        match did_you_mean(name, names.clone()) {
            Some(k) => format!("did you mean `{k}`?"),
            None => format!(
                "the known errors are {}",
                names.collect::<Vec<_>>().join(", ")
            ),
        }
    })
}

fn params_help(k: &KnownError) -> String {
    if k.params.is_empty() {
        return format!("`{}` takes no parameters", k.name);
    }
    let list: Vec<String> = k
        .params
        .iter()
        .map(|p| match p.default {
            None => format!("`{}` (required: {})", p.name, p.help),
            Some("") => format!("`{}` ({}, optional)", p.name, p.help),
            Some(d) => format!("`{}` ({}, default `{d}`)", p.name, p.help),
        })
        .collect();
    format!("`{}` takes {}", k.name, list.join("; "))
}

/// Checks `given` against the entry's parameters and fills in the
/// defaults: the parameter an error is about (if any), the message and
/// the help.
fn args(k: &KnownError, given: &Args) -> Result<Args, (Option<String>, String, String)> {
    if let Some(p) = given
        .keys()
        .find(|p| !k.params.iter().any(|x| x.name == *p))
    {
        let hint = did_you_mean(p, k.params.iter().map(|x| x.name))
            .map(|d| format!("did you mean `{d}`? "))
            .unwrap_or_default();
        return Err((
            Some(p.clone()),
            format!("known error `{}` has no parameter `{p}`", k.name),
            format!("{hint}{}", params_help(k)),
        ));
    }
    let mut out = Args::new();
    for p in k.params {
        match (given.get(p.name).filter(|v| !v.is_empty()), p.default) {
            (Some(v), _) => out.insert(p.name.into(), v.clone()),
            (None, Some(d)) => out.insert(p.name.into(), d.into()),
            (None, None) => {
                return Err((
                    None,
                    format!("known error `{}` needs the parameter `{}`", k.name, p.name),
                    params_help(k),
                ))
            }
        };
    }
    Ok(out)
}

/// The entry `use: name` with `given` stands for, for `spec`, before the
/// spec's own overrides.
fn entry(k: &KnownError, a: &Args, spec: &Spec) -> Trouble {
    let t = (k.text)(a, spec);
    Trouble {
        known: None,
        with: BTreeMap::new(),
        error: message(k, a, spec),
        guide: k.guide,
        cause: t.cause,
        fix: t.fix,
        run: t.run,
        origin: Origin::Written,
    }
}

/// The known error `name`'s condition, when it has one that holds for
/// `spec`: gen adds that entry to the chart's guides itself.
pub fn derived(name: &str, spec: &Spec) -> Option<&'static Condition> {
    let k = KNOWN_ERRORS.iter().find(|k| k.name == name)?;
    k.when.as_ref().filter(|c| (c.holds)(spec))
}

/// Adds, after the spec's own entries and in the table's order, each
/// known error whose condition holds for the spec and that the spec does
/// not `use:` itself. Runs once the spec is fully expanded (the
/// configuration export's steps included), so the conditions see every
/// command the guides show.
pub fn derive(spec: &mut Spec) {
    let used = |name: &str| {
        spec.troubleshooting
            .iter()
            .any(|t| matches!(&t.origin, Origin::Used { name: n, .. } if n == name))
    };
    let add: Vec<Trouble> = KNOWN_ERRORS
        .iter()
        .filter(|k| derived(k.name, spec).is_some() && !used(k.name))
        .filter_map(|k| {
            let mut t = entry(k, &args(k, &Args::new()).ok()?, spec);
            t.origin = Origin::Derived(k.name);
            Some(t)
        })
        .collect();
    spec.troubleshooting.extend(add);
}

fn word(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Expands the `use:` troubleshooting entries of `file`'s spec in place.
/// An entry that takes the known error's command has it located at its
/// `use:` line (see [`super::positions::Shared`]).
pub fn expand(file: &mut SpecFile) -> Result<(), Diagnostic> {
    let snapshot = file.spec.clone();
    let mut list = std::mem::take(&mut file.spec.troubleshooting);
    let mut shared = Vec::new();
    let result = list.iter_mut().enumerate().try_for_each(|(i, t)| {
        let path = format!("troubleshooting[{i}]");
        let own = t.run.is_some();
        let name = t.known.clone();
        expand_one(file, &snapshot, &path, t)?;
        if let (Some(name), Some(run), false) = (name, &t.run, own) {
            let at = |p: &str| file.positions.get(&format!("{path}.{p}"));
            shared.push((
                at("run"),
                Shared {
                    what: "the shared troubleshooting entry".into(),
                    name,
                    at: at("use"),
                    lines: run.lines().count(),
                },
            ));
        }
        Ok(())
    });
    file.spec.troubleshooting = list;
    file.positions.shared.extend(shared);
    result
}

fn expand_one(file: &SpecFile, spec: &Spec, path: &str, t: &mut Trouble) -> Result<(), Diagnostic> {
    let Some(name) = t.known.take() else {
        if !t.with.is_empty() {
            return Err(file
                .error_at(&format!("{path}.with"), "`with:` without `use:`")
                .help("name the known error the parameters are for: `use: NAME`"));
        }
        return Ok(());
    };
    let k = find(&name).map_err(|h| {
        file.error_at(
            &format!("{path}.use"),
            format!("unknown known error `{name}`"),
        )
        .help(h)
    })?;
    if !t.error.is_empty() {
        return Err(file
            .error_at(
                &format!("{path}.error"),
                format!("`error:` beside `use: {name}`"),
            )
            .help(format!(
                "`{name}` is the message `{}` as the tool prints it: remove `error:`, or \
remove `use:` and write the whole entry",
                k.error
            )));
    }
    let plain = t.with.is_empty()
        && t.guide.is_none()
        && t.cause.is_empty()
        && t.fix.is_empty()
        && t.run.is_none();
    let given: Args = std::mem::take(&mut t.with)
        .iter()
        .map(|(k, v)| (k.clone(), word(v)))
        .collect();
    t.origin = Origin::Used {
        name: k.name.into(),
        plain,
        with: given.clone(),
    };
    let a = args(k, &given).map_err(|(p, m, h)| {
        let at = p.map_or(format!("{path}.use"), |p| format!("{path}.with.{p}"));
        file.error_at(&at, m).help(h)
    })?;
    let base = entry(k, &a, spec);
    t.error = base.error;
    t.guide = t.guide.or(base.guide);
    if t.cause.is_empty() {
        t.cause = base.cause;
    }
    if t.fix.is_empty() {
        t.fix = base.fix;
    }
    if t.run.is_none() {
        t.run = base.run;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse;
    use crate::spec::testkit::shipped;

    fn demo(edit: impl Fn(String) -> String) -> Result<SpecFile, Diagnostic> {
        let src = edit(crate::scaffold::new_spec("demo"));
        parse("specs/demo.yaml", src.as_bytes())
    }

    /// The scaffold's spec with `entry` as its first troubleshooting entry.
    fn with_entry(entry: &'static str) -> impl Fn(String) -> String {
        move |s: String| {
            crate::spec::testkit::edited(
                &s,
                &[("troubleshooting:", &format!("troubleshooting:\n{entry}"))],
            )
        }
    }

    fn spec() -> Spec {
        demo(|s| s).unwrap().spec
    }

    fn expanded(name: &str, given: &[(&str, &str)]) -> Trouble {
        let k = find(name).unwrap();
        let given = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        entry(k, &args(k, &given).unwrap(), &spec())
    }

    /// A finding in the command a known error gives is located at the
    /// entry's `use:` line (the second key here) and names the entry; an
    /// entry with its own `run` keeps its lines.
    #[test]
    fn a_finding_in_a_known_errors_command_is_at_its_use_line() {
        let f = demo(with_entry(
            "  - guide: upgrade\n    use: helm-pending\n  - use: multi-attach\n    run: |\n      echo own\n",
        ))
        .unwrap();
        let line = |needle: &str| f.source.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let d = f.error_in_text("troubleshooting[0].run", 0, "bad");
        assert_eq!((d.line, d.column), (line("use: helm-pending"), 5), "{d}");
        assert_eq!(
            d.message,
            "bad (in the shared troubleshooting entry that `use: helm-pending` expands)"
        );
        let d = f.error_in_text("troubleshooting[1].run", 0, "bad");
        assert_eq!((d.line, d.column), (line("echo own"), 7), "{d}");
        assert_eq!(d.message, "bad");
    }

    /// Each entry: its message, guide and text for the demo chart.
    #[test]
    fn each_known_error_expands() {
        let t = expanded("helm-pending", &[]);
        assert_eq!(
            t.error,
            "another operation (install/upgrade/rollback) is in progress"
        );
        assert_eq!(t.guide, Some(Guide::Upgrade));
        assert_eq!(
            t.run.as_deref(),
            Some("helm -n \"$NAMESPACE\" history \"$RELEASE\" --max 5\n")
        );
        let t = expanded("helm-values-schema", &[]);
        assert!(t
            .error
            .starts_with("Error: UPGRADE FAILED: values don't meet"));
        assert!(t.fix.contains("`helm lint charts/demo -f"), "{}", t.fix);
        let t = expanded("age-no-identity", &[]);
        assert_eq!(t.guide, Some(Guide::Backup));
        assert!(t.fix.contains("`AGE_RECIPIENT`") && t.run.is_none());
        let t = expanded("statefulset-forbidden", &[]);
        assert!(t.fix.contains("--cascade=orphan"), "{}", t.fix);
        let t = expanded("multi-attach", &[]);
        assert_eq!(t.guide, None, "both guides");
        let k = kind(spec().workload.kind);
        assert!(t.fix.contains(&format!("scale the {k} to 0")), "{}", t.fix);
        assert!(
            t.cause.contains("the old pod of a rolling update"),
            "{}",
            t.cause
        );
        let t = expanded("pg-public-schema", &[]);
        assert!(t.cause.contains("PostgreSQL 15") && t.fix.contains("OWNER TO"));
        let title = spec().title;
        let t = expanded("no-such-bucket", &[]);
        assert!(t.cause.contains("a rebuilt object store."), "{}", t.cause);
        assert!(
            t.fix.ends_with(&format!("before starting {title}.")),
            "{}",
            t.fix
        );
        let t = expanded("no-such-bucket", &[("store", "MinIO")]);
        assert!(t.cause.contains("a rebuilt MinIO."), "{}", t.cause);
        for k in KNOWN_ERRORS {
            let a = args(k, &Args::new()).unwrap();
            let t = entry(k, &a, &spec());
            assert_eq!(t.error, message(k, &a, &spec()));
            assert!(!t.error.contains('{'), "{}: {}", k.name, t.error);
            assert!(!t.cause.is_empty() && !t.fix.is_empty(), "{}", k.name);
            assert!(!k.error.contains('\n'), "{}: one line", k.name);
        }
    }

    /// The messages are the tools' own; the guides show them verbatim, so
    /// a reader can search for what the terminal printed.
    #[test]
    fn messages_are_as_the_tools_print_them() {
        let by = |n: &str| find(n).unwrap().error;
        // helm/pkg/action: errPending.
        assert_eq!(
            by("helm-pending"),
            "another operation (install/upgrade/rollback) is in progress"
        );
        // age/cmd/age: the error of a file no identity can open.
        assert!(by("age-no-identity").starts_with("age: error: "));
        // kube-apiserver's StatefulSet validation starts so.
        assert!(
            by("statefulset-forbidden").starts_with("spec: Forbidden: updates to statefulset spec")
        );
        // PostgreSQL pads `ERROR:` and `FATAL:` with two spaces.
        assert!(by("pg-public-schema").starts_with("ERROR:  "));
        assert!(by("pg-password").starts_with("FATAL:  password authentication failed"));
        // pg_dump's own prefix.
        assert!(by("pg-dump-version").starts_with("pg_dump: error: "));
    }

    /// `multi-attach` says how the chart's workload replaces its pods: a
    /// rolling Deployment overlaps old and new pod; a `Recreate` one and a
    /// StatefulSet do not, so the event is the detach's delay or a pod
    /// that holds on (a hand-deleted pod's replacement only for a
    /// Deployment). Jellyfin and Uptime Kuma recreate theirs.
    #[test]
    fn multi_attach_follows_how_the_workload_replaces_its_pods() {
        let k = find("multi-attach").unwrap();
        let text = |s: &Spec, strategy: &str| {
            let given = [("strategy".to_string(), strategy.to_string())].into();
            entry(k, &args(k, &given).unwrap(), s)
        };
        let mut s = spec();
        s.workload.kind = WorkloadKind::Deployment;
        let rolling = text(&s, "");
        assert!(rolling.cause.contains("the old pod of a rolling update"));
        assert_eq!(rolling.cause, text(&s, "RollingUpdate").cause);
        let recreate = text(&s, "Recreate");
        for said in [
            "`Recreate`",
            "clears by itself",
            "deleted by hand",
            "node that is down",
        ] {
            assert!(recreate.cause.contains(said), "{said}: {}", recreate.cause);
        }
        assert!(
            !recreate.cause.contains("rolling update"),
            "{}",
            recreate.cause
        );
        assert!(
            recreate.fix.contains("scale the Deployment to 0"),
            "{}",
            recreate.fix
        );
        s.workload.kind = WorkloadKind::StatefulSet;
        let sts = text(&s, "");
        assert!(sts
            .cause
            .contains("The StatefulSet starts a new pod only once"));
        assert!(!sts.cause.contains("deleted by hand") && !sts.cause.contains("rolling"));
        // Workloads that share the volume must share a node.
        s.workload.kind = WorkloadKind::Deployment;
        let given = [("shared".to_string(), "the a and b Deployments".to_string())].into();
        let shared = entry(k, &args(k, &given).unwrap(), &s);
        assert!(shared.cause.starts_with(&rolling.cause));
        assert!(shared.cause.ends_with(
            "The volume is mounted by the a and b Deployments, so all their pods must run on \
one node."
        ));
        assert!(shared
            .fix
            .contains("Keep the a and b Deployments on one node"));
        for chart in ["jellyfin", "uptime-kuma"] {
            let spec = shipped(chart, &[]).spec;
            let e = spec
                .troubleshooting
                .iter()
                .find(|t| t.error.starts_with("Multi-Attach"))
                .unwrap();
            assert_eq!(e.cause, recreate.cause, "{chart}");
        }
    }

    /// `pg-password` names the role the chart connects as: the database
    /// profile's user, else `DB_USER`'s default, else the chart's name;
    /// `user` overrides it.
    #[test]
    fn pg_password_names_the_charts_role() {
        let real = |chart: &str| shipped(chart, &[]).spec;
        let k = find("pg-password").unwrap();
        let role = |s: &Spec, given: &[(&str, &str)]| {
            let given = given
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            entry(k, &args(k, &given).unwrap(), s).error
        };
        let msg = |u: &str| format!("FATAL:  password authentication failed for user \"{u}\"");
        // The profile's user differs from the chart's name.
        assert_eq!(role(&real("paperless-ngx"), &[]), msg("paperless"));
        // No profile user: DB_USER's default.
        let nc = real("nextcloud");
        assert!(nc
            .backup
            .database
            .as_ref()
            .and_then(|d| d.user.as_ref())
            .is_none());
        assert_eq!(role(&nc, &[]), msg("nextcloud"));
        // Neither (a URL connection): the chart's name.
        assert_eq!(role(&real("airflow"), &[]), msg("airflow"));
        assert_eq!(role(&spec(), &[]), msg("demo"));
        assert_eq!(role(&spec(), &[("user", "app")]), msg("app"));
        let t = expanded("pg-dump-version", &[]);
        assert_eq!(t.guide, Some(Guide::Backup));
        assert!(t.fix.contains("--image=postgres:<major>"), "{}", t.fix);
        let t = expanded("pg-password", &[]);
        assert!(t.cause.contains("`$DB_SECRET`") && t.fix.contains("ALTER ROLE"));
        assert_eq!(t.guide, None, "both guides");
        // A chart that keeps the password elsewhere names that place.
        let t = expanded("pg-password", &[("password", "the value `db.password`")]);
        assert!(t
            .cause
            .starts_with("The password in the value `db.password` is not"));
        assert!(!t.cause.contains("DB_SECRET"), "{}", t.cause);
    }

    #[test]
    fn a_use_entry_fills_in_and_keeps_overrides() {
        let f = demo(with_entry(
            "  - use: no-such-bucket\n    with: { store: MinIO }\n    fix: Make the bucket first.\n  - use: helm-pending\n    guide: backup\n",
        ))
        .unwrap();
        let t = &f.spec.troubleshooting;
        assert_eq!(
            t[0].error,
            "NoSuchBucket: The specified bucket does not exist"
        );
        assert_eq!(t[0].fix, "Make the bucket first.");
        assert!(t[0].cause.contains("rebuilt MinIO"), "{}", t[0].cause);
        assert!(t[0].known.is_none() && t[0].with.is_empty());
        assert_eq!(t[1].guide, Some(Guide::Backup), "the override wins");
        assert!(t[1].run.as_deref().unwrap().contains("helm -n"));
        assert_eq!(t.len(), 5, "the scaffold's three and these two");
    }

    /// A spec whose guides run nothing: no condition holds.
    fn bare() -> Spec {
        let mut s = spec();
        s.upgrade.pre_checks.clear();
        s.upgrade.strategies.clear();
        s.upgrade.rollback.clear();
        s.upgrade.validation.clear();
        s.backup.components.iter_mut().for_each(|c| c.steps.clear());
        s.backup.verification.clear();
        s.restore.iter_mut().for_each(|r| r.steps.clear());
        s.backup.database = None;
        s.workload.kind = WorkloadKind::Deployment;
        s
    }

    fn step(run: &str) -> Step {
        Step {
            title: "t".into(),
            run: Some(run.into()),
            ..Default::default()
        }
    }

    fn holds(name: &str, s: &Spec) -> bool {
        derived(name, s).is_some()
    }

    /// `helm-pending` and `helm-values-schema`: the upgrade guide runs
    /// `helm upgrade` or `helm rollback` of the chart's own release,
    /// whatever options come first and in whichever procedure.
    #[test]
    fn helm_errors_hold_where_the_upgrade_guide_runs_helm_on_the_release() {
        let helm = ["helm-pending", "helm-values-schema"];
        let s = bare();
        assert!(helm.iter().all(|n| !holds(n, &s)));
        for run in [
            "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" --reuse-values\n",
            "x=1\nhelm rollback --wait \"${RELEASE}\" 3\n",
            "if true; then /usr/local/bin/helm --kube-context k upgrade $RELEASE c; fi\n",
        ] {
            let mut s = bare();
            s.upgrade.rollback.push(step(run));
            assert!(helm.iter().all(|n| holds(n, &s)), "{run}");
        }
        for run in [
            // Another release (a database next to the chart's).
            "helm -n \"$NAMESPACE\" upgrade pg \"$CHART\"\n",
            // Reading the release changes nothing.
            "helm -n \"$NAMESPACE\" history \"$RELEASE\"\n",
            "echo helm upgrade \"$RELEASE\"\n",
        ] {
            let mut s = bare();
            s.upgrade.validation.push(step(run));
            assert!(helm.iter().all(|n| !holds(n, &s)), "{run}");
        }
        // The backup guide's helm commands are not the upgrade guide's.
        let mut s = bare();
        s.backup
            .verification
            .push(step("helm upgrade \"$RELEASE\" c\n"));
        assert!(!holds("helm-pending", &s));
    }

    /// `age-no-identity`: the backup guide encrypts or decrypts with age.
    #[test]
    fn age_no_identity_holds_where_the_backup_guide_runs_age() {
        assert!(!holds("age-no-identity", &bare()));
        for run in [
            "kubectl get secret -o json | age -r \"$AGE_RECIPIENT\" > \"$F\"\n",
            "N=$(age -d -i \"$AGE_KEY_FILE\" \"$CK\" | jq length)\n",
        ] {
            let mut s = bare();
            s.restore[0].steps.push(step(run));
            assert!(holds("age-no-identity", &s), "{run}");
        }
        let mut s = bare();
        s.backup
            .verification
            .push(step("echo age -d\nage_check=1\n"));
        assert!(!holds("age-no-identity", &s));
        // The upgrade guide's age is not the backup guide's.
        let mut s = bare();
        s.upgrade.rollback.push(step("age -d -i k f\n"));
        assert!(!holds("age-no-identity", &s));
    }

    /// `statefulset-forbidden`: a StatefulSet that the upgrade guide
    /// upgrades with Helm.
    #[test]
    fn statefulset_forbidden_holds_for_a_statefulset_upgraded_with_helm() {
        let mut s = bare();
        s.upgrade
            .rollback
            .push(step("helm rollback \"$RELEASE\" 1\n"));
        assert!(!holds("statefulset-forbidden", &s), "a Deployment");
        s.workload.kind = WorkloadKind::DaemonSet;
        assert!(!holds("statefulset-forbidden", &s), "a DaemonSet");
        s.workload.kind = WorkloadKind::StatefulSet;
        assert!(holds("statefulset-forbidden", &s));
        s.upgrade.rollback.clear();
        assert!(!holds("statefulset-forbidden", &s), "no helm upgrade");
    }

    /// `pg-password`: the guides or targets run a PostgreSQL client and
    /// read its password from `$DB_SECRET`: with a database profile
    /// (keycloak) or without (nextcloud), in a `sh -c` script or not; not
    /// a MySQL client with the same variables (wordpress), nor a client
    /// whose password comes from elsewhere (mlflow).
    #[test]
    fn pg_password_holds_where_a_pg_client_reads_db_secret() {
        let real = |chart: &str| shipped(chart, &[]).spec;
        assert!(!holds("pg-password", &bare()));
        let kc = real("keycloak");
        assert!(kc.backup.database.is_some());
        let nc = real("nextcloud");
        assert!(nc.backup.database.is_none());
        assert!(holds("pg-password", &kc) && holds("pg-password", &nc));
        assert!(!holds("pg-password", &real("wordpress")));
        let ml = real("mlflow");
        assert!(!holds("pg-password", &ml));
        // mlflow's own entry names where its password lives.
        let e = ml
            .troubleshooting
            .iter()
            .find(|t| t.error.starts_with("FATAL:  password authentication"))
            .unwrap();
        assert!(
            e.cause.contains("`postgresql.external.password`"),
            "{}",
            e.cause
        );
        assert!(!e.cause.contains("DB_SECRET"), "{}", e.cause);
        // One entry each, in both guides.
        let n = |s: &Spec| {
            s.troubleshooting
                .iter()
                .filter(|t| t.error.starts_with("FATAL:  password authentication"))
                .count()
        };
        assert_eq!((n(&kc), n(&nc)), (1, 1));

        let read = "U=$(kubectl -n \"$NAMESPACE\" get secret \"$DB_SECRET\" \\\n  \
-o jsonpath=\"{.data.$DB_SECRET_KEY}\" | base64 -d)\n";
        for client in [
            "kubectl exec -i \"$POD\" -- psql -U \"$DB_USER\"\n",
            "kubectl run x -i --image=postgres:16 --command -- sh -c 'read -r P; exec pg_dump -d db'\n",
            "pg_restore -l f.dump\n",
        ] {
            let mut s = bare();
            s.restore[0].steps.push(step(&format!("{read}{client}")));
            assert!(holds("pg-password", &s), "{client}");
            let mut s = bare();
            s.restore[0].steps.push(step(client));
            assert!(!holds("pg-password", &s), "no secret read: {client}");
        }
        let mut s = bare();
        s.restore[0].steps.push(step(&format!(
            "{read}mysql -u \"$DB_USER\"\necho pg_dump\n"
        )));
        assert!(!holds("pg-password", &s), "not a PostgreSQL client");
    }

    /// The known errors without a condition are never added.
    #[test]
    fn only_errors_with_a_condition_are_derived() {
        let s = spec();
        for name in [
            "multi-attach",
            "pg-public-schema",
            "no-such-bucket",
            "pg-dump-version",
        ] {
            assert!(find(name).unwrap().when.is_none(), "{name}");
            assert!(derived(name, &s).is_none());
        }
        assert!(derived("no-such-thing", &s).is_none());
    }

    /// memcached's spec, edited.
    fn memcached(edit: &[(&str, &str)]) -> SpecFile {
        shipped("memcached", edit)
    }

    fn origins(s: &Spec) -> Vec<Origin> {
        s.troubleshooting.iter().map(|t| t.origin.clone()).collect()
    }

    /// gen adds the entries after the spec's own, in the table's order;
    /// a `use:` of one (plain or with overrides) stands in its place.
    #[test]
    fn derived_entries_follow_the_specs_own_and_a_use_replaces_one() {
        let f = memcached(&[]);
        let o = origins(&f.spec);
        let own = o.iter().take_while(|x| **x == Origin::Written).count();
        assert_eq!(
            o[own..],
            [
                Origin::Derived("helm-pending"),
                Origin::Derived("helm-values-schema"),
                Origin::Derived("age-no-identity"),
            ],
            "a Deployment without a database profile"
        );

        let f = memcached(&[(
            "\ntroubleshooting:\n",
            "\ntroubleshooting:\n  - use: helm-pending\n    fix: Ask the platform team first.\n",
        )]);
        let pending: Vec<&Trouble> = f
            .spec
            .troubleshooting
            .iter()
            .filter(|t| t.error.starts_with("another operation"))
            .collect();
        assert_eq!(pending.len(), 1, "the spec's own stands in its place");
        assert_eq!(pending[0].fix, "Ask the platform team first.");
        let o = origins(&f.spec);
        assert_eq!(
            o[0],
            Origin::Used {
                name: "helm-pending".into(),
                plain: false,
                with: BTreeMap::new()
            }
        );
        assert!(!o.contains(&Origin::Derived("helm-pending")));
        assert!(o.contains(&Origin::Derived("age-no-identity")));

        let f = memcached(&[(
            "\ntroubleshooting:\n",
            "\ntroubleshooting:\n  - use: age-no-identity\n",
        )]);
        assert_eq!(
            origins(&f.spec)[0],
            Origin::Used {
                name: "age-no-identity".into(),
                plain: true,
                with: BTreeMap::new()
            }
        );
    }

    /// Errors point at the line of the spec, with a did-you-mean.
    #[test]
    fn errors_name_the_spec_line() {
        let line = |edit: &dyn Fn(String) -> String, needle: &str| {
            let src = edit(crate::scaffold::new_spec("demo"));
            src.lines().position(|l| l.contains(needle)).unwrap() + 1
        };
        let edit = with_entry("  - use: helm-pendng\n");
        let d = demo(&edit).unwrap_err();
        assert_eq!(d.line, line(&edit, "helm-pendng"), "{d}");
        assert!(
            d.message.contains("unknown known error `helm-pendng`"),
            "{d}"
        );
        assert!(d.help.unwrap().contains("did you mean `helm-pending`?"));

        let edit = with_entry("  - use: no-such-bucket\n    with:\n      stroe: MinIO\n");
        let d = demo(&edit).unwrap_err();
        assert_eq!(d.line, line(&edit, "stroe"), "{d}");
        assert!(d.help.unwrap().contains("did you mean `store`?"));

        let edit = with_entry("  - use: helm-pending\n    error: boom\n");
        let d = demo(&edit).unwrap_err();
        assert_eq!(d.line, line(&edit, "error: boom"), "{d}");

        let edit = with_entry("  - error: x\n    cause: y\n    fix: z\n    with: { a: b }\n");
        let d = demo(&edit).unwrap_err();
        assert!(d.message.contains("`with:` without `use:`"), "{d}");
    }

    /// `gen docs spec-format` documents every known error and parameter.
    #[test]
    fn the_spec_format_documents_every_known_error() {
        for k in KNOWN_ERRORS {
            super::super::testkit::assert_documented(k.name, k.params);
        }
        // And when gen adds one itself.
        let doc = include_str!("../../docs/spec-format.md");
        let added = &doc[doc
            .find("Some known errors follow from what the chart is")
            .unwrap()..];
        let added = &added[..added.find("\n\nThe others").unwrap()];
        for k in KNOWN_ERRORS {
            let item = format!("\n- `{}`: ", k.name);
            assert_eq!(added.contains(&item), k.when.is_some(), "{}", k.name);
        }
    }

    /// Each entry's command passes shellcheck (when installed; CI installs
    /// it and fails without it).
    #[test]
    fn commands_pass_shellcheck() {
        let s = spec();
        let mut checked = 0;
        for k in KNOWN_ERRORS {
            let Some(run) = entry(k, &args(k, &Args::new()).unwrap(), &s).run else {
                continue;
            };
            let script = format!(
                "#!/bin/sh\nset -eu\nNAMESPACE=n RELEASE=r\nexport NAMESPACE RELEASE\n{run}"
            );
            let Some((ok, report)) = super::super::testkit::shellcheck(&script, "") else {
                return;
            };
            assert!(ok, "{}:\n{script}\n{report}", k.name);
            checked += 1;
        }
        assert!(checked > 0);
    }
}
