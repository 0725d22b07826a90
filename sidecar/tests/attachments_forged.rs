//! Forged uploads over the real server: a multipart post whose form token
//! is missing, wrong, or comes only after a file part gets nothing written
//! to disk while it is read, is answered as an expired form, and stores
//! nothing.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod attachments_support;
mod common;
mod tickets_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use attachments_support::*;
use common::{Client, Resp, TestServer};
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";

/// Bytes of the file part sent before the pause.
const SENT_BEFORE_PAUSE: usize = 2 * 1024 * 1024;

/// A 4 MiB log file.
fn large_file() -> Vec<u8> {
    b"2026-12-04 12:00:00 a line of a large log file\n"
        .iter()
        .copied()
        .cycle()
        .take(4 * 1024 * 1024)
        .collect()
}

/// The spool files that exist now.
fn spool_files(server: &TestServer) -> usize {
    match std::fs::read_dir(server.options.spool_dir()) {
        Ok(entries) => entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("upload-"))
            .count(),
        Err(_) => 0,
    }
}

/// Whether a spool file shows up within `wait`.
fn spool_file_appears(server: &TestServer, wait: Duration) -> bool {
    let deadline = Instant::now() + wait;
    while Instant::now() < deadline {
        if spool_files(server) > 0 {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

/// Posts `parts` as multipart to `target` with `c`'s session and origin,
/// pausing in the middle of the last (file) part: `during` runs while the
/// server has read the first [`SENT_BEFORE_PAUSE`] bytes of the file and
/// waits for the rest. Returns what `during` found and the answer.
fn post_paused<T>(
    c: &Client,
    target: &str,
    parts: &[Part<'_>],
    during: impl FnOnce() -> T,
) -> (T, Resp) {
    let body = multipart(parts);
    let file_start = body
        .windows(b"filename=".len())
        .rposition(|w| w == b"filename=")
        .unwrap();
    let pause_at = file_start + SENT_BEFORE_PAUSE;
    let mut head = format!(
        "POST {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nOrigin: http://{}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n",
        c.addr,
        c.addr,
        body.len()
    );
    if let Some(cookie) = &c.cookie {
        head.push_str(&format!("Cookie: docket_session={cookie}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(c.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(&body[..pause_at]).unwrap();
    let found = during();
    // The server may answer before it has read everything; that is fine.
    let _ = stream.write_all(&body[pause_at..]);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    (found, common::parse(&answer))
}

/// The counts a forged post must leave as they are.
fn stored(server: &TestServer) -> (i64, i64, i64) {
    (
        server.count("SELECT COUNT(*) FROM ticket_messages"),
        server.count("SELECT COUNT(*) FROM message_attachments"),
        server.count("SELECT COUNT(*) FROM attachment_blobs"),
    )
}

/// The attack: cross-site request forgery against the upload forms, and
/// disk filling by anyone. A page on another site (or a script without
/// the session's form token) posts a large file to a reply form. Were file
/// parts spooled before the token is checked, such posts would make the
/// server write attacker-chosen bytes to its disk, as often and as large as
/// the limits allow, before refusing them. Nothing may be written until a
/// valid token has been read, and the post is answered as an expired form.
#[test]
fn no_file_is_written_to_disk_before_a_valid_form_token() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Logs", "Here is the log.");
    let page = format!("/my/tickets/{reference}");
    let reply = format!("{page}/reply");
    let token = carol.get(&page).csrf();
    let file = large_file();
    let before = stored(&server);

    let forged: Vec<(&str, Vec<Part<'_>>)> = vec![
        (
            "no token",
            vec![
                Part::Text("body", "forged"),
                Part::File("big.log", file.clone()),
            ],
        ),
        (
            "a wrong token",
            vec![
                Part::Text("csrf", "0123456789abcdef0123456789abcdef"),
                Part::Text("body", "forged"),
                Part::File("big.log", file.clone()),
            ],
        ),
        (
            "the right token only after the file",
            vec![
                Part::Text("body", "forged"),
                Part::File("first.log", file.clone()),
                Part::Text("csrf", &token),
                Part::File("big.log", file.clone()),
            ],
        ),
    ];
    for (what, parts) in forged {
        let (spooled, answer) = post_paused(&carol, &reply, &parts, || {
            spool_file_appears(&server, Duration::from_millis(700))
        });
        assert!(!spooled, "{what}: a file was written to the spool folder");
        assert_eq!(answer.status, 403, "{what}: {}", answer.body);
        assert!(
            answer.body.contains("The form expired"),
            "{what}: answered as an expired form: {}",
            answer.body
        );
        assert!(
            answer.body.contains("forged"),
            "{what}: what was typed comes back"
        );
        assert_eq!(stored(&server), before, "{what}: nothing stored");
    }

    // Another site's page, with a session cookie the browser adds anyway.
    let mut foreign = carol.clone();
    foreign.origin = Some("https://evil.example".into());
    let body = multipart(&[
        Part::Text("csrf", &token),
        Part::Text("body", "forged"),
        Part::File("big.log", file.clone()),
    ]);
    let answer = foreign.send(
        "POST",
        &reply,
        &[
            (
                "Content-Type",
                &format!("multipart/form-data; boundary={BOUNDARY}"),
            ),
            ("Origin", "https://evil.example"),
        ],
        Some(&body),
    );
    assert_eq!(answer.status, 403);
    assert_eq!(stored(&server), before);

    // The same post with the token first is spooled as it arrives, and
    // stored: the check above would have seen a spool file.
    let parts = vec![
        Part::Text("csrf", &token),
        Part::Text("body", "genuine"),
        Part::File("big.log", file),
    ];
    let (spooled, answer) = post_paused(&carol, &reply, &parts, || {
        spool_file_appears(&server, Duration::from_secs(10))
    });
    assert!(spooled, "a genuine upload is spooled while it arrives");
    assert_eq!(answer.status, 303, "{}", answer.body);
    assert_eq!(stored(&server).1, before.1 + 1);
}
