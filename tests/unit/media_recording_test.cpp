// The recorder: the channel aligner (reordered, lost and paused input) and
// the writer thread (files, sidecars, checksum, drops when full).
#include <gtest/gtest.h>
#include <unistd.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>

#include "../../src/media/channel_aligner.hpp"
#include "hotline/media/recording_writer.hpp"
#include "hotline/media/wav_reader.hpp"
#include "hotline/media/wav_writer.hpp"

using namespace hotline::media;
namespace fs = std::filesystem;

namespace {

constexpr std::size_t N = ChannelAligner::kFrameSamples;

// A 20 ms packet whose every sample is `value`.
std::vector<std::int16_t> packet(std::int16_t value) { return std::vector<std::int16_t>(N, value); }

struct Frame {
  std::vector<std::int16_t> left, right;
};

Frame pull(ChannelAligner& a) {
  std::array<std::int16_t, 2 * N> out{};
  a.pull(out);
  Frame f;
  for (std::size_t i = 0; i < N; ++i) {
    f.left.push_back(out[2 * i]);
    f.right.push_back(out[2 * i + 1]);
  }
  return f;
}

// The value of a frame's channel when it is constant, else -1.
int level(const std::vector<std::int16_t>& v) {
  for (auto s : v) {
    if (s != v.front()) return -1;
  }
  return v.front();
}

}  // namespace

TEST(MediaRecordingAligner, InOrderStreamsComeOutAfterTheReorderDelay) {
  ChannelAligner a(3);
  std::vector<int> left, right;
  for (int i = 0; i < 10; ++i) {
    a.push(ChannelAligner::left, 1, 1000 + static_cast<std::uint32_t>(i) * N, packet(static_cast<std::int16_t>(i + 1)));
    a.push(ChannelAligner::right, 2, 50 + static_cast<std::uint32_t>(i) * N, packet(static_cast<std::int16_t>(100 + i)));
    auto f = pull(a);
    left.push_back(level(f.left));
    right.push_back(level(f.right));
  }
  EXPECT_EQ(left, (std::vector<int>{0, 0, 0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(right, (std::vector<int>{0, 0, 0, 100, 101, 102, 103, 104, 105, 106}));
}

TEST(MediaRecordingAligner, ReorderedPacketsLandInTheirSlots) {
  ChannelAligner a(4);
  // Sent 0..7; arrive 0 2 1 4 3 6 5 7 (one pull per arrival).
  int order[] = {0, 2, 1, 4, 3, 6, 5, 7};
  std::vector<int> out;
  for (int i : order) {
    a.push(ChannelAligner::left, 9, static_cast<std::uint32_t>(i) * N, packet(static_cast<std::int16_t>(i + 1)));
    out.push_back(level(pull(a).left));
  }
  for (int i = 0; i < 4; ++i) out.push_back(level(pull(a).left));
  EXPECT_EQ(out, (std::vector<int>{0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(a.stats().late_samples, 0u);
}

TEST(MediaRecordingAligner, LostPacketsAndTheOtherSilentChannelAreSilence) {
  ChannelAligner a(2);
  std::vector<int> out;
  for (int i = 0; i < 8; ++i) {
    if (i != 3 && i != 4)  // lost
      a.push(ChannelAligner::left, 9, static_cast<std::uint32_t>(i) * N, packet(static_cast<std::int16_t>(i + 1)));
    auto f = pull(a);
    out.push_back(level(f.left));
    EXPECT_EQ(level(f.right), 0);  // no agent yet
  }
  EXPECT_EQ(out, (std::vector<int>{0, 0, 1, 2, 3, 0, 0, 6}));
}

TEST(MediaRecordingAligner, HoldKeepsBothChannelsOnTheWallClock) {
  // The citizen talks all along; the agent holds for 10 frames (no packets),
  // then resumes with timestamps that went on counting (RFC 3550), and later
  // resumes again after a timestamp jump (a new stream): both stay aligned.
  ChannelAligner a(2);
  std::vector<int> right;
  std::uint32_t agent_ts = 777;
  for (int i = 0; i < 40; ++i) {
    a.push(ChannelAligner::left, 1, static_cast<std::uint32_t>(i) * N, packet(1));
    bool on_hold = (i >= 5 && i < 15) || (i >= 25 && i < 30);
    if (!on_hold) {
      std::uint32_t ts = i >= 30 ? 5000000u + static_cast<std::uint32_t>(i) * N : agent_ts;
      a.push(ChannelAligner::right, 2, ts, packet(2));
    }
    agent_ts += N;  // the agent's clock runs during hold
    auto f = pull(a);
    EXPECT_EQ(level(f.left), i < 2 ? 0 : 1) << "frame " << i;
    right.push_back(level(f.right));
  }
  // Output lags input by 2 frames: silence exactly where the hold was.
  for (int i = 2; i < 40; ++i) {
    int sent = i - 2;
    bool held = (sent >= 5 && sent < 15) || (sent >= 25 && sent < 30);
    EXPECT_EQ(right[static_cast<std::size_t>(i)], held ? 0 : 2) << "frame " << i;
  }
}

TEST(MediaRecordingAligner, TimestampWrapAroundAndLatePackets) {
  ChannelAligner a(2);
  std::uint32_t start = 0xFFFFFFFFu - 2 * N + 1;  // wraps after two packets
  std::vector<int> out;
  for (int i = 0; i < 6; ++i) {
    a.push(ChannelAligner::left, 3, start + static_cast<std::uint32_t>(i) * N, packet(static_cast<std::int16_t>(i + 1)));
    out.push_back(level(pull(a).left));
  }
  EXPECT_EQ(out, (std::vector<int>{0, 0, 1, 2, 3, 4}));
  // Packet 0 again, far too late now: dropped, counted.
  a.push(ChannelAligner::left, 3, start, packet(9));
  EXPECT_EQ(a.stats().late_samples, N);
  EXPECT_EQ(level(pull(a).left), 5);
}

TEST(MediaRecordingAligner, NewSsrcIsAnchoredAfresh) {
  ChannelAligner a(1);
  a.push(ChannelAligner::left, 1, 1000, packet(1));
  EXPECT_EQ(level(pull(a).left), 0);
  EXPECT_EQ(level(pull(a).left), 1);
  a.push(ChannelAligner::left, 2, 123456, packet(2));  // transfer: another stream, after the same delay
  EXPECT_EQ(level(pull(a).left), 0);
  EXPECT_EQ(level(pull(a).left), 2);
  EXPECT_EQ(a.stats().resyncs, 2u);
}

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/hotline-rec-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

nlohmann::json read_json(const fs::path& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in, nullptr, false);
}

}  // namespace

TEST(MediaRecordingWriter, WritesStereoFilesWithSidecarsAndChecksums) {
  TempDir dir;
  hotline::Metrics metrics;
  std::mutex mutex;
  std::condition_variable cv;
  std::vector<FinishedRecording> finished;
  RecordingWriter writer({dir.path(), 1, 1000}, metrics, [&](const FinishedRecording& f) {
    std::lock_guard lock(mutex);
    finished.push_back(f);
    cv.notify_all();
  });
  writer.start();
  // 2026-11-28T04:05:06Z
  auto id = writer.open({"call/1", {"a@b", "c@d"}, "8001", "13812345678", 1795838706000});
  ASSERT_NE(id, 0u);
  std::vector<std::int16_t> frame(RecordingWriter::kFrameSamples);
  for (std::size_t i = 0; i < frame.size(); ++i) frame[i] = static_cast<std::int16_t>(i % 2 ? -100 : 100);
  for (int i = 0; i < 50; ++i) EXPECT_TRUE(writer.append(id, frame));  // one second
  // While open: the sidecar says so.
  auto wav = dir.path() / "2026/11/28/call_1.wav";
  for (int i = 0; i < 200 && !fs::exists(sidecar_path(wav)); ++i) usleep(10000);
  EXPECT_EQ(read_json(sidecar_path(wav))["state"], "open");
  writer.close(id);
  {
    std::unique_lock lock(mutex);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return !finished.empty(); }));
  }
  const auto& f = finished.front();
  EXPECT_TRUE(f.ok) << f.error;
  EXPECT_EQ(f.relative_path, "2026/11/28/call_1.wav");
  EXPECT_EQ(f.duration_ms, 1000);
  EXPECT_EQ(f.size_bytes, 44u + 8000u * 4u);
  EXPECT_EQ(f.sha256, sha256_file(wav));
  EXPECT_EQ(f.sha256.size(), 64u);
  EXPECT_EQ(f.info.caller, "13812345678");
  auto side = read_json(sidecar_path(wav));
  EXPECT_EQ(side["state"], "complete");
  EXPECT_EQ(side["sha256"], f.sha256);
  EXPECT_EQ(side["legs"], nlohmann::json({"a@b", "c@d"}));
  auto r = repair_wav(wav);
  ASSERT_TRUE(r);
  EXPECT_FALSE(r->changed);
  EXPECT_EQ(r->format.channels, 2u);

  // The same call id again: a second file beside the first.
  auto id2 = writer.open({"call/1", {}, "", "", 1795838706000});
  writer.append(id2, frame);
  writer.stop();  // closes what is open
  ASSERT_EQ(finished.size(), 2u);
  EXPECT_EQ(finished[1].relative_path, "2026/11/28/call_1-2.wav");
  EXPECT_EQ(finished[1].duration_ms, 20);
  EXPECT_EQ(writer.open({"late", {}, "", "", 0}), 0u);
  EXPECT_NE(metrics.render().find("hotline_recorder_frames_total 51"), std::string::npos);
}

TEST(MediaRecordingWriter, AFullQueueDropsFramesInsteadOfBlocking) {
  TempDir dir;
  hotline::Metrics metrics;
  int reports = 0;
  RecordingWriter writer({dir.path(), 5, 10}, metrics, [&](const FinishedRecording&) { ++reports; });
  // Not started: nothing drains the queue.
  auto id = writer.open({"full", {}, "", "", 0});
  std::vector<std::int16_t> frame(RecordingWriter::kFrameSamples, 1);
  int accepted = 0;
  for (int i = 0; i < 25; ++i) accepted += writer.append(id, frame) ? 1 : 0;
  EXPECT_EQ(accepted, 10);
  EXPECT_EQ(writer.dropped_frames(), 15u);
  EXPECT_EQ(writer.queue_depth(), 11u);  // the open and ten frames
  writer.close(id);
  writer.stop();  // processes the queue on this thread
  EXPECT_EQ(reports, 1);
}

TEST(MediaRecordingWriter, AnUnwritableDirectoryIsReportedNotFatal) {
  hotline::Metrics metrics;
  std::vector<FinishedRecording> finished;
  RecordingWriter writer({"/proc/hotline-no-such-dir", 5, 100}, metrics,
                         [&](const FinishedRecording& f) { finished.push_back(f); });
  writer.start();
  auto id = writer.open({"x", {}, "", "", 0});
  std::vector<std::int16_t> frame(RecordingWriter::kFrameSamples, 1);
  writer.append(id, frame);
  writer.close(id);
  writer.stop();
  ASSERT_EQ(finished.size(), 1u);
  EXPECT_FALSE(finished[0].ok);
  EXPECT_EQ(finished[0].size_bytes, 0u);
}

TEST(MediaRecordingWriter, CallIdsAreSafeFileNames) {
  EXPECT_EQ(sanitize_call_id("abc-DEF_1.2"), "abc-DEF_1.2");
  EXPECT_EQ(sanitize_call_id("../../etc/passwd"), "x.._.._etc_passwd");
  EXPECT_EQ(sanitize_call_id(""), "x");
  EXPECT_EQ(sanitize_call_id("a b/c\\d"), "a_b_c_d");
  EXPECT_EQ(recording_relative_dir(0).generic_string(), "1970/01/01");
}
