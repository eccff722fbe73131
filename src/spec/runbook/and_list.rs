//! `runbook.and-list-unchecked`: a check on the left of `&&` in a block
//! that goes on after it. `set -e` ignores the failure of any command of
//! an AND-OR list but the last (POSIX, `set -e`), so `gzip -t "$F" &&
//! echo ok` followed by more commands lets a corrupt archive through: in
//! a make recipe (run after `set -eu`), in a target composed of several
//! steps, and in the terminal of an operator who pastes the block, whose
//! next line runs anyway. Prometheus's restore checked its archive so.
//!
//! A check (the table [`CHECKS`]) on the left of `&&`, in a list that is
//! neither the block's last command (its status is the block's; for a
//! step, the last step's) nor a condition (`if`, `elif`, `while`,
//! `until`, `!`), nor has an `||` that handles the failure, is a finding. Commands inside `$( )`, `( )` and
//! quotes are left alone: a substitution's or subshell's status is its
//! last command's, and a quoted script runs in another shell.

use crate::diagnostics::Diagnostic;
use crate::spec::shell::allowed;
use crate::spec::SpecFile;

/// A list that breaks the rule: the line (0-based) its check starts on,
/// and the check's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub what: String,
}

/// The allowance comment: `# and-list: REASON`.
pub const AND_LIST: &str = "and-list";

/// A command whose only job is its exit status: `(program, what of its
/// arguments makes it a check)`. `None`: always; `Some(flag)`: an
/// argument that is the flag, or a short-option group holding the flag's
/// letter (`-qx` for `-q`, `-tzf` for `-t`). The first [`CONDITIONS`]
/// entries are conditions as often as checks: see [`unchecked_and_lists`].
const CHECKS: &[(&str, Option<&str>)] = &[
    ("test", None),
    ("[", None),
    ("[[", None),
    ("grep", Some("-q")),
    ("grep", Some("--quiet")),
    ("jq", Some("-e")),
    ("cmp", None),
    ("gzip", Some("-t")),
    ("gunzip", Some("-t")),
    ("xz", Some("-t")),
    ("zstd", Some("-t")),
    ("bzip2", Some("-t")),
    ("unzip", Some("-t")),
    ("tar", Some("-t")),
    ("tar", Some("--list")),
    ("sha256sum", Some("-c")),
    ("sha512sum", Some("-c")),
    ("sha1sum", Some("-c")),
    ("md5sum", Some("-c")),
    ("age", Some("-d")),
    ("age", Some("--decrypt")),
    ("gpg", Some("--verify")),
    ("pg_restore", Some("-l")),
    ("pg_restore", Some("--list")),
    ("pg_restore", Some("/dev/null")),
];

/// How many entries at the head of [`CHECKS`] are conditions: `test`,
/// `[`, `grep -q` decide a branch (`[ -e "$f" ] && mv "$f" old/`, `...
/// && continue`) more often than they check. One counts as a check only
/// when all that follows it reports (`test -s "$F" && ls -l "$F"`).
const CONDITIONS: usize = 6;

/// Commands that only report: a condition followed by nothing else is a
/// check whose failure only skips the report.
const REPORTS: &[&str] = &["echo", "printf", "ls", "true", ":"];

/// Which entry of [`CHECKS`] the words of one simple command are, if
/// any. A command run in a pod (`kubectl exec ... -- CMD`) is its `CMD`.
fn check_of(words: &[&str]) -> Option<usize> {
    let words = match words.iter().position(|w| *w == "--") {
        Some(at) if words.first() == Some(&"kubectl") && words.contains(&"exec") => {
            &words[at + 1..]
        }
        _ => words,
    };
    // Leading `VAR=value` assignments.
    let words: Vec<&str> = words
        .iter()
        .copied()
        .skip_while(|w| w.split_once('=').is_some_and(|(k, _)| is_name(k)))
        .collect();
    let program = words.first()?;
    let has = |flag: &str| {
        words[1..].iter().any(|w| {
            let w = w.trim_matches(['"', '\'']);
            w == flag
                || (flag.len() == 2
                    && flag.starts_with('-')
                    && w.starts_with('-')
                    && !w.starts_with("--")
                    && w[1..].contains(&flag[1..]))
                || (*program == "tar" && flag == "-t" && is_tar_mode_t(&words, w))
        })
    };
    CHECKS
        .iter()
        .position(|(p, flag)| p == program && flag.is_none_or(has))
}

/// `tar tzf FILE`: the old-style mode word, the first argument.
fn is_tar_mode_t(words: &[&str], w: &str) -> bool {
    words.get(1) == Some(&w) && !w.starts_with('-') && w.starts_with('t')
}

fn is_name(k: &str) -> bool {
    !k.is_empty()
        && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !k.starts_with(|c: char| c.is_ascii_digit())
}

/// How two parts of a list are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Pipe,
}

/// One AND-OR list at the top level of a block: its pipelines' simple
/// commands with the line each starts on, and the operators between.
#[derive(Debug, Default)]
struct List {
    parts: Vec<(usize, String)>,
    ops: Vec<Op>,
}

/// Splits `text` into its top-level AND-OR lists, in order. Newlines
/// inside quotes, `$( )`/`( )`/`{ }` groups or after an operator or `\`
/// continue the list; heredoc bodies and comments are dropped.
fn lists(text: &str) -> Vec<List> {
    let chars: Vec<char> = text.chars().collect();
    let (mut out, mut cur) = (Vec::new(), List::default());
    let (mut word, mut line, mut start) = (String::new(), 0usize, 0usize);
    let (mut quote, mut depth) = (None::<char>, 0usize);
    let mut heredocs: Vec<String> = Vec::new();
    let mut after_op = false;
    let mut i = 0;
    let end_part = |cur: &mut List, word: &mut String, start: usize| {
        let w = word.trim().to_string();
        if !w.is_empty() {
            cur.parts.push((start, w));
        }
        word.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if word.trim().is_empty() && !c.is_whitespace() {
            start = line;
        }
        match (quote, c) {
            (Some('\''), '\'') | (Some('"'), '"') => quote = None,
            (Some('"'), '\\') => {
                word.push(c);
                if let Some(n) = next {
                    word.push(n);
                    line += usize::from(n == '\n');
                }
                i += 2;
                continue;
            }
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '\\') => {
                i += 1;
                if next == Some('\n') {
                    line += 1;
                    word.push(' ');
                } else if let Some(n) = next {
                    word.push(c);
                    word.push(n);
                }
                i += 1;
                continue;
            }
            (None, '#') if word.is_empty() || word.ends_with(char::is_whitespace) => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            (None, '(' | '{') if depth > 0 || c == '(' || word.trim().is_empty() => depth += 1,
            (None, ')' | '}') if depth > 0 => depth -= 1,
            (None, '<')
                if depth == 0
                    && next == Some('<')
                    && chars.get(i + 2) != Some(&'<')
                    && (i == 0 || chars[i - 1] != '<') =>
            {
                // A heredoc: its body (after this line) is not shell.
                let rest: String = chars[i + 2..].iter().take_while(|c| **c != '\n').collect();
                let rest = rest.trim_start_matches(['-', '<']).trim_start();
                let tag: String = rest
                    .trim_start_matches(['\'', '"'])
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !tag.is_empty() {
                    heredocs.push(tag);
                }
            }
            (None, '&' | '|') if depth == 0 => {
                let op = match (c, next) {
                    ('&', Some('&')) => Some(Op::And),
                    ('|', Some('|')) => Some(Op::Or),
                    ('|', _) => Some(Op::Pipe),
                    _ => None,
                };
                end_part(&mut cur, &mut word, start);
                match op {
                    Some(op) => {
                        cur.ops.push(op);
                        i += if op == Op::Pipe { 1 } else { 2 };
                        after_op = true;
                    }
                    None => {
                        // `cmd &`: the list ends, in the background.
                        out.push(std::mem::take(&mut cur));
                        i += 1;
                    }
                }
                continue;
            }
            (None, ';') if depth == 0 && next != Some(';') => {
                end_part(&mut cur, &mut word, start);
                out.push(std::mem::take(&mut cur));
                i += 1;
                continue;
            }
            (None, '\n') if depth == 0 => {
                line += 1;
                i += 1;
                if !heredocs.is_empty() {
                    // Skip the bodies, to each one's closing tag.
                    for tag in std::mem::take(&mut heredocs) {
                        while i < chars.len() {
                            let l: String = chars[i..].iter().take_while(|c| **c != '\n').collect();
                            i += l.chars().count() + 1;
                            line += 1;
                            if l.trim() == tag {
                                break;
                            }
                        }
                    }
                }
                if after_op && word.trim().is_empty() {
                    continue;
                }
                end_part(&mut cur, &mut word, start);
                out.push(std::mem::take(&mut cur));
                after_op = false;
                continue;
            }
            _ => {}
        }
        if c == '\n' {
            line += 1;
        }
        if !c.is_whitespace() {
            after_op = false;
        }
        word.push(c);
        i += 1;
    }
    end_part(&mut cur, &mut word, start);
    out.push(cur);
    out.retain(|l| !l.parts.is_empty());
    out
}

/// Words that only close a compound command: a list of only these does
/// not go on after the one before it.
fn closes(part: &str) -> bool {
    part.split_whitespace()
        .all(|w| matches!(w, "fi" | "done" | "esac" | "}" | ")" | ";;"))
}

/// The lines (0-based) of `text` where a check stands left of `&&` in a
/// list that neither ends the block (unless `goes_on`: more steps of the
/// procedure follow it), nor is a condition, nor handles the failure
/// with `||`. A condition ([`CONDITIONS`]) counts only when all that
/// follows it in the list reports ([`REPORTS`]).
pub fn unchecked_and_lists(text: &str, goes_on: bool) -> Vec<Finding> {
    let lines: Vec<&str> = text.lines().collect();
    let lists = lists(text);
    let last = lists
        .iter()
        .rposition(|l| !l.parts.iter().all(|(_, p)| closes(p)));
    let mut out = Vec::new();
    for (n, list) in lists.iter().enumerate() {
        // An `||` handles the failure, unless it only swallows it.
        let handled = list.ops.iter().enumerate().any(|(k, op)| {
            *op == Op::Or
                && !matches!(
                    list.parts.get(k + 1).map(|p| p.1.as_str()),
                    Some("true" | ":")
                )
        });
        if (Some(n) == last && !goes_on) || handled || !list.ops.contains(&Op::And) {
            continue;
        }
        let mut first = list.parts[0].1.as_str();
        for kw in ["then", "do", "else", "{"] {
            first = first.strip_prefix(kw).map_or(first, str::trim_start);
        }
        let head = first.split_whitespace().next().unwrap_or_default();
        if matches!(head, "if" | "elif" | "while" | "until" | "!") {
            continue;
        }
        // Each pipeline left of an `&&`: its status is its last command's.
        let mut pipeline_end = Vec::new();
        for (k, op) in list.ops.iter().enumerate() {
            if *op == Op::And {
                pipeline_end.push(k);
            }
        }
        for k in pipeline_end {
            let (at, part) = &list.parts[k];
            let part = if k == 0 { first } else { part.as_str() };
            let words: Vec<&str> = part.split_whitespace().collect();
            let words: Vec<&str> = words
                .iter()
                .copied()
                .take_while(|w| !w.starts_with('>') && !w.starts_with("2>"))
                .collect();
            let reports = || {
                list.parts[k + 1..].iter().all(|(_, p)| {
                    let w = p.split_whitespace().next().unwrap_or_default();
                    REPORTS.contains(&w)
                })
            };
            let check = check_of(&words).filter(|&c| c >= CONDITIONS || reports());
            if check.is_some() && !allowed(&lines, *at, AND_LIST) {
                out.push(Finding {
                    line: *at,
                    what: part.to_string(),
                });
                break;
            }
        }
    }
    out
}

/// `runbook.and-list-unchecked` over each run block of `file`: each
/// step (one that more steps of its procedure follow goes on after its
/// last line: the operator pastes them into the same shell, a composed
/// target runs them in one recipe), operation and troubleshooting
/// command.
pub fn check(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let mut blocks: Vec<(String, String, bool)> = Vec::new();
    for (_, steps) in super::procedures(s) {
        let n = steps.len();
        for (i, (path, run)) in steps.into_iter().enumerate() {
            blocks.push((path, run, i + 1 < n));
        }
    }
    for (i, op) in s.operations.iter().enumerate() {
        blocks.push((format!("operations[{i}].run"), op.run.clone(), false));
    }
    for (i, t) in s.troubleshooting.iter().enumerate() {
        if let Some(run) = &t.run {
            blocks.push((format!("troubleshooting[{i}].run"), run.clone(), false));
        }
    }
    let help = "put the check on its own line (`gzip -t \"$F\"`), or, where the command after it must not run on a failed check, make the check its `if`: `if CHECK; then CMD; else echo WHY >&2; false; fi`; else `# and-list: REASON`";
    let mut seen = std::collections::BTreeSet::new();
    for (path, text, goes_on) in blocks {
        for f in unchecked_and_lists(&text, goes_on) {
            let d = file.error_in_text(&path, f.line, format!(
                "`{}` is a check on the left of `&&` with more commands after it: `set -e` ignores its failure there, so a failed check does not stop the block",
                f.what.split_whitespace().collect::<Vec<_>>().join(" ")
            ));
            // A composed target repeats its steps' lines.
            if seen.insert((d.line, d.message.clone())) {
                out.push(d.help(help));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(text: &str) -> Vec<usize> {
        unchecked_and_lists(text, false)
            .iter()
            .map(|f| f.line)
            .collect()
    }

    #[test]
    fn a_check_left_of_and_with_more_after_it_is_found() {
        // Prometheus's restore step 1, as it was.
        let text =
            "F=$(ls -1t x | head -n 1)\ngzip -t \"$F\" && echo \"archive ok\"\ntar -xzf \"$F\"\n";
        assert_eq!(found(text), [1]);
        assert_eq!(unchecked_and_lists(text, false)[0].what, "gzip -t \"$F\"");
        for check in [
            "test -s f",
            "[ -s f ]",
            "cmp a b",
            "tar -tzf f | grep -qx db.sqlite3",
            "sha256sum -c f.sha256",
            "age -d -i k f >/dev/null",
            "kubectl exec \"$POD\" -- gzip -t /x",
            "tar tzf f",
        ] {
            assert_eq!(
                found(&format!("{check} && echo ok\nnext\n")),
                [0],
                "{check}"
            );
        }
        // Over a continuation, at the line the check starts on.
        assert_eq!(found("a\ngzip -t \"$F\" \\\n  && echo ok\nb\n"), [1]);
        assert_eq!(found("a\ngzip -t \"$F\" &&\n  echo ok\nb\n"), [1]);
        // In an if's body or a loop's, with more after it.
        assert_eq!(found("if x; then\n  gzip -t f && echo ok\n  y\nfi\n"), [1]);
        assert_eq!(found("cd /d; gzip -t f && echo ok; tar -xzf f\n"), [0]);
    }

    #[test]
    fn what_stops_or_ends_the_block_is_left_alone() {
        // The fixes.
        assert!(found("gzip -t \"$F\"\necho ok\ntar -xzf \"$F\"\n").is_empty());
        let stops =
            "if ! gzip -t \"$F\"; then echo \"$F is cut\" >&2; exit 1; fi\ntar -xzf \"$F\"\n";
        assert!(found(stops).is_empty());
        // The block's last command: its status is the block's, unless
        // more steps of the procedure follow.
        assert!(found("a\ngzip -t f && echo ok\n").is_empty());
        assert_eq!(
            unchecked_and_lists("a\ngzip -t f && echo ok\n", true)[0].line,
            1
        );
        assert!(found("for f in *; do\n  b\ndone\ngzip -t f && echo ok\nfi\n").is_empty());
        // Handled by `||`, a condition, a negation.
        assert!(found("gzip -t f && echo ok || { echo bad; exit 1; }\nb\n").is_empty());
        assert_eq!(found("gzip -t f && echo ok || true\nb\n"), [0]);
        assert!(found("while [ -s f ] && sleep 1; do :; done\nb\n").is_empty());
        assert!(found("! test -s f && echo empty\nb\n").is_empty());
        // Not a check, or not at the top level.
        assert!(found("cd /data && tar -xzf f\nb\n").is_empty());
        assert!(found("X=$(test -s f && cat f)\nb\n").is_empty());
        assert!(found("sh -c 'test -s f && echo ok\n  b'\nc\n").is_empty());
        assert!(found("cat <<EOF\ntest -s f && echo ok\nEOF\nb\n").is_empty());
        assert!(found("# gzip -t f && echo ok\nb\n").is_empty());
        // Right of `&&` is not left of it.
        assert!(found("cd /d && gzip -t f\nb\n").is_empty());
        // A condition that decides a branch, not a check.
        assert!(found("[ -e \"$f\" ] && mv \"$f\" old/\nb\n").is_empty());
        assert!(found("[ -n \"$SKIP\" ] && exit 0\nb\n").is_empty());
        assert!(found("grep -q x f && { echo bad >&2; exit 1; }\nb\n").is_empty());
        assert_eq!(found("test -s \"$F\" && ls -l \"$F\"\nb\n"), [0]);
        // Said on purpose.
        assert!(found("# and-list: only prints\n[ -s f ] && echo present\nb\n").is_empty());
        assert_eq!(found("[ -s f ] && echo present # and-list:\nb\n"), [0]);
    }

    /// Real `sh -e`, on a file that is not gzip: the pattern goes on to
    /// the next command and exits 0; the check on its own line and the
    /// handled list stop with 1. The detector agrees on all three.
    #[test]
    fn sh_e_goes_on_after_a_failed_check_left_of_and() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("cut.tar.gz");
        std::fs::write(&f, "not gzip").unwrap();
        let run = |script: &str| {
            let out = std::process::Command::new("sh")
                .args(["-e", "-c", script, "sh"])
                .arg(&f)
                .output()
                .expect("sh runs");
            let said = String::from_utf8_lossy(&out.stdout).to_string();
            (out.status.code(), said.contains("went on"))
        };
        let pattern = "gzip -t \"$1\" && echo ok\necho went on\n";
        assert_eq!(run(pattern), (Some(0), true));
        assert_eq!(found(pattern), [0]);
        for fix in [
            "gzip -t \"$1\"\necho ok\necho went on\n",
            "if gzip -t \"$1\"; then echo ok; else echo cut >&2; false; fi\necho went on\n",
        ] {
            assert_eq!(run(fix), (Some(1), false), "{fix}");
            assert!(found(fix).is_empty(), "{fix}");
        }
    }
}
