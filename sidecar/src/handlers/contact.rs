//! Contact without an account (`[sidecar] allow_anonymous_requests`,
//! default on): `GET /contact`, `POST /contact` (`name`, `email`,
//! `subject`, `body`, `csrf`, and `website`, a honeypot people never see)
//! stores the request and mails a link `/contact/confirm/{token}`; the
//! request becomes a ticket only when that link is confirmed
//! (`POST /contact/confirm/{token}`), so nobody opens tickets in someone
//! else's name. The same link then opens the ticket for
//! [`KEEP_LINK_SECS`], so the mail doubles as the acknowledgement. The
//! form answers the same whether or not a mail went out (per-address
//! limit); a client over its limit gets 429.

use hyper::StatusCode;
use serde::Serialize;

use super::json_call::clean_text;
use super::tickets::conversation::customer_message;
use super::tickets::link::open_for;
use super::tickets::{check_body, check_subject, notify_agents, path_param, TicketsError};
use super::{checked_session, with_cookie, Failure};
use crate::app::{AfterAnswer, App};
use crate::auth::csrf::{self, CsrfError};
use crate::auth::email::normalize_email;
use crate::auth::sessions::ensure_session;
use crate::auth::tokens::{hash_token, looks_like_token, random_token};
use crate::auth::{current_session, rate_limit, visitor, Role};
use crate::db::contact::NewContactRequest;
use crate::db::mail::OutgoingMail;
use crate::db::now;
use crate::http::{self, Req, Response};
use crate::mail::notices::AUTO_GENERATED;
use crate::pages::Common;

/// How long an unconfirmed request waits, in seconds.
pub const CONFIRM_TTL_SECS: i64 = 24 * 60 * 60;
/// How long the link keeps opening the ticket after confirming, in seconds.
pub const KEEP_LINK_SECS: i64 = 7 * 24 * 60 * 60;
/// Longest name, in characters.
const MAX_NAME_CHARS: usize = 100;

#[derive(Serialize, Default)]
struct Fields {
    name: String,
    email: String,
    subject: String,
    body: String,
}

/// The catalog key of each field's problem.
#[derive(Serialize, Default)]
struct Errors {
    name: Option<&'static str>,
    email: Option<&'static str>,
    subject: Option<&'static str>,
    body: Option<&'static str>,
}

#[derive(Serialize)]
struct FormView {
    #[serde(flatten)]
    common: Common,
    fields: Fields,
    errors: Errors,
    invalid: bool,
    sent: bool,
}

#[derive(Serialize)]
struct ConfirmView {
    #[serde(flatten)]
    common: Common,
    action: String,
    confirmed: bool,
}

fn enabled(app: &App) -> Result<(), TicketsError> {
    if app.options.config.allow_anonymous_requests {
        Ok(())
    } else {
        Err(TicketsError::NotFound)
    }
}

/// `GET /contact[?subject=&body=]`; a signed-in customer who may open
/// tickets — and everyone while `allow_anonymous_requests` is off — is
/// sent to `/my/tickets/new` with the same query (which asks to sign in).
pub async fn form(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let to_new_ticket = || {
        let query = req.query.as_deref().map(|q| format!("?{q}"));
        http::see_other(&format!("/my/tickets/new{}", query.unwrap_or_default()))
    };
    if !app.options.config.allow_anonymous_requests {
        return Ok(to_new_ticket());
    }
    let (session, set_cookie) = ensure_session(app, req).await?;
    if let Some(user) = session.user.as_ref() {
        if user.role == Role::Customer && super::tickets::customer::can_open_tickets(app, user) {
            return Ok(to_new_ticket());
        }
    }
    let fields = Fields {
        subject: req.query_param("subject").unwrap_or_default(),
        body: req.query_param("body").unwrap_or_default(),
        ..Fields::default()
    };
    let view = FormView {
        common: Common::new(&app.options.site_title, Some(&session)),
        fields,
        errors: Errors::default(),
        invalid: false,
        sent: false,
    };
    let resp = app.pages.render(StatusCode::OK, "contact.html", &view)?;
    Ok(with_cookie(resp, set_cookie))
}

/// `POST /contact`.
pub async fn submit(app: &App, req: &Req) -> Result<Response, Failure> {
    enabled(app)?;
    let form = req.form();
    let session = current_session(app, req)
        .await
        .map_err(TicketsError::from)?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(retry_after) = visitor::hit(app, "contact", req.client).await? {
        return Err(Failure::TooManyRequests { retry_after });
    }
    let common = Common::new(&app.options.site_title, Some(&session));
    let sent_page = |common| {
        let view = FormView {
            common,
            fields: Fields::default(),
            errors: Errors::default(),
            invalid: false,
            sent: true,
        };
        app.pages.render(StatusCode::OK, "contact.html", &view)
    };
    // A bot fills every field; people never see this one.
    if !form.get("website").is_empty() {
        tracing::info!("contact form: honeypot filled, nothing stored");
        return Ok(sent_page(common)?);
    }
    let name = clean_text(form.get("name"), MAX_NAME_CHARS).filter(|n| !n.contains('\n'));
    let email = normalize_email(form.get("email"));
    let subject = check_subject(form.get("subject"));
    let body = check_body(form.get("body"));
    let (Some(name), Ok(email), Ok(subject), Ok(body)) = (&name, &email, &subject, &body) else {
        let view = FormView {
            common,
            fields: Fields {
                name: form.get("name").to_owned(),
                email: form.get("email").to_owned(),
                subject: form.get("subject").to_owned(),
                body: form.get("body").to_owned(),
            },
            errors: Errors {
                name: name.is_none().then_some("contact.name_missing"),
                email: email.as_ref().err().map(|e| e.key()),
                subject: subject.as_ref().err().copied(),
                body: body.as_ref().err().copied(),
            },
            invalid: true,
            sent: false,
        };
        return Ok(app
            .pages
            .render(StatusCode::BAD_REQUEST, "contact.html", &view)?);
    };
    let address_key = format!("contact:address:{email}");
    let limit = app.options.config.rate_limit_per_account;
    // Over the per-address limit the answer stays the same; no mail goes out.
    if rate_limit::hit_key(app, &address_key, limit)
        .await?
        .is_none()
    {
        let request = NewContactRequest {
            token_hash: String::new(),
            name: name.clone(),
            email: email.clone(),
            subject: subject.clone(),
            body: body.clone(),
            expires_at: now() + CONFIRM_TTL_SECS,
            language: crate::language::current(),
        };
        app.spawn_after_answer(
            "mailing a contact confirmation",
            send_confirmation(app.after_answer(), request),
        );
    }
    Ok(sent_page(common)?)
}

/// Stores the request under a fresh token and mails the link.
async fn send_confirmation(job: AfterAnswer, request: NewContactRequest) -> anyhow::Result<()> {
    let token = random_token()?;
    let url = job.url(&format!("/contact/confirm/{token}"));
    let text = job.language_for(&request.email, None).await;
    let body = format!(
        "{}\n\n{}\n",
        text.t("mail.contact_hello", &[("name", &request.name)]),
        text.t(
            "mail.contact_body",
            &[
                ("site", &job.site_title),
                ("subject", &request.subject),
                ("hours", &(CONFIRM_TTL_SECS / 3600)),
                ("url", &url),
                ("days", &(KEEP_LINK_SECS / 86_400)),
            ],
        )
    );
    let mut mail = OutgoingMail::plain(
        request.email.clone(),
        text.t("mail.contact_subject", &[("subject", &request.subject)]),
        body,
    );
    mail.auto_submitted = Some(AUTO_GENERATED.to_owned());
    job.db
        .create_contact_request(NewContactRequest {
            token_hash: hash_token(&token),
            ..request
        })
        .await?;
    job.send_mail(mail).await
}

fn token_in_path(req: &Req) -> Result<&str, TicketsError> {
    path_param(&req.path, "/contact/confirm/", "")
        .filter(|t| looks_like_token(t))
        .ok_or(TicketsError::NotFound)
}

/// `GET /contact/confirm/{token}`: a button (so mail scanners that fetch
/// links confirm nothing); 404 when the link is unknown or expired.
pub async fn confirm_page(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let token = token_in_path(req)?;
    let confirmed = app
        .db
        .contact_request_state(&hash_token(token))
        .await?
        .ok_or(TicketsError::NotFound)?;
    let view = ConfirmView {
        common: Common::new(&app.options.site_title, None),
        action: format!("/contact/confirm/{token}"),
        confirmed,
    };
    let mut resp = app
        .pages
        .render(StatusCode::OK, "contact_confirm.html", &view)?;
    http::keep_token_out_of_referer(&mut resp);
    Ok(resp)
}

/// `POST /contact/confirm/{token}`: the first time, opens the ticket and
/// tells the agents; every time, opens the ticket in this browser (a
/// ticket-link grant) and goes there.
pub async fn confirm(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let token = token_in_path(req)?;
    if !csrf::same_origin(req, &app.origins) {
        return Err(CsrfError::ForeignOrigin.into());
    }
    let first = customer_message(None, "", String::new(), Vec::new());
    let confirmed = app
        .db
        .confirm_contact_request(&hash_token(token), now() + KEEP_LINK_SECS, first)
        .await?
        .ok_or(TicketsError::NotFound)?;
    if confirmed.created {
        let body = app
            .db
            .messages(confirmed.ticket.id, false)
            .await?
            .into_iter()
            .next()
            .map(|m| m.body)
            .unwrap_or_default();
        notify_agents(app, &confirmed.ticket, &body, &[], true).await;
    }
    open_for(app, &confirmed.ticket, confirmed.created).await
}
