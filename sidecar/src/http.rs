//! The request as handlers see it ([`Req`]: body already read and limited),
//! the response body ([`Body`]: bytes in hand, or a stream of chunks) and
//! helpers that build responses. Nothing here knows about sessions.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv4Addr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Frame, SizeHint};
use hyper::header::{self, HeaderMap, HeaderValue};
use hyper::{Method, StatusCode};
use tokio::sync::mpsc;

use crate::attachments::upload::Upload;
use crate::attachments::FileError;
use crate::db::attachments::{FileSource, NewFile};

/// The response type of every handler.
pub type Response = hyper::Response<Body>;

/// A response body: bytes in hand ([`Body::full`]), or exactly `len` bytes
/// arriving in chunks from a task that reads them ([`Body::channel`]), so
/// a large file is never held whole.
#[derive(Debug)]
pub struct Body(BodyKind);

#[derive(Debug)]
enum BodyKind {
    Full(Full<Bytes>),
    Chunks {
        chunks: mpsc::Receiver<Bytes>,
        remaining: u64,
    },
}

impl Body {
    /// A body of `bytes`.
    pub fn full(bytes: impl Into<Bytes>) -> Self {
        Self(BodyKind::Full(Full::new(bytes.into())))
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::full(Bytes::new())
    }

    /// A body of exactly `len` bytes, sent as chunks through the returned
    /// sender (which holds at most one chunk waiting: the reader keeps
    /// pace with the client). When the client goes away the body is
    /// dropped and sending fails, which tells the reader to stop. When the
    /// sender is dropped before `len` bytes were sent, the body ends
    /// short of its announced length and hyper closes the connection, so
    /// the client sees a cut-off download, never a complete-looking one.
    pub fn channel(len: u64) -> (mpsc::Sender<Bytes>, Self) {
        let (sender, chunks) = mpsc::channel(1);
        let body = Self(BodyKind::Chunks {
            chunks,
            remaining: len,
        });
        (sender, body)
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self::full(bytes)
    }
}

impl hyper::body::Body for Body {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match &mut self.0 {
            BodyKind::Full(full) => Pin::new(full).poll_frame(cx),
            BodyKind::Chunks { chunks, remaining } => {
                if *remaining == 0 {
                    return Poll::Ready(None);
                }
                chunks.poll_recv(cx).map(|chunk| {
                    chunk.map(|chunk| {
                        *remaining = remaining.saturating_sub(chunk.len() as u64);
                        Ok(Frame::data(chunk))
                    })
                })
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.0 {
            BodyKind::Full(full) => full.is_end_stream(),
            BodyKind::Chunks { remaining, .. } => *remaining == 0,
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.0 {
            BodyKind::Full(full) => full.size_hint(),
            BodyKind::Chunks { remaining, .. } => SizeHint::with_exact(*remaining),
        }
    }
}

/// Largest request body accepted (forms), in bytes.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The policy every response carries: nothing inline, nothing from
/// elsewhere, no framing.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
style-src 'self'; img-src 'self' data:; font-src 'self'; object-src 'none'; \
base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// A request whose body has been read.
#[derive(Debug, Clone)]
pub struct Req {
    /// The method.
    pub method: Method,
    /// The path as sent (still percent-encoded), without the query.
    pub path: String,
    /// The query string, if any.
    pub query: Option<String>,
    /// The request headers.
    pub headers: HeaderMap,
    /// The body (at most [`MAX_BODY_BYTES`]).
    pub body: Bytes,
    /// The client's address.
    pub client: IpAddr,
    /// A `multipart/form-data` upload to an upload route, read and
    /// spooled (then `body` is empty and [`Req::form`] gives its fields).
    pub upload: Option<Arc<Upload>>,
}

impl Req {
    /// A request without headers or body from 127.0.0.1, for tests and
    /// internal use. `target` is a path with an optional query.
    pub fn new(method: Method, target: &str) -> Self {
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p.to_owned(), Some(q.to_owned())),
            None => (target.to_owned(), None),
        };
        Self {
            method,
            path,
            query,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            client: IpAddr::V4(Ipv4Addr::LOCALHOST),
            upload: None,
        }
    }

    /// A header's value when it is valid text.
    pub fn header(&self, name: impl header::AsHeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first value of query parameter `name`.
    pub fn query_param(&self, name: &str) -> Option<String> {
        let query = self.query.as_deref()?;
        form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }

    /// The body as an `application/x-www-form-urlencoded` form; any other
    /// content type gives an empty form (which then fails the CSRF check).
    pub fn form(&self) -> Form {
        if let Some(upload) = &self.upload {
            return Form(upload.fields.clone());
        }
        let is_form = self
            .header(header::CONTENT_TYPE)
            .map(|ct| {
                ct.split(';')
                    .next()
                    .unwrap_or("")
                    .trim()
                    .eq_ignore_ascii_case("application/x-www-form-urlencoded")
            })
            .unwrap_or(false);
        if !is_form {
            return Form(Vec::new());
        }
        Form(
            form_urlencoded::parse(&self.body)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    /// The files sent with an upload form, ready to store with the
    /// message; the first refused file when any was (then none may be
    /// stored). No upload: no files.
    pub fn files(&self) -> Result<Vec<NewFile>, FileError> {
        let Some(upload) = &self.upload else {
            return Ok(Vec::new());
        };
        if let Some(refused) = &upload.refused {
            return Err(refused.clone());
        }
        Ok(upload
            .files
            .iter()
            .map(|f| NewFile {
                name: f.name.clone(),
                checked: f.checked.clone(),
                source: FileSource::Spool(f.file.to_path_buf()),
            })
            .collect())
    }

    /// The value of cookie `name`.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(cookie::Cookie::split_parse)
            .filter_map(Result::ok)
            .find(|c| c.name() == name)
            .map(|c| c.value().to_owned())
    }

    /// The path and query, as sent.
    pub fn target(&self) -> String {
        match &self.query {
            Some(q) => format!("{}?{q}", self.path),
            None => self.path.clone(),
        }
    }
}

/// A parsed form.
#[derive(Debug, Clone, Default)]
pub struct Form(Vec<(String, String)>);

impl Form {
    /// Every field in the order sent.
    pub fn fields(&self) -> &[(String, String)] {
        &self.0
    }

    /// The first value of field `name`, or `""`.
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }
}

fn with_body(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response {
    let mut resp = hyper::Response::new(Body::full(body));
    *resp.status_mut() = status;
    resp.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    resp
}

/// An HTML response.
pub fn html(status: StatusCode, body: impl Into<Bytes>) -> Response {
    with_body(status, "text/html; charset=utf-8", body)
}

/// A JSON response.
pub fn json(status: StatusCode, value: &serde_json::Value) -> Response {
    with_body(status, "application/json", value.to_string())
}

/// A plain-text response.
pub fn text(status: StatusCode, body: &'static str) -> Response {
    with_body(status, "text/plain; charset=utf-8", body)
}

/// `303 See Other` to `location` (a same-site path).
pub fn see_other(location: &str) -> Response {
    redirect(StatusCode::SEE_OTHER, location)
}

/// A redirect with the given status.
pub fn redirect(status: StatusCode, location: &str) -> Response {
    let mut resp = with_body(status, "text/plain; charset=utf-8", Bytes::new());
    if let Ok(value) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp
}

/// Adds a header; values that are not valid header text are dropped.
pub fn set_header(resp: &mut Response, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        resp.headers_mut().append(name, value);
    }
}

/// The referrer policy of a page whose URL holds a live single-use token
/// (see [`keep_token_out_of_referer`]). Not `no-referrer`: under that
/// policy browsers send `Origin: null` with the page's own form, which the
/// CSRF origin check must refuse. `strict-origin` sends the origin alone
/// (never the path or query, so never the token), and nothing from HTTPS
/// to HTTP.
pub const TOKEN_PAGE_REFERRER_POLICY: &str = "strict-origin";

/// Marks a page whose URL holds a live token (`/verify?token=`,
/// `/password/reset?token=`, `/t/{token}`): a `Referer` from it carries
/// the origin only, so the token never reaches another server, a log or an
/// analytics script through its subresources or links.
pub fn keep_token_out_of_referer(resp: &mut Response) {
    resp.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static(TOKEN_PAGE_REFERRER_POLICY),
    );
}

/// Adds the headers every response carries: CSP (unless the handler set
/// a stricter one: attached files do), no sniffing, no framing,
/// a same-origin referrer policy (unless the handler chose a stricter one)
/// and, unless the handler chose a cache
/// policy (public files do), `Cache-Control: private, no-store`.
pub fn add_standard_headers(resp: &mut Response) {
    let headers = resp.headers_mut();
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("same-origin"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("private, no-store"));
}

/// Whether `next` is a path on this site that a redirect may go to:
/// absolute path, no scheme, no authority (`//host`, `/\host`), no
/// backslashes or control characters.
pub fn is_safe_next(next: &str) -> bool {
    next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(|c| c.is_control() || c.is_whitespace())
        && next.len() <= 2048
}

/// `s` percent-encoded for use as a query parameter value.
pub fn encode_query_value(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_same_site_paths_are_safe_redirect_targets() {
        for ok in ["/", "/internal/a/", "/my/tickets?status=open"] {
            assert!(is_safe_next(ok), "{ok}");
        }
        for bad in [
            "",
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "javascript:alert(1)",
            "/ok\r\nSet-Cookie: x=1",
            "evil.example/path",
            "/\tevil",
        ] {
            assert!(!is_safe_next(bad), "{bad:?}");
        }
    }

    #[test]
    fn forms_are_read_only_with_the_form_content_type() {
        let mut req = Req::new(Method::POST, "/login");
        req.body = Bytes::from_static(b"email=a%40b.com&password=x+y");
        assert_eq!(req.form().get("email"), "");
        req.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        );
        assert_eq!(req.form().get("email"), "a@b.com");
        assert_eq!(req.form().get("password"), "x y");
        assert_eq!(req.form().get("missing"), "");
    }

    #[test]
    fn cookies_are_found_among_several() {
        let mut req = Req::new(Method::GET, "/");
        req.headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; docket_session=abc"),
        );
        assert_eq!(req.cookie("docket_session").as_deref(), Some("abc"));
        assert_eq!(req.cookie("b"), None);
    }
}
