//! Helpers shared by the integration tests that drive real components.

use std::path::PathBuf;

/// The first executable called `name` on PATH.
pub fn tool(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// Under CI a missing component fails the test; elsewhere it skips, saying why.
pub fn skip_or_fail(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why} (CI=true: tests never skip there; run scripts/test)");
    }
    eprintln!("skipped: {why}; run scripts/test to install it");
}
