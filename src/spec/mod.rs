//! Chart specs: types, loading and validation.
//!
//! serde_yaml is archived upstream; it is used only inside this module, so it
//! can be swapped without touching the rest of gen.

pub mod cron;
pub mod duration;
pub mod jobs;
pub mod known_errors;
pub mod make_call;
pub mod pod_exec;
pub mod positions;
pub mod procedures;
pub mod profile;
pub mod rbac_change;
pub mod runbook;
pub mod share;
pub mod shell;
pub mod snippets;
#[cfg(test)]
pub(crate) mod testkit;
pub mod tools;
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
    /// The gen.toml settings it was parsed with: with `source`, what
    /// `spec` follows from (snippets take their defaults from them).
    pub context: Context,
    /// The spec's `fragments` that a `{{use}}` line expanded, directly or
    /// through another fragment (the check `fragments.unused` reads it).
    pub fragments_used: std::collections::BTreeSet<String>,
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
    /// command of a `run: |` block. Every finding in a text is located
    /// here: one in the lines of a shared `use:` entry points at the `use:`
    /// line and says that the shared text is at fault.
    pub fn error_in_text(&self, path: &str, n: usize, message: impl Into<String>) -> Diagnostic {
        self.error_in_recipe(path, n, message, None)
    }

    /// [`Self::error_in_text`] for a finding in the recipe of `via` (`make
    /// TARGET`), which line `n` runs: one note says both where the recipe
    /// is and, when the `make` line is shared text, whose it is.
    pub fn error_in_recipe(
        &self,
        path: &str,
        n: usize,
        message: impl Into<String>,
        via: Option<&str>,
    ) -> Diagnostic {
        let (line, col) = self.text_line(path, n);
        let message = message.into();
        let message = match (via, self.positions.in_shared(path, n)) {
            (None, Ok(_)) => message,
            (None, Err(s)) => format!("{message} ({})", s.note()),
            (Some(v), Ok(_)) => format!("{message} (in `{v}`)"),
            (Some(v), Err(s)) => format!("{message} (in `{v}`, run by {})", s.source()),
        };
        Diagnostic::error(&self.rel, message)
            .at(line, col)
            .with_source(&self.source)
    }

    /// `(line, column)`, 1-based, of line `n` (0-based) of the text at
    /// `path`, at its first non-blank character: in a block scalar (`|` or
    /// `>`) the lines below the key, in a one-line value the value itself.
    /// Anything else gives the position of the key.
    /// A line of a shared `use:` entry's text is at its `use:` line.
    pub fn text_line(&self, path: &str, n: usize) -> (usize, usize) {
        let n = match self.positions.in_shared(path, n) {
            Err(s) => return s.at,
            Ok(own) => own,
        };
        let (line, col) = self.positions.get(path);
        let n = self.positions.source_line((line, col), n);
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

/// What a spec's parse takes from the project besides the file: the
/// gen.toml settings that snippet parameters default to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Context {
    /// `[repository]`: `chart-available`'s `repo` and `url`.
    pub repository: Option<crate::config::Repository>,
}

impl Context {
    /// The context of a project's settings.
    pub fn of(settings: &crate::config::Settings) -> Context {
        Context {
            repository: settings.repository.clone(),
        }
    }
}

/// Parses one spec file from raw bytes, without project settings (see
/// [`parse_in`]).
pub fn parse(rel: &str, bytes: &[u8]) -> Result<SpecFile, Diagnostic> {
    parse_in(rel, bytes, &Context::default())
}

/// [`parse_in`] with the settings of the project at `root`: its gen.toml,
/// or none when it has none or it does not parse (which `gen check`
/// reports).
pub fn parse_at(root: &std::path::Path, rel: &str, bytes: &[u8]) -> Result<SpecFile, Diagnostic> {
    let settings = crate::config::settings(root).unwrap_or_default();
    parse_in(rel, bytes, &Context::of(&settings))
}

/// Parses one spec file from raw bytes, in a project whose settings give
/// `ctx`. Never panics; every problem becomes a diagnostic pointing into
/// the file.
pub fn parse_in(rel: &str, bytes: &[u8], ctx: &Context) -> Result<SpecFile, Diagnostic> {
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
    // A repeated key is a mistake whatever it is; serde would name the
    // mapping, not the repeat.
    if let Some(dup) = &positions.duplicate {
        let key = dup.path.rsplit('.').next().unwrap_or(&dup.path);
        return Err(
            Diagnostic::error(rel, format!("duplicate key `{}`", dup.path))
                .at(dup.at.0, dup.at.1)
                .help(format!(
                    "`{key}` is already set on line {}; keep one of the two",
                    dup.first.0
                ))
                .with_source(text),
        );
    }
    let spec: Spec = serde_yaml::from_str(text).map_err(|e| {
        // A syntax error comes first: a structural error serde found
        // instead (a missing field) is only its consequence. When libyaml
        // saw the syntax error itself, its location is kept.
        let full = e.to_string();
        let libyaml_syntax = ["while parsing", "while scanning", "did not find expected"]
            .iter()
            .any(|p| full.contains(p));
        match &positions.syntax {
            Some(s) if !libyaml_syntax => syntax_error(rel, text, s.line, s.column, &s.message),
            _ => {
                let d = yaml_error(rel, text, &positions, &e);
                match libyaml_syntax {
                    true => unclosed_quote_error(rel, text, d.line).unwrap_or_else(|| {
                        if d.help.is_some() {
                            d
                        } else {
                            d.help(INDENT_HELP)
                        }
                    }),
                    false => d,
                }
            }
        }
    })?;
    let mut file = SpecFile {
        rel: rel.to_string(),
        source: text.to_string(),
        positions,
        spec,
        context: ctx.clone(),
        fragments_used: Default::default(),
    };
    snippets::expand(&mut file, ctx)?;
    known_errors::expand(&mut file)?;
    profile::expand(&mut file.spec, &mut file.positions);
    share::expand(&mut file.spec, &mut file.positions);
    snippets::compose(&mut file)?;
    share::derive(&mut file.spec, &mut file.positions);
    known_errors::derive(&mut file.spec);
    Ok(file)
}

/// At the end of input a parser points at the line after the last one:
/// point at the end of the last line instead, which the reader can see.
fn within(text: &str, line: usize, col: usize) -> (usize, usize) {
    let last = text.lines().count().max(1);
    if line > last {
        (
            last,
            text.lines().last().map_or(0, |l| l.chars().count()) + 1,
        )
    } else {
        (line, col)
    }
}

/// The line of the quoted value whose quote is not closed on its own line,
/// the nearest at or before `line`: `(line, column of the quote, quote)`.
fn unclosed_quote(text: &str, line: usize) -> Option<(usize, usize, char)> {
    let lines: Vec<&str> = text.lines().collect();
    (1..=line.min(lines.len())).rev().find_map(|n| {
        let l = lines[n - 1];
        let body = l.trim_start();
        let body = body.strip_prefix("- ").map_or(body, str::trim_start);
        // After `key: `, when the line has one outside quotes.
        let value = match body.find(": ") {
            Some(i) if !body[..i].contains(['"', '\'']) => body[i + 2..].trim_start(),
            _ => body,
        };
        let q = value.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let rest = &value[1..];
        let closed = if q == '"' {
            let mut escaped = false;
            rest.chars().any(|c| {
                let end = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                end
            })
        } else {
            // '' is an escaped quote inside single quotes.
            rest.replace("''", "").contains('\'')
        };
        let column = l.chars().count() - value.chars().count() + 1;
        (!closed).then_some((n, column, q))
    })
}

/// The error for a quote left open at or above `line`, where a syntax
/// error was found, if there is one.
fn unclosed_quote_error(rel: &str, text: &str, line: usize) -> Option<Diagnostic> {
    let (n, col, q) = unclosed_quote(text, line)?;
    Some(
        Diagnostic::error(
            rel,
            format!("unclosed quote: this value opens with {q} and the line does not close it"),
        )
        .at(n, col)
        .help(if line > n {
            format!("end the value with {q}, or drop the opening one; YAML read on to line {line} looking for it")
        } else {
            format!("end the value with {q}, or drop the opening one")
        })
        .with_source(text),
    )
}

/// A YAML syntax error at `line:column`, moved to the mistake when it is a
/// quote left open above it, with a fix for the common causes.
fn syntax_error(rel: &str, text: &str, line: usize, column: usize, message: &str) -> Diagnostic {
    let (line, column) = within(text, line, column);
    if let Some(d) = unclosed_quote_error(rel, text, line) {
        return d;
    }
    let mut d = Diagnostic::error(rel, format!("YAML syntax error: {message}"))
        .at(line, column)
        .with_source(text);
    let lines: Vec<&str> = text.lines().collect();
    let line_text = lines.get(line.saturating_sub(1)).copied().unwrap_or("");
    // The key column of a line: after its indentation and any `- `.
    let key_column = |l: &str| {
        let body = l.trim_start();
        let dash = body
            .strip_prefix("- ")
            .map_or(0, |r| body.len() - r.trim_start().len());
        l.len() - body.len() + dash + 1
    };
    let above = (1..line)
        .rev()
        .map(|n| (n, lines.get(n - 1).copied().unwrap_or("")))
        .find(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'));
    d = if line_text.contains('\t') {
        d.help("YAML indentation uses spaces; replace the tab characters")
    } else if let Some((n, l)) =
        above.filter(|(_, l)| key_column(l) != key_column(line_text) && line_text.contains(':'))
    {
        d.help(format!(
            "line {n} starts its key in column {}, this line in column {}: \
             indent the keys of one mapping alike (a list item's keys line up after its `- `)",
            key_column(l),
            key_column(line_text)
        ))
    } else {
        d.help(INDENT_HELP)
    };
    d
}

/// The help for a syntax error with no more specific cause.
const INDENT_HELP: &str =
    "check this line's indentation: the keys of one mapping start in the same column, \
     and a list item's keys line up with the first one after its `- `";

/// Turns a serde_yaml error into a diagnostic with a location and a fix.
fn yaml_error(rel: &str, text: &str, positions: &Positions, e: &serde_yaml::Error) -> Diagnostic {
    let full = e.to_string();
    // serde_yaml appends " at line L column C"; the location is shown separately.
    let message = match full.rfind(" at line ") {
        Some(i) => full[..i].to_string(),
        None => full.clone(),
    };
    let mut d = Diagnostic::error(rel, message.clone());
    if let Some((line, col)) = incomplete_item(text, positions, &message) {
        // serde_yaml points at the list: point at the item's name.
        d = d.at(line, col);
    } else if let Some((field, (line, col))) = bad_value_field(text, positions, &message) {
        // serde_yaml names the mapping a bad value is in (`objectives: bad
        // duration`) and points at the mapping: name and point at the field.
        let rest = message
            .split_once(": ")
            .map_or(message.as_str(), |(_, r)| r);
        d = Diagnostic::error(rel, format!("{field}: {rest}")).at(line, col);
    } else if let Some(loc) = e.location() {
        // libyaml also breaks lines at U+0085, U+2028 and U+2029; count
        // lines as the rest of gen does, from the byte offset.
        let (line, col) = crate::diagnostics::line_col(text.as_bytes(), loc.index());
        let (line, col) = within(text, line, col);
        d = d.at(line, col);
    }
    let line_text = text.lines().nth(d.line.saturating_sub(1)).unwrap_or("");
    let help = if let Some(word) = between(&message, "bad duration \"", "\"") {
        duration::Duration::suggest(word).map(|d| format!("did you mean {d}?"))
    } else if let Some(word) = between(&message, "unknown field `", "`") {
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
        Some(format!(
            "add `{field}:` here; `gen docs spec-format` documents it"
        ))
    } else if message.contains("more than one document") {
        Some("a spec is one YAML document: remove the `---` separator and what follows".into())
    } else if line_text.contains('\t') {
        Some("YAML indentation uses spaces; replace the tab characters".into())
    } else if message.contains("invalid type") {
        Some(
            "check the value's type in `gen docs spec-format` (quote strings like \"16.11\")"
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

/// For a message "operation `X` needs a `group`" or "variable `X` needs
/// a `default`", the position of the `target: X` or `name: X` whose item
/// leaves the field out (serde points at the list).
fn incomplete_item(text: &str, positions: &Positions, message: &str) -> Option<(usize, usize)> {
    let (list, key, name) = if message.contains("needs a `group`") {
        (
            "operations",
            "target",
            between(message, "operation `", "`")?,
        )
    } else if message.contains("` needs a `") {
        ("variables", "name", between(message, "variable `", "`")?)
    } else {
        return None;
    };
    let lines: Vec<&str> = text.lines().collect();
    positions
        .fields_under(list)
        .into_iter()
        .find(|&(field, (line, _))| {
            field.ends_with(&format!(".{key}"))
                && lines.get(line.wrapping_sub(1)).is_some_and(|l| {
                    l.trim_start_matches([' ', '-'])
                        .strip_prefix(&format!("{key}:"))
                        .is_some_and(|v| v.trim().trim_matches(['"', '\'']) == name)
                })
        })
        .map(|(_, p)| p)
}

/// For a message `path: bad duration "X": ...`, the field under `path`
/// whose value on its line is X, and its position.
fn bad_value_field(
    text: &str,
    positions: &Positions,
    message: &str,
) -> Option<(String, (usize, usize))> {
    let value = between(message, "bad duration \"", "\"")?;
    let (path, _) = message.split_once(": ")?;
    let path = if path.contains(' ') { "" } else { path };
    let lines: Vec<&str> = text.lines().collect();
    positions
        .fields_under(path)
        .into_iter()
        .find(|&(field, (line, col))| {
            let key = field.rsplit(['.', ']']).next().unwrap_or(field);
            lines.get(line.wrapping_sub(1)).is_some_and(|l| {
                let after: String = l.chars().skip(col - 1).collect();
                after.strip_prefix(key).is_some_and(|rest| {
                    let v = rest.trim_start().strip_prefix(':').unwrap_or("").trim();
                    let v = v.split(" #").next().unwrap_or(v).trim();
                    v.trim_matches(['"', '\'']) == value
                })
            })
        })
        .map(|(field, pos)| (field.to_string(), pos))
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

/// The `rbac.` and `serviceAccount.` values gen's templates read, with
/// their defaults and descriptions: the one source of the `values` region
/// of values.yaml, of values.schema.json's `rbac` and `serviceAccount`,
/// and of the keys the facts check knows as gen's. The README's Security
/// & RBAC table words them shortly and shows the chart's own automount
/// default, which an adopted chart may set otherwise.
pub fn rbac_values(s: &Spec) -> Vec<ValueDoc> {
    let needs_api = !s.rbac.rules.is_empty();
    let role = match s.rbac.scope {
        Scope::Namespace => "Role and RoleBinding",
        Scope::Cluster => "ClusterRole and ClusterRoleBinding",
    };
    let v = |key: &str, default: serde_json::Value, description: &str| ValueDoc {
        key: key.to_string(),
        default,
        description: description.to_string(),
        value_type: None,
        items: None,
        needs: Vec::new(),
    };
    let mut sa_create = v(
        "serviceAccount.create",
        true.into(),
        "Create a ServiceAccount for the workload.",
    );
    // Off, the RBAC template binds the ServiceAccount named here instead.
    sa_create.needs = vec![("serviceAccount.name".into(), "gen-toggled".into())];
    vec![
        v(
            "rbac.create",
            true.into(),
            &format!("Create the {role} that grant the rules listed in the README's Security & RBAC section."),
        ),
        sa_create,
        v(
            "serviceAccount.name",
            "".into(),
            "Name of the ServiceAccount. Empty means the release's full name.",
        ),
        v(
            "serviceAccount.annotations",
            serde_json::json!({}),
            "Annotations for the ServiceAccount, e.g. a cloud IAM role.",
        ),
        v(
            "serviceAccount.automount",
            needs_api.into(),
            if needs_api {
                "Mount the API token into pods. The workload calls the Kubernetes API (see rbac)."
            } else {
                "Mount the API token into pods. The workload never calls the Kubernetes API, so it stays off."
            },
        ),
    ]
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
    fn group_follows_a_target_named_like_one() {
        let src = crate::scaffold::new_spec("demo");
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let group = |t: &str| {
            f.spec
                .operations
                .iter()
                .find(|o| o.target == t)
                .unwrap()
                .group
        };
        assert_eq!(group("backup"), Group::Backup);
        assert_eq!(group("restore"), Group::Restore);
        let given = testkit::edited(
            &src,
            &[(
                "  - target: restore\n",
                "  - target: restore\n    group: data\n",
            )],
        );
        let f = parse("specs/demo.yaml", given.as_bytes()).unwrap();
        assert_eq!(
            f.spec.operations.last().unwrap().group,
            Group::Data,
            "a written group wins"
        );
        let other = testkit::edited(&src, &[("  - target: restore\n", "  - target: stats\n")]);
        let d = parse("specs/demo.yaml", other.as_bytes()).unwrap_err();
        assert!(
            d.message.contains("operation `stats` needs a `group`"),
            "{d}"
        );
        let line = other
            .lines()
            .position(|l| l == "  - target: stats")
            .unwrap()
            + 1;
        assert_eq!((d.line, d.column), (line, 5), "{d}");
    }

    #[test]
    fn replicas_is_declared_by_its_name() {
        let src = crate::scaffold::new_spec("demo");
        let ops = "\noperations:";
        let with = |vars: &str| {
            testkit::edited(
                &src,
                &[(ops, &format!("\nvariables:\n{vars}{}", &ops[1..]))],
            )
        };
        let replicas = |yaml: String| {
            let f = parse("specs/demo.yaml", yaml.as_bytes()).unwrap();
            let v = f.spec.variables.iter().find(|v| v.name == "REPLICAS");
            (v.unwrap().clone(), f.spec.title)
        };
        let (v, title) = replicas(with("  - name: REPLICAS\n"));
        assert_eq!(v.default, "1");
        assert_eq!(
            v.help,
            format!(
                "Replicas to start after a restore; 0 keeps {} stopped, as the rollback does so \
that `helm rollback` starts the old version",
                title
            )
        );
        // What the spec writes wins; its own help is not a template.
        let own = with("  - name: REPLICAS\n    default: \"2\"\n    help: Pods of {title}\n");
        let (v, _) = replicas(own);
        assert_eq!(
            (v.default.as_str(), v.help.as_str()),
            ("2", "Pods of {title}")
        );
        // Any other variable needs both, and the error names its line.
        let other = with("  - name: SHARDS\n    default: \"2\"\n");
        let d = parse("specs/demo.yaml", other.as_bytes()).unwrap_err();
        assert!(
            d.message.contains("variable `SHARDS` needs a `help`"),
            "{d}"
        );
        let line = other.lines().position(|l| l == "  - name: SHARDS").unwrap() + 1;
        assert_eq!((d.line, d.column), (line, 5), "{d}");
    }

    #[test]
    fn rbac_scope_is_namespace_unless_written() {
        let src = crate::scaffold::new_spec("demo");
        let line = src
            .lines()
            .find(|l| l.starts_with("  scope: namespace"))
            .unwrap();
        let left_out = testkit::edited(&src, &[(&format!("{line}\n"), "")]);
        let f = parse("specs/demo.yaml", left_out.as_bytes()).unwrap();
        assert_eq!(f.spec.rbac.scope, Scope::Namespace);
        let cluster = testkit::edited(&src, &[(line, "  scope: cluster")]);
        let f = parse("specs/demo.yaml", cluster.as_bytes()).unwrap();
        assert_eq!(f.spec.rbac.scope, Scope::Cluster);
    }

    #[test]
    fn tabs_get_help() {
        let d = err("name: x\nworkload:\n\tkind: Deployment\n");
        assert!(d.help.unwrap().contains("tab"));
    }
}
