use super::*;

#[test]
fn line_is_what_str_lines_gives() {
    for text in ["", "a", "a\n", "a\n\nb", "a\r\nb \n", "\n\n", "x\ny\nz"] {
        let lines = Lines::new(text);
        for n in 0..5 {
            let want = text.lines().nth(n).map(|l| l.trim_end().to_string());
            assert_eq!(lines.line(n), want, "{text:?} line {n}");
        }
    }
}

fn registry() -> Registry {
    let mut r = Registry::default();
    r.pages.insert("docs/a.md".into(), "docs/a.html".into());
    r.pages.insert(
        "docs/x/backup-guide.md".into(),
        "charts/x/backup.html".into(),
    );
    r
}

/// The site's built-in templates, compiled once for every test.
fn tera() -> &'static tera::Tera {
    static TERA: std::sync::OnceLock<tera::Tera> = std::sync::OnceLock::new();
    TERA.get_or_init(|| crate::site::templates(&[]).expect("built-in templates"))
}

fn render(text: &str) -> Rendered {
    super::render(
        &registry(),
        tera(),
        "docs/a.html",
        &[Step::markdown(&Source::file(text, "docs/a.md"))],
    )
}

#[test]
fn headings_get_unique_ids_and_sections() {
    let d =
        render("# Title\n\nintro\n\n## Steps\n\none\n\n## Steps\n\ntwo\n\n#### Deep\n\nthree\n");
    let ids: Vec<&str> = d.headings.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["title", "steps", "steps-1", "deep"]);
    assert!(d
        .html
        .contains("<h2 id=\"steps-1\">Steps<a class=\"anchor\" href=\"#steps-1\""));
    assert_eq!(d.sections.len(), 3);
    assert_eq!(d.sections[0].anchor, "");
    assert_eq!(d.sections[2].anchor, "steps-1");
    assert!(d.sections[2].text.contains("Deep"), "{:?}", d.sections[2]);
    assert!(d.sections[2].text.contains("three"));
}

#[test]
fn raw_html_is_text_and_comments_vanish() {
    let d = render(
        "<!-- gen:begin x -->\n<script>alert(1)</script>\n\nA <b onclick=\"x\">b</b> `<i>`\n",
    );
    assert!(!d.html.contains("<script"), "{}", d.html);
    assert!(!d.html.contains("<b "), "{}", d.html);
    assert!(
        d.html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{}",
        d.html
    );
    assert!(d.html.contains("<code>&lt;i&gt;</code>"), "{}", d.html);
    assert!(!d.html.contains("gen:begin"), "{}", d.html);
}

#[test]
fn links_resolve_to_pages_and_broken_ones_are_located() {
    let d = render("# A\n\nSee [b](x/backup-guide.md#restore) and\n[c](missing.md) and [d](https://example.com).\n");
    assert!(
        d.html.contains("href=\"../charts/x/backup.html#restore\""),
        "{}",
        d.html
    );
    assert!(d
        .html
        .contains("href=\"https://example.com\" class=\"ext\""));
    assert_eq!(d.errors.len(), 1, "{:?}", d.errors);
    let e = &d.errors[0];
    assert_eq!((e.file.as_str(), e.line, e.column), ("docs/a.md", 4, 1));
    assert!(e.message.contains("docs/missing.md"), "{}", e.message);
    assert_eq!(d.anchor_links.len(), 1);
    assert_eq!(d.anchor_links[0].anchor, "restore");
    assert_eq!(d.anchor_links[0].line, 3);
}

#[test]
fn script_urls_are_refused() {
    let d = render("[x](javascript:alert(1))\n");
    assert!(!d.html.contains("javascript:"), "{}", d.html);
    assert!(d.errors[0].message.contains("javascript: scheme"));
}

#[test]
fn hand_written_link_problems_are_warnings_or_repository_links() {
    let text = "# A\n\nSee [v](../charts/x/values.yaml) and [up](../../LICENSE).\n";
    let mut reg = registry();
    reg.hand_written.insert("docs/a.md".into());
    let page = |reg: &Registry| {
        super::render(
            reg,
            tera(),
            "docs/a.html",
            &[Step::markdown(&Source::file(text, "docs/a.md"))],
        )
    };
    let d = page(&reg);
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    let msgs: Vec<_> = d
        .warnings
        .iter()
        .map(|w| (w.line, w.message.as_str()))
        .collect();
    assert_eq!(
        msgs,
        [
            (3, "broken link \"../charts/x/values.yaml\": charts/x/values.yaml is not a page of the site"),
            (3, "link \"../../LICENSE\" points above the repository root"),
        ]
    );
    assert!(d.warnings[0].help.as_deref().unwrap().contains("repo_url"));
    reg.repo_url = Some("https://example.com/r/blob/main".into());
    let d = page(&reg);
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert!(d
        .html
        .contains("href=\"https://example.com/r/blob/main/charts/x/values.yaml\""));
    // The same link in what gen wrote is an error.
    reg.hand_written.clear();
    assert_eq!(page(&reg).errors.len(), 1);
}

#[test]
fn code_is_highlighted_and_unknown_languages_are_plain_with_a_warning() {
    let d = render("```yaml\na: 1\n```\n\n```klingon\nx\n```\n");
    assert!(
        d.html
            .contains("<code><span class=\"y\">a</span>: <span class=\"n\">1</span>"),
        "{}",
        d.html
    );
    assert!(d.html.contains("<span class=\"lang\">yaml</span>"));
    assert!(d.errors.is_empty(), "{:?}", d.errors);
    assert_eq!(d.warnings.len(), 1);
    assert!(d.warnings[0]
        .message
        .contains("\"klingon\"; shown as plain text"));
    assert_eq!(d.warnings[0].line, 5);
    assert!(d.html.contains("<code>x\n</code>"), "{}", d.html);
    assert!(d.sections[0].code.contains("a: 1"));
}

#[test]
fn tables_scroll_in_a_labelled_region() {
    let d = render("| a | b |\n| - | - |\n| 1 | 2 |\n");
    assert!(
        d.html
            .starts_with("<div class=\"table-wrap\" tabindex=\"0\" role=\"region\""),
        "{}",
        d.html
    );
}

#[test]
fn an_overridden_piece_is_used_and_a_broken_one_is_an_error_once() {
    let text = "## Steps\n\n```sh\necho <hi>\n```\n\n## Steps\n";
    let over = |name: &str, src: &str| {
        crate::site::templates(&[(name.to_string(), src.to_string())]).expect("compiles")
    };
    let page = |tera: &tera::Tera| {
        super::render(
            &registry(),
            tera,
            "docs/a.html",
            &[Step::markdown(&Source::file(text, "docs/a.md"))],
        )
    };
    let t = over(
        pieces::HEADING,
        "<h{{ level }} id=\"{{ id }}\" data-text=\"{{ text }}\">{{ html | safe }}</h{{ level }}>\n",
    );
    let d = page(&t);
    assert!(
        d.html
            .starts_with("<h2 id=\"steps\" data-text=\"Steps\">Steps</h2>\n"),
        "{}",
        d.html
    );
    assert!(
        d.html.contains("<h2 id=\"steps-1\" data-text=\"Steps\">"),
        "{}",
        d.html
    );
    assert!(!d.html.contains("class=\"anchor\""), "{}", d.html);
    // The raw code is there, escaped by the site's escaping.
    let t = over(
        pieces::CODE_BLOCK,
        "<pre data-lang=\"{{ lang }}\">{{ code }}</pre>\n",
    );
    let d = page(&t);
    assert!(
        d.html
            .contains("<pre data-lang=\"sh\">echo &lt;hi&gt;\n</pre>\n"),
        "{}",
        d.html
    );
    assert!(!d.html.contains("Copy"), "{}", d.html);
    let t = over(pieces::HEADING, "{{ no_such_field }}");
    let d = page(&t);
    assert_eq!(d.errors.len(), 1, "{:?}", d.errors);
    assert_eq!(d.errors[0].file, "templates/site/heading.html.tera");
}

#[test]
fn inline_markdown_drops_paragraph_and_escapes() {
    assert_eq!(
        inline("Uses `pg_dump` <script>"),
        "Uses <code>pg_dump</code> &lt;script&gt;"
    );
}

/// The link piece (`site/link.html.tera`) writes what the renderer wrote
/// by hand before it: the target escaped, `ext` on links off the site, the
/// title, the content's own HTML, an image as a link to it, a link in a
/// heading, and no newline of its own.
#[test]
fn links_keep_their_markup() {
    let d = render(concat!(
        "## See [the *guide*](x/backup-guide.md \"A \\\"b\\\" & c\")\n\n",
        "[`x` & y](https://example.com/?a=1&b=2) then\n",
        "[![logo](https://example.com/l.png)](https://example.com \"t\") end.\n",
    ));
    assert!(
        d.html.starts_with(concat!(
            "<h2 id=\"see-the-guide\">See <a href=\"../charts/x/backup.html\"",
            " title=\"A &quot;b&quot; &amp; c\">the <em>guide</em></a><a class=\"anchor\"",
        )),
        "{}",
        d.html
    );
    assert!(
        d.html.contains(concat!(
            "<p><a href=\"https://example.com/?a=1&amp;b=2\" class=\"ext\" rel=\"noopener noreferrer\">",
            "<code>x</code> &amp; y</a> then\n",
            "<a href=\"https://example.com\" class=\"ext\" rel=\"noopener noreferrer\" title=\"t\">",
            "<a href=\"https://example.com/l.png\" class=\"ext\" rel=\"noopener noreferrer\">",
            "logo</a></a> end.</p>\n",
        )),
        "{}",
        d.html
    );
}
