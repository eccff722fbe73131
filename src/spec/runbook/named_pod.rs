//! `runbook.stale-pod` for a pod named directly (`"$FULLNAME-0"`): an
//! exec right after its StatefulSet was scaled up or its pods replaced,
//! before a wait, finds it still starting or not yet created.

use super::{ordinal, replaced, runs_pod, Act, Event, Target};
use crate::spec::types::WorkloadKind;
use crate::spec::SpecFile;

/// Follows what made a pod named `$FULLNAME-<n>` stale in `named` (the
/// workload scaled up, or `None` for the main StatefulSet replaced); at an
/// exec or cp into such a pod before a wait, what to say.
pub(super) fn named_pod_race(
    file: &SpecFile,
    e: &Event,
    named: &mut Option<(Option<Target>, String)>,
) -> Option<String> {
    let s = &file.spec;
    let (l, _) = file.text_line(&e.path, e.line);
    match &e.act {
        Act::Scale {
            target,
            down: false,
        } => *named = Some((Some(target.clone()), format!("`kubectl scale` at line {l}"))),
        Act::Settled => *named = None,
        Act::Enter { pod, how } if !e.allowed => {
            let pod = pod.replace("${FULLNAME}", "$FULLNAME");
            let (target, what) = named.as_ref()?;
            let ours = ordinal(&pod).is_some_and(|n| n.starts_with("$FULLNAME"));
            let raced = match target {
                Some(t) => runs_pod(s, t, &pod),
                None => ordinal(&pod) == Some("$FULLNAME"),
            };
            return (ours && raced).then(|| format!(
                "`{how}` right after {what}, with no wait for the pod in between: it is still starting, or not created yet"));
        }
        _ => {
            if let Some(how) =
                replaced(s, e).filter(|_| s.workload.kind == WorkloadKind::StatefulSet)
            {
                *named = Some((None, format!("`{how}` at line {l}")));
            }
        }
    }
    None
}
