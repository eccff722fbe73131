//! gen in the Helm ecosystem, each integration point with its real
//! counterpart where one is installed: the pre-commit hooks (pre-commit
//! itself validates and runs them), GitHub annotations, values.schema.json
//! (checked by the `jsonschema` crate and by real Helm), the Artifact Hub
//! annotation, the version-bump rule against real git commits, gen.toml,
//! completions, and a new user's first five minutes in an empty git repo
//! with the built binary and no templates/ beside it.
//!
//! scripts/test installs pre-commit under .tools/precommit and Helm under
//! .tools/helm; without them those parts are skipped here, and fail under
//! CI=true.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Instant;

use crate::common::fixture::Fixture;
use crate::common::repo;
use crate::common::text;
use crate::common::{edit, require};
use serde_json::{json, Value};

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_gen"))
}

/// PATH with the built gen first, as `cargo install` would put it.
fn path_with_gen() -> OsString {
    let dir = bin().parent().unwrap().to_path_buf();
    let mut paths = vec![dir];
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

/// A command in `dir` with an isolated, deterministic environment: the
/// built gen on PATH, git identity set, no user git config.
fn cmd(dir: &Path, program: &str) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir)
        .env("PATH", path_with_gen())
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "New User")
        .env("GIT_AUTHOR_EMAIL", "new@example.com")
        .env("GIT_COMMITTER_NAME", "New User")
        .env("GIT_COMMITTER_EMAIL", "new@example.com")
        .env("PRE_COMMIT_HOME", dir.join("../pre-commit-home"))
        .env("PYTHONPATH", repo().join(".tools/precommit"));
    c
}

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    cmd(dir, program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"))
}

#[track_caller]
fn ok(o: Output) -> Output {
    assert!(o.status.success(), "{}", text(&o));
    o
}

fn gen(dir: &Path, args: &[&str]) -> Output {
    run(dir, "gen", args)
}

fn git(dir: &Path, args: &[&str]) -> Output {
    ok(run(dir, "git", args))
}

fn has_precommit() -> bool {
    repo().join(".tools/precommit/pre_commit").is_dir()
}

/// `python3 -m pre_commit ...` from .tools/precommit.
fn precommit(dir: &Path, args: &[&str]) -> Output {
    let mut c = cmd(dir, "python3");
    c.arg("-m").arg("pre_commit").args(args);
    c.output().unwrap()
}

fn read(p: impl AsRef<Path>) -> String {
    std::fs::read_to_string(p.as_ref()).unwrap_or_else(|e| panic!("{}: {e}", p.as_ref().display()))
}

fn write(p: impl AsRef<Path>, s: &str) {
    std::fs::write(p.as_ref(), s).unwrap();
}

/// The edit a new user makes to `gen new`'s spec: the product's facts in
/// place of the TODOs that matter for a first build.
fn fill_in(spec: &Path) {
    edit(
        spec,
        &[
            ("title: TODO product name", "title: My App"),
            (
                "summary: TODO one or two sentences on what the product is and what state it keeps.",
                "summary: A web app that keeps its uploads on a volume.",
            ),
            ("app_version: \"TODO\"", "app_version: \"1.0.0\""),
        ],
    );
}

/// Every TODO left in `spec` written (not one place, as `edit` makes):
/// `gen check --strict` then sees only what a test adds.
fn write_todos(spec: &Path) {
    let text = read(spec);
    assert!(text.contains("TODO"), "no TODO left: update the test");
    write(spec, &text.replace("TODO", "Written"));
}

/// An empty temp git repo set up by `gen init` and `gen new`, built and
/// committed once. The temp dir's parent holds the pre-commit cache.
fn committed_project(chart: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("charts-repo");
    std::fs::create_dir(&dir).unwrap();
    git(&dir, &["-c", "init.defaultBranch=main", "init", "-q"]);
    ok(gen(&dir, &["init"]));
    ok(gen(&dir, &["new", chart]));
    // Every TODO replaced, so --strict sees only what a test adds.
    let spec = dir.join(format!("specs/{chart}.yaml"));
    fill_in(&spec);
    write_todos(&spec);
    ok(gen(&dir, &["build", "--quiet"]));
    ok(gen(&dir, &["check", "--strict"]));
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "first build"]);
    (tmp, dir)
}

// ---------------------------------------------------------------- pre-commit

#[test]
fn hook_file_parses_and_its_entries_run() {
    let hooks: serde_yaml::Value =
        serde_yaml::from_str(&read(repo().join(".pre-commit-hooks.yaml"))).unwrap();
    let hooks = hooks.as_sequence().expect("a list of hooks");
    let ids: Vec<&str> = hooks.iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["gen-check", "gen-build"]);
    let pattern = hooks[0]["files"].as_str().unwrap().to_string();
    for h in hooks {
        assert_eq!(h["pass_filenames"], serde_yaml::Value::Bool(false), "{h:?}");
        assert_eq!(h["require_serial"], serde_yaml::Value::Bool(true), "{h:?}");
        assert_eq!(h["language"].as_str(), Some("rust"), "{h:?}");
        assert_eq!(h["files"].as_str(), Some(pattern.as_str()));
    }
    // gen init's config runs the same hook, under --strict, on the same files.
    let init_cfg: serde_yaml::Value =
        serde_yaml::from_str(chartgen::init::PRE_COMMIT_CONFIG).unwrap();
    let local = &init_cfg["repos"][0]["hooks"][0];
    assert_eq!(local["id"].as_str(), Some("gen-check"));
    assert_eq!(local["entry"].as_str(), Some("gen check --strict"));
    assert_eq!(local["files"].as_str(), Some(pattern.as_str()));

    // The files pattern, as pre-commit applies it (Python's re.search).
    let probe = "import re,sys; p=re.compile(sys.argv[1]); print(' '.join(str(int(bool(p.search(f)))) for f in sys.argv[2:]))";
    let paths = [
        "specs/a.yaml",
        "templates/chart/x.tera",
        "docs/ci.md",
        "charts/a/Chart.yaml",
        "make/a.mk",
        "Makefile",
        "gen.toml",
        "src/main.rs",
        "README.md",
        "mygen.toml",
    ];
    let o = ok(Command::new("python3")
        .args(["-c", probe, &pattern])
        .args(paths)
        .output()
        .unwrap());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout).trim(),
        "1 1 1 1 1 1 1 0 0 0"
    );

    // Each entry runs: build writes, check then passes; after a spec edit
    // check fails and build repairs.
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(gen(dir, &["init"]));
    ok(gen(dir, &["new", "alpha"]));
    let entry = |h: &serde_yaml::Value| -> Vec<String> {
        h["entry"]
            .as_str()
            .unwrap()
            .split_whitespace()
            .map(String::from)
            .collect()
    };
    let exec = |words: &[String]| {
        assert_eq!(words[0], "gen");
        let args: Vec<&str> = words[1..].iter().map(String::as_str).collect();
        gen(dir, &args)
    };
    let (check, build) = (entry(&hooks[0]), entry(&hooks[1]));
    assert_eq!(exec(&check).status.code(), Some(1), "nothing built yet");
    ok(exec(&build));
    ok(exec(&check));
    let spec = dir.join("specs/alpha.yaml");
    edit(&spec, &[("rto: 1h", "rto: 2h")]);
    assert_eq!(exec(&check).status.code(), Some(1));
    ok(exec(&build));
    ok(exec(&check));

    if require(has_precommit(), "pre-commit (.tools/precommit)") {
        ok(precommit(
            &repo(),
            &["validate-manifest", ".pre-commit-hooks.yaml"],
        ));
        ok(precommit(
            dir,
            &["validate-config", ".pre-commit-config.yaml"],
        ));
    }
}

/// The README's "Use gen in your chart repo", step by step, as a new user
/// types it: the installed binary (here, the built one on PATH) in an empty
/// folder outside this repository, with no templates/ of gen's.
#[test]
fn readme_walkthrough_in_an_empty_git_repo() {
    let start = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-charts");
    std::fs::create_dir(&dir).unwrap();
    git(&dir, &["-c", "init.defaultBranch=main", "init", "-q"]);
    ok(gen(&dir, &["init"]));
    for f in [
        "gen.toml",
        ".gitattributes",
        ".gitignore",
        ".pre-commit-config.yaml",
        "templates/README.md",
        "specs/schema.json",
    ] {
        assert!(dir.join(f).is_file(), "gen init wrote no {f}");
    }
    assert_eq!(
        read(dir.join(".gitattributes")).lines().last(),
        Some("* text=auto eol=lf")
    );
    ok(gen(&dir, &["new", "my-app"]));
    fill_in(&dir.join("specs/my-app.yaml"));
    let o = ok(gen(&dir, &["build"]));
    assert!(
        text(&o).contains("warning[spec.todo]: the spec still has ") && text(&o).contains(" TODOs"),
        "TODOs are flagged: {}",
        text(&o)
    );
    for f in [
        "docs/my-app/backup-guide.md",
        "docs/my-app/upgrade-guide.md",
        "charts/my-app/README.md",
        "charts/my-app/values.yaml",
        "charts/my-app/values.schema.json",
        "charts/my-app/Chart.yaml",
        "charts/my-app/templates/rbac.yaml",
        "make/my-app.mk",
        "Makefile",
        "site/index.html",
    ] {
        assert!(dir.join(f).is_file(), "gen build wrote no {f}");
    }
    // Templates come from the binary: the repository's templates/ holds only the README.
    let overrides: Vec<_> = std::fs::read_dir(dir.join("templates")).unwrap().collect();
    assert_eq!(overrides.len(), 1);
    git(&dir, &["add", "-A"]);
    git(
        &dir,
        &["commit", "-q", "-m", "my-app: generated docs and targets"],
    );
    let status = git(&dir, &["status", "--porcelain", "--ignored"]);
    assert_eq!(
        String::from_utf8_lossy(&status.stdout).trim(),
        "!! site/",
        "only the site stays out of git"
    );
    assert_eq!(
        gen(&dir, &["check", "--strict"]).status.code(),
        Some(1),
        "--strict fails while TODOs remain"
    );
    ok(gen(&dir, &["check"]));

    // Real Helm accepts the new chart with its schema and annotations.
    if require(repo().join(".tools/helm").is_dir(), "Helm (.tools/helm)") {
        let o = run(
            &dir,
            "python3",
            &[
                repo().join("scripts/helm.py").to_str().unwrap(),
                "lint",
                "--min-severity",
                "2",
                "charts/my-app",
            ],
        );
        assert!(
            o.status.success() && text(&o).contains("linted 1 chart(s), 0 error(s)"),
            "{}",
            text(&o)
        );
    }

    if !require(has_precommit(), "pre-commit (.tools/precommit)") {
        return;
    }
    ok(precommit(&dir, &["install"]));
    // A spec edit committed without `gen build` is stopped by the hook ...
    // (the edit also writes the last TODOs and bumps the chart's version:
    // the hook runs `gen check --strict`).
    let spec = dir.join("specs/my-app.yaml");
    edit(
        &spec,
        &[("rto: 1h", "rto: 2h"), ("to: 0.1.0 }", "to: 0.1.1 }")],
    );
    write_todos(&spec);
    let o = run(&dir, "git", &["commit", "-q", "-am", "rto 2h"]);
    assert!(
        !o.status.success(),
        "the hook let a stale commit through: {}",
        text(&o)
    );
    let out = text(&o);
    assert!(out.contains("gen check") && out.contains("Failed"), "{out}");
    assert!(out.contains("stale: docs/my-app/backup-guide.md"), "{out}");
    // ... and passes once the outputs are rebuilt.
    ok(gen(&dir, &["build", "--quiet"]));
    git(&dir, &["add", "-A"]);
    let o = ok(run(&dir, "git", &["commit", "-m", "rto 2h"]));
    assert!(
        text(&o).contains("gen check") && text(&o).contains("Passed"),
        "{}",
        text(&o)
    );
    // A rebuilt change without a version bump is stopped too (issue 17:
    // without --strict the hook let it through).
    edit(&spec, &[("rto: 2h", "rto: 3h")]);
    ok(gen(&dir, &["build", "--quiet"]));
    git(&dir, &["add", "-A"]);
    let o = run(&dir, "git", &["commit", "-q", "-m", "rto 3h"]);
    assert!(!o.status.success(), "an unbumped chart was committed");
    assert!(
        text(&o).contains("but the chart version is still 0.1.1 (--strict)"),
        "{}",
        text(&o)
    );
    let secs = start.elapsed().as_secs_f64();
    eprintln!("README walkthrough: {secs:.1} s");
    assert!(secs < 300.0, "the five-minute promise: {secs:.0} s");
}

// ---------------------------------------------------------------- CI

#[test]
fn github_annotations_carry_files_and_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(gen(dir, &["init"]));
    ok(gen(dir, &["new", "alpha"]));
    ok(gen(dir, &["build", "--quiet"]));
    // A stale file is annotated at its first changed line.
    let guide = dir.join("docs/alpha/backup-guide.md");
    let mut lines: Vec<String> = read(&guide).lines().map(String::from).collect();
    lines[6].push_str(" (hand edit)");
    write(&guide, &(lines.join("\n") + "\n"));
    std::fs::remove_file(dir.join("make/alpha.mk")).unwrap();
    let o = gen(dir, &["check", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        stdout.contains(
            "::error file=docs/alpha/backup-guide.md,line=7::stale generated file; run gen build"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("::error file=make/alpha.mk,line=1::missing generated file"),
        "{stdout}"
    );
    // Lint findings (the TODOs gen new leaves) carry line and column.
    let todo = read(dir.join("specs/alpha.yaml"))
        .lines()
        .position(|l| l.contains("title: TODO product name"))
        .unwrap()
        + 1;
    assert!(
        stdout.contains(&format!(
            "::warning file=specs/alpha.yaml,line={todo},col=8,title=spec.todo::the spec still has a TODO"
        )),
        "{stdout}"
    );
    // Under --strict they are errors, still located.
    let o = gen(dir, &["check", "--strict", "--format", "github"]);
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        stdout.contains(&format!(
            "::error file=specs/alpha.yaml,line={todo},col=8,title=spec.todo::the spec still has a TODO (--strict)"
        )),
        "{stdout}"
    );
    // A CRLF-only difference stays a line-ending warning.
    ok(gen(dir, &["build", "--quiet"]));
    let readme = dir.join("charts/alpha/templates/rbac.yaml");
    write(&readme, &read(&readme).replace('\n', "\r\n"));
    let o = ok(gen(dir, &["check", "--format", "github"]));
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("::warning file=charts/alpha/templates/rbac.yaml,line=1::CRLF line endings"),
        "{}",
        text(&o)
    );
}

#[test]
fn example_workflow_builds_checks_and_publishes() {
    let wf: serde_yaml::Value =
        serde_yaml::from_str(&read(repo().join("docs/ci/github-actions.yml"))).unwrap();
    let steps = wf["jobs"]["check"]["steps"].as_sequence().unwrap();
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let uses: Vec<&str> = steps.iter().filter_map(|s| s["uses"].as_str()).collect();
    assert!(
        runs.iter()
            .any(|r| r.starts_with("cargo install --locked --path .")),
        "{runs:?}"
    );
    assert!(
        runs.iter()
            .any(|r| r.starts_with("gen check --strict --format github")),
        "{runs:?}"
    );
    assert!(runs.contains(&"gen build"), "{runs:?}");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-pages-artifact@"))
        })
        .unwrap();
    assert_eq!(upload["with"]["path"].as_str(), Some("site"));
    assert!(uses.iter().any(|u| u.starts_with("actions/checkout@")));
    let deploy = &wf["jobs"]["deploy"];
    assert_eq!(deploy["needs"].as_str(), Some("check"));
    assert_eq!(deploy["permissions"]["pages"].as_str(), Some("write"));
    assert!(deploy["steps"][0]["uses"]
        .as_str()
        .unwrap()
        .starts_with("actions/deploy-pages@"));
}

// ---------------------------------------------------------------- values.schema.json

/// The chart's default values, the whole values.yaml, as JSON.
fn values_of(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap()
}

fn validator(schema: &str) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(schema).unwrap();
    jsonschema::validator_for(&schema).expect("a valid JSON Schema")
}

fn errors(v: &jsonschema::Validator, values: &Value) -> Vec<String> {
    v.iter_errors(values)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect()
}

/// Every spec of this repository: the schema gen merges for its chart
/// validates the chart's whole values.yaml, and rejects wrong types.
#[test]
fn merged_schema_validates_every_charts_default_values() {
    let project = crate::common::shipped();
    assert!(project.specs.len() >= 3);
    let mut checked = 0;
    for f in &project.specs {
        let name = &f.spec.name;
        let rel = format!("charts/{name}/values.schema.json");
        let values_text = project
            .existing
            .get(&format!("charts/{name}/values.yaml"))
            .expect("chart has values.yaml");
        let schema = chartgen::helmmeta::values_schema::merge(
            &rel,
            project.existing.get(&rel).map(String::as_str),
            &f.spec,
            &chartgen::coexist::hand_top_keys(values_text),
        )
        .unwrap();
        let v = validator(&schema);
        let values = values_of(values_text);
        assert_eq!(
            errors(&v, &values),
            Vec::<String>::new(),
            "{name}: default values"
        );

        let wrong = |path: &[&str], bad: Value| {
            let mut vals = values.clone();
            let mut at = &mut vals;
            for p in &path[..path.len() - 1] {
                at = &mut at[*p];
            }
            at[path[path.len() - 1]] = bad.clone();
            let found = errors(&v, &vals);
            assert!(!found.is_empty(), "{name}: {path:?} = {bad} passed");
        };
        wrong(&["rbac", "create"], json!("yes"));
        wrong(&["serviceAccount", "automount"], json!("no"));
        wrong(&["serviceAccount", "annotations"], json!({"iam": 1}));
        wrong(&["serviceAccount", "name"], json!(7));
        // A documented value of the wrong type, and a list item.
        for doc in &f.spec.values {
            let path: Vec<&str> = doc.key.split('.').collect();
            match &doc.default {
                Value::Bool(_) => wrong(&path, json!("true")),
                Value::String(_) => wrong(&path, json!(["a"])),
                Value::Array(_) => wrong(&path, json!([{"not": "a scalar"}, [1]])),
                Value::Number(_) if doc.value_type.is_none() => wrong(&path, json!("many")),
                _ => {}
            }
        }
        // Removing what gen's templates read is caught; null deletes in Helm.
        let mut vals = values.clone();
        vals["rbac"].as_object_mut().unwrap().remove("create");
        assert!(
            !errors(&v, &vals).is_empty(),
            "{name}: rbac.create is required"
        );
        // The chart's other values, global ones and IntOrString strings pass.
        let mut vals = values.clone();
        vals["global"] = json!({"imageRegistry": "r.example.com", "anything": [1, {"a": true}]});
        vals["image"] = json!({"repository": "x", "tag": "1"});
        vals["serviceAccount"]["annotations"] =
            json!({"eks.amazonaws.com/role-arn": "arn:aws:iam::1:role/x"});
        for doc in &f.spec.values {
            if doc.value_type == Some(chartgen::spec::ValueType::IntOrString) {
                let path: Vec<&str> = doc.key.split('.').collect();
                let mut at = &mut vals;
                for p in &path[..path.len() - 1] {
                    at = &mut at[*p];
                }
                at[path[path.len() - 1]] = json!("25%");
            }
        }
        assert_eq!(
            errors(&v, &vals),
            Vec::<String>::new(),
            "{name}: the chart's other values"
        );
        checked += 1;
    }
    eprintln!("values.schema.json: {checked} charts' default values valid, wrong types rejected");
}

/// A chart with a hand-written schema keeps it: gen's properties are
/// merged in, the file's other keys and their order stay, and the result
/// validates the chart's values, hand-written ones included.
#[test]
fn hand_written_schema_is_kept_and_merged() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(gen(dir, &["init"]));
    ok(gen(dir, &["new", "alpha"]));
    ok(gen(dir, &["build", "--quiet"]));
    let schema_path = dir.join("charts/alpha/values.schema.json");
    let hand = "{\n    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n    \"title\": \"alpha values\",\n    \"type\": \"object\",\n    \"additionalProperties\": false,\n    \"properties\": {\n        \"replicaCount\": {\"type\": \"integer\", \"minimum\": 1},\n        \"nameOverride\": {\"type\": \"string\"},\n        \"fullnameOverride\": {\"type\": \"string\"},\n        \"rbac\": {\"type\": \"string\"}\n    },\n    \"required\": [\"replicaCount\"]\n}\n";
    write(&schema_path, hand);
    let values_path = dir.join("charts/alpha/values.yaml");
    write(
        &values_path,
        &format!("replicaCount: 2\n{}", read(&values_path)),
    );
    let o = gen(dir, &["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("stale: charts/alpha/values.schema.json"),
        "{}",
        text(&o)
    );
    ok(gen(dir, &["build", "--quiet"]));
    let merged = read(&schema_path);
    assert!(
        merged.starts_with("{\n    \"$schema\": \"https://json-schema.org/draft/2020-12/schema\",\n    \"title\": \"alpha values\",\n    \"type\": \"object\",\n    \"additionalProperties\": false,\n    \"properties\": {\n        \"replicaCount\": {\n            \"type\": \"integer\",\n            \"minimum\": 1\n        },"),
        "{merged}"
    );
    let s: Value = serde_json::from_str(&merged).unwrap();
    assert_eq!(
        s["properties"]["rbac"]["type"], "object",
        "gen owns properties.rbac"
    );
    assert_eq!(
        s["properties"]["global"]["type"], "object",
        "global is allowed next to additionalProperties: false"
    );
    assert_eq!(
        s["required"],
        json!(["replicaCount", "rbac", "serviceAccount"])
    );
    let v = validator(&merged);
    let values = values_of(&read(&values_path));
    assert_eq!(errors(&v, &values), Vec::<String>::new());
    let mut bad = values.clone();
    bad["replicaCount"] = json!(0);
    assert!(
        !errors(&v, &bad).is_empty(),
        "the hand-written rule still applies"
    );
    // A second build changes nothing.
    let o = ok(gen(dir, &["build"]));
    assert!(text(&o).contains("gen build: 0 written"), "{}", text(&o));
    // A broken schema is a located error, and nothing is written.
    write(&schema_path, "{\n  \"properties\": {,\n}\n");
    let before = read(dir.join("Makefile"));
    let o = gen(dir, &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("--> charts/alpha/values.schema.json:2:"),
        "{}",
        text(&o)
    );
    assert_eq!(read(&schema_path), "{\n  \"properties\": {,\n}\n");
    assert_eq!(read(dir.join("Makefile")), before);
}

// ---------------------------------------------------------------- Chart.yaml

#[test]
fn chart_yaml_gets_version_and_changes_and_keeps_the_rest() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(gen(dir, &["init"]));
    ok(gen(dir, &["new", "alpha"]));
    // A hand-written Chart.yaml, older than gen's markers, in CRLF.
    std::fs::create_dir_all(dir.join("charts/alpha")).unwrap();
    let chart = dir.join("charts/alpha/Chart.yaml");
    let hand = "apiVersion: v2\r\nname: alpha\r\nversion: \"0.0.9\"  # released\r\nkeywords:\r\n  - demo\r\nannotations:\r\n    artifacthub.io/license: Apache-2.0\r\n";
    write(&chart, hand);
    let spec = dir.join("specs/alpha.yaml");
    let changes = json!([
        {"kind": "added", "description": "Backup guide: nightly dumps, with a restore drill.", "links": [{"name": "Guide", "url": "https://example.com/alpha/backup"}]},
        {"kind": "security", "description": "The ServiceAccount no longer mounts an API token."}
    ]);
    let fixture = Fixture::new("alpha")
        .chart_version("0.0.9", "0.1.0")
        .with(|s| s.upgrade.changes = serde_json::from_value(changes).unwrap());
    write(&spec, &fixture.yaml());
    ok(gen(dir, &["build", "--quiet"]));
    // gen's derived entries first (src/spec/share.rs), then the spec's own.
    let out = read(&chart);
    assert_eq!(
        out,
        "apiVersion: v2\r\nname: alpha\r\nversion: \"0.1.0\"  # released\r\nkeywords:\r\n  - demo\r\nannotations:\r\n    # gen:begin artifacthub\r\n    artifacthub.io/changes: |\r\n      - kind: added\r\n        description: \"Backup and recovery guide: TODO data backup. Restore procedures: TODO full restore. RTO 1h, RPO 1d.\"\r\n      - kind: added\r\n        description: \"Upgrade guide for TODO product name TODO: TODO rolling upgrade, with pre-upgrade checks, version notes, rollback and validation.\"\r\n      - kind: added\r\n        description: \"RBAC templates: a ServiceAccount and a Role and RoleBinding granting no access, as the workload never calls the Kubernetes API, switched by rbac.create and serviceAccount.create.\"\r\n      - kind: added\r\n        description: \"2 Makefile targets particular to TODO product name (e.g. alpha-backup, alpha-restore) beside the shared diagnostics and Helm targets.\"\r\n      - kind: added\r\n        description: \"A values.schema.json for the rbac and serviceAccount values that Helm checks on install, upgrade and lint.\"\r\n      - kind: added\r\n        description: \"Backup guide: nightly dumps, with a restore drill.\"\r\n        links:\r\n          - name: \"Guide\"\r\n            url: \"https://example.com/alpha/backup\"\r\n      - kind: security\r\n        description: \"The ServiceAccount no longer mounts an API token.\"\r\n    # gen:end artifacthub\r\n    artifacthub.io/license: Apache-2.0\r\n"
    );
    // The annotation is what Artifact Hub parses: a YAML list of entries.
    let meta: serde_yaml::Value = serde_yaml::from_str(&out).unwrap();
    let entries: Value = serde_yaml::from_str(
        meta["annotations"]["artifacthub.io/changes"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    // The last two are the spec's own; the five before them gen derives.
    let entries = Value::Array(entries.as_array().unwrap()[5..].to_vec());
    assert_eq!(
        entries,
        json!([
            {"kind": "added", "description": "Backup guide: nightly dumps, with a restore drill.", "links": [{"name": "Guide", "url": "https://example.com/alpha/backup"}]},
            {"kind": "security", "description": "The ServiceAccount no longer mounts an API token."}
        ])
    );
    ok(gen(dir, &["check"]));
    // A bad link is a located spec error; nothing is written.
    edit(
        &spec,
        &[(
            "url: https://example.com/alpha/backup",
            "url: docs/alpha/backup-guide.md",
        )],
    );
    let o = gen(dir, &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("is not an absolute http(s) URL")
            && text(&o).contains("--> specs/alpha.yaml:"),
        "{}",
        text(&o)
    );
    assert_eq!(read(&chart), out);
    // A Chart.yaml gen cannot place its region in is a located error too.
    edit(
        &spec,
        &[(
            "url: docs/alpha/backup-guide.md",
            "url: https://example.com/alpha/backup",
        )],
    );
    write(
        &chart,
        "apiVersion: v2\nname: alpha\nversion: 0.1.0\nannotations: {category: Database}\n",
    );
    let o = gen(dir, &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("--> charts/alpha/Chart.yaml:4:1")
            && text(&o).contains("gen:begin artifacthub"),
        "{}",
        text(&o)
    );
    assert_eq!(
        read(&chart),
        "apiVersion: v2\nname: alpha\nversion: 0.1.0\nannotations: {category: Database}\n"
    );
}

// ---------------------------------------------------------------- version bump

fn bump_warning(o: &Output) -> bool {
    text(o).contains("but the chart version is still")
}

#[test]
fn version_bump_rule_fires_and_stays_quiet_where_it_should() {
    let (_tmp, dir) = committed_project("alpha");
    let spec = dir.join("specs/alpha.yaml");
    let to_line = read(&spec)
        .lines()
        .position(|l| l.starts_with("chart_version:"))
        .unwrap()
        + 1;

    // Nothing changed since HEAD.
    let o = ok(gen(&dir, &["check"]));
    assert!(!bump_warning(&o), "{}", text(&o));

    // Hand edits outside gen's regions, and docs outside the chart, do not count.
    let readme = dir.join("charts/alpha/README.md");
    write(
        &readme,
        &format!("{}\nA hand-written note.\n", read(&readme)),
    );
    let o = ok(gen(&dir, &["check"]));
    assert!(!bump_warning(&o), "{}", text(&o));

    // Generated chart content changes under the same version: a finding,
    // at chart_version in the spec; an error under --strict.
    edit(&spec, &[("rto: 1h", "rto: 2h")]);
    let o = ok(gen(&dir, &["build"]));
    let out = text(&o);
    assert!(bump_warning(&o), "{out}");
    assert!(
        out.contains("chart alpha: generated content changed since HEAD (README.md)"),
        "{out}"
    );
    assert!(
        out.contains(&format!("--> specs/alpha.yaml:{to_line}:")),
        "{out}"
    );
    assert!(
        out.contains("bump chart_version.to (e.g. to 0.1.1)"),
        "{out}"
    );
    let o = gen(&dir, &["check", "--strict", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains(&format!("::error file=specs/alpha.yaml,line={to_line},"))
            && stdout.contains("chart version is still 0.1.0"),
        "{stdout}"
    );

    // Bumping the version quiets it, and Chart.yaml follows.
    edit(&spec, &[("to: 0.1.0 }", "to: 0.1.1 }")]);
    let o = ok(gen(&dir, &["build"]));
    assert!(!bump_warning(&o), "{}", text(&o));
    assert!(read(dir.join("charts/alpha/Chart.yaml")).contains("\nversion: \"0.1.1\"\n"));
    git(&dir, &["add", "-A"]);
    git(&dir, &["commit", "-q", "-m", "alpha 0.1.1"]);

    // --since compares with another commit: a branch's changes count once.
    edit(&spec, &[("rto: 2h", "rto: 3h")]);
    ok(gen(&dir, &["build", "--quiet"]));
    let o = ok(gen(&dir, &["check", "--since", "HEAD~1"]));
    assert!(!bump_warning(&o), "0.1.0 there, 0.1.1 here: {}", text(&o));
    let o = ok(gen(&dir, &["check"]));
    assert!(bump_warning(&o), "0.1.1 at HEAD and here: {}", text(&o));
    let o = gen(&dir, &["check", "--since", "no-such-branch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o).contains("cannot compare with \"no-such-branch\""),
        "{}",
        text(&o)
    );

    // A chart HEAD does not have is new: quiet.
    ok(gen(&dir, &["new", "beta"]));
    fill_in(&dir.join("specs/beta.yaml"));
    let o = ok(gen(&dir, &["build"]));
    assert!(!text(&o).contains("chart beta:"), "{}", text(&o));

    // Without git (a copy outside any repository): quiet.
    let copy = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(&dir).into_iter().map(Result::unwrap) {
        let rel = entry.path().strip_prefix(&dir).unwrap();
        if rel.starts_with(".git") || rel.starts_with("site") {
            continue;
        }
        let to = copy.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&to).unwrap();
        } else {
            std::fs::copy(entry.path(), &to).unwrap();
        }
    }
    let cspec = copy.path().join("specs/alpha.yaml");
    edit(&cspec, &[("rto: 3h", "rto: 4h")]);
    let o = ok(gen(copy.path(), &["build"]));
    assert!(!bump_warning(&o), "{}", text(&o));
}

// ---------------------------------------------------------------- gen.toml

#[test]
fn a_gen_outside_required_version_stops_with_one_error() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    ok(gen(dir, &["init"]));
    ok(gen(dir, &["new", "alpha"]));
    ok(gen(dir, &["build", "--quiet"]));
    // A newer project: every command that reads it stops, touching nothing.
    write(
        dir.join("gen.toml"),
        "# pinned by the team\nrequired_version = \">=9.1\"\n",
    );
    edit(&dir.join("specs/alpha.yaml"), &[("rto: 1h", "rto: 2h")]);
    let guide = read(dir.join("docs/alpha/backup-guide.md"));
    for args in [
        &["build"][..],
        &["check"],
        &["check", "--format", "github"],
        &["schema"],
        &["new", "beta"],
    ] {
        let o = gen(dir, args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o));
        let err = String::from_utf8_lossy(&o.stderr).into_owned();
        assert!(
            err.contains(&format!(
                "error: this project requires gen >=9.1, and this is gen {}",
                env!("CARGO_PKG_VERSION")
            )),
            "{err}"
        );
        assert!(err.contains("--> gen.toml:2:20"), "{err}");
        assert!(!err.contains("stale"), "no wall of stale files: {err}");
        assert_eq!(err.matches("error:").count(), 1, "{err}");
    }
    let o = gen(dir, &["check", "--format", "github"]);
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .starts_with("::error file=gen.toml,line=2,col=20::this project requires gen >=9.1"),
        "{}",
        text(&o)
    );
    assert_eq!(read(dir.join("docs/alpha/backup-guide.md")), guide);
    assert!(!dir.join("specs/beta.yaml").exists());
    // init and completions need no project.
    ok(gen(dir, &["completions", "bash"]));
    ok(gen(dir, &["init"]));
    // A malformed gen.toml is invalid input: exit 1, located.
    write(
        dir.join("gen.toml"),
        "required_version = \">=0.1\"\nrequired = true\n",
    );
    let o = gen(dir, &["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("--> gen.toml:2:1"), "{}", text(&o));
}

// ---------------------------------------------------------------- install

#[test]
fn completions_for_bash_zsh_and_fish() {
    let tmp = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish"] {
        let o = ok(gen(tmp.path(), &["completions", shell]));
        let script = String::from_utf8_lossy(&o.stdout);
        for word in ["build", "check", "init", "completions", "since", "strict"] {
            assert!(script.contains(word), "{shell}: no {word}");
        }
    }
    if Command::new("bash").arg("--version").output().is_ok() {
        let o = ok(gen(tmp.path(), &["completions", "bash"]));
        let f = tmp.path().join("gen.bash");
        std::fs::write(&f, &o.stdout).unwrap();
        let probe = format!(
            ". {}; COMP_WORDS=(gen ch); COMP_CWORD=1; _gen gen ch gen; echo \"${{COMPREPLY[@]}}\"",
            f.display()
        );
        let o = ok(Command::new("bash").args(["-c", &probe]).output().unwrap());
        assert!(
            String::from_utf8_lossy(&o.stdout).contains("check"),
            "{}",
            text(&o)
        );
    }
    assert_eq!(
        gen(tmp.path(), &["completions", "tcsh"]).status.code(),
        Some(2)
    );
}

/// `cargo install --path .` into a temporary root, then the installed gen
/// in an empty folder. Slow (a release build of gen and its dependencies),
/// so it runs on request: `cargo test --test integration ecosystem:: -- --ignored`.
#[test]
#[ignore]
fn cargo_install_gives_a_working_gen() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("install");
    let o = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["install", "--locked", "--offline", "--path"])
        .arg(repo())
        .arg("--root")
        .arg(&root)
        .env("CARGO_TARGET_DIR", tmp.path().join("target"))
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", text(&o));
    let installed = root.join("bin/gen");
    let work = tmp.path().join("work");
    std::fs::create_dir(&work).unwrap();
    for args in [&["init"][..], &["new", "demo"], &["build"], &["check"]] {
        let o = Command::new(&installed)
            .args(args)
            .current_dir(&work)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o));
    }
    assert!(work.join("docs/demo/backup-guide.md").is_file());
}
