//! "Was this article helpful?" and the aggregate counts the static pages
//! send.

use crate::common::TestServer;
use crate::support::*;
use serde_json::json;

#[test]
fn a_visitor_votes_once_per_article_and_day_and_may_comment_on_no() {
    let server = TestServer::start_with(|c| c.trusted_proxy_hops = 1);
    add_articles(&server, &["/guide/reply/", "/ja/guide/reply/"]);
    let mut c = server.client();

    let r = vote_as(&mut c, "198.51.100.7", "/guide/reply/", "en", false);
    assert_eq!(r.status, 201, "{}", r.body);
    let handle = json_of(&r)["vote"].as_str().unwrap().to_owned();
    // The same visitor again, even with a new token: refused.
    let again = vote_as(&mut c, "198.51.100.7", "/guide/reply/", "en", true);
    assert_eq!(again.status, 409, "{}", again.body);
    assert_eq!(json_of(&again)["error"], "already_voted");
    // Another article, and another visitor on the same one: counted.
    assert_eq!(
        vote_as(&mut c, "198.51.100.7", "/ja/guide/reply/", "ja", true).status,
        201
    );
    assert_eq!(
        vote_as(&mut c, "198.51.100.8", "/guide/reply/", "en", true).status,
        201
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM article_votes"), 3);

    // A comment on one's own "No", once.
    let token = feedback_token(&mut c);
    let comment = json!({ "token": token, "vote": handle, "comment": "Which button?" });
    let r = post_json(&mut c, "/api/feedback/comment", &comment);
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        post_json(&mut c, "/api/feedback/comment", &comment).status,
        409
    );
    assert_eq!(
        server.count("SELECT COUNT(*) FROM article_votes WHERE comment = 'Which button?'"),
        1
    );
}

/// Attack: rewriting someone else's vote, or attaching text to any vote id,
/// by forging the vote handle.
#[test]
fn a_forged_vote_handle_attaches_nothing() {
    let server = TestServer::start();
    add_articles(&server, &["/a/"]);
    let mut c = server.client();
    let r = vote_as(&mut c, "ignored", "/a/", "en", false);
    assert_eq!(r.status, 201);
    let handle = json_of(&r)["vote"].as_str().unwrap().to_owned();
    let (_, sig) = handle.split_once('.').unwrap();
    let token = feedback_token(&mut c);
    for forged in [
        format!("2.{sig}"),
        "1".to_owned(),
        format!("1.{}", "0".repeat(64)),
    ] {
        let r = post_json(
            &mut c,
            "/api/feedback/comment",
            &json!({ "token": token, "vote": forged, "comment": "spam" }),
        );
        assert_eq!(r.status, 400, "{forged}: {}", r.body);
    }
}

/// Attack: a stolen database (or a curious operator) reveals who voted on
/// what. No IP address is stored anywhere, and the marks that enforce one
/// vote per day are keyed hashes whose salt is gone the next day.
#[test]
fn no_ip_address_is_stored_and_old_days_salts_and_marks_are_deleted() {
    let server = TestServer::start_with(|c| c.trusted_proxy_hops = 1);
    add_articles(&server, &["/a/"]);
    let mut c = server.client();
    assert_eq!(
        vote_as(&mut c, "203.0.113.77", "/a/", "en", true).status,
        201
    );
    let stored = all_stored_text(&server);
    assert!(!stored.contains("203.0.113.77"), "{stored}");
    assert!(!stored.contains("203.0.113"), "{stored}");
    // Yesterday's salt and marks go as soon as today's salt is made.
    server.sql("UPDATE visitor_salts SET day = day - 1; UPDATE vote_marks SET day = day - 1;");
    assert_eq!(
        vote_as(&mut c, "203.0.113.77", "/a/", "en", true).status,
        201
    );
    assert_eq!(
        server.count(
            "SELECT COUNT(*) FROM visitor_salts WHERE day < (SELECT MAX(day) FROM visitor_salts)"
        ),
        0
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM vote_marks"), 1);
}

/// Attack: cross-site request forgery — a page elsewhere making visitors'
/// browsers vote, and scripts voting without a token.
#[test]
fn votes_need_this_sites_origin_json_and_a_live_signed_token() {
    let server = TestServer::start();
    add_articles(&server, &["/a/"]);
    let mut c = server.client();
    let token = feedback_token(&mut c);
    let vote = json!({ "token": token, "article": "/a/", "lang": "en", "helpful": true });
    for origin in [Some("https://evil.example"), Some("null"), None] {
        let r = post_json_from(&mut c, origin, "/api/feedback", &vote, &[]);
        assert_eq!(r.status, 403, "{origin:?}");
    }
    // A form post (what a cross-site <form> can send) is not JSON.
    let r = c.send(
        "POST",
        "/api/feedback",
        &[("Content-Type", "text/plain"), ("Origin", &server.origin())],
        Some(vote.to_string().as_bytes()),
    );
    assert_eq!(r.status, 415);
    for bad in ["", "123.abc", "1700000000"] {
        let r = post_json(
            &mut c,
            "/api/feedback",
            &json!({ "token": bad, "article": "/a/", "lang": "en", "helpful": true }),
        );
        assert_eq!(r.status, 400, "{bad}");
    }
    // An expired token: the signature is right, the time is not.
    let (_, sig) = token.split_once('.').unwrap();
    let stale = format!("1.{sig}");
    let r = post_json(
        &mut c,
        "/api/feedback",
        &json!({ "token": stale, "article": "/a/", "lang": "en", "helpful": true }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(server.count("SELECT COUNT(*) FROM article_votes"), 0);
}

/// Attack: polluting the report with made-up pages or paths that climb out
/// of the bundle.
#[test]
fn votes_on_pages_the_public_bundle_does_not_have_are_refused() {
    let server = TestServer::start();
    add_articles(&server, &["/a/"]);
    let mut c = server.client();
    for article in ["/nope/", "/../secret.txt/", "/", "a/", "/a", "/%2e%2e/"] {
        let r = vote_as(&mut c, "x", article, "en", true);
        assert_eq!(r.status, 400, "{article}: {}", r.body);
    }
    assert_eq!(server.count("SELECT COUNT(*) FROM article_votes"), 0);
}

/// Attack: one client flooding votes, comments or counts.
#[test]
fn feedback_and_counts_are_rate_limited_per_client() {
    let server = TestServer::start_with(|c| {
        c.rate_limit_per_client = 3;
        c.trusted_proxy_hops = 1;
    });
    add_articles(&server, &["/a/", "/b/", "/c/", "/d/"]);
    let mut c = server.client();
    for article in ["/a/", "/b/", "/c/"] {
        assert_eq!(
            vote_as(&mut c, "192.0.2.1", article, "en", true).status,
            201
        );
    }
    let r = vote_as(&mut c, "192.0.2.1", "/d/", "en", true);
    assert_eq!(r.status, 429);
    assert!(r.header("retry-after").is_some());
    // Another client is not held back.
    assert_eq!(vote_as(&mut c, "192.0.2.2", "/d/", "en", true).status, 201);
    let miss = json!({ "query": "x", "lang": "en" });
    for _ in 0..3 {
        assert_eq!(post_json(&mut c, "/api/search-miss", &miss).status, 204);
    }
    assert_eq!(post_json(&mut c, "/api/search-miss", &miss).status, 429);
}

#[test]
fn searches_without_results_are_counted_in_aggregate_unless_switched_off() {
    let server = TestServer::start();
    let mut c = server.client();
    for q in [
        "Refund  Policy",
        "refund policy",
        "請求書 再発行",
        "mail bob@example.com",
        "card 4111111111111111",
    ] {
        let r = post_json(
            &mut c,
            "/api/search-miss",
            &json!({ "query": q, "lang": "en" }),
        );
        assert_eq!(r.status, 204);
    }
    assert_eq!(
        server.count("SELECT count FROM search_misses WHERE query = 'refund policy'"),
        2
    );
    assert_eq!(server.count("SELECT COUNT(*) FROM search_misses"), 2);
    let stored = all_stored_text(&server);
    assert!(!stored.contains("bob@example.com") && !stored.contains("4111"));

    let off = TestServer::start_with(|c| c.collect_search_misses = false);
    let mut c = off.client();
    let r = post_json(
        &mut c,
        "/api/search-miss",
        &json!({ "query": "anything", "lang": "en" }),
    );
    assert_eq!(r.status, 204);
    assert_eq!(off.count("SELECT COUNT(*) FROM search_misses"), 0);
}

#[test]
fn suggestion_events_are_counted_per_form() {
    let server = TestServer::start();
    let mut c = server.client();
    for (form, event) in [
        ("contact", "shown"),
        ("contact", "opened"),
        ("new_ticket", "shown"),
    ] {
        let r = post_json(
            &mut c,
            "/api/suggestions",
            &json!({ "form": form, "event": event }),
        );
        assert_eq!(r.status, 204, "{}", r.body);
    }
    let r = post_json(
        &mut c,
        "/api/suggestions",
        &json!({ "form": "x", "event": "shown" }),
    );
    assert_eq!(r.status, 400);
    assert_eq!(server.count("SELECT SUM(count) FROM suggestion_counts"), 3);
}
