//! The application state every handler receives: options, the store, the
//! portal's templates, password hashing and the mail sender's wake-up bell
//! and transport. Building it checks the configuration, so a bad setting
//! stops the start instead of failing later.

use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::sync::Notify;

use crate::auth::csrf::AllowedOrigins;
use crate::auth::passwords::Passwords;
use crate::db::feedback::SigningKeys;
use crate::db::mail::OutgoingMail;
use crate::db::read_cache::ReadCache;
use crate::db::ticket_lists::TicketFilter;
use crate::db::Db;
use crate::file_cache::FileCache;
use crate::intake::imap::Fetcher;
use crate::language::Languages;
use crate::mail::texts::{MailTexts, Text};
use crate::mail::{Sender, Transport};
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
    /// The languages the portal speaks, and how one is chosen.
    pub languages: Languages,
    /// What mail says, in each language.
    pub mail_texts: MailTexts,
    /// Argon2id with the configured cost.
    pub passwords: Passwords,
    /// Rung when mail is queued, so the sender need not wait for its poll.
    pub mail_bell: Arc<Notify>,
    /// Where the sender delivers mail.
    pub mail_transport: Transport,
    /// The IMAP intake, until [`App::take_imap_fetcher`] starts it.
    imap_fetcher: std::sync::Mutex<Option<Fetcher>>,
    /// Bundle files already served, checked on every use.
    pub files: FileCache,
    /// The origins state-changing requests may come from (CSRF check).
    pub origins: AllowedOrigins,
    /// The keys feedback tokens and rating links are signed with.
    pub keys: SigningKeys,
    /// Rendered "My Tickets" pages, under the rule of [`ReadCache`]: one is
    /// served only while the database is unchanged since the session and
    /// tickets it shows were read.
    pub rendered_lists: ReadCache<RenderedListKey, bytes::Bytes>,
    /// Held (shared) by every task running after its answer; taken
    /// exclusively at shutdown to wait for them all.
    after_answer_running: Arc<tokio::sync::RwLock<()>>,
}

/// A rendered "My Tickets" page: the session's token hash, the list's
/// filter (status, search words, order, page; the requester left out, as
/// the session names it) and the language — with the database state,
/// everything the page shows depends on (templates and settings are fixed
/// at start).
pub type RenderedListKey = (String, TicketFilter, String);

/// Most rendered "My Tickets" pages kept.
const MAX_RENDERED_LISTS: usize = 1_000;

impl App {
    /// Opens the store (migrating it), loads the templates and prepares
    /// password hashing, all off the async runtime.
    pub async fn new(options: Options) -> Result<Self> {
        let mail_transport = Transport::from_options(&options)?;
        let origins = AllowedOrigins::new(&options.base_url, &options.config.allowed_origins)
            .map_err(|e| anyhow::anyhow!("docket.toml [sidecar] {e}"))?;
        let db = Db::open(&options.database).await?;
        let keys = db.signing_keys().await?;
        let mail_bell = Arc::new(Notify::new());
        let templates_dir = options.templates_dir.clone();
        let overrides = options.site_root.join("templates");
        let for_catalogs = options.clone();
        let (memory, iterations) = (
            options.config.password_memory_kib,
            options.config.password_iterations,
        );
        let (pages, catalogs, languages, passwords) = tokio::task::spawn_blocking(move || {
            let catalogs = Arc::new(for_catalogs.load_catalogs()?);
            let languages = Languages::new(
                &for_catalogs.default_language,
                &for_catalogs.languages,
                &catalogs,
            );
            Ok::<_, anyhow::Error>((
                Pages::load_with(&templates_dir, &overrides, &catalogs)?,
                catalogs,
                languages,
                Passwords::new_blocking(memory, iterations)?,
            ))
        })
        .await
        .context("start-up task failed")??;
        let mail_texts = MailTexts::new(catalogs, languages.clone());
        let imap_fetcher = Fetcher::from_options(
            &options,
            db.clone(),
            Arc::clone(&mail_bell),
            mail_texts.clone(),
        )?;
        Ok(Self {
            options,
            db,
            pages,
            languages,
            mail_texts,
            passwords,
            mail_bell,
            mail_transport,
            imap_fetcher: std::sync::Mutex::new(imap_fetcher),
            files: FileCache::new(),
            origins,
            keys,
            rendered_lists: ReadCache::new(MAX_RENDERED_LISTS),
            after_answer_running: Arc::new(tokio::sync::RwLock::new(())),
        })
    }

    /// The configured IMAP intake, once: the server runs it as a background
    /// task.
    pub fn take_imap_fetcher(&self) -> Option<Fetcher> {
        self.imap_fetcher
            .lock()
            .map(|mut f| f.take())
            .unwrap_or_else(|poisoned| poisoned.into_inner().take())
    }

    /// Queues a message and wakes the sender.
    pub async fn send_mail(&self, mail: OutgoingMail) -> Result<()> {
        let id = crate::mail::compose::new_message_id(&self.options.config.mail.from)?;
        self.db.enqueue_mail(mail, id).await?;
        self.mail_bell.notify_one();
        Ok(())
    }

    /// Queues a notification for an agent; a burst of them to one address
    /// becomes one digest (`[sidecar.mail] digest_seconds`).
    pub async fn send_agent_notice(&self, mail: OutgoingMail) -> Result<()> {
        let window = i64::try_from(self.options.config.mail.digest_seconds).unwrap_or(i64::MAX / 2);
        let id = crate::mail::compose::new_message_id(&self.options.config.mail.from)?;
        self.db.enqueue_agent_notice(mail, id, window).await?;
        self.mail_bell.notify_one();
        Ok(())
    }

    /// An absolute URL for a sidecar path (links in mail).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.options.base_url)
    }

    /// Runs `work` on its own task after the answer; a failure is logged
    /// with `what` (nobody is waiting for it). [`App::after_answer_finished`]
    /// waits for every such task.
    pub fn spawn_after_answer<F>(&self, what: &'static str, work: F)
    where
        F: std::future::Future<Output = Result<()>> + Send + 'static,
    {
        // Fails only once shutdown waits; the work then runs unwatched.
        let running = Arc::clone(&self.after_answer_running).try_read_owned().ok();
        tokio::spawn(async move {
            let _running = running;
            if let Err(err) = work.await {
                tracing::error!("{what} failed after the answer: {err:#}");
            }
        });
    }

    /// The mail sender, over this application's store, transport and bell.
    pub fn mail_sender(&self) -> Sender {
        Sender {
            db: self.db.clone(),
            transport: self.mail_transport.clone(),
            bell: Arc::clone(&self.mail_bell),
            from: self.options.config.mail.from.clone(),
            reply_to: self
                .options
                .config
                .mail
                .reply_to
                .clone()
                .unwrap_or_else(|| self.options.config.mail.from.clone()),
            texts: self.mail_texts.clone(),
        }
    }

    /// Drains the mail queue until `stop` turns true; then waits for the
    /// work still running after its answer (registration, reset and
    /// ticket-link mail), so that what was answered is on disk when the
    /// sidecar stops.
    pub async fn run_mail(self: Arc<Self>, stop: tokio::sync::watch::Receiver<bool>) {
        self.mail_sender().run(stop).await;
        self.after_answer_finished().await;
    }

    /// Waits until every task started by [`App::spawn_after_answer`] has
    /// finished: at shutdown, so that what was answered is on disk.
    pub async fn after_answer_finished(&self) {
        let _all = self.after_answer_running.write().await;
    }

    /// The language mail to `to` (about ticket `ticket_id`) is written in
    /// ([`MailTexts::for_recipient`]); with `own_request`, the request
    /// being handled is the recipient's own and its page's language stands
    /// in when nothing else is known.
    pub async fn mail_text(&self, to: &str, ticket_id: Option<i64>, own_request: bool) -> Text<'_> {
        let page = own_request.then(crate::language::current).flatten();
        self.mail_texts
            .for_recipient(&self.db, to, ticket_id, page.as_deref())
            .await
    }

    /// What work after the answer needs, owned (see [`AfterAnswer`]),
    /// with the language of the request being handled.
    pub fn after_answer(&self) -> AfterAnswer {
        AfterAnswer {
            db: self.db.clone(),
            mail_bell: Arc::clone(&self.mail_bell),
            base_url: self.options.base_url.clone(),
            site_title: self.options.site_title.clone(),
            from: self.options.config.mail.from.clone(),
            texts: self.mail_texts.clone(),
            page_language: crate::language::current(),
        }
    }
}

/// The store and the mail queue, owned, for work that runs after the
/// answer has gone out ([`App::spawn_after_answer`]). Forms that must answer
/// the same whether or not an address has an account (registration,
/// "forgot password", ticket links) do their lookups, writes and mail
/// there, so neither the page nor its timing tells.
#[derive(Debug, Clone)]
pub struct AfterAnswer {
    /// The store.
    pub db: Db,
    mail_bell: Arc<Notify>,
    base_url: String,
    /// The site's title, for mail subjects.
    pub site_title: String,
    /// The `From` address (its domain ends Message-IDs).
    from: String,
    /// What mail says, in each language.
    texts: MailTexts,
    /// The language of the page that set this work off: the person who
    /// asked for the mail reads it.
    page_language: Option<String>,
}

impl AfterAnswer {
    /// The language mail to `to` (about ticket `ticket_id`) is written in
    /// ([`MailTexts::for_recipient`]), the page that set this work off
    /// standing in when nothing else is known.
    pub async fn language_for(&self, to: &str, ticket_id: Option<i64>) -> Text<'_> {
        self.texts
            .for_recipient(&self.db, to, ticket_id, self.page_language.as_deref())
            .await
    }

    /// Queues a message and wakes the sender.
    pub async fn send_mail(&self, mail: OutgoingMail) -> Result<()> {
        let id = crate::mail::compose::new_message_id(&self.from)?;
        self.db.enqueue_mail(mail, id).await?;
        self.mail_bell.notify_one();
        Ok(())
    }

    /// An absolute URL for a sidecar path (links in mail).
    pub fn url(&self, path_and_query: &str) -> String {
        format!("{}{path_and_query}", self.base_url)
    }
}

impl crate::auth::Context for App {
    fn db(&self) -> &Db {
        &self.db
    }

    fn config(&self) -> &crate::config::SidecarConfig {
        &self.options.config
    }
}
