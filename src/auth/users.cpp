#include "hotline/auth/users.hpp"

#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"

namespace hotline::auth {
namespace {

using store::Database;
using store::Statement;

constexpr const char* kUserColumns =
    "SELECT id, job_number, display_name, enabled, department_id, failed_logins, locked_until, created_at, "
    "updated_at FROM users ";

std::set<Role> load_roles(Database& db, std::int64_t user_id) {
  std::set<Role> roles;
  auto& s = db.query("SELECT role FROM user_roles WHERE user_id = ?", user_id);
  while (s.step()) {
    if (auto r = parse_role(s.text(0))) roles.insert(*r);
  }
  return roles;
}

User read_user_row(Statement& s) {
  User u;
  u.id = s.int64(0);
  u.job_number = s.text(1);
  u.display_name = s.text(2);
  u.enabled = s.int64(3) != 0;
  u.department_id = s.optional_int64(4);
  u.failed_logins = static_cast<int>(s.int64(5));
  u.locked_until = s.optional_int64(6);
  u.created_at = s.int64(7);
  u.updated_at = s.int64(8);
  return u;
}

std::optional<User> find_one(Database& db, Statement& s) {
  if (!s.step()) return std::nullopt;
  User u = read_user_row(s);
  s.run();
  u.roles = load_roles(db, u.id);
  return u;
}

void replace_roles(Database& db, std::int64_t user_id, const std::set<Role>& roles) {
  db.query("DELETE FROM user_roles WHERE user_id = ?", user_id).run();
  for (Role r : roles) db.query("INSERT INTO user_roles (user_id, role) VALUES (?, ?)", user_id, to_string(r)).run();
}

void require_department(Database& db, const std::optional<std::int64_t>& department_id) {
  if (!department_id) return;
  auto& s = db.query("SELECT 1 FROM departments WHERE id = ?", *department_id);
  bool found = s.step();
  s.run();
  if (!found) throw Error(Errc::invalid_argument, "department_id: no department " + std::to_string(*department_id));
}

bool has_control_characters(const std::string& s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return true;
  }
  return false;
}

}  // namespace

void validate_job_number(const std::string& job_number) {
  if (job_number.empty() || job_number.size() > 32) {
    throw Error(Errc::invalid_argument, "job_number: must be 1 to 32 characters");
  }
  for (char c : job_number) {
    bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.';
    if (!ok) throw Error(Errc::invalid_argument, "job_number: only letters, digits, '_', '-' and '.' are allowed");
  }
}

void validate_display_name(const std::string& display_name) {
  if (display_name.empty() || display_name.size() > 128) {
    throw Error(Errc::invalid_argument, "display_name: must be 1 to 128 bytes");
  }
  if (has_control_characters(display_name)) {
    throw Error(Errc::invalid_argument, "display_name: control characters are not allowed");
  }
}

void validate_password(const std::string& password, unsigned min_length) {
  if (password.size() < min_length) {
    throw Error(Errc::invalid_argument, "password: must be at least " + std::to_string(min_length) + " characters");
  }
  if (password.size() > 256) throw Error(Errc::invalid_argument, "password: must be at most 256 characters");
}

void validate_roles(const std::set<Role>& roles, const std::optional<std::int64_t>& department_id) {
  if (roles.empty()) throw Error(Errc::invalid_argument, "roles: at least one role is required");
  if (roles.count(Role::department_staff) && !department_id) {
    throw Error(Errc::invalid_argument, "department_id: department_staff must be bound to a department");
  }
}

std::optional<User> find_user(Database& db, std::int64_t id) {
  return find_one(db, db.query(std::string(kUserColumns) + "WHERE id = ?", id));
}

std::optional<User> find_user_by_job_number(Database& db, const std::string& job_number) {
  return find_one(db, db.query(std::string(kUserColumns) + "WHERE job_number = ?", job_number));
}

std::optional<std::string> password_hash_of(Database& db, std::int64_t id) {
  auto& s = db.query("SELECT password_hash FROM users WHERE id = ?", id);
  if (!s.step()) return std::nullopt;
  std::string hash = s.text(0);
  s.run();
  return hash;
}

std::vector<User> list_users(Database& db) {
  std::vector<User> users;
  auto& s = db.prepare(std::string(kUserColumns) + "ORDER BY job_number");
  while (s.step()) users.push_back(read_user_row(s));
  for (auto& u : users) u.roles = load_roles(db, u.id);
  return users;
}

std::int64_t count_users(Database& db) {
  auto& s = db.prepare("SELECT COUNT(*) FROM users");
  s.step();
  auto n = s.int64(0);
  s.run();
  return n;
}

User insert_user(Database& db, const NewUser& user) {
  validate_job_number(user.job_number);
  validate_display_name(user.display_name);
  validate_roles(user.roles, user.department_id);
  require_department(db, user.department_id);
  if (find_user_by_job_number(db, user.job_number)) {
    throw Error(Errc::conflict, "job_number: " + user.job_number + " is already taken");
  }
  auto now = now_ms();
  db.query(
        "INSERT INTO users (job_number, display_name, password_hash, enabled, department_id, password_changed_at, "
        "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        user.job_number, user.display_name, user.password_hash, user.enabled, user.department_id, now, now, now)
      .run();
  auto id = db.last_insert_id();
  replace_roles(db, id, user.roles);
  return *find_user(db, id);
}

User update_user(Database& db, std::int64_t id, const UserPatch& patch) {
  auto current = find_user(db, id);
  if (!current) throw Error(Errc::not_found, "no user " + std::to_string(id));
  User next = *current;
  if (patch.display_name) {
    validate_display_name(*patch.display_name);
    next.display_name = *patch.display_name;
  }
  if (patch.roles) next.roles = *patch.roles;
  if (patch.enabled) next.enabled = *patch.enabled;
  if (patch.department_id) next.department_id = *patch.department_id;
  validate_roles(next.roles, next.department_id);
  require_department(db, next.department_id);
  db.query("UPDATE users SET display_name = ?, enabled = ?, department_id = ?, updated_at = ? WHERE id = ?",
           next.display_name, next.enabled, next.department_id, now_ms(), id)
      .run();
  if (patch.roles) replace_roles(db, id, next.roles);
  return *find_user(db, id);
}

void set_password_hash(Database& db, std::int64_t id, const std::string& hash) {
  auto now = now_ms();
  db.query(
        "UPDATE users SET password_hash = ?, password_changed_at = ?, failed_logins = 0, locked_until = NULL, "
        "updated_at = ? WHERE id = ?",
        hash, now, now, id)
      .run();
  if (db.changes() == 0) throw Error(Errc::not_found, "no user " + std::to_string(id));
}

bool record_login_failure(Database& db, std::int64_t id, unsigned threshold, std::int64_t lockout_ms) {
  auto now = now_ms();
  db.query("UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ?", id).run();
  auto& s = db.query("SELECT failed_logins FROM users WHERE id = ?", id);
  std::int64_t failures = s.step() ? s.int64(0) : 0;
  s.run();
  if (failures >= threshold) {
    db.query("UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?", now + lockout_ms, id).run();
    return true;
  }
  return false;
}

void record_login_success(Database& db, std::int64_t id) {
  db.query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?", id).run();
}

void unlock_user(Database& db, std::int64_t id) {
  db.query("UPDATE users SET failed_logins = 0, locked_until = NULL, updated_at = ? WHERE id = ?", now_ms(), id).run();
  if (db.changes() == 0) throw Error(Errc::not_found, "no user " + std::to_string(id));
}

std::vector<Department> list_departments(Database& db) {
  std::vector<Department> out;
  auto& s = db.prepare("SELECT id, code, name, parent_id FROM departments ORDER BY code");
  while (s.step()) out.push_back({s.int64(0), s.text(1), s.text(2), s.optional_int64(3)});
  return out;
}

Department insert_department(Database& db, const Department& department) {
  if (department.code.empty() || department.code.size() > 32) {
    throw Error(Errc::invalid_argument, "code: must be 1 to 32 characters");
  }
  if (department.name.empty() || department.name.size() > 128 || has_control_characters(department.name)) {
    throw Error(Errc::invalid_argument, "name: must be 1 to 128 bytes without control characters");
  }
  if (department.parent_id) {
    auto& s = db.query("SELECT 1 FROM departments WHERE id = ?", *department.parent_id);
    bool found = s.step();
    s.run();
    if (!found)
      throw Error(Errc::invalid_argument, "parent_id: no department " + std::to_string(*department.parent_id));
  }
  auto& dup = db.query("SELECT 1 FROM departments WHERE code = ?", department.code);
  bool exists = dup.step();
  dup.run();
  if (exists) throw Error(Errc::conflict, "code: " + department.code + " is already taken");
  db.query("INSERT INTO departments (code, name, parent_id, created_at) VALUES (?, ?, ?, ?)", department.code,
           department.name, department.parent_id, now_ms())
      .run();
  Department out = department;
  out.id = db.last_insert_id();
  return out;
}

}  // namespace hotline::auth
