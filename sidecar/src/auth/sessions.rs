//! Sessions: finding who is signed in from the cookie, starting (and
//! rotating) sessions, and the cookie itself.
//!
//! The cookie holds a 256-bit random token; the store keeps only its
//! SHA-256. A session ends after `session_idle_minutes` without requests or
//! `session_max_hours` after it began, whichever comes first.
//!
//! An anonymous visitor has the cookie but no row: its CSRF token is derived
//! from the cookie's token ([`anonymous_csrf`]), so opening a form writes
//! nothing to the store. A row is written only when someone signs in.

use anyhow::Result;
use cookie::{Cookie, SameSite};

use super::tokens::{hash_token, looks_like_token, random_token};
use super::Context;
use crate::db::accounts::Role;
use crate::db::now;
use crate::db::sessions::{NewSession, StoredSession};
use crate::http::Req;

/// The session cookie's name over plain HTTP (`cookie_secure` off).
pub const SESSION_COOKIE: &str = "docket_session";

/// The session cookie's name with `cookie_secure` on. Browsers accept a
/// `__Host-` cookie only with `Secure`, `Path=/` and no `Domain`, so a
/// sibling subdomain or a plain-HTTP page cannot plant or shadow it.
pub const SECURE_SESSION_COOKIE: &str = "__Host-docket_session";

/// The session cookie's name for the `cookie_secure` setting: the only
/// name the sidecar sets and reads.
pub fn session_cookie_name(secure: bool) -> &'static str {
    if secure {
        SECURE_SESSION_COOKIE
    } else {
        SESSION_COOKIE
    }
}

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
    /// The session's row id; `None` for an anonymous visitor, who has a
    /// cookie but no row.
    pub id: Option<i64>,
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

/// The request's session: the live signed-in one its cookie names, else an
/// anonymous one bound to the cookie (no row); `None` without a session
/// cookie. Expired sessions are deleted on sight.
pub async fn current_session(app: &impl Context, req: &Req) -> Result<Option<Session>> {
    let Some(token) = cookie_token(app, req) else {
        return Ok(None);
    };
    if let Some(stored) = app.db().session_by_token_hash(&hash_token(&token)).await? {
        if let Some(session) = live_session(app, stored).await? {
            return Ok(Some(session));
        }
    }
    Ok(Some(anonymous_session(&token)))
}

/// The CSRF token of an anonymous visitor whose session cookie holds
/// `token`: a hash of it under a label of its own, so it cannot be made
/// without the cookie (which is `HttpOnly`) and tells nothing about it.
pub fn anonymous_csrf(token: &str) -> String {
    hash_token(&format!("docket anonymous csrf\0{token}"))
}

/// The anonymous session of a cookie holding `token`: nothing stored.
fn anonymous_session(token: &str) -> Session {
    Session {
        id: None,
        csrf: anonymous_csrf(token),
        user: None,
    }
}

/// The request's session cookie value, if it looks like a token.
fn cookie_token(app: &impl Context, req: &Req) -> Option<String> {
    let token = req.cookie(session_cookie_name(app.config().cookie_secure))?;
    looks_like_token(&token).then_some(token)
}

/// The SHA-256 of the request's session cookie (under the name
/// [`session_cookie_name`] gives), if it carries one that looks like a
/// token: what the store looks sessions up by.
pub fn cookie_token_hash(app: &impl Context, req: &Req) -> Option<String> {
    cookie_token(app, req).map(|token| hash_token(&token))
}

/// The session a stored row stands for, if it is still live: an expired
/// one is deleted (and `None`), a live one's activity is recorded at most
/// every `TOUCH_EVERY_SECS`. For callers that read the row themselves
/// (with [`cookie_token_hash`]) together with other data.
pub async fn live_session(app: &impl Context, stored: StoredSession) -> Result<Option<Session>> {
    let t = now();
    let idle_limit = i64::from(app.config().session_idle_minutes) * 60;
    if stored.expires_at <= t || stored.last_seen_at + idle_limit <= t {
        app.db().delete_session(stored.id).await?;
        return Ok(None);
    }
    if t - stored.last_seen_at >= TOUCH_EVERY_SECS {
        app.db().touch_session(stored.id).await?;
    }
    Ok(Some(Session {
        id: Some(stored.id),
        csrf: stored.csrf_token,
        // A session of an unverified account (left from before sign-in
        // required a verified address) counts as anonymous: nothing that
        // shows ticket data is reachable through it.
        user: stored.account.filter(|a| a.verified).map(|a| CurrentUser {
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
    app: &impl Context,
    user: Option<CurrentUser>,
    replaces: Option<i64>,
) -> Result<StartedSession> {
    let token = random_token()?;
    let csrf = random_token()?;
    let max_secs = i64::from(app.config().session_max_hours) * 3600;
    let id = app
        .db()
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
        session: Session {
            id: Some(id),
            csrf,
            user,
        },
        set_cookie: session_cookie(&token, app.config().cookie_secure, max_secs),
    })
}

/// The request's session, or a new anonymous one (with the `Set-Cookie`
/// value to send) so that a form can carry a CSRF token. Nothing is
/// written to the store: an anonymous session is its cookie alone.
pub async fn ensure_session(app: &impl Context, req: &Req) -> Result<(Session, Option<String>)> {
    if let Some(session) = current_session(app, req).await? {
        return Ok((session, None));
    }
    let token = random_token()?;
    let max_secs = i64::from(app.config().session_max_hours) * 3600;
    let set_cookie = session_cookie(&token, app.config().cookie_secure, max_secs);
    Ok((anonymous_session(&token), Some(set_cookie)))
}

/// The `Set-Cookie` value carrying a session token.
pub fn session_cookie(token: &str, secure: bool, max_age_secs: i64) -> String {
    Cookie::build((session_cookie_name(secure), token.to_owned()))
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
    Cookie::build((session_cookie_name(secure), ""))
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
        let secure = session_cookie("abc", true, 60);
        assert!(secure.starts_with("__Host-docket_session=abc"), "{secure}");
        assert!(secure.contains("Secure") && secure.contains("Path=/"));
        assert!(!secure.contains("Domain"), "{secure}");
        assert!(clear_session_cookie(true).starts_with("__Host-docket_session="));
    }
}
