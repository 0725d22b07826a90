//! The state the rebuild thread publishes and the browser follows: a
//! version that grows with every successful rebuild and the text of the
//! last failed one. The HTTP side turns changes into Server-Sent Events.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

/// What open pages should show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    /// Changes with every successful rebuild (and differs between runs).
    pub version: String,
    /// The errors of the last rebuild, when it failed.
    pub error: Option<String>,
}

/// Shared between the rebuild thread (which reports) and the server (which
/// streams). Reporting is synchronous and never blocks.
#[derive(Debug)]
pub struct Live {
    run: u128,
    counter: std::sync::atomic::AtomicU64,
    state: watch::Sender<Status>,
}

impl Default for Live {
    fn default() -> Self {
        Self::new()
    }
}

impl Live {
    /// A fresh state: version 0 of this run, no error.
    pub fn new() -> Self {
        let run = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let (state, _) = watch::channel(Status {
            version: format!("{run:x}-0"),
            error: None,
        });
        Self {
            run,
            counter: std::sync::atomic::AtomicU64::new(0),
            state,
        }
    }

    /// A rebuild succeeded: open pages reload (and drop any overlay).
    pub fn succeeded(&self) {
        let n = self
            .counter
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        let version = format!("{:x}-{n}", self.run);
        self.state.send_replace(Status {
            version,
            error: None,
        });
    }

    /// A rebuild failed: open pages show `text`; the old output stays.
    pub fn failed(&self, text: String) {
        self.state.send_modify(|s| s.error = Some(text));
    }

    /// The current status.
    pub fn current(&self) -> Status {
        self.state.borrow().clone()
    }

    /// Follows every change.
    pub fn subscribe(&self) -> watch::Receiver<Status> {
        self.state.subscribe()
    }
}
