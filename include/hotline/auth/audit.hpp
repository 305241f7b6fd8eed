#pragma once
// The tamper-evident audit log (PRODUCT G1, G3): append-only rows chained by
// BLAKE2b hashes. Appends happen on the store's writer thread only, so the
// chain is never forked.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"

namespace hotline::auth {

struct AuditEntry {
  std::optional<std::int64_t> actor_id;
  std::string actor;
  std::string action;
  std::string target;
  std::string detail;  // JSON text, may be empty
  std::string remote_ip;
};

struct AuditRow {
  std::int64_t id = 0;
  std::int64_t at = 0;
  AuditEntry entry;
};

struct AuditFilter {
  std::optional<std::int64_t> from;  // unix ms, inclusive
  std::optional<std::int64_t> to;    // unix ms, exclusive
  std::optional<std::string> actor;
  std::optional<std::string> action;
  std::optional<std::int64_t> before_id;  // paging: rows with a smaller id
  int limit = 100;
};

struct AuditVerification {
  bool intact = true;
  std::int64_t rows = 0;
  std::optional<std::int64_t> first_bad_id;
};

void append_audit(store::Database& db, const AuditEntry& entry);
std::vector<AuditRow> list_audit(store::Database& db, const AuditFilter& filter);
AuditVerification verify_audit(store::Database& db);

}  // namespace hotline::auth
