//! What a ticket is, as the rest of the sidecar sees it: status, ticket,
//! message, event, author, and the unguessable reference.

use anyhow::Result;
use serde::Serialize;

use crate::db::accounts::Role;

/// Where a ticket stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Nobody has answered yet.
    New,
    /// Being worked on.
    Open,
    /// Waiting for the customer.
    Pending,
    /// Answered; a customer reply reopens it.
    Resolved,
    /// Done; a customer reply reopens it.
    Closed,
}

impl Status {
    /// Every status, in the order of a ticket's life.
    pub const ALL: [Status; 5] = [
        Status::New,
        Status::Open,
        Status::Pending,
        Status::Resolved,
        Status::Closed,
    ];

    /// The name stored, shown in URLs and used as the badge's class suffix.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Open => "open",
            Status::Pending => "pending",
            Status::Resolved => "resolved",
            Status::Closed => "closed",
        }
    }

    /// The status named `text`, if any.
    pub fn parse(text: &str) -> Option<Self> {
        Status::ALL.into_iter().find(|s| s.as_str() == text)
    }

    /// The label people read.
    pub fn label(self) -> &'static str {
        match self {
            Status::New => "New",
            Status::Open => "Open",
            Status::Pending => "Pending",
            Status::Resolved => "Resolved",
            Status::Closed => "Closed",
        }
    }

    /// Whether a customer reply reopens a ticket in this status.
    pub fn reopens_on_reply(self) -> bool {
        matches!(self, Status::Resolved | Status::Closed)
    }
}

/// A ticket without its messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    /// Row id (never shown).
    pub id: i64,
    /// The opaque, unguessable reference used in URLs.
    pub reference: String,
    /// Subject line.
    pub subject: String,
    /// The requester's normalised address.
    pub requester: String,
    /// Current status.
    pub status: Status,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Time of the last public change (Unix seconds).
    pub updated_at: i64,
    /// The agent account the ticket is assigned to, if any.
    pub assignee_id: Option<i64>,
}

/// One message of a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// Row id.
    pub id: i64,
    /// Whether a customer or an agent wrote it.
    pub author_role: Role,
    /// The author's address.
    pub author_email: String,
    /// The text as written (rendering is the handlers' business).
    pub body: String,
    /// An internal note, never shown to customers.
    pub internal: bool,
    /// When it was written (Unix seconds).
    pub created_at: i64,
    /// How it arrived: `portal`, `mail` or `import`.
    pub via: String,
    /// Quoted history and signature collapsed out of a mail's body.
    pub quoted: Option<String>,
}

/// One status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusEvent {
    /// The status before (`None` when the ticket was created or imported).
    pub from: Option<Status>,
    /// The status after.
    pub to: Status,
    /// `customer`, `agent` or `system`.
    pub actor_role: String,
    /// When (Unix seconds).
    pub created_at: i64,
}

/// Who writes a message or changes a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Author {
    /// Customer or agent.
    pub role: Role,
    /// The author's account, when there is one (ticket links have none).
    pub account_id: Option<i64>,
    /// The author's address.
    pub email: String,
}

/// What a reply did to its ticket.
#[derive(Debug, Clone)]
pub struct ReplyOutcome {
    /// The ticket after the reply.
    pub ticket: Ticket,
    /// The message's row id.
    pub message_id: i64,
    /// Whether the reply reopened a resolved or closed ticket.
    pub reopened: bool,
}

/// A message for [`Db::add_reply`](crate::db::Db::add_reply).
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Who writes it.
    pub author: Author,
    /// The text.
    pub body: String,
    /// An internal note (agents only).
    pub internal: bool,
    /// Attached files, checked; stored in the message's transaction.
    pub files: Vec<crate::db::attachments::NewFile>,
}

const REF_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";
/// Length of a ticket reference: 26 characters of 5 bits, 128 random bits.
pub const REF_LEN: usize = 26;

/// A fresh random ticket reference (128 bits, Crockford base32, lower case).
pub fn new_reference() -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let value = u128::from_be_bytes(bytes);
    Ok((0..REF_LEN)
        .map(|i| REF_ALPHABET[((value >> (5 * i)) & 31) as usize] as char)
        .collect())
}

/// The reference `text` names, normalised (trimmed, lower case), when it
/// has the shape of one; anything else never reaches SQL.
pub fn parse_reference(text: &str) -> Option<String> {
    let text = text.trim().to_ascii_lowercase();
    (text.len() == REF_LEN && text.bytes().all(|b| REF_ALPHABET.contains(&b))).then_some(text)
}
