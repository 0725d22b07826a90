//! IMAP intake: the sidecar reads a mailbox (`[sidecar.mail.inbound]
//! imap_url`) and hands each unseen message to [`super::receive`], the
//! same path `docket mail receive` takes.
//!
//! A message is flagged `\Seen` on the server only after its ticket is
//! committed. A crash between the two leaves it unseen, so it is fetched
//! again and recognised as a duplicate (by Message-ID, else by a hash of its
//! bytes): a kill at any moment loses nothing and stores nothing twice. The
//! server's IDLE is used when offered, else the mailbox is checked every
//! `poll_seconds`. The mailbox should be one only docket reads: a message
//! someone marks as read before docket sees it is not fetched.

mod connect;
mod source;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Context, Result};
use async_imap::types::UnsolicitedResponse;
use futures_util::TryStreamExt;
use tokio::sync::{watch, Notify};

use super::{IntakeError, Settings};
use crate::db::Db;
use connect::ImapSession;
pub use source::{Security, Source};

/// How long one IMAP command may take before the connection is given up.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(120);
/// How long an IDLE lasts before it is renewed (servers may drop a client
/// idle for 30 minutes, RFC 2177).
const IDLE_RENEWAL: Duration = Duration::from_secs(25 * 60);
/// The longest wait between attempts after errors.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// A configured IMAP fetcher.
pub struct Fetcher {
    source: Source,
    tls: tokio_rustls::TlsConnector,
    poll: Duration,
    db: Db,
    settings: Settings,
    mail_bell: Arc<Notify>,
}

impl std::fmt::Debug for Fetcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Fetcher")
            .field("source", &self.source)
            .field("poll", &self.poll)
            .finish_non_exhaustive()
    }
}

/// Why a batch stopped early.
enum Interruption {
    /// Stop was asked for.
    Stopped,
    /// The store is busy: wait, then try again.
    StoreBusy(anyhow::Error),
}

impl Fetcher {
    /// Reads the configuration; `None` when no `imap_url` is set. Fails
    /// with a message naming the key when the URL or `ca_file` is wrong.
    pub fn from_options(
        options: &crate::Options,
        db: Db,
        mail_bell: Arc<Notify>,
        texts: crate::mail::texts::MailTexts,
    ) -> Result<Option<Self>> {
        let inbound = &options.config.mail.inbound;
        let Some(url) = &inbound.imap_url else {
            return Ok(None);
        };
        let source = Source::parse(url)?;
        let ca_file = inbound.ca_file.as_ref().map(|p| options.site_root.join(p));
        let tls = connect::tls_connector(ca_file.as_deref())?;
        if inbound.poll_seconds == 0 {
            anyhow::bail!("[sidecar.mail.inbound] poll_seconds must be at least 1");
        }
        Ok(Some(Self {
            source,
            tls,
            poll: Duration::from_secs(inbound.poll_seconds),
            db,
            settings: Settings::from_options(options, texts),
            mail_bell,
        }))
    }

    /// Fetches until `stop` turns true, reconnecting after errors with a
    /// growing pause (logged each time, never fatal: a mail server that is
    /// down must not take the portal down).
    pub async fn run(self, mut stop: watch::Receiver<bool>) {
        tracing::info!(source = %self.source, "IMAP intake started");
        let mut backoff = Duration::from_secs(1);
        loop {
            match self.session(&mut stop).await {
                Ok(()) => return,
                Err(err) => {
                    tracing::warn!(source = %self.source, "IMAP intake: {err:#}; retrying in {backoff:?}")
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                _ = stop.changed() => return,
            }
            backoff = (backoff * 2).min(MAX_BACKOFF);
        }
    }

    /// One connection: fetch what is waiting, then wait for more, until
    /// stopped (`Ok`) or the connection fails (`Err`).
    async fn session(&self, stop: &mut watch::Receiver<bool>) -> Result<()> {
        let mut session = connect::open(&self.source, &self.tls).await?;
        timed(session.select(&self.source.mailbox))
            .await?
            .with_context(|| format!("cannot open the mailbox {:?}", self.source.mailbox))?;
        let idle = timed(session.capabilities()).await??.has_str("IDLE");
        tracing::info!(source = %self.source, idle, "IMAP intake connected");
        // New mail the server announces in answer to our own commands
        // (EXISTS) would otherwise not wake the next IDLE: it is noted here.
        let news = session.unsolicited_responses.clone();
        loop {
            announced(&news);
            match self.fetch_unseen(&mut session, stop).await? {
                None => {}
                Some(Interruption::Stopped) => return logout(session).await,
                Some(Interruption::StoreBusy(err)) => {
                    tracing::warn!(
                        "IMAP intake: the store is busy ({err:#}); trying again in {:?}",
                        self.poll
                    );
                    if wait(self.poll, stop).await {
                        return logout(session).await;
                    }
                    continue;
                }
            }
            if announced(&news) {
                continue;
            }
            if idle {
                // Also renewed every `poll_seconds`, so mail announced in a
                // way the IDLE missed waits no longer than polling would.
                let renewal = IDLE_RENEWAL.min(self.poll);
                let (next, stopped) = idle_until_change(session, &news, renewal, stop).await?;
                session = next;
                if stopped {
                    return logout(session).await;
                }
            } else {
                if wait(self.poll, stop).await {
                    return logout(session).await;
                }
                timed(session.noop()).await??;
            }
        }
    }

    /// Receives every unseen message, oldest first, flagging each `\Seen`
    /// once it is stored.
    async fn fetch_unseen(
        &self,
        session: &mut ImapSession,
        stop: &watch::Receiver<bool>,
    ) -> Result<Option<Interruption>> {
        let mut uids: Vec<u32> = timed(session.uid_search("UNSEEN UNDELETED"))
            .await??
            .into_iter()
            .collect();
        uids.sort_unstable();
        for uid in uids {
            if *stop.borrow() {
                return Ok(Some(Interruption::Stopped));
            }
            let outcome = self.receive_one(session, uid).await?;
            match outcome {
                Ok(receipt) => {
                    tracing::info!(uid, outcome = receipt.outcome.word(), number = ?receipt.number, "IMAP message received");
                    self.mail_bell.notify_one();
                }
                Err(IntakeError::Unparseable(why)) => {
                    // Left on the server, flagged so it is not fetched
                    // forever; the log says which one.
                    tracing::error!(uid, "IMAP message cannot be parsed and is left on the server, flagged as seen: {why}");
                }
                Err(IntakeError::Temporary(err)) => return Ok(Some(Interruption::StoreBusy(err))),
            }
            mark_seen(session, uid).await?;
        }
        Ok(None)
    }

    /// Fetches one message (only its header when it is over the size
    /// limit) and stores it.
    async fn receive_one(
        &self,
        session: &mut ImapSession,
        uid: u32,
    ) -> Result<Result<super::Receipt, IntakeError>> {
        let size = fetch_one(session, uid, "RFC822.SIZE", |f| f.size.map(|s| s as usize))
            .await?
            .ok_or_else(|| anyhow!("the server gave no size for message UID {uid}"))?;
        if size > self.settings.max_message_bytes {
            let header = fetch_one(session, uid, "BODY.PEEK[HEADER]", |f| {
                f.header().map(<[u8]>::to_vec)
            })
            .await?
            .ok_or_else(|| anyhow!("the server gave no header for message UID {uid}"))?;
            return Ok(super::receive_oversized(&self.db, &self.settings, header, size).await);
        }
        let raw = fetch_one(session, uid, "BODY.PEEK[]", |f| {
            f.body().map(<[u8]>::to_vec)
        })
        .await?
        .ok_or_else(|| anyhow!("the server gave no body for message UID {uid}"))?;
        Ok(super::receive(&self.db, &self.settings, raw).await)
    }
}

/// Runs one `UID FETCH` for `uid` and picks a value out of its answer.
async fn fetch_one<T>(
    session: &mut ImapSession,
    uid: u32,
    items: &str,
    pick: impl Fn(&async_imap::types::Fetch) -> Option<T>,
) -> Result<Option<T>> {
    timed(async {
        let fetches: Vec<_> = session
            .uid_fetch(uid.to_string(), items)
            .await?
            .try_collect()
            .await?;
        Ok::<_, async_imap::error::Error>(
            fetches
                .iter()
                .filter(|f| f.uid.is_none_or(|u| u == uid))
                .find_map(&pick),
        )
    })
    .await?
    .with_context(|| format!("fetching {items} of message UID {uid} failed"))
}

/// Flags a message `\Seen`: it is stored, and is not fetched again.
async fn mark_seen(session: &mut ImapSession, uid: u32) -> Result<()> {
    timed(async {
        session
            .uid_store(uid.to_string(), "+FLAGS.SILENT (\\Seen)")
            .await?
            .try_collect::<Vec<_>>()
            .await
    })
    .await?
    .with_context(|| format!("flagging message UID {uid} as seen failed"))?;
    Ok(())
}

/// Whether the server announced new mail since the last call (the
/// announcements are consumed).
fn announced(news: &async_channel::Receiver<UnsolicitedResponse>) -> bool {
    let mut any = false;
    while let Ok(response) = news.try_recv() {
        any |= matches!(
            response,
            UnsolicitedResponse::Exists(_) | UnsolicitedResponse::Recent(_)
        );
    }
    any
}

/// IDLE until the mailbox changes, `renewal` passes or `stop` turns true;
/// returns the session and whether to stop. Mail announced while the IDLE
/// starts ends it at once.
async fn idle_until_change(
    session: ImapSession,
    news: &async_channel::Receiver<UnsolicitedResponse>,
    renewal: Duration,
    stop: &mut watch::Receiver<bool>,
) -> Result<(ImapSession, bool)> {
    let mut handle = session.idle();
    timed(handle.init()).await?.context("IDLE refused")?;
    if announced(news) {
        let session = timed(handle.done()).await?.context("ending IDLE failed")?;
        return Ok((session, false));
    }
    let stopped = {
        let (change, _interrupt) = handle.wait_with_timeout(renewal);
        tokio::select! {
            result = change => {
                result.context("IDLE failed")?;
                false
            }
            _ = stop.changed() => true,
        }
    };
    let session = timed(handle.done()).await?.context("ending IDLE failed")?;
    Ok((session, stopped))
}

/// Waits `period`; true when `stop` turned true meanwhile.
async fn wait(period: Duration, stop: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        () = tokio::time::sleep(period) => *stop.borrow(),
        _ = stop.changed() => true,
    }
}

/// Logs out politely; a failure only means the connection is gone anyway.
async fn logout(mut session: ImapSession) -> Result<()> {
    let _ = tokio::time::timeout(Duration::from_secs(5), session.logout()).await;
    Ok(())
}

/// An IMAP command with [`COMMAND_TIMEOUT`].
async fn timed<F: std::future::Future>(command: F) -> Result<F::Output> {
    tokio::time::timeout(COMMAND_TIMEOUT, command)
        .await
        .map_err(|_| anyhow!("the IMAP server did not answer within {COMMAND_TIMEOUT:?}"))
}
