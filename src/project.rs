//! Loading a project from disk, and the one pure function from what was
//! loaded to every output file.

use crate::crosschart;
use crate::diagnostics::{self, Diagnostic};
use crate::facts::{self, ChartFacts};
use crate::kinds::{self, Id, Ownership, When};
use crate::memo::{self, ChartFiles, ChartKey, Memo};
use crate::model::ChartModel;
use crate::output::Outputs;
use crate::regions;
use crate::render;
use crate::spec::{self, SpecFile};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Everything gen reads, held in memory.
#[derive(Debug, Clone)]
pub struct Project {
    pub root: PathBuf,
    pub specs: Vec<SpecFile>,
    /// Template overrides from `templates/`, by name.
    pub templates: Vec<(String, String)>,
    /// Hand-written files gen merges into or scaffolds, by relative path,
    /// for the ones that exist.
    pub existing: BTreeMap<String, String>,
    /// Hand-written Markdown under `docs/` (files without gen's generated
    /// mark), by relative path, for the site.
    pub hand_docs: BTreeMap<String, String>,
    /// gen.toml's `[paths]` and `[site]`.
    pub settings: crate::config::Settings,
    /// What gen reads from each chart's own files, by chart name.
    pub charts: BTreeMap<String, crate::chartfiles::ChartFiles>,
    /// What Helm renders of each chart that has hand-written templates,
    /// by chart name (see [`crate::facts`]).
    pub facts: BTreeMap<String, ChartFacts>,
    /// One line about the chart facts, for the build summary.
    pub facts_note: String,
    /// Where the site is published (gen.toml's `site_url`, no trailing
    /// `/`): the site then has a sitemap.
    pub site_url: Option<String>,
}

impl Project {
    /// The part of the project the site reads.
    pub fn site_input(&self) -> crate::site::Input<'_> {
        crate::site::Input {
            settings: &self.settings,
            hand_docs: &self.hand_docs,
            templates: &self.templates,
            site_url: &self.site_url,
        }
    }
}

/// Why loading or rendering failed.
#[derive(Debug)]
pub enum Failure {
    /// The inputs are invalid: exit code 1.
    Invalid(Vec<Diagnostic>),
    /// Reading or writing failed: exit code 2.
    Io(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Io(e.to_string())
    }
}

pub const SPEC_DIR: &str = "specs";

/// A hand-written input, `None` when absent. Symbolic links are followed;
/// anything but a regular file at the end of them is an I/O error (exit 2),
/// never waited on.
fn read_text(root: &Path, rel: &str) -> Result<Option<String>, Failure> {
    match crate::disk::read_regular(&root.join(rel)) {
        Ok(bytes) => diagnostics::utf8(rel, bytes)
            .map(Some)
            .map_err(|d| Failure::Invalid(vec![d])),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Failure::Io(format!("reading {rel}: {e}"))),
    }
}

/// How to get chart facts: `--helm` and `--no-facts` over gen.toml's
/// `helm` and `facts`.
pub fn facts_options(root: &Path, helm: Option<&Path>, no_facts: bool) -> facts::Options {
    // A malformed gen.toml is reported by load; here its defaults do.
    let settings = crate::config::settings(root).unwrap_or_default();
    facts::Options {
        disabled: no_facts || settings.no_facts,
        helm: helm.map(Path::to_path_buf).or(settings.helm_path(root)),
    }
}

/// Reads and validates every input, with chart facts as `facts_opts` says
/// (see [`facts_options`]), reusing from `cache` the parse and checks of
/// every spec whose bytes it has seen (`gen build` and `gen check` pass an
/// empty one). All problems of all specs are reported together; warnings
/// come back alongside a successful load.
pub fn load(
    root: &Path,
    facts_opts: &facts::Options,
    cache: &Memo,
) -> Result<(Project, Vec<Diagnostic>), Failure> {
    load_with(root, facts_opts, cache, None)
}

/// [`load`], with the `[repository]` to parse the specs with when gen.toml
/// has none (`gen adopt` finds it in the README before it writes it).
pub fn load_with(
    root: &Path,
    facts_opts: &facts::Options,
    cache: &Memo,
    repository: Option<crate::config::Repository>,
) -> Result<(Project, Vec<Diagnostic>), Failure> {
    let mut diags = Vec::new();
    let settings = match crate::config::settings(root) {
        Ok(s) => s,
        Err(crate::config::Problem::Invalid(d)) => {
            diags.push(d);
            crate::config::Settings::default()
        }
        Err(crate::config::Problem::WrongVersion(d)) => {
            diags.push(d);
            crate::config::Settings::default()
        }
        Err(crate::config::Problem::Io(msg)) => return Err(Failure::Io(msg)),
    };
    let mut ctx = crate::spec::Context::of(&settings);
    if ctx.repository.is_none() {
        ctx.repository = repository;
    }
    let spec_dir = root.join(SPEC_DIR);
    let mut paths = Vec::new();
    if spec_dir.is_dir() {
        for entry in
            std::fs::read_dir(&spec_dir).map_err(|e| Failure::Io(format!("reading specs/: {e}")))?
        {
            let entry = entry?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // A link is followed and anything else that is not a folder is
            // read, so a FIFO or a dangling link is an error, not a chart
            // silently left out (whose outputs would become orphans).
            let is_spec = (name.ends_with(".yaml") || name.ends_with(".yml"))
                && !name.starts_with(".#") // an editor's lock file
                && !entry.path().is_dir();
            if is_spec {
                paths.push(name);
            }
        }
    }
    paths.sort();
    // A folder with only docs/ is a docs-only project: it builds the site.
    let docs_only = paths.is_empty() && has_markdown(&root.join("docs"));
    if paths.is_empty() && !docs_only {
        let message = if spec_dir.is_dir() {
            "no chart specs in specs/"
        } else {
            "no specs/ folder here"
        };
        return Err(Failure::Invalid(vec![Diagnostic::error(SPEC_DIR, message)
            .help(
                "run gen from the repository root, or start a spec with `gen new <chart>`",
            )]));
    }
    let loaded: Vec<Result<Result<SpecFile, Diagnostic>, Failure>> = paths
        .par_iter()
        .map(|name| {
            let rel = format!("{SPEC_DIR}/{name}");
            let bytes = crate::disk::read_regular(&root.join(&rel))
                .map_err(|e| Failure::Io(format!("reading {rel}: {e}")))?;
            Ok(cache.parse(&rel, bytes, &ctx))
        })
        .collect();
    let mut specs = Vec::new();
    for r in loaded {
        match r? {
            Ok(f) => specs.push(f),
            Err(d) => diags.push(d),
        }
    }
    // Chart facts first: the runbook lint reads which values keys set the
    // replicas from them. Then every spec checked, with its chart's facts.
    let t = std::time::Instant::now();
    let gathered = facts::gather(root, &specs, facts_opts);
    crate::timings::lap("chart facts", t);
    diags.extend(
        specs
            .par_iter()
            .flat_map(|f| cache.validate(f, gathered.facts.get(&f.spec.name)))
            .collect::<Vec<_>>(),
    );
    diags.extend(crate::checks::graph(&specs));

    let mut templates = Vec::new();
    for rel in input_files(root, "templates", ".tera")? {
        if let Some(src) = read_text(root, &rel)? {
            templates.push((rel["templates/".len()..].to_string(), src));
        }
    }

    let mut existing = BTreeMap::new();
    let mut wanted: Vec<String> = kinds::repo_inputs().map(String::from).collect();
    for f in &specs {
        wanted.extend(kinds::chart_inputs(&f.spec.name));
    }
    for rel in wanted {
        if let Some(text) = read_text(root, &rel)? {
            existing.insert(rel, text);
        }
    }

    let hand_docs = read_hand_docs(root)?;
    let mut charts = BTreeMap::new();
    for f in &specs {
        let name = &f.spec.name;
        charts.insert(
            name.clone(),
            crate::chartfiles::ChartFiles::read(root, name).map_err(Failure::Io)?,
        );
    }

    // Every spec checked against its chart's facts.
    diags.extend(gathered.errors);
    diags.extend(
        specs
            .par_iter()
            .filter_map(|f| gathered.facts.get(&f.spec.name).map(|x| (f, x)))
            .flat_map(|(f, x)| crate::checks::facts(f, x))
            .collect::<Vec<_>>(),
    );

    diagnostics::sort(&mut diags);
    let (errors, warnings): (Vec<_>, Vec<_>) = diags.into_iter().partition(Diagnostic::is_error);
    if !errors.is_empty() {
        let mut all = errors;
        all.extend(warnings);
        return Err(Failure::Invalid(all));
    }
    specs.sort_by(|a, b| a.spec.name.cmp(&b.spec.name));
    Ok((
        Project {
            root: root.to_path_buf(),
            specs,
            templates,
            existing,
            hand_docs,
            settings,
            charts,
            facts: gathered.facts,
            facts_note: gathered.note,
            site_url: crate::config::site_url(root),
        },
        warnings,
    ))
}

fn has_markdown(dir: &Path) -> bool {
    dir.is_dir()
        && walkdir::WalkDir::new(dir)
            .into_iter()
            .filter_map(Result::ok)
            .any(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md"))
}

/// Markdown files under docs/ that a person wrote (no generated mark).
fn read_hand_docs(root: &Path) -> Result<BTreeMap<String, String>, Failure> {
    let mut docs = BTreeMap::new();
    let files = input_files(root, "docs", ".md")?;
    let odd: Vec<Diagnostic> = files
        .iter()
        .filter_map(|rel| {
            let c = crate::site::char_links_break_on(rel)?;
            Some(
                Diagnostic::error(
                    rel,
                    format!("the file name has {c:?}, which a link to its page would read as part of the URL's syntax"),
                )
                .help("rename the file without `#`, `?` or `%`"),
            )
        })
        .collect();
    if !odd.is_empty() {
        return Err(Failure::Invalid(odd));
    }
    for rel in files {
        if let Some(text) = read_text(root, &rel)? {
            if !crate::output::is_generated(text.as_bytes()) {
                docs.insert(rel, text);
            }
        }
    }
    Ok(docs)
}

/// The files under `root/dir` whose names end in `ext`, as sorted paths
/// relative to `root`. Symbolic links are followed, so a linked input is
/// read, and one that leads nowhere is listed for [`read_text`] to report
/// rather than silently left out. Editors' lock files (`.#name`, often
/// links to nowhere) are not inputs.
fn input_files(root: &Path, dir: &str, ext: &str) -> Result<Vec<String>, Failure> {
    let base = root.join(dir);
    if !base.is_dir() {
        return Ok(Vec::new());
    }
    let is_input = |p: &Path| {
        let name = p.file_name().unwrap_or_default().to_string_lossy();
        name.ends_with(ext) && name.len() > ext.len() && !name.starts_with(".#")
    };
    let mut found = Vec::new();
    for entry in walkdir::WalkDir::new(&base)
        .follow_links(true)
        .sort_by_file_name()
    {
        match entry {
            Ok(e) if e.file_type().is_dir() => {}
            Ok(e) => {
                if is_input(e.path()) {
                    found.push(crate::output::relative(root, e.path()));
                }
            }
            Err(e) => match e.path() {
                Some(p) if e.loop_ancestor().is_none() => {
                    if is_input(p) {
                        found.push(crate::output::relative(root, p));
                    }
                }
                _ => return Err(Failure::Io(format!("reading {dir}/: {e}"))),
            },
        }
    }
    Ok(found)
}

/// The JSON Schema of a spec, as committed in specs/schema.json.
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(spec::Spec);
    let mut s = serde_json::to_string_pretty(&schema).expect("schemas serialize");
    s.push('\n');
    s
}

/// What a render produced besides files: warnings (a search index over its
/// budget) and one-line facts for the build summary.
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub warnings: Vec<Diagnostic>,
    pub notes: Vec<String>,
}

/// Renders every output in memory, the site included, and touches no file.
/// `cache` holds what earlier calls rendered from the same inputs: the
/// template environment, each chart's view model and files, the site's
/// pages. `gen build` and `gen check` pass an empty one, `gen serve` the one
/// it keeps between builds; either way the bytes are those of a cold
/// render (see [`Memo`]).
pub fn generate(project: &Project, cache: &Memo) -> Result<(Outputs, Report), Failure> {
    let mut report = Report::default();
    report.notes.push(project.facts_note.clone());
    let t = std::time::Instant::now();
    let tera = cache
        .tera(&project.templates, || {
            render::environment(&project.templates)
        })
        .map_err(Failure::Invalid)?;
    let models: Vec<ChartModel> = project
        .specs
        .par_iter()
        .map(|f| {
            let mut m = cache.model(f, project.facts.get(&f.spec.name));
            m.place(&project.settings, project.charts.get(&m.spec.name));
            m
        })
        .collect();
    let t = crate::timings::lap("templates and models", t);
    // `models[i]` is the view of `project.specs[i]`.
    report.warnings.extend(coexistence_warnings(project));
    let per_chart: Vec<Result<ChartFiles, Vec<Diagnostic>>> = models
        .par_iter()
        .zip(&project.specs)
        .map(|(m, file)| {
            let key = || ChartKey {
                source: file.source.clone(),
                existing: memo::chart_existing(&project.existing, &m.spec.name),
                context: format!(
                    "{:?}{:?}",
                    project.settings,
                    project.charts.get(&m.spec.name)
                ),
                facts: m.facts.clone(),
            };
            cache.chart(&m.spec.name, key, || chart_outputs(&tera, project, m))
        })
        .collect();
    let t = crate::timings::lap("chart outputs", t);
    let mut outputs = Outputs::default();
    let mut errors = Vec::new();
    if project.specs.is_empty() {
        // A docs-only project: nothing per chart, only the site.
        add_site(project, &models, &mut outputs, &mut report, cache).map_err(Failure::Invalid)?;
        return Ok((outputs, report));
    }
    for r in per_chart {
        match r {
            Ok(files) => outputs.files.extend(
                files
                    .iter()
                    .map(|(p, t)| (p.clone(), t.clone().into_bytes())),
            ),
            Err(d) => errors.extend(d),
        }
    }
    // The cross-chart pages and the root Makefile, side by side.
    let (cross, makefile) = rayon::join(
        || cross_chart_outputs(&tera, &models, &outputs),
        || root_makefile(&tera, project, &models),
    );
    match cross {
        Ok(files) => outputs.files.extend(files),
        Err(d) => errors.push(d),
    }
    match makefile {
        Ok(text) => {
            outputs
                .files
                .insert(kinds::repo_path(Id::RootMakefile).into(), text.into_bytes());
        }
        Err(d) => errors.push(d),
    }
    outputs.files.insert(
        kinds::repo_path(Id::SpecSchema).into(),
        schema_json().into_bytes(),
    );
    crate::timings::lap("cross-chart outputs", t);
    if errors.is_empty() {
        if let Err(diags) = add_site(project, &models, &mut outputs, &mut report, cache) {
            errors.extend(diags);
        }
    }
    if errors.is_empty() {
        Ok((outputs, report))
    } else {
        diagnostics::sort(&mut errors);
        Err(Failure::Invalid(errors))
    }
}

/// The site, from the outputs, with its pages reused from `cache.site`.
fn add_site(
    project: &Project,
    models: &[ChartModel],
    outputs: &mut Outputs,
    report: &mut Report,
    cache: &Memo,
) -> Result<(), Vec<Diagnostic>> {
    let site = crate::site::build(&project.site_input(), models, outputs, &cache.site)?;
    let st = &site.stats;
    report.notes.push(format!(
        "site: {} pages, search manifest {} KB ({} sections, {} terms)",
        st.pages,
        st.search_index_bytes.div_ceil(1024),
        st.search_docs,
        st.search_terms
    ));
    report.warnings.extend(site.warnings);
    outputs.files.extend(site.files);
    Ok(())
}

/// Every output of one chart, row by row of [`kinds::CHART`]. Every file is
/// tried, so one run reports every problem of the chart.
fn chart_outputs(
    tera: &tera::Tera,
    project: &Project,
    m: &ChartModel,
) -> Result<Vec<(String, String)>, Vec<Diagnostic>> {
    let name = &m.spec.name;
    let mut ctx = tera::Context::new();
    ctx.insert("c", m);
    ctx.insert("s", &m.spec);
    // Markdown is tidied as Markdown, everything else as plain text.
    let render = |t: &str| -> Result<String, Diagnostic> {
        let text = render::render(tera, t, &ctx)?;
        Ok(if t.ends_with(".md.tera") {
            render::tidy_markdown(&text)
        } else {
            render::tidy(&text)
        })
    };
    let (own_sa, own_rbac, _) = crate::coexist::access(name, &m.source, project.charts.get(name));
    let existing = |id: Id| project.existing.get(m.path(id));
    // The maintainer's file, else the kind's scaffold.
    let base = |k: &kinds::Kind| -> Result<String, Diagnostic> {
        match existing(k.id) {
            Some(t) => Ok(t.clone()),
            None => render(k.scaffold.expect("a file gen merges into has a scaffold")),
        }
    };
    // values.yaml's top-level keys the chart defines itself: gen's block
    // and schema leave them out.
    let values_base = base(kinds::get(Id::Values));
    let hand_keys = values_base
        .as_deref()
        .map(crate::coexist::hand_top_keys)
        .unwrap_or_default();

    let mut errors: Vec<Diagnostic> = Vec::new();
    let mut files = Vec::new();
    for k in kinds::CHART {
        let wanted = match k.when {
            When::Always => true,
            When::NoOwnRbac => !own_rbac,
            When::NoOwnServiceAccount => !own_sa,
            When::Jobs => m.jobs.is_some(),
            When::Absent => existing(k.id).is_none(),
        };
        if !wanted {
            continue;
        }
        let path = m.path(k.id);
        fn one<T>(r: Result<T, Diagnostic>) -> Result<T, Vec<Diagnostic>> {
            r.map_err(|d| vec![d])
        }
        let text = match (k.ownership, k.id) {
            (Ownership::Whole | Ownership::Scaffolded, _) => {
                one(render(k.template.expect("a whole file has a template")))
            }
            (Ownership::Regions(_, regions), Id::Readme) => {
                // Each region padded with blank lines, so headings and
                // lists stay separated from the markers.
                let pad = |t: String| format!("\n{}\n", t.trim_end());
                let rendered = regions
                    .iter()
                    .map(|r| {
                        let t = r.template.expect("a README region has a template");
                        Ok((r.name, pad(render(t)?)))
                    })
                    .collect::<Result<Vec<_>, Diagnostic>>()
                    .and_then(|regions| Ok((regions, base(k)?)));
                one(rendered)
                    .and_then(|(regions, base)| crate::coexist::readme(path, &base, &regions))
            }
            (Ownership::Regions(..), Id::Values) => one(values_base.clone()).and_then(|base| {
                let region = crate::coexist::without_top_keys(&m.values_yaml, &hand_keys);
                crate::coexist::values(path, &base, region)
            }),
            (Ownership::Merged, Id::ValuesSchema) => one(crate::helmmeta::values_schema::merge(
                path,
                existing(k.id).map(String::as_str),
                &m.spec,
                &hand_keys,
            )),
            // Scaffolded once, then the maintainer's except `version:` and
            // the Artifact Hub region (see helmmeta::chart_yaml).
            (Ownership::Merged, Id::ChartYaml) => one((|| {
                crate::helmmeta::chart_yaml::update(
                    path,
                    &base(k)?,
                    &m.spec.chart_version.to,
                    &render(k.template.expect("Chart.yaml's region has a template"))?,
                    &m.source,
                )
            })()),
            (_, id) => unreachable!("no renderer for {id:?} as {:?}", k.ownership),
        };
        match text {
            Ok(text) => files.push((path.to_string(), text)),
            Err(e) => errors.extend(e),
        }
    }
    if errors.is_empty() {
        Ok(files)
    } else {
        Err(errors)
    }
}

/// Warnings about a chart's own files gen leaves alone (its own
/// ServiceAccount and RBAC templates), for every build.
fn coexistence_warnings(project: &Project) -> Vec<Diagnostic> {
    project
        .specs
        .iter()
        .flat_map(|f| {
            crate::coexist::access(&f.spec.name, &f.rel, project.charts.get(&f.spec.name)).2
        })
        .collect()
}

/// The pages about all charts together: disaster recovery, the Makefile
/// reference and the coverage report. Coverage is measured on the per-chart
/// outputs, so this runs after them.
fn cross_chart_outputs(
    tera: &tera::Tera,
    models: &[ChartModel],
    outputs: &Outputs,
) -> Result<Vec<(String, Vec<u8>)>, Diagnostic> {
    let t = std::time::Instant::now();
    let mut ctx = tera::Context::new();
    ctx.insert("charts", models);
    let t = crate::timings::lap("cross: charts to context", t);
    ctx.insert("dr", &crosschart::dr_plan(models));
    let t = crate::timings::lap("cross: dr plan", t);
    ctx.insert("coverage", &crosschart::coverage(models, outputs));
    crate::timings::lap("cross: coverage", t);
    ctx.insert("min_targets", &crosschart::MIN_TARGETS);
    ctx.insert("shared_vars", &crosschart::SHARED_VARS);
    let tools = crate::spec::tools::listed(
        models
            .iter()
            .flat_map(|m| [&m.make_tools, &m.backup_tools, &m.upgrade_tools])
            .flatten()
            .map(|t| t.name),
    );
    ctx.insert("workstation_tools", &tools);
    kinds::REPO
        .par_iter()
        .filter(|k| k.ownership == Ownership::Whole)
        .filter_map(|k| Some((k.repo_path(), k.template?)))
        .map(|(path, template)| {
            let text = render::tidy_markdown(&render::render(tera, template, &ctx)?);
            Ok((path.to_string(), text.into_bytes()))
        })
        .collect()
}

fn root_makefile(
    tera: &tera::Tera,
    project: &Project,
    models: &[ChartModel],
) -> Result<String, Diagnostic> {
    let k = kinds::get(Id::RootMakefile);
    let Ownership::Regions(style, [region]) = k.ownership else {
        unreachable!("the root Makefile is one region of the maintainer's")
    };
    let path = k.repo_path();
    let mut ctx = tera::Context::new();
    ctx.insert("charts", models);
    let specs: Vec<&spec::Spec> = models.iter().map(|m| &m.spec).collect();
    ctx.insert("order", &crosschart::restore_order(&specs));
    ctx.insert("chart_vars", &crosschart::chart_vars(models));
    ctx.insert("shared_vars", &crosschart::SHARED_VARS);
    let template = region.template.expect("the Makefile region has a template");
    let text = render::tidy(&render::render(tera, template, &ctx)?);
    let base = match project.existing.get(path) {
        Some(t) => t.clone(),
        None => render::tidy(&render::render(
            tera,
            k.scaffold.expect("the root Makefile has a scaffold"),
            &ctx,
        )?),
    };
    regions::merge_top_level(path, &base, style, &[(region.name, text)])
}
