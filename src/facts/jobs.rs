//! The spec's backup jobs (`jobs:`, see [`crate::spec::jobs`]) checked
//! against the chart's facts: every Secret and key their env reads, the
//! Service a value names, the values key an entry reads, and the image,
//! exist in the render.

use super::{ChartFacts, RELEASE};
use crate::diagnostics::Diagnostic;
use crate::spec::SpecFile;

/// The jobs checked against the chart's facts: every Secret and key the
/// env reads, and the Service a value names, exist in the render.
pub fn check(file: &SpecFile, facts: &ChartFacts, out: &mut Vec<Diagnostic>) {
    let Some(j) = &file.spec.jobs else {
        return;
    };
    let fullname = facts.fullname.of(RELEASE);
    let expand = |t: &str| {
        t.replace("$FULLNAME", &fullname)
            .replace("$RELEASE", RELEASE)
    };
    let spec_form = |n: &str| n.replacen(&fullname, "$FULLNAME", 1);
    for (i, e) in j.env.iter().enumerate() {
        if let Some(sk) = &e.secret {
            let name = expand(&sk.name);
            match facts.secrets.iter().find(|s| s.name == name) {
                None => out.push(
                    file.error_at(
                        &format!("jobs.env[{i}].secret.name"),
                        format!("the chart renders no Secret {:?}", sk.name),
                    )
                    .help(format!(
                        "the chart's Secrets: {}",
                        facts
                            .secrets
                            .iter()
                            .map(|s| spec_form(&s.name))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                ),
                Some(s) if !s.keys.contains(&sk.key) => out.push(
                    file.error_at(
                        &format!("jobs.env[{i}].secret.key"),
                        format!("Secret {:?} has no key {:?}", sk.name, sk.key),
                    )
                    .help(format!("its keys: {}", s.keys.join(", "))),
                ),
                Some(_) => {}
            }
        }
        if let Some(k) = &e.values {
            if !facts.values_keys.contains(k) {
                out.push(
                    file.error_at(
                        &format!("jobs.env[{i}].values"),
                        format!("the chart's values.yaml has no {k:?}"),
                    )
                    .help("name a key of the chart's values.yaml, e.g. postgresql.external.host"),
                );
            }
        }
        if let Some(v) = &e.value {
            // A value naming an object of the release must be one of its Services.
            if v.contains("$FULLNAME") || v.contains("$RELEASE") {
                let name = expand(v);
                if !facts.services.iter().any(|s| s.name == name) {
                    out.push(
                        file.error_at(
                            &format!("jobs.env[{i}].value"),
                            format!("the chart renders no Service {v:?}"),
                        )
                        .help(format!(
                            "the chart's Services: {}",
                            facts
                                .services
                                .iter()
                                .map(|s| spec_form(&s.name))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )),
                    );
                }
            }
        }
    }
    // A pinned client image is not the chart's: gen documents its values.
    if j.image.tag.is_some() {
        return;
    }
    for key in ["repository", "tag"] {
        let k = format!("{}.{key}", j.image.values);
        if !facts.values_keys.contains(&k) {
            out.push(
                file.error_at(
                    "jobs.image.values",
                    format!("the chart's values.yaml has no {k:?}"),
                )
                .help("name the values key that holds the main container's repository and tag"),
            );
        }
    }
    let repos: Vec<String> = facts
        .workloads
        .iter()
        .flat_map(|w| w.containers.iter())
        .map(|c| {
            c.image
                .rsplit_once(':')
                .map_or(c.image.clone(), |(r, _)| r.to_string())
        })
        .collect();
    if !repos.contains(&j.image.repository) {
        out.push(
            file.error_at(
                "jobs.image.repository",
                format!("no container of the chart runs {:?}", j.image.repository),
            )
            .help(format!("the chart's images: {}", repos.join(", "))),
        );
    }
}
