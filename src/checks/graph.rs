//! Checks across all specs: the dependency graph between charts.

use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::spec::SpecFile;
use std::collections::BTreeMap;

pub fn known_dependencies(files: &[SpecFile], out: &mut Vec<Diagnostic>) {
    let names: Vec<&str> = files.iter().map(|f| f.spec.name.as_str()).collect();
    for f in files {
        for (i, d) in f.spec.depends_on.iter().enumerate() {
            if names.contains(&d.chart.as_str()) {
                continue;
            }
            let e = f.error_at(
                &format!("depends_on[{i}].chart"),
                format!("unknown chart {:?} in depends_on", d.chart),
            );
            out.push(match did_you_mean(&d.chart, names.iter().copied()) {
                Some(m) => e.help(format!("did you mean `{m}`?")),
                None => e.help("depends_on names charts that have a spec in specs/"),
            });
        }
    }
}

pub fn no_cycle(files: &[SpecFile], out: &mut Vec<Diagnostic>) {
    if let Some(cycle) = find_cycle(files) {
        let first = files
            .iter()
            .find(|f| f.spec.name == cycle[0])
            .expect("cycle names a spec");
        out.push(first.error_at("depends_on", format!("dependency cycle: {}", cycle.join(" -> ")))
            .help("restore order needs a graph without cycles; remove one of these depends_on entries"));
    }
}

pub fn one_spec_per_chart(files: &[SpecFile], out: &mut Vec<Diagnostic>) {
    let mut seen = BTreeMap::new();
    for f in files {
        if let Some(other) = seen.insert(f.spec.name.clone(), f.rel.clone()) {
            out.push(
                f.error_at(
                    "name",
                    format!("chart {:?} is also declared by {other}", f.spec.name),
                )
                .help("each chart has exactly one spec"),
            );
        }
    }
}

/// One dependency cycle, as chart names with the first repeated at the end.
fn find_cycle(files: &[SpecFile]) -> Option<Vec<String>> {
    let deps: BTreeMap<&str, Vec<&str>> = files
        .iter()
        .map(|f| {
            (
                f.spec.name.as_str(),
                f.spec.depends_on.iter().map(|d| d.chart.as_str()).collect(),
            )
        })
        .collect();
    // 0 = unvisited, 1 = on stack, 2 = done
    let mut state: BTreeMap<&str, u8> = deps.keys().map(|k| (*k, 0)).collect();
    fn visit<'a>(
        n: &'a str,
        deps: &BTreeMap<&'a str, Vec<&'a str>>,
        state: &mut BTreeMap<&'a str, u8>,
        stack: &mut Vec<&'a str>,
    ) -> Option<Vec<String>> {
        state.insert(n, 1);
        stack.push(n);
        for &m in deps.get(n).map(Vec::as_slice).unwrap_or(&[]) {
            match state.get(m).copied() {
                Some(1) => {
                    let start = stack.iter().position(|x| *x == m).unwrap_or(0);
                    let mut c: Vec<String> = stack[start..].iter().map(|s| s.to_string()).collect();
                    c.push(m.to_string());
                    return Some(c);
                }
                Some(0) => {
                    if let Some(c) = visit(m, deps, state, stack) {
                        return Some(c);
                    }
                }
                _ => {}
            }
        }
        stack.pop();
        state.insert(n, 2);
        None
    }
    let keys: Vec<&str> = deps.keys().copied().collect();
    for k in keys {
        if state[k] == 0 {
            let mut stack = Vec::new();
            if let Some(c) = visit(k, &deps, &mut state, &mut stack) {
                return Some(c);
            }
        }
    }
    None
}
