//! Requests sent through `/contact` without an account: kept until their
//! sender confirms them by the mailed link, which then opens the ticket
//! they became (the `/contact` routes).

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::tickets::{insert_ticket, new_reference, NewMessage, Ticket};
use super::{now, Db};

/// A request waiting for confirmation.
#[derive(Debug, Clone)]
pub struct NewContactRequest {
    /// SHA-256 of the mailed token.
    pub token_hash: String,
    /// The sender's name as typed.
    pub name: String,
    /// The sender's (normalised) address.
    pub email: String,
    /// The subject.
    pub subject: String,
    /// The message.
    pub body: String,
    /// When the link stops working unless confirmed.
    pub expires_at: i64,
    /// The language of the form it was sent from: the ticket's language.
    pub language: Option<String>,
}

/// What a confirmation did.
#[derive(Debug, Clone)]
pub struct Confirmed {
    /// The ticket the request became.
    pub ticket: Ticket,
    /// Whether this confirmation opened it (`false`: opened before).
    pub created: bool,
}

impl Db {
    /// Stores a request until it is confirmed or expires.
    pub async fn create_contact_request(&self, request: NewContactRequest) -> Result<()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO contact_requests
                     (token_hash, name, email, subject, body, created_at, expires_at, language)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    request.token_hash,
                    request.name,
                    request.email,
                    request.subject,
                    request.body,
                    now(),
                    request.expires_at,
                    request.language
                ],
            )?;
            Ok(())
        })
        .await
    }

    /// Whether the link `token_hash` still works, and whether it was
    /// confirmed already.
    pub async fn contact_request_state(&self, token_hash: &str) -> Result<Option<bool>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            conn.query_row(
                "SELECT ticket_id IS NOT NULL FROM contact_requests
                 WHERE token_hash = ?1 AND expires_at > ?2",
                params![token_hash, now()],
                |row| row.get(0),
            )
            .optional()
        })
        .await
    }

    /// Confirms the request `token_hash`: the first time, opens its ticket
    /// (the first message written as `first`'s author with the request's
    /// text) and keeps the link working until `keep_until`; later, finds
    /// that ticket again. `None` when the link is unknown or expired.
    pub async fn confirm_contact_request(
        &self,
        token_hash: &str,
        keep_until: i64,
        first: NewMessage,
    ) -> Result<Option<Confirmed>> {
        let token_hash = token_hash.to_owned();
        let reference = new_reference()?;
        self.write(move |tx| {
            type Row = (String, String, String, Option<i64>, Option<String>);
            let row: Option<Row> = tx
                .query_row(
                    "SELECT email, subject, body, ticket_id, language FROM contact_requests
                     WHERE token_hash = ?1 AND expires_at > ?2",
                    params![token_hash, now()],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                )
                .optional()?;
            let Some((email, subject, body, ticket_id, language)) = row else {
                return Ok(None);
            };
            if let Some(id) = ticket_id {
                let ticket = tx
                    .query_row(
                        "SELECT * FROM tickets WHERE id = ?1",
                        [id],
                        super::tickets::ticket_from_row,
                    )
                    .optional()?;
                return Ok(ticket.map(|ticket| Confirmed {
                    ticket,
                    created: false,
                }));
            }
            let message = NewMessage {
                body,
                author: super::tickets::Author {
                    email: email.clone(),
                    ..first.author
                },
                ..first
            };
            let ticket = insert_ticket(
                tx,
                &reference,
                &subject,
                &email,
                language.as_deref(),
                &message,
            )?;
            tx.execute(
                "UPDATE contact_requests SET ticket_id = ?2, expires_at = ?3 WHERE token_hash = ?1",
                params![token_hash, ticket.id, keep_until],
            )?;
            Ok(Some(Confirmed {
                ticket,
                created: true,
            }))
        })
        .await
    }
}
