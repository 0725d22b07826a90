//! An in-memory copy of session rows that is never stale.
//!
//! An entry is a session row (joined with its account) as a reader
//! connection returned it, keyed by the cookie token's hash and tagged with
//! the [`ChangeStamp`] taken *before* that read started. A lookup may use
//! the entry only when the stamp taken now is equal: then no connection of
//! any process has committed since before the row was read, so the
//! database still holds exactly that row. Any commit — a logout, a
//! password reset, the touch of another session, an account changed with
//! the `sqlite3` shell — makes every entry unusable at once; the next
//! request reads its row again and caches it under the new stamp.
//!
//! The cached row carries the session's `last_seen_at` and `expires_at`
//! as stored, so the time rules (idle and absolute expiry, the periodic
//! touch; [`crate::auth::sessions::live_session`]) give exactly what they
//! would give with a fresh read. A touch is a commit, so the row is read
//! again afterwards.
//!
//! Only rows that exist are cached: an unknown token always asks SQLite.
//! At most [`MAX_ENTRIES`] rows are kept; when full, rows of an older
//! stamp (which can never be used again) go first, then arbitrary ones.

use std::collections::HashMap;
use std::sync::Mutex;

use super::change_stamp::ChangeStamp;
use super::sessions::StoredSession;

/// Most sessions kept.
pub const MAX_ENTRIES: usize = 10_000;

struct Entry {
    stamp: ChangeStamp,
    session: StoredSession,
}

/// The cache (see the module docs).
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache").finish_non_exhaustive()
    }
}

impl SessionCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The session row of `token_hash` if it was read at stamp `now`, the
    /// store's current stamp; an entry of another stamp is dropped.
    pub fn get(&self, token_hash: &str, now: &ChangeStamp) -> Option<StoredSession> {
        let mut entries = self.entries.lock().ok()?;
        let entry = entries.get(token_hash)?;
        if entry.stamp == *now {
            return Some(entry.session.clone());
        }
        entries.remove(token_hash);
        None
    }

    /// Keeps `session`, read from a reader connection that started after
    /// the stamp `read_after` was taken.
    pub fn insert(&self, token_hash: String, read_after: ChangeStamp, session: StoredSession) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(&token_hash) {
            entries.retain(|_, e| e.stamp == read_after);
            while entries.len() >= MAX_ENTRIES {
                let Some(victim) = entries.keys().next().cloned() else {
                    break;
                };
                entries.remove(&victim);
            }
        }
        entries.insert(
            token_hash,
            Entry {
                stamp: read_after,
                session,
            },
        );
    }

    /// How many rows are kept.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
