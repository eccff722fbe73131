//! Code highlighting: short CSS classes in the HTML, one generated
//! stylesheet holding a light and a dark palette, so the theme switches in
//! CSS without re-rendering a page.
//!
//! The languages operational guides are written in (shell, YAML, SQL,
//! Makefiles, JSON, INI) have hand-written lexers ([`shell`], [`yaml`],
//! [`sql`], [`make`], [`data`]): on the 300-page benchmark corpus syntect's
//! regex-driven grammars took over 90% of the build, for tokens a few
//! hundred lines of Rust find as well. Other languages go through syntect,
//! its syntax dump deserialized once, lazily, on the first such block, and
//! its scopes mapped onto the same classes by a theme. Languages without a
//! grammar are mapped to plain text explicitly in [`LANGS`]; a fence
//! language that is not in that table is an error, never a silent fallback.

mod data;
mod make;
pub mod out;
mod shell;
mod sql;
mod yaml;

pub use out::Class;
use out::Out;
use std::sync::OnceLock;
use syntect::highlighting::{
    Color, FontStyle, HighlightIterator, HighlightState, Highlighter, ScopeSelectors,
    StyleModifier, Theme, ThemeItem, ThemeSettings,
};
use syntect::parsing::{ParseState, ScopeStack, SyntaxSet};
use syntect::util::LinesWithEndings;

/// A hand-written lexer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lexer {
    Shell,
    Yaml,
    Sql,
    Make,
    Json,
    Ini,
}

/// How a fence language is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Highlighted by one of gen's lexers.
    Lexer(Lexer),
    /// Highlighted with the syntect syntax of this name.
    Syntax(&'static str),
    /// No grammar: shown as plain, escaped text.
    Plain,
}

/// Every fence language gen knows: the spec validator's list
/// (`spec::validate::LANGUAGES`) plus common aliases in hand-written docs.
/// Kept sorted by name; a test checks that each syntax exists in the dump
/// and that every validator language is here.
pub const LANGS: &[(&str, Lang)] = &[
    ("bash", Lang::Lexer(Lexer::Shell)),
    // Terminal sessions mix prompts and program output: no grammar fits.
    ("console", Lang::Plain),
    ("css", Lang::Syntax("CSS")),
    ("diff", Lang::Syntax("Diff")),
    // No Dockerfile grammar among syntect's defaults.
    ("dockerfile", Lang::Plain),
    ("go", Lang::Syntax("Go")),
    // Go/Helm templates: no grammar among syntect's defaults.
    ("go-template", Lang::Plain),
    // No HCL grammar among syntect's defaults.
    ("hcl", Lang::Plain),
    ("html", Lang::Syntax("HTML")),
    ("ini", Lang::Lexer(Lexer::Ini)),
    ("javascript", Lang::Syntax("JavaScript")),
    ("js", Lang::Syntax("JavaScript")),
    ("json", Lang::Lexer(Lexer::Json)),
    // LogQL, PromQL and TraceQL have no grammar among syntect's defaults.
    ("logql", Lang::Plain),
    ("make", Lang::Lexer(Lexer::Make)),
    ("makefile", Lang::Lexer(Lexer::Make)),
    ("markdown", Lang::Syntax("Markdown")),
    ("md", Lang::Syntax("Markdown")),
    // No nginx grammar among syntect's defaults.
    ("nginx", Lang::Plain),
    ("php", Lang::Syntax("PHP")),
    ("plain", Lang::Plain),
    ("promql", Lang::Plain),
    ("properties", Lang::Lexer(Lexer::Ini)),
    ("py", Lang::Syntax("Python")),
    ("python", Lang::Syntax("Python")),
    ("rust", Lang::Syntax("Rust")),
    ("sh", Lang::Lexer(Lexer::Shell)),
    ("shell", Lang::Lexer(Lexer::Shell)),
    ("sql", Lang::Lexer(Lexer::Sql)),
    ("text", Lang::Plain),
    // No TOML grammar among syntect's defaults.
    ("toml", Lang::Plain),
    ("traceql", Lang::Plain),
    ("txt", Lang::Plain),
    ("xml", Lang::Syntax("XML")),
    ("yaml", Lang::Lexer(Lexer::Yaml)),
    ("yml", Lang::Lexer(Lexer::Yaml)),
];

/// The language of a fence info string (`bash`, `yaml title=x`), or `None`
/// when gen does not know it. An empty info string is plain text.
pub fn lang(info: &str) -> Option<Lang> {
    let name = info
        .split(|c: char| c.is_whitespace() || c == ',' || c == '{')
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    if name.is_empty() {
        return Some(Lang::Plain);
    }
    LANGS
        .binary_search_by(|(n, _)| (*n).cmp(name.as_str()))
        .ok()
        .map(|i| LANGS[i].1)
}

/// Names of the known fence languages, for error messages.
pub fn known_langs() -> impl Iterator<Item = &'static str> {
    LANGS.iter().map(|(n, _)| *n)
}

fn syntax_set() -> &'static SyntaxSet {
    static SET: OnceLock<SyntaxSet> = OnceLock::new();
    SET.get_or_init(SyntaxSet::load_defaults_newlines)
}

/// The inner HTML of a `<code>` element for `code` in `lang`: token spans
/// with classes, or escaped text for plain languages.
pub fn highlight(code: &str, lang: Lang) -> String {
    let mut out = Out::with_capacity(code.len());
    match lang {
        Lang::Plain => out.plain(code),
        Lang::Lexer(Lexer::Shell) => shell::highlight(code, &mut out),
        Lang::Lexer(Lexer::Yaml) => yaml::highlight(code, &mut out),
        Lang::Lexer(Lexer::Sql) => sql::highlight(code, &mut out),
        Lang::Lexer(Lexer::Make) => make::highlight(code, &mut out),
        Lang::Lexer(Lexer::Json) => data::json(code, &mut out),
        Lang::Lexer(Lexer::Ini) => data::ini(code, &mut out),
        Lang::Syntax(name) => return with_syntect(code, name),
    }
    out.finish()
}

/// Highlights with a syntect grammar, its scopes mapped to gen's classes by
/// [`class_theme`].
fn with_syntect(code: &str, name: &str) -> String {
    let ss = syntax_set();
    let mut out = Out::with_capacity(code.len());
    let Some(syntax) = ss.find_syntax_by_name(name) else {
        out.plain(code);
        return out.finish();
    };
    let theme = class_theme();
    let highlighter = Highlighter::new(theme);
    let mut parse = ParseState::new(syntax);
    let mut state = HighlightState::new(&highlighter, ScopeStack::new());
    let mut lines = LinesWithEndings::from(code);
    for line in lines.by_ref() {
        let Ok(ops) = parse.parse_line(line, ss) else {
            // A grammar that fails on odd input must not lose the code:
            // the rest is shown plain.
            let done = line.as_ptr() as usize - code.as_ptr() as usize;
            out.plain(&code[done..]);
            return out.finish();
        };
        for (style, text) in HighlightIterator::new(&mut state, &ops, line, &highlighter) {
            let i = usize::from(style.foreground.r);
            out.push(i.checked_sub(1).map(|i| Class::ALL[i]), text);
        }
    }
    out.finish()
}

/// A syntect theme whose colours are not colours: the red channel of a
/// token's foreground is 1 + the index of its class in [`Class::ALL`],
/// 0 for none.
fn class_theme() -> &'static Theme {
    static THEME: OnceLock<Theme> = OnceLock::new();
    THEME.get_or_init(|| Theme {
        name: Some("gen classes".into()),
        author: None,
        settings: ThemeSettings {
            foreground: Some(Color::BLACK),
            ..ThemeSettings::default()
        },
        scopes: PALETTE
            .iter()
            .map(|s| ThemeItem {
                scope: s.scopes.parse::<ScopeSelectors>().expect("valid selectors"),
                style: StyleModifier {
                    foreground: Some(Color {
                        r: Class::ALL.iter().position(|c| *c == s.class).unwrap_or(0) as u8 + 1,
                        g: 0,
                        b: 0,
                        a: 0xff,
                    }),
                    background: None,
                    font_style: None,
                },
            })
            .collect(),
    })
}

/// One token colour of the palette, for the light and the dark theme.
struct Swatch {
    class: Class,
    /// The syntect scopes shown in this class.
    scopes: &'static str,
    light: u32,
    dark: u32,
    style: FontStyle,
}

const fn sw(class: Class, scopes: &'static str, light: u32, dark: u32) -> Swatch {
    Swatch {
        class,
        scopes,
        light,
        dark,
        style: FontStyle::empty(),
    }
}

/// Code block background and text, (light, dark).
pub const CODE_BG: (u32, u32) = (0xf6f8fa, 0x161b22);
pub const CODE_FG: (u32, u32) = (0x1f2328, 0xe6edf3);

/// The token palette (GitHub Primer's code colours), one swatch per class,
/// later rules winning for syntect scopes. A test checks every colour
/// against its background for WCAG AA contrast.
const PALETTE: &[Swatch] = &[
    Swatch {
        style: FontStyle::ITALIC,
        ..sw(
            Class::Comment,
            "comment, punctuation.definition.comment",
            0x57606a,
            0x8b949e,
        )
    },
    sw(
        Class::Str,
        "string, constant.character.escape",
        0x0a3069,
        0xa5d6ff,
    ),
    sw(
        Class::Num,
        "constant.numeric, constant.language, constant.other, support.constant",
        0x0550ae,
        0x79c0ff,
    ),
    sw(
        Class::Keyword,
        "keyword, storage, keyword.operator.logical, keyword.control",
        0xcf222e,
        0xff7b72,
    ),
    sw(
        Class::Func,
        "entity.name.function, support.function, meta.function-call",
        0x8250df,
        0xd2a8ff,
    ),
    sw(
        Class::Var,
        "variable.other, variable.parameter, variable.language, punctuation.definition.variable",
        0x953800,
        0xffa657,
    ),
    sw(
        Class::Type,
        "entity.name.type, support.type, support.class, entity.name.class",
        0x953800,
        0xffa657,
    ),
    sw(
        Class::Key,
        "entity.name.tag, meta.mapping.key string, entity.name.section",
        0x116329,
        0x7ee787,
    ),
    sw(
        Class::Attr,
        "entity.other.attribute-name",
        0x0550ae,
        0x79c0ff,
    ),
    sw(Class::Inserted, "markup.inserted", 0x116329, 0x7ee787),
    sw(
        Class::Deleted,
        "markup.deleted, invalid",
        0x82071e,
        0xffa198,
    ),
    Swatch {
        style: FontStyle::BOLD,
        ..sw(Class::Heading, "markup.heading", 0x0550ae, 0x79c0ff)
    },
];

/// The rules of one palette under `scope` (a `:root` selector).
fn rules(out: &mut String, scope: &str, dark: bool) {
    let pick = |pair: (u32, u32)| if dark { pair.1 } else { pair.0 };
    out.push_str(&format!(
        "{scope} .z-code {{ color: #{:06x}; background-color: #{:06x}; }}\n",
        pick(CODE_FG),
        pick(CODE_BG)
    ));
    for s in PALETTE {
        out.push_str(&format!(
            "{scope} .z-code .{} {{ color: #{:06x};",
            s.class.name(),
            if dark { s.dark } else { s.light }
        ));
        if s.style.contains(FontStyle::ITALIC) {
            out.push_str(" font-style: italic;");
        }
        if s.style.contains(FontStyle::BOLD) {
            out.push_str(" font-weight: bold;");
        }
        out.push_str(" }\n");
    }
}

/// The stylesheet for highlighted code: the light palette by default, the
/// dark one when the page says `data-theme="dark"`, or, without a choice
/// made, when the system prefers dark.
pub fn stylesheet() -> String {
    let mut out = String::from("/* Code highlighting, generated from gen's palette. */\n");
    rules(&mut out, ":root", false);
    // Print always uses the light palette.
    out.push_str("@media screen {\n");
    rules(&mut out, ":root[data-theme=\"dark\"]", true);
    out.push_str("}\n@media screen and (prefers-color-scheme: dark) {\n");
    rules(&mut out, ":root:not([data-theme=\"light\"])", true);
    out.push_str("}\n");
    out
}

/// WCAG relative luminance of an sRGB colour.
pub fn luminance(rgb: u32) -> f64 {
    let ch = |v: u32| {
        let c = f64::from(v & 0xff) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * ch(rgb >> 16) + 0.7152 * ch(rgb >> 8) + 0.0722 * ch(rgb)
}

/// WCAG contrast ratio of two colours.
pub fn contrast(a: u32, b: u32) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

#[cfg(test)]
mod tests;
