//! In-memory copies of rows the store read, that are never stale.
//!
//! An entry is what a reader connection returned for a key — a session row
//! joined with its account (keyed by the cookie token's hash), or a page of
//! a customer's tickets (keyed by its filter) — tagged with the
//! [`ChangeStamp`] taken *before* that read started. A lookup may use the
//! entry only when the stamp taken now is equal: then no connection of any
//! process has committed since before the read, so the database still holds
//! exactly what was read. Any commit — a logout, a password reset, the
//! touch of another session, a reply, an account changed with the `sqlite3`
//! shell — makes every entry unusable at once; the next request reads again
//! and caches under the new stamp.
//!
//! A cached session row carries the session's `last_seen_at` and
//! `expires_at` as stored, so the time rules (idle and absolute expiry, the
//! periodic touch; [`crate::auth::sessions::live_session`]) give exactly
//! what they would give with a fresh read. A touch is a commit, so the row
//! is read again afterwards.
//!
//! Only what exists is cached: an unknown token always asks SQLite. Each
//! cache keeps at most its configured number of entries; when full, entries
//! of an older stamp (which can never be used again) go first, then
//! arbitrary ones.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

use super::change_stamp::ChangeStamp;
use super::sessions::StoredSession;
use super::ticket_lists::{TicketFilter, TicketPage};

/// Most session rows kept.
pub const MAX_SESSIONS: usize = 10_000;
/// Most ticket pages kept.
pub const MAX_TICKET_PAGES: usize = 1_000;

/// Session rows by token hash.
pub type SessionCache = ReadCache<String, StoredSession>;
/// Pages of ticket lists by filter.
pub type TicketPageCache = ReadCache<TicketFilter, TicketPage>;

struct Entry<V> {
    stamp: ChangeStamp,
    value: V,
}

/// A cache of values read at a known stamp (see the module docs).
pub struct ReadCache<K, V> {
    entries: Mutex<HashMap<K, Entry<V>>>,
    max_entries: usize,
}

impl<K, V> std::fmt::Debug for ReadCache<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadCache")
            .field("max_entries", &self.max_entries)
            .finish_non_exhaustive()
    }
}

impl<K: Hash + Eq + Clone, V: Clone> ReadCache<K, V> {
    /// An empty cache holding at most `max_entries`.
    pub fn new(max_entries: usize) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            max_entries: max_entries.max(1),
        }
    }

    /// The value of `key` if it was read at stamp `now`, the store's
    /// current stamp; an entry of another stamp is dropped.
    pub fn get<Q>(&self, key: &Q, now: &ChangeStamp) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Hash + Eq + ?Sized,
    {
        let mut entries = self.entries.lock().ok()?;
        let entry = entries.get(key)?;
        if entry.stamp == *now {
            return Some(entry.value.clone());
        }
        entries.remove(key);
        None
    }

    /// Keeps `value`, read by a reader connection that started after the
    /// stamp `read_after` was taken.
    pub fn insert(&self, key: K, read_after: ChangeStamp, value: V) {
        let Ok(mut entries) = self.entries.lock() else {
            return;
        };
        if entries.len() >= self.max_entries && !entries.contains_key(&key) {
            entries.retain(|_, e| e.stamp == read_after);
            while entries.len() >= self.max_entries {
                let Some(victim) = entries.keys().next().cloned() else {
                    break;
                };
                entries.remove(&victim);
            }
        }
        entries.insert(
            key,
            Entry {
                stamp: read_after,
                value,
            },
        );
    }

    /// How many entries are kept.
    pub fn len(&self) -> usize {
        self.entries.lock().map(|e| e.len()).unwrap_or(0)
    }

    /// Whether nothing is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::super::change_stamp::WalIndex;
    use super::*;

    #[test]
    fn entries_of_an_old_stamp_are_never_served_and_the_size_is_bounded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let c = rusqlite::Connection::open(&path).unwrap();
        c.query_row("PRAGMA journal_mode = WAL", [], |_| Ok(()))
            .unwrap();
        c.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        let index = WalIndex::open(&path).unwrap();
        let old = index.stamp().unwrap();
        let cache: ReadCache<u32, u32> = ReadCache::new(2);
        cache.insert(1, old, 10);
        cache.insert(2, old, 20);
        assert_eq!(cache.get(&1, &old), Some(10));

        c.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let new = index.stamp().unwrap();
        assert_eq!(cache.get(&1, &new), None, "read before the commit");
        assert_eq!(cache.len(), 1, "the stale entry went");
        cache.insert(3, new, 30);
        cache.insert(4, new, 40);
        assert_eq!(cache.len(), 2, "old entries go first, then any");
        assert_eq!(cache.get(&2, &new), None);
        assert_eq!(cache.get(&4, &new), Some(40));
    }
}
