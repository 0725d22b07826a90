//! `/internal/` for agents only, and the public bundle at `/`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers

mod common;

use common::{raw, TestServer};
use docket_sidecar::Role;

#[test]
fn anonymous_visitors_are_sent_to_login_and_come_back() {
    let server = TestServer::start();
    server.add_account(Role::Agent, "agent@example.com");
    let mut c = server.client();
    let r = c.get("/internal/runbooks/refunds/");
    assert_eq!(r.status, 303);
    let location = r.header("location").unwrap();
    assert_eq!(location, "/login?next=%2Finternal%2Frunbooks%2Frefunds%2F");
    assert!(!r.body.contains("Refund runbook"));
    let form = c.get(location);
    // Tera escapes `/` as `&#x2F;`; browsers send the decoded value.
    assert!(
        form.body
            .contains("name=\"next\" value=\"&#x2F;internal&#x2F;runbooks&#x2F;refunds&#x2F;\""),
        "{}",
        form.body
    );
    let r = c.login(
        "agent@example.com",
        common::PASSWORD,
        "/internal/runbooks/refunds/",
    );
    assert_eq!(r.header("location"), Some("/internal/runbooks/refunds/"));
    assert!(c
        .get("/internal/runbooks/refunds/")
        .body
        .contains("Refund runbook"));
}

#[test]
fn customers_are_refused_with_403() {
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Customer, "carol@example.com");
    for path in [
        "/internal/",
        "/internal/runbooks/refunds/",
        "/internal/css/style.css",
        "/internal/missing",
    ] {
        let r = c.get(path);
        assert_eq!(r.status, 403, "{path}");
        assert!(!r.body.contains("Refund runbook"));
        assert_eq!(r.header("cache-control"), Some("private, no-store"));
    }
}

#[test]
fn agents_get_files_with_type_validators_and_no_store() {
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Agent, "agent@example.com");
    let r = c.get("/internal/");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "<h1>Internal home</h1>");
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    let css = c.get("/internal/css/style.css");
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));

    let etag = r.header("etag").unwrap().to_owned();
    let last_modified = r.header("last-modified").unwrap().to_owned();
    let again = c.get_with("/internal/", &[("If-None-Match", &etag)]);
    assert_eq!(again.status, 304);
    assert_eq!(again.body, "");
    assert_eq!(again.header("etag"), Some(etag.as_str()));
    let again = c.get_with("/internal/", &[("If-Modified-Since", &last_modified)]);
    assert_eq!(again.status, 304);
    let changed = c.get_with("/internal/", &[("If-None-Match", "\"other\"")]);
    assert_eq!(changed.status, 200);
    let head = c.send("HEAD", "/internal/", &[], None);
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
}

#[test]
fn folders_redirect_to_their_slash_and_misses_get_the_bundles_404_page() {
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Agent, "agent@example.com");
    let r = c.get("/internal/runbooks/refunds");
    assert_eq!(r.status, 301);
    assert_eq!(r.header("location"), Some("/internal/runbooks/refunds/"));
    assert_eq!(c.get("/internal").header("location"), Some("/internal/"));
    let r = c.get("/internal/no/such/page/");
    assert_eq!(r.status, 404);
    assert_eq!(r.body, "<h1>Internal page not found</h1>");
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
}

#[test]
fn a_rebuilt_bundle_is_served_without_restart() {
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Agent, "agent@example.com");
    assert_eq!(c.get("/internal/new/").status, 404);
    std::fs::create_dir_all(server.root().join("internal/new")).unwrap();
    std::fs::write(server.root().join("internal/new/index.html"), "fresh").unwrap();
    std::fs::write(server.root().join("internal/index.html"), "rebuilt home").unwrap();
    assert_eq!(c.get("/internal/new/").body, "fresh");
    assert_eq!(c.get("/internal/").body, "rebuilt home");
    // Swapping the whole folder (as an atomic deploy does) works too.
    let root = server.root();
    std::fs::create_dir_all(root.join("internal-next")).unwrap();
    std::fs::write(root.join("internal-next/index.html"), "swapped").unwrap();
    std::fs::rename(root.join("internal"), root.join("internal-old")).unwrap();
    std::fs::rename(root.join("internal-next"), root.join("internal")).unwrap();
    assert_eq!(c.get("/internal/").body, "swapped");
}

#[test]
fn traversal_attempts_never_leave_the_bundle() {
    let server = TestServer::start();
    let agent = server.signed_in(Role::Agent, "agent@example.com");
    let cookie = agent.cookie.clone().unwrap();
    #[cfg(unix)]
    {
        let root = server.root();
        std::os::unix::fs::symlink(root.join("secret.txt"), root.join("internal/leak.txt"))
            .unwrap();
        std::os::unix::fs::symlink(root, root.join("internal/up")).unwrap();
    }
    for attack in [
        "/internal/../secret.txt",
        "/internal/../../etc/passwd",
        "/internal/%2e%2e/secret.txt",
        "/internal/%2E%2E/secret.txt",
        "/internal/%2e%2e%2fsecret.txt",
        "/internal/%252e%252e/secret.txt",
        "/internal/%252e%252e%252fsecret.txt",
        "/internal/..%5csecret.txt",
        "/internal/..\\secret.txt",
        "/internal/%5c..%5csecret.txt",
        "/internal//secret.txt",
        "/internal/.%2e/secret.txt",
        "/internal/runbooks/../../secret.txt",
        "/internal/leak.txt",
        "/internal/up/secret.txt",
        "/internal/%00",
        "/internal/%c0%ae%c0%ae/secret.txt",
        "/internal/../public/index.html",
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
    ] {
        let request = format!(
            "GET {attack} HTTP/1.1\r\nHost: x\r\nCookie: docket_session={cookie}\r\nConnection: close\r\n\r\n"
        );
        let r = raw(server.addr, request.as_bytes());
        assert!(!r.body.contains("top secret"), "{attack} leaked");
        assert!(
            !r.body.contains("Public home") || !attack.starts_with("/internal"),
            "{attack}"
        );
        assert!(
            r.status == 404 || r.status == 400,
            "{attack} -> {}",
            r.status
        );
    }
}

#[test]
fn the_public_bundle_is_served_at_the_root_with_revalidation() {
    let server = TestServer::start();
    let mut c = server.client();
    let r = c.get("/");
    assert_eq!(r.status, 200);
    assert_eq!(r.body, "<h1>Public home</h1>");
    assert_eq!(r.header("cache-control"), Some("no-cache"));
    assert!(r.header("set-cookie").is_none());
    assert!(r.header("content-security-policy").is_some());
    assert_eq!(c.get("/faq/").body, "<h1>FAQ</h1>");
    assert_eq!(c.get("/faq").header("location"), Some("/faq/"));
    let missing = c.get("/missing/");
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body, "<h1>Public page not found</h1>");
    // The internal bundle is not reachable through the public root.
    assert_eq!(c.get("/runbooks/refunds/").status, 404);
}

#[test]
fn the_public_bundle_can_be_left_to_a_cdn() {
    let server = TestServer::start_with(|c| c.serve_public = false);
    let r = server.client().get("/");
    assert_eq!(r.status, 404);
    assert!(r.body.contains("Page not found"));
    assert_eq!(server.client().post("/nowhere", &[]).status, 404);
}

/// Files served from memory are checked on every request: changes of any
/// kind are served at once, and a folder turned into a symlink to other
/// files out of the bundle is refused even after its files were cached.
#[cfg(unix)]
#[test]
fn cached_files_are_never_stale_and_never_leave_the_bundle() {
    use std::os::unix::fs::symlink;
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Agent, "agent@example.com");
    let root = server.root();
    let internal = root.join("internal");
    std::fs::create_dir_all(internal.join("kept/deep")).unwrap();
    std::fs::write(internal.join("kept/deep/index.html"), "version one").unwrap();
    std::fs::write(internal.join("kept/page.html"), "page one").unwrap();
    std::fs::create_dir_all(root.join("outside/deep")).unwrap();
    std::fs::write(root.join("outside/deep/index.html"), "top secret").unwrap();
    std::fs::write(root.join("outside/page.html"), "top secret").unwrap();
    // Only files whose times have settled are cached.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    for _ in 0..2 {
        assert_eq!(c.get("/internal/kept/deep/").body, "version one");
        assert_eq!(c.get("/internal/kept/page.html").body, "page one");
    }

    // Rewritten in place, same length, modification time put back.
    let page = internal.join("kept/page.html");
    let old_mtime = std::fs::metadata(&page).unwrap().modified().unwrap();
    std::fs::write(&page, "page two").unwrap();
    std::fs::File::options()
        .write(true)
        .open(&page)
        .unwrap()
        .set_modified(old_mtime)
        .unwrap();
    assert_eq!(c.get("/internal/kept/page.html").body, "page two");

    // Replaced by rename (as a build writes files).
    std::fs::write(internal.join("kept/deep/next.html"), "version two").unwrap();
    std::fs::rename(
        internal.join("kept/deep/next.html"),
        internal.join("kept/deep/index.html"),
    )
    .unwrap();
    assert_eq!(c.get("/internal/kept/deep/").body, "version two");

    // A cached folder swapped for a symlink out of the bundle.
    std::thread::sleep(std::time::Duration::from_millis(2200));
    assert_eq!(c.get("/internal/kept/deep/").body, "version two");
    assert_eq!(c.get("/internal/kept/deep/").body, "version two");
    std::fs::rename(internal.join("kept"), root.join("kept-old")).unwrap();
    symlink(root.join("outside"), internal.join("kept")).unwrap();
    for path in ["/internal/kept/deep/", "/internal/kept/page.html"] {
        let r = c.get(path);
        assert_eq!(r.status, 404, "{path}");
        assert!(!r.body.contains("top secret"), "{path}");
    }

    // Deleted.
    std::fs::remove_file(internal.join("kept")).unwrap();
    assert_eq!(c.get("/internal/kept/deep/").status, 404);
}

/// A cached file is only for agents: signing out ends access at once.
#[test]
fn cached_files_need_a_live_agent_session_every_time() {
    let server = TestServer::start();
    let mut c = server.signed_in(Role::Agent, "agent@example.com");
    std::fs::write(server.root().join("internal/old.html"), "agents only").unwrap();
    std::thread::sleep(std::time::Duration::from_millis(2200));
    assert_eq!(c.get("/internal/old.html").body, "agents only");
    assert_eq!(c.get("/internal/old.html").body, "agents only");
    let cookie = c.cookie.clone();
    assert_eq!(c.logout().status, 303);
    let mut after = server.client();
    after.cookie = cookie;
    let r = after.get("/internal/old.html");
    assert_eq!(r.status, 303);
    assert!(!r.body.contains("agents only"));
}
