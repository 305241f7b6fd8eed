// The rows of acd_queue_events and acd_agent_events, as the reports read them.
#include "hotline/acd/event_log.hpp"

namespace hotline::acd {

void log_queue_event(store::Database& db, const QueueEvent& e) {
  db.query(
        "INSERT INTO acd_queue_events (at, kind, queue, call, agent, priority, position, wait_ms, talk_ms, hold_ms, "
        "detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        e.at, to_string(e.kind), e.queue, e.call, e.agent, e.priority, e.position, e.wait_ms, e.talk_ms, e.hold_ms,
        e.detail)
      .run();
}

void log_agent_event(store::Database& db, const AgentEvent& e) {
  db.query(
        "INSERT INTO acd_agent_events (at, agent, from_state, to_state, reason, call, queue, device) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        e.at, e.agent, to_string(e.from), to_string(e.to), e.reason, e.call, e.queue, e.device)
      .run();
}

}  // namespace hotline::acd
