//! The accept loop ([`serve_connections`], shared with `docket serve`):
//! hyper-util's connection builder (HTTP/1.1; cleartext HTTP/2 only when
//! configured) with an idle deadline on every connection (see
//! [`crate::connection`]), a cap on open connections, a header size limit;
//! then per request the body deadline and 1 MiB body limit, the client's
//! address, a log line; the background tasks (mail sender, purging of
//! expired sessions) and graceful shutdown.

use std::convert::Infallible;
use std::future::Future;
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
use tokio::sync::{watch, Semaphore};

use crate::app::App;
use crate::attachments::upload;
use crate::client_addr::client_address;
use crate::config::SidecarConfig;
use crate::connection::{Activity, GuardedBody, Watched};
use crate::http::{self, Req, Response, MAX_BODY_BYTES};
use crate::{language, router, Options};

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
    /// A browser on this machine may post from the bound address itself
    /// when it is a loopback one (see [`crate::auth::csrf::loopback_origins`]).
    pub async fn bind(mut options: Options) -> Result<Self> {
        let listen = options.config.listen.clone();
        let listener = TcpListener::bind(&listen)
            .await
            .with_context(|| format!("cannot listen on {listen}"))?;
        if let Ok(addr) = listener.local_addr() {
            let own = crate::auth::csrf::loopback_origins(addr);
            options.config.allowed_origins.extend(own);
        }
        let spool = options.spool_dir();
        tokio::task::spawn_blocking(move || crate::attachments::upload::clean_spool_dir(&spool))
            .await
            .context("cannot prepare the upload folder")?
            .context("cannot prepare the upload folder")?;
        let app = App::new(options).await?;
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
    pub async fn run(self, shutdown: impl Future<Output = ()>) -> Result<()> {
        let Server { listener, app } = self;
        let (stop_tx, stop_rx) = watch::channel(false);
        let mail_task = tokio::spawn(Arc::clone(&app).run_mail(stop_rx.clone()));
        let imap_task = app
            .take_imap_fetcher()
            .map(|fetcher| tokio::spawn(fetcher.run(stop_rx.clone())));
        let purge_task = tokio::spawn(purge_loop(Arc::clone(&app), stop_rx));

        let limits = ConnectionLimits::from_config(&app.options.config);
        let handler = move |peer: SocketAddr, req: hyper::Request<Incoming>| {
            let app = Arc::clone(&app);
            async move { handle(&app, peer, req).await }
        };
        serve_connections(listener, limits, handler, shutdown).await;
        let _ = stop_tx.send(true);
        let _ = mail_task.await;
        let _ = purge_task.await;
        if let Some(task) = imap_task {
            let _ = task.await;
        }
        Ok(())
    }
}

/// How connections are limited (see [`serve_connections`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// How long a connection may stay idle: before its first request (this
    /// covers the HTTP/1-vs-HTTP/2 sniff), between requests, and — HTTP/1 —
    /// until a request's head is complete.
    pub header_timeout: Duration,
    /// Most connections open at once; further ones are closed at once.
    pub max_connections: usize,
    /// Whether cleartext HTTP/2 (prior knowledge) is spoken besides HTTP/1.
    pub http2_cleartext: bool,
    /// How long open connections get to finish after shutdown begins.
    pub shutdown_grace: Duration,
}

impl ConnectionLimits {
    /// The limits of `[sidecar]`.
    pub fn from_config(config: &SidecarConfig) -> Self {
        Self {
            header_timeout: Duration::from_secs(config.header_timeout_seconds.max(1)),
            max_connections: usize::try_from(config.max_connections.max(1)).unwrap_or(usize::MAX),
            http2_cleartext: config.http2_cleartext,
            shutdown_grace: Duration::from_secs(config.shutdown_grace_seconds),
        }
    }

    fn builder(&self) -> auto::Builder<TokioExecutor> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        if !self.http2_cleartext {
            builder = builder.http1_only();
        }
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_timeout)
            .max_buf_size(MAX_HEAD_BYTES);
        builder
            .http2()
            .timer(TokioTimer::new())
            .max_header_list_size(MAX_HEAD_BYTES as u32)
            .max_concurrent_streams(MAX_HTTP2_STREAMS)
            .keep_alive_interval(self.header_timeout)
            .keep_alive_timeout(self.header_timeout);
        builder
    }
}

/// Concurrent requests allowed on one HTTP/2 connection.
const MAX_HTTP2_STREAMS: u32 = 16;

/// Pause after a failed `accept` (such as `EMFILE`, too many open files), so
/// the loop neither spins nor stops.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// At most one warning about refused connections per this interval.
const SHED_WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// The one accept loop, used by the sidecar and by `docket serve`: serves
/// each connection with `handler` until `shutdown` completes, then stops
/// accepting and gives open connections `shutdown_grace` to finish.
///
/// Every connection is watched: idle (no request in flight) for longer than
/// `header_timeout` — from its first byte on — it is closed. Over
/// `max_connections` a new connection is closed at once (shedding load
/// instead of stalling accept), and a failed accept backs off briefly.
pub async fn serve_connections<H, Fut, B>(
    listener: TcpListener,
    limits: ConnectionLimits,
    handler: H,
    shutdown: impl Future<Output = ()>,
) where
    H: Fn(SocketAddr, hyper::Request<Incoming>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = hyper::Response<B>> + Send + 'static,
    B: hyper::body::Body + Unpin + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let builder = limits.builder();
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shed = Shed::default();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, peer) = match accepted {
                    Ok(pair) => pair,
                    Err(err) => {
                        tracing::warn!("accept failed: {err}");
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                        continue;
                    }
                };
                let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
                    shed.refuse(stream, limits.max_connections);
                    continue;
                };
                let activity = Activity::new();
                let io = Watched::new(stream, Arc::clone(&activity), limits.header_timeout);
                let handler = handler.clone();
                let service = hyper::service::service_fn(move |req| {
                    let in_flight = activity.begin();
                    let answer = handler(peer, req);
                    async move {
                        let resp = answer.await;
                        Ok::<_, Infallible>(resp.map(|body| GuardedBody::new(body, in_flight)))
                    }
                });
                let conn = builder.serve_connection(TokioIo::new(io), service);
                let conn = graceful.watch(conn.into_owned());
                tokio::spawn(async move {
                    if let Err(err) = conn.await {
                        tracing::debug!(%peer, "connection ended: {err}");
                    }
                    drop(slot);
                });
            }
            () = &mut shutdown => break,
        }
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(limits.shutdown_grace) => {
            tracing::warn!("connections still open after {:?}; stopping anyway", limits.shutdown_grace);
        }
    }
}

/// Connections refused because every slot was taken, and when that was
/// last logged.
#[derive(Debug, Default)]
struct Shed {
    since_warning: u64,
    warned: Option<Instant>,
}

impl Shed {
    /// Closes `stream` at once, after a best-effort `503` that never waits.
    fn refuse(&mut self, stream: tokio::net::TcpStream, max: usize) {
        let _ = stream.try_write(
            b"HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
        );
        drop(stream);
        self.since_warning += 1;
        if self
            .warned
            .is_none_or(|at| at.elapsed() >= SHED_WARNING_INTERVAL)
        {
            tracing::warn!(
                refused = self.since_warning,
                "{max} connections open (max_connections); closing new ones"
            );
            self.since_warning = 0;
            self.warned = Some(Instant::now());
        }
    }
}

/// The account signed in on `req`, if any: an explicit choice made while
/// signed in is remembered on the account too ([`remember_on_account`]),
/// so its mail follows. A failed lookup is logged and skipped.
async fn signed_in_account(app: &App, req: &Req) -> Option<i64> {
    match crate::auth::current_session(app, req).await {
        Ok(session) => session.and_then(|s| s.user).map(|user| user.account_id),
        Err(err) => {
            tracing::warn!("cannot read the session to remember a language: {err:#}");
            None
        }
    }
}

/// Stores `lang` as the language of account `account_id` (its portal and
/// its mail). A failure is logged: the cookie still holds the choice.
async fn remember_on_account(app: &App, account_id: i64, lang: &str) {
    if let Err(err) = app
        .db
        .set_account_language(account_id, Some(lang.to_owned()))
        .await
    {
        tracing::warn!(
            account_id,
            "cannot remember a language on the account: {err:#}"
        );
    }
}

/// Reads the body (up to [`MAX_BODY_BYTES`]), routes, adds the standard
/// headers and logs one line without query, cookies or body. Public so that
/// a server of its own (`docket serve`) can hand requests to the sidecar.
pub async fn handle(app: &App, peer: SocketAddr, req: hyper::Request<Incoming>) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let mut resp = match read_request(app, peer, req).await {
        Ok(req) => {
            let choice = app.languages.choose(&req);
            let chooser = if choice.remember {
                signed_in_account(app, &req).await
            } else {
                None
            };
            let mut resp =
                language::with_language(choice.lang.clone(), router::route(app, req)).await;
            if choice.remember {
                language::remember(&mut resp, &choice.lang, app.options.config.cookie_secure);
            }
            if let Some(account_id) = chooser {
                remember_on_account(app, account_id, &choice.lang).await;
            }
            resp
        }
        Err(status) => {
            let text = if status == StatusCode::REQUEST_TIMEOUT {
                "The request body was not sent in time.\n"
            } else {
                "The request is too large or malformed.\n"
            };
            let mut resp = http::text(status, text);
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

/// Reads the body within `body_timeout_seconds` (408 when it is late) and
/// [`MAX_BODY_BYTES`] (413), and works out the client's address. A
/// multipart POST to an upload route is streamed into spool files instead
/// (see [`read_upload`]), once its head says which form token must come
/// before any file ([`router::upload_token`]).
async fn read_request(
    app: &App,
    peer: SocketAddr,
    req: hyper::Request<Incoming>,
) -> Result<Req, StatusCode> {
    let options = &app.options;
    let config = &options.config;
    let (parts, body) = req.into_parts();
    if head_size(&parts) > MAX_HEAD_BYTES {
        return Err(StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE);
    }
    let declared = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let client = client_address(peer, &parts.headers, config.proxy_hops());
    if let Some(boundary) = upload_boundary(&parts) {
        let mut req = Req {
            method: parts.method,
            path: parts.uri.path().to_owned(),
            query: parts.uri.query().map(str::to_owned),
            headers: parts.headers,
            body: Bytes::new(),
            client,
            upload: None,
        };
        let token = router::upload_token(app, &req).await;
        let upload = read_upload(options, declared, boundary, token, body).await?;
        req.upload = Some(Arc::new(upload));
        return Ok(req);
    }
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let deadline = Duration::from_secs(config.body_timeout_seconds.max(1));
    let collected = tokio::time::timeout(deadline, Limited::new(body, MAX_BODY_BYTES).collect())
        .await
        .map_err(|_| StatusCode::REQUEST_TIMEOUT)?;
    let body: Bytes = match collected {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.is::<http_body_util::LengthLimitError>() => {
            return Err(StatusCode::PAYLOAD_TOO_LARGE)
        }
        Err(_) => return Err(StatusCode::BAD_REQUEST),
    };
    Ok(Req {
        method: parts.method,
        path: parts.uri.path().to_owned(),
        query: parts.uri.query().map(str::to_owned),
        headers: parts.headers,
        body,
        client,
        upload: None,
    })
}

/// The multipart boundary of a POST to an upload route; `None` for every
/// other request (which keeps the 1 MiB limit).
fn upload_boundary(parts: &hyper::http::request::Parts) -> Option<String> {
    if !router::is_upload_route(&parts.method, parts.uri.path()) {
        return None;
    }
    let content_type = parts.headers.get(header::CONTENT_TYPE)?.to_str().ok()?;
    upload::boundary(content_type)
}

/// Streams an upload into spool files within the upload routes' own body
/// limit ([`crate::attachments::Policy::body_bytes`]): 413 when the
/// declared length is over it, 408 when the body stalls for
/// `body_timeout_seconds`. No file part is written before the form token
/// `token` has been read (see [`upload::read`]).
async fn read_upload(
    options: &Options,
    declared: Option<u64>,
    boundary: String,
    token: Option<String>,
    body: Incoming,
) -> Result<upload::Upload, StatusCode> {
    let policy = crate::attachments::Policy::from_config(&options.config);
    if declared.is_some_and(|n| n > policy.body_bytes()) {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    let idle = Duration::from_secs(options.config.body_timeout_seconds.max(1));
    let stream = body.into_data_stream();
    let spool = upload::Spool {
        dir: options.spool_dir(),
        idle,
        token,
    };
    match upload::read(stream, boundary, &policy, &spool).await {
        Ok(upload) => Ok(upload),
        Err(upload::UploadError::TooLarge) => Err(StatusCode::PAYLOAD_TOO_LARGE),
        Err(upload::UploadError::TimedOut) => Err(StatusCode::REQUEST_TIMEOUT),
        Err(upload::UploadError::Malformed(_)) => Err(StatusCode::BAD_REQUEST),
        Err(err @ upload::UploadError::Io(_)) => {
            tracing::error!("upload failed: {err:#}");
            Err(StatusCode::INTERNAL_SERVER_ERROR)
        }
    }
}

/// The size of a request's head as sent over HTTP/1.1: request line and
/// header lines. hyper's buffer limit bounds the head only roughly (how
/// much arrives in one read decides), so the exact rule is applied here.
fn head_size(parts: &hyper::http::request::Parts) -> usize {
    let line = parts.method.as_str().len() + parts.uri.to_string().len() + 12;
    parts.headers.iter().fold(line, |size, (name, value)| {
        size + name.as_str().len() + value.len() + 4
    })
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

/// Deletes expired sessions, stale rate-limit counters, and feedback,
/// counts and contact requests past their keeping time, every few minutes.
async fn purge_loop(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    loop {
        let idle = i64::from(app.options.config.session_idle_minutes) * 60;
        if let Err(err) = app.db.purge_sessions(crate::db::now() - idle).await {
            tracing::warn!("purging sessions failed: {err:#}");
        }
        if let Err(err) = crate::auth::rate_limit::purge(&*app).await {
            tracing::warn!("purging rate limits failed: {err:#}");
        }
        if let Err(err) = app
            .db
            .purge_old_records(crate::db::now() - KEEP_RECORDS_SECS)
            .await
        {
            tracing::warn!("purging old tokens and mail failed: {err:#}");
        }
        if let Err(err) = app.db.purge_selfservice().await {
            tracing::warn!("purging old feedback and contact requests failed: {err:#}");
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
}
