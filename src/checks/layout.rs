//! What would not fit the guides: markdownlint allows 80 columns, and
//! headings and inline code cannot wrap.

use crate::diagnostics::Diagnostic;
use crate::spec::snippets::uses;
use crate::spec::validate::{
    all_steps, MAX_CODE_SPAN, MAX_HEADING, MAX_RUN_LINE, MAX_WRITTEN_LINE,
};
use crate::spec::SpecFile;

pub fn heading_lengths(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let mut headings: Vec<(String, String)> = Vec::new();
    for (i, c) in s.backup.components.iter().enumerate() {
        headings.push((format!("backup.components[{i}].title"), c.title.clone()));
    }
    for (i, r) in s.restore.iter().enumerate() {
        headings.push((format!("restore[{i}].title"), r.title.clone()));
    }
    for (i, st) in s.upgrade.strategies.iter().enumerate() {
        headings.push((format!("upgrade.strategies[{i}].name"), st.name.clone()));
    }
    for (i, n) in s.upgrade.notes.iter().enumerate() {
        headings.push((
            format!("upgrade.notes[{i}]"),
            format!("From {} to {}", n.from, n.to),
        ));
    }
    for (path, text) in headings {
        let n = text.chars().count();
        if n > MAX_HEADING {
            out.push(
                file.warning_at(
                    &path,
                    format!("heading \"{text}\" is {n} characters; headings cannot wrap"),
                )
                .help(format!(
                    "keep it to {MAX_HEADING} characters and say the rest in the text"
                )),
            );
        }
    }
}

/// Every command of the spec, with its path: steps, operations and
/// troubleshooting (whose `error` is shown as printed, in a code block).
fn commands(file: &SpecFile) -> Vec<(String, &str)> {
    let s = &file.spec;
    let mut v: Vec<(String, &str)> = all_steps(s)
        .into_iter()
        .filter_map(|(path, st)| st.run.as_deref().map(|r| (format!("{path}.run"), r)))
        .collect();
    for (i, op) in s.operations.iter().enumerate() {
        v.push((format!("operations[{i}].run"), &op.run));
    }
    for (i, t) in s.troubleshooting.iter().enumerate() {
        v.push((format!("troubleshooting[{i}].error"), &t.error));
        if let Some(run) = &t.run {
            v.push((format!("troubleshooting[{i}].run"), run));
        }
    }
    v
}

/// The first line of each command longer than the guides allow: a line
/// of the spec's own text up to [`MAX_RUN_LINE`], a line gen wrote (a
/// snippet's, `{{pod}}`'s, a shared step's) up to [`MAX_WRITTEN_LINE`],
/// which with a step's indent is the guides' width.
pub fn run_lines(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, run) in commands(file) {
        let long = run.lines().enumerate().find_map(|(n, line)| {
            let width = line.chars().count();
            if width <= MAX_WRITTEN_LINE {
                return None;
            }
            match block_line(file, &path, n, line) {
                Some(at) => (width > MAX_RUN_LINE).then_some((n, width, Some(at))),
                // As hand-written:
                // printed output (a troubleshooting `error`), an operation's
                // recipe (a Makefile's, not a guide step's), or the spec's
                // own text that gen moved (after `{{pod}}`).
                None if path.ends_with(".error")
                    || path.starts_with("operations[")
                    || own_text(file, &path, n, line) =>
                {
                    (width > MAX_RUN_LINE).then_some((n, width, None))
                }
                None => Some((n, width, None)),
            }
        });
        let Some((n, width, at)) = long else {
            continue;
        };
        let warning = match at {
            // In a `run: |` block the command's line is a line of the file:
            // point at the first column past the limit.
            Some((at, indent)) => Diagnostic::warning(
                &file.rel,
                format!("this command line is {width} columns; the guides allow {MAX_RUN_LINE}"),
            )
            .at(at, indent + MAX_RUN_LINE + 1)
            .with_source(&file.source)
            .help("break it with a trailing backslash"),
            // A fragment's line: at the `{{use}}` line that brings it in.
            None if of_fragment(file, &path, n, run.lines().nth(n).unwrap_or("")) => {
                let (line, col) = file.text_line(&path, n);
                Diagnostic::warning(
                    &file.rel,
                    format!("a line of the fragment used here is {width} columns; the guides allow {MAX_RUN_LINE}"),
                )
                .at(line, col)
                .with_source(&file.source)
                .help("break it in the fragment with a trailing backslash, or use it less indented")
            }
            // A line gen wrote: at the `{{use}}` (or `{{pod}}`) line it
            // comes from, else at the step that `use:`s a snippet.
            None => {
                let (line, col) = file.text_line(&path, n);
                Diagnostic::warning(
                    &file.rel,
                    format!(
                        "a command line gen writes here is {width} columns; a guide's \
step allows {MAX_WRITTEN_LINE} (76 with its indent)"
                    ),
                )
                .at(line, col)
                .with_source(&file.source)
                .help(
                    "shorten the snippet's parameters (a variable for a long selector \
or pattern), or break the line before the `{{use}}` where it is your text",
                )
            }
        };
        out.push(warning);
    }
}

/// The source line that line `n` of the text at `path` comes from.
fn source_line<'a>(file: &'a SpecFile, path: &str, n: usize) -> Option<&'a str> {
    let (line, _) = file.text_line(path, n);
    file.source.lines().nth(line.saturating_sub(1))
}

/// Whether line `n` of the text at `path` is the spec's own text, found
/// on the source line it comes from, or a line of a fragment.
fn own_text(file: &SpecFile, path: &str, n: usize, text: &str) -> bool {
    let text = text.trim();
    !text.is_empty()
        && (source_line(file, path, n).is_some_and(|l| l.contains(text))
            || of_fragment(file, path, n, text))
}

/// Whether line `n` of the text at `path` is a line of the spec's
/// `fragments` that a `{{use}}` of a fragment on its source line brought in.
fn of_fragment(file: &SpecFile, path: &str, n: usize, text: &str) -> bool {
    let frags = &file.spec.fragments;
    let text = text.trim();
    source_line(file, path, n).is_some_and(|l| uses(l).iter().any(|u| frags.contains_key(u)))
        && frags.values().any(|f| f.lines().any(|l| l.trim() == text))
}

/// The file line (1-based) and indentation of line `n` of the literal block
/// scalar (`key: |`) at `path`, when the file shows it there: never for
/// a shared `use:` step's lines, which the block's own follow.
fn block_line(file: &SpecFile, path: &str, n: usize, text: &str) -> Option<(usize, usize)> {
    let n = file.positions.in_shared(path, n).ok()?;
    let (key_line, key_col) = file.positions.get(path);
    let n = file.positions.source_line((key_line, key_col), n);
    let lines: Vec<&str> = file.source.lines().collect();
    let head = lines.get(key_line.checked_sub(1)?)?;
    let after = head.split_once(':')?.1.trim_start();
    if !after.starts_with('|') {
        return None;
    }
    let shown = lines.get(key_line + n)?;
    let own = text.len() - text.trim_start().len();
    let block_indent = (shown.len() - shown.trim_start().len()).checked_sub(own)?;
    (shown.get(block_indent..) == Some(text)).then_some((key_line + n + 1, block_indent))
}

/// Long inline code in prose fields; such text belongs in a step's `run`,
/// where it is shown as a code block.
pub fn code_spans(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    fn walk(v: &serde_json::Value, path: String, found: &mut Vec<(String, usize)>) {
        match v {
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    if k != "run" && k != "url" {
                        let p = if path.is_empty() {
                            k.clone()
                        } else {
                            format!("{path}.{k}")
                        };
                        walk(v, p, found);
                    }
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{path}[{i}]"), found);
                }
            }
            serde_json::Value::String(s) => {
                let longest = s
                    .split('`')
                    .skip(1)
                    .step_by(2)
                    .map(|c| c.chars().count())
                    .max();
                if let Some(n) = longest.filter(|n| *n > MAX_CODE_SPAN) {
                    found.push((path, n));
                }
            }
            _ => {}
        }
    }
    let mut found = Vec::new();
    if let Ok(v) = serde_json::to_value(&file.spec) {
        walk(&v, String::new(), &mut found);
    }
    for (path, n) in found {
        out.push(
            file.warning_at(
                &path,
                format!("inline code of {n} characters cannot wrap within the guides' 80 columns"),
            )
            .help(format!(
                "shorten it to {MAX_CODE_SPAN} or fewer, or move it into a step's `run`"
            )),
        );
    }
}
