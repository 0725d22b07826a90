//! Ticket links for customers without an account (or away from it):
//! `GET /my/tickets/link` and `POST /my/tickets/link` (`email`, `ref`) mail
//! a link `/t/{token}` when the address is the ticket's requester — and
//! answer the same whether or not it is, so the form reveals nothing.
//!
//! The lookup and the mail happen after the answer, so its timing does
//! not tell either. The token is 256 random bits, stored hashed, valid for
//! [`LINK_TTL_SECS`] and usable once. `GET /t/{token}` only shows a button
//! (so mail scanners that fetch links do not spend it); `POST /t/{token}`
//! spends it and hands the browser a grant in a cookie scoped to
//! `/t/{token}` (`HttpOnly`, `SameSite=Strict`), valid for
//! [`GRANT_TTL_SECS`]. With that cookie, `GET /t/{token}` shows the ticket
//! and `POST /t/{token}/reply` adds a reply; the reply form's CSRF token is
//! bound to the grant, and the `Origin` check applies as everywhere.

use cookie::{Cookie, SameSite};
use hyper::{header, StatusCode};
use serde::Serialize;
use subtle::ConstantTimeEq;

use super::conversation::{add_customer_reply, render_ticket, TicketPageView};
use super::{check_body, path_param, TicketsError};
use crate::app::{AfterAnswer, App};
use crate::auth::csrf::{self, CsrfError};
use crate::auth::current_session;
use crate::auth::email::normalize_email;
use crate::auth::rate_limit;
use crate::auth::sessions::ensure_session;
use crate::auth::tokens::{hash_token, looks_like_token, random_token};
use crate::db::now;
use crate::db::ticket_links::LinkGrant;
use crate::db::tickets::{parse_reference, Ticket};
use crate::handlers::{checked_session, with_cookie, Failure};
use crate::http::{self, Req, Response};
use crate::mail::notices::greeting_mail;
use crate::pages::Common;

/// How long a mailed link can be opened, in seconds.
pub const LINK_TTL_SECS: i64 = 30 * 60;
/// How long an opened link keeps working, in seconds.
pub const GRANT_TTL_SECS: i64 = 60 * 60;
/// The cookie holding an opened link's grant.
pub const GRANT_COOKIE: &str = "docket_ticket_link";

#[derive(Serialize)]
struct RequestView<'a> {
    #[serde(flatten)]
    common: Common,
    email: &'a str,
    reference: &'a str,
    sent: bool,
}

#[derive(Serialize)]
struct OpenView {
    #[serde(flatten)]
    common: Common,
    action: String,
}

/// `GET /my/tickets/link`.
pub async fn form(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, set_cookie) = ensure_session(app, req).await?;
    let view = RequestView {
        common: Common::new(&app.options.site_title, Some(&session)),
        email: "",
        reference: "",
        sent: false,
    };
    let resp = app
        .pages
        .render(StatusCode::OK, "ticket_link.html", &view)?;
    Ok(with_cookie(resp, set_cookie))
}

/// `POST /my/tickets/link` (`email`, `ref`, `csrf`): the same page whether
/// or not a link was mailed.
pub async fn request(app: &App, req: &Req) -> Result<Response, Failure> {
    let form = req.form();
    let session = current_session(app, req)
        .await
        .map_err(TicketsError::from)?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    let config = &app.options.config;
    let client_key = format!(
        "ticket_link:client:{}",
        rate_limit::client_bucket(req.client)
    );
    if let Some(retry_after) =
        rate_limit::hit_key(app, &client_key, config.rate_limit_per_client).await?
    {
        return Err(Failure::TooManyRequests { retry_after });
    }
    let email = normalize_email(form.get("email")).ok();
    let reference = parse_reference(form.get("ref"));
    if let (Some(email), Some(reference)) = (email, reference) {
        let address_key = format!("ticket_link:address:{email}");
        let limited = rate_limit::hit_key(app, &address_key, config.rate_limit_per_account).await?;
        // Over the limit the answer stays the same; only the mail is skipped.
        if limited.is_none() {
            app.spawn_after_answer(
                "mailing a ticket link",
                send_link(app.after_answer(), email, reference),
            );
        }
    }
    let view = RequestView {
        common: Common::new(&app.options.site_title, Some(&session)),
        email: "",
        reference: "",
        sent: true,
    };
    Ok(app
        .pages
        .render(StatusCode::OK, "ticket_link.html", &view)?)
}

/// Stores and mails a link when `email` is the requester of `reference`.
async fn send_link(job: AfterAnswer, email: String, reference: String) -> anyhow::Result<()> {
    let token = random_token()?;
    let ticket = job
        .db
        .create_ticket_link(
            &reference,
            &email,
            &hash_token(&token),
            now() + LINK_TTL_SECS,
        )
        .await?;
    if let Some(ticket) = ticket {
        let text = job.language_for(&ticket.requester, Some(ticket.id)).await;
        let url = job.url(&format!("/t/{token}"));
        job.send_mail(greeting_mail(
            &text,
            &ticket.requester,
            text.t(
                "mail.link_subject",
                &[
                    ("subject", &ticket.subject),
                    ("reference", &ticket.reference),
                ],
            ),
            &text.t(
                "mail.link_body",
                &[
                    ("subject", &ticket.subject),
                    ("minutes", &(LINK_TTL_SECS / 60)),
                    ("url", &url),
                ],
            ),
        ))
        .await?;
    }
    Ok(())
}

fn token_in_path<'a>(req: &'a Req, suffix: &str) -> Result<&'a str, TicketsError> {
    path_param(&req.path, "/t/", suffix)
        .filter(|t| looks_like_token(t))
        .ok_or(TicketsError::NotFound)
}

/// The ticket and reply CSRF token of the grant this request carries for
/// link `token`, if `token` looks like one (the file routes' entry).
pub(super) async fn granted_ticket(
    app: &App,
    req: &Req,
    token: &str,
) -> Result<Option<(Ticket, String)>, TicketsError> {
    if !looks_like_token(token) {
        return Ok(None);
    }
    granted(app, req, token).await
}

/// The ticket and reply CSRF token of the grant this request carries for
/// link `token`, if any.
async fn granted(
    app: &App,
    req: &Req,
    token: &str,
) -> Result<Option<(Ticket, String)>, TicketsError> {
    let Some(grant) = req.cookie(GRANT_COOKIE).filter(|g| looks_like_token(g)) else {
        return Ok(None);
    };
    Ok(app
        .db
        .ticket_by_link_grant(&hash_token(token), &hash_token(&grant))
        .await?)
}

/// `GET /t/{token}`: the ticket when this browser opened the link, a button
/// to open it when it is still unused, 404 otherwise.
pub async fn show(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let token = token_in_path(req, "")?;
    if let Some((ticket, csrf)) = granted(app, req, token).await? {
        let reopened = req.query_param("reopened").is_some();
        let replied = req.query_param("replied").is_some() || reopened;
        let common = Common::new(&app.options.site_title, None);
        let reply_action = format!("/t/{token}/reply");
        let mut resp = render_ticket(app, StatusCode::OK, &ticket, |t, messages| TicketPageView {
            common,
            ticket: t,
            messages,
            reply_action,
            form_csrf: csrf,
            reopened,
            replied,
            created: req.query_param("created").is_some(),
            solved: false,
            solve_action: None,
            allow_new_tickets: false,
            error: None,
            expired: false,
            file_error: None,
            draft: String::new(),
            via_link: true,
        })
        .await?;
        http::keep_token_out_of_referer(&mut resp);
        return Ok(resp);
    }
    if !app.db.ticket_link_usable(&hash_token(token)).await? {
        return Err(TicketsError::NotFound);
    }
    let view = OpenView {
        common: Common::new(&app.options.site_title, None),
        action: format!("/t/{token}"),
    };
    let mut resp = app
        .pages
        .render(StatusCode::OK, "ticket_link_open.html", &view)?;
    http::keep_token_out_of_referer(&mut resp);
    Ok(resp)
}

/// `POST /t/{token}`: spends the link and hands out the grant cookie.
pub async fn open(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let token = token_in_path(req, "")?;
    if !csrf::same_origin(req, &app.origins) {
        return Err(CsrfError::ForeignOrigin.into());
    }
    let grant = random_token()?;
    let opened = app
        .db
        .open_ticket_link(
            &hash_token(token),
            LinkGrant {
                grant_hash: hash_token(&grant),
                csrf_token: random_token()?,
                expires_at: now() + GRANT_TTL_SECS,
            },
        )
        .await?;
    if !opened {
        return Err(TicketsError::NotFound);
    }
    Ok(granted_redirect(app, token, &grant, ""))
}

/// The redirect to `/t/{token}{query}` that hands the browser the grant
/// cookie of an opened link.
fn granted_redirect(app: &App, token: &str, grant: &str, query: &str) -> Response {
    let path = format!("/t/{token}");
    let cookie = Cookie::build((GRANT_COOKIE, grant.to_owned()))
        .http_only(true)
        .same_site(SameSite::Strict)
        .path(path.clone())
        .secure(app.options.config.cookie_secure)
        .max_age(cookie::time::Duration::seconds(GRANT_TTL_SECS))
        .build()
        .to_string();
    let mut resp = http::see_other(&format!("{path}{query}"));
    http::set_header(&mut resp, header::SET_COOKIE, &cookie);
    resp
}

/// Opens `ticket` in this browser as a spent ticket link would (for the
/// confirmed contact request, whose mailed link stands in for one) and
/// goes there; `created` shows the "submitted" notice.
pub async fn open_for(app: &App, ticket: &Ticket, created: bool) -> Result<Response, TicketsError> {
    let token = random_token()?;
    let grant = random_token()?;
    let token_hash = hash_token(&token);
    app.db
        .create_ticket_link(
            &ticket.reference,
            &ticket.requester,
            &token_hash,
            now() + LINK_TTL_SECS,
        )
        .await?
        .ok_or(TicketsError::NotFound)?;
    let opened = app
        .db
        .open_ticket_link(
            &token_hash,
            LinkGrant {
                grant_hash: hash_token(&grant),
                csrf_token: random_token()?,
                expires_at: now() + GRANT_TTL_SECS,
            },
        )
        .await?;
    if !opened {
        return Err(TicketsError::NotFound);
    }
    let query = if created { "?created=1" } else { "" };
    Ok(granted_redirect(app, &token, &grant, query))
}

/// `POST /t/{token}/reply` (`body`, `csrf`): a reply as the requester.
pub async fn reply(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let token = token_in_path(req, "/reply")?;
    if !csrf::same_origin(req, &app.origins) {
        return Err(CsrfError::ForeignOrigin.into());
    }
    let form = req.form();
    let Some((ticket, csrf)) = granted(app, req, token).await? else {
        return Err(TicketsError::NotFound);
    };
    let sent = form.get("csrf");
    // A stale token (the page was opened before the link was opened
    // again): the page comes back with the text and the grant's token.
    let expired = sent.is_empty() || !bool::from(sent.as_bytes().ct_eq(csrf.as_bytes()));
    let checked = if expired {
        Err((None, None))
    } else {
        match (check_body(form.get("body")), req.files()) {
            (Ok(body), Ok(files)) => Ok((body, files)),
            (body, files) => Err((
                body.err(),
                files.err().map(|e| super::file_error_text(app, &e)),
            )),
        }
    };
    let (body, files) = match checked {
        Ok(found) => found,
        Err((error, file_error)) => {
            let status = if expired {
                StatusCode::FORBIDDEN
            } else {
                StatusCode::BAD_REQUEST
            };
            let common = Common::new(&app.options.site_title, None);
            let draft = form.get("body").to_owned();
            let reply_action = format!("/t/{token}/reply");
            return render_ticket(app, status, &ticket, |t, messages| TicketPageView {
                common,
                ticket: t,
                messages,
                reply_action,
                form_csrf: csrf,
                reopened: false,
                replied: false,
                created: false,
                solved: false,
                solve_action: None,
                allow_new_tickets: false,
                error,
                file_error,
                expired,
                draft,
                via_link: true,
            })
            .await;
        }
    };
    let (_, flag) =
        add_customer_reply(app, &ticket.reference, None, &ticket.requester, body, files).await?;
    Ok(http::see_other(&format!("/t/{token}?{flag}=1")))
}
