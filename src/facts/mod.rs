//! Chart facts: what a real chart renders, read through Helm.
//!
//! gen renders each chart that has hand-written templates with
//! `helm template` (see [`helm`]), reads the manifests into [`ChartFacts`]
//! (see [`parse`]), keeps them in a cache keyed by the chart's content (see
//! [`cache`]) and checks the spec against them (see [`check`]). Templates
//! receive the facts too, as `c.facts`.
//!
//! Names are those of a fixed render identity: release [`RELEASE`] in
//! namespace [`NAMESPACE`]. Secret values never enter the facts, only keys.

pub mod cache;
pub mod check;
pub mod gather;
pub mod helm;
pub mod jobs;
pub mod parse;
pub mod replicas;
pub mod shell;

pub use gather::{gather, needs_facts, Gathered, Options};

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The release name of the render the facts come from.
pub const RELEASE: &str = "rel";
/// The namespace of that render.
pub const NAMESPACE: &str = "ns";

/// Everything gen knows about one chart from Helm and its files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartFacts {
    pub chart: ChartMeta,
    /// Values files rendered on top of the defaults, relative to the chart.
    pub values_files: Vec<String>,
    /// Every key of `values.yaml` (outside gen's region) as a dotted path;
    /// list items as `key[0]`.
    pub values_keys: Vec<String>,
    /// Keys whose default is an empty map (`podAnnotations: {}`): any key
    /// below them is valid too.
    pub open_maps: Vec<String>,
    /// `.Values.<path>` references in the chart's own templates.
    pub values_read: Vec<String>,
    /// Template names that `define` blocks under `templates/` declare.
    pub helpers: Vec<String>,
    /// How the chart names objects after the release.
    pub fullname: Fullname,
    /// Every rendered object, in render order.
    pub objects: Vec<Object>,
    pub workloads: Vec<Workload>,
    pub services: Vec<Service>,
    pub secrets: Vec<Keyed>,
    pub config_maps: Vec<Keyed>,
    pub pvcs: Vec<Pvc>,
    pub rbac: Rbac,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartMeta {
    pub name: String,
    pub version: String,
    pub app_version: Option<String>,
    pub dependencies: Vec<ChartDependency>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ChartDependency {
    pub name: String,
    pub version: String,
    pub repository: String,
    pub alias: Option<String>,
    pub condition: Option<String>,
}

/// The chart's full name for a release: with the usual `<chart>.fullname`
/// helper, the release name when it contains the chart's name, else
/// `<release>-<chart>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fullname {
    pub rule: FullnameRule,
    /// The name part the rule appends (usually the chart's name).
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FullnameRule {
    /// `$RELEASE` when it contains `name`, else `$RELEASE-name`.
    ContainsOrSuffix,
    /// Always `$RELEASE-name`.
    Suffix,
    /// Always `$RELEASE`.
    Release,
}

impl Default for Fullname {
    fn default() -> Self {
        Fullname {
            rule: FullnameRule::ContainsOrSuffix,
            name: String::new(),
        }
    }
}

impl Fullname {
    /// The usual rule for a chart called `chart`.
    pub fn usual(chart: &str) -> Fullname {
        Fullname {
            rule: FullnameRule::ContainsOrSuffix,
            name: chart.to_string(),
        }
    }

    /// The full name for release `release`.
    pub fn of(&self, release: &str) -> String {
        let suffixed = || {
            let mut s = format!("{release}-{}", self.name);
            s.truncate(63);
            s.trim_end_matches('-').to_string()
        };
        match self.rule {
            FullnameRule::Release => release.to_string(),
            FullnameRule::Suffix => suffixed(),
            FullnameRule::ContainsOrSuffix if release.contains(&self.name) => release.to_string(),
            FullnameRule::ContainsOrSuffix => suffixed(),
        }
    }

    /// POSIX shell that sets `FULLNAME` from `$RELEASE`.
    pub fn shell(&self) -> String {
        let n = &self.name;
        match self.rule {
            FullnameRule::Release => "FULLNAME=\"$RELEASE\"".into(),
            FullnameRule::Suffix => format!("FULLNAME=\"$RELEASE-{n}\""),
            FullnameRule::ContainsOrSuffix => format!(
                "case \"$RELEASE\" in *{n}*) FULLNAME=\"$RELEASE\" ;; *) FULLNAME=\"$RELEASE-{n}\" ;; esac"
            ),
        }
    }

    /// [`Fullname::shell`] over several short lines, for the guides.
    pub fn shell_lines(&self) -> String {
        let n = &self.name;
        match self.rule {
            FullnameRule::ContainsOrSuffix => format!(
                "case \"$RELEASE\" in\n  *{n}*) FULLNAME=\"$RELEASE\" ;;\n  *) FULLNAME=\"$RELEASE-{n}\" ;;\nesac"
            ),
            _ => self.shell(),
        }
    }

    /// The rule in words, for the guides.
    pub fn describe(&self) -> String {
        let n = &self.name;
        match self.rule {
            FullnameRule::Release => "the chart's full name: the release name".into(),
            FullnameRule::Suffix => format!("the chart's full name: `$RELEASE-{n}`"),
            FullnameRule::ContainsOrSuffix => format!(
                "the chart's full name, the stem of its object names: the release name if it contains `{n}`, else `$RELEASE-{n}`"
            ),
        }
    }
}

/// One rendered object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Object {
    pub kind: String,
    pub name: String,
    pub namespace: Option<String>,
    /// The `helm.sh/hook` annotation, for hooks.
    pub hook: Option<String>,
    /// The template it came from, relative to the chart.
    pub source: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Workload {
    pub kind: String,
    pub name: String,
    pub selector: BTreeMap<String, String>,
    pub pod_labels: BTreeMap<String, String>,
    pub replicas: Option<i64>,
    /// The values key its `replicas:` is (`replicaCount`), where its
    /// template reads one key there and no other expression, and that key's
    /// default is the count rendered (see [`replicas`]).
    #[serde(default)]
    pub replicas_value: Option<String>,
    /// `strategy.type` (Deployment) or `updateStrategy.type`.
    pub strategy: Option<String>,
    pub service_account: Option<String>,
    pub containers: Vec<Container>,
    pub init_containers: Vec<Container>,
    /// Names of the StatefulSet's volumeClaimTemplates.
    pub claim_templates: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Container {
    pub name: String,
    pub image: String,
    /// The image's tag, when it has one.
    pub tag: Option<String>,
    pub ports: Vec<ContainerPort>,
    pub env: Vec<Env>,
    /// `envFrom` sources, as `secret/<name>` or `configmap/<name>`.
    pub env_from: Vec<String>,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub mounts: Vec<Mount>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ContainerPort {
    pub name: Option<String>,
    pub port: i64,
    pub protocol: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Env {
    pub name: String,
    /// A literal value (never a Secret's: those are `secret`).
    pub value: Option<String>,
    pub secret: Option<KeyRef>,
    pub config_map: Option<KeyRef>,
    /// A `fieldRef`/`resourceFieldRef` path.
    pub field: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyRef {
    pub name: String,
    pub key: String,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Mount {
    pub path: String,
    pub volume: String,
    pub sub_path: Option<String>,
    pub read_only: bool,
    /// What the volume is.
    pub source: VolumeSource,
}

/// A pod volume, resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum VolumeSource {
    /// A PersistentVolumeClaim by name.
    Pvc {
        claim: String,
    },
    /// A StatefulSet volumeClaimTemplate: pod N's claim is `pvc` with the
    /// ordinal for `N` (`<template>-<statefulset>-N`).
    ClaimTemplate {
        template: String,
        pvc: String,
    },
    ConfigMap {
        name: String,
    },
    Secret {
        name: String,
    },
    EmptyDir,
    HostPath {
        path: String,
    },
    Projected,
    #[default]
    Other,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub name: String,
    pub service_type: Option<String>,
    pub ports: Vec<ServicePort>,
    pub selector: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ServicePort {
    pub name: Option<String>,
    pub port: i64,
    pub target_port: Option<String>,
}

/// A Secret or ConfigMap: its name and keys, never its values.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Keyed {
    pub name: String,
    pub keys: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Pvc {
    pub name: String,
    pub access_modes: Vec<String>,
    pub size: Option<String>,
    pub storage_class: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Rbac {
    pub service_accounts: Vec<String>,
    pub roles: Vec<Role>,
    pub bindings: Vec<Binding>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub kind: String,
    pub name: String,
    pub rules: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Binding {
    pub kind: String,
    pub name: String,
    /// `<kind>/<name>` of the role it grants.
    pub role: String,
    /// `<kind>/<name>` of each subject.
    pub subjects: Vec<String>,
}

impl ChartFacts {
    /// Every PVC name a pod of the chart can use: the PVCs it renders and,
    /// for each StatefulSet claim template, the claims of its first pods.
    pub fn claim_names(&self) -> Vec<String> {
        let mut out: Vec<String> = self.pvcs.iter().map(|p| p.name.clone()).collect();
        for w in &self.workloads {
            let n = w.replicas.unwrap_or(1).clamp(1, 16);
            for t in &w.claim_templates {
                for i in 0..n {
                    out.push(format!("{t}-{}-{i}", w.name));
                }
            }
        }
        out
    }

    /// Every container of every workload.
    pub fn containers(&self) -> impl Iterator<Item = (&Workload, &Container)> {
        self.workloads.iter().flat_map(|w| {
            w.containers
                .iter()
                .chain(&w.init_containers)
                .map(move |c| (w, c))
        })
    }

    /// A short, readable summary for `gen facts`.
    pub fn summary(&self) -> String {
        let mut s = String::new();
        let c = &self.chart;
        s.push_str(&format!(
            "chart {} {} (appVersion {})\n",
            c.name,
            c.version,
            c.app_version.as_deref().unwrap_or("none")
        ));
        for d in &c.dependencies {
            s.push_str(&format!(
                "  dependency {} {} from {}\n",
                d.name, d.version, d.repository
            ));
        }
        s.push_str(&format!(
            "rendered as release {RELEASE} in namespace {NAMESPACE}{}; FULLNAME = {}\n",
            if self.values_files.is_empty() {
                String::new()
            } else {
                format!(" with {}", self.values_files.join(", "))
            },
            self.fullname.of(RELEASE)
        ));
        for w in &self.workloads {
            let labels: Vec<String> = w
                .pod_labels
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s.push_str(&format!(
                "{} {} (replicas {}, strategy {}) pod labels {}\n",
                w.kind,
                w.name,
                match (&w.replicas, &w.replicas_value) {
                    (Some(r), Some(k)) => format!("{r} from {k}"),
                    (r, _) => r.map_or("-".into(), |r| r.to_string()),
                },
                w.strategy.as_deref().unwrap_or("-"),
                labels.join(",")
            ));
            for t in &w.claim_templates {
                s.push_str(&format!(
                    "  claim template {t}: PVC {t}-{}-<ordinal>\n",
                    w.name
                ));
            }
            for (init, list) in [(false, &w.containers), (true, &w.init_containers)] {
                for ct in list {
                    let ports: Vec<String> = ct.ports.iter().map(|p| p.port.to_string()).collect();
                    s.push_str(&format!(
                        "  {}container {} image {} ports [{}]\n",
                        if init { "init " } else { "" },
                        ct.name,
                        ct.image,
                        ports.join(", ")
                    ));
                    for e in &ct.env {
                        let v = match (&e.value, &e.secret, &e.config_map, &e.field) {
                            (Some(v), ..) => format!("= {v:?}"),
                            (_, Some(r), ..) => format!("from secret {} key {}", r.name, r.key),
                            (_, _, Some(r), _) => {
                                format!("from configmap {} key {}", r.name, r.key)
                            }
                            (.., Some(f)) => format!("from field {f}"),
                            _ => String::new(),
                        };
                        s.push_str(&format!("    env {} {v}\n", e.name));
                    }
                    for m in &ct.mounts {
                        let src = match &m.source {
                            VolumeSource::Pvc { claim } => format!("PVC {claim}"),
                            VolumeSource::ClaimTemplate { pvc, .. } => format!("PVC {pvc}"),
                            VolumeSource::ConfigMap { name } => format!("ConfigMap {name}"),
                            VolumeSource::Secret { name } => format!("Secret {name}"),
                            VolumeSource::EmptyDir => "emptyDir".into(),
                            VolumeSource::HostPath { path } => format!("hostPath {path}"),
                            VolumeSource::Projected => "projected".into(),
                            VolumeSource::Other => "other".into(),
                        };
                        s.push_str(&format!(
                            "    mount {} <- {} ({src}){}\n",
                            m.path,
                            m.volume,
                            m.sub_path
                                .as_ref()
                                .map(|p| format!(" subPath {p}"))
                                .unwrap_or_default()
                        ));
                    }
                }
            }
        }
        for sv in &self.services {
            let ports: Vec<String> = sv.ports.iter().map(|p| p.port.to_string()).collect();
            s.push_str(&format!(
                "Service {} ports [{}]\n",
                sv.name,
                ports.join(", ")
            ));
        }
        for (kind, list) in [("Secret", &self.secrets), ("ConfigMap", &self.config_maps)] {
            for k in list {
                s.push_str(&format!("{kind} {} keys [{}]\n", k.name, k.keys.join(", ")));
            }
        }
        for p in &self.pvcs {
            s.push_str(&format!("PersistentVolumeClaim {}\n", p.name));
        }
        for sa in &self.rbac.service_accounts {
            s.push_str(&format!("ServiceAccount {sa}\n"));
        }
        for r in &self.rbac.roles {
            s.push_str(&format!(
                "{} {} ({} rules)\n",
                r.kind,
                r.name,
                r.rules.len()
            ));
        }
        for b in &self.rbac.bindings {
            s.push_str(&format!("{} {} -> {}\n", b.kind, b.name, b.role));
        }
        for o in self.objects.iter().filter(|o| o.hook.is_some()) {
            s.push_str(&format!(
                "hook {} {} ({})\n",
                o.kind,
                o.name,
                o.hook.as_deref().unwrap_or("")
            ));
        }
        s.push_str(&format!(
            "{} values keys; helpers: {}\n",
            self.values_keys.len(),
            self.helpers.join(", ")
        ));
        s
    }
}
