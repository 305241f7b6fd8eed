#include "hotline/store/database.hpp"

#include "hotline/core/error.hpp"

namespace hotline::store {

void throw_sqlite(sqlite3* db, int rc, std::string_view what) {
  std::string message = std::string(what) + ": " + (db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  int primary = rc & 0xff;
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) throw Error(Errc::conflict, message);
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw Error(Errc::unavailable, message);
  throw Error(Errc::internal, message);
}

Statement& Statement::bind(int index, std::int64_t v) {
  if (int rc = sqlite3_bind_int64(stmt_, index, v); rc != SQLITE_OK) throw_sqlite(sqlite3_db_handle(stmt_), rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, double v) {
  if (int rc = sqlite3_bind_double(stmt_, index, v); rc != SQLITE_OK)
    throw_sqlite(sqlite3_db_handle(stmt_), rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view v) {
  int rc = sqlite3_bind_text64(stmt_, index, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) throw_sqlite(sqlite3_db_handle(stmt_), rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::nullopt_t) {
  if (int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) throw_sqlite(sqlite3_db_handle(stmt_), rc, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, const void* data, std::size_t size) {
  int rc = sqlite3_bind_blob64(stmt_, index, data, size, SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) throw_sqlite(sqlite3_db_handle(stmt_), rc, "bind");
  return *this;
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) {
    // Done: let go of the read transaction now, not when the cached statement is next used.
    sqlite3_reset(stmt_);
    return false;
  }
  // Reset so the cached statement does not keep a read transaction open.
  sqlite3_reset(stmt_);
  throw_sqlite(sqlite3_db_handle(stmt_), sqlite3_extended_errcode(sqlite3_db_handle(stmt_)), "step");
}

void Statement::run() {
  while (step()) {
  }
}

std::string Statement::text(int column) const {
  auto* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

std::optional<std::string> Statement::optional_text(int column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

std::optional<std::int64_t> Statement::optional_int64(int column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::string Statement::blob(int column) const {
  auto* p = static_cast<const char*>(sqlite3_column_blob(stmt_, column));
  return p ? std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}

Database::Database(const std::filesystem::path& path, OpenMode mode, int busy_timeout_ms) : path_(path) {
  int flags = SQLITE_OPEN_NOMUTEX;
  switch (mode) {
    case OpenMode::read_write_create:
      flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
      break;
    case OpenMode::read_write:
      flags |= SQLITE_OPEN_READWRITE;
      break;
    case OpenMode::read_only:
      flags |= SQLITE_OPEN_READONLY;
      break;
  }
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = "open " + path.string() + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close_v2(db_);
    db_ = nullptr;
    throw Error(Errc::unavailable, message);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
  exec("PRAGMA foreign_keys = ON");
}

Database::~Database() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt.stmt_);
  sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  std::string owned(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, owned.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string message = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw_sqlite(nullptr, sqlite3_extended_errcode(db_), "exec: " + message);
  }
}

Statement& Database::prepare(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc =
        sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) throw_sqlite(db_, rc, "prepare");
    it = cache_.emplace(sql, Statement(stmt)).first;
  }
  sqlite3_reset(it->second.stmt_);
  sqlite3_clear_bindings(it->second.stmt_);
  return it->second;
}

}  // namespace hotline::store
