//! "My Tickets" over real HTTP: the list, the ticket page, replies that
//! reopen, new tickets and the switch that turns them off, and the rule
//! that only a verified address owns tickets.

mod common;
mod tickets_support;

use common::TestServer;
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";

#[test]
fn the_list_shows_the_verified_addresss_tickets_newest_first_with_status_and_date() {
    let server = TestServer::start();
    import_ticket(
        &server,
        "Old question",
        CAROL,
        "closed",
        &[("customer", "hi", false)],
    );
    import_ticket(
        &server,
        "Someone else's",
        "dave@example.com",
        "open",
        &[("customer", "x", false)],
    );
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let newer = open_ticket(&mut carol, "Printer on fire", "Help!");
    let page = carol.get("/my/tickets");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("cache-control"), Some("private, no-store"));
    assert!(
        page.body.contains("table class=\"ticket-list\""),
        "{}",
        page.body
    );
    let first = page.body.find("Printer on fire").unwrap();
    let second = page.body.find("Old question").unwrap();
    assert!(first < second, "newest first");
    assert!(page.body.contains(&format!("href=\"/my/tickets/{newer}\"")));
    assert!(page
        .body
        .contains("<span class=\"status status-new\">New</span>"));
    assert!(page
        .body
        .contains("<span class=\"status status-closed\">Closed</span>"));
    assert!(page
        .body
        .contains("<time datetime=\"2026-01-05T10:00:00Z\">2026-01-05 10:00 UTC</time>"));
    assert!(!page.body.contains("Someone else"));
}

#[test]
fn the_status_filter_and_pages_narrow_the_list() {
    let server = TestServer::start();
    for i in 0..27 {
        import_ticket(
            &server,
            &format!("Open number {i}"),
            CAROL,
            "open",
            &[("customer", "x", false)],
        );
    }
    import_ticket(
        &server,
        "The pending one",
        CAROL,
        "pending",
        &[("customer", "x", false)],
    );
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let pending = carol.get("/my/tickets?status=pending");
    assert!(pending.body.contains("The pending one"));
    assert!(!pending.body.contains("Open number"));
    assert!(pending.body.contains("<option value=\"pending\" selected>"));

    let first = carol.get("/my/tickets?status=open");
    assert_eq!(first.body.matches("Open number").count(), 25);
    // Tera escapes the link (`&#x2F;` for `/`, `&amp;` for `&`); browsers undo it.
    assert!(
        first
            .body
            .contains("tickets?status=open&amp;page=2\">Next</a>"),
        "{}",
        first.body
    );
    let second = carol.get("/my/tickets?status=open&page=2");
    assert_eq!(second.body.matches("Open number").count(), 2);
    assert!(second.body.contains("rel=\"prev\""));
    assert!(!second.body.contains("rel=\"next\""));
    // Nonsense parameters are ignored, not errors.
    assert_eq!(carol.get("/my/tickets?status=bogus&page=x").status, 200);
}

#[test]
fn the_ticket_page_shows_public_messages_oldest_first_escaped_with_links() {
    let server = TestServer::start();
    let r = import_ticket(
        &server,
        "Broken <b>export</b>",
        CAROL,
        "open",
        &[
            (
                "customer",
                "First line\nsecond <script>alert(1)</script> see https://example.com/x?a=1&b=2.",
                false,
            ),
            ("agent", "The **fix** is live.", false),
            ("agent", "SECRET NOTE: customer is on legacy plan", true),
        ],
    );
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let page = carol.get(&format!("/my/tickets/{r}"));
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(
        page.body
            .contains("<h1>Broken &lt;b&gt;export&lt;&#x2F;b&gt;</h1>"),
        "{}",
        page.body
    );
    assert!(page.body.contains(
        "<div class=\"message-body\">First line\nsecond &lt;script&gt;alert(1)&lt;/script&gt; see <a href=\"https://example.com/x?a=1&amp;b=2\" rel=\"nofollow noopener noreferrer\">https://example.com/x?a=1&amp;b=2</a>.</div>"
    ), "{}", page.body);
    assert!(page.body.contains("<strong>fix</strong>"));
    let first = page.body.find("First line").unwrap();
    let second = page.body.find("<strong>fix</strong>").unwrap();
    assert!(first < second, "oldest first");
    assert!(page.body.contains("message message-customer"));
    assert!(page.body.contains("message message-agent"));
    assert!(!page.body.contains("SECRET NOTE"));
    assert!(!page.body.contains("message-note"));
    assert!(!page.body.contains("agent@example.com"));
}

#[test]
fn a_reply_on_a_resolved_ticket_reopens_it_and_the_page_says_so() {
    let server = TestServer::start();
    server.add_account(Role::Agent, "agent@example.com");
    let r = import_ticket(
        &server,
        "Invoice",
        CAROL,
        "resolved",
        &[("customer", "hi", false), ("agent", "done", false)],
    );
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let resp = customer_reply(&mut carol, &r, "Actually, it is still wrong.");
    assert_eq!(location(&resp), format!("/my/tickets/{r}?reopened=1"));
    assert_eq!(status_of(&server, &r), "open");
    let page = carol.get(&location(&resp));
    assert!(
        page.body.contains("the ticket was reopened"),
        "{}",
        page.body
    );
    assert!(page.body.contains("Actually, it is still wrong."));
    assert!(page.body.contains("status-open"));
    assert_eq!(
        server.count(&format!(
            "SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
             WHERE t.ref = '{r}' AND e.from_status = 'resolved' AND e.to_status = 'open' AND e.actor_role = 'customer'"
        )),
        1
    );
    // Agents hear about it, with a link to the ticket.
    let mail = server.wait_for_mail("agent@example.com", "Actually, it is still wrong.");
    assert!(
        mail.contains(&format!("https://help.example.com/agent/tickets/{r}")),
        "{mail}"
    );

    // A closed ticket reopens too; an open one just gets the reply.
    let closed = import_ticket(
        &server,
        "Old",
        CAROL,
        "closed",
        &[("customer", "hi", false)],
    );
    assert!(location(&customer_reply(&mut carol, &closed, "again")).ends_with("?reopened=1"));
    assert_eq!(status_of(&server, &closed), "open");
    let again = customer_reply(&mut carol, &r, "And one more thing.");
    assert_eq!(location(&again), format!("/my/tickets/{r}?replied=1"));
    let page = carol.get(&location(&again));
    assert!(!page.body.contains("reopened"));
    assert!(page.body.contains("Your message was sent."));
}

#[test]
fn replies_need_a_body_and_the_csrf_token() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "hi", false)]);
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let before = ticket_counts(&server);
    let empty = customer_reply(&mut carol, &r, "   ");
    assert_eq!(empty.status, 400);
    assert!(empty.body.contains("Write a message first."));
    let forged = carol.post(
        &format!("/my/tickets/{r}/reply"),
        &[("body", "x"), ("csrf", "nope")],
    );
    assert_eq!(forged.status, 403);
    let tokenless = carol.post(&format!("/my/tickets/{r}/reply"), &[("body", "x")]);
    assert_eq!(tokenless.status, 403);
    assert_eq!(ticket_counts(&server), before);
}

#[test]
fn a_new_ticket_is_created_shown_and_announced_to_the_notify_address() {
    let server = TestServer::start_with(|c| c.mail.notify = Some("desk@example.com".into()));
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let list = carol.get("/my/tickets");
    assert!(list.body.contains("href=\"/my/tickets/new\""));
    let r = open_ticket(
        &mut carol,
        "Cannot log in",
        "Since Monday\nthe app says no.",
    );
    let page = carol.get(&format!("/my/tickets/{r}?created=1"));
    assert!(page.body.contains("Your ticket was submitted."));
    assert!(page.body.contains("<h1>Cannot log in</h1>"));
    assert!(page.body.contains("Since Monday\nthe app says no."));
    assert!(page.body.contains("status-new"));
    assert_eq!(status_of(&server, &r), "new");
    let mail = server.wait_for_mail("desk@example.com", "opened a new ticket");
    assert!(mail.contains(&format!("/agent/tickets/{r}")), "{mail}");
    assert!(mail.contains("Since Monday"));

    let bad = carol.submit(
        "/my/tickets/new",
        "/my/tickets",
        &[("subject", ""), ("body", "x")],
    );
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Give your request a subject."));
    // Both fields are checked at once; each error sits beside its field
    // and the typed text stays.
    let both = carol.submit(
        "/my/tickets/new",
        "/my/tickets",
        &[("subject", &"x".repeat(201)), ("body", " ")],
    );
    assert_eq!(both.status, 400);
    assert!(both.body.contains(
        r#"<p class="field-error" id="subject-error">Use a shorter subject on one line.</p>"#
    ));
    assert!(both
        .body
        .contains(r#"<p class="field-error" id="body-error">Write a message first.</p>"#));
    assert!(both.body.contains(&"x".repeat(201)));
}

#[test]
fn with_new_tickets_switched_off_the_routes_are_404_and_unlinked() {
    let server = TestServer::start_with(|c| c.allow_new_tickets = false);
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let list = carol.get("/my/tickets");
    assert_eq!(list.status, 200);
    assert!(!list.body.contains("/my/tickets/new"));
    assert_eq!(carol.get("/my/tickets/new").status, 404);
    let csrf = list.csrf();
    let r = carol.post(
        "/my/tickets",
        &[("subject", "s"), ("body", "b"), ("csrf", &csrf)],
    );
    assert_eq!(r.status, 404);
    assert_eq!(server.count("SELECT COUNT(*) FROM tickets"), 0);
}

/// A session of an account whose address is not verified (one left from
/// before sign-in required a verified address) reaches no ticket: it counts
/// as signed out everywhere, until the address is verified.
#[test]
fn an_unverified_accounts_session_sees_no_tickets_until_it_verifies() {
    let server = TestServer::start();
    let r = import_ticket(
        &server,
        "Imported before registering",
        CAROL,
        "open",
        &[("customer", "hi", false)],
    );
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let csrf = carol.get("/my/tickets").csrf();
    server.sql("UPDATE accounts SET verified_at = NULL WHERE email = 'carol@example.com'");
    let list = carol.get("/my/tickets");
    assert_eq!(list.header("location"), Some("/login?next=%2Fmy%2Ftickets"));
    assert!(!list.body.contains("Imported before registering"));
    assert_eq!(carol.get(&format!("/my/tickets/{r}")).status, 303);
    assert_eq!(carol.get("/my/tickets/new").status, 303);
    assert!(carol
        .get("/api/session")
        .body
        .contains("\"authenticated\":false"));
    let before = ticket_counts(&server);
    let reply = carol.post(
        &format!("/my/tickets/{r}/reply"),
        &[("body", "x"), ("csrf", &csrf)],
    );
    assert_eq!(reply.status, 303);
    let new = carol.post(
        "/my/tickets",
        &[("subject", "s"), ("body", "b"), ("csrf", &csrf)],
    );
    assert_eq!(new.status, 303);
    assert_eq!(ticket_counts(&server), before);

    server.sql("UPDATE accounts SET verified_at = 1 WHERE email = 'carol@example.com'");
    assert!(carol
        .get("/my/tickets")
        .body
        .contains("Imported before registering"));
    assert_eq!(carol.get(&format!("/my/tickets/{r}")).status, 200);
}

#[test]
fn anonymous_visitors_are_sent_to_log_in_and_agents_are_refused() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "hi", false)]);
    let mut anonymous = server.client();
    // A bookmark of the list goes to sign in and back (defect 5: it used
    // to answer 200 with the ticket-link form); the login page keeps the
    // ticket-link form one click away.
    let list = anonymous.get("/my/tickets?status=open");
    assert_eq!(list.status, 303);
    assert_eq!(
        list.header("location"),
        Some("/login?next=%2Fmy%2Ftickets%3Fstatus%3Dopen")
    );
    let login = anonymous.get("/login?next=%2Fmy%2Ftickets");
    assert!(
        login.body.contains("href=\"/my/tickets/link\""),
        "{}",
        login.body
    );
    let resp = anonymous.get(&format!("/my/tickets/{r}"));
    assert_eq!(
        resp.header("location").unwrap(),
        format!("/login?next=%2Fmy%2Ftickets%2F{r}")
    );
    // A post without a session returns to the form's page after sign-in.
    let post = anonymous.post(&format!("/my/tickets/{r}/reply"), &[("body", "x")]);
    assert_eq!(
        post.header("location").unwrap(),
        format!("/login?next=%2Fmy%2Ftickets%2F{r}")
    );
    let create = anonymous.post("/my/tickets", &[("subject", "s"), ("body", "x")]);
    assert_eq!(
        create.header("location"),
        Some("/login?next=%2Fmy%2Ftickets%2Fnew")
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_messages"), 1);
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    assert_eq!(agent.get(&format!("/my/tickets/{r}")).status, 403);
}

/// The list reads the session and the tickets together; a session that
/// ended (signed out, deleted in the store, expired) shows no tickets on
/// the very next request, and an agent is refused.
#[test]
fn the_list_needs_a_live_customer_session_on_every_request() {
    let server = TestServer::start();
    import_ticket(
        &server,
        "Old question",
        CAROL,
        "closed",
        &[("customer", "hi", false)],
    );
    let mut carol = server.signed_in(Role::Customer, CAROL);
    assert!(carol.get("/my/tickets").body.contains("Old question"));
    let cookie = carol.cookie.clone();
    assert_eq!(carol.logout().status, 303);
    let mut thief = server.client();
    thief.cookie = cookie;
    let r = thief.get("/my/tickets");
    assert_eq!(r.header("location"), Some("/login?next=%2Fmy%2Ftickets"));
    assert!(!r.body.contains("Old question"));

    let mut again = server.client();
    again.login(CAROL, common::PASSWORD, "/my/tickets");
    assert!(again.get("/my/tickets").body.contains("Old question"));
    server.sql("DELETE FROM sessions");
    assert!(!again.get("/my/tickets").body.contains("Old question"));

    let mut expired = server.client();
    expired.login(CAROL, common::PASSWORD, "/my/tickets");
    assert!(expired.get("/my/tickets").body.contains("Old question"));
    server.sql("UPDATE sessions SET expires_at = strftime('%s','now') - 1");
    assert!(!expired.get("/my/tickets").body.contains("Old question"));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM sessions WHERE account_id IS NOT NULL"),
        0
    );

    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    assert_eq!(agent.get("/my/tickets").status, 403);
}
