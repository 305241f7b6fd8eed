#pragma once
// Shared set-up of the reports tests: the tickets' test database (migrated,
// with a user 1001 and three departments) plus helpers that write the ACD's
// event logs as the ACD would, one row at a time (so the triggers of
// migration 0014 run as they do in the daemon).
#include <string>

#include "hotline/reports/aggregates.hpp"
#include "hotline/reports/facts.hpp"
#include "hotline/reports/time.hpp"
#include "tickets_fixture.hpp"

namespace reports_test {

using hotline::reports::Ms;
using tickets_test::cst;

inline constexpr Ms kSecond = 1000;
inline constexpr Ms kMinute = 60 * kSecond;

struct ReportsDb : tickets_test::TicketDb {
  // Test data needs no durability: no fsync per statement.
  ReportsDb() { db->exec("PRAGMA synchronous = OFF"); }

  struct QueueEvent {
    Ms at = 0;
    std::string kind, queue, call, agent;
    Ms wait = 0, talk = 0, hold = 0;
    std::string detail;
    int position = 0;
  };
  void queue_event(const QueueEvent& e) {
    db->query(
          "INSERT INTO acd_queue_events (at, kind, queue, call, agent, position, wait_ms, talk_ms, hold_ms, detail) "
          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
          e.at, e.kind, e.queue, e.call, e.agent, e.position, e.wait, e.talk, e.hold, e.detail)
        .run();
  }
  void qe(Ms at, const std::string& kind, const std::string& queue, const std::string& call,
          const std::string& agent = "", Ms wait = 0, Ms talk = 0, Ms hold = 0, const std::string& detail = "") {
    queue_event({at, kind, queue, call, agent, wait, talk, hold, detail, 0});
  }
  void ae(Ms at, const std::string& agent, const std::string& from, const std::string& to,
          const std::string& reason = "", const std::string& call = "", const std::string& queue = "") {
    db->query(
          "INSERT INTO acd_agent_events (at, agent, from_state, to_state, reason, call, queue) VALUES (?, ?, ?, ?, ?, "
          "?, ?)",
          at, agent, from, to, reason, call, queue)
        .run();
  }
  void user(std::int64_t id, const std::string& job, const std::string& name) {
    db->query(
          "INSERT INTO users (id, job_number, display_name, password_hash, password_changed_at, created_at, "
          "updated_at) VALUES (?, ?, ?, 'x', 0, 0, 0)",
          id, job, name)
        .run();
  }
  // The aggregate rows of a family over some days.
  hotline::reports::Facts table(hotline::reports::Family f, hotline::reports::Level level,
                                const hotline::reports::DayRange& days) {
    using hotline::reports::Level;
    return hotline::reports::read_table(*db, f, level, level == Level::hourly ? days.first_hour() : days.first,
                                        level == Level::hourly ? days.end_hour() : days.last + 1);
  }
  static std::int64_t day(int y, unsigned m, unsigned d) { return hotline::reports::day_of(cst(y, m, d, 12)); }
};

}  // namespace reports_test
