#include "hotline/media/audio_files.hpp"

#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>

#include "hotline/media/wav_reader.hpp"
#include "hotline/media/wav_writer.hpp"

namespace hotline::media {

AudioFiles::AudioFiles(Metrics& metrics, std::size_t max_cached_bytes)
    : max_cached_bytes_(max_cached_bytes),
      hits_(metrics.counter("hotline_audio_file_cache_hits_total", "Audio files played from memory.")),
      misses_(metrics.counter("hotline_audio_file_cache_misses_total", "Audio files read and decoded from disk.")),
      failures_(metrics.counter("hotline_audio_file_failures_total", "Audio files that could not be read or decoded.")) {}

AudioFiles::~AudioFiles() { stop(); }

void AudioFiles::start() {
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "audio-load");
    serve();
  });
}

void AudioFiles::stop() {
  std::deque<Request> left;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    left.swap(queue_);
  }
  for (auto& r : left) {
    if (r.saved) {
      boost::asio::post(r.executor, [saved = std::move(r.saved)] { saved("the daemon is stopping"); });
    } else {
      boost::asio::post(r.executor, [done = std::move(r.done)] { done({nullptr, "the daemon is stopping"}); });
    }
  }
}

void AudioFiles::load(std::filesystem::path path, boost::asio::any_io_executor executor, Callback done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({std::move(path), executor, std::move(done), nullptr, nullptr});
      cv_.notify_one();
      return;
    }
  }
  boost::asio::post(executor, [done = std::move(done)] { done({nullptr, "the daemon is stopping"}); });
}

void AudioFiles::save(std::filesystem::path path, AudioPtr audio, boost::asio::any_io_executor executor, Saved done) {
  {
    std::lock_guard lock(mutex_);
    if (!stopping_) {
      queue_.push_back({std::move(path), executor, nullptr, std::move(audio), std::move(done)});
      cv_.notify_one();
      return;
    }
  }
  boost::asio::post(executor, [done = std::move(done)] { done("the daemon is stopping"); });
}

void AudioFiles::serve() {
  for (;;) {
    Request request;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      request = std::move(queue_.front());
      queue_.pop_front();
    }
    if (request.saved) {
      std::error_code ec;
      std::filesystem::create_directories(request.path.parent_path(), ec);
      if (!ec) ec = write_wav_file(request.path, request.to_save->samples, 1, 8000);
      std::string error = ec ? request.path.string() + ": " + ec.message() : std::string();
      boost::asio::post(request.executor,
                        [saved = std::move(request.saved), error = std::move(error)] { saved(error); });
      continue;
    }
    auto result = read(request.path);
    boost::asio::post(request.executor,
                      [done = std::move(request.done), result = std::move(result)]() mutable { done(std::move(result)); });
  }
}

LoadedAudio AudioFiles::read(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  const auto modified = ec ? std::filesystem::file_time_type{} : std::filesystem::last_write_time(path, ec);
  if (ec) {
    failures_.inc();
    return {nullptr, path.string() + ": " + ec.message()};
  }
  const auto key = path.string();
  if (auto it = cache_.find(key); it != cache_.end() && it->second.size == size && it->second.modified == modified) {
    hits_.inc();
    it->second.last_use = ++uses_;
    return {it->second.audio, {}};
  }
  misses_.inc();
  auto samples = read_wav_file(path);
  if (!samples) {
    failures_.inc();
    return {nullptr, path.string() + ": " + samples.error().reason};
  }
  auto audio = std::make_shared<Audio>();
  audio->samples = std::move(samples.value());
  AudioPtr shared = std::move(audio);
  if (auto it = cache_.find(key); it != cache_.end()) {
    cached_bytes_ -= it->second.audio->samples.size() * sizeof(std::int16_t);
    cache_.erase(it);
  }
  cached_bytes_ += shared->samples.size() * sizeof(std::int16_t);
  cache_[key] = {shared, size, modified, ++uses_};
  evict();
  return {shared, {}};
}

void AudioFiles::evict() {
  // Least recently used first; what a call still plays stays alive through its own AudioPtr.
  while (cached_bytes_ > max_cached_bytes_ && cache_.size() > 1) {
    auto oldest = cache_.begin();
    for (auto it = cache_.begin(); it != cache_.end(); ++it) {
      if (it->second.last_use < oldest->second.last_use) oldest = it;
    }
    cached_bytes_ -= oldest->second.audio->samples.size() * sizeof(std::int16_t);
    cache_.erase(oldest);
  }
}

}  // namespace hotline::media
