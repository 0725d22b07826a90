//! `docket serve` end to end: the real binary on a temporary copy of the
//! `serve_site` fixture, on a free port. Edits, additions, renames and
//! deletions show up in the served pages and listings; a broken file is
//! reported by the error endpoint while the old page stays; the live-reload
//! event arrives. Every wait is for a definite condition (an answer, a
//! file's bytes, an event) against a generous deadline, and no socket read
//! can block past it: on a busy 2-core machine a rebuild or the
//! low-priority search index can take many seconds, which must only slow
//! the tests down, never fail them.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one condition may take to come true.
const DEADLINE: Duration = Duration::from_secs(120);

/// A running `docket serve` on a copy of the fixture; killed on drop.
struct Served {
    child: Child,
    addr: String,
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Served {
    fn start() -> Self {
        Self::start_with("")
    }

    /// Like [`Served::start`], with `config` appended to the fixture's
    /// `docket.toml` first.
    fn start_with(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("site");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        copy_tree(&repo.join("tests/fixtures/serve_site"), &root);
        let toml = root.join("docket.toml");
        let mut text = std::fs::read_to_string(&toml).expect("docket.toml");
        text.push_str(config);
        std::fs::write(&toml, text).expect("docket.toml");
        // The portal's pages need the theme's templates.
        copy_tree(&repo.join("themes"), &root.join("themes"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(["serve", "--port", "0", "--site"])
            .arg(&root)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("docket serve starts");
        let stdout = child.stdout.take().expect("stdout");
        // Read the address on a thread of its own, so a server that never
        // prints it fails the test at the deadline instead of hanging it;
        // the thread then keeps draining stdout so the server never blocks
        // on a full pipe.
        let (addr_tx, addr_rx) = std::sync::mpsc::channel::<String>();
        std::thread::spawn(move || {
            let mut sent = false;
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sent {
                    continue;
                }
                if let Some(rest) = line.split("http://").nth(1) {
                    let addr = rest.split('/').next().unwrap_or_default().to_owned();
                    sent = addr_tx.send(addr).is_ok();
                }
            }
        });
        let addr = match addr_rx.recv_timeout(DEADLINE) {
            Ok(addr) => addr,
            Err(err) => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("docket serve printed no address ({err})");
            }
        };
        Self {
            child,
            addr,
            _dir: dir,
            root,
        }
    }

    /// One request; a server that does not answer within the deadline
    /// fails the test.
    fn get(&self, path: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        stream.set_read_timeout(Some(DEADLINE)).expect("timeout");
        stream.set_write_timeout(Some(DEADLINE)).expect("timeout");
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
            self.addr
        )
        .expect("send");
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).expect("read");
        let text = String::from_utf8_lossy(&raw).into_owned();
        let status = text
            .split(' ')
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        (status, text)
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Polls `path` until `check` accepts the answer.
    fn wait_for(&self, path: &str, what: &str, check: impl Fn(u16, &str) -> bool) -> String {
        let started = Instant::now();
        loop {
            let (status, body) = self.get(path);
            if check(status, &body) {
                return body;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "{path}: still not {what}; last answer:\n{body}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.expect("walk");
        let target = to.join(entry.path().strip_prefix(from).expect("inside"));
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).expect("mkdir");
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

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
