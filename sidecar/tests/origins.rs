//! The CSRF Origin check against DNS rebinding, and which address rate
//! limits count (IPv6 networks, several trusted proxies), over the real
//! server.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use common::{raw, Resp, TestServer, PASSWORD};
use docket_sidecar::Role;

/// A login form post on a fresh connection with exactly these `Host`,
/// `Origin` and `X-Forwarded-For` headers, carrying a real session's cookie
/// and CSRF token.
fn login_post(server: &TestServer, host: &str, origin: &str, forwarded: Option<&str>) -> Resp {
    let mut c = server.client();
    let csrf = c.get("/login").csrf();
    let cookie = c.cookie.clone().unwrap();
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("csrf", csrf.as_str()),
            ("email", "alice@example.com"),
            ("password", PASSWORD),
        ])
        .finish();
    let forwarded = forwarded
        .map(|f| format!("X-Forwarded-For: {f}\r\n"))
        .unwrap_or_default();
    let request = format!(
        "POST /login HTTP/1.1\r\nHost: {host}\r\nOrigin: {origin}\r\n{forwarded}Cookie: docket_session={cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    raw(server.addr, request.as_bytes())
}

/// DNS rebinding: a page on evil.example whose name now resolves to the
/// sidecar sends `Host: evil.example` and `Origin: http://evil.example`;
/// comparing Origin with Host let it through.
#[test]
fn a_dns_rebinding_post_whose_origin_matches_its_host_is_refused() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "alice@example.com");
    let r = login_post(&server, "evil.example", "http://evil.example", None);
    assert_eq!(r.status, 403, "{}", r.body);
    // The same post from the site's own origin signs in.
    let r = login_post(&server, "evil.example", "https://help.example.com", None);
    assert_eq!(r.status, 303, "{}", r.body);
}

#[test]
fn configured_extra_origins_may_post() {
    let server = TestServer::start_with(|c| {
        c.allowed_origins = vec!["https://portal.example.com".into()];
    });
    server.add_account(Role::Customer, "alice@example.com");
    let host = server.addr.to_string();
    let r = login_post(&server, &host, "https://portal.example.com", None);
    assert_eq!(r.status, 303, "{}", r.body);
    let r = login_post(&server, &host, "https://other.example.com", None);
    assert_eq!(r.status, 403, "{}", r.body);
}

/// A bad `allowed_origins` entry stops the start with an error naming it.
#[test]
fn an_allowed_origin_with_a_path_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let options = common::options(dir.path(), |c| {
        c.allowed_origins = vec!["https://portal.example.com/login".into()];
    });
    let err = tokio::runtime::Runtime::new()
        .unwrap()
        .block_on(docket_sidecar::Server::bind(options))
        .unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("allowed_origins"), "{text}");
    assert!(text.contains("https://portal.example.com/login"), "{text}");
}

/// The statuses of two failed logins, one per `X-Forwarded-For` value,
/// with one attempt allowed per client.
fn two_logins(
    tweak: impl FnOnce(&mut docket_sidecar::SidecarConfig),
    forwarded: [&str; 2],
) -> Vec<u16> {
    let server = TestServer::start_with(|c| {
        c.rate_limit_per_client = 1;
        tweak(c);
    });
    let host = server.addr.to_string();
    forwarded
        .iter()
        .map(|f| login_post(&server, &host, &server.origin(), Some(f)).status)
        .collect()
}

/// An IPv6 client holds a whole /64: with a key per address it got a fresh
/// rate-limit counter for every attempt.
#[test]
fn ipv6_addresses_of_one_64_network_share_a_rate_limit() {
    let statuses = two_logins(
        |c| c.trust_forwarded_for = true,
        ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9"],
    );
    assert_eq!(statuses, [401, 429]);
    let statuses = two_logins(
        |c| c.trust_forwarded_for = true,
        ["2001:db8:1:2::1", "2001:db8:1:3::1"],
    );
    assert_eq!(statuses, [401, 401]);
}

/// Behind CDN → nginx → sidecar the last entry is the CDN's edge, which
/// changes from request to request: with two trusted hops the client is
/// the entry before it, with or without a port.
#[test]
fn with_two_trusted_proxy_hops_the_client_is_the_entry_before_the_cdn() {
    let statuses = two_logins(
        |c| c.trusted_proxy_hops = 2,
        [
            "6.6.6.6, 198.51.100.7:51234, 203.0.113.1",
            "198.51.100.7, 203.0.113.2",
        ],
    );
    assert_eq!(statuses, [401, 429]);
    let statuses = two_logins(
        |c| c.trusted_proxy_hops = 2,
        ["198.51.100.7, 203.0.113.1", "198.51.100.8, 203.0.113.1"],
    );
    assert_eq!(statuses, [401, 401]);
}
