-- Report aggregates (issue 9): hourly and daily buckets that reports over a
-- year read instead of the raw logs, kept up to date by the triggers below in
-- the same transaction as the rows they count ("the writer updates them as
-- events arrive"). docs/kpis.md defines every measure and the rule that
-- attributes it to a bucket; src/reports/reference_*.cpp computes the same
-- figures from the raw logs, and `hotlined rebuild-aggregates [--check]`
-- compares the two (and repairs the tables).
--
-- Buckets: `hour` is the Unix hour (unix ms / 3,600,000, UTC); `day` is the
-- local calendar day of the hotline (Asia/Shanghai, UTC+8 all year, as the
-- tickets' calendar: src/tickets/calendar.hpp) counted from 1970-01-01, so
-- day = (hour + 8) / 24; `month` is the local month, year × 12 + month − 1.
-- Weeks are summed from days at query time; a year's report reads months
-- (and the days of a partial month at either end).
--
-- Families (an hourly, a daily and a monthly table each, same measures):
--   queue  per queue: callers and their outcomes, counted in the hour the
--          caller entered the queue (its `enter` event), so that every bucket
--          adds up: offered = answered + abandoned + overflowed + callbacks + ...
--   agent  per agent: offers, calls, talk and hold, time in each state (split
--          exactly at hour boundaries), tickets registered, per-call ratings;
--          counted when they happen.
--   reason per agent and not-ready reason code: time and count.
--   ticket per type and channel (hourly) / type, channel, category and lead
--          department (daily, monthly): ticket actions, counted when they happen, with
--          the ticket's values and deadlines at that moment. Rollups with fewer
--          dimensions answer the common reports over long ranges quickly:
--          report_ticket_all_* (none), _by_type_channel_*, _by_category_*,
--          _by_department_* (daily and monthly).
--   call   per direction (inbound, outbound, internal): call records.
--
-- Each family has a view report_<family>_delta: inserting a row of
-- increments into it adds them to the hourly, the daily and the monthly row
-- (and the rollups' rows) through an INSTEAD OF trigger, so the triggers on
-- the logs stay short.

-- 0 .. 99,999: splits a state interval into its hours inside a trigger (a
-- trigger cannot hold a recursive CTE). 100,000 hours are 11 years.
CREATE TABLE report_numbers (n INTEGER PRIMARY KEY);
WITH RECURSIVE k(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM k WHERE n < 99999)
INSERT INTO report_numbers (n) SELECT n FROM k;

-- rebuild_needed: raw rows existed before this migration; until
-- `hotlined rebuild-aggregates` has run, reports read the raw logs.
CREATE TABLE report_state (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO report_state (key, value, updated_at)
SELECT 'rebuild_needed', '1', CAST(strftime('%s', 'now') AS INTEGER) * 1000
WHERE EXISTS (SELECT 1 FROM acd_queue_events) OR EXISTS (SELECT 1 FROM acd_agent_events)
   OR EXISTS (SELECT 1 FROM ticket_history) OR EXISTS (SELECT 1 FROM calls) OR EXISTS (SELECT 1 FROM survey_answers);

-- What the reference computation (and the raw-log reports) look up by time
-- or by call.
CREATE INDEX history_by_time ON ticket_history(at);
CREATE INDEX survey_answers_time ON survey_answers(answered_at);
CREATE INDEX acd_agent_events_wrap ON acd_agent_events(call) WHERE to_state = 'wrap_up';

CREATE TABLE report_queue_hourly (
  hour INTEGER NOT NULL, queue TEXT NOT NULL, offered INTEGER NOT NULL DEFAULT 0, refused INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, abandoned INTEGER NOT NULL DEFAULT 0, overflowed INTEGER NOT NULL DEFAULT 0,
  overflowed_queue INTEGER NOT NULL DEFAULT 0, callback_requested INTEGER NOT NULL DEFAULT 0,
  callback_placed INTEGER NOT NULL DEFAULT 0, callback_connected INTEGER NOT NULL DEFAULT 0,
  callback_failed INTEGER NOT NULL DEFAULT 0, offers INTEGER NOT NULL DEFAULT 0,
  ring_no_answer INTEGER NOT NULL DEFAULT 0, offer_failed INTEGER NOT NULL DEFAULT 0,
  handled INTEGER NOT NULL DEFAULT 0, transferred INTEGER NOT NULL DEFAULT 0, talk_ms INTEGER NOT NULL DEFAULT 0,
  hold_ms INTEGER NOT NULL DEFAULT 0, wrap_ms INTEGER NOT NULL DEFAULT 0,
  wait_answered_ms INTEGER NOT NULL DEFAULT 0, wait_abandoned_ms INTEGER NOT NULL DEFAULT 0,
  max_wait_ms INTEGER NOT NULL DEFAULT 0, ans_le_10 INTEGER NOT NULL DEFAULT 0, ans_le_15 INTEGER NOT NULL DEFAULT 0,
  ans_le_20 INTEGER NOT NULL DEFAULT 0, ans_le_30 INTEGER NOT NULL DEFAULT 0, ans_le_45 INTEGER NOT NULL DEFAULT 0,
  ans_le_60 INTEGER NOT NULL DEFAULT 0, ans_le_90 INTEGER NOT NULL DEFAULT 0, ans_le_120 INTEGER NOT NULL DEFAULT 0,
  ab_le_10 INTEGER NOT NULL DEFAULT 0, ab_le_15 INTEGER NOT NULL DEFAULT 0, ab_le_20 INTEGER NOT NULL DEFAULT 0,
  ab_le_30 INTEGER NOT NULL DEFAULT 0, ab_le_45 INTEGER NOT NULL DEFAULT 0, ab_le_60 INTEGER NOT NULL DEFAULT 0,
  ab_le_90 INTEGER NOT NULL DEFAULT 0, ab_le_120 INTEGER NOT NULL DEFAULT 0, ab_lt_3 INTEGER NOT NULL DEFAULT 0,
  ab_lt_5 INTEGER NOT NULL DEFAULT 0, ab_lt_10 INTEGER NOT NULL DEFAULT 0, ab_lt_15 INTEGER NOT NULL DEFAULT 0,
  ab_lt_20 INTEGER NOT NULL DEFAULT 0, ab_lt_30 INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (hour, queue)
) WITHOUT ROWID;

CREATE TABLE report_queue_daily (
  day INTEGER NOT NULL, queue TEXT NOT NULL, offered INTEGER NOT NULL DEFAULT 0, refused INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, abandoned INTEGER NOT NULL DEFAULT 0, overflowed INTEGER NOT NULL DEFAULT 0,
  overflowed_queue INTEGER NOT NULL DEFAULT 0, callback_requested INTEGER NOT NULL DEFAULT 0,
  callback_placed INTEGER NOT NULL DEFAULT 0, callback_connected INTEGER NOT NULL DEFAULT 0,
  callback_failed INTEGER NOT NULL DEFAULT 0, offers INTEGER NOT NULL DEFAULT 0,
  ring_no_answer INTEGER NOT NULL DEFAULT 0, offer_failed INTEGER NOT NULL DEFAULT 0,
  handled INTEGER NOT NULL DEFAULT 0, transferred INTEGER NOT NULL DEFAULT 0, talk_ms INTEGER NOT NULL DEFAULT 0,
  hold_ms INTEGER NOT NULL DEFAULT 0, wrap_ms INTEGER NOT NULL DEFAULT 0,
  wait_answered_ms INTEGER NOT NULL DEFAULT 0, wait_abandoned_ms INTEGER NOT NULL DEFAULT 0,
  max_wait_ms INTEGER NOT NULL DEFAULT 0, ans_le_10 INTEGER NOT NULL DEFAULT 0, ans_le_15 INTEGER NOT NULL DEFAULT 0,
  ans_le_20 INTEGER NOT NULL DEFAULT 0, ans_le_30 INTEGER NOT NULL DEFAULT 0, ans_le_45 INTEGER NOT NULL DEFAULT 0,
  ans_le_60 INTEGER NOT NULL DEFAULT 0, ans_le_90 INTEGER NOT NULL DEFAULT 0, ans_le_120 INTEGER NOT NULL DEFAULT 0,
  ab_le_10 INTEGER NOT NULL DEFAULT 0, ab_le_15 INTEGER NOT NULL DEFAULT 0, ab_le_20 INTEGER NOT NULL DEFAULT 0,
  ab_le_30 INTEGER NOT NULL DEFAULT 0, ab_le_45 INTEGER NOT NULL DEFAULT 0, ab_le_60 INTEGER NOT NULL DEFAULT 0,
  ab_le_90 INTEGER NOT NULL DEFAULT 0, ab_le_120 INTEGER NOT NULL DEFAULT 0, ab_lt_3 INTEGER NOT NULL DEFAULT 0,
  ab_lt_5 INTEGER NOT NULL DEFAULT 0, ab_lt_10 INTEGER NOT NULL DEFAULT 0, ab_lt_15 INTEGER NOT NULL DEFAULT 0,
  ab_lt_20 INTEGER NOT NULL DEFAULT 0, ab_lt_30 INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, queue)
) WITHOUT ROWID;

CREATE TABLE report_queue_monthly (
  month INTEGER NOT NULL, queue TEXT NOT NULL, offered INTEGER NOT NULL DEFAULT 0,
  refused INTEGER NOT NULL DEFAULT 0, answered INTEGER NOT NULL DEFAULT 0, abandoned INTEGER NOT NULL DEFAULT 0,
  overflowed INTEGER NOT NULL DEFAULT 0, overflowed_queue INTEGER NOT NULL DEFAULT 0,
  callback_requested INTEGER NOT NULL DEFAULT 0, callback_placed INTEGER NOT NULL DEFAULT 0,
  callback_connected INTEGER NOT NULL DEFAULT 0, callback_failed INTEGER NOT NULL DEFAULT 0,
  offers INTEGER NOT NULL DEFAULT 0, ring_no_answer INTEGER NOT NULL DEFAULT 0,
  offer_failed INTEGER NOT NULL DEFAULT 0, handled INTEGER NOT NULL DEFAULT 0,
  transferred INTEGER NOT NULL DEFAULT 0, talk_ms INTEGER NOT NULL DEFAULT 0, hold_ms INTEGER NOT NULL DEFAULT 0,
  wrap_ms INTEGER NOT NULL DEFAULT 0, wait_answered_ms INTEGER NOT NULL DEFAULT 0,
  wait_abandoned_ms INTEGER NOT NULL DEFAULT 0, max_wait_ms INTEGER NOT NULL DEFAULT 0,
  ans_le_10 INTEGER NOT NULL DEFAULT 0, ans_le_15 INTEGER NOT NULL DEFAULT 0, ans_le_20 INTEGER NOT NULL DEFAULT 0,
  ans_le_30 INTEGER NOT NULL DEFAULT 0, ans_le_45 INTEGER NOT NULL DEFAULT 0, ans_le_60 INTEGER NOT NULL DEFAULT 0,
  ans_le_90 INTEGER NOT NULL DEFAULT 0, ans_le_120 INTEGER NOT NULL DEFAULT 0, ab_le_10 INTEGER NOT NULL DEFAULT 0,
  ab_le_15 INTEGER NOT NULL DEFAULT 0, ab_le_20 INTEGER NOT NULL DEFAULT 0, ab_le_30 INTEGER NOT NULL DEFAULT 0,
  ab_le_45 INTEGER NOT NULL DEFAULT 0, ab_le_60 INTEGER NOT NULL DEFAULT 0, ab_le_90 INTEGER NOT NULL DEFAULT 0,
  ab_le_120 INTEGER NOT NULL DEFAULT 0, ab_lt_3 INTEGER NOT NULL DEFAULT 0, ab_lt_5 INTEGER NOT NULL DEFAULT 0,
  ab_lt_10 INTEGER NOT NULL DEFAULT 0, ab_lt_15 INTEGER NOT NULL DEFAULT 0, ab_lt_20 INTEGER NOT NULL DEFAULT 0,
  ab_lt_30 INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, queue)
) WITHOUT ROWID;

CREATE VIEW report_queue_delta AS SELECT
  0 AS hour, queue, offered, refused, answered, abandoned, overflowed, overflowed_queue, callback_requested,
  callback_placed, callback_connected, callback_failed, offers, ring_no_answer, offer_failed, handled, transferred,
  talk_ms, hold_ms, wrap_ms, wait_answered_ms, wait_abandoned_ms, max_wait_ms, ans_le_10, ans_le_15, ans_le_20,
  ans_le_30, ans_le_45, ans_le_60, ans_le_90, ans_le_120, ab_le_10, ab_le_15, ab_le_20, ab_le_30, ab_le_45, ab_le_60,
  ab_le_90, ab_le_120, ab_lt_3, ab_lt_5, ab_lt_10, ab_lt_15, ab_lt_20, ab_lt_30
FROM report_queue_daily WHERE 0;

CREATE TRIGGER report_queue_delta_insert INSTEAD OF INSERT ON report_queue_delta BEGIN
  INSERT INTO report_queue_hourly (
    hour, queue, offered, refused, answered, abandoned, overflowed, overflowed_queue, callback_requested,
    callback_placed, callback_connected, callback_failed, offers, ring_no_answer, offer_failed, handled, transferred,
    talk_ms, hold_ms, wrap_ms, wait_answered_ms, wait_abandoned_ms, max_wait_ms, ans_le_10, ans_le_15, ans_le_20,
    ans_le_30, ans_le_45, ans_le_60, ans_le_90, ans_le_120, ab_le_10, ab_le_15, ab_le_20, ab_le_30, ab_le_45,
    ab_le_60, ab_le_90, ab_le_120, ab_lt_3, ab_lt_5, ab_lt_10, ab_lt_15, ab_lt_20, ab_lt_30)
  VALUES (
    new.hour, new.queue, COALESCE(new.offered, 0), COALESCE(new.refused, 0), COALESCE(new.answered, 0),
    COALESCE(new.abandoned, 0), COALESCE(new.overflowed, 0), COALESCE(new.overflowed_queue, 0),
    COALESCE(new.callback_requested, 0), COALESCE(new.callback_placed, 0), COALESCE(new.callback_connected, 0),
    COALESCE(new.callback_failed, 0), COALESCE(new.offers, 0), COALESCE(new.ring_no_answer, 0),
    COALESCE(new.offer_failed, 0), COALESCE(new.handled, 0), COALESCE(new.transferred, 0), COALESCE(new.talk_ms, 0),
    COALESCE(new.hold_ms, 0), COALESCE(new.wrap_ms, 0), COALESCE(new.wait_answered_ms, 0),
    COALESCE(new.wait_abandoned_ms, 0), COALESCE(new.max_wait_ms, 0), COALESCE(new.ans_le_10, 0),
    COALESCE(new.ans_le_15, 0), COALESCE(new.ans_le_20, 0), COALESCE(new.ans_le_30, 0), COALESCE(new.ans_le_45, 0),
    COALESCE(new.ans_le_60, 0), COALESCE(new.ans_le_90, 0), COALESCE(new.ans_le_120, 0), COALESCE(new.ab_le_10, 0),
    COALESCE(new.ab_le_15, 0), COALESCE(new.ab_le_20, 0), COALESCE(new.ab_le_30, 0), COALESCE(new.ab_le_45, 0),
    COALESCE(new.ab_le_60, 0), COALESCE(new.ab_le_90, 0), COALESCE(new.ab_le_120, 0), COALESCE(new.ab_lt_3, 0),
    COALESCE(new.ab_lt_5, 0), COALESCE(new.ab_lt_10, 0), COALESCE(new.ab_lt_15, 0), COALESCE(new.ab_lt_20, 0),
    COALESCE(new.ab_lt_30, 0))
  ON CONFLICT (hour, queue) DO UPDATE SET
    offered = offered + excluded.offered, refused = refused + excluded.refused,
    answered = answered + excluded.answered, abandoned = abandoned + excluded.abandoned,
    overflowed = overflowed + excluded.overflowed, overflowed_queue = overflowed_queue + excluded.overflowed_queue,
    callback_requested = callback_requested + excluded.callback_requested,
    callback_placed = callback_placed + excluded.callback_placed,
    callback_connected = callback_connected + excluded.callback_connected,
    callback_failed = callback_failed + excluded.callback_failed, offers = offers + excluded.offers,
    ring_no_answer = ring_no_answer + excluded.ring_no_answer, offer_failed = offer_failed + excluded.offer_failed,
    handled = handled + excluded.handled, transferred = transferred + excluded.transferred,
    talk_ms = talk_ms + excluded.talk_ms, hold_ms = hold_ms + excluded.hold_ms, wrap_ms = wrap_ms + excluded.wrap_ms,
    wait_answered_ms = wait_answered_ms + excluded.wait_answered_ms,
    wait_abandoned_ms = wait_abandoned_ms + excluded.wait_abandoned_ms,
    max_wait_ms = MAX(max_wait_ms, excluded.max_wait_ms), ans_le_10 = ans_le_10 + excluded.ans_le_10,
    ans_le_15 = ans_le_15 + excluded.ans_le_15, ans_le_20 = ans_le_20 + excluded.ans_le_20,
    ans_le_30 = ans_le_30 + excluded.ans_le_30, ans_le_45 = ans_le_45 + excluded.ans_le_45,
    ans_le_60 = ans_le_60 + excluded.ans_le_60, ans_le_90 = ans_le_90 + excluded.ans_le_90,
    ans_le_120 = ans_le_120 + excluded.ans_le_120, ab_le_10 = ab_le_10 + excluded.ab_le_10,
    ab_le_15 = ab_le_15 + excluded.ab_le_15, ab_le_20 = ab_le_20 + excluded.ab_le_20,
    ab_le_30 = ab_le_30 + excluded.ab_le_30, ab_le_45 = ab_le_45 + excluded.ab_le_45,
    ab_le_60 = ab_le_60 + excluded.ab_le_60, ab_le_90 = ab_le_90 + excluded.ab_le_90,
    ab_le_120 = ab_le_120 + excluded.ab_le_120, ab_lt_3 = ab_lt_3 + excluded.ab_lt_3,
    ab_lt_5 = ab_lt_5 + excluded.ab_lt_5, ab_lt_10 = ab_lt_10 + excluded.ab_lt_10,
    ab_lt_15 = ab_lt_15 + excluded.ab_lt_15, ab_lt_20 = ab_lt_20 + excluded.ab_lt_20,
    ab_lt_30 = ab_lt_30 + excluded.ab_lt_30;
  INSERT INTO report_queue_daily (
    day, queue, offered, refused, answered, abandoned, overflowed, overflowed_queue, callback_requested,
    callback_placed, callback_connected, callback_failed, offers, ring_no_answer, offer_failed, handled, transferred,
    talk_ms, hold_ms, wrap_ms, wait_answered_ms, wait_abandoned_ms, max_wait_ms, ans_le_10, ans_le_15, ans_le_20,
    ans_le_30, ans_le_45, ans_le_60, ans_le_90, ans_le_120, ab_le_10, ab_le_15, ab_le_20, ab_le_30, ab_le_45,
    ab_le_60, ab_le_90, ab_le_120, ab_lt_3, ab_lt_5, ab_lt_10, ab_lt_15, ab_lt_20, ab_lt_30)
  VALUES (
    (new.hour + 8) / 24, new.queue, COALESCE(new.offered, 0), COALESCE(new.refused, 0), COALESCE(new.answered, 0),
    COALESCE(new.abandoned, 0), COALESCE(new.overflowed, 0), COALESCE(new.overflowed_queue, 0),
    COALESCE(new.callback_requested, 0), COALESCE(new.callback_placed, 0), COALESCE(new.callback_connected, 0),
    COALESCE(new.callback_failed, 0), COALESCE(new.offers, 0), COALESCE(new.ring_no_answer, 0),
    COALESCE(new.offer_failed, 0), COALESCE(new.handled, 0), COALESCE(new.transferred, 0), COALESCE(new.talk_ms, 0),
    COALESCE(new.hold_ms, 0), COALESCE(new.wrap_ms, 0), COALESCE(new.wait_answered_ms, 0),
    COALESCE(new.wait_abandoned_ms, 0), COALESCE(new.max_wait_ms, 0), COALESCE(new.ans_le_10, 0),
    COALESCE(new.ans_le_15, 0), COALESCE(new.ans_le_20, 0), COALESCE(new.ans_le_30, 0), COALESCE(new.ans_le_45, 0),
    COALESCE(new.ans_le_60, 0), COALESCE(new.ans_le_90, 0), COALESCE(new.ans_le_120, 0), COALESCE(new.ab_le_10, 0),
    COALESCE(new.ab_le_15, 0), COALESCE(new.ab_le_20, 0), COALESCE(new.ab_le_30, 0), COALESCE(new.ab_le_45, 0),
    COALESCE(new.ab_le_60, 0), COALESCE(new.ab_le_90, 0), COALESCE(new.ab_le_120, 0), COALESCE(new.ab_lt_3, 0),
    COALESCE(new.ab_lt_5, 0), COALESCE(new.ab_lt_10, 0), COALESCE(new.ab_lt_15, 0), COALESCE(new.ab_lt_20, 0),
    COALESCE(new.ab_lt_30, 0))
  ON CONFLICT (day, queue) DO UPDATE SET
    offered = offered + excluded.offered, refused = refused + excluded.refused,
    answered = answered + excluded.answered, abandoned = abandoned + excluded.abandoned,
    overflowed = overflowed + excluded.overflowed, overflowed_queue = overflowed_queue + excluded.overflowed_queue,
    callback_requested = callback_requested + excluded.callback_requested,
    callback_placed = callback_placed + excluded.callback_placed,
    callback_connected = callback_connected + excluded.callback_connected,
    callback_failed = callback_failed + excluded.callback_failed, offers = offers + excluded.offers,
    ring_no_answer = ring_no_answer + excluded.ring_no_answer, offer_failed = offer_failed + excluded.offer_failed,
    handled = handled + excluded.handled, transferred = transferred + excluded.transferred,
    talk_ms = talk_ms + excluded.talk_ms, hold_ms = hold_ms + excluded.hold_ms, wrap_ms = wrap_ms + excluded.wrap_ms,
    wait_answered_ms = wait_answered_ms + excluded.wait_answered_ms,
    wait_abandoned_ms = wait_abandoned_ms + excluded.wait_abandoned_ms,
    max_wait_ms = MAX(max_wait_ms, excluded.max_wait_ms), ans_le_10 = ans_le_10 + excluded.ans_le_10,
    ans_le_15 = ans_le_15 + excluded.ans_le_15, ans_le_20 = ans_le_20 + excluded.ans_le_20,
    ans_le_30 = ans_le_30 + excluded.ans_le_30, ans_le_45 = ans_le_45 + excluded.ans_le_45,
    ans_le_60 = ans_le_60 + excluded.ans_le_60, ans_le_90 = ans_le_90 + excluded.ans_le_90,
    ans_le_120 = ans_le_120 + excluded.ans_le_120, ab_le_10 = ab_le_10 + excluded.ab_le_10,
    ab_le_15 = ab_le_15 + excluded.ab_le_15, ab_le_20 = ab_le_20 + excluded.ab_le_20,
    ab_le_30 = ab_le_30 + excluded.ab_le_30, ab_le_45 = ab_le_45 + excluded.ab_le_45,
    ab_le_60 = ab_le_60 + excluded.ab_le_60, ab_le_90 = ab_le_90 + excluded.ab_le_90,
    ab_le_120 = ab_le_120 + excluded.ab_le_120, ab_lt_3 = ab_lt_3 + excluded.ab_lt_3,
    ab_lt_5 = ab_lt_5 + excluded.ab_lt_5, ab_lt_10 = ab_lt_10 + excluded.ab_lt_10,
    ab_lt_15 = ab_lt_15 + excluded.ab_lt_15, ab_lt_20 = ab_lt_20 + excluded.ab_lt_20,
    ab_lt_30 = ab_lt_30 + excluded.ab_lt_30;
  INSERT INTO report_queue_monthly (
    month, queue, offered, refused, answered, abandoned, overflowed, overflowed_queue, callback_requested,
    callback_placed, callback_connected, callback_failed, offers, ring_no_answer, offer_failed, handled, transferred,
    talk_ms, hold_ms, wrap_ms, wait_answered_ms, wait_abandoned_ms, max_wait_ms, ans_le_10, ans_le_15, ans_le_20,
    ans_le_30, ans_le_45, ans_le_60, ans_le_90, ans_le_120, ab_le_10, ab_le_15, ab_le_20, ab_le_30, ab_le_45,
    ab_le_60, ab_le_90, ab_le_120, ab_lt_3, ab_lt_5, ab_lt_10, ab_lt_15, ab_lt_20, ab_lt_30)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    new.queue, COALESCE(new.offered, 0), COALESCE(new.refused, 0), COALESCE(new.answered, 0),
    COALESCE(new.abandoned, 0), COALESCE(new.overflowed, 0), COALESCE(new.overflowed_queue, 0),
    COALESCE(new.callback_requested, 0), COALESCE(new.callback_placed, 0), COALESCE(new.callback_connected, 0),
    COALESCE(new.callback_failed, 0), COALESCE(new.offers, 0), COALESCE(new.ring_no_answer, 0),
    COALESCE(new.offer_failed, 0), COALESCE(new.handled, 0), COALESCE(new.transferred, 0), COALESCE(new.talk_ms, 0),
    COALESCE(new.hold_ms, 0), COALESCE(new.wrap_ms, 0), COALESCE(new.wait_answered_ms, 0),
    COALESCE(new.wait_abandoned_ms, 0), COALESCE(new.max_wait_ms, 0), COALESCE(new.ans_le_10, 0),
    COALESCE(new.ans_le_15, 0), COALESCE(new.ans_le_20, 0), COALESCE(new.ans_le_30, 0), COALESCE(new.ans_le_45, 0),
    COALESCE(new.ans_le_60, 0), COALESCE(new.ans_le_90, 0), COALESCE(new.ans_le_120, 0), COALESCE(new.ab_le_10, 0),
    COALESCE(new.ab_le_15, 0), COALESCE(new.ab_le_20, 0), COALESCE(new.ab_le_30, 0), COALESCE(new.ab_le_45, 0),
    COALESCE(new.ab_le_60, 0), COALESCE(new.ab_le_90, 0), COALESCE(new.ab_le_120, 0), COALESCE(new.ab_lt_3, 0),
    COALESCE(new.ab_lt_5, 0), COALESCE(new.ab_lt_10, 0), COALESCE(new.ab_lt_15, 0), COALESCE(new.ab_lt_20, 0),
    COALESCE(new.ab_lt_30, 0))
  ON CONFLICT (month, queue) DO UPDATE SET
    offered = offered + excluded.offered, refused = refused + excluded.refused,
    answered = answered + excluded.answered, abandoned = abandoned + excluded.abandoned,
    overflowed = overflowed + excluded.overflowed, overflowed_queue = overflowed_queue + excluded.overflowed_queue,
    callback_requested = callback_requested + excluded.callback_requested,
    callback_placed = callback_placed + excluded.callback_placed,
    callback_connected = callback_connected + excluded.callback_connected,
    callback_failed = callback_failed + excluded.callback_failed, offers = offers + excluded.offers,
    ring_no_answer = ring_no_answer + excluded.ring_no_answer, offer_failed = offer_failed + excluded.offer_failed,
    handled = handled + excluded.handled, transferred = transferred + excluded.transferred,
    talk_ms = talk_ms + excluded.talk_ms, hold_ms = hold_ms + excluded.hold_ms, wrap_ms = wrap_ms + excluded.wrap_ms,
    wait_answered_ms = wait_answered_ms + excluded.wait_answered_ms,
    wait_abandoned_ms = wait_abandoned_ms + excluded.wait_abandoned_ms,
    max_wait_ms = MAX(max_wait_ms, excluded.max_wait_ms), ans_le_10 = ans_le_10 + excluded.ans_le_10,
    ans_le_15 = ans_le_15 + excluded.ans_le_15, ans_le_20 = ans_le_20 + excluded.ans_le_20,
    ans_le_30 = ans_le_30 + excluded.ans_le_30, ans_le_45 = ans_le_45 + excluded.ans_le_45,
    ans_le_60 = ans_le_60 + excluded.ans_le_60, ans_le_90 = ans_le_90 + excluded.ans_le_90,
    ans_le_120 = ans_le_120 + excluded.ans_le_120, ab_le_10 = ab_le_10 + excluded.ab_le_10,
    ab_le_15 = ab_le_15 + excluded.ab_le_15, ab_le_20 = ab_le_20 + excluded.ab_le_20,
    ab_le_30 = ab_le_30 + excluded.ab_le_30, ab_le_45 = ab_le_45 + excluded.ab_le_45,
    ab_le_60 = ab_le_60 + excluded.ab_le_60, ab_le_90 = ab_le_90 + excluded.ab_le_90,
    ab_le_120 = ab_le_120 + excluded.ab_le_120, ab_lt_3 = ab_lt_3 + excluded.ab_lt_3,
    ab_lt_5 = ab_lt_5 + excluded.ab_lt_5, ab_lt_10 = ab_lt_10 + excluded.ab_lt_10,
    ab_lt_15 = ab_lt_15 + excluded.ab_lt_15, ab_lt_20 = ab_lt_20 + excluded.ab_lt_20,
    ab_lt_30 = ab_lt_30 + excluded.ab_lt_30;
END;

CREATE TABLE report_agent_hourly (
  hour INTEGER NOT NULL, agent TEXT NOT NULL, offers INTEGER NOT NULL DEFAULT 0,
  ring_no_answer INTEGER NOT NULL DEFAULT 0, offer_failed INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, handled INTEGER NOT NULL DEFAULT 0, transferred INTEGER NOT NULL DEFAULT 0,
  talk_ms INTEGER NOT NULL DEFAULT 0, hold_ms INTEGER NOT NULL DEFAULT 0, logins INTEGER NOT NULL DEFAULT 0,
  ready_ms INTEGER NOT NULL DEFAULT 0, not_ready_ms INTEGER NOT NULL DEFAULT 0,
  ringing_ms INTEGER NOT NULL DEFAULT 0, on_call_ms INTEGER NOT NULL DEFAULT 0,
  on_hold_ms INTEGER NOT NULL DEFAULT 0, wrap_up_ms INTEGER NOT NULL DEFAULT 0,
  busy_elsewhere_ms INTEGER NOT NULL DEFAULT 0, tickets_created INTEGER NOT NULL DEFAULT 0,
  rated INTEGER NOT NULL DEFAULT 0, rated_satisfied INTEGER NOT NULL DEFAULT 0,
  rated_basic INTEGER NOT NULL DEFAULT 0, rated_unsatisfied INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (hour, agent)
) WITHOUT ROWID;

CREATE TABLE report_agent_daily (
  day INTEGER NOT NULL, agent TEXT NOT NULL, offers INTEGER NOT NULL DEFAULT 0,
  ring_no_answer INTEGER NOT NULL DEFAULT 0, offer_failed INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, handled INTEGER NOT NULL DEFAULT 0, transferred INTEGER NOT NULL DEFAULT 0,
  talk_ms INTEGER NOT NULL DEFAULT 0, hold_ms INTEGER NOT NULL DEFAULT 0, logins INTEGER NOT NULL DEFAULT 0,
  ready_ms INTEGER NOT NULL DEFAULT 0, not_ready_ms INTEGER NOT NULL DEFAULT 0,
  ringing_ms INTEGER NOT NULL DEFAULT 0, on_call_ms INTEGER NOT NULL DEFAULT 0,
  on_hold_ms INTEGER NOT NULL DEFAULT 0, wrap_up_ms INTEGER NOT NULL DEFAULT 0,
  busy_elsewhere_ms INTEGER NOT NULL DEFAULT 0, tickets_created INTEGER NOT NULL DEFAULT 0,
  rated INTEGER NOT NULL DEFAULT 0, rated_satisfied INTEGER NOT NULL DEFAULT 0,
  rated_basic INTEGER NOT NULL DEFAULT 0, rated_unsatisfied INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, agent)
) WITHOUT ROWID;

CREATE TABLE report_agent_monthly (
  month INTEGER NOT NULL, agent TEXT NOT NULL, offers INTEGER NOT NULL DEFAULT 0,
  ring_no_answer INTEGER NOT NULL DEFAULT 0, offer_failed INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, handled INTEGER NOT NULL DEFAULT 0, transferred INTEGER NOT NULL DEFAULT 0,
  talk_ms INTEGER NOT NULL DEFAULT 0, hold_ms INTEGER NOT NULL DEFAULT 0, logins INTEGER NOT NULL DEFAULT 0,
  ready_ms INTEGER NOT NULL DEFAULT 0, not_ready_ms INTEGER NOT NULL DEFAULT 0,
  ringing_ms INTEGER NOT NULL DEFAULT 0, on_call_ms INTEGER NOT NULL DEFAULT 0,
  on_hold_ms INTEGER NOT NULL DEFAULT 0, wrap_up_ms INTEGER NOT NULL DEFAULT 0,
  busy_elsewhere_ms INTEGER NOT NULL DEFAULT 0, tickets_created INTEGER NOT NULL DEFAULT 0,
  rated INTEGER NOT NULL DEFAULT 0, rated_satisfied INTEGER NOT NULL DEFAULT 0,
  rated_basic INTEGER NOT NULL DEFAULT 0, rated_unsatisfied INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, agent)
) WITHOUT ROWID;

CREATE VIEW report_agent_delta AS SELECT
  0 AS hour, agent, offers, ring_no_answer, offer_failed, answered, handled, transferred, talk_ms, hold_ms, logins,
  ready_ms, not_ready_ms, ringing_ms, on_call_ms, on_hold_ms, wrap_up_ms, busy_elsewhere_ms, tickets_created, rated,
  rated_satisfied, rated_basic, rated_unsatisfied
FROM report_agent_daily WHERE 0;

CREATE TRIGGER report_agent_delta_insert INSTEAD OF INSERT ON report_agent_delta BEGIN
  INSERT INTO report_agent_hourly (
    hour, agent, offers, ring_no_answer, offer_failed, answered, handled, transferred, talk_ms, hold_ms, logins,
    ready_ms, not_ready_ms, ringing_ms, on_call_ms, on_hold_ms, wrap_up_ms, busy_elsewhere_ms, tickets_created,
    rated, rated_satisfied, rated_basic, rated_unsatisfied)
  VALUES (
    new.hour, new.agent, COALESCE(new.offers, 0), COALESCE(new.ring_no_answer, 0), COALESCE(new.offer_failed, 0),
    COALESCE(new.answered, 0), COALESCE(new.handled, 0), COALESCE(new.transferred, 0), COALESCE(new.talk_ms, 0),
    COALESCE(new.hold_ms, 0), COALESCE(new.logins, 0), COALESCE(new.ready_ms, 0), COALESCE(new.not_ready_ms, 0),
    COALESCE(new.ringing_ms, 0), COALESCE(new.on_call_ms, 0), COALESCE(new.on_hold_ms, 0),
    COALESCE(new.wrap_up_ms, 0), COALESCE(new.busy_elsewhere_ms, 0), COALESCE(new.tickets_created, 0),
    COALESCE(new.rated, 0), COALESCE(new.rated_satisfied, 0), COALESCE(new.rated_basic, 0),
    COALESCE(new.rated_unsatisfied, 0))
  ON CONFLICT (hour, agent) DO UPDATE SET
    offers = offers + excluded.offers, ring_no_answer = ring_no_answer + excluded.ring_no_answer,
    offer_failed = offer_failed + excluded.offer_failed, answered = answered + excluded.answered,
    handled = handled + excluded.handled, transferred = transferred + excluded.transferred,
    talk_ms = talk_ms + excluded.talk_ms, hold_ms = hold_ms + excluded.hold_ms, logins = logins + excluded.logins,
    ready_ms = ready_ms + excluded.ready_ms, not_ready_ms = not_ready_ms + excluded.not_ready_ms,
    ringing_ms = ringing_ms + excluded.ringing_ms, on_call_ms = on_call_ms + excluded.on_call_ms,
    on_hold_ms = on_hold_ms + excluded.on_hold_ms, wrap_up_ms = wrap_up_ms + excluded.wrap_up_ms,
    busy_elsewhere_ms = busy_elsewhere_ms + excluded.busy_elsewhere_ms,
    tickets_created = tickets_created + excluded.tickets_created, rated = rated + excluded.rated,
    rated_satisfied = rated_satisfied + excluded.rated_satisfied, rated_basic = rated_basic + excluded.rated_basic,
    rated_unsatisfied = rated_unsatisfied + excluded.rated_unsatisfied;
  INSERT INTO report_agent_daily (
    day, agent, offers, ring_no_answer, offer_failed, answered, handled, transferred, talk_ms, hold_ms, logins,
    ready_ms, not_ready_ms, ringing_ms, on_call_ms, on_hold_ms, wrap_up_ms, busy_elsewhere_ms, tickets_created,
    rated, rated_satisfied, rated_basic, rated_unsatisfied)
  VALUES (
    (new.hour + 8) / 24, new.agent, COALESCE(new.offers, 0), COALESCE(new.ring_no_answer, 0),
    COALESCE(new.offer_failed, 0), COALESCE(new.answered, 0), COALESCE(new.handled, 0), COALESCE(new.transferred, 0),
    COALESCE(new.talk_ms, 0), COALESCE(new.hold_ms, 0), COALESCE(new.logins, 0), COALESCE(new.ready_ms, 0),
    COALESCE(new.not_ready_ms, 0), COALESCE(new.ringing_ms, 0), COALESCE(new.on_call_ms, 0),
    COALESCE(new.on_hold_ms, 0), COALESCE(new.wrap_up_ms, 0), COALESCE(new.busy_elsewhere_ms, 0),
    COALESCE(new.tickets_created, 0), COALESCE(new.rated, 0), COALESCE(new.rated_satisfied, 0),
    COALESCE(new.rated_basic, 0), COALESCE(new.rated_unsatisfied, 0))
  ON CONFLICT (day, agent) DO UPDATE SET
    offers = offers + excluded.offers, ring_no_answer = ring_no_answer + excluded.ring_no_answer,
    offer_failed = offer_failed + excluded.offer_failed, answered = answered + excluded.answered,
    handled = handled + excluded.handled, transferred = transferred + excluded.transferred,
    talk_ms = talk_ms + excluded.talk_ms, hold_ms = hold_ms + excluded.hold_ms, logins = logins + excluded.logins,
    ready_ms = ready_ms + excluded.ready_ms, not_ready_ms = not_ready_ms + excluded.not_ready_ms,
    ringing_ms = ringing_ms + excluded.ringing_ms, on_call_ms = on_call_ms + excluded.on_call_ms,
    on_hold_ms = on_hold_ms + excluded.on_hold_ms, wrap_up_ms = wrap_up_ms + excluded.wrap_up_ms,
    busy_elsewhere_ms = busy_elsewhere_ms + excluded.busy_elsewhere_ms,
    tickets_created = tickets_created + excluded.tickets_created, rated = rated + excluded.rated,
    rated_satisfied = rated_satisfied + excluded.rated_satisfied, rated_basic = rated_basic + excluded.rated_basic,
    rated_unsatisfied = rated_unsatisfied + excluded.rated_unsatisfied;
  INSERT INTO report_agent_monthly (
    month, agent, offers, ring_no_answer, offer_failed, answered, handled, transferred, talk_ms, hold_ms, logins,
    ready_ms, not_ready_ms, ringing_ms, on_call_ms, on_hold_ms, wrap_up_ms, busy_elsewhere_ms, tickets_created,
    rated, rated_satisfied, rated_basic, rated_unsatisfied)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    new.agent, COALESCE(new.offers, 0), COALESCE(new.ring_no_answer, 0), COALESCE(new.offer_failed, 0),
    COALESCE(new.answered, 0), COALESCE(new.handled, 0), COALESCE(new.transferred, 0), COALESCE(new.talk_ms, 0),
    COALESCE(new.hold_ms, 0), COALESCE(new.logins, 0), COALESCE(new.ready_ms, 0), COALESCE(new.not_ready_ms, 0),
    COALESCE(new.ringing_ms, 0), COALESCE(new.on_call_ms, 0), COALESCE(new.on_hold_ms, 0),
    COALESCE(new.wrap_up_ms, 0), COALESCE(new.busy_elsewhere_ms, 0), COALESCE(new.tickets_created, 0),
    COALESCE(new.rated, 0), COALESCE(new.rated_satisfied, 0), COALESCE(new.rated_basic, 0),
    COALESCE(new.rated_unsatisfied, 0))
  ON CONFLICT (month, agent) DO UPDATE SET
    offers = offers + excluded.offers, ring_no_answer = ring_no_answer + excluded.ring_no_answer,
    offer_failed = offer_failed + excluded.offer_failed, answered = answered + excluded.answered,
    handled = handled + excluded.handled, transferred = transferred + excluded.transferred,
    talk_ms = talk_ms + excluded.talk_ms, hold_ms = hold_ms + excluded.hold_ms, logins = logins + excluded.logins,
    ready_ms = ready_ms + excluded.ready_ms, not_ready_ms = not_ready_ms + excluded.not_ready_ms,
    ringing_ms = ringing_ms + excluded.ringing_ms, on_call_ms = on_call_ms + excluded.on_call_ms,
    on_hold_ms = on_hold_ms + excluded.on_hold_ms, wrap_up_ms = wrap_up_ms + excluded.wrap_up_ms,
    busy_elsewhere_ms = busy_elsewhere_ms + excluded.busy_elsewhere_ms,
    tickets_created = tickets_created + excluded.tickets_created, rated = rated + excluded.rated,
    rated_satisfied = rated_satisfied + excluded.rated_satisfied, rated_basic = rated_basic + excluded.rated_basic,
    rated_unsatisfied = rated_unsatisfied + excluded.rated_unsatisfied;
END;

CREATE TABLE report_reason_hourly (
  hour INTEGER NOT NULL, agent TEXT NOT NULL, reason TEXT NOT NULL, not_ready_ms INTEGER NOT NULL DEFAULT 0,
  not_ready_count INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (hour, agent, reason)
) WITHOUT ROWID;

CREATE TABLE report_reason_daily (
  day INTEGER NOT NULL, agent TEXT NOT NULL, reason TEXT NOT NULL, not_ready_ms INTEGER NOT NULL DEFAULT 0,
  not_ready_count INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, agent, reason)
) WITHOUT ROWID;

CREATE TABLE report_reason_monthly (
  month INTEGER NOT NULL, agent TEXT NOT NULL, reason TEXT NOT NULL, not_ready_ms INTEGER NOT NULL DEFAULT 0,
  not_ready_count INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, agent, reason)
) WITHOUT ROWID;

CREATE VIEW report_reason_delta AS SELECT
  0 AS hour, agent, reason, not_ready_ms, not_ready_count
FROM report_reason_daily WHERE 0;

CREATE TRIGGER report_reason_delta_insert INSTEAD OF INSERT ON report_reason_delta BEGIN
  INSERT INTO report_reason_hourly (
    hour, agent, reason, not_ready_ms, not_ready_count)
  VALUES (
    new.hour, new.agent, new.reason, COALESCE(new.not_ready_ms, 0), COALESCE(new.not_ready_count, 0))
  ON CONFLICT (hour, agent, reason) DO UPDATE SET
    not_ready_ms = not_ready_ms + excluded.not_ready_ms, not_ready_count = not_ready_count + excluded.not_ready_count;
  INSERT INTO report_reason_daily (
    day, agent, reason, not_ready_ms, not_ready_count)
  VALUES (
    (new.hour + 8) / 24, new.agent, new.reason, COALESCE(new.not_ready_ms, 0), COALESCE(new.not_ready_count, 0))
  ON CONFLICT (day, agent, reason) DO UPDATE SET
    not_ready_ms = not_ready_ms + excluded.not_ready_ms, not_ready_count = not_ready_count + excluded.not_ready_count;
  INSERT INTO report_reason_monthly (
    month, agent, reason, not_ready_ms, not_ready_count)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    new.agent, new.reason, COALESCE(new.not_ready_ms, 0), COALESCE(new.not_ready_count, 0))
  ON CONFLICT (month, agent, reason) DO UPDATE SET
    not_ready_ms = not_ready_ms + excluded.not_ready_ms, not_ready_count = not_ready_count + excluded.not_ready_count;
END;

CREATE TABLE report_ticket_hourly (
  hour INTEGER NOT NULL, type TEXT NOT NULL, channel TEXT NOT NULL, created INTEGER NOT NULL DEFAULT 0,
  closed_on_spot INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (hour, type, channel)
) WITHOUT ROWID;

CREATE TABLE report_ticket_daily (
  day INTEGER NOT NULL, type TEXT NOT NULL, channel TEXT NOT NULL, category TEXT NOT NULL,
  department INTEGER NOT NULL, created INTEGER NOT NULL DEFAULT 0, closed_on_spot INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0, referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, type, channel, category, department)
) WITHOUT ROWID;

CREATE TABLE report_ticket_monthly (
  month INTEGER NOT NULL, type TEXT NOT NULL, channel TEXT NOT NULL, category TEXT NOT NULL,
  department INTEGER NOT NULL, created INTEGER NOT NULL DEFAULT 0, closed_on_spot INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0, referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, type, channel, category, department)
) WITHOUT ROWID;

CREATE TABLE report_ticket_all_hourly (
  hour INTEGER NOT NULL, created INTEGER NOT NULL DEFAULT 0, closed_on_spot INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0, referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (hour)
) WITHOUT ROWID;

CREATE TABLE report_ticket_all_daily (
  day INTEGER NOT NULL, created INTEGER NOT NULL DEFAULT 0, closed_on_spot INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0, referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day)
) WITHOUT ROWID;

CREATE TABLE report_ticket_all_monthly (
  month INTEGER NOT NULL, created INTEGER NOT NULL DEFAULT 0, closed_on_spot INTEGER NOT NULL DEFAULT 0,
  rejected INTEGER NOT NULL DEFAULT 0, referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month)
) WITHOUT ROWID;

CREATE TABLE report_ticket_by_type_channel_daily (
  day INTEGER NOT NULL, type TEXT NOT NULL, channel TEXT NOT NULL, created INTEGER NOT NULL DEFAULT 0,
  closed_on_spot INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, type, channel)
) WITHOUT ROWID;

CREATE TABLE report_ticket_by_type_channel_monthly (
  month INTEGER NOT NULL, type TEXT NOT NULL, channel TEXT NOT NULL, created INTEGER NOT NULL DEFAULT 0,
  closed_on_spot INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, type, channel)
) WITHOUT ROWID;

CREATE TABLE report_ticket_by_category_daily (
  day INTEGER NOT NULL, category TEXT NOT NULL, created INTEGER NOT NULL DEFAULT 0,
  closed_on_spot INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, category)
) WITHOUT ROWID;

CREATE TABLE report_ticket_by_category_monthly (
  month INTEGER NOT NULL, category TEXT NOT NULL, created INTEGER NOT NULL DEFAULT 0,
  closed_on_spot INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, category)
) WITHOUT ROWID;

CREATE TABLE report_ticket_by_department_daily (
  day INTEGER NOT NULL, department INTEGER NOT NULL, created INTEGER NOT NULL DEFAULT 0,
  closed_on_spot INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, department)
) WITHOUT ROWID;

CREATE TABLE report_ticket_by_department_monthly (
  month INTEGER NOT NULL, department INTEGER NOT NULL, created INTEGER NOT NULL DEFAULT 0,
  closed_on_spot INTEGER NOT NULL DEFAULT 0, rejected INTEGER NOT NULL DEFAULT 0,
  referred INTEGER NOT NULL DEFAULT 0, dispatched INTEGER NOT NULL DEFAULT 0,
  redispatched INTEGER NOT NULL DEFAULT 0, reopened INTEGER NOT NULL DEFAULT 0, signed INTEGER NOT NULL DEFAULT 0,
  signed_on_time INTEGER NOT NULL DEFAULT 0, returned INTEGER NOT NULL DEFAULT 0,
  extension_requested INTEGER NOT NULL DEFAULT 0, extension_approved INTEGER NOT NULL DEFAULT 0,
  replied INTEGER NOT NULL DEFAULT 0, replied_on_time INTEGER NOT NULL DEFAULT 0,
  reworked INTEGER NOT NULL DEFAULT 0, reviewed INTEGER NOT NULL DEFAULT 0, callbacks INTEGER NOT NULL DEFAULT 0,
  satisfied INTEGER NOT NULL DEFAULT 0, basically_satisfied INTEGER NOT NULL DEFAULT 0,
  unsatisfied INTEGER NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0,
  closed_on_time INTEGER NOT NULL DEFAULT 0, closed_first_pass INTEGER NOT NULL DEFAULT 0,
  merged INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, department)
) WITHOUT ROWID;

CREATE VIEW report_ticket_delta AS SELECT
  0 AS hour, type, channel, category, department, created, closed_on_spot, rejected, referred, dispatched,
  redispatched, reopened, signed, signed_on_time, returned, extension_requested, extension_approved, replied,
  replied_on_time, reworked, reviewed, callbacks, satisfied, basically_satisfied, unsatisfied, closed,
  closed_on_time, closed_first_pass, merged
FROM report_ticket_daily WHERE 0;

CREATE TRIGGER report_ticket_delta_insert INSTEAD OF INSERT ON report_ticket_delta BEGIN
  INSERT INTO report_ticket_hourly (
    hour, type, channel, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed,
    signed_on_time, returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed,
    callbacks, satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    new.hour, new.type, new.channel, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0),
    COALESCE(new.rejected, 0), COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0),
    COALESCE(new.reopened, 0), COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (hour, type, channel) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_daily (
    day, type, channel, category, department, created, closed_on_spot, rejected, referred, dispatched, redispatched,
    reopened, signed, signed_on_time, returned, extension_requested, extension_approved, replied, replied_on_time,
    reworked, reviewed, callbacks, satisfied, basically_satisfied, unsatisfied, closed, closed_on_time,
    closed_first_pass, merged)
  VALUES (
    (new.hour + 8) / 24, new.type, new.channel, new.category, new.department, COALESCE(new.created, 0),
    COALESCE(new.closed_on_spot, 0), COALESCE(new.rejected, 0), COALESCE(new.referred, 0),
    COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0), COALESCE(new.reopened, 0), COALESCE(new.signed, 0),
    COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0), COALESCE(new.extension_requested, 0),
    COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0), COALESCE(new.replied_on_time, 0),
    COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0), COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0),
    COALESCE(new.basically_satisfied, 0), COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0),
    COALESCE(new.closed_on_time, 0), COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (day, type, channel, category, department) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_monthly (
    month, type, channel, category, department, created, closed_on_spot, rejected, referred, dispatched,
    redispatched, reopened, signed, signed_on_time, returned, extension_requested, extension_approved, replied,
    replied_on_time, reworked, reviewed, callbacks, satisfied, basically_satisfied, unsatisfied, closed,
    closed_on_time, closed_first_pass, merged)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    new.type, new.channel, new.category, new.department, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0),
    COALESCE(new.rejected, 0), COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0),
    COALESCE(new.reopened, 0), COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (month, type, channel, category, department) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_all_hourly (
    hour, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed, signed_on_time,
    returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed, callbacks,
    satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    new.hour, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0), COALESCE(new.rejected, 0),
    COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0), COALESCE(new.reopened, 0),
    COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (hour) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_all_daily (
    day, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed, signed_on_time,
    returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed, callbacks,
    satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    (new.hour + 8) / 24, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0), COALESCE(new.rejected, 0),
    COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0), COALESCE(new.reopened, 0),
    COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (day) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_all_monthly (
    month, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed, signed_on_time,
    returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed, callbacks,
    satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0), COALESCE(new.rejected, 0), COALESCE(new.referred, 0),
    COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0), COALESCE(new.reopened, 0), COALESCE(new.signed, 0),
    COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0), COALESCE(new.extension_requested, 0),
    COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0), COALESCE(new.replied_on_time, 0),
    COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0), COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0),
    COALESCE(new.basically_satisfied, 0), COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0),
    COALESCE(new.closed_on_time, 0), COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (month) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_by_type_channel_daily (
    day, type, channel, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed,
    signed_on_time, returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed,
    callbacks, satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    (new.hour + 8) / 24, new.type, new.channel, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0),
    COALESCE(new.rejected, 0), COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0),
    COALESCE(new.reopened, 0), COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (day, type, channel) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_by_type_channel_monthly (
    month, type, channel, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed,
    signed_on_time, returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed,
    callbacks, satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    new.type, new.channel, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0), COALESCE(new.rejected, 0),
    COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0), COALESCE(new.reopened, 0),
    COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (month, type, channel) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_by_category_daily (
    day, category, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed,
    signed_on_time, returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed,
    callbacks, satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    (new.hour + 8) / 24, new.category, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0),
    COALESCE(new.rejected, 0), COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0),
    COALESCE(new.reopened, 0), COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (day, category) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_by_category_monthly (
    month, category, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed,
    signed_on_time, returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed,
    callbacks, satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    new.category, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0), COALESCE(new.rejected, 0),
    COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0), COALESCE(new.reopened, 0),
    COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (month, category) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_by_department_daily (
    day, department, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed,
    signed_on_time, returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed,
    callbacks, satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    (new.hour + 8) / 24, new.department, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0),
    COALESCE(new.rejected, 0), COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0),
    COALESCE(new.reopened, 0), COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (day, department) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
  INSERT INTO report_ticket_by_department_monthly (
    month, department, created, closed_on_spot, rejected, referred, dispatched, redispatched, reopened, signed,
    signed_on_time, returned, extension_requested, extension_approved, replied, replied_on_time, reworked, reviewed,
    callbacks, satisfied, basically_satisfied, unsatisfied, closed, closed_on_time, closed_first_pass, merged)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    new.department, COALESCE(new.created, 0), COALESCE(new.closed_on_spot, 0), COALESCE(new.rejected, 0),
    COALESCE(new.referred, 0), COALESCE(new.dispatched, 0), COALESCE(new.redispatched, 0), COALESCE(new.reopened, 0),
    COALESCE(new.signed, 0), COALESCE(new.signed_on_time, 0), COALESCE(new.returned, 0),
    COALESCE(new.extension_requested, 0), COALESCE(new.extension_approved, 0), COALESCE(new.replied, 0),
    COALESCE(new.replied_on_time, 0), COALESCE(new.reworked, 0), COALESCE(new.reviewed, 0),
    COALESCE(new.callbacks, 0), COALESCE(new.satisfied, 0), COALESCE(new.basically_satisfied, 0),
    COALESCE(new.unsatisfied, 0), COALESCE(new.closed, 0), COALESCE(new.closed_on_time, 0),
    COALESCE(new.closed_first_pass, 0), COALESCE(new.merged, 0))
  ON CONFLICT (month, department) DO UPDATE SET
    created = created + excluded.created, closed_on_spot = closed_on_spot + excluded.closed_on_spot,
    rejected = rejected + excluded.rejected, referred = referred + excluded.referred,
    dispatched = dispatched + excluded.dispatched, redispatched = redispatched + excluded.redispatched,
    reopened = reopened + excluded.reopened, signed = signed + excluded.signed,
    signed_on_time = signed_on_time + excluded.signed_on_time, returned = returned + excluded.returned,
    extension_requested = extension_requested + excluded.extension_requested,
    extension_approved = extension_approved + excluded.extension_approved, replied = replied + excluded.replied,
    replied_on_time = replied_on_time + excluded.replied_on_time, reworked = reworked + excluded.reworked,
    reviewed = reviewed + excluded.reviewed, callbacks = callbacks + excluded.callbacks,
    satisfied = satisfied + excluded.satisfied,
    basically_satisfied = basically_satisfied + excluded.basically_satisfied,
    unsatisfied = unsatisfied + excluded.unsatisfied, closed = closed + excluded.closed,
    closed_on_time = closed_on_time + excluded.closed_on_time,
    closed_first_pass = closed_first_pass + excluded.closed_first_pass, merged = merged + excluded.merged;
END;

CREATE TABLE report_call_hourly (
  hour INTEGER NOT NULL, direction TEXT NOT NULL, calls INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, talk_ms INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER NOT NULL DEFAULT 0,
  via_ivr INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (hour, direction)
) WITHOUT ROWID;

CREATE TABLE report_call_daily (
  day INTEGER NOT NULL, direction TEXT NOT NULL, calls INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, talk_ms INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER NOT NULL DEFAULT 0,
  via_ivr INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (day, direction)
) WITHOUT ROWID;

CREATE TABLE report_call_monthly (
  month INTEGER NOT NULL, direction TEXT NOT NULL, calls INTEGER NOT NULL DEFAULT 0,
  answered INTEGER NOT NULL DEFAULT 0, talk_ms INTEGER NOT NULL DEFAULT 0, duration_ms INTEGER NOT NULL DEFAULT 0,
  via_ivr INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (month, direction)
) WITHOUT ROWID;

CREATE VIEW report_call_delta AS SELECT
  0 AS hour, direction, calls, answered, talk_ms, duration_ms, via_ivr
FROM report_call_daily WHERE 0;

CREATE TRIGGER report_call_delta_insert INSTEAD OF INSERT ON report_call_delta BEGIN
  INSERT INTO report_call_hourly (
    hour, direction, calls, answered, talk_ms, duration_ms, via_ivr)
  VALUES (
    new.hour, new.direction, COALESCE(new.calls, 0), COALESCE(new.answered, 0), COALESCE(new.talk_ms, 0),
    COALESCE(new.duration_ms, 0), COALESCE(new.via_ivr, 0))
  ON CONFLICT (hour, direction) DO UPDATE SET
    calls = calls + excluded.calls, answered = answered + excluded.answered, talk_ms = talk_ms + excluded.talk_ms,
    duration_ms = duration_ms + excluded.duration_ms, via_ivr = via_ivr + excluded.via_ivr;
  INSERT INTO report_call_daily (
    day, direction, calls, answered, talk_ms, duration_ms, via_ivr)
  VALUES (
    (new.hour + 8) / 24, new.direction, COALESCE(new.calls, 0), COALESCE(new.answered, 0), COALESCE(new.talk_ms, 0),
    COALESCE(new.duration_ms, 0), COALESCE(new.via_ivr, 0))
  ON CONFLICT (day, direction) DO UPDATE SET
    calls = calls + excluded.calls, answered = answered + excluded.answered, talk_ms = talk_ms + excluded.talk_ms,
    duration_ms = duration_ms + excluded.duration_ms, via_ivr = via_ivr + excluded.via_ivr;
  INSERT INTO report_call_monthly (
    month, direction, calls, answered, talk_ms, duration_ms, via_ivr)
  VALUES (
    CAST(strftime('%Y', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) * 12
      + CAST(strftime('%m', (new.hour + 8) * 3600, 'unixepoch') AS INTEGER) - 1,
    new.direction, COALESCE(new.calls, 0), COALESCE(new.answered, 0), COALESCE(new.talk_ms, 0),
    COALESCE(new.duration_ms, 0), COALESCE(new.via_ivr, 0))
  ON CONFLICT (month, direction) DO UPDATE SET
    calls = calls + excluded.calls, answered = answered + excluded.answered, talk_ms = talk_ms + excluded.talk_ms,
    duration_ms = duration_ms + excluded.duration_ms, via_ivr = via_ivr + excluded.via_ivr;
END;


-- ---- queue family ----------------------------------------------------------
-- enter: one caller offered to the queue; refused: one who could not enter
-- (counted in its own hour: there is no entry).
CREATE TRIGGER report_queue_enter AFTER INSERT ON acd_queue_events WHEN new.kind IN ('enter', 'refused') BEGIN
  INSERT INTO report_queue_delta (hour, queue, offered, refused)
  VALUES (new.at / 3600000, new.queue, new.kind = 'enter', new.kind = 'refused');
END;

-- Every other event counts in the hour of its caller's entry: the latest
-- `enter` of the same call in the same queue logged before it (its own hour
-- when there is none). A connect is a live answer unless the caller asked for
-- a callback since that entry (a callback's success is callback_connected).
-- Answered within T: wait <= T; a short abandon: wait < S (so a caller who
-- hangs up exactly at S counts as abandoned).
CREATE TRIGGER report_queue_outcome AFTER INSERT ON acd_queue_events WHEN new.kind NOT IN ('enter', 'refused') BEGIN
  INSERT INTO report_queue_delta (
    hour, queue, answered, abandoned, overflowed, overflowed_queue, callback_requested, callback_placed,
    callback_connected, callback_failed, offers, ring_no_answer, offer_failed, handled, transferred, talk_ms,
    hold_ms, wait_answered_ms, wait_abandoned_ms, max_wait_ms, ans_le_10, ans_le_15, ans_le_20, ans_le_30, ans_le_45,
    ans_le_60, ans_le_90, ans_le_120, ab_le_10, ab_le_15, ab_le_20, ab_le_30, ab_le_45, ab_le_60, ab_le_90,
    ab_le_120, ab_lt_3, ab_lt_5, ab_lt_10, ab_lt_15, ab_lt_20, ab_lt_30)
  SELECT
    hour, new.queue, answered, abandoned, new.kind = 'overflow',
    new.kind = 'overflow' AND substr(new.detail, 1, 6) = 'queue:', new.kind = 'callback_requested',
    new.kind = 'callback_placed', new.kind = 'callback_connected', new.kind = 'callback_failed', new.kind = 'offer',
    new.kind = 'ring_no_answer', new.kind = 'offer_failed', new.kind = 'complete',
    new.kind = 'complete' AND substr(new.detail, 1, 9) = 'transfer:',
    CASE WHEN new.kind = 'complete' THEN new.talk_ms END, CASE WHEN new.kind = 'complete' THEN new.hold_ms END,
    CASE WHEN answered THEN new.wait_ms END, CASE WHEN abandoned THEN new.wait_ms END,
    CASE WHEN answered OR abandoned THEN new.wait_ms END, answered AND new.wait_ms <= 10000,
    answered AND new.wait_ms <= 15000, answered AND new.wait_ms <= 20000, answered AND new.wait_ms <= 30000,
    answered AND new.wait_ms <= 45000, answered AND new.wait_ms <= 60000, answered AND new.wait_ms <= 90000,
    answered AND new.wait_ms <= 120000, abandoned AND new.wait_ms <= 10000, abandoned AND new.wait_ms <= 15000,
    abandoned AND new.wait_ms <= 20000, abandoned AND new.wait_ms <= 30000, abandoned AND new.wait_ms <= 45000,
    abandoned AND new.wait_ms <= 60000, abandoned AND new.wait_ms <= 90000, abandoned AND new.wait_ms <= 120000,
    abandoned AND new.wait_ms < 3000, abandoned AND new.wait_ms < 5000, abandoned AND new.wait_ms < 10000,
    abandoned AND new.wait_ms < 15000, abandoned AND new.wait_ms < 20000, abandoned AND new.wait_ms < 30000
  FROM (SELECT COALESCE(e.at, new.at) / 3600000 AS hour,
               new.kind = 'abandon' AS abandoned,
               new.kind = 'connect' AND NOT EXISTS (
                 SELECT 1 FROM acd_queue_events c
                 WHERE c.call = new.call AND c.queue = new.queue AND c.kind = 'callback_requested'
                   AND c.id > COALESCE(e.id, 0) AND c.id < new.id) AS answered
        FROM (SELECT (SELECT id FROM acd_queue_events
                      WHERE call = new.call AND queue = new.queue AND kind = 'enter' AND id < new.id
                      ORDER BY id DESC LIMIT 1) AS id) AS entry
        LEFT JOIN acd_queue_events e ON e.id = entry.id);
END;
-- ---- agent and reason families -----------------------------------------------
-- Offers, answers and completed calls of an agent, in the hour they happen.
CREATE TRIGGER report_agent_queue_event AFTER INSERT ON acd_queue_events
WHEN new.agent <> '' AND new.kind IN ('offer', 'ring_no_answer', 'offer_failed', 'connect', 'complete') BEGIN
  INSERT INTO report_agent_delta (hour, agent, offers, ring_no_answer, offer_failed, answered, handled, transferred,
                                  talk_ms, hold_ms)
  VALUES (new.at / 3600000, new.agent, new.kind = 'offer', new.kind = 'ring_no_answer', new.kind = 'offer_failed',
          new.kind = 'connect', new.kind = 'complete',
          new.kind = 'complete' AND substr(new.detail, 1, 9) = 'transfer:',
          CASE WHEN new.kind = 'complete' THEN new.talk_ms END, CASE WHEN new.kind = 'complete' THEN new.hold_ms END);
END;

-- A state change ends the agent's previous state: its interval [previous at,
-- this at) is added to that state, split at hour boundaries. The previous
-- event is the agent's latest one logged before this (events of one agent
-- are logged in time order; an interval still open is not counted yet). A
-- not-ready interval also counts for its reason (once, in the hour it began);
-- a wrap-up interval also counts for the queue of its call, in the hour that
-- call entered the queue (nothing when the event names no queue or call).
CREATE TRIGGER report_agent_state AFTER INSERT ON acd_agent_events BEGIN
  INSERT INTO report_agent_delta (hour, agent, logins)
  SELECT new.at / 3600000, new.agent, 1 WHERE new.from_state = 'logged_out' AND new.to_state <> 'logged_out';

  INSERT INTO report_agent_delta (hour, agent, ready_ms, not_ready_ms, ringing_ms, on_call_ms, on_hold_ms, wrap_up_ms,
                                  busy_elsewhere_ms)
  SELECT hour, new.agent, CASE WHEN state = 'ready' THEN ms END, CASE WHEN state = 'not_ready' THEN ms END,
         CASE WHEN state = 'ringing' THEN ms END, CASE WHEN state = 'on_call' THEN ms END,
         CASE WHEN state = 'on_hold' THEN ms END, CASE WHEN state = 'wrap_up' THEN ms END,
         CASE WHEN state = 'busy_elsewhere' THEN ms END
  FROM (SELECT p.to_state AS state, p.at / 3600000 + n.n AS hour,
               MIN(new.at, (p.at / 3600000 + n.n + 1) * 3600000) - MAX(p.at, (p.at / 3600000 + n.n) * 3600000) AS ms
        FROM (SELECT at, to_state FROM acd_agent_events
              WHERE agent = new.agent AND at <= new.at AND id < new.id ORDER BY at DESC, id DESC LIMIT 1) AS p
        JOIN report_numbers n ON n.n <= (new.at - 1) / 3600000 - p.at / 3600000
        WHERE new.at > p.at AND p.to_state <> 'logged_out');

  INSERT INTO report_reason_delta (hour, agent, reason, not_ready_ms, not_ready_count)
  SELECT p.at / 3600000 + n.n, new.agent, p.reason,
         MIN(new.at, (p.at / 3600000 + n.n + 1) * 3600000) - MAX(p.at, (p.at / 3600000 + n.n) * 3600000), n.n = 0
  FROM (SELECT at, to_state, reason FROM acd_agent_events
        WHERE agent = new.agent AND at <= new.at AND id < new.id ORDER BY at DESC, id DESC LIMIT 1) AS p
  JOIN report_numbers n ON n.n <= (new.at - 1) / 3600000 - p.at / 3600000
  WHERE new.at > p.at AND p.to_state = 'not_ready';

  INSERT INTO report_queue_delta (hour, queue, wrap_ms)
  SELECT e.at / 3600000, p.queue, new.at - p.at
  FROM (SELECT at, to_state, queue, call FROM acd_agent_events
        WHERE agent = new.agent AND at <= new.at AND id < new.id ORDER BY at DESC, id DESC LIMIT 1) AS p
  JOIN acd_queue_events e ON e.id = (SELECT id FROM acd_queue_events
                                     WHERE call = p.call AND queue = p.queue AND kind = 'enter' AND at <= p.at
                                     ORDER BY at DESC, id DESC LIMIT 1)
  WHERE new.at > p.at AND p.to_state = 'wrap_up' AND p.queue <> '' AND p.call <> '';
END;

-- Tickets registered by an agent (a user: the IVR and web files have no job number).
CREATE TRIGGER report_agent_ticket AFTER INSERT ON ticket_history
WHEN new.action = 'create' AND new.actor_id IS NOT NULL BEGIN
  INSERT INTO report_agent_delta (hour, agent, tickets_created)
  SELECT new.at / 3600000, u.job_number, 1 FROM users u WHERE u.id = new.actor_id;
END;

-- Per-call satisfaction (一次一评): the first question of a survey whose
-- title contains 满意 (satisfaction), answered with the call's uuid; 1 is
-- satisfied, the highest key unsatisfied, keys between basically satisfied.
-- It counts for the agent of the call's last completed ACD call.
CREATE TRIGGER report_call_rating AFTER INSERT ON survey_answers WHEN new.call_uuid <> '' BEGIN
  INSERT INTO report_agent_delta (hour, agent, rated, rated_satisfied, rated_basic, rated_unsatisfied)
  SELECT new.answered_at / 3600000, c.agent, 1, new.answer = 1, new.answer > 1 AND new.answer < q.max_answer,
         new.answer > 1 AND new.answer = q.max_answer
  FROM survey_questions q
  JOIN surveys s ON s.id = q.survey_id
  JOIN acd_queue_events c ON c.id = (SELECT id FROM acd_queue_events
                                     WHERE call = new.call_uuid AND kind = 'complete' AND at <= new.answered_at
                                     ORDER BY at DESC, id DESC LIMIT 1)
  WHERE q.id = new.question_id AND q.position = 1 AND instr(s.title, '满意') > 0 AND c.agent <> ''
    AND new.answer BETWEEN 1 AND q.max_answer;
END;

-- ---- ticket family -----------------------------------------------------------
-- Every action counts in its hour, with the ticket's type, channel, category
-- and lead unit as they are once the action is done (the row is written
-- before its history entry). On time: done no later than the deadline in
-- force (none set counts as on time). First pass (一次办结): a close with no
-- re-dispatch (改派), rework (重办) or reopening before it.
CREATE TRIGGER report_ticket_history AFTER INSERT ON ticket_history
WHEN new.action IN ('create', 'close_on_spot', 'reject', 'refer', 'dispatch', 'redispatch', 'reopen', 'sign',
                    'return_to_hotline', 'request_extension', 'approve_extension', 'reply', 'send_back',
                    'accept_reply', 'record_callback', 'close', 'merge') BEGIN
  INSERT INTO report_ticket_delta (hour, type, channel, category, department, created, closed_on_spot, rejected,
                                   referred, dispatched, redispatched, reopened, signed, signed_on_time, returned,
                                   extension_requested, extension_approved, replied, replied_on_time, reworked,
                                   reviewed, callbacks, satisfied, basically_satisfied, unsatisfied, closed,
                                   closed_on_time, closed_first_pass, merged)
  SELECT new.at / 3600000, t.type, t.channel, t.category_code, COALESCE(t.lead_department_id, 0),
         new.action = 'create', new.action = 'close_on_spot', new.action = 'reject', new.action = 'refer',
         new.action IN ('dispatch', 'redispatch', 'reopen'), new.action = 'redispatch', new.action = 'reopen',
         new.action = 'sign', new.action = 'sign' AND (t.sign_due IS NULL OR new.at <= t.sign_due),
         new.action = 'return_to_hotline', new.action = 'request_extension', new.action = 'approve_extension',
         new.action = 'reply', new.action = 'reply' AND (t.reply_due IS NULL OR new.at <= t.reply_due),
         new.action = 'send_back', new.action = 'accept_reply', new.action = 'record_callback',
         new.action = 'record_callback' AND t.satisfaction = 'satisfied',
         new.action = 'record_callback' AND t.satisfaction = 'basically_satisfied',
         new.action = 'record_callback' AND t.satisfaction = 'unsatisfied',
         new.action = 'close', new.action = 'close' AND (t.close_due IS NULL OR new.at <= t.close_due),
         new.action = 'close' AND NOT EXISTS (
           SELECT 1 FROM ticket_history h
           WHERE h.ticket_id = new.ticket_id AND h.id < new.id AND h.action IN ('redispatch', 'send_back', 'reopen')),
         new.action = 'merge'
  FROM tickets t WHERE t.id = new.ticket_id;
END;

-- ---- call family -------------------------------------------------------------
-- Call records, in the hour the call started: inbound from a trunk, outbound
-- to a trunk, internal otherwise.
CREATE TRIGGER report_call_record AFTER INSERT ON calls BEGIN
  INSERT INTO report_call_delta (hour, direction, calls, answered, talk_ms, duration_ms, via_ivr)
  VALUES (new.started_at / 3600000,
          CASE WHEN substr(new.source, 1, 6) = 'trunk:' THEN 'inbound'
               WHEN substr(new.route, 1, 6) = 'trunk:' THEN 'outbound' ELSE 'internal' END,
          1, new.answered_at IS NOT NULL, new.talk_ms, new.duration_ms, new.ivr_path IS NOT NULL);
END;
