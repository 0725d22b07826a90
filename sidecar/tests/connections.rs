//! Connections that never end: the first-byte and idle deadlines, the body
//! deadline, the connection cap and cleartext HTTP/2, each over real
//! sockets against a real sidecar with small configured timeouts.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{parse, TestServer};

/// The client half of an HTTP/2 connection: the preface and an empty
/// SETTINGS frame.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

/// How a read on a socket ended.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// The server closed the connection (end of stream or reset).
    Closed,
    /// Nothing happened within the client's read timeout.
    StillOpen,
}

/// Reads until the server closes the connection or `patience` passes
/// without a byte; returns how it ended and what was read.
fn read_until_closed(stream: &mut TcpStream, patience: Duration) -> (Ended, Vec<u8>) {
    stream.set_read_timeout(Some(patience)).unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) => return (Ended::Closed, buf),
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (Ended::StillOpen, buf)
            }
            Err(_) => return (Ended::Closed, buf),
        }
    }
}

/// Reads one HTTP/1.1 response with a `Content-Length` body.
fn read_one_response(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        assert_eq!(
            stream.read(&mut byte).unwrap(),
            1,
            "connection closed early"
        );
        buf.push(byte[0]);
    }
    let length: usize = parse(&buf)
        .header("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).unwrap();
    buf.extend_from_slice(&body);
    buf
}

/// Plays an idle HTTP/2 client: acknowledges the server's SETTINGS and
/// answers its PINGs (so keep-alive pings alone never close it), sends
/// nothing else, until the server closes the connection or `patience`
/// passes without a frame. Returns how it ended and every frame
/// (type, flags, payload) the server sent.
fn idle_h2_client(stream: &mut TcpStream, patience: Duration) -> (Ended, Vec<(u8, u8, Vec<u8>)>) {
    stream.set_read_timeout(Some(patience)).unwrap();
    stream.write_all(H2_PREFACE).unwrap();
    let mut frames = Vec::new();
    loop {
        let mut head = [0u8; 9];
        match stream.read_exact(&mut head) {
            Ok(()) => {}
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return (Ended::StillOpen, frames)
            }
            Err(_) => return (Ended::Closed, frames),
        }
        let length = usize::from(head[0]) << 16 | usize::from(head[1]) << 8 | usize::from(head[2]);
        let (kind, flags) = (head[3], head[4]);
        let mut payload = vec![0u8; length];
        if stream.read_exact(&mut payload).is_err() {
            return (Ended::Closed, frames);
        }
        let answer: Option<Vec<u8>> = match (kind, flags & 1) {
            (4, 0) => Some(vec![0, 0, 0, 4, 1, 0, 0, 0, 0]),
            (6, 0) => Some([&[0, 0, 8, 6, 1, 0, 0, 0, 0][..], &payload].concat()),
            _ => None,
        };
        frames.push((kind, flags, payload));
        if let Some(answer) = answer {
            if stream.write_all(&answer).is_err() {
                return (Ended::Closed, frames);
            }
        }
    }
}

/// Slowloris before the first byte: hyper-util's HTTP/1-vs-HTTP/2 sniff
/// had no deadline, so a socket that connects and says nothing was kept
/// open for ever.
#[test]
fn a_socket_that_sends_nothing_is_closed_after_the_first_byte_deadline() {
    let server = TestServer::start_with(|c| c.header_timeout_seconds = 1);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let (ended, _) = read_until_closed(&mut stream, Duration::from_secs(10));
    assert_eq!(ended, Ended::Closed);
}

/// Idle keep-alive connections pile up and use the file limit: one kept
/// alive after a request, over HTTP/1.1 and over HTTP/2 (where nothing
/// closed an idle connection), is closed after the idle deadline.
#[test]
fn idle_keep_alive_connections_are_closed_over_http1_and_http2() {
    let server = TestServer::start_with(|c| {
        c.header_timeout_seconds = 1;
        c.http2_cleartext = true;
    });
    let mut h1 = TcpStream::connect(server.addr).unwrap();
    h1.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    assert_eq!(parse(&read_one_response(&mut h1)).status, 200);
    let (ended, rest) = read_until_closed(&mut h1, Duration::from_secs(10));
    assert_eq!(ended, Ended::Closed, "{}", String::from_utf8_lossy(&rest));

    let mut h2 = TcpStream::connect(server.addr).unwrap();
    let (ended, frames) = idle_h2_client(&mut h2, Duration::from_secs(10));
    assert_eq!(frames.first().map(|f| f.0), Some(4), "no HTTP/2 SETTINGS");
    assert_eq!(ended, Ended::Closed, "{frames:?}");
}

/// A body trickled a byte at a time held its request (and connection) open
/// for as long as the client liked; now it gets 408 after the body
/// deadline.
#[test]
fn a_trickled_body_is_cut_off_after_the_body_deadline() {
    let server = TestServer::start_with(|c| {
        c.body_timeout_seconds = 1;
        c.header_timeout_seconds = 30;
    });
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(
            b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n",
        )
        .unwrap();
    let mut writer = stream.try_clone().unwrap();
    let trickle = std::thread::spawn(move || {
        for _ in 0..100 {
            if writer.write_all(b"a").is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    });
    let (_, bytes) = read_until_closed(&mut stream, Duration::from_secs(15));
    drop(stream);
    let _ = trickle.join();
    assert_eq!(
        parse(&bytes).status,
        408,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
}

/// About 60 idle sockets under a low file limit stopped `/healthz`: with the
/// cap at 2, a third connection is closed at once instead of waiting, and
/// the server answers again once the others have gone.
#[test]
fn over_the_connection_cap_a_new_connection_is_closed_at_once() {
    let server = TestServer::start_with(|c| {
        c.max_connections = 2;
        c.header_timeout_seconds = 30;
    });
    let first = TcpStream::connect(server.addr).unwrap();
    let second = TcpStream::connect(server.addr).unwrap();
    let mut third = TcpStream::connect(server.addr).unwrap();
    let (ended, bytes) = read_until_closed(&mut third, Duration::from_secs(10));
    assert_eq!(ended, Ended::Closed);
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 503"),
        "{text}"
    );

    drop(first);
    drop(second);
    let deadline = Instant::now() + Duration::from_secs(20);
    while server.client().get("/healthz").status != 200 {
        assert!(Instant::now() < deadline, "/healthz never answered again");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Cleartext HTTP/2 is off unless configured: the HTTP/2 preface gets no
/// HTTP/2 answer (a plain HTTP/1.1 server sits behind the proxy).
#[test]
fn cleartext_http2_is_off_by_default() {
    let server = TestServer::start_with(|c| c.header_timeout_seconds = 1);
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let (ended, frames) = idle_h2_client(&mut stream, Duration::from_secs(10));
    assert_eq!(ended, Ended::Closed);
    assert!(frames.first().is_none_or(|f| f.0 != 4), "{frames:?}");
}

/// When cleartext HTTP/2 is on, one connection may carry only a few
/// requests at once (hyper's default was 200), so a single client cannot
/// start hundreds of handlers.
#[test]
fn cleartext_http2_offers_few_concurrent_streams() {
    let server = TestServer::start_with(|c| {
        c.header_timeout_seconds = 1;
        c.http2_cleartext = true;
    });
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let (_, frames) = idle_h2_client(&mut stream, Duration::from_secs(10));
    let settings = &frames.first().expect("no frame").2;
    let max_streams = settings
        .chunks(6)
        .find(|s| s.len() == 6 && s[0] == 0 && s[1] == 3)
        .map(|s| u32::from_be_bytes([s[2], s[3], s[4], s[5]]));
    assert_eq!(max_streams, Some(16));
}
