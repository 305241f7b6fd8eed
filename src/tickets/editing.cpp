#include "hotline/tickets/editing.hpp"

#include <algorithm>

#include "hotline/core/error.hpp"
#include "rows.hpp"

namespace hotline::tickets {
namespace {

using nlohmann::json;
using store::Database;

void check_text(const std::string& value, const char* field, std::size_t min, std::size_t max, bool multiline) {
  if (value.size() < min || value.size() > max) {
    throw Error(Errc::invalid_argument,
                std::string(field) + ": must be " + std::to_string(min) + " to " + std::to_string(max) + " bytes");
  }
  for (unsigned char c : value) {
    if (multiline && (c == '\n' || c == '\r' || c == '\t')) continue;
    if (c < 0x20 || c == 0x7f) {
      throw Error(Errc::invalid_argument, std::string(field) + ": control characters are not allowed");
    }
  }
}

std::vector<Ticket> read_all(Database& db, store::Statement& s) {
  std::vector<Ticket> out;
  while (s.step()) out.push_back(detail::read_ticket(s));
  for (auto& t : out) t.assisting_department_ids = detail::assisting_of(db, t.id);
  return out;
}

std::size_t code_points(const std::string& s) {
  return static_cast<std::size_t>(std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::vector<std::string> words_of(const std::string& text) {
  // (A scan rather than string::replace: GCC 12 at -O3 reports a false -Wrestrict on the latter.)
  std::vector<std::string> out;
  std::string word;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool ideographic_space = text.compare(i, 3, "\xE3\x80\x80") == 0;
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || ideographic_space) {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
      if (ideographic_space) i += 2;
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

std::string like_pattern(const std::string& word) {
  std::string out = "%";
  for (char c : word) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out + "%";
}

}  // namespace

bool is_open(State s) {
  switch (s) {
    case State::closed_on_spot:
    case State::rejected:
    case State::referred:
    case State::closed:
    case State::merged:
    case State::archived:
      return false;
    default:
      return true;
  }
}

Ticket edit_ticket(Database& db, const TicketRules& rules, std::int64_t id, std::int64_t expected_version,
                   const TicketPatch& patch, const Actor& actor, const std::string& reason, std::int64_t now) {
  if (patch.empty()) throw Error(Errc::invalid_argument, "nothing to change");
  Ticket before = detail::require_ticket(db, id);
  if (before.version != expected_version) {
    throw Error(Errc::conflict, detail::conflict_message(before, expected_version));
  }
  if (!is_open(before.state)) {
    throw Error(Errc::conflict,
                "ticket " + before.number + ": a " + std::string(to_string(before.state)) + " ticket cannot be edited");
  }
  Ticket after = before;
  if (patch.type) after.type = *patch.type;
  if (patch.category_code) {
    rules.categories.require(*patch.category_code);
    after.category_code = *patch.category_code;
  }
  if (patch.urgency) after.urgency = *patch.urgency;
  if (patch.complex) after.complex = *patch.complex;
  if (patch.location) {
    check_text(*patch.location, "location", 0, 600, false);
    after.location = *patch.location;
  }
  if (patch.summary) {
    check_text(*patch.summary, "summary", 1, 600, false);
    after.summary = *patch.summary;
  }
  if (patch.content) {
    check_text(*patch.content, "content", 0, 20000, true);
    after.content = *patch.content;
  }
  if (patch.confidential) after.confidential = *patch.confidential;
  if (reason.size() > 2000) throw Error(Errc::invalid_argument, "reason: at most 2000 bytes");

  json changes = json::object();
  auto note = [&](const char* field, const json& a, const json& b) {
    if (a != b) changes[field] = {a, b};
  };
  note("type", std::string(to_string(before.type)), std::string(to_string(after.type)));
  note("category_code", before.category_code, after.category_code);
  note("urgency", std::string(to_string(before.urgency)), std::string(to_string(after.urgency)));
  note("complex", before.complex, after.complex);
  note("location", before.location, after.location);
  note("summary", before.summary, after.summary);
  note("content", before.content, after.content);
  note("confidential", before.confidential, after.confidential);
  if (after.type != before.type || after.urgency != before.urgency || after.complex != before.complex) {
    auto due =
        compute_deadlines(rules.calendar, rules.policy, after.type, after.urgency, after.complex, before.created_at);
    after.sign_due = due.sign_due;
    after.reply_due = due.reply_due;
    after.close_due = due.close_due;
    auto opt = [](const std::optional<std::int64_t>& v) { return v ? json(*v) : json(nullptr); };
    note("sign_due", opt(before.sign_due), opt(after.sign_due));
    note("reply_due", opt(before.reply_due), opt(after.reply_due));
    note("close_due", opt(before.close_due), opt(after.close_due));
  }
  if (changes.empty()) throw Error(Errc::invalid_argument, "nothing to change");
  db.query(
        "UPDATE tickets SET type = ?, category_code = ?, urgency = ?, complex = ?, location = ?, summary = ?, "
        "content = ?, confidential = ?, sign_due = ?, reply_due = ?, close_due = ?, updated_at = ?, "
        "version = version + 1 WHERE id = ? AND version = ?",
        to_string(after.type), after.category_code, to_string(after.urgency), after.complex, after.location,
        after.summary, after.content, after.confidential, after.sign_due, after.reply_due, after.close_due, now, id,
        before.version)
      .run();
  if (db.changes() == 0) {
    throw Error(Errc::conflict, detail::conflict_message(detail::require_ticket(db, id), before.version));
  }
  detail::append_history(db, id, now, actor, "edit", before.state, before.state, reason, changes);
  return detail::require_ticket(db, id);
}

std::vector<Ticket> open_duplicates(Database& db, const PersonalDataKey& key, const std::string& phone,
                                    const std::string& category_code, int limit) {
  auto hash = key.phone_hash(phone);
  auto& s = db.prepare(std::string(detail::kTicketSelect) +
                       "WHERE t.caller_phone_hash = ? AND t.category_code = ? AND t.state NOT IN ('closed_on_spot', "
                       "'rejected', 'referred', 'closed', 'merged', 'archived') ORDER BY t.id DESC LIMIT ?");
  s.bind_blob(1, hash.data(), hash.size()).bind(2, category_code).bind(3, std::clamp(limit, 1, 1000));
  return read_all(db, s);
}

std::vector<Ticket> list_overdue(Database& db, const TicketFilter& f, std::int64_t now) {
  std::string sql = detail::kTicketSelect;
  // The IN list is the partial index's WHERE, word for word (0009_open_tickets_index.sql).
  sql +=
      "INDEXED BY tickets_open WHERE t.state IN ('created', 'dispatched', 'signed', 'returned', "
      "'extension_requested', 'replied', 'reviewed', 'called_back') AND (CASE WHEN t.state IN ('created', "
      "'dispatched') THEN t.sign_due WHEN t.state IN ('signed', 'returned', 'extension_requested') THEN t.reply_due "
      "ELSE t.close_due END) < ?";
  if (f.state) sql += " AND t.state = ?";
  if (f.type) sql += " AND t.type = ?";
  if (f.department_id) {
    sql += " AND t.id IN (SELECT ticket_id FROM ticket_assignments WHERE department_id = ? AND ended_at IS NULL)";
  }
  if (f.before_id) sql += " AND t.id < ?";
  sql += " ORDER BY t.id DESC LIMIT ?";
  auto& s = db.prepare(sql);
  int i = 0;
  s.bind(++i, f.overdue_at.value_or(now));
  if (f.state) s.bind(++i, to_string(*f.state));
  if (f.type) s.bind(++i, to_string(*f.type));
  if (f.department_id) s.bind(++i, *f.department_id);
  if (f.before_id) s.bind(++i, *f.before_id);
  s.bind(++i, std::clamp(f.limit, 1, 1000));
  return read_all(db, s);
}

TicketPage search_ticket_page(Database& db, const TicketFilter& f, const std::string& text) {
  auto words = words_of(text);
  if (words.empty()) throw Error(Errc::invalid_argument, "q: must contain a word");
  if (words.size() > 10) throw Error(Errc::invalid_argument, "q: at most 10 words");
  std::string fts;
  std::vector<std::string> short_words;
  for (const auto& w : words) {
    if (code_points(w) >= 3) {
      std::string quoted = "\"";
      for (char c : w) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
      fts += (fts.empty() ? "" : " ") + quoted + "\"";
    } else {
      short_words.push_back(like_pattern(w));
    }
  }
  // With 3+ character words the index drives: FTS5 walks its posting lists
  // newest first and stops at the LIMIT, so a common word costs the page, not
  // every match (an `id IN (subquery)` gathered all matches first: 9 ms at
  // 120,000 tickets, growing with the table). Shorter words are substring
  // scans of the newest tickets first.
  std::string sql = detail::kTicketColumns;
  const char* order_id = "t.id";
  if (!fts.empty()) {
    sql += "FROM tickets_fts JOIN tickets t ON t.id = tickets_fts.rowid WHERE tickets_fts MATCH ?";
    order_id = "tickets_fts.rowid";
  } else {
    sql += "FROM tickets t WHERE t.id >= ?";
  }
  for (std::size_t i = 0; i < short_words.size(); ++i) {
    sql += " AND (t.summary LIKE ? ESCAPE '\\' OR t.content LIKE ? ESCAPE '\\' OR t.location LIKE ? ESCAPE '\\')";
  }
  if (f.state) sql += " AND t.state = ?";
  if (f.type) sql += " AND t.type = ?";
  if (f.department_id) {
    sql += " AND t.id IN (SELECT ticket_id FROM ticket_assignments WHERE department_id = ? AND ended_at IS NULL)";
  }
  if (f.before_id) sql += std::string(" AND ") + order_id + " < ?";
  sql += std::string(" ORDER BY ") + order_id + " DESC LIMIT ?";
  std::int64_t scan_from = 0;  // the oldest id a scan of short words looks at
  if (fts.empty()) {
    std::int64_t below = f.before_id.value_or(0);
    if (!f.before_id) {
      auto& newest = db.prepare("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets");
      newest.step();
      below = newest.int64(0);
      newest.run();
    }
    scan_from = std::max<std::int64_t>(1, below - std::max<std::int64_t>(1, f.scan_tickets));
  }
  auto& s = db.prepare(sql);
  int i = 0;
  if (!fts.empty()) {
    s.bind(++i, fts);
  } else {
    s.bind(++i, scan_from);
  }
  for (const auto& p : short_words) {
    for (int k = 0; k < 3; ++k) s.bind(++i, p);
  }
  if (f.state) s.bind(++i, to_string(*f.state));
  if (f.type) s.bind(++i, to_string(*f.type));
  if (f.department_id) s.bind(++i, *f.department_id);
  if (f.before_id) s.bind(++i, *f.before_id);
  const int limit = std::clamp(f.limit, 1, 1000);
  s.bind(++i, limit);
  TicketPage page{read_all(db, s), std::nullopt};
  if (page.tickets.size() == static_cast<std::size_t>(limit)) {
    page.next_before_id = page.tickets.back().id;
  } else if (scan_from > 1) {
    page.next_before_id = scan_from;  // the scan stopped here, older tickets are unread
  }
  return page;
}

std::vector<Ticket> search_tickets(Database& db, const TicketFilter& f, const std::string& text) {
  return search_ticket_page(db, f, text).tickets;
}

}  // namespace hotline::tickets
