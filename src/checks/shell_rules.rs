//! Rules over the shell an operator runs: six defects the operator reviews
//! found in shipped guides and Makefiles, each one pure detector over
//! shell text. The checks `runbook.*` below run them on each procedure of
//! a spec (its steps as the guides show them, snippets and fragments
//! expanded); `tests/integration/shipped.rs` runs the same detectors on
//! the generated guides, Makefiles and job templates, which also hold the
//! text gen writes itself.
//!
//! A detector returns the lines (0-based, of the text it was given) that
//! break its rule. Where a line may mean it on purpose, it ends in
//! `# <rule>: REASON` (or has that comment on the line before), as
//! `# stale-pod: REASON` does for `runbook.stale-pod`.

use crate::diagnostics::Diagnostic;
use crate::spec::shell::allowed;
use crate::spec::types::{Guide, RunsIn, Spec};
use crate::spec::SpecFile;
use std::collections::BTreeSet;

/// A line that breaks a rule: its index in the text (0-based) and the
/// words that do, for the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub line: usize,
    pub what: String,
}

/// The allowance comments, by detector.
pub const POD_FROM_RELEASE: &str = "pod-from-release";
pub const LOCAL_HTTP: &str = "local-http";
pub const ALL_CLEAR: &str = "all-clear";

/// The logical lines of `lines`, `\` continuations joined with a space:
/// `(index of the first line, index of the last, text)`.
fn logical_lines(lines: &[&str]) -> Vec<(usize, usize, String)> {
    let mut out: Vec<(usize, usize, String)> = Vec::new();
    let mut open = false;
    for (n, l) in lines.iter().enumerate() {
        let (text, continues) = match l.strip_suffix('\\') {
            Some(t) => (t, true),
            None => (*l, false),
        };
        match out.last_mut() {
            Some((_, last, joined)) if open => {
                *last = n;
                joined.push(' ');
                joined.push_str(text);
            }
            _ => out.push((n, n, text.to_string())),
        }
        open = continues;
    }
    out
}

/// `--set KEY=$VALUE` whose key names a secret: Helm's `--set` and
/// `--set-string` split a value at every comma and read backslashes as
/// escapes, so a password holding either installs a wrong one. MongoDB's
/// migration and PostgreSQL's re-install passed the old root password that
/// way; a password goes through `--set-file` (or a values file) instead.
pub fn secrets_in_set(text: &str) -> Vec<Finding> {
    const SECRET: &[&str] = &[
        "password",
        "passwd",
        "token",
        "secretkey",
        "accesskey",
        "apikey",
    ];
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (first, last, joined) in logical_lines(&lines) {
        let words: Vec<&str> = joined.split_whitespace().collect();
        for (i, w) in words.iter().enumerate() {
            let value = match *w {
                "--set" | "--set-string" => words.get(i + 1).copied(),
                _ => w
                    .strip_prefix("--set=")
                    .or_else(|| w.strip_prefix("--set-string=")),
            };
            let Some(value) = value else { continue };
            for pair in value.trim_matches(['"', '\'']).split(',') {
                let Some((key, v)) = pair.split_once('=') else {
                    continue;
                };
                let leaf = key.rsplit('.').next().unwrap_or(key).to_lowercase();
                if v.contains('$') && SECRET.iter().any(|s| leaf.contains(s)) {
                    let what = pair.trim_matches(['"', '\'']).to_string();
                    let line = (first..=last)
                        .find(|&n| lines[n].contains(key))
                        .unwrap_or(first);
                    out.push(Finding { line, what });
                }
            }
        }
    }
    out
}

/// The lines that name a StatefulSet's pod as a release name and an
/// ordinal (`"$PG_RELEASE-0"`): a chart's fullname is the release name
/// only when that contains the chart's name (`postgresql-pitr`, not
/// `pitr`), so such a pod exists for some release names only. Keycloak's
/// point-in-time restore and Immich's pgvecto.rs removal exec'd into one.
pub fn pods_named_from_a_release(text: &str) -> Vec<Finding> {
    let lines: Vec<&str> = text.lines().collect();
    let names_pod = |line: &str| {
        line.match_indices("RELEASE").any(|(at, m)| {
            let rest = &line[at + m.len()..];
            let rest = rest.strip_prefix('}').unwrap_or(rest);
            rest.strip_prefix('-').is_some_and(|r| {
                let digits = r.len() - r.trim_start_matches(|c: char| c.is_ascii_digit()).len();
                digits > 0 && !r[digits..].starts_with(|c: char| c.is_alphanumeric() || c == '-')
            })
        })
    };
    (0..lines.len())
        .filter(|&n| names_pod(lines[n]) && !allowed(&lines, n, POD_FROM_RELEASE))
        .map(|n| Finding {
            line: n,
            what: lines[n].trim().to_string(),
        })
        .collect()
}

/// `kubectl rollout status` on a StatefulSet after the same blocks
/// switched a StatefulSet to `OnDelete` (and not back to `RollingUpdate`):
/// it fails at once ("rollout status is only available for RollingUpdate
/// strategy type"); the pods are waited for some other way. MinIO's
/// upgrade deleted every pod and then ran it. Returns `(block, finding)`.
pub fn rollout_status_on_delete(blocks: &[&str]) -> Vec<(usize, Finding)> {
    let mut on_delete = false;
    let mut out = Vec::new();
    for (b, block) in blocks.iter().enumerate() {
        for (n, line) in block.lines().enumerate() {
            let words: Vec<&str> = line.split_whitespace().collect();
            let waits = words.windows(3).any(|w| {
                w[0] == "rollout"
                    && w[1] == "status"
                    && ["statefulset", "sts"]
                        .iter()
                        .any(|k| w[2].trim_matches('"').starts_with(k))
            });
            if on_delete && waits {
                out.push((
                    b,
                    Finding {
                        line: n,
                        what: line.trim().to_string(),
                    },
                ));
            }
            if line.contains("OnDelete") {
                on_delete = true;
            } else if line.contains("RollingUpdate") {
                on_delete = false;
            }
        }
    }
    out
}

/// Calls of `http://127.0.0.1:<port>` from the operator's machine (not
/// inside a pod through `kubectl exec`/`run`, or a container) that no
/// port-forward reaches: neither one the block opens itself nor one an
/// earlier block keeps open (`<NAME>_PF=$PF`) until a later one stops it
/// (`kill "$<NAME>_PF"`). Loki's, Mimir's, Grafana's, Tempo's and
/// Promtail's guides had restore and upgrade steps that curled a port
/// nothing forwarded. One finding per block, at its first local call;
/// the second value counts the blocks that call locally from the
/// operator's machine.
pub fn unforwarded_local_calls(blocks: &[&str]) -> (Vec<(usize, Finding)>, usize) {
    let calls_local = |l: &str| {
        l.match_indices("127.0.0.1:")
            .any(|(at, m)| l[at + m.len()..].starts_with(|c: char| c.is_ascii_digit()))
    };
    let mut open_forward = false;
    let (mut out, mut local) = (Vec::new(), 0);
    for (b, block) in blocks.iter().enumerate() {
        let lines: Vec<&str> = block.lines().collect();
        // A call from inside a pod or container: its localhost is the
        // pod's (the port-forward's own `(exec kubectl` aside).
        let in_pod = lines.iter().any(|l| {
            (l.contains("exec ") && !l.contains("(exec ${KUBECTL"))
                || l.contains("kubectl run")
                || l.contains(" run \"$")
                || l.contains("docker run")
                // A job's script that starts its own server.
                || l.contains("listen-address=127.0.0.1")
        });
        if block.contains("_PF=$PF") {
            open_forward = true;
        }
        if calls_local(block) && !in_pod {
            local += 1;
            let first = (0..lines.len())
                .find(|&n| calls_local(lines[n]) && !allowed(&lines, n, LOCAL_HTTP));
            if let Some(n) = first.filter(|_| !block.contains("port-forward") && !open_forward) {
                let what = lines[n].trim().to_string();
                out.push((b, Finding { line: n, what }));
            }
        }
        if block.contains("kill \"$") && block.contains("_PF\"") {
            open_forward = false;
        }
    }
    (out, local)
}

/// All-clear checks (`grep ... FILE || echo "none found"`) that read a
/// relative file no earlier line of the blocks wrote (`> FILE`): a
/// missing file also makes grep find nothing, and the check then passes
/// without having looked. Tempo's and the OpenTelemetry Collector's
/// upgrade pre-checks grepped a `tempo.yaml` and a `relay.yaml` that only
/// a later step (or the other guide) wrote. Returns `(block, finding)`;
/// the second value counts the all-clear greps read.
pub fn unwritten_all_clear_greps(blocks: &[&str]) -> (Vec<(usize, Finding)>, usize) {
    let mut written = BTreeSet::new();
    let (mut out, mut checks) = (Vec::new(), 0);
    for (b, block) in blocks.iter().enumerate() {
        let lines: Vec<&str> = block.lines().collect();
        for (first, _, line) in logical_lines(&lines) {
            if let Some((check, _)) = line.split_once("|| echo") {
                let file = check.split_whitespace().last().unwrap_or_default();
                let relative = file.contains('.')
                    && !file.starts_with('-')
                    && !file.contains(['/', '$', '"', '\'']);
                if check.contains("grep") && relative {
                    checks += 1;
                    if !written.contains(file) && !allowed(&lines, first, ALL_CLEAR) {
                        let what = file.to_string();
                        out.push((b, Finding { line: first, what }));
                    }
                }
            }
            for (at, _) in line.match_indices('>') {
                let target = line[at + 1..].trim_start_matches('>');
                if let Some(w) = target.split_whitespace().next() {
                    written.insert(w.to_string());
                }
            }
        }
    }
    (out, checks)
}

/// The `pg_restore -l`/`--list` of `text` that check a dump (their output
/// counted by `grep -c` or thrown away, as the rest of the line shows,
/// through `\` continuations) with no `pg_restore -f /dev/null` since the
/// last `pg_dump` before them. A `pg_dump -Fc` archive cut anywhere in its
/// data still has its table of contents: `--list` exits 0 on it, reading
/// it to its end exits 1 (measured with PostgreSQL 15). The profile's
/// CronJob, nextcloud's checks and postgresql's verification counted the
/// tables of a cut dump. A listing read by eye (`| head`) checks nothing
/// and is left alone.
pub fn table_of_contents_only_checks(text: &str) -> Vec<Finding> {
    let mut out = Vec::new();
    for (at, m) in text
        .match_indices("pg_restore -l ")
        .chain(text.match_indices("pg_restore --list "))
    {
        // The rest of the logical line, through `\` continuations.
        let mut lines = text[at..].split('\n');
        let mut line = lines.next().unwrap_or_default().to_string();
        while line.ends_with('\\') {
            let Some(next) = lines.next() else { break };
            line = format!("{line}\n{next}");
        }
        if !(line.contains("grep -c") || line.contains("/dev/null")) {
            continue;
        }
        let before = &text[..at];
        let since = before.rfind("pg_dump").map_or(before, |d| &before[d..]);
        if !since.contains("pg_restore -f /dev/null") {
            out.push(Finding {
                line: before.matches('\n').count(),
                what: format!("{m}{}", &line[m.len()..]).trim().to_string(),
            });
        }
    }
    out.sort_by_key(|f| f.line);
    out
}

// ---- The checks: the detectors over each procedure of a spec.

/// A step list, operation or script: `(run path, shell)` of each part.
type Procedure<'s> = Vec<(String, &'s str)>;

/// Whether a step's `run` is shell the guides show in a bash block.
fn is_shell(lang: Option<&str>) -> bool {
    matches!(lang, None | Some("bash" | "sh"))
}

/// Each procedure of `s` on its own: each step list, operation,
/// troubleshooting command and job script.
fn procedures(s: &Spec) -> Vec<Procedure<'_>> {
    let mut lists: Vec<(String, Procedure)> = Vec::new();
    for (path, step) in crate::spec::validate::all_steps(s) {
        let Some(run) = step
            .run
            .as_deref()
            .filter(|_| is_shell(step.lang.as_deref()))
        else {
            continue;
        };
        let list = path.rsplit_once('[').map_or(path.as_str(), |(p, _)| p);
        let part = (format!("{path}.run"), run);
        match lists.last_mut() {
            Some((l, steps)) if l == list => steps.push(part),
            _ => lists.push((list.to_string(), vec![part])),
        }
    }
    let mut out: Vec<Procedure> = lists.into_iter().map(|(_, p)| p).collect();
    for (i, op) in s.operations.iter().enumerate() {
        out.push(vec![(format!("operations[{i}].run"), op.run.as_str())]);
    }
    for (i, t) in s.troubleshooting.iter().enumerate() {
        if let Some(run) = &t.run {
            out.push(vec![(format!("troubleshooting[{i}].run"), run.as_str())]);
        }
    }
    if let Some(j) = &s.jobs {
        out.extend(super::jobs::scripts(j).into_iter().map(|p| vec![p]));
    }
    out
}

/// Each guide's steps in the order it shows them, its troubleshooting
/// commands last: state one block leaves (a port-forward kept open, a
/// file written) holds for the blocks after it.
fn guides(s: &Spec) -> [Procedure<'_>; 2] {
    let steps = crate::spec::validate::all_steps(s);
    let shell = |list: &str| -> Procedure {
        steps
            .iter()
            .filter(|(path, st)| path.starts_with(list) && is_shell(st.lang.as_deref()))
            .filter_map(|(path, st)| st.run.as_deref().map(|r| (format!("{path}.run"), r)))
            .collect()
    };
    let trouble = |guide: Guide| -> Procedure {
        let listed = s.troubleshooting.iter().enumerate();
        listed
            .filter(|(_, t)| t.guide.is_none_or(|g| g == guide))
            .filter_map(|(i, t)| {
                t.run
                    .as_deref()
                    .map(|r| (format!("troubleshooting[{i}].run"), r))
            })
            .collect()
    };
    let in_order = |lists: &[&str], guide: Guide| -> Procedure {
        let mut v: Procedure = lists.iter().flat_map(|l| shell(l)).collect();
        v.extend(trouble(guide));
        v
    };
    [
        in_order(&["backup.", "restore["], Guide::Backup),
        in_order(
            &[
                "upgrade.pre_checks",
                "upgrade.strategies",
                "upgrade.rollback",
                "upgrade.validation",
            ],
            Guide::Upgrade,
        ),
    ]
}

/// Runs a detector of one text on every part of every procedure.
fn each_text(
    file: &SpecFile,
    detect: fn(&str) -> Vec<Finding>,
    help: &str,
    out: &mut Vec<Diagnostic>,
    say: impl Fn(&Finding) -> String,
) {
    for procedure in procedures(&file.spec) {
        for (path, text) in procedure {
            for f in detect(text) {
                out.push(file.error_in_text(&path, f.line, say(&f)).help(help));
            }
        }
    }
}

/// Reports each `(block, finding)` of `parts` at its spec line.
fn report(
    file: &SpecFile,
    parts: &[(String, &str)],
    found: Vec<(usize, Finding)>,
    help: &str,
    out: &mut Vec<Diagnostic>,
    say: impl Fn(&Finding) -> String,
) {
    for (b, f) in found {
        out.push(file.error_in_text(&parts[b].0, f.line, say(&f)).help(help));
    }
}

fn texts<'a>(parts: &'a [(String, &str)]) -> Vec<&'a str> {
    parts.iter().map(|(_, t)| *t).collect()
}

/// The first line of a finding's words, without its continuation.
fn first_line(what: &str) -> &str {
    let line = what.lines().next().unwrap_or_default();
    line.trim_end_matches([' ', '\\'])
}

pub fn secret_in_set(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let help = "write the secret to a file and pass it with `--set-file KEY=FILE`, or in a values file (`-f`)";
    each_text(file, secrets_in_set, help, out, |f| {
        format!(
            "`--set {}` passes a secret through `--set`, which splits the value at commas and reads backslashes as escapes: a password holding either installs a wrong one",
            f.what
        )
    });
}

pub fn pod_from_release(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let help = "find the pod by its labels (`get pod -l app.kubernetes.io/instance=...`) or exec into `sts/NAME`; if the name is right on purpose, end the line in `# pod-from-release: REASON`";
    each_text(file, pods_named_from_a_release, help, out, |_| {
        "this names a pod as a release name and an ordinal: the pod is named after the chart's fullname, which is the release name only when that contains the chart's name".into()
    });
}

pub fn dump_toc_only(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let help = "read the whole dump first, `pg_restore -f /dev/null DUMP || exit 1`, then count its tables";
    each_text(file, table_of_contents_only_checks, help, out, |f| {
        format!(
            "`{}` checks only the dump's table of contents, which a dump cut anywhere in its data still has",
            first_line(&f.what)
        )
    });
}

pub fn rollout_on_delete(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let help = "wait for each pod with `kubectl wait --for=condition=Ready pod/NAME` (or poll its status) instead";
    for procedure in procedures(&file.spec) {
        let found = rollout_status_on_delete(&texts(&procedure));
        report(file, &procedure, found, help, out, |_| {
            "`kubectl rollout status` fails at once on a StatefulSet whose update strategy is OnDelete, which this procedure set".into()
        });
    }
}

pub fn local_http_unforwarded(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let help = "open a forward in the step (`{{use port-forward}}`), keep one open from an earlier step (`NAME_PF=$PF`), or call from inside the pod; else `# local-http: REASON`";
    let s = &file.spec;
    // An operation that `runs_in: pod` calls the pod's own localhost.
    let ops: Vec<Procedure> = s
        .operations
        .iter()
        .enumerate()
        .filter(|(_, op)| op.runs_in != RunsIn::Pod)
        .map(|(i, op)| vec![(format!("operations[{i}].run"), op.run.as_str())])
        .collect();
    for parts in guides(s).iter().chain(&ops) {
        let (found, _) = unforwarded_local_calls(&texts(parts));
        report(file, parts, found, help, out, |f| {
            format!(
                "`{}` calls 127.0.0.1 on the operator's machine, where no port-forward of this step or of an earlier one still open listens",
                first_line(&f.what)
            )
        });
    }
}

pub fn all_clear_unwritten(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let help = "write the file in an earlier step (e.g. `helm get values ... > FILE`), or fail when it is missing (`test -s FILE`); else `# all-clear: REASON`";
    for parts in guides(&file.spec) {
        let (found, _) = unwritten_all_clear_greps(&texts(&parts));
        report(file, &parts, found, help, out, |f| {
            format!(
                "this all-clear greps `{}`, which no earlier step of the guide wrote: a missing file also finds nothing, and the check passes without looking",
                f.what
            )
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(found: &[Finding]) -> Vec<usize> {
        found.iter().map(|f| f.line).collect()
    }

    #[test]
    fn a_secret_in_set_is_found_on_its_line() {
        let found =
            secrets_in_set("helm install x c \\\n  --set \"mongodb.rootPassword=$PW\" --wait");
        assert_eq!(found[0].what, "mongodb.rootPassword=$PW");
        assert_eq!(lines(&found), [1]);
        let found =
            secrets_in_set("helm upgrade x c --set postgresql.password=\"$PW\" \\\n  --set a=1");
        assert_eq!(found[0].what, "postgresql.password=\"$PW");
        assert_eq!(lines(&found), [0]);
        assert!(
            secrets_in_set("--set grafana.existingSecret=\"$S\" --set-file a.password=\"$F\"")
                .is_empty()
        );
    }

    #[test]
    fn a_pod_named_after_a_release_may_say_why() {
        let text = "x\nkubectl exec \"$PG_SCRATCH_RELEASE-0\" \\\n  -c pg\n${PG_RELEASE}-1 y";
        assert_eq!(lines(&pods_named_from_a_release(text)), [1, 3]);
        assert!(
            pods_named_from_a_release("helm install \"$RELEASE-next\" \"$RELEASE-2b\"").is_empty()
        );
        let why = "# pod-from-release: installed with fullnameOverride\nkubectl exec \"$R_RELEASE-0\" -- ls";
        assert!(pods_named_from_a_release(why).is_empty());
        let no_why = "kubectl exec \"$R_RELEASE-0\" -- ls # pod-from-release:";
        assert_eq!(lines(&pods_named_from_a_release(no_why)), [0]);
    }

    #[test]
    fn rollout_status_after_on_delete_across_blocks_until_rolling_update() {
        let switch = "kubectl patch sts \"$FULLNAME\" -p '{\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\"}}}'";
        let wait = "kubectl rollout status sts \"$FULLNAME\"";
        let found = rollout_status_on_delete(&[switch, "kubectl delete pod -l x", wait]);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].0, found[0].1.line), (2, 0));
        assert!(rollout_status_on_delete(&[wait, switch]).is_empty());
        let back = "kubectl patch sts \"$FULLNAME\" -p '{\"spec\":{\"updateStrategy\":{\"type\":\"RollingUpdate\"}}}'";
        assert!(rollout_status_on_delete(&[switch, back, wait]).is_empty());
    }

    #[test]
    fn a_local_call_needs_a_forward() {
        let call = "curl -fsS http://127.0.0.1:3100/ready";
        let found = |blocks: &[&str]| unforwarded_local_calls(blocks).0.len();
        assert_eq!(
            unforwarded_local_calls(&["echo hi", call]),
            (
                vec![(
                    1,
                    Finding {
                        line: 0,
                        what: call.into()
                    }
                )],
                1
            )
        );
        let open = "kubectl port-forward svc/x 3100 & PF=$!\nX_PF=$PF";
        assert_eq!(found(&[open, call]), 0);
        assert_eq!(found(&[open, "kill \"$X_PF\"", call]), 1);
        let in_pod = "kubectl exec \"$POD\" -- wget -qO- http://127.0.0.1:80/";
        assert_eq!(unforwarded_local_calls(&[in_pod]), (vec![], 0));
        assert_eq!(
            found(&[&format!("{call} # local-http: the server above")]),
            0
        );
    }

    #[test]
    fn an_all_clear_grep_reads_a_file_written_before() {
        let check = "grep -n old tempo.yaml || echo \"none found\"";
        let (found, n) = unwritten_all_clear_greps(&[check]);
        assert_eq!((found.len(), n), (1, 1));
        assert_eq!(found[0].1.what, "tempo.yaml");
        let write = "helm get values x > tempo.yaml";
        assert!(unwritten_all_clear_greps(&[write, check]).0.is_empty());
        assert_eq!(unwritten_all_clear_greps(&[check, write]).0.len(), 1);
        let continued = "x \\\n  && grep -n old tempo.yaml || echo ok";
        assert_eq!(unwritten_all_clear_greps(&[continued]).0[0].1.line, 0);
    }

    #[test]
    fn a_dump_check_reads_the_whole_dump() {
        let job = "pg_dump -Fc > \"$f\"\nn=$(pg_restore -l \"$f\" | grep -c 'TABLE DATA') ||\n";
        let found = table_of_contents_only_checks(job);
        assert_eq!(
            found[0].what,
            "pg_restore -l \"$f\" | grep -c 'TABLE DATA') ||"
        );
        assert_eq!(lines(&found), [1]);
        let fixed = "pg_dump -Fc > \"$f\"\npg_restore -f /dev/null \"$f\" ||\n  exit 1\n\
                     n=$(pg_restore -l \"$f\" | grep -c 'TABLE DATA')\n";
        assert!(table_of_contents_only_checks(fixed).is_empty());
        let thrown_away = "pg_dump -Fc > d\npg_restore -l d > /dev/null\n";
        assert_eq!(lines(&table_of_contents_only_checks(thrown_away)), [1]);
        // A read of an older dump does not vouch for the newer one.
        let stale = format!("pg_restore -f /dev/null old\n{job}");
        assert_eq!(lines(&table_of_contents_only_checks(&stale)), [2]);
        // A listing read by eye checks nothing.
        let by_eye = "pg_restore --list \"$f\" | head -n 20\n";
        assert!(table_of_contents_only_checks(by_eye).is_empty());
        // postgresql's old verification, its count on the continued line.
        let continued =
            "sh -c 'pg_restore --list \"$0.dump\" \\\n  | grep -c \"TABLE DATA\"' \"$DB\"\n";
        assert_eq!(lines(&table_of_contents_only_checks(continued)), [0]);
    }
}
