//! Reading a `multipart/form-data` upload as it arrives: text fields are
//! kept (small), each file is written to a spool file in the upload
//! folder, never held whole in memory, then checked off the runtime
//! ([`super::check_file`]). A file over a limit is drained and the
//! refusal recorded, and reading goes on so that the text typed in the
//! form comes back with the message. Spool files are removed when the
//! request is done; nothing is stored until a handler stores the message.
//!
//! No file part is written before the form's token (the `csrf` field,
//! which every upload form sends first) has been read and found to be the
//! one the server expects for this request ([`Spool::token`]). A file part
//! that comes earlier, or after a wrong token, is read and dropped without
//! touching the disk, and the token is left out of the fields, so the
//! handler answers as to any expired form and nothing is stored.
//!
//! Memory stays flat whatever the file size: the body is handed to the
//! multipart parser one network read at a time (`Paced`) and the spool
//! file's write buffer is bounded (`SPOOL_WRITE_BYTES`), so an upload
//! holds at most a few of those reads, never its file.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_core::Stream;
use subtle::ConstantTimeEq;
use tokio::io::AsyncWriteExt;

use super::{
    check_file, display_name, message_too_large, too_large, too_many, CheckError, Checked,
    FileError, Policy,
};

/// The form field that carries the CSRF token.
pub const TOKEN_FIELD: &str = "csrf";

/// Longest text field, in bytes.
const MAX_FIELD_BYTES: usize = 256 * 1024;

/// Most bytes a spool file buffers before they are written (tokio's
/// default is 2 MiB per file, which eight uploads at once would each hold).
const SPOOL_WRITE_BYTES: usize = 64 * 1024;

/// A file received and checked, waiting in its spool file.
#[derive(Debug)]
pub struct Spooled {
    /// The sanitised display name.
    pub name: String,
    /// Type, hash, size and thumbnail.
    pub checked: Checked,
    /// The spool file (removed when dropped).
    pub file: tempfile::TempPath,
}

/// What an upload form sent.
#[derive(Debug, Default)]
pub struct Upload {
    /// The text fields, in order.
    pub fields: Vec<(String, String)>,
    /// The files that passed every check.
    pub files: Vec<Spooled>,
    /// The first file refused, if any (then nothing may be stored).
    pub refused: Option<FileError>,
    /// A file part came before a valid form token: no file was kept and
    /// the token is not among the fields (the form is answered as expired).
    pub forged: bool,
}

/// Where and how an upload is read: the spool folder, how long the body
/// may stall, and the form token that must come before any file part.
#[derive(Clone)]
pub struct Spool {
    /// The folder of spool files.
    pub dir: PathBuf,
    /// How long the body may stall.
    pub idle: Duration,
    /// The token the `csrf` field must hold before a file part is
    /// written; `None`: no token can pass, so no file is written.
    pub token: Option<String>,
}

impl std::fmt::Debug for Spool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token is a secret: never printed.
        f.debug_struct("Spool")
            .field("dir", &self.dir)
            .field("idle", &self.idle)
            .field("token", &self.token.as_ref().map(|_| "…"))
            .finish()
    }
}

impl Spool {
    /// Whether `sent` is the expected token (compared in constant time).
    fn accepts(&self, sent: &str) -> bool {
        self.token.as_deref().is_some_and(|token| {
            !sent.is_empty() && bool::from(sent.as_bytes().ct_eq(token.as_bytes()))
        })
    }
}

/// Why an upload could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// Over the upload routes' body limit.
    #[error("the upload is too large")]
    TooLarge,
    /// The body stopped arriving.
    #[error("the upload was not sent in time")]
    TimedOut,
    /// Not valid multipart.
    #[error("malformed upload: {0}")]
    Malformed(String),
    /// The spool folder failed.
    #[error("cannot spool the upload")]
    Io(#[from] std::io::Error),
}

/// The boundary of a `multipart/form-data` content type, if it is one.
pub fn boundary(content_type: &str) -> Option<String> {
    let mime: &str = content_type.split(';').next()?.trim();
    if !mime.eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    multer::parse_boundary(content_type).ok()
}

/// Reads the multipart `body` with `boundary` into spool files as
/// `settings` say, within `policy`.
pub async fn read<S, E>(
    body: S,
    boundary: String,
    policy: &Policy,
    settings: &Spool,
) -> Result<Upload, UploadError>
where
    S: Stream<Item = Result<Bytes, E>> + Send + 'static,
    E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
{
    let constraints = multer::Constraints::new()
        .size_limit(multer::SizeLimit::new().whole_stream(policy.body_bytes()));
    let mut multipart =
        multer::Multipart::with_constraints(Paced::new(body), boundary, constraints);
    let mut upload = Upload::default();
    let (spool_dir, idle) = (settings.dir.as_path(), settings.idle);
    let mut total = 0u64;
    let mut count = 0usize;
    let mut token_seen = false;
    loop {
        let field = match tokio::time::timeout(idle, multipart.next_field()).await {
            Err(_) => return Err(UploadError::TimedOut),
            Ok(Err(err)) => return Err(multer_error(err)),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(field))) => field,
        };
        let name = field.name().unwrap_or("").to_owned();
        match field.file_name().map(display_name) {
            Some(_) if !token_seen => {
                upload.forged = true;
                drain(field, idle).await?;
            }
            Some(file_name) => {
                let raw_empty = field.file_name().is_some_and(str::is_empty);
                let spooled = match spool(field, spool_dir, policy, idle).await {
                    Ok(spooled) => spooled,
                    // The whole body is over the upload limit: nothing more
                    // can be read, but what was typed so far comes back.
                    Err(UploadError::TooLarge) => {
                        upload.files.clear();
                        upload.refused = Some(message_too_large(&file_name, policy));
                        return Ok(upload);
                    }
                    Err(err) => return Err(err),
                };
                // A file input left empty sends a part with no name and no bytes.
                if raw_empty && spooled.size == 0 {
                    continue;
                }
                count += 1;
                total += spooled.size;
                if upload.refused.is_some() {
                    continue;
                }
                upload.refused = if count > policy.max_files {
                    Some(too_many(&file_name, policy.max_files))
                } else if spooled.over_limit {
                    Some(too_large(&file_name, policy))
                } else if total > policy.message_bytes {
                    Some(message_too_large(&file_name, policy))
                } else {
                    match checked(spooled.path, file_name, policy.clone()).await? {
                        Ok(file) => {
                            upload.files.push(file);
                            None
                        }
                        Err(refused) => Some(refused),
                    }
                };
            }
            None => {
                let text = read_text(field, idle).await?;
                if name == TOKEN_FIELD && !upload.forged {
                    token_seen = settings.accepts(&text);
                }
                upload.fields.push((name, text));
            }
        }
    }
    if upload.forged {
        upload.files.clear();
        upload.refused = None;
        upload.fields.retain(|(name, _)| name != TOKEN_FIELD);
    }
    if upload.refused.is_some() {
        upload.files.clear();
    }
    Ok(upload)
}

/// Reads a file part to its end and drops it, writing nothing.
async fn drain(mut field: multer::Field<'static>, idle: Duration) -> Result<(), UploadError> {
    loop {
        match tokio::time::timeout(idle, field.chunk()).await {
            Err(_) => return Err(UploadError::TimedOut),
            Ok(Err(err)) => return Err(multer_error(err)),
            Ok(Ok(None)) => return Ok(()),
            Ok(Ok(Some(_))) => {}
        }
    }
}

/// Writes one file part to a new spool file; past the per-file limit the
/// rest is read and dropped (the file is then refused).
async fn spool(
    mut field: multer::Field<'static>,
    spool_dir: &Path,
    policy: &Policy,
    idle: Duration,
) -> Result<SpoolDone, UploadError> {
    let dir: PathBuf = spool_dir.to_path_buf();
    let temp = tokio::task::spawn_blocking(move || {
        tempfile::Builder::new().prefix("upload-").tempfile_in(dir)
    })
    .await
    .map_err(|e| UploadError::Io(std::io::Error::other(e)))??;
    let (std_file, path) = temp.into_parts();
    let mut file = tokio::fs::File::from_std(std_file);
    file.set_max_buf_size(SPOOL_WRITE_BYTES);
    let mut spool = SpoolDone {
        path: Some(path),
        size: 0,
        over_limit: false,
    };
    loop {
        let chunk = match tokio::time::timeout(idle, field.chunk()).await {
            Err(_) => return Err(UploadError::TimedOut),
            Ok(Err(err)) => return Err(multer_error(err)),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        spool.size += chunk.len() as u64;
        if spool.size > policy.file_bytes {
            spool.over_limit = true;
            continue;
        }
        file.write_all(&chunk).await?;
    }
    file.flush().await?;
    Ok(spool)
}

/// A spooled file part, before its checks.
struct SpoolDone {
    path: Option<tempfile::TempPath>,
    size: u64,
    over_limit: bool,
}

/// Runs [`check_file`] on the spooled file off the runtime.
async fn checked(
    path: Option<tempfile::TempPath>,
    name: String,
    policy: Policy,
) -> Result<Result<Spooled, FileError>, UploadError> {
    let Some(path) = path else {
        return Err(UploadError::Io(std::io::Error::other("spool file missing")));
    };
    tokio::task::spawn_blocking(move || match check_file(&path, &name, &policy) {
        Ok(checked) => Ok(Ok(Spooled {
            name,
            checked,
            file: path,
        })),
        Err(CheckError::Refused(refused)) => Ok(Err(refused)),
        Err(CheckError::Io(err)) => Err(UploadError::Io(err)),
    })
    .await
    .map_err(|e| UploadError::Io(std::io::Error::other(e)))?
}

/// Reads a text field (at most [`MAX_FIELD_BYTES`]).
async fn read_text(
    mut field: multer::Field<'static>,
    idle: Duration,
) -> Result<String, UploadError> {
    let mut bytes = Vec::new();
    loop {
        let chunk = match tokio::time::timeout(idle, field.chunk()).await {
            Err(_) => return Err(UploadError::TimedOut),
            Ok(Err(err)) => return Err(multer_error(err)),
            Ok(Ok(None)) => break,
            Ok(Ok(Some(chunk))) => chunk,
        };
        if bytes.len() + chunk.len() > MAX_FIELD_BYTES {
            return Err(UploadError::TooLarge);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// A body stream that hands out one chunk per poll. The multipart parser
/// reads everything its stream has ready into one buffer and passes it on
/// as one piece; on a fast link that is whatever the socket holds, megabytes
/// per upload while the spool file is being written. After each chunk this
/// answers `Pending` once (waking itself at once), so the parser buffers at
/// most one network read (hyper's, up to its 64 KiB read buffer) at a time.
struct Paced<S> {
    inner: Pin<Box<S>>,
    yielded: bool,
}

impl<S> Paced<S> {
    fn new(inner: S) -> Self {
        Self {
            inner: Box::pin(inner),
            yielded: false,
        }
    }
}

impl<S: Stream> Stream for Paced<S> {
    type Item = S::Item;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<S::Item>> {
        if self.yielded {
            self.yielded = false;
            cx.waker().wake_by_ref();
            return Poll::Pending;
        }
        let item = self.inner.as_mut().poll_next(cx);
        self.yielded = matches!(item, Poll::Ready(Some(_)));
        item
    }
}

fn multer_error(err: multer::Error) -> UploadError {
    match err {
        multer::Error::StreamSizeExceeded { .. } | multer::Error::FieldSizeExceeded { .. } => {
            UploadError::TooLarge
        }
        other => UploadError::Malformed(other.to_string()),
    }
}

/// Removes spool files left by a process that was killed mid-upload.
/// Blocking; run at start.
pub fn clean_spool_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for entry in std::fs::read_dir(dir)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with("upload-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
    Ok(())
}
