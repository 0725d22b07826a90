//! `docket mail receive`: one RFC 5322 message on standard input, as an MTA
//! hands it over (Postfix `pipe`, Exim's pipe transport, `.forward`). The
//! exit status follows sysexits(3), so the MTA does the right thing: 0 when
//! stored or deliberately dropped, 75 (`EX_TEMPFAIL`) when the store is busy
//! or unreachable (the MTA keeps the message and retries), 65
//! (`EX_DATAERR`) when the message cannot be parsed, 78 (`EX_CONFIG`) when
//! the site's configuration is wrong.

use std::io::Read;
use std::path::Path;

use anyhow::Result;
use docket_sidecar::db::Db;
use docket_sidecar::intake::{self, IntakeError, Settings};
use docket_sidecar::mail::texts::MailTexts;

use super::sidecar_cmd;
use crate::cli::MailAction;

/// `EX_DATAERR`: the input was not a message.
pub const EX_DATAERR: u8 = 65;
/// `EX_TEMPFAIL`: try again later.
pub const EX_TEMPFAIL: u8 = 75;
/// `EX_CONFIG`: the configuration is wrong.
pub const EX_CONFIG: u8 = 78;

/// A failure with the exit status the MTA should see.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Sysexit {
    /// The sysexits(3) status.
    pub code: u8,
    /// What went wrong.
    pub message: String,
}

fn fail(code: u8, message: impl std::fmt::Display) -> anyhow::Error {
    Sysexit {
        code,
        message: message.to_string(),
    }
    .into()
}

/// Runs one `docket mail` action.
pub fn mail(action: MailAction) -> Result<()> {
    match action {
        MailAction::Receive { site } => receive(&site.site),
    }
}

/// Reads standard input, stores it, prints `REFERENCE #NUMBER OUTCOME`.
fn receive(site: &Path) -> Result<()> {
    let options = sidecar_cmd::options(site).map_err(|e| fail(EX_CONFIG, format!("{e:#}")))?;
    let texts = MailTexts::from_options(&options).map_err(|e| fail(EX_CONFIG, format!("{e:#}")))?;
    let settings = Settings::from_options(&options, texts);
    let raw = read_message(settings.max_message_bytes)
        .map_err(|e| fail(EX_TEMPFAIL, format!("cannot read the message: {e}")))?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| fail(EX_TEMPFAIL, format!("cannot start the async runtime: {e}")))?;
    let receipt = runtime.block_on(async {
        let db = Db::open(&options.database).await.map_err(|e| {
            fail(
                EX_TEMPFAIL,
                format!("cannot open {}: {e:#}", options.database.display()),
            )
        })?;
        intake::receive(&db, &settings, raw)
            .await
            .map_err(|e| match e {
                IntakeError::Unparseable(_) => fail(EX_DATAERR, e),
                IntakeError::Temporary(_) => fail(EX_TEMPFAIL, e),
            })
    })?;
    match (&receipt.reference, receipt.number) {
        (Some(reference), Some(number)) => {
            println!("{reference} #{number} {}", receipt.outcome.word())
        }
        _ => println!("- {}", receipt.outcome.word()),
    }
    if let intake::Outcome::Dropped(reason) = &receipt.outcome {
        eprintln!("docket mail receive: dropped: {reason}");
    }
    Ok(())
}

/// The message, read whole up to `max` bytes plus one MiB; the rest of a
/// larger one is read and discarded (the MTA expects all of it consumed),
/// and intake sees it is over the limit.
fn read_message(max: usize) -> std::io::Result<Vec<u8>> {
    let cap = max.saturating_add(1 << 20);
    let mut stdin = std::io::stdin().lock();
    let mut raw = Vec::new();
    (&mut stdin).take(cap as u64).read_to_end(&mut raw)?;
    std::io::copy(&mut stdin, &mut std::io::sink())?;
    Ok(raw)
}
