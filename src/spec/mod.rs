//! Chart specs: types, loading and validation.
//!
//! serde_yaml is archived upstream; it is used only inside this module, so it
//! can be swapped without touching the rest of gen.

pub mod cron;
pub mod duration;
pub mod positions;
pub mod profile;
pub mod runbook;
pub mod share;
pub mod shell;
pub mod types;
pub mod validate;

pub use duration::Duration;
pub use positions::Positions;
pub use types::*;

use crate::diagnostics::{did_you_mean, Diagnostic};

/// Largest spec file gen reads; anything bigger is a mistake, not a chart.
pub const MAX_SPEC_BYTES: usize = 1 << 20;

/// A parsed spec with what is needed to point back into its source.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// Path relative to the project root, e.g. `specs/postgresql.yaml`.
    pub rel: String,
    pub source: String,
    pub spec: Spec,
    pub positions: Positions,
}

impl SpecFile {
    /// An error located at `path` in this spec (see [`Positions`]).
    pub fn error_at(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.positions.get(path);
        Diagnostic::error(&self.rel, message)
            .at(line, col)
            .with_source(&self.source)
    }

    pub fn warning_at(&self, path: &str, message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.positions.get(path);
        Diagnostic::warning(&self.rel, message)
            .at(line, col)
            .with_source(&self.source)
    }

    /// An error at line `n` (0-based) of the text at `path`, e.g. one
    /// command of a `run: |` block.
    pub fn error_in_text(&self, path: &str, n: usize, message: impl Into<String>) -> Diagnostic {
        let (line, col) = self.text_line(path, n);
        Diagnostic::error(&self.rel, message)
            .at(line, col)
            .with_source(&self.source)
    }

    /// `(line, column)`, 1-based, of line `n` (0-based) of the text at
    /// `path`, at its first non-blank character: in a block scalar (`|` or
    /// `>`) the lines below the key, in a one-line value the value itself.
    /// Anything else gives the position of the key.
    pub fn text_line(&self, path: &str, n: usize) -> (usize, usize) {
        let (line, col) = self.positions.get(path);
        let key_line = self
            .source
            .lines()
            .nth(line.saturating_sub(1))
            .unwrap_or("");
        let after = key_line
            .get(col.saturating_sub(1)..)
            .and_then(|rest| rest.split_once(':'))
            .map_or("", |(_, v)| v);
        let value = after.trim_start();
        if !value.starts_with(['|', '>']) {
            return if n == 0 && !value.trim().is_empty() {
                let at = key_line.len() - value.len();
                (line, key_line[..at].chars().count() + 1)
            } else {
                (line, col)
            };
        }
        match self.source.lines().nth(line + n) {
            Some(l) if !l.trim().is_empty() => (line + 1 + n, l.len() - l.trim_start().len() + 1),
            _ => (line, col),
        }
    }
}

/// Parses one spec file from raw bytes. Never panics; every problem becomes a
/// diagnostic pointing into the file.
pub fn parse(rel: &str, bytes: &[u8]) -> Result<SpecFile, Diagnostic> {
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(Diagnostic::error(
            rel,
            format!("spec is {} bytes, more than the 1 MiB limit", bytes.len()),
        )
        .help("a chart spec is a few hundred lines; check that this is the right file"));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let (line, col) = crate::diagnostics::line_col(bytes, e.valid_up_to());
            return Err(Diagnostic::error(rel, "spec is not valid UTF-8")
                .at(line, col)
                .help("save the file as UTF-8"));
        }
    };
    if let Some(i) = text.find('\0') {
        let (line, col) = crate::diagnostics::line_col(bytes, i);
        return Err(Diagnostic::error(rel, "spec contains a NUL byte")
            .at(line, col)
            .help("remove the NUL byte; specs are plain text"));
    }
    // YAML reads a lone CR as a line break, editors, diffs and gen's own
    // line numbers do not: the file would mean something other than it
    // shows, and every location after it would be off.
    if let Some(i) = text
        .match_indices('\r')
        .map(|(i, _)| i)
        .find(|&i| bytes.get(i + 1) != Some(&b'\n'))
    {
        let (line, col) = crate::diagnostics::line_col(bytes, i);
        return Err(Diagnostic::error(
            rel,
            "spec contains a carriage return that does not end a line",
        )
        .at(line, col)
        .help("save the file with LF or CRLF line endings"));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let positions = Positions::index(text);
    // libyaml (inside serde_yaml) takes seconds on tens of thousands of
    // unclosed brackets; the event parser stops at its recursion limit at once.
    if let Some((line, col)) = positions.too_deep {
        return Err(Diagnostic::error(rel, "spec nests too deeply")
            .at(line, col)
            .help("a spec nests about six levels; check for unclosed brackets")
            .with_source(text));
    }
    if let Some((line, col)) = positions.second_document {
        return Err(
            Diagnostic::error(rel, "spec has more than one YAML document")
                .at(line, col)
                .help("a spec is one YAML document: remove the `---` separator and what follows")
                .with_source(text),
        );
    }
    let mut spec: Spec = serde_yaml::from_str(text).map_err(|e| yaml_error(rel, text, &e))?;
    let mut positions = positions;
    profile::expand(&mut spec, &mut positions);
    share::expand(&mut spec, &mut positions);
    Ok(SpecFile {
        rel: rel.to_string(),
        source: text.to_string(),
        positions,
        spec,
    })
}

/// Turns a serde_yaml error into a diagnostic with a location and a fix.
fn yaml_error(rel: &str, text: &str, e: &serde_yaml::Error) -> Diagnostic {
    let full = e.to_string();
    // serde_yaml appends " at line L column C"; the location is shown separately.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full.clone(),
    };
    let mut d = Diagnostic::error(rel, message.clone());
    if let Some(loc) = e.location() {
        // libyaml also breaks lines at U+0085, U+2028 and U+2029; count
        // lines as the rest of gen does, from the byte offset.
        let (line, col) = crate::diagnostics::line_col(text.as_bytes(), loc.index());
        // At the end of input that is the line after the last one; point at
        // the end of the last line, which the reader can see.
        let last = text.lines().count().max(1);
        d = if line > last {
            d.at(
                last,
                text.lines().last().map_or(0, |l| l.chars().count()) + 1,
            )
        } else {
            d.at(line, col)
        };
    }
    let line_text = text.lines().nth(d.line.saturating_sub(1)).unwrap_or("");
    let help = if let Some(word) = between(&message, "unknown field `", "`") {
        let expected = expected_names(&message);
        match did_you_mean(word, expected.iter().map(String::as_str)) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None if !expected.is_empty() => Some(format!(
                "remove it; the keys allowed here are {}",
                expected.join(", ")
            )),
            None => Some("remove it; no keys are allowed here".into()),
        }
    } else if let Some(word) = between(&message, "unknown variant `", "`") {
        let expected = expected_names(&message);
        match did_you_mean(word, expected.iter().map(String::as_str)) {
            Some(s) => Some(format!("did you mean `{s}`?")),
            None => Some(format!("use one of {}", expected.join(", "))),
        }
    } else if let Some(field) = between(&message, "missing field `", "`") {
        Some(format!("add `{field}:` here; see docs/spec-format.md"))
    } else if message.contains("more than one document") {
        Some("a spec is one YAML document: remove the `---` separator and what follows".into())
    } else if line_text.contains('\t') {
        Some("YAML indentation uses spaces; replace the tab characters".into())
    } else if message.contains("invalid type") {
        Some(
            "check the value's type against docs/spec-format.md (quote strings like \"16.11\")"
                .into(),
        )
    } else if message.contains("recursion limit") || message.contains("repetition limit") {
        Some("the document nests or repeats aliases too deeply; write the values out".into())
    } else {
        None
    };
    if let Some(h) = help {
        d = d.help(h);
    }
    d.with_source(text)
}

fn between<'a>(text: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let i = text.find(start)? + start.len();
    let j = text[i..].find(end)? + i;
    Some(&text[i..j])
}

/// The names listed after "expected one of" / "expected" in a serde message.
fn expected_names(message: &str) -> Vec<String> {
    let Some(i) = message.find("expected") else {
        return Vec::new();
    };
    message[i..]
        .split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> Diagnostic {
        parse("specs/x.yaml", src.as_bytes()).unwrap_err()
    }

    #[test]
    fn invalid_yaml_is_located() {
        let d = err("name: x\ntitle: [unclosed\n");
        assert!(d.line >= 2, "{d}");
        assert_eq!(d.file, "specs/x.yaml");
    }

    #[test]
    fn unknown_field_suggests() {
        let d = err("name: x\ntitel: X\n");
        assert!(d.message.contains("unknown field `titel`"), "{d}");
        assert_eq!((d.line, d.column), (2, 1));
        assert_eq!(d.help.as_deref(), Some("did you mean `title`?"));
    }

    #[test]
    fn bad_bytes() {
        let d = parse("specs/x.yaml", b"name: x\n\xff\n").unwrap_err();
        assert_eq!((d.line, d.column), (2, 1));
        assert!(d.message.contains("UTF-8"));
        let d = parse("specs/x.yaml", b"name: x\0\n").unwrap_err();
        assert!(d.message.contains("NUL"));
        assert_eq!((d.line, d.column), (1, 8));
    }

    #[test]
    fn tabs_get_help() {
        let d = err("name: x\nworkload:\n\tkind: Deployment\n");
        assert!(d.help.unwrap().contains("tab"));
    }
}
