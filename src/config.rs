//! `gen.toml`, the project's settings, read when present at the root:
//!
//! ```toml
//! # The gen versions this repository's generated files come from.
//! required_version = ">=0.1, <0.2"
//! # The Helm that renders the charts for their facts (default: PATH).
//! helm = "scripts/helm"
//! # Build without chart facts (and without checking specs against charts).
//! facts = false
//! # Where the site is published: the site gets a sitemap.xml.
//! site_url = "https://charts.example.org/docs/"
//! ```
//!
//! A different gen would render different bytes and `gen check` would list
//! a wall of stale files; instead gen stops before reading anything, with
//! one error naming both versions (exit 2, like any other "wrong tool or
//! environment" problem). A gen.toml that does not parse is invalid input
//! (exit 1), located like every other diagnostic.
//!
//! Two optional tables say where outputs go and how the site links out:
//!
//! ```toml
//! [paths]            # where each chart's whole-file outputs are written
//! backup_guide = "docs/{chart}-backup-guide.md"   # default docs/{chart}/backup-guide.md
//! upgrade_guide = "docs/{chart}-upgrade-guide.md" # default docs/{chart}/upgrade-guide.md
//! makefile = "make/ops/{chart}.mk"                # default make/{chart}.mk
//!
//! [site]
//! # Links from hand-written docs to repository files that are not pages
//! # of the site (values.yaml, LICENSE, ...) point here; without it they
//! # are warnings and render as plain text.
//! repo_url = "https://github.com/org/repo/blob/main"
//! ```
//!
//! One more says where the charts are published, once for every spec:
//!
//! ```toml
//! [repository]
//! # The name operators add the published Helm repository as, and its URL:
//! # the defaults of the `chart-available` snippet's `repo` and `url`.
//! name = "my-charts"
//! url = "https://org.github.io/charts"
//! ```
//!
//! `gen adopt` writes `[paths]` when it finds a collection's own layout,
//! and `[repository]` when the root README adds the published repository
//! with `helm repo add NAME URL`.

use crate::diagnostics::Diagnostic;
use serde::Deserialize;
use std::path::Path;

pub const FILE: &str = "gen.toml";

/// This gen's version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    /// A SemVer requirement, e.g. ">=0.1, <0.2" or "^0.1".
    required_version: Option<toml::Spanned<String>>,
    #[serde(default)]
    paths: RawPaths,
    #[serde(default)]
    site: RawSite,
    repository: Option<RawRepository>,
    /// The `helm` to run for chart facts: a path from the root, or a bare
    /// name looked up on PATH.
    helm: Option<String>,
    /// false: no chart facts.
    facts: Option<bool>,
    /// The published site's address, `https://...`.
    site_url: Option<toml::Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPaths {
    backup_guide: Option<toml::Spanned<String>>,
    upgrade_guide: Option<toml::Spanned<String>>,
    makefile: Option<toml::Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    repo_url: Option<toml::Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRepository {
    name: toml::Spanned<String>,
    url: toml::Spanned<String>,
}

/// `[repository]`: where the charts are published.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Repository {
    /// The name `helm repo add` gives it, e.g. `sb-charts`.
    pub name: String,
    /// Its URL, without a trailing `/`.
    pub url: String,
}

impl Repository {
    /// What is wrong with a repository name and URL, if anything: a
    /// message (naming `name` or `url`) and its help.
    pub fn problem(name: &str, url: &str) -> Option<(&'static str, String, &'static str)> {
        let name_ok = !name.is_empty()
            && name.len() <= 63
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c))
            && name.starts_with(|c: char| c.is_ascii_alphanumeric());
        if !name_ok {
            return Some((
                "name",
                format!("[repository] name = {name:?} is not a Helm repository name"),
                "write the name operators give `helm repo add`: lower-case letters, digits, `-`, `_` or `.`, e.g. \"my-charts\"",
            ));
        }
        if !valid_site_url(url) {
            return Some((
                "url",
                format!("[repository] url = {url:?} is not an http(s) URL"),
                "write the URL operators give `helm repo add`, e.g. \"https://org.github.io/charts\"",
            ));
        }
        None
    }
}

/// The settings of `[paths]`, `[site]` and `[repository]`, with their defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub backup_guide: String,
    pub upgrade_guide: String,
    pub makefile: String,
    /// Base URL of repository files, without a trailing `/`.
    pub repo_url: Option<String>,
    /// `helm = "..."` as written (see [`Settings::helm_path`]).
    pub helm: Option<String>,
    /// `facts = false`.
    pub no_facts: bool,
    /// `[repository]`, when given.
    pub repository: Option<Repository>,
}

/// The `[paths]` keys, their defaults and the folder each must be under
/// (gen looks for its orphaned files only there).
pub const PATHS: [(&str, &str, &str); 3] = [
    ("backup_guide", "docs/{chart}/backup-guide.md", "docs/"),
    ("upgrade_guide", "docs/{chart}/upgrade-guide.md", "docs/"),
    ("makefile", "make/{chart}.mk", "make/"),
];

impl Default for Settings {
    fn default() -> Self {
        Settings {
            backup_guide: PATHS[0].1.into(),
            upgrade_guide: PATHS[1].1.into(),
            makefile: PATHS[2].1.into(),
            repo_url: None,
            helm: None,
            no_facts: false,
            repository: None,
        }
    }
}

impl Settings {
    /// `helm` resolved: a path is the root's, a bare name is looked up on
    /// PATH when it runs.
    pub fn helm_path(&self, root: &Path) -> Option<std::path::PathBuf> {
        self.helm.as_ref().map(|h| {
            if h.contains('/') {
                root.join(h)
            } else {
                h.into()
            }
        })
    }

    /// The pattern of `[paths]` key `key` (one of [`PATHS`]).
    pub fn pattern(&self, key: &str) -> &str {
        match key {
            "backup_guide" => &self.backup_guide,
            "upgrade_guide" => &self.upgrade_guide,
            "makefile" => &self.makefile,
            _ => panic!("no [paths] key {key:?}"),
        }
    }

    /// A `[paths]` pattern with `{chart}` replaced.
    pub fn path(pattern: &str, chart: &str) -> String {
        pattern.replace("{chart}", chart)
    }
}

/// Whether `url` can be the site's address: http(s), with a host, and
/// nothing a sitemap would have to escape.
fn valid_site_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"));
    rest.is_some_and(|r| {
        !r.is_empty()
            && !r.starts_with('/')
            && !r.contains(|c: char| c.is_whitespace() || "<>\"'&#?".contains(c))
    })
}

/// `site_url` of the project's gen.toml, without its trailing `/`; None
/// when there is none (or gen.toml is invalid: `check` reports that).
pub fn site_url(root: &Path) -> Option<String> {
    let text = read(root).ok()??;
    let raw: Raw = toml::from_str(&text).ok()?;
    let url = raw.site_url?.into_inner();
    valid_site_url(&url).then(|| url.trim_end_matches('/').to_string())
}

/// Why gen must not run in this project.
#[derive(Debug)]
pub enum Problem {
    /// gen.toml is unreadable or malformed: exit 1.
    Invalid(Diagnostic),
    /// This gen does not satisfy `required_version`: exit 2.
    WrongVersion(Diagnostic),
    /// Reading the file failed: exit 2.
    Io(String),
}

/// Checks `gen.toml` under `root`, if there is one, against this gen.
pub fn check(root: &Path) -> Result<(), Problem> {
    check_version(root, VERSION)
}

/// gen.toml's text, or None when there is none.
pub fn read(root: &Path) -> Result<Option<String>, Problem> {
    match crate::disk::read_regular(&root.join(FILE)) {
        Ok(b) => crate::diagnostics::utf8(FILE, b)
            .map(Some)
            .map_err(Problem::Invalid),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Problem::Io(format!("reading {FILE}: {e}"))),
    }
}

fn parse(text: &str) -> Result<Raw, Problem> {
    toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        Problem::Invalid(
            Diagnostic::error(FILE, format!("gen.toml: {}", e.message()))
                .at(line, col)
                .help("gen.toml holds `required_version = \"<SemVer requirement>\"`, `helm = \"<path>\"`, `facts = true|false`, a `[paths]` table (backup_guide, upgrade_guide, makefile), a `[site]` table (repo_url), a `[repository]` table (name, url) and `site_url = \"https://...\"`; see the README")
                .with_source(text),
        )
    })
}

/// The `[paths]` and `[site]` settings of `gen.toml` (defaults without
/// one), each checked: a path pattern must hold `{chart}`, stay inside
/// its folder and end like the file it names; `repo_url` must be http(s).
pub fn settings(root: &Path) -> Result<Settings, Problem> {
    match read(root)? {
        Some(text) => settings_of(&text),
        None => Ok(Settings::default()),
    }
}

/// [`settings`] of gen.toml's text.
pub fn settings_of(text: &str) -> Result<Settings, Problem> {
    let raw = parse(text)?;
    let mut out = Settings::default();
    let at = |span: std::ops::Range<usize>, msg: String, help: &str| {
        let (line, col) = line_col(text, span.start);
        Problem::Invalid(
            Diagnostic::error(FILE, msg)
                .at(line, col)
                .help(help.to_string())
                .with_source(text),
        )
    };
    let given = [
        (&raw.paths.backup_guide, &mut out.backup_guide),
        (&raw.paths.upgrade_guide, &mut out.upgrade_guide),
        (&raw.paths.makefile, &mut out.makefile),
    ];
    for ((value, slot), (key, default, folder)) in given.into_iter().zip(PATHS) {
        let Some(v) = value else { continue };
        let p = v.get_ref();
        let ext = default
            .rsplit('.')
            .next()
            .expect("defaults have an extension");
        let bad = if !p.contains("{chart}") {
            Some("has no `{chart}`, so every chart would write the same file")
        } else if !p.starts_with(folder) {
            Some("is outside the folder gen owns for it")
        } else if p.split('/').any(|s| s.is_empty() || s == "." || s == "..") || p.contains('\\') {
            Some("is not a plain relative path")
        } else if !p.ends_with(&format!(".{ext}")) {
            Some("does not end like the file it names")
        } else {
            None
        };
        if let Some(why) = bad {
            return Err(at(
                v.span(),
                format!("[paths] {key} = {p:?} {why}"),
                &format!("write a path under {folder} with `{{chart}}` in it, ending in .{ext}, e.g. {default:?}"),
            ));
        }
        *slot = p.clone();
    }
    out.helm = raw.helm.clone();
    out.no_facts = raw.facts == Some(false);
    if let Some(url) = &raw.site.repo_url {
        let u = url.get_ref().trim_end_matches('/');
        if !(u.starts_with("https://") || u.starts_with("http://"))
            || u.contains(char::is_whitespace)
        {
            return Err(at(
                url.span(),
                format!("[site] repo_url = {:?} is not an http(s) URL", url.get_ref()),
                "write the URL under which repository files are shown, e.g. \"https://github.com/org/repo/blob/main\"",
            ));
        }
        out.repo_url = Some(u.to_string());
    }
    if let Some(r) = &raw.repository {
        let url = r.url.get_ref().trim_end_matches('/');
        if let Some((key, message, help)) = Repository::problem(r.name.get_ref(), url) {
            let span = if key == "name" {
                r.name.span()
            } else {
                r.url.span()
            };
            return Err(at(span, message, help));
        }
        out.repository = Some(Repository {
            name: r.name.get_ref().clone(),
            url: url.to_string(),
        });
    }
    Ok(out)
}

/// [`check`] for a given gen version (tests use other versions).
pub fn check_version(root: &Path, version: &str) -> Result<(), Problem> {
    let Some(text) = read(root)? else {
        return Ok(());
    };
    let raw = parse(&text)?;
    settings_of(&text)?;
    if let Some(url) = &raw.site_url {
        if !valid_site_url(url.get_ref()) {
            let (line, col) = line_col(&text, url.span().start);
            return Err(Problem::Invalid(
                Diagnostic::error(FILE, format!("site_url {:?} is not a web address", url.get_ref()))
                    .at(line, col)
                    .help("write the address the site is published at, e.g. \"https://charts.example.org/docs/\"")
                    .with_source(&text),
            ));
        }
    }
    let Some(req) = raw.required_version else {
        return Ok(());
    };
    let (line, col) = line_col(&text, req.span().start);
    let at = |d: Diagnostic| d.at(line, col).with_source(&text);
    let parsed = semver::VersionReq::parse(req.get_ref()).map_err(|e| {
        Problem::Invalid(at(Diagnostic::error(
            FILE,
            format!(
                "required_version {:?} is not a SemVer requirement: {e}",
                req.get_ref()
            ),
        )
        .help("write a requirement like \">=0.1, <0.2\", \"^0.1\" or \"=0.1.0\"")))
    })?;
    let me = semver::Version::parse(version).expect("gen's own version is SemVer");
    if parsed.matches(&me) {
        return Ok(());
    }
    Err(Problem::WrongVersion(at(Diagnostic::error(
        FILE,
        format!(
            "this project requires gen {}, and this is gen {version}",
            req.get_ref()
        ),
    )
    .help(
        "install a gen that matches (`cargo install --locked --path <gen checkout>` at a matching version), \
         or change required_version if the project has moved on; nothing was read or written",
    ))))
}

pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// The requirement `gen init` writes: this minor version line
/// (">=0.1, <0.2"), or this major one from 1.0 on.
pub fn default_requirement() -> String {
    let v = semver::Version::parse(VERSION).expect("gen's own version is SemVer");
    if v.major == 0 {
        format!(">=0.{}, <0.{}", v.minor, v.minor + 1)
    } else {
        format!(">={}.{}, <{}", v.major, v.minor, v.major + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(text: &str, version: &str) -> Result<(), Problem> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), text).unwrap();
        check_version(dir.path(), version)
    }

    #[test]
    fn no_file_or_no_requirement_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        assert!(check_version(dir.path(), "0.1.0").is_ok());
        assert!(with("# nothing pinned\n", "0.1.0").is_ok());
        assert!(with(
            &format!("required_version = {:?}\n", default_requirement()),
            VERSION
        )
        .is_ok());
    }

    #[test]
    fn mismatch_names_both_versions_at_the_line() {
        match with("# pin\nrequired_version = \">=0.2, <0.3\"\n", "0.1.0") {
            Err(Problem::WrongVersion(d)) => {
                assert_eq!((d.line, d.column), (2, 20), "{d}");
                assert!(
                    d.message.contains(">=0.2, <0.3") && d.message.contains("gen 0.1.0"),
                    "{d}"
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(with("required_version = \">=0.1\"\n", "0.3.1").is_ok());
    }

    #[test]
    fn paths_and_repo_url_are_read_and_checked() {
        let s = settings_of(
            "[paths]\nbackup_guide = \"docs/{chart}-backup-guide.md\"\nmakefile = \"make/ops/{chart}.mk\"\n[site]\nrepo_url = \"https://x.org/r/blob/main/\"\n",
        )
        .unwrap();
        assert_eq!(
            Settings::path(&s.backup_guide, "pg"),
            "docs/pg-backup-guide.md"
        );
        assert_eq!(s.upgrade_guide, "docs/{chart}/upgrade-guide.md");
        assert_eq!(Settings::path(&s.makefile, "pg"), "make/ops/pg.mk");
        assert_eq!(s.repo_url.as_deref(), Some("https://x.org/r/blob/main"));
        assert_eq!(s.repository, None);
        let s =
            settings_of("[repository]\nname = \"sb-charts\"\nurl = \"https://o.github.io/c/\"\n")
                .unwrap();
        assert_eq!(
            s.repository,
            Some(Repository {
                name: "sb-charts".into(),
                url: "https://o.github.io/c".into()
            })
        );
        for (text, line, col, want) in [
            (
                "[paths]\nmakefile = \"make/all.mk\"\n",
                2,
                12,
                "has no `{chart}`",
            ),
            (
                "[paths]\n\nbackup_guide = \"charts/{chart}.md\"\n",
                3,
                16,
                "outside the folder",
            ),
            (
                "[paths]\nupgrade_guide = \"docs/../{chart}.md\"\n",
                2,
                17,
                "not a plain relative path",
            ),
            (
                "[paths]\nmakefile = \"make/{chart}.txt\"\n",
                2,
                12,
                "does not end like",
            ),
            (
                "[site]\nrepo_url = \"github.com/x\"\n",
                2,
                12,
                "not an http(s) URL",
            ),
            ("[paths]\nreadme = \"x\"\n", 2, 1, "unknown field"),
            (
                "[repository]\nname = \"My Charts\"\nurl = \"https://o.github.io/c\"\n",
                2,
                8,
                "not a Helm repository name",
            ),
            (
                "[repository]\nname = \"c\"\nurl = \"o.github.io/c\"\n",
                3,
                7,
                "not an http(s) URL",
            ),
            ("[repository]\nname = \"c\"\n", 1, 1, "missing field `url`"),
        ] {
            match settings_of(text) {
                Err(Problem::Invalid(d)) => {
                    assert_eq!((d.line, d.column), (line, col), "{text:?}: {d}");
                    assert!(d.message.contains(want), "{text:?}: {d}");
                    assert!(d.help.is_some());
                }
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn helm_and_facts_settings() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(settings(dir.path()).unwrap(), Settings::default());
        std::fs::write(
            dir.path().join(FILE),
            "helm = \"scripts/helm\"\nfacts = false\n",
        )
        .unwrap();
        assert!(check_version(dir.path(), VERSION).is_ok());
        let s = settings(dir.path()).unwrap();
        assert_eq!(
            s.helm_path(dir.path()),
            Some(dir.path().join("scripts/helm"))
        );
        assert!(s.no_facts);
        // A bare name is looked up on PATH.
        std::fs::write(dir.path().join(FILE), "helm = \"helm3\"\n").unwrap();
        let s = settings(dir.path()).unwrap();
        assert_eq!(s.helm_path(dir.path()), Some("helm3".into()));
        assert!(!s.no_facts);
    }

    #[test]
    fn malformed_files_are_invalid_and_located() {
        for (text, line) in [
            ("required_version = \"banana\"\n", 1),
            ("required_versoin = \">=0.1\"\n", 1),
            ("\nrequired_version = 1\n", 2),
            ("required_version = \n", 1),
        ] {
            match with(text, "0.1.0") {
                Err(Problem::Invalid(d)) => assert_eq!(d.line, line, "{text:?}: {d}"),
                other => panic!("{text:?}: {other:?}"),
            }
        }
    }
}
