//! The checks every JSON call from the static pages passes before its
//! handler runs (`/api/feedback`, `/api/search-miss`, `/api/suggestions`):
//! these calls come from anonymous visitors, without a session or cookie,
//! so the CSRF defence is the `Origin` check (a page elsewhere cannot send
//! this site's origin), the `application/json` content type (which a
//! cross-site form cannot send and a cross-site script cannot send without
//! a CORS preflight that the sidecar never grants), and for votes a signed
//! token ([`super::feedback`]). Each call is also rate-limited per client
//! ([`crate::auth::visitor::hit`]).

use hyper::{header, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::json;

use super::Failure;
use crate::app::App;
use crate::auth::csrf::{self, CsrfError};
use crate::auth::visitor;
use crate::http::{self, Req, Response};

/// Why a JSON call was refused before its work.
#[derive(Debug)]
pub enum Refused {
    /// A plain failure (forbidden, rate limited, unexpected).
    Failure(Failure),
    /// A 4xx JSON answer naming the problem.
    Answer(Response),
}

impl From<Failure> for Refused {
    fn from(f: Failure) -> Self {
        Refused::Failure(f)
    }
}

impl From<anyhow::Error> for Refused {
    fn from(e: anyhow::Error) -> Self {
        Refused::Failure(Failure::Unexpected(e))
    }
}

/// A JSON error answer: `{"error": code}`.
pub fn error(status: StatusCode, code: &str) -> Response {
    http::json(status, &json!({ "error": code }))
}

/// Runs the checks for call `action` and parses its body as `T`.
pub async fn checked<T: DeserializeOwned>(
    app: &App,
    req: &Req,
    action: &str,
) -> Result<T, Refused> {
    if !csrf::same_origin(req, &app.origins) {
        return Err(Failure::from(CsrfError::ForeignOrigin).into());
    }
    let is_json = req
        .header(header::CONTENT_TYPE)
        .and_then(|ct| ct.split(';').next())
        .is_some_and(|ct| ct.trim().eq_ignore_ascii_case("application/json"));
    if !is_json {
        return Err(Refused::Answer(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "json_required",
        )));
    }
    if let Some(retry_after) = visitor::hit(app, action, req.client).await? {
        return Err(Failure::TooManyRequests { retry_after }.into());
    }
    serde_json::from_slice(&req.body)
        .map_err(|_| Refused::Answer(error(StatusCode::BAD_REQUEST, "bad_request")))
}

/// The response for a refusal.
pub fn refusal(refused: Refused) -> Result<Response, Failure> {
    match refused {
        Refused::Failure(f) => Err(f),
        Refused::Answer(resp) => Ok(resp),
    }
}

/// Text from a visitor, trimmed, without control characters other than
/// line breaks, when it has 1 to `max` characters.
pub fn clean_text(text: &str, max: usize) -> Option<String> {
    let text = text.trim();
    let ok = !text.is_empty()
        && text.chars().count() <= max
        && !text
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\r');
    ok.then(|| text.replace("\r\n", "\n"))
}

/// A language tag as the pages send it (`en`, `ja`, `pt-BR`), lower case;
/// `en` for anything else.
pub fn clean_lang(lang: &str) -> String {
    let ok = (2..=12).contains(&lang.len())
        && lang.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        lang.to_ascii_lowercase()
    } else {
        "en".to_owned()
    }
}
