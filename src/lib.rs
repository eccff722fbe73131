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
pub mod cli;
pub mod coexist;
pub mod config;
pub mod crosschart;
pub mod diagnostics;
pub mod disk;
pub mod facts;
pub mod helmmeta;
pub mod init;
pub mod memo;
pub mod model;
pub mod output;
pub mod procedures;
pub mod project;
pub mod regions;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod site;
pub mod spec;
pub mod text;
pub mod timings;
