//! Facts derived across all charts: restore order and tiers from the
//! `depends_on` graph, the disaster-recovery plan's timing, and the roadmap's
//! coverage KPIs measured from the specs and the rendered outputs.

use crate::kinds::Id;
use crate::model::ChartModel;
use crate::output::Outputs;
use crate::spec::{Duration, RestoreKind, Spec};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// Variables a cross-chart target (`restore-<chart>`, `backup-all`)
/// passes to every chart alike, unless `<chart>.VAR=` gives one its own.
/// Every other variable belongs to one chart: its release, its archive.
/// `PF_WAIT` is the `port-forward` snippet's timeout, which any chart's
/// targets may read without declaring it.
pub const SHARED_VARS: [&str; 5] = [
    "NAMESPACE",
    "KUBECTL",
    "AGE_RECIPIENT",
    "AGE_KEY_FILE",
    "PF_WAIT",
];

/// What a chart's targets read besides its variables: the archive a
/// restore takes, and the guide block's release marker.
const ALSO_READ: [&str; 2] = ["FILE", crate::spec::make_call::RELEASE_MARKER];

/// One chart's variables, for the root Makefile's cross-chart targets,
/// which give each chart its own values (`immich.RELEASE=photos`) and a
/// blank for every other, so that nothing of one chart's (a guide block's
/// `RELEASE`, another chart's `FILE`) reaches another's.
#[derive(Debug, Serialize)]
pub struct ChartVars {
    pub chart: String,
    /// The names, wrapped into make continuation lines.
    pub names: String,
}

pub fn chart_vars(models: &[ChartModel]) -> Vec<ChartVars> {
    models
        .iter()
        .map(|m| {
            let mut names: Vec<&str> = m.variables.iter().map(|v| v.name.as_str()).collect();
            for n in ALSO_READ {
                if !names.contains(&n) {
                    names.push(n);
                }
            }
            ChartVars {
                chart: m.spec.name.clone(),
                names: make_words(&format!("gen_vars_{} :=", m.spec.name), &names),
            }
        })
        .collect()
}

/// `head` and `words` as one make assignment, continued over lines of at
/// most 78 columns (after the head's line) with a backslash.
fn make_words(head: &str, words: &[&str]) -> String {
    let mut out = String::from(head);
    let mut col = out.len();
    for w in words {
        if col + 1 + w.len() > 76 {
            out.push_str(" \\\n ");
            col = 1;
        }
        out.push(' ');
        out.push_str(w);
        col += 1 + w.len();
    }
    out
}

/// Charts in restore order: every chart after the charts it depends on;
/// among charts whose dependencies are met, alphabetical. Assumes the graph
/// was validated (no cycles, no unknown names).
pub fn restore_order(specs: &[&Spec]) -> Vec<String> {
    let mut remaining: BTreeMap<&str, BTreeSet<&str>> = specs
        .iter()
        .map(|s| {
            (
                s.name.as_str(),
                s.depends_on.iter().map(|d| d.chart.as_str()).collect(),
            )
        })
        .collect();
    let mut order = Vec::with_capacity(remaining.len());
    while !remaining.is_empty() {
        let ready: Vec<&str> = remaining
            .iter()
            .filter(|(_, deps)| deps.iter().all(|d| !remaining.contains_key(d)))
            .map(|(n, _)| *n)
            .collect();
        if ready.is_empty() {
            // A cycle; validation reports it. Keep the rest in name order.
            order.extend(remaining.keys().map(|s| s.to_string()));
            break;
        }
        for n in ready {
            remaining.remove(n);
            order.push(n.to_string());
        }
    }
    order
}

/// Tier of each chart: 1 for charts with no dependencies, else one more than
/// the highest tier among its dependencies. Charts of one tier can be
/// restored in parallel once the tiers below are up.
pub fn tiers(specs: &[&Spec]) -> BTreeMap<String, usize> {
    let by_name: BTreeMap<&str, &Spec> = specs.iter().map(|s| (s.name.as_str(), *s)).collect();
    let mut tier: BTreeMap<String, usize> = BTreeMap::new();
    for name in restore_order(specs) {
        let t = by_name[name.as_str()]
            .depends_on
            .iter()
            .filter_map(|d| tier.get(&d.chart))
            .max()
            .map_or(1, |t| t + 1);
        tier.insert(name, t);
    }
    tier
}

/// The full restore procedure of a chart (validation guarantees one).
pub fn full_restore(s: &Spec) -> Option<&crate::spec::Restore> {
    s.restore.iter().find(|r| r.kind == RestoreKind::Full)
}

/// GitHub-style heading anchor: lower case, punctuation dropped, spaces to '-'.
pub fn slug(heading: &str) -> String {
    heading
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[derive(Debug, Clone, Serialize)]
pub struct DrChart {
    pub name: String,
    pub title: String,
    pub tier: usize,
    pub rto: String,
    pub rpo: String,
    pub depends_on: Vec<String>,
    pub full_restore: String,
    pub full_restore_anchor: String,
    pub full_restore_duration: String,
    pub backup_guide: String,
    pub last_drill: String,
    /// The chart renders backup CronJobs (spec `jobs`), when its values turn them on.
    pub automated: bool,
    /// The make target that writes the configuration export when the
    /// backup target does not (e.g. `config-backup`).
    pub config_backup: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrTier {
    pub tier: usize,
    pub charts: Vec<String>,
    /// The slowest full restore in the tier: the tier's wall-clock time
    /// when its charts are restored in parallel.
    pub duration: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DrPlan {
    pub charts: Vec<DrChart>,
    pub tiers: Vec<DrTier>,
    /// Tiers one after another, charts within a tier in parallel.
    pub parallel_total: String,
    /// Every chart one after another (one operator).
    pub sequential_total: String,
    pub slowest_rto: String,
    pub slowest_rto_chart: String,
    pub parallel_within_slowest_rto: bool,
    pub drilled: usize,
}

pub fn dr_plan(models: &[ChartModel]) -> DrPlan {
    let specs: Vec<&Spec> = models.iter().map(|m| &m.spec).collect();
    let tiers_of = tiers(&specs);
    let by_name: BTreeMap<&str, &ChartModel> =
        models.iter().map(|m| (m.spec.name.as_str(), m)).collect();
    let mut charts = Vec::new();
    let mut sequential = 0u64;
    let mut tier_max: BTreeMap<usize, (u64, Vec<String>)> = BTreeMap::new();
    for name in restore_order(&specs) {
        let m = by_name[name.as_str()];
        let s = &m.spec;
        let full = full_restore(s);
        let secs = full.map_or(0, |r| r.duration.secs());
        sequential += secs;
        let tier = tiers_of[&name];
        let entry = tier_max.entry(tier).or_default();
        entry.0 = entry.0.max(secs);
        entry.1.push(name.clone());
        charts.push(DrChart {
            name: name.clone(),
            title: s.title.clone(),
            tier,
            rto: s.objectives.rto.to_string(),
            rpo: s.objectives.rpo.to_string(),
            depends_on: s.depends_on.iter().map(|d| d.chart.clone()).collect(),
            full_restore: full.map(|r| r.title.clone()).unwrap_or_default(),
            full_restore_anchor: full.map(|r| slug(&r.title)).unwrap_or_default(),
            full_restore_duration: full.map(|r| r.duration.to_string()).unwrap_or_default(),
            backup_guide: m.backup_guide.clone(),
            last_drill: s.last_drill.clone().unwrap_or_else(|| "never".into()),
            automated: m.jobs.as_ref().is_some_and(|j| !j.backups.is_empty()),
            config_backup: m.config_backup.clone(),
        });
    }
    let parallel: u64 = tier_max.values().map(|(d, _)| d).sum();
    let slowest = models.iter().max_by_key(|m| {
        (
            m.spec.objectives.rto,
            std::cmp::Reverse(m.spec.name.clone()),
        )
    });
    let slowest_rto = slowest.map_or(Duration::default(), |m| m.spec.objectives.rto);
    DrPlan {
        drilled: models
            .iter()
            .filter(|m| m.spec.last_drill.is_some())
            .count(),
        tiers: tier_max
            .into_iter()
            .map(|(tier, (d, charts))| DrTier {
                tier,
                charts,
                duration: Duration::from_secs(d).to_string(),
            })
            .collect(),
        charts,
        parallel_total: Duration::from_secs(parallel).human(),
        sequential_total: Duration::from_secs(sequential).human(),
        slowest_rto: slowest_rto.human(),
        slowest_rto_chart: slowest.map(|m| m.spec.name.clone()).unwrap_or_default(),
        parallel_within_slowest_rto: parallel <= slowest_rto.secs(),
    }
}

/// Minimum number of Makefile targets a chart needs to count as enhanced.
pub const MIN_TARGETS: usize = 15;

#[derive(Debug, Clone, Serialize)]
pub struct CoverageRow {
    pub name: String,
    pub roadmap: String,
    pub backup_guide: bool,
    pub upgrade_guide: bool,
    pub readme_sections: bool,
    pub values_docs: bool,
    pub targets: usize,
    pub enough_targets: bool,
    pub rbac: bool,
    pub objectives: bool,
    pub enhanced: bool,
    /// A backup CronJob is rendered (`templates/backup-jobs.yaml` with a job).
    pub automated_backup: bool,
    /// A verification CronJob is rendered.
    pub automated_verification: bool,
    /// A PrometheusRule on the backup jobs is rendered.
    pub alerts: bool,
    /// The backup jobs can write to an S3 bucket (`backup.s3.bucket`):
    /// the rendered template reads the value.
    pub s3_destination: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    pub rows: Vec<CoverageRow>,
    pub total: usize,
    /// Per chart, how many of its procedures the drills prove: every chart,
    /// so that one no drill covers shows its Cannot or Not drilled count.
    pub drills: Vec<DrillRow>,
    /// (chart, procedure ids joined by "`, `", what their drills cannot
    /// vouch for)
    pub caveats: Vec<(String, String, String)>,
    /// (part, charts that have it, percent)
    pub totals: Vec<(String, usize, usize)>,
}

fn percent(n: usize, total: usize) -> usize {
    (n * 100 + total / 2).checked_div(total).unwrap_or(0)
}

/// How many of a chart's backup-guide procedures the drills prove.
#[derive(Debug, Clone, Serialize)]
pub struct DrillRow {
    pub name: String,
    pub procedures: usize,
    pub drilled: usize,
    pub partly: usize,
    pub cannot: usize,
    pub not_drilled: usize,
    /// The drill tests that run the chart's procedures.
    pub tests: Vec<String>,
}

fn drill_rows(models: &[ChartModel]) -> (Vec<DrillRow>, Vec<(String, String, String)>) {
    use crate::spec::procedures::{procedures, DrillStatus};
    let mut rows = Vec::new();
    let mut caveats = Vec::new();
    for m in models {
        let list = procedures(&m.spec);
        let count = |st: DrillStatus| list.iter().filter(|p| p.status() == st).count();
        let mut tests: Vec<String> = list
            .iter()
            .flat_map(|p| p.tests())
            .map(|t| t.rsplit("::").next().unwrap_or(t).to_string())
            .collect();
        tests.sort();
        tests.dedup();
        // Each caveat once per chart, with the procedures it applies to.
        let mut by_caveat: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for p in &list {
            for c in p
                .steps
                .iter()
                .filter_map(|s| s.drill.as_ref()?.caveat.as_deref())
            {
                let ids = by_caveat.entry(c).or_default();
                if !ids.contains(&p.id.as_str()) {
                    ids.push(&p.id);
                }
            }
        }
        for (c, ids) in by_caveat {
            caveats.push((m.spec.name.clone(), ids.join("`, `"), c.to_string()));
        }
        rows.push(DrillRow {
            name: m.spec.name.clone(),
            procedures: list.len(),
            drilled: count(DrillStatus::Drilled),
            partly: count(DrillStatus::Partly),
            cannot: count(DrillStatus::CannotDrill),
            not_drilled: count(DrillStatus::NotDrilled),
            tests,
        });
    }
    (rows, caveats)
}

/// Whether a coverage row has one part of the pattern.
type Part = fn(&CoverageRow) -> bool;

/// Measures which parts of the enhanced-chart pattern each chart has, from
/// the specs and the outputs actually rendered for them.
pub fn coverage(models: &[ChartModel], outputs: &Outputs) -> Coverage {
    let has = |p: &str| outputs.files.contains_key(p);
    let contains = |p: &str, needle: &str| {
        outputs
            .files
            .get(p)
            .is_some_and(|b| String::from_utf8_lossy(b).contains(needle))
    };
    let rows: Vec<CoverageRow> = models
        .iter()
        .map(|m| {
            let s = &m.spec;
            let readme = m.path(Id::Readme);
            let values = m.path(Id::Values);
            let readme_sections = [
                "## Backup & Recovery",
                "## Security & RBAC",
                "## Operations",
            ]
            .iter()
            .all(|h| contains(readme, h));
            let values_docs = ["backup.", "upgrade."].iter().all(|p| {
                crate::spec::jobs::documented_values(s)
                    .iter()
                    .any(|v| v.key.starts_with(p))
            }) && contains(values, "# -- ");
            let rbac = has(m.path(Id::Rbac)) && has(m.path(Id::ServiceAccount));
            let targets = m.operations.len();
            let backup_guide = has(&m.backup_guide);
            let upgrade_guide = has(&m.upgrade_guide);
            let objectives = full_restore(s).is_some_and(|r| r.duration <= s.objectives.rto);
            let jobs_file = has(m.path(Id::BackupJobs));
            let jobs = m.jobs.as_ref().filter(|_| jobs_file);
            CoverageRow {
                automated_backup: jobs.is_some_and(|j| !j.backups.is_empty()),
                automated_verification: jobs.is_some_and(|j| j.verify.is_some()),
                s3_destination: jobs.is_some_and(|j| !j.backups.is_empty())
                    && contains(m.path(Id::BackupJobs), "dig \"bucket\" \"\" $s3"),
                alerts: jobs.is_some() && has(m.path(Id::BackupAlerts)),
                name: s.name.clone(),
                roadmap: serde_json::to_value(s.roadmap)
                    .ok()
                    .and_then(|v| v.as_str().map(String::from))
                    .unwrap_or_default(),
                enhanced: backup_guide
                    && upgrade_guide
                    && readme_sections
                    && values_docs
                    && targets >= MIN_TARGETS
                    && rbac,
                backup_guide,
                upgrade_guide,
                readme_sections,
                values_docs,
                enough_targets: targets >= MIN_TARGETS,
                targets,
                rbac,
                objectives,
            }
        })
        .collect();
    let total = rows.len();
    let count = |f: fn(&CoverageRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let parts: [(&str, Part); 11] = [
        ("Enhanced (every part below)", |r| r.enhanced),
        ("Backup guide", |r| r.backup_guide),
        ("Upgrade guide", |r| r.upgrade_guide),
        ("README sections", |r| r.readme_sections),
        ("Values documentation", |r| r.values_docs),
        ("15+ Makefile targets", |r| r.enough_targets),
        ("RBAC templates", |r| r.rbac),
        ("RTO/RPO met by the full restore", |r| r.objectives),
        ("Automated backup (CronJob)", |r| r.automated_backup),
        ("Automated verification (CronJob)", |r| {
            r.automated_verification
        }),
        ("Backup alerts (PrometheusRule)", |r| r.alerts),
    ];
    let totals = parts
        .iter()
        .map(|(name, f)| {
            let n = count(*f);
            (name.to_string(), n, percent(n, total))
        })
        .collect();
    let (drills, caveats) = drill_rows(models);
    Coverage {
        rows,
        total,
        totals,
        drills,
        caveats,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_match_github() {
        assert_eq!(
            slug("Full restore from pg_basebackup + WAL"),
            "full-restore-from-pg_basebackup--wal"
        );
        assert_eq!(slug("Backup & Recovery"), "backup--recovery");
    }
}
