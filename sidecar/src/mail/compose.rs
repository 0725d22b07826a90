//! Turning a queued mail into an RFC 5322 message: Message-ID chosen at
//! queue time, threading headers, Reply-To, `Auto-Submitted`, and a
//! `multipart/alternative` body when there is an HTML part.

use anyhow::{anyhow, Context, Result};
use lettre::message::header::{ContentType, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::Message;

use crate::db::mail::{OutgoingMail, Threading};

/// A new Message-ID, `<32 random hex digits@domain-of-from>`.
pub fn new_message_id(from: &str) -> Result<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| anyhow!("no randomness for a Message-ID: {e}"))?;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    Ok(format!("<{hex}@{}>", domain_of(from)))
}

/// The domain of an address (`Name <user@host>` or `user@host`);
/// `localhost` when there is none.
pub fn domain_of(address: &str) -> String {
    let addr = address
        .rsplit_once('<')
        .map(|(_, a)| a.trim_end_matches('>'))
        .unwrap_or(address)
        .trim();
    match addr.rsplit_once('@') {
        Some((_, d)) if !d.is_empty() => d.to_ascii_lowercase(),
        _ => "localhost".to_owned(),
    }
}

/// The addresses a message is sent with.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// The `From` address.
    pub from: &'a str,
    /// The `Reply-To` address.
    pub reply_to: &'a str,
}

/// A raw header (name and value), for those lettre has no type for.
fn raw_header(name: &'static str, value: String) -> HeaderValue {
    HeaderValue::new(HeaderName::new_from_ascii_str(name), value)
}

/// An RFC 5322 message with Date, Message-ID, From, Reply-To, To and
/// Subject, the threading headers and `Auto-Submitted` when set, and a
/// text and an HTML part when the mail has HTML.
pub fn build_message(
    env: &Envelope<'_>,
    mail: &OutgoingMail,
    threading: &Threading,
) -> Result<Message> {
    let from: Mailbox = env
        .from
        .parse()
        .with_context(|| format!("invalid From address {:?}", env.from))?;
    let reply_to: Mailbox = env
        .reply_to
        .parse()
        .with_context(|| format!("invalid Reply-To address {:?}", env.reply_to))?;
    let message_id = match &threading.message_id {
        Some(id) => id.clone(),
        None => new_message_id(env.from)?,
    };
    let mut builder = Message::builder()
        .from(from)
        .reply_to(reply_to)
        .to(mail
            .to
            .parse()
            .with_context(|| format!("invalid recipient {:?}", mail.to))?)
        .subject(mail.subject.clone())
        .message_id(Some(message_id));
    if let Some(id) = &threading.in_reply_to {
        builder = builder.in_reply_to(id.clone());
    }
    if let Some(refs) = &threading.references {
        builder = builder.references(refs.clone());
    }
    let mut message = match &mail.html {
        Some(html) => builder
            .multipart(MultiPart::alternative_plain_html(
                mail.body.clone(),
                html.clone(),
            ))
            .context("cannot build the message")?,
        None => builder
            .singlepart(
                SinglePart::builder()
                    .header(ContentType::TEXT_PLAIN)
                    .body(mail.body.clone()),
            )
            .context("cannot build the message")?,
    };
    if let Some(value) = &mail.auto_submitted {
        message
            .headers_mut()
            .insert_raw(raw_header("Auto-Submitted", value.clone()));
    }
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env() -> Envelope<'static> {
        Envelope {
            from: "support@example.com",
            reply_to: "help@example.com",
        }
    }

    #[test]
    fn a_message_has_the_rfc_5322_headers_and_an_intact_link() -> Result<()> {
        let m = build_message(
            &env(),
            &OutgoingMail::plain(
                "a@example.com",
                "Hello",
                "Open https://help.example.com/verify?token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef now",
            ),
            &Threading::default(),
        )?;
        let text = String::from_utf8(m.formatted())?;
        for h in [
            "Date: ",
            "Message-ID: ",
            "From: ",
            "To: ",
            "Subject: Hello",
            "Reply-To: help@example.com",
        ] {
            assert!(text.contains(h), "{h} missing in {text}");
        }
        let decoded = text.replace("=\r\n", "").replace("=3D", "=");
        assert!(
            decoded.contains(
                "verify?token=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef now"
            ),
            "{text}"
        );
        Ok(())
    }

    #[test]
    fn threading_html_and_auto_submitted_are_written() -> Result<()> {
        let mail = OutgoingMail {
            html: Some("<p>Hi</p>".into()),
            auto_submitted: Some("auto-generated".into()),
            ..OutgoingMail::plain("a@example.com", "[#3] Printer", "Hi")
        };
        let threading = Threading {
            message_id: Some("<abc@example.com>".into()),
            in_reply_to: Some("<in@x.example>".into()),
            references: Some("<one@x.example> <in@x.example>".into()),
        };
        let text = String::from_utf8(build_message(&env(), &mail, &threading)?.formatted())?;
        for h in [
            "Message-ID: <abc@example.com>",
            "In-Reply-To: <in@x.example>",
            "References: <one@x.example> <in@x.example>",
            "Auto-Submitted: auto-generated",
            "multipart/alternative",
            "text/html",
        ] {
            assert!(text.contains(h), "{h} missing in {text}");
        }
        Ok(())
    }

    #[test]
    fn message_ids_are_random_hex_at_the_from_domain() -> Result<()> {
        let id = new_message_id("Help <Support@Example.COM>")?;
        assert!(id.starts_with('<') && id.ends_with("@example.com>"), "{id}");
        assert_eq!(id.len(), 1 + 32 + 1 + "example.com".len() + 1);
        assert_ne!(id, new_message_id("support@example.com")?);
        Ok(())
    }
}
