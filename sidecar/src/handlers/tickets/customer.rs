//! The customer's tickets: `GET /my/tickets[?status=&q=&sort=&page=]`,
//! `GET /my/tickets/{ref}`, `POST /my/tickets/{ref}/reply`,
//! `POST /my/tickets/{ref}/solve` and, when
//! `allow_new_tickets` is on, `GET /my/tickets/new` and `POST /my/tickets`.
//!
//! A customer owns the tickets whose requester is the account's verified
//! address; an unverified account owns none. A ticket that is not the
//! customer's answers exactly like a missing one (404) and nothing is
//! written for it.

use hyper::StatusCode;
use serde::Serialize;

use super::conversation::{add_customer_reply, customer_message, render_ticket, TicketPageView};
use super::{
    back_to, check_body, check_subject, notify_agents, page_param, path_param, search_param,
    status_options, throttle_customer, MessageView, Pager, StatusChoice, StatusOption, TicketView,
    TicketsError, PER_PAGE,
};
use crate::app::App;
use crate::auth::sessions::{cookie_token_hash, live_session};
use crate::auth::{CurrentUser, Role, Session};
use crate::db::ticket_lists::{TicketFilter, TicketSort};
use crate::db::tickets::{parse_reference, Author, Status, Ticket};
use crate::handlers::{checked_form, require_role, AccessError};
use crate::http::{self, Req, Response};
use crate::pages::Common;

#[derive(Serialize)]
struct ListView {
    #[serde(flatten)]
    common: Common,
    verified: bool,
    tickets: Vec<TicketView>,
    statuses: Vec<StatusOption>,
    /// The status choice: `all` (the default) or a status name.
    status: &'static str,
    /// The search words.
    q: String,
    /// The order: `updated` (the default), `created` or `status`.
    sort: &'static str,
    /// The customer has at least one ticket (for the empty states).
    total: u64,
    /// A status or search narrows the list (for the empty state).
    filtered: bool,
    pager: Pager,
    allow_new_tickets: bool,
}

#[derive(Serialize)]
struct NewTicketView<'a> {
    #[serde(flatten)]
    common: Common,
    subject: &'a str,
    body: &'a str,
    /// The catalog key of the message beside the subject field.
    subject_error: Option<&'static str>,
    /// The catalog key of the message beside the message field.
    body_error: Option<&'static str>,
    /// A refused file, named (shown beside the file field).
    file_error: Option<String>,
}

/// The verified address of a customer, or nothing.
fn owner(user: &CurrentUser) -> Option<&str> {
    user.verified.then_some(user.email.as_str())
}

/// `GET /my/tickets[?status=&q=&sort=&page=]`: the customer's tickets,
/// narrowed by status and by words in the subject or the public messages,
/// in the chosen order.
///
/// A signed-out visitor is sent to sign in and back; the login page links
/// to the ticket-link form for customers without an account. One trip to
/// the store reads the session and the page, and none when both are in
/// memory (see [`crate::db::read_cache`]); the rendered page is kept under
/// the same rule, keyed by session and filter.
pub async fn list(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let choice = StatusChoice::from_param(req.query_param("status"), StatusChoice::All);
    let filter = TicketFilter {
        requester: None,
        status: choice.status(),
        words: Some(search_param(req.query_param("q"))).filter(|q| !q.is_empty()),
        sort: req
            .query_param("sort")
            .as_deref()
            .and_then(TicketSort::parse)
            .unwrap_or_default(),
        page: page_param(req.query_param("page")),
        per_page: PER_PAGE,
        ..TicketFilter::default()
    };
    // The session and the page of tickets in one read: the list is only
    // read for a verified customer, and only used if the session is live.
    let token_hash = cookie_token_hash(app, req);
    let found = match &token_hash {
        Some(token_hash) => {
            let filter = filter.clone();
            app.db
                .session_with_tickets(token_hash, move |account| {
                    (account.role == Role::Customer && account.verified).then(|| TicketFilter {
                        requester: Some(account.email.clone()),
                        ..filter
                    })
                })
                .await?
        }
        None => None,
    };
    let (session, listed, stamp) = match found {
        Some((stored, listed, stamp)) => (live_session(app, stored).await?, listed, stamp),
        None => (None, None, None),
    };
    let Some((session, user)) = session.and_then(|s| s.user.clone().map(|u| (s, u))) else {
        return Err(AccessError::SignIn { next: req.target() }.into());
    };
    if user.role != Role::Customer {
        return Err(AccessError::Forbidden.into());
    }
    // The session is live and a customer's: its page may come from memory
    // when nothing was committed since the session and list were read.
    let cached = token_hash.zip(stamp).map(|(hash, stamp)| {
        let lang = crate::language::current().unwrap_or_default();
        ((hash, filter.clone(), lang), stamp)
    });
    if let Some((key, stamp)) = &cached {
        if let Some(body) = app.rendered_lists.get(key, stamp) {
            return Ok(http::html(StatusCode::OK, body));
        }
    }
    let (tickets, total) = match (owner(&user), listed) {
        (Some(_), Some(found)) => (found.tickets, found.total),
        _ => (Vec::new(), 0),
    };
    let q = filter.words.clone().unwrap_or_default();
    // Defaults stay out of page links.
    let status_in_links = match choice {
        StatusChoice::All => "",
        other => other.as_str(),
    };
    let sort_in_links = match filter.sort {
        TicketSort::Updated => "",
        other => other.as_str(),
    };
    let pager = Pager::new(
        "/my/tickets",
        &[
            ("status", status_in_links),
            ("q", &q),
            ("sort", sort_in_links),
        ],
        filter.page,
        total,
        PER_PAGE,
    );
    let view = ListView {
        common: Common::new(&app.options.site_title, Some(&session)),
        verified: user.verified,
        tickets: tickets.iter().map(TicketView::new).collect(),
        statuses: status_options(choice.status()),
        status: choice.as_str(),
        filtered: choice != StatusChoice::All || !q.is_empty(),
        q,
        sort: filter.sort.as_str(),
        total,
        pager,
        allow_new_tickets: can_open_tickets(app, &user),
    };
    let body = bytes::Bytes::from(app.pages.render_html("my_tickets.html", &view)?);
    if let Some((key, stamp)) = cached {
        app.rendered_lists.insert(key, stamp, body.clone());
    }
    Ok(http::html(StatusCode::OK, body))
}

/// The customer's own ticket named in the path, or 404.
pub(super) async fn owned_ticket(
    app: &App,
    user: &CurrentUser,
    raw_ref: &str,
) -> Result<Ticket, TicketsError> {
    let reference = parse_reference(raw_ref).ok_or(TicketsError::NotFound)?;
    let email = owner(user).ok_or(TicketsError::NotFound)?;
    app.db
        .ticket(&reference, Some(email))
        .await?
        .ok_or(TicketsError::NotFound)
}

fn page_view(
    app: &App,
    session: &Session,
    user: &CurrentUser,
    req: &Req,
) -> impl FnOnce(TicketView, Vec<MessageView>) -> TicketPageView {
    let common = Common::new(&app.options.site_title, Some(session));
    let form_csrf = session.csrf.clone();
    let reopened = req.query_param("reopened").is_some();
    let replied = req.query_param("replied").is_some() || reopened;
    let created = req.query_param("created").is_some();
    let solved = req.query_param("solved").is_some();
    let allow_new_tickets = can_open_tickets(app, user);
    move |ticket, messages| TicketPageView {
        reply_action: format!("/my/tickets/{}/reply", ticket.reference),
        solve_action: Some(format!("/my/tickets/{}/solve", ticket.reference)),
        common,
        ticket,
        messages,
        form_csrf,
        reopened,
        replied,
        created,
        solved,
        allow_new_tickets,
        error: None,
        expired: false,
        file_error: None,
        draft: String::new(),
        via_link: false,
    }
}

/// `GET /my/tickets/{ref}`.
pub async fn show(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, user) = require_role(app, req, Role::Customer).await?;
    let raw_ref = path_param(&req.path, "/my/tickets/", "").unwrap_or("");
    let ticket = owned_ticket(app, &user, raw_ref).await?;
    render_ticket(
        app,
        StatusCode::OK,
        &ticket,
        page_view(app, &session, &user, req),
    )
    .await
}

/// `POST /my/tickets/{ref}/reply` (`body`, `csrf`, optional `files`, as a
/// form or `multipart/form-data`): adds the reply (which
/// reopens a resolved or closed ticket) and goes back to the ticket.
pub async fn reply(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let page = req.path.trim_end_matches("/reply");
    let (session, user) = require_role(app, req, Role::Customer)
        .await
        .map_err(back_to(page))?;
    let form = checked_form(app, req, &session)?;
    let raw_ref = path_param(&req.path, "/my/tickets/", "/reply").unwrap_or("");
    let ticket = owned_ticket(app, &user, raw_ref).await?;
    let (body, files) = match (check_body(form.get("body")), req.files()) {
        (Ok(body), Ok(files)) => (body, files),
        (body, files) => {
            let view = page_view(app, &session, &user, req);
            let draft = form.get("body").to_owned();
            return render_ticket(app, StatusCode::BAD_REQUEST, &ticket, |t, m| {
                TicketPageView {
                    error: body.err(),
                    file_error: files.err().map(|e| super::file_error_text(app, &e)),
                    draft,
                    ..view(t, m)
                }
            })
            .await;
        }
    };
    let (ticket, flag) = add_customer_reply(
        app,
        &ticket.reference,
        Some(user.account_id),
        &user.email,
        body,
        files,
    )
    .await?;
    Ok(http::see_other(&format!(
        "/my/tickets/{}?{flag}=1",
        ticket.reference
    )))
}

/// `POST /my/tickets/{ref}/solve` (`csrf`): the owner marks the ticket
/// resolved and goes back to it; replying reopens it. A ticket already
/// resolved or closed stays as it is.
pub async fn solve(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let page = req.path.trim_end_matches("/solve");
    let (session, user) = require_role(app, req, Role::Customer)
        .await
        .map_err(back_to(page))?;
    checked_form(app, req, &session)?;
    let raw_ref = path_param(&req.path, "/my/tickets/", "/solve").unwrap_or("");
    let ticket = owned_ticket(app, &user, raw_ref).await?;
    if !ticket.status.reopens_on_reply() {
        let actor = Author {
            role: Role::Customer,
            account_id: Some(user.account_id),
            email: user.email.clone(),
        };
        app.db
            .set_status(&ticket.reference, Status::Resolved, actor)
            .await?
            .ok_or(TicketsError::NotFound)?;
    }
    Ok(http::see_other(&format!(
        "/my/tickets/{}?solved=1",
        ticket.reference
    )))
}

/// Whether `user` may open tickets here: a customer with a verified
/// address while `allow_new_tickets` is on. Pages link to the new-ticket
/// form only then.
pub(crate) fn can_open_tickets(app: &App, user: &CurrentUser) -> bool {
    user.role == Role::Customer && user.verified && app.options.config.allow_new_tickets
}

/// [`can_open_tickets`], or the new-ticket routes do not exist.
fn may_open_tickets(app: &App, user: &CurrentUser) -> Result<(), TicketsError> {
    if can_open_tickets(app, user) {
        Ok(())
    } else {
        Err(TicketsError::NotFound)
    }
}

/// `GET /my/tickets/new[?subject=&body=]` (the fields pre-filled).
pub async fn new_form(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, user) = require_role(app, req, Role::Customer).await?;
    may_open_tickets(app, &user)?;
    // Pre-filled by "Still need help? Contact support" on an article.
    let subject = req.query_param("subject").unwrap_or_default();
    let body = req.query_param("body").unwrap_or_default();
    let view = NewTicketView {
        common: Common::new(&app.options.site_title, Some(&session)),
        subject: &subject,
        body: &body,
        subject_error: None,
        body_error: None,
        file_error: None,
    };
    Ok(app.pages.render(StatusCode::OK, "new_ticket.html", &view)?)
}

/// `POST /my/tickets` (`subject`, `body`, `csrf`, optional `files`): opens
/// a ticket and goes to it. A refused file brings the form back with what
/// was typed and nothing stored.
pub async fn create(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, user) = require_role(app, req, Role::Customer)
        .await
        .map_err(back_to("/my/tickets/new"))?;
    may_open_tickets(app, &user)?;
    let form = checked_form(app, req, &session)?;
    // Both fields are checked, so every problem shows beside its field.
    let (subject, body, files) = match (
        check_subject(form.get("subject")),
        check_body(form.get("body")),
        req.files(),
    ) {
        (Ok(subject), Ok(body), Ok(files)) => (subject, body, files),
        (subject, body, files) => {
            let view = NewTicketView {
                common: Common::new(&app.options.site_title, Some(&session)),
                subject: form.get("subject"),
                body: form.get("body"),
                subject_error: subject.err(),
                body_error: body.err(),
                file_error: files.err().map(|e| super::file_error_text(app, &e)),
            };
            return Ok(app
                .pages
                .render(StatusCode::BAD_REQUEST, "new_ticket.html", &view)?);
        }
    };
    throttle_customer(app, &user.email, true).await?;
    let first = customer_message(Some(user.account_id), &user.email, body.clone(), files);
    let language = crate::language::current();
    let ticket = app
        .db
        .create_ticket(&subject, &user.email, language, first)
        .await?;
    let files = super::first_message_files_in_mail(app, &ticket).await;
    notify_agents(app, &ticket, &body, &files, true).await;
    super::acknowledge(app, &ticket).await;
    Ok(http::see_other(&format!(
        "/my/tickets/{}?created=1",
        ticket.reference
    )))
}
