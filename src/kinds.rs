//! Every kind of file gen writes, in one table: where it goes, what renders
//! it, how much of it is gen's, which page of the site shows it and whether
//! it counts for the chart-version rule. Code that needs an output's path
//! or one of those properties reads it here, so a new output is one row.
//!
//! The site's own files (`site/`) are not in the table: they are a view
//! of these outputs, built and owned by the site module.

use crate::config::Settings;
use crate::regions::Style;

/// The folder that holds one folder per chart.
pub const CHARTS_DIR: &str = "charts";

/// A chart's folder, `charts/<chart>`.
pub fn chart_dir(chart: &str) -> String {
    format!("{CHARTS_DIR}/{chart}")
}

/// Which output a row is, for the code that renders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Id {
    BackupGuide,
    UpgradeGuide,
    ChartMakefile,
    Rbac,
    ServiceAccount,
    BackupJobs,
    BackupAlerts,
    Readme,
    Values,
    ValuesSchema,
    ChartYaml,
    Helpers,
    DisasterRecovery,
    MakefileReference,
    Coverage,
    RootMakefile,
    SpecSchema,
}

/// Where an output is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// In the chart's folder: `charts/<chart>/` and this.
    InChart(&'static str),
    /// Where gen.toml's `[paths]` key of this name says (a pattern with
    /// `{chart}`, see [`crate::config::PATHS`]).
    Setting(&'static str),
    /// One file for the whole repository, at this path.
    Repo(&'static str),
}

/// A marked region gen writes, and the template that renders it (`None`:
/// the view model holds its text).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    pub name: &'static str,
    pub template: Option<&'static str>,
}

/// How much of the file is gen's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ownership {
    /// The whole file, marked as generated: gen rewrites it and deletes it
    /// when no spec produces it any more.
    Whole,
    /// Only these marked regions of the maintainer's file.
    Regions(Style, &'static [Region]),
    /// gen's part, merged into the maintainer's file: the schema's
    /// properties, or Chart.yaml's version line and its Artifact Hub
    /// region (see the helmmeta module).
    Merged,
    /// Written only while absent, then the maintainer's.
    Scaffolded,
}

impl Ownership {
    /// Whether gen reads the file before writing it (a file gen merges
    /// into or scaffolds is an input too).
    pub fn reads_existing(self) -> bool {
        self != Ownership::Whole
    }
}

/// Which page of the site shows an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// None of its own.
    None,
    /// The chart's page of this file name, under `charts/<chart>/`.
    Chart(&'static str),
    /// A page of its own beside the Markdown's path, found by search as
    /// this kind of guide.
    Doc(&'static str),
}

/// When a chart's output is produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    Always,
    /// Unless the chart has RBAC templates of its own.
    NoOwnRbac,
    /// Unless the chart has a ServiceAccount template of its own.
    NoOwnServiceAccount,
    /// When the spec has backup `jobs`.
    Jobs,
    /// While the file does not exist.
    Absent,
}

/// One row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Kind {
    pub id: Id,
    pub place: Place,
    /// The template of the file's content (of gen's part, for a merged
    /// file); `None` when code renders it.
    pub template: Option<&'static str>,
    /// The template of the file when it does not exist yet, for a file
    /// whose rest is the maintainer's.
    pub scaffold: Option<&'static str>,
    pub ownership: Ownership,
    pub page: Page,
    /// Whether a change of gen's part needs a new chart version (a file
    /// that ships in the chart package; Chart.yaml carries the version).
    pub version_rule: bool,
    pub when: When,
}

const fn row(id: Id, place: Place, template: Option<&'static str>) -> Kind {
    Kind {
        id,
        place,
        template,
        scaffold: None,
        ownership: Ownership::Whole,
        page: Page::None,
        version_rule: false,
        when: When::Always,
    }
}

/// The README regions, in the order they are rendered.
const README_REGIONS: &[Region] = &[
    Region {
        name: "backup",
        template: Some("chart/readme-backup.md.tera"),
    },
    Region {
        name: "security",
        template: Some("chart/readme-security.md.tera"),
    },
    Region {
        name: "operations",
        template: Some("chart/readme-operations.md.tera"),
    },
];

/// Every output of one chart, in the order they are rendered.
pub const CHART: &[Kind] = &[
    Kind {
        page: Page::Chart("backup.html"),
        ..row(
            Id::BackupGuide,
            Place::Setting("backup_guide"),
            Some("chart/backup-guide.md.tera"),
        )
    },
    Kind {
        page: Page::Chart("upgrade.html"),
        ..row(
            Id::UpgradeGuide,
            Place::Setting("upgrade_guide"),
            Some("chart/upgrade-guide.md.tera"),
        )
    },
    Kind {
        page: Page::Chart("security.html"),
        version_rule: true,
        when: When::NoOwnRbac,
        ..row(
            Id::Rbac,
            Place::InChart("templates/rbac.yaml"),
            Some("chart/rbac.yaml.tera"),
        )
    },
    Kind {
        page: Page::Chart("security.html"),
        version_rule: true,
        when: When::NoOwnServiceAccount,
        ..row(
            Id::ServiceAccount,
            Place::InChart("templates/serviceaccount.yaml"),
            Some("chart/serviceaccount.yaml.tera"),
        )
    },
    Kind {
        version_rule: true,
        when: When::Jobs,
        ..row(
            Id::BackupJobs,
            Place::InChart("templates/backup-jobs.yaml"),
            Some("chart/backup-jobs.yaml.tera"),
        )
    },
    Kind {
        version_rule: true,
        when: When::Jobs,
        ..row(
            Id::BackupAlerts,
            Place::InChart("templates/backup-alerts.yaml"),
            Some("chart/backup-alerts.yaml.tera"),
        )
    },
    Kind {
        page: Page::Chart("operations.html"),
        ..row(
            Id::ChartMakefile,
            Place::Setting("makefile"),
            Some("chart/makefile.mk.tera"),
        )
    },
    Kind {
        scaffold: Some("chart/readme-scaffold.md.tera"),
        ownership: Ownership::Regions(Style::Html, README_REGIONS),
        page: Page::Chart("index.html"),
        version_rule: true,
        ..row(Id::Readme, Place::InChart("README.md"), None)
    },
    Kind {
        scaffold: Some("chart/values-scaffold.yaml.tera"),
        ownership: Ownership::Regions(
            Style::Hash,
            &[Region {
                name: "values",
                template: None,
            }],
        ),
        version_rule: true,
        ..row(Id::Values, Place::InChart("values.yaml"), None)
    },
    Kind {
        ownership: Ownership::Merged,
        version_rule: true,
        ..row(Id::ValuesSchema, Place::InChart("values.schema.json"), None)
    },
    Kind {
        scaffold: Some("chart/Chart.yaml.tera"),
        ownership: Ownership::Merged,
        ..row(
            Id::ChartYaml,
            Place::InChart("Chart.yaml"),
            Some("chart/chart-annotations.yaml.tera"),
        )
    },
    Kind {
        ownership: Ownership::Scaffolded,
        when: When::Absent,
        ..row(
            Id::Helpers,
            Place::InChart("templates/_helpers.tpl"),
            Some("chart/_helpers.tpl.tera"),
        )
    },
];

/// The outputs about all charts together.
pub const REPO: &[Kind] = &[
    Kind {
        page: Page::Doc("backup"),
        ..row(
            Id::DisasterRecovery,
            Place::Repo("docs/disaster-recovery.md"),
            Some("docs/disaster-recovery.md.tera"),
        )
    },
    Kind {
        page: Page::Doc("operations"),
        ..row(
            Id::MakefileReference,
            Place::Repo("docs/makefile-reference.md"),
            Some("docs/makefile-reference.md.tera"),
        )
    },
    Kind {
        page: Page::Doc("guide"),
        ..row(
            Id::Coverage,
            Place::Repo("docs/coverage.md"),
            Some("docs/coverage.md.tera"),
        )
    },
    Kind {
        scaffold: Some("root/makefile-scaffold.mk.tera"),
        ownership: Ownership::Regions(
            Style::Hash,
            &[Region {
                name: "makefile",
                template: Some("root/makefile-region.mk.tera"),
            }],
        ),
        ..row(Id::RootMakefile, Place::Repo("Makefile"), None)
    },
    // Rendered from the spec's types (`project::schema_json`).
    row(Id::SpecSchema, Place::Repo("specs/schema.json"), None),
];

/// The row of `id`.
pub fn get(id: Id) -> &'static Kind {
    CHART
        .iter()
        .chain(REPO)
        .find(|k| k.id == id)
        .expect("every Id has a row")
}

impl Kind {
    /// The output's path for `chart` under `settings` (`chart` is unused
    /// for a repository-wide output).
    pub fn path(&self, chart: &str, settings: &Settings) -> String {
        match self.place {
            Place::InChart(rel) => format!("{}/{rel}", chart_dir(chart)),
            Place::Setting(key) => Settings::path(settings.pattern(key), chart),
            Place::Repo(path) => path.to_string(),
        }
    }

    /// The path of a repository-wide output.
    pub fn repo_path(&self) -> &'static str {
        match self.place {
            Place::Repo(path) => path,
            _ => panic!("{:?} is an output of each chart", self.id),
        }
    }

    /// The path of an output in a chart's folder, which no setting moves.
    pub fn in_chart(&self, chart: &str) -> String {
        match self.place {
            Place::InChart(rel) => format!("{}/{rel}", chart_dir(chart)),
            _ => panic!("{:?} is not in the chart's folder", self.id),
        }
    }
}

/// The path of repository-wide output `id`.
pub fn repo_path(id: Id) -> &'static str {
    get(id).repo_path()
}

/// The path of output `id` in `chart`'s folder.
pub fn in_chart(id: Id, chart: &str) -> String {
    get(id).in_chart(chart)
}

/// The hand-written files of one chart that gen merges into or scaffolds.
pub fn chart_inputs(chart: &str) -> Vec<String> {
    CHART
        .iter()
        .filter(|k| k.ownership.reads_existing())
        .map(|k| k.in_chart(chart))
        .collect()
}

/// The repository-wide files gen merges into.
pub fn repo_inputs() -> impl Iterator<Item = &'static str> {
    REPO.iter()
        .filter(|k| k.ownership.reads_existing())
        .map(Kind::repo_path)
}

/// The row of the chart output at `path` (`charts/<chart>/...`), for an
/// output the chart's folder holds.
pub fn in_chart_kind(chart: &str, path: &str) -> Option<&'static Kind> {
    let rel = path.strip_prefix(&chart_dir(chart))?.strip_prefix('/')?;
    CHART
        .iter()
        .find(|k| matches!(k.place, Place::InChart(r) if r == rel))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_id_has_exactly_one_row_and_one_place() {
        let mut ids: Vec<Id> = CHART.iter().chain(REPO).map(|k| k.id).collect();
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n, "an Id with two rows");
        let s = Settings::default();
        let mut paths: Vec<String> = CHART.iter().chain(REPO).map(|k| k.path("a", &s)).collect();
        paths.sort();
        paths.dedup();
        assert_eq!(paths.len(), n, "two rows with one path");
    }

    #[test]
    fn settings_move_only_the_outputs_they_name() {
        let s = crate::config::settings_of(
            "[paths]\nbackup_guide = \"docs/{chart}-backup-guide.md\"\n",
        )
        .unwrap();
        assert_eq!(
            get(Id::BackupGuide).path("redis", &s),
            "docs/redis-backup-guide.md"
        );
        assert_eq!(
            get(Id::UpgradeGuide).path("redis", &s),
            "docs/redis/upgrade-guide.md"
        );
        assert_eq!(
            in_chart(Id::Rbac, "redis"),
            "charts/redis/templates/rbac.yaml"
        );
        assert_eq!(
            in_chart_kind("redis", "charts/redis/values.yaml").map(|k| k.id),
            Some(Id::Values)
        );
        assert_eq!(in_chart_kind("redis", "charts/redisx/values.yaml"), None);
    }

    #[test]
    fn the_only_merged_file_the_version_rule_reads_is_the_values_schema() {
        // helmmeta::bump knows the generated part of that one merged file.
        let merged: Vec<Id> = CHART
            .iter()
            .filter(|k| k.version_rule && k.ownership == Ownership::Merged)
            .map(|k| k.id)
            .collect();
        assert_eq!(merged, [Id::ValuesSchema]);
        // Files outside the chart's folder do not ship in its package.
        assert!(CHART
            .iter()
            .filter(|k| k.version_rule)
            .all(|k| matches!(k.place, Place::InChart(_))));
    }

    #[test]
    fn every_whole_file_is_where_orphans_are_looked_for() {
        // gen deletes a whole file no spec produces any more only in the
        // folders output::OWNED_DIRS names; specs/schema.json is produced
        // whenever there is a spec.
        let s = Settings::default();
        for k in CHART.iter().chain(REPO) {
            let path = k.path("a", &s);
            let top = path.split('/').next().unwrap();
            if k.ownership == Ownership::Whole && k.id != Id::SpecSchema {
                assert!(
                    crate::output::OWNED_DIRS.contains(&top),
                    "{path} is outside the folders gen owns"
                );
            }
        }
    }

    #[test]
    fn the_inputs_are_the_files_gen_does_not_own_whole() {
        assert_eq!(
            chart_inputs("a"),
            [
                "charts/a/README.md",
                "charts/a/values.yaml",
                "charts/a/values.schema.json",
                "charts/a/Chart.yaml",
                "charts/a/templates/_helpers.tpl",
            ]
        );
        assert_eq!(repo_inputs().collect::<Vec<_>>(), ["Makefile"]);
    }
}
