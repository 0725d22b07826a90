//! Single-use account tokens: address verification and password reset.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::accounts::{account_from_row, Account};
use super::{now, Db};

/// What a token is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPurpose {
    /// Opens `/verify`.
    Verify,
    /// Opens `/password/reset`.
    Reset,
}

impl TokenPurpose {
    fn as_str(self) -> &'static str {
        match self {
            TokenPurpose::Verify => "verify",
            TokenPurpose::Reset => "reset",
        }
    }
}

impl Db {
    /// Stores a token (its hash) for `account_id`, valid until `expires_at`.
    pub async fn create_account_token(
        &self,
        purpose: TokenPurpose,
        account_id: i64,
        token_hash: &str,
        expires_at: i64,
    ) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| {
            tx.execute(
                "INSERT INTO account_tokens (token_hash, purpose, account_id, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![token_hash, purpose.as_str(), account_id, now(), expires_at],
            )?;
            Ok(())
        })
        .await
    }

    /// The account of a usable (unused, unexpired) token, without using it.
    pub async fn peek_account_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
    ) -> Result<Option<Account>> {
        let token_hash = token_hash.to_owned();
        self.read(move |c| {
            c.query_row(
                "SELECT a.* FROM account_tokens t JOIN accounts a ON a.id = t.account_id
                 WHERE t.token_hash = ?1 AND t.purpose = ?2 AND t.used_at IS NULL
                   AND t.expires_at > ?3",
                params![token_hash, purpose.as_str(), now()],
                account_from_row,
            )
            .optional()
        })
        .await
    }

    /// Uses a verification token: the one who proved the mailbox sets the
    /// account's password. In one transaction the token and every other
    /// verification token of the account are spent, the password hash is
    /// replaced, the account is marked verified and every session of the
    /// account ends (a squatter's included). `None` when the token is
    /// unknown, used or expired.
    pub async fn use_verify_token(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<i64>> {
        self.set_password_by_token(TokenPurpose::Verify, token_hash, password_hash)
            .await
    }

    /// Uses a reset token: sets the new password hash, ends every session of
    /// the account and spends the account's other reset tokens. `None` when
    /// the token is unknown, used or expired.
    pub async fn use_reset_token(
        &self,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<i64>> {
        self.set_password_by_token(TokenPurpose::Reset, token_hash, password_hash)
            .await
    }

    /// Spends a token of `purpose` and, in the same transaction, replaces
    /// the account's password hash, marks it verified (its mailbox was just
    /// proven), ends every session of the account and spends its other
    /// tokens of that purpose.
    async fn set_password_by_token(
        &self,
        purpose: TokenPurpose,
        token_hash: &str,
        password_hash: &str,
    ) -> Result<Option<i64>> {
        let token_hash = token_hash.to_owned();
        let password_hash = password_hash.to_owned();
        self.write(move |tx| {
            let Some(account_id) = consume(tx, purpose, &token_hash)? else {
                return Ok(None);
            };
            let t = now();
            tx.execute(
                "UPDATE accounts SET password_hash = ?2, verified_at = COALESCE(verified_at, ?3)
                 WHERE id = ?1",
                params![account_id, password_hash, t],
            )?;
            tx.execute("DELETE FROM sessions WHERE account_id = ?1", [account_id])?;
            tx.execute(
                "UPDATE account_tokens SET used_at = ?2
                 WHERE account_id = ?1 AND purpose = ?3 AND used_at IS NULL",
                params![account_id, t, purpose.as_str()],
            )?;
            Ok(Some(account_id))
        })
        .await
    }
}

fn consume(
    tx: &rusqlite::Transaction<'_>,
    purpose: TokenPurpose,
    token_hash: &str,
) -> rusqlite::Result<Option<i64>> {
    tx.query_row(
        "UPDATE account_tokens SET used_at = ?3
         WHERE token_hash = ?1 AND purpose = ?2 AND used_at IS NULL AND expires_at > ?3
         RETURNING account_id",
        params![token_hash, purpose.as_str(), now()],
        |row| row.get(0),
    )
    .optional()
}
