//! The routing table: one match on `(method, path)`. [`route`] takes an
//! already-read [`Req`], so tests can call it without a socket.

use hyper::Method;

use crate::app::App;
use crate::handlers::{self, api, files, login, password, register, tickets, Failure};
use crate::http::{Req, Response};

/// Answers one request.
pub async fn route(app: &App, req: Req) -> Response {
    let result: Result<Response, Failure> = match (&req.method, req.path.as_str()) {
        (&Method::GET, "/healthz") => api::healthz(app).await.map_err(Into::into),
        (&Method::GET, "/api/session") => api::session(app, &req).await.map_err(Into::into),

        (&Method::GET, "/login") => login::form(app, &req).await.map_err(Into::into),
        (&Method::POST, "/login") => login::submit(app, &req).await.map_err(Into::into),
        (&Method::POST, "/logout") => login::logout(app, &req).await.map_err(Into::into),

        (&Method::GET, "/register") => register::form(app, &req).await.map_err(Into::into),
        (&Method::POST, "/register") => register::submit(app, &req).await.map_err(Into::into),
        (&Method::GET, "/verify") => register::verify(app, &req).await.map_err(Into::into),

        (&Method::GET, "/password/forgot") => {
            password::forgot_form(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, "/password/forgot") => {
            password::forgot_submit(app, &req).await.map_err(Into::into)
        }
        (&Method::GET, "/password/reset") => {
            password::reset_form(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, "/password/reset") => {
            password::reset_submit(app, &req).await.map_err(Into::into)
        }

        (&Method::GET, "/my/tickets") => tickets::my_tickets(app, &req).await.map_err(Into::into),
        (&Method::GET, "/agent/tickets") => {
            tickets::agent_tickets(app, &req).await.map_err(Into::into)
        }

        (&Method::GET | &Method::HEAD, path)
            if path == "/internal" || path.starts_with("/internal/") =>
        {
            files::internal(app, &req).await.map_err(Into::into)
        }
        (&Method::GET | &Method::HEAD, _) if app.options.config.serve_public => {
            files::public(app, &req).await.map_err(Into::into)
        }
        _ => Err(Failure::NotFound),
    };
    match result {
        Ok(resp) => resp,
        Err(failure) => handlers::failure_response(app, &req, failure).await,
    }
}
