//! The fuzz entry points of gen, with the properties each one asserts.
//!
//! The cargo-fuzz targets in `fuzz_targets/` call these, and so does the
//! root package's `tests/integration/fuzz_regressions.rs` (it includes this file with
//! `#[path]`), so every finding replays in plain `cargo test` through exactly
//! the code the fuzzer ran. Depends only on `chartgen`, std and
//! pulldown-cmark (a dependency of `chartgen` too).

use chartgen::diagnostics::Diagnostic;
use chartgen::regions::{merge, Style};
use chartgen::spec;
use chartgen::{model, text};

/// The region names the `regions` target merges, as in a chart README.
pub const REGION_NAMES: [&str; 3] = ["backup", "security", "operations"];

/// Arbitrary bytes as a spec file: parse, and on success validate alone and
/// as a graph. A spec without errors also goes through the view model, where
/// commands are quoted and escaped for make, the shell and YAML, as
/// `gen build` would do next. Every diagnostic is rendered. Never panics.
pub fn spec(data: &[u8]) {
    let lines = data.iter().filter(|&&b| b == b'\n').count() + 1;
    let mut file = match spec::parse("specs/fuzz.yaml", data) {
        Ok(f) => f,
        Err(d) => {
            render(&d, lines);
            return;
        }
    };
    // As if the file were named after the chart it declares, so a mutated
    // shipped spec can pass validation and reach the view model.
    file.rel = format!("specs/{}.yaml", file.spec.name);
    let mut diags = chartgen::checks::spec(&file);
    let files = [file];
    diags.extend(chartgen::checks::graph(&files));
    for d in &diags {
        render(d, lines);
    }
    if !diags.iter().any(Diagnostic::is_error) {
        let _ = model::chart_model(&files[0]);
    }
}

/// Shows a diagnostic as gen prints it; its location must lie in the file.
fn render(d: &Diagnostic, lines: usize) {
    let shown = d.to_string();
    assert!(shown.contains(&d.file), "{shown}");
    assert!(
        d.line <= lines,
        "line {} of a {lines}-line file: {shown}",
        d.line
    );
}

/// One marker line as the README defines it: after trimming, `<!--` ... `-->`
/// (Html) or `#` ... (Hash) around exactly `gen:begin NAME` or
/// `gen:end NAME`, NAME of `[a-z0-9_-]`. Written independently of
/// `regions.rs` so the two can be compared.
fn oracle_marker(style: Style, line: &str) -> Option<(bool, String)> {
    let t = line.trim();
    let inner = match style {
        Style::Html => {
            if t.len() < 7 || !t.starts_with("<!--") || !t.ends_with("-->") {
                return None;
            }
            &t[4..t.len() - 3]
        }
        Style::Hash => t.strip_prefix('#')?,
    };
    let words: Vec<&str> = inner.split_whitespace().collect();
    let [kind, name] = words.as_slice() else {
        return None;
    };
    if !name
        .chars()
        .all(|c| matches!(c, 'a'..='z' | '0'..='9' | '-' | '_'))
    {
        return None;
    }
    match *kind {
        "gen:begin" => Some((true, name.to_string())),
        "gen:end" => Some((false, name.to_string())),
        _ => None,
    }
}

/// A region found by the oracle: name, content byte range, begin line's eol.
#[derive(Debug)]
struct Span {
    name: String,
    from: usize,
    to: usize,
    crlf: bool,
}

/// The regions of `text` if its markers are well formed for `names`: each
/// name begins once and ends once right after, nothing nested or unknown, no
/// begin on an unterminated last line. `None` when merge must refuse.
fn oracle_spans(style: Style, text: &str, names: &[&str]) -> Option<Vec<Span>> {
    let mut spans = Vec::new();
    let mut open: Option<Span> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let Some((begin, name)) = oracle_marker(style, line) else {
            continue;
        };
        if !names.contains(&name.as_str()) {
            return None;
        }
        match (begin, open.take()) {
            (true, None) => {
                if !line.ends_with('\n') || spans.iter().any(|s: &Span| s.name == name) {
                    return None;
                }
                open = Some(Span {
                    name,
                    from: offset,
                    to: 0,
                    crlf: line.ends_with("\r\n"),
                });
            }
            (false, Some(mut s)) if s.name == name => {
                s.to = start;
                spans.push(s);
            }
            _ => return None,
        }
    }
    if open.is_some() || spans.len() != names.len() {
        return None;
    }
    Some(spans)
}

/// What lies outside the regions (markers included), piece by piece.
fn outside<'a>(text: &'a str, spans: &[Span]) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut pos = 0;
    for s in spans {
        out.push(&text[pos..s.from]);
        pos = s.to;
    }
    out.push(&text[pos..]);
    out
}

/// Splits fuzz input into an existing file and the three regions' contents,
/// separated by NUL bytes (missing parts are empty). Lossy UTF-8, since
/// gen reads hand-written files as text.
pub fn split_regions_input(data: &[u8]) -> (String, Vec<(&'static str, String)>) {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.splitn(REGION_NAMES.len() + 1, '\0');
    let existing = parts.next().unwrap_or_default().to_string();
    let regions = REGION_NAMES
        .iter()
        .map(|n| (*n, parts.next().unwrap_or_default().to_string()))
        .collect();
    (existing, regions)
}

/// Merges for both marker styles and checks: merge succeeds exactly when the
/// markers are well formed and no content line reads as a marker; on success every byte outside the regions
/// (markers included) is unchanged, each region holds its content line by
/// line with the begin marker's line ending, and merging again with the
/// same content gives the same bytes.
pub fn regions(data: &[u8]) {
    let (existing, regions) = split_regions_input(data);
    for style in [Style::Html, Style::Hash] {
        check_merge(style, &existing, &regions);
    }
}

pub fn check_merge(style: Style, existing: &str, regions: &[(&str, String)]) {
    let names: Vec<&str> = regions.iter().map(|(n, _)| *n).collect();
    // A marker line inside new content would break the file written.
    let marker_in_content = regions
        .iter()
        .any(|(_, c)| c.lines().any(|l| oracle_marker(style, l).is_some()));
    let expected = oracle_spans(style, existing, &names).filter(|_| !marker_in_content);
    let merged = merge("charts/fuzz/README.md", existing, style, regions);
    let (out, spans) = match (merged, expected) {
        (Err(_), None) => return,
        (Ok(out), Some(spans)) => (out, spans),
        (Ok(_), None) => panic!("{style:?}: merge accepted malformed markers in {existing:?}"),
        (Err(e), Some(_)) => panic!("{style:?}: merge refused well-formed markers: {e}"),
    };
    let Some(out_spans) = oracle_spans(style, &out, &names) else {
        panic!("{style:?}: merge wrote a file whose markers are broken:\n{out:?}");
    };
    assert_eq!(
        outside(existing, &spans),
        outside(&out, &out_spans),
        "{style:?}: bytes outside the regions changed"
    );
    for s in &out_spans {
        let content = &regions.iter().find(|(n, _)| *n == s.name).expect("named").1;
        let eol = if s.crlf { "\r\n" } else { "\n" };
        let want: String = content.lines().map(|l| format!("{l}{eol}")).collect();
        assert_eq!(&out[s.from..s.to], want, "{style:?}: region {}", s.name);
    }
    let again = merge("charts/fuzz/README.md", &out, style, regions)
        .unwrap_or_else(|e| panic!("{style:?}: merging its own output failed: {e}"));
    assert_eq!(again, out, "{style:?}: a second merge changed the file");
}

/// Splits fuzz input for the text target: two bytes of width and indent,
/// then NUL-separated prose, first-line prefix and fence language.
pub fn split_text_input(data: &[u8]) -> (usize, usize, String, String, String) {
    let (width, indent, rest) = match data {
        [w, i, rest @ ..] => (usize::from(*w), usize::from(*i % 16), rest),
        _ => (80, 0, data),
    };
    let s = String::from_utf8_lossy(rest);
    let mut parts = s.splitn(3, '\0');
    let prose = parts.next().unwrap_or_default().to_string();
    let first = parts.next().unwrap_or_default().to_string();
    let lang = parts.next().unwrap_or_default().to_string();
    (width, indent, prose, first, lang)
}

/// `wrap`, `md_inline`, `cell` and `fence` never panic; `wrap` keeps every
/// word (of the escaped prose, in order); `cell` is one line; CommonMark
/// (pulldown-cmark, as the site uses) finds no raw HTML in what `md_inline`,
/// `cell` and `wrap` return; a fence is longer than any backtick run inside
/// it and keeps every line's text.
pub fn text(data: &[u8]) {
    let (width, indent, prose, first, lang) = split_text_input(data);

    let _ = text::wrap(&prose, width, &first, indent);
    let wrapped = text::wrap(&prose, width, "", indent);
    let want: Vec<String> = prose
        .trim()
        .split("\n\n")
        .flat_map(|p| {
            text::md_inline(p)
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect();
    let got: Vec<&str> = wrapped.split_whitespace().collect();
    assert_eq!(got, want, "wrap lost or changed words of {prose:?}");

    let cell = text::cell(&prose);
    assert!(!cell.contains('\n'), "{cell:?}");

    // Spec text must show literally: CommonMark finds no raw HTML in it.
    for (what, md) in [
        ("md_inline", text::md_inline(&text::one_line(&prose))),
        ("cell", cell),
        ("wrap", wrapped),
    ] {
        let html = pulldown_cmark::Parser::new(&md).find_map(|e| match e {
            pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) => Some(h),
            _ => None,
        });
        if let Some(h) = html {
            panic!("{what} let raw HTML {h:?} through, from {prose:?}:\n{md}");
        }
    }

    let fenced = text::fence(&prose, &lang, indent);
    let longest = prose.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let pad = " ".repeat(indent);
    let opening = fenced.lines().next().unwrap_or_default();
    let ticks = opening[pad.len().min(opening.len())..]
        .chars()
        .take_while(|&c| c == '`')
        .count();
    assert!(ticks > longest.max(2), "fence too short: {fenced:?}");
    for line in prose.trim_end_matches('\n').lines() {
        assert!(fenced.contains(line.trim_end()), "fence lost {line:?}");
    }
}

/// Arbitrary bytes as a code block: the first byte picks one of gen's
/// lexers (or a syntect grammar), the rest, as text, is highlighted. The
/// HTML must hold every byte of the code, escaped, in balanced spans of one
/// level. Never panics, never loops.
pub fn highlight(data: &[u8]) {
    use chartgen::site::highlight::{self, out::text_of, Lang, Lexer};
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let code = String::from_utf8_lossy(rest);
    let lang = match pick % 8 {
        0 => Lang::Lexer(Lexer::Shell),
        1 => Lang::Lexer(Lexer::Yaml),
        2 => Lang::Lexer(Lexer::Sql),
        3 => Lang::Lexer(Lexer::Make),
        4 => Lang::Lexer(Lexer::Json),
        5 => Lang::Lexer(Lexer::Ini),
        6 => Lang::Syntax("Python"),
        _ => Lang::Plain,
    };
    let html = highlight::highlight(&code, lang);
    assert_eq!(text_of(&html), code, "{lang:?} lost bytes: {html}");
    let (mut depth, mut rest) = (0i32, html.as_str());
    while let Some(i) = rest.find('<') {
        rest = &rest[i..];
        if rest.starts_with("</span>") {
            depth -= 1;
        } else {
            assert!(rest.starts_with("<span class=\""), "only spans: {html}");
            depth += 1;
        }
        assert!(
            (0..=1).contains(&depth),
            "spans nest or close twice: {html}"
        );
        rest = &rest[1..];
    }
    assert_eq!(depth, 0, "a span left open: {html}");
}
