//! Sessions: a hashed cookie token, the CSRF token of the session's forms,
//! and idle and absolute expiry. Anonymous visitors get a session without an
//! account so that the login and registration forms carry a CSRF token too.

use anyhow::Result;
use rusqlite::{params, Connection, OptionalExtension};

use super::accounts::{account_from_row, Account};
use super::change_stamp::ChangeStamp;
use super::ticket_lists::{list_tickets_on, TicketFilter, TicketPage};
use super::{now, Db};

/// A session row joined with its account.
#[derive(Debug, Clone)]
pub struct StoredSession {
    /// Row id.
    pub id: i64,
    /// The signed-in account; `None` for an anonymous session.
    pub account: Option<Account>,
    /// The CSRF token of this session's forms.
    pub csrf_token: String,
    /// Last request time (Unix seconds).
    pub last_seen_at: i64,
    /// Absolute expiry (Unix seconds).
    pub expires_at: i64,
}

/// What a new session needs.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// SHA-256 of the cookie token.
    pub token_hash: String,
    /// The account, or `None` for an anonymous session.
    pub account_id: Option<i64>,
    /// The CSRF token.
    pub csrf_token: String,
    /// Absolute expiry (Unix seconds).
    pub expires_at: i64,
}

impl Db {
    /// Stores a new session, deleting `replaces` (the session being rotated)
    /// in the same transaction.
    pub async fn create_session(&self, new: NewSession, replaces: Option<i64>) -> Result<i64> {
        self.write(move |tx| {
            if let Some(old) = replaces {
                tx.execute("DELETE FROM sessions WHERE id = ?1", [old])?;
            }
            let t = now();
            tx.execute(
                "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5)",
                params![new.token_hash, new.account_id, new.csrf_token, t, new.expires_at],
            )?;
            Ok(tx.last_insert_rowid())
        })
        .await
    }

    /// The session whose cookie token hashes to `token_hash`, if any: from
    /// memory when the row was read at the database's current change stamp
    /// (see [`super::read_cache`]), else from a reader connection.
    pub async fn session_by_token_hash(&self, token_hash: &str) -> Result<Option<StoredSession>> {
        let stamp = self.change_stamp();
        if let Some(hit) = stamp.and_then(|s| self.session_cache().get(token_hash, &s)) {
            return Ok(Some(hit));
        }
        let key = token_hash.to_owned();
        let found = self.read(move |c| session_on(c, &key)).await?;
        if let (Some(stamp), Some(stored)) = (stamp, &found) {
            self.session_cache()
                .insert(token_hash.to_owned(), stamp, stored.clone());
        }
        Ok(found)
    }

    /// The session whose cookie token hashes to `token_hash` and the ticket
    /// page `filter_for` asks for given the session's account (`None`: no
    /// list). Both come from memory when they were read at the database's
    /// current change stamp (see [`super::read_cache`]); what is missing is
    /// read in one trip to the blocking pool. Used by pages that need both
    /// on every request. The third value is the stamp taken before either
    /// was read (`None`: nothing derived from them may be cached).
    pub async fn session_with_tickets<F>(
        &self,
        token_hash: &str,
        filter_for: F,
    ) -> Result<Option<(StoredSession, Option<TicketPage>, Option<ChangeStamp>)>>
    where
        F: FnOnce(&Account) -> Option<TicketFilter> + Send + 'static,
    {
        let stamp = self.change_stamp();
        if let Some(stored) = stamp.and_then(|s| self.session_cache().get(token_hash, &s)) {
            let page = match stored.account.as_ref().and_then(filter_for) {
                Some(filter) => Some(self.ticket_page(filter, stamp).await?),
                None => None,
            };
            return Ok(Some((stored, page, stamp)));
        }
        let key = token_hash.to_owned();
        let found = self
            .read(move |c| {
                let Some(stored) = session_on(c, &key)? else {
                    return Ok(None);
                };
                let page = match stored.account.as_ref().and_then(filter_for) {
                    Some(filter) => {
                        let page = list_tickets_on(c, &filter)?;
                        Some((filter, page))
                    }
                    None => None,
                };
                Ok(Some((stored, page)))
            })
            .await?;
        let Some((stored, page)) = found else {
            return Ok(None);
        };
        if let Some(stamp) = stamp {
            self.session_cache()
                .insert(token_hash.to_owned(), stamp, stored.clone());
            if let Some((filter, page)) = &page {
                self.ticket_page_cache()
                    .insert(filter.clone(), stamp, page.clone());
            }
        }
        Ok(Some((stored, page.map(|(_, page)| page), stamp)))
    }

    /// The ticket page of `filter`: from memory when it was read at
    /// `stamp` (taken by the caller just now), else from a reader
    /// connection and then kept under `stamp`.
    async fn ticket_page(
        &self,
        filter: TicketFilter,
        stamp: Option<ChangeStamp>,
    ) -> Result<TicketPage> {
        if let Some(hit) = stamp.and_then(|s| self.ticket_page_cache().get(&filter, &s)) {
            return Ok(hit);
        }
        let page = self.list_tickets(filter.clone()).await?;
        if let Some(stamp) = stamp {
            self.ticket_page_cache().insert(filter, stamp, page.clone());
        }
        Ok(page)
    }

    /// Records activity on a session.
    pub async fn touch_session(&self, id: i64) -> Result<()> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE sessions SET last_seen_at = ?2 WHERE id = ?1",
                params![id, now()],
            )?;
            Ok(())
        })
        .await
    }

    /// Ends one session.
    pub async fn delete_session(&self, id: i64) -> Result<()> {
        self.write(move |tx| {
            tx.execute("DELETE FROM sessions WHERE id = ?1", [id])?;
            Ok(())
        })
        .await
    }

    /// Deletes sessions idle since before `idle_before` or past their
    /// absolute expiry; returns how many went.
    pub async fn purge_sessions(&self, idle_before: i64) -> Result<usize> {
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM sessions WHERE last_seen_at < ?1 OR expires_at < ?2",
                params![idle_before, now()],
            )
        })
        .await
    }
}

/// The session of a token hash, joined with its account.
const SESSION_BY_TOKEN_HASH: &str =
    "SELECT s.id AS session_id, s.csrf_token, s.last_seen_at, s.expires_at,
            s.account_id, a.*
     FROM sessions s LEFT JOIN accounts a ON a.id = s.account_id
     WHERE s.token_hash = ?1";

/// The session row for `token_hash` with its account, on a reader
/// connection. Every signed-in request runs this: the statement is kept
/// prepared.
fn session_on(c: &Connection, token_hash: &str) -> rusqlite::Result<Option<StoredSession>> {
    c.prepare_cached(SESSION_BY_TOKEN_HASH)?
        .query_row([token_hash], |row| {
            let account_id: Option<i64> = row.get("account_id")?;
            Ok(StoredSession {
                id: row.get("session_id")?,
                account: match account_id {
                    Some(_) => Some(account_from_row(row)?),
                    None => None,
                },
                csrf_token: row.get("csrf_token")?,
                last_seen_at: row.get("last_seen_at")?,
                expires_at: row.get("expires_at")?,
            })
        })
        .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lookup every signed-in request makes stays prepared: other
    /// tokens do not make SQLite parse and plan it again.
    #[tokio::test]
    async fn the_session_lookup_is_not_prepared_again_for_each_token() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("d.db")).await.unwrap();
        let reprepared = db
            .read(|c| {
                for hash in ["aa", "bb", "cc"] {
                    session_on(c, hash)?;
                }
                let stmt = c.prepare_cached(SESSION_BY_TOKEN_HASH)?;
                Ok(stmt.get_status(rusqlite::StatementStatus::RePrepare))
            })
            .await
            .unwrap();
        assert_eq!(reprepared, 0);
    }

    #[allow(clippy::unwrap_used)] // test helper
    async fn new_session(db: &Db, token_hash: &str) -> i64 {
        db.create_session(
            NewSession {
                token_hash: token_hash.to_owned(),
                account_id: None,
                csrf_token: "csrf".into(),
                expires_at: now() + 3600,
            },
            None,
        )
        .await
        .unwrap()
    }

    /// A row read once is kept under the current stamp and used until
    /// anything commits, from this store or any other connection.
    #[tokio::test]
    async fn a_cached_row_is_used_only_until_the_next_commit_anywhere() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let db = Db::open(&path).await.unwrap();
        let id = new_session(&db, "aa").await;
        assert!(db.change_stamp().is_some(), "a WAL database has a stamp");
        assert!(db.session_cache().is_empty());

        let read = db.session_by_token_hash("aa").await.unwrap().unwrap();
        assert_eq!(read.id, id);
        let stamp = db.change_stamp().unwrap();
        let cached = db.session_cache().get("aa", &stamp).unwrap();
        assert_eq!(
            (cached.id, cached.last_seen_at),
            (read.id, read.last_seen_at)
        );

        // Another connection (not the store's) moves the session on.
        let other = Connection::open(&path).unwrap();
        other
            .execute("UPDATE sessions SET last_seen_at = 7 WHERE id = ?1", [id])
            .unwrap();
        let now_stamp = db.change_stamp().unwrap();
        assert_ne!(now_stamp, stamp);
        assert!(db.session_cache().get("aa", &now_stamp).is_none());
        let fresh = db.session_by_token_hash("aa").await.unwrap().unwrap();
        assert_eq!(fresh.last_seen_at, 7);

        // Deleted through the store: gone at once.
        db.delete_session(id).await.unwrap();
        assert!(db.session_by_token_hash("aa").await.unwrap().is_none());
    }

    /// The lookup together with a ticket page uses the cached row, and
    /// keeps the page under the same rule.
    #[tokio::test]
    async fn the_session_and_tickets_read_uses_and_fills_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("d.db")).await.unwrap();
        new_session(&db, "bb").await;
        let (first, page, _) = db
            .session_with_tickets("bb", |_| None)
            .await
            .unwrap()
            .unwrap();
        assert!(page.is_none());
        let stamp = db.change_stamp().unwrap();
        assert!(db.session_cache().get("bb", &stamp).is_some());
        let (again, _, _) = db
            .session_with_tickets("bb", |_| None)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.id, first.id);
        assert!(db
            .session_with_tickets("cc", |_| None)
            .await
            .unwrap()
            .is_none());
    }
}
