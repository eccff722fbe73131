//! What `gen serve` keeps from one build to the next, so that saving one
//! spec re-parses that spec and re-renders that chart's files only.
//!
//! Each entry memoizes a pure function and is keyed by that function's
//! inputs compared byte for byte (no timestamps, no hashes that could
//! collide): a spec's parse by its bytes; the template environment by the
//! template overrides; a chart's outputs by its spec's source, the
//! overrides, the chart's hand-written files gen merges into and its facts. A build
//! with a memo therefore produces exactly the bytes of a cold build, which
//! the tests check. The cross-chart pages depend on every chart and are
//! rendered each time; the site keeps its own page cache
//! ([`crate::site::cache::Pages`]), held here between builds.

use crate::diagnostics::Diagnostic;
use crate::model::{chart_model_with, ChartModel};
use crate::spec::{self, SpecFile};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

/// A chart's rendered files, as `(path, text)`.
pub type ChartFiles = Arc<Vec<(String, String)>>;

/// The inputs of one chart's outputs besides the templates.
#[derive(PartialEq)]
pub struct ChartKey {
    pub source: String,
    pub existing: Vec<(String, String)>,
    /// The settings and chart facts the outputs depend on, printed.
    pub context: String,
    /// The chart's facts, when it has them.
    pub facts: Option<crate::facts::ChartFacts>,
}

/// A view model's inputs: the spec's source, the settings it was parsed
/// with (a new `[repository]` in gen.toml changes the steps a snippet
/// gives), and the chart's facts.
type ModelKey = (String, spec::Context, Option<crate::facts::ChartFacts>);
/// A spec's checks' inputs: its source and the settings it was parsed with.
type ValidatedKey = (String, spec::Context, Option<crate::facts::ChartFacts>);

/// A spec's bytes and what parsing them gave.
type Parsed = (Vec<u8>, spec::Context, Result<SpecFile, Diagnostic>);
/// Template overrides and the environment built from them.
type Environment = (Vec<(String, String)>, Arc<tera::Tera>);

/// An empty cache ([`Memo::default`], what `gen build` and `gen check`
/// pass) keeps nothing, so a one-shot build holds no second copy of what
/// it renders; [`Memo::kept`] (`gen serve`'s) keeps every result for the
/// next build.
#[derive(Default)]
pub struct Memo {
    keep: bool,
    specs: Mutex<HashMap<String, Parsed>>,
    tera: Mutex<Option<Environment>>,
    charts: Mutex<HashMap<String, (ChartKey, ChartFiles)>>,
    /// A spec's diagnostics and view model, by its path, with their inputs.
    validated: Mutex<HashMap<String, (ValidatedKey, Vec<Diagnostic>)>>,
    models: Mutex<HashMap<String, (ModelKey, ChartModel)>>,
    /// The site's own cache of rendered pages.
    pub site: crate::site::cache::Pages,
    hits: Mutex<Stats>,
}

/// How much a build could reuse, for `gen serve`'s log and the tests.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    pub specs_parsed: usize,
    pub specs_reused: usize,
    pub charts_rendered: usize,
    pub charts_reused: usize,
    pub pages_rendered: usize,
    pub pages_reused: usize,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic in one build (caught by serve) must not poison the next.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Memo {
    /// A cache that keeps what each build rendered, for the next.
    pub fn kept() -> Memo {
        Memo {
            keep: true,
            site: crate::site::cache::Pages::kept(),
            ..Memo::default()
        }
    }

    /// [`spec::parse`], or its result for the same bytes last time.
    pub fn parse(
        &self,
        rel: &str,
        bytes: Vec<u8>,
        ctx: &spec::Context,
    ) -> Result<SpecFile, Diagnostic> {
        if let Some((b, c, r)) = lock(&self.specs).get(rel) {
            if *b == bytes && c == ctx {
                lock(&self.hits).specs_reused += 1;
                return r.clone();
            }
        }
        let r = spec::parse_in(rel, &bytes, ctx);
        lock(&self.hits).specs_parsed += 1;
        if self.keep {
            lock(&self.specs).insert(rel.to_string(), (bytes, ctx.clone(), r.clone()));
        }
        r
    }

    /// [`crate::checks::spec`] of a spec, or its result for the same source
    /// and settings.
    pub fn validate(
        &self,
        file: &SpecFile,
        facts: Option<&crate::facts::ChartFacts>,
    ) -> Vec<Diagnostic> {
        let key = (file.source.clone(), file.context.clone(), facts.cloned());
        if let Some((k, d)) = lock(&self.validated).get(&file.rel) {
            if *k == key {
                return d.clone();
            }
        }
        let d = crate::checks::spec_with(file, facts);
        if self.keep {
            lock(&self.validated).insert(file.rel.clone(), (key, d.clone()));
        }
        d
    }

    /// [`chart_model_with`] of a spec, or its result for the same source,
    /// settings and facts.
    pub fn model(&self, file: &SpecFile, facts: Option<&crate::facts::ChartFacts>) -> ChartModel {
        if !self.keep {
            return chart_model_with(file, facts);
        }
        let key = (file.source.clone(), file.context.clone(), facts.cloned());
        if let Some((k, m)) = lock(&self.models).get(&file.rel) {
            if *k == key {
                return m.clone();
            }
        }
        let m = chart_model_with(file, facts);
        lock(&self.models).insert(file.rel.clone(), (key, m.clone()));
        m
    }

    /// The template environment for `overrides`, built once per set of
    /// overrides. A change to them also forgets every chart's outputs.
    pub fn tera(
        &self,
        overrides: &[(String, String)],
        build: impl FnOnce() -> Result<tera::Tera, Vec<Diagnostic>>,
    ) -> Result<Arc<tera::Tera>, Vec<Diagnostic>> {
        let mut slot = lock(&self.tera);
        if let Some((o, t)) = slot.as_ref() {
            if o == overrides {
                return Ok(t.clone());
            }
        }
        let t = Arc::new(build()?);
        if self.keep {
            *slot = Some((overrides.to_vec(), t.clone()));
            lock(&self.charts).clear();
        }
        Ok(t)
    }

    /// A chart's outputs: `render()`'s, or the last ones for the same key
    /// (made only by a cache that keeps).
    pub fn chart(
        &self,
        name: &str,
        key: impl FnOnce() -> ChartKey,
        render: impl FnOnce() -> Result<Vec<(String, String)>, Vec<Diagnostic>>,
    ) -> Result<ChartFiles, Vec<Diagnostic>> {
        if !self.keep {
            lock(&self.hits).charts_rendered += 1;
            return render().map(Arc::new);
        }
        let key = key();
        if let Some((k, files)) = lock(&self.charts).get(name) {
            if *k == key {
                lock(&self.hits).charts_reused += 1;
                return Ok(files.clone());
            }
        }
        let files = Arc::new(render()?);
        lock(&self.hits).charts_rendered += 1;
        lock(&self.charts).insert(name.to_string(), (key, files.clone()));
        Ok(files)
    }

    /// The counts since the last call, which resets them.
    pub fn take_stats(&self) -> Stats {
        let mut stats = std::mem::take(&mut *lock(&self.hits));
        (stats.pages_rendered, stats.pages_reused) = self.site.take_counts();
        stats
    }
}

/// The hand-written files of chart `name` among `existing`.
pub fn chart_existing(existing: &BTreeMap<String, String>, name: &str) -> Vec<(String, String)> {
    let prefix = format!("{}/", crate::kinds::chart_dir(name));
    existing
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
