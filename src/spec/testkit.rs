//! Test support the spec's built-in tables share (snippets, known errors):
//! shellcheck over a generated script, and the check that
//! `docs/spec-format.md` documents each entry with its parameters.

use super::snippets::Param;

/// Runs shellcheck (POSIX sh, `excluded` codes off) over `script`: `None`
/// when shellcheck is not installed, which fails under `CI=true`
/// (`scripts/test` installs it); else whether it passed, and its report.
pub fn shellcheck(script: &str, excluded: &str) -> Option<(bool, String)> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    if Command::new("shellcheck")
        .arg("--version")
        .output()
        .is_err()
    {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "shellcheck is missing (scripts/test installs it)"
        );
        eprintln!("skipped: shellcheck missing");
        return None;
    }
    let mut args = vec!["-s", "sh"];
    if !excluded.is_empty() {
        args.extend(["-e", excluded]);
    }
    args.push("-");
    let out = Command::new("shellcheck")
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(script.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    Some((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    ))
}

/// Asserts that `docs/spec-format.md` has an item "- `NAME`: " whose text
/// names every parameter in backquotes.
pub fn assert_documented(name: &str, params: &[Param]) {
    let doc = include_str!("../../docs/spec-format.md");
    let head = format!("- `{name}`: ");
    let at = doc
        .find(&head)
        .unwrap_or_else(|| panic!("no item for `{name}` in docs/spec-format.md"));
    let rest = &doc[at + head.len()..];
    let item = &rest[..rest
        .find("\n- ")
        .or(rest.find("\n\n"))
        .unwrap_or(rest.len())];
    for p in params {
        assert!(
            item.contains(&format!("`{}`", p.name)),
            "{name}: `{}` undocumented in docs/spec-format.md",
            p.name
        );
    }
}

mod edited;
pub use edited::edited;

/// This repository's `specs/<chart>.yaml` with `edits` (see [`edited`]),
/// parsed as `gen` parses it here (with gen.toml's `[repository]`).
pub fn shipped(chart: &str, edits: &[(&str, &str)]) -> super::SpecFile {
    let root = env!("CARGO_MANIFEST_DIR");
    let src = std::fs::read_to_string(format!("{root}/specs/{chart}.yaml")).unwrap();
    let src = edited(&src, edits);
    super::parse_at(
        root.as_ref(),
        &format!("specs/{chart}.yaml"),
        src.as_bytes(),
    )
    .unwrap()
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_edit_replaces_its_one_place() {
        assert_eq!(
            super::edited("a: 1\nb: 2\n", &[("b: 2", "b: 3")]),
            "a: 1\nb: 3\n"
        );
    }

    #[test]
    #[should_panic(expected = "0 times, not once")]
    fn an_edit_of_text_that_is_not_there_fails() {
        super::edited("a: 1\n", &[("b: 2", "b: 3")]);
    }

    #[test]
    #[should_panic(expected = "2 times, not once")]
    fn an_edit_of_text_that_is_there_twice_fails() {
        super::edited("x\nx\n", &[("x", "y")]);
    }
}
