//! The development server's HTTP side: one listener that answers
//! `/__docket/…` itself (the live-reload script, its event stream and the
//! current build error) and hands every other request to the sidecar, whose
//! HTML answers get the live-reload script tag before `</body>`. Files
//! rebuilt but not yet written come from [`Fresh`], looked up by the
//! request path's one normalised form ([`super::paths`]), which is also
//! the path the sidecar is handed. A request whose Host is not a loopback
//! name is refused before anything else ([`host`]).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::Result;
use docket_sidecar::http::{Body as SidecarBody, Response as SidecarResponse};
use docket_sidecar::server::{serve_connections, ConnectionLimits};
use docket_sidecar::App;
use http_body_util::{combinators::BoxBody, BodyExt, Full};
use hyper::body::{Body, Bytes, Frame, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::fresh::{Fresh, FreshFile};
use super::host;
use super::live::{Live, Status};
use super::paths::{locate, Location};
use crate::model::bundle::BundleKind;

/// The script every HTML page gets while serving.
const LIVERELOAD_JS: &str = include_str!("livereload.js");

/// The tag injected before `</body>`: an external script, so the sidecar's
/// Content-Security-Policy (`script-src 'self'`) allows it.
pub const SCRIPT_TAG: &str = r#"<script src="/__docket/livereload.js" defer></script>"#;

/// How often an idle event stream sends a comment (finds closed tabs).
const KEEPALIVE: Duration = Duration::from_secs(15);

type Reply = Response<BoxBody<Bytes, Infallible>>;

/// Accepts connections until `shutdown` completes, through the sidecar's
/// accept loop (so the same deadlines and connection cap apply).
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    live: Arc<Live>,
    fresh: Arc<Fresh>,
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<()> {
    let limits = ConnectionLimits {
        // Event streams never end on their own: wait briefly, then stop.
        shutdown_grace: Duration::from_millis(500),
        ..ConnectionLimits::from_config(&app.options.config)
    };
    let handler = move |peer: SocketAddr, req: Request<Incoming>| {
        let (app, live, fresh) = (Arc::clone(&app), Arc::clone(&live), Arc::clone(&fresh));
        async move { respond(&app, &live, &fresh, peer, req).await }
    };
    serve_connections(listener, limits, handler, shutdown).await;
    Ok(())
}

/// One request: refused unless its Host is a loopback name ([`host`]);
/// then ours, or the sidecar's with the script injected.
async fn respond(
    app: &App,
    live: &Live,
    fresh: &Fresh,
    peer: SocketAddr,
    mut req: Request<Incoming>,
) -> Reply {
    if let Err(refusal) = host::check(&req) {
        return fixed(
            StatusCode::MISDIRECTED_REQUEST,
            "text/plain; charset=utf-8",
            Bytes::from(refusal),
        );
    }
    match req.uri().path() {
        "/__docket/livereload.js" => fixed(
            StatusCode::OK,
            "text/javascript; charset=utf-8",
            Bytes::from_static(LIVERELOAD_JS.as_bytes()),
        ),
        "/__docket/events" => events(live),
        "/__docket/error" => match live.current().error {
            Some(text) => fixed(
                StatusCode::OK,
                "text/plain; charset=utf-8",
                Bytes::from(text),
            ),
            None => fixed(StatusCode::NO_CONTENT, "text/plain", Bytes::new()),
        },
        _ => {
            let reads = matches!(*req.method(), Method::GET | Method::HEAD);
            // One normalised path decides everything: the sidecar is handed
            // its canonical form, so it routes to the handler of the bundle
            // the held file was looked up in.
            let location = if reads {
                locate(req.uri().path()).filter(|location| canonicalise(&mut req, location))
            } else {
                None
            };
            let held = match &location {
                Some(location) if req.method() == Method::GET => fresh.get(location),
                _ => None,
            };
            if held.is_some() {
                // The client's copy is older than the held file.
                let headers = req.headers_mut();
                headers.remove(header::IF_NONE_MATCH);
                headers.remove(header::IF_MODIFIED_SINCE);
            }
            let resp = docket_sidecar::server::handle(app, peer, req).await;
            let resp = match (held, location) {
                (Some(file), Some(location)) => with_fresh_body(resp, file, location.kind),
                _ => resp,
            };
            inject(resp).await
        }
    }
}

/// Replaces the request's path with `location`'s canonical form (the
/// query stays); `false`, with the request unchanged, when that cannot be
/// done (then nothing may be answered from memory for it).
fn canonicalise(req: &mut Request<Incoming>, location: &Location) -> bool {
    let url = location.url();
    if url == req.uri().path() {
        return true;
    }
    let target = match req.uri().query() {
        Some(query) => format!("{url}?{query}"),
        None => url,
    };
    let Ok(path_and_query) = target.parse::<hyper::http::uri::PathAndQuery>() else {
        return false;
    };
    let mut parts = req.uri().clone().into_parts();
    parts.path_and_query = Some(path_and_query);
    match hyper::Uri::from_parts(parts) {
        Ok(uri) => {
            *req.uri_mut() = uri;
            true
        }
        Err(_) => false,
    }
}

/// The sidecar's answer for a bundle file with the held bytes instead,
/// when the sidecar served the file (200) or, in the public bundle, does
/// not have it yet (404); any other answer (a redirect to the login, a
/// refusal) stays. An internal page is only ever swapped for one the
/// sidecar's internal handler served: its access check decided.
fn with_fresh_body(resp: SidecarResponse, file: FreshFile, kind: BundleKind) -> SidecarResponse {
    let status = resp.status();
    let swap =
        status == StatusCode::OK || (status == StatusCode::NOT_FOUND && kind == BundleKind::Public);
    if !swap {
        return resp;
    }
    let (mut parts, _) = resp.into_parts();
    parts.status = StatusCode::OK;
    let headers = &mut parts.headers;
    headers.remove(header::CONTENT_LENGTH);
    headers.remove(header::LAST_MODIFIED);
    if let Ok(etag) = HeaderValue::from_str(&file.etag) {
        headers.insert(header::ETAG, etag);
    }
    if status == StatusCode::NOT_FOUND {
        // The 404 page's type; every page a rebuild adds is HTML.
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
    }
    Response::from_parts(parts, SidecarBody::full(file.bytes))
}

fn fixed(status: StatusCode, content_type: &'static str, body: Bytes) -> Reply {
    let mut resp = Response::new(Full::new(body).boxed());
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// Adds [`SCRIPT_TAG`] to an HTML answer of the sidecar.
async fn inject(resp: SidecarResponse) -> Reply {
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    if !is_html {
        return resp.map(BodyExt::boxed);
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(never) => match never {},
    };
    if bytes.is_empty() {
        return Response::from_parts(parts, Full::new(bytes).boxed());
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, Full::new(Bytes::from(with_script(&bytes))).boxed())
}

/// `html` with [`SCRIPT_TAG`] before its last `</body>` (or at the end).
pub fn with_script(html: &[u8]) -> Vec<u8> {
    let at = html
        .windows(7)
        .rposition(|w| w.eq_ignore_ascii_case(b"</body>"))
        .unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + SCRIPT_TAG.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(SCRIPT_TAG.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// `GET /__docket/events`: `hello` with the version, then `reload` after
/// each successful rebuild and `build-error` with the text after a failed
/// one.
fn events(live: &Live) -> Reply {
    let (tx, rx) = mpsc::channel::<Bytes>(8);
    let mut changes = live.subscribe();
    tokio::spawn(async move {
        let first = changes.borrow_and_update().clone();
        if tx.send(event("hello", &first.version)).await.is_err() {
            return;
        }
        if let Some(error) = &first.error {
            if tx.send(event("build-error", error)).await.is_err() {
                return;
            }
        }
        let mut last = first;
        loop {
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        return;
                    }
                    let now: Status = changes.borrow_and_update().clone();
                    let message = match &now.error {
                        Some(error) => event("build-error", error),
                        None if now.version != last.version => event("reload", &now.version),
                        None => event("ok", ""),
                    };
                    last = now;
                    if tx.send(message).await.is_err() {
                        return;
                    }
                }
                () = tokio::time::sleep(KEEPALIVE) => {
                    if tx.send(Bytes::from_static(b": keep-alive\n\n")).await.is_err() {
                        return;
                    }
                }
            }
        }
    });
    let mut resp = Response::new(EventBody { rx }.boxed());
    let headers = resp.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

/// One Server-Sent Event; every line of `data` becomes a `data:` line.
fn event(name: &str, data: &str) -> Bytes {
    let mut text = format!("event: {name}\n");
    for line in data.split('\n') {
        text.push_str("data: ");
        text.push_str(line.trim_end_matches('\r'));
        text.push('\n');
    }
    text.push('\n');
    Bytes::from(text)
}

/// A response body fed by a channel; ends when the sender is dropped.
struct EventBody {
    rx: mpsc::Receiver<Bytes>,
}

impl Body for EventBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.rx
            .poll_recv(cx)
            .map(|chunk| chunk.map(|b| Ok(Frame::data(b))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_goes_before_the_last_closing_body_tag() {
        let html = b"<html><body><p>x</p></BODY></html>";
        let out = String::from_utf8(with_script(html)).unwrap_or_default();
        assert_eq!(
            out,
            format!("<html><body><p>x</p>{SCRIPT_TAG}</BODY></html>")
        );
    }

    #[test]
    fn a_page_without_a_body_tag_gets_the_script_at_the_end() {
        let out = String::from_utf8(with_script(b"<p>x</p>")).unwrap_or_default();
        assert!(out.ends_with(SCRIPT_TAG));
    }

    #[test]
    fn multi_line_event_data_becomes_several_data_lines() {
        assert_eq!(
            event("build-error", "a\nb"),
            Bytes::from_static(b"event: build-error\ndata: a\ndata: b\n\n")
        );
    }
}
