//! SIGTERM while a request is in flight: the request finishes, new
//! connections are refused, the process exits cleanly.
//!
//! The server runs in a child process: this test binary started again with
//! `DOCKET_SHUTDOWN_CHILD` set, which makes [`child_server`] serve with the
//! sidecar's own signal handling.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{parse, PASSWORD};

const CHILD_ENV: &str = "DOCKET_SHUTDOWN_CHILD";

/// Not a test on its own: the server half of the SIGTERM test.
#[test]
fn child_server() {
    let Ok(root) = std::env::var(CHILD_ENV) else {
        return;
    };
    let options = common::options(std::path::Path::new(&root), |_| {});
    tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(async move {
            let server = docket_sidecar::Server::bind(options).await.unwrap();
            println!("LISTENING {}", server.local_addr());
            std::io::stdout().flush().unwrap();
            server.run(docket_sidecar::shutdown_signal()).await.unwrap();
        });
    println!("STOPPED");
}

#[cfg(unix)]
#[test]
fn sigterm_during_a_request_lets_it_finish_then_exits() {
    let dir = tempfile::tempdir().unwrap();
    common::write_bundles(dir.path());
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args(["--exact", "child_server", "--nocapture", "--test-threads=1"])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let addr: SocketAddr = loop {
        let mut line = String::new();
        assert!(
            stdout.read_line(&mut line).unwrap() > 0,
            "child exited early"
        );
        // The harness may print "test child_server ... " on the same line.
        if let Some((_, addr)) = line.trim().split_once("LISTENING ") {
            break addr.parse().unwrap();
        }
    };

    // Get a form and its CSRF token, then start a registration whose body
    // is only half sent.
    let mut client = common::Client {
        addr,
        cookie: None,
        origin: Some(format!("http://{addr}")),
    };
    let csrf = client.get("/register").csrf();
    let cookie = client.cookie.clone().unwrap();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("email", "late@example.com"),
            ("password", PASSWORD),
            ("csrf", &csrf),
        ])
        .finish();
    let head = format!(
        "POST /register HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: docket_session={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let mut stream = TcpStream::connect(addr).unwrap();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    stream.write_all(head.as_bytes()).unwrap();
    stream.write_all(first).unwrap();
    std::thread::sleep(Duration::from_millis(200));

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    std::thread::sleep(Duration::from_millis(500));

    // No new connections are accepted...
    assert!(
        TcpStream::connect_timeout(&addr, Duration::from_secs(1)).is_err(),
        "the listener should be closed after SIGTERM"
    );
    // ...but the request in flight completes.
    stream.write_all(rest).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let r = parse(&buf);
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Check your mail"));

    let deadline = Instant::now() + Duration::from_secs(15);
    let exit = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the server did not exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(exit.success(), "{exit:?}");
    let mut rest_of_output = String::new();
    stdout.read_to_string(&mut rest_of_output).unwrap();
    assert!(rest_of_output.contains("STOPPED"));

    // What was answered 2xx is on disk.
    let conn = rusqlite::Connection::open(dir.path().join("docket.db")).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM accounts WHERE email = 'late@example.com'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
}
