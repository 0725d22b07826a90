//! The agent's ticket page: `GET /agent/tickets/{ref}` (the full log with
//! internal notes, status and assignment changes), `POST /agent/tickets/{ref}/reply` (`body`,
//! optional `internal_note=on`; or `insert=canned` with `canned`, which
//! puts a canned reply into the reply box instead of sending) and
//! `POST /agent/tickets/{ref}/status` (`status`). The inbox is in
//! [`super::inbox`], assigning in [`super::assign`].

use hyper::StatusCode;
use serde::Serialize;

use super::{
    back_to, check_body, conversation_log, files_in_mail, iso_time, notify_customer, path_param,
    readable_time, status_options, EventView, MessageView, StatusOption, TicketView, TicketsError,
};
use crate::app::App;
use crate::auth::{CurrentUser, Role, Session};
use crate::canned::{self, Placeholders};
use crate::db::tickets::{parse_reference, Author, NewMessage, Status, Ticket};
use crate::handlers::{checked_form, require_role};
use crate::http::{self, Req, Response};
use crate::pages::Common;

#[derive(Serialize)]
struct AgentTicketView {
    #[serde(flatten)]
    common: Common,
    ticket: TicketView,
    messages: Vec<MessageView>,
    events: Vec<EventView>,
    statuses: Vec<StatusOption>,
    /// The catalog key of what the last action did.
    notice: Option<&'static str>,
    /// Shown beside the message field (a catalog key).
    body_error: Option<&'static str>,
    /// A refused file, named.
    file_error: Option<String>,
    /// Shown beside the status select (a catalog key).
    status_error: Option<&'static str>,
    draft: String,
    internal_note: bool,
    /// Every agent, for the assignee select.
    agents: Vec<AgentOption>,
    /// The assignee's address, if any.
    assignee: Option<String>,
    /// The ticket is assigned to the signed-in agent.
    assigned_to_me: bool,
    /// Shown beside the assignee select (a catalog key).
    assign_error: Option<&'static str>,
    /// The log of assignee changes, oldest first.
    assignments: Vec<AssignmentView>,
    /// The canned replies, filled in for this ticket.
    canned: Vec<CannedOption>,
    /// Shown beside the canned reply select (a catalog key).
    canned_error: Option<&'static str>,
    /// How many files the attachment store holds.
    storage_files: i64,
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

/// One choice of the assignee select.
#[derive(Serialize)]
struct AgentOption {
    id: i64,
    email: String,
    selected: bool,
}

/// One change of the assignee.
#[derive(Serialize)]
struct AssignmentView {
    /// The new assignee; `None`: unassigned.
    assignee: Option<String>,
    /// Who changed it; `None`: the system.
    actor: Option<String>,
    created: String,
    created_iso: String,
}

/// One canned reply of the ticket page's select, its placeholders filled.
#[derive(Serialize)]
struct CannedOption {
    id: i64,
    title: String,
    /// The text to insert (for the page's script).
    text: String,
    selected: bool,
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

/// The ticket named in the path between `/agent/tickets/` and `suffix`.
pub(super) async fn ticket_in_path(
    app: &App,
    req: &Req,
    suffix: &str,
) -> Result<Ticket, TicketsError> {
    let reference = path_param(&req.path, "/agent/tickets/", suffix)
        .and_then(parse_reference)
        .ok_or(TicketsError::NotFound)?;
    app.db
        .ticket(&reference, None)
        .await?
        .ok_or(TicketsError::NotFound)
}

/// What the ticket page shows besides the ticket: the outcome of the last
/// action, errors beside their fields and what the forms held.
#[derive(Default)]
pub(super) struct PageState {
    /// The catalog key of what the last action did.
    pub notice: Option<&'static str>,
    /// Shown beside the message field (a catalog key).
    pub body_error: Option<&'static str>,
    /// A refused file, named.
    pub file_error: Option<String>,
    /// Shown beside the status select (a catalog key).
    pub status_error: Option<&'static str>,
    /// Shown beside the assignee select (a catalog key).
    pub assign_error: Option<&'static str>,
    /// Shown beside the canned reply select (a catalog key).
    pub canned_error: Option<&'static str>,
    /// The canned reply last inserted (selected again).
    pub canned_selected: Option<i64>,
    /// The reply box's text.
    pub draft: String,
    /// The internal-note box is ticked.
    pub internal_note: bool,
}

/// The ticket page for `user`, answered with `status`.
pub(super) async fn render_ticket(
    app: &App,
    session: &Session,
    user: &CurrentUser,
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
    let agents = app.db.agents().await?;
    let assignments = app.db.assignment_events(ticket.id).await?;
    let placeholders = Placeholders::new(ticket, &user.email);
    let canned = app
        .db
        .canned_replies()
        .await?
        .into_iter()
        .map(|c| CannedOption {
            id: c.id,
            text: canned::fill(&c.body, &placeholders),
            title: c.title,
            selected: state.canned_selected == Some(c.id),
        })
        .collect();
    let assignee = ticket
        .assignee_id
        .and_then(|id| agents.iter().find(|a| a.id == id))
        .map(|a| a.email.clone());
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
        assigned_to_me: ticket.assignee_id == Some(user.account_id),
        assignee,
        agents: agents
            .into_iter()
            .map(|a| AgentOption {
                selected: ticket.assignee_id == Some(a.id),
                id: a.id,
                email: a.email,
            })
            .collect(),
        assign_error: state.assign_error,
        assignments: assignments
            .into_iter()
            .map(|a| AssignmentView {
                assignee: a.assignee_email,
                actor: a.actor_email,
                created: readable_time(a.created_at),
                created_iso: iso_time(a.created_at),
            })
            .collect(),
        canned,
        canned_error: state.canned_error,
        storage_files: totals.blobs,
        storage: crate::attachments::readable_size(totals.bytes),
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

/// `GET /agent/tickets/{ref}`.
pub async fn show(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, user) = require_role(app, req, Role::Agent).await?;
    let ticket = ticket_in_path(app, req, "").await?;
    let notice = match req.query_param("done").as_deref() {
        Some("reply") => Some("agent.done_reply"),
        Some("note") => Some("agent.done_note"),
        Some("status") => Some("agent.done_status"),
        Some("assign") => Some("agent.done_assign"),
        _ => None,
    };
    let state = PageState {
        notice,
        ..PageState::default()
    };
    render_ticket(app, &session, &user, StatusCode::OK, &ticket, state).await
}

/// The signed-in agent as the author of a message or a change.
pub(super) fn author(user: &CurrentUser) -> Author {
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
    if form.get("insert") == "canned" {
        return insert_canned(app, &session, &user, &ticket, &form).await;
    }
    let (body, files) = match (check_body(form.get("body")), req.files()) {
        (Ok(body), Ok(files)) => (body, files),
        (body, files) => {
            let state = PageState {
                body_error: body.err(),
                file_error: files.err().map(|e| super::file_error_text(app, &e)),
                draft: form.get("body").to_owned(),
                internal_note: internal,
                ..PageState::default()
            };
            return render_ticket(
                app,
                &session,
                &user,
                StatusCode::BAD_REQUEST,
                &ticket,
                state,
            )
            .await;
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
            status_error: Some("agent.status_invalid"),
            ..PageState::default()
        };
        return render_ticket(
            app,
            &session,
            &user,
            StatusCode::BAD_REQUEST,
            &ticket,
            state,
        )
        .await;
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

/// The reply form's "Insert" button (`insert=canned`, `canned` = a canned
/// reply's id): nothing is sent; the page comes back with the canned
/// reply, its placeholders filled, added to what the reply box held. This
/// is how inserting works without JavaScript (with it, the page's script
/// inserts at the cursor instead). Files chosen in the form are not kept.
async fn insert_canned(
    app: &App,
    session: &Session,
    user: &CurrentUser,
    ticket: &Ticket,
    form: &http::Form,
) -> Result<Response, TicketsError> {
    let draft = form.get("body").to_owned();
    let internal_note = form.get("internal_note") == "on";
    let chosen = match form.get("canned").trim().parse::<i64>() {
        Ok(id) => app.db.canned_reply(id).await?,
        Err(_) => None,
    };
    let Some(reply) = chosen else {
        let state = PageState {
            canned_error: Some("agent.canned_choose"),
            draft,
            internal_note,
            ..PageState::default()
        };
        return render_ticket(app, session, user, StatusCode::BAD_REQUEST, ticket, state).await;
    };
    let text = canned::fill(&reply.body, &Placeholders::new(ticket, &user.email));
    let state = PageState {
        canned_selected: Some(reply.id),
        draft: canned::append(&draft, &text),
        internal_note,
        ..PageState::default()
    };
    render_ticket(app, session, user, StatusCode::OK, ticket, state).await
}
