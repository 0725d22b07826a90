//! Inbound mail, stored in one transaction: the duplicate check, the
//! choice of ticket (threading) with the rule of who may post where, the
//! message with its files, and the Message-ID recorded for later replies.
//! Either all of it is committed or none, so a caller that deletes or marks
//! the message at its source after `Ok` can neither lose nor duplicate it.

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Transaction};

use super::accounts::{account_id_of, Role};
use super::attachments::{insert_files, FileSource, NewFile};
use super::mail::record_mail_id;
use super::tickets::{
    add_notice, change_status, new_reference, status_after_reply, ticket_from_row, Author,
    NewMessage, Status, Ticket,
};
use super::{now, Db};

mod route;
mod types;

pub use types::{InboundKind, InboundRecord, Notice, Stored};

use route::{named_ticket, route, Route};

fn ticket_by_id(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Ticket> {
    tx.query_row("SELECT * FROM tickets WHERE id = ?1", [id], ticket_from_row)
}

fn record_inbound(
    tx: &Transaction<'_>,
    record: &InboundRecord,
    files: &[NewFile],
    outcome: &str,
    ticket_id: Option<i64>,
    message_row: Option<i64>,
) -> rusqlite::Result<()> {
    tx.execute(
        "INSERT INTO inbound_mail (dedupe_key, sender, outcome, ticket_id, message_id, size, raw, received_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            record.dedupe_key,
            record.sender,
            outcome,
            ticket_id,
            message_row,
            record.size,
            record.raw,
            now()
        ],
    )?;
    let inbound_id = tx.last_insert_rowid();
    match message_row {
        // The files of a message go to the attachment store, like uploads.
        Some(message_id) => insert_files(tx, message_id, files, now())?,
        // Mail that became no message keeps its files beside the raw mail.
        None => keep_with_mail(tx, inbound_id, files)?,
    }
    if let (Some(ticket_id), Some(id)) = (ticket_id, &record.message_id) {
        record_mail_id(tx, ticket_id, id, "in", None, now())?;
    }
    Ok(())
}

/// Keeps the files of mail that became no message in
/// `inbound_attachments`, beside the raw mail.
fn keep_with_mail(
    tx: &Transaction<'_>,
    inbound_id: i64,
    files: &[NewFile],
) -> rusqlite::Result<()> {
    let mut insert = tx.prepare_cached(
        "INSERT INTO inbound_attachments (inbound_id, name, content_type, size, data)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for file in files {
        if let FileSource::Bytes(data) = &file.source {
            insert.execute(params![
                inbound_id,
                file.name,
                file.checked.content_type,
                data.len() as i64,
                data
            ])?;
        }
    }
    Ok(())
}

fn insert_mail_message(
    tx: &Transaction<'_>,
    ticket_id: i64,
    author: &Author,
    record: &InboundRecord,
    at: i64,
) -> rusqlite::Result<i64> {
    tx.execute(
        "INSERT INTO ticket_messages
             (ticket_id, author_role, author_account_id, author_email, body, internal, created_at, via, quoted)
         VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, 'mail', ?7)",
        params![
            ticket_id,
            author.role.as_str(),
            author.account_id,
            author.email,
            record.body,
            at,
            record.quoted
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

/// The ticket a bounce or auto-reply concerns: the one our Message-ID
/// belongs to.
fn ticket_of_ids(tx: &Transaction<'_>, ids: &[String]) -> rusqlite::Result<Option<i64>> {
    for id in ids.iter().rev() {
        let hit = tx
            .query_row(
                "SELECT ticket_id FROM ticket_mail_ids WHERE message_id = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        if hit.is_some() {
            return Ok(hit);
        }
    }
    Ok(None)
}

/// A bounce or an automatic reply: a notice on the ticket whose mail it
/// concerns, never a message. `None` for anything else.
fn store_automatic(
    tx: &Transaction<'_>,
    record: &InboundRecord,
    files: &[NewFile],
) -> rusqlite::Result<Option<Stored>> {
    let (ids, kind, detail, outcome) = match &record.kind {
        InboundKind::Bounce { original, reason } => (
            original.iter().cloned().collect::<Vec<_>>(),
            "delivery-failed",
            reason.clone(),
            "delivery-failure",
        ),
        InboundKind::AutoReply => (
            record.references.clone(),
            "auto-reply",
            format!("automatic reply from {}: {}", record.sender, record.subject),
            "auto-reply",
        ),
        InboundKind::Message | InboundKind::Oversized { .. } => return Ok(None),
    };
    match ticket_of_ids(tx, &ids)? {
        Some(ticket_id) => {
            add_notice(tx, ticket_id, kind, &detail)?;
            record_inbound(tx, record, files, outcome, Some(ticket_id), None)?;
            Ok(Some(Stored::Noticed(ticket_by_id(tx, ticket_id)?)))
        }
        None => {
            record_inbound(tx, record, files, "dropped", None, None)?;
            Ok(Some(Stored::Dropped(format!(
                "{kind} about no mail of ours"
            ))))
        }
    }
}

fn store(
    tx: &Transaction<'_>,
    record: &InboundRecord,
    files: &[NewFile],
    reference: String,
) -> rusqlite::Result<Stored> {
    let seen: Option<Option<i64>> = tx
        .query_row(
            "SELECT ticket_id FROM inbound_mail WHERE dedupe_key = ?1",
            [&record.dedupe_key],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(ticket_id) = seen {
        let ticket = match ticket_id {
            Some(id) => Some(ticket_by_id(tx, id)?),
            None => None,
        };
        return Ok(Stored::Duplicate(ticket));
    }
    if let Some(stored) = store_automatic(tx, record, files)? {
        return Ok(stored);
    }
    let agent: Option<i64> = tx
        .query_row(
            "SELECT id FROM accounts WHERE email = ?1 AND role = 'agent' AND verified_at IS NOT NULL",
            [&record.sender],
            |r| r.get(0),
        )
        .optional()?;
    let named = named_ticket(tx, record)?;
    let t = now();
    let notice = match &record.kind {
        InboundKind::Oversized { notice } => Some(notice.as_str()),
        _ => None,
    };
    match route(named.as_ref(), &record.sender, agent.is_some()) {
        Route::Append {
            ticket_id,
            as_agent,
        } => {
            let ticket = ticket_by_id(tx, ticket_id)?;
            let customer_account = if as_agent {
                None
            } else {
                account_id_of(tx, &record.sender)?
            };
            let author = Author {
                role: if as_agent {
                    Role::Agent
                } else {
                    Role::Customer
                },
                account_id: if as_agent { agent } else { customer_account },
                email: record.sender.clone(),
            };
            let row = insert_mail_message(tx, ticket_id, &author, record, t)?;
            let probe = NewMessage {
                author: author.clone(),
                body: String::new(),
                internal: false,
                files: Vec::new(),
            };
            let next = status_after_reply(ticket.status, &probe);
            if next != ticket.status {
                change_status(
                    tx,
                    ticket_id,
                    Some(ticket.status),
                    next,
                    author.role.as_str(),
                    author.account_id,
                    t,
                )?;
            }
            tx.execute(
                "UPDATE tickets SET updated_at = ?2 WHERE id = ?1",
                params![ticket_id, t],
            )?;
            if let Some(notice) = notice {
                add_notice(tx, ticket_id, "oversized", notice)?;
            }
            record_inbound(tx, record, files, "appended", Some(ticket_id), Some(row))?;
            Ok(Stored::Appended {
                ticket: ticket_by_id(tx, ticket_id)?,
                as_agent,
                reopened: ticket.status.reopens_on_reply() && next == Status::Open,
            })
        }
        route => {
            let related = match route {
                Route::NewRelated(id) => Some(id),
                _ => None,
            };
            let subject = if record.subject.is_empty() {
                "(no subject)".to_owned()
            } else {
                record.subject.chars().take(200).collect()
            };
            tx.execute(
                "INSERT INTO tickets (ref, subject, requester, status, created_at, updated_at, related_ticket_id,
                                      language)
                 VALUES (?1, ?2, ?3, 'new', ?4, ?4, ?5, ?6)",
                params![reference, subject, record.sender, t, related, record.language],
            )?;
            let ticket_id = tx.last_insert_rowid();
            let account = account_id_of(tx, &record.sender)?;
            tx.execute(
                "INSERT INTO ticket_events (ticket_id, from_status, to_status, actor_role, actor_account_id, created_at)
                 VALUES (?1, NULL, 'new', 'customer', ?2, ?3)",
                params![ticket_id, account, t],
            )?;
            let author = Author {
                role: Role::Customer,
                account_id: account,
                email: record.sender.clone(),
            };
            let row = insert_mail_message(tx, ticket_id, &author, record, t)?;
            if let Some(notice) = notice {
                add_notice(tx, ticket_id, "oversized", notice)?;
            }
            record_inbound(tx, record, files, "new", Some(ticket_id), Some(row))?;
            Ok(Stored::New {
                ticket: ticket_by_id(tx, ticket_id)?,
                related,
            })
        }
    }
}

impl Db {
    /// Stores an inbound message (see the module's documentation), its
    /// (checked) files with the message in the attachment store.
    pub async fn store_inbound(&self, record: InboundRecord) -> Result<Stored> {
        let reference = new_reference()?;
        self.write(move |tx| store(tx, &record, &record.attachments, reference))
            .await
    }

    /// The agent notices of a ticket, oldest first.
    pub async fn ticket_notices(&self, ticket_id: i64) -> Result<Vec<Notice>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT kind, detail, created_at FROM ticket_notices
                 WHERE ticket_id = ?1 ORDER BY created_at, id",
            )?;
            let rows = stmt.query_map([ticket_id], |r| {
                Ok(Notice {
                    kind: r.get(0)?,
                    detail: r.get(1)?,
                    created_at: r.get(2)?,
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// The ticket number of the ticket a new mail ticket points at (agents see
    /// the link), with its reference.
    pub async fn related_ticket(&self, ticket_id: i64) -> Result<Option<(i64, String)>> {
        self.read(move |c| {
            c.query_row(
                "SELECT r.id, r.ref FROM tickets t JOIN tickets r ON r.id = t.related_ticket_id
                 WHERE t.id = ?1",
                [ticket_id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
        })
        .await
    }
}

#[cfg(test)]
mod tests;
