//! The portal as `docket serve` and `docket sidecar` run it, over the real
//! binary: links in mail lead back to serve's own origin (not to
//! `base_url`, which nothing serves during development), a change of the
//! `[sidecar]` settings says that it needs a restart, and a site without a
//! theme folder gets the built-in portal.

mod support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use support::serve::{Served, DEADLINE};

/// The value of the first `Set-Cookie` header, up to its attributes.
fn cookie_of(answer: &str) -> String {
    answer
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("set-cookie")
                .then(|| value.trim().split(';').next().unwrap_or("").to_owned())
        })
        .expect("a session cookie")
}

/// The form's CSRF token.
fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[at..].split('"').next().unwrap_or("").to_owned()
}

/// Defect 1: serve mailed links to `base_url` (`https://help.example.com`
/// in the fixture), so the quick start's verification link was dead.
#[test]
fn serve_mails_links_to_its_own_origin() {
    let s = Served::start();
    let (status, form) = s.get("/register");
    assert_eq!(status, 200, "{form}");
    let cookie = cookie_of(&form);
    let body = format!("email=newcomer%40example.com&csrf={}", csrf_of(&form));
    let (status, answer) = s.send(&format!(
        "POST /register HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nCookie: {cookie}\r\n\
         Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len(),
        addr = s.addr,
    ));
    assert!(status == 200 || status == 303, "{answer}");
    let outbox = s.root.join("outbox");
    let started = Instant::now();
    let mail = loop {
        let found = std::fs::read_dir(&outbox).ok().and_then(|entries| {
            entries
                .flatten()
                .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
                .map(|t| t.replace("=\r\n", "").replace("=3D", "="))
                .find(|t| t.contains("/verify?token="))
        });
        if let Some(mail) = found {
            break mail;
        }
        assert!(started.elapsed() < DEADLINE, "no verification mail");
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    assert!(
        mail.contains(&format!("http://{}/verify?token=", s.addr)),
        "{mail}"
    );
    assert!(!mail.contains("help.example.com/verify"), "{mail}");
}

/// Defect 8: a site without `themes/` builds with the built-in theme, but
/// `docket sidecar` refused to start ("cannot load the portal templates").
#[test]
fn the_sidecar_of_a_site_without_a_theme_folder_serves_the_built_in_portal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let addr = format!("127.0.0.1:{port}");
    std::fs::write(
        dir.path().join("docket.toml"),
        format!(
            "[site]\ntitle = \"Themeless Help\"\n\n[sidecar]\nlisten = \"{addr}\"\n\
             password_memory_kib = 8\npassword_iterations = 1\n"
        ),
    )
    .expect("docket.toml");
    assert!(!dir.path().join("themes").exists());
    let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
        .args(["sidecar", "--site"])
        .arg(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("docket sidecar starts");
    let started = Instant::now();
    let login = loop {
        let answer = support::http::send(
            &addr,
            format!("GET /login HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").as_bytes(),
            Duration::from_secs(20),
        );
        if answer.status != 0 {
            break answer;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let mut err = String::new();
            if let Some(mut stderr) = child.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
            }
            panic!("docket sidecar exited ({status}): {err}");
        }
        assert!(started.elapsed() < DEADLINE, "the sidecar did not start");
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(login.status, 200, "{}", login.body);
    assert!(login.body.contains("Themeless Help"), "{}", login.body);
    assert!(login.body.contains("name=\"password\""), "{}", login.body);
}

/// Defect 4: serve rebuilt on a `[sidecar]` change but the portal kept the
/// old settings without a word. It now says a restart is needed (and only
/// for a `[sidecar]` change).
#[test]
fn serve_says_that_sidecar_settings_need_a_restart() {
    let s = Served::start();
    let toml = s.root.join("docket.toml");
    let text = std::fs::read_to_string(&toml).expect("docket.toml");
    // A change elsewhere rebuilds without the warning.
    std::fs::write(&toml, text.replace("Serve Fixture", "Serve Fixture 2")).expect("write");
    s.wait_for("/", "retitled", |st, b| {
        st == 200 && b.contains("Serve Fixture 2")
    });
    std::fs::write(
        &toml,
        format!(
            "{}\n[sidecar]\nallow_new_tickets = false\n",
            text.replace("Serve Fixture", "Serve Fixture 3")
        ),
    )
    .expect("write");
    s.wait_for("/", "retitled", |st, b| {
        st == 200 && b.contains("Serve Fixture 3")
    });
    s.wait_for_stderr("the [sidecar] settings changed; the portal keeps the old ones until you restart docket serve");
    let said = s.stderr_text();
    assert_eq!(
        said.matches("[sidecar] settings changed").count(),
        1,
        "{said}"
    );
}
