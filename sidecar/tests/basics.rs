//! Health, the session API, security and cache headers, and the pages that
//! every visitor can open.

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
