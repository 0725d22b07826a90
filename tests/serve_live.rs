//! `docket serve` end to end: the real binary on a temporary copy of the
//! `serve_site` fixture, on a free port. Edits, additions, renames and
//! deletions show up in the served pages and listings; a broken file is
//! reported by the error endpoint while the old page stays; the live-reload
//! event arrives. Every wait is for a definite condition (an answer, a
//! file's bytes, an event) against a generous deadline, and no socket read
//! can block past it: on a busy 2-core machine a rebuild or the
//! low-priority search index can take many seconds, which must only slow
//! the tests down, never fail them.

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use support::serve::{Served, DEADLINE};

fn article(title: &str, body: &str) -> String {
    format!(
        "---\ntitle: {title}\ndate: 2026-01-20\ncategory: guides\ntags: [billing]\n---\n{body}\n"
    )
}

#[test]
fn one_address_serves_site_portal_and_internal_bundle_with_the_reload_script() {
    let s = Served::start();
    let (status, home) = s.get("/");
    assert_eq!(status, 200, "{home}");
    assert!(home.contains("/__docket/livereload.js"), "{home}");
    let (status, page) = s.get("/guides/alpha/");
    assert_eq!(status, 200);
    assert!(page.contains("Alpha article"));
    assert_eq!(s.get("/login").0, 200);
    assert_eq!(s.get("/internal/").0, 303, "anonymous is sent to login");
    assert_eq!(s.get("/guides/secret/").0, 404, "internal stays internal");
    let (status, script) = s.get("/__docket/livereload.js");
    assert_eq!(status, 200);
    assert!(script.contains("EventSource"));
    assert_eq!(s.get("/__docket/error").0, 204);
}

#[test]
fn an_edited_article_changes_its_page_and_the_listings() {
    let s = Served::start();
    s.write(
        "content/guides/alpha.md",
        &article("Alpha renamed title", "Fresh words."),
    );
    s.wait_for("/guides/alpha/", "edited", |_, b| {
        b.contains("Alpha renamed title") && b.contains("Fresh words.")
    });
    s.wait_for("/categories/guides/", "relisted", |_, b| {
        b.contains("Alpha renamed title")
    });
    s.wait_for("/tags/billing/", "relisted", |_, b| {
        b.contains("Alpha renamed title")
    });
}

#[test]
fn an_edited_string_catalog_changes_the_pages() {
    let s = Served::start();
    let (_, home) = s.get("/");
    assert!(home.contains("Recently updated"), "{home}");
    s.write("i18n/en.toml", "[home]\nrecent = \"Fresh from the team\"\n");
    s.wait_for("/", "relabelled", |_, b| b.contains("Fresh from the team"));
}

#[test]
fn added_renamed_and_deleted_articles_appear_move_and_disappear() {
    let s = Served::start();
    s.write(
        "content/guides/gamma.md",
        &article("Gamma newcomer", "New here."),
    );
    s.wait_for("/guides/gamma/", "added", |st, b| {
        st == 200 && b.contains("Gamma newcomer")
    });
    s.wait_for("/categories/guides/", "listing it", |_, b| {
        b.contains("Gamma newcomer")
    });

    std::fs::rename(
        s.root.join("content/guides/gamma.md"),
        s.root.join("content/guides/delta.md"),
    )
    .expect("rename");
    s.wait_for("/guides/delta/", "renamed", |st, b| {
        st == 200 && b.contains("Gamma newcomer")
    });
    s.wait_for("/guides/gamma/", "gone", |st, _| st == 404);

    std::fs::remove_file(s.root.join("content/guides/delta.md")).expect("delete");
    s.wait_for("/guides/delta/", "gone", |st, _| st == 404);
    s.wait_for("/categories/guides/", "unlisted", |_, b| {
        !b.contains("Gamma newcomer")
    });
}

#[test]
fn a_broken_file_is_reported_the_old_page_stays_and_a_fix_recovers() {
    let s = Served::start();
    s.write(
        "content/guides/beta.md",
        "---\ndate: 2026-01-11\ncategory: guides\n---\nNo title.\n",
    );
    let error = s.wait_for("/__docket/error", "reporting", |st, _| st == 200);
    assert!(error.contains("beta.md"), "{error}");
    let (status, page) = s.get("/guides/beta/");
    assert_eq!(status, 200);
    assert!(page.contains("Beta article"), "the last good page stays");

    s.write("content/guides/beta.md", &article("Beta fixed", "Better."));
    s.wait_for("/__docket/error", "clear", |st, _| st == 204);
    s.wait_for("/guides/beta/", "fixed", |_, b| b.contains("Beta fixed"));
}

#[test]
fn open_pages_get_a_reload_event_after_a_rebuild() {
    let s = Served::start();
    let mut stream = TcpStream::connect(&s.addr).expect("connect");
    write!(
        stream,
        "GET /__docket/events HTTP/1.1\r\nHost: {}\r\n\r\n",
        s.addr
    )
    .expect("send");
    stream
        .set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    let mut seen = String::new();
    let started = Instant::now();
    let mut edited = false;
    let mut buf = [0u8; 4096];
    while !seen.contains("event: reload") {
        assert!(started.elapsed() < DEADLINE, "no reload event: {seen}");
        if let Ok(n) = stream.read(&mut buf) {
            assert!(n > 0, "stream closed: {seen}");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
        if !edited && seen.contains("event: hello") {
            s.write("content/guides/alpha.md", &article("Alpha again", "x"));
            edited = true;
        }
    }
}

/// Every file under `dir`, relative path → bytes. The server may be
/// writing or removing files meanwhile (held pages, the search index): a
/// file that vanishes between listing and reading is left out, and the
/// caller polls again.
fn tree(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .filter_map(|e| {
            let rel = e.path().strip_prefix(dir).ok()?;
            let bytes = std::fs::read(e.path()).ok()?;
            Some((rel.to_string_lossy().into_owned(), bytes))
        })
        .collect()
}

#[test]
fn after_incremental_rebuilds_the_output_equals_a_fresh_build() {
    let s = Served::start();
    // Links by URL to a page that does not exist yet: rewritten (with the
    // internal bundle's root) once gamma is added below.
    s.write(
        "content/guides/delta.md",
        &article("Delta links ahead", "See [gamma](/guides/gamma/)."),
    );
    s.wait_for("/guides/delta/", "added", |st, _| st == 200);
    s.write(
        "content/guides/alpha.md",
        "---\ntitle: Alpha moved\ndate: 2026-01-10\ncategory: guides/deeper\ntags: [setup]\nkeywords: [k1]\n---\nMoved. See [beta](beta.md).\n",
    );
    s.wait_for("/guides/alpha/", "moved", |_, b| b.contains("Alpha moved"));
    s.write(
        "content/guides/gamma.md",
        &article("Gamma newcomer", "Links to [alpha](alpha.md)."),
    );
    s.wait_for("/guides/gamma/", "added", |st, _| st == 200);
    std::fs::remove_file(s.root.join("content/guides/beta.md")).expect("delete");
    // alpha links to beta: now a broken link, reported; then fixed.
    s.wait_for("/__docket/error", "reporting", |st, _| st == 200);
    s.write(
        "content/guides/alpha.md",
        "---\ntitle: Alpha final\ndate: 2026-01-10\ncategory: guides/deeper\ntags: [setup]\n---\nFinal.\n",
    );
    s.wait_for("/__docket/error", "clear", |st, _| st == 204);
    s.wait_for("/guides/alpha/", "final", |_, b| b.contains("Alpha final"));
    // Same URL, category, tags and language: the kept taxonomy is reused,
    // with its tag and category lists sorted again for the new title and
    // weight (and related lists derived again for the new date).
    s.write(
        "content/guides/gamma.md",
        "---\ntitle: Aardvark gamma\ndate: 2026-01-21\ncategory: guides\ntags: [billing]\nweight: 1\n---\nRetitled.\n",
    );
    s.wait_for("/tags/billing/", "relisted", |_, b| {
        b.contains("Aardvark gamma")
    });
    s.wait_for("/categories/guides/", "relisted", |_, b| {
        b.contains("Aardvark gamma")
    });

    assert_output_equals_a_fresh_build(&s);
}

/// Waits until both serving bundles equal a fresh `docket build` of the
/// site's current content.
fn assert_output_equals_a_fresh_build(s: &Served) {
    let fresh = s.root.join("fresh");
    let out = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["build", "--site"])
        .arg(&s.root)
        .arg("--out")
        .arg(&fresh)
        .output()
        .expect("docket build runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for bundle in ["public", "internal"] {
        let expected = tree(&fresh.join(bundle));
        let started = Instant::now();
        loop {
            let served = tree(&s.root.join(".docket/serve").join(bundle));
            if served == expected {
                break;
            }
            // The search index is written by a low-priority thread and held
            // pages are written after the reload: on a busy machine either
            // may take a while.
            if started.elapsed() > DEADLINE {
                let a: Vec<_> = served.keys().collect();
                let b: Vec<_> = expected.keys().collect();
                let differ: Vec<_> = expected
                    .iter()
                    .filter(|(k, v)| served.get(*k) != Some(*v))
                    .map(|(k, _)| k)
                    .collect();
                panic!("{bundle} differs:\nserved {a:?}\nfresh {b:?}\nchanged {differ:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn after_incremental_rebuilds_of_paginated_listings_the_output_equals_a_fresh_build() {
    // Two per page: guides lists alpha and beta publicly (one page), and
    // the internal secret too (two pages).
    let s = Served::start_with("\n[build]\nlisting_page_size = 2\n");
    s.wait_for("/categories/guides/", "one page", |st, b| {
        st == 200 && !b.contains("rel=\"next\"")
    });
    // Four more: six public articles over three pages, seven internal
    // over four.
    for (file, title) in [
        ("c1", "Cat one"),
        ("c2", "Cat two"),
        ("c3", "Cat three"),
        ("c4", "Cat four"),
    ] {
        s.write(
            &format!("content/guides/{file}.md"),
            &article(title, "Listed."),
        );
        s.wait_for(&format!("/guides/{file}/"), "added", |st, _| st == 200);
    }
    s.wait_for("/categories/guides/page/3/", "a third page", |st, b| {
        st == 200 && b.contains("Page 3 of 3")
    });
    assert_eq!(s.get("/categories/guides/page/4/").0, 404);
    s.wait_for("/tags/billing/page/3/", "a third page", |st, _| st == 200);
    // An edit in place.
    s.write(
        "content/guides/c2.md",
        &article("Cat two", "Edited in place."),
    );
    s.wait_for("/guides/c2/", "edited", |_, b| {
        b.contains("Edited in place.")
    });
    // A rename: same title, new URL.
    std::fs::rename(
        s.root.join("content/guides/c1.md"),
        s.root.join("content/guides/c1-renamed.md"),
    )
    .expect("rename");
    s.wait_for("/guides/c1-renamed/", "renamed", |st, _| st == 200);
    s.wait_for("/guides/c1/", "gone", |st, _| st == 404);
    // A tag change: c3 leaves billing for setup.
    s.write(
        "content/guides/c3.md",
        "---\ntitle: Cat three\ndate: 2026-01-20\ncategory: guides\ntags: [setup]\n---\nRetagged.\n",
    );
    s.wait_for("/tags/setup/", "tagged", |st, b| {
        st == 200 && b.contains("Cat three")
    });
    // A retitle that moves c4 to the front of both listings.
    s.write(
        "content/guides/c4.md",
        &article("Aardvark four", "Moved up."),
    );
    s.wait_for("/categories/guides/", "moved up", |_, b| {
        b.contains("Aardvark four")
    });
    // Two deleted: four public articles, two pages; the third page goes,
    // from the disk and from what is served.
    std::fs::remove_file(s.root.join("content/guides/c2.md")).expect("delete");
    std::fs::remove_file(s.root.join("content/guides/c1-renamed.md")).expect("delete");
    s.wait_for("/categories/guides/page/3/", "gone", |st, _| st == 404);
    s.wait_for("/categories/guides/page/2/", "the last page", |st, b| {
        st == 200 && b.contains("Page 2 of 2") && !b.contains("rel=\"next\"")
    });
    assert_output_equals_a_fresh_build(&s);
    assert!(!s
        .root
        .join(".docket/serve/public/categories/guides/page/3")
        .exists());
}

/// The cookies a response sets, as a `Cookie` header value.
fn cookies_set(response: &str) -> String {
    response
        .lines()
        .take_while(|l| !l.is_empty())
        .filter_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// `docket serve` shares the sidecar's accept loop: a socket that connects
/// and says nothing is closed after the first-byte deadline (the old dev
/// server waited for ever in the HTTP/1-vs-HTTP/2 sniff), and the portal
/// takes form posts from the address it serves (its own origin, though
/// `base_url` names another).
#[test]
fn the_dev_server_closes_silent_sockets_and_takes_posts_from_its_own_origin() {
    let s = Served::start_with("\n[sidecar]\nheader_timeout_seconds = 1\n");
    let mut silent = TcpStream::connect(&s.addr).expect("connect");
    silent.set_read_timeout(Some(DEADLINE)).expect("timeout");
    let mut buf = [0u8; 64];
    match silent.read(&mut buf) {
        Ok(_) => {}
        Err(e) => assert!(
            !matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
            ),
            "the silent socket stayed open: {e}"
        ),
    }

    let (status, form) = s.get("/login");
    assert_eq!(status, 200, "{form}");
    let marker = "name=\"csrf\" value=\"";
    let start = form.find(marker).expect("csrf field") + marker.len();
    let csrf = &form[start..start + form[start..].find('"').expect("csrf end")];
    let body = format!("csrf={csrf}&email=nobody%40example.com&password=wrong+password+1");
    let mut stream = TcpStream::connect(&s.addr).expect("connect");
    stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
    write!(
        stream,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {len}\r\nConnection: close\r\n\r\n{body}",
        addr = s.addr,
        cookie = cookies_set(&form),
        len = body.len()
    )
    .expect("send");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("read");
    let text = String::from_utf8_lossy(&raw);
    // A wrong password (401), not a refused origin (403).
    assert!(text.starts_with("HTTP/1.1 401"), "{text}");
}

/// `docket build` lets two articles claim one alias (a warning; the first
/// by path keeps it). Serve's incremental rebuild must apply the same rule
/// instead of a stricter copy of it: no error, and the alias page points at
/// the first article, exactly as a fresh build writes it.
#[test]
fn an_alias_claimed_twice_follows_the_build_rule_after_incremental_rebuilds() {
    let s = Served::start();
    let with_alias = |title: &str, body: &str| {
        format!("---\ntitle: {title}\ndate: 2026-01-20\ncategory: guides\naliases: [/old-help/]\n---\n{body}\n")
    };
    s.write(
        "content/guides/alpha.md",
        &with_alias("Alpha keeps it", "First."),
    );
    s.wait_for("/old-help/", "alias", |st, b| {
        st == 200 && b.contains("/guides/alpha/")
    });
    s.write(
        "content/guides/zeta.md",
        &with_alias("Zeta also claims", "Second."),
    );
    s.wait_for("/guides/zeta/", "added", |st, _| st == 200);
    s.write(
        "content/guides/zeta.md",
        &with_alias("Zeta edited", "Again."),
    );
    s.wait_for("/guides/zeta/", "edited", |_, b| b.contains("Zeta edited"));
    assert_eq!(
        s.get("/__docket/error").0,
        204,
        "{}",
        s.get("/__docket/error").1
    );
    let (_, alias) = s.get("/old-help/");
    assert!(
        alias.contains("/guides/alpha/") && !alias.contains("/guides/zeta/"),
        "{alias}"
    );
    assert_output_equals_a_fresh_build(&s);
}
