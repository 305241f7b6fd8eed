#pragma once
// Rotation of the caller-data master key (PRODUCT G3, `hotlined rotate-key`):
// a new key with the next id is written to DATA_DIR/caller.key.next, every
// sealed column is re-sealed and every keyed phone hash recomputed under it,
// batch by batch (one transaction each), and only when no row carries another
// key id is caller.key.next renamed over caller.key. Interrupted at any point
// (kill -9 included), running it again finishes the job: the rows left are
// found by the key-id byte of their sealed values. Procedure: docs/security.md.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "hotline/store/database.hpp"
#include "hotline/tickets/personal_data.hpp"

namespace hotline::tickets {

struct RekeyProgress {
  std::string table;
  std::int64_t done = 0;   // rows of this table rewritten so far in this run
  std::int64_t total = 0;  // rows of this table that needed it when the run began
};

struct RekeyOptions {
  std::int64_t batch_rows = 2000;
  // Tests only: stop (as if killed) after this many committed batches.
  std::optional<std::int64_t> stop_after_batches;
  std::function<void(const RekeyProgress&)> on_progress;
};

struct RekeyTableCount {
  std::string table;
  std::int64_t rows = 0;
};

struct RekeyResult {
  std::vector<RekeyTableCount> tables;  // rows rewritten per table in this run
  std::int64_t batches = 0;
  bool finished = false;  // false: stopped by stop_after_batches
};

// Re-seals, under key.current_id(), every sealed value carrying another id and
// recomputes the keyed phone hashes of those rows (tickets, recordings,
// ivr_missed_calls, acd_callbacks), then the phone hashes of survey_answers
// from their call records (calls.caller; NULL when the call record is gone).
// Every value must open with one of key's loaded ids: Error(internal) naming
// the table and row otherwise. db must not be inside a transaction.
RekeyResult reseal_all(store::Database& db, const PersonalDataKey& key, const RekeyOptions& options);

// Rows whose sealed values do not all carry key id `id`.
std::int64_t count_rows_not_sealed_with(store::Database& db, std::uint8_t id);

struct RotationResult {
  std::uint8_t from_id = 0;
  std::uint8_t to_id = 0;
  bool resumed = false;  // caller.key.next was already there
  RekeyResult rekey;
  double seconds = 0;
};

// The whole rotation on a stopped daemon's data directory: takes
// DATA_DIR/hotlined.lock (Error conflict while a daemon runs), writes or
// resumes caller.key.next, migrates the database if needed, reseal_all, then
// checkpoints the WAL and renames caller.key.next over caller.key.
RotationResult rotate_caller_key(const std::filesystem::path& data_dir, const std::filesystem::path& database,
                                 const RekeyOptions& options);

}  // namespace hotline::tickets
