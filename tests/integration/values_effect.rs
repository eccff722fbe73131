//! Every value gen documents has an effect (issue 16, "values that do what
//! they say"), proved with real Helm (`scripts/helm template-batch`) on a
//! copy of the whole collection adopted with this repository's specs.
//!
//! For every chart with a spec, each documented value (the spec's
//! `values`, the values of its `jobs`, and the `rbac.`/`serviceAccount.`
//! values of the README's Security & RBAC table and the `values` region)
//! is set to another valid value (a boolean flipped, a number plus one, a
//! string changed, an empty map or list made non-empty) and the render is
//! diffed against the render without it. A value whose toggle changes
//! nothing fails the test, named by spec file, line and key.
//!
//! Guards: a value that matters only with another one on is toggled with
//! that one set on both sides (`ValueDoc::needs`): the jobs' schedules,
//! retention, resources, verification and alerts with `backup.enabled`
//! and the claim, `backup.verify.schedule` also with `backup.verify.enabled`,
//! `serviceAccount.create: false` with a `serviceAccount.name` for the RBAC
//! binding.
//!
//! Charts draw random passwords on every render: the chart is rendered
//! three times as it is, and the lines that differ between those renders
//! are masked in every render before comparing.

use crate::common;

use crate::common::repo;
use chartgen::spec::{SpecFile, ValueDoc};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const RELEASE: &str = "rel";
const NAMESPACE: &str = "ns";

/// A copy of the collection with the specs, adopted and built by gen.
fn adopted(shared: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    common::copy_tree(&shared.join("collection"), root);
    common::copy_tree(&repo().join("specs"), &root.join("specs"));
    std::fs::copy(repo().join("gen.toml"), root.join("gen.toml")).unwrap();
    for args in [["adopt"], ["build"]] {
        let o = common::gen_helm(root, &args);
        assert!(o.status.success(), "gen {args:?}: {}", common::stderr(&o));
    }
    tmp
}

/// Every value gen documents for the chart of `f`, each with where the
/// spec says so: `(file:line:col, value)`.
fn documented(f: &SpecFile) -> Vec<(String, ValueDoc)> {
    let at = |path: &str| {
        let (l, c) = f.positions.get(path);
        format!("{}:{l}:{c}", f.rel)
    };
    let mut out: Vec<(String, ValueDoc)> = f
        .spec
        .values
        .iter()
        .enumerate()
        .map(|(i, v)| (at(&format!("values[{i}].key")), v.clone()))
        .collect();
    let jobs = at("jobs");
    out.extend(
        chartgen::spec::jobs::values(&f.spec)
            .into_iter()
            .map(|v| (jobs.clone(), v)),
    );
    let rbac = at("rbac");
    out.extend(
        chartgen::spec::rbac_values(&f.spec)
            .into_iter()
            .map(|v| (rbac.clone(), v)),
    );
    out
}

/// Another valid value than `now` for `v`.
fn other(v: &ValueDoc, now: &Value) -> Value {
    match now {
        Value::Bool(b) => Value::Bool(!b),
        Value::Number(n) => json!(n.as_u64().expect("a whole number") + 1),
        Value::String(_) if v.key.ends_with(".schedule") => json!("17 3 * * 2"),
        Value::String(s) if v.key.ends_with(".cpu") => json!(format!("{s}0")),
        Value::String(s) if v.key.ends_with(".memory") => json!(format!("2{s}")),
        Value::String(s) if s.is_empty() => json!("gen-toggled"),
        Value::String(s) => json!(format!("{s}-toggled")),
        Value::Object(m) if m.is_empty() => json!({ "gen.example.com/toggled": "yes" }),
        Value::Array(a) if a.is_empty() => json!(["gen-toggled"]),
        other => panic!("{}: no toggle for {other}", v.key),
    }
}

/// The value at dotted `key` in the chart's values.yaml and its spec's
/// values files, the last file winning.
fn chart_value(root: &Path, f: &SpecFile, key: &str) -> Option<Value> {
    let chart = root.join("charts").join(&f.spec.name);
    let mut files = vec!["values.yaml".to_string()];
    files.extend(f.spec.chart.iter().flat_map(|c| c.values_files.clone()));
    files.iter().rev().find_map(|file| {
        let text = std::fs::read_to_string(chart.join(file)).ok()?;
        let mut node: Value = serde_yaml::from_str(&text).ok()?;
        for part in key.split('.') {
            node = node.get(part)?.clone();
        }
        Some(node)
    })
}

/// Nested values from dotted keys.
fn nested(pairs: &[(String, Value)]) -> Value {
    let mut root = json!({});
    for (key, value) in pairs {
        let mut node = &mut root;
        let parts: Vec<&str> = key.split('.').collect();
        for p in &parts[..parts.len() - 1] {
            node = node
                .as_object_mut()
                .unwrap()
                .entry(p.to_string())
                .or_insert_with(|| json!({}));
        }
        node[parts[parts.len() - 1]] = value.clone();
    }
    root
}

/// One render: a chart with its spec's values files and `pairs` on top.
struct Job {
    chart: String,
    pairs: Vec<(String, Value)>,
}

/// Renders every job with real Helm in one process; `Err` holds Helm's
/// error. None when Helm is missing (a failure under CI=true).
fn render_all(
    root: &Path,
    specs: &BTreeMap<String, SpecFile>,
    jobs: &[Job],
) -> Option<Vec<Result<String, String>>> {
    let dir = tempfile::tempdir().unwrap();
    let mut batch = Vec::new();
    for (i, j) in jobs.iter().enumerate() {
        let chart = root.join("charts").join(&j.chart);
        let mut files: Vec<String> = specs[&j.chart]
            .spec
            .chart
            .as_ref()
            .map(|c| c.values_files.clone())
            .unwrap_or_default()
            .iter()
            .map(|f| chart.join(f).display().to_string())
            .collect();
        let file = dir.path().join(format!("{i}.yaml"));
        std::fs::write(&file, nested(&j.pairs).to_string()).unwrap();
        files.push(file.display().to_string());
        batch.push(json!({
            "release": RELEASE,
            "chart": chart.display().to_string(),
            "namespace": NAMESPACE,
            "values": files,
        }));
    }
    common::template_batch(&batch)
}

/// The documents of a render by identity (source, kind, name), each as
/// its lines.
fn documents(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for (i, d) in text.split("\n---\n").enumerate() {
        let lines: Vec<String> = d.lines().map(String::from).collect();
        let pick = |p: &str| {
            lines
                .iter()
                .find(|l| l.starts_with(p))
                .cloned()
                .unwrap_or_default()
        };
        let id = format!(
            "{}|{}|{}",
            pick("# Source:"),
            pick("kind:"),
            pick("  name:")
        );
        // Two documents with one identity keep their order.
        let id = if out.contains_key(&id) {
            format!("{id}|{i}")
        } else {
            id
        };
        out.insert(id, lines);
    }
    out
}

/// The part of a line before its value: `  password:`.
fn key_of(line: &str) -> &str {
    line.find(": ").map_or(line, |i| &line[..=i])
}

/// (document, key) pairs whose values differ between two renders of the
/// same values: what the chart draws at random.
fn volatile(a: &str, b: &str) -> BTreeSet<(String, String)> {
    let (a, b) = (documents(a), documents(b));
    let mut out = BTreeSet::new();
    for (id, la) in &a {
        let Some(lb) = b.get(id) else { continue };
        for (x, y) in la.iter().zip(lb) {
            if x != y {
                out.insert((id.clone(), key_of(x).to_string()));
            }
        }
    }
    out
}

fn masked(text: &str, volatile: &BTreeSet<(String, String)>) -> BTreeMap<String, Vec<String>> {
    documents(text)
        .into_iter()
        .map(|(id, lines)| {
            let lines = lines
                .into_iter()
                .map(|l| {
                    let k = key_of(&l).to_string();
                    if volatile.contains(&(id.clone(), k.clone())) {
                        format!("{k} <random>")
                    } else {
                        l
                    }
                })
                .collect();
            (id, lines)
        })
        .collect()
}

#[test]
fn every_documented_value_changes_the_render() {
    let Some(shared) = common::shared_dir() else {
        return;
    };
    if common::real_helm().is_none() {
        common::skip_or_fail("Helm (the helm-sdkpy library under .tools/helm)");
        return;
    }
    let tmp = adopted(&shared);
    let root = tmp.path();
    let opts = chartgen::project::facts_options(root, None, true);
    let (project, _) =
        chartgen::project::load(root, &opts, &Default::default()).expect("the specs load");
    let specs: BTreeMap<String, SpecFile> = project
        .specs
        .into_iter()
        .map(|f| (f.spec.name.clone(), f))
        .collect();

    // Every render the test needs, once: each chart as it is (twice, for
    // what it draws at random), and per value its guard and the toggle.
    let mut jobs: Vec<Job> = Vec::new();
    let mut index: BTreeMap<(String, String), usize> = BTreeMap::new();
    let mut want = |chart: &str, pairs: Vec<(String, Value)>, jobs: &mut Vec<Job>| -> usize {
        let key = (chart.to_string(), serde_json::to_string(&pairs).unwrap());
        *index.entry(key).or_insert_with(|| {
            jobs.push(Job {
                chart: chart.to_string(),
                pairs,
            });
            jobs.len() - 1
        })
    };
    let mut cases = Vec::new();
    for (name, f) in &specs {
        // Two more renders as it is: a value drawn at random from a small
        // range can come out the same twice.
        let twice = jobs.len();
        for _ in 0..2 {
            jobs.push(Job {
                chart: name.clone(),
                pairs: Vec::new(),
            });
        }
        let once = want(name, Vec::new(), &mut jobs);
        for (at, v) in documented(f) {
            // What the chart has without the toggle: the guard's value, else
            // the chart's own (a chart's values.yaml may differ from the
            // default gen documents), else the documented default.
            let now = v
                .needs
                .iter()
                .find(|(k, _)| *k == v.key)
                .map(|(_, x)| x.clone())
                .or_else(|| chart_value(root, f, &v.key))
                .unwrap_or_else(|| v.default.clone());
            let toggled_to = other(&v, &now);
            let guard = want(name, v.needs.clone(), &mut jobs);
            let mut pairs: Vec<(String, Value)> = v
                .needs
                .iter()
                .filter(|(k, _)| *k != v.key)
                .cloned()
                .collect();
            pairs.push((v.key.clone(), toggled_to.clone()));
            let toggled = want(name, pairs, &mut jobs);
            cases.push((
                name.clone(),
                at,
                v,
                toggled_to,
                guard,
                toggled,
                (once, twice),
            ));
        }
    }
    let Some(renders) = render_all(root, &specs, &jobs) else {
        return;
    };

    let mut failures = Vec::new();
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (name, at, v, to, guard, toggled, (once, twice)) in cases {
        let what = format!("{at}: {name}: `{}` set to {to}", v.key);
        let base = |i: usize| {
            renders[i]
                .clone()
                .unwrap_or_else(|e| panic!("{name} renders with {:?}: {e}", jobs[i].pairs))
        };
        let mut noise = volatile(&base(once), &base(twice));
        noise.extend(volatile(&base(once), &base(twice + 1)));
        let guarded = base(guard);
        let entry = counts.entry(name.clone()).or_default();
        entry.0 += 1;
        match &renders[toggled] {
            Err(e) => failures.push(format!("{what}: the render fails: {e}")),
            Ok(t) if masked(t, &noise) == masked(&guarded, &noise) => {
                let with = if v.needs.is_empty() {
                    String::new()
                } else {
                    format!(" (with {:?})", v.needs)
                };
                failures.push(format!("{what}{with}: documented but changes nothing"));
            }
            Ok(_) => entry.1 += 1,
        }
    }
    let report: Vec<String> = counts
        .iter()
        .map(|(c, (d, e))| format!("{c}: {d} documented, {e} with an effect"))
        .collect();
    let (d, e) = counts
        .values()
        .fold((0, 0), |(a, b), (d, e)| (a + d, b + e));
    eprintln!(
        "{}\ntotal: {d} documented, {e} with an effect",
        report.join("\n")
    );
    assert!(
        failures.is_empty(),
        "{} documented values change nothing Helm renders:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(d, e);
}
