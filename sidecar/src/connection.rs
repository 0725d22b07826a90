//! One connection's idle deadline, shared by the sidecar and `docket serve`.
//!
//! A connection is *busy* from the moment a request's head has been read
//! until its response has been written (the response body dropped), and
//! *idle* otherwise: before its first request and between requests on a
//! kept-alive (HTTP/1.1) or multiplexed (HTTP/2) connection. [`Watched`]
//! wraps the socket and fails a read that is still waiting once the
//! connection has been idle for the limit, which closes it. This covers what
//! hyper's own timers do not: the HTTP/1-vs-HTTP/2 sniff before the first
//! head, and idle HTTP/2 connections. Reading a body and writing a response
//! happen while busy; the body has its own deadline (see
//! [`crate::server::handle`]).
//!
//! The accept loop that uses these lives in [`crate::server`].

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// Whether a connection is busy, and since when it has been idle.
#[derive(Debug)]
pub struct Activity {
    busy: AtomicUsize,
    idle_since: Mutex<Instant>,
}

impl Activity {
    /// A new connection: idle since now.
    pub fn new() -> Arc<Self> {
        Arc::new(Self {
            busy: AtomicUsize::new(0),
            idle_since: Mutex::new(Instant::now()),
        })
    }

    /// Marks a request as in flight until the returned guard is dropped.
    pub fn begin(self: &Arc<Self>) -> InFlight {
        self.busy.fetch_add(1, Ordering::SeqCst);
        InFlight(Arc::clone(self))
    }

    /// When an idle connection must be closed; `None` while it is busy.
    fn deadline(&self, limit: Duration) -> Option<Instant> {
        if self.busy.load(Ordering::SeqCst) > 0 {
            return None;
        }
        let since = *self
            .idle_since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        Some(since + limit)
    }
}

/// A request in flight; dropping it ends the request (the connection is
/// idle again once no other request is in flight).
#[derive(Debug)]
pub struct InFlight(Arc<Activity>);

impl Drop for InFlight {
    fn drop(&mut self) {
        *self
            .0
            .idle_since
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Instant::now();
        self.0.busy.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A socket whose waiting reads fail with `TimedOut` once its connection
/// has been idle for `limit`.
#[derive(Debug)]
pub struct Watched<T> {
    inner: T,
    activity: Arc<Activity>,
    limit: Duration,
    timer: Pin<Box<Sleep>>,
}

impl<T> Watched<T> {
    /// Wraps `inner`, whose requests are tracked by `activity`.
    pub fn new(inner: T, activity: Arc<Activity>, limit: Duration) -> Self {
        let first = activity.deadline(limit).unwrap_or_else(Instant::now);
        Self {
            inner,
            activity,
            limit,
            timer: Box::pin(tokio::time::sleep_until(first)),
        }
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for Watched<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let poll = Pin::new(&mut this.inner).poll_read(cx, buf);
        if poll.is_pending() {
            if let Some(deadline) = this.activity.deadline(this.limit) {
                if this.timer.deadline() != deadline {
                    this.timer.as_mut().reset(deadline);
                }
                if this.timer.as_mut().poll(cx).is_ready() {
                    return Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "connection idle for too long",
                    )));
                }
            }
        }
        poll
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Watched<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_shutdown(cx)
    }
}

/// A response body that keeps its request in flight until it has been
/// written (or dropped), so a long answer such as an event stream does not
/// count as idle time.
#[derive(Debug)]
pub struct GuardedBody<B> {
    inner: B,
    _in_flight: InFlight,
}

impl<B> GuardedBody<B> {
    /// `inner`, keeping `in_flight` alive as long as it is.
    pub fn new(inner: B, in_flight: InFlight) -> Self {
        Self {
            inner,
            _in_flight: in_flight,
        }
    }
}

impl<B: Body + Unpin> Body for GuardedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_connection_is_idle_only_while_no_request_is_in_flight() {
        let activity = Activity::new();
        let limit = Duration::from_secs(5);
        let before = activity.deadline(limit);
        assert!(before.is_some());
        let first = activity.begin();
        let second = activity.begin();
        assert_eq!(activity.deadline(limit), None);
        drop(first);
        assert_eq!(activity.deadline(limit), None);
        drop(second);
        assert!(activity.deadline(limit) >= before);
    }
}
