// The queue family from acd_queue_events (and the wrap-up intervals of
// acd_agent_events): docs/kpis.md, "Queue measures".
#include <algorithm>
#include <map>
#include <optional>

#include "hotline/reports/reference.hpp"

namespace hotline::reports {
namespace {

struct Event {
  std::int64_t id = 0;
  Ms at = 0;
  std::string kind, queue, detail;
  Ms wait = 0, talk = 0, hold = 0;
};

struct Entry {
  std::optional<Ms> entered_at;  // the latest enter of this caller in this queue
  bool callback = false;         // a callback was requested since that entry
};

class QueuePass {
 public:
  QueuePass(const DayRange& days) : first_(days.first_hour()), end_(days.end_hour()) {}

  // All events of one call, in log order.
  void call(const std::vector<Event>& events) {
    std::map<std::string, Entry> entries;
    for (const auto& e : events) {
      if (e.kind == "enter") {
        entries[e.queue] = Entry{e.at, false};
        count(e.at, e.queue, "offered", 1);
        continue;
      }
      if (e.kind == "refused") {
        count(e.at, e.queue, "refused", 1);
        continue;
      }
      Entry& entry = entries[e.queue];
      const Ms when = entry.entered_at.value_or(e.at);
      const bool answered = e.kind == "connect" && !entry.callback;
      const bool abandoned = e.kind == "abandon";
      if (e.kind == "callback_requested") entry.callback = true;
      outcome(when, e, answered, abandoned);
    }
  }

  // A wrap-up interval [start, end) after a call of `queue`.
  void wrap(const std::string& queue, Ms entered_at, Ms ms) { count(entered_at, queue, "wrap_ms", ms); }

  Facts take() { return std::move(facts_); }

 private:
  void count(Ms when, const std::string& queue, std::string_view measure, std::int64_t value) {
    std::int64_t hour = hour_of(when);
    if (hour < first_ || hour >= end_) return;
    facts_.add(FactKey{hour, {queue}}, spec_.at(measure), value);
  }

  void outcome(Ms when, const Event& e, bool answered, bool abandoned) {
    std::int64_t hour = hour_of(when);
    if (hour < first_ || hour >= end_) return;
    Values v(spec_.measures.size(), 0);
    const bool complete = e.kind == "complete";
    v[i_.answered] = answered;
    v[i_.abandoned] = abandoned;
    v[i_.overflowed] = e.kind == "overflow";
    v[i_.overflowed_queue] = e.kind == "overflow" && e.detail.starts_with("queue:");
    v[i_.callback_requested] = e.kind == "callback_requested";
    v[i_.callback_placed] = e.kind == "callback_placed";
    v[i_.callback_connected] = e.kind == "callback_connected";
    v[i_.callback_failed] = e.kind == "callback_failed";
    v[i_.offers] = e.kind == "offer";
    v[i_.ring_no_answer] = e.kind == "ring_no_answer";
    v[i_.offer_failed] = e.kind == "offer_failed";
    v[i_.handled] = complete;
    v[i_.transferred] = complete && e.detail.starts_with("transfer:");
    v[i_.talk_ms] = complete ? e.talk : 0;
    v[i_.hold_ms] = complete ? e.hold : 0;
    v[i_.wait_answered_ms] = answered ? e.wait : 0;
    v[i_.wait_abandoned_ms] = abandoned ? e.wait : 0;
    v[i_.max_wait_ms] = answered || abandoned ? e.wait : 0;
    for (std::size_t k = 0; k < kServiceLevelSeconds.size(); ++k) {
      v[i_.answered_within + k] = answered && e.wait <= kServiceLevelSeconds[k] * 1000LL;
      v[i_.abandoned_within + k] = abandoned && e.wait <= kServiceLevelSeconds[k] * 1000LL;
    }
    for (std::size_t k = 0; k < kShortAbandonSeconds.size(); ++k) {
      v[i_.abandoned_before + k] = abandoned && e.wait < kShortAbandonSeconds[k] * 1000LL;
    }
    facts_.add(FactKey{hour, {e.queue}}, v);
  }

  // Measure indexes, looked up once.
  struct Index {
    explicit Index(const FamilySpec& s)
        : answered(s.at("answered")),
          abandoned(s.at("abandoned")),
          overflowed(s.at("overflowed")),
          overflowed_queue(s.at("overflowed_queue")),
          callback_requested(s.at("callback_requested")),
          callback_placed(s.at("callback_placed")),
          callback_connected(s.at("callback_connected")),
          callback_failed(s.at("callback_failed")),
          offers(s.at("offers")),
          ring_no_answer(s.at("ring_no_answer")),
          offer_failed(s.at("offer_failed")),
          handled(s.at("handled")),
          transferred(s.at("transferred")),
          talk_ms(s.at("talk_ms")),
          hold_ms(s.at("hold_ms")),
          wait_answered_ms(s.at("wait_answered_ms")),
          wait_abandoned_ms(s.at("wait_abandoned_ms")),
          max_wait_ms(s.at("max_wait_ms")),
          answered_within(s.at("ans_le_" + std::to_string(kServiceLevelSeconds[0]))),
          abandoned_within(s.at("ab_le_" + std::to_string(kServiceLevelSeconds[0]))),
          abandoned_before(s.at("ab_lt_" + std::to_string(kShortAbandonSeconds[0]))) {}
    std::size_t answered, abandoned, overflowed, overflowed_queue, callback_requested, callback_placed,
        callback_connected, callback_failed, offers, ring_no_answer, offer_failed, handled, transferred, talk_ms,
        hold_ms, wait_answered_ms, wait_abandoned_ms, max_wait_ms;
    std::size_t answered_within, abandoned_within, abandoned_before;  // first of each threshold run
  };

  const FamilySpec& spec_ = spec(Family::queue);
  const Index i_{spec_};
  std::int64_t first_, end_;
  Facts facts_{Family::queue, Level::hourly};
};

constexpr const char* kCallsOfRange = "SELECT DISTINCT call FROM acd_queue_events WHERE at >= ?1 AND at < ?2";

}  // namespace

Facts reference_queue(store::Database& db, const DayRange& days) {
  QueuePass pass(days);
  const Ms start = days.start_ms(), end = days.end_ms();

  // Every event of every caller seen in the range, whatever its time.
  std::map<std::string, std::vector<Event>> by_call;
  auto& s = db.query(std::string("SELECT call, id, at, kind, queue, wait_ms, talk_ms, hold_ms, detail "
                                 "FROM acd_queue_events WHERE call IN (") +
                         kCallsOfRange + ") ORDER BY call, id",
                     start, end);
  while (s.step()) {
    by_call[s.text(0)].push_back(
        Event{s.int64(1), s.int64(2), s.text(3), s.text(4), s.text(8), s.int64(5), s.int64(6), s.int64(7)});
  }
  for (const auto& [call, events] : by_call) pass.call(events);

  // Wrap-up after those callers' calls: the interval ends with the agent's next event.
  auto& w = db.query(std::string("SELECT id, at, agent, queue, call FROM acd_agent_events "
                                 "WHERE to_state = 'wrap_up' AND call IN (") +
                         kCallsOfRange + ") ORDER BY id",
                     start, end);
  struct Wrap {
    std::int64_t id;
    Ms at;
    std::string agent, queue, call;
  };
  std::vector<Wrap> wraps;
  while (w.step()) wraps.push_back({w.int64(0), w.int64(1), w.text(2), w.text(3), w.text(4)});
  for (const auto& wrap : wraps) {
    if (wrap.queue.empty() || wrap.call.empty()) continue;
    auto& n = db.query(
        // (at > ? OR (at = ? AND id > ?)) would make SQLite collect every later event of the agent.
        "SELECT at FROM acd_agent_events WHERE agent = ? AND at >= ? AND (at > ? OR id > ?) ORDER BY at, id LIMIT 1",
        wrap.agent, wrap.at, wrap.at, wrap.id);
    if (!n.step()) continue;  // still in wrap-up
    Ms ended = n.int64(0);
    n.run();
    if (ended <= wrap.at) continue;
    // The caller's latest entry into that queue at or before the wrap-up began.
    const Event* entry = nullptr;
    for (const auto& e : by_call[wrap.call]) {
      if (e.kind != "enter" || e.queue != wrap.queue || e.at > wrap.at) continue;
      if (!entry || e.at > entry->at || (e.at == entry->at && e.id > entry->id)) entry = &e;
    }
    if (entry) pass.wrap(wrap.queue, entry->at, ended - wrap.at);
  }
  return pass.take();
}

}  // namespace hotline::reports
