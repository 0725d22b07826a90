//! The mails a ticket causes, as pure builders: text in, [`OutgoingMail`]
//! out, no database and no application state. Used by the portal's
//! handlers and by the inbound-mail code. Each is written in the language
//! it is given ([`Text`]); the caller picks it for the recipient.
//!
//! Subjects read `[#N] subject`, N being the ticket number people see
//! (`Ticket::id`), never with a leading `Re:`; the unguessable
//! `Ticket::reference` appears only in URLs.

use crate::db::mail::OutgoingMail;
use crate::db::tickets::Ticket;
use crate::render_body::{self, escape};

use super::texts::{MailTexts, Text};

/// `Auto-Submitted` for mail we send on our own.
pub const AUTO_GENERATED: &str = "auto-generated";
/// `Auto-Submitted` for an automatic answer to a mail.
pub const AUTO_REPLIED: &str = "auto-replied";

/// What every notice needs to know about the site.
#[derive(Debug, Clone)]
pub struct NoticeContext {
    /// The site's title.
    pub site_title: String,
    /// The site's public URL without a trailing slash.
    pub base_url: String,
    /// What mail says, in each language.
    pub texts: MailTexts,
}

impl NoticeContext {
    /// An absolute URL for a sidecar path.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }
}

/// `[#N] subject` for a ticket.
pub fn subject(ticket: &Ticket) -> String {
    format!("[#{}] {}", ticket.id, ticket.subject)
}

/// A paragraph of escaped text.
fn para(text: &str) -> String {
    format!("<p>{}</p>\n", escape(text))
}

/// A link paragraph.
fn link(label: &str, url: &str) -> String {
    format!("<p><a href=\"{}\">{}</a></p>\n", escape(url), escape(label))
}

/// A ticket mail to `to`: text and HTML, marked with the ticket.
fn ticket_mail(ticket: &Ticket, to: &str, text: String, html: String) -> OutgoingMail {
    OutgoingMail {
        html: Some(html),
        ticket_id: Some(ticket.id),
        ..OutgoingMail::plain(to, subject(ticket), text)
    }
}

/// A plain-text mail of our own: the greeting, `body` and a last line
/// break. Belongs to no ticket.
pub fn greeting_mail(text: &Text<'_>, to: &str, subject: String, body: &str) -> OutgoingMail {
    OutgoingMail::plain(
        to,
        subject,
        format!("{}\n\n{body}\n", text.plain("mail.hello")),
    )
}

/// An agent's public reply, mailed to the requester: the text part is the
/// Markdown as written, the HTML part it rendered and sanitised.
pub fn agent_reply(
    ctx: &NoticeContext,
    text: &Text<'_>,
    ticket: &Ticket,
    markdown: &str,
) -> OutgoingMail {
    let url = ctx.url(&format!("/my/tickets/{}", ticket.reference));
    let body = format!(
        "{}\n\n-- \n{}\n",
        render_body::agent_markdown_text(markdown),
        text.t("mail.reply_footer", &[("url", &url)])
    );
    let html = format!(
        "<div>{}</div>\n<hr>\n{}",
        render_body::agent_markdown(markdown),
        link(&text.plain("mail.read_conversation"), &url)
    );
    ticket_mail(ticket, &ticket.requester, body, html)
}

/// Tells the requester we received their ticket. `ticket_link_url` is a
/// link that opens the ticket without an account; `answering_mail` marks
/// it an automatic answer to a mail (`auto-replied`) rather than a mail
/// of our own (`auto-generated`).
pub fn acknowledgement(
    ctx: &NoticeContext,
    text: &Text<'_>,
    ticket: &Ticket,
    ticket_link_url: Option<&str>,
    answering_mail: bool,
) -> OutgoingMail {
    let url = ticket_link_url
        .map(str::to_owned)
        .unwrap_or_else(|| ctx.url(&format!("/my/tickets/{}", ticket.reference)));
    let hello = text.plain("mail.hello");
    let intro = text.t(
        "mail.ack_intro",
        &[("subject", &ticket.subject), ("number", &ticket.id)],
    );
    let body = format!(
        "{hello}\n\n{intro}\n\n{}\n\n{}\n",
        text.t("mail.ack_add", &[("url", &url)]),
        ctx.site_title
    );
    let html = format!(
        "{}{}{}{}",
        para(&hello),
        para(&intro),
        link(&text.plain("mail.open_request"), &url),
        para(&ctx.site_title)
    );
    let mut mail = ticket_mail(ticket, &ticket.requester, body, html);
    mail.auto_submitted = Some(
        if answering_mail {
            AUTO_REPLIED
        } else {
            AUTO_GENERATED
        }
        .to_owned(),
    );
    mail
}

/// Tells the requester an agent marked their ticket resolved and, with
/// `rating_url`, asks "How did we do?" (links that pre-select Good or Bad
/// on the rating page, which records nothing until it is sent).
pub fn resolved(
    ctx: &NoticeContext,
    text: &Text<'_>,
    ticket: &Ticket,
    rating_url: Option<&str>,
) -> OutgoingMail {
    let url = ctx.url(&format!("/my/tickets/{}", ticket.reference));
    let hello = text.plain("mail.hello");
    let intro = text.t(
        "mail.resolved_intro",
        &[("subject", &ticket.subject), ("number", &ticket.id)],
    );
    let more = text.plain("mail.resolved_more");
    let mut body = format!(
        "{hello}\n\n{intro}\n{more}\n\n{}\n",
        text.t("mail.conversation_at", &[("url", &url)])
    );
    let mut html = format!(
        "{}{}{}{}",
        para(&hello),
        para(&intro),
        para(&more),
        link(&text.plain("mail.read_conversation"), &url)
    );
    if let Some(rate) = rating_url {
        let (good, bad) = (format!("{rate}?r=good"), format!("{rate}?r=bad"));
        let (question, good_label, bad_label) = (
            text.plain("mail.rate_question"),
            text.plain("mail.rate_good"),
            text.plain("mail.rate_bad"),
        );
        body.push_str(&format!(
            "\n{question} {good_label}: {good}\n{bad_label}: {bad}\n"
        ));
        html.push_str(&format!(
            "{}{}{}",
            para(&question),
            link(&good_label, &good),
            link(&bad_label, &bad)
        ));
    }
    let mut mail = ticket_mail(ticket, &ticket.requester, body, html);
    mail.auto_submitted = Some(AUTO_GENERATED.to_owned());
    mail
}

/// Tells an agent (`to`) that the requester opened (`created`) or
/// answered a ticket. The customer's text is escaped in the HTML part,
/// never rendered as Markdown.
pub fn agent_notice(
    ctx: &NoticeContext,
    text: &Text<'_>,
    ticket: &Ticket,
    to: &str,
    customer_text: &str,
    created: bool,
) -> OutgoingMail {
    let key = if created {
        "mail.agent_created"
    } else {
        "mail.agent_replied"
    };
    let url = ctx.url(&format!("/agent/tickets/{}", ticket.reference));
    let head = text.t(key, &[("requester", &ticket.requester)]);
    let body = format!(
        "{head}\n\n{customer_text}\n\n{}\n",
        text.t("mail.open_ticket_at", &[("url", &url)])
    );
    let html = format!(
        "{}<div style=\"white-space: pre-wrap\">{}</div>\n{}",
        para(&head),
        render_body::customer_text(customer_text),
        link(&text.plain("mail.open_ticket"), &url)
    );
    let mut mail = ticket_mail(ticket, to, body, html);
    mail.auto_submitted = Some(AUTO_GENERATED.to_owned());
    mail
}

/// Tells the sender (`to`) of a mail too large to keep that it was not
/// taken. Belongs to no ticket.
pub fn oversized(
    ctx: &NoticeContext,
    text: &Text<'_>,
    to: &str,
    size_bytes: u64,
    limit_bytes: u64,
) -> OutgoingMail {
    let mib = |b: u64| b.div_ceil(1024 * 1024);
    let site = &ctx.site_title;
    let body = text.t(
        "mail.oversized_body",
        &[
            ("site", site),
            ("size", &mib(size_bytes)),
            ("limit", &mib(limit_bytes)),
        ],
    );
    OutgoingMail {
        auto_submitted: Some(AUTO_REPLIED.to_owned()),
        ..greeting_mail(
            text,
            to,
            text.t("mail.oversized_subject", &[("site", site)]),
            &body,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tickets::Status;

    fn ctx() -> NoticeContext {
        let catalogs = std::sync::Arc::new(docket_i18n::Catalogs::built_in().unwrap_or_default());
        let languages =
            crate::language::Languages::new("en", &["en".into(), "ja".into()], &catalogs);
        NoticeContext {
            site_title: "Help".into(),
            base_url: "https://help.example.com".into(),
            texts: MailTexts::new(catalogs, languages),
        }
    }

    fn ticket() -> Ticket {
        Ticket {
            id: 42,
            reference: "r3f3r3nc3".into(),
            subject: "Printer <on fire>".into(),
            requester: "c@example.com".into(),
            status: Status::Open,
            created_at: 0,
            updated_at: 0,
            assignee_id: None,
        }
    }

    #[test]
    fn an_agent_reply_renders_markdown_safely() {
        let c = ctx();
        let en = c.texts.default_language();
        let m = agent_reply(&c, &en, &ticket(), "**Hi** <script>alert(1)</script>");
        assert_eq!(m.subject, "[#42] Printer <on fire>");
        assert_eq!(m.to, "c@example.com");
        assert_eq!(m.ticket_id, Some(42));
        // The text part reads as text: no Markdown marks (it used to carry
        // `**Hi**` as the agent typed it).
        assert!(m.body.starts_with("Hi "), "{}", m.body);
        assert!(!m.body.contains("**"), "{}", m.body);
        let html = m.html.unwrap_or_default();
        assert!(html.contains("<strong>Hi</strong>"), "{html}");
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("/my/tickets/r3f3r3nc3"), "{html}");
    }

    #[test]
    fn customer_text_is_escaped_for_agents() {
        let c = ctx();
        let en = c.texts.default_language();
        let m = agent_notice(&c, &en, &ticket(), "a@example.com", "<b>x</b> *y*", true);
        let html = m.html.unwrap_or_default();
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt; *y*"), "{html}");
        assert_eq!(m.auto_submitted.as_deref(), Some(AUTO_GENERATED));
        assert!(!m.subject.starts_with("Re:"));
    }

    #[test]
    fn acknowledgements_say_whether_they_answer_a_mail() {
        let c = ctx();
        let en = c.texts.default_language();
        let a = acknowledgement(&c, &en, &ticket(), None, true);
        assert_eq!(a.auto_submitted.as_deref(), Some(AUTO_REPLIED));
        let b = acknowledgement(&c, &en, &ticket(), Some("https://x.example/t/1"), false);
        assert_eq!(b.auto_submitted.as_deref(), Some(AUTO_GENERATED));
        assert!(b.body.contains("https://x.example/t/1"));
        assert!(resolved(&c, &en, &ticket(), None).body.contains("resolved"));
        assert_eq!(
            oversized(&c, &en, "s@example.com", 30 << 20, 25 << 20).ticket_id,
            None
        );
    }

    #[test]
    fn a_notice_is_written_in_the_language_it_is_given() {
        let c = ctx();
        let ja = c.texts.language([Some("ja")]);
        let m = resolved(&c, &ja, &ticket(), Some("https://help.example.com/rate/x"));
        assert_eq!(m.subject, "[#42] Printer <on fire>");
        assert!(m.body.contains("を解決済みにしました"), "{}", m.body);
        assert!(
            m.body.contains("今回の対応はいかがでしたか？"),
            "{}",
            m.body
        );
        assert!(!m.body.contains("How did we do"), "{}", m.body);
        let html = m.html.unwrap_or_default();
        assert!(html.contains(">良かった</a>"), "{html}");
    }
}
