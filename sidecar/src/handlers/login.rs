//! `GET /login`, `POST /login` and `POST /logout`.
//!
//! A wrong password and an unknown address get the same 401 after the same
//! Argon2 work (unknown addresses are checked against a dummy hash). An
//! account whose address is not verified yet cannot sign in: it has no
//! password until the verification page sets one, and it is answered like
//! an unknown address. A successful login replaces the session: new cookie
//! token, new CSRF token.

use hyper::{header, StatusCode};
use serde::Serialize;

use super::{checked_session, home_of, with_cookie, FormError};
use crate::app::App;
use crate::auth::email::normalize_email;
use crate::auth::rate_limit::{self, Action};
use crate::auth::sessions::{clear_session_cookie, ensure_session, start_session};
use crate::auth::{current_session, CurrentUser, Session};
use crate::http::{self, is_safe_next, Req, Response};
use crate::pages::Common;

#[derive(Serialize)]
struct LoginView<'a> {
    #[serde(flatten)]
    common: Common,
    email: &'a str,
    next: &'a str,
    /// The catalog key of the refusal.
    error: Option<&'static str>,
    /// Just signed out (`?signed_out=1` after `POST /logout`).
    signed_out: bool,
}

fn safe_next(next: &str) -> &str {
    if is_safe_next(next) {
        next
    } else {
        ""
    }
}

/// `GET /login[?next=]`: the form; someone already signed in goes on.
pub async fn form(app: &App, req: &Req) -> Result<Response, FormError> {
    let next_param = req.query_param("next").unwrap_or_default();
    let next = safe_next(&next_param);
    let (session, set_cookie) = ensure_session(app, req).await?;
    if let Some(user) = &session.user {
        return Ok(http::see_other(if next.is_empty() {
            home_of(user.role)
        } else {
            next
        }));
    }
    let view = LoginView {
        signed_out: req.query_param("signed_out").is_some(),
        ..LoginView::new(app, &session, next)
    };
    let resp = app.pages.render(StatusCode::OK, "login.html", &view)?;
    Ok(with_cookie(resp, set_cookie))
}

impl<'a> LoginView<'a> {
    /// The empty form for `session`, going on to `next` once signed in.
    fn new(app: &App, session: &Session, next: &'a str) -> Self {
        Self {
            common: Common::new(&app.options.site_title, Some(session)),
            email: "",
            next,
            error: None,
            signed_out: false,
        }
    }
}

/// `POST /login` (`email`, `password`, `next`, `csrf`).
pub async fn submit(app: &App, req: &Req) -> Result<Response, FormError> {
    let form = req.form();
    let session = current_session(app, req).await?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(wait) = rate_limit::hit_client(app, Action::Login, req.client).await? {
        return Err(FormError::RateLimited(wait));
    }
    let email = normalize_email(form.get("email")).ok();
    if let Some(email) = &email {
        if let Some(wait) =
            rate_limit::hit_account_from(app, Action::Login, email, req.client).await?
        {
            return Err(FormError::RateLimited(wait));
        }
    }
    let account = match &email {
        Some(email) => app.db.account_by_email(email).await?,
        None => None,
    };
    // An unverified account has no password of its own yet (it is chosen
    // on the verification page) and may not sign in: it is checked like an
    // unknown address, against the dummy hash, and gets the same answer.
    let account = account.filter(|a| a.verified);
    let stored_hash = account.as_ref().map(|a| a.password_hash.clone());
    let matches = app
        .passwords
        .verify(form.get("password").to_owned(), stored_hash)
        .await?;
    let next = safe_next(form.get("next"));
    let Some(account) = account.filter(|_| matches) else {
        let view = LoginView {
            email: form.get("email"),
            error: Some("auth.wrong_login"),
            ..LoginView::new(app, &session, next)
        };
        return Ok(app
            .pages
            .render(StatusCode::UNAUTHORIZED, "login.html", &view)?);
    };
    rate_limit::clear_account_from(app, Action::Login, &account.email, req.client).await?;
    // The account's language follows it to every device it signs in on.
    let language = account
        .language
        .as_deref()
        .and_then(|l| app.languages.known(l))
        .map(str::to_owned);
    let user = CurrentUser {
        account_id: account.id,
        email: account.email,
        role: account.role,
        verified: account.verified,
    };
    let target = if next.is_empty() {
        home_of(user.role)
    } else {
        next
    };
    let target = target.to_owned();
    let started = start_session(app, Some(user), session.id).await?;
    tracing::info!(
        account = started.session.user.as_ref().map(|u| u.account_id),
        "signed in"
    );
    let mut resp = with_cookie(http::see_other(&target), Some(started.set_cookie));
    if let Some(language) = language {
        crate::language::remember(&mut resp, &language, app.options.config.cookie_secure);
    }
    Ok(resp)
}

/// `POST /logout` (`csrf`): deletes the session in the store and the
/// cookie, then goes to the help center's front page (the login page when
/// the sidecar serves no public bundle) with `?signed_out=1`, which both
/// pages turn into a "You are signed out" notice.
pub async fn logout(app: &App, req: &Req) -> Result<Response, FormError> {
    let form = req.form();
    let session = current_session(app, req).await?;
    // `csrf::check` already refuses a request without a session.
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(id) = session.id {
        app.db.delete_session(id).await?;
    }
    let target = if app.options.config.serve_public {
        "/?signed_out=1"
    } else {
        "/login?signed_out=1"
    };
    let mut resp = http::see_other(target);
    http::set_header(
        &mut resp,
        header::SET_COOKIE,
        &clear_session_cookie(app.options.config.cookie_secure),
    );
    Ok(resp)
}
