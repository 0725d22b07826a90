-- Attached files. Each distinct content is stored once, addressed by its
-- SHA-256, with its sniffed type and (for raster images) a thumbnail made
-- when it was stored. A message names its files with the name given for
-- display; the blob cannot be deleted while a message names it.
CREATE TABLE attachment_blobs (
    id           INTEGER PRIMARY KEY,
    sha256       TEXT    NOT NULL UNIQUE,
    size         INTEGER NOT NULL,
    content_type TEXT    NOT NULL,
    data         BLOB    NOT NULL,
    thumbnail    BLOB,
    created_at   INTEGER NOT NULL
);

CREATE TABLE message_attachments (
    id         INTEGER PRIMARY KEY,
    message_id INTEGER NOT NULL REFERENCES ticket_messages (id) ON DELETE CASCADE,
    blob_id    INTEGER NOT NULL REFERENCES attachment_blobs (id),
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX message_attachments_by_message ON message_attachments (message_id);
CREATE INDEX message_attachments_by_blob ON message_attachments (blob_id);

-- Files of inbound mail that did not become a message (dropped mail,
-- notices) stay in inbound_attachments with the raw mail; the files of
-- mail that became a message move into the store above, in Rust, right
-- after this script (the hash needs code): see db::attachments::adopt_inbound.
