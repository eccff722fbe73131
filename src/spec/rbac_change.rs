//! The changelog note for a chart version that replaces the chart's own
//! Role with the spec's least-privilege rules: which access the Role
//! keeps, gains and loses, derived from the Role the chart rendered before
//! and the spec's `rbac.rules`.
//!
//! The previous Role comes from the chart's facts while the chart still
//! renders its own (before `gen adopt` takes its RBAC templates over), else
//! from the entry's `was:` (the same rules, recorded in the spec so that a
//! build without facts, or after adoption, writes the same note; the facts
//! check `facts.rbac-was` keeps the record true). With neither, the note
//! says what the Role grants now.
//!
//! The same record, under `rbac.was` with the names of the chart's Role
//! and binding (`rbac.was_names`), gives the README's Security & RBAC
//! section its sentence on the chart's own Role: what it granted, which
//! of it gen keeps, adds and drops, and what read access to Secrets
//! exposed ([`chart_role_sentence`]).

use super::types::{Rule, Scope, Spec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One rule of the Role the previous chart version rendered.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PastRule {
    /// API groups; left out, the core group (""), e.g. `[apps]` or
    /// `[extensions]`: `replicasets` in `apps` is not `replicasets` in
    /// `extensions`.
    #[serde(default = "core_group", skip_serializing_if = "is_core")]
    pub api_groups: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    /// Paths of the API server that are no resources, e.g. `[/metrics]`
    /// (a rule of their own, without `resources`; gen's rules have none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub non_resource_urls: Vec<String>,
    pub verbs: Vec<String>,
}

fn core_group() -> Vec<String> {
    vec![String::new()]
}

fn is_core(groups: &[String]) -> bool {
    groups == core_group()
}

/// A resource as the sentences and the comparison name it: `pods` in the
/// core group, `replicasets.apps` (kubectl's form) in another.
pub fn qualified(group: &str, resource: &str) -> String {
    if group.is_empty() {
        resource.to_string()
    } else {
        format!("{resource}.{group}")
    }
}

/// The names gen writes for the chart's own RBAC objects when `rbac.was`
/// names none (`rbac.was_names` left out): those most charts of the
/// collection give them, checked against the chart like written ones.
pub fn default_was_names(scope: Scope) -> WasNames {
    let (role, binding) = match scope {
        Scope::Namespace => ("$FULLNAME-role", "$FULLNAME-rolebinding"),
        Scope::Cluster => ("$FULLNAME-clusterrole", "$FULLNAME-clusterrolebinding"),
    };
    WasNames {
        role: role.into(),
        binding: binding.into(),
        service_account: None,
    }
}

/// The names of the chart's own Role and binding: `rbac.was_names`, else
/// [`default_was_names`]; `None` without `rbac.was`.
pub fn was_names(s: &Spec) -> Option<WasNames> {
    if s.rbac.was.is_empty() {
        return None;
    }
    Some(
        s.rbac
            .was_names
            .clone()
            .unwrap_or_else(|| default_was_names(s.rbac.scope)),
    )
}

/// The names of the RBAC objects the chart rendered of its own, as the
/// spec writes names (`$FULLNAME-role`, `$RELEASE-x`).
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct WasNames {
    /// The Role (or ClusterRole), e.g. `$FULLNAME-role`.
    pub role: String,
    /// The RoleBinding (or ClusterRoleBinding) that binds it.
    pub binding: String,
    /// The ServiceAccount it binds, where the spec names it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
}

/// Each resource with its verbs, in the order the rules name them.
type Grants = Vec<(String, Vec<String>)>;

/// A rule as the grants read it: its API groups, resources, non-resource
/// URLs and verbs.
type RuleRef<'a> = (&'a [String], &'a [String], &'a [String], &'a [String]);

fn grants<'a>(rules: impl Iterator<Item = RuleRef<'a>>) -> Grants {
    let mut out: Grants = Vec::new();
    for (groups, resources, urls, verbs) in rules {
        let names = resources
            .iter()
            .flat_map(|r| groups.iter().map(move |g| qualified(g, r)))
            .chain(urls.iter().cloned());
        for r in names {
            let i = match out.iter().position(|(x, _)| *x == r) {
                Some(i) => i,
                None => {
                    out.push((r, Vec::new()));
                    out.len() - 1
                }
            };
            for v in verbs {
                if !out[i].1.contains(v) {
                    out[i].1.push(v.clone());
                }
            }
        }
    }
    out
}

fn past(rules: &[PastRule]) -> Grants {
    grants(rules.iter().map(|r| {
        (
            &r.api_groups[..],
            &r.resources[..],
            &r.non_resource_urls[..],
            &r.verbs[..],
        )
    }))
}

fn now(rules: &[Rule]) -> Grants {
    grants(
        rules
            .iter()
            .map(|r| (&r.api_groups[..], &r.resources[..], &[][..], &r.verbs[..])),
    )
}

/// The same access, whatever the order of rules, resources and verbs.
pub fn same(a: &[PastRule], b: &[PastRule]) -> bool {
    let norm = |g: Grants| {
        let mut g: Vec<(String, Vec<String>)> = g
            .into_iter()
            .map(|(r, mut v)| {
                v.sort();
                (r, v)
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
        g.sort();
        g
    };
    norm(past(a)) == norm(past(b))
}

/// The spec's rules as past rules, to compare with the chart's.
pub fn of_spec(s: &Spec) -> Vec<PastRule> {
    s.rbac
        .rules
        .iter()
        .map(|r| PastRule {
            api_groups: r.api_groups.clone(),
            resources: r.resources.clone(),
            non_resource_urls: Vec::new(),
            verbs: r.verbs.clone(),
        })
        .collect()
}

/// A Role's rules as `helm template` renders them (`apiGroups`,
/// `resources`, `nonResourceURLs`, `verbs`; a rule without `apiGroups` is
/// in the core group).
pub fn from_rendered(rules: &[serde_json::Value]) -> Vec<PastRule> {
    let strings = |r: &serde_json::Value, k: &str| -> Vec<String> {
        r.get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    rules
        .iter()
        .map(|r| PastRule {
            api_groups: match strings(r, "apiGroups") {
                g if g.is_empty() => core_group(),
                g => g,
            },
            resources: strings(r, "resources"),
            non_resource_urls: strings(r, "nonResourceURLs"),
            verbs: strings(r, "verbs"),
        })
        .filter(|r| !r.resources.is_empty() || !r.non_resource_urls.is_empty())
        .collect()
}

/// `rules` with the rules of the same API groups and verbs merged, in the
/// order of their first: the short form of a Role to record in `was`.
pub fn compact(rules: &[PastRule]) -> Vec<PastRule> {
    let mut out: Vec<PastRule> = Vec::new();
    for r in rules {
        match out.iter_mut().find(|x| {
            x.verbs == r.verbs
                && x.api_groups == r.api_groups
                && x.non_resource_urls.is_empty() == r.non_resource_urls.is_empty()
        }) {
            Some(x) => {
                let add = |to: &mut Vec<String>, from: &[String]| {
                    let new: Vec<String> =
                        from.iter().filter(|y| !to.contains(y)).cloned().collect();
                    to.extend(new);
                };
                add(&mut x.resources, &r.resources);
                add(&mut x.non_resource_urls, &r.non_resource_urls);
            }
            None => out.push(r.clone()),
        }
    }
    out
}

/// `a`, `a and b`, `a, b and c`.
fn and(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

const READ: [&str; 3] = ["get", "list", "watch"];

/// The verbs of the Kubernetes API a workload's Role grants, in the order
/// the sentences name them: reads, then writes; others after these, by name.
pub const VERBS: [&str; 8] = [
    "get",
    "list",
    "watch",
    "create",
    "update",
    "patch",
    "delete",
    "deletecollection",
];

/// `get, list, watch on a and b; create on c`: consecutive resources with
/// the same verbs share them; `read` says "read access to" for those with
/// exactly get, list and watch.
fn phrase(g: &Grants, read: bool) -> String {
    let mut groups: Vec<(Vec<String>, Vec<&str>)> = Vec::new();
    for (r, v) in g.iter().filter(|(_, v)| !v.is_empty()) {
        match groups.last_mut() {
            Some((verbs, rs)) if verbs == v => rs.push(r),
            _ => groups.push((v.clone(), vec![r])),
        }
    }
    groups
        .iter()
        .map(|(verbs, rs)| {
            let mut sorted = verbs.clone();
            sorted.sort();
            if read && sorted == READ {
                format!("its read access to {}", and(rs))
            } else {
                format!("{} on {}", verbs.join(", "), and(rs))
            }
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// What of `old` is `kept` in `new`, what `new` `gained` and what of
/// `old` is `lost`, each resource with its verbs.
fn diff(old: &Grants, new: &Grants) -> (Grants, Grants, Grants) {
    let verbs_of = |g: &Grants, r: &str| -> Vec<String> {
        g.iter()
            .find(|(x, _)| x == r)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let split = |keep: bool| -> Grants {
        old.iter()
            .map(|(r, v)| {
                let there = verbs_of(new, r);
                let v = v.iter().filter(|x| there.contains(x) == keep).cloned();
                (r.clone(), v.collect())
            })
            .collect()
    };
    let gained: Grants = new
        .iter()
        .map(|(r, v)| {
            let had = verbs_of(old, r);
            (
                r.clone(),
                v.iter().filter(|x| !had.contains(x)).cloned().collect(),
            )
        })
        .collect();
    (split(true), gained, split(false))
}

/// `` `a` ``, `` `a` and `b` ``: code spans joined as a list.
fn code_list<S: AsRef<str>>(items: &[S]) -> String {
    let quoted: Vec<String> = items.iter().map(|x| format!("`{}`", x.as_ref())).collect();
    and(&quoted.iter().map(String::as_str).collect::<Vec<_>>())
}

/// `` `get` and `list` on `a` and `b`; and `create` on `c` ``: the
/// resources of the same verbs (in any order) share them, in the order
/// of their first resource.
fn grant_list(g: &Grants) -> String {
    let mut groups: Vec<(Vec<String>, Vec<&str>)> = Vec::new();
    for (r, v) in g.iter().filter(|(_, v)| !v.is_empty()) {
        let mut key = v.clone();
        key.sort();
        match groups.iter_mut().find(|(k, _)| *k == key) {
            Some((_, rs)) => rs.push(r),
            None => groups.push((key, vec![r])),
        }
    }
    let parts: Vec<String> = groups
        .iter()
        .map(|(verbs, rs)| {
            let mut verbs = verbs.clone();
            verbs.sort_by_key(|v| {
                let at = VERBS.iter().position(|x| x == v);
                (at.unwrap_or(VERBS.len()), v.clone())
            });
            format!("{} on {}", code_list(&verbs), code_list(rs))
        })
        .collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{}; and {last}", init.join("; ")),
    }
}

/// Which of the chart's own RBAC names gen's templates keep: the Role and
/// its binding, and the ServiceAccount, each named by the chart's helper.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq, Eq)]
pub struct Kept {
    pub role: bool,
    pub service_account: bool,
}

/// The sentences on the chart's own Role for the Security & RBAC section:
/// its names (recorded or the default ones), what it grants, what of it
/// gen's Role keeps, adds and drops, and what its read access to Secrets
/// exposes. `kept_names` says which names gen's templates take from the
/// chart's own helpers.
/// `None` when the spec records no previous Role (`rbac.was`).
pub fn chart_role_sentence(s: &Spec, kept_names: Kept) -> Option<String> {
    let n = was_names(s)?;
    let (role, binding) = (s.rbac.scope.role_kind(), s.rbac.scope.binding_kind());
    let place = match s.rbac.scope {
        Scope::Namespace => "namespace",
        Scope::Cluster => "cluster",
    };
    let old = past(&s.rbac.was);
    let new = now(&s.rbac.rules);
    let (kept, gained, lost) = diff(&old, &new);
    let any = |g: &Grants| g.iter().any(|(_, v)| !v.is_empty());
    let mut out = format!(
        "The chart's own {role} `{}` (bound by the {binding} `{}`{}) grants {}.",
        n.role,
        n.binding,
        n.service_account
            .as_ref()
            .map(|a| format!(" to the ServiceAccount `{a}`"))
            .unwrap_or_default(),
        grant_list(&old)
    );
    let mut same: Vec<&str> = Vec::new();
    if kept_names.role {
        same.extend([role, binding]);
    }
    if kept_names.service_account && n.service_account.is_some() {
        same.push("ServiceAccount");
    }
    let who = match same.as_slice() {
        [] => format!(" gen's {role}"),
        [one] => format!(" gen's {one} keeps its name; the {role}"),
        _ => format!(" gen's {} keep these names; the {role}", and(&same)),
    };
    if !any(&kept) && !any(&gained) {
        out.push_str(&format!("{who} drops all of it."));
    } else {
        let mut parts = Vec::new();
        for (verb, g) in [("keeps", &kept), ("adds", &gained), ("drops", &lost)] {
            if any(g) {
                parts.push(format!("{verb} {}", grant_list(g)));
            }
        }
        out.push_str(&format!("{who} {}.", parts.join(". It ")));
    }
    let read = |g: &Grants| -> Vec<String> {
        g.iter()
            .filter(|(r, _)| r == "secrets")
            .flat_map(|(_, v)| v.iter().filter(|x| READ.contains(&x.as_str())).cloned())
            .collect()
    };
    // Read access to named Secrets only exposes those.
    let unnamed: Vec<Rule> = s
        .rbac
        .rules
        .iter()
        .filter(|r| r.resource_names.is_empty())
        .cloned()
        .collect();
    let (had, keeps) = (read(&old), read(&now(&unnamed)));
    if !keeps.is_empty() {
        out.push_str(&format!(
            " Its {} on `secrets` {} every Secret of the {place} to anyone who \
takes over a pod of the chart.",
            code_list(&keeps),
            if keeps.len() == 1 {
                "exposes"
            } else {
                "expose"
            }
        ));
    } else if !had.is_empty() {
        out.push_str(&format!(
            " The chart's {} on `secrets` would expose every Secret of the {place}, the \
credentials of every other release in it, to anyone who takes over a pod of the chart.",
            code_list(&had)
        ));
    }
    Some(out)
}

/// The note for `s`, from the previous Role's rules (`None` when unknown).
pub fn note(s: &Spec, before: Option<&[PastRule]>) -> String {
    let role = s.rbac.scope.role_kind();
    let new = now(&s.rbac.rules);
    let unused = "since no pod of the chart calls the Kubernetes API; \
serviceAccount.automount: false stops mounting the API token nothing uses";
    let Some(before) = before.filter(|b| !b.is_empty()) else {
        return if new.is_empty() {
            format!("RBAC: the {role} grants nothing, {unused}.")
        } else {
            format!("RBAC: the {role} grants only {}.", phrase(&new, false))
        };
    };
    let old = past(before);
    let (kept, gained, lost) = diff(&old, &new);
    let any = |g: &Grants| g.iter().any(|(_, v)| !v.is_empty());
    if new.is_empty() {
        return format!(
            "RBAC: the {role} keeps its name but loses {}, {unused}.",
            phrase(&lost, true)
        );
    }
    let mut out = format!("RBAC: the {role} keeps its name");
    if !any(&gained) && !any(&lost) {
        out.push_str(" and its rules.");
        return out;
    }
    out.push('.');
    for (verb, g, read) in [
        ("keeps", &kept, false),
        ("gains", &gained, false),
        ("loses", &lost, true),
    ] {
        if any(g) {
            out.push_str(&format!(" It {verb} {}.", phrase(g, read)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(rules: &[(&[&str], &[&str])]) -> Spec {
        let mut s = crate::spec::parse(
            "specs/demo.yaml",
            crate::scaffold::new_spec("demo").as_bytes(),
        )
        .unwrap()
        .spec;
        s.title = "Demo".into();
        s.rbac.scope = Scope::Namespace;
        s.rbac.rules = rules
            .iter()
            .map(|(r, v)| Rule {
                api_groups: vec![String::new()],
                resources: r.iter().map(|x| x.to_string()).collect(),
                resource_names: Vec::new(),
                verbs: v.iter().map(|x| x.to_string()).collect(),
                why: "x".into(),
            })
            .collect();
        s
    }

    fn rule(r: &[&str], v: &[&str]) -> PastRule {
        PastRule {
            api_groups: vec![String::new()],
            non_resource_urls: Vec::new(),
            resources: r.iter().map(|x| x.to_string()).collect(),
            verbs: v.iter().map(|x| x.to_string()).collect(),
        }
    }

    const RW: &[&str] = &["get", "list", "watch"];

    /// The chart's read-everything Role replaced by no rules: what is lost,
    /// and the automount advice.
    #[test]
    fn a_role_emptied_loses_its_read_access() {
        let before = [rule(&["configmaps"], RW), rule(&["secrets", "pods"], RW)];
        assert_eq!(
            note(&spec(&[]), Some(&before)),
            "RBAC: the Role keeps its name but loses its read access to configmaps, \
secrets and pods, since no pod of the chart calls the Kubernetes API; \
serviceAccount.automount: false stops mounting the API token nothing uses."
        );
    }

    /// Jenkins' case: read verbs on pods kept, write verbs and new
    /// resources gained, the rest lost.
    #[test]
    fn kept_gained_and_lost_are_each_named() {
        let s = spec(&[
            (&["pods"], &["create", "delete", "get", "list", "watch"]),
            (&["pods/exec"], &["create", "get"]),
            (&["events"], &["list", "watch"]),
        ]);
        let before = [rule(&["configmaps", "secrets", "pods"], RW)];
        assert_eq!(
            note(&s, Some(&before)),
            "RBAC: the Role keeps its name. It keeps get, list, watch on pods. It gains \
create, delete on pods; create, get on pods/exec; list, watch on events. It loses its \
read access to configmaps and secrets."
        );
        let mut cluster = s.clone();
        cluster.rbac.scope = Scope::Cluster;
        assert!(note(&cluster, Some(&before)).starts_with("RBAC: the ClusterRole "));
        let same = of_spec(&s);
        assert_eq!(
            note(&s, Some(&same)),
            "RBAC: the Role keeps its name and its rules."
        );
    }

    /// Without the previous Role (no facts, no `was:`) the note says what
    /// the Role grants now, and claims nothing about before.
    #[test]
    fn without_the_previous_role_it_says_what_is_granted() {
        assert_eq!(
            note(&spec(&[]), None),
            "RBAC: the Role grants nothing, since no pod of the chart calls the Kubernetes \
API; serviceAccount.automount: false stops mounting the API token nothing uses."
        );
        assert_eq!(
            note(&spec(&[(&["pods"], &["get"])]), Some(&[])),
            "RBAC: the Role grants only get on pods."
        );
    }

    fn with_was(mut s: Spec, was: &[PastRule], sa: Option<&str>) -> Spec {
        s.rbac.was = was.to_vec();
        s.rbac.was_names = Some(WasNames {
            role: "$FULLNAME-role".into(),
            binding: "$FULLNAME-rolebinding".into(),
            service_account: sa.map(str::to_string),
        });
        s
    }

    const KEPT: Kept = Kept {
        role: true,
        service_account: true,
    };

    /// The chart's read-everything Role replaced by gen's empty one: the
    /// names, what it granted, that gen drops all of it, and the warning
    /// about its read access to Secrets.
    #[test]
    fn the_sentence_when_gen_drops_all() {
        let before = [rule(&["configmaps", "secrets", "pods"], RW)];
        let s = with_was(spec(&[]), &before, Some("$FULLNAME"));
        assert_eq!(
            chart_role_sentence(&s, KEPT).unwrap(),
            "The chart's own Role `$FULLNAME-role` (bound by the RoleBinding \
`$FULLNAME-rolebinding` to the ServiceAccount `$FULLNAME`) grants `get`, `list` and \
`watch` on `configmaps`, `secrets` and `pods`. gen's Role, RoleBinding and \
ServiceAccount keep these names; the Role drops all of it. The chart's `get`, \
`list` and `watch` on `secrets` would expose every Secret of the namespace, the \
credentials of every other release in it, to anyone who takes over a pod of the chart."
        );
        // Names gen does not keep (no chart helpers, as without facts)
        // are not claimed; without recorded names the default ones are
        // given.
        let plain = chart_role_sentence(&s, Kept::default()).unwrap();
        assert!(!plain.contains("keep these names"), "{plain}");
        let mut anon = s.clone();
        anon.rbac.was_names = None;
        assert!(chart_role_sentence(&anon, KEPT).unwrap().starts_with(
            "The chart's own Role `$FULLNAME-role` (bound by the RoleBinding \
`$FULLNAME-rolebinding`) grants `get`, `list` and `watch` on"
        ));
        // The ServiceAccount is claimed only where its name is recorded.
        let mut no_sa = s.clone();
        no_sa.rbac.was_names.as_mut().unwrap().service_account = None;
        assert!(chart_role_sentence(&no_sa, KEPT)
            .unwrap()
            .contains(" gen's Role and RoleBinding keep these names; the Role drops"));
        let sa_only = Kept {
            role: false,
            service_account: true,
        };
        assert!(chart_role_sentence(&s, sa_only)
            .unwrap()
            .contains(" gen's ServiceAccount keeps its name; the Role drops all of it."));
        // No record, no sentence.
        assert_eq!(chart_role_sentence(&spec(&[]), KEPT), None);
    }

    /// Jenkins' case: the read verbs on pods kept, writes added, the rest
    /// dropped; verbs in the usual order whatever the chart's, the same
    /// verbs shared by their resources; no Secrets, no warning.
    #[test]
    fn the_sentence_when_gen_keeps_some() {
        let s = spec(&[
            (&["pods"], &["delete", "create", "watch", "list", "get"]),
            (&["events"], &["list", "watch"]),
        ]);
        let before = [
            rule(&["pods", "services"], RW),
            rule(&["endpoints"], &["watch", "get", "list"]),
        ];
        let mut s = with_was(s, &before, None);
        s.rbac.scope = Scope::Cluster;
        assert_eq!(
            chart_role_sentence(&s, Kept::default()).unwrap(),
            "The chart's own ClusterRole `$FULLNAME-role` (bound by the ClusterRoleBinding \
`$FULLNAME-rolebinding`) grants `get`, `list` and `watch` on `pods`, `services` and \
`endpoints`. gen's ClusterRole keeps `get`, `list` and `watch` on `pods`. It adds \
`create` and `delete` on `pods`; and `list` and `watch` on `events`. It drops `get`, \
`list` and `watch` on `services` and `endpoints`."
        );
    }

    /// Read access to Secrets that gen keeps is said to expose them; only
    /// the read verbs the chart held count, for the scope's reach.
    #[test]
    fn the_secrets_warning_follows_the_read_verbs() {
        let before = [rule(&["secrets"], &["get", "update"]), rule(&["pods"], RW)];
        let s = with_was(spec(&[(&["secrets"], &["get"])]), &before, None);
        let out = chart_role_sentence(&s, Kept::default()).unwrap();
        assert!(
            out.ends_with(
                "It drops `update` on `secrets`; and `get`, `list` and `watch` on `pods`. \
Its `get` on `secrets` exposes every Secret of the namespace to anyone who takes over \
a pod of the chart."
            ),
            "{out}"
        );
        let mut cluster = with_was(spec(&[]), &[rule(&["secrets"], &["list"])], None);
        cluster.rbac.scope = Scope::Cluster;
        assert!(chart_role_sentence(&cluster, Kept::default())
            .unwrap()
            .contains("The chart's `list` on `secrets` would expose every Secret of the cluster"));
        let mut named = s.clone();
        named.rbac.rules[0].resource_names = vec!["$FULLNAME".into()];
        let out = chart_role_sentence(&named, Kept::default()).unwrap();
        assert!(
            out.contains("The chart's `get` on `secrets` would expose"),
            "only the named Secret is read now: {out}"
        );
        let writes = with_was(spec(&[]), &[rule(&["secrets"], &["create"])], None);
        assert!(!chart_role_sentence(&writes, Kept::default())
            .unwrap()
            .contains("expose"));
    }

    /// A `replaces: rbac` change without its own `was` takes the record of
    /// `rbac.was`.
    #[test]
    fn the_change_note_reads_the_rbac_record() {
        let mut s = with_was(spec(&[]), &[rule(&["secrets"], RW)], None);
        s.upgrade.changes = vec![crate::spec::ChartChange {
            kind: crate::spec::ChangeKind::Changed,
            description: String::new(),
            links: Vec::new(),
            was: Vec::new(),
            replaces: Some(crate::spec::share::Derived::Rbac),
        }];
        let notes = crate::spec::share::changes(&s);
        assert!(
            notes
                .iter()
                .any(|c| c.description.contains("loses its read access to secrets")),
            "{notes:?}"
        );
    }

    fn grouped(groups: &[&str], r: &[&str], v: &[&str]) -> PastRule {
        PastRule {
            api_groups: groups.iter().map(|x| x.to_string()).collect(),
            ..rule(r, v)
        }
    }

    /// A resource is the pair of its API group and name: `replicasets` in
    /// `apps` is kept, the same name in `extensions` is dropped, and the
    /// sentences name the group of a resource outside the core one.
    #[test]
    fn api_groups_tell_resources_apart() {
        let mut s = spec(&[(&["pods"], RW), (&["replicasets"], RW)]);
        s.rbac.rules[1].api_groups = vec!["apps".into()];
        s.rbac.scope = Scope::Cluster;
        let before = [
            rule(&["pods"], RW),
            grouped(&["apps", "extensions"], &["replicasets"], RW),
            PastRule {
                non_resource_urls: vec!["/metrics".into()],
                ..rule(&[], &["get"])
            },
        ];
        let s = with_was(s, &before, None);
        assert_eq!(
            chart_role_sentence(&s, Kept::default()).unwrap(),
            "The chart's own ClusterRole `$FULLNAME-role` (bound by the ClusterRoleBinding \
`$FULLNAME-rolebinding`) grants `get`, `list` and `watch` on `pods`, `replicasets.apps` \
and `replicasets.extensions`; and `get` on `/metrics`. gen's ClusterRole keeps `get`, \
`list` and `watch` on `pods` and `replicasets.apps`. It drops `get`, `list` and `watch` \
on `replicasets.extensions`; and `get` on `/metrics`."
        );
        assert_eq!(
            note(&s, Some(&before)),
            "RBAC: the ClusterRole keeps its name. It keeps get, list, watch on pods and \
replicasets.apps. It loses its read access to replicasets.extensions; get on /metrics."
        );
        // The comparison with the chart's Role: the group counts, the
        // order of groups and resources does not.
        let apps = [
            rule(&["pods"], RW),
            grouped(&["apps"], &["replicasets"], RW),
        ];
        assert!(same(&apps, &of_spec(&s)));
        assert!(!same(&apps, &[rule(&["pods", "replicasets"], RW)]));
        assert!(!same(
            &apps,
            &[
                rule(&["pods"], RW),
                grouped(&["extensions"], &["replicasets"], RW)
            ]
        ));
        assert!(same(
            &[grouped(&["apps", "batch"], &["jobs", "deployments"], RW)],
            &[
                grouped(&["batch"], &["jobs", "deployments"], RW),
                grouped(&["apps"], &["deployments", "jobs"], RW)
            ]
        ));
        // The record's YAML: the core group and no URLs are left out.
        let parsed: Vec<PastRule> = serde_yaml::from_str(
            "[{ resources: [pods], verbs: [get] }, { api_groups: [apps], resources: [replicasets], verbs: [get] }, { non_resource_urls: [/metrics], verbs: [get] }]",
        )
        .unwrap();
        assert_eq!(parsed[0], rule(&["pods"], &["get"]));
        assert_eq!(parsed[1], grouped(&["apps"], &["replicasets"], &["get"]));
        assert_eq!(parsed[2].non_resource_urls, ["/metrics"]);
        assert_eq!(parsed[2].api_groups, [""]);
    }

    /// Without `was_names` the names are the usual ones of the scope;
    /// without `was` there are none, written or not.
    #[test]
    fn was_names_default_to_the_usual_names() {
        let mut s = spec(&[]);
        assert_eq!(was_names(&s), None);
        s.rbac.was = vec![rule(&["pods"], RW)];
        let n = was_names(&s).unwrap();
        assert_eq!(
            (&n.role[..], &n.binding[..]),
            ("$FULLNAME-role", "$FULLNAME-rolebinding")
        );
        assert_eq!(n.service_account, None);
        assert!(chart_role_sentence(&s, Kept::default())
            .unwrap()
            .starts_with("The chart's own Role `$FULLNAME-role` (bound by the RoleBinding `$FULLNAME-rolebinding`) grants"));
        s.rbac.scope = Scope::Cluster;
        assert_eq!(was_names(&s).unwrap().role, "$FULLNAME-clusterrole");
        assert_eq!(
            was_names(&s).unwrap().binding,
            "$FULLNAME-clusterrolebinding"
        );
        let written = WasNames {
            role: "$FULLNAME".into(),
            binding: "$FULLNAME".into(),
            service_account: None,
        };
        s.rbac.was_names = Some(written.clone());
        assert_eq!(was_names(&s), Some(written));
    }

    #[test]
    fn rendered_rules_and_comparison() {
        let rendered: Vec<serde_json::Value> = serde_json::from_str(
            r#"[{"apiGroups":[""],"resources":["pods","secrets"],"verbs":["get","list"]},
                {"apiGroups":["apps"],"resources":["replicasets"],"verbs":["get"]},
                {"nonResourceURLs":["/metrics"],"verbs":["get"]}]"#,
        )
        .unwrap();
        let r = from_rendered(&rendered);
        assert_eq!(
            r,
            vec![
                rule(&["pods", "secrets"], &["get", "list"]),
                grouped(&["apps"], &["replicasets"], &["get"]),
                PastRule {
                    non_resource_urls: vec!["/metrics".into()],
                    ..rule(&[], &["get"])
                },
            ]
        );
        let r = r[..1].to_vec();
        assert!(same(
            &r,
            &[
                rule(&["secrets"], &["list", "get"]),
                rule(&["pods"], &["get", "list"])
            ]
        ));
        assert!(!same(&r, &[rule(&["pods"], &["get", "list"])]));
        let split = [
            rule(&["a"], RW),
            rule(&["b"], &["get"]),
            rule(&["c", "a"], RW),
        ];
        assert_eq!(
            compact(&split),
            vec![rule(&["a", "c"], RW), rule(&["b"], &["get"])]
        );
        assert!(same(&compact(&split), &split));
        // Rules of other groups, or of URLs, keep their own rule.
        let apart = [
            rule(&["a"], RW),
            grouped(&["apps"], &["b"], RW),
            PastRule {
                non_resource_urls: vec!["/c".into()],
                ..rule(&[], RW)
            },
        ];
        assert_eq!(compact(&apart), apart);
    }
}
