// English recorded prompts for the IVR: the prompt library answers
// "en/KEY" with PROMPTS/en/KEY.wav when an admin recorded it, else with TTS
// of the English text; the Mandarin recording of the same key never stands
// in for the English one, and only known language folders are looked at.
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <optional>

#include "hotline/core/metrics.hpp"
#include "hotline/media/prompts.hpp"
#include "hotline/media/tts_engine.hpp"
#include "hotline/media/wav_writer.hpp"

namespace hotline::media {
namespace {

namespace fs = std::filesystem;

struct IvrEnglishPrompts : ::testing::Test {
  IvrEnglishPrompts() {
    char pattern[] = "/tmp/hotline-en-prompts-XXXXXX";
    dir = mkdtemp(pattern);
    fs::create_directories(dir / "prompts" / "en");
    // A Mandarin and an English recording of "welcome"; only a Mandarin one of "goodbye".
    EXPECT_FALSE(write_wav_file(dir / "prompts/welcome.wav", std::vector<std::int16_t>(800, 1), 1, 8000));
    EXPECT_FALSE(write_wav_file(dir / "prompts/en/welcome.wav", std::vector<std::int16_t>(1600, 2), 1, 8000));
    EXPECT_FALSE(write_wav_file(dir / "prompts/goodbye.wav", std::vector<std::int16_t>(800, 3), 1, 8000));
  }
  ~IvrEnglishPrompts() override { fs::remove_all(dir); }

  TtsResult resolve(PromptLibrary& prompts, const std::string& key, const std::string& text, const std::string& voice) {
    std::optional<TtsResult> out;
    prompts.resolve(key, text, voice, io.get_executor(), [&](TtsResult r) { out = std::move(r); });
    io.restart();
    auto work = boost::asio::make_work_guard(io);  // the TTS thread answers later
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!out && std::chrono::steady_clock::now() < deadline) io.run_one_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(out) << "no answer for " << key;
    return out.value_or(TtsResult{});
  }

  fs::path dir;
  Metrics metrics;
  boost::asio::io_context io;
};

TEST_F(IvrEnglishPrompts, TheEnglishRecordingIsPlayedForEnKeys) {
  TtsEngine tts(dir / "tts-cache", metrics);
  tts.start();
  PromptLibrary prompts(dir / "prompts", tts);

  auto en = resolve(prompts, "en/welcome", "Welcome", "en");
  EXPECT_TRUE(en.recorded);
  EXPECT_EQ(en.path, dir / "prompts/en/welcome.wav");
  auto zh = resolve(prompts, "welcome", "欢迎", "cmn");
  EXPECT_TRUE(zh.recorded);
  EXPECT_EQ(zh.path, dir / "prompts/welcome.wav");

  // No English recording: English TTS, not the Mandarin recording.
  auto tts_en = resolve(prompts, "en/goodbye", "Goodbye", "en");
  EXPECT_FALSE(tts_en.recorded);
  ASSERT_TRUE(tts_en.error.empty()) << tts_en.error;
  EXPECT_EQ(tts_en.path, tts.cache_path("Goodbye", "en", TtsEngine::kDefaultRate));

  // An English recording copied in later counts after a rescan.
  EXPECT_FALSE(write_wav_file(dir / "prompts/en/goodbye.wav", std::vector<std::int16_t>(800, 4), 1, 8000));
  prompts.rescan();
  EXPECT_TRUE(resolve(prompts, "en/goodbye", "Goodbye", "en").recorded);

  std::vector<std::string> keys;
  for (const auto& f : prompts.list()) keys.push_back(f.key);
  EXPECT_EQ(keys, (std::vector<std::string>{"en/goodbye", "en/welcome", "goodbye", "welcome"}));
}

TEST_F(IvrEnglishPrompts, OnlyKnownLanguageFoldersAndValidKeys) {
  EXPECT_TRUE(PromptLibrary::valid_resolvable_key("welcome"));
  EXPECT_TRUE(PromptLibrary::valid_resolvable_key("en/welcome"));
  EXPECT_FALSE(PromptLibrary::valid_resolvable_key("en/"));
  EXPECT_FALSE(PromptLibrary::valid_resolvable_key("en/../welcome"));
  EXPECT_FALSE(PromptLibrary::valid_resolvable_key("en/sub/welcome"));
  EXPECT_FALSE(PromptLibrary::valid_resolvable_key("fr/welcome"));
  EXPECT_FALSE(PromptLibrary::valid_resolvable_key("../prompts/welcome"));
  EXPECT_FALSE(PromptLibrary::valid_key("en/welcome"));  // uploads still name plain keys
}

}  // namespace
}  // namespace hotline::media
