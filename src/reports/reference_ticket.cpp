// The ticket family from ticket_history and tickets: docs/kpis.md, "Ticket
// measures". An action counts with the ticket's values as they were right
// after it; those are the current row's values with the changes of every
// later history entry undone (each entry records {"field": [old, new]}).
#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>

#include "hotline/reports/reference.hpp"

namespace hotline::reports {
namespace {

// The fields of a ticket that reports read, as text (NULL: nullopt).
struct Snapshot {
  std::string type, channel, category;
  std::optional<std::int64_t> department, sign_due, reply_due, close_due;
  std::optional<std::string> satisfaction;
};

struct HistoryRow {
  std::int64_t id = 0;
  Ms at = 0;
  std::string action;
  std::string changes;
};

std::optional<std::int64_t> optional_int(const nlohmann::json& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}

// Undoes one entry's changes: the snapshot before it.
void undo(Snapshot& s, const std::string& changes_text) {
  auto changes = nlohmann::json::parse(changes_text, nullptr, false);
  if (!changes.is_object()) return;
  for (const auto& [field, pair] : changes.items()) {
    if (!pair.is_array() || pair.size() != 2) continue;  // "create" lists values, not changes
    const auto& old = pair[0];
    if (field == "type" && old.is_string()) s.type = old.get<std::string>();
    if (field == "category_code" && old.is_string()) s.category = old.get<std::string>();
    if (field == "lead_department_id") s.department = optional_int(old);
    if (field == "sign_due") s.sign_due = optional_int(old);
    if (field == "reply_due") s.reply_due = optional_int(old);
    if (field == "close_due") s.close_due = optional_int(old);
    if (field == "satisfaction")
      s.satisfaction = old.is_string() ? std::optional(old.get<std::string>()) : std::nullopt;
  }
}

bool on_time(Ms at, const std::optional<std::int64_t>& due) { return !due || at <= *due; }

class TicketPass {
 public:
  explicit TicketPass(const DayRange& days) : first_(days.first_hour()), end_(days.end_hour()) {}

  void ticket(Snapshot now, const std::vector<HistoryRow>& history) {
    // Values after each entry, newest first.
    std::vector<Snapshot> after(history.size());
    for (std::size_t i = history.size(); i-- > 0;) {
      after[i] = now;
      undo(now, history[i].changes);
    }
    bool redone = false;  // a re-dispatch, rework or reopening happened before
    for (std::size_t i = 0; i < history.size(); ++i) {
      const auto& h = history[i];
      count(h, after[i], redone);
      if (h.action == "redispatch" || h.action == "send_back" || h.action == "reopen") redone = true;
    }
  }

  Facts take() { return std::move(facts_); }

 private:
  void count(const HistoryRow& h, const Snapshot& s, bool redone) {
    std::int64_t hour = hour_of(h.at);
    if (hour < first_ || hour >= end_) return;
    const std::string& a = h.action;
    Values v(spec_.measures.size(), 0);
    auto set = [&](std::string_view m, bool x) { v[spec_.at(m)] = x; };
    set("created", a == "create");
    set("closed_on_spot", a == "close_on_spot");
    set("rejected", a == "reject");
    set("referred", a == "refer");
    set("dispatched", a == "dispatch" || a == "redispatch" || a == "reopen");
    set("redispatched", a == "redispatch");
    set("reopened", a == "reopen");
    set("signed", a == "sign");
    set("signed_on_time", a == "sign" && on_time(h.at, s.sign_due));
    set("returned", a == "return_to_hotline");
    set("extension_requested", a == "request_extension");
    set("extension_approved", a == "approve_extension");
    set("replied", a == "reply");
    set("replied_on_time", a == "reply" && on_time(h.at, s.reply_due));
    set("reworked", a == "send_back");
    set("reviewed", a == "accept_reply");
    set("callbacks", a == "record_callback");
    set("satisfied", a == "record_callback" && s.satisfaction == "satisfied");
    set("basically_satisfied", a == "record_callback" && s.satisfaction == "basically_satisfied");
    set("unsatisfied", a == "record_callback" && s.satisfaction == "unsatisfied");
    set("closed", a == "close");
    set("closed_on_time", a == "close" && on_time(h.at, s.close_due));
    set("closed_first_pass", a == "close" && !redone);
    set("merged", a == "merge");
    if (all_zero(v)) return;  // edits, archiving, merge_in: nothing to count
    facts_.add(FactKey{hour, {s.type, s.channel, s.category, std::to_string(s.department.value_or(0))}}, v);
  }

  const FamilySpec& spec_ = spec(Family::ticket);
  std::int64_t first_, end_;
  Facts facts_{Family::ticket, Level::hourly};
};

constexpr const char* kTicketsOfRange = "SELECT DISTINCT ticket_id FROM ticket_history WHERE at >= ?1 AND at < ?2";

}  // namespace

Facts reference_tickets(store::Database& db, const DayRange& days, const TicketScope& scope) {
  TicketPass pass(days);
  const Ms start = days.start_ms(), end = days.end_ms();

  struct Current {
    Snapshot snapshot;
    std::string state, creator;
  };
  std::map<std::int64_t, Current> tickets;
  auto& t = db.query(std::string("SELECT t.id, t.type, t.channel, t.category_code, t.lead_department_id, t.sign_due, "
                                 "t.reply_due, t.close_due, t.satisfaction, t.state, COALESCE(u.job_number, '') "
                                 "FROM tickets t LEFT JOIN users u ON u.id = t.created_by WHERE t.id IN (") +
                         kTicketsOfRange + ")",
                     start, end);
  while (t.step()) {
    Current c{Snapshot{t.text(1), t.text(2), t.text(3), t.optional_int64(4), t.optional_int64(5), t.optional_int64(6),
                       t.optional_int64(7), t.optional_text(8)},
              t.text(9), t.text(10)};
    auto wanted = [](const std::vector<std::string>& allowed, const std::string& v) {
      return allowed.empty() || std::find(allowed.begin(), allowed.end(), v) != allowed.end();
    };
    if (wanted(scope.states, c.state) && wanted(scope.creators, c.creator)) tickets.emplace(t.int64(0), std::move(c));
  }

  auto& h = db.query(std::string("SELECT ticket_id, id, at, action, COALESCE(changes, '{}') FROM ticket_history "
                                 "WHERE ticket_id IN (") +
                         kTicketsOfRange + ") ORDER BY ticket_id, id",
                     start, end);
  std::int64_t current = -1;
  std::vector<HistoryRow> history;
  auto flush = [&] {
    auto it = tickets.find(current);
    if (it != tickets.end()) pass.ticket(it->second.snapshot, history);
    history.clear();
  };
  while (h.step()) {
    std::int64_t id = h.int64(0);
    if (id != current) {
      flush();
      current = id;
    }
    history.push_back({h.int64(1), h.int64(2), h.text(3), h.text(4)});
  }
  flush();
  return pass.take();
}

Facts reference_calls(store::Database& db, const DayRange& days) {
  Facts facts(Family::call, Level::hourly);
  const auto& spec = facts.spec();
  const std::size_t calls = spec.at("calls"), answered = spec.at("answered"), talk = spec.at("talk_ms"),
                    duration = spec.at("duration_ms"), ivr = spec.at("via_ivr");
  auto& s = db.query(
      "SELECT started_at, source, route, answered_at IS NOT NULL, talk_ms, duration_ms, ivr_path IS NOT NULL "
      "FROM calls WHERE started_at >= ? AND started_at < ?",
      days.start_ms(), days.end_ms());
  while (s.step()) {
    std::string source = s.text(1), route = s.text(2);
    std::string direction = source.starts_with("trunk:")  ? "inbound"
                            : route.starts_with("trunk:") ? "outbound"
                                                          : "internal";
    Values v(spec.measures.size(), 0);
    v[calls] = 1;
    v[answered] = s.int64(3);
    v[talk] = s.int64(4);
    v[duration] = s.int64(5);
    v[ivr] = s.int64(6);
    facts.add(FactKey{hour_of(s.int64(0)), {direction}}, v);
  }
  return facts;
}

Facts reference_facts(store::Database& db, Family family, const DayRange& days, const TicketScope& scope) {
  switch (family) {
    case Family::queue:
      return reference_queue(db, days);
    case Family::agent:
      return reference_agents(db, days).agent;
    case Family::reason:
      return reference_agents(db, days).reason;
    case Family::ticket:
      return reference_tickets(db, days, scope);
    case Family::call:
      return reference_calls(db, days);
  }
  return Facts(family, Level::hourly);
}

}  // namespace hotline::reports
