//! Attachments over the real server: uploads on every form that takes
//! them, refusals that name the file and store nothing, the type decided by
//! content, the access rule of each serving route, and how files are
//! served (headers, ETag, Range).

mod attachments_support;
mod common;
mod tickets_support;

use attachments_support::*;
use common::{Client, TestServer};
use docket_sidecar::Role;
use image::ImageFormat;
use tickets_support::*;

const CAROL: &str = "carol@example.com";
const DAVE: &str = "dave@example.com";
const AGENT: &str = "agent@example.com";

/// Carol's ticket page and its reply target.
fn pages(reference: &str) -> (String, String) {
    let page = format!("/my/tickets/{reference}");
    let reply = format!("{page}/reply");
    (page, reply)
}

fn attach(
    c: &mut Client,
    reference: &str,
    body: &str,
    files: Vec<(&str, Vec<u8>)>,
) -> common::Resp {
    let (page, reply) = pages(reference);
    let mut parts = vec![Part::Text("body", body)];
    parts.extend(files.into_iter().map(|(n, d)| Part::File(n, d)));
    upload(c, &page, &reply, parts, &[])
}

fn stored_files(server: &TestServer) -> i64 {
    server.count("SELECT COUNT(*) FROM message_attachments")
}

fn stored_messages(server: &TestServer) -> i64 {
    server.count("SELECT COUNT(*) FROM ticket_messages")
}

#[test]
fn each_allowed_type_is_stored_and_listed_with_name_size_and_type() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Files", "Here they come.");
    let files: Vec<(&str, Vec<u8>, &str)> = vec![
        ("shot.png", png(), "image/png"),
        ("photo.jpg", image(ImageFormat::Jpeg, 32, 32), "image/jpeg"),
        ("anim.gif", image(ImageFormat::Gif, 16, 16), "image/gif"),
        ("pic.webp", image(ImageFormat::WebP, 16, 16), "image/webp"),
        (
            "invoice.pdf",
            b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n".to_vec(),
            "application/pdf",
        ),
        (
            "app.log",
            b"2026-12-04 ERROR something broke\n".to_vec(),
            "text/plain",
        ),
        ("data.csv", b"a,b\n1,2\n".to_vec(), "text/csv"),
        (
            "logs.zip",
            b"PK\x03\x04\x14\x00\x00\x00\x00\x00rest-of-zip".to_vec(),
            "application/zip",
        ),
    ];
    for (name, data, kind) in files {
        let r = attach(
            &mut carol,
            &reference,
            &format!("sending {name}"),
            vec![(name, data.clone())],
        );
        assert_eq!(r.status, 303, "{name}: {}", r.body);
        let page = carol.get(&format!("/my/tickets/{reference}"));
        assert!(page.body.contains(name), "{name} not listed");
        assert!(page.body.contains(kind), "{kind} not listed");
        let link = file_links(&page.body)
            .into_iter()
            .find(|l| l.ends_with(name))
            .unwrap();
        let got = get_bytes(&carol, "GET", &link, &[]);
        assert_eq!(got.status, 200, "{link}");
        assert_eq!(got.body, data, "{name} comes back byte for byte");
        assert_eq!(got.header("content-type"), Some(kind));
    }
    // A refused type: an executable.
    let before = (stored_files(&server), stored_messages(&server));
    let r = attach(
        &mut carol,
        &reference,
        "and a program",
        vec![("tool.exe", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00".to_vec())],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("tool.exe"), "{}", r.body);
    assert!(
        r.body.contains("and a program"),
        "what was typed comes back"
    );
    assert_eq!((stored_files(&server), stored_messages(&server)), before);
}

#[test]
fn scriptable_files_are_refused_whatever_their_name() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Logo", "See attached.");
    let before = (stored_files(&server), stored_messages(&server));
    // Stored XSS through an SVG whose script would run if served inline.
    let svg =
        br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.cookie)</script></svg>"#;
    let r = attach(
        &mut carol,
        &reference,
        "svg",
        vec![("logo.svg", svg.to_vec())],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("logo.svg"), "{}", r.body);
    // The same SVG named like a picture.
    let r = attach(
        &mut carol,
        &reference,
        "svg",
        vec![("logo.png", svg.to_vec())],
    );
    assert_eq!(r.status, 400);
    // HTML renamed .png: a browser that sniffs would render it on our origin.
    let html = b"<!DOCTYPE html><html><body><script>fetch('/api/session')</script></body></html>";
    let r = attach(
        &mut carol,
        &reference,
        "html",
        vec![("cat.png", html.to_vec())],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("cat.png"), "{}", r.body);
    // A GIF header in front of script (a GIFAR-style polyglot) is no image.
    let gifar = b"GIF89a/*\x00\x00*/=alert(1)//<script>alert(2)</script>".to_vec();
    let r = attach(&mut carol, &reference, "gif", vec![("funny.gif", gifar)]);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("funny.gif"), "{}", r.body);
    assert_eq!((stored_files(&server), stored_messages(&server)), before);
}

#[test]
fn a_valid_image_with_html_appended_is_served_only_as_that_image() {
    // The attack: a polyglot that is a real PNG and, to a sniffing browser,
    // HTML. It is kept as image/png and served so nothing can run.
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Polyglot", "Here.");
    let mut poly = png();
    poly.extend_from_slice(b"<html><script>alert(document.domain)</script></html>");
    let r = attach(
        &mut carol,
        &reference,
        "pic",
        vec![("poly.png", poly.clone())],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let page = carol.get(&format!("/my/tickets/{reference}"));
    let link = file_links(&page.body).into_iter().next().unwrap();
    let got = get_bytes(&carol, "GET", &link, &[]);
    assert_eq!(got.status, 200);
    assert_eq!(got.header("content-type"), Some("image/png"));
    assert_eq!(got.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(
        got.header("content-security-policy"),
        Some("sandbox; default-src 'none'")
    );
    assert_eq!(got.header("cache-control"), Some("private, no-store"));
    assert!(got
        .header("content-disposition")
        .unwrap()
        .starts_with("inline"));
    assert_eq!(got.body, poly);
}

#[test]
fn a_decompression_bomb_is_refused_before_it_is_decoded() {
    // The attack: a small PNG that decodes to hundreds of megabytes and
    // would exhaust the sidecar's memory when its thumbnail is made.
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Bomb", "Boom.");
    let bomb = png_bomb(9000);
    assert!(bomb.len() < 2 * 1024 * 1024, "{} bytes", bomb.len());
    let before = (stored_files(&server), stored_messages(&server));
    let r = attach(&mut carol, &reference, "look", vec![("huge.png", bomb)]);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("huge.png"), "{}", r.body);
    assert!(r.body.contains("too large to process"), "{}", r.body);
    assert_eq!((stored_files(&server), stored_messages(&server)), before);
}

#[test]
fn a_file_just_over_each_limit_is_refused_by_name_and_the_text_comes_back() {
    let server = TestServer::start_with(|c| {
        c.attachment_max_mib = 1;
        c.message_max_mib = 2;
    });
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Big", "Big files.");
    let before = (stored_files(&server), stored_messages(&server));
    let text = |n: usize| vec![b'a'; n];
    const MIB: usize = 1024 * 1024;

    // The per-file limit: exactly 1 MiB passes, one byte more does not.
    let r = attach(
        &mut carol,
        &reference,
        "one too big",
        vec![("ok.log", text(10)), ("big.log", text(MIB + 1))],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("big.log"), "{}", r.body);
    assert!(r.body.contains("1 MiB"), "{}", r.body);
    assert!(r.body.contains("one too big"), "the typed text comes back");
    assert_eq!(
        (stored_files(&server), stored_messages(&server)),
        before,
        "nothing partial"
    );

    // The per-message limit: 1 MiB + 1 MiB is fine, one byte more is not.
    let r = attach(
        &mut carol,
        &reference,
        "three",
        vec![
            ("a.log", text(MIB)),
            ("b.log", text(MIB)),
            ("c.log", text(1)),
        ],
    );
    assert_eq!(r.status, 400);
    assert!(r.body.contains("c.log"), "{}", r.body);
    assert!(r.body.contains("2 MiB"), "{}", r.body);
    assert_eq!((stored_files(&server), stored_messages(&server)), before);

    let r = attach(
        &mut carol,
        &reference,
        "two",
        vec![("a.log", text(MIB)), ("b.log", text(MIB - 1))],
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(stored_files(&server), before.0 + 2);

    // A body over the upload routes' own limit is refused as a whole…
    let huge = vec![Part::Text("body", "x"), Part::File("x.log", text(4 * MIB))];
    let r = post_multipart_lenient(&carol, &pages(&reference).1, &huge);
    assert_eq!(r, 413);
    // …and every other route keeps its 1 MiB limit.
    let big_form = [Part::Text("body", &"x".repeat(MIB + 10))];
    assert_eq!(post_multipart_lenient(&carol, "/login", &big_form), 413);
}

#[test]
fn eleven_files_are_refused_naming_the_eleventh() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Many", "Many files.");
    let names: Vec<String> = (1..=11).map(|i| format!("part{i}.log")).collect();
    let files: Vec<(&str, Vec<u8>)> = names
        .iter()
        .map(|n| (n.as_str(), format!("log {n}\n").into_bytes()))
        .collect();
    let before = stored_files(&server);
    let r = attach(&mut carol, &reference, "eleven", files);
    assert_eq!(r.status, 400);
    assert!(r.body.contains("part11.log"), "{}", r.body);
    assert!(r.body.contains("at most 10 files"), "{}", r.body);
    assert_eq!(stored_files(&server), before);
    let ten: Vec<(&str, Vec<u8>)> = names
        .iter()
        .take(10)
        .map(|n| (n.as_str(), b"same content\n".to_vec()))
        .collect();
    let r = attach(&mut carol, &reference, "ten", ten);
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(stored_files(&server), before + 10);
    // The same content ten times is stored once.
    assert_eq!(server.count("SELECT COUNT(*) FROM attachment_blobs"), 1);
}

#[test]
fn files_are_served_only_under_their_own_ticket_to_whoever_may_read_it() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let mut dave = server.signed_in(Role::Customer, DAVE);
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let carols = open_ticket(&mut carol, "Carol's", "mine");
    let daves = open_ticket(&mut dave, "Dave's", "his");
    assert_eq!(
        attach(
            &mut carol,
            &carols,
            "secret",
            vec![("carol.log", b"carol's secret\n".to_vec())]
        )
        .status,
        303
    );
    let link = file_links(&carol.get(&format!("/my/tickets/{carols}")).body).remove(0);
    let id: i64 = link.split('/').nth(5).unwrap().parse().unwrap();
    assert_eq!(get_bytes(&carol, "GET", &link, &[]).status, 200);

    // Another customer asks for Carol's file by its id, under her ticket…
    assert_eq!(get_bytes(&dave, "GET", &link, &[]).status, 404);
    // …and under his own ticket, where the id does not belong.
    let under_his = format!("/my/tickets/{daves}/files/{id}/carol.log");
    assert_eq!(get_bytes(&dave, "GET", &under_his, &[]).status, 404);
    // Guessed ids next to a real one find nothing either.
    for guess in [id + 1, id + 1000, 0, -1] {
        let guessed = format!("/my/tickets/{carols}/files/{guess}/x");
        assert_eq!(
            get_bytes(&carol, "GET", &guessed, &[]).status,
            404,
            "{guess}"
        );
    }
    // Signed out: the same as not found, nothing about the file.
    assert_ne!(get_bytes(&server.client(), "GET", &link, &[]).status, 200);

    // An agent reads it under the agent route, a customer cannot use that.
    let agent_link = format!("/agent/tickets/{carols}/files/{id}/carol.log");
    assert_eq!(
        get_bytes(&agent, "GET", &agent_link, &[]).body,
        b"carol's secret\n"
    );
    assert_ne!(get_bytes(&carol, "GET", &agent_link, &[]).status, 200);

    // An internal note's file: agents only, never the customer.
    let page = format!("/agent/tickets/{carols}");
    let note = upload(
        &mut agent,
        &page,
        &format!("{page}/reply"),
        vec![
            Part::Text("body", "internal"),
            Part::Text("internal_note", "on"),
            Part::File("internal.log", b"agents only\n".to_vec()),
        ],
        &[],
    );
    assert_eq!(note.status, 303, "{}", note.body);
    let agent_page = agent.get(&page).body;
    let note_link = file_links(&agent_page)
        .into_iter()
        .find(|l| l.ends_with("internal.log"))
        .unwrap();
    assert_eq!(get_bytes(&agent, "GET", &note_link, &[]).status, 200);
    let note_id = note_link.split('/').nth(5).unwrap();
    let as_customer = format!("/my/tickets/{carols}/files/{note_id}/internal.log");
    // The attack: a customer requests the file of an internal note by id.
    assert_eq!(get_bytes(&carol, "GET", &as_customer, &[]).status, 404);
    assert!(!carol
        .get(&format!("/my/tickets/{carols}"))
        .body
        .contains("internal.log"));
    assert!(
        agent_page.contains("Attachment storage:"),
        "the agent page shows the store's size"
    );
}

#[test]
fn a_ticket_link_serves_its_own_tickets_public_files_only() {
    let server = TestServer::start();
    let mut agent = server.signed_in(Role::Agent, AGENT);
    let mine = import_ticket(
        &server,
        "Mine",
        CAROL,
        "open",
        &[("customer", "hello", false)],
    );
    let other = import_ticket(
        &server,
        "Other",
        DAVE,
        "open",
        &[("customer", "other", false)],
    );
    for (reference, name) in [(&mine, "mine.log"), (&other, "other.log")] {
        let page = format!("/agent/tickets/{reference}");
        let r = upload(
            &mut agent,
            &page,
            &format!("{page}/reply"),
            vec![
                Part::Text("body", "file"),
                Part::File(name, b"x\n".to_vec()),
            ],
            &[],
        );
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let page = format!("/agent/tickets/{mine}");
    let r = upload(
        &mut agent,
        &page,
        &format!("{page}/reply"),
        vec![
            Part::Text("body", "n"),
            Part::Text("internal_note", "on"),
            Part::File("note.log", b"n\n".to_vec()),
        ],
        &[],
    );
    assert_eq!(r.status, 303);
    let other_id = file_links(&agent.get(&format!("/agent/tickets/{other}")).body)[0]
        .split('/')
        .nth(5)
        .unwrap()
        .to_owned();
    let note_id = file_links(&agent.get(&page).body)
        .into_iter()
        .find(|l| l.ends_with("note.log"))
        .unwrap()
        .split('/')
        .nth(5)
        .unwrap()
        .to_owned();

    // Open a link to Carol's ticket.
    let mut anonymous = server.client();
    anonymous.submit(
        "/my/tickets/link",
        "/my/tickets/link",
        &[("email", CAROL), ("ref", &mine)],
    );
    let mail = server.wait_for_mail(CAROL, "/t/");
    let start = mail.find("/t/").unwrap() + 3;
    let token = mail[start..start + 64].to_owned();
    let link_page = format!("/t/{token}");
    let opened = anonymous.post(&link_page, &[]);
    let cookie = opened
        .headers
        .iter()
        .find(|(k, v)| k.eq_ignore_ascii_case("set-cookie") && v.starts_with("docket_ticket_link="))
        .map(|(_, v)| v.split(';').next().unwrap().to_owned())
        .unwrap();
    let grant = [("Cookie", cookie.as_str())];
    let shown = anonymous.get_with(&link_page, &grant);
    let own = file_links(&shown.body)
        .into_iter()
        .find(|l| l.ends_with("mine.log"))
        .unwrap();
    assert!(own.starts_with(&link_page), "{own}");
    assert_eq!(get_bytes(&anonymous, "GET", &own, &grant).body, b"x\n");
    // Without the grant the link's files are not there.
    assert_eq!(get_bytes(&anonymous, "GET", &own, &[]).status, 404);
    // The attack: a file of a different ticket through this ticket's link.
    let foreign = format!("{link_page}/files/{other_id}/other.log");
    assert_eq!(get_bytes(&anonymous, "GET", &foreign, &grant).status, 404);
    // And the internal note's file through the link.
    let note = format!("{link_page}/files/{note_id}/note.log");
    assert_eq!(get_bytes(&anonymous, "GET", &note, &grant).status, 404);

    // Replying through the link with a file works too.
    let r = upload(
        &mut anonymous,
        &link_page,
        &format!("{link_page}/reply"),
        vec![
            Part::Text("body", "from the link"),
            Part::File("via-link.log", b"l\n".to_vec()),
        ],
        &grant,
    );
    assert_eq!(r.status, 303, "{}", r.body);
    assert!(anonymous
        .get_with(&link_page, &grant)
        .body
        .contains("via-link.log"));
}

#[test]
fn files_download_with_safe_headers_etags_and_ranges() {
    let server = TestServer::start();
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let reference = open_ticket(&mut carol, "Ranges", "r");
    let data: Vec<u8> = (0..5000u32)
        .flat_map(|i| format!("line {i}\n").into_bytes())
        .collect();
    assert_eq!(
        attach(
            &mut carol,
            &reference,
            "log",
            vec![("report ü.log", data.clone())]
        )
        .status,
        303
    );
    let link = file_links(&carol.get(&format!("/my/tickets/{reference}")).body).remove(0);
    let full = get_bytes(&carol, "GET", &link, &[]);
    assert_eq!(full.body, data);
    let disposition = full.header("content-disposition").unwrap();
    assert_eq!(
        disposition,
        "attachment; filename=\"report _.log\"; filename*=UTF-8''report%20%C3%BC.log"
    );
    assert_eq!(
        full.header("content-security-policy"),
        Some("sandbox; default-src 'none'")
    );
    assert_eq!(full.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    let etag = full.header("etag").unwrap().to_owned();

    let part = get_bytes(&carol, "GET", &link, &[("Range", "bytes=10-19")]);
    assert_eq!(part.status, 206);
    assert_eq!(part.body, &data[10..20]);
    assert_eq!(
        part.header("content-range"),
        Some(format!("bytes 10-19/{}", data.len()).as_str())
    );
    let tail = get_bytes(&carol, "GET", &link, &[("Range", "bytes=-5")]);
    assert_eq!(tail.body, &data[data.len() - 5..]);
    let open = get_bytes(&carol, "GET", &link, &[("Range", "bytes=40000-")]);
    assert_eq!(open.body, &data[40000..]);
    let beyond = get_bytes(
        &carol,
        "GET",
        &link,
        &[("Range", format!("bytes={}-", data.len()).as_str())],
    );
    assert_eq!(beyond.status, 416);
    assert_eq!(
        beyond.header("content-range"),
        Some(format!("bytes */{}", data.len()).as_str())
    );
    // A stale If-Range gets the whole file.
    let stale = get_bytes(
        &carol,
        "GET",
        &link,
        &[("Range", "bytes=0-1"), ("If-Range", "\"old\"")],
    );
    assert_eq!((stale.status, stale.body.len()), (200, data.len()));
    let fresh = get_bytes(&carol, "GET", &link, &[("If-None-Match", etag.as_str())]);
    assert_eq!(fresh.status, 304);
    let head = get_bytes(&carol, "HEAD", &link, &[]);
    assert_eq!(head.status, 200);
    assert!(head.body.is_empty());
}

#[test]
fn new_tickets_take_files_and_images_get_a_thumbnail() {
    let server = TestServer::start_with(|c| c.mail.notify = Some(AGENT_NOTIFY.to_owned()));
    let mut carol = server.signed_in(Role::Customer, CAROL);
    let r = upload(
        &mut carol,
        "/my/tickets/new",
        "/my/tickets",
        vec![
            Part::Text("subject", "Broken page"),
            Part::Text("body", "See screenshot."),
            Part::File("screen.png", image(ImageFormat::Png, 1200, 800)),
        ],
        &[],
    );
    let loc = location(&r);
    let page = carol.get(&loc);
    assert!(page.body.contains("screen.png"));
    assert!(page.body.contains("?thumb=1"), "{}", page.body);
    let link = file_links(&page.body).remove(0);
    let thumb = get_bytes(&carol, "GET", &format!("{link}?thumb=1"), &[]);
    assert_eq!(thumb.status, 200);
    assert_eq!(thumb.header("content-type"), Some("image/png"));
    let decoded = image::load_from_memory(&thumb.body).unwrap();
    assert!(decoded.width() <= 320 && decoded.height() <= 320);
    // The agents' notification links to the file instead of attaching it.
    let mail = server.wait_for_mail(AGENT_NOTIFY, "screen.png");
    assert!(mail.contains("/agent/tickets/"), "{mail}");
    assert!(!mail.contains("Content-Disposition: attachment"), "{mail}");

    // A refused file on the new-ticket form keeps subject and text.
    let r = upload(
        &mut carol,
        "/my/tickets/new",
        "/my/tickets",
        vec![
            Part::Text("subject", "Second"),
            Part::Text("body", "typed text"),
            Part::File("page.html", b"<html></html>".to_vec()),
        ],
        &[],
    );
    assert_eq!(r.status, 400);
    assert!(
        r.body.contains("page.html") && r.body.contains("typed text") && r.body.contains("Second")
    );
}

const AGENT_NOTIFY: &str = "notify@example.com";
