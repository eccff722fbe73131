//! `gen adopt` on a copy of three real charts of the collection (from
//! `../shared/collection`, or `GEN_SHARED_DIR`), with this repository's
//! specs for them: PostgreSQL (its own Role, RoleBinding and
//! ServiceAccount, guides and targets at the collection's paths), the
//! OpenTelemetry Collector (helpers named `otel-collector.*`, a
//! ClusterRole) and browserless-chrome (its own `artifacthub.io/changes`).
//!
//! The dry run writes nothing; adopt, then build, then `gen check --strict`
//! are clean; a second adopt changes nothing; every hand-written byte
//! outside gen's regions is kept; no values.yaml defines a key twice; and
//! real Helm lints every chart and renders every object it rendered
//! before, none twice.
//!
//! The same on the whole collection (47 charts, 39 specs), as a maintainer
//! adopts it: `helm lint` gets no new error; no rendered object appears
//! twice or is gone; every hand-written line outside gen's regions is kept
//! in order, and what adopt took out of a file are whole sections gen's
//! regions now hold; Chart.yaml versions move only from the spec's
//! `chart_version.from` to its `to`; `gen check --strict` is clean and a
//! second adopt and build write nothing; every Chart.yaml and values.yaml
//! gen touched gets no new yamllint finding under the collection's own
//! `lintconf.yaml` (chart-testing's, key-duplicates on), none inside gen's
//! regions.

use crate::common;
use common::{gen_helm as gen, stderr};

use crate::common::repo;
use crate::common::text;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CHARTS: [&str; 3] = [
    "postgresql",
    "opentelemetry-collector",
    "browserless-chrome",
];

/// The three charts with their guides, targets and the root Makefile, and
/// this repository's specs and gen.toml.
fn fixture(shared: &Path) -> tempfile::TempDir {
    let col = shared.join("collection");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for c in CHARTS {
        common::copy_tree(&col.join("charts").join(c), &root.join("charts").join(c));
        for doc in [
            format!("docs/{c}-backup-guide.md"),
            format!("docs/{c}-upgrade-guide.md"),
            format!("make/ops/{c}.mk"),
        ] {
            if col.join(&doc).is_file() {
                std::fs::create_dir_all(root.join(&doc).parent().unwrap()).unwrap();
                std::fs::copy(col.join(&doc), root.join(&doc)).unwrap();
            }
        }
        std::fs::create_dir_all(root.join("specs")).unwrap();
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(
            repo.join(format!("specs/{c}.yaml")),
            root.join(format!("specs/{c}.yaml")),
        )
        .unwrap();
    }
    std::fs::copy(col.join("Makefile"), root.join("Makefile")).unwrap();
    std::fs::copy(col.join("make/common.mk"), root.join("make/common.mk")).unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("gen.toml"),
        root.join("gen.toml"),
    )
    .unwrap();
    dir
}

/// `(kind, name)` of every object Helm renders for each chart, or None
/// when Helm is missing (a skip, or a failure under CI=true).
fn rendered(root: &Path) -> Option<BTreeMap<String, Vec<(String, String)>>> {
    let mut out = BTreeMap::new();
    for c in CHARTS {
        let o = common::helm_py(
            &["template", "--name", "rel", "--namespace", "ns"],
            &[root.join("charts").join(c)],
        )
        .output()
        .unwrap();
        let o = common::helm_finished(o, "helm.py template")?;
        assert!(o.status.success(), "{c}: {}", stderr(&o));
        let text = String::from_utf8(o.stdout).unwrap();
        let mut objects = Vec::new();
        for doc in serde_yaml::Deserializer::from_str(&text) {
            let v = <serde_yaml::Value as serde::Deserialize>::deserialize(doc).unwrap();
            let (Some(kind), Some(name)) = (
                v.get("kind").and_then(|k| k.as_str()),
                v.get("metadata")
                    .and_then(|m| m.get("name"))
                    .and_then(|n| n.as_str()),
            ) else {
                continue;
            };
            objects.push((kind.to_string(), name.to_string()));
        }
        assert!(!objects.is_empty(), "{c} rendered nothing");
        objects.sort();
        out.insert(c.to_string(), objects);
    }
    Some(out)
}

/// The lines of `text` outside gen's regions (markers and content left
/// out).
fn outside_regions(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut inside = false;
    for l in text.lines() {
        let t = l.trim();
        if t.contains("gen:begin ") {
            inside = true;
        } else if t.contains("gen:end ") {
            inside = false;
        } else if !inside {
            out.push(l);
        }
    }
    out
}

/// `lines` without the blank lines at its end.
fn trimmed(mut lines: Vec<&str>) -> Vec<&str> {
    while lines.last().is_some_and(|x| x.trim().is_empty()) {
        lines.pop();
    }
    lines
}

/// Whether `small` appears in `big` in order (not necessarily together).
fn subsequence(small: &[&str], big: &[&str]) -> bool {
    let mut it = big.iter();
    small.iter().all(|s| it.any(|b| b == s))
}

#[test]
fn adopt_three_real_charts() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    if !helm_ready() {
        return;
    }
    let dir = fixture(&shared);
    let root = dir.path();
    let original = snapshot(root);
    let before = rendered(root);

    // The dry run prints the plan and writes nothing.
    let o = gen(root, &["adopt", "--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = String::from_utf8_lossy(&o.stdout).into_owned();
    for line in [
        "charts/postgresql/templates/role.yaml\n  remove: replaced by gen's templates/rbac.yaml (same Role and names",
        "charts/postgresql/templates/serviceaccount.yaml\n  take over: replaced by gen's templates/serviceaccount.yaml",
        "replace the section \"## Security & RBAC\"",
        "charts/browserless-chrome/Chart.yaml\n  move artifacthub.io/changes (lines 9-",
        "define \"otel-collector.clusterRoleName\" as {{ include \"otel-collector.fullname\" . }}",
        "docs/postgresql-backup-guide.md\n  take over: replaced by gen's backup guide for postgresql",
        "make/ops/postgresql.mk\n  take over:",
        "gen.toml\n  set [paths] backup_guide = \"docs/{chart}-backup-guide.md\"",
        "Makefile\n  insert region \"makefile\" at the end",
        "without rbac, serviceAccount",
    ] {
        assert!(plan.contains(line), "plan lacks {line:?}:\n{plan}");
    }
    assert!(stderr(&o).contains("nothing was written"), "{}", stderr(&o));
    assert_eq!(original, snapshot(root), "the dry run wrote");

    // Adopt, then a build writes nothing more and check is clean.
    let o = gen(root, &["adopt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        plan,
        "adopt did what it planned"
    );
    let o = gen(root, &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("gen build: 0 written"),
        "{}",
        stderr(&o)
    );
    check_strict_but_for_hand_written_links(root);
    let adopted = snapshot(root);

    // A second adopt changes nothing and says so.
    let o = gen(root, &["adopt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing to adopt"), "{}", stderr(&o));
    assert_eq!(adopted, snapshot(root), "a second adopt wrote");

    let text = |p: &str| std::fs::read_to_string(root.join(p)).unwrap();
    let was = |p: &str| String::from_utf8(original[&root.join(p)].clone()).unwrap();
    for c in CHARTS {
        // values.yaml: every hand-written byte kept, gen's region at the
        // end, and no key defined twice (serde_yaml refuses duplicates).
        let v = format!("charts/{c}/values.yaml");
        let (new_v, old_v) = (text(&v), was(&v));
        assert_eq!(
            trimmed(outside_regions(&new_v)),
            trimmed(old_v.lines().collect()),
            "{v}"
        );
        if let Err(e) = serde_yaml::from_str::<serde_yaml::Value>(&text(&v)) {
            panic!("{v}: {e}");
        }
        // Chart.yaml: only gen's region, the version line and (when the
        // chart had none) an `annotations:` key to hold the region differ;
        // every top-level key stays.
        let y = format!("charts/{c}/Chart.yaml");
        let (old_y, new_y) = (was(&y), text(&y));
        let keep = |t: &str| !t.starts_with("version:");
        let hand: Vec<&str> = old_y.lines().filter(|l| keep(l)).collect();
        let now: Vec<&str> = outside_regions(&new_y)
            .into_iter()
            .filter(|l| keep(l) && (*l != "annotations:" || hand.contains(l)))
            .collect();
        assert!(
            subsequence(&now, &hand),
            "{y}: lines outside the region changed"
        );
        for top in hand
            .iter()
            .filter(|l| !l.starts_with([' ', '#']) && !l.is_empty())
        {
            assert!(now.contains(top), "{y}: {top:?} is gone");
        }
        // README: every line outside the regions was the maintainer's, in
        // order; every section heading (`#`, `##`) is still there (a
        // replaced section keeps its heading, its body becomes gen's); no
        // heading appears twice that appeared once.
        let r = format!("charts/{c}/README.md");
        let (old, new) = (was(&r), text(&r));
        // (Blank lines aside: adopt separates the regions it adds.)
        let nonblank = |v: Vec<&str>| -> Vec<String> {
            v.into_iter()
                .filter(|l| !l.trim().is_empty())
                .map(str::to_string)
                .collect()
        };
        let kept = nonblank(outside_regions(&new));
        let all = nonblank(old.lines().collect());
        let kept: Vec<&str> = kept.iter().map(String::as_str).collect();
        let all: Vec<&str> = all.iter().map(String::as_str).collect();
        assert!(subsequence(&kept, &all), "{r}");
        let heads = |t: &str| -> Vec<String> {
            chartgen::coexist::headings(t)
                .into_iter()
                .filter(|h| h.level <= 2)
                .map(|h| chartgen::coexist::normalize(&h.text))
                .collect()
        };
        let (old_heads, new_heads) = (heads(&old), heads(&new));
        for h in &old_heads {
            assert!(new_heads.contains(h), "{r}: heading {h:?} is gone");
            let count = |v: &[String]| v.iter().filter(|x| *x == h).count();
            assert!(
                count(&new_heads) <= count(&old_heads).max(1),
                "{r}: heading {h:?} repeated"
            );
        }
    }
    // The chart's own RBAC templates are gone; gen's carry its mark.
    assert!(!root.join("charts/postgresql/templates/role.yaml").exists());
    for f in [
        "charts/postgresql/templates/rbac.yaml",
        "charts/postgresql/templates/serviceaccount.yaml",
        "docs/postgresql-backup-guide.md",
        "make/ops/postgresql.mk",
    ] {
        assert!(text(f).contains("Code generated by gen"), "{f}");
    }

    // Real Helm: lint passes; nothing rendered twice; nothing gone.
    let Some(before) = before else { return };
    let after = rendered(root).expect("Helm was there a moment ago");
    let o = common::helm_py(&["lint"], &CHARTS.map(|c| root.join("charts").join(c)))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "helm lint: {}{}",
        String::from_utf8_lossy(&o.stdout),
        stderr(&o)
    );
    for c in CHARTS {
        let mut seen = BTreeSet::new();
        for obj in &after[c] {
            assert!(seen.insert(obj), "{c}: {obj:?} rendered twice");
        }
        for obj in &before[c] {
            assert!(seen.contains(obj), "{c}: {obj:?} is no longer rendered");
        }
    }
}

/// Templates adopt cannot take over stop it, each error located in the
/// template, and nothing is written.
#[test]
fn templates_adopt_cannot_take_over_are_errors() {
    if !helm_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir(root.join("specs")).unwrap();
    assert!(gen(root, &["new", "alpha"]).status.success());
    let t = root.join("charts/alpha/templates");
    std::fs::create_dir_all(&t).unwrap();
    // The spec says rbac.scope: namespace.
    std::fs::write(
        t.join("clusterrole.yaml"),
        "kind: ClusterRole\nmetadata:\n  name: x\n",
    )
    .unwrap();
    std::fs::write(
        t.join("mixed.yaml"),
        "kind: Role\nmetadata:\n  name: x\n---\nkind: ConfigMap\nmetadata:\n  name: y\n",
    )
    .unwrap();
    let before = snapshot(root);
    // Templates without a Chart.yaml are no chart Helm renders: no facts.
    for args in [
        &["--no-facts", "adopt", "--dry-run"][..],
        &["--no-facts", "adopt"],
    ] {
        let o = gen(root, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let err = stderr(&o);
        assert!(
            err.contains("error: this template renders a ClusterRole, but specs/alpha.yaml says rbac.scope: namespace; gen's templates would render another kind\n  --> charts/alpha/templates/clusterrole.yaml"),
            "{err}"
        );
        assert!(
            err.contains("error: gen adopt cannot take this template over: besides ServiceAccount or RBAC objects it renders ConfigMap\n  --> charts/alpha/templates/mixed.yaml"),
            "{err}"
        );
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(before, snapshot(root), "{args:?} wrote");
    }
}

// The whole collection (issue 13): all 47 charts, all 39 specs.

/// Helm for gen (`--helm`) and the tests: real Helm's command line over
/// the helm-sdkpy library under .tools/, which scripts/test installs.
fn helm_ready() -> bool {
    let lib = repo().join(".tools/helm/helm_sdkpy/_lib/linux-amd64/libhelm_sdkpy.so");
    if lib.is_file() {
        return true;
    }
    common::skip_or_fail("Helm (the helm-sdkpy library under .tools/helm)");
    false
}

fn yamllint() -> Option<Command> {
    let dir = repo().join(".tools/yamllint");
    if dir.join("yamllint").is_dir() {
        let mut c = Command::new("python3");
        c.env("PYTHONPATH", &dir).args(["-m", "yamllint"]);
        return Some(c);
    }
    common::skip_or_fail("yamllint under .tools/yamllint");
    None
}

/// `gen check --strict` passes but for what gen reports and must not fix:
/// what the site cannot show as the maintainers wrote it (a missing
/// anchor, a link to a file the site does not publish, a code block in an
/// unknown language). `gen check` passes, each of its warnings points at a
/// line that is, byte for byte, in the collection's own file, and
/// `--strict` fails on exactly those.
fn check_strict_but_for_hand_written_links(root: &Path) {
    let o = gen(root, &["check"]);
    let out = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    let collection = common::collection().expect("the collection");
    let lines: Vec<&str> = out.lines().collect();
    let mut links = 0;
    for (i, line) in lines.iter().enumerate() {
        // A warning of any kind (a link, a code block): the location
        // below proves it is about the maintainers' own text.
        if !(line.starts_with("warning: ") || line.starts_with("warning[")) {
            continue;
        }
        let at = lines[i + 1]
            .trim_start()
            .strip_prefix("--> ")
            .expect("a location");
        let mut parts = at.rsplitn(3, ':');
        let (_col, row, file) = (parts.next(), parts.next().unwrap(), parts.next().unwrap());
        let row: usize = row.parse().unwrap();
        let now = std::fs::read_to_string(root.join(file)).unwrap();
        let written = now.lines().nth(row - 1).unwrap();
        let theirs = std::fs::read_to_string(collection.join(file)).unwrap_or_default();
        assert!(
            theirs.lines().any(|l| l == written),
            "{file}:{row} is not a line the maintainers wrote: {written}"
        );
        links += 1;
    }
    let o = gen(root, &["check", "--strict"]);
    let strict = stderr(&o);
    let expected = if links == 0 { Some(0) } else { Some(1) };
    assert_eq!(o.status.code(), expected, "{strict}");
    let errors = strict
        .lines()
        .filter(|l| l.starts_with("error: ") || l.starts_with("error["));
    assert_eq!(errors.count(), links, "{strict}");
}

const RELEASE: &str = "rel";
const NAMESPACE: &str = "ns";

fn chart_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(root.join("charts"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("Chart.yaml").is_file())
        .collect();
    out.sort();
    out
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

fn helm_py(args: &[&str], charts: &[PathBuf]) -> Output {
    common::helm_py(args, charts).output().unwrap()
}

/// `helm lint` errors per chart.
fn lint_errors(root: &Path) -> BTreeMap<String, Vec<String>> {
    let charts = chart_dirs(root);
    let o = helm_py(&["lint", "--min-severity", "3"], &charts);
    let out = text(&o);
    assert!(
        out.contains(&format!("linted {} chart(s)", charts.len())),
        "helm lint did not finish:\n{out}"
    );
    let mut errors: BTreeMap<String, Vec<String>> =
        charts.iter().map(|c| (name_of(c), Vec::new())).collect();
    for line in out.lines().filter(|l| l.contains(": ERROR: ")) {
        let chart = line.split(": ERROR: ").next().unwrap();
        let name = name_of(Path::new(chart.trim_end_matches('/')));
        errors.entry(name).or_default().push(line.to_string());
    }
    errors
}

/// Every rendered object as (kind, name), per chart, in Helm's order.
fn rendered_all(root: &Path) -> BTreeMap<String, Vec<(String, String)>> {
    let charts = chart_dirs(root);
    let o = helm_py(
        &[
            "template",
            "--json",
            "--name",
            RELEASE,
            "--namespace",
            NAMESPACE,
        ],
        &charts,
    );
    assert!(o.status.success(), "helm template failed:\n{}", text(&o));
    let mut out = BTreeMap::new();
    for (chart, line) in charts
        .iter()
        .zip(String::from_utf8_lossy(&o.stdout).lines())
    {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        assert!(
            r["error"].is_null() || r["error"] == "",
            "{}: {}",
            chart.display(),
            r["error"]
        );
        let objects = r["objects"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| {
                let obj = &o["object"];
                (
                    obj["kind"].as_str().unwrap_or("?").to_string(),
                    obj["metadata"]["name"].as_str().unwrap_or("?").to_string(),
                )
            })
            .collect();
        out.insert(name_of(chart), objects);
    }
    out
}

fn duplicates(objects: &[(String, String)]) -> Vec<String> {
    let mut seen = BTreeSet::new();
    objects
        .iter()
        .filter(|o| !seen.insert(*o))
        .map(|(k, n)| format!("{k}/{n}"))
        .collect()
}

/// Whether `small` is `big` with zero or more runs of lines taken out, and
/// the lines of every run taken out.
/// The runs of `old` lines that are not in `new` (a line diff), each with
/// the line just before it. Lines only in `new` (what adopt adds, e.g. a
/// helper in `_helpers.tpl`) are allowed.
fn removed_runs<'a>(old: &[&'a str], new: &[&str]) -> Vec<(Option<&'a str>, Vec<&'a str>)> {
    similar::capture_diff_slices(similar::Algorithm::Myers, old, new)
        .into_iter()
        .filter_map(|op| match op {
            similar::DiffOp::Delete {
                old_index, old_len, ..
            }
            | similar::DiffOp::Replace {
                old_index, old_len, ..
            } => Some((
                old_index.checked_sub(1).map(|i| old[i]),
                old[old_index..old_index + old_len].to_vec(),
            )),
            _ => None,
        })
        .collect()
}

fn snapshot(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    common::file_tree(root)
        .into_iter()
        .filter(|(p, _)| !p.strip_prefix(root).unwrap().starts_with(".gen"))
        .collect()
}

fn spec_versions(root: &Path) -> BTreeMap<String, (String, String)> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(root.join("specs")).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_none_or(|x| x != "yaml") {
            continue;
        }
        let spec: serde_yaml::Value =
            serde_yaml::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
        let v = &spec["chart_version"];
        out.insert(
            spec["name"].as_str().unwrap().to_string(),
            (
                v["from"].as_str().unwrap().to_string(),
                v["to"].as_str().unwrap().to_string(),
            ),
        );
    }
    out
}

fn chart_version(chart_yaml: &str) -> String {
    let v: serde_yaml::Value = serde_yaml::from_str(chart_yaml).unwrap();
    v["version"].as_str().unwrap().to_string()
}

/// chart-testing's lintconf.yaml names rules with an empty value ("use the
/// defaults"), which yamllint 1.37 refuses; `enable` means the same.
fn lintconf(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| match l.strip_suffix(':') {
            Some(rule) if l.starts_with("  ") && !rule.trim().contains(' ') => {
                format!("{l} enable\n")
            }
            _ => format!("{l}\n"),
        })
        .collect()
}

/// yamllint's error findings: file (relative to `base`) -> rule -> lines.
fn yamllint_findings(
    cmd: Option<Command>,
    config: &Path,
    files: &[PathBuf],
    base: &Path,
) -> BTreeMap<String, BTreeMap<String, Vec<usize>>> {
    let o = cmd
        .unwrap()
        .arg("-c")
        .arg(config)
        .args(["-f", "parsable"])
        .args(files)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        !out.contains("invalid config") && o.status.code().is_some_and(|c| c <= 1),
        "yamllint failed:\n{}",
        text(&o)
    );
    let mut found: BTreeMap<String, BTreeMap<String, Vec<usize>>> = BTreeMap::new();
    for line in out.lines().filter(|l| l.contains(" [error] ")) {
        // path:line:col: [error] message (rule)
        let mut parts = line.splitn(3, ':');
        let (Some(path), Some(n)) = (parts.next(), parts.next()) else {
            continue;
        };
        let rule = line
            .rsplit_once('(')
            .map_or("?", |(_, r)| r.trim_end_matches(')'));
        let rel = Path::new(path)
            .strip_prefix(base)
            .unwrap_or(Path::new(path))
            .to_string_lossy()
            .into_owned();
        found
            .entry(rel)
            .or_default()
            .entry(rule.to_string())
            .or_default()
            .push(n.parse().unwrap_or(0));
    }
    found
}

/// The 1-based numbers of the lines inside gen's regions, markers included.
fn region_lines(text: &str) -> BTreeSet<usize> {
    let mut inside = BTreeSet::new();
    let mut depth = 0usize;
    for (i, line) in text.lines().enumerate() {
        if line.contains("gen:begin ") {
            depth += 1;
        }
        if depth > 0 {
            inside.insert(i + 1);
        }
        if line.contains("gen:end ") {
            depth = depth.saturating_sub(1);
        }
    }
    inside
}

#[test]
fn adopting_the_whole_collection_breaks_nothing() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    if !helm_ready() {
        return;
    }
    if yamllint().is_none() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("collection");
    common::copy_tree(&shared.join("collection"), &root);
    common::copy_tree(&repo().join("specs"), &root.join("specs"));

    // Before: the collection as its maintainers left it.
    let lint_before = lint_errors(&root);
    let objects_before = rendered_all(&root);
    let before = snapshot(&root);
    let versions = spec_versions(&root);

    // The dry run prints a plan and writes nothing.
    let o = gen(&root, &["adopt", "--dry-run"]);
    assert!(o.status.success(), "adopt --dry-run failed:\n{}", text(&o));
    assert_eq!(snapshot(&root), before, "adopt --dry-run changed files");

    let o = gen(&root, &["adopt"]);
    assert!(o.status.success(), "adopt failed:\n{}", text(&o));
    let o = gen(&root, &["build"]);
    assert!(
        o.status.success(),
        "build after adopt failed:\n{}",
        text(&o)
    );
    let adopted = snapshot(&root);

    // Idempotent: adopt again and build again change nothing.
    let o = gen(&root, &["adopt"]);
    assert!(o.status.success(), "second adopt failed:\n{}", text(&o));
    let o = gen(&root, &["build"]);
    assert!(o.status.success(), "second build failed:\n{}", text(&o));
    assert_eq!(
        snapshot(&root),
        adopted,
        "a second adopt + build wrote files"
    );
    check_strict_but_for_hand_written_links(&root);

    // The documented automount default is the chart's own: redis's
    // values.yaml mounts the token, postgresql's does not.
    for (chart, default) in [("redis", "true"), ("postgresql", "false")] {
        let readme =
            std::fs::read_to_string(root.join(format!("charts/{chart}/README.md"))).unwrap();
        let row = format!("| `serviceAccount.automount` | `{default}` |");
        assert!(readme.contains(&row), "{chart}: no {row:?}");
    }

    // Helm: no new lint error, no duplicate object, nothing gone.
    let lint_after = lint_errors(&root);
    for (chart, errs) in &lint_after {
        let old = lint_before.get(chart).map_or(0, Vec::len);
        assert!(
            errs.len() <= old,
            "{chart}: helm lint errors {old} -> {}:\n{}",
            errs.len(),
            errs.join("\n")
        );
    }
    let objects_after = rendered_all(&root);
    for (chart, objects) in &objects_after {
        let dups = duplicates(objects);
        assert!(dups.is_empty(), "{chart} renders twice: {dups:?}");
        let after: BTreeSet<_> = objects.iter().collect();
        // gen's RBAC takeover keeps every kind and name: nothing is gone.
        let gone: Vec<_> = objects_before[chart]
            .iter()
            .filter(|o| !after.contains(o))
            .collect();
        assert!(
            gone.is_empty(),
            "{chart}: objects gone after adopt: {gone:?}"
        );
    }

    // Hand-written bytes: every line outside gen's regions is kept in
    // order; what left a file is whole sections, now inside a region.
    let mut touched_yaml = Vec::new();
    for (path, old) in &before {
        let rel = path.strip_prefix(&root).unwrap();
        let Some(new) = adopted.get(path) else {
            // Removed: only hand-written RBAC/ServiceAccount templates that
            // gen's takeover replaces with objects of the same kind and name.
            let s = rel.to_string_lossy();
            assert!(
                s.starts_with("charts/")
                    && s.contains("/templates/")
                    && ["serviceaccount", "role", "rbac", "clusterrole"]
                        .iter()
                        .any(|k| name_of(rel).starts_with(k)),
                "adopt removed {s}, which is not an RBAC template it takes over"
            );
            continue;
        };
        if old == new {
            continue;
        }
        let (Ok(old_text), Ok(new_text)) = (std::str::from_utf8(old), std::str::from_utf8(new))
        else {
            panic!("{}: a binary file changed", rel.display());
        };
        if new_text
            .lines()
            .take(3)
            .any(|l| l.contains("Code generated by gen"))
        {
            // A file gen took over whole (a guide, an ops fragment): adopt's
            // plan lists it; its old text now lives in git history.
            continue;
        }
        // Blank lines do not count: adopt separates a region it appends.
        let kept: Vec<&str> = outside_regions(new_text)
            .into_iter()
            .filter(|l| !l.trim().is_empty())
            .collect();
        // Chart.yaml's `version:` line follows the spec (checked below), and
        // a Chart.yaml without annotations gets the key for gen's region.
        let chart_yaml = rel.ends_with("Chart.yaml");
        let new_annotations = chart_yaml && !old_text.lines().any(|l| l == "annotations:");
        let ours = |l: &&str| {
            l.trim().is_empty()
                || (chart_yaml && l.starts_with("version:"))
                || (new_annotations && *l == "annotations:")
        };
        let kept: Vec<&str> = kept.into_iter().filter(|l| !ours(l)).collect();
        let old_lines: Vec<&str> = old_text.lines().filter(|l| !ours(l)).collect();
        let runs = removed_runs(&old_lines, &kept);
        for (heading, run) in runs {
            let first = run
                .iter()
                .find(|l| !l.trim().is_empty())
                .copied()
                .unwrap_or("");
            // A section's body under a hand-written heading adopt kept, a
            // section with its heading, or a YAML block.
            assert!(
                heading.is_some_and(|h| h.starts_with('#'))
                    || first.starts_with('#')
                    || first.starts_with("  ")
                    || (!first.starts_with(' ') && first.contains(':'))
                    || run.iter().all(|l| l.trim().is_empty()),
                "{}: adopt removed lines that are not a whole section:\n{}",
                rel.display(),
                run.join("\n")
            );
        }
        if rel.ends_with("Chart.yaml") || rel.ends_with("values.yaml") {
            touched_yaml.push(path.clone());
        }
    }

    // Chart.yaml versions move only from the spec's `from` to its `to`.
    for (chart, (from, to)) in &versions {
        let path = root.join(format!("charts/{chart}/Chart.yaml"));
        let old = chart_version(std::str::from_utf8(&before[&path]).unwrap());
        let new = chart_version(&std::fs::read_to_string(&path).unwrap());
        assert_eq!(&old, from, "{chart}: chart_version.from");
        assert_eq!(&new, to, "{chart}: Chart.yaml version after build");
    }

    // yamllint with chart-testing's configuration (key-duplicates on). The
    // collection's own files already have findings (comment indentation,
    // trailing spaces): gen adds none, none inside its regions, and no file
    // has a duplicate key.
    assert!(
        !touched_yaml.is_empty(),
        "adopt touched no Chart.yaml or values.yaml"
    );
    let config = tmp.path().join("lintconf.yaml");
    std::fs::write(&config, lintconf(&shared.join("collection/lintconf.yaml"))).unwrap();
    let originals: Vec<PathBuf> = touched_yaml
        .iter()
        .map(|p| {
            shared
                .join("collection")
                .join(p.strip_prefix(&root).unwrap())
        })
        .collect();
    let findings_before =
        yamllint_findings(yamllint(), &config, &originals, &shared.join("collection"));
    let findings_after = yamllint_findings(yamllint(), &config, &touched_yaml, &root);
    for (file, rules) in &findings_after {
        for (rule, lines) in rules {
            assert_ne!(
                rule, "key-duplicates",
                "{file}: duplicate keys at lines {lines:?}"
            );
            let old = findings_before
                .get(file)
                .and_then(|r| r.get(rule))
                .map_or(0, Vec::len);
            assert!(
                lines.len() <= old,
                "{file}: yamllint {rule} findings {old} -> {} (lines {lines:?})",
                lines.len()
            );
            let text = std::fs::read_to_string(root.join(file)).unwrap();
            let inside = region_lines(&text);
            let bad: Vec<_> = lines.iter().filter(|l| inside.contains(l)).collect();
            assert!(
                bad.is_empty(),
                "{file}: yamllint {rule} inside gen's region at {bad:?}"
            );
        }
    }
    eprintln!(
        "collection: {} charts linted, {} YAML files with no new yamllint finding, {} objects before, {} after",
        lint_after.len(),
        touched_yaml.len(),
        objects_before.values().map(Vec::len).sum::<usize>(),
        objects_after.values().map(Vec::len).sum::<usize>()
    );
}
