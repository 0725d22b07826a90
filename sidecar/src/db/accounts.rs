//! Accounts: who may sign in, with which role, and whether their address is
//! verified.

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Row};
use serde::Serialize;

use super::{now, Db};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Reads its own tickets; created by self-registration or the CLI.
    Customer,
    /// Reads the internal bundle and every ticket; created by the CLI only.
    Agent,
}

impl Role {
    /// The name stored in the database and shown in `/api/session`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "customer" => Some(Role::Customer),
            "agent" => Some(Role::Agent),
            _ => None,
        }
    }
}

/// The password hash of a self-registered account whose owner has not yet
/// confirmed the address: not a PHC string, so no password matches it. The
/// password is chosen on the verification page, by whoever proves the
/// mailbox.
pub const NO_PASSWORD_YET: &str = "!";

/// An account as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// Row id.
    pub id: i64,
    /// Normalised e-mail address.
    pub email: String,
    /// Argon2id PHC string.
    pub password_hash: String,
    /// What the account may do.
    pub role: Role,
    /// Whether the address has been verified.
    pub verified: bool,
    /// The language chosen on the profile page, if any.
    pub language: Option<String>,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    /// The address already has an account.
    #[error("an account with this address already exists")]
    Taken,
    /// Anything else.
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub(crate) fn account_from_row(row: &Row<'_>) -> rusqlite::Result<Account> {
    let role: String = row.get("role")?;
    let verified_at: Option<i64> = row.get("verified_at")?;
    Ok(Account {
        id: row.get("id")?,
        email: row.get("email")?,
        password_hash: row.get("password_hash")?,
        role: Role::parse(&role).unwrap_or(Role::Customer),
        verified: verified_at.is_some(),
        language: row.get("language")?,
    })
}

/// The id of the account with address `email`, if there is one (inside a
/// write that records who wrote something).
pub(crate) fn account_id_of(
    tx: &rusqlite::Transaction<'_>,
    email: &str,
) -> rusqlite::Result<Option<i64>> {
    use rusqlite::OptionalExtension;
    tx.query_row("SELECT id FROM accounts WHERE email = ?1", [email], |r| {
        r.get(0)
    })
    .optional()
}

impl Db {
    /// Creates an account; `email` must already be normalised.
    pub async fn create_account(
        &self,
        email: &str,
        password_hash: &str,
        role: Role,
        verified: bool,
    ) -> Result<i64, CreateAccountError> {
        let email = email.to_owned();
        let hash = password_hash.to_owned();
        let created = self
            .write(move |tx| {
                let t = now();
                let inserted = tx.execute(
                    "INSERT INTO accounts (email, password_hash, role, verified_at, created_at)
                     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (email) DO NOTHING",
                    params![email, hash, role.as_str(), verified.then_some(t), t],
                )?;
                Ok((inserted == 1).then(|| tx.last_insert_rowid()))
            })
            .await?;
        created.ok_or(CreateAccountError::Taken)
    }

    /// The account with this (normalised) address, if any.
    pub async fn account_by_email(&self, email: &str) -> Result<Option<Account>> {
        let email = email.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT * FROM accounts WHERE email = ?1",
                [email],
                account_from_row,
            )
            .optional()
        })
        .await
    }

    /// Replaces an account's password hash and ends every session of the
    /// account.
    pub async fn set_password_and_end_sessions(
        &self,
        account_id: i64,
        password_hash: &str,
    ) -> Result<()> {
        let hash = password_hash.to_owned();
        self.write(move |tx| {
            tx.execute(
                "UPDATE accounts SET password_hash = ?2 WHERE id = ?1",
                params![account_id, hash],
            )?;
            tx.execute("DELETE FROM sessions WHERE account_id = ?1", [account_id])?;
            Ok(())
        })
        .await
    }

    /// The account with this id, if it still exists.
    pub async fn account_by_id(&self, id: i64) -> Result<Option<Account>> {
        self.read(move |c| {
            c.query_row(
                "SELECT * FROM accounts WHERE id = ?1",
                [id],
                account_from_row,
            )
            .optional()
        })
        .await
    }

    /// Records the language an account prefers (`None`: no preference).
    pub async fn set_account_language(&self, id: i64, language: Option<String>) -> Result<()> {
        self.write(move |tx| {
            tx.execute(
                "UPDATE accounts SET language = ?2 WHERE id = ?1",
                params![id, language],
            )?;
            Ok(())
        })
        .await
    }

    /// Ends every session of an account but `keep` (the one asking);
    /// returns how many ended.
    pub async fn end_other_sessions(&self, account_id: i64, keep: Option<i64>) -> Result<usize> {
        self.write(move |tx| {
            tx.execute(
                "DELETE FROM sessions WHERE account_id = ?1 AND id IS NOT ?2",
                params![account_id, keep],
            )
        })
        .await
    }
}
