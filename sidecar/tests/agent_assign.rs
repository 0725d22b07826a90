//! Assigning tickets to agents over real HTTP: "Assign to me", any agent
//! from the select, unassigning; the inbox's assignee column and its
//! "mine" and "unassigned" views; refusals (a customer's account as
//! assignee, a customer posting the form); the assignment log; and what
//! happens to assignments when an agent account is removed.

mod common;
mod tickets_support;

use common::{Client, Resp, TestServer};
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";
const AGENT: &str = "agent@example.com";
const OTHER: &str = "other-agent@example.com";

fn account_id(server: &TestServer, email: &str) -> String {
    server
        .count(&format!("SELECT id FROM accounts WHERE email = '{email}'"))
        .to_string()
}

fn assign(c: &mut Client, reference: &str, assignee: &str) -> Resp {
    let page = format!("/agent/tickets/{reference}");
    c.submit(&page, &format!("{page}/assign"), &[("assignee", assignee)])
}

fn assignee_of(server: &TestServer, reference: &str) -> i64 {
    server.count(&format!(
        "SELECT coalesce(assignee_id, 0) FROM tickets WHERE ref = '{reference}'"
    ))
}

/// The `<tr>` of the inbox table that links ticket `reference`.
fn row_of<'a>(page: &'a str, reference: &str) -> &'a str {
    let at = page
        .find(&format!("/agent/tickets/{reference}\""))
        .unwrap_or_else(|| panic!("{reference} not listed in {page}"));
    let start = page[..at]
        .rfind("<tr>")
        .unwrap_or_else(|| panic!("no row in {page}"));
    let end = at
        + page[at..]
            .find("</tr>")
            .unwrap_or_else(|| panic!("an open row in {page}"));
    &page[start..end]
}

#[test]
fn agents_assign_to_themselves_to_another_agent_and_unassign_and_the_inbox_follows() {
    let server = TestServer::start();
    let mine = import_ticket(
        &server,
        "Printer on fire",
        CAROL,
        "open",
        &[("customer", "x", false)],
    );
    let theirs = import_ticket(
        &server,
        "Export fails",
        CAROL,
        "new",
        &[("customer", "x", false)],
    );
    let nobodys = import_ticket(
        &server,
        "Invoice wrong",
        CAROL,
        "pending",
        &[("customer", "x", false)],
    );
    let solved = import_ticket(
        &server,
        "Old question",
        CAROL,
        "resolved",
        &[("customer", "x", false)],
    );
    let mut agent = server.signed_in(Role::Agent, AGENT);
    server.add_account(Role::Agent, OTHER);
    let me = account_id(&server, AGENT);
    let other = account_id(&server, OTHER);

    // "Assign to me", then any agent from the select.
    let r = assign(&mut agent, &mine, "me");
    assert_eq!(location(&r), format!("/agent/tickets/{mine}?done=assign"));
    assert_eq!(assignee_of(&server, &mine).to_string(), me);
    assert_eq!(
        location(&assign(&mut agent, &theirs, &other)),
        format!("/agent/tickets/{theirs}?done=assign")
    );
    assert_eq!(
        location(&assign(&mut agent, &solved, "me")),
        format!("/agent/tickets/{solved}?done=assign")
    );

    let page = agent.get(&format!("/agent/tickets/{mine}?done=assign"));
    assert!(
        page.body.contains("The assignment was changed."),
        "{}",
        page.body
    );
    assert!(
        page.body.contains(&format!("Assigned to {AGENT}.")),
        "{}",
        page.body
    );
    // Assigned to me: no "Assign to me" button, but "Unassign".
    assert!(!page.body.contains(">Assign to me<"));
    assert!(page.body.contains(">Unassign<"));
    assert!(
        page.body
            .contains(&format!("Assigned to {AGENT} ({AGENT})")),
        "the log: {}",
        page.body
    );
    let other_page = agent.get(&format!("/agent/tickets/{nobodys}"));
    assert!(other_page
        .body
        .contains("Nobody is assigned to this ticket."));
    assert!(other_page.body.contains(">Assign to me<"));
    // The select lists every agent and no customer.
    assert!(
        other_page
            .body
            .contains(&format!("<option value=\"{other}\">{OTHER}</option>")),
        "{}",
        other_page.body
    );
    assert!(!other_page.body.contains(&format!(">{CAROL}</option>")));

    // The inbox shows the assignee column.
    let inbox = agent.get("/agent/tickets");
    assert!(inbox.body.contains(">Assignee</th>"), "{}", inbox.body);
    assert!(row_of(&inbox.body, &mine).contains(AGENT));
    assert!(row_of(&inbox.body, &theirs).contains(OTHER));
    assert!(row_of(&inbox.body, &nobodys).contains("Unassigned"));
    assert!(!inbox.body.contains(&solved), "unsolved by default");

    // Mine: unsolved and assigned to me; the view is marked current.
    let view = agent.get("/agent/tickets?assignee=me");
    assert!(view.body.contains(&mine));
    assert!(!view.body.contains(&theirs) && !view.body.contains(&nobodys));
    assert!(
        !view.body.contains(&solved),
        "mine shows the unsolved tickets"
    );
    assert!(view
        .body
        .contains("href=\"/agent/tickets?assignee=me\" aria-current=\"page\""));
    // Mine with every status, and a search within it.
    let all_mine = agent.get("/agent/tickets?status=all&assignee=me");
    assert!(all_mine.body.contains(&mine) && all_mine.body.contains(&solved));
    let searched = agent.get("/agent/tickets?assignee=me&q=printer");
    assert!(searched.body.contains(&mine));
    assert!(agent
        .get("/agent/tickets?assignee=me&q=nothing-like-this")
        .body
        .contains("No tickets match this filter."));

    // Unassigned.
    let view = agent.get("/agent/tickets?assignee=none");
    assert!(view.body.contains(&nobodys));
    assert!(!view.body.contains(&mine) && !view.body.contains(&theirs));

    // Unassigning empties "mine" and shows its own empty state.
    assign(&mut agent, &mine, "");
    assert_eq!(assignee_of(&server, &mine), 0);
    let view = agent.get("/agent/tickets?assignee=me");
    assert!(
        view.body
            .contains("No unsolved tickets are assigned to you."),
        "{}",
        view.body
    );
    assert!(agent
        .get(&format!("/agent/tickets/{mine}"))
        .body
        .contains(&format!("Unassigned ({AGENT})")));
    // Assignment is not news for the customer: the last update stays.
    assert_eq!(
        server.count(&format!(
            "SELECT updated_at FROM tickets WHERE ref = '{mine}'"
        )),
        server.count(&format!(
            "SELECT created_at FROM tickets WHERE ref = '{mine}'"
        ))
    );
}

#[test]
fn the_views_keep_their_filters_across_pages() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, AGENT);
    for i in 0..27 {
        let r = import_ticket(
            &server,
            &format!("Ticket {i}"),
            CAROL,
            "open",
            &[("customer", "x", false)],
        );
        assign(&mut agent, &r, "me");
    }
    let first = agent.get("/agent/tickets?assignee=me");
    assert!(first.body.contains("Page 1 of 2"), "{}", first.body);
    assert!(
        first.body.contains("tickets?assignee=me&amp;page=2\""),
        "{}",
        first.body
    );
    let second = agent.get("/agent/tickets?assignee=me&page=2");
    assert!(second.body.contains("Page 2 of 2"));
    let beyond = agent.get("/agent/tickets?assignee=me&page=9");
    assert!(
        beyond
            .body
            .contains("There is no page 9: this list has 2 pages."),
        "{}",
        beyond.body
    );
    let unassigned = agent.get("/agent/tickets?assignee=none");
    assert!(
        unassigned
            .body
            .contains("Every unsolved ticket has an assignee."),
        "{}",
        unassigned.body
    );
}

/// Attack: a customer forges the assignment form (or guesses the route)
/// to push a ticket onto an agent, or to unassign one. The route is an
/// agent page: customers get 403 and nothing changes; anonymous visitors
/// are sent to sign in.
#[test]
fn customers_and_anonymous_visitors_cannot_assign() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "x", false)]);
    server.add_account(Role::Agent, AGENT);
    let agent_id = account_id(&server, AGENT);
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let csrf = carol.get("/my/tickets").csrf();
    let resp = carol.post(
        &format!("/agent/tickets/{r}/assign"),
        &[("assignee", agent_id.as_str()), ("csrf", csrf.as_str())],
    );
    assert_eq!(resp.status, 403, "{}", resp.body);
    assert_eq!(assignee_of(&server, &r), 0);
    assert_eq!(carol.get(&format!("/agent/tickets/{r}")).status, 403);
    let mut anonymous = server.client();
    let resp = anonymous.post(&format!("/agent/tickets/{r}/assign"), &[("assignee", "1")]);
    assert_eq!(resp.status, 303);
    assert_eq!(
        location(&resp),
        format!("/login?next=%2Fagent%2Ftickets%2F{r}")
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_assignments"), 0);
}

/// Attack: an agent's form posted with a customer's account id (or any
/// other id, or text) as assignee, to hand a ticket to someone who is not
/// on the team. Refused with the page and a message (400); nothing
/// changes; and without the form's token the post is refused as every
/// other form is.
#[test]
fn only_agent_accounts_can_be_assignees_and_the_form_needs_its_token() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "x", false)]);
    server.add_account(Role::Customer, CAROL);
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let carol = account_id(&server, CAROL);
    for bad in [carol.as_str(), "999999", "1 OR 1=1"] {
        let resp = assign(&mut agent, &r, bad);
        assert_eq!(resp.status, 400, "{bad}: {}", resp.body);
        assert!(resp.body.contains("Choose one of the agents, or nobody."));
        assert!(resp
            .body
            .contains("id=\"assignee\" name=\"assignee\" aria-invalid=\"true\""));
        assert_eq!(assignee_of(&server, &r), 0);
    }
    let resp = agent.post(&format!("/agent/tickets/{r}/assign"), &[("assignee", "me")]);
    assert_eq!(resp.status, 403);
    assert_eq!(assignee_of(&server, &r), 0);
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_assignments"), 0);
}

/// An agent account that is removed (or made a customer) leaves no ticket
/// assigned to it: the tickets return to "unassigned", and the log says
/// the system did it.
#[test]
fn a_removed_agent_leaves_its_tickets_unassigned() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "open", &[("customer", "x", false)]);
    let mut agent = server.signed_in(Role::Agent, AGENT);
    server.add_account(Role::Agent, OTHER);
    let other = account_id(&server, OTHER);
    assign(&mut agent, &r, &other);
    server.sql(&format!("DELETE FROM accounts WHERE email = '{OTHER}'"));
    assert_eq!(assignee_of(&server, &r), 0);
    assert!(agent.get("/agent/tickets?assignee=none").body.contains(&r));
    let page = agent.get(&format!("/agent/tickets/{r}"));
    assert!(page.body.contains("Unassigned (system)"), "{}", page.body);
    assert!(page
        .body
        .contains(&format!("Assigned to {OTHER} ({AGENT})")));
}

/// The assignee gets the notification of a customer's reply even when
/// notifications go to one shared address.
#[test]
fn the_assignee_is_told_of_customer_replies() {
    let server = TestServer::start_with(|c| {
        c.mail.notify = Some("team@example.com".into());
        c.mail.digest_seconds = 0;
    });
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let r = open_ticket(&mut carol, "Broken", "It broke.");
    let mut agent = server.signed_in(Role::Agent, AGENT);
    assign(&mut agent, &r, "me");
    customer_reply(&mut carol, &r, "Still broken, sorry.");
    server.wait_for_mail("team@example.com", "Still broken");
    server.wait_for_mail(AGENT, "Still broken");
}
