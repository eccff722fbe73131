//! Backups that run: the spec's `jobs` section, and everything gen derives
//! from it.
//!
//! A chart's spec may ask gen to render, into the chart's `templates/`,
//! a CronJob per scheduled backup component, a pre-upgrade hook Job and a
//! verification CronJob, all guarded by values that default to off. The
//! in-container script of each job is written once in the spec; gen wraps
//! it with the destination and the retention (see [`container_script`]),
//! and the same text is what the guide shows, what the CronJob runs and
//! what the drill executes against a real server.
//!
//! This section is additive: it names components of `backup.components`
//! and never changes how the rest of the spec is read.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::types::{Spec, ValueDoc};

/// Where every job mounts the destination claim.
pub const MOUNT: &str = "/backup";

/// Jobs gen renders into the chart (`templates/backup-jobs.yaml`) and the
/// alerts on them (`templates/backup-alerts.yaml`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Jobs {
    pub image: JobImage,
    /// The uid (and gid) the jobs run as: never 0. Use the image's own
    /// service user, so the files on the destination belong to it.
    pub run_as_user: u32,
    /// Environment of every job's container: how it reaches the chart's
    /// Service and authenticates with the chart's Secret.
    pub env: Vec<JobEnv>,
    /// Scheduled backup components the chart runs as CronJobs.
    pub backups: Vec<BackupJob>,
    /// A component of `backups` that a `pre-upgrade` hook Job also runs,
    /// so every `helm upgrade` starts from a fresh backup.
    #[serde(default)]
    pub pre_upgrade: Option<String>,
    /// An unattended check of the newest backups, run as its own CronJob.
    #[serde(default)]
    pub verification: Option<VerifyJob>,
}

/// The image the jobs run: the chart's own, so the client tools match the
/// server's version.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobImage {
    /// The chart's values key holding `repository` and `tag`, e.g. `image`.
    /// An empty tag means the chart's appVersion.
    pub values: String,
    /// The repository when the chart's values have none, e.g. `postgres`.
    pub repository: String,
    /// A pinned tag: the jobs run this client image, not the chart's own
    /// (a dependency's tools, as `backup.database` gives them), and gen
    /// documents `<values>.repository` and `<values>.tag` itself.
    #[serde(default)]
    pub tag: Option<String>,
}

/// One environment variable: a literal `value`, or a `secret` key.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct JobEnv {
    /// Upper case, e.g. PGHOST.
    pub name: String,
    /// A literal; `$FULLNAME` and `$RELEASE` name the chart's objects,
    /// e.g. `$FULLNAME` for its Service.
    #[serde(default)]
    pub value: Option<String>,
    /// A key of one of the chart's Secrets.
    #[serde(default)]
    pub secret: Option<SecretKey>,
    /// A key of the chart's values, e.g. `postgresql.external.host`: the
    /// job follows what the operator set for the chart itself.
    #[serde(default)]
    pub values: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecretKey {
    /// The Secret, e.g. `$FULLNAME-secret`.
    pub name: String,
    pub key: String,
}

/// A scheduled backup component run as a CronJob.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BackupJob {
    /// Id of a `scheduled` component; its `schedule` is the default.
    pub component: String,
    /// Folder under /backup whose timestamped sets this job writes, e.g.
    /// `/backup/dump`: the layout the guide's restore procedures read.
    pub dir: String,
    /// How many complete sets the job keeps; older ones it deletes.
    pub keep: u32,
    /// POSIX shell run in the job's container with `set -eu`: it writes
    /// one backup set into the empty folder `$OUT`. gen renames the folder
    /// to its timestamp when the script succeeds, then applies `keep`.
    pub script: String,
}

/// An unattended verification of the newest backup sets.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct VerifyJob {
    /// Five-field cron expression.
    pub schedule: String,
    /// What the check proves, in a sentence.
    pub what: String,
    /// POSIX shell run with `set -eu` in the job's container, with the
    /// destination at /backup; it fails when a backup does not verify.
    pub script: String,
}

/// The whole script a backup job's container runs: the spec's script
/// between gen's preparation of `$OUT` and its retention. One source for
/// the guide, the CronJob, the hook and the drills.
pub fn container_script(job: &BackupJob) -> String {
    let body = job.script.trim_end();
    format!(
        "set -eu\n\
         umask 077\n\
         dir={dir}\n\
         ts=$(date -u +%Y%m%d-%H%M%S)\n\
         OUT=\"$dir/.$ts.part\"\n\
         mkdir -p \"$dir\"\n\
         rm -rf \"$dir\"/.*.part\n\
         mkdir \"$OUT\"\n\
         export OUT\n\
         # --- the backup, from the spec ---\n\
         {body}\n\
         # --- complete: publish the set, then keep the newest $KEEP ---\n\
         mv \"$OUT\" \"$dir/$ts\"\n\
         echo \"backup set $dir/$ts complete\"\n\
         n=$(ls -1 \"$dir\" | wc -l)\n\
         ls -1 \"$dir\" | head -n \"$(( n > KEEP ? n - KEEP : 0 ))\" |\n\
         while read -r old; do\n\
         \x20 echo \"retention: removing $dir/$old\"; rm -rf \"${{dir:?}}/$old\"\n\
         done\n",
        dir = job.dir,
    )
}

/// The verification job's script.
pub fn verify_script(v: &VerifyJob) -> String {
    format!("set -eu\n{}\n", v.script.trim_end())
}

/// A name a spec writes (`$FULLNAME-secret`) as a Go template expression
/// on the chart's full-name helper.
pub fn helm_name(name: &str, fullname_helper: &str) -> String {
    name.replace(
        "$FULLNAME",
        &format!("{{{{ include \"{fullname_helper}\" . }}}}"),
    )
    .replace("$RELEASE", "{{ .Release.Name }}")
}

/// The values gen documents for the jobs, in values.yaml order. Every one
/// is read by gen's templates (`tests/backup_jobs.rs` toggles each).
pub fn values(s: &Spec) -> Vec<ValueDoc> {
    let Some(j) = &s.jobs else {
        return Vec::new();
    };
    let v = |key: String, default: serde_json::Value, description: String| ValueDoc {
        key,
        default,
        description,
        value_type: None,
        items: None,
        needs: Vec::new(),
    };
    let titles: Vec<String> = j
        .backups
        .iter()
        .map(|b| component_title(s, &b.component))
        .collect();
    let mut out = vec![
        v(
            "backup.enabled".into(),
            false.into(),
            format!(
                "Render a CronJob for each automated backup ({}); needs backup.existingClaim.",
                titles.join(", ")
            ),
        ),
        v(
            "backup.existingClaim".into(),
            "".into(),
            "An existing PersistentVolumeClaim (ReadWriteMany when the server's pod mounts it too) the jobs write to, mounted at /backup.".into(),
        ),
        v(
            "backup.resources.requests.cpu".into(),
            "100m".into(),
            "CPU request of every backup and verification job.".into(),
        ),
        v(
            "backup.resources.requests.memory".into(),
            "128Mi".into(),
            "Memory request of every backup and verification job.".into(),
        ),
        v(
            "backup.resources.limits.memory".into(),
            "1Gi".into(),
            "Memory limit of every backup and verification job (no CPU limit: throttling only makes a dump hold its snapshot longer).".into(),
        ),
        v(
            "backup.alerts.enabled".into(),
            false.into(),
            "Render a PrometheusRule (when the cluster has the CRD) alerting on a failed backup job and on a last success older than allowed; needs kube-state-metrics.".into(),
        ),
    ];
    if let Some(tag) = &j.image.tag {
        out.push(v(
            format!("{}.repository", j.image.values),
            j.image.repository.clone().into(),
            "Repository of the client image every backup and verification job runs.".into(),
        ));
        out.push(v(
            format!("{}.tag", j.image.values),
            tag.clone().into(),
            "Tag of that image: its client tools must not be older than the database server."
                .into(),
        ));
    }
    for b in &j.backups {
        let schedule = component_schedule(s, &b.component).unwrap_or_default();
        out.push(v(
            format!("backup.{}.schedule", b.component),
            schedule.into(),
            format!(
                "Cron schedule of the {} CronJob.",
                component_title(s, &b.component)
            ),
        ));
        out.push(v(
            format!("backup.{}.keep", b.component),
            b.keep.into(),
            format!("How many complete sets in {} the job keeps.", b.dir),
        ));
    }
    if let Some(ver) = &j.verification {
        out.push(v(
            "backup.verify.enabled".into(),
            false.into(),
            format!(
                "Render the verification CronJob: {}",
                crate::text::one_line(&ver.what)
            ),
        ));
        out.push(v(
            "backup.verify.schedule".into(),
            ver.schedule.clone().into(),
            "Cron schedule of the verification CronJob.".into(),
        ));
    }
    if let Some(p) = &j.pre_upgrade {
        out.push(v(
            "upgrade.backupJob.enabled".into(),
            false.into(),
            format!(
                "Run the {} backup as a pre-upgrade hook Job before every helm upgrade; needs backup.existingClaim.",
                component_title(s, p)
            ),
        ));
    }
    for v in &mut out {
        v.needs = needs(&v.key);
    }
    out
}

/// The claim [`needs`] gives the jobs.
pub const TEST_CLAIM: &str = "backup-claim";

/// The values job value `key` has an effect only with: every job needs
/// the claim; whatever renders inside the backup CronJobs' block (the
/// resources, schedules, retention, the verification and the alerts) needs
/// `backup.enabled`; the verification's schedule needs it turned on.
fn needs(key: &str) -> Vec<(String, serde_json::Value)> {
    let claim = ("backup.existingClaim".to_string(), TEST_CLAIM.into());
    let on = ("backup.enabled".to_string(), true.into());
    match key {
        "backup.enabled" | "upgrade.backupJob.enabled" => vec![claim],
        "backup.verify.schedule" => vec![
            on,
            claim,
            ("backup.verify.enabled".to_string(), true.into()),
        ],
        _ => vec![on, claim],
    }
}

/// Every value the chart's values.yaml documents under `backup.` and
/// `upgrade.`: the spec's `values`, then those of its jobs.
pub fn documented_values(s: &Spec) -> Vec<ValueDoc> {
    let mut all = s.values.clone();
    all.extend(values(s));
    all
}

fn component_title(s: &Spec, id: &str) -> String {
    s.backup
        .components
        .iter()
        .find(|c| c.id == id)
        .map_or_else(|| id.to_string(), |c| c.title.clone())
}

fn component_schedule(s: &Spec, id: &str) -> Option<String> {
    s.backup
        .components
        .iter()
        .find(|c| c.id == id)
        .and_then(|c| c.schedule.clone())
}

/// How long after a job's last success its staleness alert fires: the
/// longest gap of its schedule plus an hour for the run itself.
pub fn stale_after_secs(schedule: &str) -> Option<u64> {
    super::cron::max_gap_secs(schedule).ok().map(|g| g + 3600)
}

/// What the templates need besides the spec: each job's whole script and
/// when its staleness alert fires.
#[derive(Debug, Clone, Serialize)]
pub struct JobsView {
    /// Go template expression for the map of the chart's image values.
    pub image_values: String,
    /// Go template expression of the tag when the values set none: the
    /// chart's appVersion, or the pinned tag of a client image.
    pub image_tag: String,
    /// Go template expression of each env entry that reads the chart's
    /// values, by its name.
    pub env_values: std::collections::BTreeMap<String, String>,
    pub backups: Vec<BackupView>,
    pub verify: Option<BackupView>,
    /// The backup the pre-upgrade hook runs.
    pub pre_upgrade: Option<BackupView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupView {
    /// `dumps`, or `verify` for the verification job.
    pub id: String,
    pub title: String,
    pub schedule: String,
    /// Retention: sets kept (0 for the verification job).
    pub keep: u32,
    pub dir: String,
    /// The container's whole script.
    pub script: String,
    /// Seconds after the last success at which the staleness alert fires.
    pub stale_after: u64,
    pub stale_human: String,
    /// Alert names, CamelCase: `<Chart><Id>BackupFailed` / `...BackupStale`.
    pub alert_failed: String,
    pub alert_stale: String,
}

fn camel(s: &str) -> String {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|p| !p.is_empty())
        .map(|p| {
            let mut c = p.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

pub fn view(s: &Spec) -> Option<JobsView> {
    let j = s.jobs.as_ref()?;
    let mk = |id: &str,
              title: String,
              schedule: String,
              keep: u32,
              dir: String,
              script: String,
              kind: &str| {
        let stale_after = stale_after_secs(&schedule).unwrap_or(0);
        BackupView {
            id: id.to_string(),
            title,
            keep,
            dir,
            script,
            stale_after,
            stale_human: super::Duration::from_secs(stale_after).human(),
            alert_failed: format!("{}{kind}Failed", camel(&s.name)),
            alert_stale: format!("{}{kind}Stale", camel(&s.name)),
            schedule,
        }
    };
    let backups: Vec<BackupView> = j
        .backups
        .iter()
        .map(|b| {
            mk(
                &b.component,
                component_title(s, &b.component),
                component_schedule(s, &b.component).unwrap_or_default(),
                b.keep,
                b.dir.clone(),
                container_script(b),
                &format!("{}Backup", camel(&b.component)),
            )
        })
        .collect();
    let mut image_values = ".Values".to_string();
    for part in j.image.values.split('.') {
        image_values = format!("({image_values}.{part} | default dict)");
    }
    Some(JobsView {
        image_values,
        image_tag: j
            .image
            .tag
            .as_ref()
            .map_or_else(|| ".Chart.AppVersion".to_string(), |t| format!("{t:?}")),
        env_values: j
            .env
            .iter()
            .filter_map(|e| Some((e.name.clone(), values_expr(e.values.as_deref()?))))
            .collect(),
        pre_upgrade: j
            .pre_upgrade
            .as_ref()
            .and_then(|p| backups.iter().find(|b| b.id == *p).cloned()),
        verify: j.verification.as_ref().map(|v| {
            mk(
                "verify",
                "Verification".into(),
                v.schedule.clone(),
                0,
                MOUNT.into(),
                verify_script(v),
                "BackupVerification",
            )
        }),
        backups,
    })
}

/// A Go template expression reading values key `key` (`a.b.c`) that
/// renders empty, not an error, when a map on the way is missing.
pub fn values_expr(key: &str) -> String {
    let mut parts = key.split('.');
    let first = parts.next().unwrap_or_default();
    let rest: Vec<String> = parts.map(|p| format!("{p:?}")).collect();
    if rest.is_empty() {
        format!(".Values.{first}")
    } else {
        format!(
            "dig {} \"\" (.Values.{first} | default dict)",
            rest.join(" ")
        )
    }
}

/// Shell for `make <chart>-backup-jobs`: a Job from each backup CronJob
/// (`kubectl create job --from=cronjob/...`), one after another, each
/// waited for until it completes or fails. A CronJob the release does not
/// render (`backup.enabled` off) is skipped with a note.
pub fn run_now_script(j: &JobsView) -> String {
    let ids: Vec<&str> = j.backups.iter().map(|b| b.id.as_str()).collect();
    format!(
        "for id in {ids}; do
  cj=$(printf '%s-backup-%s' \"$FULLNAME\" \"$id\" | cut -c1-52 | sed 's/-$//')
  if ! kubectl -n \"$NAMESPACE\" get cronjob \"$cj\" >/dev/null 2>&1; then
    echo \"no CronJob $cj (backup.enabled is off): skipped\"; continue
  fi
  job=\"$cj-now-$(date +%s)\"
  kubectl -n \"$NAMESPACE\" create job \"$job\" --from=cronjob/\"$cj\"
  while :; do
    st=$(kubectl -n \"$NAMESPACE\" get job \"$job\" \\
      -o jsonpath='{{.status.conditions[?(@.status==\"True\")].type}}')
    case \"$st\" in
      *Complete*) echo \"$job complete\"; break ;;
      *Failed*) echo \"$job failed: kubectl -n $NAMESPACE logs job/$job\" >&2
        exit 1 ;;
    esac
    sleep 5
  done
done",
        ids = ids.join(" ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_container_script_wraps_the_spec_script_with_destination_and_retention() {
        let job = BackupJob {
            component: "dumps".into(),
            dir: "/backup/dump".into(),
            keep: 3,
            script: "echo hi > \"$OUT/x\"\n".into(),
        };
        let s = container_script(&job);
        assert!(s.starts_with("set -eu\n"));
        assert!(s.contains("dir=/backup/dump\n"));
        let body = s.find("echo hi > \"$OUT/x\"").unwrap();
        assert!(s.find("mkdir \"$OUT\"").unwrap() < body, "{s}");
        assert!(body < s.find("mv \"$OUT\" \"$dir/$ts\"").unwrap(), "{s}");
        assert!(s.contains("n > KEEP"));
    }

    #[test]
    fn names_become_helm_expressions() {
        assert_eq!(
            helm_name("$FULLNAME-secret", "pg.fullname"),
            "{{ include \"pg.fullname\" . }}-secret"
        );
        assert_eq!(
            helm_name("$RELEASE-x", "pg.fullname"),
            "{{ .Release.Name }}-x"
        );
    }

    #[test]
    fn a_values_key_reads_safely_through_missing_maps() {
        assert_eq!(
            values_expr("postgresql.external.host"),
            "dig \"external\" \"host\" \"\" (.Values.postgresql | default dict)"
        );
        assert_eq!(values_expr("host"), ".Values.host");
    }

    #[test]
    fn staleness_allows_one_schedule_gap_and_an_hour() {
        assert_eq!(stale_after_secs("0 2 * * *"), Some(25 * 3600));
    }
}
