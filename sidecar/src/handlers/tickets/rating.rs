//! "How did we do?" after a ticket is resolved: `GET /rate/{link}[?r=good|bad]`
//! shows the question (a GET never records anything, so mail scanners that
//! fetch links rate nothing) and `POST /rate/{link}` (`rating` = `good` or
//! `bad`, optional `comment`) records the answer once. `{link}` is the
//! request's id signed with the rating key ([`rating_path`]): it works
//! without signing in, for the newest resolution of its ticket only, for
//! [`RATING_TTL_SECS`](crate::db::ratings::RATING_TTL_SECS). A second answer is refused with 409. The link is
//! the secret that authorises the form, and the `Origin` check applies as
//! everywhere.

use hyper::StatusCode;
use serde::Serialize;

use super::{path_param, TicketsError};
use crate::app::App;
use crate::auth::csrf::{self, CsrfError};
use crate::auth::signing::{sign, verify};
use crate::db::ratings::RateOutcome;
use crate::db::tickets::Ticket;
use crate::handlers::json_call::clean_text;
use crate::http::{self, Req, Response};
use crate::pages::Common;

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 2000;

#[derive(Serialize)]
struct RateView {
    #[serde(flatten)]
    common: Common,
    action: String,
    subject: String,
    number: i64,
    /// `good`, `bad` or empty: what the mail's link chose.
    chosen: &'static str,
    /// `form`, `thanks`, `already` or `invalid`.
    state: &'static str,
}

/// The path of the rating link for request `id`.
pub fn rating_path(app: &App, id: i64) -> String {
    format!(
        "/rate/{}",
        sign(&app.keys.rating, "rating", &id.to_string())
    )
}

/// Asks for a rating of `ticket`'s resolution that just happened; the
/// link's path, or `None` (logged) when the store refused.
pub async fn ask(app: &App, ticket: &Ticket) -> Option<String> {
    match app.db.ask_rating(ticket.id).await {
        Ok(id) => Some(rating_path(app, id)),
        Err(err) => {
            tracing::error!(ticket = ticket.id, "cannot ask for a rating: {err:#}");
            None
        }
    }
}

/// The rating link of `ticket` that can be answered now, if any (for the
/// customer's ticket page).
pub async fn open_rating_path(app: &App, ticket: &Ticket) -> anyhow::Result<Option<String>> {
    Ok(app
        .db
        .open_rating_of(ticket.id)
        .await?
        .map(|id| rating_path(app, id)))
}

fn request_id(app: &App, req: &Req) -> Result<(String, i64), TicketsError> {
    let signed = path_param(&req.path, "/rate/", "").ok_or(TicketsError::NotFound)?;
    let id = verify(&app.keys.rating, "rating", signed)
        .and_then(|id| id.parse::<i64>().ok())
        .ok_or(TicketsError::NotFound)?;
    Ok((signed.to_owned(), id))
}

fn render(
    app: &App,
    status: StatusCode,
    signed: &str,
    ticket: &Ticket,
    chosen: &'static str,
    state: &'static str,
) -> Result<Response, TicketsError> {
    let view = RateView {
        common: Common::new(&app.options.site_title, None),
        action: format!("/rate/{signed}"),
        subject: ticket.subject.clone(),
        number: ticket.id,
        chosen,
        state,
    };
    let mut resp = app.pages.render(status, "rate.html", &view)?;
    http::keep_token_out_of_referer(&mut resp);
    Ok(resp)
}

fn choice(text: &str) -> Option<bool> {
    match text {
        "good" => Some(true),
        "bad" => Some(false),
        _ => None,
    }
}

/// `GET /rate/{link}`.
pub async fn page(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (signed, id) = request_id(app, req)?;
    let request = app
        .db
        .rating_request(id)
        .await?
        .ok_or(TicketsError::NotFound)?;
    let chosen = match req.query_param("r").as_deref().and_then(choice) {
        Some(true) => "good",
        Some(false) => "bad",
        None => "",
    };
    let state = if request.rated { "already" } else { "form" };
    render(app, StatusCode::OK, &signed, &request.ticket, chosen, state)
}

/// `POST /rate/{link}`: 200 when recorded, 409 when this resolution was
/// rated already, 400 without a valid choice, 404 for a dead link.
pub async fn submit(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (signed, id) = request_id(app, req)?;
    if !csrf::same_origin(req, &app.origins) {
        return Err(CsrfError::ForeignOrigin.into());
    }
    let request = app
        .db
        .rating_request(id)
        .await?
        .ok_or(TicketsError::NotFound)?;
    let form = req.form();
    let Some(good) = choice(form.get("rating")) else {
        return render(
            app,
            StatusCode::BAD_REQUEST,
            &signed,
            &request.ticket,
            "",
            "invalid",
        );
    };
    let comment = clean_text(form.get("comment"), MAX_COMMENT_CHARS);
    let (status, state) = match app.db.rate(id, good, comment).await? {
        RateOutcome::Rated => (StatusCode::OK, "thanks"),
        RateOutcome::AlreadyRated => (StatusCode::CONFLICT, "already"),
        RateOutcome::Gone => return Err(TicketsError::NotFound),
    };
    render(app, status, &signed, &request.ticket, "", state)
}
