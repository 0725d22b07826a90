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

use super::accounts::Role;
use super::{now, Db};

mod types;

pub use types::{
    new_reference, parse_reference, Author, Message, NewMessage, ReplyOutcome, Status, StatusEvent,
    Ticket, REF_LEN,
};

/// Longest accepted message body, in characters (portal, mail, import and
/// canned replies alike).
pub const MAX_BODY_CHARS: usize = 20_000;
/// Longest accepted subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 200;

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
        assignee_id: row.get("assignee_id")?,
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
        via: row.get("via")?,
        quoted: row.get("quoted")?,
    })
}

/// Inserts a new ticket with its first message inside `tx` (the one way
/// a ticket is opened, also for confirmed contact requests). `language` is
/// the language it was written in, when known (its mail is written in it).
pub(crate) fn insert_ticket(
    tx: &Transaction<'_>,
    reference: &str,
    subject: &str,
    requester: &str,
    language: Option<&str>,
    first: &NewMessage,
) -> rusqlite::Result<Ticket> {
    let t = now();
    tx.execute(
        "INSERT INTO tickets (ref, subject, requester, status, created_at, updated_at, language)
         VALUES (?1, ?2, ?3, 'new', ?4, ?4, ?5)",
        params![reference, subject, requester, t, language],
    )?;
    let id = tx.last_insert_rowid();
    let actor = first.author.role.as_str();
    tx.execute(
        "INSERT INTO ticket_events (ticket_id, from_status, to_status, actor_role, actor_account_id, created_at)
         VALUES (?1, NULL, 'new', ?2, ?3, ?4)",
        params![id, actor, first.author.account_id, t],
    )?;
    insert_message(tx, id, first, t)?;
    tx.query_row("SELECT * FROM tickets WHERE id = ?1", [id], ticket_from_row)
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
    let id = tx.last_insert_rowid();
    super::attachments::insert_files(tx, id, &message.files, at)?;
    Ok(id)
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
pub(crate) fn status_after_reply(current: Status, message: &NewMessage) -> Status {
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

    /// Opens a ticket with its first message, written in `language`
    /// (when known); returns it.
    pub async fn create_ticket(
        &self,
        subject: &str,
        requester: &str,
        language: Option<String>,
        first: NewMessage,
    ) -> Result<Ticket> {
        let reference = new_reference()?;
        let subject = subject.to_owned();
        let requester = requester.to_owned();
        self.write(move |tx| {
            insert_ticket(
                tx,
                &reference,
                &subject,
                &requester,
                language.as_deref(),
                &first,
            )
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

    /// Where agent notifications go: `notify` (`[sidecar.mail] notify`)
    /// when set, else every agent account.
    pub async fn agents_to_notify(&self, notify: Option<&str>) -> Result<Vec<String>> {
        match notify {
            Some(address) => Ok(vec![address.to_owned()]),
            None => self.agent_emails().await,
        }
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

/// Adds a notice for agents to a ticket (a bounce, an automatic reply, a
/// mail that could not be delivered): shown on the agent's ticket page,
/// never to the customer, and it changes nothing else on the ticket.
pub(crate) fn add_notice(
    tx: &Transaction<'_>,
    ticket_id: i64,
    kind: &str,
    detail: &str,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO ticket_notices (ticket_id, kind, detail, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![ticket_id, kind, detail, now()],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests;
