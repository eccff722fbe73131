//! Restore steps run on the files their backups write, with the real tools
//! that read them (tar, sed, age, jq, kubectl), as far as this machine goes
//! without a cluster: what a step reads out of an archive, and what a
//! restore target sends to the API server for what the backup target
//! exported.

use crate::common::repo;
use std::path::Path;
use std::process::{Command, Stdio};

/// The command of step `title` of procedure `id` as the guide shows it.
fn step_run(chart: &str, id: &str, title: &str) -> String {
    let project = chartgen::project::load(
        &repo(),
        &chartgen::project::facts_options(&repo(), None, false),
        &Default::default(),
    )
    .expect("shipped specs load")
    .0;
    let file = project
        .specs
        .iter()
        .find(|f| f.spec.name == chart)
        .unwrap_or_else(|| panic!("no spec for {chart}"));
    chartgen::procedures::procedures(&file.spec)
        .into_iter()
        .find(|p| p.id == id)
        .and_then(|p| p.steps.into_iter().find(|s| s.title == title))
        .and_then(|s| s.run)
        .unwrap_or_else(|| panic!("{chart}: no step {title:?} in {id}"))
}

fn sh(script: &str, dir: &Path, env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("bash runs");
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// Jellyfin's full restore starts the image that wrote the archive, read
/// from `PreviousVersionStr` in its `config/system.xml`: with the four
/// numbers of a `Version` written by 10.10/10.11 (`10.11.3.0`) or three,
/// the first three are the tag; without the element, or empty, the step
/// stops with what to do, before it changes the release.
#[test]
fn jellyfin_restore_reads_the_version_the_archive_was_written_by() {
    let run = step_run(
        "jellyfin",
        "restore.full",
        "Start the image version that wrote the backup",
    );
    // The lines up to the version it found; the rest needs a cluster.
    let end = run
        .find("echo \"archive written by Jellyfin $TAG\"\n")
        .expect("the step prints the version it found");
    let head = &run[..end + run[end..].find('\n').unwrap() + 1];
    assert!(
        !head.contains("helm") && !head.contains("kubectl"),
        "{head}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "<PreviousVersionStr>10.11.3.0</PreviousVersionStr>",
            Some("10.11.3"),
        ),
        (
            "<PreviousVersionStr>10.10.7</PreviousVersionStr>",
            Some("10.10.7"),
        ),
        ("<PreviousVersionStr />", None),
        ("<PreviousVersionStr></PreviousVersionStr>", None),
        ("", None),
    ];
    for (i, (element, tag)) in cases.iter().enumerate() {
        let root = dir.path().join(format!("c{i}"));
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::write(
            root.join("config/system.xml"),
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
                 <ServerConfiguration xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                 xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n  \
                 <LogFileRetentionDays>3</LogFileRetentionDays>\n  \
                 <IsStartupWizardCompleted>true</IsStartupWizardCompleted>\n  \
                 {element}\n  <EnableMetrics>false</EnableMetrics>\n\
                 </ServerConfiguration>\n"
            ),
        )
        .unwrap();
        // As the backup target packs /config: `tar -czf - ./config ...`.
        let f = dir.path().join(format!("jellyfin-{i}.tar.gz"));
        let (ok, out) = sh(
            &format!(
                "tar -C '{}' -czf '{}' ./config",
                root.display(),
                f.display()
            ),
            dir.path(),
            &[],
        );
        assert!(ok, "{out}");
        let (ok, out) = sh(head, dir.path(), &[("F", f.to_str().unwrap())]);
        match tag {
            Some(t) => {
                assert!(ok, "{element}: {out}");
                assert_eq!(
                    out,
                    format!("archive written by Jellyfin {t}\n"),
                    "{element}"
                );
            }
            None => {
                assert!(!ok, "{element}: {out}");
                assert!(
                    out.contains("no PreviousVersionStr in system.xml: set TAG")
                        && !out.contains("archive written by"),
                    "{element}: {out}"
                );
            }
        }
    }
}
