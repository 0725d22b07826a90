//! The accept loop: hyper-util's auto (HTTP/1 and HTTP/2) connection builder
//! with a header-read timeout and a header size limit, the 1 MiB body limit,
//! a log line per request, the background tasks (mail sender, purging of
//! expired sessions) and graceful shutdown.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderValue};
use hyper::StatusCode;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::app::App;
use crate::http::{self, Req, Response, MAX_BODY_BYTES};
use crate::{router, Options};

/// How long used or expired account tokens and sent mail are kept.
const KEEP_RECORDS_SECS: i64 = 30 * 24 * 3600;

/// Largest accepted request head (request line and headers), in bytes.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// A bound, ready sidecar.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
}

impl Server {
    /// Prepares the application (store, templates) and binds the configured
    /// listen address.
    pub async fn bind(options: Options) -> Result<Self> {
        let listen = options.config.listen.clone();
        let app = App::new(options).await?;
        let listener = TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        Ok(Self {
            listener,
            app: Arc::new(app),
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// The application state.
    pub fn app(&self) -> Arc<App> {
        Arc::clone(&self.app)
    }

    /// Serves until `shutdown` completes; then stops accepting, lets open
    /// requests finish for up to `shutdown_grace_seconds` and stops the
    /// background tasks.
    pub async fn run(self, shutdown: impl std::future::Future<Output = ()>) -> Result<()> {
        let Server { listener, app } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let mail_task = tokio::spawn(crate::mail::run_sender(Arc::clone(&app), stop_rx.clone()));
        let purge_task = tokio::spawn(purge_loop(Arc::clone(&app), stop_rx));

        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(Duration::from_secs(
                app.options.config.header_timeout_seconds.max(1),
            ))
            .max_buf_size(MAX_HEAD_BYTES);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(MAX_HEAD_BYTES as u32);
        let graceful = GracefulShutdown::new();
        let mut shutdown = std::pin::pin!(shutdown);

        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let (stream, peer) = match accepted {
                        Ok(pair) => pair,
                        Err(err) => {
                            tracing::warn!("accept failed: {err}");
                            tokio::time::sleep(Duration::from_millis(100)).await;
                            continue;
                        }
                    };
                    let app = Arc::clone(&app);
                    let service = hyper::service::service_fn(move |req| {
                        let app = Arc::clone(&app);
                        async move { Ok::<_, Infallible>(handle(&app, peer, req).await) }
                    });
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    let conn = graceful.watch(conn.into_owned());
                    tokio::spawn(async move {
                        if let Err(err) = conn.await {
                            tracing::debug!(%peer, "connection ended: {err}");
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(listener);
        let grace = Duration::from_secs(app.options.config.shutdown_grace_seconds);
        tokio::select! {
            () = graceful.shutdown() => tracing::info!("all connections closed"),
            () = tokio::time::sleep(grace) => tracing::warn!("connections still open after {grace:?}; stopping anyway"),
        }
        let _ = stop_tx.send(true);
        let _ = mail_task.await;
        let _ = purge_task.await;
        Ok(())
    }
}

/// Reads the body (up to [`MAX_BODY_BYTES`]), routes, adds the standard
/// headers and logs one line without query, cookies or body. Public so that
/// a server of its own (`docket serve`) can hand requests to the sidecar.
pub async fn handle(app: &App, peer: SocketAddr, req: hyper::Request<Incoming>) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let trust_forwarded_for = app.options.config.trust_forwarded_for;
    let mut resp = match read_request(peer, req, trust_forwarded_for).await {
        Ok(req) => router::route(app, req).await,
        Err(status) => {
            let mut resp = http::text(status, "The request is too large or malformed.\n");
            resp.headers_mut()
                .insert(header::CONNECTION, HeaderValue::from_static("close"));
            resp
        }
    };
    http::add_standard_headers(&mut resp);
    tracing::info!(
        %method,
        path = %loggable_path(&path),
        status = resp.status().as_u16(),
        latency_ms = started.elapsed().as_millis() as u64,
        "request"
    );
    resp
}

async fn read_request(
    peer: SocketAddr,
    req: hyper::Request<Incoming>,
    trust_forwarded_for: bool,
) -> Result<Req, StatusCode> {
    let (parts, body) = req.into_parts();
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let body: Bytes = match Limited::new(body, MAX_BODY_BYTES).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            return Err(StatusCode::PAYLOAD_TOO_LARGE)
        }
        Err(_) => return Err(StatusCode::BAD_REQUEST),
    };
    let forwarded = trust_forwarded_for
        .then(|| forwarded_client(&parts.headers))
        .flatten();
    Ok(Req {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        client: forwarded.unwrap_or(peer.ip()),
    })
}

/// The address the trusted proxy appended last to `X-Forwarded-For`.
fn forwarded_client(headers: &hyper::HeaderMap) -> Option<std::net::IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .next_back()?
        .to_str()
        .ok()?
        .rsplit(',')
        .next()?
        .trim()
        .parse()
        .ok()
}

/// The path as logged: at most 200 characters, and the token of a
/// `/t/{token}` link replaced (queries are never logged).
fn loggable_path(path: &str) -> String {
    if path.starts_with("/t/") {
        return "/t/…".to_owned();
    }
    truncate(path, 200).to_owned()
}

fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// Deletes expired sessions and stale rate-limit counters every few minutes.
async fn purge_loop(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    loop {
        let idle = i64::from(app.options.config.session_idle_minutes) * 60;
        if let Err(err) = app.db.purge_sessions(crate::db::now() - idle).await {
            tracing::warn!("purging sessions failed: {err:#}");
        }
        if let Err(err) = crate::auth::rate_limit::purge(&app).await {
            tracing::warn!("purging rate limits failed: {err:#}");
        }
        if let Err(err) = app
            .db
            .purge_old_records(crate::db::now() - KEEP_RECORDS_SECS)
            .await
        {
            tracing::warn!("purging old tokens and mail failed: {err:#}");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(300)) => {}
            _ = stop.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticket_link_tokens_and_long_paths_stay_out_of_the_log() {
        assert_eq!(loggable_path("/t/0123abcd"), "/t/…");
        assert_eq!(loggable_path("/login"), "/login");
        assert_eq!(loggable_path(&"a".repeat(500)).len(), 200);
    }

    #[test]
    fn the_last_forwarded_address_is_the_client() {
        let mut headers = hyper::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("1.1.1.1, 10.0.0.7"),
        );
        assert_eq!(forwarded_client(&headers), "10.0.0.7".parse().ok());
        headers.insert("x-forwarded-for", HeaderValue::from_static("garbage"));
        assert_eq!(forwarded_client(&headers), None);
    }
}
