//! Every customer-facing portal page, and every message a handler adds
//! to one, in Japanese: asked for by `Accept-Language` (and `?lang=`),
//! checked for Japanese text, `<html lang="ja">` and no English phrase
//! of a list of those the pages used to show.

use crate::common::{self, Client, Resp, TestServer, PASSWORD};
use crate::html_lang;
use crate::tickets_support::{agent_status, location, open_ticket};
use docket_sidecar::Role;

const JA: (&str, &str) = ("Accept-Language", "ja-JP,ja;q=0.9,en;q=0.5");

/// English phrases of the customer-facing pages: none may be left on a
/// page rendered in Japanese.
const ENGLISH: &[&str] = &[
    "E-mail address",
    "Password",
    "Forgot your password",
    "Create an account",
    "Create account",
    "Get a link to your ticket",
    "Mail me a link",
    "Ticket reference",
    "Submit a new ticket",
    "Submit ticket",
    "My Tickets",
    "Subject",
    "Last update",
    "Sort by",
    "Unsolved",
    ">All<",
    "Status",
    "Opened",
    "Reference",
    "Send reply",
    "Your message",
    "Mark as solved",
    "How can we help?",
    "These articles may answer it",
    "Attach files",
    "Show all your tickets",
    "You have no tickets",
    "None of your tickets",
    "There is no page",
    "Page 1 of",
    "Previous",
    "Check your mail",
    "Choose a new password",
    "Confirm your address",
    "This link is invalid",
    "register again",
    "How did we do?",
    "Your rating",
    "Send rating",
    "Contact support",
    "Your name",
    "Leave this empty",
    "Confirm your request",
    "Confirm and send",
    "Back to the help center",
    "Page not found",
    "Not allowed",
    "The form expired",
    "Send again",
    "Wrong e-mail address",
    "Enter a valid e-mail",
    "Use at least",
    "Write a message first",
    "Give your request a subject",
    "Tell us your name",
    "Please correct",
    ">Support<",
    ">Good<",
    ">Bad<",
    "Skip to content",
];

/// Checks that `page` is Japanese: `<html lang="ja">`, the `expected`
/// text, and none of the English phrases.
fn assert_japanese(what: &str, page: &Resp, expected: &str) {
    assert_eq!(html_lang(&page.body), "ja", "{what}");
    assert!(
        page.body.contains(expected),
        "{what}: no {expected:?} in {}",
        page.body
    );
    let left: Vec<_> = ENGLISH
        .iter()
        .filter(|phrase| page.body.contains(*phrase))
        .collect();
    assert!(
        left.is_empty(),
        "{what}: English left: {left:?}\n{}",
        page.body
    );
}

/// A form POST in Japanese (the browser's `Accept-Language`).
fn post_ja(c: &mut Client, target: &str, fields: &[(&str, &str)]) -> Resp {
    let body: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish();
    let origin = c.origin.clone().unwrap_or_default();
    let headers = [
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("Origin", origin.as_str()),
        JA,
    ];
    c.send("POST", target, &headers, Some(body.as_bytes()))
}

/// The CSRF token of `page` fetched in Japanese.
fn csrf_ja(c: &mut Client, page: &str) -> String {
    c.get_with(page, &[JA]).csrf()
}

#[test]
fn every_page_without_an_account_is_in_japanese() {
    let server = TestServer::start();
    let mut anyone = server.client();
    let pages = [
        ("/login", "パスワードをお忘れですか？"),
        ("/register", "アカウントの作成"),
        ("/password/forgot", "パスワードの再設定"),
        ("/password/reset?token=nothing", "新しいリンクを請求する"),
        ("/verify?token=nothing", "もう一度登録"),
        ("/my/tickets/link", "チケットの参照番号"),
        ("/contact", "お問い合わせ内容"),
        ("/rate/1", "ページが見つかりません"),
    ];
    // The list of phrases does find English where it is due.
    let english = anyone.get("/login");
    let found = ENGLISH.iter().filter(|p| english.body.contains(*p)).count();
    assert!(found >= 5, "{}", english.body);
    for (path, expected) in pages {
        let by_header = anyone.get_with(path, &[JA]);
        assert_japanese(path, &by_header, expected);
        let sep = if path.contains('?') { '&' } else { '?' };
        let chosen = anyone.get(&format!("{path}{sep}lang=ja"));
        assert_japanese(&format!("{path} ?lang=ja"), &chosen, expected);
    }
}

#[test]
fn the_sign_in_pages_answer_mistakes_in_japanese() {
    let server = TestServer::start();
    server.add_account(Role::Customer, "carol@example.com");
    let mut c = server.client();

    let csrf = csrf_ja(&mut c, "/login");
    let wrong = post_ja(
        &mut c,
        "/login",
        &[
            ("email", "carol@example.com"),
            ("password", "not the password"),
            ("next", ""),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(wrong.status, 401);
    assert_japanese(
        "wrong password",
        &wrong,
        "メールアドレスまたはパスワードが正しくありません。",
    );

    // A form whose token went stale: the expired-form page.
    let expired = post_ja(
        &mut c,
        "/login",
        &[("email", "carol@example.com"), ("password", "x")],
    );
    assert_eq!(expired.status, 403);
    assert_japanese("expired form", &expired, "フォームの有効期限が切れました");

    let csrf = csrf_ja(&mut c, "/register");
    let bad = post_ja(&mut c, "/register", &[("email", "nobody"), ("csrf", &csrf)]);
    assert_eq!(bad.status, 400);
    assert_japanese(
        "bad address",
        &bad,
        "正しいメールアドレスを入力してください",
    );

    let csrf = csrf_ja(&mut c, "/register");
    let done = post_ja(
        &mut c,
        "/register",
        &[("email", "dora@example.com"), ("csrf", &csrf)],
    );
    assert_japanese("registered", &done, "メールをご確認ください");
    let token = common::token_in(&server.wait_for_mail("dora@example.com", "/verify?token="));
    let form = c.get_with(&format!("/verify?token={token}"), &[JA]);
    assert_japanese("verify form", &form, "アドレスを確認してパスワードを設定");
    let short = post_ja(
        &mut c,
        "/verify",
        &[
            ("token", &token),
            ("password", "short"),
            ("password_confirm", "short"),
            ("csrf", &form.csrf()),
        ],
    );
    assert_eq!(short.status, 400);
    assert_japanese("short password", &short, "10 文字以上");
    let differ = post_ja(
        &mut c,
        "/verify",
        &[
            ("token", &token),
            ("password", PASSWORD),
            ("password_confirm", "something else entirely"),
            ("csrf", &form.csrf()),
        ],
    );
    assert_japanese(
        "passwords differ",
        &differ,
        "2 つのパスワードが一致しません",
    );

    let csrf = csrf_ja(&mut c, "/password/forgot");
    let sent = post_ja(
        &mut c,
        "/password/forgot",
        &[("email", "carol@example.com"), ("csrf", &csrf)],
    );
    assert_japanese("reset link sent", &sent, "リンクの有効期限は 1 時間です");
}

#[test]
fn a_customers_tickets_are_shown_in_japanese() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, "carol@example.com");
    let empty = carol.get_with("/my/tickets", &[JA]);
    assert_japanese("no tickets", &empty, "チケットはまだありません");
    let new = carol.get_with("/my/tickets/new", &[JA]);
    assert_japanese("new ticket", &new, "新しいチケットを送信");

    let csrf = new.csrf();
    let refused = post_ja(
        &mut carol,
        "/my/tickets",
        &[("subject", ""), ("body", ""), ("csrf", &csrf)],
    );
    assert_eq!(refused.status, 400);
    assert_japanese("empty ticket", &refused, "件名を入力してください。");
    assert!(refused.body.contains("メッセージを入力してください。"));

    let r = open_ticket(&mut carol, "プリンター", "紙が詰まります。");
    let list = carol.get_with("/my/tickets", &[JA]);
    assert_japanese("list", &list, "最終更新");
    assert!(list.body.contains("新規"), "the status: {}", list.body);
    let filtered = carol.get_with("/my/tickets?q=zzzz", &[JA]);
    assert_japanese(
        "no match",
        &filtered,
        "「zzzz」に一致するチケットはありません。",
    );
    let beyond = carol.get_with("/my/tickets?page=9", &[JA]);
    assert_japanese("past the end", &beyond, "9 ページはありません");

    let page = carol.get_with(&format!("/my/tickets/{r}"), &[JA]);
    assert_japanese("ticket", &page, "返信を送信");
    assert!(page.body.contains(">お客様<"), "{}", page.body);
    let empty_reply = post_ja(
        &mut carol,
        &format!("/my/tickets/{r}/reply"),
        &[("body", " "), ("csrf", &page.csrf())],
    );
    assert_japanese(
        "empty reply",
        &empty_reply,
        "メッセージを入力してください。",
    );

    // Agents' pages are for agents.
    let refused = carol.get_with("/agent/tickets", &[JA]);
    assert_eq!(refused.status, 403);
    assert_japanese("403", &refused, "アクセスできません");
}

#[test]
fn a_resolved_ticket_and_its_rating_are_in_japanese() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, "carol@example.com");
    let mut agent = server.signed_in(Role::Agent, "agent@example.com");
    let r = open_ticket(&mut carol, "プリンター", "紙が詰まります。");
    location(&agent_status(&mut agent, &r, "resolved"));
    let page = carol.get_with(&format!("/my/tickets/{r}"), &[JA]);
    assert_japanese("resolved ticket", &page, "このチケットは「解決済み」です。");
    assert!(
        page.body.contains("対応はいかがでしたか？"),
        "{}",
        page.body
    );
    let link = page
        .body
        .split("href=\"")
        .filter_map(|rest| rest.split('"').next())
        .find(|href| href.contains("rate"))
        .map(|href| href.replace("&#x2F;", "/").replace("?r=good", ""))
        .unwrap_or_else(|| panic!("no rating link: {}", page.body));
    let mut anyone = server.client();
    let form = anyone.get_with(&format!("{link}?r=good"), &[JA]);
    assert_japanese("rating form", &form, "評価を送信");
    let invalid = post_ja(&mut anyone, &link, &[("rating", "maybe")]);
    assert_eq!(invalid.status, 400);
    assert_japanese(
        "no choice",
        &invalid,
        "「良い」または「悪い」を選んでください。",
    );
    let thanks = post_ja(&mut anyone, &link, &[("rating", "good")]);
    assert_japanese("rated", &thanks, "評価をお送りいただき");
}

#[test]
fn the_contact_form_and_its_confirmation_are_in_japanese() {
    let server = TestServer::start();
    let mut anyone = server.client();
    let csrf = csrf_ja(&mut anyone, "/contact");
    let refused = post_ja(
        &mut anyone,
        "/contact",
        &[
            ("name", ""),
            ("email", "x"),
            ("subject", "プリンター"),
            ("body", "紙が詰まります。"),
            ("csrf", &csrf),
        ],
    );
    assert_eq!(refused.status, 400);
    assert_japanese("contact mistakes", &refused, "お名前を入力してください。");
    let sent = post_ja(
        &mut anyone,
        "/contact",
        &[
            ("name", "山田"),
            ("email", "yamada@example.com"),
            ("subject", "プリンター"),
            ("body", "紙が詰まります。"),
            ("csrf", &csrf),
        ],
    );
    assert_japanese("contact sent", &sent, "迷惑メールフォルダー");
    let mail = server.wait_for_mail("yamada@example.com", "/contact/confirm/");
    let start = mail.find("/contact/confirm/").unwrap();
    let path: String = mail[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "/-_.".contains(*c))
        .collect();
    let confirm = anyone.get_with(&path, &[JA]);
    assert_japanese("contact confirm", &confirm, "確認して送信");
}

#[test]
fn too_many_attempts_are_answered_in_japanese() {
    let server = TestServer::start_with(|c| c.rate_limit_per_client = 1);
    let mut c = server.client();
    for attempt in 0..2 {
        let csrf = csrf_ja(&mut c, "/login");
        let r = post_ja(
            &mut c,
            "/login",
            &[
                ("email", "nobody@example.com"),
                ("password", "not the password"),
                ("csrf", &csrf),
            ],
        );
        if attempt == 1 {
            assert_eq!(r.status, 429, "{}", r.body);
            assert_japanese("429", &r, "秒待ってからもう一度お試しください");
        }
    }
}

#[test]
fn a_ticket_link_and_a_password_reset_are_in_japanese() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, "carol@example.com");
    let r = open_ticket(&mut carol, "プリンター", "紙が詰まります。");

    let mut anyone = server.client();
    let csrf = csrf_ja(&mut anyone, "/my/tickets/link");
    let asked = post_ja(
        &mut anyone,
        "/my/tickets/link",
        &[("email", "carol@example.com"), ("ref", &r), ("csrf", &csrf)],
    );
    assert_japanese("link asked", &asked, "30 分以内に 1 回だけ");
    let mail = server.wait_for_mail("carol@example.com", "/t/");
    let start = mail.find("/t/").unwrap() + 3;
    let page = format!("/t/{}", &mail[start..start + 64]);
    let button = anyone.get_with(&page, &[JA]);
    assert_japanese("link page", &button, "チケットを開く");
    let opened = anyone.post(&page, &[]);
    let grant = opened
        .headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("docket_ticket_link="))
        .and_then(|(_, v)| v.split(';').next())
        .unwrap()
        .to_owned();
    let ticket = anyone.get_with(&page, &[("Cookie", grant.as_str()), JA]);
    assert_japanese("ticket by link", &ticket, "返信を送信");

    let mut c = server.client();
    let csrf = csrf_ja(&mut c, "/password/forgot");
    post_ja(
        &mut c,
        "/password/forgot",
        &[("email", "carol@example.com"), ("csrf", &csrf)],
    );
    let token = common::token_in(&server.wait_for_mail("carol@example.com", "/password/reset"));
    let form = c.get_with(&format!("/password/reset?token={token}"), &[JA]);
    assert_japanese("reset form", &form, "パスワードを設定");
    let done = post_ja(
        &mut c,
        "/password/reset",
        &[
            ("token", &token),
            ("password", "a brand new passphrase"),
            ("csrf", &form.csrf()),
        ],
    );
    assert_japanese("reset done", &done, "パスワードを変更しました");
}
