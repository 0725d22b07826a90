//! What a customer's ticket page shows and the customer-reply step,
//! shared by the signed-in page ([`super::customer`]) and the page a
//! mailed ticket link opens ([`super::link`]).

use hyper::StatusCode;
use serde::Serialize;

use super::{
    agent_page, conversation_log, files_in_mail, notify_agents, throttle_customer, MessageView,
    TicketView, TicketsError,
};
use crate::app::App;
use crate::auth::Role;
use crate::db::attachments::NewFile;
use crate::db::tickets::{Author, NewMessage, Status, Ticket};
use crate::http::Response;
use crate::pages::Common;

/// What the customer's ticket page shows; also used by ticket links.
#[derive(Serialize)]
pub struct TicketPageView {
    /// Header data (no user for ticket links).
    #[serde(flatten)]
    pub common: Common,
    /// The ticket.
    pub ticket: TicketView,
    /// Its public messages, oldest first.
    pub messages: Vec<MessageView>,
    /// Where the reply form posts.
    pub reply_action: String,
    /// The reply form's CSRF token.
    pub form_csrf: String,
    /// The reply just sent reopened the ticket.
    pub reopened: bool,
    /// The reply just sent was saved.
    pub replied: bool,
    /// The ticket was just opened by the customer.
    pub created: bool,
    /// The customer just marked the ticket solved.
    pub solved: bool,
    /// Where the "mark as solved" form posts (account pages only).
    pub solve_action: Option<String>,
    /// Offer a link to submit another ticket (account pages only).
    pub allow_new_tickets: bool,
    /// The catalog key of a problem with the reply being sent.
    pub error: Option<&'static str>,
    /// The reply form's token was stale: nothing was sent, the text is
    /// back in the form.
    pub expired: bool,
    /// A refused file, named (the reply was not stored).
    pub file_error: Option<String>,
    /// The text being sent, kept when it was refused.
    pub draft: String,
    /// Opened through a mailed link, not an account.
    pub via_link: bool,
}

/// The page plus the "How did we do?" link of the ticket's newest
/// resolution, while it can be answered.
#[derive(Serialize)]
struct WithRating<'a> {
    #[serde(flatten)]
    page: &'a TicketPageView,
    rating_url: Option<String>,
}

/// Renders a customer's view of `ticket` (account or link).
pub async fn render_ticket(
    app: &App,
    status: StatusCode,
    ticket: &Ticket,
    view: impl FnOnce(TicketView, Vec<MessageView>) -> TicketPageView,
) -> Result<Response, TicketsError> {
    let mut page = view(TicketView::new(ticket), Vec::new());
    let files_base = page.reply_action.trim_end_matches("/reply").to_owned();
    page.messages = conversation_log(app, ticket.id, false, &files_base).await?;
    let rating_url = if matches!(ticket.status, Status::Resolved | Status::Closed) {
        super::rating::open_rating_path(app, ticket).await?
    } else {
        None
    };
    let view = WithRating {
        page: &page,
        rating_url,
    };
    Ok(app.pages.render(status, "my_ticket.html", &view)?)
}

/// A customer's (never internal) message written as `email`, with the
/// account when there is one (ticket links have none).
pub fn customer_message(
    account_id: Option<i64>,
    email: &str,
    body: String,
    files: Vec<NewFile>,
) -> NewMessage {
    NewMessage {
        author: Author {
            role: Role::Customer,
            account_id,
            email: email.to_owned(),
        },
        body,
        internal: false,
        files,
    }
}

/// Adds a customer's reply (with its checked `files`) to the ticket
/// `reference` whose requester is `email` and tells the agents (the mail
/// links to the files). Returns the ticket after the reply and the
/// query flag for the redirect: `"reopened"` when the reply reopened a
/// resolved or closed ticket, `"replied"` otherwise. A ticket that is gone
/// or not `email`'s is [`TicketsError::NotFound`].
pub async fn add_customer_reply(
    app: &App,
    reference: &str,
    account_id: Option<i64>,
    email: &str,
    body: String,
    files: Vec<NewFile>,
) -> Result<(Ticket, &'static str), TicketsError> {
    throttle_customer(app, email, false).await?;
    let message = customer_message(account_id, email, body.clone(), files);
    let outcome = app
        .db
        .add_reply(reference, Some(email), message)
        .await?
        .ok_or(TicketsError::NotFound)?;
    let page = agent_page(app, &outcome.ticket);
    let files = files_in_mail(app, outcome.message_id, &page).await;
    notify_agents(app, &outcome.ticket, &body, &files, false).await;
    let flag = if outcome.reopened {
        "reopened"
    } else {
        "replied"
    };
    Ok((outcome.ticket, flag))
}
