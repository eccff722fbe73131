//! Makefiles: rules (targets as names, `.PHONY` and friends as keywords),
//! variable assignments, directives, `$(...)` references, comments, and
//! recipe lines, which are shell (see [`super::shell::recipe`]).

use super::out::{Class, Cursor, Out};
use super::shell;

const DIRECTIVES: &[&str] = &[
    "-include", "define", "else", "endef", "endif", "export", "ifdef", "ifeq", "ifndef", "ifneq",
    "include", "override", "private", "sinclude", "undefine", "unexport", "vpath",
];

const ASSIGN: &[&str] = &["::=", ":::=", ":=", "?=", "+=", "!=", "="];

pub fn highlight(code: &str, out: &mut Out) {
    let mut rest = code;
    let mut in_define = false;
    while !rest.is_empty() {
        // A logical line: physical lines joined by a trailing backslash.
        let mut end = 0;
        for line in rest.split_inclusive('\n') {
            end += line.len();
            if !line.trim_end_matches(['\n', '\r']).ends_with('\\') {
                break;
            }
        }
        let (logical, tail) = rest.split_at(end);
        rest = tail;
        let first = logical.split_whitespace().next().unwrap_or("");
        if in_define {
            if first == "endef" {
                in_define = false;
                line(logical, out);
            } else {
                out.push(Some(Class::Str), logical);
            }
            continue;
        }
        if first == "define" {
            in_define = true;
        }
        if let Some(cmd) = logical.strip_prefix('\t') {
            out.plain("\t");
            let mut c = Cursor::new(cmd);
            let prefix = c.take_while(|b| matches!(b, b'@' | b'-' | b'+'));
            out.push(Some(Class::Keyword), prefix);
            shell::recipe(c.rest(), out);
        } else {
            line(logical, out);
        }
    }
}

/// A line that is not a recipe.
fn line(text: &str, out: &mut Out) {
    let body = text.trim_end_matches(['\n', '\r']);
    line_body(body, out);
    out.plain(&text[body.len()..]);
}

fn line_body(text: &str, out: &mut Out) {
    let mut c = Cursor::new(text);
    out.plain(c.take_while(|b| b == b' ' || b == b'\t'));
    if c.peek() == Some(b'#') {
        out.push(Some(Class::Comment), c.rest());
        return;
    }
    let word_len = c
        .rest()
        .find(|ch: char| ch.is_whitespace() || ch == '(')
        .unwrap_or(c.rest().len());
    if DIRECTIVES.contains(&&c.rest()[..word_len]) {
        out.push(Some(Class::Keyword), c.take(word_len));
        let rest = c.rest();
        if assignment(rest).is_some() {
            let ws = c.take_while(|b| b == b' ' || b == b'\t');
            out.plain(ws);
            assign_or_rule(c.rest(), out);
        } else {
            text_refs(rest, out);
        }
        return;
    }
    assign_or_rule(c.rest(), out);
}

/// Where an assignment operator is, if the line assigns: (start, length).
fn assignment(s: &str) -> Option<(usize, usize)> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    for i in 0..b.len() {
        match b[i] {
            b'(' | b'{' => depth += 1,
            b')' | b'}' => depth = depth.saturating_sub(1),
            b'#' | b'\n' | b';' if depth == 0 => return None,
            b':' | b'?' | b'+' | b'!' | b'=' if depth == 0 => {
                return ASSIGN
                    .iter()
                    .find(|op| s[i..].starts_with(**op))
                    .map(|op| (i, op.len()));
            }
            _ => {}
        }
    }
    None
}

fn assign_or_rule(s: &str, out: &mut Out) {
    if let Some((at, len)) = assignment(s) {
        let name = &s[..at];
        let trimmed = name.trim_end();
        out.push(Some(Class::Var), trimmed);
        out.plain(&name[trimmed.len()..]);
        out.push(Some(Class::Keyword), &s[at..at + len]);
        text_refs(&s[at + len..], out);
        return;
    }
    // A rule: `targets: prerequisites ; recipe`.
    let colon = rule_colon(s);
    let Some(colon) = colon else {
        text_refs(s, out);
        return;
    };
    let targets = &s[..colon];
    let class = if targets.trim_start().starts_with('.') {
        Class::Keyword
    } else {
        Class::Func
    };
    refs(targets, out, Some(class));
    let ops = s[colon..].bytes().take_while(|b| *b == b':').count();
    out.plain(&s[colon..colon + ops]);
    let after = &s[colon + ops..];
    match after.find(';') {
        Some(semi) if !after[..semi].contains('#') => {
            text_refs(&after[..semi], out);
            out.push(Some(Class::Keyword), ";");
            shell::recipe(&after[semi + 1..], out);
        }
        _ => text_refs(after, out),
    }
}

fn rule_colon(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    for (i, ch) in b.iter().enumerate() {
        match ch {
            b'(' | b'{' => depth += 1,
            b')' | b'}' => depth = depth.saturating_sub(1),
            b'#' | b'\n' if depth == 0 => return None,
            b':' if depth == 0 => return Some(i),
            _ => {}
        }
    }
    None
}

/// Text with `$(...)` references and a trailing comment.
fn text_refs(s: &str, out: &mut Out) {
    refs(s, out, None);
}

fn refs(s: &str, out: &mut Out, class: Option<Class>) {
    let mut c = Cursor::new(s);
    while let Some(b) = c.peek() {
        match b {
            b'$' => {
                let text = match c.peek_at(1) {
                    Some(b'(' | b'{') => c.reference(),
                    _ => {
                        let start = c.i;
                        c.i += 1;
                        c.take_char();
                        &s[start..c.i]
                    }
                };
                out.push(Some(Class::Var), text);
            }
            b'#' if class.is_none() => {
                out.push(Some(Class::Comment), c.take_line());
            }
            b'\\' => {
                let start = c.i;
                c.i += 1;
                c.take_char();
                out.push(class, &s[start..c.i]);
            }
            _ => {
                let mut run = c.take_while(|b| !matches!(b, b'$' | b'#' | b'\\'));
                if run.is_empty() {
                    // A `#` inside a target's parentheses.
                    run = c.take_char();
                }
                out.push(class, run);
            }
        }
    }
}
