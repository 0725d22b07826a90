//! `docket report`: the figures of `/agent/reports` on the command line,
//! for writers working in git ("which articles should I rewrite?"). Reads
//! the sidecar's store directly; the work lives in `docket-sidecar`.

use anyhow::{bail, Result};
use docket_sidecar::report;

use super::sidecar_cmd;
use crate::cli::ReportArgs;

/// Prints the report (or one table of it as CSV).
pub fn report(args: &ReportArgs) -> Result<()> {
    if let Some(table) = &args.csv {
        if !report::TABLES.contains(&table.as_str()) {
            bail!(
                "--csv {table:?}: choose one of {}",
                report::TABLES.join(", ")
            );
        }
    }
    let options = sidecar_cmd::options(&args.site.site)?;
    let figures = report::load(&options, args.days)?;
    match &args.csv {
        Some(table) => print!("{}", report::csv(&figures, table).unwrap_or_default()),
        None => print!("{}", report::text(&figures)),
    }
    Ok(())
}
