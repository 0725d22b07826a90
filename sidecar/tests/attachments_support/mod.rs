//! Helpers of the attachment tests: multipart bodies, a client that keeps
//! response bodies as bytes, and the files the tests upload (real images
//! made with the image crate, a decompression bomb written by hand).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::{Client, Resp};

/// One part of a multipart form: a text field or a file.
pub enum Part<'a> {
    /// `name=value`.
    Text(&'a str, &'a str),
    /// A file in field `files`: name and content.
    File(&'a str, Vec<u8>),
}

pub const BOUNDARY: &str = "----docketTestBoundary7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body of `parts`.
pub fn multipart(parts: &[Part<'_>]) -> Vec<u8> {
    let mut body = Vec::new();
    for part in parts {
        body.extend_from_slice(format!("--{BOUNDARY}\r\n").as_bytes());
        match part {
            Part::Text(name, value) => {
                body.extend_from_slice(
                    format!("Content-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                        .as_bytes(),
                );
            }
            Part::File(name, data) => {
                body.extend_from_slice(
                    format!(
                        "Content-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(data);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Fetches `form_path` for its CSRF token, then posts `parts` (with it) to
/// `target` as `multipart/form-data`, with `extra` headers.
pub fn upload(
    c: &mut Client,
    form_path: &str,
    target: &str,
    parts: Vec<Part<'_>>,
    extra: &[(&str, &str)],
) -> Resp {
    let page = c.get_with(form_path, extra);
    assert_eq!(page.status, 200, "{form_path}: {}", page.body);
    let csrf = page.csrf();
    let mut all = vec![Part::Text("csrf", &csrf)];
    all.extend(parts);
    post_multipart(c, target, &all, extra)
}

/// Posts `parts` as `multipart/form-data` with this client's origin.
pub fn post_multipart(
    c: &mut Client,
    target: &str,
    parts: &[Part<'_>],
    extra: &[(&str, &str)],
) -> Resp {
    let body = multipart(parts);
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    let origin = c.origin.clone().unwrap_or_default();
    let mut headers = vec![
        ("Content-Type", content_type.as_str()),
        ("Origin", origin.as_str()),
    ];
    headers.extend_from_slice(extra);
    c.send("POST", target, &headers, Some(&body))
}

/// Posts `parts` as multipart, ignoring a server that stops reading early
/// (it answers a body over its limit before the body is sent); returns
/// the status.
pub fn post_multipart_lenient(c: &Client, target: &str, parts: &[Part<'_>]) -> u16 {
    let body = multipart(parts);
    let mut head = format!(
        "POST {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {}\r\n",
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
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(&body);
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// A response with its body as bytes.
pub struct Bytes {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Bytes {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// `GET target` with `headers`, keeping the body as bytes.
pub fn get_bytes(c: &Client, method: &str, target: &str, headers: &[(&str, &str)]) -> Bytes {
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
        c.addr
    );
    if let Some(cookie) = &c.cookie {
        head.push_str(&format!("Cookie: docket_session={cookie}\r\n"));
    }
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(c.addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(head.as_bytes()).unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&buf[..split]).into_owned();
    let mut lines = head.lines();
    let status = lines
        .next()
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Bytes {
        status,
        headers,
        body: buf[split + 4..].to_vec(),
    }
}

/// The file links (`href`s containing `/files/`) of a page, in order,
/// without thumbnail links.
pub fn file_links(page: &str) -> Vec<String> {
    let mut links = Vec::new();
    for piece in page.split("href=\"").skip(1) {
        let href = piece.split('"').next().unwrap_or("");
        if href.contains("/files/") && !links.iter().any(|l: &String| l == href) {
            links.push(href.replace("&amp;", "&"));
        }
    }
    links
}

/// An image of `format`, `w`×`h` pixels.
pub fn image(format: image::ImageFormat, w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([(x * 7) as u8, (y * 5) as u8, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut out, format)
        .unwrap();
    out.into_inner()
}

/// A small valid PNG.
pub fn png() -> Vec<u8> {
    image(image::ImageFormat::Png, 40, 30)
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// A decompression bomb: a valid PNG of `side`×`side` black RGBA pixels
/// (`side`² × 4 bytes once decoded) whose deflated data is tiny.
pub fn png_bomb(side: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    let row = vec![0u8; 1 + side as usize * 4];
    for _ in 0..side {
        z.write_all(&row).unwrap();
    }
    chunk(&mut out, b"IDAT", &z.finish().unwrap());
    chunk(&mut out, b"IEND", &[]);
    out
}
