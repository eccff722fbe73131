//! The programs a guide's commands run on the operator's workstation, and
//! what to install for each: read from the guide's `run` blocks (and the
//! recipes of the `make` targets they call), so that "Before you start"
//! lists every tool before step 1 needs it.
//!
//! Only the words that start a command on this machine count: not what
//! runs after `kubectl exec ... --` or `docker run IMAGE`, not a
//! here-document fed to a shell in a pod, but the script of a local `sh
//! -c '...'`, a local `bash <<'EOF'` body, and what `env`, `xargs` and
//! `timeout` run; not a command marked `# runs-elsewhere: REASON` (the
//! container command of a Deployment a guide shows). Shell builtins and
//! the tools of POSIX and GNU coreutils ([`NOT_LISTED`]) are not listed;
//! every other program must be in [`TOOLS`] (check `tools.unknown`).

use super::shell::{self, Command};
use std::collections::{BTreeMap, BTreeSet};

/// A program the guides may run on the workstation.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct Tool {
    /// The command's name, as the guides run it.
    pub name: &'static str,
    /// What to install to have it, with the version the commands need.
    pub install: &'static str,
}

/// Every program the guides may run on the workstation that is not in
/// [`NOT_LISTED`], in the order the guides list them: the cluster clients
/// first, then by name.
pub const TOOLS: &[Tool] = &[
    Tool {
        name: "kubectl",
        install: "the Kubernetes client, at most one minor version away from the cluster (Kubernetes' version skew policy)",
    },
    Tool {
        name: "helm",
        install: "Helm 3; upgrades and rollbacks rely on its three-way merge",
    },
    Tool {
        name: "age",
        install: "age (github.com/FiloSottile/age), for the backup sets' encryption; the guides' `-r`, `-d -i` and `-o` checked with age 1.1.1",
    },
    Tool {
        name: "alloy",
        install: "Grafana Alloy, for `alloy convert`",
    },
    Tool {
        name: "amtool",
        install: "amtool, from the Prometheus Alertmanager release",
    },
    Tool {
        name: "argon2",
        install: "the `argon2` command-line tool (Debian/Ubuntu package `argon2`)",
    },
    Tool {
        name: "curl",
        install: "curl",
    },
    Tool {
        name: "detect-angular-dashboards",
        install: "Grafana's `detect-angular-dashboards` tool",
    },
    Tool {
        name: "devpi",
        install: "devpi-client (`pip install devpi-client`)",
    },
    Tool {
        name: "docker",
        install: "Docker, for the `docker run` helper containers",
    },
    Tool {
        name: "git",
        install: "git, in the clone that keeps the release's `values.yaml`",
    },
    Tool {
        name: "gunzip",
        install: "gzip, which installs `gunzip`",
    },
    Tool {
        name: "gzip",
        install: "gzip",
    },
    Tool {
        name: "jq",
        install: "jq; the guides' `-r`, `-s`, `--arg`, `--argjson` and `--slurpfile` checked with jq 1.6",
    },
    Tool {
        name: "logcli",
        install: "Grafana Loki's `logcli`",
    },
    Tool {
        name: "make",
        install: "GNU make; 4.0 or later for `make -j` of the cross-chart targets, which turn on `--output-sync`",
    },
    Tool {
        name: "mc",
        install: "the MinIO client `mc`",
    },
    Tool {
        name: "mimirtool",
        install: "Grafana's `mimirtool`",
    },
    Tool {
        name: "nc",
        install: "netcat (`nc`; on Debian and Ubuntu the `netcat-openbsd` package)",
    },
    Tool {
        name: "openssl",
        install: "the OpenSSL command-line tool",
    },
    Tool {
        name: "pg_restore",
        install: "the PostgreSQL client tools (`pg_restore`)",
    },
    Tool {
        name: "pip",
        install: "pip, with Python 3",
    },
    Tool {
        name: "python3",
        install: "Python 3",
    },
    Tool {
        name: "sqlite3",
        install: "the SQLite 3 shell `sqlite3`",
    },
    Tool {
        name: "tar",
        install: "tar",
    },
    Tool {
        name: "tempo-cli",
        install: "Grafana Tempo's `tempo-cli`",
    },
    Tool {
        name: "yq",
        install: "yq: mikefarah/yq v4 or the Python yq (a jq wrapper, which needs jq); the guides pass `-r`, which prints raw values in both",
    },
];

/// Programs not listed: shell reserved words and builtins, and the
/// POSIX/coreutils tools a workstation has without installing anything.
pub const NOT_LISTED: &[&str] = &[
    // Shell reserved words and builtins.
    ".",
    ":",
    "[",
    "[[",
    "]",
    "alias",
    "break",
    "case",
    "cd",
    "command",
    "continue",
    "esac",
    "eval",
    "exec",
    "exit",
    "export",
    "false",
    "for",
    "getopts",
    "in",
    "local",
    "printf",
    "pwd",
    "read",
    "readonly",
    "return",
    "select",
    "set",
    "shift",
    "source",
    "test",
    "trap",
    "true",
    "type",
    "ulimit",
    "umask",
    "unset",
    "wait",
    "echo",
    "kill",
    // Shells.
    "sh",
    "bash",
    // POSIX and coreutils.
    "awk",
    "base64",
    "basename",
    "cat",
    "chmod",
    "chown",
    "cmp",
    "comm",
    "cp",
    "cut",
    "date",
    "dd",
    "df",
    "diff",
    "dirname",
    "du",
    "env",
    "expr",
    "find",
    "grep",
    "head",
    "id",
    "ln",
    "ls",
    "mkdir",
    "mktemp",
    "mv",
    "nohup",
    "od",
    "paste",
    "printenv",
    "ps",
    "rm",
    "rmdir",
    "sed",
    "seq",
    "sleep",
    "sort",
    "split",
    "stat",
    "tail",
    "tee",
    "timeout",
    "touch",
    "tr",
    "uname",
    "uniq",
    "wc",
    "xargs",
    "sha256sum",
    "crontab",
];

/// Words that run the command after them on this machine: how many words
/// (options with their values) to skip first.
fn wrapper(words: &[String]) -> Option<usize> {
    let first = words.first()?.as_str();
    let is_assign = |w: &str| {
        w.split_once('=').is_some_and(|(n, _)| {
            !n.is_empty()
                && !n.starts_with(|c: char| c.is_ascii_digit())
                && n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        })
    };
    if is_assign(first) {
        return Some(1);
    }
    let options = |valued: &[&str]| {
        let mut k = 1;
        while let Some(w) = words.get(k) {
            if valued.contains(&w.as_str()) {
                k += 2;
            } else if w.starts_with('-') || (first == "env" && is_assign(w)) {
                k += 1;
            } else {
                break;
            }
        }
        k
    };
    match first {
        "env" => Some(options(&["-u", "-C", "-S"])),
        "exec" | "nohup" | "time" | "sudo" | "builtin" => Some(1),
        // `command NAME`, not the lookup `command -v NAME`.
        "command" if words.get(1).is_some_and(|w| !w.starts_with('-')) => Some(1),
        "xargs" => Some(options(&["-I", "-n", "-P", "-L", "-d", "-s", "-E", "-a"])),
        // `timeout [-s SIG] [-k D] DURATION CMD`.
        "timeout" => Some(options(&["-s", "-k", "--signal", "--kill-after"]) + 1),
        _ => None,
    }
}

/// Whether a here-document fed to `feeder` runs here: the feeder, its
/// wrappers aside, is a shell of this machine (`bash -s <<'EOF'`), not
/// `kubectl exec ... -- sh` or `docker run ... sh`.
fn runs_here(feeder: &[String]) -> bool {
    let mut w = feeder;
    while let Some(k) = wrapper(w) {
        w = w.get(k..).unwrap_or_default();
    }
    w.first().is_some_and(|p| shell::is_shell(p))
}

/// Where a program is first run: a `run` path, its line (the `make` line
/// for a recipe's commands), and `make TARGET` for a recipe's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Use {
    pub path: String,
    pub line: usize,
    pub via: Option<String>,
}

/// The programs `texts` (`(run path, shell)`) run on this machine, each
/// with its first use; `recipes` are the commands of the `make` targets
/// they may call, by target name.
pub fn collect(
    texts: &[(String, String)],
    recipes: &BTreeMap<String, String>,
) -> BTreeMap<String, Use> {
    let mut w = Walk {
        recipes,
        found: BTreeMap::new(),
        depth: 0,
        elsewhere: BTreeSet::new(),
    };
    for (path, text) in texts {
        let lines: Vec<&str> = text.lines().collect();
        w.elsewhere = (0..lines.len())
            .filter(|&n| shell::allowed(&lines, n, ELSEWHERE))
            .collect();
        w.script(text, path, 0, None);
    }
    w.found
}

/// The comment that says a command runs somewhere else than the
/// workstation (a Deployment's container command shown in a guide):
/// `# runs-elsewhere: REASON` on its first line or alone on the line before.
pub const ELSEWHERE: &str = "runs-elsewhere";

/// The known tools among `programs`, in [`TOOLS`] order.
pub fn listed<'a>(programs: impl IntoIterator<Item = &'a str>) -> Vec<Tool> {
    let names: BTreeSet<&str> = programs.into_iter().collect();
    TOOLS
        .iter()
        .filter(|t| names.contains(t.name))
        .copied()
        .collect()
}

/// Whether gen knows `program`: listed in [`TOOLS`] or not listed on purpose.
pub fn known(program: &str) -> bool {
    NOT_LISTED.contains(&program) || TOOLS.iter().any(|t| t.name == program)
}

struct Walk<'a> {
    recipes: &'a BTreeMap<String, String>,
    found: BTreeMap<String, Use>,
    depth: usize,
    /// Lines of the text being read marked [`ELSEWHERE`].
    elsewhere: BTreeSet<usize>,
}

/// Where the commands being read are reported: the make line and target
/// for a recipe's.
type Pin<'p> = Option<(usize, &'p str)>;

impl Walk<'_> {
    fn script(&mut self, text: &str, path: &str, start: usize, pin: Pin) {
        let cmds = shell::commands(text);
        let functions: BTreeSet<&str> = cmds
            .iter()
            .filter(|c| c.body.is_some())
            .filter_map(|c| c.words.first().map(|w| w.text.as_str()))
            .collect();
        for c in &cmds {
            if !c.fed_by.iter().all(|f| runs_here(f)) {
                continue;
            }
            if let Some((body, offset)) = &c.body {
                self.script(body, path, start + c.line() + offset, pin);
                continue;
            }
            self.command(c, &functions, path, start, pin);
        }
    }

    fn command(
        &mut self,
        c: &Command,
        functions: &BTreeSet<&str>,
        path: &str,
        start: usize,
        pin: Pin,
    ) {
        let all: Vec<String> = c.words.iter().map(|w| w.text.clone()).collect();
        let mut k = 0;
        while let Some(n) = wrapper(&all[k..]) {
            k += n;
            if k >= all.len() {
                return;
            }
        }
        let words = &all[k..];
        let line = start + c.words[k].line;
        if pin.is_none() && self.elsewhere.contains(&(start + c.line())) {
            return;
        }
        let name = words[0].as_str();
        // A variable (`$KUBECTL`), a redirection, or a lookup (`command -v`).
        if name.starts_with(['$', '`', '<', '>', '&'])
            || name.contains("$(")
            || name
                .trim_start_matches(|c: char| c.is_ascii_digit())
                .starts_with(['<', '>'])
            || (name == "command" && words.get(1).is_some_and(|w| w.starts_with('-')))
        {
            return;
        }
        let program = name.rsplit('/').next().unwrap_or(name);
        if functions.contains(name) && !TOOLS.iter().any(|t| t.name == program) {
            return;
        }
        let (at, via) = match pin {
            Some((l, t)) => (l, Some(format!("make {t}"))),
            None => (line, None),
        };
        self.found.entry(program.to_string()).or_insert(Use {
            path: path.to_string(),
            line: at,
            via,
        });
        if shell::is_shell(program) {
            // `sh -c 'SCRIPT'`: the script runs here too.
            if let Some(j) = words[1..]
                .iter()
                .position(|x| x.starts_with('-') && !x.starts_with("--") && x.contains('c'))
            {
                if let (Some(script), Some(word)) = (words.get(j + 2), c.words.get(k + j + 2)) {
                    self.script(script, path, start + word.line, pin);
                }
            }
        }
        if program == "make" && self.depth < 4 {
            for t in words[1..]
                .iter()
                .filter(|a| !a.contains('=') && !a.starts_with('-'))
            {
                if let Some(recipe) = self.recipes.get(t) {
                    self.depth += 1;
                    let pin = pin.or(Some((line, t.as_str())));
                    self.script(recipe, path, start, pin);
                    self.depth -= 1;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(src: &str) -> Vec<String> {
        collect(&[("run".into(), src.into())], &BTreeMap::new())
            .into_keys()
            .collect()
    }

    #[test]
    fn in_pod_words_are_not_local() {
        let src = "kubectl exec \"$POD\" -- pg_dump -Fc app > app.dump\n\
                   kubectl exec -i \"$POD\" -- sh -es <<'EOF'\nredis-cli save\nEOF\n\
                   kubectl exec \"$POD\" -- sh -c 'mongodump --archive'\n\
                   docker run --rm -v \"$PWD\":/w alpine:3 tar -czf /w/x.tgz /etc\n\
                   kubectl apply -f - <<EOF\nkind: ConfigMap\nEOF\n";
        assert_eq!(programs(src), ["docker", "kubectl"]);
    }

    #[test]
    fn local_shells_wrappers_and_substitutions_are_read() {
        let src = "PW=\"$(kubectl get secret s -o json | jq -r .data.pw | base64 -d)\"\n\
                   env A=1 age -d -i key.txt x.age > x\n\
                   sh -c 'gzip -t x.gz && sqlite3 x.db .tables'\n\
                   bash -s <<'EOF'\nmc ls local/bucket\nEOF\n\
                   ls | xargs -n 1 yq -r .a\n\
                   timeout 60 curl -fsS http://127.0.0.1:9090/-/ready\n";
        assert_eq!(
            programs(src),
            [
                "age", "base64", "bash", "curl", "gzip", "jq", "kubectl", "ls", "mc", "sh",
                "sqlite3", "yq"
            ]
        );
    }

    #[test]
    fn functions_variables_and_lookups_are_no_programs() {
        let src = "kubectl() { command $KUBECTL \"$@\"; }\n\
                   wait_ready() {\n  helm status \"$RELEASE\"\n}\n\
                   wait_ready\nkubectl get pods\n\"$KUBECTL\" version\n\
                   command -v jq >/dev/null\n";
        assert_eq!(programs(src), ["helm", "kubectl"]);
    }

    #[test]
    fn a_command_marked_to_run_elsewhere_is_not_local() {
        let src = "# runs-elsewhere: the archiver Deployment's command\n\
                   mysqlbinlog --raw \\\n  --stop-never\n\
                   gzip -t x.gz # runs-elsewhere:\n";
        assert_eq!(programs(src), ["gzip"]);
    }

    #[test]
    fn make_targets_add_their_recipes_at_the_make_line() {
        let recipes = BTreeMap::from([(
            "pg-backup".to_string(),
            "pg_dump -h 127.0.0.1 app | gzip > x.gz".to_string(),
        )]);
        let found = collect(
            &[(
                "s.run".into(),
                "echo go\nmake pg-backup BACKUP_DIR=/b\n".into(),
            )],
            &recipes,
        );
        let dump = &found["pg_dump"];
        assert_eq!(
            (dump.line, dump.via.as_deref()),
            (1, Some("make pg-backup"))
        );
        assert!(found.contains_key("make") && found.contains_key("gzip"));
    }

    #[test]
    fn every_tool_is_listed_once_and_not_also_skipped() {
        let mut seen = BTreeSet::new();
        for t in TOOLS {
            assert!(seen.insert(t.name), "{} twice", t.name);
            assert!(
                !NOT_LISTED.contains(&t.name),
                "{} both listed and not",
                t.name
            );
            assert!(!t.install.is_empty());
        }
    }
}
