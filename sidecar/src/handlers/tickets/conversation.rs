//! What a customer's ticket page shows and the customer-reply step,
//! shared by the signed-in page ([`super::customer`]) and the page a
//! mailed ticket link opens ([`super::link`]).

use hyper::StatusCode;
use serde::Serialize;

use super::{notify_agents, throttle_customer, MessageView, TicketView, TicketsError};
use crate::app::App;
use crate::auth::Role;
use crate::db::tickets::{Author, NewMessage, Ticket};
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
    /// Offer a link to submit another ticket (account pages only).
    pub allow_new_tickets: bool,
    /// A problem with the reply being sent.
    pub error: Option<&'static str>,
    /// The text being sent, kept when it was refused.
    pub draft: String,
    /// Opened through a mailed link, not an account.
    pub via_link: bool,
}

/// Renders a customer's view of `ticket` (account or link).
pub async fn render_ticket(
    app: &App,
    status: StatusCode,
    ticket: &Ticket,
    view: impl FnOnce(TicketView, Vec<MessageView>) -> TicketPageView,
) -> Result<Response, TicketsError> {
    let messages = app.db.messages(ticket.id, false).await?;
    let messages = messages
        .iter()
        .map(|m| MessageView::new(m, false))
        .collect();
    let view = view(TicketView::new(ticket), messages);
    Ok(app.pages.render(status, "my_ticket.html", &view)?)
}

/// A customer's (never internal) message written as `email`, with the
/// account when there is one (ticket links have none).
pub fn customer_message(account_id: Option<i64>, email: &str, body: String) -> NewMessage {
    NewMessage {
        author: Author {
            role: Role::Customer,
            account_id,
            email: email.to_owned(),
        },
        body,
        internal: false,
        files: Vec::new(),
    }
}

/// Adds a customer's reply to the ticket `reference` whose requester is
/// `email` and tells the agents. Returns the ticket after the reply and the
/// query flag for the redirect: `"reopened"` when the reply reopened a
/// resolved or closed ticket, `"replied"` otherwise. A ticket that is gone
/// or not `email`'s is [`TicketsError::NotFound`].
pub async fn add_customer_reply(
    app: &App,
    reference: &str,
    account_id: Option<i64>,
    email: &str,
    body: String,
) -> Result<(Ticket, &'static str), TicketsError> {
    throttle_customer(app, email, false).await?;
    let message = customer_message(account_id, email, body.clone());
    let outcome = app
        .db
        .add_reply(reference, Some(email), message)
        .await?
        .ok_or(TicketsError::NotFound)?;
    notify_agents(app, &outcome.ticket, &body, false).await;
    let flag = if outcome.reopened {
        "reopened"
    } else {
        "replied"
    };
    Ok((outcome.ticket, flag))
}
