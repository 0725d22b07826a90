-- Agent notifications may be combined into one digest mail: `digest` marks
-- them, and the index finds an address's recent ones when a new one is
-- queued.
ALTER TABLE mail_queue ADD COLUMN digest INTEGER NOT NULL DEFAULT 0;
CREATE INDEX mail_queue_digest ON mail_queue (recipient, created_at) WHERE digest = 1;
