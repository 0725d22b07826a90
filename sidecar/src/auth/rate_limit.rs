//! Rate limits on login, registration, reset and ticket links: per client
//! address and per account (e-mail address), counted in the store.

use std::net::IpAddr;

use anyhow::Result;

use crate::app::App;

/// A limited action.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `POST /login`.
    Login,
    /// `POST /register`.
    Register,
    /// `POST /password/forgot` and `POST /password/reset`.
    Reset,
}

impl Action {
    fn name(self) -> &'static str {
        match self {
            Action::Login => "login",
            Action::Register => "register",
            Action::Reset => "reset",
        }
    }
}

fn window_secs(app: &App) -> i64 {
    i64::from(app.options.config.rate_limit_window_minutes.max(1)) * 60
}

/// Counts an attempt under the counter `key`, allowing `limit` attempts per
/// configured window; `Some(seconds)` to wait when over the limit.
pub async fn hit_key(app: &App, key: &str, limit: u32) -> Result<Option<u64>> {
    app.db.rate_limit_hit(key, limit, window_secs(app)).await
}

/// Counts an attempt by `client`; `Some(seconds)` to wait when over the limit.
pub async fn hit_client(app: &App, action: Action, client: IpAddr) -> Result<Option<u64>> {
    let key = format!("{}:client:{client}", action.name());
    hit_key(app, &key, app.options.config.rate_limit_per_client).await
}

/// Counts an attempt on the account `email`; `Some(seconds)` to wait when
/// over the limit. Unknown addresses are counted alike.
pub async fn hit_account(app: &App, action: Action, email: &str) -> Result<Option<u64>> {
    let key = format!("{}:account:{email}", action.name());
    hit_key(app, &key, app.options.config.rate_limit_per_account).await
}

/// Forgets the account's failed attempts (after a successful login).
pub async fn clear_account(app: &App, action: Action, email: &str) -> Result<()> {
    let key = format!("{}:account:{email}", action.name());
    app.db.rate_limit_clear(&key).await
}

/// Deletes counters whose window has passed.
pub async fn purge(app: &App) -> Result<usize> {
    app.db.purge_rate_limits(window_secs(app)).await
}
