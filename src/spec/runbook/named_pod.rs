//! `runbook.stale-pod` for a pod named directly (`"$FULLNAME-0"`): an
//! exec right after its StatefulSet was scaled up or its pods replaced,
//! before a wait, finds it still starting or not yet created.

use super::{ordinal, replaced, runs_pod, Act, Event, Target};
use crate::spec::types::WorkloadKind;
use crate::spec::SpecFile;

/// What made pods named `$FULLNAME-<n>` stale since the last wait: the
/// workload scaled up (`None` for the main StatefulSet's pods replaced),
/// and the words for the message.
pub(super) type Raced = Vec<(Option<Target>, String)>;

/// Follows event `e` in `raced`; at an exec or cp into a pod it made stale,
/// what to say.
pub(super) fn named_pod_race(file: &SpecFile, e: &Event, raced: &mut Raced) -> Option<String> {
    let s = &file.spec;
    let at = || file.text_line(&e.path, e.line).0;
    match &e.act {
        Act::Scale {
            target,
            down: false,
        } => raced.push((
            Some(target.clone()),
            format!("`kubectl scale` at line {}", at()),
        )),
        Act::Settled => raced.clear(),
        Act::Enter { pod, how } if !e.allowed => {
            let pod = pod.replace("${FULLNAME}", "$FULLNAME");
            if !ordinal(&pod).is_some_and(|n| n.starts_with("$FULLNAME")) {
                return None;
            }
            let (_, what) = raced.iter().rev().find(|(target, _)| match target {
                Some(t) => runs_pod(s, t, &pod),
                None => ordinal(&pod) == Some("$FULLNAME"),
            })?;
            return Some(format!(
                "`{how}` right after {what}, with no wait for the pod in between: it is still starting, or not created yet"));
        }
        _ => {
            if let Some(how) =
                replaced(s, e).filter(|_| s.workload.kind == WorkloadKind::StatefulSet)
            {
                raced.push((None, format!("`{how}` at line {}", at())));
            }
        }
    }
    None
}
