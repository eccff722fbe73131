use super::out::text_of;
use super::*;

/// The (class, text) pieces of highlighted HTML, neighbours of one class
/// merged, unclassed text as class "".
fn pieces(html: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let (class, inner, next) = if let Some(r) = rest.strip_prefix("<span class=\"") {
            let q = r.find('"').unwrap();
            let body = &r[q + 2..];
            let end = body.find("</span>").expect("closed span");
            (r[..q].to_string(), &body[..end], &body[end + 7..])
        } else {
            let end = rest.find("<span").unwrap_or(rest.len());
            (String::new(), &rest[..end], &rest[end..])
        };
        out.push((class, text_of(inner)));
        rest = next;
    }
    out
}

/// The texts highlighted with `class` (a class name like "f").
fn with(html: &str, class: &str) -> Vec<String> {
    pieces(html)
        .into_iter()
        .filter(|(c, _)| c == class)
        .map(|(_, t)| t)
        .collect()
}

fn hl(lang_name: &str, code: &str) -> String {
    let html = highlight(code, lang(lang_name).unwrap());
    assert_eq!(text_of(&html), code, "lossless: {html}");
    html
}

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
    assert_eq!(lang("YAML title=x"), Some(Lang::Lexer(Lexer::Yaml)));
    assert_eq!(lang("brainfuck"), None);
}

#[test]
fn shell_commands_options_strings_variables_comments() {
    let html = hl(
        "bash",
        "# take a dump\nkubectl exec -n \"$NS\" pod/pg-0 -- \\\n  pg_dump --format=custom -U postgres > /tmp/db.dump 2>&1\n",
    );
    assert_eq!(with(&html, "c"), ["# take a dump"]);
    assert_eq!(
        with(&html, "f"),
        ["kubectl"],
        "pg_dump follows a continuation"
    );
    assert_eq!(with(&html, "a"), ["-n", "--", "--format", "-U"]);
    assert_eq!(with(&html, "s"), ["\""; 2]);
    assert_eq!(with(&html, "v"), ["$NS"]);
    assert_eq!(with(&html, "k"), [">", "2>&"]);
    assert_eq!(with(&html, "n"), ["1"]);
    assert!(!html.contains("style="), "{html}");
}

#[test]
fn shell_pipelines_keywords_assignments_and_substitution() {
    let html = hl(
        "sh",
        "BACKUP=$(date +%F) helm list -A | grep -v x && for i in 1 2; do echo \"${i}: `hostname`\"; done\n",
    );
    assert_eq!(
        with(&html, "f"),
        ["date", "helm", "grep", "echo", "hostname"]
    );
    assert_eq!(with(&html, "v"), ["BACKUP", "$(", ")", "${i}", "`", "`"]);
    assert_eq!(with(&html, "k"), ["|", "&&", "for", ";", "do", ";", "done"]);
    assert_eq!(with(&html, "n"), ["1", "2"]);
}

#[test]
fn shell_here_documents_are_strings() {
    let code = "kubectl apply -f - <<'EOF'\napiVersion: v1\nkind: $NOT_A_VAR\nEOF\necho done\n";
    let html = hl("bash", code);
    assert_eq!(with(&html, "s"), ["apiVersion: v1\nkind: $NOT_A_VAR\n"]);
    assert_eq!(with(&html, "k"), ["<<'EOF'", "EOF"]);
    assert_eq!(with(&html, "f"), ["kubectl", "echo"]);
    // `<<-` strips leading tabs from the delimiter line.
    let html = hl("bash", "cat <<-END\n\tbody\n\tEND\nls\n");
    assert_eq!(with(&html, "s"), ["\tbody\n"]);
    assert_eq!(with(&html, "f"), ["cat", "ls"]);
}

#[test]
fn yaml_keys_scalars_and_block_strings() {
    let code = "# values\nbackup:\n  enabled: true\n  schedule: \"0 2 * * *\" # nightly\n  retention: 7\n  items:\n    - name: db\n      ref: *anchor\n  script: |\n    pg_dump x\n\n    done\n  after: ~\n  list: [a, b: 1]\n";
    let html = hl("yaml", code);
    assert_eq!(
        with(&html, "y"),
        [
            "backup",
            "enabled",
            "schedule",
            "retention",
            "items",
            "name",
            "ref",
            "script",
            "after",
            "list",
            "b"
        ]
    );
    assert_eq!(with(&html, "n"), ["true", "7", "~", "1"]);
    assert_eq!(
        with(&html, "s"),
        ["\"0 2 * * *\"", "db", "    pg_dump x", "    done", "a"]
    );
    assert_eq!(with(&html, "c"), ["# values", "# nightly"]);
    assert_eq!(with(&html, "v"), ["*anchor"]);
    assert_eq!(with(&html, "k"), ["|"]);
}

#[test]
fn sql_keywords_types_functions_strings_comments() {
    let html = hl(
        "sql",
        "-- size\nSELECT pg_size_pretty(pg_database_size('app')) AS size, 1::int FROM x WHERE a = $1; /* c */\n\\dt public.*\n",
    );
    assert_eq!(with(&html, "k"), ["SELECT", "AS", "FROM", "WHERE"]);
    assert_eq!(
        with(&html, "f"),
        ["pg_size_pretty", "pg_database_size", "\\dt"]
    );
    assert_eq!(with(&html, "s"), ["'app'"]);
    assert_eq!(with(&html, "t"), ["int"]);
    assert_eq!(with(&html, "n"), ["1"]);
    assert_eq!(with(&html, "v"), ["$1"]);
    assert_eq!(with(&html, "c"), ["-- size", "/* c */"]);
}

#[test]
fn makefiles_rules_variables_and_shell_recipes() {
    let code = "# ops\nNS ?= default\n.PHONY: backup\nbackup: check ## Take a backup\n\t@kubectl exec -n $(NS) db -- sh -c 'pg_dump' > $@\n\tfor f in *; do echo $$f; done\n";
    let html = hl("makefile", code);
    assert_eq!(with(&html, "c"), ["# ops", "## Take a backup"]);
    assert_eq!(with(&html, "v"), ["NS", "$(NS)", "$@", "$$f"]);
    assert_eq!(with(&html, "k")[..3], ["?=", ".PHONY", "@"]);
    assert_eq!(with(&html, "f"), ["backup", "kubectl", "echo"]);
    assert_eq!(with(&html, "s"), ["'pg_dump'"]);
}

#[test]
fn json_and_ini() {
    let html = hl("json", "{\"a\": [1, true, \"x\"], \"b\": null}\n");
    assert_eq!(with(&html, "y"), ["\"a\"", "\"b\""]);
    assert_eq!(with(&html, "n"), ["1", "true", "null"]);
    assert_eq!(with(&html, "s"), ["\"x\""]);
    let html = hl("ini", "; c\n[server]\nport = 8080\nname: a \\\n  b\n");
    assert_eq!(with(&html, "c"), ["; c"]);
    assert_eq!(with(&html, "y"), ["[server]"]);
    assert_eq!(with(&html, "a"), ["port", "name"]);
    assert_eq!(with(&html, "s"), ["8080", "a \\", "  b"]);
}

#[test]
fn other_languages_use_syntect_with_the_same_classes() {
    let html = hl("python", "# note\ndef f(x):\n    return \"s\" <x>\n");
    assert_eq!(with(&html, "c"), ["# note\n"]);
    assert!(with(&html, "k").iter().any(|k| k == "def"), "{html}");
    assert!(with(&html, "s").iter().any(|k| k.contains('s')), "{html}");
    assert!(!html.contains("<x>") && html.contains("&lt;"), "{html}");
    assert_eq!(
        highlight("a <b> & {{ c }}", Lang::Plain),
        "a &lt;b&gt; &amp; {{ c }}"
    );
}

#[test]
fn deep_nesting_is_bounded_and_lossless() {
    let code = "$(".repeat(10_000) + &"\"`".repeat(5_000);
    let html = highlight(&code, Lang::Lexer(Lexer::Shell));
    assert_eq!(text_of(&html), code);
}

#[test]
fn stylesheet_has_both_themes_and_every_class() {
    let css = stylesheet();
    assert!(css.contains(":root .z-code {"), "{css}");
    for c in Class::ALL {
        assert!(
            css.contains(&format!(
                ":root[data-theme=\"dark\"] .z-code .{} {{",
                c.name()
            )),
            "{css}"
        );
    }
    assert!(css.contains("@media screen and (prefers-color-scheme: dark)"));
    assert!(css.contains("#8b949e; font-style: italic;"));
}

#[test]
fn palette_meets_wcag_aa_on_code_background() {
    assert_eq!(PALETTE.len(), Class::ALL.len());
    for (s, c) in PALETTE.iter().zip(Class::ALL) {
        assert_eq!(s.class, c, "palette in class order");
        let (l, d) = (contrast(s.light, CODE_BG.0), contrast(s.dark, CODE_BG.1));
        assert!(l >= 4.5, "{} light contrast {l:.2}", s.scopes);
        assert!(d >= 4.5, "{} dark contrast {d:.2}", s.scopes);
    }
    assert!(contrast(CODE_FG.0, CODE_BG.0) >= 7.0);
    assert!(contrast(CODE_FG.1, CODE_BG.1) >= 7.0);
}
