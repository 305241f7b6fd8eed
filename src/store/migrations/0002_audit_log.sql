-- Who did what, when, from where (PRODUCT G1, G3). Each row carries the hash of
-- the row before it, so that an edit or a deletion breaks the chain.
CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  actor_id INTEGER,                         -- users.id when known; no FK: audit outlives everything
  actor TEXT NOT NULL,                      -- job number, or the name tried at a failed login
  action TEXT NOT NULL,                     -- e.g. auth.login, auth.login_failed, user.create
  target TEXT,
  detail TEXT,                              -- JSON
  remote_ip TEXT,
  prev_hash BLOB NOT NULL,
  hash BLOB NOT NULL
);
CREATE INDEX audit_by_time ON audit_log(at);
CREATE INDEX audit_by_actor ON audit_log(actor, at);

-- Rows may be added, never changed or removed.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
