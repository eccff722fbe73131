//! The parts of a chart's pages that gen writes besides its guides: the
//! overview's facts and cards (HTML), and the Markdown of the Operations
//! and Security pages. Each is a template under `templates/site/`, rendered
//! from a small context made here, so a repository can override it.

use super::html::relative;
use super::pages::{capitalized, chart_url, enum_name, text_of, SECURITY_PAGE};
use crate::diagnostics::Diagnostic;
use crate::kinds;
use crate::model::ChartModel;
use crate::output::Outputs;
use crate::spec::Scope;
use serde::Serialize;
use std::collections::HashMap;

/// The templates of this module, by what they make.
pub const FACTS: &str = "site/facts.html.tera";
pub const CARDS: &str = "site/cards.html.tera";
pub const OPERATIONS: &str = "site/operations.md.tera";
pub const MANIFESTS: &str = "site/manifests.md.tera";

/// Who depends on whom, looked up by name: built once per site, so a
/// chart's facts do not scan every chart (that made 10,000 charts
/// quadratic).
pub struct Graph<'a> {
    by_name: HashMap<&'a str, usize>,
    /// For each chart, the charts that depend on it, in model order.
    users: Vec<Vec<usize>>,
}

impl<'a> Graph<'a> {
    pub fn new(models: &'a [ChartModel]) -> Self {
        let by_name: HashMap<&str, usize> = models
            .iter()
            .enumerate()
            .map(|(i, m)| (m.spec.name.as_str(), i))
            .collect();
        let mut users = vec![Vec::new(); models.len()];
        for (i, m) in models.iter().enumerate() {
            let mut deps: Vec<usize> = m
                .spec
                .depends_on
                .iter()
                .filter_map(|d| by_name.get(d.chart.as_str()).copied())
                .collect();
            deps.sort_unstable();
            deps.dedup();
            for d in deps {
                users[d].push(i);
            }
        }
        Graph { by_name, users }
    }
}

fn render<C: Serialize>(tera: &tera::Tera, name: &str, ctx: &C) -> Result<String, Diagnostic> {
    let ctx = tera::Context::from_serialize(ctx).expect("a context struct serializes");
    crate::render::render(tera, name, &ctx)
}

/// Another chart, named in the facts: a link when the site has it.
#[derive(Serialize)]
struct ChartRef {
    title: String,
    href: Option<String>,
}

/// What `site/facts.html.tera` shows: a chart's facts at a glance.
#[derive(Serialize)]
struct Facts<'a> {
    category: String,
    roadmap: String,
    app_version: &'a str,
    chart_version_from: &'a str,
    chart_version_to: &'a str,
    workload_kind: String,
    container: &'a str,
    port: Option<u16>,
    rto: &'a str,
    rpo: &'a str,
    rbac_rules: usize,
    rbac_cluster_wide: bool,
    targets: usize,
    depends_on: Vec<ChartRef>,
    used_by: Vec<ChartRef>,
    last_drill: Option<&'a str>,
}

/// The at-a-glance facts of chart `i`, as HTML for the page at `page`.
pub fn facts(
    tera: &tera::Tera,
    models: &[ChartModel],
    graph: &Graph,
    i: usize,
    page: &str,
) -> Result<String, Diagnostic> {
    let m = &models[i];
    let s = &m.spec;
    let chart_ref = |name: &str| match graph.by_name.get(name).map(|&j| &models[j]) {
        Some(o) => ChartRef {
            title: o.spec.title.clone(),
            href: Some(relative(page, &chart_url(name, "index.html"))),
        },
        None => ChartRef {
            title: name.to_string(),
            href: None,
        },
    };
    let ctx = Facts {
        category: capitalized(&enum_name(&s.category)),
        roadmap: enum_name(&s.roadmap),
        app_version: &s.app_version,
        chart_version_from: &s.chart_version.from,
        chart_version_to: &s.chart_version.to,
        workload_kind: enum_name(&s.workload.kind),
        container: &s.workload.container,
        port: s.workload.port,
        rto: &m.rto_human,
        rpo: &m.rpo_human,
        rbac_rules: s.rbac.rules.len(),
        rbac_cluster_wide: s.rbac.scope == Scope::Cluster,
        targets: m.operations.len(),
        depends_on: s.depends_on.iter().map(|d| chart_ref(&d.chart)).collect(),
        used_by: graph.users[i]
            .iter()
            .map(|&j| chart_ref(&models[j].spec.name))
            .collect(),
        last_drill: s.last_drill.as_deref(),
    };
    render(tera, FACTS, &ctx)
}

/// What `site/cards.html.tera` counts on a chart's other pages.
#[derive(Serialize)]
struct Cards {
    components: usize,
    restores: usize,
    strategies: usize,
    targets: usize,
}

/// Cards that lead from a chart's overview to its other pages.
pub fn cards(tera: &tera::Tera, m: &ChartModel) -> Result<String, Diagnostic> {
    let s = &m.spec;
    let ctx = Cards {
        components: s.backup.components.len(),
        restores: s.restore.len(),
        strategies: s.upgrade.strategies.len(),
        targets: m.operations.len(),
    };
    render(tera, CARDS, &ctx)
}

#[derive(Serialize)]
struct Variable<'a> {
    name: &'a str,
    default: &'a str,
    help: &'a str,
}

#[derive(Serialize)]
struct Target<'a> {
    target: &'a str,
    help: &'a str,
    /// Every chart has this target.
    shared: bool,
    command: &'a str,
}

#[derive(Serialize)]
struct Group<'a> {
    title: String,
    operations: Vec<Target<'a>>,
}

/// What `site/operations.md.tera` lists: the chart's make variables and
/// its targets by group.
#[derive(Serialize)]
struct Operations<'a> {
    name: &'a str,
    variables: Vec<Variable<'a>>,
    groups: Vec<Group<'a>>,
}

/// The Operations page's Markdown: every target with its command.
pub fn operations_markdown(tera: &tera::Tera, m: &ChartModel) -> Result<String, Diagnostic> {
    let ctx = Operations {
        name: &m.spec.name,
        variables: m
            .variables
            .iter()
            .map(|v| Variable {
                name: &v.name,
                default: &v.default,
                help: &v.help,
            })
            .collect(),
        groups: m
            .groups
            .iter()
            .map(|g| Group {
                title: capitalized(&enum_name(&g.name)),
                operations: g
                    .operations
                    .iter()
                    .map(|op| Target {
                        target: &op.full_target,
                        help: &op.help,
                        shared: op.shared,
                        command: &op.command,
                    })
                    .collect(),
            })
            .collect(),
    };
    render(tera, OPERATIONS, &ctx)
}

#[derive(Serialize)]
struct Manifest<'a> {
    /// Path inside the chart, e.g. `templates/rbac.yaml`.
    path: String,
    text: &'a str,
}

/// What `site/manifests.md.tera` shows: the RBAC templates gen wrote into
/// the chart.
#[derive(Serialize)]
struct Manifests<'a> {
    manifests: Vec<Manifest<'a>>,
}

/// The Markdown of the manifests gen writes into a chart for its security
/// page (its RBAC templates).
pub fn manifests_markdown(
    tera: &tera::Tera,
    outputs: &Outputs,
    m: &ChartModel,
) -> Result<String, Diagnostic> {
    let dir = format!("{}/", kinds::chart_dir(&m.spec.name));
    let manifests = kinds::CHART
        .iter()
        .filter(|k| {
            k.page == kinds::Page::Chart(SECURITY_PAGE) && k.ownership == kinds::Ownership::Whole
        })
        .filter_map(|k| {
            let path = m.path(k.id);
            text_of(outputs, path).map(|text| Manifest {
                path: path.strip_prefix(&dir).unwrap_or(path).to_string(),
                text,
            })
        })
        .collect();
    render(tera, MANIFESTS, &Manifests { manifests })
}
