//! Mailed ticket links: a single-use token that opens one ticket without an
//! account. Opening it spends the token and records a grant (the hash of a
//! random value the browser keeps in a cookie) and a CSRF token for the
//! reply form; both work until the grant expires.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::tickets::Ticket;
use super::{now, Db};

/// A grant being handed out when a link is opened.
#[derive(Debug, Clone)]
pub struct LinkGrant {
    /// SHA-256 of the cookie value.
    pub grant_hash: String,
    /// The reply form's CSRF token.
    pub csrf_token: String,
    /// When the grant ends (Unix seconds).
    pub expires_at: i64,
}

impl Db {
    /// Stores a link token for ticket `reference` when its requester is
    /// `requester`; returns the ticket then, `None` (nothing stored)
    /// otherwise.
    pub async fn create_ticket_link(
        &self,
        reference: &str,
        requester: &str,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<Option<Ticket>> {
        let reference = reference.to_owned();
        let requester = requester.to_owned();
        let token_hash = token_hash.to_owned();
        let ticket = self.ticket(&reference, Some(&requester)).await?;
        let Some(ticket) = ticket else {
            return Ok(None);
        };
        let ticket_id = ticket.id;
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO ticket_links (token_hash, ticket_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![token_hash, ticket_id, now(), expires_at],
            )?;
            Ok(())
        })
        .await?;
        Ok(Some(ticket))
    }

    /// Spends an unused, unexpired link token and attaches `grant` to it.
    /// False when the token is unknown, used or expired.
    pub async fn open_ticket_link(&self, token_hash: &str, grant: LinkGrant) -> Result<bool> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE ticket_links
                 SET used_at = ?2, grant_hash = ?3, csrf_token = ?4, grant_expires_at = ?5
                 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                params![
                    token_hash,
                    now(),
                    grant.grant_hash,
                    grant.csrf_token,
                    grant.expires_at
                ],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    /// Whether a link token can still be opened (unused, unexpired).
    pub async fn ticket_link_usable(&self, token_hash: &str) -> Result<bool> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT COUNT(*) FROM ticket_links
                 WHERE token_hash = ?1 AND used_at IS NULL AND expires_at > ?2",
                params![token_hash, now()],
                |row| row.get::<_, i64>(0),
            )
            .map(|n| n > 0)
        })
        .await
    }

    /// The ticket and CSRF token of an opened link whose grant is
    /// `grant_hash` and still valid.
    pub async fn ticket_by_link_grant(
        &self,
        token_hash: &str,
        grant_hash: &str,
    ) -> Result<Option<(Ticket, String)>> {
        let token_hash = token_hash.to_owned();
        let grant_hash = grant_hash.to_owned();
        let found: Option<(String, String)> = self
            .read(move |c| {
                c.query_row(
                    "SELECT t.ref, l.csrf_token FROM ticket_links l
                     JOIN tickets t ON t.id = l.ticket_id
                     WHERE l.token_hash = ?1 AND l.grant_hash = ?2 AND l.grant_expires_at > ?3",
                    params![token_hash, grant_hash, now()],
                    |row| Ok((row.get(0)?, row.get(1)?)),
                )
                .optional()
            })
            .await?;
        let Some((reference, csrf)) = found else {
            return Ok(None);
        };
        Ok(self.ticket(&reference, None).await?.map(|t| (t, csrf)))
    }
}
