#pragma once
// WAV files as playable audio (AudioPtr), read and converted once, off the
// io and media threads: one thread, "audio-load", reads and decodes; the
// result is cached by path (and re-read when the file's size or time
// changes, so an admin's new recording of a prompt is heard at once).
// load() is thread-safe and never blocks; callbacks are posted to the
// executor given with the request.
#include <boost/asio/any_io_executor.hpp>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include "hotline/core/metrics.hpp"
#include "hotline/media/engine.hpp"

namespace hotline::media {

struct LoadedAudio {
  AudioPtr audio;     // null on error
  std::string error;  // why, for logs: "prompts/x.wav: fmt: 2 channels, mono only"
};

class AudioFiles {
 public:
  using Callback = std::function<void(LoadedAudio)>;

  explicit AudioFiles(Metrics& metrics, std::size_t max_cached_bytes = 256u << 20);
  ~AudioFiles();  // stop()
  AudioFiles(const AudioFiles&) = delete;
  AudioFiles& operator=(const AudioFiles&) = delete;

  void start();
  void stop();  // requests still queued are answered with an error
  void load(std::filesystem::path path, boost::asio::any_io_executor executor, Callback done);
  // Writes audio as an 8 kHz mono WAV (folders made as needed, through a
  // temporary file and a rename); done gets "" or why not.
  using Saved = std::function<void(std::string error)>;
  void save(std::filesystem::path path, AudioPtr audio, boost::asio::any_io_executor executor, Saved done);

 private:
  struct Request {
    std::filesystem::path path;
    boost::asio::any_io_executor executor;
    Callback done;
    AudioPtr to_save;  // set: a save, answered through saved
    Saved saved;
  };
  struct Cached {
    AudioPtr audio;
    std::uintmax_t size = 0;
    std::filesystem::file_time_type modified{};
    std::uint64_t last_use = 0;
  };
  void serve();
  LoadedAudio read(const std::filesystem::path& path);  // audio-load thread
  void evict();                                          // audio-load thread, under no lock: cache_ is its own

  const std::size_t max_cached_bytes_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Request> queue_;
  bool stopping_ = false;
  bool started_ = false;
  std::map<std::string, Cached> cache_;  // audio-load thread only
  std::size_t cached_bytes_ = 0;
  std::uint64_t uses_ = 0;
  Counter& hits_;
  Counter& misses_;
  Counter& failures_;
  std::thread thread_;
};

}  // namespace hotline::media
