//! Rate-limit counters: fixed windows, one row per key, kept in the store so
//! that several sidecars sharing it share the limits.

use anyhow::Result;
use rusqlite::params;

use super::{now, Db};

impl Db {
    /// Counts one attempt under `key`. Returns `None` while at most `limit`
    /// attempts fell in the current window of `window_secs`, else the
    /// seconds until the window ends.
    pub async fn rate_limit_hit(
        &self,
        key: &str,
        limit: u32,
        window_secs: i64,
    ) -> Result<Option<u64>> {
        let key = key.to_owned();
        self.write(move |tx| {
            let t = now();
            let (start, count): (i64, i64) = tx.query_row(
                "INSERT INTO rate_limits (key, window_start, count) VALUES (?1, ?2, 1)
                 ON CONFLICT (key) DO UPDATE SET
                   window_start = CASE WHEN window_start + ?3 <= ?2 THEN ?2 ELSE window_start END,
                   count = CASE WHEN window_start + ?3 <= ?2 THEN 1 ELSE count + 1 END
                 RETURNING window_start, count",
                params![key, t, window_secs],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )?;
            if count > i64::from(limit) {
                Ok(Some((start + window_secs - t).max(1) as u64))
            } else {
                Ok(None)
            }
        })
        .await
    }

    /// Forgets the counter under `key` (after a successful login).
    pub async fn rate_limit_clear(&self, key: &str) -> Result<()> {
        let key = key.to_owned();
        self.write(move |tx| {
            tx.execute("DELETE FROM rate_limits WHERE key = ?1", [key])?;
            Ok(())
        })
        .await
    }

    /// Deletes counters whose window ended before `before`.
    pub async fn purge_rate_limits(&self, window_secs: i64) -> Result<usize> {
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM rate_limits WHERE window_start + ?1 <= ?2",
                params![window_secs, now()],
            )
        })
        .await
    }
}
