#pragma once
// RAII over one SQLite connection. Every SQL text goes through prepare() and is
// cached per connection, so all statements are prepared ones with bound values.
#include <sqlite3.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hotline::store {

class Statement {
 public:
  explicit Statement(sqlite3_stmt* stmt) : stmt_(stmt) {}

  Statement& bind(int index, std::int64_t v);
  Statement& bind(int index, int v) { return bind(index, static_cast<std::int64_t>(v)); }
  Statement& bind(int index, unsigned v) { return bind(index, static_cast<std::int64_t>(v)); }
  Statement& bind(int index, bool v) { return bind(index, static_cast<std::int64_t>(v ? 1 : 0)); }
  Statement& bind(int index, double v);
  Statement& bind(int index, std::string_view v);
  Statement& bind(int index, const std::string& v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, const char* v) { return bind(index, std::string_view(v)); }
  Statement& bind(int index, std::nullopt_t);
  template <class T>
  Statement& bind(int index, const std::optional<T>& v) {
    return v ? bind(index, *v) : bind(index, std::nullopt);
  }
  Statement& bind_blob(int index, const void* data, std::size_t size);

  // Steps once: true while a row is available.
  bool step();
  // Steps to completion, for statements without rows.
  void run();

  std::int64_t int64(int column) const { return sqlite3_column_int64(stmt_, column); }
  double real(int column) const { return sqlite3_column_double(stmt_, column); }
  std::string text(int column) const;
  std::optional<std::string> optional_text(int column) const;
  std::optional<std::int64_t> optional_int64(int column) const;
  bool is_null(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
  std::string blob(int column) const;

 private:
  friend class Database;
  sqlite3_stmt* stmt_;
};

enum class OpenMode { read_write_create, read_write, read_only };

class Database {
 public:
  Database(const std::filesystem::path& path, OpenMode mode, int busy_timeout_ms = 5000);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // One or more statements without bound values (schema, pragmas, BEGIN/COMMIT).
  void exec(std::string_view sql);

  // A cached prepared statement, reset and with its bindings cleared.
  Statement& prepare(const std::string& sql);

  // prepare + bind each argument by position.
  template <class... Args>
  Statement& query(const std::string& sql, const Args&... args) {
    Statement& s = prepare(sql);
    int i = 0;
    (s.bind(++i, args), ...);
    return s;
  }

  std::int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_); }
  int changes() const { return sqlite3_changes(db_); }
  sqlite3* handle() const { return db_; }
  const std::filesystem::path& path() const { return path_; }

 private:
  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::map<std::string, Statement, std::less<>> cache_;
};

// Throws hotline::Error(internal) with SQLite's message; a unique-constraint
// violation is reported as Errc::conflict.
[[noreturn]] void throw_sqlite(sqlite3* db, int rc, std::string_view what);

// Runs fn inside BEGIN IMMEDIATE ... COMMIT, rolling back on an exception.
template <class F>
auto in_transaction(Database& db, F&& fn) {
  db.exec("BEGIN IMMEDIATE");
  try {
    if constexpr (std::is_void_v<decltype(fn())>) {
      fn();
      db.exec("COMMIT");
    } else {
      auto r = fn();
      db.exec("COMMIT");
      return r;
    }
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

}  // namespace hotline::store
