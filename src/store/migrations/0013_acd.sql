-- The ACD (issue 6): queues and memberships managed through the API (config
-- queues are the starting set), the queue event log and the agent state log
-- (C6: every KPI of the reports recomputes from these two), and callbacks in
-- queue that keep a caller's place across a restart.
CREATE TABLE acd_queues (
  name TEXT PRIMARY KEY,
  settings TEXT NOT NULL,                   -- JSON: the queue's settings (docs/acd.md)
  updated_at INTEGER NOT NULL,
  deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))  -- hides a config queue
);

CREATE TABLE acd_members (
  queue TEXT NOT NULL,
  agent TEXT NOT NULL,                      -- job number (users.job_number)
  penalty INTEGER NOT NULL DEFAULT 0,       -- skill level: 0 best
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (queue, agent)
);

CREATE TABLE acd_queue_events (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,                      -- unix ms
  kind TEXT NOT NULL,                       -- enter refused offer ring_no_answer offer_failed connect transfer
                                            -- abandon overflow callback_requested callback_placed
                                            -- callback_connected callback_failed complete
  queue TEXT NOT NULL,
  call TEXT NOT NULL,                       -- the call's uuid (a callback keeps its caller's)
  agent TEXT NOT NULL DEFAULT '',
  priority INTEGER NOT NULL DEFAULT 0,
  position INTEGER NOT NULL DEFAULT 0,
  wait_ms INTEGER NOT NULL DEFAULT 0,
  talk_ms INTEGER NOT NULL DEFAULT 0,
  hold_ms INTEGER NOT NULL DEFAULT 0,
  detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX acd_queue_events_time ON acd_queue_events(at);
CREATE INDEX acd_queue_events_call ON acd_queue_events(call);

CREATE TABLE acd_agent_events (
  id INTEGER PRIMARY KEY,
  at INTEGER NOT NULL,
  agent TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  reason TEXT NOT NULL DEFAULT '',
  call TEXT NOT NULL DEFAULT '',
  queue TEXT NOT NULL DEFAULT '',
  device TEXT NOT NULL DEFAULT ''
);
CREATE INDEX acd_agent_events_time ON acd_agent_events(at);
CREATE INDEX acd_agent_events_agent ON acd_agent_events(agent, at);

-- A caller who pressed 1 to be called back: their place (entered_at) is kept.
CREATE TABLE acd_callbacks (
  call TEXT PRIMARY KEY,                    -- the uuid of the call that asked
  queue TEXT NOT NULL,
  priority INTEGER NOT NULL DEFAULT 0,
  number_enc BLOB NOT NULL,                 -- sealed with the caller-data key, as tickets' callers
  entered_at INTEGER NOT NULL,
  requested_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  state TEXT NOT NULL DEFAULT 'waiting' CHECK (state IN ('waiting', 'connected', 'given_up', 'cancelled')),
  ticket_id INTEGER REFERENCES tickets(id), -- the missed-call ticket when given up
  ivr_path TEXT,
  updated_at INTEGER NOT NULL
);
CREATE INDEX acd_callbacks_waiting ON acd_callbacks(entered_at) WHERE state = 'waiting';
