//! What the command line does on the store without a running server:
//! `docket agent add` and `docket customer add`.

use anyhow::{Context, Result};

use crate::auth;
use crate::config::Options;
use crate::db::{self, accounts::Role};

/// Creates an account from the command line (blocking): the address is
/// normalised, the password checked against the rules and hashed. Agents
/// and CLI-made customers count as verified. Returns the normalised address.
pub fn add_account(options: &Options, role: Role, email: &str, password: &str) -> Result<String> {
    let email = auth::email::normalize_email(email).map_err(|m| anyhow::anyhow!("{m}"))?;
    auth::passwords::check_password_rules(password, &email).map_err(|m| anyhow::anyhow!("{m}"))?;
    let passwords = auth::passwords::Passwords::new_blocking(
        options.config.password_memory_kib,
        options.config.password_iterations,
    )?;
    let hash = passwords.hash_blocking(password)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(async {
        let db = db::Db::open(&options.database).await?;
        db.create_account(&email, &hash, role, true)
            .await
            .map_err(|e| anyhow::anyhow!("{e}: {email}"))?;
        Ok::<_, anyhow::Error>(())
    })?;
    Ok(email)
}
