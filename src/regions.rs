//! Marked regions in hand-written files.
//!
//! gen owns only the lines between `<!-- gen:begin NAME -->` and
//! `<!-- gen:end NAME -->` (or `# gen:begin NAME` / `# gen:end NAME` in YAML
//! and Makefiles). Every other byte, the markers included, is the
//! maintainer's and is kept exactly. A marker that is missing, duplicated,
//! nested, unknown or out of order is an error and nothing is merged.

use crate::diagnostics::Diagnostic;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// `<!-- gen:begin NAME -->`, for Markdown.
    Html,
    /// `# gen:begin NAME`, for YAML and Makefiles.
    Hash,
}

impl Style {
    pub fn begin(self, name: &str) -> String {
        match self {
            Style::Html => format!("<!-- gen:begin {name} -->"),
            Style::Hash => format!("# gen:begin {name}"),
        }
    }

    pub fn end(self, name: &str) -> String {
        match self {
            Style::Html => format!("<!-- gen:end {name} -->"),
            Style::Hash => format!("# gen:end {name}"),
        }
    }

    /// `(is_begin, name)` when `line` is exactly a marker of this style:
    /// `gen:begin` or `gen:end`, white space, one name, nothing else.
    pub fn parse(self, line: &str) -> Option<(bool, &str)> {
        let t = line.trim();
        let inner = match self {
            Style::Html => t.strip_prefix("<!--")?.strip_suffix("-->")?.trim(),
            Style::Hash => t.strip_prefix('#')?.trim(),
        };
        let (kind, name) = inner.split_once(char::is_whitespace)?;
        let name = name.trim();
        let is_name = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        match kind {
            "gen:begin" if is_name => Some((true, name)),
            "gen:end" if is_name => Some((false, name)),
            _ => None,
        }
    }
}

/// A well-formed region: its name and the 0-based lines of its markers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub name: String,
    pub begin: usize,
    pub end: usize,
}

impl Span {
    /// Whether line `i` lies between the markers (the markers excluded).
    pub fn holds(&self, i: usize) -> bool {
        self.begin < i && i < self.end
    }
}

/// The well-formed regions of `text` in marker `style`, in order. A
/// malformed file gives what it can; [`merge`] reports its problem.
pub fn spans(text: &str, style: Style) -> Vec<Span> {
    let mut out = Vec::new();
    let mut open: Option<(&str, usize)> = None;
    for (i, line) in text.lines().enumerate() {
        match (style.parse(line), open) {
            (Some((true, name)), None) => open = Some((name, i)),
            (Some((false, name)), Some((n, begin))) if n == name => {
                out.push(Span {
                    name: name.to_string(),
                    begin,
                    end: i,
                });
                open = None;
            }
            _ => {}
        }
    }
    out
}

/// `text` without what its regions hold: with `only`, just that region's
/// content; with `markers` false, the marker lines go too. Line endings
/// are kept.
pub fn outside(text: &str, style: Style, only: Option<&str>, markers: bool) -> String {
    let spans: Vec<Span> = spans(text, style)
        .into_iter()
        .filter(|s| only.is_none_or(|n| s.name == n))
        .collect();
    text.split_inclusive('\n')
        .enumerate()
        .filter(|(i, _)| {
            spans
                .iter()
                .all(|s| !s.holds(*i) && (markers || (*i != s.begin && *i != s.end)))
        })
        .map(|(_, l)| l)
        .collect()
}

/// The lines of `text`'s regions, markers included, each trimmed and
/// ending in `\n`; None when it has none.
pub fn inside(text: &str, style: Style) -> Option<String> {
    let spans = spans(text, style);
    let out: String = text
        .lines()
        .enumerate()
        .filter(|(i, _)| spans.iter().any(|s| s.begin <= *i && *i <= s.end))
        .map(|(_, l)| format!("{}\n", l.trim()))
        .collect();
    (!out.is_empty()).then_some(out)
}

/// Replaces the content of each named region of `existing` with the given
/// text. Every region in `regions` must appear exactly once.
pub fn merge(
    rel: &str,
    existing: &str,
    style: Style,
    regions: &[(&str, String)],
) -> Result<String, Diagnostic> {
    merge_all(rel, existing, style, regions).map_err(|mut e| e.remove(0))
}

/// [`merge`], reporting every missing region at once (a malformed marker
/// is reported alone: the markers after it cannot be trusted).
pub fn merge_all(
    rel: &str,
    existing: &str,
    style: Style,
    regions: &[(&str, String)],
) -> Result<String, Vec<Diagnostic>> {
    let one = |d: Diagnostic| vec![d];
    let names: Vec<&str> = regions.iter().map(|(n, _)| *n).collect();
    // A marker line in the new content would end or open a region early:
    // the file written would no longer parse, or would parse differently.
    for (name, content) in regions {
        if let Some(line) = content.lines().find(|l| style.parse(l).is_some()) {
            return Err(one(Diagnostic::error(
                rel,
                format!(
                    "the generated text for region {name:?} has a line that reads as a gen marker: {:?}",
                    line.trim()
                ),
            )
            .help("spec text put this line on its own; reword it (for example wrap it in backticks) so the file's markers stay unambiguous")));
        }
    }
    // (name, byte offset after the begin line, byte offset of the end line, eol)
    let mut spans: Vec<(&str, usize, usize, &str)> = Vec::new();
    let mut open: Option<(&str, usize, usize, &str)> = None; // name, line, content start, eol
    let mut offset = 0;
    let err = |line: usize, msg: String, help: &str| {
        one(Diagnostic::error(rel, msg)
            .at(line, 1)
            .help(help.to_string())
            .with_source(existing))
    };
    for (i, raw) in existing.split_inclusive('\n').enumerate() {
        let line_no = i + 1;
        let start = offset;
        offset += raw.len();
        let Some((is_begin, name)) = style.parse(raw) else {
            continue;
        };
        if !names.contains(&name) {
            return Err(err(
                line_no,
                format!("unknown gen region {name:?}"),
                &format!(
                    "gen manages the regions {}; fix or remove this marker",
                    names.join(", ")
                ),
            ));
        }
        let eol = if raw.ends_with("\r\n") { "\r\n" } else { "\n" };
        if is_begin {
            if let Some((other, other_line, ..)) = open {
                return Err(err(line_no, format!("region {name:?} begins inside region {other:?} (opened on line {other_line})"),
                    &format!("close {other:?} with `{}` before this line", style.end(other))));
            }
            if spans.iter().any(|s| s.0 == name) {
                return Err(err(
                    line_no,
                    format!("region {name:?} appears twice"),
                    "keep one begin/end pair per region and delete the other",
                ));
            }
            if !raw.ends_with('\n') {
                return Err(err(
                    line_no,
                    format!("region {name:?} begins on the last line"),
                    &format!("add `{}` on a line after it", style.end(name)),
                ));
            }
            open = Some((name, line_no, offset, eol));
        } else {
            match open.take() {
                Some((o, _, content_start, eol)) if o == name => {
                    spans.push((name, content_start, start, eol))
                }
                Some((o, o_line, ..)) => {
                    return Err(err(
                        line_no,
                        format!("`gen:end {name}` closes region {o:?} opened on line {o_line}"),
                        &format!(
                            "markers are out of order: end {o:?} with `{}` first",
                            style.end(o)
                        ),
                    ))
                }
                None => {
                    return Err(err(
                        line_no,
                        format!("`gen:end {name}` has no matching begin"),
                        &format!("add `{}` before it, or remove it", style.begin(name)),
                    ))
                }
            }
        }
    }
    if let Some((name, line, ..)) = open {
        return Err(err(
            line,
            format!("region {name:?} is never closed"),
            &format!("add `{}` after its content", style.end(name)),
        ));
    }
    let missing: Vec<Diagnostic> = names
        .iter()
        .filter(|n| !spans.iter().any(|s| s.0 == **n))
        .map(|n| {
            Diagnostic::error(rel, format!("region {n:?} is missing")).help(format!(
                "add these two lines where gen should write it (`gen adopt` does it for you):\n    {}\n    {}",
                style.begin(n),
                style.end(n)
            ))
        })
        .collect();
    if !missing.is_empty() {
        return Err(missing);
    }
    spans.sort_by_key(|s| s.1);
    let mut out = String::with_capacity(existing.len() + 1024);
    let mut pos = 0;
    for (name, from, to, eol) in spans {
        out.push_str(&existing[pos..from]);
        let content = &regions.iter().find(|(n, _)| *n == name).expect("named").1;
        for line in content.lines() {
            out.push_str(line);
            out.push_str(eol);
        }
        pos = to;
    }
    out.push_str(&existing[pos..]);
    Ok(out)
}

/// [`merge`] for regions whose content is top-level text (the values of
/// values.yaml, the root Makefile's targets): their markers must start in
/// column 1. An indented marker sits inside a YAML block (a block scalar,
/// a nested mapping) or a recipe, where unindented content would change
/// the file's structure; it is an error located at the marker.
pub fn merge_top_level(
    rel: &str,
    existing: &str,
    style: Style,
    regions: &[(&str, String)],
) -> Result<String, Diagnostic> {
    for (i, line) in existing.lines().enumerate() {
        let indent = line.len() - line.trim_start().len();
        if indent == 0 {
            continue;
        }
        let Some((_, name)) = style.parse(line) else {
            continue;
        };
        if regions.iter().any(|(n, _)| *n == name) {
            return Err(Diagnostic::error(
                rel,
                format!("the marker of region {name:?} is indented"),
            )
            .at(i + 1, line[..indent].chars().count() + 1)
            .help(format!(
                "gen writes top-level lines into this region; an indented marker sits inside a block (a YAML block scalar or mapping), whose structure they would change. Move both `{}` and `{}` to column 1, outside any block",
                style.begin(name),
                style.end(name)
            ))
            .with_source(existing));
        }
    }
    merge(rel, existing, style, regions)
}

/// A region with its markers, as written into a freshly scaffolded file.
pub fn wrap_region(style: Style, name: &str, content: &str) -> String {
    let mut s = style.begin(name);
    s.push('\n');
    s.push_str(content);
    if !content.ends_with('\n') {
        s.push('\n');
    }
    s.push_str(&style.end(name));
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_outside_and_inside_read_markers_one_way() {
        let text = "a\n# gen:begin values\nb\n# gen:end values\nc\n# gen:begin x\nd\n# gen:end x\n";
        let names: Vec<_> = spans(text, Style::Hash)
            .into_iter()
            .map(|s| (s.name, s.begin, s.end))
            .collect();
        assert_eq!(names, [("values".into(), 1, 3), ("x".to_string(), 5, 7)]);
        assert_eq!(outside(text, Style::Hash, None, false), "a\nc\n");
        assert_eq!(
            outside(text, Style::Hash, Some("values"), true),
            "a\n# gen:begin values\n# gen:end values\nc\n# gen:begin x\nd\n# gen:end x\n"
        );
        assert_eq!(
            inside(
                "x\n  <!-- gen:begin ops -->  \ny\n<!-- gen:end ops -->\nz\n",
                Style::Html
            )
            .unwrap(),
            "<!-- gen:begin ops -->\ny\n<!-- gen:end ops -->\n"
        );
        // An unclosed, mismatched or malformed marker makes no region.
        assert!(spans("# gen:begin a\n# gen:end b\n", Style::Hash).is_empty());
        assert!(spans("# gen:begin A\n# gen:end A\n", Style::Hash).is_empty());
        assert_eq!(inside("plain\n", Style::Html), None);
    }

    fn regions() -> Vec<(&'static str, String)> {
        vec![("a", "new A\n".into()), ("b", "new B\n".into())]
    }

    #[test]
    fn replaces_only_inside() {
        let src = "keep 1\n<!-- gen:begin a -->\nold\n<!-- gen:end a -->\nkeep 2\n<!-- gen:begin b -->\n<!-- gen:end b -->\nkeep 3";
        let out = merge("R.md", src, Style::Html, &regions()).unwrap();
        assert_eq!(out, "keep 1\n<!-- gen:begin a -->\nnew A\n<!-- gen:end a -->\nkeep 2\n<!-- gen:begin b -->\nnew B\n<!-- gen:end b -->\nkeep 3");
    }

    #[test]
    fn keeps_crlf() {
        let src =
            "x\r\n# gen:begin a\r\n# gen:end a\r\n# gen:begin b\r\nold\r\n# gen:end b\r\ny\r\n";
        let out = merge("v.yaml", src, Style::Hash, &regions()).unwrap();
        assert_eq!(out, "x\r\n# gen:begin a\r\nnew A\r\n# gen:end a\r\n# gen:begin b\r\nnew B\r\n# gen:end b\r\ny\r\n");
    }

    #[test]
    fn every_missing_region_is_reported_at_once() {
        let e = merge_all("R.md", "text\n", Style::Html, &regions()).unwrap_err();
        let msgs: Vec<&str> = e.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs, ["region \"a\" is missing", "region \"b\" is missing"]);
        assert!(e[0].help.as_deref().unwrap().contains("gen adopt"));
    }

    #[test]
    fn an_indented_top_level_region_is_an_error_at_its_marker() {
        let src = "notes: |\n  text\n  # gen:begin a\n  # gen:end a\n# gen:begin b\n# gen:end b\n";
        let e = merge_top_level("v.yaml", src, Style::Hash, &regions()).unwrap_err();
        assert_eq!((e.line, e.column), (3, 3), "{e}");
        assert!(e.message.contains("region \"a\" is indented"), "{e}");
        let flat = "# gen:begin a\n# gen:end a\n# gen:begin b\n# gen:end b\n";
        assert_eq!(
            merge_top_level("v.yaml", flat, Style::Hash, &regions()).unwrap(),
            merge("v.yaml", flat, Style::Hash, &regions()).unwrap()
        );
    }

    #[test]
    fn marker_errors() {
        let cases = [
            ("<!-- gen:begin a -->\n<!-- gen:end a -->\n", "missing"),
            ("<!-- gen:begin a -->\n<!-- gen:end a -->\n<!-- gen:begin a -->\n<!-- gen:end a -->\n<!-- gen:begin b -->\n<!-- gen:end b -->\n", "twice"),
            ("<!-- gen:begin a -->\n<!-- gen:begin b -->\n<!-- gen:end b -->\n<!-- gen:end a -->\n", "inside"),
            ("<!-- gen:end a -->\n<!-- gen:begin a -->\n", "no matching begin"),
            ("<!-- gen:begin a -->\n<!-- gen:begin b -->\n<!-- gen:end a -->\n", "inside"),
            ("<!-- gen:begin a -->\n<!-- gen:end b -->\n", "closes region"),
            ("<!-- gen:begin a -->\nx\n", "never closed"),
            ("<!-- gen:begin zz -->\n", "unknown"),
        ];
        for (src, want) in cases {
            let e = merge("R.md", src, Style::Html, &regions()).unwrap_err();
            assert!(e.message.contains(want), "{src:?}: {e}");
        }
    }
}
