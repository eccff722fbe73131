//! Named snippets: shell (and whole steps) that many specs would otherwise
//! write out again, written once here with their parameters, and make
//! targets composed from the guide's own steps.
//!
//! - A line of a `run` block that is only `{{use NAME key=value ...}}`
//!   is replaced by the snippet's shell, indented like the line; `NAME`
//!   may also be one of the spec's own `fragments` (shell it says more
//!   than once, without parameters), expanded the same way, its own
//!   `{{use}}` lines included;
//! - a step with `use: NAME` (and its parameters in `with:`) gets the
//!   snippet's title, why, command and expected result, each of which the
//!   step may override; the step's own `run`, if any, follows the snippet's;
//! - an operation with `steps: [<procedure>/<n>]` instead of `run:` runs
//!   those steps of the guide, one source for both (see [`compose`]).
//!
//! The same pass over each `run` line writes the two tokens that sit
//! inside a command line, `{{pod}}` ([`super::pod_exec`]) and `{{make}}`
//! ([`super::make_call`]), in a fragment's lines too; only a shell step
//! may hold them (`SHELL_TOKENS`).
//!
//! [`expand`] runs when the spec is parsed, before the profile and the
//! shared components expand, so validation, the runbook lint, the guides,
//! the make targets and `gen procedures` see ordinary steps and commands.
//! A missing or unknown parameter, or an unknown snippet, is an error at
//! the line that names it.
//!
//! The snippets live in the binary, like the profile and the built-in
//! configuration export, not in a library of YAML files: each one's
//! expansion is unit-tested and shellchecked here once, a spec stays one
//! file that parses on its own (`gen check`, the editor schema and the
//! fuzz tests read single files), and a repository that adopts gen gets
//! them without copying a library.

use std::collections::BTreeMap;

use super::positions::Shared;
use super::profile::{Connection, Value};
use super::types::{Spec, Step, WorkloadKind};
use super::{Context, SpecFile};
use crate::diagnostics::{did_you_mean, Diagnostic};

/// One parameter of a snippet.
pub struct Param {
    pub name: &'static str,
    /// `None`: the parameter is required.
    pub default: Option<&'static str>,
    pub help: &'static str,
}

/// One named snippet.
pub struct Snippet {
    pub name: &'static str,
    /// One line for `gen docs spec-format` and for error messages.
    pub help: &'static str,
    pub params: &'static [Param],
    /// The shell, from the parameters (every one present, defaults filled
    /// in) and the spec.
    body: fn(&Args, &Spec) -> String,
    /// For a whole step: title, why and expect, from the same.
    prose: Option<fn(&Args, &Spec) -> [String; 3]>,
    /// What of the spec it builds on.
    needs: Needs,
}

/// What a snippet needs the spec to state.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    /// `backup.database`, or the same `DB_*` variables declared.
    Postgresql,
    /// A MySQL server named by the `DB_*` variables the spec declares
    /// (there is no MySQL profile).
    Mysql,
    /// `backup.config_export`, whose files it writes or reads.
    ConfigExport,
    /// A `REPLICAS` variable, which the chart's restore target scales the
    /// workload to when it is done.
    Replicas,
    /// A workload kubectl can scale (not a DaemonSet), unless `ref` names
    /// another; and with a `replicas` parameter left at `"$REPLICAS"`, that
    /// variable declared.
    Scalable,
}

/// The parameters of one use, defaults filled in.
pub type Args = BTreeMap<String, String>;

/// The parameters of one use as written.
pub type Given = BTreeMap<String, String>;

fn arg<'a>(a: &'a Args, k: &str) -> &'a str {
    a.get(k).map_or("", String::as_str)
}

/// Every snippet, by name.
pub const SNIPPETS: &[Snippet] = &[
    Snippet {
        name: "port-forward",
        help: "forward a local port to the pod in the background for the rest of the \
command: wait until kubectl listens (at most `PF_WAIT` seconds, 30 by default), fail with \
kubectl's own message when it does not, and stop it on exit",
        params: &[
            Param {
                name: "ports",
                default: None,
                help: "LOCAL:REMOTE, e.g. 3100:3100; several separated by commas",
            },
            Param {
                name: "to",
                default: Some("\"pod/$POD\""),
                help: "what to forward to, as kubectl names it (a shell word)",
            },
            Param {
                name: "ns",
                default: Some("\"$NAMESPACE\""),
                help: "the namespace of `to` (a shell word), e.g. \"$MINIO_NAMESPACE\"",
            },
        ],
        body: |a, _| {
            let pf = wrap(
                "(exec ${KUBECTL:-kubectl}",
                &[
                    &format!("-n {}", arg(a, "ns")),
                    "port-forward",
                    arg(a, "to"),
                    &format!("{}) >\"$PFO\" 2>&1 &", arg(a, "ports").replace(',', " ")),
                ],
                super::validate::MAX_WRITTEN_LINE,
            );
            format!(
                "PFO=$(mktemp)\n{pf}PF=$! W=0; trap 'kill \"$PF\" 2>/dev/null || :; rm -f \"$PFO\"' EXIT\n\
until grep -q '^Forwarding from' \"$PFO\"; do\n  kill -0 \"$PF\" 2>/dev/null || break\n  \
[ $((W += 1)) -le $((${{PF_WAIT:-30}} * 5)) ] || break; sleep 0.2\ndone\n\
grep -q '^Forwarding from' \"$PFO\" || {{ kill \"$PF\" 2>/dev/null || :\n  \
cat \"$PFO\"; echo \"kubectl port-forward failed or timed out\" \\\n    \
\"(${{PF_WAIT:-30}} s)\"; false; }} >&2\n"
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "port-forward-stop",
        help: "stop the forward `port-forward` started, before the command ends: at the \
end of a guide's step (the operator's shell lives on) or of a loop's turn; a forward that \
has ended already is no error",
        params: &[],
        body: |_, _| {
            "kill \"$PF\" 2>/dev/null || :; wait \"$PF\" 2>/dev/null || :\n\
rm -f \"$PFO\"; trap - EXIT\n"
                .into()
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "newest",
        help: "set a variable to the newest backup file matching a pattern (FILE= picks \
another), and stop when there is none",
        params: &[
            Param {
                name: "glob",
                default: None,
                help: "file name pattern in $BACKUP_DIR, e.g. redis-*.rdb",
            },
            Param {
                name: "var",
                default: Some("F"),
                help: "the shell variable to set",
            },
        ],
        body: |a, _| newest(arg(a, "glob"), arg(a, "var")),
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "render-key",
        help: "write one key of the chart's ConfigMaps, as `helm template` renders it from a \
values file, to a file the next lines check",
        params: &[
            Param {
                name: "key",
                default: None,
                help: "the ConfigMap's data key, e.g. alertmanager.yml",
            },
            Param {
                name: "out",
                default: Some(""),
                help: "the file written (empty: named like the key)",
            },
            Param {
                name: "values",
                default: Some("values.yaml"),
                help: "the values file `helm template` renders with",
            },
        ],
        body: |a, _| {
            let key = arg(a, "key");
            let out = Some(arg(a, "out")).filter(|o| !o.is_empty()).unwrap_or(key);
            format!(
                "helm template \"$RELEASE\" \"$CHART\" -f {values} \\\n  \
| yq -r 'select(.kind == \"ConfigMap\") | .data.\"{key}\"' \\\n  > {out}\n",
                values = arg(a, "values")
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "scale-to-zero",
        help: "stop the workload and wait until its pods are gone",
        params: &[
            NAME_PARAM,
            REF_PARAM,
            GONE_TIMEOUT,
            PODS_PARAM,
        ],
        body: |a, s| {
            let scale = fit(
                &format!("kubectl -n \"$NAMESPACE\" scale {}", workload(a, s)),
                "--replicas=0",
            );
            format!("{scale}{}", pods_gone(a))
        },
        prose: None,
        needs: Needs::Scalable,
    },
    Snippet {
        name: "pods-gone",
        help: "wait until no live pod of the release (or of `pods`) is left, and fail if one \
still is when the wait ends",
        params: &[
            GONE_TIMEOUT,
            PODS_PARAM,
        ],
        body: |a, _| pods_gone(a),
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "scale-up",
        help: "start the workload again with `$REPLICAS` (or a fixed count of) pods and \
follow its rollout, unless the count is 0 (kept stopped)",
        params: &[
            NAME_PARAM,
            REF_PARAM,
            Param {
                name: "replicas",
                default: Some("\"$REPLICAS\""),
                help: "the pod count, a shell word, e.g. \"$KC_REPLICAS\" or 1",
            },
            Param {
                name: "timeout",
                default: Some(""),
                help: "how long `kubectl rollout status` waits, e.g. 10m; empty: until done",
            },
        ],
        body: |a, s| {
            let (w, n) = (workload(a, s), arg(a, "replicas"));
            let scale = fit(
                &format!("kubectl -n \"$NAMESPACE\" scale {w}"),
                &format!("--replicas={n}"),
            );
            // A count held in a variable may be 0; a fixed one is not.
            let guard = if n.bytes().all(|b| b.is_ascii_digit()) {
                String::new()
            } else {
                format!("[ {n} = 0 ]")
            };
            let rollout = rollout_status(&w, arg(a, "timeout"), &guard);
            format!("{scale}{rollout}")
        },
        prose: None,
        needs: Needs::Scalable,
    },
    Snippet {
        name: "scale-down-recorded",
        help: "stop the Deployments and StatefulSets matching `pods` after recording each \
running one's replica count in its annotation `gen.helm/<var>`, which `scale-back` restores",
        params: &[
            VAR_RECORD,
            Param {
                name: "pods",
                default: Some("app.kubernetes.io/instance=\"$RELEASE\""),
                help: "the label selector of the Deployments and StatefulSets to stop \
(a shell word, e.g. \"$APP_SEL\")",
            },
            Param {
                name: "ref",
                default: Some(""),
                help: "a shell word that holds one workload as kubectl names it \
(kind/name), e.g. \"deployment/$MM2_DEPLOYMENT\", to stop instead of the selector's",
            },
        ],
        body: |a, _| scale_down_recorded(arg(a, "var"), arg(a, "pods"), arg(a, "ref")),
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "scale-back",
        help: "start the workloads `scale-down-recorded` stopped again, in any shell, each \
at the count its annotation `gen.helm/<var>` recorded, and remove the record",
        params: &[
            VAR_RECORD,
            Param {
                name: "override",
                default: Some(""),
                help: "the name of a variable (e.g. REPLICAS) whose value, when not empty, \
replaces every recorded count; 0 keeps the workloads stopped and their record",
            },
        ],
        body: |a, _| scale_back(arg(a, "var"), arg(a, "override")),
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "find-pod",
        help: "look `$POD` up again after a step replaced the pod (a restart, a scale-up, \
`helm upgrade` or `rollback`): wait for the workload's rollout, then take the newest \
running pod of `$SELECTOR`, and fail when there is none",
        params: &[
            NAME_PARAM,
            REF_PARAM,
            Param {
                name: "timeout",
                default: Some("300s"),
                help: "how long `kubectl rollout status` waits, e.g. 10m",
            },
        ],
        body: |a, s| find_pod(&workload(a, s), arg(a, "timeout")),
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "unpack",
        help: "in a helper pod, remove the named files of a volume, unpack a .tar.gz onto \
it, and delete the pod",
        params: &[
            Param {
                name: "pod",
                default: None,
                help: "the helper pod (see helper-pod), a shell word, e.g. \"$H\"",
            },
            Param {
                name: "dir",
                default: None,
                help: "where it mounts the volume, e.g. /data",
            },
            Param {
                name: "file",
                default: Some("\"$F\""),
                help: "the .tar.gz archive on this machine (a shell word)",
            },
            Param {
                name: "clear",
                default: Some(""),
                help: "names in `dir` to remove first, joined by commas, e.g. \
kuma.db,kuma.db-wal,upload",
            },
        ],
        body: |a, _| {
            let (pod, dir) = (arg(a, "pod"), arg(a, "dir"));
            let clear = match arg(a, "clear") {
                "" => String::new(),
                c => format!(
                    "kubectl -n \"$NAMESPACE\" exec {pod} -- sh -c 'cd {dir} && \\\n  \
rm -rf {}'\n",
                    c.replace(',', " ")
                ),
            };
            let tar = fit(
                &format!("kubectl -n \"$NAMESPACE\" exec -i {pod} -- tar -C {dir} -xzf -"),
                &format!("< {}", arg(a, "file")),
            );
            format!("{clear}{tar}kubectl -n \"$NAMESPACE\" delete pod {pod} --wait=true\n")
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "helper-pod",
        help: "start a throwaway pod that mounts a PVC, and wait until it runs; \
`kubectl exec -i` into it, then delete it. With a `user`, it meets the restricted \
Pod Security Standard",
        params: &[
            Param {
                name: "name",
                default: None,
                help: "the pod's name, e.g. $RELEASE-restore",
            },
            Param {
                name: "claim",
                default: None,
                help: "the PVC to mount, e.g. $PVC",
            },
            Param {
                name: "mount",
                default: None,
                help: "where it is mounted, e.g. /data",
            },
            Param {
                name: "image",
                default: Some("$HELPER_IMAGE"),
                help: "the pod's image (HELPER_IMAGE defaults to busybox)",
            },
            Param {
                name: "user",
                default: Some(""),
                help: "uid (and gid, fsGroup) to run as, e.g. 1000; empty: the image's",
            },
            Param {
                name: "timeout",
                default: Some("180s"),
                help: "how long to wait for it to run",
            },
            Param {
                name: "seconds",
                default: Some("3600"),
                help: "how long it lives at most if nobody deletes it",
            },
        ],
        body: |a, _| {
            let user = arg(a, "user");
            // With a user: the restricted Pod Security Standard, so the
            // helper starts in a namespace that enforces it.
            let (pod_security, container_security) = if user.is_empty() {
                (String::new(), String::new())
            } else {
                (
                    format!(
                        "  securityContext:\n    runAsNonRoot: true\n    \
runAsUser: {user}\n    runAsGroup: {user}\n    fsGroup: {user}\n    \
fsGroupChangePolicy: OnRootMismatch\n    seccompProfile: {{ type: RuntimeDefault }}\n"
                    ),
                    "      securityContext:\n        allowPrivilegeEscalation: false\n        \
capabilities: { drop: [ALL] }\n"
                        .to_string(),
                )
            };
            format!(
                "kubectl -n \"$NAMESPACE\" apply -f - <<EOF\napiVersion: v1\nkind: Pod\n\
metadata: {{ name: {name} }}\nspec:\n  restartPolicy: Never\n{pod_security}  containers:\n    \
- name: h\n      image: {image}\n      command: [sleep, \"{seconds}\"]\n{container_security}      \
volumeMounts: [{{ name: d, mountPath: {mount} }}]\n  volumes:\n    - name: d\n      \
persistentVolumeClaim: {{ claimName: {claim} }}\nEOF\n\
kubectl -n \"$NAMESPACE\" wait --for=condition=Ready \\\n  \"pod/{name}\" --timeout={timeout}\n",
                timeout = arg(a, "timeout"),
                seconds = arg(a, "seconds"),
                name = arg(a, "name"),
                image = arg(a, "image"),
                mount = arg(a, "mount"),
                claim = arg(a, "claim"),
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "upgrade-image",
        help: "upgrade the release to another image tag with the values it was deployed \
with (not the chart's defaults), or install a second release so, and wait for it",
        params: &[
            Param {
                name: "tag",
                default: None,
                help: "the image tag to run, e.g. v0.27.0",
            },
            Param {
                name: "file",
                default: None,
                help: "where the deployed values are kept meanwhile, e.g. /tmp/x-values.yaml",
            },
            Param {
                name: "timeout",
                default: Some("5m"),
                help: "how long Helm waits for the release to be ready",
            },
            Param {
                name: "release",
                default: Some(""),
                help: "install a second release of that name beside the deployed one \
(a side-by-side, canary or blue/green), e.g. \"$RELEASE-next\"; empty: upgrade the \
release in place",
            },
            Param {
                name: "set",
                default: Some(""),
                help: "more values for the new version, `key=value` pairs joined by \
commas as `--set` takes them, e.g. serviceMonitor.enabled=false",
            },
        ],
        body: |a, _| {
            let f = arg(a, "file");
            let verb = match arg(a, "release") {
                "" => "upgrade \"$RELEASE\"".to_string(),
                r => format!("install {r}"),
            };
            let more = match arg(a, "set") {
                "" => String::new(),
                v => format!(" \\\n  --set {v} \\\n "),
            };
            format!(
                "helm -n \"$NAMESPACE\" get values \"$RELEASE\" -o yaml \\\n  > {f}\n\
helm -n \"$NAMESPACE\" {verb} \"$CHART\" \\\n  \
--version \"$CHART_VERSION\" -f {f} \\\n  \
--set image.tag={}{more} --wait --timeout {}\nrm -f {f}\n",
                arg(a, "tag"),
                arg(a, "timeout")
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "upgrade-rollout",
        help: "upgrade the release to the spec's chart version with a values file, and \
follow the workload's rollout",
        params: &[
            Param {
                name: "values",
                default: Some("values.yaml"),
                help: "the values file the release is kept in",
            },
            Param {
                name: "set",
                default: Some(""),
                help: "one `--set key=value` more, e.g. image.tag=v0.29.0",
            },
            Param {
                name: "timeout",
                default: Some(""),
                help: "how long `kubectl rollout status` waits, e.g. 15m; empty: until done",
            },
        ],
        body: |a, s| {
            let set = match arg(a, "set") {
                "" => String::new(),
                v => format!(" --set {v}"),
            };
            format!(
                "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" \\\n  \
--version {} -f {}{set}\n{}",
                s.chart_version.to,
                arg(a, "values"),
                release_rollout(s, arg(a, "timeout")),
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "upgrade-reuse",
        help: "upgrade the release with the values it was last deployed with (`--reuse-values`) and a few `--set` changes, optionally waiting for it or following the workload's rollout",
        params: &[
            Param {
                name: "set",
                default: None,
                help: "`key=value` pairs joined by commas, one `--set` each, e.g. \
image.tag=2.8.1,replicaCount=0 (a double-quoted word may hold `$VARIABLES`)",
            },
            Param {
                name: "wait",
                default: Some(""),
                help: "`yes`: `--wait`; a duration such as 20m: `--wait --timeout 20m`; \
empty: Helm returns at once",
            },
            Param {
                name: "rollout",
                default: Some(""),
                help: "`yes`: then `kubectl rollout status` of the workload; a duration \
such as 15m: with that `--timeout`; empty: neither",
            },
        ],
        body: |a, s| {
            let mut words = vec![
                "--version \"$CHART_VERSION\"".to_string(),
                "--reuse-values".into(),
            ];
            words.extend(set_pairs(arg(a, "set")).map(|p| format!("--set {p}")));
            match arg(a, "wait") {
                "" => {}
                "yes" => words.push("--wait".into()),
                t => words.push(format!("--wait --timeout {t}")),
            }
            let rollout = match arg(a, "rollout") {
                "" => String::new(),
                "yes" => release_rollout(s, ""),
                t => release_rollout(s, t),
            };
            format!(
                "{}{rollout}",
                wrapped("helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\"", &words)
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "install-beside",
        help: "install a second release of the chart beside the deployed one, with the \
chart's defaults (or a values file) and a few `--set` values, and wait for it",
        params: &[
            Param {
                name: "release",
                default: None,
                help: "the new release's name, e.g. redis-new",
            },
            Param {
                name: "set",
                default: None,
                help: "`key=value` pairs joined by commas, one `--set` each, as in \
`upgrade-reuse`, e.g. \"image.tag=$TARGET_VERSION\"",
            },
            Param {
                name: "values",
                default: Some(""),
                help: "a values file to start from (`-f`), e.g. \
\"$BACKUP_DIR/x-values-<ts>.yaml\"; empty: the chart's defaults",
            },
            Param {
                name: "set_file",
                default: Some(""),
                help: "`key=path` pairs joined by commas, one `--set-file` each: a secret \
read from a file, whose commas and backslashes `--set` would parse",
            },
        ],
        body: |a, _| {
            let mut words = vec!["--version \"$CHART_VERSION\"".to_string()];
            match arg(a, "values") {
                "" => {}
                v => words.push(format!("-f {v}")),
            }
            words.extend(set_pairs(arg(a, "set")).map(|p| format!("--set {p}")));
            words.extend(set_pairs(arg(a, "set_file")).map(|p| format!("--set-file {p}")));
            words.push("--wait".into());
            wrapped(
                &format!("helm -n \"$NAMESPACE\" install {} \"$CHART\"", arg(a, "release")),
                &words,
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "upgrade-dry-run",
        help: "render the upgrade of the release to CHART at CHART_VERSION with the values \
it was deployed with, changing nothing",
        params: &[Param {
            name: "quiet",
            default: Some(""),
            help: "`yes`: discard the rendered manifests and say `upgrade renders cleanly`; \
empty: print them",
        }],
        body: |a, _| {
            let (to, done) = match arg(a, "quiet") {
                "" => ("", ""),
                _ => (" > /dev/null", "echo \"upgrade renders cleanly\"\n"),
            };
            format!(
                "tmp=$(mktemp)\n\
helm -n \"$NAMESPACE\" get values \"$RELEASE\" -o yaml > \"$tmp\"\n\
helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" \\\n  \
--version \"$CHART_VERSION\" -f \"$tmp\" --dry-run{to}\nrm -f \"$tmp\"\n{done}"
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "encrypt",
        help: "encrypt a backup file in BACKUP_DIR to AGE_RECIPIENT, beside it as \
<file>.age, before it leaves the host",
        params: &[
            Param {
                name: "file",
                default: None,
                help: "the file's name in $BACKUP_DIR, e.g. x-$TS.tar; a pattern with `*` \
(x-*.tar.gz) takes the newest match, as `newest` does",
            },
            Param {
                name: "remove",
                default: Some(""),
                help: "`yes`: remove the clear copy once it is encrypted; empty: keep it",
            },
        ],
        body: |a, s| {
            let file = arg(a, "file");
            let (first, src) = if file.contains('*') {
                let newest = find("newest").expect("a snippet");
                let given = Given::from([("glob".to_string(), file.to_string())]);
                let args = args(newest, &given).expect("its parameters");
                ((newest.body)(&args, s), "\"$F\"".to_string())
            } else {
                (String::new(), format!("\"$BACKUP_DIR/{file}\""))
            };
            // The same quoted word with `.age` before its closing quote.
            let out = format!("{}.age\"", &src[..src.len() - 1]);
            let mut words = vec![format!("-o {out}"), src.clone()];
            if arg(a, "remove") == "yes" {
                words.push(format!("&& rm -f {src}"));
            }
            first + &wrapped("age -r \"$AGE_RECIPIENT\"", &words)
        },
        prose: Some(|a, _| {
            let file = arg(a, "file");
            [
                "Encrypt the archive before it leaves the host".into(),
                "Only the holder of the age identity of `AGE_RECIPIENT` can read the \
encrypted copy; the clear archive stays on this host."
                    .into(),
                if file.contains('*') {
                    "An `.age` file next to the archive.".into()
                } else {
                    format!("`{}.age` beside the archive.", file.replace("$TS", "<timestamp>"))
                },
            ]
        }),
        needs: Needs::Nothing,
    },
    Snippet {
        name: "encrypt-dir",
        help: "pack a temporary directory as tar.gz straight into an age-encrypted file \
of BACKUP_DIR, then remove the directory",
        params: &[
            Param {
                name: "file",
                default: None,
                help: "the encrypted archive's name in $BACKUP_DIR, e.g. x-config-$TS.tar.gz.age",
            },
            Param {
                name: "dir",
                default: Some("\"$tmp\""),
                help: "the directory to pack, whose contents go in as `./...`",
            },
        ],
        body: |a, _| {
            let dir = arg(a, "dir");
            format!(
                "tar -C {dir} -czf - . | age -r \"$AGE_RECIPIENT\" \\\n  \
> \"$BACKUP_DIR/{}\"\nrm -rf {dir}\n",
                arg(a, "file")
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "pg-client",
        help: "start a one-off PostgreSQL client pod that connects as `backup.database` \
does (the password, or the URL, from the Secret on stdin, then the file `stdin` if \
given); the lines after it are its script, ending with `'`",
        params: &[
            Param {
                name: "name",
                default: None,
                help: "the pod's name after `$FULLNAME-`, e.g. db-check",
            },
            Param {
                name: "stdin",
                default: Some(""),
                help: "a file the script reads on stdin after the Secret's line, e.g. \"$F\"",
            },
            URL_PARAM,
        ],
        body: |a, s| {
            let input = Some(arg(a, "stdin")).filter(|f| !f.is_empty());
            let (c, v) = connection(a, s);
            super::profile::client_start(c, v, arg(a, "name"), input)
        },
        prose: None,
        needs: Needs::Postgresql,
    },
    Snippet {
        name: "pg-restore",
        help: "empty schema `public` and restore a custom-format dump into the database, \
as the restore step of `backup.database` does",
        params: &[
            Param {
                name: "file",
                default: Some("\"$F\""),
                help: "the dump (a shell word)",
            },
            URL_PARAM,
        ],
        body: |a, s| {
            let (c, v) = connection(a, s);
            super::profile::restore_command(c, v, arg(a, "file"))
        },
        prose: None,
        needs: Needs::Postgresql,
    },
    Snippet {
        name: "mysql-client",
        help: "start a one-off MySQL client pod that connects to `$DB_HOST` as `$DB_USER` \
(the password from the Secret on stdin, then the gzip file `gunzip` if given, \
decompressed); the lines after it are its script, ending with `'`",
        params: &[
            Param {
                name: "name",
                default: None,
                help: "the pod's name after `$FULLNAME-`, e.g. db-check",
            },
            Param {
                name: "gunzip",
                default: Some(""),
                help: "a gzip file (a dump) the script reads on stdin after the password, \
e.g. \"$F\"",
            },
        ],
        body: |a, _| {
            let feed = match arg(a, "gunzip") {
                "" => "printf '%s\\n' \"$PW\" \\\n".to_string(),
                f => format!("{{ printf '%s\\n' \"$PW\"; gunzip -c {f}; }} \\\n"),
            };
            format!(
                "PW=$(kubectl -n \"$NAMESPACE\" get secret \"$DB_SECRET\" \\\n  \
-o jsonpath=\"{{.data.$DB_SECRET_KEY}}\" | base64 -d)\n{feed}  \
| kubectl -n \"$NAMESPACE\" run \"$FULLNAME-{name}\" \\\n  \
-i --rm --quiet --restart=Never --image={MYSQL_IMAGE} \\\n  \
--env=DB_HOST=\"${{DB_HOST:?set DB_HOST}}\" --env=DB_PORT=\"$DB_PORT\" \\\n  \
--env=DB_USER=\"$DB_USER\" --env=DB_NAME=\"$DB_NAME\" --command -- \\\n  \
sh -c 'read -r MYSQL_PWD; export MYSQL_PWD\n",
                name = arg(a, "name"),
            )
        },
        prose: None,
        needs: Needs::Mysql,
    },
    Snippet {
        name: "chart-available",
        help: "a whole step: check that the chart the targets install is at hand, and \
say how to use the published repository instead",
        params: &[
            Param {
                name: "repo",
                default: None,
                help: "the name the published repository is added as, e.g. sb-charts \
(default: `[repository] name` of gen.toml)",
            },
            Param {
                name: "url",
                default: None,
                help: "the published repository's URL (default: `[repository] url` of gen.toml)",
            },
        ],
        body: |_, _| "helm show chart \"$CHART\" | grep -E '^(name|version):'\n".into(),
        prose: Some(|a, s| {
            let (chart, version) = (&s.name, &s.chart_version.to);
            [
                "Check the chart is available".into(),
                format!(
                    "The targets install from the checked-out collection \
(`./charts/{chart}`). On a machine without it, add the published repository \
(`helm repo add {repo}` with the URL <{url}>) and set `CHART={repo}/{chart}` and \
`CHART_VERSION={version}`.",
                    repo = arg(a, "repo"),
                    url = arg(a, "url"),
                ),
                format!("`name: {chart}` and `version: {version}`."),
            ]
        }),
        needs: Needs::Nothing,
    },
    Snippet {
        name: "helm-rollback",
        help: "a whole step: roll the release back to its previous revision with Helm and \
wait for its pods",
        params: &[
            Param {
                name: "timeout",
                default: Some(""),
                help: "how long Helm waits for the pods, e.g. 20m; empty: Helm's 5m",
            },
            Param {
                name: "history",
                default: Some(""),
                help: "`yes`: list the last five revisions first, to see which one it \
goes back to; empty: do not",
            },
        ],
        body: |a, _| {
            let timeout = match arg(a, "timeout") {
                "" => String::new(),
                t => format!(" --timeout {t}"),
            };
            let history = match arg(a, "history") {
                "yes" => "helm -n \"$NAMESPACE\" history \"$RELEASE\" --max 5\n",
                _ => "",
            };
            format!(
                "{history}helm -n \"$NAMESPACE\" rollback \"$RELEASE\" 0 --wait{timeout}\n"
            )
        },
        prose: Some(|_, _| {
            [
                "Roll back the release".into(),
                "Revision `0` is the one before the current; Helm restores its image, \
values and templates, and `--wait` returns once its pods are ready."
                    .into(),
                String::new(),
            ]
        }),
        needs: Needs::Nothing,
    },
    Snippet {
        name: "helm-rollback-image",
        help: "lines: roll the release back to the newest revision on another image than \
the deployed one (an upgrade that took several revisions on the new image), to the \
previous revision when every revision runs one image (a configuration change), or to \
`$REVISION` when set; print each revision's image and which one it goes to and why, and \
fail when there is no earlier revision",
        params: &[
            Param {
                name: "key",
                default: Some("image.tag"),
                help: "the values key of the image tag, e.g. immich.server.image.tag; \
where it is empty the revision's app version counts",
            },
            Param {
                name: "timeout",
                default: Some(""),
                help: "how long Helm waits for the pods, e.g. 15m; empty: Helm's 5m",
            },
        ],
        body: |a, _| {
            let key = arg(a, "key");
            let timeout = match arg(a, "timeout") {
                "" => String::new(),
                t => format!(" --timeout {t}"),
            };
            format!(
                r#"K={key}
IMAGES=$(helm -n "$NAMESPACE" history "$RELEASE" -o json \
  | jq -r '.[] | "\(.revision) \(.app_version)"' | while read -r r a; do
  t=$(helm -n "$NAMESPACE" get values "$RELEASE" --revision "$r" -a \
    -o json | jq -r --arg k "$K" 'getpath($k / ".") // ""')
  echo "$r ${{t:-$a}}"
done)
echo "$IMAGES" | sed 's/^/revision /'
PICK=$(echo "$IMAGES" | awk -v want="${{REVISION:-}}" '
  {{ r[NR] = $1; i[NR] = $2 }}
  END {{
    n = NR - 1
    while (n > 0 && i[n] == i[NR]) n--
    if (want != "") print want, "REVISION=" want " was asked for"
    else if (n > 0) print r[n], "the newest revision on " i[n] \
      ", another image than the deployed " i[NR]
    else if (NR > 1) print r[NR - 1], "every revision runs " i[NR] \
      ", so the previous one (a configuration change)"
  }}')
REV=${{PICK%% *}}
if [ -n "$REV" ]; then
  echo "rolling back to revision $REV: ${{PICK#* }}"
  helm -n "$NAMESPACE" rollback "$RELEASE" "$REV" --wait{timeout}
else
  echo "$RELEASE has no earlier revision: nothing rolled back" >&2
  false
fi
"#
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "backup-before-upgrade",
        help: "a whole step (or a line): take a fresh backup with the chart's own \
`make <chart>-backup`, into BACKUP_DIR, before the upgrade",
        params: &[],
        body: |_, s| super::make_call::call(&s.name, "backup", &["BACKUP_DIR=\"$BACKUP_DIR\"".into()]),
        prose: Some(|_, _| {
            [
                "Back up right before the upgrade".into(),
                "A rollback can only restore what was backed up after the last write.".into(),
                String::new(),
            ]
        }),
        needs: Needs::Nothing,
    },
    Snippet {
        name: "running-image",
        help: "a line: print the image the workload's first container runs, to note \
before an upgrade (the way back)",
        params: &[],
        body: |_, s| {
            format!(
                "kubectl -n \"$NAMESPACE\" get {} \"$FULLNAME\" \\\n  \
-o jsonpath='{{.spec.template.spec.containers[0].image}}{{\"\\n\"}}'\n",
                s.workload.kind.resource()
            )
        },
        prose: None,
        needs: Needs::Nothing,
    },
    Snippet {
        name: "restore-stopped",
        help: "a line: restore a backup with the chart's own `make <chart>-restore`, \
leaving the workload stopped (`REPLICAS=0`), as an upgrade's rollback does before Helm \
rolls back",
        params: &[
            Param {
                name: "file",
                default: None,
                help: "the backup file in $BACKUP_DIR, e.g. x-<pre-upgrade-ts>.tar.gz",
            },
            Param {
                name: "more",
                default: Some(""),
                help: "one more make variable of the target, e.g. SKIP_BLOBS=1",
            },
        ],
        body: |a, s| {
            let vars = ["REPLICAS=0", arg(a, "more"), &format!("FILE=\"$BACKUP_DIR/{}\"", arg(a, "file"))];
            let vars: Vec<String> = vars.iter().filter(|v| !v.is_empty()).map(|v| v.to_string()).collect();
            super::make_call::call(&s.name, "restore", &vars)
        },
        prose: None,
        needs: Needs::Replicas,
    },
    Snippet {
        name: "config-export",
        help: "the built-in configuration export's own command (backup.config_export): \
values to <chart>-values-<ts>.yaml, Secrets and ConfigMaps age-encrypted to \
<chart>-k8s-<ts>.json.age",
        params: &[],
        body: |_, s| {
            let c = s.backup.config_export.clone().unwrap_or_default();
            super::share::export_run(&s.name, &c)
        },
        prose: Some(|_, s| {
            super::share::export_prose(&s.name, &s.backup.config_export.clone().unwrap_or_default())
        }),
        needs: Needs::ConfigExport,
    },
    Snippet {
        name: "config-restore",
        help: "decrypt and apply the newest (or CONFIG_FILE=) <chart>-k8s-*.json.age, then \
name its values file, or install the release with it",
        params: &[
            Param {
                name: "install",
                default: Some(""),
                help: "`yes`: `helm upgrade --install` the release with the export's values file",
            },
            Param {
                name: "set",
                default: Some(""),
                help: "one more `--set key=value` for that install, e.g. kibana.replicas=0",
            },
            Param {
                name: "diff",
                default: Some(""),
                help: "`yes`: compare the export with the live objects (`kubectl diff`, after \
the install) instead of applying it",
            },
        ],
        body: |a, s| {
            let sealed = s
                .backup
                .config_export
                .as_ref()
                .is_some_and(|c| c.encrypt_values);
            super::share::restore_run(
                &s.name,
                super::share::RestoreMode {
                    sealed,
                    ..restore_mode(a)
                },
            )
        },
        prose: Some(|a, s| {
            let chart = &s.name;
            let pick = format!(
                "The newest `{chart}-k8s-<ts>.json.age` of the configuration export (set \
`CONFIG_FILE` to take an older one) holds the release's Secrets and ConfigMaps: a \
restored release needs the same passwords and keys as its data. `jq` drops their \
namespace and makes Helm's ownership annotations name `$RELEASE` in `$NAMESPACE`, \
so they restore into another namespace or release name too and `helm install` \
adopts them."
            );
            if arg(a, "diff") == "yes" {
                [
                    "Compare the live Secrets and ConfigMaps with the export".into(),
                    format!("{pick} `kubectl diff` shows what drifted from it since."),
                    "`configuration identical`, or the drift to re-apply by hand.".into(),
                ]
            } else if arg(a, "install") == "yes" {
                [
                    "Restore the Secrets and ConfigMaps, and install the release with the saved values".into(),
                    format!("{pick} The values file of the same export installs it as it was."),
                    "`secret/...` and `configmap/...` `created` (or `configured`), then \
`STATUS: deployed`."
                        .into(),
                ]
            } else {
                [
                    "Restore the Secrets and ConfigMaps".into(),
                    format!(
                        "{pick} Give the values file it names to every later `helm upgrade` \
(`-f`), or the chart renders new random ones."
                    ),
                    format!(
                        "`secret/...` and `configmap/...` `created` (or `configured`), and \
the export's `{chart}-values-<ts>{}`.",
                        s.backup
                            .config_export
                            .as_ref()
                            .map_or(".yaml", |c| c.values_suffix())
                    ),
                ]
            }
        }),
        needs: Needs::ConfigExport,
    },
];

/// The MySQL client image of `mysql-client`: the collection's mysql chart
/// runs 8.4, and a client must not be older than the server it dumps.
const MYSQL_IMAGE: &str = "mysql:8.4.3";

/// `url` of `pg-client` and `pg-restore`: for a chart that keeps its URL
/// somewhere else than a Secret.
const URL_PARAM: Param = Param {
    name: "url",
    default: Some(""),
    help: "a shell word that already holds the connection URL, e.g. \"$U\", when the \
chart keeps it elsewhere than in a Secret; the client connects with it",
};

/// How `pg-client` and `pg-restore` connect: with the URL of `url`, else
/// as the spec's `backup.database` does, else with the password of the
/// `DB_*` variables.
fn connection<'a>(a: &'a Args, s: &Spec) -> (Connection, Value<'a>) {
    match arg(a, "url") {
        "" => (
            s.backup
                .database
                .as_ref()
                .map_or(Connection::Password, |d| d.connection),
            Value::Secret,
        ),
        url => (Connection::Url, Value::Word(url)),
    }
}

/// The `config-restore` parameters, as [`super::share::restore_run`] takes them.
fn restore_mode(a: &Args) -> super::share::RestoreMode<'_> {
    super::share::RestoreMode {
        install: arg(a, "install") == "yes",
        set: arg(a, "set"),
        diff: arg(a, "diff") == "yes",
        sealed: false,
    }
}

/// `name` of `scale-to-zero` and `scale-up`.
const NAME_PARAM: Param = Param {
    name: "name",
    default: Some("\"$FULLNAME\""),
    help: "the workload's name (a shell word), of the chart's `workload.kind`",
};

/// `ref` of `scale-to-zero` and `scale-up`: a workload whose kind the
/// chart leaves open, or found by its labels.
const REF_PARAM: Param = Param {
    name: "ref",
    default: Some(""),
    help: "a shell word that holds the workload as kubectl names it (kind/name), \
e.g. \"$DEP\", instead of `workload.kind` and `name`",
};

/// The workload `scale-to-zero` and `scale-up` scale: `ref`, else the
/// chart's kind and `name`.
fn workload(a: &Args, s: &Spec) -> String {
    match arg(a, "ref") {
        "" => format!("{} {}", s.workload.kind.resource(), arg(a, "name")),
        r => r.to_string(),
    }
}

/// `head tail` on one line up to the whole written width (nothing follows
/// `tail`), else `tail` on a continuation line; `head` alone without a `tail`.
fn fit(head: &str, tail: &str) -> String {
    match tail {
        "" => wrap(head, &[], super::validate::MAX_WRITTEN_LINE),
        t => wrap(head, &[t], super::validate::MAX_WRITTEN_LINE),
    }
}

/// `var` of `scale-down-recorded` and `scale-back`.
const VAR_RECORD: Param = Param {
    name: "var",
    default: Some("SCALED"),
    help: "the name of the record: the variable that holds its `kind/name=count` \
words, and the annotation `gen.helm/<var>` that keeps each count on its workload",
};

/// What a recorded stop reads: `get` (the `kubectl get` arguments), the
/// jsonpath `J` that starts each `kind/name=` word and the `end` that
/// follows each count. The Deployments and StatefulSets a selector picks
/// (`None`: the whole namespace), or the one workload `one` names. `A`
/// is the path of the record's annotation.
struct Recorded {
    get: String,
    j: &'static str,
    end: &'static str,
}

impl Recorded {
    fn new(pods: Option<&str>, one: &str) -> Recorded {
        let list = "J='{range .items[*]}{.kind}/{.metadata.name}='\n";
        let (get, j, end) = match (one, pods) {
            ("", Some(p)) => (
                format!("deployment,statefulset \\\n  -l {p}"),
                list,
                " {end}",
            ),
            ("", None) => ("deployment,statefulset".into(), list, " {end}"),
            (r, _) => (r.to_string(), "J='{.kind}/{.metadata.name}='\n", " "),
        };
        Recorded { get, j, end }
    }

    /// `J` and `A` set.
    fn paths(&self, var: &str) -> String {
        format!("{}A='{{.metadata.annotations.gen\\.helm/{var}}}'\n", self.j)
    }

    /// `kubectl get` of the workloads with the jsonpath `$J<field><end>`,
    /// lower-cased (kubectl names kinds in capitals).
    fn get(&self, field: &str) -> String {
        let Recorded { get, end, .. } = self;
        format!(
            "$(kubectl -n \"$NAMESPACE\" get \\\n  {get} \\\n  \
-o jsonpath=\"$J{field}{end}\" \\\n  | tr '[:upper:]' '[:lower:]'"
        )
    }

    /// `var=` the `kind/name=count` words of the workloads whose
    /// annotation `gen.helm/<var>` holds a count; a workload without one
    /// (its `kind/name=` word) is dropped.
    fn read(&self, var: &str) -> String {
        format!("{var}={} | sed 's/[^ =]*= //g')\n", self.get("$A"))
    }
}

/// `scale-down-recorded`: each running workload `pods` selects (or `one`
/// names) gets its count in the annotation `gen.helm/<var>` before all
/// of them are scaled to 0, so that a restart puts back the count each
/// had, not 1. The record lives on the workloads, not in the operator's
/// shell: it survives a lost shell, and a second stop (of workloads
/// already at 0) keeps the first record. The record is also kept in
/// `var` and printed. One scale by the selector, as the runbook checks
/// read it.
fn scale_down_recorded(var: &str, pods: &str, one: &str) -> String {
    let w = Recorded::new(Some(pods), one);
    let scale = match one {
        "" => format!("deployment,statefulset \\\n  -l {pods}"),
        r => r.to_string(),
    };
    format!(
        "{}for e in {}); do\n  \
[ \"${{e#*=}}\" = 0 ] || kubectl -n \"$NAMESPACE\" annotate \\\n    \
--overwrite \"${{e%=*}}\" gen.helm/{var}=\"${{e#*=}}\"\n\
done\n\
{}\
echo \"replicas before the stop: ${var}\"\n\
kubectl -n \"$NAMESPACE\" scale {scale} --replicas=0\n",
        w.paths(var),
        w.get("{.spec.replicas}"),
        w.read(var),
    )
}

/// `scale-back`: every workload of the namespace that carries the record
/// `gen.helm/<var>` scaled to its count, and the record removed. Read
/// from the cluster, so a new shell (or a make target) starts what the
/// stop recorded; nothing recorded starts nothing and says so. A
/// non-empty `override` variable replaces every count; at 0 the
/// workloads stay stopped and keep their record for a later start.
fn scale_back(var: &str, over: &str) -> String {
    let w = Recorded::new(None, "");
    let (count, remove) = match over {
        "" => (String::new(), String::new()),
        o => (format!("${{{o}:-"), format!("[ \"${{{o}:-}}\" = 0 ] || ")),
    };
    let close = if over.is_empty() { "" } else { "}" };
    format!(
        "{}{}\
echo \"replicas to put back: ${{{var}:-none recorded}}\"\n\
for e in ${var}; do\n  \
kubectl -n \"$NAMESPACE\" scale \"${{e%=*}}\" \\\n    \
--replicas=\"{count}${{e#*=}}{close}\"\n  \
{remove}kubectl -n \"$NAMESPACE\" annotate \\\n    \
\"${{e%=*}}\" gen.helm/{var}-\n\
done\n",
        w.paths(var),
        w.read(var),
    )
}

/// `timeout` of `scale-to-zero` and `pods-gone`.
const GONE_TIMEOUT: Param = Param {
    name: "timeout",
    default: Some("300s"),
    help: "how long `kubectl wait` waits for the pods to go",
};

/// `pods` of `scale-to-zero` and `pods-gone`.
const PODS_PARAM: Param = Param {
    name: "pods",
    default: Some("app.kubernetes.io/instance=\"$RELEASE\""),
    help: "the label selector of the pods to wait for (a shell word, e.g. \"$SEL\")",
};

/// Wait up to `timeout` until no live pod matches `pods`. A finished pod
/// (a `helm test` pod without a delete policy) never goes away, so only
/// live pods are waited for. `kubectl wait` also fails when nothing
/// matches (kubernetes#96676): then, as on a timeout, the step fails only
/// if a live pod is still there, never silently (a restore must not write
/// under a running server). The field selector is quoted for interactive
/// shells, where `!S` would be a history expansion.
fn pods_gone(a: &Args) -> String {
    let sel = arg(a, "pods");
    format!(
        "kubectl -n \"$NAMESPACE\" wait --for=delete pod --timeout={} \\\n  \
-l {sel} \\\n  {LIVE} || \\\n  \
test -z \"$(kubectl -n \"$NAMESPACE\" get pod -o name \\\n    \
-l {sel} \\\n    {LIVE})\"\n",
        arg(a, "timeout")
    )
}

/// `newest`: `var` set to `FILE`, else to the newest match of `glob` in
/// `$BACKUP_DIR`, and a stop when that is no file with bytes. The
/// database profile's restore step picks its dump with it too.
pub(super) fn newest(glob: &str, var: &str) -> String {
    let ls = format!("{var}=\"${{FILE:-$(ls -1t \"$BACKUP_DIR\"/{glob}");
    let pick = fit(&ls, "| head -n 1)}\"");
    format!("{pick}test -s \"${var}\" || {{ echo \"no backup file: set FILE=\" >&2; false; }}\n")
}

/// `find-pod`: the rollout of `w` done, `POD` set to the newest running pod
/// of `$SELECTOR`. The newest, because a pod the rollout replaced may
/// still be terminating, and its phase is `Running` until it is gone.
fn find_pod(w: &str, timeout: &str) -> String {
    format!(
        "{}POD=\"$(kubectl -n \"$NAMESPACE\" get pod -l \"$SELECTOR\" \\\n  \
--field-selector=status.phase=Running \\\n  \
--sort-by=.metadata.creationTimestamp \\\n  \
-o jsonpath='{{.items[-1:].metadata.name}}')\"\n\
test -n \"$POD\" || {{ echo \"no running pod of $SELECTOR\" >&2; false; }}\n",
        rollout_status(w, timeout, "")
    )
}

/// The field selector of pods that are still alive: neither finished
/// (`Succeeded`) nor failed.
const LIVE: &str = "--field-selector='status.phase!=Succeeded,status.phase!=Failed'";

/// `kubectl rollout status` of `w` (the workload as kubectl names it),
/// with `--timeout=` unless `timeout` is empty, and after `guard ||`
/// unless that is empty: the one form of `scale-up` and the upgrades.
fn rollout_status(w: &str, timeout: &str, guard: &str) -> String {
    let status = "kubectl -n \"$NAMESPACE\" rollout status";
    let timeout = match timeout {
        "" => String::new(),
        t => format!("--timeout={t}"),
    };
    if guard.is_empty() {
        fit(&format!("{status} {w}"), &timeout)
    } else {
        let tail = format!("{w} {timeout}");
        fit(&format!("{guard} || {status}"), tail.trim_end())
    }
}

/// `rollout_status` of the chart's workload.
fn release_rollout(s: &Spec, timeout: &str) -> String {
    let w = format!("{} \"$FULLNAME\"", s.workload.kind.resource());
    rollout_status(&w, timeout, "")
}

/// The pairs of a `set` parameter (`a=1,b="$X"`, or one double-quoted
/// word `"a=1,b=$X"`), each a shell word: one with a `$` double-quoted.
fn set_pairs(v: &str) -> impl Iterator<Item = String> + '_ {
    let v = v
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(v);
    v.split(',').filter(|p| !p.is_empty()).map(|p| {
        if p.contains('$') && !p.contains('"') {
            format!("\"{p}\"")
        } else {
            p.to_string()
        }
    })
}

/// A command and its words, as many on a line as fit in [`WIDTH`]
/// columns with room for ` \` on every line, the last one too.
pub(super) fn wrapped(command: &str, words: &[String]) -> String {
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    wrap(command, &words, WIDTH - 2)
}

/// `command` and its `words`, as many on a line as fit, the continuation
/// lines indented by two: a line that goes on keeps its ` \` within
/// [`WIDTH`]; the line of the last word may reach `last` columns. Two
/// limits for that line, because one for both changes generated files:
/// [`fit`]'s whole width re-wraps a command of docs/jenkins/, and
/// [`wrapped`]'s room for ` \` re-wraps commands in eight files.
fn wrap(command: &str, words: &[&str], last: usize) -> String {
    let mut out = command.to_string();
    let mut line = command.len();
    for (i, w) in words.iter().enumerate() {
        let room = if i + 1 == words.len() {
            last
        } else {
            WIDTH - 2
        };
        if line + 1 + w.len() > room {
            out.push_str(" \\\n  ");
            line = 2;
        } else {
            out.push(' ');
            line += 1;
        }
        out.push_str(w);
        line += w.len();
    }
    out + "\n"
}

/// [`wrap`] keeps each line, its ` \` included, within this many
/// columns: one less than a written line may have
/// ([`super::validate::MAX_WRITTEN_LINE`], 76 in a guide's numbered step).
const WIDTH: usize = super::validate::MAX_WRITTEN_LINE - 1;

fn find(name: &str) -> Result<&'static Snippet, String> {
    SNIPPETS.iter().find(|s| s.name == name).ok_or_else(|| {
        let names = SNIPPETS.iter().map(|s| s.name);
        match did_you_mean(name, names.clone()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("the snippets are {}", names.collect::<Vec<_>>().join(", ")),
        }
    })
}

/// Parameters whose default is a gen.toml setting: the snippet, the
/// parameter and the `[repository]` key. Without the setting the
/// parameter is required.
const SETTINGS: &[(&str, &str, &str)] = &[
    ("chart-available", "repo", "name"),
    ("chart-available", "url", "url"),
];

/// `given` with the parameters it leaves out that gen.toml sets.
fn with_settings(s: &Snippet, given: &Given, ctx: &Context) -> Given {
    let mut out = given.clone();
    for (_, param, key) in SETTINGS.iter().filter(|(n, ..)| *n == s.name) {
        if given.get(*param).is_some_and(|v| !v.is_empty()) {
            continue;
        }
        if let Some(r) = &ctx.repository {
            let v = if *key == "name" { &r.name } else { &r.url };
            out.insert(param.to_string(), v.clone());
        }
    }
    out
}

/// The gen.toml setting a parameter defaults to, for its error's help.
fn setting_of(s: &Snippet, param: &str) -> Option<&'static str> {
    SETTINGS
        .iter()
        .find(|(n, p, _)| *n == s.name && *p == param)
        .map(|(.., key)| *key)
}

/// What is wrong with one use of a snippet: the message and its help.
#[derive(Debug, PartialEq, Eq)]
pub struct UseError {
    /// The parameter it is about, if any, to point at it.
    pub param: Option<String>,
    pub message: String,
    pub help: String,
}

fn params_help(s: &Snippet) -> String {
    let list: Vec<String> = s
        .params
        .iter()
        .map(|p| match p.default {
            None => format!("`{}` (required: {})", p.name, p.help),
            Some("") => format!("`{}` ({}, optional)", p.name, p.help),
            Some(d) => format!("`{}` ({}, default `{d}`)", p.name, p.help),
        })
        .collect();
    format!("`{}` takes {}", s.name, list.join("; "))
}

/// The variables `backup.database` declares and `pg-client` uses.
const DB_VARIABLES: [&str; 6] = [
    "DB_SECRET",
    "DB_SECRET_KEY",
    "DB_HOST",
    "DB_PORT",
    "DB_USER",
    "DB_NAME",
];

/// What the spec lacks for the snippet, if anything.
fn missing_in(s: &Snippet, spec: &Spec, given: &Given) -> Option<UseError> {
    if s.needs == Needs::ConfigExport {
        return spec.backup.config_export.is_none().then(|| UseError {
            param: None,
            message: format!("snippet `{}` needs `backup.config_export`", s.name),
            help: "it writes or reads the files of the built-in configuration export: add \
`config_export: {}` to `backup` (the guide then documents the same files)"
                .into(),
        });
    }
    let given_of = |k: &str| given.get(k).is_some_and(|v| !v.is_empty());
    let replicas = |help: String| {
        let declared = spec.variables.iter().any(|v| v.name == "REPLICAS");
        (!declared).then(|| UseError {
            param: None,
            message: format!("snippet `{}` needs the variable `REPLICAS`", s.name),
            help,
        })
    };
    if s.needs == Needs::Replicas {
        return replicas(format!(
            "it passes REPLICAS=0 to `make {}-restore`: declare `REPLICAS` in `variables` \
and have the restore target scale the workload to `$REPLICAS` when it is done",
            spec.name
        ));
    }
    if s.needs == Needs::Scalable {
        if spec.workload.kind == WorkloadKind::DaemonSet && !given_of("ref") {
            return Some(UseError {
                param: None,
                message: format!(
                    "snippet `{}` scales the workload, and a DaemonSet has no replicas",
                    s.name
                ),
                help: "use it for a Deployment or StatefulSet (`workload.kind`), or give \
`ref=` a workload of such a kind"
                    .into(),
            });
        }
        let defaulted = s.params.iter().any(|p| p.name == "replicas") && !given_of("replicas");
        return if defaulted {
            replicas(format!(
                "it scales the workload back to `$REPLICAS`: declare `REPLICAS` in \
`variables` (the pods `make {}-restore` starts), or give `replicas=` the variable \
that holds the count",
                spec.name
            ))
        } else {
            None
        };
    }
    if given.get("url").is_some_and(|u| !u.is_empty()) {
        // It connects with the URL it is given.
        return None;
    }
    let declared = |v: &&str| spec.variables.iter().any(|x| x.name == *v);
    let missing: Vec<&str> = DB_VARIABLES
        .iter()
        .filter(|v| !declared(v))
        .copied()
        .collect();
    let (lacks, what, help) = match s.needs {
        Needs::Nothing | Needs::ConfigExport | Needs::Replicas | Needs::Scalable => return None,
        Needs::Postgresql => (
            spec.backup.database.is_none() && !missing.is_empty(),
            "`backup.database`",
            "it connects as the database profile does, with its `DB_*` variables: state the \
database in `backup.database`, or define",
        ),
        Needs::Mysql => (
            !missing.is_empty(),
            "the `DB_*` variables",
            "it connects to the MySQL server they name: define",
        ),
    };
    lacks.then(|| UseError {
        param: None,
        message: format!("snippet `{}` needs {what}", s.name),
        help: format!("{help} {} in `variables`", missing.join(", ")),
    })
}

/// Checks `given` against the snippet's parameters and fills in the
/// defaults.
pub fn args(s: &Snippet, given: &BTreeMap<String, String>) -> Result<Args, UseError> {
    for (k, v) in given {
        if !s.params.iter().any(|p| p.name == k) {
            let hint = did_you_mean(k, s.params.iter().map(|p| p.name))
                .map(|d| format!("did you mean `{d}`? "))
                .unwrap_or_default();
            return Err(UseError {
                param: Some(k.clone()),
                message: format!("snippet `{}` has no parameter `{k}`", s.name),
                help: format!("{hint}{}", params_help(s)),
            });
        }
        if v.contains(['\n', '\'', '`']) || (v.contains('"') && !is_quoted_word(v)) {
            return Err(UseError {
                param: Some(k.clone()),
                message: format!("parameter `{k}` of `{}` is not one shell word: {v}", s.name),
                help: "give a word without spaces or quotes, or one double-quoted word such as \"pod/$POD\"".into(),
            });
        }
    }
    let mut out = Args::new();
    for p in s.params {
        match (given.get(p.name), p.default) {
            (Some(v), _) if !v.is_empty() => out.insert(p.name.into(), v.clone()),
            (_, Some(d)) => out.insert(p.name.into(), d.into()),
            (_, None) => {
                let help = match setting_of(s, p.name) {
                    Some(key) => format!(
                        "{}; or set `{key}` under `[repository]` in gen.toml, once for every spec",
                        params_help(s)
                    ),
                    None => params_help(s),
                };
                return Err(UseError {
                    param: None,
                    message: format!("snippet `{}` needs the parameter `{}`", s.name, p.name),
                    help,
                });
            }
        };
    }
    Ok(out)
}

fn is_quoted_word(v: &str) -> bool {
    v.len() >= 2 && v.starts_with('"') && v.ends_with('"') && !v[1..v.len() - 1].contains('"')
}

/// The `{{use NAME k=v ...}}` of a `run` line, if it is one: the name and
/// the parameters, or what is wrong with them.
fn use_line(line: &str) -> Option<Result<(String, Given), String>> {
    let inner = line.trim().strip_prefix("{{use ")?.strip_suffix("}}")?;
    let mut words = inner.split_whitespace();
    let name = words.next().unwrap_or("").to_string();
    let mut given = BTreeMap::new();
    for w in words {
        let Some((k, v)) = w.split_once('=') else {
            return Some(Err(format!("`{w}` is not key=value")));
        };
        if given.insert(k.to_string(), v.to_string()).is_some() {
            return Some(Err(format!("parameter `{k}` is given twice")));
        }
    }
    Some(Ok((name, given)))
}

/// Whether a spec's fragment named `name` would be a built-in snippet's name.
pub fn is_snippet(name: &str) -> bool {
    SNIPPETS.iter().any(|s| s.name == name)
}

/// The names the `{{use NAME ...}}` lines of `text` use, in order.
pub fn uses(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(use_line)
        .filter_map(Result::ok)
        .map(|(name, _)| name)
        .collect()
}

/// A bad `{{use}}` line: its 0-based line in the block, the message and the help.
pub type UseLineError = (usize, String, String);

/// A bad `{{use}}` line, with the fragment whose text it is in (`None`:
/// the `run` block being expanded).
struct Bad {
    fragment: Option<String>,
    line: usize,
    message: String,
    help: String,
}

impl Bad {
    fn at(line: usize, message: String, help: String) -> Bad {
        Bad {
            fragment: None,
            line,
            message,
            help,
        }
    }
}

/// Expands the `{{use ...}}` lines, `{{pod}}` and `{{make}}` of `run`:
/// `Ok(None)` when it has none,
/// else the new text, or the 0-based line of the first bad use, the
/// message and the help.
pub fn expand_run(run: &str, spec: &Spec) -> Result<Option<String>, UseLineError> {
    let mut walk = Walk::default();
    expand_run_mapped(run, spec, &Context::default(), &mut walk)
        .map(|o| o.map(|(t, _)| t))
        .map_err(|b| (b.line, b.message, b.help))
}

/// How many fragments deep a `{{use}}` may be: deeper is a chain of names
/// no reader follows, and each level is a frame of the expansion's stack.
pub const MAX_FRAGMENT_DEPTH: usize = 8;

/// What expanding one spec's `run` blocks keeps track of: the fragments
/// being expanded, innermost last, every fragment used, and the `lang` of
/// the step being expanded when it is not shell.
#[derive(Default)]
struct Walk {
    open: Vec<String>,
    used: std::collections::BTreeSet<String>,
    not_shell: Option<String>,
    /// The spec's variables a `{{make}}` of another release blanks
    /// ([`super::make_call::release_derived`]), worked out at the first
    /// token: the spec does not change while its blocks expand.
    derived: Option<Vec<String>>,
}

/// Where the first token opening with `open` (`{{pod`, `{{make`) starts
/// in `text`: the opening then `}}` or a space, so not `{{podName}}` or
/// `{{makeup}}`, which are some template's.
pub fn token_at(text: &str, open: &str) -> Option<usize> {
    text.match_indices(open)
        .map(|(i, _)| i)
        .find(|&i| matches!(text.as_bytes().get(i + open.len()), Some(b'}' | b' ')))
}

/// The tokens that write shell, which only a shell step may hold, its own
/// lines or a fragment's it uses: the token, its opening, what it writes.
const SHELL_TOKENS: [(&str, &str, &str); 2] = [
    (
        "{{pod}}",
        super::pod_exec::OPEN,
        "runs a shell command in the pod",
    ),
    ("{{make}}", super::make_call::OPEN, "is a shell command"),
];

/// The error for a line of a `lang:` block that is not shell holding a
/// token that writes shell.
fn shell_token_in(lang: &str, line: &str, n: usize) -> Option<Bad> {
    let (token, _, what) = SHELL_TOKENS
        .iter()
        .find(|(_, open, _)| token_at(line, open).is_some())?;
    Some(Bad::at(
        n,
        format!("`{token}` in a `lang: {lang}` block"),
        format!("`{token}` {what}: put it in a shell step, or write the file's text as it is"),
    ))
}

/// The error for a name that is neither a snippet nor a fragment of the spec.
fn unknown(name: &str, spec: &Spec) -> String {
    let names = SNIPPETS
        .iter()
        .map(|s| s.name)
        .chain(spec.fragments.keys().map(String::as_str));
    if let Some(s) = did_you_mean(name, names) {
        return format!("did you mean `{s}`?");
    }
    let snippets: Vec<&str> = SNIPPETS.iter().map(|s| s.name).collect();
    let mut help = format!("the snippets are {}", snippets.join(", "));
    if !spec.fragments.is_empty() {
        let own: Vec<&str> = spec.fragments.keys().map(String::as_str).collect();
        help.push_str(&format!("; this spec's fragments are {}", own.join(", ")));
    }
    help
}

/// Appends `body` to `out`, each line indented by `indent` and mapped to
/// the source line `n`. A here-document's lines stay as they are: its
/// delimiter must start its line, and its text is the document.
fn put_indented(body: &str, indent: &str, n: usize, out: &mut String, from: &mut Vec<usize>) {
    let mut doc_end: Option<&str> = None;
    for l in body.lines() {
        if !l.is_empty() && doc_end.is_none() {
            out.push_str(indent);
        }
        out.push_str(l);
        doc_end = match doc_end {
            Some(end) => (l != end).then_some(end),
            None => heredoc_end(l),
        };
        out.push('\n');
        from.push(n);
    }
}

/// The delimiter of the here-document a line opens at its end (`<<EOF`,
/// `<<'EOF'`, `<<"CONF"`); `None` for `<<-` (its delimiter may be
/// indented with tabs), a here-string and any other line.
fn heredoc_end(line: &str) -> Option<&str> {
    let rest = line[line.rfind("<<")? + 2..].trim_end();
    let word = ['\'', '"']
        .iter()
        .find_map(|q| rest.strip_prefix(*q)?.strip_suffix(*q))
        .unwrap_or(rest);
    let is_word = !word.is_empty()
        && word.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !line[..line.len() - rest.len()].ends_with("<<<");
    is_word.then_some(word)
}

/// The text of the spec's fragment `name`, its own `{{use}}` lines
/// expanded, or `None` when it is already being expanded (a cycle, which
/// the check `fragments.cycle` reports: the line is left as it is).
fn fragment_text(
    name: &str,
    text: &str,
    spec: &Spec,
    ctx: &Context,
    walk: &mut Walk,
) -> Result<Option<String>, Bad> {
    if walk.open.iter().any(|o| o == name) {
        return Ok(None);
    }
    walk.used.insert(name.to_string());
    walk.open.push(name.to_string());
    let inner = expand_run_mapped(text, spec, ctx, walk).map_err(|mut b| {
        b.fragment.get_or_insert_with(|| name.to_string());
        b
    });
    walk.open.pop();
    Ok(Some(inner?.map_or_else(|| text.to_string(), |(t, _)| t)))
}

/// [`expand_run`], with the source line (0-based) of each line of the new
/// text: a snippet's or fragment's lines come from its `{{use}}` line.
fn expand_run_mapped(
    run: &str,
    spec: &Spec,
    ctx: &Context,
    walk: &mut Walk,
) -> Result<Option<(String, Vec<usize>)>, Bad> {
    if !run.contains("{{use ")
        && SHELL_TOKENS
            .iter()
            .all(|(_, open, _)| token_at(run, open).is_none())
    {
        return Ok(None);
    }
    let derived = walk
        .derived
        .get_or_insert_with(|| super::make_call::release_derived(spec))
        .clone();
    let mut out = String::new();
    let mut from = Vec::new();
    let mut any = false;
    for (n, line) in run.lines().enumerate() {
        if let Some(bad) = walk
            .not_shell
            .as_deref()
            .and_then(|lang| shell_token_in(lang, line, n))
        {
            return Err(bad);
        }
        let pod = super::pod_exec::expand_line(line, &spec.workload.container)
            .map_err(|(m, h)| Bad::at(n, m, h))?;
        let made = match pod {
            Some(lines) => Some(lines.to_vec()),
            None => super::make_call::expand_line(line, &spec.name, &derived)
                .map_err(|(m, h)| Bad::at(n, m, h))?,
        };
        if let Some(lines) = made {
            any = true;
            for l in lines {
                out.push_str(&l);
                out.push('\n');
                from.push(n);
            }
            continue;
        }
        let Some(parsed) = use_line(line) else {
            out.push_str(line);
            out.push('\n');
            from.push(n);
            continue;
        };
        let (name, given) = parsed.map_err(|m| {
            Bad::at(
                n,
                format!("bad snippet use: {m}"),
                "write `{{use NAME key=value ...}}` alone on its line".to_string(),
            )
        })?;
        let indent = &line[..line.len() - line.trim_start().len()];
        let snippet = match (find(&name), spec.fragments.get(&name)) {
            (Ok(s), _) => s,
            (Err(_), Some(text)) => {
                if let Some(k) = given.keys().next() {
                    return Err(Bad::at(
                        n,
                        format!("fragment `{name}` takes no parameter `{k}`"),
                        "a fragment is the same text at every use: write what differs \
beside the `{{use}}` line"
                            .into(),
                    ));
                }
                if walk.open.len() >= MAX_FRAGMENT_DEPTH {
                    return Err(Bad::at(
                        n,
                        format!(
                            "fragment `{name}` is used {MAX_FRAGMENT_DEPTH} fragments deep: {}",
                            walk.open.join(" -> ")
                        ),
                        "write the inner fragments' text into an outer one: a fragment \
says a thing once, not through a chain of names"
                            .into(),
                    ));
                }
                match fragment_text(&name, text, spec, ctx, walk)? {
                    Some(body) => {
                        any = true;
                        put_indented(&body, indent, n, &mut out, &mut from);
                    }
                    None => {
                        out.push_str(line);
                        out.push('\n');
                        from.push(n);
                    }
                }
                continue;
            }
            (Err(_), None) => {
                return Err(Bad::at(
                    n,
                    format!("unknown snippet `{name}`"),
                    unknown(&name, spec),
                ))
            }
        };
        any = true;
        let given = with_settings(snippet, &given, ctx);
        if let Some(e) = missing_in(snippet, spec, &given) {
            return Err(Bad::at(n, e.message, e.help));
        }
        let a = args(snippet, &given).map_err(|e| Bad::at(n, e.message, e.help))?;
        put_indented(&(snippet.body)(&a, spec), indent, n, &mut out, &mut from);
    }
    if !run.ends_with('\n') {
        out.pop();
    }
    Ok(any.then_some((out, from)))
}

/// Every step list of the spec as written, with its path, before the
/// profile and the shared components add theirs.
fn step_lists(s: &mut Spec) -> Vec<(String, &mut Vec<Step>)> {
    let mut v: Vec<(String, &mut Vec<Step>)> = Vec::new();
    for (i, c) in s.backup.components.iter_mut().enumerate() {
        v.push((format!("backup.components[{i}].steps"), &mut c.steps));
    }
    v.push(("backup.verification".into(), &mut s.backup.verification));
    if let Some(c) = s.backup.config_export.as_mut() {
        v.push(("backup.config_export.before".into(), &mut c.before));
        v.push(("backup.config_export.steps".into(), &mut c.steps));
    }
    if let Some(d) = s.backup.database.as_mut() {
        v.push(("backup.database.before".into(), &mut d.before));
    }
    for (i, r) in s.restore.iter_mut().enumerate() {
        v.push((format!("restore[{i}].steps"), &mut r.steps));
    }
    for (i, st) in s.upgrade.strategies.iter_mut().enumerate() {
        v.push((format!("upgrade.strategies[{i}].steps"), &mut st.steps));
    }
    v.push(("upgrade.pre_checks".into(), &mut s.upgrade.pre_checks));
    v.push(("upgrade.rollback".into(), &mut s.upgrade.rollback));
    v.push(("upgrade.validation".into(), &mut s.upgrade.validation));
    v
}

/// A `with:` value as the word it stands for.
fn word(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Expands every snippet of `file`'s spec: the `use:` steps and the
/// `{{use ...}}` lines of every `run` (steps, operations, troubleshooting).
/// `ctx` gives the defaults gen.toml sets.
pub fn expand(file: &mut SpecFile, ctx: &Context) -> Result<(), Diagnostic> {
    let mut spec = file.spec.clone();
    let snapshot = spec.clone();
    let mut x = Expansion {
        file,
        spec: &snapshot,
        ctx,
        maps: Vec::new(),
        shared: Vec::new(),
        walk: Walk::default(),
    };
    for (list, steps) in step_lists(&mut spec) {
        for (j, step) in steps.iter_mut().enumerate() {
            let path = format!("{list}[{j}]");
            x.step(&path, step)?;
        }
    }
    for (i, op) in spec.operations.iter_mut().enumerate() {
        let path = format!("operations[{i}].run");
        if let Some(t) = x.run_text(&path, &op.run)? {
            op.run = t;
        }
    }
    for (i, t) in spec.troubleshooting.iter_mut().enumerate() {
        let path = format!("troubleshooting[{i}].run");
        if let Some(run) = &t.run {
            if let Some(new) = x.run_text(&path, run)? {
                t.run = Some(new);
            }
        }
    }
    let (maps, used, shared) = (x.maps, x.walk.used, x.shared);
    file.spec = spec;
    file.positions.run_lines.extend(maps);
    file.positions.shared.extend(shared);
    file.fragments_used = used;
    Ok(())
}

/// One spec's expansion: the spec as written, the settings, and what it
/// has found so far.
struct Expansion<'a> {
    file: &'a SpecFile,
    spec: &'a Spec,
    ctx: &'a Context,
    maps: Vec<((usize, usize), Vec<usize>)>,
    /// The `run`s that start with a whole-step snippet's lines.
    shared: Vec<((usize, usize), Shared)>,
    walk: Walk,
}

impl Expansion<'_> {
    fn run_text(&mut self, path: &str, run: &str) -> Result<Option<String>, Diagnostic> {
        let file = self.file;
        let expanded =
            expand_run_mapped(run, self.spec, self.ctx, &mut self.walk).map_err(|b| {
                // A bad line of a fragment is pointed at in the fragment.
                let at = b
                    .fragment
                    .map_or_else(|| path.to_string(), |f| format!("fragments.{f}"));
                file.error_in_text(&at, b.line, b.message).help(b.help)
            })?;
        Ok(expanded.map(|(text, from)| {
            self.maps.push((file.positions.get(path), from));
            text
        }))
    }

    fn step(&mut self, path: &str, step: &mut Step) -> Result<(), Diagnostic> {
        let (file, spec, ctx) = (self.file, self.spec, self.ctx);
        if let Some(run) = &step.run {
            let lang = step.lang.as_deref().unwrap_or("bash");
            self.walk.not_shell =
                (!matches!(lang, "bash" | "sh" | "console")).then(|| lang.to_string());
            let expanded = self.run_text(&format!("{path}.run"), run);
            self.walk.not_shell = None;
            if let Some(t) = expanded? {
                step.run = Some(t);
            }
        }
        let Some(name) = step.snippet.take() else {
            if !step.with.is_empty() {
                return Err(file
                    .error_at(&format!("{path}.with"), "`with:` without `use:`")
                    .help("name the snippet the parameters are for: `use: NAME`"));
            }
            // A step without a title is the check `steps.no-title`'s to report.
            return Ok(());
        };
        let snippet = find(&name).map_err(|h| {
            file.error_at(&format!("{path}.use"), format!("unknown snippet `{name}`"))
                .help(h)
        })?;
        let given: BTreeMap<String, String> = std::mem::take(&mut step.with)
            .iter()
            .map(|(k, v)| (k.clone(), word(v)))
            .collect();
        let given = with_settings(snippet, &given, ctx);
        let a = missing_in(snippet, spec, &given)
            .map_or_else(|| args(snippet, &given), Err)
            .map_err(|e| {
                let at = match &e.param {
                    Some(p) => format!("{path}.with.{p}"),
                    None => format!("{path}.use"),
                };
                file.error_at(&at, e.message).help(e.help)
            })?;
        let body = (snippet.body)(&a, spec);
        let [title, why, expect] = snippet.prose.map(|p| p(&a, spec)).unwrap_or_default();
        let what = match title.as_str() {
            "" => "the shared lines".to_string(),
            t => format!("the shared step \"{t}\""),
        };
        self.shared.push((
            file.positions.get(&format!("{path}.run")),
            Shared {
                what,
                name: name.clone(),
                at: file.positions.get(&format!("{path}.use")),
                lines: body.lines().count(),
            },
        ));
        step.run = Some(match step.run.take() {
            Some(own) => format!("{body}{own}"),
            None => body,
        });
        if step.title.trim().is_empty() {
            if title.is_empty() {
                return Err(file
                    .error_at(
                        &format!("{path}.use"),
                        format!("a step using `{name}` needs a `title:`"),
                    )
                    .help(format!(
                    "`{name}` is part of a command, not a whole step: give the step its own title"
                )));
            }
            step.title = title;
        }
        if step.why.is_none() && !why.is_empty() {
            step.why = Some(why);
        }
        if step.expect.is_none() && !expect.is_empty() {
            step.expect = Some(expect);
        }
        Ok(())
    }
}

/// The step lists an operation's `steps:` can name, by the id `gen
/// procedures` gives them (`backup.<component>`, `verification`,
/// `restore.<procedure>`) or their place in the upgrade guide.
fn procedure<'a>(s: &'a Spec, id: &str) -> Option<&'a [Step]> {
    if let Some(c) = id.strip_prefix("backup.") {
        return s
            .backup
            .components
            .iter()
            .find(|x| x.id == c)
            .map(|x| &x.steps[..]);
    }
    if let Some(r) = id.strip_prefix("restore.") {
        return s.restore.iter().find(|x| x.id == r).map(|x| &x.steps[..]);
    }
    match id {
        "verification" => Some(&s.backup.verification),
        "upgrade.pre_checks" => Some(&s.upgrade.pre_checks),
        "upgrade.rollback" => Some(&s.upgrade.rollback),
        "upgrade.validation" => Some(&s.upgrade.validation),
        _ => None,
    }
}

fn procedure_ids(s: &Spec) -> Vec<String> {
    let mut v: Vec<String> = s
        .backup
        .components
        .iter()
        .map(|c| format!("backup.{}", c.id))
        .collect();
    v.push("verification".into());
    v.extend(s.restore.iter().map(|r| format!("restore.{}", r.id)));
    v.extend(
        [
            "upgrade.pre_checks",
            "upgrade.rollback",
            "upgrade.validation",
        ]
        .map(String::from),
    );
    v
}

/// The commands one `steps:` entry names, joined, or what is wrong.
/// `<procedure>` is every step with a command; `<procedure>/<n>` and
/// `<procedure>/<n>-<m>` are steps numbered as in the guide, from 1.
pub fn steps_text(s: &Spec, entry: &str) -> Result<String, (String, String)> {
    let (id, sel) = match entry.split_once('/') {
        Some((id, sel)) => (id, Some(sel)),
        None => (entry, None),
    };
    let steps = procedure(s, id).ok_or_else(|| {
        let ids = procedure_ids(s);
        (
            format!("no procedure `{id}` in this spec"),
            match did_you_mean(id, ids.iter().map(String::as_str)) {
                Some(d) => format!("did you mean `{d}`?"),
                None => format!("the procedures are {}", ids.join(", ")),
            },
        )
    })?;
    let n = steps.len();
    let range = match sel {
        None => 1..=n,
        Some(sel) => {
            let bad = || {
                (
                    format!("`{sel}` is not a step number or range of `{id}`"),
                    format!("`{id}` has steps 1 to {n}: write `{id}/2` or `{id}/2-4`"),
                )
            };
            let (a, b) = sel.split_once('-').unwrap_or((sel, sel));
            let a: usize = a.parse().map_err(|_| bad())?;
            let b: usize = b.parse().map_err(|_| bad())?;
            if a == 0 || a > b || b > n {
                return Err(bad());
            }
            a..=b
        }
    };
    let whole = sel.is_none();
    let mut out = Vec::new();
    for i in range {
        let st = &steps[i - 1];
        let shell = matches!(st.lang.as_deref(), None | Some("bash" | "sh"));
        match (&st.run, shell) {
            (Some(r), true) => out.push(r.trim_end().to_string()),
            _ if whole => {}
            _ => {
                return Err((
                    format!("step {i} of `{id}` ({}) has no shell command", st.title),
                    "name only steps whose `run` is a shell command".into(),
                ))
            }
        }
    }
    if out.is_empty() {
        return Err((
            format!("`{id}` has no step with a shell command"),
            "name a procedure whose steps run commands".into(),
        ));
    }
    Ok(out.join("\n") + "\n")
}

/// Gives each operation with `steps:` the commands of those steps as its
/// `run`, after the profile and the shared components have added theirs.
pub fn compose(file: &mut SpecFile) -> Result<(), Diagnostic> {
    let snapshot = file.spec.clone();
    for (i, op) in file.spec.operations.iter_mut().enumerate() {
        let at = format!("operations[{i}]");
        match (op.steps.is_empty(), op.run.trim().is_empty()) {
            // Neither: the check `ops.empty-run` reports it.
            (true, true) => continue,
            (false, false) => {
                return Err(file_error(
                    &file.rel,
                    &file.source,
                    &file.positions,
                    &format!("{at}.steps"),
                    "operation has both `run:` and `steps:`",
                )
                .help(
                    "keep one: `steps:` runs the guide's own commands, `run:` a command of its own",
                ))
            }
            (true, false) => continue,
            (false, true) => {}
        }
        if op.runs_in == super::types::RunsIn::Pod {
            return Err(file_error(
                &file.rel,
                &file.source,
                &file.positions,
                &format!("{at}.runs_in"),
                "`runs_in: pod` with `steps:`",
            )
            .help("a target composed from steps runs them as the guide does, on the operator's machine: remove `runs_in`"));
        }
        let mut run = String::new();
        for (k, entry) in op.steps.iter().enumerate() {
            let text = steps_text(&snapshot, entry).map_err(|(m, h)| {
                file_error(
                    &file.rel,
                    &file.source,
                    &file.positions,
                    &format!("{at}.steps[{k}]"),
                    m,
                )
                .help(h)
            })?;
            run.push_str(&text);
        }
        op.run = run;
        file.positions
            .alias_exact(&format!("{at}.run"), &format!("{at}.steps"));
    }
    Ok(())
}

/// [`SpecFile::error_at`] while the spec is borrowed.
fn file_error(
    rel: &str,
    source: &str,
    positions: &super::Positions,
    path: &str,
    message: impl Into<String>,
) -> Diagnostic {
    let (line, col) = positions.get(path);
    Diagnostic::error(rel, message)
        .at(line, col)
        .with_source(source)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::parse;
    use crate::spec::testkit::edited;

    fn demo(edit: impl Fn(String) -> String) -> Result<SpecFile, Diagnostic> {
        let src = edit(crate::scaffold::new_spec("demo"));
        parse("specs/demo.yaml", src.as_bytes())
    }

    /// The two limits of a command's last line: [`fit`] lets it reach the
    /// whole written width, [`wrapped`] keeps room for ` \` there too.
    #[test]
    fn fit_uses_the_whole_width_and_wrapped_keeps_room_for_a_backslash() {
        let head = "x".repeat(super::super::validate::MAX_WRITTEN_LINE - 4);
        assert_eq!(fit(&head, "abc"), format!("{head} abc\n"));
        assert_eq!(fit(&head, "abcd"), format!("{head} \\\n  abcd\n"));
        assert_eq!(fit(&head, ""), format!("{head}\n"));
        assert_eq!(
            wrapped(&head, &["abc".to_string()]),
            format!("{head} \\\n  abc\n")
        );
        assert_eq!(
            wrapped("helm", &["a".to_string(), "b".to_string()]),
            "helm a b\n"
        );
    }

    fn spec() -> Spec {
        demo(|s| s).unwrap().spec
    }

    /// Every parameter given: its name as a placeholder value (a count is
    /// a variable, which shell compares with 0).
    fn all_args(s: &Snippet) -> Args {
        s.params
            .iter()
            .map(|p| match p.name {
                "replicas" => (p.name.to_string(), "\"$REPLICAS\"".to_string()),
                n => (n.to_string(), format!("x{}", n.replace('-', "_"))),
            })
            .collect()
    }

    /// Snippet `name`'s body with the `given` parameters, for `s`.
    fn expand_with(name: &str, given: &[(&str, &str)], s: &Spec) -> String {
        let snippet = find(name).unwrap();
        let given: Given = given
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        (snippet.body)(&args(snippet, &given).unwrap(), s)
    }

    #[test]
    fn each_snippet_expands_with_its_parameters() {
        let s = spec();
        let run = |name: &str, given: &[(&str, &str)]| expand_with(name, given, &s);
        assert_eq!(
            run("port-forward", &[("ports", "3100:3100")]),
            "PFO=$(mktemp)\n\
(exec ${KUBECTL:-kubectl} -n \"$NAMESPACE\" port-forward \"pod/$POD\" \\\n  3100:3100) >\"$PFO\" 2>&1 &\n\
PF=$! W=0; trap 'kill \"$PF\" 2>/dev/null || :; rm -f \"$PFO\"' EXIT\n\
until grep -q '^Forwarding from' \"$PFO\"; do\n  kill -0 \"$PF\" 2>/dev/null || break\n  \
[ $((W += 1)) -le $((${PF_WAIT:-30} * 5)) ] || break; sleep 0.2\ndone\n\
grep -q '^Forwarding from' \"$PFO\" || { kill \"$PF\" 2>/dev/null || :\n  \
cat \"$PFO\"; echo \"kubectl port-forward failed or timed out\" \\\n    \
\"(${PF_WAIT:-30} s)\"; false; } >&2\n"

        );
        assert_eq!(
            run("port-forward-stop", &[]),
            "kill \"$PF\" 2>/dev/null || :; wait \"$PF\" 2>/dev/null || :\n\
rm -f \"$PFO\"; trap - EXIT\n"
        );
        assert!(run(
            "port-forward",
            &[
                ("ports", "19000:9000,4318:4318"),
                ("to", "svc/minio"),
                ("ns", "minio")
            ]
        )
        .contains(
            "(exec ${KUBECTL:-kubectl} -n minio port-forward svc/minio \\\n  19000:9000 4318:4318)"
        ));
        // The lines promtail, opentelemetry-collector and alertmanager
        // wrote out before, byte for byte.
        assert_eq!(
            run("render-key", &[("key", "promtail.yaml")]),
            "helm template \"$RELEASE\" \"$CHART\" -f values.yaml \\\n  \
| yq -r 'select(.kind == \"ConfigMap\") | .data.\"promtail.yaml\"' \\\n  > promtail.yaml\n"
        );
        assert!(run(
            "render-key",
            &[
                ("key", "config.yaml"),
                ("out", "relay-previous.yaml"),
                ("values", "values-previous.yaml")
            ]
        )
        .ends_with(
            "-f values-previous.yaml \\\n  | yq -r 'select(.kind == \"ConfigMap\") \
| .data.\"config.yaml\"' \\\n  > relay-previous.yaml\n"
        ));
        assert!(run("newest", &[("glob", "demo-*.tar.gz"), ("var", "G")])
            .starts_with("G=\"${FILE:-$(ls -1t \"$BACKUP_DIR\"/demo-*.tar.gz | head -n 1)}\"\ntest -s \"$G\""));
        let kind = s.workload.kind.resource();
        assert!(
            run("scale-to-zero", &[("timeout", "120s")]).starts_with(&format!(
                "kubectl -n \"$NAMESPACE\" scale {kind} \"$FULLNAME\" --replicas=0\n"
            ))
        );
        let pod = run(
            "helper-pod",
            &[
                ("name", "$RELEASE-h"),
                ("claim", "$PVC"),
                ("mount", "/data"),
                ("user", "1000"),
            ],
        );
        assert!(pod.contains("metadata: { name: $RELEASE-h }"), "{pod}");
        assert!(
            pod.contains("runAsUser: 1000") && pod.contains("claimName: $PVC"),
            "{pod}"
        );
        assert!(pod.contains("image: $HELPER_IMAGE"), "{pod}");
        let up = run("upgrade-image", &[("tag", "v2"), ("file", "/tmp/v.yaml")]);
        assert!(
            up.contains(
                "-f /tmp/v.yaml \\\n  --set image.tag=v2 --wait --timeout 5m\nrm -f /tmp/v.yaml\n"
            ),
            "{up}"
        );
        // The make line is {{make}}'s: composed in one place.
        let token = |t: &str| {
            let lines = super::super::make_call::expand_line(t, "demo", &[])
                .unwrap()
                .unwrap();
            lines.join("\n") + "\n"
        };
        let stopped = run("restore-stopped", &[("file", "demo-<ts>.tgz")]);
        assert_eq!(
            stopped,
            "make demo-restore NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\" REPLICAS=0 \\\n  \
FILE=\"$BACKUP_DIR/demo-<ts>.tgz\"\n"
        );
        assert_eq!(
            stopped,
            token("{{make restore REPLICAS=0 FILE=\"$BACKUP_DIR/demo-<ts>.tgz\"}}")
        );
        let more = run(
            "restore-stopped",
            &[("file", "d.dump"), ("more", "SKIP_BLOBS=1")],
        );
        assert_eq!(
            more,
            "make demo-restore NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\" REPLICAS=0 \\\n  \
SKIP_BLOBS=1 FILE=\"$BACKUP_DIR/d.dump\"\n"
        );
        assert_eq!(
            more,
            token("{{make restore REPLICAS=0 SKIP_BLOBS=1 FILE=\"$BACKUP_DIR/d.dump\"}}")
        );
        // Only a chart whose restore target takes REPLICAS can use it.
        let rs = find("restore-stopped").unwrap();
        let e = missing_in(rs, &s, &Given::new()).unwrap();
        assert!(e.message.contains("needs the variable `REPLICAS`"), "{e:?}");
        assert!(missing_in(rs, &real("grafana").spec, &Given::new()).is_none());
        assert_eq!(
            run("running-image", &[]),
            format!(
                "kubectl -n \"$NAMESPACE\" get {} \"$FULLNAME\" \\\n  \
-o jsonpath='{{.spec.template.spec.containers[0].image}}{{\"\\n\"}}'\n",
                s.workload.kind.resource()
            )
        );
        let roll = run("upgrade-rollout", &[("timeout", "15m")]);
        assert_eq!(
            roll,
            format!(
                "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" \\\n  --version {} -f values.yaml\n\
kubectl -n \"$NAMESPACE\" rollout status {} \"$FULLNAME\" \\\n  --timeout=15m\n",
                s.chart_version.to,
                s.workload.kind.resource()
            )
        );
        let roll = run("upgrade-rollout", &[("set", "image.tag=v2")]);
        assert!(
            roll.contains(" -f values.yaml --set image.tag=v2\n"),
            "{roll}"
        );
        assert!(roll.ends_with("\"$FULLNAME\"\n"), "no timeout: {roll}");
        // --reuse-values keeps the deployed values; each pair its own --set,
        // one with a variable quoted; at most 72 columns a line.
        let reuse = run(
            "upgrade-reuse",
            &[
                ("set", "\"image.tag=$V,replicaCount=0\""),
                ("wait", "20m"),
                ("rollout", "15m"),
            ],
        );
        assert_eq!(
            reuse,
            format!(
                "helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" \\\n  \
--version \"$CHART_VERSION\" --reuse-values --set \"image.tag=$V\" \\\n  \
--set replicaCount=0 --wait --timeout 20m\n\
kubectl -n \"$NAMESPACE\" rollout status {} \"$FULLNAME\" \\\n  --timeout=15m\n",
                s.workload.kind.resource()
            )
        );
        assert!(reuse.lines().all(|l| l.len() <= WIDTH), "{reuse}");
        let reuse = run("upgrade-reuse", &[("set", "a=1"), ("wait", "yes")]);
        assert!(
            reuse.ends_with(" --reuse-values --set a=1 --wait\n"),
            "{reuse}"
        );
        assert!(!reuse.contains("rollout"), "{reuse}");
        assert_eq!(
            run(
                "install-beside",
                &[
                    ("release", "demo-new"),
                    ("set", "\"image.tag=$V\""),
                    ("values", "\"$BACKUP_DIR/v.yaml\"")
                ]
            ),
            "helm -n \"$NAMESPACE\" install demo-new \"$CHART\" \\\n  \
--version \"$CHART_VERSION\" -f \"$BACKUP_DIR/v.yaml\" \\\n  \
--set \"image.tag=$V\" --wait\n"
        );
        // A secret goes through a file, never through `--set`'s parser.
        assert_eq!(
            run(
                "install-beside",
                &[
                    ("release", "demo-new"),
                    ("set", "image.tag=1"),
                    ("set_file", "\"a.password=$F\"")
                ]
            ),
            "helm -n \"$NAMESPACE\" install demo-new \"$CHART\" \\\n  \
--version \"$CHART_VERSION\" --set image.tag=1 \\\n  \
--set-file \"a.password=$F\" --wait\n"
        );
        assert_eq!(
            run("encrypt-dir", &[("file", "demo-$TS.tar.gz.age")]),
            "tar -C \"$tmp\" -czf - . | age -r \"$AGE_RECIPIENT\" \\\n  \
> \"$BACKUP_DIR/demo-$TS.tar.gz.age\"\nrm -rf \"$tmp\"\n"
        );
        let enc = find("encrypt").unwrap();
        let prose = |file: &str| {
            let given = Given::from([("file".to_string(), file.to_string())]);
            (enc.prose.unwrap())(&args(enc, &given).unwrap(), &s)
        };
        assert_eq!(
            prose("demo-$TS.tar")[2],
            "`demo-<timestamp>.tar.age` beside the archive."
        );
        assert_eq!(
            prose("demo-*.tar")[2],
            "An `.age` file next to the archive."
        );
        let dry = run("upgrade-dry-run", &[]);
        assert_eq!(
            dry,
            "tmp=$(mktemp)\nhelm -n \"$NAMESPACE\" get values \"$RELEASE\" -o yaml > \"$tmp\"\n\
helm -n \"$NAMESPACE\" upgrade \"$RELEASE\" \"$CHART\" \\\n  \
--version \"$CHART_VERSION\" -f \"$tmp\" --dry-run\nrm -f \"$tmp\"\n"
        );
        let dry = run("upgrade-dry-run", &[("quiet", "yes")]);
        assert!(
            dry.ends_with(
                "--dry-run > /dev/null\nrm -f \"$tmp\"\necho \"upgrade renders cleanly\"\n"
            ),
            "{dry}"
        );
        assert_eq!(
            run("encrypt", &[("file", "demo-$TS.tar")]),
            "age -r \"$AGE_RECIPIENT\" -o \"$BACKUP_DIR/demo-$TS.tar.age\" \\\n  \
\"$BACKUP_DIR/demo-$TS.tar\"\n"
        );
        // A pattern: the newest match, as `newest` picks it.
        let newest = run("newest", &[("glob", "demo-*.tar.gz")]);
        assert_eq!(
            run("encrypt", &[("file", "demo-*.tar.gz"), ("remove", "yes")]),
            format!("{newest}age -r \"$AGE_RECIPIENT\" -o \"$F.age\" \"$F\" && rm -f \"$F\"\n")
        );
        let side = run(
            "upgrade-image",
            &[
                ("tag", "v2"),
                ("file", "/tmp/v.yaml"),
                ("release", "\"$RELEASE-next\""),
                ("set", "a.b=null,c=false"),
            ],
        );
        assert!(
            side.contains("helm -n \"$NAMESPACE\" get values \"$RELEASE\" -o yaml")
                && side.contains("helm -n \"$NAMESPACE\" install \"$RELEASE-next\" \"$CHART\"")
                && side.contains(
                    "--set image.tag=v2 \\\n  --set a.b=null,c=false \\\n  --wait --timeout 5m\n"
                ),
            "{side}"
        );
        assert!(!side.contains("upgrade"), "{side}");
        assert_eq!(
            run("helm-rollback", &[]),
            "helm -n \"$NAMESPACE\" rollback \"$RELEASE\" 0 --wait\n"
        );
        assert_eq!(
            run("helm-rollback", &[("history", "yes")]),
            "helm -n \"$NAMESPACE\" history \"$RELEASE\" --max 5\n\
helm -n \"$NAMESPACE\" rollback \"$RELEASE\" 0 --wait\n"
        );
        assert_eq!(
            run("helm-rollback", &[("timeout", "20m")]),
            "helm -n \"$NAMESPACE\" rollback \"$RELEASE\" 0 --wait --timeout 20m\n"
        );
        let back = run("helm-rollback-image", &[]);
        assert!(
            back.contains("while (n > 0 && i[n] == i[NR]) n--")
                && back.contains("rollback \"$RELEASE\" \"$REV\" --wait\n")
                && back.contains("nothing rolled back"),
            "{back}"
        );
        assert!(back.starts_with("K=image.tag\n"), "{back}");
        let nested = run(
            "helm-rollback-image",
            &[("key", "app.server.image.tag"), ("timeout", "15m")],
        );
        assert!(
            nested.starts_with("K=app.server.image.tag\n")
                && nested.contains("\"$REV\" --wait --timeout 15m\n"),
            "{nested}"
        );
        assert_eq!(
            run("backup-before-upgrade", &[]),
            format!(
                "make {}-backup NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\" \\\n  \
BACKUP_DIR=\"$BACKUP_DIR\"\n",
                s.name
            )
        );
        let no_user = run(
            "helper-pod",
            &[("name", "h"), ("claim", "c"), ("mount", "/d")],
        );
        assert!(!no_user.contains("securityContext"), "{no_user}");
        assert!(no_user.contains("command: [sleep, \"3600\"]"), "{no_user}");
        assert!(
            pod.contains("runAsNonRoot: true")
                && pod.contains("seccompProfile: { type: RuntimeDefault }")
                && pod.contains("capabilities: { drop: [ALL] }"),
            "with a user, the restricted Pod Security Standard: {pod}"
        );
    }

    /// `helm-rollback-image` run by sh with real jq, awk and sed against a
    /// helm that answers a history of revisions, each `tag/app-version`
    /// (the deployed one last; an empty tag runs the app version, as the
    /// charts' `default .Chart.AppVersion` does):
    /// - a version upgrade goes back to the revision before it, also when
    ///   the upgrade took two revisions on the new image (which `helm
    ///   rollback 0` misses) and when only the chart's app version moved;
    /// - a configuration change (every revision on one image) goes back to
    ///   the previous revision, as `helm rollback 0` would, where it once
    ///   rolled nothing back;
    /// - after two upgrades it goes back one, to the second image;
    /// - `REVISION=` picks the revision;
    /// - a first revision fails and rolls nothing back.
    ///
    /// It reads the tag under `key` (a decoy `image.tag` never changes) and
    /// says which revision it goes to and why.
    #[test]
    fn helm_rollback_image_returns_to_the_revision_before_the_change() {
        let s = spec();
        let body = expand_with(
            "helm-rollback-image",
            &[("key", "app.server.image.tag"), ("timeout", "15m")],
            &s,
        );
        let helm = r#"helm() {
  case "$*" in
  *' history '*) n=0; sep=; printf '['
    for v in $REVS; do n=$((n + 1))
      printf '%s{"revision":%s,"app_version":"%s","status":"x"}' "$sep" "$n" "${v#*/}"
      sep=,
    done
    echo ']' ;;
  *' get values '*) r=${*##*--revision }; r=${r%% *}
    v=$(echo "$REVS" | cut -d ' ' -f "$r")
    printf '{"image":{"tag":"decoy"},"app":{"server":{"image":{"tag":"%s"}}}}\n' "${v%%/*}" ;;
  *' rollback '*) echo "ROLLBACK $*" ;;
  *) echo "helm $*?" >&2; return 1 ;;
  esac
}
"#;
        let run = |revs: &str, revision: &str| {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("set -eu\n{helm}{body}"))
                .env("NAMESPACE", "n")
                .env("RELEASE", "r")
                .env("REVS", revs)
                .env("REVISION", revision)
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            let text = String::from_utf8_lossy(&out.stdout).into_owned();
            (out.status.success(), text, err)
        };
        let to = |n: &str| format!("ROLLBACK -n n rollback r {n} --wait --timeout 15m\n");
        for (case, revs, revision, back, why) in [
            (
                "version upgrade",
                "v1/1 v2/1",
                "",
                "1",
                "the newest revision on v1, another image than the deployed v2",
            ),
            (
                "version upgrade in two revisions",
                "v1/1 v1/1 v2/1 v2/1",
                "",
                "2",
                "the newest revision on v1, another image than the deployed v2",
            ),
            (
                "app version upgrade, tag empty",
                "/1.0 /1.0 /1.1",
                "",
                "2",
                "the newest revision on 1.0, another image than the deployed 1.1",
            ),
            (
                "configuration change",
                "v1/1 v1/1 v1/1",
                "",
                "2",
                "every revision runs v1, so the previous one (a configuration change)",
            ),
            (
                "two upgrades",
                "v1/1 v2/1 v3/1 v3/1",
                "",
                "2",
                "the newest revision on v2, another image than the deployed v3",
            ),
            (
                "REVISION given",
                "v1/1 v2/1 v3/1 v3/1",
                "1",
                "1",
                "REVISION=1 was asked for",
            ),
        ] {
            let (ok, out, err) = run(revs, revision);
            assert!(ok, "{case}: {out}{err}");
            assert!(out.contains(&to(back)), "{case}: {out}");
            assert_eq!(out.matches("ROLLBACK").count(), 1, "{case}: {out}");
            assert!(
                out.contains(&format!("rolling back to revision {back}: {why}\n")),
                "{case}: {out}"
            );
            let first = revs.split(' ').next().unwrap().split('/').next().unwrap();
            let first = if first.is_empty() { "1.0" } else { first };
            assert!(
                out.starts_with(&format!("revision 1 {first}\n")),
                "{case}: {out}"
            );
        }
        let (ok, out, err) = run("v1/1", "");
        assert!(!ok, "the first revision: {out}");
        assert!(!out.contains("ROLLBACK"), "{out}");
        assert!(
            err.contains("r has no earlier revision: nothing rolled back"),
            "{err}"
        );
    }

    /// `port-forward` then `port-forward-stop` in `sh -eu`, as a composed
    /// make target runs them, with a kubectl that prints what kubectl
    /// prints: a forward that died during the work (the connection lost
    /// after `Forwarding from`) is stopped without an error and the recipe
    /// goes on; a live one is stopped and reaped; one that never started
    /// still fails at the start, with kubectl's message, before the work.
    #[test]
    fn port_forward_stop_passes_a_forward_that_died_under_set_e() {
        let s = spec();
        let start = expand_with("port-forward", &[("ports", "1:2")], &s);
        let stop = expand_with("port-forward-stop", &[], &s);
        let d = tempfile::tempdir().unwrap();
        let run = |kubectl: &str| {
            let k = d.path().join("kubectl");
            std::fs::write(&k, format!("#!/bin/sh\n{kubectl}")).unwrap();
            std::fs::set_permissions(&k, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            let script = format!(
                "{start}echo work; sleep 0.5\n{stop}\
kill -0 \"$PF\" 2>/dev/null && echo alive || echo stopped\necho end\n"
            );
            let out = std::process::Command::new("sh")
                .args(["-euc", &script])
                .env("KUBECTL", &k)
                .env("NAMESPACE", "n")
                .env("POD", "p")
                .output()
                .unwrap();
            let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
            (out.status.success(), text(&out.stdout), text(&out.stderr))
        };
        let forwarding = "echo 'Forwarding from 127.0.0.1:1 -> 2'\n";
        let died = run(&format!(
            "{forwarding}echo 'error: lost connection to pod' >&2; exit 1\n"
        ));
        assert_eq!(died, (true, "work\nstopped\nend\n".into(), String::new()));
        let live = run(&format!("{forwarding}exec sleep 30\n"));
        assert_eq!(live, (true, "work\nstopped\nend\n".into(), String::new()));
        let (ok, out, err) =
            run("echo 'error: unable to listen on any of the requested ports' >&2\nexit 1\n");
        assert!(!ok && out.is_empty(), "{out}");
        assert!(
            err.contains("unable to listen") && err.contains("port-forward failed"),
            "{err}"
        );
    }

    /// `scale-down-recorded` then `scale-back`, run by sh (real `tr` and
    /// `sed`) against a kubectl that keeps each workload's count and
    /// annotations in files and answers the jsonpaths as the API does
    /// (kinds capitalised, a missing annotation empty; `annotate` without
    /// `--overwrite` refuses an existing key). Workloads at 3 and 2 and one
    /// already stopped are stopped twice by the selector, the second time
    /// at 0, as an operator repeating a step or a make target after the
    /// guide's stop does; a new shell, with nothing in its variables, then
    /// puts back 3, 2 and 0 and removes the record, and leaves a workload
    /// outside the selector with another record alone. A second start
    /// finds nothing recorded and starts nothing.
    #[test]
    fn scale_back_restores_the_recorded_counts() {
        let s = spec();
        let body = |name: &str, given: &[(&str, &str)]| expand_with(name, given, &s);
        let kubectl = r#"kubectl() {
  lc() { echo "$1" | tr '[:upper:]' '[:lower:]' | tr / _; }
  at() { for w in "$D"/*/*; do [ "$(lc "${w##*/}")" != "$(lc "$1")" ] || echo "$w"; done; }
  case "$*" in
  '-n n get deployment/other -o jsonpath={.kind}/{.metadata.name}={.'*)
    w="$D/o/Deployment_other"; case "$*" in
    *'={.spec.replicas} ') echo "Deployment/other=$(cat "$w/count") " ;;
    *'gen\.helm/ONE} ') echo "Deployment/other=$(cat "$w/a_ONE" 2>/dev/null) " ;;
    *) echo "kubectl $*?" >&2; return 1 ;;
    esac ;;
  '-n n scale deployment/other --replicas=0') echo 0 > "$D/o/Deployment_other/count" ;;
  '-n n get deployment,statefulset '*)
    case "$*" in *' -l app=x '*) ds="$D/x" ;; *' -l '*) return 2 ;; *) ds="$D/x $D/o" ;; esac
    case "$*" in
    *'={.spec.replicas} {end}') f=count ;;
    *'={.metadata.annotations.gen\.helm/'*' {end}') f=${*##*gen\\.helm/}; f="a_${f%%\}*}" ;;
    *) echo "kubectl $*?" >&2; return 1 ;;
    esac
    for d in $ds; do for w in "$d"/*; do n=${w##*/}
      printf '%s/%s=%s ' "${n%%_*}" "${n#*_}" "$(cat "$w/$f" 2>/dev/null)"; done; done ;;
  '-n n scale deployment,statefulset -l app=x --replicas=0')
    for w in "$D"/x/*; do echo 0 > "$w/count"; done; echo "SCALE all 0" ;;
  '-n n scale '*/*' --replicas='*) w=$(at "$4"); echo "${5#--replicas=}" > "$w/count"
    echo "SCALE $4 ${5#--replicas=}" ;;
  '-n n annotate --overwrite '*/*' gen.helm/'*=*) w=$(at "$5"); k=${6#gen.helm/}
    echo "${k#*=}" > "$w/a_${k%%=*}"; echo "NOTE $5 $6" ;;
  '-n n annotate '*/*' gen.helm/'*-) w=$(at "$4"); k=${5#gen.helm/}; rm "$w/a_${k%-}" ;;
  *) echo "kubectl $*?" >&2; return 1 ;;
  esac
}
"#;
        let show = "for w in \"$D\"/*/*; do echo \"NOW ${w##*/} $(cat \"$w\"/count)\" \
$(cd \"$w\" && ls a_* 2>/dev/null); done\n";
        let d = tempfile::tempdir().unwrap();
        for (w, n) in [
            ("x/Deployment_web", "3"),
            ("x/StatefulSet_db", "2"),
            ("x/Deployment_off", "0"),
            ("o/Deployment_other", "1"),
        ] {
            std::fs::create_dir_all(d.path().join(w)).unwrap();
            std::fs::write(d.path().join(w).join("count"), n).unwrap();
        }
        std::fs::write(d.path().join("o/Deployment_other/a_OTHER"), "5").unwrap();
        // Each run is a new shell on the same cluster.
        let run = |script: &str| {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("set -eu\n{kubectl}{script}{show}"))
                .env("NAMESPACE", "n")
                .env("D", d.path())
                .output()
                .unwrap();
            let err = String::from_utf8_lossy(&out.stderr).into_owned();
            assert!(out.status.success(), "{script}\n{err}");
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let down = body("scale-down-recorded", &[("pods", "app=x"), ("var", "APP")]);
        let back = body("scale-back", &[("var", "APP")]);
        let recorded = "replicas before the stop: deployment/web=3 statefulset/db=2 \n";
        let first = run(&down);
        let second = run(&down);
        for out in [&first, &second] {
            assert!(out.contains(recorded), "{out}");
            for w in [
                "NOW Deployment_off 0\n",
                "NOW Deployment_web 0 a_APP\n",
                "NOW StatefulSet_db 0 a_APP\n",
                "NOW Deployment_other 1 a_OTHER\n",
            ] {
                assert!(out.contains(w), "{w}: {out}");
            }
        }
        assert!(
            first.contains("NOTE deployment/web gen.helm/APP=3\n"),
            "{first}"
        );
        assert!(
            !second.contains("NOTE"),
            "the second stop recorded again: {second}"
        );
        let out = run(&back);
        assert!(
            out.contains("replicas to put back: deployment/web=3 statefulset/db=2 \n"),
            "{out}"
        );
        for w in [
            "SCALE deployment/web 3\n",
            "SCALE statefulset/db 2\n",
            "NOW Deployment_off 0\n",
            "NOW Deployment_web 3\n",
            "NOW StatefulSet_db 2\n",
            "NOW Deployment_other 1 a_OTHER\n",
        ] {
            assert!(out.contains(w), "{w}: {out}");
        }
        let out = run(&back);
        assert!(
            out.contains("replicas to put back: none recorded\n"),
            "{out}"
        );
        assert!(!out.contains("SCALE"), "{out}");
        // A count that overrides the record: 0 keeps them stopped and the
        // record for the next start; 4 starts each at 4 and drops it.
        run(&down);
        let over = body("scale-back", &[("var", "APP"), ("override", "R")]);
        let out = run(&format!("R=0\n{over}"));
        assert!(out.contains("NOW Deployment_web 0 a_APP\n"), "{out}");
        let out = run(&format!("R=4\n{over}"));
        assert!(out.contains("NOW Deployment_web 4\n"), "{out}");
        assert!(out.contains("NOW StatefulSet_db 4\n"), "{out}");
        assert!(out.contains("NOW Deployment_off 0\n"), "{out}");
        let out = run(&format!("R=\n{}{over}", down));
        assert!(out.contains("NOW Deployment_web 4\n"), "{out}");
        assert!(out.contains("NOW StatefulSet_db 4\n"), "{out}");
        // One workload named by `ref`: recorded under its own name, stopped
        // alone, started by its own `scale-back`.
        let one = &[("ref", "deployment/other"), ("var", "ONE")];
        let out = run(&body("scale-down-recorded", one));
        assert!(
            out.contains("replicas before the stop: deployment/other=1 \n"),
            "{out}"
        );
        assert!(
            out.contains("NOW Deployment_other 0 a_ONE a_OTHER\n"),
            "{out}"
        );
        assert!(out.contains("NOW Deployment_web 4\n"), "{out}");
        let out = run(&body("scale-back", &[("var", "ONE")]));
        assert!(out.contains("NOW Deployment_other 1 a_OTHER\n"), "{out}");
    }

    /// `config-export` is the built-in component's own step, and both
    /// configuration snippets need `backup.config_export`.
    #[test]
    fn config_snippets_are_the_built_in_exports() {
        let f = demo(|s| {
            edited(&s, &[("backup:\n", "backup:\n  config_export: {}\n"), ("    duration: 30m\n    steps:\n", "    duration: 30m\n    steps:\n      - use: config-restore\n        with: { install: yes, set: x.replicas=0 }\n      - title: Export again\n        run: |\n          {{use config-export}}\n")])
        })
        .unwrap();
        let s = &f.spec;
        let built_in = s.backup.components.last().unwrap();
        assert_eq!(built_in.id, "config");
        let export = built_in.steps[0].run.as_deref().unwrap();
        assert_eq!(
            export,
            super::super::share::export_run("demo", &Default::default())
        );
        let steps = &s.restore[0].steps;
        assert_eq!(steps[1].run.as_deref(), Some(export));
        let restore = steps[0].run.as_deref().unwrap();
        assert!(
            restore.contains("CP=\"$BACKUP_DIR/demo-k8s-\"\n")
                && restore.contains("-f \"$CV\" \\\n  --set x.replicas=0 --wait"),
            "{restore}"
        );
        assert!(
            steps[0].title.contains("install the release"),
            "{}",
            steps[0].title
        );
        assert!(s.variables.iter().any(|v| v.name == "CONFIG_FILE"));
        let plain = super::super::share::restore_run("demo", Default::default());
        assert!(
            plain.ends_with("echo \"values for helm upgrade --install -f: $CV\"\n")
                && !plain.contains("helm -n"),
            "{plain}"
        );
        for name in ["config-export", "config-restore"] {
            let (_, m, h) = expand_run(&format!("{{{{use {name}}}}}\n"), &spec()).unwrap_err();
            assert!(
                m.contains("needs `backup.config_export`") && h.contains("config_export: {}"),
                "{m}"
            );
        }
    }

    /// The export and the restore, run with real `age` and `jq` against a
    /// kubectl and helm that answer like a cluster: the restore finds the
    /// newest export, applies exactly the exported objects without the
    /// server-set fields, and installs with the values file of the same
    /// export; the unlabelled Secrets of `extra_secrets` are in it.
    #[test]
    fn export_then_restore_round_trips() {
        let tools = ["age", "age-keygen", "jq"];
        let found = tools.iter().all(|t| {
            std::process::Command::new(t)
                .arg("--version")
                .output()
                .is_ok()
        });
        assert!(
            found || std::env::var("CI").as_deref() != Ok("true"),
            "age or jq is missing (scripts/test installs them)"
        );
        if !found {
            eprintln!("skipped: age or jq missing");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let bin = d.join("bin");
        std::fs::create_dir(&bin).unwrap();
        let object = |kind: &str, name: &str| {
            format!(
                r#"{{"apiVersion":"v1","kind":"{kind}","metadata":{{"name":"{name}","namespace":"n","uid":"u","resourceVersion":"7","creationTimestamp":"t","managedFields":[],"labels":{{"app.kubernetes.io/instance":"r","app.kubernetes.io/managed-by":"Helm"}},"annotations":{{"meta.helm.sh/release-name":"r","meta.helm.sh/release-namespace":"n","keep":"me"}}}},"data":{{"k":"dg=="}}}}"#
            )
        };
        let list = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{},{}]}}"#,
            object("Secret", "r-demo"),
            object("ConfigMap", "r-demo-conf")
        );
        let script = |name: &str, body: String| {
            use std::os::unix::fs::PermissionsExt;
            let p = bin.join(name);
            std::fs::write(&p, format!("#!/bin/sh\nset -eu\n{body}")).unwrap();
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        script(
            "kubectl",
            format!(
                "case \"$*\" in\n*' get secret,configmap '*) if [ -n \"${{EMPTY:-}}\" ]; \
then echo '{{\"kind\":\"List\",\"items\":[]}}'; else echo '{list}'; fi ;;\n\
*' get secret tls -o json') echo '{}' ;;\n*' apply -f -') cat > \"$STATE/in.json\"\n\
  [ -s \"$STATE/in.json\" ] || {{ echo 'error: no objects passed to apply' >&2; exit 1; }}\n\
  echo \"$*\" > \"$STATE/apply-args.txt\"\n\
  mv \"$STATE/in.json\" \"$STATE/applied.json\" ;;\n\
'get namespace '*) grep -qx \"$3\" \"$STATE/namespaces\" 2>/dev/null ;;\n\
'create namespace '*) echo \"$3\" >> \"$STATE/namespaces\" ;;\n\
*) echo \"kubectl $*?\" >&2; exit 1 ;;\nesac\n",
                r#"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"tls","namespace":"n","uid":"u"},"data":{"k":"dg=="}}"#
            ),
        );
        script(
            "helm",
            "case \"$*\" in\n*' get values '*) echo 'replicas: 2' ;;\n\
*' upgrade --install '*) echo \"$*\" > \"$STATE/helm.txt\"\n\
  while [ $# -gt 1 ]; do [ \"$1\" != -f ] || cat \"$2\" > \"$STATE/used.yaml\"; shift; done\n\
  [ -z \"${HELM_FAIL:-}\" ] ;;\n*) exit 1 ;;\nesac\n"
                .into(),
        );
        let run = |script: &str, env: &[(&str, std::path::PathBuf)]| {
            let mut c = std::process::Command::new("sh");
            c.arg("-c")
                .arg(format!("set -eu\n{script}"))
                .env(
                    "PATH",
                    format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
                )
                .env("STATE", d)
                .env("NAMESPACE", "n")
                .env("RELEASE", "r")
                .env("CHART", "./charts/demo")
                .env("CHART_VERSION", "")
                .env("BACKUP_DIR", d.join("backups"))
                .env("AGE_KEY_FILE", d.join("key.txt"))
                .env("MC_SECRETS", "tls")
                .env_remove("CONFIG_FILE")
                .current_dir(d);
            for (k, v) in env {
                c.env(k, v);
            }
            c.output().unwrap()
        };
        // `date` answers `ts`, so each export gets a known timestamp.
        let sh = |script: &str, ts: &str| {
            let out = run(&format!("date() {{ echo {ts}; }}\n{script}"), &[]);
            assert!(
                out.status.success(),
                "{script}\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let key = sh(
            "age-keygen -o key.txt 2>&1 | sed -n 's/^Public key: //p'",
            "x",
        );
        let extra = super::super::share::ConfigExport {
            extra_secrets: Some("MC_SECRETS".into()),
            ..Default::default()
        };
        let export = super::super::share::export_run("demo", &extra);
        let recipient = format!("AGE_RECIPIENT={}\n", key.trim());
        sh(&format!("{recipient}{export}"), "20260101-000000");
        std::fs::write(
            d.join("backups/demo-values-20260102-000000.yaml"),
            "replicas: 3\n",
        )
        .unwrap();
        sh(&format!("{recipient}{export}"), "20260102-000000");
        let sealed = std::fs::read(d.join("backups/demo-k8s-20260102-000000.json.age")).unwrap();
        assert!(sealed.starts_with(b"age-encryption.org/v1"));
        let out = sh(
            &super::super::share::restore_run(
                "demo",
                super::super::share::RestoreMode {
                    install: true,
                    set: "x.replicas=0",
                    diff: false,
                    sealed: false,
                },
            ),
            "unused",
        );
        assert_eq!(out, "");
        let applied: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("applied.json")).unwrap())
                .unwrap();
        let names: Vec<&str> = applied["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["metadata"]["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["r-demo", "r-demo-conf", "tls"]);
        let meta = &applied["items"][0]["metadata"];
        for gone in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
        ] {
            assert!(meta.get(gone).is_none(), "{gone} in {meta}");
        }
        assert_eq!(applied["items"][0]["data"]["k"], "dg==");
        let helm = std::fs::read_to_string(d.join("helm.txt")).unwrap();
        assert!(
            helm.contains(&format!(
                "-f {}/backups/demo-values-20260102-000000.yaml --set x.replicas=0 --wait",
                d.display()
            )),
            "{helm}"
        );
        // Restored into the namespace and release it came from, the
        // objects keep their ownership, and lose only their namespace.
        assert!(applied["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["metadata"].get("namespace").is_none()));
        assert_eq!(meta["annotations"]["meta.helm.sh/release-name"], "r");
        // Into another namespace and release: `kubectl apply -n` takes
        // the objects, which name the new release as their owner (what
        // `helm install` adopts), in a namespace created first.
        let install = super::super::share::restore_run(
            "demo",
            super::super::share::RestoreMode {
                install: true,
                ..Default::default()
            },
        );
        sh(&format!("NAMESPACE=n2; RELEASE=r2\n{install}"), "unused");
        assert_eq!(
            std::fs::read_to_string(d.join("namespaces")).unwrap(),
            "n\nn2\n",
            "the first install created n"
        );
        let args = std::fs::read_to_string(d.join("apply-args.txt")).unwrap();
        assert_eq!(args.trim(), "-n n2 apply -f -");
        let moved: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(d.join("applied.json")).unwrap())
                .unwrap();
        let items = moved["items"].as_array().unwrap();
        assert_eq!(items.len(), 3);
        for o in &items[..2] {
            let m = &o["metadata"];
            assert!(m.get("namespace").is_none(), "{m}");
            assert_eq!(m["annotations"]["meta.helm.sh/release-name"], "r2", "{m}");
            assert_eq!(m["annotations"]["meta.helm.sh/release-namespace"], "n2");
            assert_eq!(m["annotations"]["keep"], "me");
            assert_eq!(m["labels"]["app.kubernetes.io/instance"], "r2");
            assert_eq!(m["labels"]["app.kubernetes.io/managed-by"], "Helm");
        }
        // The unlabelled Secret gets no owner it did not have.
        assert_eq!(
            items[2]["metadata"],
            serde_json::json!({"name": "tls"}),
            "{}",
            items[2]
        );
        let helm = std::fs::read_to_string(d.join("helm.txt")).unwrap();
        assert!(helm.starts_with("-n n2 upgrade --install r2 "), "{helm}");
        // A second run finds the namespace and does not create it again.
        sh(&format!("NAMESPACE=n2; RELEASE=r2\n{install}"), "unused");
        assert_eq!(
            std::fs::read_to_string(d.join("namespaces")).unwrap(),
            "n\nn2\n",
            "the first install created n"
        );
        // An older export, picked with CONFIG_FILE: its own values file.
        let older = d.join("backups/demo-k8s-20260101-000000.json.age");
        let out = sh(
            &format!(
                "CONFIG_FILE={}\n{}",
                older.display(),
                super::super::share::restore_run("demo", Default::default())
            ),
            "unused",
        );
        assert!(out.ends_with("demo-values-20260101-000000.yaml\n"), "{out}");
        // A chart that renders no Secret or ConfigMap: nothing to apply,
        // which kubectl would refuse, and the values are still named.
        std::fs::remove_file(d.join("applied.json")).unwrap();
        let plain = super::super::share::export_run("demo", &Default::default());
        sh(
            &format!("export EMPTY=1\n{recipient}{plain}"),
            "20260102-120000",
        );
        let out = sh(
            &super::super::share::restore_run("demo", Default::default()),
            "unused",
        );
        assert!(out.ends_with("demo-values-20260102-120000.yaml\n"), "{out}");
        assert!(!d.join("applied.json").exists(), "an empty list applied");
        // A key that does not decrypt the export fails the restore.
        sh("age-keygen -o other.txt 2>/dev/null", "x");
        let wrong = run(
            &super::super::share::restore_run("demo", Default::default()),
            &[("AGE_KEY_FILE", d.join("other.txt"))],
        );
        assert!(!wrong.status.success(), "a wrong key must fail");
        assert!(String::from_utf8_lossy(&wrong.stderr).contains("cannot decrypt"));
        assert!(!d.join("applied.json").exists());
        // encrypt_values: the values file is sealed too, and the install
        // reads it decrypted from a temporary file it removes, even when
        // helm fails.
        let sealed = super::super::share::ConfigExport {
            encrypt_values: true,
            ..Default::default()
        };
        let export = super::super::share::export_run("demo", &sealed);
        sh(&format!("{recipient}{export}"), "20260103-000000");
        let values = std::fs::read(d.join("backups/demo-values-20260103-000000.yaml.age")).unwrap();
        assert!(values.starts_with(b"age-encryption.org/v1"));
        assert!(!d.join("backups/demo-values-20260103-000000.yaml").exists());
        let restore = super::super::share::restore_run(
            "demo",
            super::super::share::RestoreMode {
                install: true,
                sealed: true,
                ..Default::default()
            },
        );
        sh(&restore, "unused");
        assert_eq!(
            std::fs::read_to_string(d.join("used.yaml")).unwrap(),
            "replicas: 2\n"
        );
        let temp = || {
            let helm = std::fs::read_to_string(d.join("helm.txt")).unwrap();
            let t = helm
                .split(" -f ")
                .nth(1)
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            assert!(!t.contains("backups/"), "{helm}");
            std::path::PathBuf::from(t)
        };
        assert!(!temp().exists(), "decrypted values left behind");
        std::fs::remove_file(d.join("helm.txt")).unwrap();
        let failed = run(&restore, &[("HELM_FAIL", "1".into())]);
        assert!(
            !failed.status.success(),
            "a failed install fails the restore"
        );
        assert!(!temp().exists(), "decrypted values left behind");
        std::fs::remove_dir_all(d.join("backups")).unwrap();
        std::fs::create_dir(d.join("backups")).unwrap();
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "set -e\n{}",
                super::super::share::restore_run("demo", Default::default())
            ))
            .env("BACKUP_DIR", d.join("backups"))
            .env_remove("CONFIG_FILE")
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("set CONFIG_FILE="));
    }

    #[test]
    fn missing_and_unknown_parameters_are_errors_with_help() {
        let pf = find("port-forward").unwrap();
        let e = args(pf, &BTreeMap::new()).unwrap_err();
        assert!(e.message.contains("needs the parameter `ports`"), "{e:?}");
        assert!(e.help.contains("`ports` (required"), "{e:?}");
        let given = [("port".to_string(), "1:1".to_string())].into();
        let e = args(pf, &given).unwrap_err();
        assert_eq!(e.param.as_deref(), Some("port"));
        assert!(e.help.starts_with("did you mean `ports`?"), "{e:?}");
        let given = [("ports".to_string(), "1:1 x".to_string())].into();
        assert!(
            args(pf, &given).is_ok(),
            "a value is one word; the line parser splits"
        );
        let given = [
            ("to".to_string(), "a'b".to_string()),
            ("ports".into(), "1:1".into()),
        ]
        .into();
        assert!(args(pf, &given).is_err());
        assert!(find("port-froward").err().unwrap().contains("port-forward"));
    }

    #[test]
    fn a_use_line_expands_in_place_with_its_indentation() {
        let s = spec();
        let out = expand_run("echo a\n  {{use port-forward ports=1:2}}\necho b\n", &s)
            .unwrap()
            .unwrap();
        assert!(out.starts_with(
            "echo a\n  PFO=$(mktemp)\n  (exec ${KUBECTL:-kubectl} -n \"$NAMESPACE\" port-forward \"pod/$POD\" \\\n    1:2)"
        ));
        assert!(
            out.ends_with("      \"(${PF_WAIT:-30} s)\"; false; } >&2\necho b\n"),
            "{out}"
        );
        assert_eq!(
            expand_run("echo {{use x}}\n", &s),
            Ok(None),
            "only a line of its own"
        );
        let (n, m, _) = expand_run("a\nb\n{{use port-forward}}\n", &s).unwrap_err();
        assert_eq!(n, 2);
        assert!(m.contains("`ports`"), "{m}");
        let (_, m, _) = expand_run("{{use port-forward ports}}\n", &s).unwrap_err();
        assert!(m.contains("not key=value"), "{m}");
    }

    /// The scaffold with these fragments, its backup step's command and
    /// its backup target's replaced by `step` and `target`.
    fn with_fragments(frags: &str, step: &str, target: &str) -> Result<SpecFile, Diagnostic> {
        demo(|s| {
            crate::spec::testkit::edited(
                &s,
                &[
                    (
                        "          run: |\n            mkdir -p \"$BACKUP_DIR\"\n",
                        &format!("          run: |\n{step}"),
                    ),
                    (
                        "      mkdir -p \"$BACKUP_DIR\"\n      echo \"TODO write the backup into $BACKUP_DIR\"\n",
                        target,
                    ),
                    ("operations: #", &format!("fragments:\n{frags}operations: #")),
                ],
            )
        })
    }

    const DIRS: &str = "  dirs: |\n    mkdir -p \"$BACKUP_DIR\"\n    cd \"$BACKUP_DIR\"\n";

    /// A fragment expands in a guide step and in an operation, indented
    /// like its `{{use}}` line, and gives the same guide and Makefile as
    /// the spec with its text written out.
    #[test]
    fn a_fragment_is_its_text_written_out() {
        let used = with_fragments(
            DIRS,
            "            {{use dirs}}\n            ls\n",
            "      if true; then\n        {{use dirs}}\n      fi\n",
        )
        .unwrap();
        let spelled = demo(|s| {
            crate::spec::testkit::edited(
                &s,
                &[
                    (
                        "            mkdir -p \"$BACKUP_DIR\"\n  verification",
                        "            mkdir -p \"$BACKUP_DIR\"\n            cd \"$BACKUP_DIR\"\n            ls\n  verification",
                    ),
                    (
                        "      mkdir -p \"$BACKUP_DIR\"\n      echo \"TODO write the backup into $BACKUP_DIR\"\n",
                        "      if true; then\n        mkdir -p \"$BACKUP_DIR\"\n        cd \"$BACKUP_DIR\"\n      fi\n",
                    ),
                ],
            )
        })
        .unwrap();
        let step = |f: &SpecFile| f.spec.backup.components[0].steps[0].run.clone().unwrap();
        assert_eq!(
            step(&used),
            "mkdir -p \"$BACKUP_DIR\"\ncd \"$BACKUP_DIR\"\nls\n"
        );
        assert_eq!(step(&used), step(&spelled));
        assert_eq!(
            used.spec.operations[0].run,
            "if true; then\n  mkdir -p \"$BACKUP_DIR\"\n  cd \"$BACKUP_DIR\"\nfi\n"
        );
        assert_eq!(used.spec.operations[0].run, spelled.spec.operations[0].run);
        // Everything gen renders follows from the parsed spec: the two are
        // the same spec, but for the fragments themselves.
        let mut a = used.spec.clone();
        a.fragments.clear();
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&spelled.spec).unwrap()
        );
        assert_eq!(used.fragments_used.iter().collect::<Vec<_>>(), ["dirs"]);
    }

    /// A fragment may use snippets and other fragments; each level keeps
    /// the indentation of its `{{use}}` line, and a snippet's here-document
    /// stays in the first column.
    #[test]
    fn fragments_nest_with_their_indentation() {
        let frags = format!(
            "{DIRS}  helper: |\n    if true; then\n      {{{{use dirs}}}}\n      {{{{use helper-pod name=h claim=c mount=/d seconds=60}}}}\n    fi\n"
        );
        let f = with_fragments(
            &frags,
            "            {{use helper}}\n",
            "      {{use helper}}\n",
        )
        .unwrap();
        let run = &f.spec.operations[0].run;
        assert!(run.starts_with("if true; then\n  mkdir -p \"$BACKUP_DIR\"\n  cd \"$BACKUP_DIR\"\n  kubectl -n \"$NAMESPACE\" apply -f - <<EOF\napiVersion: v1\n"), "{run}");
        assert!(run.ends_with("--timeout=180s\nfi\n"), "{run}");
        assert_eq!(f.fragments_used.len(), 2);
        // Every line of the expansion is measured at its `{{use}}` line.
        let key = f.positions.get("operations[0].run");
        let lines = &f.positions.run_lines[&key];
        assert_eq!(lines.len(), run.lines().count());
        assert!(lines.iter().all(|n| *n == 0), "{lines:?}");
    }

    /// An unknown name lists the spec's fragments with the snippets; a bad
    /// line inside a fragment is pointed at in the fragment; a fragment
    /// takes no parameters; a cycle is left to its check, not a stack
    /// overflow.
    #[test]
    fn fragment_errors_name_their_line() {
        let e = with_fragments(DIRS, "            {{use dirz}}\n", "      ls\n").unwrap_err();
        assert!(e.message.contains("unknown snippet `dirz`"), "{e}");
        assert_eq!(e.help.as_deref(), Some("did you mean `dirs`?"));
        let e = with_fragments(DIRS, "            {{use nothing-like-it}}\n", "      ls\n")
            .unwrap_err();
        assert!(
            e.help
                .as_deref()
                .unwrap()
                .ends_with("; this spec's fragments are dirs"),
            "{e}"
        );
        let e = with_fragments(DIRS, "            {{use dirs x=1}}\n", "      ls\n").unwrap_err();
        assert!(
            e.message.contains("fragment `dirs` takes no parameter `x`"),
            "{e}"
        );
        let bad = "  dirs: |\n    mkdir -p \"$BACKUP_DIR\"\n    {{use port-forward}}\n";
        let e = with_fragments(bad, "            {{use dirs}}\n", "      ls\n").unwrap_err();
        // The fragment's third line, where it names the snippet.
        assert_eq!(
            e.snippet.as_deref(),
            Some("    {{use port-forward}}"),
            "{e}"
        );
        assert_eq!(e.column, 5, "{e}");
        assert!(e.message.contains("`ports`"), "{e}");
        let cyclic = "  a: |\n    {{use b}}\n  b: |\n    echo b\n    {{use a}}\n";
        let f = with_fragments(cyclic, "            {{use a}}\n", "      {{use b}}\n").unwrap();
        assert_eq!(f.spec.operations[0].run, "echo b\n{{use b}}\n");
    }

    /// A here-document a fragment opens keeps its lines, and its delimiter
    /// at the start of the line, however deep the `{{use}}` line is: an
    /// indented `EOF` ends nothing, and the shell reads on to the end.
    #[test]
    fn a_fragments_here_document_stays_at_its_column() {
        let frag = "  note: |\n    cat <<'DOC'\n    a\n    DOC\n    cat <<EOF\n    $B\n    EOF\n    cat <<<x\n    echo done\n";
        let f = with_fragments(
            frag,
            "            {{use note}}\n",
            "      if true; then\n        {{use note}}\n      fi\n",
        )
        .unwrap();
        assert_eq!(
            f.spec.operations[0].run,
            "if true; then\n  cat <<'DOC'\na\nDOC\n  cat <<EOF\n$B\nEOF\n  cat <<<x\n  echo done\nfi\n"
        );
        for (line, end) in [
            ("cat <<EOF", Some("EOF")),
            ("sh -es <<'EOF'", Some("EOF")),
            ("cat >> f <<\"CONF\"", Some("CONF")),
            ("cat <<-EOF", None),
            ("cat <<<\"$x\"", None),
            ("cat <<<EOF", None),
            ("echo '<<'", None),
        ] {
            assert_eq!(heredoc_end(line), end, "{line}");
        }
    }

    /// A chain of fragments is an error past its depth limit, at the use
    /// that goes too deep, whatever its length: a long chain once
    /// overflowed the stack.
    #[test]
    fn a_chain_of_fragments_too_deep_is_an_error_not_a_crash() {
        let chain = |n: usize| -> String {
            let mut f: String = (0..n)
                .map(|i| format!("  f{i}: |\n    {{{{use f{}}}}}\n", i + 1))
                .collect();
            f.push_str(&format!("  f{n}: echo deep\n"));
            f
        };
        let ok = with_fragments(
            &chain(MAX_FRAGMENT_DEPTH - 1),
            "            {{use f0}}\n",
            "      ls\n",
        )
        .unwrap();
        assert!(ok.spec.backup.components[0].steps[0]
            .run
            .as_deref()
            .unwrap()
            .contains("echo deep"));
        for n in [MAX_FRAGMENT_DEPTH, 5000] {
            let e =
                with_fragments(&chain(n), "            {{use f0}}\n", "      ls\n").unwrap_err();
            assert!(e.message.contains("8 fragments deep: f0 -> f1"), "{e}");
            // In the deepest fragment, at its `{{use}}` line.
            assert_eq!(e.snippet.as_deref(), Some("    {{use f8}}"), "{e}");
        }
    }

    /// `{{make}}` and `{{pod}}` write shell: in a step of another `lang`,
    /// on its own lines or a fragment's it uses, each is an error at its
    /// line; the same fragment expands in a shell step.
    #[test]
    fn a_shell_token_outside_a_shell_step_is_an_error_at_its_line() {
        const FRAG: &str = "  status: |\n    echo status\n    {{make status}}\n";
        let step = |lang: &str, run: &str| {
            let src = crate::spec::testkit::edited(
                &crate::scaffold::new_spec("demo"),
                &[
                    (
                        "          run: |\n            mkdir -p \"$BACKUP_DIR\"\n",
                        &format!("          {lang}run: |\n{run}"),
                    ),
                    ("operations: #", &format!("fragments:\n{FRAG}operations: #")),
                ],
            );
            let parsed = parse("specs/demo.yaml", src.as_bytes());
            (src, parsed)
        };
        let line_of =
            |src: &str, needle: &str| src.lines().position(|l| l.contains(needle)).unwrap() + 1;
        for (run, at, token) in [
            (
                "            a: 1\n            b: {{make status}}\n",
                "b: {{make",
                "{{make}}",
            ),
            (
                "            a: 1\n            {{use status}}\n",
                "    {{make status}}",
                "{{make}}",
            ),
            (
                "            a: 1\n            {{pod}} cat f\n",
                "{{pod}} cat",
                "{{pod}}",
            ),
        ] {
            let (src, parsed) = step("lang: yaml\n          ", run);
            let d = parsed.unwrap_err();
            assert_eq!(d.line, line_of(&src, at), "{run}: {d}");
            assert_eq!(
                d.message,
                format!("`{token}` in a `lang: yaml` block"),
                "{run}"
            );
            assert!(d.help.unwrap().contains("put it in a shell step"));
        }
        let (_, parsed) = step("", "            {{use status}}\n");
        let run = parsed.unwrap().spec.backup.components[0].steps[0]
            .run
            .clone()
            .unwrap();
        assert_eq!(
            run,
            "echo status\nmake demo-status NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\"\n"
        );
    }

    /// An indented `helper-pod` (inside an `if`) indents its commands but
    /// not its here-document, whose `EOF` must start its line.
    #[test]
    fn an_indented_here_document_stays_in_the_first_column() {
        let out = expand_run(
            "if true; then\n  {{use helper-pod name=h claim=c mount=/d seconds=60}}\nfi\n",
            &spec(),
        )
        .unwrap()
        .unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(
            lines[1], "  kubectl -n \"$NAMESPACE\" apply -f - <<EOF",
            "{out}"
        );
        assert_eq!(lines[2], "apiVersion: v1", "{out}");
        assert!(
            out.contains("\nEOF\n  kubectl -n \"$NAMESPACE\" wait"),
            "{out}"
        );
        assert!(out.contains("command: [sleep, \"60\"]"), "{out}");
        assert!(out.ends_with("--timeout=180s\nfi\n"), "{out}");
    }

    /// Errors point at the line of the spec that names the snippet.
    #[test]
    fn errors_name_the_spec_line() {
        let bad_line =
            |src: &str, needle: &str| src.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let edit = |s: String| {
            edited(&s, &[("    duration: 30m\n    steps:\n", "    duration: 30m\n    steps:\n      - title: Forward\n        run: |\n          echo start\n          {{use port-forward prots=1:1}}\n")])
        };
        let src = edit(crate::scaffold::new_spec("demo"));
        let d = demo(edit).unwrap_err();
        assert_eq!(d.line, bad_line(&src, "{{use port-forward"), "{d}");
        assert!(d.message.contains("no parameter `prots`"), "{d}");
        assert!(d.help.unwrap().contains("did you mean `ports`?"));

        let edit = |s: String| {
            edited(&s, &[("    duration: 30m\n    steps:\n", "    duration: 30m\n    steps:\n      - use: chart-available\n        with: { repo: r, uri: u }\n")])
        };
        let src = edit(crate::scaffold::new_spec("demo"));
        let d = demo(edit).unwrap_err();
        assert_eq!(d.line, bad_line(&src, "uri: u"), "{d}");
        let edit = |s: String| {
            edited(
                &s,
                &[(
                    "    duration: 30m\n    steps:\n",
                    "    duration: 30m\n    steps:\n      - use: chart-availble\n",
                )],
            )
        };
        let d = demo(edit).unwrap_err();
        assert!(d.help.unwrap().contains("did you mean `chart-available`?"));
        let edit = |s: String| {
            edited(&s, &[("    duration: 30m\n    steps:\n", "    duration: 30m\n    steps:\n      - use: port-forward\n        with: { ports: \"1:1\" }\n")])
        };
        let d = demo(edit).unwrap_err();
        assert!(d.message.contains("needs a `title:`"), "{d}");
    }

    /// `pg-client` is the profile's own client, written once: the profile's
    /// dump step starts its pod with the same text. Without a database
    /// profile it is an error.
    #[test]
    fn pg_client_is_the_profiles_client() {
        let client = super::super::profile::password_client("db-dump");
        let src =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/specs/keycloak.yaml"))
                .unwrap();
        let f = parse("specs/keycloak.yaml", src.as_bytes()).unwrap();
        let dump = f
            .spec
            .backup
            .components
            .iter()
            .flat_map(|c| &c.steps)
            .find_map(|s| s.run.as_deref().filter(|r| r.contains("pg_dump -Fc")))
            .unwrap();
        assert!(dump.contains(&client), "{dump}");
        assert!(
            client.ends_with("sh -c 'read -r PGPASSWORD; export PGPASSWORD\n"),
            "{client}"
        );
        let (_, m, h) =
            expand_run("{{use pg-client name=db-check}}\n  exec psql'\n", &spec()).unwrap_err();
        assert!(
            m.contains("needs `backup.database`") && h.contains("backup.database"),
            "{m}"
        );
    }

    /// `find-pod` waits for the rollout of the chart's kind of workload (a
    /// DaemonSet too), then sets `POD` to the newest running pod.
    #[test]
    fn find_pod_waits_for_the_rollout_then_takes_the_newest_pod() {
        let mut s = spec();
        s.workload.kind = WorkloadKind::DaemonSet;
        let sn = find("find-pod").unwrap();
        let body = (sn.body)(&args(sn, &Given::new()).unwrap(), &s);
        assert_eq!(
            body,
            "kubectl -n \"$NAMESPACE\" rollout status daemonset \"$FULLNAME\" \\\n  \
--timeout=300s\n\
POD=\"$(kubectl -n \"$NAMESPACE\" get pod -l \"$SELECTOR\" \\\n  \
--field-selector=status.phase=Running \\\n  \
--sort-by=.metadata.creationTimestamp \\\n  \
-o jsonpath='{.items[-1:].metadata.name}')\"\n\
test -n \"$POD\" || { echo \"no running pod of $SELECTOR\" >&2; false; }\n"
        );
        let given = [("ref".to_string(), "\"$DEP\"".to_string())].into();
        let body = (sn.body)(&args(sn, &given).unwrap(), &s);
        assert!(
            body.starts_with("kubectl -n \"$NAMESPACE\" rollout status \"$DEP\" "),
            "{body}"
        );
    }

    /// `scale-to-zero` and `scale-up` scale the chart's kind of workload,
    /// or the one `ref` holds; a DaemonSet has nothing to scale.
    #[test]
    fn scaling_follows_the_workload_kind() {
        let body = |name: &str, kind: WorkloadKind, given: &[(&str, &str)]| {
            let mut s = spec();
            s.workload.kind = kind;
            let snippet = find(name).unwrap();
            let given: Given = given
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            (snippet.body)(&args(snippet, &given).unwrap(), &s)
        };
        let (deploy, sts) = (WorkloadKind::Deployment, WorkloadKind::StatefulSet);
        assert_eq!(
            body("scale-up", deploy, &[("timeout", "300s")]),
            "kubectl -n \"$NAMESPACE\" scale deployment \"$FULLNAME\" \\\n  --replicas=\"$REPLICAS\"\n\
[ \"$REPLICAS\" = 0 ] || kubectl -n \"$NAMESPACE\" rollout status \\\n  \
deployment \"$FULLNAME\" --timeout=300s\n"
        );
        // A fixed count is never 0: no test; no timeout: until done.
        assert_eq!(
            body("scale-up", deploy, &[("replicas", "1")]),
            "kubectl -n \"$NAMESPACE\" scale deployment \"$FULLNAME\" --replicas=1\n\
kubectl -n \"$NAMESPACE\" rollout status deployment \"$FULLNAME\"\n"
        );
        assert_eq!(
            body("scale-up", sts, &[("replicas", "1"), ("timeout", "20m")]),
            "kubectl -n \"$NAMESPACE\" scale statefulset \"$FULLNAME\" --replicas=1\n\
kubectl -n \"$NAMESPACE\" rollout status statefulset \"$FULLNAME\" \\\n  --timeout=20m\n"
        );
        // Too wide for the guides on one line: the count goes on the next.
        assert_eq!(
            body(
                "scale-up",
                sts,
                &[("replicas", "\"$KC_REPLICAS\""), ("timeout", "10m")]
            ),
            "kubectl -n \"$NAMESPACE\" scale statefulset \"$FULLNAME\" \\\n  \
--replicas=\"$KC_REPLICAS\"\n\
[ \"$KC_REPLICAS\" = 0 ] || kubectl -n \"$NAMESPACE\" rollout status \\\n  \
statefulset \"$FULLNAME\" --timeout=10m\n"
        );
        let up = body("scale-up", sts, &[("ref", "\"$DEP\"")]);
        assert!(
            up.starts_with("kubectl -n \"$NAMESPACE\" scale \"$DEP\" --replicas=\"$REPLICAS\"\n")
                && up.ends_with(" rollout status \"$DEP\"\n")
                && !up.contains("statefulset"),
            "{up}"
        );
        assert_eq!(
            body("scale-to-zero", sts, &[("timeout", "180s")]),
            "kubectl -n \"$NAMESPACE\" scale statefulset \"$FULLNAME\" --replicas=0\n\
kubectl -n \"$NAMESPACE\" wait --for=delete pod --timeout=180s \\\n  \
-l app.kubernetes.io/instance=\"$RELEASE\" \\\n  \
--field-selector='status.phase!=Succeeded,status.phase!=Failed' || \\\n  \
test -z \"$(kubectl -n \"$NAMESPACE\" get pod -o name \\\n    \
-l app.kubernetes.io/instance=\"$RELEASE\" \\\n    \
--field-selector='status.phase!=Succeeded,status.phase!=Failed')\"\n"
        );
        // Another workload and selector: the same robust wait on those.
        assert_eq!(
            body(
                "scale-to-zero",
                deploy,
                &[("ref", "\"$DEP\""), ("pods", "\"$SEL\""), ("timeout", "3m")]
            ),
            "kubectl -n \"$NAMESPACE\" scale \"$DEP\" --replicas=0\n\
kubectl -n \"$NAMESPACE\" wait --for=delete pod --timeout=3m \\\n  \
-l \"$SEL\" \\\n  \
--field-selector='status.phase!=Succeeded,status.phase!=Failed' || \\\n  \
test -z \"$(kubectl -n \"$NAMESPACE\" get pod -o name \\\n    \
-l \"$SEL\" \\\n    \
--field-selector='status.phase!=Succeeded,status.phase!=Failed')\"\n"
        );
        // `pods-gone` is that wait alone, for pods something else stops.
        assert_eq!(
            body(
                "pods-gone",
                deploy,
                &[("pods", "\"$SEL\""), ("timeout", "3m")]
            ),
            body(
                "scale-to-zero",
                deploy,
                &[("ref", "\"$DEP\""), ("pods", "\"$SEL\""), ("timeout", "3m")]
            )
            .split_once('\n')
            .unwrap()
            .1
        );
        // A DaemonSet: an error, unless `ref` names something else.
        let mut ds = real("uptime-kuma").spec;
        ds.workload.kind = WorkloadKind::DaemonSet;
        for name in ["scale-to-zero", "scale-up"] {
            let e = missing_in(find(name).unwrap(), &ds, &Given::new()).unwrap();
            assert!(e.message.contains("a DaemonSet has no replicas"), "{e:?}");
            assert!(e.help.contains("`ref=`"), "{e:?}");
            let r = [("ref".to_string(), "\"$DEP\"".to_string())].into();
            assert!(missing_in(find(name).unwrap(), &ds, &r).is_none(), "{name}");
        }
        // The default count needs REPLICAS declared; another variable does not.
        let e = missing_in(find("scale-up").unwrap(), &spec(), &Given::new()).unwrap();
        assert!(e.message.contains("needs the variable `REPLICAS`"), "{e:?}");
        assert!(e.help.contains("`replicas=`"), "{e:?}");
        let n = [("replicas".to_string(), "\"$N\"".to_string())].into();
        assert!(missing_in(find("scale-up").unwrap(), &spec(), &n).is_none());
        assert!(missing_in(find("scale-to-zero").unwrap(), &spec(), &Given::new()).is_none());
    }

    #[test]
    fn unpack_clears_streams_and_deletes_the_helper() {
        let body = |given: &[(&str, &str)]| expand_with("unpack", given, &spec());
        assert_eq!(
            body(&[
                ("pod", "\"$H\""),
                ("dir", "/data"),
                ("file", "\"$FILE\""),
                ("clear", "kuma.db,kuma.db-wal,upload")
            ]),
            "kubectl -n \"$NAMESPACE\" exec \"$H\" -- sh -c 'cd /data && \\\n  \
rm -rf kuma.db kuma.db-wal upload'\n\
kubectl -n \"$NAMESPACE\" exec -i \"$H\" -- tar -C /data -xzf - < \"$FILE\"\n\
kubectl -n \"$NAMESPACE\" delete pod \"$H\" --wait=true\n"
        );
        // Nothing to clear: no rm; a long line breaks before the file.
        assert_eq!(
            body(&[("pod", "\"$H\""), ("dir", "/var/lib/some/long/dir")]),
            "kubectl -n \"$NAMESPACE\" exec -i \"$H\" -- tar -C /var/lib/some/long/dir -xzf - \\\n  \
< \"$F\"\nkubectl -n \"$NAMESPACE\" delete pod \"$H\" --wait=true\n"
        );
        let e = args(
            find("unpack").unwrap(),
            &[("dir".to_string(), "/d".to_string())].into(),
        )
        .unwrap_err();
        assert!(e.message.contains("needs the parameter `pod`"), "{e:?}");
        assert!(e.help.contains("`clear`"), "{e:?}");
    }

    /// A bad use of the new snippets in a restore target is an error at its
    /// line of the spec, and the spec is not read any further.
    #[test]
    fn bad_scale_and_unpack_uses_name_their_line() {
        let cases = [
            ("{{use scale-up}}", "needs the variable `REPLICAS`"),
            ("{{use unpack dir=/data}}", "needs the parameter `pod`"),
            (
                "{{use unpack pod=h dir=/data clear=a b}}",
                "`b` is not key=value",
            ),
            ("{{use scale-to-zero pod=x}}", "has no parameter `pod`"),
            ("{{use scale-up replicas=3 ref=\"a b\"}}", "not key=value"),
        ];
        for (line, message) in cases {
            let edit = |s: String| {
                edited(&s, &[("  - target: restore\n", &format!("  - target: restore-x\n    group: restore\n    help: X\n    run: |\n      set -e\n      {line}\n  - target: restore\n"))])
            };
            let src = edit(crate::scaffold::new_spec("demo"));
            let d = demo(edit).unwrap_err();
            let at = src.lines().position(|l| l.contains(line)).unwrap() + 1;
            assert_eq!(
                (d.file.as_str(), d.line),
                ("specs/demo.yaml", at),
                "{line}: {d}"
            );
            assert!(d.column > 0, "{line}: {d}");
            assert!(d.message.contains(message), "{line}: {d}");
        }
        let kind = |s: String| {
            edited(&s, &[("  kind: Deployment", "  kind: DaemonSet"), ("  - target: restore\n", "  - target: restore-x\n    group: restore\n    help: X\n    run: |\n      {{use scale-to-zero}}\n  - target: restore\n")])
        };
        let d = demo(kind).unwrap_err();
        assert!(d.message.contains("a DaemonSet has no replicas"), "{d}");
    }

    /// The restore targets written with the snippets run, in order, what
    /// they ran when each wrote its own shell.
    #[test]
    fn volume_restores_stop_unpack_and_start_in_order() {
        for (chart, workload) in [
            ("uptime-kuma", "deployment \"$FULLNAME\""),
            ("jellyfin", "\"$DEP\""),
            ("vaultwarden", "\"$DEP\""),
        ] {
            let f = real(chart);
            let run = &f
                .spec
                .operations
                .iter()
                .find(|o| o.target == "restore")
                .unwrap()
                .run;
            let order = [
                format!("scale {workload} --replicas=0\n"),
                "wait --for=delete pod --timeout=300s \\\n  -l \"$SEL\"".to_string(),
                "get pod -o name \\\n    -l \"$SEL\"".into(),
                "kind: Pod".into(),
                "wait --for=condition=Ready".into(),
                "-- sh -c 'cd /".into(),
                "rm -rf ".into(),
                "-xzf -".into(),
                "\"$FILE\"".into(),
                "delete pod \"$H\" --wait=true\n".into(),
                format!("scale {workload}"),
                "--replicas=\"$REPLICAS\"\n".into(),
                "[ \"$REPLICAS\" = 0 ] || kubectl".into(),
                "rollout status".into(),
            ];
            let mut at = 0;
            for needle in &order {
                let found = run[at..].find(needle.as_str()).unwrap_or_else(|| {
                    panic!("{chart}: `{needle}` missing or out of order in\n{run}")
                });
                at += found + needle.len();
            }
            assert!(!run.contains("{{use"), "{run}");
        }
    }

    fn real(chart: &str) -> SpecFile {
        crate::spec::testkit::shipped(chart, &[])
    }

    /// `chart-available` takes `repo` and `url` from gen.toml's
    /// `[repository]`; a spec's own `with:` wins; without either the
    /// parameters are required, and the error says where to set them.
    #[test]
    fn chart_available_defaults_to_the_repository_setting() {
        let src = edited(
            &crate::scaffold::new_spec("demo"),
            &[(
                "    duration: 30m\n    steps:\n",
                "    duration: 30m\n    steps:\n      - use: chart-available\n",
            )],
        );
        let ctx = Context {
            repository: Some(crate::config::Repository {
                name: "my-charts".into(),
                url: "https://o.github.io/charts".into(),
            }),
        };
        let f = crate::spec::parse_in("specs/demo.yaml", src.as_bytes(), &ctx).unwrap();
        let why = f.spec.restore[0].steps[0].why.clone().unwrap();
        assert!(
            why.contains("(`helm repo add my-charts` with the URL <https://o.github.io/charts>)")
                && why.contains("`CHART=my-charts/demo`"),
            "{why}"
        );
        let own = edited(
            &src,
            &[(
                "      - use: chart-available\n",
                "      - use: chart-available\n        with: { repo: other }\n",
            )],
        );
        let f = crate::spec::parse_in("specs/demo.yaml", own.as_bytes(), &ctx).unwrap();
        let why = f.spec.restore[0].steps[0].why.clone().unwrap();
        assert!(
            why.contains("`helm repo add other` with the URL <https://o.github.io/charts>"),
            "{why}"
        );
        let d = parse("specs/demo.yaml", src.as_bytes()).unwrap_err();
        assert_eq!(
            d.line,
            src.lines()
                .position(|l| l.contains("use: chart-available"))
                .unwrap()
                + 1
        );
        assert!(d.message.contains("needs the parameter `repo`"), "{d}");
        assert!(
            d.help
                .unwrap()
                .contains("set `name` under `[repository]` in gen.toml"),
            "the help names the setting"
        );
        // The repository's own specs say it once, in its gen.toml.
        let ka = real("kube-state-metrics");
        let step = ka
            .spec
            .upgrade
            .pre_checks
            .iter()
            .chain(ka.spec.restore.iter().flat_map(|r| &r.steps))
            .chain(ka.spec.upgrade.strategies.iter().flat_map(|s| &s.steps))
            .find(|s| s.title == "Check the chart is available")
            .expect("kube-state-metrics checks the chart");
        assert!(
            step.why.as_deref().unwrap().contains(
                "`helm repo add sb-charts` with the URL <https://scriptonbasestar-containers.github.io/sb-helm-charts>"
            ),
            "{:?}",
            step.why
        );
    }

    /// `pg-restore` is the profile's restore step, written once: the
    /// restore targets of a password chart (Keycloak) and a URL chart
    /// (Airflow) run the very text of the guide's step, which the profile
    /// drills run, after their own choice of file.
    #[test]
    fn restore_targets_run_the_profiles_restore_step() {
        for (chart, var) in [("keycloak", "PW"), ("airflow", "U")] {
            let f = real(chart);
            let step = f
                .spec
                .restore
                .iter()
                .flat_map(|r| &r.steps)
                .find(|s| s.title == "Empty the database and restore the dump")
                .and_then(|s| s.run.as_deref())
                .unwrap();
            // The guide and the target take FILE=, else the newest dump.
            let pick = newest(&format!("{chart}-db-*.dump"), "F");
            let command = step.strip_prefix(pick.as_str()).expect(step);
            assert!(pick.starts_with("F=\"${FILE:-$(ls -1t"), "{step}");
            assert!(command.starts_with(&format!("{var}=$(kubectl")), "{step}");
            assert!(command.contains("DROP SCHEMA public CASCADE"), "{step}");
            let target = f
                .spec
                .operations
                .iter()
                .find(|o| o.target == "restore")
                .unwrap();
            assert!(
                target.run.contains(command),
                "{chart}: the restore target does not run the guide's step:\n{}",
                target.run
            );
        }
    }

    /// `pg-client` connects as the spec's profile does, and feeds a file
    /// after the secret's line when given one.
    #[test]
    fn pg_client_follows_the_connection_and_feeds_stdin() {
        let url = real("airflow").spec;
        let body = |s: &Spec, given: &[(&str, &str)]| expand_with("pg-client", given, s);
        let b = body(&url, &[("name", "db-check")]);
        assert!(
            b.starts_with("U=$(kubectl") && b.ends_with("sh -c 'read -r U\n"),
            "{b}"
        );
        assert!(!b.contains("PGHOST"), "a URL names its host: {b}");
        let b = body(&spec(), &[("name", "db-x"), ("stdin", "\"$T/db.sql\"")]);
        assert!(
            b.contains("{ printf '%s\\n' \"$PW\"; cat \"$T/db.sql\"; } \\\n  | kubectl"),
            "{b}"
        );
        assert!(b.contains("--env=PGHOST="), "{b}");
        // A URL the spec holds already: no Secret read, no DB_* needed.
        let r = expand_run("{{use pg-restore url=\"$U\"}}\n", &spec())
            .unwrap()
            .unwrap();
        assert!(
            r.starts_with("{ printf '%s\\n' \"$U\"; cat \"$F\"; } \\\n")
                && r.contains("sh -c 'read -r U\n")
                && r.contains("D=$(mktemp) && cat > \"$D\" && pg_restore -f /dev/null \"$D\" ||\n")
                && r.ends_with("--exit-on-error -d \"$U\" \\\n  \"$D\"'\n"),
            "{r}"
        );
        assert!(!r.contains("get secret"), "{r}");
        assert!(expand_run("{{use pg-restore}}\n", &spec()).is_err());
    }

    /// `mysql-client` reads the password into `MYSQL_PWD` inside the pod,
    /// feeds a gzip dump after it, and needs the `DB_*` variables, which
    /// Redis's spec does not declare.
    #[test]
    fn mysql_client_connects_with_the_db_variables() {
        let wp = real("wordpress").spec;
        let b = expand_with(
            "mysql-client",
            &[("name", "db-restore"), ("gunzip", "\"$F\"")],
            &wp,
        );
        assert!(
            b.contains("{ printf '%s\\n' \"$PW\"; gunzip -c \"$F\"; } \\\n")
                && b.contains("run \"$FULLNAME-db-restore\"")
                && b.ends_with("sh -c 'read -r MYSQL_PWD; export MYSQL_PWD\n"),
            "{b}"
        );
        assert!(missing_in(find("mysql-client").unwrap(), &wp, &Given::new()).is_none());
        let e = missing_in(
            find("mysql-client").unwrap(),
            &real("redis").spec,
            &Given::new(),
        )
        .unwrap();
        assert!(e.message.contains("needs the `DB_*` variables"), "{e:?}");
        assert!(e.help.contains("DB_HOST"), "{e:?}");
    }

    /// A line after a snippet is still found at its own line of the spec.
    #[test]
    fn lines_after_a_snippet_keep_their_place() {
        let edit = |s: String| {
            edited(&s, &[("    duration: 30m\n    steps:\n", "    duration: 30m\n    steps:\n      - title: Forward\n        run: |\n          echo start\n          {{use port-forward ports=1:1}}\n          echo after\n")])
        };
        let src = edit(crate::scaffold::new_spec("demo"));
        let f = demo(edit).unwrap();
        let run = f.spec.restore[0].steps[0].run.as_deref().unwrap();
        let n = run.lines().position(|l| l == "echo after").unwrap();
        assert!(n > 2, "{run}");
        let line = |needle: &str| src.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let path = "restore[0].steps[0].run";
        assert_eq!(f.text_line(path, n).0, line("echo after"));
        assert_eq!(f.text_line(path, 2).0, line("{{use port-forward"));
        assert_eq!(f.text_line(path, 0).0, line("echo start"));
    }

    #[test]
    fn a_whole_step_snippet_fills_the_step() {
        let f = demo(|s| {
            edited(&s, &[("    duration: 30m\n    steps:\n", "    duration: 30m\n    steps:\n      - use: chart-available\n        with: { repo: r, url: \"https://e.x\" }\n      - title: Forward\n        use: port-forward\n        with: { ports: 8080:80 }\n        run: curl -fsS http://127.0.0.1:8080/\n")])
        })
        .unwrap();
        let steps = &f.spec.restore[0].steps;
        assert_eq!(steps[0].title, "Check the chart is available");
        assert!(steps[0]
            .why
            .as_deref()
            .unwrap()
            .contains("`helm repo add r` with the URL <https://e.x>"));
        assert_eq!(
            steps[0].expect.as_deref(),
            Some(format!("`name: demo` and `version: {}`.", f.spec.chart_version.to).as_str())
        );
        assert!(steps[0].snippet.is_none() && steps[0].with.is_empty());
        let run = steps[1].run.as_deref().unwrap();
        assert!(
            run.contains("port-forward \"pod/$POD\" \\\n  8080:80)")
                && run.ends_with("false; } >&2\ncurl -fsS http://127.0.0.1:8080/"),
            "{run}"
        );
    }

    #[test]
    fn targets_compose_from_the_guides_steps() {
        let s = spec();
        let c = &s.backup.components[0];
        let id = format!("backup.{}", c.id);
        let one = steps_text(&s, &format!("{id}/1")).unwrap();
        assert_eq!(
            one.trim_end(),
            c.steps[0].run.as_deref().unwrap().trim_end()
        );
        assert_eq!(
            steps_text(&s, &id).unwrap(),
            one,
            "the whole procedure: its one command"
        );
        assert!(steps_text(&s, "restore.full")
            .unwrap_err()
            .0
            .contains("no step with a shell command"));
        assert!(steps_text(&s, &format!("{id}/0"))
            .unwrap_err()
            .1
            .contains("has steps 1 to"));
        assert!(steps_text(&s, &format!("{id}/99")).is_err());
        assert!(steps_text(&s, "restore.nope")
            .unwrap_err()
            .0
            .contains("no procedure"));
        // In a spec: the target runs the step's text; both or neither is an error.
        let edit = |with: &'static str| {
            move |src: String| {
                let op = src.find("\noperations:").unwrap() + 1;
                let at = op + src[op..].find('\n').unwrap() + 1;
                format!("{}{with}{}", &src[..at], &src[at..])
            }
        };
        let f = demo(edit(
            "  - target: composed\n    group: backup\n    help: Run the first backup step\n    steps: [backup.data/1]\n",
        ))
        .unwrap();
        let op = f
            .spec
            .operations
            .iter()
            .find(|o| o.target == "composed")
            .unwrap();
        assert_eq!(op.run, steps_text(&f.spec, "backup.data/1").unwrap());
        let src = edit(
            "  - target: bad\n    group: backup\n    help: A typo\n    steps: [backup.dta/1]\n",
        )(crate::scaffold::new_spec("demo"));
        let d = parse("specs/demo.yaml", src.as_bytes()).unwrap_err();
        assert_eq!(
            d.line,
            src.lines().position(|l| l.contains("backup.dta")).unwrap() + 1,
            "{d}"
        );
        assert!(d.help.unwrap().contains("did you mean `backup.data`?"));
        let f = demo(edit(
            "  - target: neither\n    group: restore\n    help: Nothing\n",
        ))
        .expect("an operation with neither is left to the check ops.empty-run");
        let op = f.spec.operations.iter().find(|o| o.target == "neither");
        assert_eq!(op.map(|o| o.run.as_str()), Some(""));
    }

    /// `gen docs spec-format` documents every snippet and parameter.
    #[test]
    fn the_spec_format_documents_every_snippet() {
        for s in SNIPPETS {
            super::super::testkit::assert_documented(s.name, s.params);
        }
    }

    /// Every snippet's expansion passes shellcheck (when installed; CI
    /// installs it and fails without it).
    #[test]
    fn expansions_pass_shellcheck() {
        let s = spec();
        use super::super::share::{export_run, restore_run, ConfigExport, RestoreMode};
        let extra = ConfigExport {
            extra_secrets: Some("MC_SECRETS".into()),
            ..Default::default()
        };
        let sealed = ConfigExport {
            encrypt_values: true,
            ..Default::default()
        };
        let install = RestoreMode {
            install: true,
            set: "a.b=0",
            ..Default::default()
        };
        let variants = [
            (
                "config-export with extra_secrets",
                export_run("demo", &extra),
            ),
            (
                "config-export with encrypt_values",
                export_run("demo", &sealed),
            ),
            (
                "config-restore install=yes, encrypt_values",
                restore_run(
                    "demo",
                    RestoreMode {
                        sealed: true,
                        ..install
                    },
                ),
            ),
            (
                "config-restore, encrypt_values",
                restore_run(
                    "demo",
                    RestoreMode {
                        sealed: true,
                        ..Default::default()
                    },
                ),
            ),
            (
                "config-restore install=yes",
                restore_run(
                    "demo",
                    RestoreMode {
                        diff: true,
                        ..install
                    },
                ),
            ),
        ];
        // The defaults too, where they choose another shape of command.
        let defaults = [
            ("scale-to-zero", Given::new()),
            ("scale-up", Given::new()),
            ("scale-up", [("replicas".into(), "1".into())].into()),
            (
                "scale-to-zero",
                [(
                    "pods".into(),
                    "\"app.kubernetes.io/instance=$RELEASE,app=x\"".into(),
                )]
                .into(),
            ),
        ]
        .map(|(name, given)| {
            let sn = find(name).unwrap();
            (name, (sn.body)(&args(sn, &given).unwrap(), &s))
        });
        let bodies = SNIPPETS
            .iter()
            .map(|sn| (sn.name, (sn.body)(&all_args(sn), &s)))
            .chain(variants)
            .chain(defaults);
        for (name, mut body) in bodies {
            if body.matches('\'').count() % 2 == 1 {
                // pg-client: the lines after it end its script.
                body.push_str("  exec psql -c \"select 1\"'\n");
            }
            let script = format!(
                "#!/bin/sh\nset -eu\nNAMESPACE=n RELEASE=r POD=p FULLNAME=f BACKUP_DIR=b CHART=c HELPER_IMAGE=i REPLICAS=1\n\
export NAMESPACE RELEASE POD FULLNAME BACKUP_DIR CHART HELPER_IMAGE REPLICAS\nxname=h xclaim=c xmount=/d xuser=1\n{body}echo \"${{F:-}}\" \"$NAMESPACE\"\n"
            );
            // SC2016: a client pod's script is single-quoted on purpose,
            // its variables are the pod's (as in tests/integration/shellcheck.rs).
            let Some((ok, report)) =
                super::super::testkit::shellcheck(&script, "SC2034,SC2012,SC2016")
            else {
                return;
            };
            assert!(ok, "{name}:\n{script}\n{report}");
        }
    }
}
