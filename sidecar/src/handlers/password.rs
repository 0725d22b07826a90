//! `GET`/`POST /password/forgot` and `GET`/`POST /password/reset`.
//!
//! The forgot form answers the same whether or not the address has an
//! account, and in the same time (the lookup, the link and the mail come
//! after the answer); an existing one gets a single-use link valid for one
//! hour.
//! Setting a new password ends every session of the account.

use hyper::StatusCode;
use serde::Serialize;

use super::{account_of_link, checked_session, with_cookie, FormError};
use crate::app::{AfterAnswer, App};
use crate::auth::email::normalize_email;
use crate::auth::passwords::check_password_rules;
use crate::auth::rate_limit::{self, Action};
use crate::auth::sessions::ensure_session;
use crate::auth::tokens::{hash_token, random_token};
use crate::auth::{current_session, Session};
use crate::db::now;
use crate::db::tokens::TokenPurpose;
use crate::http::{self, Req, Response};
use crate::mail::notices::greeting_mail;
use crate::pages::Common;

/// How long a reset link works, in seconds.
const RESET_TTL_SECS: i64 = 3600;

#[derive(Serialize)]
struct ForgotView<'a> {
    #[serde(flatten)]
    common: Common,
    email: &'a str,
    /// The catalog key of the address's problem.
    email_error: Option<&'static str>,
}

#[derive(Serialize)]
struct ResetView<'a> {
    #[serde(flatten)]
    common: Common,
    token: &'a str,
    valid: bool,
    /// The catalog key of the rule the password breaks.
    password_error: Option<&'static str>,
}

#[derive(Serialize)]
struct PlainView {
    #[serde(flatten)]
    common: Common,
}

fn common(app: &App, session: Option<&Session>) -> Common {
    Common::new(&app.options.site_title, session)
}

/// `GET /password/forgot`.
pub async fn forgot_form(app: &App, req: &Req) -> Result<Response, FormError> {
    let (session, set_cookie) = ensure_session(app, req).await?;
    let view = ForgotView {
        common: common(app, Some(&session)),
        email: "",
        email_error: None,
    };
    let resp = app.pages.render(StatusCode::OK, "forgot.html", &view)?;
    Ok(with_cookie(resp, set_cookie))
}

/// `POST /password/forgot` (`email`, `csrf`).
pub async fn forgot_submit(app: &App, req: &Req) -> Result<Response, FormError> {
    let form = req.form();
    let session = current_session(app, req).await?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(wait) = rate_limit::hit_client(app, Action::Reset, req.client).await? {
        return Err(FormError::RateLimited(wait));
    }
    let typed = form.get("email");
    let email = match normalize_email(typed) {
        Ok(email) => email,
        Err(problem) => {
            let view = ForgotView {
                common: common(app, Some(&session)),
                email: typed,
                email_error: Some(problem.key()),
            };
            return Ok(app
                .pages
                .render(StatusCode::BAD_REQUEST, "forgot.html", &view)?);
        }
    };
    if let Some(wait) = rate_limit::hit_account(app, Action::Reset, &email).await? {
        return Err(FormError::RateLimited(wait));
    }
    // The lookup, the link and the mail happen after the answer, so that a
    // known and an unknown address answer alike, in the same time.
    app.spawn_after_answer(
        "mailing a reset link",
        mail_reset_link(app.after_answer(), email),
    );
    let view = PlainView {
        common: common(app, Some(&session)),
    };
    Ok(app
        .pages
        .render(StatusCode::OK, "forgot_done.html", &view)?)
}

/// Stores a reset link for the account of `email`, if there is one, and
/// mails it.
async fn mail_reset_link(job: AfterAnswer, email: String) -> anyhow::Result<()> {
    let Some(account) = job.db.account_by_email(&email).await? else {
        return Ok(());
    };
    let token = random_token()?;
    job.db
        .create_account_token(
            TokenPurpose::Reset,
            account.id,
            &hash_token(&token),
            now() + RESET_TTL_SECS,
        )
        .await?;
    let text = job.language_for(&account.email, None).await;
    let url = job.url(&format!("/password/reset?token={token}"));
    job.send_mail(greeting_mail(
        &text,
        &account.email,
        text.t("mail.reset_subject", &[("site", &job.site_title)]),
        &text.t("mail.reset_body", &[("url", &url)]),
    ))
    .await
}

/// `GET /password/reset?token=`: the new-password form, if the link works.
/// Opening it spends nothing; only the form's `POST` does.
pub async fn reset_form(app: &App, req: &Req) -> Result<Response, FormError> {
    let token = req.query_param("token").unwrap_or_default();
    let valid = account_of_link(app, TokenPurpose::Reset, &token)
        .await?
        .is_some();
    let (session, set_cookie) = ensure_session(app, req).await?;
    let view = ResetView {
        common: common(app, Some(&session)),
        token: if valid { &token } else { "" },
        valid,
        password_error: None,
    };
    let status = if valid {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut resp = app.pages.render(status, "reset.html", &view)?;
    http::keep_token_out_of_referer(&mut resp);
    Ok(with_cookie(resp, set_cookie))
}

/// `POST /password/reset` (`token`, `password`, `csrf`).
pub async fn reset_submit(app: &App, req: &Req) -> Result<Response, FormError> {
    let form = req.form();
    let session = current_session(app, req).await?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(wait) = rate_limit::hit_client(app, Action::Reset, req.client).await? {
        return Err(FormError::RateLimited(wait));
    }
    let token = form.get("token");
    let account = account_of_link(app, TokenPurpose::Reset, token).await?;
    let invalid = |app: &App| {
        let view = ResetView {
            common: common(app, Some(&session)),
            token: "",
            valid: false,
            password_error: None,
        };
        app.pages
            .render(StatusCode::BAD_REQUEST, "reset.html", &view)
    };
    let Some(account) = account else {
        return Ok(invalid(app)?);
    };
    let password = form.get("password");
    if let Err(rule) = check_password_rules(password, &account.email) {
        let view = ResetView {
            common: common(app, Some(&session)),
            token,
            valid: true,
            password_error: Some(rule.key()),
        };
        return Ok(app
            .pages
            .render(StatusCode::BAD_REQUEST, "reset.html", &view)?);
    }
    let hash = app.passwords.hash(password.to_owned()).await?;
    if app
        .db
        .use_reset_token(&hash_token(token), &hash)
        .await?
        .is_none()
    {
        return Ok(invalid(app)?);
    }
    tracing::info!(account = account.id, "password reset; sessions ended");
    let session = current_session(app, req).await?;
    let view = PlainView {
        common: common(app, session.as_ref()),
    };
    Ok(app.pages.render(StatusCode::OK, "reset_done.html", &view)?)
}
