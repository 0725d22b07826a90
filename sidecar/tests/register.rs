//! Self-registration, address verification and password reset.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
mod tickets_support;

use common::{token_in, TestServer, PASSWORD};
use docket_sidecar::Role;

fn register(c: &mut common::Client, email: &str, password: &str) -> common::Resp {
    c.submit(
        "/register",
        "/register",
        &[("email", email), ("password", password)],
    )
}

/// The verification link of the newest mail to `email` that holds one.
fn verification_token(server: &TestServer, email: &str) -> String {
    token_in(&server.wait_for_mail(email, "/verify?token="))
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

    // Unverified: no sign-in, with any password.
    let refused = server.client().login("new@example.com", PASSWORD, "");
    assert_eq!(refused.status, 401);

    // The link's page asks for the password; posting it confirms the
    // address and signs in.
    let mut me = server.client();
    let r = me.verify_address(&token, "my chosen password");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Your address is confirmed"));
    let list = me.get("/my/tickets");
    assert_eq!(list.status, 200);
    assert!(!list.body.contains("Confirm your address"));
    assert_eq!(
        server
            .client()
            .login("new@example.com", "my chosen password", "")
            .status,
        303
    );

    // Reused link.
    let r = server.client().get(&format!("/verify?token={token}"));
    assert_eq!(r.status, 400);
    assert!(r.body.contains("invalid, was already used or has expired"));
    let r = server
        .client()
        .verify_address_anyway(&token, "third password 1");
    assert_eq!(r.status, 400);
}

/// Mail scanners and link previewers fetch every link in a message: a GET
/// of the verification link (any number of them) spends and verifies
/// nothing; only the page's form does.
#[test]
fn a_scanner_fetching_the_verification_link_verifies_nothing() {
    let server = TestServer::start();
    register(&mut server.client(), "scanned@example.com", PASSWORD);
    let token = verification_token(&server, "scanned@example.com");
    for _ in 0..2 {
        let page = server.client().get(&format!("/verify?token={token}"));
        assert_eq!(page.status, 200, "{}", page.body);
        assert!(page.body.contains("name=\"password_confirm\""));
    }
    assert_eq!(
        server.count("SELECT COUNT(*) FROM accounts WHERE verified_at IS NOT NULL"),
        0
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM account_tokens WHERE used_at IS NOT NULL"),
        0
    );
    let r = server.client().verify_address(&token, "owner password 1");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM accounts WHERE verified_at IS NOT NULL"),
        1
    );
}

/// The verification form checks the password rules and that both fields
/// match; the token stays usable until it succeeds, and the form needs its
/// CSRF token.
#[test]
fn the_verification_form_checks_the_password_and_csrf() {
    let server = TestServer::start();
    register(&mut server.client(), "kim@example.com", PASSWORD);
    let token = verification_token(&server, "kim@example.com");
    let mut c = server.client();
    let csrf = c.get(&format!("/verify?token={token}")).csrf();
    let post = |c: &mut common::Client, password: &str, confirm: &str, csrf: &str| {
        c.post(
            "/verify",
            &[
                ("token", &token),
                ("password", password),
                ("password_confirm", confirm),
                ("csrf", csrf),
            ],
        )
    };
    let r = post(&mut c, "short", "short", &csrf);
    assert_eq!(r.status, 400);
    assert!(r
        .body
        .contains("id=\"password-error\">Use at least 10 characters"));
    let r = post(
        &mut c,
        "long enough password",
        "another long password",
        &csrf,
    );
    assert_eq!(r.status, 400);
    assert!(r
        .body
        .contains("id=\"confirm-error\">The two passwords differ"));
    assert_eq!(
        post(&mut c, "long enough password", "long enough password", "").status,
        403
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM accounts WHERE verified_at IS NOT NULL"),
        0
    );
    let r = post(
        &mut c,
        "long enough password",
        "long enough password",
        &csrf,
    );
    assert_eq!(r.status, 200, "{}", r.body);
}

/// The attack of issue 14: someone registers the victim's address with a
/// password of their own. They cannot sign in, and nothing they do shows
/// a ticket; the owner's verification (through a fresh link after
/// registering again) sets the owner's password and ends every session of
/// the account, so the squatter's password and session are dead.
#[test]
fn a_squatter_who_registers_the_victims_address_never_reaches_its_tickets() {
    let server = TestServer::start();
    let reference = tickets_support::import_ticket(
        &server,
        "Private matter",
        "victim@example.com",
        "open",
        &[("customer", "my account number is 1234", false)],
    );
    let squatter_password = "squatter password 1";
    let mut squatter = server.client();
    assert_eq!(
        register(&mut squatter, "victim@example.com", squatter_password).status,
        200
    );
    let squatter_token = verification_token(&server, "victim@example.com");
    // No sign-in while unverified.
    let r = squatter.login("victim@example.com", squatter_password, "");
    assert_eq!(r.status, 401, "{}", r.body);
    assert!(squatter
        .get("/api/session")
        .body
        .contains("\"authenticated\":false"));
    // A session of the account (as one signed in under the old rules had)
    // sees nothing either.
    let mut old_session = server.client();
    old_session.cookie = Some("ab".repeat(32));
    let account = server.count("SELECT id FROM accounts WHERE email = 'victim@example.com'");
    server.sql(&format!(
        "INSERT INTO sessions (token_hash, account_id, csrf_token, created_at, last_seen_at, expires_at)
         VALUES ('{}', {account}, '{}', strftime('%s','now'), strftime('%s','now'), strftime('%s','now') + 3600)",
        sha256_hex(&"ab".repeat(32)),
        "cd".repeat(32)
    ));
    for who in [&mut squatter, &mut old_session] {
        // My Tickets sends a signed-out visitor to sign in.
        let list = who.get("/my/tickets");
        assert_eq!(list.header("location"), Some("/login?next=%2Fmy%2Ftickets"));
        assert!(!list.body.contains("Private matter"));
        for path in [
            format!("/my/tickets/{reference}"),
            "/my/tickets/new".to_owned(),
        ] {
            let r = who.get(&path);
            assert_eq!(r.status, 303, "{path}: {}", r.body);
            assert!(!r.body.contains("Private matter"));
        }
        let api = who.get("/api/session");
        assert!(api.body.contains("\"authenticated\":false"), "{}", api.body);
        let r = who.post(
            &format!("/my/tickets/{reference}/reply"),
            &[("body", "hijacked"), ("csrf", &"cd".repeat(32))],
        );
        assert_ne!(r.status, 200);
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_messages"), 1);

    // The owner registers too: the same answer, a fresh link. Verifying
    // sets the owner's password and signs the owner in.
    let mut owner = server.client();
    assert_eq!(
        register(&mut owner, "victim@example.com", "owner password 1").status,
        200
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let owner_token = loop {
        let fresh: Vec<String> = server
            .mails_to("victim@example.com")
            .iter()
            .filter(|m| m.contains("/verify?token=") && !m.contains(&squatter_token))
            .map(|m| token_in(m))
            .collect();
        if let Some(t) = fresh.first() {
            break t.clone();
        }
        assert!(std::time::Instant::now() < deadline, "no fresh link");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let r = owner.verify_address(&owner_token, "owner password 1");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(owner.get("/my/tickets").body.contains("Private matter"));

    // The squatter's password and the old session are dead; so is the
    // squatter's link.
    assert_eq!(
        server
            .client()
            .login("victim@example.com", squatter_password, "")
            .status,
        401
    );
    assert!(!old_session
        .get("/my/tickets")
        .body
        .contains("Private matter"));
    assert!(!old_session
        .get(&format!("/my/tickets/{reference}"))
        .body
        .contains("Private matter"));
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM sessions WHERE account_id = {account}"
        )),
        1,
        "only the verifier's fresh session"
    );
    assert_eq!(
        server
            .client()
            .get(&format!("/verify?token={squatter_token}"))
            .status,
        400
    );
    assert_eq!(
        server
            .client()
            .login("victim@example.com", "owner password 1", "")
            .status,
        303
    );
}

/// Verification ends every session of the account and signs the verifier
/// in with a fresh one (a new cookie, not the one of the form).
#[test]
fn verification_starts_a_fresh_session_for_the_verifier() {
    let server = TestServer::start();
    register(&mut server.client(), "fresh@example.com", PASSWORD);
    let token = verification_token(&server, "fresh@example.com");
    let mut c = server.client();
    c.get(&format!("/verify?token={token}"));
    let before = c.cookie.clone().unwrap();
    let r = c.verify_address(&token, "chosen password 1");
    assert_eq!(r.status, 200);
    let after = c.cookie.clone().unwrap();
    assert_ne!(before, after);
    assert!(c
        .get("/api/session")
        .body
        .contains("\"email\":\"fresh@example.com\""));
}

/// The pages of the mailed verification and reset links hold a live token
/// in their URL: their `Referer` carries the origin alone
/// (`Referrer-Policy: strict-origin`), never the token.
#[test]
fn the_verification_and_reset_pages_keep_their_token_out_of_the_referer() {
    let server = TestServer::start();
    register(&mut server.client(), "ref@example.com", PASSWORD);
    let token = verification_token(&server, "ref@example.com");
    let page = server.client().get(&format!("/verify?token={token}"));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("referrer-policy"), Some("strict-origin"));
    server.client().verify_address(&token, PASSWORD);
    forgot(&mut server.client(), "ref@example.com");
    let reset = token_in(&server.wait_for_mail("ref@example.com", "/password/reset?token="));
    let page = server
        .client()
        .get(&format!("/password/reset?token={reset}"));
    assert_eq!(page.status, 200);
    assert_eq!(page.header("referrer-policy"), Some("strict-origin"));
    assert_eq!(
        server.client().get("/login").header("referrer-policy"),
        Some("same-origin")
    );
}

#[test]
fn an_expired_or_made_up_verification_link_does_nothing() {
    let server = TestServer::start();
    let mut c = server.client();
    register(&mut c, "late@example.com", PASSWORD);
    let token = verification_token(&server, "late@example.com");
    server.sql("UPDATE account_tokens SET expires_at = strftime('%s','now') - 1");
    assert_eq!(c.get(&format!("/verify?token={token}")).status, 400);
    assert_eq!(
        c.verify_address_anyway(&token, "chosen password 1").status,
        400
    );
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
    server.wait_for_count("SELECT COUNT(*) FROM accounts", 2);
}

/// An account still waiting for confirmation gets a fresh link by
/// registering again (the first one expired), with the page anybody gets.
/// No password typed at registration counts: the one chosen on the
/// verification page is the account's.
#[test]
fn registering_an_unconfirmed_address_again_mails_a_fresh_link() {
    let server = TestServer::start();
    let mut c = server.client();
    register(&mut c, "slow@example.com", PASSWORD);
    let first = verification_token(&server, "slow@example.com");
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
    let r = again.verify_address(&second, "chosen at last 1");
    assert_eq!(r.status, 200);
    assert!(r.body.contains("Your address is confirmed"));
    for (password, status) in [
        ("chosen at last 1", 303),
        (PASSWORD, 401),
        ("another password 1", 401),
    ] {
        assert_eq!(
            server
                .client()
                .login("slow@example.com", password, "")
                .status,
            status,
            "{password}"
        );
    }
    server.wait_for_count("SELECT COUNT(*) FROM accounts", 2);
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
    let token = verification_token(&server, "sneaky@example.com");
    assert_eq!(
        server.count("SELECT COUNT(*) FROM accounts WHERE role = 'agent'"),
        0
    );
    let mut me = server.client();
    assert_eq!(me.verify_address(&token, PASSWORD).status, 200);
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
    server.wait_for_count("SELECT COUNT(*) FROM accounts", 2);
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
    // Mail scanners fetch the link: a GET spends nothing.
    for _ in 0..2 {
        let scanned = server
            .client()
            .get(&format!("/password/reset?token={token}"));
        assert_eq!(scanned.status, 200);
    }

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

/// The SHA-256 of `text` as hex: how the store keeps a session token.
fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(text.as_bytes()))
}
