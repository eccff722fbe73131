//! Page layout: the frame every page shares (assets, sidebar, search),
//! and each page laid out with `site/page.html.tera` from a narrow context
//! (breadcrumbs, tabs, table of contents, pager, body).

use super::assets;
use super::html::{esc, relative, root_of};
use super::pages::{capitalized, chart_order, chart_url, enum_name, Kind, Page, CHART_PAGES};
use super::{CSP, SITE_TITLE};
use crate::diagnostics::Diagnostic;
use crate::model::ChartModel;
use serde::Serialize;

/// The template every page but the home and 404 pages is laid out with.
pub const PAGE: &str = "site/page.html.tera";

#[derive(Serialize)]
pub struct Link {
    pub label: String,
    pub href: String,
    pub current: bool,
}

#[derive(Serialize)]
pub struct NavChart {
    pub label: String,
    pub href: String,
    pub current: bool,
    pub open: bool,
    pub pages: Vec<Link>,
}

#[derive(Serialize)]
pub struct NavGroup {
    pub label: String,
    pub charts: Vec<NavChart>,
}

#[derive(Serialize)]
pub struct Crumb {
    pub label: String,
    pub href: Option<String>,
}

#[derive(Serialize)]
pub struct TocItem {
    pub id: String,
    pub text: String,
    pub level: u8,
}

/// Everything a page's layout needs besides its body.
pub struct Frame<'a> {
    pub models: &'a [ChartModel],
    pub pages: &'a [Page],
    pub assets: &'a assets::Assets,
    pub search_index: &'a str,
    /// The shared navigation script's path inside the site.
    pub nav: &'a str,
}

/// What `site/layout.html.tera` shows on every page: the head, the top bar
/// and the sidebar. Paths are relative to the page and escaped here; the
/// templates mark them safe.
#[derive(Serialize)]
pub struct Layout {
    pub site_title: &'static str,
    /// The page's meta description (the home and 404 pages write their own).
    pub description: String,
    pub csp: String,
    /// The way back to the site root, e.g. `../../`.
    pub root: String,
    pub home_href: String,
    pub css: String,
    pub js: String,
    pub theme_js: String,
    pub icon: String,
    /// The icon's SVG, for the logo (see [`assets::Assets::logo`]).
    pub logo: String,
    pub search_index: String,
    pub url: String,
    pub nav_js: String,
    /// The sidebar a page carries: the home link, and where the page is
    /// (its guide, or its chart with the chart's pages). `nav.js` fills in
    /// the rest from one shared file; see [`nav_script`].
    pub guides: Vec<Link>,
    pub groups: Vec<NavGroup>,
    pub is_home: bool,
}

impl Frame<'_> {
    /// The layout of the page at `url`: `current` is its index in the
    /// site's pages, `None` for the home and 404 pages.
    pub fn layout(&self, url: &str, current: Option<usize>) -> Layout {
        let here = current.map(|i| &self.pages[i]);
        let href = |to: &str| esc(&relative(url, to));
        let root = esc(&root_of(url));
        let asset = |path: &str| format!("{root}{}", esc(path));
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
        Layout {
            site_title: SITE_TITLE,
            description: String::new(),
            csp: esc(CSP),
            home_href: href("index.html"),
            css: asset(&self.assets.css),
            js: asset(&self.assets.js),
            theme_js: asset(&self.assets.theme),
            icon: asset(&self.assets.icon),
            logo: self.assets.logo.clone(),
            search_index: asset(self.search_index),
            url: esc(url),
            nav_js: asset(self.nav),
            guides,
            groups,
            is_home: current.is_none(),
            root,
        }
    }
}

/// Renders the site template `name` from a context struct.
pub fn render<C: Serialize>(tera: &tera::Tera, name: &str, ctx: &C) -> Result<String, Diagnostic> {
    let ctx = tera::Context::from_serialize(ctx).expect("a context struct serializes");
    crate::render::render(tera, name, &ctx)
}

pub fn group_label(s: &crate::spec::Spec) -> String {
    format!("{} charts", capitalized(&enum_name(&s.category)))
}

/// The whole sidebar as data, in a script every page loads (and caches)
/// and `nav.js` turns into the sidebar: guides, then charts grouped by
/// category, and the pages each chart has. Built once, so a site's pages
/// stay the same size however many charts it has (the sidebar inlined in
/// every page made the site grow with the square of the page count).
pub fn nav_script(models: &[ChartModel], pages: &[Page]) -> String {
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

/// What `site/page.html.tera` shows besides the layout: a page's
/// navigation around its rendered body.
#[derive(Serialize)]
struct PageView<'a> {
    #[serde(flatten)]
    layout: Layout,
    title: &'a str,
    /// The page's search kind, e.g. `backup`.
    kind: &'static str,
    crumbs: Vec<Crumb>,
    /// The chart's pages, on a chart's page.
    tabs: Vec<Link>,
    chart_title: Option<&'a str>,
    toc: Vec<TocItem>,
    prev: Option<Link>,
    next: Option<Link>,
    /// The repository file the page is made from.
    source: &'a str,
    /// The page's first heading, as HTML.
    heading: Option<&'a str>,
    /// The page's body, as HTML.
    body: String,
}

/// Lays out one page with the page template.
pub fn layout_page(
    tera: &tera::Tera,
    frame: &Frame,
    i: usize,
    body: String,
) -> Result<Vec<u8>, Diagnostic> {
    let p = &frame.pages[i];
    let mut layout = frame.layout(&p.url, Some(i));
    layout.description.clone_from(&p.description);
    let mut chart_title = None;
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
        chart_title = Some(s.title.as_str());
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
    let view = PageView {
        layout,
        title: &p.title,
        kind: p.kind.search_kind(),
        crumbs,
        tabs,
        chart_title,
        toc,
        prev,
        next: neighbour(Some(i + 1)),
        source: &p.source,
        heading: p.doc.title_html.as_deref(),
        body,
    };
    let ctx = tera::Context::from_serialize(&view).expect("a context struct serializes");
    // The body is in the context now; its copy in `view` is freed.
    drop(view);
    crate::render::render(tera, PAGE, &ctx).map(|html| {
        // Tera's output grew by doubling; the site holds every page.
        let mut bytes = html.into_bytes();
        bytes.shrink_to_fit();
        bytes
    })
}
