//! Partial backup files: a backup writes `NAME.part` and renames it once
//! its check passes; a failed one keeps the `.part` for a look and names
//! it. Nothing that picks a backup may then read a partial: every glob
//! under `$BACKUP_DIR` in a spec's steps and targets (a listing for the
//! eye, `ls -l`, aside) is matched by real `sh` against the files the
//! spec's backups write and their `.part` siblings.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// What `$(date +%Y%m%d-%H%M%S)` and `$TS` stand for in a name.
const TS: &str = "20260102-030405";

/// Loop variables a backup's name is built from, with a value as the
/// guides show it (MySQL's binlog copy names each file after the server's).
const LOOP_VALUES: &[(&str, &str)] = &[("$f", "binlog.000042")];

/// Every shell text of a spec: its steps and its targets, expanded.
fn texts(file: &chartgen::spec::SpecFile) -> Vec<String> {
    let steps = chartgen::procedures::procedures(&file.spec)
        .into_iter()
        .flat_map(|p| p.steps.into_iter().filter_map(|s| s.run));
    let ops = file.spec.operations.iter().map(|o| o.run.clone());
    steps.chain(ops).collect()
}

/// `text` with `$NAME` replaced by the value last assigned to it before
/// `at` (`NAME="..."`), repeatedly, and the timestamp and loop values.
fn resolve(text: &str, at: usize, word: &str) -> String {
    let mut w = word
        .replace("$(date +%Y%m%d-%H%M%S)", TS)
        .replace("$TS", TS);
    for (var, value) in LOOP_VALUES {
        w = w.replace(var, value);
    }
    for _ in 0..4 {
        let Some(d) = w.find('$') else { break };
        let name: String = w[d + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        if name.is_empty() || name == "BACKUP_DIR" {
            break;
        }
        let set = format!("{name}=\"");
        let Some(v) = text[..at].rfind(&set).map(|i| {
            let rest = &text[i + set.len()..];
            rest[..rest.find('"').unwrap_or(rest.len())].to_string()
        }) else {
            break;
        };
        w = w.replacen(&format!("${name}"), &v, 1);
        w = w.replace("$(date +%Y%m%d-%H%M%S)", TS).replace("$TS", TS);
    }
    w
}

/// The names, relative to `$BACKUP_DIR`, that `> "$X.part"` writes
/// before renaming to `X`.
fn part_writes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (at, _) in text.match_indices(".part\"") {
        let Some(open) = text[..at].rfind('"') else {
            continue;
        };
        let word = &text[open + 1..at];
        if !word.starts_with('$') || word.contains(char::is_whitespace) {
            continue;
        }
        let name = resolve(text, open, word);
        for dir in ["$BACKUP_DIR/", "${BACKUP_DIR}/"] {
            if let Some(rel) = name.strip_prefix(dir) {
                out.push(rel.to_string());
            }
        }
    }
    out
}

/// The globs under `$BACKUP_DIR` that pick files (not `ls -l` listings).
fn globs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.contains("ls -l")) {
        for head in ["\"$BACKUP_DIR\"/", "$BACKUP_DIR/", "\"${BACKUP_DIR}\"/"] {
            for (at, _) in line.match_indices(head) {
                let rest = &line[at + head.len()..];
                let end = rest
                    .find(|c: char| c.is_whitespace() || "\"|);".contains(c))
                    .unwrap_or(rest.len());
                let g = rest[..end].replace("$TS", TS);
                if g.contains(['*', '?', '[']) && !g.contains('$') {
                    out.push(g);
                }
            }
        }
    }
    out
}

/// The files of `dir` that `glob` matches, as `sh` expands it.
fn matches(dir: &Path, glob: &str) -> Vec<String> {
    let script = format!("cd \"$1\" && for f in {glob}; do [ -e \"$f\" ] && echo \"$f\"; done; :");
    let out = Command::new("sh")
        .args(["-c", &script, "sh"])
        .arg(dir)
        .output()
        .expect("sh runs");
    assert!(
        out.status.success(),
        "{glob}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

#[test]
fn no_glob_that_picks_a_backup_matches_a_partial_file() {
    let project = crate::common::shipped();
    let (mut writes, mut read, mut bad) = (0, BTreeSet::new(), Vec::new());
    for file in &project.specs {
        let texts = texts(file);
        let parts: BTreeSet<String> = texts.iter().flat_map(|t| part_writes(t)).collect();
        if parts.is_empty() {
            continue;
        }
        let globs: BTreeSet<String> = texts.iter().flat_map(|t| globs(t)).collect();
        let dir = tempfile::tempdir().unwrap();
        for rel in &parts {
            let p = dir.path().join(rel);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(&p, "whole").unwrap();
            std::fs::write(dir.path().join(format!("{rel}.part")), "cut").unwrap();
            writes += 1;
        }
        for g in &globs {
            for m in matches(dir.path(), g) {
                if m.ends_with(".part") {
                    bad.push(format!("{}: `{g}` matches {m}", file.spec.name));
                } else {
                    read.insert(format!("{}: {m}", file.spec.name));
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "globs that pick a partial file:\n{}",
        bad.join("\n")
    );
    // The specs write partials and their restores read the whole files:
    // the globs above were matched against something.
    assert!(writes >= 9, "only {writes} `.part` writes found");
    for whole in [
        "mysql: binlog/binlog.000042",
        "mysql: mysql-20260102-030405.sql.gz",
        "redis: redis-20260102-030405.rdb",
        "vaultwarden: vaultwarden-20260102-030405.tar.gz",
        "paperless-ngx: paperless-ngx-20260102-030405.tar.gz",
        "rabbitmq: rabbitmq-definitions-20260102-030405.json",
        "mongodb: mongodb-20260102-030405.archive.gz",
    ] {
        assert!(read.contains(whole), "no glob reads {whole}: {read:?}");
    }
}

#[test]
fn a_glob_ending_in_a_wildcard_would_pick_a_partial() {
    // The detector itself: MySQL's gap check read `*.[0-9]*` before.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("binlog.000042"), "").unwrap();
    std::fs::write(dir.path().join("binlog.000043.part"), "").unwrap();
    assert_eq!(
        matches(dir.path(), "*.[0-9]*"),
        ["binlog.000042", "binlog.000043.part"]
    );
    assert_eq!(matches(dir.path(), "*.[0-9]*[0-9]"), ["binlog.000042"]);
    let text = "F=\"$BACKUP_DIR/x-$(date +%Y%m%d-%H%M%S).tar.gz\"\ntar -czf - . > \"$F.part\"\n\
                ls -1t \"$BACKUP_DIR\"/x-*.tar.gz | head -n 1\nls -lt \"$BACKUP_DIR\"/x-*\n";
    assert_eq!(part_writes(text), [format!("x-{TS}.tar.gz")]);
    assert_eq!(globs(text), ["x-*.tar.gz"]);
}
