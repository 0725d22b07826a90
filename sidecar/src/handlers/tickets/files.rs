//! Attached files in the conversation: the list each message shows
//! ([`FileView`]) and the three routes that serve a file, each with
//! exactly its ticket's access rule:
//!
//! - `GET /my/tickets/{ref}/files/{id}/{name}`: the signed-in requester,
//!   files of public messages only;
//! - `GET /t/{token}/files/{id}/{name}`: a browser holding the ticket
//!   link's grant, files of public messages only;
//! - `GET /agent/tickets/{ref}/files/{id}/{name}`: agents, every file.
//!
//! Anything else (another ticket's file, a guessed id, an internal note's
//! file for a customer) is the same 404 as a missing file. `?thumb=1`
//! gives an image's thumbnail. Every answer is a download except raster
//! images, carries `Content-Security-Policy: sandbox; default-src 'none'`
//! and `nosniff`, is never cached, and supports `ETag` and one `Range`.
//!
//! A file (or range) is streamed, never held whole: a task reads it from
//! the store in `CHUNK_BYTES` pieces, each a short read of its own on the
//! blocking pool, and hands them to the response body one at a time (see
//! `stream_blob`).

use std::collections::HashMap;

use bytes::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, StatusCode};
use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use super::TicketsError;
use crate::app::App;
use crate::attachments::{is_raster_image, readable_size};
use crate::auth::Role;
use crate::db::attachments::Attachment;
use crate::db::tickets::{parse_reference, Ticket};
use crate::db::Db;
use crate::handlers::require_role;
use crate::http::{Body, Req, Response};

/// How much of a file one read from the store takes and one body chunk
/// carries.
const CHUNK_BYTES: u64 = 256 * 1024;

/// The policy of every file response: nothing in it may run or load.
pub const FILE_CONTENT_SECURITY_POLICY: &str = "sandbox; default-src 'none'";

/// Characters kept as they are in a file's URL segment.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'.').remove(b'-').remove(b'_');

/// A file as a message lists it.
#[derive(Debug, Serialize)]
pub struct FileView {
    /// The display name.
    pub name: String,
    /// Readable size.
    pub size: String,
    /// The sniffed type.
    pub content_type: String,
    /// Where it downloads (or opens, for images): a path whose segments
    /// are percent-encoded, so templates may print it unescaped.
    pub url: String,
    /// The thumbnail's URL, for images.
    pub thumbnail_url: Option<String>,
}

/// The URL of file `file` under `base` (`/my/tickets/{ref}`, `/t/{token}`
/// or `/agent/tickets/{ref}`).
pub fn file_url(base: &str, file: &Attachment) -> String {
    let name = utf8_percent_encode(&file.name, SEGMENT);
    format!("{base}/files/{}/{name}", file.id)
}

/// The files of `files` grouped by message, as views under `base`.
pub fn views_by_message(base: &str, files: Vec<Attachment>) -> HashMap<i64, Vec<FileView>> {
    let mut by_message: HashMap<i64, Vec<FileView>> = HashMap::new();
    for file in files {
        let url = file_url(base, &file);
        let view = FileView {
            thumbnail_url: file.has_thumbnail.then(|| format!("{url}?thumb=1")),
            url,
            name: file.name,
            size: readable_size(file.size),
            content_type: file.content_type,
        };
        by_message.entry(file.message_id).or_default().push(view);
    }
    by_message
}

/// Which part of a files path is which: `{base}/files/{id}/{name}`.
fn file_id(path: &str, prefix: &str) -> Option<(String, i64)> {
    let rest = path.strip_prefix(prefix)?;
    let mut parts = rest.split('/');
    let (key, files, id, name) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || files != "files" || key.is_empty() || name.is_empty() {
        return None;
    }
    Some((key.to_owned(), id.parse().ok()?))
}

/// Whether `path` is a file route under `prefix` (for the router).
pub fn is_file_path(path: &str, prefix: &str) -> bool {
    file_id(path, prefix).is_some()
}

/// `GET /my/tickets/{ref}/files/{id}/{name}`.
pub async fn customer(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (_session, user) = require_role(app, req, Role::Customer).await?;
    let (raw_ref, id) = file_id(&req.path, "/my/tickets/").ok_or(TicketsError::NotFound)?;
    let ticket = super::customer::owned_ticket(app, &user, &raw_ref).await?;
    serve(app, req, &ticket, id, false).await
}

/// `GET /agent/tickets/{ref}/files/{id}/{name}`.
pub async fn agent(app: &App, req: &Req) -> Result<Response, TicketsError> {
    require_role(app, req, Role::Agent).await?;
    let (raw_ref, id) = file_id(&req.path, "/agent/tickets/").ok_or(TicketsError::NotFound)?;
    let reference = parse_reference(&raw_ref).ok_or(TicketsError::NotFound)?;
    let ticket = app
        .db
        .ticket(&reference, None)
        .await?
        .ok_or(TicketsError::NotFound)?;
    serve(app, req, &ticket, id, true).await
}

/// `GET /t/{token}/files/{id}/{name}`: with the link's grant only.
pub async fn link(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (token, id) = file_id(&req.path, "/t/").ok_or(TicketsError::NotFound)?;
    let (ticket, _csrf) = super::link::granted_ticket(app, req, &token)
        .await?
        .ok_or(TicketsError::NotFound)?;
    serve(app, req, &ticket, id, false).await
}

/// Serves file `id` of `ticket` (internal notes' files only `with_internal`).
async fn serve(
    app: &App,
    req: &Req,
    ticket: &Ticket,
    id: i64,
    with_internal: bool,
) -> Result<Response, TicketsError> {
    let file = app
        .db
        .ticket_file(ticket.id, id, with_internal)
        .await?
        .ok_or(TicketsError::NotFound)?;
    if req.query_param("thumb").is_some() {
        let thumb = app
            .db
            .thumbnail(file.blob_id)
            .await?
            .ok_or(TicketsError::NotFound)?;
        let etag = format!("\"{}-thumb\"", file.sha256);
        let mut resp = file_response(StatusCode::OK, "image/png", Body::full(thumb));
        set(&mut resp, header::ETAG, &etag);
        set(&mut resp, header::CONTENT_DISPOSITION, "inline");
        return Ok(resp);
    }
    let etag = format!("\"{}\"", file.sha256);
    let size = u64::try_from(file.size).unwrap_or(0);
    if req
        .header(header::IF_NONE_MATCH)
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"))
    {
        let mut resp = file_response(StatusCode::NOT_MODIFIED, &file.content_type, Body::empty());
        set(&mut resp, header::ETAG, &etag);
        return Ok(resp);
    }
    let if_range_ok = req
        .header(header::IF_RANGE)
        .is_none_or(|v| v.trim() == etag);
    let range = match req.header(header::RANGE).filter(|_| if_range_ok) {
        None => None,
        Some(value) => match parse_range(value, size) {
            Some(range) => Some(range),
            None => {
                let mut resp = file_response(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "text/plain; charset=utf-8",
                    Body::empty(),
                );
                set(&mut resp, header::CONTENT_RANGE, &format!("bytes */{size}"));
                return Ok(resp);
            }
        },
    };
    let (status, start, len) = match range {
        Some((start, end)) => (StatusCode::PARTIAL_CONTENT, start, end - start + 1),
        None => (StatusCode::OK, 0, size),
    };
    // HEAD: the headers alone, nothing read.
    let body = if req.method == Method::HEAD {
        Body::empty()
    } else {
        stream_blob(app.db.clone(), &file, start, len)
    };
    let mut resp = file_response(status, &file.content_type, body);
    set(&mut resp, header::CONTENT_LENGTH, &len.to_string());
    set(&mut resp, header::ETAG, &etag);
    set(&mut resp, header::ACCEPT_RANGES, "bytes");
    set(&mut resp, header::CONTENT_DISPOSITION, &disposition(&file));
    if status == StatusCode::PARTIAL_CONTENT {
        let end = start + len - 1;
        set(
            &mut resp,
            header::CONTENT_RANGE,
            &format!("bytes {start}-{end}/{size}"),
        );
    }
    Ok(resp)
}

/// The body of `len` bytes of `file` from `start`, read by a task of its
/// own: one [`CHUNK_BYTES`] read from the store at a time (each a short
/// read transaction on the blocking pool, so neither a thread nor a read
/// snapshot is held while the client is slow), the next read only once
/// the body took the previous chunk. The task ends when the range is sent,
/// when the client goes away (the body is dropped, sending fails), or
/// when the content is no longer the file's (deleted meanwhile): then the
/// body ends short of its `Content-Length` and the connection is closed.
fn stream_blob(db: Db, file: &Attachment, start: u64, len: u64) -> Body {
    let (chunks, body) = Body::channel(len);
    let (blob_id, sha256) = (file.blob_id, file.sha256.clone());
    tokio::spawn(async move {
        let end = start.saturating_add(len);
        let mut offset = start;
        while offset < end {
            let want = (end - offset).min(CHUNK_BYTES);
            let chunk = match db.blob_chunk(blob_id, &sha256, offset, want).await {
                Ok(Some(chunk)) if chunk.len() as u64 == want => chunk,
                Ok(_) => {
                    tracing::warn!(blob_id, "a file went away while it was being sent");
                    return;
                }
                Err(err) => {
                    tracing::error!(blob_id, "cannot read a stored file: {err:#}");
                    return;
                }
            };
            offset += want;
            if chunks.send(Bytes::from(chunk)).await.is_err() {
                return; // The client went away.
            }
        }
    });
    body
}

/// A file response with the headers every one carries (the standard ones,
/// `nosniff` and `private, no-store` among them, are added after).
fn file_response(status: StatusCode, content_type: &str, body: Body) -> Response {
    let mut resp = hyper::Response::new(body);
    *resp.status_mut() = status;
    set(&mut resp, header::CONTENT_TYPE, content_type);
    set(
        &mut resp,
        header::CONTENT_SECURITY_POLICY,
        FILE_CONTENT_SECURITY_POLICY,
    );
    set(&mut resp, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    set(&mut resp, header::CACHE_CONTROL, "private, no-store");
    resp
}

fn set(resp: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        resp.headers_mut().insert(name, value);
    }
}

/// `inline` for raster images, `attachment` for everything else, with the
/// display name (ASCII fallback and RFC 5987 UTF-8 form).
fn disposition(file: &Attachment) -> String {
    let kind = if is_raster_image(&file.content_type) {
        "inline"
    } else {
        "attachment"
    };
    let ascii: String = file
        .name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let encoded = utf8_percent_encode(&file.name, SEGMENT);
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// One byte range of a `Range: bytes=` header within `size` bytes, as
/// inclusive `(start, end)`; `None` when it cannot be satisfied (several
/// ranges are not supported and are answered the same way).
pub fn parse_range(value: &str, size: u64) -> Option<(u64, u64)> {
    let spec = value.trim().strip_prefix("bytes=")?;
    if spec.contains(',') || size == 0 {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    if first.is_empty() {
        let suffix: u64 = last.parse().ok()?;
        if suffix == 0 {
            return None;
        }
        return Some((size.saturating_sub(suffix), size - 1));
    }
    let start: u64 = first.parse().ok()?;
    if start >= size {
        return None;
    }
    let end = if last.is_empty() {
        size - 1
    } else {
        last.parse::<u64>().ok()?.min(size - 1)
    };
    (end >= start).then_some((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_parsed_like_rfc_9110_says() {
        assert_eq!(parse_range("bytes=0-9", 100), Some((0, 9)));
        assert_eq!(parse_range("bytes=90-", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=-10", 100), Some((90, 99)));
        assert_eq!(parse_range("bytes=50-500", 100), Some((50, 99)));
        assert_eq!(parse_range("bytes=100-", 100), None);
        assert_eq!(parse_range("bytes=5-1", 100), None);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), None);
        assert_eq!(parse_range("items=0-1", 100), None);
    }

    #[test]
    fn file_paths_name_the_ticket_and_a_numeric_id() {
        assert_eq!(
            file_id("/my/tickets/abc/files/12/shot.png", "/my/tickets/"),
            Some(("abc".into(), 12))
        );
        assert_eq!(
            file_id("/my/tickets/abc/files/x/shot.png", "/my/tickets/"),
            None
        );
        assert_eq!(file_id("/my/tickets/abc/files/12", "/my/tickets/"), None);
        assert_eq!(
            file_id("/my/tickets/abc/files/12/a/b", "/my/tickets/"),
            None
        );
    }
}
