//! The agent inbox: `GET /agent/tickets[?status=&assignee=&q=&page=]`
//! (the unsolved tickets unless another status choice is made, everyone's
//! or only those assigned to the agent (`assignee=me`) or to nobody
//! (`assignee=none`), searched by subject or requester),
//! `GET /agent/tickets/{ref}` (the full log with internal notes, status
//! and assignment changes), `POST /agent/tickets/{ref}/reply` (`body`,
//! optional `internal_note=on`; or `insert=canned` with `canned`, which
//! puts a canned reply into the reply box instead of sending) and
//! `POST /agent/tickets/{ref}/status` (`status`). Assigning is in
//! [`super::assign`].

use hyper::StatusCode;
use serde::Serialize;

use super::{
    back_to, check_body, conversation_log, files_in_mail, iso_time, notify_customer, page_param,
    path_param, readable_time, search_param, status_options, EventView, MessageView, Pager,
    StatusChoice, StatusOption, TicketView, TicketsError, PER_PAGE,
};
use crate::app::App;
use crate::auth::{CurrentUser, Role, Session};
use crate::db::ticket_lists::{AssigneeFilter, TicketFilter};
use crate::db::tickets::{parse_reference, Author, NewMessage, Status, Ticket};
use crate::handlers::canned::{self as canned, Placeholders};
use crate::handlers::{checked_form, require_role};
use crate::http::{self, Req, Response};
use crate::pages::Common;

#[derive(Serialize)]
struct InboxView {
    #[serde(flatten)]
    common: Common,
    tickets: Vec<InboxRow>,
    statuses: Vec<StatusOption>,
    /// The status choice: `unsolved` (the default), `all` or a status.
    status: &'static str,
    /// The assignee choice: `me`, `none` or empty (anyone).
    assignee: &'static str,
    /// The view tab the choices make, if one: `unsolved`, `mine`,
    /// `unassigned` or `all`; empty for other combinations.
    view: &'static str,
    q: String,
    /// A search, or a status or assignee choice other than the default,
    /// narrows the list (for the empty state).
    filtered: bool,
    pager: Pager,
}

/// One inbox row: the ticket and whom it is assigned to.
#[derive(Serialize)]
struct InboxRow {
    #[serde(flatten)]
    ticket: TicketView,
    /// The assignee's address; `None` when unassigned.
    assignee: Option<String>,
}

/// Which tickets the inbox shows by assignee (`?assignee=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AssigneeChoice {
    /// Everyone's tickets (no parameter).
    Anyone,
    /// The signed-in agent's (`me`).
    Me,
    /// Nobody's (`none`).
    Nobody,
}

impl AssigneeChoice {
    fn from_param(raw: Option<String>) -> Self {
        match raw.as_deref() {
            Some("me") => AssigneeChoice::Me,
            Some("none") => AssigneeChoice::Nobody,
            _ => AssigneeChoice::Anyone,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            AssigneeChoice::Anyone => "",
            AssigneeChoice::Me => "me",
            AssigneeChoice::Nobody => "none",
        }
    }

    fn filter(self, me: i64) -> Option<AssigneeFilter> {
        match self {
            AssigneeChoice::Anyone => None,
            AssigneeChoice::Me => Some(AssigneeFilter::Agent(me)),
            AssigneeChoice::Nobody => Some(AssigneeFilter::Nobody),
        }
    }
}

/// The view tab of a status and assignee choice (see [`InboxView::view`]).
fn view_tab(status: StatusChoice, assignee: AssigneeChoice) -> &'static str {
    match (status, assignee) {
        (StatusChoice::Unsolved, AssigneeChoice::Anyone) => "unsolved",
        (StatusChoice::Unsolved, AssigneeChoice::Me) => "mine",
        (StatusChoice::Unsolved, AssigneeChoice::Nobody) => "unassigned",
        (StatusChoice::All, AssigneeChoice::Anyone) => "all",
        _ => "",
    }
}

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
    /// Shown beside the message field.
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

/// `GET /agent/tickets[?status=&q=&page=]`: the unsolved tickets unless
/// `status` is `all` or a status name.
pub async fn list(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, user) = require_role(app, req, Role::Agent).await?;
    let choice = StatusChoice::from_param(req.query_param("status"), StatusChoice::Unsolved);
    let assignee = AssigneeChoice::from_param(req.query_param("assignee"));
    let page = page_param(req.query_param("page"));
    let q = search_param(req.query_param("q"));
    let found = app
        .db
        .list_tickets(TicketFilter {
            status: choice.status(),
            unsolved: choice == StatusChoice::Unsolved,
            assignee: assignee.filter(user.account_id),
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
    let agents = app.db.agents().await?;
    let email_of = |id: Option<i64>| {
        id.and_then(|id| agents.iter().find(|a| a.id == id))
            .map(|a| a.email.clone())
    };
    let view = InboxView {
        common: Common::new(&app.options.site_title, Some(&session)),
        tickets: found
            .tickets
            .iter()
            .map(|t| InboxRow {
                ticket: TicketView::new(t),
                assignee: email_of(t.assignee_id),
            })
            .collect(),
        statuses: status_options(choice.status()),
        status: choice.as_str(),
        assignee: assignee.as_str(),
        view: view_tab(choice, assignee),
        pager: Pager::new(
            "/agent/tickets",
            &[
                ("status", status_in_links),
                ("assignee", assignee.as_str()),
                ("q", &q),
            ],
            page,
            found.total,
            PER_PAGE,
        ),
        filtered: choice != StatusChoice::Unsolved
            || assignee != AssigneeChoice::Anyone
            || !q.is_empty(),
        q,
    };
    Ok(app
        .pages
        .render(StatusCode::OK, "agent_tickets.html", &view)?)
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
    /// Shown beside the message field.
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
                file_error: files.err().map(|e| e.to_string()),
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
        let body = body + &files_in_mail(app, outcome.message_id, &page).await;
        notify_customer(app, &outcome.ticket, &body).await;
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
