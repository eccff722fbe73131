//! `runbook.file-unwritten`: a command reads a file from the operator's
//! folder (a relative path, `./F`, `$PWD/F`, or `F` under a `docker run
//! -v "$PWD":/DIR` mount) that no earlier step wrote. The operator gets "no
//! such file", or, worse, reads a stale copy some other day left there:
//! promtail's upgrade checked and converted a `promtail.yaml` no step of it
//! wrote, until commit 331695e.
//!
//! Read from the commands that run on the operator's machine (not inside
//! a pod), make recipes included:
//!
//! - reads: `< F`; `-f`/`--values F` of helm and kubectl, `--set-file
//!   K=F`, `--from-file=[K=]F`, `--from-env-file=F`; the files of `cat`,
//!   `diff`, `sha256sum`, `source` and the like, after the filter of `jq`,
//!   `yq` and `grep`; the source of `cp`/`mv`/`kubectl cp`; curl's uploads
//!   (`-d @F`, `-T F`, `-K F`); `tar -f F` that does not create; a path
//!   under a `docker run` mount of the folder; and the other arguments of
//!   any other local command that look like a data file (`alloy convert
//!   ... promtail.yaml`, `promtool check config prometheus.yml`);
//! - writes: `> F`, `>> F`, `tee F`, `touch`, the target of `cp`/`mv`/
//!   `kubectl cp`, output options (`-o F`, `--output=F`, `--report=F`,
//!   `tar -cf F`, `pg_dump -f F`), `mkdir D` and `--output-dir D` (what is
//!   under `D`), and an extraction (`tar -x`, `unzip`, `helm pull
//!   --untar`) or a `cd`, after which any name may exist.
//!
//! Not judged: a path built from a variable (`"$BACKUP_DIR/x"`, `"$FILE"`:
//! the operator sets it, or the procedure does), an absolute one (`/tmp/`,
//! the pod's paths), and `values.yaml`, the values file the release is
//! kept in: the operator's own, which `upgrade-rollout` applies and the
//! upgrade edits. A file the operator brings otherwise says so where the
//! guide shows it: the line ends in `# file-unwritten: REASON` (or has that
//! comment on the line before).

use super::{at, Act, Event};
use crate::diagnostics::Diagnostic;
use crate::spec::{Spec, SpecFile};
use std::collections::BTreeSet;

/// The allowance comment of this check.
pub(super) const RULE: &str = "file-unwritten";

/// The operator's own values file, which no step needs to write.
const OPERATORS: &[&str] = &["values.yaml"];

/// Extensions of the data files an argument names, for the commands this
/// module does not know.
const DATA: &[&str] = &[
    "yaml",
    "yml",
    "json",
    "txt",
    "sql",
    "dump",
    "tar",
    "tgz",
    "gz",
    "zst",
    "conf",
    "cfg",
    "alloy",
    "toml",
    "ini",
    "env",
    "pem",
    "crt",
    "csv",
    "db",
    "xml",
    "properties",
    "zip",
    "rdb",
    "aof",
    "bak",
    "age",
    "jsonl",
    "ndjson",
    "hcl",
    "rules",
    "tmpl",
];

/// Commands whose other arguments are no local files: names, URLs, text.
const NOT_FILES: &[&str] = &[
    "echo", "printf", "test", "[", "export", "kubectl", "helm", "docker", "podman", "ssh", "sleep",
    "date", "rm", "chmod", "chown", "ls", "read", "exit", "return", "set", "unset", "local",
    "basename", "dirname", "mktemp", "sed", "awk", "cut", "sort", "tr", "xargs", "find", "for",
    "case", "in", "select",
];

/// Files a command writes where no option names them: `(command, file)`.
const DEFAULT_OUTPUTS: &[(&str, &str)] = &[
    ("mimirtool analyze ruler", "metrics-in-ruler.json"),
    ("mimirtool analyze grafana", "metrics-in-grafana.json"),
    ("mimirtool analyze prometheus", "prometheus-metrics.json"),
];

/// Commands whose every argument (not an option) is a file they read.
const READ_ALL: &[&str] = &[
    "cat",
    "head",
    "tail",
    "wc",
    "less",
    "more",
    "diff",
    "cmp",
    "sha256sum",
    "sha1sum",
    "md5sum",
    "zcat",
    "source",
    ".",
    "stat",
    "file",
    "gunzip",
    "gzip",
    "xz",
    "zstd",
    "bash",
    "sh",
];

/// Commands whose first argument is a pattern or filter, the rest files.
const FILTER_FIRST: &[&str] = &["grep", "egrep", "jq", "yq"];

/// Options whose value (`-o F`, `--output=F`) is a file written.
const WRITES_OPT: &[&str] = &[
    "-o",
    "--output",
    "--out",
    "-out",
    "--report",
    "--output-file",
    "--result-file",
];

/// What a command run on the operator's machine does to files of the
/// operator's folder. `raw` are its words as written (quotes removed,
/// variables not expanded), from its name on; `all` the whole command's,
/// whose redirections apply locally even after a `kubectl exec ... --`.
pub(super) fn effects(raw: &[&str], all: &[&str]) -> Vec<Act> {
    let mut out = Vec::new();
    for (k, w) in all.iter().enumerate() {
        let Some(f) = all.get(k + 1).and_then(|f| local(f)) else {
            continue;
        };
        match *w {
            "<" => out.push(reads(f, &format!("< {}", all[k + 1]))),
            ">" | ">>" | ">|" => out.push(Act::Writes(f)),
            _ => {}
        }
    }
    let Some(&name) = raw.first() else {
        return out;
    };
    let tool = name.rsplit('/').next().unwrap_or(name);
    // The words up to a redirection (and its file descriptor, `2>`) or
    // `--` (what follows runs elsewhere).
    let mut end = raw[1..]
        .iter()
        .position(|w| w.starts_with(['<', '>']) || *w == "--")
        .map_or(raw.len(), |p| p + 1);
    if end < raw.len() && end > 1 && raw[end - 1].chars().all(|c| c.is_ascii_digit()) {
        end -= 1;
    }
    let words = &raw[..end];
    let line = words.join(" ");
    for (cmd, f) in DEFAULT_OUTPUTS {
        if line.starts_with(cmd) && !words.iter().any(|w| w.starts_with("--output")) {
            out.push(Act::Writes(f.to_string()));
        }
    }
    let how = how(words);
    let args: Vec<&str> = positional(tool, &words[1..]);
    match tool {
        "kubectl" => kubectl(words, &how, &mut out),
        "helm" => helm(words, &how, &mut out),
        "docker" | "podman" => docker(words, &how, &mut out),
        "cd" | "unzip" => out.push(Act::WritesAll),
        "tee" | "touch" => out.extend(args.iter().filter_map(|a| local(a)).map(Act::Writes)),
        "mkdir" => out.extend(args.iter().filter_map(|a| local(a)).map(Act::WritesUnder)),
        "cp" | "mv" => {
            if let Some((dst, srcs)) = args.split_last() {
                for s in srcs.iter().filter_map(|a| local(a)) {
                    out.push(reads(s, &how));
                }
                if let Some(d) = local(dst) {
                    out.push(Act::WritesUnder(d.clone()));
                    out.push(Act::Writes(d));
                }
            }
        }
        "tar" => tar(words, &how, &mut out),
        "curl" => curl(words, &how, &mut out),
        t if NOT_FILES.contains(&t) => {}
        t if READ_ALL.contains(&t) => {
            out.extend(args.iter().filter_map(|a| local(a)).map(|f| reads(f, &how)));
        }
        t if FILTER_FIRST.contains(&t) => {
            // `yq e EXPR F`; grep's `-e`/`-f` give the pattern, `jq -n`
            // reads no input.
            let given = words.iter().any(|w| match t {
                "jq" => *w == "-n",
                "yq" => false,
                _ => matches!(*w, "-e" | "-f"),
            });
            let skip = usize::from(!given)
                + usize::from(
                    t == "yq" && args.first().is_some_and(|a| matches!(*a, "e" | "eval")),
                );
            out.extend(
                args.iter()
                    .skip(skip)
                    .filter_map(|a| local(a))
                    .map(|f| reads(f, &how)),
            );
        }
        _ => {
            // Its arguments and option values that name a data file.
            let values = words[1..].iter().filter_map(|w| {
                let (o, v) = w.split_once('=')?;
                (o.starts_with('-') && !WRITES_OPT.contains(&o)).then_some(v)
            });
            out.extend(
                args.iter()
                    .copied()
                    .chain(values)
                    .filter_map(local)
                    .filter(|f| is_data(f))
                    .map(|f| reads(f, &how)),
            );
        }
    }
    // Output options of any command but kubectl's and helm's (`-o yaml`,
    // a format).
    if !matches!(tool, "kubectl" | "helm") {
        for (k, w) in words.iter().enumerate() {
            let (opt, value) = match w.split_once('=') {
                Some((o, v)) if o.starts_with('-') => (o, Some(v)),
                _ => (*w, words.get(k + 1).copied()),
            };
            if WRITES_OPT.contains(&opt) || (tool == "pg_dump" && opt == "-f") {
                out.extend(value.and_then(local).map(Act::Writes));
            }
            if opt == "--output-dir" {
                out.extend(value.and_then(local).map(Act::WritesUnder));
            }
        }
    }
    out
}

/// A read of `file` by `how`, unless it is the operator's own.
fn reads(file: String, how: &str) -> Act {
    match OPERATORS.contains(&file.as_str()) {
        true => Act::Writes(file),
        false => Act::Reads {
            file,
            how: how.to_string(),
        },
    }
}

/// `tool sub` (or `tool`), for the message: the first word after the
/// tool and its namespace option that is a subcommand's name.
fn how(words: &[&str]) -> String {
    let Some((tool, rest)) = words.split_first() else {
        return String::new();
    };
    let mut k = 0;
    while rest
        .get(k)
        .is_some_and(|w| matches!(*w, "-n" | "--namespace"))
    {
        k += 2;
    }
    match rest.get(k) {
        Some(s) if !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c == '-') => {
            format!("{tool} {s}")
        }
        _ => tool.to_string(),
    }
}

/// The arguments of `words` that are no options nor their values
/// (`-f F` is left to the tool's own reading).
fn positional<'a>(tool: &str, words: &[&'a str]) -> Vec<&'a str> {
    // Options that take the next word as their value, by tool.
    let valued = |o: &str| match tool {
        "grep" | "egrep" => matches!(o, "-e" | "-f" | "-m" | "-A" | "-B" | "-C"),
        "jq" => matches!(o, "--arg" | "--argjson" | "--slurpfile" | "--rawfile"),
        "yq" => matches!(o, "-o" | "--output-format" | "-p" | "--input-format"),
        _ => {
            WRITES_OPT.contains(&o)
                || matches!(
                    o,
                    "-f" | "-i"
                        | "-c"
                        | "-n"
                        | "-d"
                        | "-u"
                        | "-h"
                        | "-U"
                        | "-H"
                        | "-C"
                        | "-t"
                        | "-e"
                        | "-F"
                )
        }
    };
    let mut out = Vec::new();
    let mut k = 0;
    while k < words.len() {
        let w = words[k];
        if w.starts_with('-') && w.len() > 1 {
            if !w.contains('=') && valued(w) {
                k += 1;
                if tool == "jq" && matches!(w, "--arg" | "--argjson" | "--slurpfile" | "--rawfile")
                {
                    k += 1;
                }
            }
        } else {
            out.push(w);
        }
        k += 1;
    }
    out
}

/// `F` of a word that names a file in the operator's folder: a relative
/// path, `./F` or `$PWD/F`, with no variable, glob, URL or `K=V` in it.
fn local(word: &str) -> Option<String> {
    let p = ["$PWD/", "${PWD}/", "$(pwd)/"]
        .iter()
        .find_map(|d| word.strip_prefix(d))
        .unwrap_or(word);
    let mut p = p;
    while let Some(rest) = p.strip_prefix("./") {
        p = rest;
    }
    let p = p.trim_end_matches('/');
    let odd = |c: char| "$`*?[]{}:=@~<>|&;()\\\"' ".contains(c);
    (!p.is_empty() && !p.starts_with(['/', '-']) && !p.contains(odd) && p != "." && p != "..")
        .then(|| p.to_string())
}

/// Whether `f` names a data file by its extension.
fn is_data(f: &str) -> bool {
    let base = f.rsplit('/').next().unwrap_or(f);
    base.rsplit_once('.')
        .is_some_and(|(stem, ext)| !stem.is_empty() && DATA.contains(&ext))
}

fn kubectl(words: &[&str], how: &str, out: &mut Vec<Act>) {
    // `kubectl logs -f` follows; it reads no file.
    let follows = words.iter().any(|w| matches!(*w, "logs" | "attach"));
    for (k, w) in words.iter().enumerate().filter(|_| !follows) {
        let (opt, value) = match w.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v)),
            _ => (*w, words.get(k + 1).copied()),
        };
        let file = match opt {
            "-f" | "--filename" | "--from-env-file" => value,
            "--from-file" => value.map(|v| v.split_once('=').map_or(v, |(_, f)| f)),
            _ => None,
        };
        out.extend(file.and_then(local).map(|f| reads(f, how)));
    }
    // `kubectl cp SRC DST`: a local end has no `POD:`.
    let args = positional("kubectl", &words[1..]);
    if let ["cp", src, dst, ..] = args.as_slice() {
        if !src.contains(':') {
            out.extend(local(src).map(|f| reads(f, how)));
        }
        if !dst.contains(':') {
            out.extend(local(dst).map(Act::WritesUnder));
            out.extend(local(dst).map(Act::Writes));
        }
    }
}

fn helm(words: &[&str], how: &str, out: &mut Vec<Act>) {
    for (k, w) in words.iter().enumerate() {
        let (opt, value) = match w.split_once('=') {
            Some((o, v)) if o.starts_with("--") => (o, Some(v)),
            _ => (*w, words.get(k + 1).copied()),
        };
        let file = match opt {
            "-f" | "--values" => value,
            "--set-file" => value.map(|v| v.split_once('=').map_or(v, |(_, f)| f)),
            _ => None,
        };
        out.extend(file.and_then(local).map(|f| reads(f, how)));
        if opt == "--untar" {
            out.push(Act::WritesAll);
        }
    }
}

/// `docker run -v "$PWD":/DIR ... /DIR/F`: `F` of the folder, written
/// when an output option names it, else read.
fn docker(words: &[&str], how: &str, out: &mut Vec<Act>) {
    let mut mounts: Vec<String> = Vec::new();
    for (k, w) in words.iter().enumerate() {
        let spec = match *w {
            "-v" | "--volume" => words.get(k + 1).copied(),
            _ => w
                .strip_prefix("--volume=")
                .or_else(|| w.strip_prefix("-v=")),
        };
        if let Some((src, dst)) = spec.and_then(|s| s.split_once(':')) {
            let dst = dst.split(':').next().unwrap_or(dst).trim_end_matches('/');
            if matches!(src, "$PWD" | "${PWD}" | "$(pwd)" | "." | "./") && !dst.is_empty() {
                mounts.push(format!("{dst}/"));
            }
        }
    }
    for (k, w) in words.iter().enumerate() {
        let (opt, value) = match w.split_once('=') {
            Some((o, v)) if o.starts_with('-') => (Some(o), v),
            _ => (None, *w),
        };
        let Some(f) = mounts.iter().find_map(|m| value.strip_prefix(m.as_str())) else {
            continue;
        };
        let Some(f) = local(f) else { continue };
        let prev = k.checked_sub(1).map(|p| words[p]);
        if opt.is_some_and(|o| WRITES_OPT.contains(&o))
            || prev.is_some_and(|p| WRITES_OPT.contains(&p))
        {
            out.push(Act::Writes(f));
        } else {
            out.push(reads(
                f,
                &format!("{how} -v \"$PWD\":{}", mounts[0].trim_end_matches('/')),
            ));
        }
    }
}

/// `tar -cf F` writes `F`; any other `-f F` reads it; `-x` extracts names
/// this reading cannot know.
fn tar(words: &[&str], how: &str, out: &mut Vec<Act>) {
    let bundle = words.get(1).copied().unwrap_or_default();
    let modes: String = words[1..]
        .iter()
        .filter(|w| !w.starts_with("--"))
        .take_while(|w| w.starts_with('-') || **w == bundle)
        .flat_map(|w| w.trim_start_matches('-').chars())
        .collect();
    let creates = modes.contains('c') || words.contains(&"--create");
    let mut file = None;
    for (k, w) in words.iter().enumerate() {
        if let Some(v) = w.strip_prefix("--file=") {
            file = Some(v);
        } else if *w == "--file"
            || (!w.starts_with("--")
                && (w.starts_with('-') || *w == bundle)
                && w.ends_with('f')
                && k > 0)
        {
            file = words.get(k + 1).copied();
        }
    }
    if let Some(f) = file.and_then(local) {
        out.push(if creates {
            Act::Writes(f)
        } else {
            reads(f, how)
        });
    }
    if modes.contains('x') || words.contains(&"--extract") {
        out.push(Act::WritesAll);
    }
}

fn curl(words: &[&str], how: &str, out: &mut Vec<Act>) {
    for (k, w) in words.iter().enumerate() {
        let value = || words.get(k + 1).copied();
        let file = match *w {
            "-d" | "--data" | "--data-binary" | "--data-raw" | "--data-urlencode" => {
                value().and_then(|v| v.strip_prefix('@'))
            }
            "-F" | "--form" => value().and_then(|v| v.split_once("=@").map(|(_, f)| f)),
            "-T" | "--upload-file" | "-K" | "--config" | "--cacert" | "--cert" | "--key" => value(),
            "-O" | "--remote-name" => {
                out.push(Act::WritesAll);
                None
            }
            _ => None,
        };
        out.extend(file.and_then(local).map(|f| reads(f, how)));
    }
}

/// Which procedures' writes a procedure may read, by the order its guide
/// shows them: the backup guide's components, verification and restores;
/// the upgrade guide's pre-checks, then any one strategy, then the
/// rollback and validation; troubleshooting after all of its guide.
fn before(reader: &str, writer: &str) -> bool {
    let rank = |p: &str| -> Option<(u8, u8)> {
        let r = if p.starts_with("backup.components") {
            (0, 0)
        } else if p.starts_with("backup.verification") {
            (0, 1)
        } else if p.starts_with("restore[") {
            (0, 2)
        } else if p.starts_with("upgrade.pre_checks") {
            (1, 0)
        } else if p.starts_with("upgrade.strategies") {
            (1, 1)
        } else if p.starts_with("upgrade.") {
            (1, 2)
        } else {
            return None;
        };
        Some(r)
    };
    match (rank(reader), rank(writer)) {
        (Some((g, r)), Some((h, w))) => g == h && w < r,
        (None, _) if reader.starts_with("troubleshooting") => rank(writer).is_some(),
        _ => false,
    }
}

/// Whether the guide tells the operator of `f` by the step of `e` (its
/// title or `why` names it in backticks, or a comment of its shell names
/// it) or by an earlier step of the same list.
fn mentioned(s: &Spec, e: &Event, f: &str) -> bool {
    let Some(step) = e.path.strip_suffix(".run") else {
        return false;
    };
    let Some((list, at)) = step.rsplit_once('[') else {
        return false;
    };
    let upto: usize = at.trim_end_matches(']').parse().unwrap_or(0);
    let quoted = format!("`{f}`");
    crate::spec::validate::all_steps(s)
        .into_iter()
        .filter(|(p, _)| {
            p.rsplit_once('[').is_some_and(|(l, i)| {
                l == list
                    && i.trim_end_matches(']')
                        .parse()
                        .is_ok_and(|i: usize| i <= upto)
            })
        })
        .any(|(_, st)| {
            st.title.contains(&quoted)
                || st.why.as_deref().is_some_and(|w| w.contains(&quoted))
                || st.run.as_deref().is_some_and(|r| {
                    r.lines()
                        .filter_map(|l| l.trim_start().strip_prefix('#'))
                        .any(|c| {
                            c.split_whitespace()
                                .any(|w| w.trim_matches(|c: char| "`(),.:;".contains(c)) == f)
                        })
                })
        })
}

/// Whether the read `e` is an all-clear grep (`grep ... F || echo ...`),
/// which `runbook.all-clear-unwritten` reports already (it says more: the
/// check passes without looking).
fn all_clear(s: &Spec, e: &Event) -> bool {
    let Some(step) = e.path.strip_suffix(".run") else {
        return false;
    };
    let steps = crate::spec::validate::all_steps(s);
    let Some(run) = steps
        .iter()
        .find(|(p, _)| p == step)
        .and_then(|(_, st)| st.run.as_deref())
    else {
        return false;
    };
    let mut line = String::new();
    for l in run.lines().skip(e.line) {
        line.push_str(l);
        if !l.ends_with('\\') {
            break;
        }
    }
    e.via.is_none() && line.contains("grep") && line.contains("|| echo")
}

/// Files read that no earlier step wrote, in every procedure.
pub(super) fn check(
    file: &SpecFile,
    procedures: &[(String, Vec<Event>)],
    out: &mut Vec<Diagnostic>,
) {
    let written_by = |e: &Event| match &e.act {
        Act::Writes(f) => Some(f.clone()),
        Act::WritesUnder(d) => Some(format!("{d}/")),
        Act::WritesAll => Some(String::new()),
        _ => None,
    };
    for (path, events) in procedures {
        let mut written: BTreeSet<String> = procedures
            .iter()
            .filter(|(p, _)| p != path && before(path, p))
            .flat_map(|(_, es)| es.iter().filter_map(written_by))
            .collect();
        let mut said = BTreeSet::new();
        for e in events {
            if let Some(w) = written_by(e) {
                written.insert(w);
                continue;
            }
            let Act::Reads { file: f, how } = &e.act else {
                continue;
            };
            let known = written
                .iter()
                .any(|w| w == f || (w.ends_with('/') || w.is_empty()) && f.starts_with(w.as_str()));
            if known
                || e.unwritten_ok
                || mentioned(&file.spec, e, f)
                || all_clear(&file.spec, e)
                || !said.insert((e.path.clone(), e.line, f.clone()))
            {
                continue;
            }
            out.push(at(file, e, format!(
                "`{how}` reads `{f}` from the operator's folder, but no earlier step writes it: the operator gets \"no such file\", or reads a stale copy left there"))
                .help("write it in an earlier step (`... > FILE`, `-o FILE`), read it where a step wrote it (`$BACKUP_DIR/...`) or from a variable the operator sets; a file the operator brings: end the line in `# file-unwritten: REASON`"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files `line` reads and writes, as `R:F` and `W:F`.
    fn acts(line: &str) -> Vec<String> {
        let cmd = &crate::spec::shell::commands(line)[0];
        let all = cmd.texts();
        effects(&all, &all)
            .into_iter()
            .map(|a| match a {
                Act::Reads { file, .. } => format!("R:{file}"),
                Act::Writes(f) => format!("W:{f}"),
                Act::WritesUnder(d) => format!("W:{d}/"),
                Act::WritesAll => "W:*".into(),
                _ => unreachable!(),
            })
            .collect()
    }

    #[test]
    fn reads_and_writes_of_the_operators_folder() {
        // Promtail's upgrade before commit 331695e.
        assert_eq!(
            acts("docker run --rm -v \"$PWD\":/cfg grafana/promtail:3.6.1 -config.file=/cfg/promtail.yaml -check-syntax"),
            ["R:promtail.yaml"]
        );
        assert_eq!(
            acts("alloy convert --source-format=promtail --report=report.txt --output=config.alloy promtail.yaml"),
            ["R:promtail.yaml", "W:report.txt", "W:config.alloy"]
        );
        assert_eq!(acts("cat report.txt 2>/dev/null"), ["R:report.txt"]);
        assert_eq!(
            acts("helm get values \"$RELEASE\" -o yaml > old.yaml"),
            ["W:old.yaml"]
        );
        assert_eq!(
            acts("kubectl create cm x --from-file=k=./a.conf -o yaml"),
            ["R:a.conf"]
        );
        assert_eq!(
            acts("kubectl exec -i \"$POD\" -- psql < dump.sql"),
            ["R:dump.sql"]
        );
        assert_eq!(acts("grep -n 'x.y' relay.yaml"), ["R:relay.yaml"]);
        assert_eq!(acts("jq -e .v \"$F\""), Vec::<String>::new());
        assert_eq!(acts("tar -czf out.tgz -C \"$D\" ."), ["W:out.tgz"]);
        assert_eq!(acts("tar -xzf in.tgz"), ["R:in.tgz", "W:*"]);
        assert_eq!(
            acts("cp a.yaml b.yaml"),
            ["R:a.yaml", "W:b.yaml/", "W:b.yaml"]
        );
        // Not the operator's folder, or not a file: a variable, an absolute
        // path, a pod's path, a name, a follow flag; the operator's values.
        for none in [
            "cat \"$BACKUP_DIR/x.json\" /tmp/y.yaml",
            "kubectl cp \"$POD\":/data/x.db /tmp/x.db",
            "kubectl get crd prometheuses.monitoring.coreos.com",
            "kubectl logs -f deploy/x",
            "echo done.txt",
            "for x in a.yaml b.tar; do",
        ] {
            assert!(acts(none).iter().all(|a| !a.starts_with("R:")), "{none}");
        }
        assert_eq!(acts("helm upgrade r c -f values.yaml"), ["W:values.yaml"]);
    }

    /// `runbook.file-unwritten` on the scaffold with `run` as its first
    /// backup step: the files it reports.
    fn unwritten(run: &str) -> Vec<String> {
        let src = crate::scaffold::new_spec("demo").replace(
            "            mkdir -p \"$BACKUP_DIR\"\n",
            &run.lines()
                .map(|l| format!("            {l}\n"))
                .collect::<String>(),
        );
        let file = crate::spec::parse("specs/demo.yaml", src.as_bytes()).unwrap();
        let mut out = Vec::new();
        super::super::file_unwritten(&file, &super::super::read_all(&file), &mut out);
        out.iter()
            .map(|d| d.message.split('`').nth(3).unwrap_or_default().to_string())
            .collect()
    }

    #[test]
    fn a_file_is_read_only_after_a_step_wrote_it() {
        let read = "amtool check-config alertmanager.yml\n";
        assert_eq!(unwritten(read), ["alertmanager.yml"]);
        let render = "helm template r c -f values.yaml > alertmanager.yml\n";
        assert!(unwritten(&format!("{render}{read}")).is_empty());
        assert_eq!(unwritten(&format!("{read}{render}")), ["alertmanager.yml"]);
        // The operator brings it, and the guide says so.
        assert!(unwritten(&format!("# file-unwritten: your own copy\n{read}")).is_empty());
        assert!(unwritten(&format!("# alertmanager.yml is yours\n{read}")).is_empty());
        assert_eq!(
            unwritten(&format!("# file-unwritten:\n{read}")),
            ["alertmanager.yml"]
        );
        // Extracted, or in a folder a step made.
        assert!(unwritten(&format!("tar -xf \"$F\"\n{read}")).is_empty());
        assert!(unwritten("mkdir -p out\ncat out/x.json\n").is_empty());
        // An all-clear grep is `runbook.all-clear-unwritten`'s to report.
        assert!(unwritten("grep -n old demo.yaml || echo \"none found\"\n").is_empty());
        assert_eq!(
            acts("cp -r data.db copy.db"),
            ["R:data.db", "W:copy.db/", "W:copy.db"]
        );
    }
}
