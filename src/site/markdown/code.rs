//! Fenced code on a page: highlighted, labelled with its language, and an
//! unknown language shown as plain text with a located warning.

use super::links::Lines;
use super::{pieces, Doc, Source};
use crate::diagnostics::did_you_mean;
use crate::site::highlight::{self, Lang};

impl Doc<'_> {
    pub(super) fn code_block(
        &mut self,
        src: &Source,
        lines: &Lines,
        offset: usize,
        info: &str,
        code: &str,
    ) {
        let lang = match highlight::lang(info) {
            Some(l) => l,
            None => {
                let name = info.split_whitespace().next().unwrap_or(info);
                let help = match did_you_mean(name, highlight::known_langs()) {
                    Some(m) => format!("did you mean `{m}`?"),
                    None => format!(
                        "use one of {}",
                        highlight::known_langs().collect::<Vec<_>>().join(", ")
                    ),
                };
                self.error(
                    src,
                    lines,
                    offset,
                    format!("unknown code block language {name:?}; shown as plain text"),
                    help,
                );
                let mut d = self.body.errors.pop().expect("just pushed");
                d.severity = crate::diagnostics::Severity::Warning;
                self.body.warnings.push(d);
                Lang::Plain
            }
        };
        let label = info
            .split_whitespace()
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let html = highlight::highlight(code, lang);
        self.piece(
            pieces::CODE_BLOCK,
            &pieces::CodeBlock {
                lang: &label,
                html: &html,
                code,
            },
        );
        let s = self.section();
        s.code.push_str(code);
        s.code.push('\n');
    }
}
