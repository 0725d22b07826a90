//! `POST /agent/tickets/{ref}/assign` (`assignee`, `csrf`): an agent sets
//! whom a ticket is assigned to. `assignee` is an agent account's id (the
//! page's select), `me` ("Assign to me") or empty (unassign). Anything
//! else, a customer's account id included, is refused with the page and a
//! message beside the select (400), and nothing changes.

use hyper::StatusCode;

use super::agent::{author, render_ticket, ticket_in_path, PageState};
use super::{back_to, TicketsError};
use crate::app::App;
use crate::auth::Role;
use crate::db::assignment::AssignOutcome;
use crate::handlers::{checked_form, require_role};
use crate::http::{self, Req, Response};

/// Whom the form names: `Ok(None)` to unassign, `Err(())` for text that
/// names no account.
fn assignee_in_form(value: &str, me: i64) -> Result<Option<i64>, ()> {
    match value.trim() {
        "" => Ok(None),
        "me" => Ok(Some(me)),
        id => id.parse::<i64>().map(Some).map_err(|_| ()),
    }
}

/// `POST /agent/tickets/{ref}/assign`.
pub async fn assign(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let page = req.path.trim_end_matches("/assign");
    let (session, user) = require_role(app, req, Role::Agent)
        .await
        .map_err(back_to(page))?;
    let form = checked_form(app, req, &session)?;
    let ticket = ticket_in_path(app, req, "/assign").await?;
    let outcome = match assignee_in_form(form.get("assignee"), user.account_id) {
        Ok(assignee) => {
            app.db
                .assign(&ticket.reference, assignee, author(&user))
                .await?
        }
        Err(()) => AssignOutcome::NotAnAgent,
    };
    match outcome {
        AssignOutcome::Done(ticket) => Ok(http::see_other(&format!(
            "/agent/tickets/{}?done=assign",
            ticket.reference
        ))),
        AssignOutcome::NoTicket => Err(TicketsError::NotFound),
        AssignOutcome::NotAnAgent => {
            let state = PageState {
                assign_error: Some("agent.assign_not_agent"),
                ..PageState::default()
            };
            render_ticket(
                app,
                &session,
                &user,
                StatusCode::BAD_REQUEST,
                &ticket,
                state,
            )
            .await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_names_an_account_me_or_nobody() {
        assert_eq!(assignee_in_form("", 7), Ok(None));
        assert_eq!(assignee_in_form(" me ", 7), Ok(Some(7)));
        assert_eq!(assignee_in_form("12", 7), Ok(Some(12)));
        assert_eq!(assignee_in_form("12; DROP TABLE", 7), Err(()));
    }
}
