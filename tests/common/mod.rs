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

/// Runs `cmd` to its end with stdout discarded, or kills it (this child
/// only) and fails the test once `limit` has passed. Returns the exit code
/// and stderr.
#[allow(dead_code)]
pub fn run_bounded(
    cmd: &mut std::process::Command,
    limit: std::time::Duration,
) -> (Option<i32>, String) {
    use std::io::Read;
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the command starts");
    let mut err = child.stderr.take().expect("stderr is piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            return (status.code(), reader.join().unwrap_or_default());
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} ran longer than {limit:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
