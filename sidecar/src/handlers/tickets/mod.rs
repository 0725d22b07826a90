//! What the ticket pages share: the error family of every ticket route,
//! the view structs the ticket templates receive, reading a ticket
//! reference out of a path, form checks and the notifications sent through
//! the mail queue. The routes themselves are in [`customer`]
//! (customers), [`agent`] (agents) and
//! [`link`] (mailed links without an account); what the two lists share
//! (status choice, pager) is in [`lists`].

pub mod agent;
pub mod assign;
pub mod conversation;
pub mod customer;
pub mod files;
pub mod inbox;
pub mod link;
pub mod lists;
pub mod rating;
pub mod uploads;

pub use lists::{page_param, search_param, status_options, Pager, StatusChoice, StatusOption};

use serde::Serialize;

use super::{AccessError, Failure};
use crate::app::App;
use crate::auth::csrf::CsrfError;
use crate::auth::rate_limit;
use crate::auth::Role;
use crate::db::mail::OutgoingMail;
use crate::db::tickets::{Message, Status, StatusEvent, Ticket};
use crate::mail::notices::{self, NoticeContext};
use crate::mail::texts::Text;
use crate::render_body;

/// Tickets per list page.
pub const PER_PAGE: u32 = 25;
pub use crate::db::tickets::{MAX_BODY_CHARS, MAX_SUBJECT_CHARS};

/// Errors of the tickets family.
#[derive(Debug, thiserror::Error)]
pub enum TicketsError {
    /// Not signed in, or not allowed.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Failed CSRF check.
    #[error(transparent)]
    Csrf(#[from] CsrfError),
    /// No such ticket, or not the visitor's (the same answer), or a
    /// switched-off feature.
    #[error("not found")]
    NotFound,
    /// Too many new tickets or replies from one address: seconds to wait.
    #[error("too many messages")]
    TooMany(u64),
    /// Store or template failure.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<TicketsError> for Failure {
    fn from(err: TicketsError) -> Self {
        match err {
            TicketsError::Access(e) => e.into(),
            TicketsError::Csrf(e) => e.into(),
            TicketsError::NotFound => Failure::NotFound,
            TicketsError::TooMany(retry_after) => Failure::TooManyRequests { retry_after },
            TicketsError::Unexpected(e) => Failure::Unexpected(e),
        }
    }
}

/// The middle of `path` between `prefix` and `suffix` when it is one
/// non-empty segment: `/my/tickets/abc/reply` with `/my/tickets/` and
/// `/reply` gives `abc`.
pub fn path_param<'a>(path: &'a str, prefix: &str, suffix: &str) -> Option<&'a str> {
    let middle = path.strip_prefix(prefix)?.strip_suffix(suffix)?;
    (!middle.is_empty() && !middle.contains('/')).then_some(middle)
}

/// For a form post: an anonymous visitor is sent to sign in and then back
/// to `page`, the form's own page, rather than to the post's address.
pub fn back_to(page: &str) -> impl FnOnce(AccessError) -> AccessError + '_ {
    move |err| match err {
        AccessError::SignIn { .. } => AccessError::SignIn {
            next: page.to_owned(),
        },
        other => other,
    }
}

/// A ticket as list rows and page headers show it.
#[derive(Debug, Serialize)]
pub struct TicketView {
    /// The number people quote (`#1042`, in mail subjects too).
    pub number: i64,
    /// The reference.
    pub reference: String,
    /// Subject line.
    pub subject: String,
    /// Requester's address.
    pub requester: String,
    /// Status name (badge class suffix).
    pub status: &'static str,
    /// Status label (English).
    pub status_label: &'static str,
    /// The catalog key of the status label.
    pub status_key: &'static str,
    /// Creation time, readable.
    pub created: String,
    /// Creation time, ISO 8601.
    pub created_iso: String,
    /// Last update, readable.
    pub updated: String,
    /// Last update, ISO 8601.
    pub updated_iso: String,
}

impl TicketView {
    /// The view of `ticket`.
    pub fn new(ticket: &Ticket) -> Self {
        Self {
            number: ticket.id,
            reference: ticket.reference.clone(),
            subject: ticket.subject.clone(),
            requester: ticket.requester.clone(),
            status: ticket.status.as_str(),
            status_label: ticket.status.label(),
            status_key: lists::status_key(ticket.status),
            created: readable_time(ticket.created_at),
            created_iso: iso_time(ticket.created_at),
            updated: readable_time(ticket.updated_at),
            updated_iso: iso_time(ticket.updated_at),
        }
    }
}

/// A message as the log shows it.
#[derive(Debug, Serialize)]
pub struct MessageView {
    /// `customer`, `agent` or `note`: the `message-…` class suffix.
    pub kind: &'static str,
    /// Who wrote it, as shown: an address for agents, else "Support" or
    /// "You" in English (for themes that predate `author_key`).
    pub author: String,
    /// The catalog key of who wrote it, as customers see it ("Support",
    /// "You").
    pub author_key: Option<&'static str>,
    /// When, readable.
    pub created: String,
    /// When, ISO 8601.
    pub created_iso: String,
    /// The body as safe HTML.
    pub body_html: String,
    /// Quoted history and signature of a mail, escaped, shown collapsed.
    pub quoted_html: Option<String>,
    /// It arrived by mail.
    pub via_mail: bool,
    /// Its attached files.
    pub files: Vec<files::FileView>,
}

impl MessageView {
    /// The view of `message`; customers see agents as "Support".
    pub fn new(message: &Message, for_agent: bool) -> Self {
        let (kind, body_html) = match (message.author_role, message.internal) {
            (_, true) => ("note", render_body::agent_markdown(&message.body)),
            (Role::Agent, false) => ("agent", render_body::agent_markdown(&message.body)),
            (Role::Customer, false) => ("customer", render_body::customer_text(&message.body)),
        };
        let (author, author_key) = match (message.author_role, for_agent) {
            (Role::Agent, false) => ("Support".to_owned(), Some("tickets.author_support")),
            (Role::Customer, false) => ("You".to_owned(), Some("tickets.author_you")),
            (_, true) => (message.author_email.clone(), None),
        };
        Self {
            kind,
            author,
            author_key,
            created: readable_time(message.created_at),
            created_iso: iso_time(message.created_at),
            body_html,
            quoted_html: message.quoted.as_deref().map(render_body::customer_text),
            via_mail: message.via == "mail",
            files: Vec::new(),
        }
    }
}

/// The log of ticket `ticket_id` as `for_agent` sees it (internal notes
/// and their files only for agents), each message with its files, linked
/// under `files_base` (`/my/tickets/{ref}`, `/t/{token}` or
/// `/agent/tickets/{ref}`).
pub async fn conversation_log(
    app: &App,
    ticket_id: i64,
    for_agent: bool,
    files_base: &str,
) -> Result<Vec<MessageView>, TicketsError> {
    let messages = app.db.messages(ticket_id, for_agent).await?;
    let stored = app.db.ticket_files(ticket_id, for_agent).await?;
    let mut by_message = files::views_by_message(files_base, stored);
    Ok(messages
        .iter()
        .map(|m| MessageView {
            files: by_message.remove(&m.id).unwrap_or_default(),
            ..MessageView::new(m, for_agent)
        })
        .collect())
}

/// [`files_in_mail`] for a new ticket's first message, for agents.
pub async fn first_message_files_in_mail(app: &App, ticket: &Ticket) -> Vec<String> {
    match app.db.messages(ticket.id, false).await {
        Ok(messages) => match messages.first() {
            Some(first) => files_in_mail(app, first.id, &agent_page(app, ticket)).await,
            None => Vec::new(),
        },
        Err(err) => {
            tracing::error!("cannot read a new ticket's message: {err:#}");
            Vec::new()
        }
    }
}

/// The absolute URL of `ticket`'s agent page.
pub fn agent_page(app: &App, ticket: &Ticket) -> String {
    format!(
        "{}/agent/tickets/{}",
        app.options.base_url.trim_end_matches('/'),
        ticket.reference
    )
}

/// What a notification says about message `message_id`'s files, one line
/// each: links under `base` (an absolute URL of the ticket's page), which
/// need sign-in or the ticket link; files are never attached to mail.
/// Empty when there are none.
pub async fn files_in_mail(app: &App, message_id: i64, base: &str) -> Vec<String> {
    let stored = match app.db.message_files(message_id).await {
        Ok(stored) => stored,
        Err(err) => {
            tracing::error!("cannot list a message's files for its notification: {err:#}");
            return Vec::new();
        }
    };
    stored
        .iter()
        .map(|file| {
            format!(
                "- {} ({}): {}\n",
                file.name,
                crate::attachments::readable_size(file.size),
                files::file_url(base, file)
            )
        })
        .collect()
}

/// What the form says of a refused file, in the page's language.
pub fn file_error_text(app: &App, refused: &crate::attachments::FileError) -> String {
    let mut args: std::collections::BTreeMap<String, String> = refused
        .args
        .iter()
        .map(|(arg, value)| ((*arg).to_owned(), value.clone()))
        .collect();
    args.insert("name".to_owned(), refused.name.clone());
    app.pages.text(refused.key, &args)
}

/// `body` followed by the `files` lines under their heading, in `text`'s
/// language.
fn with_files(text: &Text<'_>, body: &str, files: &[String]) -> String {
    if files.is_empty() {
        return body.to_owned();
    }
    format!(
        "{body}\n\n{}\n{}",
        text.plain("mail.files_heading"),
        files.concat()
    )
}

/// A status change as the agent's log shows it.
#[derive(Debug, Serialize)]
pub struct EventView {
    /// The previous status label, if any.
    pub from: Option<&'static str>,
    /// The previous status name (badge class suffix), if any.
    pub from_status: Option<&'static str>,
    /// The new status label.
    pub to: &'static str,
    /// The new status name (badge class suffix).
    pub to_status: &'static str,
    /// Who changed it.
    pub actor: String,
    /// When, readable.
    pub created: String,
    /// When, ISO 8601.
    pub created_iso: String,
}

impl EventView {
    /// The view of `event`.
    pub fn new(event: &StatusEvent) -> Self {
        Self {
            from: event.from.map(Status::label),
            from_status: event.from.map(Status::as_str),
            to: event.to.label(),
            to_status: event.to.as_str(),
            actor: event.actor_role.clone(),
            created: readable_time(event.created_at),
            created_iso: iso_time(event.created_at),
        }
    }
}

/// A message body from a form: trimmed of trailing space; the error is
/// the catalog key of a message for the writer.
pub fn check_body(body: &str) -> Result<String, &'static str> {
    let body = body.trim_end();
    if body.trim().is_empty() {
        return Err("tickets.body_empty");
    }
    if body.chars().count() > MAX_BODY_CHARS {
        return Err("tickets.body_too_long");
    }
    Ok(body.replace("\r\n", "\n"))
}

/// A subject from a form; the error is the catalog key of a message for
/// the writer.
pub fn check_subject(subject: &str) -> Result<String, &'static str> {
    let subject = subject.trim();
    if subject.is_empty() {
        return Err("tickets.subject_empty");
    }
    if subject.chars().count() > MAX_SUBJECT_CHARS || subject.chars().any(char::is_control) {
        return Err("tickets.subject_too_long");
    }
    Ok(subject.to_owned())
}

pub(super) fn readable_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(time::macros::format_description!(
                "[year]-[month]-[day] [hour]:[minute] UTC"
            ))
            .ok()
        })
        .unwrap_or_default()
}

pub(super) fn iso_time(t: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(t)
        .ok()
        .and_then(|d| {
            d.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Counts a new ticket (`created`) or a reply by the customer `email`
/// against `rate_limit_new_tickets` or `rate_limit_replies` per window, so
/// one account cannot flood the agents' mailboxes:
/// [`TicketsError::TooMany`] over the limit.
pub async fn throttle_customer(app: &App, email: &str, created: bool) -> Result<(), TicketsError> {
    let config = &app.options.config;
    let (key, limit) = if created {
        (
            format!("ticket:account:{email}"),
            config.rate_limit_new_tickets,
        )
    } else {
        (format!("reply:account:{email}"), config.rate_limit_replies)
    };
    match rate_limit::hit_key(app, &key, limit).await? {
        Some(wait) => Err(TicketsError::TooMany(wait)),
        None => Ok(()),
    }
}

/// Queues a mail, logging (not failing) when the queue refuses: the change
/// it reports is already committed.
async fn queue(app: &App, mail: OutgoingMail) {
    let to = mail.to.clone();
    if let Err(err) = app.send_mail(mail).await {
        tracing::error!(%to, "cannot queue a ticket notification: {err:#}");
    }
}

/// The site facts the mail notices need.
pub fn notice_context(app: &App) -> NoticeContext {
    NoticeContext {
        site_title: app.options.site_title.clone(),
        base_url: app.options.base_url.clone(),
        texts: app.mail_texts.clone(),
    }
}

/// Tells the agents (or `[sidecar.mail] notify`) that a customer opened or
/// answered `ticket`, with the customer's `body` and the lines naming
/// their `files` ([`files_in_mail`]); each agent in their language. The
/// ticket's assignee is told too when the notices go to one shared address.
pub async fn notify_agents(
    app: &App,
    ticket: &Ticket,
    body: &str,
    files: &[String],
    created: bool,
) {
    let notify = app.options.config.mail.notify.as_deref();
    let recipients = match app.db.notice_recipients(notify, ticket).await {
        Ok(list) => list,
        Err(err) => {
            tracing::error!("cannot list agents to notify: {err:#}");
            return;
        }
    };
    let ctx = notice_context(app);
    for to in recipients {
        let text = app.mail_text(&to, None, false).await;
        let body = with_files(&text, body, files);
        let mail = notices::agent_notice(&ctx, &text, ticket, &to, &body, created);
        if let Err(err) = app.send_agent_notice(mail).await {
            tracing::error!(%to, "cannot queue a ticket notification: {err:#}");
        }
    }
}

/// Sends the requester an agent's public reply with the lines naming its
/// `files`. Never called for notes.
pub async fn notify_customer(app: &App, ticket: &Ticket, body: &str, files: &[String]) {
    let text = app
        .mail_text(&ticket.requester, Some(ticket.id), false)
        .await;
    let body = with_files(&text, body, files);
    queue(
        app,
        notices::agent_reply(&notice_context(app), &text, ticket, &body),
    )
    .await;
}

/// Tells the requester that their new ticket arrived.
pub async fn acknowledge(app: &App, ticket: &Ticket) {
    let text = app
        .mail_text(&ticket.requester, Some(ticket.id), false)
        .await;
    queue(
        app,
        notices::acknowledgement(&notice_context(app), &text, ticket, None, false),
    )
    .await;
}

/// Tells the requester that an agent resolved their ticket, asking "How
/// did we do?" through `rating_path` when there is one.
pub async fn notify_resolved(app: &App, ticket: &Ticket, rating_path: Option<&str>) {
    let rating_url = rating_path.map(|p| app.url(p));
    let text = app
        .mail_text(&ticket.requester, Some(ticket.id), false)
        .await;
    queue(
        app,
        notices::resolved(&notice_context(app), &text, ticket, rating_url.as_deref()),
    )
    .await;
}

#[cfg(test)]
mod tests;
