//! `GET /api/session` (who is signed in, for the static pages' login area
//! and for scripts) and `GET /healthz`.

use hyper::StatusCode;
use serde_json::json;

use super::Failure;
use crate::app::App;
use crate::auth::{current_session, Session};
use crate::http::{self, Req, Response};

/// Errors of the API family.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// Store failure.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::Unexpected(e) => Failure::Unexpected(e),
        }
    }
}

/// `GET /api/session`. For a signed-in account the answer also carries
/// the session's CSRF token, so the static pages' login area can offer a
/// logout button (only same-origin scripts can read it), and
/// `can_open_tickets`: whether the login area may link to
/// `/my/tickets/new` (a verified customer while `allow_new_tickets` is on).
pub async fn session(app: &App, req: &Req) -> Result<Response, ApiError> {
    let session = current_session(app, req).await?;
    let body = match session {
        Some(Session {
            user: Some(user),
            csrf,
            ..
        }) => json!({
            "authenticated": true,
            "email": user.email,
            "role": user.role.as_str(),
            "csrf": csrf,
            "can_open_tickets": super::tickets::customer::can_open_tickets(app, &user),
        }),
        _ => json!({ "authenticated": false }),
    };
    Ok(http::json(StatusCode::OK, &body))
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(app: &App) -> Result<Response, ApiError> {
    match app.db.ping().await {
        Ok(()) => Ok(http::text(StatusCode::OK, "ok\n")),
        Err(err) => {
            tracing::error!("health check failed: {err:#}");
            Ok(http::text(
                StatusCode::SERVICE_UNAVAILABLE,
                "database unavailable\n",
            ))
        }
    }
}
