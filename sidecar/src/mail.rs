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
use tokio::sync::watch;

use crate::app::App;
use crate::db::mail::{OutgoingMail, QueuedMail};

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

/// Drains the queue until `stop` turns true.
pub async fn run_sender(app: Arc<App>, mut stop: watch::Receiver<bool>) {
    loop {
        match deliver_due(&app, &app.mail_transport).await {
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
            () = app.mail_bell.notified() => {}
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
pub async fn deliver_due(app: &App, transport: &Transport) -> Result<usize> {
    let due = app.db.due_mail(BATCH).await?;
    let taken = due.len();
    let mut sent = Vec::with_capacity(taken);
    let attempted = attempt_all(app, transport, due, &mut sent).await;
    if !sent.is_empty() {
        app.db
            .mail_sent(sent)
            .await
            .context("cannot mark delivered mail as sent")?;
    }
    attempted.map(|()| taken)
}

/// Delivers each message, collecting the ids of those delivered in `sent`
/// and recording failures with their next attempt.
async fn attempt_all(
    app: &App,
    transport: &Transport,
    due: Vec<QueuedMail>,
    sent: &mut Vec<i64>,
) -> Result<()> {
    for queued in due {
        match deliver(app, transport, &queued).await {
            Ok(()) => sent.push(queued.id),
            Err(err) => {
                let backoff = (30_i64 << queued.attempts.min(10)).min(MAX_BACKOFF_SECS);
                tracing::warn!(
                    id = queued.id,
                    attempt = queued.attempts + 1,
                    "mail not delivered, retrying in {backoff}s: {err:#}"
                );
                app.db
                    .mail_failed(queued.id, &format!("{err:#}"), backoff)
                    .await?;
            }
        }
    }
    Ok(())
}

async fn deliver(app: &App, transport: &Transport, queued: &QueuedMail) -> Result<()> {
    let message = build_message(&app.options.config.mail.from, &queued.mail)?;
    match transport {
        Transport::Outbox(dir) => {
            let dir = dir.clone();
            let name = format!("{:010}-{}.eml", queued.id, crate::db::now());
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
