//! `gen serve`, the real binary on temporary projects, over plain TCP:
//! pages, path tricks, live reload through a spec edit, a broken spec and
//! its fix, what the watcher ignores, and Ctrl-C.

use crate::common;
use common::fixture::Fixture;
use common::{file_tree, gen};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Generous bounds: they only stop a hung test, they measure nothing.
const START_LIMIT: Duration = Duration::from_secs(60);
const EVENT_LIMIT: Duration = Duration::from_secs(30);

/// A project with one chart, as `gen new` writes it.
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    let o = gen(dir.path(), &["new", "a"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir
}

/// The outputs of the project, computed by the library, as the server
/// should have them.
fn outputs(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let (project, _) = crate::common::load(root);
    chartgen::project::generate(&project, &Default::default())
        .map(|(o, _)| o)
        .expect("renders")
        .files
}

/// A running `gen serve --port 0`; killed (this child only) if a test
/// fails before stopping it.
struct Serve {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

impl Serve {
    fn start(root: &Path) -> Serve {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gen"));
        cmd.arg("--root").arg(root).args(["serve", "--port", "0"]);
        Serve::spawn(cmd)
    }

    /// `gen serve` with at most `nofile` open file descriptors.
    fn start_limited(root: &Path, nofile: u32) -> Serve {
        let mut cmd = Command::new("sh");
        cmd.arg("-c")
            .arg(format!("ulimit -n {nofile} && exec \"$0\" \"$@\""))
            .arg(env!("CARGO_BIN_EXE_gen"))
            .arg("--root")
            .arg(root)
            .args(["serve", "--port", "0"]);
        Serve::spawn(cmd)
    }

    /// Runs `cmd` (a `gen serve`) and waits until it serves.
    fn spawn(mut cmd: Command) -> Serve {
        let mut child = cmd
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("gen serve starts");
        let log = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines() {
                let Ok(line) = line else { break };
                let mut log = sink.lock().unwrap();
                log.push_str(&line);
                log.push('\n');
            }
        });
        let deadline = Instant::now() + START_LIMIT;
        loop {
            let text = log.lock().unwrap().clone();
            if let Some(at) = text.find("serving http://") {
                let rest = &text[at + "serving http://".len()..];
                let addr = rest[..rest.find('/').unwrap()].to_string();
                return Serve { child, addr, log };
            }
            if let Some(status) = child.try_wait().unwrap() {
                panic!("gen serve exited with {status}:\n{text}");
            }
            assert!(
                Instant::now() < deadline,
                "gen serve did not start:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn log(&self) -> String {
        self.log.lock().unwrap().clone()
    }

    /// Waits for a line the server logs just after it publishes a build.
    fn wait_log(&self, needle: &str) {
        let deadline = Instant::now() + EVENT_LIMIT;
        while !self.log().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "no {needle:?} in:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn get(&self, target: &str) -> Reply {
        request(&self.addr, &format!("GET {target} HTTP/1.1"))
    }

    fn status(&self) -> serde_json::Value {
        let r = self.get("/__gen/status");
        assert_eq!(r.status, 200);
        serde_json::from_slice(&r.body).unwrap()
    }

    /// Sends SIGINT, as Ctrl-C does, and waits for the exit.
    fn interrupt(mut self) -> (Option<i32>, String) {
        let code = signal_and_wait(&mut self.child, "INT", Duration::from_secs(20));
        // Let the log reader drain.
        std::thread::sleep(Duration::from_millis(100));
        (code, self.log())
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

/// Sends `signal` to `child` (this child only) and waits up to `limit` for
/// it to exit; fails the test, after killing it, if it does not.
fn signal_and_wait(child: &mut Child, signal: &str, limit: Duration) -> Option<i32> {
    let pid = child.id().to_string();
    let kill = Command::new("kill")
        .args([&format!("-{signal}"), &pid])
        .status()
        .unwrap();
    assert!(kill.success());
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s.code();
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("still running {limit:?} after SIG{signal}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<String> {
        self.head.split("\r\n").skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// One request over a fresh connection; `line` is the request line as
/// sent, byte for byte.
fn request(addr: &str, line: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(s, "{line}\r\nHost: localhost\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head for {line:?}: {raw:?}"));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    Reply {
        status,
        head,
        body: raw[split + 4..].to_vec(),
    }
}

/// Server-sent events from `/__gen/events`.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(addr: &str) -> Events {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(EVENT_LIMIT)).unwrap();
        write!(s, "GET /__gen/events HTTP/1.1\r\nHost: localhost\r\n\r\n").unwrap();
        let mut reader = BufReader::new(s);
        let mut head = String::new();
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            head.push_str(&line);
            if line == "\r\n" {
                break;
            }
        }
        assert!(head.starts_with("HTTP/1.1 200"), "{head}");
        assert!(head.contains("Content-Type: text/event-stream"), "{head}");
        Events { reader }
    }

    /// The next named event, or `None` when none comes within `limit`.
    /// Keep-alive comments do not extend `limit`.
    fn next_within(&mut self, limit: Duration) -> Option<(String, serde_json::Value)> {
        let deadline = Instant::now() + limit;
        let (mut name, mut data) = (String::new(), String::new());
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() && name.is_empty() {
                return None;
            }
            let left = left.max(Duration::from_millis(1));
            self.reader.get_ref().set_read_timeout(Some(left)).unwrap();
            let mut line = String::new();
            match self.reader.read_line(&mut line) {
                Ok(0) => panic!("event stream closed"),
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    assert!(name.is_empty(), "timed out inside an event");
                    return None;
                }
                Err(e) => panic!("{e}"),
            }
            let line = line.trim_end_matches('\n');
            if line.is_empty() {
                if !name.is_empty() {
                    return Some((name, serde_json::from_str(&data).unwrap()));
                }
            } else if let Some(v) = line.strip_prefix("event: ") {
                name = v.to_string();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data = v.to_string();
            }
        }
    }

    fn next(&mut self) -> (String, serde_json::Value) {
        self.next_within(EVENT_LIMIT)
            .unwrap_or_else(|| panic!("no event within {EVENT_LIMIT:?}"))
    }
}

/// The page as the site has it: serve mode's additions taken out.
fn strip_serve_additions(page: &str) -> String {
    let mut page = page.to_string();
    if let Some(start) = page.find("<div id=\"gen-overlay\"") {
        let end = page[start..].find("</div>\n").unwrap() + start + "</div>\n".len();
        page.replace_range(start..end, "");
    }
    let start = page
        .find("<script src=\"/__gen/reload.js?build=")
        .expect("the reload script is injected");
    let end = page[start..].find("</script>\n").unwrap() + start + "</script>\n".len();
    page.replace_range(start..end, "");
    page
}

#[test]
fn serves_the_site_and_its_own_endpoints_from_memory() {
    let dir = project();
    let expected = outputs(dir.path());
    let before = file_tree(dir.path());
    let serve = Serve::start(dir.path());

    let status = serve.status();
    assert_eq!(status["ok"], true, "{status}");
    let site: Vec<_> = expected.keys().filter(|k| k.starts_with("site/")).collect();
    assert_eq!(status["files"], site.len());

    let js = serve.get("/__gen/reload.js");
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("Content-Type").as_deref(),
        Some("text/javascript; charset=utf-8")
    );
    assert!(js.text().contains("new EventSource(\"/__gen/events\")"));

    let home = serve.get("/");
    if let Some(index) = expected.get("site/index.html") {
        assert_eq!(home.status, 200);
        assert_eq!(
            home.header("Content-Type").as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(home.header("Cache-Control").as_deref(), Some("no-cache"));
        assert_eq!(
            strip_serve_additions(&home.text()),
            String::from_utf8_lossy(index)
        );
    } else {
        // No site rendered yet: a live 404 page, never a file from disk.
        assert_eq!(home.status, 404);
        assert!(home
            .text()
            .contains("<script src=\"/__gen/reload.js?build="));
    }
    // Every site file is served with its bytes (HTML with the script added).
    for key in &site {
        let r = serve.get(&format!("/{}", &key["site/".len()..]));
        assert_eq!(r.status, 200, "{key}");
        if key.ends_with(".html") {
            assert_eq!(
                strip_serve_additions(&r.text()),
                String::from_utf8_lossy(&expected[*key]),
                "{key}"
            );
        } else {
            assert_eq!(&r.body, &expected[*key], "{key}");
        }
    }
    // The other outputs are not the site.
    for other in [
        "/Makefile",
        "/make/a.mk",
        "/docs/a/backup-guide.md",
        "/specs/a.yaml",
    ] {
        assert_eq!(serve.get(other).status, 404, "{other}");
    }
    let (code, _) = serve.interrupt();
    assert_eq!(code, Some(0));
    assert_eq!(file_tree(dir.path()), before, "gen serve wrote to disk");
}

/// Request targets that reach a real file once a trick is undone: serve's
/// own reload.js (always there), the site's home page, or a file on disk.
const TRICKS: &[&str] = &[
    "/x/../__gen/reload.js",
    "/__gen/x/../reload.js",
    "/__gen/./reload.js",
    "/./__gen/reload.js",
    "/x/%2e%2e/__gen/reload.js",
    "/x/%2E%2E/__gen/reload.js",
    "/x/.%2e/__gen/reload.js",
    "/x/%2e./__gen/reload.js",
    "/__gen%2freload.js",
    "/__gen%2Freload.js",
    "/__gen%5creload.js",
    "/__gen\\reload.js",
    "/x/..\\__gen/reload.js",
    "/x/%252e%252e/__gen/reload.js",
    "/__gen%252freload.js",
    "//__gen/reload.js",
    "/__gen//reload.js",
    "/__gen/reload.js%00",
    "/__gen/reload.js%00.html",
    "/__gen/reload.js.",
    "/__gen/reload.js%20",
    "/x/%c0%ae%c0%ae/__gen/reload.js",
    "/x/%e0%80%ae%e0%80%ae/__gen/reload.js",
    "/x/%u002e%u002e/__gen/reload.js",
    "/x/%%32%65%%32%65/__gen/reload.js",
    "/x/..%c0%af__gen/reload.js",
    "/x/..",
    "/index.html/..",
    "/../specs/a.yaml",
    "/..%2fspecs%2fa.yaml",
    "/%2e%2e/specs/a.yaml",
    "/%2e%2e%2fspecs%2fa.yaml",
    "/%252e%252e/specs/a.yaml",
    "/..%5cspecs%5ca.yaml",
    "/..\\specs\\a.yaml",
    "/specs/a.yaml",
    "/../../../../../../../../etc/passwd",
    "/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/%252e%252e/%252e%252e/%252e%252e/etc/passwd",
    "/....//....//....//etc/passwd",
    "/etc/passwd",
    "/%2fetc%2fpasswd",
    "/C:/Windows/win.ini",
    "/C:%5cWindows%5cwin.ini",
    "/.git/config",
    "/.gitignore",
    "http://localhost/../specs/a.yaml",
    "specs/a.yaml",
];

#[test]
fn path_traversal_and_encoding_tricks_get_404() {
    assert!(TRICKS.len() >= 30);
    let dir = project();
    let serve = Serve::start(dir.path());
    // What the tricks aim at exists.
    assert_eq!(serve.get("/__gen/reload.js").status, 200);
    assert!(dir.path().join("specs/a.yaml").is_file());
    let mut failures = Vec::new();
    for t in TRICKS {
        let r = serve.get(t);
        if r.status != 404 || r.text().contains("EventSource") || r.text().contains("TODO") {
            failures.push(format!("{t:?}: {}", r.status));
        }
    }
    assert!(failures.is_empty(), "not refused:\n{}", failures.join("\n"));
    // Methods other than GET and HEAD are refused too.
    let r = request(&serve.addr, "DELETE /__gen/reload.js HTTP/1.1");
    assert_eq!(r.status, 405);
}

#[test]
fn a_spec_edit_reloads_a_broken_spec_shows_its_error_and_a_fix_recovers() {
    let dir = project();
    let spec = dir.path().join("specs/a.yaml");
    let good = std::fs::read_to_string(&spec).unwrap();
    let serve = Serve::start(dir.path());
    let first = serve.status();
    let first_home = serve.get("/");
    let mut events = Events::open(&serve.addr);
    let (name, data) = events.next();
    assert_eq!(name, "hello");
    assert_eq!(data["build"], first["build"]);

    // An edit: one reload, with a new build.
    let edited = Fixture::new("a").title("Edited Product").yaml();
    assert!(edited.contains("name: a\n"), "{edited}");
    let saved = Instant::now();
    std::fs::write(&spec, &edited).unwrap();
    let (name, data) = events.next();
    let latency = saved.elapsed();
    assert_eq!(name, "reload", "{data}");
    let status = serve.status();
    assert_eq!(status["ok"], true);
    assert_eq!(data["build"], status["build"]);
    assert_ne!(status["build"], first["build"]);
    eprintln!("spec save to reload event: {} ms", latency.as_millis());
    let good_home = serve.get("/");

    // Broken, with markup in the offending line: an error event, the
    // status says why, and the last good site stays served.
    std::fs::write(
        &spec,
        common::edited(
            &edited,
            &[("name: a\n", "name: a\n\t<script>alert(1)</script>: x\n")],
        ),
    )
    .unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "build-error", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(error.contains("specs/a.yaml:"), "{error}");
    assert!(error.contains("<script>alert(1)</script>"), "{error}");
    let broken = serve.status();
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["error"].as_str(), Some(error));
    assert_eq!(broken["build"], status["build"], "the last good build");
    let page = serve.get("/");
    assert_eq!(page.status, good_home.status);
    let text = page.text();
    assert!(text.contains("<div id=\"gen-overlay\" role=\"alert\">"));
    assert!(
        text.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{text}"
    );
    assert!(!text.contains("<script>alert"));
    if page.status == 200 {
        assert_eq!(
            strip_serve_additions(&text),
            strip_serve_additions(&good_home.text()),
            "the last good page"
        );
    }
    serve.wait_log("specs/a.yaml changed: the build failed");

    // Fixed, without a restart: a reload, and no overlay.
    std::fs::write(&spec, &good).unwrap();
    let (name, _) = events.next();
    assert_eq!(name, "reload");
    let fixed = serve.status();
    assert_eq!(fixed["ok"], true);
    assert!(fixed["error"].is_null());
    assert!(!serve.get("/").text().contains("gen-overlay"));
    assert_eq!(
        strip_serve_additions(&serve.get("/").text()),
        strip_serve_additions(&first_home.text())
    );
    assert_eq!(first_home.status, serve.get("/").status);

    let (code, log) = serve.interrupt();
    assert_eq!(code, Some(0), "{log}");
    // Nothing but the spec, which the test wrote, is on disk.
    let on_disk: Vec<_> = file_tree(dir.path()).into_keys().collect();
    assert_eq!(on_disk, [spec]);
}

/// `--helm` and `--no-facts` reach serve's builds as they reach build's:
/// a chart with a template of its own needs Helm for its facts.
#[test]
fn serve_takes_helm_and_no_facts_as_build_does() {
    let dir = project();
    let templates = dir.path().join("charts/a/templates");
    std::fs::create_dir_all(&templates).unwrap();
    std::fs::write(
        templates.join("cm.yaml"),
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n",
    )
    .unwrap();
    let helm = dir.path().join("no-such-helm");
    let serve = |extra: &[&str]| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_gen"));
        cmd.arg("--root")
            .arg(dir.path())
            .arg("--helm")
            .arg(&helm)
            .args(extra)
            .args(["serve", "--port", "0"]);
        Serve::spawn(cmd)
    };
    let s = serve(&[]);
    let status = s.status();
    assert_eq!(status["ok"], false, "{status}");
    let error = status["error"].as_str().unwrap_or_default();
    assert!(error.contains("no-such-helm"), "the Helm named: {error}");
    let (code, log) = s.interrupt();
    assert_eq!(code, Some(0), "{log}");
    let s = serve(&["--no-facts"]);
    let status = s.status();
    assert_eq!(status["ok"], true, "{status}");
    let (code, log) = s.interrupt();
    assert_eq!(code, Some(0), "{log}");
}

#[test]
fn only_input_changes_rebuild() {
    let dir = project();
    let root = dir.path();
    // gen's own outputs on disk, as after a `gen build`.
    let o = gen(root, &["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let built = file_tree(root);
    let serve = Serve::start(root);
    let mut events = Events::open(&serve.addr);
    assert_eq!(events.next().0, "hello");
    let seq = serve.status()["seq"].clone();

    // gen rewriting its own files (a `gen build` in another terminal), or
    // removing one...
    for (path, bytes) in &built {
        if !path.ends_with("specs/a.yaml") {
            std::fs::write(path, bytes).unwrap();
        }
    }
    std::fs::remove_file(root.join("docs/a/backup-guide.md")).unwrap();
    // ... editors' temp files, and folders gen never reads.
    let spec = std::fs::read(root.join("specs/a.yaml")).unwrap();
    for (path, bytes) in [
        ("specs/.a.yaml.swp", &b"vim swap"[..]),
        ("specs/.a.yaml.swx", b"vim swap"),
        ("specs/a.yaml~", &spec),
        ("specs/#a.yaml#", b"emacs autosave"),
        ("specs/4913", b""),
        ("specs/a.yaml.tmp", b"name: broken: ["),
        ("specs/.a.yaml.gen-tmp-42", b"name: broken: ["),
        ("docs/.notes.md.swp", b"vim swap"),
        ("docs/notes.md~", b"# backup\n"),
        ("templates/.x.tera.swp", b"vim swap"),
        ("site/index.html", b"<p>on disk</p>"),
        ("target/debug/x", b"x"),
        ("values.yaml", b"x: 1\n"),
    ] {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
    // Emacs' lock file: a dangling symbolic link.
    #[cfg(unix)]
    std::os::unix::fs::symlink("user@host.4242:1700000000", root.join("specs/.#a.yaml")).unwrap();
    std::fs::remove_file(root.join("specs/.a.yaml.swp")).unwrap();
    // A wrong rebuild would come within this window (debounce + build).
    if let Some(event) = events.next_within(Duration::from_secs(2)) {
        panic!("rebuilt on a non-input: {event:?}\n{}", serve.log());
    }
    assert_eq!(serve.status()["seq"], seq);
    // The site on disk is not what is served.
    assert!(!serve.get("/").text().contains("on disk"));

    // A hand-written doc is an input, and so is a template override.
    std::fs::write(root.join("docs/notes.md"), "# Notes\n\nMine.\n").unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "reload", "{data}");
    std::fs::create_dir_all(root.join("templates/chart")).unwrap();
    let makefile = include_str!("../../templates/chart/makefile.mk.tera");
    std::fs::write(
        root.join("templates/chart/makefile.mk.tera"),
        format!("{makefile}# overridden\n"),
    )
    .unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "reload", "{data}");
    serve.wait_log("templates/chart/makefile.mk.tera changed");
    std::fs::remove_file(root.join("docs/notes.md")).unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "reload", "{data}");
}

#[test]
fn sigint_stops_it_with_exit_code_0() {
    let dir = project();
    let serve = Serve::start(dir.path());
    // With an open event stream, which must not keep it alive.
    let mut events = Events::open(&serve.addr);
    assert_eq!(events.next().0, "hello");
    let (code, log) = serve.interrupt();
    assert_eq!(code, Some(0), "{log}");
    assert!(log.contains("gen serve: stopped"), "{log}");
}

/// Runs a `gen serve` that is expected to exit by itself; kills it (this
/// child only) if it is still running after the bound.
fn serve_exits(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(root)
        .arg("serve")
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + START_LIMIT;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("gen serve {args:?} kept running");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn a_busy_port_or_a_bad_address_is_a_usage_error() {
    let dir = project();
    let taken = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let (code, err) = serve_exits(dir.path(), &["--port", &port]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--port 0"), "{err}");
    let (code, err) = serve_exits(dir.path(), &["--bind", "not an address", "--port", "0"]);
    assert_eq!(code, Some(2), "{err}");
    let empty = tempfile::tempdir().unwrap();
    let (code, err) = serve_exits(empty.path(), &["--port", "0"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("no specs/ or docs/ folder"), "{err}");
}

/// Sends `text` on a fresh connection and reads until the server closes
/// it; `Err` when it is still open after `limit`.
fn exchange(addr: &str, text: &str, limit: Duration) -> std::io::Result<String> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(limit))?;
    s.write_all(text.as_bytes())?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    Ok(String::from_utf8_lossy(&raw).into_owned())
}

/// A GET of the status on a fresh connection answered with a 200 within
/// `limit`.
fn answered(addr: &str, limit: Duration) -> bool {
    let text = "GET /__gen/status HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    exchange(addr, text, limit).is_ok_and(|r| r.starts_with("HTTP/1.1 200"))
}

/// tiny_http panicked in accept on EMFILE (about 600 slow connections under
/// `ulimit -n 1024`) and never accepted again; eight POSTs whose body never
/// came froze every other client. Now: slow and unfinished requests hold a
/// connection each and nothing else, and the listener outlives running out
/// of descriptors.
#[test]
fn slow_and_unfinished_requests_starve_no_one_and_never_kill_the_listener() {
    let dir = project();
    let mut serve = Serve::start_limited(dir.path(), 1024);
    let addr = serve.addr.clone();
    let mut hanging = Vec::new();
    let open = |text: &str| {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(text.as_bytes()).unwrap();
        s
    };
    for _ in 0..8 {
        hanging.push(open(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000000000\r\nExpect: 100-continue\r\n\r\n",
        ));
        hanging.push(open(
            "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n\r\n",
        ));
    }
    for _ in 0..600 {
        hanging.push(open("GET / HTTP/1.1\r\nHost: loc"));
    }
    std::thread::sleep(Duration::from_millis(300));
    let t = Instant::now();
    let served = (0..10)
        .filter(|_| answered(&serve.addr, Duration::from_secs(2)))
        .count();
    eprintln!(
        "{served} of 10 requests answered in {} ms beside 616 unfinished ones",
        t.elapsed().as_millis()
    );
    assert_eq!(served, 10, "{}", serve.log());
    drop(hanging);
    assert!(serve.alive());

    // Out of descriptors: connections wait in the backlog, and are served
    // once the slow ones go.
    drop(serve);
    let mut serve = Serve::start_limited(dir.path(), 128);
    let mut hanging = Vec::new();
    for _ in 0..300 {
        let Ok(mut s) =
            TcpStream::connect_timeout(&serve.addr.parse().unwrap(), Duration::from_secs(1))
        else {
            break;
        };
        let _ = s.write_all(b"GET / HTTP/1.1\r\n");
        hanging.push(s);
    }
    std::thread::sleep(Duration::from_millis(500));
    drop(hanging);
    let deadline = Instant::now() + Duration::from_secs(30);
    while !answered(&serve.addr, Duration::from_secs(2)) {
        assert!(
            Instant::now() < deadline && serve.alive(),
            "not answering after the slow connections closed:\n{}",
            serve.log()
        );
    }
    assert!(
        serve.log().contains("cannot accept a connection"),
        "{}",
        serve.log()
    );
    let (code, _) = serve.interrupt();
    assert_eq!(code, Some(0));
}

/// tiny_http sent `Connection: close` and kept the connection open.
#[test]
fn every_connection_is_closed_after_its_response() {
    let dir = project();
    let serve = Serve::start(dir.path());
    for extra in ["", "Connection: close\r\n", "Connection: keep-alive\r\n"] {
        let text = format!("GET /__gen/reload.js HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n");
        let reply = exchange(&serve.addr, &text, Duration::from_secs(5))
            .unwrap_or_else(|e| panic!("{extra:?}: the connection stayed open: {e}"));
        assert!(reply.starts_with("HTTP/1.1 200"), "{reply}");
        assert!(reply.contains("\r\nConnection: close\r\n"), "{reply}");
    }
    // A request head that never ends is cut off: 408 after 10 s.
    let reply = exchange(
        &serve.addr,
        "GET / HTTP/1.1\r\nHost: localhost\r\n",
        Duration::from_secs(30),
    )
    .unwrap();
    assert!(reply.starts_with("HTTP/1.1 408"), "{reply}");
    let long = format!(
        "GET /{} HTTP/1.1\r\nHost: localhost\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let reply = exchange(&serve.addr, &long, Duration::from_secs(10)).unwrap();
    assert!(reply.starts_with("HTTP/1.1 431"), "{reply}");
}

/// tiny_http did not look at the Host header: a page of another site
/// whose name was rebound to 127.0.0.1 could read the served site.
#[test]
fn the_host_header_must_name_this_server() {
    let dir = project();
    let serve = Serve::start(dir.path());
    let port = serve.addr.rsplit_once(':').unwrap().1.to_string();
    let get = |host: Option<&str>, version: &str| {
        let host = host.map(|h| format!("Host: {h}\r\n")).unwrap_or_default();
        let text = format!("GET /__gen/status {version}\r\n{host}\r\n");
        let reply = exchange(&serve.addr, &text, Duration::from_secs(5)).unwrap();
        reply[9..12].to_string()
    };
    for ok in [
        "localhost".to_string(),
        format!("localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        assert_eq!(get(Some(&ok), "HTTP/1.1"), "200", "{ok}");
    }
    for refused in [
        format!("evil.example:{port}"),
        "evil.example".to_string(),
        format!("localhost.evil.example:{port}"),
        format!("localhost:{}", port.parse::<u16>().unwrap().wrapping_add(1)),
    ] {
        assert_eq!(get(Some(&refused), "HTTP/1.1"), "403", "{refused}");
    }
    assert_eq!(get(None, "HTTP/1.1"), "400", "HTTP/1.1 needs a Host");
    assert_eq!(get(None, "HTTP/1.0"), "200");
}

/// The chart's page shows the README's text outside gen's markers; serve
/// did not watch the README, so an edit there never showed.
#[test]
fn an_edit_outside_the_markers_of_a_chart_readme_reloads() {
    let dir = project();
    let root = dir.path();
    let o = gen(root, &["build"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let serve = Serve::start(root);
    let mut events = Events::open(&serve.addr);
    assert_eq!(events.next().0, "hello");
    let readme = root.join("charts/a/README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    let at = text.find("<!-- gen:begin").unwrap();
    let edited = format!(
        "{}A hand-written note, zebra-quokka.\n\n{}",
        &text[..at],
        &text[at..]
    );
    std::fs::write(&readme, edited).unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "reload", "{data}");
    let page = serve.get("/charts/a/");
    assert_eq!(page.status, 200);
    assert!(page.text().contains("zebra-quokka"));
    serve.wait_log("charts/a/README.md changed");
}

/// gen.toml is an input: a new `[repository]` reaches the guides without
/// a restart, a broken gen.toml shows its error over the last good site,
/// and the next good save recovers.
#[test]
fn a_gen_toml_edit_reloads_a_broken_one_shows_its_error_and_a_fix_recovers() {
    let dir = project();
    let root = dir.path();
    let settings = root.join("gen.toml");
    let repository = |url: &str| format!("[repository]\nname = \"zoo\"\nurl = \"{url}\"\n");
    std::fs::write(&settings, repository("https://example.org/zebra-charts")).unwrap();
    // A restore step that names the repository from gen.toml.
    let spec = root.join("specs/a.yaml");
    let steps = "\n    steps:\n";
    common::edit(
        &spec,
        &[(steps, &format!("{steps}      - use: chart-available\n"))],
    );
    let guide = "/charts/a/backup.html";
    let serve = Serve::start(root);
    let mut events = Events::open(&serve.addr);
    assert_eq!(events.next().0, "hello");
    let first = serve.get(guide);
    assert_eq!(first.status, 200, "{}\n{}", serve.status(), serve.log());
    assert!(first.text().contains("https://example.org/zebra-charts"));

    // Another repository URL: one reload, and the guide names it.
    let quokka = repository("https://example.org/quokka-charts");
    std::fs::write(&settings, &quokka).unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "reload", "{data}\n{}", serve.log());
    serve.wait_log("gen.toml changed: built");
    let page = serve.get(guide).text();
    assert!(page.contains("https://example.org/quokka-charts"), "{page}");
    assert!(!page.contains("zebra-charts"));
    assert_eq!(
        strip_serve_additions(&page),
        String::from_utf8(outputs(root)["site/charts/a/backup.html"].clone()).unwrap(),
        "what a cold build of the same inputs gives"
    );
    let good = serve.status();

    // Broken: an error event naming gen.toml's line, and the last good
    // site stays served under the overlay.
    std::fs::write(&settings, "[repository]\nname = \"zoo\"\nurl = 42\n").unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "build-error", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(error.contains("gen.toml:3:"), "{error}");
    let broken = serve.status();
    assert_eq!(broken["ok"], false);
    assert_eq!(broken["build"], good["build"], "the last good build");
    let page = serve.get(guide).text();
    assert!(
        page.contains("<div id=\"gen-overlay\" role=\"alert\">"),
        "{page}"
    );
    assert!(page.contains("https://example.org/quokka-charts"));
    serve.wait_log("gen.toml changed: the build failed");

    // Fixed, without a restart.
    std::fs::write(&settings, &quokka).unwrap();
    let (name, _) = events.next();
    assert_eq!(name, "reload");
    let fixed = serve.status();
    assert_eq!(fixed["ok"], true);
    assert!(fixed["error"].is_null());
    assert!(!serve.get(guide).text().contains("gen-overlay"));

    // Removing gen.toml is a change too: back to no repository, which the
    // step needs, so the build fails and says so.
    std::fs::remove_file(&settings).unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "build-error", "{data}");
    assert!(
        data["error"].as_str().unwrap().contains("chart-available"),
        "{data}"
    );

    let (code, log) = serve.interrupt();
    assert_eq!(code, Some(0), "{log}");
    let on_disk: Vec<_> = file_tree(root).into_keys().collect();
    assert_eq!(on_disk, [spec], "serve wrote nothing");
}

/// A template override that includes itself aborted gen serve with a stack
/// overflow. Now it is a build error shown over the last good site, and
/// removing it recovers.
#[test]
fn a_self_including_template_shows_its_error_and_serve_survives() {
    let dir = project();
    let serve = Serve::start(dir.path());
    let mut events = Events::open(&serve.addr);
    assert_eq!(events.next().0, "hello");
    let t = dir.path().join("templates/chart/backup-guide.md.tera");
    std::fs::create_dir_all(t.parent().unwrap()).unwrap();
    std::fs::write(
        &t,
        "# Guide\n{% include \"chart/backup-guide.md.tera\" %}\n",
    )
    .unwrap();
    let (name, data) = events.next();
    assert_eq!(name, "build-error", "{data}");
    let error = data["error"].as_str().unwrap();
    assert!(
        error.contains("chart/backup-guide.md.tera includes itself"),
        "{error}"
    );
    assert!(
        error.contains("--> templates/chart/backup-guide.md.tera:2:13"),
        "{error}"
    );
    assert!(serve.get("/").text().contains("gen-overlay"));
    std::fs::remove_file(&t).unwrap();
    assert_eq!(events.next().0, "reload");
    assert_eq!(serve.status()["ok"], true);
}

/// A template whose loops never end kept serve from stopping: it ignored
/// SIGTERM. Now the render is cancelled and serve exits at once.
#[test]
fn sigterm_stops_serve_in_the_middle_of_a_runaway_render() {
    let dir = project();
    let t = dir.path().join("templates/chart/backup-guide.md.tera");
    std::fs::create_dir_all(t.parent().unwrap()).unwrap();
    std::fs::write(
        &t,
        "{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(dir.path())
        .args(["serve", "--port", "0"])
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first build renders for 10 s before its limit stops it.
    std::thread::sleep(Duration::from_secs(2));
    let sent = Instant::now();
    let code = signal_and_wait(&mut child, "TERM", Duration::from_secs(5));
    eprintln!("exited {} ms after SIGTERM", sent.elapsed().as_millis());
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert_eq!(code, Some(0), "{log}");
    assert!(
        !log.contains("serving http://"),
        "the build had finished:\n{log}"
    );
    assert!(log.contains("gen serve: stopped"), "{log}");
}
