#include "hotline/media/recording_writer.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>

#include "hotline/core/clock.hpp"
#include "hotline/media/wav_writer.hpp"

namespace hotline::media {
namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned kSampleRate = 8000;
constexpr unsigned kChannels = 2;

std::int64_t micros_since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t).count();
}

void write_sidecar(const std::filesystem::path& path, const nlohmann::json& value) {
  auto temp = path;
  temp += ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << value.dump(2) << "\n";
    if (!out) {
      spdlog::warn("event=recording.sidecar_failed path={}", path.string());
      return;
    }
  }
  std::error_code ec;
  namespace perms = std::filesystem;
  perms::permissions(temp, perms::perms::owner_read | perms::perms::owner_write | perms::perms::group_read, ec);
  std::filesystem::rename(temp, path, ec);
  if (ec) spdlog::warn("event=recording.sidecar_failed path={} error=\"{}\"", path.string(), ec.message());
}

nlohmann::json sidecar_json(const RecordingInfo& info, const std::string& state) {
  return {{"version", 1},
          {"state", state},
          {"call_id", info.call_id},
          {"legs", info.legs},
          {"agent", info.agent},
          {"caller", info.caller},
          {"started_at", info.started_at_ms},
          {"sample_rate", kSampleRate},
          {"channels", kChannels}};
}

}  // namespace

std::string sanitize_call_id(std::string_view call_id) {
  std::string out;
  for (char c : call_id.substr(0, 128)) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
                c == '.';
    out.push_back(safe ? c : '_');
  }
  if (out.empty() || out.front() == '.') out.insert(out.begin(), 'x');
  return out;
}

std::filesystem::path recording_relative_dir(std::int64_t started_at_ms) {
  std::time_t seconds = static_cast<std::time_t>(started_at_ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d/%02d/%02d", (tm.tm_year + 1900) % 10000, (tm.tm_mon + 1) % 100,
                tm.tm_mday % 100);
  return buf;
}

std::filesystem::path sidecar_path(const std::filesystem::path& wav) {
  auto p = wav;
  p.replace_extension(".json");
  return p;
}

std::string sha256_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
  std::vector<unsigned char> buf(64 * 1024);
  bool ok = true;
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) ok = false;
    if (n <= 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (!ok) return {};
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_DigestFinal_ex(ctx.get(), digest, &size);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

struct RecordingWriter::Open {
  RecordingInfo info;
  std::filesystem::path path;
  std::string relative_path;
  WavWriter wav;
  bool failed = false;
  std::string error;
};

RecordingWriter::RecordingWriter(RecordingWriterConfig config, Metrics& metrics,
                                 std::function<void(const FinishedRecording&)> on_finished)
    : config_(std::move(config)),
      on_finished_(std::move(on_finished)),
      dropped_(metrics.counter("hotline_recorder_dropped_frames_total",
                               "20 ms frames the media threads could not queue for the recorder (queue full).")),
      frames_written_(metrics.counter("hotline_recorder_frames_total", "20 ms stereo frames written to recordings.")),
      bytes_written_(metrics.counter("hotline_recorder_bytes_total", "Sample bytes appended to recordings.")),
      write_micros_(metrics.counter("hotline_recorder_write_microseconds_total",
                                    "Time the recorder thread spent in appends (file writes included).")),
      writes_(metrics.counter("hotline_recorder_writes_total", "Appends by the recorder thread.")),
      failures_(metrics.counter("hotline_recorder_failures_total",
                                "Recordings that hit a write error (disk full, ...): kept up to the failure.")),
      open_gauge_(metrics.gauge("hotline_recorder_open_recordings", "Recordings open in the writer.")),
      queue_gauge_(metrics.gauge("hotline_recorder_queue_depth", "Frames and commands waiting for the recorder thread.")),
      write_latency_max_(metrics.gauge("hotline_recorder_write_latency_max_microseconds",
                                       "Slowest append (a buffer flush to the file) since the last header update.")) {
  incoming_.reserve(256);
}

RecordingWriter::~RecordingWriter() { stop(); }

void RecordingWriter::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "rec-writer");
    serve();
  });
}

void RecordingWriter::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  } else {
    // Never started: what was queued is still processed, on this thread.
    serve();
  }
}

RecordingWriter::Id RecordingWriter::open(RecordingInfo info) {
  if (!info.started_at_ms) info.started_at_ms = now_ms();
  Id id = next_id_.fetch_add(1);
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return 0;
    auto& m = incoming_.emplace_back();
    m.kind = Message::open;
    m.id = id;
    m.info = std::make_shared<RecordingInfo>(std::move(info));
    wake_pending_ = true;
    queue_gauge_.set(static_cast<std::int64_t>(incoming_.size()));
  }
  cv_.notify_one();
  return id;
}

bool RecordingWriter::append(Id id, std::span<const std::int16_t> stereo) {
  if (id == 0) return false;
  bool accepted = true;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    while (!stereo.empty()) {
      if (stopping_ || incoming_frames_ >= config_.queue_frames) {
        accepted = false;
        break;
      }
      auto n = std::min(stereo.size(), kFrameSamples);
      auto& m = incoming_.emplace_back();
      m.kind = Message::frame;
      m.id = id;
      m.count = static_cast<std::uint16_t>(n);
      std::copy_n(stereo.begin(), n, m.samples.begin());
      ++incoming_frames_;
      stereo = stereo.subspan(n);
    }
    // Wake the writer once per batch, not per frame: a futex call per 20 ms
    // frame of every call would cost more than the write.
    wake = incoming_frames_ >= kWakeFrames && !wake_pending_;
    if (wake) wake_pending_ = true;
    queue_gauge_.set(static_cast<std::int64_t>(incoming_.size()));
  }
  if (wake) cv_.notify_one();
  if (!accepted) dropped_.inc();
  return accepted;
}

void RecordingWriter::close(Id id) {
  if (id == 0) return;
  {
    std::lock_guard lock(mutex_);
    auto& m = incoming_.emplace_back();
    m.kind = Message::close;
    m.id = id;
    wake_pending_ = true;
    queue_gauge_.set(static_cast<std::int64_t>(incoming_.size()));
  }
  cv_.notify_one();
}

std::size_t RecordingWriter::queue_depth() const {
  std::lock_guard lock(mutex_);
  return incoming_.size();
}

void RecordingWriter::serve() {
  std::vector<Message> batch;
  batch.reserve(256);
  const auto period = std::chrono::seconds(std::max(1u, config_.header_update_seconds));
  auto next_update = Clock::now() + period;
  for (;;) {
    bool stopping = false;
    {
      std::unique_lock lock(mutex_);
      // Frames come without a wake-up until a batch is full: look every kPoll anyway.
      const auto until = std::min(next_update, Clock::now() + kPoll);
      cv_.wait_until(lock, until, [this] { return stopping_ || wake_pending_; });
      batch.swap(incoming_);
      incoming_frames_ = 0;
      wake_pending_ = false;
      queue_gauge_.set(0);
      stopping = stopping_;
    }
    for (auto& m : batch) handle(m);
    batch.clear();
    if (Clock::now() >= next_update) {
      update_headers();
      next_update = Clock::now() + period;
    }
    if (stopping) {
      std::lock_guard lock(mutex_);
      if (incoming_.empty()) break;
    }
  }
  // Calls still up at shutdown: their recordings end here, complete.
  while (!files_.empty()) {
    auto it = files_.begin();
    close_file(it->first, *it->second);
    files_.erase(it);
  }
}

void RecordingWriter::handle(Message& m) {
  switch (m.kind) {
    case Message::open:
      open_file(m.id, *m.info);
      break;
    case Message::frame: {
      auto it = files_.find(m.id);
      if (it == files_.end() || it->second->failed) return;
      Open& f = *it->second;
      auto started = Clock::now();
      auto ec = f.wav.append(std::span<const std::int16_t>(m.samples.data(), m.count));
      auto took = micros_since(started);
      writes_.inc();
      write_micros_.inc(static_cast<std::uint64_t>(took));
      if (took > write_latency_max_.value()) write_latency_max_.set(took);
      if (ec) {
        f.failed = true;
        f.error = ec.message();
        failures_.inc();
        spdlog::error("event=recording.write_failed path={} error=\"{}\"", f.path.string(), f.error);
        f.wav.close(true);
        return;
      }
      frames_written_.inc();
      bytes_written_.inc(m.count * 2u);
      break;
    }
    case Message::close: {
      auto it = files_.find(m.id);
      if (it == files_.end()) return;
      close_file(m.id, *it->second);
      files_.erase(it);
      break;
    }
  }
}

void RecordingWriter::open_file(Id id, RecordingInfo& info) {
  auto file = std::make_unique<Open>();
  file->info = std::move(info);
  auto dir_rel = recording_relative_dir(file->info.started_at_ms);
  auto dir = config_.directory / dir_rel;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  auto base = sanitize_call_id(file->info.call_id);
  std::error_code create_error;
  for (int attempt = 1; attempt <= 100; ++attempt) {
    std::string name = attempt == 1 ? base : base + "-" + std::to_string(attempt);
    file->path = dir / (name + ".wav");
    file->relative_path = (dir_rel / (name + ".wav")).generic_string();
    create_error = file->wav.create(file->path, kChannels, kSampleRate);
    if (create_error != std::errc::file_exists) break;
  }
  if (create_error) {
    file->failed = true;
    file->error = create_error.message();
    failures_.inc();
    spdlog::error("event=recording.open_failed path={} error=\"{}\"", file->path.string(), file->error);
  } else {
    write_sidecar(sidecar_path(file->path), sidecar_json(file->info, "open"));
    spdlog::debug("event=recording.opened path={}", file->relative_path);
  }
  files_.emplace(id, std::move(file));
  open_count_.store(files_.size(), std::memory_order_relaxed);
  open_gauge_.set(static_cast<std::int64_t>(files_.size()));
}

void RecordingWriter::close_file(Id id, Open& f) {
  FinishedRecording done;
  done.id = id;
  done.path = f.path;
  done.relative_path = f.relative_path;
  if (f.wav.is_open()) {
    auto frames = f.wav.frames();
    if (auto ec = f.wav.close(true); ec && !f.failed) {
      f.failed = true;
      f.error = ec.message();
      failures_.inc();
    }
    done.duration_ms = static_cast<std::int64_t>(frames * 1000 / kSampleRate);
  } else {
    // Failed earlier: the file holds what was written before the failure.
    std::error_code ec;
    auto size = std::filesystem::file_size(f.path, ec);
    if (!ec && size >= kWavHeaderBytes)
      done.duration_ms = static_cast<std::int64_t>((size - kWavHeaderBytes) / (2 * kChannels) * 1000 / kSampleRate);
  }
  std::error_code ec;
  done.size_bytes = std::filesystem::file_size(f.path, ec);
  if (ec) done.size_bytes = 0;
  done.ok = !f.failed;
  done.error = f.error;
  if (done.size_bytes) {
    done.sha256 = sha256_file(f.path);
    auto side = sidecar_json(f.info, "complete");
    side["duration_ms"] = done.duration_ms;
    side["size_bytes"] = done.size_bytes;
    side["sha256"] = done.sha256;
    write_sidecar(sidecar_path(f.path), side);
  }
  done.info = std::move(f.info);
  open_count_.store(files_.size() - 1, std::memory_order_relaxed);
  open_gauge_.set(static_cast<std::int64_t>(files_.size() - 1));
  if (on_finished_) {
    try {
      on_finished_(done);
    } catch (const std::exception& e) {
      spdlog::error("event=recording.report_failed error=\"{}\"", e.what());
    }
  }
}

void RecordingWriter::update_headers() {
  for (auto& [id, f] : files_) {
    if (f->failed || !f->wav.is_open()) continue;
    if (auto ec = f->wav.update_header()) {
      f->failed = true;
      f->error = ec.message();
      failures_.inc();
      spdlog::error("event=recording.write_failed path={} error=\"{}\"", f->path.string(), f->error);
      f->wav.close(true);
    }
  }
  write_latency_max_.set(0);
}

}  // namespace hotline::media
