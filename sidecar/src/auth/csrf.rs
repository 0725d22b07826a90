//! CSRF: every state-changing form carries its session's token, compared in
//! constant time, and the request must come from this site: its `Origin`
//! (or failing that its `Referer`) must be one of the [`AllowedOrigins`] —
//! `[site] base_url`'s origin and `[sidecar] allowed_origins` — and is
//! never compared with `Host`, which a DNS-rebinding page controls.

use std::net::SocketAddr;

use subtle::ConstantTimeEq;

use super::sessions::Session;
use crate::http::Req;

/// Why a state-changing request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsrfError {
    /// No live session, so no token can match.
    #[error("no session")]
    NoSession,
    /// The form carried no `csrf` field.
    #[error("missing CSRF token")]
    MissingToken,
    /// The form's token is not the session's.
    #[error("wrong CSRF token")]
    WrongToken,
    /// `Origin` / `Referer` name another site, or neither was sent.
    #[error("request from another origin")]
    ForeignOrigin,
}

/// Checks a state-changing request: origin first, then the token.
pub fn check(
    req: &Req,
    session: Option<&Session>,
    form_token: &str,
    origins: &AllowedOrigins,
) -> Result<(), CsrfError> {
    if !same_origin(req, origins) {
        return Err(CsrfError::ForeignOrigin);
    }
    let session = session.ok_or(CsrfError::NoSession)?;
    if form_token.is_empty() {
        return Err(CsrfError::MissingToken);
    }
    if bool::from(form_token.as_bytes().ct_eq(session.csrf.as_bytes())) {
        Ok(())
    } else {
        Err(CsrfError::WrongToken)
    }
}

/// Whether the request's `Origin` (or, without one, `Referer`) is one of
/// `origins`. A request with neither, or `Origin: null`, is not.
pub fn same_origin(req: &Req, origins: &AllowedOrigins) -> bool {
    let claimed = match req.header(hyper::header::ORIGIN) {
        Some(origin) => origin.to_owned(),
        None => match req.header(hyper::header::REFERER) {
            Some(referer) => origin_of(referer),
            None => return false,
        },
    };
    origins.allows(&claimed)
}

/// The origins state-changing requests may come from, normalised
/// (`scheme://host[:port]`, lower case, without the scheme's default port).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowedOrigins(Vec<String>);

impl AllowedOrigins {
    /// The origin of `base_url` and each of `extra`. An entry that is not
    /// an `http` or `https` origin is an error naming it.
    pub fn new(base_url: &str, extra: &[String]) -> Result<Self, String> {
        let mut origins = Vec::with_capacity(extra.len() + 1);
        origins.push(
            normalize(&origin_of(base_url))
                .ok_or_else(|| format!("base_url {base_url:?} has no http(s) origin"))?,
        );
        for entry in extra {
            let bare = entry.strip_suffix('/').unwrap_or(entry);
            match normalize(bare) {
                Some(origin) if origin_of(bare).len() == bare.len() => origins.push(origin),
                _ => {
                    return Err(format!(
                    "allowed_origins: {entry:?} is not an origin like \"https://help.example.com\""
                ))
                }
            }
        }
        Ok(Self(origins))
    }

    /// Whether `origin` (as a browser sends it) is allowed.
    pub fn allows(&self, origin: &str) -> bool {
        normalize(origin).is_some_and(|o| self.0.contains(&o))
    }
}

/// The origins of a server bound to `addr` when that is a loopback
/// address, as a browser on the same machine names them.
pub fn loopback_origins(addr: SocketAddr) -> Vec<String> {
    if !addr.ip().is_loopback() {
        return Vec::new();
    }
    let port = addr.port();
    let ip = match addr {
        SocketAddr::V4(v4) => v4.ip().to_string(),
        SocketAddr::V6(v6) => format!("[{}]", v6.ip()),
    };
    vec![
        format!("http://{ip}:{port}"),
        format!("http://localhost:{port}"),
    ]
}

/// `origin` in lower case without the scheme's default port, when it is an
/// `http` or `https` origin with a host (no user information).
fn normalize(origin: &str) -> Option<String> {
    let (scheme, authority) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let default_port = match scheme.as_str() {
        "http" => ":80",
        "https" => ":443",
        _ => return None,
    };
    let authority = authority.to_ascii_lowercase();
    if authority.is_empty()
        || authority.contains(['@', '/', '?', '#', ' '])
        || authority.starts_with(':')
    {
        return None;
    }
    let authority = authority.strip_suffix(default_port).unwrap_or(&authority);
    Some(format!("{scheme}://{authority}"))
}

/// `scheme://authority` of a URL (everything before the path).
fn origin_of(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return String::new();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!("{scheme}://{authority}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::header::{HeaderValue, HOST, ORIGIN, REFERER};
    use hyper::Method;

    fn post(origin: Option<&'static str>, referer: Option<&'static str>) -> Req {
        let mut req = Req::new(Method::POST, "/logout");
        req.headers
            .insert(HOST, HeaderValue::from_static("127.0.0.1:8080"));
        if let Some(o) = origin {
            req.headers.insert(ORIGIN, HeaderValue::from_static(o));
        }
        if let Some(r) = referer {
            req.headers.insert(REFERER, HeaderValue::from_static(r));
        }
        req
    }

    fn session() -> Session {
        Session {
            id: Some(1),
            csrf: "t".repeat(64),
            user: None,
        }
    }

    fn base() -> AllowedOrigins {
        let local = loopback_origins(SocketAddr::from(([127, 0, 0, 1], 8080)));
        AllowedOrigins::new("https://help.example.com", &local).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn the_right_token_from_this_site_passes() {
        let token = "t".repeat(64);
        let s = session();
        assert_eq!(
            check(
                &post(Some("http://127.0.0.1:8080"), None),
                Some(&s),
                &token,
                &base()
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &post(Some("https://help.example.com"), None),
                Some(&s),
                &token,
                &base()
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &post(None, Some("http://127.0.0.1:8080/login?x")),
                Some(&s),
                &token,
                &base()
            ),
            Ok(())
        );
    }

    #[test]
    fn a_missing_or_wrong_token_or_foreign_origin_fails() {
        let s = session();
        let req = post(Some("http://127.0.0.1:8080"), None);
        assert_eq!(
            check(&req, Some(&s), "", &base()),
            Err(CsrfError::MissingToken)
        );
        assert_eq!(
            check(&req, Some(&s), "x", &base()),
            Err(CsrfError::WrongToken)
        );
        assert_eq!(check(&req, None, "x", &base()), Err(CsrfError::NoSession));
        let token = "t".repeat(64);
        for (o, r) in [
            (Some("https://evil.example"), None),
            (Some("null"), None),
            (Some("http://127.0.0.1:8080.evil.example"), None),
            (None, Some("https://evil.example/http://127.0.0.1:8080/")),
            (None, None),
        ] {
            assert_eq!(
                check(&post(o, r), Some(&s), &token, &base()),
                Err(CsrfError::ForeignOrigin),
                "{o:?} {r:?}"
            );
        }
    }

    #[test]
    fn the_host_header_is_never_an_allowed_origin() {
        let mut req = Req::new(Method::POST, "/logout");
        req.headers
            .insert(HOST, HeaderValue::from_static("evil.example"));
        req.headers
            .insert(ORIGIN, HeaderValue::from_static("http://evil.example"));
        assert!(!same_origin(&req, &base()));
    }

    #[test]
    fn configured_origins_are_normalised_and_checked() {
        let extra = vec![
            "https://Portal.Example.com:443/".to_owned(),
            "http://10.0.0.5:8080".to_owned(),
        ];
        let origins = AllowedOrigins::new("https://help.example.com/", &extra)
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(origins.allows("https://portal.example.com"));
        assert!(origins.allows("http://10.0.0.5:8080"));
        assert!(origins.allows("https://help.example.com"));
        assert!(!origins.allows("http://help.example.com"));
        assert!(!origins.allows("http://127.0.0.1:8080"));
        for bad in [
            "portal.example.com",
            "ftp://x",
            "https://x/path",
            "https://",
        ] {
            assert!(
                AllowedOrigins::new("https://h", &[bad.to_owned()]).is_err(),
                "{bad}"
            );
        }
    }
}
