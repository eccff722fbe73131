//! chart-testing's version-bump rule, done right: a chart whose generated
//! content changed since a git commit, while its version did not, gets a
//! finding. A chart repository serves each version once; a user who
//! installed 0.4.0 last week and one who installs 0.4.0 today must get the
//! same chart.
//!
//! What counts is gen's part of the files that ship in the chart package,
//! `charts/<chart>/`: the regions of README.md and values.yaml, the RBAC
//! templates gen owns whole, and gen's properties of values.schema.json.
//! Hand edits elsewhere and the Artifact Hub annotation (the changelog of
//! the version being prepared) do not count. The version is the one in the
//! commit's Chart.yaml against the spec's `chart_version.to`.
//!
//! It stays quiet where it cannot know: git missing, not a repository, no
//! commit yet, a chart or file the commit does not have (new), or a file
//! that had no gen content there.

use crate::diagnostics::Diagnostic;
use crate::kinds::{self, Id, Ownership};
use crate::output::Outputs;
use crate::spec::SpecFile;
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// The commit to compare with when none is given.
pub const DEFAULT_BASE: &str = "HEAD";

/// Findings for every chart of `specs` in the repository at `root`,
/// compared with `since` (None: HEAD, and quiet when there is none). An explicit `since` that git cannot resolve is an
/// error: the caller asked for a comparison that cannot be made.
pub fn findings(
    root: &Path,
    specs: &[SpecFile],
    outputs: &Outputs,
    since: Option<&str>,
) -> Result<Vec<Diagnostic>, String> {
    let rev = since.unwrap_or(DEFAULT_BASE);
    let fail = |why: String| -> Result<Vec<Diagnostic>, String> {
        match since {
            Some(r) => Err(format!("cannot compare with {r:?}: {why}")),
            None => Ok(Vec::new()),
        }
    };
    let prefix = match git(root, &["rev-parse", "--show-prefix"]) {
        Ok(p) => p.trim_end_matches('\n').to_string(),
        Err(e) => return fail(e),
    };
    let commit = match git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            &format!("{rev}^{{commit}}"),
        ],
    ) {
        Ok(c) => c.trim().to_string(),
        Err(_) => return fail(format!("{rev} is not a commit of this repository")),
    };
    let mut wanted: Vec<String> = Vec::new();
    for f in specs {
        let name = &f.spec.name;
        wanted.push(kinds::in_chart(Id::ChartYaml, name));
        wanted.extend(counted(outputs, name).map(|(p, _, _)| p.clone()));
    }
    let old = match read_blobs(root, &commit, &prefix, &wanted) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let mut out = Vec::new();
    for f in specs {
        if let Some(d) = finding(f, outputs, &old, rev) {
            out.push(d);
        }
    }
    Ok(out)
}

/// The outputs of chart `name` whose generated content ships in the
/// package and so counts for the rule (the table of output kinds says
/// which: Chart.yaml is the version's carrier, and the scaffolded
/// _helpers.tpl is the maintainer's), with their rows.
fn counted<'a>(
    outputs: &'a Outputs,
    name: &'a str,
) -> impl Iterator<Item = (&'a String, &'a Vec<u8>, &'static kinds::Kind)> + 'a {
    outputs.files.iter().filter_map(move |(p, bytes)| {
        let k = kinds::in_chart_kind(name, p).filter(|k| k.version_rule)?;
        Some((p, bytes, k))
    })
}

fn finding(
    f: &SpecFile,
    outputs: &Outputs,
    old: &BTreeMap<String, Vec<u8>>,
    rev: &str,
) -> Option<Diagnostic> {
    let name = &f.spec.name;
    let dir = format!("{}/", kinds::chart_dir(name));
    let old_chart =
        String::from_utf8_lossy(old.get(&kinds::in_chart(Id::ChartYaml, name))?).into_owned();
    let old_version = super::chart_yaml::version_of(&old_chart)?;
    let version = &f.spec.chart_version.to;
    if &old_version != version {
        return None;
    }
    let changed: Vec<&str> = counted(outputs, name)
        .filter_map(|(p, new, k)| {
            let before = String::from_utf8_lossy(old.get(p)?).into_owned();
            let before = generated_part(k, &before, f)?;
            let after = generated_part(k, &String::from_utf8_lossy(new), f);
            (after.as_ref() != Some(&before)).then_some(&p[dir.len()..])
        })
        .collect();
    if changed.is_empty() {
        return None;
    }
    let next = semver::Version::parse(version)
        .map(|mut v| {
            v.patch += 1;
            v.pre = semver::Prerelease::EMPTY;
            v.build = semver::BuildMetadata::EMPTY;
            format!(" (e.g. to {v})")
        })
        .unwrap_or_default();
    Some(
        f.warning_at(
            "chart_version.to",
            format!(
                "chart {name}: generated content changed since {rev} ({}), but the chart version is still {version}",
                changed.join(", ")
            ),
        )
        .help(format!(
            "bump chart_version.to{next} and say what changed in upgrade.changes; gen writes the version into Chart.yaml. \
             A chart repository serves each version once, so a changed chart needs a new one"
        )),
    )
}

/// The part of an output of kind `k` that gen generates, line endings
/// normalized; None when the file holds nothing of gen's.
fn generated_part(k: &kinds::Kind, text: &str, f: &SpecFile) -> Option<String> {
    let text = text.replace("\r\n", "\n");
    match k.ownership {
        Ownership::Regions(style, _) => crate::regions::inside(&text, style),
        // The one merged file that counts: the chart's values schema.
        Ownership::Merged => super::values_schema::owned_part(&text, &f.spec),
        Ownership::Whole | Ownership::Scaffolded => Some(text),
    }
}

/// Runs git in `root`; its stdout, or why it failed.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let o = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("git: {e}"))?;
    if !o.status.success() {
        return Err(String::from_utf8_lossy(&o.stderr).trim().to_string());
    }
    String::from_utf8(o.stdout).map_err(|_| "git printed non-UTF-8".into())
}

/// The blobs of `paths` (relative to `root`) at `commit`, one `git cat-file
/// --batch` for all; paths the commit lacks are left out.
fn read_blobs(
    root: &Path,
    commit: &str,
    prefix: &str,
    paths: &[String],
) -> Result<BTreeMap<String, Vec<u8>>, String> {
    let mut child = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("git: {e}"))?;
    let mut stdin = child.stdin.take().expect("piped");
    let request: String = paths
        .iter()
        .map(|p| format!("{commit}:{prefix}{p}\n"))
        .collect();
    let writer = std::thread::spawn(move || stdin.write_all(request.as_bytes()));
    let mut raw = Vec::new();
    child
        .stdout
        .take()
        .expect("piped")
        .read_to_end(&mut raw)
        .map_err(|e| format!("git cat-file: {e}"))?;
    let _ = writer.join();
    let status = child.wait().map_err(|e| format!("git cat-file: {e}"))?;
    if !status.success() {
        return Err("git cat-file failed".into());
    }
    // Each answer: "<oid> blob <size>\n<bytes>\n", or "<name> missing\n".
    let mut blobs = BTreeMap::new();
    let mut pos = 0;
    for p in paths {
        let nl = raw[pos..]
            .iter()
            .position(|&b| b == b'\n')
            .ok_or("git cat-file: short answer")?;
        let header = String::from_utf8_lossy(&raw[pos..pos + nl]).into_owned();
        pos += nl + 1;
        let fields: Vec<&str> = header.split(' ').collect();
        if let [_, kind, size] = fields[..] {
            let size: usize = size.parse().map_err(|_| "git cat-file: bad size")?;
            let body = raw
                .get(pos..pos + size)
                .ok_or("git cat-file: short answer")?;
            if kind == "blob" {
                blobs.insert(p.clone(), body.to_vec());
            }
            pos += size + 1;
        }
    }
    Ok(blobs)
}
