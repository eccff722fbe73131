//! The pages a newcomer reads, checked against the code: every repository
//! path they name in code spans exists, every `module::item` they name is
//! declared where that path leads (in `src/`, or `tests/` for a test's),
//! every check id they name is one `gen checks` lists, and the README
//! counts the specs `specs/` holds. A rename or a removal that leaves a
//! page behind fails here, naming the page, its line and the claim.
//!
//! A check id is told from a spec field by its dash (`make.cycle` has
//! none, but `rbac.was` is a field): a span `<family>.<name>` whose family
//! is a check's and whose name has a `-` must be a check. The reverse does
//! not hold: `docs/spec-format.md` names a check where it describes its
//! rule, and `gen checks` lists them all.

use std::collections::BTreeSet;
use std::path::Path;

/// The hand-written pages, by path.
const PAGES: [(&str, &str); 4] = [
    ("README.md", include_str!("../README.md")),
    (
        "docs/architecture.md",
        include_str!("../docs/architecture.md"),
    ),
    (
        "docs/spec-format.md",
        include_str!("../docs/spec-format.md"),
    ),
    ("docs/ci.md", include_str!("../docs/ci.md")),
];

/// Where a path named in a page must exist: gen's own folders. Paths in a
/// chart (`templates/_helpers.tpl`) or in a user's repository
/// (`.gen/cache/`) are not gen's and are left alone.
const ROOTS: &[&str] = &[
    "src/",
    "tests/",
    "scripts/",
    "fuzz/",
    "benches/",
    "bench/",
    ".ci/",
    "docs/",
    "specs/",
    "templates/chart/",
    "templates/docs/",
    "templates/root/",
    "templates/site/",
    "templates/new-spec.yaml",
];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The code spans of a Markdown page outside fenced blocks, each with the
/// line it starts on. A span may run over a line break.
fn code_spans(text: &str) -> Vec<(usize, String)> {
    let mut prose = String::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            prose.push('\n');
            continue;
        }
        if !fenced {
            prose.push_str(line);
        }
        prose.push('\n');
    }
    let mut spans = Vec::new();
    let mut line = 1;
    for (i, piece) in prose.split('`').enumerate() {
        if i % 2 == 1 {
            spans.push((line, piece.replace('\n', " ")));
        }
        line += piece.matches('\n').count();
    }
    spans
}

/// Every `(page, line, span)` of the pages.
fn all_spans() -> Vec<(&'static str, usize, String)> {
    PAGES
        .iter()
        .flat_map(|(page, text)| {
            code_spans(text)
                .into_iter()
                .map(move |(line, span)| (*page, line, span))
        })
        .collect()
}

/// A word of a span with the punctuation of the prose around it removed.
fn bare(word: &str) -> &str {
    word.trim_start_matches(['(', '[', '"'])
        .trim_end_matches(['.', ',', ';', ':', ')', ']', '"'])
}

/// The repository paths a span names (`src/spec/make_call.rs`, and of
/// `tests/drills.rs::postgresql_profile_drill` the file), placeholders
/// (`<chart>`, `{chart}`, `*`) aside.
fn paths(span: &str) -> Vec<&str> {
    span.split_whitespace()
        .map(|w| bare(w.split("::").next().unwrap_or(w)))
        .filter(|w| ROOTS.iter().any(|r| w.starts_with(r)))
        .filter(|w| !w.contains(['<', '{', '*', '$']))
        .collect()
}

#[test]
fn every_path_a_page_names_exists() {
    let mut missing = Vec::new();
    let mut seen = 0;
    for (page, line, span) in all_spans() {
        for p in paths(&span) {
            seen += 1;
            if !root().join(p).exists() {
                missing.push(format!("{page}:{line}: `{p}` does not exist"));
            }
        }
    }
    assert!(seen > 100, "only {seen} paths found: the reader is broken");
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// One Rust file of the crate: its module path (`site::markdown::pieces`)
/// and its text.
struct Source {
    module: Vec<String>,
    text: String,
}

/// The crate's sources, and the tests' (the drills' `World::needing`).
fn sources() -> Vec<Source> {
    let mut out = Vec::new();
    for dir in ["src", "tests"] {
        read_sources(&root().join(dir), &mut out);
    }
    out
}

fn read_sources(dir: &Path, out: &mut Vec<Source>) {
    for e in walkdir::WalkDir::new(dir) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(dir).unwrap().to_string_lossy();
        let Some(rel) = rel.strip_suffix(".rs") else {
            continue;
        };
        let mut module: Vec<String> = rel.split('/').map(str::to_string).collect();
        if matches!(
            module.last().map(String::as_str),
            Some("mod" | "lib" | "main")
        ) {
            module.pop();
        }
        let text = std::fs::read_to_string(e.path()).unwrap();
        out.push(Source { module, text });
    }
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// `name` follows `before` in `text` as a whole word.
fn has_word_after(text: &str, before: &str, name: &str) -> bool {
    let needle = format!("{before}{name}");
    text.match_indices(&needle).any(|(i, _)| {
        let at_start = text[..i].chars().next_back().is_none_or(|c| !is_ident(c));
        let after = text[i + needle.len()..].chars().next();
        at_start && after.is_none_or(|c| !is_ident(c))
    })
}

/// `text` declares the item `name`: a function, type, constant, module or
/// struct field of that name (or, for `default`, implements `Default`).
fn declares(text: &str, name: &str) -> bool {
    let keywords = [
        "fn ", "struct ", "enum ", "const ", "static ", "type ", "mod ", "trait ",
    ];
    keywords.iter().any(|k| has_word_after(text, k, name))
        || text.lines().any(|l| {
            let l = l.trim_start();
            let l = l.strip_prefix("pub ").unwrap_or(l);
            l.strip_prefix(name)
                .is_some_and(|r| r.starts_with(':') && !r.starts_with("::"))
        })
        || (name == "default" && text.contains("Default"))
}

/// `path` (`make_call::RELEASE_MARKER`, `Memo::kept`, `site::cache`)
/// names a module of the crate, or an item of one: the leading lower-case
/// segments end a module's path, and what follows is an item of its file,
/// or a type declared there and one of its members.
fn resolves(path: &[&str], sources: &[Source]) -> bool {
    let modules = path
        .iter()
        .take_while(|s| s.starts_with(|c: char| c.is_lowercase()))
        .count();
    (0..=modules.min(path.len())).rev().any(|n| {
        let (module, items) = path.split_at(n);
        sources
            .iter()
            .filter(|s| {
                n == 0
                    || s.module
                        .ends_with(&module.iter().map(|m| m.to_string()).collect::<Vec<_>>())
            })
            .any(|s| match items {
                [] => true,
                [item] => n > 0 && declares(&s.text, item),
                [ty, member] => {
                    (has_word_after(&s.text, "struct ", ty) || has_word_after(&s.text, "enum ", ty))
                        && declares(&s.text, member)
                }
                _ => false,
            })
    })
}

/// The Rust paths a span names: `spec::parse`, `Memo::kept()`,
/// `project::load(.., cache)`, each as its segments.
fn rust_paths(span: &str) -> Vec<Vec<&str>> {
    span.split_whitespace()
        .filter(|w| !w.contains('/'))
        .map(|w| bare(w.split('(').next().unwrap_or(w)))
        .map(|w| w.strip_prefix("crate::").unwrap_or(w))
        .filter(|w| w.contains("::"))
        .map(|w| w.split("::").collect::<Vec<_>>())
        .filter(|segs| {
            segs.iter()
                .all(|s| !s.is_empty() && s.chars().all(is_ident))
        })
        .collect()
}

#[test]
fn every_rust_item_a_page_names_is_declared() {
    let sources = sources();
    let mut unresolved = Vec::new();
    let mut seen = 0;
    for (page, line, span) in all_spans() {
        for path in rust_paths(&span) {
            seen += 1;
            if !resolves(&path, &sources) {
                unresolved.push(format!(
                    "{page}:{line}: `{}` is no module or item of src/ or tests/",
                    path.join("::")
                ));
            }
        }
    }
    assert!(
        seen > 30,
        "only {seen} Rust paths found: the reader is broken"
    );
    assert!(unresolved.is_empty(), "{}", unresolved.join("\n"));
}

#[test]
fn the_reader_of_rust_paths_knows_what_is_not_there() {
    let sources = sources();
    let r = |p: &str| resolves(&p.split("::").collect::<Vec<_>>(), &sources);
    assert!(r("make_call::RELEASE_MARKER"));
    assert!(r("site::cache::Pages"));
    assert!(r("Memo::kept"));
    assert!(r("SpecFile::context"));
    assert!(!r("make_call::NO_SUCH_MARKER"));
    assert!(!r("nomodule::parse"));
    assert!(!r("Memo::forget"));
    assert!(!r("checks::spec::parse"));
}

/// The check ids a span names: `<family>.<name>` with a check's family and
/// a `-` in the name (`error[restore.no-full]` gives `restore.no-full`).
fn check_ids<'s>(span: &'s str, families: &BTreeSet<&str>) -> Vec<&'s str> {
    span.split(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-'))
        .map(|w| w.trim_matches(['.', '-']))
        .filter(|w| {
            w.split_once('.').is_some_and(|(family, name)| {
                families.contains(family) && name.contains('-') && !name.contains('.')
            })
        })
        .collect()
}

#[test]
fn every_check_id_a_page_names_is_a_check() {
    let ids: BTreeSet<&str> = crate::checks::CHECKS.iter().map(|c| c.id).collect();
    let families: BTreeSet<&str> = ids.iter().filter_map(|id| id.split('.').next()).collect();
    let mut unknown = Vec::new();
    let mut seen = 0;
    for (page, line, span) in all_spans() {
        for id in check_ids(&span, &families) {
            seen += 1;
            if !ids.contains(id) {
                let hint = crate::diagnostics::did_you_mean(id, ids.iter().copied())
                    .map(|m| format!(" (did you mean `{m}`?)"))
                    .unwrap_or_default();
                unknown.push(format!("{page}:{line}: `{id}` is no check{hint}"));
            }
        }
    }
    assert!(
        seen > 10,
        "only {seen} check ids found: the reader is broken"
    );
    assert!(unknown.is_empty(), "{}", unknown.join("\n"));
}

/// The README's count of the shipped specs is `specs/`'s.
#[test]
fn the_readme_counts_the_shipped_specs() {
    let said: usize = PAGES[0]
        .1
        .split("`specs/` holds the ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("README.md says \"`specs/` holds the N chart specs\"");
    let shipped = std::fs::read_dir(root().join("specs"))
        .unwrap()
        .filter(|e| {
            let name = e.as_ref().unwrap().file_name();
            name.to_string_lossy().ends_with(".yaml")
        })
        .count();
    assert_eq!(
        said, shipped,
        "README.md: `specs/` holds {shipped} specs, not {said}"
    );
}

#[test]
fn spans_are_read_across_lines_and_outside_fences() {
    let spans = code_spans("a `x\ny` b\n```sh\n`not`\n```\n`z`\n");
    assert_eq!(spans, vec![(1, "x y".to_string()), (6, "z".to_string())]);
    let families = BTreeSet::from(["make", "restore"]);
    assert_eq!(
        check_ids(
            "error[restore.no-full]: make.cycle, make.unknown-target",
            &families
        ),
        vec!["restore.no-full", "make.unknown-target"]
    );
    assert_eq!(
        paths("tests/drills.rs::a_drill and docs/<chart>/x.md"),
        vec!["tests/drills.rs"]
    );
}
