//! Mail over SMTP, against a real SMTP server process: Python's aiosmtpd
//! (`python3 -m pip install aiosmtpd`), storing what it receives in a
//! maildir. Plain SMTP (`smtp_tls = "none"`); TLS is in `smtp_tls.rs`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
#[path = "support/pki.rs"]
mod pki;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{decode_qp, token_in, TestServer, PASSWORD};
use pki::free_port;

/// An aiosmtpd process; killed when dropped.
struct SmtpServer {
    child: Child,
    maildir: PathBuf,
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_smtp(port: u16, maildir: &Path) -> SmtpServer {
    let check = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .output();
    match check {
        Ok(out) if out.status.success() => {}
        _ => panic!(
            "these tests need a real SMTP server: install it with `python3 -m pip install aiosmtpd`"
        ),
    }
    let child = Command::new("python3")
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(maildir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("cannot start python3 -m aiosmtpd");
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "aiosmtpd did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    SmtpServer {
        child,
        maildir: maildir.to_path_buf(),
    }
}

/// Waits for a message to `to` in the maildir.
fn wait_for_message(smtp: &SmtpServer, to: &str) -> String {
    wait_for_message_while(smtp, to, || {})
}

/// Waits for a message to `to` in the maildir, calling `meanwhile` about
/// once a second while none is there.
fn wait_for_message_while(smtp: &SmtpServer, to: &str, mut meanwhile: impl FnMut()) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut rounds = 0_u32;
    loop {
        if rounds % 10 == 0 {
            meanwhile();
        }
        rounds += 1;
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(smtp.maildir.join(sub)) {
                for entry in entries.flatten() {
                    let text = decode_qp(&std::fs::read_to_string(entry.path()).unwrap());
                    if text.contains(&format!("To: {to}")) {
                        return text;
                    }
                }
            }
        }
        assert!(
            Instant::now() < deadline,
            "no message to {to} arrived over SMTP"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn verification_mail_goes_over_smtp_when_configured() {
    let port = free_port();
    let mail_dir = tempfile::tempdir().unwrap();
    let smtp = start_smtp(port, &mail_dir.path().join("maildir"));
    let server = TestServer::start_with(|c| {
        c.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail.smtp_tls = "none".into();
    });
    let mut c = server.client();
    let r = c.submit(
        "/register",
        "/register",
        &[("email", "smtp@example.com"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 200);
    let message = wait_for_message(&smtp, "smtp@example.com");
    for header in [
        "Date: ",
        "Message-ID: ",
        "From: support@example.com",
        "Subject: Confirm your address",
    ] {
        assert!(message.contains(header), "{header} in {message}");
    }
    let token = token_in(&message);
    assert_eq!(c.get(&format!("/verify?token={token}")).status, 200);
    assert_eq!(c.verify_address(&token, PASSWORD).status, 200);
    assert!(
        !server.root().join("outbox").exists(),
        "SMTP replaces the outbox"
    );
}

#[test]
fn mail_is_retried_until_the_smtp_server_answers_and_requests_never_wait() {
    let port = free_port();
    let server = TestServer::start_with(|c| {
        c.mail.smtp_url = Some(format!("smtp://127.0.0.1:{port}"));
        c.mail.smtp_tls = "none".into();
    });
    let mut c = server.client();
    let started = Instant::now();
    let r = c.submit(
        "/register",
        "/register",
        &[("email", "later@example.com"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 200);
    assert!(started.elapsed() < Duration::from_secs(5));
    // The first attempt fails (nothing listens) and is scheduled again.
    let deadline = Instant::now() + Duration::from_secs(15);
    while server
        .count("SELECT COUNT(*) FROM mail_queue WHERE attempts > 0 AND last_error IS NOT NULL")
        == 0
    {
        assert!(Instant::now() < deadline, "no failed attempt recorded");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NULL AND next_attempt_at > strftime('%s','now')"), 1);
    // The relay comes up; the retry (brought forward) delivers.
    let mail_dir = tempfile::tempdir().unwrap();
    let smtp = start_smtp(port, &mail_dir.path().join("maildir"));
    // Bring the retry forward, again should an attempt fail while the
    // relay is still starting (a loaded machine), instead of waiting out
    // the backoff.
    let message = wait_for_message_while(&smtp, "later@example.com", || {
        server.sql("UPDATE mail_queue SET next_attempt_at = 0 WHERE sent_at IS NULL");
    });
    assert!(message.contains("/verify?token="));
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.count("SELECT COUNT(*) FROM mail_queue WHERE sent_at IS NULL") != 0 {
        assert!(Instant::now() < deadline, "the queue was not marked sent");
        std::thread::sleep(Duration::from_millis(50));
    }
}
