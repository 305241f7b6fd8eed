-- The IVR (issue 5): recorded messages attached to the tickets they became,
-- the call-back list of callers who hung up in the IVR (missed calls), and
-- surveys answered by keypad. Caller numbers are kept as in tickets (0005):
-- sealed with the caller-data key, plus a keyed BLAKE2b hash.
CREATE TABLE ivr_messages (
  id INTEGER PRIMARY KEY,
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  kind TEXT NOT NULL,                       -- the ticket type: mailbox, complaint, report, ...
  path TEXT NOT NULL,                       -- the WAV, as the PBX named it
  duration_ms INTEGER NOT NULL DEFAULT 0,
  call_uuid TEXT NOT NULL DEFAULT '',
  flow TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL
);
CREATE INDEX ivr_messages_ticket ON ivr_messages(ticket_id);

CREATE TABLE ivr_missed_calls (
  id INTEGER PRIMARY KEY,
  caller_phone_enc BLOB NOT NULL,
  caller_phone_hash BLOB NOT NULL,
  call_uuid TEXT NOT NULL DEFAULT '',
  flow TEXT NOT NULL DEFAULT '',
  node TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL,                     -- hangup | requested | ...
  at INTEGER NOT NULL,
  called_back_at INTEGER,
  called_back_by INTEGER REFERENCES users(id)
);
CREATE INDEX ivr_missed_calls_open ON ivr_missed_calls(at) WHERE called_back_at IS NULL;
CREATE INDEX ivr_missed_calls_caller ON ivr_missed_calls(caller_phone_hash, at);

CREATE TABLE surveys (
  id INTEGER PRIMARY KEY,
  title TEXT NOT NULL,
  active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
  created_at INTEGER NOT NULL
);
CREATE UNIQUE INDEX surveys_one_active ON surveys(active) WHERE active = 1;

CREATE TABLE survey_questions (
  id INTEGER PRIMARY KEY,
  survey_id INTEGER NOT NULL REFERENCES surveys(id),
  position INTEGER NOT NULL,
  text TEXT NOT NULL,
  max_answer INTEGER NOT NULL CHECK (max_answer BETWEEN 1 AND 9),
  UNIQUE (survey_id, position)
);

CREATE TABLE survey_answers (
  id INTEGER PRIMARY KEY,
  survey_id INTEGER NOT NULL REFERENCES surveys(id),
  question_id INTEGER NOT NULL REFERENCES survey_questions(id),
  answer INTEGER NOT NULL,
  caller_phone_hash BLOB,                   -- one caller's answers can be told apart, not who they are
  call_uuid TEXT NOT NULL DEFAULT '',
  answered_at INTEGER NOT NULL
);
CREATE INDEX survey_answers_question ON survey_answers(question_id, answer);
