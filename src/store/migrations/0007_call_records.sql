-- Call records (switching-core issue): one row per call and one per leg.
-- A leg is one SIP dialog of the B2BUA (the citizen's, the agent's, a
-- transfer target's). Numbers are kept whole: callbacks and reports need
-- them; the logs never carry them.
ALTER TABLE sip_accounts ADD COLUMN class_of_service TEXT NOT NULL DEFAULT 'all';

CREATE TABLE calls (
  id INTEGER PRIMARY KEY,
  uuid TEXT NOT NULL UNIQUE,
  caller TEXT NOT NULL,                -- the calling number (From user)
  dialled TEXT NOT NULL,               -- the number as dialled (Request-URI user)
  source TEXT NOT NULL,                -- trunk:NAME or extension:NUM
  route TEXT NOT NULL,                 -- what the dial plan chose: echo, extension:8001, trunk:NAME, ...
  started_at INTEGER NOT NULL,         -- ms since the epoch, UTC
  answered_at INTEGER,
  ended_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,        -- start to end
  talk_ms INTEGER NOT NULL,            -- answer to end, 0 when unanswered
  status INTEGER NOT NULL,             -- the final SIP status the caller got
  hangup_cause TEXT NOT NULL,          -- normal, cancel, busy, no_answer, rejected, timeout, failed, shutdown, ...
  hangup_side TEXT NOT NULL            -- caller, callee, system
);
CREATE INDEX calls_started ON calls(started_at);
CREATE INDEX calls_caller ON calls(caller, started_at);

CREATE TABLE call_legs (
  id INTEGER PRIMARY KEY,
  call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
  leg_index INTEGER NOT NULL,          -- 0 the caller, then in order of creation
  role TEXT NOT NULL,                  -- caller, callee, transfer
  sip_call_id TEXT NOT NULL,
  from_uri TEXT NOT NULL,
  to_uri TEXT NOT NULL,
  endpoint TEXT NOT NULL,              -- trunk:NAME, extension:NUM, echo
  started_at INTEGER NOT NULL,
  answered_at INTEGER,
  ended_at INTEGER NOT NULL,
  duration_ms INTEGER NOT NULL,
  status INTEGER NOT NULL,             -- final SIP status of the leg's INVITE
  hangup_cause TEXT NOT NULL,
  hangup_side TEXT NOT NULL,           -- this leg's party, the other party, system
  codec TEXT NOT NULL DEFAULT '',
  media_address TEXT NOT NULL DEFAULT '', -- where its RTP came from (latched)
  packets_in INTEGER NOT NULL DEFAULT 0,  -- from the leg's party to us
  packets_out INTEGER NOT NULL DEFAULT 0,
  bytes_in INTEGER NOT NULL DEFAULT 0,
  bytes_out INTEGER NOT NULL DEFAULT 0,
  lost_in INTEGER NOT NULL DEFAULT 0,     -- sequence gaps we saw
  jitter_in_ms REAL NOT NULL DEFAULT 0,
  lost_out INTEGER NOT NULL DEFAULT 0,    -- as the party's RTCP reports
  jitter_out_ms REAL NOT NULL DEFAULT 0,
  UNIQUE (call_id, leg_index)
);
