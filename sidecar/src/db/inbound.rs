//! Inbound mail, stored in one transaction: the duplicate check, the
//! choice of ticket (threading) with the rule of who may post where, the
//! message with its files, and the Message-ID recorded for later replies.
//! Either all of it is committed or none, so a caller that deletes or marks
//! the message at its source after `Ok` can neither lose nor duplicate it.

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Transaction};

use super::accounts::Role;
use super::tickets::{
    change_status, new_reference, status_after_reply, ticket_from_row, Author, NewMessage, Status,
    Ticket,
};
use super::{now, Db};

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
    /// Attached files: name, declared type, bytes.
    pub attachments: Vec<(String, String, Vec<u8>)>,
    /// What kind of message it is.
    pub kind: InboundKind,
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

/// Where a message goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Append { ticket_id: i64, as_agent: bool },
    NewRelated(i64),
    New,
}

/// A ticket a message names, found by Message-ID or by subject number.
struct Named {
    ticket_id: i64,
    requester: String,
    /// Named by a Message-ID we sent to the sender (not just the subject).
    sent_to_sender: bool,
    /// Named by any of our Message-IDs.
    by_message_id: bool,
}

/// Who may post in a named ticket. The requester may, whether the ticket
/// was named by a Message-ID or by the subject's number. An agent may only
/// in answer to a Message-ID we sent to that agent: a subject (or a sender
/// address) is easy to forge, our random Message-IDs are not known outside
/// the mail we sent, and an agent's reply goes out to the customer under
/// our name. Anyone else starts a ticket of their own that points at it.
fn route(named: Option<&Named>, sender: &str, sender_is_agent: bool) -> Route {
    match named {
        None => Route::New,
        Some(n) if n.requester == sender => Route::Append {
            ticket_id: n.ticket_id,
            as_agent: false,
        },
        Some(n) if sender_is_agent && n.by_message_id && n.sent_to_sender => Route::Append {
            ticket_id: n.ticket_id,
            as_agent: true,
        },
        Some(n) => Route::NewRelated(n.ticket_id),
    }
}

fn named_ticket(tx: &Transaction<'_>, record: &InboundRecord) -> rusqlite::Result<Option<Named>> {
    // Newest reference first: the message it answers directly.
    for id in record.references.iter().rev() {
        let hit = tx
            .query_row(
                "SELECT m.ticket_id, t.requester FROM ticket_mail_ids m
                 JOIN tickets t ON t.id = m.ticket_id WHERE m.message_id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        if let Some((ticket_id, requester)) = hit {
            let sent_to_sender: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM ticket_mail_ids WHERE ticket_id = ?1
                 AND direction = 'out' AND recipient = ?2 AND message_id IN
                 (SELECT value FROM json_each(?3)))",
                params![
                    ticket_id,
                    record.sender,
                    serde_json::to_string(&record.references).unwrap_or_default()
                ],
                |r| r.get(0),
            )?;
            return Ok(Some(Named {
                ticket_id,
                requester,
                sent_to_sender,
                by_message_id: true,
            }));
        }
    }
    let Some(number) = record.subject_number else {
        return Ok(None);
    };
    tx.query_row(
        "SELECT id, requester FROM tickets WHERE id = ?1",
        [number],
        |r| {
            Ok(Named {
                ticket_id: r.get(0)?,
                requester: r.get(1)?,
                sent_to_sender: false,
                by_message_id: false,
            })
        },
    )
    .optional()
}

fn ticket_by_id(tx: &Transaction<'_>, id: i64) -> rusqlite::Result<Ticket> {
    tx.query_row("SELECT * FROM tickets WHERE id = ?1", [id], ticket_from_row)
}

fn add_notice(
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

fn record_inbound(
    tx: &Transaction<'_>,
    record: &InboundRecord,
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
    let mut insert = tx.prepare_cached(
        "INSERT INTO inbound_attachments (inbound_id, name, content_type, size, data)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?;
    for (name, content_type, data) in &record.attachments {
        insert.execute(params![
            inbound_id,
            name,
            content_type,
            data.len() as i64,
            data
        ])?;
    }
    if let (Some(ticket_id), Some(id)) = (ticket_id, &record.message_id) {
        tx.execute(
            "INSERT OR IGNORE INTO ticket_mail_ids (message_id, ticket_id, direction, created_at)
             VALUES (?1, ?2, 'in', ?3)",
            params![id, ticket_id, now()],
        )?;
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

fn store(
    tx: &Transaction<'_>,
    record: &InboundRecord,
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
    match &record.kind {
        InboundKind::Bounce { original, reason } => {
            let ids: Vec<String> = original.iter().cloned().collect();
            return match ticket_of_ids(tx, &ids)? {
                Some(ticket_id) => {
                    add_notice(tx, ticket_id, "delivery-failed", reason)?;
                    record_inbound(tx, record, "delivery-failure", Some(ticket_id), None)?;
                    Ok(Stored::Noticed(ticket_by_id(tx, ticket_id)?))
                }
                None => {
                    record_inbound(tx, record, "dropped", None, None)?;
                    Ok(Stored::Dropped(
                        "a delivery report about no mail of ours".into(),
                    ))
                }
            };
        }
        InboundKind::AutoReply => {
            return match ticket_of_ids(tx, &record.references)? {
                Some(ticket_id) => {
                    let detail =
                        format!("automatic reply from {}: {}", record.sender, record.subject);
                    add_notice(tx, ticket_id, "auto-reply", &detail)?;
                    record_inbound(tx, record, "auto-reply", Some(ticket_id), None)?;
                    Ok(Stored::Noticed(ticket_by_id(tx, ticket_id)?))
                }
                None => {
                    record_inbound(tx, record, "dropped", None, None)?;
                    Ok(Stored::Dropped(
                        "an automatic reply to no mail of ours".into(),
                    ))
                }
            };
        }
        InboundKind::Message | InboundKind::Oversized { .. } => {}
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
            let customer_account: Option<i64> = if as_agent {
                None
            } else {
                tx.query_row(
                    "SELECT id FROM accounts WHERE email = ?1",
                    [&record.sender],
                    |r| r.get(0),
                )
                .optional()?
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
            record_inbound(tx, record, "appended", Some(ticket_id), Some(row))?;
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
                "INSERT INTO tickets (ref, subject, requester, status, created_at, updated_at, related_ticket_id)
                 VALUES (?1, ?2, ?3, 'new', ?4, ?4, ?5)",
                params![reference, subject, record.sender, t, related],
            )?;
            let ticket_id = tx.last_insert_rowid();
            let account: Option<i64> = tx
                .query_row(
                    "SELECT id FROM accounts WHERE email = ?1",
                    [&record.sender],
                    |r| r.get(0),
                )
                .optional()?;
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
            record_inbound(tx, record, "new", Some(ticket_id), Some(row))?;
            Ok(Stored::New {
                ticket: ticket_by_id(tx, ticket_id)?,
                related,
            })
        }
    }
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

impl Db {
    /// Stores an inbound message (see the module's documentation).
    pub async fn store_inbound(&self, record: InboundRecord) -> Result<Stored> {
        let reference = new_reference()?;
        self.write(move |tx| store(tx, &record, reference)).await
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
mod tests {
    use super::*;

    fn named(requester: &str, sent_to_sender: bool, by_message_id: bool) -> Named {
        Named {
            ticket_id: 7,
            requester: requester.into(),
            sent_to_sender,
            by_message_id,
        }
    }

    #[test]
    fn the_requester_may_post_by_message_id_or_subject_number() {
        let n = named("ann@example.com", false, false);
        assert_eq!(
            route(Some(&n), "ann@example.com", false),
            Route::Append {
                ticket_id: 7,
                as_agent: false
            }
        );
    }

    #[test]
    fn a_forged_subject_from_someone_else_starts_their_own_ticket() {
        let n = named("ann@example.com", false, false);
        assert_eq!(
            route(Some(&n), "eve@example.com", false),
            Route::NewRelated(7)
        );
    }

    #[test]
    fn an_agent_needs_a_message_id_that_was_sent_to_them() {
        // The attack: mail forged from an agent's address with "[#7]" in the
        // subject would go out to the customer as our reply.
        let by_subject = named("ann@example.com", false, false);
        assert_eq!(
            route(Some(&by_subject), "agent@example.com", true),
            Route::NewRelated(7)
        );
        let sent_elsewhere = named("ann@example.com", false, true);
        assert_eq!(
            route(Some(&sent_elsewhere), "agent@example.com", true),
            Route::NewRelated(7)
        );
        let answered = named("ann@example.com", true, true);
        assert_eq!(
            route(Some(&answered), "agent@example.com", true),
            Route::Append {
                ticket_id: 7,
                as_agent: true
            }
        );
    }
}
