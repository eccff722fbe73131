//! Markdown to HTML for the site: one options function, one event loop.
//!
//! The loop gives headings stable, de-duplicated, GitHub-compatible ids with
//! a link icon; highlights fenced code (`code`: an unknown language is
//! plain text with a warning); turns links between Markdown files into
//! links between pages (`links`), remembering each one with its file and
//! line so the build can check its target and anchor; shows raw HTML as
//! literal text and drops comments; marks where inline code may wrap
//! (`wrap`); and collects the plain text of each heading section for the
//! search index. The HTML it writes around
//! Markdown's own (headings, code blocks, tables, links, raw HTML) comes
//! from the site's templates (`pieces`).

mod code;
mod links;
pub mod pieces;
mod wrap;

use super::html::esc;
use crate::diagnostics::Diagnostic;
use links::{Lines, Resolved};
use pulldown_cmark::{CodeBlockKind, CowStr, Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// The one set of Markdown options the site uses (GitHub's flavour, as the
/// guides are also read on GitHub).
pub fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// Which page each repository file becomes, by repository path.
#[derive(Debug, Default, Clone)]
pub struct Registry {
    pub pages: BTreeMap<String, String>,
    /// Files a person wrote (hand-written docs, chart READMEs): a link
    /// problem in them is a warning, never a failed build.
    pub hand_written: BTreeSet<String>,
    /// gen.toml's `[site] repo_url`: links to repository files that are
    /// not pages of the site point under it.
    pub repo_url: Option<String>,
}

/// One heading of a page.
#[derive(Debug, Clone)]
pub struct Heading {
    pub level: u8,
    pub id: String,
    pub text: String,
}

/// A stretch of a page between two headings of level 1-3, for search.
#[derive(Debug, Clone, Default)]
pub struct Section {
    /// Heading id; empty for the top of the page.
    pub anchor: String,
    pub heading: String,
    pub text: String,
    pub code: String,
}

/// A link to an anchor, checked once every page is rendered.
#[derive(Debug, Clone)]
pub struct AnchorLink {
    /// The page linked to.
    pub page: String,
    pub anchor: String,
    /// Where the link was written, for the error.
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub snippet: Option<String>,
    /// The repository file of the page linked to, for the message.
    pub target: String,
    /// Written by a person: a missing anchor is a warning.
    pub hand_written: bool,
}

/// A piece of Markdown and where it comes from.
pub struct Source<'s> {
    pub text: &'s str,
    /// Repository path that relative links are resolved against.
    pub base: &'s str,
    /// File named in diagnostics (usually `base`).
    pub file: &'s str,
    /// Line number of the text's first line in `file`; 0 when the text is
    /// generated and has no lines of its own.
    pub first_line: usize,
    /// Leave out the first heading (its page supplies its own title).
    pub drop_first_heading: bool,
}

impl<'s> Source<'s> {
    pub fn file(text: &'s str, path: &'s str) -> Self {
        Source {
            text,
            base: path,
            file: path,
            first_line: 1,
            drop_first_heading: false,
        }
    }
}

/// One step of building a page's body. A page is rendered from its list
/// of steps and the registry alone, so `gen serve` can keep a page whose
/// steps and registry are unchanged (see `memo::Memo::page`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step<'a> {
    Heading(u8, Cow<'a, str>),
    Raw(Cow<'a, str>),
    Markdown {
        text: Cow<'a, str>,
        base: Cow<'a, str>,
        file: Cow<'a, str>,
        first_line: usize,
        drop_first_heading: bool,
    },
}

impl<'a> Step<'a> {
    /// A Markdown step that borrows its source: a build copies nothing;
    /// `gen serve`'s memo copies what it keeps ([`Step::into_owned`]).
    pub fn markdown(src: &Source<'a>) -> Step<'a> {
        Step::Markdown {
            text: Cow::Borrowed(src.text),
            base: Cow::Borrowed(src.base),
            file: Cow::Borrowed(src.file),
            first_line: src.first_line,
            drop_first_heading: src.drop_first_heading,
        }
    }

    pub fn into_owned(self) -> Step<'static> {
        let own = |c: Cow<'a, str>| Cow::Owned(c.into_owned());
        match self {
            Step::Heading(level, text) => Step::Heading(level, own(text)),
            Step::Raw(html) => Step::Raw(own(html)),
            Step::Markdown {
                text,
                base,
                file,
                first_line,
                drop_first_heading,
            } => Step::Markdown {
                text: own(text),
                base: own(base),
                file: own(file),
                first_line,
                drop_first_heading,
            },
        }
    }
}

/// A page's body once rendered: what a [`Doc`] built, without the registry.
#[derive(Debug, Clone, Default)]
pub struct Rendered {
    /// The page's path inside the site, e.g. `charts/redis/backup.html`.
    pub page: String,
    pub html: String,
    /// The page's title heading (`<h1>`), when the page starts with one;
    /// the layout places it above the table of contents.
    pub title_html: Option<String>,
    pub headings: Vec<Heading>,
    pub ids: BTreeSet<String>,
    pub sections: Vec<Section>,
    pub anchor_links: Vec<AnchorLink>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

/// Renders the page at `page` from its steps, with the site's templates
/// (`tera`, see [`pieces`]).
pub fn render(registry: &Registry, tera: &tera::Tera, page: &str, steps: &[Step]) -> Rendered {
    let mut doc = Doc::new(registry, tera, page);
    for step in steps {
        match step {
            Step::Heading(level, text) => {
                doc.heading(*level, text);
            }
            Step::Raw(html) => doc.raw(html),
            Step::Markdown {
                text,
                base,
                file,
                first_line,
                drop_first_heading,
            } => doc.markdown(&Source {
                text,
                base,
                file,
                first_line: *first_line,
                drop_first_heading: *drop_first_heading,
            }),
        }
    }
    doc.finish()
}

/// A page's body being built from Markdown and hand-made HTML.
pub struct Doc<'r> {
    registry: &'r Registry,
    tera: &'r tera::Tera,
    pub body: Rendered,
}

/// Removes `<!-- ... -->` comments from raw HTML.
fn strip_comments(html: &str) -> String {
    let mut out = String::new();
    let mut rest = html;
    while let Some(start) = rest.find("<!--") {
        out.push_str(&rest[..start]);
        match rest[start + 4..].find("-->") {
            Some(end) => rest = &rest[start + 4 + end + 3..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Where the current event goes: the page, the heading being collected, or
/// the innermost link being collected (an image inside a link is one too).
struct Sink<'a> {
    out: Vec<Event<'a>>,
    heading: Option<(HeadingLevel, Vec<Event<'a>>, String)>,
    links: Vec<OpenLink<'a>>,
}

/// A link whose target resolved, collecting its content until its end,
/// where it is rendered whole (`pieces::LINK`).
struct OpenLink<'a> {
    href: String,
    external: bool,
    title: CowStr<'a>,
    events: Vec<Event<'a>>,
}

impl<'a> Sink<'a> {
    fn push(&mut self, e: Event<'a>) {
        if let Some(link) = self.links.last_mut() {
            link.events.push(e);
            return;
        }
        match &mut self.heading {
            Some((_, events, _)) => events.push(e),
            None => self.out.push(e),
        }
    }
}

impl<'r> Doc<'r> {
    /// The rendered body, without the registry.
    pub fn finish(self) -> Rendered {
        self.body
    }

    pub fn new(registry: &'r Registry, tera: &'r tera::Tera, page: &str) -> Self {
        Doc {
            registry,
            tera,
            body: Rendered {
                page: page.to_string(),
                ..Rendered::default()
            },
        }
    }

    /// A heading id for `text`, unique on the page: GitHub's slug, then
    /// `-1`, `-2`, ... for repeats.
    pub fn claim_id(&mut self, text: &str) -> String {
        let base = crate::crosschart::slug(text);
        let base = if base.is_empty() {
            "section".to_string()
        } else {
            base
        };
        let mut id = base.clone();
        let mut n = 0;
        while self.body.ids.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.body.ids.insert(id.clone());
        id
    }

    /// Adds hand-made HTML (its text is not searched).
    pub fn raw(&mut self, html: &str) {
        self.body.html.push_str(html);
    }

    fn section(&mut self) -> &mut Section {
        if self.body.sections.is_empty() {
            self.body.sections.push(Section::default());
        }
        self.body.sections.last_mut().expect("just ensured")
    }

    fn add_text(&mut self, text: &str) {
        let s = self.section();
        s.text.push_str(text);
    }

    fn open_heading(&mut self, level: u8, text: &str, inner_html: &str) {
        let id = self.claim_id(text);
        self.body.headings.push(Heading {
            level,
            id: id.clone(),
            text: text.to_string(),
        });
        if level <= 3 {
            self.body.sections.push(Section {
                anchor: if level == 1 {
                    String::new()
                } else {
                    id.clone()
                },
                heading: text.to_string(),
                ..Section::default()
            });
        } else {
            self.add_text(&format!(" {text} "));
        }
        let title = level == 1 && self.body.headings.len() == 1 && self.body.html.is_empty();
        self.piece(
            pieces::HEADING,
            &pieces::Heading {
                level,
                id: &id,
                text,
                html: inner_html,
                title,
            },
        );
        if title {
            // The body was empty: all of it is the title.
            self.body.title_html = Some(std::mem::take(&mut self.body.html));
        }
    }

    /// A heading made by gen (its text is escaped here).
    pub fn heading(&mut self, level: u8, text: &str) -> String {
        self.open_heading(level, text, &esc(text));
        self.body.headings.last().expect("just added").id.clone()
    }

    /// Renders Markdown into the page. A UTF-8 byte order mark is not
    /// text: it would hide the first heading (and the page's title).
    pub fn markdown(&mut self, src: &Source) {
        let src = &Source {
            text: src.text.strip_prefix('\u{feff}').unwrap_or(src.text),
            ..*src
        };
        let lines = Lines::new(src.text);
        let mut sink = Sink {
            out: Vec::new(),
            heading: None,
            links: Vec::new(),
        };
        let mut code: Option<(String, String, usize)> = None;
        let mut html_block: Option<(String, usize)> = None;
        let mut dropped_first = !src.drop_first_heading;
        let mut link_open: Vec<bool> = Vec::new();
        let flush = |doc: &mut Doc, sink: &mut Sink| {
            pulldown_cmark::html::push_html(&mut doc.body.html, sink.out.drain(..));
        };
        for (event, range) in Parser::new_ext(src.text, options()).into_offset_iter() {
            if let Some((_, buf, _)) = &mut code {
                match event {
                    Event::Text(t) => buf.push_str(&t),
                    Event::End(TagEnd::CodeBlock) => {
                        let (info, buf, at) = code.take().expect("in a code block");
                        flush(self, &mut sink);
                        self.code_block(src, &lines, at, &info, &buf);
                    }
                    _ => {}
                }
                continue;
            }
            if let Some((buf, _)) = &mut html_block {
                match event {
                    Event::Html(t) | Event::Text(t) => buf.push_str(&t),
                    Event::End(TagEnd::HtmlBlock) => {
                        let (buf, _) = html_block.take().expect("in an HTML block");
                        let text = strip_comments(&buf);
                        let text = text.trim();
                        if !text.is_empty() {
                            flush(self, &mut sink);
                            self.piece(pieces::RAW_HTML, &pieces::RawHtml { text });
                            self.add_text(&format!(" {text} "));
                        }
                    }
                    _ => {}
                }
                continue;
            }
            match event {
                Event::Start(Tag::Heading { level, .. }) => {
                    sink.heading = Some((level, Vec::new(), String::new()));
                }
                Event::End(TagEnd::Heading(_)) => {
                    let (level, events, text) = sink.heading.take().expect("in a heading");
                    if !dropped_first {
                        dropped_first = true;
                        continue;
                    }
                    let mut inner = String::new();
                    pulldown_cmark::html::push_html(&mut inner, events.into_iter());
                    flush(self, &mut sink);
                    self.open_heading(level as u8, text.trim(), &inner);
                }
                Event::Start(Tag::CodeBlock(kind)) => {
                    let info = match kind {
                        CodeBlockKind::Fenced(info) => info.to_string(),
                        CodeBlockKind::Indented => String::new(),
                    };
                    code = Some((info, String::new(), range.start));
                }
                Event::Start(Tag::HtmlBlock) => html_block = Some((String::new(), range.start)),
                Event::Html(t) | Event::InlineHtml(t) => {
                    let text = strip_comments(&t);
                    if !text.is_empty() {
                        self.capture(&mut sink, &text);
                        sink.push(Event::Text(text.into()));
                    }
                }
                Event::Start(Tag::Link {
                    dest_url, title, ..
                })
                | Event::Start(Tag::Image {
                    dest_url, title, ..
                }) => match self.resolve(src, &lines, range.start, &dest_url) {
                    Some(r) => {
                        let (href, external) = match r {
                            Resolved::Href(h) => (h, false),
                            Resolved::External(h) => (h, true),
                        };
                        sink.links.push(OpenLink {
                            href,
                            external,
                            title,
                            events: Vec::new(),
                        });
                        link_open.push(true);
                    }
                    None => link_open.push(false),
                },
                Event::End(TagEnd::Link) | Event::End(TagEnd::Image) => {
                    if link_open.pop() == Some(true) {
                        let link = sink.links.pop().expect("a resolved link is open");
                        let mut inner = String::new();
                        pulldown_cmark::html::push_html(&mut inner, link.events.into_iter());
                        let mut html = String::new();
                        self.piece_into(
                            pieces::LINK,
                            &pieces::Link {
                                href: &link.href,
                                external: link.external,
                                title: &link.title,
                                html: &inner,
                            },
                            &mut html,
                        );
                        sink.push(Event::Html(html.into()));
                    }
                }
                // A table is rendered on its own, then wrapped.
                Event::Start(Tag::Table(a)) => {
                    flush(self, &mut sink);
                    sink.push(Event::Start(Tag::Table(a)));
                }
                Event::End(TagEnd::Table) => {
                    sink.push(Event::End(TagEnd::Table));
                    let mut table = String::new();
                    pulldown_cmark::html::push_html(&mut table, sink.out.drain(..));
                    self.piece(pieces::TABLE, &pieces::Table { html: &table });
                }
                Event::Text(t) => {
                    self.capture(&mut sink, &t);
                    sink.push(Event::Text(t));
                }
                Event::Code(t) => {
                    self.capture(&mut sink, &t);
                    sink.push(Event::InlineHtml(wrap::inline_code(&t).into()));
                }
                Event::SoftBreak | Event::HardBreak => {
                    self.capture(&mut sink, " ");
                    sink.push(event);
                }
                Event::End(
                    TagEnd::Paragraph | TagEnd::Item | TagEnd::TableCell | TagEnd::BlockQuote(_),
                ) => {
                    self.capture(&mut sink, " ");
                    sink.push(event);
                }
                Event::InlineMath(t) | Event::DisplayMath(t) => {
                    self.capture(&mut sink, &t);
                    sink.push(Event::Text(t));
                }
                other => sink.push(other),
            }
        }
        flush(self, &mut sink);
        // Strings grown by doubling hold up to twice their text, and a site
        // keeps every page's until it is laid out.
        self.body.html.shrink_to_fit();
        for s in &mut self.body.sections {
            s.text.shrink_to_fit();
            s.code.shrink_to_fit();
        }
    }

    /// Text for the heading being collected, or for the current section.
    fn capture(&mut self, sink: &mut Sink, text: &str) {
        match &mut sink.heading {
            Some((_, _, t)) => t.push_str(text),
            None => self.add_text(text),
        }
    }
}

/// Inline Markdown (a summary, a table cell) as HTML without the paragraph
/// around it. Links are not checked here, so they are shown as text.
pub fn inline(text: &str) -> String {
    let mut html = String::new();
    let events = Parser::new_ext(text, options()).filter_map(|e| match e {
        Event::Start(Tag::Paragraph) | Event::End(TagEnd::Paragraph) => None,
        Event::Start(Tag::Link { .. }) | Event::End(TagEnd::Link) => None,
        Event::Start(Tag::Image { .. }) | Event::End(TagEnd::Image) => None,
        Event::Html(t) | Event::InlineHtml(t) => {
            let t = strip_comments(&t);
            (!t.is_empty()).then(|| Event::Text(t.into()))
        }
        Event::Start(Tag::HtmlBlock) | Event::End(TagEnd::HtmlBlock) => None,
        other => Some(other),
    });
    pulldown_cmark::html::push_html(&mut html, events);
    html.trim().to_string()
}

#[cfg(test)]
mod tests;
