//! What gen runs for the chart: the backup CronJobs (`jobs`), the database
//! profile (`backup.database`), and the runbook lint of each procedure's
//! shell ([`crate::spec::runbook`]).

use crate::diagnostics::Diagnostic;
use crate::spec::{profile, SpecFile};

pub fn database_profile(file: &SpecFile, out: &mut Vec<Diagnostic>) {
    for (path, message, help) in profile::problems(&file.spec) {
        out.push(file.error_at(&path, message).help(help));
    }
}
