//! Ticket links without an account: the request form answers the same
//! whatever is typed; the mailed link works once, briefly, for one ticket,
//! and lets its holder read and reply.

mod common;
mod tickets_support;

use common::{Client, Resp, TestServer};
use tickets_support::*;

const CAROL: &str = "carol@example.com";
const MISSING: &str = "0000000000000000000000zzzz";

fn ask_for_link(c: &mut Client, email: &str, reference: &str) -> Resp {
    c.submit(
        "/my/tickets/link",
        "/my/tickets/link",
        &[("email", email), ("ref", reference)],
    )
}

fn link_token(mail: &str) -> String {
    let start = mail.find("/t/").expect("no link in mail") + 3;
    mail[start..start + 64].to_owned()
}

/// The grant cookie's `name=value` from an opening response.
fn grant_cookie(r: &Resp) -> String {
    let set = r
        .headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("docket_ticket_link="))
        .map(|(_, v)| v.clone())
        .expect("no grant cookie");
    set.split(';').next().unwrap_or_default().to_owned()
}

#[test]
fn the_request_form_answers_the_same_whether_or_not_address_and_reference_exist() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "hi", false)]);
    let mut anonymous = server.client();
    let real = ask_for_link(&mut anonymous, CAROL, &r);
    let wrong_ref = ask_for_link(&mut anonymous, CAROL, MISSING);
    let wrong_address = ask_for_link(&mut anonymous, "dave@example.com", &r);
    let garbage = ask_for_link(&mut anonymous, "not an address", "../../etc");
    for other in [&wrong_ref, &wrong_address, &garbage] {
        assert_eq!(other.status, real.status);
        assert_eq!(other.comparable(CAROL), real.comparable(CAROL));
    }
    assert!(real
        .body
        .contains("If the address and reference belong to a ticket"));
    // The link is stored and mailed after the answer.
    let mail = server.wait_for_mail(CAROL, "/t/");
    assert!(mail.contains("https://help.example.com/t/"), "{mail}");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_links"), 1);
    assert!(server.mails_to("dave@example.com").is_empty());
    // The form needs its CSRF token like every other.
    let mut fresh = server.client();
    assert_eq!(
        fresh
            .post("/my/tickets/link", &[("email", CAROL), ("ref", &r)])
            .status,
        403
    );
}

#[test]
fn a_mailed_link_opens_once_and_lets_its_holder_read_and_reply() {
    let server = TestServer::start();
    let r = import_ticket(
        &server,
        "Where is my parcel?",
        CAROL,
        "resolved",
        &[
            ("customer", "It did not arrive.", false),
            ("agent", "It is on its way.", false),
            ("agent", "courier lost it twice", true),
        ],
    );
    let other = import_ticket(
        &server,
        "Another one",
        CAROL,
        "open",
        &[("customer", "other text", false)],
    );
    ask_for_link(
        &mut server.client(),
        &format!("  {} ", CAROL.to_uppercase()),
        &r.to_uppercase(),
    );
    let token = link_token(&server.wait_for_mail(CAROL, "/t/"));
    let page = format!("/t/{token}");

    // Opening the mail (or a scanner fetching the link) spends nothing.
    let mut browser = server.client();
    let button = browser.get(&page);
    assert_eq!(button.status, 200);
    assert!(button.body.contains("Open the ticket"));
    assert!(!button.body.contains("Where is my parcel?"));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_links WHERE used_at IS NULL"),
        1
    );

    let opened = browser.post(&page, &[]);
    assert_eq!(location(&opened), page);
    let set = opened.header("set-cookie").unwrap();
    for part in ["HttpOnly", "SameSite=Strict", &format!("Path=/t/{token}")] {
        assert!(set.contains(part), "{set}");
    }
    let cookie = grant_cookie(&opened);
    let with_grant = [("Cookie", cookie.as_str())];
    let ticket = browser.get_with(&page, &with_grant);
    assert_eq!(ticket.status, 200);
    assert_eq!(ticket.header("cache-control"), Some("private, no-store"));
    assert!(ticket.body.contains("Where is my parcel?"));
    assert!(ticket.body.contains("It is on its way."));
    assert!(!ticket.body.contains("courier lost it"));
    assert!(!ticket.body.contains("other text"));

    // Reply with the grant and its CSRF token: reopens the ticket.
    let csrf = ticket.csrf();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("body", "Still nothing here."), ("csrf", csrf.as_str())])
        .finish();
    let origin = server.origin();
    let headers = [
        ("Cookie", cookie.as_str()),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Origin", origin.as_str()),
    ];
    let reply = browser.send(
        "POST",
        &format!("{page}/reply"),
        &headers,
        Some(body.as_bytes()),
    );
    assert_eq!(location(&reply), format!("{page}?reopened=1"));
    assert_eq!(status_of(&server, &r), "open");
    let after = browser.get_with(&format!("{page}?reopened=1"), &with_grant);
    assert!(after.body.contains("Still nothing here."));
    assert!(after.body.contains("reopened"));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_messages WHERE body = 'Still nothing here.' AND author_email = 'carol@example.com' AND author_role = 'customer'"),
        1
    );

    // A wrong CSRF token, a missing grant or a foreign origin write nothing.
    let before = ticket_counts(&server);
    let forged = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([("body", "forged"), ("csrf", "0")])
        .finish();
    let r1 = browser.send(
        "POST",
        &format!("{page}/reply"),
        &headers,
        Some(forged.as_bytes()),
    );
    assert_eq!(r1.status, 403);
    // The page comes back with the text and a token that works (issue 17,
    // defect 2), not "Not allowed".
    assert!(r1.body.contains("Nothing was sent"), "{}", r1.body);
    assert!(r1.body.contains(">forged</textarea>"), "{}", r1.body);
    assert_eq!(r1.csrf(), csrf);
    let no_grant = [headers[1], headers[2]];
    let r2 = browser.send(
        "POST",
        &format!("{page}/reply"),
        &no_grant,
        Some(body.as_bytes()),
    );
    assert_eq!(r2.status, 404);
    let evil = [headers[0], headers[1], ("Origin", "https://evil.example")];
    let r3 = browser.send(
        "POST",
        &format!("{page}/reply"),
        &evil,
        Some(body.as_bytes()),
    );
    assert_eq!(r3.status, 403);
    assert_eq!(ticket_counts(&server), before);

    // Single use: without the grant the link is gone, and it cannot be opened again.
    let mut someone_else = server.client();
    assert_eq!(someone_else.get(&page).status, 404);
    assert_eq!(someone_else.post(&page, &[]).status, 404);
    // The grant opens only its own link's ticket.
    let other_page = format!("/t/{}", "f".repeat(64));
    assert_eq!(browser.get_with(&other_page, &with_grant).status, 404);
    assert!(!other.is_empty());

    // Short-lived: once the grant expires, the page is gone too.
    server.sql("UPDATE ticket_links SET grant_expires_at = 0");
    assert_eq!(browser.get_with(&page, &with_grant).status, 404);
}

#[test]
fn an_expired_link_cannot_be_opened() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "hi", false)]);
    ask_for_link(&mut server.client(), CAROL, &r);
    let token = link_token(&server.wait_for_mail(CAROL, "/t/"));
    server.sql("UPDATE ticket_links SET expires_at = 0");
    let mut browser = server.client();
    assert_eq!(browser.get(&format!("/t/{token}")).status, 404);
    assert_eq!(browser.post(&format!("/t/{token}"), &[]).status, 404);
    assert_eq!(browser.get("/t/not-a-token").status, 404);
}

#[test]
fn link_requests_are_rate_limited_per_address_without_changing_the_answer() {
    let server = TestServer::start_with(|c| c.rate_limit_per_account = 2);
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "hi", false)]);
    let mut anonymous = server.client();
    let first = ask_for_link(&mut anonymous, CAROL, &r);
    for _ in 0..3 {
        let again = ask_for_link(&mut anonymous, CAROL, &r);
        assert_eq!(again.status, 200);
        assert_eq!(again.comparable(CAROL), first.comparable(CAROL));
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while server.mails_to(CAROL).len() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the two allowed links were not mailed"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_links"), 2);
    assert_eq!(server.mails_to(CAROL).len(), 2);
}

/// A page whose URL holds a live link token, before and after opening it,
/// sends its `Referer` as the origin alone (`Referrer-Policy:
/// strict-origin`), so the token never leaks through links and
/// subresources.
#[test]
fn the_link_pages_keep_their_token_out_of_the_referer() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "hi", false)]);
    let mut c = server.client();
    ask_for_link(&mut c, CAROL, &r);
    let token = link_token(&server.wait_for_mail(CAROL, "/t/"));
    let button = c.get(&format!("/t/{token}"));
    assert_eq!(button.status, 200);
    assert_eq!(button.header("referrer-policy"), Some("strict-origin"));
    let opened = c.post(&format!("/t/{token}"), &[]);
    let cookie = grant_cookie(&opened);
    let ticket = c.get_with(&format!("/t/{token}"), &[("Cookie", &cookie)]);
    assert_eq!(ticket.status, 200, "{}", ticket.body);
    assert_eq!(ticket.header("referrer-policy"), Some("strict-origin"));
    // Other pages keep the site's usual policy.
    assert_eq!(
        c.get("/my/tickets/link").header("referrer-policy"),
        Some("same-origin")
    );
}
