//! Health, the session API, security and cache headers, and the pages that
//! every visitor can open.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use common::TestServer;
use docket_sidecar::Role;

#[test]
fn healthz_answers_ok_when_the_database_answers() {
    let server = TestServer::start();
    let r = server.client().get("/healthz");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "ok\n");
}

#[test]
fn the_session_api_says_who_is_signed_in_and_is_never_cached() {
    let server = TestServer::start();
    let r = server.client().get("/api/session");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, r#"{"authenticated":false}"#);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));

    let mut agent = server.signed_in(Role::Agent, "Agent@Example.com");
    let r = agent.get("/api/session");
    let v: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(v["authenticated"], true);
    assert_eq!(v["email"], "agent@example.com");
    assert_eq!(v["role"], "agent");
    assert_eq!(v["can_open_tickets"], false);
    // The CSRF token lets the static pages' script offer a logout button.
    let csrf = v["csrf"].as_str().unwrap().to_owned();
    let out = agent.post("/logout", &[("csrf", &csrf)]);
    assert_eq!(out.status, 303);
    // The front page then says "You are signed out" (session.js).
    assert_eq!(out.header("location"), Some("/?signed_out=1"));
    assert_eq!(agent.get("/api/session").body, r#"{"authenticated":false}"#);

    // A verified customer may be offered "New ticket" in the login area.
    let mut customer = server.signed_in(Role::Customer, "carol@example.com");
    let v: serde_json::Value = serde_json::from_str(&customer.get("/api/session").body).unwrap();
    assert_eq!(v["can_open_tickets"], true);
}

#[test]
fn without_new_tickets_or_a_public_bundle_the_session_api_and_logout_say_so() {
    let server = TestServer::start_with(|c| {
        c.allow_new_tickets = false;
        c.serve_public = false;
    });
    let mut customer = server.signed_in(Role::Customer, "carol@example.com");
    let v: serde_json::Value = serde_json::from_str(&customer.get("/api/session").body).unwrap();
    assert_eq!(v["can_open_tickets"], false);
    let out = customer.logout();
    assert_eq!(out.header("location"), Some("/login?signed_out=1"));
    let page = customer.get("/login?signed_out=1");
    assert!(
        page.body
            .contains("role=\"status\"><p>You are signed out.</p>"),
        "{}",
        page.body
    );
    // (The header carries the words for session.js in an attribute; the
    // notice itself is what must be absent.)
    assert!(!customer
        .get("/login")
        .body
        .contains("role=\"status\"><p>You are signed out.</p>"));
}

#[test]
fn html_pages_carry_security_headers_and_no_store() {
    let server = TestServer::start();
    let mut c = server.client();
    for path in ["/login", "/register", "/password/forgot", "/internal/"] {
        let r = c.get(path);
        assert_eq!(
            r.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(r.header("x-frame-options"), Some("DENY"), "{path}");
        let csp = r.header("content-security-policy").unwrap();
        assert!(
            csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"),
            "{csp}"
        );
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(
            r.header("cache-control"),
            Some("private, no-store"),
            "{path}"
        );
        assert!(
            r.status != 200 || r.header("content-type").unwrap().starts_with("text/html"),
            "{path}"
        );
    }
}

#[test]
fn portal_pages_have_no_inline_script_or_style() {
    let server = TestServer::start();
    let mut c = server.client();
    for path in [
        "/login",
        "/register",
        "/password/forgot",
        "/password/reset?token=x",
        "/verify?token=x",
    ] {
        let r = c.get(path);
        assert!(r.body.contains("<header class=\"site-header\">"), "{path}");
        assert!(r.body.contains("id=\"login-area\""), "{path}");
        assert!(!r.body.contains("<script>"), "{path}");
        assert!(!r.body.contains("style=\""), "{path}");
        assert!(r.body.contains("src=\"/js/session.js\""), "{path}");
    }
}

#[tokio::test]
async fn the_router_answers_without_a_socket() {
    let dir = tempfile::tempdir().unwrap();
    common::write_bundles(dir.path());
    let app = docket_sidecar::App::new(common::options(dir.path(), |_| {}))
        .await
        .unwrap();
    let req = docket_sidecar::http::Req::new(hyper::Method::GET, "/api/session");
    let resp = docket_sidecar::router::route(&app, req).await;
    assert_eq!(resp.status(), 200);
    let req = docket_sidecar::http::Req::new(hyper::Method::GET, "/internal/");
    let resp = docket_sidecar::router::route(&app, req).await;
    assert_eq!(resp.status(), 303);
    assert_eq!(resp.headers()["location"], "/login?next=%2Finternal%2F");
    let req = docket_sidecar::http::Req::new(hyper::Method::DELETE, "/login");
    assert_eq!(docket_sidecar::router::route(&app, req).await.status(), 404);
}

#[test]
fn a_database_from_the_future_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let options = common::options(dir.path(), |_| {});
    let conn = rusqlite::Connection::open(&options.database).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(docket_sidecar::Server::bind(options))
        .unwrap_err();
    assert!(
        format!("{err:#}").contains("newer than this docket"),
        "{err:#}"
    );
}

/// Defect 8: a theme without portal templates (or no theme folder at all)
/// stopped the start; the built-in templates fill in, as for the
/// generator. A template that does not parse still stops it, clearly.
#[test]
fn missing_portal_templates_come_built_in_and_a_broken_one_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut options = common::options(dir.path(), |_| {});
    options.templates_dir = dir.path().join("no-theme");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = rt.block_on(docket_sidecar::Server::bind(options.clone()));
    assert!(server.is_ok(), "{:#}", server.err().unwrap());
    drop(server);

    let theme = dir.path().join("broken");
    std::fs::create_dir_all(theme.join("portal")).unwrap();
    std::fs::write(theme.join("portal/login.html"), "{% if %}").unwrap();
    options.templates_dir = theme;
    options.database = dir.path().join("other.db");
    let err = rt
        .block_on(docket_sidecar::Server::bind(options))
        .unwrap_err();
    assert!(format!("{err:#}").contains("portal templates"), "{err:#}");
}

#[test]
fn an_unexpected_failure_shows_a_plain_500_page_without_internals() {
    let server = TestServer::start();
    // A visitor with a session cookie: the page looks the session up.
    let mut c = server.client();
    c.get("/login");
    server.sql("DROP TABLE sessions");
    let r = c.get("/login");
    assert_eq!(r.status, 500);
    assert!(r.body.contains("Something went wrong"));
    assert!(!r.body.contains("no such table"));
    assert!(!r.body.contains("sessions"));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
}

#[test]
fn the_client_address_comes_from_x_forwarded_for_only_when_trusted() {
    for trusted in [false, true] {
        let server = TestServer::start_with(|c| {
            c.rate_limit_per_client = 1;
            c.trust_forwarded_for = trusted;
        });
        let mut statuses = Vec::new();
        for ip in ["10.0.0.1", "10.0.0.2"] {
            let mut c = server.client();
            let csrf = c.get("/login").csrf();
            let body = format!("csrf={csrf}&email=x%40example.com&password=wrong+password");
            let origin = server.origin();
            let r = c.send(
                "POST",
                "/login",
                &[
                    ("Content-Type", "application/x-www-form-urlencoded"),
                    ("Origin", &origin),
                    ("X-Forwarded-For", ip),
                ],
                Some(body.as_bytes()),
            );
            statuses.push(r.status);
        }
        let expected = if trusted {
            vec![401, 401]
        } else {
            vec![401, 429]
        };
        assert_eq!(statuses, expected, "trusted = {trusted}");
    }
}

#[test]
fn bad_mail_settings_stop_the_start_with_a_clear_error() {
    for (tweak, expected) in [
        (
            (|c: &mut docket_sidecar::SidecarConfig| {
                c.mail.smtp_url = Some("smtps://mail.example.com".into());
                c.mail.smtp_tls = "none".into();
            }) as fn(&mut docket_sidecar::SidecarConfig),
            "[sidecar.mail] smtp_tls",
        ),
        (
            |c| c.mail.smtp_tls = "optional".into(),
            "[sidecar.mail] smtp_tls",
        ),
        (
            |c| {
                c.mail.smtp_url = Some("smtp://mail.example.com".into());
                c.mail.smtp_ca_file = Some("missing.pem".into());
            },
            "[sidecar.mail] smtp_ca_file",
        ),
        (
            |c| c.mail.reply_to = Some("not an address".into()),
            "[sidecar.mail] reply_to",
        ),
        (
            |c| c.mail.from = "not an address".into(),
            "[sidecar.mail] from",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let options = common::options(dir.path(), tweak);
        let err = tokio::runtime::Runtime::new()
            .unwrap()
            .block_on(docket_sidecar::Server::bind(options))
            .unwrap_err();
        assert!(format!("{err:#}").contains(expected), "{err:#}");
    }
}

#[tokio::test]
async fn a_site_can_override_a_portal_template() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("templates/portal")).unwrap();
    std::fs::write(
        dir.path().join("templates/portal/404.html"),
        "{% extends \"portal/layout.html\" %}{% block main %}<p>Our own 404</p>{% endblock main %}",
    )
    .unwrap();
    let options = common::options(dir.path(), |c| c.serve_public = false);
    let app = docket_sidecar::App::new(options).await.unwrap();
    let req = docket_sidecar::http::Req::new(hyper::Method::GET, "/nothing");
    let resp = docket_sidecar::router::route(&app, req).await;
    assert_eq!(resp.status(), 404);
    let body = http_body_util::BodyExt::collect(resp.into_body())
        .await
        .unwrap()
        .to_bytes();
    assert!(String::from_utf8_lossy(&body).contains("Our own 404"));
}
