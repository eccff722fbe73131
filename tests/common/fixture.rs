//! Typed spec fixtures. A fixture starts from `gen new`'s scaffold, parsed
//! into gen's own [`Spec`], and changes fields by name, so it says what it
//! changes and the compiler checks each field: when the scaffold or the
//! model changes, a fixture fails to build or to load instead of silently
//! editing text that is no longer there (what `new_spec(..).replace(..)`
//! did). [`Fixture::yaml`] writes the spec back as YAML and checks that gen
//! reads it back as the same spec.
//!
//! Tests of how gen reports a spec's *text* (error locations, hostile bytes,
//! comments kept) still edit text: there the text is what is tested.

use chartgen::spec::{self, Dependency, Duration, Spec, WorkloadKind};

/// A spec under construction; see the module docs.
#[derive(Debug, Clone)]
pub struct Fixture {
    spec: Spec,
}

#[allow(dead_code)] // each test module uses some of it
impl Fixture {
    /// The scaffold `gen new <chart>` writes, as a typed spec.
    pub fn new(chart: &str) -> Self {
        let text = chartgen::scaffold::new_spec(chart);
        let spec = match spec::parse(&format!("specs/{chart}.yaml"), text.as_bytes()) {
            Ok(f) => f.spec,
            Err(d) => panic!("gen new's scaffold does not load: {d}"),
        };
        Fixture { spec }
    }

    /// Any change to the typed spec.
    pub fn with(mut self, edit: impl FnOnce(&mut Spec)) -> Self {
        edit(&mut self.spec);
        self
    }

    /// The product's name (`title`).
    pub fn title(self, title: &str) -> Self {
        self.with(|s| s.title = title.to_string())
    }

    /// The version of the product the guides are written for.
    pub fn app_version(self, version: &str) -> Self {
        self.with(|s| s.app_version = version.to_string())
    }

    /// The chart version this spec moves `from` and `to`.
    pub fn chart_version(self, from: &str, to: &str) -> Self {
        self.with(|s| {
            s.chart_version.from = from.to_string();
            s.chart_version.to = to.to_string();
        })
    }

    /// The workload's kind and, when given, the port it listens on.
    pub fn workload(self, kind: WorkloadKind, port: Option<u16>) -> Self {
        self.with(|s| {
            s.workload.kind = kind;
            s.workload.port = port;
        })
    }

    /// The charts this one depends on, each with the same reason.
    pub fn depends_on(self, charts: &[&str]) -> Self {
        self.with(|s| {
            s.depends_on = charts
                .iter()
                .map(|c| Dependency {
                    chart: c.to_string(),
                    why: "needs it".to_string(),
                })
                .collect();
        })
    }

    /// The recovery time objective, e.g. "2h".
    pub fn rto(self, rto: &str) -> Self {
        self.with(|s| s.objectives.rto = duration(rto))
    }

    /// The time the first restore procedure (the scaffold's full restore)
    /// takes, e.g. "45m".
    pub fn restore_duration(self, d: &str) -> Self {
        self.with(|s| {
            s.restore
                .first_mut()
                .expect("the scaffold has a full restore")
                .duration = duration(d)
        })
    }

    /// The title of the first restore procedure.
    pub fn restore_title(self, title: &str) -> Self {
        self.with(|s| {
            s.restore
                .first_mut()
                .expect("the scaffold has a full restore")
                .title = title.to_string()
        })
    }

    /// The title of the first backup component.
    pub fn backup_title(self, title: &str) -> Self {
        self.with(|s| {
            s.backup
                .components
                .first_mut()
                .expect("the scaffold has a backup component")
                .title = title.to_string()
        })
    }

    /// The command of the first backup component's first step.
    pub fn backup_run(self, run: &str) -> Self {
        self.with(|s| {
            s.backup
                .components
                .first_mut()
                .and_then(|c| c.steps.first_mut())
                .expect("the scaffold has a backup step")
                .run = Some(run.to_string())
        })
    }

    /// Documents the chart's value `key` with its `default`.
    pub fn value(self, key: &str, default: serde_json::Value, description: &str) -> Self {
        let doc = serde_json::json!({ "key": key, "default": default, "description": description });
        let doc = serde_json::from_value(doc).expect("a value's documentation");
        self.with(|s| s.values.push(doc))
    }

    /// The spec as gen reads it.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The spec as YAML for `specs/<name>.yaml`, with the scaffold's schema
    /// modeline. Panics when gen would not read it back as this spec.
    pub fn yaml(&self) -> String {
        let body = serde_yaml::to_string(&self.spec).expect("a spec serializes");
        let text = format!("# yaml-language-server: $schema=schema.json\n{body}");
        let rel = format!("specs/{}.yaml", self.spec.name);
        let back = match spec::parse(&rel, text.as_bytes()) {
            Ok(f) => f.spec,
            Err(d) => panic!("the fixture does not load: {d}\n{text}"),
        };
        let same = serde_yaml::to_string(&back).expect("a spec serializes");
        assert_eq!(same, body, "the fixture reads back as another spec");
        text
    }
}

/// A duration as a spec writes it, e.g. "30m".
fn duration(text: &str) -> Duration {
    Duration::parse(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
}
