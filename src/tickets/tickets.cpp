#include "hotline/tickets/tickets.hpp"

#include <sodium.h>

#include "hotline/core/error.hpp"
#include "hotline/tickets/lifecycle.hpp"
#include "rows.hpp"

namespace hotline::tickets {
namespace {

using nlohmann::json;
using store::Database;

bool has_control_characters(std::string_view s, bool allow_newlines) {
  for (unsigned char c : s) {
    if (allow_newlines && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

void check_text(std::string_view value, const char* field, std::size_t min, std::size_t max, bool multiline) {
  if (value.size() < min || value.size() > max) {
    throw Error(Errc::invalid_argument,
                std::string(field) + ": must be " + std::to_string(min) + " to " + std::to_string(max) + " bytes");
  }
  if (has_control_characters(value, multiline)) {
    throw Error(Errc::invalid_argument, std::string(field) + ": control characters are not allowed");
  }
}

void validate(const NewTicket& t) {
  if (t.category_code.empty() || t.category_code.size() > 32) {
    throw Error(Errc::invalid_argument, "category_code: must be 1 to 32 characters");
  }
  for (char c : t.category_code) {
    bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-';
    if (!ok) throw Error(Errc::invalid_argument, "category_code: only letters, digits, '.' and '-' are allowed");
  }
  check_text(t.summary, "summary", 1, 600, false);
  check_text(t.content, "content", 0, 20000, true);
  check_text(t.location, "location", 0, 600, false);
  if (t.caller_name) check_text(*t.caller_name, "caller_name", 1, 128, false);
}

// Day (Asia/Shanghai) + a per-day sequence of at least 5 digits. A busy city
// day past 99,999 tickets gets 6-digit sequences: still unique, since the day
// prefix has a fixed width.
std::string next_number(Database& db, std::int64_t now) {
  std::string day = compact_day(local_day(now));
  auto& s = db.query(
      "INSERT INTO ticket_sequences (day, last) VALUES (?, 1) "
      "ON CONFLICT (day) DO UPDATE SET last = last + 1 RETURNING last",
      day);
  s.step();
  auto seq = s.int64(0);
  s.run();
  std::string digits = std::to_string(seq);
  if (digits.size() < 5) digits.insert(0, 5 - digits.size(), '0');
  return day + digits;
}

std::vector<Ticket> read_all(Database& db, store::Statement& s) {
  std::vector<Ticket> out;
  while (s.step()) out.push_back(detail::read_ticket(s));
  for (auto& t : out) t.assisting_department_ids = detail::assisting_of(db, t.id);
  return out;
}

}  // namespace

Ticket create_ticket(Database& db, const PersonalDataKey& key, const TicketRules& rules, const NewTicket& t,
                     const Actor& actor, std::int64_t now) {
  validate(t);
  rules.categories.require(t.category_code);
  std::optional<std::string> phone_enc, phone_hash, name_enc;
  if (t.caller_phone) {
    std::string normal = normalise_phone(*t.caller_phone);
    phone_enc = key.seal(normal);
    phone_hash = key.phone_hash(normal);
  }
  if (t.caller_name) name_enc = key.seal(*t.caller_name);
  auto due = compute_deadlines(rules.calendar, rules.policy, t.type, t.urgency, t.complex, now);
  std::string number = next_number(db, now);
  auto& s = db.query(
      "INSERT INTO tickets (number, type, channel, category_code, urgency, complex, location, summary, content, "
      "confidential, state, sign_due, reply_due, close_due, created_by, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'created', ?, ?, ?, ?, ?, ?)",
      number, to_string(t.type), to_string(t.channel), t.category_code, to_string(t.urgency), t.complex, t.location,
      t.summary, t.content, t.confidential, due.sign_due, due.reply_due, due.close_due, actor.user_id, now, now);
  s.run();
  auto id = db.last_insert_id();
  // Blobs are bound apart: the personal data must never pass through a TEXT column.
  auto set_blob = [&](const char* sql, const std::optional<std::string>& v) {
    if (!v) return;
    auto& u = db.prepare(sql);
    u.bind_blob(1, v->data(), v->size()).bind(2, id).run();
  };
  set_blob("UPDATE tickets SET caller_phone_enc = ? WHERE id = ?", phone_enc);
  set_blob("UPDATE tickets SET caller_phone_hash = ? WHERE id = ?", phone_hash);
  set_blob("UPDATE tickets SET caller_name_enc = ? WHERE id = ?", name_enc);
  json created = {{"number", number},
                  {"type", to_string(t.type)},
                  {"channel", to_string(t.channel)},
                  {"urgency", to_string(t.urgency)},
                  {"category_code", t.category_code}};
  detail::append_history(db, id, now, actor, "create", std::nullopt, State::created, "", created);
  return detail::require_ticket(db, id);
}

std::optional<Ticket> get_ticket(Database& db, std::int64_t id) { return detail::load_ticket(db, id); }

std::optional<Ticket> find_by_number(Database& db, const std::string& number) {
  auto& s = db.query("SELECT id FROM tickets WHERE number = ?", number);
  if (!s.step()) return std::nullopt;
  auto id = s.int64(0);
  s.run();
  return detail::load_ticket(db, id);
}

Caller caller_of(Database& db, const PersonalDataKey& key, std::int64_t ticket_id) {
  auto& s = db.query("SELECT caller_name_enc, caller_phone_enc FROM tickets WHERE id = ?", ticket_id);
  if (!s.step()) throw Error(Errc::not_found, "no ticket " + std::to_string(ticket_id));
  Caller c;
  if (!s.is_null(0)) c.name = key.open(s.blob(0));
  if (!s.is_null(1)) c.phone = key.open(s.blob(1));
  s.run();
  return c;
}

std::vector<Ticket> tickets_of_caller(Database& db, const PersonalDataKey& key, const std::string& phone, int limit) {
  auto hash = key.phone_hash(phone);
  auto& s = db.prepare(std::string(detail::kTicketSelect) + "WHERE t.caller_phone_hash = ? ORDER BY t.id DESC LIMIT ?");
  s.bind_blob(1, hash.data(), hash.size()).bind(2, std::clamp(limit, 1, 1000));
  return read_all(db, s);
}

std::optional<std::int64_t> current_deadline(const Ticket& t) {
  switch (t.state) {
    case State::created:
    case State::dispatched:
      return t.sign_due;
    case State::signed_for:
    case State::returned:
    case State::extension_requested:
      return t.reply_due;
    case State::replied:
    case State::reviewed:
    case State::called_back:
      return t.close_due;
    default:
      return std::nullopt;
  }
}

std::vector<Ticket> list_tickets(Database& db, const TicketFilter& f) {
  std::string sql = detail::kTicketSelect;
  sql += "WHERE 1";
  if (f.state) sql += " AND t.state = ?";
  if (f.type) sql += " AND t.type = ?";
  if (f.department_id) {
    sql += " AND t.id IN (SELECT ticket_id FROM ticket_assignments WHERE department_id = ? AND ended_at IS NULL)";
  }
  if (f.overdue_at) {
    // The deadline that matters depends on where the ticket stands.
    sql +=
        " AND ((t.state IN ('created', 'dispatched') AND t.sign_due < ?)"
        " OR (t.state IN ('signed', 'returned', 'extension_requested') AND t.reply_due < ?)"
        " OR (t.state IN ('replied', 'reviewed', 'called_back') AND t.close_due < ?))";
  }
  if (f.before_id) sql += " AND t.id < ?";
  sql += " ORDER BY t.id DESC LIMIT ?";
  auto& s = db.prepare(sql);
  int i = 0;
  if (f.state) s.bind(++i, to_string(*f.state));
  if (f.type) s.bind(++i, to_string(*f.type));
  if (f.department_id) s.bind(++i, *f.department_id);
  if (f.overdue_at) {
    for (int k = 0; k < 3; ++k) s.bind(++i, *f.overdue_at);
  }
  if (f.before_id) s.bind(++i, *f.before_id);
  s.bind(++i, std::clamp(f.limit, 1, 1000));
  return read_all(db, s);
}

Ticket merge_tickets(Database& db, std::int64_t master_id, std::int64_t duplicate_id, std::int64_t duplicate_version,
                     const Actor& actor, const std::string& reason, std::int64_t now) {
  ActionArgs args;
  args.master_id = master_id;
  args.reason = reason;
  args.now = now;
  auto merged = apply_action(db, duplicate_id, duplicate_version, Action::merge, actor, args);
  // The master's history tells which requests were merged into it.
  detail::append_history(db, master_id, now, actor, "merge_in", std::nullopt, std::nullopt, reason,
                         json{{"merged", merged.number}});
  return merged;
}

void record_outbound_call(Database& db, std::int64_t ticket_id, const Actor& actor, const std::string& call_uuid,
                          std::int64_t now) {
  detail::append_history(db, ticket_id, now, actor, "callback_call", std::nullopt, std::nullopt, "",
                         json{{"call", call_uuid}});
}

std::vector<HistoryEntry> history_of(Database& db, std::int64_t ticket_id) {
  std::vector<HistoryEntry> out;
  auto& s = db.query(
      "SELECT id, at, actor_id, actor, action, from_state, to_state, reason, changes FROM ticket_history "
      "WHERE ticket_id = ? ORDER BY id",
      ticket_id);
  while (s.step()) {
    HistoryEntry h;
    h.id = s.int64(0);
    h.at = s.int64(1);
    h.actor = {s.optional_int64(2), s.text(3)};
    h.action = s.text(4);
    if (auto v = s.optional_text(5)) h.from_state = parse_state(*v);
    if (auto v = s.optional_text(6)) h.to_state = parse_state(*v);
    h.reason = s.text(7);
    h.changes = s.text(8);
    out.push_back(std::move(h));
  }
  return out;
}

}  // namespace hotline::tickets
