//! Request handlers, one file per resource. Each family has its own error
//! enum with an `Unexpected` variant; every error converts into a
//! [`Failure`], and [`Failure::status`] is the one place where failures
//! become status codes. Users see a plain page; the full error chain goes to
//! the log.

pub mod api;
pub mod canned;
pub mod contact;
pub mod counts;
pub mod email_change;
pub mod feedback;
pub mod files;
pub mod json_call;
pub mod login;
pub mod password;
pub mod profile;
pub mod register;
pub mod reports;
pub mod tickets;

use hyper::header;
use hyper::StatusCode;
use serde::Serialize;

use crate::app::App;
use crate::auth::csrf::{self, CsrfError};
use crate::auth::{current_session, CurrentUser, Role, Session};
use crate::http::{self, encode_query_value, Req, Response};
use crate::pages::Common;

/// Why a request could not be answered as asked.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Not signed in where an account is needed: 303 to the login page.
    #[error("sign-in required")]
    SignIn {
        /// Where to return after signing in.
        next: String,
    },
    /// Signed in, but not allowed; or a request from another origin.
    #[error("forbidden")]
    Forbidden,
    /// A form from this site whose token is missing or no longer the
    /// session's (it sat open too long, or the visitor signed in or out
    /// elsewhere): answered 403 with the form's fields to send again.
    #[error("form expired")]
    FormExpired,
    /// Nothing here (or nothing the visitor may know about).
    #[error("not found")]
    NotFound,
    /// Too many attempts.
    #[error("rate limited")]
    TooManyRequests {
        /// Seconds until the next attempt is allowed.
        retry_after: u64,
    },
    /// A bug or an outage: logged in full, shown as a plain 500.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl Failure {
    /// The status code of each failure: the one place they are mapped.
    pub fn status(&self) -> StatusCode {
        match self {
            Failure::SignIn { .. } => StatusCode::SEE_OTHER,
            Failure::Forbidden | Failure::FormExpired => StatusCode::FORBIDDEN,
            Failure::NotFound => StatusCode::NOT_FOUND,
            Failure::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Failure::Unexpected(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<CsrfError> for Failure {
    fn from(err: CsrfError) -> Self {
        tracing::info!("refused a state-changing request: {err}");
        match err {
            // The origin check passed: a form of ours, gone stale.
            CsrfError::NoSession | CsrfError::MissingToken | CsrfError::WrongToken => {
                Failure::FormExpired
            }
            CsrfError::ForeignOrigin => Failure::Forbidden,
        }
    }
}

#[derive(Serialize)]
struct ErrorView {
    #[serde(flatten)]
    common: Common,
    retry_after: u64,
}

/// The page of an expired form: what was typed, to send again.
#[derive(Serialize)]
struct ExpiredView<'a> {
    #[serde(flatten)]
    common: Common,
    /// Where the form posted.
    action: &'a str,
    /// The fields sent but the old token; passwords emptied.
    fields: Vec<FieldView<'a>>,
}

/// One field of an expired form.
#[derive(Serialize)]
struct FieldView<'a> {
    name: &'a str,
    value: &'a str,
    /// A password: shown empty, to be typed again.
    secret: bool,
}

/// Password fields: asked for again, never shown back.
const SECRET_FIELDS: &[&str] = &["password", "password_confirm"];

/// The expired-form page: the fields of the refused post (passwords
/// emptied) in a form with a fresh token for the same address. The request
/// came from this site (the origin check passed), so showing the fields
/// again gives nothing away, and nothing is sent until the visitor does.
async fn expired_form(app: &App, req: &Req) -> anyhow::Result<Response> {
    let (session, set_cookie) = crate::auth::sessions::ensure_session(app, req).await?;
    let form = req.form();
    let view = ExpiredView {
        common: Common::new(&app.options.site_title, Some(&session)),
        action: &req.path,
        fields: form
            .fields()
            .iter()
            .filter(|(name, _)| name != "csrf")
            .map(|(name, value)| {
                let secret = SECRET_FIELDS.contains(&name.as_str());
                FieldView {
                    name: name.as_str(),
                    value: if secret { "" } else { value.as_str() },
                    secret,
                }
            })
            .collect(),
    };
    let resp = app
        .pages
        .render(StatusCode::FORBIDDEN, "form_expired.html", &view)?;
    Ok(with_cookie(resp, set_cookie))
}

/// The response for a failure: a redirect to the login page, or the
/// theme's error page for the status.
pub async fn failure_response(app: &App, req: &Req, failure: Failure) -> Response {
    let status = failure.status();
    let template = match &failure {
        Failure::SignIn { next } => {
            return http::see_other(&format!("/login?next={}", encode_query_value(next)))
        }
        Failure::Forbidden => "403.html",
        Failure::FormExpired => match expired_form(app, req).await {
            Ok(resp) => return resp,
            Err(err) => {
                tracing::error!("cannot show an expired form again: {err:#}");
                "403.html"
            }
        },
        Failure::NotFound => "404.html",
        Failure::TooManyRequests { .. } => "429.html",
        Failure::Unexpected(err) => {
            tracing::error!(path = %req.path, "unexpected error: {err:#}");
            "500.html"
        }
    };
    let retry_after = match failure {
        Failure::TooManyRequests { retry_after } => retry_after,
        _ => 0,
    };
    // The header shows who is signed in; a store outage must not hide the page.
    let session = match &failure {
        Failure::Unexpected(_) => None,
        _ => current_session(app, req).await.ok().flatten(),
    };
    let view = ErrorView {
        common: Common::new(&app.options.site_title, session.as_ref()),
        retry_after,
    };
    let mut resp = app
        .pages
        .render(status, template, &view)
        .unwrap_or_else(|err| {
            tracing::error!("cannot render the {status} page: {err:#}");
            http::text(status, "Something went wrong. Please try again later.\n")
        });
    if retry_after > 0 {
        http::set_header(&mut resp, header::RETRY_AFTER, &retry_after.to_string());
    }
    resp
}

/// Why a page that needs an account was refused.
#[derive(Debug, thiserror::Error)]
pub enum AccessError {
    /// Nobody is signed in.
    #[error("sign-in required")]
    SignIn {
        /// The page asked for.
        next: String,
    },
    /// Someone with another role is signed in.
    #[error("wrong role")]
    Forbidden,
    /// Store failure.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<AccessError> for Failure {
    fn from(err: AccessError) -> Self {
        match err {
            AccessError::SignIn { next } => Failure::SignIn { next },
            AccessError::Forbidden => Failure::Forbidden,
            AccessError::Unexpected(e) => Failure::Unexpected(e),
        }
    }
}

/// The session of a signed-in account with `role`: anonymous visitors are
/// sent to sign in (and back here), others are refused.
pub async fn require_role(
    app: &App,
    req: &Req,
    role: Role,
) -> Result<(Session, CurrentUser), AccessError> {
    let session = current_session(app, req).await?;
    match session {
        Some(session) => match session.user.clone() {
            Some(user) if user.role == role => Ok((session, user)),
            Some(_) => Err(AccessError::Forbidden),
            None => Err(AccessError::SignIn { next: req.target() }),
        },
        None => Err(AccessError::SignIn { next: req.target() }),
    }
}

/// Where an account goes after signing in when no `next` was given.
pub fn home_of(role: Role) -> &'static str {
    match role {
        Role::Agent => "/agent/tickets",
        Role::Customer => "/my/tickets",
    }
}

/// The account a mailed single-use link is for while the link is usable
/// (`token` as the visitor sent it). Only looks: nothing is spent. Text
/// that cannot be a token is never looked up.
pub async fn account_of_link(
    app: &App,
    purpose: crate::db::tokens::TokenPurpose,
    token: &str,
) -> anyhow::Result<Option<crate::db::accounts::Account>> {
    if !crate::auth::tokens::looks_like_token(token) {
        return Ok(None);
    }
    app.db
        .peek_account_token(purpose, &crate::auth::tokens::hash_token(token))
        .await
}

/// Why a form of the sign-in pages (sign-in, registration, password reset)
/// was refused.
#[derive(Debug, thiserror::Error)]
pub enum FormError {
    /// The form is switched off (registration disabled): answered as 404.
    #[error("this form is switched off")]
    Disabled,
    /// Failed CSRF check.
    #[error(transparent)]
    Csrf(#[from] CsrfError),
    /// Too many attempts from this client or on this account.
    #[error("too many attempts")]
    RateLimited(u64),
    /// Store, hashing or template failure.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<FormError> for Failure {
    fn from(err: FormError) -> Self {
        match err {
            FormError::Disabled => Failure::NotFound,
            FormError::Csrf(e) => e.into(),
            FormError::RateLimited(retry_after) => Failure::TooManyRequests { retry_after },
            FormError::Unexpected(e) => Failure::Unexpected(e),
        }
    }
}

/// The form of a state-changing request from a signed-in page, once its
/// CSRF token and origin have been checked against `session`.
pub fn checked_form(app: &App, req: &Req, session: &Session) -> Result<http::Form, CsrfError> {
    let form = req.form();
    csrf::check(req, Some(session), form.get("csrf"), &app.origins)?;
    Ok(form)
}

/// Adds a `Set-Cookie` header when there is one to send.
pub fn with_cookie(mut resp: Response, set_cookie: Option<String>) -> Response {
    if let Some(value) = set_cookie {
        http::set_header(&mut resp, header::SET_COOKIE, &value);
    }
    resp
}

/// Runs [`csrf::check`] on a state-changing form and hands back the
/// session it was checked against. A request without a session fails the
/// check with [`CsrfError::NoSession`].
pub fn checked_session(
    app: &App,
    req: &Req,
    session: Option<Session>,
    form_token: &str,
) -> Result<Session, CsrfError> {
    csrf::check(req, session.as_ref(), form_token, &app.origins)?;
    session.ok_or(CsrfError::NoSession)
}
