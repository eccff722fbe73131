//! Where each node of a YAML file sits, so that semantic errors (found after
//! serde has turned the file into types) can still name a line and column.
//!
//! Paths look like `backup.components[1].interval`; a mapping entry's
//! position is that of its key, a sequence item's that of the item.

use std::collections::HashMap;
use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

#[derive(Debug, Default, Clone)]
pub struct Positions {
    map: HashMap<String, (usize, usize)>,
    /// Where the second YAML document starts, if the file has more than one.
    pub second_document: Option<(usize, usize)>,
    /// Nesting too deep for any spec: `(line, column)` where the parser gave up.
    pub too_deep: Option<(usize, usize)>,
    /// The YAML syntax error the event parser stopped at, if any.
    pub syntax: Option<Syntax>,
    /// The first key that repeats one of its mapping.
    pub duplicate: Option<Duplicate>,
    /// For a `run` block whose snippets gen expanded, keyed by the
    /// position of its key: the line of the source block each line of the
    /// expanded text comes from (see [`super::snippets`]).
    pub run_lines: HashMap<(usize, usize), Vec<usize>>,
    /// For a text built from a shared `use:` entry (a whole-step snippet,
    /// a known troubleshooting error), keyed like `run_lines` by where its
    /// path resolves: the entry its first lines come from.
    pub shared: HashMap<(usize, usize), Shared>,
}

/// The first `lines` lines of a text are the shared `name` entry's, which
/// `use: name` at `at` expands: gen wrote them, so a finding in them is
/// located at that `use:` line, the one the maintainer can edit. The lines
/// after them are the spec's own (a step's `run` following a snippet's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shared {
    /// What the entry is, for a message: `the shared step "Roll back the
    /// release"`.
    pub what: String,
    pub name: String,
    pub at: (usize, usize),
    pub lines: usize,
}

impl Shared {
    /// Says where a finding in the shared text comes from.
    pub fn note(&self) -> String {
        format!("in {}", self.source())
    }

    /// The shared text, named: `the shared lines that `use: NAME` expands`.
    pub fn source(&self) -> String {
        format!("{} that `use: {}` expands", self.what, self.name)
    }
}

/// A YAML syntax error: where the parser stopped, and what it said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Syntax {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

/// A key given twice in one mapping: its path, where it is repeated, and
/// where it first appears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    pub path: String,
    pub at: (usize, usize),
    pub first: (usize, usize),
}

impl Positions {
    /// Indexes `source`. A file the event parser cannot read gives an empty
    /// index; serde reports the syntax error itself.
    pub fn index(source: &str) -> Positions {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(source);
        let (mut too_deep, mut syntax) = (None, None);
        if let Err(e) = parser.load(&mut builder, true) {
            let at = (e.marker().line(), e.marker().col() + 1);
            if e.to_string().contains("recursion limit") {
                too_deep = Some(at);
            } else {
                syntax = Some(Syntax {
                    line: at.0,
                    column: at.1,
                    message: e.info().to_string(),
                });
            }
        }
        Positions {
            map: builder.map,
            second_document: builder.second_document,
            too_deep,
            syntax,
            duplicate: builder.duplicate,
            run_lines: HashMap::new(),
            shared: HashMap::new(),
        }
    }

    /// Makes `from`, and every path below it, answer with the position of
    /// `to` and the same path below it: spec content gen expands (see
    /// [`super::share`]) points back at the text it came from. Nothing
    /// changes when `to` is not in the file.
    pub fn alias(&mut self, from: &str, to: &str) {
        let copies: Vec<(String, (usize, usize))> = self
            .map
            .iter()
            .filter_map(|(k, &v)| {
                let rest = k.strip_prefix(to)?;
                (rest.is_empty() || rest.starts_with(['.', '[']))
                    .then(|| (format!("{from}{rest}"), v))
            })
            .collect();
        self.map.extend(copies);
    }

    /// Moves the items of list `list` from index `at` on one place up, and
    /// everything below them, to make room for an item gen inserts there.
    pub fn shift(&mut self, list: &str, at: usize) {
        let prefix = format!("{list}[");
        let moved: Vec<(String, String, (usize, usize))> = self
            .map
            .iter()
            .filter_map(|(k, &v)| {
                let rest = k.strip_prefix(&prefix)?;
                let end = rest.find(']')?;
                let i: usize = rest[..end].parse().ok()?;
                (i >= at).then(|| (k.clone(), format!("{prefix}{}{}", i + 1, &rest[end..]), v))
            })
            .collect();
        for (old, _, _) in &moved {
            self.map.remove(old);
        }
        for (_, new, v) in moved {
            self.map.insert(new, v);
        }
    }

    /// Makes `from` alone answer with the position of `to`, when indexed.
    pub fn alias_exact(&mut self, from: &str, to: &str) {
        if let Some(&v) = self.map.get(to) {
            self.map.insert(from.to_string(), v);
        }
    }

    /// The fields under `prefix` (the whole file when empty), with their
    /// positions, in file order.
    pub fn fields_under(&self, prefix: &str) -> Vec<(&str, (usize, usize))> {
        let mut out: Vec<(&str, (usize, usize))> = self
            .map
            .iter()
            .filter(|(k, _)| {
                prefix.is_empty()
                    || k.strip_prefix(prefix)
                        .is_some_and(|rest| rest.starts_with(['.', '[']))
            })
            .map(|(k, &p)| (k.as_str(), p))
            .collect();
        out.sort_by_key(|&(k, p)| (p, std::cmp::Reverse(k.len())));
        out
    }

    /// Which line of the source block at `key` (its key's position) line
    /// `n` (0-based) of the text comes from: an expanded snippet's lines
    /// are its `{{use}}` line's, and the lines after it are where the
    /// source has them.
    pub fn source_line(&self, key: (usize, usize), n: usize) -> usize {
        self.run_lines
            .get(&key)
            .and_then(|m| m.get(n))
            .copied()
            .unwrap_or(n)
    }

    /// Line `n` (0-based) of the text at `path`: in the shared entry it was
    /// built from (`Err`), or, counted from the spec's own text, `Ok`.
    pub fn in_shared(&self, path: &str, n: usize) -> Result<usize, &Shared> {
        match self.shared.get(&self.get(path)) {
            Some(s) if n < s.lines => Err(s),
            Some(s) => Ok(n - s.lines),
            None => Ok(n),
        }
    }

    /// `(line, column)`, 1-based, of `path`, or of its nearest indexed parent.
    pub fn get(&self, path: &str) -> (usize, usize) {
        let mut p = path;
        loop {
            if let Some(&pos) = self.map.get(p) {
                return pos;
            }
            match p.rfind(['.', '[']) {
                Some(i) => p = &p[..i],
                None => return (1, 1),
            }
        }
    }
}

enum Frame {
    /// `item`: the path of the sequence item this mapping is, recorded at
    /// its first key (the parser marks a block mapping's start late).
    Map {
        path: String,
        key: Option<String>,
        item: Option<String>,
    },
    Seq {
        path: String,
        next: usize,
    },
}

const MAX_DEPTH: usize = 64;

#[derive(Default)]
struct Builder {
    documents: usize,
    second_document: Option<(usize, usize)>,
    stack: Vec<Frame>,
    map: HashMap<String, (usize, usize)>,
    duplicate: Option<Duplicate>,
}

fn pos(mark: Marker) -> (usize, usize) {
    (mark.line(), mark.col() + 1)
}

impl Builder {
    /// Path of the node starting now, or None when it is a mapping key.
    fn node_path(&mut self, ev: &Event, mark: Marker) -> Option<String> {
        // Paths grow with depth; past MAX_DEPTH nothing is recorded, so a
        // hostile file nested 50,000 levels deep stays linear. (Specs nest
        // about 6 levels; serde rejects anything past 128 anyway.)
        if self.stack.len() > MAX_DEPTH {
            return Some(String::new());
        }
        match self.stack.last_mut() {
            None => Some(String::new()),
            Some(Frame::Seq { path, next }) => {
                let p = format!("{path}[{next}]");
                *next += 1;
                if !matches!(ev, Event::MappingStart(..)) {
                    self.map.entry(p.clone()).or_insert(pos(mark));
                }
                Some(p)
            }
            Some(Frame::Map { path, key, item }) => match key.take() {
                Some(k) => Some(if path.is_empty() {
                    k
                } else {
                    format!("{path}.{k}")
                }),
                None => {
                    let k = match ev {
                        Event::Scalar(s, ..) => s.clone(),
                        _ => "?".to_string(),
                    };
                    let full = if path.is_empty() {
                        k.clone()
                    } else {
                        format!("{path}.{k}")
                    };
                    let first = *self.map.entry(full.clone()).or_insert(pos(mark));
                    if first != pos(mark) && self.duplicate.is_none() && !full.contains('?') {
                        self.duplicate = Some(Duplicate {
                            path: full,
                            at: pos(mark),
                            first,
                        });
                    }
                    if let Some(item) = item.take() {
                        self.map.entry(item).or_insert(pos(mark));
                    }
                    *key = Some(k);
                    None
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        match ev {
            Event::Scalar(..) | Event::Alias(_) => {
                self.node_path(&ev, mark);
            }
            Event::MappingStart(..) => {
                let in_seq = matches!(self.stack.last(), Some(Frame::Seq { .. }));
                let path = self.node_path(&ev, mark).unwrap_or_else(|| "?".into());
                let item = in_seq.then(|| path.clone());
                self.stack.push(Frame::Map {
                    path,
                    key: None,
                    item,
                });
            }
            Event::SequenceStart(..) => {
                let path = self.node_path(&ev, mark).unwrap_or_else(|| "?".into());
                self.stack.push(Frame::Seq { path, next: 0 });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            Event::DocumentStart => {
                self.documents += 1;
                if self.documents == 2 {
                    self.second_document = Some(pos(mark));
                }
                self.stack.clear();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Positions;

    #[test]
    fn finds_keys_and_items() {
        let src =
            "name: a\nbackup:\n  components:\n    - id: wal\n      interval: 5m\n    - id: dump\n";
        let p = Positions::index(src);
        assert_eq!(p.get("name"), (1, 1));
        assert_eq!(p.get("backup.components[0].interval"), (5, 7));
        assert_eq!(p.get("backup.components[1]"), (6, 7));
        assert_eq!(p.get("backup.components[1].id"), (6, 7));
        // Unknown paths fall back to the nearest parent.
        assert_eq!(p.get("backup.components[1].nothing"), (6, 7));
    }

    #[test]
    fn deep_nesting_records_a_bounded_number_of_paths() {
        // Building every path of a 50,000-deep file was quadratic (11 s).
        let p = Positions::index(&format!("x: {}", "[".repeat(50_000)));
        assert!(p.map.len() <= super::MAX_DEPTH + 2, "{} paths", p.map.len());
    }
}
