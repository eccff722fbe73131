//! The site's cache of rendered pages, which `gen serve` keeps between
//! builds (in its memo): a page is rendered again only when its
//! Markdown steps or the site's registry of pages changed, and its search
//! documents are made again only when it was, or its facts changed.

use super::markdown::{Rendered, Step};
use super::search::DocOut;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};

/// An empty cache ([`Pages::default`]) keeps nothing, so a one-shot build
/// holds no page's text longer than it needs; [`Pages::kept`] keeps every
/// page for the next build.
#[derive(Default)]
pub struct Pages {
    keep: bool,
    /// The site's registry (repository path -> page) the pages were
    /// rendered against; when it changes, every page is rendered again.
    registry: Mutex<BTreeMap<String, String>>,
    pages: Mutex<HashMap<String, SitePage>>,
    /// Pages rendered and reused since the last [`Pages::take_counts`].
    counts: Mutex<(usize, usize)>,
}

/// A site page as last rendered, with what it was rendered from.
struct SitePage {
    steps: Vec<Step<'static>>,
    rendered: Rendered,
    /// Whether this build found the steps unchanged.
    reused: bool,
    /// The page's search documents and the page facts they were made with.
    search: Option<(String, Vec<DocOut>)>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one build (caught by serve) must not poison the next.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Pages {
    /// A cache that keeps every page it renders, for the next build.
    pub fn kept() -> Pages {
        Pages {
            keep: true,
            ..Pages::default()
        }
    }

    /// Starts a site build against `registry`: a different registry (a page
    /// added, removed or renamed) can change any page's links, so every
    /// page is forgotten.
    pub fn site_registry(&self, registry: &BTreeMap<String, String>) {
        let mut last = lock(&self.registry);
        if *last != *registry {
            *last = registry.clone();
            lock(&self.pages).clear();
        }
    }

    /// The page at `url` rendered from `steps`: `render`'s result, or the
    /// last one for the same steps (and registry, see [`Pages::site_registry`]).
    pub fn page(
        &self,
        url: &str,
        steps: Vec<Step>,
        render: impl FnOnce(&[Step]) -> Rendered,
    ) -> Rendered {
        if let Some(p) = lock(&self.pages).get_mut(url) {
            if p.steps == steps {
                p.reused = true;
                lock(&self.counts).1 += 1;
                return p.rendered.clone();
            }
        }
        let rendered = render(&steps);
        lock(&self.counts).0 += 1;
        if !self.keep {
            return rendered;
        }
        lock(&self.pages).insert(
            url.to_string(),
            SitePage {
                steps: steps.into_iter().map(Step::into_owned).collect(),
                rendered: rendered.clone(),
                reused: false,
                search: None,
            },
        );
        rendered
    }

    /// The search documents of the page at `url`: `make`'s, or the last
    /// ones when the page was reused this build and `facts` (its title and
    /// context as the index sees them) are the same.
    pub fn page_search(
        &self,
        url: &str,
        facts: &str,
        make: impl FnOnce() -> Vec<DocOut>,
    ) -> Vec<DocOut> {
        if let Some(p) = lock(&self.pages).get(url) {
            if let Some((f, docs)) = &p.search {
                if p.reused && f == facts {
                    return docs.clone();
                }
            }
        }
        let docs = make();
        if let Some(p) = lock(&self.pages).get_mut(url) {
            p.search = Some((facts.to_string(), docs.clone()));
        }
        docs
    }

    /// (rendered, reused) since the last call, which resets them.
    pub fn take_counts(&self) -> (usize, usize) {
        std::mem::take(&mut *lock(&self.counts))
    }
}
