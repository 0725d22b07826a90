//! Passwords: the rules a new password must meet and Argon2id hashing.
//!
//! Hashing and verifying are CPU-heavy; callers run them on the blocking
//! pool ([`Passwords::hash`] and [`Passwords::verify`] do so themselves).
//! Verification of an unknown address runs against a dummy hash so that it
//! takes as long as for a real one.

use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use argon2::{Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version};

/// Shortest accepted password, in characters.
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longest accepted password, in characters.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// Which rule a new password breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PasswordRule {
    /// Fewer than [`MIN_PASSWORD_CHARS`] characters.
    #[error("Use at least {MIN_PASSWORD_CHARS} characters for your password.")]
    TooShort,
    /// More than [`MAX_PASSWORD_CHARS`] characters.
    #[error("Use at most {MAX_PASSWORD_CHARS} characters for your password.")]
    TooLong,
    /// The account's own address.
    #[error("Your password must not be your e-mail address.")]
    IsEmail,
    /// Fewer than four different characters.
    #[error("Use a password with more different characters.")]
    TooSimple,
}

impl PasswordRule {
    /// The catalog key of the message the portal shows (the English text
    /// is the error's `Display`, for the command line). The catalogs write
    /// the limits out; a test keeps them equal to the constants.
    pub fn key(self) -> &'static str {
        match self {
            PasswordRule::TooShort => "auth.password_too_short",
            PasswordRule::TooLong => "auth.password_too_long",
            PasswordRule::IsEmail => "auth.password_is_email",
            PasswordRule::TooSimple => "auth.password_too_simple",
        }
    }
}

/// Checks a new password against the rules.
pub fn check_password_rules(password: &str, email: &str) -> Result<(), PasswordRule> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordRule::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordRule::TooLong);
    }
    if password.trim().to_lowercase() == email.trim().to_lowercase() {
        return Err(PasswordRule::IsEmail);
    }
    let mut distinct: Vec<char> = password.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(PasswordRule::TooSimple);
    }
    Ok(())
}

/// Argon2id with the configured cost, plus a dummy hash for unknown users.
/// At most a few hashes run at once (each takes `memory_kib` of memory), so
/// a flood of logins queues instead of exhausting memory.
#[derive(Clone)]
pub struct Passwords {
    params: Params,
    dummy_hash: Arc<str>,
    running: Arc<tokio::sync::Semaphore>,
}

impl std::fmt::Debug for Passwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Passwords").finish_non_exhaustive()
    }
}

impl Passwords {
    /// Prepares hashing with `memory_kib` KiB and `iterations` passes.
    /// Blocking (it computes the dummy hash).
    pub fn new_blocking(memory_kib: u32, iterations: u32) -> Result<Self> {
        let params = Params::new(memory_kib, iterations, 1, None)
            .map_err(|e| anyhow!("invalid password hashing parameters: {e}"))?;
        let dummy = hash_with(&params, "docket dummy password for unknown users")?;
        let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
        Ok(Self {
            params,
            dummy_hash: dummy.into(),
            running: Arc::new(tokio::sync::Semaphore::new(parallel * 2)),
        })
    }

    /// Hashes a password into a PHC string, off the async runtime.
    pub async fn hash(&self, password: String) -> Result<String> {
        let params = self.params.clone();
        let _permit = self
            .running
            .acquire()
            .await
            .context("password hashing stopped")?;
        tokio::task::spawn_blocking(move || hash_with(&params, &password))
            .await
            .context("password hashing task failed")?
    }

    /// Hashes a password on the calling thread (for the command line).
    pub fn hash_blocking(&self, password: &str) -> Result<String> {
        hash_with(&self.params, password)
    }

    /// Whether `password` matches `stored` (a PHC string); with `None`, the
    /// password is checked against the dummy hash and the answer is `false`.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool> {
        let dummy = Arc::clone(&self.dummy_hash);
        let _permit = self
            .running
            .acquire()
            .await
            .context("password hashing stopped")?;
        tokio::task::spawn_blocking(move || {
            let known = stored.is_some();
            let hash = stored.as_deref().unwrap_or(&dummy);
            let ok = Argon2::default()
                .verify_password(password.as_bytes(), hash)
                .is_ok();
            ok && known
        })
        .await
        .context("password verification task failed")
    }
}

fn hash_with(params: &Params, password: &str) -> Result<String> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| anyhow!("cannot hash password: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_repetitive_passwords_are_refused_with_a_reason() {
        let short = check_password_rules("short", "a@b.com").unwrap_err();
        assert_eq!(short, PasswordRule::TooShort);
        assert!(short.to_string().contains("at least 10"));
        assert_eq!(
            check_password_rules("aaaaaaaaaaaa", "a@b.com"),
            Err(PasswordRule::TooSimple)
        );
        assert_eq!(
            check_password_rules("alice@example.com", "Alice@example.com"),
            Err(PasswordRule::IsEmail)
        );
        assert!(check_password_rules("correct horse battery", "a@b.com").is_ok());
    }

    /// The catalogs write the limits out: they must be these constants.
    #[test]
    fn every_language_states_the_limits_the_rules_apply() {
        let catalogs = docket_i18n::Catalogs::built_in().unwrap();
        for lang in catalogs.languages() {
            let short = catalogs.plain(lang, PasswordRule::TooShort.key());
            let long = catalogs.plain(lang, PasswordRule::TooLong.key());
            assert!(
                short.contains(&MIN_PASSWORD_CHARS.to_string()),
                "{lang}: {short}"
            );
            assert!(
                long.contains(&MAX_PASSWORD_CHARS.to_string()),
                "{lang}: {long}"
            );
        }
    }

    #[tokio::test]
    async fn a_hash_verifies_its_password_only() {
        let p = Passwords::new_blocking(8, 1).unwrap();
        let hash = p.hash("correct horse battery".into()).await.unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(p
            .verify("correct horse battery".into(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!p.verify("wrong horse".into(), Some(hash)).await.unwrap());
        assert!(!p
            .verify("docket dummy password for unknown users".into(), None)
            .await
            .unwrap());
    }
}
