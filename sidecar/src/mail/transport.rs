//! How outgoing mail leaves: `.eml` files in an outbox folder, or SMTP with
//! TLS (implicit for `smtps://`, STARTTLS required for `smtp://`), plain
//! SMTP only when `[sidecar.mail] smtp_tls = "none"` says so.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{anyhow, bail, Result};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, Tokio1Executor};

use crate::config::MailConfig;

/// Where mail goes.
#[derive(Clone)]
pub enum Transport {
    /// Written as `.eml` files into this folder.
    Outbox(PathBuf),
    /// Sent to an SMTP relay.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Transport::Outbox(dir) => f.debug_tuple("Outbox").field(dir).finish(),
            Transport::Smtp(_) => f.write_str("Smtp"),
        }
    }
}

impl Transport {
    /// The transport the configuration asks for; also checks the `from`
    /// and `reply_to` addresses.
    pub fn from_options(options: &crate::Options) -> Result<Self> {
        let mail = &options.config.mail;
        check_address("from", &mail.from)?;
        if let Some(reply_to) = &mail.reply_to {
            check_address("reply_to", reply_to)?;
        }
        let tls = tls_mode(mail)?;
        match &mail.smtp_url {
            Some(url) => {
                let ca = match &mail.smtp_ca_file {
                    Some(path) => Some(read_ca_file(&options.site_root.join(path))?),
                    None => None,
                };
                Ok(Transport::Smtp(smtp_transport(url, tls, ca)?))
            }
            None => Ok(Transport::Outbox(options.outbox_dir())),
        }
    }
}

/// Fails with a message naming the key when `value` is not an address.
fn check_address(key: &str, value: &str) -> Result<()> {
    value
        .parse::<lettre::message::Mailbox>()
        .map(|_| ())
        .map_err(|e| anyhow!("[sidecar.mail] {key} = {value:?} is not a valid address: {e}"))
}

/// Whether TLS is required on the SMTP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsMode {
    /// TLS always: implicit for `smtps://`, STARTTLS for `smtp://`.
    Required,
    /// Plain SMTP (only for a relay on the same machine).
    None,
}

/// Reads `[sidecar.mail] smtp_tls`.
pub fn tls_mode(mail: &MailConfig) -> Result<TlsMode> {
    match mail.smtp_tls.as_str() {
        "required" => Ok(TlsMode::Required),
        "none" => Ok(TlsMode::None),
        other => bail!("[sidecar.mail] smtp_tls = {other:?}: expected \"required\" or \"none\""),
    }
}

/// The PEM certificates in `path`, to trust besides the system's roots.
pub fn read_ca_file(path: &Path) -> Result<Vec<Certificate>> {
    crate::pem::read_certificates(path, "[sidecar.mail] smtp_ca_file")?
        .into_iter()
        .map(|der| {
            Certificate::from_der(der.to_vec()).map_err(|e| {
                anyhow!(
                    "[sidecar.mail] smtp_ca_file: {} holds an invalid certificate: {e}",
                    path.display()
                )
            })
        })
        .collect()
}

/// Builds a transport from `smtp[s]://[user[:password]@]host[:port]`.
/// `smtps://` is implicit TLS (port 465 by default); `smtp://` requires
/// STARTTLS (port 587 by default) unless `tls` is [`TlsMode::None`] (then
/// port 25 by default). `ca` adds trusted roots.
pub fn smtp_transport(
    url: &str,
    tls: TlsMode,
    ca: Option<Vec<Certificate>>,
) -> Result<AsyncSmtpTransport<Tokio1Executor>> {
    let (implicit, rest) = if let Some(rest) = url.strip_prefix("smtps://") {
        (true, rest)
    } else if let Some(rest) = url.strip_prefix("smtp://") {
        (false, rest)
    } else {
        bail!("[sidecar.mail] smtp_url must start with smtp:// or smtps://");
    };
    if implicit && tls == TlsMode::None {
        bail!("[sidecar.mail] smtp_tls = \"none\" contradicts smtp_url = smtps://…");
    }
    let rest = rest.trim_end_matches('/');
    let (userinfo, hostport) = match rest.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, rest),
    };
    let default_port = match (implicit, tls) {
        (true, _) => 465,
        (false, TlsMode::Required) => 587,
        (false, TlsMode::None) => 25,
    };
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| anyhow!("[sidecar.mail] smtp_url has an invalid port"))?,
        ),
        None => (hostport, default_port),
    };
    if host.is_empty() {
        bail!("[sidecar.mail] smtp_url has no host");
    }
    let tls = match tls {
        TlsMode::None => Tls::None,
        TlsMode::Required => {
            let mut params = TlsParameters::builder(host.to_owned());
            for cert in ca.unwrap_or_default() {
                params = params.add_root_certificate(cert);
            }
            let params = params
                .build_rustls()
                .map_err(|e| anyhow!("[sidecar.mail] smtp_url: cannot set up TLS: {e}"))?;
            if implicit {
                Tls::Wrapper(params)
            } else {
                Tls::Required(params)
            }
        }
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(port)
        .tls(tls)
        .timeout(Some(Duration::from_secs(20)));
    if let Some(userinfo) = userinfo {
        let (user, pass) = userinfo.split_once(':').unwrap_or((userinfo, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        builder = builder.credentials(Credentials::new(decode(user), decode(pass)));
    }
    Ok(builder.build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_are_parsed() {
        assert!(smtp_transport("smtp://127.0.0.1:2525", TlsMode::None, None).is_ok());
        assert!(smtp_transport("smtp://user:pw@mail.example.com", TlsMode::Required, None).is_ok());
        assert!(smtp_transport("smtps://mail.example.com", TlsMode::Required, None).is_ok());
        let err = smtp_transport("smtps://mail.example.com", TlsMode::None, None)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("smtp_tls"), "{err}");
        assert!(smtp_transport("http://x", TlsMode::Required, None).is_err());
        assert!(smtp_transport("smtp://host:port", TlsMode::Required, None).is_err());
    }

    #[test]
    fn an_unknown_tls_mode_names_the_key() {
        let mail = MailConfig {
            smtp_tls: "maybe".into(),
            ..MailConfig::default()
        };
        let err = tls_mode(&mail)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("smtp_tls"), "{err}");
    }
}
