//! The agent inbox: `GET /agent/tickets[?status=&q=&page=]` (the unsolved
//! tickets unless another status choice is made, searched by subject or
//! requester),
//! `GET /agent/tickets/{ref}` (the full log with internal notes and status
//! changes), `POST /agent/tickets/{ref}/reply` (`body`, optional
//! `internal_note=on`) and `POST /agent/tickets/{ref}/status` (`status`).

use hyper::StatusCode;
use serde::Serialize;

use super::{
    back_to, check_body, conversation_log, files_in_mail, iso_time, notify_customer, page_param,
    path_param, readable_time, search_param, status_options, EventView, MessageView, Pager,
    StatusChoice, StatusOption, TicketView, TicketsError, PER_PAGE,
};
use crate::app::App;
use crate::auth::{CurrentUser, Role, Session};
use crate::db::attachments::StorageTotals;
use crate::db::ticket_lists::TicketFilter;
use crate::db::tickets::{parse_reference, Author, NewMessage, Status, Ticket};
use crate::handlers::{checked_form, require_role};
use crate::http::{self, Req, Response};
use crate::pages::Common;

#[derive(Serialize)]
struct InboxView {
    #[serde(flatten)]
    common: Common,
    tickets: Vec<TicketView>,
    statuses: Vec<StatusOption>,
    /// The status choice: `unsolved` (the default), `all` or a status.
    status: &'static str,
    q: String,
    /// A search, or a status choice other than the default, narrows the
    /// list (for the empty state).
    filtered: bool,
    pager: Pager,
}

#[derive(Serialize)]
struct AgentTicketView {
    #[serde(flatten)]
    common: Common,
    ticket: TicketView,
    messages: Vec<MessageView>,
    events: Vec<EventView>,
    statuses: Vec<StatusOption>,
    notice: Option<&'static str>,
    /// Shown beside the message field, in the page's language.
    body_error: Option<String>,
    /// A refused file, named.
    file_error: Option<String>,
    /// Shown beside the status select.
    status_error: Option<&'static str>,
    draft: String,
    internal_note: bool,
    /// How much the attachment store holds, readable.
    storage: String,
    /// What happened to the ticket's mail (bounces, auto-replies, oversized).
    mail_notices: Vec<MailNoticeView>,
    /// The ticket this one's first mail answered, when that was someone
    /// else's: `(number, reference)`.
    related: Option<RelatedView>,
    /// The customer's ratings, one per rated resolution.
    ratings: Vec<RatingView>,
}

/// One agent notice about the ticket's mail.
#[derive(Serialize)]
struct MailNoticeView {
    kind: String,
    detail: String,
    created: String,
    created_iso: String,
}

/// A link to another ticket.
/// A customer's rating of one resolution.
#[derive(Serialize)]
struct RatingView {
    resolution: i64,
    good: bool,
    comment: Option<String>,
    rated: String,
    rated_iso: String,
}

#[derive(Serialize)]
struct RelatedView {
    number: i64,
    reference: String,
}

/// `GET /agent/tickets[?status=&q=&page=]`: the unsolved tickets unless
/// `status` is `all` or a status name.
pub async fn list(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, _user) = require_role(app, req, Role::Agent).await?;
    let choice = StatusChoice::from_param(req.query_param("status"), StatusChoice::Unsolved);
    let page = page_param(req.query_param("page"));
    let q = search_param(req.query_param("q"));
    let found = app
        .db
        .list_tickets(TicketFilter {
            status: choice.status(),
            unsolved: choice == StatusChoice::Unsolved,
            search: Some(q.clone()),
            page,
            per_page: PER_PAGE,
            ..TicketFilter::default()
        })
        .await?;
    // The default choice stays out of page links.
    let status_in_links = match choice {
        StatusChoice::Unsolved => "",
        other => other.as_str(),
    };
    let view = InboxView {
        common: Common::new(&app.options.site_title, Some(&session)),
        tickets: found.tickets.iter().map(TicketView::new).collect(),
        statuses: status_options(choice.status()),
        status: choice.as_str(),
        pager: Pager::new(
            "/agent/tickets",
            &[("status", status_in_links), ("q", &q)],
            page,
            found.total,
            PER_PAGE,
        ),
        filtered: choice != StatusChoice::Unsolved || !q.is_empty(),
        q,
    };
    Ok(app
        .pages
        .render(StatusCode::OK, "agent_tickets.html", &view)?)
}

async fn ticket_in_path(app: &App, req: &Req, suffix: &str) -> Result<Ticket, TicketsError> {
    let reference = path_param(&req.path, "/agent/tickets/", suffix)
        .and_then(parse_reference)
        .ok_or(TicketsError::NotFound)?;
    app.db
        .ticket(&reference, None)
        .await?
        .ok_or(TicketsError::NotFound)
}

struct PageState {
    notice: Option<&'static str>,
    /// Shown beside the message field, in the page's language.
    body_error: Option<String>,
    /// A refused file, named.
    file_error: Option<String>,
    /// Shown beside the status select.
    status_error: Option<&'static str>,
    draft: String,
    internal_note: bool,
}

async fn render_ticket(
    app: &App,
    session: &Session,
    status: StatusCode,
    ticket: &Ticket,
    state: PageState,
) -> Result<Response, TicketsError> {
    let files_base = format!("/agent/tickets/{}", ticket.reference);
    let messages = conversation_log(app, ticket.id, true, &files_base).await?;
    let totals = app.db.storage_totals().await?;
    let events = app.db.status_events(ticket.id).await?;
    let mail_notices = app.db.ticket_notices(ticket.id).await?;
    let related = app.db.related_ticket(ticket.id).await?;
    let ratings = app.db.ratings_of(ticket.id).await?;
    let view = AgentTicketView {
        common: Common::new(&app.options.site_title, Some(session)),
        ticket: TicketView::new(ticket),
        messages,
        events: events.iter().map(EventView::new).collect(),
        statuses: status_options(Some(ticket.status)),
        notice: state.notice,
        body_error: state.body_error,
        file_error: state.file_error,
        status_error: state.status_error,
        draft: state.draft,
        internal_note: state.internal_note,
        storage: storage_text(totals),
        mail_notices: mail_notices
            .into_iter()
            .map(|n| MailNoticeView {
                created: readable_time(n.created_at),
                created_iso: iso_time(n.created_at),
                kind: n.kind,
                detail: n.detail,
            })
            .collect(),
        related: related.map(|(number, reference)| RelatedView { number, reference }),
        ratings: ratings
            .into_iter()
            .map(|r| RatingView {
                resolution: r.resolution,
                good: r.good,
                comment: r.comment,
                rated: readable_time(r.rated_at),
                rated_iso: iso_time(r.rated_at),
            })
            .collect(),
    };
    Ok(app.pages.render(status, "agent_ticket.html", &view)?)
}

/// The attachment store's size as the agent page shows it.
fn storage_text(totals: StorageTotals) -> String {
    let files = if totals.blobs == 1 { "file" } else { "files" };
    format!(
        "{} {files}, {}",
        totals.blobs,
        crate::attachments::readable_size(totals.bytes)
    )
}

/// `GET /agent/tickets/{ref}`.
pub async fn show(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, _user) = require_role(app, req, Role::Agent).await?;
    let ticket = ticket_in_path(app, req, "").await?;
    let notice = match req.query_param("done").as_deref() {
        Some("reply") => Some("Your reply was sent to the customer."),
        Some("note") => Some("Your internal note was saved."),
        Some("status") => Some("The status was changed."),
        _ => None,
    };
    let state = PageState {
        notice,
        body_error: None,
        file_error: None,
        status_error: None,
        draft: String::new(),
        internal_note: false,
    };
    render_ticket(app, &session, StatusCode::OK, &ticket, state).await
}

fn author(user: &CurrentUser) -> Author {
    Author {
        role: Role::Agent,
        account_id: Some(user.account_id),
        email: user.email.clone(),
    }
}

/// `POST /agent/tickets/{ref}/reply` (`body`, optional `internal_note=on`,
/// `csrf`): a public reply (mailed to the customer) or an internal note
/// (never shown or mailed to the customer).
pub async fn reply(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let page = req.path.trim_end_matches("/reply");
    let (session, user) = require_role(app, req, Role::Agent)
        .await
        .map_err(back_to(page))?;
    let form = checked_form(app, req, &session)?;
    let ticket = ticket_in_path(app, req, "/reply").await?;
    let internal = form.get("internal_note") == "on";
    let (body, files) = match (check_body(form.get("body")), req.files()) {
        (Ok(body), Ok(files)) => (body, files),
        (body, files) => {
            let state = PageState {
                notice: None,
                // The agent template shows the text; the check gives its key.
                body_error: body.err().map(|key| app.pages.text(key)),
                file_error: files.err().map(|e| e.to_string()),
                status_error: None,
                draft: form.get("body").to_owned(),
                internal_note: internal,
            };
            return render_ticket(app, &session, StatusCode::BAD_REQUEST, &ticket, state).await;
        }
    };
    let message = NewMessage {
        author: author(&user),
        body: body.clone(),
        internal,
        files,
    };
    let outcome = app
        .db
        .add_reply(&ticket.reference, None, message)
        .await?
        .ok_or(TicketsError::NotFound)?;
    if !internal {
        let page = format!(
            "{}/my/tickets/{}",
            app.options.base_url.trim_end_matches('/'),
            outcome.ticket.reference
        );
        let files = files_in_mail(app, outcome.message_id, &page).await;
        notify_customer(app, &outcome.ticket, &body, &files).await;
    }
    let done = if internal { "note" } else { "reply" };
    Ok(http::see_other(&format!(
        "/agent/tickets/{}?done={done}",
        outcome.ticket.reference
    )))
}

/// `POST /agent/tickets/{ref}/status` (`status`, `csrf`).
pub async fn set_status(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let page = req.path.trim_end_matches("/status");
    let (session, user) = require_role(app, req, Role::Agent)
        .await
        .map_err(back_to(page))?;
    let form = checked_form(app, req, &session)?;
    let ticket = ticket_in_path(app, req, "/status").await?;
    let Some(status) = Status::parse(form.get("status")) else {
        let state = PageState {
            notice: None,
            body_error: None,
            file_error: None,
            status_error: Some("Choose one of the statuses."),
            draft: String::new(),
            internal_note: false,
        };
        return render_ticket(app, &session, StatusCode::BAD_REQUEST, &ticket, state).await;
    };
    let was = ticket.status;
    let ticket = app
        .db
        .set_status(&ticket.reference, status, author(&user))
        .await?
        .ok_or(TicketsError::NotFound)?;
    if status == Status::Resolved && was != Status::Resolved {
        let rating = super::rating::ask(app, &ticket).await;
        super::notify_resolved(app, &ticket, rating.as_deref()).await;
    }
    Ok(http::see_other(&format!(
        "/agent/tickets/{}?done=status",
        ticket.reference
    )))
}
