//! A [`Report`] (see [`crate::db::reports`]) as CSV tables — what
//! `/agent/reports.csv` serves and `docket report --csv` prints — and as
//! plain text for `docket report`.

use std::fmt::Write;

use anyhow::{Context, Result};

use crate::db::reports::Report;
use crate::db::Db;
use crate::Options;

/// The report over the last `days` days from the site's store, without a
/// running server (for `docket report`). Blocking.
pub fn load(options: &Options, days: i64) -> Result<Report> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let db = Db::open(&options.database).await?;
        db.report(days).await
    })
}

/// The tables a report has, by the name `?table=` and `--csv` take.
pub const TABLES: &[&str] = &["articles", "gaps", "deflection", "csat"];

/// One CSV field, quoted when it needs to be; a leading `=`, `+`, `-` or
/// `@` is prefixed with `'` so that spreadsheets never run it as a formula
/// (visitors wrote the comments and queries).
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn row(out: &mut String, fields: &[String]) {
    let line: Vec<String> = fields.iter().map(|f| field(f)).collect();
    out.push_str(&line.join(","));
    out.push_str("\r\n");
}

/// Table `table` of `report` as CSV (RFC 4180, CRLF), `None` for an
/// unknown table.
pub fn csv(report: &Report, table: &str) -> Option<String> {
    let mut out = String::new();
    match table {
        "articles" => {
            row(
                &mut out,
                &strings(&[
                    "article",
                    "lang",
                    "helpful",
                    "not_helpful",
                    "helpful_ratio",
                    "comments",
                ]),
            );
            for a in &report.articles {
                row(
                    &mut out,
                    &[
                        a.article.clone(),
                        a.lang.clone(),
                        a.helpful.to_string(),
                        a.unhelpful.to_string(),
                        format!("{:.2}", a.helpful_ratio()),
                        a.comments.join("\n"),
                    ],
                );
            }
        }
        "gaps" => {
            row(&mut out, &strings(&["query", "lang", "searches"]));
            for g in &report.gaps {
                row(
                    &mut out,
                    &[g.query.clone(), g.lang.clone(), g.count.to_string()],
                );
            }
        }
        "deflection" => {
            row(
                &mut out,
                &strings(&[
                    "form",
                    "shown",
                    "opened",
                    "submitted_after_opening",
                    "deflected",
                ]),
            );
            for d in &report.deflection {
                row(
                    &mut out,
                    &[
                        d.form.clone(),
                        d.shown.to_string(),
                        d.opened.to_string(),
                        d.submitted.to_string(),
                        d.deflected().to_string(),
                    ],
                );
            }
        }
        "csat" => {
            row(&mut out, &strings(&["month", "good", "bad"]));
            for m in &report.csat {
                row(
                    &mut out,
                    &[m.month.clone(), m.good.to_string(), m.bad.to_string()],
                );
            }
        }
        _ => return None,
    }
    Some(out)
}

fn strings(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// The whole report as text for a terminal.
pub fn text(report: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Report for the last {} days\n", report.days);
    let _ = writeln!(out, "Articles (least helpful first)");
    if report.articles.is_empty() {
        let _ = writeln!(out, "  no votes");
    }
    for a in &report.articles {
        let _ = writeln!(
            out,
            "  {} [{}]  yes {}  no {}  helpful {:.0}%",
            a.article,
            a.lang,
            a.helpful,
            a.unhelpful,
            a.helpful_ratio() * 100.0
        );
        for c in &a.comments {
            let _ = writeln!(out, "    - {}", c.replace('\n', " "));
        }
    }
    let _ = writeln!(out, "\nContent gaps (searches that found nothing)");
    if report.gaps.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for g in &report.gaps {
        let _ = writeln!(out, "  {:>5}  {} [{}]", g.count, g.query, g.lang);
    }
    let _ = writeln!(out, "\nSuggested articles");
    if report.deflection.is_empty() {
        let _ = writeln!(out, "  none shown");
    }
    for d in &report.deflection {
        let _ = writeln!(
            out,
            "  {}: shown {}  opened {}  sent anyway {}  deflected {}",
            d.form,
            d.shown,
            d.opened,
            d.submitted,
            d.deflected()
        );
    }
    let _ = writeln!(out, "\nSatisfaction (CSAT) per month");
    if report.csat.is_empty() {
        let _ = writeln!(out, "  no ratings");
    }
    for m in &report.csat {
        let all = m.good + m.bad;
        let share = if all == 0 {
            0.0
        } else {
            m.good as f64 * 100.0 / all as f64
        };
        let _ = writeln!(
            out,
            "  {}  good {}  bad {}  ({share:.0}% good)",
            m.month, m.good, m.bad
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
    }
}
