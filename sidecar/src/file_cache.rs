//! An in-memory cache of served bundle files that is never stale.
//!
//! An entry is keyed by the bundle's configured root and the request path's
//! decoded segments, and is only ever created from a file that
//! [`crate::handlers::files::resolve`] accepted (so a traversal attempt can
//! never be answered from here: it never resolves, so it never gets an
//! entry). Each entry carries a [`FileStamp`]: device, inode, length,
//! change and modification time of the file the path leads to.
//!
//! A hit re-takes the stamp with one `stat` of the whole path (following
//! symlinks, as the lookup did) and compares. Why the bytes kept are then
//! the bytes the path leads to now:
//!
//! - A path that now leads to another file (a rebuilt bundle swapped in by
//!   renaming folders, a file or folder replaced or renamed, a symlinked
//!   root pointed elsewhere) leads to another device or inode, or to a
//!   reused inode number whose change time is later than the entry's.
//! - Writing to the file, truncating or renaming it updates its change
//!   time, and change times cannot be set by users.
//! - Entries are only created when the file's change and modification
//!   times are at least [`SETTLE`] old and the stamp taken before the
//!   lookup equals the one taken after the read, so a change in the same
//!   clock tick as the lookup cannot go unnoticed.
//!
//! Only paths without symlinks inside the bundle are cached (the caller
//! checks that the canonical path is the root plus the request's names);
//! others are looked up on every request. A hit does not repeat that
//! containment check: if a folder on the path is later moved out of the
//! bundle and a symlink put in its place, the same unchanged file keeps
//! being served from memory until it changes. Those are bytes that were
//! read from inside the bundle, and only someone who can already write to
//! the bundle can make that change; any miss applies the full rule again.
//! (Checking every folder on the path cost one `stat` per folder on every
//! hit, the largest part of serving a cached page.)

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

    /// The root joined with the names.
    pub fn path(&self) -> PathBuf {
        let mut path = self.root.clone();
        path.extend(&self.names);
        path
    }
}

/// The identity of the file a path leads to (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    dev: u64,
    ino: u64,
    ctime: (i64, i64),
    mtime: (i64, i64),
    len: u64,
}

impl FileStamp {
    /// Stamps the file `path` leads to (one `stat`, following symlinks).
    /// `None` if it is missing, or on a platform without inode numbers.
    /// Blocking, but bounded: no open or read.
    pub fn take(path: &Path) -> Option<Self> {
        Self::of(&std::fs::metadata(path).ok()?)
    }

    /// The stamp of the file `meta` describes.
    #[cfg(unix)]
    pub fn of(meta: &std::fs::Metadata) -> Option<Self> {
        use std::os::unix::fs::MetadataExt;
        Some(Self {
            dev: meta.dev(),
            ino: meta.ino(),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            len: meta.len(),
        })
    }

    /// The stamp of the file `meta` describes: none without inode numbers.
    #[cfg(not(unix))]
    pub fn of(_meta: &std::fs::Metadata) -> Option<Self> {
        None
    }

    /// Whether the change and modification times are at least [`SETTLE`]
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
        self.ctime < limit && self.mtime < limit
    }
}

struct Entry {
    /// The root joined with the key's names, ready to `stat`.
    path: Arc<Path>,
    stamp: FileStamp,
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

    /// The cached file for `key` if its path still leads to the file it
    /// was cached from, unchanged; a stale entry is dropped. Takes one
    /// `stat` (bounded work, no open or read).
    pub fn get(&self, key: &CacheKey) -> Option<Arc<FileBody>> {
        let (path, stamp, file) = {
            let state = self.state.lock().ok()?;
            let entry = state.entries.get(key)?;
            (
                Arc::clone(&entry.path),
                entry.stamp,
                Arc::clone(&entry.file),
            )
        };
        if FileStamp::take(&path) == Some(stamp) {
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
    pub fn insert(&self, key: CacheKey, stamp: FileStamp, file: Arc<FileBody>) {
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
        let path = Arc::from(key.path());
        state.entries.insert(key, Entry { path, stamp, file });
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

    /// A temporary folder holding `bundle/a/x.css`, and the bundle's path.
    fn bundle_with_a_file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let root = dir.path().join("bundle");
        std::fs::create_dir_all(root.join("a")).expect("the bundle's folder");
        std::fs::write(root.join("a/x.css"), "x").expect("the bundle's file");
        (dir, root)
    }

    fn cached(root: &Path, names: &[&str]) -> (FileCache, CacheKey) {
        let key = CacheKey::new(root, names.iter().map(|n| (*n).to_owned()).collect());
        let cache = FileCache::new();
        let stamp = FileStamp::take(&key.path()).expect("the file was just written");
        cache.insert(key.clone(), stamp, body("x"));
        assert!(cache.get(&key).is_some());
        (cache, key)
    }

    #[test]
    fn an_entry_is_dropped_when_its_path_leads_to_another_or_a_changed_file() {
        let (dir, root) = bundle_with_a_file();

        // The file changed in place (same length): its times changed.
        let (cache, key) = cached(&root, &["a", "x.css"]);
        let file = std::fs::File::options()
            .write(true)
            .open(root.join("a/x.css"))
            .unwrap();
        file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(1))
            .unwrap();
        assert!(cache.get(&key).is_none());
        assert!(cache.is_empty());

        // The folder swapped for another holding a copy (a rebuild).
        let (cache, key) = cached(&root, &["a", "x.css"]);
        std::fs::create_dir(dir.path().join("new")).unwrap();
        std::fs::copy(root.join("a/x.css"), dir.path().join("new/x.css")).unwrap();
        std::fs::rename(root.join("a"), dir.path().join("old")).unwrap();
        std::fs::rename(dir.path().join("new"), root.join("a")).unwrap();
        assert!(cache.get(&key).is_none());

        // The file deleted.
        let (cache, key) = cached(&root, &["a", "x.css"]);
        std::fs::remove_file(root.join("a/x.css")).unwrap();
        assert!(cache.get(&key).is_none());
    }

    #[test]
    fn a_folder_moved_out_and_symlinked_back_serves_the_same_unchanged_file() {
        // The documented limit: a hit checks the file, not the folders, so
        // the same bytes (read from inside the bundle) stay served until
        // the file changes.
        let (dir, root) = bundle_with_a_file();
        let (cache, key) = cached(&root, &["a", "x.css"]);
        std::fs::rename(root.join("a"), dir.path().join("a")).unwrap();
        std::os::unix::fs::symlink(dir.path().join("a"), root.join("a")).unwrap();
        assert_eq!(&cache.get(&key).unwrap().body[..], b"x");
        std::fs::write(dir.path().join("a/x.css"), "changed").unwrap();
        assert!(cache.get(&key).is_none());
    }

    #[test]
    fn fresh_files_are_not_settled_and_size_limits_hold() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("f"), "f").unwrap();
        let key = CacheKey::new(dir.path(), vec!["f".into()]);
        let stamp = FileStamp::take(&key.path()).unwrap();
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
