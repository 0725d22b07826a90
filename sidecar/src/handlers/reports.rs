//! `GET /agent/reports[?days=N]` (agents): votes per article, content gaps,
//! suggested-article counts and satisfaction per month, over the last N
//! days (default [`DEFAULT_DAYS`]); `GET /agent/reports.csv?table=…[&days=N]`
//! downloads one table (see [`crate::report::TABLES`]).

use hyper::{header, StatusCode};
use serde::Serialize;

use super::tickets::TicketsError;
use super::{require_role, Failure};
use crate::app::App;
use crate::auth::Role;
use crate::db::reports::Report;
use crate::http::{self, Req, Response};
use crate::pages::Common;
use crate::report;

/// The period a report covers when none is asked for, in days.
pub const DEFAULT_DAYS: i64 = 90;

#[derive(Serialize)]
struct ArticleRow {
    article: String,
    lang: String,
    helpful: i64,
    unhelpful: i64,
    ratio_percent: i64,
    comments: Vec<String>,
}

#[derive(Serialize)]
struct GapRow {
    query: String,
    lang: String,
    count: i64,
}

#[derive(Serialize)]
struct DeflectionRow {
    form: String,
    shown: i64,
    opened: i64,
    submitted: i64,
    deflected: i64,
}

#[derive(Serialize)]
struct CsatRow {
    month: String,
    good: i64,
    bad: i64,
    good_percent: i64,
}

#[derive(Serialize)]
struct ReportView {
    #[serde(flatten)]
    common: Common,
    days: i64,
    collect_search_misses: bool,
    articles: Vec<ArticleRow>,
    gaps: Vec<GapRow>,
    deflection: Vec<DeflectionRow>,
    csat: Vec<CsatRow>,
    tables: &'static [&'static str],
}

fn percent(part: i64, all: i64) -> i64 {
    if all == 0 {
        0
    } else {
        (part * 100 + all / 2) / all
    }
}

fn days_param(req: &Req) -> i64 {
    req.query_param("days")
        .and_then(|d| d.parse::<i64>().ok())
        .filter(|d| (1..=3660).contains(d))
        .unwrap_or(DEFAULT_DAYS)
}

fn view(app: &App, common: Common, r: Report) -> ReportView {
    ReportView {
        common,
        days: r.days,
        collect_search_misses: app.options.config.collect_search_misses,
        articles: r
            .articles
            .into_iter()
            .map(|a| ArticleRow {
                ratio_percent: percent(a.helpful, a.helpful + a.unhelpful),
                article: a.article,
                lang: a.lang,
                helpful: a.helpful,
                unhelpful: a.unhelpful,
                comments: a.comments,
            })
            .collect(),
        gaps: r
            .gaps
            .into_iter()
            .map(|g| GapRow {
                query: g.query,
                lang: g.lang,
                count: g.count,
            })
            .collect(),
        deflection: r
            .deflection
            .into_iter()
            .map(|d| DeflectionRow {
                deflected: d.deflected(),
                form: d.form,
                shown: d.shown,
                opened: d.opened,
                submitted: d.submitted,
            })
            .collect(),
        csat: r
            .csat
            .into_iter()
            .map(|m| CsatRow {
                good_percent: percent(m.good, m.good + m.bad),
                month: m.month,
                good: m.good,
                bad: m.bad,
            })
            .collect(),
        tables: report::TABLES,
    }
}

/// `GET /agent/reports`.
pub async fn page(app: &App, req: &Req) -> Result<Response, TicketsError> {
    let (session, _) = require_role(app, req, Role::Agent).await?;
    let report = app.db.report(days_param(req)).await?;
    let common = Common::new(&app.options.site_title, Some(&session));
    Ok(app
        .pages
        .render(StatusCode::OK, "reports.html", &view(app, common, report))?)
}

/// `GET /agent/reports.csv?table=…`: `text/csv` as an attachment; 404 for
/// an unknown table.
pub async fn csv(app: &App, req: &Req) -> Result<Response, Failure> {
    require_role(app, req, Role::Agent).await?;
    let table = req.query_param("table").unwrap_or_default();
    let report = app.db.report(days_param(req)).await?;
    let Some(body) = report::csv(&report, &table) else {
        return Err(Failure::NotFound);
    };
    let mut resp = http::html(StatusCode::OK, body);
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    http::set_header(
        &mut resp,
        header::CONTENT_DISPOSITION,
        &format!(
            "attachment; filename=\"docket-{table}-{}d.csv\"",
            report.days
        ),
    );
    Ok(resp)
}
