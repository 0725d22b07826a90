//! "Was this article helpful?": the widget on every article asks
//! `GET /api/feedback/token` for a signed token, then sends
//! `POST /api/feedback` (`token`, `article`, `lang`, `helpful`) and, after
//! a "No", optionally `POST /api/feedback/comment` (`token`, `vote`,
//! `comment`). One vote per visitor, article and day, told apart by a
//! keyed daily hash ([`crate::auth::visitor`]); nothing names the visitor.

use std::path::{Component, Path};

use hyper::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::json_call::{checked, clean_lang, clean_text, error, refusal};
use super::Failure;
use crate::app::App;
use crate::auth::signing::{sign, verify};
use crate::auth::visitor;
use crate::db::feedback::NewVote;
use crate::db::now;
use crate::http::{self, Req, Response};

/// How long a feedback token is accepted, in seconds.
pub const TOKEN_TTL_SECS: i64 = 2 * 60 * 60;
/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 1000;
/// Longest article path, in bytes.
const MAX_ARTICLE_BYTES: usize = 300;

#[derive(Deserialize)]
struct Vote {
    token: String,
    article: String,
    #[serde(default)]
    lang: String,
    helpful: bool,
}

#[derive(Deserialize)]
struct Comment {
    token: String,
    vote: String,
    comment: String,
}

/// `GET /api/feedback/token`: `{"token": "…"}`, valid for
/// [`TOKEN_TTL_SECS`].
pub async fn token(app: &App) -> Result<Response, Failure> {
    let token = sign(&app.keys.feedback, "feedback-token", &now().to_string());
    Ok(http::json(StatusCode::OK, &json!({ "token": token })))
}

/// Whether `token` is one [`token`] issued less than [`TOKEN_TTL_SECS`] ago.
fn token_is_live(app: &App, token: &str) -> bool {
    verify(&app.keys.feedback, "feedback-token", token)
        .and_then(|issued| issued.parse::<i64>().ok())
        .is_some_and(|issued| (0..TOKEN_TTL_SECS).contains(&(now() - issued)))
}

/// `POST /api/feedback`: 201 `{"vote": "…"}` (the handle a comment
/// names), 409 `{"error": "already_voted"}` for a second vote today, 400
/// for a bad token or an article the public bundle does not have.
pub async fn vote(app: &App, req: &Req) -> Result<Response, Failure> {
    let vote: Vote = match checked(app, req, "feedback").await {
        Ok(v) => v,
        Err(refused) => return refusal(refused),
    };
    if !token_is_live(app, &vote.token) {
        return Ok(error(StatusCode::BAD_REQUEST, "bad_token"));
    }
    let Some(article) = article_path(app, &vote.article).await else {
        return Ok(error(StatusCode::BAD_REQUEST, "unknown_article"));
    };
    let (mark, day) = visitor::vote_mark(app, req.client, &article).await?;
    let recorded = app
        .db
        .record_vote(NewVote {
            article,
            lang: clean_lang(&vote.lang),
            helpful: vote.helpful,
            mark,
            day,
        })
        .await?;
    Ok(match recorded {
        Some(id) => http::json(
            StatusCode::CREATED,
            &json!({ "vote": sign(&app.keys.feedback, "feedback-vote", &id.to_string()) }),
        ),
        None => error(StatusCode::CONFLICT, "already_voted"),
    })
}

/// `POST /api/feedback/comment`: adds a comment to one's own "No" vote,
/// once; 200 `{"recorded": true}`, or 409 when there is nothing to add it
/// to.
pub async fn comment(app: &App, req: &Req) -> Result<Response, Failure> {
    let sent: Comment = match checked(app, req, "feedback").await {
        Ok(c) => c,
        Err(refused) => return refusal(refused),
    };
    if !token_is_live(app, &sent.token) {
        return Ok(error(StatusCode::BAD_REQUEST, "bad_token"));
    }
    let Some(id) = verify(&app.keys.feedback, "feedback-vote", &sent.vote)
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return Ok(error(StatusCode::BAD_REQUEST, "bad_vote"));
    };
    let Some(comment) = clean_text(&sent.comment, MAX_COMMENT_CHARS) else {
        return Ok(error(StatusCode::BAD_REQUEST, "bad_comment"));
    };
    if app.db.add_vote_comment(id, comment).await? {
        Ok(http::json(StatusCode::OK, &json!({ "recorded": true })))
    } else {
        Ok(error(StatusCode::CONFLICT, "not_commentable"))
    }
}

/// The article path as stored (`/a/b/`, percent-decoded), when it is a
/// clean absolute path and — if the sidecar has the public bundle — an
/// article page there.
async fn article_path(app: &App, sent: &str) -> Option<String> {
    let decoded = percent_encoding::percent_decode_str(sent)
        .decode_utf8()
        .ok()?
        .into_owned();
    let clean = decoded.len() > 1
        && decoded.starts_with('/')
        && decoded.ends_with('/')
        && decoded.len() <= MAX_ARTICLE_BYTES
        && !decoded.chars().any(|c| c.is_control() || c == '\\');
    let relative = Path::new(decoded.trim_start_matches('/'));
    if !clean
        || relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let public = &app.options.public_dir;
    if tokio::fs::metadata(public).await.is_ok_and(|m| m.is_dir()) {
        let page = public.join(relative).join("index.html");
        if !tokio::fs::metadata(&page).await.is_ok_and(|m| m.is_file()) {
            return None;
        }
    }
    Some(decoded)
}
