//! gen's integration tests: one test binary, a module per concern, so the
//! crate is linked once for all of them instead of once per file. The
//! helpers they share are in `tests/common/` (the drills use them too).
//!
//! The drills stay a binary of their own (`tests/drills.rs`): they start
//! real servers and run four at a time (`--test-threads=4`), apart from
//! everything else, and the specs' `drill: test:` fields name their tests
//! as `tests/drills.rs::<function>`.
//!
//! Run one concern with a filter on its module: `cargo test --test
//! integration site::`.

#[path = "../common/mod.rs"]
mod common;

mod adopt;
mod backup_jobs;
mod cli;
mod crosschart;
mod determinism;
mod disk;
mod ecosystem;
mod facts;
mod fuzz_regressions;
mod hardening;
mod helm;
mod highlight_prop;
mod hostile;
mod make_targets;
mod memo;
mod partial_files;
mod regions_prop;
mod restore_files;
mod serve;
mod serve_browser;
mod shared_entries;
mod shellcheck;
mod shipped;
mod site;
mod validation;
mod values_effect;
