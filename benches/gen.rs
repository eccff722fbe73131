//! Micro-benchmarks of gen's stages (criterion): load and validate the
//! shipped specs, render every output in memory, Markdown to HTML with
//! highlighting, highlighting alone, and the search-index build.
//!
//! Inputs are the repository's own: `specs/` and the Markdown under `docs/`.
//! Set `GEN_BENCH_CORPUS=DIR` to take the Markdown from DIR instead (for
//! example the `plain/` layout of `bench/make-corpus.py`'s output).
//!
//! `cargo bench --bench gen` measures; `cargo test --benches` (what
//! `scripts/test` runs) executes every benchmark once on a few files as a
//! smoke test, and so does `cargo bench --bench gen -- --test`.

use chartgen::model::chart_model;
use chartgen::project;
use chartgen::site::highlight::{self, Lang};
use chartgen::site::markdown::{self, Registry, Section, Source, Step};
use chartgen::site::search::{self, SearchPage};
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use pulldown_cmark::{CodeBlockKind, Event, Parser, Tag, TagEnd};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Smoke mode: criterion runs each benchmark once (`--test`, or the
/// harness run by `cargo test`, which passes no `--bench`).
fn smoke() -> bool {
    let args: Vec<String> = std::env::args().collect();
    args.iter().any(|a| a == "--test") || !args.iter().any(|a| a == "--bench")
}

/// Markdown files to render: (path, text), sorted by path.
fn markdown_inputs() -> Vec<(String, String)> {
    let base = match std::env::var_os("GEN_BENCH_CORPUS") {
        Some(dir) => PathBuf::from(dir),
        None => repo().join("docs"),
    };
    let mut files: Vec<(String, String)> = walk_md(&base)
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&base)
                .unwrap_or(&p)
                .to_string_lossy()
                .replace('\\', "/");
            let text = std::fs::read_to_string(&p).expect("markdown is UTF-8");
            (format!("docs/{rel}"), text)
        })
        .collect();
    files.sort();
    if smoke() {
        files.truncate(3);
    }
    assert!(!files.is_empty(), "no Markdown under {}", base.display());
    files
}

fn walk_md(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                out.push(p);
            }
        }
    }
    out
}

/// Every fenced code block with a language gen highlights.
fn code_blocks(files: &[(String, String)]) -> Vec<(String, Lang)> {
    let mut blocks = Vec::new();
    for (_, text) in files {
        let mut cur: Option<(String, Lang)> = None;
        for ev in Parser::new_ext(text, chartgen::site::markdown::options()) {
            match ev {
                Event::Start(Tag::CodeBlock(CodeBlockKind::Fenced(info))) => {
                    cur = highlight::lang(&info).map(|l| (String::new(), l));
                }
                Event::Text(t) => {
                    if let Some((buf, _)) = &mut cur {
                        buf.push_str(&t);
                    }
                }
                Event::End(TagEnd::CodeBlock) => blocks.extend(cur.take()),
                _ => {}
            }
        }
    }
    blocks
}

/// Renders each file as a page of its own: (url, title, sections).
fn render_pages(
    reg: &Registry,
    tera: &tera::Tera,
    files: &[(String, String)],
) -> Vec<(String, String, Vec<Section>)> {
    files
        .iter()
        .map(|(path, text)| {
            let url = format!("{}.html", path.trim_end_matches(".md"));
            let doc = markdown::render(
                reg,
                tera,
                &url,
                &[Step::markdown(&Source::file(text, path))],
            );
            let title = doc
                .headings
                .first()
                .map(|h| h.text.clone())
                .unwrap_or_else(|| path.clone());
            (url, title, doc.sections)
        })
        .collect()
}

fn registry(files: &[(String, String)]) -> Registry {
    let mut reg = Registry::default();
    for (path, _) in files {
        reg.pages.insert(
            path.clone(),
            format!("{}.html", path.trim_end_matches(".md")),
        );
    }
    reg
}

fn bench_load(c: &mut Criterion) {
    let root = repo();
    let mut g = c.benchmark_group("load");
    g.bench_function("load_validate_shipped", |b| {
        b.iter(|| {
            project::load(
                &root,
                &project::facts_options(&root, None, false),
                &Default::default(),
            )
            .map(|(p, _)| p.specs.len())
            .ok()
        })
    });
    // Parsing and validation alone, from bytes already in memory.
    let mut specs: Vec<(String, Vec<u8>)> = std::fs::read_dir(root.join("specs"))
        .expect("specs/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| {
            let rel = format!("specs/{}", p.file_name().unwrap().to_string_lossy());
            (rel, std::fs::read(&p).unwrap())
        })
        .collect();
    specs.sort();
    g.throughput(Throughput::Elements(specs.len() as u64));
    g.bench_function("parse_validate_in_memory", |b| {
        b.iter(|| {
            let files: Vec<_> = specs
                .iter()
                .filter_map(|(rel, bytes)| chartgen::spec::parse_at(&root, rel, bytes).ok())
                .collect();
            let mut n = 0;
            for f in &files {
                n += chartgen::checks::spec(f).len();
            }
            n + chartgen::checks::graph(&files).len()
        })
    });
    g.finish();
}

fn bench_render(c: &mut Criterion) {
    let (project, _) = match project::load(
        &repo(),
        &project::facts_options(&repo(), None, false),
        &Default::default(),
    ) {
        Ok(p) => p,
        Err(e) => panic!("the shipped specs do not load: {e:?}"),
    };
    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(project.specs.len() as u64));
    g.bench_function("generate_all_outputs_and_site", |b| {
        b.iter(|| {
            project::generate(&project, &Default::default())
                .map(|(o, _)| o)
                .map(|o| o.files.len())
                .ok()
        })
    });
    // The site alone, from outputs already rendered; then writing every
    // output into an empty folder (each file synced, then renamed).
    if let Ok(outputs) = project::generate(&project, &Default::default()).map(|(o, _)| o) {
        g.bench_function("write_all_outputs_cold", |b| {
            b.iter_batched(
                || tempfile::tempdir().expect("a temporary folder"),
                |dir| {
                    let r = chartgen::output::write(dir.path(), &outputs).map(|r| r.written.len());
                    (r.ok(), dir)
                },
                BatchSize::PerIteration,
            )
        });
        let models: Vec<_> = project.specs.iter().map(chart_model).collect();
        g.bench_function("site_build", |b| {
            b.iter(|| {
                chartgen::site::build(
                    &project.site_input(),
                    &models,
                    &outputs,
                    &Default::default(),
                )
                .map(|s| s.files.len())
                .ok()
            })
        });
    }
    g.finish();
}

fn bench_markdown(c: &mut Criterion) {
    let files = markdown_inputs();
    let reg = registry(&files);
    let tera = chartgen::site::templates(&[]).expect("the built-in site templates");
    let bytes: usize = files.iter().map(|(_, t)| t.len()).sum();
    let blocks = code_blocks(&files);
    let code_bytes: usize = blocks.iter().map(|(t, _)| t.len()).sum();

    let mut g = c.benchmark_group("highlight");
    g.throughput(Throughput::Bytes(code_bytes as u64));
    // First use loads syntect's syntax dump; keep it out of the loop.
    highlight::highlight("print(1)\n", Lang::Syntax("Python"));
    g.bench_function("code_blocks", |b| {
        b.iter(|| {
            blocks
                .iter()
                .map(|(code, lang)| highlight::highlight(code, *lang).len())
                .sum::<usize>()
        })
    });
    g.finish();

    let mut g = c.benchmark_group("markdown");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("to_html_with_highlighting", |b| {
        b.iter(|| render_pages(&reg, &tera, &files).len())
    });
    g.finish();

    let pages = render_pages(&reg, &tera, &files);
    let mut g = c.benchmark_group("search");
    g.throughput(Throughput::Bytes(bytes as u64));
    g.bench_function("index_build", |b| {
        b.iter_batched(
            || {
                pages
                    .iter()
                    .map(|(url, title, sections)| SearchPage {
                        url,
                        title,
                        label: title,
                        chart: None,
                        kind: "guide",
                        context: String::new(),
                        cross: false,
                        sections,
                    })
                    .collect::<Vec<_>>()
            },
            |search_pages| search::build(&[], &search_pages).index_bytes,
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

fn config() -> Criterion {
    // Whole-stage benchmarks take tens of milliseconds each: fewer samples
    // keep `cargo bench` to a few minutes on a 2-core machine.
    Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
}

criterion_group! {
    name = benches;
    config = config();
    targets = bench_load, bench_render, bench_markdown
}
criterion_main!(benches);
