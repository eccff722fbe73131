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

/// A small deterministic generator (xorshift64*), so a property test's
/// failures replay.
#[allow(dead_code)]
pub struct Rng(pub u64);

#[allow(dead_code)]
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Up to `max - 1` of `pieces`, picked at random and joined.
    pub fn pick(&mut self, pieces: &[&str], max: usize) -> String {
        (0..self.below(max))
            .map(|_| pieces[self.below(pieces.len())])
            .collect()
    }
}

/// The real chart collection (`shared/collection` beside this repository or
/// one of its parents, or `$GEN_COLLECTION`): read-only, so tests copy from it.
#[allow(dead_code)]
pub fn collection() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("GEN_COLLECTION") {
        return Some(PathBuf::from(p));
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|a| a.join("shared/collection"))
        .find(|p| p.join("charts").is_dir())
}

/// `scripts/helm`, real Helm's command line over the helm-sdkpy library,
/// when its components are installed (scripts/test installs them).
#[allow(dead_code)]
pub fn real_helm() -> Option<PathBuf> {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = repo.join(".tools/helm/helm_sdkpy/_lib/linux-amd64/libhelm_sdkpy.so");
    let python = std::process::Command::new("python3")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    (python && lib.is_file()).then(|| repo.join("scripts/helm"))
}

/// Copies the tree at `from` to `to`.
#[allow(dead_code)]
pub fn copy_tree(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let dest = to.join(e.path().strip_prefix(from).unwrap());
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}
