//! `/my/profile`: the language an account prefers (kept on the account,
//! brought back at every sign-in), a password change that signs out every
//! other device, and "sign out everywhere else". Over the real server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use common::{Client, TestServer, PASSWORD};
use docket_sidecar::Role;

const NEW_PASSWORD: &str = "a much longer new secret";

fn set_cookie_of<'a>(r: &'a common::Resp, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with(&format!("{name}=")))
        .map(|(_, v)| v.as_str())
}

/// A second client signed in as an existing account.
fn another_device(server: &TestServer, email: &str) -> Client {
    let mut c = server.client();
    assert_eq!(c.login(email, PASSWORD, "").status, 303);
    c
}

#[test]
fn the_profile_needs_a_sign_in() {
    let server = TestServer::start();
    let r = server.client().get("/my/profile");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=%2Fmy%2Fprofile"));
}

#[test]
fn a_chosen_language_is_kept_and_follows_the_account_to_another_device() {
    let server = TestServer::start();
    let mut ann = server.signed_in(Role::Customer, "ann@example.com");
    let page = ann.get("/my/profile");
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("<option value=\"ja\" lang=\"ja\">日本語</option>"),
        "{}",
        page.body
    );

    let r = ann.submit("/my/profile", "/my/profile/language", &[("language", "ja")]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/my/profile?done=language"));
    assert!(set_cookie_of(&r, "docket_lang").is_some_and(|c| c.starts_with("docket_lang=ja;")));
    assert_eq!(
        server.count(
            "SELECT count(*) FROM accounts WHERE email = 'ann@example.com' AND language = 'ja'"
        ),
        1
    );
    let done = ann.get("/my/profile?done=language&lang=ja");
    assert!(done.body.contains("言語を保存しました。"), "{}", done.body);
    assert!(
        done.body
            .contains("<option value=\"ja\" lang=\"ja\" selected>"),
        "{}",
        done.body
    );

    // Signing in elsewhere brings the language back.
    let mut phone = server.client();
    let r = phone.login("ann@example.com", PASSWORD, "");
    assert_eq!(r.status, 303);
    assert!(set_cookie_of(&r, "docket_lang").is_some_and(|c| c.starts_with("docket_lang=ja;")));

    // A language the portal does not speak is refused.
    let r = ann.submit("/my/profile", "/my/profile/language", &[("language", "xx")]);
    assert_eq!(r.status, 404);
}

#[test]
fn a_new_password_needs_the_current_one_and_signs_out_other_devices() {
    let server = TestServer::start();
    let mut laptop = server.signed_in(Role::Customer, "bo@example.com");
    let mut phone = another_device(&server, "bo@example.com");

    let wrong = laptop.submit(
        "/my/profile",
        "/my/profile/password",
        &[
            ("current_password", "not it at all"),
            ("password", NEW_PASSWORD),
        ],
    );
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.body.contains("This is not your current password."),
        "{}",
        wrong.body
    );
    let short = laptop.submit(
        "/my/profile",
        "/my/profile/password",
        &[("current_password", PASSWORD), ("password", "short")],
    );
    assert_eq!(short.status, 400);
    assert!(
        short.body.contains("id=\"password-error\""),
        "{}",
        short.body
    );

    let r = laptop.submit(
        "/my/profile",
        "/my/profile/password",
        &[("current_password", PASSWORD), ("password", NEW_PASSWORD)],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/my/profile?done=password"));
    // This browser goes on with a fresh session; the phone is signed out.
    assert_eq!(laptop.get("/my/profile").status, 200);
    assert_eq!(phone.get("/my/profile").status, 303);
    let mut again = server.client();
    assert_eq!(again.login("bo@example.com", PASSWORD, "").status, 401);
    assert_eq!(again.login("bo@example.com", NEW_PASSWORD, "").status, 303);
}

#[test]
fn signing_out_everywhere_else_keeps_this_browser() {
    let server = TestServer::start();
    let mut desk = server.signed_in(Role::Agent, "agent@example.com");
    let mut phone = another_device(&server, "agent@example.com");
    let mut kiosk = another_device(&server, "agent@example.com");
    let r = desk.submit("/my/profile", "/my/profile/sessions", &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    let page = desk.get(r.header("location").unwrap());
    assert!(
        page.body.contains("Signed out on 2 other devices."),
        "{}",
        page.body
    );
    assert_eq!(desk.get("/agent/tickets").status, 200);
    assert_eq!(phone.get("/agent/tickets").status, 303);
    assert_eq!(kiosk.get("/agent/tickets").status, 303);
}

/// Attack: a page on another site posts to the profile forms in the
/// victim's browser (cross-site request forgery) to change their language
/// or sign them out. Without the form's token nothing changes.
#[test]
fn profile_changes_need_the_forms_token() {
    let server = TestServer::start();
    let mut ann = server.signed_in(Role::Customer, "ann@example.com");
    let mut phone = another_device(&server, "ann@example.com");
    for (target, fields) in [
        ("/my/profile/language", vec![("language", "ja")]),
        ("/my/profile/sessions", vec![]),
        (
            "/my/profile/password",
            vec![("current_password", PASSWORD), ("password", NEW_PASSWORD)],
        ),
    ] {
        let r = ann.post(target, &fields);
        assert_eq!(r.status, 403, "{target}: {}", r.body);
    }
    assert_eq!(
        server.count("SELECT count(*) FROM accounts WHERE language IS NOT NULL"),
        0
    );
    assert_eq!(phone.get("/my/profile").status, 200, "still signed in");
}

#[test]
fn a_customer_deletes_their_account_and_the_tickets_stay_without_the_address() {
    let server = TestServer::start();
    let mut cy = server.signed_in(Role::Customer, "cy@example.com");
    let reference = {
        let page = cy.get("/my/tickets/new");
        assert_eq!(page.status, 200, "{}", page.body);
        let r = cy.post(
            "/my/tickets",
            &[
                ("subject", "Refund"),
                ("body", "Please refund order 7."),
                ("csrf", &page.csrf()),
            ],
        );
        assert_eq!(r.status, 303, "{}", r.body);
        r.header("location")
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned()
    };
    let mut phone = another_device(&server, "cy@example.com");

    let wrong = cy.submit(
        "/my/profile",
        "/my/profile/delete",
        &[("current_password", "not my password"), ("confirm", "yes")],
    );
    assert_eq!(wrong.status, 400);
    let unconfirmed = cy.submit(
        "/my/profile",
        "/my/profile/delete",
        &[("current_password", PASSWORD)],
    );
    assert_eq!(unconfirmed.status, 400);
    assert_eq!(
        server.count("SELECT count(*) FROM accounts WHERE email = 'cy@example.com'"),
        1
    );

    let done = cy.submit(
        "/my/profile",
        "/my/profile/delete",
        &[("current_password", PASSWORD), ("confirm", "yes")],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your account is deleted"),
        "{}",
        done.body
    );
    assert!(done
        .header("set-cookie")
        .is_some_and(|c| c.contains("Max-Age=0")));

    // The address is gone from every table that held it.
    for sql in [
        "SELECT count(*) FROM accounts WHERE email = 'cy@example.com'",
        "SELECT count(*) FROM tickets WHERE requester = 'cy@example.com'",
        "SELECT count(*) FROM ticket_messages WHERE author_email = 'cy@example.com'",
        "SELECT count(*) FROM mail_queue WHERE recipient = 'cy@example.com'",
        "SELECT count(*) FROM sessions WHERE account_id IS NOT NULL AND account_id NOT IN (SELECT id FROM accounts)",
    ] {
        assert_eq!(server.count(sql), 0, "{sql}");
    }
    // The ticket stays for the agents, under the erased address.
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    let page = agent.get(&format!("/agent/tickets/{reference}"));
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Please refund order 7."),
        "{}",
        page.body
    );
    assert!(page.body.contains("@invalid"), "{}", page.body);
    assert!(!page.body.contains("cy@example.com"), "{}", page.body);
    // Nobody is signed in as the deleted account anywhere.
    assert_eq!(phone.get("/my/profile").status, 303);
    assert_eq!(
        server.client().login("cy@example.com", PASSWORD, "").status,
        401
    );
}

#[test]
fn agents_cannot_delete_their_own_account_here() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    let page = agent.get("/my/profile");
    assert!(!page.body.contains("/my/profile/delete"), "{}", page.body);
    let r = agent.submit(
        "/my/profile",
        "/my/profile/delete",
        &[("current_password", PASSWORD), ("confirm", "yes")],
    );
    assert_eq!(r.status, 403);
    assert_eq!(
        server.count("SELECT count(*) FROM accounts WHERE email = 'agent@example.com'"),
        1
    );
}

fn open_ticket_as(c: &mut Client, subject: &str) -> String {
    let page = c.get("/my/tickets/new");
    assert_eq!(page.status, 200, "{}", page.body);
    let r = c.post(
        "/my/tickets",
        &[
            ("subject", subject),
            ("body", "Details."),
            ("csrf", &page.csrf()),
        ],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    r.header("location")
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

/// Attack: someone at an unlocked computer, or with a stolen session,
/// moves the account to their own mailbox. The current password is asked,
/// the change waits for the link mailed to the new address, and the old
/// address is told.
#[test]
fn an_address_changes_only_through_the_link_mailed_to_it() {
    let server = TestServer::start();
    let mut dee = server.signed_in(Role::Customer, "dee@example.com");
    let reference = open_ticket_as(&mut dee, "Invoice address");
    let change = |c: &mut Client, email: &str, password: &str| {
        c.submit(
            "/my/profile",
            "/my/profile/email",
            &[("new_email", email), ("current_password", password)],
        )
    };
    let wrong = change(&mut dee, "dee@new.example", "not the password");
    assert_eq!(wrong.status, 400);
    assert!(
        wrong.body.contains("id=\"email-password-error\""),
        "{}",
        wrong.body
    );
    assert_eq!(change(&mut dee, "not an address", PASSWORD).status, 400);
    assert_eq!(change(&mut dee, "DEE@example.com", PASSWORD).status, 400);

    let r = change(&mut dee, "dee@new.example", PASSWORD);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/my/profile?done=email"));
    let told = server.wait_for_mail("dee@example.com", "dee@new.example");
    assert!(
        !told.contains("token="),
        "the old address gets no link: {told}"
    );
    let link_mail = server.wait_for_mail("dee@new.example", "/my/profile/email/confirm?token=");
    let token = common::token_in(&link_mail);
    assert_eq!(
        server.count("SELECT count(*) FROM accounts WHERE email = 'dee@example.com'"),
        1
    );

    // Opening the link (a mail scanner does) changes nothing.
    let mut other_browser = server.client();
    let form = other_browser.get(&format!("/my/profile/email/confirm?token={token}"));
    assert_eq!(form.status, 200, "{}", form.body);
    assert_eq!(form.header("referrer-policy"), Some("strict-origin"));
    assert_eq!(
        server.count("SELECT count(*) FROM accounts WHERE email = 'dee@example.com'"),
        1
    );

    let done = other_browser.post(
        "/my/profile/email/confirm",
        &[("token", &token), ("csrf", &form.csrf())],
    );
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("Your address is now dee@new.example"),
        "{}",
        done.body
    );
    assert_eq!(
        server.count("SELECT count(*) FROM accounts WHERE email = 'dee@new.example'"),
        1
    );
    assert_eq!(
        server.count("SELECT count(*) FROM tickets WHERE requester = 'dee@new.example'"),
        1,
        "the ticket follows the address"
    );
    // Every session of the account ended; the new address signs in.
    assert_eq!(dee.get("/my/profile").status, 303);
    let mut again = server.client();
    assert_eq!(again.login("dee@example.com", PASSWORD, "").status, 401);
    assert_eq!(again.login("dee@new.example", PASSWORD, "").status, 303);
    assert_eq!(again.get(&format!("/my/tickets/{reference}")).status, 200);
    // The link works once.
    let form = other_browser.get(&format!("/my/profile/email/confirm?token={token}"));
    assert_eq!(form.status, 400);
}

/// Attack: learning whether an address has an account by trying to move
/// one's own account to it. The answer is the same; the address's owner
/// gets a note, not a link.
#[test]
fn a_taken_address_gets_a_note_and_the_same_answer() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "taken@example.com");
    let mut eve = server.signed_in(Role::Customer, "eve@example.com");
    let r = eve.submit(
        "/my/profile",
        "/my/profile/email",
        &[
            ("new_email", "taken@example.com"),
            ("current_password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/my/profile?done=email"));
    let note = server.wait_for_mail("taken@example.com", "already has an account");
    assert!(!note.contains("token="), "{note}");
    assert_eq!(server.count("SELECT count(*) FROM email_changes"), 0);
}

/// A link confirmed after someone else registered the new address changes
/// nothing: two accounts never share an address.
#[test]
fn a_link_confirmed_after_the_address_was_taken_changes_nothing() {
    let server = TestServer::start();
    let mut fay = server.signed_in(Role::Customer, "fay@example.com");
    let r = fay.submit(
        "/my/profile",
        "/my/profile/email",
        &[
            ("new_email", "fay@new.example"),
            ("current_password", PASSWORD),
        ],
    );
    assert_eq!(r.status, 303);
    let token = common::token_in(&server.wait_for_mail("fay@new.example", "confirm?token="));
    server.add_account(Role::Customer, "fay@new.example");
    let mut browser = server.client();
    let form = browser.get(&format!("/my/profile/email/confirm?token={token}"));
    let r = browser.post(
        "/my/profile/email/confirm",
        &[("token", &token), ("csrf", &form.csrf())],
    );
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(
        server.count("SELECT count(*) FROM accounts WHERE email = 'fay@example.com'"),
        1
    );
    assert_eq!(fay.get("/my/profile").status, 200, "still signed in");
}
