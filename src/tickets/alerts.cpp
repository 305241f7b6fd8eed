#include "hotline/tickets/alerts.hpp"

#include <algorithm>

#include "hotline/core/error.hpp"
#include "hotline/tickets/reminders.hpp"
#include "rows.hpp"

namespace hotline::tickets {
namespace {

using store::Database;

constexpr const char* kOpenStates =
    "('created', 'dispatched', 'signed', 'returned', 'extension_requested', 'replied', 'reviewed', 'called_back')";

// The deadline that matters in a state, as tickets.hpp's current_deadline().
constexpr const char* kDeadlineKind =
    "CASE WHEN state IN ('created', 'dispatched') THEN 'sign' "
    "WHEN state IN ('signed', 'returned', 'extension_requested') THEN 'reply' ELSE 'close' END";
constexpr const char* kDeadlineDue =
    "CASE WHEN state IN ('created', 'dispatched') THEN sign_due "
    "WHEN state IN ('signed', 'returned', 'extension_requested') THEN reply_due ELSE close_due END";

struct Brief {
  std::string number;
  std::string summary;
  State state = State::created;
  std::optional<std::int64_t> lead;
  std::optional<std::int64_t> created_by;
  std::string kind;
  std::optional<std::int64_t> due;
};

std::optional<Brief> brief_of(Database& db, std::int64_t ticket_id) {
  auto& s = db.query(std::string("SELECT number, summary, state, lead_department_id, created_by, ") + kDeadlineKind +
                         ", " + kDeadlineDue + ", state IN " + kOpenStates + " FROM tickets WHERE id = ?",
                     ticket_id);
  if (!s.step()) return std::nullopt;
  Brief b;
  b.number = s.text(0);
  b.summary = s.text(1);
  b.state = parse_state(s.text(2)).value_or(State::created);
  b.lead = s.optional_int64(3);
  b.created_by = s.optional_int64(4);
  if (s.int64(7) != 0) {
    b.kind = s.text(5);
    b.due = s.optional_int64(6);
  }
  s.run();
  return b;
}

std::vector<std::int64_t> recipients_of(Database& db, std::optional<std::int64_t> set_by,
                                        std::optional<std::int64_t> created_by, std::optional<std::int64_t> lead) {
  std::vector<std::int64_t> out;
  auto& s = db.query(
      "SELECT u.id FROM users u WHERE u.enabled = 1 AND (u.id = ?1 OR u.id = ?2 "
      "OR (u.department_id = ?3 AND EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id "
      "AND r.role = 'department_staff')) "
      "OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'supervisor')) ORDER BY u.id",
      set_by, created_by, lead);
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

Alert base_alert(const Brief& b, std::int64_t ticket_id) {
  Alert a;
  a.ticket_id = ticket_id;
  a.number = b.number;
  a.summary = b.summary;
  a.state = b.state;
  a.lead_department_id = b.lead;
  return a;
}

}  // namespace

std::vector<Alert> fire_due_reminders(Database& db, std::int64_t now, int limit) {
  std::vector<Alert> out;
  for (const auto& r : due_reminders(db, now, limit)) {
    if (!mark_fired(db, r.id, now)) continue;
    auto b = brief_of(db, r.ticket_id);
    if (!b) continue;
    Alert a = base_alert(*b, r.ticket_id);
    a.kind = "reminder";
    a.due_at = r.due_at;
    a.fired_at = now;
    a.reminder_id = r.id;
    a.note = r.note;
    a.set_by = r.created_by;
    a.recipients = recipients_of(db, r.created_by, b->created_by, b->lead);
    out.push_back(std::move(a));
  }
  return out;
}

std::vector<EscalationCandidate> escalation_candidates(Database& db, std::int64_t now, double yellow_fraction,
                                                       int limit) {
  std::vector<EscalationCandidate> out;
  // The phase's start is at or after the creation: the creation-based test is a cheap
  // necessary condition, the history-based one decides.
  auto& s = db.query(std::string("SELECT c.id, c.kind, c.due FROM (SELECT t.id, t.created_at, ") + kDeadlineKind +
                         " AS kind, " + kDeadlineDue + " AS due, t.state FROM tickets t WHERE t.state IN " +
                         kOpenStates +
                         ") c WHERE c.due IS NOT NULL AND c.created_at + (c.due - c.created_at) * ?1 <= ?2 "
                         // Already escalated at this level (most overdue tickets once the scheduler has
                         // run): one index probe, before the history look-ups of the phase start.
                         "AND NOT EXISTS (SELECT 1 FROM ticket_escalations e WHERE e.ticket_id = c.id "
                         "AND e.deadline = c.kind AND e.due = c.due "
                         "AND e.level = CASE WHEN c.due <= ?2 THEN 'red' ELSE 'yellow' END) "
                         "AND " + detail::phase_started_sql("c") + " + (c.due - " + detail::phase_started_sql("c") +
                         ") * ?1 <= ?2 "
                         "ORDER BY c.due LIMIT ?3",
                     yellow_fraction, now, std::clamp(limit, 1, 100000));
  while (s.step()) {
    auto due = s.int64(2);
    out.push_back({s.int64(0), s.text(1), due, due <= now ? "red" : "yellow"});
  }
  return out;
}

std::vector<Alert> fire_escalations(Database& db, const std::vector<EscalationCandidate>& candidates,
                                    std::int64_t now) {
  std::vector<Alert> out;
  for (const auto& c : candidates) {
    // The ticket may have moved on since the scan.
    auto b = brief_of(db, c.ticket_id);
    if (!b || b->kind != c.deadline || b->due != c.due) continue;
    db.query(
          "INSERT OR IGNORE INTO ticket_escalations (ticket_id, deadline, due, level, fired_at) VALUES (?, ?, ?, ?, ?)",
          c.ticket_id, c.deadline, c.due, c.level, now)
        .run();
    if (db.changes() != 1) continue;
    Alert a = base_alert(*b, c.ticket_id);
    a.kind = "escalation";
    a.due_at = c.due;
    a.fired_at = now;
    a.level = c.level;
    a.deadline = c.deadline;
    a.recipients = recipients_of(db, std::nullopt, b->created_by, b->lead);
    out.push_back(std::move(a));
  }
  return out;
}

std::optional<std::int64_t> next_reminder_at(Database& db) { return next_reminder_due(db); }

std::vector<Alert> recent_alerts(Database& db, const AlertViewer& v, std::int64_t since, int limit) {
  std::vector<Alert> out;
  limit = std::clamp(limit, 1, 1000);
  // ?2: sees all; ?3: department (staff); ?4: the user.
  const std::string who =
      " AND (?2 OR (?3 IS NOT NULL AND t.lead_department_id = ?3) OR (?3 IS NULL AND (t.created_by = ?4";
  auto& r = db.query(
      "SELECT r.id, r.ticket_id, r.due_at, r.note, r.created_by, r.fired_at, t.number, t.summary, t.state, "
      "t.lead_department_id FROM reminders r JOIN tickets t ON t.id = r.ticket_id WHERE r.fired_at >= ?1" +
          who + " OR r.created_by = ?4))) ORDER BY r.fired_at DESC, r.id DESC LIMIT ?5",
      since, v.sees_all, v.department_id, v.user_id, limit);
  while (r.step()) {
    Alert a;
    a.kind = "reminder";
    a.reminder_id = r.int64(0);
    a.ticket_id = r.int64(1);
    a.due_at = r.int64(2);
    a.note = r.text(3);
    a.set_by = r.optional_int64(4);
    a.fired_at = r.int64(5);
    a.number = r.text(6);
    a.summary = r.text(7);
    a.state = parse_state(r.text(8)).value_or(State::created);
    a.lead_department_id = r.optional_int64(9);
    out.push_back(std::move(a));
  }
  // Escalations of tickets still open.
  auto& e = db.query(std::string("SELECT e.ticket_id, e.deadline, e.due, e.level, e.fired_at, t.number, t.summary, "
                                 "t.state, t.lead_department_id FROM ticket_escalations e JOIN tickets t ON "
                                 "t.id = e.ticket_id WHERE e.fired_at >= ?1 AND t.state IN ") +
                         kOpenStates + who + "))) ORDER BY e.fired_at DESC LIMIT ?5",
                     since, v.sees_all, v.department_id, v.user_id, limit);
  while (e.step()) {
    Alert a;
    a.kind = "escalation";
    a.ticket_id = e.int64(0);
    a.deadline = e.text(1);
    a.due_at = e.int64(2);
    a.level = e.text(3);
    a.fired_at = e.int64(4);
    a.number = e.text(5);
    a.summary = e.text(6);
    a.state = parse_state(e.text(7)).value_or(State::created);
    a.lead_department_id = e.optional_int64(8);
    out.push_back(std::move(a));
  }
  std::stable_sort(out.begin(), out.end(), [](const Alert& x, const Alert& y) { return x.fired_at > y.fired_at; });
  if (out.size() > static_cast<std::size_t>(limit)) out.resize(limit);
  return out;
}

}  // namespace hotline::tickets
