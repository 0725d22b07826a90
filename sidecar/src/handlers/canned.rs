//! Canned replies, managed by agents: `GET /agent/canned` (the list and
//! the form for a new one), `POST /agent/canned` (`title`, `body`),
//! `GET /agent/canned/{id}` (the edit form), `POST /agent/canned/{id}`
//! (`title`, `body`) and `POST /agent/canned/{id}/delete`. Every form
//! carries `csrf`; a refused form comes back (400) with what was typed and
//! a message beside each field. Customers get 403, as on every `/agent/`
//! page. Inserting a canned reply into a reply is the ticket page's
//! business ([`super::tickets::agent`]); the text rules are in [`crate::canned`].

use hyper::StatusCode;
use serde::Serialize;

use super::tickets::{back_to, path_param, TicketsError};
use super::{checked_form, require_role};
use crate::app::App;
use crate::auth::{CurrentUser, Role, Session};
use crate::db::canned::SaveOutcome;
use crate::http::{self, Req, Response};
use crate::pages::Common;

/// The list page's address.
const LIST: &str = "/agent/canned";

#[derive(Serialize)]
struct CannedView {
    #[serde(flatten)]
    common: Common,
    /// Every canned reply (on the list page).
    replies: Vec<ReplyRow>,
    #[serde(flatten)]
    form: FormState,
    /// The placeholders a body may use.
    placeholders: &'static [&'static str],
}

#[derive(Serialize)]
struct ReplyRow {
    id: i64,
    title: String,
    body: String,
}

/// What a form page shows besides the list.
#[derive(Default, Serialize)]
struct FormState {
    /// The catalog key of what the last action did.
    notice: Option<&'static str>,
    /// The reply being edited (the edit page); `None` on the list page.
    editing: Option<i64>,
    /// The form's title field.
    title: String,
    /// The form's body field.
    body: String,
    /// Catalog key of the title's error.
    title_error: Option<&'static str>,
    /// Catalog key of the body's error.
    body_error: Option<&'static str>,
}

async fn render(
    app: &App,
    session: &Session,
    status: StatusCode,
    state: FormState,
) -> Result<Response, TicketsError> {
    let replies = if state.editing.is_some() {
        Vec::new()
    } else {
        app.db
            .canned_replies()
            .await?
            .into_iter()
            .map(|r| ReplyRow {
                id: r.id,
                title: r.title,
                body: r.body,
            })
            .collect()
    };
    let view = CannedView {
        common: Common::new(&app.options.site_title, Some(session)),
        replies,
        form: state,
        placeholders: &crate::canned::NAMES,
    };
    Ok(app.pages.render(status, "agent_canned.html", &view)?)
}

/// The id in `/agent/canned/{id}{suffix}`.
fn id_in_path(req: &Req, suffix: &str) -> Result<i64, TicketsError> {
    path_param(&req.path, "/agent/canned/", suffix)
        .and_then(|id| id.parse::<i64>().ok())
        .ok_or(TicketsError::NotFound)
}

/// The signed-in agent with a checked form, for a post whose form lives
/// on `page`.
async fn agent_form(
    app: &App,
    req: &Req,
    page: &str,
) -> Result<(Session, CurrentUser, http::Form), TicketsError> {
    let (session, user) = require_role(app, req, Role::Agent)
        .await
        .map_err(back_to(page))?;
    let form = checked_form(app, req, &session)?;
    Ok((session, user, form))
}

/// `GET /agent/canned`.
pub async fn list(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, _) = require_role(app, req, Role::Agent).await?;
    let notice = match req.query_param("done").as_deref() {
        Some("created") => Some("canned.done_created"),
        Some("saved") => Some("canned.done_saved"),
        Some("deleted") => Some("canned.done_deleted"),
        _ => None,
    };
    let state = FormState {
        notice,
        ..FormState::default()
    };
    render(app, &session, StatusCode::OK, state).await
}

/// `GET /agent/canned/{id}`: the edit form; 404 for an unknown id.
pub async fn edit(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, _) = require_role(app, req, Role::Agent).await?;
    let id = id_in_path(req, "")?;
    let reply = app
        .db
        .canned_reply(id)
        .await?
        .ok_or(TicketsError::NotFound)?;
    let state = FormState {
        editing: Some(id),
        title: reply.title,
        body: reply.body,
        ..FormState::default()
    };
    render(app, &session, StatusCode::OK, state).await
}

/// The checked title and body of a form, or the form state to show again.
fn checked_fields(form: &http::Form, editing: Option<i64>) -> Result<(String, String), FormState> {
    match (
        crate::canned::check_title(form.get("title")),
        crate::canned::check_body(form.get("body")),
    ) {
        (Ok(title), Ok(body)) => Ok((title, body)),
        (title, body) => Err(FormState {
            editing,
            title: form.get("title").to_owned(),
            body: form.get("body").to_owned(),
            title_error: title.err(),
            body_error: body.err(),
            ..FormState::default()
        }),
    }
}

/// Where a save leads: the list, or the form again with the reason.
async fn after_save(
    app: &App,
    session: &Session,
    form: &http::Form,
    editing: Option<i64>,
    outcome: SaveOutcome,
    done: &str,
) -> Result<Response, TicketsError> {
    match outcome {
        SaveOutcome::Saved(_) => Ok(http::see_other(&format!("{LIST}?done={done}"))),
        SaveOutcome::NotFound => Err(TicketsError::NotFound),
        SaveOutcome::TitleTaken => {
            let state = FormState {
                editing,
                title: form.get("title").to_owned(),
                body: form.get("body").to_owned(),
                title_error: Some("canned.title_taken"),
                ..FormState::default()
            };
            render(app, session, StatusCode::BAD_REQUEST, state).await
        }
    }
}

/// `POST /agent/canned` (`title`, `body`, `csrf`).
pub async fn create(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, user, form) = agent_form(app, req, LIST).await?;
    let (title, body) = match checked_fields(&form, None) {
        Ok(fields) => fields,
        Err(state) => return render(app, &session, StatusCode::BAD_REQUEST, state).await,
    };
    let outcome = app
        .db
        .create_canned_reply(&title, &body, user.account_id)
        .await?;
    after_save(app, &session, &form, None, outcome, "created").await
}

/// `POST /agent/canned/{id}` (`title`, `body`, `csrf`).
pub async fn update(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, _, form) = agent_form(app, req, &req.path).await?;
    let id = id_in_path(req, "")?;
    let (title, body) = match checked_fields(&form, Some(id)) {
        Ok(fields) => fields,
        Err(state) => return render(app, &session, StatusCode::BAD_REQUEST, state).await,
    };
    let outcome = app.db.update_canned_reply(id, &title, &body).await?;
    after_save(app, &session, &form, Some(id), outcome, "saved").await
}

/// `POST /agent/canned/{id}/delete` (`csrf`); 404 for an unknown id.
pub async fn delete(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let page = req.path.trim_end_matches("/delete");
    agent_form(app, req, page).await?;
    let id = id_in_path(req, "/delete")?;
    if !app.db.delete_canned_reply(id).await? {
        return Err(TicketsError::NotFound);
    }
    Ok(http::see_other(&format!("{LIST}?done=deleted")))
}
