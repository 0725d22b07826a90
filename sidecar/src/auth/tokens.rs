//! Random tokens (256 bits, hex) and the hash under which they are stored.

use sha2::{Digest, Sha256};

/// A fresh random token of 256 bits as 64 hex digits.
pub fn random_token() -> anyhow::Result<String> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    Ok(hex::encode(bytes))
}

/// The SHA-256 of a token, as stored in the database. Tokens are random and
/// long, so a fast hash suffices: a stolen database does not reveal them.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// Whether `text` has the shape of a token (so garbage never reaches SQL).
pub fn looks_like_token(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_distinct() {
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_ne!(a, b);
        assert!(looks_like_token(&a));
        assert_ne!(hash_token(&a), a);
        assert!(!looks_like_token("../../etc"));
    }
}
