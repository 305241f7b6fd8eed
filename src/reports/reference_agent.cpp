// The agent and reason families from acd_agent_events (state intervals),
// acd_queue_events (offers and calls), ticket_history (tickets registered)
// and survey_answers (per-call ratings): docs/kpis.md, "Agent measures".
#include <algorithm>
#include <array>
#include <optional>
#include <set>

#include "hotline/reports/reference.hpp"

namespace hotline::reports {
namespace {

struct StateEvent {
  std::int64_t id = 0;
  Ms at = 0;
  std::string from, to, reason;
};

constexpr std::array<std::pair<std::string_view, std::string_view>, 7> kStateMeasures{{
    {"ready", "ready_ms"},
    {"not_ready", "not_ready_ms"},
    {"ringing", "ringing_ms"},
    {"on_call", "on_call_ms"},
    {"on_hold", "on_hold_ms"},
    {"wrap_up", "wrap_up_ms"},
    {"busy_elsewhere", "busy_elsewhere_ms"},
}};

std::optional<std::string_view> state_measure(const std::string& state) {
  for (const auto& [name, measure] : kStateMeasures) {
    if (name == state) return measure;
  }
  return std::nullopt;
}

StateEvent read_state(store::Statement& s) { return {s.int64(0), s.int64(1), s.text(2), s.text(3), s.text(4)}; }

constexpr const char* kStateColumns = "SELECT id, at, from_state, to_state, reason FROM acd_agent_events ";

class AgentPass {
 public:
  explicit AgentPass(const DayRange& days) : days_(days), first_(days.first_hour()), end_(days.end_hour()) {}

  // One agent's events in time order, with the one before the range and the
  // one after it when they exist: each pair is a closed interval.
  void states(const std::string& agent, const std::vector<StateEvent>& seq) {
    const Ms start = days_.start_ms(), end = days_.end_ms();
    for (std::size_t i = 0; i < seq.size(); ++i) {
      const auto& e = seq[i];
      if (e.at >= start && e.at < end && e.from == "logged_out" && e.to != "logged_out") {
        count(agent_, FactKey{hour_of(e.at), {agent}}, "logins", 1);
      }
      if (i + 1 == seq.size()) break;
      const auto& next = seq[i + 1];
      if (next.at <= e.at || e.to == "logged_out") continue;
      auto measure = state_measure(e.to);
      // Split [e.at, next.at) at hour boundaries, inside the range.
      for (std::int64_t h = std::max(hour_of(e.at), first_); h <= hour_of(next.at - 1) && h < end_; ++h) {
        Ms ms = std::min(next.at, hour_start(h + 1)) - std::max(e.at, hour_start(h));
        if (measure) count(agent_, FactKey{h, {agent}}, *measure, ms);
        if (e.to == "not_ready") {
          FactKey k{h, {agent, e.reason}};
          count(reason_, k, "not_ready_ms", ms);
          if (h == hour_of(e.at)) count(reason_, k, "not_ready_count", 1);
        }
      }
    }
  }

  void queue_event(Ms at, const std::string& agent, const std::string& kind, Ms talk, Ms hold,
                   const std::string& detail) {
    FactKey k{hour_of(at), {agent}};
    const bool complete = kind == "complete";
    if (kind == "offer") count(agent_, k, "offers", 1);
    if (kind == "ring_no_answer") count(agent_, k, "ring_no_answer", 1);
    if (kind == "offer_failed") count(agent_, k, "offer_failed", 1);
    if (kind == "connect") count(agent_, k, "answered", 1);
    if (complete) {
      count(agent_, k, "handled", 1);
      count(agent_, k, "transferred", detail.starts_with("transfer:"));
      count(agent_, k, "talk_ms", talk);
      count(agent_, k, "hold_ms", hold);
    }
  }

  void ticket(Ms at, const std::string& agent) { count(agent_, FactKey{hour_of(at), {agent}}, "tickets_created", 1); }

  void rating(Ms at, const std::string& agent, std::int64_t answer, std::int64_t max_answer) {
    FactKey k{hour_of(at), {agent}};
    count(agent_, k, "rated", 1);
    count(agent_, k, "rated_satisfied", answer == 1);
    count(agent_, k, "rated_basic", answer > 1 && answer < max_answer);
    count(agent_, k, "rated_unsatisfied", answer > 1 && answer == max_answer);
  }

  AgentFacts take() { return {std::move(agent_), std::move(reason_)}; }

 private:
  void count(Facts& facts, const FactKey& key, std::string_view measure, std::int64_t value) {
    if (key.time < first_ || key.time >= end_) return;
    facts.add(key, facts.spec().at(measure), value);
  }

  DayRange days_;
  std::int64_t first_, end_;
  Facts agent_{Family::agent, Level::hourly};
  Facts reason_{Family::reason, Level::hourly};
};

// Whose state log can matter: users (agents log in with their job number),
// queue members, and anyone with an event in the range.
std::set<std::string> agents_of(store::Database& db, Ms start, Ms end) {
  std::set<std::string> out;
  auto read = [&out](store::Statement& s) {
    while (s.step()) out.insert(s.text(0));
  };
  read(db.prepare("SELECT job_number FROM users"));
  read(db.prepare("SELECT DISTINCT agent FROM acd_members"));
  read(db.query("SELECT DISTINCT agent FROM acd_agent_events WHERE at >= ? AND at < ?", start, end));
  return out;
}

}  // namespace

AgentFacts reference_agents(store::Database& db, const DayRange& days) {
  AgentPass pass(days);
  const Ms start = days.start_ms(), end = days.end_ms();

  for (const auto& agent : agents_of(db, start, end)) {
    std::vector<StateEvent> seq;
    auto& before = db.query(std::string(kStateColumns) + "WHERE agent = ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1",
                            agent, start);
    if (before.step()) seq.push_back(read_state(before));
    before.run();
    auto& inside = db.query(std::string(kStateColumns) + "WHERE agent = ? AND at >= ? AND at < ? ORDER BY at, id",
                            agent, start, end);
    while (inside.step()) seq.push_back(read_state(inside));
    auto& after =
        db.query(std::string(kStateColumns) + "WHERE agent = ? AND at >= ? ORDER BY at, id LIMIT 1", agent, end);
    if (after.step()) seq.push_back(read_state(after));
    after.run();
    if (!seq.empty()) pass.states(agent, seq);
  }

  auto& q = db.query(
      "SELECT at, agent, kind, talk_ms, hold_ms, detail FROM acd_queue_events WHERE at >= ? AND at < ? "
      "AND agent <> '' AND kind IN ('offer', 'ring_no_answer', 'offer_failed', 'connect', 'complete')",
      start, end);
  while (q.step()) pass.queue_event(q.int64(0), q.text(1), q.text(2), q.int64(3), q.int64(4), q.text(5));

  auto& t = db.query(
      "SELECT h.at, u.job_number FROM ticket_history h JOIN users u ON u.id = h.actor_id "
      "WHERE h.at >= ? AND h.at < ? AND h.action = 'create'",
      start, end);
  while (t.step()) pass.ticket(t.int64(0), t.text(1));

  struct Rating {
    Ms at;
    std::string call;
    std::int64_t answer, max_answer;
  };
  std::vector<Rating> ratings;
  auto& r = db.query(
      "SELECT a.answered_at, a.call_uuid, a.answer, q.max_answer FROM survey_answers a "
      "JOIN survey_questions q ON q.id = a.question_id JOIN surveys s ON s.id = q.survey_id "
      "WHERE a.answered_at >= ? AND a.answered_at < ? AND a.call_uuid <> '' AND q.position = 1 "
      "AND instr(s.title, '满意') > 0 AND a.answer BETWEEN 1 AND q.max_answer",
      start, end);
  while (r.step()) ratings.push_back({r.int64(0), r.text(1), r.int64(2), r.int64(3)});
  for (const auto& rating : ratings) {
    auto& c = db.query(
        "SELECT agent FROM acd_queue_events WHERE call = ? AND kind = 'complete' AND at <= ? "
        "ORDER BY at DESC, id DESC LIMIT 1",
        rating.call, rating.at);
    if (!c.step()) continue;
    std::string agent = c.text(0);
    c.run();
    if (!agent.empty()) pass.rating(rating.at, agent, rating.answer, rating.max_answer);
  }
  return pass.take();
}

}  // namespace hotline::reports
