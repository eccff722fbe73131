//! The HTTP/1.1 server under `gen serve`, on `std::net`: one thread per
//! connection up to [`MAX_CONNECTIONS`], one request per connection.
//!
//! It replaces tiny_http 0.12, which could not give what a server that
//! any local program (or anyone, on 0.0.0.0) can reach needs:
//! - its accept thread panicked on EMFILE ("Too many open files", about 600
//!   slow connections under `ulimit -n 1024`) and never accepted again;
//! - a request head or a body that never arrives held one of its 8 worker
//!   threads for good, so 8 such requests froze every other client;
//! - it kept a connection open after sending `Connection: close`;
//! - it has no timeouts and no hook to check the Host header first.
//!
//! Here an accept error is logged and retried after a pause; every
//! connection has its own thread, a deadline for its request head
//! ([`HEAD_DEADLINE`]), read and write timeouts, and is closed after its
//! response; past [`MAX_CONNECTIONS`] a connection gets a 503 at once.
//! Only GET and HEAD are served, so no request body is ever read. The Host
//! header must name this server ([`Hosts`]), against DNS rebinding.

use std::io::{self, Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Connections served at once; more get a 503 and are closed.
pub const MAX_CONNECTIONS: usize = 768;
/// A request head (request line and headers) must be complete within this
/// long after the connection is accepted; else 408.
pub const HEAD_DEADLINE: Duration = Duration::from_secs(10);
/// The largest request head; a larger one gets a 431.
pub const HEAD_LIMIT: usize = 16 * 1024;
/// A write that makes no progress for this long ends the connection.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long the accept loop pauses after an error such as EMFILE, so that
/// connections can close and free descriptors.
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

/// One request head.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    pub target: String,
    headers: Vec<(String, String)>,
}

impl Request {
    /// The first header called `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn is_head(&self) -> bool {
        self.method == "HEAD"
    }
}

/// The reason phrase of the statuses gen serve sends.
fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        304 => "Not Modified",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "",
    }
}

/// The status line and the headers every response carries. Every
/// response says `Connection: close`, and the connection is closed after
/// it: a connection costs well under a millisecond on loopback, and no
/// thread waits on an idle keep-alive connection.
pub fn head(status: u16, len: Option<usize>, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut h = format!(
        "HTTP/1.1 {status} {}\r\nDate: {}\r\nServer: gen serve\r\n\
         Cache-Control: no-cache\r\nX-Content-Type-Options: nosniff\r\n",
        reason(status),
        httpdate::fmt_http_date(std::time::SystemTime::now())
    );
    for (name, value) in headers {
        h.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(len) = len {
        h.push_str(&format!("Content-Length: {len}\r\n"));
    }
    h.push_str("Connection: close\r\n\r\n");
    h.into_bytes()
}

/// A plain-text response, whole.
pub fn plain(status: u16, text: &str, headers: &[(&str, &str)]) -> Vec<u8> {
    let mut all = vec![("Content-Type", "text/plain; charset=utf-8")];
    all.extend_from_slice(headers);
    let mut bytes = head(status, Some(text.len()), &all);
    bytes.extend_from_slice(text.as_bytes());
    bytes
}

/// The host names a request may carry in its Host header. An IP address
/// is always accepted: DNS rebinding needs a name that the attacker's DNS
/// points here. `localhost` is always accepted; when the server listens
/// on more than loopback, so are this machine's host name and the names
/// given with `--allow-host`. A port, when the header has one, must be the
/// server's.
#[derive(Debug, Clone)]
pub struct Hosts {
    port: u16,
    names: Vec<String>,
}

impl Hosts {
    pub fn new(bound: SocketAddr, extra: &[String]) -> Hosts {
        let mut names = vec!["localhost".to_string()];
        if !bound.ip().is_loopback() {
            if let Ok(h) = std::fs::read_to_string("/proc/sys/kernel/hostname") {
                names.push(h.trim().to_ascii_lowercase());
            }
        }
        names.extend(
            extra
                .iter()
                .map(|n| n.trim_end_matches('.').to_ascii_lowercase()),
        );
        names.retain(|n| !n.is_empty());
        Hosts {
            port: bound.port(),
            names,
        }
    }

    /// Whether a Host header value names this server.
    pub fn allows(&self, host: &str) -> bool {
        let host = host.trim();
        // `[v6]`, `[v6]:port`, `name`, `name:port`, `v4` or `v4:port`.
        let (name, port) = match host.strip_prefix('[') {
            Some(rest) => match rest.split_once(']') {
                Some((addr, "")) => (addr, None),
                Some((addr, after)) => match after.strip_prefix(':') {
                    Some(port) => (addr, Some(port)),
                    None => return false,
                },
                None => return false,
            },
            None => match host.split_once(':') {
                Some((name, port)) => (name, Some(port)),
                None => (host, None),
            },
        };
        if port.is_some_and(|p| p.parse::<u16>().ok() != Some(self.port)) {
            return false;
        }
        if host.starts_with('[') {
            return name.parse::<Ipv6Addr>().is_ok();
        }
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        name.parse::<Ipv4Addr>().is_ok() || self.names.contains(&name)
    }
}

/// What answers a request: it gets the head and the connection, and writes
/// the whole response (or an event stream, for as long as it likes).
pub type Handler = dyn Fn(Request, &mut TcpStream) + Send + Sync;

/// A listening server; [`Server::stop`] ends it.
pub struct Server {
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

/// Listens on `addr` and hands each request to `handler`, on a thread per
/// connection, until `stop` is set and [`Server::stop`] is called.
pub fn start(
    addr: SocketAddr,
    hosts: Hosts,
    stop: Arc<AtomicBool>,
    handler: Arc<Handler>,
) -> io::Result<Server> {
    let listener = TcpListener::bind(addr)?;
    let addr = listener.local_addr()?;
    let hosts = Hosts {
        port: addr.port(),
        ..hosts
    };
    let flag = stop.clone();
    let accept = std::thread::Builder::new()
        .name("gen-serve-accept".into())
        .spawn(move || accept_loop(listener, hosts, flag, handler))?;
    Ok(Server {
        addr,
        stop,
        accept: Some(accept),
    })
}

impl Server {
    /// Stops accepting: wakes the accept loop with a connection of its own
    /// and waits for it. Connections in progress end by their timeouts, or
    /// (event streams) when they see the stop flag.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let wake = match self.addr.ip() {
            IpAddr::V4(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv4Addr::LOCALHOST.into(), self.addr.port())
            }
            IpAddr::V6(ip) if ip.is_unspecified() => {
                SocketAddr::new(Ipv6Addr::LOCALHOST.into(), self.addr.port())
            }
            _ => self.addr,
        };
        let _ = TcpStream::connect_timeout(&wake, Duration::from_secs(1));
        if let Some(h) = self.accept.take() {
            let _ = h.join();
        }
    }
}

fn accept_loop(listener: TcpListener, hosts: Hosts, stop: Arc<AtomicBool>, handler: Arc<Handler>) {
    let active = Arc::new(AtomicUsize::new(0));
    let hosts = Arc::new(hosts);
    let mut last_error: Option<(io::ErrorKind, Instant)> = None;
    loop {
        let accepted = listener.accept();
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let mut stream = match accepted {
            Ok((s, _)) => s,
            Err(e) => {
                // EMFILE, ENFILE, ENOBUFS or a connection reset before it was
                // accepted: none of them ends the server. Said once a minute.
                let quiet = last_error
                    .is_some_and(|(k, t)| k == e.kind() && t.elapsed() < Duration::from_secs(60));
                if !quiet {
                    eprintln!("gen serve: cannot accept a connection ({e}); still listening");
                    last_error = Some((e.kind(), Instant::now()));
                }
                std::thread::sleep(ACCEPT_PAUSE);
                continue;
            }
        };
        if active.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            active.fetch_sub(1, Ordering::SeqCst);
            let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
            let _ = stream.write_all(&plain(
                503,
                "gen serve: too many connections\n",
                &[("Retry-After", "1")],
            ));
            let _ = stream.shutdown(Shutdown::Both);
            continue;
        }
        let (active2, hosts, handler) = (active.clone(), hosts.clone(), handler.clone());
        let spawned = std::thread::Builder::new()
            .name("gen-serve-conn".into())
            .spawn(move || {
                serve_connection(stream, &hosts, handler.as_ref());
                active2.fetch_sub(1, Ordering::SeqCst);
            });
        if spawned.is_err() {
            // The stream went with the closure and is closed.
            active.fetch_sub(1, Ordering::SeqCst);
            std::thread::sleep(ACCEPT_PAUSE);
        }
    }
}

/// Why a request head could not be read.
enum HeadError {
    /// The peer closed or reset the connection: nothing to answer.
    Gone,
    TooSlow,
    TooLarge,
    Malformed,
}

fn serve_connection(mut stream: TcpStream, hosts: &Hosts, handler: &Handler) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_write_timeout(Some(WRITE_TIMEOUT));
    let answer = match read_head(&mut stream) {
        Ok(request) => match request.header("Host") {
            Some(h) if !hosts.allows(h) => Some(plain(
                403,
                "gen serve answers only to localhost, an IP address, or (listening beyond \
                 loopback) this machine's host name and the names given with --allow-host\n",
                &[],
            )),
            _ => {
                handler(request, &mut stream);
                None
            }
        },
        Err(HeadError::Gone) => return,
        Err(HeadError::TooSlow) => Some(plain(408, "request head too slow\n", &[])),
        Err(HeadError::TooLarge) => Some(plain(431, "request head too large\n", &[])),
        Err(HeadError::Malformed) => Some(plain(400, "malformed request\n", &[])),
    };
    if let Some(bytes) = answer {
        let _ = stream.write_all(&bytes);
    }
    close(stream);
}

/// Ends a connection after its response: no more writes, then a short
/// drain of what the client still sends (a body gen never reads), so that
/// closing does not reset the connection before the client has read the
/// response.
fn close(mut stream: TcpStream) {
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(200)));
    let mut sink = [0u8; 8192];
    let mut drained = 0;
    while drained < 256 * 1024 {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => drained += n,
        }
    }
}

/// Reads the request head within [`HEAD_DEADLINE`] and [`HEAD_LIMIT`].
fn read_head(stream: &mut TcpStream) -> Result<Request, HeadError> {
    let deadline = Instant::now() + HEAD_DEADLINE;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(i) = find_end(&buf) {
            break i;
        }
        if buf.len() > HEAD_LIMIT {
            return Err(HeadError::TooLarge);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(HeadError::TooSlow);
        }
        let _ = stream.set_read_timeout(Some(left));
        match stream.read(&mut chunk) {
            Ok(0) => return Err(HeadError::Gone),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                return Err(HeadError::TooSlow)
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return Err(HeadError::Gone),
        }
    };
    if end > HEAD_LIMIT {
        return Err(HeadError::TooLarge);
    }
    parse_head(&buf[..end]).ok_or(HeadError::Malformed)
}

/// Where the head ends (the index of its blank line), accepting bare LF.
fn find_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n");
    let lf = buf.windows(2).position(|w| w == b"\n\n");
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

fn parse_head(raw: &[u8]) -> Option<Request> {
    let text = std::str::from_utf8(raw).ok()?;
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    let mut parts = lines.next()?.split(' ');
    let (method, target, version) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || method.is_empty()
        || !method.bytes().all(|b| b.is_ascii_uppercase())
        || target.is_empty()
        || !matches!(version, "HTTP/1.0" | "HTTP/1.1")
    {
        return None;
    }
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':')?;
        if name.is_empty() || name.contains([' ', '\t']) || headers.len() >= 100 {
            return None;
        }
        headers.push((name.to_string(), value.trim().to_string()));
    }
    let request = Request {
        method: method.to_string(),
        target: target.to_string(),
        headers,
    };
    // HTTP/1.1 requires a Host header (RFC 9112, 3.2); a browser always
    // sends one, so its absence is no way around the check.
    if version == "HTTP/1.1" && request.header("Host").is_none() {
        return None;
    }
    Some(request)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_on_loopback_are_localhost_and_ip_addresses() {
        let h = Hosts::new("127.0.0.1:8000".parse().unwrap(), &[]);
        for ok in [
            "localhost",
            "localhost:8000",
            "LOCALHOST:8000",
            "localhost.:8000",
            "127.0.0.1:8000",
            "127.0.0.1",
            "[::1]:8000",
            "[::1]",
            "192.168.1.4:8000",
        ] {
            assert!(h.allows(ok), "{ok}");
        }
        for refused in [
            "evil.example",
            "evil.example:8000",
            "localhost:8001",
            "localhost.evil.example:8000",
            "127.0.0.1:80",
            "[::1]:9",
            "[::1]x",
            "[nonsense]:8000",
            "localhost:",
            "",
            "user@localhost:8000",
        ] {
            assert!(!h.allows(refused), "{refused}");
        }
    }

    #[test]
    fn beyond_loopback_the_machine_and_allowed_names_are_accepted() {
        let h = Hosts::new(
            "0.0.0.0:8000".parse().unwrap(),
            &["docs.Example.org".into()],
        );
        assert!(h.allows("docs.example.org:8000"));
        assert!(h.allows("10.1.2.3:8000"));
        assert!(!h.allows("attacker.example:8000"));
        let name = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap_or_default();
        if !name.trim().is_empty() {
            assert!(h.allows(&format!("{}:8000", name.trim())));
        }
        // On loopback, the machine's name is not needed and not accepted.
        let l = Hosts::new("127.0.0.1:8000".parse().unwrap(), &[]);
        assert!(!l.allows("attacker.example"));
    }

    #[test]
    fn heads_are_parsed_strictly() {
        let r = parse_head(b"GET /x?y HTTP/1.1\r\nHost: a\r\nX-Y:  z \r\n").unwrap();
        assert_eq!((r.method.as_str(), r.target.as_str()), ("GET", "/x?y"));
        assert_eq!(r.header("x-y"), Some("z"));
        assert!(parse_head(b"GET / HTTP/1.0\n").is_some());
        for bad in [
            &b"GET / HTTP/1.1\r\n"[..],
            b"GET /  HTTP/1.1\r\nHost: a\r\n",
            b"get / HTTP/1.1\r\nHost: a\r\n",
            b"GET / HTTP/2\r\nHost: a\r\n",
            b"GET / HTTP/1.1\r\nHost a\r\n",
            b"GET / HTTP/1.1\r\nBad Name: a\r\nHost: a\r\n",
            b"GET /\xff HTTP/1.1\r\nHost: a\r\n",
        ] {
            assert!(
                parse_head(bad).is_none(),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(find_end(b"GET / HTTP/1.0\r\n\r\nbody"), Some(14));
        assert_eq!(find_end(b"GET / HTTP/1.0\n\nbody"), Some(14));
    }
}
