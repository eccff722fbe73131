//! The rules that let gen live in a chart repository the maintainers
//! wrote first, applied on every build:
//!
//! - README regions: a region that sits right under a hand-written
//!   heading (only blank lines between) takes that heading as its own and
//!   gen leaves out its own; a region that supplies its heading must not
//!   repeat the text of a heading outside the regions.
//! - values.yaml: the `values` region holds only the top-level keys the
//!   rest of the file does not define (a key the chart defines stays the
//!   maintainer's); a key defined twice at any level is an error naming
//!   both lines.
//! - ServiceAccount and RBAC: a chart with its own templates for them gets
//!   none of gen's (a warning says that `gen adopt` takes them over).

use crate::chartfiles::{duplicate_keys, yaml_keys, ChartFiles};
use crate::diagnostics::Diagnostic;
use crate::regions::{self, Style};
use std::collections::BTreeSet;

/// One Markdown heading outside code fences.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    /// 0-based line index.
    pub line: usize,
    pub level: usize,
    pub text: String,
}

/// The ATX headings of `text` outside fenced code blocks.
pub fn headings(text: &str) -> Vec<Heading> {
    let mut out = Vec::new();
    let mut fence: Option<(char, usize)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim_start();
        let indent = raw.len() - line.len();
        let run = |c: char| line.chars().take_while(|x| *x == c).count();
        if let Some((c, n)) = fence {
            if run(c) >= n && line.trim_start_matches(c).trim().is_empty() {
                fence = None;
            }
            continue;
        }
        if indent < 4 {
            for c in ['`', '~'] {
                if run(c) >= 3 {
                    fence = Some((c, run(c)));
                }
            }
            if fence.is_some() {
                continue;
            }
            let level = run('#');
            if (1..=6).contains(&level) {
                let rest = &line[level..];
                if rest.is_empty() || rest.starts_with([' ', '\t']) {
                    let t = rest.trim().trim_end_matches('#').trim();
                    out.push(Heading {
                        line: i,
                        level,
                        text: t.to_string(),
                    });
                }
            }
        }
    }
    out
}

/// Heading text compared case- and punctuation-insensitively, with `&`
/// read as "and": "Backup & Recovery" = "backup and recovery".
pub fn normalize(text: &str) -> String {
    text.to_lowercase()
        .replace('&', " and ")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Merges the README regions. Each region's content starts with gen's
/// heading; a region right under a heading of the file's gets its content
/// without it. Every problem is reported: missing regions, and gen
/// headings that would repeat a hand-written one.
pub fn readme(
    rel: &str,
    existing: &str,
    regions: &[(&str, String)],
) -> Result<String, Vec<Diagnostic>> {
    let lines: Vec<&str> = existing.lines().collect();
    let hand = headings(existing);
    let spans = regions::spans(existing, Style::Html);
    let inside = |i: usize| spans.iter().any(|s| s.holds(i));
    let outside: Vec<&Heading> = hand.iter().filter(|h| !inside(h.line)).collect();
    let mut contents = Vec::new();
    let mut errors = Vec::new();
    for (name, content) in regions {
        let under = spans.iter().find(|s| s.name == *name).and_then(|s| {
            let above = lines[..s.begin]
                .iter()
                .rposition(|l| !l.trim().is_empty())?;
            hand.iter().find(|h| h.line == above)
        });
        if under.is_some() {
            contents.push((*name, without_first_heading(content)));
            continue;
        }
        if !spans.iter().any(|s| s.name == *name) {
            // Missing: merge says so, and where it goes decides the rest.
            contents.push((*name, content.clone()));
            continue;
        }
        for g in headings(content) {
            let twin = outside
                .iter()
                .find(|h| normalize(&h.text) == normalize(&g.text));
            if let Some(h) = twin {
                errors.push(
                    Diagnostic::error(
                        rel,
                        format!(
                            "heading {:?} repeats the heading {:?} that gen writes in its region {name:?}",
                            h.text, g.text
                        ),
                    )
                    .at(h.line + 1, 1)
                    .help(format!(
                        "let the region replace this section: `gen adopt` moves the markers under this heading, or move `{}` and `{}` right below it yourself; or rename the heading",
                        Style::Html.begin(name),
                        Style::Html.end(name)
                    ))
                    .with_source(existing),
                );
            }
        }
        contents.push((*name, content.clone()));
    }
    let merged = regions::merge_all(rel, existing, Style::Html, &contents);
    match merged {
        Ok(text) if errors.is_empty() => Ok(text),
        Ok(_) => Err(errors),
        Err(mut e) => {
            e.extend(errors);
            Err(e)
        }
    }
}

/// `content` without its first heading line (and the blank lines after).
fn without_first_heading(content: &str) -> String {
    let Some(h) = headings(content).into_iter().next() else {
        return content.to_string();
    };
    let lines: Vec<&str> = content.lines().collect();
    let mut out: Vec<&str> = lines[..h.line].to_vec();
    let rest = &lines[h.line + 1..];
    let skip = rest.iter().take_while(|l| l.trim().is_empty()).count();
    out.extend(&rest[skip..]);
    let mut s = out.join("\n");
    s.push('\n');
    s
}

/// The top-level keys `values.yaml` defines outside gen's region.
pub fn hand_top_keys(values: &str) -> BTreeSet<String> {
    yaml_keys(&regions::outside(values, Style::Hash, Some("values"), true))
        .into_iter()
        .filter(|k| !k.path.contains(['.', '[']))
        .map(|k| k.path)
        .collect()
}

/// The top-level keys of a YAML block, in order.
pub fn top_keys(yaml: &str) -> Vec<String> {
    yaml.lines()
        .filter(|l| !l.starts_with([' ', '\t', '#']) && !l.trim().is_empty())
        .map(|l| l.split(':').next().unwrap_or("").trim().to_string())
        .collect()
}

/// `yaml` (gen's values block) without the top-level blocks whose key is
/// in `skip`. A block is a top-level key with the comment lines right
/// above it and the indented lines under it.
pub fn without_top_keys(yaml: &str, skip: &BTreeSet<String>) -> String {
    let mut out = String::new();
    let mut pending = String::new();
    let mut keep = true;
    for line in yaml.split_inclusive('\n') {
        if line.starts_with('#') {
            pending.push_str(line);
            continue;
        }
        if !line.starts_with([' ', '\t']) && !line.trim().is_empty() {
            let key = line.split(':').next().unwrap_or("").trim();
            keep = !skip.contains(key);
        }
        if keep {
            out.push_str(&pending);
            out.push_str(line);
        }
        pending.clear();
    }
    out.push_str(&pending);
    out
}

/// Merges the `values` region (`region` already without the keys the file
/// defines) and checks that no key is defined twice at any level.
pub fn values(rel: &str, existing: &str, region: String) -> Result<String, Vec<Diagnostic>> {
    // Top level: a marker indented into a block scalar is an error there.
    let merged = regions::merge_top_level(rel, existing, Style::Hash, &[("values", region)])
        .map_err(|d| vec![d])?;
    let spans = regions::spans(&merged, Style::Hash);
    let whose = |line: usize| {
        // `line` is 1-based.
        if spans.iter().any(|s| s.holds(line - 1)) {
            "gen's values region"
        } else {
            "the chart's own values"
        }
    };
    let keys = yaml_keys(&merged);
    let errors: Vec<Diagnostic> = duplicate_keys(&keys)
        .into_iter()
        .map(|(first, second)| {
            Diagnostic::error(
                rel,
                format!(
                    "values.yaml defines `{}` twice: on line {} ({}) and on line {} ({}); Helm keeps only one of them",
                    second.path,
                    first.line,
                    whose(first.line),
                    second.line,
                    whose(second.line)
                ),
            )
            .at(second.line, second.column)
            .help("keep one definition of the key and delete the other")
            .with_source(&merged)
        })
        .collect();
    if errors.is_empty() {
        Ok(merged)
    } else {
        Err(errors)
    }
}

/// Which of gen's access templates a chart's own templates rule out:
/// `(serviceaccount.yaml, rbac.yaml)`, each true when gen must not render
/// it, with one warning per chart naming the templates and what to do.
pub fn access(
    chart: &str,
    spec_rel: &str,
    facts: Option<&ChartFiles>,
) -> (bool, bool, Vec<Diagnostic>) {
    let Some(f) = facts else {
        return (false, false, Vec::new());
    };
    let kinds = |pred: fn(&str) -> bool| {
        f.own_access
            .iter()
            .filter(|t| t.objects.iter().any(|o| pred(&o.kind)))
            .map(|t| t.path.clone())
            .collect::<Vec<_>>()
    };
    let sa = kinds(|k| k == "ServiceAccount");
    let rbac = kinds(|k| k != "ServiceAccount");
    let mut warnings = Vec::new();
    if !f.own_access.is_empty() {
        let paths: Vec<&str> = f.own_access.iter().map(|t| t.path.as_str()).collect();
        let what: Vec<&str> = [
            (!sa.is_empty()).then_some("templates/serviceaccount.yaml"),
            (!rbac.is_empty()).then_some("templates/rbac.yaml"),
        ]
        .into_iter()
        .flatten()
        .collect();
        warnings.push(
            Diagnostic::warning(
                paths[0],
                format!(
                    "chart {chart} has its own ServiceAccount or RBAC templates ({}), so gen renders no {} of its own",
                    paths.join(", "),
                    what.join(" or ")
                ),
            )
            .help(format!(
                "`gen adopt` takes them over: gen's templates render the same kinds and names with the rules of {spec_rel}, and adopt removes the replaced ones"
            )),
        );
    }
    (!sa.is_empty(), !rbac.is_empty(), warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_outside_fences_and_normalized() {
        let h = headings("# T\n```\n# not\n```\n## Backup & Recovery ##\n    # code\n###no\n");
        let t: Vec<_> = h
            .iter()
            .map(|h| (h.line, h.level, h.text.as_str()))
            .collect();
        assert_eq!(t, [(0, 1, "T"), (4, 2, "Backup & Recovery")]);
        assert_eq!(
            normalize("Backup and  Recovery!"),
            normalize("backup & recovery")
        );
    }

    #[test]
    fn region_under_a_heading_takes_it_and_twins_are_errors() {
        let regions = [("ops", "## Operations\n\nrun it\n".to_string())];
        let under = "# A\n\n## Ops by hand\n\n<!-- gen:begin ops -->\nold\n<!-- gen:end ops -->\n";
        let out = readme("R.md", under, &regions).unwrap();
        assert_eq!(
            out,
            "# A\n\n## Ops by hand\n\n<!-- gen:begin ops -->\nrun it\n<!-- gen:end ops -->\n"
        );
        let twin = "# A\n\n## operations\n\ntext\n\n<!-- gen:begin ops -->\n<!-- gen:end ops -->\n";
        let e = readme("R.md", twin, &regions).unwrap_err();
        assert_eq!(e.len(), 1);
        assert_eq!((e[0].line, e[0].column), (3, 1));
        assert!(e[0].message.contains("repeats the heading"), "{}", e[0]);
    }

    #[test]
    fn values_skip_defined_keys_and_duplicates_name_both_lines() {
        let existing =
            "rbac:\n  create: true\n# gen:begin values\nrbac:\n  create: false\n# gen:end values\n";
        let top = hand_top_keys(existing);
        assert_eq!(top.into_iter().collect::<Vec<_>>(), ["rbac"]);
        let gen = "rbac:\n  # -- c\n  create: true\n# -- sa\nserviceAccount:\n  create: true\n";
        let region = without_top_keys(gen, &hand_top_keys(existing));
        assert_eq!(region, "# -- sa\nserviceAccount:\n  create: true\n");
        let out = values("v.yaml", existing, region).unwrap();
        assert!(out.contains("serviceAccount:"));
        let e = values("v.yaml", existing, "rbac: {}\n".into()).unwrap_err();
        assert_eq!((e[0].line, e[0].column), (4, 1));
        assert!(
            e[0].message
                .contains("on line 1 (the chart's own values) and on line 4 (gen's values region)"),
            "{}",
            e[0]
        );
    }
}
