//! The portal's language: `?lang=` (remembered in a cookie), then that
//! cookie, then `Accept-Language`, then the site's default; `<html lang>`
//! and the shared header follow it on every page. Every customer-facing
//! page, and the messages the handlers add to it, is in that language.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod attachments_support;
mod common;
mod tickets_support;

#[path = "portal_language/japanese.rs"]
mod japanese;

use common::TestServer;
use docket_sidecar::Role;

/// The `lang` of the page's `<html>`.
fn html_lang(body: &str) -> &str {
    body.split("<html lang=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no <html lang> in {body}"))
}

#[test]
fn the_portal_speaks_the_browsers_language() {
    let server = TestServer::start();
    let mut client = server.client();
    let ja = client.get_with("/login", &[("Accept-Language", "ja-JP,ja;q=0.9,en;q=0.5")]);
    assert_eq!(html_lang(&ja.body), "ja");
    assert!(ja.body.contains("本文へ移動"), "{}", ja.body);
    let fr = client.get_with("/login", &[("Accept-Language", "fr-FR,fr")]);
    assert_eq!(html_lang(&fr.body), "en", "no French catalog: the default");
    assert!(fr.body.contains("Skip to content"));
    assert!(fr
        .header("set-cookie")
        .is_none_or(|c| !c.contains("docket_lang")));
}

#[test]
fn an_explicit_choice_is_remembered_over_the_browsers() {
    let server = TestServer::start();
    let mut client = server.client();
    let chosen = client.get("/login?lang=ja");
    assert_eq!(html_lang(&chosen.body), "ja");
    let cookie = chosen
        .headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("docket_lang="))
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no language cookie: {:?}", chosen.headers));
    assert!(
        cookie.starts_with("docket_lang=ja;") && cookie.contains("HttpOnly"),
        "{cookie}"
    );
    let later = client.get_with(
        "/register",
        &[("Cookie", "docket_lang=ja"), ("Accept-Language", "en")],
    );
    assert_eq!(html_lang(&later.body), "ja");
    // A language the portal does not speak is ignored, not remembered.
    let unknown = client.get("/login?lang=xx");
    assert_eq!(html_lang(&unknown.body), "en");
    assert!(unknown
        .header("set-cookie")
        .is_none_or(|c| !c.contains("docket_lang")));
}

/// "My Tickets" pages are kept rendered between requests; a page kept in
/// one language must not be served to a request in another.
#[test]
fn a_kept_my_tickets_page_is_not_served_in_another_language() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, "carol@example.com");
    for _ in 0..2 {
        let en = carol.get("/my/tickets");
        assert_eq!(en.status, 200);
        assert_eq!(html_lang(&en.body), "en");
    }
    let ja = carol.get("/my/tickets?lang=ja");
    assert_eq!(ja.status, 200);
    assert_eq!(html_lang(&ja.body), "ja");
}

/// A refused attachment is named in the page's language, like every other
/// error beside a form.
#[test]
fn a_refused_file_is_explained_in_japanese() {
    use attachments_support::{upload, Part};
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, "carol@example.com");
    let reference = tickets_support::open_ticket(&mut carol, "Logo", "See attached.");
    let page = format!("/my/tickets/{reference}");
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg"></svg>"#.to_vec();
    let r = upload(
        &mut carol,
        &page,
        &format!("{page}/reply"),
        vec![Part::Text("body", "ロゴです"), Part::File("logo.svg", svg)],
        &[("Accept-Language", "ja")],
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("logo.svg: ") && r.body.contains("形式のファイルは添付できません。"),
        "{}",
        r.body
    );
    assert!(!r.body.contains("are not accepted"), "{}", r.body);
}
