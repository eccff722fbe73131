//! The published HTML site under `site/`: built from the same in-memory
//! outputs as everything else, so it is a pure function of the specs, the
//! templates and the hand-written docs.
//!
//! - [`markdown`] turns each guide into HTML (anchors, highlighting, links);
//! - this module lays out the pages: a catalog, five pages per chart, the
//!   cross-chart guides and every hand-written doc, with navigation;
//! - every internal link and anchor is checked once all pages exist;
//! - [`search`] builds the index; [`assets`] fingerprints CSS and JS.

pub mod assets;
pub mod cache;
pub mod highlight;
pub mod html;
pub mod markdown;
pub mod search;
pub mod stem;

use crate::diagnostics::{self, did_you_mean, Diagnostic};
use crate::kinds::{self, Id};
use crate::model::ChartModel;
use crate::output::Outputs;
use crate::spec::{Category, Scope};
use html::{esc, relative};
use markdown::{Registry, Rendered, Source, Step};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Name shown in the header and in every page title.
pub const SITE_TITLE: &str = "Chart handbook";

/// The Content-Security-Policy of every page: nothing from another host, no
/// inline script, no inline style.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

/// What a page is, for navigation and search filters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Home,
    Overview,
    Backup,
    Upgrade,
    Security,
    Operations,
    /// A cross-chart or hand-written guide, with the search kind it counts as.
    Guide(&'static str),
}

impl Kind {
    fn search_kind(self) -> &'static str {
        match self {
            Kind::Backup => "backup",
            Kind::Upgrade => "upgrade",
            Kind::Security => "rbac",
            Kind::Operations => "operations",
            Kind::Home | Kind::Overview => "guide",
            Kind::Guide(k) => k,
        }
    }
}

/// The chart page that shows its RBAC manifests.
const SECURITY_PAGE: &str = "security.html";

/// The five pages of a chart: (kind, file name, tab label).
const CHART_PAGES: &[(Kind, &str, &str)] = &[
    (Kind::Overview, "index.html", "Overview"),
    (Kind::Backup, "backup.html", "Backup & recovery"),
    (Kind::Upgrade, "upgrade.html", "Upgrade"),
    (Kind::Security, SECURITY_PAGE, "Security & RBAC"),
    (Kind::Operations, "operations.html", "Operations"),
];

/// The cross-chart guides gen renders, with a page each: (source, search
/// kind), from the table of output kinds.
fn cross_docs() -> impl Iterator<Item = (&'static str, &'static str)> {
    kinds::REPO.iter().filter_map(|k| match k.page {
        kinds::Page::Doc(kind) => Some((k.repo_path(), kind)),
        _ => None,
    })
}

/// What the site is built from besides the charts' models and outputs: the
/// part of the loaded project it reads, so that the site depends on no
/// loader (see `project::Project::site_input`).
#[derive(Clone, Copy)]
pub struct Input<'a> {
    /// gen.toml's `[site]` and `[paths]`.
    pub settings: &'a crate::config::Settings,
    /// Hand-written Markdown under `docs/`, by relative path.
    pub hand_docs: &'a BTreeMap<String, String>,
    /// Template overrides from `templates/`, by name.
    pub templates: &'a [(String, String)],
    /// The published site's address, for the sitemap.
    pub site_url: &'a Option<String>,
}

/// A rendered page before layout.
struct Page {
    url: String,
    title: String,
    /// Label in the sidebar, tabs and pager.
    label: String,
    kind: Kind,
    chart: Option<usize>,
    /// Repository file the page is made from, shown in the footer.
    source: String,
    /// The page's meta description: the start of its first paragraph.
    description: String,
    doc: Rendered,
    /// The page's documents for the search index, made as it is rendered.
    search: Vec<search::DocOut>,
}

/// What the build learned about the site, besides its files.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    pub pages: usize,
    pub search_index_bytes: usize,
    pub search_text_bytes: usize,
    pub search_docs: usize,
    pub search_terms: usize,
    /// Bytes a term shard and a snippet chunk were cut at.
    pub search_shard_bytes: usize,
    pub search_chunk_bytes: usize,
}

/// The site's files (paths start with `site/`), its warnings and numbers.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pub files: BTreeMap<String, Vec<u8>>,
    pub warnings: Vec<Diagnostic>,
    pub stats: Stats,
}

fn text_of<'a>(outputs: &'a Outputs, path: &str) -> Option<&'a str> {
    outputs
        .files
        .get(path)
        .and_then(|b| std::str::from_utf8(b).ok())
}

fn chart_url(name: &str, file: &str) -> String {
    format!("{}/{file}", kinds::chart_dir(name))
}

/// The first character of a repository path that a link cannot carry as
/// it is (`#` starts a fragment, `?` a query, `%` an escape): such a page
/// is refused rather than linked wrongly.
pub fn char_links_break_on(path: &str) -> Option<char> {
    path.chars().find(|c| matches!(c, '#' | '?' | '%'))
}

/// `docs/a/b.md` is published as `docs/a/b.html`.
fn doc_url(path: &str) -> String {
    format!("{}.html", path.trim_end_matches(".md"))
}

/// Which page each repository file becomes.
fn registry(
    input: &Input,
    models: &[ChartModel],
    outputs: &Outputs,
) -> Result<Registry, Vec<Diagnostic>> {
    let mut reg = Registry {
        repo_url: input.settings.repo_url.clone(),
        ..Registry::default()
    };
    reg.hand_written.extend(input.hand_docs.keys().cloned());
    for m in models {
        let n = &m.spec.name;
        reg.pages
            .insert(m.source.clone(), chart_url(n, CHART_PAGES[0].1));
        for k in kinds::CHART {
            let kinds::Page::Chart(file) = k.page else {
                continue;
            };
            let path = m.path(k.id).to_string();
            // A file a person wrote around gen's regions.
            if k.ownership != kinds::Ownership::Whole {
                reg.hand_written.insert(path.clone());
            }
            reg.pages.insert(path, chart_url(n, file));
        }
    }
    for (path, _) in cross_docs() {
        if outputs.files.contains_key(path) {
            reg.pages.insert(path.to_string(), doc_url(path));
        }
    }
    let mut errors = Vec::new();
    let taken: Vec<String> = reg.pages.values().cloned().collect();
    for path in input.hand_docs.keys() {
        let url = doc_url(path);
        if taken.contains(&url) {
            errors.push(
                Diagnostic::error(path, format!("{url} is already a page of the site"))
                    .help("rename the file"),
            );
        }
        reg.pages.insert(path.clone(), url);
    }
    if errors.is_empty() {
        Ok(reg)
    } else {
        Err(errors)
    }
}

/// The lines between `<!-- gen:begin NAME -->` and its end marker, and the
/// 1-based line number of the first of them.
fn region<'a>(text: &'a str, name: &str) -> Option<(&'a str, usize)> {
    let begin = format!("<!-- gen:begin {name} -->");
    let end = format!("<!-- gen:end {name} -->");
    let mut start = None;
    let mut offset = 0;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let trimmed = line.trim();
        if trimmed == begin {
            start = Some((offset + line.len(), i + 2));
        } else if trimmed == end {
            let (from, first_line) = start?;
            return Some((&text[from..offset], first_line));
        }
        offset += line.len();
    }
    None
}

/// Splits a README before its first second-level heading (outside code
/// blocks): the introduction, the rest, and the rest's first line number.
fn split_intro(text: &str) -> (&str, &str, usize) {
    let mut offset = 0;
    let mut fence: Option<&str> = None;
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let t = line.trim_start();
        match fence {
            Some(f) if t.starts_with(f) => fence = None,
            Some(_) => {}
            None if t.starts_with("```") || t.starts_with("~~~") => fence = Some(&t[..3]),
            None if t.starts_with("## ") => return (&text[..offset], &text[offset..], i + 1),
            None => {}
        }
        offset += line.len();
    }
    (text, "", 1)
}

/// Escapes every Markdown-significant character of plain text.
fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
    {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Markdown code span that shows `text` exactly, whatever backticks or
/// pipes it holds (pipes are escaped for table cells).
fn code_span(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.is_empty() {
        return "` `".into();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{}{pad}{ticks}", text.replace('|', "\\|"))
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// Who depends on whom, looked up by name: built once per site, so a
/// chart's facts do not scan every chart (that made 10,000 charts
/// quadratic).
struct Graph<'a> {
    by_name: HashMap<&'a str, usize>,
    /// For each chart, the charts that depend on it, in model order.
    users: Vec<Vec<usize>>,
}

impl<'a> Graph<'a> {
    fn new(models: &'a [ChartModel]) -> Self {
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

/// The at-a-glance facts of a chart, as HTML.
fn facts(models: &[ChartModel], graph: &Graph, i: usize, page: &str) -> String {
    let m = &models[i];
    let s = &m.spec;
    let chart_link = |name: &str| -> String {
        match graph.by_name.get(name).map(|&j| &models[j]) {
            Some(o) => format!(
                "<a href=\"{}\">{}</a>",
                esc(&relative(page, &chart_url(name, "index.html"))),
                esc(&o.spec.title)
            ),
            None => esc(name),
        }
    };
    let deps: Vec<String> = s.depends_on.iter().map(|d| chart_link(&d.chart)).collect();
    let users: Vec<String> = graph.users[i]
        .iter()
        .map(|&j| chart_link(&models[j].spec.name))
        .collect();
    let none = || "<span class=\"muted\">none</span>".to_string();
    let port = s
        .workload
        .port
        .map(|p| format!(", port {p}"))
        .unwrap_or_default();
    let rows: Vec<(&str, String)> = vec![
        ("Category", esc(&capitalized(&enum_name(&s.category)))),
        ("Roadmap", esc(&enum_name(&s.roadmap))),
        ("App version", esc(&s.app_version)),
        (
            "Chart version",
            format!(
                "{} → {}",
                esc(&s.chart_version.from),
                esc(&s.chart_version.to)
            ),
        ),
        (
            "Workload",
            format!(
                "{} <code>{}</code>{}",
                esc(&enum_name(&s.workload.kind)),
                esc(&s.workload.container),
                esc(&port)
            ),
        ),
        ("RTO", esc(&m.rto_human)),
        ("RPO", esc(&m.rpo_human)),
        (
            "RBAC",
            match (s.rbac.scope, s.rbac.rules.len()) {
                (_, 0) => "no API access".to_string(),
                (Scope::Namespace, n) => format!("{n} namespaced rule{}", plural(n)),
                (Scope::Cluster, n) => format!("{n} cluster-wide rule{}", plural(n)),
            },
        ),
        ("Makefile targets", format!("{}", m.operations.len())),
        (
            "Depends on",
            if deps.is_empty() {
                none()
            } else {
                deps.join(", ")
            },
        ),
        (
            "Used by",
            if users.is_empty() {
                none()
            } else {
                users.join(", ")
            },
        ),
        (
            "Last DR drill",
            s.last_drill
                .as_deref()
                .map(esc)
                .unwrap_or_else(|| "<span class=\"muted\">never</span>".into()),
        ),
    ];
    let mut out = String::from("<dl class=\"facts\">\n");
    for (k, v) in rows {
        out.push_str(&format!("<div><dt>{k}</dt><dd>{v}</dd></div>\n"));
    }
    out.push_str("</dl>\n");
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Cards that lead from a chart's overview to its other pages.
fn chart_cards(m: &ChartModel) -> String {
    let s = &m.spec;
    let cards = [
        (
            "backup.html",
            "Backup & recovery",
            format!(
                "{} component{}, {} restore procedure{}",
                s.backup.components.len(),
                plural(s.backup.components.len()),
                s.restore.len(),
                plural(s.restore.len())
            ),
        ),
        (
            "upgrade.html",
            "Upgrade",
            format!(
                "{} strateg{}, rollback and validation",
                s.upgrade.strategies.len(),
                if s.upgrade.strategies.len() == 1 {
                    "y"
                } else {
                    "ies"
                }
            ),
        ),
        (
            "security.html",
            "Security & RBAC",
            "ServiceAccount, rules and the rendered manifests".to_string(),
        ),
        (
            "operations.html",
            "Operations",
            format!(
                "{} Makefile targets with their commands",
                m.operations.len()
            ),
        ),
    ];
    let mut out = String::from("<ul class=\"cards\">\n");
    for (href, title, text) in cards {
        out.push_str(&format!(
            "<li><a href=\"{href}\"><strong>{title}</strong><span>{}</span></a></li>\n",
            esc(&text)
        ));
    }
    out.push_str("</ul>\n");
    out
}

/// The Operations page's Markdown: every target with its command.
fn operations_markdown(m: &ChartModel) -> String {
    let s = &m.spec;
    let mut md = String::new();
    md.push_str(&format!(
        "Run these targets from the repository root as `make {}-<target>`. \
         Each takes the variables below from the make command line or the \
         environment, e.g. {}. `KUBECTL` (default `kubectl`) picks the client.\n\n",
        s.name,
        code_span(&format!("make {}-status NAMESPACE=prod", s.name))
    ));
    md.push_str("## Variables\n\n| Variable | Default | Meaning |\n| --- | --- | --- |\n");
    for v in &m.variables {
        md.push_str(&format!(
            "| {} | {} | {} |\n",
            code_span(&v.name),
            if v.default.is_empty() {
                "*empty*".to_string()
            } else {
                code_span(&v.default)
            },
            md_text(&v.help).replace('|', "\\|")
        ));
    }
    md.push('\n');
    for g in &m.groups {
        md.push_str(&format!("## {}\n\n", capitalized(&enum_name(&g.name))));
        for op in &g.operations {
            md.push_str(&format!("### {}\n\n", code_span(&op.full_target)));
            md.push_str(&md_text(&op.help));
            if op.shared {
                md.push_str(" *(every chart has this target)*");
            }
            md.push_str("\n\n");
            md.push_str(&crate::text::fence(
                &format!("make {}", op.full_target),
                "bash",
                0,
            ));
            md.push_str("\n\nRuns:\n\n");
            md.push_str(&crate::text::fence(&op.command, "bash", 0));
            md.push_str("\n\n");
        }
    }
    md
}

/// The Markdown of the manifests gen writes into a chart for its security
/// page (its RBAC templates).
fn manifests_markdown(outputs: &Outputs, m: &ChartModel) -> String {
    let mut md = String::from(
        "## Rendered manifests\n\nThe templates gen writes into the chart, as Helm renders them \
         from the values above.\n\n",
    );
    let dir = format!("{}/", kinds::chart_dir(&m.spec.name));
    for k in kinds::CHART {
        if k.page != kinds::Page::Chart(SECURITY_PAGE) || k.ownership != kinds::Ownership::Whole {
            continue;
        }
        let path = m.path(k.id);
        if let Some(text) = text_of(outputs, path) {
            let rel = path.strip_prefix(&dir).unwrap_or(path);
            md.push_str(&format!("### {}\n\n", code_span(rel)));
            md.push_str(&crate::text::fence(text, "yaml", 0));
            md.push_str("\n\n");
        }
    }
    md
}

/// Renders the body of every page (in parallel), in site order.
/// What rendering a page needs besides its steps.
struct RenderCtx<'a> {
    reg: &'a Registry,
    cache: &'a cache::Pages,
}

impl RenderCtx<'_> {
    fn render(&self, url: &str, steps: Vec<Step>) -> Rendered {
        self.cache
            .page(url, steps, |steps| markdown::render(self.reg, url, steps))
    }
}

fn pages(input: &Input, models: &[ChartModel], outputs: &Outputs, rc: &RenderCtx) -> Vec<Page> {
    enum Job<'a> {
        Chart(usize, Kind),
        Cross(&'a str, &'static str),
        Hand(&'a str),
    }
    let mut jobs: Vec<Job> = Vec::new();
    for (path, kind) in cross_docs() {
        if outputs.files.contains_key(path) {
            jobs.push(Job::Cross(path, kind));
        }
    }
    jobs.extend(input.hand_docs.keys().map(|p| Job::Hand(p)));
    for i in chart_order(models) {
        jobs.extend(CHART_PAGES.iter().map(|(k, _, _)| Job::Chart(i, *k)));
    }
    let empty = String::new();
    let graph = Graph::new(models);
    jobs.par_iter()
        .map_init(stem::Stems::default, |stems, job| {
            let mut page = match *job {
                Job::Cross(path, kind) => markdown_page(
                    rc,
                    path,
                    text_of(outputs, path).unwrap_or(""),
                    Kind::Guide(kind),
                ),
                Job::Hand(path) => markdown_page(
                    rc,
                    path,
                    input.hand_docs.get(path).unwrap_or(&empty),
                    Kind::Guide("guide"),
                ),
                Job::Chart(i, kind) => chart_page(rc, models, &graph, outputs, i, kind),
            };
            // Indexed as soon as it is rendered, so that no page's section
            // text outlives it: a site's text is not all in memory at once.
            let sp = search_page(&page, models);
            let facts = format!("{}\u{0}{}", sp.title, sp.context);
            let docs = rc
                .cache
                .page_search(&page.url, &facts, || search::page_docs(&sp, stems));
            page.search = docs;
            page.description = description(&page);
            page.doc.sections = Vec::new();
            page
        })
        .collect()
}

/// Longest meta description: what search engines show of one.
const DESCRIPTION_CHARS: usize = 160;

/// A page's meta description: its first section's text, cut at a word
/// before [`DESCRIPTION_CHARS`]; its title when it has no text.
fn description(p: &Page) -> String {
    let text = p
        .doc
        .sections
        .iter()
        .map(|s| s.text.split_whitespace().collect::<Vec<_>>().join(" "))
        .find(|t| !t.is_empty());
    let Some(text) = text else {
        return p.title.clone();
    };
    // A chart's guides start like its overview: their title tells them apart.
    let text = match p.chart {
        Some(_) if p.kind != Kind::Overview => format!("{}: {text}", p.title),
        _ => text,
    };
    if text.chars().count() <= DESCRIPTION_CHARS {
        return text;
    }
    let cut: String = text.chars().take(DESCRIPTION_CHARS - 1).collect();
    let cut = cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head);
    format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
}

/// A page as the search index sees it.
fn search_page<'a>(p: &'a Page, models: &[ChartModel]) -> search::SearchPage<'a> {
    search::SearchPage {
        url: &p.url,
        title: &p.title,
        label: if p.chart.is_some() {
            &p.label
        } else {
            &p.title
        },
        chart: p.chart,
        kind: p.kind.search_kind(),
        context: p
            .chart
            .map(|c| format!("{} {}", models[c].spec.name, models[c].spec.title))
            .unwrap_or_default(),
        sections: &p.doc.sections,
    }
}

/// Charts in the order of the sidebar: by category, then title.
fn chart_order(models: &[ChartModel]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..models.len()).collect();
    order.sort_by_key(|&i| {
        let s = &models[i].spec;
        (s.category, s.title.to_lowercase(), s.name.clone())
    });
    order
}

fn markdown_page(rc: &RenderCtx, path: &str, text: &str, kind: Kind) -> Page {
    let url = doc_url(path);
    let doc = rc.render(&url, vec![Step::markdown(&Source::file(text, path))]);
    let title = match doc.headings.first() {
        Some(h) if h.level == 1 => h.text.clone(),
        _ => path.rsplit('/').next().unwrap_or(path).to_string(),
    };
    Page {
        label: title.clone(),
        title,
        url,
        kind,
        chart: None,
        source: path.to_string(),
        description: String::new(),
        doc,
        search: Vec::new(),
    }
}

fn chart_page(
    rc: &RenderCtx,
    models: &[ChartModel],
    graph: &Graph,
    outputs: &Outputs,
    i: usize,
    kind: Kind,
) -> Page {
    let m = &models[i];
    let s = &m.spec;
    let (_, file, label) = CHART_PAGES
        .iter()
        .find(|(k, _, _)| *k == kind)
        .expect("a chart page kind");
    let url = chart_url(&s.name, file);
    let readme_path = m.path(Id::Readme).to_string();
    let readme = text_of(outputs, &readme_path).unwrap_or("");
    // Markdown gen writes for the security or operations page; the steps
    // borrow it.
    let generated: String;
    let mut steps: Vec<Step> = Vec::new();
    // Backup and upgrade guides take their title from their first heading,
    // known once rendered.
    let mut title_from_h1 = None;
    let (title, source) = match kind {
        Kind::Overview => {
            // The README's title becomes the page's, its introduction comes
            // first, then the facts, then the README's sections.
            steps.push(Step::Heading(1, s.title.as_str().into()));
            let (intro, rest, rest_line) = split_intro(readme);
            steps.push(Step::markdown(&Source {
                drop_first_heading: true,
                ..Source::file(intro, &readme_path)
            }));
            steps.push(Step::Raw(facts(models, graph, i, &url).into()));
            steps.push(Step::Raw(chart_cards(m).into()));
            steps.push(Step::markdown(&Source {
                first_line: rest_line,
                ..Source::file(rest, &readme_path)
            }));
            (s.title.clone(), readme_path.clone())
        }
        Kind::Backup | Kind::Upgrade => {
            let path = if kind == Kind::Backup {
                &m.backup_guide
            } else {
                &m.upgrade_guide
            };
            steps.push(Step::markdown(&Source::file(
                text_of(outputs, path).unwrap_or(""),
                path,
            )));
            title_from_h1 = Some(format!("{} {label}", s.title));
            (String::new(), path.clone())
        }
        Kind::Security => {
            steps.push(Step::Heading(
                1,
                format!("{}: Security & RBAC", s.title).into(),
            ));
            if let Some((text, first_line)) = region(readme, "security") {
                steps.push(Step::markdown(&Source {
                    text,
                    base: &readme_path,
                    file: &readme_path,
                    first_line,
                    drop_first_heading: true,
                }));
            }
            generated = manifests_markdown(outputs, m);
            steps.push(Step::markdown(&Source {
                text: &generated,
                base: &readme_path,
                file: &m.source,
                first_line: 0,
                drop_first_heading: false,
            }));
            (
                format!("{}: Security & RBAC", s.title),
                m.path(Id::Rbac).to_string(),
            )
        }
        Kind::Operations => {
            steps.push(Step::Heading(1, format!("{}: Operations", s.title).into()));
            generated = operations_markdown(m);
            steps.push(Step::markdown(&Source {
                text: &generated,
                base: &readme_path,
                file: &m.source,
                first_line: 0,
                drop_first_heading: false,
            }));
            (format!("{}: Operations", s.title), m.makefile.clone())
        }
        Kind::Home | Kind::Guide(_) => unreachable!("not a chart page"),
    };
    let doc = rc.render(&url, steps);
    let title = match title_from_h1 {
        Some(fallback) => doc
            .headings
            .first()
            .filter(|h| h.level == 1)
            .map_or(fallback, |h| h.text.clone()),
        None => title,
    };
    Page {
        url,
        title,
        label: label.to_string(),
        kind,
        chart: Some(i),
        source,
        description: String::new(),
        doc,
        search: Vec::new(),
    }
}

/// Diagnostics for links to anchors that the target page does not have:
/// errors in what gen wrote, warnings in hand-written files.
fn check_anchors(pages: &[Page]) -> Vec<Diagnostic> {
    let by_url: BTreeMap<&str, &Page> = pages.iter().map(|p| (p.url.as_str(), p)).collect();
    let mut errors = Vec::new();
    for p in pages {
        for link in &p.doc.anchor_links {
            let Some(target) = by_url.get(link.page.as_str()) else {
                continue;
            };
            if target.doc.ids.contains(&link.anchor) {
                continue;
            }
            let mut d = Diagnostic::error(
                &link.file,
                format!(
                    "broken link: {} has no heading with anchor #{}",
                    link.target, link.anchor
                ),
            )
            .at(link.line, link.column);
            if link.hand_written {
                d.severity = crate::diagnostics::Severity::Warning;
            }
            d.snippet = link.snippet.clone();
            d = match did_you_mean(&link.anchor, target.doc.ids.iter().map(String::as_str)) {
                Some(m) => d.help(format!("did you mean #{m}?")),
                None => d.help("link to one of the page's headings, as GitHub names its anchors"),
            };
            errors.push(d);
        }
    }
    errors
}

#[derive(Serialize)]
struct Link {
    label: String,
    href: String,
    current: bool,
}

#[derive(Serialize)]
struct NavChart {
    label: String,
    href: String,
    current: bool,
    open: bool,
    pages: Vec<Link>,
}

#[derive(Serialize)]
struct NavGroup {
    label: String,
    charts: Vec<NavChart>,
}

#[derive(Serialize)]
struct Crumb {
    label: String,
    href: Option<String>,
}

#[derive(Serialize)]
struct TocItem {
    id: String,
    text: String,
    level: u8,
}

#[derive(Serialize)]
struct Card {
    name: String,
    title: String,
    href: String,
    category: String,
    roadmap: String,
    rto: String,
    rpo: String,
    summary: String,
    targets: usize,
    enhanced: bool,
    parts: Vec<(String, bool)>,
}

/// Everything a page's layout needs besides its body.
struct Frame<'a> {
    models: &'a [ChartModel],
    pages: &'a [Page],
    assets: &'a assets::Assets,
    search_index: &'a str,
    /// The shared navigation script's path inside the site.
    nav: &'a str,
}

impl Frame<'_> {
    fn context(&self, url: &str, current: Option<usize>) -> tera::Context {
        let here = current.map(|i| &self.pages[i]);
        // Attribute values are escaped here; the templates mark them safe.
        let href = |to: &str| esc(&relative(url, to));
        let root = esc(&html::root_of(url));
        let mut ctx = tera::Context::new();
        ctx.insert("site_title", SITE_TITLE);
        ctx.insert("description", "");
        ctx.insert("csp", &esc(CSP));
        ctx.insert("root", &root);
        ctx.insert("home_href", &href("index.html"));
        ctx.insert("css", &format!("{root}{}", esc(&self.assets.css)));
        ctx.insert("js", &format!("{root}{}", esc(&self.assets.js)));
        ctx.insert("theme_js", &format!("{root}{}", esc(&self.assets.theme)));
        ctx.insert("icon", &format!("{root}{}", esc(&self.assets.icon)));
        ctx.insert("search_index", &format!("{root}{}", esc(self.search_index)));

        ctx.insert("url", &esc(url));
        ctx.insert("nav_js", &format!("{root}{}", esc(self.nav)));
        // The sidebar a page carries: the home link, and where the page is
        // (its guide, or its chart with the chart's pages). `nav.js` fills
        // in the rest from one shared file; see [`nav_script`].
        let guides: Vec<Link> = here
            .filter(|p| p.chart.is_none())
            .map(|p| Link {
                label: p.label.clone(),
                href: href(&p.url),
                current: true,
            })
            .into_iter()
            .collect();
        let mut groups: Vec<NavGroup> = Vec::new();
        if let Some(i) = here.and_then(|p| p.chart) {
            let s = &self.models[i].spec;
            let overview = chart_url(&s.name, "index.html");
            groups.push(NavGroup {
                label: group_label(s),
                charts: vec![NavChart {
                    label: s.title.clone(),
                    current: overview == url,
                    href: href(&overview),
                    open: true,
                    pages: CHART_PAGES
                        .iter()
                        .map(|(_, f, l)| {
                            let u = chart_url(&s.name, f);
                            Link {
                                label: l.to_string(),
                                current: u == url,
                                href: href(&u),
                            }
                        })
                        .collect(),
                }],
            });
        }
        ctx.insert("guides", &guides);
        ctx.insert("groups", &groups);
        ctx.insert("is_home", &current.is_none());
        ctx
    }
}

fn group_label(s: &crate::spec::Spec) -> String {
    format!("{} charts", capitalized(&enum_name(&s.category)))
}

/// The whole sidebar as data, in a script every page loads (and caches)
/// and `nav.js` turns into the sidebar: guides, then charts grouped by
/// category, and the pages each chart has. Built once, so a site's pages
/// stay the same size however many charts it has (the sidebar inlined in
/// every page made the site grow with the square of the page count).
fn nav_script(models: &[ChartModel], pages: &[Page]) -> String {
    #[derive(Serialize)]
    struct Nav<'a> {
        home: &'a str,
        pages: Vec<(&'a str, &'a str)>,
        guides: Vec<(&'a str, &'a str)>,
        groups: Vec<(String, Vec<(&'a str, &'a str)>)>,
    }
    let mut groups: Vec<(String, Vec<(&str, &str)>)> = Vec::new();
    for i in chart_order(models) {
        let s = &models[i].spec;
        let label = group_label(s);
        if groups.last().is_none_or(|g| g.0 != label) {
            groups.push((label, Vec::new()));
        }
        let group = &mut groups.last_mut().expect("just pushed").1;
        group.push((&s.name, &s.title));
    }
    let nav = Nav {
        home: "All charts",
        pages: CHART_PAGES.iter().map(|(_, f, l)| (*f, *l)).collect(),
        guides: pages
            .iter()
            .filter(|p| p.chart.is_none())
            .map(|p| (p.url.as_str(), p.label.as_str()))
            .collect(),
        groups,
    };
    let json = serde_json::to_string(&nav).expect("navigation serializes");
    // `</script>` cannot occur: the file is loaded by src, never inlined.
    format!("window.__genNav = {json};\n{}", assets::NAV_JS)
}

/// Lays out one page with the page template.
fn layout_page(
    tera: &tera::Tera,
    frame: &Frame,
    i: usize,
    body: String,
) -> Result<Vec<u8>, Diagnostic> {
    let p = &frame.pages[i];
    let mut ctx = frame.context(&p.url, Some(i));
    let href = |to: &str| esc(&relative(&p.url, to));
    let mut crumbs = vec![Crumb {
        label: "Home".into(),
        href: Some(href("index.html")),
    }];
    let mut tabs = Vec::new();
    if let Some(c) = p.chart {
        let s = &frame.models[c].spec;
        crumbs.push(Crumb {
            label: group_label(s),
            href: Some(format!("{}#catalog", href("index.html"))),
        });
        if p.kind != Kind::Overview {
            crumbs.push(Crumb {
                label: s.title.clone(),
                href: Some(href(&chart_url(&s.name, "index.html"))),
            });
        }
        for (_, f, l) in CHART_PAGES {
            let u = chart_url(&s.name, f);
            tabs.push(Link {
                label: l.to_string(),
                current: u == p.url,
                href: href(&u),
            });
        }
        ctx.insert("chart_title", &s.title);
    } else {
        crumbs.push(Crumb {
            label: "Guides".into(),
            href: None,
        });
    }
    crumbs.push(Crumb {
        label: if p.chart.is_some() && p.kind != Kind::Overview {
            p.label.clone()
        } else {
            p.title.clone()
        },
        href: None,
    });
    let toc: Vec<TocItem> = p
        .doc
        .headings
        .iter()
        .filter(|h| (2..=3).contains(&h.level))
        .map(|h| TocItem {
            id: h.id.clone(),
            text: h.text.clone(),
            level: h.level,
        })
        .collect();
    let neighbour = |j: Option<usize>| {
        j.and_then(|j| frame.pages.get(j)).map(|q| Link {
            label: match q.chart {
                Some(c) if q.kind != Kind::Overview => {
                    format!("{}: {}", frame.models[c].spec.title, q.label)
                }
                _ => q.title.clone(),
            },
            href: href(&q.url),
            current: false,
        })
    };
    let prev = if i == 0 {
        Some(Link {
            label: "Home".into(),
            href: href("index.html"),
            current: false,
        })
    } else {
        neighbour(Some(i - 1))
    };
    ctx.insert("title", &p.title);
    ctx.insert("kind", p.kind.search_kind());
    ctx.insert("crumbs", &crumbs);
    ctx.insert("tabs", &tabs);
    ctx.insert("toc", &toc);
    ctx.insert("prev", &prev);
    ctx.insert("next", &neighbour(Some(i + 1)));
    ctx.insert("source", &p.source);
    ctx.insert("description", &p.description);
    ctx.insert("heading", &p.doc.title_html);
    ctx.insert("body", &body);
    drop(body);
    crate::render::render(tera, "site/page.html.tera", &ctx).map(|html| {
        // Tera's output grew by doubling; the site holds every page.
        let mut bytes = html.into_bytes();
        bytes.shrink_to_fit();
        bytes
    })
}

/// The home page: the catalog of every chart.
fn layout_home(tera: &tera::Tera, frame: &Frame, outputs: &Outputs) -> Result<Vec<u8>, Diagnostic> {
    let url = "index.html";
    let mut ctx = frame.context(url, None);
    let coverage = crate::crosschart::coverage(frame.models, outputs);
    let mut cards = Vec::new();
    for i in chart_order(frame.models) {
        let m = &frame.models[i];
        let s = &m.spec;
        let row = coverage.rows.iter().find(|r| r.name == s.name);
        let parts = match row {
            Some(r) => vec![
                ("Backup guide".to_string(), r.backup_guide),
                ("Upgrade guide".to_string(), r.upgrade_guide),
                ("README sections".to_string(), r.readme_sections),
                ("Values docs".to_string(), r.values_docs),
                (
                    format!("{}+ targets", crate::crosschart::MIN_TARGETS),
                    r.enough_targets,
                ),
                ("RBAC".to_string(), r.rbac),
            ],
            None => Vec::new(),
        };
        cards.push(Card {
            name: s.name.clone(),
            title: s.title.clone(),
            href: esc(&chart_url(&s.name, "index.html")),
            category: enum_name(&s.category),
            roadmap: enum_name(&s.roadmap),
            rto: m.rto_human.clone(),
            rpo: m.rpo_human.clone(),
            summary: markdown::inline(&s.summary),
            targets: m.operations.len(),
            enhanced: row.is_some_and(|r| r.enhanced),
            parts,
        });
    }
    let mut categories: Vec<(String, String, usize)> = Vec::new();
    for c in [Category::Application, Category::Infrastructure] {
        let n = frame.models.iter().filter(|m| m.spec.category == c).count();
        if n > 0 {
            categories.push((enum_name(&c), capitalized(&enum_name(&c)), n));
        }
    }
    let enhanced = cards.iter().filter(|c| c.enhanced).count();
    let first = frame.pages.first().map(|p| Link {
        label: p.title.clone(),
        href: esc(&p.url),
        current: false,
    });
    ctx.insert("title", "Charts");
    ctx.insert("cards", &cards);
    ctx.insert("categories", &categories);
    ctx.insert("enhanced", &enhanced);
    // Every guide, linked from the home page too, so they are reachable
    // without the script-built sidebar.
    let guide_links = guide_links(frame, url);
    ctx.insert("guides_count", &guide_links.len());
    ctx.insert("guide_links", &guide_links);
    ctx.insert("next", &first);
    crate::render::render(tera, "site/home.html.tera", &ctx).map(String::into_bytes)
}

/// A link to every cross-chart guide, relative to the page at `url`.
fn guide_links(frame: &Frame, url: &str) -> Vec<Link> {
    frame
        .pages
        .iter()
        .filter(|p| p.chart.is_none())
        .map(|p| Link {
            label: p.label.clone(),
            href: esc(&relative(url, &p.url)),
            current: false,
        })
        .collect()
}

/// The page a static host shows for an address the site does not have.
/// Its links are relative to the site's root, where hosts serve it from.
fn layout_404(tera: &tera::Tera, frame: &Frame) -> Result<Vec<u8>, Diagnostic> {
    let url = "404.html";
    let mut ctx = frame.context(url, None);
    let guide_links = guide_links(frame, url);
    ctx.insert("title", "Page not found");
    ctx.insert("guide_links", &guide_links);
    crate::render::render(tera, "site/404.html.tera", &ctx).map(String::into_bytes)
}

/// sitemap.xml: every page at `base` (the published address), in path
/// order. Page paths are plain (a-z, 0-9, `-`, `_`, `/`, `.`), so need no
/// escaping.
fn sitemap(base: &str, files: &BTreeMap<String, Vec<u8>>) -> Vec<u8> {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for path in files.keys() {
        let Some(url) = path.strip_prefix("site/") else {
            continue;
        };
        if url.ends_with(".html") && url != "404.html" {
            let url = if url == "index.html" { "" } else { url };
            out.push_str(&format!("  <url><loc>{base}/{}</loc></url>\n", esc(url)));
        }
    }
    out.push_str("</urlset>\n");
    out.into_bytes()
}

/// The site's Tera environment: the built-in site templates, overridden by
/// name from the repository's `templates/site/`, with HTML autoescaping.
fn environment(input: &Input) -> Result<tera::Tera, Vec<Diagnostic>> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html.tera"]);
    let sources: Vec<(&str, &str)> = crate::render::EMBEDDED
        .iter()
        .filter(|(n, _)| n.starts_with("site/"))
        .map(|(name, builtin)| {
            let src = input
                .templates
                .iter()
                .find(|(n, _)| n == name)
                .map_or(*builtin, |(_, s)| s.as_str());
            (*name, src)
        })
        .collect();
    let errors = crate::render::add_templates(&mut tera, &sources);
    if errors.is_empty() {
        Ok(tera)
    } else {
        Err(errors)
    }
}

/// Builds the whole site: files, warnings and numbers, reusing from `cache`
/// every page whose steps and registry are unchanged, with its search
/// documents (an empty cache renders every page).
pub fn build(
    input: &Input,
    models: &[ChartModel],
    outputs: &Outputs,
    cache: &cache::Pages,
) -> Result<Site, Vec<Diagnostic>> {
    let t = std::time::Instant::now();
    let tera = environment(input)?;
    let t = crate::timings::lap("site: templates", t);
    let reg = registry(input, models, outputs)?;
    // Pages depend on the registry's pages and on where links to other
    // repository files go.
    let mut key = reg.pages.clone();
    if let Some(url) = &reg.repo_url {
        key.insert("\0repo_url".into(), url.clone());
    }
    cache.site_registry(&key);
    let rc = RenderCtx { reg: &reg, cache };
    let mut pages = pages(input, models, outputs, &rc);
    let t = crate::timings::lap("site: pages to HTML", t);

    let mut errors: Vec<Diagnostic> = pages
        .iter()
        .flat_map(|p| p.doc.errors.iter().cloned())
        .collect();
    let mut link_warnings: Vec<Diagnostic> = pages
        .iter()
        .flat_map(|p| p.doc.warnings.iter().cloned())
        .collect();
    let (anchor_errors, anchor_warnings): (Vec<_>, Vec<_>) = check_anchors(&pages)
        .into_iter()
        .partition(Diagnostic::is_error);
    errors.extend(anchor_errors);
    link_warnings.extend(anchor_warnings);
    diagnostics::sort(&mut link_warnings);
    link_warnings.dedup();
    if !errors.is_empty() {
        diagnostics::sort(&mut errors);
        errors.dedup();
        return Err(errors);
    }

    let charts: Vec<(String, String)> = models
        .iter()
        .map(|m| (m.spec.name.clone(), m.spec.title.clone()))
        .collect();
    let docs: Vec<Vec<search::DocOut>> = pages
        .iter_mut()
        .map(|p| std::mem::take(&mut p.search))
        .collect();
    let search_pages: Vec<search::SearchPage> =
        pages.iter().map(|p| search_page(p, models)).collect();
    let index = search::build_from_docs(&charts, &search_pages, docs);
    drop(search_pages);
    let t = crate::timings::lap("site: search index", t);
    let mut warnings = link_warnings;
    warnings.extend(index.warnings());
    // Each body goes into its page's layout and is freed there, so the
    // bodies and the laid-out pages are not all in memory at once.
    let bodies: Vec<String> = pages
        .iter_mut()
        .map(|p| std::mem::take(&mut p.doc.html))
        .collect();

    let assets = assets::Assets::build();
    let nav = nav_script(models, &pages);
    let nav_path = html::fingerprint("assets/nav.js", nav.as_bytes());
    let frame = Frame {
        models,
        pages: &pages,
        assets: &assets,
        search_index: &index.index_path,
        nav: &nav_path,
    };
    let laid_out: Vec<Result<(String, Vec<u8>), Diagnostic>> = bodies
        .into_par_iter()
        .enumerate()
        .map(|(i, body)| layout_page(&tera, &frame, i, body).map(|b| (pages[i].url.clone(), b)))
        .collect();
    let mut files = BTreeMap::new();
    for r in laid_out {
        match r {
            Ok((url, bytes)) => {
                files.insert(format!("site/{url}"), bytes);
            }
            Err(d) => errors.push(d),
        }
    }
    let t = crate::timings::lap("site: layout", t);
    match layout_home(&tera, &frame, outputs) {
        Ok(bytes) => {
            files.insert("site/index.html".into(), bytes);
        }
        Err(d) => errors.push(d),
    }
    match layout_404(&tera, &frame) {
        Ok(bytes) => {
            files.insert("site/404.html".into(), bytes);
        }
        Err(d) => errors.push(d),
    }
    if let Some(base) = input.site_url {
        let map = sitemap(base, &files);
        files.insert("site/sitemap.xml".into(), map);
    }
    if !errors.is_empty() {
        diagnostics::sort(&mut errors);
        errors.dedup();
        return Err(errors);
    }
    files.insert(format!("site/{nav_path}"), nav.into_bytes());
    for (path, bytes) in assets.files.into_iter().chain(index.files) {
        files.insert(format!("site/{path}"), bytes);
    }
    crate::timings::lap("site: home and assets", t);
    Ok(Site {
        stats: Stats {
            pages: pages.len() + 1,
            search_index_bytes: index.index_bytes,
            search_text_bytes: index.text_bytes,
            search_docs: index.docs,
            search_terms: index.terms,
            search_shard_bytes: index.shard_bytes,
            search_chunk_bytes: index.chunk_bytes,
        },
        files,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_are_found_with_their_first_line() {
        let text = "# T\n\n<!-- gen:begin security -->\n\n## Security & RBAC\n\nx\n<!-- gen:end security -->\n";
        let (body, line) = region(text, "security").unwrap();
        assert_eq!(body, "\n## Security & RBAC\n\nx\n");
        assert_eq!(line, 4);
        assert!(region(text, "backup").is_none());
    }

    #[test]
    fn readme_intro_ends_at_the_first_section() {
        let text = "# T\n\nIntro.\n\n```sh\n## not a heading\n```\n\n## Installing\n\nx\n";
        let (intro, rest, line) = split_intro(text);
        assert!(intro.ends_with("```\n\n"), "{intro:?}");
        assert_eq!(rest, "## Installing\n\nx\n");
        assert_eq!(line, 9);
    }

    #[test]
    fn markdown_escapes_for_generated_text() {
        assert_eq!(
            md_text("a *b* <c> [d](e)"),
            "a \\*b\\* \\<c\\> \\[d\\]\\(e\\)"
        );
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a|b"), "`a\\|b`");
        assert_eq!(code_span(""), "` `");
    }
}
