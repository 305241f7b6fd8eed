#pragma once
// Timed reminders (定时催办, D4) set by any operator on any ticket. The
// scheduler that fires them lives in the daemon; these functions make firing
// happen at most once even across restarts: mark_fired only succeeds for a
// reminder that has not fired yet.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"
#include "hotline/tickets/types.hpp"

namespace hotline::tickets {

struct Reminder {
  std::int64_t id = 0;
  std::int64_t ticket_id = 0;
  std::int64_t due_at = 0;
  std::string note;
  std::optional<std::int64_t> created_by;
  std::int64_t created_at = 0;
  std::optional<std::int64_t> fired_at;
};

Reminder add_reminder(store::Database& db, std::int64_t ticket_id, std::int64_t due_at, const std::string& note,
                      const Actor& actor, std::int64_t now);
// Unfired reminders due at or before `now`, oldest first.
std::vector<Reminder> due_reminders(store::Database& db, std::int64_t now, int limit = 100);
// The earliest unfired reminder, for the scheduler's next wake-up.
std::optional<std::int64_t> next_reminder_due(store::Database& db);
// True when this call fired it; false when it had already fired (or is gone).
bool mark_fired(store::Database& db, std::int64_t reminder_id, std::int64_t now);

}  // namespace hotline::tickets
