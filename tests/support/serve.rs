//! A running `docket serve` for the tests: the real binary on a temporary
//! copy of the `serve_site` fixture, on a free port, with requests over a
//! plain socket. Every wait is for a definite condition against a generous
//! deadline (see `serve_live.rs`).

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How long any one condition may take to come true.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// A running `docket serve` on a copy of the fixture; killed on drop.
pub struct Served {
    child: Child,
    /// `127.0.0.1:port`.
    pub addr: String,
    _dir: tempfile::TempDir,
    /// The site's root folder.
    pub root: PathBuf,
    /// What the server wrote on standard error so far (also passed on to
    /// the test's own standard error).
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
}

impl Served {
    pub fn start() -> Self {
        Self::start_with("")
    }

    /// Like [`Served::start`], with `config` appended to the fixture's
    /// `docket.toml` first.
    pub fn start_with(config: &str) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().join("site");
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        super::copy_dir(&repo.join("tests/fixtures/serve_site"), &root);
        let toml = root.join("docket.toml");
        let mut text = std::fs::read_to_string(&toml).expect("docket.toml");
        text.push_str(config);
        std::fs::write(&toml, text).expect("docket.toml");
        // The portal's pages need the theme's templates.
        super::copy_dir(&repo.join("themes"), &root.join("themes"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_docket"))
            .args(["serve", "--port", "0", "--site"])
            .arg(&root)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("docket serve starts");
        let stdout = child.stdout.take().expect("stdout");
        let stderr_pipe = child.stderr.take().expect("stderr");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let kept = std::sync::Arc::clone(&stderr);
        std::thread::spawn(move || {
            for line in BufReader::new(stderr_pipe).lines() {
                let Ok(line) = line else { break };
                eprintln!("{line}");
                if let Ok(mut text) = kept.lock() {
                    text.push_str(&line);
                    text.push('\n');
                }
            }
        });
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
            stderr,
        }
    }

    /// What the server wrote on standard error so far.
    pub fn stderr_text(&self) -> String {
        self.stderr.lock().map(|t| t.clone()).unwrap_or_default()
    }

    /// Waits until the server's standard error contains `needle`.
    pub fn wait_for_stderr(&self, needle: &str) {
        let started = Instant::now();
        loop {
            let text = self.stderr.lock().map(|t| t.clone()).unwrap_or_default();
            if text.contains(needle) {
                return;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "standard error never said {needle:?}; it said:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// One request; a server that does not answer within the deadline
    /// fails the test.
    pub fn get(&self, path: &str) -> (u16, String) {
        self.get_as(path, &self.addr)
    }

    /// A GET of `path` with `host` in the Host header.
    pub fn get_as(&self, path: &str, host: &str) -> (u16, String) {
        self.send(&format!(
            "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ))
    }

    /// Sends `head` (a whole request) as is; the status and the answer.
    pub fn send(&self, head: &str) -> (u16, String) {
        let answer = super::http::send(&self.addr, head.as_bytes(), DEADLINE);
        let text = if answer.body.is_empty() && !answer.head.contains("\r\n\r\n") {
            answer.head
        } else {
            format!("{}\r\n\r\n{}", answer.head, answer.body)
        };
        (answer.status, text)
    }

    /// A file of the serving output (`public/…`, `internal/…`).
    pub fn served_file(&self, rel: &str) -> PathBuf {
        self.root.join(".docket/serve").join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    /// Polls `path` until `check` accepts the answer.
    pub fn wait_for(&self, path: &str, what: &str, check: impl Fn(u16, &str) -> bool) -> String {
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
