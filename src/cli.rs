//! Command-line interface: parse arguments, run one command, map the result
//! to an exit code. Exit codes: 0 success, 1 stale output or invalid input,
//! 2 usage or I/O error.

use crate::diagnostics::{Diagnostic, Severity};
use crate::kinds;
use crate::memo::Memo;
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
    /// The `helm` that renders charts for their facts (default: gen.toml's `helm`, else `helm` on PATH).
    #[arg(long, global = true, value_name = "PATH")]
    pub helm: Option<PathBuf>,
    /// Build without chart facts: charts with hand-written templates are not rendered with Helm, and the specs are not checked against them (also `facts = false` in gen.toml).
    #[arg(long, global = true)]
    pub no_facts: bool,
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
        /// Start from this chart's spec (specs/<LIKE>.yaml) instead of the
        /// blank scaffold: its procedures and commands, with the chart's own
        /// names moved and the product's facts left as TODOs.
        #[arg(long, value_name = "CHART")]
        like: Option<String>,
    },
    /// Print a chart's backup, verification and restore procedures as JSON: each step's command exactly as the guide shows it, its expected result and the drill that proves it.
    Procedures {
        /// Chart name, as in specs/<CHART>.yaml.
        chart: String,
    },
    /// Adopt a hand-written chart repository: put gen's regions where the matching hand-written sections are, move the Artifact Hub changes into gen's region, take over the charts' own ServiceAccount/RBAC templates and the repository's guide and target paths, then build. Prints the plan; a second run changes nothing.
    Adopt {
        /// Print the plan and change nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Set up a chart repository for gen: specs/, templates/, gen.toml, .gitattributes, .gitignore and a pre-commit config. Keeps every file that exists.
    Init,
    /// Print what Helm renders of charts/<CHART> (workloads, containers, mounts, Secrets and their keys, PVCs, values keys...), as gen checks the spec against it.
    Facts {
        /// Chart name, a folder under charts/.
        chart: String,
        /// Print JSON instead of a summary.
        #[arg(long)]
        json: bool,
    },
    /// List every check gen runs on the specs (id, severity, how to fix); with an ID, explain that one. Each diagnostic names its check, e.g. `error[restore.no-full]`.
    Checks {
        /// A check's id, e.g. `restore.no-full`.
        id: Option<String>,
    },
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
        /// A host name the browser may use besides localhost and IP addresses (and, beyond loopback, this machine's name); other Host headers get a 403, against DNS rebinding. Repeatable.
        #[arg(long = "allow-host", value_name = "NAME")]
        allow_host: Vec<String>,
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
            errp!("\x1b[{code}m{label}\x1b[0m{}", &text[label.len()..]);
        } else {
            errp!("{text}");
        }
    }

    fn info(&self, line: &str) {
        if !self.quiet {
            errln!("{line}");
        }
    }
}

pub fn run(cli: &Cli) -> u8 {
    let out = Out::new(cli.quiet, cli.verbose);
    // Every command but init (which sets a folder up), completions, checks
    // and docs works in an existing project folder.
    if !matches!(
        cli.command,
        Command::Init | Command::Completions { .. } | Command::Checks { .. } | Command::Docs { .. }
    ) {
        match std::fs::metadata(&cli.root) {
            Ok(m) if m.is_dir() => {}
            Ok(_) => {
                errln!("gen: --root {} is not a folder", cli.root.display());
                return 2;
            }
            Err(e) => {
                errln!("gen: I/O error: --root {}: {e}", cli.root.display());
                return 2;
            }
        }
    }
    if !matches!(
        cli.command,
        Command::Init | Command::Completions { .. } | Command::Checks { .. } | Command::Docs { .. }
    ) {
        let format = match cli.command {
            Command::Check { format, .. } => format,
            _ => Format::Text,
        };
        if let Err(code) = check_config(cli, &out, format) {
            return code;
        }
    }
    // One writer at a time; readers wait for it (see disk::Lock).
    let _lock = match &cli.command {
        Command::Build { .. }
        | Command::Adopt { dry_run: false }
        | Command::New { .. }
        | Command::Schema { stdout: false }
        | Command::Init => {
            if matches!(cli.command, Command::Init) {
                // init sets up a new folder: the one thing it may create.
                if let Err(e) = std::fs::create_dir_all(&cli.root) {
                    errln!("gen: I/O error: creating {}: {e}", cli.root.display());
                    return 2;
                }
            }
            match crate::disk::Lock::exclusive(&cli.root) {
                Ok(l) => Some(l),
                Err(e) => {
                    errln!("gen: {e}");
                    return 2;
                }
            }
        }
        Command::Check { .. } | Command::Adopt { dry_run: true } => {
            match crate::disk::Lock::shared(&cli.root, || {
                out.info("gen check: waiting for the gen writing in this folder to finish")
            }) {
                Ok(l) => Some(l),
                Err(e) => {
                    errln!("gen: I/O error: locking {}: {e}", cli.root.display());
                    return 2;
                }
            }
        }
        _ => None,
    };
    match &cli.command {
        Command::Build { strict } => build(cli, &out, *strict),
        Command::Check {
            strict,
            format,
            since,
        } => check(cli, &out, *strict, *format, since.as_deref()),
        Command::Init => init(cli, &out),
        Command::Adopt { dry_run } => adopt(cli, &out, *dry_run),
        Command::Completions { shell } => completions(*shell),
        Command::Docs { topic } => {
            print!("{}", topic.text());
            0
        }
        Command::Checks { id } => match crate::checks::explain(id.as_deref()) {
            Ok(text) => {
                outp!("{text}");
                0
            }
            Err(e) => {
                errln!("gen checks: {e}");
                2
            }
        },
        Command::Schema { stdout } => schema(cli, &out, *stdout),
        Command::New { chart, like } => new_spec(cli, &out, chart, like.as_deref()),
        Command::Procedures { chart } => procedures(cli, &out, chart),
        Command::Serve {
            bind,
            port,
            allow_host,
        } => crate::serve::run(
            &cli.root,
            &crate::serve::ServeArgs {
                bind,
                port: *port,
                allow: allow_host,
                quiet: cli.quiet,
                helm: cli.helm.as_deref(),
                no_facts: cli.no_facts,
            },
        ),
        Command::Facts { chart, json } => facts(cli, chart, *json),
    }
}

fn procedures(cli: &Cli, out: &Out, chart: &str) -> u8 {
    let opts = project::facts_options(&cli.root, cli.helm.as_deref(), cli.no_facts);
    let (project, _) = match project::load(&cli.root, &opts, &Memo::default()) {
        Ok(p) => p,
        Err(f) => return report_failure(out, f, Format::Text),
    };
    let Some(file) = project.specs.iter().find(|f| f.spec.name == chart) else {
        errln!("error: no spec for chart {chart:?}\n  = help: the charts are the names of the files in specs/");
        return 2;
    };
    let list = crate::spec::procedures::procedures(&file.spec);
    match serde_json::to_string_pretty(&list) {
        Ok(json) => {
            outln!("{json}");
            0
        }
        Err(e) => {
            errln!("gen: {e}");
            2
        }
    }
}

fn report_failure(out: &Out, f: Failure, format: Format) -> u8 {
    match f {
        Failure::Invalid(diags) => {
            let errors = diags.iter().filter(|d| d.is_error()).count();
            for d in &diags {
                if format == Format::Github {
                    outln!("{}", github_annotation(d));
                }
                out.diag(d);
            }
            errln!(
                "gen: {errors} error{} found; nothing was written",
                if errors == 1 { "" } else { "s" }
            );
            1
        }
        Failure::Io(msg) => {
            errln!("gen: I/O error: {msg}");
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
            errln!("gen: I/O error: {msg}");
            return Err(2);
        }
    };
    if format == Format::Github {
        outln!("{}", github_annotation(&d));
    }
    out.diag(&d);
    errln!(
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
            outln!("{}", github_annotation(w));
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
                w.help = Some(
                    format!(
                        "write the real content at lines {}; `gen check --strict` fails while TODOs remain (-v shows each)",
                        list.join(", ")
                    )
                    .into(),
                );
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
) -> Result<(output::Outputs, project::Report), u8> {
    let t = Instant::now();
    let opts = project::facts_options(&cli.root, cli.helm.as_deref(), cli.no_facts);
    let (project, warnings) = project::load(&cli.root, &opts, &Memo::default())
        .map_err(|f| report_failure(out, f, format))?;
    crate::timings::lap("load", t);
    report_warnings(out, warnings, strict, format)?;
    let (outputs, report) = project::generate(&project, &Memo::default())
        .map_err(|f| report_failure(out, f, format))?;
    report_warnings(out, report.warnings.clone(), strict, format)?;
    match crate::helmmeta::bump::findings(&project.root, &project.specs, &outputs, since) {
        Ok(found) => report_warnings(out, found, strict, format)?,
        Err(msg) => {
            errln!("gen: {msg}");
            return Err(2);
        }
    }
    Ok((outputs, report))
}

fn build(cli: &Cli, out: &Out, strict: bool) -> u8 {
    let start = Instant::now();
    let (outputs, report) = match prepare(cli, out, strict, Format::Text, None) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if let Err(code) = refuse_foreign(cli, out, &outputs, Format::Text) {
        return code;
    }
    let t = Instant::now();
    let written = output::write(&cli.root, &outputs);
    crate::timings::lap("write", t);
    match written {
        Ok(r) => {
            if out.verbose {
                for p in &r.written {
                    errln!("  wrote {p}");
                }
            }
            for p in &r.removed {
                if !cli.quiet {
                    errln!("  removed {p} (no spec generates it any more)");
                }
            }
            for p in &r.leftovers {
                if !cli.quiet {
                    errln!("  removed {p} (a temporary file left by an interrupted gen)");
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
            errln!("gen: I/O error: {e}");
            2
        }
    }
}

/// Fails (exit 1, every path reported) when an output gen writes whole
/// would replace a file gen did not write.
fn refuse_foreign(
    cli: &Cli,
    out: &Out,
    outputs: &output::Outputs,
    format: Format,
) -> Result<(), u8> {
    match output::foreign(&cli.root, outputs) {
        Ok(paths) if paths.is_empty() => Ok(()),
        Ok(paths) => Err(report_failure(
            out,
            Failure::Invalid(output::foreign_errors(&paths)),
            format,
        )),
        Err(e) => {
            errln!("gen: I/O error: {e}");
            Err(2)
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
        errln!("error: no chart specs in specs/\n  = help: gen check compares what specs generate; add one with `gen new <chart>`");
        return 1;
    }
    // The site is rendered as `gen build` renders it, so that a broken link
    // or anchor fails here as it would there, then left out of the diff: it
    // is build output and is not committed.
    let (mut outputs, _) = match prepare(cli, out, strict, format, since) {
        Ok(o) => o,
        Err(code) => return code,
    };
    outputs.files.retain(|path, _| !output::in_site(path));
    if let Err(code) = refuse_foreign(cli, out, &outputs, format) {
        return code;
    }
    let changes = match output::diff(&cli.root, &outputs) {
        Ok(c) => c,
        Err(e) => {
            errln!("gen: I/O error: {e}");
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
                outln!("::warning file={},line=1::CRLF line endings in a generated file; see .gitattributes", c.path());
            }
            errln!(
                "line endings: {} is current but has CRLF line endings (gen writes LF)",
                c.path()
            );
        }
        errln!(
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
            Change::Leftover { path } => (
                "leftover",
                format!("{path}: a temporary file left by an interrupted gen; `gen build` removes it (never commit it)\n"),
            ),
        };
        if format == Format::Github {
            let line = match c {
                Change::Stale { path, old } => first_changed_line(old, &outputs.files[path]),
                _ => 1,
            };
            outln!(
                "::error file={},line={line}::{} generated file; run gen build",
                c.path(),
                what
            );
        }
        errln!("{what}: {}", c.path());
        errp!("{detail}");
    }
    errln!(
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
    let title = d.code.map(|c| format!(",title={c}")).unwrap_or_default();
    format!(
        "::{level} file={},line={},col={}{title}::{msg}",
        d.file,
        d.line.max(1),
        d.column.max(1)
    )
}

fn schema(cli: &Cli, out: &Out, stdout: bool) -> u8 {
    let text = project::schema_json();
    if stdout {
        outp!("{text}");
        return 0;
    }
    let path = cli.root.join(kinds::repo_path(kinds::Id::SpecSchema));
    if crate::disk::read_regular(&path).is_ok_and(|old| old == text.as_bytes()) {
        out.info("gen schema: specs/schema.json is up to date");
        return 0;
    }
    match output::write_atomic(&path, text.as_bytes()) {
        Ok(()) => {
            out.info("gen schema: wrote specs/schema.json");
            0
        }
        Err(e) => {
            errln!("gen: I/O error: writing specs/schema.json: {e}");
            2
        }
    }
}

fn adopt(cli: &Cli, out: &Out, dry_run: bool) -> u8 {
    let opts = project::facts_options(&cli.root, cli.helm.as_deref(), cli.no_facts);
    match crate::adopt::run(&cli.root, dry_run, &opts) {
        Ok(a) => {
            for w in &a.warnings {
                out.diag(w);
            }
            if a.plan.files.is_empty() {
                out.info("gen adopt: nothing to adopt; every chart already uses gen's regions and templates, and nothing was changed");
                return 0;
            }
            outp!("{}", a.plan.render());
            let actions: usize = a.plan.files.values().map(|f| f.actions.len()).sum();
            match a.written {
                None => out.info(&format!(
                    "gen adopt --dry-run: {actions} actions in {} files planned; nothing was written",
                    a.plan.files.len()
                )),
                Some(w) => out.info(&format!(
                    "gen adopt: {actions} actions in {} files done, then built: {} written, {} removed",
                    a.plan.files.len(),
                    w.written.iter().filter(|p| !output::in_site(p)).count(),
                    w.removed.len()
                )),
            }
            0
        }
        Err(f) => report_failure(out, f, Format::Text),
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
            errln!("gen: I/O error: {e}");
            2
        }
    }
}

/// `gen facts <chart>`: the chart's facts, from the cache or Helm, rendered
/// with the values files its spec names (if it has a spec).
fn facts(cli: &Cli, chart: &str, json: bool) -> u8 {
    use crate::facts::helm::{Helm, HelmError, INSTALL_HELP};
    if !crate::spec::validate::is_dns_label(chart) || !cli.root.join("charts").join(chart).is_dir()
    {
        eprintln!("gen facts: there is no chart folder charts/{chart}");
        return 2;
    }
    let opts = project::facts_options(&cli.root, cli.helm.as_deref(), false);
    let helm = match Helm::find(opts.helm.as_deref()) {
        Ok(h) => h,
        Err(HelmError::Missing(why) | HelmError::Failed(why)) => {
            eprintln!("error: gen facts needs Helm, and {why}\n  = help: {INSTALL_HELP}");
            return 2;
        }
    };
    let rel = format!("{}/{chart}.yaml", project::SPEC_DIR);
    let values_files = std::fs::read(cli.root.join(&rel))
        .ok()
        .and_then(|b| crate::spec::parse_at(&cli.root, &rel, &b).ok())
        .and_then(|f| f.spec.chart)
        .map(|c| c.values_files)
        .unwrap_or_default();
    match crate::facts::gather::chart_facts(&cli.root, chart, &values_files, &helm) {
        Ok((f, _)) if json => {
            println!(
                "{}",
                serde_json::to_string_pretty(&f).expect("facts serialize")
            );
            0
        }
        Ok((f, _)) => {
            print!("{}", f.summary());
            0
        }
        Err(d) => {
            Out::new(cli.quiet, false).diag(&d);
            1
        }
    }
}

fn completions(shell: clap_complete::Shell) -> u8 {
    use clap::CommandFactory;
    // Into memory first: clap_complete panics when it cannot write.
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "gen", &mut script);
    outp!("{}", String::from_utf8_lossy(&script));
    0
}

fn new_spec(cli: &Cli, out: &Out, chart: &str, like: Option<&str>) -> u8 {
    if !crate::spec::validate::is_dns_label(chart) {
        errln!("gen new: {chart:?} is not a valid chart name: use lower-case letters, digits and '-', at most 63 characters");
        return 2;
    }
    let rel = format!("{}/{chart}.yaml", project::SPEC_DIR);
    let path = cli.root.join(&rel);
    if path.exists() {
        errln!("gen new: {rel} already exists; edit it instead");
        return 2;
    }
    let text = match like {
        None => crate::scaffold::new_spec(chart),
        Some(from) => {
            let from_rel = format!("{}/{from}.yaml", project::SPEC_DIR);
            match std::fs::read_to_string(cli.root.join(&from_rel)) {
                Ok(t) => crate::scaffold::like_spec(&t, from, chart),
                Err(e) => {
                    errln!("gen new: cannot read {from_rel} for --like: {e}");
                    return 2;
                }
            }
        }
    };
    match output::write_atomic(&path, text.as_bytes()) {
        Ok(()) => {
            out.info(&format!(
                "gen new: wrote {rel}; fill in every TODO, then run `gen build`"
            ));
            0
        }
        Err(e) => {
            errln!("gen: I/O error: writing {rel}: {e}");
            2
        }
    }
}
