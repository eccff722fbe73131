//! Command-line interface: parse arguments, run one command, map the result
//! to an exit code. Exit codes: 0 success, 1 stale output or invalid input,
//! 2 usage or I/O error.

use crate::diagnostics::{Diagnostic, Severity};
use crate::output::{self, Change};
use crate::project::{self, Failure};
use clap::{Parser, Subcommand, ValueEnum};
use std::cell::Cell;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(
    name = "gen",
    version,
    about = "Generate backup guides, upgrade guides, README sections, RBAC templates, values docs and Makefile targets for a Helm chart collection from one YAML spec per chart.",
    after_help = "Exit codes: 0 success, 1 stale output (check) or invalid input, 2 usage or I/O error.\nColour: set NO_COLOR to turn it off."
)]
pub struct Cli {
    /// Project root (the folder holding specs/). Default: the nearest of the
    /// current folder and its parents with a gen.toml or a specs/ folder.
    #[arg(long, global = true, default_value = ".", value_name = "DIR")]
    pub root: PathBuf,
    /// Print only errors and warnings.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Print every file written, and every TODO warning on its own.
    #[arg(long, short, global = true, conflicts_with = "quiet")]
    pub verbose: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Render every output and write the files whose bytes changed.
    Build {
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
    },
    /// Render in memory and fail, with diffs, if any generated file is stale, missing or orphaned.
    Check {
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// Output format for findings.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Git commit to compare chart versions with: a chart whose generated content changed since then needs a new version (default HEAD; in CI, the target branch, e.g. origin/main).
        #[arg(long, value_name = "REF")]
        since: Option<String>,
    },
    /// Write the spec's JSON Schema to specs/schema.json (or stdout with --stdout).
    Schema {
        #[arg(long)]
        stdout: bool,
    },
    /// Start a spec for a new chart in specs/<CHART>.yaml.
    New {
        /// Chart name: a DNS-1123 label, e.g. my-chart.
        chart: String,
    },
    /// Set up a chart repository for gen: specs/, templates/, gen.toml, .gitattributes, .gitignore and a pre-commit config. Keeps every file that exists.
    Init,
    /// Print gen's documentation, e.g. `gen docs spec-format | less`.
    Docs {
        /// The document to print.
        topic: Topic,
    },
    /// Print a shell completion script, e.g. `gen completions bash > /etc/bash_completion.d/gen`.
    Completions {
        /// bash, zsh, fish, elvish or powershell.
        shell: clap_complete::Shell,
    },
    /// Serve the site from memory, rebuild it when an input changes and reload open pages. Never writes.
    Serve {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1", value_name = "ADDR")]
        bind: String,
        /// Port to listen on; 0 picks a free one.
        #[arg(long, default_value_t = 8000)]
        port: u16,
    },
}

/// The documents `gen docs` prints; they are compiled into gen.
#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Topic {
    /// Every key of a chart spec and every rule gen checks.
    SpecFormat,
}

impl Topic {
    pub fn text(self) -> &'static str {
        match self {
            Topic::SpecFormat => include_str!("../docs/spec-format.md"),
        }
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Github,
}

pub fn main() -> ExitCode {
    let mut cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    // `gen init` sets up the folder it runs in; every other command finds
    // the repository's root from any folder inside it.
    if cli.root == Path::new(".") && !matches!(cli.command, Command::Init) {
        if let Some(root) = std::env::current_dir()
            .ok()
            .and_then(|here| find_root(&here))
        {
            cli.root = root;
        }
    }
    ExitCode::from(run(&cli))
}

/// The nearest of `start` and its parents that holds a gen.toml or a
/// specs/ folder: a chart repository's root.
pub fn find_root(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(crate::config::FILE).is_file() || d.join(project::SPEC_DIR).is_dir())
        .map(Path::to_path_buf)
}

struct Out {
    color: bool,
    quiet: bool,
    verbose: bool,
    /// Warnings reported so far, for the summary line.
    warnings: Cell<usize>,
}

impl Out {
    fn new(quiet: bool, verbose: bool) -> Self {
        let color = std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            && std::io::stderr().is_terminal();
        Out {
            color,
            quiet,
            verbose,
            warnings: Cell::new(0),
        }
    }

    /// "; 3 warnings" for a summary line, or nothing.
    fn warning_note(&self) -> String {
        match self.warnings.get() {
            0 => String::new(),
            1 => "; 1 warning".into(),
            n => format!("; {n} warnings"),
        }
    }

    fn diag(&self, d: &Diagnostic) {
        let text = d.to_string();
        if self.color {
            let (label, code) = match d.severity {
                Severity::Error => ("error", "1;31"),
                Severity::Warning => ("warning", "1;33"),
            };
            eprint!("\x1b[{code}m{label}\x1b[0m{}", &text[label.len()..]);
        } else {
            eprint!("{text}");
        }
    }

    fn info(&self, line: &str) {
        if !self.quiet {
            eprintln!("{line}");
        }
    }
}

pub fn run(cli: &Cli) -> u8 {
    let out = Out::new(cli.quiet, cli.verbose);
    if !matches!(
        cli.command,
        Command::Init | Command::Completions { .. } | Command::Docs { .. }
    ) {
        let format = match cli.command {
            Command::Check { format, .. } => format,
            _ => Format::Text,
        };
        if let Err(code) = check_config(cli, &out, format) {
            return code;
        }
    }
    match &cli.command {
        Command::Build { strict } => build(cli, &out, *strict),
        Command::Check {
            strict,
            format,
            since,
        } => check(cli, &out, *strict, *format, since.as_deref()),
        Command::Init => init(cli, &out),
        Command::Completions { shell } => completions(*shell),
        Command::Docs { topic } => {
            print!("{}", topic.text());
            0
        }
        Command::Schema { stdout } => schema(cli, &out, *stdout),
        Command::New { chart } => new_spec(cli, &out, chart),
        Command::Serve { bind, port } => crate::serve::run(&cli.root, bind, *port, cli.quiet),
    }
}

fn report_failure(out: &Out, f: Failure, format: Format) -> u8 {
    match f {
        Failure::Invalid(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            for d in &diags {
                if format == Format::Github {
                    println!("{}", github_annotation(d));
                }
                out.diag(d);
            }
            eprintln!(
                "gen: {errors} error{} found; nothing was written",
                if errors == 1 { "" } else { "s" }
            );
            1
        }
        Failure::Io(msg) => {
            eprintln!("gen: I/O error: {msg}");
            2
        }
    }
}

/// gen.toml: a gen outside `required_version` stops here, before reading
/// anything, with one error (exit 2); a malformed gen.toml is invalid input.
fn check_config(cli: &Cli, out: &Out, format: Format) -> Result<(), u8> {
    use crate::config::Problem;
    let (d, code) = match crate::config::check(&cli.root) {
        Ok(()) => return Ok(()),
        Err(Problem::Invalid(d)) => (d, 1),
        Err(Problem::WrongVersion(d)) => (d, 2),
        Err(Problem::Io(msg)) => {
            eprintln!("gen: I/O error: {msg}");
            return Err(2);
        }
    };
    if format == Format::Github {
        println!("{}", github_annotation(&d));
    }
    out.diag(&d);
    eprintln!(
        "gen: {}; nothing was read or written",
        if code == 2 {
            "wrong gen version for this project"
        } else {
            "gen.toml is invalid"
        }
    );
    Err(code)
}

/// Warnings printed (as annotations too under --format github), or under
/// --strict turned into errors that fail the run. In text, a spec's TODOs
/// are one warning unless --verbose.
fn report_warnings(
    out: &Out,
    warnings: Vec<Diagnostic>,
    strict: bool,
    format: Format,
) -> Result<(), u8> {
    out.warnings.set(out.warnings.get() + warnings.len());
    let warnings = if format == Format::Text && !out.verbose {
        sum_up_todos(warnings)
    } else {
        warnings
    };
    if strict && !warnings.is_empty() {
        let as_errors = warnings
            .into_iter()
            .map(|mut w| {
                w.severity = Severity::Error;
                w.message.push_str(" (--strict)");
                w
            })
            .collect();
        return Err(report_failure(out, Failure::Invalid(as_errors), format));
    }
    for w in &warnings {
        if format == Format::Github {
            println!("{}", github_annotation(w));
        }
        out.diag(w);
    }
    Ok(())
}

/// Replaces each spec's TODO warnings, when it has more than one, by one
/// warning at the first that lists their lines.
pub fn sum_up_todos(warnings: Vec<Diagnostic>) -> Vec<Diagnostic> {
    use crate::spec::validate::TODO_LEFT;
    let mut lines: std::collections::BTreeMap<String, Vec<usize>> = Default::default();
    for w in warnings.iter().filter(|w| w.message == TODO_LEFT) {
        lines.entry(w.file.clone()).or_default().push(w.line);
    }
    let mut out = Vec::with_capacity(warnings.len());
    for mut w in warnings {
        let at = lines.get(&w.file).filter(|_| w.message == TODO_LEFT);
        match at {
            Some(at) if at.len() > 1 => {
                if at[0] != w.line {
                    continue;
                }
                let list: Vec<String> = at.iter().map(ToString::to_string).collect();
                w.message = format!("the spec still has {} TODOs", at.len());
                w.help = Some(format!(
                    "write the real content at lines {}; `gen check --strict` fails while TODOs remain (-v shows each)",
                    list.join(", ")
                ));
                out.push(w);
            }
            _ => out.push(w),
        }
    }
    out
}

/// Loads and renders; warnings are printed, and fail the run under --strict.
/// Then the version-bump rule, against `since` (default HEAD): its findings
/// are warnings too.
fn prepare(
    cli: &Cli,
    out: &Out,
    strict: bool,
    format: Format,
    since: Option<&str>,
    site: bool,
) -> Result<(output::Outputs, project::Report), u8> {
    let t = Instant::now();
    let (project, warnings) =
        project::load(&cli.root).map_err(|f| report_failure(out, f, format))?;
    crate::timings::lap("load", t);
    report_warnings(out, warnings, strict, format)?;
    let (outputs, report) =
        project::generate_with(&project, site).map_err(|f| report_failure(out, f, format))?;
    report_warnings(out, report.warnings.clone(), strict, format)?;
    match crate::helmmeta::bump::findings(&project, &outputs, since) {
        Ok(found) => report_warnings(out, found, strict, format)?,
        Err(msg) => {
            eprintln!("gen: {msg}");
            return Err(2);
        }
    }
    Ok((outputs, report))
}

fn build(cli: &Cli, out: &Out, strict: bool) -> u8 {
    let start = Instant::now();
    let (outputs, report) = match prepare(cli, out, strict, Format::Text, None, true) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let t = Instant::now();
    let written = output::write(&cli.root, &outputs);
    crate::timings::lap("write", t);
    match written {
        Ok(r) => {
            if out.verbose {
                for p in &r.written {
                    eprintln!("  wrote {p}");
                }
            }
            for p in &r.removed {
                if !cli.quiet {
                    eprintln!("  removed {p} (no spec generates it any more)");
                }
            }
            let notes: String = report.notes.iter().map(|n| format!("; {n}")).collect();
            out.info(&format!(
                "gen build: {} written, {} unchanged, {} removed in {} ms{notes}{}",
                r.written.len(),
                r.unchanged,
                r.removed.len(),
                start.elapsed().as_millis(),
                out.warning_note()
            ));
            0
        }
        Err(e) => {
            eprintln!("gen: I/O error: {e}");
            2
        }
    }
}

/// True when the only difference is CRLF line endings on disk.
fn crlf_only(old: &[u8], new: &[u8]) -> bool {
    old.windows(2).any(|w| w == b"\r\n")
        && String::from_utf8_lossy(old)
            .replace("\r\n", "\n")
            .as_bytes()
            == new
}

fn check(cli: &Cli, out: &Out, strict: bool, format: Format, since: Option<&str>) -> u8 {
    let start = Instant::now();
    if !has_specs(&cli.root) {
        // Docs-only folders build a site, but check guards specs: finding
        // none must fail, never pass.
        eprintln!("error: no chart specs in specs/\n  = help: gen check compares what specs generate; add one with `gen new <chart>`");
        return 1;
    }
    // The site is build output and is not committed: check leaves it out.
    let (outputs, _) = match prepare(cli, out, strict, format, since, false) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let changes = match output::diff(&cli.root, &outputs) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("gen: I/O error: {e}");
            return 2;
        }
    };
    let committed = outputs.files.keys().filter(|p| !output::in_site(p)).count();
    // A file whose only difference is CRLF line endings is current: git
    // converted it on checkout. Say how to stop that, but do not fail.
    let (crlf, changes): (Vec<Change>, Vec<Change>) = changes.into_iter().partition(
        |c| matches!(c, Change::Stale { path, old } if crlf_only(old, &outputs.files[path])),
    );
    if !crlf.is_empty() {
        for c in &crlf {
            if format == Format::Github {
                println!("::warning file={},line=1::CRLF line endings in a generated file; see .gitattributes", c.path());
            }
            eprintln!(
                "line endings: {} is current but has CRLF line endings (gen writes LF)",
                c.path()
            );
        }
        eprintln!(
            "warning: {} generated file(s) differ from gen's output only in CRLF line endings: git converts them on checkout. \
             Add `* text=auto eol=lf` to .gitattributes, then `git add --renormalize . && git checkout -- .`",
            crlf.len()
        );
    }
    if changes.is_empty() {
        out.info(&format!(
            "gen check: {committed} files up to date in {} ms{}",
            start.elapsed().as_millis(),
            out.warning_note()
        ));
        return 0;
    }
    for c in &changes {
        let (what, detail) = match c {
            Change::Stale { path, old } => (
                "stale",
                output::unified_diff(path, old, &outputs.files[path]),
            ),
            Change::Missing { path } => ("missing", format!("{path}: not on disk\n")),
            Change::Orphaned { path } => (
                "orphaned",
                format!("{path}: generated by gen, but no spec produces it any more\n"),
            ),
        };
        if format == Format::Github {
            let line = match c {
                Change::Stale { path, old } => first_changed_line(old, &outputs.files[path]),
                _ => 1,
            };
            println!(
                "::error file={},line={line}::{} generated file; run gen build",
                c.path(),
                what
            );
        }
        eprintln!("{what}: {}", c.path());
        eprint!("{detail}");
    }
    eprintln!(
        "gen check: {} of {committed} generated files are out of date; run `gen build` and commit the result",
        changes.len()
    );
    1
}

fn has_specs(root: &std::path::Path) -> bool {
    std::fs::read_dir(root.join(project::SPEC_DIR)).is_ok_and(|entries| {
        entries.filter_map(Result::ok).any(|e| {
            let n = e.file_name();
            let n = n.to_string_lossy();
            n.ends_with(".yaml") || n.ends_with(".yml")
        })
    })
}

/// The 1-based line of the file on disk where it first differs from gen's
/// output (for annotations on the line GitHub shows).
pub fn first_changed_line(old: &[u8], new: &[u8]) -> usize {
    let common = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    old[..common].iter().filter(|&&b| b == b'\n').count() + 1
}

fn github_annotation(d: &Diagnostic) -> String {
    let level = if d.is_error() { "error" } else { "warning" };
    let msg = format!(
        "{}{}",
        d.message,
        d.help
            .as_ref()
            .map(|h| format!(" (help: {h})"))
            .unwrap_or_default()
    );
    let msg = msg
        .replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A");
    format!(
        "::{level} file={},line={},col={}::{msg}",
        d.file,
        d.line.max(1),
        d.column.max(1)
    )
}

fn schema(cli: &Cli, out: &Out, stdout: bool) -> u8 {
    let text = project::schema_json();
    if stdout {
        print!("{text}");
        return 0;
    }
    let path = cli.root.join(project::SCHEMA_PATH);
    if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
        out.info("gen schema: specs/schema.json is up to date");
        return 0;
    }
    match output::write_atomic(&path, text.as_bytes()) {
        Ok(()) => {
            out.info("gen schema: wrote specs/schema.json");
            0
        }
        Err(e) => {
            eprintln!("gen: I/O error: writing specs/schema.json: {e}");
            2
        }
    }
}

fn init(cli: &Cli, out: &Out) -> u8 {
    match crate::init::init(&cli.root) {
        Ok(r) => {
            for p in &r.written {
                out.info(&format!("  wrote {p}"));
            }
            for p in &r.kept {
                out.info(&format!("  kept {p} (it exists)"));
            }
            out.info(&format!(
                "gen init: {} written, {} kept. Next: `gen new <chart>`, fill in its TODOs, `gen build`, commit, `pre-commit install`",
                r.written.len(),
                r.kept.len()
            ));
            0
        }
        Err(e) => {
            eprintln!("gen: I/O error: {e}");
            2
        }
    }
}

fn completions(shell: clap_complete::Shell) -> u8 {
    use clap::CommandFactory;
    clap_complete::generate(shell, &mut Cli::command(), "gen", &mut std::io::stdout());
    0
}

fn new_spec(cli: &Cli, out: &Out, chart: &str) -> u8 {
    if !crate::spec::validate::is_dns_label(chart) {
        eprintln!("gen new: {chart:?} is not a valid chart name: use lower-case letters, digits and '-', at most 63 characters");
        return 2;
    }
    let rel = format!("{}/{chart}.yaml", project::SPEC_DIR);
    let path = cli.root.join(&rel);
    if path.exists() {
        eprintln!("gen new: {rel} already exists; edit it instead");
        return 2;
    }
    let text = crate::scaffold::new_spec(chart);
    match output::write_atomic(&path, text.as_bytes()) {
        Ok(()) => {
            out.info(&format!(
                "gen new: wrote {rel}; fill in every TODO, then run `gen build`"
            ));
            0
        }
        Err(e) => {
            eprintln!("gen: I/O error: writing {rel}: {e}");
            2
        }
    }
}
