//! Outgoing mail: the sender task that drains the queue of [`crate::db::mail`]
//! into the outbox folder (one RFC 5322 `.eml` file per message) or, when
//! `smtp_url` is set, to an SMTP relay. Failures are retried with growing
//! pauses. Requests only queue mail; they never wait for delivery.

pub mod compose;
pub mod notices;
pub mod texts;
pub mod transport;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use lettre::AsyncTransport;
use tokio::sync::{watch, Notify};

pub use transport::Transport;

use crate::db::mail::{OutgoingMail, QueuedMail, Threading};
use crate::db::Db;

/// How often the queue is checked when nobody rings.
const POLL: Duration = Duration::from_secs(1);
/// Most messages taken from the queue per round.
const BATCH: u32 = 100;
/// Longest pause between attempts, in seconds.
const MAX_BACKOFF_SECS: i64 = 3600;

/// Delivers the outgoing mail queue: the store it reads, the transport it
/// delivers through, the bell rung when mail is queued and the sender
/// address. It does not know the rest of the application.
#[derive(Debug, Clone)]
pub struct Sender {
    /// The store holding the queue.
    pub db: Db,
    /// Where mail is delivered.
    pub transport: Transport,
    /// Rung when mail is queued, so the sender need not wait for its poll.
    pub bell: Arc<Notify>,
    /// The `From` address.
    pub from: String,
    /// The `Reply-To` address.
    pub reply_to: String,
    /// What a digest says, in its recipient's language.
    pub texts: texts::MailTexts,
}

impl Sender {
    /// Drains the queue until `stop` turns true.
    pub async fn run(&self, mut stop: watch::Receiver<bool>) {
        loop {
            match self.deliver_due().await {
                // A full round: more may be due, go on without waiting.
                Ok(taken) if taken == BATCH as usize => {
                    if *stop.borrow() {
                        return;
                    }
                    continue;
                }
                Ok(_) => {}
                Err(err) => tracing::warn!("mail queue: {err:#}"),
            }
            tokio::select! {
                () = self.bell.notified() => {}
                () = tokio::time::sleep(POLL) => {}
                _ = stop.changed() => return,
            }
        }
    }

    /// Delivers up to `BATCH` due messages once; returns how many were
    /// taken. The delivered ones are marked sent together in one write at the
    /// end (also when a later one fails), so a busy queue costs one commit per
    /// round, not one per message. As before, a crash between delivery and that
    /// write delivers those messages again: delivery is at least once.
    pub async fn deliver_due(&self) -> Result<usize> {
        let due = self.db.due_mail(BATCH).await?;
        let taken = due.len();
        let mut sent = Vec::with_capacity(taken);
        let attempted = self.attempt_all(due, &mut sent).await;
        if !sent.is_empty() {
            self.db
                .mail_sent(sent)
                .await
                .context("cannot mark delivered mail as sent")?;
        }
        attempted.map(|()| taken)
    }

    /// Delivers each message, collecting the ids of those delivered in `sent`
    /// and recording failures with their next attempt. Agent notifications
    /// due together for one address go out as one digest.
    async fn attempt_all(&self, due: Vec<QueuedMail>, sent: &mut Vec<i64>) -> Result<()> {
        for batch in combine_digests(due) {
            let none = Threading::default();
            let digest;
            let (mail, threading, parts) = match &batch {
                Outgoing::One(queued) => (
                    &queued.mail,
                    &queued.threading,
                    std::slice::from_ref(queued),
                ),
                Outgoing::Digest(to, parts) => {
                    let text = self.texts.for_recipient(&self.db, to, None, None).await;
                    digest = digest_of(&text, to, parts);
                    (&digest, &none, parts.as_slice())
                }
            };
            let Some(first) = parts.first() else {
                continue;
            };
            match self.deliver(mail, threading, first.id).await {
                Ok(()) => sent.extend(parts.iter().map(|q| q.id)),
                Err(Failure::Refused(err)) => {
                    for queued in parts {
                        tracing::warn!(id = queued.id, to = %queued.mail.to, "mail refused, not retried: {err:#}");
                        self.db.mail_refused(queued.id, &format!("{err:#}")).await?;
                    }
                }
                Err(Failure::Retry(err)) => {
                    for queued in parts {
                        let backoff = (30_i64 << queued.attempts.min(10)).min(MAX_BACKOFF_SECS);
                        tracing::warn!(
                            id = queued.id,
                            attempt = queued.attempts + 1,
                            "mail not delivered, retrying in {backoff}s: {err:#}"
                        );
                        self.db
                            .mail_failed(queued.id, &format!("{err:#}"), backoff)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    async fn deliver(
        &self,
        mail: &OutgoingMail,
        threading: &Threading,
        id: i64,
    ) -> Result<(), Failure> {
        let env = compose::Envelope {
            from: &self.from,
            reply_to: &self.reply_to,
        };
        let message = compose::build_message(&env, mail, threading).map_err(Failure::Retry)?;
        match &self.transport {
            Transport::Outbox(dir) => {
                let dir = dir.clone();
                let name = format!("{id:010}-{}.eml", crate::db::now());
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || write_eml(&dir, &name, &bytes))
                    .await
                    .context("outbox task failed")
                    .and_then(|written| written)
                    .map_err(Failure::Retry)
            }
            Transport::Smtp(smtp) => match smtp.send(message).await {
                Ok(_) => Ok(()),
                Err(err) if err.is_permanent() => Err(Failure::Refused(
                    anyhow::Error::new(err).context("SMTP refused the mail"),
                )),
                Err(err) => Err(Failure::Retry(
                    anyhow::Error::new(err).context("SMTP delivery failed"),
                )),
            },
        }
    }
}

/// Why a message was not delivered.
enum Failure {
    /// The server refused it for good (SMTP 5xx): retrying cannot help.
    Refused(anyhow::Error),
    /// Anything else: try again later.
    Retry(anyhow::Error),
}

/// A message to deliver: one queued mail, or a digest of several agent
/// notifications to one address (with the queued mails it stands for).
enum Outgoing {
    One(QueuedMail),
    /// Notifications to one address (the first field), sent as one.
    Digest(String, Vec<QueuedMail>),
}

/// Groups the agent notifications among `due` by address: an address with
/// two or more gets one digest listing them, in the order they were
/// queued. Everything else is delivered as it is, in queue order.
fn combine_digests(due: Vec<QueuedMail>) -> Vec<Outgoing> {
    let mut out: Vec<Outgoing> = Vec::with_capacity(due.len());
    let mut groups: std::collections::HashMap<String, Vec<QueuedMail>> =
        std::collections::HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for queued in due {
        if queued.digest {
            let to = queued.mail.to.clone();
            if !groups.contains_key(&to) {
                order.push(to.clone());
            }
            groups.entry(to).or_default().push(queued);
        } else {
            out.push(Outgoing::One(queued));
        }
    }
    for to in order {
        let Some(mut parts) = groups.remove(&to) else {
            continue;
        };
        if parts.len() == 1 {
            out.extend(parts.pop().map(Outgoing::One));
        } else {
            out.push(Outgoing::Digest(to, parts));
        }
    }
    out
}

/// One mail that carries several notifications, each under its subject.
fn digest_of(text: &texts::Text<'_>, to: &str, parts: &[QueuedMail]) -> OutgoingMail {
    let count = [("count", &parts.len() as &texts::Arg)];
    let mut body = format!(
        "{}\n{}\n",
        text.t("mail.digest_intro", &count),
        text.plain("mail.digest_no_reply")
    );
    for part in parts {
        body.push_str("\n----------------------------------------\n");
        body.push_str(&part.mail.subject);
        body.push_str("\n\n");
        body.push_str(part.mail.body.trim_end());
        body.push('\n');
    }
    OutgoingMail {
        auto_submitted: Some("auto-generated".to_owned()),
        ..OutgoingMail::plain(to, text.t("mail.digest_subject", &count), body)
    }
}

/// Writes the file under a temporary name first, so readers of the outbox
/// never see half a message.
fn write_eml(dir: &Path, name: &str, bytes: &[u8]) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let tmp = dir.join(format!(".{name}.tmp"));
    let path = dir.join(name);
    std::fs::write(&tmp, bytes).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, &path).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(())
}
