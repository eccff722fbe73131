//! Running Helm: `helm template <release> <chart> --namespace <ns> [-f file]...`,
//! exactly as a maintainer would, with stdout holding the manifests.

use rayon::prelude::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The `helm` gen runs: `--helm PATH`, else `helm` in gen.toml, else the
/// first `helm` on PATH.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helm {
    pub program: PathBuf,
}

/// One `helm template` to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub release: String,
    pub chart: PathBuf,
    pub namespace: String,
    pub values: Vec<PathBuf>,
}

/// Why a render failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelmError {
    /// There is no Helm to run (not found, or a component of it missing).
    Missing(String),
    /// Helm ran and failed: its message.
    Failed(String),
}

/// How to get Helm, or do without it; every "Helm is missing" error ends with it.
pub const INSTALL_HELP: &str =
    "install Helm (https://helm.sh/docs/intro/install/) and put it on PATH, \
    or name one with `--helm PATH` or `helm = \"PATH\"` in gen.toml; \
    or build without chart facts (and without checking the specs against the charts) \
    with `--no-facts` or `facts = false` in gen.toml";

/// helm.py's (and so scripts/helm's) exit status for a missing component.
const EXIT_MISSING: i32 = 77;

impl Helm {
    /// Resolves which Helm to run. `configured` is the flag's or gen.toml's
    /// path (already made absolute); None looks on PATH.
    pub fn find(configured: Option<&Path>) -> Result<Helm, HelmError> {
        let on_path = |name: &std::ffi::OsStr| {
            std::env::var_os("PATH").and_then(|paths| {
                std::env::split_paths(&paths)
                    .map(|d| d.join(name))
                    .find(|p| p.is_file())
            })
        };
        match configured {
            // A bare name (`helm3`) is looked up on PATH.
            Some(p) if !p.is_file() && p.file_name().is_some_and(|n| p == Path::new(n)) => {
                on_path(p.as_os_str())
                    .map(|program| Helm { program })
                    .ok_or_else(|| {
                        HelmError::Missing(format!("there is no `{}` on PATH", p.display()))
                    })
            }
            Some(p) if p.is_file() => Ok(Helm {
                program: p.to_path_buf(),
            }),
            Some(p) => Err(HelmError::Missing(format!(
                "the Helm gen was told to use, {}, does not exist",
                p.display()
            ))),
            None => on_path(std::ffi::OsStr::new("helm"))
                .map(|program| Helm { program })
                .ok_or_else(|| HelmError::Missing("there is no `helm` on PATH".into())),
        }
    }

    /// The command line of a render, for the cache key and messages.
    pub fn describe(&self) -> String {
        format!(
            "{} template RELEASE CHART --namespace NS [-f FILE]...",
            self.program.display()
        )
    }

    /// Renders every job: in one `helm template-batch` process when this
    /// Helm has that command (scripts/helm: it saves a start-up per chart),
    /// else one `helm template` per job, in parallel.
    pub fn template_all(&self, jobs: &[Job]) -> Vec<Result<String, HelmError>> {
        if jobs.len() > 1 {
            if let Some(out) = self.batch(jobs) {
                return out;
            }
        }
        jobs.par_iter()
            .map(|j| self.template(&j.release, &j.chart, &j.namespace, &j.values))
            .collect()
    }

    /// `helm template-batch`, or None when this Helm has no such command.
    fn batch(&self, jobs: &[Job]) -> Option<Vec<Result<String, HelmError>>> {
        let input: Vec<serde_json::Value> = jobs
            .iter()
            .map(|j| {
                serde_json::json!({
                    "release": j.release,
                    "chart": j.chart,
                    "namespace": j.namespace,
                    "values": j.values,
                })
            })
            .collect();
        let mut child = Command::new(&self.program)
            .arg("template-batch")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .ok()?;
        let text = serde_json::to_vec(&input).ok()?;
        let mut stdin = child.stdin.take()?;
        let writer = std::thread::spawn(move || stdin.write_all(&text));
        let out = child.wait_with_output().ok()?;
        let _ = writer.join();
        if out.status.code() == Some(EXIT_MISSING) {
            let why = format!(
                "{} is missing a component: {}",
                self.program.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
            return Some(
                jobs.iter()
                    .map(|_| Err(HelmError::Missing(why.clone())))
                    .collect(),
            );
        }
        if !out.status.success() {
            return None;
        }
        let results: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).ok()?;
        (results.len() == jobs.len()).then(|| {
            results
                .iter()
                .map(|r| {
                    let error = r["error"].as_str().unwrap_or("");
                    if error.is_empty() {
                        Ok(r["manifest"].as_str().unwrap_or("").to_string())
                    } else {
                        Err(HelmError::Failed(error.to_string()))
                    }
                })
                .collect()
        })
    }

    /// `helm template`: the manifests, or why there are none.
    pub fn template(
        &self,
        release: &str,
        chart: &Path,
        namespace: &str,
        values_files: &[PathBuf],
    ) -> Result<String, HelmError> {
        let mut cmd = Command::new(&self.program);
        cmd.arg("template")
            .arg(release)
            .arg(chart)
            .arg("--namespace")
            .arg(namespace);
        for f in values_files {
            cmd.arg("-f").arg(f);
        }
        let out = cmd.output().map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                HelmError::Missing(format!("{} does not exist", self.program.display()))
            } else {
                HelmError::Missing(format!("cannot run {}: {e}", self.program.display()))
            }
        })?;
        let stderr = String::from_utf8_lossy(&out.stderr).trim().to_string();
        if out.status.code() == Some(EXIT_MISSING) {
            return Err(HelmError::Missing(format!(
                "{} is missing a component: {stderr}",
                self.program.display()
            )));
        }
        if !out.status.success() {
            return Err(HelmError::Failed(if stderr.is_empty() {
                format!("helm template exited with {}", out.status)
            } else {
                stderr
            }));
        }
        String::from_utf8(out.stdout).map_err(|_| {
            HelmError::Failed("helm template printed something that is not UTF-8".into())
        })
    }
}
