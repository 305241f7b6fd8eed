// The recordings index (migration 0010) and the Service: start-up scan of a
// crashed writer's files, the writer's reports, the retention purge.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "hotline/core/clock.hpp"
#include "hotline/media/recording_writer.hpp"
#include "hotline/media/wav_writer.hpp"
#include "hotline/recordings/recordings.hpp"
#include "hotline/store/migrations.hpp"
#include "hotline/store/store.hpp"
#include "hotline/tickets/personal_data.hpp"

using namespace hotline;
namespace fs = std::filesystem;

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/hotline-recidx-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

const std::string kMaster(32, 'k');

void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

// A file as a crashed writer leaves it: header sizes from an earlier update,
// more samples after, half a frame at the end, sidecar "open".
void crashed_recording(const fs::path& wav, const std::string& call, std::int64_t started_at) {
  fs::create_directories(wav.parent_path());
  {
    media::WavWriter w;
    ASSERT_FALSE(w.create(wav, 2, 8000));
    std::vector<std::int16_t> second(16000, 500);
    ASSERT_FALSE(w.append(second));
    ASSERT_FALSE(w.close(false));
  }
  {
    std::ofstream out(wav, std::ios::binary | std::ios::app);
    std::vector<char> more(8000 * 4 + 2, 7);  // another second and half a frame
    out.write(more.data(), static_cast<std::streamsize>(more.size()));
  }
  nlohmann::json side = {{"version", 1},      {"state", "open"}, {"call_id", call}, {"legs", {"leg-a"}},
                         {"agent", "8001"},   {"caller", "+86 138-1234-5678"},    {"started_at", started_at},
                         {"sample_rate", 8000}, {"channels", 2}};
  write_text(media::sidecar_path(wav), side.dump());
}

}  // namespace

TEST(MediaRecordingsIndex, UpsertSearchAndPurgeMarks) {
  TempDir dir;
  store::Database db(dir.path() / "t.db", store::OpenMode::read_write_create);
  store::migrate(db);
  tickets::PersonalDataKey key(kMaster);
  recordings::NewRecording n;
  n.call_uuid = "c1";
  n.legs = {"a@b"};
  n.agent = "8001";
  n.caller = "13812345678";
  n.started_at = 1000;
  n.duration_ms = 5000;
  n.size_bytes = 80044;
  n.sha256 = "ab";
  n.path = "1970/01/01/c1.wav";
  auto id = recordings::upsert_recording(db, n, key);
  EXPECT_GT(id, 0);
  n.sha256 = "cd";
  n.state = "repaired";
  EXPECT_EQ(recordings::upsert_recording(db, n, key), id);  // same path: same row
  n.call_uuid = "c2";
  n.agent = "8002";
  n.caller = "";
  n.started_at = 2000;
  n.path = "1970/01/01/c2.wav";
  auto id2 = recordings::upsert_recording(db, n, key);

  auto r = recordings::find_recording(db, id, key);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->sha256, "cd");
  EXPECT_EQ(r->state, "repaired");
  EXPECT_EQ(r->caller_phone, "13812345678");
  EXPECT_EQ(r->legs, std::vector<std::string>{"a@b"});

  recordings::RecordingQuery q;
  EXPECT_EQ(recordings::search_recordings(db, q, key).size(), 2u);
  q.caller_hash = key.phone_hash("+86 138 1234 5678");
  auto by_caller = recordings::search_recordings(db, q, key);
  ASSERT_EQ(by_caller.size(), 1u);
  EXPECT_EQ(by_caller[0].id, id);
  q = {};
  q.agent = "8002";
  EXPECT_EQ(recordings::search_recordings(db, q, key).at(0).id, id2);
  q = {};
  q.from = 1500;
  EXPECT_EQ(recordings::search_recordings(db, q, key).size(), 1u);
  q = {};
  q.limit = 1;
  auto page = recordings::search_recordings(db, q, key);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].id, id2);
  q.before_id = id2;
  EXPECT_EQ(recordings::search_recordings(db, q, key).at(0).id, id);

  recordings::link_ticket(db, id, std::nullopt);
  EXPECT_THROW(recordings::link_ticket(db, 999, std::nullopt), Error);

  auto expired = recordings::expired_recordings(db, 1500, 10, key);
  ASSERT_EQ(expired.size(), 1u);
  recordings::mark_purged(db, expired[0].id, 3000);
  EXPECT_TRUE(recordings::expired_recordings(db, 1500, 10, key).empty());
  q = {};
  EXPECT_EQ(recordings::search_recordings(db, q, key).size(), 1u);
  q.include_purged = true;
  EXPECT_EQ(recordings::search_recordings(db, q, key).size(), 2u);
}

TEST(MediaRecordingsIndex, ServiceRepairsAndIndexesCrashedFilesThenRecordsAndPurges) {
  TempDir dir;
  Config config;
  config.data_dir = dir.path();
  config.recordings.retention_days = 30;
  Metrics metrics;
  store::Store store(config.database_path(), config.store, metrics);
  tickets::PersonalDataKey key(kMaster);
  auto old_start = now_ms() - 40LL * 86400000;
  auto rec_dir = config.recordings_path();
  crashed_recording(rec_dir / "2026/01/02/crashed.wav", "crashed-call", now_ms() - 60000);
  crashed_recording(rec_dir / "2025/01/01/old.wav", "old-call", old_start);
  write_text(rec_dir / "2026/01/02/garbage.wav", "not a wav");
  {
    recordings::Service service(config, store, metrics, key);
    service.start();
    for (int i = 0; i < 1000 && !service.scan_finished(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    ASSERT_TRUE(service.scan_finished());
    // The purge after the scan removes the 40-day-old one.
    for (int i = 0; i < 500 && fs::exists(rec_dir / "2025/01/01/old.wav"); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_FALSE(fs::exists(rec_dir / "2025/01/01/old.wav"));
    EXPECT_FALSE(fs::exists(rec_dir / "2025/01/01/old.json"));

    // The crashed file: repaired, indexed with the sidecar's metadata.
    store::Database db(config.database_path(), store::OpenMode::read_only);
    auto r = recordings::find_recording_by_path(db, "2026/01/02/crashed.wav", key);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->state, "repaired");
    EXPECT_EQ(r->call_uuid, "crashed-call");
    EXPECT_EQ(r->agent, "8001");
    EXPECT_EQ(r->caller_phone, "+86 138-1234-5678");
    EXPECT_EQ(r->duration_ms, 2000);
    EXPECT_EQ(r->size_bytes, 44 + 2 * 32000);
    EXPECT_EQ(r->sha256, media::sha256_file(rec_dir / "2026/01/02/crashed.wav"));
    auto purged = recordings::find_recording_by_path(db, "2025/01/01/old.wav", key);
    ASSERT_TRUE(purged);
    EXPECT_EQ(purged->state, "purged");
    EXPECT_FALSE(recordings::find_recording_by_path(db, "2026/01/02/garbage.wav", key));
    EXPECT_TRUE(fs::exists(rec_dir / "2026/01/02/garbage.wav"));  // left for a human

    // A second scan of the same files changes nothing.
    auto again = service.scan({rec_dir / "2026/01/02/crashed.wav"});
    EXPECT_EQ(again.known, 1);
    EXPECT_EQ(again.indexed, 0);

    // The writer's reports become rows.
    ASSERT_NE(service.writer(), nullptr);
    auto id = service.writer()->open({"live-call", {"x"}, "8003", "13900000000", 0});
    std::vector<std::int16_t> frame(media::RecordingWriter::kFrameSamples, 9);
    for (int i = 0; i < 10; ++i) service.writer()->append(id, frame);
    service.writer()->close(id);
    std::optional<recordings::Recording> live;
    for (int i = 0; i < 500 && !live; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      recordings::RecordingQuery q;
      q.call_uuid = "live-call";
      auto found = recordings::search_recordings(db, q, key);
      if (!found.empty()) live = found[0];
    }
    ASSERT_TRUE(live);
    EXPECT_EQ(live->state, "complete");
    EXPECT_EQ(live->duration_ms, 200);
    EXPECT_EQ(live->caller_phone, "13900000000");
    EXPECT_TRUE(service.file_of(*live));
    recordings::Recording evil = *live;
    evil.path = "../../etc/passwd";
    EXPECT_FALSE(service.file_of(evil));
    service.stop();
  }
  auto text = metrics.render();
  EXPECT_NE(text.find("hotline_recordings_repaired_total 2"), std::string::npos) << text;
  EXPECT_NE(text.find("hotline_recordings_disk_free_megabytes"), std::string::npos);
  store.stop();
}
