//! SQL as the guides use it (PostgreSQL, MySQL, ClickHouse statements and
//! psql meta-commands): keywords, types, function calls, strings
//! (including PostgreSQL's dollar quoting), numbers, comments, parameters.

use super::out::{Class, Cursor, Out};

/// Sorted, upper case.
const KEYWORDS: &[&str] = &[
    "ADD",
    "ALL",
    "ALTER",
    "ANALYZE",
    "AND",
    "ANY",
    "AS",
    "ASC",
    "BACKUP",
    "BEGIN",
    "BETWEEN",
    "BY",
    "CASCADE",
    "CASE",
    "CHECK",
    "CHECKPOINT",
    "COLUMN",
    "COMMIT",
    "CONSTRAINT",
    "COPY",
    "CREATE",
    "CROSS",
    "DATABASE",
    "DEFAULT",
    "DELETE",
    "DESC",
    "DISTINCT",
    "DROP",
    "ELSE",
    "END",
    "EXCEPT",
    "EXISTS",
    "EXPLAIN",
    "EXTENSION",
    "FALSE",
    "FETCH",
    "FLUSH",
    "FOR",
    "FOREIGN",
    "FROM",
    "FULL",
    "FUNCTION",
    "GRANT",
    "GROUP",
    "HAVING",
    "IDENTIFIED",
    "IF",
    "ILIKE",
    "IN",
    "INDEX",
    "INNER",
    "INSERT",
    "INTERSECT",
    "INTO",
    "IS",
    "JOIN",
    "KEY",
    "KILL",
    "LEFT",
    "LIKE",
    "LIMIT",
    "LOCK",
    "LOGIN",
    "NOT",
    "NULL",
    "OF",
    "OFFSET",
    "ON",
    "OPTIMIZE",
    "OR",
    "ORDER",
    "OUTER",
    "OWNER",
    "PARTITION",
    "PASSWORD",
    "PRIMARY",
    "PRIVILEGES",
    "PUBLICATION",
    "REFERENCES",
    "REINDEX",
    "RENAME",
    "REPLACE",
    "REPLICATION",
    "RESTORE",
    "RETURNING",
    "RETURNS",
    "REVOKE",
    "RIGHT",
    "ROLE",
    "ROLLBACK",
    "SCHEMA",
    "SELECT",
    "SET",
    "SHOW",
    "SLAVE",
    "START",
    "STATUS",
    "SUBSCRIPTION",
    "SYSTEM",
    "TABLE",
    "TABLES",
    "THEN",
    "TO",
    "TRANSACTION",
    "TRUE",
    "TRUNCATE",
    "UNION",
    "UNIQUE",
    "UNLOCK",
    "UPDATE",
    "USE",
    "USER",
    "USING",
    "VACUUM",
    "VALUES",
    "VIEW",
    "WHEN",
    "WHERE",
    "WITH",
];

/// Sorted, upper case.
const TYPES: &[&str] = &[
    "BIGINT",
    "BIGSERIAL",
    "BOOL",
    "BOOLEAN",
    "BYTEA",
    "CHAR",
    "DATE",
    "DATETIME",
    "DECIMAL",
    "DOUBLE",
    "FLOAT",
    "INT",
    "INTEGER",
    "INTERVAL",
    "JSON",
    "JSONB",
    "NUMERIC",
    "REAL",
    "SERIAL",
    "SMALLINT",
    "STRING",
    "TEXT",
    "TIME",
    "TIMESTAMP",
    "TIMESTAMPTZ",
    "UUID",
    "VARCHAR",
];

fn upper_in(word: &str, list: &[&str]) -> bool {
    if word.len() > 16 {
        return false;
    }
    let mut buf = [0u8; 16];
    let up = &mut buf[..word.len()];
    up.copy_from_slice(word.as_bytes());
    up.make_ascii_uppercase();
    let up = std::str::from_utf8(up).unwrap_or("");
    list.binary_search(&up).is_ok()
}

pub fn highlight(code: &str, out: &mut Out) {
    let mut c = Cursor::new(code);
    let mut line_start = true;
    while let Some(b) = c.peek() {
        let at_start = line_start;
        line_start = false;
        match b {
            b'\n' => {
                out.plain(c.take(1));
                line_start = true;
            }
            b' ' | b'\t' | b'\r' => {
                out.plain(c.take_while(|b| matches!(b, b' ' | b'\t' | b'\r')));
                line_start = at_start;
            }
            b'\\' if at_start => {
                // A psql meta-command: `\dt`, `\c dbname`.
                let cmd = c.take_while(|b| !matches!(b, b' ' | b'\t' | b'\n'));
                out.push(Some(Class::Func), cmd);
                out.plain(c.take_line());
            }
            b'-' if c.peek_at(1) == Some(b'-') => out.push(Some(Class::Comment), c.take_line()),
            b'/' if c.peek_at(1) == Some(b'*') => {
                let n = c.rest()[2..].find("*/").map_or(c.rest().len(), |i| i + 4);
                out.push(Some(Class::Comment), c.take(n));
            }
            b'\'' => {
                let start = c.i;
                c.i += 1;
                loop {
                    c.take_while(|b| b != b'\'');
                    c.take(1);
                    if c.peek() != Some(b'\'') {
                        break;
                    }
                    c.i += 1;
                }
                out.push(Some(Class::Str), &code[start..c.i]);
            }
            b'"' | b'`' => {
                let start = c.i;
                c.i += 1;
                c.take_while(|x| x != b);
                c.take(1);
                out.plain(&code[start..c.i]);
            }
            b'$' => dollar(&mut c, out),
            b'0'..=b'9' => {
                let n = c.take_while(|b| b.is_ascii_alphanumeric() || b == b'.');
                out.push(Some(Class::Num), n);
            }
            b':' if c.peek_at(1) == Some(b':') => out.plain(c.take(2)),
            b'@' | b':' if c.peek_at(1).is_some_and(|b| b.is_ascii_alphabetic()) => {
                let start = c.i;
                c.i += 1;
                c.take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
                out.push(Some(Class::Var), &code[start..c.i]);
            }
            b if b.is_ascii_alphabetic() || b == b'_' => {
                let w = c.take_while(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'$');
                let class = if upper_in(w, KEYWORDS) {
                    Some(Class::Keyword)
                } else if upper_in(w, TYPES) {
                    Some(Class::Type)
                } else if c.peek() == Some(b'(') {
                    Some(Class::Func)
                } else {
                    None
                };
                out.push(class, w);
            }
            _ => {
                out.plain(c.take_char());
            }
        }
    }
}

/// `$1` parameters and `$$ ... $$` / `$tag$ ... $tag$` strings.
fn dollar(c: &mut Cursor, out: &mut Out) {
    let rest = c.rest();
    if rest[1..].starts_with(|ch: char| ch.is_ascii_digit()) {
        let start = c.i;
        c.i += 1;
        c.take_while(|b| b.is_ascii_digit());
        out.push(Some(Class::Var), &c.s[start..c.i]);
        return;
    }
    let tag_len = rest[1..]
        .find(|ch: char| !(ch.is_ascii_alphanumeric() || ch == '_'))
        .filter(|&i| rest.as_bytes().get(1 + i) == Some(&b'$'));
    if let Some(n) = tag_len {
        let tag = &rest[..n + 2];
        let end = rest[tag.len()..]
            .find(tag)
            .map_or(rest.len(), |i| tag.len() + i + tag.len());
        out.push(Some(Class::Str), c.take(end));
        return;
    }
    out.plain(c.take(1));
}
