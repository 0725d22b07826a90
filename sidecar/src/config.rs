//! The `[sidecar]` and `[sidecar.mail]` tables of `docket.toml`.
//!
//! The sidecar owns the schema of its own tables; the generator embeds it in
//! the whole-file schema so that a typo under `[sidecar]` also fails
//! `docket build`. Values here are raw input: paths are still relative to
//! the site root, which the caller resolves (see [`crate::Options`]).

use std::path::{Path, PathBuf};

use serde::Deserialize;

/// `[sidecar]`: how the portal server runs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SidecarConfig {
    /// Address and port to listen on.
    pub listen: String,
    /// SQLite database file, created and migrated on start.
    pub database: PathBuf,
    /// Whether customers may register themselves.
    pub allow_registration: bool,
    /// Whether customers may open new tickets ("Submit New Ticket").
    pub allow_new_tickets: bool,
    /// Whether visitors without an account may send requests through
    /// `/contact` (each confirmed by a mailed link before it becomes a
    /// ticket).
    pub allow_anonymous_requests: bool,
    /// Whether searches that found nothing are counted (in aggregate, for
    /// the content-gap report).
    pub collect_search_misses: bool,
    /// Mark cookies `Secure` (set this behind HTTPS).
    pub cookie_secure: bool,
    /// Also serve the public bundle at `/`, so no CDN is needed.
    pub serve_public: bool,
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: u32,
    /// Hours after sign-in after which a session ends whatever the activity.
    pub session_max_hours: u32,
    /// Seconds a connection may stay idle: before its first request,
    /// between requests, and until a request's head is complete.
    pub header_timeout_seconds: u64,
    /// Seconds a client may take to send a request's body.
    pub body_timeout_seconds: u64,
    /// Most connections open at once; further ones are closed at once.
    pub max_connections: u32,
    /// Also speak cleartext HTTP/2 (prior knowledge) besides HTTP/1.1.
    pub http2_cleartext: bool,
    /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C.
    pub shutdown_grace_seconds: u64,
    /// Length of a rate-limit window, in minutes.
    pub rate_limit_window_minutes: u32,
    /// Login, registration and reset attempts allowed per client address
    /// and window.
    pub rate_limit_per_client: u32,
    /// Login attempts allowed per account (and reset or registration mails
    /// per address) and window.
    pub rate_limit_per_account: u32,
    /// New tickets one customer address may open per window.
    pub rate_limit_new_tickets: u32,
    /// Replies one customer address may add per window (signed in or
    /// through a ticket link).
    pub rate_limit_replies: u32,
    /// Take the client address from the last `X-Forwarded-For` entry (set
    /// this only behind a reverse proxy that appends it); the same as
    /// `trusted_proxy_hops = 1`.
    pub trust_forwarded_for: bool,
    /// How many proxies in front of the sidecar append to
    /// `X-Forwarded-For`: the client is the entry that many places from
    /// the end. 0 = the TCP peer is the client.
    pub trusted_proxy_hops: u32,
    /// Origins besides `[site] base_url`'s that may send state-changing
    /// requests (`scheme://host[:port]`).
    pub allowed_origins: Vec<String>,
    /// Argon2id memory cost in KiB for new password hashes.
    pub password_memory_kib: u32,
    /// Argon2id iterations for new password hashes.
    pub password_iterations: u32,
    /// Largest attached file, in MiB.
    pub attachment_max_mib: u64,
    /// Largest total of a message's files, in MiB.
    pub message_max_mib: u64,
    /// The file types that may be attached, as sniffed from their content
    /// (MIME types, e.g. `image/png`, `text/plain`).
    pub attachment_types: Vec<String>,
    /// `[sidecar.mail]`.
    pub mail: MailConfig,
}

impl Default for SidecarConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".to_owned(),
            database: PathBuf::from("docket.db"),
            allow_registration: true,
            allow_new_tickets: true,
            allow_anonymous_requests: true,
            collect_search_misses: true,
            cookie_secure: false,
            serve_public: true,
            session_idle_minutes: 120,
            session_max_hours: 24 * 7,
            header_timeout_seconds: 10,
            body_timeout_seconds: 30,
            max_connections: 256,
            http2_cleartext: false,
            shutdown_grace_seconds: 10,
            rate_limit_window_minutes: 15,
            rate_limit_per_client: 30,
            rate_limit_per_account: 10,
            rate_limit_new_tickets: 10,
            rate_limit_replies: 30,
            trust_forwarded_for: false,
            trusted_proxy_hops: 0,
            allowed_origins: Vec::new(),
            password_memory_kib: 19 * 1024,
            password_iterations: 2,
            attachment_max_mib: 10,
            message_max_mib: 25,
            attachment_types: DEFAULT_ATTACHMENT_TYPES
                .iter()
                .map(|t| (*t).to_owned())
                .collect(),
            mail: MailConfig::default(),
        }
    }
}

impl SidecarConfig {
    /// How many `X-Forwarded-For` entries come from trusted proxies:
    /// `trusted_proxy_hops`, or 1 when only `trust_forwarded_for` is set.
    pub fn proxy_hops(&self) -> u32 {
        if self.trusted_proxy_hops == 0 && self.trust_forwarded_for {
            1
        } else {
            self.trusted_proxy_hops
        }
    }
}

/// `[sidecar.mail]`: where outgoing mail goes.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MailConfig {
    /// Folder where each mail is written as an `.eml` file (used when no
    /// `smtp_url` is set).
    pub outbox: PathBuf,
    /// `smtps://` (implicit TLS) or `smtp://` (STARTTLS) URL of a relay;
    /// when set, mail goes there.
    pub smtp_url: Option<String>,
    /// `"required"` (the default): TLS always, never plain text;
    /// `"none"`: plain SMTP, only for a relay on the same machine.
    pub smtp_tls: String,
    /// A PEM file of certificates to trust besides the system's (a private
    /// relay's own CA).
    pub smtp_ca_file: Option<PathBuf>,
    /// The `From:` address.
    pub from: String,
    /// The `Reply-To:` address (the support mailbox intake reads); `from`
    /// when unset.
    pub reply_to: Option<String>,
    /// Where new-ticket and customer-reply notifications go. When unset,
    /// every agent account is notified.
    pub notify: Option<String>,
    /// Agent notifications to one address that follow another within this
    /// many seconds are held until the window ends and sent as one digest
    /// mail; 0 sends each at once (several due together are still one
    /// digest).
    pub digest_seconds: u64,
    /// `[sidecar.mail.inbound]`: mail that customers and agents send in.
    pub inbound: InboundConfig,
}

/// `[sidecar.mail.inbound]`: where inbound mail comes from and its limits.
/// Mail piped to `docket mail receive` needs none of it but the limits.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InboundConfig {
    /// `imaps://user:password@host[:port]/MAILBOX` (implicit TLS) or
    /// `imap://…` (STARTTLS required). When set, the sidecar fetches new
    /// mail from that mailbox.
    pub imap_url: Option<String>,
    /// Seconds between checks when the server does not offer IDLE.
    pub poll_seconds: u64,
    /// A PEM file of certificates to trust besides the system's (a private
    /// mail server's own CA).
    pub ca_file: Option<PathBuf>,
    /// Largest message kept, in MiB; a larger one is not stored, and its
    /// sender is told.
    pub max_message_mib: u64,
    /// Acknowledgements sent to one sender per hour at most.
    pub acknowledgements_per_hour: u32,
}

impl Default for InboundConfig {
    fn default() -> Self {
        Self {
            imap_url: None,
            poll_seconds: 60,
            ca_file: None,
            max_message_mib: 25,
            acknowledgements_per_hour: 5,
        }
    }
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            outbox: PathBuf::from("outbox"),
            smtp_url: None,
            smtp_tls: "required".to_owned(),
            smtp_ca_file: None,
            from: "support@example.com".to_owned(),
            reply_to: None,
            notify: None,
            digest_seconds: 60,
            inbound: InboundConfig::default(),
        }
    }
}

/// The types accepted when `attachment_types` is not set: common raster
/// images, PDF, plain text and logs, CSV, ZIP and Office documents.
pub const DEFAULT_ATTACHMENT_TYPES: &[&str] = &[
    "image/png",
    "image/jpeg",
    "image/gif",
    "image/webp",
    "application/pdf",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
];

/// Everything the sidecar needs, with paths resolved.
#[derive(Debug, Clone)]
pub struct Options {
    /// The `[sidecar]` table as written.
    pub config: SidecarConfig,
    /// The site's root folder (relative paths in `config` are under it).
    pub site_root: PathBuf,
    /// The SQLite database file.
    pub database: PathBuf,
    /// The internal bundle, served under `/internal/` to agents.
    pub internal_dir: PathBuf,
    /// The public bundle, served at `/` when `serve_public` is on.
    pub public_dir: PathBuf,
    /// The theme's `templates/` folder (portal pages are in `portal/`).
    pub templates_dir: PathBuf,
    /// The site's title, shown on portal pages.
    pub site_title: String,
    /// The site's default language (`[site] default_language`): strings
    /// missing from another language's catalog come from it.
    pub default_language: String,
    /// Every language the site is written in, the default first: the
    /// portal speaks those that have a string catalog.
    pub languages: Vec<String>,
    /// The site's public URL without a trailing slash, for links in mail.
    pub base_url: String,
}

impl Options {
    /// A path from the configuration, resolved against the site root.
    pub fn resolve(&self, path: &Path) -> PathBuf {
        self.site_root.join(path)
    }

    /// The string catalogs: the built-in ones, the theme's `i18n/` and the
    /// site's `i18n/` (later ones override single strings). Blocking.
    pub fn load_catalogs(&self) -> anyhow::Result<docket_i18n::Catalogs> {
        let theme_i18n = self
            .templates_dir
            .parent()
            .map(|theme| theme.join("i18n"))
            .unwrap_or_default();
        let site_i18n = self.site_root.join("i18n");
        docket_i18n::Catalogs::load(&[&theme_i18n, &site_i18n], &self.default_language)
    }

    /// Where uploads wait while they are read and checked (beside the
    /// database: `docket.db` gives `docket.uploads/`).
    pub fn spool_dir(&self) -> PathBuf {
        self.database.with_extension("uploads")
    }

    /// The mail outbox folder.
    pub fn outbox_dir(&self) -> PathBuf {
        self.resolve(&self.config.mail.outbox)
    }
}
