//! The spec checked against its chart's facts: every workload, container,
//! selector, port, path, Secret, key, PVC, ConfigMap and values key the spec
//! names, in its fields, variable defaults and commands, must be one the
//! chart renders. Each error points into the spec and suggests the closest
//! name the chart has.

use super::shell::{self, Kind, Ref};
use super::{ChartFacts, Container, Workload, NAMESPACE, RELEASE};
use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::spec::rbac_change::{compact, from_rendered, of_spec, same, PastRule};
use crate::spec::validate::all_steps;
use crate::spec::{RunsIn, SpecFile, WorkloadKind};
use std::collections::{BTreeMap, BTreeSet};

// The checks of `crate::checks::CHECKS` that read the chart's facts: each
// names one concern; the table gives them their ids.

/// `chart_version.from` and `app_version` against Chart.yaml.
pub fn versions(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    Cx::new(file, facts).versions(out);
}

/// `workload` picks exactly one workload of the chart, of its kind.
pub fn workload(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    Cx::new(file, facts).workload(out);
}

/// The main workload's container, port and data path.
pub fn main_container(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    let cx = Cx::new(file, facts);
    if let Some(w) = cx.workload(&mut Vec::new()) {
        cx.main_container(w, out);
    }
}

/// Documented values are values the chart's templates read.
pub fn spec_values(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    Cx::new(file, facts).spec_values(out);
}

/// The Secret and key of `backup.database`.
pub fn database_profile(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    Cx::new(file, facts).database_profile(out);
}

/// A `multi-attach` entry says how the main Deployment replaces its pod
/// (a rolling update overlaps old and new pod on the volume, `Recreate`
/// does not): its `strategy` must be the one the chart renders.
pub fn multi_attach_strategy(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    if file.spec.workload.kind != WorkloadKind::Deployment {
        return;
    }
    let cx = Cx::new(file, facts);
    let Some(w) = cx.workload(&mut Vec::new()) else {
        return;
    };
    let chart = w.strategy.as_deref().unwrap_or("RollingUpdate");
    for (i, t) in file.spec.troubleshooting.iter().enumerate() {
        let crate::spec::Origin::Used { name, with, .. } = &t.origin else {
            continue;
        };
        let said = with.get("strategy").map_or("RollingUpdate", String::as_str);
        if name != "multi-attach" || said == chart {
            continue;
        }
        let at = match with.contains_key("strategy") {
            true => format!("troubleshooting[{i}].with.strategy"),
            false => format!("troubleshooting[{i}].use"),
        };
        out.push(
            file.error_at(
                &at,
                format!(
                    "`multi-attach` says the Deployment's strategy is `{said}`, but the chart \
renders `{chart}` for {}",
                    cx.shown(&w.name)
                ),
            )
            .help(format!(
                "give the entry `with: {{ strategy: {chart} }}`, as `gen facts` shows it"
            )),
        );
    }
}

/// The rules of the Role the chart renders of its own (of the spec's
/// scope), when they differ from the spec's: `None` when it renders none,
/// or gen's (after `gen adopt` the chart's Role is gen's, with the spec's
/// rules, and the facts no longer say what came before).
pub fn chart_role(s: &crate::spec::Spec, roles: &[super::Role]) -> Option<Vec<PastRule>> {
    let kind = s.rbac.scope.role_kind();
    let mine: Vec<&super::Role> = roles.iter().filter(|r| r.kind == kind).collect();
    if mine.is_empty() {
        return None;
    }
    let rules: Vec<PastRule> = mine.iter().flat_map(|r| from_rendered(&r.rules)).collect();
    (!same(&rules, &of_spec(s))).then_some(rules)
}

/// The chart's own Roles are of the kind `rbac.scope` says. A ClusterRole
/// under `scope: namespace` grants cluster-wide what the README says ends
/// at the release's namespace; a Role under `scope: cluster` is widened to
/// a ClusterRole by gen's templates once `gen adopt` replaces it. Either way
/// the section an operator reads for the chart's access is wrong, and no
/// other RBAC check sees that Role (they look at the scope's kind only).
pub fn rbac_scope(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    use crate::spec::Scope;
    let scope = file.spec.rbac.scope;
    let kind = scope.role_kind();
    let other: Vec<&super::Role> = facts.rbac.roles.iter().filter(|r| r.kind != kind).collect();
    let Some(first) = other.first() else {
        return;
    };
    let names: Vec<String> = other
        .iter()
        .map(|r| format!("`{}`", spec_form(facts, &r.name)))
        .collect();
    let (said, wrong, fix) = match scope {
        Scope::Namespace => (
            "namespace",
            "the README says its access ends at the release's namespace",
            "write `scope: cluster` under `rbac` if the chart needs that access, else make the chart render a Role",
        ),
        Scope::Cluster => (
            "cluster",
            "gen's templates would grant its rules in every namespace once `gen adopt` replaces it",
            "write `scope: namespace` under `rbac` (or leave `scope` out)",
        ),
    };
    out.push(
        file.error_at(
            "rbac.scope",
            format!(
                "the chart renders a {} of its own ({}), but `rbac.scope` is {said}: {wrong}",
                first.kind,
                names.join(", ")
            ),
        )
        .help(fix),
    );
}

/// A name the chart renders, in the spec's form: the release's fullname
/// as `$FULLNAME`.
fn spec_form(facts: &ChartFacts, name: &str) -> String {
    name.replacen(&facts.fullname.of(RELEASE), "$FULLNAME", 1)
}

/// The `was:` of a `replaces: rbac` change is the Role the chart renders
/// of its own (while it renders one; after `gen adopt` the Role is gen's).
/// So is `rbac.was`, and `rbac.was_names` names that Role and its binding.
pub fn rbac_was(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    let Some(chart) = chart_role(&file.spec, &facts.rbac.roles) else {
        return;
    };
    let mut records: Vec<(String, &[PastRule])> = file
        .spec
        .upgrade
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| (format!("upgrade.changes[{i}].was"), &c.was[..]))
        .collect();
    records.push(("rbac.was".into(), &file.spec.rbac.was[..]));
    for (at, was) in records {
        if was.is_empty() || same(was, &chart) {
            continue;
        }
        out.push(
            file.error_at(&at, "`was` is not the Role the chart renders")
                .help(format!(
                    "write the chart's own Role, as Helm renders it: {}",
                    was_line(&chart)
                )),
        );
    }
    if let Some(n) = crate::spec::rbac_change::was_names(&file.spec) {
        was_names(file, facts, &n, out);
    }
}

/// `rbac.was_names` are the chart's own Role (of the spec's scope) and a
/// binding of it, in the spec's form of names (`$FULLNAME`, `$RELEASE`).
fn was_names(
    file: &SpecFile,
    facts: &ChartFacts,
    n: &crate::spec::rbac_change::WasNames,
    out: &mut Vec<Diagnostic>,
) {
    let scope = file.spec.rbac.scope;
    let (kind, binding_kind) = (scope.role_kind(), scope.binding_kind());
    let fullname = facts.fullname.of(RELEASE);
    let expand = |t: &str| {
        t.replace("$FULLNAME", &fullname)
            .replace("$RELEASE", RELEASE)
    };
    // The default names (no `was_names`) are reported at `was`, with how
    // to name the chart's own.
    let written = file.spec.rbac.was_names.is_some();
    let at = |k: &str| {
        if written {
            format!("rbac.was_names.{k}")
        } else {
            "rbac.was".to_string()
        }
    };
    let default = |help: String| {
        if written {
            return help;
        }
        format!(
            "{help}; `was_names` left out means `{{ role: {}, binding: {} }}`: \
write the chart's in `rbac.was_names`",
            n.role, n.binding
        )
    };
    let roles: Vec<&str> = facts
        .rbac
        .roles
        .iter()
        .filter(|r| r.kind == kind)
        .map(|r| r.name.as_str())
        .collect();
    let role = expand(&n.role);
    let bindings: Vec<&super::Binding> = facts
        .rbac
        .bindings
        .iter()
        .filter(|b| b.kind == binding_kind && b.role == format!("{kind}/{role}"))
        .collect();
    let list = |names: &mut dyn Iterator<Item = &str>| {
        names
            .map(|x| format!("`{}`", spec_form(facts, x)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    if !roles.contains(&role.as_str()) {
        out.push(
            file.error_at(
                &at("role"),
                format!("the chart renders no {kind} {:?}", n.role),
            )
            .help(default(format!(
                "the chart's {kind}: {}",
                list(&mut roles.iter().copied())
            ))),
        );
        return;
    }
    let Some(binding) = bindings.iter().find(|b| b.name == expand(&n.binding)) else {
        out.push(
            file.error_at(
                &at("binding"),
                format!(
                    "no {binding_kind} {:?} binds the {kind} {:?}",
                    n.binding, n.role
                ),
            )
            .help(default(format!(
                "the chart's bindings of it: {}",
                list(&mut bindings.iter().map(|b| b.name.as_str()))
            ))),
        );
        return;
    };
    let Some(sa) = &n.service_account else {
        return;
    };
    let subjects = || {
        binding
            .subjects
            .iter()
            .filter_map(|x| x.strip_prefix("ServiceAccount/"))
    };
    if !subjects().any(|x| x == expand(sa)) {
        out.push(
            file.error_at(
                "rbac.was_names.service_account",
                format!(
                    "the {binding_kind} {:?} binds no ServiceAccount {sa:?}",
                    n.binding
                ),
            )
            .help(format!("it binds: {}", list(&mut subjects()))),
        );
    }
}

/// `was: [...]` for `rules`, to paste into the spec.
fn was_line(rules: &[PastRule]) -> String {
    let rendered: Vec<String> = compact(rules)
        .iter()
        .map(|r| {
            let groups = match r.api_groups.as_slice() {
                [core] if core.is_empty() => String::new(),
                g => format!(
                    "api_groups: [{}], ",
                    g.iter()
                        .map(|x| if x.is_empty() { "\"\"" } else { x.as_str() })
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let what = match r.non_resource_urls.as_slice() {
                [] => format!("resources: [{}]", r.resources.join(", ")),
                urls => format!("non_resource_urls: [{}]", urls.join(", ")),
            };
            format!("{{ {groups}{what}, verbs: [{}] }}", r.verbs.join(", "))
        })
        .collect();
    format!("`was: [{}]`", rendered.join(", "))
}

/// The `replaces: rbac` changes whose note gen derives from the chart's
/// own Role alone: no description, no `was` of their own, no `rbac.was`.
fn unrecorded_rbac_changes(file: &SpecFile) -> impl Iterator<Item = usize> + '_ {
    use crate::spec::share::Derived;
    let s = &file.spec;
    s.upgrade
        .changes
        .iter()
        .enumerate()
        .filter(|(_, c)| {
            c.replaces == Some(Derived::Rbac)
                && c.description.trim().is_empty()
                && c.was.is_empty()
                && s.rbac.was.is_empty()
        })
        .map(|(i, _)| i)
}

/// What to record under `rbac` for the chart's own Role `chart`: its
/// rules, and its names unless they are the default ones.
fn record(file: &SpecFile, chart: &[PastRule]) -> String {
    let default = crate::spec::rbac_change::default_was_names(file.spec.rbac.scope);
    format!(
        "{} (and `was_names` unless they are `{}` and `{}`)",
        was_line(chart),
        default.role,
        default.binding
    )
}

/// A `replaces: rbac` change that gen describes from the chart's own Role
/// records it in `was`: after `gen adopt` the Role is gen's, and builds
/// without facts have none, so only the record keeps the note complete.
pub fn rbac_was_recorded(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    let Some(chart) = chart_role(&file.spec, &facts.rbac.roles) else {
        return;
    };
    for i in unrecorded_rbac_changes(file) {
        out.push(
            file.warning_at(
                &format!("upgrade.changes[{i}]"),
                "the RBAC change note comes from the chart's own Role, which `gen adopt` replaces",
            )
            .help(format!(
                "record it under `rbac` so that later builds write the same note: {}",
                record(file, &chart)
            )),
        );
    }
}

/// A chart that renders a Role (of the spec's scope) of its own has it
/// recorded in `rbac.was`: without the record the README says nothing of
/// what that Role granted and gen drops, or says it in prose no check
/// keeps true. When a `replaces: rbac` change lacks the record too,
/// `rbac_was_recorded` says so at that change, with the same record to
/// add: the one cause is reported once, where it is most precise.
pub fn chart_role_recorded(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    if !file.spec.rbac.was.is_empty() || unrecorded_rbac_changes(file).next().is_some() {
        return;
    }
    let Some(chart) = chart_role(&file.spec, &facts.rbac.roles) else {
        return;
    };
    let kind = file.spec.rbac.scope.role_kind();
    out.push(
        file.warning_at(
            "rbac",
            format!("the chart renders a {kind} of its own that `rbac.was` does not record"),
        )
        .help(format!(
            "record it under `rbac`, so that the README derives what it granted and what \
gen drops: {}",
            record(file, &chart)
        )),
    );
}

/// Two checks that find the same problem at the same place report it once.
pub fn dedup(out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeSet::new();
    out.retain(|d| seen.insert((d.line, d.column, d.message.clone())));
}

/// What the spec's commands name.
pub fn commands(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    let cx = Cx::new(file, facts);
    let main = cx.workload(&mut Vec::new());
    cx.commands(main, out);
}

struct Cx<'a> {
    file: &'a SpecFile,
    facts: &'a ChartFacts,
    /// Variable values with the render identity: RELEASE, NAMESPACE,
    /// FULLNAME, BACKUP_DIR and the spec's variables (by their defaults).
    vars: BTreeMap<String, String>,
    fullname: String,
    /// The spec's lines, to find a command's line in.
    lines: Vec<&'a str>,
    /// values.yaml keys and the keys whose default is `{}`, list indexes dropped.
    keys: BTreeSet<String>,
    open_maps: BTreeSet<String>,
}

/// `$NAME` / `${NAME}` references in `text` expanded from `vars`; None when
/// any is unknown or the text runs a command (`$(...)`).
pub fn expand(text: &str, vars: &BTreeMap<String, String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, tail) = if let Some(b) = after.strip_prefix('{') {
            let end = b.find('}')?;
            (&b[..end], &b[end + 1..])
        } else {
            let n = after
                .bytes()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == b'_')
                .count();
            (&after[..n], &after[n..])
        };
        if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            return None;
        }
        out.push_str(vars.get(name)?);
        rest = tail;
    }
    out.push_str(rest);
    Some(out)
}

/// The variable a word consists of, if it is exactly one: `$X` or `${X}`.
fn sole_variable(text: &str) -> Option<&str> {
    let t = text.strip_prefix('$')?;
    let t = t
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .unwrap_or(t);
    (!t.is_empty() && t.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')).then_some(t)
}

fn normalize_key(k: &str) -> String {
    let mut out = String::new();
    let mut skip = false;
    for c in k.chars() {
        match c {
            '[' => skip = true,
            ']' => skip = false,
            _ if !skip => out.push(c),
            _ => {}
        }
    }
    out
}

fn suggest(d: Diagnostic, word: &str, candidates: &[String], what: &str) -> Diagnostic {
    match did_you_mean(word, candidates.iter().map(String::as_str)) {
        Some(m) => d.help(format!("did you mean `{m}`?")),
        None if candidates.is_empty() => {
            d.help(format!("the chart renders no {what} with these values"))
        }
        None => {
            let mut list: Vec<&str> = candidates.iter().map(String::as_str).collect();
            list.truncate(12);
            d.help(format!("the chart's {what}: {}", list.join(", ")))
        }
    }
}

impl<'a> Cx<'a> {
    fn new(file: &'a SpecFile, facts: &'a ChartFacts) -> Self {
        let fullname = facts.fullname.of(RELEASE);
        let mut vars: BTreeMap<String, String> = [
            ("RELEASE", RELEASE.to_string()),
            ("NAMESPACE", NAMESPACE.to_string()),
            ("FULLNAME", fullname.clone()),
            ("BACKUP_DIR", format!("backups/{}", file.spec.name)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        for v in &file.spec.variables {
            // An empty default is for the operator to fill in: unknown here.
            if !v.default.is_empty() {
                if let Some(x) = expand(&v.default, &vars) {
                    vars.insert(v.name.clone(), x);
                }
            }
        }
        Cx {
            file,
            facts,
            vars,
            fullname,
            lines: file.source.lines().collect(),
            keys: facts.values_keys.iter().map(|k| normalize_key(k)).collect(),
            open_maps: facts.open_maps.iter().map(|k| normalize_key(k)).collect(),
        }
    }

    /// A rendered name as a spec would write it.
    fn spec_form(&self, name: &str) -> String {
        if let Some(rest) = name.strip_prefix(&self.fullname) {
            if rest.is_empty() || rest.starts_with('-') {
                return format!("$FULLNAME{rest}");
            }
        }
        match name.strip_prefix(RELEASE) {
            Some(rest) if rest.is_empty() || rest.starts_with('-') => format!("$RELEASE{rest}"),
            _ => name.to_string(),
        }
    }

    /// A rendered name as the facts messages show it: the spec's form,
    /// then the name it renders for the test release, as in
    /// `"$FULLNAME" (rel-harbor for release rel)`.
    fn shown(&self, name: &str) -> String {
        match self.spec_form(name) {
            f if f == name => format!("{name:?}"),
            f => format!("{f:?} ({name} for release {RELEASE})"),
        }
    }

    fn spec_forms(&self, names: impl IntoIterator<Item = String>) -> Vec<String> {
        let mut v: Vec<String> = names.into_iter().map(|n| self.spec_form(&n)).collect();
        v.sort();
        v.dedup();
        v
    }

    /// The Secret and key of `backup.database` must be one the chart
    /// renders, and one its containers read the password from: the
    /// procedure connects with the application's own credentials.
    fn database_profile(&self, out: &mut Vec<Diagnostic>) {
        let Some(p) = &self.file.spec.backup.database else {
            return;
        };
        let Some(name) = expand(&p.secret, &self.vars) else {
            return;
        };
        let names: Vec<String> = self.facts.secrets.iter().map(|s| s.name.clone()).collect();
        let Some(secret) = self.facts.secrets.iter().find(|s| s.name == name) else {
            let d = self.file.error_at(
                "backup.database.secret",
                format!("the chart renders no Secret {name:?}"),
            );
            out.push(suggest(d, &p.secret, &self.spec_forms(names), "Secrets"));
            return;
        };
        if !secret.keys.contains(&p.key) {
            let d = self.file.error_at(
                "backup.database.key",
                format!("Secret {:?} has no key {:?}", p.secret, p.key),
            );
            out.push(suggest(d, &p.key, &secret.keys, "keys of that Secret"));
            return;
        }
        let read = self.facts.workloads.iter().any(|w| {
            w.containers
                .iter()
                .chain(&w.init_containers)
                .flat_map(|c| &c.env)
                .any(|e| {
                    e.secret
                        .as_ref()
                        .is_some_and(|r| r.name == name && r.key == p.key)
                })
        });
        if !read {
            out.push(
                self.file
                    .error_at(
                        "backup.database.key",
                        format!(
                            "no container of the chart reads its database password from \
                             Secret {:?}, key {:?}",
                            p.secret, p.key
                        ),
                    )
                    .help(
                        "name the Secret and key of the environment variable that holds the \
                         password the application connects with (`gen facts` lists them)",
                    ),
            );
        }
    }

    fn chart_file(&self, name: &str) -> String {
        format!("{}/{name}", crate::kinds::chart_dir(&self.file.spec.name))
    }

    fn versions(&self, out: &mut Vec<Diagnostic>) {
        let s = &self.file.spec;
        let meta = &self.facts.chart;
        if meta.version != s.chart_version.from && meta.version != s.chart_version.to {
            out.push(
                self.file
                    .error_at(
                        "chart_version.from",
                        format!(
                            "chart_version.from is {:?}, but {} has version {:?}",
                            s.chart_version.from,
                            self.chart_file("Chart.yaml"),
                            meta.version
                        ),
                    )
                    .help(format!(
                        "set `from: {}`, the version before gen's changes, and `to:` to the version after it; gen writes `to` into Chart.yaml",
                        meta.version
                    )),
            );
        }
        let bare = |v: &str| v.trim_start_matches('v').to_string();
        match &meta.app_version {
            Some(app) if bare(app) != bare(&s.app_version) => out.push(
                self.file
                    .error_at(
                        "app_version",
                        format!(
                            "app_version is {:?}, but {} has appVersion {app:?}",
                            s.app_version,
                            self.chart_file("Chart.yaml")
                        ),
                    )
                    .help(format!(
                        "write the guides for the version the chart ships: `app_version: \"{}\"`",
                        bare(app)
                    )),
            ),
            _ => {}
        }
    }

    /// The workload whose pods the spec's selector picks, after checking
    /// that it is exactly one and of the spec's kind.
    fn workload(&self, out: &mut Vec<Diagnostic>) -> Option<&'a Workload> {
        let s = &self.file.spec;
        let mut selector: BTreeMap<String, String> = BTreeMap::from([
            ("app.kubernetes.io/name".to_string(), s.name.clone()),
            (
                "app.kubernetes.io/instance".to_string(),
                RELEASE.to_string(),
            ),
        ]);
        for (k, v) in &s.workload.selector {
            selector.insert(
                k.clone(),
                expand(v, &self.vars).unwrap_or_else(|| v.clone()),
            );
        }
        let at = if s.workload.selector.is_empty() {
            "workload"
        } else {
            "workload.selector"
        };
        let shown: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={v}")).collect();
        let pods: Vec<&Workload> = self
            .facts
            .workloads
            .iter()
            .filter(|w| matches!(w.kind.as_str(), "StatefulSet" | "Deployment" | "DaemonSet"))
            .collect();
        let matching: Vec<&Workload> = pods
            .iter()
            .copied()
            .filter(|w| selector.iter().all(|(k, v)| pod_has_label(w, k, v)))
            .collect();
        let kind = match s.workload.kind {
            WorkloadKind::StatefulSet => "StatefulSet",
            WorkloadKind::Deployment => "Deployment",
            WorkloadKind::DaemonSet => "DaemonSet",
        };
        let describe = |w: &Workload| {
            let labels: Vec<String> = w
                .pod_labels
                .iter()
                .filter(|(k, _)| !selector.contains_key(*k) || *k == "app.kubernetes.io/name")
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            format!(
                "{} {} ({})",
                w.kind,
                self.spec_form(&w.name),
                labels.join(",")
            )
        };
        match matching.as_slice() {
            [] => {
                let d = self.file.error_at(
                    at,
                    format!(
                        "no StatefulSet, Deployment or DaemonSet of the chart has pods labelled {}",
                        shown.join(",")
                    ),
                );
                out.push(if pods.is_empty() {
                    d.help("the chart renders no workload with these values; name the values file that enables it in `chart.values_files`")
                } else {
                    d.help(format!(
                        "the chart's workloads: {}; `workload.selector` adds labels to app.kubernetes.io/name and app.kubernetes.io/instance",
                        pods.iter().map(|w| describe(w)).collect::<Vec<_>>().join("; ")
                    ))
                });
                None
            }
            [one] => {
                if one.kind != kind {
                    out.push(
                        self.file
                            .error_at(
                                "workload.kind",
                                format!(
                                    "workload.kind is {kind}, but the pods labelled {} belong to {} {}",
                                    shown.join(","),
                                    one.kind,
                                    self.spec_form(&one.name)
                                ),
                            )
                            .help(format!("did you mean `{}`?", one.kind)),
                    );
                }
                Some(one)
            }
            many => {
                out.push(
                    self.file
                        .error_at(
                            at,
                            format!(
                                "the pods labelled {} belong to {} workloads, so `$POD` may be a pod of any of them",
                                shown.join(","),
                                many.len()
                            ),
                        )
                        .help(format!(
                            "add the label that picks the main one to `workload.selector`: {}",
                            many.iter().map(|w| describe(w)).collect::<Vec<_>>().join("; ")
                        )),
                );
                many.iter()
                    .find(|w| w.kind == kind)
                    .or(many.first())
                    .copied()
            }
        }
    }

    fn main_container(&self, w: &'a Workload, out: &mut Vec<Diagnostic>) {
        let wl = &self.file.spec.workload;
        let names: Vec<String> = w.containers.iter().map(|c| c.name.clone()).collect();
        let container = w.containers.iter().find(|c| c.name == wl.container);
        if container.is_none() {
            out.push(suggest(
                self.file.error_at(
                    "workload.container",
                    format!(
                        "{} {} has no container {:?}",
                        w.kind,
                        self.spec_form(&w.name),
                        wl.container
                    ),
                ),
                &wl.container,
                &names,
                "containers",
            ));
        }
        if let Some(port) = wl.port {
            let ports: Vec<i64> = w
                .containers
                .iter()
                .flat_map(|c| c.ports.iter().map(|p| p.port))
                .collect();
            if !ports.contains(&i64::from(port)) {
                let list: Vec<String> = ports.iter().map(i64::to_string).collect();
                out.push(
                    self.file
                        .error_at(
                            "workload.port",
                            format!(
                                "no container of {} listens on port {port}",
                                self.spec_form(&w.name)
                            ),
                        )
                        .help(if list.is_empty() {
                            "the pods declare no container ports; remove `port`".to_string()
                        } else {
                            format!("the pods' container ports: {}", list.join(", "))
                        }),
                );
            }
        }
        let (Some(c), Some(path)) = (container, &wl.data_path) else {
            return;
        };
        if let Some(d) = self.path_error(c, path, "workload.data_path", None) {
            out.push(d);
            return;
        }
        // The product's own setting for its data folder, when the image has one.
        let mount = c
            .mounts
            .iter()
            .filter(|m| under(path, &m.path))
            .max_by_key(|m| m.path.len());
        for e in &c.env {
            if let (Some(v), Some(m)) = (&e.value, mount) {
                if e.name.contains("DATA")
                    && v.starts_with('/')
                    && under(v, &m.path)
                    && v.trim_end_matches('/') != path.trim_end_matches('/')
                {
                    out.push(
                        self.file
                            .error_at(
                                "workload.data_path",
                                format!(
                                    "data_path is {path}, but container {} sets {}={v}",
                                    c.name, e.name
                                ),
                            )
                            .help(format!("did you mean `{v}`?")),
                    );
                }
            }
        }
    }

    /// An error when `path` lies on no volume of container `c`.
    fn path_error(
        &self,
        c: &Container,
        path: &str,
        at: &str,
        line: Option<(usize, usize)>,
    ) -> Option<Diagnostic> {
        if c.mounts.iter().any(|m| under(path, &m.path)) {
            return None;
        }
        let mounts: Vec<String> = c.mounts.iter().map(|m| m.path.clone()).collect();
        let msg = format!("{path} is on no volume of container {}", c.name);
        let d = match line {
            Some((l, col)) => self.at_line(l, col, msg),
            None => self.file.error_at(at, msg),
        };
        // Suggest a folder: a mount with subPath is one file.
        let dirs: Vec<String> = c
            .mounts
            .iter()
            .filter(|m| m.sub_path.is_none())
            .map(|m| m.path.clone())
            .collect();
        Some(match did_you_mean(path, dirs.iter().map(String::as_str)) {
            Some(m) => d.help(format!(
                "did you mean a path under `{m}`? The container's mounts: {}",
                mounts.join(", ")
            )),
            None => suggest(d, path, &mounts, "mounts of this container"),
        })
    }

    fn at_line(&self, line: usize, col: usize, msg: String) -> Diagnostic {
        Diagnostic::error(&self.file.rel, msg)
            .at(line, col)
            .with_source(&self.file.source)
    }

    /// Documented values: each must be a value of the chart.
    fn spec_values(&self, out: &mut Vec<Diagnostic>) {
        for (i, v) in self.file.spec.values.iter().enumerate() {
            if !self.value_known(&v.key) {
                out.push(self.value_error(
                    self.file.error_at(
                        &format!("values[{i}].key"),
                        format!(
                            "{:?} is not a value of the chart: not in its values.yaml, and no template reads it",
                            v.key
                        ),
                    ),
                    &v.key,
                ));
            } else if !self.value_read(&v.key) {
                out.push(
                    self.file
                        .error_at(
                            &format!("values[{i}].key"),
                            format!(
                                "{:?} changes nothing: it is in the chart's values.yaml, but no template reads it",
                                v.key
                            ),
                        )
                        .help("document only values the templates act on: drop this entry, and tell the operator what to run instead in the guide"),
                );
            }
        }
    }

    /// Whether a template reads values key `key`, a value below it, or a
    /// map it lies in (`$b := .Values.backup`, then `$b.enabled`).
    fn value_read(&self, key: &str) -> bool {
        let key = normalize_key(key);
        self.facts.values_read.iter().any(|r| {
            *r == key || r.starts_with(&format!("{key}.")) || key.starts_with(&format!("{r}."))
        })
    }

    fn value_error(&self, d: Diagnostic, key: &str) -> Diagnostic {
        let mut candidates: Vec<String> = self.keys.iter().cloned().collect();
        candidates.extend(self.facts.values_read.iter().cloned());
        candidates.sort();
        candidates.dedup();
        // Suggest a key of the same depth: a parent is never what was meant.
        let depth = key.matches('.').count();
        candidates.retain(|c| c.matches('.').count() == depth);
        match did_you_mean(key, candidates.iter().map(String::as_str)) {
            Some(m) => d.help(format!("did you mean `{m}`? (values.yaml keys and the `.Values` the templates read)")),
            None => d.help("use a key of the chart's values.yaml, or one its templates read; `gen facts <chart>` lists them"),
        }
    }

    /// Whether values key `key` is one of the chart's: in values.yaml (or
    /// below a key whose default is `{}`), read by a template, gen's own,
    /// `global.*` or a dependency's.
    fn value_known(&self, key: &str) -> bool {
        let key = normalize_key(key);
        let f = self.facts;
        let first = key.split('.').next().unwrap_or("");
        let prefixes = || key.match_indices('.').map(|(i, _)| &key[..i]);
        self.keys.contains(&key)
            || prefixes().any(|p| self.open_maps.contains(p))
            || f.values_read.iter().any(|r| {
                *r == key || r.starts_with(&format!("{key}.")) || key.starts_with(&format!("{r}."))
            })
            || crate::spec::rbac_values(&self.file.spec)
                .iter()
                .any(|v| v.key == key)
            || first == "global"
            || f.chart
                .dependencies
                .iter()
                .any(|d| d.alias.as_deref().unwrap_or(&d.name) == first)
    }

    fn commands(&self, main: Option<&'a Workload>, out: &mut Vec<Diagnostic>) {
        let s = &self.file.spec;
        let mut runs: Vec<(String, &str, bool)> = all_steps(s)
            .into_iter()
            .filter_map(|(p, st)| {
                st.run
                    .as_deref()
                    .filter(|_| {
                        st.lang
                            .as_deref()
                            .is_none_or(|l| matches!(l, "bash" | "sh" | "console"))
                    })
                    .map(|r| (format!("{p}.run"), r, false))
            })
            .collect();
        for (i, op) in s.operations.iter().enumerate() {
            runs.push((
                format!("operations[{i}].run"),
                &op.run,
                op.runs_in == RunsIn::Pod,
            ));
        }
        for (path, run, in_pod) in runs {
            for r in shell::references(run, in_pod) {
                if let Some(d) = self.reference(&path, run, &r, main) {
                    out.push(d);
                }
            }
        }
    }

    /// Where a word of a run sits in the spec: the line of the block scalar
    /// that holds it, or the variable whose default it is.
    fn locate(&self, path: &str, run: &str, r: &Ref) -> (usize, usize) {
        let (key_line, key_col) = self.file.positions.get(path);
        let Some(text) = run.lines().nth(r.line) else {
            return (key_line, key_col);
        };
        let indent = text.len() - text.trim_start().len();
        let needle = text.trim();
        if needle.is_empty() {
            return (key_line, key_col);
        }
        let from = key_line.saturating_sub(1);
        for (i, l) in self
            .lines
            .iter()
            .enumerate()
            .skip(from)
            .take(run.lines().count() + 4)
        {
            if let Some(j) = l.find(needle) {
                let word = l[..j].chars().count() + r.col.saturating_sub(indent);
                // The name itself, when it is written as it is inside the word.
                let start: usize = l.char_indices().nth(word).map_or(l.len(), |(b, _)| b);
                let col = match l[start..].find(&r.name) {
                    Some(k) => l[..start + k].chars().count(),
                    None => word,
                };
                return (i + 1, col + 1);
            }
        }
        (key_line, key_col)
    }

    fn reference(
        &self,
        path: &str,
        run: &str,
        r: &Ref,
        main: Option<&'a Workload>,
    ) -> Option<Diagnostic> {
        let name = expand(&r.name, &self.vars)?;
        let f = self.facts;
        // A name that is one of the spec's variables is fixed in its default.
        let var = sole_variable(&r.name).and_then(|v| {
            self.file
                .spec
                .variables
                .iter()
                .position(|x| x.name == v)
                .map(|i| (v, i))
        });
        let error = |msg: String| -> Diagnostic {
            match var {
                Some((v, i)) => self.file.error_at(
                    &format!("variables[{i}].default"),
                    format!("{msg} (the default of variable {v})"),
                ),
                None => match self.file.positions.in_shared(path, r.line) {
                    Err(s) => self.at_line(s.at.0, s.at.1, format!("{msg} ({})", s.note())),
                    Ok(_) => {
                        let (l, c) = self.locate(path, run, r);
                        self.at_line(l, c, msg)
                    }
                },
            }
        };
        let shown = if r.name == name {
            format!("{name:?}")
        } else {
            format!("{:?} ({name} for release {RELEASE})", r.name)
        };
        let named = |kind: Kind, names: Vec<String>| -> Option<Diagnostic> {
            if names.contains(&name) {
                return None;
            }
            let d = error(format!("the chart renders no {} {shown}", kind.noun()));
            let forms = self.spec_forms(names.clone());
            let with_fullname =
                r.name
                    .replacen("${RELEASE}", "$FULLNAME", 1)
                    .replacen("$RELEASE", "$FULLNAME", 1);
            if with_fullname != r.name
                && forms.contains(&self.spec_form(&expand(&with_fullname, &self.vars)?))
            {
                return Some(d.help(format!(
                    "did you mean `{with_fullname}`? The chart names it after its full name, which is the release name only when that contains `{}`",
                    self.facts.fullname.name
                )));
            }
            // Compare rendered names; show the match as a spec writes it.
            Some(
                match did_you_mean(&name, names.iter().map(String::as_str)) {
                    Some(m) => d.help(format!("did you mean `{}`?", self.spec_form(m))),
                    None => suggest(d, &name, &forms, &format!("{}s", kind.noun())),
                },
            )
        };
        let workloads = |kind: &str| {
            f.workloads
                .iter()
                .filter(|w| w.kind == kind)
                .map(|w| w.name.clone())
                .collect()
        };
        match r.kind {
            Kind::Secret => named(r.kind, f.secrets.iter().map(|s| s.name.clone()).collect()),
            Kind::ConfigMap => named(
                r.kind,
                f.config_maps.iter().map(|s| s.name.clone()).collect(),
            ),
            Kind::Service => named(r.kind, f.services.iter().map(|s| s.name.clone()).collect()),
            Kind::Pvc => named(r.kind, f.claim_names()),
            Kind::StatefulSet => named(r.kind, workloads("StatefulSet")),
            Kind::Deployment => named(r.kind, workloads("Deployment")),
            Kind::DaemonSet => named(r.kind, workloads("DaemonSet")),
            Kind::Pod => {
                let (stem, ordinal) = name.rsplit_once('-')?;
                if ordinal.is_empty() || !ordinal.bytes().all(|b| b.is_ascii_digit()) {
                    return None;
                }
                let sts: Vec<String> = workloads("StatefulSet");
                if sts.iter().any(|s| s == stem) {
                    return None;
                }
                let pods: Vec<String> = sts.iter().map(|s| format!("{s}-{ordinal}")).collect();
                named(Kind::Pod, pods)
            }
            Kind::Container if r.pod.as_ref().is_some_and(|(_, p)| p == shell::BY_LABEL) => {
                // Pods picked by label: a container of any workload.
                let names: Vec<String> = f.containers().map(|(_, c)| c.name.clone()).collect();
                if names.contains(&name) {
                    return None;
                }
                let d = error(format!("no workload of the chart has a container {shown}"));
                Some(suggest(d, &name, &names, "containers"))
            }
            Kind::Container => {
                let w = self.pod_workload(r.pod.as_ref(), main)?;
                // The main pod's `workload.container`, which every `{{pod}}`
                // command names: `main_container` reports it once, where
                // it is written and fixed.
                if main.is_some_and(|m| std::ptr::eq(m, w))
                    && name == self.file.spec.workload.container
                {
                    return None;
                }
                let names: Vec<String> = w
                    .containers
                    .iter()
                    .chain(&w.init_containers)
                    .map(|c| c.name.clone())
                    .collect();
                if names.contains(&name) {
                    return None;
                }
                let d = error(format!(
                    "{} {} has no container {shown}",
                    w.kind,
                    self.spec_form(&w.name)
                ));
                Some(suggest(d, &name, &names, "containers"))
            }
            Kind::DataKey => {
                let (kind, owner) = r.owner.as_ref()?;
                let owner = expand(owner, &self.vars)?;
                let list = if *kind == Kind::Secret {
                    &f.secrets
                } else {
                    &f.config_maps
                };
                let obj = list.iter().find(|o| o.name == owner)?;
                if obj.keys.contains(&name) {
                    return None;
                }
                let d = error(format!(
                    "{} {} has no key {shown}",
                    kind.noun(),
                    self.spec_form(&owner)
                ));
                Some(suggest(d, &name, &obj.keys, "keys"))
            }
            Kind::EnvName => {
                let w = main?;
                let names: Vec<String> = w
                    .containers
                    .iter()
                    .chain(&w.init_containers)
                    .flat_map(|c| c.env.iter().map(|e| e.name.clone()))
                    .collect();
                if names.contains(&name) {
                    return None;
                }
                let d = error(format!(
                    "no container of {} sets env {shown}",
                    self.spec_form(&w.name)
                ));
                Some(suggest(d, &name, &names, "env vars"))
            }
            Kind::ValuesKey => {
                if self.value_known(&name) {
                    return None;
                }
                Some(self.value_error(error(format!("{shown} is not a value of the chart")), &name))
            }
            Kind::ContainerPath => {
                let w = self.pod_workload(r.pod.as_ref(), main)?;
                let container = match &r.owner {
                    Some((Kind::Container, c)) => expand(c, &self.vars)?,
                    _ => self.file.spec.workload.container.clone(),
                };
                let c = w.containers.iter().find(|c| c.name == container)?;
                let at = match var {
                    Some((_, i)) => {
                        Some(self.file.positions.get(&format!("variables[{i}].default")))
                    }
                    None => Some(self.locate(path, run, r)),
                };
                self.path_error(c, &name, path, at)
            }
        }
    }

    /// The workload a pod reference belongs to: `$POD` (or none) is the
    /// main workload; `<statefulset>-N` that StatefulSet; anything else is
    /// not the chart's (a helper pod) and is not checked.
    fn pod_workload(
        &self,
        pod: Option<&(Option<Kind>, String)>,
        main: Option<&'a Workload>,
    ) -> Option<&'a Workload> {
        let Some((kind, pod)) = pod else { return main };
        if let Some(kind) = kind {
            let name = expand(pod, &self.vars)?;
            return self
                .facts
                .workloads
                .iter()
                .find(|w| w.kind == kind.noun() && w.name == name);
        }
        let pod = pod.rsplit('/').next().unwrap_or(pod);
        if sole_variable(pod) == Some("POD") {
            return main;
        }
        let name = expand(pod, &self.vars)?;
        let (stem, ordinal) = name.rsplit_once('-')?;
        if !ordinal.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.facts
            .workloads
            .iter()
            .find(|w| w.kind == "StatefulSet" && w.name == stem)
    }
}

/// Whether the pods of `w` carry the label `k=v`: one the chart renders,
/// or one the StatefulSet controller adds to every pod it creates
/// (`statefulset.kubernetes.io/pod-name`, and `apps.kubernetes.io/pod-index`
/// since Kubernetes 1.28), for an ordinal below the rendered replicas.
fn pod_has_label(w: &Workload, k: &str, v: &str) -> bool {
    if w.pod_labels.get(k).map(String::as_str) == Some(v) {
        return true;
    }
    if w.kind != "StatefulSet" {
        return false;
    }
    let ordinal = match k {
        "apps.kubernetes.io/pod-index" => v,
        "statefulset.kubernetes.io/pod-name" => match v
            .strip_prefix(w.name.as_str())
            .and_then(|rest| rest.strip_prefix('-'))
        {
            Some(n) => n,
            None => return false,
        },
        _ => return false,
    };
    // Only the canonical spelling: Kubernetes writes "0", never "00" or "+0".
    match ordinal.parse::<i64>() {
        Ok(n) if n.to_string() == ordinal => n >= 0 && n < w.replicas.unwrap_or(1),
        _ => false,
    }
}

/// Whether `path` is `dir` or inside it.
fn under(path: &str, dir: &str) -> bool {
    let dir = dir.trim_end_matches('/');
    path == dir || path.strip_prefix(dir).is_some_and(|r| r.starts_with('/')) || dir.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::*;

    /// A chart with one Deployment `rel-demo`, as Helm renders it.
    fn facts() -> ChartFacts {
        let labels = BTreeMap::from([
            ("app.kubernetes.io/name".to_string(), "demo".to_string()),
            ("app.kubernetes.io/instance".to_string(), "rel".to_string()),
        ]);
        ChartFacts {
            chart: ChartMeta {
                name: "demo".into(),
                version: "0.1.0".into(),
                app_version: Some("v1.0".into()),
                dependencies: vec![],
            },
            values_keys: vec!["image".into(), "image.tag".into()],
            open_maps: vec!["podAnnotations".into()],
            values_read: vec!["backup.schedule".into()],
            fullname: Fullname::usual("demo"),
            workloads: vec![Workload {
                kind: "Deployment".into(),
                name: "rel-demo".into(),
                pod_labels: labels,
                containers: vec![Container {
                    name: "demo".into(),
                    ports: vec![ContainerPort {
                        port: 8080,
                        ..ContainerPort::default()
                    }],
                    env: vec![Env {
                        name: "APP_DATA".into(),
                        value: Some("/data/app".into()),
                        ..Env::default()
                    }],
                    mounts: vec![Mount {
                        path: "/data".into(),
                        volume: "data".into(),
                        source: VolumeSource::Pvc {
                            claim: "rel-demo".into(),
                        },
                        ..Mount::default()
                    }],
                    ..Container::default()
                }],
                ..Workload::default()
            }],
            secrets: vec![Keyed {
                name: "rel-demo".into(),
                keys: vec!["admin-password".into()],
            }],
            config_maps: vec![Keyed {
                name: "rel-demo-config".into(),
                keys: vec!["app.conf".into()],
            }],
            pvcs: vec![Pvc {
                name: "rel-demo".into(),
                ..Pvc::default()
            }],
            ..ChartFacts::default()
        }
    }

    /// The scaffold with a real app_version, edited by `(from, to)` pairs.
    #[track_caller]
    fn spec(edits: &[(&str, &str)]) -> String {
        let real = crate::spec::testkit::edited(
            &crate::scaffold::new_spec("demo"),
            &[("app_version: \"TODO\"", "app_version: \"1.0\"")],
        );
        crate::spec::testkit::edited(&real, edits)
    }

    fn errors(src: &str, facts: &ChartFacts) -> Vec<Diagnostic> {
        let f = crate::spec::parse("specs/demo.yaml", src.as_bytes()).expect("parses");
        // The facts checks of `crate::checks::CHECKS`, which this module
        // cannot name: it would use a module that uses it.
        let mut out = Vec::new();
        let checks: [fn(&SpecFile, &ChartFacts, &mut Vec<Diagnostic>); 7] = [
            versions,
            workload,
            main_container,
            spec_values,
            database_profile,
            commands,
            crate::facts::jobs::check,
        ];
        for check in checks {
            check(&f, facts, &mut out);
        }
        dedup(&mut out);
        out
    }

    /// The one error, after asserting that it says `says` and points at
    /// `at` (the first line holding it, the column where it starts).
    fn one(src: &str, facts: &ChartFacts, at: &str, says: &str) -> Diagnostic {
        let errs = errors(src, facts);
        assert_eq!(errs.len(), 1, "{errs:#?}");
        let d = errs.into_iter().next().unwrap();
        let (line, col) = src
            .lines()
            .enumerate()
            .find_map(|(i, l)| l.find(at).map(|c| (i + 1, c + 1)))
            .expect("`at` is in the spec");
        assert_eq!(
            (d.file.as_str(), d.line, d.column),
            ("specs/demo.yaml", line, col),
            "{d}"
        );
        assert!(d.message.contains(says), "{d}");
        d
    }

    /// A backup operation running `cmd`, at the line `cmd` starts on.
    fn with_command(cmd: &str) -> String {
        spec(&[(
            "      echo \"TODO write the backup into $BACKUP_DIR\"",
            &format!("      {cmd}"),
        )])
    }

    /// The scaffold with a PostgreSQL profile whose password is in
    /// `secret`, key `key`.
    fn with_profile(secret: &str, key: &str) -> String {
        spec(&[(
            "backup:\n",
            &format!(
                "backup:\n  database:\n    engine: postgresql\n    database: demo\n    \
                 user: demo\n    secret: {secret}\n    key: {key}\n    values: db\n    \
                 what: All.\n    schedule: \"0 * * * *\"\n    retention: 24 hourly\n    \
                 verify: [select 1]\n    verify_expect: '`1`'\n"
            ),
        )])
    }

    #[test]
    fn the_database_profile_names_the_password_the_chart_reads() {
        let mut f = facts();
        let messages = |src: &str, f: &ChartFacts| -> Vec<String> {
            errors(src, f).into_iter().map(|d| d.message).collect()
        };
        let m = messages(&with_profile("$FULLNAME-db", "admin-password"), &f);
        assert!(
            m.iter()
                .any(|m| m == "the chart renders no Secret \"rel-demo-db\""),
            "{m:?}"
        );
        let m = messages(&with_profile("$FULLNAME", "db-password"), &f);
        assert!(
            m.iter()
                .any(|m| m == "Secret \"$FULLNAME\" has no key \"db-password\""),
            "{m:?}"
        );
        let m = messages(&with_profile("$FULLNAME", "admin-password"), &f);
        assert!(
            m.iter()
                .any(|m| m.starts_with("no container of the chart reads")),
            "{m:?}"
        );
        f.workloads[0].containers[0].env.push(Env {
            name: "DB_PASSWORD".into(),
            secret: Some(KeyRef {
                name: "rel-demo".into(),
                key: "admin-password".into(),
            }),
            ..Env::default()
        });
        // The generated backup job connects as the chart does: from the
        // chart's own values under `values`.
        let m = messages(&with_profile("$FULLNAME", "admin-password"), &f);
        assert_eq!(
            m,
            ["host", "port", "database", "username"]
                .map(|k| format!("the chart's values.yaml has no \"db.{k}\""))
        );
        for k in ["host", "port", "database", "username"] {
            f.values_keys.push(format!("db.{k}"));
        }
        assert_eq!(
            errors(&with_profile("$FULLNAME", "admin-password"), &f),
            vec![]
        );
    }

    #[test]
    fn the_scaffold_fits_its_chart() {
        assert_eq!(errors(&spec(&[]), &facts()), vec![]);
    }

    #[test]
    fn versions_must_be_the_charts() {
        let mut f = facts();
        f.chart.version = "0.3.0".into();
        let d = one(
            &spec(&[]),
            &f,
            "from: 0.1.0",
            "chart_version.from is \"0.1.0\", but charts/demo/Chart.yaml has version \"0.3.0\"",
        );
        assert!(d.help.unwrap().contains("`from: 0.3.0`"));
        let d = one(
            &spec(&[("\"1.0\"", "\"1.1\"")]),
            &facts(),
            "app_version:",
            "appVersion \"v1.0\"",
        );
        assert!(d.help.unwrap().contains("app_version: \"1.0\""));
    }

    #[test]
    fn selector_must_pick_one_workload_of_the_kind() {
        let src = spec(&[(
            "  container: demo",
            "  container: demo\n  selector: { app.kubernetes.io/component: web }",
        )]);
        let d = one(
            &src,
            &facts(),
            "selector:",
            "no StatefulSet, Deployment or DaemonSet of the chart has pods labelled",
        );
        assert!(
            d.help.as_deref().unwrap().contains("Deployment $FULLNAME"),
            "{d}"
        );
        let src = spec(&[("kind: Deployment", "kind: StatefulSet")]);
        let d = one(
            &src,
            &facts(),
            "kind: StatefulSet",
            "belong to Deployment $FULLNAME",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `Deployment`?"));
        let mut f = facts();
        let mut ui = f.workloads[0].clone();
        ui.name = "rel-demo-ui".into();
        ui.pod_labels
            .insert("app.kubernetes.io/component".into(), "ui".into());
        f.workloads.push(ui);
        let d = one(&spec(&[]), &f, "workload:", "belong to 2 workloads");
        assert!(d.help.unwrap().contains("app.kubernetes.io/component=ui"));
    }

    #[test]
    fn statefulset_pods_carry_the_controllers_ordinal_labels() {
        // A StatefulSet beside a Deployment with the same chart labels (a
        // UI): only the labels the StatefulSet controller adds pick its pods.
        let mut f = facts();
        f.workloads[0].kind = "StatefulSet".into();
        f.workloads[0].replicas = Some(2);
        let mut ui = f.workloads[0].clone();
        ui.kind = "Deployment".into();
        ui.name = "rel-demo-ui".into();
        ui.pod_labels
            .insert("app.kubernetes.io/component".into(), "ui".into());
        f.workloads.push(ui);
        let with = |labels: &str| {
            spec(&[
                ("kind: Deployment", "kind: StatefulSet"),
                (
                    "  container: demo",
                    &format!("  container: demo\n  selector: {{ {labels} }}"),
                ),
            ])
        };
        for ok in [
            "apps.kubernetes.io/pod-index: \"0\"",
            "apps.kubernetes.io/pod-index: \"1\"",
            "statefulset.kubernetes.io/pod-name: $FULLNAME-1",
        ] {
            assert_eq!(errors(&with(ok), &f), vec![], "{ok}");
        }
        // An ordinal the rendered replicas do not reach, or not spelled as
        // Kubernetes writes it, or a pod name of another StatefulSet.
        for bad in [
            "apps.kubernetes.io/pod-index: \"2\"",
            "apps.kubernetes.io/pod-index: \"01\"",
            "statefulset.kubernetes.io/pod-name: other-0",
        ] {
            one(
                &with(bad),
                &f,
                "selector:",
                "no StatefulSet, Deployment or DaemonSet of the chart has pods labelled",
            );
        }
        // A Deployment's pods get no ordinal.
        let mut d = facts();
        d.workloads[0].replicas = Some(2);
        one(
            &spec(&[(
                "  container: demo",
                "  container: demo\n  selector: { apps.kubernetes.io/pod-index: \"0\" }",
            )]),
            &d,
            "selector:",
            "no StatefulSet, Deployment or DaemonSet of the chart has pods labelled",
        );
    }

    #[test]
    fn container_port_and_data_path_must_be_the_pods() {
        let d = one(
            &spec(&[("container: demo", "container: dmeo")]),
            &facts(),
            "container: dmeo",
            "has no container \"dmeo\"",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `demo`?"));
        let d = one(
            &spec(&[("# port: 8080", "port: 9090")]),
            &facts(),
            "port: 9090",
            "no container of $FULLNAME listens on port 9090",
        );
        assert!(d.help.unwrap().contains("8080"));
        let src = spec(&[(
            "  container: demo",
            "  container: demo\n  data_path: /dta/app",
        )]);
        let d = one(
            &src,
            &facts(),
            "data_path:",
            "/dta/app is on no volume of container demo",
        );
        assert!(d.help.unwrap().contains("`/data`"));
        let src = spec(&[(
            "  container: demo",
            "  container: demo\n  data_path: /data/other",
        )]);
        let d = one(
            &src,
            &facts(),
            "data_path:",
            "container demo sets APP_DATA=/data/app",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `/data/app`?"));
    }

    /// A `{{pod}}` command is checked in the main container, at its own
    /// spec line; its container, `workload.container`, once where it is
    /// written.
    #[test]
    fn pod_commands_are_checked_at_their_line_and_their_container_once() {
        let step = |cmd: &str| {
            (
                "    duration: 30m\n    steps:\n",
                format!(
                    "    duration: 30m\n    steps:\n      - title: List\n        run: |\n          \
                     echo start\n          {{{{pod}}}} {cmd}\n          {{{{pod}}}} ls /data\n"
                ),
            )
        };
        let (from, to) = step("sh -c 'ls /backup/x'");
        one(
            &spec(&[(from, &to)]),
            &facts(),
            "/backup/x",
            "/backup/x is on no volume of container demo",
        );
        let (from, to) = step("ls /data/app");
        assert_eq!(errors(&spec(&[(from, &to)]), &facts()), vec![]);
        let d = one(
            &spec(&[(from, &to), ("container: demo", "container: dmeo")]),
            &facts(),
            "container: dmeo",
            "has no container \"dmeo\"",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `demo`?"));
    }

    #[test]
    fn documented_values_must_be_the_charts() {
        let src = format!(
            "{}values:\n  - key: backup.schedule\n    default: x\n    description: d\n  - key: backup.shedule\n    default: x\n    description: d\n",
            spec(&[])
        );
        let d = one(
            &src,
            &facts(),
            "key: backup.shedule",
            "\"backup.shedule\" is not a value of the chart",
        );
        assert!(d.help.unwrap().contains("did you mean `backup.schedule`?"));
    }

    #[test]
    fn documented_values_must_be_read_by_a_template() {
        let mut f = facts();
        f.values_keys.push("backup.enabled".into());
        let src = format!(
            "{}values:\n  - key: backup.enabled\n    default: false\n    description: d\n",
            spec(&[])
        );
        let d = one(
            &src,
            &f,
            "key: backup.enabled",
            "\"backup.enabled\" changes nothing: it is in the chart's values.yaml, but no template reads it",
        );
        assert!(d.help.unwrap().contains("drop this entry"));
        // Read by a template: fine.
        f.values_read.push("backup".into());
        assert!(errors(&src, &f).is_empty(), "{:?}", errors(&src, &f));
    }

    /// The strategy error names the Deployment as the other facts
    /// messages name objects: the spec's form, then what it renders.
    #[test]
    fn multi_attach_strategy_names_the_workload_as_the_spec_writes_it() {
        let src = spec(&[(
            "\ntroubleshooting: # at least three errors operators meet, each guide at least one\n",
            "\ntroubleshooting:\n  - use: multi-attach\n    with: { strategy: Recreate }\n",
        )]);
        let f = crate::spec::parse("specs/demo.yaml", src.as_bytes()).expect("parses");
        let mut out = Vec::new();
        multi_attach_strategy(&f, &facts(), &mut out);
        assert_eq!(out.len(), 1, "{out:#?}");
        assert_eq!(
            out[0].message,
            "`multi-attach` says the Deployment's strategy is `Recreate`, but the chart \
renders `RollingUpdate` for \"$FULLNAME\" (rel-demo for release rel)"
        );
        // A name outside the fullname is shown as rendered.
        let mut odd = facts();
        odd.workloads[0].name = "web".into();
        out.clear();
        multi_attach_strategy(&f, &odd, &mut out);
        assert!(out[0].message.ends_with("for \"web\""), "{out:#?}");
    }

    #[test]
    fn commands_name_the_charts_objects() {
        let src = with_command("kubectl -n \"$NAMESPACE\" get secret \"$RELEASE\"");
        let d = one(
            &src,
            &facts(),
            "$RELEASE\"",
            "the chart renders no Secret \"$RELEASE\" (rel for release rel)",
        );
        assert!(d.help.unwrap().starts_with("did you mean `$FULLNAME`?"));
        let src = with_command("kubectl delete pvc \"$FULLNAME-dta\"");
        let d = one(
            &src,
            &facts(),
            "$FULLNAME-dta",
            "no PersistentVolumeClaim \"$FULLNAME-dta\"",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `$FULLNAME`?"));
        // Through a variable: the error is at its default.
        let src = format!(
            "{}variables:\n  - name: CM\n    default: demo-config\n    help: h\n",
            with_command("kubectl get configmap \"$CM\"")
        );
        let d = one(
            &src,
            &facts(),
            "default: demo-config",
            "no ConfigMap \"$CM\" (demo-config for release rel) (the default of variable CM)",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `$FULLNAME-config`?"));
        let src = with_command("kubectl scale sts/\"$FULLNAME\" --replicas=0");
        one(
            &src,
            &facts(),
            "$FULLNAME\" --replicas",
            "no StatefulSet \"$FULLNAME\"",
        );
        let src = with_command("kubectl delete pod \"$FULLNAME-0\"");
        one(&src, &facts(), "$FULLNAME-0", "no pod \"$FULLNAME-0\"");
    }

    #[test]
    fn commands_name_containers_keys_env_values_and_paths() {
        let src = with_command("kubectl exec \"$POD\" -c dmeo -- true");
        let d = one(
            &src,
            &facts(),
            "dmeo",
            "Deployment $FULLNAME has no container \"dmeo\"",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `demo`?"));
        let src =
            with_command("kubectl get secret \"$FULLNAME\" -o jsonpath='{.data.admin-pasword}'");
        let d = one(
            &src,
            &facts(),
            "admin-pasword}",
            "Secret $FULLNAME has no key \"admin-pasword\"",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `admin-password`?"));
        let src = with_command(
            "kubectl get pod \"$POD\" -o jsonpath='{..env[?(@.name==\"APP_DTA\")].value}'",
        );
        let d = one(
            &src,
            &facts(),
            "APP_DTA",
            "no container of $FULLNAME sets env \"APP_DTA\"",
        );
        assert_eq!(d.help.as_deref(), Some("did you mean `APP_DATA`?"));
        let src =
            with_command("helm upgrade \"$RELEASE\" c --set image.tga=1 --set podAnnotations.a=b");
        let d = one(
            &src,
            &facts(),
            "image.tga",
            "\"image.tga\" is not a value of the chart",
        );
        assert!(d.help.unwrap().contains("did you mean `image.tag`?"));
        let src = with_command("kubectl exec \"$POD\" -c demo -- sh -c 'ls /backup/x'");
        let d = one(
            &src,
            &facts(),
            "/backup/x",
            "/backup/x is on no volume of container demo",
        );
        assert!(d.help.unwrap().contains("/data"));
        let src = with_command("kubectl logs -l app=x -c dmeo");
        one(
            &src,
            &facts(),
            "dmeo",
            "no workload of the chart has a container \"dmeo\"",
        );
        // Names that only exist at run time are not checked.
        assert_eq!(
            errors(
                &with_command("kubectl get secret \"$(whoami)\" \"$UNSET\""),
                &facts()
            ),
            vec![]
        );
    }
}
