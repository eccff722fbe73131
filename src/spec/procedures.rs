//! The procedures of a chart's backup guide as data: each backup component,
//! the verification and each restore, with its steps exactly as the guide
//! shows them and the drill that proves each step (a step's own `drill`
//! overrides its procedure's). `gen procedures <chart> --json` prints them;
//! the drills in `tests/drills.rs` run them from here rather than from the
//! rendered Markdown, and `docs/coverage.md` counts them.

use super::{Drill, Spec, Step};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Procedure {
    /// `backup.<component id>`, `verification` or `restore.<restore id>`.
    pub id: String,
    pub title: String,
    /// The spec path of the procedure, for messages: e.g. `restore[1]`.
    pub path: String,
    pub steps: Vec<ProcedureStep>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProcedureStep {
    pub title: String,
    /// The shell block as the guide shows it (`None` for a prose-only step).
    pub run: Option<String>,
    pub lang: Option<String>,
    pub expect: Option<String>,
    /// The step's drill, else its procedure's.
    pub drill: Option<Drill>,
}

/// How far the drills prove a procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DrillStatus {
    /// Every step with a command runs in a drill.
    Drilled,
    /// Every step with a command that no drill runs says why none can, and
    /// at least one runs in a drill.
    Partly,
    /// No step runs in a drill, and each says why none can.
    CannotDrill,
    /// Some step with a command neither runs in a drill nor says why not.
    NotDrilled,
}

impl Procedure {
    /// The steps that have a command, the ones a drill runs.
    pub fn commands(&self) -> impl Iterator<Item = &ProcedureStep> {
        self.steps
            .iter()
            .filter(|s| s.run.is_some() && !is_file_content(s))
    }

    pub fn status(&self) -> DrillStatus {
        let (mut tested, mut none, mut missing) = (0, 0, 0);
        for s in self.commands() {
            match &s.drill {
                Some(Drill { test: Some(_), .. }) => tested += 1,
                Some(Drill { none: Some(_), .. }) => none += 1,
                _ => missing += 1,
            }
        }
        match (tested, none, missing) {
            (_, _, m) if m > 0 => DrillStatus::NotDrilled,
            (0, _, _) => DrillStatus::CannotDrill,
            (_, 0, _) => DrillStatus::Drilled,
            _ => DrillStatus::Partly,
        }
    }

    /// The distinct drill tests that run this procedure's steps.
    pub fn tests(&self) -> Vec<&str> {
        let mut t: Vec<&str> = self
            .steps
            .iter()
            .filter_map(|s| s.drill.as_ref()?.test.as_deref())
            .collect();
        t.sort_unstable();
        t.dedup();
        t
    }
}

/// A `run` block that is file content to paste (YAML, SQL...), not a
/// command: drills cannot run it on its own.
fn is_file_content(s: &ProcedureStep) -> bool {
    s.lang
        .as_deref()
        .is_some_and(|l| !matches!(l, "bash" | "sh" | "console"))
}

fn steps(list: &[Step], inherited: Option<&Drill>) -> Vec<ProcedureStep> {
    list.iter()
        .map(|s| ProcedureStep {
            title: s.title.clone(),
            run: s.run.clone(),
            lang: s.lang.clone(),
            expect: s.expect.clone(),
            drill: s.drill.clone().or_else(|| inherited.cloned()),
        })
        .collect()
}

/// The backup guide's procedures in the guide's order.
pub fn procedures(s: &Spec) -> Vec<Procedure> {
    let mut out = Vec::new();
    for (i, c) in s.backup.components.iter().enumerate() {
        out.push(Procedure {
            id: format!("backup.{}", c.id),
            title: c.title.clone(),
            path: format!("backup.components[{i}]"),
            steps: steps(&c.steps, c.drill.as_ref()),
        });
    }
    out.push(Procedure {
        id: "verification".into(),
        title: "Verify the backups".into(),
        path: "backup.verification".into(),
        steps: steps(&s.backup.verification, None),
    });
    for (i, r) in s.restore.iter().enumerate() {
        out.push(Procedure {
            id: format!("restore.{}", r.id),
            title: r.title.clone(),
            path: format!("restore[{i}]"),
            steps: steps(&r.steps, r.drill.as_ref()),
        });
    }
    out
}
