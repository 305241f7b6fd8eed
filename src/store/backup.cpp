#include "hotline/store/backup.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "hotline/core/error.hpp"
#include "hotline/store/database.hpp"
#include "hotline/store/migrations.hpp"

namespace hotline::store {
namespace {

// Copies every page from one connection to another, a slice at a time so that
// the daemon's writer is never held up for long.
void copy_pages(Database& from, Database& to, const char* what) {
  sqlite3_backup* backup = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (!backup) throw_sqlite(to.handle(), sqlite3_errcode(to.handle()), what);
  int rc;
  do {
    rc = sqlite3_backup_step(backup, 256);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(10);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) throw_sqlite(to.handle(), rc, what);
}

void check_integrity(Database& db) {
  auto& s = db.prepare("PRAGMA integrity_check");
  std::string result = s.step() ? s.text(0) : "no answer";
  s.run();
  if (result != "ok") throw Error(Errc::invalid_argument, db.path().string() + ": integrity check failed: " + result);
}

}  // namespace

void backup_database(const std::filesystem::path& source, const std::filesystem::path& target) {
  if (!std::filesystem::exists(source)) throw Error(Errc::not_found, "no database at " + source.string());
  auto temporary = target;
  temporary += ".partial";
  std::filesystem::remove(temporary);
  {
    Database from(source, OpenMode::read_only);
    Database to(temporary, OpenMode::read_write_create);
    copy_pages(from, to, "backup");
    to.exec("PRAGMA journal_mode = DELETE");
    check_integrity(to);
  }
  std::filesystem::rename(temporary, target);
}

void restore_database(const std::filesystem::path& source, const std::filesystem::path& target,
                      const std::filesystem::path& lock_file) {
  if (!std::filesystem::exists(source)) throw Error(Errc::not_found, "no backup at " + source.string());
  DataDirLock lock(lock_file);  // throws when a daemon serves this data dir
  Database from(source, OpenMode::read_only);
  check_integrity(from);
  int version = schema_version(from);
  if (version == 0) throw Error(Errc::invalid_argument, source.string() + " is not a hotlined database");
  if (version > latest_schema_version()) {
    throw Error(Errc::conflict, source.string() + " has schema version " + std::to_string(version) +
                                    ", newer than this hotlined (" + std::to_string(latest_schema_version()) + ")");
  }
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  Database to(target, OpenMode::read_write_create);
  to.exec("PRAGMA journal_mode = WAL");
  copy_pages(from, to, "restore");
  to.exec("PRAGMA wal_checkpoint(TRUNCATE)");
  spdlog::info("event=store.restored from={} schema_version={}", source.string(), version);
}

DataDirLock::DataDirLock(const std::filesystem::path& lock_file) {
  if (lock_file.has_parent_path()) std::filesystem::create_directories(lock_file.parent_path());
  fd_ = ::open(lock_file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw Error(Errc::unavailable, "cannot open " + lock_file.string() + ": " + std::strerror(errno));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd_);
    fd_ = -1;
    auto pid = holder(lock_file);
    throw Error(Errc::conflict, "hotlined" + (pid ? " (pid " + std::to_string(*pid) + ")" : std::string()) +
                                    " is running on " + lock_file.parent_path().string() + "; stop it first");
  }
  std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    spdlog::warn("event=lock.pid_write_failed file={}", lock_file.string());
  }
}

DataDirLock::~DataDirLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the flock
}

std::optional<long> DataDirLock::holder(const std::filesystem::path& lock_file) {
  int fd = ::open(lock_file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  char buf[32] = {};
  ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
  ::close(fd);
  if (n <= 0) return std::nullopt;
  return std::strtol(buf, nullptr, 10);
}

}  // namespace hotline::store
