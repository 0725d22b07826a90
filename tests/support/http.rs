//! HTTP/1.1 over a plain socket, one request per connection: what the
//! tests send is exactly what the server gets (no client rewrites headers).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

/// An answer: status (0 when the connection failed), head and body.
pub struct Answer {
    /// The status code, or 0 when nothing could be read.
    pub status: u16,
    /// The status line and headers.
    pub head: String,
    /// The body.
    pub body: String,
}

/// Sends `request` (a whole request, head and body) to `addr` and reads the
/// answer until the server closes, waiting at most `timeout` for each read.
pub fn send(addr: &str, request: &[u8], timeout: Duration) -> Answer {
    let Ok(mut stream) = TcpStream::connect(addr) else {
        return Answer {
            status: 0,
            head: String::new(),
            body: String::new(),
        };
    };
    stream.set_read_timeout(Some(timeout)).expect("timeout");
    stream.set_write_timeout(Some(timeout)).expect("timeout");
    stream.write_all(request).expect("send");
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}
