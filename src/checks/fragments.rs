//! The spec's own `fragments`: shell said once and used by name, as a
//! built-in snippet is (see `crate::spec::snippets`).

use crate::diagnostics::Diagnostic;
use crate::spec::snippets::{is_snippet, uses, MAX_FRAGMENT_DEPTH};
use crate::spec::validate::is_dns_label;
use crate::spec::SpecFile;

/// A fragment's name is one word of the `{{use NAME}}` line, named like
/// the snippets: a name with a space or a `=` could never be used.
pub fn names_are_labels(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for name in file.spec.fragments.keys().filter(|n| !is_dns_label(n)) {
        out.push(
            file.error_at(
                &format!("fragments.{name}"),
                format!("fragment name `{name}` is not lower-case letters, digits and '-'"),
            )
            .help("name it like the snippets, e.g. `stop-workers`: `{{use NAME}}` takes one such word"),
        );
    }
}

/// A fragment named like a built-in snippet would change what `{{use}}`
/// means for that name in this one spec.
pub fn not_shadowing(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for name in file.spec.fragments.keys().filter(|n| is_snippet(n)) {
        out.push(
            file.error_at(
                &format!("fragments.{name}"),
                format!("fragment `{name}` has the name of a built-in snippet"),
            )
            .help(format!(
                "`{{{{use {name}}}}}` names the built-in snippet: rename the fragment"
            )),
        );
    }
}

/// An empty fragment makes its `{{use}}` lines vanish: a step or target
/// that reads as if it did something runs nothing there.
pub fn not_empty(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (name, text) in &file.spec.fragments {
        if text.trim().is_empty() {
            out.push(
                file.error_at(
                    &format!("fragments.{name}"),
                    format!("fragment `{name}` is empty"),
                )
                .help(format!(
                    "write the shell `{{{{use {name}}}}}` stands for, or remove the fragment and \
its `{{{{use}}}}` lines"
                )),
            );
        }
    }
}

/// A fragment no `run` uses is text that can drift from what the guides
/// and targets say; it changes no output, hence a warning.
pub fn used(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for name in file.spec.fragments.keys() {
        if !file.fragments_used.contains(name) && !is_snippet(name) && is_dns_label(name) {
            out.push(
                file.warning_at(
                    &format!("fragments.{name}"),
                    format!("fragment `{name}` is not used"),
                )
                .help(format!(
                    "use it as `{{{{use {name}}}}}` on a line of a `run` block, or remove it"
                )),
            );
        }
    }
}

/// A fragment that uses itself, directly or through others, has no end:
/// reported once per cycle, at its first fragment by name.
pub fn no_cycle(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let frags = &file.spec.fragments;
    let mut reported: Vec<String> = Vec::new();
    for start in frags.keys() {
        if reported.contains(start) {
            continue;
        }
        if let Some(path) = cycle_from(file, start, &mut vec![start.clone()]) {
            reported.extend(path.iter().cloned());
            out.push(
                file.error_at(
                    &format!("fragments.{start}"),
                    format!("fragment `{start}` uses itself: {}", path.join(" -> ")),
                )
                .help("a fragment may use other fragments, but none of them may use it back: break the cycle"),
            );
        }
    }
}

/// The path back to `path[0]` from the last fragment of `path`, if there is one.
fn cycle_from(file: &SpecFile, from: &str, path: &mut Vec<String>) -> Option<Vec<String>> {
    let text = file.spec.fragments.get(from)?;
    for next in uses(text) {
        if !file.spec.fragments.contains_key(&next) || is_snippet(&next) {
            continue;
        }
        if next == path[0] {
            let mut full = path.clone();
            full.push(next);
            return Some(full);
        }
        if path.contains(&next) || path.len() > MAX_FRAGMENT_DEPTH {
            // A cycle that does not pass through `path[0]`: its own start
            // reports it. A longer chain is an error where it is used.
            continue;
        }
        path.push(next.clone());
        if let Some(found) = cycle_from(file, &next, path) {
            return Some(found);
        }
        path.pop();
    }
    None
}

#[cfg(test)]
mod tests {
    /// A long chain no `run` uses is read only here: walking it once
    /// overflowed the stack. It is no cycle.
    #[test]
    fn a_long_unused_chain_is_no_cycle_and_no_crash() {
        let mut frags: String = (0..5000)
            .map(|i| format!("  f{i}: |\n    {{{{use f{}}}}}\n", i + 1))
            .collect();
        frags.push_str("  f5000: echo end\n");
        let src = crate::spec::testkit::edited(
            &crate::scaffold::new_spec("demo"),
            &[(
                "operations: #",
                &format!("fragments:\n{frags}operations: #"),
            )],
        );
        let file = crate::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let mut out = Vec::new();
        super::no_cycle(&file, &mut out);
        assert!(out.is_empty(), "{out:?}");
    }
}
