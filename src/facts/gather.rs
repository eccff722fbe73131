//! Which charts get facts, and getting them: from the cache, else from Helm.

use super::helm::{Helm, HelmError, INSTALL_HELP};
use super::{cache, parse, ChartFacts, NAMESPACE, RELEASE};
use crate::diagnostics::Diagnostic;
use crate::spec::SpecFile;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// How to get chart facts, resolved from the command line and gen.toml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// False with `--no-facts` or `facts = false`.
    pub disabled: bool,
    /// `--helm PATH`, else gen.toml's `helm` (absolute), else None for PATH.
    pub helm: Option<PathBuf>,
}

/// The facts of every chart that has them, and what happened.
#[derive(Debug, Default)]
pub struct Gathered {
    pub facts: BTreeMap<String, ChartFacts>,
    pub errors: Vec<Diagnostic>,
    /// One line for the build summary.
    pub note: String,
}

/// A chart needs facts when its `templates/` holds a template that renders
/// something and that gen did not write: it is a real chart, not gen's scaffold.
pub fn needs_facts(chart_dir: &Path) -> bool {
    hand_templates(chart_dir).next().is_some()
}

fn hand_templates(chart_dir: &Path) -> impl Iterator<Item = PathBuf> {
    walkdir::WalkDir::new(chart_dir.join("templates"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            !name.starts_with('_')
                && name != "NOTES.txt"
                && !std::fs::read(p).is_ok_and(|b| crate::output::is_generated(&b))
        })
}

/// Gets the facts of every spec's chart that needs them.
pub fn gather(root: &Path, specs: &[SpecFile], opts: &Options) -> Gathered {
    let wanted: Vec<&SpecFile> = specs
        .iter()
        .filter(|f| needs_facts(&root.join("charts").join(&f.spec.name)))
        .collect();
    let mut out = Gathered::default();
    if wanted.is_empty() {
        out.note = "chart facts: no chart has hand-written templates".into();
        return out;
    }
    if opts.disabled {
        out.note = format!(
            "chart facts off: {} charts with hand-written templates not checked",
            wanted.len()
        );
        return out;
    }
    let helm = match Helm::find(opts.helm.as_deref()) {
        Ok(h) => h,
        Err(HelmError::Missing(why) | HelmError::Failed(why)) => {
            out.errors.push(missing(&wanted, &why));
            return out;
        }
    };
    let describe = helm.describe();
    let results: Vec<(String, Result<Fresh, Diagnostic>)> = wanted
        .par_iter()
        .map(|f| {
            let name = f.spec.name.clone();
            let r = one(root, f, &helm, &describe);
            (name, r)
        })
        .collect();
    let mut rendered = 0;
    let mut missing_helm = Vec::new();
    for (name, r) in results {
        match r {
            Ok((facts, fresh)) => {
                rendered += usize::from(fresh);
                out.facts.insert(name, facts);
            }
            Err(d) if d.message.starts_with(MISSING) => missing_helm.push(d),
            Err(d) => out.errors.push(d),
        }
    }
    if let Some(d) = missing_helm.into_iter().next() {
        out.errors.push(d);
    }
    out.note = format!(
        "chart facts: {} charts ({} rendered by Helm, {} cached), {} without hand-written templates",
        out.facts.len(),
        rendered,
        out.facts.len() - rendered,
        specs.len() - wanted.len()
    );
    out
}

const MISSING: &str = "chart facts need Helm";

fn missing(wanted: &[&SpecFile], why: &str) -> Diagnostic {
    let names: Vec<&str> = wanted.iter().map(|f| f.spec.name.as_str()).collect();
    Diagnostic::error(
        "charts",
        format!(
            "{MISSING}, and {why}: {} {} hand-written templates ({}), so gen renders {} with `helm template` to check the specs against {}",
            names.len(),
            if names.len() == 1 { "chart has" } else { "charts have" },
            names.join(", "),
            if names.len() == 1 { "it" } else { "them" },
            if names.len() == 1 { "it" } else { "them" },
        ),
    )
    .help(INSTALL_HELP)
}

/// A chart's facts, and whether Helm rendered them (false: from the cache).
pub type Fresh = (ChartFacts, bool);

/// One spec's chart facts and whether Helm had to render them.
fn one(root: &Path, f: &SpecFile, helm: &Helm, describe: &str) -> Result<Fresh, Diagnostic> {
    let name = &f.spec.name;
    let values_files: Vec<String> = f
        .spec
        .chart
        .as_ref()
        .map(|c| c.values_files.clone())
        .unwrap_or_default();
    for (i, v) in values_files.iter().enumerate() {
        if !root.join("charts").join(name).join(v).is_file() {
            return Err(f
                .error_at(
                    &format!("chart.values_files[{i}]"),
                    format!("values file {v:?} is not a file in charts/{name}/"),
                )
                .help("name a values file relative to the chart's folder, e.g. values-prod.yaml"));
        }
    }
    chart_facts(root, name, &values_files, helm, describe)
}

/// The facts of `charts/<name>`, rendered with `values_files` (relative to
/// the chart), from the cache when they are there.
pub fn chart_facts(
    root: &Path,
    name: &str,
    values_files: &[String],
    helm: &Helm,
    describe: &str,
) -> Result<Fresh, Diagnostic> {
    let dir = root.join("charts").join(name);
    let rel_dir = format!("charts/{name}");
    let io = |e: std::io::Error| Diagnostic::error(&rel_dir, format!("cannot read the chart: {e}"));
    let values_paths: Vec<PathBuf> = values_files.iter().map(|v| dir.join(v)).collect();
    let key = cache::key(&dir, &values_paths, describe).map_err(io)?;
    if let Some(facts) = cache::read(root, name, &key) {
        return Ok((facts, false));
    }
    let mut facts = from_files(&dir, &rel_dir)?;
    facts.values_files = values_files.to_vec();
    let render = |release: &str| {
        helm.template(release, &dir, NAMESPACE, &values_paths)
            .map_err(|e| match e {
                HelmError::Missing(why) => Diagnostic::error(&rel_dir, format!("{MISSING}, and {why}"))
                    .help(INSTALL_HELP),
                HelmError::Failed(msg) => Diagnostic::error(
                    &rel_dir,
                    format!("`helm template` of {rel_dir} failed: {msg}"),
                )
                .help("fix the chart (`helm lint` says more), or the values files the spec's chart.values_files names"),
            })
            .and_then(|text| {
                parse::manifests(&text).map_err(|e| {
                    Diagnostic::error(&rel_dir, format!("Helm rendered YAML that does not parse: {e}"))
                        .help("run `helm template` on the chart and fix the template that writes it")
                })
            })
    };
    let (as_rel, as_chart) = rayon::join(|| render(RELEASE), || render(name));
    let generated = generated_templates(&dir);
    let own = |list: Vec<parse::Rendered>| -> Vec<parse::Rendered> {
        list.into_iter()
            .filter(|r| !generated.contains(&r.source))
            .collect()
    };
    let (as_rel, as_chart) = (own(as_rel?), own(as_chart?));
    parse::read_objects(&mut facts, &as_rel);
    let mut second = ChartFacts::default();
    parse::read_objects(&mut second, &as_chart);
    facts.fullname = parse::fullname_rule(name, &facts.objects, &second.objects);
    cache::write(root, name, &key, &facts);
    Ok((facts, true))
}

/// Templates gen wrote (they carry its mark), relative to the chart.
fn generated_templates(dir: &Path) -> BTreeSet<String> {
    walkdir::WalkDir::new(dir.join("templates"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_type().is_file()
                && std::fs::read(e.path()).is_ok_and(|b| crate::output::is_generated(&b))
        })
        .map(|e| crate::output::relative(dir, e.path()))
        .collect()
}

/// What the chart's files say without rendering: Chart.yaml, values.yaml
/// and the templates' `define` blocks and `.Values` references.
pub fn from_files(dir: &Path, rel_dir: &str) -> Result<ChartFacts, Diagnostic> {
    let read = |file: &str| -> Result<Option<String>, Diagnostic> {
        match std::fs::read_to_string(dir.join(file)) {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Diagnostic::error(
                format!("{rel_dir}/{file}"),
                format!("cannot read: {e}"),
            )),
        }
    };
    let mut facts = ChartFacts::default();
    let chart_yaml = read("Chart.yaml")?.ok_or_else(|| {
        Diagnostic::error(
            format!("{rel_dir}/Chart.yaml"),
            "the chart has templates but no Chart.yaml",
        )
        .help("a Helm chart needs a Chart.yaml; `helm create` shows one")
    })?;
    facts.chart = parse::chart_meta(&chart_yaml).map_err(|e| {
        Diagnostic::error(
            format!("{rel_dir}/Chart.yaml"),
            format!("Chart.yaml does not parse: {e}"),
        )
        .help("fix the YAML; `helm lint` says more")
    })?;
    if let Some(values) = read("values.yaml")? {
        let doc = parse::yaml_docs(&parse::strip_gen_region(&values))
            .map_err(|e| {
                Diagnostic::error(
                    format!("{rel_dir}/values.yaml"),
                    format!("values.yaml does not parse: {e}"),
                )
                .help("fix the YAML; `helm lint` says more")
            })?
            .into_iter()
            .next()
            .unwrap_or(serde_json::Value::Null);
        (facts.values_keys, facts.open_maps) = parse::values_keys(&doc);
    }
    let mut helpers = BTreeSet::new();
    let mut reads = BTreeSet::new();
    for e in walkdir::WalkDir::new(dir.join("templates"))
        .sort_by_file_name()
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
    {
        let Ok(text) = std::fs::read_to_string(e.path()) else {
            continue;
        };
        helpers.extend(parse::defines(&text));
        if !crate::output::is_generated(text.as_bytes()) {
            reads.extend(parse::values_refs(&text));
        }
    }
    facts.helpers = helpers.into_iter().collect();
    facts.values_read = reads.into_iter().collect();
    Ok(facts)
}
