//! A database written before the attachment store (schema version 4, when
//! the files of inbound mail lay in `inbound_attachments` beside the raw
//! mail) opened by this docket: the files of mail that became a message
//! move into the store and are served as downloads with their bytes; the
//! files of mail that did not stay where they were.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod attachments_support;
mod common;

use std::path::Path;

use attachments_support::*;
use common::TestServer;
use docket_sidecar::Role;

const CAROL: &str = "carol@example.com";
const REFERENCE: &str = "0123456789abcdefghjkmnpqrs";

/// The schema scripts up to version 4, as docket shipped them.
const SCHEMA_V4: &[&str] = &[
    include_str!("../src/db/migrations/001_accounts.sql"),
    include_str!("../src/db/migrations/002_tickets.sql"),
    include_str!("../src/db/migrations/003_mail_digest.sql"),
    include_str!("../src/db/migrations/004_mail_channel.sql"),
];

/// A PDF as a mail would carry it: an allowed type today, yet adopted
/// files are never shown inline or trusted as their type.
const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// A log that came with mail which opened no message (a dropped mail).
const DROPPED: &[u8] = b"kept with the raw mail\n";

/// Writes a version 4 database at `path`: Carol's ticket, her mailed
/// reply with `invoice.pdf` attached the version 4 way, and a dropped mail
/// with a file of its own.
fn version_4_database(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    for script in SCHEMA_V4 {
        conn.execute_batch(script).unwrap();
    }
    conn.pragma_update(None, "user_version", 4).unwrap();
    let at = 1_767_600_000i64;
    conn.execute(
        "INSERT INTO tickets (id, ref, subject, requester, status, created_at, updated_at)
         VALUES (1, ?1, 'Invoice', ?2, 'open', ?3, ?3)",
        rusqlite::params![REFERENCE, CAROL, at],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO ticket_messages (id, ticket_id, author_role, author_email, body, created_at, via)
         VALUES (1, 1, 'customer', ?1, 'The invoice is attached.', ?2, 'mail')",
        rusqlite::params![CAROL, at],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO inbound_mail (id, dedupe_key, sender, outcome, ticket_id, message_id, size, raw, received_at)
         VALUES (1, '<a@mail.example>', ?1, 'reply', 1, 1, 10, x'00', ?2),
                (2, '<b@mail.example>', ?1, 'dropped', NULL, NULL, 10, x'00', ?2)",
        rusqlite::params![CAROL, at],
    )
    .unwrap();
    conn.execute(
        "INSERT INTO inbound_attachments (inbound_id, name, content_type, size, data)
         VALUES (1, 'invoice.pdf', 'application/pdf', ?1, ?2),
                (2, 'dropped.log', 'text/plain', ?3, ?4)",
        rusqlite::params![PDF.len() as i64, PDF, DROPPED.len() as i64, DROPPED],
    )
    .unwrap();
}

#[test]
fn inbound_files_of_a_version_4_database_are_served_as_downloads() {
    let server = TestServer::start_on(version_4_database, |_| {});
    // Migrated past 7 (the attachments) and 9 (their data column last).
    assert!(server.count("PRAGMA user_version") >= 9);

    let mut carol = server.signed_in(Role::Customer, CAROL);
    let page = carol.get(&format!("/my/tickets/{REFERENCE}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("invoice.pdf"), "{}", page.body);
    let links = file_links(&page.body);
    assert_eq!(links.len(), 1, "{links:?}");
    assert!(links[0].ends_with("/invoice.pdf"), "{links:?}");

    let file = get_bytes(&carol, "GET", &links[0], &[]);
    assert_eq!(file.status, 200);
    assert!(file.body == PDF, "the file comes back byte for byte");
    assert_eq!(
        file.header("content-type"),
        Some("application/octet-stream"),
        "adopted files are never trusted as their type"
    );
    assert_eq!(
        file.header("content-disposition"),
        Some("attachment; filename=\"invoice.pdf\"; filename*=UTF-8''invoice.pdf")
    );
    assert_eq!(
        file.header("content-security-policy"),
        Some("sandbox; default-src 'none'")
    );
    let part = get_bytes(&carol, "GET", &links[0], &[("Range", "bytes=0-7")]);
    assert_eq!((part.status, part.body.as_slice()), (206, &PDF[..8]));

    // The file left inbound_attachments; the dropped mail's stayed.
    assert_eq!(server.count("SELECT COUNT(*) FROM inbound_attachments"), 1);
    assert_eq!(
        server.count(
            "SELECT COUNT(*) FROM inbound_attachments WHERE name = 'dropped.log' AND inbound_id = 2"
        ),
        1
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM attachment_blobs"), 1);
    // The content is the row's last column (see migration 9).
    assert_eq!(
        server.count(
            "SELECT cid = (SELECT MAX(cid) FROM pragma_table_info('attachment_blobs'))
             FROM pragma_table_info('attachment_blobs') WHERE name = 'data'"
        ),
        1
    );
}
