//! Watching the inputs, and only the inputs: every file `project::load`
//! reads. These are `gen.toml` (the settings: `[repository]`, `[paths]`,
//! read again by every build), `specs/*.yaml`, `templates/**/*.tera`, the
//! hand-written Markdown under `docs/`, and the hand-written files gen
//! merges its regions into: `charts/<c>/README.md` (whose text outside the
//! markers the site shows), `values.yaml`, `values.schema.json`,
//! `Chart.yaml`, `templates/_helpers.tpl` and the root `Makefile`.
//! gen's own outputs (a `docs/` file carrying the generated mark,
//! `specs/schema.json`, the rest of `charts/`, `make/`, `site/`) and editor
//! temp files never trigger a rebuild, and neither does a write that leaves
//! an input's bytes as they were (a `gen build` in another terminal
//! rewriting a merged file). Events are debounced: a burst of them (an
//! editor's save, a `git checkout`) becomes one rebuild once the inputs
//! have been quiet for [`DEBOUNCE`].

use crate::kinds::{chart_inputs, repo_inputs};
use crate::output;
use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher};
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long the inputs must stay quiet before a rebuild starts. An editor's
/// save (write a temporary file, rename it over the old one) is one burst
/// of events within a few milliseconds; a longer burst that this cuts in two
/// costs one extra rebuild, which is cheaper than making every save wait.
/// Part of the 100 ms budget from save to reload (issue 7).
pub const DEBOUNCE: Duration = Duration::from_millis(20);
/// A burst that never goes quiet still rebuilds this often.
const MAX_WAIT: Duration = Duration::from_secs(2);
/// The folders under the root that hold inputs.
pub const INPUT_DIRS: &[&str] = &["specs", "templates", "docs", "charts"];

/// Names editors and tools use for swap, backup and temporary files.
pub fn is_temp_name(name: &str) -> bool {
    name.ends_with(".swp")
        || name.ends_with(".swo")
        || name.ends_with(".swx")
        || name.ends_with('~')
        || name.starts_with(".#")
        || (name.len() > 1 && name.starts_with('#') && name.ends_with('#'))
        || name == "4913"
        || name.ends_with(".tmp")
        || name.contains(".gen-tmp-")
        || name.starts_with(".goutputstream-")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `gen.toml`, the project's settings.
    Settings,
    /// `specs/`, `templates/` or `docs/` itself.
    Top,
    /// `specs/<name>.yaml` or `.yml`.
    Spec,
    /// `templates/**/*.tera`.
    Template,
    /// `docs/**/*.md`: an input only when a person wrote it.
    Doc,
    /// A hand-written file gen merges into: a chart's README, values,
    /// schema, Chart.yaml or helpers, or the root Makefile.
    Merged,
    /// Anything else under `templates/` or `docs/`, and a chart's folder
    /// or its `templates/`: matters only when it is a folder holding inputs
    /// (moved in or out).
    Other,
}

/// What a root-relative path may be, from its name alone; `None` for a path
/// that is never an input.
pub fn classify(rel: &str) -> Option<Kind> {
    if rel == crate::config::FILE {
        return Some(Kind::Settings);
    }
    if repo_inputs().any(|p| p == rel) {
        return Some(Kind::Merged);
    }
    let parts: Vec<&str> = rel.split('/').collect();
    let top = parts[0];
    if !INPUT_DIRS.contains(&top) {
        return None;
    }
    if parts.len() == 1 {
        return Some(Kind::Top);
    }
    let name = parts[parts.len() - 1];
    if name.is_empty() || is_temp_name(name) {
        return None;
    }
    match top {
        "specs" if parts.len() == 2 && (name.ends_with(".yaml") || name.ends_with(".yml")) => {
            Some(Kind::Spec)
        }
        "specs" => None,
        "templates" if name.ends_with(".tera") => Some(Kind::Template),
        "docs" if name.ends_with(".md") => Some(Kind::Doc),
        "charts" => match parts.as_slice() {
            [_, _] | [_, _, "templates"] => Some(Kind::Other),
            [_, chart, ..] if chart_inputs(chart).iter().any(|i| i == rel) => Some(Kind::Merged),
            _ => None,
        },
        _ => Some(Kind::Other),
    }
}

/// What identifies a file's bytes, to tell a real change from a rewrite
/// of the same bytes; `None` when it cannot be read.
fn fingerprint(path: &Path) -> Option<u64> {
    let bytes = std::fs::read(path).ok()?;
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    Some(h.finish())
}

/// The inputs known to exist, with a fingerprint of their bytes, so that a
/// removal can be told apart from the removal of something gen wrote, and
/// a change from a rewrite of the same bytes.
#[derive(Debug, Default)]
pub struct Tracker {
    root: PathBuf,
    known: BTreeMap<String, Option<u64>>,
}

impl Tracker {
    pub fn new(root: &Path) -> Tracker {
        let mut t = Tracker {
            root: root.to_path_buf(),
            known: BTreeMap::new(),
        };
        for dir in INPUT_DIRS {
            t.scan(dir);
        }
        for p in repo_inputs().chain([crate::config::FILE]) {
            t.record(p);
        }
        t
    }

    /// Notes the input `rel` as it is on disk now: whether it changed (was
    /// made, removed, or got other bytes).
    fn record(&mut self, rel: &str) -> bool {
        let path = self.root.join(rel);
        if path.is_file() {
            let now = fingerprint(&path);
            self.known.insert(rel.to_string(), now) != Some(now)
        } else {
            self.known.remove(rel).is_some()
        }
    }

    /// The inputs that a change at `rel` (now as it is on disk) changed:
    /// empty when it is no input. Updates what is known.
    pub fn changed(&mut self, rel: &str) -> Vec<String> {
        let Some(kind) = classify(rel) else {
            return Vec::new();
        };
        let path = self.root.join(rel);
        let input = match kind {
            Kind::Settings | Kind::Spec | Kind::Template | Kind::Merged => self.record(rel),
            Kind::Doc => {
                if path.is_file() && is_hand_written(&path) {
                    self.record(rel)
                } else {
                    // Gone, or gen's own output: a change only if it was
                    // an input.
                    self.known.remove(rel).is_some()
                }
            }
            Kind::Top | Kind::Other => {
                // A folder moved in or out, or an input folder made or
                // removed: it matters when it holds inputs.
                let mut files = self.forget_under(rel);
                if path.is_dir() {
                    files.extend(self.scan(rel));
                }
                files.sort();
                files.dedup();
                return files;
            }
        };
        if input {
            vec![rel.to_string()]
        } else {
            Vec::new()
        }
    }

    /// Forgets every known input under the folder `rel`, and names them.
    fn forget_under(&mut self, rel: &str) -> Vec<String> {
        let prefix = format!("{rel}/");
        let gone: Vec<String> = self
            .known
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .cloned()
            .collect();
        for k in &gone {
            self.known.remove(k);
        }
        gone
    }

    /// Records every input under the folder `rel`, and names them.
    fn scan(&mut self, rel: &str) -> Vec<String> {
        let dir = self.root.join(rel);
        let mut found = Vec::new();
        if !dir.is_dir() {
            return found;
        }
        for entry in walkdir::WalkDir::new(&dir).into_iter().flatten() {
            if !entry.file_type().is_file() {
                continue;
            }
            let Ok(sub) = entry.path().strip_prefix(&self.root) else {
                continue;
            };
            let sub = slash_path(sub);
            let input = match classify(&sub) {
                Some(Kind::Spec | Kind::Template | Kind::Merged) => true,
                Some(Kind::Doc) => is_hand_written(entry.path()),
                _ => false,
            };
            if input {
                self.known.insert(sub.clone(), fingerprint(entry.path()));
                found.push(sub);
            }
        }
        found
    }
}

fn slash_path(p: &Path) -> String {
    p.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// A docs file without gen's generated mark in its first lines.
fn is_hand_written(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 400];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .unwrap_or(0);
    !output::is_generated(&head[..n])
}

/// Events worth looking at: writes, creations, removals and renames. Opens,
/// reads and metadata-only changes are not (gen's own reads of the inputs
/// would otherwise trigger rebuilds).
fn interesting(kind: &EventKind) -> bool {
    match kind {
        EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        EventKind::Access(_) => false,
        EventKind::Modify(ModifyKind::Metadata(_)) => false,
        _ => true,
    }
}

enum Msg {
    Path(String),
    Rescan,
}

/// What the debouncer hands to the rebuild: the inputs that changed and
/// when the first change of the burst was seen.
pub struct Batch {
    pub changed: Vec<String>,
    pub first_event: Instant,
}

/// Starts watching `root` (canonical) and calls `on_change` after each
/// debounced burst that touched an input, on a thread of its own, until
/// `stop` is set.
pub fn spawn(
    root: PathBuf,
    stop: Arc<AtomicBool>,
    mut on_change: impl FnMut(Batch) + Send + 'static,
) -> notify::Result<JoinHandle<()>> {
    let (tx, rx) = mpsc::channel::<(Msg, Instant)>();
    let cb_root = root.clone();
    let mut watcher = RecommendedWatcher::new(
        move |res: notify::Result<Event>| {
            let now = Instant::now();
            match res {
                Ok(ev) => {
                    if ev.need_rescan() {
                        let _ = tx.send((Msg::Rescan, now));
                    }
                    if !interesting(&ev.kind) {
                        return;
                    }
                    for p in &ev.paths {
                        if let Ok(rel) = p.strip_prefix(&cb_root) {
                            let rel = slash_path(rel);
                            if classify(&rel).is_some() {
                                let _ = tx.send((Msg::Path(rel), now));
                            }
                        }
                    }
                }
                Err(e) => eprintln!("gen serve: watch error: {e}"),
            }
        },
        notify::Config::default(),
    )?;
    // The root itself, not recursively: only to see an input folder appear.
    watcher.watch(&root, RecursiveMode::NonRecursive)?;
    for dir in INPUT_DIRS {
        let path = root.join(dir);
        if path.is_dir() {
            watcher.watch(&path, RecursiveMode::Recursive)?;
        }
    }
    let mut tracker = Tracker::new(&root);
    let handle = std::thread::Builder::new()
        .name("gen-serve-watch".into())
        .spawn(move || {
            let mut watcher = watcher;
            while !stop.load(Ordering::SeqCst) {
                let (first, first_event) = match rx.recv_timeout(Duration::from_millis(250)) {
                    Ok(m) => m,
                    Err(RecvTimeoutError::Timeout) => continue,
                    Err(RecvTimeoutError::Disconnected) => return,
                };
                // The last event per path is what the disk now shows, so a
                // set of paths, looked at once the burst is over, is enough.
                let mut paths = BTreeSet::new();
                let mut rescan = false;
                let mut add = |m: Msg| match m {
                    Msg::Path(p) => {
                        paths.insert(p);
                    }
                    Msg::Rescan => rescan = true,
                };
                add(first);
                loop {
                    match rx.recv_timeout(DEBOUNCE) {
                        Ok((m, _)) => add(m),
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                    if first_event.elapsed() > MAX_WAIT {
                        break;
                    }
                }
                let mut changed = Vec::new();
                for rel in paths {
                    if classify(&rel) == Some(Kind::Top) && root.join(&rel).is_dir() {
                        // A new input folder: watch it (again).
                        let _ = watcher.watch(&root.join(&rel), RecursiveMode::Recursive);
                    }
                    changed.extend(tracker.changed(&rel));
                }
                if rescan {
                    tracker = Tracker::new(&root);
                    changed.push("(events were lost; rescanned)".into());
                }
                changed.sort();
                changed.dedup();
                if !changed.is_empty() && !stop.load(Ordering::SeqCst) {
                    on_change(Batch {
                        changed,
                        first_event,
                    });
                }
            }
        })?;
    Ok(handle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temp_names() {
        for n in [
            ".a.yaml.swp",
            ".a.yaml.swo",
            "a.yaml~",
            ".#a.yaml",
            "#a.yaml#",
            "4913",
            "a.yaml.tmp",
            ".a.yaml.gen-tmp-123",
        ] {
            assert!(is_temp_name(n), "{n}");
        }
        for n in ["a.yaml", "notes.md", "x.tera", "49130", "#"] {
            assert!(!is_temp_name(n), "{n}");
        }
    }

    #[test]
    fn only_inputs_are_classified() {
        assert_eq!(classify("specs"), Some(Kind::Top));
        assert_eq!(classify("specs/a.yaml"), Some(Kind::Spec));
        assert_eq!(classify("specs/a.yml"), Some(Kind::Spec));
        assert_eq!(classify("specs/schema.json"), None);
        assert_eq!(classify("specs/sub/a.yaml"), None);
        assert_eq!(classify("specs/.a.yaml.swp"), None);
        assert_eq!(classify("specs/.#a.yaml"), None);
        assert_eq!(classify("specs/a.yaml~"), None);
        assert_eq!(classify("specs/4913"), None);
        assert_eq!(
            classify("templates/chart/backup-guide.md.tera"),
            Some(Kind::Template)
        );
        assert_eq!(classify("templates/chart"), Some(Kind::Other));
        assert_eq!(classify("docs/notes.md"), Some(Kind::Doc));
        assert_eq!(classify("docs/a/backup-guide.md"), Some(Kind::Doc));
        assert_eq!(classify("docs/.notes.md.gen-tmp-9"), None);
        assert_eq!(classify("charts/a/README.md"), Some(Kind::Merged));
        assert_eq!(classify("charts/a/values.yaml"), Some(Kind::Merged));
        assert_eq!(
            classify("charts/a/templates/_helpers.tpl"),
            Some(Kind::Merged)
        );
        assert_eq!(classify("Makefile"), Some(Kind::Merged));
        assert_eq!(classify("gen.toml"), Some(Kind::Settings));
        assert_eq!(classify("specs/gen.toml"), None);
        assert_eq!(classify(".gen.toml.swp"), None);
        assert_eq!(classify("charts/a"), Some(Kind::Other));
        assert_eq!(classify("charts/a/templates"), Some(Kind::Other));
        for never in [
            "charts/a/templates/rbac.yaml",
            "charts/a/docs/README.md",
            "charts/a/.README.md.swp",
            "make/a.mk",
            "site/index.html",
            "target/debug/gen",
            "README.md",
            "",
        ] {
            assert_eq!(classify(never), None, "{never}");
        }
    }

    #[test]
    fn tracker_tells_hand_written_docs_from_generated_ones() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::create_dir_all(root.join("docs/a")).unwrap();
        std::fs::create_dir_all(root.join("specs")).unwrap();
        std::fs::write(root.join("docs/hand.md"), "# Mine\n").unwrap();
        std::fs::write(
            root.join("docs/a/backup-guide.md"),
            "<!-- Code generated by gen. DO NOT EDIT. -->\n# Guide\n",
        )
        .unwrap();
        std::fs::write(root.join("specs/a.yaml"), "name: a\n").unwrap();
        const NONE: Vec<String> = Vec::new();
        let mut t = Tracker::new(root);
        assert_eq!(
            t.known.keys().collect::<Vec<_>>(),
            ["docs/hand.md", "specs/a.yaml"]
        );
        // gen rewriting or removing its own file is no change of input.
        assert_eq!(NONE, t.changed("docs/a/backup-guide.md"));
        std::fs::remove_file(root.join("docs/a/backup-guide.md")).unwrap();
        assert_eq!(NONE, t.changed("docs/a/backup-guide.md"));
        // Hand-written docs are inputs, also when they go away.
        std::fs::write(root.join("docs/hand.md"), "# Mine, edited\n").unwrap();
        assert_eq!(["docs/hand.md"], *t.changed("docs/hand.md"));
        std::fs::remove_file(root.join("docs/hand.md")).unwrap();
        assert_eq!(["docs/hand.md"], *t.changed("docs/hand.md"));
        assert_eq!(NONE, t.changed("docs/hand.md"));
        // A folder of hand-written docs moved in, then out.
        std::fs::create_dir_all(root.join("docs/guides")).unwrap();
        std::fs::write(root.join("docs/guides/ops.md"), "# Ops\n").unwrap();
        assert_eq!(["docs/guides/ops.md"], *t.changed("docs/guides"));
        std::fs::remove_dir_all(root.join("docs/guides")).unwrap();
        assert_eq!(["docs/guides/ops.md"], *t.changed("docs/guides"));
        // A folder with only gen's files is not an input.
        std::fs::create_dir_all(root.join("docs/b")).unwrap();
        std::fs::write(
            root.join("docs/b/upgrade-guide.md"),
            "<!-- Code generated by gen. DO NOT EDIT. -->\n",
        )
        .unwrap();
        assert_eq!(NONE, t.changed("docs/b"));
        // A spec counts when its bytes change; non-inputs never do.
        assert_eq!(NONE, t.changed("specs/a.yaml"));
        std::fs::write(root.join("specs/a.yaml"), "name: a\n# edited\n").unwrap();
        assert_eq!(["specs/a.yaml"], *t.changed("specs/a.yaml"));
        assert_eq!(NONE, t.changed("specs/a.yaml"));
        assert_eq!(NONE, t.changed("specs/schema.json"));
        assert_eq!(NONE, t.changed("charts/a/templates/rbac.yaml"));
        // A README gen merges into: its text outside the markers is shown,
        // so an edit counts, and a rewrite of the same bytes does not.
        std::fs::create_dir_all(root.join("charts/a")).unwrap();
        std::fs::write(root.join("charts/a/README.md"), "# A\n").unwrap();
        assert_eq!(["charts/a/README.md"], *t.changed("charts/a/README.md"));
        std::fs::write(root.join("charts/a/README.md"), "# A\n").unwrap();
        assert_eq!(NONE, t.changed("charts/a/README.md"));
        std::fs::write(root.join("charts/a/README.md"), "# A, edited\n").unwrap();
        assert_eq!(["charts/a/README.md"], *t.changed("charts/a/README.md"));
        // A chart folder moved in brings its inputs.
        std::fs::create_dir_all(root.join("charts/b/templates")).unwrap();
        std::fs::write(root.join("charts/b/Chart.yaml"), "name: b\n").unwrap();
        std::fs::write(root.join("charts/b/templates/x.yaml"), "x\n").unwrap();
        assert_eq!(["charts/b/Chart.yaml"], *t.changed("charts/b"));
        // The settings: made, rewritten with the same bytes, edited, removed.
        std::fs::write(root.join("gen.toml"), "[paths]\n").unwrap();
        assert_eq!(["gen.toml"], *t.changed("gen.toml"));
        std::fs::write(root.join("gen.toml"), "[paths]\n").unwrap();
        assert_eq!(NONE, t.changed("gen.toml"));
        std::fs::write(root.join("gen.toml"), "[repository]\n").unwrap();
        assert_eq!(["gen.toml"], *t.changed("gen.toml"));
        std::fs::remove_file(root.join("gen.toml")).unwrap();
        assert_eq!(["gen.toml"], *t.changed("gen.toml"));
        assert_eq!(NONE, t.changed("gen.toml"));
    }
}
