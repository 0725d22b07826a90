//! Outgoing mail: the sender task that drains the queue of [`crate::db::mail`]
//! into the outbox folder (one RFC 5322 `.eml` file per message) or, when
//! `smtp_url` is set, to an SMTP relay. Failures are retried with growing
//! pauses. Requests only queue mail; they never wait for delivery.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use lettre::message::header::ContentType;
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use tokio::sync::{watch, Notify};

use crate::db::mail::{OutgoingMail, QueuedMail};
use crate::db::Db;

/// How often the queue is checked when nobody rings.
const POLL: Duration = Duration::from_secs(1);
/// Most messages taken from the queue per round.
const BATCH: u32 = 100;
/// Longest pause between attempts, in seconds.
const MAX_BACKOFF_SECS: i64 = 3600;

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    /// Written as `.eml` files into this folder.
    Outbox(PathBuf),
    /// Sent to an SMTP relay.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Outbox(dir) => f.debug_tuple("Outbox").field(dir).finish(),
            Transport::Smtp(_) => f.write_str("Smtp"),
        }
    }
}

impl Transport {
    /// The transport the configuration asks for; also checks the `from`
    /// address.
    pub fn from_options(options: &crate::Options) -> Result<Self> {
        let from = &options.config.mail.from;
        from.parse::<lettre::message::Mailbox>()
            .map_err(|e| anyhow!("[sidecar.mail] from = {from:?} is not a valid address: {e}"))?;
        match &options.config.mail.smtp_url {
            Some(url) => Ok(Transport::Smtp(smtp_transport(url)?)),
            None => Ok(Transport::Outbox(options.outbox_dir())),
        }
    }
}

/// Builds a transport from `smtp://[user[:password]@]host[:port]`.
/// `smtps://` needs TLS, which this build does not include.
fn smtp_transport(url: &str) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let rest = if let Some(rest) = url.strip_prefix("smtp://") {
        rest
    } else if url.starts_with("smtps://") {
        bail!("[sidecar.mail] smtp_url: smtps:// (TLS) is not supported by this build; use a local relay over smtp://");
    } else {
        bail!("[sidecar.mail] smtp_url must start with smtp://");
    };
    let rest = rest.trim_end_matches('/');
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| anyhow!("[sidecar.mail] smtp_url has an invalid port"))?,
        ),
        None => (hostport, 25),
    };
    if host.is_empty() {
        bail!("[sidecar.mail] smtp_url has no host");
    }
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .timeout(Some(Duration::from_secs(20)));
    if let Some(userinfo) = userinfo {
        let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        builder = builder.credentials(Credentials::new(decode(user), decode(pass)));
    }
    Ok(builder.build())
}

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

    /// Delivers up to [`BATCH`] due messages once; returns how many were
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
            let (mail, parts) = match &batch {
                Outgoing::One(queued) => (&queued.mail, std::slice::from_ref(queued)),
                Outgoing::Digest(mail, parts) => (mail, parts.as_slice()),
            };
            match self.deliver(mail, parts[0].id).await {
                Ok(()) => sent.extend(parts.iter().map(|q| q.id)),
                Err(err) => {
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

    async fn deliver(&self, mail: &OutgoingMail, id: i64) -> Result<()> {
        let message = build_message(&self.from, mail)?;
        match &self.transport {
            Transport::Outbox(dir) => {
                let dir = dir.clone();
                let name = format!("{id:010}-{}.eml", crate::db::now());
                let bytes = message.formatted();
                tokio::task::spawn_blocking(move || write_eml(&dir, &name, &bytes))
                    .await
                    .context("outbox task failed")?
            }
            Transport::Smtp(smtp) => {
                smtp.send(message).await.context("SMTP delivery failed")?;
                Ok(())
            }
        }
    }
}

/// A message to deliver: one queued mail, or a digest of several agent
/// notifications to one address (with the queued mails it stands for).
enum Outgoing {
    One(QueuedMail),
    Digest(OutgoingMail, Vec<QueuedMail>),
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
            out.push(Outgoing::Digest(digest_of(&to, &parts), parts));
        }
    }
    out
}

/// One mail that carries several notifications, each under its subject.
fn digest_of(to: &str, parts: &[QueuedMail]) -> OutgoingMail {
    let mut body = format!(
        "{} ticket updates arrived together; each is below.\n",
        parts.len()
    );
    for part in parts {
        body.push_str("\n----------------------------------------\n");
        body.push_str(&part.mail.subject);
        body.push_str("\n\n");
        body.push_str(part.mail.body.trim_end());
        body.push('\n');
    }
    OutgoingMail {
        to: to.to_owned(),
        subject: format!("{} ticket updates", parts.len()),
        body,
    }
}

/// An RFC 5322 message with Date, Message-ID, From, To and Subject.
pub fn build_message(from: &str, mail: &OutgoingMail) -> Result<Message> {
    Message::builder()
        .from(
            from.parse()
                .with_context(|| format!("invalid From address {from:?}"))?,
        )
        .to(mail
            .to
            .parse()
            .with_context(|| format!("invalid recipient {:?}", mail.to))?)
        .subject(mail.subject.clone())
        .message_id(None)
        .header(ContentType::TEXT_PLAIN)
        .body(mail.body.clone())
        .context("cannot build the message")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_has_the_rfc_5322_headers_and_an_intact_link() {
        let m = build_message(
            "support@example.com",
            &OutgoingMail {
                to: "a@example.com".into(),
                subject: "Hello".into(),
                body: "Open https://help.example.com/verify?token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef now".into(),
            },
        )
        .unwrap();
        let text = String::from_utf8(m.formatted()).unwrap();
        for h in ["Date: ", "Message-ID: ", "From: ", "To: ", "Subject: Hello"] {
            assert!(text.contains(h), "{h} missing in {text}");
        }
        // Long lines are quoted-printable; decoded, the link is intact.
        let decoded = text.replace("=\r\n", "").replace("=3D", "=");
        assert!(
            decoded.contains(
                "verify?token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef now"
            ),
            "{text}"
        );
    }

    #[test]
    fn smtp_urls_are_parsed_and_tls_urls_explained() {
        assert!(smtp_transport("smtp://127.0.0.1:2525").is_ok());
        assert!(smtp_transport("smtp://user:pw@mail.example.com").is_ok());
        let err = smtp_transport("smtps://mail.example.com")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("smtps"), "{err}");
        assert!(smtp_transport("http://x").is_err());
        assert!(smtp_transport("smtp://host:port").is_err());
    }
}
