//! memcached drill: Debian's memcached as the pod of Deployment
//! `rel-memcached`, with the arguments the chart renders from its defaults
//! (`-m 256 -c 1024 -f 1.25 -n 48`), a TLS Secret mounted through
//! `extraVolumes`, and the 512Mi memory limit of the chart's defaults.
//! memcached keeps no data to restore: its procedures save and compare the
//! settings it runs with.

use crate::harness::{self, assert_steps, Server, World};
use serde_json::json;

pub fn world() -> Option<World> {
    let mut w = World::needing("memcached", &["memcached", "nc", "socat", "age", "ss"])?;
    // Hit-ratio samples of 30, 10 and 30 s (and, before the port-forward
    // snippet waited for kubectl, seven waits of 3 s) were 90 of the
    // drill's 100 s.
    w.quick_waits();
    let args = ["-m", "256", "-c", "1024", "-f", "1.25", "-n", "48"];
    w.describe(json!({
        "workload": { "kind": "Deployment", "name": "rel-memcached",
                      "pod": "rel-memcached-6f7b9c-k2v8q", "container": "memcached",
                      "replicas": 1, "image": "memcached:1.6.39-alpine",
                      "container_spec": { "args": args,
                                          "resources": { "limits": { "memory": "512Mi" } } },
                      "volumes": [ { "name": "tls",
                                     "secret": { "secretName": "memcached-tls" } } ] },
        "paths": {},
        "secrets": { "memcached-tls": { "tls.crt": "drill-cert", "tls.key": "drill-key" } },
    }));
    w.serve(Server {
        name: "memcached",
        user: "memcache",
        command: format!("memcached -p 11211 -U 0 {}", args.join(" ")),
        ready: "printf 'version\\r\\n' | nc -q 1 127.0.0.1 11211 2>/dev/null | grep -q VERSION"
            .into(),
        signal: "TERM",
    });
    Some(w)
}

/// The settings export, over a port-forward and through a throwaway pod,
/// the names of the mounted Secrets, then the checks the full,
/// Secret and configuration restores end with, under real make.
#[test]
fn memcached_drill() {
    let Some(mut w) = world() else { return };
    let key = w.ok("age-keygen -o key.txt 2>&1 | sed -n 's/^Public key: //p'");
    w.var("AGE_RECIPIENT", key.trim());
    w.var("AGE_KEY_FILE", "key.txt");
    w.var("MC_SECRETS", "memcached-tls");
    w.start();
    w.ok(
        "printf 'set k 0 0 1\\r\\nv\\r\\nget k\\r\\nget nope\\r\\nquit\\r\\n' | nc 127.0.0.1 11211",
    );
    let lines = [
        "STAT maxbytes 268435456",
        "STAT maxconns 1024",
        "STAT growth_factor 1.25",
        "STAT chunk_size 48",
        "STAT num_threads 4",
        "STAT slab_reassign yes",
        "END",
    ];
    let mut in_file: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (*l, "in the file the step writes, checked below"))
        .collect();
    in_file.push((
        "STAT <name> <value>",
        "the form of the lines, checked below",
    ));
    let runs = w.run("backup.runtime-config", &[]);
    assert_steps(&runs, 2, &in_file);
    let settings = w.newest("settings-");
    let text = std::fs::read_to_string(w.backup_dir.join(&settings)).unwrap();
    for line in lines {
        assert!(
            text.lines().any(|l| l == line),
            "{line} in {settings}:\n{text}"
        );
        assert!(
            runs[1].output.contains(line),
            "{line} from the throwaway pod"
        );
    }
    // The Secrets to name in MC_SECRETS; the built-in export that takes
    // them needs Helm's release (its round trip with an unlabelled Secret
    // is `spec::snippets::tests::export_then_restore_round_trips`).
    let runs = w.run("backup.secrets", &[]);
    assert_steps(&runs, 1, &[("MC_SECRETS", "a variable")]);
    assert_eq!(runs[0].output.trim(), "memcached-tls");

    // Clients' reads inside the hit-ratio step's 30 s window, 7 hits and
    // 3 misses: the ratio must be measured between its two samples, while
    // the one since start still counts only the hit and miss above.
    let gets = "get k\\r\\n".repeat(7) + &"get gone\\r\\n".repeat(3);
    let traffic = w.during_sleep(
        30,
        &format!("printf '{gets}quit\\r\\n' | nc 127.0.0.1 11211"),
    );
    let runs = w.run("restore.full", &[]);
    assert_steps(
        &runs,
        2,
        &[
            ("ERROR", "none, checked below"),
            ("last-30s", "checked below"),
            ("curr_items", "not printed by the target"),
            ("bytes", "not printed by the target"),
        ],
    );
    assert!(
        runs[0].output.contains("settings match"),
        "{}",
        runs[0].output
    );
    assert!(!runs[0].output.contains("ERROR"), "{}", runs[0].output);
    let sent = std::fs::read_to_string(&traffic).expect("the gets ran in the window");
    assert_eq!(sent.matches("VALUE k 0 1").count(), 7, "{sent}");
    assert_eq!(sent.matches("END").count(), 10, "{sent}");
    assert!(
        harness::matches(
            "rel-memcached-6f7b9c-k2v8q up=...s since-start=50.0% last-30s=70.0% (10 gets)",
            &runs[1].output
        ),
        "{}",
        runs[1].output
    );
    let runs = w.run("restore.secrets", &[]);
    assert_steps(&runs, 1, &[]);
    assert!(
        runs[0].output.contains("curr_connections"),
        "{}",
        runs[0].output
    );
    let runs = w.run("restore.config", &[]);
    assert_steps(&runs, 1, &[("ERROR", "none, checked below")]);
    assert!(!runs[0].output.contains("ERROR"), "{}", runs[0].output);

    // Without a settings export there is nothing to compare with: the
    // check must not say the settings match (a `diff` of a missing file
    // prints nothing, which the old `|| echo` took for a match).
    for e in std::fs::read_dir(&w.backup_dir).unwrap() {
        let path = e.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("settings-")
        {
            std::fs::remove_file(path).unwrap();
        }
    }
    let runs = w.run_part("restore.full", 0..1, &[]);
    assert!(
        !runs[0].output.contains("settings match"),
        "{}",
        runs[0].output
    );
    let runs = w.run("restore.config", &[]);
    assert!(
        !runs[0].output.contains("settings match"),
        "{}",
        runs[0].output
    );
}

/// The `port-forward` snippet under real make: a target waits for a
/// forward that listens only after 5 s (a slow API server; the old fixed
/// `sleep 3` then failed with "connection refused") and leaves no kubectl
/// behind; with the local port taken by another server, the target fails
/// at once with kubectl's own message and never talks to that server
/// (the old `sleep 3` went on and read the stranger's answer). A forward
/// that never listens (kubectl stuck on an API server that does not
/// answer) is given up after `PF_WAIT` seconds, lowered here from 30, with
/// that message and kubectl stopped: under dash with coreutils' `sleep`,
/// and under busybox's sh and `sleep` (an Alpine operator's machine). The
/// wait polls with `sleep 0.2`, a fraction POSIX does not promise: a
/// `sleep` that refused it would end the recipe at once (`set -e`), one
/// that ignored it would not wait at all.
#[test]
fn memcached_forward_waits_until_ready_and_fails_at_once() {
    use std::time::{Duration, Instant};
    let Some(mut w) = world() else { return };
    w.start();
    // This world's forwards only (drills run side by side): the stand-in's
    // path is in its folder.
    let forwards = "pgrep -f \"$PWD/bin/[k]ubectl -n drill port-forward\" || echo none";
    let delay = w.state_file("forward-delay");
    std::fs::write(&delay, "5").unwrap();
    let t = Instant::now();
    let out = w.sh("make memcached-stats");
    let took = t.elapsed();
    assert_eq!(out.status, 0, "{}", out.output);
    assert!(
        out.output.contains("STAT curr_connections"),
        "{}",
        out.output
    );
    assert!(
        took >= Duration::from_secs(5),
        "{took:?}: did not wait for the forward"
    );
    assert!(
        took < Duration::from_secs(15),
        "{took:?}: waited past the forward"
    );
    assert_eq!(
        w.ok(forwards).trim(),
        "none",
        "the forward outlived its target"
    );
    std::fs::remove_file(&delay).unwrap();
    // ... and it sees one that runs.
    let seen = w.ok(&format!(
        "kubectl -n drill port-forward pod/rel-memcached-6f7b9c-k2v8q 21299:11211 \
         >/dev/null & K=$!\nsleep 0.5\n{forwards}\nkill $K"
    ));
    assert_ne!(seen.trim(), "none", "{seen}");

    let t = Instant::now();
    let out = w.sh(
        "socat TCP-LISTEN:21211,bind=127.0.0.1,reuseaddr,fork SYSTEM:'echo STRANGER' &\n\
         S=$!; trap 'kill $S' EXIT\n\
         until ss -Hltn 'sport = :21211' | grep -q .; do sleep 0.05; done\n\
         make memcached-stats",
    );
    let took = t.elapsed();
    assert_ne!(out.status, 0, "{}", out.output);
    for said in [
        "Unable to listen on port 21211",
        "error: unable to listen on any of the requested ports: [{21211 11211}]",
        "kubectl port-forward failed or timed out (30 s)",
    ] {
        assert!(out.output.contains(said), "{said} in:\n{}", out.output);
    }
    assert!(!out.output.contains("STRANGER"), "{}", out.output);
    assert!(
        !out.output.contains("== rel-memcached"),
        "went on:\n{}",
        out.output
    );
    // Far below the 30 s the snippet would wait for a forward that never
    // listens: it failed on kubectl's exit, not on the timeout. (A tighter
    // bound measured the machine's load: 4.2 s with three builds beside.)
    assert!(
        took < Duration::from_secs(15),
        "{took:?}: did not fail at once"
    );
    assert_eq!(w.ok(forwards).trim(), "none");

    if !harness::need(&["dash", "busybox"]) {
        return;
    }
    std::fs::write(&delay, "3600").unwrap();
    // Each with what make runs the recipe with and the `sleep` it finds
    // (the world's, which runs coreutils' for a fraction).
    let shells = [
        (
            "dash",
            "/bin/dash",
            "/usr/bin/dash\n",
            "/tests/drills/sleep\n",
        ),
        (
            "busybox",
            "\"$PWD/busybox/sh\"",
            "/usr/bin/busybox\n",
            "/usr/bin/busybox\n",
        ),
    ];
    for (name, shell, sh, sleep) in shells {
        let t = Instant::now();
        let out = w.sh(&format!(
            "mkdir -p busybox; for t in sh sleep; do\n  \
             ln -sf \"$(command -v busybox)\" \"busybox/$t\"\ndone\n\
             [ {name} = dash ] || PATH=\"$PWD/busybox:$PATH\"\n\
             printf 'p:\\n\\t@readlink -f /proc/$$$$/exe; readlink -f \"$$(command -v sleep)\"\\n' \\\n  \
             | make -s -f - p SHELL={shell}\n\
             make memcached-stats SHELL={shell} PF_WAIT=2"
        ));
        let took = t.elapsed();
        let (first, second) = out.output.split_once('\n').unwrap_or_default();
        assert!(
            format!("{first}\n") == sh && second.contains(sleep),
            "{name}: {}",
            out.output
        );
        assert_ne!(out.status, 0, "{name}: {}", out.output);
        assert!(
            out.output
                .contains("kubectl port-forward failed or timed out (2 s)"),
            "{name}: {}",
            out.output
        );
        assert!(
            !out.output.contains("== rel-memcached"),
            "{name}: {}",
            out.output
        );
        // 2 s of `sleep 0.2`, and make and the stand-in's pod lookup: not
        // 30 s, nor the 10 s whole-second sleeps would take. The margin is
        // for a loaded machine (a 0 s step measured 4 s beside three builds).
        assert!(
            took >= Duration::from_secs(2) && took < Duration::from_secs(8),
            "{name}: {took:?}: did not give up after PF_WAIT"
        );
        assert_eq!(w.ok(forwards).trim(), "none", "{name}: kubectl left behind");
        eprintln!("{name}: gave up after {took:?}");
    }
}
