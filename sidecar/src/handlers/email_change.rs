//! Changing an account's e-mail address from `/my/profile`. The change
//! takes effect only when the link mailed to the new address is used, so
//! nobody can move an account to a mailbox they do not read, or claim an
//! address that is not theirs; the old address is told. Opening the link
//! spends nothing (mail scanners open links); its form's `POST` does.
//! Confirming moves the account's tickets to the new address and ends
//! every session of the account.

use hyper::StatusCode;
use serde::Serialize;

use super::profile::{current_password_matches, guess_allowed, profile_error, signed_in};
use super::{checked_session, with_cookie, Failure, FormError};
use crate::app::App;
use crate::auth::current_session;
use crate::auth::email::normalize_email;
use crate::auth::rate_limit::{self, Action};
use crate::auth::sessions::{clear_session_cookie, ensure_session};
use crate::auth::tokens::{hash_token, looks_like_token, random_token};
use crate::db::email_changes::ChangeOutcome;
use crate::db::now;
use crate::http::{self, Req, Response};
use crate::mail::notices::greeting_mail;
use crate::pages::Common;

/// How long the link mailed to the new address works: a day.
const CHANGE_TTL_SECS: i64 = 24 * 3600;

/// `POST /my/profile/email` (`new_email`, `current_password`, `csrf`).
/// Answers the same whether or not the new address has an account: that
/// address gets either the link or a note that it is taken.
pub async fn request(app: &App, req: &Req) -> Result<Response, Failure> {
    let (session, user) = signed_in(app, req).await?;
    let form = super::checked_form(app, req, &session)?;
    guess_allowed(app, req, &user).await?;
    let new_email = match normalize_email(form.get("new_email")) {
        Ok(email) if email == user.email => {
            return profile_error(app, &session, &user, |v| v.email_error = Some("same")).await
        }
        Ok(email) => email,
        Err(_) => {
            return profile_error(app, &session, &user, |v| v.email_error = Some("invalid")).await
        }
    };
    let right = current_password_matches(app, &user, form.get("current_password")).await?;
    if !right {
        return profile_error(app, &session, &user, |v| v.email_error = Some("password")).await;
    }
    rate_limit::clear_account_from(app, Action::Login, &user.email, req.client).await?;
    // Mails to one address are limited like reset links.
    if let Some(wait) = rate_limit::hit_account(app, Action::Reset, &new_email).await? {
        return Err(FormError::RateLimited(wait).into());
    }
    let site = &app.options.site_title;
    if app.db.account_by_email(&new_email).await?.is_some() {
        // Another person's account: written in its language.
        let text = app.mail_text(&new_email, None, false).await;
        app.send_mail(greeting_mail(
            &text,
            &new_email,
            text.t("mail.email_taken_subject", &[("site", site)]),
            &text.t("mail.email_taken_body", &[("site", site)]),
        ))
        .await?;
    } else {
        let token = random_token()?;
        app.db
            .request_email_change(
                user.account_id,
                &new_email,
                &hash_token(&token),
                now() + CHANGE_TTL_SECS,
            )
            .await?;
        // For the account's owner: in its language.
        let text = app.mail_text(&user.email, None, true).await;
        let url = app.url(&format!("/my/profile/email/confirm?token={token}"));
        app.send_mail(greeting_mail(
            &text,
            &new_email,
            text.t("mail.email_confirm_subject", &[("site", site)]),
            &text.t("mail.email_confirm_body", &[("site", site), ("url", &url)]),
        ))
        .await?;
    }
    let text = app.mail_text(&user.email, None, true).await;
    app.send_mail(greeting_mail(
        &text,
        &user.email,
        text.t("mail.email_notice_subject", &[("site", site)]),
        &text.t(
            "mail.email_notice_body",
            &[("site", site), ("new_email", &new_email)],
        ),
    ))
    .await?;
    Ok(http::see_other("/my/profile?done=email"))
}

#[derive(Serialize)]
struct ConfirmView<'a> {
    #[serde(flatten)]
    common: Common,
    token: &'a str,
    /// `form` (a usable link), `invalid`, `taken` or `changed`.
    state: &'static str,
    new_email: &'a str,
}

/// `GET /my/profile/email/confirm?token=`: the confirmation form when the
/// link is usable; spends nothing.
pub async fn confirm_form(app: &App, req: &Req) -> Result<Response, Failure> {
    let token = req.query_param("token").unwrap_or_default();
    let pending = if looks_like_token(&token) {
        app.db.peek_email_change(&hash_token(&token)).await?
    } else {
        None
    };
    let (session, set_cookie) = ensure_session(app, req).await?;
    let view = ConfirmView {
        common: Common::new(&app.options.site_title, Some(&session)),
        token: if pending.is_some() { &token } else { "" },
        state: if pending.is_some() { "form" } else { "invalid" },
        new_email: pending.as_ref().map_or("", |p| p.new_email.as_str()),
    };
    let status = if pending.is_some() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let mut resp = app.pages.render(status, "email_confirm.html", &view)?;
    http::keep_token_out_of_referer(&mut resp);
    Ok(with_cookie(resp, set_cookie))
}

/// `POST /my/profile/email/confirm` (`token`, `csrf`): spends the link;
/// the account takes the new address unless another account has it by
/// now. Every session of the account ends, this browser's included: the
/// next sign-in is with the new address.
pub async fn confirm(app: &App, req: &Req) -> Result<Response, Failure> {
    let form = req.form();
    let session = current_session(app, req).await?;
    let session = checked_session(app, req, session, form.get("csrf"))?;
    if let Some(wait) = rate_limit::hit_client(app, Action::Reset, req.client).await? {
        return Err(FormError::RateLimited(wait).into());
    }
    let token = form.get("token");
    let outcome = if looks_like_token(token) {
        app.db.confirm_email_change(&hash_token(token)).await?
    } else {
        ChangeOutcome::Invalid
    };
    let (status, state, new_email) = match &outcome {
        ChangeOutcome::Changed(change) => (StatusCode::OK, "changed", change.new_email.as_str()),
        ChangeOutcome::Taken => (StatusCode::CONFLICT, "taken", ""),
        ChangeOutcome::Invalid => (StatusCode::BAD_REQUEST, "invalid", ""),
    };
    if let ChangeOutcome::Changed(change) = &outcome {
        tracing::info!(account = change.account_id, "account address changed");
    }
    let signed_out = matches!(outcome, ChangeOutcome::Changed(_));
    let view = ConfirmView {
        common: Common::new(
            &app.options.site_title,
            if signed_out { None } else { Some(&session) },
        ),
        token: "",
        state,
        new_email,
    };
    let mut resp = app.pages.render(status, "email_confirm.html", &view)?;
    if signed_out {
        http::set_header(
            &mut resp,
            hyper::header::SET_COOKIE,
            &clear_session_cookie(app.options.config.cookie_secure),
        );
    }
    Ok(resp)
}
