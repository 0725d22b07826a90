//! Opening a logged-in IMAP session over TLS: implicit TLS for `imaps://`,
//! STARTTLS (refused if the server does not offer it) for `imap://`. The
//! certificate is checked against the system's roots plus
//! `[sidecar.mail.inbound] ca_file`.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail, Context, Result};
use async_imap::{Client, Session};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::rustls::{self, pki_types};
use tokio_rustls::TlsConnector;

use super::source::{Security, Source};

/// A logged-in session.
pub type ImapSession = Session<TlsStream<TcpStream>>;

/// How long connecting, the TLS handshake and logging in may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);

/// The TLS settings for the server: the platform's roots plus the PEM
/// certificates in `ca_file`.
pub fn tls_connector(ca_file: Option<&Path>) -> Result<TlsConnector> {
    let extra = match ca_file {
        Some(path) => crate::pem::read_certificates(path, "[sidecar.mail.inbound] ca_file")?,
        None => Vec::new(),
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier =
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, Arc::clone(&provider))
            .map_err(|e| {
                anyhow!("[sidecar.mail.inbound] cannot load the trusted certificates: {e}")
            })?;
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| anyhow!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    Ok(TlsConnector::from(Arc::new(config)))
}

/// Connects, secures the connection and logs in.
pub async fn open(source: &Source, tls: &TlsConnector) -> Result<ImapSession> {
    tokio::time::timeout(CONNECT_TIMEOUT, open_now(source, tls))
        .await
        .map_err(|_| anyhow!("{source}: no answer within {CONNECT_TIMEOUT:?}"))?
}

async fn open_now(source: &Source, tls: &TlsConnector) -> Result<ImapSession> {
    let tcp = TcpStream::connect((source.host.as_str(), source.port))
        .await
        .with_context(|| format!("{source}: cannot connect"))?;
    let name = pki_types::ServerName::try_from(source.host.clone())
        .map_err(|e| anyhow!("{source}: {:?} is not a host name: {e}", source.host))?;
    let client = match source.security {
        Security::Implicit => {
            let stream = tls
                .connect(name, tcp)
                .await
                .with_context(|| format!("{source}: TLS handshake failed"))?;
            let mut client = Client::new(stream);
            greeting(&mut client, source).await?;
            client
        }
        Security::StartTls => {
            let mut plain = Client::new(tcp);
            greeting(&mut plain, source).await?;
            plain.run_command_and_check_ok("STARTTLS", None).await.map_err(|e| {
                anyhow!("{source}: the server refused STARTTLS ({e}); docket does not log in without TLS")
            })?;
            let stream = tls
                .connect(name, plain.into_inner())
                .await
                .with_context(|| format!("{source}: TLS handshake after STARTTLS failed"))?;
            Client::new(stream)
        }
    };
    client
        .login(&source.user, &source.password)
        .await
        .map_err(|(e, _)| anyhow!("{source}: login refused: {e}"))
}

/// Reads the server's greeting; a `BYE` or a closed connection is an error.
async fn greeting<T>(client: &mut Client<T>, source: &Source) -> Result<()>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    match client.read_response().await {
        Ok(Some(response)) => match response.parsed() {
            async_imap::imap_proto::Response::Data {
                status: async_imap::imap_proto::Status::Ok,
                ..
            } => Ok(()),
            other => bail!("{source}: the server's greeting is not OK: {other:?}"),
        },
        Ok(None) => bail!("{source}: the server closed the connection before greeting"),
        Err(e) => Err(anyhow!("{source}: reading the greeting failed: {e}")),
    }
}
