//! Serving attached files over the real server as a stream: a file many
//! read chunks long comes back whole and in ranges that cross chunks, with
//! its length announced, and downloads that stall hold neither memory in
//! proportion to the file nor anything of the store.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod attachments_support;
mod common;
mod tickets_support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use attachments_support::*;
use common::{Client, TestServer};
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";

/// A text file of about `bytes` bytes whose every line differs.
fn log_file(bytes: usize) -> Vec<u8> {
    let mut data = Vec::with_capacity(bytes + 32);
    let mut i = 0u64;
    while data.len() < bytes {
        data.extend_from_slice(format!("{i:09} a line of the log\n").as_bytes());
        i += 1;
    }
    data.truncate(bytes);
    data
}

/// Carol's ticket with one file of `data`, and the file's link.
fn ticket_with_file(server: &TestServer, data: &[u8]) -> (Client, String) {
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Logs", "The whole log.");
    let page = format!("/my/tickets/{reference}");
    let r = upload(
        &mut carol,
        &page,
        &format!("{page}/reply"),
        vec![
            Part::Text("body", "log"),
            Part::File("big.log", data.to_vec()),
        ],
        &[],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let link = file_links(&carol.get(&page).body).remove(0);
    (carol, link)
}

/// Opens a download of `target` and reads only its head: the client then
/// stalls, never reading the body, with the connection open.
fn stalled_download(c: &Client, target: &str) -> TcpStream {
    let mut stream = TcpStream::connect(c.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let cookie = c.cookie.clone().unwrap_or_default();
    let head = format!(
        "GET {target} HTTP/1.1\r\nHost: {}\r\nCookie: docket_session={cookie}\r\n\r\n",
        c.addr
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut buf).unwrap();
        assert!(n > 0, "the server closed the download");
        got.extend_from_slice(&buf[..n]);
    }
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got)
    );
    stream
}

/// The process's resident memory now, in bytes.
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

/// Whether a full WAL checkpoint completes: it cannot while any reader
/// still holds a snapshot of the store.
fn checkpoint_completes(server: &TestServer) -> bool {
    let conn = rusqlite::Connection::open(&server.options.database).unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let busy: i64 = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))
            .unwrap_or(1);
        if busy == 0 {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_file_of_many_chunks_comes_back_whole_and_in_ranges_across_chunks() {
    let server = TestServer::start();
    let data = log_file(3 * 1024 * 1024 + 12_345);
    let (carol, link) = ticket_with_file(&server, &data);

    let whole = get_bytes(&carol, "GET", &link, &[]);
    assert_eq!(whole.status, 200);
    assert_eq!(
        whole.header("content-length"),
        Some(data.len().to_string().as_str())
    );
    assert!(whole.body == data, "the file comes back byte for byte");
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        whole.header("content-security-policy"),
        Some("sandbox; default-src 'none'")
    );
    assert_eq!(whole.header("cache-control"), Some("private, no-store"));

    // Across the boundaries of the 256 KiB read chunks.
    let (from, to) = (262_000usize, 800_001usize);
    let part = get_bytes(
        &carol,
        "GET",
        &link,
        &[("Range", format!("bytes={from}-{to}").as_str())],
    );
    assert_eq!(part.status, 206);
    assert!(part.body == data[from..=to], "the range is exact");
    assert_eq!(
        part.header("content-length"),
        Some((to - from + 1).to_string().as_str())
    );
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes {from}-{to}/{}", data.len()).as_str())
    );
    let tail = get_bytes(&carol, "GET", &link, &[("Range", "bytes=-300000")]);
    assert!(tail.body == data[data.len() - 300_000..]);

    let head = get_bytes(&carol, "HEAD", &link, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
    assert_eq!(
        head.header("content-length"),
        Some(data.len().to_string().as_str()),
        "HEAD announces the length without sending the file"
    );
}

/// The attack: a few clients open downloads of a large file and never
/// read them. Had each download read its file into memory, or held a
/// reader connection (and its snapshot) until the client read on, a
/// dozen stalled clients would pin the file a dozen times in memory,
/// starve every page of the store's readers and keep the WAL from being
/// checkpointed.
#[test]
fn stalled_downloads_hold_no_copy_of_the_file_and_nothing_of_the_store() {
    let server = TestServer::start();
    let data = log_file(9 * 1024 * 1024);
    let (mut carol, link) = ticket_with_file(&server, &data);
    drop(data);
    let before = resident_bytes();
    let stalled: Vec<TcpStream> = (0..12).map(|_| stalled_download(&carol, &link)).collect();
    // Give the readers time to fill what they may.
    std::thread::sleep(Duration::from_millis(500));
    let grown = resident_bytes().saturating_sub(before);
    assert!(
        grown < 40 * 1024 * 1024,
        "12 stalled downloads of a 9 MiB file grew memory by {} MiB",
        grown / (1024 * 1024)
    );

    let started = Instant::now();
    let page = carol.get("/my/tickets");
    assert_eq!(page.status, 200);
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "pages still answer while downloads stall"
    );
    assert!(
        checkpoint_completes(&server),
        "no reader holds a snapshot while its client stalls"
    );

    // The clients go away mid-download; the server carries on.
    drop(stalled);
    let again = get_bytes(&carol, "GET", &link, &[("Range", "bytes=0-9")]);
    assert_eq!(
        (again.status, again.body.as_slice()),
        (206, &b"000000000 "[..])
    );
    assert!(checkpoint_completes(&server));
}
