//! A real sidecar on 127.0.0.1 port 0 with a temporary database, bundles and
//! outbox, and a small blocking HTTP/1.1 client that speaks to it over TCP.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use docket_sidecar::{Options, Role, SidecarConfig};

/// A password that meets the rules.
pub const PASSWORD: &str = "correct horse battery";

/// A running sidecar and its folders.
pub struct TestServer {
    pub dir: tempfile::TempDir,
    pub addr: SocketAddr,
    pub options: Options,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Options for a site in `root` with cheap password hashing.
pub fn options(root: &Path, tweak: impl FnOnce(&mut SidecarConfig)) -> Options {
    let mut config = SidecarConfig {
        listen: "127.0.0.1:0".into(),
        password_memory_kib: 8,
        password_iterations: 1,
        header_timeout_seconds: 2,
        shutdown_grace_seconds: 5,
        ..SidecarConfig::default()
    };
    tweak(&mut config);
    Options {
        database: root.join("docket.db"),
        config,
        site_root: root.to_path_buf(),
        internal_dir: root.join("internal"),
        public_dir: root.join("public"),
        templates_dir: PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../themes/default/templates"),
        site_title: "Example Help Center".into(),
        default_language: "en".into(),
        languages: vec!["en".into(), "ja".into()],
        base_url: "https://help.example.com".into(),
    }
}

/// Writes small public and internal bundles under `root`.
pub fn write_bundles(root: &Path) {
    let files = [
        ("internal/index.html", "<h1>Internal home</h1>"),
        (
            "internal/runbooks/refunds/index.html",
            "<h1>Refund runbook</h1>",
        ),
        ("internal/css/style.css", "body { color: black; }"),
        ("internal/404.html", "<h1>Internal page not found</h1>"),
        ("public/index.html", "<h1>Public home</h1>"),
        ("public/faq/index.html", "<h1>FAQ</h1>"),
        ("public/css/style.css", "body { color: black; }"),
        ("public/404.html", "<h1>Public page not found</h1>"),
        ("secret.txt", "top secret"),
    ];
    for (path, text) in files {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

impl TestServer {
    /// Starts a sidecar with default test settings.
    pub fn start() -> Self {
        Self::start_with(|_| {})
    }

    /// Starts a sidecar after `tweak` adjusted its configuration.
    pub fn start_with(tweak: impl FnOnce(&mut SidecarConfig)) -> Self {
        Self::start_on(|_| {}, tweak)
    }

    /// Starts a sidecar on the database `prepare` wrote at the path it is
    /// given (as an older docket left it), after `tweak`.
    pub fn start_on(prepare: impl FnOnce(&Path), tweak: impl FnOnce(&mut SidecarConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        write_bundles(dir.path());
        let options = options(dir.path(), tweak);
        prepare(&options.database);
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let opts = options.clone();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let server = docket_sidecar::Server::bind(opts).await.unwrap();
                addr_tx.send(server.local_addr()).unwrap();
                server
                    .run(async {
                        let _ = stop_rx.await;
                    })
                    .await
                    .unwrap();
            });
        });
        let addr = addr_rx.recv_timeout(Duration::from_secs(30)).unwrap();
        Self {
            dir,
            addr,
            options,
            stop: Some(stop_tx),
            thread: Some(thread),
        }
    }

    /// The site root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// `http://127.0.0.1:port`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A client without cookies.
    pub fn client(&self) -> Client {
        Client {
            addr: self.addr,
            cookie: None,
            origin: Some(self.origin()),
        }
    }

    /// Creates an account directly (as `docket agent add` does).
    pub fn add_account(&self, role: Role, email: &str) {
        docket_sidecar::add_account(&self.options, role, email, PASSWORD).unwrap();
    }

    /// A client signed in as a new account with `role`.
    pub fn signed_in(&self, role: Role, email: &str) -> Client {
        self.add_account(role, email);
        let mut c = self.client();
        let r = c.login(email, PASSWORD, "");
        assert_eq!(r.status, 303, "{}", r.body);
        c
    }

    /// Runs SQL against the database (to age tokens and sessions).
    pub fn sql(&self, sql: &str) {
        let conn = rusqlite::Connection::open(&self.options.database).unwrap();
        conn.busy_timeout(Duration::from_secs(5)).unwrap();
        conn.execute_batch(sql).unwrap();
    }

    /// A single number from the database.
    pub fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(&self.options.database).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// Waits until the number `sql` counts is `expected` (for work that
    /// runs after the answer), and fails after 10 s.
    pub fn wait_for_count(&self, sql: &str, expected: i64) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let now = self.count(sql);
            if now == expected {
                return;
            }
            assert!(Instant::now() < deadline, "{sql}: {now}, not {expected}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits for a mail to `to` whose text contains `needle` in the outbox
    /// and returns its text.
    pub fn wait_for_mail(&self, to: &str, needle: &str) -> String {
        let outbox = self.root().join("outbox");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(entries) = std::fs::read_dir(&outbox) {
                for entry in entries.flatten() {
                    let path = entry.path();
                    if path.extension().is_some_and(|e| e == "eml") {
                        let text = decode_qp(&std::fs::read_to_string(&path).unwrap());
                        if text.contains(&format!("To: {to}")) && text.contains(needle) {
                            return text;
                        }
                    }
                }
            }
            assert!(
                Instant::now() < deadline,
                "no mail to {to} containing {needle:?}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Every mail in the outbox addressed to `to`.
    pub fn mails_to(&self, to: &str) -> Vec<String> {
        let outbox = self.root().join("outbox");
        let Ok(entries) = std::fs::read_dir(outbox) else {
            return Vec::new();
        };
        entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "eml"))
            .map(|e| decode_qp(&std::fs::read_to_string(e.path()).unwrap()))
            .filter(|t| t.contains(&format!("To: {to}")))
            .collect()
    }

    /// Stores a raw message as `docket mail receive` does: through a
    /// second handle on the server's database, as that separate process
    /// would.
    pub fn receive_mail(&self, raw: &[u8]) -> docket_sidecar::intake::Receipt {
        let options = self.options.clone();
        let raw = raw.to_vec();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let db = docket_sidecar::db::Db::open(&options.database)
                .await
                .unwrap();
            let texts = docket_sidecar::mail::texts::MailTexts::from_options(&options).unwrap();
            let settings = docket_sidecar::intake::Settings::from_options(&options, texts);
            docket_sidecar::intake::receive(&db, &settings, raw)
                .await
                .unwrap()
        })
    }

    /// Stops the server gracefully and waits for it.
    pub fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

/// A mail as a test reads it: its header as sent, then each text and HTML
/// part (under its `Content-Type` line and ended by a boundary line) decoded (quoted-printable or base64, any charset), so links and
/// words are found whatever transfer encoding the mail needed.
pub fn decode_qp(text: &str) -> String {
    let head_end = text
        .find("\r\n\r\n")
        .or_else(|| text.find("\n\n"))
        .unwrap_or(text.len());
    let mut out = text[..head_end].to_owned();
    out.push_str("\n\n");
    match mail_parser::MessageParser::default().parse(text.as_bytes()) {
        Some(message) => {
            // Each part under its type and a boundary line, as in the mail.
            for i in 0..message.text_body.len() {
                let body = message.body_text(i).unwrap_or_default();
                out.push_str(&format!(
                    "Content-Type: text/plain\r\n\r\n{body}\r\n--part\r\n"
                ));
            }
            for i in 0..message.html_body.len() {
                let body = message.body_html(i).unwrap_or_default();
                out.push_str(&format!(
                    "Content-Type: text/html\r\n\r\n{body}\r\n--part\r\n"
                ));
            }
        }
        None => out.push_str(&text[head_end..]),
    }
    out
}

/// The token in a link `...?token=<64 hex>` inside `text`.
pub fn token_in(text: &str) -> String {
    let start = text.find("token=").expect("no token in text") + "token=".len();
    text[start..start + 64].to_owned()
}

/// A parsed response.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Resp {
    /// The first value of header `name`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The CSRF token of the page's first form.
    pub fn csrf(&self) -> String {
        self.csrf_opt().expect("no csrf field")
    }

    /// The CSRF token of the page's first form, if it has one.
    pub fn csrf_opt(&self) -> Option<String> {
        let marker = "name=\"csrf\" value=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = self.body[start..].find('"')?;
        Some(self.body[start..start + end].to_owned())
    }

    /// The body with its CSRF token and `email` replaced by placeholders, to
    /// compare two answers.
    pub fn comparable(&self, email: &str) -> String {
        let body = self.body.replace(email, "EMAIL");
        match self.csrf_opt() {
            Some(csrf) => body.replace(&csrf, "CSRF"),
            None => body,
        }
    }
}

/// A cookie-keeping HTTP/1.1 client.
#[derive(Debug, Clone)]
pub struct Client {
    pub addr: SocketAddr,
    /// The `docket_session` cookie value.
    pub cookie: Option<String>,
    /// Sent as `Origin` on POST requests.
    pub origin: Option<String>,
}

impl Client {
    /// `GET target`.
    pub fn get(&mut self, target: &str) -> Resp {
        self.send("GET", target, &[], None)
    }

    /// `GET target` with extra headers.
    pub fn get_with(&mut self, target: &str, headers: &[(&str, &str)]) -> Resp {
        self.send("GET", target, headers, None)
    }

    /// A form POST with this client's `Origin`.
    pub fn post(&mut self, target: &str, fields: &[(&str, &str)]) -> Resp {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let origin = self.origin.clone();
        let mut headers = vec![("Content-Type", "application/x-www-form-urlencoded")];
        if let Some(o) = origin.as_deref() {
            headers.push(("Origin", o));
        }
        self.send("POST", target, &headers, Some(body.as_bytes()))
    }

    /// Fetches `form_path`, then posts `fields` plus its CSRF token to `target`.
    pub fn submit(&mut self, form_path: &str, target: &str, fields: &[(&str, &str)]) -> Resp {
        let page = self.get(form_path);
        assert_eq!(page.status, 200, "{form_path}: {}", page.body);
        let csrf = page.csrf();
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf", &csrf));
        self.post(target, &all)
    }

    /// Logs in through the form.
    pub fn login(&mut self, email: &str, password: &str, next: &str) -> Resp {
        self.submit(
            "/login",
            "/login",
            &[("email", email), ("password", password), ("next", next)],
        )
    }

    /// Opens the mailed verification link `token` and posts its form with
    /// `password` (twice): what confirms the address and sets the password.
    pub fn verify_address(&mut self, token: &str, password: &str) -> Resp {
        self.submit(
            &format!("/verify?token={token}"),
            "/verify",
            &[
                ("token", token),
                ("password", password),
                ("password_confirm", password),
            ],
        )
    }

    /// Posts the verification form for `token` with a CSRF token of this
    /// client's session, without first requiring the link's page to work
    /// (for links that no longer do).
    pub fn verify_address_anyway(&mut self, token: &str, password: &str) -> Resp {
        let csrf = self.get("/login").csrf();
        self.post(
            "/verify",
            &[
                ("token", token),
                ("password", password),
                ("password_confirm", password),
                ("csrf", &csrf),
            ],
        )
    }

    /// Logs out through the header's form.
    pub fn logout(&mut self) -> Resp {
        let page = self.get("/my/tickets");
        let csrf = if page.status == 200 {
            page.csrf()
        } else {
            self.get("/agent/tickets").csrf()
        };
        self.post("/logout", &[("csrf", &csrf)])
    }

    /// Sends one request on a fresh connection and reads the whole answer.
    pub fn send(
        &mut self,
        method: &str,
        target: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Resp {
        let mut head = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n",
            self.addr
        );
        if let Some(c) = &self.cookie {
            head.push_str(&format!("Cookie: docket_session={c}\r\n"));
        }
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(b) = body {
            head.push_str(&format!("Content-Length: {}\r\n", b.len()));
        }
        head.push_str("\r\n");
        let mut bytes = head.into_bytes();
        if let Some(b) = body {
            bytes.extend_from_slice(b);
        }
        let resp = raw(self.addr, &bytes);
        for (k, v) in &resp.headers {
            if k.eq_ignore_ascii_case("set-cookie") {
                if let Some(rest) = v.strip_prefix("docket_session=") {
                    let value = rest.split(';').next().unwrap_or("");
                    self.cookie = if value.is_empty() {
                        None
                    } else {
                        Some(value.to_owned())
                    };
                }
            }
        }
        resp
    }
}

/// Writes `bytes` on a new connection and parses what comes back.
pub fn raw(addr: SocketAddr, bytes: &[u8]) -> Resp {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    stream.write_all(bytes).unwrap();
    let mut buf = Vec::new();
    let _ = stream.read_to_end(&mut buf);
    parse(&buf)
}

/// Parses an HTTP/1.1 response (Content-Length bodies only).
pub fn parse(buf: &[u8]) -> Resp {
    let text = String::from_utf8_lossy(buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    Resp {
        status,
        headers,
        body: body.to_owned(),
    }
}
