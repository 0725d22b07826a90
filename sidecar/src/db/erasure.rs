//! Deleting a customer's account at their request: the account goes, and
//! its address is erased everywhere it was stored, while the tickets stay
//! for the agents. What is kept and what is erased is listed in
//! docs/account-data.md; keep the two in step.

use anyhow::Result;
use rusqlite::params;

use super::Db;

/// The address that replaces an erased one: `.invalid` is reserved
/// (RFC 2606), so nothing is ever mailed to it, and the account number
/// keeps one person's tickets recognisable as one person's.
pub fn erased_address(account_id: i64) -> String {
    format!("deleted-account-{account_id}@invalid")
}

impl Db {
    /// Deletes account `id` (whose address is `email`) in one write: its
    /// sessions, links and preferences; its address on tickets, messages,
    /// inbound mail (the raw message, which names it in its header, is
    /// dropped), the mail log, the queue and the log of assignments; its rate-limit counters; and
    /// the ticket links that reach its tickets. Ticket subjects, message
    /// texts, files and status history stay.
    pub async fn erase_account(&self, id: i64, email: &str) -> Result<()> {
        let email = email.to_owned();
        let erased = erased_address(id);
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM ticket_links WHERE ticket_id IN
                    (SELECT id FROM tickets WHERE requester = ?1)",
                [&email],
            )?;
            tx.execute(
                "UPDATE tickets SET requester = ?2 WHERE requester = ?1",
                params![email, erased],
            )?;
            tx.execute(
                "UPDATE ticket_messages SET author_email = ?2 WHERE author_email = ?1",
                params![email, erased],
            )?;
            tx.execute(
                "UPDATE inbound_mail SET sender = ?2, raw = NULL WHERE sender = ?1",
                params![email, erased],
            )?;
            tx.execute(
                "UPDATE ticket_mail_ids SET recipient = NULL WHERE recipient = ?1",
                [&email],
            )?;
            tx.execute("DELETE FROM mail_queue WHERE recipient = ?1", [&email])?;
            // A customer who once was an agent may be named in the log of
            // assignments, as assignee or as who assigned.
            tx.execute(
                "UPDATE ticket_assignments SET assignee_email = ?2 WHERE assignee_email = ?1",
                params![email, erased],
            )?;
            tx.execute(
                "UPDATE ticket_assignments SET actor_email = ?2 WHERE actor_email = ?1",
                params![email, erased],
            )?;
            // Exact matches only: an address may hold `_` or `%`.
            tx.execute(
                "DELETE FROM rate_limits
                 WHERE instr(key, ':account:' || ?1 || ':client:') > 0
                    OR substr(key, -length(':account:' || ?1)) = ':account:' || ?1",
                [&email],
            )?;
            // Sessions and account tokens go with the account (cascade).
            tx.execute("DELETE FROM accounts WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }
}
