//! `charts/<chart>/values.schema.json`: the JSON Schema of the values gen
//! documents in the `values` region of values.yaml, merged into the
//! chart's schema. Helm validates the chart's values against it on
//! install, upgrade, lint and template, and Artifact Hub shows it.
//!
//! Ownership: gen writes `properties.rbac` and `properties.serviceAccount`,
//! plus `properties.backup` and `properties.upgrade` when the spec
//! documents values under them (then the `values` region holds those keys
//! whole; a `backup` or `upgrade` property with gen's description is
//! removed once the spec documents nothing under it). It adds
//! `properties.global` and the names `rbac` and
//! `serviceAccount` to the top-level `required` when they are absent, and
//! changes nothing else: every other key, its order and the file's
//! indentation stay. A missing file is created. The top level never gets
//! `additionalProperties: false`, so the chart's other values pass.

use super::json::Json;
use crate::diagnostics::Diagnostic;
use crate::spec::{ItemType, Spec, ValueType};

/// Draft 7: the newest draft every Helm 3 and Helm 4 release validates.
pub const DRAFT: &str = "http://json-schema.org/draft-07/schema#";

/// Top-level values gen's own templates read; without them rendering fails.
pub const REQUIRED: [&str; 2] = ["rbac", "serviceAccount"];

/// The `properties` gen owns for this spec, in order, with their schemas.
pub fn owned_properties(s: &Spec) -> Vec<(String, Json)> {
    let rbac = gen_object(
        s,
        "rbac",
        "RBAC objects of the workload (templates/rbac.yaml).",
    );
    let service_account = gen_object(
        s,
        "serviceAccount",
        "The workload's ServiceAccount (templates/serviceaccount.yaml).",
    );
    let mut owned = vec![
        ("rbac".to_string(), rbac),
        ("serviceAccount".to_string(), service_account),
    ];
    let documented = crate::spec::jobs::documented_values(s);
    for root in ["backup", "upgrade"] {
        let values: Vec<_> = documented
            .iter()
            .filter(|v| v.key.split('.').next() == Some(root))
            .collect();
        if values.is_empty() {
            continue;
        }
        let mut node = object(&root_description(root, &s.name));
        for v in values {
            let parts: Vec<&str> = v.key.split('.').skip(1).collect();
            let mut schema = Json::object();
            if let Some(t) = value_type(&v.default, v.value_type) {
                schema.set("type", t);
            }
            schema.set(
                "description",
                Json::String(crate::text::one_line(&v.description)),
            );
            schema.set("default", Json::from_value(&v.default));
            if let serde_json::Value::Array(items) = &v.default {
                schema.set("items", items_schema(items, v.items));
            }
            insert(&mut node, &parts, schema);
        }
        owned.push((root.to_string(), node));
    }
    owned
}

/// The schema of one of gen's own top-level keys, from the values its
/// templates read (`spec::rbac_values`): its switches are required.
fn gen_object(s: &Spec, root: &str, description: &str) -> Json {
    let mut properties = Json::object();
    let mut required = Vec::new();
    for v in crate::spec::rbac_values(s) {
        let Some(leaf_key) = v.key.strip_prefix(root).and_then(|k| k.strip_prefix('.')) else {
            continue;
        };
        let ty = type_name(&v.default).unwrap_or("string");
        let mut schema = leaf(&v.description, Json::str(ty), Json::from_value(&v.default));
        if ty == "object" {
            schema.set(
                "additionalProperties",
                Json::object().with("type", Json::str("string")),
            );
        }
        if v.default.is_boolean() {
            required.push(leaf_key.to_string());
        }
        properties.set(leaf_key, schema);
    }
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    object(description)
        .with("properties", properties)
        .with("required", strings(&required))
}

/// The description of gen's `backup` or `upgrade` property: also how gen
/// knows the property is its own once the spec documents nothing under it.
fn root_description(root: &str, chart: &str) -> String {
    let title = if root == "backup" {
        "Backup"
    } else {
        "Upgrade"
    };
    format!("{title} settings documented in specs/{chart}.yaml.")
}

fn object(description: &str) -> Json {
    Json::object()
        .with("type", Json::str("object"))
        .with("description", Json::str(description))
}

fn leaf(description: &str, ty: Json, default: Json) -> Json {
    Json::object()
        .with("type", ty)
        .with("description", Json::str(description))
        .with("default", default)
}

fn strings(items: &[&str]) -> Json {
    Json::Array(items.iter().map(|s| Json::str(s)).collect())
}

fn type_name(v: &serde_json::Value) -> Option<&'static str> {
    Some(match v {
        serde_json::Value::Null => return None,
        serde_json::Value::Bool(_) => "boolean",
        serde_json::Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        serde_json::Value::Number(_) => "number",
        serde_json::Value::String(_) => "string",
        serde_json::Value::Array(_) => "array",
        serde_json::Value::Object(_) => "object",
    })
}

/// The schema `type` of a documented value: the spec's `type`, else the
/// default's own. A null default says nothing, so it gets no type.
fn value_type(default: &serde_json::Value, declared: Option<ValueType>) -> Option<Json> {
    Some(match declared {
        Some(ValueType::String) => Json::str("string"),
        Some(ValueType::Integer) => Json::str("integer"),
        Some(ValueType::Number) => Json::str("number"),
        Some(ValueType::Boolean) => Json::str("boolean"),
        Some(ValueType::Array) => Json::str("array"),
        Some(ValueType::IntOrString) => strings(&["integer", "string"]),
        None => Json::str(type_name(default)?),
    })
}

/// `items` of a list value: the spec's `items`, else the types its default's
/// items have (validation makes an empty default declare `items`).
fn items_schema(items: &[serde_json::Value], declared: Option<ItemType>) -> Json {
    let ty = match declared {
        Some(ItemType::String) => Json::str("string"),
        Some(ItemType::Integer) => Json::str("integer"),
        Some(ItemType::Number) => Json::str("number"),
        Some(ItemType::Boolean) => Json::str("boolean"),
        Some(ItemType::Object) => Json::str("object"),
        None => {
            let mut names: Vec<&str> = items.iter().filter_map(type_name).collect();
            names.sort_unstable();
            names.dedup();
            if names.contains(&"integer") && names.contains(&"number") {
                names.retain(|n| *n != "integer");
            }
            match names.as_slice() {
                [] => return Json::object(),
                [one] => Json::str(one),
                many => strings(many),
            }
        }
    };
    Json::object().with("type", ty)
}

/// Puts `leaf` at the dotted `path` under an object schema, creating the
/// object schemas between.
fn insert(node: &mut Json, path: &[&str], leaf: Json) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if node.get("properties").is_none() {
        node.set("properties", Json::object());
    }
    let props = node.get_mut("properties").expect("just set");
    if rest.is_empty() {
        props.set(first, leaf);
        return;
    }
    if props.get(first).is_none() {
        props.set(first, Json::object().with("type", Json::str("object")));
    }
    insert(props.get_mut(first).expect("just set"), rest, leaf);
}

/// The schema for `properties.global`, which Helm passes to every chart of
/// a release (parent and subcharts alike).
fn global() -> Json {
    object("Values Helm shares between a chart and its subcharts.")
}

/// The whole schema file for a chart that has none yet.
fn fresh(s: &Spec, owned: Vec<(String, Json)>) -> Json {
    let mut props = Json::object().with("global", global());
    for (name, schema) in owned {
        props.set(&name, schema);
    }
    Json::object()
        .with("$schema", Json::str(DRAFT))
        .with(
            "$comment",
            Json::String(format!(
                "gen writes properties.rbac and properties.serviceAccount, and properties.backup \
                 and properties.upgrade when specs/{}.yaml documents values under them; every \
                 other key is yours.",
                s.name
            )),
        )
        .with("type", Json::str("object"))
        .with("properties", props)
        .with("required", strings(&REQUIRED))
}

/// The indentation of the first indented line, or two spaces.
fn detect_indent(text: &str) -> String {
    text.lines()
        .skip(1)
        .find_map(|l| {
            let n = l.len() - l.trim_start_matches([' ', '\t']).len();
            (n > 0 && l.len() > n).then(|| l[..n].to_string())
        })
        .unwrap_or_else(|| "  ".into())
}

/// The file's new text: `existing` (None when there is no file) with gen's
/// properties merged in. `hand` names the top-level values the chart's own
/// values.yaml defines: gen's region leaves them out, and so does its
/// schema (they stay the chart's to describe).
pub fn merge(
    rel: &str,
    existing: Option<&str>,
    s: &Spec,
    hand: &std::collections::BTreeSet<String>,
) -> Result<String, Diagnostic> {
    let owned: Vec<_> = owned_properties(s)
        .into_iter()
        .filter(|(name, _)| !hand.contains(name))
        .collect();
    let Some(text) = existing else {
        return Ok(fresh(s, owned).pretty("  "));
    };
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    let err = |line: usize, col: usize, msg: String| {
        Diagnostic::error(rel, msg)
            .at(line, col)
            .help("fix the file so it is a JSON Schema object, or delete it and gen creates one")
            .with_source(body)
    };
    let mut doc: Json = serde_json::from_str(body).map_err(|e| {
        err(
            e.line(),
            e.column(),
            format!("values.schema.json is not valid JSON: {e}"),
        )
    })?;
    let Json::Object(_) = doc else {
        return Err(err(1, 1, "values.schema.json is not a JSON object".into()));
    };
    if doc.get("properties").is_none() {
        doc.set("properties", Json::object());
    }
    let props = doc.get_mut("properties").expect("just set");
    if !matches!(props, Json::Object(_)) {
        let line = line_of(body, "\"properties\"");
        return Err(err(line, 1, "`properties` is not an object".into()));
    }
    if props.get("global").is_none() {
        props.set("global", global());
    }
    // gen's own `backup`/`upgrade` from when the spec documented values
    // there, which it no longer does: gone, so no value is described that
    // nothing reads. The maintainer's own (another description) stay.
    for root in ["backup", "upgrade"] {
        let stale = !owned.iter().any(|(n, _)| n == root)
            && !hand.contains(root)
            && props.get(root).and_then(|p| p.get("description"))
                == Some(&Json::String(root_description(root, &s.name)));
        if stale {
            props.remove(root);
        }
    }
    for (name, schema) in owned {
        props.set(&name, schema);
    }
    match doc.get_mut("required") {
        None => doc.set("required", strings(&REQUIRED)),
        Some(Json::Array(items)) => {
            for name in REQUIRED {
                if !items.iter().any(|i| *i == Json::str(name)) {
                    items.push(Json::str(name));
                }
            }
        }
        Some(_) => {
            let line = line_of(body, "\"required\"");
            return Err(err(
                line,
                1,
                "the top-level `required` is not a list".into(),
            ));
        }
    }
    let mut out = doc.pretty(&detect_indent(body));
    if text.starts_with('\u{feff}') {
        out.insert(0, '\u{feff}');
    }
    if text.contains("\r\n") {
        out = out.replace('\n', "\r\n");
    }
    Ok(out)
}

/// 1-based line of the first occurrence of `needle`, or 1.
fn line_of(text: &str, needle: &str) -> usize {
    text.find(needle)
        .map_or(1, |i| text[..i].matches('\n').count() + 1)
}

/// The part of a values.schema.json gen owns, for comparing two versions
/// of the file: the owned properties as compact JSON, or None when the text
/// is not a schema gen could have merged into.
pub fn owned_part(text: &str, s: &Spec) -> Option<String> {
    let doc: serde_json::Value = serde_json::from_str(text.trim_start_matches('\u{feff}')).ok()?;
    let props = doc.get("properties")?;
    let names: Vec<String> = owned_properties(s).into_iter().map(|(n, _)| n).collect();
    let part: Vec<(&String, Option<&serde_json::Value>)> =
        names.iter().map(|n| (n, props.get(n))).collect();
    serde_json::to_string(&part).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        let src = crate::scaffold::new_spec("demo");
        let mut f = crate::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let values = r#"[
            {"key": "backup.enabled", "default": true, "description": "On."},
            {"key": "backup.retention.days", "default": 7, "description": "Days."},
            {"key": "backup.excludes", "default": ["a", "b"], "description": "Skip."},
            {"key": "backup.secrets", "default": [], "items": "string", "description": "Secrets."},
            {"key": "upgrade.maxUnavailable", "default": 1, "type": "int-or-string", "description": "IntOrString."}
        ]"#;
        f.spec.values = serde_json::from_str(values).unwrap();
        f.spec
    }

    #[test]
    fn fresh_schema_types_every_documented_value() {
        let out = merge(
            "charts/demo/values.schema.json",
            None,
            &spec(),
            &Default::default(),
        )
        .unwrap();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let p = &v["properties"];
        assert_eq!(v["$schema"], DRAFT);
        assert!(v.get("additionalProperties").is_none());
        assert_eq!(p["global"]["type"], "object");
        assert_eq!(p["rbac"]["properties"]["create"]["type"], "boolean");
        assert_eq!(p["rbac"]["required"], serde_json::json!(["create"]));
        let b = &p["backup"]["properties"];
        assert_eq!(b["enabled"]["type"], "boolean");
        assert_eq!(b["retention"]["properties"]["days"]["type"], "integer");
        assert_eq!(b["excludes"]["items"]["type"], "string");
        assert_eq!(b["secrets"]["items"]["type"], "string");
        assert_eq!(
            p["upgrade"]["properties"]["maxUnavailable"]["type"],
            serde_json::json!(["integer", "string"])
        );
        assert_eq!(v["required"], serde_json::json!(["rbac", "serviceAccount"]));
        // Deterministic, and merging into its own output changes nothing.
        let again = merge("x", Some(&out), &spec(), &Default::default()).unwrap();
        assert_eq!(again, out);
    }

    #[test]
    fn drops_its_own_values_once_the_spec_documents_none() {
        let with = merge("x", None, &spec(), &Default::default()).unwrap();
        let mut none = spec();
        none.values.clear();
        // The maintainer's own `upgrade` (another description) stays.
        let mut v: serde_json::Value = serde_json::from_str(&with).unwrap();
        v["properties"]["upgrade"] = serde_json::json!({"type": "object", "description": "Mine."});
        let text = serde_json::to_string_pretty(&v).unwrap();
        let out: serde_json::Value =
            serde_json::from_str(&merge("x", Some(&text), &none, &Default::default()).unwrap())
                .unwrap();
        assert!(out["properties"].get("backup").is_none(), "{out}");
        assert_eq!(out["properties"]["upgrade"]["description"], "Mine.");
        assert_eq!(out["properties"]["rbac"]["type"], "object");
    }

    #[test]
    fn keeps_a_hand_written_schema_and_its_layout() {
        let hand = "{\r\n    \"title\": \"mine\",\r\n    \"properties\": {\r\n        \"image\": {\"type\": \"string\"},\r\n        \"rbac\": {\"type\": \"string\"},\r\n        \"global\": {\"type\": \"object\", \"title\": \"kept\"}\r\n    },\r\n    \"required\": [\"image\"]\r\n}\r\n";
        let out = merge("x", Some(hand), &spec(), &Default::default()).unwrap();
        assert!(out.starts_with("{\r\n    \"title\": \"mine\",\r\n    \"properties\": {\r\n        \"image\": {\r\n            \"type\": \"string\"\r\n        },\r\n        \"rbac\": {"), "{out}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(v["properties"]["rbac"]["type"], "object");
        assert_eq!(v["properties"]["global"]["title"], "kept");
        assert_eq!(
            v["required"],
            serde_json::json!(["image", "rbac", "serviceAccount"])
        );
        assert!(
            v.get("$schema").is_none(),
            "no key of gen's is forced on the file"
        );
    }

    #[test]
    fn bad_files_are_located_errors() {
        let e = merge(
            "c/values.schema.json",
            Some("{\n  \"a\": 1,\n}\n"),
            &spec(),
            &Default::default(),
        )
        .unwrap_err();
        assert_eq!(
            (e.file.as_str(), e.line),
            ("c/values.schema.json", 3),
            "{e}"
        );
        let e = merge("x", Some("[]"), &spec(), &Default::default()).unwrap_err();
        assert!(e.message.contains("not a JSON object"), "{e}");
        let e = merge(
            "x",
            Some("{\n\"properties\": []\n}"),
            &spec(),
            &Default::default(),
        )
        .unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        let e = merge(
            "x",
            Some("{\"required\": \"rbac\"}"),
            &spec(),
            &Default::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("required"), "{e}");
    }

    #[test]
    fn descriptions_match_the_values_region() {
        let s = spec();
        let region = crate::model::chart_model(&crate::spec::SpecFile {
            rel: "specs/demo.yaml".into(),
            source: String::new(),
            spec: s.clone(),
            positions: crate::spec::Positions::index(""),
            context: Default::default(),
            fragments_used: Default::default(),
        })
        .values_yaml;
        fn walk(j: &serde_json::Value, out: &mut Vec<String>) {
            if let Some(p) = j.get("properties").and_then(|p| p.as_object()) {
                for v in p.values() {
                    if v.get("properties").is_none() {
                        out.push(v["description"].as_str().unwrap().to_string());
                    }
                    walk(v, out);
                }
            }
        }
        let mut descs = Vec::new();
        for (_, schema) in owned_properties(&s) {
            walk(&schema.to_value(), &mut descs);
        }
        assert_eq!(descs.len(), 10);
        for d in descs {
            assert!(
                region.contains(&format!("# -- {d}\n")),
                "{d:?} not in\n{region}"
            );
        }
    }
}
