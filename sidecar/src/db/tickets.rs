//! Tickets: the ticket itself (opaque reference, subject, requester, status,
//! dates), its messages (public replies and internal notes) and the log of
//! status changes. The rules that change a status as a side effect of a
//! reply live here too, inside the reply's transaction, so that a reply and
//! the reopening it causes are written together or not at all.
//!
//! Lists live in [`super::ticket_lists`].
//!
//! Ownership is checked in SQL: a customer's call names the requester
//! address, and a ticket of someone else is simply not found, so nothing is
//! read or written for it.

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Row, Transaction};
use serde::Serialize;

use super::accounts::Role;
use super::{now, Db};

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

/// A message for [`Db::add_reply`].
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Who writes it.
    pub author: Author,
    /// The text.
    pub body: String,
    /// An internal note (agents only).
    pub internal: bool,
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

pub(crate) fn ticket_from_row(row: &Row<'_>) -> rusqlite::Result<Ticket> {
    let status: String = row.get("status")?;
    Ok(Ticket {
        id: row.get("id")?,
        reference: row.get("ref")?,
        subject: row.get("subject")?,
        requester: row.get("requester")?,
        status: Status::parse(&status).unwrap_or(Status::Open),
        created_at: row.get("created_at")?,
        updated_at: row.get("updated_at")?,
    })
}

fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let role: String = row.get("author_role")?;
    Ok(Message {
        id: row.get("id")?,
        author_role: if role == "agent" {
            Role::Agent
        } else {
            Role::Customer
        },
        author_email: row.get("author_email")?,
        body: row.get("body")?,
        internal: row.get("internal")?,
        created_at: row.get("created_at")?,
    })
}

fn find_ticket(
    tx: &Transaction<'_>,
    reference: &str,
    requester: Option<&str>,
) -> rusqlite::Result<Option<Ticket>> {
    tx.query_row(
        "SELECT * FROM tickets WHERE ref = ?1 AND (?2 IS NULL OR requester = ?2)",
        params![reference, requester],
        ticket_from_row,
    )
    .optional()
}

fn insert_message(
    tx: &Transaction<'_>,
    ticket_id: i64,
    message: &NewMessage,
    at: i64,
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO ticket_messages
             (ticket_id, author_role, author_account_id, author_email, body, internal, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            ticket_id,
            message.author.role.as_str(),
            message.author.account_id,
            message.author.email,
            message.body,
            message.internal,
            at
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Records a status change (and sets it on the ticket).
pub(crate) fn change_status(
    tx: &Transaction<'_>,
    ticket_id: i64,
    from: Option<Status>,
    to: Status,
    actor_role: &str,
    actor_account_id: Option<i64>,
    at: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE tickets SET status = ?2 WHERE id = ?1",
        params![ticket_id, to.as_str()],
    )?;
    tx.execute(
        "INSERT INTO ticket_events (ticket_id, from_status, to_status, actor_role, actor_account_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            ticket_id,
            from.map(Status::as_str),
            to.as_str(),
            actor_role,
            actor_account_id,
            at
        ],
    )?;
    Ok(())
}

/// The status a reply leaves behind, from the ticket's current one.
fn status_after_reply(current: Status, message: &NewMessage) -> Status {
    match (message.author.role, message.internal, current) {
        (_, true, s) => s,
        (Role::Customer, false, Status::Pending | Status::Resolved | Status::Closed) => {
            Status::Open
        }
        (Role::Agent, false, Status::New) => Status::Open,
        (_, false, s) => s,
    }
}

impl Db {
    /// The ticket `reference`; with `requester`, only when it is theirs.
    pub async fn ticket(&self, reference: &str, requester: Option<&str>) -> Result<Option<Ticket>> {
        let reference = reference.to_owned();
        let requester = requester.map(str::to_owned);
        self.read(move |c| {
            c.prepare_cached(
                "SELECT * FROM tickets WHERE ref = ?1 AND (?2 IS NULL OR requester = ?2)",
            )?
            .query_row(params![reference, requester], ticket_from_row)
            .optional()
        })
        .await
    }

    /// A ticket's messages, oldest first; internal notes only when asked.
    pub async fn messages(&self, ticket_id: i64, with_internal: bool) -> Result<Vec<Message>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT * FROM ticket_messages
                 WHERE ticket_id = ?1 AND (?2 OR internal = 0)
                 ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map(params![ticket_id, with_internal], message_from_row)?;
            rows.collect()
        })
        .await
    }

    /// A ticket's status changes, oldest first.
    pub async fn status_events(&self, ticket_id: i64) -> Result<Vec<StatusEvent>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT from_status, to_status, actor_role, created_at FROM ticket_events
                 WHERE ticket_id = ?1 ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map([ticket_id], |row| {
                let from: Option<String> = row.get(0)?;
                let to: String = row.get(1)?;
                Ok(StatusEvent {
                    from: from.as_deref().and_then(Status::parse),
                    to: Status::parse(&to).unwrap_or(Status::Open),
                    actor_role: row.get(2)?,
                    created_at: row.get(3)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Opens a ticket with its first message; returns it.
    pub async fn create_ticket(
        &self,
        subject: &str,
        requester: &str,
        first: NewMessage,
    ) -> Result<Ticket> {
        let reference = new_reference()?;
        let subject = subject.to_owned();
        let requester = requester.to_owned();
        self.write(move |tx| {
            let t = now();
            tx.execute(
                "INSERT INTO tickets (ref, subject, requester, status, created_at, updated_at)
                 VALUES (?1, ?2, ?3, 'new', ?4, ?4)",
                params![reference, subject, requester, t],
            )?;
            let id = tx.last_insert_rowid();
            let actor = first.author.role.as_str();
            tx.execute(
                "INSERT INTO ticket_events (ticket_id, from_status, to_status, actor_role, actor_account_id, created_at)
                 VALUES (?1, NULL, 'new', ?2, ?3, ?4)",
                params![id, actor, first.author.account_id, t],
            )?;
            insert_message(tx, id, &first, t)?;
            tx.query_row("SELECT * FROM tickets WHERE id = ?1", [id], ticket_from_row)
        })
        .await
    }

    /// Adds a message to ticket `reference` and applies the status rules: a
    /// customer's reply opens a pending, resolved or closed ticket; an
    /// agent's public reply opens a new one; notes change nothing and do not
    /// count as an update. With `requester`, the ticket must be theirs.
    /// `None` (and nothing written) when there is no such ticket.
    pub async fn add_reply(
        &self,
        reference: &str,
        requester: Option<&str>,
        message: NewMessage,
    ) -> Result<Option<ReplyOutcome>> {
        let reference = reference.to_owned();
        let requester = requester.map(str::to_owned);
        self.write(move |tx| {
            let Some(ticket) = find_ticket(tx, &reference, requester.as_deref())? else {
                return Ok(None);
            };
            let t = now();
            let message_id = insert_message(tx, ticket.id, &message, t)?;
            let next = status_after_reply(ticket.status, &message);
            if next != ticket.status {
                change_status(
                    tx,
                    ticket.id,
                    Some(ticket.status),
                    next,
                    message.author.role.as_str(),
                    message.author.account_id,
                    t,
                )?;
            }
            if !message.internal {
                tx.execute(
                    "UPDATE tickets SET updated_at = ?2 WHERE id = ?1",
                    params![ticket.id, t],
                )?;
            }
            let after = tx.query_row(
                "SELECT * FROM tickets WHERE id = ?1",
                [ticket.id],
                ticket_from_row,
            )?;
            Ok(Some(ReplyOutcome {
                reopened: ticket.status.reopens_on_reply() && next == Status::Open,
                ticket: after,
                message_id,
            }))
        })
        .await
    }

    /// Sets ticket `reference` to `status` (an agent's decision), logging
    /// the change. `None` when there is no such ticket.
    pub async fn set_status(
        &self,
        reference: &str,
        status: Status,
        actor: Author,
    ) -> Result<Option<Ticket>> {
        let reference = reference.to_owned();
        self.write(move |tx| {
            let Some(ticket) = find_ticket(tx, &reference, None)? else {
                return Ok(None);
            };
            if ticket.status != status {
                let t = now();
                change_status(
                    tx,
                    ticket.id,
                    Some(ticket.status),
                    status,
                    actor.role.as_str(),
                    actor.account_id,
                    t,
                )?;
                tx.execute(
                    "UPDATE tickets SET updated_at = ?2 WHERE id = ?1",
                    params![ticket.id, t],
                )?;
            }
            tx.query_row(
                "SELECT * FROM tickets WHERE id = ?1",
                [ticket.id],
                ticket_from_row,
            )
            .map(Some)
        })
        .await
    }

    /// The addresses of every agent account (for notifications).
    pub async fn agent_emails(&self) -> Result<Vec<String>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT email FROM accounts WHERE role = 'agent' ORDER BY id")?;
            let rows = stmt.query_map([], |row| row.get(0))?;
            rows.collect()
        })
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_long_random_and_parse_back() {
        let a = new_reference().unwrap();
        let b = new_reference().unwrap();
        assert_ne!(a, b);
        assert_eq!(a.len(), REF_LEN);
        assert_eq!(parse_reference(&format!(" {} ", a.to_uppercase())), Some(a));
        assert_eq!(parse_reference("../../etc/passwd"), None);
        assert_eq!(parse_reference("1"), None);
    }

    fn msg(role: Role, internal: bool) -> NewMessage {
        NewMessage {
            author: Author {
                role,
                account_id: None,
                email: "x@example.com".into(),
            },
            body: "hi".into(),
            internal,
        }
    }

    #[test]
    fn customer_replies_reopen_and_notes_change_nothing() {
        use Status::*;
        let customer = msg(Role::Customer, false);
        assert_eq!(status_after_reply(Resolved, &customer), Open);
        assert_eq!(status_after_reply(Closed, &customer), Open);
        assert_eq!(status_after_reply(Pending, &customer), Open);
        assert_eq!(status_after_reply(New, &customer), New);
        assert_eq!(status_after_reply(New, &msg(Role::Agent, false)), Open);
        assert_eq!(
            status_after_reply(Pending, &msg(Role::Agent, false)),
            Pending
        );
        assert_eq!(status_after_reply(Closed, &msg(Role::Agent, true)), Closed);
    }
}
