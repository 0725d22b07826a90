//! The store's change stamp: a few bytes that change whenever any
//! connection, in this process or another, commits to the database.
//!
//! In WAL mode SQLite keeps a wal-index in the `-shm` file beside the
//! database, shared (memory-mapped) by every connection of every process
//! (<https://www.sqlite.org/walformat.html>, "The WAL-Index Format"). It
//! starts with a 48-byte header, stored twice (offsets 0 and 48): version,
//! `iChange` (incremented by every commit), `isInit`, page size, `mxFrame`
//! (last valid frame), database size, the last frame's checksum, the WAL
//! salts and a checksum of the header. A committing writer updates its
//! header copy and writes it into the wal-index, the second copy first,
//! then the first (`walIndexWriteHdr` in SQLite's `wal.c`) — before the
//! commit returns. A WAL reset (after a checkpoint) rewrites it with new
//! salts and `mxFrame` 0; `iChange` keeps counting. So the 48 bytes never
//! come back to an earlier value, and two readings that are equal mean no
//! commit finished between them.
//!
//! [`WalIndex::stamp`] reads both copies with one `pread` of 96 bytes
//! (no SQLite call, no lock: the same order of cost as a `stat`, so it is
//! done on the async runtime) and gives the header when the copies agree
//! and it is initialised. A torn read during a concurrent commit gives
//! unequal copies (no stamp: the caller asks SQLite) or a value no later
//! reading will equal, so it can only cost a cache miss.
//!
//! Why the file is the live one: the sidecar's writer connection stays
//! open in WAL mode for the store's whole life, and in WAL mode a
//! connection keeps its shared lock on the database file and on the
//! wal-index while it is open. No other connection can therefore delete
//! or re-create the `-shm` file, leave WAL mode, or run the database in
//! `locking_mode=EXCLUSIVE` with a wal-index in heap memory (each needs an
//! exclusive lock first). Every commit by anyone goes through this header.
//!
//! Alternatives, and why not: `PRAGMA data_version` answers the same
//! question exactly, but it is a SQLite call on a connection, so it would
//! have to run on the blocking pool — the very trip a cache is meant to
//! save. `stat` stamps of the database and `-wal` files are unsound: a
//! commit need not change the length, modification times have a clock
//! granularity (two commits in one tick look alike), and a WAL reset
//! rewrites the `-wal` file from the start with the same length. An
//! in-process counter of our own commits misses other processes.
//!
//! Why the file stays open until the process exits: SQLite locks the
//! wal-index with POSIX `fcntl` locks, which a process loses on *every*
//! descriptor of the file as soon as it closes *any* descriptor of it.
//! Closing ours while a connection of this process still held its locks
//! would silently drop them. So the descriptors are kept in a
//! process-wide table, one per `-shm` file (device and inode), and never
//! closed; a database that is opened again reuses its descriptor unless
//! the `-shm` file was re-created meanwhile.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// The length of one copy of the wal-index header.
const HEADER_LEN: usize = 48;
/// The wal-index format version SQLite writes (`WALINDEX_MAX_VERSION`).
const WALINDEX_VERSION: u32 = 3_007_000;
/// Offset of `isInit` in the header.
const IS_INIT_OFFSET: usize = 12;

/// One reading of the wal-index header: equal readings mean nothing was
/// committed in between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChangeStamp([u8; HEADER_LEN]);

/// The open `-shm` file of a database in WAL mode.
#[derive(Debug, Clone)]
pub struct WalIndex {
    file: Arc<File>,
    path: PathBuf,
}

/// Open `-shm` files by device and inode.
type KeptFiles = Mutex<HashMap<(u64, u64), Arc<File>>>;

/// Every `-shm` file this process opened: never closed (see the module
/// docs).
fn open_files() -> &'static KeptFiles {
    static FILES: OnceLock<KeptFiles> = OnceLock::new();
    FILES.get_or_init(Mutex::default)
}

impl WalIndex {
    /// Opens the wal-index of the database at `db_path`, read-only. Only
    /// call it while a connection holds the database open in WAL mode (see
    /// the module docs); `None` when the file is missing or its header is
    /// not one this code knows.
    pub fn open(db_path: &Path) -> Option<Self> {
        let mut name = db_path.as_os_str().to_owned();
        name.push("-shm");
        let path = PathBuf::from(name);
        let file = File::open(&path).ok()?;
        let id = file_id(&file)?;
        let mut files = open_files().lock().ok()?;
        // A descriptor already kept for this very file is reused and the
        // new one is kept as well: closing it would drop SQLite's locks.
        let file = match files.get(&id) {
            Some(kept) => {
                std::mem::forget(file);
                Arc::clone(kept)
            }
            None => Arc::clone(files.entry(id).or_insert_with(|| Arc::new(file))),
        };
        drop(files);
        let index = Self { file, path };
        index.stamp().map(|_| index)
    }

    /// The `-shm` file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The current header, when both copies agree and it is initialised.
    /// One `pread` of 96 bytes: cheap enough for the async runtime.
    pub fn stamp(&self) -> Option<ChangeStamp> {
        let mut both = [0u8; 2 * HEADER_LEN];
        read_at(&self.file, &mut both)?;
        let (first, second) = both.split_at(HEADER_LEN);
        let mut version = [0u8; 4];
        version.copy_from_slice(&first[..4]);
        let known = u32::from_ne_bytes(version) == WALINDEX_VERSION;
        if first != second || !known || first[IS_INIT_OFFSET] == 0 {
            return None;
        }
        let mut header = [0u8; HEADER_LEN];
        header.copy_from_slice(first);
        Some(ChangeStamp(header))
    }
}

#[cfg(unix)]
fn file_id(file: &File) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    let meta = file.metadata().ok()?;
    Some((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(_file: &File) -> Option<(u64, u64)> {
    None
}

#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8]) -> Option<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, 0).ok()
}

#[cfg(not(unix))]
fn read_at(_file: &File, _buf: &mut [u8]) -> Option<()> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use rusqlite::Connection;

    #[allow(clippy::unwrap_used)] // test helper
    fn wal_db(path: &Path) -> Connection {
        let c = Connection::open(path).unwrap();
        let mode: String = c
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        c.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        c
    }

    #[test]
    fn every_commit_of_any_connection_changes_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let first = wal_db(&path);
        let index = WalIndex::open(&path).expect("the wal-index of a WAL database");
        let before = index.stamp().unwrap();
        assert_eq!(index.stamp(), Some(before), "no commit, same stamp");

        let other = Connection::open(&path).unwrap();
        other.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let after_other = index.stamp().unwrap();
        assert_ne!(after_other, before);

        // A checkpoint that resets the WAL, then a commit that writes the
        // same bytes as before: still a new stamp.
        first
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
        let reset = index.stamp().unwrap();
        first.execute("DELETE FROM t", []).unwrap();
        first.execute("INSERT INTO t VALUES (1)", []).unwrap();
        let again = index.stamp().unwrap();
        assert_ne!(again, reset);
        assert_ne!(again, after_other);
        assert_ne!(again, before);

        // Reading does not change it.
        let n: i64 = other
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 1);
        assert_eq!(index.stamp(), Some(again));
    }

    #[test]
    fn a_database_not_in_wal_mode_has_no_wal_index() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("d.db");
        let c = Connection::open(&path).unwrap();
        c.execute_batch("CREATE TABLE t (x INTEGER)").unwrap();
        assert!(WalIndex::open(&path).is_none());
    }
}
