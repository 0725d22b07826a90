//! The figures of `/agent/reports` and `docket report`: votes per article,
//! searches that found nothing, suggested-article counts and satisfaction
//! ratings per month — all aggregates over what [`super::feedback`] and
//! [`super::ratings`] stored.

use anyhow::Result;
use rusqlite::{params, Connection};

use super::feedback::DAY_SECS;
use super::{now, Db};

/// Most rows of the content-gap list.
pub const MAX_GAPS: i64 = 100;

/// Votes on one article (in one language).
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleFigures {
    /// The article's path.
    pub article: String,
    /// The page's language.
    pub lang: String,
    /// "Yes" votes.
    pub helpful: i64,
    /// "No" votes.
    pub unhelpful: i64,
    /// The comments left with "No", newest first.
    pub comments: Vec<String>,
}

impl ArticleFigures {
    /// Share of "Yes" among the votes, 0.0–1.0.
    pub fn helpful_ratio(&self) -> f64 {
        let all = self.helpful + self.unhelpful;
        if all == 0 {
            0.0
        } else {
            self.helpful as f64 / all as f64
        }
    }
}

/// A search that found nothing, and how often.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentGap {
    /// The query (normalised).
    pub query: String,
    /// The language searched.
    pub lang: String,
    /// How many times.
    pub count: i64,
}

/// Suggested articles on one form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deflection {
    /// `new_ticket` or `contact`.
    pub form: String,
    /// Times suggestions were shown.
    pub shown: i64,
    /// Times a suggestion was opened.
    pub opened: i64,
    /// Times the form was still sent after a suggestion was opened.
    pub submitted: i64,
}

impl Deflection {
    /// Opened suggestions not followed by a sent form: tickets avoided.
    pub fn deflected(&self) -> i64 {
        (self.opened - self.submitted).max(0)
    }
}

/// Satisfaction ratings given in one month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsatMonth {
    /// `YYYY-MM` (UTC).
    pub month: String,
    /// "Good" ratings.
    pub good: i64,
    /// "Bad" ratings.
    pub bad: i64,
}

/// Everything a report shows, for the last `days` days.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// The period, in days up to now.
    pub days: i64,
    /// Articles with votes, the least helpful first.
    pub articles: Vec<ArticleFigures>,
    /// The most frequent searches that found nothing.
    pub gaps: Vec<ContentGap>,
    /// Suggestion counts per form.
    pub deflection: Vec<Deflection>,
    /// Ratings per month, oldest first.
    pub csat: Vec<CsatMonth>,
}

impl Db {
    /// The report over the last `days` days.
    pub async fn report(&self, days: i64) -> Result<Report> {
        let days = days.clamp(1, 3660);
        self.read(move |conn| {
            let since = now() - days * DAY_SECS;
            let since_day = since.div_euclid(DAY_SECS);
            Ok(Report {
                days,
                articles: articles(conn, since)?,
                gaps: gaps(conn, since_day)?,
                deflection: deflection(conn, since_day)?,
                csat: csat(conn, since)?,
            })
        })
        .await
    }
}

fn articles(conn: &Connection, since: i64) -> rusqlite::Result<Vec<ArticleFigures>> {
    let mut stmt = conn.prepare(
        "SELECT article, lang, SUM(helpful), SUM(1 - helpful) FROM article_votes
         WHERE created_at >= ?1 GROUP BY article, lang
         ORDER BY SUM(1 - helpful) DESC, article, lang",
    )?;
    let mut rows: Vec<ArticleFigures> = stmt
        .query_map([since], |r| {
            Ok(ArticleFigures {
                article: r.get(0)?,
                lang: r.get(1)?,
                helpful: r.get(2)?,
                unhelpful: r.get(3)?,
                comments: Vec::new(),
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let mut comments = conn.prepare(
        "SELECT comment FROM article_votes
         WHERE created_at >= ?1 AND article = ?2 AND lang = ?3 AND comment IS NOT NULL
         ORDER BY created_at DESC, id DESC",
    )?;
    for row in &mut rows {
        row.comments = comments
            .query_map(params![since, row.article, row.lang], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
    }
    Ok(rows)
}

fn gaps(conn: &Connection, since_day: i64) -> rusqlite::Result<Vec<ContentGap>> {
    let mut stmt = conn.prepare(
        "SELECT query, lang, SUM(count) FROM search_misses WHERE day >= ?1
         GROUP BY query, lang ORDER BY SUM(count) DESC, query, lang LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![since_day, MAX_GAPS], |r| {
        Ok(ContentGap {
            query: r.get(0)?,
            lang: r.get(1)?,
            count: r.get(2)?,
        })
    })?;
    rows.collect()
}

fn deflection(conn: &Connection, since_day: i64) -> rusqlite::Result<Vec<Deflection>> {
    let mut stmt = conn.prepare(
        "SELECT form,
                SUM(CASE WHEN event = 'shown' THEN count ELSE 0 END),
                SUM(CASE WHEN event = 'opened' THEN count ELSE 0 END),
                SUM(CASE WHEN event = 'submitted' THEN count ELSE 0 END)
         FROM suggestion_counts WHERE day >= ?1 GROUP BY form ORDER BY form",
    )?;
    let rows = stmt.query_map([since_day], |r| {
        Ok(Deflection {
            form: r.get(0)?,
            shown: r.get(1)?,
            opened: r.get(2)?,
            submitted: r.get(3)?,
        })
    })?;
    rows.collect()
}

fn csat(conn: &Connection, since: i64) -> rusqlite::Result<Vec<CsatMonth>> {
    let mut stmt = conn.prepare(
        "SELECT strftime('%Y-%m', rated_at, 'unixepoch'),
                SUM(rating = 'good'), SUM(rating = 'bad')
         FROM ticket_ratings WHERE rated_at >= ?1 GROUP BY 1 ORDER BY 1",
    )?;
    let rows = stmt.query_map([since], |r| {
        Ok(CsatMonth {
            month: r.get(0)?,
            good: r.get(1)?,
            bad: r.get(2)?,
        })
    })?;
    rows.collect()
}
