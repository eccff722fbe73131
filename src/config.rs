//! `gen.toml`, the project's settings, read when present at the root:
//!
//! ```toml
//! # The gen versions this repository's generated files come from.
//! required_version = ">=0.1, <0.2"
//! # Where the site is published: the site gets a sitemap.xml.
//! site_url = "https://charts.example.org/docs/"
//! ```
//!
//! A different gen would render different bytes and `gen check` would list
//! a wall of stale files; instead gen stops before reading anything, with
//! one error naming both versions (exit 2, like any other "wrong tool or
//! environment" problem). A gen.toml that does not parse is invalid input
//! (exit 1), located like every other diagnostic.

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
    /// The published site's address, `https://...`.
    site_url: Option<toml::Spanned<String>>,
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
    let text = std::fs::read_to_string(root.join(FILE)).ok()?;
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

/// [`check`] for a given gen version (tests use other versions).
pub fn check_version(root: &Path, version: &str) -> Result<(), Problem> {
    let text = match std::fs::read(root.join(FILE)) {
        Ok(b) => String::from_utf8(b).map_err(|_| {
            Problem::Invalid(
                Diagnostic::error(FILE, "gen.toml is not valid UTF-8").help("save it as UTF-8"),
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Problem::Io(format!("reading {FILE}: {e}"))),
    };
    let raw: Raw = toml::from_str(&text).map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(&text, s.start));
        Problem::Invalid(
            Diagnostic::error(FILE, format!("gen.toml: {}", e.message()))
                .at(line, col)
                .help("gen.toml holds `required_version = \"<SemVer requirement>\"`, e.g. \">=0.1, <0.2\"`, and `site_url = \"https://...\"`")
                .with_source(&text),
        )
    })?;
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

fn line_col(text: &str, offset: usize) -> (usize, usize) {
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
