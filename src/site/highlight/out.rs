//! Token classes and the HTML writer every lexer emits through.
//!
//! A lexer hands over every byte of its input exactly once, each piece
//! with a class or none; [`Out`] escapes the text and merges neighbouring
//! pieces of one class into one `<span>`. Lexers therefore cannot lose or
//! duplicate code, whatever they make of it: the tests strip the tags,
//! unescape, and compare with the input.

/// What a token is. One short class name each, so highlighted code stays
/// close to its source size (`<span class="v">` rather than syntect's
/// `<span class="z-variable z-other z-readwrite z-shell">`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Comment,
    Str,
    /// Numbers and language constants (`true`, `null`).
    Num,
    /// Keywords and operators.
    Keyword,
    /// Commands, function names, make targets.
    Func,
    Var,
    Type,
    /// Mapping keys, tags, section names.
    Key,
    /// Options (`--namespace`) and attribute names.
    Attr,
    Inserted,
    Deleted,
    Heading,
}

impl Class {
    pub const ALL: [Class; 12] = [
        Class::Comment,
        Class::Str,
        Class::Num,
        Class::Keyword,
        Class::Func,
        Class::Var,
        Class::Type,
        Class::Key,
        Class::Attr,
        Class::Inserted,
        Class::Deleted,
        Class::Heading,
    ];

    /// The CSS class name.
    pub fn name(self) -> &'static str {
        match self {
            Class::Comment => "c",
            Class::Str => "s",
            Class::Num => "n",
            Class::Keyword => "k",
            Class::Func => "f",
            Class::Var => "v",
            Class::Type => "t",
            Class::Key => "y",
            Class::Attr => "a",
            Class::Inserted => "i",
            Class::Deleted => "d",
            Class::Heading => "h",
        }
    }
}

/// Highlighted HTML under construction.
#[derive(Default)]
pub struct Out {
    html: String,
    open: Option<Class>,
}

impl Out {
    pub fn with_capacity(n: usize) -> Self {
        Out {
            html: String::with_capacity(n + n / 2),
            open: None,
        }
    }

    /// Appends `text` with `class` (or none).
    pub fn push(&mut self, class: Option<Class>, text: &str) {
        if text.is_empty() {
            return;
        }
        if class != self.open {
            if self.open.is_some() {
                self.html.push_str("</span>");
            }
            if let Some(c) = class {
                self.html.push_str("<span class=\"");
                self.html.push_str(c.name());
                self.html.push_str("\">");
            }
            self.open = class;
        }
        escape_into(&mut self.html, text);
    }

    pub fn plain(&mut self, text: &str) {
        self.push(None, text);
    }

    pub fn finish(mut self) -> String {
        if self.open.is_some() {
            self.html.push_str("</span>");
        }
        self.html
    }
}

/// Escapes `<`, `>` and `&` (all that element content needs).
pub fn escape_into(out: &mut String, text: &str) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let rep = match b {
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'&' => "&amp;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// The text of highlighted HTML: tags removed, entities decoded. For tests,
/// which check that highlighting keeps every byte of the code.
pub fn text_of(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(i) = rest.find(['<', '&']) {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        if rest.starts_with('<') {
            let end = rest.find('>').map_or(rest.len(), |e| e + 1);
            rest = &rest[end..];
        } else {
            let end = rest.find(';').map_or(rest.len(), |e| e + 1);
            out.push_str(match &rest[..end] {
                "&lt;" => "<",
                "&gt;" => ">",
                "&amp;" => "&",
                "&quot;" => "\"",
                "&#39;" => "'",
                other => other,
            });
            rest = &rest[end..];
        }
    }
    out.push_str(rest);
    out
}

/// A byte cursor over code. Lexers only stop at ASCII bytes, so every
/// slice they take is on a character boundary.
pub struct Cursor<'a> {
    pub s: &'a str,
    pub i: usize,
}

impl<'a> Cursor<'a> {
    pub fn new(s: &'a str) -> Self {
        Cursor { s, i: 0 }
    }
    pub fn done(&self) -> bool {
        self.i >= self.s.len()
    }
    pub fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.i).copied()
    }
    pub fn peek_at(&self, n: usize) -> Option<u8> {
        self.s.as_bytes().get(self.i + n).copied()
    }
    pub fn rest(&self) -> &'a str {
        &self.s[self.i..]
    }
    pub fn starts_with(&self, p: &str) -> bool {
        self.rest().starts_with(p)
    }
    /// Advances while `f` holds for the byte; returns the text passed.
    pub fn take_while(&mut self, f: impl Fn(u8) -> bool) -> &'a str {
        let start = self.i;
        let b = self.s.as_bytes();
        while self.i < b.len() && f(b[self.i]) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }
    /// Advances `n` bytes (ASCII) and returns them.
    pub fn take(&mut self, n: usize) -> &'a str {
        let start = self.i;
        self.i = (self.i + n).min(self.s.len());
        &self.s[start..self.i]
    }
    /// Advances over one character (which may be several bytes).
    pub fn take_char(&mut self) -> &'a str {
        let len = self.rest().chars().next().map_or(0, char::len_utf8);
        self.take(len)
    }
    /// At a `$` followed by `(` or `{`: advances over the whole reference,
    /// to the bracket that closes it (counting nesting) or the end, and
    /// returns it with the `$`. Shell `${...}`, `$((...))` and make's
    /// `$(...)` are all read this way.
    pub fn reference(&mut self) -> &'a str {
        let start = self.i;
        self.i += 1;
        let open = self.peek().unwrap_or(b'(');
        let close = if open == b'{' { b'}' } else { b')' };
        let mut depth = 0usize;
        while let Some(b) = self.peek() {
            self.i += 1;
            if b == open {
                depth += 1;
            } else if b == close {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
        }
        &self.s[start..self.i]
    }

    /// Advances to the end of the line, not past its newline.
    pub fn take_line(&mut self) -> &'a str {
        self.take_while(|b| b != b'\n')
    }
}
