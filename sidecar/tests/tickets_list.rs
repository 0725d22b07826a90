//! Ticket lists over real HTTP: searching, sorting and paging "My
//! Tickets", the empty states past the last page, a customer marking a
//! ticket solved, and the agent inbox's default view of unsolved tickets.

mod common;
mod tickets_support;

use common::TestServer;
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";
const AGENT: &str = "agent@example.com";

/// Sets a ticket's creation and update times (seconds since 1970).
fn set_times(server: &TestServer, reference: &str, created: i64, updated: i64) {
    server.sql(&format!(
        "UPDATE tickets SET created_at = {created}, updated_at = {updated} WHERE ref = '{reference}'"
    ));
}

/// The subjects of the list's rows, in order.
fn subjects(body: &str, candidates: &[&str]) -> Vec<String> {
    let mut found: Vec<(usize, String)> = candidates
        .iter()
        .filter_map(|c| body.find(&format!(">{c}</a>")).map(|i| (i, c.to_string())))
        .collect();
    found.sort();
    found.into_iter().map(|(_, s)| s).collect()
}

#[test]
fn my_tickets_search_every_word_in_subjects_and_public_messages_but_never_in_notes() {
    let server = TestServer::start();
    import_ticket(
        &server,
        "Printer jams",
        CAROL,
        "open",
        &[("customer", "The tray squeaks.", false)],
    );
    import_ticket(
        &server,
        "Invoice",
        CAROL,
        "resolved",
        &[
            ("customer", "The VAT number is missing.", false),
            ("agent", "Refund via the secret-ledger", true),
        ],
    );
    import_ticket(
        &server,
        "Printer on Dave's desk",
        "dave@example.com",
        "open",
        &[("customer", "tray", false)],
    );
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let all = ["Printer jams", "Invoice", "Printer on Dave&#x27;s desk"];

    let by_subject = carol.get("/my/tickets?q=printer");
    assert_eq!(subjects(&by_subject.body, &all), ["Printer jams"]);
    assert!(by_subject.body.contains("value=\"printer\""));
    let by_message = carol.get("/my/tickets?q=vat");
    assert_eq!(subjects(&by_message.body, &all), ["Invoice"]);
    // Every word must match, in the subject or a message.
    let both = carol.get("/my/tickets?q=printer+squeaks");
    assert_eq!(subjects(&both.body, &all), ["Printer jams"]);
    let neither = carol.get("/my/tickets?q=printer+vat");
    assert!(subjects(&neither.body, &all).is_empty());
    assert!(
        neither
            .body
            .contains("None of your tickets matches “printer vat”"),
        "{}",
        neither.body
    );
    assert!(neither
        .body
        .contains("href=\"/my/tickets\">Show all your tickets"));
    // Internal notes are not the customer's to search.
    let note = carol.get("/my/tickets?q=secret-ledger");
    assert!(subjects(&note.body, &all).is_empty());
    // LIKE wildcards are literal.
    assert!(subjects(&carol.get("/my/tickets?q=%25").body, &all).is_empty());
    // Search and status together.
    let resolved = carol.get("/my/tickets?q=the&status=resolved");
    assert_eq!(subjects(&resolved.body, &all), ["Invoice"]);
}

#[test]
fn my_tickets_sort_by_last_update_creation_or_status() {
    let server = TestServer::start();
    let a = import_ticket(
        &server,
        "Alpha",
        CAROL,
        "closed",
        &[("customer", "a", false)],
    );
    let b = import_ticket(&server, "Bravo", CAROL, "open", &[("customer", "b", false)]);
    let c = import_ticket(
        &server,
        "Charlie",
        CAROL,
        "new",
        &[("customer", "c", false)],
    );
    set_times(&server, &a, 100, 900);
    set_times(&server, &b, 300, 500);
    set_times(&server, &c, 200, 700);
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let names = ["Alpha", "Bravo", "Charlie"];
    let updated = carol.get("/my/tickets");
    assert_eq!(
        subjects(&updated.body, &names),
        ["Alpha", "Charlie", "Bravo"]
    );
    assert!(updated.body.contains("<option value=\"updated\" selected>"));
    let created = carol.get("/my/tickets?sort=created");
    assert_eq!(
        subjects(&created.body, &names),
        ["Bravo", "Charlie", "Alpha"]
    );
    assert!(created.body.contains("<option value=\"created\" selected>"));
    let status = carol.get("/my/tickets?sort=status");
    assert_eq!(
        subjects(&status.body, &names),
        ["Charlie", "Bravo", "Alpha"]
    );
    // An unknown order is the default one.
    let bogus = carol.get("/my/tickets?sort=bogus");
    assert_eq!(subjects(&bogus.body, &names), ["Alpha", "Charlie", "Bravo"]);
}

#[test]
fn my_tickets_say_page_n_of_m_and_a_page_past_the_end_is_not_called_empty() {
    let server = TestServer::start();
    for i in 0..27 {
        import_ticket(
            &server,
            &format!("Question {i}"),
            CAROL,
            "open",
            &[("customer", "x", false)],
        );
    }
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let first = carol.get("/my/tickets?sort=created");
    assert!(first.body.contains("Page 1 of 2"), "{}", first.body);
    // The order and search stay in the page links.
    assert!(first
        .body
        .contains("tickets?sort=created&amp;page=2\">Next</a>"));
    let second = carol.get("/my/tickets?page=2");
    assert!(second.body.contains("Page 2 of 2"));
    assert_eq!(second.body.matches("Question ").count(), 2);

    let beyond = carol.get("/my/tickets?page=99");
    assert_eq!(beyond.status, 200);
    assert!(
        !beyond.body.contains("You have no tickets yet"),
        "{}",
        beyond.body
    );
    assert!(beyond
        .body
        .contains("There is no page 99: this list has 2 pages."));
    assert!(beyond
        .body
        .contains("href=\"&#x2F;my&#x2F;tickets?page=2\">Go to the last page"));

    // A customer without tickets still gets the first-ticket message.
    let mut dave = server.signed_in(Role::Customer, "dave@example.com");
    assert!(dave
        .get("/my/tickets?page=99")
        .body
        .contains("You have no tickets yet"));
}

#[test]
fn a_customer_marks_their_own_ticket_solved_and_a_reply_reopens_it() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let r = open_ticket(&mut carol, "Password help", "I am locked out.");
    let page = carol.get(&format!("/my/tickets/{r}"));
    // Tera writes `/` in attributes as `&#x2F;`.
    let action = format!("action=\"/my/tickets/{r}/solve\"").replace('/', "&#x2F;");
    assert!(page.body.contains(&action), "{}", page.body);
    assert!(page.body.contains(">Mark as solved</button>"));

    // Without the form's token nothing changes.
    let forged = carol.post(&format!("/my/tickets/{r}/solve"), &[]);
    assert_eq!(forged.status, 403);
    assert_eq!(status_of(&server, &r), "new");
    // Someone else's ticket is not found, and stays as it is.
    let theirs = import_ticket(
        &server,
        "Not yours",
        "dave@example.com",
        "open",
        &[("customer", "x", false)],
    );
    let other = carol.submit(
        &format!("/my/tickets/{r}"),
        &format!("/my/tickets/{theirs}/solve"),
        &[],
    );
    assert_eq!(other.status, 404);
    assert_eq!(status_of(&server, &theirs), "open");

    let done = carol.submit(
        &format!("/my/tickets/{r}"),
        &format!("/my/tickets/{r}/solve"),
        &[],
    );
    assert_eq!(location(&done), format!("/my/tickets/{r}?solved=1"));
    assert_eq!(status_of(&server, &r), "resolved");
    assert_eq!(
        server.count(
            "SELECT COUNT(*) FROM ticket_events WHERE to_status = 'resolved' AND actor_role = 'customer'"
        ),
        1
    );
    let solved = carol.get(&format!("/my/tickets/{r}?solved=1"));
    assert!(solved.body.contains("You marked this ticket as solved."));
    assert!(!solved.body.contains("Mark as solved"));

    let reply = customer_reply(&mut carol, &r, "It happened again.");
    assert!(location(&reply).ends_with("?reopened=1"));
    assert_eq!(status_of(&server, &r), "open");

    // Signed out, the post goes to sign in and back to the ticket.
    let mut anonymous = server.client();
    let post = anonymous.post(&format!("/my/tickets/{r}/solve"), &[]);
    assert_eq!(
        post.header("location"),
        Some(format!("/login?next=%2Fmy%2Ftickets%2F{r}").as_str())
    );
}

#[test]
fn the_inbox_shows_unsolved_tickets_by_default_with_page_n_of_m_and_honest_empty_pages() {
    let server = TestServer::start();
    for i in 0..26 {
        import_ticket(
            &server,
            &format!("Waiting {i}"),
            "dave@example.com",
            ["new", "open", "pending"][i % 3],
            &[("customer", "x", false)],
        );
    }
    import_ticket(
        &server,
        "Done already",
        CAROL,
        "resolved",
        &[("customer", "x", false)],
    );
    import_ticket(
        &server,
        "Long closed",
        CAROL,
        "closed",
        &[("customer", "x", false)],
    );
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let inbox = agent.get("/agent/tickets");
    assert!(!inbox.body.contains("Done already"));
    assert!(!inbox.body.contains("Long closed"));
    assert_eq!(inbox.body.matches("Waiting ").count(), 25);
    assert!(inbox.body.contains("<option value=\"unsolved\" selected>"));
    assert!(inbox.body.contains("Page 1 of 2"), "{}", inbox.body);
    assert!(inbox.body.contains("tickets?page=2\">Next</a>"));
    let all = agent.get("/agent/tickets?status=all");
    assert!(all.body.contains("Done already") && all.body.contains("Long closed"));
    assert!(all.body.contains("Page 1 of 2"));
    assert!(all
        .body
        .contains("tickets?status=all&amp;page=2\">Next</a>"));

    let beyond = agent.get("/agent/tickets?page=7");
    assert!(beyond
        .body
        .contains("There is no page 7: this list has 2 pages."));
    assert!(beyond
        .body
        .contains("href=\"&#x2F;agent&#x2F;tickets?page=2\">Go to the last page"));
    assert!(!beyond.body.contains("No tickets match"));

    // Once everything is solved, the default view says so and offers all.
    server.sql("UPDATE tickets SET status = 'closed'");
    let empty = agent.get("/agent/tickets");
    assert!(empty.body.contains("No unsolved tickets"), "{}", empty.body);
    assert!(empty.body.contains("href=\"/agent/tickets?status=all\""));
}
