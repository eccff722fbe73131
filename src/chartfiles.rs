//! What gen reads from a chart's own files, with small focused readers:
//! the template names `_helpers.tpl` defines, the hand-written templates
//! that render a ServiceAccount or RBAC objects (and the name each gives
//! them), and the keys of a YAML file with their lines.
//!
//! These are the chart facts gen's coexistence rules need. Rendering the
//! chart with Helm gives richer facts; when that model exists it can
//! replace these readers one by one.

use std::collections::BTreeMap;
use std::path::Path;

/// The kinds gen's `rbac.yaml` and `serviceaccount.yaml` render.
pub const ACCESS_KINDS: [&str; 5] = [
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ClusterRole",
    "ClusterRoleBinding",
];

/// One object a hand-written template renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnObject {
    pub kind: String,
    /// The template expression after `name:` in its metadata, e.g.
    /// `{{ include "postgresql.roleName" . }}`; empty when not found.
    pub name: String,
}

/// A template of the chart's own (without gen's mark) that renders
/// ServiceAccount or RBAC objects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwnTemplate {
    /// Repository path, e.g. `charts/postgresql/templates/role.yaml`.
    pub path: String,
    pub objects: Vec<OwnObject>,
    /// Whether it renders objects of other kinds too (then gen cannot
    /// take it over whole).
    pub other_kinds: Vec<String>,
}

/// What gen knows of one chart from its files.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChartFiles {
    /// Whether `templates/_helpers.tpl` exists.
    pub has_helpers: bool,
    /// Every `define "NAME"` of `templates/_helpers.tpl`, in file order.
    pub helpers: Vec<String>,
    /// Hand-written templates rendering ServiceAccount or RBAC objects.
    pub own_access: Vec<OwnTemplate>,
    /// `serviceAccount.automount` as the chart's own values.yaml sets it
    /// (outside gen's region), when it does.
    pub automount: Option<bool>,
}

impl ChartFiles {
    /// Reads `charts/<chart>/templates/` under `root`; a chart without
    /// that folder has no facts.
    pub fn read(root: &Path, chart: &str) -> Result<ChartFiles, String> {
        let dir = root.join("charts").join(chart).join("templates");
        let mut files = ChartFiles::default();
        if !dir.is_dir() {
            return Ok(files);
        }
        if let Ok(b) = crate::disk::read_regular(&dir.with_file_name("values.yaml")) {
            files.automount = own_bool(&String::from_utf8_lossy(&b), "serviceAccount", "automount");
        }
        let helpers = dir.join("_helpers.tpl");
        if let Ok(text) =
            crate::disk::read_regular(&helpers).map(|b| String::from_utf8_lossy(&b).into_owned())
        {
            files.has_helpers = true;
            files.helpers = defines(&text);
        }
        let mut names: Vec<_> = std::fs::read_dir(&dir)
            .map_err(|e| format!("reading charts/{chart}/templates: {e}"))?
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".yaml") || n.ends_with(".yml"))
            .collect();
        names.sort();
        for name in names {
            let rel = format!("{}/templates/{name}", crate::kinds::chart_dir(chart));
            let bytes = crate::disk::read_regular(&dir.join(&name))
                .map_err(|e| format!("reading {rel}: {e}"))?;
            if crate::output::is_generated(&bytes) {
                continue;
            }
            let text = String::from_utf8_lossy(&bytes);
            if let Some(t) = access_template(&rel, &text) {
                files.own_access.push(t);
            }
        }
        Ok(files)
    }

    /// The prefix of the chart's helpers: `otel-collector` when
    /// `_helpers.tpl` defines `otel-collector.fullname`. The chart's own
    /// name is preferred when several prefixes define a full name.
    pub fn prefix(&self, chart: &str) -> Option<&str> {
        let mut found = self
            .helpers
            .iter()
            .filter_map(|h| h.strip_suffix(".fullname"));
        let first = found.next()?;
        if first == chart {
            return Some(first);
        }
        Some(found.find(|p| *p == chart).unwrap_or(first))
    }

    pub fn defines(&self, name: &str) -> bool {
        self.helpers.iter().any(|h| h == name)
    }
}

/// The names of `{{ define "NAME" }}` blocks, in order.
pub fn defines(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("define") {
        let after = &rest[i + "define".len()..];
        rest = after;
        let before = &text[..text.len() - after.len() - "define".len()];
        if !before.trim_end_matches(['-', ' ', '\t']).ends_with("{{") {
            continue;
        }
        let t = after.trim_start();
        if let Some(q) = t.strip_prefix('"') {
            if let Some(end) = q.find('"') {
                out.push(q[..end].to_string());
            }
        }
    }
    out
}

/// The access objects one template renders, if any. Objects are found by
/// their `kind:` lines at the start of a line, each named by the first
/// `name:` under the `metadata:` that follows it.
fn access_template(rel: &str, text: &str) -> Option<OwnTemplate> {
    let lines: Vec<&str> = text.lines().collect();
    let mut objects = Vec::new();
    let mut other = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(kind) = line.strip_prefix("kind:") else {
            continue;
        };
        let kind = kind.trim().trim_matches(['"', '\'']).to_string();
        if !ACCESS_KINDS.contains(&kind.as_str()) {
            other.push(kind);
            continue;
        }
        let name = object_name(&lines, i);
        objects.push(OwnObject { kind, name });
    }
    (!objects.is_empty()).then(|| OwnTemplate {
        path: rel.to_string(),
        objects,
        other_kinds: other,
    })
}

/// The `name:` under the `metadata:` of the object whose `kind:` is on
/// line `at` (metadata may come before or after the kind).
fn object_name(lines: &[&str], at: usize) -> String {
    let start = lines[..at]
        .iter()
        .rposition(|l| l.trim_start().starts_with("---"))
        .map_or(0, |i| i + 1);
    let end = lines[at..]
        .iter()
        .position(|l| l.trim_start().starts_with("---"))
        .map_or(lines.len(), |i| at + i);
    let doc = &lines[start..end];
    let Some(m) = doc.iter().position(|l| l.trim_end() == "metadata:") else {
        return String::new();
    };
    doc[m + 1..]
        .iter()
        .take_while(|l| {
            l.starts_with([' ', '\t']) || l.trim().is_empty() || l.trim_start().starts_with("{{")
        })
        .find_map(|l| {
            let t = l.trim_start();
            (l.len() - t.len() == 2).then(|| t.strip_prefix("name:"))?
        })
        .map(|n| n.trim().to_string())
        .unwrap_or_default()
}

/// One mapping key of a YAML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// Dotted path from the top, e.g. `serviceAccount.name`.
    pub path: String,
    /// 1-based line and column of the key.
    pub line: usize,
    pub column: usize,
}

/// `map.key` of a values.yaml as the maintainers wrote it (gen's `values`
/// region left out), when it is a boolean.
fn own_bool(values: &str, map: &str, key: &str) -> Option<bool> {
    let own = crate::regions::outside(values, crate::regions::Style::Hash, Some("values"), false);
    let docs = yaml_rust2::YamlLoader::load_from_str(&own).ok()?;
    docs.first()?[map][key].as_bool()
}

/// Every mapping key of a YAML document, in file order, duplicates
/// included (sequence items are `[n]` segments). A file the event parser
/// cannot read gives the keys before the error.
pub fn yaml_keys(text: &str) -> Vec<Key> {
    use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
    use yaml_rust2::scanner::Marker;

    enum Frame {
        Map { path: String, key: Option<String> },
        Seq { path: String, next: usize },
    }
    #[derive(Default)]
    struct Collect {
        stack: Vec<Frame>,
        keys: Vec<Key>,
        docs: usize,
    }
    fn join(a: &str, b: &str) -> String {
        if a.is_empty() {
            b.to_string()
        } else {
            format!("{a}.{b}")
        }
    }
    impl Collect {
        /// The path of the value starting now; None when the event is a key.
        fn value_path(&mut self, ev: &Event, mark: Marker) -> Option<String> {
            match self.stack.last_mut() {
                None => Some(String::new()),
                Some(Frame::Seq { path, next }) => {
                    let p = format!("{path}[{next}]");
                    *next += 1;
                    Some(p)
                }
                Some(Frame::Map { path, key }) => match key.take() {
                    Some(k) => Some(join(path, &k)),
                    None => {
                        let k = match ev {
                            Event::Scalar(s, ..) => s.clone(),
                            _ => "?".into(),
                        };
                        let full = join(path, &k);
                        self.keys.push(Key {
                            path: full,
                            line: mark.line(),
                            column: mark.col() + 1,
                        });
                        *key = Some(k);
                        None
                    }
                },
            }
        }
    }
    impl MarkedEventReceiver for Collect {
        fn on_event(&mut self, ev: Event, mark: Marker) {
            match &ev {
                Event::DocumentStart => self.docs += 1,
                Event::MappingStart(..) => {
                    if self.docs > 1 {
                        return;
                    }
                    let path = self.value_path(&ev, mark).unwrap_or_default();
                    self.stack.push(Frame::Map { path, key: None });
                }
                Event::SequenceStart(..) => {
                    if self.docs > 1 {
                        return;
                    }
                    let path = self.value_path(&ev, mark).unwrap_or_default();
                    self.stack.push(Frame::Seq { path, next: 0 });
                }
                Event::MappingEnd | Event::SequenceEnd => {
                    if self.docs > 1 {
                        return;
                    }
                    self.stack.pop();
                }
                Event::Scalar(..) | Event::Alias(..) => {
                    if self.docs > 1 {
                        return;
                    }
                    self.value_path(&ev, mark);
                }
                _ => {}
            }
        }
    }
    let mut c = Collect::default();
    let _ = Parser::new_from_str(text).load(&mut c, false);
    c.keys
}

/// The first key path defined twice, as `(first, second)`, for each path
/// defined more than once.
pub fn duplicate_keys(keys: &[Key]) -> Vec<(&Key, &Key)> {
    let mut first: BTreeMap<&str, &Key> = BTreeMap::new();
    let mut out = Vec::new();
    for k in keys {
        match first.get(k.path.as_str()) {
            Some(f) => out.push((*f, k)),
            None => {
                first.insert(&k.path, k);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_charts_own_automount_outside_gens_region() {
        let v = "serviceAccount:\n  automount: true\n# gen:begin values\nx:\n  automount: false\n# gen:end values\n";
        assert_eq!(own_bool(v, "serviceAccount", "automount"), Some(true));
        let gen_only =
            "# gen:begin values\nserviceAccount:\n  automount: false\n# gen:end values\n";
        assert_eq!(own_bool(gen_only, "serviceAccount", "automount"), None);
        assert_eq!(
            own_bool(
                "serviceAccount:\n  automount: \"yes\"\n",
                "serviceAccount",
                "automount"
            ),
            None
        );
    }

    #[test]
    fn helpers_and_their_prefix() {
        let text = "{{/* x define \"no\" */}}\n{{- define \"otel-collector.name\" -}}\n{{- end }}\n{{ define \"otel-collector.fullname\" }}{{ end }}\n";
        let f = ChartFiles {
            has_helpers: true,
            helpers: defines(text),
            own_access: vec![],
            automount: None,
        };
        assert_eq!(
            f.helpers,
            ["otel-collector.name", "otel-collector.fullname"]
        );
        assert_eq!(f.prefix("opentelemetry-collector"), Some("otel-collector"));
    }

    #[test]
    fn access_objects_and_their_names() {
        let t = access_template(
            "t.yaml",
            "{{- if .Values.rbac.create -}}\napiVersion: v1\nkind: Role\nmetadata:\n  name: {{ include \"p.roleName\" . }}\n  labels:\n    name: x\n---\nkind: ConfigMap\nmetadata:\n  name: c\n",
        )
        .unwrap();
        assert_eq!(
            t.objects,
            [OwnObject {
                kind: "Role".into(),
                name: "{{ include \"p.roleName\" . }}".into()
            }]
        );
        assert_eq!(t.other_kinds, ["ConfigMap"]);
        assert!(access_template("t.yaml", "kind: Service\n").is_none());
    }

    #[test]
    fn keys_with_lines_and_duplicates() {
        let keys = yaml_keys("a:\n  b: 1\n  c: [1, {d: 2}]\na:\n  b: 3\n");
        let paths: Vec<_> = keys.iter().map(|k| (k.path.as_str(), k.line)).collect();
        assert_eq!(
            paths,
            [
                ("a", 1),
                ("a.b", 2),
                ("a.c", 3),
                ("a.c[1].d", 3),
                ("a", 4),
                ("a.b", 5)
            ]
        );
        let d = duplicate_keys(&keys);
        assert_eq!(d.len(), 2);
        assert_eq!((d[0].0.line, d[0].1.line), (1, 4));
    }
}
