//! `GET /register`, `POST /register` and `GET /verify?token=`.
//!
//! Registration makes an unverified customer and mails a single-use link
//! (24 h). An address that already has an account gets the same answer on
//! screen and a mail to its owner instead (a fresh link while the account
//! is still unconfirmed, else a notice), so the form reveals nothing.

use hyper::StatusCode;
use serde::Serialize;

use super::{checked_session, with_cookie, Failure};
use crate::app::App;
use crate::auth::csrf::CsrfError;
use crate::auth::email::normalize_email;
use crate::auth::passwords::check_password_rules;
use crate::auth::rate_limit::{self, Action};
use crate::auth::sessions::ensure_session;
use crate::auth::tokens::{hash_token, looks_like_token, random_token};
use crate::auth::{current_session, Role, Session};
use crate::db::accounts::CreateAccountError;
use crate::db::mail::OutgoingMail;
use crate::db::now;
use crate::db::tokens::TokenPurpose;
use crate::http::{Req, Response};
use crate::pages::Common;

/// How long a verification link works, in seconds.
const VERIFY_TTL_SECS: i64 = 24 * 3600;

/// Errors of the registration family.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// Registration is switched off.
    #[error("registration is disabled")]
    Disabled,
    /// Failed CSRF check.
    #[error(transparent)]
    Csrf(#[from] CsrfError),
    /// Too many attempts.
    #[error("too many registrations")]
    RateLimited(u64),
    /// Store, hashing or template failure.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

impl From<RegisterError> for Failure {
    fn from(err: RegisterError) -> Self {
        match err {
            RegisterError::Disabled => Failure::NotFound,
            RegisterError::Csrf(e) => e.into(),
            RegisterError::RateLimited(retry_after) => Failure::TooManyRequests { retry_after },
            RegisterError::Unexpected(e) => Failure::Unexpected(e),
        }
    }
}

#[derive(Serialize, Default)]
struct RegisterView<'a> {
    #[serde(flatten)]
    common: Option<Common>,
    email: &'a str,
    email_error: Option<&'a str>,
    password_error: Option<String>,
}

#[derive(Serialize)]
struct DoneView<'a> {
    #[serde(flatten)]
    common: Common,
    email: &'a str,
}

#[derive(Serialize)]
struct VerifyView {
    #[serde(flatten)]
    common: Common,
    verified: bool,
}

fn render_form(
    app: &App,
    session: &Session,
    status: StatusCode,
    view: RegisterView<'_>,
) -> anyhow::Result<Response> {
    let view = RegisterView {
        common: Some(Common::new(&app.options.site_title, Some(session))),
        ..view
    };
    app.pages.render(status, "register.html", &view)
}

/// `GET /register`.
pub async fn form(app: &App, req: &Req) -> Result<Response, RegisterError> {
    if !app.options.config.allow_registration {
        return Err(RegisterError::Disabled);
    }
    let (session, set_cookie) = ensure_session(app, req).await?;
    let resp = render_form(app, &session, StatusCode::OK, RegisterView::default())?;
    Ok(with_cookie(resp, set_cookie))
}

/// `POST /register` (`email`, `password`, `csrf`).
pub async fn submit(app: &App, req: &Req) -> Result<Response, RegisterError> {
    if !app.options.config.allow_registration {
        return Err(RegisterError::Disabled);
    }
    let form = req.form();
    let session = current_session(app, req).await?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(wait) = rate_limit::hit_client(app, Action::Register, req.client).await? {
        return Err(RegisterError::RateLimited(wait));
    }
    let typed = form.get("email");
    let email = normalize_email(typed);
    let password = form.get("password");
    let password_error = check_password_rules(password, typed).err();
    let email = match (email, password_error) {
        (Ok(email), None) => email,
        (email, password_error) => {
            let view = RegisterView {
                email: typed,
                email_error: email.err(),
                password_error,
                ..RegisterView::default()
            };
            return Ok(render_form(app, &session, StatusCode::BAD_REQUEST, view)?);
        }
    };
    if let Some(wait) = rate_limit::hit_account(app, Action::Register, &email).await? {
        return Err(RegisterError::RateLimited(wait));
    }
    // Hash in every case so a taken address takes as long as a free one.
    let hash = app.passwords.hash(password.to_owned()).await?;
    match app
        .db
        .create_account(&email, &hash, Role::Customer, false)
        .await
    {
        Ok(account_id) => send_verification(app, account_id, &email).await?,
        Err(CreateAccountError::Taken) => {
            // An account still waiting for its confirmation gets a fresh
            // link (the only way to a new one once the first has expired
            // or was lost); its password stays as it was. Any other gets a
            // notice. The page is the same either way.
            match app.db.account_by_email(&email).await? {
                Some(account) if !account.verified && account.role == Role::Customer => {
                    send_verification(app, account.id, &email).await?;
                }
                _ => app.send_mail(already_registered_mail(app, &email)).await?,
            }
        }
        Err(CreateAccountError::Unexpected(e)) => return Err(e.into()),
    }
    let view = DoneView {
        common: Common::new(&app.options.site_title, Some(&session)),
        email: &email,
    };
    Ok(app
        .pages
        .render(StatusCode::OK, "register_done.html", &view)?)
}

/// Stores a new single-use verification token for `account_id` and mails
/// its link to `email`.
async fn send_verification(app: &App, account_id: i64, email: &str) -> Result<(), RegisterError> {
    let token = random_token()?;
    app.db
        .create_account_token(
            TokenPurpose::Verify,
            account_id,
            &hash_token(&token),
            now() + VERIFY_TTL_SECS,
        )
        .await?;
    app.send_mail(verification_mail(app, email, &token)).await?;
    Ok(())
}

fn verification_mail(app: &App, email: &str, token: &str) -> OutgoingMail {
    OutgoingMail {
        to: email.to_owned(),
        subject: format!("Confirm your address for {}", app.options.site_title),
        body: format!(
            "Hello,\n\nplease confirm your e-mail address by opening this link within 24 hours:\n\n{}\n\nIf you did not register, ignore this message.\n",
            app.url(&format!("/verify?token={token}"))
        ),
    }
}

fn already_registered_mail(app: &App, email: &str) -> OutgoingMail {
    OutgoingMail {
        to: email.to_owned(),
        subject: format!("Your account at {}", app.options.site_title),
        body: format!(
            "Hello,\n\nsomeone (perhaps you) tried to register this address, which already has an account.\nLog in at {} or reset your password at {}.\n\nIf this was not you, ignore this message; nothing was changed.\n",
            app.url("/login"),
            app.url("/password/forgot")
        ),
    }
}

/// `GET /verify?token=`: activates the account once.
pub async fn verify(app: &App, req: &Req) -> Result<Response, RegisterError> {
    let token = req.query_param("token").unwrap_or_default();
    let verified = if looks_like_token(&token) {
        app.db
            .use_verify_token(&hash_token(&token))
            .await?
            .is_some()
    } else {
        false
    };
    let session = current_session(app, req).await?;
    let view = VerifyView {
        common: Common::new(&app.options.site_title, session.as_ref()),
        verified,
    };
    let status = if verified {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(app.pages.render(status, "verify.html", &view)?)
}
