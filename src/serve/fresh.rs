//! Pages rebuilt but not yet on disk. An incremental rebuild puts the files
//! it produced here, signals open pages to reload, and only then writes
//! them to the serving folders, removing each one from here once it is
//! written — or once its write failed, so memory never answers for a file
//! the disk does not have. The HTTP side answers from here when it has the
//! path, so a reload never waits on the disk and never sees the old file.
//!
//! Each bundle has a map of its own, looked up by a [`Location`] (the one
//! normalised form of a request path): a request the public handler
//! answers can only ever read the public map. Access rules stay the
//! sidecar's: the request still goes through it, and only an answer it
//! would give from the bundle (200, or 404 for a public page that is new)
//! gets these bytes instead of the file's.

use std::collections::HashMap;
use std::sync::RwLock;

use hyper::body::Bytes;

use super::paths::Location;
use crate::model::bundle::BundleKind;

/// A file's bytes with a strong validator.
#[derive(Debug, Clone)]
pub struct FreshFile {
    /// The file's content.
    pub bytes: Bytes,
    /// `"…"`: a hash of the bytes, for `ETag`.
    pub etag: String,
}

/// Per bundle, the map of bundle path (`a/b/index.html`) → bytes, shared
/// by the rebuild thread and the server.
#[derive(Debug, Default)]
pub struct Fresh {
    public: RwLock<HashMap<String, FreshFile>>,
    internal: RwLock<HashMap<String, FreshFile>>,
}

impl Fresh {
    fn map(&self, kind: BundleKind) -> &RwLock<HashMap<String, FreshFile>> {
        match kind {
            BundleKind::Public => &self.public,
            BundleKind::Internal => &self.internal,
        }
    }

    /// Holds a file of `kind`'s bundle (`path` inside the bundle).
    pub fn put(&self, kind: BundleKind, path: &str, bytes: Vec<u8>, hash: &blake3::Hash) {
        let file = FreshFile {
            bytes: Bytes::from(bytes),
            etag: format!("\"f-{}\"", &hash.to_hex()[..32]),
        };
        if let Ok(mut files) = self.map(kind).write() {
            files.insert(path.to_owned(), file);
        }
    }

    /// Forgets a file (it is on disk now, or its write failed).
    pub fn forget(&self, kind: BundleKind, path: &str) {
        if let Ok(mut files) = self.map(kind).write() {
            files.remove(path);
        }
    }

    /// Forgets every file (a full build wrote them all).
    pub fn clear(&self) {
        for kind in [BundleKind::Public, BundleKind::Internal] {
            if let Ok(mut files) = self.map(kind).write() {
                files.clear();
            }
        }
    }

    /// The file held for `location` in its own bundle's map, if any.
    pub fn get(&self, location: &Location) -> Option<FreshFile> {
        let files = self.map(location.kind).read().ok()?;
        if files.is_empty() {
            return None;
        }
        files.get(&location.file()).cloned()
    }

    /// Whether nothing is held (the common case between rebuilds).
    pub fn is_empty(&self) -> bool {
        [BundleKind::Public, BundleKind::Internal]
            .into_iter()
            .all(|kind| self.map(kind).read().map(|f| f.is_empty()).unwrap_or(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serve::paths::locate;

    fn get(fresh: &Fresh, raw: &str) -> Option<FreshFile> {
        fresh.get(&locate(raw)?)
    }

    #[test]
    fn folders_name_their_index_and_escapes_are_decoded() {
        let fresh = Fresh::default();
        let hash = blake3::hash(b"x");
        fresh.put(BundleKind::Public, "a/b/index.html", b"x".to_vec(), &hash);
        fresh.put(
            BundleKind::Internal,
            "ja/é/index.html",
            b"y".to_vec(),
            &hash,
        );
        assert!(get(&fresh, "/a/b/").is_some());
        assert!(get(&fresh, "/a/b/index.html").is_some());
        assert!(get(&fresh, "/a/b").is_none());
        assert!(get(&fresh, "/internal/ja/%C3%A9/").is_some());
        assert!(get(&fresh, "/ja/%C3%A9/").is_none());
        assert!(get(&fresh, "/a/%zz/").is_none());
        fresh.forget(BundleKind::Public, "a/b/index.html");
        assert!(get(&fresh, "/a/b/").is_none());
    }

    #[test]
    fn a_public_location_never_reads_an_internal_file() {
        let fresh = Fresh::default();
        let hash = blake3::hash(b"x");
        fresh.put(BundleKind::Internal, "a/index.html", b"y".to_vec(), &hash);
        let public = Location {
            kind: BundleKind::Public,
            names: vec!["a".to_owned()],
            folder: true,
        };
        assert!(fresh.get(&public).is_none());
        assert!(
            get(&fresh, "/%69nternal/a/").is_some(),
            "decoded to the internal bundle"
        );
    }
}
