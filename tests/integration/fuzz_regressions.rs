//! What the cargo-fuzz targets in `fuzz/` found, kept as plain tests, and a
//! replay of their seed corpora through the same entry points.
//!
//! The entry points and the properties they assert live in
//! `fuzz/src/lib.rs`, included here by path, so `cargo test` runs exactly
//! the checks the fuzzers run, on stable and without cargo-fuzz. Findings
//! are stored as files under `tests/fuzz-cases/<target>/`; the seeds under
//! `fuzz/seeds/<target>/` and the shipped specs are replayed too, which is
//! CI's fuzz smoke run (building the instrumented targets takes longer than
//! a CI run should; see README "Fuzzing").

#[path = "../../fuzz/src/lib.rs"]
mod fuzz_checks;

use chartgen::regions::{merge, Style};
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// Every file in `dir` (relative to the crate root), sorted.
fn files(dir: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(Path::new(ROOT).join(dir)) else {
        return Vec::new();
    };
    let mut out: Vec<(String, Vec<u8>)> = entries
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .map(|e| {
            let path = e.path();
            let bytes = std::fs::read(&path).expect("readable corpus file");
            (path.display().to_string(), bytes)
        })
        .collect();
    out.sort();
    out
}

/// Runs `target` on each input in the given folders; a panic names the file.
fn replay(target: fn(&[u8]), dirs: &[&str]) -> usize {
    let mut n = 0;
    for dir in dirs {
        for (path, bytes) in files(dir) {
            if let Err(e) = std::panic::catch_unwind(|| target(&bytes)) {
                let msg = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("{path}: {msg}");
            }
            n += 1;
        }
    }
    n
}

#[test]
fn spec_corpus_replays() {
    let n = replay(
        fuzz_checks::spec,
        &["fuzz/seeds/spec", "tests/fuzz-cases/spec", "specs"],
    );
    assert!(n >= 5, "only {n} spec inputs found");
}

#[test]
fn regions_corpus_replays() {
    let n = replay(
        fuzz_checks::regions,
        &["fuzz/seeds/regions", "tests/fuzz-cases/regions"],
    );
    assert!(n >= 10, "only {n} regions inputs found");
}

#[test]
fn text_corpus_replays() {
    let n = replay(
        fuzz_checks::text,
        &["fuzz/seeds/text", "tests/fuzz-cases/text"],
    );
    assert!(n >= 5, "only {n} text inputs found");
}

const README: &str = "intro\n\
<!-- gen:begin backup -->\n<!-- gen:end backup -->\n\
<!-- gen:begin security -->\n<!-- gen:end security -->\n\
<!-- gen:begin operations -->\n<!-- gen:end operations -->\n";

fn with_backup(content: &str) -> Vec<(&'static str, String)> {
    vec![
        ("backup", content.to_string()),
        ("security", String::new()),
        ("operations", String::new()),
    ]
}

/// Finding 1 (regions target, from the first seed run): region content with
/// a line that reads as a marker was written as is. The file then ended the
/// region early (`gen:end backup` twice) and the next build refused it, or
/// with a `gen:begin` line, silently moved the region's boundary.
#[test]
fn content_with_a_marker_line_is_refused() {
    for content in [
        "<!-- gen:end backup -->\n",
        "text\n   <!-- gen:begin security -->\nmore\n",
        "<!--gen:end   unknown-->",
    ] {
        let e = merge(
            "charts/x/README.md",
            README,
            Style::Html,
            &with_backup(content),
        )
        .expect_err(content);
        assert!(e.message.contains("reads as a gen marker"), "{e}");
        fuzz_checks::check_merge(Style::Html, README, &with_backup(content));
    }
    // A recipe line of a Makefile region: the tab is trimmed, so it is a marker.
    let makefile = "all:\n# gen:begin backup\n# gen:end backup\n# gen:begin security\n# gen:end security\n# gen:begin operations\n# gen:end operations\n";
    let content = "x:\n\t# gen:end backup\n";
    assert!(merge("Makefile", makefile, Style::Hash, &with_backup(content)).is_err());
    fuzz_checks::check_merge(Style::Hash, makefile, &with_backup(content));
    // Markers of the other style, and marker text inside a line, are content.
    for content in [
        "# gen:end backup\n",
        "see `<!-- gen:end backup -->`\n",
        "<!-- gen:end backup --> x\n",
    ] {
        let out = merge(
            "charts/x/README.md",
            README,
            Style::Html,
            &with_backup(content),
        )
        .unwrap_or_else(|e| panic!("{content:?}: {e}"));
        assert!(out.contains(content), "{out}");
        fuzz_checks::check_merge(Style::Html, README, &with_backup(content));
    }
}

fn parse_err(src: &str) -> chartgen::diagnostics::Diagnostic {
    chartgen::spec::parse("specs/x.yaml", src.as_bytes()).expect_err(src)
}

/// Finding 2 (spec target): a syntax error at the end of input was located
/// on the line after the last one, where there is nothing to show.
#[test]
fn error_at_end_of_input_points_at_the_last_line() {
    let d = parse_err("name: aname\nnameaub;");
    assert_eq!((d.line, d.column), (2, 9), "{d}");
    assert_eq!(d.snippet.as_deref(), Some("nameaub;"));
    let d = parse_err("name: aname\nnameaub;\n");
    assert_eq!(d.line, 2, "{d}");
    fuzz_checks::spec(b"name: aname\nnameaub;");
}

/// Finding 3 (spec target): YAML reads a lone CR as a line break, so both
/// parsers counted more lines than the file shows and located errors past
/// its end ("line 21 of a 14-line file"). A lone CR is now an error of its
/// own; CRLF stays fine.
#[test]
fn lone_carriage_return_is_an_error_at_its_place() {
    let d = parse_err("name: x\rtitel: y\n");
    assert!(d.message.contains("carriage return"), "{d}");
    assert_eq!((d.line, d.column), (1, 8), "{d}");
    let d = parse_err("name: x\r\n---\r\nname: y\r");
    assert!(d.message.contains("carriage return"), "{d}");
    assert_eq!((d.line, d.column), (3, 8), "{d}");
    let d = parse_err("name: x\r\ntitel: y\r\n");
    assert!(d.message.contains("unknown field `titel`"), "{d}");
    assert_eq!((d.line, d.column), (2, 1), "{d}");
}

/// Finding 3, second half: libyaml (inside serde_yaml) also breaks lines at
/// U+0085, U+2028 and U+2029, which are ordinary characters to gen's line
/// numbers and snippets. Errors are now located from the byte offset.
#[test]
fn unicode_line_separators_do_not_shift_locations() {
    let d = parse_err("name: x\u{2028}\ntitel: y\n");
    assert_eq!((d.line, d.column), (2, 1), "{d}");
    assert_eq!(d.snippet.as_deref(), Some("titel: y"));
    let d = parse_err("name: x\n\u{85}\u{2029}titel: y\n");
    assert_eq!((d.line, d.column), (2, 3), "{d}");
}

/// Raw HTML events CommonMark (pulldown-cmark) finds in `md`.
fn raw_html(md: &str) -> Vec<String> {
    pulldown_cmark::Parser::new(md)
        .filter_map(|e| match e {
            pulldown_cmark::Event::Html(h) | pulldown_cmark::Event::InlineHtml(h) => {
                Some(h.to_string())
            }
            _ => None,
        })
        .collect()
}

/// Finding 4 (text target, HTML property): `md_inline` toggled "in code" at
/// every backtick, so one unmatched backtick left every later `<` unescaped:
/// spec text like "`a` `<img src=x onerror=...>" reached the generated
/// Markdown as raw HTML. Code spans are now matched as CommonMark does.
#[test]
fn unmatched_backticks_do_not_stop_html_escaping() {
    for text in [
        "`<script>alert(1)</script>",
        "`a` `<img src=x onerror=alert(1)>",
        "\\`<b>`",
        "``<b>` x",
        "<https://x`y> <b> `",
    ] {
        let md = chartgen::text::md_inline(text);
        assert_eq!(raw_html(&md), Vec::<String>::new(), "{text:?} -> {md:?}");
        let cell = chartgen::text::cell(text);
        assert_eq!(
            raw_html(&cell),
            Vec::<String>::new(),
            "{text:?} -> {cell:?}"
        );
    }
    // Real code spans and autolinks still pass through as typed.
    assert_eq!(
        chartgen::text::md_inline("a ``x ` <b>`` <https://x.io/a> `<c>`"),
        "a ``x ` <b>`` <https://x.io/a> `<c>`"
    );
}

/// Finding 5 (text target, HTML property): `wrap` kept a code span whole
/// only when it counted an odd number of backticks per word, so it broke the
/// line inside "```````a` <?...```````" and the next line began with `<?`:
/// an HTML block, left unescaped because it was inside the span. Words now
/// keep CommonMark code spans whole.
#[test]
fn wrap_never_breaks_inside_a_code_span() {
    let w = chartgen::text::wrap("run ``a `b` <?php x`` now and then", 10, "", 2);
    assert!(w.contains("``a `b` <?php x``"), "{w}");
    assert_eq!(raw_html(&w), Vec::<String>::new(), "{w}");
    let w = chartgen::text::wrap("see ``x\n<div>`` here", 6, "", 0);
    assert!(w.contains("``x <div>``"), "{w}");
    assert_eq!(raw_html(&w), Vec::<String>::new(), "{w}");
    // An unclosed fence travels with the word before it, like "-" and "#".
    let w = chartgen::text::wrap("aaaa bbbb ``` cccc", 9, "", 0);
    assert!(w.lines().all(|l| !l.starts_with("```")), "{w}");
    let mut input = vec![40, 2];
    input.extend_from_slice("run ``a `b` <?php x`` now and then".as_bytes());
    fuzz_checks::text(&input);
}

#[test]
fn highlight_corpus_replays() {
    let n = replay(
        fuzz_checks::highlight,
        &["fuzz/seeds/highlight", "tests/fuzz-cases/highlight"],
    );
    assert!(n >= 7, "only {n} highlight inputs found");
}
