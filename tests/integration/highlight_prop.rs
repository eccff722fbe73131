//! Highlighting as a property: every lexer gives back every byte of any
//! input, escaped, in spans that never nest, whatever the input is.

use crate::common;
use chartgen::site::highlight::{self, out::text_of, Lang, LANGS};
use common::Rng;

#[test]
fn every_lexer_keeps_every_byte_of_random_input() {
    const PIECES: &[&str] = &[
        " ", "\t", "\n", "\r\n", "\\", "\\\n", "'", "\"", "`", "$", "$(", "${", "$((", ")", "}",
        "(", "{", "[", "]", "#", "--", "-", "<<", "<<-", "<<'E'", "E", "\nE\n", ">", "<", "&", "|",
        ";", ":", ": ", "- ", "=", ":=", "?=", "*", "/*", "*/", "$$", "$1", "é", "日本", "x",
        "name", "if", "then", "fi", "SELECT", "int", "1.5", "true", "|-", "!tag", "&a", "\t@",
        ".PHONY", "define", "endef", "\u{0}", "<span>", "&amp;",
    ];
    let langs: Vec<Lang> = LANGS
        .iter()
        .map(|(_, l)| *l)
        .filter(|l| matches!(l, Lang::Lexer(_)))
        .collect();
    assert!(langs.len() >= 6, "{langs:?}");
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for round in 0..4000 {
        let code = rng.pick(PIECES, 40);
        let lang = langs[round % langs.len()];
        let html = highlight::highlight(&code, lang);
        assert_eq!(
            text_of(&html),
            code,
            "{lang:?} lost bytes of {code:?}: {html}"
        );
        assert_eq!(
            html.matches("<span").count(),
            html.matches("</span>").count(),
            "{lang:?} {code:?}: {html}"
        );
        let mut depth = 0;
        for piece in html.split('<').skip(1) {
            depth += if piece.starts_with("/span>") { -1 } else { 1 };
            assert!(
                (0..=1).contains(&depth),
                "{lang:?} {code:?}: spans nest: {html}"
            );
        }
    }
}
