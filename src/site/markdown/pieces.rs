//! The HTML the renderer writes around Markdown's own: a heading with its
//! anchor link, a code block with its label and Copy button, a table's
//! scrolling wrapper, a link with its rewritten target, raw HTML shown as
//! text. Each is a template under
//! `templates/site/`, rendered from a small context made here, so a
//! repository can override it like every other part of a page.

use super::Doc;
use serde::Serialize;

/// The templates of this module, by what they make.
pub const HEADING: &str = "site/heading.html.tera";
pub const CODE_BLOCK: &str = "site/code-block.html.tera";
pub const TABLE: &str = "site/table.html.tera";
pub const LINK: &str = "site/link.html.tera";
pub const RAW_HTML: &str = "site/raw-html.html.tera";

/// Every template a page's body is rendered with: an override of one of
/// them changes every page (see `cache::Pages::site_registry`).
pub const TEMPLATES: &[&str] = &[HEADING, CODE_BLOCK, TABLE, LINK, RAW_HTML];

/// What `site/heading.html.tera` shows.
#[derive(Serialize)]
pub(super) struct Heading<'a> {
    /// 1 to 6.
    pub level: u8,
    /// Unique on the page (see `Doc::claim_id`).
    pub id: &'a str,
    /// The heading's plain text.
    pub text: &'a str,
    /// The heading's content as HTML, escaped (code spans, emphasis).
    pub html: &'a str,
    /// The page's title: the layout places it above the table of contents.
    pub title: bool,
}

/// What `site/code-block.html.tera` shows.
#[derive(Serialize)]
pub(super) struct CodeBlock<'a> {
    /// The fence's language as written, lower-cased; empty when none.
    pub lang: &'a str,
    /// The code, highlighted and escaped.
    pub html: &'a str,
    /// The code as written.
    pub code: &'a str,
}

/// What `site/table.html.tera` wraps.
#[derive(Serialize)]
pub(super) struct Table<'a> {
    /// The table as HTML.
    pub html: &'a str,
}

/// What `site/link.html.tera` shows: a link (or an image, shown as a link
/// to it) whose target resolved (see `links`).
#[derive(Serialize)]
pub(super) struct Link<'a> {
    /// Where the link goes on the site: a page, an anchor, the repository
    /// or the web.
    pub href: &'a str,
    /// A link off the site.
    pub external: bool,
    /// The link's title as written; empty when none.
    pub title: &'a str,
    /// The link's content as HTML, escaped (text, code spans, emphasis).
    pub html: &'a str,
}

/// What `site/raw-html.html.tera` shows: an HTML block of the source,
/// without its comments, as text (a page never carries the source's HTML).
#[derive(Serialize)]
pub(super) struct RawHtml<'a> {
    pub text: &'a str,
}

impl Doc<'_> {
    /// Template `name` rendered from `ctx`, appended to the page's body. A
    /// failing template (an override) is an error of the page, once, and
    /// leaves the piece out.
    pub(super) fn piece<C: Serialize>(&mut self, name: &str, ctx: &C) {
        let mut html = std::mem::take(&mut self.body.html);
        self.piece_into(name, ctx, &mut html);
        self.body.html = html;
    }

    /// [`Doc::piece`] appended to `out` (a piece inside Markdown's own
    /// HTML, such as a link, goes back into the event stream).
    pub(super) fn piece_into<C: Serialize>(&mut self, name: &str, ctx: &C, out: &mut String) {
        let ctx = tera::Context::from_serialize(ctx).expect("a context struct serializes");
        if let Err(d) = crate::render::render_into(self.tera, name, &ctx, out) {
            if !self.body.errors.contains(&d) {
                self.body.errors.push(d);
            }
        }
    }
}
