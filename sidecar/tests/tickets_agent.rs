//! The agent inbox over real HTTP: every ticket, status filter and search,
//! the full log with visibly distinct internal notes, public replies mailed
//! to the customer, notes never shown or mailed to them, status changes.

mod common;
mod tickets_support;

use common::TestServer;
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";
const AGENT: &str = "agent@example.com";

#[test]
fn the_inbox_lists_every_ticket_filters_by_status_and_searches_subject_and_requester() {
    let server = TestServer::start();
    import_ticket(
        &server,
        "Invoice is wrong",
        CAROL,
        "open",
        &[("customer", "x", false)],
    );
    import_ticket(
        &server,
        "Export fails",
        "dave@example.com",
        "pending",
        &[("customer", "x", false)],
    );
    import_ticket(
        &server,
        "100% discount_code",
        "erin@example.com",
        "closed",
        &[("customer", "x", false)],
    );
    let mut agent = server.signed_in(Role::Agent, AGENT);
    // The inbox opens on the unsolved tickets; `all` shows the rest.
    let unsolved = agent.get("/agent/tickets");
    assert!(unsolved.body.contains("Export fails"));
    assert!(!unsolved.body.contains("100% discount_code"));
    let all = agent.get("/agent/tickets?status=all");
    assert_eq!(all.status, 200);
    for subject in ["Invoice is wrong", "Export fails", "100% discount_code"] {
        assert!(all.body.contains(subject), "{subject}");
    }
    assert!(all.body.contains("dave@example.com"));
    let pending = agent.get("/agent/tickets?status=pending");
    assert!(pending.body.contains("Export fails"));
    assert!(!pending.body.contains("Invoice is wrong"));
    let by_subject = agent.get("/agent/tickets?status=all&q=invoice");
    assert!(by_subject.body.contains("Invoice is wrong"));
    assert!(!by_subject.body.contains("Export fails"));
    let by_requester = agent.get("/agent/tickets?q=dave%40");
    assert!(by_requester.body.contains("Export fails"));
    assert!(!by_requester.body.contains("Invoice is wrong"));
    // LIKE wildcards in the search are literal.
    let percent = agent.get("/agent/tickets?status=all&q=%25");
    assert!(percent.body.contains("100% discount_code"));
    assert!(!percent.body.contains("Export fails"));
    let underscore = agent.get("/agent/tickets?status=all&q=t_c");
    assert!(underscore.body.contains("100% discount_code"));
    assert!(!underscore.body.contains("Invoice"));
    assert!(agent
        .get("/agent/tickets?q=nothing-matches")
        .body
        .contains("No tickets match this filter."));
}

#[test]
fn notes_are_visibly_distinct_for_agents_and_absent_for_customers_and_their_mail() {
    let server = TestServer::start();
    let r = import_ticket(
        &server,
        "Refund please",
        CAROL,
        "new",
        &[("customer", "I want my money back.", false)],
    );
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let mut carol = server.signed_in(Role::Customer, CAROL);

    let note = agent_reply(
        &mut agent,
        &r,
        "NOTE: check *chargeback* history first",
        true,
    );
    assert_eq!(location(&note), format!("/agent/tickets/{r}?done=note"));
    assert_eq!(status_of(&server, &r), "new", "a note changes no status");
    let public = agent_reply(
        &mut agent,
        &r,
        "Hello Carol,\n\nthe refund is **on its way**.\n\n<script>alert(1)</script>",
        false,
    );
    assert_eq!(location(&public), format!("/agent/tickets/{r}?done=reply"));
    assert_eq!(
        status_of(&server, &r),
        "open",
        "an agent's reply opens a new ticket"
    );

    let page = agent.get(&format!("/agent/tickets/{r}"));
    assert!(page.body.contains("message message-note"), "{}", page.body);
    assert!(page.body.contains("Internal note"));
    assert!(page.body.contains("<em>chargeback</em>"));
    assert!(page.body.contains("<strong>on its way</strong>"));
    assert!(!page.body.contains("<script>alert(1)</script>"));
    assert!(page.body.contains("I want my money back."));
    assert!(
        page.body.contains(
            r#"<span class="status status-new">New</span> → <span class="status status-open">Open</span> (agent)"#
        ),
        "{}",
        page.body
    );

    let customer_page = carol.get(&format!("/my/tickets/{r}"));
    assert!(customer_page.body.contains("on its way"));
    assert!(!customer_page.body.contains("NOTE"));
    assert!(!customer_page.body.contains("chargeback"));
    assert!(!customer_page.body.contains("Internal note"));
    assert!(customer_page.body.contains("<strong>on its way</strong>"));
    assert!(!customer_page.body.contains("<script>alert(1)</script>"));

    let mail = server.wait_for_mail(CAROL, "on its way");
    assert!(
        mail.contains(&format!("https://help.example.com/my/tickets/{r}")),
        "{mail}"
    );
    let mails = server.mails_to(CAROL);
    assert_eq!(mails.len(), 1, "one mail for one public reply");
    assert!(mails
        .iter()
        .all(|m| !m.contains("chargeback") && !m.contains("NOTE")));
}

/// The text part of a multipart mail: from the `text/plain` header to the
/// next MIME boundary.
fn text_part(mail: &str) -> &str {
    let start = mail.find("Content-Type: text/plain").expect("no text part");
    let rest = &mail[start..];
    let body = rest.find("\r\n\r\n").map_or(rest, |i| &rest[i..]);
    body.find("\r\n--").map_or(body, |end| &body[..end])
}

/// Defect 3: the text part of a reply mail showed the agent's raw
/// Markdown (`**Fixed** [docs](…)`).
#[test]
fn a_reply_mails_the_customer_plain_text_without_markdown_marks() {
    let server = TestServer::start();
    let r = import_ticket(
        &server,
        "Broken export",
        CAROL,
        "new",
        &[("customer", "x", false)],
    );
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let reply = agent_reply(
        &mut agent,
        &r,
        "**Fixed** in today's release, see [the docs](https://example.com/docs).\n\n- Open *Export*",
        false,
    );
    assert_eq!(location(&reply), format!("/agent/tickets/{r}?done=reply"));
    let mail = server.wait_for_mail(CAROL, "today's release");
    let text = text_part(&mail);
    assert!(text.contains("Fixed in today's release"), "{text}");
    assert!(
        text.contains("the docs <https://example.com/docs>"),
        "{text}"
    );
    assert!(text.contains("- Open Export"), "{text}");
    for mark in ["**", "](", "*Export*"] {
        assert!(!text.contains(mark), "{mark} in {text}");
    }
    // The HTML part still renders the Markdown.
    assert!(mail.contains("<strong>Fixed</strong>"), "{mail}");
}

#[test]
fn status_changes_are_applied_logged_and_validated() {
    let server = TestServer::start();
    let r = import_ticket(&server, "Q", CAROL, "new", &[("customer", "hi", false)]);
    let mut agent = server.signed_in(Role::Agent, AGENT);
    for status in ["open", "pending", "resolved", "closed", "new"] {
        let resp = agent_status(&mut agent, &r, status);
        assert_eq!(location(&resp), format!("/agent/tickets/{r}?done=status"));
        assert_eq!(status_of(&server, &r), status);
    }
    // Imported as new (1 event), then five changes.
    assert_eq!(server.count("SELECT COUNT(*) FROM ticket_events"), 6);
    // Resolving mails the requester once, with the ticket number.
    let resolved = server.wait_for_mail(CAROL, "as resolved");
    assert!(resolved.contains("Subject: [#1] Q"), "{resolved}");
    assert!(resolved.contains(&format!("/my/tickets/{r}")), "{resolved}");
    assert_eq!(server.mails_to(CAROL).len(), 1);
    let same = agent_status(&mut agent, &r, "new");
    assert_eq!(same.status, 303);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_events"),
        6,
        "no change, no event"
    );
    let bad = agent_status(&mut agent, &r, "deleted");
    assert_eq!(bad.status, 400);
    assert!(bad.body.contains("Choose one of the statuses."));
    assert_eq!(status_of(&server, &r), "new");
    let page = agent.get(&format!("/agent/tickets/{r}"));
    assert!(page.body.contains(
        r#"<span class="status status-resolved">Resolved</span> → <span class="status status-closed">Closed</span> (agent)"#
    ));

    let missing = agent.get("/agent/tickets/0000000000000000000000zzzz");
    assert_eq!(missing.status, 404);
    assert_eq!(agent.get("/agent/tickets/not-a-reference").status, 404);
}

#[test]
fn customer_replies_are_mailed_to_every_agent_and_csrf_guards_agent_forms() {
    let server = TestServer::start();
    server.add_account(Role::Agent, "second.agent@example.com");
    let r = import_ticket(&server, "Q", CAROL, "pending", &[("customer", "hi", false)]);
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let mut carol = server.signed_in(Role::Customer, CAROL);
    customer_reply(&mut carol, &r, "Here is the screenshot you asked for.");
    assert_eq!(
        status_of(&server, &r),
        "open",
        "a customer reply opens a pending ticket"
    );
    for to in [AGENT, "second.agent@example.com"] {
        let mail = server.wait_for_mail(to, "Here is the screenshot");
        assert!(mail.contains(&format!("/agent/tickets/{r}")));
    }
    let before = ticket_counts(&server);
    let forged = agent.post(
        &format!("/agent/tickets/{r}/reply"),
        &[("body", "x"), ("csrf", "bad")],
    );
    assert_eq!(forged.status, 403);
    let mut foreign = agent.clone();
    foreign.origin = Some("https://evil.example".into());
    let csrf = agent.get(&format!("/agent/tickets/{r}")).csrf();
    let cross = foreign.post(
        &format!("/agent/tickets/{r}/status"),
        &[("status", "closed"), ("csrf", &csrf)],
    );
    assert_eq!(cross.status, 403);
    assert_eq!(ticket_counts(&server), before);
}
