//! Many customers replying at the same time over real HTTP: every reply
//! answered with 303 is in the database (the writer's group commit must
//! neither lose nor mix up writes), and each lands on its own ticket.

mod common;
mod tickets_support;

use common::TestServer;
use docket_sidecar::Role;
use tickets_support::*;

const CUSTOMERS: usize = 8;
const REPLIES_EACH: usize = 25;

#[test]
fn concurrent_replies_over_http_are_all_committed() {
    let server = TestServer::start();
    let mut clients = Vec::new();
    for i in 0..CUSTOMERS {
        let email = format!("busy{i}@example.com");
        let reference = import_ticket(
            &server,
            &format!("Ticket {i}"),
            &email,
            "resolved",
            &[("customer", "first", false)],
        );
        let mut client = server.signed_in(Role::Customer, &email);
        let page = client.get(&format!("/my/tickets/{reference}"));
        assert_eq!(page.status, 200, "{}", page.body);
        clients.push((client, reference, page.csrf()));
    }
    let (_, messages_before, _, _) = ticket_counts(&server);

    let threads: Vec<_> = clients
        .into_iter()
        .map(|(mut client, reference, csrf)| {
            std::thread::spawn(move || {
                let target = format!("/my/tickets/{reference}/reply");
                (0..REPLIES_EACH)
                    .map(|n| {
                        let body = format!("reply {n} on {reference}");
                        let r = client.post(&target, &[("body", &body), ("csrf", &csrf)]);
                        (r.status, location_or_body(&r))
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    for thread in threads {
        for (status, detail) in thread.join().unwrap() {
            assert_eq!(status, 303, "{detail}");
        }
    }

    let (_, messages_after, _, _) = ticket_counts(&server);
    assert_eq!(
        messages_after - messages_before,
        (CUSTOMERS * REPLIES_EACH) as i64
    );
    // Each ticket got exactly its own customer's replies, and the first one
    // reopened it (one status event), the others did not.
    for i in 0..CUSTOMERS {
        let email = format!("busy{i}@example.com");
        let own = server.count(&format!(
            "SELECT COUNT(*) FROM ticket_messages m JOIN tickets t ON t.id = m.ticket_id
             WHERE t.requester = '{email}' AND m.author_email = '{email}'
               AND m.body LIKE 'reply %' AND m.body LIKE '%' || t.ref"
        ));
        assert_eq!(own, REPLIES_EACH as i64, "{email}");
        let reopened = server.count(&format!(
            "SELECT COUNT(*) FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
             WHERE t.requester = '{email}' AND e.to_status = 'open'"
        ));
        assert_eq!(reopened, 1, "{email}");
    }
}

fn location_or_body(r: &common::Resp) -> String {
    r.header("location")
        .map(str::to_owned)
        .unwrap_or_else(|| r.body.clone())
}
