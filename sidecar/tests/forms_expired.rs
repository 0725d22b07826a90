//! Defect 2: a form posted with a missing or stale token answered 403 "Not
//! allowed … log in with another account". Now it says the form expired
//! and shows it again, filled in with what was typed (never a password),
//! with a fresh token; sending it again works. A post from another origin
//! is still refused outright.

mod common;
mod tickets_support;

use common::{TestServer, PASSWORD};
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";

#[test]
fn a_reply_with_a_stale_token_comes_back_with_its_text_and_can_be_sent_again() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let r = open_ticket(&mut carol, "Printer", "It jams.");
    let action = format!("/my/tickets/{r}/reply");
    let typed = "It still jams <b>daily</b>.\nSee the photo.";
    let stale = carol.post(
        &action,
        &[("body", typed), ("csrf", "0".repeat(64).as_str())],
    );
    assert_eq!(stale.status, 403);
    assert!(
        stale.body.contains("<h1>The form expired</h1>"),
        "{}",
        stale.body
    );
    assert!(!stale.body.contains("log in with another account"));
    // Tera writes `/` in attributes as `&#x2F;`.
    let escaped = format!("action=\"{action}\"").replace('/', "&#x2F;");
    assert!(stale.body.contains(&escaped), "{}", stale.body);
    // What was typed, escaped, in the message box.
    assert!(
        stale
            .body
            .contains(">It still jams &lt;b&gt;daily&lt;&#x2F;b&gt;.\nSee the photo.</textarea>"),
        "{}",
        stale.body
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_messages"), 1);
    // Sent again with the page's fresh token, it goes through.
    let again = carol.post(&action, &[("body", typed), ("csrf", &stale.csrf())]);
    assert_eq!(location(&again), format!("/my/tickets/{r}?replied=1"));
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_messages"), 2);
}

#[test]
fn a_login_without_a_token_keeps_the_address_but_never_the_password() {
    let server = TestServer::start();
    server.add_account(Role::Customer, CAROL);
    let mut c = server.client();
    let r = c.post(
        "/login",
        &[
            ("email", CAROL),
            ("password", PASSWORD),
            ("next", "/my/tickets"),
        ],
    );
    assert_eq!(r.status, 403);
    assert!(r.body.contains("<h1>The form expired</h1>"), "{}", r.body);
    assert!(r.body.contains(&format!("value=\"{CAROL}\"")), "{}", r.body);
    assert!(!r.body.contains(PASSWORD));
    assert!(r.body.contains("name=\"password\" type=\"password\""));
    let again = c.post(
        "/login",
        &[
            ("email", CAROL),
            ("password", PASSWORD),
            ("next", "/my/tickets"),
            ("csrf", &r.csrf()),
        ],
    );
    assert_eq!(location(&again), "/my/tickets");
}

#[test]
fn a_post_from_another_origin_is_still_refused_without_its_fields() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let r = open_ticket(&mut carol, "Printer", "It jams.");
    let csrf = carol.get(&format!("/my/tickets/{r}")).csrf();
    carol.origin = Some("https://evil.example".into());
    let refused = carol.post(
        &format!("/my/tickets/{r}/reply"),
        &[("body", "planted text"), ("csrf", &csrf)],
    );
    assert_eq!(refused.status, 403);
    assert!(refused.body.contains("Not allowed"));
    assert!(!refused.body.contains("planted text"));
}
