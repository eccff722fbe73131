//! The search index, built at build time from the rendered text.
//!
//! One document per heading section, so a hit opens at its anchor. The
//! index is a JavaScript file (`window.__genSearch = {...}`) that a page
//! injects with a `<script src>` when search is first used: that works when
//! the site is served and when it is opened from disk, where fetch() is not
//! allowed. It holds:
//! - a page table (URL, title, chart, kind, snippet file, number of
//!   documents); documents are numbered in page order;
//! - the sorted terms (Porter stems, see `stem.rs`) and, for each, its
//!   postings: document numbers delta-encoded with a weight level
//!   (3 = in the heading, 2 = frequent in the text, 1 = in the text,
//!   0 = only in the page's title or chart), as base-32 varints in a string.
//!
//! Each document's anchor, heading and text (for the snippet) live in one
//! file per chart (and one for the other pages), loaded only when a result
//! from it is shown: the index itself stays small, and a search downloads
//! the text of the charts it finds, not of every chart.

use super::html::fingerprint;
use super::markdown::Section;
use super::stem;
use serde::Serialize;
use std::collections::BTreeMap;

/// Bytes of index above which the build warns.
pub const BUDGET: usize = 300 * 1024;

/// Characters of section text kept for snippets.
const SNIPPET_TEXT: usize = 3000;

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
    pub sections: &'a [Section],
}

/// The files of the search and their sizes.
pub struct Built {
    /// The index file's path inside the site (fingerprinted).
    pub index_path: String,
    pub files: Vec<(String, Vec<u8>)>,
    pub index_bytes: usize,
    pub text_bytes: usize,
    pub docs: usize,
    pub terms: usize,
}

const END: &[u8; 32] = b"0123456789ABCDEFGHIJKLMNOPQRSTUV";
const CONT: &[u8; 32] = b"WXYZabcdefghijklmnopqrstuvwxyz-_";

/// Appends `v` as a little-endian base-32 varint: every digit but the last
/// from CONT, the last from END.
fn varint(out: &mut String, mut v: usize) {
    while v >= 32 {
        out.push(CONT[v & 31] as char);
        v >>= 5;
    }
    out.push(END[v] as char);
}

/// Decodes a postings string into (document, level) pairs.
pub fn decode(postings: &str) -> Vec<(usize, u8)> {
    let mut out = Vec::new();
    let (mut v, mut shift, mut prev) = (0usize, 0u32, None::<usize>);
    for b in postings.bytes() {
        if let Some(i) = END.iter().position(|c| *c == b) {
            v += i << shift;
            let doc = match prev {
                None => v >> 2,
                Some(p) => p + (v >> 2) + 1,
            };
            out.push((doc, (v & 3) as u8));
            prev = Some(doc);
            v = 0;
            shift = 0;
        } else if let Some(i) = CONT.iter().position(|c| *c == b) {
            v += i << shift;
            shift += 5;
        }
    }
    out
}

#[derive(Serialize)]
struct Index<'a> {
    v: u32,
    stop: String,
    kinds: &'a [&'a str],
    charts: &'a [(String, String)],
    shards: Vec<String>,
    /// [url, label, chart (-1 for none), kind, shard, documents]
    pages: Vec<(&'a str, &'a str, i64, usize, usize, usize)>,
    terms: String,
    post: String,
}

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

/// Builds the index and snippet files for `pages`. `charts` is the chart
/// table: (name, title).
pub fn build(charts: &[(String, String)], pages: &[SearchPage]) -> Built {
    // Pages grouped by snippet file: one per chart, then one for the rest.
    let shard_of = |p: &SearchPage| p.chart.unwrap_or(charts.len());
    let mut order: Vec<usize> = (0..pages.len()).collect();
    order.sort_by_key(|i| (shard_of(&pages[*i]), *i));

    let mut shard_names: Vec<String> = charts.iter().map(|(n, _)| n.clone()).collect();
    shard_names.push("pages".into());
    // Per snippet file: anchor, heading, text, anchor, heading, text, ...
    let mut shard_texts: Vec<Vec<String>> = vec![Vec::new(); shard_names.len()];

    let mut page_rows = Vec::new();
    let mut n_docs = 0;
    // term -> doc -> (heading hits, body hits, context hit)
    let mut stats: BTreeMap<String, BTreeMap<usize, (u32, u32, bool)>> = BTreeMap::new();
    for &i in &order {
        let p = &pages[i];
        let shard = shard_of(p);
        let kind = KINDS.iter().position(|k| *k == p.kind).expect("known kind");
        let first_doc = n_docs;
        let context = stem::terms(&format!("{} {}", p.context, p.title));
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
            let doc = n_docs;
            n_docs += 1;
            let mut bump = |term: String, f: &dyn Fn(&mut (u32, u32, bool))| {
                f(stats.entry(term).or_default().entry(doc).or_default())
            };
            for t in &context {
                bump(t.clone(), &|e| e.2 = true);
            }
            for t in stem::terms(heading) {
                bump(t, &|e| e.0 += 1);
            }
            for t in stem::terms(&s.text) {
                bump(t, &|e| e.1 += 2);
            }
            for t in stem::terms(&s.code) {
                bump(t, &|e| e.1 += 1);
            }
            let text = one_line(&format!("{} {}", s.text, s.code));
            shard_texts[shard].push(s.anchor.clone());
            shard_texts[shard].push(one_line(heading));
            shard_texts[shard].push(clip(&text, SNIPPET_TEXT));
        }
        page_rows.push((
            p.url,
            p.label,
            p.chart.map_or(-1, |c| c as i64),
            kind,
            shard,
            n_docs - first_doc,
        ));
    }

    let mut terms = String::new();
    let mut post = String::new();
    for (term, docs) in &stats {
        if !terms.is_empty() {
            terms.push(' ');
            post.push(' ');
        }
        terms.push_str(term);
        let mut prev: Option<usize> = None;
        for (&doc, &(heading, body, _)) in docs {
            // body counts 2 per word of prose and 1 per word of code.
            let level = if heading > 0 {
                3
            } else if body >= 6 {
                2
            } else if body > 0 {
                1
            } else {
                0
            };
            let delta = match prev {
                None => doc,
                Some(p) => doc - p - 1,
            };
            varint(&mut post, delta * 4 + level);
            prev = Some(doc);
        }
    }

    let mut files = Vec::new();
    let mut shard_paths = Vec::new();
    let mut text_bytes = 0;
    for (i, (name, texts)) in shard_names.iter().zip(&shard_texts).enumerate() {
        let json = serde_json::to_string(texts).expect("strings serialize");
        let body = format!("(window.__genSearchText=window.__genSearchText||{{}})[{i}]={json};\n");
        let path = fingerprint(&format!("assets/search/{name}.js"), body.as_bytes());
        text_bytes += body.len();
        shard_paths.push(path.clone());
        files.push((path, body.into_bytes()));
    }

    let n_terms = stats.len();
    let index = Index {
        v: 1,
        stop: stem::STOPWORDS.join(" "),
        kinds: KINDS,
        charts,
        shards: shard_paths,
        pages: page_rows,
        terms,
        post,
    };
    let body = format!(
        "window.__genSearch={};\n",
        serde_json::to_string(&index).expect("index serializes")
    );
    let index_path = fingerprint("assets/search-index.js", body.as_bytes());
    let index_bytes = body.len();
    files.push((index_path.clone(), body.into_bytes()));
    Built {
        index_path,
        files,
        index_bytes,
        text_bytes,
        docs: n_docs,
        terms: n_terms,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip() {
        let mut s = String::new();
        for (delta, level) in [(0usize, 3usize), (0, 0), (7, 1), (300, 2), (100_000, 3)] {
            varint(&mut s, delta * 4 + level);
        }
        let docs = decode(&s);
        assert_eq!(docs, [(0, 3), (1, 0), (9, 1), (310, 2), (100_311, 3)]);
    }

    #[test]
    fn sections_become_weighted_postings() {
        let sections = vec![
            Section {
                anchor: String::new(),
                heading: "Redis backup guide".into(),
                text: "Intro about snapshots.".into(),
                code: String::new(),
            },
            Section {
                anchor: "restore-an-rdb-snapshot".into(),
                heading: "Restore an RDB snapshot".into(),
                text: "Copy the dump file back; the snapshot loads at start.".into(),
                code: "redis-cli save\n".into(),
            },
        ];
        let charts = vec![("redis".to_string(), "Redis".to_string())];
        let pages = [SearchPage {
            url: "charts/redis/backup.html",
            title: "Redis backup guide",
            label: "Backup & recovery",
            chart: Some(0),
            kind: "backup",
            context: "redis Redis".into(),
            sections: &sections,
        }];
        let built = build(&charts, &pages);
        assert_eq!(built.docs, 2);
        let index = String::from_utf8(built.files.last().unwrap().1.clone()).unwrap();
        let json: serde_json::Value = serde_json::from_str(
            index
                .trim_start_matches("window.__genSearch=")
                .trim_end()
                .trim_end_matches(';'),
        )
        .unwrap();
        let terms: Vec<&str> = json["terms"].as_str().unwrap().split(' ').collect();
        let post: Vec<&str> = json["post"].as_str().unwrap().split(' ').collect();
        let at = |t: &str| decode(post[terms.iter().position(|x| *x == t).unwrap()]);
        assert_eq!(at("restor"), [(1, 3)]);
        assert_eq!(at("snapshot"), [(0, 1), (1, 3)]);
        assert_eq!(at("dump"), [(1, 1)]);
        assert_eq!(
            at("redi"),
            [(0, 3), (1, 1)],
            "chart name is context, code counts"
        );
        assert_eq!(json["pages"][0][5], 2, "two documents on the page");
        let (path, shard) = &built.files[0];
        assert!(path.starts_with("assets/search/redis."), "{path}");
        let shard = String::from_utf8(shard.clone()).unwrap();
        assert!(
            shard.contains(r#"["","Redis backup guide","Intro about snapshots.","restore-an-rdb-snapshot","Restore an RDB snapshot","#),
            "{shard}"
        );
    }
}
