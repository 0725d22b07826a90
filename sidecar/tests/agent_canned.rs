//! Canned replies over real HTTP: agents list, create, edit and delete
//! them with checked forms that come back with what was typed; on the
//! ticket page, "Insert" without JavaScript puts the chosen reply, its
//! placeholders filled, into the reply box; customers reach none of it;
//! and the agent pages speak Japanese to a Japanese browser.

mod common;
mod tickets_support;

use common::{Client, Resp, TestServer};
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";
const AGENT: &str = "agent@example.com";

fn create(c: &mut Client, title: &str, body: &str) -> Resp {
    c.submit(
        "/agent/canned",
        "/agent/canned",
        &[("title", title), ("body", body)],
    )
}

fn canned_id(server: &TestServer, title: &str) -> i64 {
    server.count(&format!(
        "SELECT id FROM canned_replies WHERE title = '{title}'"
    ))
}

/// The reply box's text on a ticket page, unescaped for `&amp;` only.
fn reply_box(page: &str) -> String {
    let start = page
        .find("name=\"body\"")
        .unwrap_or_else(|| panic!("no reply box in {page}"));
    let open = start
        + page[start..]
            .find('>')
            .unwrap_or_else(|| panic!("no reply box in {page}"))
        + 1;
    let close = open
        + page[open..]
            .find("</textarea>")
            .unwrap_or_else(|| panic!("an open reply box in {page}"));
    page[open..close].replace("&amp;", "&")
}

#[test]
fn agents_create_edit_and_delete_canned_replies_with_checked_forms() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let empty = agent.get("/agent/canned");
    assert_eq!(empty.status, 200);
    assert!(empty.body.contains("No canned replies yet."));

    let r = create(
        &mut agent,
        "Refund on its way",
        "Hello {customer_email},\r\n\r\nyour refund is **on its way**.",
    );
    assert_eq!(location(&r), "/agent/canned?done=created");
    let list = agent.get("/agent/canned?done=created");
    assert!(list.body.contains("The canned reply was saved."));
    assert!(list.body.contains("Refund on its way"));
    let id = canned_id(&server, "Refund on its way");
    assert_eq!(
        server.count(&format!(
            "SELECT instr(body, char(13)) FROM canned_replies WHERE id = {id}"
        )),
        0,
        "line ends are stored as \\n"
    );

    // Refused forms come back with what was typed and a message per field.
    let r = create(&mut agent, "  ", "Some <b>text</b> kept");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Give the canned reply a title."));
    assert!(
        r.body.contains("Some &lt;b&gt;text&lt;&#x2F;b&gt; kept"),
        "{}",
        r.body
    );
    let r = create(&mut agent, "A title kept", "   ");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Write the text of the canned reply."));
    assert!(r.body.contains("value=\"A title kept\""));
    let r = create(&mut agent, "REFUND ON ITS WAY", "Other text");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Another canned reply has this title."));
    assert!(r.body.contains("Other text"));
    let long = "x".repeat(101);
    let r = create(&mut agent, &long, "text");
    assert_eq!(r.status, 400);
    assert!(r.body.contains("Use a shorter title on one line"));
    assert_eq!(server.count("SELECT COUNT(*) FROM canned_replies"), 1);

    // Edit.
    let edit = agent.get(&format!("/agent/canned/{id}"));
    assert_eq!(edit.status, 200);
    assert!(edit.body.contains("value=\"Refund on its way\""));
    let r = agent.submit(
        &format!("/agent/canned/{id}"),
        &format!("/agent/canned/{id}"),
        &[
            ("title", "Refund sent"),
            ("body", "Sent, {customer_email}."),
        ],
    );
    assert_eq!(location(&r), "/agent/canned?done=saved");
    assert_eq!(canned_id(&server, "Refund sent"), id);
    let r = agent.submit(
        &format!("/agent/canned/{id}"),
        &format!("/agent/canned/{id}"),
        &[("title", ""), ("body", "kept on error")],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("kept on error"));
    assert_eq!(agent.get("/agent/canned/999999").status, 404);
    assert_eq!(agent.get("/agent/canned/not-a-number").status, 404);

    // Delete, with the form's token only.
    let r = agent.post(&format!("/agent/canned/{id}/delete"), &[]);
    assert_eq!(r.status, 403);
    assert_eq!(server.count("SELECT COUNT(*) FROM canned_replies"), 1);
    let r = agent.submit(
        &format!("/agent/canned/{id}"),
        &format!("/agent/canned/{id}/delete"),
        &[],
    );
    assert_eq!(location(&r), "/agent/canned?done=deleted");
    assert_eq!(server.count("SELECT COUNT(*) FROM canned_replies"), 0);
    let r = agent.submit("/agent/canned", &format!("/agent/canned/{id}/delete"), &[]);
    assert_eq!(r.status, 404);
}

#[test]
fn insert_without_javascript_fills_the_reply_box_and_sends_nothing() {
    let server = TestServer::start();
    let r = import_ticket(
        &server,
        "Where is my refund?",
        CAROL,
        "open",
        &[("customer", "x", false)],
    );
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let page = agent.get(&format!("/agent/tickets/{r}"));
    assert!(
        page.body.contains("No canned replies yet."),
        "{}",
        page.body
    );
    create(&mut agent, "Refund", "Hello {customer_email},\n\nabout #{ticket_number} ({ticket_subject}): on its way & soon.\n\n{agent_email} {unknown}");
    let id = canned_id(&server, "Refund").to_string();
    let messages = server.count("SELECT COUNT(*) FROM ticket_messages");

    let ticket_page = format!("/agent/tickets/{r}");
    let number = server.count(&format!("SELECT id FROM tickets WHERE ref = '{r}'"));
    let filled = format!(
        "Hello {CAROL},\n\nabout #{number} (Where is my refund?): on its way & soon.\n\n{AGENT} {{unknown}}"
    );
    // The select offers it, with the filled text for the page's script.
    let page = agent.get(&ticket_page);
    assert!(
        page.body.contains(&format!(
            "<option value=\"{id}\" data-text=\"Hello {CAROL},"
        )),
        "{}",
        page.body
    );
    assert!(page.body.contains(">Insert</button>"));

    // "Insert" with what was typed so far and the note box ticked.
    let resp = agent.submit(
        &ticket_page,
        &format!("{ticket_page}/reply"),
        &[
            ("canned", id.as_str()),
            ("insert", "canned"),
            ("body", "Thanks for waiting."),
            ("internal_note", "on"),
        ],
    );
    assert_eq!(resp.status, 200, "{}", resp.body);
    assert_eq!(
        reply_box(&resp.body),
        format!("Thanks for waiting.\n\n{filled}")
    );
    assert!(resp
        .body
        .contains("name=\"internal_note\" value=\"on\" checked"));
    assert!(resp
        .body
        .contains(&format!("<option value=\"{id}\" data-text=")));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_messages"),
        messages,
        "nothing sent"
    );

    // Into an empty box.
    let resp = agent.submit(
        &ticket_page,
        &format!("{ticket_page}/reply"),
        &[("canned", id.as_str()), ("insert", "canned"), ("body", "")],
    );
    assert_eq!(reply_box(&resp.body), filled);

    // No choice, or one that is gone: a message, and the draft stays.
    for chosen in ["", "424242"] {
        let resp = agent.submit(
            &ticket_page,
            &format!("{ticket_page}/reply"),
            &[
                ("canned", chosen),
                ("insert", "canned"),
                ("body", "my draft"),
            ],
        );
        assert_eq!(resp.status, 400);
        assert!(resp.body.contains("Choose the canned reply to insert."));
        assert_eq!(reply_box(&resp.body), "my draft");
    }
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_messages"),
        messages
    );
}

/// Attack: a customer opens or posts the canned-reply pages to read the
/// team's prepared answers (internal wording, links) or to plant one that
/// agents would send. Every `/agent/` route answers a customer 403 and an
/// anonymous visitor a redirect to sign in; nothing is stored.
#[test]
fn customers_cannot_read_or_change_canned_replies() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, AGENT);
    create(&mut agent, "Secret wording", "CANNED-SECRET-7Q");
    let id = canned_id(&server, "Secret wording");
    let mut carol = server.signed_in(Role::Customer, CAROL);
    for path in ["/agent/canned".to_owned(), format!("/agent/canned/{id}")] {
        let resp = carol.get(&path);
        assert_eq!(resp.status, 403, "{path}");
        assert!(!resp.body.contains("CANNED-SECRET-7Q"));
    }
    let csrf = carol.get("/my/tickets").csrf();
    for (path, fields) in [
        (
            "/agent/canned".to_owned(),
            vec![("title", "Planted"), ("body", "x")],
        ),
        (
            format!("/agent/canned/{id}"),
            vec![("title", "Changed"), ("body", "x")],
        ),
        (format!("/agent/canned/{id}/delete"), vec![]),
    ] {
        let mut fields = fields;
        fields.push(("csrf", csrf.as_str()));
        assert_eq!(carol.post(&path, &fields).status, 403, "{path}");
    }
    let mut anonymous = server.client();
    let resp = anonymous.get("/agent/canned");
    assert_eq!(location(&resp), "/login?next=%2Fagent%2Fcanned");
    assert_eq!(server.count("SELECT COUNT(*) FROM canned_replies"), 1);
    assert_eq!(canned_id(&server, "Secret wording"), id);
}

#[test]
fn the_agent_pages_speak_japanese_to_a_japanese_browser() {
    let server = TestServer::start();
    let r = import_ticket(
        &server,
        "請求書",
        CAROL,
        "open",
        &[("customer", "x", false)],
    );
    let mut agent = server.signed_in(Role::Agent, AGENT);
    create(&mut agent, "返金", "本文");
    let ja = [("Accept-Language", "ja")];
    let inbox = agent.get_with("/agent/tickets", &ja);
    assert!(inbox.body.contains("<html lang=\"ja\">"), "{}", inbox.body);
    for text in [
        "自分の担当",
        "担当者なし",
        ">担当者</th>",
        "未割り当て",
        "定型文",
    ] {
        assert!(inbox.body.contains(text), "{text} in {}", inbox.body);
    }
    let ticket = agent.get_with(&format!("/agent/tickets/{r}"), &ja);
    for text in [
        "自分に割り当てる",
        ">挿入</button>",
        "メッセージ（Markdown）",
        "ステータスを変更",
        "このチケットには担当者がいません。",
    ] {
        assert!(ticket.body.contains(text), "{text} in {}", ticket.body);
    }
    for english in [
        "Assign to me",
        ">Insert<",
        "Change status",
        "Message (Markdown)",
    ] {
        assert!(
            !ticket.body.contains(english),
            "{english} in {}",
            ticket.body
        );
    }
    let canned = agent.get_with("/agent/canned", &ja);
    assert!(canned.body.contains("新しい定型文"));
    assert!(canned.body.contains("定型文を保存"));
    let reports = agent.get_with("/agent/reports", &ja);
    assert!(
        reports.body.contains("不足しているコンテンツ"),
        "{}",
        reports.body
    );
    assert!(!reports.body.contains("Content gaps"));
}
