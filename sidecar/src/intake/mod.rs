//! Inbound mail: one RFC 5322 message in, a ticket created or answered (or
//! the message deliberately dropped) out. `docket mail receive` (a message
//! on standard input, from the MTA) and the IMAP fetcher both land here, so
//! the rules are written once.

mod answers;
pub mod imap;
mod parse;
mod quotes;

use sha2::{Digest, Sha256};

use crate::db::inbound::{InboundKind, InboundRecord, Stored};
use crate::db::Db;
use parse::{Automatic, Inbound};

/// What inbound mail needs to know about the site, taken from the
/// configuration once.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The site's title, for acknowledgements.
    pub site_title: String,
    /// The site's public URL without a trailing slash, for links in mail.
    pub base_url: String,
    /// Our own `From` address: mail from it is never answered.
    pub from: String,
    /// The `Reply-To` address intake reads, when it differs from `from`:
    /// mail from it is ours too.
    pub reply_to: Option<String>,
    /// Largest message kept, in bytes.
    pub max_message_bytes: usize,
    /// Acknowledgements sent to one sender per hour at most.
    pub acknowledgements_per_hour: u32,
    /// Where agent notifications go when set (else every agent).
    pub notify: Option<String>,
    /// The digest window for agent notifications, in seconds.
    pub digest_seconds: i64,
    /// What the mail intake sends says, in each language.
    pub texts: crate::mail::texts::MailTexts,
}

impl Settings {
    /// The settings of a configured sidecar, writing mail with `texts`.
    pub fn from_options(options: &crate::Options, texts: crate::mail::texts::MailTexts) -> Self {
        let mail = &options.config.mail;
        let mib = usize::try_from(mail.inbound.max_message_mib).unwrap_or(usize::MAX / (1 << 20));
        Self {
            site_title: options.site_title.clone(),
            base_url: options.base_url.clone(),
            from: mail.from.clone(),
            reply_to: mail.reply_to.clone(),
            max_message_bytes: mib.saturating_mul(1 << 20),
            acknowledgements_per_hour: mail.inbound.acknowledgements_per_hour,
            notify: mail.notify.clone(),
            digest_seconds: i64::try_from(mail.digest_seconds).unwrap_or(i64::MAX / 2),
            texts,
        }
    }
}

/// What became of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// It started a new ticket.
    New,
    /// It was added to an existing ticket.
    Appended,
    /// It had been received before (same Message-ID or same bytes).
    Duplicate,
    /// A delivery-status report or an automatic reply, recorded as a
    /// notice for agents on the ticket it concerns.
    Notice,
    /// Deliberately not stored as a message (for example a mail loop), with
    /// the reason.
    Dropped(String),
}

impl Outcome {
    /// The word `docket mail receive` prints.
    pub fn word(&self) -> &str {
        match self {
            Outcome::New => "new",
            Outcome::Appended => "appended",
            Outcome::Duplicate => "duplicate",
            Outcome::Notice => "notice",
            Outcome::Dropped(_) => "dropped",
        }
    }
}

/// The result of storing one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// What happened.
    pub outcome: Outcome,
    /// The ticket's reference, when a ticket was involved.
    pub reference: Option<String>,
    /// The ticket's number (`#1042`), when a ticket was involved.
    pub number: Option<i64>,
}

/// Why a message was not stored.
#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// Not a message at all: retrying will not help (`EX_DATAERR`).
    #[error("the message cannot be parsed: {0}")]
    Unparseable(String),
    /// The store is busy or unreachable: try again later (`EX_TEMPFAIL`).
    #[error("cannot store the message now: {0:#}")]
    Temporary(anyhow::Error),
}

/// Stores one raw message: its ticket and message are committed (or it is
/// recognised as a duplicate) before this returns `Ok`, so the caller may
/// then delete or mark it at its source. Mail that follows (the
/// acknowledgement, agent notifications, an agent's reply to the customer)
/// is queued after the commit; a failure there is logged, not returned.
pub async fn receive(db: &Db, settings: &Settings, raw: Vec<u8>) -> Result<Receipt, IntakeError> {
    let size = raw.len();
    if size > settings.max_message_bytes {
        let header = parse::header_only(&raw).to_vec();
        receive_oversized(db, settings, header, size).await
    } else {
        store(db, settings, raw, None).await
    }
}

/// Records a message too large to keep from its header alone (a source
/// such as IMAP that knows the size need not fetch the body): agents see a
/// notice on the sender's ticket and the sender is told, as [`receive`]
/// does for a large message on standard input.
pub async fn receive_oversized(
    db: &Db,
    settings: &Settings,
    header: Vec<u8>,
    size: usize,
) -> Result<Receipt, IntakeError> {
    store(db, settings, header, Some(size)).await
}

/// Parses and stores `raw`: the whole message, or only its header when
/// `oversized_size` gives the size of a message over the limit.
async fn store(
    db: &Db,
    settings: &Settings,
    raw: Vec<u8>,
    oversized_size: Option<usize>,
) -> Result<Receipt, IntakeError> {
    let mut inbound = parse::parse(&raw).map_err(IntakeError::Unparseable)?;
    if is_ours(&inbound.sender, settings) {
        tracing::warn!(sender = %inbound.sender, "inbound mail from our own address dropped (a mail loop)");
        return Ok(Receipt {
            outcome: Outcome::Dropped("from our own address".into()),
            reference: None,
            number: None,
        });
    }
    let (mut record, files) = record_of(&mut inbound, raw, oversized_size, settings);
    // Files are checked (type sniffed, thumbnail made) off the runtime.
    record.attachments = tokio::task::spawn_blocking(move || {
        files
            .into_iter()
            .map(|(name, data)| {
                let name = crate::attachments::display_name(&name);
                crate::attachments::inbound_file(&name, data)
            })
            .collect()
    })
    .await
    .map_err(|e| IntakeError::Temporary(e.into()))?;
    let stored = db
        .store_inbound(record)
        .await
        .map_err(IntakeError::Temporary)?;
    let receipt = receipt_of(&stored);
    if let Outcome::Dropped(reason) = &receipt.outcome {
        tracing::info!(sender = %inbound.sender, "inbound mail kept but not added to a ticket: {reason}");
    }
    let oversized = oversized_size.map(|s| i64::try_from(s).unwrap_or(i64::MAX));
    answers::after_commit(db, settings, &inbound, &stored, oversized).await;
    Ok(receipt)
}

/// Mail from the address we send from is our own coming back: never stored
/// as a message, never answered.
fn is_ours(sender: &str, settings: &Settings) -> bool {
    std::iter::once(&settings.from)
        .chain(settings.reply_to.as_ref())
        .any(|ours| crate::auth::email::normalize_email(ours).is_ok_and(|ours| ours == sender))
}

/// What to store, and the attached files (name, bytes) still to check;
/// the files move out of `inbound` (they are not needed after the commit,
/// and may be large). `raw` is the whole message, or only its header when
/// `oversized_size` is set.
fn record_of(
    inbound: &mut Inbound,
    raw: Vec<u8>,
    oversized_size: Option<usize>,
    settings: &Settings,
) -> (InboundRecord, Vec<(String, Vec<u8>)>) {
    let oversized = oversized_size.is_some();
    let dedupe_key = match &inbound.message_id {
        Some(id) => format!("mid:{id}"),
        None => format!("sha256:{}", hex::encode(Sha256::digest(&raw))),
    };
    let full_size = oversized_size.unwrap_or(raw.len());
    let size = i64::try_from(full_size).unwrap_or(i64::MAX);
    let (body, quoted) = quotes::split(&inbound.text);
    let kind = if let Some(bounce) = &inbound.bounce {
        InboundKind::Bounce {
            original: bounce.original_id.clone(),
            reason: bounce.reason.clone(),
        }
    } else if inbound.automatic == Some(Automatic::AutoReply) {
        InboundKind::AutoReply
    } else if oversized {
        InboundKind::Oversized {
            notice: format!(
                "A message of {:.1} MiB arrived by mail, over the limit of {} MiB; it was not kept and the sender was told.",
                full_size as f64 / 1_048_576.0,
                settings.max_message_bytes >> 20
            ),
        }
    } else {
        InboundKind::Message
    };
    let (body, quoted, attachments) = match &kind {
        InboundKind::Oversized { notice } => (notice.clone(), None, Vec::new()),
        _ => {
            let files = std::mem::take(&mut inbound.attachments)
                .into_iter()
                .map(|a| (a.name, a.data))
                .collect();
            (body, quoted, files)
        }
    };
    let raw = (!oversized).then_some(raw);
    let record = InboundRecord {
        dedupe_key,
        sender: inbound.sender.clone(),
        subject: strip_reply_prefixes(&inbound.subject),
        message_id: inbound.message_id.clone(),
        references: inbound.references.clone(),
        subject_number: subject_number(&inbound.subject),
        body,
        quoted,
        raw,
        size,
        attachments: Vec::new(),
        kind,
        language: inbound.language.clone(),
    };
    (record, attachments)
}

fn receipt_of(stored: &Stored) -> Receipt {
    let (outcome, ticket) = match stored {
        Stored::Duplicate(ticket) => (Outcome::Duplicate, ticket.as_ref()),
        Stored::New { ticket, .. } => (Outcome::New, Some(ticket)),
        Stored::Appended { ticket, .. } => (Outcome::Appended, Some(ticket)),
        Stored::Noticed(ticket) => (Outcome::Notice, Some(ticket)),
        Stored::Dropped(reason) => (Outcome::Dropped(reason.clone()), None),
    };
    Receipt {
        outcome,
        reference: ticket.map(|t| t.reference.clone()),
        number: ticket.map(|t| t.id),
    }
}

/// The ticket number in a subject such as `Re: [#1042] Printer offline`.
pub fn subject_number(subject: &str) -> Option<i64> {
    let start = subject.find("[#")? + 2;
    let rest = &subject[start..];
    let end = rest.find(']')?;
    let digits = &rest[..end];
    (!digits.is_empty() && digits.len() <= 12 && digits.bytes().all(|b| b.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// A subject without the `Re:`/`Fwd:`/`AW:`/`RE：` prefixes clients add.
fn strip_reply_prefixes(subject: &str) -> String {
    let mut s = subject.trim();
    loop {
        let lower = s.to_lowercase();
        let prefix = [
            "re:", "re：", "fwd:", "fw:", "aw:", "wg:", "tr:", "sv:", "vs:",
        ]
        .iter()
        .find(|p| lower.starts_with(*p));
        match prefix {
            Some(p) => s = s[p.len()..].trim_start(),
            None => return s.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_numbers_are_read_from_subjects() {
        assert_eq!(subject_number("Re: [#1042] Printer offline"), Some(1042));
        assert_eq!(subject_number("[#] x"), None);
        assert_eq!(subject_number("[#12a] x"), None);
        assert_eq!(subject_number("no number"), None);
    }

    #[test]
    fn reply_prefixes_are_removed_from_new_subjects() {
        assert_eq!(strip_reply_prefixes("Re: RE: Fwd: Printer"), "Printer");
        assert_eq!(strip_reply_prefixes("AW: Drucker"), "Drucker");
    }
}
