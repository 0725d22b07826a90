//! Contact without an account: a ticket only once the sender confirms by
//! the mailed link.

use crate::common::{token_in, Client, Resp, TestServer, PASSWORD};
use crate::tickets_support::location;

const SENDER: &str = "visitor@example.com";

fn send(c: &mut Client, email: &str, subject: &str, website: &str) -> Resp {
    c.submit(
        "/contact",
        "/contact",
        &[
            ("name", "Vera Visitor"),
            ("email", email),
            ("subject", subject),
            ("body", "The export button does nothing."),
            ("website", website),
        ],
    )
}

/// The token of the newest confirmation link mailed to `email`.
fn confirm_token(server: &TestServer, email: &str) -> String {
    let mail = server.wait_for_mail(email, "/contact/confirm/");
    let start = mail.find("/contact/confirm/").unwrap() + "/contact/confirm/".len();
    mail[start..start + 64].to_owned()
}

#[test]
fn a_request_becomes_a_ticket_only_when_confirmed_by_the_mailed_link() {
    let server = TestServer::start();
    server.add_account(docket_sidecar::Role::Agent, "agent@example.com");
    let mut visitor = server.client();
    let form = visitor.get("/contact?subject=Exporting&body=About%20the%20article");
    assert_eq!(form.status, 200);
    assert!(form.body.contains("value=\"Exporting\""), "{}", form.body);
    assert!(form.body.contains(">About the article</textarea>"));

    let r = send(&mut visitor, SENDER, "Export is broken", "");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Check your mailbox"));
    let token = confirm_token(&server, SENDER);
    assert!(server
        .wait_for_mail(SENDER, "/contact/confirm/")
        .contains("https://help.example.com/contact/confirm/"));
    // Nothing reaches the agents before the confirmation.
    assert_eq!(server.count("SELECT COUNT(*) FROM tickets"), 0);

    // Opening the link only shows a button (mail scanners confirm nothing).
    let mut anyone = server.client();
    let page = anyone.get(&format!("/contact/confirm/{token}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Confirm and send"));
    assert_eq!(page.header("referrer-policy"), Some("strict-origin"));
    assert_eq!(server.count("SELECT COUNT(*) FROM tickets"), 0);

    // Confirming opens the ticket and shows it in this browser.
    let r = anyone.post(&format!("/contact/confirm/{token}"), &[]);
    let to = location(&r);
    assert!(to.starts_with("/t/") && to.ends_with("?created=1"), "{to}");
    let grant = r
        .headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("docket_ticket_link="))
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .expect("grant cookie");
    let ticket = anyone.get_with(&to, &[("Cookie", &grant)]);
    assert_eq!(ticket.status, 200, "{}", ticket.body);
    assert!(ticket.body.contains("Export is broken"));
    assert!(ticket.body.contains("The export button does nothing."));
    assert!(ticket.body.contains("Your ticket was submitted"));
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM tickets WHERE requester = '{SENDER}'"
        )),
        1
    );
    server.wait_for_mail("agent@example.com", "Export is broken");

    // The link keeps opening that ticket; it never opens a second one.
    let again = anyone.post(&format!("/contact/confirm/{token}"), &[]);
    assert!(location(&again).starts_with("/t/"));
    assert!(anyone
        .get(&format!("/contact/confirm/{token}"))
        .body
        .contains("You confirmed this request already"));
    assert_eq!(server.count("SELECT COUNT(*) FROM tickets"), 1);

    // Registering with that address later shows it under My Tickets.
    let mut me = server.client();
    me.submit(
        "/register",
        "/register",
        &[("email", SENDER), ("password", PASSWORD)],
    );
    let verify = token_in(&server.wait_for_mail(SENDER, "/verify?token="));
    assert_eq!(me.verify_address(&verify, PASSWORD).status, 200);
    let list = me.get("/my/tickets");
    assert!(list.body.contains("Export is broken"), "{}", list.body);
}

/// Attack: a bot filling every field of the form (spam tickets, mail to
/// strangers).
#[test]
fn a_filled_honeypot_gets_the_same_answer_and_nothing_is_stored_or_mailed() {
    let server = TestServer::start();
    let mut bot = server.client();
    let r = send(&mut bot, SENDER, "Cheap pills", "https://spam.example");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Check your mailbox"));
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.count("SELECT COUNT(*) FROM contact_requests"), 0);
    assert!(server.mails_to(SENDER).is_empty());
}

/// Attack: mail-bombing one address through the form, and one client
/// flooding it.
#[test]
fn the_form_is_rate_limited_per_address_quietly_and_per_client_openly() {
    let server = TestServer::start_with(|c| {
        c.rate_limit_per_account = 2;
        c.rate_limit_per_client = 4;
    });
    let mut c = server.client();
    for i in 0..3 {
        let r = send(&mut c, SENDER, &format!("Try {i}"), "");
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(r.body.contains("Check your mailbox"));
    }
    server.wait_for_count("SELECT COUNT(*) FROM contact_requests", 2);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.mails_to(SENDER).len(), 2);
    // The client's fourth form passes; the fifth is refused.
    assert_eq!(send(&mut c, "other@example.com", "Four", "").status, 200);
    assert_eq!(send(&mut c, "other@example.com", "Five", "").status, 429);
}

/// Attack: cross-site request forgery on the form and on the confirmation
/// (a page elsewhere confirming a request, or sending one in a visitor's
/// name).
#[test]
fn the_form_needs_its_csrf_token_and_the_confirmation_this_sites_origin() {
    let server = TestServer::start();
    let mut c = server.client();
    let r = c.post(
        "/contact",
        &[
            ("name", "X"),
            ("email", SENDER),
            ("subject", "S"),
            ("body", "B"),
        ],
    );
    assert_eq!(r.status, 403);
    send(&mut c, SENDER, "Real", "");
    let token = confirm_token(&server, SENDER);
    let mut evil = server.client();
    evil.origin = Some("https://evil.example".into());
    assert_eq!(
        evil.post(&format!("/contact/confirm/{token}"), &[]).status,
        403
    );
    evil.origin = None;
    assert_eq!(
        evil.post(&format!("/contact/confirm/{token}"), &[]).status,
        403
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM tickets"), 0);
    // Made-up and expired links open nothing.
    let made_up = "ab".repeat(32);
    assert_eq!(c.get(&format!("/contact/confirm/{made_up}")).status, 404);
    server.sql("UPDATE contact_requests SET expires_at = 0");
    assert_eq!(
        c.post(&format!("/contact/confirm/{token}"), &[]).status,
        404
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM tickets"), 0);
}

#[test]
fn fields_are_checked_and_the_form_can_be_switched_off() {
    let server = TestServer::start();
    let mut c = server.client();
    let r = send(&mut c, "not an address", "", "");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("aria-invalid=\"true\""));
    assert!(r.body.contains("value=\"not an address\""));

    let off = TestServer::start_with(|c| c.allow_anonymous_requests = false);
    let mut c = off.client();
    let r = c.get("/contact?subject=Hi");
    assert_eq!(location(&r), "/my/tickets/new?subject=Hi");
    let csrf = c.get("/login").csrf();
    let r = c.post(
        "/contact",
        &[
            ("csrf", &csrf),
            ("name", "X"),
            ("email", SENDER),
            ("subject", "S"),
            ("body", "B"),
        ],
    );
    assert_eq!(r.status, 404);
}
