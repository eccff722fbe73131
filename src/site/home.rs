//! The site-level pages: the home page (the catalog of every chart), the
//! 404 page and sitemap.xml, each from its template under `templates/site/`.

use super::html::{esc, relative};
use super::layout::{render, Frame, Layout, Link};
use super::markdown;
use super::pages::{capitalized, chart_order, chart_url, enum_name};
use crate::diagnostics::Diagnostic;
use crate::output::Outputs;
use crate::spec::Category;
use serde::Serialize;
use std::collections::BTreeMap;

/// The templates of this module.
pub const HOME: &str = "site/home.html.tera";
pub const NOT_FOUND: &str = "site/404.html.tera";
pub const SITEMAP: &str = "site/sitemap.xml.tera";

/// A chart in the home page's catalog.
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
    /// The parts of the pattern: (label, whether the chart has it).
    parts: Vec<(String, bool)>,
}

/// What `site/home.html.tera` shows: the catalog and the guides.
#[derive(Serialize)]
struct Home {
    #[serde(flatten)]
    layout: Layout,
    title: &'static str,
    cards: Vec<Card>,
    /// (name, label, number of charts) of each category that has charts.
    categories: Vec<(String, String, usize)>,
    /// How many charts have every part of the pattern.
    enhanced: usize,
    guides_count: usize,
    guide_links: Vec<Link>,
    /// The site's first page.
    next: Option<Link>,
}

/// What `site/404.html.tera` shows.
#[derive(Serialize)]
struct NotFound {
    #[serde(flatten)]
    layout: Layout,
    title: &'static str,
    guide_links: Vec<Link>,
}

/// What `site/sitemap.xml.tera` lists.
#[derive(Serialize)]
struct Sitemap<'a> {
    /// The published address, without a final `/`.
    base: &'a str,
    /// Each page's path; empty for the home page.
    urls: Vec<&'a str>,
}

/// The home page: the catalog of every chart.
pub fn layout_home(
    tera: &tera::Tera,
    frame: &Frame,
    outputs: &Outputs,
) -> Result<Vec<u8>, Diagnostic> {
    let url = "index.html";
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
    // Every guide, linked from the home page too, so they are reachable
    // without the script-built sidebar.
    let guide_links = guide_links(frame, url);
    let home = Home {
        layout: frame.layout(url, None),
        title: "Charts",
        cards,
        categories,
        enhanced,
        guides_count: guide_links.len(),
        guide_links,
        next: first,
    };
    render(tera, HOME, &home).map(String::into_bytes)
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
pub fn layout_404(tera: &tera::Tera, frame: &Frame) -> Result<Vec<u8>, Diagnostic> {
    let url = "404.html";
    let page = NotFound {
        layout: frame.layout(url, None),
        title: "Page not found",
        guide_links: guide_links(frame, url),
    };
    render(tera, NOT_FOUND, &page).map(String::into_bytes)
}

/// sitemap.xml: every page at `base` (the published address), in path
/// order.
pub fn sitemap(
    tera: &tera::Tera,
    base: &str,
    files: &BTreeMap<String, Vec<u8>>,
) -> Result<Vec<u8>, Diagnostic> {
    let urls = files
        .keys()
        .filter_map(|path| path.strip_prefix("site/"))
        .filter(|url| url.ends_with(".html") && *url != "404.html")
        .map(|url| if url == "index.html" { "" } else { url })
        .collect();
    render(tera, SITEMAP, &Sitemap { base, urls }).map(String::into_bytes)
}
