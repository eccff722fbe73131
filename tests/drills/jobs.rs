//! Backup jobs run for real: a chart's `templates/backup-jobs.yaml` as
//! gen generated it, rendered by real Helm, and one container of it run
//! here in the drill's world exactly as the job's pod would run it: its
//! `command`/`args`, its environment (Secret keys read from the world's
//! Secrets), as its non-root uid, with its volumes at their local folders.
//!
//! The one stand-in is the cluster's DNS: the world has no Service
//! addresses, so the job's host variable keeps the Service name and libpq's
//! `PGHOSTADDR` (or the product's equivalent) points it at the world's
//! loopback, where the server listens as in its pod.

use crate::harness::{as_user, StepRun, World};
use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The manifests real Helm renders for the repository's `charts/<chart>`
/// (gen's committed outputs) as release `rel` in namespace `drill` with
/// `sets`; None when Helm is missing (a failure under CI=true).
pub fn render(chart: &str, sets: &[&str]) -> Option<Vec<serde_yaml::Value>> {
    render_dir(&repo().join("charts").join(chart), sets)
}

/// The manifests real Helm renders for the chart in `dir` (see [`render`]).
pub fn render_dir(dir: &Path, sets: &[&str]) -> Option<Vec<serde_yaml::Value>> {
    let mut args = vec![
        "template".to_string(),
        "--name".into(),
        crate::harness::RELEASE.into(),
        "--namespace".into(),
        crate::harness::NAMESPACE.into(),
    ];
    for s in sets {
        args.push("--set".into());
        args.push(s.to_string());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = crate::common::helm_py(&args, &[dir.to_path_buf()])
        .output()
        .unwrap();
    let o = crate::common::helm_finished(o, "Helm (the helm-sdkpy library under .tools/helm)")?;
    assert!(
        o.status.success(),
        "helm template failed:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let text = String::from_utf8(o.stdout).unwrap();
    Some(
        text.split("\n---")
            .filter_map(|d| serde_yaml::from_str::<serde_yaml::Value>(d).ok())
            .filter(|v| v.is_mapping())
            .collect(),
    )
}

/// The object of `kind` named `name` among `docs`.
pub fn object<'a>(docs: &'a [serde_yaml::Value], kind: &str, name: &str) -> &'a serde_yaml::Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in the render"))
}

/// The pod spec of a CronJob or a Job.
pub fn pod_spec(obj: &serde_yaml::Value) -> &serde_yaml::Value {
    if obj["kind"] == "CronJob" {
        &obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    } else {
        &obj["spec"]["template"]["spec"]
    }
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

/// The containers of `obj`'s pod in the order they run: the init
/// containers, then the containers.
pub fn containers(obj: &serde_yaml::Value) -> Vec<&serde_yaml::Value> {
    let pod = pod_spec(obj);
    ["initContainers", "containers"]
        .iter()
        .filter_map(|k| pod[*k].as_sequence())
        .flatten()
        .collect()
}

/// The only container of `obj` (a CronJob or Job) as it would run here
/// (see [`prepare_container`]).
pub fn prepare(
    w: &World,
    obj: &serde_yaml::Value,
    user: &str,
    extra: &[(&str, &str)],
) -> (Vec<String>, Vec<(String, String)>) {
    let all = containers(obj);
    assert_eq!(all.len(), 1, "one container per backup job");
    prepare_container(w, obj, all[0], user, extra)
}

/// Container `c` of `obj` as it would run here: its command and args,
/// then its environment (Secret keys read from the world's Secrets,
/// `extra` after it), with every mount path mapped to its local folder.
/// `user` is the local user standing for the pod's runAsUser; each volume
/// mount must be a folder of the world's `paths`, or an emptyDir (a folder
/// here that every container of the pod shares).
pub fn prepare_container(
    w: &World,
    obj: &serde_yaml::Value,
    c: &serde_yaml::Value,
    user: &str,
    extra: &[(&str, &str)],
) -> (Vec<String>, Vec<(String, String)>) {
    let pod = pod_spec(obj);
    assert_eq!(
        pod["securityContext"]["runAsNonRoot"].as_bool(),
        Some(true),
        "the job runs as non-root"
    );
    let mut argv: Vec<String> = c["command"]
        .as_sequence()
        .unwrap()
        .iter()
        .chain(c["args"].as_sequence().unwrap())
        .map(|a| a.as_str().unwrap().to_string())
        .collect();
    // Volumes: claims at the world's folders, emptyDirs fresh.
    let paths = &w.world["paths"];
    let mut map: Vec<(String, String)> = Vec::new();
    for m in c["volumeMounts"].as_sequence().unwrap() {
        let at = m["mountPath"].as_str().unwrap().to_string();
        let vol = pod["volumes"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|v| v["name"] == m["name"])
            .unwrap();
        let local = if vol["emptyDir"].is_mapping() {
            let d = emptydir(w, &at);
            std::fs::create_dir_all(&d).unwrap();
            crate::harness::chown(&d, user);
            d.display().to_string()
        } else {
            paths[&at]
                .as_str()
                .unwrap_or_else(|| panic!("the world has no folder for {at}"))
                .to_string()
        };
        map.push((at, local));
    }
    // Longest first, in one pass, so a mapped folder is never mapped again.
    map.sort_by_key(|(at, _)| std::cmp::Reverse(at.len()));
    for a in argv.iter_mut() {
        *a = map_paths(a, &map);
    }
    let mut env: Vec<(String, String)> = vec![(
        "PATH".into(),
        format!(
            "{}/usr/local/bin:/usr/bin:/bin",
            w.world["path_prefix"].as_str().unwrap_or("")
        ),
    )];
    for e in c["env"].as_sequence().unwrap() {
        let name = e["name"].as_str().unwrap().to_string();
        let value = if let Some(v) = e["value"].as_str() {
            v.to_string()
        } else {
            let r = &e["valueFrom"]["secretKeyRef"];
            let (s, k) = (r["name"].as_str().unwrap(), r["key"].as_str().unwrap());
            w.world["secrets"][s][k]
                .as_str()
                .unwrap_or_else(|| panic!("the world has no Secret {s} key {k}"))
                .to_string()
        };
        env.push((name, map_paths(&value, &map)));
    }
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    (argv, env)
}

/// Runs `obj`'s pod in the world as Kubernetes would: every container in
/// order (the init containers first), each only after the one before it
/// succeeded, on emptyDirs that start empty for the pod and that its
/// containers share. The output is every container's, the status the
/// first failure's (or 0).
pub fn run(w: &World, obj: &serde_yaml::Value, user: &str, extra: &[(&str, &str)]) -> StepRun {
    let pod = pod_spec(obj);
    for v in pod["volumes"].as_sequence().unwrap() {
        if v["emptyDir"].is_mapping() {
            for c in containers(obj) {
                for m in c["volumeMounts"].as_sequence().unwrap() {
                    if m["name"] == v["name"] {
                        let at = m["mountPath"].as_str().unwrap();
                        let _ = std::fs::remove_dir_all(emptydir(w, at));
                    }
                }
            }
        }
    }
    let mut output = String::new();
    for c in containers(obj) {
        let (argv, env) = prepare_container(w, obj, c, user, extra);
        let mut cmd = format!("{} env -i", as_user(user));
        for (k, v) in &env {
            cmd.push_str(&format!(" {k}={}", shell_quote(v)));
        }
        for a in &argv {
            cmd.push(' ');
            cmd.push_str(&shell_quote(a));
        }
        let r = w.sh(&cmd);
        output.push_str(&format!(
            "--- container {} ---\n{}",
            c["name"].as_str().unwrap(),
            r.output
        ));
        if r.status != 0 {
            return StepRun { output, ..r };
        }
    }
    StepRun {
        title: obj["metadata"]["name"].as_str().unwrap().to_string(),
        output,
        status: 0,
        expect: None,
    }
}

/// The local folder of a pod's emptyDir mounted at `at`.
fn emptydir(w: &World, at: &str) -> PathBuf {
    w.path(&format!("emptydir{}", at.replace('/', "-")))
}

/// Gives the kubectl stand-in every CronJob of `docs`, so `kubectl create
/// job --from=cronjob/...` (the `backup-jobs` target) runs it; call before
/// `World::start`, which writes the world.
pub fn install_cronjobs(
    w: &mut World,
    docs: &[serde_yaml::Value],
    user: &str,
    extra: &[(&str, &str)],
) {
    let mut all = serde_json::Map::new();
    for d in docs.iter().filter(|d| d["kind"] == "CronJob") {
        let (argv, env) = prepare(w, d, user, extra);
        let env: serde_json::Map<String, serde_json::Value> =
            env.into_iter().map(|(k, v)| (k, v.into())).collect();
        all.insert(
            d["metadata"]["name"].as_str().unwrap().to_string(),
            serde_json::json!({ "argv": argv, "env": env, "user": user }),
        );
    }
    w.world["cronjobs"] = all.into();
}

/// The sets (folder names) in `dir` of the world, oldest first, and the
/// leftovers of unfinished runs (dot folders).
pub fn sets(dir: &Path) -> (Vec<String>, Vec<String>) {
    let mut done = Vec::new();
    let mut partial = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let n = e.unwrap().file_name().to_string_lossy().into_owned();
        if n.starts_with('.') {
            partial.push(n);
        } else {
            done.push(n);
        }
    }
    done.sort();
    (done, partial)
}

/// Returns once the wall clock has left the second it is in: the jobs name
/// a set by the second it starts (`date -u +%Y%m%d-%H%M%S`, the same
/// clock), so a run started after this one ended gets a later name than
/// every set made so far. A condition on that clock rather than a fixed
/// sleep: half a second on average, and a clock stepped back (a VM
/// resumed, NTP) is waited out instead of reusing a name.
pub fn next_second() {
    let second = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs()
    };
    let now = second();
    let give_up = std::time::Instant::now() + std::time::Duration::from_secs(120);
    while second() <= now {
        assert!(
            std::time::Instant::now() < give_up,
            "the wall clock did not pass second {now} within two minutes"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Runs the backup `cron` three times, each in a second of its own (see
/// [`next_second`]): each run must succeed and print every span of
/// `expect` (see [`crate::harness::matches`]). Returns the third run's
/// output, the one that must have removed the oldest set.
pub fn three_runs(
    w: &World,
    cron: &serde_yaml::Value,
    user: &str,
    dns: &[(&str, &str)],
    expect: &[&str],
) -> String {
    let mut last = String::new();
    for n in 1..=3 {
        let r = run(w, cron, user, dns);
        assert_eq!(r.status, 0, "run {n}:\n{}", r.output);
        for span in expect {
            assert!(
                crate::harness::matches(span, &r.output),
                "run {n}: no `{span}` in:\n{}",
                r.output
            );
        }
        next_second();
        last = r.output;
    }
    last
}

/// [`three_runs`], then `dir` must hold the newest two complete sets (the
/// jobs keep 2) and no partial one; returns them, oldest first.
pub fn three_runs_keep_two(
    w: &World,
    cron: &serde_yaml::Value,
    user: &str,
    dns: &[(&str, &str)],
    dir: &Path,
    expect: &[&str],
) -> Vec<String> {
    three_runs(w, cron, user, dns, expect);
    let (done, partial) = sets(dir);
    assert_eq!(done.len(), 2, "keep 2: {done:?}");
    assert!(partial.is_empty(), "{partial:?}");
    done
}

/// Every mount path in `text` (a whole path component, as the kubectl
/// stand-in maps them) replaced by its local folder, in one pass.
fn map_paths(text: &str, map: &[(String, String)]) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '.' || c == '-';
    let mut out = String::new();
    let mut i = 0;
    while i < text.len() {
        let before_ok = text[..i].chars().next_back().is_none_or(|c| !word(c));
        let hit = map.iter().find(|(at, _)| {
            text[i..].starts_with(at.as_str())
                && text[i + at.len()..]
                    .chars()
                    .next()
                    .is_none_or(|c| c == '/' || !word(c))
        });
        match hit {
            Some((at, local)) if before_ok => {
                out.push_str(local);
                i += at.len();
            }
            _ => {
                let c = text[i..].chars().next().unwrap();
                out.push(c);
                i += c.len_utf8();
            }
        }
    }
    out
}

/// The S3 server standing in for the collection's MinIO: s3s-fs (crates.io,
/// an S3 API over a local folder; scripts/test installs it into
/// `.tools/s3s`), or `GEN_S3S_FS`. None when missing (a failure under
/// CI=true).
pub fn s3_server() -> Option<PathBuf> {
    let p = std::env::var_os("GEN_S3S_FS")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".tools/s3s/bin/s3s-fs"));
    if !Path::new("/usr/bin/aws").is_file() {
        crate::common::skip_or_fail("aws (Debian's awscli package, see scripts/test)");
        return None;
    }
    if p.is_file() {
        return Some(p);
    }
    crate::common::skip_or_fail("s3s-fs (crates.io, installed into .tools/s3s by scripts/test)");
    None
}

/// Starts the S3 server in the world (it listens on the world's loopback
/// and ends with it) and creates `bucket`.
pub fn start_s3(w: &World, server: &Path, bucket: &str) {
    let data = w.path("s3");
    std::fs::create_dir_all(&data).unwrap();
    w.background(
        "s3",
        &format!(
            "{} --host 127.0.0.1 --port 9000 --access-key {S3_KEY} --secret-key {S3_SECRET} {}",
            server.display(),
            data.display(),
        ),
        &format!(
            "{} /usr/bin/aws --endpoint-url {S3_ENDPOINT} s3 ls >/dev/null 2>&1",
            s3_env(w)
        ),
    );
    let r = aws(w, &format!("s3 mb s3://{bucket}"));
    assert_eq!(r.status, 0, "{}", r.output);
}

/// The names of a job's containers, init containers first, as they run.
pub fn container_names(obj: &serde_yaml::Value) -> Vec<&str> {
    containers(obj)
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

/// The Secret the S3 drills name in `backup.s3.existingSecret`, with the
/// drill server's key pair under the collection's MinIO key names (the
/// values' defaults).
pub const S3_SECRET_NAME: &str = "minio-secret";

/// Puts [`S3_SECRET_NAME`] into the world's Secrets.
pub fn give_s3_secret(w: &mut World) {
    w.world["secrets"][S3_SECRET_NAME] =
        serde_json::json!({ "root-user": S3_KEY, "root-password": S3_SECRET });
}

/// The environment an operator's shell needs to reach the drill's S3
/// server with the aws CLI, as `VAR=value` words.
pub fn s3_env(w: &World) -> String {
    format!(
        "AWS_ACCESS_KEY_ID={S3_KEY} AWS_SECRET_ACCESS_KEY={S3_SECRET} \
         AWS_DEFAULT_REGION=us-east-1 HOME={} S3_ENDPOINT={S3_ENDPOINT}",
        w.state.display()
    )
}

pub const S3_KEY: &str = "drill-access";
pub const S3_SECRET: &str = "drill-secret-key";
pub const S3_ENDPOINT: &str = "http://127.0.0.1:9000";

/// Runs the aws CLI (Debian's, the jobs' client) in the world as the
/// operator, against the drill's S3 server.
pub fn aws(w: &World, args: &str) -> StepRun {
    w.sh(&format!(
        "{} /usr/bin/aws --endpoint-url {S3_ENDPOINT} {args}",
        s3_env(w)
    ))
}

/// The sets (timestamps) under `url` in the bucket, oldest first.
pub fn bucket_sets(w: &World, url: &str) -> Vec<String> {
    let r = aws(w, &format!("s3 ls {url}/"));
    let mut sets: Vec<String> = r
        .output
        .lines()
        .filter_map(|l| l.trim().strip_prefix("PRE "))
        .map(|s| s.trim_end_matches('/').to_string())
        .collect();
    sets.sort();
    sets
}
