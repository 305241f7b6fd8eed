#pragma once
// Call records: what a finished call leaves in SQLite (tables calls and
// call_legs, migration 0007). Built on the SIP strand and the media thread,
// written by a store job.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"

namespace hotline::pbx {

struct LegRecord {
  int index = 0;
  std::string role;  // caller, callee, transfer
  std::string sip_call_id;
  std::string from_uri;
  std::string to_uri;
  std::string endpoint;  // trunk:NAME, extension:NUM, echo
  std::int64_t started_at = 0;
  std::int64_t answered_at = 0;  // 0: never answered
  std::int64_t ended_at = 0;
  int status = 0;
  std::string hangup_cause;
  std::string hangup_side;
  std::string codec;
  std::string media_address;
  std::uint64_t packets_in = 0, packets_out = 0, bytes_in = 0, bytes_out = 0, lost_in = 0, lost_out = 0;
  double jitter_in_ms = 0, jitter_out_ms = 0;
};

struct CallRecord {
  std::string uuid;
  std::string caller;
  std::string dialled;
  std::string source;
  std::string route;
  std::int64_t started_at = 0;
  std::int64_t answered_at = 0;
  std::int64_t ended_at = 0;
  int status = 0;
  std::string hangup_cause;
  std::string hangup_side;
  std::string ivr_path;  // JSON steps through the IVR; empty: none
  std::vector<LegRecord> legs;
};

// Inserts the call and its legs; returns the call's row id. Run it inside a
// transaction (a store write job is one).
std::int64_t insert_call_record(store::Database& db, const CallRecord& record);

struct CallQuery {
  std::int64_t from_ms = 0;
  std::int64_t to_ms = 0;  // 0: now
  std::string caller;      // exact number, or empty
  int limit = 100;
};
std::vector<CallRecord> find_call_records(store::Database& db, const CallQuery& query);

}  // namespace hotline::pbx
