//! The request log: one line per request, and never a password, token,
//! cookie or CSRF value.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use std::io::Write;
use std::sync::{Arc, Mutex};

use common::{token_in, TestServer, PASSWORD};
use docket_sidecar::Role;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_log_has_a_line_per_request_and_no_secrets() {
    let captured = Captured::default();
    let writer = captured.clone();
    tracing_subscriber::fmt()
        .with_env_filter("debug")
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .init();

    let server = TestServer::start();
    server.add_account(Role::Agent, "agent@example.com");
    let mut agent = server.client();
    agent.login("agent@example.com", PASSWORD, "/internal/");
    let agent_cookie = agent.cookie.clone().unwrap();
    agent.get("/internal/?q=private-query");

    let mut c = server.client();
    c.submit(
        "/register",
        "/register",
        &[
            ("email", "new@example.com"),
            ("password", "registration secret 1"),
        ],
    );
    let verify = token_in(&server.wait_for_mail("new@example.com", "/verify?token="));
    c.verify_address(&verify, "verification secret 1");
    c.submit(
        "/password/forgot",
        "/password/forgot",
        &[("email", "new@example.com")],
    );
    let reset = token_in(&server.wait_for_mail("new@example.com", "/password/reset?token="));
    let csrf = c.get(&format!("/password/reset?token={reset}")).csrf();
    c.post(
        "/password/reset",
        &[
            ("token", &reset),
            ("password", "reset secret 12"),
            ("csrf", &csrf),
        ],
    );
    let anonymous_cookie = c.cookie.clone().unwrap();
    server.stop();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(
        log.contains("method=GET path=/internal/ status=200"),
        "{log}"
    );
    assert!(log.contains("method=POST path=/login status=303"), "{log}");
    assert!(log.contains("latency_ms="), "{log}");
    for secret in [
        PASSWORD,
        "registration secret 1",
        "verification secret 1",
        "reset secret 12",
        verify.as_str(),
        reset.as_str(),
        agent_cookie.as_str(),
        anonymous_cookie.as_str(),
        csrf.as_str(),
        "private-query",
    ] {
        assert!(!log.contains(secret), "the log contains {secret:?}");
    }
}
