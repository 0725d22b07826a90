//! Which address a request comes from: the TCP peer, or — behind
//! `trusted_proxy_hops` proxies that each append to `X-Forwarded-For` —
//! the entry the outermost trusted proxy appended. Entries may carry a
//! port (`192.0.2.7:51234`, `[2001:db8::7]:443`). Rate limits then key the
//! address (see [`crate::auth::rate_limit`]).

use std::net::{IpAddr, SocketAddr};

use hyper::HeaderMap;

/// The client's address for a request from `peer` with `headers`, trusting
/// the last `hops` entries of `X-Forwarded-For`. With fewer entries than
/// hops the first one counts (it was appended by a trusted proxy); without
/// the header, or when the chosen entry is not an address, the peer does.
pub fn client_address(peer: SocketAddr, headers: &HeaderMap, hops: u32) -> IpAddr {
    if hops == 0 {
        return peer.ip();
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let hops = usize::try_from(hops).unwrap_or(usize::MAX);
    entries
        .get(entries.len().saturating_sub(hops))
        .and_then(|entry| parse_entry(entry))
        .unwrap_or_else(|| peer.ip())
}

/// An `X-Forwarded-For` entry: an address with or without a port.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    entry
        .parse::<IpAddr>()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .map(|ip| ip.to_canonical())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::HeaderValue;

    fn with(values: &[&'static str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for v in values {
            headers.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        headers
    }

    const PEER: &str = "127.0.0.1:9999";

    fn client(values: &[&'static str], hops: u32) -> String {
        let peer: SocketAddr = PEER.parse().unwrap_or_else(|_| unreachable!());
        client_address(peer, &with(values), hops).to_string()
    }

    #[test]
    fn without_trusted_hops_the_peer_is_the_client() {
        assert_eq!(client(&["1.1.1.1"], 0), "127.0.0.1");
    }

    #[test]
    fn the_entry_appended_by_the_outermost_trusted_proxy_is_the_client() {
        assert_eq!(client(&["6.6.6.6, 1.1.1.1, 10.0.0.7"], 1), "10.0.0.7");
        assert_eq!(client(&["6.6.6.6, 1.1.1.1, 10.0.0.7"], 2), "1.1.1.1");
        assert_eq!(client(&["6.6.6.6, 1.1.1.1", "10.0.0.7"], 2), "1.1.1.1");
        assert_eq!(client(&["1.1.1.1"], 3), "1.1.1.1");
    }

    #[test]
    fn entries_with_ports_are_accepted() {
        assert_eq!(client(&["1.1.1.1:5555, 10.0.0.7"], 2), "1.1.1.1");
        assert_eq!(client(&["[2001:db8::7]:443"], 1), "2001:db8::7");
        assert_eq!(client(&["::ffff:1.2.3.4"], 1), "1.2.3.4");
    }

    #[test]
    fn garbage_falls_back_to_the_peer() {
        assert_eq!(client(&["unknown"], 1), "127.0.0.1");
        assert_eq!(client(&[], 1), "127.0.0.1");
    }
}
