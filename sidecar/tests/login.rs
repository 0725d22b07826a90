//! Login, logout and sessions: the security floor of DESIGN.md.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use common::{TestServer, PASSWORD};
use docket_sidecar::Role;

fn is_signed_in(c: &mut common::Client) -> bool {
    c.get("/api/session")
        .body
        .contains("\"authenticated\":true")
}

#[test]
fn a_correct_login_goes_to_the_roles_home_and_sets_a_strict_cookie() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "carol@example.com");
    let mut c = server.client();
    let r = c.login("  CAROL@example.com ", PASSWORD, "");
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.header("location"), Some("/my/tickets"));
    let cookie = r.header("set-cookie").unwrap();
    for part in ["docket_session=", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "{cookie}");
    assert!(is_signed_in(&mut c));
}

#[test]
fn the_cookie_is_secure_when_configured() {
    let server = TestServer::start_with(|c| c.cookie_secure = true);
    let r = server.client().get("/login");
    assert!(r.header("set-cookie").unwrap().contains("Secure"));
}

#[test]
fn agents_go_to_the_inbox_and_next_is_honoured_for_same_site_paths() {
    let server = TestServer::start();
    server.add_account(Role::Agent, "agent@example.com");
    let mut c = server.client();
    assert_eq!(
        c.login("agent@example.com", PASSWORD, "")
            .header("location"),
        Some("/agent/tickets")
    );
    let mut c = server.client();
    let r = c.login("agent@example.com", PASSWORD, "/internal/runbooks/refunds/");
    assert_eq!(r.header("location"), Some("/internal/runbooks/refunds/"));
}

#[test]
fn open_redirect_attempts_land_on_the_home_page_instead() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "carol@example.com");
    for evil in [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "http:evil.example",
        "/%0d%0aSet-Cookie:x=1",
        " //evil.example",
    ] {
        let mut c = server.client();
        let r = c.login("carol@example.com", PASSWORD, evil);
        assert_eq!(r.status, 303, "{evil}");
        let location = r.header("location").unwrap();
        assert!(
            location == "/my/tickets" || location == evil && location.starts_with("/%"),
            "{evil} -> {location}"
        );
    }
    // The login page's own `next` is filtered the same way.
    let r = server
        .client()
        .get("/login?next=https%3A%2F%2Fevil.example");
    assert!(!r.body.contains("evil.example"));
}

#[test]
fn wrong_password_and_unknown_address_get_the_same_401() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "carol@example.com");
    let mut a = server.client();
    let wrong = a.login("carol@example.com", "not the password", "");
    let mut b = server.client();
    let unknown = b.login("nobody@example.com", "not the password", "");
    assert_eq!(wrong.status, 401);
    assert_eq!(unknown.status, 401);
    assert_eq!(
        wrong.comparable("carol@example.com"),
        unknown.comparable("nobody@example.com")
    );
    assert!(wrong.body.contains("Wrong e-mail address or password."));
    // The form keeps what was typed, except the password.
    assert!(wrong.body.contains("value=\"carol@example.com\""));
    assert!(!wrong.body.contains("not the password"));
    assert!(!is_signed_in(&mut a));
}

#[test]
fn the_session_token_and_csrf_token_change_at_login() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "carol@example.com");
    let mut c = server.client();
    let page = c.get("/login");
    let anonymous_cookie = c.cookie.clone().unwrap();
    let anonymous_csrf = page.csrf();
    let r = c.post(
        "/login",
        &[
            ("email", "carol@example.com"),
            ("password", PASSWORD),
            ("csrf", &anonymous_csrf),
        ],
    );
    assert_eq!(r.status, 303);
    let new_cookie = c.cookie.clone().unwrap();
    assert_ne!(anonymous_cookie, new_cookie);
    assert_eq!(new_cookie.len(), 64);
    let new_csrf = c.get("/my/tickets").csrf();
    assert_ne!(anonymous_csrf, new_csrf);
    // The pre-login cookie is dead: fixing a victim's session gains nothing.
    let mut old = server.client();
    old.cookie = Some(anonymous_cookie);
    assert!(!is_signed_in(&mut old));
    // The pre-login CSRF token no longer works for the new session.
    assert_eq!(c.post("/logout", &[("csrf", &anonymous_csrf)]).status, 403);
    assert!(is_signed_in(&mut c));
}

#[test]
fn sessions_are_stored_hashed() {
    let server = TestServer::start();
    let c = server.signed_in(Role::Customer, "carol@example.com");
    let token = c.cookie.unwrap();
    let found = server.count(&format!(
        "SELECT COUNT(*) FROM sessions WHERE token_hash = '{token}'"
    ));
    assert_eq!(found, 0);
}

#[test]
fn logout_ends_the_session_on_the_server() {
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Customer, "carol@example.com");
    let stolen = c.cookie.clone();
    let r = c.logout();
    assert_eq!(r.status, 303);
    assert!(r.header("set-cookie").unwrap().contains("Max-Age=0"));
    let mut thief = server.client();
    thief.cookie = stolen;
    assert!(!is_signed_in(&mut thief));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM sessions WHERE account_id IS NOT NULL"),
        0
    );
}

#[test]
fn idle_and_absolutely_expired_sessions_are_over() {
    let server = TestServer::start();
    let mut idle = server.signed_in(Role::Customer, "idle@example.com");
    let mut old = server.signed_in(Role::Customer, "old@example.com");
    let mut fresh = server.signed_in(Role::Customer, "fresh@example.com");
    server.sql(
        "UPDATE sessions SET last_seen_at = last_seen_at - 121 * 60
           WHERE account_id = (SELECT id FROM accounts WHERE email = 'idle@example.com');
         UPDATE sessions SET expires_at = strftime('%s','now') - 1
           WHERE account_id = (SELECT id FROM accounts WHERE email = 'old@example.com');",
    );
    assert!(!is_signed_in(&mut idle));
    assert!(!is_signed_in(&mut old));
    assert!(is_signed_in(&mut fresh));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM sessions WHERE account_id IS NOT NULL"),
        1
    );
}

#[test]
fn csrf_missing_wrong_or_from_another_origin_is_403_and_changes_nothing() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "carol@example.com");
    let creds = [("email", "carol@example.com"), ("password", PASSWORD)];

    let mut c = server.client();
    let csrf = c.get("/login").csrf();
    // Missing token.
    assert_eq!(c.post("/login", &creds).status, 403);
    // Wrong token (same length, one character off).
    let mut wrong = csrf.clone();
    wrong.replace_range(0..1, if csrf.starts_with('a') { "b" } else { "a" });
    let mut fields = creds.to_vec();
    fields.push(("csrf", &wrong));
    assert_eq!(c.post("/login", &fields).status, 403);
    // Right token, foreign origin.
    let mut fields = creds.to_vec();
    fields.push(("csrf", &csrf));
    c.origin = Some("https://evil.example".into());
    let r = c.post("/login", &fields);
    assert_eq!(r.status, 403);
    assert!(r.body.contains("Not allowed"));
    // Right token, neither Origin nor Referer.
    c.origin = None;
    assert_eq!(c.post("/login", &fields).status, 403);
    // Right token, no session cookie at all.
    let mut cookieless = server.client();
    assert_eq!(cookieless.post("/login", &fields).status, 403);
    assert!(!is_signed_in(&mut c));
    // A same-site Referer is accepted when Origin is absent.
    let referer = format!("{}/login", server.origin());
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&fields)
        .finish();
    let r = c.send(
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Referer", &referer),
        ],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 303);
    assert!(is_signed_in(&mut c));
}

#[test]
fn logout_without_a_valid_csrf_token_keeps_the_session() {
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Customer, "carol@example.com");
    assert_eq!(c.post("/logout", &[]).status, 403);
    assert_eq!(c.post("/logout", &[("csrf", "x")]).status, 403);
    assert!(is_signed_in(&mut c));
}

#[test]
fn too_many_attempts_on_one_account_get_429_with_retry_after() {
    let server = TestServer::start_with(|c| c.rate_limit_per_account = 3);
    server.add_account(Role::Customer, "carol@example.com");
    let mut c = server.client();
    for _ in 0..3 {
        assert_eq!(
            c.login("carol@example.com", "wrong password!", "").status,
            401
        );
    }
    let r = c.login("carol@example.com", PASSWORD, "");
    assert_eq!(r.status, 429);
    let retry: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
    assert!(r.body.contains("Too many attempts"));
    assert!(!is_signed_in(&mut c));
    // Another account is not affected.
    server.add_account(Role::Customer, "dave@example.com");
    assert_eq!(
        server
            .client()
            .login("dave@example.com", PASSWORD, "")
            .status,
        303
    );
}

#[test]
fn too_many_attempts_from_one_client_get_429() {
    let server = TestServer::start_with(|c| c.rate_limit_per_client = 4);
    let mut c = server.client();
    for i in 0..4 {
        let r = c.login(&format!("user{i}@example.com"), "wrong password!", "");
        assert_eq!(r.status, 401);
    }
    let r = c.login("user9@example.com", "wrong password!", "");
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
}

#[test]
fn a_signed_in_visitor_opening_login_goes_on() {
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Customer, "carol@example.com");
    let r = c.get("/login");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/my/tickets"));
}

#[test]
fn ticket_homes_need_the_right_role() {
    let server = TestServer::start();
    let mut anonymous = server.client();
    // Signed out, My Tickets sends to sign in and back, as the contract
    // says (it used to answer 200 with the ticket-link form); the login
    // page links the ticket-link form.
    let r = anonymous.get("/my/tickets?status=open");
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/login?next=%2Fmy%2Ftickets%3Fstatus%3Dopen")
    );
    let login = anonymous.get("/login?next=%2Fmy%2Ftickets%3Fstatus%3Dopen");
    assert!(
        login.body.contains("href=\"/my/tickets/link\""),
        "{}",
        login.body
    );
    let r = anonymous.get("/agent/tickets?status=open");
    assert_eq!(r.status, 303);
    assert_eq!(
        r.header("location"),
        Some("/login?next=%2Fagent%2Ftickets%3Fstatus%3Dopen")
    );
    let mut customer = server.signed_in(Role::Customer, "carol@example.com");
    assert_eq!(customer.get("/my/tickets").status, 200);
    assert_eq!(customer.get("/agent/tickets").status, 403);
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    assert_eq!(agent.get("/agent/tickets").status, 200);
    assert_eq!(agent.get("/my/tickets").status, 403);
}

#[test]
fn unknown_addresses_take_as_long_as_wrong_passwords() {
    // A cost high enough that skipping Argon2 would show.
    let server = TestServer::start_with(|c| {
        c.password_memory_kib = 8 * 1024;
        c.password_iterations = 2;
        c.rate_limit_per_client = 1000;
        c.rate_limit_per_account = 1000;
    });
    server.add_account(Role::Customer, "carol@example.com");
    let mut c = server.client();
    let csrf = c.get("/login").csrf();
    let mut time = |email: &str| {
        let started = std::time::Instant::now();
        let r = c.post(
            "/login",
            &[
                ("email", email),
                ("password", "wrong password!"),
                ("csrf", &csrf),
            ],
        );
        assert_eq!(r.status, 401);
        started.elapsed()
    };
    let mut known = Vec::new();
    let mut unknown = Vec::new();
    for _ in 0..5 {
        known.push(time("carol@example.com"));
        unknown.push(time("nobody@example.com"));
    }
    known.sort();
    unknown.sort();
    let (k, u) = (known[2].as_secs_f64(), unknown[2].as_secs_f64());
    assert!(u > k / 3.0 && u < k * 3.0, "known {k:.4}s, unknown {u:.4}s");
}

/// With `cookie_secure` the session cookie is `__Host-docket_session`
/// (`Secure`, `Path=/`, no `Domain`), so a sibling subdomain or a plain-HTTP
/// page cannot plant or shadow it; only that name is read.
#[test]
fn with_cookie_secure_the_session_cookie_has_the_host_prefix() {
    let server = TestServer::start_with(|c| c.cookie_secure = true);
    server.add_account(Role::Customer, "carol@example.com");
    let mut c = server.client();
    let form = c.get("/login");
    let set = form.header("set-cookie").expect("a session cookie");
    assert!(set.starts_with("__Host-docket_session="), "{set}");
    for part in ["Secure", "Path=/", "HttpOnly"] {
        assert!(set.contains(part), "{part} in {set}");
    }
    assert!(!set.contains("Domain"), "{set}");
    let value = |set: &str| {
        set.trim_start_matches("__Host-docket_session=")
            .split(';')
            .next()
            .unwrap_or_default()
            .to_owned()
    };
    let anonymous = format!("__Host-docket_session={}", value(set));
    let body = format!(
        "email=carol%40example.com&password={}&csrf={}",
        PASSWORD.replace(' ', "+"),
        form.csrf()
    );
    let origin = server.origin();
    let r = c.send(
        "POST",
        "/login",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", &origin),
            ("Cookie", &anonymous),
        ],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let signed_in = value(r.header("set-cookie").expect("a new session cookie"));
    let api = c.get_with(
        "/api/session",
        &[("Cookie", &format!("__Host-docket_session={signed_in}"))],
    );
    assert!(api.body.contains("\"authenticated\":true"), "{}", api.body);
    // The unprefixed name is not read when the prefix is in force.
    let api = c.get_with(
        "/api/session",
        &[("Cookie", &format!("docket_session={signed_in}"))],
    );
    assert!(api.body.contains("\"authenticated\":false"), "{}", api.body);
}

/// Lock-out: a guesser's wrong passwords on an account block the guesser's
/// client, not the owner, who signs in with the right password from
/// another address.
#[test]
fn a_guesser_elsewhere_does_not_lock_the_owner_out() {
    let server = TestServer::start_with(|c| {
        c.rate_limit_per_account = 3;
        c.trust_forwarded_for = true;
    });
    server.add_account(Role::Customer, "carol@example.com");
    let login_from = |ip: &str, password: &str| {
        let mut c = server.client();
        let csrf = c.get("/login").csrf();
        let body = format!(
            "csrf={csrf}&email=carol%40example.com&password={}",
            password.replace(' ', "+")
        );
        let origin = server.origin();
        c.send(
            "POST",
            "/login",
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Origin", &origin),
                ("X-Forwarded-For", ip),
            ],
            Some(body.as_bytes()),
        )
        .status
    };
    let guesses: Vec<u16> = (0..10)
        .map(|_| login_from("203.0.113.9", "wrong password!"))
        .collect();
    assert_eq!(&guesses[..3], &[401, 401, 401]);
    assert!(guesses[3..].iter().all(|s| *s == 429), "{guesses:?}");
    // The guesser stays blocked, even with the right password...
    assert_eq!(login_from("203.0.113.9", PASSWORD), 429);
    // ... while the owner, elsewhere, signs in.
    assert_eq!(login_from("198.51.100.7", PASSWORD), 303);
}

/// Anonymous visitors cost the store nothing: cookieless GETs of the form
/// pages write no session row (before, every one wrote a row, so a script
/// could fill the database), and the forms still work with the cookie
/// they hand out; a form's token works only with its own cookie.
#[test]
fn cookieless_form_pages_write_no_session_rows() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "carol@example.com");
    for _ in 0..34 {
        for path in ["/login", "/register", "/password/forgot"] {
            let r = server.client().get(path);
            assert_eq!(r.status, 200, "{path}");
            assert!(r.header("set-cookie").is_some(), "{path}");
        }
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM sessions"), 0);

    let mut other = server.client();
    let other_csrf = other.get("/login").csrf();
    let mut c = server.client();
    let csrf = c.get("/login").csrf();
    assert_ne!(csrf, other_csrf);
    let attempt = |c: &mut common::Client, csrf: &str| {
        c.post(
            "/login",
            &[
                ("email", "carol@example.com"),
                ("password", PASSWORD),
                ("csrf", csrf),
            ],
        )
        .status
    };
    assert_eq!(attempt(&mut c, &other_csrf), 403);
    assert_eq!(attempt(&mut c, &csrf), 303);
    assert_eq!(server.count("SELECT COUNT(*) FROM sessions"), 1);
    assert_eq!(
        server
            .client()
            .submit(
                "/password/forgot",
                "/password/forgot",
                &[("email", "carol@example.com")]
            )
            .status,
        200
    );
    assert_eq!(
        server
            .client()
            .submit("/register", "/register", &[("email", "new@example.com")])
            .status,
        200
    );
    assert!(is_signed_in(&mut c));
    assert_eq!(c.logout().status, 303);
    assert_eq!(server.count("SELECT COUNT(*) FROM sessions"), 0);
}
