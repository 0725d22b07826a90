-- Assignment of tickets to agents (issue 17) and canned replies.

-- The agent a ticket is assigned to (NULL: nobody). An assignee is always
-- an agent account: the store checks it when assigning, and an account
-- that stops being an agent (deleted or demoted) leaves its tickets
-- unassigned, each with an entry in the assignment log (triggers below).
ALTER TABLE tickets ADD COLUMN assignee_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL;
-- "Mine" and "Unassigned" in the agent inbox, newest update first.
CREATE INDEX tickets_by_assignee ON tickets (assignee_id, updated_at DESC, id DESC);

-- Every change of a ticket's assignee, shown to agents on the ticket page.
-- The addresses are copied so the log stays readable after an account
-- goes; actor NULL means the system (the assignee's account was removed or
-- demoted).
CREATE TABLE ticket_assignments (
    id               INTEGER PRIMARY KEY,
    ticket_id        INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    assignee_id      INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    assignee_email   TEXT,
    actor_account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    actor_email      TEXT,
    created_at       INTEGER NOT NULL
);
CREATE INDEX ticket_assignments_by_ticket ON ticket_assignments (ticket_id, created_at, id);

CREATE TRIGGER unassign_removed_agent BEFORE DELETE ON accounts
WHEN OLD.role = 'agent'
BEGIN
    INSERT INTO ticket_assignments (ticket_id, assignee_id, assignee_email, actor_account_id, actor_email, created_at)
    SELECT id, NULL, NULL, NULL, NULL, unixepoch() FROM tickets WHERE assignee_id = OLD.id;
    UPDATE tickets SET assignee_id = NULL WHERE assignee_id = OLD.id;
END;

CREATE TRIGGER unassign_demoted_agent AFTER UPDATE OF role ON accounts
WHEN OLD.role = 'agent' AND NEW.role <> 'agent'
BEGIN
    INSERT INTO ticket_assignments (ticket_id, assignee_id, assignee_email, actor_account_id, actor_email, created_at)
    SELECT id, NULL, NULL, NULL, NULL, unixepoch() FROM tickets WHERE assignee_id = NEW.id;
    UPDATE tickets SET assignee_id = NULL WHERE assignee_id = NEW.id;
END;

-- Canned replies ("macros"): a title and a Markdown body agents insert into
-- the reply box. Titles are unique, ignoring case.
CREATE TABLE canned_replies (
    id         INTEGER PRIMARY KEY,
    title      TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_by INTEGER REFERENCES accounts (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX canned_replies_by_title ON canned_replies (title COLLATE NOCASE);
