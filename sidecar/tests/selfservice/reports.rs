//! The report shows exactly the events the test made: votes, comments,
//! content gaps, suggestion counts and ratings.

use crate::common::TestServer;
use crate::support::*;
use crate::tickets_support::{agent_status, location, open_ticket};
use serde_json::json;

#[test]
fn the_report_and_its_csv_count_what_visitors_and_customers_did() {
    let server = TestServer::start_with(|c| c.trusted_proxy_hops = 1);
    add_articles(
        &server,
        &["/guide/export/", "/ja/guide/export/", "/guide/login/"],
    );
    let mut c = server.client();
    // Export: 1 yes, 2 no (one with a comment); its Japanese page: 1 yes;
    // login: 2 yes.
    assert_eq!(
        vote_as(&mut c, "192.0.2.1", "/guide/export/", "en", true).status,
        201
    );
    let no = vote_as(&mut c, "192.0.2.2", "/guide/export/", "en", false);
    assert_eq!(no.status, 201);
    assert_eq!(
        vote_as(&mut c, "192.0.2.3", "/guide/export/", "en", false).status,
        201
    );
    assert_eq!(
        vote_as(&mut c, "192.0.2.1", "/ja/guide/export/", "ja", true).status,
        201
    );
    assert_eq!(
        vote_as(&mut c, "192.0.2.1", "/guide/login/", "en", true).status,
        201
    );
    assert_eq!(
        vote_as(&mut c, "192.0.2.2", "/guide/login/", "en", true).status,
        201
    );
    let token = feedback_token(&mut c);
    let comment = json!({ "token": token, "vote": json_of(&no)["vote"], "comment": "=Needs, \"screenshots\"" });
    assert_eq!(
        post_json(&mut c, "/api/feedback/comment", &comment).status,
        200
    );
    // Content gaps: "refund policy" twice, "請求書" once.
    for (q, lang) in [
        ("refund policy", "en"),
        ("Refund Policy", "en"),
        ("請求書", "ja"),
    ] {
        assert_eq!(
            post_json(
                &mut c,
                "/api/search-miss",
                &json!({ "query": q, "lang": lang })
            )
            .status,
            204
        );
    }
    // Suggestions on the contact form: shown twice, opened twice, sent once.
    for event in ["shown", "shown", "opened", "opened", "submitted"] {
        let r = post_json(
            &mut c,
            "/api/suggestions",
            &json!({ "form": "contact", "event": event }),
        );
        assert_eq!(r.status, 204);
    }
    // Ratings: one good, one bad.
    let mut customer = server.signed_in(docket_sidecar::Role::Customer, "cy@example.com");
    let mut agent = server.signed_in(docket_sidecar::Role::Agent, "agent@example.com");
    for (subject, rating) in [("One", "good"), ("Two", "bad")] {
        let reference = open_ticket(&mut customer, subject, "body");
        location(&agent_status(&mut agent, &reference, "resolved"));
        let id = server.count("SELECT MAX(id) FROM ticket_ratings");
        let page = customer
            .get(&format!("/my/tickets/{reference}"))
            .body
            .replace("&#x2F;", "/");
        let start = page.find(&format!("/rate/{id}.")).expect("rating link");
        let link = &page[start..start + format!("/rate/{id}.").len() + 64];
        assert_eq!(customer.post(link, &[("rating", rating)]).status, 200);
    }

    let report = agent.get("/agent/reports");
    assert_eq!(report.status, 200, "{}", report.body);
    assert_eq!(report.header("cache-control"), Some("private, no-store"));
    let body = &report.body.replace("&#x2F;", "/");
    for expected in [
        ">/guide/export/</a></td><td>en</td><td>1</td><td>2</td><td>33%</td>",
        ">/ja/guide/export/</a></td><td>ja</td><td>1</td><td>0</td><td>100%</td>",
        ">/guide/login/</a></td><td>en</td><td>2</td><td>0</td><td>100%</td>",
        "<li>=Needs, &quot;screenshots&quot;</li>",
        "<td>refund policy</td><td>en</td><td>2</td>",
        "<td>請求書</td><td>ja</td><td>1</td>",
        "<td>contact</td><td>2</td><td>2</td><td>1</td><td>1</td>",
        "<td>1</td><td>1</td><td>50%</td>",
    ] {
        assert!(body.contains(expected), "{expected} not in {body}");
    }
    // The least helpful article comes first.
    assert!(body.find("/guide/export/").unwrap() < body.find("/guide/login/").unwrap());

    let csv = agent.get("/agent/reports.csv?table=articles");
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(csv
        .header("content-disposition")
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(
        csv.body,
        "article,lang,helpful,not_helpful,helpful_ratio,comments\r\n\
         /guide/export/,en,1,2,0.33,\"'=Needs, \"\"screenshots\"\"\"\r\n\
         /guide/login/,en,2,0,1.00,\r\n\
         /ja/guide/export/,ja,1,0,1.00,\r\n"
    );
    let gaps = agent.get("/agent/reports.csv?table=gaps");
    assert_eq!(
        gaps.body,
        "query,lang,searches\r\nrefund policy,en,2\r\n請求書,ja,1\r\n"
    );
    let deflection = agent.get("/agent/reports.csv?table=deflection");
    assert!(
        deflection.body.ends_with("contact,2,2,1,1\r\n"),
        "{}",
        deflection.body
    );
    let csat = agent.get("/agent/reports.csv?table=csat");
    assert!(
        csat.body.lines().nth(1).unwrap().ends_with(",1,1"),
        "{}",
        csat.body
    );
    assert_eq!(agent.get("/agent/reports.csv?table=nope").status, 404);

    // Customers and visitors get no report.
    assert_eq!(customer.get("/agent/reports").status, 403);
    assert_eq!(
        location(&server.client().get("/agent/reports.csv?table=gaps")),
        "/login?next=%2Fagent%2Freports.csv%3Ftable%3Dgaps"
    );
}
