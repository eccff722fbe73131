//! The `make <chart>-<target>` calls of the specs' commands: each must
//! name a target the chart's generated Makefile has, and pass only
//! variables that target reads.
//!
//! A guide read during an outage that says `make redis-replica-info` when
//! `make/redis.mk` has `redis-replication-info` fails at the worst time.
//! The calls are read from every rendered command (after the snippets,
//! `{{pod}}` and `{{make}}` expanded): guide steps, operations of their
//! own and troubleshooting fixes. A call names its chart by the longest
//! spec name its target starts with, so `make postgresql-restore` in a
//! dependant's guide is held to the postgresql spec; a `make` of anything
//! else (the root Makefile's targets, `make help-redis`) is not a chart's.
//! `make.unknown-target` also reads the spec's text as written, for the
//! targets its prose, comments and `echo` strings name: "run `make
//! redis-foo`" read during an outage must be a target too.

use crate::diagnostics::Diagnostic;
use crate::model::{Given, GIVEN_VARIABLES, RELEASE_MARKER};
use crate::spec::make_call::release_derived;
use crate::spec::shell::{self, uses_var};
use crate::spec::snippets::steps_text;
use crate::spec::validate::all_steps;
use crate::spec::SpecFile;
use std::collections::BTreeMap;

/// One chart's Makefile as the calls see it.
struct Makefile<'a> {
    spec: &'a SpecFile,
    /// Target (without the chart's prefix) -> the command its recipe runs.
    targets: BTreeMap<String, String>,
}

impl Makefile<'_> {
    /// Whether a call's `NAME=value` reaches `target`: the prelude keeps
    /// what the command line sets for the given defaults and the spec's
    /// variables (`[ -n "${NAME:-}" ] || NAME=default`) and for `KUBECTL`;
    /// it sets `SELECTOR` and `POD` itself, whatever was passed. Any other
    /// name counts when the target's command reads it (`${REVISION:?...}`).
    fn reads(&self, target: &str, name: &str) -> bool {
        let given = GIVEN_VARIABLES.iter().find(|g| g.name == name);
        match given.map(|g| g.given) {
            Some(Given::Default(_) | Given::Fullname) => true,
            Some(Given::Prelude) => name == "KUBECTL",
            None if name == RELEASE_MARKER => true,
            None => {
                self.spec.spec.variables.iter().any(|v| v.name == name)
                    || self.targets.get(target).is_some_and(|c| uses_var(c, name))
            }
        }
    }
}

/// One `make` call of a command: the words after `make`, each with its
/// line (0-based) in the command.
struct Call {
    words: Vec<shell::Word>,
}

/// The `make` calls of a command's text.
fn calls(run: &str) -> Vec<Call> {
    shell::commands(run)
        .into_iter()
        .filter_map(|c| {
            let mut words = c.words.into_iter().skip_while(|w| is_assignment(&w.text));
            let first = words.next()?;
            (first.text == "make").then(|| Call {
                words: words.collect(),
            })
        })
        .collect()
}

/// `NAME=value`, a shell variable assignment.
fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(n, _)| is_var_name(n))
}

fn is_var_name(n: &str) -> bool {
    !n.is_empty()
        && !n.starts_with(|c: char| c.is_ascii_digit())
        && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A target's name: what gen's targets are made of.
fn is_target(word: &str) -> bool {
    !word.is_empty()
        && word
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Every command of a spec with its path: the guide steps, the operations
/// with a command of their own (one composed from `steps:` runs the steps'
/// text, read there) and the troubleshooting fixes.
fn commands(file: &SpecFile) -> Vec<(String, &str)> {
    let s = &file.spec;
    let mut v: Vec<(String, &str)> = all_steps(s)
        .into_iter()
        .filter_map(|(path, st)| {
            let shell = matches!(st.lang.as_deref(), None | Some("bash" | "sh" | "console"));
            let run = st.run.as_deref().filter(|_| shell)?;
            Some((format!("{path}.run"), run))
        })
        .collect();
    for (i, op) in s.operations.iter().enumerate() {
        if op.steps.is_empty() {
            v.push((format!("operations[{i}].run"), &op.run));
        }
    }
    for (i, t) in s.troubleshooting.iter().enumerate() {
        if let Some(run) = &t.run {
            v.push((format!("troubleshooting[{i}].run"), run));
        }
    }
    v
}

/// `make.unknown-target`: every `make <chart>-<target>` names a target of
/// that chart's Makefile, in a command or in the text an operator reads.
pub fn targets_exist(files: &[SpecFile], out: &mut Vec<Diagnostic>) {
    let unknown = |mk: &Makefile, target: &str| {
        let chart = &mk.spec.spec.name;
        let message = format!(
            "`make {chart}-{target}`: the {chart} Makefile has no target `{chart}-{target}`"
        );
        let help = format!(
            "{}; `make help-{chart}` lists them all, from {}'s `operations` and the \
targets gen adds to every chart",
            nearest(chart, target, mk.targets.keys()),
            mk.spec.rel
        );
        (!mk.targets.contains_key(target)).then_some((message, help))
    };
    let from = out.len();
    each_call(files, out, |call| {
        let (message, help) = unknown(call.makefile, call.target)?;
        Some(call.error(call.word, message).help(help))
    });
    let makefiles = makefiles(files);
    for file in files {
        for (line, column, word) in mentions(&file.source) {
            // `make redis-<target>` names no target: the text says what to fill in.
            let Some((mk, target)) = chart_target(&makefiles, word).filter(|(_, t)| !t.is_empty())
            else {
                continue;
            };
            let Some((message, help)) = unknown(mk, target) else {
                continue;
            };
            // A command's call is also in the text: reported once.
            let known = out[from..].iter().any(|d| {
                d.file == file.rel && (d.line, d.column) == (line, column) && d.message == message
            });
            if !known {
                out.push(
                    Diagnostic::error(&file.rel, message)
                        .at(line, column)
                        .with_source(&file.source)
                        .help(help),
                );
            }
        }
    }
}

/// Every `make WORD` of a spec's text, as written: its prose (`why`,
/// `expect`, `pitfalls`, a troubleshooting `fix`, a variable's `help`),
/// the strings and comments of its commands. Each is the 1-based line
/// and column of `WORD`, and `WORD`. `make` stands alone (not `{{make`,
/// `remake`), and the spaces after it may break the line, as a folded
/// YAML string does; `WORD` is what a target name is made of.
fn mentions(source: &str) -> Vec<(usize, usize, &str)> {
    let mut out = Vec::new();
    for (at, _) in source.match_indices("make") {
        let before = source[..at].chars().next_back();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || matches!(c, '{' | '-' | '_')) {
            continue;
        }
        let rest = &source[at + 4..];
        let gap = rest.len() - rest.trim_start().len();
        let word_at = at + 4 + gap;
        let word = &source[word_at..];
        let len = word
            .bytes()
            .take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || *b == b'-')
            .count();
        if gap == 0 || len == 0 {
            continue;
        }
        let line_start = source[..word_at].rfind('\n').map_or(0, |i| i + 1);
        let line = source[..word_at].matches('\n').count() + 1;
        let column = source[line_start..word_at].chars().count() + 1;
        out.push((line, column, &word[..len]));
    }
    out
}

/// `make.unread-variable`: every `NAME=value` of a `make` call is a
/// variable its target reads. A call of an unknown target is
/// `make.unknown-target`'s.
pub fn variables_read(files: &[SpecFile], out: &mut Vec<Diagnostic>) {
    each_call(files, out, |call| {
        let (mk, target) = (call.makefile, call.target);
        let chart = &mk.spec.spec.name;
        let (name, word) = call
            .args
            .iter()
            .find(|(n, _)| mk.targets.contains_key(target) && !mk.reads(target, n))?;
        let why = if matches!(name.as_str(), "POD" | "SELECTOR") {
            "every target sets it itself before its command runs"
        } else {
            "neither the chart's variables nor the target's command read it"
        };
        Some(
            call.error(
                word,
                format!("`make {chart}-{target}` ignores `{name}=`: {why}"),
            )
            .help(format!(
                "remove `{name}=`, or declare `{name}` in {}'s `variables` and use it in the \
target; a tool's environment (`KUBECONFIG`) goes before `make`: `KUBECONFIG=... make ...`",
                mk.spec.rel
            )),
        )
    });
}

/// `make.other-release`: a call of another release (`RELEASE=` other than
/// `"$RELEASE"`) passes every variable that follows from the release and
/// its target reads (`FULLNAME`, `DB_SECRET` of `$FULLNAME-secret`):
/// the guide's block exports the operator's release's values, which the
/// prelude keeps, so the target would act on that release's objects; and
/// the block's [`RELEASE_MARKER`], without which the prelude stops.
/// `{{make}}` passes them empty.
pub fn other_release(files: &[SpecFile], out: &mut Vec<Diagnostic>) {
    each_call(files, out, |call| {
        let (mk, target) = (call.makefile, call.target);
        let (_, release) = call.args.iter().find(|(n, _)| n == "RELEASE")?;
        let value = release.text.split_once('=')?.1;
        if matches!(value, "$RELEASE" | "${RELEASE}") {
            return None;
        }
        let command = mk.targets.get(target)?;
        let given = |d: &str| call.args.iter().any(|(n, _)| n == d);
        let mut missing: Vec<String> = stale(&mk.spec.spec, command, given)
            .into_iter()
            .filter(|d| !given(d))
            .collect();
        let stops = !given(RELEASE_MARKER);
        if missing.is_empty() && !stops {
            return None;
        }
        let chart = &mk.spec.spec.name;
        let message = if missing.is_empty() {
            format!(
                "`make {chart}-{target}` of another release stops: the guide's block set \
`{RELEASE_MARKER}` to the operator's release"
            )
        } else {
            let names: Vec<String> = missing.iter().map(|m| format!("`{m}`")).collect();
            format!(
                "`make {chart}-{target}` of another release keeps the guide's {}: the \
operator's release's, whose objects it would act on",
                names.join(", ")
            )
        };
        if stops {
            missing.push(RELEASE_MARKER.to_string());
        }
        let blanks = missing
            .iter()
            .map(|m| format!("{m}=\"\""))
            .collect::<Vec<_>>()
            .join(" ");
        Some(call.error(release, message).help(format!(
            "write the call as `{{{{make {target} RELEASE=...}}}}`, which passes them \
empty for the target to derive from its RELEASE, or pass `{blanks}` yourself"
        )))
    });
}

/// The variables that follow from the release ([`release_derived`]) a
/// target's `command` reads, and those the defaults of the ones the call
/// does not give read in turn.
fn stale(
    spec: &crate::spec::types::Spec,
    command: &str,
    given: impl Fn(&str) -> bool,
) -> Vec<String> {
    let derived = release_derived(spec);
    let default = |n: &str| {
        spec.variables
            .iter()
            .find(|v| v.name == n)
            .map(|v| v.default.as_str())
    };
    let mut read: Vec<String> = Vec::new();
    let mut texts = vec![command.to_string()];
    while let Some(text) = texts.pop() {
        for d in &derived {
            if !read.contains(d) && uses_var(&text, d) {
                read.push(d.clone());
                texts.extend(default(d).filter(|_| !given(d)).map(str::to_string));
            }
        }
    }
    derived.into_iter().filter(|d| read.contains(d)).collect()
}

/// A target: its chart's name and its name without the chart's prefix.
type Node<'a> = (&'a str, &'a str);

/// One call of a target by an operation, and where the spec writes it.
struct Edge<'a> {
    to: Node<'a>,
    file: &'a SpecFile,
    /// The operation's `run`, or the `steps:` entry whose guide steps call.
    path: String,
    /// The call's word naming the target, in the `run`; none for a
    /// `steps:` entry, where such a call is reported.
    word: Option<shell::Word>,
}

impl Edge<'_> {
    fn error(&self, message: String) -> Diagnostic {
        match &self.word {
            Some(w) => {
                let (line, column) = place(self.file, &self.path, w);
                Diagnostic::error(&self.file.rel, message)
                    .at(line, column)
                    .with_source(&self.file.source)
            }
            None => self.file.error_at(&self.path, message),
        }
    }
}

/// `make.cycle`: no operation calls itself, directly or through the
/// targets it calls, of its chart or another's (the root Makefile
/// includes them all): make would run them one inside the other, a shell
/// and a make more each time, without end. An operation calls what its
/// `run` calls once its snippets, fragments and `{{make}}` are expanded,
/// or what the guide steps its `steps:` names call; the targets gen adds
/// to every chart call none. Each cycle is reported once, from the first
/// of its targets in the order of charts and targets, at its call of the
/// next: the shortest cycle back to that target through the targets after
/// it, so a cycle with an earlier target is that one's to report.
pub fn no_cycle(files: &[SpecFile], out: &mut Vec<Diagnostic>) {
    let makefiles = makefiles(files);
    let mut graph: BTreeMap<Node, Vec<Edge>> = BTreeMap::new();
    for (file, mk) in files.iter().zip(&makefiles) {
        for (i, op) in file.spec.operations.iter().enumerate() {
            let texts: Vec<(String, String)> = if op.steps.is_empty() {
                vec![(format!("operations[{i}].run"), op.run.clone())]
            } else {
                // An entry that names no step is an error of the parse.
                op.steps
                    .iter()
                    .enumerate()
                    .filter_map(|(k, entry)| {
                        let text = steps_text(&file.spec, entry).ok()?;
                        Some((format!("operations[{i}].steps[{k}]"), text))
                    })
                    .collect()
            };
            let Some((from, _)) = mk.targets.get_key_value(&op.target) else {
                continue;
            };
            let edges = graph
                .entry((file.spec.name.as_str(), from.as_str()))
                .or_default();
            for (path, text) in texts {
                for call in calls(&text) {
                    for word in call.words.iter().filter(|w| is_target(&w.text)) {
                        let Some((to_mk, target)) = chart_target(&makefiles, &word.text) else {
                            continue;
                        };
                        let Some((to, _)) = to_mk.targets.get_key_value(target) else {
                            continue;
                        };
                        edges.push(Edge {
                            to: (to_mk.spec.spec.name.as_str(), to.as_str()),
                            file,
                            word: op.steps.is_empty().then(|| word.clone()),
                            path: path.clone(),
                        });
                    }
                }
            }
        }
    }
    for &start in graph.keys() {
        let Some(cycle) = shortest_cycle(&graph, start) else {
            continue;
        };
        let names: Vec<String> = cycle.iter().map(|(c, t)| format!("{c}-{t}")).collect();
        let edge = graph[&start]
            .iter()
            .find(|e| e.to == cycle[1])
            .expect("the cycle's first call");
        let (first, next) = (&names[0], &names[1]);
        let how = if cycle.len() == 2 {
            "it inside itself"
        } else {
            "them one inside the other"
        };
        let message = format!(
            "`make {first}` calls itself: {}; make would run {how}, without end",
            names.join(" -> ")
        );
        let help = if cycle.len() == 2 {
            format!("write here the commands `{first}` needs instead of calling `make {first}`")
        } else {
            format!(
                "break the cycle at one call: write here the commands `make {next}` runs \
that `{first}` needs, or take the call of `make {first}` out of `{}`",
                names[names.len() - 2]
            )
        };
        out.push(edge.error(message).help(help));
    }
}

/// The shortest way from `start` back to it through targets after it,
/// `start` first and last; `None` when there is none. Breadth first, the
/// calls in the order written: the same spec, the same cycle.
fn shortest_cycle<'a>(
    graph: &BTreeMap<Node<'a>, Vec<Edge<'a>>>,
    start: Node<'a>,
) -> Option<Vec<Node<'a>>> {
    let mut came_from: BTreeMap<Node, Node> = BTreeMap::new();
    let mut queue = std::collections::VecDeque::from([start]);
    while let Some(at) = queue.pop_front() {
        for e in graph.get(&at).into_iter().flatten() {
            if e.to == start {
                // `at` back to `start`, which nothing came before.
                let mut path = vec![at];
                while let Some(&prev) = path.last().and_then(|n| came_from.get(n)) {
                    path.push(prev);
                }
                path.reverse();
                path.push(start);
                return Some(path);
            }
            if e.to > start && !came_from.contains_key(&e.to) {
                came_from.insert(e.to, at);
                queue.push_back(e.to);
            }
        }
    }
    None
}

/// One chart target a `make` call names, with what a check needs.
struct Target<'a> {
    file: &'a SpecFile,
    /// The path of the command in the spec.
    path: &'a str,
    makefile: &'a Makefile<'a>,
    /// The target without the chart's prefix.
    target: &'a str,
    /// The word that names it.
    word: &'a shell::Word,
    /// The variables the call passes: each name and its word.
    args: &'a [(String, &'a shell::Word)],
}

impl Target<'_> {
    /// An error at `word` of the call.
    fn error(&self, word: &shell::Word, message: String) -> Diagnostic {
        let (line, column) = place(self.file, self.path, word);
        Diagnostic::error(&self.file.rel, message)
            .at(line, column)
            .with_source(&self.file.source)
    }
}

/// Runs `f` on each chart target a spec's commands call with `make`;
/// reports what it returns, once per place.
fn each_call(
    files: &[SpecFile],
    out: &mut Vec<Diagnostic>,
    f: impl Fn(&Target) -> Option<Diagnostic>,
) {
    let makefiles = makefiles(files);
    let mut seen = std::collections::BTreeSet::new();
    for file in files {
        for (path, run) in commands(file) {
            for call in calls(run) {
                let args: Vec<(String, &shell::Word)> = call
                    .words
                    .iter()
                    .filter_map(|w| Some((w.text.split_once('=')?.0, w)))
                    .filter(|(n, _)| is_var_name(n))
                    .map(|(n, w)| (n.to_string(), w))
                    .collect();
                for word in call.words.iter().filter(|w| is_target(&w.text)) {
                    let Some((makefile, target)) = chart_target(&makefiles, &word.text) else {
                        continue;
                    };
                    let t = Target {
                        file,
                        path: &path,
                        makefile,
                        target,
                        word,
                        args: &args,
                    };
                    if let Some(d) = f(&t) {
                        if seen.insert((file.rel.clone(), d.line, d.column, d.message.clone())) {
                            out.push(d);
                        }
                    }
                }
            }
        }
    }
}

/// Every spec's Makefile.
fn makefiles(files: &[SpecFile]) -> Vec<Makefile<'_>> {
    files
        .iter()
        .map(|spec| Makefile {
            spec,
            targets: crate::model::make_targets(&spec.spec).into_iter().collect(),
        })
        .collect()
}

/// The Makefile a target name `word` is of, the chart whose name is its
/// longest prefix, and the target without that prefix; `None` when no
/// chart's name and a `-` start it.
fn chart_target<'a, 'w>(
    makefiles: &'a [Makefile<'a>],
    word: &'w str,
) -> Option<(&'a Makefile<'a>, &'w str)> {
    makefiles
        .iter()
        .filter_map(|m| {
            let t = word.strip_prefix(m.spec.spec.name.as_str())?;
            Some((m, t.strip_prefix('-')?))
        })
        .max_by_key(|(m, _)| m.spec.spec.name.len())
}

/// The spec's line and column of a word of a call: where the file shows
/// it, else at the `{{make` it came from, else at the line's start.
fn place(file: &SpecFile, path: &str, w: &shell::Word) -> (usize, usize) {
    let (line, column) = file.text_line(path, w.line);
    let shown = file
        .source
        .lines()
        .nth(line.saturating_sub(1))
        .unwrap_or("");
    // A word comes without its quotes: find `NAME=` of `NAME="..."`.
    let needle = match w.text.split_once('=') {
        Some((name, _)) if is_var_name(name) => format!("{name}="),
        _ => w.text.clone(),
    };
    let word = shown
        .match_indices(needle.as_str())
        .map(|(i, _)| i)
        .find(|&i| {
            shown[..i].ends_with([' ', '\t']) || i == shown.len() - shown.trim_start().len()
        });
    match word.or_else(|| shown.find("{{make")) {
        Some(i) => (line, shown[..i].chars().count() + 1),
        None => (line, column),
    }
}

/// Up to three targets nearest to `target`, as `make` would be called.
fn nearest<'a>(chart: &str, target: &str, targets: impl Iterator<Item = &'a String>) -> String {
    let mut scored: Vec<(f64, &String)> = targets
        .map(|t| (strsim::jaro_winkler(target, t), t))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
    let best: Vec<String> = scored
        .iter()
        .take(3)
        .map(|(_, t)| format!("`{chart}-{t}`"))
        .collect();
    format!("the nearest are {}", best.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scaffold::new_spec;
    use crate::spec::testkit::edited;

    const RUN: &str = "            mkdir -p \"$BACKUP_DIR\"\n";

    /// Spec `name` with `run` as its first backup step's command.
    fn spec(name: &str, run: &str) -> SpecFile {
        let src = edited(&new_spec(name), &[(RUN, run)]);
        crate::spec::parse(&format!("specs/{name}.yaml"), src.as_bytes()).unwrap()
    }

    /// The 1-based line of the scaffold where `RUN` is, the first line of
    /// the command [`spec`] puts there.
    fn run_line() -> usize {
        new_spec("a")
            .lines()
            .position(|l| l == RUN.trim_end())
            .expect("the scaffold has RUN")
            + 1
    }

    fn found(files: &[SpecFile]) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        targets_exist(files, &mut out);
        variables_read(files, &mut out);
        out
    }

    #[test]
    fn a_target_of_the_chart_or_of_another_passes() {
        let a = spec(
            "a",
            "            make a-backup NAMESPACE=\"$NAMESPACE\" BACKUP_DIR=x\n            \
             if ! make a-helm-rollback REVISION=3; then make b-restore FILE=y; fi\n            \
             KUBECONFIG=k make a-status KUBECTL=oc | head\n            \
             make help-a; make backup-all; echo make sure\n",
        );
        let b = spec("b", RUN);
        assert_eq!(found(&[a, b]), vec![]);
    }

    #[test]
    fn an_unknown_target_is_an_error_at_it_with_the_nearest_names() {
        let a = spec(
            "a",
            "            true && make a-restor \\\n              FILE=x\n",
        );
        let d = found(&[a]);
        assert_eq!(d.len(), 1, "{d:?}");
        let line = run_line();
        assert_eq!((d[0].line, d[0].column), (line, 26), "{}", d[0]);
        assert!(
            d[0].message
                .contains("the a Makefile has no target `a-restor`"),
            "{}",
            d[0]
        );
        let help = d[0].help.as_deref().unwrap();
        assert!(help.starts_with("the nearest are `a-restore`, "), "{help}");
        assert!(help.contains("specs/a.yaml"), "{help}");
    }

    #[test]
    fn another_charts_target_is_held_to_its_spec_by_the_longest_name() {
        let run = "            make node-exporter-backup; make node-exporter-bakup\n            \
                   make node-x-restore\n";
        let files = [
            spec("a", run),
            spec("node", RUN),
            spec("node-exporter", RUN),
        ];
        let d = found(&files);
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`make node-exporter-bakup`: the node-exporter Makefile has no target \
                 `node-exporter-bakup`",
                "`make node-x-restore`: the node Makefile has no target `node-x-restore`",
            ]
        );
        // Without a spec of that name, a call is not a chart's.
        assert_eq!(found(&[spec("a", run)]), vec![]);
    }

    #[test]
    fn a_variable_the_target_does_not_read_is_an_error() {
        let a = spec(
            "a",
            "            make a-status POD=p\n            make a-logs SELECTOR=s\n            \
             make a-status FILE=x\n            make a-restore FILE=x\n",
        );
        let d = found(&[a]);
        let messages: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "`make a-status` ignores `POD=`: every target sets it itself before its \
                 command runs",
                "`make a-logs` ignores `SELECTOR=`: every target sets it itself before its \
                 command runs",
                "`make a-status` ignores `FILE=`: neither the chart's variables nor the \
                 target's command read it",
            ]
        );
        assert!(d[2]
            .help
            .as_deref()
            .unwrap()
            .contains("`KUBECONFIG=... make ...`"));
        // At the variable, on its line.
        let line = run_line();
        let at: Vec<(usize, usize)> = d.iter().map(|d| (d.line, d.column)).collect();
        assert_eq!(at, [(line, 27), (line + 1, 25), (line + 2, 27)]);
    }

    #[test]
    fn a_call_of_another_release_must_pass_what_follows_from_it() {
        let src = edited(
            &new_spec("a"),
            &[
                (
                    "      echo \"TODO restore from $FILE\"\n",
                    "      echo \"TODO restore from $FILE\"\n  \
                     - { target: wipe, group: restore, help: x, run: 'kubectl delete pvc \"data-$FULLNAME-0\"' }\n  \
                     - { target: pw, group: restore, help: x, run: 'kubectl get secret \"$DB_SECRET\"' }\n\
                     variables:\n  - { name: DB_SECRET, default: \"$FULLNAME-secret\", help: x }\n",
                ),
                (
                    RUN,
                    "            make a-wipe RELEASE=\"$RELEASE\"; make a-wipe RELEASE=${RELEASE}\n            \
                     make a-status RELEASE=a1\n            \
                     make a-wipe RELEASE=a2 FULLNAME=a2-x\n            \
                     make a-status RELEASE=a3 GEN_FOR_RELEASE=\n            \
                     make a-wipe RELEASE=a4 FULLNAME=a4-x GEN_FOR_RELEASE=a4\n            \
                     {{make wipe RELEASE=a2}}\n            {{make pw RELEASE=a2}}\n            \
                     make a-pw RELEASE=a5 DB_SECRET=s\n            \
                     make a-wipe \\\n              RELEASE=\"$RELEASE-staging\"\n            \
                     make a-pw RELEASE=a6 FULLNAME=\"\" GEN_FOR_RELEASE=\"\"\n",
                ),
            ],
        );
        let a = crate::spec::parse("specs/a.yaml", src.as_bytes()).unwrap();
        let mut d = Vec::new();
        other_release(&[a], &mut d);
        let at = |needle: &str| {
            let line = src.lines().position(|l| l.contains(needle)).unwrap();
            (
                line + 1,
                src.lines().nth(line).unwrap().find("RELEASE=").unwrap() + 1,
            )
        };
        let got: Vec<((usize, usize), &str)> = d
            .iter()
            .map(|d| ((d.line, d.column), d.message.as_str()))
            .collect();
        // A call that passes what follows from the release keeps stopping
        // on the block's marker until it passes that too.
        let stops = |target: &str| {
            format!(
                "`make a-{target}` of another release stops: the guide's block set \
                 `GEN_FOR_RELEASE` to the operator's release"
            )
        };
        assert_eq!(
            got,
            [
                (at("a-status RELEASE=a1"), stops("status").as_str()),
                (
                    at("a-wipe RELEASE=a2 FULLNAME=a2-x"),
                    stops("wipe").as_str()
                ),
                (at("a-pw RELEASE=a5"), stops("pw").as_str()),
                (
                    at("RELEASE=\"$RELEASE-staging"),
                    "`make a-wipe` of another release keeps the guide's `FULLNAME`: the \
operator's release's, whose objects it would act on"
                ),
                (
                    at("a-pw RELEASE=a6 FULLNAME=\"\""),
                    "`make a-pw` of another release keeps the guide's `DB_SECRET`: the \
operator's release's, whose objects it would act on"
                ),
            ],
            "{d:?}"
        );
        let help = d[3].help.as_deref().unwrap();
        assert!(help.contains("`{{make wipe RELEASE=...}}`"), "{help}");
        assert!(
            help.contains("`FULLNAME=\"\" GEN_FOR_RELEASE=\"\"`"),
            "{help}"
        );
        let help = d[0].help.as_deref().unwrap();
        assert!(help.contains("`GEN_FOR_RELEASE=\"\"`"), "{help}");
    }

    #[test]
    fn troubleshooting_and_operations_are_read_once() {
        let src = edited(
            &new_spec("a"),
            &[
                ("      echo \"TODO restore from $FILE\"\n", "      make a-stat\n"),
                ("troubleshooting: # at least three errors operators meet, each guide at least one\n", "troubleshooting:\n  - error: x\n    cause: y\n    fix: z\n    guide: backup\n    run: make a-lgs\n"),
                ("operations: # backup", "operations:\n  - { target: again, group: backup, help: x, steps: [backup.data] } # backup"),
                (RUN, "            make a-bckup\n"),
            ],
        );
        let a = crate::spec::parse("specs/a.yaml", src.as_bytes()).unwrap();
        let d = found(&[a]);
        let mut targets: Vec<&str> = d
            .iter()
            .map(|d| d.message.split('`').nth(1).unwrap())
            .collect();
        targets.sort();
        assert_eq!(
            targets,
            ["make a-bckup", "make a-lgs", "make a-stat"],
            "{d:?}"
        );
    }

    /// Prose, a comment and an `echo` string an operator reads name real
    /// targets too: each unknown one is an error at its word, once, and a
    /// placeholder, a token, English and the root's targets are not calls.
    #[test]
    fn a_target_named_in_the_text_is_held_to_the_makefile() {
        let src = edited(
            &new_spec("a"),
            &[
                (
                    "          why: TODO why it matters\n",
                    "          why: >\n            After it, run `make a-status` or `make\n            a-statsu`.\n",
                ),
                (
                    RUN,
                    "            # then make a-bakup, as make a-<target> says\n            \
                     echo \"run make a-restor first\" >&2\n            \
                     {{make status}}; make sure; remake a-x; make backup-all\n",
                ),
            ],
        );
        let a = crate::spec::parse("specs/a.yaml", src.as_bytes()).unwrap();
        let d = found(&[a]);
        let at = |needle: &str| {
            let line = src.lines().position(|l| l.contains(needle)).unwrap();
            let col = src.lines().nth(line).unwrap().find(needle).unwrap();
            (line + 1, col + 1)
        };
        let got: Vec<(usize, usize, &str)> = d
            .iter()
            .map(|d| (d.line, d.column, d.message.split('`').nth(1).unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                (at("a-statsu").0, at("a-statsu").1, "make a-statsu"),
                (at("a-bakup").0, at("a-bakup").1, "make a-bakup"),
                (at("a-restor ").0, at("a-restor ").1, "make a-restor"),
            ],
            "{d:?}"
        );
        assert!(
            d[0].help.as_deref().unwrap().contains("`a-status`"),
            "{}",
            d[0]
        );
    }

    /// Spec `name` with the operations `ops` (YAML list items) after its
    /// restore target and the other `edits`; its text too.
    fn with_ops(name: &str, ops: &str, edits: &[(&str, &str)]) -> (SpecFile, String) {
        let added = format!("{LAST_OP}{ops}");
        let mut all = vec![(LAST_OP, added.as_str())];
        all.extend_from_slice(edits);
        let src = edited(&new_spec(name), &all);
        let file = crate::spec::parse(&format!("specs/{name}.yaml"), src.as_bytes()).unwrap();
        (file, src)
    }

    const LAST_OP: &str = "      echo \"TODO restore from $FILE\"\n";

    fn cycles(files: &[SpecFile]) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        no_cycle(files, &mut out);
        out
    }

    /// The 1-based line and column of the first `needle` of `src`.
    fn at(src: &str, needle: &str) -> (usize, usize) {
        let line = src.lines().position(|l| l.contains(needle)).unwrap();
        let col = src.lines().nth(line).unwrap().find(needle).unwrap();
        (line + 1, col + 1)
    }

    /// A cycle of one: in the operation's command, at the `{{make}}` token
    /// or the written-out call; composed from guide steps that call it, at
    /// the `steps:` entry.
    #[test]
    fn a_target_that_calls_itself_is_a_cycle_of_one_at_the_call() {
        let (a, src) = with_ops(
            "a",
            "",
            &[
                (
                    LAST_OP,
                    &format!("{LAST_OP}      if ! {{{{make restore FILE=x}}}}; then exit 1; fi\n"),
                ),
                (
                    "      echo \"TODO write the backup into $BACKUP_DIR\"\n",
                    "      make a-status && make a-backup\n",
                ),
            ],
        );
        let d = cycles(&[a]);
        let got: Vec<((usize, usize), &str)> = d
            .iter()
            .map(|d| ((d.line, d.column), d.message.as_str()))
            .collect();
        let mut written = at(&src, "make a-backup");
        written.1 += "make ".len();
        assert_eq!(
            got,
            [
                (
                    written,
                    "`make a-backup` calls itself: a-backup -> a-backup; make would run it \
                     inside itself, without end"
                ),
                (
                    at(&src, "{{make restore"),
                    "`make a-restore` calls itself: a-restore -> a-restore; make would run \
                     it inside itself, without end"
                ),
            ],
            "{d:?}"
        );
        assert!(d[0]
            .help
            .as_deref()
            .unwrap()
            .contains("instead of calling `make a-backup`"));
        // Composed from guide steps that call it: at the steps entry.
        let (a, src) = with_ops(
            "a",
            "  - { target: again, group: restore, help: x, steps: [restore.full] }\n",
            &[(
                "      - title: TODO first step\nupgrade:",
                "      - title: TODO first step\n        run: |\n          {{make again}}\nupgrade:",
            )],
        );
        let d = cycles(&[a]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].line, at(&src, "steps: [restore.full]").0, "{}", d[0]);
        assert!(d[0].message.contains("a-again -> a-again"), "{}", d[0]);
        // Another target, one of a chart without a spec, a guide step: none.
        let (a, _) = with_ops(
            "a",
            "  - { target: again, group: restore, help: x, steps: [restore.full] }\n",
            &[
                (
                    "      - title: TODO first step\nupgrade:",
                    "      - title: TODO first step\n        run: |\n          {{make backup}}\nupgrade:",
                ),
                (LAST_OP, &format!("{LAST_OP}      make other-restore; {{{{make status}}}}\n")),
            ],
        );
        assert_eq!(cycles(&[a]), vec![]);
    }

    /// Targets that call each other, as written in any order: each cycle
    /// once, at its first target's call of the next, the whole cycle in
    /// the message; a target that only leads into one, and a chain, are
    /// none.
    #[test]
    fn a_longer_cycle_is_reported_once_at_its_first_targets_call() {
        let ops = "  - { target: b3, group: backup, help: x, run: 'if ! make a-b1; then exit 1; fi' }\n  \
                   - { target: into, group: backup, help: x, run: 'make a-b2' }\n  \
                   - target: b1\n    group: backup\n    help: x\n    run: |\n      \
                   echo first\n      {{make b2 N=1}}\n  \
                   - { target: b2, group: backup, help: x, run: 'make a-b3; make a-b4' }\n  \
                   - { target: b4, group: backup, help: x, run: 'make a-status; make a-b2' }\n  \
                   - { target: c1, group: backup, help: x, run: 'make a-c2' }\n  \
                   - { target: c2, group: backup, help: x, run: 'make a-status' }\n";
        let (a, src) = with_ops("a", ops, &[]);
        let d = cycles(std::slice::from_ref(&a));
        let got: Vec<((usize, usize), &str)> = d
            .iter()
            .map(|d| ((d.line, d.column), d.message.as_str()))
            .collect();
        let mut b4 = at(&src, "make a-b4");
        b4.1 += "make ".len();
        assert_eq!(
            got,
            [
                (
                    at(&src, "{{make b2"),
                    "`make a-b1` calls itself: a-b1 -> a-b2 -> a-b3 -> a-b1; make would run \
                     them one inside the other, without end"
                ),
                (
                    b4,
                    "`make a-b2` calls itself: a-b2 -> a-b4 -> a-b2; make would run them one \
                     inside the other, without end"
                ),
            ],
            "{d:?}"
        );
        assert_eq!(
            d[0].help.as_deref().unwrap(),
            "break the cycle at one call: write here the commands `make a-b2` runs that \
             `a-b1` needs, or take the call of `make a-b1` out of `a-b3`"
        );
        assert_eq!(cycles(&[a]), d, "the same every time");
    }

    /// A cycle through another chart's targets and a fragment: at the
    /// `{{use}}` line whose fragment calls, whichever spec is read first.
    #[test]
    fn a_cycle_across_charts_and_fragments_is_found() {
        let (a, src) = with_ops(
            "a",
            "  - target: x\n    group: backup\n    help: x\n    run: |\n      {{use hop}}\n",
            &[(
                "operations: #",
                "fragments:\n  hop: |\n    echo hop\n    make b-y\noperations: #",
            )],
        );
        let (b, _) = with_ops(
            "b",
            "  - { target: y, group: backup, help: x, run: '{{make z}}' }\n  \
             - { target: z, group: backup, help: x, run: 'make a-x' }\n",
            &[],
        );
        let d = cycles(&[a.clone(), b.clone()]);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(
            (d[0].file.as_str(), d[0].line),
            ("specs/a.yaml", at(&src, "{{use hop}}").0)
        );
        assert!(
            d[0].message.contains(": a-x -> b-y -> b-z -> a-x;"),
            "{}",
            d[0]
        );
        assert_eq!(cycles(&[b, a]), d);
    }

    #[test]
    fn a_make_token_of_an_unknown_target_is_this_error_at_the_token() {
        let run =
            "            {{make backup BACKUP_DIR=\"$BACKUP_DIR\"}} | tail -n 1\n            \
                   if ! {{make restor FILE=x}}; then exit 1; fi\n";
        let a = spec("a", run);
        let text = a.spec.backup.components[0].steps[0].run.clone().unwrap();
        assert_eq!(
            text,
            "make a-backup NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\" \\\n  \
             BACKUP_DIR=\"$BACKUP_DIR\" | tail -n 1\n\
             if ! make a-restor NAMESPACE=\"$NAMESPACE\" RELEASE=\"$RELEASE\" \\\n  \
             FILE=x; then exit 1; fi\n"
        );
        let d = found(&[a]);
        assert_eq!(d.len(), 1, "{d:?}");
        let line = run_line() + 1;
        assert_eq!((d[0].line, d[0].column), (line, 18), "{}", d[0]);
        assert!(d[0].message.contains("no target `a-restor`"), "{}", d[0]);
        assert!(d[0].help.as_deref().unwrap().contains("`a-restore`"));
        // The expanded command is what shellcheck sees.
        let script = format!("NAMESPACE=n RELEASE=r BACKUP_DIR=b\n{text}");
        if let Some((ok, report)) = crate::spec::testkit::shellcheck(&script, "") {
            assert!(ok, "{report}");
        }
    }
}
