//! IMAP intake against a real Dovecot (tests/support/dovecot.rs): mail in
//! the mailbox becomes tickets and is flagged `\Seen` once stored; new mail
//! arrives through IDLE; STARTTLS works; and the password is never sent to
//! a server whose certificate is not trusted or that offers no TLS.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
#[path = "support/dovecot.rs"]
mod dovecot;
#[path = "support/pki.rs"]
mod pki;

use std::time::Duration;

use common::TestServer;
use dovecot::Dovecot;

fn inquiry(from: &str, subject: &str, message_id: Option<&str>) -> Vec<u8> {
    let id = message_id
        .map(|id| format!("Message-ID: <{id}>\r\n"))
        .unwrap_or_default();
    format!(
        "From: {from}\r\nTo: support@example.com\r\nSubject: {subject}\r\n{id}Date: Fri, 04 Dec 2026 09:00:00 +0000\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{subject}: please help.\r\n"
    )
    .into_bytes()
}

fn sidecar_reading(dovecot: &Dovecot, url: String, trust_test_ca: bool) -> TestServer {
    let ca = dovecot.pki.ca.clone();
    TestServer::start_with(move |c| {
        c.mail.inbound.imap_url = Some(url);
        c.mail.inbound.ca_file = trust_test_ca.then_some(ca);
        // Only IDLE can explain mail that arrives within the test.
        c.mail.inbound.poll_seconds = 3600;
    })
}

#[test]
fn waiting_mail_becomes_tickets_and_new_mail_arrives_through_idle() {
    let dovecot = Dovecot::start();
    dovecot.deliver(&inquiry(
        "ann@example.com",
        "Printer offline",
        Some("p1@example.com"),
    ));
    dovecot.deliver(&inquiry("bob@example.com", "Invoice copy", None));
    // The same message delivered twice (a relay retried) is one message.
    dovecot.deliver(&inquiry(
        "ann@example.com",
        "Printer offline",
        Some("p1@example.com"),
    ));
    let server = sidecar_reading(&dovecot, dovecot.imaps_url(), true);

    dovecot.wait_for_seen(3, 20);
    assert_eq!(server.count("SELECT count(*) FROM tickets"), 2);
    assert_eq!(
        server.count("SELECT count(*) FROM tickets WHERE requester = 'ann@example.com' AND subject = 'Printer offline'"),
        1
    );
    assert_eq!(server.count("SELECT count(*) FROM inbound_mail"), 2);
    server.wait_for_mail("ann@example.com", "[#");

    // The sidecar is now idling: a new message is taken at once.
    dovecot.deliver(&inquiry(
        "cy@example.com",
        "Password reset",
        Some("p3@example.com"),
    ));
    dovecot.wait_for_seen(4, 20);
    assert_eq!(
        server.count("SELECT count(*) FROM tickets WHERE requester = 'cy@example.com'"),
        1
    );
    assert_eq!(dovecot.logins(), 1, "one connection served it all");
    server.stop();
}

#[test]
fn starttls_is_used_for_imap_urls() {
    let dovecot = Dovecot::start();
    dovecot.deliver(&inquiry(
        "dee@example.com",
        "Over STARTTLS",
        Some("s1@example.com"),
    ));
    let server = sidecar_reading(&dovecot, dovecot.imap_url(), true);
    dovecot.wait_for_seen(1, 20);
    assert_eq!(
        server.count("SELECT count(*) FROM tickets WHERE requester = 'dee@example.com'"),
        1
    );
    assert!(dovecot.log().contains("TLS"), "{}", dovecot.log());
}

/// Attack: a man in the middle presents his own certificate to collect the
/// mailbox password. Without a trusted certificate docket never logs in, and
/// the portal keeps serving.
#[test]
fn an_untrusted_certificate_gets_no_password() {
    let dovecot = Dovecot::start();
    dovecot.deliver(&inquiry("eve@example.com", "Hello", Some("u1@example.com")));
    let server = sidecar_reading(&dovecot, dovecot.imaps_url(), false);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(dovecot.logins(), 0, "{}", dovecot.log());
    assert_eq!(dovecot.seen_and_unseen(), (0, 1));
    assert_eq!(server.count("SELECT count(*) FROM tickets"), 0);
    assert_eq!(server.client().get("/login").status, 200);
}

/// Attack: STARTTLS stripping — the server (or someone in between) does not
/// offer TLS, hoping the client logs in in clear. docket refuses.
#[test]
fn a_server_without_starttls_gets_no_password() {
    let dovecot = Dovecot::start_without_tls();
    dovecot.deliver(&inquiry("eve@example.com", "Hello", Some("u2@example.com")));
    let server = sidecar_reading(&dovecot, dovecot.imap_url(), true);
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(dovecot.logins(), 0, "{}", dovecot.log());
    assert!(
        dovecot.log().contains("Disconnected") || dovecot.log().contains("Aborted login"),
        "the client did connect and gave up: {}",
        dovecot.log()
    );
    assert_eq!(server.count("SELECT count(*) FROM tickets"), 0);
}

/// A mistyped URL stops the start with a message naming the key, rather
/// than mail piling up unread.
#[test]
fn a_bad_imap_url_stops_the_start() {
    for (url, fault) in [
        ("pop3://u:p@mail.example.com/INBOX", "scheme"),
        ("imaps://u@mail.example.com/INBOX", "no password"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let options = common::options(dir.path(), |c| {
            c.mail.inbound.imap_url = Some(url.into());
        });
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let Err(err) = rt.block_on(docket_sidecar::Server::bind(options)) else {
            panic!("{url}: the start must fail");
        };
        let err = format!("{err:#}");
        assert!(
            err.contains("imap_url") && err.contains(fault),
            "{url}: {err}"
        );
        assert!(
            !err.contains("u:p@"),
            "the password stays out of messages: {err}"
        );
    }
}
