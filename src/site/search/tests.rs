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
        cross: false,
        sections: &sections,
    }];
    let built = build(&charts, &pages);
    assert_eq!(built.docs, 2);
    assert_eq!((built.shards, built.chunks), (1, 1));
    let file = |prefix: &str| -> (String, serde_json::Value) {
        let (path, body) = built
            .files
            .iter()
            .find(|(p, _)| p.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix}"));
        let body = String::from_utf8(body.clone()).unwrap();
        let json = body.split_once('=').unwrap().1;
        let json = json.rsplit_once("]=").map_or(json, |(_, j)| j);
        let json = json.trim_end().trim_end_matches(';');
        (path.clone(), serde_json::from_str(json).unwrap())
    };
    let (_, manifest) = file("assets/search-index.");
    let hash = manifest["hash"].as_str().unwrap().to_string();
    assert_eq!(manifest["dir"], DIR);
    assert_eq!(manifest["shards"][0][0], "back", "the first term");
    assert_eq!(manifest["pages"][0][4], 2, "two documents on the page");
    assert_eq!(varints(manifest["chunks"].as_str().unwrap()), [2]);

    let (path, shard) = file(&format!("{DIR}t0."));
    assert_eq!(path, format!("{DIR}t0.{hash}.js"));
    assert_eq!(
        manifest["shards"][0][1].as_u64().unwrap() as usize,
        built.terms
    );
    let terms: Vec<&str> = shard[0].as_str().unwrap().split(' ').collect();
    let post: Vec<&str> = shard[1].as_str().unwrap().split(' ').collect();
    let at = |t: &str| decode(post[terms.iter().position(|x| *x == t).unwrap()]);
    assert_eq!(at("restor"), [(1, 3)]);
    assert_eq!(at("snapshot"), [(0, 1), (1, 3)]);
    assert_eq!(at("dump"), [(1, 1)]);
    assert_eq!(
        at("redi"),
        [(0, 3), (1, 1)],
        "chart name is context, code counts"
    );
    let (path, chunk) = file(&format!("{DIR}c0."));
    assert_eq!(path, format!("{DIR}c0.{hash}.js"));
    let chunk: Vec<&str> = chunk
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(chunk.len(), 6, "anchor, heading, text of two documents");
    assert_eq!(
        chunk[..3],
        ["", "Redis backup guide", "Intro about snapshots."]
    );
    assert_eq!(
        chunk[3..5],
        ["restore-an-rdb-snapshot", "Restore an RDB snapshot"]
    );
    let body = &built.files.iter().find(|(p, _)| p == &path).unwrap().1;
    assert!(String::from_utf8_lossy(body).starts_with(&format!(
        "(window.__genSearchData=window.__genSearchData||{{}})[\"c0.{hash}\"]="
    )));
}

#[test]
fn the_budget_covers_the_manifest_and_the_largest_shard() {
    let built = |index_bytes, largest_shard_bytes| Built {
        index_path: "assets/search-index.12345678.js".into(),
        files: Vec::new(),
        index_bytes,
        largest_shard_bytes,
        largest_chunk_bytes: 8000,
        text_bytes: 50 * BUDGET,
        shard_bytes: SHARD_MIN_BYTES,
        chunk_bytes: CHUNK_MIN_BYTES,
        shards: 1,
        chunks: 1,
        docs: 1,
        terms: 1,
    };
    assert!(built(BUDGET / 2, BUDGET / 2).warnings().is_empty());
    let w = built(BUDGET / 2, BUDGET / 2 + 1024).warnings();
    assert_eq!(w.len(), 1);
    let text = w[0].to_string();
    assert!(
        text.contains("site/assets/search-index.12345678.js"),
        "{text}"
    );
    assert!(
        text.contains("manifest 256 KB, largest term shard 257 KB"),
        "{text}"
    );
}

/// Many sections: shards and chunks stay near their sizes, every term
/// and document is in exactly one, and a query's files are few.
#[test]
fn shards_and_chunks_are_bounded() {
    let words: Vec<String> = (0..3000).map(|i| format!("w{i:04}x")).collect();
    let sections: Vec<Section> = (0..400)
        .map(|s| Section {
            anchor: format!("s{s}"),
            heading: format!("Section {s} {}", words[s * 7 % 3000]),
            text: (0..120)
                .map(|k| words[(s * 31 + k * k) % 3000].as_str())
                .collect::<Vec<_>>()
                .join(" "),
            code: String::new(),
        })
        .collect();
    let pages: Vec<SearchPage> = sections
        .chunks(10)
        .enumerate()
        .map(|(i, s)| SearchPage {
            url: ["a.html", "b.html", "c.html", "d.html"][i % 4],
            title: "Page",
            label: "Page",
            chart: None,
            kind: "guide",
            context: String::new(),
            cross: false,
            sections: s,
        })
        .collect();
    let built = build(&[], &pages);
    assert_eq!(built.docs, 400);
    // A file per PAGES_PER_SHARD (PAGES_PER_CHUNK) pages, or one more
    // where the last cut falls short, unless that makes files smaller
    // than their least size.
    let expect = |per: usize, bytes: usize, least: usize| {
        if bytes == least {
            1..=pages.len() / per + 1
        } else {
            pages.len() / per..=pages.len() / per + 1
        }
    };
    assert!(
        expect(PAGES_PER_SHARD, built.shard_bytes, SHARD_MIN_BYTES).contains(&built.shards)
            && expect(PAGES_PER_CHUNK, built.chunk_bytes, CHUNK_MIN_BYTES).contains(&built.chunks),
        "{} shards of {} bytes, {} chunks of {} bytes",
        built.shards,
        built.shard_bytes,
        built.chunks,
        built.chunk_bytes
    );
    assert!(built.shards > 1 && built.chunks > 5);
    // Each near its size (the file's own wrapping is the slack).
    assert!(built.largest_shard_bytes <= built.shard_bytes + 200);
    assert!(built.largest_chunk_bytes <= built.chunk_bytes + 200);
    let mut terms = 0;
    for (path, body) in &built.files {
        if path.starts_with(&format!("{DIR}t")) {
            let body = String::from_utf8_lossy(body);
            let json: serde_json::Value = serde_json::from_str(
                body.split_once("]=")
                    .unwrap()
                    .1
                    .trim_end()
                    .trim_end_matches(';'),
            )
            .unwrap();
            terms += json[0].as_str().unwrap().split(' ').count();
        }
    }
    assert_eq!(terms, built.terms);
    assert!(built.warnings().is_empty());
    // Deterministic: the same input, the same files.
    let again = build(&[], &pages);
    assert_eq!(built.files, again.files);
}
