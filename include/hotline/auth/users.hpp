#pragma once
// Users, sessions and the audit log as rows: synchronous functions over one
// store::Database, meant to run inside store jobs (writer or reader thread).
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "hotline/auth/roles.hpp"
#include "hotline/store/database.hpp"

namespace hotline::auth {

struct User {
  std::int64_t id = 0;
  std::string job_number;
  std::string display_name;
  std::set<Role> roles;
  bool enabled = true;
  std::optional<std::int64_t> department_id;
  int failed_logins = 0;
  std::optional<std::int64_t> locked_until;  // unix ms
  std::int64_t created_at = 0;
  std::int64_t updated_at = 0;
};

struct NewUser {
  std::string job_number;
  std::string display_name;
  std::string password_hash;
  std::set<Role> roles;
  std::optional<std::int64_t> department_id;
  bool enabled = true;
};

struct UserPatch {
  std::optional<std::string> display_name;
  std::optional<std::set<Role>> roles;
  std::optional<bool> enabled;
  std::optional<std::optional<std::int64_t>> department_id;  // engaged null: unbind
};

// Input checks shared by the API and the first-start bootstrap; throw
// Error(invalid_argument) with a message naming the field.
void validate_job_number(const std::string& job_number);
void validate_display_name(const std::string& display_name);
void validate_password(const std::string& password, unsigned min_length);
void validate_roles(const std::set<Role>& roles, const std::optional<std::int64_t>& department_id);

std::optional<User> find_user(store::Database& db, std::int64_t id);
std::optional<User> find_user_by_job_number(store::Database& db, const std::string& job_number);
std::optional<std::string> password_hash_of(store::Database& db, std::int64_t id);
std::vector<User> list_users(store::Database& db);
std::int64_t count_users(store::Database& db);

User insert_user(store::Database& db, const NewUser& user);
User update_user(store::Database& db, std::int64_t id, const UserPatch& patch);
void set_password_hash(store::Database& db, std::int64_t id, const std::string& hash);

// Counts a failure; locks the account (until now + lockout_ms) when the count
// reaches threshold. Returns whether the account is now locked.
bool record_login_failure(store::Database& db, std::int64_t id, unsigned threshold, std::int64_t lockout_ms);
void record_login_success(store::Database& db, std::int64_t id);
void unlock_user(store::Database& db, std::int64_t id);

struct Department {
  std::int64_t id = 0;
  std::string code;
  std::string name;
  std::optional<std::int64_t> parent_id;
};
std::vector<Department> list_departments(store::Database& db);
Department insert_department(store::Database& db, const Department& department);

}  // namespace hotline::auth
