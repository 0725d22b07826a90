//! The routing table: one match on `(method, path)`. [`route`] takes an
//! already-read [`Req`], so tests can call it without a socket.

use hyper::Method;

use crate::app::App;
use crate::handlers::tickets::path_param;
use crate::handlers::{
    self, api, canned, contact, counts, email_change, feedback, files, login, password, profile,
    register, reports,
    tickets::{
        agent as agent_tickets, assign, customer as my_tickets, files as ticket_files, inbox,
        link as ticket_link, rating,
    },
    Failure,
};
use crate::http::{Req, Response};

/// Whether `(method, path)` is one of the forms that take files (new
/// ticket, customer, ticket-link and agent replies): only these read a
/// `multipart/form-data` body, with the upload limits.
pub fn is_upload_route(method: &Method, path: &str) -> bool {
    method == Method::POST
        && (path == "/my/tickets"
            || path_param(path, "/my/tickets/", "/reply").is_some()
            || path_param(path, "/t/", "/reply").is_some()
            || path_param(path, "/agent/tickets/", "/reply").is_some())
}

/// The form token an upload to `req`'s route must carry before its first
/// file part, read from the request's head alone (see
/// [`crate::handlers::tickets::uploads`]); `None` when no token can pass,
/// or the store could not say (then no file is accepted).
pub async fn upload_token(app: &App, req: &Req) -> Option<String> {
    match handlers::tickets::uploads::upload_token(app, req).await {
        Ok(token) => token,
        Err(err) => {
            tracing::error!("cannot check who may upload: {err:#}");
            None
        }
    }
}

/// Answers one request.
pub async fn route(app: &App, req: Req) -> Response {
    let result: Result<Response, Failure> = match (&req.method, req.path.as_str()) {
        (&Method::GET, "/healthz") => api::healthz(app).await.map_err(Into::into),
        (&Method::GET, "/api/session") => api::session(app, &req).await.map_err(Into::into),
        (&Method::GET, "/api/feedback/token") => feedback::token(app).await,
        (&Method::POST, "/api/feedback") => feedback::vote(app, &req).await,
        (&Method::POST, "/api/feedback/comment") => feedback::comment(app, &req).await,
        (&Method::POST, "/api/search-miss") => counts::search_miss(app, &req).await,
        (&Method::POST, "/api/suggestions") => counts::suggestion(app, &req).await,

        (&Method::GET, "/contact") => contact::form(app, &req).await.map_err(Into::into),
        (&Method::POST, "/contact") => contact::submit(app, &req).await,
        (&Method::GET, p) if path_param(p, "/contact/confirm/", "").is_some() => {
            contact::confirm_page(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/contact/confirm/", "").is_some() => {
            contact::confirm(app, &req).await.map_err(Into::into)
        }
        (&Method::GET, p) if path_param(p, "/rate/", "").is_some() => {
            rating::page(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/rate/", "").is_some() => {
            rating::submit(app, &req).await.map_err(Into::into)
        }

        (&Method::GET, "/login") => login::form(app, &req).await.map_err(Into::into),
        (&Method::POST, "/login") => login::submit(app, &req).await.map_err(Into::into),
        (&Method::POST, "/logout") => login::logout(app, &req).await.map_err(Into::into),

        (&Method::GET, "/my/profile") => profile::page(app, &req).await,
        (&Method::POST, "/my/profile/language") => profile::set_language(app, &req).await,
        (&Method::POST, "/my/profile/password") => profile::change_password(app, &req).await,
        (&Method::POST, "/my/profile/sessions") => profile::end_other_sessions(app, &req).await,
        (&Method::POST, "/my/profile/delete") => profile::delete_account(app, &req).await,
        (&Method::POST, "/my/profile/email") => email_change::request(app, &req).await,
        (&Method::GET, "/my/profile/email/confirm") => email_change::confirm_form(app, &req).await,
        (&Method::POST, "/my/profile/email/confirm") => email_change::confirm(app, &req).await,

        (&Method::GET, "/register") => register::form(app, &req).await.map_err(Into::into),
        (&Method::POST, "/register") => register::submit(app, &req).await.map_err(Into::into),
        (&Method::GET, "/verify") => register::verify_form(app, &req).await.map_err(Into::into),
        (&Method::POST, "/verify") => register::verify_submit(app, &req).await.map_err(Into::into),

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

        (&Method::GET, "/my/tickets") => my_tickets::list(app, &req).await.map_err(Into::into),
        (&Method::GET, "/my/tickets/new") => {
            my_tickets::new_form(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, "/my/tickets") => my_tickets::create(app, &req).await.map_err(Into::into),
        (&Method::GET, "/my/tickets/link") => {
            ticket_link::form(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, "/my/tickets/link") => ticket_link::request(app, &req).await,
        (&Method::GET | &Method::HEAD, p) if ticket_files::is_file_path(p, "/my/tickets/") => {
            ticket_files::customer(app, &req).await.map_err(Into::into)
        }
        (&Method::GET | &Method::HEAD, p) if ticket_files::is_file_path(p, "/t/") => {
            ticket_files::link(app, &req).await.map_err(Into::into)
        }
        (&Method::GET | &Method::HEAD, p) if ticket_files::is_file_path(p, "/agent/tickets/") => {
            ticket_files::agent(app, &req).await.map_err(Into::into)
        }
        (&Method::GET, p) if path_param(p, "/my/tickets/", "").is_some() => {
            my_tickets::show(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/my/tickets/", "/reply").is_some() => {
            my_tickets::reply(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/my/tickets/", "/solve").is_some() => {
            my_tickets::solve(app, &req).await.map_err(Into::into)
        }
        (&Method::GET, p) if path_param(p, "/t/", "").is_some() => {
            ticket_link::show(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/t/", "").is_some() => {
            ticket_link::open(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/t/", "/reply").is_some() => {
            ticket_link::reply(app, &req).await.map_err(Into::into)
        }

        (&Method::GET, "/agent/reports") => reports::page(app, &req).await.map_err(Into::into),
        (&Method::GET, "/agent/reports.csv") => reports::csv(app, &req).await,
        (&Method::GET, "/agent/tickets") => inbox::list(app, &req).await.map_err(Into::into),
        (&Method::GET, p) if path_param(p, "/agent/tickets/", "").is_some() => {
            agent_tickets::show(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/agent/tickets/", "/reply").is_some() => {
            agent_tickets::reply(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/agent/tickets/", "/status").is_some() => {
            agent_tickets::set_status(app, &req)
                .await
                .map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/agent/tickets/", "/assign").is_some() => {
            assign::assign(app, &req).await.map_err(Into::into)
        }
        (&Method::GET, "/agent/canned") => canned::list(app, &req).await.map_err(Into::into),
        (&Method::POST, "/agent/canned") => canned::create(app, &req).await.map_err(Into::into),
        (&Method::GET, p) if path_param(p, "/agent/canned/", "").is_some() => {
            canned::edit(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/agent/canned/", "").is_some() => {
            canned::update(app, &req).await.map_err(Into::into)
        }
        (&Method::POST, p) if path_param(p, "/agent/canned/", "/delete").is_some() => {
            canned::delete(app, &req).await.map_err(Into::into)
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
