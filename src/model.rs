//! The view model templates see: the spec plus what gen derives from it
//! (the full list of Makefile targets with their recipes, the documented
//! values block, RBAC kinds, paths). Templates never compute these.

use crate::chartfiles::ChartFiles;
use crate::config::Settings;
use crate::facts::{ChartFacts, Fullname};
use crate::kinds::{self, Id};
use crate::spec::shell::uses_var;
use crate::spec::tools;
use crate::spec::{Group, Guide, RunsIn, Scope, Spec, SpecFile, Trouble};
use crate::text::{make_escape, sh_quote, yaml_quote};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct ChartModel {
    pub spec: Spec,
    /// `specs/<chart>.yaml`
    pub source: String,
    pub rto_human: String,
    pub rpo_human: String,
    pub role_kind: &'static str,
    pub binding_kind: &'static str,
    /// Label selector of the main workload's pods, with `$RELEASE` in it.
    pub selector: String,
    pub workload_resource: &'static str,
    /// The variables commands may use, the standard ones first.
    pub variables: Vec<VarView>,
    pub operations: Vec<OpView>,
    pub groups: Vec<GroupView>,
    pub values_yaml: String,
    pub backup_guide: String,
    pub upgrade_guide: String,
    pub makefile: String,
    /// Where each of the chart's outputs goes (see [`crate::kinds`]).
    #[serde(skip)]
    pub paths: BTreeMap<Id, String>,
    /// Shell prelude of every recipe, escaped for make (see `make_prelude`).
    pub make_env: String,
    pub make_pod: String,
    /// How often each backup component runs, in words, by component id.
    pub frequency: BTreeMap<String, String>,
    /// Shell lines that set the variables, for the guides' "before you start".
    pub env_block: String,
    /// The backup guide as a link from the upgrade guide.
    pub backup_guide_from_upgrade: String,
    /// How gen's RBAC and ServiceAccount templates name their objects.
    pub names: Names,
    /// The Security & RBAC section's sentences on the chart's own Role,
    /// from `rbac.was` (see [`crate::spec::rbac_change::chart_role_sentence`]).
    pub chart_role: Option<String>,
    /// `serviceAccount.automount`'s default: the chart's own values.yaml's
    /// when it sets one, else gen's (true only when the workload calls the
    /// Kubernetes API).
    pub automount: bool,
    /// How the chart's full name (`$FULLNAME`) follows from the release.
    pub fullname: Fullname,
    /// What Helm renders of the chart, for a chart with hand-written
    /// templates (see [`crate::facts`]).
    pub facts: Option<ChartFacts>,
    /// The chart version's Artifact Hub changelog: what gen derives from
    /// the spec plus `upgrade.changes` (see [`crate::spec::share::changes`]).
    pub changes: Vec<crate::spec::ChartChange>,
    /// The workstation tools each guide's commands (and the Makefile's
    /// recipes) run, in [`crate::spec::tools::TOOLS`] order.
    pub backup_tools: Vec<crate::spec::tools::Tool>,
    pub upgrade_tools: Vec<crate::spec::tools::Tool>,
    pub make_tools: Vec<crate::spec::tools::Tool>,
    /// The troubleshooting entries each guide lists.
    pub backup_troubles: Vec<Trouble>,
    pub upgrade_troubles: Vec<Trouble>,
    /// The backup jobs gen renders into the chart, when the spec has `jobs`.
    pub jobs: Option<crate::spec::jobs::JobsView>,
    /// The values gen documents for the jobs (see `spec::jobs::values`).
    pub jobs_values: Vec<crate::spec::ValueDoc>,
    /// The target that writes the configuration export when `backup` does
    /// not; `backup-<chart>` runs it too (see `spec::share::config_backup_target`).
    pub config_backup: Option<String>,
}

/// Go template expressions for the names of gen's ServiceAccount and RBAC
/// objects, built on the helpers the chart's `_helpers.tpl` defines (see
/// [`ChartModel::place`]).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Names {
    /// The helper that gives common labels, e.g. `otel-collector.labels`.
    pub labels: Option<String>,
    pub role: String,
    pub binding: String,
    pub service_account: String,
    /// The full-name helper every fallback is built on.
    pub fullname: String,
    /// Which objects are named by the chart's own helpers
    /// (`<chart>.roleName` and `<chart>.roleBindingName`, or the cluster
    /// ones; `<chart>.serviceAccountName`), so they keep the chart's names.
    pub kept: crate::spec::rbac_change::Kept,
}

/// How gen gives a variable of [`GIVEN_VARIABLES`] its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Given {
    /// A default the guides' "before you start" block exports and make
    /// takes from its command line; `{chart}` in it is the chart's name.
    Default(&'static str),
    /// The chart's full name, from `RELEASE` by the chart's fullname rule.
    Fullname,
    /// Set by the prelude itself ([`env_block`], [`make_prelude`]) after
    /// the defaults: the kubectl client, the pod labels, the pod.
    Prelude,
}

/// A variable gen sets for every chart: every command may use it, and no
/// spec may define it (check `vars.reserved`).
#[derive(Debug, Clone, Copy)]
pub struct GivenVariable {
    pub name: &'static str,
    pub given: Given,
    /// The help the guides and Makefiles print; the full name's comes
    /// from its rule ([`Fullname::describe`]).
    pub help: &'static str,
}

/// The variables gen sets for every chart, the defaults in the order the
/// guides and Makefiles set them. The one list: the view model's
/// variables and the reserved names both come from it.
pub const GIVEN_VARIABLES: &[GivenVariable] = &[
    GivenVariable {
        name: "NAMESPACE",
        given: Given::Default("default"),
        help: "namespace of the release",
    },
    GivenVariable {
        name: "RELEASE",
        given: Given::Default("{chart}"),
        help: "Helm release name",
    },
    GivenVariable {
        name: "FULLNAME",
        given: Given::Fullname,
        help: "",
    },
    GivenVariable {
        name: "BACKUP_DIR",
        given: Given::Default("backups/{chart}"),
        help: "local folder for backup files",
    },
    GivenVariable {
        name: "KUBECTL",
        given: Given::Prelude,
        help: "the kubectl client (default `kubectl`)",
    },
    GivenVariable {
        name: "SELECTOR",
        given: Given::Prelude,
        help: "labels of the main workload's pods",
    },
    GivenVariable {
        name: "POD",
        given: Given::Prelude,
        help: "the first running pod of the main workload",
    },
];

pub use crate::spec::make_call::RELEASE_MARKER;

/// Whether gen sets `name` for every chart, so a spec cannot define it.
pub fn is_given_variable(name: &str) -> bool {
    name == RELEASE_MARKER || GIVEN_VARIABLES.iter().any(|g| g.name == name)
}

impl GivenVariable {
    /// The variable as the guides and Makefiles set it before the spec's
    /// own; `None` for one the prelude sets itself.
    fn view(&self, chart: &str, fullname: &Fullname) -> Option<VarView> {
        match self.given {
            Given::Default(default) => Some(VarView::plain(
                self.name,
                default.replace("{chart}", chart),
                self.help,
            )),
            Given::Fullname => Some(VarView {
                name: self.name.into(),
                default: fullname.of(chart),
                help: fullname.describe(),
                assign: Some((fullname.shell(), fullname.shell_lines())),
            }),
            Given::Prelude => None,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct VarView {
    pub name: String,
    pub default: String,
    pub help: String,
    /// Shell that sets the variable when it is not a plain default
    /// (`FULLNAME` follows from `RELEASE`): one line for make, and lines
    /// short enough for the guides.
    pub assign: Option<(String, String)>,
}

impl VarView {
    fn plain(name: &str, default: String, help: &str) -> VarView {
        VarView {
            name: name.into(),
            default,
            help: help.into(),
            assign: None,
        }
    }

    /// The shell that sets it.
    fn shell(&self) -> String {
        self.assign
            .as_ref()
            .map(|(line, _)| line.clone())
            .unwrap_or_else(|| format!("{}={}", self.name, sh_word(&self.default)))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct OpView {
    pub target: String,
    /// `<chart>-<target>`, the name in the root Makefile.
    pub full_target: String,
    pub group: Group,
    pub help: String,
    /// The command as an operator would type it (after `runs_in` wrapping).
    pub command: String,
    /// The recipe lines for make, each starting with a tab.
    pub recipe: String,
    pub shared: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct GroupView {
    pub name: Group,
    pub operations: Vec<OpView>,
}

/// The view model of a spec without chart facts.
pub fn chart_model(file: &SpecFile) -> ChartModel {
    chart_model_with(file, None)
}

/// The view model of a spec, with its chart's facts when it has them.
pub fn chart_model_with(file: &SpecFile, facts: Option<&ChartFacts>) -> ChartModel {
    let s = &file.spec;
    let fullname = facts.map_or_else(|| Fullname::usual(&s.name), |f| f.fullname.clone());
    let mut selector = format!(
        "app.kubernetes.io/name={},app.kubernetes.io/instance=$RELEASE",
        s.name
    );
    for (k, v) in &s.workload.selector {
        selector.push_str(&format!(",{k}={v}"));
    }
    let mut variables: Vec<VarView> = GIVEN_VARIABLES
        .iter()
        .filter_map(|g| g.view(&s.name, &fullname))
        .collect();
    variables.extend(
        s.variables
            .iter()
            .map(|v| VarView::plain(&v.name, v.default.clone(), &v.help)),
    );

    let mut operations: Vec<OpView> = shared_operations(s)
        .into_iter()
        .map(|(target, group, help, command)| {
            op_view(
                s,
                &variables,
                target,
                group,
                help,
                command,
                RunsIn::Local,
                true,
            )
        })
        .collect();
    for op in &s.operations {
        operations.push(op_view(
            s,
            &variables,
            op.target.clone(),
            op.group,
            op.help.clone(),
            op.run.clone(),
            op.runs_in,
            false,
        ));
    }
    operations.sort_by(|a, b| (a.group, &a.target).cmp(&(b.group, &b.target)));
    let mut groups: Vec<GroupView> = Vec::new();
    for op in &operations {
        match groups.last_mut() {
            Some(g) if g.name == op.group => g.operations.push(op.clone()),
            _ => groups.push(GroupView {
                name: op.group,
                operations: vec![op.clone()],
            }),
        }
    }

    let env_block = env_block(&variables, &selector);
    let (make_env, make_pod) = make_prelude(s, &selector, &variables);
    let (role_kind, binding_kind) = (s.rbac.scope.role_kind(), s.rbac.scope.binding_kind());
    let mut m = ChartModel {
        source: file.rel.clone(),
        rto_human: s.objectives.rto.human(),
        rpo_human: s.objectives.rpo.human(),
        role_kind,
        binding_kind,
        workload_resource: s.workload.kind.resource(),
        selector,
        variables,
        operations,
        groups,
        values_yaml: values_yaml(s),
        backup_guide: String::new(),
        upgrade_guide: String::new(),
        makefile: String::new(),
        paths: BTreeMap::new(),
        backup_guide_from_upgrade: String::new(),
        names: Names::default(),
        chart_role: crate::spec::rbac_change::chart_role_sentence(s, Default::default()),
        automount: !s.rbac.rules.is_empty(),
        frequency: s
            .backup
            .components
            .iter()
            .map(|c| (c.id.clone(), frequency(c)))
            .collect(),
        env_block,
        make_env,
        make_pod,
        fullname,
        facts: facts.cloned(),
        changes: crate::spec::share::changes_with(
            s,
            facts
                .and_then(|f| crate::facts::check::chart_role(s, &f.rbac.roles))
                .as_deref(),
        ),
        backup_tools: Vec::new(),
        upgrade_tools: Vec::new(),
        make_tools: Vec::new(),
        backup_troubles: troubles(s, Guide::Backup),
        upgrade_troubles: troubles(s, Guide::Upgrade),
        jobs: crate::spec::jobs::view(s),
        jobs_values: crate::spec::jobs::values(s),
        config_backup: crate::spec::share::config_backup_target(s).map(str::to_string),
        spec: s.clone(),
    };
    m.place_files(&Settings::default());
    let listed = |guide| tools::listed(m.workstation_programs(guide).keys().map(String::as_str));
    (m.backup_tools, m.upgrade_tools, m.make_tools) = (
        listed(Some(Guide::Backup)),
        listed(Some(Guide::Upgrade)),
        listed(None),
    );
    m
}

impl ChartModel {
    /// The programs a guide's commands run on the workstation (the
    /// Makefile's recipes for `None`), each with its first use; the
    /// recipes of the chart's targets it calls included.
    pub fn workstation_programs(&self, guide: Option<Guide>) -> BTreeMap<String, tools::Use> {
        let s = &self.spec;
        let recipes: BTreeMap<String, String> = self
            .operations
            .iter()
            .map(|o| (o.full_target.clone(), o.command.clone()))
            .collect();
        let mut texts: Vec<(String, String)> = Vec::new();
        match guide {
            Some(g) => {
                texts.push(("guide prelude".into(), self.env_block.clone()));
                let prefix: &[&str] = match g {
                    Guide::Backup => &["backup.", "restore["],
                    Guide::Upgrade => &["upgrade."],
                };
                for (path, step) in crate::spec::validate::all_steps(s) {
                    if let Some(run) = step.run.as_ref().filter(|_| {
                        prefix.iter().any(|p| path.starts_with(p))
                            && matches!(step.lang.as_deref(), None | Some("bash" | "sh"))
                    }) {
                        texts.push((format!("{path}.run"), run.clone()));
                    }
                }
                for (i, t) in s.troubleshooting.iter().enumerate() {
                    if let Some(run) = t.run.as_ref().filter(|_| t.guide.is_none_or(|x| x == g)) {
                        texts.push((format!("troubleshooting[{i}].run"), run.clone()));
                    }
                }
            }
            None => {
                // Every recipe starts with the prelude, which finds the pod.
                texts.push(("make prelude".into(), "kubectl get pod\nmake".into()));
                for op in &self.operations {
                    // A spec's own local operation is its `run` as written.
                    let own = s.operations.iter().position(|o| {
                        !op.shared && o.target == op.target && o.runs_in == RunsIn::Local
                    });
                    let path = own.map_or_else(
                        || format!("make {}", op.full_target),
                        |i| format!("operations[{i}].run"),
                    );
                    texts.push((path, op.command.clone()));
                }
            }
        }
        tools::collect(&texts, &recipes)
    }

    /// Where output `id` of this chart goes.
    pub fn path(&self, id: Id) -> &str {
        &self.paths[&id]
    }

    /// Every output path, from the table of output kinds and `settings`.
    fn place_files(&mut self, settings: &Settings) {
        let name = &self.spec.name;
        self.paths = kinds::CHART
            .iter()
            .map(|k| (k.id, k.path(name, settings)))
            .collect();
        self.backup_guide = self.path(Id::BackupGuide).to_string();
        self.upgrade_guide = self.path(Id::UpgradeGuide).to_string();
        self.makefile = self.path(Id::ChartMakefile).to_string();
        self.backup_guide_from_upgrade = relative_link(&self.upgrade_guide, &self.backup_guide);
    }

    /// Puts the model where the project's settings and the chart's files
    /// say: output paths from gen.toml's `[paths]`, object names from the
    /// helpers of the chart's `_helpers.tpl` (gen scaffolds one with
    /// `<chart>.*` helpers when there is none).
    pub fn place(&mut self, settings: &Settings, facts: Option<&ChartFiles>) {
        let name = self.spec.name.clone();
        self.place_files(settings);
        self.names = names(&name, self.spec.rbac.scope, facts);
        let was = crate::spec::rbac_change::was_names(&self.spec);
        let kept = kept_names(&self.names, was.as_ref());
        self.chart_role = crate::spec::rbac_change::chart_role_sentence(&self.spec, kept);
        self.automount = facts
            .and_then(|f| f.automount)
            .unwrap_or(!self.spec.rbac.rules.is_empty());
    }
}

/// The object names gen's templates use: the chart's `roleName`-style
/// helpers where `_helpers.tpl` defines them, else expressions on its
/// full-name helper.
pub fn names(chart: &str, scope: Scope, facts: Option<&ChartFiles>) -> Names {
    let scaffolded = facts.is_none_or(|f| !f.has_helpers);
    let prefix = facts
        .and_then(|f| f.prefix(chart))
        .unwrap_or(chart)
        .to_string();
    let has = |helper: &str| scaffolded || facts.is_some_and(|f| f.defines(helper));
    let fullname = format!("{prefix}.fullname");
    let include = |helper: &str| format!("{{{{ include \"{helper}\" . }}}}");
    let cluster_default = format!(
        "{{{{ printf \"%s-%s\" .Release.Namespace (include \"{fullname}\" .) | trunc 63 | trimSuffix \"-\" }}}}"
    );
    let pick = |helper: String, fallback: &str| {
        if !scaffolded && facts.is_some_and(|f| f.defines(&helper)) {
            include(&helper)
        } else {
            fallback.to_string()
        }
    };
    let (role_helper, binding_helper) = match scope {
        Scope::Namespace => ("roleName", "roleBindingName"),
        Scope::Cluster => ("clusterRoleName", "clusterRoleBindingName"),
    };
    let (role_helper, binding_helper) = (
        format!("{prefix}.{role_helper}"),
        format!("{prefix}.{binding_helper}"),
    );
    let chart_defines = |h: &str| !scaffolded && facts.is_some_and(|f| f.defines(h));
    let kept = crate::spec::rbac_change::Kept {
        role: chart_defines(&role_helper) && chart_defines(&binding_helper),
        service_account: chart_defines(&format!("{prefix}.serviceAccountName")),
    };
    let fallback = match scope {
        Scope::Namespace => include(&fullname),
        Scope::Cluster => cluster_default,
    };
    let (role, binding) = (
        pick(role_helper, &fallback),
        pick(binding_helper, &fallback),
    );
    let sa_helper = format!("{prefix}.serviceAccountName");
    let service_account = if has(&sa_helper) {
        include(&sa_helper)
    } else {
        format!(
            "{{{{ if .Values.serviceAccount.create }}}}{{{{ default (include \"{fullname}\" .) .Values.serviceAccount.name }}}}{{{{ else }}}}{{{{ default \"default\" .Values.serviceAccount.name }}}}{{{{ end }}}}"
        )
    };
    let labels = format!("{prefix}.labels");
    Names {
        labels: has(&labels).then_some(labels),
        role,
        binding,
        service_account,
        fullname,
        kept,
    }
}

/// Which of the chart's own RBAC names (`rbac.was_names`) gen's objects
/// keep: those the chart's helpers name, and those that are the plain
/// full name, which gen's fallbacks give a Role, RoleBinding and
/// ServiceAccount in the namespace.
fn kept_names(
    names: &Names,
    was: Option<&crate::spec::rbac_change::WasNames>,
) -> crate::spec::rbac_change::Kept {
    let mut kept = names.kept;
    if let Some(n) = was {
        let plain = |x: &str| x == "$FULLNAME";
        let full = format!("{{{{ include \"{}\" . }}}}", names.fullname);
        kept.role |=
            names.role == full && names.binding == full && plain(&n.role) && plain(&n.binding);
        kept.service_account |= n.service_account.as_deref().is_some_and(plain);
    }
    kept
}

/// A relative Markdown link from the file `from` to the file `to`, both
/// repository paths.
pub fn relative_link(from: &str, to: &str) -> String {
    let from: Vec<&str> = from.split('/').collect();
    let to: Vec<&str> = to.split('/').collect();
    let dirs = &from[..from.len() - 1];
    let common = dirs.iter().zip(&to).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<&str> = vec![".."; dirs.len() - common];
    parts.extend(&to[common..]);
    parts.join("/")
}

/// The troubleshooting entries of `guide`: its own and those for both.
fn troubles(s: &Spec, guide: Guide) -> Vec<Trouble> {
    s.troubleshooting
        .iter()
        .filter(|t| t.guide.is_none_or(|g| g == guide))
        .cloned()
        .collect()
}

/// `export NAME=default  # help` lines, the release they were derived
/// for ([`RELEASE_MARKER`]), then how to find `$POD`.
fn env_block(vars: &[VarView], selector: &str) -> String {
    let mut out = String::new();
    for v in vars {
        let help =
            crate::text::wrap(&crate::text::one_line(&v.help), 78, "# ", 2).replace("\n  ", "\n# ");
        match &v.assign {
            Some((_, lines)) => out.push_str(&format!("{help}\n{lines}\nexport {}\n", v.name)),
            None => out.push_str(&format!(
                "{help}\nexport {}={}\n",
                v.name,
                sh_word(&v.default)
            )),
        }
    }
    out.push_str(&format!(
        "# Release the values above are for: make stops if RELEASE differs\n\
         export {RELEASE_MARKER}=\"$RELEASE\"\n"
    ));
    out.push_str("# Labels of the workload's pods, and the first running one:\n");
    let mut parts = selector.split(',');
    out.push_str(&format!(
        "export SELECTOR=\"{}\"\n",
        parts.next().unwrap_or_default()
    ));
    for p in parts {
        out.push_str(&format!("SELECTOR=\"$SELECTOR,{p}\"\n"));
    }
    // Assigned, then exported: `export POD="$(...)"` would hide a failing kubectl.
    out.push_str("POD=\"$(kubectl -n \"$NAMESPACE\" get pod -l \"$SELECTOR\" \\\n");
    out.push_str("  --field-selector=status.phase=Running \\\n");
    out.push_str("  -o jsonpath='{.items[0].metadata.name}')\"\n");
    out.push_str("export POD\n");
    out.push_str("mkdir -p \"$BACKUP_DIR\"\n");
    out
}

/// A default value as one shell word. A leading `~/` stays unquoted so the
/// shell expands it to the operator's home; a default that refers to other
/// variables (`$NAMESPACE`, `${RELEASE}-db`) is double-quoted so they expand.
/// Anything else is single-quoted, literal.
pub fn sh_word(v: &str) -> String {
    let safe = |t: &str| {
        t.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:@%+=,".contains(&b))
    };
    match v.strip_prefix("~/") {
        Some(rest) if safe(rest) => v.to_string(),
        _ if !v.is_empty() && safe(v) => v.to_string(),
        _ if is_var_reference_text(v) => format!("\"{v}\""),
        _ => sh_quote(v),
    }
}

/// Text whose only shell syntax is `$NAME` / `${NAME}` references.
pub fn is_var_reference_text(v: &str) -> bool {
    v.contains('$')
        && !v.contains(['"', '\\', '`', '\'', '!'])
        && !v.contains("$(")
        && v.match_indices('$').all(|(i, _)| {
            let rest = &v[i + 1..];
            let name = rest.strip_prefix('{').unwrap_or(rest);
            let n = name
                .bytes()
                .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_')
                .count();
            n > 0 && (!rest.starts_with('{') || name[n..].starts_with('}'))
        })
}

fn frequency(c: &crate::spec::Component) -> String {
    use crate::spec::Method;
    match c.method {
        Method::Continuous => match c.interval {
            Some(iv) => format!("continuous, at most {} between increments", iv.human()),
            None => "continuous".into(),
        },
        Method::Scheduled => match &c.schedule {
            Some(cron) => match crate::spec::cron::max_gap_secs(cron) {
                Ok(gap) => format!(
                    "scheduled `{cron}` (at most {} apart)",
                    crate::spec::Duration::from_secs(gap).human()
                ),
                Err(_) => format!("scheduled `{cron}`"),
            },
            None => "scheduled".into(),
        },
        Method::OnChange => "on every change".into(),
    }
}

/// The targets every chart gets: (target, group, help, command).
/// The Makefile targets gen adds to the chart of `s` (a spec's own
/// operation cannot take one of these names).
pub fn shared_targets(s: &Spec) -> Vec<String> {
    shared_operations(s).into_iter().map(|(t, ..)| t).collect()
}

/// Every target of the chart's generated Makefile, without the chart's
/// prefix, with the command its recipe runs after the prelude: the
/// shared ones, then the spec's operations.
pub fn make_targets(s: &Spec) -> Vec<(String, String)> {
    let shared = shared_operations(s).into_iter().map(|(t, .., c)| (t, c));
    let own = s
        .operations
        .iter()
        .map(|o| (o.target.clone(), o.run.clone()));
    shared.chain(own).collect()
}

fn shared_operations(s: &Spec) -> Vec<(String, Group, String, String)> {
    let c = &s.workload.container;
    let chart = &s.name;
    // The kinds the release may run its workload as: kubectl restarts
    // those of them the selector matches.
    let mut kinds = vec![s.workload.kind.resource()];
    for k in &s.workload.other_kinds {
        if !kinds.contains(&k.resource()) {
            kinds.push(k.resource());
        }
    }
    let (kind, kinds) = (kinds.join(" or "), kinds.join(","));
    let shell = s.workload.shell.as_deref().unwrap_or("sh");
    let mut ops = vec![
        ("status", Group::Diagnostics, "Show the release's pods, services, volumes and config".to_string(),
         "kubectl -n \"$NAMESPACE\" get all,pvc,configmap \\\n  -l \"app.kubernetes.io/instance=$RELEASE\"".to_string()),
        ("logs", Group::Diagnostics, format!("Show the last 200 log lines of the {c} container"),
         format!("kubectl -n \"$NAMESPACE\" logs \"$POD\" -c {c} --tail=200 --timestamps")),
        ("shell", Group::Diagnostics, format!("Open an interactive shell in the {c} container"),
         format!("kubectl -n \"$NAMESPACE\" exec -it \"$POD\" -c {c} -- {shell}")),
        ("restart", Group::Maintenance, format!("Rolling restart of the {kind}"),
         format!("kubectl -n \"$NAMESPACE\" rollout restart {kinds} \\\n  -l \"app.kubernetes.io/name={chart},app.kubernetes.io/instance=$RELEASE\"")),
        ("describe", Group::Diagnostics, "Describe the workload's pods (state, probes, events)".to_string(),
         "kubectl -n \"$NAMESPACE\" describe pod -l \"$SELECTOR\"".to_string()),
        ("events", Group::Diagnostics, "Show recent events of the main pod".to_string(),
         "kubectl -n \"$NAMESPACE\" get events --sort-by=.lastTimestamp \\\n  --field-selector \"involvedObject.name=$POD\"".to_string()),
        ("top", Group::Diagnostics, "Show CPU and memory use per container".to_string(),
         "kubectl -n \"$NAMESPACE\" top pod -l \"$SELECTOR\" --containers".to_string()),
        ("rbac-check", Group::Diagnostics, "List what the workload's ServiceAccount may do".to_string(),
         "SA=$(kubectl -n \"$NAMESPACE\" get pod \"$POD\" \\\n  -o jsonpath='{.spec.serviceAccountName}')\nkubectl auth can-i --list -n \"$NAMESPACE\" \\\n  --as=\"system:serviceaccount:$NAMESPACE:$SA\"".to_string()),
        ("helm-lint", Group::Helm, "Lint the chart".to_string(), format!("helm lint charts/{chart}")),
        ("helm-template", Group::Helm, "Render the chart's manifests locally".to_string(),
         format!("helm template \"$RELEASE\" charts/{chart} -n \"$NAMESPACE\"")),
        ("helm-status", Group::Helm, "Show the release status".to_string(), "helm status \"$RELEASE\" -n \"$NAMESPACE\"".to_string()),
        ("helm-history", Group::Helm, "Show the release's revisions".to_string(), "helm history \"$RELEASE\" -n \"$NAMESPACE\"".to_string()),
        ("helm-values", Group::Helm, "Show the values the release runs with".to_string(),
         "helm get values \"$RELEASE\" -n \"$NAMESPACE\" --all".to_string()),
        ("helm-rollback", Group::Helm, "Roll back to REVISION (see helm-history)".to_string(),
         format!("helm rollback \"$RELEASE\" \\\n  \"${{REVISION:?set REVISION, see make {chart}-helm-history}}\" \\\n  -n \"$NAMESPACE\" --wait")),
    ];
    if let Some(j) = crate::spec::jobs::view(s) {
        ops.push((
            "backup-jobs",
            Group::Backup,
            "Run the backup CronJobs now and wait for them (skips those not rendered)".to_string(),
            crate::spec::jobs::run_now_script(&j),
        ));
    }
    if let Some(port) = s.workload.port {
        ops.push(("port-forward", Group::Diagnostics, format!("Forward localhost:{port} to the {c} container"),
            format!("kubectl -n \"$NAMESPACE\" port-forward \"$POD\" \\\n  \"${{LOCAL_PORT:-{port}}}:{port}\"")));
    }
    ops.into_iter()
        .map(|(t, g, h, c)| (t.to_string(), g, h, c))
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn op_view(
    s: &Spec,
    vars: &[VarView],
    target: String,
    group: Group,
    help: String,
    run: String,
    runs_in: RunsIn,
    shared: bool,
) -> OpView {
    let run = run.trim_end().to_string();
    let command = match runs_in {
        RunsIn::Local => run,
        RunsIn::Pod => {
            // Local variables do not exist in the pod: pass the ones used.
            let env: Vec<String> = vars
                .iter()
                .filter(|v| uses_var(&run, &v.name))
                .map(|v| format!("{0}=\"${0}\"", v.name))
                .collect();
            let env = if env.is_empty() {
                String::new()
            } else {
                format!("env {} ", env.join(" "))
            };
            format!(
                "kubectl -n \"$NAMESPACE\" exec -i \"$POD\" -c {} -- \\\n  {env}sh -c {}",
                s.workload.container,
                sh_quote(&run)
            )
        }
    };
    let recipe = recipe(&s.name, &command);
    OpView {
        full_target: format!("{}-{target}", s.name),
        target,
        group,
        help,
        command,
        recipe,
        shared,
    }
}

/// Make variables holding the shell prelude every recipe of a chart starts
/// with: `<chart>_env` sets the variables (each overridable from the make
/// command line or the environment) and defines `kubectl` as `$KUBECTL`;
/// `<chart>_pod` finds `$POD`. Both are already escaped for make.
fn make_prelude(s: &Spec, selector: &str, vars: &[VarView]) -> (String, String) {
    let mut env = String::from(
        "set -eu; KUBECTL=\"${KUBECTL:-kubectl}\"; kubectl() { command $KUBECTL \"$@\"; };",
    );
    for v in vars {
        env.push_str(&format!(
            " [ -n \"${{{0}:-}}\" ] || {1};",
            v.name,
            v.shell()
        ));
    }
    env.push_str(&stale_block_guard(s));
    // Exported as in the guides' "before you start" block, where recipes
    // that do not look for a pod would leave it unused.
    env.push_str(&format!(" export SELECTOR=\"{selector}\";"));
    let pod = format!(
        "POD=$(kubectl -n \"$NAMESPACE\" get pod -l \"$SELECTOR\" --field-selector=status.phase=Running -o jsonpath='{{.items[0].metadata.name}}'); \
         [ -n \"$POD\" ] || {{ echo \"no running {} pod for release $RELEASE in namespace $NAMESPACE\" >&2; exit 1; }};",
        s.name
    );
    (make_escape(&env), make_escape(&pod))
}

/// The prelude's stop for a call of another release than the one the
/// guide's block derived its values for ([`RELEASE_MARKER`]): one line
/// that says so and what to do, before any command.
fn stale_block_guard(s: &Spec) -> String {
    let m = RELEASE_MARKER;
    let derived = crate::spec::make_call::release_derived(s);
    let blanks: Vec<String> = derived
        .iter()
        .map(String::as_str)
        .chain([m])
        .map(|n| format!("{n}="))
        .collect();
    format!(
        " [ -z \"${{{m}:-}}\" ] || [ \"${m}\" = \"$RELEASE\" ] || {{ echo \"{chart}: the guide's \
         block derived {names} for release ${m}, not $RELEASE: run it again with \
         RELEASE=$RELEASE, or pass {blanks} to make\" >&2; exit 1; }};",
        chart = s.name,
        names = derived.join(", "),
        blanks = blanks.join(" "),
    )
}

/// The make recipe for `command`, after the chart's prelude. A command whose
/// lines all end in a backslash continues across recipe lines as it is;
/// any other multi-line command goes through `printf %b` and `eval`, because
/// make would run its lines in separate shells.
fn recipe(chart: &str, command: &str) -> String {
    let pod = if uses_var(command, "POD") {
        format!(" $({chart}_pod)")
    } else {
        String::new()
    };
    let lines: Vec<&str> = command.lines().collect();
    let continued = lines.len() > 1 && lines[..lines.len() - 1].iter().all(|l| l.ends_with('\\'));
    let body = if lines.len() <= 1 || continued {
        make_escape(command).replace('\n', "\n\t")
    } else {
        let encoded = command.replace('\\', "\\\\").replace('\n', "\\n");
        make_escape(&format!("eval \"$(printf '%b' {})\"", sh_quote(&encoded)))
    };
    format!("\t@$({chart}_env){pod} {body}")
}

/// The documented values block for values.yaml, in helm-docs style.
fn values_yaml(s: &Spec) -> String {
    let mut out = String::new();
    // gen's own keys (rbac, serviceAccount): one level deep, scalars or {}.
    let mut parent = String::new();
    for v in crate::spec::rbac_values(s) {
        let (p, leaf) = v.key.split_once('.').expect("gen's keys are dotted");
        if p != parent {
            out.push_str(&format!("{p}:\n"));
            parent = p.to_string();
        }
        out.push_str(&format!(
            "  # -- {}\n  {leaf}: {}\n",
            v.description, v.default
        ));
    }
    // Spec values, nested by their dotted keys, in spec order.
    // Sorting by parent path keeps each YAML mapping contiguous.
    let documented = crate::spec::jobs::documented_values(s);
    let mut values: Vec<_> = documented.iter().collect();
    values.sort_by_key(|v| {
        v.key
            .rsplit_once('.')
            .map(|(p, _)| p.split('.').collect::<Vec<_>>())
    });
    let mut open: Vec<String> = Vec::new();
    for v in values {
        let parts: Vec<&str> = v.key.split('.').collect();
        let (parents, leaf) = parts.split_at(parts.len() - 1);
        let common = open
            .iter()
            .zip(parents)
            .take_while(|(a, b)| a == *b)
            .count();
        open.truncate(common);
        for (depth, p) in parents.iter().enumerate().skip(common) {
            out.push_str(&format!("{}{p}:\n", "  ".repeat(depth)));
            open.push(p.to_string());
        }
        let pad = "  ".repeat(parents.len());
        out.push_str(&format!(
            "{pad}# -- {}\n",
            crate::text::one_line(&v.description)
        ));
        out.push_str(&format!("{pad}{}: {}\n", leaf[0], yaml_value(&v.default)));
    }
    out
}

fn yaml_value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => yaml_quote(s),
        other => serde_json::to_string(other).expect("json values serialize"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::path::Path;

    /// The upper-case names `text` assigns (`NAME=`) or exports.
    fn assigned(text: &str) -> BTreeSet<String> {
        let mut out = BTreeSet::new();
        for (i, _) in text.match_indices(|c: char| c.is_ascii_uppercase()) {
            let before = text[..i].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || c == '{')
            {
                continue;
            }
            let rest = &text[i..];
            let n = rest
                .bytes()
                .take_while(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || *b == b'_')
                .count();
            let exported = text[..i].ends_with("export ");
            if rest[n..].starts_with('=') || exported {
                out.insert(rest[..n].to_string());
            }
        }
        out
    }

    /// Every variable the guides' prelude and the Makefile's set, other
    /// than the spec's own, is in the one table, and so reserved; and every
    /// name in the table is set by both.
    #[test]
    fn every_variable_gen_sets_is_reserved() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut charts: Vec<String> = std::fs::read_dir(root.join("specs"))
            .unwrap()
            .filter_map(|e| {
                e.unwrap()
                    .file_name()
                    .to_str()?
                    .strip_suffix(".yaml")
                    .map(String::from)
            })
            .collect();
        charts.sort();
        assert!(charts.len() > 10, "{charts:?}");
        for chart in charts {
            let rel = format!("specs/{chart}.yaml");
            let bytes = std::fs::read(root.join(&rel)).unwrap();
            let file = crate::spec::parse_at(root, &rel, &bytes).unwrap();
            let m = chart_model(&file);
            let own: BTreeSet<String> =
                file.spec.variables.iter().map(|v| v.name.clone()).collect();
            let mut given: BTreeSet<String> =
                GIVEN_VARIABLES.iter().map(|g| g.name.to_string()).collect();
            given.insert(RELEASE_MARKER.to_string());
            for (what, text) in [
                ("guide prelude", &m.env_block),
                ("make prelude", &format!("{}{}", m.make_env, m.make_pod)),
            ] {
                let set: BTreeSet<String> = assigned(text).difference(&own).cloned().collect();
                let unreserved: Vec<_> = set.difference(&given).collect();
                assert!(
                    unreserved.is_empty(),
                    "{chart}: the {what} sets {unreserved:?}, not in GIVEN_VARIABLES:\n{text}"
                );
                // KUBECTL is the make prelude's alone: the guides call kubectl.
                // The marker is the guide's: the make prelude reads it.
                let unset: Vec<_> = given
                    .difference(&set)
                    .filter(|n| !(what == "guide prelude" && *n == "KUBECTL"))
                    .filter(|n| !(what == "make prelude" && *n == RELEASE_MARKER))
                    .collect();
                assert!(
                    unset.is_empty(),
                    "{chart}: the {what} does not set {unset:?}:\n{text}"
                );
            }
            for g in GIVEN_VARIABLES {
                assert!(is_given_variable(g.name));
            }
            assert!(is_given_variable(RELEASE_MARKER));
            assert!(!is_given_variable("CHART") && !own.iter().any(|v| is_given_variable(v)));
        }
    }

    /// docs/spec-format.md lists every variable gen sets for every chart.
    #[test]
    fn spec_format_lists_the_given_variables() {
        let doc = include_str!("../docs/spec-format.md");
        let start = doc
            .find("They may use these variables:")
            .expect("the variables list");
        let list = &doc[start..start + doc[start..].find("\n- ").expect("its end")];
        for g in GIVEN_VARIABLES {
            assert!(
                list.contains(&format!("- `${}`", g.name)),
                "docs/spec-format.md does not list `${}`:\n{list}",
                g.name
            );
        }
    }

    #[test]
    fn shell_words() {
        assert_eq!(sh_word("busybox:1.36"), "busybox:1.36");
        assert_eq!(sh_word("~/.config/age/key.txt"), "~/.config/age/key.txt");
        assert_eq!(sh_word("a b"), "'a b'");
        assert_eq!(sh_word("~user/x"), "'~user/x'");
        assert_eq!(sh_word(""), "''");
        assert_eq!(sh_word("$NAMESPACE"), "\"$NAMESPACE\"");
        assert_eq!(sh_word("${RELEASE}-db"), "\"${RELEASE}-db\"");
        assert_eq!(sh_word("$(id)"), "'$(id)'");
        assert_eq!(sh_word("${X:-y}"), "'${X:-y}'");
        assert_eq!(sh_word("a $b \"c\""), "'a $b \"c\"'");
    }

    #[test]
    fn finds_variable_uses() {
        assert!(uses_var("echo $POD", "POD"));
        assert!(uses_var("echo \"${POD}\"", "POD"));
        assert!(uses_var("echo ${PGUSER:-x}", "PGUSER"));
        assert!(!uses_var("echo $PODS", "POD"));
        assert!(!uses_var("echo POD", "POD"));
    }
}
