//! Body and header limits, timeouts and malformed requests.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{parse, raw, TestServer};

fn read_all(stream: &mut TcpStream) -> Vec<u8> {
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return buf,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

#[test]
fn a_20_mb_body_is_refused_with_413() {
    let server = TestServer::start();
    let mut c = server.client();
    let csrf = c.get("/login").csrf();
    let cookie = c.cookie.clone().unwrap();
    let size = 20 * 1024 * 1024;
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {}\r\nOrigin: {}\r\nCookie: docket_session={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {size}\r\n\r\ncsrf={csrf}&email=",
        server.addr,
        server.origin()
    );
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    // Keep sending in the background; the server may stop reading.
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let block = vec![b'a'; 64 * 1024];
        for _ in 0..(size / block.len()) {
            if writer.write_all(&block).is_err() {
                break;
            }
        }
    });
    let r = parse(&read_all(&mut stream));
    drop(stream);
    let _ = sender.join();
    assert_eq!(r.status, 413);
    // The server is fine afterwards.
    assert_eq!(server.client().get("/healthz").status, 200);
}

#[test]
fn a_chunked_body_over_one_mebibyte_is_refused_with_413() {
    let server = TestServer::start();
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let head = format!(
        "POST /login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n",
        server.addr
    );
    stream.write_all(head.as_bytes()).unwrap();
    let mut writer = stream.try_clone().unwrap();
    let sender = std::thread::spawn(move || {
        let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
        for _ in 0..40 {
            if writer.write_all(chunk.as_bytes()).is_err() {
                return;
            }
        }
        let _ = writer.write_all(b"0\r\n\r\n");
    });
    let r = parse(&read_all(&mut stream));
    drop(stream);
    let _ = sender.join();
    assert_eq!(r.status, 413);
}

#[test]
fn garbage_bytes_get_400_and_the_server_keeps_serving() {
    let server = TestServer::start();
    let r = raw(
        server.addr,
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03garbage\r\n\r\n",
    );
    assert_eq!(r.status, 400);
    let r = raw(server.addr, b"GET / HTTP/9.9\r\n\r\n");
    assert_eq!(r.status, 400);
    let r = raw(server.addr, b"NOT A REQUEST\r\n\r\n");
    assert_eq!(r.status, 400);
    let random: Vec<u8> = (0..10_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    let _ = raw(server.addr, &random);
    assert_eq!(server.client().get("/healthz").status, 200);
}

#[test]
fn oversized_headers_are_refused() {
    let server = TestServer::start();
    let big = "x".repeat(100 * 1024);
    let request =
        format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {big}\r\nConnection: close\r\n\r\n");
    let mut stream = TcpStream::connect(server.addr).unwrap();
    let _ = stream.write_all(request.as_bytes());
    let r = parse(&read_all(&mut stream));
    assert_eq!(r.status, 431);
}

#[test]
fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let server = TestServer::start(); // header_timeout_seconds = 2 in tests
    let mut stream = TcpStream::connect(server.addr).unwrap();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let started = Instant::now();
    let buf = read_all(&mut stream);
    let waited = started.elapsed();
    assert!(waited < Duration::from_secs(10), "{waited:?}");
    assert!(waited >= Duration::from_millis(1500), "{waited:?}");
    let text = String::from_utf8_lossy(&buf);
    assert!(!text.contains("200 OK"), "{text}");
}

#[test]
fn non_form_bodies_fail_the_csrf_check() {
    let server = TestServer::start();
    let mut c = server.client();
    let csrf = c.get("/login").csrf();
    let body = format!("csrf={csrf}&email=a%40example.com&password=x");
    let origin = server.origin();
    let r = c.send(
        "POST",
        "/login",
        &[("Content-Type", "text/plain"), ("Origin", &origin)],
        Some(body.as_bytes()),
    );
    assert_eq!(r.status, 403);
}
