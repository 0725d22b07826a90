//! CSRF: every state-changing form carries its session's token, compared in
//! constant time, and the request must come from this site (its `Origin`,
//! or failing that its `Referer`).

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
    base_url: &str,
) -> Result<(), CsrfError> {
    if !same_origin(req, base_url) {
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

/// Whether the request's `Origin` (or, without one, `Referer`) is this
/// site: the host the request was sent to, or the configured base URL.
pub fn same_origin(req: &Req, base_url: &str) -> bool {
    let claimed = match req.header(hyper::header::ORIGIN) {
        Some(origin) => origin.to_owned(),
        None => match req.header(hyper::header::REFERER) {
            Some(referer) => origin_of(referer),
            None => return false,
        },
    };
    if claimed == "null" || claimed.is_empty() {
        return false;
    }
    let base = origin_of(base_url);
    if claimed.eq_ignore_ascii_case(&base) {
        return true;
    }
    let Some(host) = req.header(hyper::header::HOST) else {
        return false;
    };
    ["http://", "https://"]
        .iter()
        .any(|scheme| claimed.eq_ignore_ascii_case(&format!("{scheme}{host}")))
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
            id: 1,
            csrf: "t".repeat(64),
            user: None,
        }
    }

    const BASE: &str = "https://help.example.com";

    #[test]
    fn the_right_token_from_this_site_passes() {
        let token = "t".repeat(64);
        let s = session();
        assert_eq!(
            check(
                &post(Some("http://127.0.0.1:8080"), None),
                Some(&s),
                &token,
                BASE
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &post(Some("https://help.example.com"), None),
                Some(&s),
                &token,
                BASE
            ),
            Ok(())
        );
        assert_eq!(
            check(
                &post(None, Some("http://127.0.0.1:8080/login?x")),
                Some(&s),
                &token,
                BASE
            ),
            Ok(())
        );
    }

    #[test]
    fn a_missing_or_wrong_token_or_foreign_origin_fails() {
        let s = session();
        let req = post(Some("http://127.0.0.1:8080"), None);
        assert_eq!(
            check(&req, Some(&s), "", BASE),
            Err(CsrfError::MissingToken)
        );
        assert_eq!(check(&req, Some(&s), "x", BASE), Err(CsrfError::WrongToken));
        assert_eq!(check(&req, None, "x", BASE), Err(CsrfError::NoSession));
        let token = "t".repeat(64);
        for (o, r) in [
            (Some("https://evil.example"), None),
            (Some("null"), None),
            (Some("http://127.0.0.1:8080.evil.example"), None),
            (None, Some("https://evil.example/http://127.0.0.1:8080/")),
            (None, None),
        ] {
            assert_eq!(
                check(&post(o, r), Some(&s), &token, BASE),
                Err(CsrfError::ForeignOrigin),
                "{o:?} {r:?}"
            );
        }
    }
}
