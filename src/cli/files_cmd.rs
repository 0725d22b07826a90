//! `docket files gc`: removes the attachment store's blobs that no message
//! names. It opens the configured database itself; the deletion is one
//! write transaction, so it is safe while the sidecar serves (a message
//! and its files are written together, so a blob is never seen unnamed
//! halfway through an upload).

use anyhow::{Context, Result};
use docket_sidecar::db::Db;

use super::sidecar_cmd;
use crate::cli::FilesAction;

/// Runs one `docket files` action.
pub fn files(action: FilesAction) -> Result<()> {
    match action {
        FilesAction::Gc { site } => gc(&site.site),
    }
}

fn gc(site: &std::path::Path) -> Result<()> {
    let options = sidecar_cmd::options(site)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    let removed = runtime.block_on(async {
        let db = Db::open(&options.database).await?;
        db.collect_unreferenced_files().await
    })?;
    println!(
        "removed {} unreferenced file(s), {} bytes",
        removed.blobs, removed.bytes
    );
    Ok(())
}
