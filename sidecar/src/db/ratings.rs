//! "How did we do?": each time an agent resolves a ticket, one rating is
//! asked for ([`Db::ask_rating`]); the customer answers it once through a
//! signed link. Only the newest request of a ticket can be answered, so a
//! reopened and resolved-again ticket is rated anew.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::tickets::{ticket_from_row, Ticket};
use super::{now, Db};

/// How long a rating can be given after resolving, in seconds.
pub const RATING_TTL_SECS: i64 = 30 * 24 * 60 * 60;

/// A rating request and the ticket it is about.
#[derive(Debug, Clone)]
pub struct RatingRequest {
    /// The request's id (what the link signs).
    pub id: i64,
    /// The ticket.
    pub ticket: Ticket,
    /// Whether it was answered already.
    pub rated: bool,
}

/// A given rating, as agents see it.
#[derive(Debug, Clone)]
pub struct Rating {
    /// Which resolution of the ticket (1 = the first).
    pub resolution: i64,
    /// `true` for "Good".
    pub good: bool,
    /// The customer's comment.
    pub comment: Option<String>,
    /// When it was given.
    pub rated_at: i64,
}

/// What answering a request did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateOutcome {
    /// Stored.
    Rated,
    /// This resolution was rated already: nothing changed.
    AlreadyRated,
    /// No such request, too old, or the ticket was resolved again since.
    Gone,
}

const OPEN: &str = "rated_at IS NULL AND asked_at > ?2
     AND id = (SELECT MAX(id) FROM ticket_ratings AS newer WHERE newer.ticket_id = ticket_ratings.ticket_id)";

impl Db {
    /// Asks for a rating of the resolution of `ticket_id` that just
    /// happened; returns the request's id.
    pub async fn ask_rating(&self, ticket_id: i64) -> Result<i64> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO ticket_ratings (ticket_id, resolution, asked_at)
                 VALUES (?1, (SELECT COUNT(*) + 1 FROM ticket_ratings WHERE ticket_id = ?1), ?2)",
                params![ticket_id, now()],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// Request `id` with its ticket, while it can still be answered or was
    /// answered; `None` when unknown, superseded or too old.
    pub async fn rating_request(&self, id: i64) -> Result<Option<RatingRequest>> {
        self.read(move |conn| {
            let row: Option<(i64, bool)> = conn
                .query_row(
                    "SELECT ticket_id, rated_at IS NOT NULL FROM ticket_ratings
                     WHERE id = ?1 AND asked_at > ?2
                       AND id = (SELECT MAX(id) FROM ticket_ratings AS newer
                                 WHERE newer.ticket_id = ticket_ratings.ticket_id)",
                    params![id, now() - RATING_TTL_SECS],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?;
            let Some((ticket_id, rated)) = row else {
                return Ok(None);
            };
            let ticket = conn
                .query_row(
                    "SELECT * FROM tickets WHERE id = ?1",
                    [ticket_id],
                    ticket_from_row,
                )
                .optional()?;
            Ok(ticket.map(|ticket| RatingRequest { id, ticket, rated }))
        })
        .await
    }

    /// Answers request `id` with `good` and `comment`, once.
    pub async fn rate(&self, id: i64, good: bool, comment: Option<String>) -> Result<RateOutcome> {
        self.write(move |tx| {
            let changed = tx.execute(
                &format!(
                    "UPDATE ticket_ratings SET rating = ?3, comment = ?4, rated_at = ?5
                     WHERE id = ?1 AND {OPEN}"
                ),
                params![
                    id,
                    now() - RATING_TTL_SECS,
                    if good { "good" } else { "bad" },
                    comment,
                    now()
                ],
            )?;
            if changed == 1 {
                return Ok(RateOutcome::Rated);
            }
            let rated: Option<bool> = tx
                .query_row(
                    "SELECT rated_at IS NOT NULL FROM ticket_ratings WHERE id = ?1",
                    [id],
                    |r| r.get(0),
                )
                .optional()?;
            Ok(match rated {
                Some(true) => RateOutcome::AlreadyRated,
                _ => RateOutcome::Gone,
            })
        })
        .await
    }

    /// The request of `ticket_id` that can be answered now, if any.
    pub async fn open_rating_of(&self, ticket_id: i64) -> Result<Option<i64>> {
        self.read(move |conn| {
            conn.query_row(
                &format!("SELECT id FROM ticket_ratings WHERE ticket_id = ?1 AND {OPEN}"),
                params![ticket_id, now() - RATING_TTL_SECS],
                |r| r.get(0),
            )
            .optional()
        })
        .await
    }

    /// The ratings given on `ticket_id`, oldest first.
    pub async fn ratings_of(&self, ticket_id: i64) -> Result<Vec<Rating>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT resolution, rating, comment, rated_at FROM ticket_ratings
                 WHERE ticket_id = ?1 AND rated_at IS NOT NULL ORDER BY resolution",
            )?;
            let rows = stmt.query_map([ticket_id], |r| {
                Ok(Rating {
                    resolution: r.get(0)?,
                    good: r.get::<_, String>(1)? == "good",
                    comment: r.get(2)?,
                    rated_at: r.get(3)?,
                })
            })?;
            rows.collect()
        })
        .await
    }
}
