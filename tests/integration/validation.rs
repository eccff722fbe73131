//! One test per kind of spec error: each asserts the message, the location
//! (file:line:column) and the help.

use chartgen::diagnostics::Diagnostic;
use chartgen::scaffold::new_spec;
use chartgen::spec::{self, validate};

use crate::common::edited;
use crate::common::fixture::Fixture;
use crate::common::{gen, project_with, text};

/// A valid spec (the `gen new` scaffold), with `from` replaced by `to`.
fn spec_with(from: &str, to: &str) -> String {
    edited(&new_spec("demo"), &[(from, to)])
}

fn line_of(src: &str, needle: &str) -> usize {
    src.lines()
        .position(|l| l.contains(needle))
        .expect("needle in source")
        + 1
}

/// Every error for `src` loaded as `specs/<file>.yaml`.
fn errors(file: &str, src: &str) -> Vec<Diagnostic> {
    match spec::parse(&format!("specs/{file}.yaml"), src.as_bytes()) {
        Err(d) => vec![d],
        Ok(f) => chartgen::checks::spec(&f)
            .into_iter()
            .filter(Diagnostic::is_error)
            .collect(),
    }
}

fn only_error(file: &str, src: &str) -> Diagnostic {
    let errs = errors(file, src);
    assert_eq!(errs.len(), 1, "expected one error, got {errs:#?}");
    errs.into_iter().next().unwrap()
}

#[test]
fn scaffold_is_valid_but_warns_about_todos() {
    let f = spec::parse("specs/demo.yaml", new_spec("demo").as_bytes()).unwrap();
    let diags = chartgen::checks::spec(&f);
    assert!(diags.iter().all(|d| !d.is_error()), "{diags:#?}");
    assert!(diags.iter().any(|d| d.message.contains("TODO")));
}

#[test]
fn invalid_yaml() {
    let src = spec_with("title: TODO product name", "title: [unclosed");
    let d = only_error("demo", &src);
    assert_eq!(d.file, "specs/demo.yaml");
    assert!(d.line >= line_of(&src, "title: [unclosed"), "{d}");
    assert!(d.column > 0);
}

#[test]
fn unknown_field_with_did_you_mean() {
    let src = spec_with("      retention:", "      retension:");
    let d = only_error("demo", &src);
    assert!(d.message.contains("unknown field `retension`"), "{d}");
    assert_eq!(d.line, line_of(&src, "retension:"));
    assert_eq!(d.column, 7);
    assert_eq!(d.help.as_deref(), Some("did you mean `retention`?"));
}

#[test]
fn wrong_type() {
    let src = spec_with("  rules: [] #", "  rules: yes #");
    let d = only_error("demo", &src);
    assert!(d.message.contains("invalid type"), "{d}");
    assert_eq!(d.line, line_of(&src, "rules: yes"));
}

#[test]
fn missing_field() {
    let src = spec_with(
        "  rationale: TODO why these objectives fit the product.\n",
        "",
    );
    let d = only_error("demo", &src);
    assert!(d.message.contains("missing field `rationale`"), "{d}");
    assert_eq!(d.line, line_of(&src, "objectives:") + 1);
    assert!(d.help.unwrap().contains("add `rationale:`"));
}

#[test]
fn bad_duration() {
    let src = spec_with("  rto: 1h", "  rto: 1hour");
    let d = only_error("demo", &src);
    assert!(d.message.contains("bad duration \"1hour\""), "{d}");
    assert_eq!(d.line, line_of(&src, "rto: 1hour"));
    assert!(d.message.contains("e.g. 30s, 15m"));
}

#[test]
fn name_not_dns_label() {
    for bad in ["My_Chart", "../etc", "a/b"] {
        let src = edited(
            &new_spec("demo"),
            &[("name: demo", &format!("name: {bad:?}"))],
        );
        let errs = errors("demo", &src);
        let d = errs
            .iter()
            .find(|d| d.message.contains("DNS-1123"))
            .unwrap_or_else(|| panic!("{errs:#?}"));
        assert_eq!((d.line, d.column), (line_of(&src, "name: "), 1));
    }
}

#[test]
fn file_name_differs_from_name() {
    let d = only_error("other", &new_spec("demo"));
    assert!(
        d.message
            .contains("spec file is named \"other\" but declares name \"demo\""),
        "{d}"
    );
    assert_eq!(d.line, line_of(&new_spec("demo"), "name: demo"));
    assert!(d.help.unwrap().contains("specs/demo.yaml"));
}

#[test]
fn duplicate_makefile_targets() {
    let ops = "  - { target: dump, group: backup, help: a, run: 'true' }\n  - { target: dump, group: backup, help: b, run: 'true' }\n  - { target: logs, group: backup, help: c, run: 'true' }\n  - target: backup\n";
    let src = spec_with("  - target: backup\n", ops);
    let errs = errors("demo", &src);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(errs[0]
        .message
        .contains("duplicate Makefile target \"dump\""));
    assert_eq!(errs[0].line, line_of(&src, "help: b"));
    assert!(errs[1]
        .message
        .contains("\"logs\": gen adds it to every chart"));
    assert_eq!(errs[1].line, line_of(&src, "target: logs"));
}

#[test]
fn backup_and_restore_targets_are_required() {
    let src = spec_with(
        "  - target: restore\n",
        "  - target: restore-all-data\n    group: restore\n",
    );
    let d = only_error("demo", &src);
    assert!(d.message.contains("no `restore` operation"), "{d}");
    assert_eq!(d.line, line_of(&src, "operations:"));
    assert!(d.help.unwrap().contains("make backup-all"));
}

#[test]
fn rpo_the_backups_cannot_meet() {
    let src = spec_with("  rpo: 24h", "  rpo: 1h");
    let d = only_error("demo", &src);
    assert!(d.message.contains("RPO of 1h cannot be met"), "{d}");
    assert!(d.message.contains("gaps of up to 1d"));
    assert_eq!(d.line, line_of(&src, "rpo: 1h"));
}

#[test]
fn rpo_zero_with_data_component() {
    let src = spec_with("  rpo: 24h", "  rpo: \"0\"");
    let d = only_error("demo", &src);
    assert!(
        d.message
            .contains("RPO is 0 but component \"data\" covers data"),
        "{d}"
    );
    assert_eq!(d.line, line_of(&src, "covers: data"));
}

#[test]
fn component_without_restore_path() {
    let src = spec_with("    restores: [data]", "    restores: []");
    let d = only_error("demo", &src);
    assert!(
        d.message
            .contains("backup component \"data\" has no restore path"),
        "{d}"
    );
    assert_eq!(d.line, line_of(&src, "- id: data"));
}

#[test]
fn restore_names_unknown_component() {
    let src = spec_with("    restores: [data]", "    restores: [dat]");
    let errs = errors("demo", &src);
    let d = errs
        .iter()
        .find(|d| d.message.contains("unknown component \"dat\""))
        .expect("error");
    assert_eq!(d.help.as_deref(), Some("did you mean `data`?"));
}

#[test]
fn restore_longer_than_rto() {
    let src = spec_with("    duration: 30m", "    duration: 2h");
    let d = only_error("demo", &src);
    assert!(d.message.contains("takes 2h but the RTO is 1h"), "{d}");
    assert_eq!(d.line, line_of(&src, "duration: 2h"));
}

#[test]
fn continuous_component_needs_interval() {
    let src = spec_with("      method: scheduled #", "      method: continuous #");
    let d = only_error("demo", &src);
    assert!(d.message.contains("has no `interval`"), "{d}");
}

#[test]
fn bad_cron() {
    let src = spec_with(
        "      schedule: \"0 2 * * *\"",
        "      schedule: \"0 25 * * *\"",
    );
    let d = only_error("demo", &src);
    assert!(d.message.contains("bad cron schedule"), "{d}");
    assert_eq!(d.line, line_of(&src, "schedule: \"0 25"));
}

#[test]
fn rbac_wildcards_and_secret_writes() {
    let src = spec_with(
        "  rules: [] #",
        "  rules:\n    - { resources: [\"*\"], verbs: [get], why: x }\n    - { resources: [secrets], verbs: [get, update], why: y }\n  #",
    );
    let errs = errors("demo", &src);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(errs[0].message.contains("wildcard in resources"));
    assert!(errs[1]
        .message
        .contains("write access (`update`) to secrets"));
}

#[test]
fn list_on_secrets_is_a_warning() {
    let src = spec_with(
        "  rules: [] #",
        "  rules:\n    - { resources: [secrets], verbs: [list], why: z }\n  #",
    );
    let f = spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
    let diags = chartgen::checks::spec(&f);
    assert!(diags.iter().all(|d| !d.is_error()));
    assert!(diags
        .iter()
        .any(|d| d.message.contains("`list`/`watch` on secrets")));
}

#[test]
fn unknown_dependency_and_cycles() {
    let a = spec::parse(
        "specs/a.yaml",
        Fixture::new("a").depends_on(&["b"]).yaml().as_bytes(),
    )
    .unwrap();
    let b = spec::parse(
        "specs/b.yaml",
        Fixture::new("b").depends_on(&["a"]).yaml().as_bytes(),
    )
    .unwrap();
    let c = spec::parse(
        "specs/c.yaml",
        Fixture::new("c").depends_on(&["bb"]).yaml().as_bytes(),
    )
    .unwrap();
    let errs = chartgen::checks::graph(&[a, b, c]);
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(errs[0].message.contains("unknown chart \"bb\""));
    assert_eq!(errs[0].help.as_deref(), Some("did you mean `b`?"));
    assert!(
        errs[1].message.contains("dependency cycle: a -> b -> a"),
        "{}",
        errs[1]
    );
}

#[test]
fn hostile_bytes_are_errors_not_panics() {
    for (bytes, want) in [
        (b"name: x\n\xff\xfe\n".to_vec(), "UTF-8"),
        (b"name: x\0\n".to_vec(), "NUL"),
        (b"a: &a [*a, *a]\n".to_vec(), ""),
        (b"---\nname: a\n---\nname: b\n".to_vec(), "more than one YAML document"),
        (vec![b'a'; 2 << 20], "1 MiB"),
        ("[".repeat(100_000).into_bytes(), ""),
        (
            b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\ne: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\ng: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n".to_vec(),
            "",
        ),
    ] {
        let d = spec::parse("specs/x.yaml", &bytes).unwrap_err();
        assert!(d.message.contains(want), "{want}: {d}");
    }
}

/// The scaffold with `rollback` as its rollback steps (YAML at four spaces),
/// the upgrade marked as migrating the data, and a restore operation that
/// stops the workload and starts `$REPLICAS` again.
fn migrating_spec(rollback: &str) -> String {
    let src = spec_with(
        "  rollback:\n    - title: TODO how to roll back\n",
        &format!("  migrates_data: true\n  rollback:\n{rollback}"),
    );
    edited(&src, &[("      echo \"TODO restore from $FILE\"\n", "      kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=0\n      \
         kubectl -n \"$NAMESPACE\" run r -i --rm --image=postgres -- pg_restore -d x < \"$FILE\"\n      \
         kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=\"$REPLICAS\"\n\
         variables:\n  - name: REPLICAS\n    default: \"1\"\n    help: replicas after a restore\n")])
}

const STOP: &str = "    - title: Stop\n      run: kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=0\n";
const ROLL_BACK: &str =
    "    - title: Roll back\n      run: helm -n \"$NAMESPACE\" rollback \"$RELEASE\"\n";

#[test]
fn rollback_before_restore_is_rejected() {
    let restore = "    - title: Restore\n      run: make demo-restore FILE=x REPLICAS=0\n";
    let src = migrating_spec(&format!("{STOP}{ROLL_BACK}{restore}"));
    let d = only_error("demo", &src);
    assert!(
        d.message.contains(
            "`helm rollback` starts the old version on the data the new version migrated"
        ),
        "{d}"
    );
    assert_eq!(
        (d.line, d.column),
        (line_of(&src, "run: helm -n \"$NAMESPACE\" rollback"), 12)
    );
    assert!(d
        .help
        .unwrap()
        .contains("restore the pre-upgrade backup, then roll back"));
    // The right order passes.
    let ok = migrating_spec(&format!("{STOP}{restore}{ROLL_BACK}"));
    assert!(errors("demo", &ok).is_empty(), "{:#?}", errors("demo", &ok));
    // Without `migrates_data` the order is the author's call.
    let plain = edited(&ok, &[("  migrates_data: true\n", "")]);
    let plain = edited(
        &plain,
        &[(
            &format!("{restore}{ROLL_BACK}"),
            &format!("{ROLL_BACK}{restore}"),
        )],
    );
    assert!(
        errors("demo", &plain).is_empty(),
        "{:#?}",
        errors("demo", &plain)
    );
}

#[test]
fn restore_that_starts_the_new_version_is_rejected() {
    // The restore operation scales up to REPLICAS (1 by default) at its end.
    let restore = "    - title: Restore\n      run: make demo-restore FILE=x\n";
    let src = migrating_spec(&format!("{STOP}{restore}{ROLL_BACK}"));
    let d = only_error("demo", &src);
    assert!(
        d.message
            .contains("starts the new version on the restored data")
            && d.message.contains("(in `make demo-restore`)"),
        "{d}"
    );
    assert_eq!(d.line, line_of(&src, "run: make demo-restore FILE=x"));
    assert!(d.help.unwrap().contains("keep the workload at 0 replicas"));
}

#[test]
fn restore_while_the_new_version_runs_is_rejected() {
    // The upgrade replaced the pod: the rollback looks it up again.
    let restore = "    - title: Restore\n      run: |\n        {{use find-pod}}\n        kubectl -n \"$NAMESPACE\" exec -i \"$POD\" -- pg_restore -d x < \"$BACKUP_DIR/dump\"\n";
    let src = migrating_spec(&format!("{restore}{ROLL_BACK}"));
    let d = only_error("demo", &src);
    assert!(
        d.message
            .contains("`pg_restore` restores the data while the new version still runs"),
        "{d}"
    );
    assert_eq!(d.line, line_of(&src, "exec -i \"$POD\" -- pg_restore"));
    assert_eq!(d.column, 9);
    assert!(d.help.unwrap().contains("scale the workload to 0 first"));
}

#[test]
fn exec_into_a_workload_scaled_to_zero_is_rejected() {
    let src = spec_with(
        "            mkdir -p \"$BACKUP_DIR\"\n",
        "            kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=0\n            \
         kubectl -n \"$NAMESPACE\" exec \"$POD\" -c demo -- tar -czf - /data\n            \
         kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=1\n",
    );
    let d = only_error("demo", &src);
    let scale = line_of(&src, "--replicas=0");
    assert!(
        d.message.contains(&format!(
            "`kubectl exec $POD` needs a running pod, but line {scale} scaled its workload to 0"
        )),
        "{d}"
    );
    assert_eq!((d.line, d.column), (line_of(&src, "exec \"$POD\""), 13));
    assert!(d
        .help
        .unwrap()
        .contains("helper pod that mounts the volume"));
    // After the scale-up, and into another chart's workload, it is fine.
    let ok = edited(&src, &[("            kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=0\n", "            kubectl -n \"$NAMESPACE\" scale deploy -l app.kubernetes.io/name=web --replicas=0\n")]);
    assert!(errors("demo", &ok).is_empty(), "{:#?}", errors("demo", &ok));
}

/// A runbook finding in the lines a shared `use:` step writes is located at
/// its `use:` line, the one the maintainer can edit, and says the shared
/// text is at fault; the step's own `run` after them keeps its file lines.
#[test]
fn a_finding_in_a_shared_step_is_located_at_its_use_line() {
    let src = edited(
        &new_spec("demo"),
        &[
            (
                "        - title: TODO first step\n  pre_checks:",
                "        - title: Stop the app\n          run: |\n            \
kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=0\n        \
- use: backup-before-upgrade\n        - use: helm-rollback\n          run: |\n            \
kubectl -n \"$NAMESPACE\" exec \"$POD\" -c demo -- ls /data\n  pre_checks:",
            ),
            (
                "      mkdir -p \"$BACKUP_DIR\"\n      echo \"TODO write",
                "      mkdir -p \"$BACKUP_DIR\"\n      \
kubectl -n \"$NAMESPACE\" exec \"$POD\" -c demo -- ls /data\n      echo \"TODO write",
            ),
        ],
    );
    let errs = errors("demo", &src);
    let of = |code: &str| -> Vec<&Diagnostic> {
        errs.iter()
            .filter(|d| d.code.is_some_and(|c| *c == code))
            .collect()
    };
    let stopped = of("runbook.exec-stopped");
    assert!(!stopped.is_empty(), "{errs:#?}");
    for d in stopped {
        assert_eq!(
            (d.line, d.column),
            (line_of(&src, "- use: backup-before-upgrade"), 11),
            "{d}"
        );
        // One note, one sentence: the recipe, and the shared step that
        // runs it (not "(in `make ...`) (in the shared step ...)").
        assert!(
            d.message.ends_with(
                "(in `make demo-backup`, run by the shared step \"Back up right before \
the upgrade\" that `use: backup-before-upgrade` expands)"
            ),
            "{d}"
        );
        assert!(!d.message.contains(") ("), "{d}");
    }
    let stale = of("runbook.stale-pod");
    assert_eq!(stale.len(), 1, "{errs:#?}");
    assert_eq!(
        (stale[0].line, stale[0].column),
        (line_of(&src, "-c demo -- ls /data"), 13),
        "the step's own line after the shared ones: {}",
        stale[0]
    );
    assert!(!stale[0].message.contains("shared"), "{}", stale[0]);
    assert!(
        stale[0].message.contains(&format!(
            "`helm rollback` at line {}",
            line_of(&src, "- use: helm-rollback")
        )),
        "{}",
        stale[0]
    );
}

#[test]
fn data_set_aside_under_a_fixed_name_is_a_warning() {
    let src = spec_with(
        "            mkdir -p \"$BACKUP_DIR\"\n",
        "            kubectl -n \"$NAMESPACE\" exec \"$POD\" -- sh -c \\\n              \
         'cd /data && mv db db.before-restore'\n",
    );
    assert!(errors("demo", &src).is_empty(), "a risk, not an error");
    let found = warnings("demo", &src);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert!(
        d.message
            .contains("`mv db db.before-restore` sets data aside under a fixed name"),
        "{d}"
    );
    assert_eq!(d.line, line_of(&src, "mv db db.before-restore"));
    assert!(d
        .help
        .as_deref()
        .unwrap()
        .contains("db.before-restore-$(date +%Y%m%d%H%M%S)"));
    let env = edited(&src, &[("            kubectl -n \"$NAMESPACE\" exec \"$POD\" -- sh -c \\\n", "            kubectl -n \"$NAMESPACE\" exec \"$POD\" -- \\\n              env K=\"x-$(date +%s)\" sh -c \\\n")]);
    for unique in [
        edited(
            &src,
            &[("mv db db.before-restore", "mv db \"db.before-$(date +%s)\"")],
        ),
        edited(
            &src,
            &[(
                "mv db db.before-restore",
                "T=$(mktemp -u db.XXXX) && mv db \"$T\"",
            )],
        ),
        edited(&env, &[("mv db db.before-restore", "mv db \"db.$K\"")]),
    ] {
        assert!(
            warnings("demo", &unique).is_empty(),
            "{:#?}",
            warnings("demo", &unique)
        );
    }
}

/// The warnings for `src`, but the TODOs and the missing drill record
/// every scaffold has.
fn warnings(file: &str, src: &str) -> Vec<Diagnostic> {
    all_warnings(file, src)
        .into_iter()
        .filter(|d| !d.message.contains("records no drill"))
        .collect()
}

fn all_warnings(file: &str, src: &str) -> Vec<Diagnostic> {
    let f = spec::parse(&format!("specs/{file}.yaml"), src.as_bytes()).unwrap();
    chartgen::checks::spec(&f)
        .into_iter()
        .filter(|d| !d.is_error() && d.message != validate::TODO_LEFT)
        .collect()
}

/// A plain `use:` of a known error gen adds anyway is a warning at its
/// line naming the condition; one that overrides a field, or one gen does
/// not add to this chart, is not.
#[test]
fn a_use_of_a_derived_known_error_is_told_gen_adds_it() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/memcached.yaml");
    let base = std::fs::read_to_string(path).unwrap();
    let found = |entry: &str| {
        let src = edited(
            &base,
            &[(
                "\ntroubleshooting:\n",
                &format!("\ntroubleshooting:\n{entry}"),
            )],
        );
        let ds: Vec<Diagnostic> = all_warnings("memcached", &src)
            .into_iter()
            .filter(|d| d.code == Some(&"troubles.known-derived"))
            .collect();
        (src, ds)
    };
    let (src, ds) = found("  - use: age-no-identity\n");
    assert_eq!(ds.len(), 1, "{ds:#?}");
    let d = &ds[0];
    assert_eq!(
        (d.line, d.column),
        (line_of(&src, "use: age-no-identity"), 5),
        "{d}"
    );
    assert!(d.message.contains("`use: age-no-identity`"), "{d}");
    let help = d.help.as_deref().unwrap();
    assert!(
        help.contains("backup guide encrypts or decrypts with `age`"),
        "{help}"
    );
    // An override keeps the entry the spec's own.
    let (_, ds) = found("  - use: helm-pending\n    guide: backup\n");
    assert!(ds.is_empty(), "{ds:#?}");
    // memcached is a Deployment: gen adds no `statefulset-forbidden`.
    let (_, ds) = found("  - use: statefulset-forbidden\n");
    assert!(ds.is_empty(), "{ds:#?}");
}

/// The `ops.set-e-redundant` findings of the scaffold with `edits`.
fn set_e_findings(edits: &[(&str, &str)]) -> (String, Vec<Diagnostic>) {
    let src = edited(&new_spec("demo"), edits);
    let found = all_warnings("demo", &src)
        .into_iter()
        .filter(|d| d.code == Some(&"ops.set-e-redundant"))
        .collect();
    (src, found)
}

#[test]
fn a_target_that_starts_with_set_e_is_told_its_prelude_already_does() {
    const BACKUP: &str = "    run: |\n      mkdir -p \"$BACKUP_DIR\"\n";
    for first in ["set -e", "set -eu", "set -ue", "set -u"] {
        let (src, found) = set_e_findings(&[(
            BACKUP,
            &format!("    run: |\n      {first}\n      mkdir -p \"$BACKUP_DIR\"\n"),
        )]);
        assert_eq!(found.len(), 1, "{first}: {found:#?}");
        let d = &found[0];
        assert_eq!((d.line, d.column), (line_of(&src, first), 7), "{d}");
        assert!(
            d.message.contains(&format!("`{first}` is redundant")),
            "{d}"
        );
        assert!(
            d.help.as_deref().unwrap().contains("`make demo-backup`"),
            "{d}"
        );
    }
    // Not redundant, or not the prelude's shell: no finding.
    for (what, edits) in [
        ("pipefail is not in the prelude", vec![(BACKUP, "    run: |\n      set -euo pipefail\n      mkdir -p \"$BACKUP_DIR\"\n".to_string())]),
        ("a later line may follow set +e", vec![(BACKUP, "    run: |\n      set +e\n      false\n      set -e\n      mkdir -p \"$BACKUP_DIR\"\n".to_string())]),
        ("runs_in: pod runs in the container's sh -c", vec![(
            LAST_OP,
            format!("{LAST_OP}  - {{ target: x, group: data, help: x, runs_in: pod, run: \"set -e\\nls /data\" }}\n"),
        )]),
        ("steps: are the guide's, run by a reader too", vec![
            ("      - title: TODO first step\nupgrade:", "      - title: TODO first step\n        run: |\n          set -e\n          echo restore\nupgrade:".to_string()),
            (LAST_OP, format!("{LAST_OP}  - {{ target: x, group: restore, help: x, steps: [restore.full/1] }}\n")),
        ]),
    ] {
        let edits: Vec<(&str, &str)> = edits.iter().map(|(f, t)| (*f, t.as_str())).collect();
        let (_, found) = set_e_findings(&edits);
        assert!(found.is_empty(), "{what}: {found:#?}");
    }
}

#[test]
fn a_procedure_without_a_drill_record_is_a_warning_at_the_procedure() {
    // The scaffold shows where the record goes; without it, a warning.
    let line = "      drill: { none: \"TODO why no local drill can run it (or test: tests/drills.rs::<function>)\" }\n";
    assert!(all_warnings("demo", &new_spec("demo")).is_empty());
    let src = edited(&new_spec("demo"), &[(line, "")]);
    let found = all_warnings("demo", &src);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert_eq!(
        d.message,
        "`backup.data` records no drill for its steps \"TODO first step\""
    );
    assert_eq!((d.line, d.column), (line_of(&src, "- id: data"), 7));
    assert!(d.help.as_deref().unwrap().contains("drill: { none:"), "{d}");
    // On the procedure or on its step, a record silences it.
    for recorded in [
        edited(&src, &[("    - id: data\n", "    - id: data\n      drill: { none: \"needs a cluster\" }\n")]),
        edited(&src, &[("          why: TODO why it matters\n", "          why: TODO why it matters\n          drill: { test: tests/drills.rs::demo_drill }\n")]),
    ] {
        assert!(errors("demo", &recorded).is_empty());
        assert!(all_warnings("demo", &recorded).is_empty(), "{recorded}");
    }
}

#[test]
fn troubleshooting_needs_three_entries_and_both_guides() {
    let base = new_spec("demo");
    let start = base.find("troubleshooting:").expect("scaffold has entries");
    let end = base.find("operations:").unwrap();
    let none = format!("{}{}", &base[..start], &base[end..]);
    let d = only_error("demo", &none);
    assert!(
        d.message
            .contains("0 troubleshooting entries; the guides need at least 3"),
        "{d}"
    );
    assert_eq!((d.line, d.column), (1, 1), "no key: the top of the file");
    assert!(d.help.unwrap().contains("`error` exactly as printed"));

    let backup_only = spec_with("    guide: upgrade\n", "    guide: backup\n");
    let d = only_error("demo", &backup_only);
    assert!(
        d.message
            .contains("no troubleshooting entry for the upgrade guide"),
        "{d}"
    );
    assert_eq!(d.line, line_of(&backup_only, "troubleshooting:"));
    assert!(d.help.unwrap().contains("`guide: upgrade`"));
}

/// The `jobs` section's errors, on the shipped PostgreSQL spec: each is
/// located at the offending line and says how to fix it.
#[test]
fn backup_job_errors() {
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/postgresql.yaml"),
    )
    .unwrap();
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "    - component: dumps\n",
            "    - component: dumpz\n",
            "no backup component \"dumpz\"",
            "components: wal, basebackup, dumps, config",
            "    - component: dumpz",
        ),
        (
            "    - component: dumps\n",
            "    - component: config\n",
            "component \"config\" is not scheduled",
            "method: scheduled",
            "    - component: config",
        ),
        (
            "      dir: /backup/dump\n",
            "      dir: /var/lib/postgresql/data\n",
            "is not a folder under /backup",
            "/backup/dump",
            "      dir: /var/lib",
        ),
        (
            "      keep: 7\n",
            "      keep: 0\n",
            "keep 0 would delete the set the job just wrote",
            "keep at least 1",
            "      keep: 0",
        ),
        (
            "  run_as_user: 999\n",
            "  run_as_user: 0\n",
            "must not run as root",
            "service user",
            "  run_as_user: 0",
        ),
        (
            "        ls -l \"$OUT\"\n",
            "        echo \"{{ oops }}\"\n        ls -l \"$OUT\"\n",
            "would be read by Helm as a template",
            "another way",
            "        echo \"{{ oops }}\"",
        ),
        (
            "  pre_upgrade: dumps\n",
            "  pre_upgrade: wal\n",
            "\"wal\" is not a component of `jobs.backups`",
            "one of: dumps",
            "  pre_upgrade: wal",
        ),
        (
            "troubleshooting:\n",
            "values:\n  - key: backup.enabled\n    default: false\n    description: x\ntroubleshooting:\n",
            "clashes with \"backup.enabled\"",
            "gen writes the backup values from the jobs",
            "  - key: backup.enabled",
        ),
    ];
    for (from, to, message, help, line) in cases {
        assert!(base.contains(from), "fixture lacks {from:?}");
        let src = edited(&base, &[(from, to)]);
        let errs = errors("postgresql", &src);
        let d = errs
            .iter()
            .find(|d| d.message.contains(message))
            .unwrap_or_else(|| panic!("no error {message:?} for {to:?}: {errs:#?}"));
        let at = src.lines().position(|l| l.starts_with(line)).unwrap() + 1;
        assert_eq!(d.line, at, "{message}: {d}");
        assert!(d.column > 0, "{d}");
        assert!(
            d.help.as_deref().is_some_and(|h| h.contains(help)),
            "{message}: help {:?}",
            d.help
        );
    }
}

// ---- Issue 17: YAML mistakes are reported where they are, before the
// structural errors they cause.

#[test]
fn a_list_items_key_unindented_is_a_syntax_error_at_that_line() {
    // `title:` two columns left of the item's other keys: serde saw only a
    // missing field at the item; the mistake is the line below it.
    let src = spec_with("    title: TODO full restore", "  title: TODO full restore");
    let d = only_error("demo", &src);
    assert!(d.message.starts_with("YAML syntax error:"), "{d}");
    assert!(!d.message.contains("missing field"), "{d}");
    assert_eq!(
        (d.line, d.column),
        (line_of(&src, "  title: TODO full restore"), 3),
        "{d}"
    );
    assert!(d.help.as_deref().unwrap().contains("indent"), "{d}");
}

#[test]
fn a_list_item_unindented_is_located_at_the_item() {
    // `  - id: data` is valid YAML at that indentation; the item's next key
    // is where the parser fails, and the help names both lines.
    let src = spec_with("    - id: data\n", "  - id: data\n");
    let d = only_error("demo", &src);
    assert!(d.message.starts_with("YAML syntax error:"), "{d}");
    let item = line_of(&src, "  - id: data");
    assert_eq!(d.line, item + 1, "{d}");
    assert_eq!(
        d.help.as_deref(),
        Some(format!("line {item} starts its key in column 5, this line in column 7: indent the keys of one mapping alike (a list item's keys line up after its `- `)").as_str())
    );
}

#[test]
fn an_unclosed_quote_is_located_at_the_quote() {
    // The next quote is lines below; libyaml failed there.
    let src = spec_with("title: TODO product name", "title: \"My product");
    let d = only_error("demo", &src);
    assert!(d.message.starts_with("unclosed quote"), "{d}");
    assert_eq!(
        (d.line, d.column),
        (line_of(&src, "title: \"My product"), 8),
        "{d}"
    );
    assert!(d.help.unwrap().starts_with("end the value with \""));
    // Single quotes too, with '' as an escaped quote inside.
    let src = spec_with(
        "title: TODO data backup",
        "title: 'Nightly dump of the ''data'' folder",
    );
    let d = only_error("demo", &src);
    assert!(d.message.starts_with("unclosed quote"), "{d}");
    assert_eq!(d.line, line_of(&src, "Nightly dump"), "{d}");
}

#[test]
fn a_duplicate_key_is_located_at_the_repeat() {
    let src = spec_with(
        "      method: scheduled",
        "      method: scheduled\n      covers: configuration",
    );
    let d = only_error("demo", &src);
    assert_eq!(d.message, "duplicate key `backup.components[0].covers`");
    assert_eq!(
        (d.line, d.column),
        (line_of(&src, "covers: configuration"), 7)
    );
    assert_eq!(
        d.help.as_deref(),
        Some(
            format!(
                "`covers` is already set on line {}; keep one of the two",
                line_of(&src, "covers: data")
            )
            .as_str()
        )
    );
    // At the top level too.
    let src = spec_with("roadmap: later", "roadmap: later\nname: demo");
    let d = only_error("demo", &src);
    assert_eq!(d.message, "duplicate key `name`");
    assert_eq!(d.line, line_of(&src, "roadmap: later") + 1);
}

#[test]
fn prose_durations_get_a_did_you_mean_and_the_full_path() {
    for (written, meant) in [("1 hr", "1h"), ("90 minutes", "1h30m"), ("1.5h", "1h30m")] {
        let src = spec_with("  rto: 1h", &format!("  rto: {written}"));
        let d = only_error("demo", &src);
        assert!(
            d.message
                .starts_with(&format!("objectives.rto: bad duration \"{written}\"")),
            "{d}"
        );
        assert_eq!(d.line, line_of(&src, "rto: "), "{d}");
        assert_eq!(
            d.help.as_deref(),
            Some(format!("did you mean {meant}?").as_str())
        );
    }
    // Inside a list item the path has the index.
    let src = spec_with("    duration: 30m", "    duration: 30 mins");
    let d = only_error("demo", &src);
    assert!(
        d.message.starts_with("restore[0].duration: bad duration"),
        "{d}"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean 30m?"));
}

/// The line-width findings of the demo spec `src`, which must be one.
fn column_findings(src: &str) -> Vec<Diagnostic> {
    let f = spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
    let w: Vec<Diagnostic> = chartgen::checks::spec(&f)
        .into_iter()
        .filter(|d| d.message.contains("columns"))
        .collect();
    assert_eq!(w.len(), 1, "{w:#?}");
    w
}

#[test]
fn a_long_command_line_is_located_on_its_file_line() {
    let long = format!("echo {}", "x".repeat(validate::MAX_RUN_LINE + 20));
    let src = spec_with(
        "      mkdir -p \"$BACKUP_DIR\"\n      echo \"TODO write",
        &format!("      mkdir -p \"$BACKUP_DIR\"\n      {long}\n      echo \"TODO write"),
    );
    let w = column_findings(&src);
    let max = validate::MAX_RUN_LINE;
    assert_eq!(
        w[0].message,
        format!(
            "this command line is {} columns; the guides allow {max}",
            max + 25
        )
    );
    assert_eq!(
        (w[0].line, w[0].column),
        (line_of(&src, &long), 7 + max),
        "{}",
        w[0]
    );
    assert_eq!(
        w[0].snippet.as_deref(),
        Some(format!("      {long}").as_str())
    );
}

/// A line a snippet writes is measured too, against a guide step's width
/// (76 with its 3-column indent), and located at its `{{use}}` line; the
/// spec's own lines after an expansion keep their file lines and limit.
#[test]
fn a_long_snippet_line_is_located_on_its_use_line() {
    let glob = format!("{}-*.tar.gz", "x".repeat(40));
    let own = format!("echo {}", "y".repeat(validate::MAX_RUN_LINE - 6));
    let src = spec_with(
        "      mkdir -p \"$BACKUP_DIR\"\n      echo \"TODO write",
        &format!(
            "      mkdir -p \"$BACKUP_DIR\"\n      {{{{use port-forward ports=1:1}}}}\n      \
{{{{use newest glob={glob}}}}}\n      {own}\n      echo \"TODO write"
        ),
    );
    let w = column_findings(&src);
    let width = "F=\"${FILE:-$(ls -1t \"$BACKUP_DIR\"/".len() + glob.len() + 2;
    assert_eq!(
        w[0].message,
        format!(
            "a command line gen writes here is {width} columns; a guide's step \
allows {} (76 with its indent)",
            validate::MAX_WRITTEN_LINE
        )
    );
    assert_eq!(w[0].line, line_of(&src, "{{use newest"), "{}", w[0]);
    // The same text written by hand, 1 column within the 76, is no finding.
    assert_eq!(own.len(), validate::MAX_RUN_LINE - 1);
}

/// A step's own `run` after a whole-step snippet's lines is the spec's
/// text on its file lines: a long line there is measured and located as
/// any hand-written one.
#[test]
fn a_long_own_line_after_a_shared_step_is_on_its_file_line() {
    let long = format!("echo {}", "z".repeat(validate::MAX_RUN_LINE));
    let src = spec_with(
        "  rollback:\n    - title: TODO how to roll back\n",
        &format!("  rollback:\n    - use: helm-rollback\n      run: |\n        {long}\n"),
    );
    let w = column_findings(&src);
    assert_eq!(
        w[0].message,
        format!(
            "this command line is {} columns; the guides allow {}",
            long.len(),
            validate::MAX_RUN_LINE
        ),
        "{}",
        w[0]
    );
    assert_eq!(
        (w[0].line, w[0].column),
        (line_of(&src, &long), 9 + validate::MAX_RUN_LINE),
        "{}",
        w[0]
    );
}

/// A line of the spec's own `fragments` is the spec's text: up to 76
/// columns like the lines around its `{{use}}`, and a longer one is
/// located at the `{{use}}` line that brings it in.
#[test]
fn a_fragment_line_has_the_hand_written_limit() {
    let with = |width: usize| {
        let line = format!("echo {}", "z".repeat(width - 5));
        edited(
            &new_spec("demo"),
            &[
                (
                    "            mkdir -p \"$BACKUP_DIR\"\n  verification",
                    "            {{use long}}\n  verification",
                ),
                (
                    "operations: #",
                    &format!("fragments:\n  long: |\n    {line}\noperations: #"),
                ),
            ],
        )
    };
    let fits = with(validate::MAX_RUN_LINE);
    let f = spec::parse("specs/demo.yaml", fits.as_bytes()).unwrap();
    let found: Vec<Diagnostic> = chartgen::checks::spec(&f)
        .into_iter()
        .filter(|d| d.message.contains("columns"))
        .collect();
    assert!(found.is_empty(), "{found:#?}");
    let src = with(validate::MAX_RUN_LINE + 1);
    let w = column_findings(&src);
    assert_eq!(w[0].line, line_of(&src, "{{use long}}"), "{}", w[0]);
    assert_eq!(
        w[0].message,
        format!(
            "a line of the fragment used here is {} columns; the guides allow {}",
            validate::MAX_RUN_LINE + 1,
            validate::MAX_RUN_LINE
        )
    );
}

// ---- Issue 18: validation is one table of checks (`chartgen::checks`).

/// Spec files (name, source) for one fixture.
type Files = Vec<(&'static str, String)>;

fn demo(src: String) -> Files {
    vec![("demo", src)]
}

/// The scaffold with each `(from, to)` edit made once.
fn scaffold(edits: &[(&str, &str)]) -> Files {
    demo(edited(&new_spec("demo"), edits))
}

/// A repository spec with edits: `postgresql` has backup jobs, `airflow`
/// a database profile.
fn repo_spec(name: &'static str, edits: &[(&str, &str)]) -> Files {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("specs/{name}.yaml"));
    vec![(name, edited(&std::fs::read_to_string(path).unwrap(), edits))]
}

/// The scaffold with the text from `start` up to (not including) `end`
/// replaced by `with` (`{}` in it stands for the text cut out).
fn scaffold_span(start: &str, end: &str, with: &str) -> Files {
    let src = new_spec("demo");
    let i = src.find(start).expect("start in scaffold");
    let j = i + src[i..].find(end).expect("end in scaffold");
    demo(format!(
        "{}{}{}",
        &src[..i],
        with.replace("{}", &src[i..j]),
        &src[j..]
    ))
}

/// The scaffold with one RBAC rule.
fn rule(r: &str) -> Files {
    scaffold(&[(
        "  rules: [] # - { resources: [configmaps], verbs: [get], why: ... }\n",
        &format!("  rules: [{r}]\n"),
    )])
}

const LAST_OP: &str = "      echo \"TODO restore from $FILE\"\n";

/// The scaffold with one more operation, and `more` top-level YAML after it.
fn op(o: &str) -> Files {
    scaffold(&[(LAST_OP, &format!("{LAST_OP}  - {o}\n"))])
}

fn after_ops(more: &str) -> Files {
    scaffold(&[(LAST_OP, &format!("{LAST_OP}{more}"))])
}

fn values(entries: &str) -> Files {
    after_ops(&format!("values:\n{entries}"))
}

fn changes(entries: &str) -> Files {
    scaffold(&[(
        "  overview: TODO how upgrades of this product work.\n",
        &format!("  overview: TODO how upgrades of this product work.\n  changes:\n{entries}"),
    )])
}

const DRILL: &str =
    "      drill: { none: \"TODO why no local drill can run it (or test: tests/drills.rs::<function>)\" }\n";

fn drill(d: &str) -> Files {
    scaffold(&[(DRILL, &format!("      drill: {d}\n"))])
}

const BACKUP_RUN: &str = "            mkdir -p \"$BACKUP_DIR\"\n";

/// Specs `a`, `b` and `c` with these dependencies.
fn graph(deps: [&str; 3]) -> Files {
    ["a", "b", "c"]
        .into_iter()
        .zip(deps)
        .map(|(name, d)| (name, edited(&new_spec(name), &[("depends_on: []", d)])))
        .collect()
}

/// One small spec per check that makes it fire.
fn fixtures() -> Vec<(&'static str, Files)> {
    let long = "x".repeat(80);
    vec![
        ("spec.database-profile", repo_spec("airflow", &[("    connection: url\n", "    connection: url\n    user: x\n")])),
        ("spec.name-not-dns-label", scaffold(&[("name: demo\n", "name: Demo\n")])),
        ("spec.file-name-mismatch", vec![("other", new_spec("demo"))]),
        ("spec.empty-field", scaffold(&[("title: TODO product name", "title: \"\"")])),
        ("spec.version-not-semver", scaffold(&[("from: 0.1.0,", "from: \"1.0\",")])),
        ("spec.app-version-not-label", scaffold(&[("app_version: \"TODO\"", "app_version: \"1.0+b\"")])),
        ("layout.long-heading", scaffold(&[("title: TODO full restore", &format!("title: {long}"))])),
        ("spec.last-drill-not-date", scaffold(&[("category: ", "last_drill: \"2026-13-01\"\ncategory: ")])),
        ("spec.self-dependency", scaffold(&[("depends_on: []", "depends_on: [{ chart: demo, why: x }]")])),
        ("backup.no-components", scaffold_span("  components:\n", "  verification:\n", "  components: []\n")),
        ("backup.bad-component-id", scaffold(&[("    - id: data\n", "    - id: Data\n")])),
        ("backup.duplicate-component", scaffold_span("    - id: data\n", "  verification:\n", "{}{}")),
        ("backup.no-interval", scaffold(&[("      method: scheduled #", "      method: continuous #")])),
        ("backup.bad-schedule", scaffold(&[("schedule: \"0 2 * * *\"", "schedule: \"0 25 * * *\"")])),
        ("backup.no-schedule", scaffold(&[("      schedule: \"0 2 * * *\"\n", "")])),
        ("backup.rpo-zero-with-data", scaffold(&[("  rpo: 24h", "  rpo: \"0\"")])),
        ("backup.rpo-unmet", scaffold(&[("  rpo: 24h", "  rpo: 1h")])),
        ("backup.no-not-covered", scaffold(&[("  not_covered:\n    - TODO what these backups do not cover\n", "  not_covered: []\n")])),
        ("backup.extra-secrets-undefined", scaffold(&[("backup:\n", "backup:\n  config_export: { extra_secrets: MC_SECRETS }\n")])),
        ("backup.no-verification", scaffold(&[("  verification:\n    - title: TODO how to prove the backup restores\n", "  verification: []\n")])),
        ("restore.bad-id", scaffold(&[("  - id: full\n", "  - id: Full\n")])),
        ("restore.duplicate-id", scaffold_span("  - id: full\n", "upgrade:\n", "{}{}")),
        ("restore.unknown-component", scaffold(&[("restores: [data]", "restores: [data, dta]")])),
        ("restore.exceeds-rto", scaffold(&[("    duration: 30m", "    duration: 2h")])),
        ("restore.no-steps", scaffold(&[("    steps:\n      - title: TODO first step\nupgrade:", "    steps: []\nupgrade:")])),
        ("restore.no-full", scaffold(&[("    kind: full #", "    kind: partial #")])),
        ("restore.unrestored-component", scaffold(&[("restores: [data]", "restores: []")])),
        ("restore.config-export-unwritten", repo_spec("jenkins", &[("      {{use config-export}}\n", "      mkdir -p \"$BACKUP_DIR\"; TS=$(date +%Y%m%d-%H%M%S)\n")])),
        ("rbac.wildcard", rule("{ resources: [\"*\"], verbs: [get], why: x }")),
        ("rbac.empty-rule", rule("{ resources: [], verbs: [get], why: x }")),
        ("rbac.no-reason", rule("{ resources: [pods], verbs: [get], why: \"\" }")),
        ("rbac.secret-write", rule("{ resources: [secrets], verbs: [patch], why: x }")),
        ("rbac.secret-list", rule("{ resources: [secrets], verbs: [list], why: x }")),
        ("rbac.unusual-verb", rule("{ resources: [pods], verbs: [poke], why: x }")),
        ("rbac.cluster-without-list", scaffold(&[("  scope: namespace #", "  scope: cluster #")])),
        ("rbac.was-names-without-was", scaffold(&[("  rules: [] #", "  was_names: { role: r, binding: b }\n  rules: [] #")])),
        ("rbac.no-summary", scaffold(&[("  summary: TODO whether and why the workload calls the Kubernetes API.", "  summary: \"\"")])),
        ("ops.bad-target", op("{ target: Bad_Name, group: backup, help: x, run: 'true' }")),
        ("ops.duplicate-target", op("{ target: backup, group: backup, help: x, run: 'true' }")),
        ("ops.shared-target", op("{ target: logs, group: backup, help: x, run: 'true' }")),
        ("ops.bad-help", op("{ target: x, group: backup, help: \"\", run: 'true' }")),
        ("ops.empty-run", op("{ target: x, group: backup, help: x, run: '' }")),
        ("ops.kubectl-in-pod", op("{ target: x, group: backup, help: x, runs_in: pod, run: 'kubectl get pods' }")),
        ("ops.set-e-redundant", op("{ target: x, group: backup, help: x, run: \"set -e\\ntrue\" }")),
        ("ops.missing-required", scaffold(&[("  - target: restore\n", "  - target: restore-all\n    group: restore\n")])),
        ("vars.bad-name", after_ops("variables:\n  - { name: lower, default: x, help: x }\n")),
        ("vars.reserved", after_ops("variables:\n  - { name: NAMESPACE, default: x, help: x }\n")),
        ("vars.duplicate", after_ops("variables:\n  - { name: X, default: x, help: x }\n  - { name: X, default: y, help: y }\n")),
        ("vars.multiline-default", after_ops("variables:\n  - { name: X, default: \"a\\nb\", help: x }\n")),
        ("values.bad-key", values("  - { key: image.tag, default: x, description: x }\n")),
        ("values.duplicate-key", values("  - { key: backup.x, default: 1, description: x }\n  - { key: backup.x, default: 2, description: y }\n")),
        ("values.object-default", values("  - { key: backup.x, default: { a: 1 }, description: x }\n")),
        ("values.no-description", values("  - { key: backup.x, default: 1, description: \"\" }\n")),
        ("values.leaf-and-parent", values("  - { key: backup.x, default: 1, description: x }\n  - { key: backup.x.y, default: 2, description: y }\n")),
        ("values.type-mismatch", values("  - { key: backup.x, default: a, type: integer, description: x }\n")),
        ("values.untyped-empty-list", values("  - { key: backup.x, default: [], description: x }\n")),
        ("values.item-type-mismatch", values("  - { key: backup.x, default: [1], items: string, description: x }\n")),
        ("values.items-not-list", values("  - { key: backup.x, default: 1, items: integer, description: x }\n")),
        ("jobs.value-clash", repo_spec("postgresql", &[("troubleshooting:\n", "values:\n  - key: backup.enabled\n    default: false\n    description: x\ntroubleshooting:\n")])),
        ("jobs.root-user", repo_spec("postgresql", &[("  run_as_user: 999\n", "  run_as_user: 0\n")])),
        ("jobs.env-bad-name", repo_spec("postgresql", &[("{ name: PGHOST, value: $FULLNAME }", "{ name: pghost, value: $FULLNAME }")])),
        ("jobs.env-reserved", repo_spec("postgresql", &[("{ name: PGUSER, value: postgres }", "{ name: HOME, value: postgres }")])),
        ("jobs.env-one-source", repo_spec("postgresql", &[("{ name: PGUSER, value: postgres }", "{ name: PGUSER }")])),
        ("jobs.env-bad-values-key", repo_spec("postgresql", &[("{ name: PGHOST, value: $FULLNAME }", "{ name: PGHOST, values: \"postgresql..host\" }")])),
        ("jobs.unknown-component", repo_spec("postgresql", &[("    - component: dumps\n", "    - component: dumpz\n")])),
        ("jobs.unscheduled-component", repo_spec("postgresql", &[("    - component: dumps\n", "    - component: config\n")])),
        ("jobs.duplicate-component", repo_spec("postgresql", &[("  backups:\n", "  backups:\n    - { component: dumps, dir: /backup/d2, keep: 1, script: 'ls \"$OUT\"' }\n")])),
        ("jobs.bad-dir", repo_spec("postgresql", &[("      dir: /backup/dump\n", "      dir: /backup/../etc\n")])),
        ("jobs.keep-zero", repo_spec("postgresql", &[("      keep: 7\n", "      keep: 0\n")])),
        ("jobs.script-template", repo_spec("postgresql", &[("        ls -l \"$OUT\"\n", "        echo \"{{ oops }}\"\n        ls -l \"$OUT\"\n")])),
        ("jobs.script-tab", repo_spec("postgresql", &[("        ls -l \"$OUT\"\n", "        \tls -l \"$OUT\"\n")])),
        ("jobs.no-out", repo_spec("postgresql", &[("  backups:\n", "  backups:\n    - { component: basebackup, dir: /backup/b, keep: 1, script: 'echo hi' }\n")])),
        ("jobs.pre-upgrade-unknown", repo_spec("postgresql", &[("  pre_upgrade: dumps\n", "  pre_upgrade: wal\n")])),
        ("jobs.bad-verify-schedule", repo_spec("postgresql", &[("schedule: \"30 4 * * *\"", "schedule: \"30 4 * *\"")])),
        ("jobs.env-template-syntax", repo_spec("postgresql", &[("{ name: PGHOST, value: $FULLNAME }", "{ name: PGHOST, value: \"{{ .Release.Name }}\" }")])),
        ("changes.duplicate-replaces", changes("    - { kind: changed, replaces: rbac, description: x }\n    - { kind: changed, replaces: rbac, description: y }\n")),
        ("changes.no-description", changes("    - { kind: changed, description: \"\" }\n")),
        ("changes.was-without-rbac", changes("    - { kind: changed, description: x, was: [{ resources: [pods], verbs: [get] }] }\n")),
        ("changes.link-no-name", changes("    - { kind: changed, description: x, links: [{ name: \"\", url: \"https://example.org\" }] }\n")),
        ("changes.link-not-absolute", changes("    - { kind: changed, description: x, links: [{ name: a, url: /docs }] }\n")),
        ("steps.no-title", scaffold(&[("    - title: Take a backup first", "    - title: \"\"")])),
        ("steps.unknown-language", scaffold(&[("          why: TODO why it matters\n", "          why: TODO why it matters\n          lang: bsh\n")])),
        ("layout.long-run-line", scaffold(&[(BACKUP_RUN, &format!("            echo {long}\n"))])),
        ("drills.bad-test", drill("{ test: nope }")),
        ("drills.empty-none", drill("{ none: \"\" }")),
        ("drills.caveat-without-test", drill("{ none: x, caveat: y }")),
        ("drills.test-xor-none", drill("{ test: tests/drills.rs::x, none: y }")),
        ("drills.undrilled", scaffold(&[(DRILL, "")])),
        ("troubles.too-few", scaffold_span("  - error: TODO an error of an upgrade\n", "operations:", "")),
        ("troubles.guide-uncovered", scaffold(&[("    guide: upgrade\n", "    guide: backup\n")])),
        ("troubles.known-derived", repo_spec("memcached", &[("\ntroubleshooting:\n", "\ntroubleshooting:\n  - use: helm-pending\n")])),
        ("troubles.empty-field", scaffold(&[("  - error: TODO an error of a restore\n    guide: backup\n    cause: TODO why it happens.\n", "  - error: TODO an error of a restore\n    guide: backup\n    cause: \"\"\n")])),
        ("spec.todo", demo(new_spec("demo"))),
        ("layout.long-code-span", scaffold(&[("  overview: TODO how upgrades of this product work.", &format!("  overview: run `{long}`"))])),
        ("fragments.bad-name", after_ops("fragments:\n  \"list dir\": |\n    ls\n")),
        ("fragments.shadows-snippet", after_ops("fragments:\n  newest: |\n    ls\n")),
        ("fragments.empty", scaffold(&[(BACKUP_RUN, "            {{use nothing}}\n"), (LAST_OP, &format!("{LAST_OP}fragments:\n  nothing: \"\"\n"))])),
        ("fragments.unused", after_ops("fragments:\n  list-dir: |\n    ls\n")),
        ("fragments.cycle", scaffold(&[(BACKUP_RUN, "            {{use a}}\n"), (LAST_OP, &format!("{LAST_OP}fragments:\n  a: |\n    {{{{use b}}}}\n  b: |\n    {{{{use a}}}}\n"))])),
        ("runbook.exec-stopped", scaffold(&[(BACKUP_RUN, "            kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=0\n            kubectl -n \"$NAMESPACE\" exec \"$POD\" -c demo -- ls /data\n")])),
        ("runbook.stale-pod", scaffold(&[(BACKUP_RUN, "            kubectl -n \"$NAMESPACE\" rollout restart deploy \"$FULLNAME\"\n            kubectl -n \"$NAMESPACE\" exec \"$POD\" -c demo -- ls /data\n")])),
        ("runbook.set-aside-fixed-name", scaffold(&[(BACKUP_RUN, "            kubectl -n \"$NAMESPACE\" exec \"$POD\" -- sh -c 'cd /data && mv db db.old'\n")])),
        ("runbook.rollback-order", demo(migrating_spec(&format!("{STOP}{ROLL_BACK}    - title: Restore\n      run: make demo-restore FILE=x REPLICAS=0\n")))),
        ("runbook.helm-restarts-stopped", demo(Fixture::new("demo").backup_run(&helm_restarts("")).yaml())),
        ("runbook.secret-in-set", scaffold(&[(BACKUP_RUN, "            helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" --set \"auth.password=$PW\"\n")])),
        ("runbook.pod-from-release", scaffold(&[(BACKUP_RUN, "            kubectl -n \"$NAMESPACE\" exec \"$DB_RELEASE-0\" -- ls\n")])),
        ("runbook.local-http-unforwarded", scaffold(&[(BACKUP_RUN, "            curl -fsS http://127.0.0.1:8080/ready\n")])),
        ("runbook.rollout-on-delete", scaffold(&[(BACKUP_RUN, &format!("            {ON_DELETE}\n            kubectl -n \"$NAMESPACE\" rollout status sts \"$FULLNAME\"\n"))])),
        ("runbook.all-clear-unwritten", scaffold(&[(BACKUP_RUN, "            grep -n old demo.yaml || echo \"none found\"\n")])),
        ("runbook.file-unwritten", scaffold(&[(BACKUP_RUN, "            amtool check-config alertmanager.yml\n")])),
        ("runbook.dump-toc-only", scaffold(&[(BACKUP_RUN, "            pg_restore -l db.dump > /dev/null\n")])),
        ("runbook.and-list-unchecked", scaffold(&[(BACKUP_RUN, "            gzip -t f.tar.gz && echo ok\n            mkdir -p \"$BACKUP_DIR\"\n")])),
        ("tools.unknown", scaffold(&[(BACKUP_RUN, "            restic -r \"$BACKUP_DIR/repo\" snapshots\n")])),
        ("spec.no-modeline", demo(new_spec("demo").split_once('\n').unwrap().1.to_string())),
        ("graph.unknown-dependency", graph(["depends_on: [{ chart: d, why: x }]", "depends_on: []", "depends_on: []"])),
        ("graph.cycle", graph(["depends_on: [{ chart: b, why: x }]", "depends_on: [{ chart: a, why: x }]", "depends_on: []"])),
        ("graph.duplicate-chart", vec![("a", new_spec("a")), ("a", new_spec("a"))]),
        ("make.unknown-target", vec![("a", edited(&new_spec("a"), &[(BACKUP_RUN, "            echo \"if it fails, run make b-restor\"\n")])), ("b", new_spec("b"))]),
        ("make.unread-variable", scaffold(&[(BACKUP_RUN, "            make demo-status POD=x\n")])),
        ("make.other-release", scaffold(&[(LAST_OP, &format!("{LAST_OP}  - {{ target: wipe, group: restore, help: x, run: 'kubectl delete pvc \"data-$FULLNAME-0\"' }}\n")), (BACKUP_RUN, "            make demo-wipe RELEASE=demo-staging\n")])),
        ("make.cycle", scaffold(&[(LAST_OP, &format!("{LAST_OP}  - {{ target: ping, group: backup, help: x, run: '{{{{make pong}}}}' }}\n  - {{ target: pong, group: backup, help: x, run: 'make demo-ping' }}\n"))])),
    ]
}

#[test]
fn every_check_has_a_unique_id_a_help_and_a_spec_that_fires_it() {
    use chartgen::checks::{self, Run, CHECKS};
    use std::collections::BTreeSet;
    let mut ids = BTreeSet::new();
    for c in CHECKS {
        assert!(ids.insert(c.id), "two checks are {}", c.id);
        let (concern, problem) = c.id.split_once('.').expect("<concern>.<problem>");
        assert!(
            [concern, problem]
                .iter()
                .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')),
            "{}",
            c.id
        );
        assert!(
            !c.help.trim().is_empty() && !c.help.contains('\n') && c.help.len() <= 120,
            "{}: the help is one line: {:?}",
            c.id,
            c.help
        );
        let explained = checks::explain(Some(c.id)).unwrap();
        assert!(explained.contains(c.help), "{explained}");
    }
    assert!(checks::explain(Some("restore.nofull"))
        .unwrap_err()
        .contains("did you mean `restore.no-full`?"));

    let mut with_fixture = BTreeSet::new();
    for (id, files) in fixtures() {
        let check = checks::find(id).unwrap_or_else(|| panic!("no check {id}"));
        assert!(with_fixture.insert(id), "two fixtures for {id}");
        let parsed: Vec<_> = files
            .iter()
            .map(|(name, src)| {
                spec::parse(&format!("specs/{name}.yaml"), src.as_bytes())
                    .unwrap_or_else(|d| panic!("{id}: the fixture parses: {d}"))
            })
            .collect();
        let mut found: Vec<Diagnostic> = parsed.iter().flat_map(checks::spec).collect();
        found.extend(checks::graph(&parsed));
        let fired: Vec<&Diagnostic> = found.iter().filter(|d| d.code == Some(&check.id)).collect();
        assert!(
            !fired.is_empty(),
            "{id} does not fire on its fixture: {found:#?}"
        );
        for d in fired {
            assert_eq!(d.severity, check.severity, "{d}");
            assert!(d.line > 0, "{id} is located: {d}");
            let label = if d.is_error() { "error" } else { "warning" };
            assert!(
                d.to_string().starts_with(&format!("{label}[{id}]: ")),
                "{d}"
            );
        }
    }
    // The checks against a chart's facts, each on a spec and the facts of
    // a small chart (tests/facts.rs runs them on real charts through Helm).
    for (id, files, chart) in facts_fixtures() {
        let check = checks::find(id).unwrap_or_else(|| panic!("no check {id}"));
        assert!(matches!(check.run, Run::Facts(_)), "{id}");
        assert!(with_fixture.insert(id), "two fixtures for {id}");
        let (name, src) = &files[0];
        let f = spec::parse(&format!("specs/{name}.yaml"), src.as_bytes()).unwrap();
        let found = checks::facts(&f, &chart);
        assert!(
            found
                .iter()
                .any(|d| d.code == Some(&check.id) && d.line > 0),
            "{id} does not fire on its fixture: {found:#?}"
        );
    }
    let without: Vec<&str> = CHECKS
        .iter()
        .filter(|c| !with_fixture.contains(c.id))
        .map(|c| c.id)
        .collect();
    assert_eq!(without, Vec::<&str>::new(), "checks without a fixture");
    eprintln!(
        "{} checks, {} with a fixture",
        CHECKS.len(),
        with_fixture.len()
    );
}

/// The facts of a chart `demo` as Helm would render it for the scaffold:
/// one Deployment with the container `demo`, nothing else.
fn demo_chart() -> chartgen::facts::ChartFacts {
    use chartgen::facts::{ChartFacts, ChartMeta, Container, Fullname, Workload};
    let labels = [
        ("app.kubernetes.io/name", "demo"),
        ("app.kubernetes.io/instance", "rel"),
    ]
    .map(|(k, v)| (k.to_string(), v.to_string()));
    ChartFacts {
        chart: ChartMeta {
            name: "demo".into(),
            version: "0.1.0".into(),
            ..ChartMeta::default()
        },
        fullname: Fullname::usual("demo"),
        workloads: vec![Workload {
            kind: "Deployment".into(),
            name: "rel-demo".into(),
            pod_labels: labels.into_iter().collect(),
            containers: vec![Container {
                name: "demo".into(),
                ..Container::default()
            }],
            ..Workload::default()
        }],
        ..ChartFacts::default()
    }
}

/// The demo chart rendering a Role of its own that reads `resources`.
fn chart_with_role(resources: &[&str]) -> chartgen::facts::ChartFacts {
    chart_with("Role", resources)
}

/// The demo chart rendering a `kind` (Role or ClusterRole) of its own that
/// reads `resources`.
fn chart_with(kind: &str, resources: &[&str]) -> chartgen::facts::ChartFacts {
    let mut c = demo_chart();
    c.rbac.roles.push(chartgen::facts::Role {
        kind: kind.into(),
        name: "rel-demo".into(),
        rules: vec![serde_json::json!({
            "apiGroups": [""], "resources": resources, "verbs": ["get", "list", "watch"]
        })],
    });
    c
}

fn facts_fixtures() -> Vec<(&'static str, Files, chartgen::facts::ChartFacts)> {
    let scaffold_spec = || demo(new_spec("demo"));
    let f = spec::parse("specs/demo.yaml", new_spec("demo").as_bytes()).unwrap();
    let clean: Vec<String> = chartgen::checks::facts(&f, &demo_chart())
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        clean,
        Vec::<String>::new(),
        "the scaffold fits the demo chart"
    );
    let mut version = demo_chart();
    version.chart.version = "9.9.9".into();
    let mut no_workload = demo_chart();
    no_workload.workloads.clear();
    let mut other_container = demo_chart();
    other_container.workloads[0].containers[0].name = "other".into();
    vec![
        ("facts.chart-version", scaffold_spec(), version),
        ("facts.workload", scaffold_spec(), no_workload),
        ("facts.container", scaffold_spec(), other_container),
        (
            "facts.values",
            values("  - { key: backup.x, default: 1, description: x }\n"),
            demo_chart(),
        ),
        (
            "facts.database-secret",
            repo_spec("airflow", &[]),
            demo_chart(),
        ),
        (
            "facts.commands",
            scaffold(&[(
                LAST_OP,
                "      kubectl -n \"$NAMESPACE\" get secret \"$FULLNAME-nope\"\n",
            )]),
            demo_chart(),
        ),
        ("facts.jobs", repo_spec("postgresql", &[]), demo_chart()),
        (
            // The demo chart sets no strategy: a rolling update.
            "facts.multi-attach-strategy",
            scaffold(&[(
                "\ntroubleshooting: # at least three errors operators meet, each guide at least one\n",
                "\ntroubleshooting:\n  - use: multi-attach\n    with: { strategy: Recreate }\n",
            )]),
            demo_chart(),
        ),
        (
            "facts.rbac-scope",
            scaffold_spec(),
            chart_with("ClusterRole", &["pods"]),
        ),
        (
            "facts.rbac-was",
            changes("    - { kind: changed, replaces: rbac, was: [{ resources: [pods], verbs: [get] }] }\n"),
            chart_with_role(&["secrets"]),
        ),
        (
            "facts.chart-role-unrecorded",
            scaffold_spec(),
            chart_with_role(&["secrets"]),
        ),
        (
            "facts.rbac-was-missing",
            changes("    - { kind: changed, replaces: rbac }\n"),
            chart_with_role(&["secrets"]),
        ),
    ]
}

/// `restore.config-export-unwritten`: kafka's hourly backup target does
/// not write the configuration export its rebuild restores, so without
/// its `config-backup` target (`config_export.target`) the check points at the restore step that
/// reads it; with it, the check is quiet and `backup-kafka` runs it.
#[test]
fn config_export_unwritten_points_at_the_reading_step() {
    use chartgen::checks;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/kafka.yaml");
    let src = std::fs::read_to_string(path).unwrap();
    let fired = |src: &str| -> Vec<Diagnostic> {
        let f = spec::parse("specs/kafka.yaml", src.as_bytes()).unwrap();
        checks::spec(&f)
            .into_iter()
            .filter(|d| d.code == Some(&"restore.config-export-unwritten"))
            .collect()
    };
    assert!(fired(&src).is_empty(), "{:#?}", fired(&src));
    let f = spec::parse("specs/kafka.yaml", src.as_bytes()).unwrap();
    assert_eq!(
        chartgen::spec::share::config_backup_target(&f.spec),
        Some("config-backup")
    );
    // The target comes from `config_export.target`.
    let op = "    target: config-backup\n";
    let i = src.find(op).expect("kafka has a config-backup target");
    let without = format!("{}{}", &src[..i], &src[i + op.len()..]);
    let f = spec::parse("specs/kafka.yaml", without.as_bytes()).unwrap();
    assert!(f
        .spec
        .operations
        .iter()
        .all(|o| o.target != "config-backup"));
    let found = fired(&without);
    assert_eq!(found.len(), 1, "{found:#?}");
    let d = &found[0];
    assert!(d.is_error(), "{d}");
    assert!(
        d.to_string()
            .contains("restore \"rebuild\" reads the configuration export"),
        "{d}"
    );
    // It points at the step that uses config-restore.
    let before = &without[..without.find("use: config-restore").unwrap()];
    let step = before.rfind("\n      - ").unwrap() + 1;
    assert_eq!(d.line, before[..step].lines().count() + 1, "{d}");
}

/// `facts.chart-role-unrecorded`: a chart's own Role without `rbac.was`
/// is warned at `rbac` with the record to add; a chart without a Role of
/// its own, or a spec that records it, is quiet.
#[test]
fn an_unrecorded_chart_role_is_warned_with_the_record_to_add() {
    const ID: &str = "facts.chart-role-unrecorded";
    let fired = |src: &str, chart: &chartgen::facts::ChartFacts| -> Vec<String> {
        let f = spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
        chartgen::checks::facts(&f, chart)
            .iter()
            .filter(|d| d.code == Some(&ID))
            .map(ToString::to_string)
            .collect()
    };
    let src = new_spec("demo");
    let found = fired(&src, &chart_with_role(&["secrets", "pods"]));
    assert_eq!(found.len(), 1, "{found:#?}");
    let rbac = src.lines().position(|l| l == "rbac:").unwrap() + 1;
    assert!(
        found[0].contains(&format!("specs/demo.yaml:{rbac}:1")),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains(
            "`was: [{ resources: [secrets, pods], verbs: [get, list, watch] }]` (and \
`was_names` unless they are `$FULLNAME-role` and `$FULLNAME-rolebinding`)"
        ),
        "{}",
        found[0]
    );
    assert_eq!(fired(&src, &demo_chart()), Vec::<String>::new());
    let recorded = edited(
        &src,
        &[(
            "  rules: [] #",
            "  was: [{ resources: [secrets, pods], verbs: [get, list, watch] }]\n  rules: [] #",
        )],
    );
    assert_eq!(
        fired(&recorded, &chart_with_role(&["secrets", "pods"])),
        Vec::<String>::new()
    );
}

/// The ids of the facts checks that fire on `src` against `chart`, with
/// each diagnostic's text.
fn facts_fired(src: &str, chart: &chartgen::facts::ChartFacts) -> Vec<(String, String)> {
    let f = spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
    chartgen::checks::facts(&f, chart)
        .iter()
        .map(|d| {
            (
                d.code.map(|c| c.to_string()).unwrap_or_default(),
                d.to_string(),
            )
        })
        .collect()
}

/// `facts.rbac-scope`: a chart's own Role of the other kind than
/// `rbac.scope` is an error at `scope`, both ways; a Role of the scope's
/// kind is not.
#[test]
fn a_chart_role_of_the_other_scope_is_an_error() {
    let ids = |found: &[(String, String)]| -> Vec<String> {
        found.iter().map(|(id, _)| id.clone()).collect()
    };
    let src = new_spec("demo");
    let found = facts_fired(&src, &chart_with("ClusterRole", &["pods"]));
    assert_eq!(ids(&found), ["facts.rbac-scope"], "{found:#?}");
    let scope = line_of(&src, "  scope: namespace");
    let text = &found[0].1;
    assert!(
        text.starts_with("error[facts.rbac-scope]: the chart renders a ClusterRole of its own \
(`$FULLNAME`), but `rbac.scope` is namespace: the README says its access ends at the release's namespace"),
        "{text}"
    );
    assert!(
        text.contains(&format!("specs/demo.yaml:{scope}:")),
        "{text}"
    );
    assert!(
        text.contains("write `scope: cluster` under `rbac`"),
        "{text}"
    );
    // The reverse: a cluster scope over a chart's own Role.
    let cluster = edited(&src, &[("  scope: namespace", "  scope: cluster")]);
    let found = facts_fired(&cluster, &chart_with_role(&["pods"]));
    assert!(
        found.iter().any(|(id, t)| id == "facts.rbac-scope"
            && t.contains(
                "the chart renders a Role of its own (`$FULLNAME`), but `rbac.scope` is cluster"
            )
            && t.contains("write `scope: namespace` under `rbac`")),
        "{found:#?}"
    );
    // The scope's own kind is another check's business, not this one's.
    for (spec, chart) in [
        (&src, chart_with_role(&["pods"])),
        (&cluster, chart_with("ClusterRole", &["pods"])),
        (&src, demo_chart()),
    ] {
        let found = facts_fired(spec, &chart);
        assert!(
            found.iter().all(|(id, _)| id != "facts.rbac-scope"),
            "{found:#?}"
        );
    }
}

/// One cause, one warning: a `replaces: rbac` change without a record of
/// the chart's own Role is warned at the change (`facts.rbac-was-missing`,
/// whose help names `was_names` too), not again at `rbac`
/// (`facts.chart-role-unrecorded`); without such a change the warning at
/// `rbac` stays.
#[test]
fn an_unrecorded_role_behind_a_change_is_warned_once() {
    let chart = chart_with_role(&["secrets"]);
    let (_, src) = &changes("    - { kind: changed, replaces: rbac }\n")[0];
    let found = facts_fired(src, &chart);
    let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids, ["facts.rbac-was-missing"], "{found:#?}");
    assert!(
        found[0].1.contains(
            "`was: [{ resources: [secrets], verbs: [get, list, watch] }]` (and `was_names` \
unless they are `$FULLNAME-role` and `$FULLNAME-rolebinding`)"
        ),
        "{}",
        found[0].1
    );
    // A change with its own description derives nothing from the Role:
    // the Role itself is still unrecorded.
    let (_, described) =
        &changes("    - { kind: changed, replaces: rbac, description: The Role changed. }\n")[0];
    let ids: Vec<String> = facts_fired(described, &chart)
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    assert_eq!(ids, ["facts.chart-role-unrecorded"]);
}

const ON_DELETE: &str = "kubectl -n \"$NAMESPACE\" patch sts \"$FULLNAME\" -p '{\"spec\":{\"updateStrategy\":{\"type\":\"OnDelete\"}}}'";

/// The scaffold with `run` as its first backup step, checked: `gen check`
/// before a build, or `gen build` then `gen check` when `built`. The
/// spec, whether the last command succeeded, and what they printed.
fn check_backup_run(run: &str, built: bool) -> (String, bool, String) {
    let yaml = Fixture::new("demo").backup_run(run).yaml();
    let dir = project_with(&[("demo", &yaml)]);
    let mut out = String::new();
    if built {
        let o = gen(dir.path(), &["build"]);
        out += &text(&o);
        if !o.status.success() {
            return (yaml, false, out);
        }
    }
    let o = gen(dir.path(), &["check"]);
    (yaml, o.status.success(), out + &text(&o))
}

/// The six defects the shipped-output scans found, as `gen check` finds
/// them in a spec: an error with the check's id at the file:line:col of
/// the offending shell line, and a non-zero exit; the fixed form passes.
/// Each case: the id, the defective step, the text of its offending line,
/// and the step fixed.
#[test]
fn the_shipped_output_rules_are_errors_at_the_offending_line() {
    let on_delete = format!("{ON_DELETE}\nkubectl -n \"$NAMESPACE\" delete pod -l \"$SELECTOR\"");
    let cases = [
        (
            "runbook.secret-in-set",
            "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" ./charts/demo --reuse-values \\\n  --set \"auth.password=$PW\"".to_string(),
            "--set \"auth.password=$PW\"",
            "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" ./charts/demo --reuse-values \\\n  --set-file \"auth.password=$PW_FILE\"".to_string(),
        ),
        (
            "runbook.pod-from-release",
            "echo \"the database\"\nkubectl -n \"$NAMESPACE\" exec \"$DB_RELEASE-0\" -- ls".to_string(),
            "exec \"$DB_RELEASE-0\"",
            "echo \"the database\"\nkubectl -n \"$NAMESPACE\" exec \"sts/$DB_RELEASE\" -- ls".to_string(),
        ),
        (
            "runbook.local-http-unforwarded",
            "echo \"ready?\"\ncurl -fsS http://127.0.0.1:8080/ready".to_string(),
            "curl -fsS http://127.0.0.1:8080/ready",
            "kubectl -n \"$NAMESPACE\" exec \"$POD\" -- \\\n  wget -qO- http://127.0.0.1:8080/ready".to_string(),
        ),
        (
            "runbook.rollout-on-delete",
            format!("{on_delete}\nkubectl -n \"$NAMESPACE\" rollout status sts \"$FULLNAME\""),
            "rollout status sts",
            format!("{on_delete}\nkubectl -n \"$NAMESPACE\" wait --for=condition=Ready pod -l \"$SELECTOR\""),
        ),
        (
            "runbook.all-clear-unwritten",
            "echo \"removed settings:\"\ngrep -n old demo.yaml || echo \"none found\"".to_string(),
            "grep -n old demo.yaml",
            "helm -n \"$NAMESPACE\" get values \"$RELEASE\" > demo.yaml\ngrep -n old demo.yaml || echo \"none found\"".to_string(),
        ),
        (
            "runbook.dump-toc-only",
            "pg_dump -Fc -f db.dump app\npg_restore -l db.dump > /dev/null".to_string(),
            "pg_restore -l db.dump",
            "pg_dump -Fc -f db.dump app\npg_restore -f /dev/null db.dump\npg_restore -l db.dump > /dev/null".to_string(),
        ),
        (
            "runbook.and-list-unchecked",
            "gzip -t \"$FILE\" && echo ok\ntar -tzf \"$FILE\"".to_string(),
            "gzip -t \"$FILE\" && echo ok",
            "gzip -t \"$FILE\"\necho ok\ntar -tzf \"$FILE\"".to_string(),
        ),
    ];
    for (id, bad, at, fixed) in &cases {
        let (yaml, ok, out) = check_backup_run(bad, false);
        let line = line_of(&yaml, at);
        let l = yaml.lines().nth(line - 1).unwrap();
        let col = l.len() - l.trim_start().len() + 1;
        assert!(!ok, "{id}: gen check fails\n{out}");
        let at = format!("error[{id}]: ");
        let found: Vec<&str> = out
            .split("\n")
            .skip_while(|x| !x.starts_with(&at))
            .take(2)
            .collect();
        assert!(found.len() == 2, "{id} reported:\n{out}");
        assert_eq!(
            found[1].trim(),
            format!("--> specs/demo.yaml:{line}:{col}"),
            "{id}:\n{out}"
        );
        let (_, ok, out) = check_backup_run(fixed, true);
        assert!(
            ok && !out.contains(id),
            "{id}: the fixed form passes:\n{out}"
        );
    }
    // Where a line means it on purpose, a reason after `# RULE:` says so.
    let (_, ok, out) = check_backup_run(
        "# pod-from-release: installed with fullnameOverride=$DB_RELEASE\n\
         kubectl -n \"$NAMESPACE\" exec \"$DB_RELEASE-0\" -- ls",
        true,
    );
    assert!(ok, "{out}");
}

/// The `runbook.stale-pod` errors of the scaffold as a StatefulSet with
/// `run` as its first backup step: the spec lines they point at.
/// A snippet's `{{use}}` line is text the typed spec does not hold back.
fn named_pod_races(run: &str) -> Vec<usize> {
    const USE: &str = "{{use find-pod}}";
    let yaml = Fixture::new("demo")
        .workload(spec::WorkloadKind::StatefulSet, None)
        .backup_run(&run.replace(USE, "echo find-pod"))
        .yaml();
    let yaml = if run.contains(USE) {
        edited(&yaml, &[("echo find-pod", USE)])
    } else {
        yaml
    };
    errors("demo", &yaml)
        .iter()
        .filter(|d| d.code == Some(&"runbook.stale-pod"))
        .map(|d| d.line - line_of(&yaml, "run: |"))
        .collect()
}

/// An exec into a pod named directly (`"$FULLNAME-0"`) right after a step
/// that scaled its StatefulSet up or replaced its pods, with no wait in
/// between, finds the pod still starting or not there yet.
#[test]
fn an_exec_into_a_named_pod_waits_for_it_after_a_scale_up_or_restart() {
    const EXEC: &str = "kubectl -n \"$NAMESPACE\" exec \"$FULLNAME-0\" -c demo -- ls";
    const SCALE: &str = "kubectl -n \"$NAMESPACE\" scale sts \"$FULLNAME\" --replicas=1";
    const RESTART: &str = "kubectl -n \"$NAMESPACE\" rollout restart sts \"$FULLNAME\"";
    assert_eq!(named_pod_races(&format!("{SCALE}\n{EXEC}")), [2]);
    assert_eq!(
        named_pod_races(&format!("{RESTART}\necho restarted\n{EXEC}")),
        [3]
    );
    let braced = EXEC.replace("$FULLNAME-0", "${FULLNAME}-0");
    assert_eq!(named_pod_races(&format!("{SCALE}\n{braced}")), [2]);
    // Another StatefulSet of the release, scaled up.
    let db = "kubectl -n \"$NAMESPACE\" scale statefulset/\"$FULLNAME-db\" --replicas=1";
    let db_exec = "kubectl -n \"$NAMESPACE\" exec \"$FULLNAME-db-0\" -- ls";
    assert_eq!(named_pod_races(&format!("{db}\n{db_exec}")), [2]);
    assert_eq!(named_pod_races(&format!("{db}\n{SCALE}\n{db_exec}")), [3]);
    for wait in [
        "kubectl -n \"$NAMESPACE\" rollout status sts \"$FULLNAME\"",
        "kubectl -n \"$NAMESPACE\" wait --for=condition=Ready pod/\"$FULLNAME-0\"",
        "{{use find-pod}}",
    ] {
        assert!(
            named_pod_races(&format!("{SCALE}\n{wait}\n{EXEC}")).is_empty(),
            "{wait}"
        );
    }
    // kubectl resolves `sts/NAME` itself; a loop that retries the exec is
    // the wait; a line may say why it means it.
    let by_kind = EXEC.replace("\"$FULLNAME-0\"", "sts/\"$FULLNAME\"");
    let retried = format!("until {EXEC}; do sleep 5; done\n{EXEC}");
    for fine in [
        format!("{SCALE}\n{by_kind}"),
        format!("{SCALE}\n{retried}"),
        format!("{SCALE}\n{EXEC} # stale-pod: the error is what we show"),
        format!("{EXEC}\n{SCALE}"),
    ] {
        assert!(named_pod_races(&fine).is_empty(), "{fine}");
    }
}

/// Stop the workload, `helm upgrade` (with `flags`), start it again.
fn helm_restarts(flags: &str) -> String {
    format!(
        "kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=0\n\
         helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" ./charts/demo --reuse-values{flags}\n\
         kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=1"
    )
}

/// Which `--set KEY=0` keeps a workload stopped is the chart's to say: with
/// chart facts, the key its template reads at `replicas:` (confirmed by
/// the render), not a key that looks like one by its name.
#[test]
fn the_replica_value_that_keeps_a_workload_stopped_comes_from_chart_facts() {
    const ID: &str = "runbook.helm-restarts-stopped";
    let fired = |set: &str, key: Option<&str>| -> usize {
        let yaml = Fixture::new("demo")
            .backup_run(&helm_restarts(&format!(" --set {set}=0")))
            .yaml();
        let f = spec::parse("specs/demo.yaml", yaml.as_bytes()).unwrap();
        let facts = key.map(|k| chartgen::facts::ChartFacts {
            workloads: vec![chartgen::facts::Workload {
                kind: "Deployment".into(),
                name: "rel-demo".into(),
                replicas: Some(1),
                replicas_value: Some(k.into()),
                ..Default::default()
            }],
            ..Default::default()
        });
        chartgen::checks::spec_with(&f, facts.as_ref())
            .iter()
            .filter(|d| d.code == Some(&ID))
            .count()
    };
    // redis: `replication.replicas` is its replica-mode count of replicas
    // beside the master (`replicas: {{ add 1 ... }}`), never 0; its
    // StatefulSet reads `replicaCount`. The name guess took it for a
    // replica value and let the stop "last".
    assert_eq!(fired("replication.replicas", None), 0, "the name guess");
    assert_eq!(fired("replication.replicas", Some("replicaCount")), 1);
    assert_eq!(fired("replicaCount", Some("replicaCount")), 0);
    // A count under another name keeps it stopped where the facts say so.
    assert_eq!(fired("server.size", None), 1, "the name guess");
    assert_eq!(fired("server.size", Some("server.size")), 0);
}

/// `helm upgrade` or `rollback` puts back the replicas its manifest
/// renders (Helm 3's three-way merge), so a workload stopped before it
/// runs again while a later step still starts it as if it were stopped.
/// Kept at 0 (`--set`), started on purpose (a count, `--wait`, a reason)
/// or started after a restore (the rollback order), it is fine.
#[test]
fn a_helm_command_that_starts_a_stopped_workload_is_rejected() {
    const ID: &str = "runbook.helm-restarts-stopped";
    let fired = |run: &str| -> Vec<(usize, usize, String)> {
        let yaml = Fixture::new("demo").backup_run(run).yaml();
        errors("demo", &yaml)
            .into_iter()
            .filter(|d| d.code == Some(&ID))
            .map(|d| (d.line - line_of(&yaml, "run: |"), d.column, d.message))
            .collect()
    };
    let bad = helm_restarts("");
    let found = fired(&bad);
    assert_eq!(found.len(), 1, "{found:#?}");
    let (line, col, message) = &found[0];
    let yaml = Fixture::new("demo").backup_run(&bad).yaml();
    let helm = yaml
        .lines()
        .nth(line_of(&yaml, "upgrade \"$RELEASE\"") - 1)
        .unwrap();
    let indent = helm.len() - helm.trim_start().len();
    assert_eq!(
        (*line, *col),
        (2, indent + 1),
        "the helm line, at its command"
    );
    let (stop, start) = (
        line_of(&yaml, "--replicas=0"),
        line_of(&yaml, "--replicas=1"),
    );
    assert!(
        message.contains(&format!(
            "`helm upgrade` starts the workload that line {stop} scaled to 0 again"
        )) && message.contains(&format!(
            "line {start} starts it as if it were still stopped"
        )),
        "{message}"
    );
    // A rollback, a make target that rolls back, a selector's stop and
    // the recorded start of `scale-back` are the same.
    let rollback = bad.replace(
        "upgrade \"$RELEASE\" ./charts/demo --reuse-values",
        "rollback \"$RELEASE\"",
    );
    let by_make = bad.replace(
        "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" ./charts/demo --reuse-values",
        "make demo-helm-rollback",
    );
    let selector = bad.replace(
        "deploy \"$FULLNAME\" --replicas=",
        "deploy -l app.kubernetes.io/instance=\"$RELEASE\" --replicas=",
    );
    let recorded = bad.replace("kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=1", "for e in $SCALED; do\n  kubectl -n \"$NAMESPACE\" scale \"${e%=*}\" --replicas=\"${e#*=}\"\ndone");
    for run in [&rollback, &by_make, &selector, &recorded] {
        assert_eq!(fired(run).len(), 1, "{run}");
    }
    // Fixed: kept at 0 through the upgrade, a count or a wait chosen, a
    // reason given, the restore before the rollback, another release's
    // workload, or no start after it.
    let restore_first = format!(
        "kubectl -n \"$NAMESPACE\" scale deploy \"$FULLNAME\" --replicas=0\n\
         pg_restore -d app db.dump\n{}",
        rollback.split_once('\n').unwrap().1
    );
    for fine in [
        helm_restarts(" --set replicaCount=0"),
        helm_restarts(" \\\n  --set image.tag=2,web.replicas=0"),
        helm_restarts(" --set replicaCount=1"),
        helm_restarts(" --wait"),
        helm_restarts(" # helm-restarts: the upgrade starts it; the scale adds replicas"),
        restore_first,
        bad.replace(
            "deploy \"$FULLNAME\" --replicas=0",
            "deploy \"$DB_FULLNAME\" --replicas=0",
        ),
        bad.rsplit_once('\n').unwrap().0.to_string(),
    ] {
        assert!(fired(&fine).is_empty(), "{fine}: {:#?}", fired(&fine));
    }
}

/// A defect in a fragment is found where a step uses it: the rules read
/// the shell as the runbook lint does, fragments expanded.
#[test]
fn a_shell_rule_finds_a_fragments_defect_at_its_use_line() {
    let src = edited(
        &new_spec("demo"),
        &[
            (BACKUP_RUN, "            {{use check-dump}}\n"),
            (
                LAST_OP,
                &format!(
                    "{LAST_OP}fragments:\n  check-dump: |\n    pg_dump -Fc -f db.dump app\n    \
                     pg_restore -l db.dump > /dev/null\n"
                ),
            ),
        ],
    );
    let found: Vec<(usize, usize)> = errors("demo", &src)
        .iter()
        .filter(|d| d.code == Some(&"runbook.dump-toc-only"))
        .map(|d| (d.line, d.column))
        .collect();
    assert_eq!(found, [(line_of(&src, "{{use check-dump}}"), 13)]);
}
