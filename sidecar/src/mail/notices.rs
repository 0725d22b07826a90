//! The mails a ticket causes, as pure builders: text in, [`OutgoingMail`]
//! out, no database and no application state. Used by the portal's
//! handlers and by the inbound-mail code.
//!
//! Subjects read `[#N] subject`, N being the ticket number people see
//! (`Ticket::id`), never with a leading `Re:`; the unguessable
//! `Ticket::reference` appears only in URLs.

use crate::db::mail::OutgoingMail;
use crate::db::tickets::Ticket;
use crate::render_body::{self, escape};

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

/// An agent's public reply, mailed to the requester: the text part is the
/// Markdown as written, the HTML part it rendered and sanitised.
pub fn agent_reply(ctx: &NoticeContext, ticket: &Ticket, markdown: &str) -> OutgoingMail {
    let url = ctx.url(&format!("/my/tickets/{}", ticket.reference));
    let text = format!(
        "{}\n\n-- \nReply to this mail, or read the conversation at {url}\n",
        render_body::agent_markdown_text(markdown)
    );
    let html = format!(
        "<div>{}</div>\n<hr>\n{}",
        render_body::agent_markdown(markdown),
        link("Read the conversation", &url)
    );
    ticket_mail(ticket, &ticket.requester, text, html)
}

/// Tells the requester we received their ticket. `ticket_link_url` is a
/// link that opens the ticket without an account; `answering_mail` marks
/// it an automatic answer to a mail (`auto-replied`) rather than a mail
/// of our own (`auto-generated`).
pub fn acknowledgement(
    ctx: &NoticeContext,
    ticket: &Ticket,
    ticket_link_url: Option<&str>,
    answering_mail: bool,
) -> OutgoingMail {
    let url = ticket_link_url
        .map(str::to_owned)
        .unwrap_or_else(|| ctx.url(&format!("/my/tickets/{}", ticket.reference)));
    let intro = format!(
        "we received your request \"{}\" and will answer as soon as we can. Its number is #{}.",
        ticket.subject, ticket.id
    );
    let text = format!(
        "Hello,\n\n{intro}\n\nTo add something, reply to this mail or open {url}\n\n{}\n",
        ctx.site_title
    );
    let html = format!(
        "{}{}{}{}",
        para("Hello,"),
        para(&intro),
        link("Open your request", &url),
        para(&ctx.site_title)
    );
    let mut mail = ticket_mail(ticket, &ticket.requester, text, html);
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
pub fn resolved(ctx: &NoticeContext, ticket: &Ticket, rating_url: Option<&str>) -> OutgoingMail {
    let url = ctx.url(&format!("/my/tickets/{}", ticket.reference));
    let intro = format!(
        "we marked your request \"{}\" (#{}) as resolved.",
        ticket.subject, ticket.id
    );
    let more = "If something is still missing, reply to this mail and it opens again.";
    let mut text = format!("Hello,\n\n{intro}\n{more}\n\nThe conversation: {url}\n");
    let mut html = format!(
        "{}{}{}{}",
        para("Hello,"),
        para(&intro),
        para(more),
        link("Read the conversation", &url)
    );
    if let Some(rate) = rating_url {
        let (good, bad) = (format!("{rate}?r=good"), format!("{rate}?r=bad"));
        text.push_str(&format!("\nHow did we do? Good: {good}\nBad: {bad}\n"));
        html.push_str(&format!(
            "{}{}{}",
            para("How did we do?"),
            link("Good", &good),
            link("Bad", &bad)
        ));
    }
    let mut mail = ticket_mail(ticket, &ticket.requester, text, html);
    mail.auto_submitted = Some(AUTO_GENERATED.to_owned());
    mail
}

/// Tells an agent (`to`) that the requester opened (`created`) or
/// answered a ticket. The customer's text is escaped in the HTML part,
/// never rendered as Markdown.
pub fn agent_notice(
    ctx: &NoticeContext,
    ticket: &Ticket,
    to: &str,
    customer_text: &str,
    created: bool,
) -> OutgoingMail {
    let what = if created {
        "opened a new ticket"
    } else {
        "replied"
    };
    let url = ctx.url(&format!("/agent/tickets/{}", ticket.reference));
    let head = format!("{} {what}:", ticket.requester);
    let text = format!("{head}\n\n{customer_text}\n\nOpen the ticket: {url}\n");
    let html = format!(
        "{}<div style=\"white-space: pre-wrap\">{}</div>\n{}",
        para(&head),
        render_body::customer_text(customer_text),
        link("Open the ticket", &url)
    );
    let mut mail = ticket_mail(ticket, to, text, html);
    mail.auto_submitted = Some(AUTO_GENERATED.to_owned());
    mail
}

/// Tells the sender (`to`) of a mail too large to keep that it was not
/// taken. Belongs to no ticket.
pub fn oversized(ctx: &NoticeContext, to: &str, size_bytes: u64, limit_bytes: u64) -> OutgoingMail {
    let mib = |b: u64| b.div_ceil(1024 * 1024);
    let text = format!(
        "Hello,\n\nyour message to {} was {} MiB, more than the {} MiB we accept, so it was not received.\nPlease send it again without large attachments, or share them by link.\n",
        ctx.site_title,
        mib(size_bytes),
        mib(limit_bytes)
    );
    OutgoingMail {
        auto_submitted: Some(AUTO_REPLIED.to_owned()),
        ..OutgoingMail::plain(
            to,
            format!("Your message to {} was too large", ctx.site_title),
            text,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::tickets::Status;

    fn ctx() -> NoticeContext {
        NoticeContext {
            site_title: "Help".into(),
            base_url: "https://help.example.com".into(),
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
        let m = agent_reply(&ctx(), &ticket(), "**Hi** <script>alert(1)</script>");
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
        let m = agent_notice(&ctx(), &ticket(), "a@example.com", "<b>x</b> *y*", true);
        let html = m.html.unwrap_or_default();
        assert!(html.contains("&lt;b&gt;x&lt;/b&gt; *y*"), "{html}");
        assert_eq!(m.auto_submitted.as_deref(), Some(AUTO_GENERATED));
        assert!(!m.subject.starts_with("Re:"));
    }

    #[test]
    fn acknowledgements_say_whether_they_answer_a_mail() {
        let a = acknowledgement(&ctx(), &ticket(), None, true);
        assert_eq!(a.auto_submitted.as_deref(), Some(AUTO_REPLIED));
        let b = acknowledgement(&ctx(), &ticket(), Some("https://x.example/t/1"), false);
        assert_eq!(b.auto_submitted.as_deref(), Some(AUTO_GENERATED));
        assert!(b.body.contains("https://x.example/t/1"));
        assert!(resolved(&ctx(), &ticket(), None).body.contains("resolved"));
        assert_eq!(
            oversized(&ctx(), "s@example.com", 30 << 20, 25 << 20).ticket_id,
            None
        );
    }
}
