//! A small reader of the POSIX shell in `run` fields: enough to see which
//! commands a procedure runs, in which order, and on which line. It does
//! not execute or expand anything.
//!
//! Words come back with their quotes removed (`"$POD"` is `$POD`); command
//! substitutions stay in the word as written and are also read as commands
//! of their own. Here-document bodies are read as commands when the command
//! they feed is a shell (`... sh -es <<'EOF'`), and skipped otherwise
//! (manifests, SQL).

/// One word of a command and the line (0-based) it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    pub line: usize,
}

/// One simple command: its words, redirections included as words of their
/// own (`<`, `>`, `>>`, `<<`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Command {
    pub words: Vec<Word>,
    /// For `NAME() { BODY; }`: the body, starting on the line of `words[0]`
    /// plus `.1`; the command only defines the function NAME.
    pub body: Option<(String, usize)>,
    /// The command is the condition of an `until` or `while` loop: run
    /// again and again until it succeeds (or fails).
    pub retried: bool,
    /// Read from the here-document of these commands (outermost first,
    /// their words as written): `kubectl exec -i POD -- sh <<'EOF'` runs
    /// the body in the pod, `bash <<'EOF'` on this machine.
    pub fed_by: Vec<Vec<String>>,
}

impl Command {
    /// The line the command starts on.
    pub fn line(&self) -> usize {
        self.words.first().map_or(0, |w| w.line)
    }

    pub fn texts(&self) -> Vec<&str> {
        self.words.iter().map(|w| w.text.as_str()).collect()
    }
}

/// Reserved words that start a command without being one.
const PREFIXES: &[&str] = &[
    "if", "then", "else", "elif", "do", "while", "until", "!", "{", "}", "fi", "done", "time",
];

/// The commands of `src`, in order; a command inside `$(...)` comes before
/// the command that uses its output.
pub fn commands(src: &str) -> Vec<Command> {
    let mut r = Reader {
        chars: src.chars().collect(),
        pos: 0,
        line: 0,
        out: Vec::new(),
        cur: Command::default(),
        word: None,
        heredocs: Vec::new(),
        parens: 0,
        pattern: false,
    };
    r.run();
    r.out
}

/// Whether `word` names a shell, so that a here-document fed to it is a script.
pub fn is_shell(word: &str) -> bool {
    matches!(
        word.rsplit('/').next().unwrap_or(word),
        "sh" | "bash" | "ash" | "dash"
    )
}

struct Reader {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    out: Vec<Command>,
    cur: Command,
    /// The word being read and the line it started on.
    word: Option<(String, usize)>,
    /// Here-documents announced on this line: (delimiter, body is a script).
    /// The words of the command each announced here-document feeds.
    heredocs: Vec<(String, bool, Vec<String>)>,
    /// Subshells `(` opened and not yet closed.
    parens: usize,
    /// Reading a `case` pattern: after `in` or `;;`, up to its `)`.
    pattern: bool,
}

impl Reader {
    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos + k).copied()
    }

    fn push_char(&mut self, c: char) {
        let line = self.line;
        self.word
            .get_or_insert_with(|| (String::new(), line))
            .0
            .push(c);
    }

    fn push_str(&mut self, s: &str) {
        let line = self.line;
        self.word
            .get_or_insert_with(|| (String::new(), line))
            .0
            .push_str(s);
    }

    fn end_word(&mut self) {
        if let Some((text, line)) = self.word.take() {
            self.cur.words.push(Word { text, line });
        }
    }

    fn end_command(&mut self) {
        self.end_word();
        let mut cmd = std::mem::take(&mut self.cur);
        while cmd
            .words
            .first()
            .is_some_and(|w| PREFIXES.contains(&w.text.as_str()))
        {
            let w = cmd.words.remove(0);
            cmd.retried |= matches!(w.text.as_str(), "until" | "while");
        }
        let texts = cmd.texts();
        match (texts.first(), texts.last()) {
            (Some(&"case"), Some(&"in")) => self.pattern = true,
            (Some(&"esac"), _) => self.pattern = false,
            _ => {}
        }
        if !cmd.words.is_empty() {
            self.out.push(cmd);
        }
    }

    fn run(&mut self) {
        while let Some(c) = self.peek(0) {
            match c {
                '\\' => {
                    match self.peek(1) {
                        Some('\n') => self.line += 1,
                        Some(n) => self.push_char(n),
                        None => {}
                    }
                    self.pos += 2;
                }
                '\'' => {
                    self.push_str("");
                    self.pos += 1;
                    while let Some(ch) = self.peek(0) {
                        self.pos += 1;
                        if ch == '\'' {
                            break;
                        }
                        if ch == '\n' {
                            self.line += 1;
                        }
                        self.push_char(ch);
                    }
                }
                '"' => {
                    self.push_str("");
                    self.pos += 1;
                    self.double_quoted();
                }
                '$' if self.peek(1) == Some('(') => self.substitution(),
                '`' => self.backticks(),
                '$' if self.peek(1) == Some('{') => {
                    let text = self.balanced('{', '}');
                    self.push_str(&format!("${text}"));
                }
                '#' if self.word.is_none() => {
                    while self.peek(0).is_some_and(|ch| ch != '\n') {
                        self.pos += 1;
                    }
                }
                ' ' | '\t' => {
                    self.end_word();
                    self.pos += 1;
                }
                '\n' => {
                    self.end_command();
                    self.pos += 1;
                    self.line += 1;
                    self.heredoc_bodies();
                }
                '(' if self.word.is_some() && self.cur.words.is_empty() && self.is_definition() => {
                    self.definition()
                }
                '(' => {
                    self.parens += 1;
                    self.end_command();
                    self.pos += 1;
                }
                // A `)` no `(` opened ends a `case` pattern: no command.
                ')' if self.parens == 0 || self.pattern => {
                    self.word = None;
                    self.cur = Command::default();
                    self.pattern = false;
                    self.pos += 1;
                }
                // `a|b)`: one pattern, not a pipe.
                '|' if self.pattern => {
                    self.end_word();
                    self.pos += 1;
                }
                ';' if self.peek(1) == Some(';') => {
                    self.end_command();
                    self.pattern = true;
                    self.pos += 2;
                }
                ';' | '&' | '|' | ')' => {
                    self.parens = self.parens.saturating_sub(usize::from(c == ')'));
                    self.end_command();
                    self.pos += 1;
                }
                '<' | '>' => self.redirection(c),
                _ => {
                    self.push_char(c);
                    self.pos += 1;
                }
            }
        }
        self.end_command();
    }

    /// At `(` after a first word: whether `()` and a `{` follow.
    fn is_definition(&self) -> bool {
        let rest: String = self.chars[self.pos..].iter().take(64).collect();
        rest.strip_prefix('(')
            .map(str::trim_start)
            .and_then(|r| r.strip_prefix(')'))
            .is_some_and(|r| r.trim_start().starts_with('{'))
    }

    /// `NAME() { BODY; }`: one command carrying the body, read later.
    fn definition(&mut self) {
        let (name, line) = self.word.take().unwrap_or_default();
        while self.peek(0).is_some_and(|c| c != '{') {
            if self.peek(0) == Some('\n') {
                self.line += 1;
            }
            self.pos += 1;
        }
        let start = self.line;
        let text = self.balanced('{', '}');
        let body = text
            .strip_prefix('{')
            .map(|t| t.strip_suffix('}').unwrap_or(t))
            .unwrap_or(&text)
            .to_string();
        self.out.push(Command {
            words: vec![Word { text: name, line }],
            body: Some((body, start - line)),
            retried: false,
            fed_by: Vec::new(),
        });
    }

    fn double_quoted(&mut self) {
        while let Some(ch) = self.peek(0) {
            match ch {
                '"' => {
                    self.pos += 1;
                    return;
                }
                '\\' => {
                    match self.peek(1) {
                        Some('\n') => self.line += 1,
                        Some(n @ ('"' | '\\' | '$' | '`')) => self.push_char(n),
                        Some(n) => {
                            self.push_char('\\');
                            self.push_char(n);
                        }
                        None => {}
                    }
                    self.pos += 2;
                }
                '$' if self.peek(1) == Some('(') => self.substitution(),
                '`' => self.backticks(),
                _ => {
                    if ch == '\n' {
                        self.line += 1;
                    }
                    self.push_char(ch);
                    self.pos += 1;
                }
            }
        }
    }

    /// `open ... close` from the current position (at the `$` or `open`),
    /// nested pairs and quotes included; returns it from `open` on.
    fn balanced(&mut self, open: char, close: char) -> String {
        if self.peek(0) == Some('$') {
            self.pos += 1;
        }
        let mut depth = 0usize;
        let mut text = String::new();
        let mut quote: Option<char> = None;
        while let Some(ch) = self.peek(0) {
            self.pos += 1;
            text.push(ch);
            if ch == '\n' {
                self.line += 1;
            }
            match quote {
                Some(q) if ch == q => quote = None,
                Some(_) => {}
                None if ch == '\'' || ch == '"' => quote = Some(ch),
                None if ch == open => depth += 1,
                None if ch == close => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        break;
                    }
                }
                None => {}
            }
        }
        text
    }

    /// `$(...)`: kept in the word as written, and read as commands.
    fn substitution(&mut self) {
        let start = self.line;
        let text = self.balanced('(', ')');
        self.push_str(&format!("${text}"));
        // `$((...))` is arithmetic, not a command.
        if text.starts_with("((") {
            return;
        }
        let inner = text
            .strip_prefix('(')
            .map(|t| t.strip_suffix(')').unwrap_or(t))
            .unwrap_or(&text);
        self.nested(inner, start);
    }

    fn backticks(&mut self) {
        let start = self.line;
        self.pos += 1;
        let mut inner = String::new();
        while let Some(ch) = self.peek(0) {
            self.pos += 1;
            if ch == '`' {
                break;
            }
            if ch == '\n' {
                self.line += 1;
            }
            inner.push(ch);
        }
        self.push_str(&format!("`{inner}`"));
        self.nested(&inner, start);
    }

    /// Commands of `src` starting on line `base`, added before the
    /// command being read.
    fn nested(&mut self, src: &str, base: usize) {
        for mut c in commands(src) {
            for w in &mut c.words {
                w.line += base;
            }
            self.out.push(c);
        }
    }

    fn redirection(&mut self, c: char) {
        self.end_word();
        let line = self.line;
        let mut op = String::from(c);
        self.pos += 1;
        while let Some(n @ ('<' | '>' | '&' | '-')) = self.peek(0) {
            if n == '-' && !op.starts_with("<<") {
                break;
            }
            op.push(n);
            self.pos += 1;
        }
        let heredoc = op.starts_with("<<") && !op.starts_with("<<<");
        self.cur.words.push(Word { text: op, line });
        if heredoc {
            while self.peek(0) == Some(' ') {
                self.pos += 1;
            }
            let mut delim = String::new();
            while let Some(ch) = self.peek(0) {
                if ch.is_whitespace() || ";&|<>()".contains(ch) {
                    break;
                }
                if ch != '\'' && ch != '"' && ch != '\\' {
                    delim.push(ch);
                }
                self.pos += 1;
            }
            let script = self.cur.words.iter().any(|w| is_shell(&w.text));
            let feeder = self.cur.words.iter().map(|w| w.text.clone()).collect();
            self.heredocs.push((delim, script, feeder));
        }
    }

    /// After a newline: the bodies of the here-documents of the line just
    /// read, each up to its delimiter.
    fn heredoc_bodies(&mut self) {
        for (delim, script, feeder) in std::mem::take(&mut self.heredocs) {
            let base = self.line;
            let mut body = String::new();
            while self.pos < self.chars.len() {
                let end = (self.pos..self.chars.len())
                    .find(|&i| self.chars[i] == '\n')
                    .unwrap_or(self.chars.len());
                let text: String = self.chars[self.pos..end].iter().collect();
                self.pos = (end + 1).min(self.chars.len());
                self.line += 1;
                if text.trim_start_matches('\t') == delim {
                    break;
                }
                body.push_str(&text);
                body.push('\n');
            }
            if script {
                let from = self.out.len();
                self.nested(&body, base);
                for c in &mut self.out[from..] {
                    c.fed_by.insert(0, feeder.clone());
                }
            }
        }
    }
}

/// Whether line `n` of `lines` is allowed to break check `rule` on
/// purpose: it ends in `# RULE: REASON` with a reason, or follows a line
/// that is only that comment. One form for every runbook allowance
/// (`# stale-pod: ...`, `# local-http: ...`, ...).
pub fn allowed(lines: &[&str], n: usize, rule: &str) -> bool {
    let says = |l: &str| {
        l.split_once(&format!("# {rule}:"))
            .is_some_and(|(_, why)| !why.trim().is_empty())
    };
    lines.get(n).is_some_and(|l| says(l))
        || n.checked_sub(1)
            .and_then(|p| lines.get(p))
            .is_some_and(|l| l.trim_start().starts_with('#') && says(l))
}

/// Whether shell text refers to `$NAME` or `${NAME...}`.
pub fn uses_var(text: &str, name: &str) -> bool {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find('$') {
        let j = i + off + 1;
        let rest = &text[j..];
        let rest = rest.strip_prefix('{').unwrap_or(rest);
        if let Some(after) = rest.strip_prefix(name) {
            let next = after.bytes().next();
            if !matches!(next, Some(c) if c.is_ascii_alphanumeric() || c == b'_') {
                return true;
            }
        }
        i = j;
        if i >= bytes.len() {
            break;
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<Vec<String>> {
        commands(src)
            .iter()
            .map(|c| c.words.iter().map(|w| w.text.clone()).collect())
            .collect()
    }

    #[test]
    fn words_quotes_and_separators() {
        assert_eq!(
            texts("kubectl -n \"$NAMESPACE\" scale sts 'a b' --replicas=0; echo x && y"),
            vec![
                vec![
                    "kubectl",
                    "-n",
                    "$NAMESPACE",
                    "scale",
                    "sts",
                    "a b",
                    "--replicas=0"
                ],
                vec!["echo", "x"],
                vec!["y"],
            ]
        );
    }

    #[test]
    fn continuations_keep_the_first_line() {
        let c = commands("a \\\n  b\nc # comment\n");
        assert_eq!(c.len(), 2);
        assert_eq!((c[0].line(), c[0].words[1].line), (0, 1));
        assert_eq!((c[1].texts(), c[1].line()), (vec!["c"], 2));
    }

    #[test]
    fn substitutions_are_commands_too() {
        let t = texts(
            "PW=$(kubectl get secret \"$S\" | base64 -d)\nif [ -n \"$(ls x)\" ]; then mv a b; fi",
        );
        assert_eq!(t[0], vec!["kubectl", "get", "secret", "$S"]);
        assert_eq!(t[1], vec!["base64", "-d"]);
        assert_eq!(t[2], vec!["PW=$(kubectl get secret \"$S\" | base64 -d)"]);
        assert!(t.contains(&vec!["ls".to_string(), "x".to_string()]));
        assert!(t.contains(&vec!["mv".to_string(), "a".to_string(), "b".to_string()]));
    }

    #[test]
    fn heredocs_of_shells_are_read_others_skipped() {
        let src = "kubectl exec -i p -- sh -es <<'EOF'\nmv a a.old\nEOF\nkubectl apply -f - <<EOF\nkind: Pod\nEOF\nnext\n";
        let c = commands(src);
        let t: Vec<Vec<&str>> = c.iter().map(Command::texts).collect();
        assert!(t.contains(&vec!["mv", "a", "a.old"]), "{t:?}");
        assert!(!t.iter().any(|w| w.contains(&"kind:")), "{t:?}");
        let next = c.iter().find(|c| c.texts() == ["next"]).unwrap();
        assert_eq!(next.line(), 6);
        let mv = c.iter().find(|c| c.texts()[0] == "mv").unwrap();
        assert_eq!(mv.line(), 1);
        assert_eq!(
            mv.fed_by,
            [["kubectl", "exec", "-i", "p", "--", "sh", "-es", "<<"]]
        );
        assert!(next.fed_by.is_empty());
    }

    #[test]
    fn arithmetic_and_case_patterns_are_no_commands() {
        let t = texts(
            "i=$((i + 1))\ncase \"$x\" in\n  *Failed*|*x*) exit 1 ;;\n  *) (cd d; ls) ;;\nesac\n",
        );
        assert_eq!(
            t,
            vec![
                vec!["i=$((i + 1))"],
                vec!["case", "$x", "in"],
                vec!["exit", "1"],
                vec!["cd", "d"],
                vec!["ls"],
                vec!["esac"],
            ]
        );
    }

    #[test]
    fn function_bodies_are_kept_for_their_calls() {
        let c = commands("f() {\n  kubectl scale sts x --replicas=1\n}\ntrap f EXIT\nf\n");
        assert_eq!(c[0].texts(), vec!["f"]);
        let (body, offset) = c[0].body.clone().unwrap();
        assert!(body.contains("kubectl scale"), "{body:?}");
        assert_eq!(offset, 0);
        assert_eq!(c[1].texts(), vec!["trap", "f", "EXIT"]);
        assert_eq!((c[2].texts(), c[2].line()), (vec!["f"], 4));
    }

    #[test]
    fn redirections_are_words() {
        assert_eq!(
            texts("psql -d x < dump.sql 2>&1 >/dev/null"),
            vec![vec![
                "psql",
                "-d",
                "x",
                "<",
                "dump.sql",
                "2",
                ">&",
                "1",
                ">",
                "/dev/null"
            ]]
        );
    }
}
