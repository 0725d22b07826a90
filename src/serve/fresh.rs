//! Pages rebuilt but not yet on disk. An incremental rebuild puts the files
//! it produced here, signals open pages to reload, and only then writes
//! them to the serving folders, removing each one from here once it is
//! written. The HTTP side answers from here when it has the path, so a
//! reload never waits on the disk and never sees the old file.
//!
//! Access rules stay the sidecar's: the request still goes through it, and
//! only an answer it would give from the bundle (200, or 404 for a page
//! that is new) gets these bytes instead of the file's.

use std::collections::HashMap;
use std::sync::RwLock;

use hyper::body::Bytes;

use crate::bundle::BundleKind;

/// A file's bytes with a strong validator.
#[derive(Debug, Clone)]
pub struct FreshFile {
    /// The file's content.
    pub bytes: Bytes,
    /// `"…"`: a hash of the bytes, for `ETag`.
    pub etag: String,
}

/// The map of URL path (`/a/b/index.html`, `/internal/a/index.html`) →
/// bytes, shared by the rebuild thread and the server.
#[derive(Debug, Default)]
pub struct Fresh {
    files: RwLock<HashMap<String, FreshFile>>,
}

impl Fresh {
    /// Holds a file of `kind`'s bundle (`path` inside the bundle).
    pub fn put(&self, kind: BundleKind, path: &str, bytes: Vec<u8>, hash: &blake3::Hash) {
        let file = FreshFile {
            bytes: Bytes::from(bytes),
            etag: format!("\"f-{}\"", &hash.to_hex()[..32]),
        };
        if let Ok(mut files) = self.files.write() {
            files.insert(url_path(kind, path), file);
        }
    }

    /// Forgets a file (it is on disk now).
    pub fn forget(&self, kind: BundleKind, path: &str) {
        if let Ok(mut files) = self.files.write() {
            files.remove(&url_path(kind, path));
        }
    }

    /// Forgets every file (a full build wrote them all).
    pub fn clear(&self) {
        if let Ok(mut files) = self.files.write() {
            files.clear();
        }
    }

    /// The file a request path names, if it is held here. A path ending in
    /// `/` names its `index.html`; percent escapes are decoded.
    pub fn get(&self, request_path: &str) -> Option<FreshFile> {
        let mut path = percent_decode(request_path)?;
        if path.ends_with('/') {
            path.push_str("index.html");
        }
        self.files.read().ok()?.get(&path).cloned()
    }

    /// Whether nothing is held (the common case between rebuilds).
    pub fn is_empty(&self) -> bool {
        self.files.read().map(|f| f.is_empty()).unwrap_or(true)
    }
}

/// The URL path of a bundle file.
fn url_path(kind: BundleKind, path: &str) -> String {
    format!("{}{path}", kind.root())
}

/// Decodes `%XX` escapes; `None` if the result is not UTF-8 or an escape
/// is malformed (such requests are left to the sidecar).
fn percent_decode(path: &str) -> Option<String> {
    if !path.contains('%') {
        return Some(path.to_owned());
    }
    let raw = path.as_bytes();
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        if raw[i] == b'%' {
            let hex = path.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(raw[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(fresh.get("/a/b/").is_some());
        assert!(fresh.get("/a/b/index.html").is_some());
        assert!(fresh.get("/a/b").is_none());
        assert!(fresh.get("/internal/ja/%C3%A9/").is_some());
        assert!(fresh.get("/ja/%C3%A9/").is_none());
        assert!(fresh.get("/a/%zz/").is_none());
        fresh.forget(BundleKind::Public, "a/b/index.html");
        assert!(fresh.get("/a/b/").is_none());
    }
}
