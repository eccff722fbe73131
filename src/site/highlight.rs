//! Code highlighting with syntect: CSS classes in the HTML, one generated
//! stylesheet holding a light and a dark palette, so the theme switches in
//! CSS without re-rendering a page.
//!
//! The syntax set is syntect's precompiled dump of the Sublime Text default
//! syntaxes (built into the syntect crate as a packdump), deserialized once,
//! lazily, on the first code block. Languages it has no grammar for are
//! mapped to plain text explicitly in [`LANGS`]; a fence language that is
//! not in that table is an error, never a silent fallback.

use std::sync::OnceLock;
use syntect::highlighting::{
    Color, FontStyle, ScopeSelectors, StyleModifier, Theme, ThemeItem, ThemeSettings,
};
use syntect::html::{css_for_theme_with_class_style, ClassStyle, ClassedHTMLGenerator};
use syntect::parsing::SyntaxSet;
use syntect::util::LinesWithEndings;

/// Class prefix of highlighted tokens: `<span class="z-comment z-line">`.
pub const CLASS_STYLE: ClassStyle = ClassStyle::SpacedPrefixed { prefix: "z-" };

/// How a fence language is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    /// Highlighted with the syntect syntax of this name.
    Syntax(&'static str),
    /// No grammar in the syntax set: shown as plain, escaped text.
    Plain,
}

/// Every fence language gen knows: the spec validator's list
/// (`spec::validate::LANGUAGES`) plus common aliases in hand-written docs.
/// Kept sorted by name; a test checks that each syntax exists in the dump
/// and that every validator language is here.
pub const LANGS: &[(&str, Lang)] = &[
    ("bash", Lang::Syntax("Bourne Again Shell (bash)")),
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
    // INI files: `key=value` lines and comments, as Java properties are.
    ("ini", Lang::Syntax("Java Properties")),
    ("javascript", Lang::Syntax("JavaScript")),
    ("js", Lang::Syntax("JavaScript")),
    ("json", Lang::Syntax("JSON")),
    // LogQL, PromQL and TraceQL have no grammar among syntect's defaults.
    ("logql", Lang::Plain),
    ("make", Lang::Syntax("Makefile")),
    ("makefile", Lang::Syntax("Makefile")),
    ("markdown", Lang::Syntax("Markdown")),
    ("md", Lang::Syntax("Markdown")),
    // No nginx grammar among syntect's defaults.
    ("nginx", Lang::Plain),
    ("php", Lang::Syntax("PHP")),
    ("plain", Lang::Plain),
    ("promql", Lang::Plain),
    ("properties", Lang::Syntax("Java Properties")),
    ("py", Lang::Syntax("Python")),
    ("python", Lang::Syntax("Python")),
    ("rust", Lang::Syntax("Rust")),
    ("sh", Lang::Syntax("Bourne Again Shell (bash)")),
    ("shell", Lang::Syntax("Bourne Again Shell (bash)")),
    ("sql", Lang::Syntax("SQL")),
    ("text", Lang::Plain),
    // No TOML grammar among syntect's defaults.
    ("toml", Lang::Plain),
    ("traceql", Lang::Plain),
    ("txt", Lang::Plain),
    ("xml", Lang::Syntax("XML")),
    ("yaml", Lang::Syntax("YAML")),
    ("yml", Lang::Syntax("YAML")),
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
    let Lang::Syntax(name) = lang else {
        return super::html::esc(code);
    };
    let ss = syntax_set();
    let Some(syntax) = ss.find_syntax_by_name(name) else {
        return super::html::esc(code);
    };
    let mut gen = ClassedHTMLGenerator::new_with_class_style(syntax, ss, CLASS_STYLE);
    for line in LinesWithEndings::from(code) {
        if gen
            .parse_html_for_line_which_includes_newline(line)
            .is_err()
        {
            // A grammar that fails on odd input must not lose the code.
            return super::html::esc(code);
        }
    }
    gen.finalize()
}

/// One token colour of the palette, for the light and the dark theme.
struct Swatch {
    scopes: &'static str,
    light: u32,
    dark: u32,
    style: FontStyle,
}

const fn sw(scopes: &'static str, light: u32, dark: u32) -> Swatch {
    Swatch {
        scopes,
        light,
        dark,
        style: FontStyle::empty(),
    }
}

/// Code block background and text, (light, dark).
pub const CODE_BG: (u32, u32) = (0xf6f8fa, 0x161b22);
pub const CODE_FG: (u32, u32) = (0x1f2328, 0xe6edf3);

/// The token palette (GitHub Primer's code colours), later rules winning.
/// A test checks every colour against its background for WCAG AA contrast.
const PALETTE: &[Swatch] = &[
    Swatch {
        style: FontStyle::ITALIC,
        ..sw(
            "comment, punctuation.definition.comment",
            0x57606a,
            0x8b949e,
        )
    },
    sw("string, constant.character.escape", 0x0a3069, 0xa5d6ff),
    sw(
        "constant.numeric, constant.language, constant.other, support.constant",
        0x0550ae,
        0x79c0ff,
    ),
    sw(
        "keyword, storage, keyword.operator.logical, keyword.control",
        0xcf222e,
        0xff7b72,
    ),
    sw(
        "entity.name.function, support.function, meta.function-call",
        0x8250df,
        0xd2a8ff,
    ),
    sw(
        "variable.other, variable.parameter, variable.language, punctuation.definition.variable",
        0x953800,
        0xffa657,
    ),
    sw(
        "entity.name.type, support.type, support.class, entity.name.class",
        0x953800,
        0xffa657,
    ),
    sw(
        "entity.name.tag, meta.mapping.key string, entity.name.section",
        0x116329,
        0x7ee787,
    ),
    sw("entity.other.attribute-name", 0x0550ae, 0x79c0ff),
    sw("markup.inserted", 0x116329, 0x7ee787),
    sw("markup.deleted, invalid", 0x82071e, 0xffa198),
    Swatch {
        style: FontStyle::BOLD,
        ..sw("markup.heading", 0x0550ae, 0x79c0ff)
    },
];

fn color(rgb: u32) -> Color {
    Color {
        r: (rgb >> 16) as u8,
        g: (rgb >> 8) as u8,
        b: rgb as u8,
        a: 0xff,
    }
}

fn theme(dark: bool) -> Theme {
    let pick = |pair: (u32, u32)| color(if dark { pair.1 } else { pair.0 });
    Theme {
        name: Some(if dark { "gen dark" } else { "gen light" }.into()),
        author: None,
        settings: ThemeSettings {
            foreground: Some(pick(CODE_FG)),
            background: Some(pick(CODE_BG)),
            ..ThemeSettings::default()
        },
        scopes: PALETTE
            .iter()
            .map(|s| ThemeItem {
                scope: s.scopes.parse::<ScopeSelectors>().expect("valid selectors"),
                style: StyleModifier {
                    foreground: Some(color(if dark { s.dark } else { s.light })),
                    background: None,
                    font_style: (!s.style.is_empty()).then_some(s.style),
                },
            })
            .collect(),
    }
}

/// Prefixes every selector of a syntect stylesheet with `scope`.
fn scoped(css: &str, scope: &str) -> String {
    let mut out = String::new();
    for line in css.lines() {
        if let Some(selectors) = line.strip_suffix(" {") {
            let list: Vec<String> = selectors
                .split(", ")
                .map(|s| format!("{scope} {s}"))
                .collect();
            out.push_str(&list.join(", "));
            out.push_str(" {\n");
        } else if !line.starts_with("/*") && !line.starts_with(" *") {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// The stylesheet for highlighted code: the light palette by default, the
/// dark one when the page says `data-theme="dark"`, or, without a choice
/// made, when the system prefers dark.
pub fn stylesheet() -> String {
    let light = css_for_theme_with_class_style(&theme(false), CLASS_STYLE)
        .expect("prefixed class styles always render");
    let dark = css_for_theme_with_class_style(&theme(true), CLASS_STYLE)
        .expect("prefixed class styles always render");
    let mut out =
        String::from("/* Code highlighting, generated from gen's palette by syntect. */\n");
    out.push_str(&scoped(&light, ":root"));
    // Print always uses the light palette.
    out.push_str("@media screen {\n");
    out.push_str(&scoped(&dark, ":root[data-theme=\"dark\"]"));
    out.push_str("}\n@media screen and (prefers-color-scheme: dark) {\n");
    out.push_str(&scoped(&dark, ":root:not([data-theme=\"light\"])"));
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
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_and_every_syntax_exists() {
        assert!(LANGS.windows(2).all(|w| w[0].0 < w[1].0), "LANGS sorted");
        for (name, lang) in LANGS {
            if let Lang::Syntax(s) = lang {
                assert!(
                    syntax_set().find_syntax_by_name(s).is_some(),
                    "{name}: no syntax {s:?}"
                );
            }
        }
    }

    #[test]
    fn every_validator_language_is_known() {
        for l in crate::spec::validate::LANGUAGES {
            assert!(lang(l).is_some(), "spec language {l} has no mapping");
        }
        assert_eq!(lang(""), Some(Lang::Plain));
        assert_eq!(lang("YAML title=x"), Some(Lang::Syntax("YAML")));
        assert_eq!(lang("brainfuck"), None);
    }

    #[test]
    fn highlights_with_classes_and_escapes_plain() {
        let html = highlight("# note\necho \"$HOME\" <x>\n", lang("bash").unwrap());
        assert!(html.contains("class=\"z-comment"), "{html}");
        assert!(html.contains("&lt;") && html.contains("&gt;"), "{html}");
        assert!(!html.contains("<x>"), "{html}");
        assert!(!html.contains("style="), "{html}");
        assert_eq!(
            highlight("a <b> & {{ c }}", Lang::Plain),
            "a &lt;b&gt; &amp; {{ c }}"
        );
    }

    #[test]
    fn stylesheet_has_both_themes_and_no_comments_left() {
        let css = stylesheet();
        assert!(css.contains(":root .z-code {"), "{css}");
        assert!(
            css.contains(":root[data-theme=\"dark\"] .z-comment"),
            "{css}"
        );
        assert!(css.contains("@media screen and (prefers-color-scheme: dark)"));
        assert!(css.contains("#8b949e"));
    }

    #[test]
    fn palette_meets_wcag_aa_on_code_background() {
        for s in PALETTE {
            let (l, d) = (contrast(s.light, CODE_BG.0), contrast(s.dark, CODE_BG.1));
            assert!(l >= 4.5, "{} light contrast {l:.2}", s.scopes);
            assert!(d >= 4.5, "{} dark contrast {d:.2}", s.scopes);
        }
        assert!(contrast(CODE_FG.0, CODE_BG.0) >= 7.0);
        assert!(contrast(CODE_FG.1, CODE_BG.1) >= 7.0);
    }
}
