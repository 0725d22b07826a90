//! Writing imported tickets (`docket ticket import`, the demo data): the
//! validated records [`crate::import`] makes of a file, stored in one
//! transaction with their messages, status log and files.

use anyhow::Result;
use rusqlite::params;

use super::accounts::{account_id_of, Role};
use super::attachments::{insert_files, Checked, FileSource, NewFile};
use super::tickets::{change_status, new_reference, Status};
use super::Db;

/// A validated ticket, ready to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportTicket {
    /// Subject line.
    pub subject: String,
    /// Normalised requester address.
    pub requester: String,
    /// Status.
    pub status: Status,
    /// Creation time (Unix seconds).
    pub created_at: i64,
    /// Messages in file order.
    pub messages: Vec<ImportMessage>,
}

/// A validated message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportMessage {
    /// Customer or agent.
    pub from: Role,
    /// The author's address (the requester for customer messages).
    pub author: String,
    /// The text.
    pub body: String,
    /// When it was written (Unix seconds).
    pub created_at: i64,
    /// An internal note.
    pub internal: bool,
    /// Attached files (`files`: `[{"name": …, "content": base64}]`),
    /// checked like uploads.
    pub files: Vec<ImportFile>,
}

/// A validated attached file of an imported message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportFile {
    /// The sanitised display name.
    pub name: String,
    /// Type, hash, size and thumbnail.
    pub checked: Checked,
    /// The content.
    pub data: Vec<u8>,
}

impl Db {
    /// Writes validated tickets in one transaction; returns their new
    /// references in file order.
    pub async fn import_tickets(&self, tickets: Vec<ImportTicket>) -> Result<Vec<String>> {
        let references = tickets
            .iter()
            .map(|_| new_reference())
            .collect::<Result<Vec<_>>>()?;
        let written = references.clone();
        self.write(move |tx| {
            for (ticket, reference) in tickets.into_iter().zip(&references) {
                let updated_at = ticket
                    .messages
                    .iter()
                    .filter(|m| !m.internal)
                    .map(|m| m.created_at)
                    .fold(ticket.created_at, i64::max);
                tx.execute(
                    "INSERT INTO tickets (ref, subject, requester, status, created_at, updated_at)
                     VALUES (?1, ?2, ?3, 'new', ?4, ?5)",
                    params![reference, ticket.subject, ticket.requester, ticket.created_at, updated_at],
                )?;
                let id = tx.last_insert_rowid();
                change_status(tx, id, None, ticket.status, "system", None, ticket.created_at)?;
                for m in ticket.messages {
                    let account = account_id_of(tx, &m.author)?;
                    tx.execute(
                        "INSERT INTO ticket_messages
                             (ticket_id, author_role, author_account_id, author_email, body, internal, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![id, m.from.as_str(), account, m.author, m.body, m.internal, m.created_at],
                    )?;
                    // Moved, not copied: each file's content is in memory once.
                    let files: Vec<NewFile> = m
                        .files
                        .into_iter()
                        .map(|f| NewFile {
                            name: f.name,
                            checked: f.checked,
                            source: FileSource::Bytes(f.data),
                        })
                        .collect();
                    insert_files(tx, tx.last_insert_rowid(), &files, m.created_at)?;
                }
            }
            Ok(())
        })
        .await?;
        Ok(written)
    }
}
