//! Starting points written by `gen new`.

use crate::kinds::chart_dir;

/// A spec for a new chart: valid as it stands, so `gen build` works at once,
/// with a TODO wherever the maintainer must write the product's facts.
/// `gen check --strict` fails until every TODO is gone.
pub fn new_spec(chart: &str) -> String {
    include_str!("../templates/new-spec.yaml").replace("CHART", chart)
}

/// A spec for chart `to` that starts from chart `from`'s spec `text`: its
/// structure, procedures and commands, with the names that are the chart's
/// own (`make <from>-...` targets, `charts/<from>`, `$BACKUP_DIR/<from>-...`
/// files, the `app.kubernetes.io/name` label) moved to `to`. What is a fact
/// about the product becomes a TODO (`title`, `summary`, `app_version`), and
/// the drills and the last drill date, which vouch for `from` only, are
/// dropped, so `gen check --strict` fails until the maintainer has read it.
pub fn like_spec(text: &str, from: &str, to: &str) -> String {
    let renames = [
        (format!("make {from}-"), format!("make {to}-")),
        (chart_dir(from), chart_dir(to)),
        (format!("/{from}-"), format!("/{to}-")),
        (
            format!("app.kubernetes.io/name={from}"),
            format!("app.kubernetes.io/name={to}"),
        ),
    ];
    let note = format!(
        "# Started from specs/{from}.yaml by `gen new {to} --like {from}`: every\n\
         # procedure and command below is {from}'s; check each against {to}.\n"
    );
    let mut out = String::new();
    let mut lines = text.lines().peekable();
    // The schema modeline stays the first line.
    if let Some(first) = lines.next_if(|l| l.starts_with("# yaml-language-server:")) {
        out.push_str(first);
        out.push('\n');
    }
    out.push_str(&note);
    while let Some(line) = lines.next() {
        let key = line.trim_start();
        let indent = line.len() - key.len();
        // A drill (inline or a block) and last_drill vouch for `from` only.
        if key.starts_with("drill:") || key.starts_with("last_drill:") {
            while lines
                .peek()
                .is_some_and(|l| l.trim().is_empty() || l.len() - l.trim_start().len() > indent)
            {
                lines.next();
            }
            continue;
        }
        let replaced = match line.split_once(':').map(|(k, _)| k) {
            Some("name") => format!("name: {to}"),
            Some("title") => "title: TODO the product's name".to_string(),
            Some("app_version") => "app_version: \"TODO\"".to_string(),
            Some("summary") => {
                while lines.peek().is_some_and(|l| l.starts_with("  ")) {
                    lines.next();
                }
                "summary: TODO what the product is and what state it keeps.".to_string()
            }
            _ => renames.iter().fold(line.to_string(), |l, (a, b)| {
                l.replace(a.as_str(), b.as_str())
            }),
        };
        out.push_str(&replaced);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_moves_the_charts_names_and_leaves_todos() {
        let src = "# yaml-language-server: $schema=schema.json\nname: redis\ntitle: Redis\n\
summary: >-\n  An in-memory store.\napp_version: \"7.4.1\"\nlast_drill: 2026-01-01\n\
restore:\n  - id: full\n    drill:\n      test: tests/drills.rs::x\n    steps:\n\
      - title: Run it\n        drill: { none: x }\n        run: |\n\
          make redis-restore FILE=\"$BACKUP_DIR/redis-1.rdb\"\n          redis-cli PING\n";
        let out = like_spec(src, "redis", "valkey");
        assert!(out.contains("\nname: valkey\n"), "{out}");
        assert!(out.starts_with("# yaml-language-server: $schema=schema.json\n# Started"));
        assert!(out.contains("make valkey-restore FILE=\"$BACKUP_DIR/valkey-1.rdb\""));
        assert!(
            out.contains("redis-cli PING"),
            "product commands stay: {out}"
        );
        assert!(!out.contains("drill"), "{out}");
        assert!(out.contains("title: TODO") && out.contains("summary: TODO"));
        assert!(!out.contains("in-memory"));
    }
}
