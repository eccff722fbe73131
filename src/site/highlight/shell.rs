//! Bash and POSIX shell, and the recipe lines of Makefiles.
//!
//! A hand-written lexer for what operational guides contain: commands and
//! pipelines, options, quoting, variables, command substitution, here
//! documents, comments and the control keywords. It colours the first word
//! of each command (`kubectl`, `pg_dump`) as a command, `--namespace` as an
//! option, and keeps continuation lines (`\` at the end) part of the same
//! command. It is not a parser: on odd input it still emits every byte,
//! just with less colour.

use super::out::{Class, Cursor, Out};

/// Deepest nesting of `$(...)` and backquotes lexed as code; deeper ones
/// are shown as plain text (a bound on recursion for hostile input).
const MAX_DEPTH: u32 = 32;

const KEYWORDS: &[&str] = &[
    "!", "case", "do", "done", "elif", "else", "esac", "fi", "for", "function", "if", "in",
    "select", "then", "time", "until", "while", "{", "}",
];

/// Keywords after which the next word is a name, not a command.
const NAME_NEXT: &[&str] = &["case", "for", "function", "select"];

pub fn highlight(code: &str, out: &mut Out) {
    Shell::new(code, out, false).seq(None);
}

/// A Makefile recipe: `$(VAR)` and `${VAR}` are make's, `$$` is the shell's `$`.
pub fn recipe(code: &str, out: &mut Out) {
    Shell::new(code, out, true).seq(None);
}

struct Heredoc {
    delim: String,
    strip_tabs: bool,
}

struct Shell<'a, 'o> {
    c: Cursor<'a>,
    out: &'o mut Out,
    make: bool,
    pending: Vec<Heredoc>,
    depth: u32,
    /// What ends the innermost command substitution: `)` or a backquote.
    end: Option<u8>,
}

fn is_meta(b: u8) -> bool {
    matches!(
        b,
        b' ' | b'\t' | b'\n' | b'\r' | b';' | b'&' | b'|' | b'(' | b')' | b'<' | b'>'
    )
}

/// Bytes that end a run of literal word characters.
fn is_word_special(b: u8) -> bool {
    is_meta(b) || matches!(b, b'\'' | b'"' | b'$' | b'\\' | b'`')
}

fn is_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && (b[0].is_ascii_alphabetic() || b[0] == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

impl<'a, 'o> Shell<'a, 'o> {
    fn new(code: &'a str, out: &'o mut Out, make: bool) -> Self {
        Shell {
            c: Cursor::new(code),
            out,
            make,
            pending: Vec::new(),
            depth: 0,
            end: None,
        }
    }

    /// A sequence of commands, up to `end` (`)` of `$(`, or a backquote),
    /// which is left for the caller.
    fn seq(&mut self, end: Option<u8>) {
        let outer = std::mem::replace(&mut self.end, end);
        self.seq_to(end);
        self.end = outer;
    }

    fn seq_to(&mut self, end: Option<u8>) {
        let mut cmd = true;
        while let Some(b) = self.c.peek() {
            if Some(b) == end {
                return;
            }
            match b {
                b'\n' => {
                    self.out.plain(self.c.take(1));
                    self.heredoc_bodies();
                    cmd = true;
                }
                b' ' | b'\t' | b'\r' => {
                    let ws = self.c.take_while(|b| matches!(b, b' ' | b'\t' | b'\r'));
                    self.out.plain(ws);
                }
                b'#' => {
                    let text = self.c.take_line();
                    self.out.push(Some(Class::Comment), text);
                }
                b'\\' if self.c.peek_at(1) == Some(b'\n') => {
                    self.out.plain(self.c.take(2));
                }
                b';' | b'&' | b'|' => {
                    if b == b'&' && self.c.peek_at(1) == Some(b'>') {
                        self.redirect();
                        continue;
                    }
                    let op = self.c.take_while(|x| matches!(x, b';' | b'&' | b'|'));
                    self.out.push(Some(Class::Keyword), op);
                    cmd = true;
                }
                b'(' | b')' => {
                    self.out.plain(self.c.take(1));
                    cmd = true;
                }
                b'<' | b'>' => self.redirect(),
                _ => cmd = self.word(cmd),
            }
        }
    }

    /// A redirection operator (`>`, `2>&1` without its number, `<<EOF`).
    fn redirect(&mut self) {
        if self.c.starts_with("<<") && !self.c.starts_with("<<<") {
            let strip_tabs = self.c.starts_with("<<-");
            self.out.push(
                Some(Class::Keyword),
                self.c.take(2 + usize::from(strip_tabs)),
            );
            let ws = self.c.take_while(|b| b == b' ' || b == b'\t');
            self.out.plain(ws);
            let start = self.c.i;
            let mut delim = String::new();
            while let Some(b) = self.c.peek() {
                if is_meta(b) {
                    break;
                }
                if b == b'\'' || b == b'"' {
                    self.c.i += 1;
                    let q = self.c.take_while(|x| x != b);
                    delim.push_str(q);
                    self.c.take(1);
                } else if b == b'\\' {
                    self.c.i += 1;
                    delim.push_str(self.c.take_char());
                } else {
                    delim.push_str(self.c.take_char());
                }
            }
            self.out
                .push(Some(Class::Keyword), &self.c.s[start..self.c.i]);
            if !delim.is_empty() {
                self.pending.push(Heredoc { delim, strip_tabs });
            }
            return;
        }
        let op = self
            .c
            .take_while(|b| matches!(b, b'<' | b'>' | b'&' | b'|'));
        self.out.push(Some(Class::Keyword), op);
        // `>&2`, `2>&1`: the descriptor after `&`.
        if op.ends_with('&') {
            let fd = self.c.take_while(|b| b.is_ascii_digit() || b == b'-');
            self.out.push(Some(Class::Num), fd);
        }
    }

    /// After a newline: the bodies of here documents opened on that line.
    fn heredoc_bodies(&mut self) {
        for doc in std::mem::take(&mut self.pending) {
            while !self.c.done() {
                let line = self.c.rest().split_inclusive('\n').next().unwrap_or("");
                let bare = line.trim_end_matches(['\n', '\r']);
                let bare = if doc.strip_tabs {
                    bare.trim_start_matches('\t')
                } else {
                    bare
                };
                if bare == doc.delim {
                    let text = self.c.take(line.trim_end_matches('\n').len());
                    self.out.push(Some(Class::Keyword), text);
                    // The newline after the delimiter ends the next body's
                    // opening line, if there is another here document.
                    if self.c.peek() == Some(b'\n') {
                        self.out.plain(self.c.take(1));
                    }
                    break;
                }
                let text = self.c.take(line.len());
                self.out.push(Some(Class::Str), text);
            }
        }
    }

    /// One word. `cmd` says whether it stands where a command name goes;
    /// returns whether the next word does.
    fn word(&mut self, cmd: bool) -> bool {
        let literal = self.c.take_while(|b| !is_word_special(b));
        let whole = self
            .c
            .peek()
            .is_none_or(|b| is_meta(b) || Some(b) == self.end);
        if cmd {
            if whole && KEYWORDS.contains(&literal) {
                self.out.push(Some(Class::Keyword), literal);
                return !NAME_NEXT.contains(&literal);
            }
            if let Some((name, _)) = literal.split_once('=') {
                if is_name(name) {
                    self.out.push(Some(Class::Var), name);
                    self.out.plain("=");
                    self.out.plain(&literal[name.len() + 1..]);
                    self.word_rest();
                    return true;
                }
            }
            if !literal.is_empty() && !literal.starts_with('-') {
                self.out.push(Some(Class::Func), literal);
                self.word_rest();
                return false;
            }
        }
        if literal.starts_with('-') && literal.len() > 1 {
            let (opt, rest) = match literal.find('=') {
                Some(i) => literal.split_at(i),
                None => (literal, ""),
            };
            self.out.push(Some(Class::Attr), opt);
            self.out.plain(rest);
        } else if !literal.is_empty() && literal.bytes().all(|b| b.is_ascii_digit()) {
            let class = if matches!(self.c.peek(), Some(b'<' | b'>')) {
                // `2>`: a file descriptor, part of the redirection.
                Some(Class::Keyword)
            } else if whole {
                Some(Class::Num)
            } else {
                None
            };
            self.out.push(class, literal);
        } else {
            self.out.plain(literal);
        }
        self.word_rest();
        false
    }

    /// The rest of a word after its leading literal: quotes, expansions,
    /// escapes and further literal runs.
    fn word_rest(&mut self) {
        while let Some(b) = self.c.peek() {
            if Some(b) == self.end {
                return;
            }
            match b {
                b'\'' => self.single_quoted(),
                b'"' => self.double_quoted(),
                b'$' => self.dollar(),
                b'`' => self.backquoted(),
                b'\\' => {
                    if self.c.peek_at(1) == Some(b'\n') {
                        return;
                    }
                    self.c.i += 1;
                    let ch = self.c.take_char();
                    let text = &self.c.s[self.c.i - ch.len() - 1..self.c.i];
                    self.out.push(Some(Class::Str), text);
                }
                b if is_meta(b) => return,
                _ => {
                    let lit = self.c.take_while(|b| !is_word_special(b));
                    self.out.plain(lit);
                }
            }
        }
    }

    fn single_quoted(&mut self) {
        let start = self.c.i;
        self.c.i += 1;
        self.c.take_while(|b| b != b'\'');
        self.c.take(1);
        self.out.push(Some(Class::Str), &self.c.s[start..self.c.i]);
    }

    fn double_quoted(&mut self) {
        self.out.push(Some(Class::Str), self.c.take(1));
        while let Some(b) = self.c.peek() {
            match b {
                b'"' => {
                    self.out.push(Some(Class::Str), self.c.take(1));
                    return;
                }
                b'\\' => {
                    self.c.i += 1;
                    let ch = self.c.take_char();
                    let text = &self.c.s[self.c.i - ch.len() - 1..self.c.i];
                    self.out.push(Some(Class::Str), text);
                }
                b'$' => self.dollar(),
                b'`' => self.backquoted(),
                _ => {
                    let run = self
                        .c
                        .take_while(|b| !matches!(b, b'"' | b'\\' | b'$' | b'`'));
                    self.out.push(Some(Class::Str), run);
                }
            }
        }
    }

    /// `$` and what follows it: a variable, `${...}`, `$(...)`, `$((...))`,
    /// `$'...'`, or a lone dollar.
    fn dollar(&mut self) {
        let next = self.c.peek_at(1);
        if self.make {
            match next {
                Some(b'$') => {
                    // `$$` is the shell's `$`: the second one starts it.
                    self.out.push(Some(Class::Var), self.c.take(1));
                    self.make = false;
                    self.dollar();
                    self.make = true;
                    return;
                }
                Some(b'(' | b'{') => {
                    let text = self.c.reference();
                    self.out.push(Some(Class::Var), text);
                    return;
                }
                Some(b) if b.is_ascii_graphic() && !matches!(b, b'"' | b'\'') => {
                    self.out.push(Some(Class::Var), self.c.take(2));
                    return;
                }
                _ => {}
            }
        }
        match next {
            // `${...}` and arithmetic `$((...))`.
            Some(b'{') | Some(b'(') if next == Some(b'{') || self.c.peek_at(2) == Some(b'(') => {
                let text = self.c.reference();
                self.out.push(Some(Class::Var), text);
            }
            Some(b'(') if self.depth < MAX_DEPTH => {
                self.out.push(Some(Class::Var), self.c.take(2));
                self.depth += 1;
                self.seq(Some(b')'));
                self.depth -= 1;
                if self.c.peek() == Some(b')') {
                    self.out.push(Some(Class::Var), self.c.take(1));
                }
            }
            Some(b'\'') => {
                let start = self.c.i;
                self.c.i += 2;
                while let Some(b) = self.c.peek() {
                    self.c.i += 1;
                    if b == b'\\' {
                        self.c.take_char();
                    } else if b == b'\'' {
                        break;
                    }
                }
                self.out.push(Some(Class::Str), &self.c.s[start..self.c.i]);
            }
            Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
                let start = self.c.i;
                self.c.i += 1;
                self.c
                    .take_while(|b| b.is_ascii_alphanumeric() || b == b'_');
                self.out.push(Some(Class::Var), &self.c.s[start..self.c.i]);
            }
            Some(b'0'..=b'9' | b'@' | b'*' | b'#' | b'?' | b'$' | b'!' | b'-') => {
                self.out.push(Some(Class::Var), self.c.take(2));
            }
            _ => self.out.plain(self.c.take(1)),
        }
    }

    fn backquoted(&mut self) {
        self.out.push(Some(Class::Var), self.c.take(1));
        if self.depth >= MAX_DEPTH {
            return;
        }
        self.depth += 1;
        self.seq(Some(b'`'));
        self.depth -= 1;
        if self.c.peek() == Some(b'`') {
            self.out.push(Some(Class::Var), self.c.take(1));
        }
    }
}
