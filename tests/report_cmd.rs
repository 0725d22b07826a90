//! `docket report`, the real binary, over a real SQLite store: the same
//! figures as `/agent/reports` (whose figures against events made through
//! the HTTP API are checked in `sidecar/tests/selfservice/reports.rs`),
//! as text and as CSV.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Output};

fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("content")).unwrap();
    std::fs::write(
        dir.path().join("docket.toml"),
        "[site]\ntitle = \"Report Help\"\nbase_url = \"https://help.example.com\"\n",
    )
    .unwrap();
    dir
}

fn report(dir: &std::path::Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_docket"))
        .arg("report")
        .arg("--site")
        .arg(dir)
        .args(extra)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn an_empty_store_reports_nothing_yet() {
    let dir = site();
    let text = stdout(&report(dir.path(), &[]));
    assert!(text.contains("Report for the last 90 days"), "{text}");
    assert!(text.contains("no votes"));
    assert!(text.contains("no ratings"));
}

#[test]
fn the_report_prints_votes_gaps_deflection_and_csat_as_text_and_csv() {
    let dir = site();
    // The first run creates and migrates the store.
    stdout(&report(dir.path(), &["--days", "7"]));
    let conn = rusqlite::Connection::open(dir.path().join("docket.db")).unwrap();
    conn.execute_batch(
        "INSERT INTO article_votes (article, lang, helpful, comment, created_at) VALUES
           ('/billing/refunds/', 'en', 0, 'No mention of partial refunds', unixepoch()),
           ('/billing/refunds/', 'en', 0, NULL, unixepoch()),
           ('/billing/refunds/', 'en', 1, NULL, unixepoch()),
           ('/billing/refunds/', 'en', 1, NULL, unixepoch() - 30 * 86400),
           ('/ja/billing/refunds/', 'ja', 1, NULL, unixepoch());
         INSERT INTO search_misses (query, lang, day, count) VALUES
           ('invoice pdf', 'en', unixepoch() / 86400, 3),
           ('領収書', 'ja', unixepoch() / 86400, 1);
         INSERT INTO suggestion_counts (day, form, event, count) VALUES
           (unixepoch() / 86400, 'new_ticket', 'shown', 4),
           (unixepoch() / 86400, 'new_ticket', 'opened', 3),
           (unixepoch() / 86400, 'new_ticket', 'submitted', 1);
         INSERT INTO tickets (ref, subject, requester, status, created_at, updated_at)
           VALUES ('r1', 'S', 'c@example.com', 'resolved', 0, 0);
         INSERT INTO ticket_ratings (ticket_id, resolution, asked_at, rating, rated_at) VALUES
           (1, 1, unixepoch(), 'good', unixepoch()),
           (1, 2, unixepoch(), 'bad', unixepoch());",
    )
    .unwrap();
    drop(conn);

    let text = stdout(&report(dir.path(), &["--days", "7"]));
    assert!(text.contains("Report for the last 7 days"), "{text}");
    // The vote from 30 days ago is outside the period.
    assert!(
        text.contains("/billing/refunds/ [en]  yes 1  no 2  helpful 33%"),
        "{text}"
    );
    assert!(
        text.contains("    - No mention of partial refunds"),
        "{text}"
    );
    assert!(text.contains("/ja/billing/refunds/ [ja]  yes 1  no 0  helpful 100%"));
    assert!(text.contains("    3  invoice pdf [en]"), "{text}");
    assert!(text.contains("    1  領収書 [ja]"), "{text}");
    assert!(text.contains("new_ticket: shown 4  opened 3  sent anyway 1  deflected 2"));
    assert!(text.contains("good 1  bad 1  (50% good)"), "{text}");
    // Least helpful first.
    assert!(text.find("/billing/refunds/ [en]").unwrap() < text.find("/ja/billing/").unwrap());

    let csv = stdout(&report(dir.path(), &["--days", "7", "--csv", "gaps"]));
    assert_eq!(
        csv,
        "query,lang,searches\r\ninvoice pdf,en,3\r\n領収書,ja,1\r\n"
    );
    let csv = stdout(&report(dir.path(), &["--csv", "articles"]));
    assert!(
        csv.contains("/billing/refunds/,en,2,2,0.50,No mention of partial refunds\r\n"),
        "{csv}"
    );

    let bad = report(dir.path(), &["--csv", "views"]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("articles, gaps, deflection, csat"));
}
