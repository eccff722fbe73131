//! Debian's shellcheck over every shell command gen ships: the `run` of
//! every step, operation and troubleshooting entry of every shipped spec as
//! the guides print it (with gen's variables declared, as the guides'
//! "before you start" block does; an operation run on the operator's
//! machine after the make prelude's `set -eu`, as its target runs it), the
//! command an operation runs inside the pod, and every make
//! recipe as make runs it (`make -n`, so `$$` is already `$`). POSIX sh
//! throughout: make runs recipes with /bin/sh and the specs promise POSIX
//! shell. A finding names the spec line it comes from.

use crate::common;

use crate::common::fixture::Fixture;
use chartgen::model::{chart_model, ChartModel};
use chartgen::spec::validate::all_steps;
use chartgen::spec::{RunsIn, SpecFile};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Checks left out everywhere, each for a reason that holds for every block.
const EXCLUDED: &[(&str, &str)] = &[
    (
        "SC2016",
        "single quotes hand `$VAR` to another shell or language on purpose: \
         the pod's shell (`kubectl exec ... sh -c '...$MYSQL_ROOT_PASSWORD'`, \
         whose environment has it), awk, jsonpath and Go templates",
    ),
    (
        "SC2012",
        "`ls -t DIR/prefix-* | head -n 1` picks the newest backup among files \
         gen's own targets name (timestamps, no newlines); POSIX find cannot \
         sort by time",
    ),
];

/// Checks left out of make recipes only: a multi-line command reaches the
/// shell as `eval \"$(printf '%b' '<command>')\"`, one single-quoted string
/// that the operation's own block already checks line by line.
const EXCLUDED_IN_RECIPES: &[(&str, &str)] = &[(
    "SC1003",
    "the `'\\''` sequences that quote the command inside printf's argument",
)];

/// Findings accepted in one chart only: (chart, text of the offending line,
/// code, reason). The make recipe that runs the same command is covered by
/// the same entry. An entry that matches nothing fails the test, so none
/// outlives its reason.
const ACCEPTED: &[(&str, &str, &str, &str)] = &[
    (
        "alertmanager",
        "$SILENCE_MATCHERS",
        "SC2086",
        "a list of amtool matchers, one word each, split on purpose",
    ),
    (
        "alertmanager",
        "$ROUTE_LABELS",
        "SC2086",
        "a list of label=value words for amtool, split on purpose",
    ),
    (
        "kafka",
        "$RESET_TO",
        "SC2086",
        "a reset spec such as `--to-datetime T`: an option and its argument",
    ),
    (
        "kafka",
        "$RESET_MODE",
        "SC2086",
        "`--dry-run` or `--execute`, one word, given unquoted like RESET_TO",
    ),
    (
        "minio",
        "$UNDO_FLAGS",
        "SC2086",
        "mc undo flags such as `--last 3`, split on purpose",
    ),
    (
        "node-exporter",
        "-- $args --version",
        "SC2086",
        "the pod's own arguments, one word each (`set -f` stops globbing)",
    ),
    (
        "harbor",
        "HARBOR_USER=admin",
        "SC2209",
        "admin is the Harbor user name, not the SCCS `admin` command",
    ),
    (
        "memcached",
        "$FLUSH_STAGGER",
        "SC2004",
        "style only: `$` in arithmetic expands the same value",
    ),
    (
        "prometheus",
        "SECRETS=$(echo $(kubectl",
        "SC2046",
        "echo joins kubectl's lines into one space-separated list on purpose",
    ),
    (
        "prometheus",
        "SECRETS=$(echo $(kubectl",
        "SC2005",
        "echo joins kubectl's lines into one space-separated list on purpose",
    ),
];

/// The entry of [`ACCEPTED`] that covers `f`, by index.
fn accepted(f: &Finding) -> Option<usize> {
    ACCEPTED.iter().position(|(chart, text, code, _)| {
        let ours = f.at.starts_with(&format!("specs/{chart}.yaml:"))
            || f.at.starts_with(&format!("make/{chart}.mk "));
        ours && f.code == *code && f.text.contains(text)
    })
}

/// Step languages that are shell.
const SHELL_LANGS: &[&str] = &["bash", "sh"];

/// One script to check and where its lines come from.
struct Block {
    /// Where line 1 of `body` is, for the report: the spec file and the
    /// `(line, column)` of each body line there.
    origin: String,
    lines: Vec<String>,
    script: String,
    /// Lines of declarations before `body`.
    offset: usize,
}

/// Every variable a command may use, declared with a value shellcheck
/// cannot know: an operator may set any of them to anything.
fn declarations(m: &ChartModel) -> String {
    let mut out = String::from("# shellcheck shell=sh\n");
    let builtin = ["KUBECTL", "SELECTOR", "POD", "FULLNAME"];
    for name in builtin
        .into_iter()
        .chain(m.variables.iter().map(|v| v.name.as_str()))
    {
        out.push_str(&format!("export {name}=\"${{{name}:-}}\"\n"));
    }
    out
}

/// One script of shell `run` texts: `parts` are `(spec path, text)`,
/// run one after another in one shell, as an operator follows a procedure.
fn block(file: &SpecFile, decl: &str, origin: String, parts: &[(String, &str)]) -> Block {
    let mut lines = Vec::new();
    let mut body = String::new();
    for (path, text) in parts {
        for n in 0..text.lines().count() {
            let (l, c) = file.text_line(path, n);
            lines.push(format!("{}:{l}:{c} ({path})", file.rel));
        }
        body.push_str(text.trim_end_matches('\n'));
        body.push('\n');
    }
    Block {
        origin,
        lines,
        script: format!("{decl}{body}"),
        offset: decl.lines().count(),
    }
}

/// The blocks of one spec: each procedure's steps together, each operation
/// (and what runs inside the pod for `runs_in: pod`), and the guides'
/// "before you start" block.
fn spec_blocks(file: &SpecFile, m: &ChartModel) -> Vec<Block> {
    let decl = declarations(m);
    let mut procedures: BTreeMap<String, Vec<(String, &str)>> = BTreeMap::new();
    for (path, step) in all_steps(&file.spec) {
        let lang = step.lang.as_deref().unwrap_or("bash");
        if let (Some(run), true) = (&step.run, SHELL_LANGS.contains(&lang)) {
            let procedure = path.rsplit_once('[').map_or(path.as_str(), |(p, _)| p);
            procedures
                .entry(procedure.to_string())
                .or_default()
                .push((format!("{path}.run"), run.as_str()));
        }
    }
    let mut out: Vec<Block> = procedures
        .into_iter()
        .map(|(p, parts)| block(file, &decl, format!("{} {p}", file.rel), &parts))
        .collect();
    for (i, t) in file.spec.troubleshooting.iter().enumerate() {
        if let Some(run) = &t.run {
            let path = format!("troubleshooting[{i}].run");
            let origin = format!("{} {path}", file.rel);
            out.push(block(file, &decl, origin, &[(path.clone(), run.as_str())]));
        }
    }
    // A target runs its own command after the make prelude, whose first
    // command is `set -eu` (the spec check `ops.set-e-redundant` keeps the
    // line out of `run:`); in the pod, `sh -c` runs it without.
    let local_decl = format!("{decl}set -eu\n");
    for (i, op) in file.spec.operations.iter().enumerate() {
        let path = format!("operations[{i}].run");
        let origin = format!("{} {path}", file.rel);
        let shell = match op.runs_in {
            RunsIn::Local => &local_decl,
            RunsIn::Pod => &decl,
        };
        out.push(block(
            file,
            shell,
            origin,
            &[(path.clone(), op.run.as_str())],
        ));
        if op.runs_in == RunsIn::Pod {
            // The command gen wraps it in: kubectl exec ... sh -c '...'.
            let view = m
                .operations
                .iter()
                .find(|o| o.target == op.target)
                .expect("every operation has a view");
            let origin = format!("{} {path} (as wrapped for the pod)", file.rel);
            let mut b = block(file, &decl, origin, &[]);
            b.script.push_str(&view.command);
            b.script.push('\n');
            out.push(b);
        }
    }
    out.push(Block {
        origin: format!("{} (the guides' \"before you start\" block)", file.rel),
        lines: Vec::new(),
        script: format!("# shellcheck shell=sh\n{}", m.env_block),
        offset: 1,
    });
    out
}

/// Logical lines of `make -n` output: physical lines joined at a trailing
/// backslash, as the shell reads them.
fn logical_lines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for line in text.lines() {
        cur.push_str(line);
        if line.ends_with('\\') {
            cur.push('\n');
        } else {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Every recipe of one chart's targets as `make -n` prints it, one block
/// per target, then the `help-<chart>` lines.
fn make_blocks(make: &Path, dir: &Path, m: &ChartModel) -> Vec<Block> {
    let mut targets: Vec<String> = m.operations.iter().map(|o| o.full_target.clone()).collect();
    targets.push(format!("help-{}", m.spec.name));
    let out = Command::new(make)
        .current_dir(dir)
        .args(["-n", "--no-print-directory", "-f", "Makefile"])
        .args(&targets)
        .output()
        .expect("make runs");
    assert!(
        out.status.success(),
        "make -n failed for {}: {}",
        m.spec.name,
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = logical_lines(&String::from_utf8_lossy(&out.stdout));
    let n = m.operations.len();
    assert!(
        lines.len() > n,
        "{}: one recipe line per target, then help",
        m.spec.name
    );
    let mut blocks: Vec<Block> = lines[..n]
        .iter()
        .zip(&targets)
        .map(|(recipe, target)| make_block(&format!("{} target {target}", m.makefile), recipe))
        .collect();
    blocks.push(make_block(
        &format!("{} target help-{}", m.makefile, m.spec.name),
        &lines[n..].join("\n"),
    ));
    blocks
}

fn make_block(origin: &str, recipe: &str) -> Block {
    let body = recipe.trim_start_matches('\t');
    Block {
        origin: origin.to_string(),
        lines: Vec::new(),
        script: format!(
            "# shellcheck shell=sh disable={}\n{body}\n",
            recipe_exclusions()
        ),
        offset: 1,
    }
}

fn recipe_exclusions() -> String {
    let codes: Vec<&str> = EXCLUDED_IN_RECIPES.iter().map(|(c, _)| *c).collect();
    codes.join(",")
}

/// The cross-chart targets of the root Makefile, as `make -n` prints them.
/// Their chart runs are recursive makes (`+$(MAKE)`), which `make -n` runs:
/// `MAKE=:` keeps the root's own lines and leaves the charts' recipes,
/// checked chart by chart, out of the root's block.
fn root_blocks(make: &Path, dir: &Path, charts: &[ChartModel]) -> Vec<Block> {
    let mut out = Vec::new();
    let first = format!("backup-{}", charts[0].spec.name);
    for (target, dry) in [
        ("help-header", ""),
        ("backup-all", "1"),
        ("restore-all", "1"),
        (first.as_str(), ""),
    ] {
        let o = Command::new(make)
            .current_dir(dir)
            .args(["-n", "--no-print-directory", "MAKE=:"])
            .arg(format!("DRY_RUN={dry}"))
            .arg(target)
            .output()
            .expect("make runs");
        assert!(o.status.success(), "make -n {target}");
        let text = String::from_utf8_lossy(&o.stdout).into_owned();
        assert!(
            dry.is_empty() || text.lines().count() >= charts.len(),
            "{target} runs a recipe per chart"
        );
        out.push(make_block(&format!("Makefile target {target}"), &text));
    }
    out
}

/// One shellcheck finding, mapped back to where its line comes from.
struct Finding {
    /// `specs/<chart>.yaml:line:column (path)` or `make/<chart>.mk target ...`.
    at: String,
    /// e.g. `SC2086`.
    code: String,
    message: String,
    /// The offending line, around the reported column.
    text: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}\n    {}", self.at, self.message, self.text)
    }
}

/// shellcheck's gcc-format output over the files `<index>.sh` in `dir`.
fn findings(blocks: &[Block], dir: &Path, gcc: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for line in gcc.lines() {
        let mut parts = line.splitn(4, ':');
        let (file, l, c, msg) = (
            parts.next().unwrap_or(""),
            parts
                .next()
                .and_then(|l| l.parse::<usize>().ok())
                .unwrap_or(0),
            parts
                .next()
                .and_then(|c| c.parse::<usize>().ok())
                .unwrap_or(0),
            parts.next().unwrap_or(line).trim(),
        );
        let block = Path::new(file)
            .strip_prefix(dir)
            .ok()
            .and_then(|f| f.to_str()?.strip_suffix(".sh")?.parse::<usize>().ok())
            .and_then(|i| blocks.get(i));
        let code = msg
            .rsplit_once("[SC")
            .map(|(_, c)| format!("SC{}", c.trim_end_matches(']')))
            .unwrap_or_default();
        let Some(b) = block else {
            out.push(Finding {
                at: file.to_string(),
                code,
                message: msg.to_string(),
                text: String::new(),
            });
            continue;
        };
        let body_line = l.saturating_sub(b.offset + 1);
        let script_line: Vec<char> = b
            .script
            .lines()
            .nth(l.saturating_sub(1))
            .unwrap_or("")
            .chars()
            .collect();
        let from = c.saturating_sub(40).min(script_line.len());
        let to = (c + 60).min(script_line.len());
        out.push(Finding {
            at: b
                .lines
                .get(body_line)
                .cloned()
                .unwrap_or_else(|| format!("{} line {}", b.origin, body_line + 1)),
            code,
            message: msg.to_string(),
            text: script_line[from..to]
                .iter()
                .collect::<String>()
                .trim()
                .to_string(),
        });
    }
    out
}

/// Every finding of shellcheck over `blocks`, each at its origin.
fn shellcheck(bin: &Path, blocks: &[Block]) -> Vec<Finding> {
    let dir = tempfile::tempdir().unwrap();
    let files: Vec<PathBuf> = blocks
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let f = dir.path().join(format!("{i}.sh"));
            std::fs::write(&f, &b.script).unwrap();
            f
        })
        .collect();
    let exclude: Vec<&str> = EXCLUDED.iter().map(|(code, _)| *code).collect();
    let mut found = Vec::new();
    for chunk in files.chunks(400) {
        let out = Command::new(bin)
            .args(["--shell=sh", "--format=gcc", "--norc"])
            .arg(format!("--exclude={}", exclude.join(",")))
            .args(chunk)
            .output()
            .expect("shellcheck runs");
        assert!(
            out.status.code().is_some_and(|c| c <= 1),
            "shellcheck failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        found.extend(findings(
            blocks,
            dir.path(),
            &String::from_utf8_lossy(&out.stdout),
        ));
    }
    found
}

#[test]
fn every_generated_shell_block_and_recipe_is_shellcheck_clean() {
    let Some(shellcheck_bin) = common::tool("shellcheck") else {
        return common::skip_or_fail("shellcheck (Debian package shellcheck) is not installed");
    };
    let Some(make) = common::tool("make") else {
        return common::skip_or_fail("GNU make is not installed");
    };
    let project = crate::common::shipped();
    let models: Vec<ChartModel> = project.specs.iter().map(chart_model).collect();
    // The Makefile and fragments as gen renders them now, not as committed.
    let (outputs, _) =
        chartgen::project::generate(&project, &Default::default()).expect("specs render");
    let tree = tempfile::tempdir().unwrap();
    for (path, bytes) in &outputs.files {
        if path == "Makefile" || path.starts_with("make/") {
            let f = tree.path().join(path);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, bytes).unwrap();
        }
    }
    let mut blocks = Vec::new();
    for (file, m) in project.specs.iter().zip(&models) {
        blocks.extend(spec_blocks(file, m));
        blocks.extend(make_blocks(&make, tree.path(), m));
    }
    blocks.extend(root_blocks(&make, tree.path(), &models));
    let per_chart: BTreeMap<&str, usize> = models
        .iter()
        .map(|m| (m.spec.name.as_str(), m.operations.len()))
        .collect();
    assert!(per_chart.len() >= 39, "every shipped chart is checked");

    assert!(
        blocks.len() > 1000,
        "only {} blocks: the extraction missed most commands",
        blocks.len()
    );
    let mut used = vec![false; ACCEPTED.len()];
    let mut left = Vec::new();
    for f in shellcheck(&shellcheck_bin, &blocks) {
        match accepted(&f) {
            Some(i) => used[i] = true,
            None => left.push(f.to_string()),
        }
    }
    assert!(
        left.is_empty(),
        "{} shellcheck findings in {} blocks:\n{}",
        left.len(),
        blocks.len(),
        left.join("\n")
    );
    let stale: Vec<_> = ACCEPTED
        .iter()
        .zip(&used)
        .filter(|(_, u)| !**u)
        .map(|(a, _)| a)
        .collect();
    assert!(
        stale.is_empty(),
        "accepted findings that no longer occur: {stale:#?}"
    );
}

#[test]
fn a_finding_is_reported_at_its_spec_line() {
    let Some(shellcheck_bin) = common::tool("shellcheck") else {
        return common::skip_or_fail("shellcheck (Debian package shellcheck) is not installed");
    };
    // An unquoted variable in the backup's first step.
    let src = Fixture::new("demo")
        .with(|s| {
            s.backup.components[0].steps[0].run =
                Some("mkdir -p \"$BACKUP_DIR\"\nls $BACKUP_DIR\n".into())
        })
        .yaml();
    let file = chartgen::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
    let m = chart_model(&file);
    let blocks = spec_blocks(&file, &m);
    let found = shellcheck(&shellcheck_bin, &blocks);
    let (line, col) = src
        .lines()
        .enumerate()
        .find_map(|(i, l)| l.find("ls $BACKUP_DIR").map(|c| (i + 1, c + 1)))
        .unwrap();
    let found: Vec<String> = found.iter().map(ToString::to_string).collect();
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with(&format!("specs/demo.yaml:{line}:{col} ("))
            && found[0].contains("[SC2086]")
            && found[0].contains("ls $BACKUP_DIR"),
        "{}",
        found[0]
    );
}
