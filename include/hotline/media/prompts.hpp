#pragma once
// Prompts: what the player says by key ("welcome", "queue_full", ...). A
// prompt an admin recorded (PROMPTS_DIR/<key>.wav, copied there or uploaded
// through PUT /api/v1/prompts/{key}) replaces the TTS of the same key.
//
// Prompts in another language live in a folder of that language:
// PROMPTS_DIR/en/<key>.wav is the English recording of <key>, asked for as
// key "en/<key>" (the IVR does so while a caller's language is English);
// without it the TTS of the (English) fallback text is played.
//
// Which keys are recorded is kept in memory (filled at construction, by
// rescan() and by store()), so resolve() never touches the disk on the
// caller's (media) thread.
#include <boost/asio/any_io_executor.hpp>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hotline/media/tts_engine.hpp"
#include "hotline/media/wav_reader.hpp"

namespace hotline::media {

struct PromptFile {
  std::string key;
  std::uint64_t size_bytes = 0;
  std::int64_t duration_ms = 0;
  std::int64_t modified_at_ms = 0;
  bool playable = true;  // parse_wav accepts it
  std::string problem;   // why not
};

class PromptLibrary {
 public:
  PromptLibrary(std::filesystem::path directory, TtsEngine& tts);

  // 1 to 64 of a-z 0-9 _ - . , not starting with a dot.
  static bool valid_key(std::string_view key);
  // A valid key, or "LANG/KEY" for a language folder this library knows (en).
  static bool valid_resolvable_key(std::string_view key);
  const std::filesystem::path& directory() const { return directory_; }

  // The recorded prompt when there is one (answered at once, recorded ==
  // true), else the TTS of fallback_text in voice (cached). Callback posted
  // to executor.
  void resolve(const std::string& key, std::string fallback_text, std::string voice,
               boost::asio::any_io_executor executor, TtsEngine::Callback done, int rate = TtsEngine::kDefaultRate);

  // Blocking (disk): re-reads the folder. Call off the io threads.
  std::vector<PromptFile> list();
  void rescan();
  // Blocking: checks bytes is a WAV we play, converts it to 8 kHz mono PCM16
  // and stores it as the key's prompt (through a temporary file and a rename).
  WavResult<PromptFile> store(const std::string& key, std::span<const std::uint8_t> bytes);

 private:
  std::filesystem::path directory_;
  TtsEngine& tts_;
  std::mutex mutex_;
  std::set<std::string> recorded_;
};

}  // namespace hotline::media
