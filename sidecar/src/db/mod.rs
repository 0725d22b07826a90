//! The store: every SQL statement of the sidecar lives under this module.
//!
//! [`Db`] is a cheap, clonable handle. No SQLite call runs on the async
//! runtime, and no connection is held across an `.await`. Writes go to the
//! one writer connection, owned by the writer thread ([`writer`]), which
//! runs the writes waiting at that moment in one `IMMEDIATE` transaction,
//! each in its own savepoint (group commit): a write is serialised, and on
//! disk (`synchronous=FULL`) before its call returns. Reads run on tokio's
//! blocking pool (`spawn_blocking`) on a small pool of reader connections,
//! which WAL lets run beside the writer.
//!
//! Session rows and customers' ticket pages are also kept in memory
//! ([`read_cache`]), valid only while the database's change stamp
//! ([`change_stamp`], a `pread` of the WAL-index header that every commit
//! of any process changes) is the one taken before they were read, so a
//! signed-in request usually needs no trip to the blocking pool at all.
//!
//! Handlers never see `rusqlite`: they call the typed methods defined in the
//! submodules ([`accounts`], [`sessions`], [`tokens`], [`rate_limits`],
//! [`mail`], [`attachments`], [`assignment`], [`canned`]), so another backend can be added behind the same methods.

pub mod accounts;
pub mod assignment;
pub mod attachments;
pub mod canned;
pub mod change_stamp;
pub mod contact;
pub mod email_changes;
pub mod erasure;
pub mod feedback;
pub mod import;
pub mod inbound;
pub mod mail;
pub mod rate_limits;
pub mod ratings;
pub mod read_cache;
pub mod reports;
pub mod sessions;
pub mod ticket_links;
pub mod ticket_lists;
pub mod tickets;
pub mod tokens;
pub mod writer;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, Result};
use rusqlite::config::DbConfig;
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

/// The schema, one script per version, applied in order. `PRAGMA
/// user_version` records how many have run; append new scripts at the end
/// and never edit one that has shipped.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/001_accounts.sql"),
    include_str!("migrations/002_tickets.sql"),
    include_str!("migrations/003_mail_digest.sql"),
    include_str!("migrations/004_mail_channel.sql"),
    include_str!("migrations/005_account_profile.sql"),
    include_str!("migrations/006_selfservice.sql"),
    include_str!("migrations/007_attachments.sql"),
    include_str!("migrations/008_mail_language.sql"),
    include_str!("migrations/009_attachment_data_last.sql"),
    include_str!("migrations/010_assignment_canned.sql"),
];

/// Most reads running at once, and so most reader connections. Reads
/// beyond it wait (asynchronously) for a turn instead of each opening a
/// connection of its own on another blocking thread, which under load cost
/// more than the reads themselves.
const MAX_READERS: usize = 8;

/// A handle on the sidecar's SQLite database.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: writer::Writer,
    readers: Mutex<Vec<Connection>>,
    /// One permit per reader connection.
    reader_turns: tokio::sync::Semaphore,
    /// The `-shm` file, when the database is in WAL mode and it could be
    /// read; without it nothing is cached.
    wal_index: Option<change_stamp::WalIndex>,
    /// Session rows read at a known change stamp.
    sessions: read_cache::SessionCache,
    /// Pages of customers' ticket lists read at a known change stamp.
    ticket_pages: read_cache::TicketPageCache,
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("path", &self.inner.path)
            .finish()
    }
}

impl Db {
    /// Opens (creating if needed) the database at `path` and migrates it to
    /// the newest schema. Blocking: call it before the server starts or from
    /// a blocking thread.
    pub fn open_blocking(path: &Path) -> Result<Self> {
        if let Some(parent) = path.parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .with_context(|| format!("cannot create {}", parent.display()))?;
            }
        }
        let mut writer = open_connection(path)
            .with_context(|| format!("cannot open database {}", path.display()))?;
        migrate(&mut writer).with_context(|| format!("cannot migrate {}", path.display()))?;
        let wal_index = open_wal_index(&writer, path);
        Ok(Self {
            inner: Arc::new(Inner {
                path: path.to_path_buf(),
                writer: writer::Writer::start(writer)?,
                readers: Mutex::new(Vec::new()),
                reader_turns: tokio::sync::Semaphore::new(MAX_READERS),
                wal_index,
                sessions: read_cache::SessionCache::new(read_cache::MAX_SESSIONS),
                ticket_pages: read_cache::TicketPageCache::new(read_cache::MAX_TICKET_PAGES),
            }),
        })
    }

    /// Opens the database from async code (the work runs off the runtime).
    pub async fn open(path: &Path) -> Result<Self> {
        let path = path.to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(&path))
            .await
            .context("database task failed")?
    }

    /// The schema version the database is at.
    pub async fn schema_version(&self) -> Result<u32> {
        self.read(|conn| conn.query_row("PRAGMA user_version", [], |row| row.get(0)))
            .await
    }

    /// The database's change stamp now: equal stamps mean no connection
    /// of any process committed in between. `None` when it cannot be read
    /// (the database is not in WAL mode, or the header was being written);
    /// then nothing may be served from memory. One `pread` of 96 bytes and
    /// no SQLite call, so it is fine on the async runtime, like the file
    /// cache's `stat`s.
    pub fn change_stamp(&self) -> Option<change_stamp::ChangeStamp> {
        self.inner.wal_index.as_ref()?.stamp()
    }

    /// The in-memory session rows (crate-internal: [`sessions`] uses it).
    pub(crate) fn session_cache(&self) -> &read_cache::SessionCache {
        &self.inner.sessions
    }

    /// The in-memory ticket pages (crate-internal: [`sessions`] uses it).
    pub(crate) fn ticket_page_cache(&self) -> &read_cache::TicketPageCache {
        &self.inner.ticket_pages
    }

    /// Runs `f` on the writer thread inside the current batch's
    /// `IMMEDIATE` transaction (in a savepoint of its own) and returns once
    /// that batch has committed. An error from `f` undoes only `f`'s
    /// changes. Crate-internal: handlers use the typed methods.
    pub(crate) async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Transaction<'_>) -> rusqlite::Result<T> + Send + 'static,
    {
        self.inner.writer.write(f).await
    }

    /// Runs `f` on a reader connection, at most [`MAX_READERS`] at once.
    /// Crate-internal.
    pub(crate) async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    {
        let _turn = self
            .inner
            .reader_turns
            .acquire()
            .await
            .context("database readers closed")?;
        let inner = Arc::clone(&self.inner);
        tokio::task::spawn_blocking(move || {
            let pooled = inner.readers.lock().ok().and_then(|mut r| r.pop());
            let conn = match pooled {
                Some(conn) => conn,
                None => open_connection(&inner.path)?,
            };
            let value = f(&conn)?;
            if let Ok(mut readers) = inner.readers.lock() {
                if readers.len() < MAX_READERS {
                    readers.push(conn);
                }
            }
            Ok(value)
        })
        .await
        .context("database task failed")?
    }
}

fn open_connection(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // Plans must not depend on bound values (the queries are written so
    // that their shape picks the index). Without this, SQLite marks a
    // statement whose plan could use a bound value (a LIMIT, a compared
    // column) as expired on every bind, and each run parses and plans it
    // again: 13 % of the sidecar's time on "My Tickets" under load.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = FULL;
         PRAGMA foreign_keys = ON;",
    )?;
    Ok(conn)
}

/// The wal-index of the database the (open, migrated) writer connection
/// holds, if it is in WAL mode; the connection must stay open as long as
/// the index is used (see [`change_stamp`]). The file is proven to be the
/// live one before it is trusted: a commit on the writer (setting
/// `user_version` to its own value) must change the header we read, which
/// a stale `-shm` file (say, beside a symlink to the database) would not.
/// Blocking; `None` (no caching) on any doubt.
fn open_wal_index(writer: &Connection, path: &Path) -> Option<change_stamp::WalIndex> {
    let mode: String = writer
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .ok()?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(
            journal_mode = %mode,
            "the database is not in WAL mode: sessions are looked up in it on every request"
        );
        return None;
    }
    let live = std::fs::canonicalize(path)
        .ok()
        .and_then(|real| change_stamp::WalIndex::open(&real))
        .filter(|index| commit_changes_stamp(writer, index));
    if live.is_none() {
        tracing::warn!(
            "cannot follow the WAL index: sessions are looked up in the database on every request"
        );
    }
    live
}

/// Whether a commit on `writer` changes the stamp `index` reads.
fn commit_changes_stamp(writer: &Connection, index: &change_stamp::WalIndex) -> bool {
    let Some(before) = index.stamp() else {
        return false;
    };
    let committed = writer
        .query_row("PRAGMA user_version", [], |row| row.get::<_, u32>(0))
        .and_then(|version| writer.pragma_update(None, "user_version", version));
    committed.is_ok() && index.stamp().is_some_and(|after| after != before)
}

/// The migration that creates the attachment store (`007_attachments.sql`);
/// after its script, the files of earlier inbound mail move into the store.
const ATTACHMENTS_VERSION: usize = 7;

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: u32 = conn.query_row("PRAGMA user_version", [], |row| row.get(0))?;
    let known = MIGRATIONS.len();
    if current as usize > known {
        anyhow::bail!(
            "the database is at schema version {current}, newer than this docket ({known}); upgrade docket"
        );
    }
    for (index, script) in MIGRATIONS.iter().enumerate().skip(current as usize) {
        let version = index + 1;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Exclusive)?;
        tx.execute_batch(script)
            .with_context(|| format!("migration {version} failed"))?;
        if version == ATTACHMENTS_VERSION {
            attachments::adopt_inbound(&tx).with_context(|| {
                format!("migration {version} failed: cannot move mail attachments into the store")
            })?;
        }
        tx.pragma_update(None, "user_version", version as u32)?;
        tx.commit()?;
        tracing::info!(version, "database migrated");
    }
    Ok(())
}

/// Seconds since the Unix epoch, the store's clock.
pub fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_new_database_is_migrated_to_the_newest_version_and_reopening_keeps_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/docket.db");
        let db = Db::open(&path).await.unwrap();
        assert_eq!(
            db.schema_version().await.unwrap() as usize,
            MIGRATIONS.len()
        );
        drop(db);
        let db = Db::open(&path).await.unwrap();
        assert_eq!(
            db.schema_version().await.unwrap() as usize,
            MIGRATIONS.len()
        );
    }

    #[tokio::test]
    async fn connections_use_wal_foreign_keys_and_full_sync() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(&dir.path().join("d.db")).await.unwrap();
        let (mode, fk, sync): (String, i64, i64) = db
            .read(|c| {
                Ok((
                    c.query_row("PRAGMA journal_mode", [], |r| r.get(0))?,
                    c.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?,
                    c.query_row("PRAGMA synchronous", [], |r| r.get(0))?,
                ))
            })
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        assert_eq!(fk, 1);
        assert_eq!(sync, 2);
    }

    /// Only a wal-index that a commit on the writer changes is trusted:
    /// another database's `-shm` file (a stale one beside a symlink, say)
    /// is not.
    #[test]
    fn only_the_live_wal_index_is_trusted() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.db");
        let other = dir.path().join("other.db");
        let writer = open_connection(&real).unwrap();
        writer.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let other_conn = open_connection(&other).unwrap();
        other_conn
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        let own = change_stamp::WalIndex::open(&real).unwrap();
        let foreign = change_stamp::WalIndex::open(&other).unwrap();
        assert!(commit_changes_stamp(&writer, &own));
        assert!(!commit_changes_stamp(&writer, &foreign));

        // Opened through a symlink, the store follows the real file's index.
        #[cfg(unix)]
        {
            let link = dir.path().join("link.db");
            std::os::unix::fs::symlink(&real, &link).unwrap();
            assert!(open_wal_index(&writer, &link).is_some());
        }
    }

    #[tokio::test]
    async fn a_database_from_a_newer_docket_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        drop(conn);
        let err = Db::open(&path).await.unwrap_err();
        assert!(format!("{err:#}").contains("newer"), "{err:#}");
    }
}
