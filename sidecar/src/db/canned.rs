//! Canned replies ("macros"): a title and a Markdown body that agents keep
//! for answers they give often. This module stores them; checking what an
//! agent typed and filling placeholders are the handlers' business
//! ([`crate::handlers::canned`]).

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Row};

use super::{now, Db};

/// A canned reply as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CannedReply {
    /// Row id (in the edit page's address and the ticket page's select).
    pub id: i64,
    /// What the lists show; unique, ignoring case.
    pub title: String,
    /// The text inserted into the reply box (Markdown, with placeholders).
    pub body: String,
    /// Last change (Unix seconds).
    pub updated_at: i64,
}

/// What a create or update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Saved; the reply's id.
    Saved(i64),
    /// Another canned reply has this title (ignoring case); nothing saved.
    TitleTaken,
    /// No canned reply with this id (update only).
    NotFound,
}

fn canned_from_row(row: &Row<'_>) -> rusqlite::Result<CannedReply> {
    Ok(CannedReply {
        id: row.get("id")?,
        title: row.get("title")?,
        body: row.get("body")?,
        updated_at: row.get("updated_at")?,
    })
}

/// Whether a canned reply other than `except` has `title` (ignoring case).
fn title_taken(
    tx: &rusqlite::Transaction<'_>,
    title: &str,
    except: Option<i64>,
) -> rusqlite::Result<bool> {
    tx.query_row(
        "SELECT EXISTS (SELECT 1 FROM canned_replies
                        WHERE title = ?1 COLLATE NOCASE AND id IS NOT ?2)",
        params![title, except],
        |row| row.get(0),
    )
}

impl Db {
    /// Every canned reply, by title.
    pub async fn canned_replies(&self) -> Result<Vec<CannedReply>> {
        self.read(|c| {
            let mut stmt =
                c.prepare_cached("SELECT * FROM canned_replies ORDER BY title COLLATE NOCASE, id")?;
            let rows = stmt.query_map([], canned_from_row)?;
            rows.collect()
        })
        .await
    }

    /// The canned reply `id`, if it exists.
    pub async fn canned_reply(&self, id: i64) -> Result<Option<CannedReply>> {
        self.read(move |c| {
            c.prepare_cached("SELECT * FROM canned_replies WHERE id = ?1")?
                .query_row([id], canned_from_row)
                .optional()
        })
        .await
    }

    /// Stores a new canned reply written by account `author`.
    pub async fn create_canned_reply(
        &self,
        title: &str,
        body: &str,
        author: i64,
    ) -> Result<SaveOutcome> {
        let (title, body) = (title.to_owned(), body.to_owned());
        self.write(move |tx| {
            if title_taken(tx, &title, None)? {
                return Ok(SaveOutcome::TitleTaken);
            }
            let t = now();
            tx.execute(
                "INSERT INTO canned_replies (title, body, created_by, created_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?4)",
                params![title, body, author, t],
            )?;
            Ok(SaveOutcome::Saved(tx.last_insert_rowid()))
        })
        .await
    }

    /// Replaces the title and body of canned reply `id`.
    pub async fn update_canned_reply(
        &self,
        id: i64,
        title: &str,
        body: &str,
    ) -> Result<SaveOutcome> {
        let (title, body) = (title.to_owned(), body.to_owned());
        self.write(move |tx| {
            if title_taken(tx, &title, Some(id))? {
                return Ok(SaveOutcome::TitleTaken);
            }
            let changed = tx.execute(
                "UPDATE canned_replies SET title = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
                params![id, title, body, now()],
            )?;
            Ok(if changed == 1 {
                SaveOutcome::Saved(id)
            } else {
                SaveOutcome::NotFound
            })
        })
        .await
    }

    /// Deletes canned reply `id`; `false` when there was none.
    pub async fn delete_canned_reply(&self, id: i64) -> Result<bool> {
        self.write(move |tx| Ok(tx.execute("DELETE FROM canned_replies WHERE id = ?1", [id])? == 1))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn titles_are_unique_ignoring_case_and_replies_can_be_edited_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("d.db")).await.unwrap();
        let agent = db
            .create_account("a@example.com", "x", crate::db::accounts::Role::Agent, true)
            .await
            .unwrap();
        let SaveOutcome::Saved(id) = db
            .create_canned_reply("Refund", "Hello", agent)
            .await
            .unwrap()
        else {
            panic!("not saved");
        };
        assert_eq!(
            db.create_canned_reply("REFUND", "x", agent).await.unwrap(),
            SaveOutcome::TitleTaken
        );
        // Its own title, in other case, is fine.
        assert_eq!(
            db.update_canned_reply(id, "refund", "Hi").await.unwrap(),
            SaveOutcome::Saved(id)
        );
        assert_eq!(
            db.update_canned_reply(id + 1, "Other", "x").await.unwrap(),
            SaveOutcome::NotFound
        );
        let all = db.canned_replies().await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(
            (all[0].title.as_str(), all[0].body.as_str()),
            ("refund", "Hi")
        );
        assert!(db.delete_canned_reply(id).await.unwrap());
        assert!(!db.delete_canned_reply(id).await.unwrap());
        assert_eq!(db.canned_reply(id).await.unwrap(), None);
    }
}
