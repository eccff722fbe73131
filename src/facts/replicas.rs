//! Which values key sets a workload's `replicas:`, for the checks that ask
//! whether a `helm upgrade --set KEY=0` keeps a workload stopped
//! (`runbook.helm-restarts-stopped`).
//!
//! Read from the workload's template and confirmed by its render: the
//! `replicas:` lines of the template that are `{{ .Values.KEY }}` (a `|
//! int` pipe allowed) all read one key, and that key's default in
//! values.yaml is the count Helm rendered. A line that computes the count
//! (redis's `{{ add 1 $replicaCount }}`, one master and N replicas, in
//! replica mode) is another branch of the template: the render tells
//! whether the key's line is the one that counts. A template whose direct
//! lines read two keys, or whose key's default is not the rendered count,
//! gives none.

use super::ChartFacts;
use std::path::Path;

/// Fills `replicas_value` of each workload of `facts`, rendered from the
/// chart in `dir`.
pub fn derive(facts: &mut ChartFacts, dir: &Path) {
    let values: serde_yaml::Value = std::fs::read_to_string(dir.join("values.yaml"))
        .ok()
        .and_then(|t| serde_yaml::from_str(&t).ok())
        .unwrap_or_default();
    let sources: Vec<(String, String, String)> = facts
        .objects
        .iter()
        .map(|o| (o.kind.clone(), o.name.clone(), o.source.clone()))
        .collect();
    for w in &mut facts.workloads {
        let Some((_, _, source)) = sources
            .iter()
            .find(|(k, n, _)| *k == w.kind && *n == w.name)
        else {
            continue;
        };
        let Ok(template) = std::fs::read_to_string(dir.join(source)) else {
            continue;
        };
        w.replicas_value = key_of(&template).filter(|key| {
            let default = key
                .split('.')
                .try_fold(&values, |v, part| v.get(part))
                .and_then(serde_yaml::Value::as_i64);
            default.is_some() && default == w.replicas
        });
    }
}

/// The one key every `replicas:` line of `template` is.
pub fn key_of(template: &str) -> Option<String> {
    let mut key: Option<String> = None;
    for line in template.lines() {
        let Some(rest) = line.trim_start().strip_prefix("replicas:") else {
            continue;
        };
        let expr = rest
            .split('#')
            .next()
            .unwrap_or_default()
            .trim()
            .strip_prefix("{{")
            .and_then(|e| e.trim_start_matches('-').trim().strip_suffix("}}"))
            .map(|e| e.trim_end_matches('-').trim());
        // `.Values.KEY`, then pipes that keep the number (`| int`).
        let Some(mut parts) = expr.map(|e| e.split('|').map(str::trim)) else {
            continue;
        };
        let Some(k) = parts.next().and_then(|p| p.strip_prefix(".Values.")) else {
            continue;
        };
        let plain = k
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_');
        if !plain || k.is_empty() || !parts.all(|p| matches!(p, "int" | "int64")) {
            continue;
        }
        match &key {
            Some(seen) if seen != k => return None,
            _ => key = Some(k.to_string()),
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::key_of;

    #[test]
    fn the_one_key_a_template_reads_at_replicas() {
        assert_eq!(
            key_of("spec:\n  replicas: {{ .Values.scheduler.replicaCount }}\n").as_deref(),
            Some("scheduler.replicaCount")
        );
        assert_eq!(
            key_of("  replicas: {{- .Values.n | int }}\n").as_deref(),
            Some("n")
        );
        // redis: in replica mode the count is computed, not the key's.
        let redis = "  {{- if $isReplica }}\n  replicas: {{ add 1 $replicaCount }}  # 1 + N\n  {{- else }}\n  replicas: {{ .Values.replicaCount }}\n  {{- end }}\n";
        assert_eq!(key_of(redis).as_deref(), Some("replicaCount"));
        assert_eq!(key_of("  replicas: 1\n"), None);
        assert_eq!(
            key_of("  replicas: {{ .Values.a }}\n---\n  replicas: {{ .Values.b }}\n"),
            None
        );
        assert_eq!(key_of("kind: ConfigMap\n"), None);
    }
}
