//! The published HTML site under `site/`: built from the same in-memory
//! outputs as everything else, so it is a pure function of the specs, the
//! templates and the hand-written docs.
//!
//! - [`pages`] makes each page's body: a catalog, five pages per chart, the
//!   cross-chart guides and every hand-written doc, with [`markdown`]
//!   turning Markdown into HTML and [`parts`] rendering what gen writes into
//!   a chart's pages from templates;
//! - [`links`] maps repository files to pages and checks every internal
//!   anchor once all pages exist;
//! - [`layout`] lays each page out (sidebar, breadcrumbs, pager), and
//!   [`home`] makes the home page, 404.html and sitemap.xml;
//! - [`search`] builds the index; [`assets`] fingerprints CSS and JS.
//!
//! Every piece of HTML or Markdown the site writes around a page's own
//! text is a template under `templates/site/` (a repository's
//! `templates/site/<name>` overrides it), rendered from a small context
//! struct; HTML templates escape with `text::html_escape`.

pub mod assets;
pub mod cache;
pub mod highlight;
pub mod home;
pub mod html;
pub mod layout;
pub mod links;
pub mod markdown;
pub mod pages;
pub mod parts;
pub mod search;
pub mod stem;

use crate::diagnostics::{self, Diagnostic};
use crate::model::ChartModel;
use crate::output::Outputs;
use layout::Frame;
use pages::RenderCtx;
use rayon::prelude::*;
use std::collections::BTreeMap;

pub use pages::{char_links_break_on, Kind};

/// Name shown in the header and in every page title.
pub const SITE_TITLE: &str = "Chart handbook";

/// The Content-Security-Policy of every page: nothing from another host, no
/// inline script, no inline style.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'";

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

/// The site's Tera environment: the built-in site templates, overridden by
/// name from `overrides` (the repository's `templates/site/`, see
/// [`Input::templates`]), with the escaping filters of the chart templates,
/// and HTML (and XML) autoescaped by `text::html_escape`.
pub fn templates(overrides: &[(String, String)]) -> Result<tera::Tera, Vec<Diagnostic>> {
    let mut tera = tera::Tera::default();
    tera.autoescape_on(vec![".html.tera", ".xml.tera"]);
    tera.set_escape_fn(crate::text::html_escape);
    crate::render::register_filters(&mut tera);
    let sources: Vec<(&str, &str)> = crate::render::EMBEDDED
        .iter()
        .filter(|(n, _)| n.starts_with("site/"))
        .map(|(name, builtin)| {
            let src = overrides
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
    let tera = templates(input.templates)?;
    let t = crate::timings::lap("site: templates", t);
    let reg = links::registry(input, models, outputs)?;
    // Pages depend on the registry's pages, on where links to other
    // repository files go, and on the templates of the HTML around
    // Markdown's own.
    let mut key = reg.pages.clone();
    if let Some(url) = &reg.repo_url {
        key.insert("\0repo_url".into(), url.clone());
    }
    for (name, src) in input.templates {
        if markdown::pieces::TEMPLATES.contains(&name.as_str()) {
            key.insert(format!("\0{name}"), src.clone());
        }
    }
    cache.site_registry(&key);
    let rc = RenderCtx {
        reg: &reg,
        cache,
        tera: &tera,
    };
    let mut pages = pages::pages(input, models, outputs, &rc)?;
    let t = crate::timings::lap("site: pages to HTML", t);

    let mut errors: Vec<Diagnostic> = pages
        .iter()
        .flat_map(|p| p.doc.errors.iter().cloned())
        .collect();
    let mut link_warnings: Vec<Diagnostic> = pages
        .iter()
        .flat_map(|p| p.doc.warnings.iter().cloned())
        .collect();
    let (anchor_errors, anchor_warnings): (Vec<_>, Vec<_>) = links::check_anchors(&pages)
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
    let search_pages: Vec<search::SearchPage> = pages
        .iter()
        .map(|p| pages::search_page(p, models))
        .collect();
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
    let nav = layout::nav_script(models, &pages);
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
        .map(|(i, body)| {
            layout::layout_page(&tera, &frame, i, body).map(|b| (pages[i].url.clone(), b))
        })
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
    match home::layout_home(&tera, &frame, outputs) {
        Ok(bytes) => {
            files.insert("site/index.html".into(), bytes);
        }
        Err(d) => errors.push(d),
    }
    match home::layout_404(&tera, &frame) {
        Ok(bytes) => {
            files.insert("site/404.html".into(), bytes);
        }
        Err(d) => errors.push(d),
    }
    if let Some(base) = input.site_url {
        match home::sitemap(&tera, base, &files) {
            Ok(bytes) => {
                files.insert("site/sitemap.xml".into(), bytes);
            }
            Err(d) => errors.push(d),
        }
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
