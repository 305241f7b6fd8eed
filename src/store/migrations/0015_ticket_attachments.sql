-- Ticket attachments (D2, D3; issue 8): scanned letters, faxes and recordings
-- filed at the entry desk, files of a department's reply. The bytes are
-- content-addressed under DATA_DIR/attachments/<first two hex>/<sha256>
-- (src/tickets/attachments.cpp): a row holds the hash, never a path.
CREATE TABLE ticket_attachments (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  name TEXT NOT NULL,                       -- the original file name, sanitized
  content_type TEXT NOT NULL,               -- canonical, from the allowlist
  size INTEGER NOT NULL CHECK (size > 0),
  sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
  kind TEXT NOT NULL CHECK (kind IN ('file', 'reply')),  -- reply: part of a unit's 答复
  uploaded_by INTEGER,                      -- users.id; no FK, like ticket_history.actor_id
  uploaded_by_job TEXT NOT NULL,            -- the job number at the time
  uploaded_at INTEGER NOT NULL,             -- ms since the epoch, UTC
  deleted_at INTEGER,                       -- soft delete by the uploader or an admin
  deleted_by_job TEXT
);
CREATE INDEX ticket_attachments_by_ticket ON ticket_attachments(ticket_id, id);
CREATE INDEX ticket_attachments_by_sha256 ON ticket_attachments(sha256);
