-- Call recordings (F2, issue 4): one row per WAV file under the recordings
-- directory (stereo 8 kHz 16-bit: left the citizen, right the agent / IVR).
-- The caller's number is kept like the tickets' (0005): sealed with the
-- caller-data key, plus a keyed BLAKE2b hash to search by number.
CREATE TABLE recordings (
  id INTEGER PRIMARY KEY,
  call_uuid TEXT NOT NULL,                  -- calls.uuid; the call record may be written later
  legs TEXT NOT NULL DEFAULT '[]',          -- JSON array: SIP Call-IDs of the recorded legs
  agent TEXT NOT NULL DEFAULT '',           -- job number or extension of the agent; '' for IVR only
  caller_phone_enc BLOB,                    -- crypto_secretbox, as tickets.caller_phone_enc
  caller_phone_hash BLOB,                   -- keyed BLAKE2b of the normalised number
  started_at INTEGER NOT NULL,              -- ms since the epoch, UTC
  duration_ms INTEGER NOT NULL DEFAULT 0,
  size_bytes INTEGER NOT NULL DEFAULT 0,
  sha256 TEXT NOT NULL DEFAULT '',          -- hex, of the whole file as closed (or repaired)
  path TEXT NOT NULL UNIQUE,                -- relative to recordings.directory: YYYY/MM/DD/<call>.wav
  state TEXT NOT NULL CHECK (state IN ('open', 'complete', 'repaired', 'purged')),
  ticket_id INTEGER REFERENCES tickets(id),
  indexed_at INTEGER NOT NULL,
  purged_at INTEGER
);
CREATE INDEX recordings_started ON recordings(started_at);
CREATE INDEX recordings_call ON recordings(call_uuid);
CREATE INDEX recordings_agent ON recordings(agent, started_at);
CREATE INDEX recordings_caller ON recordings(caller_phone_hash, started_at) WHERE caller_phone_hash IS NOT NULL;
CREATE INDEX recordings_ticket ON recordings(ticket_id) WHERE ticket_id IS NOT NULL;
