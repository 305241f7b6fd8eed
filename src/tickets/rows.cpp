#include "rows.hpp"

#include <algorithm>

#include "hotline/core/error.hpp"

namespace hotline::tickets::detail {
namespace {

using nlohmann::json;
using store::Database;

template <class T>
json to_json_value(const std::optional<T>& v) {
  if (!v) return nullptr;
  if constexpr (std::is_enum_v<T>) {
    return std::string(to_string(*v));
  } else {
    return *v;
  }
}

template <class T>
void diff(json& out, const char* field, const T& a, const T& b) {
  if (a == b) return;
  if constexpr (std::is_enum_v<T>) {
    out[field] = {std::string(to_string(a)), std::string(to_string(b))};
  } else {
    out[field] = {a, b};
  }
}

template <class T>
void diff(json& out, const char* field, const std::optional<T>& a, const std::optional<T>& b) {
  if (a != b) out[field] = {to_json_value(a), to_json_value(b)};
}

void require_department(Database& db, std::int64_t id, const char* field) {
  auto& s = db.query("SELECT 1 FROM departments WHERE id = ?", id);
  bool found = s.step();
  s.run();
  if (!found) throw Error(Errc::invalid_argument, std::string(field) + ": no department " + std::to_string(id));
}

}  // namespace

std::vector<std::int64_t> assisting_of(Database& db, std::int64_t ticket_id) {
  std::vector<std::int64_t> out;
  auto& s = db.query(
      "SELECT department_id FROM ticket_assignments WHERE ticket_id = ? AND role = 'assist' AND ended_at IS NULL "
      "ORDER BY department_id",
      ticket_id);
  while (s.step()) out.push_back(s.int64(0));
  return out;
}

namespace {

// Whose time it is in a state: the hotline's before dispatch, then the unit's
// to sign, to reply, and the hotline's again for the callback.
std::string phase_of(const std::string& state) {
  return "CASE WHEN " + state + " = 'created' THEN 'entry' WHEN " + state + " = 'dispatched' THEN 'sign' WHEN " +
         state + " IN ('signed', 'returned', 'extension_requested') THEN 'reply' ELSE 'close' END";
}

}  // namespace

std::string phase_started_sql(const std::string& ticket) {
  const std::string phase = phase_of(ticket + ".state");
  return "COALESCE((SELECT max(h.at) FROM ticket_history h WHERE h.ticket_id = " + ticket + ".id AND " +
         phase_of("h.to_state") + " = " + phase + " AND (h.from_state IS NULL OR " + phase_of("h.from_state") +
         " <> " + phase + ")), " + ticket + ".created_at)";
}

std::int64_t phase_started_at(Database& db, std::int64_t ticket_id) {
  auto& s = db.query("SELECT " + phase_started_sql("t") + " FROM tickets t WHERE t.id = ?", ticket_id);
  std::int64_t started = s.step() ? s.int64(0) : 0;
  s.run();  // to the end: a statement left on its row would pin this connection's snapshot
  return started;
}

const std::string kTicketColumnsText =
    "SELECT t.id, t.number, t.type, t.channel, t.category_code, t.urgency, t.complex, t.location, t.summary, "
    "t.content, t.caller_name_enc IS NOT NULL, t.caller_phone_enc IS NOT NULL, t.confidential, t.state, "
    "t.lead_department_id, t.referred_to, t.reply, t.satisfaction, t.version, t.sign_due, t.reply_due, t.close_due, "
    "t.created_by, t.created_at, t.updated_at, t.merged_into, t.kb_article_id, " +
    phase_started_sql("t") + " ";
const std::string kTicketSelectText = kTicketColumnsText + "FROM tickets t ";
const char* const kTicketColumns = kTicketColumnsText.c_str();
const char* const kTicketSelect = kTicketSelectText.c_str();

Ticket read_ticket(store::Statement& s) {
  Ticket t;
  t.id = s.int64(0);
  t.number = s.text(1);
  t.type = parse_ticket_type(s.text(2)).value_or(TicketType::other);
  t.channel = parse_channel(s.text(3)).value_or(Channel::api);
  t.category_code = s.text(4);
  t.urgency = parse_urgency(s.text(5)).value_or(Urgency::normal);
  t.complex = s.int64(6) != 0;
  t.location = s.text(7);
  t.summary = s.text(8);
  t.content = s.text(9);
  t.has_caller_name = s.int64(10) != 0;
  t.has_caller_phone = s.int64(11) != 0;
  t.confidential = s.int64(12) != 0;
  auto state = parse_state(s.text(13));
  if (!state) throw Error(Errc::internal, "ticket " + t.number + ": unknown state " + s.text(13));
  t.state = *state;
  t.lead_department_id = s.optional_int64(14);
  t.referred_to = s.optional_text(15);
  t.reply = s.optional_text(16);
  if (auto sat = s.optional_text(17)) t.satisfaction = parse_satisfaction(*sat);
  t.version = s.int64(18);
  t.sign_due = s.optional_int64(19);
  t.reply_due = s.optional_int64(20);
  t.close_due = s.optional_int64(21);
  t.created_by = s.optional_int64(22);
  t.created_at = s.int64(23);
  t.updated_at = s.int64(24);
  t.merged_into = s.optional_int64(25);
  t.kb_article_id = s.optional_int64(26);
  t.phase_started_at = s.int64(27);
  return t;
}

std::optional<Ticket> load_ticket(Database& db, std::int64_t id) {
  auto& s = db.query(std::string(kTicketSelect) + "WHERE t.id = ?", id);
  if (!s.step()) return std::nullopt;
  Ticket t = read_ticket(s);
  s.run();
  t.assisting_department_ids = assisting_of(db, t.id);
  return t;
}

Ticket require_ticket(Database& db, std::int64_t id) {
  auto t = load_ticket(db, id);
  if (!t) throw Error(Errc::not_found, "no ticket " + std::to_string(id));
  return *t;
}

std::string conflict_message(const Ticket& t, std::int64_t expected_version) {
  return "ticket " + t.number + " was changed by someone else (version " + std::to_string(t.version) + ", you had " +
         std::to_string(expected_version) + ")";
}

json save_ticket(Database& db, const Ticket& before, Ticket& after, std::int64_t now) {
  json changes = json::object();
  diff(changes, "state", before.state, after.state);
  diff(changes, "lead_department_id", before.lead_department_id, after.lead_department_id);
  if (before.assisting_department_ids != after.assisting_department_ids) {
    changes["assisting_department_ids"] = {before.assisting_department_ids, after.assisting_department_ids};
  }
  diff(changes, "referred_to", before.referred_to, after.referred_to);
  diff(changes, "reply", before.reply, after.reply);
  diff(changes, "satisfaction", before.satisfaction, after.satisfaction);
  diff(changes, "sign_due", before.sign_due, after.sign_due);
  diff(changes, "reply_due", before.reply_due, after.reply_due);
  diff(changes, "close_due", before.close_due, after.close_due);
  diff(changes, "merged_into", before.merged_into, after.merged_into);
  diff(changes, "kb_article_id", before.kb_article_id, after.kb_article_id);
  std::optional<std::string> satisfaction;
  if (after.satisfaction) satisfaction = std::string(to_string(*after.satisfaction));
  db.query(
        "UPDATE tickets SET state = ?, lead_department_id = ?, referred_to = ?, reply = ?, satisfaction = ?, "
        "sign_due = ?, reply_due = ?, close_due = ?, merged_into = ?, kb_article_id = ?, updated_at = ?, "
        "version = version + 1 WHERE id = ? AND version = ?",
        to_string(after.state), after.lead_department_id, after.referred_to, after.reply, satisfaction, after.sign_due,
        after.reply_due, after.close_due, after.merged_into, after.kb_article_id, now, after.id, before.version)
      .run();
  if (db.changes() == 0) {
    auto current = require_ticket(db, before.id);
    throw Error(Errc::conflict, conflict_message(current, before.version));
  }
  after.version = before.version + 1;
  after.updated_at = now;
  return changes;
}

void append_history(Database& db, std::int64_t ticket_id, std::int64_t at, const Actor& actor, std::string_view action,
                    std::optional<State> from, std::optional<State> to, const std::string& reason,
                    const json& changes) {
  std::optional<std::string> from_text, to_text;
  if (from) from_text = std::string(to_string(*from));
  if (to) to_text = std::string(to_string(*to));
  std::optional<std::string> reason_text;
  if (!reason.empty()) reason_text = reason;
  db.query(
        "INSERT INTO ticket_history (ticket_id, at, actor_id, actor, action, from_state, to_state, reason, changes) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        ticket_id, at, actor.user_id, actor.name, action, from_text, to_text, reason_text,
        changes.empty() ? std::string("{}") : changes.dump())
      .run();
}

void reassign(Database& db, std::int64_t ticket_id, std::optional<std::int64_t> lead,
              const std::vector<std::int64_t>& assisting, std::int64_t now) {
  if (lead) require_department(db, *lead, "lead_department_id");
  for (auto id : assisting) require_department(db, id, "assisting_department_ids");
  db.query("UPDATE ticket_assignments SET ended_at = ? WHERE ticket_id = ? AND ended_at IS NULL", now, ticket_id).run();
  if (!lead) return;
  constexpr const char* insert =
      "INSERT INTO ticket_assignments (ticket_id, department_id, role, assigned_at) VALUES (?, ?, ?, ?)";
  db.query(insert, ticket_id, *lead, "lead", now).run();
  for (auto id : assisting) db.query(insert, ticket_id, id, "assist", now).run();
}

}  // namespace hotline::tickets::detail
