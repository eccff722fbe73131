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

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::{Command, Output};

const CHARTS: [&str; 3] = [
    "postgresql",
    "opentelemetry-collector",
    "browserless-chrome",
];

fn gen(root: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn copy_dir(from: &Path, to: &Path) {
    for e in walkdir::WalkDir::new(from) {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(from).unwrap();
        let dest = to.join(rel);
        if e.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// The three charts with their guides, targets and the root Makefile, and
/// this repository's specs and gen.toml.
fn fixture(shared: &Path) -> tempfile::TempDir {
    let col = shared.join("collection");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    for c in CHARTS {
        copy_dir(&col.join("charts").join(c), &root.join("charts").join(c));
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
    let dir = fixture(&shared);
    let root = dir.path();
    let original = common::file_tree(root);
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
    assert_eq!(original, common::file_tree(root), "the dry run wrote");

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
    let o = gen(root, &["check", "--strict"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let adopted = common::file_tree(root);

    // A second adopt changes nothing and says so.
    let o = gen(root, &["adopt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("nothing to adopt"), "{}", stderr(&o));
    assert_eq!(adopted, common::file_tree(root), "a second adopt wrote");

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
    let before = common::file_tree(root);
    for args in [&["adopt", "--dry-run"][..], &["adopt"]] {
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
        assert_eq!(before, common::file_tree(root), "{args:?} wrote");
    }
}
