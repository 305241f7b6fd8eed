#pragma once
// Text to speech with espeak-ng, off the media threads (issue 4, item 3).
// espeak-ng keeps global state and is not thread-safe, so one thread, "tts",
// owns it: it initialises it, renders every request and terminates it.
// Output goes into an on-disk cache, CACHE_DIR/<hash>.wav, keyed by
// text + voice + rate, as 8 kHz mono PCM16 (what the player sends).
//
// render() is thread-safe and never blocks: a cache hit is answered without
// the tts thread, a miss queues the text (requests for the same key wait
// for one rendering). Callbacks are posted to the executor given with the
// request, never run inline; that executor's context must outlive the
// engine (stop() it first).
#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "hotline/core/metrics.hpp"

namespace hotline::media {

struct TtsResult {
  std::filesystem::path path;  // the cached WAV; empty on error
  std::string error;
  bool cache_hit = false;
  bool recorded = false;       // PromptLibrary: an admin's recording, not TTS
};

class TtsEngine {
 public:
  using Callback = std::function<void(TtsResult)>;
  static constexpr int kDefaultRate = 160;  // words per minute; espeak-ng allows 80 .. 450

  // espeak_data: espeak-ng's data folder; empty: the library's default.
  TtsEngine(std::filesystem::path cache_dir, Metrics& metrics, std::string espeak_data = {});
  ~TtsEngine();  // stop()
  TtsEngine(const TtsEngine&) = delete;
  TtsEngine& operator=(const TtsEngine&) = delete;

  // Creates the cache folder, lists what it holds, starts the thread.
  void start();
  // Requests still queued are answered with an error; joins the thread.
  void stop();

  // voice: an espeak-ng voice name ("cmn" Mandarin, "en" English); rate in
  // words per minute (80 .. 450). Errors (bad voice, empty text, espeak-ng
  // missing) come back through the callback.
  void render(std::string text, std::string voice, int rate, boost::asio::any_io_executor executor, Callback done);

  // Where render() puts this text; exists once rendered.
  std::filesystem::path cache_path(std::string_view text, std::string_view voice, int rate) const;
  static std::string cache_key(std::string_view text, std::string_view voice, int rate);
  static bool valid_voice(std::string_view voice);

  std::size_t queue_depth() const;

 private:
  struct Waiter {
    boost::asio::any_io_executor executor;
    Callback done;
  };
  struct Job {
    std::string key, text, voice;
    int rate = kDefaultRate;
    std::vector<Waiter> waiters;
  };

  void serve();
  TtsResult render_now(const Job& job);  // tts thread
  static void answer(std::vector<Waiter>& waiters, const TtsResult& result);

  std::filesystem::path cache_dir_;
  std::string espeak_data_;
  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> jobs_;
  std::map<std::string, std::shared_ptr<Job>> pending_;  // key -> queued or running job
  std::set<std::string> cached_;         // keys whose file exists
  bool stopping_ = false;
  bool started_ = false;
  int espeak_rate_ = 0;                  // tts thread: espeak-ng's sample rate, 0 before init, -1 failed
  Counter& hits_;
  Counter& misses_;
  Counter& failures_;
  Counter& render_ms_;
  Gauge& queue_gauge_;
  std::thread thread_;
};

}  // namespace hotline::media
