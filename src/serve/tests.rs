//! The server in-process on a fixture site: routing, headers, the refusal
//! of every path trick, the last good site kept through a failed build, and
//! the event stream.

use super::*;
use crate::memo::Memo;
use std::io::{BufRead, BufReader, Read};
use std::net::TcpStream;

const HOME: &str =
    "<!DOCTYPE html>\n<html><head><title>Home</title></head>\n<body><h1>Home</h1></body></html>\n";
const GUIDE: &str = "<!DOCTYPE html>\n<html><body><h1>Guide</h1></body></html>\n";
const CSS: &str = "body{color:#222}\n";

fn fixture(home: &str) -> Outputs {
    let mut o = Outputs::default();
    for (k, v) in [
        ("site/index.html", home),
        ("site/guide/index.html", GUIDE),
        ("site/assets/app.1a2b3c.css", CSS),
        ("site/search-index.json", "{\"docs\":[]}"),
        ("site/logo.svg", "<svg/>"),
        ("docs/postgresql/backup-guide.md", "# Backup\n"),
        ("Makefile", "all:\n"),
        ("specs/schema.json", "{}"),
    ] {
        o.files.insert(k.to_string(), v.as_bytes().to_vec());
    }
    o
}

fn serve(outputs: &Outputs) -> Running {
    let shared = Shared::new(Path::new("/nonexistent"), true, None, false);
    shared.publish(Ok(outputs));
    start(shared, "127.0.0.1:0".parse().unwrap(), &[]).unwrap()
}

#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn request(addr: SocketAddr, method: &str, target: &str, extra: &str) -> Reply {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "{method} {target} HTTP/1.1\r\nHost: localhost\r\n{extra}Connection: close\r\n\r\n"
    )
    .unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a complete head");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

fn get(addr: SocketAddr, target: &str) -> Reply {
    request(addr, "GET", target, "")
}

/// The page as the site has it: serve mode's script tag (and overlay) out.
fn strip_serve_additions(page: &str) -> String {
    let mut page = page.to_string();
    if let Some(start) = page.find("<div id=\"gen-overlay\"") {
        let end = page[start..].find("</div>\n").unwrap() + start + "</div>\n".len();
        page.replace_range(start..end, "");
    }
    let start = page.find("<script src=\"/__gen/reload.js?build=").unwrap();
    let end = page[start..].find("</script>\n").unwrap() + start + "</script>\n".len();
    page.replace_range(start..end, "");
    page
}

#[test]
fn pages_and_assets_are_served_from_the_site_entries_only() {
    let running = serve(&fixture(HOME));
    let a = running.addr;

    let home = get(a, "/");
    assert_eq!(home.status, 200);
    assert_eq!(
        home.header("Content-Type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(home.header("Cache-Control"), Some("no-cache"));
    let text = home.text();
    let script = text.find("<script src=\"/__gen/reload.js?build=").unwrap();
    assert!(script < text.find("</body>").unwrap());
    assert!(!text.contains("<script>"), "no inline script");
    assert_eq!(strip_serve_additions(&text), HOME);
    assert_eq!(get(a, "/index.html").body, home.body);
    assert_eq!(get(a, "/?utm=x").body, home.body);

    let guide = get(a, "/guide/");
    assert_eq!(guide.status, 200);
    assert_eq!(strip_serve_additions(&guide.text()), GUIDE);
    let moved = get(a, "/guide");
    assert_eq!(moved.status, 301);
    assert_eq!(moved.header("Location"), Some("/guide/"));

    let css = get(a, "/assets/app.1a2b3c.css");
    assert_eq!(css.status, 200);
    assert_eq!(css.header("Content-Type"), Some("text/css; charset=utf-8"));
    assert_eq!(css.body, CSS.as_bytes());
    assert_eq!(css.header("Content-Length"), Some("17"));
    let etag = css.header("ETag").unwrap().to_string();
    let again = request(
        a,
        "GET",
        "/assets/app.1a2b3c.css",
        &format!("If-None-Match: {etag}\r\n"),
    );
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(
        get(a, "/search-index.json").header("Content-Type"),
        Some("application/json")
    );
    assert_eq!(
        get(a, "/logo.svg").header("Content-Type"),
        Some("image/svg+xml")
    );

    let head = request(a, "HEAD", "/", "");
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("Content-Length"),
        Some(home.body.len().to_string().as_str())
    );
    let post = request(a, "POST", "/", "Content-Length: 0\r\n");
    assert_eq!(post.status, 405);
    assert_eq!(post.header("Allow"), Some("GET, HEAD"));

    // Outputs outside site/ are never reachable, under any name.
    for t in [
        "/Makefile",
        "/docs/postgresql/backup-guide.md",
        "/specs/schema.json",
        "/site/index.html",
        "/missing.html",
        "/guide/missing/",
    ] {
        let r = get(a, t);
        assert_eq!(r.status, 404, "{t}");
        assert_eq!(r.header("Content-Type"), Some("text/html; charset=utf-8"));
        assert!(r.text().contains("<script src=\"/__gen/reload.js?build="));
        assert!(
            !r.text().contains("docs/"),
            "a 404 never echoes the request"
        );
    }
    running.stop();
}

/// Targets that name an existing site file, or a file on disk, once a
/// trick is undone. Each must be a 404, exactly like a missing page.
pub(crate) const TRICKS: &[&str] = &[
    "/guide/../index.html",
    "/guide/./index.html",
    "/./index.html",
    "/guide/..",
    "/assets/../index.html",
    "/guide/%2e%2e/index.html",
    "/guide/%2E%2E/index.html",
    "/guide/.%2e/index.html",
    "/guide/%2e./index.html",
    "/%2e/index.html",
    "/guide%2findex.html",
    "/guide%2Findex.html",
    "/guide%5cindex.html",
    "/guide\\index.html",
    "/guide/..\\index.html",
    "/guide/%252e%252e/index.html",
    "/guide%252findex.html",
    "/guide/%25%32%65%25%32%65/index.html",
    "//index.html",
    "//guide/",
    "/guide//",
    "/guide//index.html",
    "/index.html%00",
    "/index.html%00.css",
    "/%00/index.html",
    "/guide/%c0%ae%c0%ae/index.html",
    "/guide/%e0%80%ae%e0%80%ae/index.html",
    "/guide/%c0%af../index.html",
    "/guide/%u002e%u002e/index.html",
    "/guide/%%32%65%%32%65/index.html",
    "/index.html.",
    "/index.html%20",
    "/index.html%0a",
    "/index.html::$DATA",
    "/C:/index.html",
    "/C:%5cindex.html",
    "http://localhost/index.html",
    "index.html",
    "/../../../../../../etc/passwd",
    "/..%2f..%2f..%2fetc%2fpasswd",
    "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/..%5c..%5cwindows%5cwin.ini",
    "/.git/config",
    "/.env",
];

#[test]
fn every_path_trick_is_refused_with_404() {
    assert!(TRICKS.len() >= 30);
    let running = serve(&fixture(HOME));
    let a = running.addr;
    // The plain forms exist, so a trick that got through would show.
    for plain in ["/index.html", "/guide/index.html", "/guide/"] {
        assert_eq!(get(a, plain).status, 200, "{plain}");
    }
    for t in TRICKS {
        let r = get(a, t);
        assert_eq!(r.status, 404, "{t:?} gave {} {}", r.status, r.text());
        assert!(!r.text().contains("<h1>Home</h1>"), "{t}");
    }
    running.stop();
}

#[test]
fn a_failed_build_keeps_the_last_good_site_and_shows_the_error() {
    let running = serve(&fixture(HOME));
    let a = running.addr;
    let good = running.shared.snapshot().build.clone();
    let error = "error: unknown field `<script>alert(1)</script>`\n  --> specs/a.yaml:3:1\n";
    running.shared.publish(Err(error.to_string()));

    let page = get(a, "/");
    assert_eq!(page.status, 200);
    let text = page.text();
    assert!(page.header("ETag").is_none());
    assert!(text.contains("<div id=\"gen-overlay\" role=\"alert\">"));
    assert!(text.contains("unknown field `&lt;script&gt;alert(1)&lt;/script&gt;`"));
    assert!(!text.contains("<script>alert"));
    assert_eq!(strip_serve_additions(&text), HOME, "the last good page");
    assert!(text.contains(&format!("reload.js?build={good}\"")));
    // Assets are untouched; a 404 shows the overlay too.
    assert_eq!(get(a, "/assets/app.1a2b3c.css").body, CSS.as_bytes());
    assert!(get(a, "/nope").text().contains("gen-overlay"));

    let status: serde_json::Value = serde_json::from_slice(&get(a, "/__gen/status").body).unwrap();
    assert_eq!(status["ok"], false);
    assert_eq!(status["build"], good.as_str());
    assert_eq!(status["error"], error);

    // Fixed: the new site, no overlay, a new build id.
    running
        .shared
        .publish(Ok(&fixture(&HOME.replace("Home", "Fixed"))));
    let text = get(a, "/").text();
    assert!(text.contains("<h1>Fixed</h1>"));
    assert!(!text.contains("gen-overlay"));
    let status: serde_json::Value = serde_json::from_slice(&get(a, "/__gen/status").body).unwrap();
    assert_eq!(status["ok"], true);
    assert_ne!(status["build"], good.as_str());
    assert!(status["error"].is_null());
    running.stop();
}

/// Reads server-sent events from a raw stream.
struct Events {
    reader: BufReader<TcpStream>,
}

impl Events {
    fn open(addr: SocketAddr) -> Events {
        let mut s = TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        write!(
            s,
            "GET /__gen/events HTTP/1.1\r\nHost: localhost\r\nAccept: text/event-stream\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(s);
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        assert!(line.starts_with("HTTP/1.1 200"), "{line}");
        let mut content_type = None;
        loop {
            line.clear();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" {
                break;
            }
            if let Some(v) = line.strip_prefix("Content-Type: ") {
                content_type = Some(v.trim().to_string());
            }
        }
        assert_eq!(
            content_type.as_deref(),
            Some("text/event-stream; charset=utf-8")
        );
        Events { reader }
    }

    /// The next named event and its data, skipping comments and `retry`.
    fn next(&mut self) -> (String, serde_json::Value) {
        let (mut name, mut data) = (String::new(), String::new());
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).unwrap();
            assert!(n > 0, "stream closed");
            let line = line.trim_end_matches('\n');
            if line.is_empty() {
                if !name.is_empty() {
                    return (name, serde_json::from_str(&data).unwrap());
                }
            } else if let Some(v) = line.strip_prefix("event: ") {
                name = v.to_string();
            } else if let Some(v) = line.strip_prefix("data: ") {
                data = v.to_string();
            }
        }
    }
}

#[test]
fn the_event_stream_tells_every_build() {
    let running = serve(&fixture(HOME));
    let shared = running.shared.clone();
    let mut events = Events::open(running.addr);
    let (name, data) = events.next();
    assert_eq!(name, "hello");
    assert_eq!(data["build"], shared.snapshot().build.as_str());
    assert_eq!(data["ok"], true);

    shared.publish(Ok(&fixture(HOME)));
    let (name, data) = events.next();
    assert_eq!(name, "reload");
    assert_eq!(data["build"], shared.snapshot().build.as_str());

    shared.publish(Err("error: broken <b>\n".into()));
    let (name, data) = events.next();
    assert_eq!(name, "build-error");
    assert_eq!(data["error"], "error: broken <b>\n");

    // A page opened while the build is broken hears about it at once.
    let mut late = Events::open(running.addr);
    let (name, data) = late.next();
    assert_eq!((name.as_str(), &data["ok"]), ("hello", &false.into()));
    assert_eq!(late.next().0, "build-error");

    shared.publish(Ok(&fixture(HOME)));
    assert_eq!(events.next().0, "reload");
    assert_eq!(late.next().0, "reload");
    assert_eq!(shared.event_streams.load(Ordering::SeqCst), 2);
    running.stop();
}

#[test]
fn the_reload_script_is_served_and_uses_no_inline_code() {
    let running = serve(&fixture(HOME));
    let js = get(running.addr, "/__gen/reload.js?build=x");
    assert_eq!(js.status, 200);
    assert_eq!(
        js.header("Content-Type"),
        Some("text/javascript; charset=utf-8")
    );
    let text = js.text();
    for needed in [
        "new EventSource(\"/__gen/events\")",
        "\"reload\"",
        "\"build-error\"",
        "\"hello\"",
        "textContent",
    ] {
        assert!(text.contains(needed), "{needed}");
    }
    // Nothing that a strict CSP would block or that parses markup.
    for banned in [
        "innerHTML",
        "eval(",
        "document.write",
        "setAttribute(\"style\"",
        "onerror=",
    ] {
        assert!(!text.contains(banned), "{banned}");
    }
    running.stop();
}

#[test]
fn build_reports_diagnostics_as_text() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    std::fs::write(
        dir.path().join("specs/a.yaml"),
        crate::scaffold::new_spec("a"),
    )
    .unwrap();
    let (outputs, warnings) = build(
        dir.path(),
        &Memo::default(),
        &project::facts_options(dir.path(), None, false),
    )
    .unwrap();
    assert!(outputs.files.contains_key("make/a.mk"));
    assert!(warnings > 0, "gen new leaves TODOs");
    std::fs::write(dir.path().join("specs/a.yaml"), "name: a\n\tbad: <tab>\n").unwrap();
    let text = build(
        dir.path(),
        &Memo::default(),
        &project::facts_options(dir.path(), None, false),
    )
    .unwrap_err();
    assert!(text.contains("specs/a.yaml:"), "{text}");
    assert!(text.ends_with("1 error found\n"), "{text}");
    // Warnings are counted, not shown, beside an error.
    std::fs::write(
        dir.path().join("specs/a.yaml"),
        crate::scaffold::new_spec("a"),
    )
    .unwrap();
    let mut broken = crate::scaffold::new_spec("b");
    broken.push_str("unknown_key: 1\n");
    std::fs::write(dir.path().join("specs/b.yaml"), broken).unwrap();
    let text = build(
        dir.path(),
        &Memo::default(),
        &project::facts_options(dir.path(), None, false),
    )
    .unwrap_err();
    assert!(text.contains("unknown_key"), "{text}");
    assert!(!text.contains("warning:"), "{text}");
    assert!(
        text.contains(&format!("1 error found ({warnings} warnings not shown")),
        "{text}"
    );
    // Nothing was written.
    let files: Vec<_> = walkdir::WalkDir::new(dir.path())
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file())
        .collect();
    assert_eq!(files.len(), 2);
}

/// A burst of connections opened at once, by clients that keep each
/// connection open unless told `Connection: close` (as browsers and load
/// tools do), is answered in full. tiny_http's pool starved most of such a
/// burst for as long as the first connections stayed open.
#[test]
fn a_burst_of_connections_is_answered() {
    let running = serve(&fixture(HOME));
    let addr = running.addr;
    let sockets: Vec<TcpStream> = (0..32).map(|_| TcpStream::connect(addr).unwrap()).collect();
    let kept = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = sockets
        .into_iter()
        .map(|mut s| {
            let kept = kept.clone();
            std::thread::spawn(move || -> Result<(), String> {
                s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                write!(
                    s,
                    "GET /assets/app.1a2b3c.css HTTP/1.1\r\nHost: localhost\r\n\r\n"
                )
                .unwrap();
                let mut reader = BufReader::new(s.try_clone().unwrap());
                let mut head = String::new();
                loop {
                    let mut line = String::new();
                    reader
                        .read_line(&mut line)
                        .map_err(|e| format!("no answer: {e}"))?;
                    if line == "\r\n" || line.is_empty() {
                        break;
                    }
                    head.push_str(&line.to_ascii_lowercase());
                }
                let mut body = vec![0; CSS.len()];
                reader.read_exact(&mut body).map_err(|e| e.to_string())?;
                if !head.contains("connection: close") {
                    kept.lock().unwrap().push(s);
                }
                Ok(())
            })
        })
        .collect();
    let failed: Vec<String> = clients
        .into_iter()
        .filter_map(|c| c.join().unwrap().err())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of 32 not answered: {failed:?}",
        failed.len()
    );
    drop(kept);
    running.stop();
}
