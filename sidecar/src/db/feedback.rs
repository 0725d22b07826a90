//! What the static pages tell the sidecar: votes on articles (with an
//! optional comment), searches that found nothing and suggested-article
//! counts; plus the signing keys and the daily visitor salt these rely on.
//! Nothing stored here names a visitor: see `docs/selfservice.md`.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::{now, Db};

/// Seconds in a day; days are UTC days since the epoch.
pub const DAY_SECS: i64 = 24 * 60 * 60;
/// How long votes and their comments are kept.
pub const KEEP_VOTES_SECS: i64 = 365 * DAY_SECS;
/// How long search-miss and suggestion counts are kept.
pub const KEEP_COUNTS_SECS: i64 = 365 * DAY_SECS;

/// The keys made by the migration, by purpose.
#[derive(Clone)]
pub struct SigningKeys {
    /// Signs the feedback widget's tokens and vote handles.
    pub feedback: Vec<u8>,
    /// Signs the rating links mailed on resolve.
    pub rating: Vec<u8>,
}

impl std::fmt::Debug for SigningKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SigningKeys(..)")
    }
}

/// Today's UTC day number.
pub fn today() -> i64 {
    now().div_euclid(DAY_SECS)
}

/// A vote on an article.
#[derive(Debug, Clone)]
pub struct NewVote {
    /// The article's path in the public bundle (`/a/b/`).
    pub article: String,
    /// The page's language.
    pub lang: String,
    /// "Yes" (`true`) or "No".
    pub helpful: bool,
    /// The keyed hash of (visitor, article, day).
    pub mark: String,
    /// The day the mark is for.
    pub day: i64,
}

/// Where a counted event happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionForm {
    /// `/my/tickets/new`.
    NewTicket,
    /// `/contact`.
    Contact,
}

impl SuggestionForm {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NewTicket => "new_ticket",
            Self::Contact => "contact",
        }
    }
}

/// What happened to the suggestions of one form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SuggestionEvent {
    /// Suggestions were shown while typing.
    Shown,
    /// A suggestion was opened.
    Opened,
    /// The form was sent after a suggestion had been opened.
    Submitted,
}

impl SuggestionEvent {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shown => "shown",
            Self::Opened => "opened",
            Self::Submitted => "submitted",
        }
    }
}

impl Db {
    /// The signing keys the migration made.
    pub async fn signing_keys(&self) -> Result<SigningKeys> {
        let (feedback, rating): (String, String) = self
            .read(|conn| {
                let key = |name: &str| {
                    conn.query_row(
                        "SELECT key FROM signing_keys WHERE name = ?1",
                        [name],
                        |row| row.get::<_, String>(0),
                    )
                };
                Ok((key("feedback")?, key("rating")?))
            })
            .await?;
        Ok(SigningKeys {
            feedback: hex::decode(feedback)?,
            rating: hex::decode(rating)?,
        })
    }

    /// The salt of `day`: `fresh` (random) when the day has none yet;
    /// salts of earlier days and the vote marks made with them are deleted
    /// then.
    pub async fn visitor_salt(&self, day: i64, fresh: String) -> Result<String> {
        // Every call but the day's first finds it with a read, which does
        // not queue behind the writer.
        let known = self
            .read(move |conn| {
                conn.query_row(
                    "SELECT salt FROM visitor_salts WHERE day = ?1",
                    [day],
                    |r| r.get::<_, String>(0),
                )
                .optional()
            })
            .await?;
        if let Some(salt) = known {
            return Ok(salt);
        }
        self.write(move |tx| {
            let known: Option<String> = tx
                .query_row(
                    "SELECT salt FROM visitor_salts WHERE day = ?1",
                    [day],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(salt) = known {
                return Ok(salt);
            }
            tx.execute("DELETE FROM visitor_salts WHERE day < ?1", [day])?;
            tx.execute("DELETE FROM vote_marks WHERE day < ?1", [day])?;
            tx.execute(
                "INSERT INTO visitor_salts (day, salt) VALUES (?1, ?2)",
                params![day, fresh],
            )?;
            Ok(fresh)
        })
        .await
    }

    /// Records a vote unless its mark was already used today; the vote's
    /// id, or `None` for a second vote.
    pub async fn record_vote(&self, vote: NewVote) -> Result<Option<i64>> {
        self.write(move |tx| {
            let fresh = tx.execute(
                "INSERT INTO vote_marks (mark, day) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                params![vote.mark, vote.day],
            )?;
            if fresh == 0 {
                return Ok(None);
            }
            tx.execute(
                "INSERT INTO article_votes (article, lang, helpful, created_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![vote.article, vote.lang, vote.helpful, now()],
            )?;
            Ok(Some(tx.last_insert_rowid()))
        })
        .await
    }

    /// Adds `comment` to "No" vote `id` made within the last day, once.
    /// Whether it was added.
    pub async fn add_vote_comment(&self, id: i64, comment: String) -> Result<bool> {
        self.write(move |tx| {
            let changed = tx.execute(
                "UPDATE article_votes SET comment = ?2
                 WHERE id = ?1 AND helpful = 0 AND comment IS NULL AND created_at > ?3",
                params![id, comment, now() - DAY_SECS],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    /// Counts one search for `query` in `lang` that found nothing.
    pub async fn count_search_miss(&self, query: String, lang: String) -> Result<()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO search_misses (query, lang, day, count) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (query, lang, day) DO UPDATE SET count = count + 1",
                params![query, lang, today()],
            )?;
            Ok(())
        })
        .await
    }

    /// Counts one suggestion event on `form`.
    pub async fn count_suggestion(
        &self,
        form: SuggestionForm,
        event: SuggestionEvent,
    ) -> Result<()> {
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO suggestion_counts (day, form, event, count) VALUES (?1, ?2, ?3, 1)
                 ON CONFLICT (day, form, event) DO UPDATE SET count = count + 1",
                params![today(), form.as_str(), event.as_str()],
            )?;
            Ok(())
        })
        .await
    }

    /// Deletes votes, counts and expired contact requests past their
    /// keeping time (see `docs/selfservice.md`).
    pub async fn purge_selfservice(&self) -> Result<usize> {
        self.write(|tx| {
            let t = now();
            let day = t.div_euclid(DAY_SECS);
            let mut n = tx.execute(
                "DELETE FROM article_votes WHERE created_at < ?1",
                [t - KEEP_VOTES_SECS],
            )?;
            n += tx.execute(
                "DELETE FROM search_misses WHERE day < ?1",
                [day - KEEP_COUNTS_SECS / DAY_SECS],
            )?;
            n += tx.execute(
                "DELETE FROM suggestion_counts WHERE day < ?1",
                [day - KEEP_COUNTS_SECS / DAY_SECS],
            )?;
            n += tx.execute("DELETE FROM vote_marks WHERE day < ?1", [day])?;
            n += tx.execute("DELETE FROM visitor_salts WHERE day < ?1", [day])?;
            n += tx.execute("DELETE FROM contact_requests WHERE expires_at < ?1", [t])?;
            Ok(n)
        })
        .await
    }
}
