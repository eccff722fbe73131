//! The real binary on temporary projects: build, check, new, schema, and
//! what they promise about the files on disk.

use crate::common;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

use common::fixture::Fixture;
use common::{edit, gen, project, stderr};

/// Every file under `root` with its bytes and modification time.
fn snapshot(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, SystemTime)> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .map(Result::unwrap)
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let meta = e.metadata().unwrap();
            (
                e.path().to_path_buf(),
                (std::fs::read(e.path()).unwrap(), meta.modified().unwrap()),
            )
        })
        .collect()
}

#[test]
fn build_then_check_is_clean_and_a_second_build_writes_nothing() {
    let dir = project();
    for f in [
        "docs/alpha/backup-guide.md",
        "docs/alpha/upgrade-guide.md",
        "charts/alpha/README.md",
        "charts/alpha/values.yaml",
        "charts/alpha/Chart.yaml",
        "charts/alpha/templates/_helpers.tpl",
        "charts/alpha/templates/rbac.yaml",
        "charts/alpha/templates/serviceaccount.yaml",
        "make/alpha.mk",
        "Makefile",
        "specs/schema.json",
    ] {
        assert!(dir.path().join(f).is_file(), "{f} missing");
    }
    let o = gen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let before = snapshot(dir.path());
    std::thread::sleep(std::time::Duration::from_millis(20));
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0));
    let err = stderr(&o);
    let summary = err.lines().last().unwrap_or_default();
    assert!(
        summary.starts_with("gen build: 0 written, ")
            && summary.contains(" unchanged, 0 removed in "),
        "{err}"
    );
    assert_eq!(
        err.lines().filter(|l| l.starts_with("gen build:")).count(),
        1
    );
    let quiet = gen(dir.path(), &["build", "--quiet"]);
    assert!(!stderr(&quiet).contains("gen build:"));
    assert_eq!(before, snapshot(dir.path()), "a no-op build touched files");
}

#[test]
fn check_names_the_stale_file_after_a_spec_edit() {
    let dir = project();
    let spec = dir.path().join("specs/alpha.yaml");
    std::fs::write(&spec, Fixture::new("alpha").rto("2h").yaml()).unwrap();
    let before = snapshot(dir.path());
    let o = gen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("stale: docs/alpha/backup-guide.md"), "{err}");
    assert!(err.contains("--- a/docs/alpha/backup-guide.md"), "{err}");
    assert!(
        err.contains("+| Recovery time objective (RTO) | 2 hours |"),
        "{err}"
    );
    assert!(!err.contains("stale: docs/beta/"), "{err}");
    assert!(err.contains("run `gen build`"), "{err}");
    assert_eq!(before, snapshot(dir.path()), "check must not write");
}

#[test]
fn check_fails_on_edited_missing_and_orphaned_generated_files() {
    let dir = project();
    // A hand edit inside a generated file (its mark kept).
    let mk = dir.path().join("make/alpha.mk");
    let text = std::fs::read_to_string(&mk).unwrap();
    std::fs::write(&mk, format!("{text}# hand edit\n")).unwrap();
    std::fs::remove_file(dir.path().join("charts/beta/templates/rbac.yaml")).unwrap();
    std::fs::remove_file(dir.path().join("specs/beta.yaml")).unwrap();
    let o = gen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("stale: make/alpha.mk"), "{err}");
    assert!(err.contains("orphaned: docs/beta/backup-guide.md"), "{err}");
    assert!(err.contains("stale: Makefile"), "{err}");
    // build repairs and removes the orphans, but never hand-written files.
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!dir.path().join("docs/beta/backup-guide.md").exists());
    assert!(
        dir.path().join("charts/beta/README.md").exists(),
        "hand-written README kept"
    );
    assert_eq!(gen(dir.path(), &["check"]).status.code(), Some(0));
}

#[test]
fn hand_edits_outside_markers_survive_rebuilds() {
    let dir = project();
    let readme = dir.path().join("charts/alpha/README.md");
    let text = std::fs::read_to_string(&readme).unwrap();
    let notes = (
        "## Installing",
        "## Installing\n\nMy own notes, kept forever.\n",
    );
    let edited = common::edited(
        &text,
        &[
            notes,
            (
                "## Backup & Recovery",
                "## Backup & Recovery\n\nthis line is inside gen's region",
            ),
        ],
    ) + "\nA footer of mine.\n";
    std::fs::write(&readme, &edited).unwrap();
    for _ in 0..2 {
        let o = gen(dir.path(), &["build"]);
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let after = std::fs::read_to_string(&readme).unwrap();
    assert!(after.contains("My own notes, kept forever."));
    assert!(after.ends_with("\nA footer of mine.\n"));
    assert!(!after.contains("this line is inside gen's region"));
    assert_eq!(
        after,
        common::edited(&text, &[notes]) + "\nA footer of mine.\n"
    );
}

#[test]
fn crlf_files_keep_their_line_endings_outside_markers() {
    let dir = project();
    let values = dir.path().join("charts/alpha/values.yaml");
    let text = std::fs::read_to_string(&values).unwrap();
    std::fs::write(&values, text.replace('\n', "\r\n")).unwrap();
    assert_eq!(gen(dir.path(), &["build"]).status.code(), Some(0));
    let after = std::fs::read_to_string(&values).unwrap();
    assert!(
        !after.replace("\r\n", "").contains('\n'),
        "every line ends in CRLF"
    );
    assert_eq!(after.replace("\r\n", "\n"), text);
}

#[test]
fn invalid_input_changes_nothing_on_disk() {
    let dir = project();
    // Two broken specs, as a user mistypes them: both errors are reported
    // in one run.
    edit(
        &dir.path().join("specs/alpha.yaml"),
        &[("rto: 1h", "rto: soon")],
    );
    edit(
        &dir.path().join("specs/beta.yaml"),
        &[("  kind: Deployment", "  kind: Deploymnt")],
    );
    let before = snapshot(dir.path());
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("--> specs/alpha.yaml:"), "{err}");
    assert!(err.contains("--> specs/beta.yaml:"), "{err}");
    assert!(err.contains("did you mean `Deployment`?"), "{err}");
    assert!(err.contains("2 errors found; nothing was written"), "{err}");
    assert_eq!(before, snapshot(dir.path()));
}

#[test]
fn a_broken_marker_is_an_error_and_the_file_is_untouched() {
    let dir = project();
    let readme = dir.path().join("charts/alpha/README.md");
    edit(&readme, &[("<!-- gen:end security -->", "")]);
    let spec = dir.path().join("specs/alpha.yaml");
    std::fs::write(&spec, Fixture::new("alpha").rto("45m").yaml()).unwrap();
    let before = snapshot(dir.path());
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(err.contains("charts/alpha/README.md:"), "{err}");
    assert!(
        err.contains("region \"operations\" begins inside region \"security\""),
        "{err}"
    );
    assert_eq!(
        before,
        snapshot(dir.path()),
        "nothing written, not even other charts"
    );
}

#[test]
fn check_fails_without_specs_and_usage_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let o = gen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no chart specs"));
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no specs/ folder"));
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    let o = gen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("no chart specs"));
    assert_eq!(gen(dir.path(), &["bogus"]).status.code(), Some(2));
    assert_eq!(gen(dir.path(), &["new", "Bad_Name"]).status.code(), Some(2));
    assert_eq!(gen(dir.path(), &["--version"]).status.code(), Some(0));
}

#[test]
fn new_refuses_to_overwrite_and_strict_fails_on_todos() {
    let dir = project();
    let o = gen(dir.path(), &["new", "alpha"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("already exists"));
    let o = gen(dir.path(), &["check", "--strict"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("TODOs (--strict)"), "{}", stderr(&o));
}

/// Issue 17: a newcomer's first build says one thing per spec, not one
/// warning per TODO and one line per file; -v shows it all.
#[test]
fn a_first_build_is_quiet_and_sums_up_each_specs_todos() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("specs")).unwrap();
    for chart in ["alpha", "beta"] {
        assert!(gen(dir.path(), &["new", chart]).status.success());
    }
    let todos = std::fs::read_to_string(dir.path().join("specs/alpha.yaml"))
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with('#') && l.split(" #").next().unwrap().contains("TODO"))
        .count();
    assert!(todos > 5, "{todos} TODOs in a new spec");
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        !err.contains("wrote "),
        "files are listed only with -v: {err}"
    );
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning")).collect();
    assert_eq!(
        warnings,
        [
            format!("warning[spec.todo]: the spec still has {todos} TODOs"),
            format!("warning[spec.todo]: the spec still has {todos} TODOs"),
        ],
        "{err}"
    );
    assert!(err.contains("--> specs/alpha.yaml:") && err.contains("--> specs/beta.yaml:"));
    let summary = err.lines().last().unwrap();
    assert!(
        summary.starts_with("gen build: ")
            && summary.ends_with(&format!("; {} warnings", 2 * todos)),
        "the summary counts every warning: {summary}"
    );
    assert!(
        err.lines().count() < 25,
        "{} lines: {err}",
        err.lines().count()
    );
    let o = gen(dir.path(), &["build", "-v"]);
    let err = stderr(&o);
    assert_eq!(
        err.matches("warning[spec.todo]: the spec still has a TODO")
            .count(),
        2 * todos,
        "-v shows each TODO"
    );
    let o = gen(dir.path(), &["check", "-v"]);
    assert!(stderr(&o).lines().last().unwrap().ends_with(" warnings"));
    std::fs::remove_file(dir.path().join("Makefile")).unwrap();
    let o = gen(dir.path(), &["build", "--verbose"]);
    assert!(stderr(&o).contains("  wrote Makefile"), "{}", stderr(&o));
}

/// Issue 17: gen run from a folder inside the repository finds its root.
#[test]
fn gen_finds_the_repository_root_from_a_subfolder() {
    let dir = project();
    let sub = dir.path().join("charts/alpha/templates");
    let o = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("check")
        .current_dir(&sub)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let last = stderr(&o).lines().last().unwrap_or_default().to_string();
    assert!(last.starts_with("gen check: "), "{}", stderr(&o));
    assert!(!sub.join("specs").exists() && !sub.join("site").exists());
    // An explicit --root still wins, and a folder with no repository above
    // it fails as before.
    let empty = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_gen"))
        .arg("check")
        .current_dir(empty.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("no chart specs in specs/"));
}

/// Issue 17: the spec format's documentation ships inside gen, and the
/// hints that point at it name the command, not a file the user lacks.
#[test]
fn the_spec_format_doc_ships_with_gen() {
    let empty = tempfile::tempdir().unwrap();
    let o = gen(empty.path(), &["docs", "spec-format"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        text,
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/spec-format.md"))
            .unwrap()
    );
    assert!(text.contains("chart_version"));
    let scaffold = chartgen::scaffold::new_spec("alpha");
    assert!(scaffold.contains("`gen docs spec-format`"));
    assert!(!scaffold.contains("docs/spec-format.md"));
    assert_eq!(
        std::fs::read_dir(empty.path()).unwrap().count(),
        0,
        "docs writes nothing"
    );
}

#[test]
fn new_like_starts_from_another_spec_and_builds() {
    let dir = project();
    let o = gen(dir.path(), &["new", "gamma", "--like", "nosuch"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("specs/nosuch.yaml"), "{}", stderr(&o));
    assert!(!dir.path().join("specs/gamma.yaml").exists());
    let o = gen(dir.path(), &["new", "gamma", "--like", "alpha"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("specs/gamma.yaml")).unwrap();
    assert!(text.contains("\nname: gamma\n"), "{text}");
    assert_eq!(gen(dir.path(), &["build"]).status.code(), Some(0));
    assert!(dir.path().join("docs/gamma/backup-guide.md").exists());
    let o = gen(dir.path(), &["check", "--strict"]);
    assert!(stderr(&o).contains("specs/gamma.yaml"), "{}", stderr(&o));
}

#[test]
fn schema_command_matches_what_build_writes() {
    let dir = project();
    let built = std::fs::read(dir.path().join("specs/schema.json")).unwrap();
    let o = gen(dir.path(), &["schema", "--stdout"]);
    assert_eq!(o.stdout, built);
    let schema: serde_json::Value = serde_json::from_slice(&built).unwrap();
    assert!(schema["properties"]["objectives"].is_object());
    assert_eq!(schema["additionalProperties"], serde_json::json!(false));
}

#[test]
fn a_template_override_replaces_the_built_in_one() {
    let dir = project();
    let t = dir.path().join("templates/chart");
    std::fs::create_dir_all(&t).unwrap();
    std::fs::write(
        t.join("upgrade-guide.md.tera"),
        "<!-- Code generated by gen. -->\n# Upgrading {{ s.title }}\n",
    )
    .unwrap();
    assert_eq!(gen(dir.path(), &["build"]).status.code(), Some(0));
    let text = std::fs::read_to_string(dir.path().join("docs/alpha/upgrade-guide.md")).unwrap();
    assert_eq!(
        text,
        "<!-- Code generated by gen. -->\n# Upgrading TODO product name\n"
    );
    std::fs::write(t.join("nonsense.tera"), "x").unwrap();
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("templates/chart/nonsense.tera"));
}

/// Template overrides that recurse (Tera would overflow its stack and
/// abort) or never finish: a located error, exit 1, nothing written, in
/// bounded time.
#[test]
fn recursive_and_runaway_templates_are_located_errors() {
    let dir = project();
    let t = dir.path().join("templates");
    let guide = include_str!("../../templates/chart/upgrade-guide.md.tera");
    let home = include_str!("../../templates/site/home.html.tera");
    // The inserted macro takes the line `{% block main %}` had; its
    // recursive call is at column 26 of that line.
    let block_line = 1 + home
        .lines()
        .position(|l| l.contains("{% block main %}"))
        .expect("home.html.tera has a main block");
    let home_call = format!("--> templates/site/home.html.tera:{block_line}:26");
    let cases: &[(&str, String, &[&str])] = &[
        (
            "chart/upgrade-guide.md.tera",
            format!("{guide}\n{{% include \"chart/upgrade-guide.md.tera\" %}}\n"),
            &[
                "error: chart/upgrade-guide.md.tera includes itself",
                "--> templates/chart/upgrade-guide.md.tera:",
                "remove this include",
            ],
        ),
        (
            "site/home.html.tera",
            common::edited(
                home,
                &[(
                    "{% block main %}",
                    "{% macro m(n) %}{{ self::m(n=n) }}{% endmacro m %}\n{% block main %}{{ self::m(n=1) }}",
                )],
            ),
            &[
                "recursion: macro `m` of site/home.html.tera calls macro `m` of site/home.html.tera",
                home_call.as_str(),
            ],
        ),
        (
            "chart/readme-backup.md.tera",
            format!(
                "{{% for i in range(end=100000) %}}{{% for j in range(end=100000) %}}{}{{% endfor %}}{{% endfor %}}",
                "x".repeat(4096)
            ),
            &["the output passed 64 MiB", "--> templates/chart/readme-backup.md.tera"],
        ),
        (
            "chart/readme-backup.md.tera",
            "{% for i in range(end=100000) %}{% for j in range(end=100000) %}{% endfor %}{% endfor %}".into(),
            &["rendering stopped after 10 s", "--> templates/chart/readme-backup.md.tera"],
        ),
    ];
    for (name, source, wants) in cases {
        let path = t.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, source).unwrap();
        let before = snapshot(dir.path());
        let (code, err) = common::run_bounded(
            Command::new(env!("CARGO_BIN_EXE_gen"))
                .arg("--root")
                .arg(dir.path())
                .arg("build")
                .env("NO_COLOR", "1"),
            Duration::from_secs(120),
        );
        assert_eq!(code, Some(1), "{name}: {err}");
        for want in *wants {
            assert!(err.contains(want), "{name}: no {want:?} in:\n{err}");
        }
        assert!(err.contains("nothing was written"), "{err}");
        assert_eq!(before, snapshot(dir.path()), "{name}");
        std::fs::remove_file(&path).unwrap();
    }
}

#[test]
fn github_format_prints_annotations() {
    let dir = project();
    let mk = dir.path().join("make/alpha.mk");
    let text = std::fs::read_to_string(&mk).unwrap();
    std::fs::write(&mk, format!("{text}x\n")).unwrap();
    let o = gen(dir.path(), &["check", "--format", "github"]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    // The annotation sits on the first line that differs: the added one.
    let line = text.lines().count() + 1;
    assert!(
        out.contains(&format!(
            "::error file=make/alpha.mk,line={line}::stale generated file"
        )),
        "{out}"
    );
}

#[test]
fn a_file_gen_did_not_write_is_never_replaced() {
    let dir = project();
    let mk = dir.path().join("make/alpha.mk");
    std::fs::write(&mk, "# my own targets\n").unwrap();
    let sa = dir.path().join("charts/beta/templates/serviceaccount.yaml");
    std::fs::write(&sa, "kind: ServiceAccount\n").unwrap();
    let before = snapshot(dir.path());
    for cmd in ["build", "check"] {
        // The chart is not a real one (one template line): no chart facts.
        let o = gen(dir.path(), &["--no-facts", cmd]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let err = stderr(&o);
        // The make file is foreign; the chart's own ServiceAccount template
        // makes gen render none of its own (a warning), so it is not.
        assert!(
            err.contains(
                "error: gen would replace this file whole, but gen did not write it (it has no `Code generated by gen` mark)\n  --> make/alpha.mk"
            ),
            "{err}"
        );
        assert!(err.contains("`gen adopt` takes it over"), "{err}");
        assert!(!err.contains("--> charts/beta/templates/serviceaccount.yaml\n  = help: `gen adopt` takes it over and"), "{err}");
        assert_eq!(before, snapshot(dir.path()), "{cmd} must not write");
    }
    std::fs::remove_file(&mk).unwrap();
    let o = gen(dir.path(), &["--no-facts", "build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: chart beta has its own ServiceAccount or RBAC templates (charts/beta/templates/serviceaccount.yaml), so gen renders no templates/serviceaccount.yaml of its own"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(&sa).unwrap(),
        "kind: ServiceAccount\n"
    );
}

#[test]
fn a_crlf_checkout_passes_check_and_explains_gitattributes() {
    let dir = project();
    let guide = dir.path().join("docs/alpha/backup-guide.md");
    let text = std::fs::read_to_string(&guide).unwrap();
    std::fs::write(&guide, text.replace('\n', "\r\n")).unwrap();
    let o = gen(dir.path(), &["check"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("docs/alpha/backup-guide.md is current but has CRLF"),
        "{err}"
    );
    assert!(err.contains(".gitattributes"), "{err}");
    assert!(!err.contains("stale:"), "{err}");
    // A real change next to it still fails.
    std::fs::write(dir.path().join("make/alpha.mk"), "x\n").unwrap();
    assert_eq!(gen(dir.path(), &["check"]).status.code(), Some(1));
}

#[test]
fn a_docs_only_folder_builds_but_check_still_wants_specs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("docs")).unwrap();
    std::fs::write(dir.path().join("docs/intro.md"), "# Intro\n\nHello.\n").unwrap();
    let o = gen(dir.path(), &["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        !dir.path().join("Makefile").exists(),
        "no chart outputs without specs"
    );
    assert!(!dir.path().join("specs").exists());
    assert_eq!(gen(dir.path(), &["check"]).status.code(), Some(1));
}

/// Issue 18: `gen checks` prints the table of checks, outside any
/// project; with an id, that check; an unknown id is an error with a
/// did-you-mean.
#[test]
fn gen_checks_lists_and_explains_the_table() {
    let empty = tempfile::tempdir().unwrap();
    let o = gen(empty.path(), &["checks"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let list = String::from_utf8(o.stdout).unwrap();
    assert_eq!(
        list.lines().count(),
        chartgen::checks::CHECKS.len(),
        "{list}"
    );
    for c in chartgen::checks::CHECKS {
        assert!(
            list.lines()
                .any(|l| l.starts_with(&format!("{} ", c.id)) && l.ends_with(c.help)),
            "{} in:\n{list}",
            c.id
        );
    }
    let o = gen(empty.path(), &["checks", "restore.no-full"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let one = String::from_utf8(o.stdout).unwrap();
    assert!(
        one.starts_with("restore.no-full ") && one.contains(" error ") && one.lines().count() == 1,
        "{one}"
    );
    let o = gen(empty.path(), &["checks", "restore.nofull"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("did you mean `restore.no-full`?"),
        "{}",
        stderr(&o)
    );
}
