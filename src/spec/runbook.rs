//! Runbook lint: what a procedure does, in order, read from its shell.
//!
//! Each procedure (the steps of a backup component, of the verification, of
//! a restore, of an upgrade strategy, the pre-checks, the rollback, the
//! validation, each operation and each troubleshooting command) is read
//! command by command with
//! [`super::shell`]. `make <chart>-<target>` of the chart's own operations
//! is read as the operation's command, with the variables given on the make
//! command line. The checks:
//!
//! - **rollback order** (`upgrade.migrates_data: true`): the new version
//!   rewrote the data on its first start, so the rollback restores the data
//!   with the workload stopped and before the old version starts. `helm
//!   rollback` (or `helm upgrade`/`install`) while the migrated data is in
//!   place and a restore is still to come, a restore while the new version
//!   runs, and a scale-up of the new version on restored data are errors.
//!   Setting the migrated data aside (`mv`, `rm -r`, deleting the PVC)
//!   before the old version starts is fine: it starts empty.
//! - **exec into a stopped workload**: `kubectl exec` or `kubectl cp` into a
//!   pod of a workload the procedure scaled to 0, before it scales it up
//!   again, fails: no such pod runs.
//! - **stale pod**: `$POD` (the "before you start" block's, or a make
//!   recipe's) names the pod found before a step replaced it: a scale-up,
//!   `rollout restart`/`undo`, `delete pod`, `set`/`patch` of the workload,
//!   `helm upgrade`/`install`/`rollback`/`uninstall` of the release, or a
//!   make target that does one of these. The upgrade's rollback and
//!   validation follow the upgrade, so they start with it replaced. A use
//!   after such a step needs a lookup in between (`POD=...`, `{{use
//!   find-pod}}`); a line that means the old pod on purpose says why in a
//!   trailing `# stale-pod: REASON`, or in that comment on the line before.
//!   An exec into a pod named directly (`$FULLNAME-0`) right after a
//!   scale-up or replacement of its StatefulSet, before a wait, is the same
//!   race.
//! - **Helm restarts a stopped workload**: `helm upgrade`/`rollback` (or a
//!   make target that runs one) puts back the replicas its manifest renders
//!   (Helm 3's three-way merge), so a workload the procedure stopped runs
//!   again while a later step still means it stopped: it starts it again,
//!   or restores into it. See [`helm_restarts`].
//! - **set-aside names** (a warning): `mv X X.before-restore` nests the
//!   directory into the earlier copy when the procedure is run again; the
//!   name needs a timestamp or `mktemp`.

use super::shell::{self, Command, Word};
use super::types::{Group, RunsIn, Spec, WorkloadKind};
use super::SpecFile;
use crate::diagnostics::{Diagnostic, Severity};
use std::collections::{BTreeMap, BTreeSet};

pub mod and_list;
mod files;
mod helm_restarts;
mod named_pod;
use named_pod::{named_pod_race, Raced};

/// Tools whose run is a data restore wherever they run.
const RESTORE_TOOLS: &[&str] = &["pg_restore", "mongorestore", "devpi-import"];

/// What every procedure of a spec does, in order: the step lists, then
/// each operation and troubleshooting command on its own. Read once per
/// spec; each rule below walks it.
pub struct Read {
    procedures: Vec<(String, Vec<Event>)>,
}

/// Reads every procedure of `file`.
pub fn read_all(file: &SpecFile) -> Read {
    read_with(file, None)
}

/// Reads every procedure of `file`, with the values keys that set its
/// chart's workloads' replicas where the chart's facts tell them.
pub fn read_with(file: &SpecFile, keys: Option<&BTreeSet<String>>) -> Read {
    let s = &file.spec;
    let single = s
        .operations
        .iter()
        .enumerate()
        .map(|(i, op)| (format!("operations[{i}].run"), op.run.clone()))
        .chain(s.troubleshooting.iter().enumerate().filter_map(|(i, t)| {
            t.run
                .clone()
                .map(|r| (format!("troubleshooting[{i}].run"), r))
        }));
    let procedures = procedures(s)
        .into_iter()
        .map(|(path, steps)| {
            let events = read(file, &steps, keys);
            (path, events)
        })
        .chain(single.map(|(path, run)| {
            let events = read(file, &[(path.clone(), run)], keys);
            (path, events)
        }))
        .collect();
    Read { procedures }
}

/// No `kubectl exec`/`cp` into a pod of a workload scaled to 0, in any
/// procedure.
pub fn stopped(file: &SpecFile, read: &Read, out: &mut Vec<Diagnostic>) {
    for (_, events) in &read.procedures {
        check_stopped(file, events, out);
    }
}

/// No `$POD` after a step replaced the pod, without a lookup in between,
/// in any procedure.
pub fn stale_pod(file: &SpecFile, read: &Read, out: &mut Vec<Diagnostic>) {
    for (path, events) in &read.procedures {
        check_stale_pod(file, path, events, out);
    }
}

/// No `helm upgrade`/`rollback` that starts a stopped workload while a
/// later step still needs it stopped, in any procedure.
pub fn helm_restarts(file: &SpecFile, read: &Read, out: &mut Vec<Diagnostic>) {
    for (_, events) in &read.procedures {
        helm_restarts::check(file, events, out);
    }
}

/// No file of the operator's folder read before a step wrote it, in any
/// procedure. See [`files`].
pub fn file_unwritten(file: &SpecFile, read: &Read, out: &mut Vec<Diagnostic>) {
    files::check(file, &read.procedures, out);
}

/// Data set aside under a name that differs on every run, in any procedure.
pub fn set_aside(file: &SpecFile, read: &Read, out: &mut Vec<Diagnostic>) {
    for (_, events) in &read.procedures {
        check_set_aside(file, events, out);
    }
}

/// The rollback of a data-migrating upgrade restores before the old
/// version starts.
pub fn rollback(file: &SpecFile, read: &Read, out: &mut Vec<Diagnostic>) {
    if !file.spec.upgrade.migrates_data {
        return;
    }
    for (path, events) in &read.procedures {
        if path == "upgrade.rollback" {
            check_rollback(file, events, out);
        }
    }
}

/// Each step list with the `run` of its steps: `(list path, [(run path, text)])`.
fn procedures(s: &Spec) -> Vec<(String, Vec<(String, String)>)> {
    let mut lists: Vec<(String, Vec<(String, String)>)> = Vec::new();
    for (path, step) in super::validate::all_steps(s) {
        let Some(run) = &step.run else { continue };
        if !matches!(step.lang.as_deref(), None | Some("bash" | "sh")) {
            continue;
        }
        let list = path.rsplit_once('[').map_or(path.as_str(), |(p, _)| p);
        match lists.last_mut() {
            Some((l, steps)) if l == list => steps.push((format!("{path}.run"), run.clone())),
            _ => lists.push((list.to_string(), vec![(format!("{path}.run"), run.clone())])),
        }
    }
    lists
}

/// What a command does to the workload and its data.
#[derive(Debug, Clone, PartialEq)]
enum Act {
    /// `kubectl scale TARGET --replicas=N`.
    Scale {
        target: Target,
        down: bool,
    },
    /// `kubectl exec` / `cp` into a pod, or a make target that looks one up.
    Enter {
        pod: String,
        how: String,
    },
    /// `helm rollback`, or `helm upgrade`/`install` in a rollback: a version
    /// starts with the replicas of its manifest, as `starts` says.
    HelmStart {
        how: String,
        starts: Starts,
    },
    /// `helm uninstall`: the workload is gone, its volumes stay.
    HelmUninstall,
    /// Data written back: a restore tool, an extraction inside a pod, a
    /// copy into a pod, or the chart's restore operation.
    Restore(String),
    /// Data set aside or deleted: `mv X X.old`, `rm -r`, `kubectl delete pvc`.
    Clear(String),
    /// The main pod replaced by something other than a scale (read from
    /// `Scale`) or helm (`HelmStart`, `HelmUninstall`): `kubectl rollout
    /// restart`, `delete pod`, ...
    Replace(String),
    /// `POD=...`: the pod looked up (again).
    PodFound,
    /// The replaced pods are Ready: `kubectl rollout status`, `kubectl wait
    /// --for=condition=Ready`, or `helm ... --wait`. A StatefulSet's new pod
    /// has the old one's name, so `$POD` names it again from here on.
    Settled,
    /// A command that names `$POD`, as written.
    UsePod,
    /// A make recipe starts, which looks `$POD` up for itself; and ends,
    /// back in the caller's shell with the caller's `$POD`.
    MakeBegin,
    MakeEnd,
    /// `mv SRC DST` where DST is SRC set aside under another name.
    SetAside {
        src: String,
        dst: String,
        unique: bool,
    },
    /// A file of the operator's folder read (see [`files`]), and by what.
    Reads {
        file: String,
        how: String,
    },
    /// A file of the operator's folder written; every file under a folder;
    /// any file (an extraction, a `cd`).
    Writes(String),
    WritesUnder(String),
    WritesAll,
}

/// What a Helm command that deploys the release says of the workloads'
/// replicas.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Starts {
    /// Nothing: the replicas its manifest renders come back.
    Manifest,
    /// `--set` of a replica value to 0 (`--set scheduler.replicaCount=0`):
    /// a stopped workload stays stopped.
    Zero,
    /// `--set` of a replica value to a count, or `--wait` for the pods:
    /// the command means to start them.
    Meant,
}

#[derive(Debug, Clone, PartialEq)]
enum Target {
    /// `KIND NAME` or `KIND/NAME`; the kind may be unknown (`"$DEP"`).
    Named {
        kind: Option<WorkloadKind>,
        name: String,
    },
    /// `-l SELECTOR`: the workloads with those labels.
    Selector(String),
    /// `--all`, or no name: every workload in the namespace.
    Many,
    /// `"${e%=*}"`: a workload `scale-back` read from the counts
    /// `scale-down-recorded` kept, known only at run time. Its scale-up
    /// ends the stops before it; it names no pod this check can tell.
    Recorded,
}

/// An act and where it was written: the `run` path and its line.
#[derive(Debug, Clone)]
struct Event {
    act: Act,
    path: String,
    line: usize,
    /// `make <target>` when the act comes from an operation's command.
    via: Option<String>,
    /// The line ends in `# stale-pod: REASON` (or follows that comment).
    allowed: bool,
    /// The line (the `make` command's, for a recipe's acts) ends in
    /// `# helm-restarts: REASON` (or follows that comment).
    restart_ok: bool,
    /// The line (as `restart_ok`) ends in `# file-unwritten: REASON`.
    unwritten_ok: bool,
}

/// Variable values known while reading: the spec's defaults, then each
/// assignment the procedure makes, with whether the value is unique per run.
#[derive(Debug, Clone, Default)]
struct Vars {
    values: BTreeMap<String, String>,
    unique: BTreeMap<String, bool>,
}

impl Vars {
    fn for_spec(s: &Spec) -> Vars {
        let mut v = Vars::default();
        for var in &s.variables {
            v.values.insert(var.name.clone(), var.default.clone());
        }
        v
    }

    /// `text` with every known `$NAME` / `${NAME}` replaced by its value,
    /// and `${NAME:-WORD}` by the value of a known `NAME`, or by `WORD`
    /// where that value is empty.
    fn expand(&self, text: &str) -> String {
        let mut out = String::new();
        let mut rest = text;
        while let Some(i) = rest.find('$') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            if let Some((value, len)) = self.default_form(after) {
                out.push_str(&value);
                rest = &after[len..];
                continue;
            }
            let (name, len) = match after.strip_prefix('{') {
                Some(b) => match b.find('}') {
                    Some(j) if is_name(&b[..j]) => (&b[..j], j + 2),
                    _ => ("", 0),
                },
                None => {
                    let n = after
                        .bytes()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                        .count();
                    (&after[..n], n)
                }
            };
            match self.values.get(name) {
                Some(v) if !name.is_empty() => out.push_str(v),
                _ => out.push_str(&rest[i..i + 1 + len]),
            }
            rest = &after[len..];
        }
        out.push_str(rest);
        out
    }

    /// `{NAME:-WORD}...` (what follows a `$`) with `NAME` known: its
    /// value, or `WORD` expanded where the value is empty, and the length
    /// read up to the matching `}`.
    fn default_form(&self, after: &str) -> Option<(String, usize)> {
        let b = after.strip_prefix('{')?;
        let (name, word) = b.split_once(":-")?;
        let value = self.values.get(name).filter(|_| is_name(name))?;
        let mut depth = 0;
        let end = word.char_indices().find_map(|(j, c)| match c {
            '{' => {
                depth += 1;
                None
            }
            '}' if depth == 0 => Some(j),
            '}' => {
                depth -= 1;
                None
            }
            _ => None,
        })?;
        let len = 1 + name.len() + 2 + end + 1;
        match value.as_str() {
            "" => Some((self.expand(&word[..end]), len)),
            v => Some((v.to_string(), len)),
        }
    }

    /// Whether `text` names something new on every run: a timestamp,
    /// `mktemp`, or a variable set from one.
    fn is_unique(&self, text: &str) -> bool {
        ["$(date", "`date", "$(mktemp", "`mktemp"]
            .iter()
            .any(|m| text.contains(m))
            || self
                .unique
                .iter()
                .any(|(name, u)| *u && (mentions(text, name)))
    }
}

fn is_name(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
}

fn mentions(text: &str, name: &str) -> bool {
    text.contains(&format!("${{{name}}}"))
        || text.match_indices(&format!("${name}")).any(|(i, m)| {
            !text[i + m.len()..]
                .bytes()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        })
}

/// `(run path, line)` of the lines of `steps` allowed to break `rule`
/// (`shell::allowed`: `# RULE: REASON` on the line or alone before it).
fn allowed_lines(steps: &[(String, String)], rule: &str) -> BTreeSet<(String, usize)> {
    steps
        .iter()
        .flat_map(|(path, text)| {
            let lines: Vec<&str> = text.lines().collect();
            (0..lines.len())
                .filter(|&n| shell::allowed(&lines, n, rule))
                .map(|n| (path.clone(), n))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The events of `steps`, in order; `keys` are the values keys that set
/// the chart's workloads' replicas, where its facts tell them.
fn read(
    file: &SpecFile,
    steps: &[(String, String)],
    keys: Option<&BTreeSet<String>>,
) -> Vec<Event> {
    let mut r = Run {
        file,
        replica_keys: keys,
        vars: Vars::for_spec(&file.spec),
        events: Vec::new(),
        depth: 0,
        functions: BTreeMap::new(),
        calls: 0,
        trap: None,
        pin: None,
        allowed: allowed_lines(steps, "stale-pod"),
        restarts_ok: allowed_lines(steps, "helm-restarts"),
        unwritten_ok: allowed_lines(steps, files::RULE),
    };
    for (path, text) in steps {
        r.script(text, path, 0, &None, false);
    }
    if let Some((path, _)) = steps.last() {
        r.exit(path, &None, false);
    }
    r.events
}

/// Calls of shell functions read per procedure, against recursion.
const MAX_CALLS: usize = 200;

struct Run<'a> {
    file: &'a SpecFile,
    /// The values keys that set the workloads' replicas (chart facts).
    replica_keys: Option<&'a BTreeSet<String>>,
    vars: Vars,
    events: Vec<Event>,
    /// Nesting of make targets, against a target that runs itself.
    depth: usize,
    /// Shell functions defined so far: body and its first line.
    functions: BTreeMap<String, (String, usize)>,
    calls: usize,
    /// The `trap ... EXIT` action in force, and its line.
    trap: Option<(String, usize)>,
    /// The line of the `make` command being read, where its acts are reported.
    pin: Option<usize>,
    /// `(run path, line)` of the lines that end in `# stale-pod: REASON`.
    allowed: BTreeSet<(String, usize)>,
    /// Those that end in `# helm-restarts: REASON`.
    restarts_ok: BTreeSet<(String, usize)>,
    /// Those that end in `# file-unwritten: REASON`.
    unwritten_ok: BTreeSet<(String, usize)>,
}

impl Run<'_> {
    fn emit(&mut self, act: Act, path: &str, line: usize, via: &Option<String>) {
        let allowed = self.allowed.contains(&(path.to_string(), line));
        let at = self.pin.unwrap_or(line);
        let restart_ok = self.restarts_ok.contains(&(path.to_string(), at));
        let unwritten_ok = self.unwritten_ok.contains(&(path.to_string(), at));
        self.events.push(Event {
            act,
            path: path.to_string(),
            line: at,
            via: via.clone(),
            allowed,
            restart_ok,
            unwritten_ok,
        });
    }

    /// Reads one command; `remote` when it runs inside a pod.
    fn command(
        &mut self,
        cmd: &Command,
        path: &str,
        line: usize,
        via: Option<String>,
        remote: bool,
    ) {
        let words: Vec<String> = cmd
            .words
            .iter()
            .map(|w| self.vars.expand(&w.text))
            .collect();
        // Leading assignments, also those of `env`: remember them (for
        // `env`, the command it runs sees them); alone they are the command.
        let mut i = 0;
        loop {
            match words.get(i).map(String::as_str) {
                Some(w) if self.assign(w, &cmd.words[i].text) => i += 1,
                Some("env") => {
                    i += 1;
                    while let Some(w) = words.get(i) {
                        if !(w.starts_with('-') || self.assign(w, &cmd.words[i].text)) {
                            break;
                        }
                        i += 1;
                    }
                }
                Some("exec" | "command" | "nohup") => i += 1,
                Some("gosu" | "su-exec") => i += 2,
                _ => break,
            }
        }
        self.pod_words(cmd, i, path, line, &via);
        let w: Vec<&str> = words.iter().skip(i).map(String::as_str).collect();
        let raw: Vec<&Word> = cmd.words.iter().skip(i).collect();
        let Some(&name) = w.first() else { return };
        if let Some((body, offset)) = &cmd.body {
            self.functions
                .insert(name.to_string(), (body.clone(), line + offset));
            return;
        }
        if let Some((body, start)) = self.functions.get(name).cloned() {
            if self.calls < MAX_CALLS {
                self.calls += 1;
                self.script(&body, path, start, &via, remote);
            }
            return;
        }
        if !remote {
            let all: Vec<&str> = cmd.words.iter().map(|x| x.text.as_str()).collect();
            let own: Vec<&str> = raw.iter().map(|x| x.text.as_str()).collect();
            for act in files::effects(&own, &all) {
                self.emit(act, path, line, &via);
            }
        }
        // `until kubectl exec POD ...; do sleep 5; done` waits for the pod.
        if cmd.retried && w.contains(&"exec") {
            self.emit(Act::Settled, path, line, &via);
        }
        match name.rsplit('/').next().unwrap_or(name) {
            "kubectl" => self.kubectl(&w, &raw, path, line, &via),
            "helm" => self.helm(&w, path, line, &via),
            "make" => self.make(&w, path, line),
            "mv" => self.mv(&w, &raw, path, line, &via),
            // `trap ACTION EXIT`: ACTION runs when the script ends.
            "trap" if w.len() >= 3 && w.last().is_some_and(|x| matches!(*x, "EXIT" | "0")) => {
                let action = raw[1];
                self.trap = (action.text != "-").then(|| (action.text.clone(), action.line));
            }
            "rm" if w
                .iter()
                .skip(1)
                .any(|a| a.starts_with('-') && a.contains(['r', 'R'])) =>
            {
                self.emit(Act::Clear(w.join(" ")), path, line, &via)
            }
            "tar" if remote && extracts(&w) => self.emit(
                Act::Restore("tar -x inside the pod".into()),
                path,
                line,
                &via,
            ),
            tool if RESTORE_TOOLS.contains(&tool) => {
                self.emit(Act::Restore(tool.to_string()), path, line, &via)
            }
            client @ ("psql" | "mysql" | "mariadb") if loads_script(&w, remote) => self.emit(
                Act::Restore(format!("{client} reading a dump")),
                path,
                line,
                &via,
            ),
            sh if shell::is_shell(sh) => {
                // `sh -c 'SCRIPT'`: the script's commands.
                if let Some(script) = w[1..]
                    .iter()
                    .position(|x| x.starts_with('-') && x.contains('c'))
                    .and_then(|j| raw.get(j + 2))
                {
                    self.script(&script.text, path, script.line, &via, remote);
                }
            }
            _ => {}
        }
    }

    /// A use of `$POD` in the command's words (not in `POD=...`, which
    /// derives the new name), then a lookup when its first `assigned`
    /// words set `POD`. A function's definition uses nothing yet.
    fn pod_words(
        &mut self,
        cmd: &Command,
        assigned: usize,
        path: &str,
        line: usize,
        via: &Option<String>,
    ) {
        if cmd.body.is_some() {
            return;
        }
        let sets = |w: &Word| w.text.starts_with("POD=");
        if self.pin.is_none() && !self.allowed.contains(&(path.to_string(), line)) {
            let used = cmd
                .words
                .iter()
                .any(|w| !sets(w) && mentions(&w.text, "POD"));
            if used {
                self.emit(Act::UsePod, path, line, via);
            }
        }
        if cmd.words[..assigned].iter().any(sets) {
            self.emit(Act::PodFound, path, line, via);
        }
    }

    /// Records `NAME=value` (`raw` as written), or says it is not one.
    fn assign(&mut self, word: &str, raw: &str) -> bool {
        let Some((name, value)) = word.split_once('=') else {
            return false;
        };
        if !is_name(name) || name.starts_with(|c: char| c.is_ascii_digit()) {
            return false;
        }
        let unique = self
            .vars
            .is_unique(raw.split_once('=').map_or("", |(_, v)| v));
        self.vars.unique.insert(name.to_string(), unique);
        if value.contains("$(") || value.contains('`') {
            self.vars.values.remove(name);
        } else {
            self.vars.values.insert(name.to_string(), value.to_string());
        }
        true
    }

    /// Reads `text` as commands whose first line is `start`.
    fn script(&mut self, text: &str, path: &str, start: usize, via: &Option<String>, remote: bool) {
        for inner in shell::commands(text) {
            let mut inner = inner;
            for w in &mut inner.words {
                w.line += start;
            }
            let l = inner.line();
            self.command(&inner, path, l, via.clone(), remote);
        }
    }

    /// The end of a script: its `trap ... EXIT` action runs.
    fn exit(&mut self, path: &str, via: &Option<String>, remote: bool) {
        if let Some((action, line)) = self.trap.take() {
            self.script(&action, path, line, via, remote);
        }
    }

    fn kubectl(
        &mut self,
        w: &[&str],
        raw: &[&Word],
        path: &str,
        line: usize,
        via: &Option<String>,
    ) {
        // Flags that take a value when not written as --flag=value.
        const VALUED: &[&str] = &[
            "-n",
            "--namespace",
            "--context",
            "--kubeconfig",
            "-c",
            "--container",
            "-l",
            "--selector",
            "-o",
            "--output",
            "-f",
            "--filename",
            "--replicas",
            "--image",
            "--timeout",
            "--field-selector",
            "--for",
            "--overrides",
            "--restart",
            "--env",
        ];
        let mut args: Vec<(usize, &str)> = Vec::new();
        let mut flags: Vec<(&str, Option<&str>)> = Vec::new();
        let mut k = 1;
        let mut rest_at = None;
        while k < w.len() {
            let a = w[k];
            if a == "--" {
                rest_at = Some(k + 1);
                break;
            }
            if a.starts_with('-') && a.len() > 1 {
                match a.split_once('=') {
                    Some((f, v)) => flags.push((f, Some(v))),
                    None if VALUED.contains(&a) => {
                        flags.push((a, w.get(k + 1).copied()));
                        k += 1;
                    }
                    None => flags.push((a, None)),
                }
            } else {
                args.push((k, a));
            }
            k += 1;
        }
        let flag = |names: &[&str]| {
            flags
                .iter()
                .find(|(f, _)| names.contains(f))
                .map(|(_, v)| v.unwrap_or(""))
        };
        let Some(&(_, sub)) = args.first() else {
            return;
        };
        match sub {
            "scale" => {
                let down = flag(&["--replicas"]).is_some_and(|r| r == "0");
                let target = if let Some(sel) = flag(&["-l", "--selector"]) {
                    Target::Selector(sel.to_string())
                } else if flag(&["--all"]).is_some() {
                    Target::Many
                } else {
                    target(&args[1..].iter().map(|(_, a)| *a).collect::<Vec<_>>())
                };
                self.emit(Act::Scale { target, down }, path, line, via);
            }
            "exec" | "attach" => {
                if let Some(&(_, pod)) = args.get(1) {
                    let how = format!("kubectl {sub} {pod}");
                    self.emit(
                        Act::Enter {
                            pod: pod.to_string(),
                            how,
                        },
                        path,
                        line,
                        via,
                    );
                }
                self.rest(raw, rest_at, path, via);
            }
            "cp" => {
                let ends: Vec<&str> = args[1..].iter().map(|(_, a)| *a).collect();
                for (n, end) in ends.iter().enumerate() {
                    if let Some((pod, _)) = end.split_once(':') {
                        let pod = pod.rsplit('/').next().unwrap_or(pod);
                        let how = format!("kubectl cp into {pod}");
                        self.emit(
                            Act::Enter {
                                pod: pod.to_string(),
                                how,
                            },
                            path,
                            line,
                            via,
                        );
                        if n + 1 == ends.len() && ends.len() == 2 {
                            self.emit(
                                Act::Restore("kubectl cp into the pod".into()),
                                path,
                                line,
                                via,
                            );
                        }
                    }
                }
            }
            "run" => self.rest(raw, rest_at, path, via),
            "rollout" if args.get(1).is_some_and(|(_, a)| *a == "status") => {
                self.emit(Act::Settled, path, line, via)
            }
            "wait"
                if flag(&["--for"]).is_some_and(|f| f.eq_ignore_ascii_case("condition=Ready")) =>
            {
                self.emit(Act::Settled, path, line, via)
            }
            "rollout"
                if args
                    .get(1)
                    .is_some_and(|(_, a)| matches!(*a, "restart" | "undo")) =>
            {
                let t = target(&args[2..].iter().map(|(_, a)| *a).collect::<Vec<_>>());
                if runs_pod(&self.file.spec, &t, "$POD") {
                    let how = format!("kubectl rollout {}", args[1].1);
                    self.emit(Act::Replace(how), path, line, via);
                }
            }
            "set" | "patch" => {
                // The workload, without `set`'s what (`image`) and the
                // changes (`demo=x:2`, a patch's body).
                let t = target(
                    &args[1..]
                        .iter()
                        .map(|(_, a)| *a)
                        .skip(usize::from(sub == "set"))
                        .filter(|a| !a.contains('=') && !a.starts_with(['{', '[']))
                        .collect::<Vec<_>>(),
                );
                // A patch replaces pods when it changes their template or
                // releases them (a lower `partition`); not a strategy's type.
                let rolls = sub == "set"
                    || args[1..]
                        .iter()
                        .any(|(_, a)| a.contains("template") || a.contains("partition"));
                if rolls
                    && matches!(t, Target::Named { kind: Some(_), .. })
                    && runs_pod(&self.file.spec, &t, "$POD")
                {
                    self.emit(Act::Replace(format!("kubectl {sub}")), path, line, via);
                }
            }
            "delete"
                if args.get(1).is_some_and(|(_, k)| {
                    matches!(*k, "pod" | "pods" | "po") || k.starts_with("pod/")
                }) =>
            {
                let named: Vec<&str> = args[1..]
                    .iter()
                    .map(|(_, a)| a.strip_prefix("pod/").unwrap_or(a))
                    .filter(|a| !matches!(*a, "pod" | "pods" | "po"))
                    .collect();
                let ours = flag(&["-l", "--selector"]).is_some_and(|sel| {
                    runs_pod(&self.file.spec, &Target::Selector(sel.to_string()), "$POD")
                }) || flag(&["--all"]).is_some()
                    || named
                        .iter()
                        .any(|p| *p == "$POD" || ordinal(p).is_some_and(|n| n == "$FULLNAME"));
                if ours {
                    self.emit(Act::Replace("kubectl delete pod".into()), path, line, via);
                }
            }
            "delete"
                if args.get(1).is_some_and(|(_, k)| {
                    matches!(
                        *k,
                        "pvc" | "persistentvolumeclaim" | "persistentvolumeclaims"
                    ) || k.starts_with("pvc/")
                }) =>
            {
                self.emit(Act::Clear("kubectl delete pvc".into()), path, line, via)
            }
            _ => {}
        }
    }

    /// The command after `--` of `kubectl exec`/`run`: it runs in the pod.
    fn rest(&mut self, raw: &[&Word], at: Option<usize>, path: &str, via: &Option<String>) {
        let Some(at) = at else { return };
        let words: Vec<Word> = raw.iter().skip(at).map(|w| (*w).clone()).collect();
        if let Some(first) = words.first() {
            let line = first.line;
            let cmd = Command {
                words,
                ..Default::default()
            };
            self.command(&cmd, path, line, via.clone(), true);
        }
    }

    fn helm(&mut self, w: &[&str], path: &str, line: usize, via: &Option<String>) {
        let mut k = 1;
        while k < w.len() && w[k].starts_with('-') {
            k += if matches!(w[k], "-n" | "--namespace" | "--kube-context") {
                2
            } else {
                1
            };
        }
        let Some(sub @ ("rollback" | "upgrade" | "install" | "uninstall" | "delete")) =
            w.get(k).copied()
        else {
            return;
        };
        // Only this chart's release counts, not a database's next to it.
        let release = w[k + 1..].iter().find(|a| !a.starts_with('-'));
        if !release.is_some_and(|r| matches!(*r, "$RELEASE" | "${RELEASE}")) {
            return;
        }
        let act = match sub {
            "uninstall" | "delete" => Act::HelmUninstall,
            _ => Act::HelmStart {
                how: format!("helm {sub}"),
                starts: starts(&w[k + 1..], self.replica_keys),
            },
        };
        let waits =
            matches!(act, Act::HelmStart { .. }) && w.iter().any(|a| a.starts_with("--wait"));
        self.emit(act, path, line, via);
        if waits {
            self.emit(Act::Settled, path, line, via)
        }
    }

    /// `make <chart>-<target> VAR=value`: the operation's command with those
    /// variables, as make would run it.
    fn make(&mut self, w: &[&str], path: &str, line: usize) {
        if self.depth > 4 {
            return;
        }
        let spec = &self.file.spec;
        let prefix = format!("{}-", spec.name);
        let assigns: Vec<(&str, &str)> = w[1..].iter().filter_map(|a| a.split_once('=')).collect();
        for t in w[1..]
            .iter()
            .filter(|a| !a.contains('=') && !a.starts_with('-'))
        {
            let Some(target) = t.strip_prefix(&prefix) else {
                continue;
            };
            let via = Some(format!("make {t}"));
            if target == "helm-rollback" {
                let act = Act::HelmStart {
                    how: "helm rollback".into(),
                    starts: Starts::Manifest,
                };
                self.emit(act, path, line, &via);
                continue;
            }
            let Some(op) = spec.operations.iter().find(|o| o.target == target) else {
                continue;
            };
            if op.runs_in == RunsIn::Pod || crate::spec::shell::uses_var(&op.run, "POD") {
                let how = format!("make {t} (its recipe looks up a running pod)");
                self.emit(
                    Act::Enter {
                        pod: "$POD".into(),
                        how,
                    },
                    path,
                    line,
                    &via,
                );
            }
            let saved = self.vars.clone();
            for (name, value) in &assigns {
                if is_name(name) && !value.contains('$') {
                    self.vars.values.insert(name.to_string(), value.to_string());
                }
            }
            let before = self.events.len();
            let outer = (std::mem::take(&mut self.functions), self.trap.take());
            let remote = op.runs_in == RunsIn::Pod;
            self.depth += 1;
            self.emit(Act::MakeBegin, path, line, &via);
            // Everything the recipe does is reported at the make command.
            let pin = self.pin.replace(line);
            self.script(&op.run, path, line, &via, remote);
            self.exit(path, &via, remote);
            self.pin = pin;
            self.emit(Act::MakeEnd, path, line, &via);
            self.depth -= 1;
            (self.functions, self.trap) = outer;
            let restored = self.events[before..]
                .iter()
                .any(|e| matches!(e.act, Act::Restore(_)));
            if op.group == Group::Restore && !restored {
                self.emit(Act::Restore(format!("make {t}")), path, line, &via);
            }
            self.vars = saved;
        }
    }

    fn mv(&mut self, w: &[&str], raw: &[&Word], path: &str, line: usize, via: &Option<String>) {
        let args: Vec<usize> = (1..w.len()).filter(|&k| !w[k].starts_with('-')).collect();
        let [srcs @ .., dst] = args.as_slice() else {
            return;
        };
        for &s in srcs {
            let (src, to) = (w[s].trim_end_matches('/'), w[*dst].trim_end_matches('/'));
            let base = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
            let (b, d) = (base(src), base(to));
            let aside = !b.is_empty()
                && b != "{}"
                && d.len() > b.len()
                && d.starts_with(&b)
                && d[b.len()..].starts_with(['.', '-', '_']);
            if aside {
                // A suffix built from a variable (a version, a timestamp) was
                // chosen per run; a literal one is the same on every retry.
                let (rb, rd) = (base(&raw[s].text), base(&raw[*dst].text));
                let suffix = rd.strip_prefix(rb.as_str()).unwrap_or(&rd);
                let unique = self.vars.is_unique(&raw[*dst].text)
                    || self.vars.is_unique(to)
                    || suffix.contains(['$', '`']);
                let act = Act::SetAside {
                    src: raw[s].text.clone(),
                    dst: raw[*dst].text.clone(),
                    unique,
                };
                self.emit(act, path, line, via);
                self.emit(Act::Clear(format!("mv {src}")), path, line, via);
            }
        }
    }
}

/// What `helm upgrade`/`install`/`rollback` arguments say of the replicas:
/// a `--set` (or `--set-string`) pair of a replica value at `0` keeps them
/// stopped, at a count or with `--wait` the command means to start them.
/// A replica value is a key the chart's facts say sets a workload's
/// `replicas:` (`keys`); without facts, a key whose last part names
/// replicas (`replicaCount`, `kibana.replicas`).
fn starts(args: &[&str], keys: Option<&BTreeSet<String>>) -> Starts {
    let mut pairs: Vec<&str> = Vec::new();
    for (k, a) in args.iter().enumerate() {
        match a.split_once('=') {
            Some(("--set" | "--set-string", v)) => pairs.push(v),
            None if matches!(*a, "--set" | "--set-string") => {
                pairs.extend(args.get(k + 1).copied())
            }
            _ => {}
        }
    }
    let replicas: Vec<&str> = pairs
        .iter()
        .flat_map(|p| p.split(','))
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=')?;
            let last = key.rsplit('.').next().unwrap_or(key);
            let replicas = match keys {
                Some(keys) => keys.contains(key),
                None => last.to_ascii_lowercase().starts_with("replica"),
            };
            replicas.then_some(value)
        })
        .collect();
    if replicas.contains(&"0") {
        Starts::Zero
    } else if !replicas.is_empty() || args.iter().any(|a| a.starts_with("--wait")) {
        Starts::Meant
    } else {
        Starts::Manifest
    }
}

/// Whether a `tar` command extracts: `x` in its bundled first argument or
/// in a short option.
fn extracts(w: &[&str]) -> bool {
    let short = |a: &&str| a.starts_with('-') && !a.starts_with("--") && a.contains('x');
    w.get(1)
        .is_some_and(|a| !a.starts_with('-') && a.contains('x'))
        || w[1..].iter().any(short)
}

/// Whether a SQL client runs a script rather than a query: it reads a file
/// (`<`, `-f`), or runs inside a pod without `-c`/`-e`, so from the stdin
/// that `kubectl run -i` or `exec -i` gives it.
fn loads_script(w: &[&str], remote: bool) -> bool {
    let query = |a: &&str| {
        matches!(
            *a,
            "-c" | "-e" | "--command" | "--execute" | "-l" | "--list"
        ) || a.starts_with("--command=")
            || a.starts_with("--execute=")
    };
    w.iter()
        .any(|a| matches!(*a, "<" | "-f" | "--file") || a.starts_with("--file="))
        || (remote && !w.iter().any(query))
}

/// The workload a `kubectl scale` names.
fn target(args: &[&str]) -> Target {
    let kind = |k: &str| match k.to_ascii_lowercase().as_str() {
        "statefulset" | "statefulsets" | "sts" => Some(WorkloadKind::StatefulSet),
        "deployment" | "deployments" | "deploy" => Some(WorkloadKind::Deployment),
        _ => None,
    };
    match args {
        [one] if one.starts_with("${") && one.contains('%') => Target::Recorded,
        [one] => match one.split_once('/') {
            Some((k, n)) => Target::Named {
                kind: kind(k),
                name: n.to_string(),
            },
            None => Target::Named {
                kind: None,
                name: one.to_string(),
            },
        },
        [k, n, ..] => Target::Named {
            kind: kind(k),
            name: n.to_string(),
        },
        [] => Target::Many,
    }
}

/// Whether pod name `pod` (as written) runs for workload `t` of `s`.
fn runs_pod(s: &Spec, t: &Target, pod: &str) -> bool {
    let main = |name: &str| {
        name == "$FULLNAME"
            || name == "$RELEASE"
            || name == format!("$FULLNAME-{}", s.workload.container)
            || name.starts_with('$') && !name.contains('-')
    };
    // A selector picks this release's workloads by its instance or name label.
    let ours = |sel: &str| {
        sel.split(',').any(|l| {
            l == "app.kubernetes.io/instance=$RELEASE"
                || l == format!("app.kubernetes.io/name={}", s.name)
        })
    };
    match (t, pod.split_once('/')) {
        (Target::Recorded, _) => false,
        (Target::Selector(sel), _) if !ours(sel) => false,
        (Target::Many | Target::Selector(_), Some((_, n))) => {
            n.starts_with("$FULLNAME") || n.starts_with("$RELEASE")
        }
        (Target::Many, None) => pod == "$POD" || ordinal(pod).is_some(),
        // The release's selector picks pods named after the release, not
        // another release's (`redis-0` of the Redis a chart uses).
        (Target::Selector(_), None) => {
            pod == "$POD"
                || ordinal(pod)
                    .is_some_and(|n| n.starts_with("$FULLNAME") || n.starts_with("$RELEASE"))
        }
        (Target::Named { name, .. }, Some((_, n))) => n == name,
        (Target::Named { kind, name }, None) => {
            (pod == "$POD" && main(name) && kind.is_none_or(|k| k == s.workload.kind))
                || (ordinal(pod) == Some(name.as_str())
                    && kind.is_none_or(|k| k == WorkloadKind::StatefulSet))
        }
    }
}

/// `NAME` of a StatefulSet pod name `NAME-<ordinal>`.
fn ordinal(pod: &str) -> Option<&str> {
    let (name, n) = pod.rsplit_once('-')?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())).then_some(name)
}

fn at(file: &SpecFile, e: &Event, message: String) -> Diagnostic {
    file.error_in_recipe(&e.path, e.line, message, e.via.as_deref())
}

/// No `kubectl exec`/`cp` into a pod of a workload scaled to 0.
fn check_stopped(file: &SpecFile, events: &[Event], out: &mut Vec<Diagnostic>) {
    let mut stopped: Vec<(Target, usize)> = Vec::new();
    for (n, e) in events.iter().enumerate() {
        match &e.act {
            Act::Scale { target, down: true } => stopped.push((target.clone(), n)),
            Act::Scale {
                target: Target::Many | Target::Selector(_) | Target::Recorded,
                down: false,
            }
            | Act::HelmStart { .. } => stopped.clear(),
            Act::Scale {
                target,
                down: false,
            } => stopped.retain(|(t, _)| t != target),
            Act::Enter { pod, how } => {
                if let Some((_, d)) = stopped.iter().find(|(t, _)| runs_pod(&file.spec, t, pod)) {
                    let down = &events[*d];
                    let (l, _) = file.text_line(&down.path, down.line);
                    out.push(at(file, e, format!(
                        "`{how}` needs a running pod, but line {l} scaled its workload to 0"))
                        .help("do it before scaling down, or in a helper pod that mounts the volume (`kubectl run` with the PVC), or scale up first"));
                }
            }
            _ => {}
        }
    }
}

/// What replaced the main pod, if `e` did.
fn replaced(s: &Spec, e: &Event) -> Option<String> {
    match &e.act {
        Act::Scale {
            target,
            down: false,
        } if runs_pod(s, target, "$POD") => Some("kubectl scale".into()),
        Act::HelmStart { how, .. } | Act::Replace(how) => Some(how.clone()),
        Act::HelmUninstall => Some("helm uninstall".into()),
        _ => None,
    }
}

/// `$POD` after a step replaced the pod needs a lookup in between.
fn check_stale_pod(file: &SpecFile, path: &str, events: &[Event], out: &mut Vec<Diagnostic>) {
    // A StatefulSet's new pod has the old one's name: `$POD` is wrong only
    // until it is Ready. A Deployment's or DaemonSet's has a new name.
    let same_name = file.spec.workload.kind == WorkloadKind::StatefulSet;
    // What replaced the pod (for the message), in the shell being read;
    // and the callers' of the make recipes being read. The rollback and the
    // validation follow the upgrade, which ends with its pods Ready.
    let mut stale = (!same_name && matches!(path, "upgrade.validation" | "upgrade.rollback"))
        .then(|| "the upgrade, before this procedure".to_string());
    let mut callers: Vec<Option<String>> = Vec::new();
    let mut said = std::collections::BTreeSet::new();
    // A pod named directly (`"$FULLNAME-0"`) races the same way until the
    // replaced pods are Ready: what replaced them, and the StatefulSets
    // scaled up since.
    let mut raced = Raced::new();
    for e in events {
        if let Some(what) = named_pod_race(file, e, &mut raced) {
            if said.insert((e.path.clone(), e.line)) {
                out.push(at(file, e, what).help("wait for the pod first: `kubectl rollout status`, `kubectl wait --for=condition=Ready pod/...` or `{{use find-pod}}`; a line that means it on purpose ends in `# stale-pod: REASON`"));
            }
        }
        if let Some(how) = replaced(&file.spec, e) {
            let (l, _) = file.text_line(&e.path, e.line);
            let what = match &e.via {
                Some(v) => format!("`{how}` (in `{v}`) at line {l}"),
                None => format!("`{how}` at line {l}"),
            };
            // The callers' `$POD` names the same pod.
            for c in &mut callers {
                *c = Some(what.clone());
            }
            stale = Some(what);
            continue;
        }
        match &e.act {
            Act::PodFound => stale = None,
            Act::Settled if same_name => {
                stale = None;
                callers.fill(None);
            }
            Act::MakeBegin => callers.push(stale.take()),
            Act::MakeEnd => stale = callers.pop().flatten(),
            Act::UsePod => {
                if let Some(what) = &stale {
                    if said.insert((e.path.clone(), e.line)) {
                        out.push(at(file, e, format!(
                            "`$POD` here is the pod found before {what} replaced it: kubectl finds no such pod, or one still terminating"))
                            .help("look the pod up again first: `{{use find-pod}}` (waits for the rollout, takes the newest running pod); a line that means the old pod on purpose ends in `# stale-pod: REASON`"));
                    }
                }
            }
            _ => {}
        }
    }
}

/// `mv X X.suffix` needs a name that differs on every run.
fn check_set_aside(file: &SpecFile, events: &[Event], out: &mut Vec<Diagnostic>) {
    for e in events {
        if let Act::SetAside {
            src,
            dst,
            unique: false,
        } = &e.act
        {
            // A risk on a retry rather than a broken procedure: a warning,
            // which `gen check --strict` (CI) still refuses.
            let mut d = at(file, e, format!(
                "`mv {src} {dst}` sets data aside under a fixed name: run again, mv moves it into the earlier copy"))
                .help(format!("make the name unique per run, e.g. `{dst}-$(date +%Y%m%d%H%M%S)`, or create it with `mktemp -d`"));
            d.severity = Severity::Warning;
            out.push(d);
        }
    }
}

/// After a data-migrating upgrade: restore with the workload stopped,
/// before the old version starts.
fn check_rollback(file: &SpecFile, events: &[Event], out: &mut Vec<Diagnostic>) {
    #[derive(PartialEq)]
    enum Data {
        Migrated,
        Cleared,
        Restored,
    }
    let mut new_version = true;
    let mut running = true;
    let mut data = Data::Migrated;
    // One report per restore: a recipe that starts two Deployments says it once.
    let mut restarted = false;
    for (n, e) in events.iter().enumerate() {
        match &e.act {
            Act::Scale { down: true, .. } | Act::HelmUninstall => running = false,
            Act::Scale { down: false, .. } => {
                if new_version && data == Data::Restored && !restarted {
                    restarted = true;
                    out.push(at(file, e, "this starts the new version on the restored data, which migrates it again".into())
                        .help("keep the workload at 0 replicas through the restore (pass the replica count as 0) and let `helm rollback` start the old version"));
                }
                running = true;
            }
            Act::HelmStart { how, .. } => {
                let restore_follows = events[n..].iter().any(|x| matches!(x.act, Act::Restore(_)));
                if new_version && data == Data::Migrated && restore_follows {
                    out.push(at(file, e, format!(
                        "`{how}` starts the old version on the data the new version migrated; the restore comes only after it"))
                        .help("stop the workload, restore the pre-upgrade backup, then roll back (or set the migrated data aside first)"));
                }
                new_version = false;
                running = true;
            }
            Act::Restore(what) => {
                if new_version && running {
                    out.push(at(file, e, format!(
                        "`{what}` restores the data while the new version still runs"))
                        .help("scale the workload to 0 first; the new version would migrate the restored data again"));
                }
                data = Data::Restored;
                restarted = false;
            }
            Act::Clear(_) if data == Data::Migrated => data = Data::Cleared,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pods_of_a_workload() {
        let s = crate::spec::parse(
            "specs/demo.yaml",
            crate::scaffold::new_spec("demo").as_bytes(),
        )
        .unwrap()
        .spec;
        let sts = Target::Named {
            kind: Some(WorkloadKind::StatefulSet),
            name: "$FULLNAME".into(),
        };
        let deploy = Target::Named {
            kind: Some(WorkloadKind::Deployment),
            name: "$FULLNAME".into(),
        };
        assert!(runs_pod(&s, &sts, "$FULLNAME-0"));
        assert!(!runs_pod(&s, &deploy, "$FULLNAME-0"));
        assert!(
            runs_pod(&s, &deploy, "$POD"),
            "the scaffold is a Deployment"
        );
        assert!(runs_pod(&s, &deploy, "deploy/$FULLNAME"));
        assert!(!runs_pod(&s, &deploy, "$FULLNAME-restore"));
        assert!(runs_pod(&s, &Target::Many, "$POD"));
        assert!(!runs_pod(&s, &Target::Many, "pg-restore"));
        let ours = Target::Selector("app.kubernetes.io/instance=$RELEASE".into());
        let other = Target::Selector("app.kubernetes.io/name=wordpress".into());
        assert!(runs_pod(&s, &ours, "$FULLNAME-0"));
        assert!(
            !runs_pod(&s, &ours, "redis-0"),
            "another release's pod is not named after this one"
        );
        assert!(!runs_pod(&s, &Target::Recorded, "$POD"));
        assert_eq!(target(&["${e%=*}"]), Target::Recorded);
        assert!(runs_pod(&s, &ours, "$POD") && !runs_pod(&s, &other, "$POD"));
    }

    /// `runbook.stale-pod` on the scaffold (a Deployment, or a StatefulSet)
    /// with `run` as its first backup step and `ops` as more operations:
    /// the lines it reports, counted from the step's first.
    fn stale(kind: &str, run: &str, ops: &str) -> Vec<usize> {
        let src = crate::scaffold::new_spec("demo")
            .replace("kind: Deployment", &format!("kind: {kind}"))
            .replace(
                "            mkdir -p \"$BACKUP_DIR\"\n",
                &run.lines()
                    .map(|l| format!("            {l}\n"))
                    .collect::<String>(),
            )
            .replace(
                "      echo \"TODO restore from $FILE\"\n",
                &format!("      echo \"TODO restore from $FILE\"\n{ops}"),
            );
        let file = crate::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let first = src
            .lines()
            .position(|l| l.starts_with("            "))
            .unwrap();
        let mut out = Vec::new();
        stale_pod(&file, &read_all(&file), &mut out);
        out.iter().map(|d| d.line - first - 1).collect()
    }

    const EXEC: &str = "kubectl -n \"$NAMESPACE\" exec \"$POD\" -c demo -- ls\n";
    const FIND: &str = "POD=\"$(kubectl -n \"$NAMESPACE\" get pod -l \"$SELECTOR\" -o name)\"\n";

    #[test]
    fn a_pod_used_after_a_step_replaced_it_needs_a_lookup() {
        let d = "Deployment";
        for replace in [
            "kubectl -n \"$NAMESPACE\" rollout restart deploy \"$FULLNAME\"",
            "kubectl -n \"$NAMESPACE\" delete pod \"$POD\"",
            "kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=1",
            "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" --wait",
            "kubectl -n \"$NAMESPACE\" set image deploy/\"$FULLNAME\" demo=x:2",
        ] {
            assert_eq!(
                stale(d, &format!("{EXEC}{replace}\n{EXEC}echo \"$POD\"\n"), ""),
                [2, 3],
                "{replace}"
            );
            assert!(
                stale(d, &format!("{replace}\n{FIND}{EXEC}"), "").is_empty(),
                "{replace}"
            );
        }
        // Not the main pod, or not replaced: a helper pod, another
        // workload, a strategy's type.
        for other in [
            "kubectl -n \"$NAMESPACE\" delete pod \"$H\" --wait",
            "kubectl -n \"$NAMESPACE\" rollout restart deploy \"$FULLNAME-worker\"",
            "kubectl -n \"$NAMESPACE\" patch deploy \"$FULLNAME\" -p '{\"spec\":{\"paused\":true}}'",
            "helm -n \"$NAMESPACE\" upgrade pg \"$CHART\"",
        ] {
            assert!(stale(d, &format!("{other}\n{EXEC}"), "").is_empty(), "{other}");
        }
        // The old pod on purpose, with a reason: at the end of the line,
        // or as the line before. Without a reason it still counts.
        let restart = "kubectl -n \"$NAMESPACE\" rollout restart deploy \"$FULLNAME\"\n";
        let old = "kubectl -n \"$NAMESPACE\" wait --for=delete pod \"$POD\"";
        assert!(stale(
            d,
            &format!("{restart}{old} # stale-pod: the old one goes\n"),
            ""
        )
        .is_empty());
        assert!(stale(
            d,
            &format!("{restart}# stale-pod: the old one goes\n{old}\n"),
            ""
        )
        .is_empty());
        assert_eq!(stale(d, &format!("{restart}{old} # stale-pod:\n"), ""), [1]);
    }

    #[test]
    fn a_statefulsets_pod_keeps_its_name_once_ready() {
        let s = "StatefulSet";
        let upgrade = "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\"\n";
        assert_eq!(stale(s, &format!("{upgrade}{EXEC}"), ""), [1]);
        assert!(stale(
            s,
            &format!("{upgrade}kubectl -n \"$NAMESPACE\" rollout status sts \"$FULLNAME\"\n{EXEC}"),
            ""
        )
        .is_empty());
        let waited = "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" --wait\n";
        assert!(stale(s, &format!("{waited}{EXEC}"), "").is_empty());
    }

    #[test]
    fn a_make_target_that_restarts_the_workload_leaves_the_callers_pod_stale() {
        let d = "Deployment";
        // The recipe looks its own pod up, so its use is fine; the
        // caller's `$POD` is the replaced one afterwards.
        let op = "  - { target: bounce, group: backup, help: x, run: \"kubectl exec \\\"$POD\\\" -- ls\\nkubectl rollout restart deploy \\\"$FULLNAME\\\"\" }\n";
        assert_eq!(stale(d, &format!("make demo-bounce\n{EXEC}"), op), [1]);
        assert!(stale(d, &format!("make demo-bounce\n{FIND}{EXEC}"), op).is_empty());
        // `helm-rollback`, which gen writes for every chart.
        assert_eq!(
            stale(
                d,
                &format!("make demo-helm-rollback REVISION=1\n{EXEC}"),
                ""
            ),
            [1]
        );
    }

    #[test]
    fn variables_expand_and_uniqueness_carries() {
        let mut v = Vars::default();
        v.values.insert("N".into(), "0".into());
        assert_eq!(v.expand("--replicas=$N ${N}x $NN"), "--replicas=0 0x $NN");
        // A count that replaces a recorded one where it is set.
        v.values.insert("E".into(), String::new());
        assert_eq!(v.expand("--replicas=${N:-${e#*=}}x"), "--replicas=0x");
        assert_eq!(v.expand("--replicas=${E:-${e#*=}}x"), "--replicas=${e#*=}x");
        assert_eq!(v.expand("${E:-$N}.${U:-1}"), "0.${U:-1}");
        v.unique.insert("TS".into(), true);
        assert!(v.is_unique("d.before-$TS") && v.is_unique("d.$(date +%s)"));
        assert!(!v.is_unique("d.before-restore") && !v.is_unique("d.$TSX"));
    }
}
