#pragma once
// Numbered schema migrations (src/store/migrations/NNNN_name.sql). The
// schema_version table records each one applied; an upgrade runs the missing
// ones in order, each in its own transaction, and never drops data.
#include <string>
#include <vector>

#include "hotline/store/database.hpp"

namespace hotline::store {

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

const std::vector<Migration>& migrations();
int latest_schema_version();

// The version recorded in the database (0 for an empty one).
int schema_version(Database& db);

// Applies the migrations after the current version up to target (default: all).
// Refuses a database newer than this build.
void migrate(Database& db, int target = -1);

}  // namespace hotline::store
