//! The agent inbox: `GET /agent/tickets[?status=&assignee=&q=&page=]`
//! (the unsolved tickets unless another status choice is made, everyone's
//! or only those assigned to the agent (`assignee=me`) or to nobody
//! (`assignee=none`), searched by subject or requester), with each
//! ticket's assignee. The views Unsolved, Mine, Unassigned and All are
//! presets of the two choices.

use hyper::StatusCode;
use serde::Serialize;

use super::{
    page_param, search_param, status_options, Pager, StatusChoice, StatusOption, TicketView,
    TicketsError, PER_PAGE,
};
use crate::app::App;
use crate::auth::Role;
use crate::db::ticket_lists::{AssigneeFilter, TicketFilter};
use crate::handlers::require_role;
use crate::http::{Req, Response};
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

/// `GET /agent/tickets[?status=&assignee=&q=&page=]`: the unsolved
/// tickets unless `status` is `all` or a status name; everyone's unless
/// `assignee` is `me` or `none`.
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
