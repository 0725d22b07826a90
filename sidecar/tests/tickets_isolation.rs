//! Another customer's ticket answers exactly like a missing one, on every
//! ticket route, and nothing is written for it.

mod common;
mod tickets_support;

use common::TestServer;
use docket_sidecar::Role;
use tickets_support::*;

const CAROL: &str = "carol@example.com";
const DAVE: &str = "dave@example.com";
/// Has the shape of a reference, but no ticket has it.
const MISSING: &str = "0000000000000000000000zzzz";

#[test]
fn a_second_customer_gets_404_on_every_route_of_the_first_ones_ticket_and_writes_nothing() {
    let server = TestServer::start();
    let carols = import_ticket(
        &server,
        "Carol's private matter",
        CAROL,
        "resolved",
        &[
            ("customer", "my secret text", false),
            ("agent", "answer", false),
        ],
    );
    let mut dave = server.signed_in(Role::Customer, DAVE);
    let csrf = dave.get("/my/tickets").csrf();
    let before = ticket_counts(&server);

    for reference in [carols.as_str(), MISSING] {
        let show = dave.get(&format!("/my/tickets/{reference}"));
        assert_eq!(show.status, 404, "GET {reference}");
        assert!(!show.body.contains("Carol"));
        let reply = dave.post(
            &format!("/my/tickets/{reference}/reply"),
            &[("body", "let me in"), ("csrf", &csrf)],
        );
        assert_eq!(reply.status, 404, "POST reply {reference}");
        assert!(!reply.body.contains("Carol"));
        // Agent routes refuse a customer whatever the reference.
        assert_eq!(dave.get(&format!("/agent/tickets/{reference}")).status, 403);
        let agent_reply = dave.post(
            &format!("/agent/tickets/{reference}/reply"),
            &[("body", "x"), ("csrf", &csrf)],
        );
        assert_eq!(agent_reply.status, 403);
        let agent_status = dave.post(
            &format!("/agent/tickets/{reference}/status"),
            &[("status", "closed"), ("csrf", &csrf)],
        );
        assert_eq!(agent_status.status, 403);
        // Asking for a link with one's own address mails nothing.
        let link = dave.post(
            "/my/tickets/link",
            &[("email", DAVE), ("ref", reference), ("csrf", &csrf)],
        );
        assert_eq!(link.status, 200);
    }
    // The answers for someone else's ticket and a missing one are the same page.
    let theirs = dave.get(&format!("/my/tickets/{carols}"));
    let missing = dave.get(&format!("/my/tickets/{MISSING}"));
    assert_eq!(theirs.comparable(DAVE), missing.comparable(DAVE));
    assert_eq!(theirs.headers.len(), missing.headers.len());

    let list = dave.get("/my/tickets");
    assert!(!list.body.contains("Carol's private matter"));
    assert!(!dave
        .get("/my/tickets?status=resolved")
        .body
        .contains("Carol"));
    // Without a mailed token there is no way in through /t/.
    assert_eq!(dave.get(&format!("/t/{}", "a".repeat(64))).status, 404);

    assert_eq!(ticket_counts(&server), before, "nothing was written");
    assert_eq!(status_of(&server, &carols), "resolved");
    std::thread::sleep(std::time::Duration::from_millis(300));
    assert!(server.mails_to(DAVE).is_empty());
}
