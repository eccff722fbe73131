//! gen: one YAML spec per Helm chart in, every guide, RBAC template, values
//! doc and Makefile target out.
//!
//! The core is [`project::load`] (read and validate every input) and
//! [`project::generate`] (a pure function to an in-memory map of output
//! files); `gen build` writes that map, `gen check` diffs it against the disk.

pub mod cli;
pub mod config;
pub mod crosschart;
pub mod diagnostics;
pub mod facts;
pub mod helmmeta;
pub mod init;
pub mod memo;
pub mod model;
pub mod output;
pub mod project;
pub mod regions;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod spec;
pub mod text;
pub mod timings;
