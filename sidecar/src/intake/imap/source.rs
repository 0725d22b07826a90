//! Where IMAP intake fetches from: `[sidecar.mail.inbound] imap_url`, read
//! once at start so a mistake stops the sidecar with a message naming the
//! key instead of failing in the background.

use anyhow::{bail, Result};

/// How the connection is secured. There is no plain mode: the password
/// never crosses the network in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// `imaps://`: TLS from the first byte (port 993 by default).
    Implicit,
    /// `imap://`: STARTTLS before logging in, required (port 143 by default).
    StartTls,
}

/// A mailbox on an IMAP server, with the login to reach it.
#[derive(Clone, PartialEq, Eq)]
pub struct Source {
    /// The server's host name (checked against its certificate).
    pub host: String,
    /// The server's port.
    pub port: u16,
    /// Implicit TLS or STARTTLS.
    pub security: Security,
    /// The login name.
    pub user: String,
    /// The password.
    pub password: String,
    /// The mailbox read, `INBOX` unless the URL names another.
    pub mailbox: String,
}

impl std::fmt::Debug for Source {
    /// Everything but the password, which must not reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("mailbox", &self.mailbox)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Display for Source {
    /// `imaps://user@host:port/MAILBOX`, without the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scheme = match self.security {
            Security::Implicit => "imaps",
            Security::StartTls => "imap",
        };
        write!(
            f,
            "{scheme}://{}@{}:{}/{}",
            self.user, self.host, self.port, self.mailbox
        )
    }
}

const KEY: &str = "[sidecar.mail.inbound] imap_url";

impl Source {
    /// Reads `imaps://user:password@host[:port][/MAILBOX]` or
    /// `imap://…`. The user and password are percent-decoded (write `@` in
    /// a login name as `%40`).
    pub fn parse(text: &str) -> Result<Self> {
        let url = url::Url::parse(text).map_err(|e| {
            anyhow::anyhow!("{KEY}: not a URL ({e}); expected imaps://user:password@host/INBOX")
        })?;
        let (security, default_port) = match url.scheme() {
            "imaps" => (Security::Implicit, 993),
            "imap" => (Security::StartTls, 143),
            other => {
                bail!("{KEY}: the scheme is {other:?}; use imaps:// (TLS) or imap:// (STARTTLS)")
            }
        };
        let host = match url.host_str() {
            Some(host) if !host.is_empty() => host
                .trim_start_matches('[')
                .trim_end_matches(']')
                .to_owned(),
            _ => bail!("{KEY}: no host; expected imaps://user:password@host/INBOX"),
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|s| s.into_owned())
                .map_err(|_| {
                    anyhow::anyhow!(
                        "{KEY}: the user or password is not valid UTF-8 once percent-decoded"
                    )
                })
        };
        let user = decode(url.username())?;
        if user.is_empty() {
            bail!("{KEY}: no user name; expected imaps://user:password@{host}/INBOX");
        }
        let password = decode(url.password().unwrap_or(""))?;
        if password.is_empty() {
            bail!("{KEY}: no password; expected imaps://{user}:password@{host}/INBOX");
        }
        let path = decode(url.path().trim_start_matches('/'))?;
        let mailbox = if path.is_empty() {
            "INBOX".to_owned()
        } else {
            path
        };
        if mailbox
            .chars()
            .any(|c| c.is_control() || c == '"' || c == '\\')
        {
            bail!(
                "{KEY}: the mailbox name {mailbox:?} holds a quote, backslash or control character"
            );
        }
        Ok(Self {
            host,
            port: url.port().unwrap_or(default_port),
            security,
            user,
            password,
            mailbox,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(text: &str) -> String {
        Source::parse(text)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn urls_give_host_port_security_login_and_mailbox() {
        let s = Source::parse("imaps://help%40example.com:p%3Ass@mail.example.com/Support").ok();
        let s = s.as_ref();
        assert_eq!(s.map(|s| s.user.as_str()), Some("help@example.com"));
        assert_eq!(s.map(|s| s.password.as_str()), Some("p:ss"));
        assert_eq!(s.map(|s| s.port), Some(993));
        assert_eq!(s.map(|s| s.mailbox.as_str()), Some("Support"));
        let plain = Source::parse("imap://u:p@127.0.0.1:1143").ok();
        assert_eq!(plain.as_ref().map(|s| s.security), Some(Security::StartTls));
        assert_eq!(plain.as_ref().map(|s| s.port), Some(1143));
        assert_eq!(plain.as_ref().map(|s| s.mailbox.as_str()), Some("INBOX"));
    }

    #[test]
    fn bad_urls_name_the_key_and_the_fault() {
        assert!(error("pop3://u:p@h").contains("scheme"));
        assert!(error("imaps://h/INBOX").contains("no user"));
        assert!(error("imaps://u@h/INBOX").contains("no password"));
        assert!(error("not a url").contains("imap_url"));
    }

    #[test]
    fn the_password_stays_out_of_logs() {
        let s = Source::parse("imaps://u:hunter2@h/INBOX").ok();
        let shown = format!(
            "{s:?} {}",
            s.as_ref().map(ToString::to_string).unwrap_or_default()
        );
        assert!(!shown.contains("hunter2"), "{shown}");
        assert!(shown.contains("imaps://u@h:993/INBOX"), "{shown}");
    }
}
