//! The ticket pages' entry points as far as accounts go: `GET /my/tickets`
//! (customers; an unverified account sees no tickets) and
//! `GET /agent/tickets` (agents). The ticket store itself comes later; these
//! pages show the signed-in state and the verification rule.

use hyper::StatusCode;
use serde::Serialize;

use super::{require_role, AccessError, Failure};
use crate::app::App;
use crate::auth::Role;
use crate::http::{Req, Response};
use crate::pages::Common;

/// Errors of the tickets family.
#[derive(Debug, thiserror::Error)]
pub enum TicketsError {
    /// Not signed in, or not allowed.
    #[error(transparent)]
    Access(#[from] AccessError),
    /// Store or template failure.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<TicketsError> for Failure {
    fn from(err: TicketsError) -> Self {
        match err {
            TicketsError::Access(e) => e.into(),
            TicketsError::Unexpected(e) => Failure::Unexpected(e),
        }
    }
}

#[derive(Serialize)]
struct TicketsView {
    #[serde(flatten)]
    common: Common,
}

/// `GET /my/tickets`.
pub async fn my_tickets(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, _user) = require_role(app, req, Role::Customer).await?;
    let view = TicketsView {
        common: Common::new(&app.options.site_title, Some(&session)),
    };
    Ok(app.pages.render(StatusCode::OK, "my_tickets.html", &view)?)
}

/// `GET /agent/tickets`.
pub async fn agent_tickets(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, _user) = require_role(app, req, Role::Agent).await?;
    let view = TicketsView {
        common: Common::new(&app.options.site_title, Some(&session)),
    };
    Ok(app
        .pages
        .render(StatusCode::OK, "agent_tickets.html", &view)?)
}
