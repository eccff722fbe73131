//! Helpers shared by the integration tests that drive real components.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub mod fixture;

/// This repository: its specs, templates, scripts and `.tools/`.
#[allow(dead_code)]
pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The project at `root` as `gen` loads it (the facts of its own charts,
/// no cache), with the warnings loading printed.
#[allow(dead_code)]
pub fn load(
    root: &Path,
) -> (
    chartgen::project::Project,
    Vec<chartgen::diagnostics::Diagnostic>,
) {
    chartgen::project::load(
        root,
        &chartgen::project::facts_options(root, None, false),
        &Default::default(),
    )
    .unwrap_or_else(|e| panic!("{} loads: {e:?}", root.display()))
}

/// This repository's shipped specs, loaded.
#[allow(dead_code)]
pub fn shipped() -> chartgen::project::Project {
    load(&repo()).0
}

/// The in-process stub of the Kubernetes API in `scripts/helm.py`, for
/// real kubectl: its kubeconfig is written where [`StubApi::start`] says.
/// Dropping it closes the stub's stdin and waits, so no process is left
/// even when the test panics; with `created`, the stub then writes the
/// objects kubectl created there as JSON.
#[allow(dead_code)]
pub struct StubApi(std::process::Child);

#[allow(dead_code)]
impl StubApi {
    pub fn start(kubeconfig: &Path, created: Option<&Path>) -> StubApi {
        let mut c = Command::new("python3");
        c.arg("-c")
            .arg(
                "import json, sys\nsys.path.insert(0, sys.argv[1])\nimport helm\n\
                 s = helm.StubAPI('1.33.0')\nopen(sys.argv[2], 'w').write(s.kubeconfig)\n\
                 print('ready', flush=True)\nsys.stdin.read()\n\
                 if len(sys.argv) > 3: json.dump(s.created, open(sys.argv[3], 'w'))\n\
                 s.close()\n",
            )
            .arg(repo().join("scripts"))
            .arg(kubeconfig);
        if let Some(created) = created {
            c.arg(created);
        }
        let mut child = c
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("python3 runs");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(child.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let stub = StubApi(child);
        assert_eq!(line, "ready\n", "the stub API did not start");
        stub
    }
}

impl Drop for StubApi {
    fn drop(&mut self) {
        drop(self.0.stdin.take());
        let _ = self.0.wait();
    }
}

/// Under CI=true every test runs: a missing component is a failure.
#[allow(dead_code)]
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The first executable called `name` on PATH.
#[allow(dead_code)]
pub fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Under CI a missing component fails the test; elsewhere it skips, saying why.
#[allow(dead_code)]
pub fn skip_or_fail(why: &str) {
    if in_ci() {
        panic!("{why} (CI=true: tests never skip there; run scripts/test)");
    }
    eprintln!("skipped: {why}; run scripts/test to install it");
}

/// `ok`, or else a skip (a failure under CI=true) saying `what` is missing.
#[allow(dead_code)]
pub fn require(ok: bool, what: &str) -> bool {
    if !ok {
        skip_or_fail(&format!("{what} is missing"));
    }
    ok
}

/// `python3 scripts/helm.py ARGS CHARTS...`: real Helm (see helm.py).
#[allow(dead_code)]
pub fn helm_py(args: &[&str], charts: &[PathBuf]) -> std::process::Command {
    let mut c = std::process::Command::new("python3");
    c.arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/helm.py"))
        .args(args)
        .args(charts);
    c
}

/// helm.py's exit status when it cannot load a component.
#[allow(dead_code)]
pub const HELM_MISSING: i32 = 77;

/// The output of a finished helm.py, or None when it could not load a
/// component: a failure under CI=true, a skip elsewhere.
#[allow(dead_code)]
pub fn helm_finished(o: std::process::Output, what: &str) -> Option<std::process::Output> {
    if o.status.code() != Some(HELM_MISSING) {
        return Some(o);
    }
    skip_or_fail(&format!(
        "{what}: {}",
        String::from_utf8_lossy(&o.stderr).trim()
    ));
    None
}

/// Renders every entry of `batch` (`release`, `namespace`, `chart`,
/// `values` files and optional `set` pairs) in one `scripts/helm
/// template-batch` process, as starting the shim costs more than a render:
/// each manifest in order, or Helm's error for a render that fails. None
/// when Helm is missing (a failure under CI=true).
#[allow(dead_code)]
pub fn template_batch(batch: &[serde_json::Value]) -> Option<Vec<Result<String, String>>> {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("batch.json");
    std::fs::write(&input, serde_json::to_string(batch).unwrap()).unwrap();
    let o = Command::new(repo().join("scripts/helm"))
        .arg("template-batch")
        .stdin(std::fs::File::open(&input).unwrap())
        .output()
        .unwrap();
    let o = helm_finished(o, "Helm (the helm-sdkpy library under .tools/helm)")?;
    assert!(o.status.success(), "template-batch: {}", stderr(&o));
    let out: Vec<serde_json::Value> = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(out.len(), batch.len());
    Some(
        out.into_iter()
            .map(|r| match r["error"].as_str() {
                Some(e) if !e.is_empty() => Err(e.to_string()),
                _ => Ok(r["manifest"].as_str().unwrap().to_string()),
            })
            .collect(),
    )
}

/// The read-only folder beside the repository that holds the real chart
/// collection (`collection/`): `GEN_SHARED_DIR`, else the nearest `shared/`
/// beside the repository or a folder above it. None (a skip, or a failure under CI=true) when absent.
/// Tests copy from it and never write inside it.
#[allow(dead_code)]
pub fn shared_dir() -> Option<PathBuf> {
    let dir = match std::env::var_os("GEN_SHARED_DIR") {
        Some(d) => PathBuf::from(d),
        // `../shared` beside this checkout (CI), or beside a folder above
        // it (a git worktree under the checkout's parent).
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .skip(1)
            .map(|a| a.join("shared"))
            .find(|d| d.join("collection/charts").is_dir())
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared")),
    };
    if dir.join("collection/charts").is_dir() {
        return Some(dir);
    }
    skip_or_fail(&format!(
        "no chart collection at {}/collection (set GEN_SHARED_DIR)",
        dir.display()
    ));
    None
}

/// Every file under `root` with its bytes: compare two snapshots to prove
/// that a run changed nothing on disk.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn file_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// [`file_tree`] keyed by the path relative to `root`, `/`-separated, so
/// trees in two folders compare.
#[allow(dead_code)]
pub fn rel_tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    file_tree(root)
        .into_iter()
        .map(|(p, b)| {
            (
                p.strip_prefix(root).unwrap().to_string_lossy().into_owned(),
                b,
            )
        })
        .collect()
}

/// A small deterministic generator (xorshift64*), so a property test's
/// failures replay.
#[allow(dead_code)]
pub struct Rng(pub u64);

#[allow(dead_code)]
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Up to `max - 1` of `pieces`, picked at random and joined.
    pub fn pick(&mut self, pieces: &[&str], max: usize) -> String {
        (0..self.below(max))
            .map(|_| pieces[self.below(pieces.len())])
            .collect()
    }
}

/// The built gen with real Helm for chart facts (`scripts/helm`), run on
/// `root` with `args`, colour off.
#[allow(dead_code)]
pub fn gen_helm(root: &Path, args: &[&str]) -> Output {
    let helm = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/helm");
    let mut all = vec!["--helm", helm.to_str().expect("a UTF-8 path")];
    all.extend_from_slice(args);
    gen(root, &all)
}

/// The built gen, run on `root` with `args`, colour off.
#[allow(dead_code)]
pub fn gen(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("gen runs")
}

/// The built gen on `root` with `args`, which must succeed.
#[allow(dead_code)]
#[track_caller]
pub fn gen_ok(root: &Path, args: &[&str]) -> Output {
    let o = gen(root, args);
    assert!(o.status.success(), "gen {args:?}: {}", text(&o));
    o
}

#[allow(dead_code)]
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A command's stdout then stderr, for a failure message.
#[allow(dead_code)]
pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Writes `text` to `root/rel`, creating the folders on the way.
#[allow(dead_code)]
pub fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().expect("a file in a folder")).unwrap();
    std::fs::write(p, text).unwrap();
}

#[allow(dead_code)]
#[path = "../../src/spec/testkit/edited.rs"]
mod edited_text;
#[allow(unused_imports)]
pub use edited_text::edited;

/// A maintainer's hand edit of the file at `path`, as [`edited`] does it:
/// each `from` must be there exactly once. For edits of text as text (a
/// README, a marker, a spec as a user types it); build a spec with
/// [`fixture::Fixture`] instead where its meaning is what counts.
#[allow(dead_code)]
#[track_caller]
pub fn edit(path: &Path, edits: &[(&str, &str)]) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    std::fs::write(path, edited(&text, edits)).unwrap();
}

/// A temporary project with `specs/<name>.yaml` for each `(name, text)`,
/// not built.
#[allow(dead_code)]
pub fn project_with<N: AsRef<str>, T: AsRef<str>>(specs: &[(N, T)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("specs")).unwrap();
    for (name, text) in specs {
        write(
            dir.path(),
            &format!("specs/{}.yaml", name.as_ref()),
            text.as_ref(),
        );
    }
    dir
}

/// A project with two charts made by `gen new` and built once.
#[allow(dead_code)]
pub fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    for chart in ["alpha", "beta"] {
        let o = gen(dir.path(), &["new", chart]);
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    dir
}

/// Runs `cmd` to its end with stdout discarded, or kills it (this child
/// only) and fails the test once `limit` has passed. Returns the exit code
/// and stderr.
#[allow(dead_code)]
pub fn run_bounded(
    cmd: &mut std::process::Command,
    limit: std::time::Duration,
) -> (Option<i32>, String) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let mut err = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return (status.code(), reader.join().unwrap_or_default());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} ran longer than {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The real chart collection, `collection/` of [`shared_dir`]: read-only,
/// so tests copy from it. None (a skip, or a failure under CI=true) when
/// absent.
#[allow(dead_code)]
pub fn collection() -> Option<PathBuf> {
    shared_dir().map(|d| d.join("collection"))
}

/// `scripts/helm`, real Helm's command line over the helm-sdkpy library,
/// when its components are installed (scripts/test installs them).
#[allow(dead_code)]
pub fn real_helm() -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = repo.join(".tools/helm/helm_sdkpy/_lib/linux-amd64/libhelm_sdkpy.so");
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (python && lib.is_file()).then(|| repo.join("scripts/helm"))
}

/// Copies the tree at `from` to `to`.
#[allow(dead_code)]
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// Held by each browser test while it runs: on 2 cores, two chromiums at
/// once slow each other, and Lighthouse's timings with them. One lock for
/// the whole test binary, so the site's and serve's browser tests take turns.
#[allow(dead_code)]
pub fn one_browser_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Node, Debian's chromium and the given packages of `.tools/node_modules`
/// (node, the modules folder, chromium), or None when one is missing (a
/// skip, or a failure under CI=true).
#[allow(dead_code)]
pub fn browser_tools(packages: &[&str]) -> Option<(PathBuf, PathBuf, &'static Path)> {
    let modules = repo().join(".tools/node_modules");
    let chromium = Path::new("/usr/bin/chromium");
    let Some(node) = tool("node") else {
        skip_or_fail("node is not installed");
        return None;
    };
    if let Some(p) = packages.iter().find(|p| !modules.join(p).is_dir()) {
        skip_or_fail(&format!("{p} is not installed in .tools/"));
        return None;
    }
    if !chromium.is_file() {
        skip_or_fail("chromium is not installed (apt-get install chromium)");
        return None;
    }
    Some((node, modules, chromium))
}
