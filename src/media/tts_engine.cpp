#include "hotline/media/tts_engine.hpp"

#include <espeak-ng/speak_lib.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <boost/asio/post.hpp>
#include <chrono>

#include "resample.hpp"
#include "hotline/media/wav_writer.hpp"

namespace hotline::media {
namespace {

constexpr std::size_t kMaxTextBytes = 4000;

std::string hex_sha256(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned i = 0; i < size; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 15]);
  }
  return out;
}

// espeak-ng hands samples to this callback during espeak_Synth (synchronous
// mode); user_data is the vector being filled.
int collect(short* wav, int count, espeak_EVENT* events) {
  if (!wav || count <= 0 || !events) return 0;
  auto* out = static_cast<std::vector<std::int16_t>*>(events->user_data);
  if (out) out->insert(out->end(), wav, wav + count);
  return 0;
}

}  // namespace

TtsEngine::TtsEngine(std::filesystem::path cache_dir, Metrics& metrics, std::string espeak_data)
    : cache_dir_(std::move(cache_dir)),
      espeak_data_(std::move(espeak_data)),
      hits_(metrics.counter("hotline_tts_cache_hits_total", "TTS requests answered from the on-disk cache.")),
      misses_(metrics.counter("hotline_tts_cache_misses_total", "TTS requests that needed a rendering.")),
      failures_(metrics.counter("hotline_tts_failures_total", "TTS renderings that failed.")),
      render_ms_(metrics.counter("hotline_tts_render_milliseconds_total", "Time the tts thread spent rendering.")),
      queue_gauge_(metrics.gauge("hotline_tts_queue_depth", "Texts waiting for the tts thread.")) {}

TtsEngine::~TtsEngine() { stop(); }

std::string TtsEngine::cache_key(std::string_view text, std::string_view voice, int rate) {
  std::string material = "tts-v1\n";
  material += voice;
  material += "\n" + std::to_string(rate) + "\n";
  material += text;
  return hex_sha256(material).substr(0, 40);
}

std::filesystem::path TtsEngine::cache_path(std::string_view text, std::string_view voice, int rate) const {
  return cache_dir_ / (cache_key(text, voice, rate) + ".wav");
}

bool TtsEngine::valid_voice(std::string_view voice) {
  if (voice.empty() || voice.size() > 40) return false;
  for (char c : voice) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '_')) return false;
  }
  return true;
}

void TtsEngine::start() {
  std::error_code ec;
  std::filesystem::create_directories(cache_dir_, ec);
  std::set<std::string> found;
  for (auto it = std::filesystem::directory_iterator(cache_dir_, ec); !ec && it != std::filesystem::directory_iterator();
       it.increment(ec)) {
    if (it->path().extension() == ".wav") found.insert(it->path().stem().string());
  }
  std::lock_guard lock(mutex_);
  if (started_) return;
  started_ = true;
  cached_ = std::move(found);
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "tts");
    serve();
  });
}

void TtsEngine::stop() {
  std::deque<std::shared_ptr<Job>> left;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  {
    std::lock_guard lock(mutex_);
    left.swap(jobs_);
    pending_.clear();
  }
  for (auto& job : left) answer(job->waiters, TtsResult{{}, "the TTS engine is shutting down", false, false});
}

std::size_t TtsEngine::queue_depth() const {
  std::lock_guard lock(mutex_);
  return jobs_.size();
}

void TtsEngine::answer(std::vector<Waiter>& waiters, const TtsResult& result) {
  for (auto& w : waiters) {
    boost::asio::post(w.executor, [done = std::move(w.done), result]() mutable { done(std::move(result)); });
  }
  waiters.clear();
}

void TtsEngine::render(std::string text, std::string voice, int rate, boost::asio::any_io_executor executor,
                       Callback done) {
  std::vector<Waiter> now{Waiter{std::move(executor), std::move(done)}};
  if (text.empty() || text.size() > kMaxTextBytes) {
    return answer(now, {{}, "text: 1 to " + std::to_string(kMaxTextBytes) + " bytes", false, false});
  }
  if (!valid_voice(voice)) return answer(now, {{}, "voice: not a voice name", false, false});
  if (rate < 80 || rate > 450) return answer(now, {{}, "rate: 80 to 450 words per minute", false, false});
  auto key = cache_key(text, voice, rate);
  {
    std::lock_guard lock(mutex_);
    if (cached_.count(key)) {
      hits_.inc();
      // Posted, not called: the contract is the same for hits and misses.
      return answer(now, {cache_dir_ / (key + ".wav"), {}, true, false});
    }
    misses_.inc();
    if (!stopping_) {
      if (auto it = pending_.find(key); it != pending_.end()) {
        it->second->waiters.push_back(std::move(now.front()));
        return;
      }
      auto job = std::make_shared<Job>();
      job->key = key;
      job->text = std::move(text);
      job->voice = std::move(voice);
      job->rate = rate;
      job->waiters = std::move(now);
      pending_.emplace(key, job);
      jobs_.push_back(std::move(job));
      queue_gauge_.set(static_cast<std::int64_t>(jobs_.size()));
      cv_.notify_one();
      return;
    }
  }
  answer(now, {{}, "the TTS engine is shutting down", false, false});
}

void TtsEngine::serve() {
  for (;;) {
    std::shared_ptr<Job> job;
    {
      std::unique_lock lock(mutex_);
      cv_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) break;
      job = jobs_.front();
      jobs_.pop_front();
      queue_gauge_.set(static_cast<std::int64_t>(jobs_.size()));
    }
    auto started = std::chrono::steady_clock::now();
    TtsResult result = render_now(*job);
    render_ms_.inc(static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                                  std::chrono::steady_clock::now() - started)
                                                  .count()));
    std::vector<Waiter> waiters;
    {
      std::lock_guard lock(mutex_);
      if (!result.path.empty()) cached_.insert(job->key);
      pending_.erase(job->key);
      waiters.swap(job->waiters);
    }
    if (result.path.empty()) {
      failures_.inc();
      spdlog::warn("event=tts.failed voice={} error=\"{}\"", job->voice, result.error);
    }
    answer(waiters, result);
  }
  // NOTE: espeak_Terminate() is never called: in espeak-ng 1.51 a second
  // Initialize/Terminate cycle in one process hangs in Terminate. espeak-ng's
  // state lives as long as the process, initialised once (see espeak()).
}

TtsResult TtsEngine::render_now(const Job& job) {
  // espeak-ng is process-wide state: one rendering at a time in the process,
  // even with several engines (tests), each on its own tts thread.
  static std::mutex espeak_mutex;
  static int espeak_sample_rate = 0;  // 0: not initialised, -1: failed
  std::lock_guard lock(espeak_mutex);
  if (espeak_sample_rate == 0) {
    espeak_sample_rate = espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 500,
                                           espeak_data_.empty() ? nullptr : espeak_data_.c_str(),
                                           espeakINITIALIZE_DONT_EXIT);
    if (espeak_sample_rate <= 0) {
      espeak_sample_rate = -1;
      spdlog::error("event=tts.unavailable reason=\"espeak-ng could not be initialised\"");
    } else {
      espeak_SetSynthCallback(collect);
      spdlog::info("event=tts.ready engine=espeak-ng sample_rate={}", espeak_sample_rate);
    }
  }
  espeak_rate_ = espeak_sample_rate;
  if (espeak_rate_ < 0) return {{}, "espeak-ng is not available", false, false};
  if (espeak_SetVoiceByName(job.voice.c_str()) != EE_OK) return {{}, "voice: unknown " + job.voice, false, false};
  espeak_SetParameter(espeakRATE, job.rate, 0);
  std::vector<std::int16_t> samples;
  samples.reserve(static_cast<std::size_t>(espeak_rate_) * 4);
  auto rc = espeak_Synth(job.text.c_str(), job.text.size() + 1, 0, POS_CHARACTER, 0, espeakCHARS_UTF8, nullptr,
                         &samples);
  if (rc != EE_OK) return {{}, "espeak-ng could not render the text", false, false};
  if (samples.empty()) return {{}, "espeak-ng rendered no audio", false, false};
  auto pcm8k = resample(samples, static_cast<unsigned>(espeak_rate_), 8000);
  auto path = cache_dir_ / (job.key + ".wav");
  if (auto ec = write_wav_file(path, pcm8k, 1, 8000)) return {{}, "cache: " + ec.message(), false, false};
  return {path, {}, false, false};
}

}  // namespace hotline::media
