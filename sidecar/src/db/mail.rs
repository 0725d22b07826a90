//! The mail queue: messages wait here until the sender task delivers them.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::{now, Db};

/// A message to send.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient's address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
    /// An HTML alternative of `body` (already sanitised), sent as
    /// `multipart/alternative` with it.
    pub html: Option<String>,
    /// The ticket this mail belongs to: its Message-ID is recorded with the
    /// ticket and it threads under the ticket's earlier mail.
    pub ticket_id: Option<i64>,
    /// The RFC 3834 `Auto-Submitted` value (`auto-generated`,
    /// `auto-replied`), for mail sent on our own rather than by a person.
    pub auto_submitted: Option<String>,
}

impl OutgoingMail {
    /// A plain-text mail belonging to no ticket.
    pub fn plain(
        to: impl Into<String>,
        subject: impl Into<String>,
        body: impl Into<String>,
    ) -> Self {
        Self {
            to: to.into(),
            subject: subject.into(),
            body: body.into(),
            ..Self::default()
        }
    }
}

/// The threading headers of a queued message, fixed when it was queued.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Threading {
    /// Its own Message-ID, with the angle brackets.
    pub message_id: Option<String>,
    /// The Message-ID it answers.
    pub in_reply_to: Option<String>,
    /// Earlier Message-IDs of the conversation, oldest first, separated by
    /// spaces.
    pub references: Option<String>,
}

/// Most Message-IDs named in `References`.
const MAX_REFERENCES: usize = 10;

/// A queued message.
#[derive(Debug, Clone)]
pub struct QueuedMail {
    /// Row id.
    pub id: i64,
    /// The message.
    pub mail: OutgoingMail,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// An agent notification, which may be combined with others to the
    /// same address into one digest.
    pub digest: bool,
    /// Its Message-ID and threading headers.
    pub threading: Threading,
}

/// Computes the threading headers of a new mail for `ticket_id` from the
/// Message-IDs recorded for that ticket, and records `message_id` (sent to
/// `to`) in the same transaction. `References` holds up to the ten most
/// recent ids, oldest first; `In-Reply-To` is the newest inbound id, else
/// the newest outbound one. Only inbound ids and ids of mail sent to `to`
/// itself are named: the Message-ID of a notice sent to an agent is what
/// lets a mail from that agent count as an agent reply, so no customer may
/// learn it.
fn thread_in(
    tx: &rusqlite::Transaction<'_>,
    ticket_id: i64,
    message_id: &str,
    to: &str,
    t: i64,
) -> rusqlite::Result<(Option<String>, Option<String>)> {
    let mut stmt = tx.prepare_cached(
        "SELECT message_id, direction FROM ticket_mail_ids
         WHERE ticket_id = ?1 AND (direction = 'in' OR recipient = ?3)
         ORDER BY created_at DESC, rowid DESC LIMIT ?2",
    )?;
    let recent: Vec<(String, String)> = stmt
        .query_map(params![ticket_id, MAX_REFERENCES as i64, to], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let newest_in = recent
        .iter()
        .find(|(_, d)| d == "in")
        .map(|(id, _)| id.clone());
    let in_reply_to = newest_in.or_else(|| recent.first().map(|(id, _)| id.clone()));
    let references = if recent.is_empty() {
        None
    } else {
        let ids: Vec<&str> = recent.iter().rev().map(|(id, _)| id.as_str()).collect();
        Some(ids.join(" "))
    };
    record_mail_id(tx, ticket_id, message_id, "out", Some(to), t)?;
    Ok((in_reply_to, references))
}

/// Records a Message-ID sent (`out`) or received (`in`) for a ticket; an
/// id already recorded is left as it is.
pub(crate) fn record_mail_id(
    tx: &rusqlite::Transaction<'_>,
    ticket_id: i64,
    message_id: &str,
    direction: &str,
    recipient: Option<&str>,
    t: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT OR IGNORE INTO ticket_mail_ids (message_id, ticket_id, direction, recipient, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![message_id, ticket_id, direction, recipient, t])?;
    Ok(())
}

/// Inserts a queue row with its threading; returns the row id.
fn insert_queued(
    tx: &rusqlite::Transaction<'_>,
    mail: &OutgoingMail,
    message_id: &str,
    t: i64,
    due: i64,
    digest: bool,
) -> rusqlite::Result<i64> {
    let (in_reply_to, references) = match mail.ticket_id {
        Some(ticket_id) => thread_in(tx, ticket_id, message_id, &mail.to, t)?,
        None => (None, None),
    };
    tx.prepare_cached(
        "INSERT INTO mail_queue (recipient, subject, body, created_at, next_attempt_at, digest,
                                 ticket_id, message_id, in_reply_to, mail_references, html_body,
                                 auto_submitted)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        mail.to,
        mail.subject,
        mail.body,
        t,
        due,
        digest,
        mail.ticket_id,
        message_id,
        in_reply_to,
        references,
        mail.html,
        mail.auto_submitted
    ])?;
    Ok(tx.last_insert_rowid())
}

impl Db {
    /// What is known of the language mail to `email` should be written in:
    /// the language chosen on the account of that address, else the
    /// language ticket `ticket_id` was opened in. `None`: neither is known.
    pub async fn mail_language(
        &self,
        email: &str,
        ticket_id: Option<i64>,
    ) -> Result<Option<String>> {
        let email = email.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT COALESCE(
                     (SELECT language FROM accounts WHERE email = ?1),
                     (SELECT language FROM tickets WHERE id = ?2))",
                params![email, ticket_id],
                |r| r.get(0),
            )
        })
        .await
    }

    /// Queues a message for the sender task under `message_id` (see
    /// `crate::mail::compose::new_message_id`). A ticket's mail is threaded
    /// under the ticket's earlier Message-IDs and its own is recorded with
    /// the ticket, in the same write.
    pub async fn enqueue_mail(&self, mail: OutgoingMail, message_id: String) -> Result<i64> {
        self.write(move |tx| {
            let t = now();
            insert_queued(tx, &mail, &message_id, t, t, false)
        })
        .await
    }

    /// Queues an agent notification. The first to an address goes out at
    /// once; one that follows another to the same address within
    /// `window_secs` is held until that window ends, together with every
    /// other held one, so that the sender combines them into one digest.
    pub async fn enqueue_agent_notice(
        &self,
        mail: OutgoingMail,
        message_id: String,
        window_secs: i64,
    ) -> Result<i64> {
        self.write(move |tx| {
            let t = now();
            let held: Option<i64> = tx.query_row(
                "SELECT MIN(next_attempt_at) FROM mail_queue
                 WHERE digest = 1 AND recipient = ?1 AND sent_at IS NULL AND next_attempt_at > ?2",
                params![mail.to, t],
                |r| r.get(0),
            )?;
            let due = match held {
                Some(due) => due,
                None => {
                    let recent: bool = tx.query_row(
                        "SELECT EXISTS (SELECT 1 FROM mail_queue
                         WHERE digest = 1 AND recipient = ?1 AND created_at > ?2)",
                        params![mail.to, t - window_secs],
                        |r| r.get(0),
                    )?;
                    if recent && window_secs > 0 {
                        t + window_secs
                    } else {
                        t
                    }
                }
            };
            insert_queued(tx, &mail, &message_id, t, due, true)
        })
        .await
    }

    /// Up to `limit` unsent messages whose next attempt is due, the
    /// longest due first. The order is the index's (`mail_queue_due` ends
    /// with the row id), so a long queue is not sorted on every call.
    pub async fn due_mail(&self, limit: u32) -> Result<Vec<QueuedMail>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, recipient, subject, body, attempts, digest, html_body, ticket_id,
                        auto_submitted, message_id, in_reply_to, mail_references FROM mail_queue
                 WHERE sent_at IS NULL AND next_attempt_at <= ?1
                 ORDER BY next_attempt_at, id LIMIT ?2",
            )?;
            let rows = stmt.query_map(params![now(), limit], |row| {
                Ok(QueuedMail {
                    id: row.get(0)?,
                    mail: OutgoingMail {
                        to: row.get(1)?,
                        subject: row.get(2)?,
                        body: row.get(3)?,
                        html: row.get(6)?,
                        ticket_id: row.get(7)?,
                        auto_submitted: row.get(8)?,
                    },
                    attempts: row.get(4)?,
                    digest: row.get(5)?,
                    threading: Threading {
                        message_id: row.get(9)?,
                        in_reply_to: row.get(10)?,
                        references: row.get(11)?,
                    },
                })
            })?;
            rows.collect()
        })
        .await
    }

    /// Marks messages delivered, all in one write.
    pub async fn mail_sent(&self, ids: Vec<i64>) -> Result<()> {
        self.write(move |tx| {
            let t = now();
            let mut stmt = tx.prepare_cached(
                "UPDATE mail_queue SET sent_at = ?2, attempts = attempts + 1, last_error = NULL
                 WHERE id = ?1",
            )?;
            for id in ids {
                stmt.execute(params![id, t])?;
            }
            Ok(())
        })
        .await
    }

    /// Records a failed attempt and when to try again.
    pub async fn mail_failed(&self, id: i64, error: &str, retry_in_secs: i64) -> Result<()> {
        let error = error.to_owned();
        self.write(move |tx| {
            tx.execute(
                "UPDATE mail_queue SET attempts = attempts + 1, last_error = ?2,
                        next_attempt_at = ?3 WHERE id = ?1",
                params![id, error, now() + retry_in_secs],
            )?;
            Ok(())
        })
        .await
    }

    /// Gives a message up after a permanent refusal (an SMTP 5xx such as
    /// "no such user"): it is never attempted again, and the ticket it
    /// belongs to gets a "delivery failed" notice for agents, in the same
    /// write.
    pub async fn mail_refused(&self, id: i64, error: &str) -> Result<()> {
        let error = error.to_owned();
        self.write(move |tx| {
            tx.execute(
                "UPDATE mail_queue SET attempts = attempts + 1, last_error = ?2,
                        next_attempt_at = ?3 WHERE id = ?1",
                params![id, format!("refused, not retried: {error}"), i64::MAX],
            )?;
            let target: Option<(Option<i64>, String)> = tx
                .query_row(
                    "SELECT ticket_id, recipient FROM mail_queue WHERE id = ?1",
                    [id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            if let Some((Some(ticket_id), recipient)) = target {
                super::tickets::add_notice(
                    tx,
                    ticket_id,
                    "delivery-failed",
                    &format!("Mail to {recipient} was refused by the mail server and will not be retried: {error}"),
                )?;
            }
            Ok(())
        })
        .await
    }

    /// How many messages are still unsent (for tests and health checks).
    pub async fn unsent_mail_count(&self) -> Result<i64> {
        self.read(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NULL",
                [],
                |r| r.get(0),
            )
        })
        .await
    }

    /// Deletes sent mail and used or expired account tokens and address
    /// changes older than `before` (Unix seconds).
    pub async fn purge_old_records(&self, before: i64) -> Result<usize> {
        self.write(move |tx| {
            let mail = tx.execute(
                "DELETE FROM mail_queue WHERE sent_at IS NOT NULL AND sent_at < ?1",
                [before],
            )?;
            let tokens = tx.execute(
                "DELETE FROM account_tokens WHERE COALESCE(used_at, expires_at) < ?1",
                [before],
            )?;
            let changes = tx.execute(
                "DELETE FROM email_changes WHERE COALESCE(used_at, expires_at) < ?1",
                [before],
            )?;
            Ok(mail + tokens + changes)
        })
        .await
    }

    /// Answers when the database can run a query.
    pub async fn ping(&self) -> Result<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tickets::{Author, NewMessage};
    use crate::Role;

    fn ticket_mail(to: &str, ticket_id: i64) -> OutgoingMail {
        OutgoingMail {
            ticket_id: Some(ticket_id),
            ..OutgoingMail::plain(to, "[#1] Q", "text")
        }
    }

    #[tokio::test]
    async fn ticket_mail_threads_under_what_its_recipient_saw() -> Result<()> {
        let dir = tempfile::tempdir()?;
        let db = Db::open(&dir.path().join("d.db")).await?;
        let first = NewMessage {
            author: Author {
                role: Role::Customer,
                account_id: None,
                email: "c@example.com".into(),
            },
            body: "hi".into(),
            internal: false,
            files: Vec::new(),
        };
        let t = db
            .create_ticket("Q", "c@example.com", None, first)
            .await?
            .id;
        db.enqueue_mail(ticket_mail("c@example.com", t), "<ack@x>".into())
            .await?;
        db.enqueue_mail(ticket_mail("agent@example.com", t), "<notice@x>".into())
            .await?;
        db.write(move |tx| record_mail_id(tx, t, "<in@y>", "in", None, now()))
            .await?;
        db.enqueue_mail(ticket_mail("c@example.com", t), "<reply@x>".into())
            .await?;
        let due = db.due_mail(10).await?;
        let reply = due
            .iter()
            .find(|q| q.threading.message_id.as_deref() == Some("<reply@x>"))
            .map(|q| q.threading.clone())
            .unwrap_or_default();
        assert_eq!(reply.in_reply_to.as_deref(), Some("<in@y>"));
        assert_eq!(reply.references.as_deref(), Some("<ack@x> <in@y>"));
        let notice = db
            .read(|c| {
                c.query_row(
                    "SELECT ticket_id, direction, recipient FROM ticket_mail_ids
                     WHERE message_id = '<notice@x>'",
                    [],
                    |r| Ok(Some((r.get(0)?, r.get(1)?, r.get(2)?))),
                )
            })
            .await?;
        assert_eq!(
            notice,
            Some((t, "out".to_owned(), Some("agent@example.com".to_owned())))
        );
        Ok(())
    }
}
