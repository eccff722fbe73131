//! The published HTML site under `site/`: built from the same in-memory
//! outputs as everything else. (Being written; see issue 4.)

use crate::diagnostics::Diagnostic;
use crate::model::ChartModel;
use crate::output::Outputs;
use crate::project::Project;
use std::collections::BTreeMap;

/// Renders the site's files, keyed by path under `site/`.
pub fn render(
    _project: &Project,
    _models: &[ChartModel],
    _outputs: &Outputs,
) -> Result<BTreeMap<String, Vec<u8>>, Vec<Diagnostic>> {
    Ok(BTreeMap::new())
}
