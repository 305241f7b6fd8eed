#pragma once
// Online backup and restore through SQLite's backup API, and the lock that
// marks a data directory as served by a running daemon.
#include <filesystem>
#include <optional>

namespace hotline::store {

// Copies a live database (WAL readers never block the daemon) into target,
// writing to a temporary file first so a failed backup leaves nothing half-made.
void backup_database(const std::filesystem::path& source, const std::filesystem::path& target);

// Replaces the database at target with the backup in source, after checking the
// backup's integrity and schema version. Refuses while a daemon holds the lock.
void restore_database(const std::filesystem::path& source, const std::filesystem::path& target,
                      const std::filesystem::path& lock_file);

// An exclusive flock on DATA_DIR/hotlined.lock, held for the daemon's life.
class DataDirLock {
 public:
  // Throws hotline::Error(conflict) naming the holder's pid when already held.
  explicit DataDirLock(const std::filesystem::path& lock_file);
  ~DataDirLock();
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

  // The pid written by the holder, if the lock is held by another process.
  static std::optional<long> holder(const std::filesystem::path& lock_file);

 private:
  int fd_ = -1;
};

}  // namespace hotline::store
