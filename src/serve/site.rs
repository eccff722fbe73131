//! The site as `gen serve` holds it: the `site/` entries of one build, keyed
//! by their path under `site/`, each with its media type, an ETag, and (for
//! HTML) the live-reload script tag already in place.

use crate::output::{self, Outputs};
use rayon::prelude::*;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Where the browser side of serve mode is served from.
pub const RELOAD_JS: &str = "/__gen/reload.js";

/// One file of the site, ready to send.
#[derive(Debug, Clone)]
pub struct Entry {
    pub body: Arc<[u8]>,
    pub content_type: &'static str,
    pub etag: String,
    /// For HTML: the byte offset just before the injected script tag, where
    /// a build-error overlay goes.
    pub overlay_at: Option<usize>,
}

impl Entry {
    pub fn is_html(&self) -> bool {
        self.overlay_at.is_some()
    }
}

#[derive(Debug, Default, Clone)]
pub struct Site {
    pub files: HashMap<String, Entry>,
}

impl Site {
    /// The `site/` entries of `outputs`, HTML pages with the reload script
    /// of build `build` injected.
    pub fn from_outputs(outputs: &Outputs, build: &str) -> Site {
        let prefix = format!("{}/", output::SITE_DIR);
        // Every page gets the reload script and an etag: in parallel, since
        // this runs between the build and the reload event.
        let files = outputs
            .files
            .par_iter()
            .filter_map(|(path, bytes)| {
                let key = path.strip_prefix(&prefix)?;
                Some((key.to_string(), entry(key, bytes, build)))
            })
            .collect();
        Site { files }
    }

    pub fn get(&self, key: &str) -> Option<&Entry> {
        self.files.get(key)
    }
}

fn entry(key: &str, bytes: &[u8], build: &str) -> Entry {
    let content_type = content_type(key);
    let (body, overlay_at) = if content_type.starts_with("text/html") {
        let (body, at) = inject_script(bytes, build);
        (body, Some(at))
    } else {
        (bytes.to_vec(), None)
    };
    Entry {
        etag: etag(&body),
        body: body.into(),
        content_type,
        overlay_at,
    }
}

/// A strong validator for `body`: its length and a 64-bit hash.
pub fn etag(body: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    body.hash(&mut h);
    format!("\"{:x}-{:016x}\"", body.len(), h.finish())
}

/// The script tag serve mode adds to every page. An external script, never
/// an inline one: pages run under `script-src 'self'`.
pub fn script_tag(build: &str) -> String {
    format!("<script src=\"{RELOAD_JS}?build={build}\"></script>\n")
}

/// Inserts the script tag before the last `</body>` (any case), or at the
/// end when there is none. Returns the page and the tag's offset.
pub fn inject_script(page: &[u8], build: &str) -> (Vec<u8>, usize) {
    let at = rfind_ignore_case(page, b"</body>").unwrap_or(page.len());
    let tag = script_tag(build);
    let mut out = Vec::with_capacity(page.len() + tag.len());
    out.extend_from_slice(&page[..at]);
    out.extend_from_slice(tag.as_bytes());
    out.extend_from_slice(&page[at..]);
    (out, at)
}

fn rfind_ignore_case(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.len() > hay.len() {
        return None;
    }
    (0..=hay.len() - needle.len())
        .rev()
        .find(|&i| hay[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// The overlay element for a failed build, its text HTML-escaped.
/// reload.js styles it and keeps it current.
pub fn overlay_html(error: &str) -> String {
    format!(
        "<div id=\"gen-overlay\" role=\"alert\"><p>gen serve: the last build failed. \
         This is the last good site; fix the input and it reloads. \
         (Click or Esc hides this.)</p><pre>{}</pre></div>\n",
        crate::site::html::esc(error)
    )
}

/// `body` with the overlay inserted at `at`.
pub fn with_overlay(body: &[u8], at: usize, error: &str) -> Vec<u8> {
    let overlay = overlay_html(error);
    let mut out = Vec::with_capacity(body.len() + overlay.len());
    out.extend_from_slice(&body[..at]);
    out.extend_from_slice(overlay.as_bytes());
    out.extend_from_slice(&body[at..]);
    out
}

/// The media type for a site path, from its extension.
pub fn content_type(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    let ext = match name.rsplit_once('.') {
        Some((_, ext)) => ext.to_ascii_lowercase(),
        None => return "application/octet-stream",
    };
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "txt" | "md" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "wasm" => "application/wasm",
        "webmanifest" => "application/manifest+json",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_goes_before_the_last_body_close_tag() {
        let (page, at) = inject_script(b"<html><body>x</BODY></html>", "b1");
        let page = String::from_utf8(page).unwrap();
        assert_eq!(
            page,
            "<html><body>x<script src=\"/__gen/reload.js?build=b1\"></script>\n</BODY></html>"
        );
        assert_eq!(at, "<html><body>x".len());
        let (page, at) = inject_script(b"no body", "b1");
        assert!(page.starts_with(b"no body<script src="));
        assert_eq!(at, 7);
    }

    #[test]
    fn overlay_escapes_the_error_text() {
        let (page, at) = inject_script(b"<body></body>", "b");
        let out = with_overlay(&page, at, "bad <script>alert('x')</script> & \"q\"");
        let out = String::from_utf8(out).unwrap();
        assert!(
            out.contains("<pre>bad &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</pre>"),
            "{out}"
        );
        assert!(!out.contains("<script>alert"));
        // Overlay, then the script, then the close tag.
        let o = out.find("gen-overlay").unwrap();
        let s = out.find("<script src").unwrap();
        assert!(o < s && s < out.find("</body>").unwrap());
    }

    #[test]
    fn only_site_entries_are_kept_and_html_gets_the_script() {
        let mut outputs = Outputs::default();
        for (k, v) in [
            ("site/index.html", "<body>home</body>"),
            ("site/a/app.css", "body{}"),
            ("docs/x.md", "# x"),
            ("Makefile", "all:"),
            ("sitemap/x.html", "no"),
        ] {
            outputs.files.insert(k.into(), v.as_bytes().to_vec());
        }
        let site = Site::from_outputs(&outputs, "b7");
        let mut keys: Vec<_> = site.files.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, ["a/app.css", "index.html"]);
        let css = site.get("a/app.css").unwrap();
        assert_eq!(&*css.body, b"body{}");
        assert_eq!(css.content_type, "text/css; charset=utf-8");
        assert!(!css.is_html());
        let index = site.get("index.html").unwrap();
        assert!(index.is_html());
        assert!(String::from_utf8_lossy(&index.body).contains("reload.js?build=b7"));
    }

    #[test]
    fn content_types() {
        assert_eq!(content_type("index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("x/APP.JS"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("search-index.json"), "application/json");
        assert_eq!(content_type("logo.svg"), "image/svg+xml");
        assert_eq!(content_type("f.woff2"), "font/woff2");
        assert_eq!(content_type("LICENSE"), "application/octet-stream");
        assert_eq!(content_type("a.unknown"), "application/octet-stream");
    }
}
