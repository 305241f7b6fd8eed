// TTS: Mandarin sequences, espeak-ng rendering into the cache on the tts
// thread, cache hits without it, and recorded prompts replacing TTS.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>

#include "hotline/media/prompts.hpp"
#include "hotline/media/tts_engine.hpp"
#include "hotline/media/tts_mandarin.hpp"
#include "hotline/media/wav_reader.hpp"
#include "hotline/media/wav_writer.hpp"

using namespace hotline::media;
namespace fs = std::filesystem;

TEST(MediaTtsMandarin, Numbers) {
  EXPECT_EQ(mandarin_number(0), "零");
  EXPECT_EQ(mandarin_number(7), "七");
  EXPECT_EQ(mandarin_number(10), "十");
  EXPECT_EQ(mandarin_number(15), "十五");
  EXPECT_EQ(mandarin_number(20), "二十");
  EXPECT_EQ(mandarin_number(110), "一百一十");
  EXPECT_EQ(mandarin_number(1205), "一千二百零五");
  EXPECT_EQ(mandarin_number(1005), "一千零五");
  EXPECT_EQ(mandarin_number(2026), "二千零二十六");
  EXPECT_EQ(mandarin_number(10050), "一万零五十");
  EXPECT_EQ(mandarin_number(100000), "十万");
  EXPECT_EQ(mandarin_number(120000), "十二万");
  EXPECT_EQ(mandarin_number(100000000), "一亿");
  EXPECT_EQ(mandarin_number(100010000), "一亿零一万");
  EXPECT_EQ(mandarin_number(300000005), "三亿零五");
  EXPECT_EQ(mandarin_number(-3), "负三");
  EXPECT_FALSE(mandarin_number(INT64_MIN).empty());
}

TEST(MediaTtsMandarin, DigitsDatesAndMoney) {
  EXPECT_EQ(mandarin_digits("2026112800123"), "二零二六幺幺二八零零幺二三");
  EXPECT_EQ(mandarin_digits("12345"), "幺二三四五");
  EXPECT_EQ(mandarin_digits("1-0*#", true), "一零星井");
  EXPECT_EQ(mandarin_date(2026, 11, 28), "二零二六年十一月二十八日");
  EXPECT_EQ(mandarin_date(2026, 1, 1), "二零二六年一月一日");
  EXPECT_EQ(mandarin_money_fen(1250), "十二元五角");
  EXPECT_EQ(mandarin_money_fen(1205), "十二元零五分");
  EXPECT_EQ(mandarin_money_fen(1256), "十二元五角六分");
  EXPECT_EQ(mandarin_money_fen(50), "五角");
  EXPECT_EQ(mandarin_money_fen(5), "五分");
  EXPECT_EQ(mandarin_money_fen(0), "零元");
  EXPECT_EQ(mandarin_money_fen(10000), "一百元");
  EXPECT_EQ(mandarin_money("12.50元"), "十二元五角");
  EXPECT_EQ(mandarin_money("12.5"), "十二元五角");
  EXPECT_EQ(mandarin_money("0.05"), "五分");
  EXPECT_EQ(mandarin_money("300"), "三百元");
  EXPECT_EQ(mandarin_money("-1.10"), "负一元一角");
  EXPECT_FALSE(mandarin_money("1.234"));
  EXPECT_FALSE(mandarin_money("abc"));
  EXPECT_FALSE(mandarin_money("1."));
  EXPECT_FALSE(mandarin_money(".5"));
  EXPECT_FALSE(mandarin_money(""));
}

namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/hotline-tts-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Runs io until one result arrives.
TtsResult wait_for(boost::asio::io_context& io, std::optional<TtsResult>& slot) {
  auto work = boost::asio::make_work_guard(io);
  for (int i = 0; i < 3000 && !slot; ++i) {
    io.run_for(std::chrono::milliseconds(10));
    io.restart();
  }
  EXPECT_TRUE(slot) << "no TTS answer in 30 s";
  return slot.value_or(TtsResult{});
}

}  // namespace

TEST(MediaTts, RendersMandarinAndEnglishThenHitsTheCache) {
  TempDir dir;
  hotline::Metrics metrics;
  boost::asio::io_context io;  // outlives the engines, which post to it
  TtsEngine tts(dir.path() / "tts-cache", metrics);
  tts.start();
  std::optional<TtsResult> first, same, english, bad;
  auto text = "您好，欢迎致电12345热线。工单号" + mandarin_digits("2026112800123");
  tts.render(text, "cmn", 160, io.get_executor(), [&](TtsResult r) { first = r; });
  // The same text while the first is rendering: one rendering, two answers.
  tts.render(text, "cmn", 160, io.get_executor(), [&](TtsResult r) { same = r; });
  auto r = wait_for(io, first);
  ASSERT_TRUE(r.error.empty()) << r.error;
  EXPECT_FALSE(r.cache_hit);
  EXPECT_EQ(r.path, tts.cache_path(text, "cmn", 160));
  wait_for(io, same);
  EXPECT_EQ(same->path, r.path);
  auto samples = read_wav_file(r.path);
  ASSERT_TRUE(samples) << samples.error().reason;
  EXPECT_GT(samples->size(), 8000u);  // more than a second of speech at 8 kHz

  tts.render("Welcome to the hotline", "en", 175, io.get_executor(), [&](TtsResult x) { english = x; });
  auto e = wait_for(io, english);
  ASSERT_TRUE(e.error.empty()) << e.error;
  EXPECT_NE(e.path, r.path);

  std::optional<TtsResult> hit;
  tts.render(text, "cmn", 160, io.get_executor(), [&](TtsResult x) { hit = x; });
  EXPECT_FALSE(hit);  // posted, never inline
  auto h = wait_for(io, hit);
  EXPECT_TRUE(h.cache_hit);
  EXPECT_EQ(h.path, r.path);

  tts.render("x", "no such voice!", 160, io.get_executor(), [&](TtsResult x) { bad = x; });
  EXPECT_FALSE(wait_for(io, bad).error.empty());
  auto text_metrics = metrics.render();
  EXPECT_NE(text_metrics.find("hotline_tts_cache_hits_total 1"), std::string::npos) << text_metrics;
  tts.stop();

  // A new engine over the same folder knows the cached entries.
  TtsEngine again(dir.path() / "tts-cache", metrics);
  again.start();
  std::optional<TtsResult> warm;
  again.render(text, "cmn", 160, io.get_executor(), [&](TtsResult x) { warm = x; });
  EXPECT_TRUE(wait_for(io, warm).cache_hit);
}

TEST(MediaTts, RecordedPromptsReplaceTts) {
  TempDir dir;
  hotline::Metrics metrics;
  boost::asio::io_context io;
  TtsEngine tts(dir.path() / "tts-cache", metrics);
  tts.start();
  PromptLibrary prompts(dir.path() / "prompts", tts);

  std::optional<TtsResult> spoken;
  prompts.resolve("welcome", "欢迎", "cmn", io.get_executor(), [&](TtsResult r) { spoken = r; });
  auto s = wait_for(io, spoken);
  ASSERT_TRUE(s.error.empty()) << s.error;
  EXPECT_FALSE(s.recorded);

  // An upload: 16 kHz µ-law is accepted and stored as 8 kHz PCM16.
  std::vector<std::uint8_t> upload = {'R', 'I', 'F', 'F', 0, 0, 0, 0, 'W', 'A', 'V', 'E', 'f', 'm', 't', ' ', 16, 0, 0,
                                      0, 7, 0, 1, 0, 0x80, 0x3E, 0, 0, 0x80, 0x3E, 0, 0, 1, 0, 8, 0,
                                      'd', 'a', 't', 'a', 0x40, 0x1F, 0, 0};
  upload.resize(upload.size() + 8000, 0xFF);  // half a second of µ-law silence
  auto stored = prompts.store("welcome", upload);
  ASSERT_TRUE(stored) << stored.error().reason;
  EXPECT_EQ(stored->duration_ms, 500);
  auto back = read_wav_file(dir.path() / "prompts/welcome.wav");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->size(), 4000u);

  std::optional<TtsResult> recorded;
  prompts.resolve("welcome", "欢迎", "cmn", io.get_executor(), [&](TtsResult r) { recorded = r; });
  auto rec = wait_for(io, recorded);
  EXPECT_TRUE(rec.recorded);
  EXPECT_EQ(rec.path, dir.path() / "prompts/welcome.wav");

  EXPECT_FALSE(prompts.store("../evil", upload));
  EXPECT_FALSE(prompts.store("bad", std::vector<std::uint8_t>{'n', 'o'}));
  // A file an admin copied into the folder counts after a rescan (list() does one).
  ASSERT_FALSE(write_wav_file(dir.path() / "prompts/queue_full.wav", std::vector<std::int16_t>(800, 3), 1, 8000));
  auto list = prompts.list();
  ASSERT_EQ(list.size(), 2u);
  EXPECT_EQ(list[0].key, "queue_full");
  EXPECT_EQ(list[0].duration_ms, 100);
  EXPECT_TRUE(list[0].playable);
  EXPECT_TRUE(PromptLibrary::valid_key("ivr.main-1_a"));
  EXPECT_FALSE(PromptLibrary::valid_key(".hidden"));
  EXPECT_FALSE(PromptLibrary::valid_key("A"));
}
