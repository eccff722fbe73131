//! Bounds on what a template may do. Tera has none of its own: a template
//! that includes itself, or a macro that calls itself, recurses until the
//! stack overflows and the process aborts with no error and no location, and
//! a runaway loop renders until memory or patience runs out.
//!
//! - Before anything renders, [`check`] walks the parsed templates and
//!   refuses every cycle of includes, `extends` and macro calls, and any
//!   chain of them deeper than [`MAX_DEPTH`], with the file, line and column
//!   of the statement and the whole chain. A static check can be exact here:
//!   Tera resolves includes and macro calls by literal names, so the graph is
//!   known before rendering, and without a cycle the nesting is bounded by
//!   the templates themselves. A run-time depth counter is not possible:
//!   Tera has no hook on an include or a macro call. The price is that no
//!   template may recurse, even one that would stop; gen's built-in
//!   templates never do.
//! - While rendering, [`render`] writes into a sink that stops the render
//!   when its output passes [`MAX_OUTPUT`], when it has run for longer than
//!   [`MAX_TIME`], or once [`cancel`] was called (`gen serve` on SIGTERM or
//!   Ctrl-C). Size and cancellation are checked on every write; the clock,
//!   the one costly check, on every [`CLOCK_EVERY`]th write (a site page
//!   renders thousands of small templates of a dozen writes each). `range()`
//!   is replaced by one that refuses more than [`MAX_RANGE`] items and looks
//!   at the clock on every call, so that nested loops that write nothing
//!   stop too. Not bounded: a loop inside a macro or a `{% filter %}`
//!   section writes into Tera's own buffer, which the sink sees only when
//!   the macro returns (its `range()` calls still stop it).

use crate::diagnostics::Diagnostic;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tera::ast::{Expr, ExprVal, Node};
use tera::{Tera, Value};

/// Includes, `extends` and macro calls nested deeper than this are refused.
pub const MAX_DEPTH: usize = 16;
/// One render's output. gen's largest real output (a site page of a big
/// chart) is well under 1 MiB.
pub const MAX_OUTPUT: usize = 64 << 20;
/// One render's time. gen's templates render in milliseconds.
pub const MAX_TIME: Duration = Duration::from_secs(10);
/// Items one `range()` may make.
pub const MAX_RANGE: usize = 100_000;
/// The sink reads the clock once per this many writes: a render stops at
/// most this many writes after its time is up.
pub const CLOCK_EVERY: u32 = 64;

/// Set once the process is stopping: every render in flight ends at its
/// next write or `range()`.
static CANCELLED: AtomicBool = AtomicBool::new(false);

/// Stops every render in flight, and every later one. For a process that is
/// about to exit.
pub fn cancel() {
    CANCELLED.store(true, Ordering::SeqCst);
}

/// The render running on this thread: when it must end, and why it was
/// stopped.
struct Budget {
    deadline: Instant,
    /// The time the render was given, for the message.
    limit: Duration,
    stopped: Option<String>,
}

thread_local! {
    static BUDGET: RefCell<Option<Budget>> = const { RefCell::new(None) };
}

/// Whether the render on this thread must stop, having written `written`
/// bytes; records why. The clock is read only when `clock` is set.
fn over_budget(written: usize, clock: bool) -> bool {
    BUDGET.with(|b| {
        let mut b = b.borrow_mut();
        let Some(budget) = b.as_mut() else {
            return false;
        };
        if budget.stopped.is_none() {
            budget.stopped = if CANCELLED.load(Ordering::Relaxed) {
                Some("rendering was cancelled: gen is stopping".into())
            } else if written > MAX_OUTPUT {
                Some(format!(
                    "rendering stopped: the output passed {} MiB; a loop that never ends?",
                    MAX_OUTPUT >> 20
                ))
            } else if clock && Instant::now() > budget.deadline {
                Some(format!(
                    "rendering stopped after {} s; a loop that never ends?",
                    budget.limit.as_secs_f64()
                ))
            } else {
                None
            };
        }
        budget.stopped.is_some()
    })
}

/// The render's output: appended to the bytes of a caller's string,
/// checked against the budget on every write (the clock on every
/// [`CLOCK_EVERY`]th).
struct Sink<'o> {
    out: &'o mut Vec<u8>,
    /// The length of `out` before the render.
    start: usize,
    writes: u32,
}

impl std::io::Write for Sink<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.writes = self.writes.wrapping_add(1);
        let written = self.out.len() - self.start + bytes.len();
        if over_budget(written, self.writes.is_multiple_of(CLOCK_EVERY)) {
            return Err(std::io::Error::other("render budget exceeded"));
        }
        self.out.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Renders `name` within the bounds above. The error is the message for the
/// user: why it was stopped, or Tera's whole error chain.
pub fn render(tera: &Tera, name: &str, ctx: &tera::Context) -> Result<String, String> {
    let mut out = String::new();
    render_into(tera, name, ctx, &mut out).map(|()| out)
}

/// [`render`], appending to `out`, which a failed render leaves as it was.
/// Rendering many small templates into one page copies nothing twice.
pub fn render_into(
    tera: &Tera,
    name: &str,
    ctx: &tera::Context,
    out: &mut String,
) -> Result<(), String> {
    render_within(tera, name, ctx, out, MAX_TIME)
}

fn render_within(
    tera: &Tera,
    name: &str,
    ctx: &tera::Context,
    out: &mut String,
    limit: Duration,
) -> Result<(), String> {
    let outer = BUDGET.with(|b| {
        b.replace(Some(Budget {
            deadline: Instant::now() + limit,
            limit,
            stopped: None,
        }))
    });
    let start = out.len();
    let mut bytes = std::mem::take(out).into_bytes();
    let result = tera.render_to(
        name,
        ctx,
        Sink {
            out: &mut bytes,
            start,
            writes: 0,
        },
    );
    let stopped = BUDGET.with(|b| b.replace(outer)).and_then(|b| b.stopped);
    // Only what this render appended is checked, once: a page's body takes
    // thousands of pieces.
    let result = match (result, stopped) {
        (Ok(()), _) => std::str::from_utf8(&bytes[start..])
            .map(|_| ())
            .map_err(|e| format!("the template wrote text that is not UTF-8: {e}")),
        (Err(_), Some(why)) => Err(why),
        (Err(e), None) => Err(super::error_chain(&e)),
    };
    if result.is_err() {
        bytes.truncate(start);
    }
    // SAFETY: `bytes[..start]` was a `String`, and what follows it was just
    // checked to be UTF-8 or cut off; UTF-8 followed by UTF-8 is UTF-8.
    *out = unsafe { String::from_utf8_unchecked(bytes) };
    result
}

/// Tera's `range()`, with the same arguments and errors, refusing more than
/// [`MAX_RANGE`] items and a zero step (Tera's own panics), and stopping
/// when the render is over its budget.
pub fn range(args: &HashMap<String, Value>) -> tera::Result<Value> {
    let arg = |key: &str, default: Option<usize>| -> tera::Result<usize> {
        match args.get(key) {
            Some(v) => v.as_u64().map(|n| n as usize).ok_or_else(|| {
                tera::Error::msg(format!(
                    "Function `range` received {key}={v} but `{key}` can only be a number"
                ))
            }),
            None => default.ok_or_else(|| {
                tera::Error::msg(format!(
                    "Function `range` was called without a `{key}` argument"
                ))
            }),
        }
    };
    let (start, end, step) = (
        arg("start", Some(0))?,
        arg("end", None)?,
        arg("step_by", Some(1))?,
    );
    if start > end {
        return Err(tera::Error::msg(
            "Function `range` was called with a `start` argument greater than the `end` one",
        ));
    }
    if step == 0 {
        return Err(tera::Error::msg(
            "Function `range` needs a `step_by` above 0",
        ));
    }
    let count = (end - start).div_ceil(step);
    if count > MAX_RANGE {
        return Err(tera::Error::msg(format!(
            "Function `range` would make {count} items; gen allows {MAX_RANGE}"
        )));
    }
    if over_budget(0, true) {
        return Err(tera::Error::msg("render budget exceeded"));
    }
    Ok(Value::Array(
        (start..end).step_by(step).map(Value::from).collect(),
    ))
}

/// Something that renders: a whole template or one macro of a file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Unit {
    Template(String),
    /// The file that defines it, and its name.
    Macro(String, String),
}

impl Unit {
    fn describe(&self) -> String {
        match self {
            Unit::Template(f) => f.clone(),
            Unit::Macro(f, m) => format!("macro `{m}` of {f}"),
        }
    }
}

/// A statement by which one unit renders another.
#[derive(Debug, Clone)]
struct Edge {
    to: Unit,
    verb: &'static str,
    /// Where the statement is: a file, and the line and column of the text
    /// that names the target.
    file: String,
    line: usize,
    column: usize,
}

/// What a body refers to, before names are resolved.
enum Ref {
    Include(Vec<String>),
    Extends(String),
    Call(String, String),
}

fn refs_in_expr(e: &Expr, out: &mut Vec<Ref>) {
    refs_in_val(&e.val, out);
    for f in &e.filters {
        f.args.values().for_each(|a| refs_in_expr(a, out));
    }
}

fn refs_in_val(v: &ExprVal, out: &mut Vec<Ref>) {
    match v {
        ExprVal::MacroCall(c) => {
            out.push(Ref::Call(c.namespace.clone(), c.name.clone()));
            c.args.values().for_each(|a| refs_in_expr(a, out));
        }
        ExprVal::FunctionCall(f) => f.args.values().for_each(|a| refs_in_expr(a, out)),
        ExprVal::Math(m) => {
            refs_in_expr(&m.lhs, out);
            refs_in_expr(&m.rhs, out);
        }
        ExprVal::Logic(l) => {
            refs_in_expr(&l.lhs, out);
            refs_in_expr(&l.rhs, out);
        }
        ExprVal::In(i) => {
            refs_in_expr(&i.lhs, out);
            refs_in_expr(&i.rhs, out);
        }
        ExprVal::Test(t) => t.args.iter().for_each(|a| refs_in_expr(a, out)),
        ExprVal::Array(items) => items.iter().for_each(|a| refs_in_expr(a, out)),
        ExprVal::StringConcat(s) => s.values.iter().for_each(|v| refs_in_val(v, out)),
        ExprVal::String(_)
        | ExprVal::Int(_)
        | ExprVal::Float(_)
        | ExprVal::Bool(_)
        | ExprVal::Ident(_) => {}
    }
}

/// Every reference in `body`, macro definitions left out (each macro is a
/// unit of its own).
fn refs_in_body(body: &[Node], out: &mut Vec<Ref>) {
    for node in body {
        match node {
            Node::VariableBlock(_, e) => refs_in_expr(e, out),
            Node::Set(_, s) => refs_in_expr(&s.value, out),
            Node::FilterSection(_, f, _) => {
                f.filter.args.values().for_each(|a| refs_in_expr(a, out));
                refs_in_body(&f.body, out);
            }
            Node::Block(_, b, _) => refs_in_body(&b.body, out),
            Node::Forloop(_, f, _) => {
                refs_in_expr(&f.container, out);
                refs_in_body(&f.body, out);
                if let Some(empty) = &f.empty_body {
                    refs_in_body(empty, out);
                }
            }
            Node::If(i, _) => {
                for (_, cond, body) in &i.conditions {
                    refs_in_expr(cond, out);
                    refs_in_body(body, out);
                }
                if let Some((_, body)) = &i.otherwise {
                    refs_in_body(body, out);
                }
            }
            Node::Include(_, names, _) => out.push(Ref::Include(names.clone())),
            Node::Extends(_, name) => out.push(Ref::Extends(name.clone())),
            Node::MacroDefinition(..)
            | Node::ImportMacro(..)
            | Node::Super
            | Node::Text(_)
            | Node::Raw(..)
            | Node::Break(_)
            | Node::Continue(_)
            | Node::Comment(..) => {}
        }
    }
}

/// The 1-based line and column of the first statement in `src` that names
/// `target` after `keyword` (`include "x"`, `self::m(`), or of the first
/// mention of `target`; (0, 0) when it is not found.
fn locate(src: &str, keyword: &str, target: &str) -> (usize, usize) {
    let mentions: Vec<usize> = src.match_indices(target).map(|(i, _)| i).collect();
    let statement = mentions.iter().copied().find(|&i| {
        let before = src[..i].trim_end_matches(['"', '\'', '`']).trim_end();
        let before = before.strip_suffix('[').unwrap_or(before).trim_end();
        before.ends_with(keyword)
    });
    let Some(at) = statement.or(mentions.first().copied()) else {
        return (0, 0);
    };
    let line_start = src[..at].rfind('\n').map_or(0, |i| i + 1);
    (
        src[..at].matches('\n').count() + 1,
        src[line_start..at].chars().count() + 1,
    )
}

/// Every unit and the statements by which it renders others.
fn graph(tera: &Tera, sources: &BTreeMap<&str, &str>) -> BTreeMap<Unit, Vec<Edge>> {
    let mut graph = BTreeMap::new();
    let mut names: Vec<&String> = tera.templates.keys().collect();
    names.sort();
    for name in names {
        let tpl = &tera.templates[name];
        let src = sources.get(name.as_str()).copied().unwrap_or("");
        // A macro called from `file`, through `namespace`.
        let resolve = |namespace: &str, called: &str| -> Option<Unit> {
            if namespace == "self" {
                return tpl
                    .macros
                    .contains_key(called)
                    .then(|| Unit::Macro(name.clone(), called.to_string()));
            }
            let (file, _) = tpl
                .imported_macro_files
                .iter()
                .find(|(_, ns)| ns == namespace)?;
            tera.templates
                .get(file)
                .filter(|t| t.macros.contains_key(called))
                .map(|_| Unit::Macro(file.clone(), called.to_string()))
        };
        let edges = |body: &[Node]| -> Vec<Edge> {
            let mut refs = Vec::new();
            refs_in_body(body, &mut refs);
            let mut edges = Vec::new();
            let mut add = |to: Unit, verb: &'static str, keyword: &str, target: &str| {
                let (line, column) = locate(src, keyword, target);
                edges.push(Edge {
                    to,
                    verb,
                    file: name.clone(),
                    line,
                    column,
                });
            };
            for r in refs {
                match r {
                    Ref::Include(list) => {
                        // Tera renders the first of the list that exists.
                        if let Some(t) = list.iter().find(|t| tera.templates.contains_key(*t)) {
                            add(Unit::Template(t.clone()), "includes", "include", t);
                        }
                    }
                    Ref::Extends(parent) => add(
                        Unit::Template(parent.clone()),
                        "extends",
                        "extends",
                        &parent,
                    ),
                    Ref::Call(ns, m) => {
                        if let Some(to) = resolve(&ns, &m) {
                            add(to, "calls", &format!("{ns}::"), &m);
                        }
                    }
                }
            }
            edges
        };
        graph.insert(Unit::Template(name.clone()), edges(&tpl.ast));
        let mut macros: Vec<_> = tpl.macros.iter().collect();
        macros.sort_by_key(|(m, _)| *m);
        for (m, def) in macros {
            graph.insert(Unit::Macro(name.clone(), m.clone()), edges(&def.body));
        }
    }
    graph
}

enum Visit {
    Open,
    /// The longest chain of edges from here, and its first edge.
    Done(usize, Option<Edge>),
}

struct Walk<'a> {
    graph: &'a BTreeMap<Unit, Vec<Edge>>,
    state: BTreeMap<Unit, Visit>,
    /// The edges taken from the root of the walk to the unit being visited.
    path: Vec<Edge>,
    errors: Vec<Diagnostic>,
}

impl Walk<'_> {
    fn chain(edges: &[Edge], from: &Unit) -> String {
        let mut text = from.describe();
        for e in edges {
            text.push_str(&format!(" {} {}", e.verb, e.to.describe()));
        }
        text
    }

    /// The depth of the longest chain from `unit`, recording a diagnostic
    /// for each cycle found on the way.
    fn visit(&mut self, unit: &Unit) -> usize {
        match self.state.get(unit) {
            Some(Visit::Done(depth, _)) => return *depth,
            Some(Visit::Open) => {
                // A cycle: from the edge that first reached `unit` (none
                // when the walk started there) to the one closing it.
                let (closing, before) =
                    self.path.split_last().expect("an open unit is on the path");
                let from = before
                    .iter()
                    .position(|e| &e.to == unit)
                    .map_or(0, |i| i + 1);
                let cycle = &self.path[from..];
                let message = if cycle.len() == 1 && closing.verb == "includes" {
                    format!("{} includes itself", unit.describe())
                } else {
                    format!("recursion: {}", Walk::chain(cycle, unit))
                };
                let d = Diagnostic::error(format!("templates/{}", closing.file), message)
                    .at(closing.line, closing.column)
                    .help(format!(
                        "a template may not include itself or call its own macros, directly or through others, \
                         since Tera would recurse until the stack overflows; remove this {}",
                        match closing.verb {
                            "includes" => "include",
                            "extends" => "extends",
                            _ => "macro call",
                        }
                    ));
                if !self.errors.contains(&d) {
                    self.errors.push(d);
                }
                return 0;
            }
            None => {}
        }
        self.state.insert(unit.clone(), Visit::Open);
        let mut best = (0, None);
        for edge in self.graph.get(unit).map(Vec::as_slice).unwrap_or(&[]) {
            self.path.push(edge.clone());
            let depth = self.visit(&edge.to) + 1;
            self.path.pop();
            if depth > best.0 {
                best = (depth, Some(edge.clone()));
            }
        }
        let depth = best.0;
        self.state.insert(unit.clone(), Visit::Done(best.0, best.1));
        depth
    }

    /// The longest chain from `unit`, edge by edge.
    fn longest(&self, unit: &Unit) -> Vec<Edge> {
        let mut edges = Vec::new();
        let mut at = unit;
        while let Some(Visit::Done(_, Some(e))) = self.state.get(at) {
            edges.push(e.clone());
            at = &e.to;
        }
        edges
    }
}

/// Refuses recursion and nesting deeper than [`MAX_DEPTH`] among the
/// templates of `tera`, whose sources (by name) locate the statements.
pub fn check(tera: &Tera, sources: &BTreeMap<&str, &str>) -> Vec<Diagnostic> {
    let graph = graph(tera, sources);
    let mut walk = Walk {
        graph: &graph,
        state: BTreeMap::new(),
        path: Vec::new(),
        errors: Vec::new(),
    };
    let mut too_deep = Vec::new();
    for unit in graph.keys() {
        if walk.visit(unit) > MAX_DEPTH && matches!(unit, Unit::Template(_)) {
            too_deep.push(unit.clone());
        }
    }
    let mut errors = std::mem::take(&mut walk.errors);
    if errors.is_empty() {
        for unit in too_deep {
            let chain = walk.longest(&unit);
            // Point at the statement that goes one level too deep.
            let last = &chain[MAX_DEPTH];
            errors.push(
                Diagnostic::error(
                    format!("templates/{}", last.file),
                    format!(
                        "templates nest {} levels deep, more than the {MAX_DEPTH} gen allows: {}",
                        chain.len(),
                        Walk::chain(&chain, &unit)
                    ),
                )
                .at(last.line, last.column)
                .help("flatten the chain of includes and macro calls"),
            );
        }
    }
    for d in &mut errors {
        if let Some(src) = d
            .file
            .strip_prefix("templates/")
            .and_then(|n| sources.get(n))
        {
            *d = d.clone().with_source(src);
        }
    }
    crate::diagnostics::sort(&mut errors);
    errors.dedup();
    errors
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tera<'a>(templates: &[(&'a str, &'a str)]) -> (Tera, BTreeMap<&'a str, &'a str>) {
        let mut tera = Tera::default();
        tera.register_function("range", range);
        tera.add_raw_templates(templates.to_vec()).unwrap();
        (tera, templates.iter().copied().collect())
    }

    fn errors(templates: &[(&str, &str)]) -> Vec<String> {
        let (t, sources) = tera(templates);
        check(&t, &sources)
            .iter()
            .map(|d| format!("{}: {}", d.location(), d.message))
            .collect()
    }

    #[test]
    fn a_template_that_includes_itself_is_located() {
        assert_eq!(
            errors(&[("a.tera", "x\n  {% include \"a.tera\" %}\n")]),
            ["templates/a.tera:2:15: a.tera includes itself"]
        );
    }

    #[test]
    fn cycles_through_other_templates_and_macros_name_the_chain() {
        let e = errors(&[
            ("a.tera", "{% include \"b.tera\" %}"),
            ("b.tera", "{% include 'c.tera' %}"),
            ("c.tera", "{% include \"a.tera\" %}"),
        ]);
        assert_eq!(
            e,
            ["templates/c.tera:1:13: recursion: a.tera includes b.tera includes c.tera includes a.tera"]
        );
        let e = errors(&[(
            "m.tera",
            "{% macro walk(n) %}{{ self::walk(n=n) }}{% endmacro walk %}{{ self::walk(n=1) }}",
        )]);
        assert_eq!(
            e,
            ["templates/m.tera:1:29: recursion: macro `walk` of m.tera calls macro `walk` of m.tera"]
        );
        // Through an imported file, and a macro that includes its caller.
        let e = errors(&[
            (
                "lib.tera",
                "{% macro f() %}{% include \"page.tera\" %}{% endmacro f %}",
            ),
            (
                "page.tera",
                "{% import \"lib.tera\" as lib %}{% if true %}{{ lib::f() | upper }}{% endif %}",
            ),
        ]);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].contains("page.tera calls macro `f` of lib.tera includes page.tera")
                || e[0].contains("macro `f` of lib.tera includes page.tera calls macro `f`"),
            "{e:?}"
        );
    }

    #[test]
    fn nesting_is_bounded_and_the_built_ins_pass() {
        let names: Vec<String> = (0..=MAX_DEPTH + 1).map(|i| format!("t{i:02}")).collect();
        let mut templates: Vec<(String, String)> = names
            .windows(2)
            .map(|w| (w[0].clone(), format!("{{% include \"{}\" %}}", w[1])))
            .collect();
        templates.push((names[MAX_DEPTH + 1].clone(), "leaf".into()));
        let borrowed: Vec<(&str, &str)> = templates
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        let e = errors(&borrowed);
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("nest 17 levels deep"), "{e:?}");
        assert!(e[0].starts_with("templates/t16:1:"), "{e:?}");
        // Exactly at the bound is fine.
        assert!(errors(&borrowed[1..]).is_empty());
        assert!(errors(crate::render::EMBEDDED).is_empty());
    }

    fn render_one(src: &str) -> Result<String, String> {
        let (t, _) = tera(&[("t", src)]);
        render(&t, "t", &tera::Context::new())
    }

    #[test]
    fn runaway_output_and_ranges_stop_with_a_reason() {
        // 4 KiB a turn reaches 64 MiB long before 10 s, even in a debug
        // build on a busy machine.
        let big = render_one(&format!(
            "{{% for i in range(end=100000) %}}{{% for j in range(end=100000) %}}{}{{% endfor %}}{{% endfor %}}",
            "x".repeat(4096)
        ))
        .unwrap_err();
        assert!(big.contains("output passed 64 MiB"), "{big}");
        let e = render_one("{% for i in range(end=100001) %}{% endfor %}").unwrap_err();
        assert!(e.contains("would make 100001 items"), "{e}");
        let e = render_one("{% for i in range(end=3, step_by=0) %}{% endfor %}").unwrap_err();
        assert!(e.contains("step_by"), "{e}");
        assert_eq!(
            render_one("{% for i in range(start=1, end=7, step_by=2) %}{{ i }}{% endfor %}")
                .unwrap(),
            "135"
        );
        // The budget is per render, and gone afterwards.
        assert!(BUDGET.with(|b| b.borrow().is_none()));
        assert_eq!(render_one("ok").unwrap(), "ok");
    }

    #[test]
    fn a_loop_of_small_writes_stops_on_time_and_leaves_the_output_as_it_was() {
        // No `range()` here: only the sink's clock can stop it, well before
        // its 10^10 one-byte writes reach the size bound.
        let (t, _) = tera(&[(
            "t",
            "{% for a in xs %}{% for b in xs %}x{% endfor %}{% endfor %}",
        )]);
        let mut ctx = tera::Context::new();
        ctx.insert("xs", &vec![0; 100_000]);
        let mut out = String::from("before ");
        let started = Instant::now();
        let e = render_within(&t, "t", &ctx, &mut out, Duration::from_millis(50)).unwrap_err();
        assert!(e.contains("rendering stopped after 0.05 s"), "{e}");
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert_eq!(out, "before ");
        // A render that succeeds appends.
        render_into(
            &t,
            "t",
            &tera::Context::from_serialize(serde_json::json!({"xs": [1, 2]})).unwrap(),
            &mut out,
        )
        .unwrap();
        assert_eq!(out, "before xxxx");
    }
}
