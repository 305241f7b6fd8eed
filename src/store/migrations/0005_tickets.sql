-- Work orders (工单, PRODUCT D1-D5, D8, G3). The caller's name and phone are
-- stored only sealed with libsodium (caller_*_enc) plus a keyed BLAKE2b hash of
-- the normalised phone for look-ups: the plain number never reaches this file.

-- Departments become the agent's directory (B6) and dispatch targets (D3).
ALTER TABLE departments ADD COLUMN office_phone TEXT;

-- Default handling unit per category (派单目录); the longest matching code
-- prefix wins, so a rule for '03' covers '0301' unless '0301' has its own.
CREATE TABLE dispatch_catalogue (
  category_code TEXT PRIMARY KEY,
  department_id INTEGER NOT NULL REFERENCES departments(id),
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per day (Asia/Shanghai, 'YYYYMMDD'): the last sequence handed out.
CREATE TABLE ticket_sequences (
  day TEXT PRIMARY KEY,
  last INTEGER NOT NULL
) WITHOUT ROWID;

CREATE TABLE tickets (
  id INTEGER PRIMARY KEY,
  number TEXT NOT NULL UNIQUE,              -- e.g. 2026112800123: day + daily sequence
  type TEXT NOT NULL CHECK (type IN ('consultation', 'help', 'complaint', 'report', 'suggestion', 'praise',
                                     'mailbox', 'other')),
  channel TEXT NOT NULL CHECK (channel IN ('phone', 'ivr_message', 'letter', 'fax', 'email', 'web', 'api')),
  category_code TEXT NOT NULL,
  urgency TEXT NOT NULL CHECK (urgency IN ('normal', 'urgent', 'extra_urgent')),
  complex INTEGER NOT NULL DEFAULT 0 CHECK (complex IN (0, 1)),
  location TEXT NOT NULL DEFAULT '',
  summary TEXT NOT NULL,
  content TEXT NOT NULL DEFAULT '',
  caller_name_enc BLOB,                     -- crypto_secretbox: version byte, nonce, ciphertext
  caller_phone_enc BLOB,
  caller_phone_hash BLOB,                   -- keyed BLAKE2b of the normalised number
  confidential INTEGER NOT NULL DEFAULT 0 CHECK (confidential IN (0, 1)),
  state TEXT NOT NULL,
  lead_department_id INTEGER REFERENCES departments(id),
  referred_to TEXT,                         -- 110, 119, 120 or 122
  reply TEXT,                               -- the department's answer (答复)
  satisfaction TEXT CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
  version INTEGER NOT NULL DEFAULT 1,       -- optimistic concurrency: bumped by every change
  sign_due INTEGER,                         -- unix ms
  reply_due INTEGER,
  close_due INTEGER,
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  merged_into INTEGER REFERENCES tickets(id)  -- 并单: the master of a merged repeat request
);
CREATE INDEX tickets_by_state ON tickets(state, id);
CREATE INDEX tickets_by_phone ON tickets(caller_phone_hash) WHERE caller_phone_hash IS NOT NULL;
CREATE INDEX tickets_by_lead ON tickets(lead_department_id, state);
CREATE INDEX tickets_by_created ON tickets(created_at);
CREATE INDEX tickets_merged ON tickets(merged_into) WHERE merged_into IS NOT NULL;

-- Lead (主办) and assisting (协办) units. A re-dispatch ends the old rows
-- (ended_at) instead of deleting them, so who had the ticket stays known.
CREATE TABLE ticket_assignments (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  department_id INTEGER NOT NULL REFERENCES departments(id),
  role TEXT NOT NULL CHECK (role IN ('lead', 'assist')),
  assigned_at INTEGER NOT NULL,
  ended_at INTEGER
);
CREATE INDEX assignments_by_ticket ON ticket_assignments(ticket_id);
CREATE INDEX assignments_open_by_department ON ticket_assignments(department_id, ticket_id) WHERE ended_at IS NULL;

-- Every change of a ticket (D8): who, when, what, why.
CREATE TABLE ticket_history (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  at INTEGER NOT NULL,
  actor_id INTEGER,                         -- users.id when known; no FK, like audit_log
  actor TEXT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT,
  to_state TEXT,
  reason TEXT,
  changes TEXT                              -- JSON {"field": [old, new], ...}
);
CREATE INDEX history_by_ticket ON ticket_history(ticket_id, id);

CREATE TRIGGER ticket_history_no_update BEFORE UPDATE ON ticket_history
BEGIN SELECT RAISE(ABORT, 'ticket_history is append-only'); END;
CREATE TRIGGER ticket_history_no_delete BEFORE DELETE ON ticket_history
BEGIN SELECT RAISE(ABORT, 'ticket_history is append-only'); END;

-- Timed reminders (定时催办) set by operators; fired_at makes firing happen once.
CREATE TABLE reminders (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  due_at INTEGER NOT NULL,
  note TEXT NOT NULL DEFAULT '',
  created_by INTEGER REFERENCES users(id),
  created_at INTEGER NOT NULL,
  fired_at INTEGER
);
CREATE INDEX reminders_pending ON reminders(due_at) WHERE fired_at IS NULL;
