//! Self-registration, address verification and password reset.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use common::{token_in, TestServer, PASSWORD};
use docket_sidecar::Role;

fn register(c: &mut common::Client, email: &str, password: &str) -> common::Resp {
    c.submit(
        "/register",
        "/register",
        &[("email", email), ("password", password)],
    )
}

#[test]
fn registration_makes_an_unverified_customer_and_mails_a_single_use_link() {
    let server = TestServer::start();
    let mut c = server.client();
    let r = register(&mut c, " New@Example.com ", PASSWORD);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Check your mail"));
    let mail = server.wait_for_mail("new@example.com", "/verify?token=");
    for header in [
        "Date: ",
        "Message-ID: ",
        "From: support@example.com",
        "Subject: ",
    ] {
        assert!(mail.contains(header), "{header} in {mail}");
    }
    assert!(mail.contains("https://help.example.com/verify?token="));
    let token = token_in(&mail);
    // The token is stored hashed.
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM account_tokens WHERE token_hash = '{token}'"
        )),
        0
    );

    // Unverified: can log in, sees no tickets.
    let mut me = server.client();
    assert_eq!(me.login("new@example.com", PASSWORD, "").status, 303);
    let page = me.get("/my/tickets");
    assert!(page.body.contains("Confirm your address"), "{}", page.body);
    assert!(
        page.body.contains("\"role\"")
            || me
                .get("/api/session")
                .body
                .contains("\"role\":\"customer\"")
    );

    let r = me.get(&format!("/verify?token={token}"));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Your address is confirmed"));
    assert!(!me.get("/my/tickets").body.contains("Confirm your address"));

    // Reused link.
    let r = server.client().get(&format!("/verify?token={token}"));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("invalid, was already used or has expired"));
}

#[test]
fn an_expired_or_made_up_verification_link_does_nothing() {
    let server = TestServer::start();
    let mut c = server.client();
    register(&mut c, "late@example.com", PASSWORD);
    let token = token_in(&server.wait_for_mail("late@example.com", "/verify?token="));
    server.sql("UPDATE account_tokens SET expires_at = strftime('%s','now') - 1");
    assert_eq!(c.get(&format!("/verify?token={token}")).status, 400);
    assert_eq!(
        c.get(&format!("/verify?token={}", "0".repeat(64))).status,
        400
    );
    assert_eq!(c.get("/verify?token=../../etc/passwd").status, 400);
    assert_eq!(c.get("/verify").status, 400);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM accounts WHERE verified_at IS NOT NULL"),
        0
    );
}

#[test]
fn re_registering_a_taken_address_changes_nothing_and_reveals_nothing() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "taken@example.com");
    let mut fresh = server.client();
    let free = register(&mut fresh, "free@example.com", "another password 1");
    let mut attacker = server.client();
    let taken = register(&mut attacker, "taken@example.com", "another password 1");
    assert_eq!(free.status, taken.status);
    assert_eq!(
        free.comparable("free@example.com"),
        taken.comparable("taken@example.com")
    );
    // The owner is told; the password is unchanged.
    let mail = server.wait_for_mail("taken@example.com", "already has an account");
    assert!(!mail.contains("token="));
    assert_eq!(
        server
            .client()
            .login("taken@example.com", PASSWORD, "")
            .status,
        303
    );
    assert_eq!(
        server
            .client()
            .login("taken@example.com", "another password 1", "")
            .status,
        401
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts"), 2);
}

/// An account still waiting for confirmation gets a fresh link by
/// registering again (the first one expired); the password stays, and the
/// page is the one anybody gets.
#[test]
fn registering_an_unconfirmed_address_again_mails_a_fresh_link() {
    let server = TestServer::start();
    let mut c = server.client();
    register(&mut c, "slow@example.com", PASSWORD);
    let first = token_in(&server.wait_for_mail("slow@example.com", "/verify?token="));
    server.sql("UPDATE account_tokens SET expires_at = strftime('%s','now') - 1");
    assert_eq!(c.get(&format!("/verify?token={first}")).status, 400);

    let mut again = server.client();
    let r = register(&mut again, "slow@example.com", "another password 1");
    assert_eq!(r.status, 200);
    let mut fresh = server.client();
    let other = register(&mut fresh, "someone-new@example.com", "another password 1");
    assert_eq!(
        r.comparable("slow@example.com"),
        other.comparable("someone-new@example.com")
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mails = loop {
        let mails = server.mails_to("slow@example.com");
        if mails.len() >= 2 || std::time::Instant::now() > deadline {
            break mails;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert_eq!(mails.len(), 2, "{mails:?}");
    let newer: Vec<&String> = mails.iter().filter(|m| !m.contains(&first)).collect();
    assert_eq!(newer.len(), 1, "{mails:?}");
    assert!(!newer[0].contains("already has an account"));
    let second = token_in(newer[0]);
    assert_ne!(first, second);
    let r = again.get(&format!("/verify?token={second}"));
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Your address is confirmed"));
    // The password is the one chosen first.
    assert_eq!(
        server
            .client()
            .login("slow@example.com", PASSWORD, "")
            .status,
        303
    );
    assert_eq!(
        server
            .client()
            .login("slow@example.com", "another password 1", "")
            .status,
        401
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts"), 2);
}

#[test]
fn the_signup_role_is_always_customer() {
    let server = TestServer::start();
    let mut c = server.client();
    let csrf = c.get("/register").csrf();
    c.post(
        "/register",
        &[
            ("email", "sneaky@example.com"),
            ("password", PASSWORD),
            ("role", "agent"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM accounts WHERE role = 'agent'"),
        0
    );
    let mut me = server.client();
    me.login("sneaky@example.com", PASSWORD, "");
    assert!(me
        .get("/api/session")
        .body
        .contains("\"role\":\"customer\""));
    assert_eq!(me.get("/internal/").status, 403);
}

#[test]
fn registration_errors_appear_beside_the_field_and_keep_the_address() {
    let server = TestServer::start();
    let mut c = server.client();
    let r = register(&mut c, "kim@example.com", "short");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("value=\"kim@example.com\""));
    assert!(
        r.body
            .contains("id=\"password-error\">Use at least 10 characters"),
        "{}",
        r.body
    );
    let r = register(&mut c, "not-an-address", PASSWORD);
    assert_eq!(r.status, 400);
    assert!(r
        .body
        .contains("id=\"email-error\">Enter a valid e-mail address"));
    assert!(r.body.contains("value=\"not-an-address\""));
    let r = register(&mut c, "<script>x</script>@example.com", PASSWORD);
    assert!(!r.body.contains("<script>x"), "typed values are escaped");
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts"), 0);
}

#[test]
fn registration_can_be_switched_off() {
    let server = TestServer::start_with(|c| c.allow_registration = false);
    let mut c = server.client();
    assert_eq!(c.get("/register").status, 404);
    let csrf = c.get("/login").csrf();
    assert_eq!(
        c.post(
            "/register",
            &[
                ("email", "a@example.com"),
                ("password", PASSWORD),
                ("csrf", &csrf)
            ]
        )
        .status,
        404
    );
}

#[test]
fn registration_needs_a_csrf_token_and_is_rate_limited() {
    let server = TestServer::start_with(|c| c.rate_limit_per_client = 2);
    let mut c = server.client();
    c.get("/register");
    assert_eq!(
        c.post(
            "/register",
            &[("email", "a@example.com"), ("password", PASSWORD)]
        )
        .status,
        403
    );
    assert_eq!(register(&mut c, "a@example.com", PASSWORD).status, 200);
    assert_eq!(register(&mut c, "b@example.com", PASSWORD).status, 200);
    let r = register(&mut c, "c@example.com", PASSWORD);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    assert_eq!(server.count("SELECT COUNT(*) FROM accounts"), 2);
}

fn forgot(c: &mut common::Client, email: &str) -> common::Resp {
    c.submit("/password/forgot", "/password/forgot", &[("email", email)])
}

#[test]
fn a_password_reset_link_sets_a_new_password_once_and_ends_other_sessions() {
    let server = TestServer::start();
    let mut other_device = server.signed_in(Role::Customer, "carol@example.com");
    let mut c = server.client();
    let known = forgot(&mut c, "Carol@Example.com");
    let unknown = forgot(&mut server.client(), "nobody@example.com");
    assert_eq!(known.status, 200);
    assert_eq!(unknown.status, 200);
    assert_eq!(known.comparable("-"), unknown.comparable("-"));
    assert!(server.mails_to("nobody@example.com").is_empty());
    let mail = server.wait_for_mail("carol@example.com", "/password/reset?token=");
    let token = token_in(&mail);

    let page = c.get(&format!("/password/reset?token={token}"));
    assert_eq!(page.status, 200);
    assert!(page.body.contains(&format!("value=\"{token}\"")));
    // A password that breaks the rules: the error sits beside the field.
    let csrf = page.csrf();
    let r = c.post(
        "/password/reset",
        &[("token", &token), ("password", "short"), ("csrf", &csrf)],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("id=\"password-error\""));
    let r = c.post(
        "/password/reset",
        &[
            ("token", &token),
            ("password", "brand new password"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Password changed"));

    assert!(
        !other_device.get("/api/session").body.contains("true"),
        "other sessions end"
    );
    assert_eq!(
        server
            .client()
            .login("carol@example.com", PASSWORD, "")
            .status,
        401
    );
    assert_eq!(
        server
            .client()
            .login("carol@example.com", "brand new password", "")
            .status,
        303
    );

    // Single use.
    let page = c.get(&format!("/password/reset?token={token}"));
    assert_eq!(page.status, 400);
    assert!(page.body.contains("already used or has expired"));
    let csrf = c.get("/password/forgot").csrf();
    let r = c.post(
        "/password/reset",
        &[
            ("token", &token),
            ("password", "third password!"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        server
            .client()
            .login("carol@example.com", "third password!", "")
            .status,
        401
    );
}

#[test]
fn an_expired_reset_link_is_refused() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "carol@example.com");
    let mut c = server.client();
    forgot(&mut c, "carol@example.com");
    let token = token_in(&server.wait_for_mail("carol@example.com", "/password/reset?token="));
    server.sql("UPDATE account_tokens SET expires_at = strftime('%s','now') - 1");
    assert_eq!(c.get(&format!("/password/reset?token={token}")).status, 400);
    let csrf = c.get("/password/forgot").csrf();
    let r = c.post(
        "/password/reset",
        &[
            ("token", &token),
            ("password", "brand new password"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(r.status, 400);
    assert_eq!(
        server
            .client()
            .login("carol@example.com", PASSWORD, "")
            .status,
        303
    );
}

#[test]
fn forgot_checks_the_address_and_csrf_and_is_rate_limited_per_address() {
    let server = TestServer::start_with(|c| c.rate_limit_per_account = 2);
    server.add_account(Role::Customer, "carol@example.com");
    let mut c = server.client();
    let r = forgot(&mut c, "carol");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("id=\"email-error\""));
    assert!(r.body.contains("value=\"carol\""));
    assert_eq!(
        c.post("/password/forgot", &[("email", "carol@example.com")])
            .status,
        403
    );
    assert_eq!(forgot(&mut c, "carol@example.com").status, 200);
    assert_eq!(
        forgot(&mut server.client(), "carol@example.com").status,
        200
    );
    let r = forgot(&mut server.client(), "carol@example.com");
    assert_eq!(r.status, 429);
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert_eq!(server.mails_to("carol@example.com").len(), 2);
}
