//! Helpers of the ticket tests: tickets imported straight into the test
//! server's database, conversations through the real HTTP routes, and
//! counts of what the store holds.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::{Client, Resp, TestServer};

/// One imported message: `(from, body, internal)`.
pub type Msg<'a> = (&'a str, &'a str, bool);

/// Imports one ticket of `requester` in `status` with `messages`; returns
/// its reference.
pub fn import_ticket(
    server: &TestServer,
    subject: &str,
    requester: &str,
    status: &str,
    messages: &[Msg<'_>],
) -> String {
    let messages: Vec<serde_json::Value> = messages
        .iter()
        .enumerate()
        .map(|(i, (from, body, internal))| {
            serde_json::json!({
                "from": from,
                "author": if *from == "agent" { Some("agent@example.com") } else { None },
                "body": body,
                "created_at": format!("2026-01-05T10:{i:02}:00Z"),
                "internal": internal,
            })
        })
        .collect();
    let json = serde_json::json!([{
        "subject": subject,
        "requester": requester,
        "status": status,
        "created_at": "2026-01-05T10:00:00Z",
        "messages": messages,
    }]);
    let file = server.root().join(format!("import-{}.json", rand_suffix()));
    std::fs::write(&file, json.to_string()).unwrap();
    let refs = docket_sidecar::import::import_file(&server.options, &file).unwrap();
    refs.into_iter().next().unwrap()
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

/// The `Location` header of a redirect.
pub fn location(r: &Resp) -> String {
    assert_eq!(
        r.status, 303,
        "expected a redirect, got {}: {}",
        r.status, r.body
    );
    r.header("location").unwrap().to_owned()
}

/// Opens a ticket through `/my/tickets/new`; returns its reference.
pub fn open_ticket(c: &mut Client, subject: &str, body: &str) -> String {
    let r = c.submit(
        "/my/tickets/new",
        "/my/tickets",
        &[("subject", subject), ("body", body)],
    );
    let loc = location(&r);
    let rest = loc.strip_prefix("/my/tickets/").unwrap();
    rest.split('?').next().unwrap().to_owned()
}

/// A customer's reply through the ticket page's form.
pub fn customer_reply(c: &mut Client, reference: &str, body: &str) -> Resp {
    let page = format!("/my/tickets/{reference}");
    c.submit(&page, &format!("{page}/reply"), &[("body", body)])
}

/// An agent's reply (or note) through the ticket page's form.
pub fn agent_reply(c: &mut Client, reference: &str, body: &str, note: bool) -> Resp {
    let page = format!("/agent/tickets/{reference}");
    let mut fields = vec![("body", body)];
    if note {
        fields.push(("internal_note", "on"));
    }
    c.submit(&page, &format!("{page}/reply"), &fields)
}

/// An agent's status change through the ticket page's form.
pub fn agent_status(c: &mut Client, reference: &str, status: &str) -> Resp {
    let page = format!("/agent/tickets/{reference}");
    c.submit(&page, &format!("{page}/status"), &[("status", status)])
}

/// The stored status of a ticket.
pub fn status_of(server: &TestServer, reference: &str) -> String {
    let conn = rusqlite::Connection::open(&server.options.database).unwrap();
    conn.query_row(
        "SELECT status FROM tickets WHERE ref = ?1",
        [reference],
        |r| r.get(0),
    )
    .unwrap()
}

/// Rows in the ticket tables: `(tickets, messages, events, links)`.
pub fn ticket_counts(server: &TestServer) -> (i64, i64, i64, i64) {
    (
        server.count("SELECT COUNT(*) FROM tickets"),
        server.count("SELECT COUNT(*) FROM ticket_messages"),
        server.count("SELECT COUNT(*) FROM ticket_events"),
        server.count("SELECT COUNT(*) FROM ticket_links"),
    )
}
