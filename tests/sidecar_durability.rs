//! The real `docket` binary: tickets imported with `docket ticket import`,
//! replies acknowledged by `docket sidecar` survive a SIGKILL, mail fetched
//! over IMAP is neither lost nor stored twice when the sidecar is killed
//! in the middle of a batch, and `docket sidecar --demo` prints logins that
//! work.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "../sidecar/tests/support/dovecot.rs"]
mod dovecot;
#[path = "../sidecar/tests/support/pki.rs"]
mod pki;
mod support;

const PASSWORD: &str = "correct horse battery";

fn docket() -> Command {
    Command::new(env!("CARGO_BIN_EXE_docket"))
}

/// A site folder using this repository's theme, listening on a free port.
fn site() -> (tempfile::TempDir, SocketAddr) {
    site_with("")
}

/// [`site`] with more lines at the end of `docket.toml`.
fn site_with(extra_toml: &str) -> (tempfile::TempDir, SocketAddr) {
    let dir = tempfile::tempdir().unwrap();
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    std::fs::create_dir_all(dir.path().join("themes")).unwrap();
    support::copy_dir(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default"),
        &dir.path().join("themes/default"),
    );
    std::fs::write(
        dir.path().join("docket.toml"),
        format!(
            "[site]\ntitle = \"Durable Help\"\n\n[sidecar]\nlisten = \"{addr}\"\npassword_memory_kib = 8\npassword_iterations = 1\n{extra_toml}"
        ),
    )
    .unwrap();
    (dir, addr)
}

fn run_ok(cmd: &mut Command, stdin: &str) -> String {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

struct Server(Child);

impl Server {
    fn start(site: &Path, addr: SocketAddr, extra: &[&str]) -> Self {
        let child = docket()
            .arg("sidecar")
            .args(extra)
            .arg("--site")
            .arg(site)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while get(addr, "/healthz", None).0 != 200 {
            assert!(Instant::now() < deadline, "the sidecar did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Server(child)
    }

    /// SIGKILL: no graceful shutdown, no chance to flush anything.
    fn kill(mut self) {
        self.0.kill().unwrap();
        self.0.wait().unwrap();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `(status, headers, body)` of one request on a fresh connection.
fn request(addr: SocketAddr, head: &str, body: &str) -> (u16, String, String) {
    let msg = format!(
        "{head}Host: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let answer = support::http::send(&addr.to_string(), msg.as_bytes(), Duration::from_secs(20));
    (answer.status, answer.head, answer.body)
}

fn get(addr: SocketAddr, path: &str, cookie: Option<&str>) -> (u16, String, String) {
    let cookie = cookie
        .map(|c| format!("Cookie: docket_session={c}\r\n"))
        .unwrap_or_default();
    request(addr, &format!("GET {path} HTTP/1.1\r\n{cookie}"), "")
}

fn post(
    addr: SocketAddr,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let body = fields
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    request(
        addr,
        &format!(
            "POST {path} HTTP/1.1\r\nCookie: docket_session={cookie}\r\nOrigin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        ),
        &body,
    )
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn session_cookie(head: &str) -> Option<String> {
    head.lines()
        .filter_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .find_map(|v| v.strip_prefix("docket_session="))
        .map(|v| v.split(';').next().unwrap_or("").to_owned())
}

fn csrf(body: &str) -> String {
    let marker = "name=\"csrf\" value=\"";
    let start = body.find(marker).expect("no csrf") + marker.len();
    body[start..start + 64].to_owned()
}

/// Signs in through the form; returns the session cookie.
fn login(addr: SocketAddr, email: &str, password: &str) -> String {
    let (_, head, body) = get(addr, "/login", None);
    let anonymous = session_cookie(&head).unwrap();
    let token = csrf(&body);
    let (status, head, _) = post(
        addr,
        "/login",
        &anonymous,
        &[
            ("email", email),
            ("password", password),
            ("csrf", &token),
            ("next", ""),
        ],
    );
    assert_eq!(status, 303, "login of {email} failed");
    session_cookie(&head).unwrap()
}

/// A site whose customer carol@example.com has one imported ticket
/// (`subject`, `status`, her first message `body`): the directory, the
/// address the sidecar will listen on and the ticket's reference.
fn site_with_carols_ticket(
    subject: &str,
    status: &str,
    body: &str,
) -> (tempfile::TempDir, SocketAddr, String) {
    let (dir, addr) = site();
    let site = dir.path();
    run_ok(
        docket()
            .args([
                "customer",
                "add",
                "carol@example.com",
                "--password-stdin",
                "--site",
            ])
            .arg(site),
        &format!("{PASSWORD}\n"),
    );
    let import = site.join("tickets.json");
    let tickets = serde_json::json!([{
        "subject": subject, "requester": "carol@example.com", "status": status,
        "created_at": "2026-01-05T10:00:00Z",
        "messages": [{"from": "customer", "body": body, "created_at": "2026-01-05T10:00:00Z"}]
    }]);
    std::fs::write(&import, tickets.to_string()).unwrap();
    let out = run_ok(
        docket()
            .args(["ticket", "import"])
            .arg(&import)
            .arg("--site")
            .arg(site),
        "",
    );
    let reference = out.lines().next().unwrap().trim().to_owned();
    assert_eq!(reference.len(), 26, "{out}");
    (dir, addr, reference)
}

#[test]
fn every_acknowledged_reply_survives_a_sigkill() {
    let (dir, addr, reference) =
        site_with_carols_ticket("Invoice is wrong", "resolved", "My invoice is wrong.");
    let site = dir.path();

    let server = Server::start(site, addr, &[]);
    let cookie = login(addr, "carol@example.com", PASSWORD);
    let page = format!("/my/tickets/{reference}");
    let (status, _, body) = get(addr, &page, Some(&cookie));
    assert_eq!(status, 200);
    let token = csrf(&body);
    let mut acknowledged = Vec::new();
    for i in 0..25 {
        let text = format!("Durable reply number {i}");
        let (status, _, _) = post(
            addr,
            &format!("{page}/reply"),
            &cookie,
            &[("body", &text), ("csrf", &token)],
        );
        assert_eq!(status, 303, "reply {i}");
        acknowledged.push(text);
    }
    server.kill();

    let _server = Server::start(site, addr, &[]);
    let cookie = login(addr, "carol@example.com", PASSWORD);
    let (status, _, body) = get(addr, &page, Some(&cookie));
    assert_eq!(status, 200);
    for text in &acknowledged {
        assert!(body.contains(&format!("{text}</div>")), "lost: {text}");
    }
    assert!(
        body.contains("status-open"),
        "the first reply reopened the ticket"
    );
}

/// Mail waiting in an IMAP mailbox, fetched by a sidecar that is killed
/// (SIGKILL) in the middle of the batch and started again: every message
/// becomes exactly one ticket, and every message ends up flagged seen.
#[test]
fn imap_intake_killed_mid_batch_loses_nothing_and_stores_nothing_twice() {
    const MESSAGES: usize = 300;
    let imap = dovecot::Dovecot::start();
    for n in 0..MESSAGES {
        // Every other message has no Message-ID: those are recognised by a
        // hash of their bytes.
        let id = if n % 2 == 0 {
            format!("Message-ID: <m{n}@example.net>\r\n")
        } else {
            String::new()
        };
        imap.deliver(
            format!(
                "From: customer{n}@example.net\r\nTo: support@example.com\r\nSubject: Question {n}\r\n{id}\
                 Content-Type: text/plain; charset=utf-8\r\n\r\nQuestion number {n}.\r\n"
            )
            .as_bytes(),
        );
    }
    let (dir, addr) = site_with(&format!(
        "\n[sidecar.mail.inbound]\nimap_url = \"{}\"\nca_file = \"{}\"\npoll_seconds = 1\n",
        imap.imaps_url(),
        imap.pki.ca.display()
    ));
    let stored = || -> usize {
        rusqlite::Connection::open(dir.path().join("docket.db"))
            .and_then(|c| {
                c.query_row("SELECT count(*) FROM inbound_mail", [], |r| {
                    r.get::<_, i64>(0)
                })
            })
            .map_or(0, |n| usize::try_from(n).unwrap())
    };

    let server = Server::start(dir.path(), addr, &[]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while stored() < 20 {
        assert!(Instant::now() < deadline, "nothing fetched: {}", imap.log());
        std::thread::sleep(Duration::from_millis(5));
    }
    server.kill();
    let (_, unseen) = imap.seen_and_unseen();
    assert!(
        unseen > 0,
        "the kill came after the batch; nothing was tested"
    );

    let server = Server::start(dir.path(), addr, &[]);
    imap.wait_for_seen(MESSAGES, 120);
    drop(server);
    let conn = rusqlite::Connection::open(dir.path().join("docket.db")).unwrap();
    let count = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    let expected = i64::try_from(MESSAGES).unwrap();
    assert_eq!(count("SELECT count(*) FROM inbound_mail"), expected);
    assert_eq!(count("SELECT count(*) FROM tickets"), expected);
    assert_eq!(
        count("SELECT count(DISTINCT requester) FROM tickets"),
        expected
    );
    assert_eq!(count("SELECT count(*) FROM ticket_messages"), expected);
}

#[test]
fn a_sigkill_during_an_upload_leaves_no_half_stored_file() {
    // The failure it guards against: a crash mid-upload that leaves a blob
    // without its message, a message pointing at a missing blob, or spool
    // files that pile up.
    let (dir, addr, reference) = site_with_carols_ticket("Upload", "open", "first");
    let site = dir.path();

    let server = Server::start(site, addr, &[]);
    let cookie = login(addr, "carol@example.com", PASSWORD);
    let page = format!("/my/tickets/{reference}");
    let token = csrf(&get(addr, &page, Some(&cookie)).2);
    let boundary = "XkillBoundary";
    let head_part = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{token}\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nhalf sent\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.log\"\r\n\r\n"
    );
    let total = head_part.len() + 8 * 1024 * 1024;
    let mut stream = std::net::TcpStream::connect(addr).unwrap();
    write!(
        stream,
        "POST {page}/reply HTTP/1.1\r\nHost: {addr}\r\nCookie: docket_session={cookie}\r\nOrigin: http://{addr}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {total}\r\n\r\n{head_part}"
    )
    .unwrap();
    // Half of the file arrives, then the server dies.
    let chunk = vec![b'a'; 64 * 1024];
    for _ in 0..64 {
        stream.write_all(&chunk).unwrap();
    }
    let spool = site.join("docket.uploads");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::fs::read_dir(&spool).map(|d| d.count()).unwrap_or(0) == 0 {
        assert!(
            Instant::now() < deadline,
            "the upload was not being spooled"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.kill();
    drop(stream);

    let _server = Server::start(site, addr, &[]);
    let db = rusqlite::Connection::open(site.join("docket.db")).unwrap();
    let count = |sql: &str| -> i64 { db.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        count("SELECT COUNT(*) FROM ticket_messages"),
        1,
        "no half message"
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM attachment_blobs"),
        0,
        "no half blob"
    );
    assert_eq!(count("SELECT COUNT(*) FROM message_attachments"), 0);
    assert_eq!(
        std::fs::read_dir(&spool).unwrap().count(),
        0,
        "spool files of the killed upload are removed at start"
    );
}

#[test]
fn the_demo_prints_logins_that_open_a_portal_with_tickets() {
    let (dir, addr) = site();
    let mut server = Server::start(dir.path(), addr, &["--demo"]);
    let stdout = server.0.stdout.take().unwrap();
    let lines: Vec<String> = BufReader::new(stdout)
        .lines()
        .take(3)
        .map(Result::unwrap)
        .collect();
    let customer_line = lines
        .iter()
        .find(|l| l.trim_start().starts_with("customer "))
        .expect("no customer login");
    let agent_line = lines
        .iter()
        .find(|l| l.trim_start().starts_with("agent "))
        .expect("no agent login");
    let credentials = |line: &str| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let email = words[1].to_owned();
        let password = line.split("password: ").nth(1).unwrap().to_owned();
        (email, password)
    };
    let (email, password) = credentials(customer_line);
    let cookie = login(addr, &email, &password);
    let (_, _, body) = get(addr, "/my/tickets", Some(&cookie));
    assert!(
        body.matches("<span class=\"status status-").count() >= 5,
        "{body}"
    );
    let (email, password) = credentials(agent_line);
    let cookie = login(addr, &email, &password);
    let (_, _, body) = get(addr, "/agent/tickets?status=open", Some(&cookie));
    assert!(body.contains("Cannot export reports to CSV"), "{body}");
    assert!(
        !dir.path().join("docket.db").exists(),
        "the demo leaves the real database alone"
    );
}
