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

/// The S3 client of the upload and download steps (`backup.s3.image`):
/// the AWS CLI v2 image, pinned by tag. Its `aws s3` commands speak to AWS
/// S3 and to S3-compatible servers (MinIO) alike through `--endpoint-url`.
pub const S3_IMAGE: (&str, &str) = ("amazon/aws-cli", "2.32.6");

/// The keys of the credentials Secret by default: those of the
/// collection's MinIO chart's Secret.
pub const S3_KEYS: (&str, &str) = ("root-user", "root-password");

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
    /// Where the guide's restore procedures read a set, and so where the
    /// guide's commands put one fetched from the bucket.
    #[serde(default)]
    pub restore_reads: RestoreReads,
}

/// Where the restore procedures read a backup set.
#[derive(Debug, Clone, Copy, Default, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RestoreReads {
    /// `/backup/<folder>/<timestamp>/` in the server's pod, which mounts
    /// the backup claim too.
    #[default]
    Pod,
    /// `$BACKUP_DIR/<folder>/<timestamp>/` on the operator's machine: the
    /// server's pod does not mount the claim (a network-only backup).
    BackupDir,
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

/// A job's folder relative to [`MOUNT`]: `dump` for `/backup/dump`, and
/// the same path under the release's root in the bucket.
pub fn rel_dir(dir: &str) -> &str {
    dir.strip_prefix(MOUNT)
        .unwrap_or(dir)
        .trim_start_matches('/')
}

/// `aws`, pointed at `$S3_ENDPOINT` when it is set (an S3-compatible
/// server); AWS S3 itself otherwise.
const AWS_FN: &str = concat!(
    "aws() {\n",
    "  if [ -n \"${S3_ENDPOINT:-}\" ]; then command aws --endpoint-url \"$S3_ENDPOINT\" \"$@\"\n",
    "  else command aws \"$@\"; fi\n",
    "}\n",
);

/// The sets (timestamps) under `$1` in the bucket, oldest first: `aws s3
/// ls` prints each as `PRE <timestamp>/`. Shell builtins and coreutils
/// only: the aws CLI image has neither awk nor find.
const SETS_FN: &str = concat!(
    "sets() {\n",
    "  aws s3 ls \"$1/\" | while read -r kind name; do\n",
    "    if [ \"$kind\" = PRE ]; then echo \"${name%/}\"; fi\n",
    "  done | sort\n",
    "}\n",
);

/// The S3 step of a backup job, run after [`container_script`] in the same
/// pod with `/backup` on an emptyDir: it copies the one set the backup step
/// published to `$S3_URL/<dir>/<timestamp>/`, then keeps the newest
/// `$KEEP` sets there. An upload that fails removes what it copied, so no
/// partial set stays behind (a pod killed mid-upload can leave one, which
/// the verification then reports).
pub fn upload_script(job: &BackupJob) -> String {
    format!(
        "set -eu\n\
         {AWS_FN}{SETS_FN}\
         dir={dir}\n\
         dest=\"$S3_URL/{rel}\"\n\
         ts=\n\
         for s in \"$dir\"/*; do if [ -d \"$s\" ]; then ts=${{s##*/}}; fi; done\n\
         [ -n \"$ts\" ] || {{ echo \"no backup set in $dir\" >&2; exit 1; }}\n\
         trap 'echo \"upload failed: removing $dest/$ts/\" >&2\n\
         \x20 aws s3 rm --recursive --only-show-errors \"$dest/$ts/\" || true' EXIT\n\
         aws s3 cp --recursive --only-show-errors \"$dir/$ts\" \"$dest/$ts/\"\n\
         trap - EXIT\n\
         echo \"uploaded $dest/$ts/\"\n\
         sets \"$dest\" > /tmp/sets\n\
         n=$(wc -l < /tmp/sets)\n\
         head -n \"$(( n > KEEP ? n - KEEP : 0 ))\" /tmp/sets |\n\
         while read -r old; do\n\
         \x20 echo \"retention: removing $dest/$old/\"\n\
         \x20 aws s3 rm --recursive --only-show-errors \"$dest/$old/\"\n\
         done\n",
        dir = job.dir,
        rel = rel_dir(&job.dir),
    )
}

/// The S3 step before the verification: the newest set of every backup
/// from `$S3_URL/<dir>/` into `/backup/<dir>/<timestamp>/` (an emptyDir),
/// where the verification script reads it as from the claim.
pub fn download_script(backups: &[BackupJob]) -> String {
    let rels: Vec<&str> = backups.iter().map(|b| rel_dir(&b.dir)).collect();
    format!(
        "set -eu\n\
         {AWS_FN}{SETS_FN}\
         for d in {dirs}; do\n\
         \x20 ts=$(sets \"$S3_URL/$d\" | tail -n 1)\n\
         \x20 [ -n \"$ts\" ] || {{ echo \"no backup set in $S3_URL/$d/\" >&2; exit 1; }}\n\
         \x20 echo \"downloading $S3_URL/$d/$ts/\"\n\
         \x20 aws s3 cp --recursive --only-show-errors \"$S3_URL/$d/$ts/\" \"{MOUNT}/$d/$ts/\"\n\
         done\n",
        dirs = rels.join(" "),
    )
}

/// What the guide gives the operator to bring a set back from the bucket
/// to where the restore procedures read it (`reads`): list the sets, fetch
/// one, and copy it into the pod's `/backup`, or fetch it straight into
/// `$BACKUP_DIR/<folder>/`.
pub fn fetch_script(job: &BackupJob, reads: RestoreReads) -> String {
    let rel = rel_dir(&job.dir);
    let list = format!("aws --endpoint-url \"$S3_ENDPOINT\" s3 ls \"$S3_URL/{rel}/\"\n");
    let get = |to: &str| {
        format!(
            "aws --endpoint-url \"$S3_ENDPOINT\" s3 cp --recursive --no-progress \\\n\
             \x20 \"$S3_URL/{rel}/$SET/\" \"{to}\"\n"
        )
    };
    match reads {
        RestoreReads::Pod => format!(
            "{list}{}kubectl -n \"$NAMESPACE\" cp \"restore-$SET\" \"$POD:{dir}/$SET\"\n",
            get("restore-$SET/"),
            dir = job.dir,
        ),
        RestoreReads::BackupDir => format!("{list}{}", get(&format!("$BACKUP_DIR/{rel}/$SET/"))),
    }
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
/// is read by gen's templates (`tests/integration/backup_jobs.rs` toggles
/// each).
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
                "Render a CronJob for each automated backup ({}); needs backup.existingClaim or backup.s3.bucket.",
                titles.join(", ")
            ),
        ),
        v(
            "backup.existingClaim".into(),
            "".into(),
            "An existing PersistentVolumeClaim (ReadWriteMany when the server's pod mounts it too) the jobs write to, mounted at /backup; not used when backup.s3.bucket is set.".into(),
        ),
    ];
    out.extend(s3_values(&j.backups));
    out.extend([
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
    ]);
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
                "Run the {} backup as a pre-upgrade hook Job before every helm upgrade; needs backup.existingClaim or backup.s3.bucket.",
                component_title(s, p)
            ),
        ));
    }
    for v in &mut out {
        v.needs = needs(&v.key);
    }
    out
}

/// The values of the S3 destination, in values.yaml order.
fn s3_values(backups: &[BackupJob]) -> Vec<ValueDoc> {
    let dirs: Vec<&str> = backups.iter().map(|b| rel_dir(&b.dir)).collect();
    let v = |key: &str, default: &str, description: String| ValueDoc {
        key: format!("backup.s3.{key}"),
        default: default.into(),
        description,
        value_type: None,
        items: None,
        needs: Vec::new(),
    };
    vec![
        v(
            "bucket",
            "",
            format!(
                "Write the sets to this S3 bucket instead of backup.existingClaim: each job's backup step writes its set to an emptyDir at /backup, then an aws CLI step copies it to s3://BUCKET/PREFIX/FULLNAME/FOLDER/TIMESTAMP/ (FULLNAME the release's full name, FOLDER: {}) and deletes the sets beyond keep there; the verification first downloads the newest set of each. Needs backup.s3.existingSecret.",
                dirs.join(", ")
            ),
        ),
        v(
            "endpoint",
            "",
            "URL of an S3-compatible server, e.g. `http://minio.minio:9000` for the collection's MinIO chart (release minio, namespace minio); empty: AWS S3 in backup.s3.region.".into(),
        ),
        v(
            "region",
            "us-east-1",
            "Region the aws CLI signs its requests for (MinIO's default is us-east-1).".into(),
        ),
        v(
            "prefix",
            "",
            "Key prefix in the bucket before the release's full name, e.g. prod; empty: none.".into(),
        ),
        v(
            "existingSecret",
            "",
            "An existing Secret in the release's namespace holding the access key pair the S3 steps read (secretKeyRef: never a literal in values; MinIO's own Secret in its namespace is out of reach, so copy the pair). Prefer an access key limited to the bucket over MinIO's root user.".into(),
        ),
        v(
            "accessKeyIdKey",
            S3_KEYS.0,
            "Key of backup.s3.existingSecret holding the access key id (the default is the collection's MinIO Secret's).".into(),
        ),
        v(
            "secretAccessKeyKey",
            S3_KEYS.1,
            "Key of backup.s3.existingSecret holding the secret access key.".into(),
        ),
        v(
            "image.repository",
            S3_IMAGE.0,
            "Image of the S3 steps: the AWS CLI v2.".into(),
        ),
        v(
            "image.tag",
            S3_IMAGE.1,
            "Tag of backup.s3.image.repository.".into(),
        ),
    ]
}

/// The claim [`needs`] gives the jobs.
pub const TEST_CLAIM: &str = "backup-claim";
/// The bucket and the credentials Secret [`needs`] gives the S3 values.
pub const TEST_BUCKET: &str = "backup-bucket";
pub const TEST_S3_SECRET: &str = "backup-s3";

/// The values job value `key` has an effect only with: every job needs
/// the claim; whatever renders inside the backup CronJobs' block (the
/// resources, schedules, retention, the verification and the alerts) needs
/// `backup.enabled`; the verification's schedule needs it turned on; the
/// S3 destination's values need a bucket and its Secret (the bucket alone
/// also the claim, which the render needs without it).
fn needs(key: &str) -> Vec<(String, serde_json::Value)> {
    let claim = ("backup.existingClaim".to_string(), TEST_CLAIM.into());
    let on = ("backup.enabled".to_string(), true.into());
    let bucket = ("backup.s3.bucket".to_string(), TEST_BUCKET.into());
    let secret = (
        "backup.s3.existingSecret".to_string(),
        TEST_S3_SECRET.into(),
    );
    match key {
        "backup.s3.bucket" => vec![on, claim, secret],
        k if k.starts_with("backup.s3.") => vec![on, bucket, secret],
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
    /// The S3 destination's defaults.
    pub s3: S3Defaults,
}

/// The defaults of `backup.s3.*` the templates fall back on: the same
/// data as the values gen documents ([`s3_values`]).
#[derive(Debug, Clone, Serialize)]
pub struct S3Defaults {
    pub repository: String,
    pub tag: String,
    pub region: String,
    pub key_id: String,
    pub key_secret: String,
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
    /// The S3 step's script (`backup.s3.bucket` set): the upload after a
    /// backup, the download before the verification.
    pub s3_script: String,
    /// The operator's commands that fetch a set of this backup from the
    /// bucket into the pod (empty for the verification).
    pub s3_fetch: String,
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
              (s3_script, s3_fetch): (String, String),
              kind: &str| {
        let stale_after = stale_after_secs(&schedule).unwrap_or(0);
        BackupView {
            id: id.to_string(),
            title,
            keep,
            dir,
            script,
            s3_script,
            s3_fetch,
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
                (upload_script(b), fetch_script(b, j.restore_reads)),
                &format!("{}Backup", camel(&b.component)),
            )
        })
        .collect();
    let mut image_values = ".Values".to_string();
    for part in j.image.values.split('.') {
        image_values = format!("({image_values}.{part} | default dict)");
    }
    let default = |key: &str| {
        s3_values(&j.backups)
            .into_iter()
            .find(|v| v.key == format!("backup.s3.{key}"))
            .and_then(|v| v.default.as_str().map(String::from))
            .unwrap_or_default()
    };
    Some(JobsView {
        s3: S3Defaults {
            repository: default("image.repository"),
            tag: default("image.tag"),
            region: default("region"),
            key_id: default("accessKeyIdKey"),
            key_secret: default("secretAccessKeyKey"),
        },
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
                (download_script(&j.backups), String::new()),
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
    fn the_s3_steps_mirror_the_claims_layout_under_the_release_root() {
        let job = BackupJob {
            component: "dumps".into(),
            dir: "/backup/dump".into(),
            keep: 3,
            script: "echo hi > \"$OUT/x\"\n".into(),
        };
        let up = upload_script(&job);
        assert!(up.contains("dir=/backup/dump\n"), "{up}");
        assert!(up.contains("dest=\"$S3_URL/dump\"\n"), "{up}");
        // The copy, then the retention; a failed copy removes its set.
        let cp = up.find("aws s3 cp --recursive").unwrap();
        assert!(up.find("trap '").unwrap() < cp, "{up}");
        assert!(cp < up.find("trap - EXIT").unwrap(), "{up}");
        assert!(up.find("n > KEEP").unwrap() > cp, "{up}");
        // Neither awk nor find: the aws CLI image has neither.
        for tool in ["awk ", "find "] {
            assert!(!up.contains(tool), "{tool} in {up}");
        }
        let down = download_script(std::slice::from_ref(&job));
        assert!(down.contains("for d in dump; do"), "{down}");
        assert!(down.contains("\"/backup/$d/$ts/\""), "{down}");
        assert!(fetch_script(&job, RestoreReads::Pod).contains("\"$POD:/backup/dump/$SET\""));
        let local = fetch_script(&job, RestoreReads::BackupDir);
        assert!(local.contains("\"$BACKUP_DIR/dump/$SET/\""), "{local}");
        assert!(!local.contains("kubectl"), "{local}");
    }

    #[test]
    fn the_s3_values_need_a_bucket_and_its_secret() {
        let keys = |k: &str| -> Vec<String> { needs(k).into_iter().map(|(k, _)| k).collect() };
        assert_eq!(
            keys("backup.s3.endpoint"),
            [
                "backup.enabled",
                "backup.s3.bucket",
                "backup.s3.existingSecret"
            ]
        );
        // Without the bucket the claim keeps the render valid.
        assert_eq!(
            keys("backup.s3.bucket"),
            [
                "backup.enabled",
                "backup.existingClaim",
                "backup.s3.existingSecret"
            ]
        );
        let s3: Vec<String> = s3_values(&[]).into_iter().map(|v| v.key).collect();
        assert!(s3.contains(&"backup.s3.image.tag".to_string()), "{s3:?}");
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
