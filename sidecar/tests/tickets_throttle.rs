//! Mail flood: every new ticket and reply mails every agent, so one
//! account may open only `rate_limit_new_tickets` tickets and add
//! `rate_limit_replies` replies per window; over that, 429 and nothing is
//! stored or mailed.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
mod tickets_support;

use common::TestServer;
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";

fn new_ticket(c: &mut common::Client, subject: &str) -> common::Resp {
    c.submit(
        "/my/tickets/new",
        "/my/tickets",
        &[("subject", subject), ("body", "Please help.")],
    )
}

#[test]
fn a_customer_flooding_new_tickets_gets_429_after_the_limit() {
    let server = TestServer::start_with(|c| c.rate_limit_new_tickets = 2);
    server.add_account(Role::Agent, "agent@example.com");
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let statuses: Vec<u16> = (0..3)
        .map(|i| new_ticket(&mut carol, &format!("Flood {i}")).status)
        .collect();
    assert_eq!(statuses, [303, 303, 429]);
    let refused = new_ticket(&mut carol, "Flood 4");
    assert_eq!(refused.status, 429);
    assert!(refused.header("retry-after").is_some());
    assert!(refused.body.contains("Too many"), "{}", refused.body);
    assert_eq!(server.count("SELECT COUNT(*) FROM tickets"), 2);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM mail_queue WHERE subject LIKE '%Flood 3%' OR subject LIKE '%Flood 4%'"),
        0
    );
    // Another customer is not affected.
    let mut dave = server.signed_in(Role::Customer, "dave@example.com");
    assert_eq!(new_ticket(&mut dave, "Mine").status, 303);
}

#[test]
fn a_customer_flooding_replies_gets_429_after_the_limit() {
    let server = TestServer::start_with(|c| c.rate_limit_replies = 2);
    server.add_account(Role::Agent, "agent@example.com");
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "hi", false)]);
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let statuses: Vec<u16> = (0..3)
        .map(|i| customer_reply(&mut carol, &r, &format!("Reply {i}")).status)
        .collect();
    assert_eq!(statuses, [303, 303, 429]);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_messages WHERE body LIKE 'Reply %'"),
        2
    );
}

/// Mail flood on the agents' side: a burst of new tickets must not send
/// every agent a mail per ticket. The first goes out at once; the ones that
/// follow within `digest_seconds` arrive as one digest that lists them all.
#[test]
fn a_burst_of_new_tickets_reaches_an_agent_as_one_mail_and_one_digest() {
    const AGENT: &str = "agent@example.com";
    let server = TestServer::start_with(|c| c.mail.digest_seconds = 5);
    server.add_account(Role::Agent, AGENT);
    let mut carol = server.signed_in(Role::Customer, CAROL);
    for i in 0..4 {
        assert_eq!(new_ticket(&mut carol, &format!("Burst {i}")).status, 303);
    }
    let first = server.wait_for_mail(AGENT, "Burst 0");
    assert!(!first.contains("ticket updates"), "{first}");
    let digest = server.wait_for_mail(AGENT, "3 ticket updates");
    for i in 1..4 {
        assert!(digest.contains(&format!("Burst {i}")), "{digest}");
    }
    assert!(digest.contains("/agent/tickets/"), "{digest}");
    assert_eq!(server.mails_to(AGENT).len(), 2);
    // The round that wrote the digest marks its parts sent right after.
    server.wait_for_count("SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NULL", 0);
}
