//! `/my/profile`: an account's own page, for customers and agents alike.
//! The preferred language (used by the portal at sign-in and for mail),
//! a new password (which ends every other session), "sign out
//! everywhere else" and, for customers, deleting the account. Every change is a CSRF-checked `POST` that answers
//! with a redirect back to the page and a notice.

use hyper::StatusCode;
use serde::Serialize;

use super::{checked_form, with_cookie, Failure, FormError};
use crate::app::App;
use crate::auth::passwords::check_password_rules;
use crate::auth::rate_limit::{self, Action};
use crate::auth::sessions::{clear_session_cookie, start_session};
use crate::auth::{current_session, CurrentUser, Role, Session};
use crate::http::{self, Req, Response};
use crate::pages::Common;

/// One entry of the language menu.
#[derive(Serialize)]
struct LanguageOption {
    code: String,
    name: String,
    selected: bool,
}

/// The account page's view.
#[derive(Serialize)]
pub(super) struct ProfileView<'a> {
    #[serde(flatten)]
    common: Common,
    email: &'a str,
    languages: Vec<LanguageOption>,
    /// What was just changed: `language`, `password` or `everywhere`.
    done: Option<&'static str>,
    /// Sessions ended by "sign out everywhere else".
    ended: usize,
    /// The current password was wrong.
    current_error: bool,
    /// The catalog key of the rule the new password breaks.
    password_error: Option<&'static str>,
    /// The password given to delete the account was wrong.
    delete_error: bool,
    /// Why the address change was refused: `invalid`, `same` or
    /// `password`.
    pub(super) email_error: Option<&'static str>,
}

/// The signed-in account, or a redirect to sign in and come back.
pub(super) async fn signed_in(app: &App, req: &Req) -> Result<(Session, CurrentUser), Failure> {
    let session = current_session(app, req).await?;
    match session.and_then(|s| s.user.clone().map(|u| (s, u))) {
        Some(found) => Ok(found),
        None => Err(Failure::SignIn {
            next: "/my/profile".to_owned(),
        }),
    }
}

/// The page as it stands for `user`, before any message.
async fn view<'a>(
    app: &App,
    session: &Session,
    user: &'a CurrentUser,
) -> Result<ProfileView<'a>, Failure> {
    let chosen = app
        .db
        .account_by_id(user.account_id)
        .await?
        .and_then(|a| a.language)
        .or_else(crate::language::current)
        .unwrap_or_default();
    let languages = app
        .languages
        .named()
        .map(|(code, name)| LanguageOption {
            code: code.to_owned(),
            name: name.to_owned(),
            selected: code == chosen,
        })
        .collect();
    Ok(ProfileView {
        common: Common::new(&app.options.site_title, Some(session)),
        email: &user.email,
        languages,
        done: None,
        ended: 0,
        current_error: false,
        password_error: None,
        delete_error: false,
        email_error: None,
    })
}

/// Counts a guess of the account's password from this client, like a
/// sign-in attempt; refused (429) over the limit.
pub(super) async fn guess_allowed(app: &App, req: &Req, user: &CurrentUser) -> Result<(), Failure> {
    match rate_limit::hit_account_from(app, Action::Login, &user.email, req.client).await? {
        Some(wait) => Err(FormError::RateLimited(wait).into()),
        None => Ok(()),
    }
}

/// Whether `given` is the account's current password (Argon2, off the
/// runtime).
pub(super) async fn current_password_matches(
    app: &App,
    user: &CurrentUser,
    given: &str,
) -> Result<bool, Failure> {
    let stored = app
        .db
        .account_by_id(user.account_id)
        .await?
        .map(|a| a.password_hash);
    Ok(app.passwords.verify(given.to_owned(), stored).await?)
}

/// The page again with a message set by `tweak`, answered 400.
pub(super) async fn profile_error(
    app: &App,
    session: &Session,
    user: &CurrentUser,
    tweak: impl FnOnce(&mut ProfileView<'_>),
) -> Result<Response, Failure> {
    let mut view = view(app, session, user).await?;
    tweak(&mut view);
    Ok(app
        .pages
        .render(StatusCode::BAD_REQUEST, "profile.html", &view)?)
}

/// `GET /my/profile[?done=language|password|everywhere|email[&ended=N]]`.
pub async fn page(app: &App, req: &Req) -> Result<Response, Failure> {
    let (session, user) = signed_in(app, req).await?;
    let mut view = view(app, &session, &user).await?;
    view.done = match req.query_param("done").as_deref() {
        Some("language") => Some("language"),
        Some("password") => Some("password"),
        Some("everywhere") => Some("everywhere"),
        Some("email") => Some("email"),
        _ => None,
    };
    view.ended = req
        .query_param("ended")
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    Ok(app.pages.render(StatusCode::OK, "profile.html", &view)?)
}

/// `POST /my/profile/language` (`language`, `csrf`): saves the preference
/// and switches the portal to it at once (the language cookie).
pub async fn set_language(app: &App, req: &Req) -> Result<Response, Failure> {
    let (session, user) = signed_in(app, req).await?;
    let form = checked_form(app, req, &session)?;
    let Some(code) = app.languages.known(form.get("language")).map(str::to_owned) else {
        return Err(Failure::NotFound);
    };
    app.db
        .set_account_language(user.account_id, Some(code.clone()))
        .await?;
    let mut resp = http::see_other("/my/profile?done=language");
    crate::language::remember(&mut resp, &code, app.options.config.cookie_secure);
    Ok(resp)
}

/// `POST /my/profile/password` (`current_password`, `password`, `csrf`):
/// the current password must be right (rate-limited like sign-in); the
/// new one follows the usual rules. Every session of the account ends,
/// this one is replaced by a fresh one.
pub async fn change_password(app: &App, req: &Req) -> Result<Response, Failure> {
    let (session, user) = signed_in(app, req).await?;
    let form = checked_form(app, req, &session)?;
    guess_allowed(app, req, &user).await?;
    let right = current_password_matches(app, &user, form.get("current_password")).await?;
    let password = form.get("password");
    let rules = check_password_rules(password, &user.email)
        .err()
        .map(|rule| rule.key());
    if !right || rules.is_some() {
        let mut view = view(app, &session, &user).await?;
        view.current_error = !right;
        view.password_error = rules;
        return Ok(app
            .pages
            .render(StatusCode::BAD_REQUEST, "profile.html", &view)?);
    }
    rate_limit::clear_account_from(app, Action::Login, &user.email, req.client).await?;
    let hash = app.passwords.hash(password.to_owned()).await?;
    app.db
        .set_password_and_end_sessions(user.account_id, &hash)
        .await?;
    let started = start_session(app, Some(user), None).await?;
    Ok(with_cookie(
        http::see_other("/my/profile?done=password"),
        Some(started.set_cookie),
    ))
}

/// `POST /my/profile/sessions` (`csrf`): ends every other session of the
/// account; this one stays.
pub async fn end_other_sessions(app: &App, req: &Req) -> Result<Response, Failure> {
    let (session, user) = signed_in(app, req).await?;
    checked_form(app, req, &session)?;
    let ended = app
        .db
        .end_other_sessions(user.account_id, session.id)
        .await?;
    Ok(http::see_other(&format!(
        "/my/profile?done=everywhere&ended={ended}"
    )))
}

/// `POST /my/profile/delete` (`current_password`, `confirm=yes`, `csrf`):
/// a customer deletes their account (agents are removed by an
/// administrator). The password is checked (rate-limited like sign-in);
/// then the account is erased ([`crate::db::Db::erase_account`]), the
/// session cookie cleared and a confirmation shown.
pub async fn delete_account(app: &App, req: &Req) -> Result<Response, Failure> {
    let (session, user) = signed_in(app, req).await?;
    let form = checked_form(app, req, &session)?;
    if user.role != Role::Customer {
        return Err(Failure::Forbidden);
    }
    guess_allowed(app, req, &user).await?;
    let right = current_password_matches(app, &user, form.get("current_password")).await?;
    if !right || form.get("confirm") != "yes" {
        let mut view = view(app, &session, &user).await?;
        view.delete_error = !right;
        return Ok(app
            .pages
            .render(StatusCode::BAD_REQUEST, "profile.html", &view)?);
    }
    app.db.erase_account(user.account_id, &user.email).await?;
    tracing::info!(
        account = user.account_id,
        "account deleted at its owner's request"
    );
    let view = DeletedView {
        common: Common::new(&app.options.site_title, None),
    };
    let mut resp = app
        .pages
        .render(StatusCode::OK, "profile_deleted.html", &view)?;
    http::set_header(
        &mut resp,
        hyper::header::SET_COOKIE,
        &clear_session_cookie(app.options.config.cookie_secure),
    );
    Ok(resp)
}

#[derive(Serialize)]
struct DeletedView {
    #[serde(flatten)]
    common: Common,
}
