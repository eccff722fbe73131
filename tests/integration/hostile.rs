//! A corpus of malformed and malicious specs. Each one either fails with a
//! located error, a non-zero exit and zero bytes changed on disk, or (for
//! legitimate text) builds cleanly and renders the text literally. Every run
//! is bounded in time and memory, and never panics.

use crate::common;
use common::file_tree;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chartgen::scaffold::new_spec;

enum Expect {
    /// Exit 1, this text in stderr, a `specs/<file>:` location, no change on disk.
    Error(&'static str),
    /// Exit 0; each (file, text) appears in that generated file.
    Literal(Vec<(&'static str, &'static str)>),
}

struct Case {
    name: &'static str,
    bytes: Vec<u8>,
    expect: Expect,
}

fn base() -> String {
    new_spec("demo")
}

#[track_caller]
fn with(from: &str, to: &str) -> Vec<u8> {
    common::edited(&base(), &[(from, to)]).into_bytes()
}

fn cases() -> Vec<Case> {
    use Expect::*;
    let ops_extra = |op: &str| with("operations: #", &format!("operations:\n{op}\n #"));
    let mut bomb = String::from(
        "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for (i, n) in ["b", "c", "d", "e", "f", "g", "h", "i"].iter().enumerate() {
        let prev = ["a", "b", "c", "d", "e", "f", "g", "h"][i];
        bomb.push_str(&format!(
            "{n}: &{n} [{}]\n",
            vec![format!("*{prev}"); 9].join(",")
        ));
    }
    vec![
        Case { name: "unclosed flow sequence", bytes: with("title: TODO product name", "title: [oops"), expect: Error("error:") },
        Case { name: "tab indentation", bytes: with("  kind: Deployment", "\tkind: Deployment"), expect: Error("tab") },
        Case { name: "NUL byte", bytes: with("title: TODO product name", "title: TO\0DO product name"), expect: Error("NUL byte") },
        Case { name: "invalid UTF-8", bytes: { let mut b = base().into_bytes(); b.splice(30..30, [0xC3, 0x28]); b }, expect: Error("not valid UTF-8") },
        Case { name: "huge file", bytes: { let mut b = base().into_bytes(); b.extend(std::iter::repeat_n(b'#', 2 << 20)); b }, expect: Error("1 MiB limit") },
        Case { name: "deep nesting", bytes: format!("name: demo\nx: {}", "[".repeat(50_000)).into_bytes(), expect: Error("specs/demo.yaml") },
        Case { name: "alias bomb", bytes: bomb.into_bytes(), expect: Error("specs/demo.yaml") },
        Case { name: "unknown top-level key", bytes: with("category:", "categry: application\ncategory:"), expect: Error("unknown field `categry`") },
        Case { name: "unknown nested key", bytes: with("      tool: TODO", "      tool: TODO\n      toool: x"), expect: Error("did you mean `tool`?") },
        Case { name: "string where a list goes", bytes: with("  not_covered:\n    - TODO what these backups do not cover", "  not_covered: nothing"), expect: Error("invalid type: string") },
        Case { name: "list where a string goes", bytes: with("title: TODO product name", "title: [a, b]"), expect: Error("invalid type: sequence") },
        Case { name: "integer where a string goes", bytes: with("title: TODO product name", "title: 123"), expect: Literal(vec![("docs/demo/backup-guide.md", "# 123 backup")]) },
        Case { name: "null where a list goes", bytes: with("  not_covered:\n    - TODO what these backups do not cover", "  not_covered: ~"), expect: Error("invalid type") },
        Case { name: "duplicate key", bytes: with("title: TODO product name", "title: A\ntitle: B"), expect: Error("duplicate key `title`") },
        Case { name: "second YAML document", bytes: { let mut b = base(); b.push_str("---\nname: other\n"); b.into_bytes() }, expect: Error("more than one YAML document") },
        Case { name: "merge keys", bytes: with("objectives:\n", "objectives:\n  <<: {rto: 1h}\n"), expect: Error("specs/demo.yaml") },
        Case { name: "name is a path", bytes: with("name: demo", "name: ../../etc"), expect: Error("not a DNS-1123 label") },
        Case { name: "name has a slash", bytes: with("name: demo", "name: a/b"), expect: Error("not a DNS-1123 label") },
        Case { name: "name has capitals", bytes: with("name: demo", "name: Demo"), expect: Error("not a DNS-1123 label") },
        Case { name: "empty name", bytes: with("name: demo", "name: \"\""), expect: Error("not a DNS-1123 label") },
        Case { name: "name differs from file", bytes: with("name: demo", "name: other"), expect: Error("declares name \"other\"") },
        Case { name: "negative duration", bytes: with("  rto: 1h", "  rto: -5m"), expect: Error("bad duration") },
        Case { name: "overflowing duration", bytes: with("  rto: 1h", "  rto: 99999999999999999999d"), expect: Error("bad duration") },
        Case { name: "garbage cron", bytes: with("schedule: \"0 2 * * *\"", "schedule: \"every day\""), expect: Error("bad cron schedule") },
        Case { name: "infeasible RPO", bytes: with("  rpo: 24h", "  rpo: 5m"), expect: Error("cannot be met") },
        Case { name: "restore names unknown component", bytes: with("restores: [data]", "restores: [data, ghost]"), expect: Error("unknown component \"ghost\"") },
        Case { name: "unknown dependency", bytes: with("depends_on: []", "depends_on: [{ chart: postgres, why: db }]"), expect: Error("unknown chart \"postgres\"") },
        Case { name: "self dependency", bytes: with("depends_on: []", "depends_on: [{ chart: demo, why: me }]"), expect: Error("cannot depend on itself") },
        Case { name: "wildcard verbs", bytes: with("  rules: [] #", "  rules: [{ resources: [pods], verbs: [\"*\"], why: all }] #"), expect: Error("wildcard in verbs") },
        Case { name: "secret writes", bytes: with("  rules: [] #", "  rules: [{ resources: [secrets], verbs: [patch], why: w }] #"), expect: Error("write access (`patch`) to secrets") },
        Case { name: "values key outside backup/upgrade", bytes: { let mut b = base(); b.push_str("values:\n  - { key: image.tag, default: x, description: d }\n"); b.into_bytes() }, expect: Error("not a documented backup/upgrade key") },
        Case { name: "values key injection", bytes: { let mut b = base(); b.push_str("values:\n  - { key: \"backup.a: b\", default: x, description: d }\n"); b.into_bytes() }, expect: Error("not a documented backup/upgrade key") },
        Case { name: "unknown code language", bytes: with("          why: TODO why it matters", "          why: TODO why it matters\n          lang: brainfuck"), expect: Error("unknown language \"brainfuck\"") },
        Case { name: "target with spaces", bytes: ops_extra("  - { target: \"a b\", group: data, help: h, run: \"true\" }"), expect: Error("target name \"a b\" is not valid") },
        Case { name: "target that is a path", bytes: ops_extra("  - { target: ../x, group: data, help: h, run: \"true\" }"), expect: Error("is not valid") },
        Case { name: "target longer than a label", bytes: ops_extra(&format!("  - {{ target: {}, group: data, help: h, run: \"true\" }}", "a".repeat(80))), expect: Error("is not valid") },
        Case { name: "help with a newline", bytes: ops_extra("  - { target: x, group: data, help: \"a\\nb\", run: \"true\" }"), expect: Error("help must be one non-empty line") },
        Case { name: "lower-case variable", bytes: { let mut b = base(); b.push_str("variables:\n  - { name: pguser, default: x, help: h }\n"); b.into_bytes() }, expect: Error("not an upper-case shell name") },
        Case { name: "reserved variable", bytes: { let mut b = base(); b.push_str("variables:\n  - { name: NAMESPACE, default: x, help: h }\n"); b.into_bytes() }, expect: Error("provided by gen") },
        Case { name: "the guide block's release marker as a variable", bytes: { let mut b = base(); b.push_str("variables:\n  - { name: GEN_FOR_RELEASE, default: x, help: h }\n"); b.into_bytes() }, expect: Error("variable GEN_FOR_RELEASE is provided by gen") },
        Case { name: "control character", bytes: with("title: TODO product name", "title: \"a\\u001b[31mred\""), expect: Literal(vec![("docs/demo/backup-guide.md", "a\u{1b}[31mred")]) },
        // Legitimate text that looks dangerous: rendered literally.
        Case { name: "BOM", bytes: { let mut b = vec![0xEF, 0xBB, 0xBF]; b.extend(base().into_bytes()); b }, expect: Literal(vec![("docs/demo/backup-guide.md", "# TODO product name backup")]) },
        Case { name: "CRLF line endings", bytes: base().replace('\n', "\r\n").into_bytes(), expect: Literal(vec![("make/demo.mk", "demo-backup:")]) },
        Case { name: "Tera syntax in text", bytes: with("title: TODO product name", "title: \"{{ 7*7 }} {% raw %}x{% endraw %}\""), expect: Literal(vec![("docs/demo/backup-guide.md", "{{ 7*7 }} {% raw %}x{% endraw %}")]) },
        Case { name: "Helm template syntax in an RBAC reason", bytes: with("  summary: TODO whether and why the workload calls the Kubernetes API.", "  summary: \"{{ .Release.Name }} whether\""), expect: Literal(vec![("charts/demo/templates/rbac.yaml", "# {{ \"{{\" }} .Release.Name }} whether")]) },
        Case { name: "HTML and script in text", bytes: with("\nsummary: TODO", "\nsummary: <script>alert('x')</script> \"quotes\" & TODO"), expect: Literal(vec![("docs/demo/backup-guide.md", "&lt;script>alert('x')&lt;/script> \"quotes\" &")]) },
        Case { name: "make-breaking help text", bytes: ops_extra("  - { target: x, group: data, help: \"$(shell touch pwned) 'q' \\\"dq\\\" # not a comment\", run: \"echo \\\"it's $HOME\\\"\" }"), expect: Literal(vec![("make/demo.mk", "'[data] $$(shell touch pwned) '\\''q'\\'' \"dq\" # not a comment'"), ("make/demo.mk", "echo \"it's $$HOME\"")]) },
        Case { name: "shell-breaking variable default", bytes: { let mut b = base(); b.push_str("variables:\n  - { name: DB, default: \"'; touch pwned; '$(id)\", help: h }\n"); b.into_bytes() }, expect: Literal(vec![("make/demo.mk", "DB=''\\''; touch pwned; '\\''$$(id)'")]) },
        Case { name: "very long prose line", bytes: with("\nsummary: TODO", &format!("\nsummary: {} TODO", "word ".repeat(20_000))), expect: Literal(vec![("docs/demo/backup-guide.md", "word word")]) },
    ]
}

/// A project holding `specs/demo.yaml` (the case) and a valid `specs/ok.yaml`
/// that was built before the case was written.
fn project(case: &Case) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    std::fs::write(dir.path().join("specs/ok.yaml"), new_spec("ok")).unwrap();
    std::fs::write(dir.path().join("specs/demo.yaml"), new_spec("demo")).unwrap();
    let o = run(dir.path(), &["build"]);
    assert_eq!(o.0, Some(0), "baseline build: {}", o.1);
    std::fs::write(dir.path().join("specs/demo.yaml"), &case.bytes).unwrap();
    dir
}

/// Runs gen with a 10 s deadline and a 1 GiB address-space limit.
fn run(root: &Path, args: &[&str]) -> (Option<i32>, String) {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 1048576; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_gen"))
        .arg("--root")
        .arg(root)
        .args(args)
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let mut err = child.stderr.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = err.read_to_string(&mut s);
        s
    });
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status.code(), reader.join().unwrap());
        }
        if start.elapsed() > Duration::from_secs(10) {
            child.kill().unwrap();
            panic!("gen {args:?} ran longer than 10 s");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn hostile_specs_fail_cleanly_or_render_literally() {
    let cases = cases();
    assert!(cases.len() >= 40, "the corpus has {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let dir = project(case);
        let before = file_tree(dir.path());
        let (code, stderr) = run(dir.path(), &["build"]);
        let problem = if stderr.contains("panicked") {
            Some(format!("panicked: {stderr}"))
        } else {
            match &case.expect {
                Expect::Error(want) => {
                    if code != Some(1) {
                        Some(format!("exit {code:?}, want 1: {stderr}"))
                    } else if !stderr.contains(want) {
                        Some(format!("stderr lacks {want:?}: {stderr}"))
                    } else if !stderr.contains("--> specs/") {
                        Some(format!("no location: {stderr}"))
                    } else if file_tree(dir.path()) != before {
                        Some("files changed on disk".into())
                    } else {
                        None
                    }
                }
                Expect::Literal(wants) => {
                    if code != Some(0) {
                        Some(format!("exit {code:?}, want 0: {stderr}"))
                    } else {
                        wants.iter().find_map(|(file, text)| {
                            let body =
                                std::fs::read_to_string(dir.path().join(file)).unwrap_or_default();
                            (!body.contains(text)).then(|| format!("{file} lacks {text:?}"))
                        })
                    }
                }
            }
        };
        if let Some(p) = problem {
            failures.push(format!(
                "{}: {}",
                case.name,
                p.chars().take(600).collect::<String>()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn make_breaking_text_stays_literal_under_real_make() {
    let case = cases()
        .into_iter()
        .find(|c| c.name == "make-breaking help text")
        .unwrap();
    let dir = project(&case);
    assert_eq!(run(dir.path(), &["build"]).0, Some(0));
    let o = Command::new("make")
        .current_dir(dir.path())
        .args(["--no-print-directory", "help-demo", "demo-x"])
        .env("HOME", "/home/x")
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("[data] $(shell touch pwned) 'q' \"dq\" # not a comment"),
        "{out}"
    );
    assert!(out.contains("it's /home/x"), "{out}");
    assert!(!dir.path().join("pwned").exists());
    let case = cases()
        .into_iter()
        .find(|c| c.name == "shell-breaking variable default")
        .unwrap();
    let dir = project(&case);
    assert_eq!(run(dir.path(), &["build"]).0, Some(0));
    let o = Command::new("make")
        .current_dir(dir.path())
        .args(["--no-print-directory", "demo-backup"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!dir.path().join("pwned").exists());
}
