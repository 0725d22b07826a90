-- A file's content moves to the last column of attachment_blobs.
--
-- SQLite writes zeroblob(n) without allocating it only when no column
-- with data follows it in the row. With `thumbnail` and `created_at`
-- after `data`, storing an n-byte file built the row in memory, two
-- n-byte buffers, so the sidecar's peak memory grew with the file size.
-- Reading `thumbnail` or `created_at` also walked the whole content.
--
-- Each row is rewritten once (content moved, old column emptied in the
-- same UPDATE, so the file does not double), then the emptied column is
-- dropped and the new one takes its name: the code is unchanged.
ALTER TABLE attachment_blobs ADD COLUMN content BLOB NOT NULL DEFAULT x'';
UPDATE attachment_blobs SET content = data, data = x'';
ALTER TABLE attachment_blobs DROP COLUMN data;
ALTER TABLE attachment_blobs RENAME COLUMN content TO data;
