//! Which charts get facts, and getting them: from the cache, else from Helm.

use super::helm::{Helm, HelmError, Job, INSTALL_HELP};
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
            // A temporary file an interrupted gen left is gen's, whatever
            // it holds; the next build removes it.
            !name.starts_with('_')
                && name != "NOTES.txt"
                && !crate::disk::is_temp_name(&name)
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
    let prepared: Vec<Result<Wanted, Diagnostic>> = wanted
        .par_iter()
        .map(|f| prepare_spec(root, f, &describe))
        .collect();
    let mut ready = Vec::new();
    for p in prepared {
        match p {
            Ok(w) => ready.push(w),
            Err(d) => out.errors.push(d),
        }
    }
    let results = facts_of(root, ready, &helm);
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

/// A chart whose facts are wanted: where it is, its cache key and, when
/// the cache has them, its facts.
pub struct Wanted {
    name: String,
    dir: PathBuf,
    values_files: Vec<String>,
    values_paths: Vec<PathBuf>,
    key: String,
    cached: Option<ChartFacts>,
}

/// [`prepare`] for a spec's chart, with its values files checked first.
fn prepare_spec(root: &Path, f: &SpecFile, describe: &str) -> Result<Wanted, Diagnostic> {
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
    prepare(root, name, &values_files, describe)
}

/// Hashes `charts/<name>` and looks its facts up in the cache.
pub fn prepare(
    root: &Path,
    name: &str,
    values_files: &[String],
    describe: &str,
) -> Result<Wanted, Diagnostic> {
    let dir = root.join("charts").join(name);
    let values_paths: Vec<PathBuf> = values_files.iter().map(|v| dir.join(v)).collect();
    let key = cache::key(&dir, &values_paths, describe).map_err(|e| {
        Diagnostic::error(
            crate::kinds::chart_dir(name),
            format!("cannot read the chart: {e}"),
        )
    })?;
    // Chart.yaml's version line is gen's and not in the key: read it anew.
    let cached = cache::read(root, name, &key).and_then(|mut f| {
        let text = std::fs::read_to_string(dir.join("Chart.yaml")).ok()?;
        f.chart = parse::chart_meta(&text).ok()?;
        Some(f)
    });
    Ok(Wanted {
        cached,
        name: name.to_string(),
        dir,
        values_files: values_files.to_vec(),
        values_paths,
        key,
    })
}

/// The facts of every wanted chart, by name: the cached ones as they are,
/// the others rendered by Helm (all in one go, see [`Helm::template_all`])
/// and cached.
pub fn facts_of(
    root: &Path,
    wanted: Vec<Wanted>,
    helm: &Helm,
) -> Vec<(String, Result<Fresh, Diagnostic>)> {
    let (cached, stale): (Vec<Wanted>, Vec<Wanted>) =
        wanted.into_iter().partition(|w| w.cached.is_some());
    // Two renders per chart: as release `rel`, and as a release named after
    // the chart (which tells how the chart builds its full name).
    let jobs: Vec<Job> = stale
        .iter()
        .flat_map(|w| {
            [RELEASE, w.name.as_str()].map(|release| Job {
                release: release.to_string(),
                chart: w.dir.clone(),
                namespace: NAMESPACE.to_string(),
                values: w.values_paths.clone(),
            })
        })
        .collect();
    let mut rendered = helm.template_all(&jobs).into_iter();
    let mut out: Vec<(String, Result<Fresh, Diagnostic>)> = cached
        .into_iter()
        .map(|w| (w.name, Ok((w.cached.unwrap_or_default(), false))))
        .collect();
    let pairs: Vec<_> = stale
        .into_iter()
        .map(|w| {
            let a = rendered
                .next()
                .unwrap_or(Err(HelmError::Failed("no output".into())));
            let b = rendered
                .next()
                .unwrap_or(Err(HelmError::Failed("no output".into())));
            (w, a, b)
        })
        .collect();
    out.extend(
        pairs
            .into_par_iter()
            .map(|(w, a, b)| {
                let name = w.name.clone();
                (name, finish(root, w, a, b).map(|f| (f, true)))
            })
            .collect::<Vec<_>>(),
    );
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

/// The facts of `charts/<name>`, rendered with `values_files` (relative to
/// the chart), from the cache when they are there.
pub fn chart_facts(
    root: &Path,
    name: &str,
    values_files: &[String],
    helm: &Helm,
) -> Result<Fresh, Diagnostic> {
    let w = prepare(root, name, values_files, &helm.describe())?;
    facts_of(root, vec![w], helm)
        .pop()
        .map_or_else(|| unreachable!("one chart in, one out"), |(_, r)| r)
}

/// A chart's facts from its files and its two renders, cached.
fn finish(
    root: &Path,
    w: Wanted,
    as_rel: Result<String, HelmError>,
    as_chart: Result<String, HelmError>,
) -> Result<ChartFacts, Diagnostic> {
    let rel_dir = crate::kinds::chart_dir(&w.name);
    let mut facts = from_files(&w.dir, &rel_dir)?;
    facts.values_files = w.values_files.clone();
    let generated = generated_templates(&w.dir);
    let read = |r: Result<String, HelmError>| -> Result<Vec<parse::Rendered>, Diagnostic> {
        let text = r.map_err(|e| match e {
            HelmError::Missing(why) => {
                Diagnostic::error(&rel_dir, format!("{MISSING}, and {why}")).help(INSTALL_HELP)
            }
            HelmError::Failed(msg) => Diagnostic::error(
                &rel_dir,
                format!("`helm template` of {rel_dir} failed: {msg}"),
            )
            .help("fix the chart (`helm lint` says more), or the values files the spec's chart.values_files names"),
        })?;
        let list = parse::manifests(&text).map_err(|e| {
            Diagnostic::error(
                &rel_dir,
                format!("Helm rendered YAML that does not parse: {e}"),
            )
            .help("run `helm template` on the chart and fix the template that writes it")
        })?;
        Ok(list
            .into_iter()
            .filter(|r| !generated.contains(&r.source))
            .collect())
    };
    let (as_rel, as_chart) = (read(as_rel)?, read(as_chart)?);
    parse::read_objects(&mut facts, &as_rel);
    let mut second = ChartFacts::default();
    parse::read_objects(&mut second, &as_chart);
    facts.fullname = parse::fullname_rule(&w.name, &facts.objects, &second.objects);
    super::replicas::derive(&mut facts, &w.dir);
    cache::write(root, &w.name, &w.key, &facts);
    Ok(facts)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_temporary_file_gen_left_is_not_a_hand_written_template() {
        let dir = tempfile::tempdir().unwrap();
        let t = dir.path().join("templates");
        std::fs::create_dir_all(&t).unwrap();
        // Killed in the middle of writing: not even the generated mark.
        std::fs::write(t.join(".rbac.yaml.gen-tmp-4242"), "apiVersion: rb").unwrap();
        assert!(!needs_facts(dir.path()));
        std::fs::write(t.join("cm.yaml"), "kind: ConfigMap\n").unwrap();
        assert!(needs_facts(dir.path()));
    }

    fn chart(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let p = dir.path().join("charts/demo").join(path);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, text).unwrap();
        }
        dir
    }

    #[test]
    fn real_charts_are_those_with_hand_written_templates() {
        let gen_only = chart(&[
            ("templates/_helpers.tpl", "{{/* scaffold */}}"),
            (
                "templates/rbac.yaml",
                "{{- /* Code generated by gen from specs/demo.yaml. DO NOT EDIT. */ -}}",
            ),
            ("templates/NOTES.txt", "hi"),
        ]);
        assert!(!needs_facts(&gen_only.path().join("charts/demo")));
        let real = chart(&[("templates/tests/test.yaml", "kind: Pod")]);
        assert!(needs_facts(&real.path().join("charts/demo")));
    }

    #[test]
    fn a_values_file_the_spec_names_must_exist() {
        let dir = chart(&[("Chart.yaml", "name: demo\nversion: 0.1.0\n")]);
        let src = crate::spec::testkit::edited(
            &crate::scaffold::new_spec("demo"),
            &[(
                "depends_on: []",
                "chart: { values_files: [values-prod.yaml] }\ndepends_on: []",
            )],
        );
        let f = crate::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let d = prepare_spec(dir.path(), &f, "helm")
            .err()
            .expect("an error");
        assert_eq!(
            d.message,
            "values file \"values-prod.yaml\" is not a file in charts/demo/"
        );
        let (i, l) = src
            .lines()
            .enumerate()
            .find(|(_, l)| l.starts_with("chart:"))
            .unwrap();
        assert_eq!(
            (d.line, d.column),
            (i + 1, l.find("values-prod").unwrap() + 1),
            "{d}"
        );
        assert!(d.help.unwrap().contains("relative to the chart's folder"));
    }

    #[test]
    fn chart_files_that_do_not_parse_are_located() {
        let dir = chart(&[("templates/a.yaml", "kind: Pod")]);
        let d = from_files(&dir.path().join("charts/demo"), "charts/demo").unwrap_err();
        assert_eq!(
            (d.file.as_str(), d.message.as_str()),
            (
                "charts/demo/Chart.yaml",
                "the chart has templates but no Chart.yaml"
            )
        );
        let dir = chart(&[("Chart.yaml", "name: [demo\n")]);
        let d = from_files(&dir.path().join("charts/demo"), "charts/demo").unwrap_err();
        assert!(d.message.starts_with("Chart.yaml does not parse: "), "{d}");
        let dir = chart(&[("Chart.yaml", "name: demo\n"), ("values.yaml", "a: b: c\n")]);
        let d = from_files(&dir.path().join("charts/demo"), "charts/demo").unwrap_err();
        assert_eq!(d.file, "charts/demo/values.yaml");
        assert!(d.message.starts_with("values.yaml does not parse: "), "{d}");
        assert!(d.help.unwrap().contains("helm lint"));
    }

    #[test]
    fn no_helm_is_one_error_naming_every_chart_and_the_ways_out() {
        let dir = chart(&[("templates/a.yaml", "kind: Pod")]);
        let f = crate::spec::parse(
            "specs/demo.yaml",
            crate::scaffold::new_spec("demo").as_bytes(),
        )
        .unwrap();
        let opts = Options {
            disabled: false,
            helm: Some(dir.path().join("no-helm")),
        };
        let g = gather(dir.path(), std::slice::from_ref(&f), &opts);
        assert_eq!(g.errors.len(), 1, "{:?}", g.errors);
        let d = &g.errors[0];
        assert!(
            d.message
                .starts_with("chart facts need Helm, and the Helm gen was told to use, "),
            "{d}"
        );
        assert!(d.message.ends_with("1 chart has hand-written templates (demo), so gen renders it with `helm template` to check the specs against it"), "{d}");
        assert_eq!(d.help.as_deref(), Some(INSTALL_HELP));
        let off = gather(
            dir.path(),
            &[f],
            &Options {
                disabled: true,
                helm: None,
            },
        );
        assert!(off.errors.is_empty() && off.facts.is_empty());
        assert_eq!(
            off.note,
            "chart facts off: 1 charts with hand-written templates not checked"
        );
    }
}
