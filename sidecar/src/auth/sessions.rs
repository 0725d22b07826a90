//! Sessions: finding who is signed in from the cookie, starting (and
//! rotating) sessions, and the cookie itself.
//!
//! The cookie holds a 256-bit random token; the store keeps only its
//! SHA-256. A session ends after `session_idle_minutes` without requests or
//! `session_max_hours` after it began, whichever comes first.

use anyhow::Result;
use cookie::{Cookie, SameSite};

use super::tokens::{hash_token, looks_like_token, random_token};
use crate::app::App;
use crate::db::accounts::Role;
use crate::db::now;
use crate::db::sessions::{NewSession, StoredSession};
use crate::http::Req;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "docket_session";

/// Activity is written back at most this often, to spare the store.
const TOUCH_EVERY_SECS: i64 = 60;

/// The signed-in account of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CurrentUser {
    /// The account's id.
    pub account_id: i64,
    /// The account's normalised address.
    pub email: String,
    /// Customer or agent.
    pub role: Role,
    /// Whether the address has been verified.
    pub verified: bool,
}

/// A live session: anonymous or signed in.
#[derive(Debug, Clone)]
pub struct Session {
    /// The session's row id.
    pub id: i64,
    /// The CSRF token its forms must carry.
    pub csrf: String,
    /// Who is signed in, if anyone.
    pub user: Option<CurrentUser>,
}

/// A session just started: what it is, and the `Set-Cookie` value that
/// hands its token to the browser.
#[derive(Debug, Clone)]
pub struct StartedSession {
    /// The session.
    pub session: Session,
    /// The `Set-Cookie` header value.
    pub set_cookie: String,
}

/// The request's live session, if its cookie names one. Expired sessions
/// are deleted on sight.
pub async fn current_session(app: &App, req: &Req) -> Result<Option<Session>> {
    let Some(token_hash) = cookie_token_hash(req) else {
        return Ok(None);
    };
    let Some(stored) = app.db.session_by_token_hash(&token_hash).await? else {
        return Ok(None);
    };
    live_session(app, stored).await
}

/// The SHA-256 of the request's session cookie, if it carries one that
/// looks like a token: what the store looks sessions up by.
pub fn cookie_token_hash(req: &Req) -> Option<String> {
    let token = req.cookie(SESSION_COOKIE)?;
    looks_like_token(&token).then(|| hash_token(&token))
}

/// The session a stored row stands for, if it is still live: an expired
/// one is deleted (and `None`), a live one's activity is recorded at most
/// every [`TOUCH_EVERY_SECS`]. For callers that read the row themselves
/// (with [`cookie_token_hash`]) together with other data.
pub async fn live_session(app: &App, stored: StoredSession) -> Result<Option<Session>> {
    let t = now();
    let idle_limit = i64::from(app.options.config.session_idle_minutes) * 60;
    if stored.expires_at <= t || stored.last_seen_at + idle_limit <= t {
        app.db.delete_session(stored.id).await?;
        return Ok(None);
    }
    if t - stored.last_seen_at >= TOUCH_EVERY_SECS {
        app.db.touch_session(stored.id).await?;
    }
    Ok(Some(Session {
        id: stored.id,
        csrf: stored.csrf_token,
        user: stored.account.map(|a| CurrentUser {
            account_id: a.id,
            email: a.email,
            role: a.role,
            verified: a.verified,
        }),
    }))
}

/// Starts a session for `user` (or an anonymous one), replacing the session
/// `replaces` in the same transaction: a new token and a new CSRF token, so
/// nothing known before sign-in is valid after it.
pub async fn start_session(
    app: &App,
    user: Option<CurrentUser>,
    replaces: Option<i64>,
) -> Result<StartedSession> {
    let token = random_token()?;
    let csrf = random_token()?;
    let max_secs = i64::from(app.options.config.session_max_hours) * 3600;
    let id = app
        .db
        .create_session(
            NewSession {
                token_hash: hash_token(&token),
                account_id: user.as_ref().map(|u| u.account_id),
                csrf_token: csrf.clone(),
                expires_at: now() + max_secs,
            },
            replaces,
        )
        .await?;
    Ok(StartedSession {
        session: Session { id, csrf, user },
        set_cookie: session_cookie(&token, app.options.config.cookie_secure, max_secs),
    })
}

/// The request's session, or a new anonymous one (with the `Set-Cookie`
/// value to send) so that a form can carry a CSRF token.
pub async fn ensure_session(app: &App, req: &Req) -> Result<(Session, Option<String>)> {
    if let Some(session) = current_session(app, req).await? {
        return Ok((session, None));
    }
    let started = start_session(app, None, None).await?;
    Ok((started.session, Some(started.set_cookie)))
}

/// The `Set-Cookie` value carrying a session token.
pub fn session_cookie(token: &str, secure: bool, max_age_secs: i64) -> String {
    Cookie::build((SESSION_COOKIE, token.to_owned()))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::seconds(max_age_secs))
        .build()
        .to_string()
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clear_session_cookie(secure: bool) -> String {
    Cookie::build((SESSION_COOKIE, ""))
        .http_only(true)
        .same_site(SameSite::Lax)
        .path("/")
        .secure(secure)
        .max_age(cookie::time::Duration::ZERO)
        .build()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_http_only_lax_and_site_wide() {
        let c = session_cookie("abc", false, 60);
        assert!(c.contains("HttpOnly"), "{c}");
        assert!(c.contains("SameSite=Lax"), "{c}");
        assert!(c.contains("Path=/"), "{c}");
        assert!(!c.contains("Secure"), "{c}");
        assert!(session_cookie("abc", true, 60).contains("Secure"));
    }
}
