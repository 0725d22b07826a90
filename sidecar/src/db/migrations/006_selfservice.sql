-- Self-service (issue 18): article feedback, suggestion counts, search
-- misses, contact requests confirmed by mail, and satisfaction ratings.
-- Nothing here holds an IP address; see docs/selfservice.md for what is
-- kept and for how long.

-- Keys the sidecar signs with (feedback tokens, rating links), made here
-- from SQLite's own randomness so every database has its own.
CREATE TABLE signing_keys (
    name       TEXT    PRIMARY KEY,
    key        TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
INSERT INTO signing_keys (name, key, created_at)
VALUES ('feedback', lower(hex(randomblob(32))), unixepoch()),
       ('rating', lower(hex(randomblob(32))), unixepoch());

-- One random salt per UTC day, for the keyed hashes that tell one visitor
-- from another for a day. A day's salt is deleted once the day is over,
-- and with it any way to recompute that day's hashes.
CREATE TABLE visitor_salts (
    day  INTEGER PRIMARY KEY,
    salt TEXT    NOT NULL
);

-- "Was this article helpful?": one row per vote, with no visitor in it.
CREATE TABLE article_votes (
    id         INTEGER PRIMARY KEY,
    article    TEXT    NOT NULL,
    lang       TEXT    NOT NULL,
    helpful    INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    comment    TEXT,
    created_at INTEGER NOT NULL
);
CREATE INDEX article_votes_by_time ON article_votes (created_at, article);

-- Who voted on what today: only keyed hashes of (visitor, article, day),
-- deleted with the day's salt.
CREATE TABLE vote_marks (
    mark TEXT    PRIMARY KEY,
    day  INTEGER NOT NULL
);

-- Searches that found nothing, counted per day (no visitor, no time).
CREATE TABLE search_misses (
    query TEXT    NOT NULL,
    lang  TEXT    NOT NULL,
    day   INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (query, lang, day)
);

-- Suggested articles on the ticket forms: counts per day, form and event.
CREATE TABLE suggestion_counts (
    day   INTEGER NOT NULL,
    form  TEXT    NOT NULL CHECK (form IN ('new_ticket', 'contact')),
    event TEXT    NOT NULL CHECK (event IN ('shown', 'opened', 'submitted')),
    count INTEGER NOT NULL,
    PRIMARY KEY (day, form, event)
);

-- A request sent through /contact, waiting for its sender to confirm it by
-- the mailed link; ticket_id once confirmed. The link keeps opening that
-- ticket until expires_at.
CREATE TABLE contact_requests (
    token_hash TEXT    PRIMARY KEY,
    name       TEXT    NOT NULL,
    email      TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    ticket_id  INTEGER REFERENCES tickets (id) ON DELETE CASCADE
);
CREATE INDEX contact_requests_by_expiry ON contact_requests (expires_at);

-- "How did we do?": one row per resolution of a ticket, rated at most once.
CREATE TABLE ticket_ratings (
    id         INTEGER PRIMARY KEY,
    ticket_id  INTEGER NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    resolution INTEGER NOT NULL,
    asked_at   INTEGER NOT NULL,
    rating     TEXT    CHECK (rating IN ('good', 'bad')),
    comment    TEXT,
    rated_at   INTEGER,
    UNIQUE (ticket_id, resolution)
);
CREATE INDEX ticket_ratings_by_time ON ticket_ratings (rated_at);
