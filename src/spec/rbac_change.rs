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

use super::types::{Rule, Scope, Spec};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// One rule of the Role the previous chart version rendered.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PastRule {
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
}

/// Each resource with its verbs, in the order the rules name them.
type Grants = Vec<(String, Vec<String>)>;

fn grants<'a>(rules: impl Iterator<Item = (&'a [String], &'a [String])>) -> Grants {
    let mut out: Grants = Vec::new();
    for (resources, verbs) in rules {
        for r in resources {
            let i = match out.iter().position(|(x, _)| x == r) {
                Some(i) => i,
                None => {
                    out.push((r.clone(), Vec::new()));
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
    grants(rules.iter().map(|r| (&r.resources[..], &r.verbs[..])))
}

fn now(rules: &[Rule]) -> Grants {
    grants(rules.iter().map(|r| (&r.resources[..], &r.verbs[..])))
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
            resources: r.resources.clone(),
            verbs: r.verbs.clone(),
        })
        .collect()
}

/// A Role's rules as `helm template` renders them (`resources`, `verbs`).
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
            resources: strings(r, "resources"),
            verbs: strings(r, "verbs"),
        })
        .filter(|r| !r.resources.is_empty())
        .collect()
}

/// `rules` with the rules of the same verbs merged, in the order of their
/// first: the short form of a Role to record in `was`.
pub fn compact(rules: &[PastRule]) -> Vec<PastRule> {
    let mut out: Vec<PastRule> = Vec::new();
    for r in rules {
        match out.iter_mut().find(|x| x.verbs == r.verbs) {
            Some(x) => x.resources.extend(
                r.resources
                    .iter()
                    .filter(|y| !x.resources.contains(y))
                    .cloned()
                    .collect::<Vec<_>>(),
            ),
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

/// The note for `s`, from the previous Role's rules (`None` when unknown).
pub fn note(s: &Spec, before: Option<&[PastRule]>) -> String {
    let role = match s.rbac.scope {
        Scope::Namespace => "Role",
        Scope::Cluster => "ClusterRole",
    };
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
    let verbs_of = |g: &Grants, r: &str| -> Vec<String> {
        g.iter()
            .find(|(x, _)| x == r)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let split = |keep: bool| -> Grants {
        old.iter()
            .map(|(r, v)| {
                let there = verbs_of(&new, r);
                let v = v.iter().filter(|x| there.contains(x) == keep).cloned();
                (r.clone(), v.collect())
            })
            .collect()
    };
    let (kept, lost) = (split(true), split(false));
    let gained: Grants = new
        .iter()
        .map(|(r, v)| {
            let had = verbs_of(&old, r);
            (
                r.clone(),
                v.iter().filter(|x| !had.contains(x)).cloned().collect(),
            )
        })
        .collect();
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

    #[test]
    fn rendered_rules_and_comparison() {
        let rendered: Vec<serde_json::Value> = serde_json::from_str(
            r#"[{"apiGroups":[""],"resources":["pods","secrets"],"verbs":["get","list"]},
                {"nonResourceURLs":["/metrics"],"verbs":["get"]}]"#,
        )
        .unwrap();
        let r = from_rendered(&rendered);
        assert_eq!(r, vec![rule(&["pods", "secrets"], &["get", "list"])]);
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
    }
}
