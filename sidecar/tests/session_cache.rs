//! The in-memory session cache never outlives what the database says: a
//! session ended or an account changed by this server, by another
//! connection or by another process is refused on the very next request,
//! the time rules hold for cached sessions, and a cached session is always
//! the one its cookie names.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
mod tickets_support;

use std::process::Command;
use std::time::Duration;

use common::{token_in, Client, TestServer, PASSWORD};
use docket_sidecar::Role;
use tickets_support::import_ticket;

const ARTICLE: &str = "/internal/runbooks/refunds/";

/// Set by [`in_another_process`] for the child it starts.
const SQL_ENV: &str = "DOCKET_TEST_SQL";
const DB_ENV: &str = "DOCKET_TEST_DB";

/// Whether the agent gets the internal article (reading it twice, so that
/// the second request can be answered from the cache).
fn reads_article(c: &mut Client) -> bool {
    let first = c.get(ARTICLE);
    let second = c.get(ARTICLE);
    assert_eq!(first.status, second.status);
    second.status == 200 && second.body.contains("Refund runbook")
}

fn who(c: &mut Client) -> String {
    c.get("/api/session").body
}

/// A client that sends `cookie`, as a thief who kept it would.
fn with_cookie(server: &TestServer, cookie: &Option<String>) -> Client {
    let mut c = server.client();
    c.cookie = cookie.clone();
    c
}

/// Runs `sql` on the server's database from a second process: this test
/// binary started again with only [`sql_helper_process`] selected.
fn in_another_process(server: &TestServer, sql: &str) {
    let status = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "sql_helper_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(SQL_ENV, sql)
        .env(DB_ENV, &server.options.database)
        .status()
        .unwrap();
    assert!(status.success(), "the helper process failed");
}

/// Not a test of its own: the body of [`in_another_process`]'s child.
#[test]
fn sql_helper_process() {
    let (Ok(sql), Ok(db)) = (std::env::var(SQL_ENV), std::env::var(DB_ENV)) else {
        return;
    };
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.busy_timeout(Duration::from_secs(5)).unwrap();
    conn.execute_batch(&sql).unwrap();
}

#[test]
fn logout_ends_a_cached_session_at_once() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    assert!(reads_article(&mut agent));
    let kept = agent.cookie.clone();
    assert_eq!(agent.logout().status, 303);
    let mut thief = with_cookie(&server, &kept);
    let r = thief.get(ARTICLE);
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(!r.body.contains("Refund runbook"));
}

#[test]
fn a_session_deleted_by_another_connection_is_refused_on_the_next_request() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    assert!(reads_article(&mut agent));
    server.sql("DELETE FROM sessions WHERE account_id IS NOT NULL");
    assert_eq!(agent.get(ARTICLE).status, 303);
}

#[test]
fn a_session_deleted_by_another_process_is_refused_on_the_next_request() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    let mut other = server.signed_in(Role::Agent, "other@example.com");
    assert!(reads_article(&mut agent));
    assert!(reads_article(&mut other));
    in_another_process(
        &server,
        "DELETE FROM sessions WHERE account_id =
           (SELECT id FROM accounts WHERE email = 'agent@example.com')",
    );
    assert_eq!(agent.get(ARTICLE).status, 303);
    assert!(reads_article(&mut other), "the other session is untouched");
}

#[test]
fn a_role_changed_or_account_removed_elsewhere_takes_effect_on_the_next_request() {
    let server = TestServer::start();
    let mut demoted = server.signed_in(Role::Agent, "demoted@example.com");
    let mut removed = server.signed_in(Role::Agent, "removed@example.com");
    assert!(reads_article(&mut demoted));
    assert!(reads_article(&mut removed));

    in_another_process(
        &server,
        "UPDATE accounts SET role = 'customer' WHERE email = 'demoted@example.com'",
    );
    assert_eq!(demoted.get(ARTICLE).status, 403);
    assert!(who(&mut demoted).contains("\"role\":\"customer\""));

    assert!(reads_article(&mut removed));
    server.sql("DELETE FROM accounts WHERE email = 'removed@example.com'");
    assert_eq!(removed.get(ARTICLE).status, 303);
}

#[test]
fn a_password_reset_signs_out_every_cached_session() {
    let server = TestServer::start();
    let mut phone = server.signed_in(Role::Customer, "carol@example.com");
    let mut laptop = server.client();
    assert_eq!(laptop.login("carol@example.com", PASSWORD, "").status, 303);
    for c in [&mut phone, &mut laptop] {
        assert!(who(c).contains("carol@example.com"));
        assert!(who(c).contains("carol@example.com"));
    }

    let mut c = server.client();
    let r = c.submit(
        "/password/forgot",
        "/password/forgot",
        &[("email", "carol@example.com")],
    );
    assert_eq!(r.status, 200);
    let token = token_in(&server.wait_for_mail("carol@example.com", "/password/reset?token="));
    let r = c.submit(
        &format!("/password/reset?token={token}"),
        "/password/reset",
        &[("token", &token), ("password", "brand new password")],
    );
    assert_eq!(r.status, 200, "{}", r.body);

    for c in [&mut phone, &mut laptop] {
        assert!(who(c).contains("\"authenticated\":false"), "{}", who(c));
    }
}

#[test]
fn a_cached_session_that_runs_out_is_refused_without_any_change_to_the_database() {
    // Idle limit: one minute. The sessions are set (one commit) to end five
    // seconds from now; nothing commits after that, so the requests that
    // follow read them from the cache, and the clock alone must end them.
    let server = TestServer::start_with(|c| c.session_idle_minutes = 1);
    let mut idle = server.signed_in(Role::Agent, "idle@example.com");
    let mut old = server.signed_in(Role::Agent, "old@example.com");
    server.sql(
        "UPDATE sessions SET last_seen_at = strftime('%s','now') - 55
           WHERE account_id = (SELECT id FROM accounts WHERE email = 'idle@example.com');
         UPDATE sessions SET last_seen_at = strftime('%s','now'),
                             expires_at = strftime('%s','now') + 5
           WHERE account_id = (SELECT id FROM accounts WHERE email = 'old@example.com');",
    );
    assert!(reads_article(&mut idle));
    assert!(reads_article(&mut old));
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(idle.get(ARTICLE).status, 303);
    assert_eq!(old.get(ARTICLE).status, 303);
}

#[test]
fn interleaved_sessions_each_get_their_own_account() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    let mut carol = server.signed_in(Role::Customer, "carol@example.com");
    let mut dave = server.signed_in(Role::Customer, "dave@example.com");
    for _ in 0..3 {
        assert!(who(&mut agent).contains("\"email\":\"agent@example.com\""));
        assert!(who(&mut carol).contains("\"email\":\"carol@example.com\""));
        assert!(who(&mut dave).contains("\"email\":\"dave@example.com\""));
        assert_eq!(carol.get(ARTICLE).status, 403);
        assert_eq!(agent.get(ARTICLE).status, 200);
        assert_eq!(dave.get(ARTICLE).status, 403);
    }
}

#[test]
fn interleaved_customers_never_see_each_others_tickets_and_see_new_ones_at_once() {
    let server = TestServer::start();
    import_ticket(
        &server,
        "Matter of Carol",
        "carol@example.com",
        "open",
        &[("customer", "carol's text", false)],
    );
    import_ticket(
        &server,
        "Matter of Dave",
        "dave@example.com",
        "open",
        &[("customer", "dave's text", false)],
    );
    let mut carol = server.signed_in(Role::Customer, "carol@example.com");
    let mut dave = server.signed_in(Role::Customer, "dave@example.com");
    for _ in 0..3 {
        let mine = carol.get("/my/tickets");
        assert_eq!(mine.status, 200);
        assert!(mine.body.contains("Matter of Carol"), "{}", mine.body);
        assert!(!mine.body.contains("Matter of Dave"));
        let mine = dave.get("/my/tickets");
        assert_eq!(mine.status, 200);
        assert!(mine.body.contains("Matter of Dave"), "{}", mine.body);
        assert!(!mine.body.contains("Matter of Carol"));
    }
    // A ticket added by another connection shows on the next request.
    import_ticket(
        &server,
        "Second matter of Carol",
        "carol@example.com",
        "open",
        &[("customer", "more", false)],
    );
    let mine = carol.get("/my/tickets");
    assert!(
        mine.body.contains("Second matter of Carol"),
        "{}",
        mine.body
    );
    assert!(!dave.get("/my/tickets").body.contains("Second matter"));
}

/// A "My Tickets" page kept in memory belongs to one session, one status
/// filter and one page: two devices of one customer each get their own
/// form token, and a filter never answers with another filter's list.
#[test]
fn a_kept_my_tickets_page_belongs_to_one_session_and_one_filter() {
    let server = TestServer::start();
    import_ticket(
        &server,
        "Still open matter",
        "erin@example.com",
        "open",
        &[("customer", "open text", false)],
    );
    import_ticket(
        &server,
        "Settled matter",
        "erin@example.com",
        "resolved",
        &[("customer", "settled text", false)],
    );
    let mut phone = server.signed_in(Role::Customer, "erin@example.com");
    let mut laptop = server.client();
    assert_eq!(laptop.login("erin@example.com", PASSWORD, "").status, 303);
    for _ in 0..2 {
        let on_phone = phone.get("/my/tickets");
        let on_laptop = laptop.get("/my/tickets");
        assert!(
            on_phone.body.contains("Settled matter") && on_phone.body.contains("Still open matter")
        );
        assert_eq!(
            on_phone.body.matches("erin@example.com").count(),
            on_laptop.body.matches("erin@example.com").count()
        );
        assert_ne!(
            on_phone.csrf(),
            on_laptop.csrf(),
            "a kept page carried another session's form token"
        );
        let open = phone.get("/my/tickets?status=open");
        assert!(open.body.contains("Still open matter"), "{}", open.body);
        assert!(!open.body.contains("Settled matter"), "{}", open.body);
        let resolved = phone.get("/my/tickets?status=resolved");
        assert!(
            resolved.body.contains("Settled matter"),
            "{}",
            resolved.body
        );
        assert!(
            !resolved.body.contains("Still open matter"),
            "{}",
            resolved.body
        );
    }
    // Logging out on the laptop ends only the laptop's session.
    laptop.logout();
    assert!(!laptop.get("/my/tickets").body.contains("Settled matter"));
    assert!(phone.get("/my/tickets").body.contains("Settled matter"));
}
