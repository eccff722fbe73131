//! From what Helm rendered and the chart's own files to [`ChartFacts`].

use super::*;
use serde_json::Value;
use yaml_rust2::{Yaml, YamlLoader};

/// Parses YAML text (one or more documents) into JSON values.
pub fn yaml_docs(text: &str) -> Result<Vec<Value>, String> {
    let docs = YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    Ok(docs.iter().map(to_json).filter(|v| !v.is_null()).collect())
}

fn to_json(y: &Yaml) -> Value {
    match y {
        Yaml::Real(s) => s
            .parse::<f64>()
            .ok()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| Value::String(s.clone()), Value::Number),
        Yaml::Integer(i) => Value::from(*i),
        Yaml::String(s) => Value::String(s.clone()),
        Yaml::Boolean(b) => Value::Bool(*b),
        Yaml::Array(a) => Value::Array(a.iter().map(to_json).collect()),
        Yaml::Hash(h) => Value::Object(
            h.iter()
                .map(|(k, v)| (scalar_text(k), to_json(v)))
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Value::Null,
    }
}

fn scalar_text(y: &Yaml) -> String {
    match y {
        Yaml::String(s) | Yaml::Real(s) => s.clone(),
        Yaml::Integer(i) => i.to_string(),
        Yaml::Boolean(b) => b.to_string(),
        _ => String::from("~"),
    }
}

fn field(v: &Value, path: &[&str]) -> Option<String> {
    let mut v = v;
    for p in path {
        v = v.get(p)?;
    }
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn list<'a>(v: &'a Value, path: &[&str]) -> &'a [Value] {
    let mut v = v;
    for p in path {
        match v.get(p) {
            Some(x) => v = x,
            None => return &[],
        }
    }
    v.as_array().map_or(&[], Vec::as_slice)
}

fn string_map(v: Option<&Value>) -> BTreeMap<String, String> {
    v.and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let s = match v {
                        Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    (k.clone(), s)
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One rendered document with the template it came from.
pub struct Rendered {
    pub source: String,
    pub object: Value,
}

/// Splits `helm template` output into objects, each with its `# Source:`
/// template path relative to the chart (the chart's own folder name
/// stripped). Lists (`kind: List`) are flattened.
pub fn manifests(text: &str) -> Result<Vec<Rendered>, String> {
    let mut out = Vec::new();
    for doc in split_documents(text) {
        let source = doc
            .lines()
            .find_map(|l| l.strip_prefix("# Source: "))
            .map(|s| s.trim().split_once('/').map_or(s, |(_, rest)| rest))
            .unwrap_or("")
            .to_string();
        for v in yaml_docs(doc)? {
            if field(&v, &["kind"]).as_deref() == Some("List") {
                for item in list(&v, &["items"]) {
                    out.push(Rendered {
                        source: source.clone(),
                        object: item.clone(),
                    });
                }
            } else if v.is_object() {
                out.push(Rendered {
                    source: source.clone(),
                    object: v,
                });
            }
        }
    }
    Ok(out)
}

fn split_documents(text: &str) -> Vec<&str> {
    let mut docs = Vec::new();
    let mut start = 0;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if line.trim_end() == "---" {
            docs.push(&text[start..offset]);
            start = offset + line.len();
        }
        offset += line.len();
    }
    docs.push(&text[start..]);
    docs.into_iter().filter(|d| !d.trim().is_empty()).collect()
}

const WORKLOAD_KINDS: &[&str] = &[
    "StatefulSet",
    "Deployment",
    "DaemonSet",
    "Job",
    "CronJob",
    "ReplicaSet",
];

/// Reads the objects of one render into `facts`.
pub fn read_objects(facts: &mut ChartFacts, rendered: &[Rendered]) {
    for r in rendered {
        let o = &r.object;
        let kind = field(o, &["kind"]).unwrap_or_default();
        let name = field(o, &["metadata", "name"]).unwrap_or_default();
        facts.objects.push(Object {
            kind: kind.clone(),
            name: name.clone(),
            namespace: field(o, &["metadata", "namespace"]),
            hook: o
                .pointer("/metadata/annotations")
                .and_then(|a| a.get("helm.sh/hook"))
                .and_then(Value::as_str)
                .map(str::to_string),
            source: r.source.clone(),
        });
        match kind.as_str() {
            k if WORKLOAD_KINDS.contains(&k) => facts.workloads.push(workload(k, &name, o)),
            "Service" => facts.services.push(Service {
                name,
                service_type: field(o, &["spec", "type"]),
                ports: list(o, &["spec", "ports"])
                    .iter()
                    .map(|p| ServicePort {
                        name: field(p, &["name"]),
                        port: p.get("port").and_then(Value::as_i64).unwrap_or(0),
                        target_port: field(p, &["targetPort"]),
                    })
                    .collect(),
                selector: string_map(o.pointer("/spec/selector")),
            }),
            "Secret" | "ConfigMap" => {
                let mut keys: Vec<String> = ["data", "stringData", "binaryData"]
                    .iter()
                    .filter_map(|f| o.get(f).and_then(Value::as_object))
                    .flat_map(|m| m.keys().cloned())
                    .collect();
                keys.sort();
                keys.dedup();
                let k = Keyed { name, keys };
                if kind == "Secret" {
                    facts.secrets.push(k);
                } else {
                    facts.config_maps.push(k);
                }
            }
            "PersistentVolumeClaim" => facts.pvcs.push(Pvc {
                name,
                access_modes: list(o, &["spec", "accessModes"])
                    .iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect(),
                size: field(o, &["spec", "resources", "requests", "storage"]),
                storage_class: field(o, &["spec", "storageClassName"]),
            }),
            "ServiceAccount" => facts.rbac.service_accounts.push(name),
            "Role" | "ClusterRole" => facts.rbac.roles.push(Role {
                kind,
                name,
                rules: list(o, &["rules"]).to_vec(),
            }),
            "RoleBinding" | "ClusterRoleBinding" => facts.rbac.bindings.push(Binding {
                kind,
                name,
                role: format!(
                    "{}/{}",
                    field(o, &["roleRef", "kind"]).unwrap_or_default(),
                    field(o, &["roleRef", "name"]).unwrap_or_default()
                ),
                subjects: list(o, &["subjects"])
                    .iter()
                    .map(|s| {
                        format!(
                            "{}/{}",
                            field(s, &["kind"]).unwrap_or_default(),
                            field(s, &["name"]).unwrap_or_default()
                        )
                    })
                    .collect(),
            }),
            _ => {}
        }
    }
}

fn workload(kind: &str, name: &str, o: &Value) -> Workload {
    // A CronJob's pod template sits one level deeper.
    let spec = if kind == "CronJob" {
        o.pointer("/spec/jobTemplate/spec")
    } else {
        o.get("spec")
    }
    .cloned()
    .unwrap_or(Value::Null);
    let pod = spec
        .pointer("/template/spec")
        .cloned()
        .unwrap_or(Value::Null);
    let claim_templates: Vec<String> = list(&spec, &["volumeClaimTemplates"])
        .iter()
        .filter_map(|t| field(t, &["metadata", "name"]))
        .collect();
    let volumes: BTreeMap<String, VolumeSource> = list(&pod, &["volumes"])
        .iter()
        .map(|v| (field(v, &["name"]).unwrap_or_default(), volume_source(v)))
        .collect();
    let resolve = |vol: &str| -> VolumeSource {
        match volumes.get(vol) {
            Some(s) => s.clone(),
            None if claim_templates.iter().any(|t| t == vol) => VolumeSource::ClaimTemplate {
                template: vol.to_string(),
                pvc: format!("{vol}-{name}-0"),
            },
            None => VolumeSource::Other,
        }
    };
    let containers = |field: &str| -> Vec<Container> {
        list(&pod, &[field])
            .iter()
            .map(|c| container(c, &resolve))
            .collect()
    };
    Workload {
        kind: kind.to_string(),
        name: name.to_string(),
        selector: string_map(spec.pointer("/selector/matchLabels")),
        pod_labels: string_map(spec.pointer("/template/metadata/labels")),
        replicas: spec.get("replicas").and_then(Value::as_i64),
        replicas_value: None,
        strategy: field(&spec, &["strategy", "type"])
            .or_else(|| field(&spec, &["updateStrategy", "type"])),
        service_account: field(&pod, &["serviceAccountName"]),
        containers: containers("containers"),
        init_containers: containers("initContainers"),
        claim_templates,
    }
}

fn volume_source(v: &Value) -> VolumeSource {
    if let Some(c) = field(v, &["persistentVolumeClaim", "claimName"]) {
        VolumeSource::Pvc { claim: c }
    } else if let Some(n) = field(v, &["configMap", "name"]) {
        VolumeSource::ConfigMap { name: n }
    } else if let Some(n) = field(v, &["secret", "secretName"]) {
        VolumeSource::Secret { name: n }
    } else if v.get("emptyDir").is_some() {
        VolumeSource::EmptyDir
    } else if let Some(p) = field(v, &["hostPath", "path"]) {
        VolumeSource::HostPath { path: p }
    } else if v.get("projected").is_some() {
        VolumeSource::Projected
    } else {
        VolumeSource::Other
    }
}

fn container(c: &Value, resolve: &dyn Fn(&str) -> VolumeSource) -> Container {
    let image = field(c, &["image"]).unwrap_or_default();
    // The tag follows the last ':' after the last '/' (a registry port is not a tag).
    let last = image.rsplit('/').next().unwrap_or(&image);
    let tag = last
        .split('@')
        .next()
        .and_then(|n| n.split_once(':'))
        .map(|(_, t)| t.to_string());
    let strings = |field: &str| -> Vec<String> {
        list(c, &[field])
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
    };
    Container {
        name: field(c, &["name"]).unwrap_or_default(),
        image,
        tag,
        ports: list(c, &["ports"])
            .iter()
            .map(|p| ContainerPort {
                name: field(p, &["name"]),
                port: p.get("containerPort").and_then(Value::as_i64).unwrap_or(0),
                protocol: field(p, &["protocol"]),
            })
            .collect(),
        env: list(c, &["env"])
            .iter()
            .map(|e| {
                let key_ref = |f: &str| {
                    e.pointer(&format!("/valueFrom/{f}")).map(|r| KeyRef {
                        name: field(r, &["name"]).unwrap_or_default(),
                        key: field(r, &["key"]).unwrap_or_default(),
                    })
                };
                Env {
                    name: field(e, &["name"]).unwrap_or_default(),
                    value: field(e, &["value"]),
                    secret: key_ref("secretKeyRef"),
                    config_map: key_ref("configMapKeyRef"),
                    field: field(e, &["valueFrom", "fieldRef", "fieldPath"])
                        .or_else(|| field(e, &["valueFrom", "resourceFieldRef", "resource"])),
                }
            })
            .collect(),
        env_from: list(c, &["envFrom"])
            .iter()
            .filter_map(|e| {
                field(e, &["secretRef", "name"])
                    .map(|n| format!("secret/{n}"))
                    .or_else(|| {
                        field(e, &["configMapRef", "name"]).map(|n| format!("configmap/{n}"))
                    })
            })
            .collect(),
        command: strings("command"),
        args: strings("args"),
        mounts: list(c, &["volumeMounts"])
            .iter()
            .map(|m| {
                let volume = field(m, &["name"]).unwrap_or_default();
                Mount {
                    path: field(m, &["mountPath"]).unwrap_or_default(),
                    source: resolve(&volume),
                    volume,
                    sub_path: field(m, &["subPath"]),
                    read_only: m.get("readOnly").and_then(Value::as_bool).unwrap_or(false),
                }
            })
            .collect(),
    }
}

/// Chart.yaml's name, versions and dependencies.
pub fn chart_meta(text: &str) -> Result<ChartMeta, String> {
    let doc = yaml_docs(text)?.into_iter().next().unwrap_or(Value::Null);
    Ok(ChartMeta {
        name: field(&doc, &["name"]).unwrap_or_default(),
        version: field(&doc, &["version"]).unwrap_or_default(),
        app_version: field(&doc, &["appVersion"]),
        dependencies: list(&doc, &["dependencies"])
            .iter()
            .map(|d| ChartDependency {
                name: field(d, &["name"]).unwrap_or_default(),
                version: field(d, &["version"]).unwrap_or_default(),
                repository: field(d, &["repository"]).unwrap_or_default(),
                alias: field(d, &["alias"]),
                condition: field(d, &["condition"]),
            })
            .collect(),
    })
}

/// values.yaml without gen's `values` region and its markers.
pub fn strip_gen_region(values: &str) -> String {
    crate::regions::outside(values, crate::regions::Style::Hash, Some("values"), false)
}

/// Every dotted key of a values document, and the keys whose default is an
/// empty map.
pub fn values_keys(doc: &Value) -> (Vec<String>, Vec<String>) {
    fn walk(v: &Value, path: &str, keys: &mut Vec<String>, open: &mut Vec<String>) {
        match v {
            Value::Object(m) => {
                if m.is_empty() && !path.is_empty() {
                    open.push(path.to_string());
                }
                for (k, v) in m {
                    let p = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    keys.push(p.clone());
                    walk(v, &p, keys, open);
                }
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    let p = format!("{path}[{i}]");
                    keys.push(p.clone());
                    walk(v, &p, keys, open);
                }
            }
            _ => {}
        }
    }
    let (mut keys, mut open) = (Vec::new(), Vec::new());
    walk(doc, "", &mut keys, &mut open);
    keys.sort();
    keys.dedup();
    open.sort();
    (keys, open)
}

/// `define "name"` blocks in a template file.
pub fn defines(text_: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text_;
    while let Some(i) = rest.find("define") {
        let after = rest[i + 6..].trim_start();
        if rest[..i].trim_end().ends_with(['{', '-']) {
            if let Some(q) = after.strip_prefix('"') {
                if let Some(end) = q.find('"') {
                    out.push(q[..end].to_string());
                }
            }
        }
        rest = &rest[i + 6..];
    }
    out
}

/// `.Values.a.b` paths in a template file.
pub fn values_refs(text_: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (i, _) in text_.match_indices(".Values.") {
        let rest = &text_[i + 8..];
        let n = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'.' || *b == b'-')
            .count();
        let path = rest[..n].trim_end_matches('.');
        if !path.is_empty() {
            out.push(path.to_string());
        }
    }
    out
}

/// How the chart builds its full name, from the same objects rendered for
/// release [`RELEASE`] and for release `chart`: the most common pair of
/// differing name stems is `(fullname(rel), fullname(chart))`.
pub fn fullname_rule(chart: &str, rel: &[Object], as_chart: &[Object]) -> Fullname {
    let mut votes: BTreeMap<(String, String), usize> = BTreeMap::new();
    for (a, b) in rel.iter().zip(as_chart) {
        if a.kind != b.kind || a.source != b.source || a.name == b.name {
            continue;
        }
        // Every split of `a` into stem + rest, the stem ending where a name
        // part ends, that `b` shares the rest of.
        let ends = a
            .name
            .match_indices('-')
            .map(|(i, _)| i)
            .chain([a.name.len()]);
        for i in ends {
            let (stem, rest) = a.name.split_at(i);
            if !stem.starts_with(RELEASE) || b.name.len() <= rest.len() || !b.name.ends_with(rest) {
                continue;
            }
            let other = &b.name[..b.name.len() - rest.len()];
            *votes
                .entry((stem.to_string(), other.to_string()))
                .or_default() += 1;
        }
    }
    // Most votes; of equals, the longest stem (the name parts the helper adds).
    let best = votes
        .into_iter()
        .max_by(|(ka, na), (kb, nb)| na.cmp(nb).then(ka.0.len().cmp(&kb.0.len())));
    let Some(((f_rel, f_chart), _)) = best else {
        return Fullname::usual(chart);
    };
    match f_rel.strip_prefix(&format!("{RELEASE}-")) {
        None => Fullname {
            rule: FullnameRule::Release,
            name: chart.to_string(),
        },
        Some(name) if f_chart == chart => Fullname {
            rule: FullnameRule::ContainsOrSuffix,
            name: name.to_string(),
        },
        Some(name) if f_chart == format!("{chart}-{name}") => Fullname {
            rule: FullnameRule::Suffix,
            name: name.to_string(),
        },
        Some(name) => Fullname {
            rule: FullnameRule::ContainsOrSuffix,
            name: name.to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fullname_rules_from_two_renders() {
        let o = |kind: &str, name: &str| Object {
            kind: kind.into(),
            name: name.into(),
            source: format!("templates/{kind}.yaml"),
            ..Object::default()
        };
        let rel = [
            o("Secret", "rel-pg-secret"),
            o("Service", "rel-pg"),
            o("X", "fixed"),
        ];
        let usual = [
            o("Secret", "pg-secret"),
            o("Service", "pg"),
            o("X", "fixed"),
        ];
        let f = fullname_rule("pg", &rel, &usual);
        assert_eq!(f, Fullname::usual("pg"));
        assert_eq!(
            (f.of("rel"), f.of("my-pg")),
            ("rel-pg".into(), "my-pg".into())
        );
        let suffix = [
            o("Secret", "pg-pg-secret"),
            o("Service", "pg-pg"),
            o("X", "fixed"),
        ];
        assert_eq!(
            fullname_rule("pg", &rel, &suffix).rule,
            FullnameRule::Suffix
        );
        let bare = [o("Secret", "rel-secret"), o("Service", "rel")];
        let bare2 = [o("Secret", "pg-secret"), o("Service", "pg")];
        assert_eq!(
            fullname_rule("pg", &bare, &bare2).rule,
            FullnameRule::Release
        );
        assert_eq!(fullname_rule("pg", &[], &[]), Fullname::usual("pg"));
    }

    #[test]
    fn values_keys_lists_and_open_maps() {
        let doc = &yaml_docs("a:\n  b: 1\n  c: {}\nl:\n  - x: 1\n").unwrap()[0];
        let (keys, open) = values_keys(doc);
        assert_eq!(keys, ["a", "a.b", "a.c", "l", "l[0]", "l[0].x"]);
        assert_eq!(open, ["a.c"]);
    }

    #[test]
    fn helpers_and_value_references() {
        let t = "{{- define \"x.fullname\" -}}\n{{ define \"x.labels\" }}{{ .Values.image.tag }}{{ .Values.a }}.";
        assert_eq!(defines(t), ["x.fullname", "x.labels"]);
        assert_eq!(values_refs(t), ["image.tag", "a"]);
        assert_eq!(
            strip_gen_region("a: 1\n# gen:begin values\nb: 2\n# gen:end values\nc: 3\n"),
            "a: 1\nc: 3\n"
        );
    }
}
