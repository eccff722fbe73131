//! Data formats with a small grammar: JSON, and INI / Java properties.

use super::out::{Class, Cursor, Out};

/// JSON (and JSON with comments): keys, strings, numbers, literals.
pub fn json(code: &str, out: &mut Out) {
    let mut c = Cursor::new(code);
    while let Some(b) = c.peek() {
        match b {
            b'"' => {
                let start = c.i;
                c.i += 1;
                while let Some(x) = c.peek() {
                    c.i += 1;
                    if x == b'\\' {
                        c.take_char();
                    } else if x == b'"' || x == b'\n' {
                        if x == b'\n' {
                            c.i -= 1;
                        }
                        break;
                    }
                }
                let text = &code[start..c.i];
                let key = c.rest().trim_start().starts_with(':');
                out.push(Some(if key { Class::Key } else { Class::Str }), text);
            }
            b'-' | b'0'..=b'9' => {
                let n = c.take_while(|b| {
                    b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E')
                });
                out.push(Some(Class::Num), n);
            }
            b'/' if c.peek_at(1) == Some(b'/') => out.push(Some(Class::Comment), c.take_line()),
            b if b.is_ascii_alphabetic() => {
                let w = c.take_while(|b| b.is_ascii_alphanumeric());
                let class = matches!(w, "true" | "false" | "null").then_some(Class::Num);
                out.push(class, w);
            }
            _ => {
                let run = c.take_while(|b| {
                    !(b == b'"' || b == b'-' || b == b'/' || b.is_ascii_alphanumeric())
                });
                if run.is_empty() {
                    out.plain(c.take_char());
                } else {
                    out.plain(run);
                }
            }
        }
    }
}

/// INI files and Java properties: comments, `[sections]`, `key = value`.
pub fn ini(code: &str, out: &mut Out) {
    let mut continued = false;
    for line in code.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let eol = &line[body.len()..];
        if continued {
            out.push(Some(Class::Str), body);
            out.plain(eol);
            continued = body.ends_with('\\');
            continue;
        }
        let trimmed = body.trim_start();
        let indent = &body[..body.len() - trimmed.len()];
        out.plain(indent);
        if trimmed.starts_with(['#', ';', '!']) {
            out.push(Some(Class::Comment), trimmed);
        } else if trimmed.starts_with('[') {
            out.push(Some(Class::Key), trimmed);
        } else if let Some(i) = trimmed.find(['=', ':']) {
            let key = trimmed[..i].trim_end();
            out.push(Some(Class::Attr), key);
            out.plain(&trimmed[key.len()..=i]);
            let value = &trimmed[i + 1..];
            let v = value.trim_start();
            out.plain(&value[..value.len() - v.len()]);
            out.push(Some(Class::Str), v);
            continued = v.ends_with('\\');
        } else {
            out.plain(trimmed);
        }
        out.plain(eol);
    }
}
