//! The attachment store: file contents addressed by SHA-256 and stored
//! once (`attachment_blobs`), and which message names which file under
//! which display name (`message_attachments`). Files are written in the
//! same transaction as their message, so a message never points at a
//! missing blob and a half-written file is never committed. Reads check the
//! ticket (and, for customers, that the message is not internal) in SQL.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Row, Transaction, MAIN_DB};
use sha2::Digest;

use super::Db;

/// A file that passed every check: its type, hash and thumbnail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    /// The sniffed MIME type.
    pub content_type: String,
    /// SHA-256 of the content, lower-case hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// A PNG thumbnail for raster images.
    pub thumbnail: Option<Vec<u8>>,
}

/// `raw` (a name a client or a mail gave) as a safe display and download
/// name: the last path segment, no control characters, quotes,
/// backslashes or leading dots, at most 120 characters; `file` when
/// nothing is left.
pub fn display_name(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let cleaned: String = last
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '\\' | '/' | '<' | '>' | '\u{202e}'))
        .take(120)
        .collect();
    let trimmed = cleaned.trim().trim_start_matches('.').trim();
    if trimmed.is_empty() {
        "file".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// A file to store with a new message.
#[derive(Debug, Clone)]
pub struct NewFile {
    /// The sanitised display name.
    pub name: String,
    /// Type, hash, size and thumbnail, as checked.
    pub checked: Checked,
    /// Where the content is.
    pub source: FileSource,
}

/// Where a new file's content is read from when it is stored.
#[derive(Debug, Clone)]
pub enum FileSource {
    /// A spool file of an upload.
    Spool(PathBuf),
    /// Bytes in memory (mail, import).
    Bytes(Vec<u8>),
}

/// A stored file as a message lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file's id (unique across tickets; useless without access to its ticket).
    pub id: i64,
    /// The message it belongs to.
    pub message_id: i64,
    /// The display name.
    pub name: String,
    /// The sniffed type.
    pub content_type: String,
    /// Size in bytes.
    pub size: i64,
    /// SHA-256 of the content (the ETag).
    pub sha256: String,
    /// Whether a thumbnail exists.
    pub has_thumbnail: bool,
    /// The stored blob's row.
    pub blob_id: i64,
}

/// What the store holds: distinct blobs and their total size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StorageTotals {
    /// Distinct stored contents.
    pub blobs: i64,
    /// Their total size in bytes.
    pub bytes: i64,
}

const ATTACHMENT_COLUMNS: &str = "a.id, a.message_id, a.name, b.content_type, b.size, b.sha256,
     b.thumbnail IS NOT NULL AS has_thumbnail, b.id AS blob_id";

fn attachment_from_row(row: &Row<'_>) -> rusqlite::Result<Attachment> {
    Ok(Attachment {
        id: row.get(0)?,
        message_id: row.get(1)?,
        name: row.get(2)?,
        content_type: row.get(3)?,
        size: row.get(4)?,
        sha256: row.get(5)?,
        has_thumbnail: row.get(6)?,
        blob_id: row.get(7)?,
    })
}

fn io_error(err: std::io::Error) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(Box::new(err))
}

/// Stores `files` for message `message_id` inside the caller's
/// transaction: a content already stored is only referenced again.
pub(crate) fn insert_files(
    tx: &Transaction<'_>,
    message_id: i64,
    files: &[NewFile],
    at: i64,
) -> rusqlite::Result<()> {
    for file in files {
        let blob_id = store_blob(tx, file, at)?;
        tx.prepare_cached(
            "INSERT INTO message_attachments (message_id, blob_id, name, created_at)
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![message_id, blob_id, file.name, at])?;
    }
    Ok(())
}

/// The blob row of `file`'s content, writing it when it is new.
fn store_blob(tx: &Transaction<'_>, file: &NewFile, at: i64) -> rusqlite::Result<i64> {
    let checked = &file.checked;
    let existing: Option<i64> = tx
        .query_row(
            "SELECT id FROM attachment_blobs WHERE sha256 = ?1",
            [&checked.sha256],
            |r| r.get(0),
        )
        .optional()?;
    if let Some(id) = existing {
        return Ok(id);
    }
    let size = i64::try_from(checked.size).unwrap_or(i64::MAX);
    tx.execute(
        "INSERT INTO attachment_blobs (sha256, size, content_type, data, thumbnail, created_at)
         VALUES (?1, ?2, ?3, zeroblob(?2), ?4, ?5)",
        params![
            checked.sha256,
            size,
            checked.content_type,
            checked.thumbnail,
            at
        ],
    )?;
    let id = tx.last_insert_rowid();
    let mut blob = tx.blob_open(MAIN_DB, "attachment_blobs", "data", id, false)?;
    let written = match &file.source {
        FileSource::Bytes(bytes) => {
            blob.write_all(bytes).map_err(io_error)?;
            bytes.len() as u64
        }
        FileSource::Spool(path) => {
            let mut source = std::fs::File::open(path).map_err(io_error)?;
            std::io::copy(&mut (&mut source).take(checked.size), &mut blob).map_err(io_error)?
        }
    };
    if written != checked.size {
        return Err(io_error(std::io::Error::other(
            "the file changed size while it was stored",
        )));
    }
    Ok(id)
}

/// Moves the files of inbound mail that became a message into the store
/// (run once, by the attachments migration). They were never shown
/// before, and stay download-only (`application/octet-stream`, no
/// thumbnail): nothing is refused, as the mail was already accepted. One
/// file's content is in memory at a time.
pub(crate) fn adopt_inbound(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    let rows: Vec<(i64, i64, String)> = tx
        .prepare(
            "SELECT a.id, i.message_id, a.name FROM inbound_attachments a
             JOIN inbound_mail i ON i.id = a.inbound_id WHERE i.message_id IS NOT NULL
             ORDER BY a.id",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (row_id, message_id, name) in rows {
        let data: Vec<u8> = tx.query_row(
            "SELECT data FROM inbound_attachments WHERE id = ?1",
            [row_id],
            |r| r.get(0),
        )?;
        let file = NewFile {
            name: display_name(&name),
            checked: Checked {
                content_type: "application/octet-stream".to_owned(),
                sha256: hex::encode(sha2::Sha256::digest(&data)),
                size: data.len() as u64,
                thumbnail: None,
            },
            source: FileSource::Bytes(data),
        };
        insert_files(tx, message_id, std::slice::from_ref(&file), super::now())?;
        tx.execute("DELETE FROM inbound_attachments WHERE id = ?1", [row_id])?;
    }
    Ok(())
}

impl Db {
    /// The files of ticket `ticket_id`'s messages, in order; those of
    /// internal notes only when `with_internal`.
    pub async fn ticket_files(
        &self,
        ticket_id: i64,
        with_internal: bool,
    ) -> Result<Vec<Attachment>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM message_attachments a
                 JOIN attachment_blobs b ON b.id = a.blob_id
                 JOIN ticket_messages m ON m.id = a.message_id
                 WHERE m.ticket_id = ?1 AND (?2 OR m.internal = 0)
                 ORDER BY a.id"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![ticket_id, with_internal], attachment_from_row)?;
            rows.collect()
        })
        .await
    }

    /// The files of one message.
    pub async fn message_files(&self, message_id: i64) -> Result<Vec<Attachment>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM message_attachments a
                 JOIN attachment_blobs b ON b.id = a.blob_id
                 WHERE a.message_id = ?1 ORDER BY a.id"
            );
            let mut stmt = c.prepare_cached(&sql)?;
            let rows = stmt.query_map([message_id], attachment_from_row)?;
            rows.collect()
        })
        .await
    }

    /// File `file_id` when it belongs to a message of ticket `ticket_id`
    /// (and, unless `with_internal`, not to an internal note); else `None`.
    pub async fn ticket_file(
        &self,
        ticket_id: i64,
        file_id: i64,
        with_internal: bool,
    ) -> Result<Option<Attachment>> {
        self.read(move |c| {
            let sql = format!(
                "SELECT {ATTACHMENT_COLUMNS} FROM message_attachments a
                 JOIN attachment_blobs b ON b.id = a.blob_id
                 JOIN ticket_messages m ON m.id = a.message_id
                 WHERE a.id = ?1 AND m.ticket_id = ?2 AND (?3 OR m.internal = 0)"
            );
            c.prepare_cached(&sql)?
                .query_row(
                    params![file_id, ticket_id, with_internal],
                    attachment_from_row,
                )
                .optional()
        })
        .await
    }

    /// `len` bytes of blob `blob_id` from `start`, read incrementally
    /// (`blob_open`) in one short read transaction; `None` when that row
    /// no longer holds the content hashed `sha256` (the file was deleted,
    /// and its row id perhaps reused, since the caller looked it up). Reads
    /// past the end are cut at the end.
    pub async fn blob_chunk(
        &self,
        blob_id: i64,
        sha256: &str,
        start: u64,
        len: u64,
    ) -> Result<Option<Vec<u8>>> {
        let sha256 = sha256.to_owned();
        self.read(move |c| {
            let tx = c.unchecked_transaction()?;
            let same: Option<bool> = tx
                .query_row(
                    "SELECT sha256 = ?2 FROM attachment_blobs WHERE id = ?1",
                    params![blob_id, sha256],
                    |r| r.get(0),
                )
                .optional()?;
            if same != Some(true) {
                return Ok(None);
            }
            let blob = tx.blob_open(MAIN_DB, "attachment_blobs", "data", blob_id, true)?;
            let size = blob.len() as u64;
            let start_at = start.min(size);
            let end = start_at.saturating_add(len).min(size);
            let mut out = vec![0u8; usize::try_from(end - start_at).unwrap_or(0)];
            blob.read_at_exact(&mut out, usize::try_from(start_at).unwrap_or(0))?;
            Ok(Some(out))
        })
        .await
    }

    /// The thumbnail of blob `blob_id`, if it has one.
    pub async fn thumbnail(&self, blob_id: i64) -> Result<Option<Vec<u8>>> {
        self.read(move |c| {
            c.query_row(
                "SELECT thumbnail FROM attachment_blobs WHERE id = ?1",
                [blob_id],
                |r| r.get(0),
            )
            .optional()
            .map(Option::flatten)
        })
        .await
    }

    /// How much the attachment store holds.
    pub async fn storage_totals(&self) -> Result<StorageTotals> {
        self.read(|c| {
            c.query_row(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM attachment_blobs",
                [],
                |r| {
                    Ok(StorageTotals {
                        blobs: r.get(0)?,
                        bytes: r.get(1)?,
                    })
                },
            )
        })
        .await
    }

    /// Deletes the blobs no message names (`docket files gc`); returns what
    /// was removed. One write transaction: a message stored at the same
    /// time names its blob in its own transaction, so it is either seen
    /// (and the blob kept) or not yet there (and its blob not yet either).
    pub async fn collect_unreferenced_files(&self) -> Result<StorageTotals> {
        self.write(|tx| {
            let gone = tx.query_row(
                "SELECT COUNT(*), COALESCE(SUM(size), 0) FROM attachment_blobs b
                 WHERE NOT EXISTS (SELECT 1 FROM message_attachments a WHERE a.blob_id = b.id)",
                [],
                |r| {
                    Ok(StorageTotals {
                        blobs: r.get(0)?,
                        bytes: r.get(1)?,
                    })
                },
            )?;
            tx.execute(
                "DELETE FROM attachment_blobs
                 WHERE NOT EXISTS (SELECT 1 FROM message_attachments a WHERE a.blob_id = attachment_blobs.id)",
                [],
            )?;
            Ok(gone)
        })
        .await
    }
}
