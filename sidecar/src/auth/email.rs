//! E-mail addresses: normalisation (trimmed, lower-case) and a sanity check.

/// Why a typed address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    /// Nothing was typed.
    #[error("Enter your e-mail address.")]
    Missing,
    /// What was typed is not an address.
    #[error("Enter a valid e-mail address, such as name@example.com.")]
    Invalid,
}

impl EmailError {
    /// The catalog key of the message the portal shows (the English text
    /// is the error's `Display`, for the command line).
    pub fn key(self) -> &'static str {
        match self {
            EmailError::Missing => "auth.email_missing",
            EmailError::Invalid => "auth.email_invalid",
        }
    }
}

/// Trims and lower-cases an address, and checks that it looks like one.
pub fn normalize_email(input: &str) -> Result<String, EmailError> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Err(EmailError::Missing);
    }
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(EmailError::Invalid);
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err(EmailError::Invalid);
    };
    let mut domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !domain.contains('@');
    let local_ok = !local.is_empty()
        && local
            .chars()
            .all(|c| c.is_alphanumeric() || "!#$%&'*+-/=?^_`{|}~.".contains(c));
    domain_ok = domain_ok
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if !local_ok || !domain_ok {
        return Err(EmailError::Invalid);
    }
    Ok(email)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_trimmed_and_lower_cased() {
        assert_eq!(
            normalize_email("  Alice@Example.COM ").unwrap(),
            "alice@example.com"
        );
    }

    #[test]
    fn things_that_are_not_addresses_are_refused() {
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.com",
            "a b@example.com",
            "a@b",
            "a@@b.com",
            "a@b..com",
        ] {
            assert!(normalize_email(bad).is_err(), "{bad:?}");
        }
    }
}
