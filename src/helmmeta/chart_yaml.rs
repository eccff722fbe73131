//! gen's two lines of business in a hand-owned Chart.yaml:
//!
//! - the top-level `version:` line, updated in place to the spec's
//!   `chart_version.to` (its quoting, spacing, comment and line ending
//!   kept);
//! - the region `artifacthub` inside `annotations:`, between
//!   `# gen:begin artifacthub` and `# gen:end artifacthub`, holding the
//!   `artifacthub.io/changes` annotation.
//!
//! Every other byte is the maintainer's. Chart.yaml was scaffolded by gen
//! and, unlike a README, has exactly one right place for the region, so a
//! Chart.yaml with neither marker gets them added once: right under a
//! block `annotations:` key, or in a new `annotations:` key at the end of
//! the file. A file with one marker but not the other, the region outside
//! `annotations:`, a flow-style `annotations: {...}`, or its own
//! `artifacthub.io/changes` outside the region is an error, and nothing is
//! written.

use crate::diagnostics::Diagnostic;
use crate::regions::{self, Style};

pub const REGION: &str = "artifacthub";

/// The new text of Chart.yaml. `annotations` is the region's content,
/// unindented (one `key: value` per top line); it is indented to the
/// markers' column.
pub fn update(
    rel: &str,
    existing: &str,
    version: &str,
    annotations: &str,
    spec_rel: &str,
) -> Result<String, Diagnostic> {
    let err = |line: usize, msg: String, help: String| {
        Diagnostic::error(rel, msg)
            .at(line, 1)
            .help(help)
            .with_source(existing)
    };
    // Checked on the file as it is, so lines are the maintainer's.
    let lines: Vec<&str> = existing.split_inclusive('\n').collect();
    let begin = Style::Hash.begin(REGION);
    let end = Style::Hash.end(REGION);
    let begin_at = lines.iter().position(|l| l.trim() == begin);
    let end_at = lines.iter().position(|l| l.trim() == end);
    let mut indent = "  ".to_string();
    if let Some(b) = begin_at {
        let line = lines[b];
        indent = line[..line.len() - line.trim_start().len()].to_string();
        let parent = lines[..b]
            .iter()
            .rev()
            .find(|l| is_top_level(l))
            .map(|l| top_key(l));
        if indent.is_empty() || parent != Some("annotations") {
            return Err(err(
                b + 1,
                "the artifacthub region is not inside `annotations:`".into(),
                "move both marker lines, indented, under the top-level `annotations:` key".into(),
            ));
        }
    }
    // An artifacthub.io/changes of the maintainer's would be a duplicate key.
    for (i, l) in lines.iter().enumerate() {
        let inside = matches!((begin_at, end_at), (Some(b), Some(e)) if b < i && i < e);
        let key = l.trim_start().trim_start_matches(['"', '\'']);
        if !inside && key.starts_with("artifacthub.io/changes") {
            return Err(err(
                i + 1,
                "Chart.yaml sets artifacthub.io/changes outside gen's region".into(),
                format!("gen writes it from `upgrade.changes` in {spec_rel}: move the entries there and delete these lines"),
            ));
        }
    }
    let text = ensure_region(rel, existing)?;
    if begin_at.is_none() {
        // Added by ensure_region: indented like the annotations around it.
        if let Some(l) = text.lines().find(|l| l.trim() == begin) {
            indent = l[..l.len() - l.trim_start().len()].to_string();
        }
    }
    let content: String = annotations
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!("{indent}{l}\n"))
        .collect();
    let merged = regions::merge(rel, &text, Style::Hash, &[(REGION, content)])?;
    set_version(rel, &merged, version, spec_rel)
}

/// A line that opens a top-level key (not blank, not a comment, column 0).
fn is_top_level(line: &str) -> bool {
    let t = line.trim_end();
    !t.is_empty()
        && !line.starts_with([' ', '\t', '#'])
        && !t.starts_with("---")
        && !t.starts_with("...")
}

fn top_key(line: &str) -> &str {
    line.split(':').next().unwrap_or("").trim()
}

/// What follows `key:` on a top-level line, without a trailing comment.
fn inline_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let rest = line.trim_end().strip_prefix(key)?.trim_start();
    let rest = rest.strip_prefix(':')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let rest = rest.trim_start();
    Some(if rest.starts_with('#') { "" } else { rest })
}

/// Adds the two markers when the file has neither.
fn ensure_region(rel: &str, text: &str) -> Result<String, Diagnostic> {
    let has = |m: &str| text.lines().any(|l| l.trim() == m);
    if has(&Style::Hash.begin(REGION)) || has(&Style::Hash.end(REGION)) {
        return Ok(text.to_string());
    }
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let annotations = lines
        .iter()
        .position(|l| is_top_level(l) && top_key(l) == "annotations");
    let Some(a) = annotations else {
        let mut out = text.to_string();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str(eol);
        }
        for l in [
            "annotations:",
            "  # gen:begin artifacthub",
            "  # gen:end artifacthub",
        ] {
            out.push_str(l);
            out.push_str(eol);
        }
        return Ok(out);
    };
    if inline_value(lines[a], "annotations").is_none_or(|v| !v.is_empty()) {
        return Err(Diagnostic::error(
            rel,
            "`annotations:` is not a block mapping, so gen cannot add its artifacthub region",
        )
        .at(a + 1, 1)
        .help("write the annotations one per line under `annotations:`, with these two lines among them:\n    # gen:begin artifacthub\n    # gen:end artifacthub")
        .with_source(text));
    }
    // Indent like the first annotation, else two spaces.
    let indent = lines[a + 1..]
        .iter()
        .find(|l| !l.trim().is_empty())
        .filter(|l| l.starts_with([' ', '\t']))
        .map_or("  ".to_string(), |l| {
            l[..l.len() - l.trim_start().len()].to_string()
        });
    let mut out: String = lines[..=a].concat();
    if !out.ends_with('\n') {
        out.push_str(eol);
    }
    out.push_str(&format!(
        "{indent}# gen:begin artifacthub{eol}{indent}# gen:end artifacthub{eol}"
    ));
    out.push_str(&lines[a + 1..].concat());
    Ok(out)
}

/// The top-level `version:` value, unquoted, and where it sits.
fn find_version(text: &str) -> Vec<(usize, &str)> {
    text.split_inclusive('\n')
        .enumerate()
        .filter(|(_, l)| is_top_level(l) && top_key(l) == "version")
        .collect()
}

/// The chart version a Chart.yaml declares, if it has exactly one
/// top-level `version:` line with a value.
pub fn version_of(text: &str) -> Option<String> {
    let [(_, line)] = find_version(text)[..] else {
        return None;
    };
    let v = inline_value(line, "version")?;
    let v = split_value(v).0;
    let v = v.trim_matches(|c| c == '"' || c == '\'');
    (!v.is_empty()).then(|| v.to_string())
}

/// `(value, rest)`: a quoted or plain scalar and what follows it.
fn split_value(v: &str) -> (&str, &str) {
    for q in ['"', '\''] {
        if let Some(body) = v.strip_prefix(q) {
            if let Some(j) = body.find(q) {
                return (&v[..j + 2], &v[j + 2..]);
            }
        }
    }
    match v.find(" #").or_else(|| v.find("\t#")) {
        Some(j) => (v[..j].trim_end(), &v[v[..j].trim_end().len()..]),
        None => (v.trim_end(), &v[v.trim_end().len()..]),
    }
}

fn set_version(rel: &str, text: &str, version: &str, spec_rel: &str) -> Result<String, Diagnostic> {
    let found = find_version(text);
    let (i, line) = match found.as_slice() {
        [one] => *one,
        [] => {
            return Err(
                Diagnostic::error(rel, "Chart.yaml has no top-level `version:`").help(format!(
                "add `version: {version}`; gen keeps it equal to chart_version.to in {spec_rel}"
            )),
            )
        }
        [_, second, ..] => {
            return Err(
                Diagnostic::error(rel, "Chart.yaml has more than one top-level `version:`")
                    .at(second.0 + 1, 1)
                    .help("keep one")
                    .with_source(text),
            )
        }
    };
    let Some(value) = inline_value(line, "version").filter(|v| !v.is_empty()) else {
        return Err(
            Diagnostic::error(rel, "`version:` has no value on its line")
                .at(i + 1, 1)
                .help(format!("write it on one line: `version: {version}`"))
                .with_source(text),
        );
    };
    let (old, _) = split_value(value);
    let new = match old.chars().next() {
        Some(q @ ('"' | '\'')) => format!("{q}{version}{q}"),
        _ => version.to_string(),
    };
    let start: usize = text.split_inclusive('\n').take(i).map(str::len).sum();
    // `value` is a slice of `line`: its offset is the pointers' distance.
    let value_at = start + (value.as_ptr() as usize - line.as_ptr() as usize);
    let mut out = String::with_capacity(text.len() + 8);
    out.push_str(&text[..value_at]);
    out.push_str(&new);
    out.push_str(&text[value_at + old.len()..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHANGES: &str = "artifacthub.io/changes: |\n  - kind: added\n    description: \"x\"\n";

    fn up(text: &str) -> Result<String, Diagnostic> {
        update(
            "charts/a/Chart.yaml",
            text,
            "0.5.0",
            CHANGES,
            "specs/a.yaml",
        )
    }

    #[test]
    fn adds_the_region_once_and_keeps_every_other_byte() {
        let src =
            "# mine\napiVersion: v2\nname: a\nversion: 0.4.0 # bumped by gen\nappVersion: \"1\"\n";
        let out = up(src).unwrap();
        assert_eq!(
            out,
            "# mine\napiVersion: v2\nname: a\nversion: 0.5.0 # bumped by gen\nappVersion: \"1\"\nannotations:\n  # gen:begin artifacthub\n  artifacthub.io/changes: |\n    - kind: added\n      description: \"x\"\n  # gen:end artifacthub\n"
        );
        assert_eq!(up(&out).unwrap(), out, "idempotent");
    }

    #[test]
    fn goes_under_existing_annotations_with_their_indent_and_crlf() {
        let src =
            "version: \"0.4.0\"\r\nannotations:\r\n    category: Database\r\nkeywords: [a]\r\n";
        let out = up(src).unwrap();
        assert_eq!(
            out,
            "version: \"0.5.0\"\r\nannotations:\r\n    # gen:begin artifacthub\r\n    artifacthub.io/changes: |\r\n      - kind: added\r\n        description: \"x\"\r\n    # gen:end artifacthub\r\n    category: Database\r\nkeywords: [a]\r\n"
        );
        assert_eq!(version_of(&out).as_deref(), Some("0.5.0"));
    }

    #[test]
    fn empty_changes_leave_an_empty_region() {
        let out = update("c", "version: '1.0.0'\n", "1.0.0", "\n", "s").unwrap();
        assert_eq!(
            out,
            "version: '1.0.0'\nannotations:\n  # gen:begin artifacthub\n  # gen:end artifacthub\n"
        );
    }

    #[test]
    fn errors_are_located() {
        let cases = [
            (
                "version: 1.0.0\nannotations: {a: b}\n",
                2,
                "not a block mapping",
            ),
            (
                "version: 1.0.0\n# gen:begin artifacthub\n# gen:end artifacthub\n",
                2,
                "not inside `annotations:`",
            ),
            (
                "version: 1.0.0\nname: x\n  # gen:begin artifacthub\n  # gen:end artifacthub\n",
                3,
                "not inside `annotations:`",
            ),
            (
                "version: 1.0.0\nannotations:\n  # gen:begin artifacthub\n",
                3,
                "never closed",
            ),
            (
                "version: 1.0.0\nannotations:\n  artifacthub.io/changes: x\n",
                3,
                "outside gen's region",
            ),
            ("name: x\n", 0, "no top-level `version:`"),
            ("version: 1.0.0\nversion: 1.0.1\n", 2, "more than one"),
            ("version:\n  1.0.0\n", 1, "no value"),
        ];
        for (src, line, want) in cases {
            let e = up(src).unwrap_err();
            assert!(e.message.contains(want), "{src:?}: {e}");
            assert_eq!(e.line, line, "{src:?}: {e}");
        }
    }

    #[test]
    fn reads_versions() {
        assert_eq!(
            version_of("name: a\nversion: 0.4.0\n").as_deref(),
            Some("0.4.0")
        );
        assert_eq!(
            version_of("version: \"1.2.3\" # x\n").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(version_of("  version: 1\n"), None);
        assert_eq!(version_of("description: |\n  version: 2\n"), None);
    }
}
