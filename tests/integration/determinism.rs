//! Same inputs, same bytes: across folders, time zones, locales and the
//! order in which files were created.

use std::path::Path;
use std::process::Command;

use crate::common::fixture::Fixture;
use crate::common::rel_tree as tree;

fn build(root: &Path, tz: &str, lang: &str) {
    let o = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(root)
        .arg("build")
        .env("TZ", tz)
        .env("LANG", lang)
        .env("LC_ALL", lang)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn two_builds_anywhere_are_byte_identical() {
    let names = ["zeta", "alpha", "mid", "beta"];
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for (dir, order) in [
        (a.path(), names.to_vec()),
        (b.path(), names.iter().rev().copied().collect()),
    ] {
        std::fs::create_dir(dir.join("specs")).unwrap();
        for n in order {
            let deps: &[&str] = if n == "alpha" { &["zeta"] } else { &[] };
            let text = Fixture::new(n).depends_on(deps).yaml();
            std::fs::write(dir.join(format!("specs/{n}.yaml")), text).unwrap();
        }
    }
    build(a.path(), "UTC", "C");
    build(b.path(), "Pacific/Chatham", "tr_TR.UTF-8");
    let (ta, tb) = (tree(a.path()), tree(b.path()));
    assert_eq!(ta.keys().collect::<Vec<_>>(), tb.keys().collect::<Vec<_>>());
    for (path, bytes) in &ta {
        assert!(bytes == &tb[path], "{path} differs between the two builds");
        if !path.ends_with(".json") {
            let text = String::from_utf8(bytes.clone()).unwrap();
            assert!(!text.contains('\r'), "{path} has CR");
            assert!(
                text.ends_with('\n') && !text.ends_with("\n\n"),
                "{path}: one final newline"
            );
            assert!(
                text.lines().all(|l| l == l.trim_end()),
                "{path}: trailing spaces"
            );
        }
    }
    // Nothing machine-specific leaks into the outputs.
    let all: String = ta
        .values()
        .map(|b| String::from_utf8_lossy(b).into_owned())
        .collect();
    assert!(!all.contains(&a.path().to_string_lossy().into_owned()));
    assert!(
        !all.contains(&format!("gen {}", env!("CARGO_PKG_VERSION"))),
        "no tool version stamped"
    );
    assert!(
        !all.contains("2026-") && !all.contains("UTC"),
        "no timestamps"
    );
}
