//! YAML, line by line: mapping keys, scalars by kind (strings, numbers,
//! booleans and null), comments, anchors, aliases, tags, document markers,
//! flow collections and block scalars (`|`, `>`), whose lines are strings.

use super::out::{Class, Cursor, Out};

pub fn highlight(code: &str, out: &mut Out) {
    // Indentation of the key that opened a block scalar: more-indented (or
    // blank) lines after it belong to the scalar.
    let mut block: Option<usize> = None;
    for line in code.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let indent = body.len() - body.trim_start_matches(' ').len();
        if let Some(parent) = block {
            if body.trim().is_empty() || indent > parent {
                out.push(Some(Class::Str), body);
                out.plain(&line[body.len()..]);
                continue;
            }
            block = None;
        }
        let mut c = Cursor::new(body);
        out.plain(c.take(indent));
        if (c.starts_with("---") || c.starts_with("...")) && indent == 0 {
            let after = c.peek_at(3);
            if after.is_none() || after == Some(b' ') || after == Some(b'\t') {
                out.push(Some(Class::Keyword), c.take(3));
            }
        }
        if node(&mut c, out) {
            block = Some(indent);
        }
        out.plain(c.rest());
        out.plain(&line[body.len()..]);
    }
}

fn space(c: &mut Cursor, out: &mut Out) {
    let ws = c.take_while(|b| b == b' ' || b == b'\t');
    out.plain(ws);
}

/// The rest of a line from a node on: `- ` items, `key: value`, or a
/// value. Returns whether it opened a block scalar.
fn node(c: &mut Cursor, out: &mut Out) -> bool {
    loop {
        space(c, out);
        match (c.peek(), c.peek_at(1)) {
            (Some(b'-'), None | Some(b' ' | b'\t')) => out.plain(c.take(1)),
            (Some(b'?'), None | Some(b' ' | b'\t')) => out.push(Some(Class::Keyword), c.take(1)),
            _ => break,
        }
    }
    if key(c, out) {
        space(c, out);
    }
    value(c, out)
}

/// A mapping key and its colon, if the line has one here.
fn key(c: &mut Cursor, out: &mut Out) -> bool {
    let rest = c.rest();
    let end = match rest.as_bytes().first() {
        Some(q @ (b'"' | b'\'')) => quoted_len(rest, *q),
        Some(b'#' | b'[' | b'{' | b'&' | b'*' | b'!' | b'|' | b'>' | b'%' | b'@' | b'`') | None => {
            return false
        }
        Some(_) => plain_len(rest, false),
    };
    let after = rest[end..].trim_start_matches([' ', '\t']);
    let colon =
        after.starts_with(':') && matches!(after.as_bytes().get(1), None | Some(b' ' | b'\t'));
    if !colon || end == 0 {
        return false;
    }
    out.push(Some(Class::Key), c.take(end));
    space(c, out);
    out.plain(c.take(1));
    true
}

/// Length of a quoted scalar at the start of `s` (to the end of the line
/// when it is not closed there).
fn quoted_len(s: &str, q: u8) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    while i < b.len() {
        if q == b'"' && b[i] == b'\\' {
            i += 2;
            continue;
        }
        if b[i] == q {
            if q == b'\'' && b.get(i + 1) == Some(&b'\'') {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    b.len()
}

/// Length of a plain scalar at the start of `s`: up to `: `, ` #` or the
/// end of the line; in flow context also up to `,`, `]`, `}` and `:`.
fn plain_len(s: &str, flow: bool) -> usize {
    let b = s.as_bytes();
    let mut end = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b':' if matches!(b.get(i + 1), None | Some(b' ' | b'\t'))
                || (flow && matches!(b.get(i + 1), Some(b',' | b']' | b'}'))) =>
            {
                break
            }
            b'#' if i > 0 && matches!(b[i - 1], b' ' | b'\t') => break,
            b',' | b']' | b'}' | b'[' | b'{' if flow => break,
            b' ' | b'\t' => {}
            _ => end = i + 1,
        }
        i += 1;
    }
    // Trailing blanks are not part of the scalar; stop on a char boundary.
    while end < b.len() && !s.is_char_boundary(end) {
        end += 1;
    }
    end
}

/// What a plain scalar is.
fn scalar_class(s: &str) -> Class {
    match s {
        "true" | "True" | "TRUE" | "false" | "False" | "FALSE" | "yes" | "Yes" | "YES" | "no"
        | "No" | "NO" | "on" | "On" | "ON" | "off" | "Off" | "OFF" | "null" | "Null" | "NULL"
        | "~" | ".inf" | "-.inf" | "+.inf" | ".nan" | ".NaN" | ".Inf" | "-.Inf" => Class::Num,
        _ if is_number(s) => Class::Num,
        _ => Class::Str,
    }
}

fn is_number(s: &str) -> bool {
    let t = s.strip_prefix(['-', '+']).unwrap_or(s);
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0o")) {
        return !h.is_empty() && h.bytes().all(|b| b.is_ascii_hexdigit());
    }
    let mut digits = 0;
    let mut dot = false;
    let mut exp = false;
    let b = t.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'0'..=b'9' => digits += 1,
            b'.' if !dot && !exp => dot = true,
            b'e' | b'E' if digits > 0 && !exp => {
                exp = true;
                if matches!(b.get(i + 1), Some(b'-' | b'+')) {
                    i += 1;
                }
            }
            _ => return false,
        }
        i += 1;
    }
    digits > 0
}

/// A value after a key, a `- ` or at the start of a line. Returns whether
/// it is a block scalar indicator.
fn value(c: &mut Cursor, out: &mut Out) -> bool {
    let mut block = false;
    loop {
        space(c, out);
        let Some(b) = c.peek() else { break };
        match b {
            b'#' => {
                out.push(Some(Class::Comment), c.take_line());
            }
            b'&' | b'*' => {
                let name = c.take_while(|b| !matches!(b, b' ' | b'\t' | b',' | b']' | b'}'));
                out.push(Some(Class::Var), name);
            }
            b'!' => {
                let tag = c.take_while(|b| b != b' ' && b != b'\t');
                out.push(Some(Class::Type), tag);
            }
            b'|' | b'>' => {
                let ind = c.take_while(|b| matches!(b, b'|' | b'>' | b'-' | b'+' | b'0'..=b'9'));
                out.push(Some(Class::Keyword), ind);
                block = true;
            }
            b'[' | b'{' => flow(c, out),
            b'"' | b'\'' => {
                let n = quoted_len(c.rest(), b);
                out.push(Some(Class::Str), c.take(n));
            }
            _ => {
                let n = plain_len(c.rest(), false).max(1);
                let n = char_end(c.rest(), n);
                let text = c.take(n);
                out.push(Some(scalar_class(text)), text);
            }
        }
    }
    block
}

/// `n` moved forward to a character boundary of `s`.
fn char_end(s: &str, mut n: usize) -> usize {
    while n < s.len() && !s.is_char_boundary(n) {
        n += 1;
    }
    n.min(s.len())
}

/// A flow collection, to the end of the line (YAML lets it continue on
/// later lines; those are lexed as values, which is close enough).
fn flow(c: &mut Cursor, out: &mut Out) {
    let mut depth = 0usize;
    while let Some(b) = c.peek() {
        match b {
            b'[' | b'{' => {
                depth += 1;
                out.plain(c.take(1));
            }
            b']' | b'}' => {
                out.plain(c.take(1));
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return;
                }
            }
            b',' | b':' | b' ' | b'\t' => out.plain(c.take(1)),
            b'"' | b'\'' => {
                let n = quoted_len(c.rest(), b);
                let text = c.take(n);
                let class = if is_key(c.rest()) {
                    Class::Key
                } else {
                    Class::Str
                };
                out.push(Some(class), text);
            }
            b'#' if depth == 0 => return,
            _ => {
                let n = char_end(c.rest(), plain_len(c.rest(), true).max(1));
                let text = c.take(n);
                let class = if is_key(c.rest()) {
                    Class::Key
                } else {
                    scalar_class(text)
                };
                out.push(Some(class), text);
            }
        }
    }
}

fn is_key(rest: &str) -> bool {
    rest.trim_start_matches([' ', '\t']).starts_with(':')
}
