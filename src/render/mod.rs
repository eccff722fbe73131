//! The Tera environment: embedded default templates, overridable by name from
//! the repository's `templates/`, and the filters that escape spec text for
//! each output language.

pub mod limits;

use crate::diagnostics::Diagnostic;
use crate::text;
use std::collections::{BTreeMap, HashMap};
use tera::{Tera, Value};

/// Templates built into the binary, by name. A file `templates/<name>` in the
/// project replaces the built-in one.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "chart/backup-guide.md.tera",
        include_str!("../../templates/chart/backup-guide.md.tera"),
    ),
    (
        "chart/upgrade-guide.md.tera",
        include_str!("../../templates/chart/upgrade-guide.md.tera"),
    ),
    (
        "chart/readme-backup.md.tera",
        include_str!("../../templates/chart/readme-backup.md.tera"),
    ),
    (
        "chart/readme-security.md.tera",
        include_str!("../../templates/chart/readme-security.md.tera"),
    ),
    (
        "chart/readme-operations.md.tera",
        include_str!("../../templates/chart/readme-operations.md.tera"),
    ),
    (
        "chart/readme-scaffold.md.tera",
        include_str!("../../templates/chart/readme-scaffold.md.tera"),
    ),
    (
        "chart/rbac.yaml.tera",
        include_str!("../../templates/chart/rbac.yaml.tera"),
    ),
    (
        "chart/serviceaccount.yaml.tera",
        include_str!("../../templates/chart/serviceaccount.yaml.tera"),
    ),
    (
        "chart/backup-jobs.yaml.tera",
        include_str!("../../templates/chart/backup-jobs.yaml.tera"),
    ),
    (
        "chart/backup-alerts.yaml.tera",
        include_str!("../../templates/chart/backup-alerts.yaml.tera"),
    ),
    (
        "chart/_helpers.tpl.tera",
        include_str!("../../templates/chart/_helpers.tpl.tera"),
    ),
    (
        "chart/Chart.yaml.tera",
        include_str!("../../templates/chart/Chart.yaml.tera"),
    ),
    (
        "chart/chart-annotations.yaml.tera",
        include_str!("../../templates/chart/chart-annotations.yaml.tera"),
    ),
    (
        "chart/values-scaffold.yaml.tera",
        include_str!("../../templates/chart/values-scaffold.yaml.tera"),
    ),
    (
        "chart/makefile.mk.tera",
        include_str!("../../templates/chart/makefile.mk.tera"),
    ),
    (
        "docs/disaster-recovery.md.tera",
        include_str!("../../templates/docs/disaster-recovery.md.tera"),
    ),
    (
        "docs/makefile-reference.md.tera",
        include_str!("../../templates/docs/makefile-reference.md.tera"),
    ),
    (
        "docs/coverage.md.tera",
        include_str!("../../templates/docs/coverage.md.tera"),
    ),
    (
        "root/makefile-region.mk.tera",
        include_str!("../../templates/root/makefile-region.mk.tera"),
    ),
    (
        "root/makefile-scaffold.mk.tera",
        include_str!("../../templates/root/makefile-scaffold.mk.tera"),
    ),
    (
        "site/layout.html.tera",
        include_str!("../../templates/site/layout.html.tera"),
    ),
    (
        "site/page.html.tera",
        include_str!("../../templates/site/page.html.tera"),
    ),
    (
        "site/home.html.tera",
        include_str!("../../templates/site/home.html.tera"),
    ),
    (
        "site/404.html.tera",
        include_str!("../../templates/site/404.html.tera"),
    ),
    (
        "site/facts.html.tera",
        include_str!("../../templates/site/facts.html.tera"),
    ),
    (
        "site/cards.html.tera",
        include_str!("../../templates/site/cards.html.tera"),
    ),
    (
        "site/operations.md.tera",
        include_str!("../../templates/site/operations.md.tera"),
    ),
    (
        "site/manifests.md.tera",
        include_str!("../../templates/site/manifests.md.tera"),
    ),
    (
        "site/heading.html.tera",
        include_str!("../../templates/site/heading.html.tera"),
    ),
    (
        "site/code-block.html.tera",
        include_str!("../../templates/site/code-block.html.tera"),
    ),
    (
        "site/table.html.tera",
        include_str!("../../templates/site/table.html.tera"),
    ),
    (
        "site/link.html.tera",
        include_str!("../../templates/site/link.html.tera"),
    ),
    (
        "site/raw-html.html.tera",
        include_str!("../../templates/site/raw-html.html.tera"),
    ),
    (
        "site/sitemap.xml.tera",
        include_str!("../../templates/site/sitemap.xml.tera"),
    ),
];

/// Builds the Tera environment from the embedded templates and overrides
/// (`(name, source)` read from `templates/`).
pub fn environment(overrides: &[(String, String)]) -> Result<Tera, Vec<Diagnostic>> {
    let mut sources: Vec<(String, String)> = EMBEDDED
        .iter()
        .map(|(n, s)| (n.to_string(), s.to_string()))
        .collect();
    let mut errors = Vec::new();
    for (name, src) in overrides {
        match sources.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = src.clone(),
            None => errors.push(
                Diagnostic::error(
                    format!("templates/{name}"),
                    "no built-in template has this name, so it would never be used",
                )
                .help(format!(
                    "templates that can be overridden: {}",
                    EMBEDDED
                        .iter()
                        .map(|(n, _)| *n)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ),
        }
    }
    let mut tera = Tera::default();
    tera.autoescape_on(vec![]);
    register_filters(&mut tera);
    let sources: Vec<(&str, &str)> = sources
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    errors.extend(add_templates(&mut tera, &sources));
    if errors.is_empty() {
        Ok(tera)
    } else {
        Err(errors)
    }
}

/// Adds `(name, source)` templates to `tera` with gen's bounded `range()`,
/// then refuses recursion and deep nesting among them (see [`limits`]).
/// Returns the problems, each located.
pub fn add_templates(tera: &mut Tera, sources: &[(&str, &str)]) -> Vec<Diagnostic> {
    tera.register_function("range", limits::range);
    let mut errors = Vec::new();
    for (name, src) in sources {
        if let Err(e) = tera.add_raw_template(name, src) {
            errors.push(
                Diagnostic::error(format!("templates/{name}"), error_chain(&e))
                    .help("fix the template syntax"),
            );
        }
    }
    if errors.is_empty() {
        let by_name: BTreeMap<&str, &str> = sources.iter().copied().collect();
        errors = limits::check(tera, &by_name);
    }
    errors
}

/// Renders the template `name` within [`limits`]; a failure is located at
/// the template.
pub fn render(tera: &Tera, name: &str, ctx: &tera::Context) -> Result<String, Diagnostic> {
    limits::render(tera, name, ctx).map_err(|why| failed(name, why))
}

/// [`render`], appending to `out`; a failed render leaves `out` as it was.
pub fn render_into(
    tera: &Tera,
    name: &str,
    ctx: &tera::Context,
    out: &mut String,
) -> Result<(), Diagnostic> {
    limits::render_into(tera, name, ctx, out).map_err(|why| failed(name, why))
}

fn failed(name: &str, why: String) -> Diagnostic {
    Diagnostic::error(format!("templates/{name}"), why)
        .help("fix the template, or remove the override to use the built-in one")
}

/// A Tera error with every cause, since the top line only says which
/// template failed.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut msg = e.to_string();
    let mut cur = e.source();
    while let Some(s) = cur {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        cur = s.source();
    }
    msg
}

fn str_arg(args: &HashMap<String, Value>, key: &str, default: &str) -> String {
    args.get(key)
        .and_then(Value::as_str)
        .unwrap_or(default)
        .to_string()
}

fn num_arg(args: &HashMap<String, Value>, key: &str, default: usize) -> usize {
    args.get(key)
        .and_then(Value::as_u64)
        .map_or(default, |n| n as usize)
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Array(a) => a.clone(),
        Value::Null => Vec::new(),
        other => vec![other.clone()],
    }
}

type FilterResult = tera::Result<Value>;

/// Registers the filters that escape spec text for each output language
/// (the chart templates' and the site's environments both have them).
pub fn register_filters(tera: &mut Tera) {
    tera.register_filter(
        "wrap",
        |v: &Value, a: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::wrap(
                &as_text(v),
                num_arg(a, "width", 80),
                &str_arg(a, "first", ""),
                num_arg(a, "indent", 0),
            )))
        },
    );
    tera.register_filter(
        "md",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::md_inline(&text::one_line(&as_text(v)))))
        },
    );
    tera.register_filter(
        "md_text",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::md_text(&as_text(v))))
        },
    );
    tera.register_filter(
        "code_span",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::code_span(&as_text(v))))
        },
    );
    tera.register_filter(
        "cell",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::cell(&as_text(v))))
        },
    );
    tera.register_filter(
        "fence",
        |v: &Value, a: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::fence(
                &as_text(v),
                &str_arg(a, "lang", "bash"),
                num_arg(a, "indent", 0),
            )))
        },
    );
    tera.register_filter(
        "steps",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(steps(&as_list(v))))
        },
    );
    tera.register_filter(
        "troubles",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(troubles(&as_list(v))))
        },
    );
    tera.register_filter(
        "bullets",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            let items: Vec<String> = as_list(v)
                .iter()
                .map(|i| text::wrap(&as_text(i), 80, "- ", 2))
                .collect();
            Ok(Value::String(items.join("\n")))
        },
    );
    tera.register_filter(
        "backticks",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            let items: Vec<String> = as_list(v)
                .iter()
                .map(|i| format!("`{}`", as_text(i)))
                .collect();
            Ok(Value::String(items.join(", ")))
        },
    );
    tera.register_filter(
        "human",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            let t = as_text(v);
            Ok(Value::String(
                crate::spec::Duration::parse(&t)
                    .map(|d| d.human())
                    .unwrap_or(t),
            ))
        },
    );
    tera.register_filter(
        "lower_first",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(lower_first(&as_text(v))))
        },
    );
    tera.register_filter(
        "one_line",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::one_line(&as_text(v))))
        },
    );
    tera.register_filter(
        "helm",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::helm_escape(&as_text(v))))
        },
    );
    tera.register_filter(
        "yaml_str",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::yaml_quote(&as_text(v))))
        },
    );
    tera.register_filter(
        "flow",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            let items: Vec<String> = as_list(v)
                .iter()
                .map(|i| text::yaml_quote(&as_text(i)))
                .collect();
            Ok(Value::String(format!("[{}]", items.join(", "))))
        },
    );
    tera.register_filter(
        "sh_make",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(text::make_escape(&text::sh_quote(
                &text::one_line(&as_text(v)),
            ))))
        },
    );
    tera.register_filter(
        "yes_no",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            Ok(Value::String(
                if v.as_bool().unwrap_or(false) {
                    "yes"
                } else {
                    "no"
                }
                .into(),
            ))
        },
    );
    tera.register_filter(
        "api_groups",
        |v: &Value, _: &HashMap<String, Value>| -> FilterResult {
            let items: Vec<String> = as_list(v)
                .iter()
                .map(|g| match as_text(g).as_str() {
                    "" => "core".to_string(),
                    other => other.to_string(),
                })
                .collect();
            Ok(Value::String(items.join(", ")))
        },
    );
}

/// Lower-cases the first word when it is an ordinary capitalised word
/// ("The" and the article "A" become "the" and "a"), keeping names and
/// acronyms ("PostgreSQL", "WAL", "I").
fn lower_first(t: &str) -> String {
    let word = t.split_whitespace().next().unwrap_or("");
    let mut chars = word.chars();
    let ordinary = word == "A"
        || (chars.next().is_some_and(char::is_uppercase)
            && word.chars().count() > 1
            && chars.all(|c| !c.is_uppercase()));
    if ordinary {
        let first = t.chars().next().expect("ordinary words are not empty");
        let mut out: String = first.to_lowercase().collect();
        out.push_str(&t[first.len_utf8()..]);
        out
    } else {
        t.to_string()
    }
}

/// An ordered list of steps: the title and why as one paragraph, then the
/// command as a fenced block and the expected result, indented under the item.
pub fn steps(list: &[Value]) -> String {
    let mut items = Vec::new();
    for (i, step) in list.iter().enumerate() {
        let marker = format!("{}. ", i + 1);
        let indent = marker.len();
        let pad = " ".repeat(indent);
        let mut title = text::one_line(&as_text(&step["title"]));
        if !title.ends_with(['.', '!', '?', ':']) {
            title.push('.');
        }
        let mut para = title;
        if let Some(why) = step.get("why").and_then(Value::as_str) {
            para.push(' ');
            para.push_str(why);
        }
        let mut item = text::wrap(&para, 80, &marker, indent);
        if let Some(run) = step.get("run").and_then(Value::as_str) {
            let lang = step.get("lang").and_then(Value::as_str).unwrap_or("bash");
            item.push_str("\n\n");
            item.push_str(&text::fence(run, lang, indent));
        }
        if let Some(expect) = step.get("expect").and_then(Value::as_str) {
            item.push_str("\n\n");
            item.push_str(&text::wrap(
                &format!("Expected: {expect}"),
                80,
                &pad,
                indent,
            ));
        }
        items.push(item);
    }
    items.join("\n\n")
}

/// A list of errors: each message as printed, in a text block, then its
/// cause, its fix and the command that helps, indented under the item.
pub fn troubles(list: &[Value]) -> String {
    let mut items = Vec::new();
    for t in list {
        let mut item = String::from("- Error:\n\n");
        item.push_str(&text::fence(as_text(&t["error"]).trim_end(), "text", 2));
        for (label, key) in [("Cause", "cause"), ("Fix", "fix")] {
            item.push_str("\n\n");
            let para = format!("{label}: {}", text::one_line(&as_text(&t[key])));
            item.push_str(&text::wrap(&para, 80, "  ", 2));
        }
        if let Some(run) = t.get("run").and_then(Value::as_str) {
            item.push_str("\n\n");
            item.push_str(&text::fence(run, "bash", 2));
        }
        items.push(item);
    }
    items.join("\n\n")
}

/// Normalizes rendered Markdown: no trailing spaces, no runs of blank lines
/// outside code blocks, exactly one final newline.
pub fn tidy_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0;
    let mut fence: Option<String> = None;
    for line in text.lines() {
        let line = line.trim_end();
        let trimmed = line.trim_start();
        if let Some(f) = &fence {
            if trimmed.starts_with(f.as_str()) && trimmed.trim_start_matches('`').is_empty() {
                fence = None;
            }
        } else if trimmed.starts_with("```") {
            let ticks: String = trimmed.chars().take_while(|c| *c == '`').collect();
            fence = Some(ticks);
        }
        if line.is_empty() && fence.is_none() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// Normalizes other text outputs: no trailing spaces, one final newline.
pub fn tidy(text: &str) -> String {
    let mut out: String = text
        .lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect();
    while out.ends_with("\n\n") {
        out.pop();
    }
    if out.is_empty() {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn steps_render_as_ordered_list_with_code() {
        let s = steps(&[
            json!({"title": "Dump it", "why": "Because.", "run": "pg_dump x", "expect": "a file"}),
        ]);
        assert_eq!(
            s,
            "1. Dump it. Because.\n\n   ```bash\n   pg_dump x\n   ```\n\n   Expected: a file"
        );
    }

    #[test]
    fn lower_first_lowers_ordinary_words_and_keeps_names() {
        for (given, want) in [
            ("The PVC is lost.", "the PVC is lost."),
            ("A Secret was deleted.", "a Secret was deleted."),
            ("PostgreSQL is down.", "PostgreSQL is down."),
            ("WAL is missing.", "WAL is missing."),
            ("I think so.", "I think so."),
            ("`kuma.db` is corrupt.", "`kuma.db` is corrupt."),
            ("Ab", "ab"),
        ] {
            assert_eq!(lower_first(given), want, "{given}");
        }
    }

    #[test]
    fn troubles_render_as_a_list_with_the_message_verbatim() {
        let s = troubles(&[json!({"error": "ERR  x <y>", "cause": "Because.",
            "fix": "Do it.", "run": "fix-it"})]);
        assert_eq!(
            s,
            "- Error:\n\n  ```text\n  ERR  x <y>\n  ```\n\n  Cause: Because.\n\n  Fix: Do it.\n\n  ```bash\n  fix-it\n  ```"
        );
    }

    #[test]
    fn tidy_collapses_blanks_outside_code() {
        let t = tidy_markdown("\n# A  \n\n\n\ntext\n```\nx\n\n\ny\n```\n\n\n");
        assert_eq!(t, "# A\n\ntext\n```\nx\n\n\ny\n```\n");
    }

    #[test]
    fn embedded_templates_compile() {
        environment(&[]).expect("built-in templates are valid");
    }

    #[test]
    fn unknown_override_is_an_error() {
        let e = environment(&[("chart/nope.tera".into(), "x".into())]).unwrap_err();
        assert!(e[0].message.contains("no built-in template"));
    }
}
