//! Attached files: what may be attached (types decided by the content,
//! limits), how a name the client sent becomes a display name, and the
//! checks every file passes before it is stored, whichever way it came
//! (the portal's upload forms, inbound mail, the ticket import).
//!
//! Reading a multipart upload is in [`upload`], thumbnails in
//! [`thumbnail`]; storing is the store's ([`crate::db::attachments`]),
//! serving the ticket handlers' ([`crate::handlers::tickets::files`]).

pub mod thumbnail;
pub mod upload;

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::config::SidecarConfig;

pub use crate::config::DEFAULT_ATTACHMENT_TYPES as DEFAULT_TYPES;
pub use crate::db::attachments::{display_name, Checked};

/// Room an upload body has beyond its files, for the text fields and the
/// multipart framing (as much as any other form may send).
const TEXT_FIELDS_ROOM: u64 = 1024 * 1024;

/// Most files one message may carry.
pub const MAX_FILES: usize = 10;

/// How many leading bytes decide a file's type.
const SNIFF_BYTES: usize = 8192;

/// The raster image types shown inline and given a thumbnail; nothing
/// scriptable (SVG, HTML, XML) is ever among them.
const RASTER_IMAGES: &[&str] = &["image/png", "image/jpeg", "image/gif", "image/webp"];

/// What attachments may be: sizes, count and types (from `[sidecar]`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Policy {
    /// Largest file, in bytes.
    pub file_bytes: u64,
    /// Largest total of one message's files, in bytes.
    pub message_bytes: u64,
    /// Most files per message.
    pub max_files: usize,
    /// Accepted MIME types, lower case.
    pub types: Vec<String>,
}

impl Policy {
    /// The policy `[sidecar]` sets.
    pub fn from_config(config: &SidecarConfig) -> Self {
        Self {
            file_bytes: config.attachment_max_mib.saturating_mul(1024 * 1024),
            message_bytes: config.message_max_mib.saturating_mul(1024 * 1024),
            max_files: MAX_FILES,
            types: config
                .attachment_types
                .iter()
                .map(|t| t.trim().to_ascii_lowercase())
                .collect(),
        }
    }

    /// The largest request body an upload route accepts: every file at
    /// its limit plus room for the text fields and multipart framing.
    pub fn body_bytes(&self) -> u64 {
        self.message_bytes.saturating_add(TEXT_FIELDS_ROOM)
    }

    /// Whether files of `content_type` may be attached.
    pub fn allows(&self, content_type: &str) -> bool {
        self.types.iter().any(|t| t == content_type)
    }
}

/// Why a file was refused, naming it: shown beside the form in the page's
/// language (the catalog string `key` with `{name}` and `args` filled), and
/// in English on the command line and in logs (`reason`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}: {reason}")]
pub struct FileError {
    /// The file's display name.
    pub name: String,
    /// What is wrong, as an English sentence.
    pub reason: String,
    /// The catalog key of the message shown on a page.
    pub key: &'static str,
    /// The values of the key's placeholders besides `{name}`.
    pub args: Vec<(&'static str, String)>,
}

impl FileError {
    /// A refusal of the file `name`, shown with the catalog string `key`.
    pub fn new(name: &str, key: &'static str, reason: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            reason: reason.into(),
            key,
            args: Vec::new(),
        }
    }

    /// The same with a value for the placeholder `{arg}`.
    fn with(mut self, arg: &'static str, value: impl ToString) -> Self {
        self.args.push((arg, value.to_string()));
        self
    }
}

/// Whether `content_type` is a raster image (shown inline, thumbnailed).
pub fn is_raster_image(content_type: &str) -> bool {
    RASTER_IMAGES.contains(&content_type)
}

/// The type of a file whose first bytes are `head`, decided by content
/// alone. Markup (HTML, SVG, XML) is named as such so that it is refused
/// as text; text without NUL bytes that is valid UTF-8 is `text/plain`
/// (`text/csv` when the name says so: both are served the same, as an
/// attachment). Anything unknown is `application/octet-stream`.
pub fn sniff(head: &[u8], name: &str) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if looks_like_markup(head) {
        return "text/html".to_owned();
    }
    if is_text(head) {
        let csv = name.to_ascii_lowercase().ends_with(".csv");
        return if csv { "text/csv" } else { "text/plain" }.to_owned();
    }
    "application/octet-stream".to_owned()
}

/// HTML, SVG or XML anywhere in the sniffed bytes: a browser that sniffs
/// could run it, so it never passes as text.
fn looks_like_markup(head: &[u8]) -> bool {
    let lower = String::from_utf8_lossy(head).to_ascii_lowercase();
    [
        "<svg",
        "<html",
        "<script",
        "<?xml",
        "<!doctype",
        "<iframe",
        "<body",
    ]
    .iter()
    .any(|tag| lower.contains(tag))
}

/// UTF-8 text without NUL bytes (a character cut at the end of the
/// sniffed bytes is fine).
fn is_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(err) => err.error_len().is_none() && err.valid_up_to() + 4 >= head.len(),
    }
}

/// Checks the file at `path` (named `name`) against `policy`: its type by
/// content, and for raster images that they decode within the limits
/// (making the thumbnail). Hashes it. Blocking: call it off the runtime.
pub fn check_file(path: &Path, name: &str, policy: &Policy) -> Result<Checked, CheckError> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(SNIFF_BYTES);
    let mut buf = vec![0u8; 64 * 1024];
    let mut size = 0u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        let chunk = buf.get(..n).unwrap_or_default();
        if head.len() < SNIFF_BYTES {
            let take = (SNIFF_BYTES - head.len()).min(n);
            head.extend_from_slice(chunk.get(..take).unwrap_or_default());
        }
        hasher.update(chunk);
        size += n as u64;
    }
    let content_type = check_type(&head, name, policy)?;
    let thumbnail = if is_raster_image(&content_type) {
        let reader = std::io::BufReader::new(std::fs::File::open(path)?);
        Some(thumbnail::make(reader, &content_type).map_err(|e| bad_image(name, e))?)
    } else {
        None
    };
    Ok(Checked {
        content_type,
        sha256: hex::encode(hasher.finalize()),
        size,
        thumbnail,
    })
}

/// [`check_file`] for content already in memory (mail, import).
pub fn check_bytes(data: &[u8], name: &str, policy: &Policy) -> Result<Checked, FileError> {
    let head = data.get(..SNIFF_BYTES).unwrap_or(data);
    let content_type = check_type(head, name, policy)?;
    if data.len() as u64 > policy.file_bytes {
        return Err(too_large(name, policy));
    }
    let thumbnail = if is_raster_image(&content_type) {
        Some(
            thumbnail::make(std::io::Cursor::new(data), &content_type)
                .map_err(|e| bad_image(name, e))?,
        )
    } else {
        None
    };
    Ok(Checked {
        content_type,
        sha256: hex::encode(Sha256::digest(data)),
        size: data.len() as u64,
        thumbnail,
    })
}

/// The sniffed type of `head` when `policy` allows it.
fn check_type(head: &[u8], name: &str, policy: &Policy) -> Result<String, FileError> {
    if head.is_empty() {
        return Err(FileError::new(name, "files.empty", "the file is empty."));
    }
    let content_type = sniff(head, name);
    if policy.allows(&content_type) {
        Ok(content_type)
    } else if content_type == "application/octet-stream" {
        Err(FileError::new(
            name,
            "files.unknown_type",
            "this kind of file is not accepted (we accept images, PDF, text, CSV, ZIP and Office documents).",
        ))
    } else {
        Err(FileError::new(
            name,
            "files.type_refused",
            format!("files of type {content_type} are not accepted."),
        )
        .with("type", content_type))
    }
}

/// The refusal of an image that does not decode within the limits.
fn bad_image(name: &str, error: thumbnail::ImageError) -> FileError {
    FileError::new(name, error.key(), error.reason())
}

/// A file of inbound mail, ready to store. Mail was accepted already, so
/// nothing is refused here: a file whose type is not allowed, or an image
/// that does not decode within the limits, is kept as
/// `application/octet-stream` (always a download, never shown). Blocking.
pub fn inbound_file(name: &str, data: Vec<u8>) -> crate::db::attachments::NewFile {
    let policy = Policy {
        file_bytes: u64::MAX,
        ..Policy::from_config(&SidecarConfig::default())
    };
    let checked = check_bytes(&data, name, &policy).unwrap_or_else(|_| Checked {
        content_type: "application/octet-stream".to_owned(),
        sha256: hex::encode(Sha256::digest(&data)),
        size: data.len() as u64,
        thumbnail: None,
    });
    crate::db::attachments::NewFile {
        name: name.to_owned(),
        checked,
        source: crate::db::attachments::FileSource::Bytes(data),
    }
}

/// The refusal of a file over the per-file limit.
pub fn too_large(name: &str, policy: &Policy) -> FileError {
    let mib = policy.file_bytes / (1024 * 1024);
    FileError::new(
        name,
        "files.too_large",
        format!("the file is larger than {mib} MiB, the most one file may be."),
    )
    .with("mib", mib)
}

/// The refusal of the file one over the most a message may carry.
pub fn too_many(name: &str, max_files: usize) -> FileError {
    FileError::new(
        name,
        "files.too_many",
        format!("a message may carry at most {max_files} files."),
    )
    .with("count", max_files)
}

/// The refusal of the file that took a message over its total.
pub fn message_too_large(name: &str, policy: &Policy) -> FileError {
    let mib = policy.message_bytes / (1024 * 1024);
    FileError::new(
        name,
        "files.message_too_large",
        format!("the files of one message may add up to {mib} MiB at most."),
    )
    .with("mib", mib)
}

/// Why [`check_file`] failed: the file is refused, or it could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    /// The file is refused; the message names it.
    #[error(transparent)]
    Refused(#[from] FileError),
    /// The spooled file could not be read.
    #[error("cannot read the uploaded file")]
    Io(#[from] std::io::Error),
}

/// A size in bytes as people read it (`532 B`, `14.2 KB`, `3.1 MB`).
pub fn readable_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1000.0 {
        format!("{bytes} B")
    } else if b < 1_000_000.0 {
        format!("{:.1} KB", b / 1000.0)
    } else if b < 1_000_000_000.0 {
        format!("{:.1} MB", b / 1_000_000.0)
    } else {
        format!("{:.2} GB", b / 1_000_000_000.0)
    }
}

#[cfg(test)]
mod tests;
