//! `runbook.helm-restarts-stopped`: `helm upgrade` or `helm rollback` starts
//! a workload the procedure stopped. Helm 3 patches with a three-way merge
//! of the old manifest, the live object and the new manifest, so a field the
//! new manifest sets (every Deployment and StatefulSet of these charts
//! renders `replicas:`) is put back over an out-of-band `kubectl scale
//! --replicas=0`. A procedure that still means the workload stopped after
//! the Helm command, as a later step that starts it again shows (a
//! `kubectl scale`, `scale-back`, a make target that scales it up), has it
//! running from that command on.
//!
//! Not flagged: a Helm command that sets a replica value to 0 (the stop
//! lasts): with chart facts, a key a workload's template reads at
//! `replicas:` (`facts::replicas` derives it); without, a key whose last part
//! names replicas. One that sets a count or waits for the pods (`--wait`), or ends
//! in `# helm-restarts: REASON`: it means the start; and a Helm command
//! after a restore: that is the intended start (stop, restore, roll back,
//! as `runbook.rollback-order` asks), and a later `scale-back` only puts
//! the recorded counts back. A restore after the Helm command is no sign
//! by itself: a dump loads into a running server.

use super::{at, Act, Event, Starts, Target};
use crate::diagnostics::Diagnostic;
use crate::spec::{Spec, SpecFile};
use std::collections::BTreeSet;

/// A stop of a workload of the release: its target, the event, and
/// whether data was restored into it since.
struct Stop {
    target: Target,
    at: usize,
    restored: bool,
}

/// Whether Helm renders the workload `t` names: one named after the
/// release, picked by its instance or name label, or all of them.
fn of_release(s: &Spec, t: &Target) -> bool {
    let ours = |n: &str| {
        ["$FULLNAME", "${FULLNAME}", "$RELEASE", "${RELEASE}"]
            .iter()
            .any(|p| n.starts_with(p))
    };
    match t {
        Target::Many => true,
        Target::Selector(sel) => sel.split(',').any(|l| {
            l.starts_with("app.kubernetes.io/instance=$RELEASE")
                || l == format!("app.kubernetes.io/name={}", s.name)
        }),
        Target::Named { name, .. } => ours(name),
        Target::Recorded => false,
    }
}

/// A Helm command that starts a stopped workload while a later step of
/// `path` still needs it stopped.
pub(super) fn check(file: &SpecFile, events: &[Event], out: &mut Vec<Diagnostic>) {
    let s = &file.spec;
    let mut stopped: Vec<Stop> = Vec::new();
    // Stops a Helm command (the event) ended, until a later step shows
    // that the stop was still meant.
    let mut restarted: Vec<(usize, Stop)> = Vec::new();
    let mut said = BTreeSet::new();
    let mut report = |h: usize, stop: &Stop, e: &Event| {
        if !said.insert(h) {
            return;
        }
        let (helm, down) = (&events[h], &events[stop.at]);
        let how = match &helm.act {
            Act::HelmStart { how, .. } => how.as_str(),
            _ => "helm",
        };
        let (l, _) = file.text_line(&down.path, down.line);
        let (m, _) = file.text_line(&e.path, e.line);
        out.push(at(file, helm, format!(
            "`{how}` starts the workload that line {l} scaled to 0 again (Helm 3's three-way merge puts back the `replicas:` its manifest renders), but line {m} starts it as if it were still stopped"))
            .help("keep it stopped through the Helm command (`--set` the chart's replica value to 0, then `scale-back`), or move the Helm command after that step; where its start is the point, end the line in `# helm-restarts: REASON`"));
    };
    for (n, e) in events.iter().enumerate() {
        match &e.act {
            Act::Scale { target, down: true } if of_release(s, target) => {
                restarted.retain(|(_, st)| st.target != *target);
                stopped.push(Stop {
                    target: target.clone(),
                    at: n,
                    restored: false,
                });
            }
            Act::Scale {
                target,
                down: false,
            } => {
                let starts = |t: &Target| {
                    matches!(
                        target,
                        Target::Many | Target::Selector(_) | Target::Recorded
                    ) || t == target
                };
                for (h, st) in restarted.iter().filter(|(_, st)| starts(&st.target)) {
                    report(*h, st, e);
                }
                restarted.retain(|(_, st)| !starts(&st.target));
                stopped.retain(|st| !starts(&st.target));
            }
            Act::Restore(_) => {
                for st in &mut stopped {
                    st.restored = true;
                }
            }
            Act::HelmStart { starts, .. } if *starts != Starts::Zero => {
                for st in stopped.drain(..) {
                    if *starts == Starts::Manifest && !st.restored && !e.restart_ok {
                        restarted.push((n, st));
                    }
                }
            }
            Act::HelmUninstall => {
                stopped.clear();
                restarted.clear();
            }
            _ => {}
        }
    }
}
