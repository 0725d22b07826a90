//! `docket ticket …`: ticket commands that work on the sidecar's store
//! without a running server. The work itself lives in `docket-sidecar`.

use std::path::Path;

use crate::cli::TicketAction;
use anyhow::Result;

use super::sidecar_cmd;

/// Runs one `docket ticket` action.
pub fn ticket(action: TicketAction) -> Result<()> {
    match action {
        TicketAction::Import { file, site } => import(&site.site, &file),
    }
}

/// `docket ticket import FILE --site DIR`: validates the whole file, writes
/// it in one transaction and prints each new reference on its own line.
fn import(site: &Path, file: &Path) -> Result<()> {
    let options = sidecar_cmd::options(site)?;
    let references = docket_sidecar::import::import_file(&options, file)?;
    for reference in &references {
        println!("{reference}");
    }
    let n = references.len();
    eprintln!("imported {n} ticket{}", if n == 1 { "" } else { "s" });
    Ok(())
}
