//! `gen.toml`, the project's settings, read when present at the root:
//!
//! ```toml
//! # The gen versions this repository's generated files come from.
//! required_version = ">=0.1, <0.2"
//! # The Helm that renders the charts for their facts (default: PATH).
//! helm = "scripts/helm"
//! # Build without chart facts (and without checking specs against charts).
//! facts = false
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
    /// The `helm` to run for chart facts, relative to the root.
    helm: Option<String>,
    /// false: no chart facts.
    facts: Option<bool>,
}

/// The settings gen.toml gives the rest of gen (after [`check`] passed).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Settings {
    /// `helm = "..."`, resolved against the root.
    pub helm: Option<std::path::PathBuf>,
    /// `facts = false`.
    pub no_facts: bool,
}

/// gen.toml's settings; a missing or unreadable file gives the defaults
/// ([`check`] reports a malformed one before anything reads this).
pub fn settings(root: &Path) -> Settings {
    let raw: Option<Raw> = std::fs::read_to_string(root.join(FILE))
        .ok()
        .and_then(|t| toml::from_str(&t).ok());
    match raw {
        Some(r) => Settings {
            // A path is the root's; a bare name is looked up on PATH.
            helm: r.helm.map(|h| {
                if h.contains('/') {
                    root.join(h)
                } else {
                    h.into()
                }
            }),
            no_facts: r.facts == Some(false),
        },
        None => Settings::default(),
    }
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
                .help("gen.toml holds `required_version = \"<SemVer requirement>\"` (e.g. \">=0.1, <0.2\"), `helm = \"<path>\"` and `facts = true|false`")
                .with_source(&text),
        )
    })?;
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
    fn helm_and_facts_settings() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(settings(dir.path()), Settings::default());
        std::fs::write(
            dir.path().join(FILE),
            "helm = \"scripts/helm\"\nfacts = false\n",
        )
        .unwrap();
        assert!(check_version(dir.path(), VERSION).is_ok());
        assert_eq!(
            settings(dir.path()),
            Settings {
                helm: Some(dir.path().join("scripts/helm")),
                no_facts: true
            }
        );
        // A bare name is looked up on PATH.
        std::fs::write(dir.path().join(FILE), "helm = \"helm3\"\n").unwrap();
        assert_eq!(settings(dir.path()).helm, Some("helm3".into()));
        assert!(!settings(dir.path()).no_facts);
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
