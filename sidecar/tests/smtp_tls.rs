//! Mail over SMTP with TLS, against a real server: aiosmtpd run by
//! `tests/support/smtp_tls_server.py` with a certificate made here by a
//! throwaway CA. STARTTLS is required and AUTH checked; implicit TLS
//! (`smtps://`) works; a server that offers no STARTTLS, or one whose
//! certificate is not trusted, gets nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
#[path = "support/pki.rs"]
mod pki;
mod tickets_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{decode_qp, TestServer, PASSWORD};
use docket_sidecar::Role;
use pki::{free_port, make_pki, Pki};
use tickets_support::{agent_reply, open_ticket};

const USER: &str = "relay-user";
/// The password as the server checks it; in the URL its `@` is `%40`.
const SECRET: &str = "p@ss word";
const SECRET_IN_URL: &str = "p%40ss%20word";

/// The Python server; killed when dropped.
struct SmtpServer {
    child: Child,
    maildir: PathBuf,
    port: u16,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_smtp(dir: &Path, mode: &str, pki: Option<&Pki>) -> SmtpServer {
    start_smtp_rejecting(dir, mode, pki, &[])
}

/// [`start_smtp`] refusing the `reject` recipients with a 550.
fn start_smtp_rejecting(dir: &Path, mode: &str, pki: Option<&Pki>, reject: &[&str]) -> SmtpServer {
    let port = free_port();
    let maildir = dir.join(format!("maildir-{mode}"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/smtp_tls_server.py");
    let mut cmd = Command::new("python3");
    cmd.arg(script)
        .args(["--port", &port.to_string(), "--mode", mode])
        .args(["--user", USER, "--password", SECRET])
        .arg("--maildir")
        .arg(&maildir);
    for address in reject {
        cmd.args(["--reject", address]);
    }
    if let Some(pki) = pki {
        cmd.arg("--cert").arg(&pki.cert).arg("--key").arg(&pki.key);
    }
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start python3 (aiosmtpd is needed: scripts/setup-test-deps)");
    let mut server = SmtpServer {
        child,
        maildir,
        port,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Ok(Some(status)) = server.child.try_wait() {
            panic!("the SMTP test server exited ({status}); is aiosmtpd installed?");
        }
        assert!(
            Instant::now() < deadline,
            "the SMTP server did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

/// Every message in the maildir.
fn messages(smtp: &SmtpServer) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        if let Ok(entries) = std::fs::read_dir(smtp.maildir.join(sub)) {
            for entry in entries.flatten() {
                out.push(decode_qp(&std::fs::read_to_string(entry.path()).unwrap()));
            }
        }
    }
    out
}

/// The delivery errors recorded in the queue.
fn queue_errors(server: &TestServer) -> String {
    let conn = rusqlite::Connection::open(server.root().join("docket.db")).ok();
    conn.and_then(|c| {
        c.query_row(
            "SELECT group_concat(last_error, ' | ') FROM mail_queue",
            [],
            |r| r.get::<_, Option<String>>(0),
        )
        .ok()
        .flatten()
    })
    .unwrap_or_default()
}

/// Waits for a message to `to` containing `needle`.
fn wait_for_message(server: &TestServer, smtp: &SmtpServer, to: &str, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(m) = messages(smtp)
            .into_iter()
            .find(|m| m.contains(&format!("To: {to}")) && m.contains(needle))
        {
            return m;
        }
        assert!(
            Instant::now() < deadline,
            "no message to {to} with {needle:?} arrived over SMTP; errors: {}",
            queue_errors(server)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The value of header `name` in a message.
fn header<'a>(message: &'a str, name: &str) -> &'a str {
    message
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{name}: ")))
        .unwrap_or_else(|| panic!("no {name} in {message}"))
        .trim()
}

/// Waits until a delivery attempt failed; then nothing may have arrived.
fn assert_refused(server: &TestServer, smtp: &SmtpServer) {
    server.wait_for_count(
        "SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NULL AND attempts > 0 AND last_error IS NOT NULL",
        1,
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NOT NULL"),
        0
    );
    assert!(messages(smtp).is_empty(), "a message got through");
}

fn register(server: &TestServer, email: &str) {
    let mut c = server.client();
    let r = c.submit(
        "/register",
        "/register",
        &[("email", email), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn starttls_with_auth_delivers_a_threaded_multipart_reply() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path(), "good");
    let smtp = start_smtp(dir.path(), "starttls", Some(&pki));
    let port = smtp.port;
    let ca = pki.ca.clone();
    let server = TestServer::start_with(|c| {
        c.mail.smtp_url = Some(format!("smtp://{USER}:{SECRET_IN_URL}@localhost:{port}"));
        c.mail.smtp_ca_file = Some(ca);
        c.mail.reply_to = Some("help@example.com".into());
    });
    let mut carol = server.signed_in(Role::Customer, "carol@example.com");
    let r = open_ticket(&mut carol, "Printer on fire", "It smokes.");
    let ack = wait_for_message(
        &server,
        &smtp,
        "carol@example.com",
        "we received your request",
    );
    assert_eq!(header(&ack, "Subject"), "[#1] Printer on fire");
    assert_eq!(header(&ack, "Auto-Submitted"), "auto-generated");
    let ack_id = header(&ack, "Message-ID").to_owned();

    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    let body = "**Unplug it.** <script>alert(1)</script>";
    assert_eq!(agent_reply(&mut agent, &r, body, false).status, 303);
    let reply = wait_for_message(&server, &smtp, "carol@example.com", "Unplug it");
    assert_eq!(header(&reply, "Subject"), "[#1] Printer on fire");
    assert_eq!(header(&reply, "Reply-To"), "help@example.com");
    assert!(reply.contains("multipart/alternative"), "{reply}");
    assert!(reply.contains("text/plain"), "{reply}");
    assert!(reply.contains("text/html"), "{reply}");
    assert!(reply.contains("<strong>Unplug it.</strong>"), "{reply}");
    let html = &reply[reply.find("text/html").unwrap()..];
    assert!(!html.contains("<script"), "{reply}");
    assert!(reply.contains(&format!("/my/tickets/{r}")), "{reply}");
    let reply_id = header(&reply, "Message-ID").to_owned();
    assert!(
        reply_id.starts_with('<') && reply_id.ends_with("@example.com>"),
        "{reply_id}"
    );
    // Threaded under the acknowledgement, and both recorded with the ticket.
    assert_eq!(header(&reply, "In-Reply-To"), ack_id);
    assert!(header(&reply, "References").contains(&ack_id), "{reply}");
    for id in [&ack_id, &reply_id] {
        assert_eq!(
            server.count(&format!(
                "SELECT COUNT(*) FROM ticket_mail_ids WHERE direction = 'out'
                 AND recipient = 'carol@example.com' AND message_id = '{id}'"
            )),
            1,
            "{id} not recorded"
        );
    }
}

#[test]
fn a_server_without_starttls_gets_nothing() {
    // What a network attacker who strips STARTTLS looks like.
    let dir = tempfile::tempdir().unwrap();
    let smtp = start_smtp(dir.path(), "plain", None);
    let port = smtp.port;
    let server = TestServer::start_with(|c| {
        c.mail.smtp_url = Some(format!("smtp://{USER}:{SECRET_IN_URL}@localhost:{port}"));
    });
    register(&server, "stripped@example.com");
    assert_refused(&server, &smtp);
}

#[test]
fn smtps_implicit_tls_delivers() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path(), "good");
    let smtp = start_smtp(dir.path(), "implicit", Some(&pki));
    let port = smtp.port;
    let ca = pki.ca.clone();
    let server = TestServer::start_with(|c| {
        c.mail.smtp_url = Some(format!("smtps://{USER}:{SECRET_IN_URL}@localhost:{port}"));
        c.mail.smtp_ca_file = Some(ca);
    });
    register(&server, "implicit@example.com");
    let m = wait_for_message(&server, &smtp, "implicit@example.com", "/verify?token=");
    assert_eq!(header(&m, "Reply-To"), "support@example.com");
}

#[test]
fn a_certificate_from_an_untrusted_ca_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let trusted = make_pki(dir.path(), "trusted");
    let other = make_pki(dir.path(), "other");
    let smtp = start_smtp(dir.path(), "starttls", Some(&other));
    let port = smtp.port;
    let server = TestServer::start_with(|c| {
        c.mail.smtp_url = Some(format!("smtp://{USER}:{SECRET_IN_URL}@localhost:{port}"));
        c.mail.smtp_ca_file = Some(trusted.ca.clone());
    });
    register(&server, "untrusted@example.com");
    assert_refused(&server, &smtp);
}

/// A recipient the relay refuses for good (550 "no such user") is not
/// retried every hour forever; the agents see on the ticket why the
/// customer heard nothing.
#[test]
fn a_refused_recipient_is_given_up_and_agents_see_why() {
    let dir = tempfile::tempdir().unwrap();
    let pki = make_pki(dir.path(), "refusing");
    let smtp = start_smtp_rejecting(dir.path(), "starttls", Some(&pki), &["gone@example.com"]);
    let port = smtp.port;
    let ca = pki.ca.clone();
    let server = TestServer::start_with(|c| {
        c.mail.smtp_url = Some(format!("smtp://{USER}:{SECRET_IN_URL}@localhost:{port}"));
        c.mail.smtp_ca_file = Some(ca);
    });
    let mut gone = server.signed_in(Role::Customer, "gone@example.com");
    let reference = open_ticket(&mut gone, "Where is my order", "Still waiting.");
    server.wait_for_count(
        "SELECT COUNT(*) FROM mail_queue WHERE recipient = 'gone@example.com' AND last_error LIKE 'refused%'",
        1,
    );
    assert_eq!(
        server.count(
            "SELECT COUNT(*) FROM mail_queue WHERE recipient = 'gone@example.com'
             AND sent_at IS NULL AND next_attempt_at > strftime('%s', 'now') + 10 * 365 * 86400"
        ),
        1,
        "never attempted again: {}",
        queue_errors(&server)
    );
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    let page = agent.get(&format!("/agent/tickets/{reference}"));
    assert!(
        page.body.contains("Mail to gone@example.com was refused"),
        "{}",
        page.body
    );
    assert!(page.body.contains("No such user here"), "{}", page.body);
    // The customer's own page shows no such notice.
    let own = gone.get(&format!("/my/tickets/{reference}"));
    assert!(!own.body.contains("was refused"), "{}", own.body);
}
