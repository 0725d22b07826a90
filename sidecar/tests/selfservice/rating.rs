//! "How did we do?" after a resolve: by a signed single-use link, once per
//! resolution, asked again after a reopen and resolve.

use crate::common::{Client, TestServer};
use crate::tickets_support::{agent_status, customer_reply, location, open_ticket};

const CUSTOMER: &str = "carla@example.com";

/// The rating link (`/rate/{id}.{sig}`) with the highest id, once `count`
/// different ones were mailed to the customer.
fn rating_path(server: &TestServer, count: usize) -> String {
    let id = |l: &str| -> i64 {
        l["/rate/".len()..]
            .split('.')
            .next()
            .unwrap()
            .parse()
            .unwrap()
    };
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let mut links: Vec<String> = server
            .mails_to(CUSTOMER)
            .iter()
            .filter_map(|m| {
                let start =
                    m.find("https://help.example.com/rate/")? + "https://help.example.com".len();
                let rest = &m[start..];
                Some(rest[..rest.find("?r=")?].to_owned())
            })
            .collect();
        links.sort_by_key(|l| id(l));
        links.dedup();
        if links.len() >= count {
            return links.pop().unwrap();
        }
        assert!(std::time::Instant::now() < deadline, "no rating mail");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

fn rate(c: &mut Client, path: &str, rating: &str, comment: &str) -> crate::common::Resp {
    c.post(path, &[("rating", rating), ("comment", comment)])
}

#[test]
fn a_resolved_ticket_is_rated_once_per_resolution_by_its_link() {
    let server = TestServer::start();
    let mut customer = server.signed_in(docket_sidecar::Role::Customer, CUSTOMER);
    let mut agent = server.signed_in(docket_sidecar::Role::Agent, "agent@example.com");
    let reference = open_ticket(&mut customer, "Printer on fire", "Help");
    location(&agent_status(&mut agent, &reference, "resolved"));
    let first = rating_path(&server, 1);

    // The ticket page asks too, with the same link.
    let page = customer.get(&format!("/my/tickets/{reference}"));
    assert!(page.body.contains("How did we do?"));
    let unescaped = page.body.replace("&#x2F;", "/");
    assert!(unescaped.contains(&first), "{unescaped}");

    // Anyone holding the link may answer, without signing in; GET records
    // nothing (mail scanners fetch links).
    let mut anyone = server.client();
    let form = anyone.get(&format!("{first}?r=good"));
    assert_eq!(form.status, 200);
    assert!(
        form.body.contains("value=\"good\" required checked"),
        "{}",
        form.body
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_ratings WHERE rated_at IS NOT NULL"),
        0
    );
    let r = rate(&mut anyone, &first, "good", "Quick, thanks");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("Thank you for your rating"));
    // Twice: refused, and the first answer stays.
    let twice = rate(&mut anyone, &first, "bad", "changed my mind");
    assert_eq!(twice.status, 409);
    assert!(twice.body.contains("rated already"));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_ratings WHERE rating = 'good'"),
        1
    );
    assert!(!customer
        .get(&format!("/my/tickets/{reference}"))
        .body
        .contains("How did we do?"));

    // Agents see it on the ticket.
    let seen = agent.get(&format!("/agent/tickets/{reference}"));
    assert!(seen.body.contains("Customer rating"));
    assert!(seen.body.contains("Quick, thanks"));

    // Reopened and resolved again: asked again, with a new link; the old
    // one is dead.
    customer_reply(&mut customer, &reference, "It is burning again");
    location(&agent_status(&mut agent, &reference, "resolved"));
    let second = rating_path(&server, 2);
    assert_ne!(first, second);
    assert_eq!(rate(&mut anyone, &first, "bad", "").status, 404);
    assert_eq!(
        rate(&mut anyone, &second, "bad", "Took two tries").status,
        200
    );
    assert_eq!(rate(&mut anyone, &second, "good", "").status, 409);
    let seen = agent.get(&format!("/agent/tickets/{reference}"));
    assert!(seen.body.contains("Took two tries"));
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_ratings WHERE rated_at IS NOT NULL"),
        2
    );
}

/// Attack: rating other people's tickets by guessing or altering links,
/// and cross-site forms posting ratings.
#[test]
fn forged_links_and_foreign_origins_rate_nothing() {
    let server = TestServer::start();
    let mut customer = server.signed_in(docket_sidecar::Role::Customer, CUSTOMER);
    let mut agent = server.signed_in(docket_sidecar::Role::Agent, "agent@example.com");
    let reference = open_ticket(&mut customer, "Q", "B");
    location(&agent_status(&mut agent, &reference, "resolved"));
    let link = rating_path(&server, 1);
    let (_, sig) = link.rsplit_once('.').unwrap();
    let mut c = server.client();
    for forged in [
        format!("/rate/2.{sig}"),
        "/rate/1".to_owned(),
        format!("/rate/1.{}", "0".repeat(64)),
    ] {
        assert_eq!(c.get(&forged).status, 404, "{forged}");
        assert_eq!(rate(&mut c, &forged, "bad", "").status, 404, "{forged}");
    }
    c.origin = Some("https://evil.example".into());
    assert_eq!(rate(&mut c, &link, "bad", "").status, 403);
    c.origin = Some(server.origin());
    assert_eq!(rate(&mut c, &link, "meh", "").status, 400);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM ticket_ratings WHERE rated_at IS NOT NULL"),
        0
    );
}
