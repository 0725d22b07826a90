//! `docket ticket import` as the library runs it: all or nothing, with the
//! bad record's index and field named.

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
