//! Mail goes out in its recipient's language, subjects included: the
//! language chosen on the recipient's account, else the language the
//! ticket was written in, else (for mail a person asks for themselves) the
//! page they asked from, else the site's default. Over the real server;
//! the mails are read back from the outbox with a MIME parser, as a mail
//! client would (Japanese text travels base64- or Q-encoded).

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;
mod tickets_support;

use std::time::{Duration, Instant};

use common::{TestServer, PASSWORD};
use docket_sidecar::Role;
use mail_parser::MessageParser;
use tickets_support::*;

const AGENT: &str = "agent@example.com";

/// A mail as its reader sees it.
#[derive(Debug)]
struct Mail {
    subject: String,
    text: String,
}

/// Every mail to `to` in the outbox, decoded.
fn mails_to(server: &TestServer, to: &str) -> Vec<Mail> {
    let Ok(entries) = std::fs::read_dir(server.root().join("outbox")) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
        .filter_map(|e| {
            let raw = std::fs::read(e.path()).unwrap();
            let message = MessageParser::default().parse(&raw).unwrap();
            let addressed = message
                .to()
                .and_then(|a| a.first())
                .and_then(|a| a.address())
                .is_some_and(|a| a == to);
            addressed.then(|| Mail {
                subject: message.subject().unwrap_or_default().to_owned(),
                text: message.body_text(0).unwrap_or_default().into_owned(),
            })
        })
        .collect()
}

/// Waits for a mail to `to` whose subject or text contains `needle`.
fn wait_for(server: &TestServer, to: &str, needle: &str) -> Mail {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Some(mail) = mails_to(server, to)
            .into_iter()
            .find(|m| m.subject.contains(needle) || m.text.contains(needle))
        {
            return mail;
        }
        assert!(
            Instant::now() < deadline,
            "no mail to {to} containing {needle:?}; there are: {:?}",
            mails_to(server, to)
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn registering_from_a_japanese_page_mails_the_link_in_japanese_and_from_english_in_english() {
    let server = TestServer::start();
    let mut c = server.client();
    let r = c.submit(
        "/register?lang=ja",
        "/register?lang=ja",
        &[("email", "hana@example.com"), ("password", PASSWORD)],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let mail = wait_for(&server, "hana@example.com", "/verify?token=");
    assert!(mail.subject.contains("メールアドレスの確認"), "{mail:?}");
    assert!(mail.text.contains("24 時間以内"), "{mail:?}");
    assert!(!mail.text.contains("please confirm"), "{mail:?}");

    let mut en = server.client();
    en.submit(
        "/register",
        "/register",
        &[("email", "ann@example.com"), ("password", PASSWORD)],
    );
    let mail = wait_for(&server, "ann@example.com", "/verify?token=");
    assert!(mail.subject.starts_with("Confirm your address"), "{mail:?}");
}

#[test]
fn a_ticket_opened_in_japanese_is_answered_in_japanese_and_each_agent_is_told_in_their_own() {
    let server = TestServer::start();
    let mut customer = server.signed_in(Role::Customer, "kenji@example.com");
    // Kenji writes from the Japanese portal, so the ticket is Japanese.
    let r = customer.submit(
        "/my/tickets/new?lang=ja",
        "/my/tickets?lang=ja",
        &[
            ("subject", "印刷できません"),
            ("body", "プリンターが動きません。"),
        ],
    );
    let reference = location(&r)
        .trim_start_matches("/my/tickets/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        server.count("SELECT COUNT(*) FROM tickets WHERE language = 'ja'"),
        1
    );
    let ack = wait_for(&server, "kenji@example.com", "受付番号");
    assert!(ack.subject.contains("印刷できません"), "{ack:?}");
    // Choosing Japanese while signed in also set his account's language;
    // without it, the ticket's language still carries his mail.
    server.sql("UPDATE accounts SET language = NULL WHERE email = 'kenji@example.com'");

    // Two agents: one reads Japanese, one English (the default).
    let mut agent = server.signed_in(Role::Agent, AGENT);
    server.add_account(Role::Agent, "yuki@example.com");
    server.sql("UPDATE accounts SET language = 'ja' WHERE email = 'yuki@example.com'");
    customer_reply(&mut customer, &reference, "まだ動きません。");
    let en_notice = wait_for(&server, AGENT, "まだ動きません。");
    assert!(
        en_notice.text.contains("kenji@example.com replied:"),
        "{en_notice:?}"
    );
    let ja_notice = wait_for(&server, "yuki@example.com", "まだ動きません。");
    assert!(
        ja_notice.text.contains("さんが返信しました"),
        "{ja_notice:?}"
    );

    // The agent's reply and the resolution reach Kenji in Japanese.
    let r = agent_reply(
        &mut agent,
        &reference,
        "ドライバーを更新してください。",
        false,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let reply = wait_for(&server, "kenji@example.com", "ドライバーを更新");
    assert!(reply.text.contains("このメールに返信するか"), "{reply:?}");
    assert!(!reply.text.contains("Reply to this mail"), "{reply:?}");
    agent_status(&mut agent, &reference, "resolved");
    let resolved = wait_for(&server, "kenji@example.com", "解決済み");
    assert!(
        resolved.text.contains("今回の対応はいかがでしたか？"),
        "{resolved:?}"
    );
}

#[test]
fn the_accounts_language_wins_over_the_tickets_and_a_choice_made_signed_in_is_kept_on_the_account()
{
    let server = TestServer::start();
    let mut customer = server.signed_in(Role::Customer, "mia@example.com");
    // Mia writes from the English portal...
    let reference = open_ticket(&mut customer, "Export fails", "The CSV is empty.");
    // ...then picks Japanese in the switcher while signed in: her account
    // remembers it (her mail follows), not only her browser.
    let r = customer.get("/my/tickets?lang=ja");
    assert_eq!(r.status, 200);
    assert_eq!(
        server.count(
            "SELECT COUNT(*) FROM accounts WHERE email = 'mia@example.com' AND language = 'ja'"
        ),
        1
    );
    let mut agent = server.signed_in(Role::Agent, AGENT);
    agent_reply(&mut agent, &reference, "Fixed in 2.1.", false);
    let reply = wait_for(&server, "mia@example.com", "Fixed in 2.1.");
    assert!(reply.text.contains("やり取り"), "{reply:?}");
    // A visitor choosing a language while signed out changes no account.
    let mut visitor = server.client();
    visitor.get("/login?lang=ja");
    assert_eq!(
        server.count("SELECT COUNT(*) FROM accounts WHERE language IS NOT NULL"),
        1
    );
}

#[test]
fn mail_written_in_japanese_is_acknowledged_in_japanese_and_english_mail_in_english() {
    let server = TestServer::start();
    let japanese = "From: Taro <taro@example.jp>\r\n\
                    To: support@example.com\r\n\
                    Subject: =?UTF-8?B?44Ot44Kw44Kk44Oz44Gn44GN44G+44Gb44KT?=\r\n\
                    Message-ID: <jp-1@example.jp>\r\n\
                    MIME-Version: 1.0\r\n\
                    Content-Type: text/plain; charset=UTF-8\r\n\
                    Content-Transfer-Encoding: 8bit\r\n\
                    \r\n\
                    お世話になっております。ログインできません。\r\n";
    let receipt = server.receive_mail(japanese.as_bytes());
    assert_eq!(receipt.outcome.word(), "new");
    let ack = wait_for(&server, "taro@example.jp", "受付番号");
    assert!(ack.subject.contains("ログインできません"), "{ack:?}");
    assert!(ack.text.contains("を受け付けました"), "{ack:?}");

    let english = "From: Bob <bob@example.com>\r\n\
                   To: support@example.com\r\n\
                   Subject: Cannot log in\r\n\
                   Message-ID: <en-1@example.com>\r\n\
                   Content-Language: en-GB\r\n\
                   \r\n\
                   The login page says my password is wrong.\r\n";
    server.receive_mail(english.as_bytes());
    let ack = wait_for(&server, "bob@example.com", "Its number is");
    assert!(ack.text.contains("we received your request"), "{ack:?}");
}

#[test]
fn a_contact_request_from_the_japanese_form_is_confirmed_and_answered_in_japanese() {
    let server = TestServer::start();
    let mut visitor = server.client();
    let r = visitor.submit(
        "/contact?lang=ja",
        "/contact?lang=ja",
        &[
            ("name", "佐藤"),
            ("email", "sato@example.jp"),
            ("subject", "請求書について"),
            ("body", "請求書の宛名を変更したいです。"),
            ("website", ""),
        ],
    );
    assert_eq!(r.status, 200, "{}", r.body);
    let confirm = wait_for(&server, "sato@example.jp", "/contact/confirm/");
    assert!(confirm.text.starts_with("佐藤 様"), "{confirm:?}");
    assert!(
        confirm.subject.contains("お問い合わせの確認"),
        "{confirm:?}"
    );
    let start = confirm.text.find("/contact/confirm/").unwrap();
    let path: String = confirm.text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    // Confirmed from another browser in English: the ticket keeps the
    // language it was written in.
    let mut other = server.client();
    let r = other.post(&path, &[]);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(
        server.count("SELECT COUNT(*) FROM tickets WHERE language = 'ja'"),
        1
    );
    let reference: String = server_query(&server, "SELECT ref FROM tickets");
    let mut agent = server.signed_in(Role::Agent, AGENT);
    agent_reply(&mut agent, &reference, "変更しました。", false);
    let reply = wait_for(&server, "sato@example.jp", "変更しました。");
    assert!(reply.text.contains("このメールに返信するか"), "{reply:?}");
}

fn server_query(server: &TestServer, sql: &str) -> String {
    let conn = rusqlite::Connection::open(&server.options.database).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}
