//! The facts cache: `<root>/.gen/cache/facts/<chart>.json`, keyed by a hash
//! of everything a render depends on (every file of the chart, the values
//! files, the Helm command and gen's version), so that a build whose charts
//! did not change never runs Helm. Stale or unreadable entries are simply
//! rendered again; the cache is never wrong, only cold.

use super::ChartFacts;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DIR: &str = ".gen/cache/facts";

/// 128-bit FNV-1a: stable across platforms and Rust versions, and plenty
/// against accidental collisions between two states of one chart.
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
        if entry.file_type().is_file() {
            h.bytes(crate::output::relative(chart_dir, entry.path()).as_bytes());
            h.bytes(&std::fs::read(entry.path())?);
        }
    }
    for f in values_files {
        h.bytes(f.to_string_lossy().as_bytes());
        h.bytes(&std::fs::read(f)?);
    }
    Ok(h.hex())
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
        let facts = ChartFacts {
            values_keys: vec!["a".into()],
            ..ChartFacts::default()
        };
        assert!(read(dir.path(), "x", &k2).is_none());
        write(dir.path(), "x", &k2, &facts);
        assert_eq!(read(dir.path(), "x", &k2), Some(facts));
        assert!(read(dir.path(), "x", &k1).is_none());
    }
}
