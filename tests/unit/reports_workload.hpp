#pragma once
// A random but plausible workload for the reports tests: callers through
// three queues (answered, abandoned around the thresholds, overflowed,
// transferred between queues, called back, left waiting), agents walking
// through their states across hours and midnights, tickets through their
// whole life (with edits, late actions, rework, reopening, merging), ratings
// of calls and call records. Rows are written in time order, one at a time,
// as the daemon's writer would.
#include <algorithm>
#include <functional>
#include <random>
#include <vector>

#include "hotline/tickets/editing.hpp"
#include "hotline/tickets/lifecycle.hpp"
#include "reports_fixture.hpp"

namespace reports_test {

using namespace hotline::tickets;

class Workload {
 public:
  Workload(ReportsDb& db, std::uint64_t seed, Ms start, Ms hours)
      : t_(db), rng_(seed), start_(start), span_(hours * 3600000) {}

  void run(int callers, int agents, int tickets) {
    hotline::store::in_transaction(*t_.db, [&] { generate(callers, agents, tickets); });
  }

  const std::vector<std::pair<std::string, std::string>>& connected() const { return connected_; }

 private:
  void generate(int callers, int agents, int tickets) {
    agents_ = agents;
    for (int i = 0; i < callers; ++i) caller("call-" + std::to_string(i), "human", start_ + pick(0, span_), 0);
    for (int i = 0; i < agents; ++i) agent_walk("A" + std::to_string(100 + i));
    for (int i = 0; i < callers / 20; ++i) {
      q(start_ + pick(0, span_), "refused", "human", "refused-" + std::to_string(i), "", 0, 0, 0, "queue_full");
    }
    // A complete with no entry (as after a lost log line): counts in its own hour.
    q(start_ + pick(0, span_), "complete", "human", "orphan", "A100", 0, 30000, 0, "citizen");
    for (int i = 0; i < callers / 4; ++i) call_record(i);
    flush();
    for (int i = 0; i < tickets; ++i) ticket_life(i);
    ratings();
  }

  Ms pick(Ms lo, Ms hi) { return std::uniform_int_distribution<Ms>(lo, hi)(rng_); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng_); }
  std::string agent_name() { return "A" + std::to_string(100 + pick(0, agents_ - 1)); }

  // Rows are queued with their time and written in time order by flush().
  void later(Ms at, std::function<void()> write) { pending_.push_back({at, seq_++, std::move(write)}); }
  void flush() {
    std::sort(pending_.begin(), pending_.end(),
              [](const auto& a, const auto& b) { return a.at != b.at ? a.at < b.at : a.seq < b.seq; });
    for (auto& p : pending_) p.write();
    pending_.clear();
  }
  void q(Ms at, std::string kind, std::string queue, std::string call, std::string agent = "", Ms wait = 0, Ms talk = 0,
         Ms hold = 0, std::string detail = "") {
    later(at, [=, this] { t_.qe(at, kind, queue, call, agent, wait, talk, hold, detail); });
  }

  // Waits that land on the thresholds now and then (5 s short abandons, 20 s service level).
  Ms wait_time() {
    static constexpr Ms edges[] = {0, 2999, 3000, 4999, 5000, 5001, 10000, 20000, 20001, 30000, 120000};
    if (chance(0.3)) return edges[pick(0, std::size(edges) - 1)];
    return pick(0, 180000);
  }

  void caller(const std::string& call, const std::string& queue, Ms entered, int depth) {
    q(entered, "enter", queue, call);
    Ms wait = wait_time();
    Ms at = entered;
    for (int offers = static_cast<int>(pick(0, 2)); offers > 0; --offers) {
      std::string agent = agent_name();
      at += pick(0, wait / 3 + 1);
      q(at, "offer", queue, call, agent);
      q(at + 1, chance(0.5) ? "ring_no_answer" : "offer_failed", queue, call, agent, 0, 0, 0, "no_answer");
    }
    Ms outcome_at = entered + wait;
    int what = static_cast<int>(pick(0, 9));
    if (depth > 1 && what >= 5) what = 0;  // no endless overflow chains
    switch (what) {
      case 0:
      case 1:
      case 2:
        answer(call, queue, entered, outcome_at, wait, depth);
        break;
      case 3:
        q(outcome_at, "abandon", queue, call, "", wait);
        break;
      case 4:
        break;  // still waiting when the logs end
      case 5:
        q(outcome_at, "overflow", queue, call, "", wait, 0, 0, "queue:english");
        caller(call, "english", outcome_at, depth + 1);
        break;
      case 6:
        q(outcome_at, "overflow", queue, call, "", wait, 0, 0, "voicemail");
        break;
      default:
        callback(call, queue, entered, outcome_at, wait);
        break;
    }
  }

  void answer(const std::string& call, const std::string& queue, Ms entered, Ms at, Ms wait, int depth) {
    std::string agent = agent_name();
    q(at, "connect", queue, call, agent, wait);
    Ms talk = pick(10000, 900000), hold = chance(0.3) ? pick(1000, 60000) : 0;
    Ms end = at + talk + hold;
    std::string detail = chance(0.5) ? "citizen" : "agent";
    if (depth == 0 && chance(0.15)) detail = "transfer:queue:complaints";
    q(end, "complete", queue, call, agent, 0, talk, hold, detail);
    connected_.emplace_back(call, queue);
    completes_.push_back({call, agent, end});
    if (detail == "transfer:queue:complaints") caller(call, "complaints", end, depth + 1);
    (void)entered;
  }

  void callback(const std::string& call, const std::string& queue, Ms entered, Ms at, Ms wait) {
    q(at, "callback_requested", queue, call, "", wait);
    Ms t = at;
    for (int attempt = 0; attempt < 3; ++attempt) {
      t += pick(60000, 600000);
      std::string agent = agent_name();
      q(t, "callback_placed", queue, call, agent);
      if (chance(0.6)) {
        q(t + 5000, "callback_connected", queue, call, agent);
        q(t + 5000, "connect", queue, call, agent, t + 5000 - entered);
        Ms talk = pick(10000, 300000);
        q(t + 5000 + talk, "complete", queue, call, agent, 0, talk, 0, "citizen");
        completes_.push_back({call, agent, t + 5000 + talk});
        return;
      }
      q(t + 30000, "callback_failed", queue, call, agent, 0, 0, 0, "no_answer");
      t += 30000;
    }
  }

  // Agents log in before the period and walk through their states, some
  // states lasting hours, across midnight; wrap-ups name a connected call.
  void agent_walk(const std::string& agent) {
    Ms t = start_ - pick(0, 2 * 3600000);
    std::string state = "logged_out";
    auto go = [&](const std::string& to, const std::string& reason, const std::string& call = "",
                  const std::string& queue = "") {
      later(t, [=, this] { t_.ae(t, agent, state, to, reason, call, queue); });
      state = to;
    };
    go("not_ready", "login");
    static const char* kStates[] = {"ready",   "not_ready", "ringing",        "on_call",
                                    "on_hold", "wrap_up",   "busy_elsewhere", "logged_out"};
    static const char* kReasons[] = {"break", "meal", "training", "临时闭席"};
    while (t < start_ + span_ + 3600000) {
      t += chance(0.1) ? pick(3600000, 3 * 3600000) : pick(0, 900000);
      std::string to = kStates[pick(0, 7)];
      if (state == "logged_out") to = "not_ready";
      if (to == state) to = "ready";
      if (to == "wrap_up" && !connected_.empty() && chance(0.8)) {
        const auto& [call, queue] = connected_[static_cast<std::size_t>(pick(0, connected_.size() - 1))];
        go(to, "ended", call, queue);
      } else if (to == "not_ready") {
        go(to, kReasons[pick(0, 3)]);
      } else {
        go(to, to == "logged_out" ? "logout" : "");
      }
    }
  }

  void call_record(int i) {
    Ms at = start_ + pick(0, span_);
    static const char* kSources[] = {"trunk:carrier", "extension:8001", "extension:8002"};
    static const char* kRoutes[] = {"ivr:12345", "trunk:carrier", "extension:8003", "queue:human"};
    std::string source = kSources[pick(0, 2)], route = kRoutes[pick(0, 3)];
    bool answered = chance(0.8);
    Ms talk = answered ? pick(0, 600000) : 0;
    later(at, [=, this] {
      t_.db
          ->query(
              "INSERT INTO calls (uuid, caller, dialled, source, route, started_at, answered_at, ended_at, "
              "duration_ms, "
              "talk_ms, status, hangup_cause, hangup_side, ivr_path) VALUES (?, '13800000000', '12345', ?, ?, ?, ?, ?, "
              "?, "
              "?, 200, 'normal', 'caller', ?)",
              "cdr-" + std::to_string(i), source, route, at, answered ? std::optional(at + 1000) : std::nullopt,
              at + 1000 + talk, 1000 + talk, talk,
              route == "ivr:12345" ? std::optional<std::string>("[]") : std::nullopt)
          .run();
    });
  }

  // Per-call ratings: a satisfaction survey (keys 1..3) and a poll that is not one.
  void ratings() {
    t_.db->exec(
        "INSERT INTO surveys (id, title, active, created_at) VALUES (1, '通话满意度', 1, 0), (2, '民意调查', 0, 0)");
    t_.db->exec(
        "INSERT INTO survey_questions (id, survey_id, position, text, max_answer) VALUES (1, 1, 1, '满意请按1', 3), "
        "(2, 1, 2, '建议请按1', 2), (3, 2, 1, '支持请按1', 2)");
    for (const auto& c : completes_) {
      if (!chance(0.5)) continue;
      Ms at = c.at + pick(1000, 60000);
      std::int64_t question = chance(0.8) ? 1 : pick(2, 3);
      std::int64_t answer = pick(1, 3);
      t_.db
          ->query(
              "INSERT INTO survey_answers (survey_id, question_id, answer, call_uuid, answered_at) VALUES "
              "((SELECT survey_id FROM survey_questions WHERE id = ?), ?, ?, ?, ?)",
              question, question, answer, c.call, at)
          .run();
    }
  }

  // One ticket from creation through random legal actions, minutes to days apart.
  void ticket_life(int i) {
    static const char* kCategories[] = {"0101", "0102", "0301", "0302", "0401", "0901"};
    NewTicket n = t_.sample(static_cast<TicketType>(pick(0, 7)));
    n.category_code = kCategories[pick(0, 5)];
    n.urgency = static_cast<Urgency>(pick(0, 2));
    n.channel = static_cast<Channel>(pick(0, 6));
    Ms at = start_ + pick(0, span_);
    Actor actor = chance(0.8) ? t_.agent : Actor{std::nullopt, "ivr"};
    Ticket ticket = create_ticket(*t_.db, t_.key, t_.rules, n, actor, at);
    const std::int64_t departments[] = {t_.water, t_.housing, t_.police};
    for (int step = 0; step < 14; ++step) {
      at += chance(0.3) ? pick(86400000, 8 * 86400000) : pick(60000, 6 * 3600000);
      if (is_open(ticket.state) && chance(0.08)) {
        TicketPatch patch;
        if (chance(0.5))
          patch.category_code = kCategories[pick(0, 5)];
        else
          patch.type = static_cast<TicketType>(pick(0, 7));
        try {
          ticket = edit_ticket(*t_.db, t_.rules, ticket.id, ticket.version, patch, t_.agent, "改分类", at);
        } catch (const hotline::Error&) {
        }
        continue;
      }
      std::vector<Action> legal;
      for (int a = 0; a <= static_cast<int>(Action::archive); ++a) {
        auto action = static_cast<Action>(a);
        if (next_state(ticket.state, action)) legal.push_back(action);
      }
      if (legal.empty()) break;
      Action action = legal[static_cast<std::size_t>(pick(0, legal.size() - 1))];
      ActionArgs args;
      args.now = at;
      args.reason = "原因";
      args.reply = "答复内容";
      args.lead_department_id = departments[pick(0, 2)];
      args.satisfaction = static_cast<Satisfaction>(pick(0, 2));
      args.referred_to = "110";
      if (action == Action::request_extension || action == Action::approve_extension) {
        args.reply_due = ticket.reply_due.value_or(at) + pick(1, 5) * 86400000;
      }
      if (action == Action::merge) {
        if (i == 0) continue;
        args.master_id = pick(1, ticket.id - 1);
      }
      try {
        ticket = apply_action(*t_.db, ticket.id, ticket.version, action, t_.agent, args);
      } catch (const hotline::Error&) {
        // Refused (an extension past the deadline, a merge into a closed ticket): try another step.
      }
    }
  }

  struct Pending {
    Ms at;
    std::uint64_t seq;
    std::function<void()> write;
  };
  struct Complete {
    std::string call, agent;
    Ms at;
  };

  ReportsDb& t_;
  std::mt19937_64 rng_;
  Ms start_, span_;
  int agents_ = 0;
  std::uint64_t seq_ = 0;
  std::vector<Pending> pending_;
  std::vector<std::pair<std::string, std::string>> connected_;
  std::vector<Complete> completes_;
};

}  // namespace reports_test
