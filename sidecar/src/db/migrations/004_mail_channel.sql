-- The mail channel: threading by Message-ID, inbound messages kept whole,
-- quoted history kept apart from what was written, agent-visible notices,
-- and what an outgoing mail needs to thread in the recipient's client.

-- Every Message-ID we sent or received for a ticket. `recipient` is set for
-- mail we sent (whom it went to): a mail from an agent's address is taken as
-- an agent reply only when it answers a Message-ID sent to that agent.
CREATE TABLE ticket_mail_ids (
    message_id TEXT    PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    direction  TEXT    NOT NULL CHECK (direction IN ('in', 'out')),
    recipient  TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX ticket_mail_ids_by_ticket ON ticket_mail_ids (ticket_id);

-- Each message that came in by mail, once: `dedupe_key` is its Message-ID
-- or, without one, a hash of the raw bytes. The raw message is kept (NULL
-- only when it was over the size limit) so nothing the sender wrote is lost.
CREATE TABLE inbound_mail (
    id          INTEGER PRIMARY KEY,
    dedupe_key  TEXT    NOT NULL UNIQUE,
    sender      TEXT    NOT NULL,
    outcome     TEXT    NOT NULL,
    ticket_id   INTEGER REFERENCES tickets (id) ON DELETE SET NULL,
    message_id  INTEGER REFERENCES ticket_messages (id) ON DELETE SET NULL,
    size        INTEGER NOT NULL,
    raw         BLOB,
    received_at INTEGER NOT NULL
);
CREATE INDEX inbound_mail_by_sender ON inbound_mail (sender, received_at);

-- Files attached to inbound mail, kept with the message until the
-- attachment store takes them over.
CREATE TABLE inbound_attachments (
    id           INTEGER PRIMARY KEY,
    inbound_id   INTEGER NOT NULL REFERENCES inbound_mail (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    data         BLOB    NOT NULL
);
CREATE INDEX inbound_attachments_by_inbound ON inbound_attachments (inbound_id);

-- How a message arrived, and the quoted history or signature that was
-- collapsed out of `body` (NULL when there was none).
ALTER TABLE ticket_messages ADD COLUMN via TEXT NOT NULL DEFAULT 'portal';
ALTER TABLE ticket_messages ADD COLUMN quoted TEXT;

-- A ticket started by a reply from someone who was not allowed to post in
-- the ticket it answered points at that ticket (agents see the link).
ALTER TABLE tickets ADD COLUMN related_ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL;

-- What happened to a ticket's mail that agents should know about (a
-- delivery failure, an oversized message), never shown to customers.
CREATE TABLE ticket_notices (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    detail     TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX ticket_notices_by_ticket ON ticket_notices (ticket_id, created_at);

-- Outgoing mail: the ticket it belongs to, its own Message-ID (chosen when
-- queued, so it is recorded with the ticket in the same transaction), the
-- threading headers, the HTML alternative and the RFC 3834 marker.
ALTER TABLE mail_queue ADD COLUMN ticket_id INTEGER REFERENCES tickets (id) ON DELETE SET NULL;
ALTER TABLE mail_queue ADD COLUMN message_id TEXT;
ALTER TABLE mail_queue ADD COLUMN in_reply_to TEXT;
ALTER TABLE mail_queue ADD COLUMN mail_references TEXT;
ALTER TABLE mail_queue ADD COLUMN html_body TEXT;
ALTER TABLE mail_queue ADD COLUMN auto_submitted TEXT;
