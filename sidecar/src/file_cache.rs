//! An in-memory cache of served bundle files that is never stale.
//!
//! An entry is keyed by the bundle's configured root and the request path's
//! decoded segments, and is only ever created from a file that
//! [`crate::handlers::files::resolve`] accepted (so a traversal attempt can
//! never be answered from here: it never resolves, so it never gets an
//! entry). Each entry carries a [`PathStamp`]: device, inode, change time
//! (and, for the file, length and modification time) of the root, of every
//! folder between the root and the file, and of the file itself, all taken
//! by walking the configured root down the same names.
//!
//! A hit re-takes the stamp (one `stat` per path component, no open or
//! read) and compares. Why that is enough:
//!
//! - The root is the same folder (device + inode); `docket build` swaps a
//!   bundle in by renaming folders, which gives a new inode.
//! - Replacing, renaming or adding any name inside a folder updates that
//!   folder's change time, and change times cannot be set by users. So if
//!   no folder on the path changed, every name on the path still leads to
//!   the same inode; a folder turned into a symlink (in or out of the
//!   bundle) changes its parent's stamp.
//! - Writing to the file or renaming it updates its change time.
//! - Entries are only created when every stamped change and modification
//!   time is at least [`SETTLE`] old and the stamp taken before the lookup
//!   equals the one taken after the read, so a change in the same clock
//!   tick as the lookup cannot go unnoticed.
//!
//! Only paths without symlinks inside the bundle are cached (the caller
//! checks that the canonical path is the root plus the request's names);
//! others are looked up on every request as before.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;

/// Files larger than this are never cached.
pub const MAX_FILE_BYTES: usize = 1024 * 1024;
/// The cache's total size of file bodies.
pub const MAX_TOTAL_BYTES: usize = 64 * 1024 * 1024;
/// At most this many entries.
pub const MAX_ENTRIES: usize = 16_384;
/// How old every stamped time must be before an entry is created.
pub const SETTLE: Duration = Duration::from_secs(2);

/// A file as served: body and validators, computed once.
#[derive(Debug)]
pub struct FileBody {
    /// The file's bytes.
    pub body: Bytes,
    /// `ETag` value (length + modification time).
    pub etag: String,
    /// `Last-Modified` value.
    pub last_modified: String,
    /// The modification time (for `If-Modified-Since`).
    pub modified: SystemTime,
    /// `Content-Type` value.
    pub content_type: String,
}

/// What a bundle path is made of, for the cache: the request's decoded
/// names below the root, ending with the file's name (`index.html` for a
/// folder).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CacheKey {
    root: PathBuf,
    names: Vec<String>,
}

impl CacheKey {
    /// The key of the file `names` (relative, already checked to be plain
    /// names) under `root`.
    pub fn new(root: &Path, names: Vec<String>) -> Self {
        Self {
            root: root.to_path_buf(),
            names,
        }
    }

    /// The names below the root, the file's last.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// The identity of one path component.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NodeStamp {
    dev: u64,
    ino: u64,
    ctime: (i64, i64),
    mtime: (i64, i64),
    len: u64,
}

/// Stamps of the root, each folder below it and the file, in path order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathStamp {
    nodes: Vec<NodeStamp>,
}

impl PathStamp {
    /// Stamps the path of `key` (`stat` of the root, `lstat` of every name
    /// below it). `None` if anything is missing, or on a platform without
    /// inode numbers. Blocking, but bounded: one `stat` per component.
    pub fn take(key: &CacheKey) -> Option<Self> {
        let mut nodes = Vec::with_capacity(key.names.len() + 1);
        nodes.push(node_stamp(&std::fs::metadata(&key.root).ok()?)?);
        let mut path = key.root.clone();
        for name in &key.names {
            path.push(name);
            nodes.push(node_stamp(&std::fs::symlink_metadata(&path).ok()?)?);
        }
        Some(Self { nodes })
    }

    /// Whether every change and modification time is at least [`SETTLE`]
    /// before `started`.
    pub fn settled_before(&self, started: SystemTime) -> bool {
        let Some(limit) = started
            .checked_sub(SETTLE)
            .and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        else {
            return false;
        };
        let limit = (
            i64::try_from(limit.as_secs()).unwrap_or(i64::MAX),
            i64::from(limit.subsec_nanos()),
        );
        self.nodes
            .iter()
            .all(|n| n.ctime < limit && n.mtime < limit)
    }

    /// Whether the file (the last component) is the one `meta` describes:
    /// same device, inode, length and modification time.
    pub fn describes_file(&self, meta: &std::fs::Metadata) -> bool {
        match (self.nodes.last(), node_stamp(meta)) {
            (Some(last), Some(now)) => {
                last.dev == now.dev
                    && last.ino == now.ino
                    && last.len == now.len
                    && last.mtime == now.mtime
            }
            _ => false,
        }
    }
}

#[cfg(unix)]
fn node_stamp(meta: &std::fs::Metadata) -> Option<NodeStamp> {
    use std::os::unix::fs::MetadataExt;
    Some(NodeStamp {
        dev: meta.dev(),
        ino: meta.ino(),
        ctime: (meta.ctime(), meta.ctime_nsec()),
        mtime: (meta.mtime(), meta.mtime_nsec()),
        len: meta.len(),
    })
}

#[cfg(not(unix))]
fn node_stamp(_meta: &std::fs::Metadata) -> Option<NodeStamp> {
    None
}

struct Entry {
    stamp: PathStamp,
    file: Arc<FileBody>,
}

#[derive(Default)]
struct State {
    entries: HashMap<CacheKey, Entry>,
    bytes: usize,
}

/// The cache, shared by every request (see the module docs).
#[derive(Default)]
pub struct FileCache {
    state: Mutex<State>,
}

impl std::fmt::Debug for FileCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FileCache").finish_non_exhaustive()
    }
}

impl FileCache {
    /// An empty cache.
    pub fn new() -> Self {
        Self::default()
    }

    /// The cached file for `key` if its path still has the stamp it was
    /// cached with; a stale entry is dropped. Takes one `stat` per path
    /// component (bounded work, no open or read).
    pub fn get(&self, key: &CacheKey) -> Option<Arc<FileBody>> {
        let (stamp, file) = {
            let state = self.state.lock().ok()?;
            let entry = state.entries.get(key)?;
            (entry.stamp.clone(), Arc::clone(&entry.file))
        };
        if PathStamp::take(key).as_ref() == Some(&stamp) {
            return Some(file);
        }
        if let Ok(mut state) = self.state.lock() {
            let same = state
                .entries
                .get(key)
                .is_some_and(|e| Arc::ptr_eq(&e.file, &file));
            if same {
                state.remove(key);
            }
        }
        None
    }

    /// Caches `file` for `key`, stamped `stamp` (taken by the caller before
    /// the lookup and checked unchanged after the read). Files over
    /// [`MAX_FILE_BYTES`] are not kept; to make room, other entries are
    /// dropped.
    pub fn insert(&self, key: CacheKey, stamp: PathStamp, file: Arc<FileBody>) {
        let size = file.body.len();
        if size > MAX_FILE_BYTES {
            return;
        }
        let Ok(mut state) = self.state.lock() else {
            return;
        };
        state.remove(&key);
        while state.bytes + size > MAX_TOTAL_BYTES || state.entries.len() >= MAX_ENTRIES {
            let Some(victim) = state.entries.keys().next().cloned() else {
                break;
            };
            state.remove(&victim);
        }
        state.bytes += size;
        state.entries.insert(key, Entry { stamp, file });
    }

    /// How many files are cached.
    pub fn len(&self) -> usize {
        self.state.lock().map(|s| s.entries.len()).unwrap_or(0)
    }

    /// Whether nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl State {
    fn remove(&mut self, key: &CacheKey) {
        if let Some(old) = self.entries.remove(key) {
            self.bytes -= old.file.body.len();
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn body(text: &'static str) -> Arc<FileBody> {
        Arc::new(FileBody {
            body: Bytes::from_static(text.as_bytes()),
            etag: String::new(),
            last_modified: String::new(),
            modified: SystemTime::UNIX_EPOCH,
            content_type: String::new(),
        })
    }

    #[test]
    fn an_entry_is_served_until_anything_on_its_path_changes() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("bundle");
        std::fs::create_dir_all(root.join("a")).unwrap();
        std::fs::write(root.join("a/x.css"), "x").unwrap();
        let key = CacheKey::new(&root, vec!["a".into(), "x.css".into()]);
        let cache = FileCache::new();
        let stamp = PathStamp::take(&key).unwrap();
        cache.insert(key.clone(), stamp, body("x"));
        assert!(cache.get(&key).is_some());

        // The folder swapped for a symlink to a copy: its parent changed.
        std::fs::rename(root.join("a"), dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("a"), root.join("a")).unwrap();
        assert!(cache.get(&key).is_none());
        assert!(cache.is_empty());
    }

    #[test]
    fn fresh_files_are_not_settled_and_size_limits_hold() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "f").unwrap();
        let key = CacheKey::new(dir.path(), vec!["f".into()]);
        let stamp = PathStamp::take(&key).unwrap();
        assert!(!stamp.settled_before(SystemTime::now()));
        assert!(stamp.settled_before(SystemTime::now() + Duration::from_secs(3)));

        let cache = FileCache::new();
        let big = Arc::new(FileBody {
            body: Bytes::from(vec![0u8; MAX_FILE_BYTES + 1]),
            etag: String::new(),
            last_modified: String::new(),
            modified: SystemTime::UNIX_EPOCH,
            content_type: String::new(),
        });
        cache.insert(key, stamp, big);
        assert!(cache.is_empty());
    }
}
