//! `gen adopt`: make a chart repository that was written by hand gen's to
//! build, in one step that can be previewed (`--dry-run`) and repeated
//! (a second run finds nothing to do).
//!
//! For each chart with a spec it plans:
//! - README.md: each of the regions `backup`, `security` and `operations`
//!   that is missing goes under the hand-written `##` section that matches
//!   it by heading text (case and punctuation aside), replacing that
//!   section's body and keeping its heading; without one, a new region
//!   (with gen's heading) goes before the License, Contributing or
//!   Maintainers section, or at the end;
//! - Chart.yaml: the markers of the `artifacthub` region around the
//!   chart's own `artifacthub.io/changes` annotation;
//! - values.yaml: the `values` region at the end (it holds only the keys
//!   the file does not define);
//! - its own ServiceAccount and RBAC templates: removed, because gen's
//!   `serviceaccount.yaml` and `rbac.yaml` render the same kinds under the
//!   same names; where gen's name would differ, adopt first defines the
//!   chart's name as a `roleName`-style helper in `_helpers.tpl`.
//!
//! For the repository: the `makefile` region of the root Makefile, and
//! `[paths]` in gen.toml when the collection keeps its guides at
//! `docs/<chart>-backup-guide.md` (and upgrade) or its targets at
//! `make/ops/<chart>.mk`; the hand-written files at those paths are taken
//! over (replaced by gen's, which carry gen's mark). And `[repository]` in
//! gen.toml, when gen.toml has none and the root README.md adds the
//! published repository (`helm repo add NAME URL`): the specs' steps that
//! name it take it from there.
//!
//! Then it renders the adopted repository in memory. Only when that
//! succeeds does it write anything: the edits, the removals and every
//! output, as `gen build` would.

use crate::chartfiles::{ChartFiles, OwnObject};
use crate::coexist::{headings, normalize};
use crate::config::{self, Settings};
use crate::diagnostics::Diagnostic;
use crate::kinds::{self, Id};
use crate::memo::Memo;
use crate::output::{self, Outputs};
use crate::project::{self, Failure, Project};
use crate::regions::Style;
use crate::spec::Scope;
use std::collections::BTreeMap;

/// What adopt does to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// New bytes for a file that stays the maintainer's (regions added).
    Edit(String),
    /// The file is removed: gen's templates replace it.
    Remove,
    /// The file is replaced by gen's output at the same path.
    TakeOver,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FilePlan {
    /// One line per action, e.g. `insert region "values" at the end`.
    pub actions: Vec<String>,
    pub change: Change,
}

/// Every file adopt changes, by repository path.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Plan {
    pub files: BTreeMap<String, FilePlan>,
}

impl Plan {
    fn edit(&mut self, path: &str, text: String, action: String) {
        let f = self.files.entry(path.to_string()).or_insert(FilePlan {
            actions: Vec::new(),
            change: Change::Edit(String::new()),
        });
        f.actions.push(action);
        f.change = Change::Edit(text);
    }

    fn other(&mut self, path: &str, change: Change, action: String) {
        self.files.insert(
            path.to_string(),
            FilePlan {
                actions: vec![action],
                change,
            },
        );
    }

    /// The plan as printed: each file, then its actions indented.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (path, f) in &self.files {
            out.push_str(path);
            out.push('\n');
            for a in &f.actions {
                out.push_str("  ");
                out.push_str(a);
                out.push('\n');
            }
        }
        out
    }
}

/// The three README regions and how a hand-written heading matches each:
/// rank 0 is gen's own heading text, rank 1 a heading of the same kind.
const README_REGIONS: [(&str, &str); 3] = [
    ("backup", "backup and recovery"),
    ("security", "security and rbac"),
    ("operations", "operations"),
];

fn rank(region: &str, heading: &str) -> Option<u8> {
    let n = normalize(heading);
    let words: Vec<&str> = n.split(' ').collect();
    let exact = README_REGIONS.iter().any(|(r, t)| *r == region && *t == n);
    if exact {
        return Some(0);
    }
    let like = match region {
        "backup" => {
            words.contains(&"backup") && (words.contains(&"recovery") || words.contains(&"restore"))
        }
        "security" => words.contains(&"rbac"),
        "operations" => words.first() == Some(&"operations") || n == "operational commands",
        _ => false,
    };
    like.then_some(1)
}

/// Sections a new region goes before, when no section matches.
fn is_trailer(heading: &str) -> bool {
    let n = normalize(heading);
    ["license", "licence", "contributing", "maintainers"]
        .iter()
        .any(|t| n.starts_with(t))
}

/// README.md with the missing regions placed, and what was done.
pub fn readme(text: &str) -> (String, Vec<String>) {
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let spans = crate::regions::spans(text, Style::Html);
    let present: Vec<String> = spans.iter().map(|s| s.name.clone()).collect();
    let marker_lines: Vec<usize> = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("gen:begin") || l.contains("gen:end"))
        .map(|(i, _)| i)
        .collect();
    let all = headings(text);
    let outside = |i: usize| !spans.iter().any(|s| s.holds(i));
    let h2: Vec<_> = all
        .iter()
        .filter(|h| h.level == 2 && outside(h.line))
        .collect();
    // Sections a region may replace: `##`, or `###` when no `##` matches.
    let candidates: Vec<_> = all
        .iter()
        .filter(|h| (h.level == 2 || h.level == 3) && outside(h.line))
        .collect();
    // (line to act on, end of the section replaced, region, its heading)
    let mut edits: Vec<(usize, usize, &str, Option<String>)> = Vec::new();
    let mut used: Vec<usize> = Vec::new();
    let mut actions = Vec::new();
    for (region, _) in README_REGIONS {
        if present.iter().any(|p| p == region) {
            continue;
        }
        let best = candidates
            .iter()
            .filter(|h| !used.contains(&h.line))
            .filter_map(|h| {
                let end = all
                    .iter()
                    .find(|n| n.line > h.line && n.level <= h.level)
                    .map_or(lines.len(), |n| n.line);
                let clean = !marker_lines.iter().any(|m| h.line < *m && *m < end);
                Some((rank(region, &h.text)?, h, end)).filter(|_| clean)
            })
            // `##` first, then the lowest rank; among equals, the last one
            .min_by_key(|(r, h, _)| (h.level, *r, std::cmp::Reverse(h.line)));
        match best {
            Some((_, h, end)) => {
                used.push(h.line);
                actions.push(format!(
                    "replace the section \"{} {}\" (lines {}-{}) with region {region:?}, under its heading",
                    "#".repeat(h.level),
                    h.text,
                    h.line + 1,
                    end
                ));
                edits.push((h.line, end, region, Some(h.text.clone())));
            }
            None => {
                let at = h2
                    .iter()
                    .find(|h| is_trailer(&h.text))
                    .map_or(lines.len(), |h| h.line);
                actions.push(match h2.iter().find(|h| h.line == at) {
                    Some(h) => format!(
                        "insert region {region:?} before \"## {}\" (line {})",
                        h.text,
                        at + 1
                    ),
                    None => format!("insert region {region:?} at the end"),
                });
                edits.push((at, at, region, None));
            }
        }
    }
    // Bottom to top, so earlier line numbers stay right; inserts at the
    // same place keep the regions' order.
    let mut order: Vec<usize> = (0..edits.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(edits[i].0), std::cmp::Reverse(i)));
    for i in order {
        let (at, end, region, heading) = &edits[i];
        let begin = Style::Html.begin(region);
        let close = Style::Html.end(region);
        match heading {
            Some(_) => {
                // Keep the heading; the body becomes the region's.
                let mut new = vec![String::new(), begin, close];
                if *end < lines.len() {
                    new.push(String::new());
                }
                lines.splice(at + 1..*end, new);
            }
            None => {
                let mut new = Vec::new();
                if *at > 0 && !lines[at - 1].trim().is_empty() {
                    new.push(String::new());
                }
                new.push(begin);
                new.push(close);
                new.push(String::new());
                lines.splice(*at..*at, new);
            }
        }
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let mut out = lines.join(eol);
    out.push_str(eol);
    if actions.is_empty() {
        (text.to_string(), actions)
    } else {
        (out, actions)
    }
}

/// Chart.yaml with the `artifacthub` markers around the chart's own
/// `artifacthub.io/changes`, when it has one outside them.
pub fn chart_yaml(text: &str) -> Option<(String, String)> {
    if text
        .lines()
        .any(|l| l.trim() == Style::Hash.begin("artifacthub"))
    {
        return None;
    }
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let at = lines.iter().position(|l| {
        l.trim_start()
            .trim_start_matches(['"', '\''])
            .starts_with("artifacthub.io/changes")
    })?;
    let indent = &lines[at][..lines[at].len() - lines[at].trim_start().len()];
    let mut end = at + 1;
    while end < lines.len() {
        let l = lines[end];
        let deeper = l.len() - l.trim_start().len() > indent.len();
        if !(l.trim().is_empty() || deeper) {
            break;
        }
        end += 1;
    }
    while end > at + 1 && lines[end - 1].trim().is_empty() {
        end -= 1;
    }
    let eol = if lines[at].ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    let mut out: String = lines[..at].concat();
    out.push_str(&format!(
        "{indent}{}{eol}",
        Style::Hash.begin("artifacthub")
    ));
    let mut block: String = lines[at..end].concat();
    if !block.ends_with('\n') {
        block.push_str(eol);
    }
    out.push_str(&block);
    out.push_str(&format!("{indent}{}{eol}", Style::Hash.end("artifacthub")));
    out.push_str(&lines[end..].concat());
    Some((
        out,
        format!(
            "move artifacthub.io/changes (lines {}-{}) into region \"artifacthub\"",
            at + 1,
            end
        ),
    ))
}

/// A file with the two markers of `region` appended, unless it has them.
pub fn append_region(text: &str, region: &str) -> Option<String> {
    let begin = Style::Hash.begin(region);
    if text.lines().any(|l| l.trim() == begin) {
        return None;
    }
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push_str(eol);
    }
    if !out.is_empty() && !out.ends_with(&format!("{eol}{eol}")) {
        out.push_str(eol);
    }
    out.push_str(&format!("{begin}{eol}{}{eol}", Style::Hash.end(region)));
    Some(out)
}

/// The helper gen's templates look up for the name of an object of
/// `kind`, for a chart whose helpers start with `prefix`.
fn name_helper(prefix: &str, kind: &str) -> String {
    let suffix = match kind {
        "ServiceAccount" => "serviceAccountName",
        "Role" => "roleName",
        "RoleBinding" => "roleBindingName",
        "ClusterRole" => "clusterRoleName",
        _ => "clusterRoleBindingName",
    };
    format!("{prefix}.{suffix}")
}

fn gen_name<'a>(names: &'a crate::model::Names, kind: &str) -> &'a str {
    match kind {
        "ServiceAccount" => &names.service_account,
        "Role" | "ClusterRole" => &names.role,
        _ => &names.binding,
    }
}

fn squeeze(s: &str) -> String {
    s.split_whitespace().collect()
}

/// The chart's own ServiceAccount and RBAC templates taken over: the
/// plan's removals, helper definitions that keep their objects' names,
/// and the chart's facts as they will be. Errors when a template cannot
/// be taken over.
fn take_over_access(
    project: &Project,
    chart: &str,
    spec_rel: &str,
    scope: Scope,
    plan: &mut Plan,
    helpers_text: &mut Option<String>,
) -> Result<ChartFiles, Vec<Diagnostic>> {
    let mut facts = project.charts.get(chart).cloned().unwrap_or_default();
    if facts.own_access.is_empty() {
        return Ok(facts);
    }
    let mut errors = Vec::new();
    let prefix = facts.prefix(chart).unwrap_or(chart).to_string();
    let mut added = Vec::new();
    for t in &facts.own_access {
        if !t.other_kinds.is_empty() {
            errors.push(
                Diagnostic::error(
                    &t.path,
                    format!(
                        "gen adopt cannot take this template over: besides ServiceAccount or RBAC objects it renders {}",
                        t.other_kinds.join(", ")
                    ),
                )
                .help("move the other objects to a template of their own, then run gen adopt again"),
            );
        }
        for o in &t.objects {
            let cluster = o.kind.starts_with("Cluster");
            let want = match scope {
                Scope::Namespace => !cluster,
                Scope::Cluster => cluster || o.kind == "ServiceAccount",
            };
            if !want && o.kind != "ServiceAccount" {
                errors.push(
                    Diagnostic::error(
                        &t.path,
                        format!(
                            "this template renders a {}, but {spec_rel} says rbac.scope: {}; gen's templates would render another kind",
                            o.kind,
                            if scope == Scope::Namespace { "namespace" } else { "cluster" }
                        ),
                    )
                    .help(format!("set rbac.scope in {spec_rel} to what the chart renders")),
                );
            }
            added.push((t.path.clone(), o.clone()));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    // Names: gen's, unless the chart named the object otherwise; then the
    // chart's name becomes the helper gen's templates look up.
    let mut defines = String::new();
    let names = crate::model::names(chart, scope, Some(&facts));
    let mut seen = Vec::new();
    for (path, OwnObject { kind, name }) in &added {
        if name.is_empty() || squeeze(name) == squeeze(gen_name(&names, kind)) {
            continue;
        }
        let helper = name_helper(&prefix, kind);
        if facts.defines(&helper) {
            return Err(vec![Diagnostic::error(
                path,
                format!("its {kind} is named {name}, but gen's templates name it with the chart's helper {helper:?}"),
            )
            .help(format!("name the {kind} with `{{{{ include \"{helper}\" . }}}}` in this template (or change that helper), then run gen adopt again"))]);
        }
        if seen.contains(&helper) {
            continue;
        }
        seen.push(helper.clone());
        defines.push_str(&format!(
            "\n{{{{/* Added by gen adopt: the name {} gave its {kind}, kept by gen's templates. */}}}}\n{{{{- define \"{helper}\" -}}}}\n{}\n{{{{- end }}}}\n",
            path.rsplit('/').next().unwrap_or(path),
            name.trim()
        ));
        facts.helpers.push(helper.clone());
        plan.edit(
            &kinds::in_chart(Id::Helpers, chart),
            String::new(),
            format!(
                "define {helper:?} as {}, the name the chart gave its {kind}",
                name.trim()
            ),
        );
    }
    if !defines.is_empty() {
        let text = helpers_text.get_or_insert_with(String::new);
        if !text.is_empty() && !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&defines);
        let path = kinds::in_chart(Id::Helpers, chart);
        if let Some(f) = plan.files.get_mut(&path) {
            f.change = Change::Edit(text.clone());
        }
    }
    for t in &facts.own_access {
        let kinds: Vec<&str> = t.objects.iter().map(|o| o.kind.as_str()).collect();
        let gens = if kinds.iter().all(|k| *k == "ServiceAccount") {
            "templates/serviceaccount.yaml"
        } else {
            "templates/rbac.yaml"
        };
        let replaced_in_place = t.path.ends_with(&format!("/{gens}"));
        plan.other(
            &t.path,
            if replaced_in_place {
                Change::TakeOver
            } else {
                Change::Remove
            },
            format!(
                "{} by gen's {gens} (same {} and names; rules from {spec_rel})",
                if replaced_in_place {
                    "take over: replaced"
                } else {
                    "remove: replaced"
                },
                kinds.join(", ")
            ),
        );
    }
    facts.own_access.clear();
    Ok(facts)
}

/// `[paths]` settings adopt writes, when the repository keeps a chart's
/// files where the collection does and gen.toml says nothing.
fn collection_paths(project: &Project) -> Vec<(&'static str, &'static str)> {
    let root = &project.root;
    let defaults = Settings::default();
    let mut out = Vec::new();
    let candidates = [
        (
            "backup_guide",
            "docs/{chart}-backup-guide.md",
            &project.settings.backup_guide,
            &defaults.backup_guide,
        ),
        (
            "upgrade_guide",
            "docs/{chart}-upgrade-guide.md",
            &project.settings.upgrade_guide,
            &defaults.upgrade_guide,
        ),
        (
            "makefile",
            "make/ops/{chart}.mk",
            &project.settings.makefile,
            &defaults.makefile,
        ),
    ];
    for (key, pattern, current, default) in candidates {
        if current != default {
            continue;
        }
        let found = project
            .specs
            .iter()
            .any(|f| root.join(Settings::path(pattern, &f.spec.name)).is_file());
        if found {
            out.push((key, pattern));
        }
    }
    out
}

/// gen.toml with `[paths]` keys added.
fn with_paths(text: &str, keys: &[(&str, &str)]) -> String {
    let lines: String = keys
        .iter()
        .map(|(k, v)| format!("{k} = \"{v}\"\n"))
        .collect();
    let mut out = text.to_string();
    if let Some(i) = text.lines().position(|l| l.trim() == "[paths]") {
        let at: usize = text.split_inclusive('\n').take(i + 1).map(str::len).sum();
        out.insert_str(at, &lines);
        return out;
    }
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str("# Where gen writes each chart's guides and targets (set by gen adopt:\n# the repository kept its own there).\n[paths]\n");
    out.push_str(&lines);
    out
}

/// The published repository the root README.md adds with `helm repo add
/// NAME URL` (the first such line whose name and URL are valid), for
/// gen.toml's `[repository]` when it has none.
pub fn published_repository(root: &std::path::Path) -> Option<config::Repository> {
    let has = config::settings(root).ok().and_then(|s| s.repository);
    if has.is_some() {
        return None;
    }
    let text = std::fs::read_to_string(root.join("README.md")).ok()?;
    text.lines().find_map(|l| {
        let rest = &l[l.find("helm repo add ")? + "helm repo add ".len()..];
        let mut w = rest.split_whitespace();
        let (name, url) = (w.next()?, w.next()?.trim_end_matches('/'));
        config::Repository::problem(name, url)
            .is_none()
            .then(|| config::Repository {
                name: name.into(),
                url: url.into(),
            })
    })
}

/// gen.toml with a `[repository]` table added.
fn with_repository(text: &str, r: &config::Repository) -> String {
    let mut out = text.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(&format!(
        "# Where the charts are published (set by gen adopt from README.md):\n\
# the guides tell operators without a checkout to add it.\n\
[repository]\nname = \"{}\"\nurl = \"{}\"\n",
        r.name, r.url
    ));
    out
}

/// The plan, and the project as it will be once adopted; `found` is
/// [`published_repository`], which the project was loaded with.
pub fn plan(
    project: &Project,
    found: Option<&config::Repository>,
) -> Result<(Plan, Project), Vec<Diagnostic>> {
    let mut plan = Plan::default();
    let mut adopted = project.clone();
    let mut errors = Vec::new();

    let new_paths = collection_paths(project);
    if !new_paths.is_empty() || found.is_some() {
        let old = config::read(&project.root)
            .ok()
            .flatten()
            .unwrap_or_default();
        let mut text = old.clone();
        if !new_paths.is_empty() {
            text = with_paths(&text, &new_paths);
        }
        if let Some(r) = found {
            text = with_repository(&text, r);
        }
        match config::settings_of(&text) {
            Ok(s) => adopted.settings = s,
            Err(config::Problem::Invalid(d)) | Err(config::Problem::WrongVersion(d)) => {
                errors.push(d)
            }
            Err(config::Problem::Io(m)) => errors.push(Diagnostic::error(config::FILE, m)),
        }
        for (k, v) in &new_paths {
            plan.edit(
                config::FILE,
                text.clone(),
                format!("set [paths] {k} = {v:?}: the repository keeps these files there"),
            );
        }
        if let Some(r) = found {
            plan.edit(
                config::FILE,
                text.clone(),
                format!(
                    "set [repository] name = {:?}, url = {:?}: README.md adds it with `helm repo add`",
                    r.name, r.url
                ),
            );
        }
    }

    let makefile = kinds::repo_path(Id::RootMakefile);
    if let Some(text) = project.existing.get(makefile) {
        if let Some(new) = append_region(text, "makefile") {
            plan.edit(
                makefile,
                new.clone(),
                "insert region \"makefile\" at the end".into(),
            );
            adopted.existing.insert(makefile.into(), new);
        }
    }

    for f in &project.specs {
        let c = &f.spec.name;
        let readme_path = kinds::in_chart(Id::Readme, c);
        if let Some(text) = project.existing.get(&readme_path) {
            let (new, actions) = readme(text);
            for a in actions {
                plan.edit(&readme_path, new.clone(), a);
            }
            adopted.existing.insert(readme_path, new);
        }
        let chart_path = kinds::in_chart(Id::ChartYaml, c);
        if let Some(text) = project.existing.get(&chart_path) {
            if let Some((new, action)) = chart_yaml(text) {
                plan.edit(&chart_path, new.clone(), action);
                adopted.existing.insert(chart_path, new);
            }
        }
        let values_path = kinds::in_chart(Id::Values, c);
        if let Some(text) = project.existing.get(&values_path) {
            if let Some(new) = append_region(text, "values") {
                let defined = crate::coexist::hand_top_keys(text);
                let gens = crate::model::chart_model(f).values_yaml;
                let kept: Vec<String> = crate::coexist::top_keys(&gens)
                    .into_iter()
                    .filter(|k| defined.contains(k))
                    .collect();
                plan.edit(
                    &values_path,
                    new.clone(),
                    if kept.is_empty() {
                        "insert region \"values\" at the end".to_string()
                    } else {
                        format!(
                            "insert region \"values\" at the end, without {}: values.yaml defines them",
                            kept.join(", ")
                        )
                    },
                );
                adopted.existing.insert(values_path, new);
            }
        }
        let helpers_path = kinds::in_chart(Id::Helpers, c);
        let mut helpers = project.existing.get(&helpers_path).cloned();
        match take_over_access(
            project,
            c,
            &f.rel,
            f.spec.rbac.scope,
            &mut plan,
            &mut helpers,
        ) {
            Ok(facts) => {
                if let Some(h) = helpers {
                    adopted.existing.insert(helpers_path, h);
                }
                adopted.charts.insert(c.clone(), facts);
            }
            Err(e) => errors.extend(e),
        }
        // Files at gen's paths that the repository wrote itself.
        for (pattern, what) in [
            (&adopted.settings.backup_guide, "backup guide"),
            (&adopted.settings.upgrade_guide, "upgrade guide"),
            (&adopted.settings.makefile, "Makefile targets"),
        ] {
            let path = Settings::path(pattern, c);
            let Ok(bytes) = crate::disk::read_regular(&project.root.join(&path)) else {
                continue;
            };
            if output::is_generated(&bytes) {
                continue;
            }
            plan.other(
                &path,
                Change::TakeOver,
                format!("take over: replaced by gen's {what} for {c}, at the same path so links keep working"),
            );
            adopted.hand_docs.remove(&path);
        }
    }
    if errors.is_empty() {
        Ok((plan, adopted))
    } else {
        crate::diagnostics::sort(&mut errors);
        Err(errors)
    }
}

/// What [`run`] did.
#[derive(Debug)]
pub struct Adopted {
    pub plan: Plan,
    /// What the build after the edits wrote; None on a dry run or when
    /// there was nothing to adopt.
    pub written: Option<output::WriteReport>,
    pub warnings: Vec<Diagnostic>,
}

/// Plans, renders the adopted repository in memory, and unless `dry_run`
/// writes it. Nothing is written when anything fails.
pub fn run(
    root: &std::path::Path,
    dry_run: bool,
    facts: &crate::facts::Options,
) -> Result<Adopted, Failure> {
    let found = published_repository(root);
    let (project, mut warnings) = project::load_with(root, facts, &Memo::default(), found.clone())?;
    let (plan, adopted) = plan(&project, found.as_ref()).map_err(Failure::Invalid)?;
    if plan.files.is_empty() {
        return Ok(Adopted {
            plan,
            written: None,
            warnings,
        });
    }
    let (outputs, report) = project::generate(&adopted, &Memo::default())?;
    warnings.extend(report.warnings);
    check_foreign(root, &outputs, &plan)?;
    if dry_run {
        return Ok(Adopted {
            plan,
            written: None,
            warnings,
        });
    }
    for (path, f) in &plan.files {
        let full = root.join(path);
        let done = match &f.change {
            Change::Edit(text) => output::write_atomic(&full, text.as_bytes()),
            Change::Remove | Change::TakeOver => std::fs::remove_file(&full),
        };
        done.map_err(|e| Failure::Io(format!("{path}: {e}")))?;
    }
    let written = output::write(root, &outputs).map_err(|e| Failure::Io(e.to_string()))?;
    Ok(Adopted {
        plan,
        written: Some(written),
        warnings,
    })
}

/// Every output that would replace a file gen did not write must be one
/// the plan takes over.
fn check_foreign(root: &std::path::Path, outputs: &Outputs, plan: &Plan) -> Result<(), Failure> {
    let foreign: Vec<String> = output::foreign(root, outputs)?
        .into_iter()
        .filter(|p| !plan.files.contains_key(p))
        .collect();
    if foreign.is_empty() {
        Ok(())
    } else {
        Err(Failure::Invalid(output::foreign_errors(&foreign)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `[repository]` comes from the README's `helm repo add`, only when
    /// gen.toml has none, and lands in gen.toml after what it holds.
    #[test]
    fn the_published_repository_comes_from_the_readme() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        assert_eq!(published_repository(root), None, "no README");
        std::fs::write(
            root.join("README.md"),
            "# C\n\n```sh\nhelm repo add My Charts\nhelm repo add sb-charts https://o.github.io/c/\n```\n",
        )
        .unwrap();
        let r = published_repository(root).unwrap();
        assert_eq!(
            (r.name.as_str(), r.url.as_str()),
            ("sb-charts", "https://o.github.io/c")
        );
        let text = with_repository("required_version = \">=0.1\"", &r);
        let s = config::settings_of(&text).unwrap();
        assert_eq!(s.repository.as_ref(), Some(&r));
        assert!(
            text.starts_with("required_version = \">=0.1\"\n\n# "),
            "{text}"
        );
        std::fs::write(root.join(config::FILE), &text).unwrap();
        assert_eq!(published_repository(root), None, "gen.toml has one");
    }

    #[test]
    fn readme_regions_go_under_matching_sections_or_before_the_license() {
        let text = "# X\n\n## Operations\n\nold ops\n\n## Backup & Recovery Strategy\n\nold\n### Sub\n\nmore\n\n## Operational Commands\n\n## License\n\nBSD\n";
        let (out, actions) = readme(text);
        assert_eq!(
            out,
            "# X\n\n## Operations\n\n<!-- gen:begin operations -->\n<!-- gen:end operations -->\n\n## Backup & Recovery Strategy\n\n<!-- gen:begin backup -->\n<!-- gen:end backup -->\n\n## Operational Commands\n\n<!-- gen:begin security -->\n<!-- gen:end security -->\n\n## License\n\nBSD\n"
        );
        assert_eq!(actions.len(), 3, "{actions:?}");
        assert!(
            actions[0]
                .starts_with("replace the section \"## Backup & Recovery Strategy\" (lines 7-13)"),
            "{actions:?}"
        );
        assert_eq!(
            actions[1],
            "insert region \"security\" before \"## License\" (line 16)"
        );
        // Adopted once, nothing more to do.
        assert_eq!(readme(&out), (out.clone(), vec![]));
    }

    #[test]
    fn the_changes_annotation_moves_into_the_region() {
        let text = "name: x\nannotations:\n  a: b\n  artifacthub.io/changes: |\n    - kind: added\n      description: y\n\n  c: d\n";
        let (out, _) = chart_yaml(text).unwrap();
        assert_eq!(out, "name: x\nannotations:\n  a: b\n  # gen:begin artifacthub\n  artifacthub.io/changes: |\n    - kind: added\n      description: y\n  # gen:end artifacthub\n\n  c: d\n");
        assert!(chart_yaml(&out).is_none());
        assert_eq!(
            append_region("a: 1", "values").unwrap(),
            "a: 1\n\n# gen:begin values\n# gen:end values\n"
        );
    }
}
