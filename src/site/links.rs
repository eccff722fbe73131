//! Links between pages: which page each repository file becomes (the
//! registry Markdown links are resolved with), and the check, once every
//! page exists, that each link to an anchor finds a heading.

use super::markdown::Registry;
use super::pages::{chart_url, cross_docs, doc_url, Page, CHART_PAGES};
use super::Input;
use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::kinds;
use crate::model::ChartModel;
use crate::output::Outputs;
use std::collections::BTreeMap;

/// Which page each repository file becomes.
pub fn registry(
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

/// Diagnostics for links to anchors that the target page does not have:
/// errors in what gen wrote, warnings in hand-written files.
pub fn check_anchors(pages: &[Page]) -> Vec<Diagnostic> {
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
