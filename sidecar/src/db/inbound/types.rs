//! What inbound mail is stored as, and what storing it did.

use crate::db::tickets::Ticket;

/// A message received by mail, ready to store.
#[derive(Debug, Clone)]
pub struct InboundRecord {
    /// `mid:<Message-ID>`, or `sha256:<hex>` of the raw bytes without one.
    pub dedupe_key: String,
    /// The sender's normalised address.
    pub sender: String,
    /// The subject (a new ticket's subject).
    pub subject: String,
    /// The message's own Message-ID.
    pub message_id: Option<String>,
    /// Message-IDs it answers (`In-Reply-To`, `References`).
    pub references: Vec<String>,
    /// The ticket number found in the subject (`[#1042]`).
    pub subject_number: Option<i64>,
    /// What the sender wrote.
    pub body: String,
    /// Quoted history and signature, collapsed on the page.
    pub quoted: Option<String>,
    /// The raw message (`None` when it was too large to keep).
    pub raw: Option<Vec<u8>>,
    /// The raw message's size in bytes.
    pub size: i64,
    /// Attached files, already checked (type sniffed, name sanitised,
    /// thumbnail made) by the caller, off the async runtime.
    pub attachments: Vec<crate::db::attachments::NewFile>,
    /// What kind of message it is.
    pub kind: InboundKind,
    /// The language it is written in, when known: a new ticket's language.
    pub language: Option<String>,
}

/// What kind of inbound message is being stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InboundKind {
    /// Something a person wrote.
    Message,
    /// A machine's answer (out of office): recorded on its ticket as a
    /// notice, never as a message that reopens it.
    AutoReply,
    /// A delivery-status report about the mail with this Message-ID.
    Bounce {
        /// The bounced mail's Message-ID.
        original: Option<String>,
        /// The reason the report gives.
        reason: String,
    },
    /// Over the size limit: only the header was read; the notice says so.
    Oversized {
        /// The text of the agent notice (and of the placeholder message).
        notice: String,
    },
}

/// What storing did.
#[derive(Debug, Clone)]
pub enum Stored {
    /// Received before; nothing written.
    Duplicate(Option<Ticket>),
    /// A new ticket; `related` is the ticket the sender answered but may not
    /// post in.
    New {
        /// The ticket.
        ticket: Ticket,
        /// The ticket it answered, when it was someone else's.
        related: Option<i64>,
    },
    /// Added to a ticket.
    Appended {
        /// The ticket after the message.
        ticket: Ticket,
        /// Added as an agent's reply.
        as_agent: bool,
        /// The message reopened a resolved or closed ticket.
        reopened: bool,
    },
    /// Recorded as an agent notice on a ticket (auto-reply, bounce).
    Noticed(Ticket),
    /// Not stored as a message, with the reason (it is still kept).
    Dropped(String),
}

/// A notice about a ticket's mail, for agents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// `delivery-failed`, `auto-reply` or `oversized`.
    pub kind: String,
    /// What happened.
    pub detail: String,
    /// When (Unix seconds).
    pub created_at: i64,
}
