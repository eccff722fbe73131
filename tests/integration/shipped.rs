//! The shipped specs and the generated files committed beside them: golden
//! files (rendering them again gives the same bytes), markdownlint on every
//! Markdown output, and every Makefile target parsed by real make.

use crate::common::repo as root;
use crate::common::require;
use chartgen::checks::shell_rules as rules;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

#[test]
fn committed_outputs_match_a_fresh_render() {
    let (project, warnings) = crate::common::load(&crate::common::repo());
    assert!(
        warnings.is_empty(),
        "shipped specs must be clean under --strict: {warnings:#?}"
    );
    let outputs = chartgen::project::generate(&project, &Default::default())
        .map(|(o, _)| o)
        .expect("shipped specs render");
    let changes = chartgen::output::diff(&root(), &outputs).unwrap();
    let names: Vec<&str> = changes.iter().map(|c| c.path()).collect();
    assert!(
        names.is_empty(),
        "stale generated files (run `cargo run -- build`): {names:?}"
    );
    for chart in ["postgresql", "prometheus", "memcached"] {
        for f in [
            format!("docs/{chart}/backup-guide.md"),
            format!("docs/{chart}/upgrade-guide.md"),
            format!("charts/{chart}/README.md"),
            format!("charts/{chart}/values.yaml"),
            format!("charts/{chart}/templates/rbac.yaml"),
            format!("make/{chart}.mk"),
        ] {
            assert!(outputs.files.contains_key(&f), "{f} is rendered");
        }
    }
}

#[test]
fn every_chart_has_guides_and_at_least_15_targets() {
    let project = crate::common::shipped();
    for f in &project.specs {
        let m = chartgen::model::chart_model(f);
        assert!(
            m.operations.len() >= 15,
            "{}: {} targets",
            f.spec.name,
            m.operations.len()
        );
        let own = m.operations.iter().filter(|o| !o.shared).count();
        assert!(
            own >= 8,
            "{}: only {own} targets particular to the product",
            f.spec.name
        );
        assert!(root().join(&m.backup_guide).is_file());
        assert!(root().join(&m.upgrade_guide).is_file());
    }
}

#[test]
fn generated_markdown_passes_markdownlint_defaults() {
    let tool = root().join(".tools/node_modules/.bin/markdownlint-cli2");
    if !require(tool.exists(), "markdownlint-cli2 (.tools/node_modules)") {
        return;
    }
    let o = Command::new(&tool)
        .current_dir(root())
        .args(["docs/**/*.md", "charts/*/README.md", "README.md"])
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "markdownlint:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The prose gen composes from a template and a spec's field ends each
/// sentence once: "Expected downtime: {{ downtime }}." printed ".." after
/// the 15 downtimes that end with their own full stop. Code blocks and
/// inline code are left out (`..` is a path there).
#[test]
fn generated_prose_ends_a_sentence_once() {
    let (mut lines, mut wrong) = (0, Vec::new());
    let mut files = chart_guides();
    for e in std::fs::read_dir(root().join("charts")).unwrap() {
        let p = e.unwrap().path().join("README.md");
        if let Ok(text) = std::fs::read_to_string(&p) {
            files.push((p, text));
        }
    }
    for (path, text) in files {
        for (i, prose) in text.split("```").step_by(2).enumerate() {
            for line in prose.lines() {
                lines += 1;
                let bare: String = line.split('`').step_by(2).collect();
                let doubled = bare.match_indices("..").any(|(at, _)| {
                    let after = bare[at + 2..].chars().next();
                    !bare[..at].ends_with('.') && after.is_none_or(|c| c == ' ')
                });
                if doubled {
                    wrong.push(format!("{}, part {i}: {}", path.display(), line.trim()));
                }
            }
        }
    }
    assert!(
        lines > 10_000,
        "only {lines} prose lines: the scan is broken"
    );
    assert_eq!(wrong, Vec::<String>::new());
}

/// What specs cannot show, the text gen composes itself (templates, shared
/// pitfalls, known errors), names real targets too: every `make
/// <chart>-<target>` in the shipped guides, READMEs and Makefiles is a
/// target of that chart's Makefile.
#[test]
fn every_make_target_the_shipped_text_names_exists() {
    let root = root();
    let mut targets: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for e in std::fs::read_dir(root.join("make")).unwrap() {
        let path = e.unwrap().path();
        let chart = path.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let names = text
            .lines()
            .filter_map(|l| l.split_once(':').map(|(t, _)| t))
            .filter(|t| t.starts_with(&format!("{chart}-")) && !t.contains([' ', '\t', '$']));
        targets.insert(chart.clone(), names.map(str::to_string).collect());
    }
    assert!(targets.len() >= 30, "{:?}", targets.keys());
    let mut files = vec![root.join("README.md"), root.join("Makefile")];
    for dir in ["charts", "docs", "make"] {
        let mut stack = vec![root.join(dir)];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                match p.extension().and_then(|x| x.to_str()) {
                    _ if p.is_dir() => stack.push(p),
                    Some("md" | "mk") => files.push(p),
                    _ => {}
                }
            }
        }
    }
    let (mut named, mut wrong) = (0, Vec::new());
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'));
        let mut after_make = false;
        for w in words.filter(|w| !w.is_empty()) {
            let call = std::mem::replace(&mut after_make, w == "make");
            // The chart whose name is the longest prefix; `make redis-<target>` is a placeholder.
            let Some(chart) = targets
                .keys()
                .filter(|c| w.len() > c.len() + 1 && w.starts_with(&format!("{c}-")))
                .max_by_key(|c| c.len())
            else {
                continue;
            };
            if call {
                named += 1;
                if !targets[chart].contains(w) {
                    wrong.push(format!("{}: make {w}", f.display()));
                }
            }
        }
    }
    assert!(
        named > 500,
        "only {named} make calls found: the scan is broken"
    );
    assert_eq!(wrong, Vec::<String>::new());
}

#[test]
fn every_make_target_parses_under_make_n() {
    let o = Command::new("make")
        .current_dir(root())
        .args(["--no-print-directory", "help"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let help = String::from_utf8(o.stdout).unwrap();
    let targets: Vec<&str> = help
        .lines()
        .filter(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    let project = crate::common::shipped();
    let expected: usize = project
        .specs
        .iter()
        .map(|f| chartgen::model::chart_model(f).operations.len())
        .sum();
    assert_eq!(targets.len(), expected, "make help lists every target");
    let o = Command::new("make")
        .current_dir(root())
        .arg("-n")
        .args(&targets)
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "make -n: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// The guides' local HTTP calls go through a port-forward
/// (`runbook.local-http-unforwarded` on the guides as shipped, with the
/// blocks gen writes itself).
#[test]
fn local_http_calls_in_the_guides_go_through_a_port_forward() {
    let (mut blocks, mut local, mut wrong) = (0, 0, Vec::new());
    for (path, text) in chart_guides() {
        let guide: Vec<&str> = bash_blocks(&text).collect();
        blocks += guide.len();
        let (found, calls) = rules::unforwarded_local_calls(&guide);
        local += calls;
        for (b, f) in found {
            wrong.push(format!("{}, block {}: {}", path.display(), b + 1, f.what));
        }
    }
    assert!(blocks > 1000, "only {blocks} blocks: the scan is broken");
    assert!(local > 30, "only {local} local calls: the scan is broken");
    assert_eq!(wrong, Vec::<String>::new());
}

/// No `rollout status` of a StatefulSet a block switched to `OnDelete`
/// (`runbook.rollout-on-delete` on the guides as shipped).
#[test]
fn no_rollout_status_after_switching_to_on_delete() {
    let (mut on_delete, mut wrong) = (0, Vec::new());
    for (path, text) in chart_guides() {
        for block in bash_blocks(&text) {
            on_delete += usize::from(block.contains("OnDelete"));
            for (_, f) in rules::rollout_status_on_delete(&[block]) {
                wrong.push(format!("{}: {}", path.display(), f.what));
            }
        }
    }
    assert!(
        on_delete >= 2,
        "only {on_delete} OnDelete blocks: the scan is broken"
    );
    assert_eq!(wrong, Vec::<String>::new());
}

/// Each chart's backup and upgrade guide (`docs/<chart>/...`, relative to
/// the repository), with its text, sorted by path.
fn chart_guides() -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(root().join("docs")).unwrap() {
        let dir = e.unwrap().path();
        for guide in ["backup-guide.md", "upgrade-guide.md"] {
            if let Ok(text) = std::fs::read_to_string(dir.join(guide)) {
                let chart = dir.file_name().unwrap();
                out.push((std::path::Path::new("docs").join(chart).join(guide), text));
            }
        }
    }
    out.sort();
    out
}

/// The bash code blocks of a guide, in order.
fn bash_blocks(text: &str) -> impl Iterator<Item = &str> {
    text.split("```bash\n")
        .skip(1)
        .map(|b| b.split("```").next().unwrap_or_default())
}

/// Every generated text file under `docs/` and `make/`, with its path.
fn guides_and_makefiles() -> Vec<(std::path::PathBuf, String)> {
    let mut out = Vec::new();
    let mut stack = vec![root().join("docs"), root().join("make")];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if let Ok(text) = std::fs::read_to_string(&p) {
                out.push((p, text));
            }
        }
    }
    out
}

/// No guide or target passes a secret through `--set`
/// (`runbook.secret-in-set` on the files as shipped, gen's text too).
#[test]
fn no_guide_or_target_passes_a_secret_through_set() {
    let (files, mut sets, mut wrong) = (guides_and_makefiles(), 0, Vec::new());
    for (p, text) in &files {
        sets += text.matches("--set").count();
        for f in rules::secrets_in_set(text) {
            wrong.push(format!("{}: --set {}", p.display(), f.what));
        }
    }
    let files = files.len();
    assert!(
        files > 100 && sets > 30,
        "only {files} files, {sets} --set: the scan is broken"
    );
    assert_eq!(wrong, Vec::<String>::new());
}

/// No guide or target names a pod after a release
/// (`runbook.pod-from-release` on the files as shipped).
#[test]
fn no_guide_or_target_names_a_pod_after_a_release() {
    let (files, mut wrong) = (guides_and_makefiles(), Vec::new());
    for (p, text) in &files {
        for f in rules::pods_named_from_a_release(text) {
            wrong.push(format!("{}: {}", p.display(), f.what));
        }
    }
    let files = files.len();
    assert!(files > 100, "only {files} files: the scan is broken");
    assert_eq!(wrong, Vec::<String>::new());
}

/// An all-clear grep reads a file an earlier block of the same guide
/// wrote (`runbook.all-clear-unwritten` on the guides as shipped).
#[test]
fn an_all_clear_grep_reads_a_file_the_guide_wrote_before() {
    let (mut checks, mut wrong) = (0, Vec::new());
    for (path, text) in chart_guides() {
        let guide: Vec<&str> = bash_blocks(&text).collect();
        let (found, read) = rules::unwritten_all_clear_greps(&guide);
        checks += read;
        for (b, f) in found {
            let line = guide[b].lines().nth(f.line).unwrap_or_default();
            wrong.push(format!("{}: {line}", path.display()));
        }
    }
    assert!(
        checks >= 2,
        "only {checks} all-clear greps: the scan is broken"
    );
    assert_eq!(wrong, Vec::<String>::new());
}

/// Every dump check of the guides, targets and job templates reads the
/// whole dump (`runbook.dump-toc-only` on the files as shipped).
#[test]
fn every_dump_check_reads_the_whole_dump() {
    let mut units = Vec::new();
    for (p, text) in guides_and_makefiles() {
        if p.extension().is_some_and(|e| e == "md") {
            // The inside of each fenced block: a guide's step or a script.
            units.extend(
                text.split("```")
                    .skip(1)
                    .step_by(2)
                    .map(|b| (p.clone(), b.to_string())),
            );
        } else {
            units.extend(text.lines().map(|l| (p.clone(), l.to_string())));
        }
    }
    for e in std::fs::read_dir(root().join("charts")).unwrap() {
        let p = e.unwrap().path().join("templates/backup-jobs.yaml");
        if let Ok(text) = std::fs::read_to_string(&p) {
            units.push((p, text));
        }
    }
    let (mut checks, mut wrong) = (0, Vec::new());
    for (p, text) in &units {
        checks += text.matches("pg_restore -f /dev/null").count();
        for f in rules::table_of_contents_only_checks(text) {
            wrong.push(format!("{}: {}", p.display(), f.what));
        }
    }
    assert!(
        checks >= 20,
        "only {checks} whole reads: the scan is broken"
    );
    assert_eq!(wrong, Vec::<String>::new());
}

/// Every guide's "Before you start" lists the workstation tools its
/// commands run: kubectl and helm at least, each program gen found known
/// to its table, and the list in the shipped text is exactly the derived one.
#[test]
fn every_guide_lists_the_workstation_tools_its_commands_run() {
    use chartgen::spec::{tools, Guide};
    let project = crate::common::shipped();
    for f in &project.specs {
        let m = chartgen::model::chart_model(f);
        for (guide, path, listed) in [
            (Guide::Backup, &m.backup_guide, &m.backup_tools),
            (Guide::Upgrade, &m.upgrade_guide, &m.upgrade_tools),
        ] {
            let names: Vec<&str> = listed.iter().map(|t| t.name).collect();
            assert!(names.starts_with(&["kubectl", "helm"]), "{path}: {names:?}");
            for program in m.workstation_programs(Some(guide)).keys() {
                assert!(tools::known(program), "{path}: `{program}` unknown");
            }
            let text = std::fs::read_to_string(root().join(path)).unwrap();
            let before = text
                .split("## Before you start\n")
                .nth(1)
                .and_then(|t| t.split("```").next())
                .unwrap_or_default();
            let shown: Vec<&str> = before
                .lines()
                .filter_map(|l| l.strip_prefix("- `")?.split_once("`:"))
                .map(|(name, _)| name)
                .collect();
            assert_eq!(shown, names, "{path}");
        }
    }
}
