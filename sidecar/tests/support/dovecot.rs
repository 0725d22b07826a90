//! A real Dovecot IMAP server for the intake tests, started as an
//! unprivileged process (as `nobody` when the tests run as root) with its
//! own configuration in a temporary folder, listening on free ports of
//! 127.0.0.1: implicit TLS, and plain IMAP offering STARTTLS. Mail is
//! delivered the way a local delivery agent does it, by writing into the
//! account's Maildir; the flags Dovecot sets are read back from the file
//! names. Needs Debian's `dovecot-imapd` (`scripts/setup-test-deps`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use super::pki::{free_port, make_pki, Pki};

/// The account the tests read.
pub const USER: &str = "support";
/// Its password (with characters a URL must escape).
pub const PASSWORD: &str = "s3cret@imap box";
/// The password as written in an `imap_url`.
pub const PASSWORD_IN_URL: &str = "s3cret%40imap%20box";

/// A running Dovecot; stopped when dropped.
pub struct Dovecot {
    child: Child,
    dir: tempfile::TempDir,
    /// The implicit-TLS port.
    pub imaps_port: u16,
    /// The plain port (STARTTLS offered unless started without TLS).
    pub imap_port: u16,
    /// The CA that issued the server's certificate.
    pub pki: Pki,
    delivered: AtomicU64,
}

impl Dovecot {
    /// Starts Dovecot with TLS.
    pub fn start() -> Self {
        Self::start_with(true)
    }

    /// Starts Dovecot offering no TLS at all (to prove a client refuses to
    /// log in over it).
    pub fn start_without_tls() -> Self {
        Self::start_with(false)
    }

    fn start_with(tls: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let pki = make_pki(root, "imap");
        for sub in [
            "run",
            "state",
            "home/support/Maildir/new",
            "home/support/Maildir/cur",
            "home/support/Maildir/tmp",
        ] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        std::fs::write(
            root.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .unwrap();
        let (imaps_port, imap_port) = (free_port(), free_port());
        let as_root = current_uid() == 0;
        let (user, group, uid, gid) = if as_root {
            (
                "nobody".to_owned(),
                "nogroup".to_owned(),
                id("-u", "nobody"),
                id("-g", "nobody"),
            )
        } else {
            (id_name("-un"), id_name("-gn"), current_uid(), id("-g", ""))
        };
        let root_s = root.display();
        let ssl = if tls {
            format!(
                "ssl = required\nssl_cert = <{}\nssl_key = <{}\n",
                pki.cert.display(),
                pki.key.display()
            )
        } else {
            "ssl = no\ndisable_plaintext_auth = no\n".to_owned()
        };
        let imaps_listener = if tls {
            format!("  inet_listener imaps {{\n    address = 127.0.0.1\n    port = {imaps_port}\n    ssl = yes\n  }}\n")
        } else {
            "  inet_listener imaps {\n    port = 0\n  }\n".to_owned()
        };
        let config = format!(
            "base_dir = {root_s}/run\nstate_dir = {root_s}/state\nlog_path = {root_s}/dovecot.log\n\
             protocols = imap\nlisten = 127.0.0.1\n{ssl}\
             default_internal_user = {user}\ndefault_internal_group = {group}\ndefault_login_user = {user}\n\
             first_valid_uid = {uid}\nfirst_valid_gid = {gid}\nauth_mechanisms = plain\nmail_fsync = never\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {root_s}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={root_s}/home/%u\n}}\n\
             mail_location = maildir:~/Maildir\n\
             service imap-login {{\n  chroot =\n  inet_listener imap {{\n    address = 127.0.0.1\n    port = {imap_port}\n  }}\n{imaps_listener}}}\n\
             service anvil {{\n  chroot =\n}}\n\
             service auth {{\n  user = {user}\n}}\nservice auth-worker {{\n  user = {user}\n}}\n"
        );
        std::fs::write(root.join("dovecot.conf"), config).unwrap();
        let binary = dovecot_binary();
        let mut cmd = if as_root {
            let status = Command::new("chown")
                .args(["-R", "nobody:nogroup"])
                .arg(root)
                .status()
                .unwrap();
            assert!(status.success(), "chown of the Dovecot folder failed");
            let mut cmd = Command::new("setpriv");
            cmd.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
                .arg(binary);
            cmd
        } else {
            Command::new(binary)
        };
        let child = cmd
            .arg("-F")
            .arg("-c")
            .arg(root.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("cannot start dovecot (scripts/setup-test-deps installs dovecot-imapd)");
        let mut server = Dovecot {
            child,
            dir,
            imaps_port,
            imap_port,
            pki,
            delivered: AtomicU64::new(0),
        };
        let port = if tls { imaps_port } else { imap_port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = server.child.try_wait() {
                panic!("dovecot exited ({status}): {}", server.log());
            }
            assert!(
                Instant::now() < deadline,
                "dovecot did not listen: {}",
                server.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        server
    }

    /// `imaps://support:…@localhost:PORT/INBOX`.
    pub fn imaps_url(&self) -> String {
        format!(
            "imaps://{USER}:{PASSWORD_IN_URL}@localhost:{}/INBOX",
            self.imaps_port
        )
    }

    /// `imap://support:…@localhost:PORT/INBOX` (STARTTLS).
    pub fn imap_url(&self) -> String {
        format!(
            "imap://{USER}:{PASSWORD_IN_URL}@localhost:{}/INBOX",
            self.imap_port
        )
    }

    fn maildir(&self) -> PathBuf {
        self.dir.path().join("home/support/Maildir")
    }

    /// Delivers a message: written into `tmp/`, then renamed into `new/`,
    /// as a delivery agent does.
    pub fn deliver(&self, raw: &[u8]) {
        let n = self.delivered.fetch_add(1, Ordering::SeqCst);
        let name = format!("{}.M{n}P{}.docket-test", unix_now(), std::process::id());
        let tmp = self.maildir().join("tmp").join(&name);
        std::fs::write(&tmp, raw).unwrap();
        std::fs::rename(&tmp, self.maildir().join("new").join(&name)).unwrap();
    }

    /// The file names of the delivered messages that carry the `\Seen`
    /// flag, and of those that do not.
    pub fn seen_and_unseen(&self) -> (usize, usize) {
        let mut seen = 0;
        let mut unseen = 0;
        for sub in ["new", "cur"] {
            for entry in std::fs::read_dir(self.maildir().join(sub))
                .unwrap()
                .flatten()
            {
                let name = entry.file_name().to_string_lossy().into_owned();
                let flags = name
                    .split_once(":2,")
                    .map(|(_, f)| f.to_owned())
                    .unwrap_or_default();
                if flags.contains('S') {
                    seen += 1;
                } else {
                    unseen += 1;
                }
            }
        }
        (seen, unseen)
    }

    /// Waits until `expected` messages are flagged `\Seen` (fails after
    /// `secs` seconds).
    pub fn wait_for_seen(&self, expected: usize, secs: u64) {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let (seen, unseen) = self.seen_and_unseen();
            if seen == expected {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "{seen} messages seen and {unseen} unseen, not {expected} seen; dovecot log:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Dovecot's log.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default()
    }

    /// How many logins succeeded.
    pub fn logins(&self) -> usize {
        self.log().matches("Login: user=<support>").count()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        // SIGTERM lets the master stop its children too.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dovecot_binary() -> PathBuf {
    for dir in std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .chain(["/usr/sbin", "/usr/local/sbin"])
    {
        let candidate = Path::new(dir).join("dovecot");
        if candidate.is_file() {
            return candidate;
        }
    }
    panic!("dovecot is not installed: run scripts/setup-test-deps (Debian package dovecot-imapd)");
}

fn current_uid() -> u32 {
    id("-u", "")
}

fn id(flag: &str, user: &str) -> u32 {
    id_name_of(flag, user).trim().parse().unwrap()
}

fn id_name(flag: &str) -> String {
    id_name_of(flag, "").trim().to_owned()
}

fn id_name_of(flag: &str, user: &str) -> String {
    let mut cmd = Command::new("id");
    cmd.arg(flag);
    if !user.is_empty() {
        cmd.arg(user);
    }
    String::from_utf8(cmd.output().unwrap().stdout).unwrap()
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}
