//! gen's part of a chart's Helm metadata, each kept inside gen's ownership
//! so every other byte stays the maintainer's:
//!
//! - [`values_schema`]: the JSON Schema of the values gen documents,
//!   merged into `charts/<chart>/values.schema.json` (gen owns
//!   `properties.rbac`, `properties.serviceAccount`, and `properties.backup`
//!   and `properties.upgrade` when the spec documents values under them);
//! - [`chart_yaml`]: in `charts/<chart>/Chart.yaml`, the `version:` line
//!   (it follows the spec's `chart_version.to`) and the `artifacthub`
//!   region inside `annotations:` (the `artifacthub.io/changes` annotation,
//!   from the spec's `upgrade.changes`);
//! - [`bump`]: the version-bump rule of chart-testing, done against git:
//!   a chart whose generated content changed since a commit while its
//!   version did not gets a finding.

pub mod bump;
pub mod chart_yaml;
pub mod json;
pub mod values_schema;
