//! Signed values without a session: HMAC-SHA-256 under a key the store
//! keeps ([`crate::db::feedback`] reads them), for the feedback widget's
//! tokens and the rating links mailed on resolve, and the keyed hashes that
//! tell one visitor from another for a day without storing who they are.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// HMAC-SHA-256 block size.
const BLOCK: usize = 64;

/// HMAC-SHA-256 of `message` under `key`, as 64 hex digits.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(block.map(|b| b ^ 0x36));
    inner.update(message);
    let mut outer = Sha256::new();
    outer.update(block.map(|b| b ^ 0x5c));
    outer.update(inner.finalize());
    hex::encode(outer.finalize())
}

/// `value.signature`, the signature binding `value` to `purpose`.
pub fn sign(key: &[u8], purpose: &str, value: &str) -> String {
    format!("{value}.{}", signature(key, purpose, value))
}

/// The value of a `value.signature` text signed for `purpose` under `key`,
/// when the signature is right (compared in constant time).
pub fn verify<'a>(key: &[u8], purpose: &str, signed: &'a str) -> Option<&'a str> {
    let (value, sig) = signed.rsplit_once('.')?;
    if sig.len() != 64 || value.is_empty() || value.len() > 200 {
        return None;
    }
    let expected = signature(key, purpose, value);
    bool::from(expected.as_bytes().ct_eq(sig.as_bytes())).then_some(value)
}

fn signature(key: &[u8], purpose: &str, value: &str) -> String {
    hmac_hex(key, format!("{purpose}\n{value}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_the_rfc_4231_vector() {
        // RFC 4231, test case 2.
        assert_eq!(
            hmac_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn a_signature_holds_only_for_its_key_purpose_and_value() {
        let signed = sign(b"k", "rating", "42");
        assert_eq!(verify(b"k", "rating", &signed), Some("42"));
        assert_eq!(verify(b"other", "rating", &signed), None);
        assert_eq!(verify(b"k", "feedback", &signed), None);
        let forged = signed.replacen("42", "43", 1);
        assert_eq!(verify(b"k", "rating", &forged), None);
        assert_eq!(verify(b"k", "rating", "42"), None);
        assert_eq!(verify(b"k", "rating", ""), None);
    }
}
