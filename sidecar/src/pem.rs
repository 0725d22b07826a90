//! Reading PEM certificate files named in the configuration (a private
//! CA for the SMTP relay or the IMAP server), with errors that name the
//! setting and the file.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::CertificateDer;

/// Every certificate in the PEM file at `path`, named by the setting
/// `key` (such as `[sidecar.mail] smtp_ca_file`) in errors. A file without
/// any certificate is an error too.
pub fn read_certificates(path: &Path, key: &str) -> Result<Vec<CertificateDer<'static>>> {
    let pem =
        std::fs::read(path).with_context(|| format!("{key}: cannot read {}", path.display()))?;
    let certs = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| {
            anyhow!(
                "{key}: {} holds an invalid certificate: {e}",
                path.display()
            )
        })?;
    if certs.is_empty() {
        bail!("{key}: {} holds no PEM certificate", path.display());
    }
    Ok(certs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_setting_and_the_file() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let empty = dir.path().join("empty.pem");
        std::fs::write(&empty, "no certificate here\n").unwrap_or_else(|e| panic!("{e}"));
        let err = read_certificates(&empty, "[x] ca_file")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("[x] ca_file") && err.contains("empty.pem") && err.contains("no PEM"),
            "{err}"
        );
        let missing = read_certificates(&dir.path().join("missing.pem"), "[x] ca_file")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(missing.contains("cannot read"), "{missing}");
    }
}
