//! The facts cache: `<root>/.gen/cache/facts/<chart>.json`, keyed by a hash
//! of what a render depends on (the chart's files, the values files by
//! their names in the chart, the Helm command and gen's version), so that a build whose charts did not
//! change never runs Helm. Stale or unreadable entries are simply rendered
//! again.
//!
//! The key covers the chart as its maintainer wrote it: gen's own files
//! (with its generated mark), gen's marked regions, Chart.yaml's `version:`
//! line and values.schema.json (gen merges into it) are left out, so that
//! gen's writes do not make the next build render the chart again. Their
//! objects are not in the facts anyway (see `gather::finish`).

use super::ChartFacts;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DIR: &str = ".gen/cache/facts";

/// 128-bit FNV-1a over 64-bit words (bytes at the end): stable across
/// platforms and Rust versions, plenty against accidental collisions
/// between two states of one chart, and eight times fewer multiplications
/// than byte by byte (a chart collection is megabytes).
#[derive(Clone)]
pub struct Hasher(u128);

impl Default for Hasher {
    fn default() -> Self {
        Hasher(0x6c62_272e_07bb_0142_62b8_2175_6295_c58d)
    }
}

impl Hasher {
    pub fn bytes(&mut self, bytes: &[u8]) {
        // The length first, so that ("ab", "c") and ("a", "bc") differ.
        for b in (bytes.len() as u64).to_le_bytes().iter().chain(bytes) {
            self.0 ^= u128::from(*b);
            self.0 = self
                .0
                .wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
        }
    }

    pub fn hex(&self) -> String {
        format!("{:032x}", self.0)
    }
}

/// The cache key of a chart's facts.
pub fn key(chart_dir: &Path, values_files: &[PathBuf], helm: &str) -> std::io::Result<String> {
    let mut h = Hasher::default();
    h.bytes(crate::config::VERSION.as_bytes());
    h.bytes(helm.as_bytes());
    h.bytes(format!("{} {}", super::RELEASE, super::NAMESPACE).as_bytes());
    for entry in walkdir::WalkDir::new(chart_dir).sort_by_file_name() {
        let entry = entry.map_err(std::io::Error::other)?;
        if !entry.file_type().is_file() {
            continue;
        }
        let rel = crate::output::relative(chart_dir, entry.path());
        let bytes = std::fs::read(entry.path())?;
        if rel == "values.schema.json" || crate::output::is_generated(&bytes) {
            continue;
        }
        h.bytes(rel.as_bytes());
        match String::from_utf8(bytes) {
            Ok(text) => h.bytes(hand_written(&rel, &text).as_bytes()),
            Err(e) => h.bytes(e.as_bytes()),
        }
    }
    // Each values file by its name in the chart, never by its full path:
    // the project's folder is no part of the render, and a key that held
    // it would differ between two copies of one collection.
    for f in values_files {
        h.bytes(crate::output::relative(chart_dir, f).as_bytes());
        h.bytes(&std::fs::read(f)?);
    }
    Ok(h.hex())
}

/// A text file of the chart without what gen writes into it: its marked
/// regions, markers included, and in Chart.yaml the `version:` line.
fn hand_written(rel: &str, text: &str) -> String {
    use crate::regions::{outside, Style};
    let text = outside(text, Style::Html, None, false);
    outside(&text, Style::Hash, None, false)
        .split_inclusive('\n')
        .filter(|l| !(rel == "Chart.yaml" && l.starts_with("version:")))
        .collect()
}

#[derive(Serialize, Deserialize)]
struct Entry {
    key: String,
    facts: ChartFacts,
}

fn path(root: &Path, chart: &str) -> PathBuf {
    root.join(DIR).join(format!("{chart}.json"))
}

/// The cached facts of `chart`, if they were made with `key`.
pub fn read(root: &Path, chart: &str, key: &str) -> Option<ChartFacts> {
    let bytes = std::fs::read(path(root, chart)).ok()?;
    let e: Entry = serde_json::from_slice(&bytes).ok()?;
    (e.key == key).then_some(e.facts)
}

/// Stores facts; a cache that cannot be written only costs time later.
pub fn write(root: &Path, chart: &str, key: &str, facts: &ChartFacts) {
    let entry = Entry {
        key: key.to_string(),
        facts: facts.clone(),
    };
    if let Ok(mut text) = serde_json::to_string_pretty(&entry) {
        text.push('\n');
        let p = path(root, chart);
        if p.parent()
            .is_some_and(|d| std::fs::create_dir_all(d).is_ok())
        {
            let _ = crate::output::write_atomic(&p, text.as_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_follows_content_and_entries_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let chart = dir.path().join("charts/x");
        std::fs::create_dir_all(chart.join("templates")).unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: x\n").unwrap();
        let k1 = key(&chart, &[], "helm").unwrap();
        assert_eq!(k1, key(&chart, &[], "helm").unwrap());
        assert_ne!(k1, key(&chart, &[], "other-helm").unwrap());
        std::fs::write(chart.join("templates/a.yaml"), "").unwrap();
        let k2 = key(&chart, &[], "helm").unwrap();
        assert_ne!(k1, k2);
        // What gen writes does not count: its files, regions, the version.
        std::fs::write(
            chart.join("templates/rbac.yaml"),
            "# Code generated by gen from specs/x.yaml. DO NOT EDIT.\n",
        )
        .unwrap();
        std::fs::write(
            chart.join("values.yaml"),
            "a: 1\n# gen:begin values\nb: 1\n# gen:end values\n",
        )
        .unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: x\nversion: 0.1.0\n").unwrap();
        std::fs::write(chart.join("values.schema.json"), "{}").unwrap();
        let k3 = key(&chart, &[], "helm").unwrap();
        std::fs::write(
            chart.join("values.yaml"),
            "a: 1\n# gen:begin values\nb: 2\n# gen:end values\n",
        )
        .unwrap();
        std::fs::write(chart.join("Chart.yaml"), "name: x\nversion: 0.2.0\n").unwrap();
        std::fs::write(chart.join("values.schema.json"), "{\"x\": 1}").unwrap();
        assert_eq!(k3, key(&chart, &[], "helm").unwrap());
        std::fs::write(
            chart.join("values.yaml"),
            "a: 2\n# gen:begin values\nb: 2\n# gen:end values\n",
        )
        .unwrap();
        assert_ne!(k3, key(&chart, &[], "helm").unwrap());
        let facts = ChartFacts {
            values_keys: vec!["a".into()],
            ..ChartFacts::default()
        };
        assert!(read(dir.path(), "x", &k2).is_none());
        write(dir.path(), "x", &k2, &facts);
        assert_eq!(read(dir.path(), "x", &k2), Some(facts));
        assert!(read(dir.path(), "x", &k1).is_none());
    }

    /// The same chart and values files in two project folders: one key, so
    /// a copied or moved collection keeps its cache and two copies' caches
    /// are byte-identical.
    #[test]
    fn key_is_the_same_in_any_folder() {
        let keys: Vec<String> = (0..2)
            .map(|_| {
                let dir = tempfile::tempdir().unwrap();
                let chart = dir.path().join("charts/x");
                std::fs::create_dir_all(&chart).unwrap();
                std::fs::write(chart.join("Chart.yaml"), "name: x\n").unwrap();
                std::fs::write(chart.join("values-prod.yaml"), "a: 1\n").unwrap();
                key(&chart, &[chart.join("values-prod.yaml")], "helm").unwrap()
            })
            .collect();
        assert_eq!(keys[0], keys[1]);
    }
}
