//! Small helpers for the site's HTML: escaping, fingerprints and relative
//! URLs between pages.

/// The site's HTML escaping is `text`'s, where every output language's is.
pub use crate::text::html_escape as esc;

/// FNV-1a, 64 bits: a stable content hash for fingerprinted asset names
/// (std's hashers may change between Rust releases; this never does).
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut h = Fnv::default();
    h.write(bytes);
    h.0
}

/// FNV-1a fed piece by piece: the hash of the pieces' concatenation.
pub struct Fnv(pub u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    pub fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

/// `dir/name.ext` becomes `dir/name.<8 hex digits of the content hash>.ext`.
pub fn fingerprint(path: &str, bytes: &[u8]) -> String {
    let hash = format!("{:08x}", fnv64(bytes) >> 32);
    match path.rsplit_once('.') {
        Some((stem, ext)) if !stem.ends_with('/') => format!("{stem}.{hash}.{ext}"),
        _ => format!("{path}.{hash}"),
    }
}

/// The relative URL from the page at `from` to `to` (both paths inside the
/// site, e.g. `charts/redis/backup.html`), so the site works from any
/// folder and from file://.
pub fn relative(from: &str, to: &str) -> String {
    let from_dirs: Vec<&str> = from.split('/').collect();
    let from_dirs = &from_dirs[..from_dirs.len() - 1];
    let to_parts: Vec<&str> = to.split('/').collect();
    let common = from_dirs
        .iter()
        .zip(&to_parts[..to_parts.len() - 1])
        .take_while(|(a, b)| a == b)
        .count();
    let mut out = "../".repeat(from_dirs.len() - common);
    out.push_str(&to_parts[common..].join("/"));
    out
}

/// The prefix that leads from the page at `from` back to the site root.
pub fn root_of(from: &str) -> String {
    "../".repeat(from.matches('/').count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_urls() {
        assert_eq!(relative("index.html", "docs/a.html"), "docs/a.html");
        assert_eq!(
            relative("charts/x/backup.html", "charts/x/index.html"),
            "index.html"
        );
        assert_eq!(
            relative("charts/x/backup.html", "docs/coverage.html"),
            "../../docs/coverage.html"
        );
        assert_eq!(relative("docs/a.html", "index.html"), "../index.html");
        assert_eq!(root_of("charts/x/a.html"), "../../");
        assert_eq!(root_of("index.html"), "");
    }

    #[test]
    fn fingerprints_follow_content() {
        let a = fingerprint("assets/app.css", b"body{}");
        assert!(a.starts_with("assets/app.") && a.ends_with(".css"), "{a}");
        assert_eq!(a.len(), "assets/app.12345678.css".len());
        assert_ne!(a, fingerprint("assets/app.css", b"body{ }"));
        assert_eq!(a, fingerprint("assets/app.css", b"body{}"));
    }
}
