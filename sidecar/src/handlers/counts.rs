//! Aggregate counts the static pages report: `POST /api/search-miss`
//! (`query`, `lang`: a search that found nothing, for the content-gap
//! report; ignored when `[sidecar] collect_search_misses = false`) and
//! `POST /api/suggestions` (`form`, `event`: suggested articles shown,
//! opened, or followed by a sent form). Only counts are kept.

use hyper::StatusCode;
use serde::Deserialize;

use super::json_call::{checked, clean_lang, error, refusal};
use super::Failure;
use crate::app::App;
use crate::db::feedback::{SuggestionEvent, SuggestionForm};
use crate::http::{self, Req, Response};

/// Longest query kept, in characters (longer ones are cut).
pub const MAX_QUERY_CHARS: usize = 100;

#[derive(Deserialize)]
struct Miss {
    query: String,
    #[serde(default)]
    lang: String,
}

#[derive(Deserialize)]
struct Suggestion {
    form: String,
    event: String,
}

/// `POST /api/search-miss`: 204.
pub async fn search_miss(app: &App, req: &Req) -> Result<Response, Failure> {
    let miss: Miss = match checked(app, req, "search_miss").await {
        Ok(m) => m,
        Err(refused) => return refusal(refused),
    };
    if app.options.config.collect_search_misses {
        if let Some(query) = normalize_query(&miss.query) {
            app.db
                .count_search_miss(query, clean_lang(&miss.lang))
                .await?;
        }
    }
    Ok(no_content())
}

/// `POST /api/suggestions`: 204, or 400 for an unknown form or event.
pub async fn suggestion(app: &App, req: &Req) -> Result<Response, Failure> {
    let sent: Suggestion = match checked(app, req, "suggestions").await {
        Ok(s) => s,
        Err(refused) => return refusal(refused),
    };
    let form = match sent.form.as_str() {
        "new_ticket" => SuggestionForm::NewTicket,
        "contact" => SuggestionForm::Contact,
        _ => return Ok(error(StatusCode::BAD_REQUEST, "bad_form")),
    };
    let event = match sent.event.as_str() {
        "shown" => SuggestionEvent::Shown,
        "opened" => SuggestionEvent::Opened,
        "submitted" => SuggestionEvent::Submitted,
        _ => return Ok(error(StatusCode::BAD_REQUEST, "bad_event")),
    };
    app.db.count_suggestion(form, event).await?;
    Ok(no_content())
}

fn no_content() -> Response {
    http::text(StatusCode::NO_CONTENT, "")
}

/// A query as counted: words joined by single spaces, lower case, at most
/// [`MAX_QUERY_CHARS`]. Queries that may hold personal data — an e-mail
/// address (`@`) or a long number (6+ digits: phone, order, card) — are
/// not counted at all.
pub fn normalize_query(query: &str) -> Option<String> {
    let words: Vec<String> = query
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let joined: String = words.join(" ").chars().take(MAX_QUERY_CHARS).collect();
    let mut digits = 0;
    let long_number = joined.chars().any(|c| {
        digits = if c.is_ascii_digit() { digits + 1 } else { 0 };
        digits >= 6
    });
    (!joined.is_empty() && !joined.contains('@') && !long_number).then_some(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_are_normalised_and_personal_looking_ones_dropped() {
        assert_eq!(
            normalize_query("  Reset   PASSWORD\t"),
            Some("reset password".into())
        );
        assert_eq!(
            normalize_query("請求書 再発行"),
            Some("請求書 再発行".into())
        );
        assert_eq!(normalize_query("   "), None);
        assert_eq!(normalize_query("alice@example.com invoice"), None);
        assert_eq!(normalize_query("order 1234567"), None);
        assert_eq!(normalize_query("error 404"), Some("error 404".into()));
        assert_eq!(
            normalize_query(&"x".repeat(300)).map(|q| q.len()),
            Some(100)
        );
    }
}
