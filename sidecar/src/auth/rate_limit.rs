//! Rate limits on login, registration, reset and ticket links: per client
//! address and per account (e-mail address), counted in the store. An IPv4
//! client is one address; an IPv6 client is its /64 network, since one
//! host commonly holds a whole /64 and could otherwise take a fresh counter
//! per address.

use std::net::{IpAddr, Ipv6Addr};

use anyhow::Result;

use super::Context;

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

fn window_secs(app: &impl Context) -> i64 {
    i64::from(app.config().rate_limit_window_minutes.max(1)) * 60
}

/// Counts an attempt under the counter `key`, allowing `limit` attempts per
/// configured window; `Some(seconds)` to wait when over the limit.
pub async fn hit_key(app: &impl Context, key: &str, limit: u32) -> Result<Option<u64>> {
    app.db().rate_limit_hit(key, limit, window_secs(app)).await
}

/// The counter name of a client address: the IPv4 address itself (also
/// when written as an IPv4-mapped IPv6 address), or the IPv6 address's /64
/// network (`2001:db8:1:2::/64`).
pub fn client_bucket(client: IpAddr) -> String {
    match client.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = u128::from(v6) & !((1u128 << 64) - 1);
            format!("{}/64", Ipv6Addr::from(network))
        }
    }
}

/// Counts an attempt by `client`; `Some(seconds)` to wait when over the limit.
pub async fn hit_client(app: &impl Context, action: Action, client: IpAddr) -> Result<Option<u64>> {
    let key = format!("{}:client:{}", action.name(), client_bucket(client));
    hit_key(app, &key, app.config().rate_limit_per_client).await
}

/// Counts an attempt on the account `email`; `Some(seconds)` to wait when
/// over the limit. Unknown addresses are counted alike.
pub async fn hit_account(app: &impl Context, action: Action, email: &str) -> Result<Option<u64>> {
    let key = format!("{}:account:{email}", action.name());
    hit_key(app, &key, app.config().rate_limit_per_account).await
}

/// The counter of attempts on the account `email` from `client`, keyed by
/// the client's [`client_bucket`] like every per-client counter (so an IPv6
/// guesser cannot start afresh from each address of its /64).
fn account_from_key(action: Action, email: &str, client: IpAddr) -> String {
    format!(
        "{}:account:{email}:client:{}",
        action.name(),
        client_bucket(client)
    )
}

/// Counts an attempt on the account `email` from `client`; `Some(seconds)`
/// to wait when over the per-account limit. Counting per client keeps a
/// guesser elsewhere from locking the owner out of their own account
/// (every client's attempts on all accounts are also limited by
/// [`hit_client`]). Unknown addresses are counted alike.
pub async fn hit_account_from(
    app: &impl Context,
    action: Action,
    email: &str,
    client: IpAddr,
) -> Result<Option<u64>> {
    let key = account_from_key(action, email, client);
    hit_key(app, &key, app.config().rate_limit_per_account).await
}

/// Forgets the failed attempts on the account `email` from `client`
/// (after a successful login there).
pub async fn clear_account_from(
    app: &impl Context,
    action: Action,
    email: &str,
    client: IpAddr,
) -> Result<()> {
    app.db()
        .rate_limit_clear(&account_from_key(action, email, client))
        .await
}

/// Deletes counters whose window has passed.
pub async fn purge(app: &impl Context) -> Result<usize> {
    app.db().purge_rate_limits(window_secs(app)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(ip: &str) -> String {
        client_bucket(ip.parse().unwrap_or_else(|_| panic!("{ip}")))
    }

    #[test]
    fn ipv6_clients_are_counted_by_their_64_network() {
        assert_eq!(bucket("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
        assert_eq!(bucket("2001:db8:1:2:ffff:1:2:3"), "2001:db8:1:2::/64");
        assert_ne!(bucket("2001:db8:1:3::1"), bucket("2001:db8:1:2::1"));
    }

    #[test]
    fn login_failures_on_an_account_share_one_counter_per_64_network() {
        let key = |ip: &str| {
            account_from_key(
                Action::Login,
                "a@example.com",
                ip.parse().unwrap_or_else(|_| panic!("{ip}")),
            )
        };
        assert_eq!(key("2001:db8:1:2::1"), key("2001:db8:1:2:ffff::9"));
        assert_ne!(key("2001:db8:1:2::1"), key("2001:db8:1:3::1"));
    }

    #[test]
    fn ipv4_clients_are_counted_by_their_address() {
        assert_eq!(bucket("192.0.2.7"), "192.0.2.7");
        assert_eq!(bucket("::ffff:192.0.2.7"), "192.0.2.7");
    }
}
