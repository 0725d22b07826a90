//! One raw message read into what intake decides on: sender, subject,
//! threading headers, the text (HTML-only mail converted), the files, and
//! the marks of automatic mail. MIME, charsets and RFC 2047 are mail-parser's.

use mail_parser::{Message, MessageParser, MimeHeaders, PartType};

use crate::auth::email::normalize_email;

/// A message as intake sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Inbound {
    /// The sender's normalised address (`From`).
    pub sender: String,
    /// The subject, decoded; empty when absent.
    pub subject: String,
    /// `Message-ID`, in angle brackets (as stored for threading).
    pub message_id: Option<String>,
    /// `In-Reply-To` and `References`, newest last, in angle brackets.
    pub references: Vec<String>,
    /// The readable text: the `text/plain` part, else the HTML converted.
    pub text: String,
    /// Files attached to the message.
    pub attachments: Vec<Attachment>,
    /// Why this mail must never be answered automatically (RFC 3834), if so.
    pub automatic: Option<Automatic>,
    /// For a delivery-status report: the Message-ID of the mail that could
    /// not be delivered (when the report names it) and the reason given.
    pub bounce: Option<Bounce>,
    /// The language it is written in, as far as the message tells
    /// ([`written_language`]): answers to it are written in that language.
    pub language: Option<String>,
}

/// A file attached to a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The name the sender gave, or `attachment`.
    pub name: String,
    /// The declared type (only for display; never trusted).
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

/// The kind of automatic mail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Automatic {
    /// An answer written by a machine to a mail (out of office, vacation).
    AutoReply,
    /// Bulk, list or other machine-generated mail.
    Generated,
    /// From `mailer-daemon` or `postmaster`.
    MailSystem,
}

/// A delivery-status report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bounce {
    /// The Message-ID of our mail that bounced, when the report carries it.
    pub original_id: Option<String>,
    /// The diagnostic, as the reporting server wrote it.
    pub reason: String,
}

/// Reads `raw`. `None` when it is not a message with a usable sender.
pub fn parse(raw: &[u8]) -> Result<Inbound, String> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| "no RFC 5322 header found".to_owned())?;
    let from = message
        .from()
        .and_then(|a| a.first())
        .and_then(|a| a.address())
        .ok_or_else(|| "the message has no From address".to_owned())?;
    let sender =
        normalize_email(from).map_err(|_| format!("the From address {from:?} is not valid"))?;
    let mut references: Vec<String> = Vec::new();
    for value in [message.references(), message.in_reply_to()] {
        for id in text_list(value) {
            let id = bracketed(&id);
            if id.len() > 2 && !references.contains(&id) {
                references.push(id);
            }
        }
    }
    let text = readable_text(&message);
    Ok(Inbound {
        language: written_language(message.header_raw("Content-Language"), &text),
        automatic: automatic(&message, &sender),
        bounce: bounce(&message),
        subject: message.subject().unwrap_or("").trim().to_owned(),
        message_id: message
            .message_id()
            .map(bracketed)
            .filter(|id| id.len() > 2),
        references,
        text,
        attachments: attachments(&message),
        sender,
    })
}

/// The language a message is written in: the primary subtag of the first
/// language its `Content-Language` names (`ja-JP, en` → `ja`), else `ja`
/// when its text holds kana (which only Japanese is written with; few
/// Japanese clients send `Content-Language`). `None` when neither tells.
pub fn written_language(content_language: Option<&str>, text: &str) -> Option<String> {
    let declared = content_language
        .and_then(|value| value.split(',').next())
        .map(|tag| tag.trim().split('-').next().unwrap_or_default())
        .filter(|primary| {
            (2..=8).contains(&primary.len()) && primary.bytes().all(|b| b.is_ascii_alphabetic())
        })
        .map(str::to_ascii_lowercase);
    declared.or_else(|| {
        text.chars()
            .any(|c| ('\u{3041}'..='\u{30ff}').contains(&c))
            .then(|| "ja".to_owned())
    })
}

/// Only the header of `raw` (for a message too large to keep): everything
/// before the first empty line, at most 256 KiB.
pub fn header_only(raw: &[u8]) -> &[u8] {
    let limit = raw.len().min(256 * 1024);
    let head = &raw[..limit];
    let end = find(head, b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| find(head, b"\n\n").map(|i| i + 2))
        .unwrap_or(limit);
    &raw[..end]
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn text_list(value: &mail_parser::HeaderValue<'_>) -> Vec<String> {
    if let Some(list) = value.as_text_list() {
        list.iter().map(|s| s.to_string()).collect()
    } else if let Some(text) = value.as_text() {
        text.split_whitespace().map(str::to_owned).collect()
    } else {
        Vec::new()
    }
}

/// A Message-ID as it is stored: `<id>`, whatever the header's spacing.
fn bracketed(id: &str) -> String {
    format!("<{}>", strip_brackets(id))
}

fn strip_brackets(id: &str) -> &str {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
}

fn header_text<'a>(message: &'a Message<'a>, name: &'a str) -> Option<&'a str> {
    message.header_raw(name).map(str::trim)
}

/// RFC 3834 and the common non-standard marks of automatic mail.
fn automatic(message: &Message<'_>, sender: &str) -> Option<Automatic> {
    let local = sender.split('@').next().unwrap_or("");
    if local == "mailer-daemon" || local == "postmaster" {
        return Some(Automatic::MailSystem);
    }
    let lower = |name: &str| header_text(message, name).map(str::to_ascii_lowercase);
    if let Some(value) = lower("Auto-Submitted") {
        let kind = value.split(';').next().unwrap_or("").trim().to_owned();
        if kind == "auto-replied" {
            return Some(Automatic::AutoReply);
        }
        if kind != "no" && !kind.is_empty() {
            return Some(Automatic::Generated);
        }
    }
    if header_text(message, "X-Autoreply").is_some()
        || header_text(message, "X-Autorespond").is_some()
    {
        return Some(Automatic::AutoReply);
    }
    if lower("Precedence").is_some_and(|p| matches!(p.as_str(), "bulk" | "junk" | "list")) {
        return Some(Automatic::Generated);
    }
    if header_text(message, "List-Id").is_some() {
        return Some(Automatic::Generated);
    }
    None
}

/// A `multipart/report; report-type=delivery-status` message: which of our
/// mails bounced and why.
fn bounce(message: &Message<'_>) -> Option<Bounce> {
    let root = message.root_part();
    let is_report = root.content_type().is_some_and(|ct| {
        ct.ctype().eq_ignore_ascii_case("multipart")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            && ct
                .attribute("report-type")
                .is_some_and(|t| t.eq_ignore_ascii_case("delivery-status"))
    });
    if !is_report {
        return None;
    }
    let mut original_id = None;
    let mut reason = String::new();
    for part in &message.parts {
        let Some(ct) = part.content_type() else {
            continue;
        };
        let subtype = ct.subtype().unwrap_or("").to_ascii_lowercase();
        match (&part.body, subtype.as_str()) {
            (PartType::Message(original), _) => {
                original_id = original_id.or(original.message_id().map(bracketed));
            }
            (_, "delivery-status") => {
                let text = String::from_utf8_lossy(part.contents());
                for line in text.lines() {
                    let lower = line.to_ascii_lowercase();
                    if lower.starts_with("diagnostic-code:") || lower.starts_with("status:") {
                        if !reason.is_empty() {
                            reason.push_str("; ");
                        }
                        reason.push_str(line.trim());
                    }
                }
            }
            (_, "rfc822-headers") => {
                let text = String::from_utf8_lossy(part.contents());
                for line in text.lines() {
                    if let Some((name, value)) = line.split_once(':') {
                        if name.trim().eq_ignore_ascii_case("message-id") {
                            original_id = original_id.or(Some(bracketed(value)));
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if reason.is_empty() {
        reason = "the receiving server did not accept the mail".to_owned();
    }
    Some(Bounce {
        original_id,
        reason,
    })
}

/// The text people read: the first `text/plain` body; an HTML-only mail is
/// converted to text (its HTML is never shown).
fn readable_text(message: &Message<'_>) -> String {
    let plain = message
        .text_bodies()
        .find(|part| matches!(part.body, PartType::Text(_)))
        .and_then(|part| part.text_contents());
    if let Some(text) = plain {
        return normalise_newlines(text);
    }
    match message.body_html(0) {
        Some(html) => html2text::from_read(html.as_bytes(), 78)
            .map(|t| normalise_newlines(&t))
            .unwrap_or_default(),
        None => String::new(),
    }
}

fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

fn attachments(message: &Message<'_>) -> Vec<Attachment> {
    message
        .attachments()
        .filter(|part| !matches!(part.body, PartType::Message(_)))
        .map(|part| Attachment {
            name: part
                .attachment_name()
                .map(sanitise_name)
                .unwrap_or_else(|| "attachment".to_owned()),
            content_type: part
                .content_type()
                .map(|ct| match ct.subtype() {
                    Some(sub) => format!("{}/{}", ct.ctype(), sub),
                    None => ct.ctype().to_owned(),
                })
                .unwrap_or_else(|| "application/octet-stream".to_owned()),
            data: part.contents().to_vec(),
        })
        .collect()
}

/// A file name safe to show and to offer for download: no folders, no
/// control characters, at most 120 characters.
fn sanitise_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !matches!(c, '"' | '<' | '>' | ':' | '|' | '?' | '*'))
        .take(120)
        .collect();
    let clean = clean.trim().trim_start_matches('.').to_owned();
    if clean.is_empty() {
        "attachment".to_owned()
    } else {
        clean
    }
}

#[cfg(test)]
mod tests {
    use super::written_language;

    #[test]
    fn the_language_comes_from_the_header_else_from_kana() {
        assert_eq!(
            written_language(Some("ja-JP, en"), "x").as_deref(),
            Some("ja")
        );
        assert_eq!(
            written_language(Some(" EN "), "お世話になります").as_deref(),
            Some("en")
        );
        assert_eq!(
            written_language(None, "お世話になっております。").as_deref(),
            Some("ja")
        );
        assert_eq!(
            written_language(Some("x<script>"), "Hello").as_deref(),
            None
        );
        // Kanji alone could be Chinese: no guess.
        assert_eq!(written_language(None, "打印机故障").as_deref(), None);
    }
}
