-- The language an account prefers for the portal and its mail (NULL: none
-- chosen; the portal then follows the browser, mail the site default).
ALTER TABLE accounts ADD COLUMN language TEXT;

-- A requested change of an account's address: the link mailed to the new
-- address (its token stored hashed) makes it take effect, once.
CREATE TABLE email_changes (
    token_hash TEXT    PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    new_email  TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
);
CREATE INDEX email_changes_by_account ON email_changes (account_id);
