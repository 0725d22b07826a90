//! `docket ticket import` as the library runs it: all or nothing, with the
//! bad record's index and field named.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
mod tickets_support;

use common::TestServer;
use docket_sidecar::Role;
use tickets_support::ticket_counts;

fn record(subject: &str, created_at: &str) -> serde_json::Value {
    serde_json::json!({
        "subject": subject,
        "requester": "Frank@Example.com",
        "status": "resolved",
        "created_at": "2026-01-05T10:00:00Z",
        "messages": [
            {"from": "customer", "body": "My invoice is wrong.", "created_at": "2026-01-05T10:00:00Z"},
            {"from": "agent", "author": "agent@example.com", "body": "Fixed.", "created_at": created_at, "internal": false},
            {"from": "agent", "body": "Refunded 12 EUR.", "created_at": created_at, "internal": true}
        ]
    })
}

#[test]
fn a_bad_record_rejects_the_whole_file_naming_index_and_field() {
    let server = TestServer::start();
    let file = server.root().join("tickets.json");
    let json = serde_json::json!([
        record("One", "2026-01-06T09:00:00Z"),
        record("Two", "2026-01-06T09:00:00Z"),
        record("Three", "the sixth of January"),
    ]);
    std::fs::write(&file, json.to_string()).unwrap();
    let err = docket_sidecar::import::import_file(&server.options, &file).unwrap_err();
    let text = format!("{err:#}");
    assert!(
        text.contains("record 2, field `messages[1].created_at`"),
        "{text}"
    );
    assert!(text.contains("nothing was imported"), "{text}");
    assert_eq!(ticket_counts(&server), (0, 0, 0, 0));
}

#[test]
fn a_good_file_is_imported_with_its_messages_and_shows_up_for_the_requester() {
    let server = TestServer::start();
    server.add_account(Role::Agent, "agent@example.com");
    let file = server.root().join("tickets.json");
    let json = serde_json::json!([
        record("One", "2026-01-06T09:00:00Z"),
        record("Two", "2026-01-07T09:00:00Z")
    ]);
    std::fs::write(&file, json.to_string()).unwrap();
    let refs = docket_sidecar::import::import_file(&server.options, &file).unwrap();
    assert_eq!(refs.len(), 2);
    assert_ne!(refs[0], refs[1]);
    assert_eq!(ticket_counts(&server), (2, 6, 2, 0));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_messages WHERE author_account_id IS NOT NULL"),
        2,
        "agent messages are tied to the existing agent account"
    );
    assert_eq!(
        server.count(
            "SELECT COUNT(*) FROM ticket_messages WHERE author_email = 'support@example.com'"
        ),
        2,
        "agent messages without author use the From address"
    );
    let mut frank = server.signed_in(Role::Customer, "frank@example.com");
    let list = frank.get("/my/tickets");
    let two = list.body.find(">Two<").unwrap();
    let one = list.body.find(">One<").unwrap();
    assert!(two < one, "ordered by the last public message");
    assert!(list.body.contains("2026-01-07 09:00 UTC"));
    let page = frank.get(&format!("/my/tickets/{}", refs[0]));
    assert!(page.body.contains("Fixed."));
    assert!(!page.body.contains("Refunded"));
}

/// One ticket whose agent reply carries `files` (name, content).
fn record_with_files(files: &[(&str, Vec<u8>)]) -> serde_json::Value {
    use base64::Engine as _;
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|(name, data)| {
            serde_json::json!({
                "name": name,
                "content": base64::engine::general_purpose::STANDARD.encode(data),
            })
        })
        .collect();
    let mut ticket = record("With files", "2026-01-06T09:00:00Z");
    ticket["messages"][1]["files"] = serde_json::Value::Array(files);
    ticket
}

/// Imports `records` into `server`'s store; the error text, if refused.
fn import(server: &TestServer, records: serde_json::Value) -> Result<Vec<String>, String> {
    let file = server.root().join("tickets.json");
    std::fs::write(&file, records.to_string()).unwrap();
    docket_sidecar::import::import_file(&server.options, &file).map_err(|e| format!("{e:#}"))
}

/// A log file of `bytes` bytes.
fn log(bytes: usize) -> Vec<u8> {
    b"2026-01-06 09:00:00 a line of the log\n"
        .iter()
        .copied()
        .cycle()
        .take(bytes)
        .collect()
}

#[test]
fn imported_files_are_checked_against_the_sites_own_limits_and_types() {
    const MIB: usize = 1024 * 1024;
    let big = || record_with_files(&[("notes.txt", log(100)), ("big.log", log(2 * MIB))]);

    // The defaults (10 MiB a file) take a 2 MiB file...
    let roomy = TestServer::start();
    assert_eq!(import(&roomy, serde_json::json!([big()])).unwrap().len(), 1);

    // ...a site that allows 1 MiB refuses it, naming the ticket's record,
    // the message's file and the file, and imports nothing.
    let strict = TestServer::start_with(|c| {
        c.attachment_max_mib = 1;
        c.message_max_mib = 2;
        c.attachment_types = vec!["image/png".into(), "text/plain".into()];
    });
    let text = import(
        &strict,
        serde_json::json!([record("One", "2026-01-06T09:00:00Z"), big()]),
    )
    .unwrap_err();
    assert!(
        text.contains(
            "record 1, field `messages[1].files[1]`: big.log: the file is larger than 1 MiB"
        ),
        "{text}"
    );
    assert!(text.contains("nothing was imported"), "{text}");
    assert_eq!(ticket_counts(&strict), (0, 0, 0, 0));

    // The total of one message's files, against the site's message_max_mib.
    let three = record_with_files(&[
        ("a.log", log(MIB - 10)),
        ("b.log", log(MIB - 10)),
        ("c.log", log(MIB - 10)),
    ]);
    let text = import(&strict, serde_json::json!([three])).unwrap_err();
    assert!(
        text.contains("record 0, field `messages[1].files[2]`: c.log: the files of one message may add up to 2 MiB at most"),
        "{text}"
    );

    // A type the site does not take, though the defaults would.
    let csv = record_with_files(&[("data.csv", b"a,b\n1,2\n".to_vec())]);
    assert_eq!(
        import(&roomy, serde_json::json!([csv.clone()]))
            .unwrap()
            .len(),
        1
    );
    let text = import(&strict, serde_json::json!([csv])).unwrap_err();
    assert!(
        text.contains("record 0, field `messages[1].files[0]`: data.csv: files of type text/csv are not accepted"),
        "{text}"
    );
    assert_eq!(ticket_counts(&strict), (0, 0, 0, 0));
}
