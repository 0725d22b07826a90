-- Tickets, their messages, the log of status changes and the mailed
-- single-use links that open one ticket without an account.
CREATE TABLE tickets (
    id         INTEGER PRIMARY KEY,
    ref        TEXT    NOT NULL UNIQUE,
    subject    TEXT    NOT NULL,
    requester  TEXT    NOT NULL,
    status     TEXT    NOT NULL
               CHECK (status IN ('new', 'open', 'pending', 'resolved', 'closed')),
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
-- "My Tickets" (newest first) and the agent inbox, with or without a status.
CREATE INDEX tickets_by_requester ON tickets (requester, updated_at DESC, id DESC);
CREATE INDEX tickets_by_status ON tickets (status, updated_at DESC, id DESC);
CREATE INDEX tickets_by_updated ON tickets (updated_at DESC, id DESC);

-- author_email keeps imported authors that have no account.
CREATE TABLE ticket_messages (
    id                INTEGER PRIMARY KEY,
    ticket_id         INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    author_role       TEXT    NOT NULL CHECK (author_role IN ('customer', 'agent')),
    author_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    author_email      TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    internal          INTEGER NOT NULL DEFAULT 0 CHECK (internal IN (0, 1)),
    created_at        INTEGER NOT NULL
);
CREATE INDEX ticket_messages_by_ticket ON ticket_messages (ticket_id, created_at, id);

-- Every status change: who (role 'system' for imports), from what, to what.
CREATE TABLE ticket_events (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    from_status      TEXT,
    to_status        TEXT    NOT NULL,
    actor_role       TEXT    NOT NULL CHECK (actor_role IN ('customer', 'agent', 'system')),
    actor_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX ticket_events_by_ticket ON ticket_events (ticket_id, created_at, id);

-- A mailed link: the token (hashed) works once; opening it hands the browser
-- a grant (hashed here, raw in a cookie scoped to the link's path) and a
-- CSRF token for the reply form, both valid until grant_expires_at.
CREATE TABLE ticket_links (
    token_hash       TEXT    PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    created_at       INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    used_at          INTEGER,
    grant_hash       TEXT,
    grant_expires_at INTEGER,
    csrf_token       TEXT
);
CREATE INDEX ticket_links_by_ticket ON ticket_links (ticket_id);
