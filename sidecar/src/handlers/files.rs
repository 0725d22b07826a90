//! Static files: the internal bundle under `/internal/` (agents only) and,
//! when `serve_public` is on, the public bundle at `/`.
//!
//! Files are checked on every request, so a rebuilt bundle is served
//! without a restart: a copy kept in memory ([`crate::file_cache`]) only
//! after a `stat` shows its path still leads to the same unchanged file,
//! anything else by a full lookup. A URL path maps to a file only if every
//! segment, decoded once, is a plain name: no `.`/`..`, no empty segment
//! (`//`), no `/`, `\`, NUL or `%` (double encoding) inside, no leading
//! dot; and the file's canonical path (symlinks resolved) lies inside the
//! bundle's.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use hyper::header::{self, HeaderValue};
use hyper::{Method, StatusCode};

use super::{require_role, AccessError, Failure};
use crate::app::App;
use crate::auth::Role;
use crate::file_cache::{CacheKey, FileBody, FileStamp};
use crate::http::{self, Body, Req, Response};

/// Errors of the files family.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not signed in, or not an agent.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// No such file, and the bundle has no `404.html`.
    #[error("not found")]
    NotFound,
    /// File system failure.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<FileError> for Failure {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Access(e) => e.into(),
            FileError::NotFound => Failure::NotFound,
            FileError::Unexpected(e) => Failure::Unexpected(e),
        }
    }
}

/// What a URL path resolves to inside a bundle.
#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// This file.
    File(PathBuf),
    /// A folder asked for without its trailing slash: redirect here.
    AddSlash,
    /// Nothing (or something outside the bundle).
    Missing,
}

/// `GET /internal/{path}`: agents only.
pub async fn internal(app: &App, req: &Req) -> Result<Response, FileError> {
    require_role(app, req, Role::Agent).await?;
    let rest = req.path.strip_prefix("/internal").unwrap_or("");
    if rest.is_empty() {
        return Ok(http::redirect(StatusCode::MOVED_PERMANENTLY, "/internal/"));
    }
    serve(
        app,
        &app.options.internal_dir,
        rest,
        req,
        "/internal",
        "private, no-store",
    )
    .await
}

/// `GET /{path}`: the public bundle.
pub async fn public(app: &App, req: &Req) -> Result<Response, FileError> {
    serve(app, &app.options.public_dir, &req.path, req, "", "no-cache").await
}

async fn serve(
    app: &App,
    root: &Path,
    url_path: &str,
    req: &Req,
    prefix: &str,
    cache_control: &'static str,
) -> Result<Response, FileError> {
    // The cache only knows paths that resolved before; a path that is not
    // made of plain names has no key and always takes the full lookup.
    let key = cache_key(root, url_path);
    if let Some(file) = key.as_ref().and_then(|k| app.files.get(k)) {
        return Ok(file_response(&file, StatusCode::OK, req, cache_control));
    }
    let root_dir = root.to_path_buf();
    let url = url_path.to_owned();
    let lookup_key = key.clone();
    // One trip to the blocking pool for the lookup and the read.
    let found =
        tokio::task::spawn_blocking(move || find_and_load(&root_dir, &url, lookup_key.as_ref()))
            .await
            .map_err(anyhow::Error::from)??;
    match found {
        Found::File(file, stamp) => {
            if let (Some(key), Some(stamp)) = (key, stamp) {
                app.files.insert(key, stamp, Arc::clone(&file));
            }
            Ok(file_response(&file, StatusCode::OK, req, cache_control))
        }
        Found::NotFoundPage(file) => Ok(file_response(
            &file,
            StatusCode::NOT_FOUND,
            req,
            cache_control,
        )),
        Found::AddSlash => Ok(http::redirect(
            StatusCode::MOVED_PERMANENTLY,
            &format!("{prefix}{url_path}/"),
        )),
        Found::Missing => Err(FileError::NotFound),
    }
}

/// The cache key of a request path: its decoded plain names, plus
/// `index.html` for a folder. `None` when the path is not plain.
fn cache_key(root: &Path, url_path: &str) -> Option<CacheKey> {
    let (mut names, folder) = plain_names(url_path)?;
    if folder {
        names.push("index.html".to_owned());
    }
    Some(CacheKey::new(root, names))
}

/// What a URL path found in a bundle, with the file already read.
enum Found {
    /// The file asked for, and its path's stamp when it may be cached.
    File(Arc<FileBody>, Option<FileStamp>),
    /// Nothing there; the bundle's `404.html`.
    NotFoundPage(Arc<FileBody>),
    /// A folder without its trailing slash.
    AddSlash,
    /// Nothing there and no `404.html` (or the file went away meanwhile).
    Missing,
}

/// Resolves `url_path` in `root` and reads the file (or the bundle's
/// `404.html` for a miss). When `key` is given and the file may be cached
/// (see [`crate::file_cache`]), also hands back its file's stamp: taken
/// before the lookup, equal after the read, describing the file that was
/// read, with no symlink on the path and its times settled. Blocking.
fn find_and_load(root: &Path, url_path: &str, key: Option<&CacheKey>) -> Result<Found, FileError> {
    let started = SystemTime::now();
    let cached_path = key.map(CacheKey::path);
    let before = cached_path.as_deref().and_then(FileStamp::take);
    match resolve(root, url_path) {
        Resolved::File(path) => {
            let Some((file, meta)) = load(&path)? else {
                return Ok(Found::Missing);
            };
            let stamp = match (key, cached_path, before) {
                (Some(key), Some(cached_path), Some(before))
                    if before.settled_before(started)
                        && FileStamp::of(&meta) == Some(before)
                        && is_plain_path(root, key, &path)
                        && FileStamp::take(&cached_path) == Some(before) =>
                {
                    Some(before)
                }
                _ => None,
            };
            Ok(Found::File(file, stamp))
        }
        Resolved::AddSlash => Ok(Found::AddSlash),
        Resolved::Missing => {
            let page = root.join("404.html");
            if !page.is_file() {
                return Ok(Found::Missing);
            }
            Ok(load(&page)?.map_or(Found::Missing, |(file, _)| Found::NotFoundPage(file)))
        }
    }
}

/// Whether `path` (canonical) is the canonical root followed by the key's
/// names: no symlink on the way. Blocking.
fn is_plain_path(root: &Path, key: &CacheKey, path: &Path) -> bool {
    let Ok(mut expected) = root.canonicalize() else {
        return false;
    };
    for name in key.names() {
        expected.push(name);
    }
    expected == path
}

/// Reads a file, with the metadata of the handle it was read from; `None`
/// when it was deleted between lookup and read (a rebuild in progress).
/// Blocking.
fn load(path: &Path) -> Result<Option<(Arc<FileBody>, std::fs::Metadata)>, FileError> {
    let read = || -> std::io::Result<(Arc<FileBody>, std::fs::Metadata)> {
        let mut file = std::fs::File::open(path)?;
        let meta = file.metadata()?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        file.read_to_end(&mut bytes)?;
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let since_epoch = modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        let body = FileBody {
            etag: format!("\"{:x}-{:x}\"", bytes.len(), since_epoch.as_nanos()),
            last_modified: httpdate::fmt_http_date(modified),
            modified,
            content_type: content_type(path),
            body: Bytes::from(bytes),
        };
        Ok((Arc::new(body), meta))
    };
    match read() {
        Ok(loaded) => Ok(Some(loaded)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(anyhow::Error::from(e)
            .context(format!("cannot read {}", path.display()))
            .into()),
    }
}

/// The decoded names of a percent-encoded URL path (starting with `/`) and
/// whether it ends with a slash (a folder); `None` unless every segment,
/// decoded once, is a plain name. No file system access.
pub fn plain_names(url_path: &str) -> Option<(Vec<String>, bool)> {
    let rest = url_path.strip_prefix('/')?;
    let mut names = Vec::new();
    let segments: Vec<&str> = rest.split('/').collect();
    let last = segments.len() - 1;
    for (i, raw) in segments.iter().enumerate() {
        if raw.is_empty() {
            if i == last {
                return Some((names, true)); // trailing slash: a folder
            }
            return None; // `//`
        }
        let name = percent_encoding::percent_decode_str(raw)
            .decode_utf8()
            .ok()?;
        let plain = !name.starts_with('.')
            && !name.contains(['/', '\\', '\0', '%'])
            && !name.chars().any(char::is_control);
        if !plain {
            return None;
        }
        names.push(name.into_owned());
    }
    Some((names, false))
}

/// Maps a percent-encoded URL path (starting with `/`) to a file inside
/// `root`, refusing anything that could leave it. Blocking.
pub fn resolve(root: &Path, url_path: &str) -> Resolved {
    let Some((names, _)) = plain_names(url_path) else {
        return Resolved::Missing;
    };
    let relative: PathBuf = names.iter().collect();
    let Ok(root) = root.canonicalize() else {
        return Resolved::Missing;
    };
    let Ok(path) = root.join(&relative).canonicalize() else {
        return Resolved::Missing;
    };
    if !path.starts_with(&root) {
        return Resolved::Missing;
    }
    if path.is_dir() {
        if !url_path.ends_with('/') {
            return Resolved::AddSlash;
        }
        return match path.join("index.html").canonicalize() {
            Ok(index) if index.starts_with(&root) && index.is_file() => Resolved::File(index),
            _ => Resolved::Missing,
        };
    }
    if url_path.ends_with('/') || !path.is_file() {
        return Resolved::Missing;
    }
    Resolved::File(path)
}

/// A file's response with Content-Type, ETag and Last-Modified, or 304
/// when the client's copy is current.
fn file_response(
    file: &FileBody,
    status: StatusCode,
    req: &Req,
    cache_control: &'static str,
) -> Response {
    let not_modified = status == StatusCode::OK && is_current(req, &file.etag, file.modified);
    let (status, body) = if not_modified {
        (StatusCode::NOT_MODIFIED, Bytes::new())
    } else if req.method == Method::HEAD {
        (status, Bytes::new())
    } else {
        (status, file.body.clone())
    };
    let mut resp = hyper::Response::new(Body::full(body));
    *resp.status_mut() = status;
    let headers = resp.headers_mut();
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    if let Ok(v) = HeaderValue::from_str(&file.etag) {
        headers.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&file.last_modified) {
        headers.insert(header::LAST_MODIFIED, v);
    }
    if !not_modified {
        if let Ok(v) = HeaderValue::from_str(&file.content_type) {
            headers.insert(header::CONTENT_TYPE, v);
        }
    }
    resp
}
/// `If-None-Match` (preferred) or `If-Modified-Since` says the client has
/// this version.
fn is_current(req: &Req, etag: &str, modified: SystemTime) -> bool {
    if let Some(tags) = req.header(header::IF_NONE_MATCH) {
        return tags
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == etag || t == "*");
    }
    let Some(since) = req
        .header(header::IF_MODIFIED_SINCE)
        .and_then(|v| httpdate::parse_http_date(v).ok())
    else {
        return false;
    };
    let modified_secs = modified
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let since_secs = since
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    modified_secs <= since_secs
}

fn content_type(path: &Path) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let textual = mime.type_() == mime_guess::mime::TEXT
        || matches!(
            mime.subtype().as_str(),
            "javascript" | "json" | "xml" | "atom+xml"
        );
    if textual {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

#[cfg(test)]
mod tests;
