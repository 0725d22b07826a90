//! The application state every handler receives: options, the store, the
//! portal's templates, password hashing and the mail sender's wake-up bell
//! and transport. Building it checks the configuration, so a bad setting
//! stops the start instead of failing later.

use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::sync::Notify;

use crate::auth::passwords::Passwords;
use crate::db::mail::OutgoingMail;
use crate::db::read_cache::ReadCache;
use crate::db::tickets::Status;
use crate::db::Db;
use crate::file_cache::FileCache;
use crate::mail::Transport;
use crate::pages::Pages;
use crate::Options;

/// Shared state of a running sidecar.
#[derive(Debug)]
pub struct App {
    /// The resolved options.
    pub options: Options,
    /// The store.
    pub db: Db,
    /// The portal's templates.
    pub pages: Pages,
    /// Argon2id with the configured cost.
    pub passwords: Passwords,
    /// Rung when mail is queued, so the sender need not wait for its poll.
    pub mail_bell: Arc<Notify>,
    /// Where the sender delivers mail.
    pub mail_transport: Transport,
    /// Bundle files already served, checked on every use.
    pub files: FileCache,
    /// Rendered "My Tickets" pages, under the rule of [`ReadCache`]: one is
    /// served only while the database is unchanged since the session and
    /// tickets it shows were read.
    pub rendered_lists: ReadCache<RenderedListKey, bytes::Bytes>,
}

/// A rendered "My Tickets" page: the session's token hash, the status
/// filter and the page number — with the database state, everything the
/// page shows depends on (templates and settings are fixed at start).
pub type RenderedListKey = (String, Option<Status>, u32);

/// Most rendered "My Tickets" pages kept.
const MAX_RENDERED_LISTS: usize = 1_000;

impl App {
    /// Opens the store (migrating it), loads the templates and prepares
    /// password hashing, all off the async runtime.
    pub async fn new(options: Options) -> Result<Self> {
        let mail_transport = Transport::from_options(&options)?;
        let db = Db::open(&options.database).await?;
        let templates_dir = options.templates_dir.clone();
        let overrides = options.site_root.join("templates");
        let (memory, iterations) = (
            options.config.password_memory_kib,
            options.config.password_iterations,
        );
        let (pages, passwords) = tokio::task::spawn_blocking(move || {
            Ok::<_, anyhow::Error>((
                Pages::load(&templates_dir, &overrides)?,
                Passwords::new_blocking(memory, iterations)?,
            ))
        })
        .await
        .context("start-up task failed")??;
        Ok(Self {
            options,
            db,
            pages,
            passwords,
            mail_bell: Arc::new(Notify::new()),
            mail_transport,
            files: FileCache::new(),
            rendered_lists: ReadCache::new(MAX_RENDERED_LISTS),
        })
    }

    /// Queues a message and wakes the sender.
    pub async fn send_mail(&self, mail: OutgoingMail) -> Result<()> {
        self.db.enqueue_mail(mail).await?;
        self.mail_bell.notify_one();
        Ok(())
    }

    /// An absolute URL for a sidecar path (links in mail).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.options.base_url)
    }
}
