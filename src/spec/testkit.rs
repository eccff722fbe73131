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
