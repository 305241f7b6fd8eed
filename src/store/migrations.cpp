#include "hotline/store/migrations.hpp"

#include <spdlog/spdlog.h>

#include "hotline/core/clock.hpp"
#include "hotline/core/error.hpp"

namespace hotline::store {

int latest_schema_version() { return migrations().empty() ? 0 : migrations().back().version; }

int schema_version(Database& db) {
  auto& exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'");
  bool has_table = exists.step();
  exists.run();
  if (!has_table) return 0;
  auto& s = db.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version");
  s.step();
  int v = static_cast<int>(s.int64(0));
  s.run();
  return v;
}

void migrate(Database& db, int target) {
  int latest = latest_schema_version();
  if (target < 0) target = latest;
  db.exec(
      "CREATE TABLE IF NOT EXISTS schema_version ("
      " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)");
  int current = schema_version(db);
  if (current > latest) {
    throw Error(Errc::conflict, "the database " + db.path().string() + " has schema version " +
                                    std::to_string(current) + ", newer than this hotlined (" + std::to_string(latest) +
                                    "); use a newer hotlined or restore a backup");
  }
  for (const auto& m : migrations()) {
    if (m.version <= current || m.version > target) continue;
    in_transaction(db, [&] {
      db.exec(m.sql);
      db.query("INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)", m.version,
               std::string_view(m.name), now_ms())
          .run();
    });
    spdlog::info("event=store.migrated version={} name={}", m.version, m.name);
  }
  // A migration must never leave a broken reference behind.
  auto& check = db.prepare("PRAGMA foreign_key_check");
  if (check.step()) {
    std::string table = check.text(0);
    check.run();
    throw Error(Errc::internal, "foreign key check failed after migration, table " + table);
  }
}

}  // namespace hotline::store
