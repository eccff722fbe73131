//! Escaping and layout for each output language. Every piece of spec text
//! reaches an output through one of these functions, chosen by where it lands.

/// Escapes raw HTML in Markdown prose so `<script>` shows literally, leaving
/// code spans (`` `<tag>` ``) alone since Markdown already shows them as typed.
///
/// Only a `<` that could open a tag is escaped (`< 1 hour` stays as typed),
/// and autolinks like `<https://example.com>` are kept. Code spans are found
/// as CommonMark finds them: a run of backticks opens one only if a run of
/// the same length closes it, and `` \` `` is a literal backtick.
pub fn md_inline(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        let taken = match ch {
            '\\' if rest[1..].starts_with(['`', '\\']) => 2,
            '`' => {
                let n = rest.len() - rest.trim_start_matches('`').len();
                code_span_len(rest, n).unwrap_or(n)
            }
            '<' => match autolink_len(&rest[1..]) {
                Some(len) => 1 + len,
                None if opens_tag(&rest[1..]) => {
                    out.push_str("&lt;");
                    rest = &rest[1..];
                    continue;
                }
                None => 1,
            },
            _ => ch.len_utf8(),
        };
        out.push_str(&rest[..taken]);
        rest = &rest[taken..];
    }
    out
}

/// Length of the code span that the `n` backticks starting `s` open, through
/// the next run of exactly `n` backticks; `None` if no run closes it.
fn code_span_len(s: &str, n: usize) -> Option<usize> {
    let mut i = n;
    while let Some(off) = s[i..].find('`') {
        let start = i + off;
        let run = s[start..].len() - s[start..].trim_start_matches('`').len();
        if run == n {
            return Some(start + run);
        }
        i = start + run;
    }
    None
}

/// Length through `>` of the autolink that text after a `<` starts, if any.
fn autolink_len(rest: &str) -> Option<usize> {
    if !(rest.starts_with("http://") || rest.starts_with("https://")) {
        return None;
    }
    let end = rest.find(|c: char| matches!(c, '<' | '>') || c.is_whitespace() || c.is_control())?;
    (rest.as_bytes()[end] == b'>').then_some(end + 1)
}

/// Whether text after a `<` would make CommonMark read raw HTML.
fn opens_tag(rest: &str) -> bool {
    rest.starts_with(|c: char| c.is_ascii_alphabetic() || matches!(c, '/' | '!' | '?'))
}

/// Splits prose into words for wrapping, keeping each code span whole so a
/// line never breaks inside `` `make some-target` `` (a line starting inside
/// a span could start an HTML block with text the span kept unescaped).
/// Spans are found as in [`md_inline`]; white space inside one becomes a
/// single space, as CommonMark shows it.
fn words(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut rest = text;
    while let Some(ch) = rest.chars().next() {
        let taken = match ch {
            '\\' if rest[1..].starts_with(['`', '\\']) => 2,
            '`' => {
                let n = rest.len() - rest.trim_start_matches('`').len();
                code_span_len(rest, n).unwrap_or(n)
            }
            c if c.is_whitespace() => {
                if !word.is_empty() {
                    out.push(std::mem::take(&mut word));
                }
                rest = &rest[c.len_utf8()..];
                continue;
            }
            c => c.len_utf8(),
        };
        // Only a code span can hold white space; collapse it there and
        // copy everything else as is (this runs for every character).
        let piece = &rest[..taken];
        if piece.contains(char::is_whitespace) {
            word.push_str(&piece.split_whitespace().collect::<Vec<_>>().join(" "));
        } else {
            word.push_str(piece);
        }
        rest = &rest[taken..];
    }
    if !word.is_empty() {
        out.push(word);
    }
    // A word that would turn a line into a block ("-", "1.") travels with
    // the word before it, so wrapping never puts it at a line start.
    let mut merged: Vec<String> = Vec::with_capacity(out.len());
    for w in out {
        match merged.last_mut() {
            Some(prev) if starts_block(&w) => {
                prev.push(' ');
                prev.push_str(&w);
            }
            _ => merged.push(w),
        }
    }
    merged
}

/// Wraps Markdown prose at `width` columns. The first line starts with
/// `first`, later lines with `indent` spaces. Paragraph breaks (blank lines)
/// in the input are kept, indented like continuation lines.
pub fn wrap(text: &str, width: usize, first: &str, indent: usize) -> String {
    let pad = " ".repeat(indent);
    let mut out = String::new();
    let paragraphs: Vec<&str> = text.trim().split("\n\n").collect();
    for (pi, para) in paragraphs.iter().enumerate() {
        let escaped = md_inline(para);
        let words = words(&escaped);
        if words.is_empty() {
            continue;
        }
        if pi > 0 {
            out.push_str("\n\n");
            out.push_str(&pad);
        } else {
            out.push_str(first);
        }
        let mut col = if pi == 0 {
            first.chars().count()
        } else {
            indent
        };
        for (wi, w) in words.iter().enumerate() {
            let wl = w.chars().count();
            if wi > 0 && col + 1 + wl > width {
                out.push('\n');
                out.push_str(&pad);
                col = indent;
            } else if wi > 0 {
                out.push(' ');
                col += 1;
            }
            out.push_str(w);
            col += wl;
        }
    }
    out
}

/// Whether a word at the start of a line would turn it into a Markdown block
/// (list item, heading, quote, rule, table row, code fence) instead of
/// continuing prose.
fn starts_block(word: &str) -> bool {
    let digits = word.trim_start_matches(|c: char| c.is_ascii_digit());
    matches!(word, "-" | "+" | "*" | ">" | "|")
        || word.starts_with('#')
        || word.starts_with("---")
        || word.starts_with("===")
        || word.starts_with("```")
        || word.starts_with("~~~")
        || (digits.len() < word.len() && (digits == "." || digits == ")"))
}

/// Text for one Markdown table cell: one line, pipes escaped.
pub fn cell(text: &str) -> String {
    md_inline(&text.split_whitespace().collect::<Vec<_>>().join(" ")).replace('|', "\\|")
}

/// A fenced code block, indented by `indent` spaces, with a fence longer
/// than any backtick run inside.
pub fn fence(code: &str, lang: &str, indent: usize) -> String {
    let longest = code.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest.max(2) + 1);
    let pad = " ".repeat(indent);
    let mut out = format!("{pad}{ticks}{lang}\n");
    for line in code.trim_end_matches('\n').lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push('\n');
        } else {
            out.push_str(&pad);
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&pad);
    out.push_str(&ticks);
    out
}

/// Quotes a string for POSIX sh with single quotes.
pub fn sh_quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\\''"))
}

/// Escapes shell text for a make recipe line: `$` becomes `$$`.
pub fn make_escape(text: &str) -> String {
    text.replace('$', "$$")
}

/// A YAML double-quoted scalar (JSON strings are valid YAML).
pub fn yaml_quote(text: &str) -> String {
    serde_json::to_string(text).expect("strings always serialize")
}

/// Makes text safe inside a Helm (Go) template: `{{` would start an action.
pub fn helm_escape(text: &str) -> String {
    text.replace("{{", "{{ \"{{\" }}")
}

/// Text on one line (for comments), whitespace collapsed.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Escapes text for HTML element content and quoted attribute values (and
/// XML): the site's one HTML escaping, also Tera's autoescape there.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as Markdown that shows it literally: one line, every ASCII
/// punctuation character backslash-escaped.
pub fn md_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in one_line(text).chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A Markdown code span that shows `text` exactly (on one line), whatever
/// backticks or pipes it holds (pipes are escaped for table cells).
pub fn code_span(text: &str) -> String {
    let text = one_line(text);
    if text.is_empty() {
        return "` `".into();
    }
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{ticks}{pad}{}{pad}{ticks}", text.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_width_with_prefix_and_indent() {
        let text = "one two three four five six seven eight nine ten eleven twelve";
        let w = wrap(text, 20, "1. ", 3);
        for line in w.lines() {
            assert!(line.chars().count() <= 20, "{line:?}");
        }
        assert!(w.starts_with("1. one"));
        assert!(w
            .lines()
            .skip(1)
            .all(|l| l.starts_with("   ") && !l.starts_with("    ")));
        assert_eq!(w.split_whitespace().filter(|w| *w != "1.").count(), 12);
    }

    #[test]
    fn never_starts_a_line_with_a_block_marker() {
        let w = wrap("aaaa bbbb cccc - dddd 12. eeee # ffff", 10, "", 0);
        for line in w.lines() {
            assert!(!starts_block(line.split(' ').next().unwrap()), "{w}");
        }
    }

    #[test]
    fn code_spans_stay_on_one_line() {
        let w = wrap(
            "run `make postgresql-backup NAMESPACE=x` now please",
            20,
            "",
            0,
        );
        assert!(w.contains("`make postgresql-backup NAMESPACE=x`"), "{w}");
    }

    #[test]
    fn long_words_stand_alone() {
        let w = wrap(
            "see https://example.com/a/very/long/path/that/cannot/break ok",
            20,
            "",
            0,
        );
        assert_eq!(w.lines().count(), 3);
    }

    #[test]
    fn escapes_html_outside_code() {
        assert_eq!(md_inline("a <b> `<c>`"), "a &lt;b> `<c>`");
        assert_eq!(
            md_inline("RTO < 1 hour, <https://x.io/a>"),
            "RTO < 1 hour, <https://x.io/a>"
        );
        assert_eq!(
            md_inline("<script>alert(1)</script>"),
            "&lt;script>alert(1)&lt;/script>"
        );
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }

    #[test]
    fn fences_outrun_backticks() {
        let f = fence("echo ```", "bash", 3);
        assert!(f.starts_with("   ````bash\n"), "{f}");
        assert!(f.ends_with("   ````"));
    }

    #[test]
    fn quoting() {
        assert_eq!(sh_quote("it's"), "'it'\\''s'");
        assert_eq!(make_escape("$HOME $(date)"), "$$HOME $$(date)");
        assert_eq!(helm_escape("a {{ b }}"), "a {{ \"{{\" }} b }}");
        assert_eq!(yaml_quote("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn html_escapes_everything_that_breaks_markup() {
        assert_eq!(
            html_escape(r#"<script>"a" & 'b'</script>"#),
            "&lt;script&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/script&gt;"
        );
    }

    #[test]
    fn markdown_escapes_for_plain_text() {
        assert_eq!(
            md_text("a *b* <c> [d](e)"),
            "a \\*b\\* \\<c\\> \\[d\\]\\(e\\)"
        );
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x"), "`` `x ``");
        assert_eq!(code_span("a|b"), "`a\\|b`");
        assert_eq!(code_span(""), "` `");
    }
}
