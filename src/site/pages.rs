//! The site's pages before layout: which repository file becomes which
//! page, and each page's body rendered from its steps (a chart's README,
//! guides and generated parts, a cross-chart guide, a hand-written doc),
//! with its search documents and meta description.

use super::cache;
use super::markdown::{self, Registry, Rendered, Source, Step};
use super::parts::{self, Graph};
use super::search;
use super::stem;
use super::Input;
use crate::diagnostics::Diagnostic;
use crate::kinds::{self, Id};
use crate::model::ChartModel;
use crate::output::Outputs;
use rayon::prelude::*;
use serde::Serialize;

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
    pub fn search_kind(self) -> &'static str {
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
pub const SECURITY_PAGE: &str = "security.html";

/// The five pages of a chart: (kind, file name, tab label).
pub const CHART_PAGES: &[(Kind, &str, &str)] = &[
    (Kind::Overview, "index.html", "Overview"),
    (Kind::Backup, "backup.html", "Backup & recovery"),
    (Kind::Upgrade, "upgrade.html", "Upgrade"),
    (Kind::Security, SECURITY_PAGE, "Security & RBAC"),
    (Kind::Operations, "operations.html", "Operations"),
];

/// The cross-chart guides gen renders, with a page each: (source, search
/// kind), from the table of output kinds.
pub fn cross_docs() -> impl Iterator<Item = (&'static str, &'static str)> {
    kinds::REPO.iter().filter_map(|k| match k.page {
        kinds::Page::Doc(kind) => Some((k.repo_path(), kind)),
        _ => None,
    })
}

/// A rendered page before layout.
pub struct Page {
    pub url: String,
    pub title: String,
    /// Label in the sidebar, tabs and pager.
    pub label: String,
    pub kind: Kind,
    pub chart: Option<usize>,
    /// Repository file the page is made from, shown in the footer.
    pub source: String,
    /// The page's meta description: the start of its first paragraph.
    pub description: String,
    pub doc: Rendered,
    /// The page's documents for the search index, made as it is rendered.
    pub search: Vec<search::DocOut>,
}

pub fn text_of<'a>(outputs: &'a Outputs, path: &str) -> Option<&'a str> {
    outputs
        .files
        .get(path)
        .and_then(|b| std::str::from_utf8(b).ok())
}

pub fn chart_url(name: &str, file: &str) -> String {
    format!("{}/{file}", kinds::chart_dir(name))
}

/// The first character of a repository path that a link cannot carry as
/// it is (`#` starts a fragment, `?` a query, `%` an escape): such a page
/// is refused rather than linked wrongly.
pub fn char_links_break_on(path: &str) -> Option<char> {
    path.chars().find(|c| matches!(c, '#' | '?' | '%'))
}

/// `docs/a/b.md` is published as `docs/a/b.html`.
pub fn doc_url(path: &str) -> String {
    format!("{}.html", path.trim_end_matches(".md"))
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

pub fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

pub fn enum_name<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

/// What rendering a page needs besides its steps.
pub struct RenderCtx<'a> {
    pub reg: &'a Registry,
    pub cache: &'a cache::Pages,
    /// The site's templates, for the parts gen writes into a chart's pages
    /// and the HTML around Markdown's own.
    pub tera: &'a tera::Tera,
}

impl RenderCtx<'_> {
    fn render(&self, url: &str, steps: Vec<Step>) -> Rendered {
        self.cache.page(url, steps, |steps| {
            markdown::render(self.reg, self.tera, url, steps)
        })
    }
}

/// Renders the body of every page (in parallel), in site order; a template
/// that fails is an error.
pub fn pages(
    input: &Input,
    models: &[ChartModel],
    outputs: &Outputs,
    rc: &RenderCtx,
) -> Result<Vec<Page>, Vec<Diagnostic>> {
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
                Job::Chart(i, kind) => chart_page(rc, models, &graph, outputs, i, kind)?,
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
            Ok(page)
        })
        .collect::<Vec<Result<Page, Diagnostic>>>()
        .into_iter()
        .partition_result()
}

/// Splits results into the values, or the errors when there is one.
trait PartitionResult<T> {
    fn partition_result(self) -> Result<Vec<T>, Vec<Diagnostic>>;
}

impl<T, I: Iterator<Item = Result<T, Diagnostic>>> PartitionResult<T> for I {
    fn partition_result(self) -> Result<Vec<T>, Vec<Diagnostic>> {
        let mut oks = Vec::new();
        let mut errors = Vec::new();
        for r in self {
            match r {
                Ok(v) => oks.push(v),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(oks)
        } else {
            Err(errors)
        }
    }
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
pub fn search_page<'a>(p: &'a Page, models: &[ChartModel]) -> search::SearchPage<'a> {
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
        cross: p.chart.is_none() && cross_docs().any(|(path, _)| path == p.source),
        sections: &p.doc.sections,
    }
}

/// Charts in the order of the sidebar: by category, then title.
pub fn chart_order(models: &[ChartModel]) -> Vec<usize> {
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
) -> Result<Page, Diagnostic> {
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
            steps.push(Step::Raw(
                parts::facts(rc.tera, models, graph, i, &url)?.into(),
            ));
            steps.push(Step::Raw(parts::cards(rc.tera, m)?.into()));
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
            generated = parts::manifests_markdown(rc.tera, outputs, m)?;
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
            generated = parts::operations_markdown(rc.tera, m)?;
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
    Ok(Page {
        url,
        title,
        label: label.to_string(),
        kind,
        chart: Some(i),
        source,
        description: String::new(),
        doc,
        search: Vec::new(),
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
}
