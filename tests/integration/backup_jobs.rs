//! The backup jobs gen renders into charts (`jobs` in a spec), checked with
//! real Helm and real promtool on the repository's committed charts:
//!
//! - every value gen documents for a chart with jobs changes what Helm
//!   renders when toggled, and with every value at its default nothing of
//!   the jobs is rendered; without the PrometheusRule CRD (helm.py's
//!   HELM_PY_NO_CRDS) no rule is rendered;
//! - checkov's Kubernetes checks pass (the few that do not apply are
//!   skipped in the template with their reason);
//! - every rendered object passes the Kubernetes schemas, the pods run
//!   non-root with a read-only root filesystem and resource requests, and
//!   the CronJobs forbid concurrent runs, with the claim and with the S3
//!   destination (`backup.s3.*`: the backup, then the upload; the download,
//!   then the verification; credentials only from a Secret);
//! - the PrometheusRule's alerts fire, and stay quiet, as `promtool test
//!   rules` is told for kube-state-metrics series of failed, late and
//!   never-successful jobs.
//!
//! The pre-upgrade hook Job goes through helm.py's stub API unchanged:
//! helm.py renders with `helm install`, which runs only install hooks, so
//! a `pre-upgrade` hook is stored in the release and printed, not run.

use crate::common;

use crate::common::repo;
use chartgen::spec::ValueDoc;
use std::collections::BTreeMap;
use std::path::PathBuf;

const RELEASE: &str = "rel";
const NAMESPACE: &str = "drill";

/// The specs with `jobs`, by chart name.
fn charts_with_jobs() -> Vec<chartgen::spec::SpecFile> {
    let project = crate::common::shipped();
    project
        .specs
        .into_iter()
        .filter(|f| f.spec.jobs.is_some())
        .collect()
}

/// Real Helm's render of `charts/<chart>` with `sets` against a cluster
/// without the Prometheus Operator's CRDs (helm.py with `HELM_PY_NO_CRDS`,
/// one process: the batch's cached discovery has the CRDs): the manifests
/// as text. None when Helm is missing (a failure under CI=true).
fn render_without_crds(chart: &str, sets: &[String]) -> Option<Result<String, String>> {
    let mut args = vec![
        "template".to_string(),
        "--name".into(),
        RELEASE.into(),
        "--namespace".into(),
        NAMESPACE.into(),
    ];
    for s in sets {
        args.push("--set".into());
        args.push(s.clone());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut c = common::helm_py(&args, &[repo().join("charts").join(chart)]);
    c.env("HELM_PY_NO_CRDS", "1");
    let o = c.output().unwrap();
    let o = common::helm_finished(o, "Helm (the helm-sdkpy library under .tools/helm)")?;
    if !o.status.success() {
        return Some(Err(String::from_utf8_lossy(&o.stderr).into_owned()));
    }
    let text = String::from_utf8(o.stdout).unwrap();
    Some(Ok(text))
}

/// Renders `charts/<chart>` with `sets` for every `(chart, sets)` of
/// `jobs` in one `scripts/helm template-batch` process (starting the shim
/// costs more than a render): the manifests in order, or Helm's error for
/// a render that fails. None when Helm is missing (a failure under
/// CI=true).
fn render_many(jobs: &[(String, Vec<String>)]) -> Option<Vec<Result<String, String>>> {
    let batch: Vec<serde_json::Value> = jobs
        .iter()
        .map(|(chart, sets)| {
            serde_json::json!({
                "release": RELEASE,
                "namespace": NAMESPACE,
                "chart": repo().join("charts").join(chart).display().to_string(),
                "values": [],
                "set": sets,
            })
        })
        .collect();
    common::template_batch(&batch)
}

/// The renders a test needs, each `(chart, sets)` once.
#[derive(Default)]
struct Plan {
    jobs: Vec<(String, Vec<String>)>,
    index: BTreeMap<(String, Vec<String>), usize>,
}

impl Plan {
    /// The index of the render of `chart` with `sets` in [`Plan::render`]'s
    /// answer.
    fn want(&mut self, chart: &str, sets: &[String]) -> usize {
        let key = (chart.to_string(), sets.to_vec());
        let jobs = &mut self.jobs;
        *self.index.entry(key.clone()).or_insert_with(|| {
            jobs.push(key);
            jobs.len() - 1
        })
    }

    fn render(&self) -> Option<Vec<Result<String, String>>> {
        render_many(&self.jobs)
    }
}

/// Every chart with jobs rendered with everything on, with the claim
/// (`false`) and with the S3 destination (`true`): what every test here
/// reads, rendered once for all of them. None when Helm is missing.
fn all_on_renders() -> Option<&'static BTreeMap<(String, bool), String>> {
    static R: std::sync::OnceLock<Option<BTreeMap<(String, bool), String>>> =
        std::sync::OnceLock::new();
    R.get_or_init(|| {
        let mut plan = Plan::default();
        let mut keys = Vec::new();
        for f in charts_with_jobs() {
            let values = chartgen::spec::jobs::documented_values(&f.spec);
            for s3 in [false, true] {
                let sets = if s3 {
                    all_on_s3(&values)
                } else {
                    all_on(&values)
                };
                keys.push(((f.spec.name.clone(), s3), plan.want(&f.spec.name, &sets)));
            }
        }
        let out = plan.render()?;
        Some(
            keys.into_iter()
                .map(|(k, i)| {
                    let text = out[i].clone().unwrap_or_else(|e| panic!("{k:?}: {e}"));
                    (k, text)
                })
                .collect(),
        )
    })
    .as_ref()
}

fn docs(text: &str) -> Vec<serde_yaml::Value> {
    text.split("\n---")
        .filter_map(|d| serde_yaml::from_str::<serde_yaml::Value>(d).ok())
        .filter(|v| v.is_mapping())
        .collect()
}

/// Validates the manifests against the Kubernetes schemas (helm.py
/// validate), leaving out the PrometheusRule.
fn validate(text: &str) {
    let kept: Vec<&str> = text
        .split("\n---")
        .filter(|d| !d.contains("kind: PrometheusRule"))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("m.yaml");
    std::fs::write(&f, kept.join("\n---")).unwrap();
    let o = common::helm_py(&["validate"], &[f]).output().unwrap();
    assert!(
        o.status.success(),
        "schema errors:\n{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}

/// Everything on: the values that turn the jobs on and the claim they need.
fn all_on(values: &[ValueDoc]) -> Vec<String> {
    let mut on = vec!["backup.existingClaim=backup-claim".to_string()];
    for v in values {
        if v.default == serde_json::Value::Bool(false) {
            on.push(format!("{}=true", v.key));
        }
    }
    on
}

/// [`all_on`] with the S3 destination: a bucket and its Secret.
fn all_on_s3(values: &[ValueDoc]) -> Vec<String> {
    let mut on = all_on(values);
    on.push(format!(
        "backup.s3.bucket={}",
        chartgen::spec::jobs::TEST_BUCKET
    ));
    on.push(format!(
        "backup.s3.existingSecret={}",
        chartgen::spec::jobs::TEST_S3_SECRET
    ));
    on
}

/// `sets` with `over` replacing the values of the same keys.
fn with(sets: &[String], over: &[String]) -> Vec<String> {
    let key = |s: &String| s.split_once('=').map(|(k, _)| k.to_string());
    sets.iter()
        .filter(|s| !over.iter().any(|o| key(o) == key(s)))
        .chain(over)
        .cloned()
        .collect()
}

/// Another valid value for `v` than [`all_on`] gives it, for the toggle:
/// every boolean is true there.
fn other(v: &ValueDoc) -> String {
    let x = match &v.default {
        serde_json::Value::Bool(_) => "false".to_string(),
        serde_json::Value::Number(n) => (n.as_u64().unwrap() + 1).to_string(),
        serde_json::Value::String(s) if v.key.ends_with(".schedule") => {
            assert_ne!(s, "17 3 * * 2");
            "17 3 * * 2".into()
        }
        serde_json::Value::String(s) if v.key.ends_with(".cpu") => format!("{s}0"),
        serde_json::Value::String(s) if v.key.ends_with(".memory") => format!("2{s}"),
        serde_json::Value::String(s) => format!("{s}other"),
        other => panic!("{}: no toggle for {other}", v.key),
    };
    format!("{}={x}", v.key)
}

#[test]
fn every_documented_value_changes_the_render() {
    let charts = charts_with_jobs();
    assert!(!charts.is_empty(), "no spec has jobs");
    let Some(all) = all_on_renders() else { return };
    // Every render the checks below need, each once, in one Helm process.
    struct Toggle {
        key: String,
        guard: usize,
        toggled: usize,
    }
    let mut plan = Plan::default();
    let mut per_chart = Vec::new();
    for f in &charts {
        let name = &f.spec.name;
        let values = chartgen::spec::jobs::documented_values(&f.spec);
        let defaults = plan.want(name, &[]);
        let base_sets = all_on(&values);
        let mut toggles = Vec::new();
        for v in &values {
            // Everything on, and what the value needs (the S3 values a
            // bucket and its Secret); values with the same needs share
            // their guard's render.
            let needs: Vec<String> = v
                .needs
                .iter()
                .map(|(k, x)| match x {
                    serde_json::Value::String(s) => format!("{k}={s}"),
                    other => format!("{k}={other}"),
                })
                .collect();
            let guard_sets = with(&base_sets, &needs);
            toggles.push(Toggle {
                key: v.key.clone(),
                guard: plan.want(name, &guard_sets),
                toggled: plan.want(name, &with(&guard_sets, &[other(v)])),
            });
        }
        // The claim, emptied.
        let no_claim: Vec<String> = base_sets
            .iter()
            .filter(|s| !s.starts_with("backup.existingClaim="))
            .cloned()
            .collect();
        let no_claim = plan.want(name, &no_claim);
        per_chart.push((f, values.len(), base_sets, defaults, toggles, no_claim));
    }
    let Some(out) = plan.render() else { return };
    let mut report = Vec::new();
    for (f, documented, base_sets, defaults, toggles, no_claim) in per_chart {
        let name = &f.spec.name;
        let defaults = out[defaults]
            .as_ref()
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        for kind in ["CronJob", "PrometheusRule", "kind: Job"] {
            assert!(
                !defaults.contains(kind),
                "{name}: {kind} rendered with every value at its default"
            );
        }
        let base = &all[&(name.clone(), false)];
        validate(base);
        validate(&all[&(name.clone(), true)]);
        let mut effective = 0;
        for t in &toggles {
            let guard = out[t.guard]
                .as_ref()
                .unwrap_or_else(|e| panic!("{name}: guard of {}: {e}", t.key));
            let changed = match &out[t.toggled] {
                Ok(text) => text != guard,
                // The claim is required: emptying it is an error that names it.
                Err(e) => {
                    assert!(e.contains(&t.key), "{name}: {}: {e}", t.key);
                    true
                }
            };
            assert!(changed, "{name}: {} documented but changes nothing", t.key);
            effective += 1;
        }
        // Without the PrometheusRule CRD in the cluster, no rule is rendered.
        let no_crd = render_without_crds(name, &base_sets).unwrap().unwrap();
        assert!(base.contains("kind: PrometheusRule"), "{name}");
        assert!(
            !no_crd.contains("kind: PrometheusRule"),
            "{name}: rendered without the CRD"
        );
        assert!(no_crd.contains("kind: CronJob"), "{name}");
        // The claim, emptied, fails the render with a message naming it.
        let e = out[no_claim].as_ref().unwrap_err();
        assert!(e.contains("backup.existingClaim"), "{e}");
        report.push(format!(
            "{name}: {documented} values documented, {effective} change the render"
        ));
    }
    eprintln!("{}", report.join("\n"));
}

#[test]
fn the_jobs_run_locked_down() {
    for f in charts_with_jobs() {
        for s3 in [false, true] {
            let name = &f.spec.name;
            let Some(all) = all_on_renders() else { return };
            let mut jobs = 0;
            for d in docs(&all[&(name.clone(), s3)]) {
                let (pod, cron) = match d["kind"].as_str() {
                    Some("CronJob") => {
                        (&d["spec"]["jobTemplate"]["spec"]["template"]["spec"], true)
                    }
                    Some("Job") => (&d["spec"]["template"]["spec"], false),
                    _ => continue,
                };
                jobs += 1;
                let what = format!("{name}: {}", d["metadata"]["name"].as_str().unwrap());
                if cron {
                    assert_eq!(d["spec"]["concurrencyPolicy"], "Forbid", "{what}");
                } else {
                    assert_eq!(
                        d["metadata"]["annotations"]["helm.sh/hook"], "pre-upgrade",
                        "{what}"
                    );
                }
                assert_eq!(pod["securityContext"]["runAsNonRoot"], true, "{what}");
                assert_ne!(pod["securityContext"]["runAsUser"], 0, "{what}");
                assert_eq!(pod["automountServiceAccountToken"], false, "{what}");
                let init = pod["initContainers"].as_sequence();
                assert_eq!(init.is_some(), s3, "{what}: init containers only with S3");
                let all: Vec<_> = init
                    .into_iter()
                    .chain(pod["containers"].as_sequence())
                    .flatten()
                    .collect();
                assert_eq!(all.len(), if s3 { 2 } else { 1 }, "{what}");
                for c in all {
                    let sc = &c["securityContext"];
                    assert_eq!(sc["readOnlyRootFilesystem"], true, "{what}");
                    assert_eq!(sc["allowPrivilegeEscalation"], false, "{what}");
                    assert!(c["resources"]["requests"]["cpu"].is_string(), "{what}");
                    assert!(c["resources"]["requests"]["memory"].is_string(), "{what}");
                    // Credentials come from Secrets, never from a literal.
                    let keys: Vec<&serde_yaml::Value> = c["env"]
                        .as_sequence()
                        .unwrap()
                        .iter()
                        .filter(|e| {
                            ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"]
                                .contains(&e["name"].as_str().unwrap())
                        })
                        .collect();
                    let s3_step = c["image"].as_str().unwrap().contains("aws-cli");
                    assert_eq!(keys.len(), if s3_step { 2 } else { 0 }, "{what}");
                    for e in keys {
                        assert!(e["valueFrom"]["secretKeyRef"].is_mapping(), "{what}");
                    }
                }
                let backup = pod["volumes"]
                    .as_sequence()
                    .unwrap()
                    .iter()
                    .find(|v| v["name"] == "backup")
                    .unwrap();
                assert_eq!(backup["emptyDir"].is_mapping(), s3, "{what}");
                // The chart's selector labels would put the job's pod behind
                // the chart's Service.
                let labels = &pod["metadata"]["labels"];
                assert_ne!(labels["app.kubernetes.io/name"], name.as_str(), "{what}");
            }
            let j = f.spec.jobs.as_ref().unwrap();
            let expected = j.backups.len()
                + usize::from(j.verification.is_some())
                + usize::from(j.pre_upgrade.is_some());
            assert_eq!(jobs, expected, "{name}: CronJobs and hook Jobs rendered");
        }
    }
}

/// checkov's folder: `GEN_CHECKOV` (a `pip install --target` folder), else
/// `.tools/checkov`, which scripts/test installs.
fn checkov() -> Option<PathBuf> {
    let dir = std::env::var_os("GEN_CHECKOV")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join(".tools/checkov"));
    if dir.join("checkov").is_dir() {
        return Some(dir);
    }
    common::skip_or_fail("checkov (PyPI, installed into .tools/checkov by scripts/test)");
    None
}

/// checkov's Kubernetes checks pass on everything the jobs render; the
/// checks that do not apply are skipped in the template, each with why.
/// One checkov run reads every render (its start takes longer than its
/// checks); its JSON report tells the files apart: no check fails in any,
/// and some pass in each.
#[test]
fn checkov_passes_the_rendered_jobs() {
    let Some(dir) = checkov() else { return };
    let Some(all) = all_on_renders() else { return };
    let work = tempfile::tempdir().unwrap();
    let mut checkov = std::process::Command::new("python3");
    checkov.args([
        "-m",
        "checkov.main",
        "--framework",
        "kubernetes",
        "-o",
        "json",
    ]);
    let mut files = Vec::new();
    for ((name, s3), text) in all {
        let file = format!("{name}{}.yaml", if *s3 { "-s3" } else { "" });
        std::fs::write(work.path().join(&file), text).unwrap();
        checkov.arg("-f").arg(&file);
        files.push(file);
    }
    let o = checkov
        .env("PYTHONPATH", &dir)
        // No network: the check catalogue is checkov's own.
        .env("BC_SKIP_MAPPING", "TRUE")
        .current_dir(work.path())
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON report ({e}):\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    let results = &report["results"];
    let in_file = |check: &serde_json::Value, file: &str| {
        check["file_path"]
            .as_str()
            .is_some_and(|p| p.trim_start_matches('/') == file)
    };
    let failed: Vec<String> = results["failed_checks"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| format!("{} {} {}", c["file_path"], c["check_id"], c["resource"]))
        .collect();
    assert!(
        o.status.success() && failed.is_empty(),
        "checkov: failed checks:\n{}\n{}",
        failed.join("\n"),
        String::from_utf8_lossy(&o.stderr)
    );
    let passed = results["passed_checks"].as_array().unwrap();
    for file in &files {
        let n = passed.iter().filter(|c| in_file(c, file)).count();
        assert!(n > 0, "checkov: no check passed in {file}: {report}");
    }
}

// ------------------------------------------------------------ promtool

fn promtool() -> Option<PathBuf> {
    let p = common::tool("promtool");
    if p.is_none() {
        common::skip_or_fail("promtool (Debian's prometheus package, see scripts/test)");
    }
    p
}

/// One alerting rule of the rendered PrometheusRule, by name.
fn rule<'a>(groups: &'a serde_yaml::Value, alert: &str) -> &'a serde_yaml::Value {
    groups
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|g| g["rules"].as_sequence().unwrap())
        .find(|r| r["alert"] == alert)
        .unwrap_or_else(|| panic!("no alert {alert}"))
}

fn annotations(r: &serde_yaml::Value) -> BTreeMap<String, String> {
    serde_yaml::from_value(r["annotations"].clone()).unwrap()
}

#[test]
fn the_alerts_fire_as_promtool_says() {
    let Some(promtool) = promtool() else { return };
    for f in charts_with_jobs() {
        let name = &f.spec.name;
        let Some(renders) = all_on_renders() else {
            return;
        };
        let all = docs(&renders[&(name.clone(), false)]);
        let pr = all
            .iter()
            .find(|d| d["kind"] == "PrometheusRule")
            .expect("a PrometheusRule with alerts.enabled");
        let groups = &pr["spec"]["groups"];
        let dir = tempfile::tempdir().unwrap();
        let rules = dir.path().join("rules.yaml");
        std::fs::write(
            &rules,
            serde_yaml::to_string(&serde_yaml::Mapping::from_iter([(
                "groups".into(),
                groups.clone(),
            )]))
            .unwrap(),
        )
        .unwrap();
        let view = chartgen::spec::jobs::view(&f.spec).unwrap();
        let mut tests = Vec::new();
        let jobs: Vec<_> = view.backups.iter().chain(view.verify.iter()).collect();
        for job in jobs {
            let cj = all
                .iter()
                .filter(|d| d["kind"] == "CronJob")
                .map(|d| d["metadata"]["name"].as_str().unwrap().to_string())
                .find(|n| n.ends_with(&format!("-{}", job.id)))
                .unwrap();
            tests.extend(cases(&cj, job, groups));
        }
        let test_file = dir.path().join("tests.yaml");
        std::fs::write(
            &test_file,
            serde_yaml::to_string(&serde_json::json!({
                "rule_files": [rules.display().to_string()],
                "evaluation_interval": "1m",
                "tests": tests,
            }))
            .unwrap(),
        )
        .unwrap();
        let o = std::process::Command::new(&promtool)
            .args(["test", "rules"])
            .arg(&test_file)
            .output()
            .unwrap();
        assert!(
            o.status.success(),
            "{name}: promtool test rules:\n{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        );
        let o = std::process::Command::new(&promtool)
            .args(["check", "rules"])
            .arg(&rules)
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stdout));
    }
}

/// promtool test cases for the two alerts of CronJob `cj`: a late success,
/// a CronJob that never succeeded, a failure after the last success, and
/// a failure that a later success cleared.
fn cases(
    cj: &str,
    job: &chartgen::spec::jobs::BackupView,
    groups: &serde_yaml::Value,
) -> Vec<serde_json::Value> {
    use serde_json::json;
    let ns = NAMESPACE;
    let stale = rule(groups, &job.alert_stale);
    let failed = rule(groups, &job.alert_failed);
    let stale_after = job.stale_after;
    // Minutes: before the threshold, and past it plus the rule's 10m `for`.
    let quiet_at = stale_after / 60 - 30;
    let loud_at = stale_after / 60 + 15;
    let minutes = loud_at + 5;
    let cron = format!("namespace=\"{ns}\", cronjob=\"{cj}\"");
    let stale_alert = json!([{
        "exp_labels": { "severity": "critical", "namespace": ns, "cronjob": cj },
        "exp_annotations": annotations(stale),
    }]);
    let run = format!("{cj}-29000000");
    let jl = format!("namespace=\"{ns}\", job_name=\"{run}\"");
    let failed_alert = json!([{
        "exp_labels": { "severity": "warning", "namespace": ns },
        "exp_annotations": annotations(failed),
    }]);
    vec![
        // Succeeded at time 0, never again.
        json!({
            "interval": "1m",
            "input_series": [
                { "series": format!("kube_cronjob_status_last_successful_time{{{cron}}}"), "values": format!("0x{minutes}") },
                { "series": format!("kube_cronjob_created{{{cron}}}"), "values": format!("0x{minutes}") },
            ],
            "alert_rule_test": [
                { "eval_time": format!("{quiet_at}m"), "alertname": job.alert_stale, "exp_alerts": [] },
                { "eval_time": format!("{loud_at}m"), "alertname": job.alert_stale, "exp_alerts": stale_alert },
                { "eval_time": format!("{loud_at}m"), "alertname": job.alert_failed, "exp_alerts": [] },
            ],
        }),
        // Created at time 0, never succeeded.
        json!({
            "interval": "1m",
            "input_series": [
                { "series": format!("kube_cronjob_created{{{cron}}}"), "values": format!("0x{minutes}") },
            ],
            "alert_rule_test": [
                { "eval_time": format!("{quiet_at}m"), "alertname": job.alert_stale, "exp_alerts": [] },
                { "eval_time": format!("{loud_at}m"), "alertname": job.alert_stale, "exp_alerts": stale_alert },
            ],
        }),
        // Last success at 600 s, then a run that started at 1200 s failed.
        json!({
            "interval": "1m",
            "input_series": [
                { "series": format!("kube_cronjob_status_last_successful_time{{{cron}}}"), "values": "600x30" },
                { "series": format!("kube_job_status_start_time{{{jl}}}"), "values": "1200x30" },
                { "series": format!("kube_job_failed{{{jl}, condition=\"true\"}}"), "values": "1x30" },
                { "series": format!("kube_job_failed{{{jl}, condition=\"false\"}}"), "values": "0x30" },
            ],
            "alert_rule_test": [
                { "eval_time": "25m", "alertname": job.alert_failed, "exp_alerts": failed_alert },
            ],
        }),
        // A run failed, none succeeded yet.
        json!({
            "interval": "1m",
            "input_series": [
                { "series": format!("kube_job_status_start_time{{{jl}}}"), "values": "1200x30" },
                { "series": format!("kube_job_failed{{{jl}, condition=\"true\"}}"), "values": "1x30" },
            ],
            "alert_rule_test": [
                { "eval_time": "25m", "alertname": job.alert_failed, "exp_alerts": failed_alert },
            ],
        }),
        // The run that started at 1200 s failed; a later one succeeded at 1500 s.
        json!({
            "interval": "1m",
            "input_series": [
                { "series": format!("kube_cronjob_status_last_successful_time{{{cron}}}"), "values": "1500x30" },
                { "series": format!("kube_job_status_start_time{{{jl}}}"), "values": "1200x30" },
                { "series": format!("kube_job_failed{{{jl}, condition=\"true\"}}"), "values": "1x30" },
            ],
            "alert_rule_test": [
                { "eval_time": "25m", "alertname": job.alert_failed, "exp_alerts": [] },
            ],
        }),
        // Another CronJob's failure is not this one's.
        json!({
            "interval": "1m",
            "input_series": [
                { "series": format!("kube_job_status_start_time{{namespace=\"{ns}\", job_name=\"other-29000000\"}}"), "values": "1200x30" },
                { "series": format!("kube_job_failed{{namespace=\"{ns}\", job_name=\"other-29000000\", condition=\"true\"}}"), "values": "1x30" },
            ],
            "alert_rule_test": [
                { "eval_time": "25m", "alertname": job.alert_failed, "exp_alerts": [] },
            ],
        }),
    ]
}
