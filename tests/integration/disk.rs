//! Issue 19, fast on a real disk: what a build asks of the file system,
//! counted by the real strace. A cold build into a missing or empty site/
//! looks at none of its files before writing them, and writes each with
//! one call, through a temporary file renamed into place.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use crate::common;
use common::{file_tree, gen, project, skip_or_fail, stderr, tool};

/// `gen build` on `root` under strace: every file-name and `write` call of
/// every thread, one file of calls per thread (so no call is split),
/// with each descriptor's path (`-y`) and no data (`-s 0`).
fn traced_build(root: &Path) -> Option<Vec<String>> {
    let Some(strace) = tool("strace") else {
        skip_or_fail("strace is not installed (scripts/test installs it)");
        return None;
    };
    let logs = tempfile::tempdir().unwrap();
    let o = Command::new(strace)
        .args([
            "-ff",
            "-y",
            "-qq",
            "-s",
            "0",
            "-e",
            "trace=%file,write",
            "-o",
        ])
        .arg(logs.path().join("t"))
        .arg(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(root)
        .args(["--quiet", "build"])
        .env("NO_COLOR", "1")
        .output()
        .expect("strace runs");
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut lines = Vec::new();
    for (_, text) in file_tree(logs.path()) {
        lines.extend(String::from_utf8(text).unwrap().lines().map(str::to_string));
    }
    assert!(!lines.is_empty(), "strace saw no call");
    Some(lines)
}

/// The paths under `site` that a trace line names, in quotes or as a
/// descriptor's `<path>`.
fn site_paths<'a>(line: &'a str, site: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find(site) {
        let tail = &rest[i..];
        let end = tail.find(['"', '>']).unwrap_or(tail.len());
        out.push(&tail[..end]);
        rest = &tail[end..];
    }
    out
}

/// The file a temporary file replaces: `dir/.NAME.gen-tmp-PID` -> `dir/NAME`.
fn replaced_by(temp: &str) -> Option<String> {
    let (dir, name) = temp.rsplit_once('/')?;
    let (file, pid) = name.strip_prefix('.')?.rsplit_once(".gen-tmp-")?;
    pid.bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| format!("{dir}/{file}"))
}

/// Asserts that the traced cold build of `root` touched no site file but
/// to create its temporary file, write it in one call and rename it into
/// place.
fn assert_write_only(root: &Path, trace: &[String]) {
    let root = root.canonicalize().unwrap();
    let site = format!("{}/site/", root.display());
    let files: BTreeMap<String, usize> = file_tree(&root.join("site"))
        .into_iter()
        .map(|(p, bytes)| (p.display().to_string(), bytes.len()))
        .collect();
    assert!(files.len() > 10, "a site was built: {}", files.len());
    let mut writes: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    let mut renamed = 0;
    for line in trace {
        // "call(args) = result"
        let call = line.as_str();
        let paths = site_paths(call, &site);
        if paths.is_empty() {
            continue;
        }
        let name = &call[..call.find('(').unwrap_or(0)];
        for path in &paths {
            if let Some(file) = replaced_by(path) {
                assert!(files.contains_key(&file), "a stray temporary file: {line}");
                match name {
                    "write" => {
                        let n = call.rsplit_once("= ").unwrap().1.trim();
                        writes.entry(file).or_default().push(n.parse().unwrap());
                    }
                    "openat" => assert!(
                        call.contains("O_CREAT|O_EXCL") && !call.contains("= -1"),
                        "a temporary file is only created, new: {line}"
                    ),
                    "rename" | "renameat" | "renameat2" => {}
                    _ => panic!("an unexpected call on a temporary file: {line}"),
                }
            } else if files.contains_key(*path) {
                // A final name only ever appears as a rename's target.
                assert!(
                    name.starts_with("rename") && paths.len() == 2 && paths[1] == *path,
                    "a cold build looked at a site file before writing it: {line}"
                );
                renamed += 1;
            }
        }
    }
    assert_eq!(
        renamed,
        files.len(),
        "each site file renamed into place once"
    );
    for (file, size) in &files {
        assert_eq!(
            writes.get(file).map(Vec::as_slice),
            Some(&[*size][..]),
            "{file}: one write of all its {size} bytes"
        );
    }
}

#[test]
fn a_cold_build_into_a_missing_site_reads_nothing_there_and_writes_each_file_once() {
    let dir = project();
    let root = dir.path();
    let built = file_tree(&root.join("site"));
    std::fs::remove_dir_all(root.join("site")).unwrap();
    let Some(trace) = traced_build(root) else {
        return;
    };
    assert_write_only(root, &trace);
    assert_eq!(file_tree(&root.join("site")), built, "the same site");
    assert_eq!(gen(root, &["check"]).status.code(), Some(0));
}

#[test]
fn a_cold_build_into_an_empty_site_reads_nothing_there_either() {
    let dir = project();
    let root = dir.path();
    let built = file_tree(&root.join("site"));
    std::fs::remove_dir_all(root.join("site")).unwrap();
    std::fs::create_dir(root.join("site")).unwrap();
    let Some(trace) = traced_build(root) else {
        return;
    };
    assert_write_only(root, &trace);
    assert_eq!(file_tree(&root.join("site")), built, "the same site");
}

#[test]
fn a_no_op_build_writes_nothing() {
    let dir = project();
    let root = dir.path();
    let Some(trace) = traced_build(root) else {
        return;
    };
    let root = root.canonicalize().unwrap();
    let writes: Vec<&String> = trace
        .iter()
        .filter(|call| {
            (call.starts_with("write(") || call.starts_with("rename"))
                && call.contains(&format!("{}/", root.display()))
        })
        .collect();
    assert!(writes.is_empty(), "a no-op build wrote: {writes:#?}");
}
