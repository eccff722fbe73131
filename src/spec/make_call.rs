//! `{{make}}`: a guide step's call of one of the chart's own Makefile
//! targets, its chart prefix and release variables written once here
//! instead of in every step.
//!
//! A line `<before>{{make TARGET [NAME=value ...]}}<after>` becomes
//!
//! ```text
//! <before>make <chart>-TARGET NAMESPACE="$NAMESPACE" RELEASE="$RELEASE" \
//! <indent>  [NAME=value ...]<after>
//! ```
//!
//! broken by [`super::snippets::wrapped`] as the `backup-before-upgrade`
//! snippet's call is: as many words on a line as fit in a guide's step,
//! the continuation lines two spaces deeper than the line. A `NAMESPACE=`
//! or `RELEASE=` given in the token replaces the default in its place
//! (`{{make status RELEASE="$RELEASE-canary"}}`); any other variable
//! follows, in the order written. A call of another release also passes
//! `FULLNAME=""` and an empty value for each of the spec's variables whose
//! default reads the release ([`release_derived`], `DB_SECRET` of
//! `$FULLNAME-secret`), unless it gives them: the guide's block exports
//! the operator's release's values, which the target would otherwise keep
//! and act on that release's objects; empty ones it derives from
//! `RELEASE`. It passes the block's `GEN_FOR_RELEASE=""` too
//! ([`RELEASE_MARKER`]), without which the target would
//! stop, as it does for a hand-typed call of another release. A call of the operator's own release passes none of them, so
//! a `FULLNAME` or `DB_SECRET` the operator set by hand (a renamed
//! release, a Secret of their own) holds there. A value is one shell word
//! as the shell reads it: quotes and `$(...)` may hold spaces
//! (`FILE="$(ls -1t "$BACKUP_DIR"/*.dump | head -n1)"`). What follows the
//! token on its line (`| tail -n 3`, `; then`) follows the last word.
//!
//! A target that calls itself, directly or through the targets it calls,
//! is the check `make.cycle`'s (`crate::checks`): make would run them one
//! inside the other without end. The recipe keeps the plain `make`: GNU
//! make runs a recipe line that names `$(MAKE)` even under `make -n`, and
//! a target's recipe is one line (`eval` of its text), so a dry run would
//! run it all; `MAKEFLAGS` reaches the inner make through the environment
//! anyway.
//!
//! It is a token and not a `{{use}}` snippet because a call sits inside a
//! command line (`if ! {{make check}}; then`, `until {{make ping}}; do`)
//! where a snippet must be a line of its own, and its variables are any
//! the target reads, with values a snippet parameter cannot be (quotes in
//! command substitutions). The token expands with the snippets, when the
//! spec is read; the check `make.unknown-target` then holds `TARGET` to the
//! chart's Makefile, and `make.unread-variable` the variables to what the
//! target reads, at the token's line.

use super::snippets::token_at;

/// The token's opening.
pub const OPEN: &str = "{{make";

/// The release the guide's block derived `FULLNAME` and the spec's
/// release-derived variables for. The block exports it with them; the
/// Makefile prelude, given it non-empty and not `RELEASE`, stops before
/// any command: a hand-typed `make <chart>-<target> RELEASE=other` after
/// the block would keep the operator's release's `FULLNAME` and act on
/// its objects. Unset (no block: CI, cron) or equal, nothing changes; a
/// `{{make}}` call of another release passes it empty with the derived
/// variables ([`expand_line`]). Not one of the model's `GIVEN_VARIABLES`:
/// no command reads it; but no spec may define it either.
pub const RELEASE_MARKER: &str = "GEN_FOR_RELEASE";

/// The variables every call passes first, the release's, and their values
/// unless the call gives its own.
const RELEASE_VARS: [(&str, &str); 2] =
    [("NAMESPACE", "\"$NAMESPACE\""), ("RELEASE", "\"$RELEASE\"")];

/// A call of the chart's `target` as a guide step writes it: `make
/// <chart>-<target>`, the release's variables, then `vars` (`NAME=value`)
/// in order, broken as [`expand_line`] breaks a token's call. The snippets
/// that call one of the chart's targets (`backup-before-upgrade`,
/// `restore-stopped`) compose their line here, so a make line is written
/// in one place.
pub fn call(chart: &str, target: &str, vars: &[String]) -> String {
    let mut words: Vec<String> = RELEASE_VARS
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect();
    words.extend_from_slice(vars);
    super::snippets::wrapped(&command(chart, target), &words)
}

/// The variables whose value follows from the release: `FULLNAME`, then
/// the spec's variables (with those its database profile adds, which the
/// tokens expand before) whose default reads `$RELEASE`, `$FULLNAME` or
/// one of those before it, in the spec's order. A call of another release
/// blanks them, so the target derives them from its `RELEASE`.
pub fn release_derived(spec: &super::types::Spec) -> Vec<String> {
    let mut vars = spec.variables.clone();
    vars.extend(super::profile::added_variables(spec));
    let mut out = vec!["FULLNAME".to_string()];
    let reads = |default: &str, out: &[String]| {
        std::iter::once("RELEASE")
            .chain(out.iter().map(String::as_str))
            .any(|d| super::shell::uses_var(default, d))
    };
    // One at a time: a default may read a variable defined after it.
    while let Some(v) = vars
        .iter()
        .find(|v| !out.contains(&v.name) && reads(&v.default, &out))
    {
        out.push(v.name.clone());
    }
    out[1..].sort_by_key(|n| vars.iter().position(|v| v.name == *n));
    out
}

/// `make <chart>-<target>`.
fn command(chart: &str, target: &str) -> String {
    format!("make {chart}-{target}")
}

/// What is wrong with a `{{make}}` line: the message and the help.
pub type LineError = (String, String);

/// The lines a run line with `{{make ...}}` becomes, or `None` when it
/// has none; `derived` are the variables a call of another release blanks
/// ([`release_derived`]).
pub fn expand_line(
    line: &str,
    chart: &str,
    derived: &[String],
) -> Result<Option<Vec<String>>, LineError> {
    let Some(at) = token_at(line, OPEN) else {
        return Ok(None);
    };
    let indent = &line[..line.len() - line.trim_start().len()];
    let before = &line[indent.len()..at];
    let inner = &line[at + OPEN.len()..];
    let (words, end) = words(inner).ok_or_else(|| bad("`{{make` is not closed with `}}`"))?;
    let after = &inner[end..];
    let Some((target, vars)) = words.split_first() else {
        return Err(bad("`{{make}}` without a target"));
    };
    if !target
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    {
        return Err(bad(format!("`{target}` is not a target name")));
    }
    let mut args: Vec<(&str, String)> = RELEASE_VARS
        .iter()
        .map(|(n, v)| (*n, v.to_string()))
        .collect();
    let mut named: Vec<&str> = Vec::new();
    for v in vars {
        let Some((name, value)) = v.split_once('=').filter(|(n, _)| is_name(n)) else {
            return Err(bad(format!("`{v}` is not NAME=value")));
        };
        if named.contains(&name) {
            return Err(bad(format!("`{name}` is given twice")));
        }
        named.push(name);
        match args.iter_mut().find(|(n, _)| *n == name) {
            Some(default) => default.1 = value.to_string(),
            None => args.push((name, value.to_string())),
        }
    }
    let other_release = args
        .iter()
        .any(|(n, v)| *n == "RELEASE" && v != RELEASE_VARS[1].1);
    if other_release {
        // The guide's block exports the operator's release's FULLNAME and
        // what follows from it; the prelude would keep them and act on
        // that release's objects.
        let blanks: Vec<(&str, String)> = derived
            .iter()
            .map(String::as_str)
            .chain([RELEASE_MARKER])
            .filter(|d| !named.contains(d))
            .map(|d| (d, "\"\"".to_string()))
            .collect();
        args.splice(RELEASE_VARS.len()..RELEASE_VARS.len(), blanks);
    }
    let mut words: Vec<String> = args.iter().map(|(n, v)| format!("{n}={v}")).collect();
    match after.trim() {
        "" => {}
        "\\" => {
            return Err((
                "a line continued after `{{make ...}}`".into(),
                "write the variables inside the token: `{{make TARGET NAME=value ...}}`".into(),
            ))
        }
        rest if token_at(rest, OPEN).is_some() => {
            return Err((
                "two `{{make}}` on one line".into(),
                "give each `{{make}}` call a line of its own".into(),
            ))
        }
        // `; then`, `)`: no space before it, as the shell is written.
        rest if rest.starts_with([';', ')']) && after.starts_with(rest) => words
            .last_mut()
            .expect("NAMESPACE and RELEASE")
            .push_str(rest),
        rest => words.push(rest.to_string()),
    }
    let text = super::snippets::wrapped(&format!("{before}{}", command(chart, target)), &words);
    Ok(Some(text.lines().map(|l| format!("{indent}{l}")).collect()))
}

/// The shell words of `text` up to the `}}` that closes the token, and
/// where that `}}` ends; `None` when nothing closes it. Quotes and `$(`
/// keep their spaces and braces inside the word.
fn words(text: &str) -> Option<(Vec<String>, usize)> {
    let mut out = Vec::new();
    let mut word = String::new();
    // Open quotes and parentheses, innermost last.
    let mut open: Vec<char> = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match (open.last(), c) {
            (Some('\''), '\'') | (Some('"'), '"') | (Some('('), ')') => {
                open.pop();
            }
            (Some('\''), _) => {}
            (Some('"'), '$') if chars.peek().map(|p| p.1) == Some('(') => {
                word.push(c);
                let (_, p) = chars.next()?;
                word.push(p);
                open.push('(');
                continue;
            }
            (Some('"'), _) => {}
            (_, '\'' | '"' | '(') => open.push(c),
            (None, '}') if text[i..].starts_with("}}") => {
                if !word.is_empty() {
                    out.push(word);
                }
                return Some((out, i + 2));
            }
            (None, ' ' | '\t') => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                continue;
            }
            _ => {}
        }
        word.push(c);
    }
    None
}

fn is_name(n: &str) -> bool {
    !n.is_empty()
        && !n.starts_with(|c: char| c.is_ascii_digit())
        && n.bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
}

fn bad(message: impl Into<String>) -> LineError {
    (
        message.into(),
        "write `{{make TARGET NAME=value ...}}`: a target of the chart's Makefile without \
the chart's prefix, then the variables it reads"
            .into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> String {
        expand_line(line, "redis", &["FULLNAME".into()])
            .unwrap()
            .unwrap()
            .join("\n")
    }

    #[test]
    fn a_call_gets_the_chart_prefix_and_the_release_variables() {
        assert_eq!(
            one("{{make memory}}"),
            "make redis-memory NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\""
        );
        // Broken where the words no longer fit a guide step, two deeper.
        assert_eq!(
            one("  {{make persistence-info-all}}"),
            "  make redis-persistence-info-all NAMESPACE=\"$NAMESPACE\" \\\n    \
             RELEASE=\"$RELEASE\""
        );
        assert_eq!(
            one("{{make restore FILE=\"$(ls -1t \"$BACKUP_DIR\"/r-*.rdb | head -n1)\"}}"),
            "make redis-restore NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\" \\\n  \
             FILE=\"$(ls -1t \"$BACKUP_DIR\"/r-*.rdb | head -n1)\""
        );
        // NAMESPACE and RELEASE given replace the defaults in their place;
        // another release's full name is the target's to derive.
        assert_eq!(
            one("{{make status RELEASE=redis-new NAMESPACE=drill X=1}}"),
            "make redis-status NAMESPACE=drill RELEASE=redis-new FULLNAME=\"\" \\\n  \
             GEN_FOR_RELEASE=\"\" X=1"
        );
        assert_eq!(
            one("{{make status NAMESPACE=drill}}"),
            "make redis-status NAMESPACE=drill RELEASE=\"$RELEASE\""
        );
        assert_eq!(
            one("{{make status RELEASE=r2 FULLNAME=r2-cache}}"),
            "make redis-status NAMESPACE=\"$NAMESPACE\" RELEASE=r2 GEN_FOR_RELEASE=\"\" \\\n  \
             FULLNAME=r2-cache"
        );
        // And every variable that follows from the release, in its place,
        // unless the call gives it.
        let derived = ["FULLNAME".to_string(), "DB_SECRET".to_string()];
        let with = |l: &str| expand_line(l, "c", &derived).unwrap().unwrap().join(" ");
        assert_eq!(
            with("{{make restore RELEASE=c2 DB_HOST=h}}"),
            "make c-restore NAMESPACE=\"$NAMESPACE\" RELEASE=c2 FULLNAME=\"\" \\   DB_SECRET=\"\" GEN_FOR_RELEASE=\"\" DB_HOST=h"
        );
        assert_eq!(
            with("{{make restore RELEASE=c2 DB_SECRET=s}}"),
            "make c-restore NAMESPACE=\"$NAMESPACE\" RELEASE=c2 FULLNAME=\"\" \\   GEN_FOR_RELEASE=\"\" DB_SECRET=s"
        );
        assert_eq!(
            with("{{make restore DB_HOST=h}}"),
            "make c-restore NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\" DB_HOST=h"
        );
        // Text around it stays where it was.
        assert_eq!(
            one("if ! {{make ping}}; then"),
            "if ! make redis-ping NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\"; then"
        );
        assert_eq!(
            one("{{make slowlog N=5}} | tail -n 3"),
            "make redis-slowlog NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\" N=5 \\\n  \
             | tail -n 3"
        );
        for other in ["make redis-memory", "echo '{{makeup}}'"] {
            assert_eq!(expand_line(other, "redis", &[]).unwrap(), None);
        }
    }

    #[test]
    fn what_follows_from_the_release_is_fullname_and_the_defaults_that_read_it() {
        let src = crate::scaffold::new_spec("demo")
            + "variables:\n  - { name: B, default: \"$A-b\", help: x }\n  \
               - { name: A, default: \"${FULLNAME}-a\", help: x }\n  \
               - { name: C, default: \"$RELEASE.c\", help: x }\n  \
               - { name: D, default: \"$RELEASES\", help: x }\n";
        let f = crate::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
        assert_eq!(release_derived(&f.spec), ["FULLNAME", "B", "A", "C"]);
    }

    #[test]
    fn every_line_fits_a_guide_step() {
        let long = one(
            "    {{make a-rather-long-target-name A=\"$BACKUP_DIR/one\" \
             B=\"$BACKUP_DIR/two\" C=3}}",
        );
        assert_eq!(long.lines().count(), 2, "{long}");
        // As a snippet's lines: within the width after the line's indent.
        for l in long.lines() {
            let width = l.len() - 4;
            assert!(width < super::super::validate::MAX_WRITTEN_LINE, "{l:?}");
        }
    }

    #[test]
    fn a_bad_token_says_what_to_write() {
        for (line, message) in [
            ("{{make}}", "without a target"),
            ("{{make status", "not closed"),
            ("{{make status X=\"}}\"", "not closed"),
            ("{{make Status}}", "`Status` is not a target name"),
            ("{{make status x=1}}", "`x=1` is not NAME=value"),
            ("{{make status FILE}}", "`FILE` is not NAME=value"),
            ("{{make status A=1 A=2}}", "`A` is given twice"),
            (
                "{{make status NAMESPACE=a NAMESPACE=b}}",
                "`NAMESPACE` is given twice",
            ),
            ("{{make status}} \\", "continued"),
            ("{{make a}} && {{make b}}", "two `{{make}}`"),
        ] {
            let (m, help) = expand_line(line, "c", &[]).unwrap_err();
            assert!(m.contains(message), "{line}: {m}");
            assert!(help.contains("{{make"), "{line}: {help}");
        }
    }

    #[test]
    fn a_bad_token_is_an_error_at_its_line_and_column() {
        let src = crate::spec::testkit::edited(
            &crate::scaffold::new_spec("demo"),
            &[(
                "    duration: 30m\n    steps:\n",
                "    duration: 30m\n    steps:\n      - title: Restore\n        run: |\n          \
                 echo start\n          {{make restore FILE}}\n",
            )],
        );
        let d = crate::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap_err();
        let line = src.lines().position(|l| l.contains("FILE}}")).unwrap() + 1;
        assert_eq!((d.line, d.column), (line, 11), "{d}");
        assert!(d.message.contains("`FILE` is not NAME=value"), "{d}");
        assert!(d.help.unwrap().contains("{{make TARGET NAME=value ...}}"));
    }
}
