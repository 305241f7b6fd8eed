#pragma once
// Call recordings (issue 4, F2): the index in SQLite (table recordings,
// migration 0010), the start-up scan that repairs and indexes the files a
// crash left, the daily retention purge and the disk-space gauge. The files
// themselves are written by media::RecordingWriter ("rec-writer"), which
// Service owns and hands to the media side.
//
// Threads: the writer's; "rec-maint" for the scan, the purge and the disk
// check (blocking file work, never on an io or media thread). Index writes
// are store write jobs.
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "hotline/core/config.hpp"
#include "hotline/core/metrics.hpp"
#include "hotline/store/database.hpp"

namespace hotline::store {
class Store;
}
namespace hotline::tickets {
class PersonalDataKey;
}
namespace hotline::media {
class RecordingWriter;
struct FinishedRecording;
}  // namespace hotline::media

namespace hotline::recordings {

struct Recording {
  std::int64_t id = 0;
  std::string call_uuid;
  std::vector<std::string> legs;
  std::string agent;
  std::optional<std::string> caller_phone;  // opened from caller_phone_enc; nullopt when none
  std::int64_t started_at = 0;
  std::int64_t duration_ms = 0;
  std::int64_t size_bytes = 0;
  std::string sha256;
  std::string path;   // relative to the recordings directory
  std::string state;  // open, complete, repaired, purged
  std::optional<std::int64_t> ticket_id;
  std::int64_t indexed_at = 0;
  std::optional<std::int64_t> purged_at;
};

struct NewRecording {
  std::string call_uuid;
  std::vector<std::string> legs;
  std::string agent;
  std::string caller;  // as received; "" when unknown
  std::int64_t started_at = 0;
  std::int64_t duration_ms = 0;
  std::int64_t size_bytes = 0;
  std::string sha256;
  std::string path;
  std::string state = "complete";
};

// Inserts the row for new.path, or updates the one there (state, sizes,
// checksum, metadata): the writer's report and the scan may both see a file.
// Run inside a write job. The caller's number is sealed and hashed with key.
std::int64_t upsert_recording(store::Database& db, const NewRecording& recording,
                              const tickets::PersonalDataKey& key);
std::optional<Recording> find_recording(store::Database& db, std::int64_t id, const tickets::PersonalDataKey& key);
std::optional<Recording> find_recording_by_path(store::Database& db, const std::string& path,
                                                const tickets::PersonalDataKey& key);

struct RecordingQuery {
  std::optional<std::int64_t> from;  // started_at >= from (ms)
  std::optional<std::int64_t> to;    // started_at < to
  std::optional<std::string> caller_hash;  // PersonalDataKey::phone_hash of the number searched
  std::optional<std::string> agent;
  std::optional<std::string> call_uuid;
  std::optional<std::int64_t> ticket_id;
  std::optional<std::int64_t> before_id;  // paging: rows with a smaller id
  bool include_purged = false;
  int limit = 50;
};
// Newest (highest id) first.
std::vector<Recording> search_recordings(store::Database& db, const RecordingQuery& query,
                                         const tickets::PersonalDataKey& key);
// Rows past retention that still have a file: complete or repaired, started before `before`.
std::vector<Recording> expired_recordings(store::Database& db, std::int64_t before, int limit,
                                          const tickets::PersonalDataKey& key);
void mark_purged(store::Database& db, std::int64_t id, std::int64_t at);
void link_ticket(store::Database& db, std::int64_t id, std::optional<std::int64_t> ticket_id);

// What the start-up scan did.
struct ScanReport {
  int files = 0;     // WAV files looked at
  int indexed = 0;   // rows inserted or brought up to date
  int repaired = 0;  // headers fixed (or partial frames cut)
  int known = 0;     // already indexed and closed: untouched
  int failed = 0;    // unreadable: logged and left in place
};

class Service {
 public:
  // key: the callers' personal-data key (tickets::Services::key); outlives this.
  Service(const Config& config, store::Store& store, Metrics& metrics, const tickets::PersonalDataKey& key);
  ~Service();  // stop()
  Service(const Service&) = delete;
  Service& operator=(const Service&) = delete;

  // Lists the files already in the directory (those are what the scan
  // looks at: files opened from now on are the writer's), starts the writer
  // when recordings.enabled, then scan, purge and disk checks on "rec-maint".
  void start();
  // Closes open recordings (indexed as complete), stops the threads. Call
  // before the store stops.
  void stop();

  // Null when recordings.enabled is false: then nothing is recorded.
  media::RecordingWriter* writer() { return writer_.get(); }
  const std::filesystem::path& directory() const { return directory_; }
  // The file of an indexed recording, or nullopt when the row's path would
  // leave the directory (never from our own rows; defence in depth).
  std::optional<std::filesystem::path> file_of(const Recording& r) const;
  bool scan_finished() const { return scan_finished_.load(); }

  // Blocking; used by the maintenance thread (public for the tests).
  ScanReport scan(const std::vector<std::filesystem::path>& files);
  int purge(std::int64_t now_ms);  // files deleted
  void check_disk();

 private:
  void maintain(std::vector<std::filesystem::path> files);
  void on_finished(const media::FinishedRecording& done);
  template <class R, class Job>
  R write_and_wait(Job job);
  template <class R, class Job>
  R read_and_wait(Job job);

  const Config& config_;
  store::Store& store_;
  Metrics& metrics_;
  const tickets::PersonalDataKey& key_;
  std::filesystem::path directory_;
  std::unique_ptr<media::RecordingWriter> writer_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::atomic<bool> scan_finished_{false};
  bool disk_alarm_ = false;
  Gauge& free_mb_;
  Counter& purged_;
  Counter& repaired_;
  Counter& index_failures_;
  std::thread maintenance_;
};

}  // namespace hotline::recordings
