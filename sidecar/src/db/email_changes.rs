//! Changing an account's address: a pending change waits for the link
//! mailed to the new address; using it moves the account and its tickets.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::{now, Db};

/// A pending change, as the confirmation page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingChange {
    /// The account.
    pub account_id: i64,
    /// Its address now.
    pub old_email: String,
    /// The address it moves to.
    pub new_email: String,
}

/// What confirming a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// The account now has the new address.
    Changed(PendingChange),
    /// Another account took the new address meanwhile: nothing changed.
    Taken,
    /// The link is unknown, used or expired.
    Invalid,
}

impl Db {
    /// Records a change of `account_id`'s address to `new_email` (already
    /// normalised), confirmed by the token whose hash is `token_hash` until
    /// `expires_at`. Earlier pending changes of the account are dropped.
    pub async fn request_email_change(
        &self,
        account_id: i64,
        new_email: &str,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<()> {
        let (new_email, token_hash) = (new_email.to_owned(), token_hash.to_owned());
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM email_changes WHERE account_id = ?1 AND used_at IS NULL",
                [account_id],
            )?;
            tx.execute(
                "INSERT INTO email_changes (token_hash, account_id, new_email, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, account_id, new_email, now(), expires_at],
            )?;
            Ok(())
        })
        .await
    }

    /// The usable change a token confirms, without using it.
    pub async fn peek_email_change(&self, token_hash: &str) -> Result<Option<PendingChange>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT c.account_id, a.email, c.new_email FROM email_changes c
                 JOIN accounts a ON a.id = c.account_id
                 WHERE c.token_hash = ?1 AND c.used_at IS NULL AND c.expires_at > ?2",
                params![token_hash, now()],
                |r| {
                    Ok(PendingChange {
                        account_id: r.get(0)?,
                        old_email: r.get(1)?,
                        new_email: r.get(2)?,
                    })
                },
            )
            .optional()
        })
        .await
    }

    /// Uses a change link, in one write: the token is spent; unless another
    /// account has the new address by now, the account takes it (verified:
    /// the mailbox was just proven), the tickets of the old address follow,
    /// and every session of the account ends.
    pub async fn confirm_email_change(&self, token_hash: &str) -> Result<ChangeOutcome> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| {
            let t = now();
            let pending = tx
                .query_row(
                    "SELECT c.account_id, a.email, c.new_email FROM email_changes c
                     JOIN accounts a ON a.id = c.account_id
                     WHERE c.token_hash = ?1 AND c.used_at IS NULL AND c.expires_at > ?2",
                    params![token_hash, t],
                    |r| {
                        Ok(PendingChange {
                            account_id: r.get(0)?,
                            old_email: r.get(1)?,
                            new_email: r.get(2)?,
                        })
                    },
                )
                .optional()?;
            let Some(change) = pending else {
                return Ok(ChangeOutcome::Invalid);
            };
            tx.execute(
                "UPDATE email_changes SET used_at = ?2 WHERE token_hash = ?1",
                params![token_hash, t],
            )?;
            let taken: bool = tx.query_row(
                "SELECT EXISTS (SELECT 1 FROM accounts WHERE email = ?1)",
                [&change.new_email],
                |r| r.get(0),
            )?;
            if taken {
                return Ok(ChangeOutcome::Taken);
            }
            tx.execute(
                "UPDATE accounts SET email = ?2, verified_at = COALESCE(verified_at, ?3) WHERE id = ?1",
                params![change.account_id, change.new_email, t],
            )?;
            tx.execute(
                "UPDATE tickets SET requester = ?2 WHERE requester = ?1",
                params![change.old_email, change.new_email],
            )?;
            tx.execute("DELETE FROM sessions WHERE account_id = ?1", [change.account_id])?;
            Ok(ChangeOutcome::Changed(change))
        })
        .await
    }
}
