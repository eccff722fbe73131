//! gen: one YAML spec per Helm chart in, every guide, RBAC template, values
//! doc and Makefile target out.
//!
//! The core is [`project::load`] (read and validate every input) and
//! [`project::generate`] (a pure function to an in-memory map of output
//! files); `gen build` writes that map, `gen check` diffs it against the disk.

/// `println!`, `print!`, `eprintln!` and `eprint!` that never panic: on a
/// closed pipe (`gen check 2>&1 | head -1`) the std macros panic and turn
/// the command's exit code into 101. A line nobody reads is dropped, and
/// the command ends with its own code.
macro_rules! outln { ($($t:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stdout(), $($t)*); }}; }
macro_rules! outp { ($($t:tt)*) => {{ use std::io::Write as _; let _ = write!(std::io::stdout(), $($t)*); }}; }
macro_rules! errln { ($($t:tt)*) => {{ use std::io::Write as _; let _ = writeln!(std::io::stderr(), $($t)*); }}; }
macro_rules! errp { ($($t:tt)*) => {{ use std::io::Write as _; let _ = write!(std::io::stderr(), $($t)*); }}; }

pub mod adopt;
pub mod chartfiles;
pub mod checks;
pub mod cli;
pub mod coexist;
pub mod config;
pub mod crosschart;
pub mod diagnostics;
pub mod disk;
/// The pages a newcomer reads, checked against the code.
#[cfg(test)]
mod doc_claims;
pub mod facts;
pub mod helmmeta;
pub mod init;
pub mod kinds;
pub mod memo;
pub mod model;
pub mod output;
/// The backup guide's procedures as data (they live in `spec`, whose checks
/// warn about a procedure without a drill record).
pub use spec::procedures;
pub mod project;
pub mod regions;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod spec;
pub mod text;
pub mod timings;

/// The modules' dependency graph has no cycle (docs/architecture.md): a
/// module is read, tested and replaced on its own only when nothing it
/// uses uses it back.
#[cfg(test)]
mod architecture {
    use std::collections::{BTreeMap, BTreeSet};

    /// Top-level module -> the top-level modules its code names as
    /// `crate::name` (comments aside).
    fn graph() -> BTreeMap<String, BTreeSet<String>> {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for e in walkdir::WalkDir::new(&src) {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(&src)
                .unwrap()
                .to_string_lossy()
                .to_string();
            let Some(rel) = rel.strip_suffix(".rs") else {
                continue;
            };
            let top = rel.split('/').next().unwrap().to_string();
            if top == "lib" || top == "main" {
                continue;
            }
            let text = std::fs::read_to_string(e.path()).unwrap();
            let uses = g.entry(top.clone()).or_default();
            for line in text.lines() {
                let code = line.split("//").next().unwrap_or("");
                for (i, _) in code.match_indices("crate::") {
                    let rest = &code[i + 7..];
                    let names: Vec<&str> = match rest.strip_prefix('{') {
                        Some(list) => list
                            .split(['}', ','])
                            .map(|n| n.trim().split("::").next().unwrap_or(""))
                            .collect(),
                        None => vec![rest
                            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .next()
                            .unwrap_or("")],
                    };
                    uses.extend(
                        names
                            .into_iter()
                            .filter(|n| !n.is_empty() && *n != top)
                            .map(str::to_string),
                    );
                }
            }
        }
        let tops: BTreeSet<String> = g.keys().cloned().collect();
        for uses in g.values_mut() {
            uses.retain(|u| tops.contains(u));
        }
        g
    }

    /// A path from `from` back to `from`, if there is one.
    fn cycle_from(g: &BTreeMap<String, BTreeSet<String>>, from: &str) -> Option<Vec<String>> {
        let mut stack = vec![(from.to_string(), vec![from.to_string()])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in &g[&at] {
                if next == from {
                    let mut p = path.clone();
                    p.push(from.to_string());
                    return Some(p);
                }
                if seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
        None
    }

    #[test]
    fn no_module_uses_a_module_that_uses_it_back() {
        let g = graph();
        assert!(g.len() > 20, "the source tree was read: {g:?}");
        assert!(g["project"].contains("spec"), "edges are found");
        let cycles: Vec<String> = g
            .keys()
            .filter_map(|m| cycle_from(&g, m))
            .map(|p| p.join(" -> "))
            .collect();
        assert!(cycles.is_empty(), "module cycles:\n{}", cycles.join("\n"));
    }
}
