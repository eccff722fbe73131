//! What every chart's spec would otherwise write out again, written once.
//!
//! - `backup.config_export` opts a chart into the built-in backup component
//!   that exports its Helm values, ConfigMaps and Secrets encrypted with
//!   age (see [`ConfigExport`]); [`expand`] turns it into an ordinary
//!   component when the spec is parsed, so validation, the guides, the
//!   runbook lint and `gen procedures` see it like any other; once the
//!   operations are composed, [`derive`] adds the pitfall that names the
//!   make target writing it when `backup` does not;
//! - the chart-level `drill` is the record of every procedure without one
//!   of its own ([`expand`] fills it in);
//! - the Artifact Hub changelog entries that restate what the spec adds
//!   (the two guides, RBAC, targets, values) are derived by [`changes`];
//!   `upgrade.changes` holds only what gen cannot know, and an entry with
//!   `replaces` takes the place of one derived entry.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::types::{ChangeKind, ChartChange, Component, Covers, Drill, Method, Spec, Step};
use super::{Positions, Variable};

/// The built-in configuration backup: `helm get values` of the release and
/// every Secret and ConfigMap labelled with its instance, the latter
/// encrypted with age. `config_export: {}` takes every default; each key
/// below overrides or adds to one part of it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfigExport {
    /// Component id restore procedures name in `restores` (default `config`).
    #[serde(default)]
    pub id: Option<String>,
    /// Default "Helm values, ConfigMaps and Secrets": give one only when
    /// it says more.
    #[serde(default)]
    pub title: Option<String>,
    /// What this chart's values, Secrets and ConfigMaps hold that a restore
    /// needs (keys, `existingSecret` values), instead of the built-in text.
    #[serde(default)]
    pub what: Option<String>,
    /// Why this chart needs them after a restore; the export step's `why`
    /// (default: a new release needs the same passwords and keys, and
    /// Secrets are only base64 and must be encrypted).
    #[serde(default)]
    pub why: Option<String>,
    /// Default "helm, kubectl, jq, age"; name the tools the added `steps` use too.
    #[serde(default)]
    pub tool: Option<String>,
    /// Default "every version, in git".
    #[serde(default)]
    pub retention: Option<String>,
    /// Default "Platform configuration repository (age or sops encrypted)."
    #[serde(default)]
    pub storage: Option<String>,
    /// Steps run before the built-in export (find the names an
    /// `extra_secrets` variable needs, say).
    #[serde(default)]
    pub before: Vec<Step>,
    /// Steps run after the built-in export (ACL users held in memory, say).
    #[serde(default)]
    pub steps: Vec<Step>,
    /// What can go wrong, besides the built-in pitfalls: Secrets the chart
    /// does not render, a values file in clear, and (derived from the
    /// operations) the make target to run when `backup` does not write
    /// the export.
    #[serde(default)]
    pub pitfalls: Vec<String>,
    /// The drill of the component, as on any other. Default
    /// [`CONFIG_DRILL`]: the export needs a cluster (its pipeline is
    /// tested in gen's own tests).
    #[serde(default)]
    pub drill: Option<Drill>,
    /// The variable (e.g. `MC_SECRETS`, defined in `variables`) that names,
    /// space-separated, Secrets the chart mounts but does not label with
    /// the release (an `existingSecret`, TLS from `extraVolumes`): they go
    /// into the same encrypted file.
    #[serde(default)]
    pub extra_secrets: Option<String>,
    /// A make target of its own that runs the export (e.g.
    /// `config-backup`), for a chart whose `backup` target runs unattended,
    /// where `AGE_RECIPIENT` may be unset: gen adds it to `operations`
    /// (before `restore`), `make backup-<chart>` runs it after `backup`,
    /// and the export's first pitfall names it.
    #[serde(default)]
    pub target: Option<String>,
    /// Encrypt the values file too (`<chart>-values-<ts>.yaml.age`), for a
    /// chart whose values hold a key or password gen cannot move into a
    /// Secret (a WireGuard private key, a superuser password).
    #[serde(default)]
    pub encrypt_values: bool,
}

impl ConfigExport {
    /// The component's id: `id`, else `config`.
    pub fn component_id(&self) -> &str {
        self.id.as_deref().unwrap_or(CONFIG_ID)
    }

    /// The values file's suffix after `<chart>-values-<ts>`.
    pub fn values_suffix(&self) -> &'static str {
        if self.encrypt_values {
            ".yaml.age"
        } else {
            ".yaml"
        }
    }
}

/// The component id of the built-in export when the spec gives none.
pub const CONFIG_ID: &str = "config";

/// Why no drill runs the built-in export when the spec says nothing else.
pub const CONFIG_DRILL: &str =
    "needs a cluster: helm get values, the release's ConfigMaps and Secrets";

/// Variables a spec declares by name alone, as `- name: REPLICAS`: gen
/// gives the default and help it leaves out. `{title}` in a help is the
/// chart's title. The restore target reads `REPLICAS`, and the snippets
/// that rely on that (`scale-up`, `restore-stopped`) ask for it, so a
/// spec still declares it, but says the same thing no more.
pub const STANDARD_VARIABLES: [(&str, &str, &str); 1] = [(
    "REPLICAS",
    "1",
    "Replicas to start after a restore; 0 keeps {title} stopped, as the rollback does so \
that `helm rollback` starts the old version",
)];

/// The `{title}` of a standard variable's help the spec left to gen.
fn title_standard_variables(spec: &mut Spec) {
    for v in &mut spec.variables {
        if STANDARD_VARIABLES
            .iter()
            .any(|(n, _, help)| *n == v.name && *help == v.help)
        {
            v.help = v.help.replace("{title}", &spec.title);
        }
    }
}

/// Variables many charts' commands use with the same meaning: gen
/// declares one when a command of the spec uses it and the spec does not
/// define it. `{chart}` in a default is the chart's name.
const KNOWN_VARIABLES: [(&str, &str, &str); 6] = [
    (
        "CHART",
        "./charts/{chart}",
        "Chart to install on restore and upgrade (path or repo/chart)",
    ),
    (
        "CHART_VERSION",
        "",
        "Chart version to pin when CHART is a repository reference",
    ),
    (
        "HELPER_IMAGE",
        "busybox:1.36",
        "Image of the throwaway pod that mounts a volume during restores",
    ),
    (
        "AGE_RECIPIENT",
        "",
        "age public key (age1...) the exported Secrets are encrypted to",
    ),
    (
        "AGE_KEY_FILE",
        "~/.config/age/keys.txt",
        "age identity file that decrypts them during a restore",
    ),
    (
        "CONFIG_FILE",
        "",
        "Configuration export to restore (default: the newest {chart}-k8s-*.json.age)",
    ),
];

/// Whether `text` uses the shell variable `name` (`$NAME` or `${NAME`).
fn uses(text: &str, name: &str) -> bool {
    ["$", "${"].iter().any(|sigil| {
        let needle = format!("{sigil}{name}");
        text.match_indices(&needle).any(|(i, _)| {
            !text[i + needle.len()..]
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        })
    })
}

/// The fields `jq` strips from every exported object: the server sets
/// them, and `kubectl apply` refuses or mis-merges them.
const SERVER_SET: &str =
    ".uid, .resourceVersion,\n      .creationTimestamp, .managedFields, .ownerReferences";

/// The shell of the built-in export step, for chart `chart` as its
/// `config_export` shapes it. Files are `<chart>-values-<ts>.yaml` (`.age`
/// with `encrypt_values`) and `<chart>-k8s-<ts>.json.age`; the server-set
/// metadata is stripped so that `kubectl apply` accepts the file later;
/// `extra_secrets` names unlabelled Secrets to export too.
pub fn export_run(chart: &str, c: &ConfigExport) -> String {
    let strip = format!("  | jq '.items[].metadata |= del({SERVER_SET})' \\\n");
    let objects = match c.extra_secrets.as_deref() {
        None => format!(
            r#"kubectl -n "$NAMESPACE" get secret,configmap -o json \
  -l app.kubernetes.io/instance="$RELEASE" \
{strip}"#
        ),
        Some(var) => format!(
            r#"{{ kubectl -n "$NAMESPACE" get secret,configmap -o json \
    -l app.kubernetes.io/instance="$RELEASE"
  for s in ${var}; do
    kubectl -n "$NAMESPACE" get secret "$s" -o json
  done; }} \
  | jq -s '{{apiVersion: "v1", kind: "List",
      items: [.[] | (.items // [.])[]]}}' \
{strip}"#
        ),
    };
    let seal = if c.encrypt_values {
        "| age -r \"$AGE_RECIPIENT\" \\\n  "
    } else {
        ""
    };
    let values = c.values_suffix();
    let written = export_written(chart);
    format!(
        r#": "${{AGE_RECIPIENT:?set AGE_RECIPIENT to an age public key}}"
mkdir -p "$BACKUP_DIR"; TS=$(date +%Y%m%d-%H%M%S)
helm -n "$NAMESPACE" get values "$RELEASE" -o yaml \
  {seal}> "$BACKUP_DIR/{chart}-values-$TS{values}"
{objects}  | age -r "$AGE_RECIPIENT" \
  {written}
"#
    )
}

/// The redirection of [`export_run`] that writes the encrypted Secrets and
/// ConfigMaps: a command that has it writes the configuration export.
fn export_written(chart: &str) -> String {
    format!("> \"$BACKUP_DIR/{chart}-k8s-$TS.json.age\"")
}

/// Whether the shell `run` writes the configuration export of `chart`
/// (it has [`export_run`], through `{{use config-export}}` or the steps of
/// the built-in component).
pub fn writes_export(chart: &str, run: &str) -> bool {
    run.contains(&export_written(chart))
}

/// Whether the shell `run` reads a file of the configuration export of
/// `chart` (`<chart>-k8s-*` or `<chart>-values-*`), as `config-restore`
/// and hand-written restores do.
pub fn reads_export(chart: &str, run: &str) -> bool {
    !writes_export(chart, run)
        && [format!("{chart}-k8s-"), format!("{chart}-values-")]
            .iter()
            .any(|f| run.contains(f.as_str()))
}

/// The make target (without the chart prefix) that writes the
/// configuration export when the `backup` target does not: the one
/// cross-chart `backup-<chart>` runs after `backup` (e.g. a
/// `config-backup` beside a backup target that runs unattended, where
/// `AGE_RECIPIENT` may be unset). `None` when `backup` writes it, or
/// nothing does.
pub fn config_backup_target(s: &Spec) -> Option<&str> {
    let writes = |o: &&super::Operation| writes_export(&s.name, &o.run);
    if s.operations
        .iter()
        .any(|o| o.target == "backup" && writes(&o))
    {
        return None;
    }
    s.operations
        .iter()
        .find(|o| o.target != "backup" && writes(o))
        .map(|o| o.target.as_str())
}

/// The export step's title, why and expected result (`why` as the spec's
/// `config_export.why` overrides it).
pub fn export_prose(chart: &str, c: &ConfigExport) -> [String; 3] {
    [
        "Export values, ConfigMaps and Secrets, encrypted".into(),
        c.why.clone().unwrap_or_else(|| {
            "A new release must get the same passwords and keys as the data it restores. \
`kubectl get secret -o yaml` is only base64: always encrypt it."
                .into()
        }),
        format!(
            "`{chart}-values-<ts>{}` and `{chart}-k8s-<ts>.json.age`, which \
`age -d -i \"$AGE_KEY_FILE\"` opens; `jq` stripped the server-set fields, so \
`kubectl apply` accepts it.",
            c.values_suffix()
        ),
    ]
}

/// How `config-restore` takes an export back.
#[derive(Debug, Clone, Copy, Default)]
pub struct RestoreMode<'a> {
    /// `helm upgrade --install` the release with the export's values file.
    pub install: bool,
    /// One more `--set key=value` for that install.
    pub set: &'a str,
    /// Compare the export with the live objects (`kubectl diff`, after the
    /// install) instead of applying it.
    pub diff: bool,
    /// The values file is encrypted (`encrypt_values`): the install reads
    /// it decrypted from a private temporary file, removed after it
    /// whether it succeeded or not.
    pub sealed: bool,
}

/// The `jq` program (`$n` the namespace, `$r` the release) that makes an
/// exported object fit the release it is restored into: no
/// `metadata.namespace` (`kubectl apply -n` refuses an object of another
/// namespace), none of the server-set fields (an export of an older gen
/// kept them), and Helm's ownership annotations
/// (`meta.helm.sh/release-name`, `meta.helm.sh/release-namespace`) and the
/// `app.kubernetes.io/instance` label naming the target release, where
/// the object has them: with the `app.kubernetes.io/managed-by: Helm`
/// label it keeps, that is what lets `helm install` adopt the object
/// instead of refusing it.
const RETARGET: &str = r#"FIX='.items[].metadata |= (del(.namespace, .uid, .resourceVersion,
    .creationTimestamp, .managedFields, .ownerReferences)
  | if .annotations["meta.helm.sh/release-name"] then .annotations += {
      "meta.helm.sh/release-name": $r,
      "meta.helm.sh/release-namespace": $n}
    else . end
  | if .labels["app.kubernetes.io/instance"] then
      .labels["app.kubernetes.io/instance"] = $r else . end)'
"#;

/// The shell that takes an export back: the newest
/// `<chart>-k8s-*.json.age` (or `$CONFIG_FILE`) decrypted, fitted to
/// `$NAMESPACE` and `$RELEASE` (see [`RETARGET`]) and applied (or
/// compared), and the values file of the same export (`$CV`) named, or
/// installed with `helm upgrade --install` (the namespace created first
/// when it is missing, as on a new cluster). An export without objects
/// (the chart renders no Secret or ConfigMap) applies nothing, since
/// `kubectl apply` refuses an empty list; one that does not decrypt fails.
pub fn restore_run(chart: &str, m: RestoreMode) -> String {
    let suffix = if m.sealed { ".yaml.age" } else { ".yaml" };
    let pick = format!(
        r#"CP="$BACKUP_DIR/{chart}-k8s-"
CK=${{CONFIG_FILE:-$(ls -1t "$CP"*.json.age 2>/dev/null | head -n 1)}}
test -s "$CK" ||
  {{ echo "no ${{CP}}*.json.age: set CONFIG_FILE=" >&2; false; }}
CV="${{CK%-k8s-*}}-values-${{CK##*-k8s-}}"; CV="${{CV%.json.age}}{suffix}"
"#
    );
    let values = if m.install {
        let set = if m.set.is_empty() {
            String::new()
        } else {
            format!(" \\\n  --set {}", m.set)
        };
        let (before, file, after) = if m.sealed {
            (
                "CVF=$(mktemp); age -d -i \"$AGE_KEY_FILE\" \"$CV\" > \"$CVF\"\nR=0\n",
                "$CVF",
                " || R=$?\nrm -f \"$CVF\"; [ \"$R\" = 0 ]",
            )
        } else {
            ("", "$CV", "")
        };
        format!(
            r#"{before}helm -n "$NAMESPACE" upgrade --install "$RELEASE" "$CHART" \
  --version "$CHART_VERSION" -f "{file}"{set} --wait{after}
"#
        )
    } else if m.sealed {
        "echo \"values (age-encrypted) for helm upgrade --install -f: $CV\"\n".to_string()
    } else {
        "echo \"values for helm upgrade --install -f: $CV\"\n".to_string()
    };
    let decrypt = r#"age -d -i "$AGE_KEY_FILE" "$CK" \
  | jq --arg n "$NAMESPACE" --arg r "$RELEASE" "$FIX" \
  | kubectl -n "$NAMESPACE""#;
    if m.diff {
        format!(
            "{pick}{RETARGET}{values}{decrypt} diff -f - \\\n  && echo \"configuration identical\"\n"
        )
    } else {
        let decrypt = decrypt.replace("\n  |", "\n    |");
        let namespace = if m.install {
            "kubectl get namespace \"$NAMESPACE\" >/dev/null 2>&1 \\\n  || kubectl create namespace \"$NAMESPACE\"\n"
        } else {
            ""
        };
        format!(
            r#"{pick}{RETARGET}N=$(age -d -i "$AGE_KEY_FILE" "$CK" | jq '.items | length')
test -n "$N" || {{ echo "cannot decrypt $CK" >&2; false; }}
{namespace}if [ "$N" != 0 ]; then
  {decrypt} apply -f -
fi
{values}"#
        )
    }
}

/// The built-in component, as the spec's `config_export` shapes it.
fn config_component(chart: &str, c: &ConfigExport) -> Component {
    let what = c.what.clone().unwrap_or_else(|| {
        "`helm get values` of the release, and every Secret and ConfigMap labelled \
`app.kubernetes.io/instance=$RELEASE` (passwords, keys, configuration files), \
the Secrets encrypted with age."
            .into()
    });
    let [title, why, expect] = export_prose(chart, c);
    let export = Step {
        title,
        why: Some(why),
        run: Some(export_run(chart, c)),
        lang: None,
        expect: Some(expect),
        // A drill of the component runs its added steps; no drill world
        // has Helm releases to export.
        drill: c
            .drill
            .as_ref()
            .and_then(|d| d.test.as_ref())
            .map(|_| Drill {
                test: None,
                none: Some(
                    "needs a cluster: helm get values and the release's labelled objects".into(),
                ),
                caveat: None,
            }),
        ..Default::default()
    };
    let mut pitfalls = c.pitfalls.clone();
    if !c.encrypt_values {
        pitfalls.push(
            "The values file is written in clear: a password given as a value (`--set \
auth.password=...`) lands in it. Keep passwords in Secrets (an `existingSecret`), or \
encrypt the values file too."
                .to_string(),
        );
    }
    pitfalls.push(match &c.extra_secrets {
        None => {
            "A Secret the chart does not render (one named by an `existingSecret` value) has no \
instance label and is not in the export: keep it in the configuration repository \
yourself."
                .to_string()
        }
        Some(var) => format!(
            "A Secret the chart does not render (one named by an `existingSecret` value) has no \
instance label: it is in the export only when `{var}` names it."
        ),
    });
    Component {
        id: c.component_id().to_string(),
        title: c
            .title
            .clone()
            .unwrap_or_else(|| "Helm values, ConfigMaps and Secrets".into()),
        covers: Covers::Configuration,
        what,
        method: Method::OnChange,
        tool: c
            .tool
            .clone()
            .unwrap_or_else(|| "helm, kubectl, jq, age".into()),
        interval: None,
        schedule: None,
        retention: c
            .retention
            .clone()
            .unwrap_or_else(|| "every version, in git".into()),
        storage: c
            .storage
            .clone()
            .unwrap_or_else(|| "Platform configuration repository (age or sops encrypted).".into()),
        steps: c
            .before
            .iter()
            .cloned()
            .chain(std::iter::once(export))
            .chain(c.steps.iter().cloned())
            .collect(),
        pitfalls,
        drill: Some(c.drill.clone().unwrap_or_else(|| Drill {
            test: None,
            none: Some(CONFIG_DRILL.into()),
            caveat: None,
        })),
    }
}

/// Expands what the spec shares into ordinary spec content: the built-in
/// component goes last in `backup.components`, the known variables its
/// commands use last in `variables` (unless the spec defines them), so
/// that every path the spec's own text has keeps its index; errors in the
/// component point at `backup.config_export`.
pub fn expand(spec: &mut Spec, positions: &mut Positions) {
    expand_config_export(spec, positions);
    inherit_drill(spec, positions);
    title_standard_variables(spec);
    declare_known_variables(spec);
}

/// Gives the chart-level `drill` to every backup component, restore and
/// verification step with a command that has none of its own (a step of a component or
/// restore takes its procedure's, as before); errors in it point at the
/// chart-level record.
fn inherit_drill(spec: &mut Spec, positions: &mut Positions) {
    let Some(d) = spec.drill.clone() else {
        return;
    };
    let mut take = |drill: &mut Option<Drill>, path: String| {
        if drill.is_none() {
            *drill = Some(d.clone());
            positions.alias(&format!("{path}.drill"), "drill");
        }
    };
    for (i, c) in spec.backup.components.iter_mut().enumerate() {
        take(&mut c.drill, format!("backup.components[{i}]"));
    }
    // A verification step is its own procedure: one without a command
    // (a reminder, a schedule) has nothing to drill.
    for (i, st) in spec.backup.verification.iter_mut().enumerate() {
        if st.run.is_some() {
            take(&mut st.drill, format!("backup.verification[{i}]"));
        }
    }
    for (i, r) in spec.restore.iter_mut().enumerate() {
        take(&mut r.drill, format!("restore[{i}]"));
    }
}

/// What gen derives once the operations are composed: the pitfall of the
/// built-in export that names the make target writing it, when `backup`
/// does not (see [`config_backup_target`]), first among its pitfalls so
/// that it reads as the one operators need most. It follows from the
/// operations, so it cannot disagree with the Makefile.
pub fn derive(spec: &mut Spec, positions: &mut Positions) {
    let Some(c) = &spec.backup.config_export else {
        return;
    };
    let id = c.component_id().to_string();
    let Some(target) = config_backup_target(spec).map(str::to_string) else {
        return;
    };
    let Some(i) = spec.backup.components.iter().position(|c| c.id == id) else {
        return;
    };
    let op = spec.operations.iter().position(|o| o.target == target);
    spec.backup.components[i]
        .pitfalls
        .insert(0, config_backup_pitfall(&spec.name, &target));
    let at = format!("backup.components[{i}].pitfalls");
    positions.shift(&at, 0);
    if let Some(op) = op {
        positions.alias_exact(&format!("{at}[0]"), &format!("operations[{op}]"));
    }
}

/// The pitfall [`derive`] adds: `make <chart>-backup` leaves the export
/// to `make <chart>-<target>`, which `make backup-<chart>` runs too.
pub fn config_backup_pitfall(chart: &str, target: &str) -> String {
    format!(
        "`make {chart}-backup` does not write this export, so that it can run on a \
schedule, where `AGE_RECIPIENT` may be unset: run `make {chart}-{target}` after every \
`helm upgrade` or change of values or Secrets (`make backup-{chart}` runs both)."
    )
}

fn expand_config_export(spec: &mut Spec, positions: &mut Positions) {
    let Some(c) = spec.backup.config_export.clone() else {
        return;
    };
    let i = spec.backup.components.len();
    spec.backup
        .components
        .push(config_component(&spec.name, &c));
    let at = format!("backup.components[{i}]");
    if let Some(target) = &c.target {
        add_config_target(spec, positions, target, &c);
    }
    positions.alias_exact(&at, "backup.config_export");
    positions.alias_exact(&format!("{at}.steps"), "backup.config_export");
    let b = c.before.len();
    positions.alias_exact(&format!("{at}.steps[{b}]"), "backup.config_export");
    for key in [
        "id",
        "title",
        "what",
        "tool",
        "retention",
        "storage",
        "pitfalls",
        "drill",
        "extra_secrets",
        "target",
        "encrypt_values",
    ] {
        positions.alias(
            &format!("{at}.{key}"),
            &format!("backup.config_export.{key}"),
        );
    }
    for j in 0..b {
        positions.alias(
            &format!("{at}.steps[{j}]"),
            &format!("backup.config_export.before[{j}]"),
        );
    }
    for j in 0..c.steps.len() {
        positions.alias(
            &format!("{at}.steps[{}]", b + 1 + j),
            &format!("backup.config_export.steps[{j}]"),
        );
    }
}

/// The help line of the target `config_export.target` adds.
pub const CONFIG_TARGET_HELP: &str =
    "Export Helm values, Secrets and ConfigMaps with age (the backup target does not)";

/// Adds the make target `target` that runs the built-in export (its
/// component's steps), before the `restore` target (last without one);
/// errors in it point at `backup.config_export.target`.
fn add_config_target(spec: &mut Spec, positions: &mut Positions, target: &str, c: &ConfigExport) {
    let id = c.component_id();
    let k = spec
        .operations
        .iter()
        .position(|o| o.target == "restore")
        .unwrap_or(spec.operations.len());
    spec.operations.insert(
        k,
        super::Operation {
            target: target.into(),
            group: super::Group::Backup,
            help: CONFIG_TARGET_HELP.into(),
            run: String::new(),
            steps: vec![format!("backup.{id}")],
            runs_in: super::RunsIn::Local,
        },
    );
    positions.shift("operations", k);
    for key in ["", ".target", ".group", ".help", ".steps", ".steps[0]"] {
        positions.alias_exact(
            &format!("operations[{k}]{key}"),
            "backup.config_export.target",
        );
    }
}

/// Declares the [`KNOWN_VARIABLES`] the spec's commands use and it does
/// not define, after its own.
fn declare_known_variables(spec: &mut Spec) {
    let text = serde_json::to_string(&*spec).unwrap_or_default();
    for (name, default, help) in KNOWN_VARIABLES {
        if uses(&text, name) && !spec.variables.iter().any(|v| v.name == name) {
            spec.variables.push(Variable {
                name: name.into(),
                default: default.replace("{chart}", &spec.name),
                help: help.replace("{chart}", &spec.name),
            });
        }
    }
}

/// A changelog entry gen derives from the spec; a hand-written entry with
/// `replaces` takes its place.
#[derive(Debug, Clone, Copy, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Derived {
    /// "Backup and recovery guide: <components>. Restore procedures: ..."
    BackupGuide,
    /// "Upgrade guide for <product> <version>: <strategies>, ..."
    UpgradeGuide,
    /// "RBAC templates: a ServiceAccount and a Role ... granting ..."
    Rbac,
    /// "<n> Makefile targets particular to <product> ..."
    Targets,
    /// "Documented backup.* and upgrade.* values ..." or the schema alone.
    Values,
}

const DERIVED: [Derived; 5] = [
    Derived::BackupGuide,
    Derived::UpgradeGuide,
    Derived::Rbac,
    Derived::Targets,
    Derived::Values,
];

fn titles<'a>(it: impl Iterator<Item = &'a String>) -> String {
    it.map(|t| t.trim().trim_end_matches('.'))
        .collect::<Vec<_>>()
        .join("; ")
}

fn derived_text(s: &Spec, d: Derived) -> String {
    match d {
        Derived::BackupGuide => format!(
            "Backup and recovery guide: {}. Restore procedures: {}. RTO {}, RPO {}.",
            titles(s.backup.components.iter().map(|c| &c.title)),
            titles(s.restore.iter().map(|r| &r.title)),
            s.objectives.rto,
            s.objectives.rpo,
        ),
        Derived::UpgradeGuide => format!(
            "Upgrade guide for {} {}: {}, with pre-upgrade checks, version notes, rollback and validation.",
            s.title,
            s.app_version,
            titles(s.upgrade.strategies.iter().map(|st| &st.name)),
        ),
        Derived::Rbac => {
            let (role, binding) = (s.rbac.scope.role_kind(), s.rbac.scope.binding_kind());
            let granting = if s.rbac.rules.is_empty() {
                "no access, as the workload never calls the Kubernetes API".to_string()
            } else {
                s.rbac
                    .rules
                    .iter()
                    .map(|r| format!("{} on {}", r.verbs.join(", "), r.resources.join(", ")))
                    .collect::<Vec<_>>()
                    .join("; ")
            };
            format!(
                "RBAC templates: a ServiceAccount and a {role} and {binding} granting {granting}, \
switched by rbac.create and serviceAccount.create."
            )
        }
        Derived::Targets => {
            let eg: Vec<String> = s
                .operations
                .iter()
                .take(4)
                .map(|o| format!("{}-{}", s.name, o.target))
                .collect();
            format!(
                "{} Makefile targets particular to {} (e.g. {}) beside the shared diagnostics and Helm targets.",
                s.operations.len(),
                s.title,
                eg.join(", ")
            )
        }
        Derived::Values => {
            if let Some(j) = &s.jobs {
                let mut what = vec![if j.backups.len() == 1 {
                    "A backup CronJob".to_string()
                } else {
                    format!("{} backup CronJobs", j.backups.len())
                }];
                if j.verification.is_some() {
                    what.push("a verification CronJob".into());
                }
                if j.pre_upgrade.is_some() {
                    what.push("a pre-upgrade backup hook".into());
                }
                what.push("PrometheusRule alerts".into());
                let last = what.pop().unwrap_or_default();
                return format!(
                    "{} and {last}, each off until its documented backup.* value turns it on, \
and a values.schema.json that Helm checks the values against on install, upgrade and lint.",
                    what.join(", ")
                );
            }
            let has = |p: &str| s.values.iter().any(|v| v.key.starts_with(p));
            let documented = match (has("backup."), has("upgrade.")) {
                (true, true) => "backup.* and upgrade.*",
                (true, false) => "backup.*",
                (false, true) => "upgrade.*",
                (false, false) => {
                    return "A values.schema.json for the rbac and serviceAccount values \
that Helm checks on install, upgrade and lint."
                        .into()
                }
            };
            format!(
                "Documented {documented} values, and a values.schema.json that Helm checks \
the values against on install, upgrade and lint."
            )
        }
    }
}

/// The changelog's note on gen's RBAC replacing the chart's own Role
/// `before`, and, as the `added` entry says, what switches it.
fn rbac_note(s: &Spec, before: &[super::rbac_change::PastRule]) -> String {
    format!(
        "{} The templates are switched by rbac.create and serviceAccount.create.",
        super::rbac_change::note(s, Some(before))
    )
}

/// The chart version's changelog: the derived entries in a fixed order,
/// each replaced by the hand-written entry that `replaces` it, then the
/// other hand-written entries in the spec's order. With `rbac.was` the
/// derived RBAC entry is a `changed` one with gen's note on the chart's
/// own Role, as `replaces: rbac` without a description writes it.
pub fn changes(s: &Spec) -> Vec<ChartChange> {
    changes_with(s, None)
}

/// [`changes`], with the rules of the Role the chart renders of its own
/// (from its facts) for a `replaces: rbac` entry without a description
/// (see [`super::rbac_change`]).
pub fn changes_with(
    s: &Spec,
    chart_role: Option<&[super::rbac_change::PastRule]>,
) -> Vec<ChartChange> {
    let mut out: Vec<ChartChange> = DERIVED
        .iter()
        .filter_map(|&d| {
            let hand = s.upgrade.changes.iter().find(|c| c.replaces == Some(d));
            if hand.is_none() && d == Derived::Targets && s.operations.is_empty() {
                return None;
            }
            Some(hand.cloned().map_or_else(
                // A recorded Role of the chart's own makes gen's RBAC a
                // change of it, with the note on what it keeps and drops,
                // from the record: the chart's Role, which `facts.rbac-was`
                // holds it to, is gone after `gen adopt`, and may list the
                // same rules in another order.
                || match d {
                    Derived::Rbac if !s.rbac.was.is_empty() => ChartChange {
                        kind: ChangeKind::Changed,
                        description: rbac_note(s, &s.rbac.was),
                        links: Vec::new(),
                        was: Vec::new(),
                        replaces: None,
                    },
                    _ => ChartChange {
                        kind: ChangeKind::Added,
                        description: derived_text(s, d),
                        links: Vec::new(),
                        was: Vec::new(),
                        replaces: None,
                    },
                },
                |mut c| {
                    if d == Derived::Rbac && c.description.trim().is_empty() {
                        let record = if c.was.is_empty() {
                            &s.rbac.was
                        } else {
                            &c.was
                        };
                        let before = chart_role.unwrap_or(record);
                        c.description = rbac_note(s, before);
                    }
                    c
                },
            ))
        })
        .collect();
    out.extend(
        s.upgrade
            .changes
            .iter()
            .filter(|c| c.replaces.is_none())
            .cloned(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{parse, ChangeKind};

    fn scaffold() -> crate::spec::SpecFile {
        parse(
            "specs/demo.yaml",
            crate::scaffold::new_spec("demo").as_bytes(),
        )
        .unwrap()
    }

    #[test]
    fn derived_changes_in_order_and_replaced_in_place() {
        let mut s = scaffold().spec;
        let plain = changes(&s);
        assert!(plain[0]
            .description
            .starts_with("Backup and recovery guide: "));
        assert!(plain[1].description.starts_with("Upgrade guide for "));
        assert!(plain[2].description.starts_with("RBAC templates: "));
        assert!(plain.iter().all(|c| c.kind == ChangeKind::Added));
        let n = plain.len();
        s.upgrade.changes = vec![
            ChartChange {
                kind: ChangeKind::Fixed,
                description: "A typo.".into(),
                links: Vec::new(),
                was: Vec::new(),
                replaces: None,
            },
            ChartChange {
                kind: ChangeKind::Changed,
                description: "The Role lost its access.".into(),
                links: Vec::new(),
                was: Vec::new(),
                replaces: Some(Derived::Rbac),
            },
        ];
        let c = changes(&s);
        assert_eq!(c.len(), n + 1, "the replacing entry adds nothing");
        assert_eq!(c[2].description, "The Role lost its access.");
        assert_eq!(c[n].description, "A typo.", "others come last");
        s.operations.clear();
        s.upgrade.changes.clear();
        assert!(changes(&s)
            .iter()
            .all(|c| !c.description.contains("Makefile targets")));
    }

    #[test]
    fn a_recorded_chart_role_makes_the_rbac_entry_a_change() {
        use crate::spec::rbac_change::PastRule;
        let mut s = scaffold().spec;
        s.rbac.was = vec![PastRule {
            api_groups: vec![String::new()],
            resources: vec!["secrets".into()],
            non_resource_urls: Vec::new(),
            verbs: vec!["get".into()],
        }];
        let rbac = changes(&s).swap_remove(2);
        assert_eq!(rbac.kind, ChangeKind::Changed);
        assert!(
            rbac.description
                .starts_with("RBAC: the Role keeps its name but loses")
                && rbac.description.contains("secrets")
                && rbac
                    .description
                    .ends_with("switched by rbac.create and serviceAccount.create."),
            "{}",
            rbac.description
        );
        // The entry it once took to say so gives the same text.
        s.upgrade.changes = vec![ChartChange {
            kind: ChangeKind::Changed,
            description: String::new(),
            links: Vec::new(),
            was: Vec::new(),
            replaces: Some(Derived::Rbac),
        }];
        assert_eq!(changes(&s)[2].description, rbac.description);
    }

    #[test]
    fn known_variables_are_declared_when_used() {
        assert!(uses("helm upgrade \"$CHART\" x", "CHART"));
        assert!(uses("${CHART:-x}", "CHART"));
        assert!(!uses("$CHART_VERSION", "CHART") && !uses("CHART", "CHART"));
        let src = crate::scaffold::new_spec("demo");
        let mut f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        assert!(f.spec.variables.iter().all(|v| v.name != "CHART"));
        f.spec.upgrade.rollback[0].run = Some("helm upgrade \"$RELEASE\" \"$CHART\"".into());
        declare_known_variables(&mut f.spec);
        let chart = f.spec.variables.iter().find(|v| v.name == "CHART").unwrap();
        assert_eq!(chart.default, "./charts/demo");
    }

    #[test]
    fn config_export_expands_to_a_component_with_its_variables() {
        let src = crate::spec::testkit::edited(
            &crate::scaffold::new_spec("demo"),
            &[(
            "backup:\n",
            "backup:\n  config_export:\n    id: settings\n    before:\n      - title: Look first\n        run: echo first\n    steps:\n      - title: Save more\n        run: echo more\n",
            )],
        );
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let c = f.spec.backup.components.last().unwrap();
        assert_eq!(c.id, "settings");
        let titles: Vec<&str> = c.steps.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Look first",
                "Export values, ConfigMaps and Secrets, encrypted",
                "Save more"
            ]
        );
        assert_eq!(
            c.steps[1].run.as_deref(),
            Some(export_run("demo", &Default::default()).as_str())
        );
        let names: Vec<&str> = f.spec.variables.iter().map(|v| v.name.as_str()).collect();
        assert!(names.contains(&"AGE_RECIPIENT") && names.contains(&"AGE_KEY_FILE"));
        // An error in the spec's own step points at its text.
        let i = f.spec.backup.components.len() - 1;
        let line = |p: &str| f.positions.get(p).0;
        let own = src.lines().position(|l| l.contains("Save more")).unwrap() + 1;
        assert_eq!(line(&format!("backup.components[{i}].steps[2].title")), own);
        let first = src.lines().position(|l| l.contains("Look first")).unwrap() + 1;
        assert_eq!(
            line(&format!("backup.components[{i}].steps[0].title")),
            first
        );
        let key = src
            .lines()
            .position(|l| l.contains("config_export"))
            .unwrap()
            + 1;
        assert_eq!(line(&format!("backup.components[{i}].steps[1].run")), key);
    }
}

/// The export step run by `sh` with real `jq` and `age`; only `helm` and
/// `kubectl` are stand-ins (shell functions printing what a cluster would),
/// since no cluster runs here. It proves the filter, the encryption and
/// the file names, and that the decrypted file is what `kubectl apply`
/// reads back.
#[cfg(test)]
mod derived {
    use super::*;
    use crate::spec::parse;
    use crate::spec::testkit::edited;

    /// The scaffold with `config_export` (its own `pitfalls`, `drill` as
    /// given) and a `config-backup` target composed of it.
    fn spec_with(config: &str, backup_writes: bool) -> (String, crate::spec::SpecFile) {
        let mut src = edited(
            &crate::scaffold::new_spec("demo"),
            &[
                ("backup:\n", &format!("backup:\n  config_export:\n{config}")),
                (
                    "operations: # backup and restore are required: make backup-all and restore-<chart> run them\n",
                    "operations:\n  - target: config-backup\n    group: backup\n    help: Export the configuration\n    steps: [backup.config]\n",
                ),
            ],
        );
        if backup_writes {
            src = edited(
                &src,
                &[(
                    "  - target: backup\n    help: TODO one line for make help\n    run: |\n      mkdir -p \"$BACKUP_DIR\"\n      echo \"TODO write the backup into $BACKUP_DIR\"\n",
                    "  - target: backup\n    help: TODO one line for make help\n    steps: [backup.config]\n",
                )],
            );
        }
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        (src, f)
    }

    fn config(f: &crate::spec::SpecFile) -> (usize, &Component) {
        let c = &f.spec.backup.components;
        let i = c.iter().position(|c| c.id == CONFIG_ID).unwrap();
        (i, &c[i])
    }

    #[test]
    fn config_backup_pitfall_follows_the_operations() {
        let own = "    pitfalls:\n      - Own pitfall.\n";
        let (src, f) = spec_with(own, false);
        let (i, c) = config(&f);
        assert_eq!(config_backup_target(&f.spec), Some("config-backup"));
        assert_eq!(
            c.pitfalls[0],
            config_backup_pitfall("demo", "config-backup")
        );
        assert!(c.pitfalls[0].starts_with("`make demo-backup` does not write this export"));
        assert!(c.pitfalls[0].contains("run `make demo-config-backup` after every"));
        assert!(c.pitfalls[0].contains("(`make backup-demo` runs both)"));
        assert_eq!(c.pitfalls[1], "Own pitfall.", "the spec's own follow");
        // The derived pitfall points at the target, the spec's at its text.
        let line = |needle: &str| src.lines().position(|l| l.contains(needle)).unwrap() + 1;
        let at = |p: &str| f.positions.get(p).0;
        assert_eq!(
            at(&format!("backup.components[{i}].pitfalls[0]")),
            line("target: config-backup")
        );
        assert_eq!(
            at(&format!("backup.components[{i}].pitfalls[1]")),
            line("Own pitfall.")
        );

        // When `backup` writes the export itself there is nothing to say.
        let (_, f) = spec_with(own, true);
        let (_, c) = config(&f);
        assert_eq!(config_backup_target(&f.spec), None);
        assert!(c
            .pitfalls
            .iter()
            .all(|p| !p.contains("does not write this export")));
        assert_eq!(c.pitfalls[0], "Own pitfall.");
    }

    #[test]
    fn config_export_target_adds_the_make_target_before_restore() {
        let src = edited(
            &crate::scaffold::new_spec("demo"),
            &[(
                "backup:\n",
                "backup:\n  config_export:\n    target: config-backup\n",
            )],
        );
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let targets: Vec<&str> = f
            .spec
            .operations
            .iter()
            .map(|o| o.target.as_str())
            .collect();
        assert_eq!(targets, ["backup", "config-backup", "restore"]);
        let op = &f.spec.operations[1];
        assert_eq!(op.help, CONFIG_TARGET_HELP);
        assert_eq!(op.steps, ["backup.config"]);
        assert!(
            writes_export("demo", &op.run),
            "composed from the export step: {}",
            op.run
        );
        assert_eq!(config_backup_target(&f.spec), Some("config-backup"));
        let (i, c) = config(&f);
        assert_eq!(
            c.pitfalls[0],
            config_backup_pitfall("demo", "config-backup")
        );
        // Both point at the key that asked for them.
        let key = src
            .lines()
            .position(|l| l.contains("target: config-backup"))
            .unwrap()
            + 1;
        assert_eq!(f.positions.get("operations[1].help").0, key);
        assert_eq!(
            f.positions
                .get(&format!("backup.components[{i}].pitfalls[0]"))
                .0,
            key
        );
        let restore = src
            .lines()
            .position(|l| l.contains("- target: restore"))
            .unwrap()
            + 1;
        assert_eq!(f.positions.get("operations[2].target").0, restore);
    }

    #[test]
    fn config_export_defaults_title_why_and_drill() {
        let (_, f) = spec_with("    what: Values.\n", true);
        let (_, c) = config(&f);
        assert_eq!(c.title, "Helm values, ConfigMaps and Secrets");
        let why = c.steps[0].why.as_deref().unwrap();
        assert!(
            why.contains("`kubectl get secret -o yaml` is only base64"),
            "{why}"
        );
        assert_eq!(
            c.drill,
            Some(Drill {
                test: None,
                none: Some(CONFIG_DRILL.into()),
                caveat: None
            })
        );
        // A spec that says more keeps its own.
        let own = "    title: Values and keys\n    why: Keys must match.\n    drill: { none: \"needs a cluster: helm get values\" }\n";
        let (_, f) = spec_with(own, true);
        let (_, c) = config(&f);
        assert_eq!(c.title, "Values and keys");
        assert_eq!(c.steps[0].why.as_deref(), Some("Keys must match."));
        assert_eq!(
            c.drill.as_ref().unwrap().none.as_deref(),
            Some("needs a cluster: helm get values")
        );
    }

    #[test]
    fn procedures_inherit_the_chart_drill_unless_they_have_their_own() {
        let chart = "drill: { test: tests/drills.rs::demo_drill, caveat: \"Another version.\" }\n";
        let src = edited(
            &crate::scaffold::new_spec("demo"),
            &[
                ("backup:\n", &format!("{chart}backup:\n")),
                (
                    "    - title: TODO how to prove the backup restores\n",
                    "    - title: Check it\n      run: echo check\n    - title: Check more\n      run: echo more\n      drill: { none: \"needs a cluster\" }\n    - title: Drill it each quarter\n",
                ),
                (
                    "    steps:\n      - title: TODO first step\nupgrade:",
                    "    steps:\n      - title: Restore it\n        run: echo restore\n      - title: Restore more\n        run: echo more\n        drill: { none: \"needs object storage\" }\nupgrade:",
                ),
            ],
        );
        let f = parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let chart_drill = Drill {
            test: Some("tests/drills.rs::demo_drill".into()),
            none: None,
            caveat: Some("Another version.".into()),
        };
        let s = &f.spec;
        assert_eq!(s.drill.as_ref(), Some(&chart_drill));
        // Own records stay: the component's, a step's.
        assert!(s.backup.components[0]
            .drill
            .as_ref()
            .unwrap()
            .none
            .as_deref()
            .unwrap()
            .starts_with("TODO"));
        assert_eq!(
            s.backup.verification[1]
                .drill
                .as_ref()
                .unwrap()
                .none
                .as_deref(),
            Some("needs a cluster")
        );
        // The others take the chart's.
        assert_eq!(s.backup.verification[0].drill.as_ref(), Some(&chart_drill));
        assert_eq!(s.restore[0].drill.as_ref(), Some(&chart_drill));
        assert!(
            s.backup.verification[2].drill.is_none(),
            "a reminder has nothing to drill"
        );
        let procs = crate::spec::procedures::procedures(s);
        let restore = procs.iter().find(|p| p.id == "restore.full").unwrap();
        assert_eq!(restore.steps[0].drill.as_ref(), Some(&chart_drill));
        assert_eq!(
            restore.steps[1].drill.as_ref().unwrap().none.as_deref(),
            Some("needs object storage")
        );
        assert_eq!(
            restore.status(),
            crate::spec::procedures::DrillStatus::Partly
        );
        // An inherited record points at the chart's.
        let key = src.lines().position(|l| l.starts_with("drill:")).unwrap() + 1;
        assert_eq!(f.positions.get("restore[0].drill.test").0, key);
        assert_eq!(f.positions.get("backup.verification[0].drill").0, key);
        // Without a chart-level record nothing is filled in.
        let base = crate::scaffold::new_spec("demo");
        let f = parse("specs/demo.yaml", base.as_bytes()).unwrap();
        assert!(f.spec.restore[0].drill.is_none());
    }
}

#[cfg(test)]
mod export_pipeline {
    use std::process::Command;

    fn have(tool: &str) -> bool {
        let found = Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .is_ok_and(|o| o.status.success());
        assert!(
            found || std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is missing (scripts/test installs it)"
        );
        found
    }

    #[test]
    fn export_writes_values_and_an_age_file_without_server_fields() {
        if !(have("jq") && have("age") && have("age-keygen")) {
            eprintln!("skipped: jq or age missing");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let key = dir.path().join("key.txt");
        let ok = Command::new("age-keygen")
            .arg("-o")
            .arg(&key)
            .output()
            .unwrap();
        assert!(ok.status.success());
        let text = std::fs::read_to_string(&key).unwrap();
        let recipient = text
            .lines()
            .find_map(|l| l.strip_prefix("# public key: "))
            .unwrap()
            .to_string();
        let stand_ins = r#"
helm() { echo "auth: {existingSecret: demo-auth}"; }
kubectl() {
  cat <<'JSON'
{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Secret",
"metadata":{"name":"demo","uid":"u1","resourceVersion":"7",
"creationTimestamp":"2026-01-01T00:00:00Z","managedFields":[],"labels":
{"app.kubernetes.io/instance":"demo"}},"data":{"password":"czNjcjN0"}}]}
JSON
}
"#;
        let script = format!(
            "set -eu\n{stand_ins}\n{}",
            super::export_run("demo", &Default::default())
        );
        let out = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("BACKUP_DIR", dir.path().join("b"))
            .env("NAMESPACE", "ns")
            .env("RELEASE", "demo")
            .env("AGE_RECIPIENT", &recipient)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut names: Vec<String> = std::fs::read_dir(dir.path().join("b"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names.len(), 2, "{names:?}");
        assert!(names[0].starts_with("demo-k8s-") && names[0].ends_with(".json.age"));
        assert!(names[1].starts_with("demo-values-") && names[1].ends_with(".yaml"));
        let plain = Command::new("age")
            .arg("-d")
            .arg("-i")
            .arg(&key)
            .arg(dir.path().join("b").join(&names[0]))
            .output()
            .unwrap();
        assert!(plain.status.success());
        let list: serde_json::Value = serde_json::from_slice(&plain.stdout).unwrap();
        let meta = &list["items"][0]["metadata"];
        assert_eq!(meta["name"], "demo");
        for gone in [
            "uid",
            "resourceVersion",
            "creationTimestamp",
            "managedFields",
        ] {
            assert!(meta.get(gone).is_none(), "{gone} kept: {meta}");
        }
        assert_eq!(list["items"][0]["data"]["password"], "czNjcjN0");
        // Without a recipient it stops before writing anything.
        let out = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env("BACKUP_DIR", dir.path().join("c"))
            .env("AGE_RECIPIENT", "")
            .output()
            .unwrap();
        assert!(!out.status.success() && !dir.path().join("c").exists());
    }
}
