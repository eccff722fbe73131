//! From a request target to the one site path it may name, or nothing.
//!
//! The server only looks paths up in an in-memory map, so nothing here can
//! reach the disk; still, every trick that could turn a URL into another
//! path is refused outright instead of being normalized: `.` and `..`
//! segments, empty segments (`//`), backslashes, control bytes (NUL
//! included), percent-encoded structure (`%2e`, `%2f`, `%5c`, `%25` for a
//! double encoding, `%00`), malformed escapes, overlong or otherwise
//! invalid UTF-8, drive letters and hidden (dot) names. A refused target is a
//! 404, the same answer as a path that is simply not in the site.

/// Bytes whose percent-encoded form is refused: they change how a path
/// splits or what it points at, and no browser encodes them in a real link.
const STRUCTURAL: &[u8] = b"./\\%";

/// The site-relative path a request target names: `""` for `/`, `"x/"` for
/// `/x/`, `"x/y.css"` for `/x/y.css`. The query string is dropped. `None`
/// when the target is refused.
pub fn resolve(target: &str) -> Option<String> {
    let path = target.split_once('?').map_or(target, |(p, _)| p);
    // Origin form only: `/...`, never `//host`, `http://...` or `*`.
    if !path.starts_with('/') || path.starts_with("//") {
        return None;
    }
    let decoded = percent_decode(&path.as_bytes()[1..])?;
    let text = String::from_utf8(decoded).ok()?;
    if text
        .chars()
        .any(|c| c.is_control() || matches!(c, '\\' | '%' | '#' | ':'))
    {
        return None;
    }
    if text.is_empty() {
        return Some(text);
    }
    let body = text.strip_suffix('/').unwrap_or(&text);
    for segment in body.split('/') {
        // Empty (`//`), `.`, `..`, and hidden names such as `.git`.
        if segment.is_empty() || segment.starts_with('.') {
            return None;
        }
        // Names Windows would trim to something else (`a.` or `a `).
        if segment.ends_with(['.', ' ']) {
            return None;
        }
    }
    Some(text)
}

/// Decodes `%XX` escapes once. A malformed escape or an encoded structural
/// byte (or any control byte) refuses the whole path.
fn percent_decode(raw: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        let b = raw[i];
        if !(0x21..0x7f).contains(&b) {
            // Raw spaces, control bytes and non-ASCII are not valid in a
            // request target.
            return None;
        }
        if b == b'%' {
            let hi = hex(*raw.get(i + 1)?)?;
            let lo = hex(*raw.get(i + 2)?)?;
            let byte = hi << 4 | lo;
            if byte < 0x20 || byte == 0x7f || STRUCTURAL.contains(&byte) {
                return None;
            }
            out.push(byte);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    Some(out)
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Percent-encodes a site path for a `Location` header: everything but
/// unreserved characters and `/`.
pub fn encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_resolve() {
        assert_eq!(resolve("/").as_deref(), Some(""));
        assert_eq!(resolve("/?q=1").as_deref(), Some(""));
        assert_eq!(resolve("/x/").as_deref(), Some("x/"));
        assert_eq!(resolve("/x").as_deref(), Some("x"));
        assert_eq!(
            resolve("/assets/app.3f2a.css").as_deref(),
            Some("assets/app.3f2a.css")
        );
        assert_eq!(resolve("/a%20b.html").as_deref(), Some("a b.html"));
        assert_eq!(resolve("/%C3%A9t%C3%A9/").as_deref(), Some("été/"));
        assert_eq!(
            resolve("/__gen/reload.js?build=1-2").as_deref(),
            Some("__gen/reload.js")
        );
    }

    #[test]
    fn tricks_are_refused() {
        for t in [
            "",
            "*",
            "index.html",
            "http://localhost/index.html",
            "//etc/passwd",
            "/..",
            "/../",
            "/../etc/passwd",
            "/x/../index.html",
            "/x/./index.html",
            "/./index.html",
            "/x//index.html",
            "/%2e%2e/etc/passwd",
            "/%2E%2E/etc/passwd",
            "/.%2e/etc/passwd",
            "/%2e./etc/passwd",
            "/x%2findex.html",
            "/x%2Findex.html",
            "/..%5cetc%5cpasswd",
            "/x\\index.html",
            "/%252e%252e/etc/passwd",
            "/%25",
            "/index.html%00",
            "/index.html%00.css",
            "/%0aindex.html",
            "/%7f",
            "/%c0%ae%c0%ae/etc/passwd",
            "/%e0%80%ae/",
            "/%ff",
            "/%",
            "/%2",
            "/%zz",
            "/%u002e%u002e/",
            "/C:/Windows/win.ini",
            "/C%3a/Windows",
            "/.git/config",
            "/.env",
            "/x/.hidden",
            "/index.html.",
            "/index.html%20",
            "/index.html#x",
            "/a b",
            "/\u{e9}",
        ] {
            assert_eq!(resolve(t), None, "{t:?} must be refused");
        }
    }

    #[test]
    fn encode_round_trips_through_resolve() {
        for p in ["x/", "a b/c.html", "été/index.html"] {
            assert_eq!(resolve(&format!("/{}", encode(p))).as_deref(), Some(p));
        }
    }
}
