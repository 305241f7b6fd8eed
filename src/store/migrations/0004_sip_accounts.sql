-- SIP accounts: agents' desk phones and internal extensions register with
-- these (PRODUCT A1, F1). Only H(A1) per digest algorithm is stored
-- (RFC 8760 §3), never the password; it is bound to the realm it was made
-- for, so changing sip.realm means setting the passwords again.
CREATE TABLE sip_accounts (
  id INTEGER PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,            -- the extension, e.g. 8001
  display_name TEXT NOT NULL,
  realm TEXT NOT NULL,
  ha1_md5 TEXT NOT NULL,                    -- hex MD5(username:realm:password)
  ha1_sha256 TEXT NOT NULL,                 -- hex SHA-256(username:realm:password)
  enabled INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
  user_id INTEGER REFERENCES users(id),     -- the agent this phone belongs to, if any
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
);
