//! The search index, built at build time from the rendered text.
//!
//! One document per heading section, so a hit opens at its anchor. Every
//! file is JavaScript that a page injects with a `<script src>` when search
//! is used: that works when the site is served and when it is opened from
//! disk, where fetch() is not allowed, and under a CSP without inline
//! scripts. A first search loads only what it needs:
//! - the manifest (`assets/search-index.<hash>.js`, `window.__genSearch =
//!   {...}`): the page table (URL, label, chart, kind, number of
//!   documents; documents are numbered in page order), the chart table, the
//!   term shards (first term and number of terms of each), the snippet
//!   chunks (number of documents in each) and the cross-chart guides that a
//!   general query lifts;
//! - the term shards that hold the query's words: the sorted terms (Porter
//!   stems, see `stem/`) cut into a file per [`PAGES_PER_SHARD`] pages, each
//!   with its terms' postings: document numbers delta-encoded with a
//!   weight level (3 = in the heading, 2 = frequent in the text, 1 = in the
//!   text, 0 = only in the page's title or chart), as base-32 varints;
//! - the snippet chunks of the results shown: consecutive documents' anchor,
//!   heading and text, cut into a file per [`PAGES_PER_CHUNK`] pages.
//!
//! Shards and chunks register themselves in `window.__genSearchData` under
//! their file name. Their names carry one content hash of all of them
//! (`assets/search/t3.<hash>.js`, `c41.<hash>.js`) so that caches are
//! safe while the manifest need not list a hash per file: at 3,000 pages a
//! hash per chunk would cost more than the whole page table. The price is
//! that a change to any text renames every shard and chunk.

use super::html::{fingerprint, Fnv};
use super::markdown::Section;
use super::stem;
use crate::diagnostics::Diagnostic;
use rayon::prelude::*;
use serde::Serialize;
use std::sync::Arc;
use stem::WordMap;
use varint::varint;

mod varint;
pub use varint::{decode, varints};

/// Bytes (uncompressed) of what a one-word first search loads before its
/// snippets, the manifest and the largest term shard, above which the
/// build warns. Gzip shrinks the manifest about 7 times and a shard about
/// 3 times, so this is roughly 100 KB on the wire: the 3,000-page
/// benchmark corpus loads 236 + 74 KB.
pub const BUDGET: usize = 512 * 1024;

/// Pages of the site per term shard, and per snippet chunk: the search
/// adds about 1/6 + 1 file per page, so a site has about 2.2 files per
/// page (its page, and its share of the search). Each costs a file
/// creation on every cold build, and hosts cap a site's files; fewer,
/// larger files make a first search load more: these keep a first query
/// within 50 KB gzip on the 300-page benchmark corpus (docs/benchmarks.md
/// has the trade-off, measured).
pub const PAGES_PER_SHARD: usize = 6;
pub const PAGES_PER_CHUNK: usize = 1;

/// The least bytes of terms and postings a shard is cut at, and of snippet
/// text a chunk is cut at, so a small site does not get tiny files. A shard
/// holds at least one term (so a very common term can make one larger), a
/// chunk at least one document.
pub const SHARD_MIN_BYTES: usize = 16 * 1024;
pub const CHUNK_MIN_BYTES: usize = 8 * 1024;

/// Where shards and chunks live in the site.
pub const DIR: &str = "assets/search/";

/// Characters of section text kept for snippets: a result shows 180
/// around the first match, and the text is most of the snippet chunks'
/// bytes, so a match further in shows the section's start instead.
const SNIPPET_TEXT: usize = 300;

/// The bytes each of `files` files holds when `total` bytes are cut into
/// them, at least `least`.
fn cut_size(total: usize, files: usize, least: usize) -> usize {
    total.div_ceil(files.max(1)).max(least)
}

/// Kinds of page a search can be narrowed to, in the order the filter shows.
pub const KINDS: &[&str] = &["backup", "upgrade", "rbac", "operations", "guide"];

/// A page as search sees it.
pub struct SearchPage<'a> {
    pub url: &'a str,
    pub title: &'a str,
    /// What results show as the page's name (next to its chart's).
    pub label: &'a str,
    /// Index into the chart table.
    pub chart: Option<usize>,
    /// One of [`KINDS`].
    pub kind: &'static str,
    /// Words that describe the whole page (its chart's name and title).
    pub context: String,
    /// A guide gen renders across the charts (disaster recovery, Makefile
    /// reference): what a general query is lifted to. A hand-written doc
    /// is not one, however general its words.
    pub cross: bool,
    pub sections: &'a [Section],
}

/// The files of the search and their sizes.
pub struct Built {
    /// The manifest's path inside the site (fingerprinted).
    pub index_path: String,
    pub files: Vec<(String, Vec<u8>)>,
    /// Bytes of the manifest, which every search loads.
    pub index_bytes: usize,
    /// Bytes of the largest term shard.
    pub largest_shard_bytes: usize,
    /// Bytes of the largest snippet chunk.
    pub largest_chunk_bytes: usize,
    /// Bytes of all snippet chunks.
    pub text_bytes: usize,
    /// Bytes a shard was cut at ([`PAGES_PER_SHARD`]).
    pub shard_bytes: usize,
    /// Bytes a chunk was cut at ([`PAGES_PER_CHUNK`]).
    pub chunk_bytes: usize,
    pub shards: usize,
    pub chunks: usize,
    pub docs: usize,
    pub terms: usize,
}

impl Built {
    /// A warning when a first search would load more than [`BUDGET`].
    pub fn warnings(&self) -> Vec<Diagnostic> {
        let first = self.index_bytes + self.largest_shard_bytes;
        if first <= BUDGET {
            return Vec::new();
        }
        vec![Diagnostic::warning(
            format!("site/{}", self.index_path),
            format!(
                "a first search loads up to {} KB (manifest {} KB, largest term shard {} KB), over its {} KB budget",
                first / 1024,
                self.index_bytes / 1024,
                self.largest_shard_bytes / 1024,
                BUDGET / 1024
            ),
        )
        .help("the manifest grows with the number of pages and a shard with its commonest word; shorten sections or split long guides")]
    }
}

#[derive(Serialize)]
struct Manifest<'a> {
    v: u32,
    stop: String,
    kinds: &'a [&'a str],
    charts: &'a [(String, String)],
    /// [url, label, chart (-1 for none), kind, documents]
    pages: Vec<(&'a str, &'a str, i64, usize, usize)>,
    /// Folder and hash of the shard and chunk files: `{dir}t{i}.{hash}.js`.
    dir: &'a str,
    hash: String,
    /// Per shard: [first term, number of terms].
    shards: Vec<(String, usize)>,
    /// Documents in each chunk, as base-32 varints.
    chunks: String,
    /// Words operators use for a chart, with its index in `charts`.
    alias: Vec<(&'static str, usize)>,
    /// The cross-chart guides ([`SearchPage::cross`]), as indexes into
    /// `pages`.
    cross: Vec<usize>,
}

/// Short names operators type for a chart (lower-case), by chart name;
/// only those of charts in the site reach the manifest. A query word that
/// is a chart's name, the start of it, or one of these lifts its pages.
pub const ALIASES: &[(&str, &str)] = &[
    ("am", "alertmanager"),
    ("elastic", "elasticsearch"),
    ("es", "elasticsearch"),
    ("k8s", "kube-state-metrics"),
    ("ksm", "kube-state-metrics"),
    ("mongo", "mongodb"),
    ("otel", "opentelemetry-collector"),
    ("pg", "postgresql"),
    ("postgres", "postgresql"),
    ("prom", "prometheus"),
    ("psql", "postgresql"),
];

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max).collect();
    match cut.rfind(' ') {
        Some(i) => format!("{}…", &cut[..i]),
        None => cut,
    }
}

/// The file of the `i`th shard (`t`) or chunk (`c`).
fn file_name(kind: char, i: usize, hash: &str) -> String {
    format!("{kind}{i}.{hash}")
}

/// A shard or chunk file: registers `json` under its name, as data.
fn data_file(name: &str, json: &str) -> Vec<u8> {
    format!("(window.__genSearchData=window.__genSearchData||{{}})[\"{name}\"]={json};\n")
        .into_bytes()
}

/// Hits of a term in a document: (in the heading, in the body, in the
/// page's context). Body hits count 2 per word of prose, 1 per word of code.
type Hits = (u32, u32, bool);

/// The weight level of a term in a document: 3 = in the heading, 2 =
/// frequent in the body (body hits count 2 per word of prose and 1 per word
/// of code), 1 = in the body, 0 = only in the page's title or chart.
fn level((heading, body, _): Hits) -> u32 {
    if heading > 0 {
        3
    } else if body >= 6 {
        2
    } else if body > 0 {
        1
    } else {
        0
    }
}

/// One document (a heading's section) as the index sees it.
#[derive(Debug, Clone)]
pub struct DocOut {
    /// Each term with its [`level`].
    terms: Vec<(Arc<str>, u32)>,
    /// `anchor, heading, text` as JSON, without the brackets.
    json: String,
}

/// The documents of one page.
pub fn page_docs(p: &SearchPage, stems: &mut stem::Stems) -> Vec<DocOut> {
    let mut context = Vec::new();
    stems.each(&format!("{} {}", p.context, p.title), |t| context.push(t));
    let mut out = Vec::with_capacity(p.sections.len());
    for s in p.sections {
        let heading = if s.heading.is_empty() {
            p.title
        } else {
            s.heading.as_str()
        };
        if s.anchor.is_empty() && s.text.trim().is_empty() && s.code.trim().is_empty() {
            // A bare page title before the first section.
            continue;
        }
        let mut terms: WordMap<Arc<str>, Hits> = WordMap::default();
        for t in &context {
            terms.entry(t.clone()).or_default().2 = true;
        }
        stems.each(heading, |t| terms.entry(t).or_default().0 += 1);
        stems.each(&s.text, |t| terms.entry(t).or_default().1 += 2);
        stems.each(&s.code, |t| terms.entry(t).or_default().1 += 1);
        let text = one_line(&format!("{} {}", s.text, s.code));
        let row = [
            s.anchor.clone(),
            one_line(heading),
            clip(&text, SNIPPET_TEXT),
        ];
        let json = serde_json::to_string(&row).expect("strings serialize");
        out.push(DocOut {
            terms: terms.into_iter().map(|(t, h)| (t, level(h))).collect(),
            json: json[1..json.len() - 1].to_string(),
        });
    }
    out
}

/// Builds the manifest, term shards and snippet chunks for `pages`.
/// `charts` is the chart table: (name, title).
pub fn build(charts: &[(String, String)], pages: &[SearchPage]) -> Built {
    let docs: Vec<Vec<DocOut>> = pages
        .par_iter()
        .map_init(stem::Stems::default, |stems, p| page_docs(p, stems))
        .collect();
    build_from_docs(charts, pages, docs)
}

/// [`build`], with each page's documents already made by [`page_docs`]
/// (`docs[i]` for `pages[i]`; the pages' sections are then not read), so
/// the site can index a page as it renders it and drop its text.
pub fn build_from_docs(
    charts: &[(String, String)],
    pages: &[SearchPage],
    mut docs: Vec<Vec<DocOut>>,
) -> Built {
    // Pages grouped by chart, then the rest, so a chunk tends to hold one
    // chart's pages.
    let group = |p: &SearchPage| p.chart.unwrap_or(charts.len());
    let mut order: Vec<usize> = (0..pages.len()).collect();
    order.sort_by_key(|i| (group(&pages[*i]), *i));
    let t = std::time::Instant::now();
    let per_page: Vec<Vec<DocOut>> = order
        .iter()
        .map(|&i| std::mem::take(&mut docs[i]))
        .collect();
    let mut page_rows = Vec::new();
    let mut cross = Vec::new();
    // Per document: its [anchor, heading, text] as JSON.
    let mut doc_json: Vec<String> = Vec::new();
    // term -> [doc * 4 + level], docs ascending: 4 bytes a posting.
    let mut postings: WordMap<Arc<str>, Vec<u32>> = WordMap::default();
    for (&i, docs) in order.iter().zip(per_page) {
        let p = &pages[i];
        let kind = KINDS.iter().position(|k| *k == p.kind).expect("known kind");
        let first_doc = doc_json.len();
        for d in docs {
            let doc = doc_json.len();
            let doc4 = u32::try_from(doc * 4).expect("fewer than a billion sections");
            for (term, level) in d.terms {
                postings.entry(term).or_default().push(doc4 | level);
            }
            doc_json.push(d.json);
        }
        if p.cross {
            cross.push(page_rows.len());
        }
        page_rows.push((
            p.url,
            p.label,
            p.chart.map_or(-1, |c| c as i64),
            kind,
            doc_json.len() - first_doc,
        ));
    }
    let mut stats: Vec<(Arc<str>, Vec<u32>)> = postings.into_iter().collect();
    stats.par_sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let n_docs = doc_json.len();
    let t = crate::timings::lap("search: postings", t);

    // Terms in order, each with its postings, cut into shards.
    let posts: Vec<String> = stats
        .iter()
        .map(|(_, docs)| {
            let mut post = String::new();
            let mut prev: Option<usize> = None;
            for &p in docs {
                let (doc, level) = ((p >> 2) as usize, (p & 3) as usize);
                let delta = match prev {
                    None => doc,
                    Some(p) => doc - p - 1,
                };
                varint(&mut post, delta * 4 + level);
                prev = Some(doc);
            }
            post
        })
        .collect();
    let shard_bytes = cut_size(
        stats
            .iter()
            .zip(&posts)
            .map(|((term, _), post)| term.len() + post.len() + 2)
            .sum(),
        pages.len() / PAGES_PER_SHARD,
        SHARD_MIN_BYTES,
    );
    let mut shards: Vec<(Vec<&str>, Vec<String>)> = Vec::new();
    let mut shard_size = 0;
    for ((term, _), post) in stats.iter().zip(posts) {
        let size = term.len() + post.len() + 2;
        match shards.last_mut() {
            Some((terms, posts)) if shard_size + size <= shard_bytes => {
                terms.push(term);
                posts.push(post);
                shard_size += size;
            }
            _ => {
                shards.push((vec![term], vec![post]));
                shard_size = size;
            }
        }
    }
    let shard_json: Vec<String> = shards
        .iter()
        .map(|(terms, posts)| {
            serde_json::to_string(&(terms.join(" "), posts.join(" "))).expect("strings serialize")
        })
        .collect();

    // Consecutive documents cut into chunks, each document's JSON dropped
    // as it is copied into its chunk.
    let mut chunk_json: Vec<String> = Vec::new();
    let mut chunk_docs_n: Vec<usize> = Vec::new();
    let mut chunk_size = 0;
    let chunk_bytes = cut_size(
        doc_json.iter().map(|j| j.len() + 1).sum(),
        pages.len() / PAGES_PER_CHUNK,
        CHUNK_MIN_BYTES,
    );
    for json in doc_json {
        match (chunk_json.last_mut(), chunk_docs_n.last_mut()) {
            (Some(chunk), Some(n)) if chunk_size + json.len() < chunk_bytes => {
                chunk.push(',');
                chunk.push_str(&json);
                *n += 1;
                chunk_size += json.len() + 1;
            }
            _ => {
                let mut chunk = String::with_capacity(chunk_bytes + 2);
                chunk.push('[');
                chunk.push_str(&json);
                chunk_json.push(chunk);
                chunk_docs_n.push(1);
                chunk_size = json.len() + 1;
            }
        }
    }
    for chunk in &mut chunk_json {
        chunk.push(']');
    }

    // One hash of every shard and chunk names them all.
    let mut hasher = Fnv::default();
    for json in shard_json.iter().chain(&chunk_json) {
        hasher.write(json.as_bytes());
        hasher.write(b"\n");
    }
    let hash = format!("{:08x}", hasher.0 >> 32);

    let mut files = Vec::new();
    let mut largest_shard_bytes = 0;
    for (i, json) in shard_json.into_iter().enumerate() {
        let name = file_name('t', i, &hash);
        let body = data_file(&name, &json);
        largest_shard_bytes = largest_shard_bytes.max(body.len());
        files.push((format!("{DIR}{name}.js"), body));
    }
    let mut text_bytes = 0;
    let mut largest_chunk_bytes = 0;
    let mut chunk_docs = String::new();
    let n_chunks = chunk_json.len();
    for (i, (json, docs)) in chunk_json.into_iter().zip(chunk_docs_n).enumerate() {
        let name = file_name('c', i, &hash);
        let body = data_file(&name, &json);
        text_bytes += body.len();
        largest_chunk_bytes = largest_chunk_bytes.max(body.len());
        varint(&mut chunk_docs, docs);
        files.push((format!("{DIR}{name}.js"), body));
    }

    let n_terms = stats.len();
    let manifest = Manifest {
        v: 2,
        stop: stem::STOPWORDS.join(" "),
        kinds: KINDS,
        charts,
        pages: page_rows,
        dir: DIR,
        hash,
        shards: shards
            .iter()
            .map(|(terms, _)| (terms[0].to_string(), terms.len()))
            .collect(),
        chunks: chunk_docs,
        alias: ALIASES
            .iter()
            .filter_map(|(word, chart)| {
                charts
                    .iter()
                    .position(|(name, _)| name == chart)
                    .map(|i| (*word, i))
            })
            .collect(),
        cross,
    };
    let body = format!(
        "window.__genSearch={};\n",
        serde_json::to_string(&manifest).expect("manifest serializes")
    );
    let index_path = fingerprint("assets/search-index.js", body.as_bytes());
    crate::timings::lap("search: shards, chunks, manifest", t);
    let index_bytes = body.len();
    files.push((index_path.clone(), body.into_bytes()));
    Built {
        index_path,
        files,
        index_bytes,
        largest_shard_bytes,
        largest_chunk_bytes,
        text_bytes,
        shard_bytes,
        chunk_bytes,
        shards: shards.len(),
        chunks: n_chunks,
        docs: n_docs,
        terms: n_terms,
    }
}

#[cfg(test)]
mod tests;
