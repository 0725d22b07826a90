//! `docket mail receive`, the real binary, fed the `.eml` files under
//! `tests/mail/` (Gmail, Outlook and Apple Mail shapes, ISO-2022-JP,
//! HTML-only, an auto-reply, a bounce, a list mail, a forged reply, our own
//! mail coming back), checked in the real SQLite file it writes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use rusqlite::Connection;

mod support;

struct MailSite {
    dir: tempfile::TempDir,
}

impl MailSite {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("content")).unwrap();
        std::fs::write(
            dir.path().join("docket.toml"),
            "[site]\ntitle = \"Mail Help\"\nbase_url = \"https://help.example.com\"\n\n[sidecar]\n\n[sidecar.mail]\nfrom = \"support@example.com\"\ndigest_seconds = 0\n\n[sidecar.mail.inbound]\nmax_message_mib = 1\nacknowledgements_per_hour = 2\n",
        )
        .unwrap();
        Self { dir }
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("docket.db")
    }

    fn db(&self) -> Connection {
        Connection::open(self.db_path()).unwrap()
    }

    fn receive(&self, raw: &[u8]) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(["mail", "receive", "--site"])
            .arg(self.dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(raw).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Receives `raw`, expects success; returns (reference, number, outcome).
    fn receive_ok(&self, raw: &[u8]) -> (String, i64, String) {
        let out = self.receive(raw);
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "exit {:?}\nstdout: {stdout}\nstderr: {}",
            out.status.code(),
            support::stderr(&out)
        );
        let words: Vec<&str> = stdout.split_whitespace().collect();
        assert_eq!(words.len(), 3, "{stdout}");
        let number = words[1].trim_start_matches('#').parse().unwrap();
        (words[0].to_owned(), number, words[2].to_owned())
    }

    fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// The newest Message-ID we queued to `to` for ticket `number`.
    fn our_message_id(&self, number: i64, to: &str) -> String {
        self.db()
            .query_row(
                "SELECT message_id FROM ticket_mail_ids WHERE ticket_id = ?1
                 AND direction = 'out' AND recipient = ?2 ORDER BY rowid DESC LIMIT 1",
                rusqlite::params![number, to],
                |r| r.get(0),
            )
            .unwrap()
    }
}

fn eml(name: &str) -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/mail")
            .join(name),
    )
    .unwrap()
}

fn eml_with(name: &str, number: i64, in_reply_to: &str) -> Vec<u8> {
    String::from_utf8(eml(name))
        .unwrap()
        .replace("{{NUMBER}}", &number.to_string())
        .replace("{{IN_REPLY_TO}}", in_reply_to)
        .into_bytes()
}

#[test]
fn a_new_mail_opens_a_ticket_is_acknowledged_and_replies_thread_into_it() {
    let site = MailSite::new();
    let (reference, number, outcome) = site.receive_ok(&eml("gmail_new.eml"));
    assert_eq!(outcome, "new");
    let (requester, subject): (String, String) = site
        .db()
        .query_row(
            "SELECT requester, subject FROM tickets WHERE ref = ?1",
            [&reference],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(requester, "ann@example.com");
    assert_eq!(subject, "Printer shows \"offline\" after the update");
    let body: String = site
        .db()
        .query_row("SELECT body FROM ticket_messages", [], |r| r.get(0))
        .unwrap();
    assert!(body.contains("shows “offline” although"), "{body}");
    // The acknowledgement: to Ann, the number in the subject, a ticket link,
    // marked as automatic so that her auto-responder does not answer it.
    let (to, ack_subject, ack_body, auto): (String, String, String, Option<String>) = site
        .db()
        .query_row(
            "SELECT recipient, subject, body, auto_submitted FROM mail_queue
             WHERE recipient = 'ann@example.com'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )
        .unwrap();
    assert_eq!(to, "ann@example.com");
    assert!(
        ack_subject.starts_with(&format!("[#{number}] ")),
        "{ack_subject}"
    );
    assert!(
        ack_body.contains("https://help.example.com/t/"),
        "{ack_body}"
    );
    assert!(auto.is_some_and(|a| a.starts_with("auto-")));

    // The same mail delivered twice (an MTA retry) is stored once.
    let (_, _, again) = site.receive_ok(&eml("gmail_new.eml"));
    assert_eq!(again, "duplicate");
    assert_eq!(site.count("SELECT COUNT(*) FROM ticket_messages"), 1);

    // Her reply to the acknowledgement threads by In-Reply-To; the quoted
    // history is kept apart.
    let ack_id = site.our_message_id(number, "ann@example.com");
    let (ref2, _, outcome) = site.receive_ok(&eml_with("gmail_reply.eml", number, &ack_id));
    assert_eq!(
        (ref2.as_str(), outcome.as_str()),
        (reference.as_str(), "appended")
    );
    let (body, quoted): (String, Option<String>) = site
        .db()
        .query_row(
            "SELECT body, quoted FROM ticket_messages ORDER BY id DESC LIMIT 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(body, "Restarting the print spooler fixed it, thank you!");
    assert!(quoted.unwrap().contains("Please restart the print spooler"));

    // Outlook's reply, by subject number only, in ISO-8859-1, reopens the
    // resolved ticket.
    site.db()
        .execute(
            "UPDATE tickets SET status = 'resolved' WHERE id = ?1",
            [number],
        )
        .unwrap();
    let (_, _, outcome) = site.receive_ok(&eml_with("outlook_reply.eml", number, ""));
    assert_eq!(outcome, "appended");
    let status: String = site
        .db()
        .query_row("SELECT status FROM tickets WHERE id = ?1", [number], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(status, "open");
    let body: String = site
        .db()
        .query_row(
            "SELECT body FROM ticket_messages ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(body, "It is offline again today. The café printer too.");
}

#[test]
fn a_forged_subject_cannot_post_into_someone_elses_ticket() {
    let site = MailSite::new();
    let (_, number, _) = site.receive_ok(&eml("gmail_new.eml"));
    let (eve_ref, eve_number, outcome) =
        site.receive_ok(&eml_with("forged_reply.eml", number, "none@example.com"));
    assert_eq!(outcome, "new");
    assert_ne!(eve_number, number);
    let (requester, related): (String, Option<i64>) = site
        .db()
        .query_row(
            "SELECT requester, related_ticket_id FROM tickets WHERE ref = ?1",
            [&eve_ref],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(requester, "eve@example.net");
    assert_eq!(related, Some(number), "agents see which ticket it answered");
    assert_eq!(
        site.count(&format!(
            "SELECT COUNT(*) FROM ticket_messages WHERE ticket_id = {number}"
        )),
        1,
        "Ann's ticket is untouched"
    );
}

#[test]
fn automatic_mail_is_never_answered_and_bounces_are_notices() {
    let site = MailSite::new();
    let (_, number, _) = site.receive_ok(&eml("gmail_new.eml"));
    let ack_id = site.our_message_id(number, "ann@example.com");
    let queued = || site.count("SELECT COUNT(*) FROM mail_queue WHERE recipient != 'agent'");

    // An out-of-office answer: a notice on the ticket, no message, no reopen,
    // no mail back (a loop between two auto-responders).
    let before = queued();
    let (_, n, outcome) = site.receive_ok(&eml_with("autoreply.eml", number, &ack_id));
    assert_eq!((n, outcome.as_str()), (number, "notice"));
    assert_eq!(site.count("SELECT COUNT(*) FROM ticket_messages"), 1);
    assert_eq!(queued(), before);
    assert_eq!(
        site.count("SELECT COUNT(*) FROM ticket_notices WHERE kind = 'auto-reply'"),
        1
    );

    // A bounce of our acknowledgement: "delivery failed" on the ticket,
    // never customer text.
    let (_, n, _) = site.receive_ok(&eml_with("bounce.eml", number, &ack_id));
    assert_eq!(n, number);
    let detail: String = site
        .db()
        .query_row(
            "SELECT detail FROM ticket_notices WHERE kind = 'delivery-failed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.contains("5.1.1"), "{detail}");
    assert_eq!(site.count("SELECT COUNT(*) FROM ticket_messages"), 1);
    assert_eq!(queued(), before);

    // A mailing list's mail becomes a ticket an agent can look at, but its
    // sender gets no acknowledgement.
    let (_, _, outcome) = site.receive_ok(&eml("list.eml"));
    assert_eq!(outcome, "new");
    assert_eq!(
        site.count("SELECT COUNT(*) FROM mail_queue WHERE recipient = 'news@lists.example.com'"),
        0
    );

    // Our own mail coming back is dropped (exit 0, logged), not stored.
    let out = site.receive(&eml_with("from_ourselves.eml", number, ""));
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("dropped"));
    assert_eq!(
        site.count("SELECT COUNT(*) FROM ticket_messages WHERE body LIKE '%came back%'"),
        0
    );
}

#[test]
fn charsets_html_only_and_attachments_are_read() {
    let site = MailSite::new();
    let (reference, _, _) = site.receive_ok(&eml("iso2022jp.eml"));
    let (subject, body, quoted): (String, String, Option<String>) = site
        .db()
        .query_row(
            "SELECT t.subject, m.body, m.quoted FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id
             WHERE t.ref = ?1",
            [&reference],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .unwrap();
    assert_eq!(subject, "ログインできません");
    assert_eq!(
        body,
        "お世話になっております。\nダッシュボードにログインできません。"
    );
    assert!(quoted.unwrap().contains("パスワードを再設定"));

    let (reference, _, _) = site.receive_ok(&eml("html_only.eml"));
    let body: String = site
        .db()
        .query_row(
            "SELECT m.body FROM tickets t JOIN ticket_messages m ON m.ticket_id = t.id WHERE t.ref = ?1",
            [&reference],
            |r| r.get(0),
        )
        .unwrap();
    assert!(body.contains("INV-2211"), "{body}");
    assert!(
        !body.contains("<script") && !body.contains("alert"),
        "{body}"
    );

    let (reference, _, _) = site.receive_ok(&eml("apple_mail.eml"));
    let (name, size): (String, i64) = site
        .db()
        .query_row(
            "SELECT a.name, b.size FROM message_attachments a JOIN attachment_blobs b ON b.id = a.blob_id
             JOIN ticket_messages m ON m.id = a.message_id
             JOIN tickets t ON t.id = m.ticket_id WHERE t.ref = ?1",
            [&reference],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!((name.as_str(), size), ("screenshot.png", 67));
    let raw: Vec<u8> = site
        .db()
        .query_row("SELECT raw FROM inbound_mail WHERE ticket_id = (SELECT id FROM tickets WHERE ref = ?1)", [&reference], |r| r.get(0))
        .unwrap();
    assert_eq!(
        raw,
        eml("apple_mail.eml"),
        "the original is kept byte for byte"
    );
}

#[test]
fn sysexits_tell_the_mta_what_to_do() {
    let site = MailSite::new();
    // Not a message: EX_DATAERR, the MTA bounces it.
    let out = site.receive(b"this is not a mail message at all");
    assert_eq!(out.status.code(), Some(65), "{}", support::stderr(&out));

    // Oversized (limit 1 MiB here): stored as a notice, the sender told.
    let mut big = eml("apple_mail.eml");
    big.truncate(big.len() - 30);
    big.extend(std::iter::repeat_n(b'A', 1_300_000));
    let (_, number, outcome) = site.receive_ok(&big);
    assert_eq!(outcome, "new");
    assert_eq!(
        site.count(&format!(
            "SELECT COUNT(*) FROM ticket_notices WHERE kind = 'oversized' AND ticket_id = {number}"
        )),
        1
    );
    let raw_kept: i64 = site.count("SELECT COUNT(raw) FROM inbound_mail");
    assert_eq!(raw_kept, 0);

    // The store locked by another writer: EX_TEMPFAIL, so the MTA keeps
    // the message and retries; nothing is half-written.
    let holder = site.db();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let out = site.receive(&eml("gmail_new.eml"));
    assert_eq!(out.status.code(), Some(75), "{}", support::stderr(&out));
    holder.execute_batch("ROLLBACK").unwrap();
    let (_, _, outcome) = site.receive_ok(&eml("gmail_new.eml"));
    assert_eq!(outcome, "new");
}
