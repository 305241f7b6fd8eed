#pragma once
// The recorder's file side (F2). Media threads never touch a file: they hand
// 20 ms stereo frames (from a ChannelAligner) to this writer's queue, which
// never blocks them (a full queue drops the frame and counts it). One thread,
// "rec-writer", owns every open recording: it creates
//   DIRECTORY/YYYY/MM/DD/<call-id>.wav   (UTC date of the start)
//   DIRECTORY/YYYY/MM/DD/<call-id>.json  (sidecar: metadata and state)
// appends samples, rewrites the WAV sizes every header_update_seconds (a crash
// leaves a file that plays up to the last update; the start-up scan repairs
// the rest), and at close fsyncs, computes the file's SHA-256, marks the
// sidecar "complete" and reports the recording through on_finished.
//
// The sidecar is what the start-up scan reads for files it finds: state
// "open" means the writer did not close the file (a crash), "complete" that
// it did. It holds the caller's number (0640, beside the audio, which is the
// more personal of the two); the index keeps only the keyed hash and the
// sealed number.
#include <array>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "hotline/core/metrics.hpp"

namespace hotline::media {

struct RecordingWriterConfig {
  std::filesystem::path directory;         // recordings root
  unsigned header_update_seconds = 5;      // WAV sizes rewritten this often while open
  std::size_t queue_frames = 16384;        // frames waiting for the writer (~10 MB); more are dropped
};

// What the caller knows when the recording starts; written to the sidecar.
struct RecordingInfo {
  std::string call_id;              // the call's uuid: the file's name
  std::vector<std::string> legs;    // SIP Call-IDs (or leg names) of the recorded legs
  std::string agent;                // agent's job number or extension; empty for IVR-only calls
  std::string caller;               // the citizen's number as received; may be empty
  std::int64_t started_at_ms = 0;   // 0: now
};

struct FinishedRecording {
  std::uint64_t id = 0;
  std::filesystem::path path;       // absolute (or as configured) path of the .wav
  std::string relative_path;        // "2026/11/28/<call-id>.wav", the index key
  RecordingInfo info;
  std::int64_t duration_ms = 0;
  std::uint64_t size_bytes = 0;     // the file's length
  std::string sha256;               // hex, of the whole file
  bool ok = true;                   // false: a write failed (disk full); what was written is kept
  std::string error;
};

// Helpers shared with the start-up scan.
std::string sanitize_call_id(std::string_view call_id);
std::filesystem::path recording_relative_dir(std::int64_t started_at_ms);  // "YYYY/MM/DD"
std::filesystem::path sidecar_path(const std::filesystem::path& wav);     // x.wav -> x.json
// SHA-256 of a file, hex; empty when it cannot be read.
std::string sha256_file(const std::filesystem::path& path);

class RecordingWriter {
 public:
  using Id = std::uint64_t;
  static constexpr std::size_t kFrameSamples = 320;  // 20 ms stereo, interleaved

  // on_finished runs on the rec-writer thread, once per opened recording;
  // it must not block (post the index write to the store).
  RecordingWriter(RecordingWriterConfig config, Metrics& metrics,
                  std::function<void(const FinishedRecording&)> on_finished);
  ~RecordingWriter();  // stop()
  RecordingWriter(const RecordingWriter&) = delete;
  RecordingWriter& operator=(const RecordingWriter&) = delete;

  void start();
  // Writes what is queued, closes every open recording (reported as
  // finished), joins the thread. open() after stop() returns 0.
  void stop();

  // Thread-safe and non-blocking (a short mutex, no I/O). Returns the id the
  // frames are appended under, 0 when stopped.
  Id open(RecordingInfo info);
  // Up to kFrameSamples interleaved samples (more are split). False when the
  // queue is full: the frame is dropped and counted.
  bool append(Id id, std::span<const std::int16_t> stereo);
  void close(Id id);

  std::size_t queue_depth() const;
  std::size_t open_count() const { return open_count_.load(std::memory_order_relaxed); }
  std::uint64_t dropped_frames() const { return dropped_.value(); }
  const RecordingWriterConfig& config() const { return config_; }

 private:
  struct Message {
    enum Kind : std::uint8_t { frame, open, close } kind = frame;
    Id id = 0;
    std::uint16_t count = 0;
    std::array<std::int16_t, kFrameSamples> samples{};
    std::shared_ptr<RecordingInfo> info;  // open only
  };
  struct Open;

  void serve();
  void handle(Message& m);
  void open_file(Id id, RecordingInfo& info);
  void close_file(Id id, Open& file);
  void update_headers();

  RecordingWriterConfig config_;
  std::function<void(const FinishedRecording&)> on_finished_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<Message> incoming_;  // double-buffered with the thread's batch: no allocation once warm
  std::size_t incoming_frames_ = 0;
  bool wake_pending_ = false;  // the writer was (or is being) woken for what is queued
  static constexpr std::size_t kWakeFrames = 256;                   // frames that make a batch worth a wake-up
  static constexpr std::chrono::milliseconds kPoll{100};            // the writer looks at least this often
  bool started_ = false;
  bool stopping_ = false;
  std::atomic<Id> next_id_{1};
  std::atomic<std::size_t> open_count_{0};
  std::map<Id, std::unique_ptr<Open>> files_;  // rec-writer thread only
  Counter& dropped_;
  Counter& frames_written_;
  Counter& bytes_written_;
  Counter& write_micros_;
  Counter& writes_;
  Counter& failures_;
  Gauge& open_gauge_;
  Gauge& queue_gauge_;
  Gauge& write_latency_max_;
  std::thread thread_;
};

}  // namespace hotline::media
