-- Users, their roles and login sessions (PRODUCT G1).
CREATE TABLE users (
  id INTEGER PRIMARY KEY,
  job_number TEXT NOT NULL UNIQUE,          -- 工号, the login name
  display_name TEXT NOT NULL,
  password_hash TEXT NOT NULL,              -- libsodium argon2id string
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER,                     -- unix ms; NULL when not locked
  password_changed_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);

CREATE TABLE user_roles (
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'entry_clerk', 'department_staff', 'admin', 'auditor')),
  PRIMARY KEY (user_id, role)
) WITHOUT ROWID;

CREATE TABLE sessions (
  token_hash BLOB PRIMARY KEY,              -- BLAKE2b of the token; the token itself is never stored
  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  remote_ip TEXT
) WITHOUT ROWID;
CREATE INDEX sessions_by_user ON sessions(user_id);
CREATE INDEX sessions_by_expiry ON sessions(expires_at);
