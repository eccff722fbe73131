//! `gen serve`: the published site from memory, rebuilt when an input
//! changes, with live reload and the build errors shown in the browser.
//!
//! - Every build is [`project::load`] + [`project::generate`], exactly as
//!   `gen build` does, but nothing is written: the `site/` entries of the
//!   outputs are held in memory and served from there. Only exact keys of
//!   that map are served (see [`url::resolve`] for what is refused).
//! - [`watch`] sees the inputs change (gen.toml, specs, templates,
//!   hand-written docs) and rebuilds after a debounce; every build reads
//!   gen.toml again, so a bad one is a build error like a bad spec.
//! - Each HTML response gets `<script src="/__gen/reload.js?build=ID">`
//!   before `</body>`. The script listens to server-sent events at
//!   `/__gen/events`: `reload` after a good build, `build-error` with the
//!   diagnostics after a failed one (shown as an overlay while the last good
//!   site stays served), and `hello` on each connection.
//! - `/__gen/status` gives the same as JSON.
//! - [`http`] is the server: a thread per connection with timeouts, the
//!   Host header checked against DNS rebinding.
//! - Ctrl-C (SIGINT) or SIGTERM stops it with exit code 0, at once, even
//!   in the middle of a build: a render in flight is cancelled (see
//!   [`crate::render::limits`]), and nothing waits for it, since serve
//!   never writes.

pub mod http;
pub mod site;
pub mod url;
pub mod watch;

use crate::output::Outputs;
use crate::project::{self, Failure};
use http::Request;
use site::Site;
use std::io::Write;
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The browser side: reconnecting EventSource, reload, overlay.
pub const RELOAD_SCRIPT: &str = include_str!("reload.js");
/// How long stopping waits for a build in progress before leaving it.
const STOP_GRACE: Duration = Duration::from_secs(2);
/// Event streams open at once; more get a 503.
const MAX_EVENT_STREAMS: usize = 64;
/// An event stream with nothing to say sends a comment this often, which
/// also finds out when the browser has gone.
const KEEPALIVE: Duration = Duration::from_secs(15);

/// What is being served, replaced whole by each build.
#[derive(Debug)]
pub struct Snapshot {
    /// The last good site.
    pub site: Arc<Site>,
    /// The id of the build that made `site`: different for every good
    /// build, and for every run of `gen serve`.
    pub build: String,
    /// The diagnostics of the latest build, when it failed.
    pub error: Option<String>,
    /// Counts builds, good or not: event streams wait for it to move.
    pub seq: u64,
}

/// State shared by the request threads, the event streams and the watcher.
pub struct Shared {
    root: PathBuf,
    /// Makes build ids unique across runs.
    epoch: String,
    good_builds: AtomicU64,
    snapshot: Mutex<Arc<Snapshot>>,
    changed: Condvar,
    stop: Arc<AtomicBool>,
    event_streams: AtomicUsize,
    /// One build at a time, so that builds publish in the order they read
    /// the inputs.
    building: Mutex<()>,
    /// What the last builds computed, reused where the inputs are the same.
    memo: crate::memo::Memo,
    quiet: bool,
    /// `--helm` and `--no-facts`, as `gen build` takes them; gen.toml is
    /// read again on every build.
    helm: Option<PathBuf>,
    no_facts: bool,
}

impl Shared {
    /// Nothing served yet; [`Shared::publish`] a build next.
    pub fn new(root: &Path, quiet: bool, helm: Option<&Path>, no_facts: bool) -> Arc<Shared> {
        let epoch = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or_default();
        let epoch = format!("{epoch:x}");
        Arc::new(Shared {
            root: root.to_path_buf(),
            snapshot: Mutex::new(Arc::new(Snapshot {
                site: Arc::new(Site::default()),
                build: format!("{epoch}-0"),
                error: None,
                seq: 0,
            })),
            epoch,
            good_builds: AtomicU64::new(0),
            changed: Condvar::new(),
            stop: Arc::new(AtomicBool::new(false)),
            event_streams: AtomicUsize::new(0),
            building: Mutex::new(()),
            memo: crate::memo::Memo::kept(),
            helm: helm.map(Path::to_path_buf),
            no_facts,
            quiet,
        })
    }

    fn lock(&self) -> MutexGuard<'_, Arc<Snapshot>> {
        self.snapshot.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What is being served now.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.lock().clone()
    }

    /// Serves the outputs of a good build, or keeps the last good site and
    /// shows `Err`'s diagnostics; then wakes every event stream.
    pub fn publish(&self, result: Result<&Outputs, String>) {
        let good = result.as_ref().ok().map(|outputs| {
            let n = self.good_builds.fetch_add(1, Ordering::SeqCst) + 1;
            let build = format!("{}-{n}", self.epoch);
            (Arc::new(Site::from_outputs(outputs, &build)), build)
        });
        let error = result.err();
        let mut guard = self.lock();
        let (site, build) = good.unwrap_or_else(|| (guard.site.clone(), guard.build.clone()));
        *guard = Arc::new(Snapshot {
            site,
            build,
            error,
            seq: guard.seq + 1,
        });
        drop(guard);
        self.changed.notify_all();
    }

    /// Loads and renders the project, publishes the result and reports it.
    /// Returns whether the build was good.
    /// `since` is when the change was first seen, for the log.
    pub fn rebuild(&self, why: &str, since: Option<Instant>) -> bool {
        let _one_at_a_time = self.building.lock().unwrap_or_else(|p| p.into_inner());
        let start = Instant::now();
        let opts = project::facts_options(&self.root, self.helm.as_deref(), self.no_facts);
        let result = build(&self.root, &self.memo, &opts);
        let reuse = self.memo.take_stats();
        let ms = |t: Instant| t.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok((outputs, warnings)) => {
                self.publish(Ok(&outputs));
                if !self.quiet {
                    let site_files = outputs
                        .files
                        .keys()
                        .filter(|k| crate::output::in_site(k))
                        .count();
                    let after = since
                        .map(|t| format!(", reload sent {:.0} ms after the change", ms(t)))
                        .unwrap_or_default();
                    eprintln!(
                        "gen serve: {why}: built in {:.0} ms{after} ({site_files} site files, {warnings} warning{}; re-rendered {} of {} charts, {} of {} pages)",
                        ms(start),
                        if warnings == 1 { "" } else { "s" },
                        reuse.charts_rendered,
                        reuse.charts_rendered + reuse.charts_reused,
                        reuse.pages_rendered,
                        reuse.pages_rendered + reuse.pages_reused,
                    );
                }
                true
            }
            Err(_) if self.stopping() => false,
            Err(text) => {
                eprint!("{text}");
                eprintln!(
                    "gen serve: {why}: the build failed ({:.0} ms); still serving the last good site",
                    ms(start)
                );
                self.publish(Err(text));
                false
            }
        }
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::SeqCst)
    }
}

/// One build in memory, reusing what `memo` holds from earlier builds, with
/// the chart facts read as `opts` says: the outputs and the number of
/// warnings, or the diagnostics as the terminal shows them. A panic in the
/// build is caught, so that a bug does not take the server down.
pub fn build(
    root: &Path,
    memo: &crate::memo::Memo,
    opts: &crate::facts::Options,
) -> Result<(Outputs, usize), String> {
    let run = || -> Result<(Outputs, usize), Failure> {
        let t = Instant::now();
        let (project, warnings) = project::load(root, opts, memo)?;
        crate::timings::lap("load", t);
        let (outputs, _) = project::generate(&project, memo)?;
        Ok((outputs, warnings.len()))
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(done)) => Ok(done),
        Ok(Err(Failure::Invalid(diags))) => {
            // The errors only: the warnings (TODOs left by `gen new`, say)
            // would bury them; `gen check` lists those.
            let errors: Vec<_> = diags.iter().filter(|d| d.is_error()).collect();
            let mut text: String = errors.iter().map(|d| d.to_string()).collect();
            text.push_str(&format!(
                "{} error{} found",
                errors.len(),
                if errors.len() == 1 { "" } else { "s" }
            ));
            let warnings = diags.len() - errors.len();
            if warnings > 0 {
                text.push_str(&format!(
                    " ({warnings} warning{} not shown; `gen check` lists them)",
                    if warnings == 1 { "" } else { "s" }
                ));
            }
            text.push('\n');
            Err(text)
        }
        Ok(Err(Failure::Io(msg))) => Err(format!("error: I/O: {msg}\n")),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            Err(format!(
                "error: gen panicked while building: {msg}\n  = help: this is a bug in gen; please report it\n"
            ))
        }
    }
}

/// A running server, and the watcher when asked for.
pub struct Running {
    pub addr: SocketAddr,
    shared: Arc<Shared>,
    server: http::Server,
    watcher: Option<JoinHandle<()>>,
}

/// Listens on `addr` and answers from `shared` until [`Running::stop`].
/// Requests must name the server in their Host header (see
/// [`http::Hosts`]); `allow` adds host names.
pub fn start(shared: Arc<Shared>, addr: SocketAddr, allow: &[String]) -> Result<Running, String> {
    let answer = shared.clone();
    let handler: Arc<http::Handler> =
        Arc::new(move |request, stream: &mut TcpStream| respond(&answer, request, stream));
    let server = http::start(
        addr,
        http::Hosts::new(addr, allow),
        shared.stop.clone(),
        handler,
    )
    .map_err(|e| format!("cannot listen on {addr}: {e}"))?;
    Ok(Running {
        addr: server.addr,
        shared,
        server,
        watcher: None,
    })
}

impl Running {
    /// Rebuilds whenever an input changes.
    pub fn watch(&mut self) -> Result<(), String> {
        let root = self
            .shared
            .root
            .canonicalize()
            .map_err(|e| format!("{}: {e}", self.shared.root.display()))?;
        let shared = self.shared.clone();
        let handle = watch::spawn(root, self.shared.stop.clone(), move |batch| {
            let why = match batch.changed.as_slice() {
                [] => "inputs changed".to_string(),
                [a] => format!("{a} changed"),
                [a, b] => format!("{a} and {b} changed"),
                [a, rest @ ..] => format!("{a} and {} more changed", rest.len()),
            };
            shared.rebuild(&why, Some(batch.first_event));
        })
        .map_err(|e| format!("cannot watch the inputs: {e}"))?;
        self.watcher = Some(handle);
        Ok(())
    }

    /// Stops accepting, ends the event streams, and gives the watcher
    /// [`STOP_GRACE`] to finish a build in progress before leaving it.
    pub fn stop(self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        {
            let _guard = self.shared.lock();
            self.shared.changed.notify_all();
        }
        self.server.stop();
        if let Some(w) = self.watcher {
            let until = Instant::now() + STOP_GRACE;
            while !w.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
            if w.is_finished() {
                let _ = w.join();
            }
        }
    }
}

/// `gen serve`: build, listen, watch, and serve until Ctrl-C. Returns the
/// exit code.
/// What `gen serve` takes from the command line.
pub struct ServeArgs<'a> {
    pub bind: &'a str,
    pub port: u16,
    pub allow: &'a [String],
    pub quiet: bool,
    pub helm: Option<&'a Path>,
    pub no_facts: bool,
}

pub fn run(root: &Path, args: &ServeArgs) -> u8 {
    let ServeArgs {
        bind,
        port,
        allow,
        quiet,
        ..
    } = *args;
    // Specs, or only docs (a docs-only project builds just the site).
    if !root.join(project::SPEC_DIR).is_dir() && !root.join("docs").is_dir() {
        eprintln!(
            "gen serve: no specs/ or docs/ folder in {}; run it from the repository root or pass --root",
            root.display()
        );
        return 2;
    }
    let addr = match (bind, port).to_socket_addrs().map(|mut a| a.next()) {
        Ok(Some(a)) => a,
        Ok(None) | Err(_) => {
            eprintln!("gen serve: --bind {bind}: not an address to listen on");
            return 2;
        }
    };
    let shared = Shared::new(root, quiet, args.helm, args.no_facts);
    let (stop_tx, stop_rx) = std::sync::mpsc::channel();
    let stop = shared.stop.clone();
    if let Err(e) = ctrlc::set_handler(move || {
        // Whatever runs, a build included, stops now; serve never writes,
        // so nothing is left half-done. Should a build still not let go,
        // the process ends anyway.
        stop.store(true, Ordering::SeqCst);
        crate::render::limits::cancel();
        let _ = stop_tx.send(());
        let _ = std::thread::Builder::new().spawn(|| {
            std::thread::sleep(STOP_GRACE * 2);
            eprintln!("gen serve: stopped");
            std::process::exit(0);
        });
    }) {
        eprintln!("gen serve: cannot handle Ctrl-C: {e}");
        return 2;
    }
    let mut running = match start(shared.clone(), addr, allow) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gen serve: {e}; pick another port with --port, or --port 0 for a free one");
            return 2;
        }
    };
    // Watch first, so that no edit made during the first build is missed.
    if let Err(e) = running.watch() {
        eprintln!("gen serve: {e}");
        running.stop();
        return 2;
    }
    shared.rebuild("first build", None);
    if shared.stopping() {
        running.stop();
        if !quiet {
            eprintln!("gen serve: stopped");
        }
        return 0;
    }
    let shown = if running.addr.ip().is_unspecified() {
        SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), running.addr.port())
    } else {
        running.addr
    };
    if !running.addr.ip().is_loopback() {
        eprintln!(
            "gen serve: warning: listening on {}, reachable from other machines",
            running.addr
        );
    }
    eprintln!(
        "gen serve: serving http://{shown}/ from memory; watching gen.toml, specs/, templates/, \
         docs/ and the files gen merges into; Ctrl-C stops"
    );
    let _ = stop_rx.recv();
    running.stop();
    if !quiet {
        eprintln!("gen serve: stopped");
    }
    0
}

/// Writes the whole response with one write: with the head and the body
/// in two, Nagle's algorithm would hold the body back for the client's
/// delayed ACK.
fn write_response(
    stream: &mut TcpStream,
    request: &Request,
    status: u16,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) {
    let mut bytes = http::head(status, body.map(<[u8]>::len), headers);
    if let (Some(body), false) = (body, request.is_head()) {
        bytes.extend_from_slice(body);
    }
    let _ = stream.write_all(&bytes).and_then(|()| stream.flush());
}

fn send(
    stream: &mut TcpStream,
    request: &Request,
    status: u16,
    content_type: &str,
    body: &[u8],
    extra: &[(&str, &str)],
) {
    let mut headers = vec![("Content-Type", content_type)];
    headers.extend_from_slice(extra);
    write_response(stream, request, status, &headers, Some(body));
}

fn respond(shared: &Arc<Shared>, request: Request, stream: &mut TcpStream) {
    let r = &request;
    if !matches!(r.method.as_str(), "GET" | "HEAD") {
        return send(
            stream,
            r,
            405,
            "text/plain; charset=utf-8",
            b"method not allowed\n",
            &[("Allow", "GET, HEAD")],
        );
    }
    let Some(path) = url::resolve(&r.target) else {
        return not_found(shared, r, stream);
    };
    match path.as_str() {
        "__gen/events" => return event_stream(shared, r, stream),
        "__gen/reload.js" => {
            return send(
                stream,
                r,
                200,
                "text/javascript; charset=utf-8",
                RELOAD_SCRIPT.as_bytes(),
                &[],
            )
        }
        "__gen/status" => {
            let snap = shared.snapshot();
            let json = serde_json::json!({
                "ok": snap.error.is_none(),
                "build": snap.build,
                "seq": snap.seq,
                "files": snap.site.files.len(),
                "error": snap.error,
            });
            return send(
                stream,
                r,
                200,
                "application/json",
                format!("{json}\n").as_bytes(),
                &[],
            );
        }
        _ => {}
    }
    let snap = shared.snapshot();
    let key = if path.is_empty() || path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.clone()
    };
    let Some(entry) = snap.site.get(&key) else {
        if !path.is_empty() && snap.site.get(&format!("{path}/index.html")).is_some() {
            let location = format!("/{}/", url::encode(&path));
            return send(
                stream,
                r,
                301,
                "text/plain; charset=utf-8",
                format!("moved to {location}\n").as_bytes(),
                &[("Location", &location)],
            );
        }
        return not_found(shared, r, stream);
    };
    if let (Some(error), Some(at)) = (&snap.error, entry.overlay_at) {
        // No validator: the same page with and without the overlay must
        // never be taken for one another.
        let body = site::with_overlay(&entry.body, at, error);
        return send(stream, r, 200, entry.content_type, &body, &[]);
    }
    let fresh = r.header("If-None-Match").is_some_and(|v| {
        v.split(',')
            .any(|t| t.trim() == entry.etag || t.trim() == "*")
    });
    if fresh {
        return write_response(stream, r, 304, &[("ETag", &entry.etag)], None);
    }
    send(
        stream,
        r,
        200,
        entry.content_type,
        &entry.body,
        &[("ETag", &entry.etag)],
    );
}

/// A small HTML page for every 404, live like the rest: it reloads after a
/// rebuild and shows the overlay. It never echoes the request.
fn not_found(shared: &Shared, request: &Request, stream: &mut TcpStream) {
    let snap = shared.snapshot();
    let page = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
        <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
        <title>Not found · gen serve</title>\n</head>\n<body>\n<main>\n<h1>Not found</h1>\n\
        <p>Nothing in the site has this address. <a href=\"/\">Home</a></p>\n</main>\n</body>\n</html>\n";
    let (mut body, at) = site::inject_script(page.as_bytes(), &snap.build);
    if let Some(error) = &snap.error {
        body = site::with_overlay(&body, at, error);
    }
    send(stream, request, 404, "text/html; charset=utf-8", &body, &[]);
}

/// One server-sent event.
fn event(name: &str, data: &serde_json::Value) -> String {
    format!("event: {name}\ndata: {data}\n\n")
}

/// What a stream says about a snapshot it has not told yet.
fn news(snap: &Snapshot) -> String {
    match &snap.error {
        Some(error) => event("build-error", &serde_json::json!({ "error": error })),
        None => event("reload", &serde_json::json!({ "build": snap.build })),
    }
}

/// `/__gen/events`: a `hello` now (and the current error, if any), then one
/// event per build, on the connection's thread until the browser goes away.
fn event_stream(shared: &Arc<Shared>, request: &Request, stream: &mut TcpStream) {
    if request.is_head() {
        return send(stream, request, 200, "text/event-stream", &[], &[]);
    }
    if shared.event_streams.fetch_add(1, Ordering::SeqCst) >= MAX_EVENT_STREAMS {
        shared.event_streams.fetch_sub(1, Ordering::SeqCst);
        return send(
            stream,
            request,
            503,
            "text/plain; charset=utf-8",
            b"too many event streams\n",
            &[("Retry-After", "5")],
        );
    }
    let _ = stream_events(shared, stream);
    shared.event_streams.fetch_sub(1, Ordering::SeqCst);
}

fn stream_events(shared: &Shared, w: &mut TcpStream) -> std::io::Result<()> {
    // No length: the stream ends when the connection does.
    let mut start = http::head(
        200,
        None,
        &[("Content-Type", "text/event-stream; charset=utf-8")],
    );
    start.extend_from_slice(b"retry: 1000\n\n");
    w.write_all(&start)?;
    let snap = shared.snapshot();
    let mut told = snap.seq;
    let mut first = event(
        "hello",
        &serde_json::json!({ "build": snap.build, "ok": snap.error.is_none() }),
    );
    if snap.error.is_some() {
        first.push_str(&news(&snap));
    }
    w.write_all(first.as_bytes())?;
    w.flush()?;
    loop {
        let guard = shared.lock();
        let (guard, _) = shared
            .changed
            .wait_timeout_while(guard, KEEPALIVE, |s| s.seq == told && !shared.stopping())
            .unwrap_or_else(|p| p.into_inner());
        let snap = guard.clone();
        drop(guard);
        if shared.stopping() {
            return Ok(());
        }
        if snap.seq == told {
            w.write_all(b": keep-alive\n\n")?;
        } else {
            told = snap.seq;
            w.write_all(news(&snap).as_bytes())?;
        }
        w.flush()?;
    }
}

#[cfg(test)]
mod tests;
