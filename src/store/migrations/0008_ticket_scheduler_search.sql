-- The work-order scheduler and ticket search (work-order issue).
--
-- 督办 (escalations) fired by the scheduler: one row per ticket, deadline,
-- due time and level. The primary key makes firing happen at most once, also
-- across restarts; a new deadline (an approved extension) can escalate again.
CREATE TABLE ticket_escalations (
  ticket_id INTEGER NOT NULL REFERENCES tickets(id),
  deadline TEXT NOT NULL CHECK (deadline IN ('sign', 'reply', 'close')),
  due INTEGER NOT NULL,                     -- unix ms, the deadline that was (nearly) missed
  level TEXT NOT NULL CHECK (level IN ('yellow', 'red')),
  fired_at INTEGER NOT NULL,
  PRIMARY KEY (ticket_id, deadline, due, level)
) WITHOUT ROWID;
CREATE INDEX escalations_by_time ON ticket_escalations(fired_at);
CREATE INDEX reminders_fired ON reminders(fired_at) WHERE fired_at IS NOT NULL;

-- Full-text search over tickets (summary, content, location) with the trigram
-- tokenizer, like kb_fts. External content kept in step by triggers.
CREATE VIRTUAL TABLE tickets_fts USING fts5(summary, content, location, content='tickets', content_rowid='id',
                                            tokenize='trigram');
CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets BEGIN
  INSERT INTO tickets_fts (rowid, summary, content, location) VALUES (new.id, new.summary, new.content, new.location);
END;
CREATE TRIGGER tickets_fts_update AFTER UPDATE OF summary, content, location ON tickets BEGIN
  INSERT INTO tickets_fts (tickets_fts, rowid, summary, content, location)
    VALUES ('delete', old.id, old.summary, old.content, old.location);
  INSERT INTO tickets_fts (rowid, summary, content, location) VALUES (new.id, new.summary, new.content, new.location);
END;
CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets BEGIN
  INSERT INTO tickets_fts (tickets_fts, rowid, summary, content, location)
    VALUES ('delete', old.id, old.summary, old.content, old.location);
END;
INSERT INTO tickets_fts (tickets_fts) VALUES ('rebuild');
