//! Links on a page: where each Markdown link goes (a page of the site, an
//! anchor checked later, the repository, the web), and the located
//! diagnostics for the links that go nowhere.

use super::{AnchorLink, Doc, Source};
use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::site::html::relative;

/// Byte offsets of line starts, to turn an offset into a line and column.
pub(super) struct Lines<'a> {
    text: &'a str,
    starts: Vec<usize>,
}

impl<'a> Lines<'a> {
    pub(super) fn new(text: &'a str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        Lines { text, starts }
    }

    /// 0-based line and 1-based column (in characters) of a byte offset.
    pub(super) fn locate(&self, offset: usize) -> (usize, usize) {
        let line = self.starts.partition_point(|s| *s <= offset) - 1;
        let start = self.starts[line];
        let col = self.text[start..offset.min(self.text.len())]
            .chars()
            .count()
            + 1;
        (line, col)
    }

    /// The text of a 0-based line, as `str::lines` would give it, trimmed
    /// at the end. From the table of line starts: scanning the text for
    /// each link made long pages (a disaster-recovery guide listing 10,000
    /// charts) quadratic.
    pub(super) fn line(&self, line: usize) -> Option<String> {
        let start = *self.starts.get(line)?;
        if start >= self.text.len() {
            return None;
        }
        let end = self
            .starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len());
        Some(self.text[start..end].trim_end().to_string())
    }
}

/// Percent-decodes a URL path (invalid sequences stay as they are).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("ASCII hex digits");
            out.push(u8::from_str_radix(hex, 16).expect("two hex digits"));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Joins a relative path to the folder of `base` and normalizes it; `None`
/// when it climbs above the repository root.
fn join(base: &str, path: &str) -> Option<String> {
    let mut parts: Vec<&str> = if path.starts_with('/') {
        Vec::new()
    } else {
        let mut p: Vec<&str> = base.split('/').collect();
        p.pop();
        p
    };
    for seg in path.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    Some(parts.join("/"))
}

/// The scheme of an absolute URL (`https`, `mailto`), if it has one.
fn scheme(dest: &str) -> Option<String> {
    let end = dest.find([':', '/', '?', '#'])?;
    (dest.as_bytes()[end] == b':'
        && end > 0
        && dest[..end]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
    .then(|| dest[..end].to_ascii_lowercase())
}

pub(super) enum Resolved {
    Href(String),
    External(String),
}

impl Doc<'_> {
    pub(super) fn error(
        &mut self,
        src: &Source,
        lines: &Lines,
        offset: usize,
        msg: String,
        help: String,
    ) {
        let (line, col) = lines.locate(offset);
        let mut d = Diagnostic::error(src.file, msg).help(help);
        if src.first_line > 0 {
            d = d.at(src.first_line + line, col);
            d.snippet = lines.line(line);
        }
        self.body.errors.push(d);
    }

    /// A problem that is a warning in a hand-written file and an error in
    /// what gen wrote.
    fn link_problem(
        &mut self,
        src: &Source,
        lines: &Lines,
        offset: usize,
        msg: String,
        help: String,
    ) {
        self.error(src, lines, offset, msg, help);
        if self.registry.hand_written.contains(src.file) {
            let mut d = self.body.errors.pop().expect("just pushed");
            d.severity = crate::diagnostics::Severity::Warning;
            self.body.warnings.push(d);
        }
    }

    pub(super) fn resolve(
        &mut self,
        src: &Source,
        lines: &Lines,
        offset: usize,
        dest: &str,
    ) -> Option<Resolved> {
        let (line, col) = lines.locate(offset);
        let (file_line, snippet) = if src.first_line > 0 {
            (src.first_line + line, lines.line(line))
        } else {
            (0, None)
        };
        if dest.is_empty() {
            self.error(
                src,
                lines,
                offset,
                "link has no target".into(),
                "write the page or URL between the parentheses".into(),
            );
            return None;
        }
        if dest.starts_with("//") {
            return Some(Resolved::External(dest.to_string()));
        }
        if let Some(scheme) = scheme(dest) {
            return if matches!(scheme.as_str(), "http" | "https" | "mailto") {
                Some(Resolved::External(dest.to_string()))
            } else {
                self.error(
                    src,
                    lines,
                    offset,
                    format!("link {dest:?} uses the {scheme}: scheme"),
                    "links may be relative paths, http(s): or mailto: URLs".into(),
                );
                None
            };
        }
        let (path, anchor) = match dest.split_once('#') {
            Some((p, a)) => (p, Some(percent_decode(a))),
            None => (dest, None),
        };
        let path = path.split('?').next().unwrap_or("");
        let (page, target) = if path.is_empty() {
            (self.body.page.clone(), src.base.to_string())
        } else {
            let Some(joined) = join(src.base, &percent_decode(path)) else {
                self.link_problem(
                    src,
                    lines,
                    offset,
                    format!("link {dest:?} points above the repository root"),
                    "remove a `../`; the link is shown as plain text".into(),
                );
                return None;
            };
            let found = self.registry.pages.get(&joined).cloned().or_else(|| {
                self.registry
                    .pages
                    .get(format!("{joined}/README.md").trim_start_matches('/'))
                    .cloned()
            });
            match found {
                Some(page) => (page, joined),
                None => {
                    if let Some(base) = &self.registry.repo_url {
                        let mut url = format!("{base}/{joined}");
                        if let Some(a) = anchor.filter(|a| !a.is_empty()) {
                            url.push('#');
                            url.push_str(&a);
                        }
                        return Some(Resolved::External(url));
                    }
                    let known: Vec<&str> = self.registry.pages.keys().map(String::as_str).collect();
                    let guess =
                        did_you_mean(&joined, known).map(|m| format!("did you mean `{m}`? "));
                    let help = if self.registry.hand_written.contains(src.file) {
                        format!("{}the link is shown as plain text; set `[site] repo_url` in gen.toml to link repository files", guess.unwrap_or_default())
                    } else {
                        guess.unwrap_or_else(|| "link to a Markdown page the site publishes (docs/*.md, a chart's README or guides), or use a full https:// URL".into())
                    };
                    self.link_problem(
                        src,
                        lines,
                        offset,
                        format!("broken link {dest:?}: {joined} is not a page of the site"),
                        help,
                    );
                    return None;
                }
            }
        };
        let mut href = if page == self.body.page {
            String::new()
        } else {
            relative(&self.body.page, &page)
        };
        if let Some(anchor) = anchor {
            if !anchor.is_empty() {
                self.body.anchor_links.push(AnchorLink {
                    page,
                    anchor: anchor.clone(),
                    file: src.file.to_string(),
                    line: file_line,
                    column: if file_line > 0 { col } else { 0 },
                    snippet,
                    target,
                    hand_written: self.registry.hand_written.contains(src.file),
                });
                href.push('#');
                href.push_str(&anchor);
            }
        }
        if href.is_empty() {
            href.push('#');
        }
        Some(Resolved::Href(href))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_join_and_decode() {
        assert_eq!(
            join("docs/a.md", "../charts/x/README.md").unwrap(),
            "charts/x/README.md"
        );
        assert_eq!(join("docs/a.md", "/docs/b.md").unwrap(), "docs/b.md");
        assert!(join("docs/a.md", "../../x.md").is_none());
        assert_eq!(percent_decode("a%20b"), "a b");
        assert_eq!(scheme("https://x"), Some("https".into()));
        assert_eq!(scheme("docs/a.md#x:y"), None);
        assert_eq!(scheme("JavaScript:alert(1)"), Some("javascript".into()));
    }
}
