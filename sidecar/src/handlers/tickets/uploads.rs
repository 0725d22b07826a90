//! Who may send files to an upload route, decided from the request's head
//! before its body is read: the form token that must come before the
//! first file part (see [`crate::attachments::upload`]). Without it no
//! file part is written to disk, so a forged post (another site's form, a
//! script without the session's token) cannot make the server spool
//! anything. The handler still checks the whole form as for any other.

use super::{link, path_param, TicketsError};
use crate::app::App;
use crate::auth::{csrf, current_session, Role};
use crate::http::Req;

/// The CSRF token an upload to `req`'s route must carry before its first
/// file: the ticket-link grant's for `/t/{token}/reply`, else the session's
/// when someone with the route's role (agent under `/agent/`, customer
/// otherwise) is signed in. `None` when no token could pass: a request
/// from another origin, nobody signed in with that role, no grant.
pub async fn upload_token(app: &App, req: &Req) -> Result<Option<String>, TicketsError> {
    if !csrf::same_origin(req, &app.origins) {
        return Ok(None);
    }
    if let Some(token) = path_param(&req.path, "/t/", "/reply") {
        let granted = link::granted_ticket(app, req, token).await?;
        return Ok(granted.map(|(_ticket, csrf)| csrf));
    }
    let role = if req.path.starts_with("/agent/") {
        Role::Agent
    } else {
        Role::Customer
    };
    let session = current_session(app, req).await?;
    Ok(session
        .filter(|s| s.user.as_ref().is_some_and(|user| user.role == role))
        .map(|s| s.csrf))
}
