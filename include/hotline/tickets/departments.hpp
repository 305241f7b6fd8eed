#pragma once
// Departments as the agent's directory (B6) and the dispatch catalogue (派单目录,
// D3): which unit handles a category by default. The department rows
// themselves are created by hotline::auth::insert_department.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"

namespace hotline::tickets {

struct DirectoryEntry {
  std::int64_t id = 0;
  std::string code;
  std::string name;
  std::optional<std::int64_t> parent_id;
  std::optional<std::string> office_phone;
};

std::vector<DirectoryEntry> department_directory(store::Database& db);
// Empty or absent phone clears it; only digits, '-', '+' and spaces are allowed.
void set_office_phone(store::Database& db, std::int64_t department_id, const std::optional<std::string>& phone);

// Maps a category code (and, by prefix, its sub-categories) to a unit.
void set_dispatch_rule(store::Database& db, const std::string& category_code, std::int64_t department_id,
                       std::int64_t now);
void remove_dispatch_rule(store::Database& db, const std::string& category_code);
// The unit of the longest catalogue code that prefixes category_code.
std::optional<std::int64_t> default_department(store::Database& db, const std::string& category_code);

}  // namespace hotline::tickets
