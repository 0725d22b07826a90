//! The mail queue: messages wait here until the sender task delivers them.

use anyhow::Result;
use rusqlite::params;

use super::{now, Db};

/// A message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    /// The recipient's address.
    pub to: String,
    /// Subject line.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

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
}

impl Db {
    /// Queues a message for the sender task.
    pub async fn enqueue_mail(&self, mail: OutgoingMail) -> Result<i64> {
        self.write(move |tx| {
            let t = now();
            tx.execute(
                "INSERT INTO mail_queue (recipient, subject, body, created_at, next_attempt_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![mail.to, mail.subject, mail.body, t],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Queues an agent notification. The first to an address goes out at
    /// once; one that follows another to the same address within
    /// `window_secs` is held until that window ends, together with every
    /// other held one, so that the sender combines them into one digest.
    pub async fn enqueue_agent_notice(&self, mail: OutgoingMail, window_secs: i64) -> Result<i64> {
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
            tx.execute(
                "INSERT INTO mail_queue (recipient, subject, body, created_at, next_attempt_at, digest)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1)",
                params![mail.to, mail.subject, mail.body, t, due],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Up to `limit` unsent messages whose next attempt is due, the
    /// longest due first. The order is the index's (`mail_queue_due` ends
    /// with the row id), so a long queue is not sorted on every call.
    pub async fn due_mail(&self, limit: u32) -> Result<Vec<QueuedMail>> {
        self.read(move |c| {
            let mut stmt = c.prepare_cached(
                "SELECT id, recipient, subject, body, attempts, digest FROM mail_queue
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
                    },
                    attempts: row.get(4)?,
                    digest: row.get(5)?,
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

    /// Deletes sent mail and used or expired account tokens older than
    /// `before` (Unix seconds).
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
            Ok(mail + tokens)
        })
        .await
    }

    /// Answers when the database can run a query.
    pub async fn ping(&self) -> Result<()> {
        self.read(|c| c.query_row("SELECT 1", [], |_| Ok(()))).await
    }
}
