//! `GET`/`POST /register` and `GET`/`POST /verify`.
//!
//! Registration asks only for the e-mail address: it makes an unverified
//! customer without a password and mails a single-use link (24 h). An
//! address that already has an account gets the same answer on screen and
//! a mail to its owner instead (a fresh link while the account is still
//! unconfirmed, else a notice), so the form reveals nothing; all of that
//! happens after the answer, so its timing reveals nothing either.
//!
//! The link (`GET /verify?token=`) only shows a form and spends nothing, so
//! mail scanners and link previewers that fetch it change nothing. Posting
//! that form (`POST /verify`: token, new password and its confirmation,
//! CSRF token) is what verifies the address: whoever proves the mailbox
//! chooses the password, every session of the account ends, and the
//! verifier is signed in with a fresh session. An unverified account has no
//! password, so nobody can sign in to it before that.

use hyper::StatusCode;
use serde::Serialize;

use super::{account_of_link, checked_session, with_cookie, FormError};
use crate::app::{AfterAnswer, App};
use crate::auth::email::normalize_email;
use crate::auth::passwords::check_password_rules;
use crate::auth::rate_limit::{self, Action};
use crate::auth::sessions::{ensure_session, start_session};
use crate::auth::tokens::{hash_token, random_token};
use crate::auth::{current_session, CurrentUser, Role, Session};
use crate::db::accounts::{CreateAccountError, NO_PASSWORD_YET};
use crate::db::mail::OutgoingMail;
use crate::db::now;
use crate::db::tokens::TokenPurpose;
use crate::http::{self, Req, Response};
use crate::mail::notices::greeting_mail;
use crate::pages::Common;

/// How long a verification link works, in seconds.
const VERIFY_TTL_SECS: i64 = 24 * 3600;

#[derive(Serialize, Default)]
struct RegisterView<'a> {
    #[serde(flatten)]
    common: Option<Common>,
    email: &'a str,
    /// The catalog key of the address's problem.
    email_error: Option<&'static str>,
}

#[derive(Serialize)]
struct DoneView<'a> {
    #[serde(flatten)]
    common: Common,
    email: &'a str,
}

/// The verification page: the password form (`valid`), the confirmation
/// (`verified`), or neither (a dead link).
#[derive(Serialize)]
struct VerifyView<'a> {
    #[serde(flatten)]
    common: Common,
    token: &'a str,
    email: &'a str,
    valid: bool,
    verified: bool,
    /// The catalog key of the rule the password breaks.
    password_error: Option<&'static str>,
    /// The catalog key of the confirmation's problem.
    confirm_error: Option<&'static str>,
}

impl<'a> VerifyView<'a> {
    /// The page of a link that does not work (or no longer does).
    fn dead(app: &App, session: Option<&Session>) -> Self {
        Self {
            common: Common::new(&app.options.site_title, session),
            token: "",
            email: "",
            valid: false,
            verified: false,
            password_error: None,
            confirm_error: None,
        }
    }

    /// The password form of a working link for `email`.
    fn form(app: &App, session: &Session, token: &'a str, email: &'a str) -> Self {
        Self {
            token,
            email,
            valid: true,
            ..Self::dead(app, Some(session))
        }
    }
}

/// Renders the verification page; its URL may hold a live token, so it
/// never goes out in a `Referer`.
fn render_verify(app: &App, status: StatusCode, view: &VerifyView<'_>) -> anyhow::Result<Response> {
    let mut resp = app.pages.render(status, "verify.html", view)?;
    http::keep_token_out_of_referer(&mut resp);
    Ok(resp)
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
pub async fn form(app: &App, req: &Req) -> Result<Response, FormError> {
    if !app.options.config.allow_registration {
        return Err(FormError::Disabled);
    }
    let (session, set_cookie) = ensure_session(app, req).await?;
    let resp = render_form(app, &session, StatusCode::OK, RegisterView::default())?;
    Ok(with_cookie(resp, set_cookie))
}

/// `POST /register` (`email`, `csrf`; a `password` field is ignored).
pub async fn submit(app: &App, req: &Req) -> Result<Response, FormError> {
    if !app.options.config.allow_registration {
        return Err(FormError::Disabled);
    }
    let form = req.form();
    let session = current_session(app, req).await?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(wait) = rate_limit::hit_client(app, Action::Register, req.client).await? {
        return Err(FormError::RateLimited(wait));
    }
    let typed = form.get("email");
    let email = match normalize_email(typed) {
        Ok(email) => email,
        Err(problem) => {
            let view = RegisterView {
                email: typed,
                email_error: Some(problem.key()),
                ..RegisterView::default()
            };
            return Ok(render_form(app, &session, StatusCode::BAD_REQUEST, view)?);
        }
    };
    if let Some(wait) = rate_limit::hit_account(app, Action::Register, &email).await? {
        return Err(FormError::RateLimited(wait));
    }
    // The account, its link and the mail are made after the answer, so
    // that a free address and a taken one answer alike, in the same time.
    app.spawn_after_answer(
        "registration",
        register_address(app.after_answer(), email.clone()),
    );
    let view = DoneView {
        common: Common::new(&app.options.site_title, Some(&session)),
        email: &email,
    };
    Ok(app
        .pages
        .render(StatusCode::OK, "register_done.html", &view)?)
}

/// Makes the unverified account of `email` and mails its link; for a
/// taken address, mails a fresh link while the account is still
/// unconfirmed, else a notice.
async fn register_address(job: AfterAnswer, email: String) -> anyhow::Result<()> {
    // No password yet: whoever opens the mailed link chooses it.
    match job
        .db
        .create_account(&email, NO_PASSWORD_YET, Role::Customer, false)
        .await
    {
        Ok(account_id) => send_verification(&job, account_id, &email).await,
        Err(CreateAccountError::Taken) => {
            // An account still waiting for its confirmation gets a fresh
            // link (the only way to a new one once the first has expired
            // or was lost); whoever opens it sets the password. Any other
            // gets a notice.
            match job.db.account_by_email(&email).await? {
                Some(account) if !account.verified && account.role == Role::Customer => {
                    send_verification(&job, account.id, &email).await
                }
                _ => {
                    job.send_mail(already_registered_mail(&job, &email).await)
                        .await
                }
            }
        }
        Err(CreateAccountError::Unexpected(e)) => Err(e),
    }
}

/// Stores a new single-use verification token for `account_id` and mails
/// its link to `email`.
async fn send_verification(job: &AfterAnswer, account_id: i64, email: &str) -> anyhow::Result<()> {
    let token = random_token()?;
    job.db
        .create_account_token(
            TokenPurpose::Verify,
            account_id,
            &hash_token(&token),
            now() + VERIFY_TTL_SECS,
        )
        .await?;
    let text = job.language_for(email, None).await;
    let url = job.url(&format!("/verify?token={token}"));
    job.send_mail(greeting_mail(
        &text,
        email,
        text.t("mail.verify_subject", &[("site", &job.site_title)]),
        &text.t("mail.verify_body", &[("url", &url)]),
    ))
    .await
}

async fn already_registered_mail(job: &AfterAnswer, email: &str) -> OutgoingMail {
    let text = job.language_for(email, None).await;
    let (login, reset) = (job.url("/login"), job.url("/password/forgot"));
    greeting_mail(
        &text,
        email,
        text.t("mail.registered_subject", &[("site", &job.site_title)]),
        &text.t(
            "mail.registered_body",
            &[("login", &login), ("reset", &reset)],
        ),
    )
}

/// `GET /verify?token=`: the form that confirms the address and sets the
/// password. Opening it spends nothing.
pub async fn verify_form(app: &App, req: &Req) -> Result<Response, FormError> {
    let token = req.query_param("token").unwrap_or_default();
    let account = account_of_link(app, TokenPurpose::Verify, &token).await?;
    let (session, set_cookie) = ensure_session(app, req).await?;
    let resp = match &account {
        Some(account) => render_verify(
            app,
            StatusCode::OK,
            &VerifyView::form(app, &session, &token, &account.email),
        )?,
        None => render_verify(
            app,
            StatusCode::BAD_REQUEST,
            &VerifyView::dead(app, Some(&session)),
        )?,
    };
    Ok(with_cookie(resp, set_cookie))
}

/// `POST /verify` (`token`, `password`, `password_confirm`, `csrf`):
/// spends the token, sets the password, marks the address verified, ends
/// every session of the account and signs the verifier in.
pub async fn verify_submit(app: &App, req: &Req) -> Result<Response, FormError> {
    let form = req.form();
    let session = current_session(app, req).await?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(wait) = rate_limit::hit_client(app, Action::Reset, req.client).await? {
        return Err(FormError::RateLimited(wait));
    }
    let token = form.get("token");
    let account = account_of_link(app, TokenPurpose::Verify, token).await?;
    let Some(account) = account else {
        return Ok(render_verify(
            app,
            StatusCode::BAD_REQUEST,
            &VerifyView::dead(app, Some(&session)),
        )?);
    };
    let password = form.get("password");
    let password_error = check_password_rules(password, &account.email)
        .err()
        .map(|rule| rule.key());
    let confirm_error = (password_error.is_none() && form.get("password_confirm") != password)
        .then_some("auth.passwords_differ");
    if password_error.is_some() || confirm_error.is_some() {
        let view = VerifyView {
            password_error,
            confirm_error,
            ..VerifyView::form(app, &session, token, &account.email)
        };
        return Ok(render_verify(app, StatusCode::BAD_REQUEST, &view)?);
    }
    let hash = app.passwords.hash(password.to_owned()).await?;
    if app
        .db
        .use_verify_token(&hash_token(token), &hash)
        .await?
        .is_none()
    {
        return Ok(render_verify(
            app,
            StatusCode::BAD_REQUEST,
            &VerifyView::dead(app, Some(&session)),
        )?);
    }
    tracing::info!(
        account = account.id,
        "address verified; password set, sessions ended"
    );
    let user = CurrentUser {
        account_id: account.id,
        email: account.email,
        role: account.role,
        verified: true,
    };
    let started = start_session(app, Some(user), session.id).await?;
    let view = VerifyView {
        verified: true,
        ..VerifyView::dead(app, Some(&started.session))
    };
    let resp = render_verify(app, StatusCode::OK, &view)?;
    Ok(with_cookie(resp, Some(started.set_cookie)))
}
