#include "hotline/tickets/departments.hpp"

#include "hotline/core/error.hpp"

namespace hotline::tickets {
namespace {

void require_department(store::Database& db, std::int64_t id) {
  auto& s = db.query("SELECT 1 FROM departments WHERE id = ?", id);
  bool found = s.step();
  s.run();
  if (!found) throw Error(Errc::invalid_argument, "department_id: no department " + std::to_string(id));
}

}  // namespace

std::vector<DirectoryEntry> department_directory(store::Database& db) {
  std::vector<DirectoryEntry> out;
  auto& s = db.prepare("SELECT id, code, name, parent_id, office_phone FROM departments ORDER BY code");
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), s.optional_int64(3), s.optional_text(4)});
  return out;
}

void set_office_phone(store::Database& db, std::int64_t department_id, const std::optional<std::string>& phone) {
  std::optional<std::string> value;
  if (phone && !phone->empty()) {
    if (phone->size() > 32 || phone->find_first_not_of("0123456789-+ ") != std::string::npos) {
      throw Error(Errc::invalid_argument, "office_phone: up to 32 digits, '-', '+' and spaces");
    }
    value = phone;
  }
  db.query("UPDATE departments SET office_phone = ? WHERE id = ?", value, department_id).run();
  if (db.changes() == 0) throw Error(Errc::not_found, "no department " + std::to_string(department_id));
}

void set_dispatch_rule(store::Database& db, const std::string& category_code, std::int64_t department_id,
                       std::int64_t now) {
  if (category_code.empty() || category_code.size() > 32) {
    throw Error(Errc::invalid_argument, "category_code: must be 1 to 32 characters");
  }
  require_department(db, department_id);
  db.query(
        "INSERT INTO dispatch_catalogue (category_code, department_id, updated_at) VALUES (?, ?, ?) "
        "ON CONFLICT (category_code) DO UPDATE SET department_id = excluded.department_id, "
        "updated_at = excluded.updated_at",
        category_code, department_id, now)
      .run();
}

void remove_dispatch_rule(store::Database& db, const std::string& category_code) {
  db.query("DELETE FROM dispatch_catalogue WHERE category_code = ?", category_code).run();
  if (db.changes() == 0) throw Error(Errc::not_found, "no dispatch rule for category " + category_code);
}

std::optional<std::int64_t> default_department(store::Database& db, const std::string& category_code) {
  // substr, not LIKE: '_' in a code must not act as a wildcard.
  auto& s = db.query(
      "SELECT department_id FROM dispatch_catalogue WHERE substr(?1, 1, length(category_code)) = category_code "
      "ORDER BY length(category_code) DESC LIMIT 1",
      category_code);
  if (!s.step()) return std::nullopt;
  auto id = s.int64(0);
  s.run();
  return id;
}

}  // namespace hotline::tickets
