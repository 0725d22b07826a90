//! The mail channel end to end, over the real server: a customer writes to
//! support, gets an acknowledgement, answers the agent's reply from their
//! mail client, registers, and sees the whole conversation in My Tickets.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use std::path::Path;

use common::{token_in, TestServer, PASSWORD};
use docket_sidecar::intake::Outcome;
use docket_sidecar::Role;

const AGENT: &str = "agent@example.com";

fn eml(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/mail")
            .join(name),
    )
    .unwrap()
}

/// The value of header `name` in a mail's text.
fn header(mail: &str, name: &str) -> String {
    let prefix = format!("{name}: ");
    mail.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no {name} in {mail}"))
        .trim()
        .to_owned()
}

#[test]
fn a_customer_writes_in_answers_by_mail_and_finds_it_all_in_my_tickets() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, AGENT);

    // Ann writes to support.
    let first = server.receive_mail(eml("gmail_new.eml").as_bytes());
    assert_eq!(first.outcome, Outcome::New);
    let (reference, number) = (first.reference.unwrap(), first.number.unwrap());

    // She gets an acknowledgement with the number and a ticket link; the
    // agents are told.
    let ack = server.wait_for_mail("ann@example.com", "/t/");
    assert!(ack.contains(&format!("[#{number}]")), "{ack}");
    server.wait_for_mail(AGENT, "opened a new ticket");

    // The agent answers in the portal; the answer goes to Ann by mail.
    let page = format!("/agent/tickets/{reference}");
    let r = agent.submit(
        &page,
        &format!("{page}/reply"),
        &[("body", "Please restart the print spooler.")],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let answer = server.wait_for_mail("ann@example.com", "restart the print spooler");
    assert!(header(&answer, "Subject").contains(&format!("[#{number}]")));
    let answer_id = header(&answer, "Message-ID");
    let answer_id = answer_id.trim_start_matches('<').trim_end_matches('>');

    // She answers from her mail client: it threads into the ticket.
    let reply = eml("gmail_reply.eml")
        .replace("{{NUMBER}}", &number.to_string())
        .replace("{{IN_REPLY_TO}}", answer_id);
    let second = server.receive_mail(reply.as_bytes());
    assert_eq!(second.outcome, Outcome::Appended);
    assert_eq!(second.reference.as_deref(), Some(reference.as_str()));

    // She registers with that address and confirms it: the ticket is hers.
    let mut ann = server.client();
    let r = ann.submit(
        "/register",
        "/register",
        &[("email", "ann@example.com"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let token = token_in(&server.wait_for_mail("ann@example.com", "/verify?token="));
    assert_eq!(ann.verify_address(&token, PASSWORD).status, 200);
    let list = ann.get("/my/tickets");
    assert!(list.body.contains(&format!("#{number}")), "{}", list.body);
    let ticket = ann.get(&format!("/my/tickets/{reference}"));
    assert_eq!(ticket.status, 200);
    for text in [
        "although it is on and connected",
        "Please restart the print spooler.",
        "Restarting the print spooler fixed it, thank you!",
        "Show quoted text",
        "by mail",
    ] {
        assert!(ticket.body.contains(text), "{text:?} in {}", ticket.body);
    }
}
