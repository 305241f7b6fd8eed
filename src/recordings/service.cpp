#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/statvfs.h>

#include <chrono>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>

#include "hotline/core/clock.hpp"
#include "hotline/media/recording_writer.hpp"
#include "hotline/media/wav_reader.hpp"
#include "hotline/recordings/recordings.hpp"
#include "hotline/store/store.hpp"
#include "hotline/tickets/personal_data.hpp"
#include "hotline/media/wav_writer.hpp"

namespace hotline::recordings {
namespace {

namespace fs = std::filesystem;

constexpr auto kDiskCheckInterval = std::chrono::seconds(30);
constexpr auto kPurgeInterval = std::chrono::hours(24);
constexpr int kPurgeBatch = 500;

std::int64_t mtime_ms(const fs::path& p) {
  std::error_code ec;
  auto t = fs::last_write_time(p, ec);
  if (ec) return now_ms();
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::file_clock::to_sys(t).time_since_epoch())
      .count();
}

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return nlohmann::json();
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (text.size() > 1 << 20) return nlohmann::json();
  auto j = nlohmann::json::parse(text, nullptr, false);
  return j.is_object() ? j : nlohmann::json();
}

std::string json_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::int64_t json_int(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_integer() ? it->get<std::int64_t>() : 0;
}

void write_json(const fs::path& p, const nlohmann::json& value) {
  auto temp = p;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << value.dump(2) << "\n";
  }
  std::error_code ec;
  fs::rename(temp, p, ec);
}

}  // namespace

Service::Service(const Config& config, store::Store& store, Metrics& metrics, const tickets::PersonalDataKey& key)
    : config_(config),
      store_(store),
      metrics_(metrics),
      key_(key),
      directory_(config.recordings_path()),
      free_mb_(metrics.gauge("hotline_recordings_disk_free_megabytes",
                             "Free space on the file system of the recordings directory.")),
      purged_(metrics.counter("hotline_recordings_purged_total", "Recordings deleted by the retention purge.")),
      repaired_(metrics.counter("hotline_recordings_repaired_total",
                                "Recordings whose WAV header the start-up scan repaired.")),
      index_failures_(metrics.counter("hotline_recordings_index_failures_total",
                                      "Finished recordings whose index row could not be written.")) {
  metrics.gauge("hotline_recordings_disk_alarm_free_megabytes", "recordings.disk_alarm_free_mb: the alarm threshold.")
      .set(config.recordings.disk_alarm_free_mb);
}

Service::~Service() { stop(); }

template <class R, class Job>
R Service::write_and_wait(Job job) {
  std::promise<R> done;
  auto result = done.get_future();
  store_.write(std::move(job), [&done](std::exception_ptr e, R value) {
    if (e)
      done.set_exception(e);
    else
      done.set_value(std::move(value));
  });
  return result.get();
}

template <class R, class Job>
R Service::read_and_wait(Job job) {
  std::promise<R> done;
  auto result = done.get_future();
  store_.read(std::move(job), [&done](std::exception_ptr e, R value) {
    if (e)
      done.set_exception(e);
    else
      done.set_value(std::move(value));
  });
  return result.get();
}

void Service::start() {
  std::error_code ec;
  fs::create_directories(directory_, ec);
  if (ec) spdlog::error("event=recordings.directory_failed path={} error=\"{}\"", directory_.string(), ec.message());
  // The files there now are the scan's; the writer's come later.
  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(directory_, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file(ec) && it->path().extension() == ".wav") files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  if (config_.recordings.enabled) {
    media::RecordingWriterConfig wc;
    wc.directory = directory_;
    wc.header_update_seconds = config_.recordings.header_update_seconds;
    writer_ = std::make_unique<media::RecordingWriter>(wc, metrics_,
                                                       [this](const media::FinishedRecording& d) { on_finished(d); });
    writer_->start();
  }
  spdlog::info("event=recordings.ready enabled={} directory={} retention_days={} disk_alarm_free_mb={} to_scan={}",
               config_.recordings.enabled, directory_.string(), config_.recordings.retention_days,
               config_.recordings.disk_alarm_free_mb, files.size());
  maintenance_ = std::thread([this, files = std::move(files)]() mutable {
    pthread_setname_np(pthread_self(), "rec-maint");
    maintain(std::move(files));
  });
}

void Service::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (maintenance_.joinable()) maintenance_.join();
  // The writer's last reports become store jobs: the store is still up.
  if (writer_) writer_->stop();
}

std::optional<fs::path> Service::file_of(const Recording& r) const {
  fs::path rel(r.path);
  if (rel.empty() || rel.is_absolute()) return std::nullopt;
  for (const auto& part : rel) {
    if (part == ".." || part == ".") return std::nullopt;
  }
  return directory_ / rel;
}

void Service::on_finished(const media::FinishedRecording& d) {
  if (d.size_bytes == 0) {
    spdlog::error("event=recording.lost call={} error=\"{}\"", d.info.call_id, d.error);
    return;
  }
  NewRecording n;
  n.call_uuid = d.info.call_id;
  n.legs = d.info.legs;
  n.agent = d.info.agent;
  n.caller = d.info.caller;
  n.started_at = d.info.started_at_ms;
  n.duration_ms = d.duration_ms;
  n.size_bytes = static_cast<std::int64_t>(d.size_bytes);
  n.sha256 = d.sha256;
  n.path = d.relative_path;
  n.state = "complete";
  auto job = [n = std::move(n), this](store::Database& db) { return upsert_recording(db, n, key_); };
  // Completed on a store thread; the rec-writer thread goes on at once.
  store_.write(std::move(job), [this, path = d.relative_path](std::exception_ptr e, std::int64_t) {
    if (!e) return;
    index_failures_.inc();
    spdlog::error("event=recording.index_failed path={} note=\"the start-up scan will index it\"", path);
  });
  spdlog::info("event=recording.finished path={} duration_ms={} bytes={} ok={}", d.relative_path, d.duration_ms,
               d.size_bytes, d.ok);
}

ScanReport Service::scan(const std::vector<fs::path>& files) {
  ScanReport report;
  for (const auto& wav : files) {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) break;
    }
    ++report.files;
    std::error_code ec;
    auto rel = fs::relative(wav, directory_, ec).generic_string();
    if (ec || rel.empty() || rel.rfind("..", 0) == 0) {
      ++report.failed;
      continue;
    }
    try {
      auto existing = read_and_wait<std::optional<Recording>>(
          [rel, this](store::Database& db) { return find_recording_by_path(db, rel, key_); });
      if (existing && existing->state != "open") {
        ++report.known;
        continue;
      }
      auto side_path = media::sidecar_path(wav);
      auto side = read_json(side_path);
      bool closed = json_string(side, "state") == "complete" || json_string(side, "state") == "repaired";
      NewRecording n;
      n.path = rel;
      n.call_uuid = json_string(side, "call_id");
      if (n.call_uuid.empty()) n.call_uuid = wav.stem().string();
      if (auto legs = side.find("legs"); legs != side.end() && legs->is_array()) {
        for (const auto& l : *legs) {
          if (l.is_string()) n.legs.push_back(l.get<std::string>());
        }
      }
      n.agent = json_string(side, "agent");
      n.caller = json_string(side, "caller");
      n.state = "complete";
      bool changed = false;
      if (!closed) {
        // Left open by a crash (or written by something else): fix the sizes.
        auto r = media::repair_wav(wav);
        if (!r) {
          ++report.failed;
          spdlog::warn("event=recording.unreadable path={} reason=\"{}\"", rel, r.error().reason);
          continue;
        }
        changed = r->changed;
        n.state = "repaired";
      }
      auto size = fs::file_size(wav, ec);
      if (ec || size < media::kWavHeaderBytes) {
        ++report.failed;
        continue;
      }
      // Duration from the header as it now is.
      std::vector<std::uint8_t> head(std::min<std::uintmax_t>(size, 4096));
      {
        std::ifstream in(wav, std::ios::binary);
        in.read(reinterpret_cast<char*>(head.data()), static_cast<std::streamsize>(head.size()));
      }
      std::uint64_t block = 4, rate = 8000, data = size - media::kWavHeaderBytes;
      if (head.size() >= 44) {
        rate = std::max<std::uint64_t>(1, head[24] | (head[25] << 8) | (head[26] << 16) |
                                              (static_cast<std::uint64_t>(head[27]) << 24));
        block = std::max<std::uint64_t>(1, head[32] | (head[33] << 8));
        data = head[40] | (head[41] << 8) | (head[42] << 16) | (static_cast<std::uint64_t>(head[43]) << 24);
      }
      n.duration_ms = static_cast<std::int64_t>(data / block * 1000 / rate);
      n.size_bytes = static_cast<std::int64_t>(size);
      n.sha256 = media::sha256_file(wav);
      n.started_at = json_int(side, "started_at");
      if (!n.started_at) n.started_at = mtime_ms(wav) - n.duration_ms;
      write_and_wait<std::int64_t>([n, this](store::Database& db) { return upsert_recording(db, n, key_); });
      ++report.indexed;
      if (!closed) {
        ++report.repaired;
        repaired_.inc();
        if (!side.is_object()) side = nlohmann::json::object();
        side["state"] = "repaired";
        side["duration_ms"] = n.duration_ms;
        side["size_bytes"] = n.size_bytes;
        side["sha256"] = n.sha256;
        if (!side.contains("call_id")) side["call_id"] = n.call_uuid;
        if (!side.contains("started_at")) side["started_at"] = n.started_at;
        write_json(side_path, side);
      }
      spdlog::info("event=recording.indexed path={} state={} header_fixed={} duration_ms={}", rel, n.state, changed,
                   n.duration_ms);
    } catch (const std::exception& e) {
      ++report.failed;
      spdlog::error("event=recording.scan_failed path={} error=\"{}\"", rel, e.what());
    }
  }
  return report;
}

int Service::purge(std::int64_t now) {
  if (config_.recordings.retention_days == 0) return 0;
  std::int64_t before = now - static_cast<std::int64_t>(config_.recordings.retention_days) * 86400000;
  int deleted = 0;
  for (;;) {
    auto batch = read_and_wait<std::vector<Recording>>(
        [before, this](store::Database& db) { return expired_recordings(db, before, kPurgeBatch, key_); });
    if (batch.empty()) break;
    for (const auto& r : batch) {
      if (auto file = file_of(r)) {
        std::error_code ec;
        fs::remove(*file, ec);
        fs::remove(media::sidecar_path(*file), ec);
        ++deleted;
      }
      write_and_wait<int>([id = r.id, now](store::Database& db) {
        mark_purged(db, id, now);
        return 0;
      });
      purged_.inc();
    }
    if (static_cast<int>(batch.size()) < kPurgeBatch) break;
    std::lock_guard lock(mutex_);
    if (stopping_) break;
  }
  if (deleted) spdlog::info("event=recordings.purged count={} retention_days={}", deleted,
                            config_.recordings.retention_days);
  return deleted;
}

void Service::check_disk() {
  struct statvfs st {};
  if (::statvfs(directory_.c_str(), &st) != 0) return;
  auto free_mb = static_cast<std::int64_t>(static_cast<std::uint64_t>(st.f_bavail) * st.f_frsize / (1024 * 1024));
  free_mb_.set(free_mb);
  bool low = config_.recordings.disk_alarm_free_mb && free_mb < config_.recordings.disk_alarm_free_mb;
  if (low && !disk_alarm_) {
    spdlog::error("event=recordings.disk_low free_mb={} alarm_free_mb={} directory={}", free_mb,
                  config_.recordings.disk_alarm_free_mb, directory_.string());
  } else if (!low && disk_alarm_) {
    spdlog::info("event=recordings.disk_ok free_mb={} alarm_free_mb={}", free_mb, config_.recordings.disk_alarm_free_mb);
  }
  disk_alarm_ = low;
}

void Service::maintain(std::vector<fs::path> files) {
  check_disk();
  try {
    auto r = scan(files);
    spdlog::info("event=recordings.scanned files={} indexed={} repaired={} known={} failed={}", r.files, r.indexed,
                 r.repaired, r.known, r.failed);
  } catch (const std::exception& e) {
    spdlog::error("event=recordings.scan_failed error=\"{}\"", e.what());
  }
  scan_finished_ = true;
  auto next_purge = std::chrono::steady_clock::now();
  for (;;) {
    if (std::chrono::steady_clock::now() >= next_purge) {
      try {
        purge(now_ms());
      } catch (const std::exception& e) {
        spdlog::error("event=recordings.purge_failed error=\"{}\"", e.what());
      }
      next_purge = std::chrono::steady_clock::now() + kPurgeInterval;
    }
    check_disk();
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, kDiskCheckInterval, [this] { return stopping_; })) break;
  }
}

}  // namespace hotline::recordings
