//! Names that `run:` commands refer to, read from their words: the objects
//! `kubectl` is pointed at, containers, JSONPath keys and env names, `--set`
//! keys and `.Values` paths, and absolute paths inside a container. Only
//! what a simple reading of POSIX shell finds; anything cleverer (a name
//! built in a loop, a pipeline into xargs) goes unchecked.

/// A shell word with quotes removed and where it starts in the command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    pub text: String,
    /// 0-based line of the command text.
    pub line: usize,
    /// 0-based column (in characters) on that line.
    pub col: usize,
}

/// Splits a command into simple commands (at newlines that are not
/// continued, `;`, `|`, `&`, `(`, `)`), each a list of words.
pub fn commands(text: &str) -> Vec<Vec<Word>> {
    let mut out = Vec::new();
    let mut cur: Vec<Word> = Vec::new();
    let mut word: Option<Word> = None;
    let (mut line, mut col) = (0usize, 0usize);
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut quote: Option<char> = None;
    // `$(`...`)` depth: inside, operators do not split.
    let mut depth = 0usize;
    macro_rules! push_char {
        ($c:expr) => {
            word.get_or_insert_with(|| Word {
                text: String::new(),
                line,
                col,
            })
            .text
            .push($c)
        };
    }
    // The next word is a redirection's target.
    let mut drop_next = false;
    macro_rules! end_word {
        () => {
            if let Some(w) = word.take() {
                if std::mem::take(&mut drop_next) {
                    drop(w);
                } else {
                    cur.push(w);
                }
            }
        };
    }
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let mut advance = 1;
        match (quote, c) {
            (Some('\''), '\'') => quote = None,
            (Some('\''), _) => push_char!(c),
            (Some('"'), '"') => quote = None,
            (Some('"'), '\\') if matches!(next, Some('"' | '\\' | '$' | '`')) => {
                push_char!(next.unwrap_or_default());
                advance = 2;
            }
            (Some('"'), '\\') if next == Some('\n') => advance = 2,
            (Some(_), _) => push_char!(c),
            (None, '\'' | '"') => {
                // An empty quoted word still is a word.
                push_char!('\0');
                word.as_mut().map(|w| w.text.pop());
                quote = Some(c);
            }
            (None, '\\') if next == Some('\n') => {
                end_word!();
                advance = 2;
            }
            (None, '\\') => {
                if let Some(n) = next {
                    push_char!(n);
                }
                advance = 2;
            }
            (None, '$') if next == Some('(') => {
                depth += 1;
                push_char!('$');
                push_char!('(');
                advance = 2;
            }
            (None, ')') if depth > 0 => {
                depth -= 1;
                push_char!(')');
            }
            (None, '#') if word.is_none() && depth == 0 => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                    col += 1;
                }
                continue;
            }
            (None, '>' | '<') if depth == 0 => {
                // A redirection: its fd (`2>`) and target are not words.
                if word
                    .as_ref()
                    .is_some_and(|w| w.text.bytes().all(|b| b.is_ascii_digit()))
                {
                    word = None;
                }
                end_word!();
                while matches!(chars.get(i + advance), Some('>' | '<' | '&' | '|')) {
                    advance += 1;
                }
                let dup = chars.get(i + advance - 1) == Some(&'&');
                while matches!(chars.get(i + advance), Some(' ' | '\t')) {
                    advance += 1;
                }
                if dup {
                    while matches!(chars.get(i + advance), Some(c) if c.is_ascii_digit() || *c == '-')
                    {
                        advance += 1;
                    }
                } else {
                    drop_next = true;
                }
            }
            (None, ' ' | '\t') if depth == 0 => end_word!(),
            (None, '\n' | ';' | '|' | '&' | '(' | ')') if depth == 0 => {
                end_word!();
                drop_next = false;
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            (None, ' ' | '\t' | '\n') => push_char!(' '),
            (None, _) => push_char!(c),
        }
        for _ in 0..advance {
            if chars.get(i) == Some(&'\n') {
                line += 1;
                col = 0;
            } else {
                col += 1;
            }
            i += 1;
        }
    }
    end_word!();
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// What a reference names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Secret,
    ConfigMap,
    Pvc,
    StatefulSet,
    Deployment,
    DaemonSet,
    Service,
    Pod,
    Container,
    /// A key of the Secret or ConfigMap the same command names.
    DataKey,
    /// An env var of the pods' containers (`env[?(@.name=="X")]`).
    EnvName,
    ValuesKey,
    /// An absolute path inside a container.
    ContainerPath,
}

impl Kind {
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Secret => "Secret",
            Kind::ConfigMap => "ConfigMap",
            Kind::Pvc => "PersistentVolumeClaim",
            Kind::StatefulSet => "StatefulSet",
            Kind::Deployment => "Deployment",
            Kind::DaemonSet => "DaemonSet",
            Kind::Service => "Service",
            Kind::Pod => "pod",
            Kind::Container => "container",
            Kind::DataKey => "key",
            Kind::EnvName => "env var",
            Kind::ValuesKey => "values key",
            Kind::ContainerPath => "path",
        }
    }
}

/// One name a command refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ref {
    pub kind: Kind,
    /// As written (variables not yet expanded).
    pub name: String,
    /// Where the word holding it starts.
    pub line: usize,
    pub col: usize,
    /// For `DataKey`: the Secret or ConfigMap (kind, name as written).
    pub owner: Option<(Kind, String)>,
    /// For `Container` and `ContainerPath`: the pod as written, if named, or
    /// the workload (`deploy/x`) whose pod it is.
    pub pod: Option<(Option<Kind>, String)>,
}

fn resource_kind(word: &str) -> Option<Kind> {
    Some(match word.to_ascii_lowercase().as_str() {
        "secret" | "secrets" => Kind::Secret,
        "configmap" | "configmaps" | "cm" => Kind::ConfigMap,
        "pvc" | "pvcs" | "persistentvolumeclaim" | "persistentvolumeclaims" => Kind::Pvc,
        "sts" | "statefulset" | "statefulsets" | "statefulset.apps" => Kind::StatefulSet,
        "deploy" | "deployment" | "deployments" | "deployment.apps" => Kind::Deployment,
        "ds" | "daemonset" | "daemonsets" | "daemonset.apps" => Kind::DaemonSet,
        "svc" | "service" | "services" => Kind::Service,
        "po" | "pod" | "pods" => Kind::Pod,
        _ => return None,
    })
}

/// The pod of a command that picks pods by label (`kubectl logs -l ...`):
/// any workload's.
pub const BY_LABEL: &str = "-l";

/// kubectl flags that take a value as the next word.
const VALUE_FLAGS: &[&str] = &[
    "-n",
    "--namespace",
    "-c",
    "--container",
    "-o",
    "--output",
    "-l",
    "--selector",
    "--context",
    "--kubeconfig",
    "--field-selector",
    "--sort-by",
    "--tail",
    "--since",
    "--type",
    "-p",
    "--patch",
    "--replicas",
    "--timeout",
    "--for",
    "-f",
    "--filename",
    "--image",
    "--template",
    "--to-revision",
    "--overrides",
    "--as",
    "--address",
    "--from-literal",
    "--from-file",
    "--limit-bytes",
    "--max-log-requests",
];

fn is_kubectl(w: &str) -> bool {
    w == "kubectl"
        || w.ends_with("/kubectl")
        || matches!(w, "$KUBECTL" | "${KUBECTL}" | "${KUBECTL:-kubectl}")
}

/// The references of one run text. `in_pod`: the whole text runs inside the
/// main container (`runs_in: pod`).
pub fn references(text: &str, in_pod: bool) -> Vec<Ref> {
    let mut out = Vec::new();
    for words in commands(text) {
        values_refs(&words, &mut out);
        if in_pod {
            paths(&words, None, &mut out);
        }
        if let Some(k) = words.iter().position(|w| is_kubectl(&w.text)) {
            kubectl(&words[k + 1..], &mut out);
        }
    }
    out
}

fn push(out: &mut Vec<Ref>, kind: Kind, name: &str, w: &Word) {
    out.push(Ref {
        kind,
        name: name.to_string(),
        line: w.line,
        col: w.col,
        owner: None,
        pod: None,
    });
}

/// `--set k=v,...` keys and `.Values.a.b` paths.
fn values_refs(words: &[Word], out: &mut Vec<Ref>) {
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let flag = [
            "--set",
            "--set-string",
            "--set-file",
            "--set-json",
            "--set-literal",
        ]
        .iter()
        .find_map(|f| {
            if w.text == *f {
                words.get(i + 1).map(|n| (n, n.text.as_str()))
            } else {
                w.text
                    .strip_prefix(f)
                    .and_then(|r| r.strip_prefix('='))
                    .map(|r| (w, r))
            }
        });
        if let Some((at, value)) = flag {
            for part in value.split(',') {
                if let Some((key, _)) = part.split_once('=') {
                    if !key.is_empty() && !key.contains(['$', '{', '}', ' ']) {
                        push(out, Kind::ValuesKey, key, at);
                    }
                }
            }
        }
        for path in super::parse::values_refs(&w.text) {
            push(out, Kind::ValuesKey, &path, w);
        }
        i += 1;
    }
}

fn kubectl(args: &[Word], out: &mut Vec<Ref>) {
    // Positional words, flags and their values.
    let mut positional: Vec<&Word> = Vec::new();
    let mut container: Option<&Word> = None;
    let mut jsonpath: Option<&Word> = None;
    let mut other_namespace = false;
    let mut by_label = false;
    let mut after_dashes: Option<usize> = None;
    let mut i = 0;
    while i < args.len() {
        let w = &args[i];
        let t = w.text.as_str();
        if t == "--" {
            after_dashes = Some(i + 1);
            break;
        }
        let (flag, inline) = match t.split_once('=') {
            Some((f, v)) if f.starts_with('-') => (f, Some(v)),
            _ => (t, None),
        };
        if flag.starts_with('-') && flag.len() > 1 {
            let value = match inline {
                Some(_) => Some(w),
                None if VALUE_FLAGS.contains(&flag) => {
                    i += 1;
                    args.get(i)
                }
                None => None,
            };
            let v = |w: &Word| inline.map_or(w.text.clone(), str::to_string);
            match (flag, value) {
                ("-c" | "--container", Some(vw)) => container = Some(vw),
                ("-o" | "--output", Some(vw)) if v(vw).starts_with("jsonpath") => {
                    jsonpath = Some(vw)
                }
                ("-l" | "--selector", Some(_)) => by_label = true,
                ("-n" | "--namespace", Some(vw)) => {
                    let ns = v(vw);
                    other_namespace = !(ns == "$NAMESPACE" || ns == "${NAMESPACE}");
                }
                _ => {}
            }
        } else {
            positional.push(w);
        }
        i += 1;
    }
    // Another namespace holds another release: nothing to check here.
    if other_namespace {
        return;
    }
    let verb = positional.first().map(|w| w.text.as_str()).unwrap_or("");
    let objects: &[&Word] = match verb {
        "rollout" | "set" | "create" if positional.len() > 1 => &positional[2..],
        "run" | "apply" | "auth" | "config" | "api-resources" | "top" | "debug" | "" => &[],
        _ => &positional[1..],
    };
    if verb == "create" {
        return;
    }
    let mut named: Vec<(Kind, &Word, String)> = Vec::new();
    let mut pending: Option<Kind> = None;
    let mut pod: Option<&Word> = None;
    for (n, w) in objects.iter().enumerate() {
        let t = w.text.as_str();
        if let Some((kind, name)) = t
            .split_once('/')
            .and_then(|(k, n)| resource_kind(k).map(|k| (k, n)))
        {
            named.push((kind, w, name.to_string()));
            pending = None;
        } else if let Some(k) = pending.filter(|_| !t.contains('=')) {
            named.push((k, w, t.to_string()));
        } else if let Some(k) = resource_kind(t) {
            pending = Some(k);
            continue;
        } else if n == 0 && matches!(verb, "exec" | "logs" | "port-forward" | "attach") {
            pod = Some(w);
        } else if verb == "cp" {
            if let Some((p, path)) = t.split_once(':') {
                if !p.is_empty() && path.starts_with('/') {
                    pod = Some(w);
                    out.push(Ref {
                        kind: Kind::ContainerPath,
                        name: path.to_string(),
                        line: w.line,
                        col: w.col,
                        owner: None,
                        pod: Some((None, p.to_string())),
                    });
                }
            }
        }
        // `kubectl get secret a b` names both; other verbs name one.
        if !matches!(verb, "get" | "describe" | "delete") {
            pending = None;
        }
    }
    for (kind, w, name) in &named {
        if *kind == Kind::Pod && pod.is_none() {
            pod = Some(w);
        }
        push(out, *kind, name, w);
    }
    // The pod the command runs in: named, or `deploy/x` (a pod of x).
    let execs = matches!(verb, "exec" | "logs" | "port-forward" | "attach" | "cp");
    let pod_name = match pod {
        Some(w) => Some(
            named
                .iter()
                .find(|(_, x, _)| std::ptr::eq(*x, w))
                .map_or_else(
                    || (None, w.text.clone()),
                    |(k, _, n)| (Some(*k).filter(|k| *k != Kind::Pod), n.clone()),
                ),
        ),
        None if execs => named
            .first()
            .map(|(k, _, n)| (Some(*k).filter(|k| *k != Kind::Pod), n.clone()))
            .or_else(|| by_label.then(|| (None, BY_LABEL.to_string()))),
        None => None,
    };
    if let Some(c) = container {
        let name = c.text.split_once('=').map_or(c.text.as_str(), |(_, v)| v);
        out.push(Ref {
            kind: Kind::Container,
            name: name.to_string(),
            line: c.line,
            col: c.col,
            owner: None,
            pod: pod_name.clone(),
        });
    }
    if let Some(jp) = jsonpath {
        let owner = named
            .iter()
            .find(|(k, ..)| matches!(k, Kind::Secret | Kind::ConfigMap))
            .map(|(k, _, n)| (*k, n.clone()));
        jsonpath_refs(jp, owner, out);
    }
    if let Some(start) = after_dashes {
        let before = out.len();
        paths(&args[start..], pod_name.clone(), out);
        if let Some(c) = container {
            let name = c.text.split_once('=').map_or(c.text.as_str(), |(_, v)| v);
            for r in &mut out[before..] {
                r.owner = Some((Kind::Container, name.to_string()));
            }
        }
    }
}

fn jsonpath_refs(w: &Word, owner: Option<(Kind, String)>, out: &mut Vec<Ref>) {
    let t = w.text.as_str();
    if let Some(owner) = owner {
        let mut rest = t;
        while let Some(i) = rest.find(".data") {
            let after = &rest[i + 5..];
            let key = if let Some(a) = after.strip_prefix('.') {
                // `\.` escapes a dot inside the key.
                let mut key = String::new();
                let mut chars = a.chars().peekable();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' if chars.peek() == Some(&'.') => {
                            key.push('.');
                            chars.next();
                        }
                        c if c.is_ascii_alphanumeric() || c == '-' || c == '_' => key.push(c),
                        _ => break,
                    }
                }
                key
            } else if let Some(a) = after
                .strip_prefix("['")
                .or_else(|| after.strip_prefix("[\""))
            {
                a.split(['\'', '"']).next().unwrap_or("").to_string()
            } else {
                String::new()
            };
            if !key.is_empty() && !key.contains('$') {
                out.push(Ref {
                    kind: Kind::DataKey,
                    name: key,
                    line: w.line,
                    col: w.col,
                    owner: Some(owner.clone()),
                    pod: None,
                });
            }
            rest = after;
        }
    }
    // A filter names what the list before it holds: `env[?(@.name=="X")]`
    // an env var, `containers[?(@.name=="X")]` a container. Other lists
    // (ports, volumes, conditions) are not checked.
    let mut rest = t;
    while let Some(i) = rest.find("[?(@.name==") {
        let list = rest[..i].rsplit(['.', '{']).next().unwrap_or("");
        let after = &rest[i + 11..];
        let kind = match list {
            "env" => Some(Kind::EnvName),
            "containers" | "initContainers" => Some(Kind::Container),
            _ => None,
        };
        let q = after.chars().next().unwrap_or(' ');
        if let (Some(kind), '"' | '\'') = (kind, q) {
            if let Some(name) = after[1..].split(q).next() {
                if !name.is_empty() && !name.contains('$') {
                    push(out, kind, name, w);
                }
            }
        }
        rest = after;
    }
}

/// Top-level folders of every Linux image: paths under them are the
/// image's own, not volumes, and are never checked.
const IMAGE_DIRS: &[&str] = &[
    "bin", "boot", "dev", "etc", "home", "lib", "lib32", "lib64", "libx32", "media", "opt", "proc",
    "root", "run", "sbin", "sys", "tmp", "usr", "var",
];

/// Top-level folders that only exist as volumes: a path under one that no
/// mount covers is a mistake. (Anything else, like `/app`, may be the image's.)
fn volume_like(top: &str) -> bool {
    [
        "data",
        "backup",
        "bitnami",
        "mnt",
        "snapshots",
        "export",
        "archive",
        "dumps",
    ]
    .iter()
    .any(|d| top.starts_with(d))
}

/// Absolute paths in words that run inside a container.
fn paths(words: &[Word], pod: Option<(Option<Kind>, String)>, out: &mut Vec<Ref>) {
    for w in words {
        let t = &w.text;
        let bytes = t.as_bytes();
        for (i, _) in t.match_indices('/') {
            let prev = if i == 0 { b' ' } else { bytes[i - 1] };
            if !b" \t\n'\"=:(<>".contains(&prev) || bytes.get(i + 1) == Some(&b'/') {
                continue;
            }
            let path: String = t[i..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || "/._-".contains(*c))
                .collect();
            let path = path.trim_end_matches(['.', '/']);
            let top = path.trim_start_matches('/').split('/').next().unwrap_or("");
            if top.is_empty() || IMAGE_DIRS.contains(&top) || !volume_like(top) {
                continue;
            }
            out.push(Ref {
                kind: Kind::ContainerPath,
                name: path.to_string(),
                line: w.line,
                col: w.col,
                owner: None,
                pod: pod.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &str) -> Vec<(Kind, String)> {
        references(text, false)
            .into_iter()
            .map(|r| (r.kind, r.name))
            .collect()
    }

    #[test]
    fn words_lines_and_columns() {
        let c = commands(
            "kubectl -n \"$NAMESPACE\" exec \"$POD\" \\\n  -c pg -- ls 'a b' # note\necho x | wc",
        );
        let first: Vec<(&str, usize, usize)> = c[0]
            .iter()
            .map(|w| (w.text.as_str(), w.line, w.col))
            .collect();
        assert_eq!(
            first,
            [
                ("kubectl", 0, 0),
                ("-n", 0, 8),
                ("$NAMESPACE", 0, 11),
                ("exec", 0, 24),
                ("$POD", 0, 29),
                ("-c", 1, 2),
                ("pg", 1, 5),
                ("--", 1, 8),
                ("ls", 1, 11),
                ("a b", 1, 14),
            ]
        );
        assert_eq!(c.len(), 3);
        let words: Vec<String> = commands("a 2>/dev/null b >\"$x\" c 2>&1 d >> f e < g")[0]
            .iter()
            .map(|w| w.text.clone())
            .collect();
        assert_eq!(words, ["a", "b", "c", "d", "e"]);
    }

    #[test]
    fn the_port_forward_snippets_client_is_kubectl() {
        assert_eq!(
            names("(exec ${KUBECTL:-kubectl} -n \"$NAMESPACE\" port-forward \\\n  svc/$FULLNAME 1:1) >\"$PFO\" 2>&1 &"),
            [(Kind::Service, "$FULLNAME".into())]
        );
    }

    #[test]
    fn kubectl_objects_containers_and_keys() {
        assert_eq!(
            names("kubectl -n \"$NAMESPACE\" get secret \"$RELEASE-pg\" -o jsonpath='{.data.admin-password}' | base64 -d"),
            [
                (Kind::Secret, "$RELEASE-pg".into()),
                (Kind::DataKey, "admin-password".into()),
            ]
        );
        assert_eq!(
            names("kubectl -n \"$NAMESPACE\" exec \"$POD\" -c postgresql -- ls /backup/wal"),
            [
                (Kind::Container, "postgresql".into()),
                (Kind::ContainerPath, "/backup/wal".into()),
            ]
        );
        assert_eq!(
            names(
                "kubectl scale sts/$FULLNAME --replicas=0 && kubectl delete pvc data-$FULLNAME-0"
            ),
            [
                (Kind::StatefulSet, "$FULLNAME".into()),
                (Kind::Pvc, "data-$FULLNAME-0".into()),
            ]
        );
        assert_eq!(
            names("kubectl get pod x -o jsonpath='{.spec.containers[0].env[?(@.name==\"PGDATA\")].value}'"),
            [(Kind::Pod, "x".into()), (Kind::EnvName, "PGDATA".into())]
        );
        // A container filter names a container, not an env var; other
        // lists' filters name neither.
        assert_eq!(
            names("kubectl get sts x -o jsonpath='{.spec.template.spec.containers[?(@.name==\"pg\")].image}{.spec.ports[?(@.name==\"web\")].port}'"),
            [(Kind::StatefulSet, "x".into()), (Kind::Container, "pg".into())]
        );
        // `-i` takes no value: the pod follows it.
        assert_eq!(
            names("kubectl exec -i x-0 -c y -- true"),
            [(Kind::Container, "y".into())]
        );
        assert_eq!(
            names("kubectl cp \"$NAMESPACE/$POD:/data/x\" ./x"),
            [(Kind::ContainerPath, "/data/x".into())]
        );
        // Another namespace is another release.
        assert!(names("kubectl -n other get secret x").is_empty());
    }

    #[test]
    fn values_keys_and_pod_paths() {
        assert_eq!(
            names("helm upgrade r c --set a.b=1,c=2 --set-string=d.e=x --set \"$X\"=1\n echo {{ .Values.f.g }}"),
            [
                (Kind::ValuesKey, "a.b".into()),
                (Kind::ValuesKey, "c".into()),
                (Kind::ValuesKey, "d.e".into()),
                (Kind::ValuesKey, "f.g".into()),
            ]
        );
        let r: Vec<String> = references("cp /data/x /usr/bin/y /app/z \"$BACKUP_DIR\"/w", true)
            .into_iter()
            .map(|r| r.name)
            .collect();
        assert_eq!(r, ["/data/x"]);
    }
}
