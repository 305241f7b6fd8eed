#pragma once
// What the ticket scheduler fires (D4): timed reminders (定时催办) that came
// due, and escalations (督办) of tickets nearing (yellow) or past (red) the
// deadline of their current state. Firing is recorded in the database
// (reminders.fired_at, ticket_escalations), so each alert fires at most once,
// also across restarts. Synchronous functions over one store::Database.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"
#include "hotline/tickets/types.hpp"

namespace hotline::tickets {

struct Alert {
  std::string kind;  // "reminder" or "escalation"
  std::int64_t ticket_id = 0;
  std::string number;
  std::string summary;
  State state = State::created;
  std::optional<std::int64_t> lead_department_id;
  std::int64_t due_at = 0;    // the reminder's time, or the deadline
  std::int64_t fired_at = 0;  // when the scheduler fired it
  // reminder
  std::optional<std::int64_t> reminder_id;
  std::string note;
  std::optional<std::int64_t> set_by;  // user who set the reminder
  // escalation
  std::string level;     // "yellow" or "red"
  std::string deadline;  // "sign", "reply" or "close"
  // Users to notify: the reminder's author, the ticket's creator, the staff of
  // the lead unit and every supervisor (enabled accounts only).
  std::vector<std::int64_t> recipients;
};

// Marks every unfired reminder due at `now` as fired and returns them (in the
// caller's transaction: run as one write job).
std::vector<Alert> fire_due_reminders(store::Database& db, std::int64_t now, int limit = 500);

// An open ticket whose current deadline is at least `yellow_fraction` of the
// way from its creation to the deadline, not yet escalated at that level.
struct EscalationCandidate {
  std::int64_t ticket_id = 0;
  std::string deadline;
  std::int64_t due = 0;
  std::string level;
};
// Read-only scan (may run on a reader connection).
std::vector<EscalationCandidate> escalation_candidates(store::Database& db, std::int64_t now, double yellow_fraction,
                                                       int limit = 5000);
// Records the candidates (INSERT OR IGNORE) and returns the alerts of those
// this call recorded; a candidate already fired by someone else is skipped.
std::vector<Alert> fire_escalations(store::Database& db, const std::vector<EscalationCandidate>& candidates,
                                    std::int64_t now);

// Earliest unfired reminder (for the scheduler's wake-up).
std::optional<std::int64_t> next_reminder_at(store::Database& db);

// Alerts fired since `since` that concern one user (the "shown at login"
// list): all of them for supervisors and admins; for department staff those
// of tickets their unit leads; for everyone else their own reminders and
// escalations of tickets they created. Newest first.
struct AlertViewer {
  std::int64_t user_id = 0;
  bool sees_all = false;
  std::optional<std::int64_t> department_id;  // set: department staff
};
std::vector<Alert> recent_alerts(store::Database& db, const AlertViewer& viewer, std::int64_t since, int limit = 200);

}  // namespace hotline::tickets
