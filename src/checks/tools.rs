//! `tools.unknown`: a guide or Makefile command runs a program gen's table
//! of workstation tools ([`crate::spec::tools`]) does not know, so "Before
//! you start" could not say what to install for it.

use crate::diagnostics::Diagnostic;
use crate::spec::tools;
use crate::spec::{Guide, SpecFile};
use std::collections::BTreeMap;

/// Each unknown program, once, at its first use in the spec.
pub fn unknown(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    let m = crate::model::chart_model(file);
    let mut first: BTreeMap<String, tools::Use> = BTreeMap::new();
    for guide in [Some(Guide::Backup), Some(Guide::Upgrade), None] {
        for (program, u) in m.workstation_programs(guide) {
            first.entry(program).or_insert(u);
        }
    }
    for (program, u) in first {
        if tools::known(&program) {
            continue;
        }
        let message = format!(
            "`{program}` runs on the operator's workstation, but gen's table of tools does not \
             know it: add it to `TOOLS` in src/spec/tools.rs with what to install (or to \
             `NOT_LISTED` when it is a shell builtin or a POSIX/coreutils tool)"
        );
        out.push(if u.path.contains('[') {
            file.error_in_recipe(&u.path, u.line, message, u.via.as_deref())
        } else {
            // The guide's prelude or a target gen adds to every chart.
            file.warning_at("operations", message)
        });
    }
}
