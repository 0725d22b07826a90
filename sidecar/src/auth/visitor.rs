//! Telling anonymous visitors apart for a day without knowing who they
//! are: a keyed hash (HMAC-SHA-256) of the client's address bucket (see
//! [`super::rate_limit::client_bucket`]) under the day's random salt. The
//! address itself is never stored; the salt is deleted when the day ends
//! ([`crate::db::Db::visitor_salt`]), after which nobody — not even with
//! the database — can tell whose hash a row was.

use std::net::IpAddr;

use anyhow::Result;

use super::rate_limit::{self, client_bucket};
use super::signing::hmac_hex;
use super::tokens::random_token;
use super::Context;
use crate::db::feedback::today;

/// The salt of `day`, made from fresh randomness on the day's first use.
async fn salt_of(app: &impl Context, day: i64) -> Result<String> {
    app.db().visitor_salt(day, random_token()?).await
}

/// The mark of `client`'s vote on `article` today, and today's day number.
pub async fn vote_mark(app: &impl Context, client: IpAddr, article: &str) -> Result<(String, i64)> {
    let day = today();
    let salt = salt_of(app, day).await?;
    let message = format!("vote\n{}\n{article}", client_bucket(client));
    Ok((hmac_hex(salt.as_bytes(), message.as_bytes()), day))
}

/// Counts an anonymous `action` by `client` under a counter named by the
/// keyed hash of its address (never the address), allowing
/// `rate_limit_per_client` per window; `Some(seconds)` to wait when over.
pub async fn hit(app: &impl Context, action: &str, client: IpAddr) -> Result<Option<u64>> {
    let salt = salt_of(app, today()).await?;
    let message = format!("client\n{}", client_bucket(client));
    let hashed = hmac_hex(salt.as_bytes(), message.as_bytes());
    let key = format!("{action}:visitor:{}", &hashed[..32]);
    rate_limit::hit_key(app, &key, app.config().rate_limit_per_client).await
}
