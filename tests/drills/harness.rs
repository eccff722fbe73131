//! The drills' machinery: a temporary world with a real server standing in
//! for the chart's pod, the kubectl stand-in (`tests/drills/kubectl`) on
//! PATH, the chart's generated Makefile, and a runner that executes a
//! procedure's steps, exactly as the spec (and so the guide) has them, one
//! after another in one operator session, then checks the step's own
//! "Expected:" text against what the step printed.

use chartgen::procedures::{Procedure, ProcedureStep};
use std::collections::BTreeMap;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

pub const NAMESPACE: &str = "drill";
pub const RELEASE: &str = "rel";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The repository's project, loaded and rendered once per test binary.
pub fn project() -> &'static (chartgen::project::Project, chartgen::output::Outputs) {
    static P: OnceLock<(chartgen::project::Project, chartgen::output::Outputs)> = OnceLock::new();
    P.get_or_init(|| {
        let project = crate::common::shipped();
        let (outputs, _) = chartgen::project::generate(&project, &Default::default())
            .expect("the shipped specs render");
        (project, outputs)
    })
}

/// The chart's procedures, from the loaded spec through gen's model.
pub fn procedures(chart: &str) -> Vec<Procedure> {
    let file = project()
        .0
        .specs
        .iter()
        .find(|f| f.spec.name == chart)
        .unwrap_or_else(|| panic!("no spec for {chart}"));
    chartgen::procedures::procedures(&file.spec)
}

/// The guide's "before you start" block for the chart.
fn env_block(chart: &str) -> String {
    let file = project()
        .0
        .specs
        .iter()
        .find(|f| f.spec.name == chart)
        .unwrap();
    chartgen::model::chart_model(file).env_block
}

/// Servers a drill needs, each found on PATH (or at a Debian path); under
/// CI=true a missing one fails the test, elsewhere it skips.
pub fn need(tools: &[&str]) -> bool {
    let missing: Vec<&str> = tools
        .iter()
        .copied()
        .filter(|t| find(t).is_none())
        .collect();
    if missing.is_empty() {
        return true;
    }
    crate::common::skip_or_fail(&format!(
        "{} not installed (Debian packages, see scripts/test)",
        missing.join(", ")
    ));
    false
}

/// A program on PATH, or in the Debian folders that are not on a user's PATH.
pub fn find(name: &str) -> Option<PathBuf> {
    crate::common::tool(name).or_else(|| {
        ["/usr/sbin", "/usr/lib/postgresql/15/bin", "/sbin"]
            .iter()
            .map(|d| Path::new(d).join(name))
            .find(|p| p.is_file())
    })
}

/// What one step printed and how it ended.
pub struct StepRun {
    pub title: String,
    pub output: String,
    pub status: i32,
    pub expect: Option<String>,
}

pub struct World {
    pub chart: String,
    pub dir: tempfile::TempDir,
    pub state: PathBuf,
    pub backup_dir: PathBuf,
    /// The operator's variables (NAMESPACE, RELEASE, FULLNAME, ...).
    pub vars: BTreeMap<String, String>,
    pub world: serde_json::Value,
    started: bool,
    /// As root, a process holding the world's own network namespace, so
    /// servers listen on their default ports as in a pod, on a loopback
    /// no other test shares.
    netns: Option<std::process::Child>,
}

/// The server standing in for the workload's container, as the stand-in
/// (tests/drills/kubectl) runs it: `command` as `user` in the background,
/// its output the pod's log, started once `ready` succeeds, stopped by
/// `signal`.
pub struct Server<'a> {
    /// Names its pid and log files in the world's state folder.
    pub name: &'a str,
    pub user: &'a str,
    /// The server in the foreground (its own pid is the one stopped).
    pub command: String,
    /// Shell that succeeds once the server answers.
    pub ready: String,
    /// The signal its image stops it with: `TERM`, or `INT` for
    /// PostgreSQL's fast shutdown.
    pub signal: &'a str,
}

impl World {
    /// A world for `chart` (see [`World::new`]), or `None` when one of
    /// `tools`, the servers and clients its drills run, is missing (see
    /// [`need`]).
    pub fn needing(chart: &str, tools: &[&str]) -> Option<World> {
        need(tools).then(|| World::new(chart))
    }

    /// A world for `chart`'s release `rel` in namespace `drill`. `world`
    /// holds the stand-in's facts (see tests/drills/kubectl); namespace and
    /// helper folders are filled in here.
    fn new(chart: &str) -> World {
        let dir = tempfile::Builder::new()
            .prefix(&format!("drill-{chart}-"))
            .tempdir()
            .unwrap();
        // Service users must reach their folders inside it.
        set_mode(dir.path(), 0o755);
        let state = dir.path().join("state");
        let backup_dir = dir.path().join("backups");
        for d in [&state, &backup_dir, &state.join("helpers")] {
            std::fs::create_dir_all(d).unwrap();
        }
        set_mode(&state, 0o777);
        let bin = dir.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::os::unix::fs::symlink(root().join("tests/drills/kubectl"), bin.join("kubectl"))
            .unwrap();
        // The chart's targets, as gen renders them, behind a root Makefile.
        let mk = format!("make/{chart}.mk");
        let body = project()
            .1
            .files
            .get(&mk)
            .expect("the chart has make targets");
        std::fs::create_dir_all(dir.path().join("make")).unwrap();
        std::fs::write(dir.path().join(&mk), body).unwrap();
        std::fs::write(dir.path().join("Makefile"), format!("include {mk}\n")).unwrap();
        let fullname = format!("{RELEASE}-{chart}");
        let mut vars = BTreeMap::new();
        vars.insert("NAMESPACE".into(), NAMESPACE.into());
        vars.insert("RELEASE".into(), RELEASE.into());
        vars.insert("FULLNAME".into(), fullname);
        vars.insert("BACKUP_DIR".into(), backup_dir.display().to_string());
        World {
            chart: chart.into(),
            state,
            backup_dir,
            vars,
            world: serde_json::json!({ "namespace": NAMESPACE }),
            dir,
            started: false,
            netns: netns(),
        }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// A folder the service user owns.
    pub fn owned_dir(&self, rel: &str, user: &str) -> PathBuf {
        let p = self.path(rel);
        std::fs::create_dir_all(&p).unwrap();
        chown(&p, user);
        p
    }

    /// File `name` of the world's state folder, where servers keep their
    /// pid and log files.
    pub fn state_file(&self, name: &str) -> String {
        self.state.join(name).display().to_string()
    }

    /// Adds `facts` (an object: workload, paths, env, secrets, ...; see
    /// tests/drills/kubectl) to those the stand-in knows.
    pub fn describe(&mut self, facts: serde_json::Value) {
        let serde_json::Value::Object(facts) = facts else {
            panic!("the stand-in's facts are an object");
        };
        self.world.as_object_mut().unwrap().extend(facts);
    }

    /// Makes `server` the workload's container: its user, its log, and the
    /// start and stop commands the stand-in runs on `kubectl scale`.
    pub fn serve(&mut self, server: Server) {
        let pid = self.state_file(&format!("{}.pid", server.name));
        let log = self.state_file(&format!("{}.log", server.name));
        let start = start_script(
            &format!("{} {}", as_user(server.user), server.command),
            &pid,
            &log,
            &server.ready,
        );
        self.describe(serde_json::json!({
            "user": server.user,
            "log": log,
            "start": start,
            "stop": format!(
                "P=$(cat {pid}) && kill -{} $P && while kill -0 $P 2>/dev/null; do sleep 0.1; done",
                server.signal
            ),
        }));
    }

    /// Starts `command`, a server besides the workload's (as the operator,
    /// in the world's network; it ends with the world), and waits until
    /// `ready` succeeds. Its output goes to `<name>.log` in the state
    /// folder.
    pub fn background(&self, name: &str, command: &str, ready: &str) {
        let pid = self.state_file(&format!("{name}.pid"));
        let log = self.state_file(&format!("{name}.log"));
        let r = self.sh(&start_script(command, &pid, &log, ready));
        assert_eq!(r.status, 0, "{name} did not start:\n{}", r.output);
    }

    /// Puts the drill world's `sleep` (tests/drills/sleep) before the
    /// system's: the waits a guide sizes for a cluster (a sampling
    /// window) take a tenth. For drills whose steps sleep to wait, not to
    /// let time pass for the server.
    pub fn quick_waits(&self) {
        std::os::unix::fs::symlink(
            root().join("tests/drills/sleep"),
            self.dir.path().join("bin/sleep"),
        )
        .unwrap();
    }

    /// Runs `script` (sh, in the world) once, inside the first `sleep
    /// <seconds>` a step asks for, before that wait ends; needs
    /// [`World::quick_waits`]. Returns the file that holds its output
    /// once it ran, so the drill can check it did.
    pub fn during_sleep(&self, seconds: u32, script: &str) -> PathBuf {
        assert!(
            self.path("bin/sleep").exists(),
            "during_sleep needs quick_waits"
        );
        let hook = self.state.join(format!("during-sleep-{seconds}"));
        std::fs::write(&hook, script).unwrap();
        hook.with_extension("out")
    }

    pub fn var(&mut self, name: &str, value: &str) {
        self.vars.insert(name.into(), value.into());
    }

    /// Writes world.json and starts the server through the stand-in, as
    /// `kubectl scale --replicas=1` would.
    pub fn start(&mut self) {
        std::fs::write(
            self.state.join("world.json"),
            serde_json::to_string_pretty(&self.world).unwrap(),
        )
        .unwrap();
        self.started = true;
        let w = &self.world["workload"];
        let out = self.sh(&format!(
            "kubectl -n {NAMESPACE} scale {} {} --replicas=1",
            w["kind"].as_str().unwrap().to_lowercase(),
            w["name"].as_str().unwrap()
        ));
        assert_eq!(out.status, 0, "server did not start:\n{}", out.output);
    }

    fn command(&self, script: &str) -> Command {
        let mut c = match &self.netns {
            Some(holder) => {
                let mut c = Command::new("nsenter");
                c.arg("-t").arg(holder.id().to_string()).arg("-n").arg("--");
                c.arg("bash");
                c
            }
            None => Command::new("bash"),
        };
        c.arg("-c").arg(script);
        c.current_dir(self.dir.path());
        let path = format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        );
        c.env("PATH", path)
            .env("DRILL_STATE", &self.state)
            .env("TZ", "UTC")
            .env("LC_ALL", "C.UTF-8")
            .env_remove("MAKEFLAGS")
            .env_remove("MFLAGS")
            .env_remove("MAKELEVEL");
        c.stdin(Stdio::null());
        c.process_group(0);
        c
    }

    /// Runs a shell snippet (not a procedure step) in the world, bounded
    /// to two minutes of machine time (see [`bounded`]).
    pub fn sh(&self, script: &str) -> StepRun {
        let mut full = String::new();
        for (k, v) in &self.vars {
            full.push_str(&format!("export {k}='{v}'\n"));
        }
        full.push_str(script);
        let (status, output) = bounded(self.command(&full), Duration::from_secs(120));
        StepRun {
            title: script.lines().next().unwrap_or("").into(),
            output,
            status,
            expect: None,
        }
    }

    /// Like `sh`, but the snippet must succeed; returns its stdout+stderr.
    pub fn ok(&self, script: &str) -> String {
        let r = self.sh(script);
        assert_eq!(r.status, 0, "`{script}` failed:\n{}", r.output);
        r.output
    }

    /// Runs procedure `id`'s steps in order in one operator session: the
    /// variables of "Before you start", then each step with `set -e`;
    /// the shell variables a step sets carry over to the next, as they do
    /// in an operator's terminal. `fill` replaces the placeholders an
    /// operator fills in (e.g. `<ts>`) in the step's text, and nothing
    /// else. Stops at the first failing step.
    pub fn run(&self, id: &str, fill: &[(&str, &str)]) -> Vec<StepRun> {
        self.run_part(id, .., fill)
    }

    /// Like `run`, for the steps `part` of those `run` runs, so a drill can
    /// break something between two steps or run a step another one refers
    /// to ("apply the manifest of step 3 of the full restore").
    pub fn run_part(
        &self,
        id: &str,
        part: impl std::slice::SliceIndex<[ProcedureStep], Output = [ProcedureStep]>,
        fill: &[(&str, &str)],
    ) -> Vec<StepRun> {
        self.run_steps(&self.drillable(id)[part], fill)
    }

    /// Procedure `id`'s steps with a command, but for those that say no
    /// drill can run them (they need a cluster).
    fn drillable(&self, id: &str) -> Vec<ProcedureStep> {
        let proc = procedures(&self.chart)
            .into_iter()
            .find(|p| p.id == id)
            .unwrap_or_else(|| panic!("{}: no procedure {id}", self.chart));
        proc.commands()
            .filter(|s| s.drill.as_ref().is_none_or(|d| d.none.is_none()))
            .cloned()
            .collect()
    }

    /// The command of procedure `id`'s step `title`, drillable or not, as
    /// the guide shows it.
    pub fn step_text(&self, id: &str, title: &str) -> String {
        procedures(&self.chart)
            .into_iter()
            .find(|p| p.id == id)
            .and_then(|p| p.steps.into_iter().find(|s| s.title == title))
            .and_then(|s| s.run)
            .unwrap_or_else(|| panic!("{}: no step {title:?} in {id}", self.chart))
    }

    /// The newest file in BACKUP_DIR whose name starts with `prefix`.
    pub fn newest(&self, prefix: &str) -> String {
        self.newest_with(prefix, "")
    }

    /// The newest file in BACKUP_DIR named `<prefix>...<suffix>`.
    pub fn newest_with(&self, prefix: &str, suffix: &str) -> String {
        let mut names: Vec<String> = std::fs::read_dir(&self.backup_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(prefix) && n.ends_with(suffix) && !n.ends_with(".part"))
            .collect();
        names.sort();
        names
            .pop()
            .unwrap_or_else(|| panic!("no {prefix}* in BACKUP_DIR"))
    }

    fn run_steps(&self, steps: &[ProcedureStep], fill: &[(&str, &str)]) -> Vec<StepRun> {
        let vars_file = self.state.join("session.sh");
        if !vars_file.exists() {
            std::fs::write(&vars_file, self.session_prelude()).unwrap();
        }
        let mut runs = Vec::new();
        for step in steps {
            let mut text = step.run.clone().unwrap();
            for (from, to) in fill {
                text = text.replace(from, to);
            }
            let script = format!(
                ". '{v}'\nset -e\n{text}\nset +e\n{save}",
                v = vars_file.display(),
                save = save_vars(&vars_file)
            );
            let (status, output) = bounded(self.command(&script), Duration::from_secs(150));
            eprintln!(
                "--- drill {} / {} (exit {status})\n{output}",
                self.chart, step.title
            );
            let failed = status != 0;
            runs.push(StepRun {
                title: step.title.clone(),
                output,
                status,
                expect: step.expect.clone(),
            });
            if failed {
                break;
            }
        }
        runs
    }

    /// Exports of the drill's variables, then the guide's own "before you
    /// start" block for every line that does not set one of them.
    fn session_prelude(&self) -> String {
        let mut out = String::new();
        for (k, v) in &self.vars {
            out.push_str(&format!("export {k}='{v}'\n"));
        }
        let mut skip = false;
        for line in env_block(&self.chart).lines() {
            let set = line
                .strip_prefix("export ")
                .and_then(|l| l.split_once('='))
                .map(|(k, _)| k);
            if skip && line.starts_with(' ') {
                continue;
            }
            skip = set.is_some_and(|k| self.vars.contains_key(k));
            if !skip {
                out.push_str(line);
                out.push('\n');
            }
        }
        out
    }
}

/// Shell that runs `command` in the background with its output in `log`
/// and its pid in `pid`, then polls `ready` for up to a minute; it fails
/// as soon as the process is gone.
fn start_script(command: &str, pid: &str, log: &str, ready: &str) -> String {
    format!(
        "{command} > {log} 2>&1 & echo $! > {pid}; \
         for i in $(seq 600); do {ready} && exit 0; \
         kill -0 $(cat {pid}) 2>/dev/null || exit 1; sleep 0.1; done; exit 1"
    )
}

/// Shell that appends the session's upper-case variables to `file`, so the
/// next step starts with them.
fn save_vars(file: &Path) -> String {
    format!(
        "declare -p | sed -n 's/^declare -[-x]* \\([A-Z][A-Z0-9_]*=\\)/\\1/p' \
         | grep -v -E '^(BASH|EUID|PPID|SHELLOPTS|UID|PWD|OLDPWD|SHLVL|HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|IFS|PS[0-9]|PATH|TERM|HOME|LINENO|RANDOM|SECONDS|PIPESTATUS|DIRSTACK|GROUPS|FUNCNAME|COLUMNS|LINES|OPTERR|OPTIND|_)' \
         | sed 's/^/export /' > '{f}.new' && cat '{f}.new' > '{f}'; rm -f '{f}.new'",
        f = file.display()
    )
}

impl Drop for World {
    fn drop(&mut self) {
        if self.started {
            let stop = self.world["stop"].as_str().unwrap_or("").to_string();
            if self.state.join("running").exists() {
                let _ = bounded(self.command(&stop), Duration::from_secs(60));
            }
        }
        // Whatever is left: every process started in this world carries
        // its DRILL_STATE (servers, daemons of helper pods, epmd), or, for
        // those that overwrite their environment with their process title
        // (redis-server), runs in its network namespace.
        let mark = format!("DRILL_STATE={}", self.state.display());
        let ns = self
            .netns
            .as_ref()
            .and_then(|h| std::fs::read_link(format!("/proc/{}/ns/net", h.id())).ok());
        for e in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|p| p.parse::<u32>().ok()) else {
                continue;
            };
            if pid == std::process::id() || self.netns.as_ref().is_some_and(|h| h.id() == pid) {
                continue;
            }
            let in_ns = ns.is_some() && std::fs::read_link(e.path().join("ns/net")).ok() == ns;
            let env = std::fs::read(e.path().join("environ")).unwrap_or_default();
            if in_ns || env.split(|b| *b == 0).any(|v| v == mark.as_bytes()) {
                let _ = Command::new("kill")
                    .arg("-KILL")
                    .arg(pid.to_string())
                    .status();
            }
        }
        if let Some(mut holder) = self.netns.take() {
            let _ = holder.kill();
            let _ = holder.wait();
        }
    }
}

/// As root, a `sleep` in a new network namespace with loopback up;
/// elsewhere none (servers then share the machine's loopback).
fn netns() -> Option<std::process::Child> {
    if !is_root() {
        return None;
    }
    let ip = find("ip").expect("iproute2's ip");
    let mut child = Command::new("unshare")
        .arg("-n")
        .arg("sh")
        .arg("-c")
        .arg(format!(
            "{} link set lo up && exec sleep 3600",
            ip.display()
        ))
        .stdin(Stdio::null())
        .spawn()
        .expect("unshare -n runs as root");
    // Wait until the namespace has its loopback up.
    let ns = format!("/proc/{}/ns/net", child.id());
    let mine = std::fs::read_link("/proc/self/ns/net").ok();
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(10) {
        let theirs = std::fs::read_link(&ns).ok();
        let up = Command::new("nsenter")
            .args(["-t", &child.id().to_string(), "-n", "--"])
            .arg(&ip)
            .args(["-o", "link", "show", "lo", "up"])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty());
        if theirs.is_some() && theirs != mine && up {
            return Some(child);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the drill's network namespace did not come up");
}

/// Runs `c` (its own process group) until it ends, or kills the group
/// once it has had `limit` of the machine: a hang guard, not a deadline.
/// Time counts in full while the machine is idle and by the share of the
/// CPUs a process gets while it is busy (CPUs over the 1-minute load
/// average), so a step that other work slows down (the drills run four at
/// a time, beside other builds) is not taken for a hung one: with a fixed
/// two minutes, rabbitmqctl's five Erlang starts under a load of 16 on 2
/// CPUs were killed half-way. Returns the exit code (-1 when killed, with
/// why at the end of the output) and stdout+stderr.
fn bounded(mut c: Command, limit: Duration) -> (i32, String) {
    let out = tempfile::NamedTempFile::new().unwrap();
    // One open file description for both, so neither overwrites the other.
    let file = out.reopen().unwrap();
    c.stdout(file.try_clone().unwrap()).stderr(file);
    let mut child = c.spawn().expect("bash runs");
    let start = Instant::now();
    let mut last = start;
    let mut had = Duration::ZERO;
    let mut killed = None;
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s.code().unwrap_or(-1);
        }
        let now = Instant::now();
        had += (now - last).mul_f64(cpu_share());
        last = now;
        if had > limit {
            // kill(2) itself: procps-ng 4.0's `kill -KILL -PGID` (Debian
            // 12) reads the group as an option, kills nothing and exits 0,
            // so the wait below lasted as long as the hung command.
            // SAFETY: kill(2) with a negative pid only sends a signal.
            unsafe { libc::kill(-(child.id() as i32), libc::SIGKILL) };
            let _ = child.wait();
            killed = Some(start.elapsed());
            break -1;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut output = std::fs::read_to_string(out.path()).unwrap_or_default();
    if let Some(wall) = killed {
        output.push_str(&format!(
            "\n[drill harness: killed as hung after {limit:?} of machine time, {wall:?} of wall-clock time]\n"
        ));
    }
    (status, output)
}

/// The share of the machine a process gets now: 1 while the 1-minute
/// load average is at most the number of CPUs, CPUs over load above it.
fn cpu_share() -> f64 {
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get()) as f64;
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(1.0, |load| (cpus / load).min(1.0))
}

pub fn set_mode(p: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Gives `p` to `user` when the tests run as root (elsewhere they run as
/// the user who owns it already).
pub fn chown(p: &Path, user: &str) {
    if is_root() {
        let st = Command::new("chown")
            .arg("-R")
            .arg(format!("{user}:"))
            .arg(p)
            .status()
            .unwrap();
        assert!(st.success());
    }
}

pub fn is_root() -> bool {
    std::env::var("USER").is_ok_and(|u| u == "root")
        || Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// The command prefix that runs a server as `user` when we are root.
pub fn as_user(user: &str) -> String {
    if is_root() {
        format!("setpriv --reuid={user} --regid={user} --init-groups --")
    } else {
        String::new()
    }
}

/// Asserts every step succeeded and printed what its "Expected:" text says.
/// Each inline code span of `expect` must appear in the step's output, with
/// `N` matching a number, `...` and `<placeholder>` anything, and any run of
/// whitespace any other run; `not_output` lists the spans that name no
/// output (a file name, a value to compare by eye), each with the reason.
pub fn assert_steps(runs: &[StepRun], expected_steps: usize, not_output: &[(&str, &str)]) {
    for r in runs {
        assert_eq!(r.status, 0, "step {:?} failed:\n{}", r.title, r.output);
        let Some(expect) = &r.expect else { continue };
        for span in code_spans(expect) {
            if not_output.iter().any(|(s, _)| *s == span) {
                continue;
            }
            assert!(
                matches(&span, &r.output),
                "step {:?}: its Expected: `{span}` is not in its output:\n{}",
                r.title,
                r.output
            );
        }
    }
    assert_eq!(
        runs.len(),
        expected_steps,
        "not every step ran: {:?}",
        runs.iter().map(|r| &r.title).collect::<Vec<_>>()
    );
}

/// The inline code spans of Markdown text.
pub fn code_spans(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find('`') {
        let ticks = rest[i..].bytes().take_while(|b| *b == b'`').count();
        let fence = &rest[i..i + ticks];
        let after = &rest[i + ticks..];
        match after.find(fence) {
            Some(j) => {
                out.push(after[..j].trim().to_string());
                rest = &after[j + ticks..];
            }
            None => break,
        }
    }
    out
}

#[derive(Debug, PartialEq)]
enum Tok {
    Lit(char),
    Space,
    Num,
    Any,
}

fn pattern(span: &str) -> Vec<Tok> {
    let mut toks = Vec::new();
    let chars: Vec<char> = span.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev_word = i > 0 && chars[i - 1].is_alphanumeric();
        let next_word = chars.get(i + 1).is_some_and(|n| n.is_alphanumeric());
        if c.is_whitespace() {
            while i < chars.len() && chars[i].is_whitespace() {
                i += 1;
            }
            toks.push(Tok::Space);
            continue;
        }
        if c == 'N' && !prev_word && !next_word {
            toks.push(Tok::Num);
        } else if chars[i..].starts_with(&['.', '.', '.']) {
            toks.push(Tok::Any);
            i += 3;
            continue;
        } else if c == '<' {
            if let Some(j) = chars[i..].iter().position(|x| *x == '>') {
                toks.push(Tok::Any);
                i += j + 1;
                continue;
            }
            toks.push(Tok::Lit(c));
        } else {
            toks.push(Tok::Lit(c));
        }
        i += 1;
    }
    toks
}

/// Whether `span` (see `assert_steps`) occurs in `text`.
pub fn matches(span: &str, text: &str) -> bool {
    let p = pattern(span);
    let t: Vec<char> = text.chars().collect();
    (0..=t.len()).any(|start| match_at(&p, &t[start..]))
}

fn match_at(p: &[Tok], t: &[char]) -> bool {
    match p.first() {
        None => true,
        Some(Tok::Lit(c)) => t.first() == Some(c) && match_at(&p[1..], &t[1..]),
        Some(Tok::Space) => {
            let n = t.iter().take_while(|c| c.is_whitespace()).count();
            n > 0 && match_at(&p[1..], &t[n..])
        }
        Some(Tok::Num) => {
            let n = t.iter().take_while(|c| c.is_ascii_digit()).count();
            n > 0 && match_at(&p[1..], &t[n..])
        }
        Some(Tok::Any) => (0..=t.len().min(400))
            .filter(|&k| !t[..k].contains(&'\n'))
            .any(|k| match_at(&p[1..], &t[k..])),
    }
}

#[test]
fn expected_spans_match_like_a_reader_reads_them() {
    assert!(matches(
        "writing N bytes to '-'",
        "SYNC sent, writing 42 bytes to '-'"
    ));
    assert!(!matches(
        "writing N bytes",
        "writing bytes of bulk transfer"
    ));
    assert!(matches("appendonly yes", "appendonly\nyes\n"));
    assert!(matches(
        "db0:keys=...,expires=...",
        "db0:keys=3,expires=0,avg_ttl=0"
    ));
    assert!(matches(
        "redis-aof-<ts>.tar.gz",
        "x/redis-aof-20250101.tar.gz"
    ));
    assert_eq!(
        code_spans("`a` and `` b` `` then `c`"),
        vec!["a", "b`", "c"]
    );
}

/// The hang guard ends a command that never finishes, at once and with
/// why; one that finishes keeps its own status and output.
#[test]
fn the_hang_guard_kills_a_hung_command_and_spares_a_finished_one() {
    let sh = |script: &str| {
        let mut c = Command::new("bash");
        c.arg("-c").arg(script).process_group(0);
        c
    };
    let start = Instant::now();
    let (status, output) = bounded(sh("echo started; exec sleep 600"), Duration::from_secs(1));
    assert_eq!(status, -1, "{output}");
    // Killed, not waited for: the sleep would take ten minutes.
    assert!(start.elapsed() < Duration::from_secs(300), "{output}");
    assert!(
        output.starts_with("started\n") && output.contains("killed as hung after 1s"),
        "{output}"
    );
    let (status, output) = bounded(sh("echo done; exit 3"), Duration::from_secs(60));
    assert_eq!((status, output.as_str()), (3, "done\n"));
    assert!((0.0..=1.0).contains(&cpu_share()));
}
