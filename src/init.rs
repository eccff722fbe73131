//! `gen init`: the files a chart repository needs to use gen. Each is
//! written only when missing, so running it again, or in a repository that
//! already has some of them, changes nothing that exists.

use std::path::Path;

/// What `gen init` did, by relative path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub written: Vec<String>,
    pub kept: Vec<String>,
}

/// The pre-commit hooks, for a repository where gen is on PATH.
pub const PRE_COMMIT_CONFIG: &str = r#"# pre-commit hooks (https://pre-commit.com): after `pre-commit install`,
# every commit that touches these files runs `gen check --strict`, which
# fails with a diff when a generated file is stale, and on every warning:
# a TODO left in a spec, a chart whose outputs changed without a version bump. Swap in `gen-build` (entry
# `gen build`) to regenerate instead; then `git add` what it wrote.
#
# The hooks run the gen on your PATH; gen.toml pins the versions allowed
# (pre-commit 4.4+ also accepts `language: unsupported` for `system`).
# To let pre-commit build a pinned gen itself, use gen's own repository:
#   - repo: <gen's git URL>
#     rev: v0.1.0
#     hooks: [{ id: gen-check }]
repos:
  - repo: local
    hooks:
      - id: gen-check
        name: gen check
        entry: gen check --strict
        language: system
        pass_filenames: false
        require_serial: true
        files: ^(specs/|templates/|docs/|charts/|make/|Makefile$|gen\.toml$)
"#;

pub const GITATTRIBUTES: &str = "# gen writes LF; keep every checkout LF so `gen check` compares like with like.\n* text=auto eol=lf\n";

pub const GITIGNORE: &str =
    "# The HTML site `gen build` writes: publish it from CI, do not commit it.\n/site/\n\
     # gen's cache (chart facts read through Helm).\n/.gen/\n";

fn gen_toml() -> String {
    format!(
        "# gen's settings for this repository.\n\
         # The gen versions its generated files come from: any other gen stops\n\
         # with one error instead of reporting every generated file as stale.\n\
         required_version = \"{}\"\n",
        crate::config::default_requirement()
    )
}

fn templates_readme() -> String {
    let mut s = String::from(
        "# Template overrides\n\n\
         gen renders every file from templates built into it. To change one for\n\
         this repository, put a file of the same name here, e.g.\n\
         `templates/chart/backup-guide.md.tera`, starting from the built-in one\n\
         (`templates/` in gen's source). A file here that is not named after a\n\
         built-in template is an error. The built-in templates:\n\n",
    );
    for (name, _) in crate::render::EMBEDDED {
        s.push_str(&format!("- `{name}`\n"));
    }
    s
}

/// The files `gen init` writes, by relative path.
pub fn files() -> Vec<(String, String)> {
    vec![
        ("gen.toml".into(), gen_toml()),
        (".gitattributes".into(), GITATTRIBUTES.into()),
        (".gitignore".into(), GITIGNORE.into()),
        (".pre-commit-config.yaml".into(), PRE_COMMIT_CONFIG.into()),
        ("templates/README.md".into(), templates_readme()),
        (
            crate::kinds::repo_path(crate::kinds::Id::SpecSchema).into(),
            crate::project::schema_json(),
        ),
    ]
}

/// Creates `root` and `root/specs` and writes each missing file.
pub fn init(root: &Path) -> std::io::Result<Report> {
    let mut report = Report::default();
    let specs = root.join(crate::project::SPEC_DIR);
    std::fs::create_dir_all(&specs)
        .map_err(|e| std::io::Error::new(e.kind(), format!("creating specs/: {e}")))?;
    for (rel, text) in files() {
        let path = root.join(&rel);
        if path.exists() {
            report.kept.push(rel);
            continue;
        }
        crate::output::write_atomic(&path, text.as_bytes())
            .map_err(|e| std::io::Error::new(e.kind(), format!("writing {rel}: {e}")))?;
        report.written.push(rel);
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_what_is_missing_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        std::fs::create_dir_all(&root).unwrap();
        std::fs::write(root.join(".gitignore"), "target/\n").unwrap();
        let r = init(&root).unwrap();
        assert_eq!(r.kept, vec![".gitignore"]);
        assert_eq!(r.written.len(), files().len() - 1);
        assert_eq!(
            std::fs::read_to_string(root.join(".gitignore")).unwrap(),
            "target/\n"
        );
        assert!(root.join("specs").is_dir());
        let again = init(&root).unwrap();
        assert!(again.written.is_empty());
        let toml = std::fs::read_to_string(root.join("gen.toml")).unwrap();
        assert!(toml.contains("required_version = \">="), "{toml}");
        assert!(crate::config::check(&root).is_ok());
    }
}
