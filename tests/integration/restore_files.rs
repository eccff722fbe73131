//! Restore steps run on the files their backups write, with the real tools
//! that read them (tar, sed, age, jq, kubectl), as far as this machine goes
//! without a cluster: what a step reads out of an archive, and what a
//! restore target sends to the API server for what the backup target
//! exported.

use crate::common::{repo, require, stderr, text, tool};
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};

/// The command of step `title` of procedure `id` as the guide shows it.
fn step_run(chart: &str, id: &str, title: &str) -> String {
    let project = crate::common::shipped();
    let file = project
        .specs
        .iter()
        .find(|f| f.spec.name == chart)
        .unwrap_or_else(|| panic!("no spec for {chart}"));
    chartgen::procedures::procedures(&file.spec)
        .into_iter()
        .find(|p| p.id == id)
        .and_then(|p| p.steps.into_iter().find(|s| s.title == title))
        .and_then(|s| s.run)
        .unwrap_or_else(|| panic!("{chart}: no step {title:?} in {id}"))
}

fn sh(script: &str, dir: &Path, env: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("bash runs");
    let text = text(&out);
    (out.status.success(), text)
}

/// Jellyfin's full restore starts the image that wrote the archive, read
/// from `PreviousVersionStr` in its `config/system.xml`: with the four
/// numbers of a `Version` written by 10.10/10.11 (`10.11.3.0`) or three,
/// the first three are the tag; without the element, or empty, the step
/// stops with what to do, before it changes the release.
#[test]
fn jellyfin_restore_reads_the_version_the_archive_was_written_by() {
    let run = step_run(
        "jellyfin",
        "restore.full",
        "Start the image version that wrote the backup",
    );
    // The lines up to the version it found; the rest needs a cluster.
    let end = run
        .find("echo \"archive written by Jellyfin $TAG\"\n")
        .expect("the step prints the version it found");
    let head = &run[..end + run[end..].find('\n').unwrap() + 1];
    assert!(
        !head.contains("helm") && !head.contains("kubectl"),
        "{head}"
    );
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "<PreviousVersionStr>10.11.3.0</PreviousVersionStr>",
            Some("10.11.3"),
        ),
        (
            "<PreviousVersionStr>10.10.7</PreviousVersionStr>",
            Some("10.10.7"),
        ),
        ("<PreviousVersionStr />", None),
        ("<PreviousVersionStr></PreviousVersionStr>", None),
        ("", None),
    ];
    for (i, (element, tag)) in cases.iter().enumerate() {
        let root = dir.path().join(format!("c{i}"));
        std::fs::create_dir_all(root.join("config")).unwrap();
        std::fs::write(
            root.join("config/system.xml"),
            format!(
                "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n\
                 <ServerConfiguration xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
                 xmlns:xsd=\"http://www.w3.org/2001/XMLSchema\">\n  \
                 <LogFileRetentionDays>3</LogFileRetentionDays>\n  \
                 <IsStartupWizardCompleted>true</IsStartupWizardCompleted>\n  \
                 {element}\n  <EnableMetrics>false</EnableMetrics>\n\
                 </ServerConfiguration>\n"
            ),
        )
        .unwrap();
        // As the backup target packs /config: `tar -czf - ./config ...`.
        let f = dir.path().join(format!("jellyfin-{i}.tar.gz"));
        let (ok, out) = sh(
            &format!(
                "tar -C '{}' -czf '{}' ./config",
                root.display(),
                f.display()
            ),
            dir.path(),
            &[],
        );
        assert!(ok, "{out}");
        let (ok, out) = sh(head, dir.path(), &[("F", f.to_str().unwrap())]);
        match tag {
            Some(t) => {
                assert!(ok, "{element}: {out}");
                assert_eq!(
                    out,
                    format!("archive written by Jellyfin {t}\n"),
                    "{element}"
                );
            }
            None => {
                assert!(!ok, "{element}: {out}");
                assert!(
                    out.contains("no PreviousVersionStr in system.xml: set TAG")
                        && !out.contains("archive written by"),
                    "{element}: {out}"
                );
            }
        }
    }
}

/// What `kubectl get secret -o json` returns for a Secret: the object real
/// kubectl builds from `files` (so `data` is kubectl's own encoding of
/// their bytes), with the fields the API server adds.
fn server_secret(dir: &Path, name: &str, files: &[(&str, &[u8])], extra: Value) -> Value {
    let mut args = vec![
        "create".to_string(),
        "secret".into(),
        "generic".into(),
        name.into(),
        "--dry-run=client".into(),
        "-o".into(),
        "json".into(),
    ];
    for (key, bytes) in files {
        let f = dir.join(format!("{name}.{key}"));
        std::fs::write(&f, bytes).unwrap();
        args.push(format!("--from-file={key}={}", f.display()));
    }
    let out = Command::new("kubectl")
        .args(&args)
        .env("KUBECONFIG", "/nonexistent")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let mut s: Value = serde_json::from_slice(&out.stdout).unwrap();
    let meta = s["metadata"].as_object_mut().unwrap();
    meta.insert("namespace".into(), json!("media"));
    meta.insert("uid".into(), json!("0b5e55ed-0000-4000-8000-000000000001"));
    meta.insert("resourceVersion".into(), json!("4711"));
    meta.insert("creationTimestamp".into(), json!("2025-11-20T01:00:00Z"));
    meta.insert(
        "managedFields".into(),
        json!([{ "manager": "kubectl-create", "operation": "Update" }]),
    );
    for (k, v) in extra.as_object().unwrap() {
        meta.insert(k.clone(), v.clone());
    }
    s["type"] = json!("Opaque");
    s
}

/// `make rsshub-backup` exports the route Secrets the pod references (one
/// JSON file each, Helm's own left out) and `make rsshub-restore` applies
/// them: the backup runs against a stand-in kubectl that answers as the
/// API server would, the real age, tar and jq; the restore runs real
/// kubectl against the in-process stub of the Kubernetes API in
/// scripts/helm.py (discovery of Kubernetes 1.33, every create accepted
/// and recorded). The export validates against the strict Secret schema,
/// keeps no server fields, and what kubectl sends back holds every value
/// byte for byte: a multi-line key, CR, tab and quotes, non-UTF-8 bytes.
/// Not run here: an API server's own admission and validation, and an
/// apply over an existing Secret (the stub has none).
#[test]
fn rsshub_route_secrets_survive_export_and_restore_byte_for_byte() {
    let tools = [
        "make",
        "age",
        "age-keygen",
        "jq",
        "kubectl",
        "python3",
        "tar",
    ];
    for t in tools {
        if !require(tool(t).is_some(), t) {
            return;
        }
    }
    let validate = repo().join(".tools/py/kubernetes_validate");
    if !require(validate.is_dir(), "kubernetes-validate in .tools/py") {
        return;
    }
    let w = tempfile::tempdir().unwrap();
    let dir = w.path();
    let bin = dir.join("bin");
    std::fs::create_dir(&bin).unwrap();
    let (ok, out) = sh(
        "age-keygen -o key.txt 2>/dev/null && age-keygen -y key.txt",
        dir,
        &[],
    );
    assert!(ok, "{out}");
    let recipient = out.trim().to_string();

    let pem = b"-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n\
                q+/=line three\n-----END PRIVATE KEY-----\n";
    let creds = server_secret(
        dir,
        "route-creds",
        &[
            ("GITHUB_ACCESS_TOKEN", b"ghp_0123456789abcdef"),
            ("YOUTUBE_KEY", pem),
            ("COOKIE", b"a=1; b=\"two words\"\tc='3'\r\n"),
            ("RAW", &[0, 255, 10, 13, 128, b'=', 10]),
        ],
        json!({
            "labels": { "team": "feeds" },
            "annotations": {
                "note": "rotated 2025-11",
                "kubectl.kubernetes.io/last-applied-configuration": "{\"old\":true}"
            }
        }),
    );
    let token = server_secret(
        dir,
        "route-token",
        &[("TWITTER_TOKEN", b"t0k3n\n")],
        json!({}),
    );
    let helm_own = server_secret(
        dir,
        "rel-rsshub",
        &[("ACCESS_KEY", b"from-values")],
        json!({ "labels": { "app.kubernetes.io/managed-by": "Helm" } }),
    );
    let world = json!({ "route-creds": creds, "route-token": token, "rel-rsshub": helm_own });
    std::fs::write(dir.join("world.json"), world.to_string()).unwrap();

    // The backup's kubectl: the pod, the Secrets it references and the
    // release's labelled objects, as the API server returns them.
    let fake = format!(
        "#!/usr/bin/env python3\nimport json, sys\n\
         a = sys.argv[1:]\nw = json.load(open('{}'))\n\
         if 'get' not in a: sys.exit('unexpected: ' + ' '.join(a))\n\
         k = a[a.index('get') + 1]\no = ' '.join(a)\n\
         if k == 'pod' and '-l' in a: print('rel-rsshub-7d9f-x2v')\n\
         elif k == 'pod': print('route-creds rel-rsshub route-token route-creds')\n\
         elif k == 'secret,configmap': print(json.dumps({{'kind': 'List', 'items': []}}))\n\
         elif k == 'secret':\n    s = w[a[a.index('get') + 2]]\n\
         \x20   if 'managed-by' in o: print(s['metadata'].get('labels', {{}}).get('app.kubernetes.io/managed-by', ''), end='')\n\
         \x20   else: print(json.dumps(s, indent=2))\n\
         else: sys.exit('unexpected: ' + o)\n",
        dir.join("world.json").display()
    );
    let write_exec = |name: &str, text: &str| {
        let p = bin.join(name);
        std::fs::write(&p, text).unwrap();
        Command::new("chmod").arg("+x").arg(&p).status().unwrap();
        p
    };
    let backup_kubectl = write_exec("kubectl-backup", &fake);
    write_exec(
        "helm",
        "#!/bin/sh\ncase \"$1 $2 $3\" in *'get values'*) echo 'env: {}';; esac\n\
         echo \"$*\" >> \"${0%/*}/helm.log\"\n",
    );
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap());
    let make = |target: &str, kubectl: &Path| {
        let out = Command::new("make")
            .current_dir(dir)
            .args([
                "-s",
                "--no-print-directory",
                "-f",
                repo().join("make/rsshub.mk").to_str().unwrap(),
                target,
                "NAMESPACE=media",
                "RELEASE=rel",
                "BACKUP_DIR=backups",
                "AGE_KEY_FILE=key.txt",
            ])
            .arg(format!("AGE_RECIPIENT={recipient}"))
            .arg(format!("KUBECTL={}", kubectl.display()))
            .env("PATH", &path)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        let text = text(&out);
        assert!(out.status.success(), "{target}: {text}");
        text
    };
    let out = make("rsshub-backup", &backup_kubectl);
    assert!(out.contains("wrote backups/rsshub-*-"), "{out}");

    // The export as the restore reads it: one file per route Secret, none
    // for the one Helm renders from the values, schema-valid, and nothing
    // the server set on the object.
    let (ok, out) = sh(
        "mkdir x && age -d -i key.txt backups/rsshub-secrets-*.tar.gz.age | tar -C x -xzf - \
         && ls x/secrets",
        dir,
        &[],
    );
    assert!(ok, "{out}");
    assert_eq!(out, "route-creds.json\nroute-token.json\n");
    let exported: Value =
        serde_json::from_slice(&std::fs::read(dir.join("x/secrets/route-creds.json")).unwrap())
            .unwrap();
    let meta = exported["metadata"].as_object().unwrap();
    let mut keys: Vec<&str> = meta.keys().map(|k| k.as_str()).collect();
    keys.sort();
    assert_eq!(keys, ["annotations", "labels", "name"], "{exported}");
    assert_eq!(meta["annotations"], json!({ "note": "rotated 2025-11" }));
    let v = Command::new("python3")
        .args(["-m", "kubernetes_validate", "--strict", "-k", "1.33.0"])
        .arg(dir.join("x/secrets/route-creds.json"))
        .arg(dir.join("x/secrets/route-token.json"))
        .env("PYTHONPATH", repo().join(".tools/py"))
        .output()
        .unwrap();
    let said = text(&v);
    assert!(
        v.status.success() && said.matches("passed").count() == 2,
        "{said}"
    );

    // The restore, real kubectl against the stub API.
    let stub =
        crate::common::StubApi::start(&dir.join("kubeconfig"), Some(&dir.join("created.json")));
    // The stub serves no OpenAPI document, which kubectl's client-side
    // validation downloads: the strict schema check above stands in.
    let restore_kubectl = write_exec(
        "kubectl-stub",
        &format!(
            "#!/bin/sh\ncase \" $* \" in *' apply '*) set -- \"$@\" --validate=false;; esac\n\
             exec kubectl --kubeconfig '{}' \"$@\"\n",
            dir.join("kubeconfig").display()
        ),
    );
    let restored = std::panic::catch_unwind(|| make("rsshub-restore", &restore_kubectl));
    drop(stub);
    let out = restored.unwrap_or_else(|e| std::panic::resume_unwind(e));
    assert!(out.contains("secret/route-creds created"), "{out}");
    assert!(
        out.contains("restored rel from backups/rsshub-secrets-"),
        "{out}"
    );
    let created: Vec<Value> =
        serde_json::from_slice(&std::fs::read(dir.join("created.json")).unwrap()).unwrap();
    let secrets: Vec<&Value> = created.iter().filter(|o| o["kind"] == "Secret").collect();
    assert_eq!(secrets.len(), 2, "{created:?}");
    for (sent, original) in secrets
        .iter()
        .zip([&world["route-creds"], &world["route-token"]])
    {
        let name = original["metadata"]["name"].as_str().unwrap();
        assert_eq!(sent["metadata"]["name"], name);
        assert_eq!(sent["metadata"]["namespace"], "media", "{name}");
        assert_eq!(sent["type"], original["type"], "{name}");
        // kubectl's own encoding of the original bytes, unchanged.
        assert_eq!(sent["data"], original["data"], "{name}");
        // Not the old object's identity: the server gives it a new one.
        assert_ne!(
            sent["metadata"]["uid"], original["metadata"]["uid"],
            "{name}"
        );
        assert_eq!(sent["metadata"]["resourceVersion"], "1", "{name}");
        assert!(sent["metadata"].get("managedFields").is_none(), "{name}");
    }
    assert_eq!(secrets[0]["metadata"]["labels"], json!({ "team": "feeds" }));
    assert_eq!(
        secrets[0]["metadata"]["annotations"]["note"],
        "rotated 2025-11"
    );
    let last = secrets[0]["metadata"]["annotations"]
        ["kubectl.kubernetes.io/last-applied-configuration"]
        .as_str()
        .unwrap();
    assert!(!last.contains("\"old\""), "{last}");
    assert!(
        std::fs::read_to_string(bin.join("helm.log"))
            .unwrap()
            .contains("upgrade --install rel"),
        "the release is reinstalled after the Secrets"
    );
}
