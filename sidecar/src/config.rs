//! The `[sidecar]` and `[sidecar.mail]` tables of `docket.toml`.
//!
//! The sidecar owns the schema of its own tables; the generator embeds it in
//! the whole-file schema so that a typo under `[sidecar]` also fails
//! `docket build`. Values here are raw input: paths are still relative to
//! the site root, which the caller resolves (see [`crate::Options`]).

use std::path::PathBuf;

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
    /// Mark cookies `Secure` (set this behind HTTPS).
    pub cookie_secure: bool,
    /// Also serve the public bundle at `/`, so no CDN is needed.
    pub serve_public: bool,
    /// Minutes of inactivity after which a session ends.
    pub session_idle_minutes: u32,
    /// Hours after sign-in after which a session ends whatever the activity.
    pub session_max_hours: u32,
    /// Seconds a client may take to send a request's headers.
    pub header_timeout_seconds: u64,
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
    /// Take the client address from the last `X-Forwarded-For` entry (set
    /// this only behind a reverse proxy that appends it).
    pub trust_forwarded_for: bool,
    /// Argon2id memory cost in KiB for new password hashes.
    pub password_memory_kib: u32,
    /// Argon2id iterations for new password hashes.
    pub password_iterations: u32,
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
            cookie_secure: false,
            serve_public: true,
            session_idle_minutes: 120,
            session_max_hours: 24 * 7,
            header_timeout_seconds: 10,
            shutdown_grace_seconds: 10,
            rate_limit_window_minutes: 15,
            rate_limit_per_client: 30,
            rate_limit_per_account: 10,
            trust_forwarded_for: false,
            password_memory_kib: 19 * 1024,
            password_iterations: 2,
            mail: MailConfig::default(),
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
    /// `smtp://` URL of a relay; when set, mail goes there (no TLS in this build).
    pub smtp_url: Option<String>,
    /// The `From:` address.
    pub from: String,
    /// Where new-ticket and customer-reply notifications go. When unset,
    /// every agent account is notified.
    pub notify: Option<String>,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            outbox: PathBuf::from("outbox"),
            smtp_url: None,
            from: "support@example.com".to_owned(),
            notify: None,
        }
    }
}
