//! `{{pod}}`: a command of a `run` block that runs in the chart's main
//! container, its `kubectl exec` written once here instead of in every step.
//!
//! A line `<before>{{pod}} <command...>` becomes
//!
//! ```text
//! <before>kubectl -n "$NAMESPACE" exec "$POD" -c <workload.container> -- \
//! <indent>  <command...>
//! ```
//!
//! the command on a line of its own, two spaces deeper than the line, the
//! way the guides break a long `kubectl exec` to stay within 76 columns.
//! `{{pod -i}}` adds `-i` for a command that reads stdin (`cat f |
//! {{pod -i}} tar -xf -`, `{{pod -i}} psql < dump.sql`). Only the command
//! runs in the pod: a pipe or redirection after it is the operator's, so
//! `{{pod}} pg_dump ... > dump.sql` writes the file on their machine, as
//! the rendered command does. The container comes from
//! `workload.container`, which the facts check holds to the chart's
//! workload; `$POD` is the first running pod of that workload, which every
//! guide's "before you start" block sets.
//!
//! The token expands with the snippets, when the spec is read, so the
//! guides, the make targets that run guide steps, the runbook lint, the
//! facts check and shellcheck all see the full command.

use super::snippets::token_at;

/// The token's opening.
pub const OPEN: &str = "{{pod";

/// The `kubectl exec` into the main container, as the guides print it.
pub fn prefix(container: &str, stdin: bool) -> String {
    let i = if stdin { "-i " } else { "" };
    format!("kubectl -n \"$NAMESPACE\" exec {i}\"$POD\" -c {container} --")
}

/// What is wrong with a `{{pod}}` line: the message and the help.
pub type LineError = (String, String);

/// The two lines a run line with `{{pod}}` becomes, or `None` when it has
/// none.
pub fn expand_line(line: &str, container: &str) -> Result<Option<[String; 2]>, LineError> {
    let Some(at) = token_at(line, OPEN) else {
        return Ok(None);
    };
    let (before, token) = line.split_at(at);
    let Some(end) = token.find("}}") else {
        return Err(bad("`{{pod` is not closed with `}}`"));
    };
    let stdin = match &token[OPEN.len()..end] {
        "" => false,
        " -i" => true,
        other => {
            return Err(bad(format!(
                "unknown option `{}` in `{{{{pod{other}}}}}`",
                other.trim()
            )))
        }
    };
    let rest = &token[end + 2..];
    let Some(command) = rest
        .strip_prefix(' ')
        .filter(|c| !matches!(c.trim(), "" | "\\"))
    else {
        return Err((
            "`{{pod}}` without a command after it".into(),
            "write the command that runs in the pod after `{{pod}} ` on the same line, \
             e.g. `{{pod}} psql -X -c \"SELECT 1\"`"
                .into(),
        ));
    };
    if token_at(command, OPEN).is_some() {
        return Err((
            "two `{{pod}}` on one line".into(),
            "give each `{{pod}}` command a line of its own".into(),
        ));
    }
    let indent = &line[..line.len() - line.trim_start().len()];
    Ok(Some([
        format!("{before}{} \\", prefix(container, stdin)),
        format!("{indent}  {command}"),
    ]))
}

fn bad(message: impl Into<String>) -> LineError {
    (
        message.into(),
        "write `{{pod}}` (or `{{pod -i}}` when the command reads stdin) before the command".into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(line: &str) -> String {
        expand_line(line, "postgresql").unwrap().unwrap().join("\n")
    }

    #[test]
    fn the_command_follows_the_exec_line_two_spaces_deeper() {
        assert_eq!(
            one("{{pod}} psql -X -U \"$PGUSER\" -c \"SELECT 1\""),
            "kubectl -n \"$NAMESPACE\" exec \"$POD\" -c postgresql -- \\\n  \
             psql -X -U \"$PGUSER\" -c \"SELECT 1\""
        );
        // After a pipe, in a command substitution, inside a loop.
        assert_eq!(
            one("  | {{pod -i}} psql -Xq -d postgres"),
            "  | kubectl -n \"$NAMESPACE\" exec -i \"$POD\" -c postgresql -- \\\n    \
             psql -Xq -d postgres"
        );
        assert_eq!(
            one("V=$({{pod}} sh -c 'echo \"$PGDATA\"')"),
            "V=$(kubectl -n \"$NAMESPACE\" exec \"$POD\" -c postgresql -- \\\n  \
             sh -c 'echo \"$PGDATA\"')"
        );
        for other in ["kubectl get pods {{.x}}", "echo '{{podName}}'"] {
            assert_eq!(expand_line(other, "c").unwrap(), None);
        }
    }

    #[test]
    fn a_bad_token_says_what_to_write() {
        for (line, message) in [
            ("{{pod}}", "without a command"),
            ("{{pod}} ", "without a command"),
            ("{{pod}}psql", "without a command"),
            ("{{pod}} \\", "without a command"),
            ("{{pod -t}} sh", "unknown option `-t`"),
            ("{{pod sh", "not closed"),
            ("{{pod}} cat f | {{pod -i}} tee g", "two `{{pod}}`"),
        ] {
            let (m, help) = expand_line(line, "c").unwrap_err();
            assert!(m.contains(message), "{line}: {m}");
            assert!(help.contains("{{pod"), "{line}: {help}");
        }
    }

    /// The demo spec with `step` as the first restore step.
    fn demo(
        step: &str,
    ) -> (
        String,
        Result<crate::spec::SpecFile, crate::diagnostics::Diagnostic>,
    ) {
        let src = crate::spec::testkit::edited(
            &crate::scaffold::new_spec("demo"),
            &[(
                "    duration: 30m\n    steps:\n",
                &format!("    duration: 30m\n    steps:\n{step}"),
            )],
        );
        let parsed = crate::spec::parse("specs/demo.yaml", src.as_bytes());
        (src, parsed)
    }

    #[test]
    fn a_step_gets_the_exec_of_workload_container() {
        let (_, f) = demo(
            "      - title: Dump\n        run: |\n          mkdir -p \"$BACKUP_DIR\"\n          \
             {{pod}} pg_dump -Fc -d app \\\n            > \"$BACKUP_DIR/app.dump\"\n          \
             {{pod -i}} pg_restore -l < \"$BACKUP_DIR/app.dump\"\n",
        );
        let f = f.unwrap();
        let run = f.spec.restore[0].steps[0].run.clone().unwrap();
        assert_eq!(f.spec.workload.container, "demo");
        assert_eq!(
            run,
            "mkdir -p \"$BACKUP_DIR\"\n\
             kubectl -n \"$NAMESPACE\" exec \"$POD\" -c demo -- \\\n  \
             pg_dump -Fc -d app \\\n  > \"$BACKUP_DIR/app.dump\"\n\
             kubectl -n \"$NAMESPACE\" exec -i \"$POD\" -c demo -- \\\n  \
             pg_restore -l < \"$BACKUP_DIR/app.dump\"\n"
        );
        // The full command is what shellcheck sees.
        let script = format!("NAMESPACE=n POD=p BACKUP_DIR=b\n{run}");
        if let Some((ok, report)) = crate::spec::testkit::shellcheck(&script, "") {
            assert!(ok, "{report}");
        }
    }

    #[test]
    fn a_bad_use_is_an_error_at_its_line_and_column() {
        let line_of = |src: &str, needle: &str| {
            let n = src.lines().position(|l| l.contains(needle)).unwrap();
            let l = src.lines().nth(n).unwrap();
            (n + 1, l.len() - l.trim_start().len() + 1)
        };
        let (src, f) = demo(
            "      - title: Check\n        run: |\n          echo start\n          {{pod -t}} psql\n",
        );
        let d = f.unwrap_err();
        assert_eq!((d.line, d.column), line_of(&src, "{{pod -t}}"), "{d}");
        assert!(d.message.contains("unknown option `-t`"), "{d}");
        assert!(d.help.unwrap().contains("{{pod -i}}"));

        let (src, f) = demo(
            "      - title: Config\n        lang: yaml\n        run: |\n          a: 1\n          {{pod}} cat f\n",
        );
        let d = f.unwrap_err();
        assert_eq!((d.line, d.column), line_of(&src, "{{pod}} cat"), "{d}");
        assert!(d.message.contains("`lang: yaml`"), "{d}");
    }
}
