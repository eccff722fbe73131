//! Every message a user reads about their input: one type, one format.
//!
//! A diagnostic names `file:line:column`, says what is wrong, shows the line,
//! and says how to fix it, in the layout compilers use so editors and CI can
//! jump to it.

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// The id of the check that found it (see `gen checks`), e.g.
    /// `restore.no-full`; None for errors of reading and parsing. A
    /// reference to the table's own id, a thin pointer, for the same reason
    /// as `help`'s type.
    pub code: Option<&'static &'static str>,
    /// Path relative to the project root, with `/` separators.
    pub file: String,
    /// 1-based; 0 when the problem is about the whole file.
    pub line: usize,
    /// 1-based; 0 when unknown.
    pub column: usize,
    pub message: String,
    /// How to fix it. A `Box<str>`, 8 bytes smaller than a String: the
    /// diagnostic stays small enough to return in a `Result`.
    pub help: Option<Box<str>>,
    /// The source line the location points into, for display.
    pub snippet: Option<String>,
}

impl Diagnostic {
    pub fn error(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Error,
            code: None,
            file: file.into(),
            line: 0,
            column: 0,
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    pub fn warning(file: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(file, message)
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.line = line;
        self.column = column;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into().into_boxed_str());
        self
    }

    /// Attaches the source line the diagnostic points at.
    pub fn with_source(mut self, source: &str) -> Self {
        if self.line > 0 {
            self.snippet = source
                .lines()
                .nth(self.line - 1)
                .map(|l| l.trim_end_matches('\r').to_string());
        }
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// `file:line:column`, leaving out what is unknown.
    pub fn location(&self) -> String {
        match (self.line, self.column) {
            (0, _) => self.file.clone(),
            (l, 0) => format!("{}:{l}", self.file),
            (l, c) => format!("{}:{l}:{c}", self.file),
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        match self.code {
            Some(code) => writeln!(f, "{label}[{code}]: {}", self.message)?,
            None => writeln!(f, "{label}: {}", self.message)?,
        }
        writeln!(f, "  --> {}", self.location())?;
        if let Some(snippet) = &self.snippet {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let shown: String = snippet.chars().take(160).collect();
            writeln!(f, " {pad} |")?;
            writeln!(f, " {num} | {shown}")?;
            if self.column > 0 {
                let caret_pad: String = shown
                    .chars()
                    .take(self.column - 1)
                    .map(|c| if c == '\t' { '\t' } else { ' ' })
                    .collect();
                writeln!(f, " {pad} | {caret_pad}^")?;
            }
        }
        if let Some(help) = &self.help {
            writeln!(f, "  = help: {help}")?;
        }
        Ok(())
    }
}

/// The 1-based line and column (in characters) of byte `offset` of
/// `bytes`, which need not be valid UTF-8 past it.
pub fn line_col(bytes: &[u8], offset: usize) -> (usize, usize) {
    let before = &bytes[..offset.min(bytes.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count()
        + 1;
    (line, col)
}

/// `bytes` as text, or an error at the line and column of the first byte
/// that is not UTF-8.
pub fn utf8(rel: &str, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    String::from_utf8(bytes).map_err(|e| {
        let bytes = e.as_bytes();
        let (line, col) = line_col(bytes, e.utf8_error().valid_up_to());
        Diagnostic::error(rel, "file is not valid UTF-8")
            .at(line, col)
            .help("save it as UTF-8")
            .with_source(&String::from_utf8_lossy(bytes))
    })
}

/// Sorts diagnostics by file, then position, then message, so output is stable.
pub fn sort(diags: &mut [Diagnostic]) {
    diags.sort_by(|a, b| {
        (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message))
    });
}

/// The closest candidate to `word`, if any is close enough to be a likely typo.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_shows_location_line_caret_and_help() {
        let d = Diagnostic::error("specs/a.yaml", "unknown field `intervl`")
            .at(2, 3)
            .help("did you mean `interval`?")
            .with_source("name: a\n  intervl: 5m\n");
        let text = d.to_string();
        assert!(text.contains("--> specs/a.yaml:2:3"), "{text}");
        assert!(text.contains(" 2 |   intervl: 5m"), "{text}");
        assert!(text.contains("   |   ^"), "{text}");
        assert!(text.contains("= help: did you mean `interval`?"), "{text}");
    }

    #[test]
    fn invalid_utf8_is_located_at_its_first_bad_byte() {
        let d = utf8(
            "charts/a/README.md",
            b"# A\nok \xc3\xa9 then \xff here\n".to_vec(),
        )
        .unwrap_err();
        assert_eq!((d.line, d.column), (2, 11), "{d}");
        assert!(d.to_string().contains("README.md:2:11"), "{d}");
        assert_eq!(utf8("x", b"fine".to_vec()).unwrap(), "fine");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("intervl", ["interval", "id", "title"]),
            Some("interval")
        );
        assert_eq!(did_you_mean("zzz", ["interval", "id"]), None);
    }
}
