#include "hotline/tickets/reminders.hpp"

#include <algorithm>

#include "hotline/core/error.hpp"

namespace hotline::tickets {
namespace {

constexpr const char* kSelect = "SELECT id, ticket_id, due_at, note, created_by, created_at, fired_at FROM reminders ";

Reminder read_row(store::Statement& s) {
  return {s.int64(0), s.int64(1), s.int64(2), s.text(3), s.optional_int64(4), s.int64(5), s.optional_int64(6)};
}

}  // namespace

Reminder add_reminder(store::Database& db, std::int64_t ticket_id, std::int64_t due_at, const std::string& note,
                      const Actor& actor, std::int64_t now) {
  if (note.size() > 1000) throw Error(Errc::invalid_argument, "note: at most 1000 bytes");
  auto& t = db.query("SELECT 1 FROM tickets WHERE id = ?", ticket_id);
  bool found = t.step();
  t.run();
  if (!found) throw Error(Errc::not_found, "no ticket " + std::to_string(ticket_id));
  db.query("INSERT INTO reminders (ticket_id, due_at, note, created_by, created_at) VALUES (?, ?, ?, ?, ?)", ticket_id,
           due_at, note, actor.user_id, now)
      .run();
  return {db.last_insert_id(), ticket_id, due_at, note, actor.user_id, now, std::nullopt};
}

std::vector<Reminder> due_reminders(store::Database& db, std::int64_t now, int limit) {
  std::vector<Reminder> out;
  auto& s = db.query(std::string(kSelect) + "WHERE fired_at IS NULL AND due_at <= ? ORDER BY due_at, id LIMIT ?", now,
                     std::clamp(limit, 1, 1000));
  while (s.step()) out.push_back(read_row(s));
  return out;
}

std::optional<std::int64_t> next_reminder_due(store::Database& db) {
  auto& s = db.prepare("SELECT MIN(due_at) FROM reminders WHERE fired_at IS NULL");
  s.step();
  auto v = s.optional_int64(0);
  s.run();
  return v;
}

bool mark_fired(store::Database& db, std::int64_t reminder_id, std::int64_t now) {
  db.query("UPDATE reminders SET fired_at = ? WHERE id = ? AND fired_at IS NULL", now, reminder_id).run();
  return db.changes() == 1;
}

}  // namespace hotline::tickets
