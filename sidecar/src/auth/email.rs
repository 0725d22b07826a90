//! E-mail addresses: normalisation (trimmed, lower-case) and a sanity check.

/// Trims and lower-cases an address, and checks that it looks like one.
/// The error is a message for the person who typed it.
pub fn normalize_email(input: &str) -> Result<String, &'static str> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        return Err("Enter your e-mail address.");
    }
    if email.len() > 254 || email.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("Enter a valid e-mail address, such as name@example.com.");
    }
    let Some((local, domain)) = email.rsplit_once('@') else {
        return Err("Enter a valid e-mail address, such as name@example.com.");
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
        return Err("Enter a valid e-mail address, such as name@example.com.");
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
