//! The Host rule of `docket serve`: it listens on 127.0.0.1 only, so every
//! request it should answer names a loopback host. A request naming any
//! other host (`Host: evil.example`) is what DNS rebinding looks like — a
//! web page that points its own name at 127.0.0.1 and then reads the dev
//! server (the `--demo` password is published) — and is refused before
//! any route, the sidecar's included, sees it.
//!
//! Accepted names, with or without a port: `localhost`, `*.localhost`
//! (both resolve to loopback by RFC 6761), an IPv4 address in
//! 127.0.0.0/8 and `[::1]`; case and one trailing dot do not matter.

use std::net::{Ipv4Addr, Ipv6Addr};

use hyper::header::HOST;
use hyper::Request;

/// `Ok` when the request's `Host` header and, if given, the authority of
/// its target (HTTP/2's `:authority`, an absolute-form target) are
/// loopback names and at least one is present; else the one-line reason.
pub fn check<B>(req: &Request<B>) -> Result<(), String> {
    let header = req.headers().get(HOST).map(|v| v.to_str());
    let authority = req.uri().authority().map(|a| a.as_str());
    if header.is_none() && authority.is_none() {
        return Err(refusal("no Host header"));
    }
    if let Some(value) = header {
        match value {
            Ok(host) if is_loopback(host) => {}
            Ok(host) => return Err(refusal(&format!("Host {host:?}"))),
            Err(_) => return Err(refusal("a Host header that is not text")),
        }
    }
    match authority {
        Some(host) if !is_loopback(host) => Err(refusal(&format!("the authority {host:?}"))),
        _ => Ok(()),
    }
}

fn refusal(what: &str) -> String {
    format!(
        "docket serve answers only requests for localhost, *.localhost, 127.0.0.0/8 or [::1]; \
         refused {what} (DNS rebinding protection)\n"
    )
}

/// Whether `host` (a `Host` header value: a name or address, optionally
/// followed by `:port`) names the loopback interface.
pub fn is_loopback(host: &str) -> bool {
    if let Some(rest) = host.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else {
            return false;
        };
        return is_port_suffix(after)
            && inside.parse::<Ipv6Addr>().is_ok_and(|ip| ip.is_loopback());
    }
    let name = match host.rsplit_once(':') {
        Some((name, port)) if is_port_suffix(&format!(":{port}")) => name,
        Some(_) => return false,
        None => host,
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    if let Ok(ip) = name.parse::<Ipv4Addr>() {
        return ip.is_loopback();
    }
    let Some(labels) = name
        .strip_suffix("localhost")
        .filter(|rest| rest.is_empty() || rest.ends_with('.'))
    else {
        return false;
    };
    labels
        .split_terminator('.')
        .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// `""` or `:` followed by 1 to 5 digits.
fn is_port_suffix(s: &str) -> bool {
    match s.strip_prefix(':') {
        None => s.is_empty(),
        Some(port) => (1..=5).contains(&port.len()) && port.bytes().all(|b| b.is_ascii_digit()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_are_accepted_with_or_without_a_port() {
        for host in [
            "localhost",
            "LOCALHOST:8080",
            "localhost.",
            "app.localhost:3000",
            "a-b.c.localhost",
            "127.0.0.1",
            "127.0.0.1:4000",
            "127.255.3.4:1",
            "[::1]",
            "[::1]:8080",
        ] {
            assert!(is_loopback(host), "{host}");
        }
    }

    #[test]
    fn other_names_are_refused() {
        for host in [
            "",
            "evil.example",
            "evil.example:8080",
            "localhost.evil.example",
            "evillocalhost",
            ".localhost",
            "a..localhost",
            "10.0.0.1",
            "0.0.0.0:80",
            "127.1",
            "[::2]",
            "[::1",
            "[::1]x",
            "localhost:",
            "localhost:123456",
            "localhost:80:80",
            "user@localhost",
            "[::ffff:8.8.8.8]:80",
        ] {
            assert!(!is_loopback(host), "{host}");
        }
    }
}
