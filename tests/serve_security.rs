//! `docket serve`'s access rules over the real binary: rebuilt pages held
//! in memory are never answered to a visitor without a session however the
//! path is encoded, a held file whose write fails is dropped, the public
//! bundle gets `docket build`'s leak verification, and only loopback Host
//! names are answered (DNS rebinding).
//!
//! The held window is made deterministic through the file system, not a
//! hook: the rebuild writes each file beside its target first
//! (`.index.html.docket-tmp`), so a FIFO at that path blocks the write
//! (nobody reads it) and keeps the rebuild's files held for as long as the
//! test needs, and a folder at that path makes the write fail.

#![cfg(unix)]

mod support;

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use support::serve::{Served, DEADLINE};

/// On every internal listing of the fixture (the internal article's title)
/// and nowhere in the public bundle.
const INTERNAL_MARKER: &str = "Secret agent notes";

fn beta(title: &str) -> String {
    format!("---\ntitle: {title}\ndate: 2026-01-11\ncategory: guides\ntags: [billing]\n---\nBeta body text.\n")
}

/// The temporary file the server writes `rel`'s bytes to before renaming.
fn temp_of(s: &Served, rel: &str) -> std::path::PathBuf {
    let target = s.served_file(rel);
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    target.with_file_name(format!(".{name}.docket-tmp"))
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo runs");
    assert!(status.success(), "mkfifo {}", path.display());
}

/// Anonymous requests for the internal guides listing under every spelling
/// of its path: none may answer with internal bytes.
fn assert_no_internal_bytes_for_anonymous(s: &Served) {
    for path in [
        "/internal/categories/guides/",
        "/internal/categories/guides/index.html",
        "/%69nternal/categories/guides/",
        "/%69%6E%74%65%72%6E%61%6C/categories/guides/",
        "/%69%6e%74%65%72%6e%61%6c/categories/guides/",
        "/%69nternal/categories/guides/index.html",
        "/%69nternal/categories/%67uides/",
        "/internal%2Fcategories%2Fguides%2F",
        "/%69nternal%2fcategories/guides/",
        "//internal/categories/guides/",
        "/./internal/categories/guides/",
        "/internal/./categories/guides/",
        "/guides/../internal/categories/guides/",
        "/%2e/internal/categories/guides/",
        "/Internal/categories/guides/",
        "/%49nternal/categories/guides/",
        "/internal/categories//guides/",
    ] {
        let (status, body) = s.get(path);
        assert!(
            !body.contains(INTERNAL_MARKER),
            "{path}: anonymous got internal bytes ({status}):\n{body}"
        );
    }
}

/// The attack of issue 14: while a rebuild's pages are held in memory,
/// `/%69nternal/…` (and other spellings) decoded to an internal page while
/// the access decision was taken on the raw path, so a visitor without a
/// session read the held internal page.
#[test]
fn held_internal_pages_are_not_served_to_anonymous_under_any_encoding() {
    let s = Served::start();
    // Blocks the write of beta's public page: the rebuild holds its
    // public files, and never gets to write its internal ones.
    mkfifo(&temp_of(&s, "public/guides/beta/index.html"));
    s.write("content/guides/beta.md", &beta("Beta HELD-TITLE"));
    // Held, not written: the public page answers from memory.
    s.wait_for("/guides/beta/", "held", |st, b| {
        st == 200 && b.contains("Beta HELD-TITLE")
    });
    let on_disk = std::fs::read_to_string(s.served_file("internal/categories/guides/index.html"))
        .expect("internal listing on disk");
    assert!(
        !on_disk.contains("Beta HELD-TITLE"),
        "the internal listing is still held"
    );
    assert_no_internal_bytes_for_anonymous(&s);
}

/// A held file whose write failed stayed held for good, so it kept being
/// answered from memory (internal bytes to `/%69nternal/…` included);
/// now it is dropped, the failure is reported, and the disk's file is
/// what is served.
#[test]
fn a_held_file_whose_write_fails_is_dropped_and_reported() {
    let s = Served::start();
    for rel in [
        "public/guides/beta/index.html",
        "internal/categories/guides/index.html",
    ] {
        std::fs::create_dir_all(temp_of(&s, rel)).expect("a folder where the file goes");
    }
    s.write("content/guides/beta.md", &beta("Beta FAILED-TITLE"));
    let error = s.wait_for("/__docket/error", "reporting", |st, _| st == 200);
    assert!(error.contains("cannot write"), "{error}");
    assert!(error.contains("index.html.docket-tmp"), "{error}");
    let (status, page) = s.get("/guides/beta/");
    assert_eq!(status, 200);
    assert!(
        page.contains("Beta article") && !page.contains("FAILED-TITLE"),
        "the disk's page, not the dropped one:\n{page}"
    );
    assert_no_internal_bytes_for_anonymous(&s);
}

/// `docket build` refuses a public bundle that mentions an internal
/// article's path; `docket serve` published it. Now the rebuild fails
/// with the build's report and the last good page stays.
#[test]
fn a_public_page_mentioning_an_internal_path_is_refused_by_serve() {
    let s = Served::start();
    s.write(
        "content/guides/alpha.md",
        "---\ntitle: Alpha article\ndate: 2026-01-10\ncategory: guides\ntags: [billing]\n---\nAgents read /guides/secret/ for LEAK-TEXT.\n",
    );
    let started = Instant::now();
    loop {
        let (_, page) = s.get("/guides/alpha/");
        assert!(
            !page.contains("LEAK-TEXT"),
            "published a leaking page:\n{page}"
        );
        let (status, error) = s.get("/__docket/error");
        if status == 200 {
            assert!(
                error.contains("internal content reached the public bundle")
                    && error
                        .contains("mentions /guides/secret/ of internal content/guides/secret.md"),
                "{error}"
            );
            break;
        }
        assert!(started.elapsed() < DEADLINE, "the leak was never reported");
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
    let on_disk =
        std::fs::read_to_string(s.served_file("public/guides/alpha/index.html")).expect("page");
    assert!(!on_disk.contains("LEAK-TEXT"));
}

/// DNS rebinding: a page on `evil.example` whose name now resolves to
/// 127.0.0.1 sends requests with `Host: evil.example`. Every route —
/// bundle files, the portal, the internal bundle, live reload — refuses
/// them; loopback names are answered.
#[test]
fn requests_for_a_non_loopback_host_are_refused() {
    let s = Served::start();
    let port = s.addr.rsplit(':').next().unwrap_or_default().to_owned();
    for path in [
        "/",
        "/guides/alpha/",
        "/login",
        "/internal/",
        "/__docket/livereload.js",
        "/__docket/error",
        "/__docket/events",
        "/api/session",
    ] {
        for host in [
            "evil.example",
            &format!("evil.example:{port}"),
            "localhost.evil.example",
        ] {
            let (status, body) = s.get_as(path, host);
            assert_eq!(status, 421, "{host}{path}:\n{body}");
            assert!(body.contains("DNS rebinding"), "{body}");
        }
    }
    let (status, body) = s.send("GET / HTTP/1.0\r\n\r\n");
    assert_eq!(status, 421, "no Host at all:\n{body}");
    let (status, body) = s.send(&format!(
        "GET http://evil.example/ HTTP/1.1\r\nHost: localhost:{port}\r\nConnection: close\r\n\r\n"
    ));
    assert_eq!(status, 421, "an absolute-form target:\n{body}");
    for host in [
        format!("localhost:{port}"),
        "localhost".to_owned(),
        format!("127.0.0.1:{port}"),
        format!("app.localhost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let (status, body) = s.get_as("/guides/alpha/", &host);
        assert_eq!(status, 200, "{host}:\n{body}");
    }
}

/// The same verification after a full rebuild (a template changed): a
/// 404 page linking to an internal article is never published.
#[test]
fn a_template_leaking_an_internal_path_is_refused_by_serve() {
    let s = Served::start();
    s.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<a href=\"{{ root }}guides/secret/\">LEAK-LINK</a>{% endblock main %}",
    );
    let started = Instant::now();
    loop {
        let (_, page) = s.get("/no-such-page/");
        assert!(
            !page.contains("LEAK-LINK"),
            "published a leaking page:\n{page}"
        );
        let (status, error) = s.get("/__docket/error");
        if status == 200 {
            assert!(
                error.contains(
                    "404.html: mentions /guides/secret/ of internal content/guides/secret.md"
                ),
                "{error}"
            );
            break;
        }
        assert!(started.elapsed() < DEADLINE, "the leak was never reported");
        std::thread::sleep(std::time::Duration::from_millis(25));
    }
}
