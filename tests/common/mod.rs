//! Helpers shared by the integration tests that drive real components.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The first executable called `name` on PATH.
#[allow(dead_code)]
pub fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Under CI a missing component fails the test; elsewhere it skips, saying why.
#[allow(dead_code)]
pub fn skip_or_fail(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why} (CI=true: tests never skip there; run scripts/test)");
    }
    eprintln!("skipped: {why}; run scripts/test to install it");
}

/// Every file under `root` with its bytes: compare two snapshots to prove
/// that a run changed nothing on disk.
#[allow(dead_code)] // not every test binary that includes this module uses it
pub fn file_tree(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect()
}
